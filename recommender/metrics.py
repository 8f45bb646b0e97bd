"""Offline metrics, vectorized over users: RMSE, Precision@K, Recall@K, NDCG@K.

Ranking metrics take the top-K item indices per user and the set of relevant held-out items.
NDCG uses binary gains and the standard ideal DCG: the first ``min(|relevant|, K)`` positions
all relevant.  (The seed derives the ideal from the ranked list itself, which can only raise
the score; on its worked example [1, 0, 1] with two relevant items both give 0.920.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = [
    "RankingMetrics",
    "TopK",
    "dcg",
    "masked_top_k",
    "ndcg_at_k",
    "ranking_metrics",
    "rmse",
    "top_k",
]


def rmse(truth: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Root mean squared error; NaN for no rows."""
    t = np.asarray(truth, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    if t.size == 0:
        return float("nan")
    return float(np.sqrt(np.mean((t - p) ** 2)))


def _discounts(k: int) -> npt.NDArray[np.float64]:
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))  # 1 / log2(p + 1), p = 1..K


def dcg(gains: npt.ArrayLike) -> float:
    """Discounted cumulative gain of one ranked list of binary or graded gains."""
    g = np.asarray(gains, dtype=np.float64)
    return float(((2.0**g - 1.0) * _discounts(g.size)).sum())


def ndcg_at_k(ranked_relevance: npt.ArrayLike, k: int, n_relevant: int | None = None) -> float:
    """NDCG@K of one list of binary relevance flags.

    ``n_relevant`` is how many relevant items exist in all (defaults to those in the list).
    """
    rel = np.asarray(ranked_relevance, dtype=np.float64)[:k]
    total = int(rel.sum()) if n_relevant is None else n_relevant
    ideal = min(total, k)
    if ideal == 0:
        return 0.0
    return float((rel * _discounts(rel.size)).sum() / _discounts(k)[:ideal].sum())


