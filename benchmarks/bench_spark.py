"""Spark ALS against our iALS (the ``implicit`` library): quality on ML-100K, and a cost curve.

Three parts (``--skip-quality``, ``--skip-agreement``, ``--skip-curve`` leave one out):

1. **Quality.** ML-100K's per-user temporal split (the README's protocol), scored by our own
   evaluator: ``spark-als`` (Spark MLlib's ALS in ``local[2]``) and ``ials`` (``implicit``) at
   equal factors, iterations, alpha and regularisation, with the same interaction weights (liked
   = 1, below the like threshold = the dislike weight) and linear confidence 1 + alpha·w, which
   is what Spark's implicit ALS uses.  The two penalties are not the same function of λ: Spark
   multiplies λ by each user's (item's) number of interactions (ALS-WR), ``implicit`` does not,
   so the comparison is repeated at several λ and each row says which λ both got.
2. **Agreement.** Spark's factors exported as a model directory and served by our code: our
   top-10 against Spark's own ``recommendForUserSubset``, and fold-in against Spark's factors.
3. **Cost curve.** Synthetic ratings (``moviebot synth``) at 1M, 5M and 25M: the wall time to
   read and fit, and peak memory, each (engine, size) in a fresh process, the engines
   alternating (which goes first swaps from size to size).  Spark's memory is the JVM's peak
   resident set (in ``local[2]`` the driver and both executor threads are that one JVM) plus
   the Python driver's; ``implicit``'s is its process's peak.

Prints a Markdown section for BENCHMARKS.md, with the command line.

    uv sync --frozen --extra spark
    uv run python benchmarks/bench_spark.py --data-dir ../shared/data/ml-100k --work /tmp/mb-spark
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: The cost curve's sizes (ratings) and the settings both engines get there.
CURVE_SIZES = (1_000_000, 5_000_000, 25_000_000)
CURVE_FACTORS, CURVE_ITERATIONS, CURVE_REG, CURVE_ALPHA = 32, 10, 0.1, 10.0
#: Those settings as both engines' config fields.
CURVE_PARAMS = {
    "factors": CURVE_FACTORS,
    "iterations": CURVE_ITERATIONS,
    "regularization": CURVE_REG,
    "alpha": CURVE_ALPHA,
}
#: The quality comparison's settings; λ is tried at each of these values on both sides.
QUALITY_FACTORS, QUALITY_ITERATIONS, QUALITY_ALPHA = 64, 15, 10.0
QUALITY_REGS = (0.01, 0.1, 0.5, 1.0, 10.0)


def require_spark() -> None:
    from recommender.errors import MovieBotError
    from recommender.spark import require_pyspark

    try:
        require_pyspark()
    except MovieBotError as error:
        print(f"bench_spark: {error}", file=sys.stderr)
        raise SystemExit(2) from None


# ---------------------------------------------------------------------------- part 1: quality


def quality(data_dir: Path, regs: tuple[float, ...]) -> list[dict[str, Any]]:
    """NDCG@10 / P@10 / fit seconds of both engines at each λ, on the user-time split."""
    from recommender.data import load_dataset
    from recommender.spark.session import SparkOptions, spark_session
    from recommender.splits import index_split, user_time_split

    ratings = load_dataset(data_dir).ratings
    split = index_split(*user_time_split(ratings))
    with spark_session(SparkOptions()):  # one session for every fit (each reuses it)
        return _quality_rows(split, regs)


def _quality_rows(split: Any, regs: tuple[float, ...]) -> list[dict[str, Any]]:
    """One row per (λ, engine); λ None: each engine at its own defaults (what serves)."""
    from recommender.evaluate import evaluate_split

    rows = []
    for round_, reg in enumerate([None, *regs]):
        shared: dict[str, object] = {
            "factors": QUALITY_FACTORS,
            "iterations": QUALITY_ITERATIONS,
            "alpha": QUALITY_ALPHA,
            "regularization": reg,
        }
        params: dict[str, dict[str, object]] = (
            {"ials": {**shared, "confidence": "linear"}, "spark-als": dict(shared)}
            if reg is not None
            else {}
        )
        order = ["ials", "spark-als"] if round_ % 2 == 0 else ["spark-als", "ials"]
        report = evaluate_split(split, order, split_name="user-time", k=10, params=params)
        for result in sorted(report.results, key=lambda r: r.model):
            rows.append(
                {
                    "reg": reg,
                    "model": result.model,
                    "ndcg": result.ndcg,
                    "precision": result.precision,
                    "recall": result.recall,
                    "fit_seconds": result.fit_seconds,
                }
            )
    return rows


# ---------------------------------------------------------------------------- agreement


def agreement(data_dir: Path) -> dict[str, float]:
    """Train on all of ``data_dir`` through Spark, export, load, then compare (a) our serving
    top-10 per dataset user with Spark's own ``recommendForUserSubset`` (asked for 10 + the
    most any user rated, then rated films and catalog copies dropped, as serving drops them)
    and (b) the fold-in of each user's own ratings with the factor Spark stored for them."""
    import numpy as np

    from recommender.artifacts import load_models
    from recommender.models.spark_als import SparkALS, SparkALSConfig
    from recommender.serving import MovieRecommender
    from recommender.spark.ratings import read_ratings
    from recommender.spark.session import SparkOptions, checkpoints, spark_session
    from recommender.spark.train import export_model, fit_als

    options, config = SparkOptions(), SparkALSConfig()
    with (
        spark_session(options) as spark,
        tempfile.TemporaryDirectory(prefix="mb-bench-spark-") as root,
        checkpoints(spark, options),
    ):
        ratings = read_ratings(spark, data_dir).cache()
        model = fit_als(ratings, config)
        trained = load_models(export_model(model, ratings, data_dir, Path(root), config, options))
        most_rated = int(np.diff(trained.seen.indptr).max())
        users = model.userFactors.select(model.userFactors["id"].alias("user"))
        theirs = {
            row["user"]: [pick["item"] for pick in row["recommendations"]]
            for row in model.recommendForUserSubset(users, 10 + most_rated).collect()
        }
    service = MovieRecommender(trained)
    canonical = service.catalog.canonical_indices
    overlaps = []
    for user, items in theirs.items():
        index = int(trained.users.index([user])[0])
        rated = set(trained.seen[index].indices.tolist())
        columns = trained.items.index(items)
        spark_top = [
            int(trained.items.ids[c]) for c in columns if c not in rated and canonical[c] == c
        ][:10]
        ours = service.recommend(int(user), 10).ids.tolist()
        overlaps.append(len(set(spark_top) & set(ours)))
    ranker = trained["spark-als"]
    assert isinstance(ranker, SparkALS)
    folded = ranker.fold_in(trained.seen)
    stored = np.asarray(ranker.user_factors)
    return {
        "users": len(overlaps),
        "overlap_mean": float(np.mean(overlaps)),
        "overlap_min": int(min(overlaps)),
        "fold_in_max_abs": float(np.abs(folded - stored).max()),
        "factor_max_abs": float(np.abs(stored).max()),
    }


