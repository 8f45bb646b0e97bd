"""What the conversation remembers between messages, as typed data (stored as JSON).

One ``Session`` per person: the last request (its constraints and reference film), the last
list shown (movie ids in order, and which page of the request it was), the film in focus
("that one" / "it"), an open did-you-mean question and an open star question.  Everything is
a movie id: a film is resolved once, when it is first named, and never looked up by title again.

A stored session that does not validate (damaged, or written by an older program) is dropped
with one log line and the conversation starts fresh: it is a convenience, never a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from recommender.catalog import ItemFilter
from tools.schema import DEFAULT_K, MAX_K, Query

__all__ = ["LastList", "PendingChoice", "Request", "Session", "session_from_blob"]

log = logging.getLogger("moviebot.chat")

#: The requests that produce a list of films.
ListIntent = Literal["recommend_genre", "popular", "similar_to"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Request(_Frozen):
    """A request for a list of films: what kind, about which film, and its constraints.

    The constraints are the catalog's ``ItemFilter`` fields, already resolved against the
    catalog ("recent" is a year range here); follow-ups change them (``refine``)."""

    intent: ListIntent
    reference_id: int | None = None  # the film of a "similar to" request
    k: int = Field(DEFAULT_K, ge=1, le=MAX_K)
    genres_all: tuple[str, ...] = ()
    genres_any: tuple[str, ...] = ()
    genres_none: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    keywords: tuple[str, ...] = ()

    def item_filter(self) -> ItemFilter:
        return ItemFilter(
            genres_all=self.genres_all,
            genres_any=self.genres_any,
            genres_none=self.genres_none,
            year_min=self.year_min,
            year_max=self.year_max,
            keywords=self.keywords,
        )


class LastList(_Frozen):
    """The films of the last list shown, in order (positions 1..n), and its page number."""

    movie_ids: tuple[int, ...]
    page: int = Field(1, ge=1)


class PendingChoice(_Frozen):
    """An open "which one do you mean?": the message it was about and the films offered."""

    query: Query
    choices: tuple[int, ...]


class Session(_Frozen):
    request: Request | None = None
    last_list: LastList | None = None
    focus: int | None = None  # "that one" / "it": the film just named or the single film shown
    pending: PendingChoice | None = None
    stars_for: int | None = None  # an open "how many stars for ...?"


def session_from_blob(blob: Mapping[str, Any] | None, user: str) -> Session:
    """The stored session, or a fresh one when there is none or it does not validate."""
    if blob is None:
        return Session()
    try:
        return Session.model_validate(blob)
    except ValidationError as error:
        log.warning(
            "user=%s: dropped an unreadable session (%d problems)", user, error.error_count()
        )
        return Session()
