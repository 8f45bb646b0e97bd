"""Message parsers: the offline regex router (default) and the LLM function-calling parser.

``make_parser`` picks one by setting: ``regex``; ``llm`` (needs LLM options, i.e. an
OPENAI_API_KEY in the settings); or ``auto``, the LLM when a key is configured and regex
otherwise.  The LLM parser always falls back to the
regex parser (within a per-message time budget, and not at all while its circuit breaker is
open), so every choice answers every message, promptly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from bot.parsing.base import MAX_INPUT_CHARS, LLMOptions, Parser, clean_text
from bot.parsing.regex import RegexParser
from recommender.errors import ConfigError
from tools.titles import TitleIndex

if TYPE_CHECKING:
    from bot.parsing.llm import LLMLimits

__all__ = [
    "MAX_INPUT_CHARS",
    "LLMOptions",
    "Parser",
    "ParserChoice",
    "RegexParser",
    "clean_text",
    "make_parser",
]

ParserChoice = Literal["auto", "regex", "llm"]
log = logging.getLogger("moviebot.parser")


def make_parser(
    choice: ParserChoice,
    titles: TitleIndex,
    genres: Sequence[str],
    *,
    llm: LLMOptions | None = None,
    llm_limits: LLMLimits | None = None,
) -> Parser:
    """The parser ``choice`` names; ConfigError if ``llm`` is asked for without LLM options
    (no API key configured).  ``auto`` is the LLM exactly when ``llm`` is given.

    ``llm_limits`` (budget, breaker) default to ``bot.parsing.llm.DEFAULT_LIMITS``.
    """
    regex = RegexParser(titles, genres)
    if choice == "regex":
        return regex
    if llm is None:
        if choice == "llm":
            raise ConfigError("--parser llm needs OPENAI_API_KEY (and optionally OPENAI_BASE_URL)")
        log.info("no OPENAI_API_KEY: using the offline regex parser")
        return regex
    from bot.parsing.llm import DEFAULT_LIMITS, from_options  # imports openai: only when needed

    limits = DEFAULT_LIMITS if llm_limits is None else llm_limits
    return from_options(llm, genres, regex, limits=limits)
