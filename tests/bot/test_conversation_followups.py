"""Follow-ups in the conversation, through the offline regex parser: refinements keep the last
request's other constraints and reference film, "more" keeps its constraints, positions and
"that one" resolve against the last list shown (or get a question), and seen / not interested /
watchlist / details / ratings land on the film meant.

Runs over the tiny trained catalog of ``tests.conftest`` (genres Action|Comedy x Drama|Horror,
years 1980-1999, no tags) with a SQLite store in ``tmp_path``.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pytest

from bot.conversation import ChatReply, Conversation
from bot.parsing import RegexParser
from bot.parsing.base import ParseContext
from bot.render import render_chat_plain
from bot.session import LastList, Session
from bot.store import SqliteProfileStore
from recommender.catalog import ItemFilter
from recommender.data import Dataset
from recommender.training import train_models
from tests.conftest import GENRES, make_ratings, tiny_toolbox
from tools.schema import Query
from tools.titles import TitleIndex
from tools.toolbox import Toolbox

TITLES = [
    "Alien (1979)",
    "Heat (1995)",
    "Fargo (1996)",
    "Godfather: Part I, The (1972)",
    "Godfather: Part II, The (1974)",
    "Toy Story (1995)",
]


@pytest.fixture(scope="module")
def toolbox() -> Toolbox:
    return tiny_toolbox(TITLES, fingerprint="tiny-followups")


@pytest.fixture
def chat(toolbox: Toolbox, store: SqliteProfileStore) -> Conversation:
    return Conversation(toolbox, RegexParser(toolbox.titles, toolbox.genres), store)


def ids(reply: ChatReply) -> list[int]:
    assert reply.reply is not None and reply.reply.results, reply
    return [r.movie_id for r in reply.reply.results]


def genres(chat: Conversation, movie: int) -> set[str]:
    return set(chat.catalog.by_id(movie).genres)


def year(chat: Conversation, movie: int) -> int:
    found = chat.catalog.by_id(movie).year
    assert found is not None
    return found


# ---------------------------------------------------------------------------- refine


def test_a_year_refinement_keeps_the_genre_and_the_kind_of_list(chat: Conversation) -> None:
    first = chat.handle_text("u", "top 4 comedies")
    refined = chat.handle_text("u", "only ones from the 90s")
    assert refined.reply is not None and refined.reply.route == first.route == "popular"
    assert refined.parser == "regex"
    for movie in ids(refined):
        assert "Comedy" in genres(chat, movie) and 1990 <= year(chat, movie) <= 1999


def test_an_exclusion_is_added_to_the_last_request(chat: Conversation) -> None:
    chat.handle_text("u", "recommend some comedies")
    refined = chat.handle_text("u", "no horror though")
    assert len(ids(refined)) == 5
    for movie in ids(refined):
        assert "Comedy" in genres(chat, movie) and "Horror" not in genres(chat, movie)
    again = chat.handle_text("u", "only ones from the 80s")  # both earlier constraints stay
    for movie in ids(again):
        assert genres(chat, movie) >= {"Comedy"} and "Horror" not in genres(chat, movie)
        assert 1980 <= year(chat, movie) <= 1989


def test_make_it_funnier_adds_comedy(chat: Conversation) -> None:
    chat.handle_text("u", "top 5 dramas")
    funnier = chat.handle_text("u", "make it funnier")
    assert all(genres(chat, m) >= {"Drama", "Comedy"} for m in ids(funnier))


def test_older_and_newer_move_the_median_year(chat: Conversation) -> None:
    first = chat.handle_text("u", "top 6 dramas")
    older = chat.handle_text("u", "something older")
    median = statistics.median(year(chat, m) for m in ids(first))
    assert statistics.median(year(chat, m) for m in ids(older)) < median
    assert all("Drama" in genres(chat, m) for m in ids(older))
    newer = chat.handle_text("u", "make it more recent")
    older_median = statistics.median(year(chat, m) for m in ids(older))
    assert statistics.median(year(chat, m) for m in ids(newer)) > older_median


def test_older_with_nothing_shown_asks(chat: Conversation) -> None:
    reply = chat.handle_text("u", "something older")
    assert reply.reply is None and reply.message and "than what" in reply.message


def test_a_refinement_keeps_the_reference_film(chat: Conversation, toolbox: Toolbox) -> None:
    fargo = toolbox.movie_id("Fargo (1996)")
    chat.handle_text("u", "movies like fargo")
    refined = chat.handle_text("u", "only ones from the 80s")
    assert refined.reply is not None and refined.reply.route == "similar"
    assert refined.reply.title == "Fargo (1996)"
    assert fargo not in ids(refined)
    assert all(1980 <= year(chat, m) <= 1989 for m in ids(refined))


def test_a_refinement_without_an_earlier_request_is_a_fresh_one(chat: Conversation) -> None:
    reply = chat.handle_text("u", "no horror though")
    assert all("Horror" not in genres(chat, m) for m in ids(reply))


def test_more_keeps_the_constraints_and_never_repeats(chat: Conversation) -> None:
    first = chat.handle_text("u", "3 comedies from the 90s")
    second = chat.handle_text("u", "more")
    shown = ids(first) + ids(second)
    assert len(set(shown)) == len(shown) == 6
    assert all("Comedy" in genres(chat, m) and year(chat, m) >= 1990 for m in shown)


def test_fewer_than_k_passing_says_so(chat: Conversation) -> None:
    reply = chat.handle_text("u", "top 20 horror comedies from the 80s")
    wanted = ItemFilter(genres_all=("Comedy", "Horror"), year_min=1980, year_max=1989)
    exist = int(chat.catalog.mask(wanted).sum())
    assert 0 < exist < 20
    assert len(ids(reply)) == exist and not reply.has_more
    assert reply.message == f"Only {exist} Horror Comedy films from 1980-1989 in this catalog."
    assert reply.message in render_chat_plain(reply)


def test_keywords_on_a_catalog_without_tags_are_refused_plainly(chat: Conversation) -> None:
    reply = chat.handle_text("u", "movies about time travel")
    assert reply.reply is None and reply.route == "no_tags"
    assert reply.message and "time travel" in reply.message and "no tags" in reply.message


# ---------------------------------------------------------------------------- references


def test_details_of_a_position(chat: Conversation) -> None:
    listed = ids(chat.handle_text("u", "top 4 comedies"))
    card = chat.handle_text("u", "tell me more about the third one")
    assert card.route == "details"
    assert (card.message or "").splitlines()[0] == chat.catalog.by_id(listed[2]).title
    # "it" is now that film
    again = chat.handle_text("u", "what is it about?")
    assert (again.message or "").splitlines()[0] == chat.catalog.by_id(listed[2]).title


def test_a_position_the_list_does_not_have_gets_a_question(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    for text in ("tell me about the fifth one", "I've seen number 4"):
        reply = chat.handle_text("u", text)
        assert reply.reply is not None and reply.reply.route == "did_you_mean", text
        assert reply.message == "I only showed you 3 films."
        assert [b.data for row in reply.buttons for b in row] == [f"v1:pick:{m}" for m in listed]
        assert "(type the number)" in render_chat_plain(reply)
    assert store.marked("u") == set()
    answered = chat.handle_text("u", "2")  # the question is answered by the typed position
    assert answered.route == "seen"
    assert [m.movie_id for m in store.marks("u", "seen")] == [listed[1]]


def test_a_rating_of_that_one_after_a_list_asks_which(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    ask = chat.handle_text("u", "I loved it")
    assert ask.reply is not None and ask.reply.route == "did_you_mean"
    assert store.get("u").ratings == {}  # a rating is never filed under a guess
    chat.handle_button("u", f"v1:pick:{listed[2]}")
    assert store.get("u").ratings == {listed[2]: 5.0}


def test_that_one_with_nothing_shown_gets_a_question(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    for text in ("I've seen that one", "tell me about the second one", "I loved it"):
        reply = chat.handle_text("u", text)
        assert reply.route == "question", text
        assert reply.message and "Which film" in reply.message
    assert store.marked("u") == set() and store.get("u").ratings == {}


def test_seen_positions_are_never_shown_again(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    listed = ids(chat.handle_text("u", "movies like fargo"))
    seen = chat.handle_text("u", "already seen the first three")
    assert seen.route == "seen"
    assert {m.movie_id for m in store.marks("u", "seen")} == set(listed[:3])
    again = ids(chat.handle_text("u", "more like fargo"))
    assert not set(again) & set(listed[:3])


def test_that_one_after_a_list_takes_the_first_and_says_so(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    listed = ids(chat.handle_text("u", "suggest a drama"))
    reply = chat.handle_text("u", "I've seen that one")
    assert reply.route == "seen"
    assert [m.movie_id for m in store.marks("u", "seen")] == [listed[0]]
    assert reply.message and "the first one" in reply.message
    chat.handle_text("u", "/start")
    assert listed[0] not in ids(chat.handle_text("u", "suggest a drama"))


def test_not_interested_and_watchlist_by_position(
    chat: Conversation, store: SqliteProfileStore, toolbox: Toolbox
) -> None:
    listed = ids(chat.handle_text("u", "suggest 4 comedies"))
    assert chat.handle_text("u", "not for me, the second one").route == "not_interested"
    assert chat.handle_text("u", "I'll check out the last one").route == "watchlist"
    assert [m.movie_id for m in store.marks("u", "not_interested")] == [listed[1]]
    assert [m.movie_id for m in store.marks("u", "watchlist")] == [listed[3]]
    listing = chat.handle_text("u", "show me my watchlist").message or ""
    assert toolbox.title_of(listed[3]) in listing


def test_the_first_two_go_on_the_watchlist_together(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    chat.handle_text("u", "the first two look good, add them to my watchlist")
    assert [m.movie_id for m in store.marks("u", "watchlist")] == listed[:2]


def test_an_opinion_on_a_position_is_a_rating(
    chat: Conversation, store: SqliteProfileStore, toolbox: Toolbox
) -> None:
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    chat.handle_text("u", "I loved the first one")
    chat.handle_text("u", "hated the second")
    assert store.get("u").ratings == {listed[0]: 5.0, listed[1]: 1.0}
    profile = chat.handle_text("u", "/profile").message or ""
    assert toolbox.title_of(listed[0]) in profile


def test_seen_it_loved_it_rates_the_film_in_focus(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    chat.handle_text("u", "tell me about the second one")
    chat.handle_text("u", "seen it, loved it")
    assert store.get("u").ratings == {listed[1]: 5.0}


def test_similar_to_a_position(chat: Conversation, toolbox: Toolbox) -> None:
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    similar = chat.handle_text("u", "any others like the second one?")
    assert similar.reply is not None and similar.reply.route == "similar"
    assert similar.reply.title == toolbox.title_of(listed[1])
    expected = toolbox.recommender.similar_items(listed[1], 20).ids.tolist()
    assert listed[1] not in ids(similar) and set(ids(similar)) <= set(expected)


class _Fixed:
    """A parser that understands every message as one given query."""

    name = "fixed"

    def __init__(self, query: Query) -> None:
        self.query = query

    def parse(self, text: str, context: ParseContext | None = None) -> Query:
        return self.query


def test_a_named_film_that_is_ambiguous_gets_did_you_mean_then_the_card(
    toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    about = Query(intent="details", genre=None, title="godfather")
    chat = Conversation(toolbox, _Fixed(about), store)
    ask = chat.handle_text("u", "tell me about godfather")
    assert ask.reply is not None and ask.reply.route == "did_you_mean"
    picked = chat.handle_text("u", "2")
    assert picked.route == "details"
    assert (picked.message or "").startswith(ask.reply.candidates[1])


# ---------------------------------------------------------------------------- context


class _Recording:
    """The regex parser, recording the context each message came with."""

    name = "regex"

    def __init__(self, inner: RegexParser) -> None:
        self.inner = inner
        self.contexts: list[ParseContext | None] = []

    def parse(self, text: str, context: ParseContext | None = None) -> Query:
        self.contexts.append(context)
        return self.inner.parse(text, context)


def test_the_parser_gets_the_previous_request_and_the_last_list(
    toolbox: Toolbox, store: SqliteProfileStore
) -> None:
    parser = _Recording(RegexParser(toolbox.titles, toolbox.genres))
    chat = Conversation(toolbox, parser, store)
    listed = ids(chat.handle_text("u", "top 3 comedies"))
    chat.handle_text("u", "tell me about the second one")
    first, second = parser.contexts
    assert first is not None and first.previous is None and first.shown == ()
    assert second is not None and second.previous is not None
    assert second.previous.intent == "popular" and second.previous.genre == "Comedy"
    assert [(n, m) for n, m, _, _ in second.shown] == list(enumerate(listed, start=1))
    assert second.shown[0][2] == toolbox.title_of(listed[0])
    session = Session.model_validate(store.load_session("u"))
    assert session.focus == listed[1]


# ---------------------------------------------------------------------------- shared names


@pytest.fixture(scope="module")
def remakes() -> Toolbox:
    return tiny_toolbox(["Halloween (1978)", "Halloween (2007)", "Heat (1995)"], "tiny-remakes")


def remake_chat(
    toolbox: Toolbox, store: SqliteProfileStore, counts: tuple[int, int]
) -> Conversation:
    """A conversation whose resolver sees the two Halloweens with these rating counts."""
    catalog = toolbox.catalog
    popularity = catalog.rating_counts.tolist()
    for title, count in zip(("Halloween (1978)", "Halloween (2007)"), counts, strict=True):
        popularity[catalog.titles.index(title)] = count
    toolbox.titles = TitleIndex(catalog.titles, popularity, ids=catalog.ids.tolist())
    about = Query(intent="details", genre=None, title="halloween")
    return Conversation(toolbox, _Fixed(about), store)


def test_a_shared_name_means_the_far_better_known_film_and_mentions_the_other(
    remakes: Toolbox, store: SqliteProfileStore
) -> None:
    chat = remake_chat(remakes, store, (400, 12))
    card = chat.handle_text("u", "tell me about halloween")
    text = card.message or ""
    assert card.route == "details" and text.startswith("Halloween (1978)")
    assert "there is also Halloween (2007)" in text


def test_a_shared_name_between_comparable_films_asks(
    remakes: Toolbox, store: SqliteProfileStore
) -> None:
    chat = remake_chat(remakes, store, (400, 90))
    ask = chat.handle_text("u", "tell me about halloween")
    assert ask.reply is not None and ask.reply.route == "did_you_mean"
    assert set(ask.reply.candidates) == {"Halloween (1978)", "Halloween (2007)"}


def test_a_list_from_another_catalog_is_not_guessed_at(
    chat: Conversation, store: SqliteProfileStore
) -> None:
    """The same profile database used with other data: the stored list's ids mean nothing."""
    stale = Session(last_list=LastList(movie_ids=(987_001, 987_002)), focus=987_001)
    store.save_session("u", stale.model_dump(mode="json"))
    for text in ("tell me about the second one", "I've seen it", "I loved the first one"):
        reply = chat.handle_text("u", text)
        assert reply.route == "question" and "Which film" in (reply.message or ""), text
    assert store.marked("u") == set() and store.get("u").ratings == {}


