"""The conversation core in-process: slash commands, free text per intent, paging, buttons
(feedback, did-you-mean, stars, forged data), state across a restart, which parser answered,
and rendering (plain and Telegram HTML).

Runs over a tiny trained catalog (40 films, two taste groups) with a few real titles — among
them an ambiguous pair ("godfather"), a title the catalog lists twice ("Chasing Amy") and one
with HTML-special characters — the offline regex parser and a SQLite store in ``tmp_path``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.conversation import MAX_CALLBACK_BYTES, Button, ChatReply, Conversation
from bot.parsing import RegexParser
from bot.parsing.base import ParseContext
from bot.render import TELEGRAM_LIMIT, render_chat_html, render_chat_plain
from bot.store import SqliteProfileStore
from tests.conftest import GENRES, tiny_toolbox
from tools.results import MovieResult, Reply
from tools.schema import Query
from tools.toolbox import PopularArgs, Toolbox

TITLES = [
    "Alien (1979)",
    "Aliens (1986)",
    "Heat (1995)",
    "Fargo (1996)",
    "Godfather: Part I, The (1972)",
    "Godfather: Part II, The (1974)",
    "Star Wars (1977)",
    "Return of the Jedi (1983)",
    "Chasing Amy (1997)",
    "Chasing Amy (1997)",  # ML-100K really lists some films twice, under two ids
    "Tom & Jerry: <The Movie> (1992)",
    "Toy Story (1995)",
]
HTML_TITLE = "Tom & Jerry: <The Movie> (1992)"


@pytest.fixture(scope="module")
def toolbox() -> Toolbox:
    return tiny_toolbox(TITLES)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "profiles.sqlite3"


@pytest.fixture
def store(db: Path) -> Iterator[SqliteProfileStore]:
    with SqliteProfileStore(db) as opened:
        yield opened


@pytest.fixture
def chat(toolbox: Toolbox, store: SqliteProfileStore) -> Conversation:
    return Conversation(toolbox, RegexParser(toolbox.titles, toolbox.genres), store)


def movie_id(toolbox: Toolbox, title: str) -> int:
    return toolbox.movie_id(title)


def ids(reply: ChatReply) -> list[int]:
    assert reply.reply is not None
    return [r.movie_id for r in reply.reply.results]


def button_data(reply: ChatReply) -> list[str]:
    return [button.data for row in reply.buttons for button in row]


def genres_of(toolbox: Toolbox, movie: int) -> tuple[str, ...]:
    return toolbox.catalog.by_id(movie).genres


# ---------------------------------------------------------------------------- commands


def test_start_welcomes_shows_help_and_resets_paging(chat: Conversation) -> None:
    first = chat.handle_text("u", "/popular")
    chat.handle_text("u", "more")
    reply = chat.handle_text("u", "/start")
    assert reply.message and "MovieBot" in reply.message
    assert reply.reply is not None and reply.reply.route == "help"
    assert reply.parser == "command"
    assert ids(chat.handle_text("u", "/popular")) == ids(first)  # shown items were forgotten


def test_help_and_command_addressed_to_the_bot(chat: Conversation) -> None:
    for text in ("/help", "/HELP", "/help@MovieBot", "  /help  "):
        reply = chat.handle_text("u", text)
        assert reply.reply is not None and reply.reply.route == "help", text
        assert "movies like" in render_chat_plain(reply)
        assert reply.parser == "command"


def test_popular_with_and_without_genre(chat: Conversation, toolbox: Toolbox) -> None:
    reply = chat.handle_text("u", "/popular")
    assert reply.reply is not None and reply.reply.route == "popular"
    expected = [r.movie_id for r in toolbox.popular(PopularArgs(genre=None, k=5)).results]
    assert ids(reply) == expected
    horror = chat.handle_text("v", "/popular horror")
    assert len(ids(horror)) == 5
    assert all("Horror" in genres_of(toolbox, m) for m in ids(horror))
    assert horror.parser == "command"


def test_popular_unknown_genre_lists_the_catalogs(chat: Conversation) -> None:
    reply = chat.handle_text("u", "/popular westerns")
    assert reply.reply is None
    assert reply.message and "'westerns'" in reply.message
    assert all(genre in reply.message for genre in GENRES)


def test_similar_command(chat: Conversation, toolbox: Toolbox) -> None:
    reply = chat.handle_text("u", "/similar fargo")
    assert reply.reply is not None and reply.reply.route == "similar"
    assert reply.reply.title == "Fargo (1996)"
    assert len(ids(reply)) == 5 and movie_id(toolbox, "Fargo") not in ids(reply)
    usage = chat.handle_text("u", "/similar")
    assert usage.message and usage.message.startswith("Usage: /similar")
    missing = chat.handle_text("u", "/similar qwxzv plorb")
    assert missing.reply is not None and missing.reply.route == "not_found"


def test_rate_command_stores_stars_or_asks_for_them(
    chat: Conversation, store: SqliteProfileStore, toolbox: Toolbox
) -> None:
    reply = chat.handle_text("u", "/rate fargo 5")
    assert reply.reply is not None and reply.reply.rating == 5
    assert store.get("u").ratings == {movie_id(toolbox, "Fargo"): 5.0}
    ask = chat.handle_text("u", "/rate heat")
    heat = movie_id(toolbox, "Heat")
    assert button_data(ask) == [f"v1:rate:{heat}:{n}" for n in range(1, 6)]
    assert heat not in store.get("u").ratings
    for bad in ("/rate", "/rate fargo 6", "/rate fargo 0"):
        usage = chat.handle_text("u", bad)
        assert usage.message and usage.message.startswith("Usage: /rate"), bad
    assert store.get("u").ratings == {movie_id(toolbox, "Fargo"): 5.0}


def test_profile_link_and_forget(
    chat: Conversation, store: SqliteProfileStore, toolbox: Toolbox
) -> None:
    assert chat.handle_text("u", "/profile").message == "Ratings: 0"
    chat.handle_text("u", "/rate heat 4")
    chat.handle_button("u", f"v1:up:{movie_id(toolbox, 'Fargo')}")
    linked = chat.handle_text("u", "/link 1002")
    assert linked.message and "1002" in linked.message
    profile = chat.handle_text("u", "/profile").message or ""
    assert "Ratings: 1" in profile and "4/5  Heat (1995)" in profile
    assert "Feedback: 1 👍, 0 👎" in profile and "dataset user 1002" in profile
    assert chat.handle_text("u", "/link off").message == "Unlinked."
    assert store.get("u").dataset_user is None
    forgot = chat.handle_text("u", "/forget")
    assert forgot.message and forgot.message.startswith("Done")
    assert store.get("u").ratings == {} and store.feedback_of("u") == {}
    assert store.load_session("u") is None and store.shown("u") == set()


@pytest.mark.parametrize("arg", ["", "abc", "-3", "1.5", "²", "99999999999999999999"])
def test_link_usage_errors(chat: Conversation, store: SqliteProfileStore, arg: str) -> None:
    reply = chat.handle_text("u", f"/link {arg}")
    assert reply.message and reply.message.startswith("Usage: /link")
    assert store.get("u").dataset_user is None


def test_link_unknown_dataset_user(chat: Conversation, store: SqliteProfileStore) -> None:
    reply = chat.handle_text("u", "/link 5")
    assert reply.message == "There is no user 5 in the dataset."
    assert store.get("u").dataset_user is None


def test_linked_user_gets_that_users_picks(chat: Conversation, toolbox: Toolbox) -> None:
    chat.handle_text("u", "/link 1002")
    reply = chat.handle_text("u", "recommend 5 movies")
    assert reply.reply is not None and reply.reply.route == "personal"
    expected = toolbox.recommender.recommend(1002, k=5).ids.tolist()
    assert ids(reply) == expected


@pytest.mark.parametrize("text", ["/bogus", "/", "/popularity", "/ help"])
def test_unknown_command(chat: Conversation, text: str) -> None:
    reply = chat.handle_text("u", text)
    assert reply.reply is None and reply.message and "Unknown command" in reply.message
    assert reply.buttons == ()


def test_huge_command_argument_is_capped(chat: Conversation) -> None:
    reply = chat.handle_text("u", "/similar " + "x" * 50_000)
    assert reply.reply is not None and reply.reply.route == "not_found"
    assert len(render_chat_plain(reply)) < 2_000
    assert len(render_chat_html(reply)) <= TELEGRAM_LIMIT


# ---------------------------------------------------------------------------- free text


def test_small_talk_gets_a_short_fitting_answer_not_films(chat: Conversation) -> None:
    for text, expected in [
        ("hello", "Hi!"),
        ("hey there", "Hi!"),
        ("thanks!", "You're welcome"),
        ("thank you so much", "You're welcome"),
        ("ok bye", "Bye"),
        ("goodbye", "Bye"),
    ]:
        reply = chat.handle_text("u", text)
        assert reply.reply is None and reply.message and reply.message.startswith(expected), text
        assert reply.route == "chat" and reply.parser == "regex" and reply.buttons == ()
        assert "movies like" not in render_chat_plain(reply)  # not the whole help text
    # what is not small talk (gibberish, questions about the bot) still gets the help text
    other = chat.handle_text("u", "asdf qwerty")
    assert other.reply is not None and other.reply.route == "help"
    assert "movies like" in render_chat_plain(other)


def test_genre_request_fills_k_in_that_genre(chat: Conversation, toolbox: Toolbox) -> None:
    reply = chat.handle_text("u", "give me 3 funny movies")
    assert len(ids(reply)) == 3
    assert all("Comedy" in genres_of(toolbox, m) for m in ids(reply))
    assert reply.reply is not None and reply.reply.note  # a newcomer is invited to rate
    # three result rows of 👍/👎 and a More button
    assert button_data(reply)[-1] == "v1:more"
    assert len(reply.buttons) == 4


def test_popular_request(chat: Conversation, toolbox: Toolbox) -> None:
    reply = chat.handle_text("u", "top rated horror")
    assert reply.reply is not None and reply.reply.route == "popular"
    expected = [r.movie_id for r in toolbox.popular(PopularArgs(genre="Horror", k=5)).results]
    assert ids(reply) == expected


def test_similar_request(chat: Conversation, toolbox: Toolbox) -> None:
    reply = chat.handle_text("u", "movies like fargo")
    assert reply.reply is not None and reply.reply.route == "similar"
    expected = toolbox.recommender.similar_items(movie_id(toolbox, "Fargo"), k=5).ids.tolist()
    assert ids(reply) == expected


def test_rate_request_with_and_without_stars(
    chat: Conversation, store: SqliteProfileStore, toolbox: Toolbox
) -> None:
    loved = chat.handle_text("u", "I loved Heat")
    assert loved.reply is not None and loved.reply.route == "rate" and loved.reply.rating == 5
    assert store.get("u").ratings == {movie_id(toolbox, "Heat"): 5.0}
    ask = chat.handle_text("u", "rate Toy Story")
    assert ask.reply is not None and ask.reply.rating is None
    assert "How many stars" in render_chat_plain(ask)
    toy = movie_id(toolbox, "Toy Story")
    assert button_data(ask) == [f"v1:rate:{toy}:{n}" for n in range(1, 6)]


def test_personal_picks_after_rating(chat: Conversation, toolbox: Toolbox) -> None:
    chat.handle_text("u", "rate heat 5/5")
    chat.handle_text("u", "rate fargo 1/5")
    reply = chat.handle_text("u", "suggest 4 dramas")
    assert reply.reply is not None and reply.reply.route == "personal"
    assert len(ids(reply)) == 4 and reply.reply.note is None
    assert all("Drama" in genres_of(toolbox, m) for m in ids(reply))
    assert not {movie_id(toolbox, "Heat"), movie_id(toolbox, "Fargo")} & set(ids(reply))


# ---------------------------------------------------------------------------- paging


def test_more_continues_the_same_ranking(chat: Conversation) -> None:
    first = chat.handle_text("u", "top 4 comedies")
    second = chat.handle_text("u", "more")
    third = chat.handle_button("u", "v1:more")
    reference = chat.handle_text("someone else", "top 12 comedies")
    pages = ids(first) + ids(second) + ids(third)
    assert [len(ids(p)) for p in (first, second, third)] == [4, 4, 4]  # k filled
    assert len(set(pages)) == 12  # no repeats
    assert pages == ids(reference)  # a continuation, in order
    assert second.parser == "command" and third.parser == "button"


def test_more_continues_personal_picks(chat: Conversation) -> None:
    for user in ("a", "b"):
        chat.handle_text(user, "/rate heat 5")
        chat.handle_text(user, "/rate alien 1")
    first = chat.handle_text("a", "recommend 3 movies")
    second = chat.handle_text("a", "more please")
    reference = chat.handle_text("b", "recommend 6 movies")
    assert second.reply is not None and second.reply.route == "personal"
    assert ids(first) + ids(second) == ids(reference)


def test_shown_films_are_not_shown_again_unless_asked_about(chat: Conversation) -> None:
    comedies = chat.handle_text("u", "top 5 comedies")
    page_two = chat.handle_text("u", "more")
    # a request about a named film starts at the top of its own ranking ...
    similar = chat.handle_text("u", "movies like fargo")
    assert ids(similar) == ids(chat.handle_text("fresh", "movies like fargo"))
    # ... while asking an open request again brings films not shown before
    again = chat.handle_text("u", "top 5 comedies")
    assert len(ids(again)) == 5
    assert not set(ids(again)) & set(ids(comedies) + ids(page_two) + ids(similar))
    # /start forgets what was shown
    chat.handle_text("u", "/start")
    assert ids(chat.handle_text("u", "top 5 comedies")) == ids(comedies)


def test_more_before_any_request(chat: Conversation) -> None:
    for reply in (chat.handle_text("u", "more"), chat.handle_button("u", "v1:more")):
        assert reply.reply is None and reply.message and "Ask me" in reply.message


def test_more_runs_out_politely(chat: Conversation) -> None:
    last = chat.handle_text("u", "top 30 horror movies")  # fewer than 30 horror films exist
    assert last.reply is not None and last.reply.results and not last.has_more
    assert "say 'more'" not in render_chat_plain(last)  # the last page promises nothing
    assert "v1:more" not in button_data(last)
    reply = chat.handle_text("u", "more")
    assert reply.reply is None and reply.buttons == ()
    assert reply.message is not None and reply.message.startswith("That's all for popular Horror")
    assert "another genre" in reply.message


def test_a_typed_number_out_of_range_keeps_the_question(chat: Conversation) -> None:
    ask = chat.handle_text("u", "movies like godfather")
    assert ask.reply is not None and ask.reply.route == "did_you_mean"
    again = chat.handle_text("u", "7")
    assert again.message == "Please pick 1-2."
    assert again.reply is not None and again.reply.route == "did_you_mean"
    assert button_data(again) == button_data(ask)
    picked = chat.handle_text("u", "2")
    assert picked.reply is not None and picked.reply.route == "similar"
    assert picked.reply.title == ask.reply.candidates[1]


# ---------------------------------------------------------------------------- buttons


def test_feedback_is_stored_and_folded_into_personal_picks(
    chat: Conversation, store: SqliteProfileStore, toolbox: Toolbox
) -> None:
    heat, alien = movie_id(toolbox, "Heat"), movie_id(toolbox, "Alien (1979)")
    up = chat.handle_button("u", f"v1:up:{heat}")
    down = chat.handle_button("u", f"v1:dn:{alien}")
    assert up.message == "👍 noted for Heat (1995)." and up.parser == "button"
    assert down.message == "👎 noted for Alien (1979)."
    assert store.feedback_of("u") == {heat: True, alien: False}
    assert store.get("u").ratings == {}  # feedback is not a rating
    by_feedback = chat.handle_text("u", "recommend 6 movies")
    assert by_feedback.reply is not None and by_feedback.reply.route == "personal"
    # 👍 counts as 4 stars and 👎 as 2 when there is no explicit rating
    chat.handle_text("rater", "/rate heat 4")
    chat.handle_text("rater", "/rate alien 2")
    assert ids(by_feedback) == ids(chat.handle_text("rater", "recommend 6 movies"))
    assert not {heat, alien} & set(ids(by_feedback))


def test_explicit_rating_wins_over_feedback(
    chat: Conversation, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    heat = movie_id(toolbox, "Heat")
    chat.handle_text("u", "/rate heat 1")
    chat.handle_button("u", f"v1:up:{heat}")
    chat.handle_text("same", "/rate heat 1")
    assert ids(chat.handle_text("u", "recommend 5 movies")) == ids(
        chat.handle_text("same", "recommend 5 movies")
    )
    assert store.get("u").ratings == {heat: 1.0}


def test_did_you_mean_pick_answers_the_pending_query(chat: Conversation, toolbox: Toolbox) -> None:
    ask = chat.handle_text("u", "movies like godfather")
    assert ask.reply is not None and ask.reply.route == "did_you_mean"
    part_two = movie_id(toolbox, "Godfather: Part II, The (1974)")
    assert button_data(ask) == [f"v1:pick:{movie_id(toolbox, 'Godfather: Part I, The (1972)')}",
                                f"v1:pick:{part_two}"]  # fmt: skip
    assert [b.label for row in ask.buttons for b in row] == list(ask.reply.candidates)
    answer = chat.handle_button("u", f"v1:pick:{part_two}")
    assert answer.reply is not None and answer.reply.route == "similar"
    assert answer.reply.title == "Godfather: Part II, The (1974)"
    assert len(ids(answer)) == 5 and part_two not in ids(answer)
    again = chat.handle_button("u", f"v1:pick:{part_two}")  # a choice is used once
    assert again.reply is None and again.message and "expired" in again.message


def test_did_you_mean_pick_for_a_rating(
    chat: Conversation, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    ask = chat.handle_text("u", "I loved godfather")
    assert ask.reply is not None and ask.reply.route == "did_you_mean"
    first = movie_id(toolbox, "Godfather: Part I, The (1972)")
    answer = chat.handle_button("u", f"v1:pick:{first}")
    assert answer.reply is not None and answer.reply.route == "rate" and answer.reply.rating == 5
    assert store.get("u").ratings == {first: 5.0}


def test_did_you_mean_keeps_more_working(chat: Conversation) -> None:
    first = chat.handle_text("u", "top 3 comedies")
    chat.handle_text("u", "movies like godfather")
    more = chat.handle_text("u", "more")
    assert len(ids(more)) == 3 and not set(ids(first)) & set(ids(more))


def test_typed_stars_answer_the_star_question(
    chat: Conversation, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    fargo = movie_id(toolbox, "Fargo (1996)")
    for typed in ("rate fargo -3", "rate fargo 6", "rate fargo 11/10"):
        ask = chat.handle_text("u", typed)  # out of range: asked again, nothing stored
        assert ask.reply is not None and ask.reply.route == "rate" and ask.reply.rating is None
        assert store.get("u").ratings == {}
    again = chat.handle_text("u", "0")
    assert again.message == "Please give 0.5-5 stars." and again.buttons == ask.buttons
    assert store.get("u").ratings == {}
    noted = chat.handle_text("u", "4.5")
    assert noted.message == "Noted: Fargo (1996) — 4.5/5."
    assert store.get("u").ratings == {fargo: 4.5}
    # The question is answered: a later bare number is ordinary text again.
    assert chat.handle_text("u", "3").reply is not None
    assert store.get("u").ratings == {fargo: 4.5}


def test_half_stars_are_stored_as_typed(
    chat: Conversation, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    fargo = movie_id(toolbox, "Fargo (1996)")
    for typed, stars in [("rate fargo 4.5", 4.5), ("rate fargo 4.5/5", 4.5),
                         ("rate fargo 2.5", 2.5), ("rate fargo 2.5/5", 2.5),
                         ("/rate fargo 3.5", 3.5)]:  # fmt: skip
        reply = chat.handle_text("u", typed)
        assert store.get("u").ratings == {fargo: stars}, typed
        assert render_chat_plain(reply).endswith(f"Fargo (1996) — {stars:g}/5."), typed
    assert "Usage" in (chat.handle_text("u", "/rate fargo 4.2").message or "")


def test_a_film_listed_twice_is_one_film(
    chat: Conversation, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    copies = [
        int(toolbox.catalog.ids[i])
        for i, t in enumerate(toolbox.catalog.titles)
        if t == "Chasing Amy (1997)"
    ]
    counts = {m: toolbox.catalog.rating_counts[toolbox.catalog.index_of(m)] for m in copies}
    canonical = max(copies, key=lambda m: (counts[m], -copies.index(m)))
    rated = chat.handle_text("u", "rate Chasing Amy (1997) 4/5")  # no question, no "not found"
    assert rated.reply is not None and rated.reply.route == "rate" and rated.reply.rating == 4
    assert store.get("u").ratings == {canonical: 4.0}
    other = next(m for m in copies if m != canonical)
    chat.handle_button("u", f"v1:rate:{other}:2")  # an old button of the other copy
    assert store.get("u").ratings == {canonical: 2.0}
    # Lists never show both copies.
    listed = ids(chat.handle_text("v", "top 40 movies"))
    assert canonical in listed and other not in listed


def test_pick_of_a_film_that_was_not_offered_is_refused(
    chat: Conversation, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    chat.handle_text("u", "I loved godfather")
    before = store.load_session("u")
    refused = chat.handle_button("u", f"v1:pick:{movie_id(toolbox, 'Heat')}")
    assert refused.reply is None and refused.message and "expired" in refused.message
    assert store.get("u").ratings == {} and store.load_session("u") == before
    no_pending = chat.handle_button("fresh", f"v1:pick:{movie_id(toolbox, 'Heat')}")
    assert no_pending.reply is None and "expired" in (no_pending.message or "")


def test_star_buttons_store_the_rating(
    chat: Conversation, toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    ask = chat.handle_text("u", "rate Toy Story")
    four = button_data(ask)[3]
    reply = chat.handle_button("u", four)
    assert reply.message == "Noted: Toy Story (1995) — 4/5."
    assert store.get("u").ratings == {movie_id(toolbox, "Toy Story"): 4.0}


FORGED = [
    "",
    "v1",
    "v1:",
    "v2:more",
    "v1:more:now",
    "v1:up",
    "v1:up:abc",
    "v1:up:-5",
    "v1:up:1 ",
    " v1:more",
    "v1:more\n",
    "v1:rate:503:6",
    "v1:rate:503:0",
    "v1:rate:503",
    "v1:pick:x",
    "v1:up:" + "9" * 13,  # more digits than any id
    "v1:up:" + "1" * 60,
    "v1:more" + " " * 100,  # oversized
    "v1:up:99999",  # well-formed but not a catalog movie
    "v1:dn:0",
    "v1:rate:99999:5",
    "v1:pick:99999",
    "v1:ｕｐ:503",
    "<script>alert(1)</script>",
    "x" * 10_000,
]


@pytest.mark.parametrize("data", FORGED)
def test_invalid_button_data_is_answered_politely_and_ignored(
    chat: Conversation, store: SqliteProfileStore, data: str
) -> None:
    chat.handle_text("u", "/rate heat 4")
    chat.handle_text("u", "movies like godfather")
    before = (store.get("u"), store.feedback_of("u"), store.shown("u"), store.load_session("u"))
    reply = chat.handle_button("u", data)
    assert reply.reply is None and reply.buttons == ()
    assert reply.message and "expired" in reply.message
    after = (store.get("u"), store.feedback_of("u"), store.shown("u"), store.load_session("u"))
    assert after == before


def test_non_string_button_data_is_refused(chat: Conversation) -> None:
    reply = chat.handle_button("u", None)  # type: ignore[arg-type]
    assert reply.message and "expired" in reply.message


def test_buttons_made_by_the_core_are_valid_and_small() -> None:
    with pytest.raises(ValueError):
        Button("x", "v1:drop:tables")
    with pytest.raises(ValueError):
        Button("x", "v1:up:" + "1" * MAX_CALLBACK_BYTES)
    assert Button("x", "v1:rate:999999999999:5").data


# ---------------------------------------------------------------------------- restart


def test_state_survives_a_restart(toolbox: Toolbox, db: Path) -> None:
    heat, fargo = (movie_id(toolbox, t) for t in ("Heat", "Fargo"))
    parser = RegexParser(toolbox.titles, toolbox.genres)
    with SqliteProfileStore(db) as store:
        chat = Conversation(toolbox, parser, store)
        chat.handle_text("u", "/rate heat 5")
        chat.handle_button("u", f"v1:dn:{fargo}")
        chat.handle_text("u", "/link 1003")
        first = chat.handle_text("u", "top 3 comedies")
        chat.handle_text("v", "movies like godfather")
    with SqliteProfileStore(db) as store:
        chat = Conversation(toolbox, parser, store)
        profile = chat.handle_text("u", "/profile").message or ""
        assert "5/5  Heat (1995)" in profile and "1 👎" in profile and "1003" in profile
        assert store.get("u").ratings == {heat: 5.0}
        more = chat.handle_text("u", "more")  # the paging cursor survived
        assert len(ids(more)) == 3 and not set(ids(first)) & set(ids(more))
        reference = chat.handle_text("w", "top 6 comedies")
        assert ids(first) + ids(more) == ids(reference)
        part_two = movie_id(toolbox, "Godfather: Part II, The (1974)")
        picked = chat.handle_button("v", f"v1:pick:{part_two}")  # the pending question too
        assert picked.reply is not None and picked.reply.title == "Godfather: Part II, The (1974)"


# ---------------------------------------------------------------------------- parser


class _FakeLLM:
    """A parser that reports its own source, as the LLM parser does."""

    name = "llm"

    def parse(self, text: str, context: ParseContext | None = None) -> Query:
        return self.parse_with_source(text, context)[0]

    def parse_with_source(
        self, text: str, context: ParseContext | None = None
    ) -> tuple[Query, str]:
        source = "regex-fallback" if "fallback" in text else "llm"
        return Query(intent="popular", genre="Horror", title=None, k=2), source


def test_reply_names_the_parser(toolbox: Toolbox, store: SqliteProfileStore) -> None:
    chat = Conversation(toolbox, _FakeLLM(), store)
    assert chat.handle_text("u", "anything scary?").parser == "llm"
    assert chat.handle_text("u", "please fallback").parser == "regex-fallback"
    assert chat.handle_text("u", "/popular").parser == "command"
    assert chat.handle_text("u", "/nope").parser == "command"
    assert chat.handle_text("u", "more").parser == "command"
    assert chat.handle_button("u", "v1:more").parser == "button"
    assert chat.handle_button("u", "junk").parser == "button"


def test_regex_parser_is_named(chat: Conversation) -> None:
    for text in ("hello", "movies like fargo", "I loved Heat", "top 3 comedies"):
        assert chat.handle_text("u", text).parser == "regex", text


# ---------------------------------------------------------------------------- rendering


def test_render_plain(chat: Conversation) -> None:
    reply = chat.handle_text("u", "movies like fargo")
    text = render_chat_plain(reply)
    assert text.startswith("Movies like Fargo (1996):")
    assert text.endswith("(say 'more' for more)")
    assert all(r.title in text for r in reply.reply.results)  # type: ignore[union-attr]
    numbered = render_chat_plain(chat.handle_text("u", "movies like godfather"))
    assert "  1. Godfather: Part I, The (1972)" in numbered
    assert "  2. Godfather: Part II, The (1974)" in numbered


def test_render_html_escapes_titles_and_messages(chat: Conversation) -> None:
    similar = chat.handle_text("u", "/similar tom & jerry")
    assert similar.reply is not None and similar.reply.title == HTML_TITLE
    html_text = render_chat_html(similar)
    assert "Movies like <b>Tom &amp; Jerry: &lt;The Movie&gt; (1992)</b>:" in html_text
    listed = chat.handle_text("v", "top 30 horror movies")
    assert HTML_TITLE in [r.title for r in listed.reply.results]  # type: ignore[union-attr]
    listed_html = render_chat_html(listed)
    assert "<b>Tom &amp; Jerry: &lt;The Movie&gt; (1992)</b>" in listed_html
    assert "<The Movie>" not in listed_html
    bad_genre = render_chat_html(chat.handle_text("u", "/popular <script>&"))
    assert "&lt;script&gt;&amp;" in bad_genre and "<script>" not in bad_genre
    asked = render_chat_html(chat.handle_text("u", 'rate "Tom & Jerry"'))
    assert "Tom &amp; Jerry: &lt;The Movie&gt;" in asked


def _tags_balanced(text: str) -> bool:
    stripped = re.sub(r"</?(b|i)>", "", text)
    return "<" not in stripped and all(
        line.count(f"<{t}>") == line.count(f"</{t}>") for line in text.split("\n") for t in "bi"
    )


def test_render_html_never_exceeds_the_telegram_limit() -> None:
    long_title = "A <Very> Long & Winding Title " * 8 + "(1999)"
    results = tuple(
        MovieResult(
            movie_id=i,
            title=f"{i} {long_title}",
            year=1999,
            genres=("Action", "Comedy", "Drama", "Horror"),
            score=1.0 - i / 100,
            predicted_rating=4.0,
            reason="because you liked " + long_title,
        )
        for i in range(50)
    )
    query = Query(intent="popular", genre=None, title=None, k=50)
    chat = ChatReply(reply=Reply(route="popular", query=query, results=results, note="n & m"))
    text = render_chat_html(chat)
    assert len(text) <= TELEGRAM_LIMIT
    assert text.endswith("…")
    assert "1. <b>0 A &lt;Very&gt; Long &amp; Winding" in text  # the first result is kept
    assert "<Very>" not in text
    assert _tags_balanced(text)
    short = ChatReply(reply=Reply(route="popular", query=query, results=results[:3]))
    assert not render_chat_html(short).endswith("…")


def test_render_html_of_k50_on_the_catalog(chat: Conversation) -> None:
    reply = chat.handle_text("u", "top 50 movies")
    # the whole tiny catalog, "Chasing Amy (1997)" (listed twice) once
    assert reply.reply is not None and len(reply.reply.results) == 39
    text = render_chat_html(reply)
    assert len(text) <= TELEGRAM_LIMIT and _tags_balanced(text)


# ---------------------------------------------------------------------------- load


MESSAGES = [
    "hello",
    "give me 3 funny movies",
    "top rated horror",
    "suggest 4 dramas",
    "movies like fargo",
    "movies like godfather",
    "movies like chasing amy",
    "I loved Heat",
    "rate fargo 2/5",
    "rate Toy Story",
    "recommend something",
    "more",
    "/popular action",
    "/popular nonsense",
    "/similar alien",
    "/rate star wars 5",
    "/profile",
    "/link 1010",
    "/link off",
    "/help",
    "/bogus",
    "asdfgh qwerty",
    "",
    "x" * 5_000,
    "10 movies like star wars but only comedies",
    # follow-ups on whatever was shown last (or nothing): refinements, positions, lists
    "only ones from the 80s",
    "no horror though",
    "something older",
    "make it more recent",
    "tell me more about the third one",
    "what is it about?",
    "I've seen the first one",
    "not for me, the fifth one",
    "I'll check out the second one",
    "the first two look good, add them to my watchlist",
    "any others like the last one?",
    "seen it, loved it",
    "show me my watchlist",
    "/watchlist",
    "seen 2",
    "info 9",
    "movies about time travel",
]


def test_a_thousand_messages_from_a_hundred_users(chat: Conversation) -> None:
    rng = np.random.default_rng(20261129)
    last: dict[str, ChatReply] = {}
    counts = {"text": 0, "button": 0, "forged": 0}
    for n in range(1_000):
        user = f"user-{rng.integers(100)}"
        roll = rng.random()
        previous = last.get(user)
        if roll < 0.3 and previous is not None and previous.buttons:
            data = button_data(previous)
            reply = chat.handle_button(user, data[rng.integers(len(data))])
            counts["button"] += 1
        elif roll < 0.35:
            reply = chat.handle_button(user, FORGED[rng.integers(len(FORGED))])
            counts["forged"] += 1
        else:
            text = MESSAGES[rng.integers(len(MESSAGES))]
            if n % 97 == 0:
                text = "/forget"
            reply = chat.handle_text(user, text)
            counts["text"] += 1
        assert reply.reply is not None or reply.message
        assert render_chat_plain(reply)
        assert len(render_chat_html(reply)) <= TELEGRAM_LIMIT
        last[user] = reply
    assert min(counts.values()) > 20  # every kind of input was exercised


def test_ratings_from_another_catalog_do_not_break_the_chat(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    """A profile kept across datasets (same --db, other --data-dir) rates unknown movies."""
    store.rate("traveller", 987_654, 5.0)
    reply = chat.handle_text("traveller", "recommend 3 movies")
    assert reply.reply is not None and len(ids(reply)) == 3
    assert reply.reply.note  # treated as a newcomer: popular picks and an invitation


def test_a_fixable_error_is_one_polite_line_and_the_chat_goes_on(
    chat: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recommender.errors import ConfigError

    def broken(*args: object, **kwargs: object) -> object:
        raise ConfigError("the model directory has no 'ease-rp3' model")

    monkeypatch.setattr(chat.toolbox.recommender, "popular", broken)
    reply = chat.handle_text("u", "suggest a comedy")
    assert reply.message == "Sorry, I can't do that: the model directory has no 'ease-rp3' model"
    assert reply.parser == "error"
    monkeypatch.undo()
    assert chat.handle_text("u", "suggest a comedy").reply is not None


def test_link_wins_over_own_ratings_until_unlinked(chat: Conversation, toolbox: Toolbox) -> None:
    for user in ("u", "twin"):
        chat.handle_text(user, "/rate heat 5")
    chat.handle_text("u", "/link 1002")
    linked = ids(chat.handle_text("u", "recommend 4 movies"))
    expected = toolbox.recommender.recommend(1002, k=4).ids.tolist()
    assert linked == expected
    chat.handle_text("u", "/link off")
    chat.handle_text("u", "/start")  # forget what was shown, to compare first pages
    own = ids(chat.handle_text("u", "recommend 4 movies"))
    assert own == ids(chat.handle_text("twin", "recommend 4 movies")) != linked
