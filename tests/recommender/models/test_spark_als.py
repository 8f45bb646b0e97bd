"""SparkALS: Spark's normal equations for fold-in (vectorized, checked against a per-user
reference and against the factors Spark itself solved), item similarity, state, and a fit
through Spark under our evaluator.  Only the tests marked ``spark`` need pyspark and a JVM."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp

from recommender.models import MODEL_NAMES, get_model_class
from recommender.models._interactions import preference_matrix
from recommender.models.spark_als import SparkALS, SparkALSConfig, fold_in_factors
from recommender.splits import index_split, split_ratings

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import SparkSession

from tests.recommender.spark.conftest import spark  # noqa: F401  (the shared session fixture)


def fold_in_reference(
    weights: sp.csr_matrix, item_factors: npt.NDArray[np.floating], alpha: float, reg: float
) -> npt.NDArray[np.float64]:
    """One user at a time, exactly as Spark's ALS.computeFactors builds and solves the
    normal equations (implicit, ALS-WR): YtY + Σ c1 v vᵀ + λ n I,  Σ (1 + c1) v."""
    v_all = np.asarray(item_factors, dtype=np.float64)
    k = v_all.shape[1]
    out = np.zeros((weights.shape[0], k))
    for u in range(weights.shape[0]):
        lhs = v_all.T @ v_all
        rhs = np.zeros(k)
        n_positive = 0
        for i, w in zip(weights[u].indices, weights[u].data, strict=True):
            c1 = alpha * w
            lhs += c1 * np.outer(v_all[i], v_all[i])
            rhs += (1.0 + c1) * v_all[i]
            n_positive += w > 0
        if n_positive:
            out[u] = np.linalg.solve(lhs + reg * n_positive * np.eye(k), rhs)
    return out


def test_fold_in_solves_sparks_normal_equations(rng: np.random.Generator) -> None:
    item_factors = rng.normal(scale=0.3, size=(30, 6)).astype(np.float32)
    weights = sp.random(9, 30, density=0.3, random_state=1, format="csr", dtype=np.float32)
    weights.data = np.where(weights.data > 0.5, 1.0, 0.2).astype(np.float32)
    weights = sp.csr_matrix(sp.vstack([weights, sp.csr_matrix((1, 30))]))  # a row with nothing
    expected = fold_in_reference(weights, item_factors, alpha=7.0, reg=0.3)
    found = fold_in_factors(weights, item_factors, alpha=7.0, regularization=0.3)
    np.testing.assert_allclose(found, expected, rtol=1e-5, atol=1e-6)
    assert not found[-1].any()


def test_fold_in_in_small_chunks_gives_the_same_factors(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import recommender.models.spark_als as module

    item_factors = rng.normal(size=(40, 5)).astype(np.float32)
    weights = sp.random(25, 40, density=0.25, random_state=2, format="csr", dtype=np.float32)
    whole = fold_in_factors(weights, item_factors, 3.0, 0.1)
    monkeypatch.setattr(module, "FOLD_IN_BYTES", 1)  # one user per chunk
    np.testing.assert_allclose(fold_in_factors(weights, item_factors, 3.0, 0.1), whole, rtol=1e-6)


def loaded(user_factors: np.ndarray, item_factors: np.ndarray, **config: object) -> SparkALS:
    model = SparkALS(SparkALSConfig(**config))  # type: ignore[arg-type]
    count = np.arange(item_factors.shape[0], dtype=np.int64)
    model.set_state(
        {"user_factors": user_factors, "item_factors": item_factors, "item_count": count}
    )
    model.mark_loaded(user_factors.shape[0], item_factors.shape[0])
    return model


def test_similar_items_is_cosine_over_item_factors(rng: np.random.Generator) -> None:
    items = rng.normal(size=(12, 4)).astype(np.float32)
    items[5] = 0.0  # never rated: no factors, never similar
    model = loaded(np.zeros((3, 4), np.float32), items)
    indices, sims = model.similar_items(2, 20)
    unit = items / np.maximum(np.linalg.norm(items, axis=1, keepdims=True), 1e-12)
    cosine = unit @ unit[2]
    expected = [i for i in np.argsort(-cosine, kind="stable") if i not in (2, 5)]
    assert indices.tolist() == expected
    np.testing.assert_allclose(sims, cosine[expected], rtol=1e-5)
    assert model.similar_items(2, 3)[0].tolist() == expected[:3]
    assert model.similar_items(5, 3)[0].size == 0


def test_scores_are_dot_products_and_unknown_users_get_counts(rng: np.random.Generator) -> None:
    users, items = rng.normal(size=(4, 3)), rng.normal(size=(7, 3))
    model = loaded(users.astype(np.float32), items.astype(np.float32))
    scores = model.score(np.array([2, -1]))
    np.testing.assert_allclose(scores[0], users[2] @ items.T, rtol=1e-5)
    assert scores[1].tolist() == list(range(7))


def test_a_memory_mapped_state_round_trips_and_stays_mapped(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    from recommender.artifacts import TrainedModels, load_models, save_models
    from recommender.data import Vocabulary

    mapped = np.lib.format.open_memmap(
        tmp_path / "users.npy", mode="w+", dtype=np.float32, shape=(6, 3)
    )
    mapped[:] = rng.normal(size=(6, 3))
    model = loaded(mapped, rng.normal(size=(5, 3)).astype(np.float32), factors=3)
    assert np.shares_memory(model.user_factors, mapped)  # set_state did not copy
    trained = TrainedModels(
        users=Vocabulary(np.arange(6)),
        items=Vocabulary(np.arange(5)),
        models={"spark-als": model},
        dataset_fingerprint="x",
        seen=sp.csr_matrix((6, 5), dtype=np.float32),
        catalog=__import__("pandas").DataFrame(
            {"movie_id": np.arange(5), "title": list("abcde"), "year": None, "genres": [()] * 5}
        ),
        genres=(),
    )
    back = load_models(save_models(tmp_path / "model", trained))["spark-als"]
    np.testing.assert_array_equal(back.user_factors, mapped)  # type: ignore[attr-defined]
    assert back.config == model.config


def test_registered_but_not_in_the_default_model_list() -> None:
    assert get_model_class("spark-als") is SparkALS
    assert "spark-als" not in MODEL_NAMES


# ---------------------------------------------------------------------------- with Spark


@pytest.mark.spark
def test_fold_in_of_a_users_own_row_gives_back_sparks_factor(
    spark: SparkSession,  # noqa: F811
    tiny_train: sp.csr_matrix,
) -> None:
    """Spark solves users last in each sweep, from the final item factors: folding in a
    dataset user's training row must reproduce the factor Spark stored."""
    config = SparkALSConfig(
        factors=8, iterations=6, regularization=0.05, num_user_blocks=2, num_item_blocks=2
    )
    model = SparkALS(config).fit(tiny_train)
    folded = model.fold_in(tiny_train)
    scale = np.abs(model.user_factors).max()
    error = np.abs(folded - model.user_factors).max() / scale
    assert error < 1e-4, error
    weights = preference_matrix(tiny_train, config.like_threshold, config.dislike_weight)
    np.testing.assert_allclose(
        fold_in_reference(weights[:5], model.item_factors, config.alpha, config.regularization),
        model.user_factors[:5],
        rtol=1e-3,
        atol=1e-4 * scale,
    )


