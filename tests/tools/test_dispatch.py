from __future__ import annotations

from pathlib import Path

import pytest

from tools.dispatch import dispatch
from tools.profiles import InMemoryProfileStore, Profile
from tools.schema import Query
from tools.toolbox import Toolbox


def q(
    intent: str,
    genre: str | None = None,
    title: str | None = None,
    k: int = 5,
    rating: int | None = None,
) -> Query:
    return Query(intent=intent, genre=genre, title=title, k=k, rating=rating)  # type: ignore[arg-type]


@pytest.fixture
def store() -> InMemoryProfileStore:
    return InMemoryProfileStore()


def test_help_calls_no_tool(toolbox: Toolbox, store: InMemoryProfileStore) -> None:
    reply = dispatch(q("help"), store.get("u"), toolbox, store)
    assert reply.route == "help" and reply.results == ()


def test_popular_applies_the_genre_before_top_k(
    toolbox: Toolbox, store: InMemoryProfileStore
) -> None:
    reply = dispatch(q("popular", genre="horror", k=7), store.get("u"), toolbox, store)
    assert reply.route == "popular"
    assert len(reply.results) == 7
    assert all("Horror" in r.genres for r in reply.results)
    scores = [r.score for r in reply.results]
    assert scores == sorted(scores, reverse=True)
    assert all("avg from" in r.reason for r in reply.results)


def test_newcomer_gets_popular_picks_and_an_invitation(
    toolbox: Toolbox, store: InMemoryProfileStore
) -> None:
    reply = dispatch(q("recommend_genre", k=3), store.get("new"), toolbox, store)
    assert reply.route == "popular" and len(reply.results) == 3
    assert reply.note and "rate" in reply.note.lower()


def test_rating_makes_picks_personal_and_excludes_rated(
    toolbox: Toolbox, store: InMemoryProfileStore
) -> None:
    for title, stars in (("Heat", 5), ("Godfather: Part I, The (1972)", 5), ("Alien (1979)", 1)):
        reply = dispatch(q("rate", title=title, rating=stars), store.get("me"), toolbox, store)
        assert reply.route == "rate" and reply.rating == stars
    profile = store.get("me")
    assert len(profile.ratings) == 3
    reply = dispatch(q("recommend_genre", k=10), profile, toolbox, store)
    assert reply.route == "personal" and len(reply.results) == 10
    assert not set(profile.ratings) & {r.movie_id for r in reply.results}
    assert all(r.predicted_rating is not None for r in reply.results)


def test_rate_without_stars_asks(toolbox: Toolbox, store: InMemoryProfileStore) -> None:
    reply = dispatch(q("rate", title="fargo"), store.get("u"), toolbox, store)
    assert reply.route == "rate" and reply.title == "Fargo (1996)" and reply.rating is None
    assert store.get("u").ratings == {}


def test_linked_dataset_user_gets_personal_picks(
    toolbox: Toolbox, store: InMemoryProfileStore
) -> None:
    profile = store.link("demo", 1002)
    reply = dispatch(q("recommend_genre", genre="Comedy", k=4), profile, toolbox, store)
    assert reply.route == "personal" and len(reply.results) == 4
    assert all("Comedy" in r.genres for r in reply.results)


def test_similar_resolves_typed_titles(toolbox: Toolbox, store: InMemoryProfileStore) -> None:
    reply = dispatch(q("similar_to", title="star wars", k=3), store.get("u"), toolbox, store)
    assert reply.route == "similar" and reply.title == "Star Wars (1977)"
    assert len(reply.results) == 3
    assert "Star Wars (1977)" not in {r.title for r in reply.results}


def test_ambiguous_title_asks_did_you_mean(toolbox: Toolbox, store: InMemoryProfileStore) -> None:
    reply = dispatch(q("similar_to", title="star"), store.get("u"), toolbox, store)
    assert reply.route == "did_you_mean"
    assert reply.candidates == ("Star Wars (1977)",)  # a typo-level match is asked, not taken
    # One word of two titles asks; a name that is exactly one film's wins over its sequels.
    reply = dispatch(q("similar_to", title="godfather"), store.get("u"), toolbox, store)
    assert reply.route == "did_you_mean" and len(reply.candidate_ids) == 2
    reply = dispatch(q("similar_to", title="alien"), store.get("u"), toolbox, store)
    assert reply.route == "similar" and reply.title == "Alien (1979)"


def test_unknown_title_is_not_found(toolbox: Toolbox, store: InMemoryProfileStore) -> None:
    reply = dispatch(q("similar_to", title="zzqx frobnicate"), store.get("u"), toolbox, store)
    assert reply.route == "not_found" and reply.results == ()


