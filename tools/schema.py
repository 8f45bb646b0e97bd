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
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

__all__ = [
    "DEFAULT_K",
    "FOLLOW_UP_INTENTS",
    "INTENTS",
    "MAX_K",
    "MAX_YEAR",
    "MIN_YEAR",
    "EraShift",
    "Intent",
    "Query",
    "half_stars",
    "query_model",
]

Intent = Literal[
    "recommend_genre",
    "similar_to",
    "popular",
    "rate",
    "help",
    "more",
    "refine",
    "seen",
    "accept",
    "reject",
    "details",
]
INTENTS: tuple[Intent, ...] = get_args(Intent)
#: Intents about a film the person names or points at in the last list (``title`` or ``refs``).
FOLLOW_UP_INTENTS: tuple[Intent, ...] = ("seen", "accept", "reject", "details")
EraShift = Literal["older", "newer"]
DEFAULT_K = 5
MAX_K = 50
MIN_YEAR = 1870
MAX_YEAR = 2100
#: A position in the last list shown: 1-based, -1 = the last one, 0 = "that one" / "it".
Ref = Annotated[int, Field(ge=-1, le=MAX_K)]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]


class Query(BaseModel):
    """A movie-chat message understood as one call: what the user wants (a list, a change to
    the last list, or something about one film), the constraints they stated (genres, years,
    keywords), which film they mean (a title, or positions in the list they were just shown),
    and how many results. Use intent "help" for greetings, thanks, goodbyes, questions about
    the bot, off-topic requests and gibberish."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    intent: Intent = Field(
        description=(
            "similar_to: names a movie (title) or points at one in the last list (refs) and "
            "asks for more like it (even if words like popular or best appear). rate: names or "
            "points at a movie and gives an opinion or rating, asking nothing else ('seen it, "
            "loved it' is rate). popular: no reference movie; asks what is popular, top, best, "
            "classic or trending. recommend_genre: no reference movie; asks for personal "
            "suggestions. more: asks to continue the last list ('more', 'any others?'). "
            "refine: changes the last request ('only ones from the 80s', 'no sci-fi though', "
            "'something older', 'make it funnier'). seen: has already seen a film, no "
            "opinion. accept: will watch it / put it on the watchlist ('I'll check it out'). "
            "reject: not interested in a film ('not for me'). details: asks about a film "
            "('what is it about?', 'who is in it?', 'is it scary?'). help: anything else."
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
            "The movie the user names, as they wrote it (without quotes). For similar_to and "
            "rate a title or refs is required; seen, accept, reject and details may name one "
            "too; null otherwise and when the film is only pointed at ('the second one')."
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

    also_genres: list[str] = Field(
        [],
        description=(
            "Further genres that must ALSO hold, besides genre ('sci-fi horror' = genre Sci-Fi, "
            "also_genres [Horror]; 'romantic comedy' = genre Romance, also_genres [Comedy])."
        ),
    )
    or_genres: list[str] = Field(
        [],
        description=(
            "Alternatives to genre, any one will do ('a western or a war film' = genre "
            "Western, or_genres [War])."
        ),
    )
    exclude_genres: list[str] = Field(
        [],
        description=(
            "Genres the user does not want ('no horror', 'nothing romantic', 'not animated', "
            "'too scary for me' = [Horror], 'I'm not a romance person' = [Romance])."
        ),
    )
    year_min: Year | None = Field(
        None,
        description=(
            "Earliest release year, inclusive: 'the 90s' = 1990, 'after 2005' = 2006, "
            "'since 1995' = 1995, 'nothing older than 1990' = 1990."
        ),
    )
    year_max: Year | None = Field(
        None,
        description=(
            "Latest release year, inclusive: 'the 90s' = 1999, 'before 1970' / 'older than "
            "1970' = 1969. A year in a constraint is never a title or a count."
        ),
    )
    recent: bool = Field(
        False,
        description="True for 'recent', 'new', 'latest' films (the catalog's last five years).",
    )
    era_shift: EraShift | None = Field(
        None,
        description=(
            "For refine without a year: 'something older' = older, 'more recent' / 'newer' = "
            "newer; null otherwise."
        ),
    )
    keywords: list[str] = Field(
        [],
        description=(
            "Themes, people or keywords to match in the films' tags, lower-case, short: "
            "'about time travel' = [time travel], 'heist films' = [heist], 'with a twist "
            "ending' = [twist ending], 'starring tom hanks' = [tom hanks]. Not genres, not "
            "titles."
        ),
    )
    refs: list[Ref] = Field(
        [],
        description=(
            "Positions in the last list shown that the message points at, 1-based: 'the "
            "second one' = [2], 'number 3' = [3], 'the first two' = [1, 2], 'the last one' = "
            "[-1], 'that one' / 'it' / no position for seen, accept, reject, details = [0] "
            "(the film just named or shown). Empty when no film is pointed at."
        ),
    )

    @model_validator(mode="after")
    def _year_range(self) -> Self:
        """A range that ends before it starts is a misreading, not a request."""
        low, high = self.year_min, self.year_max
        if low is not None and high is not None and low > high:
            raise ValueError(f"year_min {low} is after year_max {high}")
        return self


def half_stars(value: float) -> float:
    """``value`` rounded to the nearest half star, halves up (2.25 -> 2.5, 4.74 -> 4.5)."""
    return math.floor(value * 2 + 0.5) / 2


@cache
def query_model(genres: Sequence[str]) -> type[Query]:
    """``Query`` with every genre field restricted to ``genres`` (an enum in the JSON schema)."""
    genre_type = Literal[tuple(genres)]  # type: ignore[valid-type]
    fields = Query.model_fields
    overrides: dict[str, Any] = {
        "genre": (genre_type | None, Field(description=fields["genre"].description)),
    }
    for name in ("also_genres", "or_genres", "exclude_genres"):
        overrides[name] = (list[genre_type], Field([], description=fields[name].description))  # type: ignore[valid-type]
    return create_model("Query", __base__=Query, __doc__=Query.__doc__, **overrides)
