"""Soak of the Telegram front-end through a faulty Bot API; prints a Markdown section for
BENCHMARKS.md.

The real Application (production ``TelegramTuning``, offline parser) long-polls the fake Bot API
of ``tests/fake_bot_api.py`` on 127.0.0.1.  Each simulated person sends a script of messages
and button presses (requests, "More", 👍/👎 on the films they were shown, ratings typed two
ways, /profile), each one a think time (``--think-s``, jittered) after the answer to the
previous one arrived, as a person would.
About ``--fault-rate`` of all Bot API calls fail: a 429 with ``retry_after``, a 5xx, a dropped
connection, or a slow answer (under the read timeout).  Reported: messages answered, votes and
ratings stored (read back from the SQLite database) against those sent, faults by type, reply
latency from the update being available to its answer reaching the fake API.

Run: ``uv run python benchmarks/bench_soak.py [--users 200] [--steps 20] [--data-dir DIR]``
from the project root.  Without ``--data-dir`` it uses a small synthetic catalog.
"""

from __future__ import annotations

import argparse
import heapq
import logging
import os
import random
import shlex
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fake Bot API lives with the tests

from bot.commands import load_toolbox  # noqa: E402
from bot.parsing import RegexParser  # noqa: E402
from bot.store import SqliteProfileStore  # noqa: E402
from bot.telegram_app import TelegramTuning, run  # noqa: E402
from recommender.data.synth import write_synthetic  # noqa: E402
from tests.fake_bot_api import (  # noqa: E402
    DROP,
    FakeBotApi,
    Fault,
    bad_gateway,
    button_data,
    button_update,
    make_app,
    slow,
    text_update,
    too_many_requests,
)
from tools.toolbox import Toolbox  # noqa: E402

__all__ = ["main"]

REQUESTS = (
    "give me 3 {genre} movies",
    "suggest 4 {genre} films",
    "movies like {title}",
    "popular {genre}",
    "recommend something",
)
#: The action kinds of one person's script, in a shuffled order after a first request.
SCRIPT = {"request": 5, "more": 1, "vote": 8, "rate": 4, "profile": 1}


# ---------------------------------------------------------------------------- faults


class Faults:
    """Decides, per Bot API call, whether (and how) it fails: about ``rate`` of all calls."""

    def __init__(self, rate: float, rng: random.Random) -> None:
        self.rate = rate
        self.rng = rng

    def __call__(self, method: str, params: dict[str, Any]) -> Fault | None:
        if method in ("getMe", "deleteWebhook", "setMyCommands", "getUpdates"):
            # Start-up has its own tests; a failed poll backs off for seconds (by design),
            # which would measure python-telegram-bot's backoff rather than ours.
            return None
        if self.rng.random() >= self.rate:
            return None
        kind = self.rng.choice(("429", "5xx", "drop", "slow"))
        if kind == "429":
            return too_many_requests(self.rng.choice((1, 1, 2)))
        if kind == "5xx":
            return bad_gateway(self.rng.choice((500, 502, 503)))
        if kind == "drop":
            return DROP
        return slow(self.rng.uniform(0.2, 2.0))


# ---------------------------------------------------------------------------- people


@dataclass
class Person:
    """One simulated person: their script, what they were shown, and what they told the bot."""

    chat_id: int
    actions: list[str]
    shown: list[int] = field(default_factory=list)
    votes: dict[int, bool] = field(default_factory=dict)
    ratings: dict[int, float] = field(default_factory=dict)
    #: The answers that end the current step: ("sendMessage", chat), ("answerCallbackQuery", id).
    waiting_for: frozenset[tuple[str, str]] = frozenset()
    sent_at: float = 0.0
    step: int = 0


