"""Training: the serving ranker is chosen on validation (the really best candidate wins), the
choice and its figures are stored and reloaded, and shared blend parts are fitted once."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp
from pydantic import Field

import recommender.training as training
from bot.cli import main
from recommender.artifacts import load_models, save_models
from recommender.data import Dataset, load_dataset
from recommender.evaluate import evaluate_split
from recommender.fitting import Fitter
from recommender.models import _REGISTRY, make_model
from recommender.models.base import IndexArray, ModelConfig, ProgressFn, Recommender, State
from recommender.models.ease import EASE
from recommender.models.rp3beta import RP3Beta
from recommender.serving import MovieRecommender
from recommender.training import (
    RANKER_CANDIDATES,
    choose_ranker,
    ensure_trained,
    train_models,
    validation_split,
)


class TasteConfig(ModelConfig):
    sign: float = Field(1.0)


class _Taste(Recommender):
    """Scores = sign x (co-liked-item counts): sign 1 ranks well, -1 ranks worst."""

    config_type = TasteConfig
    config: TasteConfig

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        self.liked = sp.csr_matrix((train >= 4).astype(np.float32))

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        history = self.liked[users]
        scores = (history @ (self.liked.T @ self.liked)).toarray()
        return np.asarray(self.config.sign * scores, dtype=np.float32)

    def get_state(self) -> State:
        return {"liked": self.liked.toarray()}

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        self.liked = sp.csr_matrix(np.asarray(state["liked"], dtype=np.float32))


class Good(_Taste):
    name = "good"


class Bad(_Taste):
    name = "bad"

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return -super()._score(users)


class Flat(_Taste):
    """Every item equal: validation can tell nothing from it."""

    name = "flat"

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return np.zeros((users.size, self.n_items), dtype=np.float32)


@pytest.fixture
def dataset(tiny_csv_dir: Path) -> Dataset:
    return load_dataset(tiny_csv_dir)


@pytest.fixture
def fake_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    for cls in (Good, Bad, Flat):
        monkeypatch.setitem(_REGISTRY, cls.name, f"{__name__}:{cls.__name__}")
    # the really best one in the middle, so neither first-wins nor last-wins passes by luck
    monkeypatch.setattr(training, "RANKER_CANDIDATES", ("bad", "good", "flat"))


def test_selection_picks_the_model_that_is_best_on_validation(
    dataset: Dataset, fake_candidates: None
) -> None:
    choice = choose_ranker(dataset, validation=validation_split(dataset))
    assert choice.name == "good"
    ndcg = {label: figures["ndcg@10"] for label, figures in choice.candidates.items()}
    assert set(ndcg) == {"bad", "good", "flat"}
    assert ndcg["good"] > ndcg["flat"] and ndcg["good"] > ndcg["bad"]
    assert choice.validation == choice.candidates["good"]


def test_without_validation_the_first_candidate_serves(
    dataset: Dataset, fake_candidates: None
) -> None:
    choice = choose_ranker(dataset)
    assert (choice.name, choice.candidates) == ("bad", {})


def test_validation_with_nothing_to_score_falls_back_to_the_first_candidate(
    dataset: Dataset, fake_candidates: None
) -> None:
    disliked = dataclasses.replace(dataset, ratings=dataset.ratings.assign(rating=2.0))
    choice = choose_ranker(disliked, validation=validation_split(disliked))
    assert choice.name == "bad"  # no held-out rating is relevant: no NDCG to compare
    assert all("ndcg@10" not in figures for figures in choice.candidates.values())


def test_real_candidates_the_chosen_one_has_the_top_validation_ndcg(dataset: Dataset) -> None:
    validation = validation_split(dataset)
    choice = choose_ranker(dataset, validation=validation)
    labels = set(choice.candidates)
    assert {"ease", "rp3beta", "ials"} <= labels
    assert {"ease-rp3 w=0.3", "ease-rp3 w=0.5", "ease-rp3 w=0.7"} <= labels
    best = max(figures["ndcg@10"] for figures in choice.candidates.values())
    assert choice.validation["ndcg@10"] == best
    # the figures from shared fits are those of each candidate fitted on its own
    for label, figures in choice.candidates.items():
        name = label.split()[0]
        params = {"ease_weight": float(label.split("w=")[1])} if "w=" in label else {}
        alone = evaluate_split(validation, [name], split_name="v", params={name: params})
        assert figures["ndcg@10"] == pytest.approx(alone.results[0].ndcg, rel=1e-5)


def test_the_choice_is_recorded_reloaded_and_served(dataset: Dataset, tmp_path: Path) -> None:
    trained = train_models(dataset)
    selection = trained.info["ranker_selection"]
    chosen = trained.info["ranker"]
    assert chosen in RANKER_CANDIDATES and chosen in trained.models
    assert selection["chosen"].split()[0] == chosen
    assert trained.metrics[chosen] == selection["candidates"][selection["chosen"]]
    assert trained.metrics["mf-sgd"]["rmse"] > 0  # the cheap serving models' figures too
    loaded = load_models(save_models(tmp_path / "m", trained))
    assert loaded.info["ranker"] == chosen
    assert loaded.info["ranker_selection"] == selection
    assert loaded.metrics[chosen] == trained.metrics[chosen]
    assert loaded[chosen].config == trained[chosen].config  # the blend weight too
    recommender = MovieRecommender(loaded)
    assert recommender.ranker == chosen
    np.testing.assert_allclose(loaded[chosen].score([0, 1]), trained[chosen].score([0, 1]))


def test_first_run_path_chooses_on_validation_too(tiny_csv_dir: Path, tmp_path: Path) -> None:
    trained = ensure_trained(tiny_csv_dir, tmp_path / "models")
    assert trained.info["ranker_selection"]["candidates"]
    assert ensure_trained(tiny_csv_dir, tmp_path / "models").info == trained.info  # cached


def test_train_prints_the_choice_and_its_figures(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    args = ["train", "--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m")]
    assert main(args) == 0
    out, err = capsys.readouterr()
    meta_info = load_models(Path(out.strip())).info["ranker_selection"]
    assert f"ranker: {meta_info['chosen']}, chosen by NDCG@10" in err
    for label, figures in meta_info["candidates"].items():
        assert label in err and f"NDCG@10 {figures['ndcg@10']:.4f}" in err


# ---------------------------------------------------------------------------- shared fits


@pytest.fixture
def count_fits(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls: dict[str, int] = {}
    for cls in (EASE, RP3Beta):
        original = cls._fit

        def counted(
            self: Recommender,
            train: sp.csr_matrix,
            progress: ProgressFn | None,
            original: object = original,
        ) -> None:
            calls[self.name] = calls.get(self.name, 0) + 1
            original(self, train, progress)  # type: ignore[operator]

        monkeypatch.setattr(cls, "_fit", counted)
    return calls


def test_evaluate_fits_a_blends_parts_once(dataset: Dataset, count_fits: dict[str, int]) -> None:
    validation = validation_split(dataset)
    report = evaluate_split(validation, ["ease", "rp3beta", "ease-rp3"], split_name="v")
    assert count_fits == {"ease": 1, "rp3beta": 1}
    fitted_alone = make_model("ease-rp3").fit(validation.train)
    assert count_fits == {"ease": 2, "rp3beta": 2}
    alone = evaluate_split(validation, ["ease-rp3"], split_name="v").results[0]
    shared = report.results[2]
    assert shared.ndcg == pytest.approx(alone.ndcg, rel=1e-6)
    # the blend's fit time is its parts' (what fitting it on its own costs)
    parts = report.results[0].fit_seconds + report.results[1].fit_seconds
    assert shared.fit_seconds == pytest.approx(parts)
    assert fitted_alone.is_fitted


def test_fitter_forgets_models_no_later_request_needs(tiny_train: sp.csr_matrix) -> None:
    # the default blend weight is 0.3: the second and third requests are the same model
    requests = [("ease", {}), ("ease-rp3", {"ease_weight": 0.3}), ("ease-rp3", {})]
    requests.append(("ease-rp3", {"ease_weight": 0.7}))
    fitter = Fitter(tiny_train, requests=requests)
    ease, _ = fitter.fit("ease")
    blend, _ = fitter.fit("ease-rp3", {"ease_weight": 0.3})
    assert blend.ease is ease  # type: ignore[attr-defined]
    again, _ = fitter.fit("ease-rp3")
    assert again is blend
    assert len(fitter._fitted) == 2  # EASE and RP3beta, for the last request
    other, _ = fitter.fit("ease-rp3", {"ease_weight": 0.7})
    assert other.ease is ease and other.rp3beta is blend.rp3beta  # type: ignore[attr-defined]
    assert fitter._fitted == {}  # every request served: nothing left in memory


def test_tuning_a_blend_fits_its_parts_once(dataset: Dataset, count_fits: dict[str, int]) -> None:
    from recommender.tuning import tune

    result = tune(dataset, ["ease-rp3"])["ease-rp3"]
    assert result.tried == 5  # every ease_weight of the grid was scored
    assert count_fits == {"ease": 1, "rp3beta": 1}
