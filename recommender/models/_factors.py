"""The base of the implicit-feedback factor models (iALS, Spark's ALS): their state and scoring.

Both keep the same three arrays — user factors U, item factors V and per-item interaction
counts — and score a known user by u·V, an unknown one by the counts.  They differ in how they
are fitted and how a new person is folded in, which each model defines itself.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from recommender.models._interactions import scores_with_fallback
from recommender.models.base import IndexArray, ModelConfig, Recommender, State

__all__ = ["FactorRanker"]


class FactorRanker(Recommender):
    """A ranking model whose state is user factors, item factors and item interaction counts."""

    predicts_ratings = False

    def __init__(self, config: ModelConfig | None = None) -> None:
        super().__init__(config)
        self.user_factors: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        self.item_factors: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        self.item_count = np.zeros(0, dtype=np.int64)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return scores_with_fallback(
            users, self.item_count, lambda known: self.user_factors[known] @ self.item_factors.T
        )

    def get_state(self) -> State:
        return {
            "user_factors": self.user_factors,
            "item_factors": self.item_factors,
            "item_count": self.item_count,
        }

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        # np.asarray keeps a memory-mapped user-factor array mapped (same dtype: no copy)
        user_factors = np.asarray(state["user_factors"], dtype=np.float32)
        item_factors = np.asarray(state["item_factors"], dtype=np.float32)
        if user_factors.ndim != 2 or item_factors.ndim != 2:
            raise ValueError("factors must be 2-d")
        if user_factors.shape[1] != item_factors.shape[1]:
            raise ValueError("user and item factors differ in width")
        item_count = np.asarray(state["item_count"], dtype=np.int64)
        if item_count.shape != (item_factors.shape[0],):
            raise ValueError("item_count does not match the item factors")
        self.user_factors, self.item_factors, self.item_count = (
            user_factors,
            item_factors,
            item_count,
        )
        self.n_users, self.n_items = user_factors.shape[0], item_factors.shape[0]
