"""Slow, dense, readable reference implementations the fast models are tested against.

For tiny data only: each builds full dense matrices and loops in Python.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recommender.models.knn import KNNConfig
from recommender.models.rp3beta import _popularity_penalty

__all__ = ["knn_reference", "rp3beta_dense"]


def knn_reference(
    ratings: npt.ArrayLike,
    user_based: bool,
    config: KNNConfig,
    users: npt.ArrayLike,
    items: npt.ArrayLike,
) -> npt.NDArray[np.float64]:
    """Slow, dense, readable version of the whole model for known (user, item) pairs.

    ``ratings`` is a dense users x items array with 0 for "not rated".  For tests on tiny data
    only: it builds the full similarity matrix.
    """
    r = np.asarray(ratings, dtype=np.float64)
    rated = r > 0
    n_rated = rated.sum(axis=1)
    mu = r[rated].mean()
    means = np.where(n_rated > 0, r.sum(axis=1) / np.maximum(n_rated, 1), mu)
    centered = np.where(rated, r - means[:, None], 0.0)

    vectors, pattern = (centered, rated) if user_based else (centered.T, rated.T)
    norms = np.linalg.norm(vectors, axis=1)
    unit = vectors / np.where(norms > 0, norms, 1.0)[:, None]
    similarity = unit @ unit.T
    co_ratings = pattern.astype(np.float64) @ pattern.T.astype(np.float64)
    similarity[co_ratings < config.min_support] = 0.0
    if config.shrinkage > 0:
        similarity *= co_ratings / (co_ratings + config.shrinkage)
    np.fill_diagonal(similarity, 0.0)

    neighbours = []  # per row: neighbour indices, most similar first
    for row in similarity:
        order = np.lexsort((np.arange(row.size), -row))
        best = order[: config.max_neighbors]
        neighbours.append(best[row[best] > config.min_similarity])

    predictions = []
    for u, i in zip(np.asarray(users), np.asarray(items), strict=True):
        if user_based:  # neighbours of u who rated i; their centred rating of i
            candidates = [(similarity[u, v], centered[v, i]) for v in neighbours[u] if rated[v, i]]
        else:  # neighbours of i that u rated; u's centred rating of them
            candidates = [(similarity[i, j], centered[u, j]) for j in neighbours[i] if rated[u, j]]
        weights = np.array([s for s, _ in candidates[: config.k]])
        deviations = np.array([d for _, d in candidates[: config.k]])
        denominator = np.abs(weights).sum()
        offset = (weights * deviations).sum() / denominator if denominator > 0 else 0.0
        predictions.append(means[u] + offset)
    return np.clip(np.array(predictions), r[rated].min(), r[rated].max())


def rp3beta_dense(
    interactions: npt.NDArray[np.floating], alpha: float, beta: float, neighbors: int
) -> npt.NDArray[np.float64]:
    """Readable dense reference of ``rp3beta_similarity`` (for tests on tiny data)."""
    x = np.asarray(interactions, dtype=np.float64)
    user_sums = x.sum(axis=1, keepdims=True)
    item_sums = x.sum(axis=0, keepdims=True)
    p_ui = np.divide(x, user_sums, out=np.zeros_like(x), where=user_sums > 0)
    p_iu = np.divide(x, item_sums, out=np.zeros_like(x), where=item_sums > 0).T
    # the power applies to edges only: 0 ** 0 would turn missing edges into probability 1
    p_ui = np.where(p_ui > 0, p_ui**alpha, 0.0)
    p_iu = np.where(p_iu > 0, p_iu**alpha, 0.0)
    popularity = (x > 0).sum(axis=0).astype(np.float64)
    w = (p_iu @ p_ui) * _popularity_penalty(popularity, beta)[np.newaxis, :]
    np.fill_diagonal(w, 0.0)
    for row in w:  # keep each row's `neighbors` largest entries
        if neighbors < row.size:
            row[np.argsort(-row, kind="stable")[neighbors:]] = 0.0
    return w
