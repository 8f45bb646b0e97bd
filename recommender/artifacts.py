"""Model directories: fitted models as ``.npz`` arrays plus one ``meta.json``. No pickle.

Layout of a model directory::

    meta.json        format version, dataset fingerprint, vocabulary sizes, and per model its
                     registry name, hyper-parameters, array specs (shape, dtype), metrics
    vocab.npz        the id vocabularies: ``users`` and ``items``, sorted raw int64 ids
    <model>.npz      that model's ``get_state()`` arrays, read back with allow_pickle=False
    seen.npz         the training interactions (CSR parts): what each user already rated
    catalog.json     every item's movie id, title, year, genres, distinct tags and IMDb / TMDB
                     ids, so serving (and the film card) needs no data dir

A directory is written to a temporary sibling and renamed into place (``fileio``), so a crash
never leaves a half-written model.  Loading checks the format version, the structure of
``meta.json``, every array's shape and dtype (from its header, before reading it), the CRC-32
of every member it reads (not of mapped ones, below) and the hyper-parameters against the
model's config type; any failure to read or validate is one ArtifactError line naming the
file, so a damaged cache is rebuilt.

Large arrays are memory-mapped, not read: members are stored uncompressed (``write_npz``, an
aligned ``np.savez``), so an array of at least ``MMAP_THRESHOLD_BYTES`` is returned as a read-only ``np.memmap`` over its
bytes in the file, and a 10M-user model starts as fast as a small one (the pages a request
touches are read on demand).  A mapped member is checked for its shape and dtype, for being
stored (not deflated) and for the file covering all of it (truncation is an ArtifactError), but
NOT for its CRC-32: that would read every byte.  A flipped byte inside a large array goes
unnoticed; every smaller member is still read whole and CRC-checked.
"""

from __future__ import annotations

import json
import math
import struct
import time
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from recommender.data.vocabulary import Vocabulary
from recommender.errors import ArtifactError, ConfigError
from recommender.fileio import atomic_directory
from recommender.models import Recommender, get_model_class

__all__ = ["FORMAT_VERSION", "TrainedModels", "load_models", "save_models", "write_npz"]

