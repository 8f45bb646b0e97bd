"""Our MF-SGD against Surprise's SVD, side by side in one run: fit times, their ratio, test RMSE.

Both fit the same ML-100K per-user temporal split (the README's protocol) with the same
settings, f=40, 30 epochs, lr 0.01, reg 0.05, biases, Normal(0, 0.1) init.  The two fits
alternate round by round (and swap which goes first each round), so the machine's load, which
drifts on this shared box, falls on both sides alike; the ratio of medians is the robust figure.
Each fit is timed by the wall clock and by the process's CPU time (both fits are
single-threaded, so on an idle machine the two agree; under load CPU time leaves out the time
spent waiting for a core).  Only ``fit`` is timed: Surprise's ``Trainset`` is built once beforehand, and our kernel is
compiled by a warm-up fit.  Prints a Markdown section for BENCHMARKS.md with the command line.

    uv sync --frozen --group bench     # scikit-surprise is in the 'bench' dependency group
    uv run python benchmarks/bench_mf_vs_surprise.py --data-dir ../shared/data/ml-100k
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from recommender.data import load_dataset
from recommender.errors import MovieBotError
from recommender.metrics import rmse
from recommender.models.mf_sgd import MatrixFactorization, MatrixFactorizationConfig
from recommender.splits import IndexedSplit, index_split, user_time_split

REPO = Path(__file__).resolve().parent.parent
#: The seed's settings, given to both libraries.
FACTORS, EPOCHS, LR, REG, SEED = 40, 30, 0.01, 0.05, 0


def import_surprise() -> ModuleType:
    """Surprise is a benchmark-only dependency; say how to get it instead of a traceback."""
    try:
        import surprise
    except ImportError:
        print(
            "bench_mf_vs_surprise: scikit-surprise is not installed; install the benchmark "
            "group with `uv sync --frozen --group bench` and run again",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    return surprise


def our_config() -> MatrixFactorizationConfig:
    return MatrixFactorizationConfig(factors=FACTORS, epochs=EPOCHS, lr=LR, reg=REG, seed=SEED)


def surprise_rmse(algo: Any, trainset: Any, train: pd.DataFrame, test: pd.DataFrame) -> float:
    """Test RMSE of a fitted Surprise SVD on the rows whose user and item it trained on.

    Its estimate for a known pair, ``mu + b_u + b_i + q_i · p_u`` clipped to the rating scale,
    computed from its parameter arrays at once instead of one ``predict`` call per row.
    """
    users = test["user"].map(trainset._raw2inner_id_users)
    items = test["item"].map(trainset._raw2inner_id_items)
    warm = (users.notna() & items.notna()).to_numpy()
    u = users[warm].to_numpy(dtype=np.int64)
    i = items[warm].to_numpy(dtype=np.int64)
    estimate = (
        trainset.global_mean
        + algo.bu[u]
        + algo.bi[i]
        + np.einsum("nf,nf->n", algo.pu[u], algo.qi[i])
    )
    low, high = float(train["rating"].min()), float(train["rating"].max())
    return rmse(test["rating"].to_numpy()[warm], np.clip(estimate, low, high))


def our_rmse(model: MatrixFactorization, split: IndexedSplit) -> float:
    warm = split.warm
    predicted = model.predict(split.test_users[warm], split.test_items[warm])
    return rmse(split.test_ratings[warm], predicted)


def timed(fit: Callable[[], object]) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds of one call, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    fitted = fit()
    return time.perf_counter() - wall, time.process_time() - cpu, fitted


def describe(seconds: list[float]) -> str:
    return f"{statistics.median(seconds):.3f} s median, {min(seconds):.3f} s min"


def ratio(theirs: list[float], ours: list[float]) -> str:
    per_round = np.asarray(theirs) / np.asarray(ours)
    return (
        f"**{statistics.median(theirs) / statistics.median(ours):.1f}x** (medians), "
        f"{min(theirs) / min(ours):.1f}x (mins), per round {per_round.min():.1f}x-"
        f"{per_round.max():.1f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared/data/ml-100k")
    parser.add_argument("--rounds", type=int, default=9, help="alternating rounds (default 9)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    surprise = import_surprise()
    try:
        ratings = load_dataset(args.data_dir).ratings
    except MovieBotError as error:
        print(f"bench_mf_vs_surprise: {error}", file=sys.stderr)
        return 2
    train, test = user_time_split(ratings)
    split = index_split(train, test)

    # data conversion, outside the timed region on both sides
    low, high = float(train["rating"].min()), float(train["rating"].max())
    reader = surprise.Reader(rating_scale=(low, high))
    trainset = surprise.Dataset.load_from_df(
        train[["user", "item", "rating"]], reader
    ).build_full_trainset()

    def fit_ours() -> MatrixFactorization:
        return MatrixFactorization(our_config()).fit(split.train)

    def fit_surprise() -> Any:
        algo = surprise.SVD(
            n_factors=FACTORS,
            n_epochs=EPOCHS,
            lr_all=LR,
            reg_all=REG,
            biased=True,
            init_mean=0.0,
            init_std_dev=0.1,
            random_state=SEED,
        )
        return algo.fit(trainset)

    fit_ours()  # compiles the numba kernel (or loads it from numba's cache)
    wall: dict[str, list[float]] = {"ours": [], "surprise": []}
    cpu: dict[str, list[float]] = {"ours": [], "surprise": []}
    fitted: dict[str, Any] = {}
    for round_ in range(args.rounds):
        sides = [("ours", fit_ours), ("surprise", fit_surprise)]
        for side, fit in sides if round_ % 2 == 0 else reversed(sides):
            wall_s, cpu_s, fitted[side] = timed(fit)
            wall[side].append(wall_s)
            cpu[side].append(cpu_s)
    ours, theirs = fitted["ours"], fitted["surprise"]
    ours_rmse, theirs_rmse = our_rmse(ours, split), surprise_rmse(theirs, trainset, train, test)

    command = " ".join(["uv run python benchmarks/bench_mf_vs_surprise.py", *sys.argv[1:]])
    print("## MF-SGD against Surprise SVD, side by side\n")
    print(f"Command: `{command}`  ")
    print(
        f"Machine: {os.cpu_count()} cores (shared); run on {time.strftime('%Y-%m-%d %H:%M')}; "
        f"surprise {surprise.__version__}.  "
    )
    print(
        f"ML-100K per-user temporal split, train {split.train.nnz:,} ratings, test RMSE on "
        f"{int(split.warm.sum()):,} warm rows. Both: f={FACTORS}, {EPOCHS} epochs, lr {LR}, "
        f"reg {REG}, biased, init N(0, 0.1), seed {SEED}. Fit only, {args.rounds} alternating "
        "rounds.\n"
    )
    print("| model | fit, wall clock | fit, CPU time | test RMSE |")
    print("|---|---|---|--:|")
    for label, side, model_rmse in (
        ("ours, mf-sgd (numba)", "ours", ours_rmse),
        ("Surprise SVD", "surprise", theirs_rmse),
    ):
        print(f"| {label} | {describe(wall[side])} | {describe(cpu[side])} | {model_rmse:.4f} |")
    print(f"\nSurprise / ours, wall clock: {ratio(wall['surprise'], wall['ours'])}.  ")
    print(f"Surprise / ours, CPU time: {ratio(cpu['surprise'], cpu['ours'])}.  ")
    print(f"Test RMSE difference (ours - Surprise): {ours_rmse - theirs_rmse:+.4f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
