"""Startup benchmark: how long a model directory takes to serve its first answers, and how much
memory that takes, for 10M users against an ML-100K-sized model.

Prints a Markdown section for BENCHMARKS.md, with the command line that produced it.

    uv run python benchmarks/bench_startup.py --users 10000000 --work /tmp/mb-startup \
        --baseline-src /tmp/mb-main-src --baseline-users 1000000

Each directory is synthetic but complete: an ``ials`` ranker (64 float32 factors per user and
item: 2.56 GB of user factors at 10M users), ``popularity``, ``seen`` (1-2 ratings per user at
the large size, ~106 at ML-100K's) and the catalog, written by the code under test's own
``save_models`` (the user factors filled into an on-disk memmap first, as the Spark export
does).  Each measurement runs in a fresh process: ``load_models`` + ``MovieRecommender(...)`` +
one ``recommend(dataset user)`` + one fold-in ``recommend({movie: stars})``; peak memory is the
process's resident-set high-water mark (VmHWM, which counts the mapped file pages it touched).
"Cold" runs first evict the directory's files from the page cache (``posix_fadvise``
DONTNEED, no root needed), "warm" runs read them from memory.

``--baseline-src`` points at another checkout's source tree (e.g. ``git archive main | tar -x
-C DIR``): its directories are written and loaded by that code (put first on PYTHONPATH), for a
before/after at ``--baseline-users``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

N_ITEMS = 1682  # ML-100K's catalog, at both sizes: only the number of users differs
FACTORS = 64
SMALL_USERS = 943
CHUNK_ROWS = 1_000_000


# ---------------------------------------------------------------- building (a subprocess)


def build(directory: Path, n_users: int, seed: int = 0) -> None:
    """Write a synthetic model directory with the ``recommender`` on sys.path."""
    import pandas as pd
    import scipy.sparse as sp

    from recommender.artifacts import TrainedModels, save_models
    from recommender.data import Vocabulary
    from recommender.models import make_model

    rng = np.random.default_rng(seed)
    small = n_users <= SMALL_USERS
    counts = rng.integers(20, 193, n_users) if small else rng.integers(1, 3, n_users)
    rows = np.repeat(np.arange(n_users, dtype=np.int32), counts)
    columns = (N_ITEMS * rng.random(rows.size) ** 2).astype(np.int32)  # a popularity skew
    seen = sp.csr_matrix(
        (np.ones(rows.size, dtype=np.float32), (rows, columns)), shape=(n_users, N_ITEMS)
    )
    del rows, columns
    seen.sum_duplicates()
    seen.data = rng.integers(1, 6, seen.nnz).astype(np.float32)

    scratch = directory.with_name(directory.name + ".factors.npy")
    user_factors = np.lib.format.open_memmap(
        scratch, mode="w+", dtype=np.float32, shape=(n_users, FACTORS)
    )
    for start in range(0, n_users, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n_users)
        user_factors[start:stop] = 0.1 * rng.standard_normal((stop - start, FACTORS), np.float32)
    ials = make_model("ials", factors=FACTORS)
    ials.set_state(
        {
            "user_factors": user_factors,
            "item_factors": 0.1 * rng.standard_normal((N_ITEMS, FACTORS), np.float32),
            "item_count": np.bincount(seen.indices, minlength=N_ITEMS).astype(np.int64),
        }
    )
    ials.mark_loaded(n_users, N_ITEMS)
    items = Vocabulary(np.arange(1, N_ITEMS + 1))
    catalog = pd.DataFrame(
        {
            "movie_id": items.ids,
            "title": [f"Movie {i} (1999)" for i in items.ids],
            "year": pd.array([1999] * N_ITEMS, dtype="Int64"),
            "genres": [("Drama",)] * N_ITEMS,
        }
    )
    trained = TrainedModels(
        users=Vocabulary(2 * np.arange(n_users, dtype=np.int64) + 1),
        items=items,
        models={"ials": ials, "popularity": make_model("popularity").fit(seen)},
        dataset_fingerprint=f"startup-{n_users}",
        seen=seen,
        catalog=catalog,
        genres=("Drama",),
        info={"ranker": "ials"},
    )
    save_models(directory, trained)
    del trained, ials, user_factors
    scratch.unlink()
    for file in directory.iterdir():  # written pages clean, so "cold" runs can evict them
        with file.open("rb") as handle:
            os.fsync(handle.fileno())


# ---------------------------------------------------------------- measuring (a subprocess)


def vm_status(field: str) -> float:
    """A /proc/self/status memory field, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def measure(directory: Path) -> dict[str, Any]:
    started = time.perf_counter()
    import recommender
    from recommender.artifacts import FORMAT_VERSION, load_models
    from recommender.serving import MovieRecommender

    imported = time.perf_counter()
    trained = load_models(directory)
    loaded = time.perf_counter()
    service = MovieRecommender(trained)
    built = time.perf_counter()
    user = int(trained.users.ids[len(trained.users) // 2])
    personal = service.recommend(user, 10)
    answered = time.perf_counter()
    liked = {int(trained.items.ids[i]): stars for i, stars in ((3, 5.0), (40, 4.0), (700, 5.0))}
    folded = service.recommend(liked, 10)
    done = time.perf_counter()
    assert len(personal) == 10 and len(folded) == 10
    return {
        "source": str(Path(recommender.__file__).parent.parent),
        "format_version": FORMAT_VERSION,
        "import_s": imported - started,
        "load_s": loaded - imported,
        "service_s": built - loaded,
        "recommend_s": answered - built,
        "fold_in_s": done - answered,
        "total_s": done - imported,
        "peak_mb": vm_status("VmHWM"),
        "rss_mb": vm_status("VmRSS"),
    }


def evict(directory: Path) -> None:
    """Drop the directory's (clean, fsynced) pages from the page cache: a cold start."""
    for file in directory.iterdir():
        with file.open("rb") as handle:
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


# ---------------------------------------------------------------- driver


def run(args: list[str], source: Path | None) -> str:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, __file__, *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"bench_startup: {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def measured(directory: Path, source: Path | None, cold: bool, repeats: int) -> dict[str, Any]:
    """Median over ``repeats`` fresh processes of each figure."""
    runs = []
    for _ in range(repeats):
        if cold:
            evict(directory)
        began = time.perf_counter()
        figures = json.loads(run(["_measure", str(directory)], source).splitlines()[-1])
        figures["process_s"] = time.perf_counter() - began
        runs.append(figures)
    median = {
        k: statistics.median(r[k] for r in runs) for k in runs[0] if k.endswith(("_s", "_mb"))
    }
    return {**runs[0], **median}


def directory_size(directory: Path) -> float:
    return sum(f.stat().st_size for f in directory.iterdir()) / 1e9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=10_000_000, help="the large model's users")
    parser.add_argument("--work", type=Path, default=Path("/tmp/mb-startup"))
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--baseline-src", type=Path, help="another checkout's source tree")
    parser.add_argument("--baseline-users", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated directories")
    args = parser.parse_args(argv)

    cases: list[tuple[str, Path | None, int]] = [
        ("this branch", None, SMALL_USERS),
        ("this branch", None, args.users),
    ]
    if args.baseline_src is not None:
        baseline = args.baseline_src.resolve()
        if not (baseline / "recommender" / "artifacts.py").is_file():
            print(f"bench_startup: {baseline} has no recommender/ package", file=sys.stderr)
            return 2
        cases += [("baseline", baseline, SMALL_USERS), ("baseline", baseline, args.baseline_users)]
        cases += [("this branch", None, args.baseline_users)] * (
            args.baseline_users not in (SMALL_USERS, args.users)
        )
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for label, source, n_users in cases:
        directory = args.work / f"{'base' if source else 'this'}-{n_users}"
        began = time.perf_counter()
        run(["_build", str(directory), str(n_users)], source)
        build_s = time.perf_counter() - began
        for cold in (True, False):
            figures = measured(directory, source, cold, args.repeats)
            rows.append((label, n_users, directory_size(directory), cold, figures, build_s))
        if not args.keep:
            shutil.rmtree(directory)

    command = " ".join(["uv run python benchmarks/bench_startup.py", *(argv or sys.argv[1:])])
    print("## Model directory startup: 10M users against ML-100K's 943\n")
    print(f"Command: `{command}`  ")
    print(
        f"{N_ITEMS} items, {FACTORS} factors; median of {args.repeats} fresh processes per row; "
        "times are load_models / MovieRecommender(...) / one recommend(dataset user) / one "
        "fold-in recommend({movie: stars}); peak = VmHWM (RSS high-water mark).\n"
    )
    print(
        "| code | users | dir GB | page cache | load | serving setup | recommend | fold-in "
        "| total | process wall | peak RSS MB |"
    )
    print("|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|")
    for label, n_users, size, cold, f, _ in rows:
        print(
            f"| {label} (v{f['format_version']}) | {n_users:,} | {size:.2f} "
            f"| {'cold' if cold else 'warm'} | {f['load_s']:.3f} s | {f['service_s']:.3f} s "
            f"| {f['recommend_s'] * 1000:.1f} ms | {f['fold_in_s'] * 1000:.1f} ms "
            f"| {f['total_s']:.3f} s | {f['process_s']:.2f} s | {f['peak_mb']:,.0f} |"
        )
    print(
        "\nBuild time (writing each directory, not startup): "
        + ", ".join(
            f"{label} {n:,} users {build_s:.0f} s" for label, n, _, cold, _, build_s in rows if cold
        )
        + "."
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["_build"]:
        build(Path(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1:2] == ["_measure"]:
        print(json.dumps(measure(Path(sys.argv[2]))))
    else:
        sys.exit(main())
