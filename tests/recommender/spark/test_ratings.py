"""read_ratings: Spark's own reader on each layout gives the rows the local loader gives, and
bad files are one DataError line naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from recommender.data import load_dataset
from recommender.data.synth import write_synthetic
from recommender.errors import DataError
from tests.conftest import make_ratings, write_csv_layout
from tests.recommender.spark.conftest import write_100k_layout

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark


def spark_rows(spark: SparkSession, directory: Path) -> pd.DataFrame:
    from recommender.spark.ratings import read_ratings

    frame = read_ratings(spark, directory)
    assert [f.name for f in frame.schema.fields] == ["user", "item", "rating", "timestamp"]
    assert [f.dataType.simpleString() for f in frame.schema.fields] == [
        "int",
        "int",
        "float",
        "bigint",
    ]
    return normalized(frame.toArrow().to_pandas())


def normalized(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype(
        {"user": "int64", "item": "int64", "rating": "float32", "timestamp": "int64"}
    )
    return frame.sort_values(["user", "item"]).reset_index(drop=True)


def local_rows(directory: Path) -> pd.DataFrame:
    return normalized(load_dataset(directory).ratings[["user", "item", "rating", "timestamp"]])


def test_each_layout_reads_as_the_local_loader_reads_it(
    spark: SparkSession, tmp_path: Path
) -> None:
    ratings, movies = make_ratings(np.random.default_rng(3))
    csv_dir = write_csv_layout(tmp_path / "csv", ratings, movies)
    ml100k_dir = write_100k_layout(tmp_path / "ml100k", ratings, movies)
    synth_dir = write_synthetic(tmp_path / "synth", 3_000, seed=1)
    for directory in (csv_dir, ml100k_dir, synth_dir):
        expected = local_rows(directory)
        assert len(expected) > 500
        pd.testing.assert_frame_equal(spark_rows(spark, directory), expected, obj=str(directory))


def test_a_repeated_pair_keeps_its_latest_rating(spark: SparkSession, tmp_path: Path) -> None:
    directory = tmp_path / "dup"
    directory.mkdir()
    (directory / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n1,10,2.0,100\n1,11,4.0,100\n1,10,5.0,300\n1,10,3.0,200\n"
    )
    (directory / "movies.csv").write_text("movieId,title,genres\n10,A (1990),Drama\n")
    rows = spark_rows(spark, directory)
    assert rows.to_dict("records") == [
        {"user": 1, "item": 10, "rating": 5.0, "timestamp": 300},
        {"user": 1, "item": 11, "rating": 4.0, "timestamp": 100},
    ]
    pd.testing.assert_frame_equal(rows, local_rows(directory))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "user,movie,rating,timestamp\n1,2,3.0,4\n",
            "header must be userId,movieId,rating,timestamp",
        ),
        ("userId,movieId,rating,timestamp\n1,2,3.0,4\n2,x,4.0,5\n", "malformed row"),
        ("userId,movieId,rating,timestamp\n1,2,3.0,4\n2,3,4.0\n", "malformed row"),
        ("userId,movieId,rating,timestamp\n1,2,3.0,4\n2,3,7.5,5\n", "1 ratings outside 0.5-5.0"),
        ("userId,movieId,rating,timestamp\n1,2,3.0,4\n2,,4.0,5\n", "empty user, item or timestamp"),
        ("userId,movieId,rating,timestamp\n", "no ratings in file"),
    ],
)
def test_a_bad_file_is_one_data_error_naming_it(
    spark: SparkSession, tmp_path: Path, text: str, expected: str
) -> None:
    from recommender.spark.ratings import read_ratings

    (tmp_path / "ratings.csv").write_text(text)
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n2,A (1990),Drama\n")
    with pytest.raises(DataError) as caught:
        read_ratings(spark, tmp_path)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(str(tmp_path / "ratings.csv"))
    assert "\n" not in message
