"""Writing files so that nothing is ever half-written, and checking output locations up front.

Every file MovieBot writes (evaluation dumps, tuning results, synthetic datasets, model
directories, downloads) goes through this module:

* ``atomic_file(path)``: the block writes a temp file in the same folder; when it completes the
  file is flushed, fsynced and ``os.replace``-d onto ``path`` (atomic within one file system),
  then the folder is fsynced so the rename itself survives a power cut.  An exception (or a
  kill) mid-block leaves any old ``path`` untouched; an exception also removes the temp file.
* ``atomic_directory(path)``: the same for a folder: the block fills a temp folder beside
  ``path``, which then replaces ``path`` (an existing one is swapped out and removed).
* ``writable_dir(path, what)`` / ``writable_file(path, what)``: prove, before any work, that an
  output location can be written (by creating and removing a probe file: permission bits say
  nothing to root, and read-only or virtual file systems only show on a real write).

Failures are ``OutputError``: one line naming the location, the option (``what``) and the
reason, so the command line prints it and exits with status 2.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from recommender.errors import MovieBotError

__all__ = [
    "OutputError",
    "atomic_directory",
    "atomic_file",
    "writable_dir",
    "writable_file",
]

#: Files and folders are meant to be read by others (mkstemp/mkdtemp create them private).
FILE_MODE, DIR_MODE = 0o644, 0o755


class OutputError(MovieBotError):
    """An output file or folder cannot be written (a file in the way, read-only, disk full)."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: {message}")


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


@contextmanager
def atomic_file(path: Path | str, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A file (UTF-8 text, or bytes with ``binary``) that appears at ``path`` only complete.

    An OSError inside the block is taken as this file failing to write (a full disk shows
    at ``write`` as often as at ``fsync``) and becomes an OutputError naming ``path``.
    """
    path = Path(path)
    try:
        descriptor, temp_name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise OutputError(path, f"cannot write here ({_reason(error)})") from None
    temp = Path(temp_name)
    try:
        handle = os.fdopen(
            descriptor, "wb" if binary else "w", encoding=None if binary else "utf-8"
        )
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        temp.chmod(FILE_MODE)
        temp.replace(path)  # os.replace: atomic within one folder
        _fsync_dir(path.parent)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise OutputError(path, f"could not write ({_reason(error)}); left unchanged") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_directory(path: Path | str, *, fsync: bool = True) -> Iterator[Path]:
    """A folder the block fills (it gets the temp folder's path) that replaces ``path`` whole.

    ``fsync=False`` skips flushing the files to disk before the rename: for caches whose
    every file is validated on load (and rebuilt when damaged), where syncing hundreds of MB
    would only slow training down.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as error:
        raise OutputError(path.parent, f"cannot write here ({_reason(error)})") from None
    try:
        yield staging
        if fsync:
            for file in staging.rglob("*"):
                if file.is_file():
                    _fsync_path(file)
        staging.chmod(DIR_MODE)
        _replace_dir(staging, path)
        _fsync_dir(path.parent)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(path, f"could not write ({_reason(error)}); left unchanged") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def writable_dir(path: Path | str, what: str) -> Path:
    """``path`` as a folder files can be created in (created if missing), checked by writing.

    ``what`` names the setting in the error, e.g. ``"--model-dir"``.  Raises OutputError.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(path, f"{what} must be a folder, but this is a file")
    try:
        path.mkdir(parents=True, exist_ok=True)
        _probe(path)
    except OSError as error:
        raise OutputError(path, f"{what} is not a writable folder ({_reason(error)})") from None
    return path


def writable_file(path: Path | str, what: str) -> Path:
    """``path`` as a file that can be (re)written: not a folder, in an existing writable folder
    (a file option does not create folders: a mistyped folder is more likely than a new one)."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(path, f"{what} must be a file name, but this is a folder")
    if not path.parent.is_dir():
        raise OutputError(path, f"cannot write here ({what}: no folder {path.parent})")
    try:
        _probe(path.parent)
    except OSError as error:
        raise OutputError(path, f"cannot write here ({what}: {_reason(error)})") from None
    return path


def _probe(folder: Path) -> None:
    """Create and remove a file in ``folder``: the only test that convinces root, read-only
    mounts and virtual file systems alike."""
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".moviebot-probe-"):
        pass


def _replace_dir(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``; an existing ``target`` is swapped out, then removed.

    Two renames, not one: POSIX cannot atomically replace a non-empty folder.  Between them
    ``target`` is briefly absent (a reader then sees no folder, never a half-written one).
    """
    if not target.exists():
        staging.replace(target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
    target.replace(retired / target.name)
    staging.replace(target)
    shutil.rmtree(retired, ignore_errors=True)


def _fsync_path(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (where the platform lets a folder be fsynced)."""
    # Some file systems refuse fsync on a folder; the rename has happened all the same.
    with suppress(OSError):
        _fsync_path(path)
