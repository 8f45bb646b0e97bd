"""The recommender's subcommands of ``moviebot``: download, synth, train and evaluate.

The commands that answer questions (recommend, similar, popular, parse) live with the chat
layer in ``bot.commands``, since they go through the same tools as the chat.

Handlers are thin: parse options, call the library, print.  Progress goes to stderr (rich), so
stdout carries only results and stays machine-readable with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from recommender.data.synth import MAX_RATINGS
from recommender.errors import ConfigError, DataError, DownloadError
from recommender.fileio import writable_dir, writable_file
from recommender.paths import DEFAULT_DATASET, cache_root, default_data_dir, default_model_dir
from recommender.progress import fit_progress, stderr

if TYPE_CHECKING:
    from recommender.data import Dataset
    from recommender.evaluate import EvaluationReport
    from recommender.splits import SplitName

__all__ = [
    "add_commands",
    "add_location_options",
    "check_output_locations",
    "data_dir_of",
    "ensure_dataset",
    "model_dir_of",
    "positive_int",
    "write_error",
]

_Settings = TypeVar("_Settings", bound=BaseModel)
DATASETS = ("ml-100k", "ml-latest-small", "ml-1m", "ml-25m", "ml-32m")


# ---------------------------------------------------------------------------- locations


def add_location_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="MovieLens folder (ML-100K or CSV layout); default $MOVIEBOT_DATA_DIR, else the "
        f"release $MOVIEBOT_DATASET names ({DEFAULT_DATASET} unless set), downloaded on first use",
    )
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=None,
        help="where trained models are cached; default $MOVIEBOT_MODEL_DIR or ~/.cache/moviebot/models",
    )


def data_dir_of(args: argparse.Namespace) -> Path:
    """--data-dir, else the configured dataset (the caller's default, else the environment's),
    downloaded on first use."""
    if args.data_dir:
        return Path(args.data_dir)
    folder = Path(getattr(args, "default_data_dir", None) or default_data_dir())
    return ensure_dataset(folder.name, folder.parent)  # the folder is <datasets>/<name>


def ensure_dataset(name: str, datasets_dir: Path) -> Path:
    """``datasets_dir/name``, downloaded from GroupLens and verified first if it is absent."""
    folder = datasets_dir / name
    if folder.exists():
        return folder  # loading it says what is wrong, if anything
    from recommender.data.download import download_dataset

    stderr.print(f"first run: downloading {name} from GroupLens")
    try:
        return download_dataset(name, datasets_dir)
    except DownloadError as error:
        raise DataError(
            folder,
            f"no MovieLens data here and the download failed ({error}); run "
            f"`moviebot download {name}` when online, or pass --data-dir",
        ) from None


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


def rating_count(text: str) -> int:
    """A --ratings value for synth: 1 to ``MAX_RATINGS``, refused before any work."""
    value = positive_int(text)
    if value > MAX_RATINGS:
        raise argparse.ArgumentTypeError(f"{value:,} is more than the limit of {MAX_RATINGS:,}")
    return value


# ---------------------------------------------------------------------------- outputs

#: Options naming a folder a command writes into, and options naming a file it writes.
#: Any command's parsed options are checked against these (a new option only needs a row).
OUTPUT_FOLDERS = {"out": "--out", "report": "--report"}
OUTPUT_FILES = {"dump_recs": "--dump-recs", "dump_predictions": "--dump-predictions"}


def check_output_locations(args: argparse.Namespace) -> None:
    """Prove every location this command will write can be written, before any work.

    The model folder is checked here only for commands that always write it (``train``,
    ``evaluate --tune``); the answering commands write it only when no cached model loads,
    and ``ensure_trained`` checks it then.  Raises OutputError (one line, exit status 2).
    """
    for dest, option in OUTPUT_FOLDERS.items():
        if getattr(args, dest, None) is not None:
            writable_dir(getattr(args, dest), option)
    for dest, option in OUTPUT_FILES.items():
        if getattr(args, dest, None) is not None:
            writable_file(getattr(args, dest), option)
    if getattr(args, "writes_models", False) or getattr(args, "tune", False):
        writable_dir(model_dir_of(args), "--model-dir (or MOVIEBOT_MODEL_DIR)")


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
    if args.engine == "spark":
        return _train_on_spark(args)
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


def _train_on_spark(args: argparse.Namespace) -> int:
    """``train --engine spark``: Spark's ALS as the ranker, exported as a model directory."""
    from recommender.spark import require_pyspark

    require_pyspark()  # before any work: one line and exit 2 without the extra
    if args.models or args.no_validate:
        raise ConfigError(
            "--models and --no-validate are for --engine local; the Spark engine trains "
            "spark-als, popularity and content, with no validation run"
        )
    from recommender.data.movielens import dataset_fingerprint
    from recommender.models.spark_als import SparkALSConfig
    from recommender.spark.session import SparkOptions
    from recommender.spark.train import train_spark
    from recommender.training import load_tuned_params

    blocks = {"num_user_blocks": args.num_blocks, "num_item_blocks": args.num_blocks}
    chosen = {**(blocks if args.num_blocks else {}), **dict(args.als_param or [])}
    options = _spark_settings(
        SparkOptions,
        master=args.master,
        checkpoint_dir=str(args.checkpoint_dir) if args.checkpoint_dir else None,
        conf=dict(args.spark_conf or []),
    )
    _spark_settings(SparkALSConfig, **chosen)  # bad values are said before the data is read
    data_dir, model_root = data_dir_of(args), model_dir_of(args)
    tuned = load_tuned_params(model_root, dataset_fingerprint(data_dir)).get("spark-als", {})
    config = _spark_settings(SparkALSConfig, **{**tuned, **chosen})
    stderr.print(f"training spark-als on Spark ({options.master}) from {data_dir}")
    spark_log = logging.getLogger("moviebot.spark")  # what ran where, each step, on stderr
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    spark_log.addHandler(handler)
    spark_log.setLevel(logging.INFO)
    try:
        target = train_spark(data_dir, model_root, options, config)
    finally:
        spark_log.removeHandler(handler)
    print(target)
    return 0


