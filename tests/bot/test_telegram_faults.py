"""Fault injection for the Telegram front-end: the real Application against the scripted fake
Bot API (``tests.fake_bot_api``) on 127.0.0.1.

The flood limit (votes, ratings and /forget are never throttled; refusals say how long to
wait), a rejected token and an unreachable API at start, 429 bursts, 5xx outages, hanging and
dropped requests, concurrency with per-person order, SIGTERM mid-reply, stickers and local
paths.  Waits are shrunk through ``TelegramTuning`` so the whole file runs in seconds.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.parsing import RegexParser
from bot.ratelimit import UserBuckets, is_costly_text, wait_text
from bot.store import SqliteProfileStore
from bot.telegram_app import NOT_TEXT, TelegramTuning, run, scrub_paths
from bot.telegram_net import hide_secret
from recommender.errors import DataError
from recommender.training import ensure_trained
from tests.conftest import REPO_ROOT, make_ratings, tiny_toolbox, write_csv_layout
from tests.fake_bot_api import (
    DROP,
    TOKEN,
    USER,
    FakeBotApi,
    Fault,
    bad_gateway,
    button_data,
    button_update,
    feed,
    hang,
    make_app,
    session,
    slow,
    sticker_update,
    text_update,
    too_many_requests,
    unauthorized,
)
from tests.tools.conftest import TITLES
from tools.toolbox import Toolbox

# RetryAfter's own constructor reads its deprecated number-valued attribute (PTB v22.2+).
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*")

FAST = TelegramTuning(
    backoff_s=0.01,
    backoff_max_s=0.05,
    retry_budget_s=3.0,
    connect_attempts=3,
    connect_backoff_s=0.01,
    connect_timeout_s=1.0,
    read_timeout_s=0.5,
    poll_timeout_s=1,
)
SECRET_HALF = TOKEN.split(":")[1]
APOLOGY_START = "Sorry, something went wrong"


@pytest.fixture(scope="module")
def toolbox() -> Toolbox:
    return tiny_toolbox(TITLES, fingerprint="tiny-telegram-faults")


class Clock:
    """A clock the test moves by hand, for the token buckets."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def texts(api: FakeBotApi) -> list[str]:
    return [p["text"] for p in api.answered()]


def warnings_from(caplog: pytest.LogCaptureFixture, name: str = "moviebot.telegram") -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == name and r.levelno >= 30]


def assert_quiet_and_secret(caplog: pytest.LogCaptureFixture) -> None:
    """No token in any captured line, and no traceback at the default level or above."""
    assert TOKEN not in caplog.text and SECRET_HALF not in caplog.text
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert all(r.exc_info is None and r.exc_text is None for r in loud), loud
    assert "Traceback" not in "".join(r.getMessage() for r in loud)


def serve_until(app: Any, api: FakeBotApi, done: Callable[[], bool]) -> int:
    """Serve (polling the fake) in this thread until ``done()``, then SIGTERM, as a service
    manager would; the exit status of ``run``."""

    def stop_when_done() -> None:
        deadline = time.monotonic() + 20.0
        while not done() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_when_done, daemon=True)
    stopper.start()
    try:
        return run(app)
    finally:
        stopper.join(timeout=5)


# ---------------------------------------------------------------------------- flood limit


