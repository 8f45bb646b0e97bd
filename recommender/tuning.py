"""Hyper-parameter tuning on a validation split carved from train — the test set is never used.

What ``moviebot evaluate --tune`` runs before evaluating.  The validation split: take the train
part of the evaluated split (for user-time, each user's earliest 80%) and split it again the same
way, so, e.g., each user's last 20% of their *train* ratings is validation and the rest is fitted
on (:func:`validation_split`).  Test-period rows of that split are never fitted on, predicted or
scored, and values tuned for one split scheme are only reused for that scheme (a random split's
test rows lie inside the user-time split's train part, and vice versa).

Each model class lists candidate values in its ``tuning_grid`` ClassVar (config field ->
values; empty = nothing to tune, and the model is left out of the results).  The search:

* grid search over every combination, other fields at their defaults, when the grid has at
  most :data:`MAX_GRID` combinations;
* otherwise coordinate-wise: start from the defaults and, field by field in grid order, try
  each value with the other fields at their current best; repeat the pass (at most
  :data:`MAX_PASSES` times) until a pass changes nothing.  Configurations already tried are not
  refitted.

Config fields that are themselves a model's config (the EASE + RP3beta blend nests EASE's and
RP3beta's) take the values tuned for that model in the same run, so a blend is tuned on top of
its tuned parts, which are fitted once for all of the blend's trials.

Objective: validation RMSE (lower is better) for models that predict ratings, NDCG@K (higher
is better) for the others, computed exactly as :mod:`recommender.evaluate` does on the test set.

Results persist as JSON (``tuning.json`` in the model root) keyed by the dataset fingerprint::

    results = tune(dataset, ["ease", "mf-sgd"], k=10)
    save_tuning(path, results, dataset.fingerprint, "user-time")
    params = load_tuning(path, dataset.fingerprint)   # {"ease": {"l2": 400.0, ...}, ...}
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recommender.data import Dataset
from recommender.errors import ArtifactError
from recommender.evaluate import evaluate_split
from recommender.fileio import atomic_file
from recommender.fitting import Fitter
from recommender.models import get_model_class
from recommender.models.base import ModelConfig
from recommender.splits import IndexedSplit, SplitName, index_split, split_ratings

__all__ = [
    "MAX_GRID",
    "MAX_PASSES",
    "TUNING_FORMAT",
    "TuningResult",
    "load_tuning",
    "save_tuning",
    "tune",
    "validation_split",
]

#: Grids with more combinations than this are searched coordinate-wise.
MAX_GRID = 30
#: Coordinate-wise passes at most (each pass tries every value of every field once).
MAX_PASSES = 2
#: Version of the tuning.json layout.
TUNING_FORMAT = 1

Params = dict[str, Any]


@dataclass(frozen=True)
class TuningResult:
    """The chosen values of one model, their validation metrics and how many configs were fit.

    ``objective`` names the metric that chose them ("rmse" or "ndcg@K").
    """

    model: str
    params: Params
    validation: dict[str, float]
    tried: int
    objective: str


def validation_split(dataset: Dataset, split: SplitName = "user-time") -> IndexedSplit:
    """Fit part + validation part, both inside the ``split`` scheme's train part."""
    train, _test = split_ratings(dataset.ratings, split)
    fit_part, validation = split_ratings(train, split)
    return index_split(fit_part, validation)


def tune(
    dataset: Dataset,
    models: Sequence[str],
    *,
    k: int = 10,
    split: SplitName = "user-time",
    progress: Callable[[str], None] | None = None,
) -> dict[str, TuningResult]:
    """Choose each model's ``tuning_grid`` values on the validation split carved from the
    ``split`` scheme's train part (see module doc)."""
    indexed = validation_split(dataset, split)
    results: dict[str, TuningResult] = {}
    # models nesting another model's config go last, so they can build on its tuned values
    for name in sorted(models, key=lambda n: bool(_nested_fields(get_model_class(n).config_type))):
        cls = get_model_class(name)
        grid = {field: list(values) for field, values in cls.tuning_grid.items()}
        if not grid:
            if progress:
                progress(f"{name}: nothing to tune")
            continue
        base = {
            field: results[other].params
            for field, config_type in _nested_fields(cls.config_type).items()
            for other in results
            if get_model_class(other).config_type is config_type
        }
        objective = "rmse" if cls.predicts_ratings else f"ndcg@{k}"
        search = _Search(indexed, dataset, name, base, objective, k, progress)
        combos = math.prod(len(values) for values in grid.values())
        best = search.grid(grid) if combos <= MAX_GRID else search.coordinate_wise(grid)
        results[name] = TuningResult(
            model=name,
            params={**base, **best},
            validation=search.metrics[_key(best)],
            tried=len(search.metrics),
            objective=objective,
        )
    return {name: results[name] for name in models if name in results}


