"""Train the models that serve the CLI and the chat, on all ratings, and cache them on disk.

A trained model directory is keyed by the dataset's fingerprint, so pointing MovieBot at other
data trains a new one and pointing it back reuses the old.  Hyper-parameters come from the
model's defaults, overridden by ``tuning.json`` in the model root when ``moviebot evaluate
--tune`` recorded values for this dataset.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from recommender.artifacts import META_FILE, TrainedModels, load_models, save_models
from recommender.data import Dataset, Vocabulary, dataset_fingerprint, interactions, load_dataset
from recommender.errors import ArtifactError, ModelTooLargeError
from recommender.fileio import OutputError, writable_dir
from recommender.models import get_model_class, make_model
from recommender.models.base import ProgressFn
from recommender.models.content import item_documents

__all__ = [
    "RANKER_PREFERENCE",
    "SERVING_MODELS",
    "choose_ranker",
    "ensure_trained",
    "model_dir_for",
    "train_models",
]

#: Personal top-N comes from the first of these that fits the data, in order of NDCG@10 on
#: ML-100K's validation split (``moviebot evaluate --tune`` prints it).
RANKER_PREFERENCE = ("ease-rp3", "rp3beta", "ease", "ials")
#: Always trained: popularity for "popular", MF for predicted stars, item-kNN and content for
#: "similar to".
SERVING_MODELS = ("popularity", "mf-sgd", "item-knn", "content")
TUNING_FILE = "tuning.json"
log = logging.getLogger("moviebot.training")

ProgressFactory = Callable[[str], ProgressFn | None]
Params = Mapping[str, Mapping[str, Any]]


def choose_ranker(n_users: int, n_items: int, nnz: int, params: Params | None = None) -> str:
    """The preferred ranking model that accepts this data size."""
    for name in RANKER_PREFERENCE:
        cls = get_model_class(name)
        config = cls.config_type(**dict((params or {}).get(name, {})))
        try:
            cls.check_size(config, n_users, n_items, nnz)
        except ModelTooLargeError:
            continue
        return name
    raise ModelTooLargeError("no ranking model can handle this dataset on this machine")


def train_models(
    dataset: Dataset,
    *,
    names: Sequence[str] | None = None,
    params: Params | None = None,
    progress: ProgressFactory | None = None,
    validate: bool = False,
) -> TrainedModels:
    """Fit the serving models on every rating of ``dataset``.

    ``names`` are trained in addition to the serving set (which is always trained, so a
    model directory can always serve).  The item index covers the whole catalog (rated or not), so content similarity and
    popularity can answer for movies nobody has rated yet.  With ``validate``, each model is
    first fitted on the per-user temporal train part and scored on the held-out part; those
    metrics are stored with the model.
    """
    params = params or {}
    users = Vocabulary(dataset.ratings["user"].to_numpy())
    items = Vocabulary(
        np.concatenate([dataset.movies["movie_id"].to_numpy(), dataset.ratings["item"].to_numpy()])
    )
    matrix = interactions(dataset.ratings, users, items)
    ranker = choose_ranker(matrix.shape[0], matrix.shape[1], matrix.nnz, params)
    # The serving set is always trained (the chat and CLI need every one of them); ``names``
    # adds models to the bundle.
    serving = [*SERVING_MODELS, ranker]
    names = serving + [n for n in (names or ()) if n not in serving]
    documents = item_documents(dataset.movies, items)
    metrics: dict[str, dict[str, Any]] = {}
    if validate:
        from recommender.evaluate import evaluate, report_json

        report = evaluate(dataset, names, split="user-time", params=params)
        metrics = {str(row["model"]): row for row in report_json(report)}
    models = {}
    for name in names:
        model = make_model(name, **dict(params.get(name, {})))
        on_progress = progress(name) if progress else None
        model.fit(matrix, progress=on_progress, item_text=documents)
        models[name] = model
    return TrainedModels(
        users=users,
        items=items,
        models=models,
        dataset_fingerprint=dataset.fingerprint,
        seen=matrix,
        catalog=dataset.movies,
        genres=dataset.genres,
        metrics=metrics,
        info={"ranker": ranker, "dataset": dataset.name, "layout": dataset.layout},
    )


def model_dir_for(model_root: Path, fingerprint: str) -> Path:
    return Path(model_root) / fingerprint


def ensure_trained(
    data_dir: Path,
    model_root: Path,
    *,
    progress: ProgressFactory | None = None,
    on_train: Callable[[Dataset], None] | None = None,
) -> TrainedModels:
    """Load the cached models for ``data_dir``; train and cache them first if there are none.

    A cached directory that fails validation (another format version, damaged files) is
    rebuilt.  First-run training skips the validation pass (``moviebot train`` records it) to
    get the person chatting an answer sooner.  The model folder is checked before training;
    if caching still fails (the disk filled up meanwhile) the models are served uncached.
    """
    fingerprint = dataset_fingerprint(data_dir)
    directory = model_dir_for(model_root, fingerprint)
    if (directory / META_FILE).is_file():
        try:
            return load_models(directory)
        except ArtifactError as error:  # a cache from another version, or damaged: rebuild it
            log.warning("retraining: the cached models are unusable (%s)", error)
    # An unusable model folder is said before training, not after it.
    writable_dir(model_root, "the model folder (--model-dir / MOVIEBOT_MODEL_DIR)")
    dataset = load_dataset(data_dir)
    if on_train:
        on_train(dataset)
    trained = train_models(
        dataset, params=load_tuned_params(model_root, fingerprint), progress=progress
    )
    try:
        save_models(directory, trained)
    except OutputError as error:  # e.g. the disk filled up while training: serve anyway
        log.warning("could not cache the trained models, serving them uncached (%s)", error)
    return trained


def load_tuned_params(
    model_root: Path, fingerprint: str, split: str = "user-time"
) -> dict[str, dict[str, Any]]:
    """Hyper-parameters ``evaluate --tune`` recorded for this dataset and split scheme ({} if
    none).  Serving uses the user-time ones: the per-user future is what the chat predicts."""
    from recommender.tuning import load_tuning  # evaluation code is not needed to serve

    path = Path(model_root) / TUNING_FILE
    return load_tuning(path, fingerprint, split) if path.exists() else {}
