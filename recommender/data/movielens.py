"""Loaders for the two MovieLens layouts, detected from the files present.

* ML-100K: ``u.data`` (tab-separated user, item, rating, timestamp), ``u.item`` (pipe-separated,
  latin-1: id|title|release|video|url|19 genre flags in ``u.genre`` order), ``u.genre``.
  The URL column is an IMDb *search* URL in every row of the GroupLens release
  ("http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)"), which carries no title id and is
  could be rebuilt from the title anyway; ``imdb_id`` is set only where a URL holds a "tt" id.
* MovieLens CSV (ml-latest-small, ml-25m, ml-32m): ``ratings.csv``, ``movies.csv`` (genres
  pipe-separated, "(no genres listed)" for none), optional ``tags.csv`` and ``links.csv``
  (movieId,imdbId,tmdbId; imdbId is digits without "tt").  ml-1m's ``::`` files are converted
  by the downloader into this layout.

Reading takes a fast path (pandas' C parser with fixed dtypes).  Only when that fails, or the
values are out of range, does a slow line-by-line scan find the first bad line, so a malformed
file produces one precise message naming the file and the line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from recommender.data.dataset import Dataset, Layout
from recommender.errors import DataError

__all__ = ["dataset_fingerprint", "detect_layout", "load_catalog", "load_dataset"]

ML100K_FILES = ("u.data", "u.item", "u.genre")
CSV_FILES = ("ratings.csv", "movies.csv")
CSV_OPTIONAL_FILES = ("tags.csv", "links.csv")
RATING_MIN, RATING_MAX = 0.5, 5.0
RATINGS_CSV_HEADER = ("userId", "movieId", "rating", "timestamp")
_YEAR = re.compile(r"\((\d{4})(?:[-–]\d{0,4})?\)\s*$")
_NO_GENRES = "(no genres listed)"
_IMDB_ID = re.compile(r"\btt(\d{7,})\b")
#: Columns of ``Dataset.movies``, in order (documented on Dataset).
MOVIE_COLUMNS = ("movie_id", "title", "year", "genres", "tags", "tag_list", "imdb_id", "tmdb_id")
#: One parsed catalog line: movie id, title, genres, IMDb id.
MovieRow = tuple[int, str, tuple[str, ...], str | None]


def detect_layout(data_dir: Path) -> Layout:
    """Which MovieLens layout ``data_dir`` holds; a DataError names what is missing."""
    if not data_dir.is_dir():
        raise DataError(data_dir, "no such data directory (try `moviebot download ml-100k`)")
    if (data_dir / "u.data").exists():
        return "ml-100k"
    if (data_dir / "ratings.csv").exists():
        return "csv"
    raise DataError(
        data_dir,
        "not a MovieLens folder: expected u.data (ML-100K layout) or ratings.csv (CSV layout)",
    )


def load_dataset(data_dir: Path | str) -> Dataset:
    """Load ratings and catalog from ``data_dir``, whichever layout it holds."""
    data_dir = Path(data_dir)
    layout = detect_layout(data_dir)
    if layout == "ml-100k":
        ratings = _read_ratings(data_dir / "u.data", sep="\t", header=False)
    else:
        ratings = _read_ratings(data_dir / "ratings.csv", sep=",", header=True)
    movies, genres = load_catalog(data_dir, ratings["item"].to_numpy())
    return Dataset(
        ratings=ratings,
        movies=movies,
        genres=genres,
        layout=layout,
        path=data_dir.resolve(),
        fingerprint=dataset_fingerprint(data_dir),
    )


def load_catalog(
    data_dir: Path, rated_items: npt.NDArray[np.integer]
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The films of ``data_dir`` (with tags and links where the CSV layout has them) and the
    genre names, without reading the ratings; ``rated_items`` the catalog lacks get placeholder
    rows.  ``load_dataset`` and the Spark engine (which reads the ratings itself) share it."""
    if detect_layout(data_dir) == "ml-100k":
        genres = _read_100k_genres(data_dir / "u.genre")
        movies = _read_100k_movies(data_dir / "u.item", genres)
    else:
        movies, genres = _read_csv_movies(data_dir / "movies.csv")
        tags_path = data_dir / "tags.csv"
        if tags_path.exists():
            movies = _attach_tags(movies, _read_tags(tags_path))
        links_path = data_dir / "links.csv"
        if links_path.exists():
            movies = _attach_links(movies, _read_links(links_path))
    return _add_missing_movies(movies, rated_items), genres


