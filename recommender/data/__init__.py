"""MovieLens data: loading both layouts, the id vocabulary, and the in-memory dataset."""

from recommender.data.dataset import Dataset, interactions
from recommender.data.movielens import (
    MOVIE_COLUMNS,
    dataset_fingerprint,
    detect_layout,
    load_dataset,
)
from recommender.data.vocabulary import Vocabulary

__all__ = [
    "MOVIE_COLUMNS",
    "Dataset",
    "Vocabulary",
    "dataset_fingerprint",
    "detect_layout",
    "interactions",
    "load_dataset",
]
