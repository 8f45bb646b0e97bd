"""Train the models that serve the CLI and the chat, on all ratings, and cache them on disk.

A trained model directory is keyed by the dataset's fingerprint, so pointing MovieBot at other
data trains a new one and pointing it back reuses the old.  Hyper-parameters come from the
model's defaults, overridden by ``tuning.json`` in the model root when ``moviebot evaluate
--tune`` recorded values for this dataset.  The personal ranker is not fixed: each candidate
(and the blend's weight) is scored on a validation split of the data being served and the best
by NDCG@10 serves; the choice and its figures are stored in meta.json.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recommender.artifacts import META_FILE, TrainedModels, load_models, save_models
from recommender.data import Dataset, Vocabulary, dataset_fingerprint, interactions, load_dataset
from recommender.errors import ArtifactError, ModelTooLargeError
from recommender.fileio import OutputError, writable_dir
from recommender.fitting import Fitter
from recommender.models import get_model_class
from recommender.models.base import ProgressFn
from recommender.models.content import item_documents
from recommender.splits import IndexedSplit

__all__ = [
    "RANKER_CANDIDATES",
    "SERVING_MODELS",
    "RankerChoice",
    "choose_ranker",
    "describe_choice",
    "ensure_trained",
    "model_dir_for",
    "train_models",
]

#: The ranking models ``train`` chooses among on validation, with the blend's weights.  Order
#: breaks ties and is the choice when validation is skipped or has nothing to score.
RANKER_CANDIDATES = ("ease", "rp3beta", "ials", "ease-rp3")
#: Always trained: popularity for "popular", MF for predicted stars, item-kNN and content for
#: "similar to".
SERVING_MODELS = ("popularity", "mf-sgd", "item-knn", "content")
#: Serving models cheap enough to score on validation at every ``train`` (stored in meta.json).
VALIDATED_SERVING = ("popularity", "mf-sgd")
#: Models with a blend weight get each of these (0 and 1 are their parts, tried on their own).
BLEND_WEIGHTS = (0.3, 0.5, 0.7)
#: The ranker is chosen by this metric at this K on the validation split.
SELECTION_K = 10
TUNING_FILE = "tuning.json"
log = logging.getLogger("moviebot.training")

ProgressFactory = Callable[[str], ProgressFn | None]
Params = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class RankerChoice:
    """The serving ranker, its params, and every candidate's validation figures.

    ``candidates`` maps a label ("ease", "ease-rp3 w=0.3") to ``{"ndcg@10", "precision@10",
    "recall@10", "fit_seconds"}``; empty when validation was skipped.
    """

    name: str
    params: dict[str, Any]
    label: str
    candidates: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def validation(self) -> dict[str, float]:
        return self.candidates.get(self.label, {})

    def as_info(self) -> dict[str, Any]:
        """What meta.json keeps under ``info["ranker_selection"]``."""
        return {
            "chosen": self.label,
            "params": self.params,
            "split": "validation: each user's last 20% of the user-time train part",
            "metric": f"ndcg@{SELECTION_K}",
            "candidates": self.candidates,
        }


def ranker_candidates(
    n_users: int, n_items: int, nnz: int, params: Params | None = None
) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, model name, params) of every candidate that accepts this data size."""
    params = params or {}
    found = []
    for name in RANKER_CANDIDATES:
        cls = get_model_class(name)
        base = dict(params.get(name, {}))
        try:
            cls.check_size(cls.config_type(**base), n_users, n_items, nnz)
        except ModelTooLargeError:
            continue
        if "ease_weight" not in cls.config_type.model_fields:
            found.append((name, name, base))
            continue
        weights = sorted(
            {*BLEND_WEIGHTS, *([base["ease_weight"]] if "ease_weight" in base else [])}
        )
        found += [(f"{name} w={w:g}", name, {**base, "ease_weight": w}) for w in weights]
    if not found:
        raise ModelTooLargeError("no ranking model can handle this dataset on this machine")
    return found