def dataset_fingerprint(data_dir: Path | str) -> str:
    """The key of a dataset's contents, computed without loading it (see ``fingerprint``)."""
    data_dir = Path(data_dir)
    layout = detect_layout(data_dir)
    names = ML100K_FILES if layout == "ml-100k" else (*CSV_FILES, *CSV_OPTIONAL_FILES)
    return fingerprint([data_dir / name for name in names])


def fingerprint(paths: list[Path]) -> str:
    """A cheap content key: each file's size, modification time and first and last MiB.

    Hashing a 700 MB ratings file whole costs seconds at every start.  A new MovieLens release
    changes sizes and ends; an edit anywhere changes the modification time.  So copying the data
    to another folder (new mtimes) retrains once; nothing stale is ever served.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in paths if p.exists()):
        stat = path.stat()
        size = stat.st_size
        digest.update(f"{path.name}:{size}:{stat.st_mtime_ns}".encode())
        with path.open("rb") as handle:
            digest.update(handle.read(1 << 20))
            if size > 1 << 20:
                handle.seek(max(size - (1 << 20), 1 << 20))
                digest.update(handle.read())
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------- ratings


def _read_ratings(path: Path, *, sep: str, header: bool) -> pd.DataFrame:
    """Ratings in file order, duplicates of (user, item) resolved to the latest."""
    _require_nonempty(path)
    if header:  # columns are read by position, so their order must be the documented one
        with path.open("rb") as handle:
            first = handle.readline().decode("utf-8", errors="replace").lstrip("\ufeff")
        if [f.strip() for f in first.strip().split(sep)] != list(RATINGS_CSV_HEADER):
            raise DataError(path, f"header must be {','.join(RATINGS_CSV_HEADER)}", 1)
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            header=0 if header else None,
            names=["user", "item", "rating", "timestamp"],
            index_col=False,
            dtype={"user": "int64", "item": "int64", "rating": "float32", "timestamp": "int64"},
            engine="c",
            encoding="utf-8",
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
        _raise_first_bad_rating_line(path, sep, header)
        raise  # the scan always finds the line; this only keeps type checkers honest
    if frame.empty:
        raise DataError(path, "no ratings in file")
    bad = ~frame["rating"].between(RATING_MIN, RATING_MAX) | frame["rating"].isna()
    if bad.any():
        _raise_first_bad_rating_line(path, sep, header)
    return _keep_latest(frame)


def _keep_latest(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop repeated (user, item) rows, keeping the one with the latest timestamp.

    Equal timestamps keep the later row in the file; survivors stay in file order.
    """
    if not frame.duplicated(["user", "item"]).any():
        return frame.reset_index(drop=True)
    order = np.lexsort((np.arange(len(frame)), frame["timestamp"].to_numpy()))
    latest = frame.iloc[order].drop_duplicates(["user", "item"], keep="last")
    return latest.sort_index().reset_index(drop=True)


def _raise_first_bad_rating_line(path: Path, sep: str, header: bool) -> None:
    def check(fields: list[str]) -> str | None:
        if len(fields) != 4:
            return f"expected 4 fields (user, item, rating, timestamp), found {len(fields)}"
        for name, text in zip(
            ("user id", "item id", "timestamp"), fields[:2] + fields[3:], strict=True
        ):
            if not _is_int(text):
                return f"{name} {text!r} is not an integer"
        try:
            rating = float(fields[2])
        except ValueError:
            return f"rating {fields[2]!r} is not a number"
        if not RATING_MIN <= rating <= RATING_MAX:
            return f"rating {fields[2]} is outside {RATING_MIN}-{RATING_MAX}"
        return None

    _scan(path, sep=sep, header=header, check=check, encoding="utf-8")


# --------------------------------------------------------------------------- movies


def _read_100k_genres(path: Path) -> tuple[str, ...]:
    _require_nonempty(path)
    names = []
    for number, line in _lines(path, "latin-1"):
        if not line.strip():
            continue
        name, _, index = line.strip().partition("|")
        if not index.isdigit():
            raise DataError(path, f"expected 'name|index', found {line.strip()!r}", number)
        names.append(name)
    # "unknown" is a flag for missing metadata, not a genre anyone asks for.
    return tuple(name for name in names if name != "unknown")


