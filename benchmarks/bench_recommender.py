"""Recommender benchmarks: MF-SGD speed, the full evaluation's wall time and quality, and
train time / peak memory of every model on synthetic data of 1M, 5M and 25M ratings.

Prints a Markdown section for BENCHMARKS.md, with the command line that produced it.

    uv run python benchmarks/bench_recommender.py --data-dir ../shared/data/ml-100k \
        --scale 1000000 5000000 25000000 --work /tmp/moviebot-bench

Each scale measurement runs in a fresh subprocess fed a CSR saved once per size, so parsing CSV
does not count against a model; the peak is the process's resident-set high-water mark
(VmHWM) during ``fit``, reset just before it, and includes the ~0.3-1 GB of data and imports
already resident (shown beside it).  ``--figure PATH`` draws those measurements as scale curves
(fit time and peak memory against ratings, log-log, one line per model); each measurement is
kept in the work folder, so ``--reuse`` redraws without refitting.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*", "h")

REPO = Path(__file__).resolve().parent.parent
MODELS = (
    "popularity",
    "user-knn",
    "item-knn",
    "mf-sgd",
    "ease",
    "rp3beta",
    "ials",
    "ease-rp3",
    "content",
)


def mf_speed(data_dir: Path) -> str:
    from recommender.data import load_dataset
    from recommender.models import make_model
    from recommender.splits import index_split, user_time_split

    train, test = user_time_split(load_dataset(data_dir).ratings)
    split = index_split(train, test)
    seed_settings = {"factors": 40, "lr": 0.01, "reg": 0.05, "epochs": 30}
    make_model("mf-sgd", **seed_settings).fit(split.train)  # compile (or load the cache)
    times = []
    for _ in range(7):
        start = time.perf_counter()
        make_model("mf-sgd", **seed_settings).fit(split.train)
        times.append(time.perf_counter() - start)
    one_epoch = _reference_epoch_seconds(split.train)
    return (
        f"| MF-SGD f=40, 30 epochs, ML-100K train ({split.train.nnz:,} ratings), compiled | "
        f"{min(times):.3f} s best, {statistics.median(times):.3f} s median of 7 | "
        f"plain-numpy reference: {one_epoch:.2f} s/epoch = {30 * one_epoch:.0f} s for 30 "
        f"({30 * one_epoch / min(times):.0f}x slower) |"
    )


def _reference_epoch_seconds(train: sp.csr_matrix) -> float:
    """One epoch with the plain-numpy reference swapped in for the compiled kernel."""
    import recommender.models.mf_sgd as mf_module
    from recommender.models import make_model
    from recommender.models._sgd_kernel import sgd_epoch_reference

    compiled = mf_module.sgd_epoch
    mf_module.sgd_epoch = sgd_epoch_reference  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        make_model("mf-sgd", factors=40, lr=0.01, reg=0.05, epochs=1).fit(train)
        return time.perf_counter() - start
    finally:
        mf_module.sgd_epoch = compiled


def _moviebot_walls(args: list[str], runs: int, fresh: Path | None = None) -> list[float]:
    """Wall seconds of ``uv run moviebot ARGS``, a fresh process each run; with ``fresh``, a
    new empty model folder each run (``--model-dir``), so every run trains from scratch."""
    walls = []
    for run in range(runs):
        command = ["uv", "run", "moviebot", *args]
        if fresh is not None:
            folder = fresh / f"run-{time.time_ns()}-{run}"
            command += ["--model-dir", str(folder)]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO)
        walls.append(time.perf_counter() - start)
    return walls


def _wall_cells(walls: list[float]) -> str:
    return f"{statistics.median(walls):.2f} s median of {len(walls)} (min {min(walls):.2f} s)"


def evaluate_wall(
    data_dir: Path, work: Path, label: str, target_s: float
) -> tuple[str, list[dict[str, object]]]:
    """``moviebot evaluate`` wall time (3 fresh processes) and its report."""
    args = ["evaluate", "--data-dir", str(data_dir), "--model-dir", str(work / "models")]
    walls = _moviebot_walls(args, 3)
    out = subprocess.run(
        ["uv", "run", "moviebot", *args, "--json"],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    line = (
        f"| `moviebot evaluate` of all models on {label}, data loading included | "
        f"{_wall_cells(walls)} | target <= {target_s:.0f} s |"
    )
    return line, json.loads(out.stdout)


def train_wall(data_dir: Path, work: Path, label: str, target_s: float | None) -> str:
    """A first ``moviebot train``: fresh process, empty model folder, ranker chosen on
    validation, everything the chat serves fitted and cached."""
    walls = _moviebot_walls(["train", "--data-dir", str(data_dir)], 3, fresh=work / "fresh")
    target = f"target <= {target_s:.0f} s" if target_s else ""
    return (
        f"| first `moviebot train` on {label} (ranker chosen on validation, serving models "
        f"fitted and cached) | {_wall_cells(walls)} | {target} |"
    )


def _quality_table(report: list[dict[str, object]]) -> None:
    print("| model | RMSE | P@10 | R@10 | NDCG@10 | fit s |\n|---|--:|--:|--:|--:|--:|")
    for row in report:
        cells = [row["rmse"], row["precision@10"], row["recall@10"], row["ndcg@10"]]
        text = ["—" if c is None else f"{c:.4f}" for c in cells]
        print(f"| {row['model']} | {' | '.join(text)} | {row['fit_seconds']:.2f} |", flush=True)


def prepare_scale(n_ratings: int, work: Path) -> Path:
    """Synthetic data at this size, as a CSR + item text saved for the child processes."""
    from recommender.data import Vocabulary, interactions, load_dataset
    from recommender.data.synth import write_synthetic
    from recommender.models.content import item_documents

    target = work / f"synth-{n_ratings}.npz"
    if target.exists():
        return target
    folder = write_synthetic(work / f"synth-{n_ratings}", n_ratings, seed=0)
    dataset = load_dataset(folder)
    users = Vocabulary(dataset.ratings["user"].to_numpy())
    items = Vocabulary(dataset.ratings["item"].to_numpy())
    matrix = interactions(dataset.ratings, users, items)
    docs = np.array(item_documents(dataset.movies, items))
    np.savez(
        target,
        data=matrix.data,
        indices=matrix.indices,
        indptr=matrix.indptr,
        shape=np.array(matrix.shape),
        docs=docs.astype("U"),
    )
    return target


CHILD = r"""
import gc, json, sys, time
from pathlib import Path
import numpy as np, scipy.sparse as sp
from recommender.errors import ModelTooLargeError
from recommender.models import make_model

