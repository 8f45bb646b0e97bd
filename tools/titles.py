"""One title resolver for every route: typed movie names -> catalog titles.

People type titles loosely ("the godfather", "golden eye", "la femme nikita", "part 2"), so the
catalog is indexed once under normalized keys (lowercase, accents folded, punctuation dropped,
"&" = "and", number words and Roman numerals as digits, leading articles moved to the front or
dropped, alternate titles in parentheses as names of their own).  The name as the bot displays it
("godfather, the") is a key too, so a label copied back from a list resolves.  ``resolve``
then tries, in order: the exact catalog string, a normalized key (optionally with the year), a
unique partial title of two or more words ("the last crusade"), and finally rapidfuzz for
typos.  A key that is exactly one film's name wins over a question ("alien" is Alien (1979),
not "Alien or Aliens?").  Anything that fits several movies — and any weak match: one word of
a longer title, a typo below ``FUZZY_CONFIDENT`` — comes back ``ambiguous`` with ranked
candidates so the chat asks "did you mean ...?" instead of acting.

Rows the catalog lists twice under one label are one film (``canonical``, see
``_canonical_copies``): the resolver only ever returns the most-rated copy.

A bare name several films share means the far better-known one when rating counts are about
an order of magnitude apart (``DOMINANCE``: "Halloween" is the 1978 film); the others stay in
``Resolution.alternatives`` / ``namesakes`` for a reply to mention.  Comparable ones are a
question.  Candidates carry the catalog's movie ids.

Finding titles inside chat text is parsing (``bot.parsing.mentions``); this module offers the
public lookups it needs (``lookup``, ``is_name``, ``titles_containing``, ...).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

__all__ = [
    "ARTICLES",
    "NUMBER_WORDS",
    "Candidate",
    "Resolution",
    "Status",
    "TitleIndex",
    "normalize",
    "strip_article",
    "tokenize",
]

Status = Literal["exact", "normalized", "fuzzy", "ambiguous", "not_found"]


#: Leading articles users type in front of titles the catalog files as "Name, The".
ARTICLES = frozenset({"the", "a", "an", "il", "la", "le", "les", "das", "der", "die", "el", "l"})

NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}  # fmt: skip

# "i" (the pronoun), "v", "x", "l", "c", "m" alone are too often ordinary letters.
_ROMAN: dict[str, int] = {
    "ii": 2, "iii": 3, "iv": 4, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "xi": 11, "xii": 12,
    "xiii": 13, "xiv": 14, "xv": 15, "xvi": 16, "xvii": 17, "xviii": 18, "xix": 19, "xx": 20,
}  # fmt: skip


#: A capital V or X ending a name or before its subtitle colon: a sequel number.
_LONE_ROMAN = re.compile(r"(?<=\w )([VX])(?=\s*(?::|$))")
_LONE_ROMAN_VALUE = {"V": "5", "X": "10"}
#: The article opening a subtitle ("...: The Search for Spock"), often left out when typed.
_SUBTITLE_ARTICLE = re.compile(r":\s+(?:the|a|an)\s+(?=\w)", re.I)
#: Catalog rows that are not movies (ML-100K has a title "unknown").
_PLACEHOLDERS = frozenset({"unknown", ""})
_YEAR = re.compile(r"\((\d{4})\)")
_TRAILING_YEAR = re.compile(r"\s*\(?\b((?:18|19|20)\d\d)\)?\s*$")
_PARENS = re.compile(r"\(([^()]*)\)")
_TRAILING_ARTICLE = re.compile(r",\s*(the|a|an|il|la|le|les|das|der|die|el|l')\s*$", re.I)
# Separators that split words; dots, apostrophes and asterisks join ("L.A.", "M*A*S*H").
_TOKEN = re.compile(r"[^\s/\-–—:;,!?()\[\]{}\"“”«»+=<>|~#@^]+")
_DROP = re.compile(r"[.'’`*´‘]")


def _fold(text: str) -> str:
    """Lowercase with accents removed ("Misérables" -> "miserables")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _norm_token(raw: str) -> list[str]:
    """One raw token -> its normalized word(s): "&" is "and", numbers are digits."""
    word = _DROP.sub("", _fold(raw))
    if word.startswith("l") and len(raw) > 2 and raw[1] in "'’" and raw[0] in "lL":
        word = "l " + word[1:]  # French elision "l'homme" keeps its article separable
    out: list[str] = []
    for part in word.replace("&", " and ").split():
        if part in NUMBER_WORDS:
            out.append(str(NUMBER_WORDS[part]))
        elif part in _ROMAN:
            out.append(str(_ROMAN[part]))
        else:
            out.append(part)
    return out


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Normalized words of ``text`` with the character span each came from."""
    tokens: list[tuple[str, int, int]] = []
    for match in _TOKEN.finditer(text):
        for word in _norm_token(match.group()):
            tokens.append((word, match.start(), match.end()))
    return tokens


def normalize(text: str) -> str:
    """The normalized key of a typed name: "Star Trek: Part II" -> "star trek part 2"."""
    return " ".join(word for word, _, _ in tokenize(text))


def _trigrams(compact: str) -> set[str]:
    padded = f"^{compact}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def strip_article(key: str) -> str:
    head, _, rest = key.partition(" ")
    return rest if head in ARTICLES and rest else key


@dataclass(frozen=True, slots=True)
class Candidate:
    """One catalog entry a typed name may mean; ``score`` is 0-100 (100 = certain)."""

    index: int
    title: str
    score: float
    #: The catalog's movie id for ``index`` (the index itself when the catalog gave no ids).
    movie_id: int = -1


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a typed name resolved: ``status`` and the candidates, best first."""

    query: str
    status: Status
    candidates: tuple[Candidate, ...] = ()

    @property
    def confident(self) -> bool:
        """True when one catalog title is meant (exact, normalized or fuzzy)."""
        return self.status in ("exact", "normalized", "fuzzy")

    @property
    def title(self) -> str | None:
        """The catalog title when confident, else None."""
        return self.candidates[0].title if self.confident else None

    @property
    def movie_id(self) -> int | None:
        """The movie id of the film meant when confident, else None."""
        return self.candidates[0].movie_id if self.confident else None

    @property
    def alternatives(self) -> tuple[Candidate, ...]:
        """Other films of the same name when one far better known was taken ("Halloween"
        is the 1978 film; the 2007 one is here, for a reply to mention)."""
        return self.candidates[1:] if self.confident else ()


