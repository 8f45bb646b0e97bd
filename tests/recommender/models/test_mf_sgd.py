"""Tests of biased matrix factorization by SGD (mf-sgd) and its compiled epoch kernel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.data import load_dataset
from recommender.errors import ModelError, ModelTooLargeError
from recommender.metrics import rmse
from recommender.models import get_model_class, make_model
from recommender.models._sgd_kernel import sgd_epoch, sgd_epoch_reference, shuffle
from recommender.models.mf_sgd import (
    MatrixFactorization,
    MatrixFactorizationConfig,
    learning_curve,
)
from recommender.splits import index_split, user_time_split


def small_config(**overrides: object) -> MatrixFactorizationConfig:
    params: dict[str, object] = {"factors": 8, "epochs": 10, "seed": 3}
    params.update(overrides)
    return MatrixFactorizationConfig.model_validate(params)


def coo(train: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    users = np.repeat(np.arange(train.shape[0], dtype=np.int32), np.diff(train.indptr))
    return users, train.indices.astype(np.int32), train.data.astype(np.float32)


# ---------------------------------------------------------------------- kernel


@pytest.mark.parametrize("epoch_fn", [sgd_epoch, sgd_epoch_reference])
def test_single_step_matches_hand_computation(epoch_fn: object) -> None:
    # 2 users x 2 items; one rating r(0, 1) = 4, lr = 0.1, reg = 0.5, mu = 3; float32 as the model
    f32 = np.float32
    users = np.array([0], dtype=np.int32)
    items = np.array([1], dtype=np.int32)
    ratings = np.array([4.0], dtype=f32)
    user_bias = np.array([0.1, 7.0], dtype=f32)
    item_bias = np.array([9.0, -0.2], dtype=f32)
    p = np.array([[0.5, 1.0], [2.0, 2.0]], dtype=f32)
    q = np.array([[3.0, 3.0], [1.0, -0.5]], dtype=f32)
    order = np.array([0], dtype=np.int32)
    sse = epoch_fn(  # type: ignore[operator]
        users, items, ratings, order, 3.0, user_bias, item_bias, p, q, 0.1, 0.5
    )
    # r̂ = 3 + 0.1 − 0.2 + (0.5·1 + 1·(−0.5)) = 2.9, so e = 1.1
    assert sse == pytest.approx(1.21, rel=1e-6)
    # b_u = 0.1 + 0.1(1.1 − 0.5·0.1) = 0.205;  b_i = −0.2 + 0.1(1.1 + 0.5·0.2) = −0.08
    assert user_bias == pytest.approx([0.205, 7.0], rel=1e-6)
    assert item_bias == pytest.approx([9.0, -0.08], rel=1e-6)
    # p_u = [0.5 + 0.1(1.1·1 − 0.25), 1 + 0.1(1.1·(−0.5) − 0.5)] = [0.585, 0.895]
    assert p == pytest.approx(np.array([[0.585, 0.895], [2.0, 2.0]]), rel=1e-6)
    # q_i uses the OLD p_u: [1 + 0.1(1.1·0.5 − 0.5), −0.5 + 0.1(1.1·1 + 0.25)] = [1.005, −0.365]
    assert q == pytest.approx(np.array([[3.0, 3.0], [1.005, -0.365]]), rel=1e-6)
    for array in (user_bias, item_bias, p, q):
        assert array.dtype == np.float32


@pytest.mark.parametrize("factors", [6, 40, 37])  # below, at and off the SIMD widths
def test_kernel_agrees_with_reference(tiny_train: sp.csr_matrix, factors: int) -> None:
    """The float32 kernel against the float64 reference, same init and orders, 3 epochs."""
    users, items, ratings = coo(tiny_train)
    n_users, n_items = tiny_train.shape
    rng = np.random.default_rng(7)
    init_p = rng.normal(0.0, 0.1, (n_users, factors)).astype(np.float32)
    init_q = rng.normal(0.0, 0.1, (n_items, factors)).astype(np.float32)
    orders = [rng.permutation(tiny_train.nnz).astype(np.int32) for _ in range(3)]
    mu = float(ratings.mean())

    results = []
    for epoch_fn, dtype in ((sgd_epoch, np.float32), (sgd_epoch_reference, np.float64)):
        b_u, b_i = np.zeros(n_users, dtype=dtype), np.zeros(n_items, dtype=dtype)
        p, q = init_p.astype(dtype), init_q.astype(dtype)
        r = ratings.astype(dtype)
        sses = [
            epoch_fn(users, items, r, order, mu, b_u, b_i, p, q, 0.02, 0.05) for order in orders
        ]
        results.append((sses, b_u, b_i, p, q))
    (k_sse, *kernel), (r_sse, *reference) = results
    # float32 keeps about 7 digits; 3 epochs of ~900 chained updates lose a few of them
    np.testing.assert_allclose(k_sse, r_sse, rtol=1e-5)
    for got, want in zip(kernel, reference, strict=True):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, atol=2e-5)
    assert not np.allclose(kernel[2], init_p)  # the epochs did train


def test_shuffle_is_a_seeded_uniform_permutation() -> None:
    def shuffled(seed: int, n: int = 1000) -> np.ndarray:
        order = np.arange(n, dtype=np.int32)
        shuffle(order, seed)
        return order

    first = shuffled(11)
    np.testing.assert_array_equal(np.sort(first), np.arange(1000))
    assert not np.array_equal(first, np.arange(1000))
    np.testing.assert_array_equal(shuffled(11), first)  # deterministic for a seed
    assert not np.array_equal(shuffled(12), first)
    # all 6 orders of 3 elements, equally often (chi-square, 5 d.o.f., p = 0.001 at 20.5)
    draws = np.array([shuffled(seed, 3) for seed in range(6000)])
    codes = draws[:, 0] * 3 + draws[:, 1]
    counts = np.bincount(codes, minlength=9)[[1, 2, 3, 5, 6, 7]]
    assert counts.sum() == 6000
    assert ((counts - 1000) ** 2 / 1000).sum() < 20.5


# ---------------------------------------------------------------------- fitting


def test_registry_and_config() -> None:
    assert get_model_class("mf-sgd") is MatrixFactorization
    model = make_model("mf-sgd", factors=5, lr=0.02)
    assert isinstance(model.config, MatrixFactorizationConfig)
    assert (model.config.factors, model.config.lr) == (5, 0.02)
    assert set(MatrixFactorization.tuning_grid) <= set(MatrixFactorizationConfig.model_fields)


def test_train_rmse_decreases_and_is_reported(tiny_train: sp.csr_matrix) -> None:
    calls: list[tuple[int, int, float]] = []
    model = MatrixFactorization(small_config(epochs=15))
    model.fit(tiny_train, progress=lambda e, n, m: calls.append((e, n, m["train_rmse"])))
    history = np.array(model.history)
    assert history.shape == (15,)
    assert np.all(np.diff(history) < 0)
    assert history[-1] < 0.8 * history[0]
    assert [(e, n) for e, n, _ in calls] == [(e, 15) for e in range(1, 16)]
    assert [m for _, _, m in calls] == model.history
    # the last epoch's RMSE is measured before each update: close to, not equal to, a refit check
    u, i, r = coo(tiny_train)
    final = rmse(r, model.predict(u, i))
    assert final == pytest.approx(history[-1], rel=0.1)


def test_model_learns_taste_groups(tiny_train: sp.csr_matrix) -> None:
    model = MatrixFactorization(small_config(epochs=60, lr=0.02))
    model.fit(tiny_train)
    u, i, r = coo(tiny_train)
    mu_rmse = rmse(r, np.full(r.shape, model.mu))
    assert rmse(r, model.predict(u, i)) < 0.5 * mu_rmse
    # unrated pairs: even users should score even items above odd ones
    scores = model.score(np.arange(0, 60, 2))
    assert scores[:, 0::2].mean() > scores[:, 1::2].mean() + 1.0


def test_deterministic_for_a_seed(tiny_train: sp.csr_matrix) -> None:
    first = MatrixFactorization(small_config()).fit(tiny_train).get_state()
    second = MatrixFactorization(small_config()).fit(tiny_train).get_state()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
    other = MatrixFactorization(small_config(seed=4)).fit(tiny_train).get_state()
    assert not np.allclose(first["user_factors"], other["user_factors"])


def test_empty_matrix_and_size_checks() -> None:
    with pytest.raises(ModelError):
        MatrixFactorization(small_config()).fit(sp.csr_matrix((3, 4), dtype=np.float32))
    MatrixFactorization.check_size(MatrixFactorizationConfig(), 162_541, 59_047, 25_000_000)
    with pytest.raises(ModelTooLargeError, match="factors"):
        MatrixFactorization.check_size(
            MatrixFactorizationConfig(factors=4096), 10_000_000, 1_000_000, 1000
        )


def test_divergence_is_an_error(tiny_train: sp.csr_matrix) -> None:
    with pytest.raises(ModelError, match="diverged"):
        MatrixFactorization(small_config(lr=1.0, reg=0.0, init_std=5.0)).fit(tiny_train * 100)


def test_learning_curve_is_one_fit_measured_each_epoch(tiny_train: sp.csr_matrix) -> None:
    # hold out a random quarter of the ratings, plus one rating of a user with no training data
    coo_all = tiny_train.tocoo()
    held = np.random.default_rng(5).random(coo_all.nnz) < 0.25
    shape = (tiny_train.shape[0] + 1, tiny_train.shape[1])

    def part(mask: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix((coo_all.data[mask], (coo_all.row[mask], coo_all.col[mask])), shape)

    train = part(~held)
    validation = part(held).tolil()
    validation[shape[0] - 1, 0] = 1.0  # cold user: its random-init factors must not count
    config = small_config(epochs=40, lr=0.03)
    curve = learning_curve(train, validation.tocsr(), config)

    assert curve["epoch"] == list(range(1, 41))
    model = MatrixFactorization(config).fit(train)
    assert curve["train_rmse"] == model.history  # the same single fit, not a refit per epoch
    assert len(curve["validation_rmse"]) == 40
    val_users, val_items, val_ratings = coo_all.row[held], coo_all.col[held], coo_all.data[held]
    final = rmse(val_ratings, model.predict(val_users, val_items))
    assert curve["validation_rmse"][-1] == pytest.approx(final, rel=1e-12)
    assert curve["validation_rmse"][-1] < curve["validation_rmse"][0]
    with pytest.raises(ValueError, match="index space"):
        learning_curve(train, validation.tocsr()[:-1], config)


# ---------------------------------------------------------------------- using


def test_unknown_user_and_item_fallbacks(tiny_train: sp.csr_matrix) -> None:
    model = MatrixFactorization(small_config()).fit(tiny_train)
    mu = model.mu
    b_u, b_i = model.user_bias.astype(float), model.item_bias.astype(float)
    got = model.predict([-1, 3, -1], [5, -1, -1])
    assert got == pytest.approx([mu + b_i[5], mu + b_u[3], mu], abs=1e-6)
    # known pair: the full formula
    p, q = model.user_factors.astype(float), model.item_factors.astype(float)
    full = mu + b_u[2] + b_i[7] + p[2] @ q[7]
    assert model.predict([2], [7])[0] == pytest.approx(np.clip(full, 1.0, 5.0), abs=1e-6)
    # score: the unclipped predicted rating; unknown user ranks by mu + b_i
    scores = model.score([2, -1])
    assert scores.dtype == np.float32 and scores.shape == (2, 40)
    np.testing.assert_allclose(scores[0], mu + b_u[2] + b_i + p[2] @ q.T, atol=1e-4)
    np.testing.assert_allclose(scores[1], mu + b_i, atol=1e-5)


def test_predictions_clipped_to_training_range(tiny_train: sp.csr_matrix) -> None:
    model = MatrixFactorization(small_config(epochs=60, lr=0.03, reg=0.0)).fit(tiny_train)
    users = np.repeat(np.arange(60), 40)
    items = np.tile(np.arange(40), 60)
    predicted = model.predict(users, items)
    raw = model.score(np.arange(60)).ravel()
    assert raw.max() > 5.0 or raw.min() < 1.0  # this fit does overshoot somewhere
    assert predicted.min() >= 1.0 and predicted.max() <= 5.0


def test_state_round_trip(tiny_train: sp.csr_matrix) -> None:
    model = MatrixFactorization(small_config()).fit(tiny_train)
    state = model.get_state()
    assert all(np.issubdtype(a.dtype, np.number) for a in state.values())
    fresh = MatrixFactorization(small_config())
    fresh.set_state({name: array.copy() for name, array in state.items()})
    fresh.mark_loaded(*tiny_train.shape)
    users = np.array([0, 5, -1, 59, 7])
    items = np.array([1, -1, 3, 39, 0])
    np.testing.assert_array_equal(fresh.predict(users, items), model.predict(users, items))
    np.testing.assert_array_equal(fresh.score(users), model.score(users))
    assert fresh.history == model.history
    with pytest.raises(ModelError, match="factors"):
        MatrixFactorization(small_config(factors=9)).set_state(state)


def test_fold_in_recovers_a_user_from_fixed_items(rng: np.random.Generator) -> None:
    n_items, f = 30, 4
    model = MatrixFactorization(small_config(factors=f, reg=0.0))
    model.set_state(
        {
            "mu": np.asarray(3.5),
            "rating_range": np.array([1.0, 5.0]),
            "user_bias": np.zeros(1, dtype=np.float32),
            "item_bias": rng.normal(0, 0.3, n_items).astype(np.float32),
            "user_factors": np.zeros((1, f), dtype=np.float32),
            "item_factors": rng.normal(0, 1.0, (n_items, f)).astype(np.float32),
            "train_rmse_history": np.zeros(0),
        }
    )
    model.mark_loaded(1, n_items)
    true_bias, true_factors = 0.4, np.array([0.5, -0.3, 0.2, 0.1])
    items = np.arange(0, n_items, 2)
    ratings = (
        3.5
        + model.item_bias[items].astype(float)
        + true_bias
        + model.item_factors[items].astype(float) @ true_factors
    )
    # unknown items (-1) are ignored
    bias, factors = model.fold_in(np.r_[items, -1], np.r_[ratings, 5.0])
    assert bias == pytest.approx(true_bias, abs=1e-6)
    np.testing.assert_allclose(factors, true_factors, atol=1e-6)
    bias, factors = model.fold_in([-1], [4.0])
    assert bias == 0.0
    np.testing.assert_array_equal(factors, np.zeros(f))


# ---------------------------------------------------------------------- real data


@pytest.mark.ml100k
def test_ml100k_temporal_split_rmse(ml100k_dir: Path) -> None:
    train, test = user_time_split(load_dataset(ml100k_dir).ratings)
    split = index_split(train, test)
    model = MatrixFactorization().fit(split.train)
    warm = split.warm
    predicted = model.predict(split.test_users[warm], split.test_items[warm])
    test_rmse = rmse(split.test_ratings[warm], predicted)
    mean_rmse = rmse(split.test_ratings[warm], np.full(predicted.shape, model.mu))
    assert test_rmse < 1.0
    assert test_rmse < mean_rmse - 0.1
    assert model.history[-1] < model.history[0]
