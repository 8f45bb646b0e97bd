"""Model directories: atomic writes, validated loads, clear errors, no pickle."""

from __future__ import annotations

import errno
import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recommender.artifacts import FORMAT_VERSION, TrainedModels, load_models, save_models
from recommender.catalog import Catalog
from recommender.data import Vocabulary
from recommender.errors import ArtifactError
from recommender.fileio import OutputError
from recommender.models import make_model
from recommender.training import ensure_trained


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


def test_round_trip_keeps_tags_and_links(trained: TrainedModels, tmp_path: Path) -> None:
    n = len(trained.catalog)
    trained.catalog["tag_list"] = [("time travel", "twist") if i % 2 else () for i in range(n)]
    trained.catalog["imdb_id"] = [f"tt{i:07d}" if i % 3 else None for i in range(n)]
    trained.catalog["tmdb_id"] = pd.array([i * 10 if i % 4 else None for i in range(n)], "Int64")
    trained.catalog.loc[2, "year"] = pd.NA
    loaded = load_models(save_models(tmp_path / "m", trained)).catalog
    for column in ("movie_id", "title", "year", "genres", "tag_list", "imdb_id", "tmdb_id"):
        assert loaded[column].tolist() == trained.catalog[column].tolist(), column
    assert str(loaded["tmdb_id"].dtype) == "Int64" and str(loaded["year"].dtype) == "Int64"
    # the catalog serving builds from the cache is the one built from the data
    original = Catalog.build(trained.catalog, trained.genres, trained.items, trained.seen)
    reloaded = Catalog.build(loaded, trained.genres, trained.items, trained.seen)
    assert [reloaded.movie(i) for i in range(n)] == [original.movie(i) for i in range(n)]
    assert reloaded.movie(1).tags == ("time travel", "twist") and reloaded.movie(0).tmdb_id is None


@pytest.mark.parametrize(
    "record",
    [
        {"tag_list": "time travel"},  # a string is not a list of tags
        {"tmdb_id": "603"},
        {"imdb_id": 42},
        {"year": "1999"},
        {"unexpected": 1},
        {"imdb_id": None, "drop": "imdb_id"},  # a version-2 record must have every field
    ],
)
def test_a_malformed_catalog_record_is_named(
    trained: TrainedModels, tmp_path: Path, record: dict[str, object]
) -> None:
    path = saved(trained, tmp_path) / "catalog.json"
    records = json.loads(path.read_text())
    drop = record.pop("drop", None)
    records[3].update(record)
    if drop:
        del records[3][drop]
    path.write_text(json.dumps(records))
    with pytest.raises(ArtifactError, match=r"catalog\.json: malformed at 3\."):
        load_models(tmp_path / "m")


def test_a_version_1_cache_is_rebuilt_with_the_new_catalog(
    tiny_csv_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "models"
    ensure_trained(tiny_csv_dir, root)
    (directory,) = root.iterdir()
    # what the previous MovieBot wrote: version 1, catalog records without tags and links
    meta = json.loads((directory / "meta.json").read_text())
    (directory / "meta.json").write_text(json.dumps({**meta, "format_version": 1}))
    old_fields = ("movie_id", "title", "year", "genres")
    records = json.loads((directory / "catalog.json").read_text())
    (directory / "catalog.json").write_text(
        json.dumps([{f: r[f] for f in old_fields} for r in records])
    )
    with caplog.at_level(logging.WARNING, logger="moviebot.training"):
        rebuilt = ensure_trained(tiny_csv_dir, root)
    assert "format version 1" in caplog.text and "retraining" in caplog.text
    assert "tag_list" in rebuilt.catalog.columns
    again = json.loads((directory / "catalog.json").read_text())
    assert json.loads((directory / "meta.json").read_text())["format_version"] == FORMAT_VERSION
    assert {"tag_list", "imdb_id", "tmdb_id"} <= set(again[0])
    load_models(directory)  # the rebuilt cache reads back


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


# ---------------------------------------------------------------- damaged caches (defect 7)


def saved(trained: TrainedModels, tmp_path: Path) -> Path:
    return save_models(tmp_path / "m", trained)


@pytest.mark.parametrize("file", ["popularity.npz", "seen.npz"])
@pytest.mark.parametrize("keep", [0, 10, 0.5, -1])
def test_truncated_npz_is_an_artifact_error(
    trained: TrainedModels, tmp_path: Path, file: str, keep: float
) -> None:
    path = saved(trained, tmp_path) / file
    data = path.read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep
    path.write_bytes(data[:cut])
    with pytest.raises(ArtifactError, match=file):
        load_models(tmp_path / "m")


def test_every_flipped_byte_is_caught_or_harmless(trained: TrainedModels, tmp_path: Path) -> None:
    """Flip bytes all over a model file (zip headers, .npy header, data, central directory):
    loading either fails with ArtifactError or gives back exactly the saved arrays (a flip
    in, say, a zip timestamp changes nothing)."""
    path = saved(trained, tmp_path) / "popularity.npz"
    original = path.read_bytes()
    expected = trained.models["popularity"].get_state()
    caught = set()
    for position in range(0, len(original), 5):
        damaged = bytearray(original)
        damaged[position] ^= 0xFF
        path.write_bytes(bytes(damaged))
        try:
            loaded = load_models(tmp_path / "m").models["popularity"].get_state()
        except ArtifactError as error:
            caught.add(str(error).split("(")[-1][:12])
            continue
        assert set(loaded) == set(expected)
        for key, value in expected.items():
            np.testing.assert_array_equal(loaded[key], value)
    assert any("CRC" in reason for reason in caught)  # a flip in the data is noticed


def test_crc_error_inside_the_zip(trained: TrainedModels, tmp_path: Path) -> None:
    path = saved(trained, tmp_path) / "seen.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01  # inside the first member's array data
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=r"seen\.npz.*CRC"):
        load_models(tmp_path / "m")


