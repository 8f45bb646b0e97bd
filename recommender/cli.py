"""The recommender's subcommands of ``moviebot``: download, synth, train, evaluate, and the
serving commands recommend, similar and popular.

Handlers are thin: parse options, call the library, print.  Progress goes to stderr (rich), so
stdout carries only results and stays machine-readable with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from recommender.errors import ConfigError

if TYPE_CHECKING:
    from recommender.serving import MovieRecommender, Recommendation

__all__ = ["add_commands", "default_data_dir", "default_model_dir"]

DATASETS = ("ml-100k", "ml-latest-small", "ml-1m", "ml-25m", "ml-32m")
stderr = Console(stderr=True)


# ---------------------------------------------------------------------------- locations


def cache_root() -> Path:
    """Where downloads and trained models live unless told otherwise."""
    if home := os.environ.get("MOVIEBOT_HOME"):
        return Path(home)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "moviebot"


def default_data_dir() -> Path:
    if data_dir := os.environ.get("MOVIEBOT_DATA_DIR"):
        return Path(data_dir)
    return cache_root() / "datasets" / os.environ.get("MOVIEBOT_DATASET", "ml-100k")


def default_model_dir() -> Path:
    if model_dir := os.environ.get("MOVIEBOT_MODEL_DIR"):
        return Path(model_dir)
    return cache_root() / "models"


def add_location_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="MovieLens folder (ML-100K or CSV layout); default $MOVIEBOT_DATA_DIR or "
        "the downloaded $MOVIEBOT_DATASET (ml-100k)",
    )
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=None,
        help="where trained models are cached; default $MOVIEBOT_MODEL_DIR or ~/.cache/moviebot/models",
    )


def data_dir_of(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def model_dir_of(args: argparse.Namespace) -> Path:
    return Path(args.model_dir) if args.model_dir else default_model_dir()


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


# ---------------------------------------------------------------------------- progress


@contextmanager
def fit_progress() -> Iterator[Callable[[str], Callable[[int, int, Mapping[str, float]], None]]]:
    """A rich progress display on stderr; yields a factory of per-model progress callbacks."""
    columns = (
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=False) as progress:

        def for_model(name: str) -> Callable[[int, int, Mapping[str, float]], None]:
            task = progress.add_task(name, total=None, status="")

            def update(step: int, total: int, metrics: Mapping[str, float]) -> None:
                status = " ".join(f"{k}={v:.4f}" for k, v in metrics.items())
                progress.update(task, completed=step, total=total, status=status)

            return update

        yield for_model


# ---------------------------------------------------------------------------- commands


def cmd_download(args: argparse.Namespace) -> int:
    from recommender.data.download import download_dataset

    target_root = Path(args.cache_dir) if args.cache_dir else cache_root() / "datasets"
    path = download_dataset(args.name, target_root)
    print(path)
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from recommender.data.synth import write_synthetic

    path = write_synthetic(Path(args.out), args.ratings, seed=args.seed)
    print(path)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from recommender.artifacts import save_models
    from recommender.data import load_dataset
    from recommender.training import load_tuned_params, model_dir_for, train_models

    dataset = load_dataset(data_dir_of(args))
    model_root = model_dir_of(args)
    params = load_tuned_params(model_root, dataset.fingerprint)
    names = _model_list(args.models) if args.models else None
    stderr.print(f"training on {dataset.name}: {len(dataset.ratings):,} ratings")
    with fit_progress() as progress:
        trained = train_models(
            dataset, names=names, params=params, progress=progress, validate=not args.no_validate
        )
    target = save_models(model_dir_for(model_root, dataset.fingerprint), trained)
    print(target)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from recommender.data import load_dataset
    from recommender.evaluate import evaluate, format_table, report_json
    from recommender.models import MODEL_NAMES
    from recommender.training import TUNING_FILE, load_tuned_params
    from recommender.tuning import save_tuning, tune

    dataset = load_dataset(data_dir_of(args))
    names = _model_list(args.models) if args.models else list(MODEL_NAMES)
    model_root = model_dir_of(args)
    if args.tune:
        results = tune(dataset, names, k=args.k, progress=lambda msg: stderr.print(msg))
        save_tuning(model_root / TUNING_FILE, results, dataset.fingerprint, "user-time")
        for result in results.values():
            stderr.print(f"tuned {result.model}: {result.params} (validation {result.validation})")
    params = load_tuned_params(model_root, dataset.fingerprint)
    report = evaluate(
        dataset,
        names,
        split=args.split,
        k=args.k,
        params=params,
        dump_recs=args.dump_recs,
        dump_predictions=args.dump_predictions,
        progress=None if args.json else lambda msg: stderr.print(msg),
    )
    if args.json:
        print(json.dumps(report_json(report), indent=2))
    else:
        print(format_table(report))
    return 0


def _serving(args: argparse.Namespace) -> MovieRecommender:
    from recommender.serving import MovieRecommender
    from recommender.training import ensure_trained

    def announce(dataset: object) -> None:
        stderr.print("no trained model for this data yet: training one (cached for next time)")

    with fit_progress() as progress:
        trained = ensure_trained(
            data_dir_of(args), model_dir_of(args), progress=progress, on_train=announce
        )
    return MovieRecommender(trained)


def _print_results(results: list[Recommendation], as_json: bool, empty: str) -> int:
    if as_json:
        print(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False))
        return 0
    if not results:
        print(empty)
        return 0
    for rank, r in enumerate(results, start=1):
        stars = f"  ~{r.predicted_rating:.1f}★" if r.predicted_rating is not None else ""
        print(f"{rank:2d}. {r.title}  [{', '.join(r.genres)}]{stars}  — {r.reason}")
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    service = _serving(args)
    results = service.for_user(args.user, k=args.k, genre=args.genre)
    return _print_results(results, args.json, "no recommendations match")


def cmd_similar(args: argparse.Namespace) -> int:
    service = _serving(args)
    matches = service.find_titles(args.title)
    if not matches:
        raise ConfigError(f"no movie titled {args.title!r} in the catalog")
    results = service.similar(matches[0], k=args.k, genre=args.genre)
    if not args.json:
        title = service.titles[int(service.trained.items.index([matches[0]])[0])]
        stderr.print(f"movies like {title}:")
    return _print_results(results, args.json, "no similar movies found")


def cmd_popular(args: argparse.Namespace) -> int:
    service = _serving(args)
    results = service.popular(k=args.k, genre=args.genre)
    return _print_results(results, args.json, "no popular movies match")


def _model_list(text: str) -> list[str]:
    from recommender.models import get_model_class

    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        get_model_class(name)  # raises ConfigError listing valid names
    return names


# ---------------------------------------------------------------------------- wiring


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the recommender's subcommands on the ``moviebot`` parser."""
    p = commands.add_parser("download", help="fetch a MovieLens dataset from GroupLens")
    p.add_argument("name", choices=DATASETS)
    p.add_argument(
        "--cache-dir", type=Path, help="download folder (default ~/.cache/moviebot/datasets)"
    )
    add_location_options(p)
    p.set_defaults(handler=cmd_download)

    p = commands.add_parser("synth", help="write a synthetic dataset in the MovieLens CSV layout")
    p.add_argument("--ratings", type=positive_int, required=True, help="number of ratings")
    p.add_argument("--out", type=Path, required=True, help="folder to write")
    p.add_argument("--seed", type=int, default=0)
    add_location_options(p)
    p.set_defaults(handler=cmd_synth)

    p = commands.add_parser("train", help="train the serving models and cache them")
    add_location_options(p)
    p.add_argument("--models", help="comma-separated model names (default: the serving set)")
    p.add_argument(
        "--no-validate", action="store_true", help="skip the validation run recorded in meta.json"
    )
    p.set_defaults(handler=cmd_train)

    p = commands.add_parser("evaluate", help="offline evaluation of models on a split")
    add_location_options(p)
    p.add_argument("--split", choices=("user-time", "random", "global-time"), default="user-time")
    p.add_argument("--k", type=positive_int, default=10)
    p.add_argument("--models", help="comma-separated model names (default: all)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--dump-recs", type=Path, help="write each user's top-K as JSON lines")
    p.add_argument(
        "--dump-predictions", type=Path, help="write warm test predictions as JSON lines"
    )
    p.add_argument(
        "--tune", action="store_true", help="choose hyper-parameters on a validation split first"
    )
    p.set_defaults(handler=cmd_evaluate)

    for name, handler, helptext in (
        ("recommend", cmd_recommend, "personal top-k for a dataset user"),
        ("similar", cmd_similar, "movies similar to a title"),
        ("popular", cmd_popular, "popular movies, optionally in one genre"),
    ):
        p = commands.add_parser(name, help=helptext)
        if name == "recommend":
            p.add_argument("--user", type=int, required=True, help="dataset user id")
        if name == "similar":
            p.add_argument("title", help="movie title (year optional)")
        p.add_argument("-k", type=positive_int, default=10, help="how many (default 10)")
        p.add_argument("--genre", help="only this genre")
        p.add_argument("--json", action="store_true", help="print JSON")
        add_location_options(p)
        p.set_defaults(handler=handler)


def write_error(message: str) -> None:
    print(f"moviebot: error: {message}", file=sys.stderr)
