"""The Telegram front-end end to end: the real python-telegram-bot Application talking HTTP to
a fake Bot API server on 127.0.0.1 (``TELEGRAM_API_BASE_URL``), over a tiny synthetic catalog.

Most tests feed updates with ``application.process_update`` (deterministic); one runs the real
long-polling loop (getUpdates) and stops it with SIGTERM, the way a service manager would.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main as cli_main
from bot.store import SqliteProfileStore
from bot.telegram_app import (
    ALLOWED_UPDATES,
    REFUSAL,
    TelegramTuning,
    quiet_library_loggers,
    run,
)
from tests.conftest import REPO_ROOT, make_ratings, tiny_toolbox, write_csv_layout
from tests.fake_bot_api import (
    DROP,
    TOKEN,
    USER,
    FakeBotApi,
    bad_request,
    button_data,
    button_update,
    feed,
    keyboard,
    make_app,
    session,
    text_update,
    too_many_requests,
)
from tests.tools.conftest import TITLES
from tools.toolbox import Toolbox

ODD_TITLE = "Tom & Jerry <Uncut> (1993)"


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def toolbox() -> Toolbox:
    """The tools tests' tiny catalog, plus a title that needs HTML escaping."""
    return tiny_toolbox([*TITLES, ODD_TITLE], fingerprint="tiny-telegram")


# ---------------------------------------------------------------------------- tests


def test_start_and_help(api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore) -> None:
    session(make_app(api, toolbox, store), text_update("/start"), text_update("/help"))
    start, help_ = api.sent()
    assert start["parse_mode"] == "HTML" and int(start["chat_id"]) == USER
    assert "MovieBot" in start["text"] and "movies like the godfather" in start["text"]
    assert "movies like the godfather" in help_["text"] and "reply_markup" not in help_
    methods = [name for name, _ in api.calls]
    assert methods[0] == "getMe" and "setMyCommands" not in methods  # post_init: run_polling only
    assert methods.count("sendChatAction") >= 2
    actions = api.sent("sendChatAction")
    assert all(a["action"] == "typing" for a in actions)


