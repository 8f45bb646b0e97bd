"""The driver's streaming of Spark's parquet output into memmaps (pyarrow only, no JVM):
the seen CSR and user factors it builds, and refusal of output that is not in sort order."""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.data import Vocabulary
from recommender.errors import ModelError

pa = pytest.importorskip("pyarrow", reason="needs the spark extra: uv sync --extra spark")
pq = pytest.importorskip("pyarrow.parquet")


def write_parts(folder: Path, columns: dict[str, list[object]], rows_per_part: int) -> Path:
    """Parquet part files as Spark names them, ``rows_per_part`` rows each."""
    folder.mkdir()
    table = pa.table(columns)
    for n, start in enumerate(range(0, table.num_rows, rows_per_part)):
        pq.write_table(table.slice(start, rows_per_part), folder / f"part-{n:05d}-x.snappy.parquet")
    return folder


def file_backed(array: np.ndarray) -> bool:
    """Whether ``array``'s memory is a memory-mapped file (scipy wraps memmaps in views)."""
    base: object = array
    while base is not None:
        if isinstance(base, np.memmap | mmap.mmap):
            return True
        base = getattr(base, "base", None)
    return False


def test_seen_streams_into_the_csr_of_the_interactions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import recommender.spark.train as train

    monkeypatch.setattr(train, "BATCH_ROWS", 2)  # batches split users across boundaries
    users = [3, 3, 3, 7, 9, 9, 12]
    items = [10, 20, 40, 20, 10, 30, 40]
    stars = [4.0, 2.5, 5.0, 1.0, 3.0, 4.5, 2.0]
    folder = write_parts(tmp_path / "seen", {"user": users, "item": items, "rating": stars}, 3)
    catalog = Vocabulary([10, 20, 30, 40, 50])
    vocabulary, seen = train._stream_seen(folder, tmp_path, 4, 7, catalog)
    assert vocabulary.ids.tolist() == [3, 7, 9, 12]
    expected = sp.csr_matrix(
        (stars, (vocabulary.index(users), catalog.index(items))), shape=(4, 5), dtype=np.float32
    )
    assert (seen != expected).nnz == 0
    for part in (seen.data, seen.indices, seen.indptr):  # on disk, not in Python objects
        assert file_backed(part)


@pytest.mark.parametrize(
    ("users", "items"),
    [([1, 1, 2, 1], [5, 6, 5, 7]), ([1, 1, 2, 2], [5, 5, 5, 6]), ([2, 1, 3, 4], [5, 5, 5, 5])],
)
def test_seen_out_of_order_or_repeated_is_refused(
    tmp_path: Path, users: list[int], items: list[int]
) -> None:
    from recommender.spark.train import _stream_seen

    folder = write_parts(tmp_path / "seen", {"user": users, "item": items, "rating": [4.0] * 4}, 2)
    with pytest.raises(ModelError, match="not sorted by user, item"):
        _stream_seen(folder, tmp_path, len(set(users)), 4, Vocabulary([5, 6, 7]))


def test_user_factors_land_on_their_users_rows_and_disorder_is_refused(tmp_path: Path) -> None:
    from recommender.spark.train import _stream_factors

    features = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    folder = write_parts(tmp_path / "ok", {"id": [3, 9, 12], "features": features}, 2)
    out = np.zeros((4, 2), dtype=np.float32)
    _stream_factors(folder, np.array([3, 7, 9, 12]), out)
    assert out.tolist() == [[1, 2], [0, 0], [3, 4], [5, 6]]  # user 7: no factors, zeros
    folder = write_parts(tmp_path / "bad", {"id": [9, 3, 12], "features": features}, 2)
    with pytest.raises(ModelError, match="not sorted by id"):
        _stream_factors(folder, np.array([3, 7, 9, 12]), np.zeros((4, 2), np.float32))
