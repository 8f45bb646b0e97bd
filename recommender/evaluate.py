"""Offline evaluation: fit models on a train split, score them on the held-out part.

What ``moviebot evaluate`` runs.  The protocol, fixed so numbers are comparable between runs:

* Split the ratings with :func:`recommender.splits.split_ratings`, then index them with
  :func:`~recommender.splits.index_split`: id maps come from TRAIN ONLY.  Test rows whose user
  or item never appears in train are *cold*; they are counted in the report and left out of
  every metric, never mapped to something else.
* **RMSE** over the warm test rows, for models that predict ratings (``predicts_ratings``);
  ``None`` for the others.
* **Precision@K, Recall@K, NDCG@K** for every model that ranks (``ranks_items``; not the
  global mean, whose scores are all equal, so its "ranking" would just be item order).  A held-out item is relevant if rated >= 4 (:data:`RELEVANT_RATING`).  Candidates are
  the train items the user did not rate in train (their scores are set to -inf from the train
  CSR before top-K).  Users evaluated: those with at least one relevant *warm* test item.  NDCG
  uses the standard ideal DCG (:func:`recommender.metrics.ranking_metrics`); precision divides
  by K.  Users are scored in batches whose dense block stays small at any catalog size.
* ``fit_seconds`` is the wall time of ``model.fit`` alone.

A metric is NaN (not None) when it applies but nothing could be scored: no warm test rows, or
no user with a relevant warm test item.

Every model's ``check_size`` runs before anything is fitted, so a model too large for the data
fails at once, not after the others have trained.

API::

    report = evaluate(dataset, ["popularity", "mf-sgd"], split="user-time", k=10)
    print(format_table(report))           # markdown table, "—" where a metric does not apply
    rows = report_json(report)            # [{"model", "rmse", "precision@10", "recall@10",
                                          #   "ndcg@10", "fit_seconds"}, ...]

``dump_recs`` writes JSON lines ``{"model", "user", "items"}`` (raw ids, ranked top-K of every
evaluated user, ranking models only; excluded items never appear, so a user with fewer than K
candidates gets a shorter list).  ``dump_predictions`` writes ``{"model", "user", "item",
"prediction"}`` for every warm test row of each rating model.  Both are written atomically.

:func:`evaluate_split` does the same on an already-indexed split; tuning uses it on the
validation split.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
import pandas as pd

from recommender.data import Dataset
from recommender.errors import ConfigError, ModelError
from recommender.fileio import atomic_file
from recommender.fitting import Fitter
from recommender.metrics import masked_top_k, ranking_metrics, rmse
from recommender.models import get_model_class, make_model
from recommender.models.base import Recommender
from recommender.splits import IndexedSplit, SplitName, index_split, split_ratings

__all__ = [
    "RELEVANT_RATING",
    "EvaluationReport",
    "EvaluationTargets",
    "ModelResult",
    "evaluate",
    "evaluate_split",
    "format_table",
    "ranks_items",
    "report_json",
]

#: A held-out rating at or above this is a relevant item.
RELEVANT_RATING = 4.0
#: Working memory per batch of users while ranking: the float32 score block plus top_k's
#: temporaries (a negated float32 copy and int64 argpartition indices), 16 bytes per cell.
BATCH_BYTES = 64 * 2**20
_BYTES_PER_CELL = 16
#: Rows per ``predict`` call, so RMSE on a huge test set never builds one giant temporary.
_PREDICT_CHUNK = 1 << 20

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ModelResult:
    """One model's numbers; ``None`` where a metric does not apply to the model."""

    model: str
    rmse: float | None
    precision: float | None
    recall: float | None
    ndcg: float | None
    fit_seconds: float
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluationReport:
    """All models' results plus the split's sizes (``cold_*`` count test rows)."""

    split: str
    k: int
    results: list[ModelResult]
    n_train: int
    n_test: int
    n_warm: int
    cold_users: int
    cold_items: int
    n_users_evaluated: int


def ranks_items(model: str) -> bool:
    """Whether ``model`` gets ranking metrics (its class's ``ranks_items``)."""
    return get_model_class(model).ranks_items


@dataclass(frozen=True, eq=False)
class EvaluationTargets:
    """What the models are scored against, computed once per split.

    ``users`` are the evaluated user indices (sorted); the relevant warm test items are the
    pairs (``users[relevant_rows[j]]``, ``relevant_items[j]``).
    """

    split: IndexedSplit
    warm: npt.NDArray[np.bool_]
    users: npt.NDArray[np.int64]
    relevant_rows: npt.NDArray[np.int64]
    relevant_items: npt.NDArray[np.int64]

    @classmethod
    def of(cls, split: IndexedSplit) -> EvaluationTargets:
        warm = split.warm
        relevant = warm & (split.test_ratings >= RELEVANT_RATING)
        users, rows = np.unique(split.test_users[relevant], return_inverse=True)
        return cls(
            split=split,
            warm=warm,
            users=users.astype(np.int64),
            relevant_rows=rows.reshape(-1).astype(np.int64),
            relevant_items=split.test_items[relevant].astype(np.int64),
        )


