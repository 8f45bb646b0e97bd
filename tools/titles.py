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

``find_mentions`` finds titles inside free text without quotes, guarding against everyday words
that happen to be titles ("love", "home", "friends", "heat"): those need quotes, title-case
capitals or a title cue next to them ("movies like heat", "heat was great").
What follows a name as the catalog displays it belongs to the mention: "(alternate name)" and
"(year)".  A typed "(year)" that is not the film's drops the span ("Sliding Doors (1998)" is not
"Doors, The (1991)"), and a score ("4/5") is never part of a title.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

__all__ = [
    "ARTICLES",
    "COMMON_WORDS",
    "NUMBER_WORDS",
    "Candidate",
    "Mention",
    "Resolution",
    "Status",
    "TitleIndex",
    "normalize",
    "tokenize",
]

Status = Literal["exact", "normalized", "fuzzy", "ambiguous", "not_found"]


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


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

#: Everyday words: a title made only of these ("Heat", "Home Alone", "Love Affair", "Friday")
#: is only taken from free text with quotes, title-case capitals, or a title cue beside it.
COMMON_WORDS = _word_set(
    """a about above after again against all alone also always am an and another any anything
    are around as at away back bad be because been before being best better between big black
    blue boy boys break bring but by call can car careful caught child children city close cold
    come could crash dark date day days dead did do does dog done down dream each early end even
    ever every eye eyes face fall family far fast father fear feel few fight film find fine fire
    first fly for free fresh friday friend friends from full fun game get getting ghost girl girls
    give go god going gone good great green had happy hard has have he heat heart heavy hello help
    her here high him his home hot house how i if in into is it its jack just keep kid kids kind
    know last late let life light like little live long look lost lot love loved lucky made make
    man many me men michael mind mirror mom money more mother most movie movies mr much my name
    naked need never new next nice night no not nothing now of off old on once one only open or
    other our out over own party people perfect picture place play please pretty real red right
    road room run safe same say see seen shadow she shine shopping short show sleep small smoke
    so some something soon speed star start stay still stop story summer sun sweet take talk tell
    than thank thanks that the their them then there these they thing things think this those
    time to today together tonight too top touch true trust truth try two under until up us very
    wait walk want war was watch water way we week well were what when where which while white
    who why wild will wish with without woman women wonder work world would year years yes yet
    you young your
    afterglow amateur assassins august basic bliss boomerang breakdown bulletproof careful
    casino caught century charade cobb contact crossfire daylight deceiver disclosure eraser
    faces faithful fallen fear fearless firestorm fled freeway friday giant glory gridlock hackers
    hush incognito infinity junior loaded malice mirage multiplicity naked nowhere outbreak
    phenomenon powder priest psycho ransom reckless restoration roommates screamers senseless
    shadowlands sirens sleeper sleepers sliver solo species speechless sphere spellbound steel
    striptease swingers target threesome thinner touch traveller trust turbulence twilight
    twisted twister underground underworld unforgettable unknown vertigo volcano witness wolf
    wonderland metro morning evening afternoon tomorrow yesterday weekend fan fans
    cool else lol haha omg wow yeah yep nope nah hmm ok okay sure awesome"""
)

#: A partial title typed in free text does not start with these ("my daughter" is no title).
_NOT_A_TITLE_START = frozenset(
    {"of", "and", "in", "to", "my", "your", "our", "his", "her", "their"}
)

#: "sounds like X" compares; it does not name a film.
_LIKE_NOT_A_CUE = frozenset({"sounds", "sound", "looks", "look", "seems", "feels", "feel"})

#: Words next to an unquoted title that show the user is talking about a movie.
_CUE_BEFORE = _word_set(
    """like similar than rate loved love liked enjoyed hated disliked watched saw review
    rewatched adore adored"""
)
_CUE_AFTER = _word_set(
    "was is were wasnt isnt werent vibes gets got deserves sucked rocks rocked ruled"
)
_OPINION_AFTER = _word_set(
    """meh ok okay fine great good boring awful terrible amazing masterpiece overrated
    underrated excellent brilliant fantastic dull"""
)
#: Message-level signs the user talks about particular films (similar-to or rating cues).
_ABOUT_A_FILM = re.compile(
    r"(?<![\w'])(?:(?:movies?|films?|something|anything|stuff|more|ones?|others?|what'?s)\s+like|"
    r"^like|similar|resembl\w*|vibes?|more of|what else|rate|rated|rating|stars?|"
    r"out of|loved|liked|enjoyed|hated|disliked|boring|awful|terrible|amazing|masterpiece|meh|"
    r"overrated)(?![\w'])|\d\s*/\s*(?:5|10)\b|[⭐★🌟]"
)
#: What may follow a title that opens the message: "amadeus ⭐⭐⭐", "heat, 4 out of 5",
#: "alien 3 - two stars", "heat? meh", "fargo: 8/10".
_CUE_PUNCT_AFTER = re.compile(
    r"\s*(?:[-–—:]|\(\d{4}\)|[,?!.]*\s*(?:[⭐★🌟]|\d{1,2}(?:\.\d)?\s*(?:/\s*(?:5|10)\b|stars?\b|"
    r"out of\b)|(?:one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:stars?|out of)\b|(?:meh|ok|okay|fine|great|good|boring|"
    r"awful|terrible|amazing|masterpiece|overrated|underrated)\b))"
)