def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024 / 1024  # kB -> GB

path, name, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with np.load(path) as f:
    X = sp.csr_matrix((f["data"], f["indices"], f["indptr"]), shape=tuple(f["shape"]))
    docs = f["docs"].tolist()
model = make_model(name, **params)
gc.collect()
Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
before = status("VmRSS")
epochs = []
def progress(step, total, metrics, _t=[time.perf_counter()]):
    now = time.perf_counter(); epochs.append(now - _t[0]); _t[0] = now
start = time.perf_counter()
try:
    model.fit(X, progress=progress, item_text=docs)
    outcome = "ok"
except ModelTooLargeError as error:
    outcome = "refused: " + str(error)
seconds = time.perf_counter() - start
print(json.dumps({"status": outcome, "seconds": seconds, "peak_gb": status("VmHWM"),
                  "before_gb": before, "epoch_seconds": epochs[1:] if name == "mf-sgd" else []}))
"""


def measure_scale(path: Path, name: str, timeout: float) -> dict[str, Any]:
    """One model's fit at one size, in a fresh process: status, seconds, peak and prior RSS."""
    params = {"epochs": 5} if name == "mf-sgd" else {}
    command = [sys.executable, "-c", CHILD, str(path), name, json.dumps(params)]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"status": f"timed out after {timeout:.0f} s"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"status": f"failed: {last[:120]}"}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def scale_row(name: str, result: Mapping[str, Any]) -> str:
    if "peak_gb" not in result:  # timed out or crashed
        return f"| {name} | {result['status']} | — | |"
    memory = f"{result['peak_gb']:.2f} GB ({result['before_gb']:.2f} GB before fit)"
    if result["status"] != "ok":
        return f"| {name} | {result['status']} | {memory} | refused before allocating |"
    note = ""
    if result["epoch_seconds"]:
        note = f"{statistics.median(result['epoch_seconds']):.2f} s/epoch (5 epochs fitted)"
    return f"| {name} | {result['seconds']:.1f} s | {memory} | {note} |"


def cached_measurement(
    path: Path, name: str, timeout: float, work: Path, reuse: bool
) -> dict[str, Any]:
    """``measure_scale``, kept in ``work`` so a later ``--reuse`` run can redraw without refitting."""
    cache = work / "scale-results" / f"{path.stem}-{name}.json"
    if reuse and cache.is_file():
        cached: dict[str, Any] = json.loads(cache.read_text())
        return cached
    from recommender.report import write_report

    result = measure_scale(path, name, timeout)
    write_report(cache.parent, {cache.name: json.dumps(result).encode()})
    return result