def _spark_settings(kind: type[_Settings], **values: object) -> _Settings:
    """``kind(**values)``, a bad value one ConfigError line (pydantic converts the strings
    given on the command line)."""
    try:
        return kind(**values)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise ConfigError(f"train --engine spark: {where}: {problem['msg']}") from None


def key_value(text: str) -> tuple[str, str]:
    """A KEY=VALUE option (--spark-conf, --als-param)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key.strip(), value


def cmd_evaluate(args: argparse.Namespace) -> int:
    from recommender.data import load_dataset
    from recommender.evaluate import evaluate, format_table, report_json
    from recommender.models import MODEL_NAMES
    from recommender.training import TUNING_FILE, load_tuned_params
    from recommender.tuning import save_tuning, tune

    if args.report:
        from recommender.report import require_matplotlib

        require_matplotlib()  # before the evaluation, not after it
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
    if args.report:
        _write_report(args.report, report, dataset, params, args.split)
    return 0


def _write_report(
    directory: Path,
    report: EvaluationReport,
    dataset: Dataset,
    params: dict[str, dict[str, Any]],
    split: SplitName,
) -> None:
    from recommender.report import mf_sgd_curve, report_files, write_report

    curve = None
    if "mf-sgd" in {r.model for r in report.results}:
        stderr.print("fitting mf-sgd on the validation split for its learning curve")
        curve = mf_sgd_curve(dataset, split, params.get("mf-sgd"))
    written = write_report(directory, report_files(report, curve, title=dataset.name))
    stderr.print(f"report: {', '.join(path.name for path in written)} in {directory}")


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
    p.add_argument(
        "--ratings",
        type=rating_count,
        required=True,
        help=f"number of ratings, 1 to {MAX_RATINGS:,}",
    )
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
    spark = p.add_argument_group(
        "Spark engine", "train Spark MLlib's ALS as the ranker (needs the spark extra, Java 17+)"
    )
    spark.add_argument(
        "--engine",
        choices=("local", "spark"),
        default="local",
        help="local: every model in this process (default); spark: ALS on Apache Spark",
    )
    spark.add_argument(
        "--master",
        default="local[2]",
        help="Spark master: local[N] (default local[2]), spark://HOST:7077, yarn, k8s://URL",
    )
    spark.add_argument(
        "--spark-conf",
        type=key_value,
        action="append",
        metavar="KEY=VALUE",
        help="a Spark setting, e.g. spark.executor.memory=8g (repeatable)",
    )
    spark.add_argument(
        "--als-param",
        type=key_value,
        action="append",
        metavar="KEY=VALUE",
        help="an ALS hyper-parameter: factors, regularization, alpha, iterations, seed, "
        "like_threshold, dislike_weight, checkpoint_interval (repeatable)",
    )
    spark.add_argument(
        "--num-blocks",
        type=positive_int,
        help="ALS numUserBlocks and numItemBlocks (default 10; about the cluster's cores)",
    )
    spark.add_argument(
        "--checkpoint-dir",
        help="checkpoint folder every executor can write (e.g. hdfs://...): truncates ALS's "
        "lineage every checkpoint_interval iterations; default a temporary folder per fit, "
        "deleted afterwards (under --model-dir on a cluster)",
    )
    p.set_defaults(handler=cmd_train, writes_models=True)

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
    p.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="also write the table (Markdown, JSON) and PNG figures to DIR (needs matplotlib)",
    )
    p.set_defaults(handler=cmd_evaluate)


def write_error(message: str) -> None:
    print(f"moviebot: error: {message}", file=sys.stderr)
