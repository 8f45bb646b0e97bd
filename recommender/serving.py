"""Answers from trained models: personal top-k, similar movies, popular movies.

Implicit-style calls on a loaded ``TrainedModels`` (the chat tools and the CLI both use them):

* ``recommend(user, k)`` — personal picks for a dataset user id, or for a person outside the
  data from their ratings ``{movie id: stars}`` folded into the ranking model (no retraining);
* ``similar_items(movie_id, k)`` — content similarity blended with item-item CF (item-kNN, or
  where a directory has none, e.g. a Spark-trained one, the ranker's own item similarity);
* ``popular(k)`` — the Bayesian-average ranking among films with enough ratings.

Each takes ``exclude`` (movie ids never to return) and ``filter`` (an ``ItemFilter``), both
applied BEFORE the top k by the one masking step (``recommender.metrics.masked_top_k``), so k
films come back whenever k pass; the ``ItemList`` says how many passed (``available``) and how
many films of the catalog match the filter at all (``matched``).  Lists never show two copies
of a film the catalog lists twice: only canonical copies are candidates (``Catalog.canonical``).

``MovieRecommender.results`` turns an ItemList into ``Recommendation`` rows (the catalog's
metadata, the score, predicted stars, the reason) — the one place that happens.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from recommender.artifacts import TrainedModels
from recommender.catalog import Catalog, ItemFilter
from recommender.errors import ConfigError, ModelError
from recommender.metrics import masked_top_k

__all__ = ["ItemList", "MovieRecommender", "Recommendation"]

#: Below this many ratings an item's CF similarity is noise, so "similar" uses content only.
MIN_RATINGS_FOR_CF = 5
#: CF's share of "similar" is n / (n + this) for an item with n ratings; 200 keeps genre and
#: tag similarity in play for popular films (at 50, Toy Story's nearest was Raiders of the
#: Lost Ark; at 1,000, CF barely counts) — judged by eye on ML-100K's best-known titles.
SIMILAR_CF_SHRINK = 200.0
#: "popular" lists only movies with at least this many ratings (while k such films pass).
MIN_RATINGS_FOR_POPULAR = 10
#: A rating at or above this is a "liked" film a personal pick can be explained by.
LIKED_STARS = 4.0
#: Neighbours asked of a ranker's own ``similar_items`` when there is no item-kNN model (as
#: many as item-kNN keeps by default).
CF_NEIGHBOURS = 400
#: How hard "not for me" films push their likes down: their fold-in scores, scaled to the
#: person's own, are subtracted at this weight.  Weak on purpose: one dismissed film should
#: not empty a genre.  (A low star rating cannot say this: the implicit rankers read any
#: rating as "watched it", so a 1-star fold-in still raises similar films.)
DISLIKE_WEIGHT = 0.3

#: Builds the reasons of a call's picks (item indices, best first).
_Reasons = Callable[[npt.NDArray[np.int64]], list[str]]


class Recommendation(BaseModel):
    """One recommended movie and why (the tools show it as ``tools.results.MovieResult``)."""

    model_config = ConfigDict(frozen=True)

    movie_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    score: float = Field(description="The score the call ranked by (higher is better).")
    predicted_rating: float | None = Field(
        None, description="The rating model's predicted stars for this person, where it has one."
    )
    reason: str = Field(description="A short why, from the call's own signals.")


@dataclass(frozen=True)
class ItemList:
    """A ranked answer, LensKit-style: indices, ids and scores travel together, best first.

    ``reasons`` and ``predicted`` (the MF model's stars, NaN where it has none) are aligned
    with them.  ``available`` counts the items that passed the filter, ``exclude`` and the
    call's own rules (not rated by the person, not the film itself, enough ratings to be
    "popular"), so fewer than k came back exactly when ``available < k``; ``matched`` counts
    the catalog's films matching the filter at all ("only 3 westerns before 1940 here").
    """

    indices: npt.NDArray[np.int64]
    ids: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float32]
    available: int
    matched: int
    reasons: tuple[str, ...]
    predicted: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.indices.size)


@dataclass(frozen=True)
class _Candidates:
    """Which items a call may return, and how many catalog films match its filter."""

    keep: npt.NDArray[np.bool_]
    matched: int


class MovieRecommender:
    """Serving-side view of trained models; ``catalog`` is built once, here."""

    def __init__(self, trained: TrainedModels) -> None:
        self.trained = trained
        self.catalog = Catalog.build(trained.catalog, trained.genres, trained.items, trained.seen)
        self.ranker = str(trained.info.get("ranker", "popularity"))
        self._canonical = self.catalog.canonical_indices == np.arange(len(self.catalog))

    # ------------------------------------------------------------------ answers

    def recommend(
        self,
        user: int | Mapping[int, float],
        k: int = 10,
        *,
        exclude: Collection[int] = (),
        filter: ItemFilter | None = None,
        dislikes: Collection[int] = (),
    ) -> ItemList:
        """Personal top-k from the ranking model, for a dataset user id or for someone outside
        the data from their ratings {movie id: stars} (folded in, no retraining).  Rated films
        (and their copies) are never returned; ratings of films the catalog lacks are ignored.

        ``dislikes`` (movie ids the person called "not for me", unrated) is a weak negative
        signal: those films are excluded and films like them ranked lower (DISLIKE_WEIGHT).
        """
        exclude = {*exclude, *dislikes}
        if isinstance(user, Mapping):
            return self._for_ratings(user, k, exclude, filter, dislikes)
        index = int(self.trained.users.index([int(user)])[0])
        if index < 0:
            raise ConfigError(f"unknown user {user}: not in the training data")
        ranker = self.trained[self.ranker]
        scores = self._pushed_down(ranker.score(np.array([index]))[0], dislikes)
        row = self.trained.seen[index]
        candidates = self._candidates(filter, exclude, row.indices)
        liked = row.indices[row.data >= LIKED_STARS]
        return self._ranked(
            scores, k, candidates, lambda top: self._because(top, liked), user=index
        )

    def similar_items(
        self,
        movie_id: int,
        k: int = 10,
        *,
        exclude: Collection[int] = (),
        filter: ItemFilter | None = None,
    ) -> ItemList:
        """Movies like ``movie_id``: content similarity blended with item-item CF similarity.

        The blend weights CF by how much rating evidence the item has; an item with fewer than
        ``MIN_RATINGS_FOR_CF`` ratings is matched by content alone (cold start).  The film
        itself (and any copy of it) is never its own match.
        """
        item = self.catalog.index_of(movie_id)
        if item < 0:
            raise ConfigError(f"unknown movie id {movie_id}")
        scores = self._similarity(item)
        candidates = self._candidates(filter, exclude, np.array([item]))
        shared = set(self.catalog.movie(item).genres)
        title = self.catalog.titles[item]

        def reasons(top: npt.NDArray[np.int64]) -> list[str]:
            common = [[g for g in self.catalog.movie(int(i)).genres if g in shared] for i in top]
            return [f"shares {', '.join(c)}" if c else f"like {title}" for c in common]

        return self._ranked(scores, k, candidates, reasons)

    def popular(
        self,
        k: int = 10,
        *,
        exclude: Collection[int] = (),
        filter: ItemFilter | None = None,
    ) -> ItemList:
        """Bayesian-average ranking (C0 = 20) among films with ``MIN_RATINGS_FOR_POPULAR``
        ratings; when fewer than k of those pass the filter (small data, a narrow filter),
        among every rated film that passes."""
        scores = self.trained["popularity"].score(np.array([-1]))[0]
        candidates = self._candidates(filter, exclude)
        counts = self.catalog.rating_counts
        enough = candidates.keep & (counts >= MIN_RATINGS_FOR_POPULAR)
        if np.count_nonzero(enough) < k:
            enough = candidates.keep & (counts > 0)
        means = self.catalog.rating_means

        def reasons(top: npt.NDArray[np.int64]) -> list[str]:
            return [f"{means[i]:.1f} avg from {counts[i]} ratings" for i in top]

        return self._ranked(scores, k, _Candidates(enough, candidates.matched), reasons)

    # ------------------------------------------------------------------ output

    def results(self, items: ItemList) -> list[Recommendation]:
        """The rows to show for ``items``: catalog metadata plus score, stars and reason."""
        rows = []
        for index, score, stars, reason in zip(
            items.indices.tolist(),
            items.scores.tolist(),
            items.predicted.tolist(),
            items.reasons,
            strict=True,
        ):
            movie = self.catalog.movie(index)
            rows.append(
                Recommendation(
                    movie_id=movie.movie_id,
                    title=movie.title,
                    year=movie.year,
                    genres=movie.genres,
                    score=score,
                    predicted_rating=None if np.isnan(stars) else stars,
                    reason=reason,
                )
            )
        return rows

    # ------------------------------------------------------------------ helpers

    def _for_ratings(
        self,
        ratings: Mapping[int, float],
        k: int,
        exclude: Collection[int],
        flt: ItemFilter | None,
        dislikes: Collection[int],
    ) -> ItemList:
        ids = np.fromiter((int(m) for m in ratings), dtype=np.int64, count=len(ratings))
        stars = np.fromiter((float(r) for r in ratings.values()), dtype=np.float32, count=ids.size)
        indices = self.catalog.indices_of(ids)
        known = indices >= 0
        if not known.any():
            raise ConfigError("no rated movie is in the catalog")
        indices, stars = indices[known], stars[known]
        row = sp.csr_matrix(
            (stars, (np.zeros(indices.size, dtype=np.int64), indices)),
            shape=(1, len(self.catalog)),
        )
        scores = self._pushed_down(self.trained[self.ranker].score_new_users(row)[0], dislikes)
        candidates = self._candidates(flt, exclude, indices)
        liked = indices[stars >= LIKED_STARS]
        return self._ranked(
            scores, k, candidates, lambda top: self._because(top, liked), new_user=row
        )

    def _pushed_down(
        self, scores: npt.NDArray[np.float32], dislikes: Collection[int]
    ) -> npt.NDArray[np.float32]:
        """``scores`` minus the disliked films' own fold-in (as if liked), scaled to the
        person's score range: what someone who liked them would get is what to avoid."""
        indices = self.catalog.indices_of(dislikes)
        indices = indices[indices >= 0]
        if not indices.size:
            return scores
        row = sp.csr_matrix(
            (
                np.full(indices.size, 5.0, dtype=np.float32),
                (np.zeros(indices.size, dtype=np.int64), indices),
            ),
            shape=(1, len(self.catalog)),
        )
        against = self.trained[self.ranker].score_new_users(row)[0]
        finite = np.isfinite(scores) & np.isfinite(against)
        spread, against_spread = (
            float(np.ptp(x[finite])) if finite.any() else 0.0 for x in (scores, against)
        )
        if spread <= 0 or against_spread <= 0:
            return scores
        centered = against - float(np.mean(against[finite]))
        return (scores - DISLIKE_WEIGHT * spread / against_spread * centered).astype(np.float32)

    def _candidates(
        self,
        flt: ItemFilter | None,
        exclude: Collection[int],
        also_excluded: npt.NDArray[np.integer] | None = None,
    ) -> _Candidates:
        """Canonical copies passing ``flt``, minus ``exclude`` (movie ids) and
        ``also_excluded`` (item indices) — each mapped to its canonical copy, so excluding
        either copy of a film excludes the film."""
        keep = self._canonical.copy()
        if flt is not None:
            keep &= self.catalog.mask(flt)
        matched = int(np.count_nonzero(keep))
        excluded = self.catalog.indices_of(exclude)
        if also_excluded is not None:
            excluded = np.concatenate([excluded, np.asarray(also_excluded, dtype=np.int64)])
        excluded = excluded[excluded >= 0]
        keep[self.catalog.canonical_indices[excluded]] = False
        return _Candidates(keep, matched)

    def _ranked(
        self,
        scores: npt.NDArray[np.float32],
        k: int,
        candidates: _Candidates,
        reasons: _Reasons,
        *,
        user: int = -1,
        new_user: sp.csr_matrix | None = None,
    ) -> ItemList:
        if k < 1:
            raise ConfigError("k must be at least 1")
        top = masked_top_k(scores[None, :], k, keep=candidates.keep)
        indices = top.indices[0][top.valid[0]]
        return ItemList(
            indices=indices,
            ids=self.catalog.ids[indices],
            scores=scores[indices].astype(np.float32),
            available=int(top.available[0]),
            matched=candidates.matched,
            reasons=tuple(reasons(indices)),
            predicted=self._predicted(indices, user, new_user),
        )

    def _predicted(
        self, items: npt.NDArray[np.int64], user: int, new_user: sp.csr_matrix | None
    ) -> npt.NDArray[np.float64]:
        """The MF model's stars for ``items``: for the dataset ``user``, from ``new_user``'s
        ratings folded in, or (nobody) from the item's bias; NaN without an MF model."""
        mf = self.trained.models.get("mf-sgd")
        if mf is None or not items.size:
            return np.full(items.size, np.nan)
        try:
            if new_user is not None:
                values = np.clip(mf.score_new_users(new_user)[0][items], 1.0, 5.0)
            else:
                values = mf.predict(np.full(items.size, user), items)
        except ModelError:
            return np.full(items.size, np.nan)
        return np.asarray(values, dtype=np.float64)

    def _similarity(self, item: int) -> npt.NDArray[np.float32]:
        content = self.trained["content"]
        content_sim = (content.item_vectors @ content.item_vectors[item].T).toarray().ravel()  # type: ignore[attr-defined]
        n = int(self.catalog.rating_counts[item])
        found = self._cf_neighbours(item) if n >= MIN_RATINGS_FOR_CF else None
        if found is None:
            return content_sim.astype(np.float32)
        neighbours, sims = found
        cf_sim = np.zeros(len(self.catalog), dtype=np.float32)
        cf_sim[neighbours] = sims
        weight = n / (n + SIMILAR_CF_SHRINK)  # trust CF more as rating evidence grows
        return (weight * cf_sim + (1.0 - weight) * content_sim).astype(np.float32)

    def _cf_neighbours(
        self, item: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]] | None:
        """``item``'s collaborative neighbours (indices, similarities), most similar first:
        item-kNN's when the directory has one, else the ranker's own ``similar_items`` (a
        Spark-trained directory: cosine over ALS item factors), else None."""
        knn = self.trained.models.get("item-knn")
        if knn is not None:
            found: tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]
            found = knn.similar_items(item, knn.config.max_neighbors)  # type: ignore[attr-defined]
            return found
        similar = getattr(self.trained.models.get(self.ranker), "similar_items", None)
        return similar(item, CF_NEIGHBOURS) if callable(similar) else None

    def _because(self, top: npt.NDArray[np.int64], liked: npt.NDArray[np.integer]) -> list[str]:
        """Per pick: the liked film among its CF neighbours, else the ranker's name."""
        fallback = f"ranked for you by {self.ranker}"
        if liked.size == 0:
            return [fallback] * top.size
        reasons = []
        for item in top.tolist():
            found = self._cf_neighbours(item)
            if found is None:
                return [fallback] * top.size
            neighbours = found[0]
            overlap = neighbours[np.isin(neighbours, liked)]
            reasons.append(
                f"because you liked {self.catalog.titles[int(overlap[0])]}"
                if overlap.size
                else fallback
            )
        return reasons
