"""The one interface every model implements.

A model is fitted on a users x items CSR of ratings (float32, index space), then

* ``predict(users, items)`` returns predicted ratings for index pairs (rating models only);
* ``score(users)`` returns a dense ``(len(users), n_items)`` block of ranking scores, higher is
  better — callers batch users so the block stays small at any catalog size;
* ``get_state()`` / ``set_state()`` expose the fitted state as a flat dict of numpy arrays,
  which ``recommender.artifacts`` stores with ``np.savez`` (no pickle).

Index -1 stands for a user or item unseen in training.  Every model handles it explicitly:
``predict`` falls back to what it knows (item bias, user mean, global mean) and ``score`` gives
an unknown user the model's non-personal ranking.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict

from recommender.errors import ModelError, NotFittedError

__all__ = [
    "FloatArray",
    "IndexArray",
    "ModelConfig",
    "ProgressFn",
    "Recommender",
    "State",
    "as_train_matrix",
]

IndexArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.floating]
State = dict[str, npt.NDArray[np.generic]]

#: ``progress(step, total, metrics)`` is called once per epoch / block during ``fit``.
ProgressFn = Callable[[int, int, Mapping[str, float]], None]


class ModelConfig(BaseModel):
    """Base of every model's hyper-parameters: validated, immutable, JSON-serializable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Recommender(ABC):
    """Base class: subclasses set ``name``, ``config_type``, ``predicts_ratings`` and implement
    ``_fit``, ``_score``, ``get_state``, ``set_state`` (and ``_predict`` if they predict)."""

    name: ClassVar[str]
    config_type: ClassVar[type[ModelConfig]]
    predicts_ratings: ClassVar[bool] = False
    #: False for models whose scores carry no ranking (every item equal): no ranking metrics.
    ranks_items: ClassVar[bool] = True
    #: Content models need one text per item (title words, genres, tags) passed to ``fit``.
    needs_item_text: ClassVar[bool] = False
    #: Values ``moviebot evaluate --tune`` tries for each config field (a grid; empty = none).
    tuning_grid: ClassVar[Mapping[str, Sequence[object]]] = {}

    def __init__(self, config: ModelConfig | None = None) -> None:
        config = config if config is not None else self.config_type()
        if not isinstance(config, self.config_type):
            raise TypeError(f"{self.name} takes a {self.config_type.__name__}")
        self.config = config
        self.n_users = 0
        self.n_items = 0
        self.is_fitted = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"

    # ------------------------------------------------------------------ fitting

    @classmethod
    def check_size(cls, config: ModelConfig, n_users: int, n_items: int, nnz: int) -> None:
        """Raise ModelTooLargeError if fitting at this size would exhaust memory.

        Called before anything is allocated; the default accepts any size.
        """

    def fit(
        self,
        train: sp.csr_matrix,
        *,
        progress: ProgressFn | None = None,
        item_text: Sequence[str] | None = None,
    ) -> Self:
        """Fit on a users x items rating CSR; returns self.

        ``item_text`` (one document per item index) is required by models with
        ``needs_item_text`` and ignored by the others.
        """
        train = as_train_matrix(train)
        self.check_size(self.config, train.shape[0], train.shape[1], train.nnz)
        if self.needs_item_text:
            if item_text is None or len(item_text) != train.shape[1]:
                raise ModelError(f"{self.name} needs one item text per item column")
            self._set_item_text(item_text)
        self.n_users, self.n_items = train.shape
        self._fit(train, progress)
        self.is_fitted = True
        return self

    @abstractmethod
    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None: ...

    @classmethod
    def part_configs(cls, config: ModelConfig) -> Mapping[str, tuple[str, ModelConfig]]:
        """The models this one combines, each fitted on the same data on its own:
        {role: (registry name, config)}.  Empty (the default) for a model that is not a blend."""
        return {}

    def fit_from_parts(self, parts: Mapping[str, Recommender]) -> Self:
        """Become fitted from parts already fitted as ``part_configs`` lists (blends only), so
        a run that fits a part alone does not fit it again inside the blend."""
        raise ModelError(f"{self.name} is not made of other models")

    def _set_item_text(self, item_text: Sequence[str]) -> None:
        """Receive item documents before ``_fit`` (models with ``needs_item_text``)."""

    # ------------------------------------------------------------------ using

    def predict(self, users: npt.ArrayLike, items: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Predicted ratings for index pairs; -1 marks an unknown user or item."""
        if not self.predicts_ratings:
            raise ModelError(f"{self.name} ranks items; it does not predict ratings")
        self._require_fitted()
        u = np.asarray(users, dtype=np.int64)
        i = np.asarray(items, dtype=np.int64)
        if u.shape != i.shape or u.ndim != 1:
            raise ValueError("users and items must be 1-d arrays of the same length")
        self._check_range(u, self.n_users, "user")
        self._check_range(i, self.n_items, "item")
        return self._predict(u, i)

    def _predict(self, users: IndexArray, items: IndexArray) -> npt.NDArray[np.float64]:
        raise NotImplementedError

    def score(self, users: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Ranking scores ``(len(users), n_items)``, higher is better; -1 = unknown user."""
        self._require_fitted()
        u = np.asarray(users, dtype=np.int64).reshape(-1)
        self._check_range(u, self.n_users, "user")
        # a fresh, writable block: callers mask seen items in place
        return np.require(self._score(u), dtype=np.float32, requirements=["C", "W", "O"])

    @abstractmethod
    def _score(self, users: IndexArray) -> npt.NDArray[np.floating]: ...

    def score_new_users(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        """Ranking scores for people outside the training data, from their ratings.

        ``ratings`` has one row per person over this model's items (stars, 0 = unrated).  This
        is fold-in: the fitted item parameters stay fixed and nothing is retrained, so a chat
        user's first ratings count at once.
        """
        self._require_fitted()
        rows = as_train_matrix(ratings)
        if rows.shape[1] != self.n_items:
            raise ValueError(f"ratings must have {self.n_items} item columns")
        return np.require(self._score_new(rows), dtype=np.float32, requirements=["C", "W", "O"])

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.floating]:
        raise ModelError(f"{self.name} cannot score people outside its training data")

    # ------------------------------------------------------------------ state

    @abstractmethod
    def get_state(self) -> State:
        """The fitted state as named numpy arrays (numeric dtypes only)."""

    @abstractmethod
    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        """Restore from ``get_state()`` output; sets n_users / n_items."""

    def mark_loaded(self, n_users: int, n_items: int) -> None:
        """Called by the artifact loader after ``set_state``."""
        self.n_users, self.n_items = n_users, n_items
        self.is_fitted = True

    # ------------------------------------------------------------------ helpers

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError(f"{self.name} is not fitted; call fit() or load a model")

    @staticmethod
    def _check_range(indices: IndexArray, size: int, what: str) -> None:
        if indices.size and (indices.min() < -1 or indices.max() >= size):
            raise IndexError(f"{what} index out of range [-1, {size})")


def as_train_matrix(train: sp.spmatrix | sp.sparray) -> sp.csr_matrix:
    """The canonical training matrix: CSR, float32, sorted indices, no explicit zeros."""
    if not sp.issparse(train):
        raise TypeError("train must be a scipy.sparse matrix (users x items)")
    matrix = sp.csr_matrix(train, dtype=np.float32, copy=True)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix
