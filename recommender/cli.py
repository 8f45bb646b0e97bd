"""The recommender's subcommands of ``moviebot``: download, synth, train and evaluate.

The commands that answer questions (recommend, similar, popular, parse) live with the chat
layer in ``bot.commands``, since they go through the same tools as the chat.

Handlers are thin: parse options, call the library, print.  Progress goes to stderr (rich), so
stdout carries only results and stays machine-readable with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from recommender.paths import cache_root, default_data_dir, default_model_dir
from recommender.progress import fit_progress, stderr

__all__ = [
    "add_commands",
    "add_location_options",
    "data_dir_of",
    "model_dir_of",
    "positive_int",
    "write_error",
]

DATASETS = ("ml-100k", "ml-latest-small", "ml-1m", "ml-25m", "ml-32m")


# ---------------------------------------------------------------------------- locations


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
    """--data-dir, else the caller's configured default, else the environment's."""
    if args.data_dir:
        return Path(args.data_dir)
    return Path(getattr(args, "default_data_dir", None) or default_data_dir())


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
    from recommender.training import describe_choice, load_tuned_params, model_dir_for, train_models

    dataset = load_dataset(data_dir_of(args))
    model_root = model_dir_of(args)
    params = load_tuned_params(model_root, dataset.fingerprint)
    names = _model_list(args.models) if args.models else None
    stderr.print(f"training on {dataset.name}: {len(dataset.ratings):,} ratings")
    with fit_progress() as progress:
        trained = train_models(
            dataset, names=names, params=params, progress=progress, validate=not args.no_validate
        )
    stderr.print(describe_choice(trained.info), highlight=False)
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
        results = tune(
            dataset, names, k=args.k, split=args.split, progress=lambda msg: stderr.print(msg)
        )
        save_tuning(model_root / TUNING_FILE, results, dataset.fingerprint, args.split)
        for result in results.values():
            stderr.print(f"tuned {result.model}: {result.params} (validation {result.validation})")
    params = load_tuned_params(model_root, dataset.fingerprint, args.split)
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
    p.add_argument(
        "--models", help="extra comma-separated model names to train beside the serving set"
    )
    p.add_argument(
        "--no-validate",
        action="store_true",
        help="skip choosing the ranker on validation (serve the first candidate that fits)",
    )
    p.set_defaults(handler=cmd_train)

    p = commands.add_parser("evaluate", help="offline evaluation of models on a split")
    add_location_options(p)
    p.add_argument("--split", choices=("user-time", "random", "global-time"), default="user-time")
    p.add_argument("-k", "--k", dest="k", type=positive_int, default=10, help="list length K")
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


def write_error(message: str) -> None:
    print(f"moviebot: error: {message}", file=sys.stderr)
