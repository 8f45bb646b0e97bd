"""The recommender as typed tools: recommend for a person, similar to a title, popular, rate.

Each tool takes a pydantic argument model — its docstring and field descriptions are what an
LLM reads when the tools are offered for function calling — plus the caller's context (the
profile), and returns typed results.  ``Toolbox`` holds what every tool needs: the loaded
models (``recommender.serving.MovieRecommender``) and the one title resolver.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field

from recommender.artifacts import TrainedModels
from recommender.errors import ConfigError
from recommender.serving import MovieRecommender, Recommendation
from tools.profiles import Profile, ProfileStore
from tools.results import MovieResult
from tools.schema import DEFAULT_K, MAX_K
from tools.titles import Resolution, TitleIndex

__all__ = ["PopularArgs", "RateArgs", "RecommendArgs", "SimilarArgs", "Toolbox"]

#: Shown with popular picks when we know nothing about the person yet.
RATE_INVITATION = (
    "Tell me a few films you liked or disliked (e.g. 'I loved Fargo', 'rate Heat 2/5') "
    "and your picks become personal."
)


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecommendArgs(_Args):
    """Personal recommendations for the person chatting, optionally in one genre."""

    genre: str | None = Field(None, description="Catalog genre to restrict to, or null.")
    k: int = Field(DEFAULT_K, ge=1, le=MAX_K, description="How many movies.")


class SimilarArgs(_Args):
    """Movies similar to one catalog movie, optionally in one genre."""

    title: str = Field(description="The movie, as the person wrote it.")
    genre: str | None = Field(None, description="Catalog genre to restrict to, or null.")
    k: int = Field(DEFAULT_K, ge=1, le=MAX_K, description="How many movies.")


class PopularArgs(_Args):
    """The best-loved movies overall (Bayesian-average rating), optionally in one genre."""

    genre: str | None = Field(None, description="Catalog genre to restrict to, or null.")
    k: int = Field(DEFAULT_K, ge=1, le=MAX_K, description="How many movies.")


class RateArgs(_Args):
    """Store the person's star rating of one movie."""

    title: str = Field(description="The movie, as the person wrote it.")
    rating: float = Field(ge=0.5, le=5, description="Stars, 0.5-5 in half steps.")


class Toolbox:
    """Loaded models plus the title index; the tools are its methods."""

    def __init__(self, recommender: MovieRecommender) -> None:
        self.recommender = recommender
        self.genres: tuple[str, ...] = recommender.genres
        self.titles = TitleIndex(recommender.titles, recommender.rating_counts.tolist())
        #: Rows that are second copies of a film: fetched on top of k, as they fold away.
        self._copies = sum(i != c for i, c in enumerate(self.titles.canonical))

    @classmethod
    def from_trained(cls, trained: TrainedModels) -> Toolbox:
        return cls(MovieRecommender(trained))

    # ------------------------------------------------------------------ tools

    def recommend_for_user(
        self, args: RecommendArgs, profile: Profile, exclude: Collection[int] = ()
    ) -> tuple[list[MovieResult], str | None]:
        """Personal top-k: as the linked dataset user (the ``/link`` demo), else from the
        person's own ratings folded in, else (nobody yet) popular picks and an invitation to
        rate.  Returns (results, note).

        Rated movies are never recommended; ``exclude`` (e.g. already shown) is skipped too.
        Ratings of movies this catalog lacks (a profile kept across datasets) are ignored.
        """
        service, k = self.recommender, args.k + len(exclude) + self._copies
        if profile.dataset_user is not None:
            picks = service.for_user(profile.dataset_user, k=k, genre=args.genre)
            return self._without(picks, exclude, args.k), None
        known = {m: r for m, r in profile.ratings.items() if service.item_index(m) >= 0}
        if known:
            picks = service.for_ratings(known, k=k + len(known), genre=args.genre)
            return self._without(picks, {*exclude, *known}, args.k), None
        picks = service.popular(k=k, genre=args.genre)
        return self._without(picks, exclude, args.k), RATE_INVITATION

    def similar_to(self, args: SimilarArgs, exclude: Collection[int] = ()) -> list[MovieResult]:
        """Movies like a title; the title must resolve (see ``resolve_title``)."""
        movie_id = self.movie_id(args.title)
        picks = self.recommender.similar(
            movie_id, k=args.k + len(exclude) + self._copies, genre=args.genre
        )
        return self._without(picks, exclude, args.k)

    def popular(
        self, args: PopularArgs, profile: Profile | None = None, exclude: Collection[int] = ()
    ) -> list[MovieResult]:
        """Bayesian-average ranking within the genre; films the person rated are skipped."""
        skip = set(exclude) | (set(profile.ratings) if profile else set())
        picks = self.recommender.popular(k=args.k + len(skip) + self._copies, genre=args.genre)
        return self._without(picks, skip, args.k)

    def rate(self, args: RateArgs, profile: Profile, store: ProfileStore) -> Profile:
        """Store the rating; returns the updated profile."""
        return store.rate(profile.user_key, self.movie_id(args.title), float(args.rating))

    def _without(
        self, picks: list[Recommendation], exclude: Collection[int], k: int
    ) -> list[MovieResult]:
        """The first ``k`` picks not in ``exclude``, each film once: a second copy of a film
        (same label) is shown as its canonical copy, or dropped when that is already there."""
        skip = {self.canonical_id(m) for m in exclude}
        kept: list[Recommendation] = []
        for pick in picks:
            movie_id = self.canonical_id(pick.movie_id)
            if movie_id in skip:
                continue
            skip.add(movie_id)
            kept.append(replace(pick, movie_id=movie_id) if movie_id != pick.movie_id else pick)
        return _results(kept[:k])

    # ------------------------------------------------------------------ titles

    def resolve_title(self, text: str) -> Resolution:
        return self.titles.resolve(text)

    def movie_id(self, title: str) -> int:
        """The movie id a typed title confidently names; ConfigError otherwise."""
        resolution = self.titles.resolve(title)
        if not resolution.confident:
            raise ConfigError(f"no single catalog movie matches {title!r}")
        return self.id_of(resolution.candidates[0].index)

    def id_of(self, index: int) -> int:
        """The movie id that stands for catalog row ``index``: a film the catalog lists twice
        under one label is one film to the person (``TitleIndex.canonical``), so its
        most-rated copy's id is the one stored, shown and voted on."""
        return int(self.recommender.trained.items.ids[self.titles.canonical[index]])

    def canonical_id(self, movie_id: int) -> int:
        """``movie_id``, or the id of the copy standing for it; unknown ids pass through."""
        index = self.recommender.item_index(movie_id)
        return self.id_of(index) if index >= 0 else movie_id

    def title_of(self, movie_id: int) -> str:
        return self.recommender.titles[self.recommender.item_index(movie_id)]


def _results(picks: list[Recommendation]) -> list[MovieResult]:
    return [
        MovieResult(
            movie_id=p.movie_id,
            title=p.title,
            year=p.year,
            genres=p.genres,
            score=p.score,
            predicted_rating=p.predicted_rating,
            reason=p.reason,
        )
        for p in picks
    ]
