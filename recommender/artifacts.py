"""Model directories: fitted models as ``.npz`` arrays plus one ``meta.json``. No pickle.

Layout of a model directory::

    meta.json        format version, dataset fingerprint, id vocabularies, and per model its
                     registry name, hyper-parameters, array specs (shape, dtype), metrics
    <model>.npz      that model's ``get_state()`` arrays, read back with allow_pickle=False
    seen.npz         the training interactions (CSR parts): what each user already rated
    catalog.json     movie id, title, year and genres of every item, so serving needs no data dir

A directory is written to a temporary sibling and renamed into place, so a crash never leaves a
half-written model.  Loading checks the format version, every array's shape and dtype against
``meta.json`` and the hyper-parameters against the model's config type, and names what is
wrong in one ArtifactError line.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.data.vocabulary import Vocabulary
from recommender.errors import ArtifactError, ConfigError
from recommender.models import Recommender, get_model_class

__all__ = ["FORMAT_VERSION", "TrainedModels", "load_models", "save_models"]

FORMAT_VERSION = 1
META_FILE = "meta.json"
SEEN_FILE = "seen.npz"
CATALOG_FILE = "catalog.json"


@dataclass
class TrainedModels:
    """Fitted models sharing one index space, with the vocabularies that map raw ids to it."""

    users: Vocabulary
    items: Vocabulary
    models: dict[str, Recommender]
    dataset_fingerprint: str
    seen: sp.csr_matrix
    catalog: pd.DataFrame
    genres: tuple[str, ...]
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Recommender:
        try:
            return self.models[name]
        except KeyError:
            raise ArtifactError(f"the model directory has no {name!r} model") from None


def save_models(directory: Path, trained: TrainedModels) -> Path:
    """Write ``trained`` to ``directory`` atomically (temp dir, then rename)."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        entries = {}
        for name, model in trained.models.items():
            state = model.get_state()
            _check_state(name, state)
            np.savez(staging / f"{name}.npz", **state)  # type: ignore[arg-type]
            entries[name] = {
                "registry_name": model.name,
                "config": model.config.model_dump(mode="json"),
                "n_users": model.n_users,
                "n_items": model.n_items,
                "arrays": {
                    key: {"shape": list(value.shape), "dtype": value.dtype.str}
                    for key, value in state.items()
                },
                "metrics": trained.metrics.get(name, {}),
            }
        seen = trained.seen
        np.savez(staging / SEEN_FILE, data=seen.data, indices=seen.indices, indptr=seen.indptr)
        catalog = trained.catalog[["movie_id", "title", "year", "genres"]]
        records = [
            {
                "movie_id": int(m),
                "title": t,
                "year": None if pd.isna(y) else int(y),
                "genres": list(g),
            }
            for m, t, y, g in catalog.itertuples(index=False)
        ]
        (staging / CATALOG_FILE).write_text(json.dumps(records), encoding="utf-8")
        meta = {
            "format_version": FORMAT_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "dataset_fingerprint": trained.dataset_fingerprint,
            "users": trained.users.ids.tolist(),
            "items": trained.items.ids.tolist(),
            "genres": list(trained.genres),
            "models": entries,
            "info": trained.info,
        }
        (staging / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp creates it private
        _replace_dir(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def load_models(directory: Path, *, only: list[str] | None = None) -> TrainedModels:
    """Load and validate a model directory; ``only`` restricts which models are read."""
    directory = Path(directory)
    meta_path = directory / META_FILE
    if not meta_path.is_file():
        raise ArtifactError(f"{directory}: not a model directory (no {META_FILE})")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArtifactError(f"{meta_path}: unreadable ({error})") from None
    version = meta.get("format_version") if isinstance(meta, dict) else None
    if version != FORMAT_VERSION:
        raise ArtifactError(
            f"{meta_path}: format version {version!r}, this MovieBot reads {FORMAT_VERSION}; "
            "retrain with `moviebot train`"
        )
    try:
        users = Vocabulary(meta["users"])
        items = Vocabulary(meta["items"])
        entries: Mapping[str, Any] = meta["models"]
        fingerprint = str(meta["dataset_fingerprint"])
        genres = tuple(str(g) for g in meta["genres"])
    except (KeyError, TypeError, ValueError) as error:
        raise ArtifactError(f"{meta_path}: malformed ({error!r})") from None
    names = list(entries) if only is None else only
    models = {name: _load_one(directory, name, entries, len(users), len(items)) for name in names}
    return TrainedModels(
        users=users,
        items=items,
        models=models,
        dataset_fingerprint=fingerprint,
        seen=_load_seen(directory / SEEN_FILE, (len(users), len(items))),
        catalog=_load_catalog(directory / CATALOG_FILE),
        genres=genres,
        metrics={name: dict(entries[name].get("metrics", {})) for name in names},
        info=dict(meta.get("info", {})),
    )


def _load_one(
    directory: Path, name: str, entries: Mapping[str, Any], n_users: int, n_items: int
) -> Recommender:
    if name not in entries:
        raise ArtifactError(f"{directory}: no model {name!r} (has {', '.join(entries)})")
    entry = entries[name]
    try:
        cls = get_model_class(entry["registry_name"])
        config = cls.config_type.model_validate(entry["config"])
    except ConfigError as error:
        raise ArtifactError(f"{directory}: model {name!r}: {error}") from None
    except (KeyError, ValueError) as error:
        raise ArtifactError(f"{directory}: model {name!r} has bad metadata ({error})") from None
    path = directory / f"{name}.npz"
    try:
        with np.load(path, allow_pickle=False) as archive:
            state = {key: archive[key] for key in archive.files}
    except (OSError, ValueError) as error:
        raise ArtifactError(f"{path}: unreadable ({error})") from None
    expected: Mapping[str, Any] = entry.get("arrays", {})
    if set(state) != set(expected):
        raise ArtifactError(
            f"{path}: arrays {sorted(state)} do not match meta.json {sorted(expected)}"
        )
    for key, spec in expected.items():
        array = state[key]
        if list(array.shape) != list(spec["shape"]) or array.dtype.str != spec["dtype"]:
            raise ArtifactError(
                f"{path}: array {key!r} is {array.dtype.str}{list(array.shape)}, "
                f"meta.json says {spec['dtype']}{spec['shape']}"
            )
    if (entry.get("n_users"), entry.get("n_items")) != (n_users, n_items):
        raise ArtifactError(f"{directory}: model {name!r} was fitted on another index space")
    model = cls(config)
    try:
        model.set_state(state)
    except (KeyError, ValueError, IndexError) as error:
        raise ArtifactError(f"{path}: inconsistent state ({error})") from None
    model.mark_loaded(n_users, n_items)
    return model


def _load_seen(path: Path, shape: tuple[int, int]) -> sp.csr_matrix:
    try:
        with np.load(path, allow_pickle=False) as archive:
            parts = (archive["data"], archive["indices"], archive["indptr"])
        seen = sp.csr_matrix(parts, shape=shape)
        seen.check_format(full_check=True)
    except (OSError, KeyError, ValueError) as error:
        raise ArtifactError(f"{path}: unreadable or inconsistent ({error})") from None
    return seen


def _load_catalog(path: Path) -> pd.DataFrame:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
        catalog = pd.DataFrame.from_records(
            records, columns=["movie_id", "title", "year", "genres"]
        )
        catalog["movie_id"] = catalog["movie_id"].astype("int64")
        catalog["year"] = catalog["year"].astype("Int64")
        catalog["genres"] = catalog["genres"].map(tuple)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError, TypeError) as error:
        raise ArtifactError(f"{path}: unreadable ({error})") from None
    return catalog


def _check_state(name: str, state: Mapping[str, np.ndarray]) -> None:
    for key, value in state.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            raise ArtifactError(f"model {name!r}: state {key!r} must be a numeric numpy array")


def _replace_dir(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``; an existing ``target`` is swapped out, then removed."""
    if not target.exists():
        staging.replace(target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
    target.replace(retired / target.name)
    staging.replace(target)
    shutil.rmtree(retired, ignore_errors=True)
