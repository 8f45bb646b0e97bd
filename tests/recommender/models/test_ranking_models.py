"""Top-N ranking models: EASE, implicit ALS and RP3beta.

Hand-checkable references on tiny data, the size guard, taste groups, unknown users, state round
trips, and on ML-100K each model must beat count popularity on the per-user temporal split.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.data import load_dataset
from recommender.errors import ModelTooLargeError
from recommender.metrics import ranking_metrics, top_k
from recommender.models import get_model_class, make_model
from recommender.models._interactions import preference_matrix
from recommender.models.base import Recommender
from recommender.models.ease import EASE, EASEConfig, ease_weights
from recommender.models.ials import ImplicitALS, ImplicitALSConfig, confidence_matrix
from recommender.models.popularity import CountPopularity
from recommender.models.rp3beta import rp3beta_similarity
from recommender.splits import IndexedSplit, index_split, user_time_split
from tests.recommender.models.references import rp3beta_dense

RANKERS = ("ease", "ials", "rp3beta")


def fitted(name: str, train: sp.csr_matrix, **params: object) -> Recommender:
    return make_model(name, **params).fit(train)


# --------------------------------------------------------------------------- EASE


def test_preference_matrix_weights_liked_and_disliked() -> None:
    train = sp.csr_matrix(np.array([[5.0, 2.0, 0.0], [0.0, 4.0, 3.5]], dtype=np.float32))
    weights = preference_matrix(train, like_threshold=4.0, dislike_weight=0.25).toarray()
    np.testing.assert_array_equal(weights, [[1.0, 0.25, 0.0], [0.0, 1.0, 0.25]])
    binary = preference_matrix(train, like_threshold=4.0, dislike_weight=0.0)
    assert binary.nnz == 2  # disliked interactions dropped entirely at weight 0


def test_ease_matches_closed_form_on_three_items() -> None:
    x = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]], dtype=np.float64)
    l2 = 0.5
    # reference straight from the paper: P = (XᵀX + λI)⁻¹, B = I − P diag(1/diag P)
    p = np.linalg.inv(x.T @ x + l2 * np.eye(3))
    expected = np.eye(3) - p / np.diag(p)[np.newaxis, :]
    b = ease_weights(sp.csr_matrix(x, dtype=np.float32), l2)
    np.testing.assert_allclose(b, expected, atol=1e-6)
    np.testing.assert_array_equal(np.diag(b), 0.0)
    # item 0 and item 1 co-occur twice, so B_01 > 0; a hand-check of the sign
    assert b[0, 1] > 0


def test_ease_scores_are_history_times_b() -> None:
    train = sp.csr_matrix(np.array([[5, 4, 0], [5, 0, 2], [0, 4, 5], [4, 5, 1]], dtype=np.float32))
    model = EASE(EASEConfig(l2=1.0, dislike_weight=0.5)).fit(train)
    x = np.array([[1, 1, 0], [1, 0, 0.5], [0, 1, 1], [1, 1, 0.5]])
    b = ease_weights(sp.csr_matrix(x, dtype=np.float32), 1.0)
    np.testing.assert_allclose(model.score([2, 0]), x[[2, 0]] @ b, rtol=1e-5, atol=1e-6)


def test_ease_refuses_a_60k_head_before_allocating() -> None:
    whole_catalog = EASEConfig(max_items=60_000)
    started = time.perf_counter()
    with pytest.raises(ModelTooLargeError, match=r"60,000 x 60,000.*GB"):
        EASE.check_size(whole_catalog, n_users=162_000, n_items=60_000, nnz=25_000_000)
    assert time.perf_counter() - started < 0.1
    # fit() runs the same check first: a 60K-item matrix with three ratings is refused at once
    train = sp.csr_matrix(([5.0, 4.0, 3.0], ([0, 1, 2], [0, 30_000, 59_999])), shape=(3, 60_000))
    with pytest.raises(ModelTooLargeError):
        EASE(whole_catalog).fit(train)
    # the default head (the most-rated items) fits any catalog
    EASE.check_size(EASEConfig(), n_users=162_000, n_items=60_000, nnz=25_000_000)


def test_ease_head_is_the_most_interacted_items_and_the_tail_scores_zero() -> None:
    # items 0..3 rated by 3, 4, 2, 1 users; with max_items = 2 the head is items 0 and 1
    dense = np.array([[5, 5, 4, 0], [4, 5, 0, 5], [5, 4, 4, 0], [0, 4, 0, 0]], dtype=np.float32)
    train = sp.csr_matrix(dense)
    model = EASE(EASEConfig(l2=1.0, max_items=2)).fit(train)
    np.testing.assert_array_equal(model.head, [0, 1])
    # the head's scores are exactly EASE fitted on the head columns alone; the tail's are 0
    head_only = EASE(EASEConfig(l2=1.0)).fit(sp.csr_matrix(dense[:, :2]))
    users = np.array([0, 1, 2, 3])
    scores = model.score(users)
    np.testing.assert_allclose(scores[:, :2], head_only.score(users), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(scores[:, 2:], 0.0)
    newcomer = sp.csr_matrix(np.array([[0, 5, 0, 4]], dtype=np.float32))  # fold-in alike
    np.testing.assert_allclose(
        model.score_new_users(newcomer)[0, :2],
        head_only.score_new_users(sp.csr_matrix(newcomer[:, :2]))[0],
        rtol=1e-5,
    )
    # a state round trip keeps the head
    restored = EASE(model.config)
    restored.set_state(model.get_state())
    restored.mark_loaded(*train.shape)
    np.testing.assert_array_equal(restored.score(users), scores)


# --------------------------------------------------------------------------- RP3beta


def test_rp3beta_blocked_sparse_agrees_with_dense_reference(rng: np.random.Generator) -> None:
    # continuous weights, so top-k truncation has no ties to break differently (alpha = 0 makes
    # every edge 1, so ties appear: that case keeps all neighbours)
    dense = rng.random((30, 23)) * (rng.random((30, 23)) < 0.3)
    dense[:, 22] = 0.0  # an item nobody touched
    interactions = sp.csr_matrix(dense, dtype=np.float32)
    for alpha, beta, neighbors in [(1.0, 0.0, 23), (0.7, 0.4, 5), (1.3, 0.8, 1), (0.0, 0.6, 23)]:
        sparse = rp3beta_similarity(interactions, alpha, beta, neighbors, block_size=4)
        reference = rp3beta_dense(dense, alpha, beta, neighbors)
        np.testing.assert_allclose(sparse.toarray(), reference, rtol=1e-5, atol=1e-7)
        assert np.diff(sparse.indptr).max() <= neighbors
        assert np.all(sparse.diagonal() == 0.0)


def test_rp3beta_plain_walk_rows_are_probabilities() -> None:
    # alpha = 1, beta = 0, no truncation: W + self-return is a 2-step transition matrix
    x = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
    w = rp3beta_dense(x, alpha=1.0, beta=0.0, neighbors=3)
    p_ui = x / x.sum(axis=1, keepdims=True)
    p_iu = (x / x.sum(axis=0, keepdims=True)).T
    np.testing.assert_allclose(w.sum(axis=1) + np.diag(p_iu @ p_ui), 1.0)


# --------------------------------------------------------------------------- iALS


def test_confidence_matrix_linear_and_log() -> None:
    weights = sp.csr_matrix(np.array([[1.0, 0.5, 0.0]], dtype=np.float32))
    linear = confidence_matrix(weights, alpha=4.0, kind="linear").toarray()
    np.testing.assert_allclose(linear, [[5.0, 3.0, 0.0]])
    log = confidence_matrix(weights, alpha=4.0, kind="log").toarray()
    np.testing.assert_allclose(log, [[1 + 4 * np.log(2.0), 1 + 4 * np.log(1.5), 0.0]], rtol=1e-6)


def test_ials_is_seeded() -> None:
    train = sp.random(40, 30, density=0.2, format="csr", dtype=np.float32, random_state=1) * 5
    config = ImplicitALSConfig(factors=4, iterations=3, num_threads=1, seed=7)
    a = ImplicitALS(config).fit(train)
    b = ImplicitALS(config).fit(train)
    np.testing.assert_array_equal(a.item_factors, b.item_factors)


# --------------------------------------------------------------------------- all three


@pytest.mark.parametrize("name", RANKERS)
def test_ranks_the_taste_groups(name: str, tiny_train: sp.csr_matrix) -> None:
    """Even users like even items (odd users odd ones): their top unseen items match their group.

    Who rated what is random in the tiny data; taste shows only in the stars, so low ratings get
    weight 0 here.
    """
    params: dict[str, object] = {"dislike_weight": 0.0}
    if name == "ials":
        params.update(factors=8, regularization=1.0, seed=3)
    model = fitted(name, tiny_train, **params)
    assert not model.predicts_ratings
    users = np.arange(tiny_train.shape[0])
    scores = model.score(users)
    scores[tiny_train.nonzero()] = -np.inf
    top = top_k(scores, 5)
    same_parity = (top % 2) == (users[:, np.newaxis] % 2)
    assert same_parity.mean() > 0.8


@pytest.mark.parametrize("name", RANKERS)
def test_unknown_user_gets_the_popularity_ranking(name: str, tiny_train: sp.csr_matrix) -> None:
    model = fitted(name, tiny_train)
    counts = np.diff(tiny_train.tocsc().indptr)
    scores = model.score([-1, 0, -1])
    assert scores.shape == (3, tiny_train.shape[1])
    np.testing.assert_array_equal(scores[0], counts)
    np.testing.assert_array_equal(scores[2], counts)
    assert not np.array_equal(scores[1], counts)


@pytest.mark.parametrize("name", RANKERS)
def test_state_round_trip(name: str, tiny_train: sp.csr_matrix) -> None:
    model = fitted(name, tiny_train)
    state = model.get_state()
    assert all(isinstance(v, np.ndarray) and v.dtype != object for v in state.values())
    restored = make_model(name)
    restored.set_state({key: np.array(value) for key, value in state.items()})
    restored.mark_loaded(restored.n_users, restored.n_items)
    assert (restored.n_users, restored.n_items) == tiny_train.shape
    users = np.array([0, 7, -1, 59])
    np.testing.assert_array_equal(restored.score(users), model.score(users))


@pytest.mark.parametrize("name", RANKERS)
def test_tuning_grid_names_config_fields(name: str) -> None:
    model_class = get_model_class(name)
    assert model_class.tuning_grid
    assert set(model_class.tuning_grid) <= set(model_class.config_type.model_fields)
    model_class.config_type(**{key: values[0] for key, values in model_class.tuning_grid.items()})


# --------------------------------------------------------------------------- ML-100K


@pytest.fixture(scope="module")
def ml100k_split(ml100k_dir: Path) -> IndexedSplit:
    train, test = user_time_split(load_dataset(ml100k_dir).ratings, 0.2)
    return index_split(train, test)


def ndcg_at_10(model: Recommender, split: IndexedSplit) -> float:
    """The project's protocol: relevant = warm test rating >= 4, candidates = unseen train items."""
    relevant = split.warm & (split.test_ratings >= 4)
    users = np.unique(split.test_users[relevant])
    row_of_user = np.full(split.train.shape[0], -1)
    row_of_user[users] = np.arange(users.size)
    scores = model.score(users)
    scores[split.train[users].nonzero()] = -np.inf
    metrics = ranking_metrics(
        top_k(scores, 10), row_of_user[split.test_users[relevant]], split.test_items[relevant], 10
    )
    return metrics.mean()["ndcg"]


