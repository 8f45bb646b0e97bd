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

Interim routes for the Query v2 intents, until the conversation implements them (each says
truthfully what was understood and what is not done):

* ``more`` -> fresh personal/popular picks; the caller's ``exclude`` (films already shown)
  makes them the next ones, but the last request's genre and filters are not kept here.
* ``refine`` -> a fresh request with the constraints it states (its genre applies), with a
  note that it is not combined with the last request.
* ``seen`` / ``accept`` / ``reject`` / ``details``, and ``similar_to`` / ``rate`` that only
  point at a list position -> no tool; a ``help`` reply whose note says what was understood
  and that it is not supported yet.  A named title is still resolved first (did-you-mean /
  not found as usual), so the note names the catalog film.
* Year ranges, excluded / further / alternative genres, "recent", era shifts and keywords are
  not applied by the tools yet: list replies say so in their note.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from tools.profiles import Profile, ProfileStore
from tools.results import Reply
from tools.schema import FOLLOW_UP_INTENTS, Query
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
    names_a_film = query.intent in ("similar_to", "rate", *FOLLOW_UP_INTENTS)
    if names_a_film and query.title:
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
        if query.intent in FOLLOW_UP_INTENTS:
            return _not_yet(query, f"{_FOLLOW_UP_WORDS[query.intent]} {title}")
        if query.intent == "similar_to":
            similar = SimilarArgs(movie_id=movie_id, genre=genre, k=query.k)
            results = toolbox.similar_to(similar, exclude).results
            return Reply(route="similar", query=query, title=title, results=results)
        if query.rating is None:
            return Reply(route="rate", query=query, title=title)  # the front-end asks for stars
        toolbox.rate(RateArgs(movie_id=movie_id, rating=query.rating), profile, store)
        return Reply(route="rate", query=query, title=title, rating=query.rating)
    if names_a_film:  # no title: only a position in the last list ("the second one")
        return _not_yet(query, f"{_FOLLOW_UP_WORDS[query.intent]} {_positions(query.refs)}")
    unapplied = _unapplied_filters(query)
    if query.intent == "popular":
        results = toolbox.popular(PopularArgs(genre=genre, k=query.k), profile, exclude).results
        return Reply(route="popular", query=query, results=results, note=unapplied)
    # recommend_genre, more, refine
    args = RecommendArgs(genre=genre, k=query.k)
    picks = toolbox.recommend_for_user(args, profile, exclude)
    route = "personal" if profile.is_known else "popular"
    note, results = picks.note, picks.results
    if query.intent == "refine":
        note = _join(
            note,
            "I took that as a new request: combining it with your last one is not supported yet.",
        )
    elif query.intent == "more":
        note = _join(note, "More picks; your last request's filters are not kept yet.")
    return Reply(route=route, query=query, results=tuple(results), note=_join(note, unapplied))


#: How each film-directed intent reads in a "not supported yet" note.
_FOLLOW_UP_WORDS: dict[str, str] = {
    "seen": "you have seen",
    "accept": "you want to watch",
    "reject": "you are not interested in",
    "details": "you want to know more about",
    "similar_to": "you want films like",
    "rate": "you are rating",
}


def _not_yet(query: Query, understood: str) -> Reply:
    """An honest answer for what the conversation cannot do yet (no tool is called)."""
    return Reply(
        route="help",
        query=query,
        note=f"I understood {understood}; that isn't supported yet.",
    )


def _positions(refs: Sequence[int]) -> str:
    """ "the film at position 2", "the films at positions 1, 2", "the last film", "that film"."""
    if not refs or list(refs) == [0]:
        return "that film"
    if list(refs) == [-1]:
        return "the last film of the list"
    named = ", ".join("last" if r == -1 else str(r) for r in refs if r != 0)
    return f"the film{'s' if len(refs) > 1 else ''} at position{'s' if len(refs) > 1 else ''} {named} of the last list"


def _unapplied_filters(query: Query) -> str | None:
    """The constraints the tools do not apply yet, said plainly (None when there are none)."""
    parts = []
    if query.year_min is not None or query.year_max is not None:
        parts.append("years")
    if query.also_genres or query.or_genres:
        parts.append("a second genre")
    if query.exclude_genres:
        parts.append("excluded genres")
    if query.recent or query.era_shift:
        parts.append("release era")
    if query.keywords:
        parts.append("keywords")
    if not parts:
        return None
    return f"Not applied yet: {', '.join(parts)}."


def _join(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return " ".join(kept) if kept else None


def _catalog_genre(genre: str | None, toolbox: Toolbox) -> str | None:
    """The catalog's spelling of ``genre``; an unknown genre is dropped, not an error."""
    return None if genre is None else toolbox.catalog.genre_name(genre)
