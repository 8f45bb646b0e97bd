"""Synthetic MovieLens-like ratings at any scale, for load and scaling tests without real data.

The generator mimics the traits that make MovieLens hard for recommenders:

* skew: user activity has a power-law (Pareto) tail above a floor of ratings per user, and item
  popularity is Zipf-like over a random permutation of item ids;
* genre structure: each item has 1-3 genres (common genres more often), each user has a few
  favourite genres, draws half of their items from those genres and rates them higher;
* ratings from a latent model: global mean + user bias + item bias + genre affinity + noise,
  rounded to stars (whole stars more often than half stars, as in MovieLens), clipped to 0.5-5;
* time: each user starts somewhere in 1996-2019 and rates over a lognormal span (days to
  years), so timestamps increase along each user's draws.

Everything is vectorized numpy, chunked over users: 25M ratings take seconds and a few GB.
Items are sampled per user without replacement by drawing with popularity weights, dropping
repeats and topping up (which is exactly sequential weighted sampling); the few users who rate
a large share of the catalog use the Gumbel top-k trick instead, where top-ups would crawl.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
import pandas as pd

from recommender.errors import ConfigError
from recommender.fileio import atomic_file, writable_dir

__all__ = [
    "GENRES",
    "MAX_RATINGS",
    "format_rows",
    "synthesize",
    "write_ratings_csv",
    "write_synthetic",
]

#: The MovieLens genre names, with rough relative frequencies in the catalog.
GENRES = (
    "Drama", "Comedy", "Thriller", "Romance", "Action", "Crime", "Horror", "Documentary",
    "Adventure", "Sci-Fi", "Children", "Mystery", "Fantasy", "Animation", "War", "Musical",
    "Western", "Film-Noir", "IMAX",
)  # fmt: skip
_GENRE_WEIGHTS = np.array(
    [25, 16, 8, 7, 7, 5, 5, 5, 4, 4, 3, 3, 3, 3, 2, 1.5, 1, 0.5, 0.5], dtype=np.float64
)

# ML-25M: 25,000,095 ratings by 162,541 users on 59,047 rated movies; ML-100K: 100,000 by 943
# on 1,682.  Users and items grow as these power laws of n_ratings through both points.
_REF_RATINGS, _REF_USERS, _REF_ITEMS = 25_000_095, 162_541, 59_047
_USER_EXPONENT, _ITEM_EXPONENT = 0.93, 0.644
MIN_PER_USER = 20
#: The most ratings ``synthesize`` makes: four times ML-25M, already tens of GB of memory.
MAX_RATINGS = 100_000_000
_MAX_SHARE = 0.6  # no user rates more than this share of the catalog (ML-25M: 55%)
_USER_TAIL = 1.4  # Pareto shape of user activity: smaller is heavier
_ITEM_ZIPF = 1.0  # exponent of item popularity by rank
_ITEM_ZIPF_OFFSET = 20.0  # flattens the very top so the top item is not in every profile
_HEAVY_SHARE = 0.05  # users rating more than this share of items use Gumbel top-k
_CHUNK_DRAWS = 2_000_000
_START, _END = 820_454_400, 1_574_294_400  # 1996-01-01 .. 2019-11-21 (UTC)


def synthesize(
    n_ratings: int,
    *,
    rng: np.random.Generator,
    n_users: int | None = None,
    n_items: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n_ratings`` synthetic ratings and their catalog, in ``Dataset``'s column layout.

    Returns (ratings with user, item, rating float32, timestamp int64, sorted by user then
    item; movies with movie_id, title, year, genres tuple, tags).  Ids start at 1.  Default
    sizes follow MovieLens (100K: ~950 users, ~1.7K items; 25M: ~163K users, ~59K items).
    """
    if not 1 <= n_ratings <= MAX_RATINGS:
        raise ConfigError(f"the number of ratings must be 1 to {MAX_RATINGS:,}, got {n_ratings:,}")
    scale = n_ratings / _REF_RATINGS
    if n_users is None:
        n_users = max(min(20, n_ratings), round(_REF_USERS * scale**_USER_EXPONENT))
    if n_items is None:
        n_items = max(50, round(_REF_ITEMS * scale**_ITEM_EXPONENT))
    if n_users < 1 or n_items < 1:
        raise ConfigError("n_users and n_items must be positive")
    if n_ratings > n_users * n_items:
        raise ConfigError(
            f"{n_ratings} ratings do not fit {n_users} users x {n_items} items without repeats"
        )

    counts = _user_counts(n_ratings, n_users, n_items, rng)
    popularity = _item_popularity(n_items, rng)
    item_genres = _item_genres(n_items, rng)  # (n_items, 3), -1 padded
    favourites = _favourite_genres(n_users, rng)  # (n_users, 2)
    affinity = rng.normal(0.0, 0.3, size=(n_users, len(GENRES))).astype(np.float32)
    np.put_along_axis(affinity, favourites, affinity.max(axis=1, keepdims=True) + 0.6, axis=1)
    user_bias = rng.normal(0.0, 0.35, n_users).astype(np.float32)
    log_pop = np.log(popularity)
    item_bias = (
        rng.normal(0.0, 0.45, n_items) + 0.12 * (log_pop - log_pop.mean()) / log_pop.std()
    ).astype(np.float32)
    start, span = _user_periods(n_users, rng)

    users_out: list[npt.NDArray[np.int64]] = []
    items_out: list[npt.NDArray[np.int64]] = []
    times_out: list[npt.NDArray[np.int64]] = []
    genre_pools = _genre_pools(item_genres, popularity)
    for lo, hi in _user_chunks(counts):
        users, items = _sample_chunk(
            lo, hi, counts, popularity, genre_pools, favourites, n_items, rng
        )
        times = start[users] + (_time_offsets(users, rng) * span[users]).astype(np.int64)
        order = np.argsort(users * n_items + items)  # the files' order: by user, then item
        users_out.append(users[order])
        items_out.append(items[order])
        times_out.append(times[order])
    users = np.concatenate(users_out)
    items = np.concatenate(items_out)
    timestamps = np.concatenate(times_out)
    del users_out, items_out, times_out

    ratings = _rate(users, items, user_bias, item_bias, affinity, item_genres, rng)
    ratings_frame = pd.DataFrame(
        {"user": users + 1, "item": items + 1, "rating": ratings, "timestamp": timestamps}
    )
    return ratings_frame, _catalog(item_genres, rng)


