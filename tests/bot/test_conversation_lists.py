"""The person's film lists in the conversation: seen, not interested and the watchlist from
buttons and typed shortcuts, never listed again (also after /start), shown by /watchlist and
plain words, folded into personal picks as weak signals, deleted by /forget; the film card;
and the typed session (a damaged one is dropped with one log line, never a crash).

Runs over the tiny trained catalog of ``tests.conftest`` with the offline regex parser and a
SQLite store in ``tmp_path``.
"""

from __future__ import annotations

import logging
import sqlite3

import pytest

from bot.conversation import WATCHLIST_STARS, ChatReply, Conversation
from bot.parsing import RegexParser
from bot.render import film_card, render_chat_plain
from bot.session import LastList, Session
from bot.store import SqliteProfileStore
from recommender.catalog import Movie
from tests.conftest import tiny_toolbox
from tools.toolbox import Toolbox

TITLES = ["Alien (1979)", "Heat (1995)", "Fargo (1996)", "Toy Story (1995)"]


@pytest.fixture(scope="module")
def toolbox() -> Toolbox:
    return tiny_toolbox(TITLES, fingerprint="tiny-lists")


@pytest.fixture
def chat(toolbox: Toolbox, store: SqliteProfileStore) -> Conversation:
    return Conversation(toolbox, RegexParser(toolbox.titles, toolbox.genres), store)


def ids(reply: ChatReply) -> list[int]:
    assert reply.reply is not None, reply
    return [r.movie_id for r in reply.reply.results]