@pytest.mark.spark
def test_our_evaluator_runs_spark_als_beside_ials(
    spark: SparkSession,  # noqa: F811
    tiny_ratings: pd.DataFrame,
) -> None:
    from recommender.evaluate import evaluate_split

    indexed = index_split(*split_ratings(tiny_ratings, "user-time"))
    # every user watches films at random; only what they liked tells the two tastes apart
    liked_only = {"factors": 8, "iterations": 8, "dislike_weight": 0.0}
    report = evaluate_split(
        indexed,
        ["popularity-count", "ials", "spark-als"],
        split_name="user-time",
        params={
            "ials": {**liked_only, "confidence": "linear", "regularization": 1.0},
            "spark-als": {**liked_only, "num_user_blocks": 2, "num_item_blocks": 2},
        },
    )
    count, ials, als = report.results
    assert als.model == "spark-als" and als.ndcg is not None
    # two taste groups: factors find them, item counts cannot
    assert als.ndcg > count.ndcg + 0.1
    assert als.ndcg > 0.8 * ials.ndcg


@pytest.mark.spark
def test_a_long_fit_checkpoints_instead_of_overflowing_the_stack(
    spark: SparkSession,  # noqa: F811
    tiny_train: sp.csr_matrix,
) -> None:
    """ALS's lineage grows with every sweep; without a checkpoint folder Spark ignores
    checkpointInterval and a few dozen sweeps die of a StackOverflowError in the executor.
    A fit must checkpoint somewhere even when nobody named a folder."""
    config = SparkALSConfig(
        factors=4, iterations=30, checkpoint_interval=5, num_user_blocks=2, num_item_blocks=2
    )
    model = SparkALS(config).fit(tiny_train)
    assert np.isfinite(model.user_factors).all() and np.abs(model.user_factors).max() > 0
