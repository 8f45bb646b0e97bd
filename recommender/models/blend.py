"""EASE + RP3beta: a rank blend of the two item-item ranking models.

EASE's dense, regularised item weights and RP3beta's sparse, popularity-penalised random walk
make different mistakes, so on some data the blend beats both parts (ML-100K's validation
split; BENCHMARKS.md); ``moviebot train`` checks on the data it serves.  Each part's scores are standardised
per user (z-scores) before mixing, since their scales differ by orders of magnitude::

    score_u = w · z(ease_u) + (1 − w) · z(rp3beta_u)

It inherits EASE's memory limit.  The parts can be fitted once and shared
(``fit_from_parts``): an evaluation of EASE, RP3beta and the blend fits each part once, and
trying several blend weights refits nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field

from recommender.models.base import IndexArray, ModelConfig, ProgressFn, Recommender, State
from recommender.models.ease import EASE, EASEConfig
from recommender.models.rp3beta import RP3Beta, RP3BetaConfig

__all__ = ["EaseRP3Blend", "EaseRP3BlendConfig", "standardize_rows"]


class EaseRP3BlendConfig(ModelConfig):
    ease_weight: float = Field(
        0.3, ge=0.0, le=1.0, description="w: weight of EASE's z-scores (RP3beta gets 1 - w)."
    )
    ease: EASEConfig = Field(default_factory=EASEConfig, description="EASE's own settings.")
    rp3beta: RP3BetaConfig = Field(
        default_factory=RP3BetaConfig, description="RP3beta's own settings."
    )


def standardize_rows(scores: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """Per-row z-scores; a constant row becomes zeros."""
    values = np.asarray(scores, dtype=np.float64)
    spread = values.std(axis=1, keepdims=True)
    centered = values - values.mean(axis=1, keepdims=True)
    return np.divide(centered, spread, out=np.zeros_like(centered), where=spread > 0).astype(
        np.float32
    )


class EaseRP3Blend(Recommender):
    """Standardised-score blend of EASE and RP3beta."""

    name = "ease-rp3"
    config_type = EaseRP3BlendConfig
    predicts_ratings = False
    config: EaseRP3BlendConfig
    tuning_grid: ClassVar[Mapping[str, tuple[float, ...]]] = {
        "ease_weight": (0.0, 0.3, 0.5, 0.7, 1.0)
    }

    def __init__(self, config: EaseRP3BlendConfig | None = None) -> None:
        super().__init__(config)
        self.ease = EASE(self.config.ease)
        self.rp3beta = RP3Beta(self.config.rp3beta)

    @classmethod
    def check_size(cls, config: ModelConfig, n_users: int, n_items: int, nnz: int) -> None:
        assert isinstance(config, EaseRP3BlendConfig)
        EASE.check_size(config.ease, n_users, n_items, nnz)
        RP3Beta.check_size(config.rp3beta, n_users, n_items, nnz)

    @classmethod
    def part_configs(cls, config: ModelConfig) -> Mapping[str, tuple[str, ModelConfig]]:
        assert isinstance(config, EaseRP3BlendConfig)
        return {"ease": (EASE.name, config.ease), "rp3beta": (RP3Beta.name, config.rp3beta)}

    def fit_from_parts(self, parts: Mapping[str, Recommender]) -> Self:
        ease, rp3beta = parts["ease"], parts["rp3beta"]
        if not (isinstance(ease, EASE) and isinstance(rp3beta, RP3Beta)):
            raise TypeError("an ease-rp3 blend is made of a fitted EASE and a fitted RP3Beta")
        ease._require_fitted()
        rp3beta._require_fitted()
        if ease.config != self.config.ease or rp3beta.config != self.config.rp3beta:
            raise ValueError("the parts' configs differ from the blend's")
        if (ease.n_users, ease.n_items) != (rp3beta.n_users, rp3beta.n_items):
            raise ValueError("the parts were fitted on different data")
        self.ease, self.rp3beta = ease, rp3beta
        self.mark_loaded(ease.n_users, ease.n_items)
        return self

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        self.ease.fit(train)
        if progress is not None:
            progress(1, 2, {})
        self.rp3beta.fit(train)
        if progress is not None:
            progress(2, 2, {})

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        w = self.config.ease_weight
        ease = standardize_rows(self.ease.score(users))
        rp3 = standardize_rows(self.rp3beta.score(users))
        return w * ease + (1.0 - w) * rp3

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        w = self.config.ease_weight
        ease = standardize_rows(self.ease.score_new_users(ratings))
        rp3 = standardize_rows(self.rp3beta.score_new_users(ratings))
        return w * ease + (1.0 - w) * rp3

    def get_state(self) -> State:
        parts = (("ease", self.ease.get_state()), ("rp3beta", self.rp3beta.get_state()))
        return {f"{prefix}.{key}": value for prefix, state in parts for key, value in state.items()}

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        for prefix, part in (("ease", self.ease), ("rp3beta", self.rp3beta)):
            part.set_state(
                {
                    k.removeprefix(f"{prefix}."): v
                    for k, v in state.items()
                    if k.startswith(f"{prefix}.")
                }
            )
            part.mark_loaded(*part.history.shape)