def top_k(scores: npt.NDArray[np.floating], k: int) -> npt.NDArray[np.int64]:
    """Column indices of the ``k`` highest scores per row, best first.

    Ties break toward the lower index, so results are deterministic.  ``-inf`` marks excluded
    items; rows with fewer than ``k`` finite scores still return ``k`` columns (callers that
    care check the scores).
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if k == 0:
        return np.zeros((n_rows, 0), dtype=np.int64)
    if k < n_cols:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        _lowest_ties_at_the_cut(scores, part)
    else:
        part = np.tile(np.arange(n_cols), (n_rows, 1))
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -part_scores), axis=1)
    return np.take_along_axis(part, order, axis=1).astype(np.int64)


def _lowest_ties_at_the_cut(scores: npt.NDArray[np.floating], part: npt.NDArray[np.intp]) -> None:
    """Make ``part`` (each row's k best, as argpartition chose them) take the lowest indices
    among the items tied with the k-th score: argpartition picks tied items arbitrarily, so
    a top-k and a longer top-k of the same scores could disagree on their common head."""
    k = part.shape[1]
    cut = np.take_along_axis(scores, part, axis=1).min(axis=1, keepdims=True)
    above = scores > cut
    tied = scores == cut
    n_tied_in = k - above.sum(axis=1)
    straddle = np.flatnonzero(tied.sum(axis=1) > n_tied_in)  # more ties than slots left
    if straddle.size:
        tied_rank = np.cumsum(tied[straddle], axis=1)
        take = above[straddle] | (tied[straddle] & (tied_rank <= n_tied_in[straddle, None]))
        part[straddle] = np.nonzero(take)[1].reshape(straddle.size, k)


@dataclass(frozen=True)
class TopK:
    """The best ``k`` allowed items per row (``masked_top_k``).

    ``indices`` is ``(n_rows, min(k, n_items))``, best first; ``valid`` marks the slots that
    hold an allowed item (a row with fewer than ``k`` allowed items has its tail invalid);
    ``available`` counts each row's allowed items, so ``min(k, available)`` slots are valid.
    """

    indices: npt.NDArray[np.int64]
    valid: npt.NDArray[np.bool_]
    available: npt.NDArray[np.int64]


def masked_top_k(
    scores: npt.NDArray[np.floating],
    k: int,
    *,
    keep: npt.NDArray[np.bool_] | None = None,
    exclude: sp.csr_matrix | None = None,
) -> TopK:
    """Mask, then take the top ``k`` per row: THE masking + top-k step of serving, evaluation
    and the tools, so k items come back whenever k are allowed.

    An item is allowed in a row when its score is finite (NaN and -inf count as masked),
    ``keep`` holds for it (bool per item, or per row and item) and ``exclude`` (a CSR with
    the rows' shape; a stored entry excludes that item from that row, e.g. items rated in
    train) does not list it.  ``scores`` is modified in place: masked cells become -inf.
    """
    if k < 0:
        raise ValueError(f"k must not be negative, got {k}")
    scores[np.isnan(scores)] = -np.inf
    if keep is not None:
        if keep.ndim == 1:
            scores[:, ~keep] = -np.inf
        else:
            scores[~keep] = -np.inf
    if exclude is not None:
        if exclude.shape != scores.shape:
            raise ValueError(f"exclude is {exclude.shape}, the scores {scores.shape}")
        rows = np.repeat(np.arange(exclude.shape[0]), np.diff(exclude.indptr))
        scores[rows, exclude.indices] = -np.inf
    available = np.isfinite(scores).sum(axis=1).astype(np.int64)
    indices = top_k(scores, k)
    valid = np.isfinite(np.take_along_axis(scores, indices, axis=1))
    return TopK(indices=indices, valid=valid, available=available)


@dataclass(frozen=True)
class RankingMetrics:
    """Per-user metric arrays; ``.mean()`` gives the reported numbers."""

    precision: npt.NDArray[np.float64]
    recall: npt.NDArray[np.float64]
    ndcg: npt.NDArray[np.float64]

    def mean(self) -> dict[str, float]:
        if self.precision.size == 0:
            return {"precision": float("nan"), "recall": float("nan"), "ndcg": float("nan")}
        return {
            "precision": float(self.precision.mean()),
            "recall": float(self.recall.mean()),
            "ndcg": float(self.ndcg.mean()),
        }


def ranking_metrics(
    recommended: npt.NDArray[np.int64],
    relevant_rows: npt.NDArray[np.int64],
    relevant_items: npt.NDArray[np.int64],
    k: int,
) -> RankingMetrics:
    """Precision, recall and NDCG at ``k`` for each row of ``recommended``.

    ``recommended`` is ``(n, k)`` item indices, best first.  The relevant set is given as
    pairs (``relevant_rows[j]``, ``relevant_items[j]``) with rows in ``0..n-1``; every row must
    have at least one relevant item.  Precision divides by ``k`` (the seed's convention), even
    when fewer than ``k`` candidates exist.
    """
    n = recommended.shape[0]
    n_cols = int(max(recommended.max(initial=0), relevant_items.max(initial=0))) + 1
    rec_keys = np.arange(n, dtype=np.int64)[:, None] * n_cols + recommended[:, :k]
    rel_keys = relevant_rows.astype(np.int64) * n_cols + relevant_items.astype(np.int64)
    hits = np.isin(rec_keys, rel_keys).astype(np.float64)
    n_relevant = np.bincount(relevant_rows, minlength=n).astype(np.float64)
    if np.any(n_relevant == 0):
        raise ValueError("every evaluated user needs at least one relevant item")
    discounts = _discounts(k)
    dcg_values = (hits * discounts[: hits.shape[1]]).sum(axis=1)
    ideal_positions = np.minimum(n_relevant, k).astype(np.int64)
    idcg = np.cumsum(discounts)[ideal_positions - 1]
    n_hits = hits.sum(axis=1)
    return RankingMetrics(precision=n_hits / k, recall=n_hits / n_relevant, ndcg=dcg_values / idcg)
