"""Global mean: every prediction is the mean training rating — the floor every model must beat."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recommender.models.base import IndexArray, ModelConfig, ProgressFn, Recommender, State

__all__ = ["GlobalMean", "GlobalMeanConfig"]


class GlobalMeanConfig(ModelConfig):
    """No hyper-parameters."""


class GlobalMean(Recommender):
    """Predicts the global mean rating mu for every pair; ranks nothing (all scores equal)."""

    name = "global-mean"
    config_type = GlobalMeanConfig
    predicts_ratings = True
    ranks_items = False

    def __init__(self, config: GlobalMeanConfig | None = None) -> None:
        super().__init__(config)
        self.mu = 0.0

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        self.mu = float(train.data.mean(dtype=np.float64)) if train.nnz else 0.0

    def _predict(self, users: IndexArray, items: IndexArray) -> npt.NDArray[np.float64]:
        return np.full(users.shape, self.mu, dtype=np.float64)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return np.zeros((users.size, self.n_items), dtype=np.float32)

    def get_state(self) -> State:
        return {"mu": np.asarray(self.mu, dtype=np.float64)}

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        self.mu = float(state["mu"])
