"""``moviebot train --engine spark``: fit Spark MLlib's ALS, export an ordinary model directory.

The directory is the one every MovieBot model lives in (``save_models``), keyed by the
dataset's fingerprint, so ``moviebot chat --data-dir DIR`` serves it unchanged:

* ``spark-als`` — the ranker: Spark's user and item factors (:class:`SparkALS`);
* ``popularity`` — Bayesian averages from one Spark ``groupBy`` of counts and sums;
* ``content`` — TF-IDF over the catalog, on the driver (catalog-sized, not ratings-sized);
* ``seen`` — every interaction, what each user already rated.

Nothing ratings-sized passes through one Python object: Spark writes the user factors and the
interactions (sorted by user, then item) as parquet into a staging folder beside the model
directory, and the driver streams them batch by batch with pyarrow into on-disk memmaps that
``save_models`` streams into the ``.npz`` files (sort order verified while streaming).  Item
factors and per-item counts are collected: serving needs them in memory anyway.  Items of the
catalog nobody rated get zero factors; so does a user whose every interaction weighs 0.

On a cluster the staging folder (under ``--model-dir``) and ``--data-dir`` must be the same
path on the driver and every executor: a shared filesystem.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from recommender.artifacts import TrainedModels, save_models
from recommender.data import Vocabulary
from recommender.data.movielens import dataset_fingerprint, detect_layout, load_catalog
from recommender.errors import ModelError
from recommender.fileio import writable_dir
from recommender.models.content import ContentTfidf, item_documents
from recommender.models.popularity import BayesianPopularity, bayesian_average
from recommender.models.spark_als import SparkALS, SparkALSConfig
from recommender.spark import require_pyspark
from recommender.spark.ratings import read_ratings
from recommender.spark.session import SparkOptions, checkpoints, spark_session
from recommender.training import model_dir_for

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.ml.recommendation import ALSModel
    from pyspark.sql import DataFrame

__all__ = ["export_model", "fit_als", "fit_matrix", "train_spark", "weighted"]

log = logging.getLogger("moviebot.spark")

#: Rows per pyarrow batch while streaming Spark's parquet output on the driver.
BATCH_ROWS = 1 << 20


def weighted(ratings: DataFrame, config: SparkALSConfig) -> DataFrame:
    """(user, item, weight): liked (>= like_threshold) = 1, else ``dislike_weight``; zero
    weights dropped, as ``preference_matrix`` drops them."""
    from pyspark.sql import functions as F

    weight = (
        F.when(F.col("rating") >= config.like_threshold, F.lit(1.0))
        .otherwise(F.lit(config.dislike_weight))
        .cast("float")
    )
    frame = ratings.select("user", "item", weight.alias("weight"))
    return frame.filter(F.col("weight") > 0)


def fit_als(ratings: DataFrame, config: SparkALSConfig) -> ALSModel:
    """Spark's implicit ALS on (user, item, rating) rows, weighted as our iALS weighs them;
    Spark's confidence is then ``1 + alpha·weight``."""
    from pyspark.ml.recommendation import ALS

    als = ALS(
        rank=config.factors,
        maxIter=config.iterations,
        regParam=config.regularization,
        alpha=config.alpha,
        implicitPrefs=True,
        nonnegative=False,
        userCol="user",
        itemCol="item",
        ratingCol="weight",
        seed=config.seed,
        numUserBlocks=config.num_user_blocks,
        numItemBlocks=config.num_item_blocks,
        checkpointInterval=config.checkpoint_interval,
    )
    return als.fit(weighted(ratings, config))


