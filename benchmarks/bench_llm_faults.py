"""Per-message latency of the LLM parser under endpoint faults; prints Markdown for BENCHMARKS.md.

The parser runs with its default limits (``DEFAULT_LIMITS``: 4 s budget per message, breaker
opening after 3 consecutive failures, 30 s cool-down) against the fake OpenAI-compatible
endpoint of the fault suite (``tests/bot/parsing/test_llm_faults.py``, a real HTTP server on
127.0.0.1), with the regex parser as fallback.  For each fault: messages sent one after
another, reply latency p50/p99/max, requests the endpoint received, fallbacks by reason,
WARNING lines logged.  Then the same hanging endpoint under 16 concurrent senders.
Budget: every reply within the 4 s budget (+ scheduling), the endpoint not called while the
breaker is open, one WARNING per outage.  Before the breaker and budget every message against
a hanging endpoint took 20.5 s.

Run: ``uv run python benchmarks/bench_llm_faults.py [--messages N]`` from the project root.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path

import numpy as np
import openai

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fake endpoint lives with the tests that use it

from bot.parsing.llm import DEFAULT_LIMITS, LLMParser  # noqa: E402
from bot.parsing.regex import RegexParser  # noqa: E402
from tests.bot.parsing.test_llm import API_KEY, GENRES  # noqa: E402
from tests.bot.parsing.test_llm_faults import MESSAGES, TITLES, FakeOpenAI  # noqa: E402
from tools.titles import TitleIndex  # noqa: E402

__all__ = ["main"]

FAULTS = (
    "ok",
    "hang",
    "trickle",
    "drop",
    "401",
    "429",
    "500",
    "garbage",
    "malformed-tool-call",
)


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _serve(behaviour: str) -> FakeOpenAI:
    fake = FakeOpenAI()
    fake.behaviour = behaviour
    threading.Thread(target=fake.server.serve_forever, args=(0.05,), daemon=True).start()
    return fake


def _stop(fake: FakeOpenAI) -> None:
    fake.release.set()
    fake.server.shutdown()
    fake.server.server_close()


def _parser(fake: FakeOpenAI) -> LLMParser:
    client = openai.OpenAI(api_key=API_KEY, base_url=fake.url)
    regex = RegexParser(TitleIndex(TITLES), GENRES)
    return LLMParser(client, "bench", GENRES, regex, limits=DEFAULT_LIMITS)


def _send(parser: LLMParser, text: str, latencies: list[float], lock: threading.Lock) -> None:
    start = time.perf_counter()
    parser.parse(text)
    elapsed = time.perf_counter() - start
    with lock:
        latencies.append(elapsed)


def _row(name: str, fake: FakeOpenAI, parser: LLMParser, latencies: list[float], warns: int) -> str:
    ms = np.asarray(latencies) * 1000
    stats = parser.stats()
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(stats.fallbacks.items())) or "—"
    return (
        f"| {name} | {len(ms)} | {np.percentile(ms, 50):.1f} | {np.percentile(ms, 99):.0f} | "
        f"{ms.max():.0f} | {fake.requests} | {stats.answered_by_llm} | {reasons} | "
        f"{stats.breaker_opens} | {warns} |"
    )


def run_fault(behaviour: str, messages: int, warnings: _Warnings) -> str:
    fake = _serve(behaviour)
    try:
        parser = _parser(fake)
        warnings.count = 0
        latencies: list[float] = []
        lock = threading.Lock()
        for i in range(messages):
            _send(parser, MESSAGES[i % len(MESSAGES)], latencies, lock)
        return _row(behaviour, fake, parser, latencies, warnings.count)
    finally:
        _stop(fake)


def run_concurrent(senders: int, each: int, warnings: _Warnings) -> str:
    fake = _serve("hang")
    try:
        parser = _parser(fake)
        warnings.count = 0
        latencies: list[float] = []
        lock = threading.Lock()

        def sender(offset: int) -> None:
            for i in range(each):
                _send(parser, MESSAGES[(offset + i) % len(MESSAGES)], latencies, lock)

        threads = [threading.Thread(target=sender, args=(n,)) for n in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return _row(f"hang, {senders} concurrent", fake, parser, latencies, warnings.count)
    finally:
        _stop(fake)


def main(argv: list[str] | None = None) -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--messages", type=int, default=50, help="messages per fault")
    args = options.parse_args(argv)
    warnings = _Warnings()
    logging.getLogger("moviebot.parser").addHandler(warnings)
    logging.getLogger("moviebot.parser").propagate = False  # the counts, not the lines

    limits = DEFAULT_LIMITS
    print("### LLM parser under endpoint faults\n")
    print(
        f"`uv run python benchmarks/bench_llm_faults.py --messages {args.messages}` — "
        f"budget {limits.budget:g} s per message, breaker after {limits.failure_threshold} "
        f"consecutive failures, {limits.cooldown:g} s cool-down; fake endpoint on 127.0.0.1, "
        "regex fallback.\n"
    )
    print(
        "| endpoint | messages | p50 ms | p99 ms | max ms | requests received | answered by "
        "LLM | fallbacks by reason | breaker opens | WARNING lines |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|---|--:|--:|")
    for behaviour in FAULTS:
        print(run_fault(behaviour, args.messages, warnings), flush=True)
    print(run_concurrent(16, 10, warnings), flush=True)


if __name__ == "__main__":
    main()