class Crowd:
    """Drives every person from the fake API's delivery callback: an answer to a person's
    current step records its latency and sends their next step."""

    def __init__(
        self,
        api: FakeBotApi,
        toolbox: Toolbox,
        titles: list[str],
        people: list[Person],
        think_s: float,
    ) -> None:
        self.api = api
        self.think_s = think_s
        self._due: list[tuple[float, int, dict[str, Any]]] = []  # (when, chat, update) heap
        self._wake = threading.Condition(threading.Lock())
        self.toolbox = toolbox
        self.titles = titles
        self.people = {p.chat_id: p for p in people}
        self.rng = random.Random(7)
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.answers = Counter[str]()
        self.sent = Counter[str]()
        self.finished = threading.Event()
        self.done = 0

    def start(self) -> None:
        threading.Thread(target=self._pusher, daemon=True).start()
        for person in self.people.values():
            self._next(person)

    def _pusher(self) -> None:
        """Hands each scheduled step to the fake API when its think time is over."""
        while not self.finished.is_set():
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    timeout = self._due[0][0] - time.monotonic() if self._due else 0.1
                    self._wake.wait(max(0.0, min(timeout, 0.1)))
                    if self.finished.is_set():
                        return
                _, chat_id, update = heapq.heappop(self._due)
            with self.lock:
                self.people[chat_id].sent_at = time.monotonic()
            self.api.push(update)

    def on_delivered(self, method: str, params: dict[str, Any]) -> None:
        if method == "sendMessage":
            person = self.people.get(int(params["chat_id"]))
            key = str(params["chat_id"])
        elif method == "answerCallbackQuery":
            person = self.people.get(int(params["callback_query_id"].split(":")[0][2:]))
            key = params["callback_query_id"]
        else:
            return
        with self.lock:
            if person is None or (method, key) not in person.waiting_for:
                return
            if method == "answerCallbackQuery" and not params.get("text"):
                return  # "More" acknowledged; its list follows as a message
            self.latencies.append(time.monotonic() - person.sent_at)
            text = params.get("text", "")
            if method == "sendMessage":
                self._read_list(person, params)
            self.answers[_kind_of_answer(text)] += 1
            self._next(person)

    def _read_list(self, person: Person, params: dict[str, Any]) -> None:
        if "reply_markup" in params:
            ups = [d for d in button_data(params) if d.startswith("v1:up:")]
            if ups:
                person.shown = [int(d.split(":")[2]) for d in ups]

    def _next(self, person: Person) -> None:
        """Send ``person``'s next step (the caller holds the lock)."""
        if person.step >= len(person.actions):
            person.waiting_for = frozenset()
            self.done += 1
            if self.done == len(self.people):
                self.finished.set()
            return
        action = person.actions[person.step]
        person.step += 1
        fresh = [m for m in person.shown if m not in person.votes]
        if action == "vote" and not fresh:
            action = "rate"  # nothing new to vote on: say something else they would say
        update = self._update(person, action, fresh)
        self.sent[action] += 1
        if "callback_query" in update:
            # The callback id names the person, so the answer can be matched to them.
            query_id = f"cb{person.chat_id}:{person.step}"
            update["callback_query"]["id"] = query_id
            # A toast ends the step; "More" answers with a new message (or a toast if refused).
            person.waiting_for = frozenset(
                {("answerCallbackQuery", query_id), ("sendMessage", str(person.chat_id))}
                if action == "more"
                else {("answerCallbackQuery", query_id)}
            )
        else:
            person.waiting_for = frozenset({("sendMessage", str(person.chat_id))})
        # A person reads the answer before the next step (0.5-1.5 x the think time).
        when = time.monotonic() + self.think_s * self.rng.uniform(0.5, 1.5)
        with self._wake:
            heapq.heappush(self._due, (when, person.chat_id, update))
            self._wake.notify()

    def _update(self, person: Person, action: str, fresh: list[int]) -> dict[str, Any]:
        rng, genres = self.rng, self.toolbox.genres
        if action == "request":
            template = rng.choice(REQUESTS)
            text = template.format(genre=rng.choice(genres).lower(), title=rng.choice(self.titles))
            return text_update(text, person.chat_id)
        if action == "more":
            return button_update("v1:more", person.chat_id)
        if action == "vote":
            movie_id, liked = rng.choice(fresh), rng.random() < 0.7
            person.votes[movie_id] = liked
            return button_update(f"v1:{'up' if liked else 'dn'}:{movie_id}", person.chat_id)
        if action == "rate":
            title, stars = rng.choice(self.titles), rng.randint(1, 5)
            person.ratings[self.toolbox.movie_id(title)] = float(stars)
            text = f"/rate {title} {stars}" if rng.random() < 0.5 else f"rate {title} {stars}/5"
            return text_update(text, person.chat_id)
        return text_update("/profile", person.chat_id)


def _kind_of_answer(text: str) -> str:
    if text.startswith("Slow down"):
        return "refused (slow down)"
    if text.startswith("Sorry, something went wrong"):
        return "apology"
    return "answer"


def make_people(n: int, rng: random.Random) -> list[Person]:
    people = []
    for n_person in range(n):
        rest = [kind for kind, count in SCRIPT.items() for _ in range(count)]
        rng.shuffle(rest)
        people.append(Person(chat_id=100_000 + n_person, actions=["request", *rest]))
    return people


# ---------------------------------------------------------------------------- setup


def rateable_titles(toolbox: Toolbox, n: int, rng: random.Random) -> list[str]:
    """Catalog titles, typed as displayed, that both rating forms store under that very film
    (checked with the offline parser and the resolver before the run)."""
    parser = RegexParser(toolbox.titles, toolbox.genres)
    catalog = toolbox.catalog
    popular = [catalog.titles[i] for i in np.argsort(-catalog.rating_counts)[:300]]
    rng.shuffle(popular)
    chosen = []
    for title in popular:
        try:
            movie_id = toolbox.movie_id(title)
        except Exception:
            continue
        query = parser.parse(f"rate {title} 4/5")
        if query.intent != "rate" or query.title is None or query.rating != 4:
            continue
        try:
            if toolbox.movie_id(query.title) != movie_id:
                continue
        except Exception:
            continue
        chosen.append(title)
        if len(chosen) == n:
            break
    return chosen


