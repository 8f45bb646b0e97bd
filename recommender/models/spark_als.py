"""Spark MLlib's implicit ALS, fitted by Spark, served by numpy like every other model.

Spark (``pyspark.ml.recommendation.ALS`` with ``implicitPrefs=True``) learns the model of
Hu, Koren & Volinsky as our iALS does, with two differences that matter when folding in a new
person against its item factors V (k factors):

* confidence is linear, ``c = 1 + alpha·w`` (w: liked = 1, below ``like_threshold`` =
  ``dislike_weight``), and
* λ is weighted by the user's number of positive interactions n_u (ALS-WR), so one sweep for a
  user solves the normal equations Spark's ``ALS.computeFactors`` builds::

      (VᵀV + Σ_i c1_i v_i v_iᵀ + λ·n_u·I) x = Σ_i (1 + c1_i) v_i,   c1_i = alpha·w_i

:func:`fold_in_factors` solves them for a batch of people at once; because Spark solves users
last in every iteration, folding in a dataset user's own training row gives back (to float
tolerance) the factor Spark stored for them.  Scores are ``u·V``; an unknown user gets the item
interaction counts.

Fitting needs the ``spark`` extra and a JVM: ``_fit`` runs Spark locally (or in the active
session), so ``moviebot evaluate --models spark-als`` compares it with our models under the
same protocol.  ``moviebot train --engine spark`` (:mod:`recommender.spark.train`) fits it on a
cluster and exports this model's state directly.  Loading and serving need neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field

from recommender.models._factors import FactorRanker
from recommender.models._interactions import (
    PreferenceConfig,
    preference_matrix,
)
from recommender.models.base import IndexArray, ModelConfig, ProgressFn

__all__ = ["SparkALS", "SparkALSConfig", "fold_in_factors", "gram"]

#: Working memory of one fold-in chunk: its per-interaction outer products (float64).
FOLD_IN_BYTES = 32 * 2**20


class SparkALSConfig(PreferenceConfig):
    factors: int = Field(64, ge=1, description="Latent dimensions (Spark's rank).")
    regularization: float = Field(
        0.5,
        ge=0.0,
        description="λ (Spark's regParam), scaled by each user's and item's count.  0.5 had "
        "the best NDCG@10 of 0.05-1 on ML-100K's user-time *validation* split (0.1607; 0.25: "
        "0.1560, 1: 0.1446), never the test split; `evaluate --tune` chooses per dataset.",
    )
    alpha: float = Field(10.0, ge=0.0, description="Confidence 1 + alpha·w of an interaction.")
    iterations: int = Field(15, ge=1, description="ALS sweeps (Spark's maxIter).")
    seed: int = Field(42, description="Seed of Spark's factor initialization.")
    num_user_blocks: int = Field(10, ge=1, description="Spark's numUserBlocks (partitions).")
    num_item_blocks: int = Field(10, ge=1, description="Spark's numItemBlocks (partitions).")
    checkpoint_interval: int = Field(
        10,
        ge=1,
        description="Checkpoint every N iterations (only with a checkpoint dir): truncates "
        "the lineage that otherwise grows with each sweep.",
    )


def gram(item_factors: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """VᵀV in float64 (Spark accumulates its normal equations in double)."""
    factors = np.asarray(item_factors, dtype=np.float64)
    return factors.T @ factors


def fold_in_factors(
    weights: sp.csr_matrix,
    item_factors: npt.NDArray[np.floating],
    alpha: float,
    regularization: float,
    item_gram: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float32]:
    """Each row's user factors from its interaction weights, by Spark's normal equations.

    Vectorized over the batch: rows are taken in chunks whose per-interaction outer products
    fit ``FOLD_IN_BYTES``, summed per row with ``np.add.reduceat`` and solved together.  A row
    without interactions gets zero factors (Spark has no factor for such a user).
    """
    factors = np.asarray(item_factors, dtype=np.float64)
    k = factors.shape[1]
    base = gram(factors) if item_gram is None else item_gram
    out = np.zeros((weights.shape[0], k), dtype=np.float32)
    counts = np.diff(weights.indptr)
    rows = np.flatnonzero(counts)
    per_interaction = 8 * k * k
    start = 0
    while start < rows.size:
        # as many rows as fit the budget (at least one)
        budget = np.cumsum(counts[rows[start:]]) * per_interaction
        stop = start + max(1, int(np.searchsorted(budget, FOLD_IN_BYTES, side="right")))
        chunk = rows[start:stop]
        out[chunk] = _solve_rows(weights[chunk], factors, base, alpha, regularization)
        start = stop
    return out


def _solve_rows(
    weights: sp.csr_matrix,
    factors: npt.NDArray[np.float64],
    base: npt.NDArray[np.float64],
    alpha: float,
    regularization: float,
) -> npt.NDArray[np.float64]:
    """Factors of rows that each have at least one interaction."""
    k = factors.shape[1]
    c1 = alpha * weights.data.astype(np.float64)
    v = factors[weights.indices]  # (nnz, k)
    starts = weights.indptr[:-1]
    outer = np.einsum("n,nf,ng->nfg", c1, v, v)
    lhs = base[None, :, :] + np.add.reduceat(outer, starts, axis=0)
    n_u = np.diff(weights.indptr).astype(np.float64)
    lhs += (regularization * n_u)[:, None, None] * np.eye(k)[None, :, :]
    rhs = np.add.reduceat((1.0 + c1)[:, None] * v, starts, axis=0)
    solved = np.linalg.solve(lhs, rhs[:, :, None])[:, :, 0]
    return np.asarray(solved, dtype=np.float64)


class SparkALS(FactorRanker):
    """Implicit ALS trained by Spark MLlib; scores = user factors · item factors."""

    name = "spark-als"
    config_type = SparkALSConfig
    config: SparkALSConfig
    tuning_grid: ClassVar[Mapping[str, tuple[object, ...]]] = {
        "regularization": (0.1, 0.25, 0.5, 1.0),
        "alpha": (10.0, 20.0),
    }

    def __init__(self, config: SparkALSConfig | None = None) -> None:
        super().__init__(config)
        self._gram: npt.NDArray[np.float64] | None = None
        self._unit_items: npt.NDArray[np.float32] | None = None

    @classmethod
    def check_size(cls, config: ModelConfig, n_users: int, n_items: int, nnz: int) -> None:
        """Fitting needs pyspark: said before any model of a run is fitted (the size itself is
        Spark's to handle)."""
        from recommender.spark import require_pyspark

        require_pyspark()

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        from recommender.spark.train import fit_matrix  # needs pyspark; serving does not

        self.item_count = np.bincount(train.indices, minlength=self.n_items).astype(np.int64)
        self.user_factors, self.item_factors = fit_matrix(train, self.config)
        self._gram = self._unit_items = None  # derived from the item factors just fitted

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        """Fold-in: each new person's factors by Spark's normal equations, V fixed."""
        return np.asarray(self.fold_in(ratings) @ self.item_factors.T, dtype=np.float32)

    def fold_in(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        """User factors of each row of ``ratings`` (stars over this model's items)."""
        cfg = self.config
        if self._gram is None:
            self._gram = gram(self.item_factors)
        weights = preference_matrix(ratings, cfg.like_threshold, cfg.dislike_weight)
        return fold_in_factors(
            weights, self.item_factors, cfg.alpha, cfg.regularization, self._gram
        )

    def similar_items(self, item: int, n: int) -> tuple[IndexArray, npt.NDArray[np.float32]]:
        """The up to ``n`` items whose factors point the most like ``item``'s (cosine), most
        similar first; itself and items without factors (never rated) are left out."""
        self._require_fitted()
        self._check_range(np.array([item]), self.n_items, "item")
        if self._unit_items is None:
            norms = np.linalg.norm(self.item_factors, axis=1, keepdims=True)
            self._unit_items = np.divide(
                self.item_factors, norms, out=np.zeros_like(self.item_factors), where=norms > 0
            )
        unit = self._unit_items
        if item < 0 or not unit[item].any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        sims = unit @ unit[item]
        sims[item] = -np.inf
        sims[~unit.any(axis=1)] = -np.inf
        n = min(max(n, 0), int(np.count_nonzero(np.isfinite(sims))))
        top = np.argpartition(-sims, n - 1)[:n] if n else np.zeros(0, dtype=np.int64)
        top = top[np.lexsort((top, -sims[top]))]
        return top.astype(np.int64), sims[top].astype(np.float32)

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        super().set_state(state)
        self._gram = self._unit_items = None  # derived from the item factors just set
