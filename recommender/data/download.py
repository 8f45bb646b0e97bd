"""Fetch an official MovieLens zip from GroupLens into a cache folder, verified and atomic.

The steps, each of which either succeeds or leaves the cache as it was::

    <cache>/.<name>-XXXX/<name>.zip.part   the download (in a scratch folder in the cache dir)
    <cache>/.<name>.XXXX.tmp/              the extraction (``fileio.atomic_directory``)
    <cache>/<name>/                        renamed into place only when complete

A failure at any step (network, HTTP status, short read, bad checksum, corrupt zip, missing
files, conversion) raises DownloadError and removes the temp file and temp dir, so the cache
never holds half a dataset.  ml-1m's ``::``-separated latin-1 ``.dat`` files are converted to
the CSV layout (``ratings.csv``, ``movies.csv``) inside the temp dir, so the loader only knows
two layouts.

What is verified, exactly:

* always: the byte count equals the Content-Length header when the server sends one; the zip
  opens and every member's CRC-32 matches (``ZipFile.testzip``); no member path escapes the
  folder; the dataset's expected files are inside;
* for ml-100k, ml-1m, ml-25m and ml-32m additionally the archive size and MD5 that GroupLens
  publishes beside each zip (``<name>.zip.md5``), recorded in ``KNOWN_ARCHIVES``;
* not for ml-latest-small: GroupLens re-issues that archive in place from time to time, so no
  fixed size or checksum exists for it; only the structural checks above apply.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from recommender.errors import DownloadError
from recommender.fileio import OutputError, atomic_directory, writable_dir

__all__ = [
    "DATASET_FILES",
    "DEFAULT_BASE_URL",
    "KNOWN_ARCHIVES",
    "KnownArchive",
    "ProgressSink",
    "download_dataset",
    "rich_progress",
]

DEFAULT_BASE_URL = "https://files.grouplens.org/datasets/movielens"
TIMEOUT_SECONDS = 60.0
_CHUNK = 1 << 20

#: Files each zip must contain (inside its ``<name>/`` folder), as shipped.
DATASET_FILES: dict[str, tuple[str, ...]] = {
    "ml-100k": ("u.data", "u.item", "u.genre"),
    "ml-latest-small": ("ratings.csv", "movies.csv"),
    "ml-1m": ("ratings.dat", "movies.dat"),
    "ml-25m": ("ratings.csv", "movies.csv"),
    "ml-32m": ("ratings.csv", "movies.csv"),
}

#: Files the finished folder holds (ml-1m after conversion to the CSV layout).
_READY_FILES: dict[str, tuple[str, ...]] = {
    **DATASET_FILES,
    "ml-1m": ("ratings.csv", "movies.csv"),
}


@dataclass(frozen=True)
class KnownArchive:
    """The published size (bytes) and MD5 of one GroupLens zip."""

    size: int
    md5: str


#: GroupLens publishes ``<name>.zip.md5`` beside each zip; these are those values.  We could
#: not reach GroupLens from the build machine, so they were cross-checked against several
#: independent public projects that pin the same digests.  ml-latest-small is re-issued in
#: place, so it has no entry (see the module docstring).
KNOWN_ARCHIVES: dict[str, KnownArchive] = {
    "ml-100k": KnownArchive(4_924_029, "0e33842e24a9c977be4e0107933c0723"),
    "ml-1m": KnownArchive(5_917_549, "c4d9eecfca2ab87c1945afe126590906"),
    "ml-25m": KnownArchive(261_978_986, "6b51fb2759a8657d3bfcbfc42b592ada"),
    "ml-32m": KnownArchive(238_950_008, "d472be332d4daa821edc399621853b57"),
}

#: Receives (bytes so far, total bytes or None when the server sends no Content-Length).
ProgressSink = Callable[[int, int | None], None]


@contextlib.contextmanager
def rich_progress(description: str) -> Iterator[ProgressSink]:
    """A rich progress bar (bytes, speed, time left) shown while the context is open."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, transient=True)
    task = bar.add_task(description, total=None)

    def report(done: int, total: int | None) -> None:
        if not bar.live.is_started:  # only once bytes flow: a failed connect prints nothing
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        yield report
    finally:
        if bar.live.is_started:
            bar.stop()


def download_dataset(
    name: str,
    cache_dir: Path | str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    progress: ProgressSink | None = None,
    known: Mapping[str, KnownArchive] = KNOWN_ARCHIVES,
    timeout: float = TIMEOUT_SECONDS,
) -> Path:
    """Return ``cache_dir/name``, downloading and extracting it first if absent.

    ``progress`` receives byte counts (a rich bar when None).  ``known`` maps names to the
    published size/MD5 to enforce (tests pass their own).  Raises DownloadError.
    """
    if name not in DATASET_FILES:
        raise DownloadError(f"unknown dataset {name!r}; choose one of {', '.join(DATASET_FILES)}")
    cache_dir = Path(cache_dir)
    target = cache_dir / name
    if target.exists():
        if _is_ready(target, name):
            return target
        raise DownloadError(
            f"{target} exists but is not a complete {name} dataset; remove it and retry"
        )
    try:
        writable_dir(cache_dir, "the download folder")  # before fetching anything
    except OutputError as error:
        raise DownloadError(str(error)) from None

    url = f"{base_url.rstrip('/')}/{name}.zip"
    try:
        with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=cache_dir) as scratch:
            part = Path(scratch) / f"{name}.zip.part"
            if progress is None:
                with rich_progress(f"{name}.zip") as sink:
                    _fetch(url, part, sink, timeout)
            else:
                _fetch(url, part, progress, timeout)
            _verify_archive(part, name, known.get(name))
            with atomic_directory(target) as work:
                _extract(part, name, work)
                if name == "ml-1m":
                    _convert_ml1m(work)
    except OutputError as error:
        raise DownloadError(f"{name}: {error}") from None
    except OSError as error:
        raise DownloadError(f"{name}: could not write to {cache_dir}: {error}") from None
    return target


