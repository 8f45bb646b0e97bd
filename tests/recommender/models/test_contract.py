"""Every registered model honours the one interface: fit, predict, score, state round trip,
unknown users and items, and empty item columns (catalog movies nobody rated)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.artifacts import TrainedModels, load_models, save_models
from recommender.data import Vocabulary
from recommender.errors import ModelError, NotFittedError
from recommender.models import MODEL_NAMES, Recommender, make_model


def item_text(n_items: int) -> list[str]:
    return [f"genre_{'even' if i % 2 == 0 else 'odd'} title{i}" for i in range(n_items)]


def fitted(name: str, train: sp.csr_matrix) -> Recommender:
    return make_model(name).fit(train, item_text=item_text(train.shape[1]))


def with_empty_columns(train: sp.csr_matrix, extra: int = 3) -> sp.csr_matrix:
    return sp.csr_matrix(sp.hstack([train, sp.csr_matrix((train.shape[0], extra))]))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_score_shape_finite_and_unknown_user(name: str, tiny_train: sp.csr_matrix) -> None:
    model = fitted(name, tiny_train)
    users = np.array([0, 5, -1])
    scores = model.score(users)
    assert scores.shape == (3, tiny_train.shape[1])
    assert scores.dtype == np.float32
    assert np.isfinite(scores).all()
    scores[0, 0] = -np.inf  # callers mask in place: the block must be writable and fresh
    assert np.isfinite(model.score(users)[0, 0])


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_predict_contract(name: str, tiny_train: sp.csr_matrix) -> None:
    model = fitted(name, tiny_train)
    users = np.array([0, 1, -1, 2, -1])
    items = np.array([0, 3, 4, -1, -1])
    if not model.predicts_ratings:
        with pytest.raises(ModelError):
            model.predict(users, items)
        return
    predicted = model.predict(users, items)
    assert predicted.shape == (5,)
    assert np.isfinite(predicted).all()
    assert (predicted >= 0.5).all() and (predicted <= 5.5).all()


def taste_matrix(rng: np.random.Generator, n_users: int = 80, n_items: int = 40) -> sp.csr_matrix:
    """Even users mostly watch and love even items, odd users odd ones: taste shows both in
    what people rate (as in real logs) and in the stars they give."""
    rows, cols, vals = [], [], []
    for u in range(n_users):
        same = np.arange(u % 2, n_items, 2)
        other = np.arange(1 - u % 2, n_items, 2)
        for i in rng.choice(same, 10, replace=False):
            rows.append(u), cols.append(i), vals.append(rng.integers(4, 6))
        for i in rng.choice(other, 3, replace=False):
            rows.append(u), cols.append(i), vals.append(rng.integers(1, 3))
    return sp.csr_matrix((np.array(vals, np.float32), (rows, cols)), shape=(n_users, n_items))


NON_PERSONAL = ("global-mean", "popularity", "popularity-count")


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_personal_models_learn_taste_groups(name: str, rng: np.random.Generator) -> None:
    """A personal model ranks the user's own taste group higher on average; a non-personal
    one gives every user, known or not, the very same scores."""
    train = taste_matrix(rng)
    model = fitted(name, train)
    users = np.arange(train.shape[0])
    scores = model.score(users)
    same = (users[:, None] % 2) == (np.arange(scores.shape[1])[None, :] % 2)
    gap = scores[same].mean() - scores[~same].mean()
    if name in NON_PERSONAL:
        # Identical rows, the unknown user's included: the property itself, exactly.
        np.testing.assert_array_equal(scores, np.broadcast_to(scores[0], scores.shape))
        np.testing.assert_array_equal(model.score(np.array([-1]))[0], scores[0])
        # Hence no taste gap: half the users are even, so each item counts as often among
        # "same" as among "other" cells and the means agree up to float32 rounding.
        assert abs(gap) <= 1e-6 * max(1.0, float(np.abs(scores).max()))
    else:
        assert gap > 0


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_state_round_trip_through_a_model_directory(
    name: str, tiny_train: sp.csr_matrix, tmp_path: Path
) -> None:
    model = fitted(name, tiny_train)
    users = Vocabulary(np.arange(tiny_train.shape[0]) + 1000)
    items = Vocabulary(np.arange(tiny_train.shape[1]) + 500)
    catalog = _catalog(items)
    trained = TrainedModels(users, items, {name: model}, "fp", tiny_train, catalog, ("Action",))
    save_models(tmp_path / "m", trained)
    loaded = load_models(tmp_path / "m")[name]
    batch = np.array([0, 3, -1])
    np.testing.assert_allclose(loaded.score(batch), model.score(batch), rtol=1e-6, atol=1e-6)
    if model.predicts_ratings:
        pairs = (np.array([0, 1, -1]), np.array([2, -1, 3]))
        np.testing.assert_allclose(loaded.predict(*pairs), model.predict(*pairs), rtol=1e-6)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_items_nobody_rated_get_finite_scores(name: str, tiny_train: sp.csr_matrix) -> None:
    train = with_empty_columns(tiny_train)
    model = fitted(name, train)
    scores = model.score(np.array([0, -1]))
    assert scores.shape == (2, train.shape[1])
    assert np.isfinite(scores).all()
    if model.predicts_ratings:
        assert np.isfinite(model.predict(np.array([0]), np.array([train.shape[1] - 1]))).all()


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_unfitted_model_refuses(name: str) -> None:
    with pytest.raises(NotFittedError):
        make_model(name).score(np.array([0]))


def _catalog(items: Vocabulary):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.DataFrame(
        {
            "movie_id": items.ids,
            "title": [f"Movie {i}" for i in items.ids],
            "year": pd.array([2000] * len(items), dtype="Int64"),
            "genres": [("Action",)] * len(items),
        }
    )


FOLD_IN_MODELS = [n for n in MODEL_NAMES if n not in ("global-mean",)]


@pytest.mark.parametrize("name", FOLD_IN_MODELS)
def test_fold_in_scores_a_new_person_like_a_trained_one(
    name: str, tiny_train: sp.csr_matrix
) -> None:
    """A newcomer with user 0's ratings is ranked much like user 0; same-parity items on top."""
    model = fitted(name, tiny_train)
    try:
        new = model.score_new_users(tiny_train[[0, 1]])
    except ModelError:
        pytest.skip(f"{name} does not fold in new users")
    assert new.shape == (2, tiny_train.shape[1])
    assert np.isfinite(new).all()
    if name in ("popularity", "popularity-count"):
        np.testing.assert_allclose(new[0], model.score(np.array([-1]))[0], rtol=1e-6)
        return
    trained_rows = model.score(np.array([0, 1]))
    for row in range(2):
        corr = np.corrcoef(new[row], trained_rows[row])[0, 1]
        assert corr > 0.5
        same = np.arange(new.shape[1]) % 2 == row % 2
        assert new[row][same].mean() > new[row][~same].mean()
