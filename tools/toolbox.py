"""The recommender as typed tools: recommend for a person, similar to a film, popular, rate.

Each tool takes a pydantic argument model — its docstring and field descriptions are what an
LLM reads when the tools are offered for function calling — plus the caller's context (the
profile), and returns typed results: list tools a ``MovieList`` (the films, how many passed the
filter and ``exclude``, how many catalog films match the filter at all, a note).  ``Toolbox``
holds what every tool needs: the loaded models (``recommender.serving.MovieRecommender``), their
``Catalog`` (``toolbox.catalog``: ids, titles, film cards, filters) and the one title resolver.
Films are passed by id once resolved; a typed title is still accepted and resolved here.
"""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel, ConfigDict, Field, model_validator

from recommender.artifacts import TrainedModels
from recommender.catalog import Catalog, ItemFilter
from recommender.errors import ConfigError
from recommender.serving import ItemList, MovieRecommender
from tools.profiles import Profile, ProfileStore
from tools.results import MovieList
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


class _ListArgs(_Args):
    """What every list tool takes: how many, and which films may be listed."""

    genre: str | None = Field(None, description="Catalog genre to restrict to, or null.")
    k: int = Field(DEFAULT_K, ge=1, le=MAX_K, description="How many movies.")
    filter: ItemFilter | None = Field(
        None, description="Further constraints (genres, years, keywords), or null."
    )
    exclude: tuple[int, ...] = Field((), description="Movie ids not to list (already shown).")

    def item_filter(self) -> ItemFilter | None:
        """``filter`` with ``genre`` added to its required genres."""
        if self.genre is None:
            return self.filter
        base = self.filter or ItemFilter()
        return base.model_copy(update={"genres_all": (*base.genres_all, self.genre)})


class _OneFilm(_Args):
    """A film given by id (resolved already: the normal case) or as the person typed it."""

    title: str | None = Field(None, description="The movie, as the person wrote it.")
    movie_id: int | None = Field(None, description="The movie's catalog id, when known.")

    @model_validator(mode="after")
    def _one_film(self) -> _OneFilm:
        if (self.title is None) == (self.movie_id is None):
            raise ValueError("give exactly one of title and movie_id")
        return self


class RecommendArgs(_ListArgs):
    """Personal recommendations for the person chatting, optionally in one genre."""


class SimilarArgs(_ListArgs, _OneFilm):
    """Movies similar to one catalog movie, optionally in one genre."""


class PopularArgs(_ListArgs):
    """The best-loved movies overall (Bayesian-average rating), optionally in one genre."""


class RateArgs(_OneFilm):
    """Store the person's star rating of one movie."""

    rating: float = Field(ge=0.5, le=5, description="Stars, 0.5-5 in half steps.")


class Toolbox:
    """Loaded models, their catalog and the title index; the tools are its methods.

    List tools apply ``filter``/``genre`` and ``exclude`` (the args' and the call's, e.g. films
    already shown) before the top k, so k films come back whenever k pass; the MovieList says
    how many passed (``available``) and how many catalog films match the filter (``matched``).
    """

    def __init__(self, recommender: MovieRecommender) -> None:
        self.recommender = recommender
        self.catalog: Catalog = recommender.catalog
        self.genres: tuple[str, ...] = self.catalog.genres
        self.titles = TitleIndex(
            self.catalog.titles, self.catalog.rating_counts.tolist(), ids=self.catalog.ids.tolist()
        )

    @classmethod
    def from_trained(cls, trained: TrainedModels) -> Toolbox:
        return cls(MovieRecommender(trained))

    # ------------------------------------------------------------------ tools

    def recommend_for_user(
        self, args: RecommendArgs, profile: Profile, exclude: Collection[int] = ()
    ) -> MovieList:
        """Personal top-k: as the linked dataset user (the ``/link`` demo), else from the
        person's own ratings folded in, else (nobody yet) popular picks and an invitation to
        rate (``note``).

        Rated movies are never recommended; ``exclude`` (e.g. already shown) is skipped too, and
        so are the profile's ``dislikes``, which also rank films like them lower.  Ratings of
        movies this catalog lacks (a profile kept across datasets) are ignored.
        """
        service, skip, flt = self.recommender, {*args.exclude, *exclude}, args.item_filter()
        dislikes = profile.dislikes
        if profile.dataset_user is not None:
            user: int | dict[int, float] = profile.dataset_user
        else:
            user = {m: r for m, r in profile.ratings.items() if self.catalog.index_of(m) >= 0}
        if user or isinstance(user, int):
            picks = service.recommend(user, args.k, exclude=skip, filter=flt, dislikes=dislikes)
            return self._list(picks)
        picks = service.popular(args.k, exclude={*skip, *dislikes}, filter=flt)
        return self._list(picks, note=RATE_INVITATION)

    def similar_to(self, args: SimilarArgs, exclude: Collection[int] = ()) -> MovieList:
        """Movies like one film (by id, or a typed title that must resolve confidently)."""
        movie_id = args.movie_id if args.movie_id is not None else self.movie_id(str(args.title))
        picks = self.recommender.similar_items(
            movie_id, args.k, exclude={*args.exclude, *exclude}, filter=args.item_filter()
        )
        return self._list(picks)

    def popular(
        self, args: PopularArgs, profile: Profile | None = None, exclude: Collection[int] = ()
    ) -> MovieList:
        """Bayesian-average ranking within the filter; films the person rated or dismissed
        are skipped."""
        skip = {*args.exclude, *exclude}
        if profile is not None:
            skip |= {*profile.ratings, *profile.dislikes}
        picks = self.recommender.popular(args.k, exclude=skip, filter=args.item_filter())
        return self._list(picks)

    def rate(self, args: RateArgs, profile: Profile, store: ProfileStore) -> Profile:
        """Store the rating under the film's canonical id; returns the updated profile."""
        movie_id = args.movie_id if args.movie_id is not None else self.movie_id(str(args.title))
        if self.catalog.index_of(movie_id) < 0:
            raise ConfigError(f"no catalog movie has id {movie_id}")
        return store.rate(profile.user_key, self.canonical_id(movie_id), float(args.rating))

    def _list(self, picks: ItemList, note: str | None = None) -> MovieList:
        return MovieList(
            results=tuple(self.recommender.results(picks)),
            available=picks.available,
            matched=picks.matched,
            note=note,
        )

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
        under one label is one film to the person (``Catalog.canonical``), so its most-rated
        copy's id is the one stored, shown and voted on."""
        return int(self.catalog.ids[self.catalog.canonical(index)])

    def canonical_id(self, movie_id: int) -> int:
        """``movie_id``, or the id of the copy standing for it; unknown ids pass through."""
        index = self.catalog.index_of(movie_id)
        return self.id_of(index) if index >= 0 else movie_id

    def title_of(self, movie_id: int) -> str:
        return self.catalog.by_id(movie_id).title
