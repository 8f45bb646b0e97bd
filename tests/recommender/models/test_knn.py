"""User- and item-based CF: hand-computed predictions, agreement with the dense reference,
fallbacks, state round trip, size refusal, and accuracy on MovieLens-100K."""

from __future__ import annotations

from math import sqrt
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.data import load_dataset
from recommender.errors import ConfigError, ModelTooLargeError
from recommender.metrics import rmse
from recommender.models import make_model
from recommender.models.knn import (
    ItemKNN,
    ItemKNNConfig,
    KNNConfig,
    UserKNN,
    UserKNNConfig,
    mean_center,
)
from recommender.splits import index_split, user_time_split
from tests.recommender.models.references import knn_reference

# User-CF example.  Means over rated cells: u0 4, u1 4, u2 3, u3 3.5; centred rows
# u0 [1, -1, _], u1 [1, -2, 1], u2 [-2, 1, 1], u3 [0.5, _, -0.5].
# s(u0,u1) = 3 / (√2·√6) = √3/2, s(u0,u3) = 0.5 / (√2·√0.5) = 1/2, s(u0,u2) < 0 (dropped).
USER_EXAMPLE = np.array([[5, 3, 0], [5, 2, 5], [1, 4, 4], [4, 0, 3]], dtype=np.float32)

# Item-CF example.  Every user's mean is 3 except u1 (4) and u3 (2); centred columns
# i0 [2, 1, 1, -1], i1 [-1, 1, 0, -1], i2 [-1, -3, -2, 3], i3 [_, 1, 1, -1].
# s(i3,i1) = 2 / (√3·√3) = 2/3, s(i3,i0) = 3 / (√3·√7) = 3/√21, s(i3,i2) < 0 (dropped).
ITEM_EXAMPLE = np.array([[5, 2, 2, 0], [5, 5, 1, 5], [4, 3, 1, 4], [1, 1, 5, 1]], dtype=np.float32)


def csr(dense: np.ndarray) -> sp.csr_matrix:
    return sp.csr_matrix(dense)


def random_ratings(rng: np.random.Generator, n_users: int, n_items: int) -> np.ndarray:
    """Continuous ratings (no similarity ties) on ~40% of cells, some empty rows/columns."""
    ratings = rng.uniform(1.0, 5.0, size=(n_users, n_items))
    ratings[rng.random((n_users, n_items)) > 0.4] = 0.0
    ratings[3] = 0.0  # a user with no ratings
    ratings[:, 7] = 0.0  # an item nobody rated
    return ratings


# --------------------------------------------------------------------------- formulas


def test_user_knn_matches_hand_computed_prediction() -> None:
    s1, s3 = sqrt(3) / 2, 0.5
    expected = 4 + (s1 * 1 + s3 * -0.5) / (s1 + s3)  # 4.45096
    model = UserKNN(UserKNNConfig(k=30)).fit(csr(USER_EXAMPLE))
    assert model.predict([0], [2])[0] == pytest.approx(expected, abs=1e-6)
    # k = 1 keeps only the most similar rater, u1, who is 1 above their mean
    nearest = UserKNN(UserKNNConfig(k=1)).fit(csr(USER_EXAMPLE))
    assert nearest.predict([0], [2])[0] == pytest.approx(5.0, abs=1e-6)
    # score gives the same number in the dense block
    assert model.score([0])[0, 2] == pytest.approx(expected, abs=1e-5)


def test_item_knn_matches_hand_computed_prediction() -> None:
    s1, s0 = 2 / 3, 3 / sqrt(21)
    expected = 3 + (s1 * -1 + s0 * 2) / (s1 + s0)  # 3.48636
    model = ItemKNN(ItemKNNConfig(k=30)).fit(csr(ITEM_EXAMPLE))
    assert model.predict([0], [3])[0] == pytest.approx(expected, abs=1e-6)
    nearest = ItemKNN(ItemKNNConfig(k=1)).fit(csr(ITEM_EXAMPLE))  # only i1, rated 1 below mean
    assert nearest.predict([0], [3])[0] == pytest.approx(2.0, abs=1e-6)
    assert model.score([0])[0, 3] == pytest.approx(expected, abs=1e-5)
    indices, sims = model.similar_items(3, 5)
    np.testing.assert_array_equal(indices, [1, 0])  # i2 is anti-correlated: not a neighbour
    np.testing.assert_allclose(sims, [s1, s0], rtol=1e-6)


def test_mean_center_uses_rated_cells_and_keeps_zero_deviations() -> None:
    ratings = csr(np.array([[4, 2, 0], [0, 0, 0], [3, 3, 3]], dtype=np.float32))
    centered, user_mean = mean_center(ratings)
    np.testing.assert_allclose(user_mean, [3.0, 3.0, 3.0])  # empty user -> global mean 3
    np.testing.assert_allclose(centered, [1.0, -1.0, 0.0, 0.0, 0.0])  # aligned with .data


# --------------------------------------------------------------------------- fast vs reference


