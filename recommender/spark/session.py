"""One SparkSession per run: built from typed options, quiet, logged, always stopped.

``spark_session(options)`` starts (or, in a driver that already has one, such as a test
session, reuses) the session, says in one log line what runs where, and stops a session it
started on exit.  Spark's console noise stays out of our output: log level WARN through a
log4j2 file shipped beside this module, no progress bars, no web UI unless asked for.

Java is checked before Spark tries to start (its launcher only says "Java gateway process
exited"): a missing or too old ``java`` is one line, exit status 2.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from recommender.spark import SparkUnavailableError, require_pyspark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "MIN_JAVA",
    "SparkOptions",
    "checkpoints",
    "java_version",
    "quiet_failures",
    "require_java",
    "spark_session",
]

log = logging.getLogger("moviebot.spark")

MIN_JAVA = 17
LOCAL_PARTITIONS_PER_CORE = 4
LOG4J_FILE = Path(__file__).with_name("log4j2.properties")
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


class SparkOptions(BaseModel):
    """Where and how Spark runs (the ALS hyper-parameters are ``SparkALSConfig``'s)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    master: str = Field(
        "local[2]", description="local[N], spark://host:7077, yarn or k8s://https://host:443."
    )
    app_name: str = "moviebot-train"
    driver_memory: str | None = Field(
        None, description="spark.driver.memory, e.g. '4g' (local mode: the whole engine)."
    )
    shuffle_partitions: int | None = Field(
        None,
        ge=1,
        description="spark.sql.shuffle.partitions; default 4 per core on a local master, "
        "Spark's own (200) on a cluster.",
    )
    checkpoint_dir: str | None = Field(
        None,
        description="SparkContext checkpoint folder (a path every executor can write, e.g. on "
        "HDFS); ALS truncates its lineage there every checkpoint_interval iterations.  None: "
        "a temporary folder, made and deleted for each fit (``checkpoints``).",
    )
    ui: bool = Field(False, description="Start Spark's web UI (port 4040).")
    conf: dict[str, str] = Field(
        default_factory=dict, description="Any other Spark settings, KEY=VALUE as given."
    )

    def spark_conf(self) -> dict[str, str]:
        """Every setting the session is built with; ``conf`` overrides the derived ones."""
        java_options = f"-Dlog4j2.configurationFile={LOG4J_FILE.as_uri()}"
        settings = {
            "spark.ui.enabled": str(self.ui).lower(),
            "spark.ui.showConsoleProgress": "false",
            "spark.driver.extraJavaOptions": java_options,
            "spark.executor.extraJavaOptions": java_options,
            # the export streams Spark's parquet output with pyarrow
            "spark.sql.execution.arrow.pyspark.enabled": "true",
        }
        if self.driver_memory:
            settings["spark.driver.memory"] = self.driver_memory
        partitions = self.shuffle_partitions or _local_partitions(self.master)
        if partitions:
            settings["spark.sql.shuffle.partitions"] = str(partitions)
        return {**settings, **self.conf}


def _local_partitions(master: str) -> int | None:
    """Shuffle partitions for a local master: a few per core.  Spark's default of 200 makes
    every shuffle of a laptop-sized job schedule 200 tiny tasks (ML-100K: 100 s -> 30 s)."""
    found = re.fullmatch(r"local(?:\[(\d+|\*)(?:,\d+)?\])?", master)
    if not found:
        return None  # a cluster: Spark's default, or what --spark-conf says
    cores = found.group(1)
    n = (os.cpu_count() or 1) if cores == "*" else int(cores or 1)
    return LOCAL_PARTITIONS_PER_CORE * n


def java_version(java: str) -> int | None:
    """The major version ``java -version`` reports (1.8 -> 8), None if it cannot say."""
    try:
        done = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = _VERSION.search(done.stderr + done.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def require_java() -> None:
    """Raise SparkUnavailableError unless the java Spark will launch (``$JAVA_HOME/bin/java``,
    else ``java`` on PATH, as spark-submit chooses) is Java 17 or newer."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        where = f"JAVA_HOME={home} has no bin/java" if home else "no java on PATH"
        raise SparkUnavailableError(
            f"the Spark engine needs Java {MIN_JAVA}+ ({where}); install a JDK, e.g. "
            "`apt-get install openjdk-17-jre-headless`, or set JAVA_HOME"
        )
    version = java_version(java)
    if version is None or version < MIN_JAVA:
        found = f"Java {version}" if version else "a java whose version is unreadable"
        raise SparkUnavailableError(
            f"the Spark engine needs Java {MIN_JAVA}+, {java} is {found}; install a newer JDK "
            "or point JAVA_HOME at one"
        )


@contextmanager
def spark_session(options: SparkOptions | None = None) -> Iterator[SparkSession]:
    """A SparkSession for ``options``; stopped on exit if this call started it.

    An active session in this process (a notebook's, a test fixture's) is reused as it is,
    since Spark allows one SparkContext per driver.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    options = options or SparkOptions()
    active = SparkSession.getActiveSession()
    if active is not None:
        _configure(active)
        log.info(
            "spark: reusing this process's session (master %s, app %s)",
            active.sparkContext.master,
            active.sparkContext.applicationId,
        )
        yield active
        return
    require_java()
    if options.master.startswith("local"):
        # a local driver talks to itself only: bind to loopback (and skip Spark's warning
        # that the hostname resolves to one)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # one INFO line per connection
    builder = SparkSession.builder.master(options.master).appName(options.app_name)
    for key, value in options.spark_conf().items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as error:  # the launcher's errors have no narrower common type
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SparkUnavailableError(
            f"Spark did not start on master {options.master}: {first}"
        ) from None
    try:
        _configure(spark)
        context = spark.sparkContext
        log.info(
            "spark: master %s, Spark %s, default parallelism %d, app %s",
            context.master,
            spark.version,
            context.defaultParallelism,
            context.applicationId,
        )
        yield spark
    finally:
        spark.stop()


@contextmanager
def checkpoints(
    spark: SparkSession, options: SparkOptions, near: Path | None = None
) -> Iterator[str]:
    """A checkpoint folder set on ``spark`` for one fit; yields its path.

    Spark ignores ALS's checkpointInterval without one, and the lineage that then grows with
    every sweep ends in a StackOverflowError after a few dozen iterations.  ``options``'s
    folder if it names one; else a temporary folder, deleted afterwards: under the system's
    temp on a local master, under ``near`` (a folder every executor sees, such as the model
    folder) on a cluster.
    """
    if options.checkpoint_dir:
        spark.sparkContext.setCheckpointDir(options.checkpoint_dir)
        yield options.checkpoint_dir
        return
    local = _local_partitions(spark.sparkContext.master or "local") is not None
    with tempfile.TemporaryDirectory(
        prefix=".spark-checkpoints-", dir=None if local or near is None else near
    ) as folder:
        # set for every fit: a session reused from an earlier fit may point at a deleted folder
        spark.sparkContext.setCheckpointDir(folder)
        log.debug("spark: checkpoints in %s", folder)
        yield folder


@contextmanager
def quiet_failures(spark: SparkSession) -> Iterator[None]:
    """Spark's own log silent for one action whose failure we report as one line (a
    malformed file): otherwise a local executor prints the task's stack trace first."""
    context = spark.sparkContext
    context.setLogLevel("OFF")
    try:
        yield
    finally:
        context.setLogLevel("WARN")


def _configure(spark: SparkSession) -> None:
    # the checkpoint folder is set per fit, by ``checkpoints``
    spark.sparkContext.setLogLevel("WARN")
