"""Catalog: id <-> index <-> metadata, every ItemFilter field, canonical copies, real catalogs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pydantic
import pytest
import scipy.sparse as sp

from recommender.catalog import Catalog, ItemFilter, Movie, normalize_text
from recommender.data import Vocabulary, interactions, load_dataset
from tests.conftest import make_ratings

GENRES = ("Action", "Comedy", "Crime", "Drama", "Horror", "Romance", "Sci-Fi", "Western")
# id: title, year, genres, distinct tags (most used first)
FILMS = {
    10: ("Alien (1979)", 1979, ("Horror", "Sci-Fi"), ("aliens", "space", "ridley scott")),
    20: ("Heat (1995)", 1995, ("Action", "Crime"), ("heist", "al pacino")),
    30: ("Clueless (1995)", 1995, ("Comedy", "Romance"), ("high school",)),
    40: ("Shaun of the Dead (2004)", 2004, ("Comedy", "Horror"), ("zombies", "british comedy")),
    50: ("Unforgiven (1992)", 1992, ("Western",), ("award winner",)),
    60: ("Untitled", None, ("Drama",), ()),
    70: ("Chasing Amy (1997)", 1997, ("Comedy", "Drama", "Romance"), ()),
    71: ("Chasing Amy (1997)", 1997, ("Comedy", "Drama", "Romance"), ()),
    90: ("Twins (1988)", 1988, ("Comedy",), ()),
    91: ("Twins (1988)", 1988, ("Comedy",), ()),
}
PLACEHOLDER = 80  # rated, so in the vocabulary, but not in the movies frame
# ratings per item id: 71 is rated more than 70; 90 and 91 equally
RATINGS = {10: [5, 4], 20: [4], 40: [3, 5, 4], 70: [4], 71: [2, 3, 4], 80: [1], 90: [3], 91: [5]}


def movies_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "movie_id": np.array(list(FILMS), dtype=np.int64),
            "title": [f[0] for f in FILMS.values()],
            "year": pd.array([f[1] for f in FILMS.values()], dtype="Int64"),
            "genres": [f[2] for f in FILMS.values()],
            "tags": [" ".join(f[3]) for f in FILMS.values()],
            "tag_list": [f[3] for f in FILMS.values()],
            "imdb_id": [f"tt{m:07d}" if m != 60 else None for m in FILMS],
            "tmdb_id": pd.array([m * 100 if m != 60 else None for m in FILMS], dtype="Int64"),
        }
    )


def seen_matrix(items: Vocabulary) -> sp.csr_matrix:
    rows, cols, values = [], [], []
    for movie_id, stars in RATINGS.items():
        for user, rating in enumerate(stars):
            rows.append(user)
            cols.append(int(items.index([movie_id])[0]))
            values.append(float(rating))
    return sp.csr_matrix((values, (rows, cols)), shape=(5, len(items)), dtype=np.float32)


@pytest.fixture
def catalog() -> Catalog:
    items = Vocabulary([*FILMS, PLACEHOLDER])
    return Catalog.build(movies_frame(), GENRES, items, seen_matrix(items))


def ids_where(catalog: Catalog, **fields: object) -> set[int]:
    return {int(m) for m in catalog.ids[catalog.mask(ItemFilter(**fields))]}  # type: ignore[arg-type]


# --------------------------------------------------------------------------- identity


def test_ids_and_indices_round_trip(catalog: Catalog) -> None:
    assert len(catalog) == len(FILMS) + 1
    assert catalog.ids.tolist() == sorted([*FILMS, PLACEHOLDER])
    for index, movie_id in enumerate(catalog.ids):
        assert catalog.index_of(int(movie_id)) == index
        movie = catalog.movie(index)
        assert (movie.movie_id, movie.index) == (movie_id, index)
        assert catalog.by_id(int(movie_id)) == movie
    assert catalog.index_of(999) == -1
    assert catalog.indices_of([40, 999, 10]).tolist() == [catalog.index_of(40), -1, 0]
    assert catalog.indices_of(np.array([71, 70])).tolist() == [7, 6]
    assert catalog.indices_of(m for m in (20,)).tolist() == [1]  # any iterable
    assert catalog.indices_of(set()).tolist() == []
    with pytest.raises(KeyError):
        catalog.by_id(999)
    for bad in (-1, len(catalog)):
        with pytest.raises(IndexError):
            catalog.movie(bad)  # -1 is an unknown id's index, never the last film


def test_movie_carries_the_card_fields(catalog: Catalog) -> None:
    assert catalog.by_id(40) == Movie(
        movie_id=40,
        index=catalog.index_of(40),
        title="Shaun of the Dead (2004)",
        year=2004,
        genres=("Comedy", "Horror"),
        tags=("zombies", "british comedy"),
        imdb_id="tt0000040",
        tmdb_id=4000,
        rating_count=3,
        rating_mean=4.0,
    )
    untitled = catalog.by_id(60)
    assert (untitled.year, untitled.imdb_id, untitled.tmdb_id) == (None, None, None)
    assert (untitled.rating_count, untitled.rating_mean) == (0, None)  # nobody rated it


def test_items_missing_from_movies_get_a_placeholder(catalog: Catalog) -> None:
    placeholder = catalog.by_id(PLACEHOLDER)
    assert placeholder.title == f"Movie {PLACEHOLDER}"
    assert (placeholder.year, placeholder.genres, placeholder.tags) == (None, (), ())
    assert (placeholder.imdb_id, placeholder.tmdb_id) == (None, None)
    assert (placeholder.rating_count, placeholder.rating_mean) == (1, 1.0)
    assert not catalog.genre_matrix[placeholder.index].any()


def test_build_ignores_movies_outside_the_vocabulary_and_needs_aligned_seen() -> None:
    items = Vocabulary([10, 20])
    seen = sp.csr_matrix((1, 2), dtype=np.float32)
    catalog = Catalog.build(movies_frame(), GENRES, items, seen)
    assert [m.title for m in map(catalog.movie, range(len(catalog)))] == [
        "Alien (1979)",
        "Heat (1995)",
    ]
    with pytest.raises(ValueError, match="item columns"):
        Catalog.build(movies_frame(), GENRES, items, sp.csr_matrix((1, 3), dtype=np.float32))


def test_build_without_optional_columns(rng: np.random.Generator) -> None:
    ratings, movies = make_ratings(rng)  # movie_id, title, year, genres, tags ("") only
    users, items = Vocabulary(ratings["user"]), Vocabulary(ratings["item"])
    catalog = Catalog.build(movies, ("Action", "Comedy", "Drama", "Horror"), items,
                            interactions(ratings, users, items))  # fmt: skip
    movie = catalog.movie(0)
    assert (movie.tags, movie.imdb_id, movie.tmdb_id) == ((), None, None)
    assert not catalog.has_tags
    counts = ratings.groupby("item").size()
    assert catalog.rating_counts.tolist() == counts.reindex(catalog.ids).tolist()
    means = ratings.groupby("item")["rating"].mean().reindex(catalog.ids).to_numpy()
    np.testing.assert_allclose(catalog.rating_means, means, rtol=1e-6)


# --------------------------------------------------------------------------- genres


def test_genre_name_is_forgiving_about_spelling(catalog: Catalog) -> None:
    for text in ("sci-fi", "SCI-FI", "sci fi", "Scifi"):
        assert catalog.genre_name(text) == "Sci-Fi"
    assert catalog.genre_name("westerns") == "Western"
    assert catalog.genre_name("comedies") == "Comedy"
    assert catalog.genre_name("musical") is None
    assert catalog.genre_name("") is None


def test_empty_filter_keeps_every_item(catalog: Catalog) -> None:
    assert catalog.mask(ItemFilter()).all()
    assert catalog.mask(ItemFilter()).dtype == bool and catalog.mask(ItemFilter()).shape == (11,)


def test_genres_all_any_none(catalog: Catalog) -> None:
    assert ids_where(catalog, genres_all=("comedy", "horror")) == {40}
    assert ids_where(catalog, genres_all=("Horror",)) == {10, 40}
    assert ids_where(catalog, genres_any=("Western", "Crime")) == {20, 50}
    assert ids_where(catalog, genres_none=("Comedy", "Horror")) == {20, 50, 60, PLACEHOLDER}
    # combined: a comedy, romantic or not, but never a horror film
    assert ids_where(catalog, genres_all=("Comedy",), genres_none=("Horror",)) == {
        30,
        70,
        71,
        90,
        91,
    }
    assert ids_where(catalog, genres_all=("Comedy",), genres_any=("Romance", "Horror"),
                     genres_none=("Drama",)) == {30, 40}  # fmt: skip


def test_unknown_genre_holds_for_no_item(catalog: Catalog) -> None:
    assert ids_where(catalog, genres_all=("Musical",)) == set()
    assert ids_where(catalog, genres_all=("Comedy", "Musical")) == set()
    assert ids_where(catalog, genres_any=("Musical", "Western")) == {50}
    assert ids_where(catalog, genres_any=("Musical",)) == set()
    assert catalog.mask(ItemFilter(genres_none=("Musical",))).all()


# --------------------------------------------------------------------------- years


def test_year_bounds_are_inclusive_and_drop_unknown_years(catalog: Catalog) -> None:
    assert ids_where(catalog, year_min=1992, year_max=1995) == {20, 30, 50}
    assert ids_where(catalog, year_min=1997) == {40, 70, 71}
    assert ids_where(catalog, year_max=1979) == {10}
    assert ids_where(catalog, year_min=1996, year_max=1996) == set()
    assert ids_where(catalog, year_min=2000, year_max=1990) == set()
    assert ids_where(catalog, year_max=1990, genres_all=("Comedy",)) == {90, 91}


def test_year_range_and_recent(catalog: Catalog) -> None:
    assert catalog.year_range == (1979, 2004)  # the film of unknown year does not count
    assert catalog.recent_years() == (2000, 2004)
    assert catalog.recent_years(10) == (1995, 2004)


# --------------------------------------------------------------------------- keywords


def test_normalize_text_strips_case_punctuation_and_plurals() -> None:
    assert normalize_text("Time-Travel Movies") == normalize_text("time travel movie")
    assert normalize_text("Zombies") == normalize_text("zombie")
    assert normalize_text("Comedies") == normalize_text("comedy")
    assert normalize_text("witches") == normalize_text("witch")
    assert normalize_text("boss") == "boss" and normalize_text("virus") == "virus"


@pytest.mark.parametrize(
    ("keyword", "expected"),
    [
        ("zombie", {40}),
        ("Zombies", {40}),
        ("alien", {10}),
        ("heist films", {20}),  # the tag "heist" inside the keyword
        ("the heist movies", {20}),
        ("pacino", {20}),  # a word of a tag
        ("Al Pacino", {20}),
        ("ridley scott", {10}),
        ("comedy", {40}),  # the tag "british comedy", not the Comedy genre
        ("high-school", {30}),
        ("war", set()),  # words, not letters: "award winner" does not match
        ("amy", set()),  # title words are not tags
        ("time travel", set()),
    ],
)
def test_keyword_matches_tags(catalog: Catalog, keyword: str, expected: set[int]) -> None:
    assert ids_where(catalog, keywords=(keyword,)) == expected


def test_every_keyword_must_match(catalog: Catalog) -> None:
    assert ids_where(catalog, keywords=("zombie", "british comedy")) == {40}
    assert ids_where(catalog, keywords=("zombie", "heist")) == set()
    assert ids_where(catalog, keywords=("space",), genres_all=("Horror",), year_max=1980) == {10}
    assert ids_where(catalog, keywords=("space",), year_min=1980) == set()


def test_a_filler_keyword_constrains_nothing(catalog: Catalog) -> None:
    assert catalog.mask(ItemFilter(keywords=("movies",))).all()
    assert ids_where(catalog, keywords=("films", "zombie")) == {40}


def test_keywords_on_a_catalog_without_tags_match_nothing(rng: np.random.Generator) -> None:
    ratings, movies = make_ratings(rng)
    users, items = Vocabulary(ratings["user"]), Vocabulary(ratings["item"])
    catalog = Catalog.build(movies, ("Action",), items, interactions(ratings, users, items))
    assert not catalog.has_tags
    assert not catalog.mask(ItemFilter(keywords=("zombie",))).any()


# --------------------------------------------------------------------------- canonical copies


def test_duplicates_map_to_the_most_rated_copy(catalog: Catalog) -> None:
    amy, amy_more_rated = catalog.index_of(70), catalog.index_of(71)
    assert catalog.canonical(amy) == amy_more_rated
    assert catalog.canonical(amy_more_rated) == amy_more_rated
    twins, twins_copy = catalog.index_of(90), catalog.index_of(91)  # one rating each
    assert catalog.canonical(twins_copy) == twins  # a tie goes to the lowest id
    unique = [i for i in range(len(catalog)) if i not in (amy, twins_copy)]
    assert all(catalog.canonical(i) == i for i in unique)


def test_item_filter_is_frozen_strict_and_takes_lists() -> None:
    flt = ItemFilter(genres_all=["Comedy"], keywords=["heist"])  # type: ignore[arg-type]
    assert flt.genres_all == ("Comedy",) and flt.keywords == ("heist",)
    with pytest.raises(pydantic.ValidationError):
        flt.year_min = 1990  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        ItemFilter(genre="Comedy")  # type: ignore[call-arg]


# --------------------------------------------------------------------------- real catalogs


def real_catalog(data_dir: Path) -> tuple[Catalog, pd.DataFrame]:
    dataset = load_dataset(data_dir)
    users = Vocabulary(dataset.ratings["user"])
    items = Vocabulary(
        np.concatenate([dataset.movies["movie_id"], dataset.ratings["item"]])
    )  # as training builds it: every catalog movie, rated or not
    seen = interactions(dataset.ratings, users, items)
    return Catalog.build(dataset.movies, dataset.genres, items, seen), dataset.ratings


def test_ml_latest_small_catalog(ml_small_dir: Path) -> None:
    catalog, ratings = real_catalog(ml_small_dir)
    toy = catalog.by_id(1)
    assert toy.title == "Toy Story (1995)" and toy.year == 1995
    assert (toy.imdb_id, toy.tmdb_id) == ("tt0114709", 862)
    assert "pixar" in toy.tags and "Animation" in toy.genres
    assert toy.rating_count == int((ratings["item"] == 1).sum())
    assert toy.rating_mean == pytest.approx(ratings.loc[ratings["item"] == 1, "rating"].mean())
    assert catalog.has_tags and catalog.year_range[1] == 2018
    zombie = catalog.mask(ItemFilter(keywords=("zombie",)))
    tagged = {  # films with the word in a tag, found without the catalog's matching
        i
        for i in range(len(catalog))
        if any(word in ("zombie", "zombies") for t in catalog.movie(i).tags for word in t.split())
    }
    assert len(tagged) >= 5
    assert set(np.flatnonzero(zombie).tolist()) == tagged
    scifi_horror = catalog.mask(ItemFilter(genres_all=("sci-fi", "horror"), year_min=1990,
                                           year_max=1999))  # fmt: skip
    assert scifi_horror.sum() > 10
    for i in np.flatnonzero(scifi_horror):
        movie = catalog.movie(int(i))
        assert {"Sci-Fi", "Horror"} <= set(movie.genres) and 1990 <= (movie.year or 0) <= 1999


def test_ml100k_duplicate_titles_share_one_canonical_copy(ml100k_dir: Path) -> None:
    catalog, _ = real_catalog(ml100k_dir)
    copies = [i for i, title in enumerate(catalog.titles) if title == "Chasing Amy (1997)"]
    assert len(copies) == 2
    canonical = {catalog.canonical(i) for i in copies}
    assert len(canonical) == 1
    (best,) = canonical
    assert catalog.rating_counts[best] == catalog.rating_counts[copies].max()
    titles = pd.Series(catalog.titles)
    duplicated = titles[titles.duplicated(keep=False)]
    assert duplicated.nunique() == 18  # the known ML-100K duplicates
    for _, group in duplicated.groupby(duplicated):
        assert len({catalog.canonical(i) for i in group.index}) == 1
    assert not catalog.has_tags and catalog.movie(0).imdb_id is None
    assert catalog.genre_name("childrens") == "Children's"
    assert catalog.genre_name("film noir") == "Film-Noir"
