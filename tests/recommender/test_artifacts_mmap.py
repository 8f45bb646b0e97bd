"""Memory-mapped model directories: large arrays are mapped read-only, checked without being
read, and every model serves from them exactly as from arrays read into memory."""

from __future__ import annotations

import json
import logging
import mmap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recommender import artifacts
from recommender.artifacts import TrainedModels, load_models, save_models
from recommender.data import Vocabulary
from recommender.errors import ArtifactError, ModelError
from recommender.models import MODEL_NAMES, make_model
from recommender.serving import ItemList, MovieRecommender
from recommender.training import ensure_trained, train_models
from tests.conftest import make_ratings, synthetic_dataset


def mapped(array: np.ndarray) -> bool:
    """Whether ``array`` is (a view of) a memory-mapped file rather than memory of its own."""
    base: object = array
    while isinstance(base, np.ndarray):
        base = base.base
    return isinstance(base, mmap.mmap)


@pytest.fixture
def map_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Map every non-empty array, so the tiny test models take the large-model path."""
    monkeypatch.setattr(artifacts, "MMAP_THRESHOLD_BYTES", 1)


@pytest.fixture(scope="module")
def every_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding every registered model, fitted on a small synthetic dataset."""
    ratings, movies = make_ratings(np.random.default_rng(5), n_users=70, n_items=40, per_user=15)
    dataset = synthetic_dataset(ratings, movies, "mapped")
    trained = train_models(dataset, names=list(MODEL_NAMES), validate=False)
    return save_models(tmp_path_factory.mktemp("models") / "m", trained)


def ials_models(n_users: int = 300, n_items: int = 50, factors: int = 8) -> TrainedModels:
    rng = np.random.default_rng(3)
    ials = make_model("ials", factors=factors)
    ials.set_state(
        {
            "user_factors": rng.standard_normal((n_users, factors)).astype(np.float32),
            "item_factors": rng.standard_normal((n_items, factors)).astype(np.float32),
            "item_count": rng.integers(0, 9, n_items).astype(np.int64),
        }
    )
    ials.mark_loaded(n_users, n_items)
    seen = sp.random(n_users, n_items, density=0.05, format="csr", dtype=np.float32, rng=rng)
    seen.data[:] = 4.0
    items = Vocabulary(np.arange(n_items) * 3 + 1)
    catalog = pd.DataFrame(
        {
            "movie_id": items.ids,
            "title": [f"Movie {i}" for i in items.ids],
            "year": pd.array([2000] * n_items, dtype="Int64"),
            "genres": [("Drama",)] * n_items,
        }
    )
    return TrainedModels(
        users=Vocabulary(np.arange(n_users) * 2 + 7),
        items=items,
        models={"ials": ials},
        dataset_fingerprint="ials",
        seen=seen,
        catalog=catalog,
        genres=("Drama",),
    )


def test_a_large_array_is_mapped_and_a_small_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained = ials_models(n_users=3000, factors=16)  # user factors: 192,000 bytes
    save_models(tmp_path / "m", trained)
    monkeypatch.setattr(artifacts, "MMAP_THRESHOLD_BYTES", 100_000)
    loaded = load_models(tmp_path / "m")
    model = loaded["ials"]
    factors = model.user_factors  # type: ignore[attr-defined]
    assert mapped(factors) and not factors.flags.owndata and not factors.flags.writeable
    np.testing.assert_array_equal(factors, trained["ials"].user_factors)  # type: ignore[attr-defined]
    for small in (model.item_factors, model.item_count, loaded.users.ids, loaded.seen.indices):  # type: ignore[attr-defined]
        assert not mapped(small) and small.flags.writeable
    assert loaded.users == trained.users and (loaded.seen != trained.seen).nnz == 0


def test_vocabularies_and_seen_stay_mapped(tmp_path: Path, map_everything: None) -> None:
    trained = ials_models()
    loaded = load_models(save_models(tmp_path / "m", trained))
    assert mapped(loaded.users.ids) and mapped(loaded.items.ids)
    assert loaded.users == trained.users and loaded.items == trained.items
    assert all(mapped(part) for part in (loaded.seen.data, loaded.seen.indices))
    assert mapped(loaded.seen.indptr)
    assert (loaded.seen != trained.seen).nnz == 0


