"""Ratings read by Spark itself: the MovieLens CSV layout (``synth`` writes it too) and
ML-100K's tab-separated ``u.data``, with an explicit schema and no inference pass.

The layout is detected as the local loader detects it (``recommender.data.movielens``).  The
driver checks the CSV header line; Spark reads the rows in FAILFAST mode, so a malformed row
(a missing field, a non-number, an id past 32 bits) fails the read, and one aggregation counts
the rows and the ratings outside 0.5-5.  Either problem is one DataError line naming the file.
A repeated (user, item) pair keeps its latest rating, as the local loader does (equal
timestamps: the higher rating; the local loader keeps the later line, which Spark's parallel
read cannot see).

On a cluster every executor opens ``data_dir`` itself: it must be the same path on every node
(a shared filesystem); the driver reads only the header line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from recommender.data.movielens import RATING_MAX, RATING_MIN, RATINGS_CSV_HEADER, detect_layout
from recommender.errors import DataError
from recommender.spark.session import quiet_failures

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["RATINGS_SCHEMA", "ratings_file", "read_ratings"]

#: Spark's DDL for the columns read, in file order (ids are 32-bit ints, as ALS requires),
#: named as the CSV header names them (so Spark's own header check agrees).
RATINGS_SCHEMA = ", ".join(
    f"{name} {kind}"
    for name, kind in zip(RATINGS_CSV_HEADER, ("INT", "INT", "FLOAT", "LONG"), strict=True)
)
COLUMNS = ("user", "item", "rating", "timestamp")


def ratings_file(data_dir: Path) -> tuple[Path, str, bool]:
    """The ratings file of ``data_dir``, its field separator and whether it has a header."""
    if detect_layout(data_dir) == "ml-100k":
        return data_dir / "u.data", "\t", False
    return data_dir / "ratings.csv", ",", True


def read_ratings(spark: SparkSession, data_dir: Path | str) -> DataFrame:
    """DataFrame(user int, item int, rating float, timestamp long), one row per (user, item);
    DataError (one line, the file named) for a bad header, a malformed row, a rating out of
    range or an empty file."""
    from pyspark.sql import functions as F

    path, sep, header = ratings_file(Path(data_dir))
    if not path.is_file() or path.stat().st_size == 0:
        raise DataError(path, "empty or missing file")
    if header:
        _check_header(path)
    rows = spark.read.csv(
        str(path.resolve()),
        schema=RATINGS_SCHEMA,
        sep=sep,
        header=header,
        mode="FAILFAST",
        enforceSchema=True,  # the header's names were checked above, on the driver
    ).toDF(*COLUMNS)
    # Every column takes part, so Spark's CSV column pruning cannot skip parsing one; an
    # empty field is null even in FAILFAST mode, so nulls count as bad too.
    missing = F.col("user").isNull() | F.col("item").isNull() | F.col("timestamp").isNull()
    bad_rating = ~F.col("rating").between(RATING_MIN, RATING_MAX) | F.col("rating").isNull()
    try:
        with quiet_failures(spark):
            counts = rows.agg(
                F.count(F.lit(1)).alias("rows"),
                F.sum(missing.cast("long")).alias("missing"),
                F.sum(bad_rating.cast("long")).alias("bad"),
            ).first()
    except Exception as error:  # Spark surfaces FAILFAST as a JVM exception wrapper
        raise DataError(path, f"malformed row: {_first_line(error)}") from None
    if counts is not None and counts["missing"]:
        raise DataError(path, f"{counts['missing']:,} rows with an empty user, item or timestamp")
    if counts is None or counts["rows"] == 0:
        raise DataError(path, "no ratings in file")
    if counts["bad"]:
        example = rows.filter(bad_rating).first()
        raise DataError(
            path,
            f"{counts['bad']:,} ratings outside {RATING_MIN}-{RATING_MAX} or missing "
            f"(first: user {example['user'] if example else '?'}, "
            f"item {example['item'] if example else '?'}, "
            f"rating {example['rating'] if example else '?'})",
        )
    latest = rows.groupBy("user", "item").agg(F.max(F.struct("timestamp", "rating")).alias("r"))
    return latest.select(
        "user", "item", F.col("r.rating").alias("rating"), F.col("r.timestamp").alias("timestamp")
    )


def _check_header(path: Path) -> None:
    with path.open("rb") as handle:
        first = handle.readline().decode("utf-8", errors="replace").lstrip("\ufeff")
    if [field.strip() for field in first.strip().split(",")] != list(RATINGS_CSV_HEADER):
        raise DataError(path, f"header must be {','.join(RATINGS_CSV_HEADER)}", 1)


def _first_line(error: Exception) -> str:
    """The useful line of a Spark error: the first line naming the problem, no JVM trace."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    for marker in ("MALFORMED_CSV_RECORD", "MALFORMED", "Malformed"):
        for line in lines:
            if marker in line:
                return line.removeprefix("Caused by: ")[:300]
    return lines[0][:300] if lines else type(error).__name__