@pytest.mark.parametrize("model_type", [UserKNN, ItemKNN])
@pytest.mark.parametrize(
    "params",
    [
        {"k": 30, "max_neighbors": 100},  # no truncation: the seed's rule on positive neighbours
        {"k": 3, "max_neighbors": 6},  # top-M truncation and the k cut-off
        {"k": 4, "max_neighbors": 8, "min_support": 3, "shrinkage": 5.0, "min_similarity": 0.05},
    ],
)
def test_fast_path_agrees_with_dense_reference(
    model_type: type[UserKNN] | type[ItemKNN], params: dict[str, float], rng: np.random.Generator
) -> None:
    ratings = random_ratings(rng, 30, 25)
    config = model_type.config_type(**params)
    assert isinstance(config, KNNConfig)
    model = model_type(config).fit(csr(ratings))
    users, items = (grid.ravel() for grid in np.indices(ratings.shape))
    expected = knn_reference(ratings, model_type.user_based, config, users, items)
    np.testing.assert_allclose(model.predict(users, items), expected, rtol=1e-5, atol=1e-5)
    scores = model.score(np.arange(ratings.shape[0]))
    np.testing.assert_allclose(scores.ravel(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("model_type", [UserKNN, ItemKNN])
def test_neighbour_rows_are_sparse_sorted_and_positive(
    model_type: type[UserKNN] | type[ItemKNN], tiny_train: sp.csr_matrix
) -> None:
    model = model_type(model_type.config_type(k=5, max_neighbors=10)).fit(tiny_train)
    graph = model.neighbors
    for row in range(graph.shape[0]):
        start, stop = graph.indptr[row], graph.indptr[row + 1]
        sims, neighbours = graph.data[start:stop], graph.indices[start:stop]
        assert stop - start <= 10
        assert (sims > 0).all()
        assert (np.diff(sims) <= 0).all()  # most similar first
        assert row not in neighbours


# --------------------------------------------------------------------------- fallbacks


@pytest.mark.parametrize("model_type", [UserKNN, ItemKNN])
def test_unknown_user_and_item_fall_back(
    model_type: type[UserKNN] | type[ItemKNN], rng: np.random.Generator
) -> None:
    ratings = random_ratings(rng, 20, 15)
    model = model_type().fit(csr(ratings))
    rated = ratings > 0
    mu = ratings[rated].mean()
    user_mean = ratings[1, rated[1]].mean()
    predicted = model.predict([-1, -1, 1], [2, -1, -1])
    np.testing.assert_allclose(predicted, [mu, mu, user_mean], rtol=1e-6)
    # item 7 has no ratings: no neighbours, so every user's score for it is their mean
    assert model.score([1])[0, 7] == pytest.approx(user_mean, rel=1e-6)
    assert model.predict([3], [0])[0] == pytest.approx(mu, rel=1e-6)  # user with no ratings
    # unknown user: the Bayesian-average ranking (prior of 20 ratings at mu)
    counts, sums = rated.sum(axis=0), ratings.sum(axis=0)
    np.testing.assert_allclose(model.score([-1])[0], (sums + 20 * mu) / (counts + 20), rtol=1e-5)


def test_predictions_are_clipped_to_the_training_range() -> None:
    # u0 (mean 4.5) has one positive neighbour u1, who rated item 2 at 4/3 above their mean:
    # unclipped 4.5 + 4/3 = 5.83, above the top training rating 5
    ratings = np.array([[5, 4, 0], [5, 1, 5]], dtype=np.float32)
    model = UserKNN().fit(csr(ratings))
    assert model.predict([0], [2])[0] == pytest.approx(5.0)
    assert model.score([0])[0, 2] == pytest.approx(5.0)


def test_similar_items_on_taste_groups(tiny_train: sp.csr_matrix) -> None:
    model = ItemKNN().fit(tiny_train)
    indices, sims = model.similar_items(0, 5)
    assert indices.size == 5 and (np.diff(sims) <= 0).all()
    assert (indices % 2 == 0).mean() >= 0.8  # even items are liked by the same users
    empty_indices, empty_sims = model.similar_items(-1, 5)
    assert empty_indices.size == 0 and empty_sims.size == 0


# --------------------------------------------------------------------------- state and size


@pytest.mark.parametrize("model_type", [UserKNN, ItemKNN])
def test_state_round_trip(
    model_type: type[UserKNN] | type[ItemKNN], tiny_train: sp.csr_matrix
) -> None:
    model = model_type(model_type.config_type(k=5, max_neighbors=12)).fit(tiny_train)
    state = model.get_state()
    assert all(np.issubdtype(v.dtype, np.number) for v in state.values())
    restored = model_type(model.config)
    restored.set_state({name: np.array(value) for name, value in state.items()})
    restored.mark_loaded(*tiny_train.shape)
    users, items = np.array([0, 5, 9, -1, 4]), np.array([1, 2, -1, 3, 39])
    np.testing.assert_allclose(restored.predict(users, items), model.predict(users, items))
    batch = np.array([0, 7, -1])
    np.testing.assert_allclose(restored.score(batch), model.score(batch))


def test_check_size_refuses_user_knn_at_25m_but_not_item_knn() -> None:
    n_users, n_items, nnz = 162_541, 59_047, 25_000_095  # MovieLens-25M
    with pytest.raises(ModelTooLargeError, match="user-knn"):
        UserKNN.check_size(UserKNNConfig(), n_users, n_items, nnz)
    ItemKNN.check_size(ItemKNNConfig(), n_users, n_items, nnz)  # accepted


def test_fit_refuses_with_the_exact_work_before_allocating(tiny_train: sp.csr_matrix) -> None:
    # shape bound: 60² + 900²/40 ≈ 23.9K; exact Σ n_raters² is larger than the bound
    item_counts = np.bincount(tiny_train.indices, minlength=tiny_train.shape[1])
    exact = 60**2 + float((item_counts.astype(float) ** 2).sum())
    model = UserKNN(UserKNNConfig(work_limit=exact - 1))
    with pytest.raises(ModelTooLargeError, match="needs"):
        model.fit(tiny_train)
    assert not model.is_fitted
    UserKNN(UserKNNConfig(work_limit=exact)).fit(tiny_train)


def test_config_requires_max_neighbors_at_least_k() -> None:
    with pytest.raises(ConfigError, match="max_neighbors"):
        make_model("item-knn", k=50, max_neighbors=20)


# --------------------------------------------------------------------------- real data


def test_rmse_on_movielens_100k(ml100k_dir: Path) -> None:
    """Seed as written (user-time split): user-CF 0.993, item-CF 1.024; ours must not be worse."""
    dataset = load_dataset(ml100k_dir)
    split = index_split(*user_time_split(dataset.ratings))
    warm = split.warm
    scores = {}
    for name in ("user-knn", "item-knn"):
        model = make_model(name).fit(split.train)
        predicted = model.predict(split.test_users[warm], split.test_items[warm])
        scores[name] = rmse(split.test_ratings[warm], predicted)
    assert scores["user-knn"] < 0.99
    assert scores["item-knn"] < 1.024


# --------------------------------------------------------------------------- fold-in


def test_item_knn_fold_in_equals_scoring_the_same_training_rows(
    tiny_train: sp.csr_matrix,
) -> None:
    model = ItemKNN().fit(tiny_train)
    rows = np.array([0, 5, 11])
    np.testing.assert_allclose(
        model.score_new_users(tiny_train[rows]), model.score(rows), rtol=1e-6, atol=1e-6
    )


def test_user_knn_fold_in_matches_reference_with_the_newcomer_appended(
    rng: np.random.Generator,
) -> None:
    ratings = random_ratings(rng, 30, 25)
    newcomer = random_ratings(rng, 5, 25)[0]  # row 0 of a fresh draw: not empty
    config = UserKNNConfig(k=4, max_neighbors=8)
    model = UserKNN(config).fit(csr(ratings))
    # the newcomer's neighbours are training users only, as in the reference's last row
    appended = np.vstack([ratings, newcomer])
    items = np.arange(ratings.shape[1])
    users = np.full(items.size, ratings.shape[0])
    expected = knn_reference(appended, True, config, users, items)
    np.testing.assert_allclose(
        model.score_new_users(csr(newcomer[None, :]))[0], expected, rtol=1e-5
    )


@pytest.mark.parametrize("model_type", [UserKNN, ItemKNN])
def test_fold_in_without_ratings_gives_the_cold_ranking(
    model_type: type[UserKNN] | type[ItemKNN], tiny_train: sp.csr_matrix
) -> None:
    model = model_type().fit(tiny_train)
    nobody = sp.csr_matrix((1, tiny_train.shape[1]), dtype=np.float32)
    np.testing.assert_allclose(model.score_new_users(nobody), model.score([-1]), rtol=1e-6)


def test_cap_rows_samples_long_rows_only(rng: np.random.Generator) -> None:
    from recommender.models._similarity import cap_rows

    dense = (rng.random((6, 40)) < np.linspace(0.1, 0.9, 6)[:, None]) * rng.integers(1, 6, (6, 40))
    matrix = sp.csr_matrix(dense.astype(np.float32))
    capped = cap_rows(matrix, 12, seed=3)
    capped.check_format(full_check=True)
    counts, kept = np.diff(matrix.indptr), np.diff(capped.indptr)
    np.testing.assert_array_equal(kept, np.minimum(counts, 12))
    for row in range(6):  # a subset of the row, values unchanged; short rows untouched
        assert set(capped[row].indices) <= set(matrix[row].indices)
        np.testing.assert_array_equal(
            capped[row].toarray()[0, capped[row].indices], dense[row, capped[row].indices]
        )
        if counts[row] <= 12:
            np.testing.assert_array_equal(capped[row].indices, matrix[row].indices)
    np.testing.assert_array_equal(cap_rows(matrix, 12, seed=3).indices, capped.indices)


def test_item_knn_accepts_a_25m_catalog_with_the_profile_cap() -> None:
    from recommender.models.knn import ItemKNN, ItemKNNConfig

    ItemKNN.check_size(ItemKNNConfig(), 162_541, 59_047, 25_000_095)  # no error
    with pytest.raises(ModelTooLargeError):
        ItemKNN.check_size(ItemKNNConfig(work_limit=1e9), 162_541, 59_047, 25_000_095)
