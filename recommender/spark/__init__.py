"""The Spark engine: train the ranking model with Spark MLlib's ALS, serve it unchanged.

``moviebot train --engine spark`` reads the ratings with Spark's own CSV reader
(:mod:`recommender.spark.ratings`), fits ``pyspark.ml.recommendation.ALS`` with implicit
preferences weighted as our iALS weights them (:mod:`recommender.spark.train`) and writes the
same model directory every other model uses, so chat, ``recommend``, fold-in and ``similar``
serve it through :class:`recommender.models.spark_als.SparkALS`.

pyspark is an optional extra and needs a JVM (Java 17+); :func:`require_pyspark` says in one
line how to get it, before any work.
"""

from __future__ import annotations

import importlib.util
import warnings

from recommender.errors import ConfigError

__all__ = ["INSTALL_HINT", "SparkUnavailableError", "require_pyspark"]

INSTALL_HINT = (
    "the Spark engine needs the spark extra: `uv sync --extra spark` "
    "(or `pip install 'moviebot[spark]'`) and Java 17+"
)

# pyspark 4.x warns at every session that pandas 3 is "not yet fully supported"; the engine
# moves data through Arrow and parquet, not pandas conversions.
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)


class SparkUnavailableError(ConfigError):
    """pyspark is not installed, or no usable Java runs it (one line, exit status 2)."""


def require_pyspark() -> None:
    """Raise SparkUnavailableError unless pyspark (and pyarrow, which the export streams
    with) can be imported."""
    for module in ("pyspark", "pyarrow"):
        try:
            # find_spec is None when absent; ImportError / ValueError when sys.modules holds
            # None (how tests hide an installed package)
            found = importlib.util.find_spec(module) is not None
            if found:
                importlib.import_module(module)
        except (ImportError, ValueError):
            found = False
        if not found:
            raise SparkUnavailableError(INSTALL_HINT)
