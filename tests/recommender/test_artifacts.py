"""Model directories: atomic writes, validated loads, clear errors, no pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recommender.artifacts import FORMAT_VERSION, TrainedModels, load_models, save_models
from recommender.data import Vocabulary
from recommender.errors import ArtifactError
from recommender.models import make_model


@pytest.fixture
def trained(tiny_train: sp.csr_matrix) -> TrainedModels:
    users = Vocabulary(np.arange(tiny_train.shape[0]) + 1000)
    items = Vocabulary(np.arange(tiny_train.shape[1]) + 500)
    catalog = pd.DataFrame(
        {
            "movie_id": items.ids,
            "title": [f"Movie {i} (1999)" for i in items.ids],
            "year": pd.array([1999] * len(items), dtype="Int64"),
            "genres": [("Drama", "War")] * len(items),
        }
    )
    models = {"popularity": make_model("popularity").fit(tiny_train)}
    metrics = {"popularity": {"rmse": 1.0}}
    return TrainedModels(
        users, items, models, "abc123", tiny_train, catalog, ("Drama", "War"), metrics
    )


def test_round_trip_keeps_everything(trained: TrainedModels, tmp_path: Path) -> None:
    save_models(tmp_path / "m", trained)
    loaded = load_models(tmp_path / "m")
    assert loaded.users == trained.users and loaded.items == trained.items
    assert loaded.dataset_fingerprint == "abc123"
    assert loaded.genres == ("Drama", "War")
    assert loaded.metrics == {"popularity": {"rmse": 1.0}}
    assert (loaded.seen != trained.seen).nnz == 0
    assert loaded.catalog["genres"].iloc[0] == ("Drama", "War")
    assert loaded.catalog["title"].tolist() == trained.catalog["title"].tolist()
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["models"]["popularity"]["config"] == {"c0": 20.0}


def test_overwrite_replaces_whole_directory(trained: TrainedModels, tmp_path: Path) -> None:
    save_models(tmp_path / "m", trained)
    (tmp_path / "m" / "stale.npz").write_bytes(b"old")
    save_models(tmp_path / "m", trained)
    assert not (tmp_path / "m" / "stale.npz").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temp dirs left


def test_failed_save_leaves_nothing(trained: TrainedModels, tmp_path: Path) -> None:
    class Broken(type(trained.models["popularity"])):  # type: ignore[misc]
        def get_state(self):  # type: ignore[no-untyped-def]
            return {"bad": np.array(["text"], dtype=object)}

    broken = Broken()
    broken.mark_loaded(1, 1)
    trained.models["broken"] = broken
    with pytest.raises(ArtifactError, match="numeric"):
        save_models(tmp_path / "m", trained)
    assert list(tmp_path.iterdir()) == []


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="not a model directory"):
        load_models(tmp_path / "nope")


def test_version_mismatch_is_named(trained: TrainedModels, tmp_path: Path) -> None:
    save_models(tmp_path / "m", trained)
    meta_path = tmp_path / "m" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["format_version"] = 999
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="format version 999"):
        load_models(tmp_path / "m")


def test_wrong_dtype_or_shape_is_named(trained: TrainedModels, tmp_path: Path) -> None:
    save_models(tmp_path / "m", trained)
    state = dict(np.load(tmp_path / "m" / "popularity.npz"))
    state["item_score"] = state["item_score"].astype(np.float32)
    np.savez(tmp_path / "m" / "popularity.npz", **state)
    with pytest.raises(ArtifactError, match="item_score"):
        load_models(tmp_path / "m")
    state["item_score"] = np.zeros(3)
    np.savez(tmp_path / "m" / "popularity.npz", **state)
    with pytest.raises(ArtifactError, match="item_score"):
        load_models(tmp_path / "m")


def test_pickled_arrays_are_refused(trained: TrainedModels, tmp_path: Path) -> None:
    save_models(tmp_path / "m", trained)
    np.savez(tmp_path / "m" / "popularity.npz", mu=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(ArtifactError):
        load_models(tmp_path / "m")


def test_corrupt_meta_json(trained: TrainedModels, tmp_path: Path) -> None:
    save_models(tmp_path / "m", trained)
    (tmp_path / "m" / "meta.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="unreadable"):
        load_models(tmp_path / "m")


def test_bad_hyper_parameters_in_meta(trained: TrainedModels, tmp_path: Path) -> None:
    save_models(tmp_path / "m", trained)
    meta_path = tmp_path / "m" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["models"]["popularity"]["config"] = {"c0": -5}
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="popularity"):
        load_models(tmp_path / "m")
