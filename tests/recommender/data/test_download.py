"""download_dataset against a loopback HTTP server serving zips built here from tiny files."""

from __future__ import annotations

import errno
import hashlib
import http.server
import io
import os
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from recommender.data import load_dataset
from recommender.data.download import DATASET_FILES, KnownArchive, download_dataset
from recommender.errors import DownloadError

U_DATA = b"1\t10\t4\t881250949\n1\t20\t3\t881250950\n2\t10\t5\t881250951\n"
U_GENRE = b"unknown|0\nAction|1\nComedy|2\n\n"
U_ITEM = (
    "10|Cit\u00e9 des enfants perdus, La (1995)|01-Jan-1995||http://x|0|0|1\n"
    "20|Heat (1995)|01-Jan-1995||http://y|0|1|0\n"
).encode("latin-1")


@dataclass
class Route:
    body: bytes
    content_length: int | None = None  # None: the true length; larger: a truncated response


@dataclass
class Server:
    base_url: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(base_url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            length = route.content_length or len(route.body)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(route.body)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # keep pytest output quiet
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/datasets"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def make_zip(name: str, files: dict[str, bytes], *, stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr(f"{name}/", b"")
        for file, content in files.items():
            archive.writestr(f"{name}/{file}", content)
    return buffer.getvalue()


def ml100k_zip(**kwargs: bool) -> bytes:
    return make_zip(
        "ml-100k",
        {"u.data": U_DATA, "u.item": U_ITEM, "u.genre": U_GENRE, "README": b"hi"},
        **kwargs,
    )


class Recorder:
    """A progress sink that remembers every (done, total) it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, done: int, total: int | None) -> None:
        self.calls.append((done, total))


def fetch(server: Server, name: str, cache: Path, **kwargs: object) -> Path:
    kwargs.setdefault("known", {})
    kwargs.setdefault("progress", Recorder())
    return download_dataset(name, cache, base_url=server.base_url, timeout=10, **kwargs)  # type: ignore[arg-type]


def test_download_extracts_and_loads(server: Server, tmp_path: Path) -> None:
    body = ml100k_zip()
    server.routes["/datasets/ml-100k.zip"] = Route(body)
    progress = Recorder()
    path = fetch(server, "ml-100k", tmp_path / "cache", progress=progress)

    assert path == tmp_path / "cache" / "ml-100k"
    assert sorted(p.name for p in path.iterdir()) == ["README", "u.data", "u.genre", "u.item"]
    assert (path / "u.data").read_bytes() == U_DATA
    # nothing but the finished folder is left in the cache: no .part file, no temp dir
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["ml-100k"]
    assert progress.calls[0] == (0, len(body))
    assert progress.calls[-1] == (len(body), len(body))

    dataset = load_dataset(path)
    assert len(dataset.ratings) == 3
    titles = dict(zip(dataset.movies["movie_id"], dataset.movies["title"], strict=True))
    assert titles[10] == "Cit\u00e9 des enfants perdus, La (1995)"


def test_existing_download_is_reused_without_a_request(server: Server, tmp_path: Path) -> None:
    server.routes["/datasets/ml-100k.zip"] = Route(ml100k_zip())
    first = fetch(server, "ml-100k", tmp_path)
    assert server.requests == ["/datasets/ml-100k.zip"]
    del server.routes["/datasets/ml-100k.zip"]  # a second download would now 404
    assert fetch(server, "ml-100k", tmp_path) == first
    assert server.requests == ["/datasets/ml-100k.zip"]


def test_published_checksum_is_enforced(server: Server, tmp_path: Path) -> None:
    body = ml100k_zip()
    server.routes["/datasets/ml-100k.zip"] = Route(body)
    md5 = hashlib.md5(body).hexdigest()

    with pytest.raises(DownloadError, match=r"MD5 .* differs from the published"):
        fetch(server, "ml-100k", tmp_path, known={"ml-100k": KnownArchive(len(body), "0" * 32)})
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(DownloadError, match=f"has {len(body)} bytes, GroupLens publishes 7"):
        fetch(server, "ml-100k", tmp_path, known={"ml-100k": KnownArchive(7, md5)})
    assert list(tmp_path.iterdir()) == []

    path = fetch(server, "ml-100k", tmp_path, known={"ml-100k": KnownArchive(len(body), md5)})
    assert (path / "u.data").exists()


def test_truncated_download_leaves_nothing(server: Server, tmp_path: Path) -> None:
    body = ml100k_zip()
    server.routes["/datasets/ml-100k.zip"] = Route(body[:-100], content_length=len(body))
    with pytest.raises(DownloadError, match=f"truncated: got {len(body) - 100} of {len(body)}"):
        fetch(server, "ml-100k", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_corrupt_zip_leaves_nothing(server: Server, tmp_path: Path) -> None:
    body = bytearray(ml100k_zip(stored=True))
    spot = bytes(body).index(U_DATA)  # stored: the member's bytes appear verbatim
    body[spot + 3] ^= 0xFF  # same length, so only the CRC check can notice
    server.routes["/datasets/ml-100k.zip"] = Route(bytes(body))
    with pytest.raises(DownloadError, match=r"corrupt: member 'ml-100k/u.data' fails its CRC"):
        fetch(server, "ml-100k", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_not_a_zip_is_rejected(server: Server, tmp_path: Path) -> None:
    server.routes["/datasets/ml-100k.zip"] = Route(b"<html>moved</html>")
    with pytest.raises(DownloadError, match="not a valid zip archive"):
        fetch(server, "ml-100k", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_zip_without_the_expected_files_is_rejected(server: Server, tmp_path: Path) -> None:
    server.routes["/datasets/ml-100k.zip"] = Route(make_zip("ml-100k", {"u.data": U_DATA}))
    with pytest.raises(DownloadError, match=r"lacks ml-100k/u\.item, ml-100k/u\.genre"):
        fetch(server, "ml-100k", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_zip_with_an_escaping_path_is_rejected(server: Server, tmp_path: Path) -> None:
    files = {"u.data": U_DATA, "u.item": U_ITEM, "u.genre": U_GENRE, "../../evil": b"x"}
    server.routes["/datasets/ml-100k.zip"] = Route(make_zip("ml-100k", files))
    with pytest.raises(DownloadError, match="unsafe path"):
        fetch(server, "ml-100k", tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []
    assert not (tmp_path / "evil").exists()


def test_http_404(server: Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"ml-25m\.zip: HTTP 404"):
        fetch(server, "ml-25m", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unreachable_host_says_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DownloadError, match="no network\\? download the zip by hand"):
        download_dataset(
            "ml-100k", tmp_path, base_url=f"http://127.0.0.1:{port}", progress=Recorder(), timeout=5
        )
    assert list(tmp_path.iterdir()) == []


def test_unknown_name_lists_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as caught:
        download_dataset("ml-7", tmp_path, progress=Recorder())
    message = str(caught.value)
    assert "unknown dataset 'ml-7'" in message
    assert all(name in message for name in DATASET_FILES)
    assert "\n" not in message


def test_incomplete_existing_folder_is_not_trusted(tmp_path: Path) -> None:
    (tmp_path / "ml-100k").mkdir()
    (tmp_path / "ml-100k" / "u.data").write_bytes(U_DATA)
    with pytest.raises(DownloadError, match="not a complete ml-100k dataset; remove it"):
        download_dataset("ml-100k", tmp_path, progress=Recorder())


def test_ml1m_is_converted_to_the_csv_layout(server: Server, tmp_path: Path) -> None:
    ratings = b"1::1193::5::978300760\r\n1::661::3::978302109\r\n2::1193::4::978298413\r\n"
    movies = (
        "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n"
        '661::James and the Giant Peach, "The" (1996)::Animation|Children\'s|Musical\n'
        "3::Cit\u00e9 des enfants perdus, La (1995)::Adventure|Sci-Fi\n"
    ).encode("latin-1")
    files = {"ratings.dat": ratings, "movies.dat": movies, "users.dat": b"1::F::1::10::48067\n"}
    server.routes["/datasets/ml-1m.zip"] = Route(make_zip("ml-1m", files))

    path = fetch(server, "ml-1m", tmp_path)
    assert sorted(p.name for p in path.iterdir()) == ["movies.csv", "ratings.csv", "users.dat"]
    assert (path / "ratings.csv").read_text() == (
        "userId,movieId,rating,timestamp\n"
        "1,1193,5,978300760\n1,661,3,978302109\n2,1193,4,978298413\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["ml-1m"]

    dataset = load_dataset(path)
    assert dataset.layout == "csv"
    assert dataset.ratings["rating"].tolist() == [5.0, 3.0, 4.0]
    movies_by_id = dataset.movies.set_index("movie_id")
    assert movies_by_id.loc[3, "title"] == "Cit\u00e9 des enfants perdus, La (1995)"
    assert movies_by_id.loc[661, "title"] == 'James and the Giant Peach, "The" (1996)'
    assert movies_by_id.loc[661, "genres"] == ("Animation", "Children's", "Musical")
    assert movies_by_id.loc[3, "year"] == 1995


@pytest.mark.parametrize("where", ["a file", "under a file", "/proc"])
def test_unwritable_cache_is_refused_before_any_request(
    server: Server, tmp_path: Path, where: str
) -> None:
    server.routes["/datasets/ml-100k.zip"] = Route(ml100k_zip())
    (tmp_path / "file").write_text("x")
    cache = {
        "a file": tmp_path / "file",
        "under a file": tmp_path / "file" / "cache",
        "/proc": Path("/proc/moviebot-test"),
    }[where]
    with pytest.raises(DownloadError, match="download folder") as caught:
        fetch(server, "ml-100k", cache)
    assert "\n" not in str(caught.value)
    assert server.requests == []


def test_disk_full_while_extracting_leaves_nothing(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/datasets/ml-100k.zip"] = Route(ml100k_zip())

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(shutil, "copyfileobj", full)
    with pytest.raises(DownloadError, match="No space left on device"):
        fetch(server, "ml-100k", tmp_path)
    assert list(tmp_path.iterdir()) == []