def _is_ready(folder: Path, name: str) -> bool:
    return all((folder / file).is_file() for file in _READY_FILES[name])


# --------------------------------------------------------------------------- fetching


def _fetch(url: str, destination: Path, progress: ProgressSink, timeout: float) -> None:
    """Stream ``url`` into ``destination``; the byte count must match Content-Length."""
    request = urllib.request.Request(url, headers={"User-Agent": "moviebot"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            header = response.headers.get("Content-Length")
            total = int(header) if header and header.isdigit() else None
            done = 0
            progress(done, total)
            with destination.open("wb") as out:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    progress(done, total)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise DownloadError(
            f"{url}: cannot connect ({error.reason}); "
            "no network? download the zip by hand and pass --data-dir"
        ) from None
    except TimeoutError:
        raise DownloadError(
            f"{url}: timed out after {timeout:g} s; "
            "no network? download the zip by hand and pass --data-dir"
        ) from None
    except (ConnectionError, OSError) as error:
        raise DownloadError(f"{url}: connection failed during download ({error})") from None
    if total is not None and done != total:
        raise DownloadError(
            f"{url}: download truncated: got {done} of {total} bytes; retry the download"
        )


# --------------------------------------------------------------------------- verifying


def _verify_archive(path: Path, name: str, known: KnownArchive | None) -> None:
    size = path.stat().st_size
    if known is not None:
        if size != known.size:
            raise DownloadError(
                f"{name}.zip has {size} bytes, GroupLens publishes {known.size}; "
                "the download is damaged or the release changed"
            )
        digest = _md5(path)
        if digest != known.md5:
            raise DownloadError(
                f"{name}.zip MD5 {digest} differs from the published {known.md5}; "
                "the download is damaged or the release changed"
            )
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise DownloadError(f"{name}.zip is not a valid zip archive ({error})") from None
    if bad is not None:
        raise DownloadError(f"{name}.zip is corrupt: member {bad!r} fails its CRC check")
    for member in names:
        parts = PurePosixPath(member).parts
        if member.startswith("/") or ".." in parts:
            raise DownloadError(f"{name}.zip holds an unsafe path {member!r}")
    missing = [f for f in DATASET_FILES[name] if f"{name}/{f}" not in names]
    if missing:
        raise DownloadError(
            f"{name}.zip lacks {', '.join(f'{name}/{f}' for f in missing)}: not a {name} archive"
        )


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- extracting


def _extract(path: Path, name: str, work: Path) -> None:
    """Extract the members under ``<name>/`` into ``work`` (flattening that one folder)."""
    prefix = f"{name}/"
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.startswith(prefix) or info.is_dir():
                    continue
                relative = PurePosixPath(info.filename[len(prefix) :])
                destination = work.joinpath(*relative.parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, destination.open("wb") as out:
                    shutil.copyfileobj(source, out, _CHUNK)
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise DownloadError(f"{name}.zip could not be extracted ({error})") from None


def _convert_ml1m(work: Path) -> None:
    """Rewrite ml-1m's ``::``-separated latin-1 files as ratings.csv and movies.csv (UTF-8)."""
    ratings_dat, movies_dat = work / "ratings.dat", work / "movies.dat"
    # ratings.dat holds integers only, so '::' -> ',' line by line is an exact conversion.
    with ratings_dat.open("rb") as source, (work / "ratings.csv").open("wb") as out:
        out.write(b"userId,movieId,rating,timestamp\n")
        for number, line in enumerate(source, start=1):
            fields = line.rstrip(b"\r\n").split(b"::")
            if line.strip() and len(fields) != 4:
                raise DownloadError(
                    f"ml-1m ratings.dat:{number}: expected 4 '::'-separated fields, "
                    f"found {len(fields)}"
                )
            if line.strip():
                out.write(b",".join(fields) + b"\n")
    # Titles may hold commas and quotes: csv.writer quotes them as movies.csv does.
    with (
        movies_dat.open(encoding="latin-1", newline="") as source,
        (work / "movies.csv").open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["movieId", "title", "genres"])
        for number, text in enumerate(source, start=1):
            if not text.strip():
                continue
            movie = text.rstrip("\r\n").split("::")
            if len(movie) != 3:
                raise DownloadError(
                    f"ml-1m movies.dat:{number}: expected 3 '::'-separated fields, "
                    f"found {len(movie)}"
                )
            writer.writerow([movie[0], movie[1], movie[2] or "(no genres listed)"])
    ratings_dat.unlink()
    movies_dat.unlink()
