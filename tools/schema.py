"""The one contract between the parsers and the tools: ``Query``, plus tool results.

A chat message becomes exactly one ``Query`` — from the regex router or from the LLM's function
call; both produce this model and both are validated by it.  The pydantic model *is* the LLM's
tool schema (``openai.pydantic_function_tool``): docstrings and field descriptions are what the
model reads, so they are written for it.

Genres depend on the catalog (ML-100K spells "Children's", the CSV releases "Children" and add
"IMAX"), so ``query_model(genres)`` builds a subclass whose ``genre`` is a Literal enum of that
catalog's names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

__all__ = ["DEFAULT_K", "INTENTS", "MAX_K", "Intent", "Query", "half_stars", "query_model"]

Intent = Literal["recommend_genre", "similar_to", "popular", "rate", "help"]
INTENTS: tuple[Intent, ...] = ("recommend_genre", "similar_to", "popular", "rate", "help")
DEFAULT_K = 5
MAX_K = 50


class Query(BaseModel):
    """A movie-chat request understood as one call: what the user wants, restricted to at most
    one genre, optionally about one movie title, and how many results. Use intent "help" for
    greetings, thanks, questions about the bot, off-topic requests and gibberish."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    intent: Intent = Field(
        description=(
            "similar_to: names a movie and asks for more like it (even if words like popular or "
            "best appear). rate: names a movie and gives an opinion or rating, asking nothing "
            "else. popular: no reference movie; asks what is popular, top, best, classic or "
            "trending. recommend_genre: no reference movie; asks for personal suggestions. "
            "help: anything else."
        )
    )
    genre: str | None = Field(
        description=(
            "The genre the user asked for, only if they said a genre word or synonym "
            "(scary = Horror, funny = Comedy, kids = Children's, space = Sci-Fi). Null when "
            "negated ('nothing scary'), when it is only part of a title, or not mentioned."
        )
    )
    title: str | None = Field(
        description=(
            "The movie the user refers to, as they wrote it (without quotes). Required for "
            "similar_to and rate; null otherwise."
        )
    )
    k: int = Field(
        DEFAULT_K,
        ge=1,
        le=MAX_K,
        description=(
            "How many recommendations were asked for (words count: 'a dozen' = 12, 'a couple' "
            "= 2). Default 5. Numbers in titles, years, ratings, times or head counts are not k."
        ),
    )
    rating: float | None = Field(
        None,
        ge=0.5,
        le=5,
        description=(
            "For rate only: 0.5-5 stars in half steps ('4.5/5' = 4.5, '8/10' = 4, '7/10' = "
            "3.5, loved = 5, liked = 4, ok = 3, boring = 2, hated = 1); null if no rating was "
            "given, it is outside 0.5-5, or the intent is not rate."
        ),
    )

    @field_validator("rating")
    @classmethod
    def _half_stars(cls, rating: float | None) -> float | None:
        """Ratings are kept in half stars, the datasets' own steps (4.3 -> 4.5)."""
        return None if rating is None else half_stars(rating)


def half_stars(value: float) -> float:
    """``value`` rounded to the nearest half star, halves up (2.25 -> 2.5, 4.74 -> 4.5)."""
    return math.floor(value * 2 + 0.5) / 2


@cache
def query_model(genres: Sequence[str]) -> type[Query]:
    """``Query`` with ``genre`` restricted to ``genres`` (an enum in the JSON schema)."""
    genre_type = Literal[tuple(genres)]  # type: ignore[valid-type]
    field = Query.model_fields["genre"]
    return create_model(
        "Query",
        __base__=Query,
        __doc__=Query.__doc__,
        genre=(genre_type | None, Field(description=field.description)),  # type: ignore[arg-type]
    )