#: A score just before "for <title>": "4/5 for heat", "three stars for heat".
_SCORE_BEFORE = re.compile(
    r"(?:\d\s*/\s*(?:5|10)|\bstars?|[⭐★🌟]|out of (?:5|10|five|ten))\s*$", re.I
)

#: A capital V or X ending a name or before its subtitle colon: a sequel number.
_LONE_ROMAN = re.compile(r"(?<=\w )([VX])(?=\s*(?::|$))")
_LONE_ROMAN_VALUE = {"V": "5", "X": "10"}
#: The article opening a subtitle ("...: The Search for Spock"), often left out when typed.
_SUBTITLE_ARTICLE = re.compile(r":\s+(?:the|a|an)\s+(?=\w)", re.I)
#: Catalog rows that are not movies (ML-100K has a title "unknown").
_PLACEHOLDERS = frozenset({"unknown", ""})
_YEAR = re.compile(r"\((\d{4})\)")
#: A score typed with a title ("4/5", "8.5 / 10"); "8 1/2" and "Face/Off" are not scores.
_SCORE = re.compile(r"(?<![\w/.])\d{1,2}(?:[.,]\d)?\s*/\s*(?:5|10)(?![\w/])")
#: After a name: "(alternate name)" or "(1975)" ("That Thing You Do! (1996)"), or a bare year.
_PAREN_AFTER = re.compile(r"[!?.\]]?\s*\(([^()]{1,100})\)")
_YEAR_ONLY = re.compile(r"\d{4}")
_BARE_YEAR_AFTER = re.compile(r"\s+((?:18|19|20)\d\d)(?![\w/])")
_TRAILING_YEAR = re.compile(r"\s*\(?\b((?:18|19|20)\d\d)\)?\s*$")
_PARENS = re.compile(r"\(([^()]*)\)")
_TRAILING_ARTICLE = re.compile(r",\s*(the|a|an|il|la|le|les|das|der|die|el|l')\s*$", re.I)
# Separators that split words; dots, apostrophes and asterisks join ("L.A.", "M*A*S*H").
_TOKEN = re.compile(r"[^\s/\-–—:;,!?()\[\]{}\"“”«»+=<>|~#@^]+")
_DROP = re.compile(r"[.'’`*´‘]")
_QUOTED = re.compile(
    r"\"([^\"]{2,100})\"|“([^”]{2,100})”|(?:(?<=\s)|^)'([^']{2,100})'(?=[\s.,!?;:]|$)"
)


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


def _strip_article(key: str) -> str:
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


@dataclass(frozen=True, slots=True)
class Mention:
    """A title found inside a message: character span, the text there, and its resolution.

    ``strong`` says the span is clearly a movie (quoted, capitalized, an uncommon word, or a
    title cue beside it); weak mentions are everyday words that merely equal a title.
    """

    start: int
    end: int
    text: str
    resolution: Resolution
    quoted: bool = False
    strong: bool = True


@dataclass(slots=True)
class _Name:
    title: int
    key: str  # with the article in front, no year