def _read_100k_movies(path: Path, genres: tuple[str, ...]) -> pd.DataFrame:
    _require_nonempty(path)
    flag_names = ("unknown", *genres)
    n_fields = 5 + len(flag_names)
    rows: list[MovieRow] = []
    for number, line in _lines(path, "latin-1"):
        if not line.strip():
            continue
        fields = line.rstrip("\r\n").split("|")
        if len(fields) != n_fields:
            raise DataError(path, f"expected {n_fields} fields, found {len(fields)}", number)
        if not _is_int(fields[0]):
            raise DataError(path, f"movie id {fields[0]!r} is not an integer", number)
        flags = fields[5:]
        if any(flag not in ("0", "1") for flag in flags):
            raise DataError(path, "genre flags must be 0 or 1", number)
        movie_genres = tuple(
            g for g, f in zip(flag_names, flags, strict=True) if f == "1" and g != "unknown"
        )
        rows.append((int(fields[0]), fields[1], movie_genres, _imdb_id_in(fields[4])))
    if not rows:
        raise DataError(path, "no movies in file")
    return _movie_frame(rows)


def _read_csv_movies(path: Path) -> tuple[pd.DataFrame, tuple[str, ...]]:
    _require_nonempty(path)
    rows: list[MovieRow] = []
    for number, fields in _csv_rows(path):
        if number == 1:
            if [f.strip() for f in fields] != ["movieId", "title", "genres"]:
                raise DataError(path, "header must be movieId,title,genres", number)
            continue
        if len(fields) != 3:
            raise DataError(path, f"expected 3 fields, found {len(fields)}", number)
        if not _is_int(fields[0]):
            raise DataError(path, f"movie id {fields[0]!r} is not an integer", number)
        names = () if fields[2] == _NO_GENRES else tuple(g for g in fields[2].split("|") if g)
        rows.append((int(fields[0]), fields[1].strip(), names, None))
    if not rows:
        raise DataError(path, "no movies in file")
    genres = tuple(sorted({g for _, _, names, _ in rows for g in names}))
    return _movie_frame(rows), genres


def _read_tags(path: Path) -> pd.DataFrame:
    _require_nonempty(path)
    rows: list[tuple[int, str]] = []
    for number, fields in _csv_rows(path):
        if number == 1:
            continue
        if len(fields) != 4:
            raise DataError(
                path,
                f"expected 4 fields (userId,movieId,tag,timestamp), found {len(fields)}",
                number,
            )
        if not _is_int(fields[1]):
            raise DataError(path, f"movie id {fields[1]!r} is not an integer", number)
        rows.append((int(fields[1]), fields[2].strip().lower()))
    return pd.DataFrame(rows, columns=["movie_id", "tag"])


def _attach_tags(movies: pd.DataFrame, tags: pd.DataFrame) -> pd.DataFrame:
    """``tags``: every use, space-joined (the content model weighs repeats); ``tag_list``:
    distinct tags, most used first, ties alphabetical."""
    joined = tags.groupby("movie_id")["tag"].agg(" ".join)
    uses = tags[tags["tag"] != ""].value_counts(["movie_id", "tag"]).reset_index(name="uses")
    uses = uses.sort_values(["movie_id", "uses", "tag"], ascending=[True, False, True])
    distinct = uses.groupby("movie_id", sort=False)["tag"].agg(tuple)
    movies = movies.copy()
    movies["tags"] = movies["movie_id"].map(joined).fillna("").astype(str)
    listed = movies["movie_id"].map(distinct)
    movies["tag_list"] = [t if isinstance(t, tuple) else () for t in listed]
    return movies


def _read_links(path: Path) -> pd.DataFrame:
    """links.csv as movie_id, imdb_id ("tt" + at least 7 digits or None), tmdb_id (Int64)."""
    _require_nonempty(path)
    rows: list[tuple[int, str | None, int | None]] = []
    for number, fields in _csv_rows(path):
        if number == 1:
            if [f.strip() for f in fields] != ["movieId", "imdbId", "tmdbId"]:
                raise DataError(path, "header must be movieId,imdbId,tmdbId", number)
            continue
        if len(fields) != 3:
            raise DataError(path, f"expected 3 fields, found {len(fields)}", number)
        movie, imdb, tmdb = (f.strip() for f in fields)
        if not _is_int(movie):
            raise DataError(path, f"movie id {movie!r} is not an integer", number)
        if imdb and not imdb.isdigit():
            raise DataError(path, f"imdbId {imdb!r} is not a number", number)
        if tmdb and not tmdb.isdigit():
            raise DataError(path, f"tmdbId {tmdb!r} is not a number", number)
        rows.append(
            (int(movie), f"tt{int(imdb):07d}" if imdb else None, int(tmdb) if tmdb else None)
        )
    frame = pd.DataFrame(rows, columns=["movie_id", "imdb_id", "tmdb_id"])
    return frame.drop_duplicates("movie_id", keep="last")