def scale_figure(measured: Mapping[str, Sequence[tuple[int, Mapping[str, Any]]]]) -> Figure:
    """Fit time and peak RSS against ratings, one line per model, log-log.

    ``measured`` maps a model to its (ratings, result) pairs; refused, failed and timed-out
    fits leave a gap.  The grey line is the RSS already resident before fitting (data and
    imports; the lowest over the models at each size), the floor every peak stands on.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    from recommender.report import new_figure

    figure = new_figure(width=11.0, height=4.5, columns=2)
    time_axes, memory_axes = figure.axes
    floor: dict[int, float] = {}
    sizes_seen: set[int] = set()
    for index, (name, points) in enumerate(measured.items()):
        fitted = sorted((n, r) for n, r in points if r.get("status") == "ok")
        for n, r in points:
            sizes_seen.add(n)
            if "before_gb" in r:
                floor[n] = min(floor.get(n, np.inf), r["before_gb"])
        if not fitted:
            continue
        sizes = [n for n, _ in fitted]
        seconds = [max(r["seconds"], 1e-3) for _, r in fitted]  # log axis: no zero
        peaks = [r["peak_gb"] for _, r in fitted]
        marker, colour = MARKERS[index % len(MARKERS)], f"C{index}"
        time_axes.plot(sizes, seconds, marker=marker, color=colour, label=name)
        memory_axes.plot(sizes, peaks, marker=marker, color=colour, label=name)
    if floor:
        sizes = sorted(floor)
        memory_axes.plot(
            sizes, [floor[n] for n in sizes], "k--", linewidth=1, label="RSS before fit"
        )
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    for axes, label in ((time_axes, "fit time (s)"), (memory_axes, "peak RSS during fit (GB)")):
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xticks(sorted(sizes_seen), [_count(n) for n in sorted(sizes_seen)])
        axes.xaxis.set_minor_formatter(NullFormatter())
        axes.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))  # 0.1, 0.2, 0.5, 1, ...
        axes.yaxis.set_major_formatter(plain)
        axes.yaxis.set_minor_formatter(NullFormatter())
        axes.set_xlabel("ratings")
        axes.set_ylabel(label)
        axes.grid(which="both", alpha=0.3)
    handles, labels = memory_axes.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside right upper", fontsize=8)
    figure.suptitle(
        "Fit cost against data size, synthetic MovieLens-like data "
        "(a missing point: refused or timed out)"
    )
    return figure


def _count(n: int) -> str:
    """30000 -> 30k, 1000000 -> 1M (tick labels)."""
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return str(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared/data/ml-100k")
    parser.add_argument("--scale", type=int, nargs="*", default=[1_000_000, 5_000_000, 25_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/moviebot-bench"))
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per model fit")
    parser.add_argument(
        "--ml-small",
        type=Path,
        help="ml-latest-small folder: also time a first train and evaluate on it",
    )
    parser.add_argument("--skip-ml100k", action="store_true")
    parser.add_argument(
        "--figure", type=Path, help="also draw the scale curves as this PNG (needs matplotlib)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse scale measurements cached in --work by an earlier run instead of refitting",
    )
    args = parser.parse_args()
    if args.figure:
        from recommender.report import require_matplotlib

        require_matplotlib()
    args.work.mkdir(parents=True, exist_ok=True)
    print("## Recommender\n")
    print(f"Command: `uv run python benchmarks/bench_recommender.py {' '.join(sys.argv[1:])}`  ")
    print(f"Machine: {os.cpu_count()} cores; run on {time.strftime('%Y-%m-%d')}.\n", flush=True)
    if not args.skip_ml100k:
        print("| measurement | result | reference |\n|---|---|---|")
        print(mf_speed(args.data_dir), flush=True)
        line, report = evaluate_wall(args.data_dir, args.work, "ML-100K", 10)
        print(line, flush=True)
        print(train_wall(args.data_dir, args.work, "ML-100K", None), flush=True)
        small_report = None
        if args.ml_small is not None:
            print(train_wall(args.ml_small, args.work, "ml-latest-small", 15), flush=True)
            line, small_report = evaluate_wall(args.ml_small, args.work, "ml-latest-small", 30)
            print(line, flush=True)
        print(
            "\nQuality on ML-100K's per-user temporal split (from the same `moviebot evaluate"
            " --json`):\n"
        )
        _quality_table(report)
        if small_report is not None:
            print("\nThe same on ml-latest-small:\n")
            _quality_table(small_report)
    measured: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for n_ratings in args.scale:
        start = time.perf_counter()
        path = prepare_scale(n_ratings, args.work)
        with np.load(path) as f:
            shape, nnz = tuple(int(x) for x in f["shape"]), f["data"].size
        print(f"\n### Synthetic, {nnz:,} ratings ({shape[0]:,} users x {shape[1]:,} items)\n")
        print(
            f"Generated and indexed in {time.perf_counter() - start:.0f} s "
            "(cached in the work folder).\n"
        )
        print(
            "| model | fit time | peak RSS during fit (RSS before fit) | note |\n|---|--:|--:|---|",
            flush=True,
        )
        for name in MODELS:
            result = cached_measurement(path, name, args.timeout, args.work, args.reuse)
            measured.setdefault(name, []).append((nnz, result))
            print(scale_row(name, result), flush=True)
    if args.figure:
        from recommender.report import png_bytes, write_report

        figure = png_bytes(scale_figure(measured))
        write_report(args.figure.parent, {args.figure.name: figure})
        print(f"\n![Fit time and peak memory against ratings]({args.figure})")


if __name__ == "__main__":
    main()