def test_free_text_gets_html_and_keyboard(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    session(make_app(api, toolbox, store), text_update("give me 3 horror movies"))
    (reply,) = api.sent()
    assert reply["parse_mode"] == "HTML"
    assert "<b>Popular picks:</b>" in reply["text"]
    assert reply["text"].count("Horror") == 3
    data = button_data(reply)
    assert data[-1] == "v1:more"
    assert [d.split(":")[1] for d in data[:-1]] == ["up", "dn", "seen", "no", "wl", "info"] * 3
    assert all(len(d.encode()) <= 64 for d in data)


def test_thumbs_up_is_a_toast_and_stored(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    app = make_app(api, toolbox, store)

    async def go() -> None:
        async with app:
            await feed(app, text_update("give me 3 horror movies"))
            first = button_data(api.sent()[0])[0]
            await feed(app, button_update(first))

    asyncio.run(go())
    movie_id = int(button_data(api.sent()[0])[0].split(":")[2])
    assert store.feedback_of(f"telegram:{USER}") == {movie_id: True}
    (answer,) = api.sent("answerCallbackQuery")
    assert answer["text"].startswith("👍 noted for ")
    assert len(api.sent()) == 1  # a toast, not a new message
    assert len(api.sent("sendChatAction")) == 1  # typing for the search only, not for 👍


def test_more_pages_without_repeats(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    session(
        make_app(api, toolbox, store),
        text_update("give me 3 horror movies"),
        button_update("v1:more"),
        button_update("v1:more"),
    )
    pages = api.sent()
    assert len(pages) == 3 and len(api.sent("answerCallbackQuery")) == 2
    assert len(api.sent("sendChatAction")) == 3  # "typing…" while each page is found
    ids = [{d.split(":")[2] for d in button_data(p)[:-1]} for p in pages]
    assert all(len(page) == 3 for page in ids)
    assert len(ids[0] | ids[1] | ids[2]) == 9  # no film shown twice


def test_did_you_mean_pick(api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore) -> None:
    app = make_app(api, toolbox, store)

    async def go() -> None:
        async with app:
            await feed(app, text_update("movies like godfather"))
            choices = keyboard(api.sent()[0])
            assert [row[0]["text"] for row in choices] == TITLES[4:6]
            await feed(app, button_update(choices[1][0]["callback_data"]))

    asyncio.run(go())
    question, answer = api.sent()
    assert "Which one do you mean" in question["text"]
    assert "Movies like <b>Godfather: Part II, The (1974)</b>" in answer["text"]
    assert button_data(answer)[-1] == "v1:more"


def test_rate_and_profile(api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore) -> None:
    session(make_app(api, toolbox, store), text_update("/rate fargo 5"), text_update("/profile"))
    rated, profile = api.sent()
    assert "Fargo (1996) — 5/5" in rated["text"]
    assert "Ratings: 1" in profile["text"] and "5/5  Fargo (1996)" in profile["text"]
    assert store.get(f"telegram:{USER}").ratings == {toolbox.movie_id("Fargo (1996)"): 5.0}


def test_forget_empties_that_user_only(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    session(
        make_app(api, toolbox, store),
        text_update("/rate heat 4"),
        text_update("/rate fargo 2", user=USER + 1),
        text_update("/forget"),
    )
    assert "forgot" in api.sent()[-1]["text"]
    assert store.get(f"telegram:{USER}").ratings == {}
    assert store.get(f"telegram:{USER + 1}").ratings != {}


def test_allow_list_refuses_once(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    app = make_app(api, toolbox, store, allowed=frozenset({USER}))
    session(
        app,
        text_update("/start", user=999),
        text_update("give me 3 horror movies", user=999),
        text_update("/help", user=USER),
    )
    refusal, welcome = api.sent()
    assert refusal["text"] == REFUSAL and int(refusal["chat_id"]) == 999
    assert int(welcome["chat_id"]) == USER
    assert store.get("telegram:999").ratings == {} and not store.shown("telegram:999")


def test_titles_are_escaped(api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore) -> None:
    session(make_app(api, toolbox, store), text_update("movies like tom & jerry"))
    (reply,) = api.sent()
    assert "Movies like <b>Tom &amp; Jerry &lt;Uncut&gt; (1993)</b>" in reply["text"]
    assert ODD_TITLE not in reply["text"]


def test_long_text_is_truncated_and_said(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    session(make_app(api, toolbox, store), text_update("give me 3 horror movies " + "x" * 2000))
    (reply,) = api.sent()
    assert reply["text"].startswith("(I only read the first 1,000 characters.)")
    assert len(reply["text"]) <= 4096


# RetryAfter's own constructor reads its deprecated number-valued attribute (PTB v22.2+).
@pytest.mark.filterwarnings("ignore:.*retry_after.*")
def test_429_is_retried_and_reply_arrives(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    api.failures["sendMessage"] = [too_many_requests(retry_after=1)]
    started = time.monotonic()
    session(make_app(api, toolbox, store), text_update("/help"))
    sends = api.sent()
    assert len(sends) == 2 and sends[0] == sends[1]  # the same message, sent again
    assert time.monotonic() - started >= 1.0  # after waiting retry_after


def test_network_error_on_send_is_retried(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    api.failures["sendMessage"] = [DROP]
    session(make_app(api, toolbox, store), text_update("/help"))
    assert len(api.sent()) == 2 and api.sent()[0] == api.sent()[1]


def test_error_handler_logs_without_token(
    api: FakeBotApi,
    toolbox: Toolbox,
    store: SqliteProfileStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing send (400) reaches the one error handler; at DEBUG nothing logs the token."""
    saved = {name: logging.getLogger(name).level for name in ("telegram", "httpx", "httpcore")}
    try:
        quiet_library_loggers()
        caplog.set_level(logging.DEBUG)
        api.failures["sendMessage"] = [bad_request()]
        session(make_app(api, toolbox, store), text_update("/help"))
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
    errors = [r for r in caplog.records if r.name == "moviebot.telegram" and r.levelname == "ERROR"]
    assert len(errors) == 1 and "BadRequest" in errors[0].getMessage()
    assert api.sent()[-1]["text"].startswith("Sorry, something went wrong")  # the apology
    assert caplog.records and TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


def test_polling_and_sigterm_close_the_store(
    api: FakeBotApi, toolbox: Toolbox, tmp_path: Path
) -> None:
    """The real thing: polling the fake server, /start via getUpdates, SIGTERM."""
    store = SqliteProfileStore(tmp_path / "polling.sqlite3")
    app = make_app(api, toolbox, store, tuning=TelegramTuning(poll_timeout_s=1))
    api.push(text_update("/start"))
    api.push(button_update("v1:more"))  # nothing asked yet: a toast, not a message

    def stop_when_answered() -> None:
        api.wait_for("answerCallbackQuery", 1, timeout=15.0)
        os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_when_answered, daemon=True)
    stopper.start()
    try:
        status = run(app)
    finally:
        stopper.join(timeout=5)
    assert status == 0
    methods = [name for name, _ in api.calls]
    assert {"getMe", "deleteWebhook", "getUpdates", "setMyCommands"} <= set(methods)
    (welcome,) = api.sent()
    assert "MovieBot" in welcome["text"]
    (toast,) = api.sent("answerCallbackQuery")
    assert toast["text"].startswith("Ask me for something first")
    assert json.loads(api.sent("getUpdates")[0]["allowed_updates"]) == ALLOWED_UPDATES
    with pytest.raises(Exception, match="closed"):  # post_shutdown closed the database
        store.get("telegram:1")


def test_missing_token_is_one_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert cli_main(["telegram", "--data-dir", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "set TELEGRAM_BOT_TOKEN" in err


def test_command_serves_and_exits_cleanly_on_sigterm(api: FakeBotApi, tmp_path: Path) -> None:
    """``moviebot telegram`` as a process: loads data, trains, polls, answers, stops on SIGTERM
    with status 0 and the database closed; its INFO log never shows the token."""
    ratings, movies = make_ratings(np.random.default_rng(3))
    data_dir = write_csv_layout(tmp_path / "data", ratings, movies)
    program = "import sys\nfrom bot.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url + "/",
        "MOVIEBOT_LOG_LEVEL": "DEBUG",
        "PYTHONPATH": str(REPO_ROOT),
    }
    argv = ["telegram", "--data-dir", str(data_dir), "--model-dir", str(tmp_path / "models")]
    argv += ["--db", str(tmp_path / "bot.sqlite3"), "--parser", "regex"]
    api.push(text_update("/popular"))
    process = subprocess.Popen(
        [sys.executable, "-c", program, *argv],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        answered = api.wait_for("sendMessage", 1, timeout=60.0)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert answered and process.returncode == 0, err
    assert "<b>Popular picks:</b>" in api.sent()[0]["text"]
    assert "profile database closed" in err
    assert TOKEN not in err and TOKEN.split(":")[1] not in err