def _attach_links(movies: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    by_id = links.set_index("movie_id")
    movies = movies.copy()
    imdb = movies["movie_id"].map(by_id["imdb_id"])
    movies["imdb_id"] = _imdb_column(imdb)
    movies["tmdb_id"] = movies["movie_id"].map(by_id["tmdb_id"]).astype("Int64")
    return movies


def _imdb_column(values: pd.Series) -> pd.Series:
    """IMDb ids as objects, None where missing (pandas would otherwise infer str with NaN)."""
    return pd.Series(
        [v if isinstance(v, str) else None for v in values], index=values.index, dtype=object
    )


def _imdb_id_in(url: str) -> str | None:
    """The IMDb title id ("tt0114709") in ``url``, or None (ML-100K's search URLs have none)."""
    found = _IMDB_ID.search(url)
    return f"tt{found.group(1)}" if found else None


def _movie_frame(rows: list[MovieRow]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["movie_id", "title", "genres", "imdb_id"])
    frame = frame.drop_duplicates("movie_id", keep="last").reset_index(drop=True)
    frame["movie_id"] = frame["movie_id"].astype("int64")
    years = frame["title"].str.extract(_YEAR, expand=False)
    frame["year"] = pd.to_numeric(years, errors="coerce").astype("Int64")
    frame["tags"] = ""
    frame["tag_list"] = [()] * len(frame)
    frame["imdb_id"] = _imdb_column(frame["imdb_id"])
    frame["tmdb_id"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    return frame[list(MOVIE_COLUMNS)]


def _add_missing_movies(movies: pd.DataFrame, rated_items: npt.NDArray[np.integer]) -> pd.DataFrame:
    """Give rated items absent from the catalog a placeholder row instead of dropping them."""
    missing = np.setdiff1d(rated_items, movies["movie_id"].to_numpy())
    if missing.size == 0:
        return movies
    extra = pd.DataFrame(
        {
            "movie_id": missing.astype("int64"),
            "title": [f"Movie {m}" for m in missing],
            "year": pd.array([pd.NA] * missing.size, dtype="Int64"),
            "genres": [()] * missing.size,
            "tags": "",
            "tag_list": [()] * missing.size,
            "imdb_id": pd.array([None] * missing.size, dtype=object),
            "tmdb_id": pd.array([pd.NA] * missing.size, dtype="Int64"),
        }
    )
    return pd.concat([movies, extra], ignore_index=True)


# --------------------------------------------------------------------------- helpers


def _is_int(text: str) -> bool:
    text = text.strip()
    return text.lstrip("-").isdigit()


def _require_nonempty(path: Path) -> None:
    if not path.exists():
        raise DataError(path, "file not found")
    if not path.is_file():
        raise DataError(path, "not a regular file")
    if path.stat().st_size == 0:
        raise DataError(path, "file is empty")
    with path.open("rb") as handle:
        head = handle.read(4096)
    if b"\x00" in head:
        raise DataError(
            path, "contains NUL bytes: binary, or an unsupported encoding such as UTF-16"
        )


def _lines(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """(line number, text) pairs; an undecodable line is reported by number."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                yield number, raw.decode(encoding)
            except UnicodeDecodeError:
                raise DataError(path, f"cannot decode line as {encoding}", number) from None


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line number each starts on (quoted titles may hold commas)."""
    for number, line in _lines(path, "utf-8"):
        if not line.strip():
            continue
        try:
            fields = next(csv.reader(io.StringIO(line)))
        except (csv.Error, StopIteration):
            raise DataError(path, "malformed CSV line", number) from None
        if number == 1 and fields:
            fields[0] = fields[0].lstrip("\ufeff")
        yield number, fields


def _scan(
    path: Path,
    *,
    sep: str,
    header: bool,
    check: Callable[[list[str]], str | None],
    encoding: str,
) -> None:
    """Raise a DataError for the first line ``check`` rejects."""
    for number, line in _lines(path, encoding):
        if (header and number == 1) or not line.strip():
            continue
        fields = [field.strip() for field in line.rstrip("\r\n").split(sep)]
        problem = check(fields)
        if problem is not None:
            raise DataError(path, problem, number)
    raise DataError(path, "could not be parsed")
