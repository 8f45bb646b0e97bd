"""One local SparkSession for every Spark test (starting one costs seconds), and small
synthetic datasets in each layout Spark reads.

Tests that need Spark are marked ``spark`` (deselect with ``-m 'not spark'``) and skip with
a reason when the extra is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_ratings, write_csv_layout

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """local[2] with few shuffle partitions; fits in this process reuse it (the active one)."""
    pytest.importorskip("pyspark", reason="needs the spark extra: uv sync --extra spark")
    from recommender.spark.session import SparkOptions, spark_session

    options = SparkOptions(master="local[2]", app_name="moviebot-tests", shuffle_partitions=4)
    with spark_session(options) as session:
        yield session


def two_taste_csv(directory: Path, seed: int = 5) -> Path:
    """120 users x 50 films in two taste groups (tests/conftest.py), in the CSV layout."""
    ratings, movies = make_ratings(
        np.random.default_rng(seed), n_users=120, n_items=50, per_user=20
    )
    return write_csv_layout(directory, ratings, movies)


def write_100k_layout(directory: Path, ratings: pd.DataFrame, movies: pd.DataFrame) -> Path:
    """ratings/movies as ML-100K ships them: u.data (tabs), u.item (pipes), u.genre."""
    from tests.conftest import GENRES

    directory.mkdir(parents=True, exist_ok=True)
    ratings[["user", "item", "rating", "timestamp"]].astype({"rating": "int64"}).to_csv(
        directory / "u.data", sep="\t", header=False, index=False
    )
    names = ("unknown", *GENRES)
    (directory / "u.genre").write_text(
        "".join(f"{name}|{i}\n" for i, name in enumerate(names)), encoding="latin-1"
    )
    lines = []
    for movie_id, title, genres in movies[["movie_id", "title", "genres"]].itertuples(index=False):
        flags = "|".join("1" if name in genres else "0" for name in names)
        lines.append(f"{movie_id}|{title}|01-Jan-1995||http://x|{flags}\n")
    (directory / "u.item").write_text("".join(lines), encoding="latin-1")
    return directory
