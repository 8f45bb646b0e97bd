"""train --engine spark: the exported directory round-trips through load_models and serves
unchanged — Spark's own top-10 for dataset users, fold-in of chat users, "similar", and the
chat and CLI commands on it, with no retraining."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.artifacts import TrainedModels, load_models
from recommender.data import interactions, load_dataset
from recommender.models._interactions import preference_matrix
from recommender.models.content import ContentTfidf, item_documents
from recommender.models.popularity import BayesianPopularity
from recommender.models.spark_als import SparkALS, SparkALSConfig
from recommender.serving import MovieRecommender
from tests.recommender.models.test_spark_als import fold_in_reference
from tests.recommender.spark.conftest import two_taste_csv

if TYPE_CHECKING:
    from pyspark.ml.recommendation import ALSModel
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark

#: Liked films only (every user watches at random: dislikes would blur the two tastes).
CONFIG = SparkALSConfig(
    factors=8, iterations=8, regularization=0.05, dislike_weight=0.0,
    num_user_blocks=2, num_item_blocks=2,
)  # fmt: skip


@dataclass
class Exported:
    data_dir: Path
    directory: Path
    als: ALSModel
    trained: TrainedModels


@pytest.fixture(scope="module")
def exported(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    from recommender.spark.ratings import read_ratings
    from recommender.spark.session import SparkOptions
    from recommender.spark.train import export_model, fit_als

    root = tmp_path_factory.mktemp("spark-train")
    data_dir = two_taste_csv(root / "data")
    ratings = read_ratings(spark, data_dir).cache()
    als = fit_als(ratings, CONFIG)
    directory = export_model(als, ratings, data_dir, root / "models", CONFIG, SparkOptions())
    return Exported(data_dir, directory, als, load_models(directory))


def test_the_directory_round_trips_with_the_local_loaders_contents(exported: Exported) -> None:
    trained, dataset = exported.trained, load_dataset(exported.data_dir)
    assert exported.directory.name == dataset.fingerprint  # where `chat --data-dir` looks
    assert set(trained.models) == {"spark-als", "popularity", "content"}
    assert trained.info["ranker"] == "spark-als" and trained.info["engine"] == "spark"
    assert trained.info["spark_version"].startswith("4.")
    assert trained.info["als"]["num_user_blocks"] == 2
    assert trained.users.ids.tolist() == sorted(dataset.ratings["user"].unique())
    assert trained.items.ids.tolist() == sorted(dataset.movies["movie_id"])
    expected_seen = interactions(dataset.ratings, trained.users, trained.items)
    assert (trained.seen != expected_seen).nnz == 0
    popularity = BayesianPopularity().fit(expected_seen)
    for key, value in popularity.get_state().items():
        np.testing.assert_allclose(trained["popularity"].get_state()[key], value, rtol=1e-6)
    content = ContentTfidf().fit(
        expected_seen, item_text=item_documents(dataset.movies, trained.items)
    )
    assert (trained["content"].item_vectors != content.item_vectors).nnz == 0  # type: ignore[attr-defined]
    assert trained.catalog["title"].tolist() == dataset.movies["title"].tolist()


def test_user_factors_are_sparks_row_for_row(exported: Exported) -> None:
    factors = exported.als.userFactors.toArrow()
    ids = factors.column("id").to_numpy()
    spark_rows = np.stack(factors.column("features").to_pylist())
    model = exported.trained["spark-als"]
    assert isinstance(model, SparkALS)
    np.testing.assert_array_equal(model.user_factors[exported.trained.users.index(ids)], spark_rows)


def test_serving_top_10_agrees_with_sparks_recommend_for_user_subset(exported: Exported) -> None:
    """Spark's list includes films the user rated, so ask for 10 + |seen| and drop them."""
    trained, als = exported.trained, exported.als
    service = MovieRecommender(trained)
    seen = trained.seen
    most_seen = int(np.diff(seen.indptr).max())
    users = als.userFactors.select("id").withColumnRenamed("id", "user")
    theirs = {
        row["user"]: [r["item"] for r in row["recommendations"]]
        for row in als.recommendForUserSubset(users, 10 + most_seen).collect()
    }
    overlaps = []
    for user, items in theirs.items():
        rated = set(trained.items.raw(seen[int(trained.users.index([user])[0])].indices).tolist())
        spark_top = [i for i in items if i not in rated][:10]
        ours = service.recommend(int(user), 10).ids.tolist()
        overlaps.append(len(set(ours) & set(spark_top)))
    assert len(overlaps) == len(trained.users)
    print(f"mean top-10 overlap with Spark: {np.mean(overlaps):.2f} over {len(overlaps)} users")
    assert np.mean(overlaps) >= 9.0, np.mean(overlaps)


