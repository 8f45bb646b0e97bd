"""Sparse similarity helpers shared by the item-item models: row normalisers and the blocked
top-k loop that turns an n x n similarity, computed a block of rows at a time, into a sparse
matrix of each row's strongest entries.

User-/item-CF (cosine neighbours), RP3beta (random-walk weights) and the content model
(TF-IDF cosine) all use these, so there is one way to normalise rows and one way to pick
neighbours.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recommender.models.base import ProgressFn

__all__ = [
    "BLOCK_CELLS",
    "cap_rows",
    "cross_neighbours",
    "neighbour_graph",
    "scale_rows",
    "stochastic_rows",
    "top_k_rows",
    "unit_rows",
]

#: Dense cells per similarity block (rows x n): 4M float64 cells = 32 MB per block array.
BLOCK_CELLS = 1 << 22

#: ``block(start, stop)``: the dense, writable similarity rows ``start:stop`` (x all columns).
BlockFn = Callable[[int, int], npt.NDArray[np.floating]]


def scale_rows(
    matrix: sp.spmatrix | sp.sparray, scale: npt.NDArray[np.floating], dtype: npt.DTypeLike
) -> sp.csr_matrix:
    """``diag(scale) @ matrix`` as a CSR of ``dtype``."""
    matrix = sp.csr_matrix(matrix, dtype=dtype)
    return sp.csr_matrix(sp.diags(np.asarray(scale, dtype=dtype)) @ matrix)


def unit_rows(matrix: sp.spmatrix | sp.sparray, dtype: npt.DTypeLike = np.float64) -> sp.csr_matrix:
    """Rows scaled to unit L2 norm (all-zero rows stay zero), so row products are cosines."""
    matrix = sp.csr_matrix(matrix, dtype=dtype)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1), dtype=np.float64).ravel())
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return scale_rows(matrix, inverse, dtype)


def stochastic_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to sum 1 (all-zero rows stay zero): transition probabilities, float32."""
    sums = np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel()
    inverse = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    return scale_rows(matrix, inverse, np.float32)


