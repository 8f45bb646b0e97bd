"""The profile store when the disk fails it: full, read-only.  What a person told the bot is
either stored or they are told plainly it was not — never a silent "Noted" — and nothing is
half-written.

A full disk is simulated with SQLite's own ``PRAGMA max_page_count`` (the database may not
grow by one more page: SQLite then fails exactly as on ENOSPC, with SQLITE_FULL), a read-only
database with ``PRAGMA query_only`` (root ignores permission bits, so chmod would prove
nothing here).  Both are set on the store's own connection, the only one that writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.conversation import Conversation
from bot.parsing import RegexParser
from bot.store import SqliteProfileStore, StoreError
from recommender.errors import MovieBotError
from tests.conftest import tiny_toolbox
from tools.toolbox import Toolbox

TITLES = ["Fargo (1996)", "Heat (1995)", "Alien (1979)"]


def fill_the_disk(store: SqliteProfileStore) -> None:
    """From now on the database may not grow: the next new page fails with SQLITE_FULL."""
    connection = store._connection  # fault injection: the store's one writing connection
    assert connection is not None
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")


def free_the_disk(store: SqliteProfileStore) -> None:
    assert store._connection is not None
    store._connection.execute("PRAGMA max_page_count = 1073741823")


def make_read_only(store: SqliteProfileStore) -> None:
    assert store._connection is not None
    store._connection.execute("PRAGMA query_only = ON")


@pytest.fixture(scope="module")
def toolbox() -> Toolbox:
    return tiny_toolbox(TITLES)


def snapshot(store: SqliteProfileStore, user: str) -> tuple[object, ...]:
    return (
        store.get(user),
        store.feedback_of(user),
        store.shown(user),
        store.load_session(user),
    )


#: Every write the conversation makes, each big enough to need new pages.
WRITES: dict[str, Callable[[SqliteProfileStore], object]] = {
    "rate": lambda s: [s.rate("u", 1000 + m, 4.0) for m in range(300)],
    "feedback": lambda s: [s.feedback("u", 2000 + m, True) for m in range(300)],
    "mark_shown": lambda s: s.mark_shown("u", list(range(5000, 9000))),
    "save_session": lambda s: s.save_session("u", {"pending": "x" * 30_000}),
    "link": lambda s: [s.link(f"new-{n}", 7) for n in range(300)],
}


@pytest.mark.parametrize("write", WRITES)
def test_a_full_disk_is_a_store_error_and_nothing_is_half_written(
    store: SqliteProfileStore, write: str, caplog: pytest.LogCaptureFixture
) -> None:
    store.rate("u", 1, 5.0)
    store.feedback("u", 2, False)
    store.mark_shown("u", [3])
    store.save_session("u", {"cursor": 1})
    before = snapshot(store, "u")
    fill_the_disk(store)
    with (
        caplog.at_level(logging.ERROR, logger="moviebot.store"),
        pytest.raises(StoreError, match="the disk is full") as caught,
    ):
        WRITES[write](store)
    message = str(caught.value)
    assert "nothing was saved" in message and str(store.path) not in message  # for the person
    assert len(caplog.records) == 1 and str(store.path) in caplog.records[0].getMessage()
    # The failed transaction rolled back whole: each earlier call of the loop committed,
    # the failing one left nothing; mark_shown and save_session are one call each.
    if write in ("mark_shown", "save_session"):
        assert snapshot(store, "u") == before
    assert store.get("u").ratings[1] == 5.0
    free_the_disk(store)  # the store is still usable once there is room again
    store.rate("u", 4, 3.5)
    assert store.get("u").ratings[4] == 3.5


def test_a_read_only_database_is_a_store_error(store: SqliteProfileStore) -> None:
    store.rate("u", 1, 5.0)
    make_read_only(store)
    with pytest.raises(StoreError, match="read-only"):
        store.rate("u", 2, 4.0)
    with pytest.raises(StoreError, match="read-only"):
        store.forget("u")
    assert store.get("u").ratings == {1: 5.0}  # reads still work
    assert isinstance(StoreError("x"), MovieBotError)


def test_misuse_is_not_mistaken_for_the_disk(store: SqliteProfileStore) -> None:
    store.close()
    with pytest.raises(Exception) as caught:
        store.rate("u", 1, 5.0)
    assert not isinstance(caught.value, StoreError)


# ------------------------------------------------------------------ what the person hears


@pytest.fixture
def chat(toolbox: Toolbox, store: SqliteProfileStore) -> Conversation:
    return Conversation(toolbox, RegexParser(toolbox.titles, toolbox.genres), store)


def fargo(toolbox: Toolbox) -> int:
    return toolbox.movie_id("Fargo (1996)")


@pytest.mark.parametrize("how", ["text", "command", "star button", "vote button"])
def test_a_rating_that_cannot_be_stored_is_reported_as_not_saved(
    chat: Conversation, store: SqliteProfileStore, toolbox: Toolbox, how: str
) -> None:
    """Read-only, because a single-row write fits in a page that still has room, so a page
    limit cannot make it fail on demand; both faults take the same path (``StoreError``)."""
    movie = fargo(toolbox)
    store.rate("u", toolbox.movie_id("Heat (1995)"), 2.0)
    make_read_only(store)
    before = snapshot(store, "u")
    if how == "text":
        reply = chat.handle_text("u", "rate Fargo (1996) 4/5")
    elif how == "command":
        reply = chat.handle_text("u", "/rate fargo 4")
    elif how == "star button":
        reply = chat.handle_button("u", f"v1:rate:{movie}:4")
    else:
        reply = chat.handle_button("u", f"v1:up:{movie}")
    said = reply.message or ""
    assert "noted" not in said.lower()
    assert "nothing was saved" in said and str(store.path) not in said
    assert snapshot(store, "u") == before
