"""Matrix factorization with biases trained by SGD: the seed's §4 model (Funk / Koren "SVD").

    r̂_ui = mu + b_u + b_i + p_u · q_i

fitted by stochastic gradient descent on the regularized squared error over observed ratings,
one rating at a time in a fresh seeded shuffle each epoch.  The epoch loop is a numba kernel
(``_sgd_kernel.sgd_epoch``, with a plain reference beside it); this module holds the model
interface around it.

Memory: beyond the CSR it keeps only COO copies of the ratings (int32 users/items, float32
ratings) and one int32 visiting order, reshuffled in place each epoch, plus the
(n_users + n_items) x f factor matrices: at 25M ratings, f=40, fit allocates about 0.65 GB on
top of the caller's CSR (0.75 GB measured when the order was a fresh int64 permutation).

Fallbacks for indices unseen in training (-1): an unknown user is predicted ``mu + b_i``, an
unknown item ``mu + b_u``, both unknown ``mu``.  Predictions are clipped to the rating range
seen in training.  ``score`` is the unclipped predicted rating ``mu + b_u + b_i + p_u · q_i``
(clipping would only create ties); an unknown user gets ``mu + b_i``, a bias-only popularity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field

from recommender.errors import ModelError, ModelTooLargeError
from recommender.metrics import rmse
from recommender.models._sgd_kernel import sgd_epoch, shuffle
from recommender.models.base import (
    FloatArray,
    IndexArray,
    ModelConfig,
    ProgressFn,
    Recommender,
    State,
)

__all__ = ["MatrixFactorization", "MatrixFactorizationConfig", "learning_curve"]

#: Refuse to fit when the estimated working memory exceeds this (bytes).
MEMORY_BUDGET = 6 * 2**30
#: Parameters are trained in float32 (the kernel computes in float32 throughout): twice the SIMD
#: lanes of float64 and the same test RMSE to 3 decimals on ML-100K; at 25M ratings it halves
#: the factor matrices the shuffled updates jump around in.
PARAM_DTYPE = np.float32


class MatrixFactorizationConfig(ModelConfig):
    """The seed's hyper-parameters, except reg and epochs, chosen on a validation split.

    ML-100K, per-user time split, validation = the last 20% of each user's training part:
    the seed's (f=40, lr=0.01, reg=0.05, 30 epochs) gives validation RMSE 0.963, these
    defaults 0.949 (test 0.966 vs 0.980).  f=100 was within 0.001 on validation at 2.5x the
    cost, so f stays 40.
    """

    factors: int = Field(40, ge=1, le=4096, description="Latent dimension f (seed: 40).")
    lr: float = Field(0.01, gt=0.0, le=1.0, description="SGD learning rate gamma (seed: 0.01).")
    reg: float = Field(0.1, ge=0.0, description="L2 regularization lambda (seed: 0.05).")
    epochs: int = Field(50, ge=1, le=10_000, description="Passes over the ratings (seed: 30).")
    seed: int = Field(0, ge=0, description="Seed of the init and shuffle generator (seed: 0).")
    init_std: float = Field(0.1, ge=0.0, description="Std of the Normal(0, .) init of P, Q.")


class MatrixFactorization(Recommender):
    """Biased MF by SGD; predicts ratings and ranks by predicted rating."""

    name = "mf-sgd"
    config_type = MatrixFactorizationConfig
    predicts_ratings = True
    config: MatrixFactorizationConfig
    tuning_grid: ClassVar[Mapping[str, list[object]]] = {
        "factors": [20, 40, 100],
        "lr": [0.005, 0.01],
        "reg": [0.05, 0.1, 0.15],
        "epochs": [30, 50, 100],
    }

    def __init__(self, config: MatrixFactorizationConfig | None = None) -> None:
        super().__init__(config)
        self.mu = 0.0
        self.rating_min = 1.0
        self.rating_max = 5.0
        self.user_bias: FloatArray = np.zeros(0, dtype=PARAM_DTYPE)
        self.item_bias: FloatArray = np.zeros(0, dtype=PARAM_DTYPE)
        self.user_factors: FloatArray = np.zeros((0, self.config.factors), dtype=PARAM_DTYPE)
        self.item_factors: FloatArray = np.zeros((0, self.config.factors), dtype=PARAM_DTYPE)
        #: Train RMSE of each epoch, measured during the epoch (errors before each update).
        self.history: list[float] = []

    # ------------------------------------------------------------------ fitting

    @classmethod
    def check_size(cls, config: ModelConfig, n_users: int, n_items: int, nnz: int) -> None:
        if not isinstance(config, MatrixFactorizationConfig):
            raise TypeError("mf-sgd takes a MatrixFactorizationConfig")
        itemsize = np.dtype(PARAM_DTYPE).itemsize
        params = (n_users + n_items) * (config.factors + 1) * itemsize
        # COO copies (int32 user, int32 item, float32 rating) + the int32 visiting order
        per_rating = nnz * (4 + 4 + 4 + 4)
        needed = params + per_rating
        if needed > MEMORY_BUDGET:
            raise ModelTooLargeError(
                f"mf-sgd needs about {needed / 2**30:.1f} GiB for {n_users} users, {n_items} "
                f"items, {nnz} ratings and f={config.factors} "
                f"(budget {MEMORY_BUDGET / 2**30:.0f} GiB); lower factors"
            )

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        cfg = self.config
        if train.nnz == 0:
            raise ModelError("mf-sgd cannot be fitted on an empty rating matrix")
        # COO view of the ratings: the kernel visits them by a shuffled index
        users = np.repeat(
            np.arange(self.n_users, dtype=np.int32), np.diff(train.indptr).astype(np.int64)
        )
        items = train.indices.astype(np.int32, copy=False)
        ratings = train.data.astype(np.float32, copy=False)
        self.mu = float(ratings.mean(dtype=np.float64))
        self.rating_min = float(ratings.min())
        self.rating_max = float(ratings.max())

        rng = np.random.default_rng(cfg.seed)
        # the seed's init order: P first, then Q
        p = rng.normal(0.0, cfg.init_std, (self.n_users, cfg.factors))
        q = rng.normal(0.0, cfg.init_std, (self.n_items, cfg.factors))
        self.user_factors = p.astype(PARAM_DTYPE)
        self.item_factors = q.astype(PARAM_DTYPE)
        self.user_bias = np.zeros(self.n_users, dtype=PARAM_DTYPE)
        self.item_bias = np.zeros(self.n_items, dtype=PARAM_DTYPE)
        self.history = []
        order = np.arange(train.nnz, dtype=np.int32)  # int32 suffices: check_size caps nnz
        for epoch in range(cfg.epochs):
            # a fresh uniform order each epoch, drawn from the model's seeded generator
            shuffle(order, int(rng.integers(2**63)))
            sse = sgd_epoch(
                users,
                items,
                ratings,
                order,
                self.mu,
                self.user_bias,
                self.item_bias,
                self.user_factors,
                self.item_factors,
                cfg.lr,
                cfg.reg,
            )
            train_rmse = float(np.sqrt(sse / train.nnz))
            if not np.isfinite(train_rmse):
                raise ModelError(
                    f"mf-sgd diverged at epoch {epoch + 1} (train RMSE {train_rmse}); "
                    f"lower lr (now {cfg.lr})"
                )
            self.history.append(train_rmse)
            if progress is not None:
                progress(epoch + 1, cfg.epochs, {"train_rmse": train_rmse})

    # ------------------------------------------------------------------ using

    def _predict(self, users: IndexArray, items: IndexArray) -> npt.NDArray[np.float64]:
        known_u = users >= 0
        known_i = items >= 0
        u = np.where(known_u, users, 0)
        i = np.where(known_i, items, 0)
        # each term only where its index is known: that gives the documented fallbacks
        b_u = np.where(known_u, self.user_bias[u], 0.0)
        b_i = np.where(known_i, self.item_bias[i], 0.0)
        dot = np.einsum(
            "nf,nf->n",
            self.user_factors[u].astype(np.float64),
            self.item_factors[i].astype(np.float64),
        )
        dot = np.where(known_u & known_i, dot, 0.0)
        return np.clip(self.mu + b_u + b_i + dot, self.rating_min, self.rating_max)

    def _score(self, users: IndexArray) -> npt.NDArray[np.floating]:
        known = users >= 0
        u = np.where(known, users, 0)
        scores = self.user_factors[u] @ self.item_factors.T  # (batch, n_items), float32
        scores[~known] = 0.0
        scores += self.item_bias
        # mu + b_u: a per-row shift that keeps scores on the rating scale
        scores += (self.mu + np.where(known, self.user_bias[u], 0.0)).astype(np.float32)[:, None]
        return scores

    def fold_in(
        self, items: npt.ArrayLike, ratings: npt.ArrayLike
    ) -> tuple[float, npt.NDArray[np.float64]]:
        """Bias and factors ``(b_u, p_u)`` of a new user from a few ratings, items held fixed.

        Solves the user's part of the training objective exactly, a ridge regression of
        ``r − mu − b_i`` on ``[1, q_i]``.  SGD applies ``reg`` once per rating, so the penalty
        here is ``reg * n`` (n = number of ratings).  Unknown items (-1) are ignored.
        """
        self._require_fitted()
        i = np.asarray(items, dtype=np.int64).reshape(-1)
        r = np.asarray(ratings, dtype=np.float64).reshape(-1)
        if i.shape != r.shape:
            raise ValueError("items and ratings must have the same length")
        self._check_range(i, self.n_items, "item")
        keep = i >= 0
        i, r = i[keep], r[keep]
        if i.size == 0:
            return 0.0, np.zeros(self.config.factors, dtype=np.float64)
        design = np.hstack([np.ones((i.size, 1)), self.item_factors[i].astype(np.float64)])
        target = r - self.mu - self.item_bias[i].astype(np.float64)
        penalty = max(self.config.reg * i.size, 1e-9)  # keeps the system solvable at reg = 0
        gram = design.T @ design + penalty * np.eye(design.shape[1])
        solution = np.linalg.solve(gram, design.T @ target)
        return float(solution[0]), np.asarray(solution[1:], dtype=np.float64)

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        """Predicted ratings of every item for each row's folded-in user (see ``fold_in``)."""
        scores = np.empty((ratings.shape[0], self.n_items), dtype=np.float32)
        for row in range(ratings.shape[0]):  # one small ridge solve per new person
            start, end = ratings.indptr[row], ratings.indptr[row + 1]
            bias, factors = self.fold_in(ratings.indices[start:end], ratings.data[start:end])
            scores[row] = self.mu + bias + self.item_bias + self.item_factors @ factors
        return scores

    # ------------------------------------------------------------------ state

    def get_state(self) -> State:
        return {
            "mu": np.asarray(self.mu, dtype=np.float64),
            "rating_range": np.asarray([self.rating_min, self.rating_max], dtype=np.float64),
            "user_bias": self.user_bias,
            "item_bias": self.item_bias,
            "user_factors": self.user_factors,
            "item_factors": self.item_factors,
            "train_rmse_history": np.asarray(self.history, dtype=np.float64),
        }

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        self.mu = float(state["mu"])
        self.rating_min, self.rating_max = (float(x) for x in state["rating_range"])
        self.user_bias = np.asarray(state["user_bias"], dtype=PARAM_DTYPE)
        self.item_bias = np.asarray(state["item_bias"], dtype=PARAM_DTYPE)
        self.user_factors = np.asarray(state["user_factors"], dtype=PARAM_DTYPE)
        self.item_factors = np.asarray(state["item_factors"], dtype=PARAM_DTYPE)
        if self.user_factors.shape[1] != self.config.factors:
            raise ModelError(
                f"stored factors have f={self.user_factors.shape[1]}, "
                f"config says {self.config.factors}"
            )
        self.history = [float(x) for x in np.asarray(state["train_rmse_history"])]
        self.n_users = self.user_factors.shape[0]
        self.n_items = self.item_factors.shape[0]


