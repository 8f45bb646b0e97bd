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

``B`` is dense, so memory grows with the square of the catalog: ``check_size`` refuses catalogs
whose Gram matrix and inverse workspace would not fit in ``memory_limit_gb``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field

from recommender.errors import ModelTooLargeError
from recommender.models._interactions import (
    csr_from_state,
    csr_state,
    preference_matrix,
    scores_with_fallback,
)
from recommender.models.base import IndexArray, ModelConfig, ProgressFn, Recommender, State

__all__ = ["EASE", "EASEConfig", "ease_weights"]

#: Dense float64 matrices alive at once while fitting: the Gram matrix / its inverse, and the
#: temporary LAPACK and scaling workspace.
_WORKSPACE_COPIES = 3


class EASEConfig(ModelConfig):
    l2: float = Field(
        200.0, gt=0.0, description="λ, the L2 penalty on B (larger = smoother, more popular)."
    )
    like_threshold: float = Field(
        4.0, ge=0.0, description="Ratings at or above this count as liked (weight 1)."
    )
    dislike_weight: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="Weight of an interaction rated below like_threshold (1 = binary EASE).",
    )
    memory_limit_gb: float = Field(
        4.0, gt=0.0, description="Refuse to fit when the dense workspace would exceed this."
    )


def ease_weights(interactions: sp.csr_matrix, l2: float) -> npt.NDArray[np.float32]:
    """The EASE item x item matrix B for a users x items interaction matrix (dense)."""
    gram = (interactions.T @ interactions).astype(np.float64).toarray()
    gram[np.diag_indices_from(gram)] += l2
    inverse = np.linalg.inv(gram)
    del gram
    diagonal = np.diag(inverse).copy()
    inverse /= -diagonal[np.newaxis, :]  # B_ij = -P_ij / P_jj, in place
    np.fill_diagonal(inverse, 0.0)
    return inverse.astype(np.float32)


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
        self.history = sp.csr_matrix((0, 0), dtype=np.float32)
        self.item_count = np.zeros(0, dtype=np.int64)

    @classmethod
    def check_size(cls, config: ModelConfig, n_users: int, n_items: int, nnz: int) -> None:
        assert isinstance(config, EASEConfig)
        needed = _WORKSPACE_COPIES * 8 * n_items**2
        limit = config.memory_limit_gb * 1e9
        if needed > limit:
            raise ModelTooLargeError(
                f"ease needs a dense {n_items:,} x {n_items:,} item matrix: about "
                f"{needed / 1e9:,.1f} GB to fit, over the {config.memory_limit_gb:g} GB limit "
                "(use rp3beta or ials for large catalogs, or raise memory_limit_gb)"
            )

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        cfg = self.config
        self.history = preference_matrix(train, cfg.like_threshold, cfg.dislike_weight)
        self.item_count = np.bincount(train.indices, minlength=self.n_items).astype(np.int64)
        self.weights = ease_weights(self.history, cfg.l2)
        if progress is not None:
            progress(1, 1, {})

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return scores_with_fallback(
            users, self.item_count, lambda known: self.history[known] @ self.weights
        )

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        cfg = self.config
        return np.asarray(
            preference_matrix(ratings, cfg.like_threshold, cfg.dislike_weight) @ self.weights
        )

    def get_state(self) -> State:
        return {
            "weights": self.weights,
            "item_count": self.item_count,
            **csr_state("history", self.history),
        }

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        self.weights = np.asarray(state["weights"], dtype=np.float32)
        self.item_count = np.asarray(state["item_count"], dtype=np.int64)
        self.history = csr_from_state("history", state)
        self.n_users, self.n_items = self.history.shape