def top_k_rows(
    block: BlockFn,
    n_rows: int,
    n_columns: int,
    keep: int,
    rows_per_block: int,
    *,
    min_value: float = 0.0,
    skip_self: bool = False,
    progress: ProgressFn | None = None,
) -> sp.csr_matrix:
    """Each row's ``keep`` largest entries above ``min_value``, as an ``n_rows x n_columns`` CSR.

    The similarity is computed ``rows_per_block`` rows at a time by ``block`` and densified
    only for that block.  Within a row, entries are ordered by value, highest first (ties:
    lower column first), so the CSR's indices are deliberately NOT sorted by column.  With
    ``skip_self`` row r never keeps column r.  Values are float32, indices int32.
    """
    keep = min(keep, n_columns)
    n_blocks = -(-n_rows // rows_per_block) if n_rows else 0
    counts_per_row, columns_parts, values_parts = [], [], []
    for number, start in enumerate(range(0, n_rows, rows_per_block), start=1):
        stop = min(start + rows_per_block, n_rows)
        values = block(start, stop)
        if skip_self:
            values[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        # entries that cannot survive become -inf: they never change the result, and fewer
        # distinct values (MovieLens blocks are mostly zeros) make argpartition several
        # times faster
        np.putmask(values, values <= min_value, -np.inf)
        if keep < n_columns:
            columns = np.argpartition(-values, keep - 1, axis=1)[:, :keep]
        else:
            columns = np.tile(np.arange(n_columns), (stop - start, 1))
        top = np.take_along_axis(values, columns, axis=1)
        order = np.lexsort((columns, -top), axis=1)
        columns = np.take_along_axis(columns, order, axis=1)
        top = np.take_along_axis(top, order, axis=1)
        kept = top > min_value
        counts_per_row.append(kept.sum(axis=1))
        columns_parts.append(columns[kept])  # row-major: each row's survivors stay in order
        values_parts.append(top[kept])
        if progress is not None:
            progress(number, n_blocks, {})
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    if n_rows:
        np.cumsum(np.concatenate(counts_per_row), out=indptr[1:])
    indices = np.concatenate(columns_parts) if n_rows else np.zeros(0, dtype=np.int64)
    data = np.concatenate(values_parts) if n_rows else np.zeros(0, dtype=np.float64)
    return sp.csr_matrix(
        (data.astype(np.float32), indices.astype(np.int32), indptr.astype(np.int32)),
        shape=(n_rows, n_columns),
    )


def _pattern(vectors: sp.csr_matrix) -> sp.csr_matrix:
    """1.0 on every stored cell (explicit zeros included: a centred 0 is still a rating)."""
    ones = np.ones(vectors.nnz, dtype=np.float64)
    return sp.csr_matrix((ones, vectors.indices, vectors.indptr), shape=vectors.shape)


def neighbour_graph(
    vectors: sp.csr_matrix,
    max_neighbors: int,
    min_similarity: float = 0.0,
    min_support: int = 1,
    shrinkage: float = 0.0,
    progress: ProgressFn | None = None,
) -> sp.csr_matrix:
    """Top-``max_neighbors`` cosine neighbours of each row of ``vectors`` as an n x n CSR.

    Each row's entries are ordered by similarity, highest first (ties: lower index first), so
    the CSR's indices are deliberately NOT sorted.  Only similarities > ``min_similarity``
    survive; a row is never its own neighbour.  Co-rating counts come from the stored pattern
    of ``vectors`` (explicit zeros count as rated).
    """
    return cross_neighbours(
        vectors, vectors, max_neighbors, min_similarity, min_support, shrinkage, True, progress
    )


def cross_neighbours(
    queries: sp.csr_matrix,
    candidates: sp.csr_matrix,
    max_neighbors: int,
    min_similarity: float = 0.0,
    min_support: int = 1,
    shrinkage: float = 0.0,
    queries_are_candidates: bool = False,
    progress: ProgressFn | None = None,
) -> sp.csr_matrix:
    """For each row of ``queries``, its top cosine neighbours among the rows of ``candidates``.

    Computed ``BLOCK_CELLS`` dense cells at a time: a block of query rows times all
    candidates, densified only for that block, top-M picked with argpartition.  With
    ``queries_are_candidates`` (the same matrix) row r is never its own neighbour.
    """
    n_queries, n = queries.shape[0], candidates.shape[0]
    unit_queries, unit_candidates_t = unit_rows(queries), sp.csr_matrix(unit_rows(candidates).T)
    need_counts = min_support > 1 or shrinkage > 0.0
    query_pattern, candidate_pattern_t = _pattern(queries), sp.csr_matrix(_pattern(candidates).T)

    def block(start: int, stop: int) -> npt.NDArray[np.float64]:
        sims: npt.NDArray[np.float64] = (unit_queries[start:stop] @ unit_candidates_t).toarray()
        if need_counts:
            co_counts = (query_pattern[start:stop] @ candidate_pattern_t).toarray()
            sims[co_counts < min_support] = 0.0
            if shrinkage > 0.0:
                sims *= co_counts / (co_counts + shrinkage)
        return sims

    return top_k_rows(
        block,
        n_queries,
        n,
        max_neighbors,
        max(1, BLOCK_CELLS // max(n, 1)),
        min_value=min_similarity,
        skip_self=queries_are_candidates,
        progress=progress,
    )


def cap_rows(matrix: sp.csr_matrix, cap: int, seed: int) -> sp.csr_matrix:
    """Keep at most ``cap`` stored entries per row, a seeded uniform sample of each long row.

    Similarity work grows with the square of each shared-dimension row (Σ n_rated² for item-CF),
    so a few users with tens of thousands of ratings would dominate it; sampling them down
    bounds the cost while every row keeps plenty of evidence.  Rows within the cap are untouched.
    """
    counts = np.diff(matrix.indptr)
    if counts.size == 0 or counts.max(initial=0) <= cap:
        return matrix
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    keys = np.random.default_rng(seed).random(matrix.nnz)
    order = np.lexsort((keys, rows))  # by row, then random key
    rank = np.empty(matrix.nnz, dtype=np.int64)
    rank[order] = np.arange(matrix.nnz) - np.repeat(matrix.indptr[:-1], counts)
    keep = rank < cap
    kept = sp.csr_matrix(
        (matrix.data[keep], matrix.indices[keep], np.r_[0, np.cumsum(np.minimum(counts, cap))]),
        shape=matrix.shape,
    )
    return kept
