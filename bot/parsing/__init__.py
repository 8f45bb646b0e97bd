"""Message parsers: the offline regex router (default) and the LLM function-calling parser.

``make_parser`` picks one by setting: ``regex``; ``llm`` (needs OPENAI_API_KEY); or ``auto``,
the LLM when a key is configured and regex otherwise.  The LLM parser always falls back to the
regex parser, so every choice answers every message.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Literal

from bot.parsing.base import MAX_INPUT_CHARS, Parser, clean_text
from bot.parsing.regex import RegexParser
from recommender.errors import ConfigError
from tools.titles import TitleIndex

__all__ = ["MAX_INPUT_CHARS", "Parser", "ParserChoice", "RegexParser", "clean_text", "make_parser"]

ParserChoice = Literal["auto", "regex", "llm"]
log = logging.getLogger("moviebot.parser")


def make_parser(
    choice: ParserChoice,
    titles: TitleIndex,
    genres: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
) -> Parser:
    """The parser ``choice`` names; ConfigError if ``llm`` is asked for without an API key."""
    regex = RegexParser(titles, genres)
    if choice == "regex":
        return regex
    from bot.parsing.llm import from_env  # imports openai: only when an LLM may be used

    llm = from_env(genres, regex, env=os.environ if env is None else env)
    if llm is not None:
        return llm
    if choice == "llm":
        raise ConfigError("--parser llm needs OPENAI_API_KEY (and optionally OPENAI_BASE_URL)")
    log.info("no OPENAI_API_KEY: using the offline regex parser")
    return regex
