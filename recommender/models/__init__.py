"""Model registry: name -> class, imported lazily so the CLI starts fast.

Each model lives in its own module behind ``recommender.models.base.Recommender``.
"""

from __future__ import annotations

import importlib

from recommender.errors import ConfigError
from recommender.models.base import ModelConfig, Recommender

__all__ = ["MODEL_NAMES", "ModelConfig", "Recommender", "get_model_class", "make_model"]

_REGISTRY: dict[str, str] = {
    "global-mean": "recommender.models.mean:GlobalMean",
    "popularity": "recommender.models.popularity:BayesianPopularity",
    "popularity-count": "recommender.models.popularity:CountPopularity",
    "user-knn": "recommender.models.knn:UserKNN",
    "item-knn": "recommender.models.knn:ItemKNN",
    "mf-sgd": "recommender.models.mf_sgd:MatrixFactorization",
    "ease": "recommender.models.ease:EASE",
    "ials": "recommender.models.ials:ImplicitALS",
    "rp3beta": "recommender.models.rp3beta:RP3Beta",
    "ease-rp3": "recommender.models.blend:EaseRP3Blend",
    "content": "recommender.models.content:ContentTfidf",
}

#: The default evaluation list and the model contract tests: every registered model except
#: those needing an optional extra (spark-als: pyspark and a JVM; ask for it by name).
MODEL_NAMES: tuple[str, ...] = tuple(_REGISTRY)
_REGISTRY["spark-als"] = "recommender.models.spark_als:SparkALS"


def get_model_class(name: str) -> type[Recommender]:
    """The class registered under ``name``; ConfigError lists the valid names."""
    try:
        module_name, class_name = _REGISTRY[name].split(":")
    except KeyError:
        raise ConfigError(f"unknown model {name!r}; choose from {', '.join(_REGISTRY)}") from None
    cls: type[Recommender] = getattr(importlib.import_module(module_name), class_name)
    return cls


def make_model(name: str, **params: object) -> Recommender:
    """A new, unfitted model with ``params`` validated by its config type."""
    cls = get_model_class(name)
    try:
        config = cls.config_type(**params)
    except ValueError as error:  # pydantic.ValidationError is a ValueError
        raise ConfigError(f"{name}: {error}") from None
    return cls(config)
