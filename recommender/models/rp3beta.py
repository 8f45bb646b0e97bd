"""RP3beta: item-item similarity from a 3-step random walk on the user-item graph.

From Paudel et al. (2017), in the form Dacrema et al. (2019) found competitive with neural
recommenders.  With ``P_ui`` the user -> item transition matrix (each user's row normalized to
sum 1) and ``P_iu`` the item -> user one (each item's column of X, normalized), the walk
item -> user -> item gives::

    W_ij = (P_iu^α · P_ui^α)_ij · pop_j^(−β),        W_ii = 0

where ``^α`` raises each transition probability elementwise (α < 1 flattens them) and the
popularity penalty ``pop_j^(−β)`` keeps the walk from always landing on blockbusters.  Only the
``neighbors`` largest entries of each row of W are kept, so W is sparse and the model fits
catalogs of 60K items: rows are computed ``block_size`` items at a time, each block densified
only long enough to pick its top neighbours.  A user's scores are ``x_u @ W``.

Interactions are weighted as in EASE (liked = 1, other ratings ``dislike_weight``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field

from recommender.models._interactions import (
    PreferenceConfig,
    csr_from_state,
    csr_state,
    preference_matrix,
    scores_with_fallback,
)
from recommender.models._similarity import stochastic_rows, top_k_rows
from recommender.models.base import IndexArray, ProgressFn, Recommender, State

__all__ = ["RP3Beta", "RP3BetaConfig", "rp3beta_similarity"]


class RP3BetaConfig(PreferenceConfig):
    alpha: float = Field(
        0.1,
        ge=0.0,
        description="Exponent on the transition probabilities (1 = plain walk, 0 = binary).",
    )
    beta: float = Field(
        0.7, ge=0.0, description="Popularity penalty: similarity to item j scaled by pop_j^-beta."
    )
    neighbors: int = Field(200, ge=1, description="Similar items kept per item.")
    block_size: int = Field(
        256, ge=1, description="Items per dense block while computing W (memory vs speed)."
    )


def _transitions(
    interactions: sp.csr_matrix, alpha: float
) -> tuple[sp.csr_matrix, sp.csr_matrix, npt.NDArray[np.float64]]:
    """(P_iu^α, P_ui^α, item popularity) from a users x items interaction matrix."""
    user_to_item = stochastic_rows(interactions)
    item_to_user = stochastic_rows(interactions.T.tocsr())
    if alpha != 1.0:
        user_to_item.data **= alpha
        item_to_user.data **= alpha
    popularity = np.bincount(interactions.indices, minlength=interactions.shape[1])
    return item_to_user, user_to_item, popularity.astype(np.float64)


def _popularity_penalty(
    popularity: npt.NDArray[np.float64], beta: float
) -> npt.NDArray[np.float64]:
    """pop^-β, with 0 for items nobody interacted with (they can't be reached anyway)."""
    penalty = np.zeros_like(popularity)
    seen = popularity > 0
    penalty[seen] = popularity[seen] ** -beta
    return penalty


def rp3beta_similarity(
    interactions: sp.csr_matrix,
    alpha: float,
    beta: float,
    neighbors: int,
    block_size: int = 256,
    progress: ProgressFn | None = None,
) -> sp.csr_matrix:
    """The sparse item x item RP3beta matrix W, top ``neighbors`` entries per row."""
    n_items = interactions.shape[1]
    item_to_user, user_to_item, popularity = _transitions(interactions, alpha)
    penalty = _popularity_penalty(popularity, beta)

    def block(start: int, stop: int) -> npt.NDArray[np.floating]:
        weights: npt.NDArray[np.floating] = (item_to_user[start:stop] @ user_to_item).toarray()
        weights *= penalty[np.newaxis, :]
        return weights

    similarity = top_k_rows(
        block, n_items, n_items, neighbors, block_size, skip_self=True, progress=progress
    )
    similarity.sort_indices()
    return similarity


class RP3Beta(Recommender):
    """Graph-based item-item model: scores = (weighted history) @ W, W sparse."""

    name = "rp3beta"
    config_type = RP3BetaConfig
    predicts_ratings = False
    config: RP3BetaConfig
    tuning_grid: ClassVar[Mapping[str, tuple[float, ...]]] = {
        "alpha": (0.1, 0.3, 0.6, 1.0),
        "beta": (0.3, 0.5, 0.7),
        "neighbors": (100, 200),
        "dislike_weight": (0.2, 0.5),
    }

    def __init__(self, config: RP3BetaConfig | None = None) -> None:
        super().__init__(config)
        self.similarity = sp.csr_matrix((0, 0), dtype=np.float32)
        self.history = sp.csr_matrix((0, 0), dtype=np.float32)
        self.item_count = np.zeros(0, dtype=np.int64)

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        cfg = self.config
        self.history = preference_matrix(train, cfg.like_threshold, cfg.dislike_weight)
        self.item_count = np.bincount(train.indices, minlength=self.n_items).astype(np.int64)
        self.similarity = rp3beta_similarity(
            self.history, cfg.alpha, cfg.beta, cfg.neighbors, cfg.block_size, progress
        )

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return scores_with_fallback(
            users, self.item_count, lambda known: (self.history[known] @ self.similarity).toarray()
        )

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        cfg = self.config
        history = preference_matrix(ratings, cfg.like_threshold, cfg.dislike_weight)
        return np.asarray((history @ self.similarity).toarray())

    def get_state(self) -> State:
        return {
            "item_count": self.item_count,
            **csr_state("history", self.history),
            **csr_state("similarity", self.similarity),
        }

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        self.item_count = np.asarray(state["item_count"], dtype=np.int64)
        self.history = csr_from_state("history", state)
        self.similarity = csr_from_state("similarity", state)
        self.n_users, self.n_items = self.history.shape