def test_unknown_genre_is_dropped_not_fatal(toolbox: Toolbox, store: InMemoryProfileStore) -> None:
    reply = dispatch(q("popular", genre="Opera", k=3), Profile(user_key="x"), toolbox, store)
    assert reply.route == "popular" and len(reply.results) == 3


def test_excluded_items_are_skipped_and_k_still_filled(
    toolbox: Toolbox, store: InMemoryProfileStore
) -> None:
    first = dispatch(q("popular", k=4), store.get("u"), toolbox, store)
    shown = {r.movie_id for r in first.results}
    second = dispatch(q("popular", k=4), store.get("u"), toolbox, store, exclude=shown)
    assert len(second.results) == 4
    assert not shown & {r.movie_id for r in second.results}
    # the next page continues the same ranking
    both = dispatch(q("popular", k=8), store.get("u"), toolbox, store)
    assert [r.movie_id for r in both.results] == [
        r.movie_id for r in first.results + second.results
    ]


@pytest.mark.ml100k
def test_seed_example_star_wars_companions(ml100k_dir: Path, tmp_path: Path) -> None:
    """The seed's contract: similar to Star Wars (1977) puts Empire and Jedi in the top 3."""
    from recommender.data import load_dataset
    from recommender.training import train_models

    toolbox = Toolbox.from_trained(
        train_models(load_dataset(ml100k_dir), names=["popularity", "item-knn", "content"])
    )
    store = InMemoryProfileStore()
    reply = dispatch(q("similar_to", title="Star Wars (1977)", k=3), store.get("u"), toolbox, store)
    titles = {r.title for r in reply.results}
    assert {"Empire Strikes Back, The (1980)", "Return of the Jedi (1983)"} <= titles


# --- Query v2 intents: interim routes, each honest about what is not supported yet ---------


@pytest.mark.parametrize("intent", ["seen", "accept", "reject", "details"])
def test_film_follow_ups_by_position_call_no_tool_and_say_so(
    toolbox: Toolbox, store: InMemoryProfileStore, intent: str
) -> None:
    query = Query(intent=intent, genre=None, title=None, refs=[2])  # type: ignore[arg-type]
    reply = dispatch(query, store.get("u"), toolbox, store)
    assert reply.route == "help" and reply.results == ()
    assert reply.note and "position 2" in reply.note and "isn't supported yet" in reply.note
    assert store.get("u").ratings == {}  # nothing stored under a guessed film


def test_a_named_film_follow_up_resolves_the_title_first(
    toolbox: Toolbox, store: InMemoryProfileStore
) -> None:
    seen = dispatch(q("seen", title="heat"), store.get("u"), toolbox, store)
    assert seen.route == "help" and seen.note and "Heat (1995)" in seen.note
    assert dispatch(q("details", title="no such film"), store.get("u"), toolbox, store).route == (
        "not_found"
    )


def test_rating_a_position_is_not_stored_under_any_film(
    toolbox: Toolbox, store: InMemoryProfileStore
) -> None:
    query = Query(intent="rate", genre=None, title=None, rating=5, refs=[1])
    reply = dispatch(query, store.get("u"), toolbox, store)
    assert reply.route == "help" and reply.note and "position 1" in reply.note
    assert store.get("u").ratings == {}


def test_similar_to_a_position_is_not_a_list_of_unrelated_films(
    toolbox: Toolbox, store: InMemoryProfileStore
) -> None:
    query = Query(intent="similar_to", genre=None, title=None, refs=[-1])
    reply = dispatch(query, store.get("u"), toolbox, store)
    assert reply.route == "help" and reply.results == ()
    assert reply.note and "last film" in reply.note


def test_more_and_refine_answer_with_picks_and_an_honest_note(
    toolbox: Toolbox, store: InMemoryProfileStore
) -> None:
    more = dispatch(q("more", k=3), store.get("u"), toolbox, store)
    assert len(more.results) == 3 and more.note and "not kept yet" in more.note
    refine = Query(intent="refine", genre="Horror", title=None, k=2, year_min=1980, year_max=1989)
    reply = dispatch(refine, store.get("u"), toolbox, store)
    assert all("Horror" in r.genres for r in reply.results)
    assert reply.note and "not supported yet" in reply.note and "years" in reply.note


def test_filters_not_applied_yet_are_named(toolbox: Toolbox, store: InMemoryProfileStore) -> None:
    query = Query(
        intent="popular", genre=None, title=None, exclude_genres=["Horror"], keywords=["heist"]
    )
    reply = dispatch(query, store.get("u"), toolbox, store)
    assert reply.note == "Not applied yet: excluded genres, keywords."
    assert dispatch(q("popular"), store.get("u"), toolbox, store).note is None
