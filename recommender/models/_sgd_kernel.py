"""One SGD epoch of biased matrix factorization: a compiled kernel and its plain reference.

The model is the seed's (§4), i.e. Funk's SVD with biases as in Koren, Bell & Volinsky (2009)
and Surprise's ``SVD``::

    r̂_ui = mu + b_u + b_i + p_u · q_i

and each observed rating, visited in the given (shuffled) order, takes one gradient step::

    e    = r_ui − r̂_ui
    b_u += lr (e − reg b_u)
    b_i += lr (e − reg b_i)
    p_u += lr (e q_i − reg p_u)        q_i += lr (e p_u' − reg q_i)   (p_u' = p_u before its step)

``sgd_epoch`` is the numba kernel used by ``MatrixFactorization``; ``sgd_epoch_reference`` is
the same loop in plain numpy, kept readable and tested to agree with the kernel (to rounding:
the kernel sums the dot product in a different order).  Both update
the parameter arrays in place and return the epoch's sum of squared errors (each error taken
before its own update, as the seed's ``sse``).  The visiting order is an argument so both
consume the identical permutation drawn from the model's seeded generator.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = ["sgd_epoch", "sgd_epoch_reference"]


@njit(cache=True, fastmath=False, inline="always")
def _dot(a: npt.NDArray[np.floating], b: npt.NDArray[np.floating]) -> float:  # pragma: no cover
    """a · b with four running sums: the one-sum loop waits on each add's latency."""
    n = a.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    tail = n - n % 4
    for f in range(0, tail, 4):
        s0 += a[f] * b[f]
        s1 += a[f + 1] * b[f + 1]
        s2 += a[f + 2] * b[f + 2]
        s3 += a[f + 3] * b[f + 3]
    for f in range(tail, n):
        s0 += a[f] * b[f]
    return (s0 + s1) + (s2 + s3)


#: Ratings gathered per block: small enough to stay in L1/L2, large enough to overlap misses.
_BLOCK = 1024


@njit(cache=True, fastmath=False, nogil=True)
def sgd_epoch(
    users: npt.NDArray[np.int32],
    items: npt.NDArray[np.int32],
    ratings: npt.NDArray[np.floating],
    order: npt.NDArray[np.int64],
    mu: float,
    user_bias: npt.NDArray[np.floating],
    item_bias: npt.NDArray[np.floating],
    user_factors: npt.NDArray[np.floating],
    item_factors: npt.NDArray[np.floating],
    lr: float,
    reg: float,
) -> float:  # pragma: no cover - compiled; checked against the reference in the tests
    """One pass over the ratings in ``order``; updates in place, returns the SSE."""
    n_factors = user_factors.shape[1]
    block_users = np.empty(_BLOCK, dtype=np.int64)
    block_items = np.empty(_BLOCK, dtype=np.int64)
    block_ratings = np.empty(_BLOCK, dtype=np.float64)
    sse = 0.0
    for start in range(0, order.shape[0], _BLOCK):
        size = min(_BLOCK, order.shape[0] - start)
        # Gather the next block of shuffled ratings first: these loads are independent, so
        # the CPU overlaps their cache misses (about 1.5x faster per epoch at 25M ratings).
        for k in range(size):
            idx = order[start + k]
            block_users[k] = users[idx]
            block_items[k] = items[idx]
            block_ratings[k] = ratings[idx]
        for k in range(size):
            u = block_users[k]
            i = block_items[k]
            p_u = user_factors[u]
            q_i = item_factors[i]
            # e = r − r̂,  r̂ = mu + b_u + b_i + p_u · q_i
            e = block_ratings[k] - (mu + user_bias[u] + item_bias[i] + _dot(p_u, q_i))
            sse += e * e
            # biases: b += lr (e − reg b)
            user_bias[u] += lr * (e - reg * user_bias[u])
            item_bias[i] += lr * (e - reg * item_bias[i])
            # factors: p_u += lr (e q_i − reg p_u);  q_i += lr (e p_u' − reg q_i), p_u' = old p_u
            for f in range(n_factors):
                p_old = p_u[f]
                p_u[f] += lr * (e * q_i[f] - reg * p_old)
                q_i[f] += lr * (e * p_old - reg * q_i[f])
    return sse


def sgd_epoch_reference(
    users: npt.NDArray[np.integer],
    items: npt.NDArray[np.integer],
    ratings: npt.NDArray[np.floating],
    order: npt.NDArray[np.int64],
    mu: float,
    user_bias: npt.NDArray[np.floating],
    item_bias: npt.NDArray[np.floating],
    user_factors: npt.NDArray[np.floating],
    item_factors: npt.NDArray[np.floating],
    lr: float,
    reg: float,
) -> float:
    """The same epoch as ``sgd_epoch``, written like the seed's loop (slow; for tests)."""
    sse = 0.0
    for idx in order:
        u, i, r = users[idx], items[idx], float(ratings[idx])
        e = r - (mu + user_bias[u] + item_bias[i] + float(user_factors[u] @ item_factors[i]))
        sse += e * e
        user_bias[u] += lr * (e - reg * user_bias[u])
        item_bias[i] += lr * (e - reg * item_bias[i])
        p_u_old = user_factors[u].copy()  # q_i's step uses p_u from before its own step
        user_factors[u] += lr * (e * item_factors[i] - reg * user_factors[u])
        item_factors[i] += lr * (e * p_u_old - reg * item_factors[i])
    return sse
