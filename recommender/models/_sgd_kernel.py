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
the same loop in plain numpy, kept readable and tested to agree with the kernel (to float32
rounding: the kernel computes in float32 and sums the dot product in a different order).  Both
update the parameter arrays in place and return the epoch's sum of squared errors (each error
taken before its own update, as the seed's ``sse``).  The visiting order is an argument so both
consume the identical permutation; ``shuffle`` draws it in place from a seed.

Speed (ML-100K, f=40): the kernel's inner loops over f are plain loops LLVM vectorizes (SIMD
over the factors); everything stays float32, so one vector holds twice the lanes of float64 and
no conversions sit in the loop.  Fast-math is limited to reassociation and fused multiply-add:
the dot product may be summed in any order, but NaN and infinity keep their meaning, so a
diverging fit still shows up as a non-finite SSE.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = ["sgd_epoch", "sgd_epoch_reference", "shuffle"]

#: Reassociation (vectorized sums) and FMA only; no 'nnan'/'ninf', which would let the compiler
#: assume divergence away.
_FASTMATH = {"reassoc", "contract"}
#: Ratings gathered per block: small enough to stay in L1/L2, large enough to overlap misses.
_BLOCK = 1024


@njit(cache=True, fastmath=_FASTMATH, nogil=True)
def sgd_epoch(
    users: npt.NDArray[np.int32],
    items: npt.NDArray[np.int32],
    ratings: npt.NDArray[np.float32],
    order: npt.NDArray[np.int32],
    mu: float | np.float32,
    user_bias: npt.NDArray[np.float32],
    item_bias: npt.NDArray[np.float32],
    user_factors: npt.NDArray[np.float32],
    item_factors: npt.NDArray[np.float32],
    lr: float | np.float32,
    reg: float | np.float32,
) -> float:  # pragma: no cover - compiled; checked against the reference in the tests
    """One pass over the ratings in ``order``; updates in place, returns the SSE (float64)."""
    n_factors = user_factors.shape[1]
    # float32 constants: a float64 one would widen every operation in the loop
    mu, lr, reg = np.float32(mu), np.float32(lr), np.float32(reg)
    block_users = np.empty(_BLOCK, dtype=np.int32)
    block_items = np.empty(_BLOCK, dtype=np.int32)
    block_ratings = np.empty(_BLOCK, dtype=np.float32)
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
            dot = np.float32(0.0)
            for f in range(n_factors):
                dot += p_u[f] * q_i[f]
            # e = r − r̂,  r̂ = mu + b_u + b_i + p_u · q_i
            e = block_ratings[k] - (mu + user_bias[u] + item_bias[i] + dot)
            sse += np.float64(e) * np.float64(e)
            # biases: b += lr (e − reg b)
            user_bias[u] += lr * (e - reg * user_bias[u])
            item_bias[i] += lr * (e - reg * item_bias[i])
            # factors: p_u += lr (e q_i − reg p_u);  q_i += lr (e p_u' − reg q_i), p_u' = old p_u
            for f in range(n_factors):
                p_old = p_u[f]
                p_u[f] += lr * (e * q_i[f] - reg * p_old)
                q_i[f] += lr * (e * p_old - reg * q_i[f])
    return sse


@njit(cache=True, nogil=True)
def shuffle(order: npt.NDArray[np.int32], seed: int) -> None:  # pragma: no cover - compiled
    """Permute ``order`` in place, uniformly at random, determined by ``seed`` (Fisher-Yates).

    A permutation of a permutation is again uniform, so one index array serves every epoch.
    Random words come from splitmix64; each draw in ``[0, k]`` uses Lemire's multiply-shift with
    rejection, so it is exactly uniform.  About 4x faster than numpy's ``permutation``, which at
    ML-100K's size cost as much as a tenth of the fit.
    """
    state = np.uint64(seed)
    for k in range(order.shape[0] - 1, 0, -1):
        bound = np.uint64(k + 1)
        threshold = (np.uint64(2**32) - bound) % bound
        while True:
            state += np.uint64(0x9E3779B97F4A7C15)
            z = state
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z ^= z >> np.uint64(31)
            product = (z >> np.uint64(32)) * bound  # a 32-bit random word times the bound
            if (product & np.uint64(0xFFFFFFFF)) >= threshold:
                break
        j = product >> np.uint64(32)
        order[k], order[j] = order[j], order[k]


def sgd_epoch_reference(
    users: npt.NDArray[np.integer],
    items: npt.NDArray[np.integer],
    ratings: npt.NDArray[np.floating],
    order: npt.NDArray[np.integer],
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
