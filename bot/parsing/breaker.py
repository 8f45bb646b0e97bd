"""A thread-safe circuit breaker: stop calling a dependency that keeps failing, probe it later.

``closed``: calls go through; ``threshold`` consecutive failures open it.  ``open``: calls are
refused (the caller answers without the dependency, instantly) until ``cooldown`` seconds have
passed; then ``half_open``: exactly one caller is let through as a probe.  The probe's success
closes the breaker, its failure opens it for another cool-down.  The clock is injectable so
tests can step through cool-downs without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final, Literal

__all__ = ["BreakerState", "CircuitBreaker", "Transition"]

BreakerState = Literal["closed", "open", "half_open"]
#: What a recorded outcome did to the breaker, so the caller can log it once, where it happened.
Transition = Literal["opened", "reopened", "closed", "unchanged"]

_CLOSED: Final = "closed"
_OPEN: Final = "open"
_HALF_OPEN: Final = "half_open"


class CircuitBreaker:
    """Consecutive-failure breaker; every method may be called from any thread."""

    def __init__(
        self, threshold: int, cooldown: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if threshold < 1 or cooldown < 0:
            raise ValueError("a breaker needs threshold >= 1 and cooldown >= 0")
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._state: BreakerState = _CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_out = False
        self._opens = 0

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state

    @property
    def opens(self) -> int:
        """How many times the breaker has opened (re-opening after a failed probe included)."""
        with self._lock:
            return self._opens

    def allow(self) -> bool:
        """Whether this call may go to the dependency; True obliges the caller to record it."""
        with self._lock:
            if self._state == _CLOSED:
                return True
            if self._state == _OPEN and self._clock() - self._opened_at >= self.cooldown:
                self._state = _HALF_OPEN
            if self._state == _HALF_OPEN and not self._probe_out:
                self._probe_out = True
                return True
            return False

    def record_success(self) -> Transition:
        with self._lock:
            self._failures = 0
            self._probe_out = False
            if self._state == _CLOSED:
                return "unchanged"
            self._state = _CLOSED
            return "closed"

    def record_failure(self) -> Transition:
        with self._lock:
            self._failures += 1
            if self._state == _HALF_OPEN:
                return self._open("reopened")
            if self._state == _CLOSED and self._failures >= self.threshold:
                return self._open("opened")
            return "unchanged"  # open already: a call allowed before it opened, finishing late

    def _open(self, transition: Transition) -> Transition:
        self._state = _OPEN
        self._opened_at = self._clock()
        self._probe_out = False
        self._opens += 1
        return transition
