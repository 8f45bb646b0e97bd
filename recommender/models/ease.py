"""EASE: a closed-form linear item-item model for top-N ranking (Steck, WWW 2019).

EASE learns a dense item x item weight matrix ``B`` that reconstructs each user's interaction
row from the user's other items, with an L2 penalty and a zero diagonal (an item may not
explain itself).  The constrained least-squares problem has a closed form::

    P = (XᵀX + λI)⁻¹
    B = I − P · diag(1 / diag(P))        (so B_ij = −P_ij / P_jj, and diag(B) = 0)

and a user's scores are ``x_u @ B``.

``X`` is not the raw star matrix: an interaction counts 1 when the rating shows the user liked
the item (>= ``like_threshold``) and ``dislike_weight`` when it did not.  A low rating still says
"this user watches movies like this", just less strongly; on ML-100K's temporal validation split
down-weighting them beats both binary and raw-rating inputs.  ``dislike_weight = 1`` is the
paper's binary EASE.

``B`` is dense, so cost grows with the square (memory) and cube (time) of the catalog.  It is
fitted on the ``max_items`` most-interacted items only (the *head*): B's rows and columns for
the long tail, items with too few interactions for their weights to say much, are zero, so a
tail item scores 0 (the score of an item nothing in the history points to) and a tail item in
someone's history does not feed the head's scores.  On MovieLens the head holds the ranking
quality (BENCHMARKS.md compares head sizes).  ``P`` is inverted through a float32 Cholesky
factorisation (LAPACK ``potrf``/``potri``: XᵀX + λI is symmetric positive definite), a third
of LU inversion's work.  ``check_size`` refuses heads whose Gram matrix and inverse workspace
would not fit in ``memory_limit_gb``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field
from scipy.linalg import lapack

from recommender.errors import ModelError, ModelTooLargeError
from recommender.models._interactions import (
    PreferenceConfig,
    csr_from_state,
    csr_state,
    preference_matrix,
    scores_with_fallback,
)
from recommender.models.base import IndexArray, ModelConfig, ProgressFn, Recommender, State

__all__ = ["EASE", "EASEConfig", "ease_weights", "head_items"]

#: Dense float32 head x head matrices alive at once while fitting: the Gram matrix / its
#: inverse, and the triangle copies made while symmetrising.
_WORKSPACE_COPIES = 3
_WORKSPACE_BYTES = 4
#: Dense cells per block of users while summing XᵀX (8M float32 cells = 32 MB).
_GRAM_BLOCK_CELLS = 1 << 23


class EASEConfig(PreferenceConfig):
    l2: float = Field(
        200.0, gt=0.0, description="λ, the L2 penalty on B (larger = smoother, more popular)."
    )
    max_items: int = Field(
        2000,
        ge=1,
        description="B covers at most this many most-interacted items; the rest score 0.",
    )
    memory_limit_gb: float = Field(
        4.0, gt=0.0, description="Refuse to fit when the dense workspace would exceed this."
    )


def ease_weights(interactions: sp.csr_matrix, l2: float) -> npt.NDArray[np.float32]:
    """The EASE item x item matrix B for a users x items interaction matrix (dense)."""
    if interactions.shape[1] == 0:  # nothing interacted with (tiny data): LAPACK refuses n=0
        return np.zeros((0, 0), dtype=np.float32)
    gram = _gram(interactions)
    gram[np.diag_indices_from(gram)] += l2
    factor, info = lapack.spotrf(gram, lower=False, overwrite_a=True, clean=False)
    if info == 0:
        inverse, info = lapack.spotri(factor, lower=False, overwrite_c=True)
    if info != 0:  # cannot happen for λ > 0 (XᵀX + λI is positive definite) short of NaNs
        raise ModelError(f"ease: the Gram matrix is not positive definite (LAPACK info {info})")
    del gram, factor
    inverse = np.triu(inverse)  # potri fills the upper triangle only
    inverse += np.triu(inverse, 1).T
    diagonal = np.diag(inverse).copy()
    inverse /= -diagonal[np.newaxis, :]  # B_ij = -P_ij / P_jj, in place
    np.fill_diagonal(inverse, 0.0)
    return np.ascontiguousarray(inverse, dtype=np.float32)


def _gram(interactions: sp.csr_matrix) -> npt.NDArray[np.float32]:
    """XᵀX (dense float32), summed over dense blocks of users: BLAS syrk on a dense block is
    several times faster than a sparse product with a near-dense result."""
    n_users, n_items = interactions.shape
    gram = np.zeros((n_items, n_items), dtype=np.float32)
    step = max(1, _GRAM_BLOCK_CELLS // max(n_items, 1))
    for start in range(0, n_users, step):
        block = interactions[start : start + step].toarray().astype(np.float32, copy=False)
        gram += block.T @ block
    return gram


def head_items(item_count: npt.NDArray[np.int64], max_items: int) -> IndexArray:
    """The ``max_items`` most-interacted items that have any interaction, in index order
    (ties: lower index first)."""
    order = np.argsort(-item_count, kind="stable")[:max_items]
    return np.sort(order[item_count[order] > 0]).astype(np.int64)


class EASE(Recommender):
    """Embarrassingly shallow autoencoder: scores = (weighted history) @ B."""

    name = "ease"
    config_type = EASEConfig
    predicts_ratings = False
    config: EASEConfig
    tuning_grid: ClassVar[Mapping[str, tuple[float, ...]]] = {
        "l2": (50.0, 100.0, 200.0, 400.0, 800.0),
        "dislike_weight": (0.0, 0.2, 0.5, 1.0),
    }

    def __init__(self, config: EASEConfig | None = None) -> None:
        super().__init__(config)
        self.weights = np.zeros((0, 0), dtype=np.float32)
        self.head = np.zeros(0, dtype=np.int64)
        self.history = sp.csr_matrix((0, 0), dtype=np.float32)
        self.item_count = np.zeros(0, dtype=np.int64)

    @classmethod
    def check_size(cls, config: ModelConfig, n_users: int, n_items: int, nnz: int) -> None:
        assert isinstance(config, EASEConfig)
        head = min(n_items, config.max_items)
        needed = _WORKSPACE_COPIES * _WORKSPACE_BYTES * head**2
        limit = config.memory_limit_gb * 1e9
        if needed > limit:
            raise ModelTooLargeError(
                f"ease needs a dense {head:,} x {head:,} item matrix: about "
                f"{needed / 1e9:,.1f} GB to fit, over the {config.memory_limit_gb:g} GB limit "
                "(lower max_items, use rp3beta or ials, or raise memory_limit_gb)"
            )

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        cfg = self.config
        self.history = preference_matrix(train, cfg.like_threshold, cfg.dislike_weight)
        self.item_count = np.bincount(train.indices, minlength=self.n_items).astype(np.int64)
        self.head = head_items(self.item_count, cfg.max_items)
        self.weights = ease_weights(sp.csr_matrix(self.history[:, self.head]), cfg.l2)
        if progress is not None:
            progress(1, 1, {})

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return scores_with_fallback(
            users, self.item_count, lambda known: self._scores_of(self.history[known])
        )

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        cfg = self.config
        return self._scores_of(preference_matrix(ratings, cfg.like_threshold, cfg.dislike_weight))

    def _scores_of(self, history: sp.csr_matrix) -> npt.NDArray[np.float32]:
        """history @ B, where B's rows and columns outside the head are zero."""
        head_scores = np.asarray(history[:, self.head] @ self.weights, dtype=np.float32)
        if self.head.size == self.n_items:  # everything is head (ML-100K)
            return head_scores
        scores = np.zeros((history.shape[0], self.n_items), dtype=np.float32)
        scores[:, self.head] = head_scores
        return scores

    def get_state(self) -> State:
        return {
            "weights": self.weights,
            "head": self.head,
            "item_count": self.item_count,
            **csr_state("history", self.history),
        }

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        self.weights = np.asarray(state["weights"], dtype=np.float32)
        self.item_count = np.asarray(state["item_count"], dtype=np.int64)
        self.history = csr_from_state("history", state)
        self.n_users, self.n_items = self.history.shape
        self.head = np.asarray(state["head"], dtype=np.int64)
        if self.weights.shape != (self.head.size, self.head.size):
            raise ValueError(
                f"ease: weights {self.weights.shape} do not fit {self.head.size} head items"
            )