@dataclass(slots=True)
class _Name:
    title: int
    key: str  # with the article in front, no year


@dataclass(slots=True)
class NameMatch:
    """Catalog titles a name (a token window of a message, for ``bot.parsing.mentions``)
    matches, with how certain the match is."""

    start: int  # token index
    end: int  # token index, exclusive
    titles: list[int]
    status: Status
    score: float | dict[int, float]  # one score for all titles, or per title (fuzzy)


class TitleIndex:
    """Catalog titles indexed for ``resolve`` and ``find_mentions``; build once, reuse.

    ``popularity`` (e.g. rating counts) ranks candidates and breaks ties; default all equal.
    ``ids`` are the catalog's movie ids, one per title (default: the row numbers); every
    candidate carries its film's id, so a title is resolved once, to an id.
    """

    #: Fuzzy matches below this rapidfuzz ratio (0-100) are not taken.
    FUZZY_CUTOFF = 86.0
    #: A typo match below this ratio is only offered ("did you mean ...?"), never acted on.
    FUZZY_CONFIDENT = 92.0
    #: Two fuzzy candidates closer than this are ambiguous.
    FUZZY_MARGIN = 3.0
    MAX_WINDOW = 12
    #: How many trigram-nearest names rapidfuzz scores per fuzzy lookup.
    FUZZY_POOL = 200
    #: A name shared by several films means the best known one when its popularity (rating
    #: count) is at least this many times the next one's — roughly an order of magnitude:
    #: on ml-latest-small "Halloween" is 27 ratings (1978) to 4 (2007), "Twilight" 22 to 3,
    #: while comparable films ("Arrival" 26 to 22) stay a question.
    DOMINANCE = 5.0

    def __init__(
        self,
        titles: Sequence[str],
        popularity: Sequence[float] | None = None,
        ids: Sequence[int] | None = None,
    ) -> None:
        self.titles: list[str] = [str(t) for t in titles]
        self.ids: list[int] = (
            list(range(len(self.titles))) if ids is None else [int(i) for i in ids]
        )
        if len(self.ids) != len(self.titles):
            raise ValueError("ids must have one value per title")
        pop = [0.0] * len(self.titles) if popularity is None else [float(p) for p in popularity]
        if len(pop) != len(self.titles):
            raise ValueError("popularity must have one value per title")
        self.popularity = pop
        self.years: list[str] = [m.group(1) if (m := _YEAR.search(t)) else "" for t in self.titles]
        self.canonical: list[int] = self._canonical_copies()
        self._raw: dict[str, list[int]] = {}
        self._names: list[_Name] = []
        self._keys: dict[str, list[int]] = {}  # key (with or without article) -> name ids
        self._compact: dict[str, list[int]] = {}  # key without spaces -> name ids
        for index, title in enumerate(self.titles):
            if self.canonical[index] != index:
                # A second copy of a film: typing its label reaches the canonical copy.
                self._raw.setdefault(title, []).append(self.canonical[index])
                continue
            if title.strip().lower() in _PLACEHOLDERS:
                continue
            self._raw.setdefault(title, []).append(index)
            for name, article in self._split_names(title):
                # "Star Trek III: The Search for Spock": people drop the subtitle's article
                # ("star trek 3 search for spock"), so that spelling is a name too.  And the
                # name as the bot displays it ("godfather, the") is one as well: people copy
                # titles back from a list.
                bare_subtitle = _SUBTITLE_ARTICLE.sub(": ", name)
                displayed = f"{name[len(article) :].strip()}, {article}" if article else name
                for variant in dict.fromkeys([name, bare_subtitle, displayed]):
                    self._add_name(index, variant)
                    # "Henry V", "Star Trek V: ...": a lone V/X numbers a sequel, so "henry 5"
                    # names it too (single letters are not read as numerals everywhere).
                    numbered = _LONE_ROMAN.sub(lambda m: _LONE_ROMAN_VALUE[m.group(1)], variant)
                    if numbered != variant:
                        self._add_name(index, numbered)
        # Partial-title search: the names holding each word, so a run of words is looked
        # for only in the names of its rarest word (not in the whole catalog).
        self._word_names: dict[str, list[int]] = {}
        for name_id, entry in enumerate(self._names):
            for name_word in dict.fromkeys(entry.key.split()):
                self._word_names.setdefault(name_word, []).append(name_id)
        # How many titles use each word: a one-word title whose word also appears in other
        # titles ("Contact" in "Star Trek: First Contact") is an ordinary word too.
        self._word_titles: dict[str, int] = {}
        for word in {(w, n.title) for n in self._names for w in strip_article(n.key).split()}:
            self._word_titles[word[0]] = self._word_titles.get(word[0], 0) + 1
        # Fuzzy matching compares article-less, space-less keys ("goldeneye" = "golden eye").
        # A trigram index picks the few names sharing most trigrams with the query, so
        # rapidfuzz scores ~100 strings instead of the whole catalog.
        self._fuzzy_keys = [strip_article(n.key).replace(" ", "") for n in self._names]
        grams: dict[str, list[int]] = {}
        for name_id, compact in enumerate(self._fuzzy_keys):
            for gram in _trigrams(compact):
                grams.setdefault(gram, []).append(name_id)
        self._grams = {g: np.asarray(ids, dtype=np.int32) for g, ids in grams.items()}
        self._bigrams = {pair for n in self._names for pair in itertools.pairwise(n.key.split())}
        self._name_owner: dict[int, list[int]] | None = None  # title -> its names, built lazily

    # ----------------------------------------------------------------- building
    @staticmethod
    def _split_names(title: str) -> list[tuple[str, str]]:
        """Main and alternate names of a catalog title, each with its leading article."""
        body = _YEAR.sub(" ", title).strip()
        alternates = [alt.strip() for alt in _PARENS.findall(body) if alt.strip()]
        main = _PARENS.sub(" ", body).strip()
        names = []
        for name in [main, *alternates]:
            article = ""
            moved = _TRAILING_ARTICLE.search(name)
            if moved:
                article = moved.group(1)
                name = f"{article} {name[: moved.start()]}"
            names.append((name, article))
        # "Godfather: Part II, The": the article may also sit before a subtitle's colon.
        return names

    def _canonical_copies(self) -> list[int]:
        """For every row, the row that stands for its film: itself, or the most popular row
        with the same label.

        Catalogs list a few films twice under two ids with one label (ML-100K has 18, e.g.
        "Chasing Amy (1997)", "Fly Away Home (1996)").  To the person they are one film, so
        they are merged, not disambiguated — a question "which Chasing Amy (1997)?" has no
        answer.  The most-rated copy (ties: the first row) is the one the resolver returns,
        so ratings are stored under it and lists never offer the same label twice; the other
        copies stay in the catalog (the models and their evaluation are untouched).
        Rows are one film when they share the year and a name (main or alternate title,
        normalized: "chasing amy" 1997).
        """
        canonical = list(range(len(self.titles)))
        owner: dict[tuple[str, str], int] = {}  # (name key, year) -> canonical row
        for index in sorted(canonical, key=lambda i: (-self.popularity[i], i)):
            if self.titles[index].strip().lower() in _PLACEHOLDERS:
                continue
            labels = [
                (normalize(n), self.years[index]) for n, _ in self._split_names(self.titles[index])
            ]
            main = owner.get(labels[0]) if labels[0][0] else None
            if main is None:
                # An alternate name equal to another row's name in the same year is that row
                # ("Maybe, Maybe Not (Bewegte Mann, Der) (1994)" / "Bewegte Mann, Der (1994)").
                main = next((owner[label] for label in labels if label in owner), index)
            canonical[index] = main
            for label in labels:
                owner.setdefault(label, main)
        return canonical

    def _add_name(self, title: int, name: str) -> None:
        key = normalize(name)
        if not key:
            return
        name_id = len(self._names)
        self._names.append(_Name(title, key))
        bare = strip_article(key)
        for variant in {key, bare}:
            self._keys.setdefault(variant, []).append(name_id)
            self._compact.setdefault(variant.replace(" ", ""), []).append(name_id)

    # ----------------------------------------------------------------- helpers
    def _rank(self, titles: Iterable[int], scores: dict[int, float] | None = None) -> list[int]:
        unique = list(dict.fromkeys(titles))
        return sorted(unique, key=lambda t: (-(scores or {}).get(t, 0.0), -self.popularity[t], t))

    def _candidates(
        self, titles: list[int], score: float | dict[int, float]
    ) -> tuple[Candidate, ...]:
        scores = score if isinstance(score, dict) else dict.fromkeys(titles, score)
        return tuple(
            Candidate(t, self.titles[t], round(scores.get(t, 0.0), 1), self.ids[t]) for t in titles
        )

    def _substring_titles(self, key: str, limit: int = 60) -> tuple[list[int], list[int]]:
        """Titles whose name contains ``key`` as whole words, and names starting with it."""
        inner: list[int] = []
        prefix: list[int] = []
        holders = [self._word_names.get(word, []) for word in key.split()]
        if not holders:
            return inner, prefix
        needle = f" {key} "
        for name_id in min(holders, key=len):
            name = f" {self._names[name_id].key} "
            start = name.find(needle)
            if start < 0:
                continue
            inner.append(self._names[name_id].title)
            head = name[1 : start + 1]
            if head == "" or strip_article(head.strip() + " x") == "x":
                prefix.append(name_id)
            if len(inner) >= limit:
                break
        return inner, prefix

    @staticmethod
    def _split_year(text: str) -> tuple[str, str]:
        match = _TRAILING_YEAR.search(text)
        if match and match.start() > 0:
            return text[: match.start()], match.group(1)
        return text, ""

    # ----------------------------------------------------------------- resolve
    def resolve(self, text: str) -> Resolution:
        """What catalog title ``text`` names; see the module docstring for the order."""
        query = text.strip().strip("\"'“”")
        raw = self._raw.get(query)
        if raw:
            ranked = self._rank(raw)
            return Resolution(text, "exact", self._candidates(ranked, 100.0))
        whole = normalize(query)
        if whole in self._keys:  # a name that ends in a number: "Blues Brothers 2000"
            found = self._lookup(whole, fuzzy=False)
            if found is not None:
                return Resolution(text, found.status, self._candidates(found.titles, found.score))
        name_part, year = self._split_year(query)
        resolution = self._resolve_names(text, name_part, year)
        if resolution.status == "not_found" and year:
            # The number was part of the name: "... in the Year 2000 (...)", "(2006–2007)".
            resolution = self._resolve_names(text, query, "", fuzzy=False)
        return resolution

    def _resolve_names(
        self, text: str, name_part: str, year: str, *, fuzzy: bool = True
    ) -> Resolution:
        """``resolve`` after the exact string: the typed name(s), optionally in ``year``."""
        # A catalog-style string ("lion king, the", "nikita (la femme nikita)") is read the
        # way catalog titles are: article moved to the front, each name tried on its own.
        keys = [normalize(name_part)]
        if "," in name_part or "(" in name_part:
            keys += [normalize(name) for name, _ in self._split_names(name_part)]
        keys = [key for key in dict.fromkeys(keys) if key]
        if not keys:
            return Resolution(text, "not_found")
        alternates = [normalize(name) for name, _ in self._split_names(name_part)]
        if len(alternates) > 1:
            # "Godzilla (Gojira)": the film that has all these names.
            named = [{self._names[n].title for n in self._keys.get(key, ())} for key in alternates]
            both = self._filter_year(self._rank(set.intersection(*named)), year)
            if both:
                status: Status = "normalized" if len(both) == 1 else "ambiguous"
                return Resolution(text, status, self._candidates(both, 100.0))
        for key in keys[1:]:
            found = self._lookup(key, year, fuzzy=False)
            if found is not None and found.status != "ambiguous":
                return Resolution(text, found.status, self._candidates(found.titles, found.score))
        found = self._lookup(keys[0], year, fuzzy=fuzzy)
        if found is not None:
            return Resolution(text, found.status, self._candidates(found.titles, found.score))
        return Resolution(text, "not_found")

    def _one_meant(self, ranked: list[int]) -> bool:
        """One film, or one far better known than the next of that exact name ("Iron Man",
        "Halloween", "Twilight"): the name means it.  Comparable ones need a question."""
        if len(ranked) == 1:
            return True
        best, second = self.popularity[ranked[0]], self.popularity[ranked[1]]
        return best > 0 and best >= self.DOMINANCE * second

    # ----------------------------------------------------------------- public lookups
    # What ``bot.parsing.mentions`` needs to find titles inside chat text.

    def lookup(self, key: str, year: str = "", *, fuzzy: bool = True) -> NameMatch | None:
        """The titles a normalized ``key`` names (exact name, partial, then fuzzy)."""
        return self._lookup(key, year, fuzzy=fuzzy)

    def fuzzy_match(self, key: str, year: str = "") -> NameMatch | None:
        """Typo-tolerant match of a normalized ``key`` (None below the cutoff)."""
        return self._fuzzy(key, year)

    def is_name(self, key: str) -> bool:
        """Is ``key`` (normalized) a whole name of some title, spaces aside?"""
        return key in self._keys or key.replace(" ", "") in self._compact

    def is_name_of(self, key: str, title: int) -> bool:
        """Is the normalized ``key`` one of the names of title row ``title``?"""
        return any(self._names[n].title == title for n in self._keys.get(key, ()))

    def continues_a_name(self, word: str, next_word: str) -> bool:
        """Do these two normalized words follow each other in some title?"""
        return (word, next_word) in self._bigrams

    def titles_using_word(self, word: str) -> int:
        """How many titles have ``word`` in a name ("contact": Contact and First Contact)."""
        return self._word_titles.get(word, 0)

    def titles_containing(self, key: str, limit: int = 60) -> list[int]:
        """Titles with ``key`` as a run of whole words in a name."""
        return self._substring_titles(key, limit)[0]

    def in_year(self, titles: list[int], year: str) -> list[int]:
        """``titles`` released in ``year`` (all of them when no year)."""
        return self._filter_year(titles, year)

    def candidates(
        self, titles: list[int], score: float | dict[int, float]
    ) -> tuple[Candidate, ...]:
        """``titles`` as ranked candidates with their ids and scores."""
        return self._candidates(titles, score)

    def namesakes(self, index: int) -> tuple[Candidate, ...]:
        """Other films known by one of this film's names ("Halloween (2007)" for "Halloween
        (1978)"), best known first: what a reply may mention beside the film it answers for."""
        keys = {strip_article(self._names[n].key) for n in self._name_ids_of(index)}
        others = {
            self._names[n].title
            for key in keys
            for n in self._keys.get(key, ())
            if self._names[n].title != index
        }
        return self._candidates(self._rank(others), 100.0)

    def _name_ids_of(self, index: int) -> list[int]:
        if self._name_owner is None:
            owner: dict[int, list[int]] = {}
            for name_id, name in enumerate(self._names):
                owner.setdefault(name.title, []).append(name_id)
            self._name_owner = owner
        return self._name_owner.get(self.canonical[index], [])

    def _filter_year(self, titles: list[int], year: str) -> list[int]:
        return [t for t in titles if self.years[t] == year] if year else titles

    def _lookup(self, key: str, year: str = "", *, fuzzy: bool = True) -> NameMatch | None:
        """Normalized, then partial, then fuzzy match of one normalized key.

        A name that is exactly one film's name wins over a did-you-mean: "alien" is Alien
        (1979), not a question about Aliens and Alien 3 — the person typed a whole title.
        """
        name_ids = self._keys.get(key) or self._keys.get(strip_article(key)) or []
        titles = self._filter_year(self._rank(self._names[n].title for n in name_ids), year)
        if titles:
            status: Status = "normalized" if self._one_meant(titles) else "ambiguous"
            return NameMatch(0, 0, titles, status, 100.0)
        compact = self._compact.get(key.replace(" ", "")) or self._compact.get(
            strip_article(key).replace(" ", "")
        )
        if compact:
            titles = self._filter_year(self._rank(self._names[n].title for n in compact), year)
            if titles:
                return NameMatch(
                    0, 0, titles, "fuzzy" if self._one_meant(titles) else "ambiguous", 98.0
                )
        bare = strip_article(key)
        if len(bare) >= 4:
            inner, prefixed = self._substring_titles(bare)
            inner = self._filter_year(inner, year)
            if inner:
                ranked = self._rank(inner, {self._names[n].title: 1.0 for n in prefixed})
                # A unique run of two or more of a title's words is taken ("the last
                # crusade"); one word ("star" of Star Wars) is only offered.
                if len(ranked) == 1 and " " in bare:
                    return NameMatch(0, 0, ranked, "fuzzy", 90.0)
                return NameMatch(0, 0, ranked[:10], "ambiguous", 80.0)
        return self._fuzzy(key, year) if fuzzy else None

    def _fuzzy(self, key: str, year: str = "") -> NameMatch | None:
        compact = strip_article(key).replace(" ", "")
        if len(compact) < 5:
            return None
        pool = self._fuzzy_pool(compact)
        if not pool:
            return None
        choices = [self._fuzzy_keys[n] for n in pool]
        cutoff = self.FUZZY_CUTOFF if len(compact) >= 8 else 90.0
        hits = process.extract(compact, choices, scorer=fuzz.ratio, limit=8, score_cutoff=cutoff)
        # The same key with its article (``the...``) competes too: compare without it.
        scores: dict[int, float] = {}
        for _, score, position in hits:
            title = self._names[pool[position]].title
            if year and self.years[title] != year:
                continue
            scores[title] = max(scores.get(title, 0.0), float(score))
        if not scores:
            return None
        ranked = self._rank(scores, scores)
        best = scores[ranked[0]]
        close = [t for t in ranked if best - scores[t] < self.FUZZY_MARGIN]
        if len(close) > 1 or best < self.FUZZY_CONFIDENT:
            return NameMatch(0, 0, close, "ambiguous", scores)  # ask: "did you mean ...?"
        return NameMatch(0, 0, ranked[:1], "fuzzy", best)

    def _fuzzy_pool(self, compact: str) -> list[int]:
        """Names sharing the most trigrams with ``compact`` (the only ones worth scoring)."""
        arrays = [self._grams[g] for g in _trigrams(compact) if g in self._grams]
        if not arrays:
            return []
        counts = np.bincount(np.concatenate(arrays), minlength=len(self._names))
        # ratio >= 86 leaves most trigrams intact: demand at least a third of them.
        needed = max(1, len(_trigrams(compact)) // 3)
        hits = np.flatnonzero(counts >= needed)
        if len(hits) > self.FUZZY_POOL:
            hits = hits[np.argpartition(-counts[hits], self.FUZZY_POOL)[: self.FUZZY_POOL]]
        return hits.tolist()
