"""Per-user token buckets: the chat's flood limit, applied only to work that costs something.

A bucket holds up to ``burst`` tokens and gains one every ``refill_s`` seconds; each costly
request (a search, a recommendation, a message the LLM may read) takes one.  A full bucket lets
a person ask several things in a row; an empty one says exactly when the next token arrives.
What only writes or reads the person's own profile (a vote, a rating, /forget, /profile) never
takes a token: see ``is_costly_text``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from recommender.errors import ConfigError
from tools.schema import Query

__all__ = ["FREE_COMMANDS", "UserBuckets", "is_costly_button", "is_costly_text", "wait_text"]

#: Slash commands that only touch the person's own profile (or say hello): never throttled.
#: /popular and /similar search; everything else here is a store read or write.
FREE_COMMANDS = frozenset({"start", "help", "profile", "forget", "rate", "link"})


@dataclass
class _Bucket:
    tokens: float
    at: float


class UserBuckets:
    """One token bucket per user id.  ``take`` answers 0.0 (granted, one token spent) or the
    seconds until a token will be there (refused, nothing spent)."""

    def __init__(
        self,
        burst: int = 8,
        refill_s: float = 4.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or not refill_s > 0:
            raise ConfigError("a token bucket needs burst >= 1 and refill_s > 0")
        self.burst = burst
        self.refill_s = refill_s
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}

    def _level(self, user_id: int, now: float) -> _Bucket:
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(float(self.burst), now)
        else:
            gained = (now - bucket.at) / self.refill_s
            bucket.tokens, bucket.at = min(float(self.burst), bucket.tokens + gained), now
        return bucket

    def take(self, user_id: int) -> float:
        now = self._clock()
        bucket = self._level(user_id, now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            self._forget_full(now)
            return 0.0
        return (1.0 - bucket.tokens) * self.refill_s

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely (they equal a new one), so memory stays
        bounded by the people active in the last ``burst * refill_s`` seconds."""
        if len(self._buckets) < 1024:
            return
        horizon = self.burst * self.refill_s
        for user_id in [u for u, b in self._buckets.items() if now - b.at >= horizon]:
            del self._buckets[user_id]


def wait_text(seconds: float) -> str:
    """The refusal, with the wait rounded up so it is never too short."""
    wait = max(1, math.ceil(seconds - 1e-9))
    unit = "second" if wait == 1 else "seconds"
    return (
        f"Slow down a little, please: I can look that up again in {wait} {unit}. "
        "Ratings, 👍/👎, /profile and /forget always work."
    )


def is_costly_text(text: str, parse: Callable[[str], Query]) -> bool:
    """Whether answering ``text`` means a search or an LLM call.

    ``parse`` is the offline (regex) parser: a message it reads as a rating is a store write,
    whatever parser then answers it.  Free commands are listed in ``FREE_COMMANDS``; unknown
    commands only get "unknown command"."""
    stripped = text.strip()
    if stripped.startswith("/"):
        name = stripped[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if stripped[1:] else ""
        return name in ("popular", "similar")
    if not stripped:
        return False
    query = parse(stripped)
    return not (query.intent == "rate" and query.title is not None)


def is_costly_button(data: str) -> bool:
    """Only "More" searches; 👍/👎, star ratings and did-you-mean picks answer a question the
    bot asked (a pick is used once, so it cannot be repeated for free)."""
    return data.startswith("v1:more")
