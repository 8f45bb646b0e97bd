"""Neighbourhood collaborative filtering: user-based (``user-knn``) and item-based (``item-knn``).

Similarity is the seed's mean-centred cosine ("Pearson"): each user's ratings are centred by that
user's mean over the cells they RATED, then rows (user-CF) or columns (item-CF) of the centred
matrix are compared by cosine over their full length.  Optionally pairs with fewer than
``min_support`` co-ratings are dropped and similarities are shrunk toward 0 by
``n_co / (n_co + shrinkage)`` (Koren 2008), which discounts similarities resting on few
co-ratings.

Predictions follow the seed (§3)::

    user-CF:  r̂(u,i) = mean_u + Σ_v s(u,v)·(r_vi − mean_v) / Σ_v |s(u,v)|
              over the k users v most similar to u among those who rated i
    item-CF:  r̂(u,i) = mean_u + Σ_j s(i,j)·(r_uj − mean_u) / Σ_j |s(i,j)|
              over the k items j most similar to i among those u rated

Departures from the seed, all so the model stays sparse at 25M ratings:

* only the ``max_neighbors`` most similar users/items of each row are stored (a CSR whose rows
  are sorted by similarity, highest first), and only similarities ABOVE ``min_similarity``
  (default 0.0, exclusive: negatively correlated or orthogonal neighbours are dropped — the seed
  kept them, but with few raters they mostly add noise).  "The k nearest among those who rated
  i" is therefore looked for within the stored neighbours.  The default M = 400 is where
  truncation stops costing accuracy on ML-100K (BENCHMARKS.md has the curve);
* similarities are computed a block of rows at a time (``recommender.models._similarity``:
  sparse block @ sparse matrix, densified only for that block, top-M picked with
  argpartition), never as an n x n matrix.

Fallbacks: no usable neighbour → mean_u; a user with no ratings has mean_u = global mean;
unknown user (-1) → global mean; unknown item (-1) → mean_u.  Predictions are clipped to the
rating range seen in training.  ``score`` of user -1 is the Bayesian-average item rating (the
seed's cold-start ranking, prior of 20 ratings at the global mean).

People outside the training data are folded in (``score_new_users``): item-CF uses the fitted
item neighbours with the newcomer's ratings; user-CF finds the newcomer's neighbours among the
training users first.

Cost: the similarity products visit every co-rating pair (Σ over items of n_raters² for user-CF,
Σ over users of n_rated² for item-CF) and n² cells are densified, block by block, for the top-M
pick.  ``check_size`` (from shapes: Σ c² >= nnz² / n) and ``fit`` (exact, before allocating)
refuse with ModelTooLargeError when that work exceeds ``work_limit`` (default 3e10, about ten
minutes on a 2-core machine; BENCHMARKS.md has the measured rate).  Heavy raters dominate
Σ n_rated², so similarities use at most ``max_profile`` (1,000) ratings per user for item-CF, or
per item for user-CF, a seeded random sample; predictions still use every rating.  At
MovieLens-25M shape the cap brings item-CF under the limit, while user-CF's shape bound alone
(n_users²) exceeds it, so user-CF is refused there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field, model_validator

from recommender.errors import ModelTooLargeError
from recommender.models import _knn_kernels as kernels
from recommender.models._interactions import csr_from_state, csr_state
from recommender.models._similarity import cap_rows, cross_neighbours, neighbour_graph
from recommender.models.base import IndexArray, ModelConfig, ProgressFn, Recommender, State
from recommender.models.popularity import bayesian_average

__all__ = [
    "ItemKNN",
    "ItemKNNConfig",
    "KNNConfig",
    "UserKNN",
    "UserKNNConfig",
    "mean_center",
]

#: (inv_indptr, inv_items, inv_sims), see ``_NeighbourhoodCF._inverse_neighbors``.
_InverseGraph = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32]]
#: Prior strength (in ratings) of the Bayesian-average ranking given to unknown users (seed: 20).
_COLD_PRIOR = 20.0


class KNNConfig(ModelConfig):
    """Hyper-parameters shared by user- and item-based CF."""

    k: int = Field(30, ge=1, description="Neighbours used per prediction (seed: 30).")
    max_neighbors: int = Field(
        400, ge=1, le=10_000, description="Most similar users/items stored per row (>= k)."
    )
    min_similarity: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        description="Keep only neighbours with similarity strictly above this (0 = positive).",
    )
    min_support: int = Field(
        1, ge=1, description="Drop neighbour pairs with fewer co-ratings than this."
    )
    shrinkage: float = Field(
        0.0, ge=0.0, description="Scale similarities by n_co / (n_co + shrinkage); 0 = off."
    )
    work_limit: float = Field(
        3e10,
        gt=0.0,
        description="Refuse fits needing more co-rating pair updates + block cells than this.",
    )
    max_profile: int = Field(
        1000,
        ge=1,
        description=(
            "Similarities use at most this many ratings of each user (item-CF) or of each item "
            "(user-CF), a seeded random sample; predictions still use every rating."
        ),
    )
    seed: int = Field(0, description="Seed of the max_profile sample.")

    @model_validator(mode="after")
    def _neighbours_cover_k(self) -> Self:
        if self.max_neighbors < self.k:
            raise ValueError(f"max_neighbors ({self.max_neighbors}) must be >= k ({self.k})")
        return self


class UserKNNConfig(KNNConfig):
    """User-based CF (defaults shared with item-based)."""


class ItemKNNConfig(KNNConfig):
    """Item-based CF (defaults shared with user-based)."""


# --------------------------------------------------------------------------- fitting helpers


def mean_center(
    ratings: sp.csr_matrix, empty_mean: float | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(centred values aligned with ``ratings.data``, per-user mean over rated cells).

    A user with no ratings gets ``empty_mean`` (default: the mean of all ``ratings``), so
    fallbacks to mean_u stay sensible.
    """
    n_users = ratings.shape[0]
    counts = np.diff(ratings.indptr)
    row_of = np.repeat(np.arange(n_users), counts)
    sums = np.bincount(row_of, weights=ratings.data, minlength=n_users)
    if empty_mean is None:
        empty_mean = float(ratings.data.mean(dtype=np.float64)) if ratings.nnz else 0.0
    user_mean = np.full(n_users, empty_mean, dtype=np.float64)
    rated = counts > 0
    user_mean[rated] = sums[rated] / counts[rated]
    centered = ratings.data.astype(np.float64) - np.repeat(user_mean, counts)
    return centered, user_mean


