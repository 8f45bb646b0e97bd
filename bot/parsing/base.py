"""What every message parser is: text in, one validated ``Query`` out, never an exception."""

from __future__ import annotations

import unicodedata
from typing import Protocol

from tools.schema import Query

__all__ = ["MAX_INPUT_CHARS", "Parser", "clean_text"]

#: Longer messages are cut before parsing: no request needs more, and it bounds the work.
MAX_INPUT_CHARS = 1000


class Parser(Protocol):
    """Turns one chat message into one Query.  ``name`` is logged with every parse."""

    name: str

    def parse(self, text: str) -> Query: ...


def clean_text(text: str) -> str:
    """Cut to ``MAX_INPUT_CHARS``, drop control characters, fold whitespace."""
    text = text[:MAX_INPUT_CHARS]
    kept = (
        " " if unicodedata.category(ch).startswith("C") and ch not in "\u200d" else ch
        for ch in text
    )
    return " ".join("".join(kept).split())
