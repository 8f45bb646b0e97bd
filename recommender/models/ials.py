"""Implicit-feedback matrix factorization (Hu, Koren & Volinsky 2008) via the ``implicit`` library.

Every user-item pair is a preference p_ui (1 where the user interacted, 0 elsewhere) weighted by
a confidence c_ui; unobserved pairs have confidence 1 and observed ones more::

    minimize  Σ_ui c_ui (p_ui − u_u·v_i)² + λ (Σ_u ‖u_u‖² + Σ_i ‖v_i‖²)

solved by alternating least squares (``implicit`` uses conjugate-gradient steps, multithreaded).
Observed confidence is ``1 + alpha·w`` (``confidence="linear"``) or ``1 + alpha·log(1 + w)``
(``"log"``), where w is the interaction weight (liked = 1, other ratings ``dislike_weight``,
as in EASE).  A user's scores are ``u_u · V``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from pydantic import Field
from threadpoolctl import threadpool_limits

from recommender.models._factors import FactorRanker
from recommender.models._interactions import (
    PreferenceConfig,
    preference_matrix,
)
from recommender.models.base import ProgressFn

__all__ = ["ImplicitALS", "ImplicitALSConfig", "confidence_matrix"]


class ImplicitALSConfig(PreferenceConfig):
    factors: int = Field(128, ge=1, description="Latent dimensions.")
    regularization: float = Field(
        20.0, ge=0.0, description="λ, the L2 penalty on user and item factors."
    )
    alpha: float = Field(10.0, ge=0.0, description="Confidence scaling of observed interactions.")
    confidence: Literal["linear", "log"] = Field(
        "log", description="Confidence 1 + alpha·w ('linear') or 1 + alpha·log(1 + w) ('log')."
    )
    iterations: int = Field(15, ge=1, description="ALS sweeps (each solves users, then items).")
    num_threads: int = Field(0, ge=0, description="Solver threads (0 = all cores).")
    seed: int = Field(42, description="Seed of the factor initialization.")


def confidence_matrix(
    interactions: sp.csr_matrix, alpha: float, kind: Literal["linear", "log"]
) -> sp.csr_matrix:
    """Observed confidences c_ui (``implicit`` treats unobserved pairs as confidence 1)."""
    scaled = alpha * (interactions.data if kind == "linear" else np.log1p(interactions.data))
    return sp.csr_matrix(
        ((1.0 + scaled).astype(np.float32), interactions.indices, interactions.indptr),
        shape=interactions.shape,
    )


def _epoch_callback(
    progress: ProgressFn | None, cfg: ImplicitALSConfig
) -> Callable[[int, float, float | None], None] | None:
    """Adapt ``implicit``'s per-iteration callback to our ``progress(step, total, metrics)``."""
    if progress is None:
        return None
    report = progress  # bind the narrowed type for the closure

    def callback(iteration: int, _seconds: float, _loss: float | None) -> None:
        report(iteration + 1, cfg.iterations, {})

    return callback


class ImplicitALS(FactorRanker):
    """Weighted matrix factorization for implicit feedback; scores = user factors · item factors."""

    name = "ials"
    config_type = ImplicitALSConfig
    config: ImplicitALSConfig
    tuning_grid: ClassVar[Mapping[str, tuple[object, ...]]] = {
        "factors": (64, 128),
        "regularization": (10.0, 20.0, 50.0),
        "alpha": (10.0, 20.0),
        "confidence": ("linear", "log"),
        "dislike_weight": (0.2, 0.5),
    }

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        cfg = self.config
        weights = preference_matrix(train, cfg.like_threshold, cfg.dislike_weight)
        confidence = confidence_matrix(weights, cfg.alpha, cfg.confidence)
        self.item_count = np.bincount(train.indices, minlength=self.n_items).astype(np.int64)
        # implicit warns (once, when built) if BLAS runs its own thread pool, which fights its
        # solver threads; one BLAS thread during construction and fit is what it asks for.
        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            solver = AlternatingLeastSquares(
                factors=cfg.factors,
                regularization=cfg.regularization,
                alpha=1.0,  # the confidence matrix is already scaled
                iterations=cfg.iterations,
                num_threads=cfg.num_threads,
                random_state=cfg.seed,
            )
            solver.fit(confidence, show_progress=False, callback=_epoch_callback(progress, cfg))
        self.user_factors = np.asarray(solver.user_factors, dtype=np.float32)
        self.item_factors = np.asarray(solver.item_factors, dtype=np.float32)

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        """Solve each new person's factors against the fixed item factors (one ALS half-step)."""
        cfg = self.config
        weights = preference_matrix(ratings, cfg.like_threshold, cfg.dislike_weight)
        confidence = confidence_matrix(weights, cfg.alpha, cfg.confidence)
        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            solver = AlternatingLeastSquares(
                factors=cfg.factors, regularization=cfg.regularization, alpha=1.0, num_threads=1
            )
            solver.item_factors = self.item_factors
            factors = solver.recalculate_user(np.arange(ratings.shape[0]), confidence)
        return np.asarray(factors @ self.item_factors.T)

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        super().set_state(state)
        # implicit's fold-in solver takes only writable buffers, so read-only (memory-mapped)
        # item factors are copied once here: they are catalog-sized and needed whole anyway.
        self.item_factors = np.require(self.item_factors, requirements=["C", "W"])