def test_fold_in_of_a_chat_user_on_spark_factors(exported: Exported) -> None:
    service = MovieRecommender(exported.trained)
    model = exported.trained["spark-als"]
    assert isinstance(model, SparkALS)
    loved = {501: 5.0, 503: 5.0, 505: 4.0, 507: 5.0}  # even item indices: the first taste
    picks = service.recommend(loved, 10)
    assert len(picks) == 10 and not set(picks.ids.tolist()) & set(loved)
    assert sum((movie - 501) % 2 == 0 for movie in picks.ids.tolist()) >= 9
    row = sp.csr_matrix(
        (list(loved.values()), ([0] * 4, exported.trained.items.index(list(loved)))),
        shape=(1, len(exported.trained.items)),
        dtype=np.float32,
    )
    weights = preference_matrix(row, CONFIG.like_threshold, CONFIG.dislike_weight)
    factors = fold_in_reference(weights, model.item_factors, CONFIG.alpha, CONFIG.regularization)
    expected = factors[0] @ model.item_factors.T
    np.testing.assert_allclose(model.score_new_users(row)[0], expected, rtol=1e-4, atol=1e-5)


def test_similar_comes_from_content_and_als_item_factors(exported: Exported) -> None:
    service = MovieRecommender(exported.trained)
    similar = service.similar_items(502, 5)
    assert len(similar) == 5 and 502 not in similar.ids.tolist()
    model = exported.trained["spark-als"]
    assert isinstance(model, SparkALS)
    neighbours, _ = model.similar_items(1, 5)  # movie 502 is item index 1
    assert set(similar.ids.tolist()) & set(exported.trained.items.raw(neighbours).tolist())


def test_train_command_then_chat_recommend_and_similar_serve_it_without_retraining(
    spark: SparkSession,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.cli import main

    data_dir = two_taste_csv(tmp_path / "data", seed=9)
    where = ("--data-dir", str(data_dir), "--model-dir", str(tmp_path / "models"))
    status = main(["train", "--engine", "spark", "--num-blocks", "2", *where])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "master local[2]" in err or "on Spark (local[2])" in err
    directory = Path(out.strip())
    assert load_models(directory).info["engine"] == "spark"

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("retrained instead of serving the Spark directory")

    monkeypatch.setattr("recommender.training.train_models", no_training)
    assert main(["recommend", "--user", "1002", "-k", "5", "--json", *where]) == 0
    assert "movie_id" in capsys.readouterr().out
    assert main(["similar", "movie 4", "-k", "3", *where]) == 0
    assert "Movie" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("I loved movie 4\nrecommend me something\n"))
    assert main(["chat", "--db", str(tmp_path / "chat.sqlite3"), *where]) == 0
    answer = capsys.readouterr().out
    assert "Noted: Movie 4" in answer
    assert "ranked for you by spark-als" in answer or "because you liked Movie 4" in answer


@pytest.mark.parametrize("dislike_weight", [0.2, 0.0])
def test_weights_are_our_preference_weights(spark: SparkSession, dislike_weight: float) -> None:
    """liked (>= like_threshold) = 1, below = dislike_weight, weight 0 dropped: the weights
    ``preference_matrix`` gives our iALS (Spark's confidence is then 1 + alpha·w)."""
    from recommender.spark.train import weighted

    stars = [5.0, 4.0, 3.5, 1.0]
    rows = spark.createDataFrame(
        [(1, i, s) for i, s in enumerate(stars)], "user INT, item INT, rating FLOAT"
    )
    config = SparkALSConfig(dislike_weight=dislike_weight)
    found = {r["item"]: r["weight"] for r in weighted(rows, config).collect()}
    matrix = sp.csr_matrix(np.array([stars], dtype=np.float32))
    ours = preference_matrix(matrix, config.like_threshold, config.dislike_weight)
    assert found == pytest.approx(dict(zip(ours.indices.tolist(), ours.data.tolist(), strict=True)))
    assert len(found) == (4 if dislike_weight else 2)
