"""What tools return: typed results and the reply dispatch builds from them.

Results carry data only (ids, titles, scores, reasons); turning them into console text or
Telegram HTML is the front-ends' job (``bot.render``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from recommender.serving import Recommendation
from tools.schema import Query

__all__ = ["MovieList", "MovieResult", "Reply", "Route"]

#: Which path answered: a tool, or a conversational answer that needed no tool.
Route = Literal["similar", "personal", "popular", "rate", "help", "did_you_mean", "not_found"]


#: One recommended movie and why: serving's model itself, so a result is never copied field by
#: field (movie_id, title, year, genres, score, predicted_rating, reason: the JSON output).
MovieResult = Recommendation


class MovieList(BaseModel):
    """What a list tool returns: the films, and how many could have been shown.

    ``available`` counts the films that passed the filter and ``exclude`` (fewer than k
    results exactly when ``available < k``); ``matched`` counts the catalog's films matching
    the filter at all, to say "only 3 westerns before 1940 in this catalog".
    """

    model_config = ConfigDict(frozen=True)

    results: tuple[MovieResult, ...] = ()
    available: int = 0
    matched: int = 0
    #: A nudge for the person, e.g. to rate a few films so picks become personal.
    note: str | None = None


class Reply(BaseModel):
    """Everything a front-end needs to answer one message."""

    model_config = ConfigDict(frozen=True)

    route: Route
    query: Query
    results: tuple[MovieResult, ...] = ()
    #: The catalog title the message was about (similar / rate), once resolved.
    title: str | None = None
    #: Catalog titles to offer when the typed title was ambiguous (never the same twice).
    candidates: tuple[str, ...] = ()
    #: The movie ids of ``candidates``, in the same order.
    candidate_ids: tuple[int, ...] = ()
    #: Stars stored by a rate request (half stars allowed, 0.5-5).
    rating: float | None = None
    #: A nudge for the person, e.g. to rate a few films so picks become personal.
    note: str | None = None