def learning_curve(
    train: sp.csr_matrix,
    validation: sp.csr_matrix,
    config: MatrixFactorizationConfig | None = None,
) -> dict[str, list[float]]:
    """Train and validation RMSE after each epoch of one mf-sgd fit on ``train``.

    ``validation`` is a users x items rating CSR in ``train``'s index space; only its entries
    whose user and item both have training ratings count (the others would score the random
    init).  Train RMSE is the model's own ``history`` (errors before each update); validation
    RMSE is of the clipped predictions after each epoch, i.e. what ``predict`` would give.
    """
    if validation.shape != train.shape:
        raise ValueError(
            f"validation has shape {validation.shape}, train {train.shape}: "
            "they must share one index space"
        )
    model = MatrixFactorization(config)
    held_out = sp.coo_matrix(validation)
    train_csr = sp.csr_matrix(train)
    has_user = np.diff(train_csr.indptr) > 0
    has_item = np.bincount(train_csr.indices, minlength=train_csr.shape[1]) > 0
    warm = has_user[held_out.row] & has_item[held_out.col]
    users = held_out.row[warm].astype(np.int64)
    items = held_out.col[warm].astype(np.int64)
    truth = held_out.data[warm]
    validation_rmse: list[float] = []

    def after_epoch(epoch: int, epochs: int, metrics: Mapping[str, float]) -> None:
        # the factors are updated in place, so this sees the model as of this epoch
        validation_rmse.append(rmse(truth, model._predict(users, items)))

    model.fit(train, progress=after_epoch)
    epochs: list[float] = [e for e in range(1, len(model.history) + 1)]
    return {
        "epoch": epochs,
        "train_rmse": list(model.history),
        "validation_rmse": validation_rmse,
    }
