"""The synthetic generator: exact sizes, no repeats, skew, genre effect, and a loadable layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recommender.data import load_dataset
from recommender.data.synth import MAX_RATINGS, format_rows, synthesize, write_synthetic
from recommender.errors import ConfigError
from recommender.fileio import OutputError


def test_sizes_uniqueness_and_ranges(rng: np.random.Generator) -> None:
    ratings, movies = synthesize(50_000, rng=rng)
    assert len(ratings) == 50_000
    assert not ratings.duplicated(["user", "item"]).any()
    per_user = ratings.groupby("user").size()
    assert per_user.min() >= 20
    assert set(np.unique(ratings["rating"] * 2)) <= set(range(1, 11))
    assert ratings["item"].isin(movies["movie_id"]).all()
    assert movies["genres"].map(len).between(1, 3).all()
    # power-law activity: the busiest user rates many times the median user
    assert per_user.max() > 8 * per_user.median()
    per_item = ratings.groupby("item").size()
    assert per_item.max() > 5 * per_item.median()


def test_explicit_sizes_and_small_inputs(rng: np.random.Generator) -> None:
    ratings, movies = synthesize(300, rng=rng, n_users=10, n_items=40)
    assert len(ratings) == 300 and ratings["user"].nunique() == 10 and len(movies) == 40
    assert not ratings.duplicated(["user", "item"]).any()
    with pytest.raises(ConfigError, match="do not fit"):
        synthesize(500, rng=rng, n_users=10, n_items=40)


def test_seeded_reproducible() -> None:
    a, _ = synthesize(5_000, rng=np.random.default_rng(3))
    b, _ = synthesize(5_000, rng=np.random.default_rng(3))
    pd.testing.assert_frame_equal(a, b)


def test_favourite_genres_are_rated_higher(rng: np.random.Generator) -> None:
    ratings, movies = synthesize(100_000, rng=rng)
    genre_of = movies.set_index("movie_id")["genres"].map(lambda g: g[0])
    frame = ratings.assign(genre=ratings["item"].map(genre_of))
    per_user_genre = frame.groupby(["user", "genre"])["rating"].agg(["mean", "size"])
    per_user_genre = per_user_genre[per_user_genre["size"] >= 5]
    spread = per_user_genre.groupby("user")["mean"].agg(lambda m: m.max() - m.min())
    # a user's best genre beats their worst by a clear margin on average
    assert spread.mean() > 0.5


def test_format_rows_matches_pandas() -> None:
    frame = pd.DataFrame(
        {
            "userId": [1, 10, 162541],
            "movieId": [0, 209171, 7],
            "rating": [0.5, 4.0, 5.0],
            "timestamp": [0, 1574327703, 789652009],
        }
    )
    expected = frame.to_csv(index=False, header=False, float_format="%.1f", lineterminator="\n")
    got = format_rows(*(frame[c].to_numpy() for c in frame.columns))
    assert got.decode() == expected
    with pytest.raises(ValueError, match="half stars"):
        format_rows(*(np.array([v]) for v in (1, 2, 3.3, 4)))


def test_write_synthetic_round_trips_through_the_loader(tmp_path: Path) -> None:
    out = write_synthetic(tmp_path / "syn", 3_000, seed=7)
    assert sorted(p.name for p in out.iterdir()) == ["movies.csv", "ratings.csv"]
    dataset = load_dataset(out)
    expected, movies = synthesize(3_000, rng=np.random.default_rng(7))
    pd.testing.assert_frame_equal(dataset.ratings, expected)
    assert len(dataset.movies) == len(movies)
    assert dataset.movies["year"].notna().all()
    # timestamps increase along each user's history and stay in 1996-2019
    assert dataset.ratings["timestamp"].between(820_454_400, 1_574_294_400).all()


def test_refuses_counts_above_the_bound_before_any_work(rng: np.random.Generator) -> None:
    with pytest.raises(ConfigError, match="1 to 100,000,000, got 100,000,001"):
        synthesize(MAX_RATINGS + 1, rng=rng)


def test_write_synthetic_onto_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    with pytest.raises(OutputError, match="must be a folder"):
        write_synthetic(tmp_path / "taken", 1_000)
    assert (tmp_path / "taken").read_text() == "x"
