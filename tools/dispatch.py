"""Query + profile -> the right tool -> Reply.

Routing, in order (the seed's, plus the two intents it lacked):

1. ``help`` -> no tool; the front-end shows what the bot can do.
2. ``similar_to`` / ``rate`` name a title: it is resolved first.  Ambiguous -> a "did you
   mean" reply with candidates; unknown -> a "not found" reply.  Never a guess.
3. ``similar_to`` -> similar movies.  ``rate`` -> store the stars (or ask for them).
4. ``popular`` -> the Bayesian-average ranking: the person asked what is popular, not what
   suits them.
5. ``recommend_genre`` -> personal picks when the profile is known (linked dataset user or
   own ratings), otherwise popular picks plus an invitation to rate.

The genre filter applies on every route, before the top k is taken.
"""

from __future__ import annotations

from collections.abc import Collection

from tools.profiles import Profile, ProfileStore
from tools.results import Reply
from tools.schema import Query
from tools.toolbox import PopularArgs, RateArgs, RecommendArgs, SimilarArgs, Toolbox

__all__ = ["dispatch"]


def dispatch(
    query: Query,
    profile: Profile,
    toolbox: Toolbox,
    store: ProfileStore,
    *,
    exclude: Collection[int] = (),
) -> Reply:
    """Answer one parsed message for one person; ``exclude`` lists movie ids not to show
    (already shown in this conversation)."""
    if query.intent == "help":
        return Reply(route="help", query=query)
    genre = _catalog_genre(query.genre, toolbox)
    if query.intent in ("similar_to", "rate") and query.title:
        resolution = toolbox.resolve_title(query.title)
        if resolution.status == "ambiguous":
            return Reply(
                route="did_you_mean",
                query=query,
                candidates=tuple(c.title for c in resolution.candidates[:5]),
                candidate_ids=tuple(toolbox.id_of(c.index) for c in resolution.candidates[:5]),
            )
        if not resolution.confident:
            return Reply(route="not_found", query=query)
        title = resolution.candidates[0].title
        movie_id = toolbox.id_of(resolution.candidates[0].index)  # resolved once, used by id
        if query.intent == "similar_to":
            similar = SimilarArgs(movie_id=movie_id, genre=genre, k=query.k)
            results = toolbox.similar_to(similar, exclude).results
            return Reply(route="similar", query=query, title=title, results=results)
        if query.rating is None:
            return Reply(route="rate", query=query, title=title)  # the front-end asks for stars
        toolbox.rate(RateArgs(movie_id=movie_id, rating=query.rating), profile, store)
        return Reply(route="rate", query=query, title=title, rating=query.rating)
    if query.intent == "popular":
        results = toolbox.popular(PopularArgs(genre=genre, k=query.k), profile, exclude).results
        return Reply(route="popular", query=query, results=results)
    # recommend_genre, or similar_to / rate without a title
    args = RecommendArgs(genre=genre, k=query.k)
    picks = toolbox.recommend_for_user(args, profile, exclude)
    route = "personal" if profile.is_known else "popular"
    return Reply(route=route, query=query, results=picks.results, note=picks.note)


def _catalog_genre(genre: str | None, toolbox: Toolbox) -> str | None:
    """The catalog's spelling of ``genre``; an unknown genre is dropped, not an error."""
    return None if genre is None else toolbox.catalog.genre_name(genre)
