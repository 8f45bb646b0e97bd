"""Shared fixtures: a seeded rng, a tiny synthetic dataset with known structure, and the
MovieLens-100K sample from ``../shared/data`` (tests needing it skip when it is absent).

Set ``MOVIEBOT_ML100K`` to point the real-data tests elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recommender.data import Dataset, Vocabulary, interactions
from recommender.training import train_models
from tools.toolbox import Toolbox

REPO_ROOT = Path(__file__).resolve().parent.parent
GENRES = ("Action", "Comedy", "Drama", "Horror")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261129)


def make_ratings(
    rng: np.random.Generator, n_users: int = 60, n_items: int = 40, per_user: int = 15
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ratings and movies with two taste groups.

    Even users love even items (4-5 stars) and dislike odd ones (1-2); odd users the reverse.
    Raw ids are offset (users from 1001, items from 501) so index/id mix-ups show up.
    """
    rows = []
    for u in range(n_users):
        items = rng.choice(n_items, size=per_user, replace=False)
        for t, i in enumerate(items):
            liked = (u % 2) == (i % 2)
            rating = rng.integers(4, 6) if liked else rng.integers(1, 3)
            rows.append((1001 + u, 501 + int(i), float(rating), 1_000_000 + 1000 * u + t))
    ratings = pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp"]).astype(
        {"user": "int64", "item": "int64", "rating": "float32", "timestamp": "int64"}
    )
    movies = pd.DataFrame(
        {
            "movie_id": np.arange(501, 501 + n_items, dtype=np.int64),
            "title": [f"Movie {i} ({1980 + i % 20})" for i in range(n_items)],
            "year": pd.array([1980 + i % 20 for i in range(n_items)], dtype="Int64"),
            "genres": [(GENRES[i % 2], GENRES[2 + (i // 2) % 2]) for i in range(n_items)],
            "tags": "",
        }
    )
    return ratings, movies


def synthetic_dataset(ratings: pd.DataFrame, movies: pd.DataFrame, fingerprint: str) -> Dataset:
    """``make_ratings`` output as a Dataset (CSV layout, the test genres), keyed ``fingerprint``."""
    return Dataset(
        ratings=ratings,
        movies=movies,
        genres=GENRES,
        layout="csv",
        path=Path("tiny"),
        fingerprint=fingerprint,
    )


def tiny_toolbox(titles: list[str], fingerprint: str = "tiny") -> Toolbox:
    """Tools over models trained on 80 synthetic users x 40 movies, the first movies renamed
    to ``titles`` so title resolution has real names to work with."""
    ratings, movies = make_ratings(np.random.default_rng(7), n_users=80, n_items=40, per_user=20)
    movies = movies.copy()
    movies.loc[: len(titles) - 1, "title"] = titles
    return Toolbox.from_trained(train_models(synthetic_dataset(ratings, movies, fingerprint)))


@pytest.fixture
def tiny_ratings(rng: np.random.Generator) -> pd.DataFrame:
    return make_ratings(rng)[0]


@pytest.fixture
def tiny_train(tiny_ratings: pd.DataFrame) -> sp.csr_matrix:
    """The tiny ratings as a users x items CSR (60 x 40)."""
    return interactions(
        tiny_ratings, Vocabulary(tiny_ratings["user"]), Vocabulary(tiny_ratings["item"])
    )


def write_csv_layout(directory: Path, ratings: pd.DataFrame, movies: pd.DataFrame) -> Path:
    """Write ratings/movies in the MovieLens CSV layout (as ml-latest-small ships them)."""
    directory.mkdir(parents=True, exist_ok=True)
    ratings.rename(columns={"user": "userId", "item": "movieId"})[
        ["userId", "movieId", "rating", "timestamp"]
    ].to_csv(directory / "ratings.csv", index=False)
    pd.DataFrame(
        {
            "movieId": movies["movie_id"],
            "title": movies["title"],
            "genres": ["|".join(g) or "(no genres listed)" for g in movies["genres"]],
        }
    ).to_csv(directory / "movies.csv", index=False)
    return directory


@pytest.fixture
def tiny_csv_dir(tmp_path: Path, rng: np.random.Generator) -> Path:
    ratings, movies = make_ratings(rng)
    return write_csv_layout(tmp_path / "tiny", ratings, movies)


@pytest.fixture(scope="session")
def ml100k_dir() -> Path:
    """The real MovieLens-100K sample; the test is skipped where it is absent."""
    path = Path(os.environ.get("MOVIEBOT_ML100K", REPO_ROOT.parent / "shared/data/ml-100k"))
    if not (path / "u.data").exists():
        pytest.skip(f"MovieLens-100K not found at {path} (set MOVIEBOT_ML100K)")
    return path


@pytest.fixture(scope="session")
def ml_small_dir() -> Path:
    """The real ml-latest-small sample (CSV layout with tags); skipped where absent."""
    path = Path(
        os.environ.get("MOVIEBOT_ML_SMALL", REPO_ROOT.parent / "shared/data/ml-latest-small")
    )
    if not (path / "ratings.csv").exists():
        pytest.skip(f"ml-latest-small not found at {path} (set MOVIEBOT_ML_SMALL)")
    return path
