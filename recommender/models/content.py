"""Content-based TF-IDF: items described by genres, title words and user tags.

The cold-start model from the seed (§6.1): it needs no ratings of an item, only its text, so it
ranks brand-new movies and answers "more like <title>" for anything in the catalog.  A user is
the mean TF-IDF vector of the items they liked (rated at or above their own mean); items are
scored by cosine similarity to that profile.  All vectors are L2-normalised sparse rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from pydantic import Field

from recommender.data.vocabulary import Vocabulary
from recommender.models._interactions import csr_from_state, csr_state
from recommender.models._similarity import unit_rows
from recommender.models.base import IndexArray, ModelConfig, ProgressFn, Recommender, State

__all__ = ["ContentTfidf", "ContentTfidfConfig", "item_documents", "tfidf_vectors"]

_YEAR_SUFFIX = re.compile(r"\s*\(\d{4}\)\s*$")
#: A term: two or more word characters (scikit-learn's default token pattern).
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def genre_token(genre: str) -> str:
    """One token per genre, so "Sci-Fi" or "Film-Noir" are not split into words."""
    return "genre_" + re.sub(r"[^a-z0-9]+", "_", genre.lower()).strip("_")


def item_documents(movies: pd.DataFrame, items: Vocabulary) -> list[str]:
    """One document per item index: genre tokens, title words (no year) and tags ("" for an
    item the catalog lacks)."""
    documents = {
        int(movie_id): " ".join(
            [
                " ".join(genre_token(g) for g in genres),
                _YEAR_SUFFIX.sub("", str(title)),
                str(tags),
            ]
        )
        for movie_id, title, genres, tags in movies[
            ["movie_id", "title", "genres", "tags"]
        ].itertuples(index=False)
    }
    return [documents.get(int(movie_id), "") for movie_id in items.ids]


def tfidf_vectors(
    documents: Sequence[str], min_df: int, max_features: int, sublinear_tf: bool
) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows, one per document (float32), as scikit-learn's
    ``TfidfVectorizer`` computes them with its defaults (lower-cased words of two or more
    characters, smooth idf = ln((1 + n) / (1 + df)) + 1, columns in sorted term order), without
    importing scikit-learn (over a second at every first run).

    Terms in fewer than ``min_df`` documents are dropped; of the rest, the ``max_features``
    most frequent in the corpus are kept (ties: the earlier term in sorted order).
    """
    tokens = [_TOKEN.findall(doc.lower()) for doc in documents]
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    flat = np.array([token for doc in tokens for token in doc], dtype=str)
    terms, term_of = np.unique(flat, return_inverse=True)
    rows = np.repeat(np.arange(len(documents)), lengths)
    counts = sp.csr_matrix(
        (np.ones(flat.size, dtype=np.float64), (rows, term_of.reshape(-1))),
        shape=(len(documents), terms.size),
    )
    counts.sum_duplicates()
    document_frequency = np.bincount(counts.indices, minlength=terms.size)
    keep = np.flatnonzero(document_frequency >= min_df)
    if keep.size > max_features:
        frequency = np.asarray(counts.sum(axis=0)).ravel()[keep]
        keep = np.sort(keep[np.argsort(-frequency, kind="stable")[:max_features]])
    counts = sp.csr_matrix(counts[:, keep])
    if sublinear_tf:
        counts.data = 1.0 + np.log(counts.data)
    idf = np.log((1.0 + len(documents)) / (1.0 + document_frequency[keep])) + 1.0
    return unit_rows(counts @ sp.diags(idf), np.float32)


class ContentTfidfConfig(ModelConfig):
    min_df: int = Field(1, ge=1, description="Ignore terms in fewer items than this.")
    max_features: int = Field(50_000, ge=10, description="Keep at most this many terms.")
    sublinear_tf: bool = Field(True, description="Use 1 + log(tf) (tags repeat a lot).")


class ContentTfidf(Recommender):
    """Ranks items by cosine similarity between their TF-IDF text and the user's liked items."""

    name = "content"
    config_type = ContentTfidfConfig
    predicts_ratings = False
    needs_item_text = True
    config: ContentTfidfConfig

    def __init__(self, config: ContentTfidfConfig | None = None) -> None:
        super().__init__(config)
        self.item_vectors = sp.csr_matrix((0, 0), dtype=np.float32)
        self.user_profiles = sp.csr_matrix((0, 0), dtype=np.float32)
        self.item_count = np.zeros(0, dtype=np.int64)
        self._docs: Sequence[str] = ()

    def _set_item_text(self, item_text: Sequence[str]) -> None:
        self._docs = item_text

    def _fit(self, train: sp.csr_matrix, progress: ProgressFn | None) -> None:
        cfg = self.config
        docs = [doc if doc.strip() else "_empty_" for doc in self._docs]
        self.item_vectors = tfidf_vectors(docs, cfg.min_df, cfg.max_features, cfg.sublinear_tf)
        self._docs = ()
        self.user_profiles = self.profiles(train)
        self.item_count = np.bincount(train.indices, minlength=self.n_items).astype(np.int64)

    def profiles(self, ratings: sp.csr_matrix) -> sp.csr_matrix:
        """L2-normalised mean vector of each row's liked items (rating >= that row's mean)."""
        counts = np.diff(ratings.indptr)
        sums = np.asarray(ratings.sum(axis=1)).ravel()
        means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
        liked = ratings.copy()
        liked.data = (ratings.data >= np.repeat(means, counts)).astype(np.float32)
        liked.eliminate_zeros()
        return unit_rows(liked @ self.item_vectors, np.float32)

    def similar_items(self, item: int, n: int) -> tuple[IndexArray, npt.NDArray[np.float32]]:
        """The ``n`` items with the most similar text to ``item`` (itself excluded)."""
        sims = (self.item_vectors @ self.item_vectors[item].T).toarray().ravel()
        sims[item] = -np.inf
        order = np.argsort(-sims, kind="stable")[:n]
        return order.astype(np.int64), sims[order].astype(np.float32)

    def _score(self, users: IndexArray) -> npt.NDArray[np.floating]:
        known = users >= 0
        scores = np.zeros((users.size, self.n_items), dtype=np.float32)
        if known.any():
            block = self.user_profiles[users[known]] @ self.item_vectors.T
            scores[known] = block.toarray()
        if not known.all():
            scores[~known] = np.log1p(self.item_count).astype(np.float32)  # no profile: popularity
        return scores

    def _score_new(self, ratings: sp.csr_matrix) -> npt.NDArray[np.float32]:
        return np.asarray((self.profiles(ratings) @ self.item_vectors.T).toarray(), np.float32)

    def get_state(self) -> State:
        return {
            "item_count": self.item_count,
            **csr_state("item", self.item_vectors),
            **csr_state("user", self.user_profiles),
        }

    def set_state(self, state: Mapping[str, npt.NDArray[np.generic]]) -> None:
        self.item_vectors = csr_from_state("item", state)
        self.user_profiles = csr_from_state("user", state)
        self.item_count = np.asarray(state["item_count"], dtype=np.int64)