def test_every_model_serves_the_same_from_mapped_arrays(
    every_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read-only mapped state: any model writing into its loaded arrays fails here."""
    read = load_models(every_model)
    monkeypatch.setattr(artifacts, "MMAP_THRESHOLD_BYTES", 1)
    mapped_models = load_models(every_model)
    users = np.array([0, 3, -1])
    newcomer = sp.csr_matrix(
        (np.array([5.0, 4.0, 1.0], dtype=np.float32), (np.zeros(3, int), np.array([1, 4, 9]))),
        shape=(1, len(read.items)),
    )
    checked = []
    for name, model in mapped_models.models.items():
        arrays = [value for value in model.get_state().values() if value.ndim]  # not mu
        assert not arrays or any(mapped(value) for value in arrays), name
        reference = read[name]
        np.testing.assert_allclose(model.score(users), reference.score(users), err_msg=name)
        try:
            expected = reference.score_new_users(newcomer)
        except ModelError:
            expected = None
        if expected is not None:
            np.testing.assert_allclose(
                model.score_new_users(newcomer), expected, rtol=1e-5, atol=1e-6, err_msg=name
            )
        if model.predicts_ratings:
            pairs = (np.array([0, 1, -1]), np.array([2, -1, 3]))
            np.testing.assert_allclose(model.predict(*pairs), reference.predict(*pairs))
        checked.append(name)
    assert set(checked) == set(MODEL_NAMES)
    # serving on top of them (the ranker, fold-in, "similar" and "popular")
    for info in ({"ranker": "ials"}, {"ranker": "mf-sgd"}):
        read.info, mapped_models.info = info, info
        served, reference_service = MovieRecommender(mapped_models), MovieRecommender(read)
        for call in calls(read):
            assert call(served).ids.tolist() == call(reference_service).ids.tolist()


def calls(trained: TrainedModels) -> list[Callable[[MovieRecommender], ItemList]]:
    """One of each serving answer: the ranker, fold-in (with a dislike), similar, popular."""
    user = int(trained.users.ids[2])
    likes = {int(trained.items.ids[1]): 5.0, int(trained.items.ids[4]): 4.0}
    movie, disliked = int(trained.items.ids[6]), int(trained.items.ids[9])
    return [
        lambda s: s.recommend(user, 5),
        lambda s: s.recommend(likes, 5, dislikes=[disliked]),
        lambda s: s.similar_items(movie, 5),
        lambda s: s.popular(5),
    ]


def test_a_memmap_backed_state_round_trips(tmp_path: Path) -> None:
    """What the Spark export does: user factors filled into an on-disk memmap, then saved."""
    trained = ials_models()
    model = trained["ials"]
    on_disk = np.lib.format.open_memmap(
        tmp_path / "factors.npy",
        mode="w+",
        dtype=np.float32,
        shape=model.user_factors.shape,  # type: ignore[attr-defined]
    )
    on_disk[:] = model.user_factors  # type: ignore[attr-defined]
    expected = np.array(on_disk)
    model.user_factors = on_disk  # type: ignore[attr-defined]
    loaded = load_models(save_models(tmp_path / "m", trained))
    np.testing.assert_array_equal(loaded["ials"].user_factors, expected)  # type: ignore[attr-defined]


def test_a_mapped_directory_saves_over_itself(tmp_path: Path, map_everything: None) -> None:
    """Re-saving loaded (mapped) models into their own directory replaces it whole, and the
    arrays still mapped from the old files stay readable."""
    trained = ials_models()
    loaded = load_models(save_models(tmp_path / "m", trained))
    save_models(tmp_path / "m", loaded)
    again = load_models(tmp_path / "m")
    np.testing.assert_array_equal(
        again["ials"].user_factors,  # type: ignore[attr-defined]
        trained["ials"].user_factors,  # type: ignore[attr-defined]
    )
    assert float(loaded["ials"].user_factors.sum()) == float(again["ials"].user_factors.sum())  # type: ignore[attr-defined]


# ---------------------------------------------------------------- damaged mapped members


@pytest.mark.parametrize("file", ["ials.npz", "seen.npz", "vocab.npz"])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, -1])
def test_a_truncated_mapped_file_is_an_artifact_error(
    tmp_path: Path, map_everything: None, file: str, keep: float
) -> None:
    path = save_models(tmp_path / "m", ials_models()) / file
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep) if keep > 0 else len(data) + int(keep)])
    with pytest.raises(ArtifactError, match=file):
        load_models(tmp_path / "m")


def _rewrite_user_factors(directory: Path, header: bytes, replacement: bytes) -> None:
    """Change the user factors' .npy header in place (same length: the zip stays whole)."""
    path = directory / "ials.npz"
    data = path.read_bytes()
    assert data.count(header) == 1
    path.write_bytes(data.replace(header, replacement))


def test_a_header_claiming_more_than_the_member_holds(tmp_path: Path, map_everything: None) -> None:
    """The zip is intact, but the array's header (and meta.json) say it is 3x as long as
    the bytes stored: mapping it would read past the member, so it is refused."""
    directory = save_models(tmp_path / "m", ials_models(n_users=300))
    _rewrite_user_factors(directory, b"(300, 8)", b"(900, 8)")
    meta = json.loads((directory / "meta.json").read_text())
    meta["models"]["ials"]["arrays"]["user_factors"]["shape"] = [900, 8]
    (directory / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match=r"ials\.npz: array 'user_factors' holds 9600 bytes"):
        load_models(directory)


def test_a_deflated_large_member_is_an_artifact_error(tmp_path: Path, map_everything: None) -> None:
    directory = save_models(tmp_path / "m", ials_models())
    state = dict(np.load(directory / "ials.npz"))
    np.savez_compressed(directory / "ials.npz", **state)
    with pytest.raises(ArtifactError, match=r"ials\.npz: array '\w+' is compressed"):
        load_models(directory)


def test_a_corrupt_small_member_is_still_caught_by_its_crc(tmp_path: Path) -> None:
    path = save_models(tmp_path / "m", ials_models()) / "ials.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=r"ials\.npz.*CRC"):
        load_models(tmp_path / "m")


# ---------------------------------------------------------------- vocab.npz (format 3)


def test_unsorted_vocabulary_is_an_artifact_error(tmp_path: Path, map_everything: None) -> None:
    directory = save_models(tmp_path / "m", ials_models())
    ids = dict(np.load(directory / "vocab.npz"))
    ids["users"] = ids["users"][::-1].copy()
    np.savez(directory / "vocab.npz", **ids)
    with pytest.raises(ArtifactError, match=r"vocab\.npz: inconsistent.*strictly increasing"):
        load_models(directory)


@pytest.mark.parametrize(
    "change",
    [
        {"users": np.arange(10, dtype=np.int64)},  # not the users meta.json counts
        {"items": np.arange(50, dtype=np.int32)},  # not int64
        {"users": None},  # missing
    ],
)
def test_a_vocabulary_not_matching_meta_is_an_artifact_error(
    tmp_path: Path, change: dict[str, np.ndarray | None]
) -> None:
    directory = save_models(tmp_path / "m", ials_models())
    ids = dict(np.load(directory / "vocab.npz"))
    for key, value in change.items():
        if value is None:
            del ids[key]
        else:
            ids[key] = value
    np.savez(directory / "vocab.npz", **ids)
    with pytest.raises(ArtifactError, match=r"vocab\.npz"):
        load_models(directory)


def test_meta_json_no_longer_lists_the_ids(tmp_path: Path) -> None:
    directory = save_models(tmp_path / "m", ials_models())
    meta = json.loads((directory / "meta.json").read_text())
    assert "users" not in meta and "items" not in meta
    assert (meta["n_users"], meta["n_items"], meta["format_version"]) == (300, 50, 3)


def test_a_version_2_cache_is_rebuilt(
    tiny_csv_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What MovieBot 2 wrote: the ids in meta.json and no vocab.npz."""
    root = tmp_path / "models"
    first = ensure_trained(tiny_csv_dir, root)
    (directory,) = root.iterdir()
    meta = json.loads((directory / "meta.json").read_text())
    del meta["n_users"], meta["n_items"]
    meta.update(format_version=2, users=first.users.ids.tolist(), items=first.items.ids.tolist())
    (directory / "meta.json").write_text(json.dumps(meta))
    (directory / "vocab.npz").unlink()
    with caplog.at_level(logging.WARNING, logger="moviebot.training"):
        rebuilt = ensure_trained(tiny_csv_dir, root)
    (warning,) = caplog.records
    assert "retraining" in warning.getMessage() and "format version 2" in warning.getMessage()
    assert rebuilt.users == first.users and (directory / "vocab.npz").is_file()
    assert load_models(directory).users == first.users


@pytest.mark.parametrize(
    "damage",
    [
        lambda parts: parts["indptr"].__setitem__(-1, parts["indices"].size + 5),
        lambda parts: parts["indptr"].__setitem__(0, 1),
        lambda parts: parts.__setitem__("indptr", parts["indptr"][:-1].copy()),
        lambda parts: parts.__setitem__("data", parts["data"][:-1].copy()),
    ],
    ids=["indptr past the end", "indptr not from 0", "a row short", "data short"],
)
def test_a_mapped_seen_matrix_is_checked_at_its_ends(
    tmp_path: Path, map_everything: None, damage: Callable[[dict[str, np.ndarray]], None]
) -> None:
    directory = save_models(tmp_path / "m", ials_models())
    parts = dict(np.load(directory / "seen.npz"))
    damage(parts)
    np.savez(directory / "seen.npz", **parts)
    with pytest.raises(ArtifactError, match=r"seen\.npz: inconsistent"):
        load_models(directory)


def test_mapped_arrays_are_aligned(tmp_path: Path, map_everything: None) -> None:
    """Members start on a 64-byte boundary: numpy would copy an unaligned mapped array whole
    for each vocabulary lookup (searchsorted), 80 MB at 10M users."""
    loaded = load_models(save_models(tmp_path / "m", ials_models()))
    arrays = [loaded.users.ids, loaded.items.ids, loaded.seen.data, loaded.seen.indices]
    state = loaded["ials"].get_state()  # (its item factors are copied, for implicit)
    arrays += [state["user_factors"], state["item_count"]]
    for array in arrays:
        assert mapped(array) and array.ctypes.data % artifacts.NPZ_ALIGNMENT == 0


def test_write_npz_is_read_by_numpy(tmp_path: Path) -> None:
    arrays = {
        "a": np.arange(7, dtype=np.int16),
        "b": np.asfortranarray(np.ones((3, 4))),
        "empty": np.zeros((0, 5), np.float32),
        "scalar": np.array(2.5),
    }
    artifacts.write_npz(tmp_path / "x.npz", arrays)
    with np.load(tmp_path / "x.npz", allow_pickle=False) as read:
        assert set(read.files) == set(arrays)
        for key, value in arrays.items():
            np.testing.assert_array_equal(read[key], value)
            assert read[key].dtype == value.dtype and read[key].shape == value.shape
