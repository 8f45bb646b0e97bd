"""Fault injection for the LLM parser: a fake OpenAI-compatible endpoint on 127.0.0.1.

A real HTTP server in a thread, so real sockets, timeouts and dropped connections are
exercised (``test_llm.py`` covers the request and answer shapes over ``MockTransport``).  The
endpoint hangs, refuses the key, rate-limits, fails, answers garbage or trickles; whatever it
does, every message gets the regex parser's answer within the budget, and once the breaker is
open the endpoint is not called at all.  Elapsed-time bounds are deliberately loose (budget
plus two seconds): they catch "20 s per message", not jitter on a loaded machine.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import openai
import pytest
from pydantic import SecretStr

from bot.parsing import LLMOptions, make_parser
from bot.parsing.llm import LLMLimits, LLMParser
from bot.parsing.regex import RegexParser
from tests.bot.parsing.test_llm import API_KEY, GENRES, args, completion
from tools.schema import Query
from tools.titles import TitleIndex

TITLES = ("Heat (1995)", "Fargo (1996)", "Alien (1979)", "Star Wars (1977)", "Contact (1997)")
MESSAGES = ("top 3 comedies", "something like fargo", "rate heat 4/5", "popular films", "help")
SLACK = 2.0  # seconds past the budget a loaded 2-core machine may need, never more
HANG_LIMIT = 30.0  # a hanging request is released at teardown, or after this


class FakeOpenAI:
    """``POST /v1/chat/completions`` doing whatever ``behaviour`` says; counts what it got."""

    def __init__(self) -> None:
        self.behaviour = "ok"
        self.requests = 0
        self.authorizations: list[str] = []
        self.received = threading.Event()  # set on every request
        self.release = threading.Event()  # ends hangs and trickles
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                with fake._lock:
                    fake.requests += 1
                    fake.authorizations.append(self.headers.get("authorization", ""))
                fake.received.set()
                with contextlib.suppress(OSError):  # the client gave up and hung up
                    fake.answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def settled(self, expected: int) -> int:
        """Requests received, once ``expected`` have arrived (a loaded server reads late)."""
        deadline = time.monotonic() + 5.0
        while self.requests < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.requests

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        behaviour = self.behaviour
        if behaviour == "hang":
            self.release.wait(HANG_LIMIT)
            return _send(handler, 200, completion(args(intent="popular")))
        if behaviour == "trickle":  # every read gets a byte in time; the answer never ends
            handler.send_response(200)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", "100000")
            handler.end_headers()
            while not self.release.wait(0.2):
                handler.wfile.write(b" ")
                handler.wfile.flush()
            return None
        if behaviour == "drop":  # accept, read, close without a word
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return None
        if behaviour in ("401", "403", "429", "500", "503"):
            # OpenAI's error body quotes part of the key: it must not reach any output.
            body = {"error": {"message": f"Incorrect API key provided: {API_KEY}", "code": None}}
            return _send(handler, int(behaviour), body)
        if behaviour == "garbage":
            return _send(handler, 200, b"<html>captive portal</html>")
        if behaviour == "malformed-tool-call":
            return _send(handler, 200, completion('{"intent": "popular", "genre": '))
        if behaviour == "wrong-function":
            return _send(handler, 200, completion(args(), name="get_weather"))
        if behaviour == "no-tool-call":
            return _send(handler, 200, completion(content="Here are some comedies: ..."))
        return _send(handler, 200, completion(args(intent="popular", k=7)))


def _send(handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any] | bytes) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


@pytest.fixture
def endpoint() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    thread = threading.Thread(target=fake.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        fake.server.shutdown()
        fake.server.server_close()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # every logger, the openai and httpx clients' included
    return caplog


@pytest.fixture
def regex() -> RegexParser:
    return RegexParser(TitleIndex(TITLES), GENRES)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def llm_parser(
    endpoint: FakeOpenAI, regex: RegexParser, clock: FakeClock, **limits: Any
) -> LLMParser:
    # Generous client retries on purpose: the parser must not let them multiply its budget.
    client = openai.OpenAI(api_key=API_KEY, base_url=endpoint.url, max_retries=5)
    return LLMParser(client, "m", GENRES, regex, limits=LLMLimits(**limits), clock=clock)


def timed(parser: LLMParser, text: str) -> tuple[Query, str, float]:
    start = time.monotonic()
    query, source = parser.parse_with_source(text)
    return query, source, time.monotonic() - start


def warnings(logs: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in logs.records if r.levelno >= logging.WARNING]


def assert_key_nowhere(logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    out, err = capsys.readouterr()
    for text in (logs.text, out, err, *(r.getMessage() for r in logs.records)):
        assert API_KEY not in text
        assert "SECRETkey" not in text  # nor a fragment of it


def test_hanging_endpoint_costs_one_budget_per_message_then_nothing(
    endpoint: FakeOpenAI,
    regex: RegexParser,
    logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before: 10 s x 2 attempts = 20 s on every message.  Now: the budget, twice, then the
    breaker answers from the regex parser without touching the endpoint."""
    endpoint.behaviour = "hang"
    budget = 1.0
    options = LLMOptions(api_key=SecretStr(API_KEY), base_url=endpoint.url)
    limits = LLMLimits(budget=budget, failure_threshold=2, cooldown=600)
    parser = make_parser("auto", TitleIndex(TITLES), GENRES, llm=options, llm_limits=limits)
    assert isinstance(parser, LLMParser)

    for text in MESSAGES[:2]:
        query, source, elapsed = timed(parser, text)
        assert (query, source) == (regex.parse(text), "regex-fallback")
        assert elapsed < budget + SLACK, elapsed
    assert endpoint.settled(2) == 2  # the timeout spent the budget: no retry inside it
    assert parser.breaker.state == "open"

    for text in MESSAGES * 2:
        assert parser.parse_with_source(text) == (regex.parse(text), "regex-fallback")
    assert endpoint.requests == 2  # answered without calling the endpoint

    stats = parser.stats()
    assert stats.fallbacks == {"timeout": 2, "breaker_open": 2 * len(MESSAGES)}
    assert (stats.messages, stats.llm_calls, stats.answered_by_llm) == (12, 2, 0)
    assert stats.breaker_opens == 1
    (warning,) = warnings(logs)
    assert "2 failures in a row" in warning and "regex parser" in warning
    assert_key_nowhere(logs, capsys)