#: 2: catalog.json also holds each film's tags and IMDb / TMDB ids.  3: the id vocabularies
#: moved from meta.json (a 10M-id JSON list takes seconds to parse) to vocab.npz.  An older
#: cache is rebuilt, as any cache that fails to load is.
FORMAT_VERSION = 3
META_FILE = "meta.json"
VOCAB_FILE = "vocab.npz"
SEEN_FILE = "seen.npz"
CATALOG_FILE = "catalog.json"
#: Arrays at least this large are memory-mapped on load instead of read (tests lower it).
MMAP_THRESHOLD_BYTES = 16 * 2**20


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
    # Not fsynced: a cache whose every file is checked on load (and rebuilt when damaged).
    with atomic_directory(directory, fsync=False) as staging:
        entries = {}
        for name, model in trained.models.items():
            state = model.get_state()
            _check_state(name, state)
            write_npz(staging / f"{name}.npz", state)
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
        write_npz(
            staging / SEEN_FILE, {"data": seen.data, "indices": seen.indices, "indptr": seen.indptr}
        )
        write_npz(staging / VOCAB_FILE, {"users": trained.users.ids, "items": trained.items.ids})
        records = _catalog_records(trained.catalog)
        (staging / CATALOG_FILE).write_text(json.dumps(records), encoding="utf-8")
        meta = {
            "format_version": FORMAT_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "dataset_fingerprint": trained.dataset_fingerprint,
            "n_users": len(trained.users),
            "n_items": len(trained.items),
            "genres": list(trained.genres),
            "models": entries,
            "info": trained.info,
        }
        (staging / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return directory


#: Each member's bytes start on this boundary (its .npy header is a multiple of 64 bytes too),
#: so a mapped array is aligned: numpy copies an unaligned one whole for, e.g., searchsorted.
NPZ_ALIGNMENT = 64
#: The zip "extra" field id of that padding (the one Android's zipalign uses for the same job).
_PADDING_FIELD = 0xD935
#: Bytes between a member's local-header offset and its data, besides its name and padding:
#: the fixed header (30), the zip64 sizes record (20) and the padding record's own header (4).
_MEMBER_OVERHEAD = 30 + 20 + 4


def write_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """What ``np.savez`` writes (stored members, zip64, read by ``np.load``), but with each
    member's data aligned to NPZ_ALIGNMENT.  Arrays are streamed in chunks, so an
    ``np.memmap`` of any size is written without being read into memory."""
    with path.open("wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:
        for key, value in arrays.items():
            member = zipfile.ZipInfo(f"{key}.npy", date_time=time.localtime()[:6])
            start = raw.tell() + _MEMBER_OVERHEAD + len(member.filename.encode())
            padding = -start % NPZ_ALIGNMENT
            member.extra = struct.pack("<HH", _PADDING_FIELD, padding) + bytes(padding)
            with archive.open(member, "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asanyarray(value), allow_pickle=False)


class _ArraySpec(BaseModel):
    shape: list[int]
    dtype: str


class _ModelEntry(BaseModel):
    registry_name: str
    config: dict[str, Any]
    n_users: int
    n_items: int
    arrays: dict[str, _ArraySpec]
    metrics: dict[str, Any] = {}


class _Meta(BaseModel):
    """What ``meta.json`` must hold (other keys, e.g. ``created``, are ignored)."""

    format_version: int
    dataset_fingerprint: str
    n_users: int
    n_items: int
    genres: list[str]
    models: dict[str, _ModelEntry]
    info: dict[str, Any] = {}


#: What reading a damaged file can raise: truncation and flipped bytes surface as a bad zip
#: (CRC-32 mismatch), an "unsupported" zip version or compression method (NotImplementedError),
#: a short read, a bad .npy header or undecodable JSON.
_READ_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
)


def load_models(directory: Path, *, only: list[str] | None = None) -> TrainedModels:
    """Load and validate a model directory; ``only`` restricts which models are read.

    Any file that cannot be read or does not match ``meta.json`` raises ArtifactError (one
    line naming the file), never a lower-level error, so a damaged cache is always rebuilt.
    """
    directory = Path(directory)
    meta = _read_meta(directory / META_FILE)
    users, items = _load_vocabularies(directory / VOCAB_FILE, meta)
    names = list(meta.models) if only is None else only
    models = {
        name: _load_one(directory, name, meta.models, len(users), len(items)) for name in names
    }
    return TrainedModels(
        users=users,
        items=items,
        models=models,
        dataset_fingerprint=meta.dataset_fingerprint,
        seen=_load_seen(directory / SEEN_FILE, (len(users), len(items))),
        catalog=_load_catalog(directory / CATALOG_FILE),
        genres=tuple(meta.genres),
        metrics={name: dict(meta.models[name].metrics) for name in names},
        info=dict(meta.info),
    )


def _read_meta(path: Path) -> _Meta:
    if not path.is_file():
        raise ArtifactError(f"{path.parent}: not a model directory (no {META_FILE})")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except _READ_ERRORS as error:
        raise ArtifactError(f"{path}: unreadable ({error})") from None
    version = document.get("format_version") if isinstance(document, dict) else None
    if version != FORMAT_VERSION:
        raise ArtifactError(
            f"{path}: format version {version!r}, this MovieBot reads {FORMAT_VERSION}; "
            "retrain with `moviebot train`"
        )
    try:
        return _Meta.model_validate(document)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise ArtifactError(f"{path}: malformed at {where}: {problem['msg']}") from None


def _load_one(
    directory: Path, name: str, entries: Mapping[str, _ModelEntry], n_users: int, n_items: int
) -> Recommender:
    if name not in entries:
        raise ArtifactError(f"{directory}: no model {name!r} (has {', '.join(entries)})")
    entry = entries[name]
    try:
        cls = get_model_class(entry.registry_name)
        config = cls.config_type.model_validate(entry.config)
    except ConfigError as error:
        raise ArtifactError(f"{directory}: model {name!r}: {error}") from None
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        raise ArtifactError(f"{directory}: model {name!r} has bad metadata ({error})") from None
    if (entry.n_users, entry.n_items) != (n_users, n_items):
        raise ArtifactError(f"{directory}: model {name!r} was fitted on another index space")
    path = directory / f"{name}.npz"
    state = _read_arrays(path, entry.arrays)
    model = cls(config)
    try:
        model.set_state(state)
    except (KeyError, ValueError, IndexError, TypeError) as error:
        raise ArtifactError(f"{path}: inconsistent state ({error})") from None
    model.mark_loaded(n_users, n_items)
    return model


def _read_arrays(path: Path, expected: Mapping[str, _ArraySpec] | None) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file, never pickled objects.

    Each array's shape and dtype come from its .npy header before its data is touched; with
    ``expected`` (meta.json's specs) the names, shapes and dtypes must match it, so a damaged
    header cannot make us allocate an absurd array.  Arrays of ``MMAP_THRESHOLD_BYTES`` or
    more are memory-mapped (``_map_member``); the others are read, their CRC-32 checked.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = {m.removesuffix(".npy"): m for m in archive.namelist()}
            if expected is not None and set(members) != set(expected):
                raise ArtifactError(
                    f"{path}: arrays {sorted(members)} do not match meta.json {sorted(expected)}"
                )
            state: dict[str, np.ndarray] = {}
            for key, member in members.items():
                with archive.open(member) as handle:
                    header = _read_header(handle)
                    header_size = handle.tell()
                if expected is not None:
                    _check_header(path, key, header, expected[key])
                if header.nbytes >= max(MMAP_THRESHOLD_BYTES, 1):  # nothing to map in []
                    info = archive.getinfo(member)
                    state[key] = _map_member(path, key, info, header, header_size)
                else:
                    with archive.open(member) as handle:
                        state[key] = np.lib.format.read_array(handle, allow_pickle=False)
    except _READ_ERRORS as error:
        raise ArtifactError(f"{path}: unreadable ({error})") from None
    return state


@dataclass(frozen=True)
class _Header:
    """An .npy header: what the array is, before any of its data is read."""

    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype[Any]

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize  # Python ints: no overflow


def _read_header(handle: IO[bytes]) -> _Header:
    version = np.lib.format.read_magic(handle)
    read_header = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    shape, fortran_order, dtype = read_header(handle)
    return _Header(tuple(shape), bool(fortran_order), dtype)


def _check_header(path: Path, key: str, header: _Header, spec: _ArraySpec) -> None:
    if list(header.shape) != spec.shape or header.dtype.str != spec.dtype:
        raise ArtifactError(
            f"{path}: array {key!r} is {header.dtype.str}{list(header.shape)}, "
            f"meta.json says {spec.dtype}{spec.shape}"
        )


#: A zip local file header: signature, then fixed fields; the name and "extra" field (zip64
#: sizes) follow it, then the member's bytes (``zipfile`` does not expose where they start).
_LOCAL_HEADER = struct.Struct("<4s22xHH")


def _map_member(
    path: Path, key: str, info: zipfile.ZipInfo, header: _Header, header_size: int
) -> np.memmap[Any, np.dtype[Any]]:
    """A read-only memmap over a stored member's array data (no CRC check: see the module
    docstring); the member must be uncompressed, exactly the array's size, inside the file."""
    if header.dtype.hasobject:
        raise ArtifactError(f"{path}: array {key!r} holds Python objects")
    if info.compress_type != zipfile.ZIP_STORED:
        raise ArtifactError(f"{path}: array {key!r} is compressed, so it cannot be mapped")
    if info.file_size != header_size + header.nbytes or info.compress_size != info.file_size:
        raise ArtifactError(
            f"{path}: array {key!r} holds {info.file_size - header_size} bytes, "
            f"its header says {header.nbytes}"
        )
    with path.open("rb") as raw:
        raw.seek(info.header_offset)
        signature, name_size, extra_size = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
        file_size = raw.seek(0, 2)
    if signature != b"PK\x03\x04":
        raise ArtifactError(f"{path}: array {key!r} has a damaged zip header")
    offset = info.header_offset + _LOCAL_HEADER.size + name_size + extra_size + header_size
    if offset + header.nbytes > file_size:
        raise ArtifactError(f"{path}: truncated inside array {key!r}")
    return np.memmap(
        path,
        dtype=header.dtype,
        mode="r",
        offset=offset,
        shape=header.shape,
        order="F" if header.fortran_order else "C",
    )


def _load_vocabularies(path: Path, meta: _Meta) -> tuple[Vocabulary, Vocabulary]:
    """vocab.npz's sorted id arrays, kept as they are (mapped when large)."""
    ids = _read_arrays(path, None)
    try:
        users, items = Vocabulary.from_sorted(ids["users"]), Vocabulary.from_sorted(ids["items"])
    except (KeyError, ValueError) as error:
        raise ArtifactError(f"{path}: inconsistent ({error})") from None
    if (len(users), len(items)) != (meta.n_users, meta.n_items):
        raise ArtifactError(
            f"{path}: {len(users)} users and {len(items)} items, "
            f"meta.json says {meta.n_users} and {meta.n_items}"
        )
    return users, items


def _load_seen(path: Path, shape: tuple[int, int]) -> sp.csr_matrix:
    """The interactions; a mapped matrix is checked for its lengths and indptr's ends only
    (scipy's constructor does that), as a full check would read hundreds of millions of
    entries, while a read one is checked whole."""
    parts = _read_arrays(path, None)
    try:
        seen = sp.csr_matrix((parts["data"], parts["indices"], parts["indptr"]), shape=shape)
        if not any(isinstance(part, np.memmap) for part in parts.values()):
            seen.check_format(full_check=True)
    except (KeyError, ValueError, TypeError) as error:
        raise ArtifactError(f"{path}: inconsistent ({error})") from None
    return seen


class _MovieRecord(BaseModel):
    """One film in ``catalog.json``: the Dataset.movies columns serving needs."""

    model_config = ConfigDict(extra="forbid", strict=True)  # "1999" is not a year

    movie_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    tag_list: tuple[str, ...]
    imdb_id: str | None
    tmdb_id: int | None


_CATALOG_RECORDS = TypeAdapter(list[_MovieRecord])
#: The Dataset.movies columns catalog.json stores, in record order.
CATALOG_COLUMNS = tuple(_MovieRecord.model_fields)


def _catalog_records(movies: pd.DataFrame) -> list[dict[str, Any]]:
    """catalog.json's records; the optional columns (``tag_list``, ``imdb_id``, ``tmdb_id``)
    may be absent from ``movies`` (a frame built by hand) and are stored empty then."""

    def column(name: str, empty: object) -> list[Any]:
        return movies[name].tolist() if name in movies.columns else [empty] * len(movies)

    def missing(value: object) -> bool:
        return value is None or (not isinstance(value, str | tuple | list) and bool(pd.isna(value)))

    return [
        {
            "movie_id": int(movie_id),
            "title": str(title),
            "year": None if missing(year) else int(year),
            "genres": list(genres) if isinstance(genres, tuple | list) else [],
            "tag_list": list(tags) if isinstance(tags, tuple | list) else [],
            "imdb_id": imdb if isinstance(imdb, str) and imdb else None,
            "tmdb_id": None if missing(tmdb) else int(tmdb),
        }
        for movie_id, title, year, genres, tags, imdb, tmdb in zip(
            movies["movie_id"].tolist(),
            movies["title"].tolist(),
            movies["year"].tolist(),
            movies["genres"].tolist(),
            column("tag_list", ()),
            column("imdb_id", None),
            column("tmdb_id", None),
            strict=True,
        )
    ]


def _load_catalog(path: Path) -> pd.DataFrame:
    """catalog.json as a Dataset.movies-like frame (minus the content model's ``tags`` text),
    every record validated: a wrong type or a missing field is an ArtifactError."""
    try:
        records = _CATALOG_RECORDS.validate_json(path.read_bytes())
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise ArtifactError(f"{path}: malformed at {where}: {problem['msg']}") from None
    except _READ_ERRORS as error:
        raise ArtifactError(f"{path}: unreadable ({error})") from None
    catalog = pd.DataFrame.from_records(
        [tuple(getattr(r, c) for c in CATALOG_COLUMNS) for r in records],
        columns=list(CATALOG_COLUMNS),
    )
    catalog["movie_id"] = catalog["movie_id"].astype("int64")
    catalog["year"] = catalog["year"].astype("Int64")
    catalog["tmdb_id"] = catalog["tmdb_id"].astype("Int64")
    return catalog


def _check_state(name: str, state: Mapping[str, np.ndarray]) -> None:
    for key, value in state.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            raise ArtifactError(f"model {name!r}: state {key!r} must be a numeric numpy array")