def write_synthetic(directory: Path | str, n_ratings: int, seed: int = 0) -> Path:
    """Write a synthetic dataset as ``ratings.csv`` and ``movies.csv`` into ``directory``.

    Each file is written to a temp file beside it and renamed into place, so a reader never
    sees a half-written file.
    """
    directory = writable_dir(directory, "the synthetic data folder")  # before hours of work
    ratings, movies = synthesize(n_ratings, rng=np.random.default_rng(seed))
    with atomic_file(directory / "ratings.csv", binary=True) as out:
        write_ratings_csv(ratings, out)
    catalog = pd.DataFrame(
        {
            "movieId": movies["movie_id"],
            "title": movies["title"],
            "genres": ["|".join(g) or "(no genres listed)" for g in movies["genres"]],
        }
    )
    with atomic_file(directory / "movies.csv") as out:
        catalog.to_csv(out, index=False, lineterminator="\n")
    return directory


# --------------------------------------------------------------------------- structure


def _user_counts(
    n_ratings: int, n_users: int, n_items: int, rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """Ratings per user: a floor plus a Pareto-weighted share of the rest, summing exactly."""
    cap = max(-(-n_ratings // n_users), int(_MAX_SHARE * n_items))
    floor = min(MIN_PER_USER, n_ratings // n_users)
    weights = rng.pareto(_USER_TAIL, n_users) + 0.05
    counts = np.full(n_users, floor, dtype=np.int64)
    remaining = n_ratings - int(counts.sum())
    while remaining > 0:
        open_ = counts < cap
        share = np.where(open_, weights, 0.0)
        exact = remaining * share / share.sum()
        extra = np.floor(exact).astype(np.int64)
        leftover = remaining - int(extra.sum())
        if leftover:  # hand the rounding remainder to random open users, by weight
            extra += np.bincount(
                rng.choice(n_users, size=leftover, p=share / share.sum()), minlength=n_users
            )
        counts = np.minimum(counts + extra, cap)
        remaining = n_ratings - int(counts.sum())
    return counts


def _item_popularity(n_items: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """Zipf-like draw probabilities, assigned to item ids in random order."""
    ranks = rng.permutation(n_items).astype(np.float64)
    weights = (ranks + _ITEM_ZIPF_OFFSET) ** -_ITEM_ZIPF
    return weights / weights.sum()


def _item_genres(n_items: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """1-3 distinct genres per item (padded with -1), common genres more likely."""
    # Gumbel top-3 draws 3 distinct genres by weight; keep the first 1, 2 or 3.
    keys = np.log(_GENRE_WEIGHTS) + rng.gumbel(size=(n_items, len(GENRES)))
    top3 = np.argsort(-keys, axis=1)[:, :3]
    how_many = rng.choice([1, 2, 3], size=n_items, p=[0.45, 0.35, 0.20])
    return np.where(np.arange(3) < how_many[:, None], top3, -1).astype(np.int64)


def _favourite_genres(n_users: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    keys = np.log(_GENRE_WEIGHTS) + rng.gumbel(size=(n_users, len(GENRES)))
    return np.argsort(-keys, axis=1)[:, :2].astype(np.int64)


def _user_periods(
    n_users: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Each user's first timestamp and the length (s) of their active period."""
    day = 86_400.0
    span = np.minimum(rng.lognormal(np.log(60.0), 2.0, n_users) * day, (_END - _START) * 0.9)
    start = _START + (rng.random(n_users) * (_END - _START - span)).astype(np.int64)
    return start, span


def _time_offsets(
    users: npt.NDArray[np.int64], rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Increasing offsets in [0, 1) along each user's rows (rows grouped by user).

    Cumulated exponential gaps, scaled per user: a Poisson process over the user's period,
    without sorting.
    """
    steps = np.cumsum(rng.exponential(size=users.size + 1))
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    ends = np.r_[starts[1:], users.size]
    sizes = ends - starts
    base = np.repeat(steps[starts], sizes)
    # offsets from each user's first step, divided by that user's total (one gap past the end)
    total = np.repeat(steps[ends] - steps[starts], sizes)
    return (steps[:-1] - base) / total


def _genre_pools(
    item_genres: npt.NDArray[np.int64], popularity: npt.NDArray[np.float64]
) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
    """Per genre: its items and their cumulative popularity (for searchsorted draws)."""
    pools = []
    for genre in range(len(GENRES)):
        members = np.flatnonzero((item_genres == genre).any(axis=1))
        cdf = np.cumsum(popularity[members])
        pools.append((members, cdf / cdf[-1] if members.size else cdf))
    return pools


def _user_chunks(counts: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    """Contiguous user ranges of about ``_CHUNK_DRAWS`` ratings each."""
    ends = np.cumsum(counts)
    bounds = np.searchsorted(ends, np.arange(_CHUNK_DRAWS, int(ends[-1]), _CHUNK_DRAWS))
    edges = np.unique(np.r_[0, bounds + 1, counts.size])
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges)]


# --------------------------------------------------------------------------- sampling


def _sample_chunk(
    lo: int,
    hi: int,
    counts: npt.NDArray[np.int64],
    popularity: npt.NDArray[np.float64],
    genre_pools: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]],
    favourites: npt.NDArray[np.int64],
    n_items: int,
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(user, item) pairs for users lo..hi-1, counts[u] distinct items each.

    Grouped by user, each user's items in the order they were drawn.
    """
    want = counts[lo:hi]
    heavy = want > _HEAVY_SHARE * n_items
    users = np.arange(lo, hi, dtype=np.int64)
    global_cdf = np.cumsum(popularity)
    global_cdf /= global_cdf[-1]

    # Light users: draw with repeats, keep first occurrences, top up the ones still short.
    # Users who are complete leave the pool, so each top-up round only touches the few left.
    finished_users: list[npt.NDArray[np.int64]] = []
    finished_items: list[npt.NDArray[np.int64]] = []
    done = heavy.copy()
    need = np.where(done, 0, want)
    pending_users = np.empty(0, dtype=np.int64)
    pending_items = np.empty(0, dtype=np.int64)
    while need.sum() > 0:
        ask = need + (need * 0.2).astype(np.int64) + np.where(need > 0, 2, 0)
        new_users = np.repeat(users, ask)
        new_items = _draw_items(new_users, global_cdf, genre_pools, favourites, rng)
        pending_users, pending_items = _first_distinct(
            np.r_[pending_users, new_users], np.r_[pending_items, new_items], n_items, want, lo
        )
        got = np.bincount(pending_users - lo, minlength=hi - lo)
        complete = got[pending_users - lo] == want[pending_users - lo]
        finished_users.append(pending_users[complete])
        finished_items.append(pending_items[complete])
        pending_users, pending_items = pending_users[~complete], pending_items[~complete]
        done |= got == want
        need = np.where(done, 0, want - got)
    draw_users = np.concatenate([pending_users, *finished_users])
    draw_items = np.concatenate([pending_items, *finished_items])

    # Heavy users: exact weighted sampling without replacement via Gumbel top-k.
    log_pop = np.log(popularity)
    parts_users, parts_items = [draw_users], [draw_items]
    for user in users[heavy]:
        k = int(counts[user])
        keys = log_pop + rng.gumbel(size=n_items)
        chosen = np.argpartition(-keys, k - 1)[:k]
        parts_items.append(chosen[np.argsort(-keys[chosen])].astype(np.int64))  # draw order
        parts_users.append(np.full(k, user, dtype=np.int64))
    draw_users, draw_items = np.concatenate(parts_users), np.concatenate(parts_items)
    grouped = np.argsort(draw_users, kind="stable")  # by user, draw order within each user
    return draw_users[grouped], draw_items[grouped]


def _draw_items(
    users: npt.NDArray[np.int64],
    global_cdf: npt.NDArray[np.float64],
    genre_pools: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]],
    favourites: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> npt.NDArray[np.int64]:
    """One popularity-weighted item per entry; half come from one of the user's favourite genres."""
    items = np.searchsorted(global_cdf, rng.random(users.size), side="right")
    from_favourite = rng.random(users.size) < 0.5
    genre = favourites[users, rng.integers(0, favourites.shape[1], users.size)]
    for g, (members, cdf) in enumerate(genre_pools):
        rows = np.flatnonzero(from_favourite & (genre == g))
        if rows.size and members.size:
            picks = np.searchsorted(cdf, rng.random(rows.size), side="right")
            items[rows] = members[np.minimum(picks, members.size - 1)]
    return np.minimum(items, global_cdf.size - 1).astype(np.int64)


def _first_distinct(
    users: npt.NDArray[np.int64],
    items: npt.NDArray[np.int64],
    n_items: int,
    want: npt.NDArray[np.int64],
    lo: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Drop repeated (user, item) draws and user u's draws beyond ``want[u - lo]``, in order."""
    keys = users * n_items + items
    _, first = np.unique(keys, return_index=True)
    first.sort()  # back to draw order
    users, items = users[first], items[first]
    # rank of each draw within its user (users are grouped: stable sort keeps draw order)
    order = np.argsort(users, kind="stable")
    sorted_users = users[order]
    starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
    rank = np.arange(users.size) - np.repeat(starts, np.diff(np.r_[starts, users.size]))
    keep = np.empty(users.size, dtype=bool)
    keep[order] = rank < want[sorted_users - lo]
    return users[keep], items[keep]


# --------------------------------------------------------------------------- ratings


def _rate(
    users: npt.NDArray[np.int64],
    items: npt.NDArray[np.int64],
    user_bias: npt.NDArray[np.float32],
    item_bias: npt.NDArray[np.float32],
    affinity: npt.NDArray[np.float32],
    item_genres: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> npt.NDArray[np.float32]:
    """Latent-model stars: mean + biases + mean genre affinity + noise, rounded and clipped."""
    out = np.empty(users.size, dtype=np.float32)
    step = 4_000_000
    for lo in range(0, users.size, step):
        u, i = users[lo : lo + step], items[lo : lo + step]
        genres = item_genres[i]
        present = genres >= 0
        taste = np.where(present, affinity[u[:, None], np.maximum(genres, 0)], 0.0).sum(axis=1)
        taste /= present.sum(axis=1)
        score = 3.1 + user_bias[u] + item_bias[i] + taste + rng.normal(0.0, 0.75, u.size)
        # MovieLens users give whole stars about twice as often as half stars.
        whole = rng.random(u.size) < 0.6
        stars = np.where(whole, np.round(score), np.round(score * 2.0) / 2.0)
        out[lo : lo + step] = np.clip(stars, np.where(whole, 1.0, 0.5), 5.0)
    return out


def _catalog(item_genres: npt.NDArray[np.int64], rng: np.random.Generator) -> pd.DataFrame:
    n_items = item_genres.shape[0]
    # Release years skew recent, as in MovieLens.
    years = np.clip(2019 - np.floor(rng.exponential(18.0, n_items)), 1915, 2019).astype(np.int64)
    names = np.array(GENRES)
    genres = [tuple(names[row[row >= 0]]) for row in item_genres]
    ids = np.arange(1, n_items + 1, dtype=np.int64)
    return pd.DataFrame(
        {
            "movie_id": ids,
            "title": [f"Synthetic Movie {i} ({y})" for i, y in zip(ids, years, strict=True)],
            "year": pd.array(years, dtype="Int64"),
            "genres": genres,
            "tags": "",
        }
    )


# --------------------------------------------------------------------------- writing


_RATING_TEXT = np.array([f"{r / 2:.1f}".encode() for r in range(11)], dtype="S3")


def write_ratings_csv(ratings: pd.DataFrame, out: IO[bytes]) -> None:
    """Write ``ratings`` as MovieLens ratings.csv (header, ``1,31,2.5,1260759144`` rows).

    A numpy fast path: digits are laid out in a fixed-width byte matrix and the padding is
    squeezed out (a test checks it agrees with ``DataFrame.to_csv``).
    """
    write = out.write
    write(b"userId,movieId,rating,timestamp\n")
    step = 1_000_000
    for lo in range(0, len(ratings), step):
        part = ratings.iloc[lo : lo + step]
        write(
            format_rows(
                part["user"].to_numpy(np.int64),
                part["item"].to_numpy(np.int64),
                part["rating"].to_numpy(np.float64),
                part["timestamp"].to_numpy(np.int64),
            )
        )


def format_rows(
    users: npt.NDArray[np.int64],
    items: npt.NDArray[np.int64],
    ratings: npt.NDArray[np.float64],
    timestamps: npt.NDArray[np.int64],
) -> bytes:
    """CSV lines ``user,item,rating,timestamp`` for non-negative ints and half-star ratings."""
    halves = np.rint(ratings * 2.0).astype(np.int64)
    if np.any(np.abs(halves / 2.0 - ratings) > 1e-6) or np.any((halves < 0) | (halves > 10)):
        raise ValueError("ratings must be half stars in 0-5")
    columns: list[tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]] = []
    comma = np.full((users.size, 1), ord(","), dtype=np.uint8)
    newline = np.full((users.size, 1), ord("\n"), dtype=np.uint8)
    always = np.ones((users.size, 1), dtype=bool)
    columns.append(_digits(users))
    columns.append((comma, always))
    columns.append(_digits(items))
    columns.append((comma, always))
    text = _RATING_TEXT[halves].view(np.uint8).reshape(-1, 3)
    columns.append((text, np.ones(text.shape, dtype=bool)))
    columns.append((comma, always))
    columns.append(_digits(timestamps))
    columns.append((newline, always))
    matrix = np.concatenate([c for c, _ in columns], axis=1)
    keep = np.concatenate([k for _, k in columns], axis=1)
    return matrix[keep].tobytes()


def _digits(values: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    """Fixed-width ASCII digits of non-negative ints, and the mask without leading zeros."""
    if values.size and values.min() < 0:
        raise ValueError("ids and timestamps must be non-negative")
    width = max(1, len(str(int(values.max())))) if values.size else 1
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (values[:, None] // powers) % 10
    keep = (values[:, None] >= powers) | (powers == 1)
    return (digits + ord("0")).astype(np.uint8), keep
