"""What every message parser is: text in, one validated ``Query`` out, never an exception."""

from __future__ import annotations

import unicodedata
from typing import Final, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from tools.schema import Query

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "MAX_INPUT_CHARS",
    "LLMOptions",
    "ParseContext",
    "Parser",
    "ShownFilm",
    "clean_text",
]

#: One film of the last list shown: (position 1-based, movie id, title, year or None).
ShownFilm = tuple[int, int, str, int | None]

DEFAULT_MODEL: Final = "gpt-4o-mini"
DEFAULT_BASE_URL: Final = "https://api.openai.com/v1"

#: Longer messages are cut before parsing: no request needs more, and it bounds the work.
MAX_INPUT_CHARS = 1000


class ParseContext(BaseModel):
    """What a parser may know of the conversation so far, to resolve follow-ups ("the second
    one", "something older"): the previous request and the last list shown, by position.

    The LLM parser sends it to the model as data; the regex parser accepts it and ignores it
    (every message must parse without it: ``moviebot parse`` has none).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    previous: Query | None = None
    shown: tuple[ShownFilm, ...] = Field(default=(), max_length=50)


class LLMOptions(BaseModel):
    """How to reach an OpenAI-compatible server: typed options built once from the settings
    (``Settings.llm_options``), never read from the process environment behind their back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr
    base_url: str = DEFAULT_BASE_URL
    model: str = DEFAULT_MODEL


class Parser(Protocol):
    """Turns one chat message into one Query.  ``name`` is logged with every parse."""

    name: str

    def parse(self, text: str, context: ParseContext | None = None) -> Query: ...


def clean_text(text: str) -> str:
    """Cut to ``MAX_INPUT_CHARS``, drop control characters, fold whitespace."""
    text = text[:MAX_INPUT_CHARS]
    kept = (
        " " if unicodedata.category(ch).startswith("C") and ch not in "\u200d" else ch
        for ch in text
    )
    return " ".join("".join(kept).split())
