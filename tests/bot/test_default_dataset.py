"""The default catalog: with no --data-dir and no MOVIEBOT_DATASET, the chat and the commands
download ml-latest-small (from a loopback server here) into MOVIEBOT_HOME, verify it and train
on it; ML-100K is one setting away."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import recommender.data.download as downloads
from bot.cli import main
from recommender.data.download import KnownArchive
from tests.conftest import make_ratings, write_csv_layout
from tests.recommender.data.test_download import (  # the loopback GroupLens of the download tests
    Route,
    Server,
    make_zip,
    ml100k_zip,
    server,  # noqa: F401 - a fixture
)

TITLES = ["Spirited Away (2001)", "The Dark Knight (2008)", "Inception (2010)"]


def ml_latest_small_zip(tmp_path: Path) -> bytes:
    """A small synthetic catalog in ml-latest-small's layout, films named after 1998."""
    ratings, movies = make_ratings(np.random.default_rng(3), n_users=60, n_items=40, per_user=15)
    movies.loc[: len(TITLES) - 1, "title"] = TITLES
    folder = write_csv_layout(tmp_path / "source", ratings, movies)
    files = {name: (folder / name).read_bytes() for name in ("ratings.csv", "movies.csv")}
    return make_zip("ml-latest-small", {**files, "README.txt": b"synthetic"})


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: Server) -> Path:  # noqa: F811
    """A clean environment whose GroupLens is the loopback server, verifying what it serves."""
    for name in ("MOVIEBOT_DATASET", "MOVIEBOT_DATA_DIR", "MOVIEBOT_MODEL_DIR", "MOVIEBOT_DB"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("MOVIEBOT_HOME", str(home))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # no .env here
    known = {}
    for name, body in (
        ("ml-latest-small", ml_latest_small_zip(tmp_path)),
        ("ml-100k", ml100k_zip()),
    ):
        server.routes[f"/datasets/{name}.zip"] = Route(body)
        known[name] = KnownArchive(len(body), hashlib.md5(body).hexdigest())
    fetch = functools.partial(
        downloads.download_dataset,
        base_url=server.base_url,
        known=known,
        progress=lambda done, total: None,
        timeout=10,
    )
    monkeypatch.setattr(downloads, "download_dataset", fetch)
    return home


def test_chat_downloads_ml_latest_small_and_trains_on_it(
    home: Path,
    server: Server,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("movies like inception\n"))
    status = main(["chat", "--parser", "regex"])
    out, err = capsys.readouterr()
    assert status == 0, err

    assert server.requests == ["/datasets/ml-latest-small.zip"]
    assert "downloading ml-latest-small" in err
    dataset = home / "datasets" / "ml-latest-small"
    assert (dataset / "ratings.csv").is_file() and (dataset / "movies.csv").is_file()
    (model_dir,) = (home / "models").iterdir()
    meta = json.loads((model_dir / "meta.json").read_text())
    assert meta["info"]["dataset"] == "ml-latest-small"
    assert out.startswith("Movies like Inception (2010):")  # answered from the new catalog

    # the next command finds both: no second download, no retraining
    status = main(["popular", "-k", "3", "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert server.requests == ["/datasets/ml-latest-small.zip"]
    assert "training" not in err
    assert len(json.loads(out)) == 3


def test_train_on_a_fresh_home_downloads_the_default_first(
    home: Path,
    server: Server,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["train", "--no-validate"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert server.requests == ["/datasets/ml-latest-small.zip"]
    target = Path(out.strip().splitlines()[-1])
    assert target.parent == home / "models"
    assert json.loads((target / "meta.json").read_text())["info"]["dataset"] == "ml-latest-small"


def test_ml100k_is_one_setting_away(
    home: Path,
    server: Server,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MOVIEBOT_DATASET", "ml-100k")
    status = main(["popular", "-k", "2", "--json"])
    _, err = capsys.readouterr()
    assert status == 0, err
    assert server.requests == ["/datasets/ml-100k.zip"]
    assert (home / "datasets" / "ml-100k" / "u.data").is_file()
    assert not (home / "datasets" / "ml-latest-small").exists()


def test_a_failed_first_download_is_one_line_and_leaves_nothing(
    home: Path,
    server: Server,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    del server.routes["/datasets/ml-latest-small.zip"]  # GroupLens answers 404
    status = main(["recommend", "--user", "1001"])
    _, err = capsys.readouterr()
    assert status == 2
    notice, error = err.splitlines()  # what is being tried, then the one-line error
    assert notice == "first run: downloading ml-latest-small from GroupLens"
    assert error.startswith("moviebot: error:")
    assert "HTTP 404" in error and "moviebot download ml-latest-small" in error
    assert [p.name for p in (home / "datasets").iterdir()] == []
