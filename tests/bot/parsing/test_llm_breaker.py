"""The circuit breaker on its own: states stepped with a fake clock, and safe under threads."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from bot.parsing.breaker import CircuitBreaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_opens_after_threshold_consecutive_failures(clock: FakeClock) -> None:
    breaker = CircuitBreaker(3, 30.0, clock=clock)
    assert [breaker.record_failure() for _ in range(2)] == ["unchanged", "unchanged"]
    assert breaker.state == "closed" and breaker.allow()
    assert breaker.record_failure() == "opened"
    assert breaker.state == "open" and breaker.opens == 1
    assert not breaker.allow()


def test_a_success_resets_the_count(clock: FakeClock) -> None:
    breaker = CircuitBreaker(2, 30.0, clock=clock)
    for _ in range(5):  # fail, succeed, fail, succeed...: never two in a row
        assert breaker.record_failure() == "unchanged"
        assert breaker.record_success() == "unchanged"
    assert breaker.state == "closed" and breaker.opens == 0


def test_cool_down_then_one_probe_whose_success_closes(clock: FakeClock) -> None:
    breaker = CircuitBreaker(1, 30.0, clock=clock)
    breaker.record_failure()
    clock.now += 29.9
    assert not breaker.allow()
    clock.now += 0.2
    assert breaker.allow()  # the probe
    assert breaker.state == "half_open"
    assert not breaker.allow() and not breaker.allow()  # nobody else while it is out
    assert breaker.record_success() == "closed"
    assert breaker.state == "closed"
    assert all(breaker.allow() for _ in range(3))


def test_failed_probe_reopens_for_a_full_cool_down(clock: FakeClock) -> None:
    breaker = CircuitBreaker(2, 30.0, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 31
    assert breaker.allow()
    clock.now += 3  # the probe itself took a while
    assert breaker.record_failure() == "reopened"
    assert breaker.state == "open" and breaker.opens == 2
    clock.now += 29
    assert not breaker.allow()  # counted from the failed probe, not the first opening
    clock.now += 2
    assert breaker.allow()


def test_late_failure_of_a_call_let_through_earlier_keeps_it_open(clock: FakeClock) -> None:
    breaker = CircuitBreaker(1, 30.0, clock=clock)
    assert breaker.record_failure() == "opened"
    assert breaker.record_failure() == "unchanged"
    assert breaker.opens == 1


@pytest.mark.parametrize(("threshold", "cooldown"), [(0, 1.0), (1, -1.0)])
def test_rejects_nonsense_settings(threshold: int, cooldown: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        CircuitBreaker(threshold, cooldown)


def test_many_threads_one_opening_and_one_probe(clock: FakeClock) -> None:
    breaker = CircuitBreaker(5, 30.0, clock=clock)
    start = threading.Barrier(16)
    transitions: Counter[str] = Counter()
    lock = threading.Lock()

    def fail() -> None:
        start.wait()
        for _ in range(50):
            outcome = breaker.record_failure()
            with lock:
                transitions[outcome] += 1

    threads = [threading.Thread(target=fail) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert transitions["opened"] == 1 and breaker.opens == 1
    assert transitions["unchanged"] == 16 * 50 - 1

    clock.now += 30
    allowed: list[bool] = []
    probe_start = threading.Barrier(16)

    def ask() -> None:
        probe_start.wait()
        granted = breaker.allow()
        with lock:
            allowed.append(granted)

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 1  # exactly one probe, however many messages arrive at once
