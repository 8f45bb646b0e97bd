"""Property tests: any text at all -> a valid ``Query`` from the parser and a ``Reply`` from dispatch.

Chat input is untrusted: empty, huge, control characters, emoji, right-to-left scripts,
zero-width joiners, lone surrogates (not valid in JSON, but valid Python ``str``).  The parser
must never raise (its own rules, not only its catch-all fallback), must cut input to
``MAX_INPUT_CHARS`` before parsing, and ``dispatch`` must answer every parsed query.

Runs without data on a synthetic catalog and the tiny toolbox of tests/tools; the same
properties are checked on the real ML-100K catalog where it is present.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsing.base import MAX_INPUT_CHARS, clean_text
from bot.parsing.regex import RegexParser
from tests.bot.parsing.test_dev_set import ml100k_parser
from tests.tools.conftest import toolbox
from tools.dispatch import dispatch
from tools.profiles import InMemoryProfileStore
from tools.results import Reply
from tools.schema import FOLLOW_UP_INTENTS, INTENTS, MAX_K, Query, query_model
from tools.titles import TitleIndex
from tools.toolbox import Toolbox

__all__ = ["ml100k_parser", "toolbox"]  # fixtures imported for this module

GENRES = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
)  # fmt: skip
# Synthetic titles with the shapes that make parsing hard: articles moved to the end,
# alternate titles, digits, colons, apostrophes, everyday words, non-Latin letters.
SYNTHETIC_TITLES = (
    "Heat (1995)", "Godfather, The (1972)", "Godfather: Part II, The (1974)",
    "Nikita (La Femme Nikita) (1990)", "8 1/2 (1963)", "39 Steps, The (1935)",
    "Alien (1979)", "Alien 3 (1992)", "Schindler's List (1993)", "Misérables, Les (1995)",
    "Love Jones (1997)", "Home Alone (1990)", "M*A*S*H (1970)", "Face/Off (1997)",
    "Star Trek: First Contact (1996)", "Around the World in 80 Days (1956)",
    "Shichinin no samurai (Seven Samurai) (1954)", "Cinema Paradiso (1988)",
    "Ночной дозор (Night Watch) (2004)", "unknown",
)  # fmt: skip

#: Pieces that stress the rules: RTL scripts, joiners, surrogates, controls, emoji, numbers.
TRICKY = (
    "", " ", "\x00", "\x1b[31m", "\r\n", "\t", "\u200b", "\u200d", "\u200e", "\u202e", "\ufeff",
    "\ud800", "\udfff", "\ud83c", "مرحبا", "أفلام رعب", "שלום", "סרט קומדי", "👨\u200d👩\u200d👧",
    "🎬", "⭐⭐⭐", "🏳️\u200d🌈", "İ", "ß", "ﬁ", "Ⅻ", "٣", "½", "movies like", "rate", "/10",
    " 4/5", "top", "twenty-", "the godfather", "alien 3", "nothing scary", "'", '"', "“", "(",
    ")", "\\", "*", "like like", "a dozen", "half a", "similar to", "🙏", "pls",
    # the follow-up and constraint vocabulary: positions, years, decades, negations, keywords
    "the first one", "number", "#", "the last", "the first two", "it", "that one", "seen",
    "seen it", "loved it", "I'll check it out", "not for me", "what's it about?", "more",
    "any others like", "older than", "before", "after", "between", "1980", "2005", "1899",
    "0000", "9999", "the 90s", "80s or 90s", "nineties", "early", "late", "no sci-fi though",
    "something older", "more recent", "recent", "make it funnier", "or", "a western or",
    "sci-fi horror", "about", "about time travel", "heist films", "starring", "with a",
    "only ones from", "too scary for me", "not really a", "person", "watchlist",
)  # fmt: skip

any_char = st.characters(exclude_categories=())  # every code point, surrogates included
messages = st.one_of(
    st.text(any_char, max_size=300),
    st.lists(st.sampled_from(TRICKY), max_size=25).map(" ".join),
    st.lists(st.one_of(st.sampled_from(TRICKY), st.text(any_char, max_size=5)), max_size=30).map(
        "".join
    ),
)


@pytest.fixture(scope="module")
def synthetic_parser() -> RegexParser:
    return RegexParser(TitleIndex(SYNTHETIC_TITLES), GENRES)


def check_query(parser: RegexParser, text: str) -> Query:
    """The parse of ``text`` is a valid Query, and the rules themselves did not raise."""
    parser._parse(clean_text(text))  # the rules, without the parse() catch-all fallback
    query = parser.parse(text)
    assert isinstance(query, Query)
    # Every field as the schema allows: re-validating the dump with the catalog's model holds.
    assert query_model(parser.genres).model_validate(query.model_dump()) == query
    assert query.intent in INTENTS
    assert 1 <= query.k <= 50
    if query.title is not None:
        assert query.intent in {"similar_to", "rate", *FOLLOW_UP_INTENTS}
    if query.intent in {"similar_to", "rate", *FOLLOW_UP_INTENTS}:
        assert query.title is not None or query.refs  # a film named or pointed at
    else:
        assert query.refs == []
    assert all(-1 <= ref <= MAX_K for ref in query.refs)
    assert query.rating is None or (query.intent == "rate" and 0.5 <= query.rating <= 5)
    genres = [*query.also_genres, *query.or_genres, *query.exclude_genres]
    assert all(g in parser.genres for g in genres)
    if query.year_min is not None and query.year_max is not None:
        assert query.year_min <= query.year_max
    return query


@settings(max_examples=200, deadline=None)
@given(text=messages)
def test_synthetic_catalog_any_text_gives_a_query(synthetic_parser: RegexParser, text: str) -> None:
    check_query(synthetic_parser, text)


@settings(max_examples=150, deadline=None)
@given(text=messages)
def test_ml100k_any_text_gives_a_query(ml100k_parser: RegexParser, text: str) -> None:
    check_query(ml100k_parser, text)


@settings(max_examples=25, deadline=None)
@given(
    head=messages,
    filler=st.sampled_from(["x", "movies like the godfather ", "🎬\u200d", "\ud800", "مرحبا "]),
)
def test_long_input_is_cut_before_parsing(
    synthetic_parser: RegexParser, head: str, filler: str
) -> None:
    text = head + filler * (100_000 // len(filler) + 1)
    assert len(text) > 100_000
    query = check_query(synthetic_parser, text)
    assert query == synthetic_parser.parse(text[:MAX_INPUT_CHARS])


def test_empty_and_whitespace_are_help(synthetic_parser: RegexParser) -> None:
    for text in ("", " ", "\x00\x01", "\u200b\u200d", "\ud800"):
        assert check_query(synthetic_parser, text).intent == "help"


def test_rtl_text_with_a_request_still_parses(synthetic_parser: RegexParser) -> None:
    query = check_query(synthetic_parser, "מה לראות? movies like heat \u200f مرحبا")
    assert (query.intent, query.title) == ("similar_to", "Heat (1995)")


@pytest.fixture(scope="module")
def toolbox_parser(toolbox: Toolbox) -> RegexParser:
    """The parser over the tiny toolbox's own catalog, as the chat builds it."""
    return RegexParser(toolbox.titles, GENRES)


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(messages, st.sampled_from(["movies like heat", "rate fargo 4/5"])))
def test_dispatch_answers_any_text_with_a_reply(
    toolbox: Toolbox, toolbox_parser: RegexParser, text: str
) -> None:
    store = InMemoryProfileStore()
    query = check_query(toolbox_parser, text)
    reply = dispatch(query, store.get("someone"), toolbox, store)
    assert isinstance(reply, Reply)
    assert reply.query == query
    assert len(reply.results) <= query.k
