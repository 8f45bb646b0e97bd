"""The catalog: one item identity (movie id <-> item index) with the metadata every layer shows.

Built once per trained model set from the dataset's ``movies`` frame, the item Vocabulary and
the users x items rating matrix.  Everything a query asks of it is vectorized: genres are a
bool item x genre matrix, years an int array (``YEAR_UNKNOWN`` where missing), tags an item x
tag CSR over a vocabulary of normalized tags with a word index, so a filter costs a few array
operations whatever the catalog's size (the only Python loops are over a query's keywords).

Keyword matching works on normalized text: lower-cased words with punctuation dropped and
simple plurals stripped ("Zombies" -> "zombie", "time-travel" -> "time travel").  A keyword
matches an item when it is a word-aligned substring of one of the item's tags, or one of the
tags is a word-aligned substring of the keyword ("heist films" matches the tag "heist").
Aligning on words keeps "war" from matching "award" and a tag "tv" from matching "tvs".
Title words are not tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict

from recommender.data.vocabulary import Vocabulary

__all__ = ["RECENT_YEARS", "YEAR_UNKNOWN", "Catalog", "ItemFilter", "Movie", "normalize_text"]

#: Stored in ``Catalog.years`` where a film's year is unknown; never passes a year bound.
YEAR_UNKNOWN = -1
#: "Recent" / "new" films: the catalog's last this many release years.
RECENT_YEARS = 5

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Movie:
    """One film, as every layer shows it."""

    movie_id: int  # raw MovieLens id: THE identity from parser to reply
    index: int  # item index in the trained models (Vocabulary)
    title: str  # as the catalog spells it, with year: "Godfather, The (1972)"
    year: int | None
    genres: tuple[str, ...]
    tags: tuple[str, ...]  # distinct user tags, lower-cased, most used first; () if none
    imdb_id: str | None  # "tt0068646"
    tmdb_id: int | None
    rating_count: int
    rating_mean: float | None


class ItemFilter(BaseModel):
    """Constraints on items; every field optional, the empty filter keeps all items.

    Genre names are matched like ``Catalog.genre_name`` (case and punctuation do not matter);
    a genre the catalog does not have holds for no item.  Year bounds are inclusive and drop
    items of unknown year.  Every keyword must match (see the module docstring).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    genres_all: tuple[str, ...] = ()  # every one must hold ("sci-fi horror")
    genres_any: tuple[str, ...] = ()  # at least one ("a western or a war film")
    genres_none: tuple[str, ...] = ()  # none may hold ("no horror")
    year_min: int | None = None
    year_max: int | None = None
    keywords: tuple[str, ...] = ()