# ---------------------------------------------------------------------------- tags


@pytest.fixture(scope="module")
def tagged() -> Toolbox:
    """The tiny catalog with user tags on some films: every third one is about zombies."""
    ratings, movies = make_ratings(np.random.default_rng(11), n_users=80, n_items=40, per_user=20)
    movies = movies.copy()
    movies["tag_list"] = [("zombies", "gore") if i % 3 == 0 else ("heist",) for i in range(40)]
    dataset = Dataset(
        ratings=ratings,
        movies=movies,
        genres=GENRES,
        layout="csv",
        path=Path("tiny-tags"),
        fingerprint="tiny-tags",
    )
    return Toolbox.from_trained(train_models(dataset))


def test_keywords_match_the_catalog_tags(tagged: Toolbox, store: SqliteProfileStore) -> None:
    chat = Conversation(tagged, RegexParser(tagged.titles, tagged.genres), store)
    reply = chat.handle_text("u", "movies about zombies")
    assert len(ids(reply)) == 5
    assert all("zombies" in chat.catalog.by_id(m).tags for m in ids(reply))
    refined = chat.handle_text("u", "only ones from the 90s")  # the keyword is kept
    for movie in ids(refined):
        assert "zombies" in chat.catalog.by_id(movie).tags and year(chat, movie) >= 1990
    card = chat.handle_text("u", "tell me about the first one")
    assert "Tags: zombies, gore" in (card.message or "")


def test_a_bare_name_the_parser_resolved_still_mentions_the_other_film(
    remakes: Toolbox, store: SqliteProfileStore
) -> None:
    remake_chat(remakes, store, (400, 12))  # the resolver's view of the two Halloweens
    resolved = Query(intent="details", genre=None, title="Halloween (1978)")
    chat = Conversation(remakes, _Fixed(resolved), store)
    bare = chat.handle_text("u", "tell me about halloween")
    assert "there is also Halloween (2007)" in (bare.message or "")
    with_year = chat.handle_text("u", "tell me about halloween (1978)")  # said exactly
    assert "there is also" not in (with_year.message or "")
