"""Train/test splits and their indexed form, on hand-built examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recommender.errors import ConfigError
from recommender.splits import (
    global_time_split,
    index_split,
    random_split,
    split_ratings,
    user_time_split,
)


def frame(rows: list[tuple[int, int, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp"]).astype(
        {"user": "int64", "item": "int64", "rating": "float32", "timestamp": "int64"}
    )


def test_user_time_no_train_after_test(tiny_ratings: pd.DataFrame) -> None:
    shuffled = tiny_ratings.sample(frac=1.0, random_state=1).reset_index(drop=True)
    train, test = user_time_split(shuffled, 0.2)
    assert len(train) + len(test) == len(shuffled)
    last_train = train.groupby("user")["timestamp"].max()
    first_test = test.groupby("user")["timestamp"].min()
    assert (last_train.loc[first_test.index] <= first_test).all()
    sizes = shuffled.groupby("user").size()
    assert (train.groupby("user").size() == (sizes * 0.8).astype(int)).all()


def test_user_time_sizes_and_ties_keep_file_order() -> None:
    ratings = frame(
        [
            (1, 10, 4.0, 100), (1, 11, 3.0, 100), (1, 12, 5.0, 100),  # a three-way tie
            (1, 13, 2.0, 50), (1, 14, 1.0, 300),
            (2, 20, 4.0, 10), (2, 21, 4.0, 20), (2, 22, 4.0, 30),
        ]
    )  # fmt: skip
    train, test = user_time_split(ratings, 0.2)
    # user 1: 5 ratings -> int(0.8*5)=4 train: t=50, then the tie in file order 10, 11, 12
    # user 2: 3 ratings -> int(0.8*3)=2 train
    assert sorted(train.loc[train.user == 1, "item"]) == [10, 11, 12, 13]
    assert test["item"].tolist() == [14, 22]
    # a tie split across train/test: the later row in the file goes to test
    tie = frame([(1, 1, 3.0, 5), (1, 2, 3.0, 5), (1, 3, 3.0, 5), (1, 4, 3.0, 5), (1, 5, 3.0, 5)])
    train, test = user_time_split(tie, 0.2)
    assert train["item"].tolist() == [1, 2, 3, 4] and test["item"].tolist() == [5]


def test_global_time_all_train_before_all_test(tiny_ratings: pd.DataFrame) -> None:
    train, test = global_time_split(tiny_ratings, 0.2)
    assert train["timestamp"].max() < test["timestamp"].min()
    assert len(test) == pytest.approx(0.2 * len(tiny_ratings), abs=1)


def test_random_split_seeded_and_sized(tiny_ratings: pd.DataFrame) -> None:
    a_train, a_test = random_split(tiny_ratings, 0.25, rng=np.random.default_rng(5))
    b_train, b_test = random_split(tiny_ratings, 0.25, rng=np.random.default_rng(5))
    c_train, _ = random_split(tiny_ratings, 0.25, rng=np.random.default_rng(6))
    pd.testing.assert_frame_equal(a_train, b_train)
    pd.testing.assert_frame_equal(a_test, b_test)
    assert not a_train.equals(c_train)
    assert len(a_test) == round(0.25 * len(tiny_ratings))
    assert len(a_train) + len(a_test) == len(tiny_ratings)
    assert split_ratings(tiny_ratings, "random", 0.25, seed=5)[1].equals(
        random_split(tiny_ratings, 0.25, rng=np.random.default_rng(5))[1]
    )


def test_bad_fraction_and_scheme(tiny_ratings: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="between 0 and 1"):
        user_time_split(tiny_ratings, 1.0)
    with pytest.raises(ConfigError, match="unknown split"):
        split_ratings(tiny_ratings, "future", 0.2)  # type: ignore[arg-type]


def test_index_split_counts_cold_rows() -> None:
    train = frame([(1, 10, 4.0, 1), (1, 20, 3.0, 2), (2, 10, 5.0, 3)])
    test = frame(
        [
            (1, 20, 2.0, 9),  # warm
            (2, 30, 4.0, 9),  # cold item (user known)
            (3, 10, 1.0, 9),  # cold user
            (3, 30, 1.0, 9),  # cold user and item: counted as a cold user only
            (2, 20, 3.0, 9),  # warm
        ]
    )
    split = index_split(train, test)
    assert split.users.ids.tolist() == [1, 2] and split.items.ids.tolist() == [10, 20]
    assert split.train.shape == (2, 2)
    assert split.train.toarray().tolist() == [[4.0, 3.0], [5.0, 0.0]]
    assert split.test_users.tolist() == [0, 1, -1, -1, 1]
    assert split.test_items.tolist() == [1, -1, 0, -1, 1]
    assert split.cold_users == 2
    assert split.cold_items == 1
    assert split.warm.tolist() == [True, False, False, False, True]
    assert split.test_ratings.tolist() == [2.0, 4.0, 1.0, 1.0, 3.0]