# behaviour -> (HTTP requests one message makes: a retry where one may help, counted reason)
FAULTS = {
    "401": (1, "auth"),
    "403": (1, "auth"),
    "429": (2, "rate_limited"),
    "500": (2, "server_error"),
    "503": (2, "server_error"),
    "drop": (2, "connection"),
    "garbage": (1, "malformed"),
    "malformed-tool-call": (1, "malformed"),
    "wrong-function": (1, "malformed"),
    "no-tool-call": (1, "malformed"),
}


@pytest.mark.parametrize("behaviour", sorted(FAULTS))
def test_every_fault_answers_from_regex_and_opens_the_breaker_once(
    behaviour: str,
    endpoint: FakeOpenAI,
    regex: RegexParser,
    logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint.behaviour = behaviour
    budget = 2.0
    parser = llm_parser(endpoint, regex, FakeClock(), budget=budget, retry_pause=0.0)
    threshold = parser.limits.failure_threshold
    attempts, reason = FAULTS[behaviour]

    for text in MESSAGES[:threshold]:
        query, source, elapsed = timed(parser, text)
        assert (query, source) == (regex.parse(text), "regex-fallback")
        assert elapsed < budget + SLACK, elapsed
    assert endpoint.requests == threshold * attempts
    assert parser.breaker.state == "open"

    for text in MESSAGES * 3:
        assert parser.parse_with_source(text) == (regex.parse(text), "regex-fallback")
    assert endpoint.requests == threshold * attempts  # not called while open

    stats = parser.stats()
    assert stats.fallbacks == {reason: threshold, "breaker_open": 3 * len(MESSAGES)}
    assert stats.messages == threshold + 3 * len(MESSAGES)
    assert stats.llm_calls == endpoint.requests and stats.breaker_opens == 1
    assert len(warnings(logs)) == 1, warnings(logs)  # one line for the outage, not per message
    assert_key_nowhere(logs, capsys)


@pytest.mark.parametrize("status", ["401", "403"])
def test_refused_key_warns_once_naming_the_setting_never_the_key(
    status: str,
    endpoint: FakeOpenAI,
    regex: RegexParser,
    logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint.behaviour = status
    parser = llm_parser(endpoint, regex, FakeClock())
    for text in MESSAGES * 2:
        assert parser.parse(text) == regex.parse(text)
    assert endpoint.authorizations[0] == f"Bearer {API_KEY}"  # the key was really sent
    (warning,) = warnings(logs)
    assert "OPENAI_API_KEY" in warning and f"HTTP {status}" in warning
    assert parser.stats().fallbacks["auth"] == parser.limits.failure_threshold
    assert_key_nowhere(logs, capsys)


def test_trickling_answer_is_abandoned_at_the_deadline(
    endpoint: FakeOpenAI, regex: RegexParser
) -> None:
    """Each byte arrives before the socket's read timeout, so only a deadline ends the wait."""
    endpoint.behaviour = "trickle"
    budget = 1.0
    parser = llm_parser(endpoint, regex, FakeClock(), budget=budget)
    query, source, elapsed = timed(parser, "top 3 comedies")
    assert (query, source) == (regex.parse("top 3 comedies"), "regex-fallback")
    assert elapsed < budget + SLACK, elapsed
    assert parser.stats().fallbacks == {"timeout": 1}
    assert endpoint.settled(1) == 1


def test_unreachable_endpoint_falls_back_at_once(regex: RegexParser) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = openai.OpenAI(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")
    parser = LLMParser(client, "m", GENRES, regex, limits=LLMLimits(budget=2.0, retry_pause=0))
    for text in MESSAGES:
        query, source, elapsed = timed(parser, text)
        assert (query, source) == (regex.parse(text), "regex-fallback")
        assert elapsed < 2.0 + SLACK
    stats = parser.stats()
    assert stats.fallbacks == {"connection": 3, "breaker_open": 2}
    assert stats.llm_calls == 6  # three messages, one retry each, then none


def test_half_open_probe_recovers_when_the_endpoint_comes_back(
    endpoint: FakeOpenAI, regex: RegexParser, logs: pytest.LogCaptureFixture
) -> None:
    endpoint.behaviour = "500"
    clock = FakeClock()
    parser = llm_parser(
        endpoint, regex, clock, budget=2.0, retry_pause=0.0, failure_threshold=2, cooldown=30
    )
    for text in MESSAGES[:2]:
        parser.parse(text)
    assert parser.breaker.state == "open" and endpoint.requests == 4

    clock.now += 29
    parser.parse("top 3 comedies")
    assert endpoint.requests == 4  # still cooling down

    clock.now += 2  # cool-down over, endpoint still broken: the probe fails, open again
    assert parser.parse_with_source("top 3 comedies")[1] == "regex-fallback"
    assert endpoint.requests == 6 and parser.breaker.state == "open"
    parser.parse("popular films")
    assert endpoint.requests == 6

    endpoint.behaviour = "ok"
    clock.now += 31
    query, source = parser.parse_with_source("popular films")
    assert source == "llm" and (query.intent, query.k) == ("popular", 7)
    assert parser.breaker.state == "closed" and endpoint.requests == 7
    assert parser.parse_with_source("anything")[1] == "llm"
    stats = parser.stats()
    assert (stats.breaker_opens, stats.answered_by_llm, stats.llm_calls) == (2, 2, 8)
    assert len(warnings(logs)) == 1  # the first opening; the re-opening is INFO
    assert any("breaker closed" in r.getMessage() for r in logs.records)


def test_concurrent_messages_share_one_breaker_and_one_probe(
    endpoint: FakeOpenAI, regex: RegexParser
) -> None:
    endpoint.behaviour = "hang"
    clock = FakeClock()
    budget = 1.0
    parser = llm_parser(endpoint, regex, clock, budget=budget, failure_threshold=3, cooldown=30)
    results: list[tuple[Query, str, float]] = []
    lock = threading.Lock()

    def send(text: str) -> None:
        outcome = timed(parser, text)
        with lock:
            results.append(outcome)

    def burst(texts: tuple[str, ...]) -> list[threading.Thread]:
        threads = [threading.Thread(target=send, args=(text,)) for text in texts]
        for thread in threads:
            thread.start()
        return threads

    for thread in burst(MESSAGES * 2):
        thread.join()
    assert len(results) == 10
    assert all(source == "regex-fallback" for _, source, _ in results)
    assert max(elapsed for *_, elapsed in results) < budget + SLACK
    # On a loaded machine a call can hit its deadline before its request reaches the server,
    # so the server may count fewer than the parser's attempts; never more.
    calls = parser.stats().llm_calls
    assert endpoint.settled(calls) <= calls <= 10 and parser.breaker.state == "open"
    assert parser.breaker.opens == 1

    # After the cool-down one message probes (and hangs); the others meanwhile go to regex.
    clock.now += 31
    endpoint.received.clear()
    (probe,) = burst(("popular films",))
    assert endpoint.received.wait(budget + SLACK)
    others = burst(MESSAGES * 2)
    for thread in [*others, probe]:
        thread.join()
    assert parser.stats().llm_calls == calls + 1  # exactly one probe went to the LLM
    assert len(results) == 21
    assert parser.stats().fallbacks["breaker_open"] >= 10
