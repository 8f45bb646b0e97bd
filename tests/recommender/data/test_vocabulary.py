"""Vocabulary: raw ids <-> contiguous indices."""

from __future__ import annotations

import numpy as np

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