def evaluate(
    dataset: Dataset,
    models: Sequence[str],
    *,
    split: SplitName = "user-time",
    k: int = 10,
    params: Mapping[str, Mapping[str, object]] | None = None,
    seed: int = 42,
    dump_recs: Path | None = None,
    dump_predictions: Path | None = None,
    progress: Progress | None = None,
) -> EvaluationReport:
    """Split ``dataset`` by ``split``, fit each model on train and score it on test."""
    train, test = split_ratings(dataset.ratings, split, seed=seed)
    return evaluate_split(
        index_split(train, test),
        models,
        split_name=split,
        k=k,
        params=params,
        movies=dataset.movies,
        dump_recs=dump_recs,
        dump_predictions=dump_predictions,
        progress=progress,
    )


def evaluate_split(
    indexed: IndexedSplit,
    models: Sequence[str],
    *,
    split_name: str,
    k: int = 10,
    params: Mapping[str, Mapping[str, object]] | None = None,
    movies: pd.DataFrame | None = None,
    dump_recs: Path | None = None,
    dump_predictions: Path | None = None,
    progress: Progress | None = None,
    fitter: Fitter | None = None,
) -> EvaluationReport:
    """Evaluate ``models`` on an indexed split (``movies`` feeds models that need item text).

    ``fitter`` (fitting on ``indexed.train``) lets several calls share fitted models; by
    default each call fits its own."""
    if k < 1:
        raise ConfigError(f"k must be at least 1, got {k}")
    params = params or {}
    train = indexed.train
    # fail fast: a model too big for the data stops the run before anything is fitted
    for name in models:
        unfitted = make_model(name, **dict(params.get(name, {})))
        unfitted.check_size(unfitted.config, train.shape[0], train.shape[1], train.nnz)
    targets = EvaluationTargets.of(indexed)
    needs_text = any(get_model_class(name).needs_item_text for name in models)
    item_text = _item_text(indexed, movies) if needs_text else None
    results = []
    with ExitStack() as stack:
        recs_out = stack.enter_context(atomic_file(dump_recs)) if dump_recs else None
        preds_out = stack.enter_context(atomic_file(dump_predictions)) if dump_predictions else None
        # each distinct model (a blend's parts included) is fitted once, and dropped as soon
        # as no later model in the list needs it
        requests = [(name, params.get(name, {})) for name in models]
        fitter = fitter or Fitter(train, item_text, requests=requests)
        for name, model_params in requests:
            if progress:
                progress(f"fitting {name} on {train.nnz:,} ratings")
            model, fit_seconds = fitter.fit(name, model_params)
            result = _score_model(name, model, targets, k, fit_seconds, recs_out, preds_out)
            results.append(result)
            if progress:
                progress(_summary(result, k))
    n_warm = int(targets.warm.sum())
    return EvaluationReport(
        split=split_name,
        k=k,
        results=results,
        n_train=int(train.nnz),
        n_test=int(indexed.test_ratings.size),
        n_warm=n_warm,
        cold_users=indexed.cold_users,
        cold_items=indexed.cold_items,
        n_users_evaluated=int(targets.users.size),
    )


def _score_model(
    name: str,
    model: Recommender,
    targets: EvaluationTargets,
    k: int,
    fit_seconds: float,
    recs_out: IO[str] | None,
    preds_out: IO[str] | None,
) -> ModelResult:
    error = None
    if model.predicts_ratings:
        predictions = warm_predictions(model, targets)
        error = rmse(targets.split.test_ratings[targets.warm], predictions)
        if preds_out is not None:
            _dump_predictions(preds_out, name, targets, predictions)
    ranking: dict[str, float] = {}
    if ranks_items(name):
        recommended, excluded = rank_candidates(model, targets, k)
        ranking = ranking_metrics(
            recommended, targets.relevant_rows, targets.relevant_items, k
        ).mean()
        if recs_out is not None:
            _dump_recs(recs_out, name, targets, recommended, excluded)
    return ModelResult(
        model=name,
        rmse=error,
        precision=ranking.get("precision"),
        recall=ranking.get("recall"),
        ndcg=ranking.get("ndcg"),
        fit_seconds=fit_seconds,
        params=model.config.model_dump(mode="json"),
    )


def warm_predictions(model: Recommender, targets: EvaluationTargets) -> npt.NDArray[np.float64]:
    """The model's predictions for the warm test rows, in test-row order."""
    users = targets.split.test_users[targets.warm]
    items = targets.split.test_items[targets.warm]
    chunks = [
        model.predict(users[start : start + _PREDICT_CHUNK], items[start : start + _PREDICT_CHUNK])
        for start in range(0, users.size, _PREDICT_CHUNK)
    ]
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float64)