def _singular(word: str) -> str:
    """Simple plural stripping, applied alike to tags and keywords, so only consistency matters:
    "zombies"/"zombie" -> "zomby", "comedies"/"comedy" -> "comedy", "witches" -> "witch"."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif (len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes"))) or (
        len(word) > 5 and word.endswith("oes")
    ):
        word = word[:-2]  # "witches", "boxes", "heroes" (but "shoes" only loses its "s")
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 3 and word.endswith("ie"):
        word = word[:-2] + "y"
    return word


# Words at the edges of a keyword that say nothing about its theme ("the heist movies").
_LEADING_FILLER = frozenset({"a", "an", "the", "about", "with", "some", "any"})
_TRAILING_FILLER = frozenset(_singular(w) for w in ("movie", "film", "flick", "one", "stuff"))


def normalize_text(text: str) -> str:
    """Lower-cased singular words joined by single spaces ("Time-Travel Movies" ->
    "time travel movie"); the form tags and keywords are compared in."""
    return " ".join(_singular(w) for w in _WORD.findall(text.lower().replace("'", "")))


def _keyword_words(keyword: str) -> list[str]:
    words = normalize_text(keyword).split()
    while words and words[0] in _LEADING_FILLER:
        words.pop(0)
    while words and words[-1] in _TRAILING_FILLER:
        words.pop()
    return words


def _genre_key(name: str) -> str:
    return "".join(_singular(w) for w in _WORD.findall(name.lower().replace("'", "")))


class Catalog:
    """Built once per trained model set; id <-> index <-> metadata; vectorized masks.

    Arrays are aligned to item indices: ``ids`` (int64 movie ids, sorted), ``titles``,
    ``years`` (int64, ``YEAR_UNKNOWN`` where missing), ``genre_matrix`` (bool items x
    ``genres``), ``rating_counts`` (int64), ``rating_means`` (float64, NaN where unrated) and
    ``canonical_indices`` (the index of each item's canonical copy).  ``year_range`` is
    (``YEAR_UNKNOWN``, ``YEAR_UNKNOWN``) when no film has a year.  Use ``Catalog.build``.
    """

    def __init__(
        self,
        *,
        items: Vocabulary,
        titles: Sequence[str],
        years: npt.NDArray[np.int64],
        item_genres: Sequence[tuple[str, ...]],
        genres: Sequence[str],
        tags: Sequence[tuple[str, ...]],
        imdb_ids: Sequence[str | None],
        tmdb_ids: Sequence[int | None],
        rating_counts: npt.NDArray[np.int64],
        rating_sums: npt.NDArray[np.float64],
    ) -> None:
        n = len(items)
        if not all(len(x) == n for x in (titles, years, item_genres, tags, imdb_ids, tmdb_ids)):
            raise ValueError("catalog columns must all have one entry per item")
        self._items = items
        self.ids: npt.NDArray[np.int64] = items.ids
        self.titles: tuple[str, ...] = tuple(titles)
        self.years = np.asarray(years, dtype=np.int64)
        self.genres: tuple[str, ...] = tuple(genres)
        self._item_genres = tuple(item_genres)
        self._tags = tuple(tags)
        self._imdb_ids = tuple(imdb_ids)
        self._tmdb_ids = tuple(tmdb_ids)
        self.rating_counts = np.asarray(rating_counts, dtype=np.int64)
        sums = np.asarray(rating_sums, dtype=np.float64)
        self.rating_means = np.divide(
            sums, self.rating_counts, out=np.full(n, np.nan), where=self.rating_counts > 0
        )
        self._genre_keys = {_genre_key(g): g for g in self.genres}
        self.genre_matrix = self._genre_matrix()
        self._tag_matrix, self._tag_columns, self._word_tags = self._tag_index()
        self._tag_names = list(self._tag_columns)  # column -> normalized tag
        self.has_tags = bool(self._tag_matrix.nnz)
        self.canonical_indices = self._canonical_indices()
        known = self.years[self.years != YEAR_UNKNOWN]
        self.year_range: tuple[int, int] = (
            (int(known.min()), int(known.max())) if known.size else (YEAR_UNKNOWN, YEAR_UNKNOWN)
        )

    @classmethod
    def build(
        cls,
        movies: pd.DataFrame,
        genres: Sequence[str],
        items: Vocabulary,
        seen: sp.csr_matrix,
    ) -> Catalog:
        """Align ``movies`` (a Dataset.movies frame) to ``items``; rating counts and means
        come from ``seen`` (users x items).  Items missing from ``movies`` get a placeholder
        "Movie <id>"; optional columns (``tag_list``, ``imdb_id``, ``tmdb_id``) may be absent."""
        if seen.shape[1] != len(items):
            raise ValueError(f"seen has {seen.shape[1]} item columns, the vocabulary {len(items)}")
        aligned = movies.drop_duplicates("movie_id", keep="last").set_index("movie_id")
        aligned = aligned.reindex(items.ids)
        known = aligned["title"].notna().to_numpy()

        def column(name: str) -> list[object]:
            if name not in aligned.columns:
                return [None] * len(items)
            return [v if k else None for v, k in zip(aligned[name], known, strict=True)]

        titles = [
            str(t) if k and isinstance(t, str) else f"Movie {m}"
            for m, t, k in zip(items.ids, aligned["title"], known, strict=True)
        ]
        years = pd.array(aligned["year"], dtype="Int64").to_numpy(
            dtype=np.int64, na_value=YEAR_UNKNOWN
        )
        item_genres = [_str_tuple(g) for g in column("genres")]
        tags = [_str_tuple(t) for t in column("tag_list")]
        imdb_ids = [i if isinstance(i, str) and i else None for i in column("imdb_id")]
        tmdb_ids = [None if t is None or pd.isna(t) else int(t) for t in column("tmdb_id")]  # type: ignore[call-overload]
        csc = seen.tocsc()
        return cls(
            items=items,
            titles=titles,
            years=years,
            item_genres=item_genres,
            genres=genres,
            tags=tags,
            imdb_ids=imdb_ids,
            tmdb_ids=tmdb_ids,
            rating_counts=np.diff(csc.indptr).astype(np.int64),
            rating_sums=np.asarray(csc.sum(axis=0), dtype=np.float64).ravel(),
        )

    # ------------------------------------------------------------------ identity

    def __len__(self) -> int:
        return int(self.ids.size)

    def index_of(self, movie_id: int) -> int:
        """The item index of ``movie_id``; -1 if unknown."""
        return int(self._items.index(np.asarray([movie_id]))[0])

    def indices_of(
        self, movie_ids: Iterable[int] | npt.NDArray[np.integer]
    ) -> npt.NDArray[np.int64]:
        """Item indices of ``movie_ids`` (any iterable or array, vectorized); -1 for unknown."""
        if not isinstance(movie_ids, np.ndarray):
            movie_ids = np.fromiter(movie_ids, dtype=np.int64)
        return self._items.index(movie_ids.astype(np.int64).ravel())

    def movie(self, index: int) -> Movie:
        """The film at item ``index``; IndexError outside 0..len-1 (no wrap-around)."""
        i = int(index)
        if not 0 <= i < len(self):
            raise IndexError(f"item index {index} outside 0..{len(self) - 1}")
        year = int(self.years[i])
        mean = float(self.rating_means[i])
        return Movie(
            movie_id=int(self.ids[i]),
            index=i,
            title=self.titles[i],
            year=None if year == YEAR_UNKNOWN else year,
            genres=self._item_genres[i],
            tags=self._tags[i],
            imdb_id=self._imdb_ids[i],
            tmdb_id=self._tmdb_ids[i],
            rating_count=int(self.rating_counts[i]),
            rating_mean=None if np.isnan(mean) else mean,
        )

    def by_id(self, movie_id: int) -> Movie:
        """The film with ``movie_id``; KeyError if the catalog has none."""
        index = self.index_of(movie_id)
        if index < 0:
            raise KeyError(movie_id)
        return self.movie(index)

    def canonical(self, index: int) -> int:
        """Same title+year duplicates -> the most-rated copy (ties: the lowest id)."""
        return int(self.canonical_indices[int(index)])

    def recent_years(self, span: int = RECENT_YEARS) -> tuple[int, int]:
        """The inclusive year bounds "recent" means here: the last ``span`` release years."""
        newest = self.year_range[1]
        return newest - span + 1, newest

    # ------------------------------------------------------------------ filters

    def genre_name(self, text: str) -> str | None:
        """The catalog's spelling of a genre (case, punctuation and a plural "s" ignored:
        "sci fi", "westerns", "childrens"); None if the catalog has no such genre."""
        return self._genre_keys.get(_genre_key(text))

    def mask(self, flt: ItemFilter) -> npt.NDArray[np.bool_]:
        """Which items pass ``flt`` (bool per item index), in a few array operations."""
        keep = np.ones(len(self), dtype=bool)
        if flt.genres_all:
            columns = self._genre_columns(flt.genres_all)
            if len(columns) < len(set(flt.genres_all)):
                keep[:] = False  # a required genre the catalog lacks holds for nothing
            else:
                keep &= self.genre_matrix[:, columns].all(axis=1)
        if flt.genres_any:
            keep &= self.genre_matrix[:, self._genre_columns(flt.genres_any)].any(axis=1)
        if flt.genres_none:
            keep &= ~self.genre_matrix[:, self._genre_columns(flt.genres_none)].any(axis=1)
        if flt.year_min is not None or flt.year_max is not None:
            keep &= self.years != YEAR_UNKNOWN
            if flt.year_min is not None:
                keep &= self.years >= flt.year_min
            if flt.year_max is not None:
                keep &= self.years <= flt.year_max
        for keyword in flt.keywords:
            matched = self.keyword_mask(keyword)
            if matched is not None:
                keep &= matched
        return keep

    def keyword_mask(self, keyword: str) -> npt.NDArray[np.bool_] | None:
        """Items whose tags match ``keyword``; None when the keyword is only filler words
        ("movies") and so constrains nothing.  On a catalog without tags nothing matches."""
        words = _keyword_words(keyword)
        if not words:
            return None
        columns = self._matching_tags(words)
        if not columns:
            return np.zeros(len(self), dtype=bool)
        hits = np.zeros(len(self), dtype=bool)
        hits[self._tag_matrix[:, np.asarray(sorted(columns))].indices] = True  # CSC: row ids
        return hits

    # ------------------------------------------------------------------ internals

    def _genre_columns(self, names: Iterable[str]) -> list[int]:
        """Columns of the named genres the catalog has (unknown names are dropped)."""
        found = {self.genre_name(n) for n in names} - {None}
        return sorted(self.genres.index(g) for g in found if g is not None)

    def _genre_matrix(self) -> npt.NDArray[np.bool_]:
        lengths = np.fromiter((len(g) for g in self._item_genres), dtype=np.int64, count=len(self))
        rows = np.repeat(np.arange(len(self)), lengths)
        names = [name for item in self._item_genres for name in item]
        column = {g: j for j, g in enumerate(self.genres)}
        column_of = {n: column.get(self.genre_name(n) or "", -1) for n in set(names)}
        columns = np.fromiter((column_of[n] for n in names), dtype=np.int64, count=len(names))
        matrix = np.zeros((len(self), len(self.genres)), dtype=bool)
        valid = columns >= 0
        matrix[rows[valid], columns[valid]] = True
        return matrix

    def _tag_index(self) -> tuple[sp.csc_matrix, dict[str, int], dict[str, set[int]]]:
        """Items x normalized-tag CSC (a keyword reads a few columns), tag -> column (in
        column order), and word -> columns of the tags holding it."""
        lengths = np.fromiter((len(t) for t in self._tags), dtype=np.int64, count=len(self))
        rows = np.repeat(np.arange(len(self)), lengths)
        raw = [tag for item in self._tags for tag in item]
        normal = {tag: normalize_text(tag) for tag in set(raw)}  # popular tags recur a lot
        columns: dict[str, int] = {}
        cols = np.fromiter(
            (columns.setdefault(normal[tag], len(columns)) for tag in raw),
            dtype=np.int64,
            count=len(raw),
        )
        matrix = sp.csr_matrix(
            (np.ones(cols.size, dtype=np.int8), (rows, cols)), shape=(len(self), len(columns))
        )
        matrix.sum_duplicates()
        words: dict[str, set[int]] = {}
        for tag, col in columns.items():
            for word in tag.split():
                words.setdefault(word, set()).add(col)
        return sp.csc_matrix(matrix), columns, words

    def _matching_tags(self, words: list[str]) -> set[int]:
        """Columns of tags that contain the keyword's words in order, or that are a run of
        them (the keyword "heist movie night" holds the tag "heist")."""
        phrase = f" {' '.join(words)} "
        candidates = set.intersection(*(self._word_tags.get(w, set()) for w in words))
        found = {col for col in candidates if phrase in f" {self._tag_names[col]} "}
        for start in range(len(words)):
            for stop in range(start + 1, len(words) + 1):
                col = self._tag_columns.get(" ".join(words[start:stop]))
                if col is not None:
                    found.add(col)
        return found

    def _canonical_indices(self) -> npt.NDArray[np.int64]:
        keys = pd.Series(self.titles).str.strip().str.casefold()
        codes = pd.factorize(keys)[0]
        index = np.arange(len(self))
        order = np.lexsort((index, -self.rating_counts, codes))  # per title: most rated first
        first = np.ones(len(self), dtype=bool)
        first[1:] = codes[order][1:] != codes[order][:-1]
        best = np.empty(int(codes.max()) + 1 if len(self) else 0, dtype=np.int64)
        best[codes[order][first]] = order[first]
        return best[codes].astype(np.int64)


def _str_tuple(value: object) -> tuple[str, ...]:
    """A frame cell of names as a tuple: tuples as loaded, lists as stored in JSON, else ()."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, list | np.ndarray):
        return tuple(map(str, value))
    return ()
