"""Serving: filters and exclude before the top k, ``available``/``matched``, one copy per film.

The models are trained on the tiny two-taste data of tests/conftest.py (40 films, every one
rated often enough to count as popular), with years, tags and one film listed twice.
Expected counts are worked out from the films' own fields, not from ``Catalog.mask``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from recommender.catalog import ItemFilter, Movie
from recommender.errors import ConfigError
from recommender.serving import ItemList, MovieRecommender
from recommender.training import train_models
from tests.conftest import make_ratings, synthetic_dataset

K = 5
# item i (movie id 501 + i) is tagged "zombies" when i % 4 == 0, "time travel" when i % 5 == 0
COPY, ORIGINAL = 539, 501  # the last film is listed again under the first film's title


@pytest.fixture(scope="module")
def service() -> MovieRecommender:
    ratings, movies = make_ratings(np.random.default_rng(11), n_users=80, n_items=40, per_user=20)
    movies = movies.copy()
    movies["tag_list"] = [
        tuple(t for t, hit in (("zombies", i % 4 == 0), ("time travel", i % 5 == 0)) if hit)
        for i in range(len(movies))
    ]
    movies["imdb_id"] = [f"tt{i:07d}" for i in range(len(movies))]
    movies.loc[movies["movie_id"] == COPY, ["title", "year"]] = ("Movie 0 (1980)", 1980)
    dataset = synthetic_dataset(ratings, movies, "serving")
    return MovieRecommender(train_models(dataset))


def films(service: MovieRecommender) -> list[Movie]:
    return [service.catalog.movie(i) for i in range(len(service.catalog))]


def canonical_copy(service: MovieRecommender) -> tuple[int, int]:
    """(the copy shown, the copy folded into it) of the film listed twice."""
    counts = {m: service.catalog.by_id(m).rating_count for m in (ORIGINAL, COPY)}
    shown = max((ORIGINAL, COPY), key=lambda m: (counts[m], -m))
    return shown, ORIGINAL + COPY - shown


# Each filter kind, with the same test written from the films' fields.
FILTERS: list[tuple[ItemFilter, Callable[[Movie], bool]]] = [
    (ItemFilter(genres_all=("Horror",)), lambda m: "Horror" in m.genres),
    (
        ItemFilter(genres_all=("comedy", "horror")),
        lambda m: {"Comedy", "Horror"} <= set(m.genres),
    ),
    (
        ItemFilter(genres_any=("Horror", "Action")),
        lambda m: bool({"Horror", "Action"} & {*m.genres}),
    ),
    (ItemFilter(genres_none=("Action",)), lambda m: "Action" not in m.genres),
    (ItemFilter(year_min=1990), lambda m: m.year is not None and m.year >= 1990),
    (ItemFilter(year_max=1984), lambda m: m.year is not None and m.year <= 1984),
    (ItemFilter(keywords=("zombie movies",)), lambda m: "zombies" in m.tags),
    (
        ItemFilter(genres_all=("Drama",), year_min=1985, year_max=1995, keywords=("time travel",)),
        lambda m: "Drama" in m.genres and 1985 <= (m.year or 0) <= 1995 and "time travel" in m.tags,
    ),
]


def calls(service: MovieRecommender) -> dict[str, Callable[..., ItemList]]:
    rated = {502: 5.0, 510: 1.0, 517: 4.0}
    return {
        "user": lambda k, **kw: service.recommend(1002, k, **kw),
        "ratings": lambda k, **kw: service.recommend(rated, k, **kw),
        "similar": lambda k, **kw: service.similar_items(504, k, **kw),
        "popular": lambda k, **kw: service.popular(k, **kw),
    }


def never_listed(service: MovieRecommender, call: str) -> set[int]:
    """What a call may never return on top of ``exclude``: rated films, the film itself."""
    folded = canonical_copy(service)[1]
    if call == "user":
        seen = service.trained.seen[int(service.trained.users.index([1002])[0])].indices
        return {folded, *service.catalog.ids[seen].tolist()}
    return {folded, *{"ratings": {502, 510, 517}, "similar": {504}, "popular": set()}[call]}


@pytest.mark.parametrize("call", ["user", "ratings", "similar", "popular"])
@pytest.mark.parametrize("flt_index", range(len(FILTERS)))
def test_filters_and_exclude_apply_before_the_top_k(
    service: MovieRecommender, call: str, flt_index: int
) -> None:
    flt, holds = FILTERS[flt_index]
    ask = calls(service)[call]
    matching = {m.movie_id for m in films(service) if holds(m)} - {canonical_copy(service)[1]}
    passing = matching - never_listed(service, call)
    exclude = set(sorted(passing)[::3])  # a third of the passing films, the ranking's or not
    for k in (K, len(passing) + 3):
        picks = ask(k, exclude=exclude, filter=flt)
        available = passing - exclude
        assert picks.available == len(available)
        assert len(picks) == min(k, len(available))  # k whenever k exist, else all there are
        assert set(picks.ids.tolist()) <= available
        assert picks.matched == len(matching)  # the catalog's films, each film once
        assert np.all(np.diff(picks.scores) <= 0)
        assert len(picks.reasons) == len(picks) == picks.predicted.size


@pytest.mark.parametrize("call", ["user", "ratings", "similar", "popular"])
def test_exclude_continues_the_same_ranking(service: MovieRecommender, call: str) -> None:
    ask = calls(service)[call]
    first = ask(K).ids.tolist()
    both = ask(2 * K).ids.tolist()
    second = ask(K, exclude=first).ids.tolist()
    assert both == first + second and len(set(both)) == 2 * K


@pytest.mark.parametrize("call", ["user", "ratings", "similar", "popular"])
def test_lists_never_show_two_copies_of_a_film(service: MovieRecommender, call: str) -> None:
    shown, folded = canonical_copy(service)
    everything = calls(service)[call](len(service.catalog))
    assert folded not in everything.ids.tolist()
    assert len(set(everything.ids.tolist())) == len(everything)
    # excluding the folded copy excludes the film
    if shown in everything.ids.tolist():
        assert shown not in calls(service)[call](len(service.catalog), exclude=[folded]).ids


def test_a_film_is_never_similar_to_itself_or_its_copy(service: MovieRecommender) -> None:
    shown, folded = canonical_copy(service)
    for movie_id in (shown, folded):
        picks = service.similar_items(movie_id, len(service.catalog)).ids.tolist()
        assert shown not in picks and folded not in picks


def test_rating_a_copy_keeps_the_film_out_of_personal_picks(service: MovieRecommender) -> None:
    shown, folded = canonical_copy(service)
    picks = service.recommend({folded: 5.0, 505: 4.0}, len(service.catalog)).ids.tolist()
    assert shown not in picks and folded not in picks and 505 not in picks


def test_nothing_passes_an_impossible_filter(service: MovieRecommender) -> None:
    for flt in (ItemFilter(genres_all=("Opera",)), ItemFilter(year_min=2100)):
        picks = service.popular(K, filter=flt)
        assert (len(picks), picks.available, picks.matched) == (0, 0, 0)
        assert service.results(picks) == []
    everything_excluded = service.popular(K, exclude=service.catalog.ids.tolist())
    assert len(everything_excluded) == 0 and everything_excluded.matched > 0


def test_results_carry_the_catalog_metadata_and_reasons(service: MovieRecommender) -> None:
    picks = service.recommend({502: 5.0, 504: 5.0}, K, filter=ItemFilter(genres_all=("Drama",)))
    rows = service.results(picks)
    assert [r.movie_id for r in rows] == picks.ids.tolist()
    for row, index, score in zip(rows, picks.indices, picks.scores, strict=True):
        movie = service.catalog.movie(int(index))
        assert (row.title, row.year, row.genres) == (movie.title, movie.year, movie.genres)
        assert row.score == pytest.approx(float(score)) and "Drama" in row.genres
        assert row.predicted_rating is not None and 1.0 <= row.predicted_rating <= 5.0
    popular = service.results(service.popular(3))
    assert all("avg from" in r.reason for r in popular)
    similar = service.results(service.similar_items(504, 3))
    assert all(r.reason.startswith(("shares", "like")) for r in similar)


def test_bad_requests_are_config_errors(service: MovieRecommender) -> None:
    with pytest.raises(ConfigError, match="unknown user"):
        service.recommend(99, K)
    with pytest.raises(ConfigError, match="no rated movie"):
        service.recommend({99999: 5.0}, K)
    with pytest.raises(ConfigError, match="unknown movie"):
        service.similar_items(99999, K)
    with pytest.raises(ConfigError, match="k must be"):
        service.popular(0)


def scores_by_id(picks: ItemList) -> dict[int, float]:
    return dict(zip(picks.ids.tolist(), picks.scores.tolist(), strict=True))


@pytest.mark.parametrize("user", [1002, {502: 5.0, 506: 4.0, 511: 2.0}])
def test_a_dismissed_film_is_never_listed_and_its_likes_move_down(
    service: MovieRecommender, user: int | dict[int, float]
) -> None:
    everything = len(service.catalog)
    before = scores_by_id(service.recommend(user, everything))
    disliked = next(iter(before))  # the top pick, waved away
    after = scores_by_id(service.recommend(user, everything, dislikes=[disliked]))
    assert disliked not in after and set(after) == set(before) - {disliked}
    near = [m for m in service.similar_items(disliked, 5).ids.tolist() if m in after]
    change = {m: after[m] - before[m] for m in after}
    others = [change[m] for m in after if m not in near]
    assert near and max(change[m] for m in near) < np.mean(others)  # its likes lose most
    # a low star rating instead: the rankers read it as "watched", so its likes gain
    if isinstance(user, dict):
        rated_low = scores_by_id(service.recommend({**user, disliked: 1.0}, everything))
        assert np.mean([rated_low[m] - before[m] for m in near]) > 0


# ---------------------------------------------------------------------------- no item-kNN


@pytest.fixture(scope="module")
def factor_service(service: MovieRecommender) -> MovieRecommender:
    """A directory as ``train --engine spark`` writes it: no item-kNN (nor MF), the ranker a
    SparkALS whose factors (here iALS's, fitted on the same data) give item similarity."""
    from dataclasses import replace

    from recommender.models import make_model
    from recommender.models.spark_als import SparkALS, SparkALSConfig

    trained = service.trained
    ials = make_model("ials", factors=8, iterations=10).fit(trained.seen)
    ranker = SparkALS(SparkALSConfig(factors=8))
    ranker.set_state(ials.get_state())
    ranker.mark_loaded(ials.n_users, ials.n_items)
    models = {n: m for n, m in trained.models.items() if n in ("popularity", "content")}
    return MovieRecommender(
        replace(
            trained,
            models={**models, "spark-als": ranker},
            info={**trained.info, "ranker": "spark-als"},
        )
    )


def test_without_item_knn_similar_blends_content_with_the_rankers_item_similarity(
    factor_service: MovieRecommender,
) -> None:
    from recommender.serving import CF_NEIGHBOURS, SIMILAR_CF_SHRINK

    trained, catalog = factor_service.trained, factor_service.catalog
    movie = 502
    item = catalog.index_of(movie)
    vectors = trained["content"].item_vectors  # type: ignore[attr-defined]
    content = (vectors @ vectors[item].T).toarray().ravel()
    neighbours, sims = trained["spark-als"].similar_items(item, CF_NEIGHBOURS)  # type: ignore[attr-defined]
    cf = np.zeros(len(catalog))
    cf[neighbours] = sims
    n = catalog.rating_counts[item]
    weight = n / (n + SIMILAR_CF_SHRINK)
    expected = weight * cf + (1 - weight) * content
    expected[item] = -np.inf
    picks = factor_service.similar_items(movie, 5)
    assert picks.ids.tolist() == catalog.ids[np.argsort(-expected, kind="stable")[:5]].tolist()
    np.testing.assert_allclose(picks.scores, np.sort(expected)[::-1][:5], rtol=1e-5)


def test_without_item_knn_because_you_liked_uses_the_rankers_neighbours(
    factor_service: MovieRecommender,
) -> None:
    picks = factor_service.recommend(1002, 5)
    liked = [r for r in picks.reasons if r.startswith("because you liked ")]
    assert liked, picks.reasons
    assert all(r.predicted_rating is None for r in factor_service.results(picks))  # no MF
