"""The tools over serving: filter and exclude args, MovieList counts, ids in, the catalog out."""

from __future__ import annotations

import pydantic
import pytest

from recommender.catalog import ItemFilter
from recommender.errors import ConfigError
from recommender.serving import Recommendation
from tools.profiles import InMemoryProfileStore, Profile
from tools.results import MovieList, MovieResult
from tools.toolbox import (
    RATE_INVITATION,
    PopularArgs,
    RateArgs,
    RecommendArgs,
    SimilarArgs,
    Toolbox,
)

HORROR_90S = ItemFilter(genres_all=("Horror",), year_min=1990, year_max=1999)


def ids(picks: MovieList) -> list[int]:
    return [r.movie_id for r in picks.results]


def horror_90s(toolbox: Toolbox) -> set[int]:
    return {
        m.movie_id
        for m in (toolbox.catalog.movie(i) for i in range(len(toolbox.catalog)))
        if "Horror" in m.genres and m.year is not None and 1990 <= m.year <= 1999
    }


def test_the_toolbox_shows_its_catalog_and_serving_rows(toolbox: Toolbox) -> None:
    assert toolbox.catalog is toolbox.recommender.catalog
    assert toolbox.genres == toolbox.catalog.genres
    assert toolbox.titles.titles == list(toolbox.catalog.titles)
    assert MovieResult is Recommendation  # one model, never copied field by field
    row = toolbox.popular(PopularArgs(k=1)).results[0]
    assert set(row.model_dump(mode="json")) == {
        "movie_id",
        "title",
        "year",
        "genres",
        "score",
        "predicted_rating",
        "reason",
    }


def test_popular_filter_and_exclude_give_k_and_say_how_many_there_are(toolbox: Toolbox) -> None:
    passing = horror_90s(toolbox)
    exclude = tuple(sorted(passing)[:2])
    picks = toolbox.popular(PopularArgs(k=3, filter=HORROR_90S, exclude=exclude))
    assert len(picks.results) == 3 and set(ids(picks)) <= passing - set(exclude)
    assert picks.available == len(passing) - 2 and picks.matched == len(passing)
    # more than there are: all of them, and the counts say so
    everything = toolbox.popular(PopularArgs(k=50, filter=HORROR_90S), exclude=exclude)
    assert set(ids(everything)) == passing - set(exclude)
    assert everything.available == len(everything.results) < 50


def test_genre_and_filter_both_hold(toolbox: Toolbox) -> None:
    picks = toolbox.popular(
        PopularArgs(genre="comedy", k=50, filter=ItemFilter(genres_none=("Drama",)))
    )
    assert picks.results and all(
        "Comedy" in r.genres and "Drama" not in r.genres for r in picks.results
    )
    assert picks.matched == len(picks.results)


def test_personal_picks_apply_filter_and_exclude(toolbox: Toolbox) -> None:
    fargo, heat = toolbox.movie_id("Fargo"), toolbox.movie_id("Heat")
    profile = Profile(user_key="u", ratings={fargo: 5.0, heat: 2.0})
    shown = ids(toolbox.recommend_for_user(RecommendArgs(k=2, filter=HORROR_90S), profile))
    picks = toolbox.recommend_for_user(
        RecommendArgs(k=3, filter=HORROR_90S, exclude=(shown[0],)), profile, exclude=shown[1:]
    )
    expected = horror_90s(toolbox) - {fargo, heat, *shown}
    assert len(picks.results) == min(3, len(expected)) and set(ids(picks)) <= expected
    assert picks.available == len(expected) and picks.note is None
    assert all(r.predicted_rating is not None for r in picks.results)
    linked = toolbox.recommend_for_user(
        RecommendArgs(k=4, filter=HORROR_90S), Profile(user_key="d", dataset_user=1002)
    )
    assert set(ids(linked)) <= horror_90s(toolbox) and linked.note is None


def test_a_newcomer_gets_filtered_popular_picks_and_an_invitation(toolbox: Toolbox) -> None:
    picks = toolbox.recommend_for_user(RecommendArgs(k=3, filter=HORROR_90S), Profile(user_key="n"))
    assert picks.note == RATE_INVITATION
    assert ids(picks) == ids(toolbox.popular(PopularArgs(k=3, filter=HORROR_90S)))


def test_similar_takes_the_resolved_id(toolbox: Toolbox) -> None:
    fargo = toolbox.movie_id("Fargo")
    by_id = toolbox.similar_to(SimilarArgs(movie_id=fargo, k=4, filter=HORROR_90S))
    by_title = toolbox.similar_to(SimilarArgs(title="fargo", k=4, filter=HORROR_90S))
    assert ids(by_id) == ids(by_title) and fargo not in ids(by_id)
    assert set(ids(by_id)) <= horror_90s(toolbox)
    later = toolbox.similar_to(SimilarArgs(movie_id=fargo, k=4), exclude=ids(by_id))
    assert not set(ids(later)) & set(ids(by_id)) and len(later.results) == 4


def test_one_film_exactly(toolbox: Toolbox) -> None:
    with pytest.raises(pydantic.ValidationError, match="exactly one"):
        SimilarArgs(title="fargo", movie_id=1)
    with pytest.raises(pydantic.ValidationError, match="exactly one"):
        RateArgs(rating=4)
    store = InMemoryProfileStore()
    fargo = toolbox.movie_id("Fargo")
    toolbox.rate(RateArgs(movie_id=fargo, rating=4.5), store.get("u"), store)
    assert store.get("u").ratings == {fargo: 4.5}
    with pytest.raises(ConfigError, match="no catalog movie"):
        toolbox.rate(RateArgs(movie_id=123456, rating=4), store.get("u"), store)
    assert store.get("u").ratings == {fargo: 4.5}


def test_dismissed_films_are_never_listed(toolbox: Toolbox) -> None:
    fargo = toolbox.movie_id("Fargo")
    top = ids(toolbox.popular(PopularArgs(k=3)))
    for profile in (
        Profile(user_key="n", dislikes=frozenset(top)),  # nothing rated: popular picks
        Profile(user_key="r", ratings={fargo: 5.0}, dislikes=frozenset(top)),
        Profile(user_key="d", dataset_user=1002, dislikes=frozenset(top)),
    ):
        picks = toolbox.recommend_for_user(RecommendArgs(k=10), profile)
        assert len(picks.results) == 10 and not set(top) & set(ids(picks))
        assert not set(top) & set(ids(toolbox.popular(PopularArgs(k=10), profile)))