def choose_ranker(
    dataset: Dataset,
    params: Params | None = None,
    *,
    validation: IndexedSplit | None = None,
    progress: Callable[[str], None] | None = None,
) -> RankerChoice:
    """The candidate with the best NDCG@10 on ``validation`` (from :func:`validation_split`:
    carved from ``dataset``'s user-time train part, so the test split ``moviebot evaluate``
    reports is never seen).  Each model is fitted once; the blend is assembled from those fits.
    Without ``validation``, or when it has no user to score, the first candidate that fits."""
    ratings = dataset.ratings
    n_items = np.union1d(dataset.movies["movie_id"], ratings["item"]).size  # the served catalog
    candidates = ranker_candidates(int(ratings["user"].nunique()), n_items, len(ratings), params)
    first_label, first_name, first_params = candidates[0]
    if validation is None:
        return RankerChoice(first_name, first_params, first_label)
    fitter = Fitter(validation.train, requests=[(name, p) for _, name, p in candidates])
    figures = {
        label: validation_figures(validation, name, candidate_params, fitter)
        for label, name, candidate_params in candidates
    }
    if progress:
        for label, found in figures.items():
            progress(f"validation {label}: {found}")
    metric = f"ndcg@{SELECTION_K}"
    scored = [c for c in candidates if metric in figures[c[0]]]
    label, name, chosen_params = (
        max(scored, key=lambda c: figures[c[0]][metric]) if scored else candidates[0]
    )  # max keeps the first of equals: candidate order breaks ties
    return RankerChoice(name, chosen_params, label, figures)


def validation_split(dataset: Dataset) -> IndexedSplit:
    """The split the ranker is chosen on: fit on each user's earliest 64%, validate on the
    next 16% (:func:`recommender.tuning.validation_split` of the user-time scheme)."""
    from recommender.tuning import validation_split as carve  # not needed to serve

    return carve(dataset, "user-time")


def validation_figures(
    validation: IndexedSplit,
    name: str,
    model_params: Mapping[str, Any],
    fitter: Fitter | None = None,
) -> dict[str, float]:
    """One model's metrics on ``validation`` (those that apply) and its fit seconds."""
    from recommender.evaluate import evaluate_split  # evaluation code is not needed to serve

    row = evaluate_split(
        validation,
        [name],
        split_name="validation",
        k=SELECTION_K,
        params={name: model_params},
        fitter=fitter,
    ).results[0]
    found = {
        "rmse": row.rmse,
        f"ndcg@{SELECTION_K}": row.ndcg,
        f"precision@{SELECTION_K}": row.precision,
        f"recall@{SELECTION_K}": row.recall,
        "fit_seconds": row.fit_seconds,
    }
    return {m: v for m, v in found.items() if v is not None and not math.isnan(v)}


def describe_choice(info: Mapping[str, Any]) -> str:
    """One line per candidate for ``moviebot train``: the chosen ranker marked, its validation
    NDCG@10 / P@10 / R@10 and fit time."""
    selection = info.get("ranker_selection", {})
    candidates = selection.get("candidates", {})
    chosen = selection.get("chosen", info.get("ranker"))
    if not candidates:
        return f"ranker: {chosen} (validation skipped)"
    k = SELECTION_K
    lines = [f"ranker: {chosen}, chosen by NDCG@{k} on the validation split"]
    for label, figures in candidates.items():
        mark = "*" if label == chosen else " "
        numbers = "  ".join(
            f"{name} {figures[key]:.4f}"
            for name, key in (
                (f"NDCG@{k}", f"ndcg@{k}"),
                (f"P@{k}", f"precision@{k}"),
                (f"R@{k}", f"recall@{k}"),
            )
            if key in figures
        )
        lines.append(
            f" {mark} {label:<16} {numbers or 'nothing to score'}  fit {figures.get('fit_seconds', 0.0):.2f} s"
        )
    return "\n".join(lines)


