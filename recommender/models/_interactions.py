"""Helpers the ranking models share: the weighted interaction matrix they learn from (and the
two config fields that define it), the popularity fallback for unknown users, and CSR matrices
as named state arrays."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field

from recommender.models.base import IndexArray, ModelConfig, State

__all__ = [
    "PreferenceConfig",
    "csr_from_state",
    "csr_state",
    "preference_matrix",
    "scores_with_fallback",
]


class PreferenceConfig(ModelConfig):
    """Config base of the models that learn from ``preference_matrix`` (EASE, iALS, RP3beta)."""

    like_threshold: float = Field(
        4.0, ge=0.0, description="Ratings at or above this count as liked (weight 1)."
    )
    dislike_weight: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="Weight of an interaction rated below like_threshold (1 = binary).",
    )


def preference_matrix(
    train: sp.csr_matrix, like_threshold: float, dislike_weight: float
) -> sp.csr_matrix:
    """The interaction matrix ranking models learn from: 1 for liked, ``dislike_weight`` else.

    Same sparsity pattern as ``train`` (zeros dropped when ``dislike_weight`` is 0).
    """
    weights = np.where(train.data >= like_threshold, 1.0, dislike_weight).astype(np.float32)
    matrix = sp.csr_matrix((weights, train.indices, train.indptr), shape=train.shape, copy=True)
    matrix.eliminate_zeros()
    return matrix


def scores_with_fallback(
    users: IndexArray,
    item_count: npt.NDArray[np.int64],
    personal: Callable[[IndexArray], npt.NDArray[np.floating]],
) -> npt.NDArray[np.float32]:
    """A batch of scores: ``personal(known users)`` rows, and for unknown users (-1) the item
    interaction counts, the non-personal ranking."""
    known = users >= 0
    if known.all():
        return np.asarray(personal(users), dtype=np.float32)
    scores = np.empty((users.size, item_count.size), dtype=np.float32)
    scores[~known] = item_count
    if known.any():
        scores[known] = personal(users[known])
    return scores


def csr_state(prefix: str, matrix: sp.csr_matrix) -> State:
    """A CSR matrix as named numeric arrays (for get_state)."""
    return {
        f"{prefix}_data": matrix.data,
        f"{prefix}_indices": matrix.indices,
        f"{prefix}_indptr": matrix.indptr,
        f"{prefix}_shape": np.asarray(matrix.shape, dtype=np.int64),
    }


def csr_from_state(prefix: str, state: Mapping[str, npt.NDArray[np.generic]]) -> sp.csr_matrix:
    """The inverse of ``csr_state``."""
    n_rows, n_cols = (int(n) for n in state[f"{prefix}_shape"])
    return sp.csr_matrix(
        (
            np.asarray(state[f"{prefix}_data"], dtype=np.float32),
            np.asarray(state[f"{prefix}_indices"], dtype=np.int32),
            np.asarray(state[f"{prefix}_indptr"], dtype=np.int64),
        ),
        shape=(n_rows, n_cols),
    )