def test_button_lists_are_stored_and_never_shown_again_even_after_start(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    first = ids(chat.handle_text("u", "top 6 comedies"))
    for action, movie in zip(("seen", "no", "wl"), first, strict=False):
        reply = chat.handle_button("u", f"v1:{action}:{movie}")
        assert reply.message and reply.parser == "button"
    assert store.marked("u") == set(first[:3])
    chat.handle_text("u", "/start")  # forgets paging only
    again = ids(chat.handle_text("u", "top 6 comedies"))
    assert len(again) == 6 and not set(again) & set(first[:3])
    assert set(first[3:]) <= set(again)  # what was merely shown may come back after /start
    # a film named outright is still answered, but its list neighbours skip the marked ones
    similar = ids(chat.handle_text("u", "movies like fargo"))
    assert not set(similar) & set(first[:3])


def test_typed_shortcuts_press_the_buttons_of_the_last_list(
    chat: Conversation, store: SqliteProfileStore, toolbox: Toolbox
) -> None:
    assert chat.handle_text("u", "seen 2").route != "seen"  # no list yet: ordinary text
    listed = ids(chat.handle_text("u", "top 4 dramas"))
    seen = chat.handle_text("u", "seen 2")
    assert seen.route == "seen" and seen.parser == "command"
    assert chat.handle_text("u", "watchlist 4").route == "watchlist"
    info = chat.handle_text("u", "info 1")
    assert info.route == "details" and toolbox.title_of(listed[0]) in (info.message or "")
    out_of_range = chat.handle_text("u", "seen 9")
    assert out_of_range.message == "The last list had 4 films: pick 1-4."
    assert [m.movie_id for m in store.marks("u", "seen")] == [listed[1]]
    assert [m.movie_id for m in store.marks("u", "watchlist")] == [listed[3]]


@pytest.mark.parametrize(
    "text",
    [
        "/watchlist",
        "show me my watchlist",
        "my watchlist",
        "What's on my watch list?",
        "list my watchlist please",
        "can I see my watchlist?",
        "what have I got on my watch list",
    ],
)
def test_the_watchlist_is_listed_by_command_and_plain_words(
    chat: Conversation, toolbox: Toolbox, text: str
) -> None:
    empty = chat.handle_text("u", text)
    assert empty.route == "watchlist" and "empty" in (empty.message or "")
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    chat.handle_button("u", f"v1:wl:{listed[2]}")
    chat.handle_button("u", f"v1:wl:{listed[0]}")
    shown = chat.handle_text("u", text)
    lines = (shown.message or "").splitlines()
    assert lines[0] == "Your watchlist (2):"
    assert lines[1:] == [f"  • {toolbox.title_of(m)}" for m in (listed[2], listed[0])]


def test_the_watchlist_folds_in_as_weak_stars_and_not_interested_as_a_dislike(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    listed = ids(chat.handle_text("u", "top 4 comedies"))
    chat.handle_button("u", f"v1:wl:{listed[0]}")
    chat.handle_button("u", f"v1:no:{listed[1]}")
    chat.handle_text("u", "/start")
    by_lists = ids(chat.handle_text("u", "recommend 5 movies"))
    assert chat._profile("u").dislikes == {listed[1]}
    # the same as someone who rated the watchlist film with the weak stars and dismissed the
    # other one too (nothing shown to either)
    store.rate("twin", listed[0], WATCHLIST_STARS)
    store.mark("twin", "not_interested", [listed[1]])
    assert by_lists == ids(chat.handle_text("twin", "recommend 5 movies"))
    assert not {listed[0], listed[1]} & set(by_lists)
    assert store.get("u").ratings == {}  # lists are not ratings
    assert WATCHLIST_STARS < 4.0  # weaker than a 👍 / a liked rating


def test_not_interested_alone_is_not_a_rating(chat: Conversation) -> None:
    listed = ids(chat.handle_text("u", "top 2 comedies"))
    chat.handle_button("u", f"v1:no:{listed[0]}")
    profile = chat._profile("u")
    assert profile.ratings == {} and profile.dislikes == {listed[0]}
    reply = chat.handle_text("u", "recommend 3 movies")  # still a newcomer: popular picks
    assert reply.reply is not None and reply.reply.note and listed[0] not in ids(reply)


def test_an_explicit_rating_beats_the_list_signal(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    listed = ids(chat.handle_text("u", "top 2 comedies"))
    chat.handle_button("u", f"v1:wl:{listed[0]}")
    store.rate("u", listed[0], 1.0)
    store.rate("twin", listed[0], 1.0)
    store.mark_shown("twin", store.shown("u"))
    assert ids(chat.handle_text("u", "recommend 3 movies")) == ids(
        chat.handle_text("twin", "recommend 3 movies")
    )


def test_forget_deletes_the_lists(chat: Conversation, store: SqliteProfileStore) -> None:
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    for action, movie in zip(("seen", "no", "wl"), listed, strict=True):
        chat.handle_button("u", f"v1:{action}:{movie}")
    assert "film lists" in (chat.handle_text("u", "/forget").message or "")
    assert store.marked("u") == set()
    assert "empty" in (chat.handle_text("u", "/watchlist").message or "")
    assert ids(chat.handle_text("u", "top 3 comedies")) == listed  # nothing hidden any more


def test_profile_counts_the_lists(chat: Conversation) -> None:
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    chat.handle_button("u", f"v1:seen:{listed[0]}")
    chat.handle_button("u", f"v1:wl:{listed[1]}")
    profile = chat.handle_text("u", "/profile").message or ""
    assert "Watchlist: 1" in profile and "Seen: 1" in profile and "Not interested" not in profile


def test_the_details_button_answers_with_the_film_card(
    chat: Conversation, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    card = chat.handle_button("u", f"v1:info:{listed[1]}")
    movie = chat.catalog.by_id(listed[1])
    text = card.message or ""
    assert card.route == "details" and text.splitlines()[0] == movie.title
    assert f"Genres: {', '.join(movie.genres)}" in text
    assert f"from {movie.rating_count} ratings" in text
    assert "I don't have plot summaries or cast lists" in text
    assert store.marked("u") == set()
    # the film looked at is "that one" now
    assert Session.model_validate(store.load_session("u")).focus == listed[1]


def test_film_card_shows_tags_and_links_where_the_data_has_them() -> None:
    movie = Movie(
        movie_id=1,
        index=0,
        title="Toy Story (1995)",
        year=1995,
        genres=("Animation", "Comedy"),
        tags=("pixar", "fun", "toys"),
        imdb_id="tt0114709",
        tmdb_id=862,
        rating_count=215,
        rating_mean=3.92,
    )
    card = film_card(movie).splitlines()
    assert card[:4] == [
        "Toy Story (1995)",
        "Genres: Animation, Comedy",
        "Rated 3.9/5 on average from 215 ratings",
        "Tags: pixar, fun, toys",
    ]
    assert "https://www.imdb.com/title/tt0114709/" in card
    assert "https://www.themoviedb.org/movie/862" in card
    bare = film_card(
        Movie(2, 1, "Nobody's Film (1990)", 1990, (), (), None, None, 0, None)
    ).splitlines()
    assert bare[1] == "No ratings yet" and not any("http" in line for line in bare)
    assert not any(line.startswith("Tags") for line in bare)


def test_a_short_list_says_how_many_exist(chat: Conversation) -> None:
    reply = chat.handle_text("u", "top 40 horror movies")  # fewer horror films exist
    count = len(ids(reply))
    assert 0 < count < 40
    assert reply.message == f"Only {count} horror films in this catalog." or (
        reply.message and reply.message.startswith(f"Only {count} ")
    )
    assert "in this catalog" in render_chat_plain(reply)


@pytest.mark.parametrize(
    "blob",
    [
        "not json at all {",
        '{"request": {"intent": "dance"}}',
        '{"last_list": {"movie_ids": "five"}}',
        '{"cursor": 5}',  # what an older program stored
        "[1, 2, 3]",
    ],
)
def test_a_damaged_or_old_session_is_dropped_with_one_log_line(
    chat: Conversation,
    store: SqliteProfileStore,
    blob: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat.handle_text("u", "top 3 comedies")
    connection = sqlite3.connect(store.path)
    connection.execute("UPDATE sessions SET state = ? WHERE user_key = 'u'", (blob,))
    connection.commit()
    connection.close()
    with caplog.at_level(logging.WARNING, logger="moviebot.chat"):
        reply = chat.handle_text("u", "more")
    assert reply.message == "Ask me for something first, then I can show more."
    dropped = [r for r in caplog.records if "session" in r.getMessage()]
    assert len(dropped) == 1
    assert len(ids(chat.handle_text("u", "top 3 comedies"))) == 3  # and the chat goes on


def test_the_session_is_typed_and_carries_ids(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    session = Session.model_validate(store.load_session("u"))
    assert session.last_list == LastList(movie_ids=tuple(listed), page=1)
    assert session.request is not None and session.request.intent == "popular"
    assert session.request.genres_all == ("Comedy",)
    chat.handle_text("u", "more")
    after = Session.model_validate(store.load_session("u"))
    assert after.last_list is not None and after.last_list.page == 2
    assert not set(after.last_list.movie_ids) & set(listed)
