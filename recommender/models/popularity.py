"""Non-personal popularity: the Bayesian average (the seed's cold-start ranking) and raw counts.

Bayesian average, as in the seed: shrink each item's mean rating toward the global mean mu with
a prior worth ``c0`` ratings::

    score_i = (n_i * mean_i + c0 * mu) / (n_i + c0)

An item with few ratings stays near mu; one with many keeps its own mean.  It is also a rating
predictor (an item-bias-only model), so it gets an RMSE too.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field

from recommender.models.base import IndexArray, ModelConfig, ProgressFn, Recommender, State

__all__ = [
    "BayesianPopularity",
    "BayesianPopularityConfig",
    "CountPopularity",
    "CountPopularityConfig",
    "bayesian_average",
]


def bayesian_average(
    counts: npt.ArrayLike, sums: npt.ArrayLike, mu: float, c0: float
) -> npt.NDArray[np.float64]:
    """(n_i * mean_i + c0 * mu) / (n_i + c0), written with sums so n_i = 0 gives mu."""
    return (np.asarray(sums, np.float64) + c0 * mu) / (np.asarray(counts, np.float64) + c0)


class BayesianPopularityConfig(ModelConfig):
    c0: float = Field(20.0, ge=0.0, description="Prior strength in pseudo-ratings (seed: 20).")


class BayesianPopularity(Recommender):
    """Ranks by Bayesian-average rating; predicts that average for any user."""

    name = "popularity"
    config_type = BayesianPopularityConfig
    predicts_ratings = True
    config: BayesianPopularityConfig

    def __init__(self, config: BayesianPopularityConfig | None = None) -> None:
        super().__init__(config)
        self.mu = 0.0
        self.item_score = np.zeros(0, dtype=np.float64)
        self.item_count = np.zeros(0, dtype=np.int64)

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        self.mu = float(train.data.mean(dtype=np.float64)) if train.nnz else 0.0
        self.item_count = np.bincount(train.indices, minlength=self.n_items).astype(np.int64)
        sums = np.bincount(train.indices, weights=train.data, minlength=self.n_items)
        self.item_score = bayesian_average(self.item_count, sums, self.mu, self.config.c0)

    def _predict(self, users: IndexArray, items: IndexArray) -> npt.NDArray[np.float64]:
        known = items >= 0
        return np.where(known, self.item_score[np.where(known, items, 0)], self.mu)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return np.broadcast_to(self.item_score.astype(np.float32), (users.size, self.n_items))

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        return self._score(np.full(ratings.shape[0], -1))

    def get_state(self) -> State:
        return {
            "mu": np.asarray(self.mu, dtype=np.float64),
            "item_score": self.item_score,
            "item_count": self.item_count,
        }

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        self.mu = float(state["mu"])
        self.item_score = np.asarray(state["item_score"], dtype=np.float64)
        self.item_count = np.asarray(state["item_count"], dtype=np.int64)


class CountPopularityConfig(ModelConfig):
    """No hyper-parameters."""


class CountPopularity(Recommender):
    """Ranks by number of ratings: the baseline every personal ranking model must beat."""

    name = "popularity-count"
    config_type = CountPopularityConfig
    predicts_ratings = False

    def __init__(self, config: CountPopularityConfig | None = None) -> None:
        super().__init__(config)
        self.item_count = np.zeros(0, dtype=np.int64)

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        self.item_count = np.bincount(train.indices, minlength=self.n_items).astype(np.int64)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return np.broadcast_to(self.item_count.astype(np.float32), (users.size, self.n_items))

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        return self._score(np.full(ratings.shape[0], -1))

    def get_state(self) -> State:
        return {"item_count": self.item_count}

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        self.item_count = np.asarray(state["item_count"], dtype=np.int64)