def _pair_work(counts: npt.NDArray[np.integer]) -> float:
    """Co-rating pair updates of a similarity product: Σ count² over the shared dimension."""
    return float(np.square(counts.astype(np.float64)).sum())


def _refuse_if_too_large(name: str, work: float, limit: float, exact: bool) -> None:
    if work > limit:
        kind = "needs" if exact else "needs at least"
        raise ModelTooLargeError(
            f"{name}: the similarity computation {kind} {work:.2g} co-rating pair updates "
            f"(limit {limit:.2g}, about 10 minutes on one core); use item-knn or a smaller "
            "dataset, or raise work_limit"
        )


# --------------------------------------------------------------------------- models


class _NeighbourhoodCF(Recommender):
    """Shared fitting, state and fallbacks; subclasses choose the geometry and kernels."""

    predicts_ratings = True
    config: KNNConfig
    user_based: ClassVar[bool]
    tuning_grid: ClassVar[Mapping[str, tuple[float, ...]]] = {
        "k": (20, 30, 50),
        "max_neighbors": (200, 400, 800),
        "shrinkage": (0.0, 50.0),
    }

    def __init__(self, config: KNNConfig | None = None) -> None:
        super().__init__(config)
        self.ratings = sp.csr_matrix((0, 0), dtype=np.float32)
        self.centered = np.zeros(0, dtype=np.float64)
        self.user_mean = np.zeros(0, dtype=np.float64)
        self.cold_scores = np.zeros(0, dtype=np.float64)
        self.neighbors = sp.csr_matrix((0, 0), dtype=np.float32)
        self.mu = 0.0
        self.rating_range = np.array([0.0, 0.0])
        self._inverse: _InverseGraph | None = None

    # ------------------------------------------------------------------ size

    @classmethod
    def _work(cls, n_entities: int, pair_work: float) -> float:
        return pair_work + float(n_entities) ** 2

    @classmethod
    def check_size(cls, config: ModelConfig, n_users: int, n_items: int, nnz: int) -> None:
        """Refuse from shapes alone using the Cauchy-Schwarz lower bound Σ c² >= nnz² / n
        (with nnz at most max_profile per shared-dimension row after sampling)."""
        assert isinstance(config, KNNConfig)
        n_entities, n_shared = (n_users, n_items) if cls.user_based else (n_items, n_users)
        sampled = min(float(nnz), float(n_shared) * config.max_profile)
        lower_bound = sampled**2 / max(n_shared, 1)
        _refuse_if_too_large(cls.name, cls._work(n_entities, lower_bound), config.work_limit, False)

    # ------------------------------------------------------------------ fitting

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        cfg = self.config
        item_counts = np.bincount(train.indices, minlength=self.n_items)
        user_counts = np.diff(train.indptr)
        shared_counts = item_counts if self.user_based else user_counts
        capped = np.minimum(shared_counts, cfg.max_profile)
        work = self._work(self.n_users if self.user_based else self.n_items, _pair_work(capped))
        _refuse_if_too_large(self.name, work, cfg.work_limit, True)  # exact, before allocating

        self.ratings = train
        self.centered, self.user_mean = mean_center(train)
        self.mu = float(train.data.mean(dtype=np.float64)) if train.nnz else 0.0
        self.rating_range = (
            np.array([train.data.min(), train.data.max()], dtype=np.float64)
            if train.nnz
            else np.array([self.mu, self.mu])
        )
        item_sums = np.bincount(train.indices, weights=train.data, minlength=self.n_items)
        self.cold_scores = bayesian_average(item_counts, item_sums, self.mu, _COLD_PRIOR)
        centered = sp.csr_matrix((self.centered, train.indices, train.indptr), shape=train.shape)
        if self.user_based:
            vectors = sp.csr_matrix(
                cap_rows(sp.csr_matrix(centered.T), cfg.max_profile, cfg.seed).T
            )
        else:
            vectors = sp.csr_matrix(cap_rows(centered, cfg.max_profile, cfg.seed).T)
        self.neighbors = neighbour_graph(
            vectors, cfg.max_neighbors, cfg.min_similarity, cfg.min_support, cfg.shrinkage, progress
        )
        self._inverse = None

    # ------------------------------------------------------------------ using

    def _predict(self, users: IndexArray, items: IndexArray) -> npt.NDArray[np.float64]:
        predicted = np.full(users.shape, self.mu, dtype=np.float64)  # unknown user: global mean
        known_user = users >= 0
        predicted[known_user] = self.user_mean[users[known_user]]  # unknown item: mean_u
        both = known_user & (items >= 0)
        if both.any():
            kernel = kernels.user_predict_pairs if self.user_based else kernels.item_predict_pairs
            rt, nb = self.ratings, self.neighbors
            predicted[both] = kernel(
                users[both],
                items[both],
                rt.indptr,
                rt.indices,
                self.centered,
                nb.indptr,
                nb.indices,
                nb.data,
                self.user_mean,
                self.config.k,
            )
        return np.clip(predicted, *self.rating_range)

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        known = users >= 0
        if known.all():
            scores = self._score_known(users)
        else:  # unknown users get the non-personal ranking
            scores = np.empty((users.size, self.n_items), dtype=np.float32)
            scores[~known] = self.cold_scores
            if known.any():
                scores[known] = self._score_known(users[known])
        return np.clip(scores, *self.rating_range, out=scores)

    def _score_known(self, users: IndexArray) -> npt.NDArray[np.float32]:
        """Kernel predictions for every item, for training users (float32 block)."""
        rt, nb = self.ratings, self.neighbors
        if self.user_based:
            return self._user_kernel(users, nb, self.user_mean)
        return self._item_kernel(users, rt.indptr, rt.indices, self.centered, self.user_mean)

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        """Fold-in: predictions for people outside the training data, from their ratings.

        Item-CF uses the fitted item neighbours with the newcomer's own centred ratings, exactly
        as for a training user.  User-CF finds the newcomer's neighbours among the training users
        with the same similarity, M, support and shrinkage as ``fit``, then averages their
        ratings.  A newcomer with no ratings gets the non-personal ranking.
        """
        centered, means = mean_center(ratings, empty_mean=self.mu)
        people = np.arange(ratings.shape[0], dtype=np.int64)
        if self.user_based:
            cfg, rt = self.config, self.ratings
            train_vectors = sp.csr_matrix((self.centered, rt.indices, rt.indptr), shape=rt.shape)
            new_vectors = sp.csr_matrix(
                (centered, ratings.indices, ratings.indptr), shape=ratings.shape
            )
            neighbours = cross_neighbours(
                new_vectors,
                train_vectors,
                cfg.max_neighbors,
                cfg.min_similarity,
                cfg.min_support,
                cfg.shrinkage,
            )
            scores = self._user_kernel(people, neighbours, means)
        else:
            scores = self._item_kernel(people, ratings.indptr, ratings.indices, centered, means)
        scores[np.diff(ratings.indptr) == 0] = self.cold_scores
        return np.clip(scores, *self.rating_range, out=scores)

    def _user_kernel(
        self, users: IndexArray, neighbours: sp.csr_matrix, means: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float32]:
        """User-CF block: row r uses neighbour row ``users[r]`` and mean ``means[users[r]]``."""
        rt = self.ratings
        scores: npt.NDArray[np.float32] = kernels.user_score_users(
            users,
            self.n_items,
            rt.indptr,
            rt.indices,
            self.centered,
            neighbours.indptr,
            neighbours.indices,
            neighbours.data,
            means,
            self.config.k,
        )
        return scores

    def _item_kernel(
        self,
        users: IndexArray,
        r_indptr: npt.NDArray[np.integer],
        r_indices: npt.NDArray[np.integer],
        centered: npt.NDArray[np.float64],
        means: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float32]:
        """Item-CF block: row r uses rating row ``users[r]`` of (r_indptr, r_indices, centered)."""
        nb = self.neighbors
        inv_indptr, inv_items, inv_sims = self._inverse_neighbors()
        scores: npt.NDArray[np.float32] = kernels.item_score_users(
            users,
            self.n_items,
            r_indptr,
            r_indices,
            centered,
            nb.indptr,
            nb.indices,
            nb.data,
            inv_indptr,
            inv_items,
            inv_sims,
            means,
            self.config.k,
        )
        return scores

    def _inverse_neighbors(self) -> _InverseGraph:
        """The neighbour CSR grouped by column: (inv_indptr, inv_items, inv_sims).

        Row j lists the items i that have j among their neighbours, with s(i,j).  Derived from
        ``neighbors`` on first use (never stored in the state).
        """
        if self._inverse is None:
            nb = self.neighbors
            n = nb.shape[0]
            by_column = np.argsort(nb.indices, kind="stable")
            rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(nb.indptr))
            inv_indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(nb.indices, minlength=n), out=inv_indptr[1:])
            self._inverse = (inv_indptr, rows[by_column], nb.data[by_column].astype(np.float32))
        return self._inverse

    # ------------------------------------------------------------------ state

    def get_state(self) -> State:
        return {
            "mu": np.asarray(self.mu, dtype=np.float64),
            "rating_range": self.rating_range,
            "user_mean": self.user_mean,
            "cold_scores": self.cold_scores,
            **csr_state("ratings", self.ratings),
            **csr_state("neighbors", self.neighbors),
        }

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        self.mu = float(state["mu"])
        self.rating_range = np.asarray(state["rating_range"], dtype=np.float64)
        self.user_mean = np.asarray(state["user_mean"], dtype=np.float64)
        self.cold_scores = np.asarray(state["cold_scores"], dtype=np.float64)
        self.ratings = csr_from_state("ratings", state)
        n_users, n_items = self.ratings.shape
        # built from raw arrays, so scipy keeps each row's similarity order
        self.neighbors = csr_from_state("neighbors", state)
        self.centered = self.ratings.data.astype(np.float64) - np.repeat(
            self.user_mean, np.diff(self.ratings.indptr)
        )
        self._inverse = None
        self.n_users, self.n_items = n_users, n_items


class UserKNN(_NeighbourhoodCF):
    """User-based CF: neighbours are users with similar centred rating rows."""

    name = "user-knn"
    config_type = UserKNNConfig
    user_based = True


class ItemKNN(_NeighbourhoodCF):
    """Item-based CF: neighbours are items with similar centred rating columns."""

    name = "item-knn"
    config_type = ItemKNNConfig
    user_based = False

    def similar_items(
        self, item_index: int, n: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """The up to ``n`` most similar items (indices, similarities), most similar first.

        An unknown item (-1) has no neighbours: both arrays are empty.
        """
        self._require_fitted()
        self._check_range(np.array([item_index]), self.n_items, "item")
        if item_index < 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        start = int(self.neighbors.indptr[item_index])
        stop = min(int(self.neighbors.indptr[item_index + 1]), start + max(n, 0))
        return (
            self.neighbors.indices[start:stop].astype(np.int64),
            self.neighbors.data[start:stop].astype(np.float32),
        )
