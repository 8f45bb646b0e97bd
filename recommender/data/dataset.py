"""The in-memory dataset: ratings with raw ids plus the movie catalog."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.data.vocabulary import Vocabulary

__all__ = ["RATING_COLUMNS", "Dataset", "Layout", "interactions"]

Layout = Literal["ml-100k", "csv"]

#: Columns of ``Dataset.ratings``: raw ids, the star rating, and a Unix timestamp.
RATING_COLUMNS = ("user", "item", "rating", "timestamp")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Ratings and catalog of one MovieLens release.

    ``ratings`` has columns ``user``, ``item`` (raw ids, int64), ``rating`` (float32) and
    ``timestamp`` (int64), in file order, one row per (user, item).
    ``movies`` has one row per movie id, with columns

    * ``movie_id`` (int64), ``title`` (str, with the year as the release spells it),
      ``year`` (nullable Int64), ``genres`` (tuple of genre names);
    * ``tags``: every user tag use, lower-cased and space-joined ("" where none) -- the
      content model's text, where repeats weigh;
    * ``tag_list``: the distinct tags as a tuple, most used first (ties alphabetical), ``()``
      where none -- what a film card shows and keyword filters match;
    * ``imdb_id``: "tt0114709" or None (CSV layout: links.csv; ML-100K: only where u.item's
      URL holds an id, which in the GroupLens release it never does);
    * ``tmdb_id``: nullable Int64 from links.csv (always missing for ML-100K).

    Rated items absent from the catalog get a placeholder row ("Movie <id>", no metadata).
    ``genres`` lists the catalog's genre names in their canonical spelling.
    """

    ratings: pd.DataFrame
    movies: pd.DataFrame
    genres: tuple[str, ...]
    layout: Layout
    path: Path
    fingerprint: str

    @property
    def name(self) -> str:
        return self.path.name


def interactions(ratings: pd.DataFrame, users: Vocabulary, items: Vocabulary) -> sp.csr_matrix:
    """The users x items CSR of ``ratings`` (float32); rows with unknown ids are dropped."""
    u = users.index(ratings["user"].to_numpy())
    i = items.index(ratings["item"].to_numpy())
    known = (u >= 0) & (i >= 0)
    values = ratings["rating"].to_numpy(dtype=np.float32)[known]
    matrix = sp.csr_matrix(
        (values, (u[known], i[known])), shape=(len(users), len(items)), dtype=np.float32
    )
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix
