"""Raw MovieLens ids <-> contiguous indices, the boundary between files and matrices."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["Vocabulary"]


class Vocabulary:
    """A sorted set of raw integer ids; an id's index is its position.

    Lookups are vectorized (``np.searchsorted``), and unknown ids map to -1 so callers can
    mask them instead of catching exceptions.
    """

    __slots__ = ("ids",)

    def __init__(self, ids: npt.ArrayLike) -> None:
        self.ids: npt.NDArray[np.int64] = np.unique(np.asarray(ids, dtype=np.int64))

    @classmethod
    def from_sorted(cls, ids: npt.NDArray[np.int64]) -> Vocabulary:
        """A vocabulary over ids already sorted and unique, kept as given (no sort, no copy),
        so a memory-mapped id array stays mapped; ValueError unless 1-d int64 and strictly
        increasing (one O(n) pass)."""
        if not isinstance(ids, np.ndarray) or ids.ndim != 1 or ids.dtype != np.int64:
            raise ValueError("vocabulary ids must be a 1-d int64 array")
        if ids.size > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            raise ValueError("vocabulary ids must be strictly increasing")
        vocabulary = cls.__new__(cls)
        vocabulary.ids = ids
        return vocabulary

    def __len__(self) -> int:
        return int(self.ids.size)

    def __contains__(self, raw_id: object) -> bool:
        if not isinstance(raw_id, int | np.integer):
            return False
        return bool(self.index(np.asarray([raw_id]))[0] >= 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and np.array_equal(self.ids, other.ids)

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} ids)"

    def index(self, raw_ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Indices of ``raw_ids``; -1 where an id is not in the vocabulary."""
        raw = np.asarray(raw_ids, dtype=np.int64)
        pos = np.searchsorted(self.ids, raw)
        pos_clipped = np.minimum(pos, max(len(self) - 1, 0))
        found = (pos < len(self)) & (self.ids[pos_clipped] == raw) if len(self) else pos < 0
        return np.where(found, pos, -1).astype(np.int64)

    def raw(self, indices: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Raw ids at ``indices`` (which must be valid)."""
        return self.ids[np.asarray(indices, dtype=np.int64)]