@pytest.mark.ml100k
@pytest.mark.parametrize("name", RANKERS)
def test_beats_count_popularity_on_ml100k(name: str, ml100k_split: IndexedSplit) -> None:
    baseline = ndcg_at_10(CountPopularity().fit(ml100k_split.train), ml100k_split)
    ndcg = ndcg_at_10(fitted(name, ml100k_split.train), ml100k_split)
    assert baseline == pytest.approx(0.099, abs=0.002)  # the protocol's known baseline
    assert ndcg > baseline + 0.03


@pytest.mark.parametrize(("name", "steps"), [("ease", 1), ("ials", 4), ("rp3beta", 3)])
def test_fit_reports_progress(name: str, steps: int, tiny_train: sp.csr_matrix) -> None:
    calls: list[tuple[int, int]] = []
    params = {"ials": {"iterations": 4}, "rp3beta": {"block_size": 16}}.get(name, {})
    make_model(name, **params).fit(tiny_train, progress=lambda s, t, _m: calls.append((s, t)))
    assert calls == [(step, steps) for step in range(1, steps + 1)]


def test_ease_weights_of_an_empty_head_are_empty() -> None:
    """No item with an interaction (a tiny training part) gives an empty B, not a LAPACK
    error (potri refuses n = 0)."""
    from recommender.models.ease import ease_weights

    weights = ease_weights(sp.csr_matrix((3, 0), dtype=np.float32), 200.0)
    assert weights.shape == (0, 0)
