"""The per-film buttons of a list through Telegram: seen, not interested, watchlist and the
film card, pressed on the real python-telegram-bot Application talking HTTP to the fake Bot
API on 127.0.0.1 (``tests.fake_bot_api``), over a tiny synthetic catalog."""

from __future__ import annotations

import asyncio

import pytest

from bot.store import SqliteProfileStore
from tests.conftest import tiny_toolbox
from tests.fake_bot_api import (
    USER,
    FakeBotApi,
    button_data,
    button_update,
    feed,
    keyboard,
    make_app,
    text_update,
)
from tests.tools.conftest import TITLES
from tools.toolbox import Toolbox

PERSON = f"telegram:{USER}"


@pytest.fixture(scope="module")
def toolbox() -> Toolbox:
    return tiny_toolbox(list(TITLES), fingerprint="tiny-telegram-actions")


def film_rows(params: dict[str, object]) -> list[list[dict[str, str]]]:
    """The keyboard rows that belong to listed films (not the More row)."""
    return [row for row in keyboard(params) if row[0]["callback_data"] != "v1:more"]


def test_every_listed_film_has_the_action_buttons(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    async def go() -> None:
        async with make_app(api, toolbox, store) as app:
            await feed(app, text_update("give me 4 comedies"))

    asyncio.run(go())
    (listing,) = api.sent()
    rows = film_rows(listing)
    assert len(rows) == 4
    for row in rows:
        actions = [b["callback_data"].split(":")[1] for b in row]
        assert actions == ["up", "dn", "seen", "no", "wl", "info"]
        assert len({b["callback_data"].split(":")[2] for b in row}) == 1  # one film per row
        assert all(len(b["callback_data"].encode()) <= 64 for b in row)


def test_seen_not_interested_and_watchlist_buttons_are_stored_and_never_listed_again(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    async def go() -> list[str]:
        async with make_app(api, toolbox, store) as app:
            await feed(app, text_update("give me 3 comedies"))
            rows = film_rows(api.sent()[0])
            pressed = [rows[0][2], rows[1][3], rows[2][4]]  # seen, not interested, watchlist
            for button in pressed:
                await feed(app, button_update(button["callback_data"]))
            await feed(app, text_update("/start"), text_update("give me 3 comedies"))
            await feed(app, text_update("/watchlist"))
            return [b["callback_data"] for b in pressed]

    seen, no, wanted = (int(d.split(":")[2]) for d in asyncio.run(go()))
    assert [m.movie_id for m in store.marks(PERSON, "seen")] == [seen]
    assert [m.movie_id for m in store.marks(PERSON, "not_interested")] == [no]
    assert [m.movie_id for m in store.marks(PERSON, "watchlist")] == [wanted]
    toasts = [a["text"] for a in api.sent("answerCallbackQuery")]
    assert toasts[0].startswith("Noted: you've seen ")
    assert toasts[1].startswith("Got it, not for you: ")
    assert toasts[2].startswith("Added to your watchlist: ")
    _first, welcome, again, watchlist = api.sent()  # the presses were toasts, not messages
    assert "MovieBot" in welcome["text"]
    again_ids = {int(d.split(":")[2]) for d in button_data(again) if d != "v1:more"}
    assert len(again_ids) == 3 and not again_ids & {seen, no, wanted}  # also after /start
    assert toolbox.title_of(wanted) in watchlist["text"]


def test_details_button_sends_the_film_card(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    async def go() -> str:
        async with make_app(api, toolbox, store) as app:
            await feed(app, text_update("give me 2 comedies"))
            info = film_rows(api.sent()[0])[1][5]["callback_data"]
            await feed(app, button_update(info))
            return info

    movie_id = int(asyncio.run(go()).split(":")[2])
    _, card = api.sent()
    title = toolbox.title_of(movie_id)
    assert title.replace("&", "&amp;") in card["text"] and "Genres:" in card["text"]
    assert "plot summaries" in card["text"]  # honest about what the data lacks
    assert store.marked(PERSON) == set()  # looking is not marking


@pytest.mark.parametrize(
    "data", ["v1:seen:99999", "v1:wl:abc", "v1:no:", "v1:info:" + "9" * 13, "v1:seen:1:2"]
)
def test_forged_action_buttons_are_refused(
    api: FakeBotApi, toolbox: Toolbox, store: SqliteProfileStore, data: str
) -> None:
    async def go() -> None:
        async with make_app(api, toolbox, store) as app:
            await feed(app, button_update(data))

    asyncio.run(go())
    (answer,) = api.sent("answerCallbackQuery")
    assert "expired" in answer["text"]
    assert store.marked(PERSON) == set() and api.sent() == []