# ---------------------------------------------------------------------------- part 2: cost


def jvm_peak_bytes() -> int:
    """Peak resident set (VmHWM) summed over this process's Java descendants (Spark's JVM)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            if "java" not in Path(f"/proc/{pid}/comm").read_text():
                continue
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) * 1024
    return total


def own_peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_implicit(data_dir: Path) -> dict[str, float]:
    from recommender.data import Vocabulary, interactions, load_dataset
    from recommender.models.ials import ImplicitALS, ImplicitALSConfig

    started = time.perf_counter()
    ratings = load_dataset(data_dir).ratings
    matrix = interactions(
        ratings, Vocabulary(ratings["user"].to_numpy()), Vocabulary(ratings["item"].to_numpy())
    )
    loaded = time.perf_counter()
    config = ImplicitALSConfig.model_validate({**CURVE_PARAMS, "confidence": "linear"})
    ImplicitALS(config).fit(matrix)
    done = time.perf_counter()
    return {
        "read_s": loaded - started,
        "fit_s": done - loaded,
        "total_s": done - started,
        "python_peak": own_peak_bytes(),
        "jvm_peak": 0,
    }


def run_spark(data_dir: Path, driver_memory: str) -> dict[str, Any]:
    from recommender.models.spark_als import SparkALSConfig
    from recommender.spark.ratings import read_ratings
    from recommender.spark.session import SparkOptions, checkpoints, spark_session
    from recommender.spark.train import fit_als

    started = time.perf_counter()
    options = SparkOptions(master="local[2]", driver_memory=driver_memory)
    with spark_session(options) as spark:
        ready = time.perf_counter()
        config = SparkALSConfig.model_validate(CURVE_PARAMS)
        with checkpoints(spark, options):
            model = fit_als(read_ratings(spark, data_dir), config)
            model.itemFactors.count()  # the factors exist (ALS.fit already ran the iterations)
        done = time.perf_counter()
        jvm = jvm_peak_bytes()
        version = spark.version
    return {
        "session_s": ready - started,
        "total_s": done - ready,  # read + fit, from a running session
        "python_peak": own_peak_bytes(),
        "jvm_peak": jvm,
        "spark_version": version,
    }


def child(engine: str, data_dir: Path, driver_memory: str) -> None:
    result = run_spark(data_dir, driver_memory) if engine == "spark" else run_implicit(data_dir)
    print(json.dumps(result))


def measure(engine: str, data_dir: Path, driver_memory: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", engine, "--data-dir", str(data_dir)]
    command += ["--driver-memory", driver_memory]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{engine} on {data_dir} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def synthetic(work: Path, n: int) -> Path:
    from recommender.data.synth import write_synthetic

    folder = work / f"synth-{n // 1_000_000}m"
    if not (folder / "ratings.csv").exists():
        print(f"bench_spark: writing {n:,} synthetic ratings to {folder}", file=sys.stderr)
        write_synthetic(folder, n, seed=0)
    return folder


def cost_curve(work: Path, sizes: tuple[int, ...], driver_memory: str) -> list[dict[str, Any]]:
    rows = []
    for round_, n in enumerate(sizes):
        folder = synthetic(work, n)
        engines = ["implicit", "spark"] if round_ % 2 == 0 else ["spark", "implicit"]
        for engine in engines:
            print(f"bench_spark: {engine} on {n:,} ratings", file=sys.stderr)
            rows.append({"n": n, "engine": engine, **measure(engine, folder, driver_memory)})
    return rows


# ---------------------------------------------------------------------------- output


def gib(value: float) -> str:
    return f"{value / 2**30:.2f} GiB"


def print_report(
    quality_rows: list[dict[str, Any]],
    agreed: dict[str, float] | None,
    curve_rows: list[dict[str, Any]],
    argv: list[str],
) -> None:
    command = " ".join(["uv run python benchmarks/bench_spark.py", *argv])
    spark_versions = {r["spark_version"] for r in curve_rows if "spark_version" in r}
    print("## Spark ALS against iALS (implicit)\n")
    print(f"Command: `{command}`  ")
    print(
        f"Machine: {os.cpu_count()} cores (shared); run on {time.strftime('%Y-%m-%d %H:%M')}"
        + (
            f"; Spark {', '.join(sorted(spark_versions))}, master local[2]"
            if spark_versions
            else ""
        )
        + ".\n"
    )
    if quality_rows:
        print(
            f"Quality: ML-100K per-user temporal split, our evaluator; both engines f="
            f"{QUALITY_FACTORS}, {QUALITY_ITERATIONS} iterations, alpha {QUALITY_ALPHA:g}, "
            "confidence 1 + alpha·w, the same λ per row; the first row is each engine at its "
            "own defaults (ials: f=128, λ 20, log confidence; spark-als: f=64, λ 0.5), both "
            "chosen on the validation split.\n"
        )
        print(
            "| λ | ials NDCG@10 | spark-als NDCG@10 | spark / ials | ials P@10 | spark-als P@10 | fit s (ials / spark) |"
        )
        print("|--:|--:|--:|--:|--:|--:|--:|")
        by_reg: dict[float | None, dict[str, dict[str, Any]]] = {}
        for row in quality_rows:
            by_reg.setdefault(row["reg"], {})[row["model"]] = row
        for reg, pair in by_reg.items():
            ials, spark = pair["ials"], pair["spark-als"]
            label = "each engine's defaults" if reg is None else f"{reg:g}"
            print(
                f"| {label} | {ials['ndcg']:.4f} | {spark['ndcg']:.4f} | "
                f"{spark['ndcg'] / ials['ndcg']:.3f} | {ials['precision']:.4f} | "
                f"{spark['precision']:.4f} | {ials['fit_seconds']:.2f} / "
                f"{spark['fit_seconds']:.2f} |"
            )
        print()
    if agreed:
        print(
            f"Serving Spark's factors, ML-100K, every one of {agreed['users']:,} users "
            "(spark-als defaults, trained on all ratings through `export_model`, loaded with "
            "`load_models`): our serving top-10 shares "
            f"**{agreed['overlap_mean']:.3f} of 10** films with Spark's own "
            f"`recommendForUserSubset` on average (minimum {agreed['overlap_min']}); folding "
            "each user's own ratings in against the item factors gives back Spark's user "
            f"factors with a largest absolute difference of {agreed['fold_in_max_abs']:.1e} "
            f"(largest factor entry {agreed['factor_max_abs']:.2f}).\n"
        )
    if curve_rows:
        print(
            f"Cost curve: synthetic ratings (`moviebot synth`), f={CURVE_FACTORS}, "
            f"{CURVE_ITERATIONS} iterations, λ {CURVE_REG:g}, alpha {CURVE_ALPHA:g}; each "
            "(engine, size) in a fresh process, engines alternating. implicit: pandas read + "
            "CSR build, then fit. Spark: read (Spark's CSV reader) and fit from a running "
            "session (session start-up listed apart).\n"
        )
        print("| ratings | engine | read + fit | of which fit | session start | peak memory |")
        print("|--:|---|--:|--:|--:|---|")
        for row in curve_rows:
            if row["engine"] == "spark":
                memory = f"{gib(row['jvm_peak'])} JVM + {gib(row['python_peak'])} Python"
                fit, session = "—", f"{row['session_s']:.1f} s"
            else:
                memory = gib(row["python_peak"])
                fit, session = f"{row['fit_s']:.1f} s", "—"
            print(
                f"| {row['n']:,} | {row['engine']} | {row['total_s']:.1f} s | {fit} | "
                f"{session} | {memory} |"
            )
        ratios = [
            spark["total_s"] / imp["total_s"]
            for n in {r["n"] for r in curve_rows}
            for spark in curve_rows
            for imp in curve_rows
            if spark["n"] == imp["n"] == n and spark["engine"] == "spark" != imp["engine"]
        ]
        if ratios:
            print(f"\nSpark / implicit, read + fit: {statistics.median(ratios):.1f}x median.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared/data/ml-100k")
    parser.add_argument("--work", type=Path, default=Path("/tmp/mb-spark"))
    parser.add_argument("--sizes", default=",".join(str(n) for n in CURVE_SIZES))
    parser.add_argument("--regs", default=",".join(f"{r:g}" for r in QUALITY_REGS))
    parser.add_argument("--driver-memory", default="12g")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-agreement", action="store_true")
    parser.add_argument("--skip-curve", action="store_true")
    parser.add_argument("--child", choices=("spark", "implicit"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    require_spark()
    if args.child:
        child(args.child, args.data_dir, args.driver_memory)
        return 0
    regs = tuple(float(r) for r in args.regs.split(",") if r)
    sizes = tuple(int(float(n)) for n in args.sizes.split(",") if n)
    quality_rows = [] if args.skip_quality else quality(args.data_dir, regs)
    agreed = None if args.skip_agreement else agreement(args.data_dir)
    curve_rows = [] if args.skip_curve else cost_curve(args.work, sizes, args.driver_memory)
    print_report(quality_rows, agreed, curve_rows, sys.argv[1:] if argv is None else argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
