"""Vocabulary: raw ids <-> contiguous indices."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.data import Vocabulary


def test_round_trip_and_sorted_unique() -> None:
    vocab = Vocabulary([50, 7, 50, 1001, 7])
    assert len(vocab) == 3
    assert vocab.ids.tolist() == [7, 50, 1001]
    raw = np.array([1001, 7, 50, 50])
    index = vocab.index(raw)
    assert index.tolist() == [2, 0, 1, 1]
    assert vocab.raw(index).tolist() == raw.tolist()


def test_unknown_ids_map_to_minus_one() -> None:
    vocab = Vocabulary([10, 20, 30])
    assert vocab.index([5, 10, 25, 30, 99]).tolist() == [-1, 0, -1, 2, -1]
    assert 20 in vocab and 25 not in vocab and "20" not in vocab


def test_empty_vocabulary() -> None:
    vocab = Vocabulary([])
    assert len(vocab) == 0
    assert vocab.index([1, 2]).tolist() == [-1, -1]
    assert vocab.index(np.array([], dtype=np.int64)).tolist() == []
    assert 1 not in vocab
    assert vocab == Vocabulary(np.array([], dtype=np.int64))


def test_from_sorted_keeps_the_array_itself() -> None:
    ids = np.array([3, 10, 11, 500], dtype=np.int64)
    vocabulary = Vocabulary.from_sorted(ids)
    assert vocabulary.ids is ids  # no sort, no copy: a mapped array stays mapped
    assert vocabulary == Vocabulary([500, 3, 11, 10, 3])
    assert vocabulary.index([11, 4]).tolist() == [2, -1]
    assert len(Vocabulary.from_sorted(np.array([], dtype=np.int64))) == 0


@pytest.mark.parametrize(
    "ids",
    [
        np.array([3, 3, 4], dtype=np.int64),  # a duplicate
        np.array([3, 2], dtype=np.int64),  # unsorted
        np.array([1, 2], dtype=np.int32),  # not int64
        np.array([[1, 2]], dtype=np.int64),  # not 1-d
    ],
)
def test_from_sorted_refuses_what_it_cannot_trust(ids: np.ndarray) -> None:
    with pytest.raises(ValueError, match="vocabulary ids"):
        Vocabulary.from_sorted(ids)