@dataclass(slots=True)
class _Window:
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
        # Partial-title search: one string, names separated, found with str.find (C speed).
        parts: list[str] = []
        self._offsets: list[int] = []
        position = 0
        for entry in self._names:
            chunk = f"\x00 {entry.key} \x01"
            self._offsets.append(position)
            parts.append(chunk)
            position += len(chunk)
        self._joined = "".join(parts)
        # How many titles use each word: a one-word title whose word also appears in other
        # titles ("Contact" in "Star Trek: First Contact") is an ordinary word too.
        self._word_titles: dict[str, int] = {}
        for word in {(w, n.title) for n in self._names for w in _strip_article(n.key).split()}:
            self._word_titles[word[0]] = self._word_titles.get(word[0], 0) + 1
        # Fuzzy matching compares article-less, space-less keys ("goldeneye" = "golden eye").
        # A trigram index picks the few names sharing most trigrams with the query, so
        # rapidfuzz scores ~100 strings instead of the whole catalog.
        self._fuzzy_keys = [_strip_article(n.key).replace(" ", "") for n in self._names]
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
        bare = _strip_article(key)
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

    def _name_at(self, offset: int) -> int:
        return bisect.bisect_right(self._offsets, offset) - 1

    def _substring_titles(self, key: str, limit: int = 60) -> tuple[list[int], list[int]]:
        """Titles whose name contains ``key`` as whole words, and names starting with it."""
        inner: list[int] = []
        prefix: list[int] = []
        needle = f" {key} "
        start = self._joined.find(needle)
        while start >= 0 and len(inner) < limit:
            name_id = self._name_at(start)
            inner.append(self._names[name_id].title)
            name_start = self._offsets[name_id]
            head = self._joined[name_start + 2 : start + 1]
            if head == "" or _strip_article(head.strip() + " x") == "x":
                prefix.append(name_id)
            start = self._joined.find(needle, start + 1)
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

    def namesakes(self, index: int) -> tuple[Candidate, ...]:
        """Other films known by one of this film's names ("Halloween (2007)" for "Halloween
        (1978)"), best known first: what a reply may mention beside the film it answers for."""
        keys = {_strip_article(self._names[n].key) for n in self._name_ids_of(index)}
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

    def _lookup(self, key: str, year: str = "", *, fuzzy: bool = True) -> _Window | None:
        """Normalized, then partial, then fuzzy match of one normalized key.

        A name that is exactly one film's name wins over a did-you-mean: "alien" is Alien
        (1979), not a question about Aliens and Alien 3 — the person typed a whole title.
        """
        name_ids = self._keys.get(key) or self._keys.get(_strip_article(key)) or []
        titles = self._filter_year(self._rank(self._names[n].title for n in name_ids), year)
        if titles:
            status: Status = "normalized" if self._one_meant(titles) else "ambiguous"
            return _Window(0, 0, titles, status, 100.0)
        compact = self._compact.get(key.replace(" ", "")) or self._compact.get(
            _strip_article(key).replace(" ", "")
        )
        if compact:
            titles = self._filter_year(self._rank(self._names[n].title for n in compact), year)
            if titles:
                return _Window(
                    0, 0, titles, "fuzzy" if self._one_meant(titles) else "ambiguous", 98.0
                )
        bare = _strip_article(key)
        if len(bare) >= 4:
            inner, prefixed = self._substring_titles(bare)
            inner = self._filter_year(inner, year)
            if inner:
                ranked = self._rank(inner, {self._names[n].title: 1.0 for n in prefixed})
                # A unique run of two or more of a title's words is taken ("the last
                # crusade"); one word ("star" of Star Wars) is only offered.
                if len(ranked) == 1 and " " in bare:
                    return _Window(0, 0, ranked, "fuzzy", 90.0)
                return _Window(0, 0, ranked[:10], "ambiguous", 80.0)
        return self._fuzzy(key, year) if fuzzy else None

    def _fuzzy(self, key: str, year: str = "") -> _Window | None:
        compact = _strip_article(key).replace(" ", "")
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
            return _Window(0, 0, close, "ambiguous", scores)  # ask: "did you mean ...?"
        return _Window(0, 0, ranked[:1], "fuzzy", best)

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

    # ----------------------------------------------------------------- mentions
    def find_mentions(self, message: str) -> list[Mention]:
        """Titles named in ``message``: quoted ones first, then unquoted spans, longest first."""
        mentions: list[Mention] = []
        taken: list[tuple[int, int]] = []
        for match in self._quotes(message):
            group = next(i for i in (1, 2, 3) if match.group(i) is not None)
            start, end = match.start(group), match.end(group)
            resolution = self.resolve(match.group(group))
            mentions.append(Mention(start, end, match.group(group), resolution, quoted=True))
            taken.append((match.start(), match.end()))
        # A score is never part of a title: "rate scream 4/5" is Scream, not "Scream 4".
        taken += [m.span() for m in _SCORE.finditer(message)]
        tokens = [tok for tok in tokenize(message) if not any(a <= tok[1] < b for a, b in taken)]
        windows = self._windows(tokens)
        used = [False] * len(tokens)
        about_a_film = bool(_ABOUT_A_FILM.search(message.lower()))
        for window in windows:
            if any(used[window.start : window.end]):
                continue
            start, end = tokens[window.start][1], tokens[window.end - 1][2]
            # What follows the name as the catalog displays it ("(Spoorloos) (1988)") picks
            # the film among same-named ones; a typed "(year)" of no candidate drops the span
            # ("Sliding Doors (1998)" is not "Doors, The (1991)").
            tails = {t: self._display_tail(message, end, t) for t in window.titles}
            fits = {t: tail for t, tail in tails.items() if tail is not None}
            if not fits:
                continue
            furthest = max(fits.values())  # the longest tail, then a pinning year
            titles = [t for t in window.titles if fits.get(t) == furthest]
            end, pinned = furthest
            if titles != window.titles:
                single = window.status == "ambiguous" and len(titles) == 1
                window = replace(
                    window, titles=titles, status="normalized" if single else window.status
                )
            strong = pinned or self._is_strong(message, tokens, window, about_a_film)
            resolution = Resolution(
                message[start:end],
                window.status,
                self._candidates(window.titles, window.score),
            )
            mentions.append(Mention(start, end, message[start:end], resolution, False, strong))
            for i, token in enumerate(tokens):
                if start <= token[1] < end:
                    used[i] = True
        return mentions

    def _display_tail(self, message: str, end: int, title: int) -> tuple[int, bool] | None:
        """Where a mention of ``title`` ending at ``end`` really ends, and whether its year
        pins it down; None when a typed "(year)" names another film.

        What follows a name as the catalog displays it belongs to it: alternate names in
        parentheses ("Wend Kuuni (God's Gift)") and the year, "(1975)" or bare "1975".
        """
        while match := _PAREN_AFTER.match(message, end):
            inside = match.group(1).strip()
            if _YEAR_ONLY.fullmatch(inside):
                if inside != self.years[title]:
                    return None
                return match.end(), True
            key = normalize(inside)
            if not any(self._names[n].title == title for n in self._keys.get(key, ())):
                break
            end = match.end()
        bare = _BARE_YEAR_AFTER.match(message, end)
        if bare and bare.group(1) == self.years[title]:
            return bare.end(), True
        return end, False

    def _quotes(self, message: str) -> list[re.Match[str]]:
        """Quoted spans that are the title, not quotes inside a longer one ("Waiting for
        'Superman'", "Empire of Dreams: The Story of the 'Star Wars' Trilogy")."""
        quotes = list(_QUOTED.finditer(message))
        if not quotes:
            return quotes
        tokens = tokenize(message)
        whole = [
            (tokens[w.start][1], tokens[w.end - 1][2])
            for w in self._windows(tokens)
            if w.status == "normalized"
        ]
        return [
            q
            for q in quotes
            if not any(
                a <= q.start() and q.end() <= b + 1 and b - a > q.end() - q.start()
                for a, b in whole
            )
        ]

    def _windows(self, tokens: list[tuple[str, int, int]]) -> list[_Window]:
        """Every token window that names a title, best (longest, most certain) first."""
        words = [w for w, _, _ in tokens]
        found: list[_Window] = []
        n = len(words)
        for i in range(n):
            # Only windows whose adjacent word pairs all occur in some title can be a title
            # (or part of one); "golden eye"-style joined spellings are tried up to 3 words.
            longest = i + 1
            while (
                longest < min(n, i + self.MAX_WINDOW)
                and (words[longest - 1], words[longest]) in self._bigrams
            ):
                longest += 1
            ends = set(range(i + 1, longest + 1)) | set(range(i + 2, min(n, i + 3) + 1))
            for j in sorted(ends, reverse=True):
                key = " ".join(words[i:j])
                # A year right after the name ("aliens 1986") pins it down.
                year = words[j] if j < n and re.fullmatch(r"(18|19|20)\d\d", words[j]) else ""
                hit = self._lookup_window(key, year)
                if hit is not None:
                    hit.start, hit.end = i, j
                    found.append(hit)
        rank = {"normalized": 0, "exact": 0, "fuzzy": 1, "ambiguous": 2}
        found.sort(key=lambda w: (-(w.end - w.start), rank.get(w.status, 3), w.start))
        return found

    def _lookup_window(self, key: str, year: str) -> _Window | None:
        words = key.split()
        if words[0] in ARTICLES and len(words) == 1:
            return None
        if key in self._keys or key.replace(" ", "") in self._compact:
            hit = self._lookup(key, year, fuzzy=False)
            if hit is not None and hit.status == "ambiguous" and year:
                return None
            return hit
        # Partial titles from free text: at least two words, not starting/ending on a
        # function word, and unique ("the last crusade", "first contact").
        if len(words) >= 2 and words[-1] not in COMMON_WORDS - {"day", "night", "war"}:
            bare = _strip_article(key)
            head = bare.split()
            if len(head) < 2 or head[0] in ARTICLES or head[0] in _NOT_A_TITLE_START:
                return None
            inner, _ = self._substring_titles(bare, limit=3)
            if len(set(inner)) == 1 and len(bare) >= 8:
                titles = self._filter_year(inner, year)
                if titles:
                    return _Window(0, 0, titles[:1], "fuzzy", 90.0)
        return None

    def fuzzy_window(self, message: str, start: int, end: int) -> Mention | None:
        """Fuzzy-match the best token window inside ``message[start:end]`` (a title slot)."""
        tokens = [t for t in tokenize(message) if start <= t[1] and t[2] <= end]
        if not tokens:
            return None
        best: tuple[float, int, int, _Window] | None = None
        words = [w for w, _, _ in tokens]
        n = len(words)
        for i in range(n):
            for j in range(n, i, -1):
                if j - i > 8:
                    continue
                hit = self._fuzzy(" ".join(words[i:j]))
                if hit is None or hit.status != "fuzzy" or isinstance(hit.score, dict):
                    continue
                rank = (hit.score, j - i, -i)
                if best is None or rank > best[:3]:
                    best = (hit.score, j - i, -i, replace(hit, start=i, end=j))
        if best is None:
            return None
        window = best[3]
        s, e = tokens[window.start][1], tokens[window.end - 1][2]
        resolution = Resolution(
            message[s:e], window.status, self._candidates(window.titles, window.score)
        )
        return Mention(s, e, message[s:e], resolution, False, True)

    def _is_strong(
        self,
        message: str,
        tokens: list[tuple[str, int, int]],
        window: _Window,
        about_a_film: bool,
    ) -> bool:
        """Is this span clearly a movie title, not everyday words that happen to be one?

        ``about_a_film``: the message asks for similar films or gives an opinion/rating.
        """
        words = [w for w, _, _ in tokens[window.start : window.end]]
        distinctive = [w for w in words if w not in COMMON_WORDS and not w.isdigit()]
        if len(words) > 1 and distinctive:
            return True  # "dial m for murder": several words, not all everyday ones
        raw = message[tokens[window.start][1] : tokens[window.end - 1][2]]
        letters = [w for w in re.findall(r"[^\W\d_]+", raw) if len(w) > 3]
        if letters and all(w[0].isupper() for w in letters) and window.start > 0:
            return True  # "I enjoyed Heathers": capitals mid-sentence
        if (
            window.start == 0
            and letters
            and all(w[0].isupper() for w in letters)
            and re.search(r"\b[a-z]{2,}", message[tokens[window.end - 1][2] :])
            and (len(words) > 1 or (distinctive and self._word_titles.get(words[0], 0) <= 1))
        ):
            return True  # "Interstellar blew my mind", "Gone Girl had such a twist"
        before = tokens[window.start - 1][0] if window.start > 0 else ""
        two_before = tokens[window.start - 2][0] if window.start > 1 else ""
        if before == "like" and two_before in _LIKE_NOT_A_CUE:
            return False  # "that sounds like fun": a comparison, not "movies like Fun"
        if (before, two_before) in {("to", "similar"), ("for", "rating"), ("of", "rating")}:
            return True  # "similar to heat", "a rating for heat"
        if before == "for" and _SCORE_BEFORE.search(message[: tokens[window.start - 1][1]]):
            return True  # "4/5 for heat", "three stars for heat"
        after = tokens[window.end][0] if window.end < len(tokens) else ""
        if before in _CUE_BEFORE or after in _CUE_AFTER or after in _OPINION_AFTER:
            return True  # "movies like heat", "twister was meh", "found the big sleep boring"
        unique_word = self._word_titles.get(words[0], 0) <= 1
        if about_a_film and distinctive and unique_word:
            return True  # "recommend films resembling brazil"
        if window.start != 0:
            return False
        # A title opening the message: "amadeus ⭐⭐⭐", "alien 3 - two stars", "swingers, hated it"
        tail = message[tokens[window.end - 1][2] :]
        if _CUE_PUNCT_AFTER.match(tail):
            return True
        opens_clause = bool(re.match(r"\s*(?:[,;]|$)", tail))
        return opens_clause and (about_a_film or (bool(distinctive) and unique_word))