def batch_size(n_items: int) -> int:
    """Users per scoring batch so one batch's working memory stays under BATCH_BYTES."""
    return max(1, BATCH_BYTES // (_BYTES_PER_CELL * max(n_items, 1)))


def rank_candidates(
    model: Recommender, targets: EvaluationTargets, k: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Top-K item indices per evaluated user, train items excluded.

    Returns the ``(n_users, min(k, n_items))`` ranking and a same-shape mask of slots holding
    an excluded item (only when a user has fewer than K candidates).
    """
    train = targets.split.train
    users = targets.users
    width = min(k, train.shape[1])
    recommended = np.zeros((users.size, width), dtype=np.int64)
    excluded = np.zeros((users.size, width), dtype=bool)
    step = batch_size(train.shape[1])
    for start in range(0, users.size, step):
        batch = users[start : start + step]
        scores = model.score(batch)  # a fresh writable float32 block
        top = masked_top_k(scores, k, exclude=train[batch])
        recommended[start : start + batch.size] = top.indices
        excluded[start : start + batch.size] = ~top.valid
    return recommended, excluded


# ---------------------------------------------------------------------------- dumps


def _dump_recs(
    out: IO[str],
    name: str,
    targets: EvaluationTargets,
    recommended: npt.NDArray[np.int64],
    excluded: npt.NDArray[np.bool_],
) -> None:
    split = targets.split
    raw_users = split.users.raw(targets.users).tolist()
    raw_items = split.items.raw(recommended).tolist()
    keep = (~excluded).tolist()
    model = json.dumps(name)
    for user, items, kept in zip(raw_users, raw_items, keep, strict=True):
        ranked = [item for item, ok in zip(items, kept, strict=True) if ok]
        out.write(f'{{"model": {model}, "user": {user}, "items": {json.dumps(ranked)}}}\n')


def _dump_predictions(
    out: IO[str],
    name: str,
    targets: EvaluationTargets,
    predictions: npt.NDArray[np.float64],
) -> None:
    split = targets.split
    users = split.users.raw(split.test_users[targets.warm]).tolist()
    items = split.items.raw(split.test_items[targets.warm]).tolist()
    model = json.dumps(name)
    out.writelines(
        f'{{"model": {model}, "user": {u}, "item": {i}, "prediction": {p!r}}}\n'
        for u, i, p in zip(users, items, predictions.astype(np.float64).tolist(), strict=True)
    )


# ---------------------------------------------------------------------------- output


def report_json(report: EvaluationReport) -> list[dict[str, object]]:
    """One dict per model: model, rmse, precision@K, recall@K, ndcg@K, fit_seconds."""
    k = report.k
    return [
        {
            "model": r.model,
            "rmse": r.rmse,
            f"precision@{k}": r.precision,
            f"recall@{k}": r.recall,
            f"ndcg@{k}": r.ndcg,
            "fit_seconds": r.fit_seconds,
        }
        for r in report.results
    ]


def format_table(report: EvaluationReport) -> str:
    """A markdown table (as in the seed) plus one line of split sizes."""
    k = report.k
    header = ["model", "RMSE", f"P@{k}", f"R@{k}", f"NDCG@{k}", "fit s"]
    rows = [
        [
            r.model,
            _number(r.rmse),
            _number(r.precision),
            _number(r.recall),
            _number(r.ndcg),
            f"{r.fit_seconds:.2f}",
        ]
        for r in report.results
    ]
    widths = [max(len(line[c]) for line in [header, *rows]) for c in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [
            cell.ljust(width) if c == 0 else cell.rjust(width)
            for c, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 1) + (":" if c else "-") for c, w in enumerate(widths)) + "|"
    footer = (
        f"split {report.split}: {report.n_train:,} train / {report.n_test:,} test ratings "
        f"({report.n_warm:,} warm; cold rows: {report.cold_users:,} new user, "
        f"{report.cold_items:,} new item); {report.n_users_evaluated:,} users evaluated at K={k}"
    )
    return "\n".join([line(header), rule, *(line(row) for row in rows), "", footer])


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _summary(result: ModelResult, k: int) -> str:
    parts = [f"{result.model}: fit {result.fit_seconds:.2f} s"]
    if result.rmse is not None:
        parts.append(f"RMSE {result.rmse:.4f}")
    if result.ndcg is not None:
        parts.append(f"P@{k} {result.precision:.4f} NDCG@{k} {result.ndcg:.4f}")
    return ", ".join(parts)


def _item_text(indexed: IndexedSplit, movies: pd.DataFrame | None) -> list[str]:
    """One document per train item index (empty text where the catalog lacks the movie)."""
    if movies is None:
        raise ModelError("a model needs item text (titles, genres) but no catalog was given")
    from recommender.models.content import item_documents

    return item_documents(movies, indexed.items)
