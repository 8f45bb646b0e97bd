"""Atomic writes and output-location checks: a file or folder is whole or absent, never half."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from recommender import fileio
from recommender.fileio import (
    OutputError,
    atomic_directory,
    atomic_file,
    writable_dir,
    writable_file,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_atomic_file_writes_text_and_bytes(tmp_path: Path) -> None:
    with atomic_file(tmp_path / "a.json") as out:
        out.write("héllo\n")
    with atomic_file(tmp_path / "b.bin", binary=True) as out:
        out.write(b"\x00\x01")
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == "héllo\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == fileio.FILE_MODE
    assert names(tmp_path) == ["a.json", "b.bin"]  # no temp file left


def test_exception_mid_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"), atomic_file(target) as out:
        out.write("new, half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert names(tmp_path) == ["report.json"]


def test_disk_full_is_one_line_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC shows at flush/fsync time on most file systems (delayed allocation)."""
    target = tmp_path / "ratings.csv"
    target.write_text("old")

    def full(_: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "fsync", full)
    with pytest.raises(OutputError, match="No space left") as caught, atomic_file(target) as out:
        out.write("x" * 10_000)
    assert str(target) in str(caught.value) and "\n" not in str(caught.value)
    assert target.read_text() == "old"
    assert names(tmp_path) == ["ratings.csv"]


KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from recommender.fileio import atomic_file, atomic_directory
target = Path(sys.argv[1])
if sys.argv[2] == "file":
    with atomic_file(target) as out:
        out.write("new, half written")
        out.flush()
        os.kill(os.getpid(), signal.SIGKILL)
else:
    with atomic_directory(target) as staging:
        (staging / "meta.json").write_text("new, half")
        os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("kind", ["file", "dir"])
def test_kill_9_mid_write_keeps_the_old_version(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "out"
    if kind == "file":
        target.write_text("old")
    else:
        target.mkdir()
        (target / "meta.json").write_text("old")
    result = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(target), kind], cwd=REPO_ROOT, check=False
    )
    assert result.returncode == -signal.SIGKILL
    old = target if kind == "file" else target / "meta.json"
    assert old.read_text() == "old"
    if kind == "dir":
        assert names(target) == ["meta.json"]


def test_atomic_directory_replaces_the_whole_folder(tmp_path: Path) -> None:
    target = tmp_path / "models"
    target.mkdir()
    (target / "stale.npz").write_bytes(b"old")
    with atomic_directory(target) as staging:
        (staging / "meta.json").write_text("{}")
    assert names(target) == ["meta.json"]
    assert stat.S_IMODE(target.stat().st_mode) == fileio.DIR_MODE
    assert names(tmp_path) == ["models"]


def test_atomic_directory_failure_keeps_the_old_folder(tmp_path: Path) -> None:
    target = tmp_path / "models"
    target.mkdir()
    (target / "meta.json").write_text("old")
    with pytest.raises(ValueError), atomic_directory(target) as staging:
        (staging / "meta.json").write_text("new")
        raise ValueError("half way")
    assert (target / "meta.json").read_text() == "old"
    assert names(tmp_path) == ["models"]


def test_writable_dir_creates_and_accepts(tmp_path: Path) -> None:
    assert writable_dir(tmp_path / "a" / "b", "--model-dir") == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b").is_dir()
    assert names(tmp_path / "a" / "b") == []  # the probe file is gone


def test_writable_dir_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="--model-dir must be a folder, but this is a file"):
        writable_dir(tmp_path / "file", "--model-dir")
    with pytest.raises(OutputError, match="not a writable folder"):
        writable_dir(tmp_path / "file" / "below", "--model-dir")


def test_writable_dir_refuses_proc() -> None:
    with pytest.raises(OutputError, match="--out is not a writable folder"):
        writable_dir(Path("/proc/moviebot-test/models"), "--out")


@pytest.mark.skipif(os.geteuid() == 0, reason="permission bits do not stop root")
def test_writable_dir_refuses_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="Permission denied"):
            writable_dir(folder, "--model-dir")
    finally:
        folder.chmod(0o755)


def test_writable_dir_refuses_a_read_only_file_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only mount (what root meets; chmod does not stop root) fails the probe."""

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", read_only)
    with pytest.raises(OutputError, match="Read-only file system"):
        writable_dir(tmp_path, "--model-dir")


def test_writable_file(tmp_path: Path) -> None:
    assert writable_file(tmp_path / "recs.jsonl", "--dump-recs") == tmp_path / "recs.jsonl"
    assert names(tmp_path) == []  # checked, not created
    with pytest.raises(OutputError, match="--dump-recs must be a file name"):
        writable_file(tmp_path, "--dump-recs")
    with pytest.raises(OutputError, match=r"cannot write here \(--dump-recs: no folder"):
        writable_file(tmp_path / "new" / "recs.jsonl", "--dump-recs")
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(OutputError, match="cannot write here"):
        writable_file(tmp_path / "blocker" / "recs.jsonl", "--dump-recs")
    assert not (tmp_path / "new").exists()