def fit_matrix(
    train: sp.csr_matrix, config: SparkALSConfig, options: SparkOptions | None = None
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """(user factors, item factors) of Spark's ALS on a users x items rating CSR, in its
    index space (what ``SparkALS.fit`` runs; the active session is reused if there is one)."""
    require_pyspark()
    import pyarrow as pa
    import pyarrow.parquet as pq

    coo = train.tocoo()
    table = pa.table(
        {
            "user": pa.array(coo.row.astype(np.int32)),
            "item": pa.array(coo.col.astype(np.int32)),
            "rating": pa.array(coo.data.astype(np.float32)),
        }
    )
    options = options or SparkOptions(app_name="moviebot-spark-als")
    with (
        spark_session(options) as spark,
        tempfile.TemporaryDirectory(prefix="moviebot-spark-") as folder,
        checkpoints(spark, options),
    ):
        # through a parquet file Spark reads itself, not inlined into its tasks
        path = Path(folder) / "ratings.parquet"
        pq.write_table(table, path)
        model = fit_als(spark.read.parquet(str(path)), config)
        users = _factor_matrix(model.userFactors.toArrow(), np.arange(train.shape[0]), model.rank)
        items = _factor_matrix(model.itemFactors.toArrow(), np.arange(train.shape[1]), model.rank)
    return users, items


def _factor_matrix(
    table: pa.Table,
    ids: npt.NDArray[np.int64],
    rank: int,
    out: npt.NDArray[np.float32] | None = None,
) -> npt.NDArray[np.float32]:
    """Rows of Spark's (id, features) factors placed at each id's position in ``ids``
    (sorted); ids Spark has no factors for keep zeros."""
    matrix = np.zeros((ids.size, rank), dtype=np.float32) if out is None else out
    if table.num_rows:
        found = table.column("id").to_numpy().astype(np.int64)
        features = _features(table)
        positions = np.searchsorted(ids, found)
        if (positions >= ids.size).any() or (
            ids[np.minimum(positions, ids.size - 1)] != found
        ).any():
            raise ModelError("Spark returned factors for an id outside the vocabulary")
        matrix[positions] = features
    return matrix


def _features(table: pa.Table) -> npt.NDArray[np.float32]:
    """Spark's array<float> ``features`` column as an (n, rank) float32 block."""
    column = table.column("features").combine_chunks()
    values = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    return values.reshape(table.num_rows, -1)


# ---------------------------------------------------------------------------- export


def train_spark(
    data_dir: Path | str,
    model_root: Path | str,
    options: SparkOptions | None = None,
    config: SparkALSConfig | None = None,
) -> Path:
    """Read ``data_dir`` with Spark, fit ALS, write the model directory; returns its path."""
    require_pyspark()
    from pyspark import StorageLevel

    data_dir, model_root = Path(data_dir), Path(model_root)
    options, config = options or SparkOptions(), config or SparkALSConfig()
    detect_layout(data_dir)  # a folder that is not MovieLens data is said before Spark starts
    writable_dir(model_root, "the model folder (--model-dir / MOVIEBOT_MODEL_DIR)")
    with spark_session(options) as spark:
        started = time.perf_counter()
        # read once: the statistics, the seen export and every ALS sweep's blocks reuse it
        ratings = read_ratings(spark, data_dir).persist(StorageLevel.MEMORY_AND_DISK)
        try:
            log.info("spark: fitting ALS %s", config.model_dump())
            # the folder outlives the export: the factors it reads may come from checkpoints
            with checkpoints(spark, options, near=model_root):
                model = fit_als(ratings, config)
                seconds = time.perf_counter() - started
                log.info("spark: ALS fitted in %.1f s (read included); exporting", seconds)
                target = export_model(
                    model, ratings, data_dir, model_root, config, options, fit_seconds=seconds
                )
        finally:
            ratings.unpersist()
    log.info("spark: model directory %s", target)
    return target


def export_model(
    model: ALSModel,
    ratings: DataFrame,
    data_dir: Path,
    model_root: Path,
    config: SparkALSConfig,
    options: SparkOptions,
    *,
    fit_seconds: float | None = None,
) -> Path:
    """Write the model directory of a fitted ALS ``model`` and the ``ratings`` it was fitted
    on (``read_ratings(spark, data_dir)``) under ``model_root``; returns its path."""
    from pyspark.sql import functions as F

    spark = ratings.sparkSession
    layout = detect_layout(data_dir)
    writable_dir(model_root, "the model folder (--model-dir / MOVIEBOT_MODEL_DIR)")
    with tempfile.TemporaryDirectory(prefix=".spark-staging-", dir=model_root) as staging_name:
        staging = Path(staging_name)
        totals = ratings.agg(
            F.count(F.lit(1)).alias("n"),
            F.countDistinct("user").alias("users"),
            F.sum(F.col("rating").cast("double")).alias("sum"),
        ).first()
        assert totals is not None  # an aggregate always has one row
        n_ratings, n_users = int(totals["n"]), int(totals["users"])
        log.info("spark: %s ratings of %s users", f"{n_ratings:,}", f"{n_users:,}")
        per_item = (
            ratings.groupBy("item")
            .agg(
                F.count(F.lit(1)).alias("count"), F.sum(F.col("rating").cast("double")).alias("sum")
            )
            .toArrow()
        )
        rated_items = per_item.column("item").to_numpy().astype(np.int64)
        catalog, genres = load_catalog(data_dir, rated_items)
        items = Vocabulary(catalog["movie_id"].to_numpy())
        item_index = items.index(rated_items)
        item_count = np.zeros(len(items), dtype=np.int64)
        item_sum = np.zeros(len(items), dtype=np.float64)
        item_count[item_index] = per_item.column("count").to_numpy()
        item_sum[item_index] = per_item.column("sum").to_numpy()

        ratings.select("user", "item", "rating").orderBy("user", "item").write.parquet(
            str(staging / "seen")
        )
        users, seen = _stream_seen(staging / "seen", staging, n_users, n_ratings, items)
        model.userFactors.orderBy("id").write.parquet(str(staging / "user_factors"))
        user_factors = _memmap(staging / "user_factors.npy", np.float32, (n_users, model.rank))
        _stream_factors(staging / "user_factors", users.ids, user_factors)
        item_factors = _factor_matrix(model.itemFactors.toArrow(), items.ids, model.rank)
        log.info("spark: seen and user factors streamed into %s", staging)
        fingerprint = dataset_fingerprint(data_dir)
        trained = TrainedModels(
            users=users,
            items=items,
            models={
                "spark-als": _ranker(config, user_factors, item_factors, item_count),
                "popularity": _popularity(
                    item_count, item_sum, float(totals["sum"]) / n_ratings, n_users
                ),
                "content": _content(catalog, items, n_users, item_count),
            },
            dataset_fingerprint=fingerprint,
            seen=seen,
            catalog=catalog,
            genres=genres,
            info=_info(spark, options, config, data_dir, layout, fit_seconds),
        )
        target = save_models(model_dir_for(model_root, fingerprint), trained)
        del trained, user_factors, seen  # close the memmaps before the staging folder goes
    return target


def _batches(folder: Path, columns: list[str]) -> Iterator[pa.RecordBatch]:
    """Spark's parquet part files in name order (an ``orderBy`` writes them in sort order)."""
    import pyarrow.parquet as pq

    for part in sorted(folder.glob("part-*.parquet")):
        yield from pq.ParquetFile(part).iter_batches(batch_size=BATCH_ROWS, columns=columns)


def _stream_seen(
    folder: Path, staging: Path, n_users: int, n_ratings: int, items: Vocabulary
) -> tuple[Vocabulary, sp.csr_matrix]:
    """The user vocabulary and the seen CSR from Spark's (user, item) sorted interactions,
    filled batch by batch into memmaps; ModelError if the order is not strictly increasing."""
    index_dtype = np.int32 if max(n_ratings, len(items)) < 2**31 else np.int64
    user_ids = _memmap(staging / "user_ids.npy", np.int64, (n_users,))
    indptr = _memmap(staging / "indptr.npy", index_dtype, (n_users + 1,))
    indices = _memmap(staging / "indices.npy", index_dtype, (n_ratings,))
    data = _memmap(staging / "data.npy", np.float32, (n_ratings,))
    done, known_users, last = 0, 0, (-1, -1)
    for batch in _batches(folder, ["user", "item", "rating"]):
        u = batch.column(0).to_numpy().astype(np.int64)
        i = batch.column(1).to_numpy().astype(np.int64)
        prev_u = np.r_[last[0], u[:-1]]
        prev_i = np.r_[last[1], i[:-1]]
        if ((u < prev_u) | ((u == prev_u) & (i <= prev_i))).any():
            raise ModelError(f"{folder}: Spark's interactions are not sorted by user, item")
        new_user = u != prev_u
        n_new = int(np.count_nonzero(new_user))
        user_ids[known_users : known_users + n_new] = u[new_user]
        position = known_users - 1 + np.cumsum(new_user)
        if position.size:  # rows per user: positions are sorted, so one bincount
            first = int(position[0])
            counts = np.bincount(position - first)
            indptr[first + 1 : first + 1 + counts.size] += counts
        known_users += n_new
        column = items.index(i)
        if (column < 0).any():
            raise ModelError(f"{folder}: an interaction's item is not in the catalog")
        indices[done : done + u.size] = column
        data[done : done + u.size] = batch.column(2).to_numpy()
        done += u.size
        last = (int(u[-1]), int(i[-1]))
    if (done, known_users) != (n_ratings, n_users):
        raise ModelError(
            f"{folder}: {done:,} interactions of {known_users:,} users streamed, "
            f"expected {n_ratings:,} of {n_users:,}"
        )
    np.cumsum(indptr, out=indptr)
    seen = sp.csr_matrix((data, indices, indptr), shape=(n_users, len(items)), copy=False)
    return Vocabulary.from_sorted(user_ids), seen  # sorted as streamed: stays on disk


def _stream_factors(
    folder: Path, user_ids: npt.NDArray[np.int64], out: npt.NDArray[np.float32]
) -> None:
    """Spark's user factors (sorted by id) into ``out``'s rows, batch by batch."""
    last = -1
    for batch in _batches(folder, ["id", "features"]):
        import pyarrow as pa

        table = pa.Table.from_batches([batch])
        ids = table.column("id").to_numpy().astype(np.int64)
        if ids.size and (ids[0] <= last or (np.diff(ids) <= 0).any()):
            raise ModelError(f"{folder}: Spark's user factors are not sorted by id")
        _factor_matrix(table, user_ids, out.shape[1], out)
        last = int(ids[-1]) if ids.size else last
    if isinstance(out, np.memmap):
        out.flush()


def _memmap(path: Path, dtype: type[np.generic], shape: tuple[int, ...]) -> np.memmap:
    array: np.memmap = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
    return array


def _ranker(
    config: SparkALSConfig,
    user_factors: npt.NDArray[np.float32],
    item_factors: npt.NDArray[np.float32],
    item_count: npt.NDArray[np.int64],
) -> SparkALS:
    model = SparkALS(config)
    model.set_state(
        {"user_factors": user_factors, "item_factors": item_factors, "item_count": item_count}
    )
    model.mark_loaded(user_factors.shape[0], item_factors.shape[0])
    return model


def _popularity(
    item_count: npt.NDArray[np.int64], item_sum: npt.NDArray[np.float64], mu: float, n_users: int
) -> BayesianPopularity:
    model = BayesianPopularity()
    model.set_state(
        {
            "mu": np.asarray(mu, dtype=np.float64),
            "item_score": bayesian_average(item_count, item_sum, mu, model.config.c0),
            "item_count": item_count,
        }
    )
    model.mark_loaded(n_users, item_count.size)
    return model


def _content(
    catalog: pd.DataFrame, items: Vocabulary, n_users: int, item_count: npt.NDArray[np.int64]
) -> ContentTfidf:
    """TF-IDF item vectors over the catalog; no per-user profiles (serving's "similar" and
    fold-in use the item vectors only, and profiles of every dataset user are ratings-sized)."""
    nobody = sp.csr_matrix((n_users, len(items)), dtype=np.float32)
    model = ContentTfidf().fit(nobody, item_text=item_documents(catalog, items))
    model.set_state({**model.get_state(), "item_count": item_count})
    return model


def _info(
    spark: Any,
    options: SparkOptions,
    config: SparkALSConfig,
    data_dir: Path,
    layout: str,
    fit_seconds: float | None,
) -> dict[str, Any]:
    context = spark.sparkContext
    return {
        "ranker": "spark-als",
        "engine": "spark",
        "spark_version": spark.version,
        "master": context.master,
        "default_parallelism": context.defaultParallelism,
        "app_id": context.applicationId,
        "als": config.model_dump(mode="json"),
        "checkpoint_dir": options.checkpoint_dir,
        "dataset": Path(data_dir).resolve().name,
        "layout": layout,
        "fit_seconds": None if fit_seconds is None else round(fit_seconds, 2),
    }
