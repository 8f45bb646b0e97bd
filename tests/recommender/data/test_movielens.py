"""load_dataset on both real layouts, and one precise DataError per kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recommender.data import load_dataset
from recommender.errors import DataError

RATINGS_HEADER = "userId,movieId,rating,timestamp\n"
MOVIES = "movieId,title,genres\n1,Heat (1995),Action|Crime\n2,Solo (2018),(no genres listed)\n"


def csv_dir(tmp_path: Path, ratings: str | bytes, movies: str | bytes = MOVIES) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    for name, content in (("ratings.csv", ratings), ("movies.csv", movies)):
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


# --------------------------------------------------------------------------- real data


def test_ml100k_loads(ml100k_dir: Path) -> None:
    dataset = load_dataset(ml100k_dir)
    assert dataset.layout == "ml-100k"
    assert len(dataset.ratings) == 100_000
    assert len(dataset.movies) == 1682
    assert dataset.ratings["user"].nunique() == 943
    assert "unknown" not in dataset.genres and dataset.genres[0] == "Action"
    movies = dataset.movies.set_index("movie_id")
    # u.item flags follow u.genre order: Toy Story is Animation|Children's|Comedy
    assert movies.loc[1, "genres"] == ("Animation", "Children's", "Comedy")
    assert movies.loc[1, "title"] == "Toy Story (1995)" and movies.loc[1, "year"] == 1995
    # latin-1 titles decode (u.item is not UTF-8)
    assert movies.loc[543, "title"] == "Mis\u00e9rables, Les (1995)"
    accented = movies[movies["title"].str.contains("\u00e9")]
    assert len(accented) > 0
    assert not movies["title"].str.contains("\ufffd").any()


def test_ml_latest_small_loads_with_tags(ml_small_dir: Path) -> None:
    dataset = load_dataset(ml_small_dir)
    assert dataset.layout == "csv"
    # The copy in ../shared/data ends with one row that is not in GroupLens's release
    # ("999,999999,5.0,1493846415", no trailing newline; item 999999 is not in movies.csv).
    # Count the official rows; the stray one, if present, gets a placeholder catalog entry.
    stray = (dataset.ratings["user"] == 999) & (dataset.ratings["item"] == 999_999)
    assert stray.sum() <= 1
    assert len(dataset.ratings) - stray.sum() == 100_836
    assert dataset.ratings.loc[~stray, "user"].nunique() == 610
    assert len(dataset.movies) - stray.sum() == 9742
    movies = dataset.movies.set_index("movie_id")
    assert movies.loc[1, "genres"] == ("Adventure", "Animation", "Children", "Comedy", "Fantasy")
    no_genre = movies[movies["genres"].map(len) == 0]
    assert len(no_genre) > 0  # "(no genres listed)" -> ()
    assert "(no genres listed)" not in dataset.genres
    assert "funny" in movies.loc[60756, "tags"]
    assert set(dataset.ratings["rating"].unique()) <= {x / 2 for x in range(1, 11)}


# --------------------------------------------------------------------------- semantics


def test_csv_genres_and_duplicates_keep_latest(tmp_path: Path) -> None:
    ratings = RATINGS_HEADER + "1,1,3.0,100\n1,2,4.0,50\n1,1,5.0,200\n2,1,2.0,10\n1,1,1.0,150\n"
    dataset = load_dataset(csv_dir(tmp_path, ratings))
    rows = dataset.ratings[["user", "item", "rating", "timestamp"]].values.tolist()
    # (1, 1) keeps the t=200 row; survivors stay in file order
    assert rows == [[1, 2, 4.0, 50], [1, 1, 5.0, 200], [2, 1, 2.0, 10]]
    movies = dataset.movies.set_index("movie_id")
    assert movies.loc[1, "genres"] == ("Action", "Crime")
    assert movies.loc[2, "genres"] == ()
    assert dataset.genres == ("Action", "Crime")


def test_half_star_low_bound_is_fine(tmp_path: Path) -> None:
    dataset = load_dataset(csv_dir(tmp_path, RATINGS_HEADER + "1,1,0.5,1\n1,2,5,2\n"))
    assert dataset.ratings["rating"].tolist() == [0.5, 5.0]


# --------------------------------------------------------------------------- bad input


def expect_error(folder: Path, file: str, line: int | None, message: str) -> None:
    with pytest.raises(DataError, match=message) as caught:
        load_dataset(folder)
    error = caught.value
    assert error.path.name == file
    assert error.line == line
    where = f"{file}:{line}" if line is not None else file
    assert where in str(error) and "\n" not in str(error)


def test_missing_movies_file(tmp_path: Path) -> None:
    folder = csv_dir(tmp_path, RATINGS_HEADER + "1,1,4,1\n")
    (folder / "movies.csv").unlink()
    expect_error(folder, "movies.csv", None, "file not found")


def test_empty_ratings_file(tmp_path: Path) -> None:
    expect_error(csv_dir(tmp_path, ""), "ratings.csv", None, "file is empty")


def test_header_only_ratings_file(tmp_path: Path) -> None:
    expect_error(csv_dir(tmp_path, RATINGS_HEADER), "ratings.csv", None, "no ratings")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1,2,3.0,4,5", "expected 4 fields .* found 5"),
        ("1,2,3.0", "expected 4 fields .* found 3"),
        ("x,2,3.0,4", "user id 'x' is not an integer"),
        ("1,2.5,3.0,4", "item id '2.5' is not an integer"),
        ("1,2,good,4", "rating 'good' is not a number"),
        ("1,2,0,4", "rating 0 is outside 0.5-5.0"),
        ("1,2,6,4", "rating 6 is outside 0.5-5.0"),
    ],
)
def test_bad_rating_rows_name_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    ratings = RATINGS_HEADER + "1,1,4.0,1\n2,1,3.5,2\n" + row + "\n3,1,2.0,3\n"
    expect_error(csv_dir(tmp_path, ratings), "ratings.csv", 4, message)


def test_bad_ml100k_rating_line(tmp_path: Path, ml100k_dir: Path) -> None:
    folder = tmp_path / "ml"
    folder.mkdir()
    for name in ("u.item", "u.genre"):
        (folder / name).write_bytes((ml100k_dir / name).read_bytes())
    (folder / "u.data").write_text("1\t2\t3\t4\n1\t3\t9\t5\n")
    expect_error(folder, "u.data", 2, "rating 9 is outside")


def test_invalid_utf8_in_movies(tmp_path: Path) -> None:
    movies = b"movieId,title,genres\n1,Heat (1995),Action\n2,Cit\xe9 (1995),Drama\n"
    expect_error(csv_dir(tmp_path, RATINGS_HEADER + "1,1,4,1\n", movies), "movies.csv", 3,
                 "cannot decode line as utf-8")  # fmt: skip


def test_utf16_ratings_file(tmp_path: Path) -> None:
    ratings = (RATINGS_HEADER + "1,1,4,1\n").encode("utf-16")
    expect_error(csv_dir(tmp_path, ratings), "ratings.csv", None, "UTF-16")


def test_wrong_field_count_in_movies(tmp_path: Path) -> None:
    movies = "movieId,title,genres\n1,Heat (1995),Action,extra\n"
    expect_error(csv_dir(tmp_path, RATINGS_HEADER + "1,1,4,1\n", movies), "movies.csv", 2,
                 "expected 3 fields, found 4")  # fmt: skip


def test_not_a_movielens_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match="not a MovieLens folder") as caught:
        load_dataset(tmp_path)
    assert caught.value.path == tmp_path
    with pytest.raises(DataError, match="no such data directory"):
        load_dataset(tmp_path / "absent")


def test_ratings_csv_with_other_column_order_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "swapped"
    folder.mkdir()
    (folder / "ratings.csv").write_text("movieId,userId,rating,timestamp\n1,2,4.0,100\n")
    (folder / "movies.csv").write_text("movieId,title,genres\n1,A (2000),Drama\n")
    with pytest.raises(
        DataError, match=r"ratings\.csv:1: header must be userId,movieId,rating,timestamp"
    ):
        load_dataset(folder)


def test_ratings_csv_header_tolerates_bom_and_spaces(tmp_path: Path) -> None:
    ratings = "\ufeff userId , movieId,rating ,timestamp\r\n1,10,4.0,100\r\n2,10,3.5,200\r\n"
    dataset = load_dataset(csv_dir(tmp_path, ratings.encode("utf-8")))
    assert dataset.ratings["user"].tolist() == [1, 2]
    assert dataset.ratings["rating"].tolist() == [4.0, 3.5]


def test_ratings_csv_with_missing_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"ratings\.csv:1: header must be") as caught:
        load_dataset(csv_dir(tmp_path, "userId,movieId,rating\n1,10,4.0\n"))
    assert caught.value.line == 1


def test_fingerprint_sees_a_same_size_edit_in_the_middle(tmp_path: Path) -> None:
    import os

    from recommender.data import dataset_fingerprint

    folder = tmp_path / "big"
    folder.mkdir()
    lines = [f"{u},{i},4.0,{1000 + i}" for u in range(1, 300) for i in range(1, 600)]
    ratings = folder / "ratings.csv"
    ratings.write_text("userId,movieId,rating,timestamp\n" + "\n".join(lines) + "\n")
    (folder / "movies.csv").write_text("movieId,title,genres\n1,A (2000),Drama\n")
    assert ratings.stat().st_size > 2 << 20
    os.utime(ratings, ns=(1_000_000_000_000, 1_000_000_000_000))
    before = dataset_fingerprint(folder)
    assert dataset_fingerprint(folder) == before  # stable while untouched
    data = bytearray(ratings.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 1] = b"5" if data[middle : middle + 1] != b"5" else b"6"
    ratings.write_bytes(bytes(data))
    os.utime(ratings, ns=(2_000_000_000_000, 2_000_000_000_000))
    assert ratings.stat().st_size == len(data)
    assert dataset_fingerprint(folder) != before


# --------------------------------------------------------------------------- film-card metadata

LINKS_HEADER = "movieId,imdbId,tmdbId\n"


def with_file(folder: Path, name: str, content: str) -> Path:
    (folder / name).write_text(content, encoding="utf-8")
    return folder


def test_ml_latest_small_links_and_distinct_tags(ml_small_dir: Path) -> None:
    movies = load_dataset(ml_small_dir).movies.set_index("movie_id")
    toy = movies.loc[1]
    assert (toy["imdb_id"], toy["tmdb_id"]) == ("tt0114709", 862)
    assert toy["tag_list"][0] == "pixar"  # tagged "pixar" twice, "fun" once
    assert set(toy["tag_list"]) == {"pixar", "fun"}
    assert pd.isna(movies.loc[791, "tmdb_id"]) and movies.loc[791, "imdb_id"] == "tt0113610"
    # tag_list is the distinct lower-cased tags of tags.csv, the tags text keeps every use
    raw = pd.read_csv(ml_small_dir / "tags.csv")
    uses = raw[raw["movieId"] == 60756]["tag"].str.strip().str.lower()
    assert set(movies.loc[60756, "tag_list"]) == set(uses)
    assert len(movies.loc[60756, "tag_list"]) == uses.nunique()
    assert movies.loc[60756, "tags"] == " ".join(uses)
    untagged = movies[movies["tags"] == ""]
    assert (untagged["tag_list"].map(len) == 0).all()
    assert movies["imdb_id"].map(lambda i: isinstance(i, str) and i.startswith("tt")).all()


def test_ml100k_urls_carry_no_imdb_id(ml100k_dir: Path) -> None:
    movies = load_dataset(ml100k_dir).movies
    assert movies["imdb_id"].isna().all()  # every u.item URL is a title search, not an id
    assert movies["tmdb_id"].isna().all()
    assert (movies["tag_list"].map(len) == 0).all()


def test_ml100k_url_with_a_title_id_is_parsed(tmp_path: Path) -> None:
    folder = tmp_path / "ml"
    folder.mkdir()
    (folder / "u.genre").write_text("unknown|0\nComedy|1\n")
    (folder / "u.item").write_text(
        "1|Toy Story (1995)|01-Jan-1995||http://www.imdb.com/title/tt0114709/|0|1\n"
        "2|Heat (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Heat%20(1995)|0|0\n"
        "3|Odd (1995)|01-Jan-1995|||0|0\n"
    )
    (folder / "u.data").write_text("1\t1\t4\t1\n1\t2\t3\t2\n")
    movies = load_dataset(folder).movies.set_index("movie_id")
    assert movies["imdb_id"].tolist() == ["tt0114709", None, None]


def test_links_csv_pads_imdb_ids_and_allows_blanks(tmp_path: Path) -> None:
    folder = csv_dir(tmp_path, RATINGS_HEADER + "1,1,4,1\n1,3,2,2\n")
    with_file(folder, "links.csv", LINKS_HEADER + "1,113277,949\n2,10872600,\n7,0000001,5\n")
    movies = load_dataset(folder).movies.set_index("movie_id")
    assert movies.loc[1, "imdb_id"] == "tt0113277" and movies.loc[1, "tmdb_id"] == 949
    assert movies.loc[2, "imdb_id"] == "tt10872600" and pd.isna(movies.loc[2, "tmdb_id"])
    # movie 3 is rated but not in movies.csv: a placeholder without links
    assert movies.loc[3, "title"] == "Movie 3" and movies.loc[3, "imdb_id"] is None
    assert movies.loc[3, "tag_list"] == ()
    assert 7 not in movies.index  # a link to a movie the catalog lacks adds nothing
    assert str(movies["tmdb_id"].dtype) == "Int64"


def test_missing_links_csv_leaves_ids_empty(tmp_path: Path) -> None:
    movies = load_dataset(csv_dir(tmp_path, RATINGS_HEADER + "1,1,4,1\n")).movies
    assert movies["imdb_id"].isna().all() and movies["tmdb_id"].isna().all()
    assert list(movies.columns) == [
        "movie_id", "title", "year", "genres", "tags", "tag_list", "imdb_id", "tmdb_id"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("movieId,imdb,tmdbId\n1,1,1\n", 1, "header must be movieId,imdbId,tmdbId"),
        (LINKS_HEADER + "1,0113277,949\n2,0113277\n", 3, "expected 3 fields, found 2"),
        (LINKS_HEADER + "x,0113277,949\n", 2, "movie id 'x' is not an integer"),
        (LINKS_HEADER + "1,tt0113277,949\n", 2, "imdbId 'tt0113277' is not a number"),
        (LINKS_HEADER + "1,0113277,9.5\n", 2, "tmdbId '9.5' is not a number"),
        (LINKS_HEADER + '1,"0113277,949\n', 2, "expected 3 fields|malformed CSV"),
    ],
)
def test_bad_links_lines_name_file_and_line(
    tmp_path: Path, content: str, line: int, message: str
) -> None:
    folder = with_file(csv_dir(tmp_path, RATINGS_HEADER + "1,1,4,1\n"), "links.csv", content)
    expect_error(folder, "links.csv", line, message)


def test_tag_list_is_distinct_lower_cased_most_used_first(tmp_path: Path) -> None:
    folder = csv_dir(tmp_path, RATINGS_HEADER + "1,1,4,1\n1,2,3,2\n")
    tags = (
        "userId,movieId,tag,timestamp\n"
        "1,1,Heist,1\n2,1,  heist ,2\n3,1,Al Pacino,3\n1,1,crime,4\n2,1,al pacino,5\n"
        "3,1,heist,6\n4,1,,7\n"
    )
    movies = load_dataset(with_file(folder, "tags.csv", tags)).movies.set_index("movie_id")
    # heist x3, al pacino x2, crime x1; the empty tag is no tag
    assert movies.loc[1, "tag_list"] == ("heist", "al pacino", "crime")
    assert movies.loc[1, "tags"] == "heist heist al pacino crime al pacino heist "  # as before
    assert movies.loc[2, "tag_list"] == () and movies.loc[2, "tags"] == ""
    ties = "userId,movieId,tag,timestamp\n1,2,noir,1\n1,2,boxing,2\n"
    movies = load_dataset(with_file(folder, "tags.csv", ties)).movies.set_index("movie_id")
    assert movies.loc[2, "tag_list"] == ("boxing", "noir")  # equal use: alphabetical


def test_fingerprint_covers_links_csv(tmp_path: Path) -> None:
    from recommender.data import dataset_fingerprint

    folder = csv_dir(tmp_path, RATINGS_HEADER + "1,1,4,1\n")
    without = dataset_fingerprint(folder)
    with_file(folder, "links.csv", LINKS_HEADER + "1,0113277,949\n")
    linked = dataset_fingerprint(folder)
    assert linked != without
    with_file(folder, "links.csv", LINKS_HEADER + "1,0113277,950\n")
    assert dataset_fingerprint(folder) != linked