def train_models(
    dataset: Dataset,
    *,
    names: Sequence[str] | None = None,
    params: Params | None = None,
    progress: ProgressFactory | None = None,
    validate: bool = True,
) -> TrainedModels:
    """Fit the serving models on every rating of ``dataset``.

    ``names`` are trained in addition to the serving set (which is always trained, so a
    model directory can always serve).  The item index covers the whole catalog (rated or
    not), so content similarity and popularity can answer for movies nobody has rated yet.
    The personal ranker is chosen on validation first (:func:`choose_ranker`; ``validate``
    False skips that and takes the first candidate that fits); the choice and every
    candidate's validation figures are kept in ``info``, and ``metrics`` holds the validation
    figures of the ranker and of ``VALIDATED_SERVING``.
    """
    params = params or {}
    users = Vocabulary(dataset.ratings["user"].to_numpy())
    items = Vocabulary(
        np.concatenate([dataset.movies["movie_id"].to_numpy(), dataset.ratings["item"].to_numpy()])
    )
    matrix = interactions(dataset.ratings, users, items)
    validation = validation_split(dataset) if validate else None
    if validation is not None and (validation.train.nnz == 0 or not validation.warm.any()):
        # Too little data to carve a validation split from (a handful of ratings): nothing
        # to choose on, so the first candidate serves, as with ``validate`` False.
        log.info("ranker: too few ratings to validate on; taking the first candidate")
        validation = None
    choice = choose_ranker(dataset, params, validation=validation)
    metrics = {choice.name: choice.validation} if choice.validation else {}
    if validation is not None:  # the cheap serving models' figures, for the record
        for name in VALIDATED_SERVING:
            metrics[name] = validation_figures(validation, name, params.get(name, {}))
    log.info("ranker: %s (validation %s)", choice.label, choice.validation)
    # The serving set is always trained (the chat and CLI need every one of them); ``names``
    # adds models to the bundle.
    serving = [*SERVING_MODELS, choice.name]
    names = serving + [n for n in (names or ()) if n not in serving]
    requests = [(n, choice.params if n == choice.name else dict(params.get(n, {}))) for n in names]
    fitter = Fitter(
        matrix, item_documents(dataset.movies, items), requests=requests, progress_for=progress
    )
    models = {name: fitter.fit(name, model_params)[0] for name, model_params in requests}
    return TrainedModels(
        users=users,
        items=items,
        models=models,
        dataset_fingerprint=dataset.fingerprint,
        seen=matrix,
        catalog=dataset.movies,
        genres=dataset.genres,
        metrics=metrics,
        info={
            "ranker": choice.name,
            "ranker_selection": choice.as_info(),
            "dataset": dataset.name,
            "layout": dataset.layout,
        },
    )


def model_dir_for(model_root: Path, fingerprint: str) -> Path:
    return Path(model_root) / fingerprint


def ensure_trained(
    data_dir: Path,
    model_root: Path,
    *,
    progress: ProgressFactory | None = None,
    on_train: Callable[[Dataset], None] | None = None,
) -> TrainedModels:
    """Load the cached models for ``data_dir``; train and cache them first if there are none.

    A cached directory that fails validation (another format version, damaged files) is
    rebuilt.  First-run training chooses the ranker on validation, as ``moviebot train`` does.
    The model folder is checked before training; if caching still fails (the disk filled up
    meanwhile) the models are served uncached.
    """
    fingerprint = dataset_fingerprint(data_dir)
    directory = model_dir_for(model_root, fingerprint)
    if (directory / META_FILE).is_file():
        try:
            return load_models(directory)
        except ArtifactError as error:  # a cache from another version, or damaged: rebuild it
            log.warning("retraining: the cached models are unusable (%s)", error)
    # An unusable model folder is said before training, not after it.
    writable_dir(model_root, "the model folder (--model-dir / MOVIEBOT_MODEL_DIR)")
    dataset = load_dataset(data_dir)
    if on_train:
        on_train(dataset)
    trained = train_models(
        dataset, params=load_tuned_params(model_root, fingerprint), progress=progress
    )
    try:
        save_models(directory, trained)
    except OutputError as error:  # e.g. the disk filled up while training: serve anyway
        log.warning("could not cache the trained models, serving them uncached (%s)", error)
    return trained


def load_tuned_params(
    model_root: Path, fingerprint: str, split: str = "user-time"
) -> dict[str, dict[str, Any]]:
    """Hyper-parameters ``evaluate --tune`` recorded for this dataset and split scheme ({} if
    none).  Serving uses the user-time ones: the per-user future is what the chat predicts."""
    from recommender.tuning import load_tuning  # evaluation code is not needed to serve

    path = Path(model_root) / TUNING_FILE
    return load_tuning(path, fingerprint, split) if path.exists() else {}