class _Search:
    """Fits one model under many settings on the validation split, remembering each score."""

    def __init__(
        self,
        indexed: IndexedSplit,
        dataset: Dataset,
        name: str,
        base: Params,
        objective: str,
        k: int,
        progress: Callable[[str], None] | None,
    ) -> None:
        self.indexed, self.dataset, self.name, self.base = indexed, dataset, name, base
        self.objective, self.k, self.progress = objective, k, progress
        self.metrics: dict[str, dict[str, float]] = {}
        # a blend's parts are the same in every trial (only its own fields vary): fit them once
        cls = get_model_class(name)
        self.fitter = Fitter(indexed.train) if cls.part_configs(cls.config_type()) else None

    def loss(self, values: Params) -> float:
        """Lower is better: RMSE, or minus NDCG; NaN (nothing to score) counts as worst."""
        key = _key(values)
        if key not in self.metrics:
            report = evaluate_split(
                self.indexed,
                [self.name],
                split_name="validation",
                k=self.k,
                params={self.name: {**self.base, **values}},
                movies=self.dataset.movies,
                fitter=self.fitter,
            )
            row = report.results[0]
            found = {
                "rmse": row.rmse,
                f"precision@{self.k}": row.precision,
                f"recall@{self.k}": row.recall,
                f"ndcg@{self.k}": row.ndcg,
            }
            self.metrics[key] = {m: v for m, v in found.items() if v is not None}
            if self.progress:
                self.progress(
                    f"tune {self.name} {values}: {self.objective} {found[self.objective]}"
                )
        value = self.metrics[key].get(self.objective, math.nan)
        if math.isnan(value):
            return math.inf
        return value if self.objective == "rmse" else -value

    def grid(self, grid: Mapping[str, list[object]]) -> Params:
        fields = list(grid)
        candidates = [
            dict(zip(fields, combo, strict=True)) for combo in itertools.product(*grid.values())
        ]
        return min(candidates, key=self.loss)  # first best wins ties: grid order

    def coordinate_wise(self, grid: Mapping[str, list[object]]) -> Params:
        defaults = get_model_class(self.name).config_type()
        best: Params = {field: getattr(defaults, field) for field in grid}
        for _ in range(MAX_PASSES):
            changed = False
            for field, values in grid.items():
                current = best[field]

                def loss_at(value: object, field: str = field) -> float:
                    return self.loss({**best, field: value})

                choice = min([current, *(v for v in values if v != current)], key=loss_at)
                changed |= choice != current
                best[field] = choice
            if not changed:
                break
        return best


def _key(values: Params) -> str:
    return json.dumps(values, sort_keys=True, default=str)


def _nested_fields(config_type: type[ModelConfig]) -> dict[str, type[ModelConfig]]:
    """Config fields whose type is another model's config (e.g. the blend's ``ease``)."""
    return {
        field: info.annotation
        for field, info in config_type.model_fields.items()
        if isinstance(info.annotation, type) and issubclass(info.annotation, ModelConfig)
    }


# ---------------------------------------------------------------------------- persistence


def save_tuning(
    path: Path, results: Mapping[str, TuningResult], dataset_fingerprint: str, split: str
) -> Path:
    """Write ``results`` to ``path`` atomically as JSON.

    Entries already in the file for the same dataset are kept unless retuned now, so tuning
    one model at a time accumulates; a file for another dataset is replaced.
    """
    path = Path(path)
    models: dict[str, Any] = {}
    if path.exists():
        try:
            old = _read(path)
        except ArtifactError:
            old = {}
        if old.get("dataset_fingerprint") == dataset_fingerprint and old.get("split") == split:
            models.update(old.get("models", {}))
    for name, result in results.items():
        models[name] = {
            "params": result.params,
            "validation": result.validation,
            "tried": result.tried,
            "objective": result.objective,
        }
    document = {
        "format": TUNING_FORMAT,
        "dataset_fingerprint": dataset_fingerprint,
        "split": split,
        "models": models,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as out:
        json.dump(document, out, indent=2, sort_keys=True)
        out.write("\n")
    return path


def load_tuning(
    path: Path, dataset_fingerprint: str, split: str = "user-time"
) -> dict[str, dict[str, Any]]:
    """Tuned params per model for this dataset and split scheme; {} if the file is absent or
    was tuned on other data or another scheme."""
    path = Path(path)
    if not path.exists():
        return {}
    document = _read(path)
    if document.get("dataset_fingerprint") != dataset_fingerprint or (
        document.get("split", "user-time") != split
    ):
        return {}
    return {name: dict(entry["params"]) for name, entry in document.get("models", {}).items()}


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ArtifactError(f"{path}: cannot read tuning results ({error})") from None
    if not isinstance(document, dict) or document.get("format") != TUNING_FORMAT:
        raise ArtifactError(f"{path}: not a tuning file of format {TUNING_FORMAT}")
    return document