class LogTally(logging.Handler):
    """Counts what the bot logs at WARNING and above (and any traceback), printing nothing."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines = Counter[str]()
        self.tracebacks = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.lines[record.levelname] += 1
        self.tracebacks += record.exc_info is not None


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="simulated people")
    parser.add_argument("--steps", type=int, default=20, help="messages and presses each")
    parser.add_argument("--fault-rate", type=float, default=0.10, help="share of failed calls")
    parser.add_argument("--data-dir", type=Path, help="MovieLens folder (default: synthetic)")
    parser.add_argument("--model-dir", type=Path, help="trained-model cache (default: temp)")
    parser.add_argument("--think-s", type=float, default=1.0, help="pause between steps")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after (s)")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    if sum(SCRIPT.values()) + 1 != args.steps:
        scale = args.steps / (sum(SCRIPT.values()) + 1)
        for kind in SCRIPT:
            SCRIPT[kind] = max(1, round(SCRIPT[kind] * scale))
    rng = random.Random(args.seed)
    tally = LogTally()
    logging.getLogger().addHandler(tally)

    with tempfile.TemporaryDirectory(prefix="moviebot-soak-") as scratch:
        data_dir = args.data_dir or write_synthetic(Path(scratch) / "data", 60_000, seed=1)
        toolbox = load_toolbox(data_dir, args.model_dir or Path(scratch) / "models")
        titles = rateable_titles(toolbox, 40, rng)
        store = SqliteProfileStore(Path(scratch) / "soak.sqlite3")
        people = make_people(args.users, rng)
        with FakeBotApi() as api:
            crowd = Crowd(api, toolbox, titles, people, args.think_s)
            api.on_delivered = crowd.on_delivered
            api.injector = Faults(args.fault_rate, random.Random(args.seed + 1))
            tuning = TelegramTuning(poll_timeout_s=1)
            app = make_app(api, toolbox, store, tuning=tuning)
            started = time.monotonic()

            def drive() -> None:
                time.sleep(0.5)  # let polling start
                with crowd.lock:
                    crowd.start()
                crowd.finished.wait(args.timeout)
                os.kill(os.getpid(), signal.SIGTERM)

            driver = threading.Thread(target=drive, daemon=True)
            driver.start()
            status = run(app)
            wall_s = time.monotonic() - started
            driver.join(timeout=5)
            calls = Counter(name for name, _ in api.calls)
            faults = Counter(api.faults)
        stored = SqliteProfileStore(Path(scratch) / "soak.sqlite3")
        votes_sent = sum(len(p.votes) for p in people)
        ratings_sent = sum(len(p.ratings) for p in people)
        votes_ok = ratings_ok = 0
        for person in people:
            key = f"telegram:{person.chat_id}"
            feedback = stored.feedback_of(key)
            votes_ok += sum(feedback.get(m) == v for m, v in person.votes.items())
            ratings = stored.get(key).ratings
            ratings_ok += sum(ratings.get(m) == s for m, s in person.ratings.items())
        stored.close()

    steps_sent = sum(crowd.sent.values())
    answered = sum(crowd.answers.values())
    command = "uv run python benchmarks/bench_soak.py " + shlex.join(sys.argv[1:])
    data = str(args.data_dir) if args.data_dir else "synthetic (60,000 ratings)"
    total_calls = sum(calls.values())
    print(f"## Telegram soak: {args.users} people x {args.steps} steps, faulty Bot API\n")
    print(f"`{command.strip()}` (data: {data}; exit status {status}; wall {wall_s:.0f} s)\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| messages and presses sent | {steps_sent:,} ({dict(crowd.sent)}) |")
    print(f"| answered | {answered:,} of {steps_sent:,} ({dict(crowd.answers)}) |")
    print(f"| votes stored / sent (distinct films) | {votes_ok:,} / {votes_sent:,} |")
    print(f"| ratings stored / sent (distinct films) | {ratings_ok:,} / {ratings_sent:,} |")
    injected = sum(faults.values())
    share = injected / max(1, total_calls - calls["getUpdates"] - calls["getMe"])
    by_type = ", ".join(f"{kind}: {n}" for kind, n in sorted(faults.items()))
    print(f"| Bot API calls | {total_calls:,} ({calls['getUpdates']:,} getUpdates) |")
    print(f"| faults injected | {injected:,} ({share:.1%} of non-polling calls): {by_type} |")
    logged = ", ".join(f"{level}: {n}" for level, n in sorted(tally.lines.items()))
    print(f"| log lines at WARNING+ | {logged or 0}; tracebacks: {tally.tracebacks} |")
    lat = crowd.latencies
    print(
        f"| reply latency p50 / p99 / max | {percentile(lat, 50) * 1000:.0f} ms / "
        f"{percentile(lat, 99) * 1000:.0f} ms / {max(lat, default=0) * 1000:.0f} ms |"
    )
    print(f"| throughput | {answered / wall_s:.1f} answers/s |")


if __name__ == "__main__":
    main()
