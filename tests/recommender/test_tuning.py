"""Tuning: the validation split stays inside train, the search finds known optima, and the
tuning.json round trip is keyed by the dataset fingerprint."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
import scipy.sparse as sp
from pydantic import Field

from recommender.data import Dataset, load_dataset
from recommender.errors import ArtifactError
from recommender.evaluate import evaluate_split
from recommender.models import _REGISTRY
from recommender.models.base import IndexArray, ModelConfig, ProgressFn, Recommender, State
from recommender.splits import user_time_split
from recommender.tuning import TuningResult, load_tuning, save_tuning, tune, validation_split

# ---------------------------------------------------------------------------- fake models


class _Fake(Recommender):
    """Shared plumbing: mean rating from fit, no persistent state."""

    mu = 0.0

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        self.mu = float(train.data.mean())

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return np.zeros((users.size, self.n_items), dtype=np.float32)

    def get_state(self) -> State:
        return {}

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        pass


class ShiftConfig(ModelConfig):
    shift: float = Field(0.0)
    ignored: int = Field(1)


class Shift(_Fake):
    """Predicts mu + shift: validation RMSE^2 = variance + (bias - shift)^2, known optimum."""

    name = "shift"
    config_type = ShiftConfig
    predicts_ratings = True
    config: ShiftConfig
    tuning_grid: ClassVar[Mapping[str, tuple[float, ...]]] = {"shift": (0.6, 0.3, 0.1, -0.15, -0.5)}

    def _predict(self, users: IndexArray, items: IndexArray) -> npt.NDArray[np.float64]:
        return np.full(users.shape, self.mu + self.config.shift)


class WideShift(Shift):
    """6 x 6 = 36 combinations: searched coordinate-wise; ``ignored`` has no effect."""

    name = "wide-shift"
    tuning_grid: ClassVar[Mapping[str, tuple[float, ...]]] = {
        "shift": (-1.0, -0.6, -0.2, 0.2, 0.6, 1.0),
        "ignored": (1, 2, 3, 4, 5, 6),
    }


class QualityConfig(ModelConfig):
    mode: int = Field(0, ge=0, le=2)


class Quality(_Fake):
    """Ranking quality set by ``mode``: 0 anti-popular, 1 all ties, 2 co-liked items."""

    name = "quality"
    config_type = QualityConfig
    config: QualityConfig
    tuning_grid: ClassVar[Mapping[str, tuple[int, ...]]] = {"mode": (0, 1, 2)}

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        self.liked = (train >= 4).astype(np.float32).tocsr()
        self.count = np.bincount(train.indices, minlength=self.n_items).astype(np.float32)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        if self.config.mode == 0:
            return np.tile(-self.count, (users.size, 1))
        if self.config.mode == 1:
            return np.zeros((users.size, self.n_items), dtype=np.float32)
        history = self.liked[users]
        return np.asarray((history @ (self.liked.T @ self.liked)).todense(), dtype=np.float32)


class OuterConfig(ModelConfig):
    weight: float = Field(0.5)
    inner: ShiftConfig = Field(default_factory=ShiftConfig)


class Outer(_Fake):
    """Nests Shift's config, like the EASE + RP3beta blend nests its parts'."""

    name = "outer"
    config_type = OuterConfig
    predicts_ratings = True
    config: OuterConfig
    tuning_grid: ClassVar[Mapping[str, tuple[float, ...]]] = {"weight": (0.0, 1.0)}

    def _predict(self, users: IndexArray, items: IndexArray) -> npt.NDArray[np.float64]:
        return np.full(users.shape, self.mu + self.config.inner.shift * self.config.weight)


class Spy(Shift):
    """Records what it is fitted on and every pair / user it is asked about."""

    name = "spy"
    fitted: ClassVar[list[sp.csr_matrix]] = []
    predicted: ClassVar[list[tuple[int, int]]] = []
    scored: ClassVar[list[int]] = []

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        Spy.fitted.append(train.copy())
        super()._fit(train, progress)

    def _predict(self, users: IndexArray, items: IndexArray) -> npt.NDArray[np.float64]:
        Spy.predicted.extend(zip(users.tolist(), items.tolist(), strict=True))
        return super()._predict(users, items)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        Spy.scored.extend(users.tolist())
        return super()._score(users)


@pytest.fixture(autouse=True)
def fake_models(monkeypatch: pytest.MonkeyPatch) -> None:
    for cls in (Shift, WideShift, Quality, Outer, Spy):
        monkeypatch.setitem(_REGISTRY, cls.name, f"{__name__}:{cls.__name__}")
    Spy.fitted, Spy.predicted, Spy.scored = [], [], []


@pytest.fixture
def dataset(tiny_csv_dir: Path) -> Dataset:
    return load_dataset(tiny_csv_dir)


def pairs(frame: object) -> set[tuple[int, int]]:
    return {(int(u), int(i)) for u, i in zip(frame["user"], frame["item"], strict=True)}  # type: ignore[index]


# ---------------------------------------------------------------------------- split


def test_validation_rows_are_train_rows_never_test_rows(dataset: Dataset) -> None:
    train, test = user_time_split(dataset.ratings)
    split = validation_split(dataset)
    fit_rows = split.train.tocoo()
    fitted = set(
        zip(
            split.users.raw(fit_rows.row).tolist(),
            split.items.raw(fit_rows.col).tolist(),
            strict=True,
        )
    )
    warm = split.warm
    validation = set(
        zip(
            split.users.raw(split.test_users[warm]).tolist(),
            split.items.raw(split.test_items[warm]).tolist(),
            strict=True,
        )
    )
    assert fitted <= pairs(train)
    assert validation <= pairs(train)
    assert not (fitted | validation) & pairs(test)
    assert not fitted & validation
    # every train row is either fitted or validation (cold validation rows included)
    assert split.train.nnz + split.test_ratings.size == len(train)
    # each user keeps int(0.8 * 12) = 9 of their 12 train ratings for fitting
    assert set(np.diff(split.train.indptr).tolist()) == {9}


def test_tuning_never_touches_test_rows(dataset: Dataset) -> None:
    train, test = user_time_split(dataset.ratings)
    fit_part, validation = user_time_split(train)
    split = validation_split(dataset)
    results = tune(dataset, ["spy"], k=5)
    assert results["spy"].tried == len(Spy.tuning_grid["shift"]) == len(Spy.fitted)
    for matrix in Spy.fitted:
        coo = matrix.tocoo()
        raw = set(
            zip(split.users.raw(coo.row).tolist(), split.items.raw(coo.col).tolist(), strict=True)
        )
        assert raw == pairs(fit_part)
    predicted = {
        (int(split.users.raw([u])[0]), int(split.items.raw([i])[0])) for u, i in Spy.predicted
    }
    warm_validation = validation[
        validation["user"].isin(fit_part["user"]) & validation["item"].isin(fit_part["item"])
    ]
    assert predicted == pairs(warm_validation)
    assert not predicted & pairs(test)
    # ranked: exactly the users with a relevant (>= 4) warm validation rating
    relevant = warm_validation[warm_validation["rating"] >= 4]
    assert set(split.users.raw(Spy.scored).tolist()) == set(relevant["user"].tolist())


# ---------------------------------------------------------------------------- search


def validation_bias_and_variance(dataset: Dataset) -> tuple[float, float]:
    """mean(validation) - mean(fit) and the validation variance, from raw frames."""
    train, _ = user_time_split(dataset.ratings)
    fit_part, validation = user_time_split(train)
    warm = validation[
        validation["user"].isin(fit_part["user"]) & validation["item"].isin(fit_part["item"])
    ]
    ratings = warm["rating"].to_numpy(dtype=np.float64)
    mu = float(fit_part["rating"].to_numpy(dtype=np.float32).mean())
    return float(ratings.mean()) - mu, float(ratings.var())


def test_grid_search_picks_the_known_rmse_optimum(dataset: Dataset) -> None:
    bias, variance = validation_bias_and_variance(dataset)
    grid = Shift.tuning_grid["shift"]
    expected = min(grid, key=lambda s: abs(bias - s))
    assert expected not in (grid[0], ShiftConfig().shift)  # neither first value nor default
    result = tune(dataset, ["shift"], k=5)["shift"]
    assert result.params == {"shift": expected}
    assert result.objective == "rmse"
    assert result.tried == len(grid)
    assert result.validation["rmse"] == pytest.approx(
        math.sqrt(variance + (bias - expected) ** 2), rel=1e-5
    )


def test_large_grid_is_searched_coordinate_wise(dataset: Dataset) -> None:
    bias, _ = validation_bias_and_variance(dataset)
    grid = WideShift.tuning_grid
    result = tune(dataset, ["wide-shift"], k=5)["wide-shift"]
    expected = min(grid["shift"], key=lambda s: abs(bias - s))
    assert expected != grid["shift"][0]
    assert result.params["shift"] == expected
    assert result.params["ignored"] == 1  # no effect: the default stays (ties keep current)
    # pass 1 tries 6 shifts (default 0.0 is off-grid, so 7 configs) and 5 new "ignored"
    # values; pass 2 finds everything cached and unchanged
    assert result.tried == 7 + 5
    assert result.tried < 36


def test_ranking_models_are_tuned_on_ndcg(dataset: Dataset) -> None:
    split = validation_split(dataset)
    ndcg = {
        mode: evaluate_split(
            split, ["quality"], split_name="v", k=5, params={"quality": {"mode": mode}}
        )
        .results[0]
        .ndcg
        for mode in (0, 1, 2)
    }
    assert max(ndcg, key=lambda m: ndcg[m] or 0.0) == 2  # the taste signal wins by design
    result = tune(dataset, ["quality"], k=5)["quality"]
    assert result.objective == "ndcg@5"
    assert result.params == {"mode": 2}
    assert result.validation["ndcg@5"] == pytest.approx(ndcg[2])
    assert "rmse" not in result.validation


def test_nested_config_builds_on_the_tuned_part(dataset: Dataset) -> None:
    results = tune(dataset, ["outer", "shift", "popularity-count"], k=5)
    assert list(results) == ["outer", "shift"]  # nothing to tune for popularity-count
    assert results["outer"].params["inner"] == results["shift"].params


# ---------------------------------------------------------------------------- persistence


def result(model: str, **params: object) -> TuningResult:
    return TuningResult(model, dict(params), {"rmse": 0.9}, tried=3, objective="rmse")


def test_tuning_json_round_trip_and_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "models" / "tuning.json"
    save_tuning(path, {"mf-sgd": result("mf-sgd", factors=40, lr=0.01)}, "abc", "user-time")
    assert load_tuning(path, "abc") == {"mf-sgd": {"factors": 40, "lr": 0.01}}
    assert load_tuning(path, "other") == {}
    assert load_tuning(tmp_path / "missing.json", "abc") == {}
    document = json.loads(path.read_text())
    assert document["split"] == "user-time"
    assert document["models"]["mf-sgd"]["validation"] == {"rmse": 0.9}
    assert [p.name for p in path.parent.iterdir()] == ["tuning.json"]  # no temp file left

    # same dataset: entries accumulate; another dataset: the file is replaced
    save_tuning(path, {"ease": result("ease", l2=100.0)}, "abc", "user-time")
    assert load_tuning(path, "abc") == {
        "mf-sgd": {"factors": 40, "lr": 0.01},
        "ease": {"l2": 100.0},
    }
    save_tuning(path, {"ease": result("ease", l2=50.0)}, "xyz", "user-time")
    assert load_tuning(path, "abc") == {}
    assert load_tuning(path, "xyz") == {"ease": {"l2": 50.0}}


def test_corrupt_tuning_file_is_an_artifact_error(tmp_path: Path) -> None:
    path = tmp_path / "tuning.json"
    path.write_text("{not json")
    with pytest.raises(ArtifactError):
        load_tuning(path, "abc")


def test_values_tuned_for_one_split_are_not_reused_for_another(tmp_path: Path) -> None:
    """A random split's test rows lie inside the user-time split's train part."""
    result = TuningResult(
        model="ease", params={"l2": 50.0}, validation={}, tried=1, objective="ndcg@10"
    )
    path = save_tuning(tmp_path / "tuning.json", {"ease": result}, "fp", "user-time")
    assert load_tuning(path, "fp", "user-time") == {"ease": {"l2": 50.0}}
    assert load_tuning(path, "fp", "random") == {}
    assert load_tuning(path, "fp", "global-time") == {}


def test_validation_is_carved_from_the_chosen_schemes_train_part(
    tiny_ratings: pd.DataFrame,
) -> None:
    from recommender.splits import split_ratings

    dataset = Dataset(tiny_ratings, tiny_ratings.iloc[:0], (), "csv", Path("t"), "fp")
    for scheme in ("random", "global-time"):
        train, test = split_ratings(tiny_ratings, scheme)  # type: ignore[arg-type]
        indexed = validation_split(dataset, scheme)  # type: ignore[arg-type]
        test_pairs = set(zip(test["user"], test["item"], strict=True))
        fit_pairs = {
            (int(indexed.users.ids[u]), int(indexed.items.ids[i]))
            for u, i in zip(*indexed.train.nonzero(), strict=True)
        }
        assert not fit_pairs & test_pairs
        assert indexed.train.nnz + len(indexed.test_users) == len(train)
