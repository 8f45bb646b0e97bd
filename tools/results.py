"""What tools return: typed results and the reply dispatch builds from them.

Results carry data only (ids, titles, scores, reasons); turning them into console text or
Telegram HTML is the front-ends' job (``bot.render``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.schema import Query

__all__ = ["MovieResult", "Reply", "Route"]

#: Which path answered: a tool, or a conversational answer that needed no tool.
Route = Literal["similar", "personal", "popular", "rate", "help", "did_you_mean", "not_found"]


class MovieResult(BaseModel):
    """One recommended movie and why."""

    model_config = ConfigDict(frozen=True)

    movie_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    score: float = Field(description="The score the tool ranked by (higher is better).")
    predicted_rating: float | None = Field(
        None, description="The rating model's predicted stars for this person, where it has one."
    )
    reason: str = Field(description="A short why, from the tool's own signals.")


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
