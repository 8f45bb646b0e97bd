"""Answers from trained models: personal top-N, similar movies, popular movies.

Pure functions of a loaded ``TrainedModels``; the chat tools and the CLI both call these.
Every answer is a list of ``Recommendation`` with the movie's metadata, the score it was ranked
by, a predicted star rating where the MF model can give one, and a short reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from recommender.artifacts import TrainedModels
from recommender.errors import ConfigError, ModelError
from recommender.metrics import top_k

__all__ = ["MovieRecommender", "Recommendation"]

#: Below this many ratings an item's CF similarity is noise, so "similar" uses content only.
MIN_RATINGS_FOR_CF = 5
#: CF's share of "similar" is n / (n + this) for an item with n ratings; 200 keeps genre and
#: tag similarity in play for popular films (at 50, Toy Story's nearest was Raiders of the
#: Lost Ark; at 1,000, CF barely counts) — judged by eye on ML-100K's best-known titles.
SIMILAR_CF_SHRINK = 200.0
#: "popular" lists only movies with at least this many ratings.
MIN_RATINGS_FOR_POPULAR = 10


@dataclass(frozen=True)
class Recommendation:
    movie_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    score: float
    predicted_rating: float | None
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "movie_id": self.movie_id,
            "title": self.title,
            "year": self.year,
            "genres": list(self.genres),
            "score": round(self.score, 6),
            "predicted_rating": None
            if self.predicted_rating is None
            else round(self.predicted_rating, 3),
            "reason": self.reason,
        }


class MovieRecommender:
    """Serving-side view of trained models, with the catalog aligned to item indices."""

    def __init__(self, trained: TrainedModels) -> None:
        self.trained = trained
        by_id = trained.catalog.drop_duplicates("movie_id").set_index("movie_id")
        aligned = by_id.reindex(trained.items.ids)
        self.titles: list[str] = [
            str(t) if isinstance(t, str) else f"Movie {m}"
            for m, t in zip(trained.items.ids, aligned["title"], strict=True)
        ]
        self.years: list[int | None] = [None if pd.isna(y) else int(y) for y in aligned["year"]]
        self.item_genres: list[tuple[str, ...]] = [
            g if isinstance(g, tuple) else () for g in aligned["genres"]
        ]
        self.genres = trained.genres
        genre_index = {g.lower(): j for j, g in enumerate(self.genres)}
        self.genre_matrix = np.zeros((len(self.titles), len(self.genres)), dtype=bool)
        for i, names in enumerate(self.item_genres):
            for name in names:
                if name.lower() in genre_index:
                    self.genre_matrix[i, genre_index[name.lower()]] = True
        self.rating_counts = np.diff(trained.seen.tocsc().indptr)
        self.rating_sums = np.asarray(trained.seen.sum(axis=0)).ravel()
        copies: dict[str, list[int]] = {}
        for index, title in enumerate(self.titles):
            copies.setdefault(title, []).append(index)
        self._copies = {title: ids for title, ids in copies.items() if len(ids) > 1}
        self.ranker = str(trained.info.get("ranker", "popularity"))

    # ------------------------------------------------------------------ lookups

    def genre_name(self, genre: str | None) -> str | None:
        """The catalog's spelling of ``genre`` (case-insensitive); ConfigError if unknown."""
        if genre is None:
            return None
        for name in self.genres:
            if name.lower() == genre.lower():
                return name
        raise ConfigError(f"unknown genre {genre!r}; choose from {', '.join(self.genres)}")

    # ------------------------------------------------------------------ answers

    def for_user(self, user_id: int, k: int = 10, genre: str | None = None) -> list[Recommendation]:
        """Personal top-k for a dataset user id, from the ranking model; rated items excluded."""
        user = int(self.trained.users.index([user_id])[0])
        if user < 0:
            raise ConfigError(f"unknown user {user_id}: not in the training data")
        ranker = self.trained[self.ranker]
        scores = ranker.score(np.array([user]))[0]
        seen = self.trained.seen[user].indices
        scores[seen] = -np.inf
        items = self._top(scores, k, genre)
        liked = seen[self.trained.seen[user].data >= 4.0]
        reasons = [self._because(int(i), liked) for i in items]
        return self._results(items, scores[items], user, reasons)

    def for_ratings(
        self, ratings: Mapping[int, float], k: int = 10, genre: str | None = None
    ) -> list[Recommendation]:
        """Personal top-k for someone outside the training data (a chat user) from their
        ratings {movie id: stars}, folded into the ranking model without retraining."""
        known = {int(m): float(r) for m, r in ratings.items() if self.item_index(int(m)) >= 0}
        if not known:
            raise ConfigError("no rated movie is in the catalog")
        items = np.array([self.item_index(m) for m in known], dtype=np.int64)
        stars = np.array(list(known.values()), dtype=np.float32)
        row = sp.csr_matrix(
            (stars, (np.zeros(items.size, dtype=np.int64), items)), shape=(1, len(self.titles))
        )
        scores = self.trained[self.ranker].score_new_users(row)[0]
        scores[items] = -np.inf
        top = self._top(scores, k, genre)
        liked = items[stars >= 4.0]
        reasons = [self._because(int(i), liked) for i in top]
        return self._results(top, scores[top], -1, reasons, new_user=row)

    def item_index(self, movie_id: int) -> int:
        """The item index of a movie id, or -1."""
        return int(self.trained.items.index([movie_id])[0])

    def similar(self, movie_id: int, k: int = 10, genre: str | None = None) -> list[Recommendation]:
        """Movies like ``movie_id``: content similarity blended with item-item CF similarity.

        The blend weights CF by how much rating evidence the item has; an item with fewer than
        ``MIN_RATINGS_FOR_CF`` ratings is matched by content alone (cold start).
        """
        item = self.item_index(movie_id)
        if item < 0:
            raise ConfigError(f"unknown movie id {movie_id}")
        scores = self._similarity(item)
        scores[item] = -np.inf
        # MovieLens lists a few films twice under two ids: never offer a film as its own match
        scores[self._copies.get(self.titles[item], [])] = -np.inf
        items = self._top(scores, k, genre)
        shared = set(self.item_genres[item])
        reasons = []
        for i in items:
            common = [g for g in self.item_genres[int(i)] if g in shared]
            reasons.append(f"shares {', '.join(common)}" if common else f"like {self.titles[item]}")
        return self._results(items, scores[items], -1, reasons)

    def popular(self, k: int = 10, genre: str | None = None) -> list[Recommendation]:
        """Bayesian-average ranking (C0 = 20), among movies with enough ratings."""
        model = self.trained["popularity"]
        scores = model.score(np.array([-1]))[0]
        # Enough ratings to trust an average; on small data, whatever has ratings at all.
        enough = self.rating_counts >= MIN_RATINGS_FOR_POPULAR
        if np.count_nonzero(enough) < k:
            enough = self.rating_counts > 0
        scores[~enough] = -np.inf
        items = self._top(scores, k, genre)
        reasons = [
            f"{self.rating_sums[i] / self.rating_counts[i]:.1f} avg from {self.rating_counts[i]} ratings"
            for i in items
        ]
        return self._results(items, scores[items], -1, reasons)

    # ------------------------------------------------------------------ helpers

    def _similarity(self, item: int) -> npt.NDArray[np.float32]:
        content = self.trained["content"]
        content_sim = (content.item_vectors @ content.item_vectors[item].T).toarray().ravel()  # type: ignore[attr-defined]
        n = int(self.rating_counts[item])
        if n < MIN_RATINGS_FOR_CF or "item-knn" not in self.trained.models:
            return content_sim.astype(np.float32)
        knn = self.trained["item-knn"]
        neighbours, sims = knn.similar_items(item, knn.config.max_neighbors)  # type: ignore[attr-defined]
        cf_sim = np.zeros(len(self.titles), dtype=np.float32)
        cf_sim[neighbours] = sims
        weight = n / (n + SIMILAR_CF_SHRINK)  # trust CF more as rating evidence grows
        return (weight * cf_sim + (1.0 - weight) * content_sim).astype(np.float32)

    def _top(
        self, scores: npt.NDArray[np.float32], k: int, genre: str | None
    ) -> npt.NDArray[np.int64]:
        if k < 1:
            raise ConfigError("k must be at least 1")
        name = self.genre_name(genre)
        if name is not None:
            scores[~self.genre_matrix[:, self.genres.index(name)]] = -np.inf
        items = top_k(scores[None, :], k)[0]
        return items[np.isfinite(scores[items])]

    def _because(self, item: int, liked: npt.NDArray[np.integer]) -> str:
        if liked.size == 0 or "item-knn" not in self.trained.models:
            return f"ranked for you by {self.ranker}"
        knn = self.trained["item-knn"]
        neighbours, _ = knn.similar_items(item, knn.config.max_neighbors)  # type: ignore[attr-defined]
        overlap = np.isin(neighbours, liked)
        if not overlap.any():
            return f"ranked for you by {self.ranker}"
        return f"because you liked {self.titles[int(neighbours[overlap][0])]}"

    def _results(
        self,
        items: npt.NDArray[np.int64],
        scores: npt.NDArray[np.float32],
        user: int,
        reasons: list[str],
        new_user: sp.csr_matrix | None = None,
    ) -> list[Recommendation]:
        """Package results; the MF model's predicted stars come from the dataset user, from
        ``new_user``'s ratings folded in, or (nobody) from the item's bias."""
        predicted: list[float | None] = [None] * len(items)
        mf = self.trained.models.get("mf-sgd")
        if mf is not None and len(items):
            try:
                if new_user is not None:
                    values = np.clip(mf.score_new_users(new_user)[0][items], 1.0, 5.0)
                else:
                    values = mf.predict(np.full(len(items), user), items)
                predicted = [float(v) for v in values]
            except ModelError:
                pass
        return [
            Recommendation(
                movie_id=int(self.trained.items.ids[i]),
                title=self.titles[i],
                year=self.years[i],
                genres=self.item_genres[i],
                score=float(s),
                predicted_rating=p,
                reason=r,
            )
            for i, s, p, r in zip(items, scores, predicted, reasons, strict=True)
        ]
