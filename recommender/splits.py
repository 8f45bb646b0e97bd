"""Train/test splits of a ratings frame, and their indexed (CSR) form.

Three schemes:

* ``user-time`` (the seed's): each user's earliest ``int(0.8 * n)`` ratings train, the rest
  test.  Realistic per user, but a user's test period can precede another user's training
  ratings, so information from the future leaks across users.
* ``global-time``: one cut-off time for everyone; nothing after it is seen in training.
* ``random``: a seeded uniform split, the classic (optimistic) baseline.

Vocabularies come from the training part only: test rows whose user or item never appears in
training are *cold*.  They are counted and reported, never silently mapped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from recommender.data.dataset import interactions
from recommender.data.vocabulary import Vocabulary
from recommender.errors import ConfigError

__all__ = [
    "SPLITS",
    "IndexedSplit",
    "SplitName",
    "global_time_split",
    "index_split",
    "random_split",
    "split_ratings",
    "user_time_split",
]

SplitName = Literal["user-time", "random", "global-time"]
SPLITS: tuple[SplitName, ...] = ("user-time", "random", "global-time")


def user_time_split(
    ratings: pd.DataFrame, test_frac: float = 0.2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per user, the earliest ``int((1 - test_frac) * n)`` ratings train, the rest test.

    The sort is stable, so ratings with equal timestamps keep their file order.
    """
    _check_fraction(test_frac)
    users = ratings["user"].to_numpy()
    order = np.lexsort((ratings["timestamp"].to_numpy(), users))  # lexsort is stable
    sorted_users = users[order]
    # position of each row within its user's time-ordered history
    starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
    counts = np.diff(np.r_[starts, sorted_users.size])
    rank = np.arange(sorted_users.size) - np.repeat(starts, counts)
    n_train = np.floor(counts * (1.0 - test_frac)).astype(np.int64)
    is_train = np.empty(users.size, dtype=bool)
    is_train[order] = rank < np.repeat(n_train, counts)
    return _parts(ratings, is_train)


def global_time_split(
    ratings: pd.DataFrame, test_frac: float = 0.2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ratings up to one cut-off time train; later ones test (about ``test_frac`` of rows)."""
    _check_fraction(test_frac)
    timestamps = ratings["timestamp"].to_numpy()
    cutoff = np.sort(timestamps, kind="stable")[int(np.floor(timestamps.size * (1.0 - test_frac)))]
    return _parts(ratings, timestamps < cutoff)


def random_split(
    ratings: pd.DataFrame, test_frac: float = 0.2, *, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A uniform random ``test_frac`` of rows test, drawn from ``rng``."""
    _check_fraction(test_frac)
    n_test = round(len(ratings) * test_frac)
    is_train = np.ones(len(ratings), dtype=bool)
    is_train[rng.choice(len(ratings), size=n_test, replace=False)] = False
    return _parts(ratings, is_train)


def split_ratings(
    ratings: pd.DataFrame, scheme: SplitName, test_frac: float = 0.2, *, seed: int = 42
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dispatch by scheme name (the ``--split`` option)."""
    if scheme == "user-time":
        return user_time_split(ratings, test_frac)
    if scheme == "global-time":
        return global_time_split(ratings, test_frac)
    if scheme == "random":
        return random_split(ratings, test_frac, rng=np.random.default_rng(seed))
    raise ConfigError(f"unknown split {scheme!r}; choose one of {', '.join(SPLITS)}")


@dataclass(frozen=True, eq=False)
class IndexedSplit:
    """A split in index space: the train CSR plus the test rows mapped through train's ids.

    ``test_users`` / ``test_items`` hold -1 for ids unseen in training; ``warm`` marks the test
    rows whose user and item are both known.
    """

    train: sp.csr_matrix
    users: Vocabulary
    items: Vocabulary
    test_users: npt.NDArray[np.int64]
    test_items: npt.NDArray[np.int64]
    test_ratings: npt.NDArray[np.float32]

    @property
    def warm(self) -> npt.NDArray[np.bool_]:
        return (self.test_users >= 0) & (self.test_items >= 0)

    @property
    def cold_users(self) -> int:
        """Test rows whose user has no training ratings."""
        return int((self.test_users < 0).sum())

    @property
    def cold_items(self) -> int:
        """Test rows whose item has no training ratings (user known)."""
        return int(((self.test_users >= 0) & (self.test_items < 0)).sum())


def index_split(train: pd.DataFrame, test: pd.DataFrame) -> IndexedSplit:
    """Build vocabularies from ``train`` only and express both parts in index space."""
    users = Vocabulary(train["user"].to_numpy())
    items = Vocabulary(train["item"].to_numpy())
    return IndexedSplit(
        train=interactions(train, users, items),
        users=users,
        items=items,
        test_users=users.index(test["user"].to_numpy()),
        test_items=items.index(test["item"].to_numpy()),
        test_ratings=test["rating"].to_numpy(dtype=np.float32),
    )


def _check_fraction(test_frac: float) -> None:
    if not 0.0 < test_frac < 1.0:
        raise ConfigError(f"test fraction must be between 0 and 1, got {test_frac}")


def _parts(
    ratings: pd.DataFrame, is_train: npt.NDArray[np.bool_]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return ratings[is_train].reset_index(drop=True), ratings[~is_train].reset_index(drop=True)
