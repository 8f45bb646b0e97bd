"""Numba kernels for neighbourhood prediction (user-CF and item-CF).

The matrices arrive as raw CSR arrays:

* ratings: ``r_indptr, r_indices`` (users x items, column indices sorted per row) and
  ``r_centered`` (each rating minus its user's mean);
* neighbours: ``nb_indptr, nb_indices, nb_sims``, each row sorted by similarity, highest first,
  similarities all positive.

Every kernel walks a neighbour row in similarity order and keeps the first ``k`` neighbours that
have the needed rating, so the result is the seed's "k most similar among those who rated" limited
to the stored top-M neighbours.  A pair with no usable neighbour gets ``mean_u`` (offset 0).

``*_score_users`` return float32 blocks (the dtype ``score`` hands out; sums are float64).
The readable dense reference these kernels are tested against is ``knn_reference`` in
``tests/recommender/models/references.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["item_predict_pairs", "item_score_users", "user_predict_pairs", "user_score_users"]


@njit(cache=True)
def _find(indices: np.ndarray, start: int, stop: int, target: int) -> int:
    """Position of ``target`` in the sorted ``indices[start:stop]``, or -1."""
    lo, hi = start, stop
    while lo < hi:
        mid = (lo + hi) // 2
        if indices[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    if lo < stop and indices[lo] == target:
        return lo
    return -1


@njit(cache=True, parallel=True)
def user_predict_pairs(
    users: np.ndarray,
    items: np.ndarray,
    r_indptr: np.ndarray,
    r_indices: np.ndarray,
    r_centered: np.ndarray,
    nb_indptr: np.ndarray,
    nb_indices: np.ndarray,
    nb_sims: np.ndarray,
    user_mean: np.ndarray,
    k: int,
) -> np.ndarray:
    """mean_u + Σ s(u,v)(r_vi − mean_v) / Σ s(u,v) over the first k neighbours v who rated i."""
    out = np.empty(users.size, dtype=np.float64)
    for p in prange(users.size):
        u, i = users[p], items[p]
        numerator, denominator, used = 0.0, 0.0, 0
        for q in range(nb_indptr[u], nb_indptr[u + 1]):
            v = nb_indices[q]
            at = _find(r_indices, r_indptr[v], r_indptr[v + 1], i)
            if at >= 0:
                numerator += nb_sims[q] * r_centered[at]
                denominator += nb_sims[q]
                used += 1
                if used == k:
                    break
        out[p] = user_mean[u] + (numerator / denominator if denominator > 0.0 else 0.0)
    return out


@njit(cache=True, parallel=True)
def user_score_users(
    users: np.ndarray,
    n_items: int,
    r_indptr: np.ndarray,
    r_indices: np.ndarray,
    r_centered: np.ndarray,
    nb_indptr: np.ndarray,
    nb_indices: np.ndarray,
    nb_sims: np.ndarray,
    user_mean: np.ndarray,
    k: int,
) -> np.ndarray:
    """User-CF predictions for every item, one row per user.

    Walking u's neighbours in similarity order and adding each neighbour's ratings to items that
    have fewer than k contributions so far gives every item exactly its first k raters among the
    neighbours, at a cost of Σ_v |ratings of v| instead of n_items x M lookups.
    """
    out = np.empty((users.size, n_items), dtype=np.float32)
    for row in prange(users.size):
        u = users[row]
        numerator = np.zeros(n_items, dtype=np.float64)
        denominator = np.zeros(n_items, dtype=np.float64)
        used = np.zeros(n_items, dtype=np.int32)
        for q in range(nb_indptr[u], nb_indptr[u + 1]):
            v, s = nb_indices[q], nb_sims[q]
            for at in range(r_indptr[v], r_indptr[v + 1]):
                i = r_indices[at]
                if used[i] < k:
                    numerator[i] += s * r_centered[at]
                    denominator[i] += s
                    used[i] += 1
        for i in range(n_items):
            offset = numerator[i] / denominator[i] if denominator[i] > 0.0 else 0.0
            out[row, i] = user_mean[u] + offset
    return out


@njit(cache=True, parallel=True)
def item_predict_pairs(
    users: np.ndarray,
    items: np.ndarray,
    r_indptr: np.ndarray,
    r_indices: np.ndarray,
    r_centered: np.ndarray,
    nb_indptr: np.ndarray,
    nb_indices: np.ndarray,
    nb_sims: np.ndarray,
    user_mean: np.ndarray,
    k: int,
) -> np.ndarray:
    """mean_u + Σ s(i,j)(r_uj − mean_u) / Σ s(i,j) over the first k neighbours j that u rated."""
    out = np.empty(users.size, dtype=np.float64)
    for p in prange(users.size):
        u, i = users[p], items[p]
        numerator, denominator, used = 0.0, 0.0, 0
        for q in range(nb_indptr[i], nb_indptr[i + 1]):
            at = _find(r_indices, r_indptr[u], r_indptr[u + 1], nb_indices[q])
            if at >= 0:
                numerator += nb_sims[q] * r_centered[at]
                denominator += nb_sims[q]
                used += 1
                if used == k:
                    break
        out[p] = user_mean[u] + (numerator / denominator if denominator > 0.0 else 0.0)
    return out


@njit(cache=True, parallel=True)
def item_score_users(
    users: np.ndarray,
    n_items: int,
    r_indptr: np.ndarray,
    r_indices: np.ndarray,
    r_centered: np.ndarray,
    nb_indptr: np.ndarray,
    nb_indices: np.ndarray,
    nb_sims: np.ndarray,
    inv_indptr: np.ndarray,
    inv_items: np.ndarray,
    inv_sims: np.ndarray,
    user_mean: np.ndarray,
    k: int,
) -> np.ndarray:
    """Item-CF predictions for every item, one row per user.

    Walking every item's neighbour list would cost n_items x M per user (24M steps at 60K items).
    Instead start from the items j the user rated and follow the inverted graph (the neighbour
    CSR grouped by column: row j lists the items i that have j as a neighbour, with s(i,j)).
    An item reached at most k times uses all of those neighbours, which is exactly "the first k
    in similarity order"; only items reached more than k times walk their own row, and that
    walk stops after k hits.  Cost: about |ratings of u| x M sequential reads per user.
    """
    out = np.empty((users.size, n_items), dtype=np.float32)
    for row in prange(users.size):
        u = users[row]
        rated = np.zeros(n_items, dtype=np.bool_)
        centered = np.zeros(n_items, dtype=np.float64)
        reached = np.zeros(n_items, dtype=np.int32)
        for at in range(r_indptr[u], r_indptr[u + 1]):
            j = r_indices[at]
            rated[j] = True
            centered[j] = r_centered[at]
            for t in range(inv_indptr[j], inv_indptr[j + 1]):
                reached[inv_items[t]] += 1
        numerator = np.zeros(n_items, dtype=np.float64)
        denominator = np.zeros(n_items, dtype=np.float64)
        for at in range(r_indptr[u], r_indptr[u + 1]):
            j = r_indices[at]
            for t in range(inv_indptr[j], inv_indptr[j + 1]):
                i = inv_items[t]
                if reached[i] <= k:
                    numerator[i] += inv_sims[t] * r_centered[at]
                    denominator[i] += inv_sims[t]
        for i in range(n_items):
            if reached[i] > k:  # more than k candidates: the k most similar, by walking row i
                used = 0
                for q in range(nb_indptr[i], nb_indptr[i + 1]):
                    j = nb_indices[q]
                    if rated[j]:
                        numerator[i] += nb_sims[q] * centered[j]
                        denominator[i] += nb_sims[q]
                        used += 1
                        if used == k:
                            break
            offset = numerator[i] / denominator[i] if denominator[i] > 0.0 else 0.0
            out[row, i] = user_mean[u] + offset
    return out