@pytest.mark.parametrize("file", ["popularity.npz", "seen.npz", "catalog.json", "meta.json"])
def test_a_deleted_file_is_an_artifact_error(
    trained: TrainedModels, tmp_path: Path, file: str
) -> None:
    (saved(trained, tmp_path) / file).unlink()
    with pytest.raises(ArtifactError):
        load_models(tmp_path / "m")


def test_header_shape_is_checked_before_the_data_is_read(
    trained: TrainedModels, tmp_path: Path
) -> None:
    """A header claiming a huge array is refused from meta.json's spec, not allocated."""
    directory = saved(trained, tmp_path)
    meta = json.loads((directory / "meta.json").read_text())
    spec = meta["models"]["popularity"]["arrays"]["item_score"]
    spec["shape"] = [10**12]  # meta and file disagree: the file is not read at all
    (directory / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="item_score"):
        load_models(directory)


@pytest.mark.parametrize(
    "garbage",
    [
        b"\xff\xfe\x00garbage",
        b"[]",
        b"null",
        b'{"format_version": 1}',
        b'{"format_version": 1, "users": 5, "items": [], "genres": [], "models": {},'
        b' "dataset_fingerprint": "x"}',
        b'{"format_version": 1, "users": [], "items": [], "genres": [],'
        b' "models": {"popularity": "nope"}, "dataset_fingerprint": "x"}',
        b'{"format_version": 1, "users": [], "items": [], "genres": [],'
        b' "models": {"popularity": {"registry_name": 3}}, "dataset_fingerprint": "x"}',
    ],
)
def test_garbage_meta_json_is_an_artifact_error(
    trained: TrainedModels, tmp_path: Path, garbage: bytes
) -> None:
    (saved(trained, tmp_path) / "meta.json").write_bytes(garbage)
    with pytest.raises(ArtifactError, match=r"meta\.json"):
        load_models(tmp_path / "m")


def test_garbage_catalog_is_an_artifact_error(trained: TrainedModels, tmp_path: Path) -> None:
    (saved(trained, tmp_path) / "catalog.json").write_text('{"movie_id": "x"}')
    with pytest.raises(ArtifactError, match=r"catalog\.json"):
        load_models(tmp_path / "m")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def _wrong_dtype(path: Path) -> None:
    state = dict(np.load(path))
    key = sorted(state)[0]
    state[key] = state[key].astype(np.float16 if state[key].dtype.kind == "f" else np.int8)
    np.savez(path, **state)


CORRUPTIONS = {
    "truncated model": ("mf-sgd.npz", _truncate),
    "flipped byte": ("item-knn.npz", _flip),
    "truncated seen": ("seen.npz", _truncate),
    "wrong dtype": ("popularity.npz", _wrong_dtype),
    "deleted model": ("content.npz", Path.unlink),
    "garbage meta": ("meta.json", lambda p: p.write_bytes(b"\x00{garbage")),
    "garbage catalog": ("catalog.json", lambda p: p.write_text("[[1, 2]]")),
}


def test_a_damaged_cache_is_rebuilt_with_one_log_line(
    tiny_csv_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "models"
    first = ensure_trained(tiny_csv_dir, root)
    (directory,) = root.iterdir()
    for what, (file, damage) in CORRUPTIONS.items():
        damage(directory / file)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="moviebot.training"):
            rebuilt = ensure_trained(tiny_csv_dir, root)
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1, what
        assert file in warnings[0].getMessage() and "\n" not in warnings[0].getMessage()
        assert set(rebuilt.models) == set(first.models), what
        reloaded = load_models(directory)  # the cache on disk is whole again
        assert (reloaded.seen != first.seen).nnz == 0, what


def _disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_mid_save_keeps_the_old_directory(
    trained: TrainedModels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_models(tmp_path / "m", trained)
    before = {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir()}
    monkeypatch.setattr(np.lib.format, "write_array", _disk_full)
    with pytest.raises(OutputError, match="No space left on device"):
        save_models(tmp_path / "m", trained)
    assert {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no staging folder left


def test_a_full_disk_while_caching_still_serves(
    tiny_csv_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(np.lib.format, "write_array", _disk_full)
    with caplog.at_level(logging.WARNING, logger="moviebot.training"):
        served = ensure_trained(tiny_csv_dir, tmp_path / "models")
    assert {"popularity", "mf-sgd"} <= set(served.models)
    assert np.isfinite(served["popularity"].score(np.array([0]))).all()
    (warning,) = caplog.records
    assert "serving them uncached" in warning.getMessage()
    assert list((tmp_path / "models").iterdir()) == []  # nothing half-written