def test_bucket_allows_a_burst_then_says_exactly_when() -> None:
    clock = Clock()
    buckets = UserBuckets(burst=3, refill_s=10.0, clock=clock)
    assert [buckets.take(1) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take(1) == pytest.approx(10.0)
    assert buckets.take(2) == 0.0  # another person has their own bucket
    clock.now = 4.0
    assert buckets.take(1) == pytest.approx(6.0)  # refused: nothing spent, the wait shrinks
    clock.now = 10.0
    assert buckets.take(1) == 0.0 and buckets.take(1) == pytest.approx(10.0)
    clock.now = 1000.0  # a long pause refills to the burst, not beyond
    assert [buckets.take(1) for _ in range(4)][-1] == pytest.approx(10.0)
    assert "in 3 seconds" in wait_text(2.01) and "in 1 second." in wait_text(0.2)


def test_ratings_and_privacy_commands_are_free(toolbox: Toolbox) -> None:
    parse = RegexParser(toolbox.titles, toolbox.genres).parse
    for free in ("I loved Fargo", "rate Heat 4/5", "/rate heat 4", "/forget", "/profile"):
        assert not is_costly_text(free, parse), free
    for start_or_help in ("/start", "/help", "/help@movie_test_bot", "/link 1001"):
        assert not is_costly_text(start_or_help, parse), start_or_help
    for costly in ("hello", "give me 3 horror movies", "/popular", "/similar heat", "more"):
        assert is_costly_text(costly, parse), costly


def test_issue_burst_with_default_limit_is_all_answered(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    """The issue's script: /start, a rating, seven "hello", /forget, 0.2 s apart (the clock
    stands still here, which is stricter): everything answered, the rating then forgotten."""
    app = make_app(api, toolbox, store, buckets=UserBuckets(clock=Clock()))
    burst = ["/start", "I loved Fargo", *["hello"] * 7, "/forget"]
    session(app, *(text_update(t) for t in burst))
    replies = texts(api)
    assert len(replies) == len(burst) and not any("Slow down" in r for r in replies)
    assert "forgot" in replies[-1]
    assert store.get(f"telegram:{USER}").ratings == {}


def test_forget_and_ratings_inside_a_throttled_burst(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    clock = Clock()
    app = make_app(api, toolbox, store, buckets=UserBuckets(burst=2, refill_s=5.0, clock=clock))

    async def go() -> None:
        async with app:
            await feed(app, *(text_update("hello") for _ in range(4)))  # 2 answered, 2 refused
            clock.now = 1.5
            await feed(app, text_update("hello"))  # still refused: 3.5 s to go
            await feed(app, text_update("I loved Fargo"), text_update("rate Heat 4/5"))
            await feed(app, text_update("/rate alien 2"), text_update("/profile"))
            assert len(store.get(f"telegram:{USER}").ratings) == 3
            await feed(app, text_update("/forget"), text_update("/start"))

    asyncio.run(go())
    replies = texts(api)
    refusals = [r for r in replies if r.startswith("Slow down")]
    assert len(replies) == 11 and len(refusals) == 3  # every message got an answer
    assert "in 5 seconds" in refusals[0] and "in 5 seconds" in refusals[1]
    assert "in 4 seconds" in refusals[2]  # 3.5 s, rounded up: never promises too early
    assert "Fargo (1996)" in replies[5] and "Heat (1995)" in replies[6]
    assert "Ratings: 3" in replies[8]
    assert "forgot" in replies[9] and "MovieBot. Ask me" in replies[10]
    assert store.get(f"telegram:{USER}").ratings == {}


def test_ten_votes_in_a_row_are_all_stored_and_more_says_wait(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    clock = Clock()
    app = make_app(api, toolbox, store, buckets=UserBuckets(burst=1, refill_s=30.0, clock=clock))

    async def go() -> None:
        async with app:
            await feed(app, text_update("give me 10 comedy movies"))
            (listing,) = api.answered()
            votes = [d for d in button_data(listing) if d.startswith("v1:up")]
            assert len(votes) == 10
            await feed(app, *(button_update(d) for d in votes), button_update("v1:more"))

    asyncio.run(go())
    toasts = [p.get("text", "") for p in api.answered("answerCallbackQuery")]
    assert len(toasts) == 11 and all(t.startswith("👍 noted for ") for t in toasts[:10])
    assert toasts[10].startswith("Slow down") and "in 30 seconds" in toasts[10]
    liked = store.feedback_of(f"telegram:{USER}")
    assert len(liked) == 10 and all(liked.values())


# ---------------------------------------------------------------------------- start-up


def test_unreachable_api_at_start_retries_then_one_line(
    toolbox: Toolbox, store: SqliteProfileStore, caplog: pytest.LogCaptureFixture, capsys: Any
) -> None:
    with FakeBotApi() as api:
        pass  # stopped: its port now refuses connections
    caplog.set_level(logging.DEBUG, logger="moviebot")
    status = run(make_app(api, toolbox, store, tuning=FAST))
    assert status == 1
    lines = warnings_from(caplog)
    assert len(lines) == FAST.connect_attempts
    assert all(f"(attempt {n} of 3)" in line for n, line in enumerate(lines, start=1))
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach the Telegram Bot API after 3 attempts" in err[0]
    assert_quiet_and_secret(caplog)
    with pytest.raises(Exception, match="closed"):  # nothing left open
        store.get("telegram:1")


def test_hanging_then_502_at_start_is_retried(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore, caplog: pytest.LogCaptureFixture
) -> None:
    api.failures["getMe"] = [hang(3.0), bad_gateway()]
    api.push(text_update("/help"))
    app = make_app(api, toolbox, store, tuning=FAST)
    status = serve_until(app, api, lambda: bool(api.answered()))
    assert status == 0 and "movies like the godfather" in texts(api)[0]
    first, second = warnings_from(caplog)  # one line per failed attempt
    assert "TimedOut" in first and "Bad Gateway" in second  # the hang was cut by the timeout
    assert_quiet_and_secret(caplog)


@pytest.fixture(scope="module")
def trained_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small CSV dataset with its models trained and cached, so the processes start fast."""
    root = tmp_path_factory.mktemp("telegram-process")
    ratings, movies = make_ratings(np.random.default_rng(3))
    data_dir = write_csv_layout(root / "data", ratings, movies)
    ensure_trained(data_dir, root / "models")
    return data_dir, root / "models"


def moviebot_telegram(
    api: FakeBotApi, trained_data: tuple[Path, Path], tmp_path: Path
) -> subprocess.Popen[str]:
    data_dir, model_dir = trained_data
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "MOVIEBOT_LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(REPO_ROOT),
    }
    argv = ["telegram", "--data-dir", str(data_dir), "--model-dir", str(model_dir)]
    argv += ["--db", str(tmp_path / "bot.sqlite3"), "--parser", "regex"]
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *argv],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_rejected_token_is_one_line_exit_2_and_never_printed(
    api: FakeBotApi, trained_data: tuple[Path, Path], tmp_path: Path
) -> None:
    api.failures["getMe"] = [unauthorized()]
    process = moviebot_telegram(api, trained_data, tmp_path)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith("moviebot: error: Telegram rejected the bot token")
    assert "TELEGRAM_BOT_TOKEN" in lines[-1] and "Traceback" not in err
    for output in (out, err):  # not the token, not its secret half, at DEBUG
        assert TOKEN not in output and SECRET_HALF not in output
    assert [name for name, _ in api.calls] == ["getMe"]  # no retry of a refusal


# ---------------------------------------------------------------------------- runtime faults


def test_429_burst_waits_retry_after_and_the_answer_arrives(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    api.failures["sendMessage"] = [too_many_requests(0.05) for _ in range(5)]
    session(make_app(api, toolbox, store, tuning=FAST), text_update("/help"))
    assert len(api.sent()) == 6 and len(api.answered()) == 1
    assert "movies like the godfather" in texts(api)[0]  # the real answer, no apology
    lines = warnings_from(caplog)
    assert len(lines) == 5 and all("RetryAfter" in line for line in lines)
    assert_quiet_and_secret(caplog)


def test_429_beyond_the_budget_gives_up_in_bounded_time(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A flood that outlasts the budget: bounded attempts, one line each, one error."""
    tuning = FAST.model_copy(update={"retry_budget_s": 0.5})
    api.failures["sendMessage"] = [too_many_requests(0.2) for _ in range(50)]
    session(make_app(api, toolbox, store, tuning=tuning), text_update("/help"))
    # Two waits of 0.3 s fit in 0.5 s only once: the answer gets 2 tries, the apology too.
    assert len(api.sent()) == 4 and not api.answered()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "RetryAfter" in errors[0].getMessage()
    assert len(caplog.records) <= 8
    assert_quiet_and_secret(caplog)


def test_5xx_outage_is_retried_with_one_line_each(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    outage = [bad_gateway(502), bad_gateway(502), bad_gateway(500), DROP, bad_gateway(503)]
    api.failures["sendMessage"] = list(outage)
    api.failures["answerCallbackQuery"] = list(outage)
    session(
        make_app(api, toolbox, store, tuning=FAST),
        text_update("give me 3 horror movies"),
        button_update("v1:more"),
    )
    first, more = api.answered()
    assert "<b>Popular picks:</b>" in first["text"] and "<b>Popular picks:</b>" in more["text"]
    assert len(api.answered("answerCallbackQuery")) == 1
    assert not any(APOLOGY_START in t for t in texts(api))
    lines = warnings_from(caplog)
    assert len(lines) == 10  # one per failure, nothing else
    assert sum("NetworkError" in line for line in lines) == 10
    assert_quiet_and_secret(caplog)


def test_debug_level_adds_the_tracebacks(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="moviebot")
    api.failures["sendMessage"] = [bad_gateway()]
    session(make_app(api, toolbox, store, tuning=FAST), text_update("/help"))
    details = [r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info]
    assert len(details) == 1 and len(api.answered()) == 1
    assert TOKEN not in caplog.text and SECRET_HALF not in caplog.text


def test_hanging_send_times_out_and_is_sent_again(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore, caplog: pytest.LogCaptureFixture
) -> None:
    api.failures["sendMessage"] = [hang(5.0)]
    session(make_app(api, toolbox, store, tuning=FAST), text_update("/rate fargo 5"))
    assert len(api.sent()) == 2 and "Fargo (1996) — 5/5" in texts(api)[0]
    (line,) = warnings_from(caplog)
    assert "TimedOut" in line
    assert store.get(f"telegram:{USER}").ratings == {toolbox.movie_id("Fargo (1996)"): 5.0}


# ---------------------------------------------------------------------------- concurrency


def test_a_slow_person_does_not_hold_up_the_others_and_keeps_their_order(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    """Person 1's replies are slow to send; persons 2-4 are answered meanwhile, and person
    1's own messages are still answered in the order they were sent."""
    slow_user = 1

    def slow_for_one(method: str, params: dict[str, Any]) -> Fault | None:
        if method == "sendMessage" and params.get("chat_id") == str(slow_user):
            return slow(0.3)  # under the read timeout: slow, not failed
        return None

    api.injector = slow_for_one
    script = [text_update("/rate heat 1", slow_user), text_update("/rate fargo 2", slow_user)]
    script += [text_update("/rate star wars 3", slow_user)]
    script += [text_update("/help", user) for user in (2, 3, 4)]
    api.push(*script)
    status = serve_until(
        make_app(api, toolbox, store, tuning=FAST), api, lambda: len(api.answered()) == 6
    )
    assert status == 0
    order = [int(p["chat_id"]) for p in api.answered()]
    assert sorted(order[:3]) == [2, 3, 4]  # nobody waited for person 1
    mine = [p["text"] for p in api.answered() if int(p["chat_id"]) == slow_user]
    assert ["Heat" in mine[0], "Fargo" in mine[1], "Star Wars" in mine[2]] == [True] * 3


def test_rapid_votes_and_forget_inside_a_flood_through_polling(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    """Person A votes on every film of a list as fast as the updates come; person B floods
    with requests and then says /forget: every vote stored, the /forget honoured and answered."""
    voter, flooder = 11, 12
    movie_ids = [toolbox.movie_id(title) for title in TITLES]
    store.rate(f"telegram:{flooder}", movie_ids[0], 4.0)
    api.push(
        *(
            button_update(f"v1:{'up' if n % 2 else 'dn'}:{m}", voter)
            for n, m in enumerate(movie_ids)
        )
    )
    api.push(*(text_update("give me 3 horror movies", flooder) for _ in range(12)))
    api.push(text_update("/forget", flooder))
    tuning = FAST.model_copy(update={"burst": 3, "refill_s": 60.0})

    def answered_all() -> bool:
        return len(api.answered("answerCallbackQuery")) == len(movie_ids) and any(
            "forgot" in t for t in texts(api)
        )

    status = serve_until(make_app(api, toolbox, store, tuning=tuning), api, answered_all)
    assert status == 0
    reopened = SqliteProfileStore(store.path)
    votes = reopened.feedback_of(f"telegram:{voter}")
    assert votes == {m: bool(n % 2) for n, m in enumerate(movie_ids)}
    assert reopened.get(f"telegram:{flooder}").ratings == {}
    flood_replies = [p["text"] for p in api.answered() if int(p["chat_id"]) == flooder]
    assert len(flood_replies) == 13 and "forgot" in flood_replies[-1]
    assert sum(t.startswith("Slow down") for t in flood_replies) == 9
    reopened.close()


def test_sigterm_mid_reply_sends_it_and_closes_the_database(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    """SIGTERM arrives while the reply is on its way: it is still delivered, the rating is
    stored, then the database closes and the update is acknowledged."""

    def slow_reply(method: str, params: dict[str, Any]) -> Fault | None:
        return slow(0.5) if method == "sendMessage" else None

    api.injector = slow_reply
    update = text_update("/rate heat 5")
    api.push(update)
    status = serve_until(make_app(api, toolbox, store, tuning=FAST), api, lambda: bool(api.sent()))
    assert status == 0
    assert "Heat (1995) — 5/5" in texts(api)[0]  # delivered after the signal
    assert api.acked_offset > update["update_id"]  # acknowledged only then
    with pytest.raises(Exception, match="closed"):
        store.get("telegram:1")
    reopened = SqliteProfileStore(store.path)
    assert reopened.get(f"telegram:{USER}").ratings == {toolbox.movie_id("Heat (1995)"): 5.0}
    reopened.close()


# ---------------------------------------------------------------------------- what is said


def test_stickers_and_photos_get_a_short_answer(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    session(make_app(api, toolbox, store), sticker_update())
    assert texts(api) == [NOT_TEXT]


class FailingStore(SqliteProfileStore):
    """A store whose writes fail the way a broken disk would surface (a DataError naming the
    database file)."""

    def rate(self, user_key: str, movie_id: int, stars: float) -> Any:
        raise DataError(self.path, "cannot write the profile database: disk I/O error")


def test_error_messages_keep_paths_out_of_the_chat(
    api: FakeBotApi, toolbox: Toolbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "private").mkdir()
    with FailingStore(tmp_path / "private" / "profiles.sqlite3") as failing:
        session(make_app(api, toolbox, failing), text_update("/rate fargo 5"))
    (reply,) = texts(api)
    assert "disk I/O error" in reply and "a local file" in reply
    assert str(tmp_path) not in reply and "profiles.sqlite3" not in reply
    assert str(tmp_path / "private") in caplog.text  # the log keeps the path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/home/ann/.cache/moviebot/u.data:12: bad line", "a local file: bad line"),
        ("~/data/ratings.csv is empty", "a local file is empty"),
        ("data/ml-100k/u.item: bad", "a local file: bad"),
        (r"C:\Users\ann\movies.csv: bad", "a local file: bad"),
        ("no film called Face/Off (1997); rate it 4/5 or try /help", None),
    ],
)
def test_scrub_paths(text: str, expected: str | None) -> None:
    assert scrub_paths(text) == (expected or text)
    assert re.search(r"/home|Users", scrub_paths(text)) is None


def test_mixed_faults_through_polling_lose_nothing_and_log_one_line_each(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Three people, messages, votes and ratings, with every third reply failing in turn as a
    429, a 502, a dropped connection and a hang, and one failed poll: after recovery every
    message is answered once, every vote and rating stored, one log line per fault."""
    rotation = [too_many_requests(0.05), bad_gateway(502), DROP, hang(1.0)]
    seen: dict[str, int] = {}

    def every_third(method: str, params: dict[str, Any]) -> Fault | None:
        seen[method] = seen.get(method, 0) + 1
        if method == "getUpdates" and seen[method] == 2:
            return bad_gateway(502)
        if method in ("sendMessage", "answerCallbackQuery") and seen[method] % 3 == 0:
            return rotation[(seen[method] // 3) % len(rotation)]
        return None

    api.injector = every_third
    movie_ids = [toolbox.movie_id(title) for title in TITLES]
    people = (21, 22, 23)
    for person in people:
        api.push(text_update("give me 3 horror movies", person))
        api.push(*(button_update(f"v1:up:{m}", person) for m in movie_ids[:4]))
        api.push(text_update("/rate heat 4", person), text_update("I loved Fargo", person))
        api.push(text_update("movies like alien", person))
    texts_each, votes_each = 4, 4

    def all_answered() -> bool:
        return len(api.answered()) == texts_each * len(people) and len(
            api.answered("answerCallbackQuery")
        ) == votes_each * len(people)

    status = serve_until(make_app(api, toolbox, store, tuning=FAST), api, all_answered)
    assert status == 0 and all_answered()
    for person in people:
        replies = [p["text"] for p in api.answered() if int(p["chat_id"]) == person]
        assert len(replies) == texts_each and not any(APOLOGY_START in r for r in replies)
    reopened = SqliteProfileStore(store.path)
    heat, fargo = toolbox.movie_id("Heat (1995)"), toolbox.movie_id("Fargo (1996)")
    for person in people:
        assert reopened.feedback_of(f"telegram:{person}") == dict.fromkeys(movie_ids[:4], True)
        assert reopened.get(f"telegram:{person}").ratings == {heat: 4.0, fargo: 5.0}
    reopened.close()
    assert sum(api.faults.values()) >= 6
    assert len(warnings_from(caplog)) == sum(api.faults.values())  # one line per fault
    assert_quiet_and_secret(caplog)


def test_the_log_filter_cuts_the_token_from_any_line_and_traceback() -> None:
    """Belt and braces for ``moviebot telegram``: whatever logs the token, the root handlers
    print it cut out (message, arguments and traceback)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        hide_secret(TOKEN)
        noisy = logging.getLogger("some.library")
        noisy.error("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            noisy.exception("start failed; secret half %s", SECRET_HALF)
    finally:
        root.removeHandler(handler)
    text = out.getvalue()
    assert text.count("<token>") == 3 and "RuntimeError" in text
    assert TOKEN not in text and SECRET_HALF not in text
