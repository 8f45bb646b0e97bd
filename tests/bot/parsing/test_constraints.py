"""Years, eras, keywords and list positions read from a message; the Query v2 validators."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from bot.parsing.constraints import find_constraints, find_refs
from tools.schema import Query, query_model

GENRE_WORDS = re.compile(r"comedy|horror|romance|space")


@pytest.mark.parametrize(
    ("text", "year_min", "year_max"),
    [
        ("90s comedies", 1990, 1999),
        ("something from the nineties", 1990, 1999),
        ("films of the 1990s", 1990, 1999),
        ("the '80s", 1980, 1989),
        ("the 60s or 70s", 1960, 1979),
        ("from the 80s to the 90s", 1980, 1999),
        ("early 90s", 1990, 1993),
        ("late 70s horror", 1976, 1979),
        ("the 2000s", 2000, 2009),
        ("before 1970", None, 1969),
        ("older than 1980", None, 1979),
        ("pre-1960 westerns", None, 1959),
        ("after 2005", 2006, None),
        ("newer than 2010", 2011, None),
        ("since 1995", 1995, None),
        ("2010 or later", 2010, None),
        ("nothing older than 1990", 1990, None),
        ("nothing after 1985", None, 1985),
        ("between 1980 and 1985", 1980, 1985),
        ("from 1980 to 1985", 1980, 1985),
        ("1980-1985", 1980, 1985),
        ("from 1995", 1995, 1995),
        ("made in 1994", 1994, 1994),
        ("before the 80s", None, 1979),
        ("after the 90s", 2000, None),
        ("comedies after 2005 but before 2010", 2006, 2009),
        ("after 2010 but before 2000", None, None),  # contradictory: no year constraint
        ("a comedy for 4 people", None, None),
        ("rate Aliens (1986) 4/5", None, None),  # a title's year is no constraint
    ],
)
def test_year_phrases(text: str, year_min: int | None, year_max: int | None) -> None:
    found = find_constraints(text.lower(), GENRE_WORDS)
    assert (found.year_min, found.year_max) == (year_min, year_max)


@pytest.mark.parametrize(
    ("text", "recent", "era"),
    [
        ("recent comedies", True, None),
        ("the latest horror films", True, None),
        ("something older", False, "older"),
        ("make it more recent", False, "newer"),
        ("anything newer?", False, "newer"),
        ("those are too old for me", False, "newer"),
        ("older than 1980", False, None),  # a year: year_max, not a shift
        ("a comedy", False, None),
    ],
)
def test_eras(text: str, recent: bool, era: str | None) -> None:
    found = find_constraints(text.lower(), GENRE_WORDS)
    assert (found.recent, found.era_shift) == (recent, era)


@pytest.mark.parametrize(
    ("text", "keywords"),
    [
        ("movies about time travel", ["time travel"]),
        ("heist films", ["heist"]),
        ("something with a twist ending", ["twist ending"]),
        ("films starring tom hanks", ["tom hanks"]),
        ("documentaries about music", ["music"]),
        ("zombie movies from the 80s", ["zombie"]),
        ("what's it about?", []),
        ("tell me more about the third one", []),
        ("how about a comedy", []),
        ("a film about romance", []),  # a genre word stays a genre
        ("movies to watch with my wife", []),
    ],
)
def test_keywords(text: str, keywords: list[str]) -> None:
    assert find_constraints(text.lower(), GENRE_WORDS).keywords == keywords


@pytest.mark.parametrize(
    ("text", "keywords"),
    [
        ("Do you have anything with Will Ferrell?", ["will ferrell"]),
        ("Something with Tom Hanks maybe", ["tom hanks"]),
        ("a film directed by Sofia Coppola", ["sofia coppola"]),
        ("something to watch with my Mum", []),  # one capitalized word is no person
    ],
)
def test_people_are_keywords_by_their_capitals(text: str, keywords: list[str]) -> None:
    assert find_constraints(text.lower(), GENRE_WORDS, text).keywords == keywords


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("the first one", [1]),
        ("i've seen the second", [2]),
        ("number 3", [3]),
        ("seen number one already", [1]),
        ("#2 please", [2]),
        ("the first two", [1, 2]),
        ("just the top 3 westerns", []),  # a count, not positions
        ("the first and third ones", [1, 3]),
        ("the second and the fourth one", [2, 4]),
        ("numbers 1 and 4", [1, 4]),
        ("the last one", [-1]),
        ("the 3rd movie", [3]),
        ("that one", [0]),
        ("seen it", [0]),
        ("the first time i saw a film", []),  # "first" that is no position
        ("give me a comedy", []),
    ],
)
def test_positions(text: str, refs: list[int]) -> None:
    assert find_refs(text).refs == refs


def test_year_range_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="year_min 2000 is after year_max 1990"):
        Query(intent="refine", genre=None, title=None, year_min=2000, year_max=1990)
    assert Query(intent="refine", genre=None, title=None, year_min=1990, year_max=1990)


@pytest.mark.parametrize("refs", [[51], [-2], [0, 99]])
def test_refs_must_be_positions(refs: list[int]) -> None:
    with pytest.raises(ValidationError):
        Query(intent="seen", genre=None, title=None, refs=refs)


@pytest.mark.parametrize("field", ["also_genres", "or_genres", "exclude_genres"])
def test_genre_lists_use_the_catalogs_spelling(field: str) -> None:
    model = query_model(("Children", "Comedy"))
    assert getattr(model(intent="refine", genre=None, title=None, **{field: ["Children"]}), field)
    with pytest.raises(ValidationError):
        model(intent="refine", genre=None, title=None, **{field: ["Children's"]})
    schema = model.model_json_schema()
    assert schema["properties"][field]["items"]["enum"] == ["Children", "Comedy"]


def test_years_outside_any_catalog_are_refused() -> None:
    with pytest.raises(ValidationError):
        Query(intent="recommend_genre", genre=None, title=None, year_min=1066)
