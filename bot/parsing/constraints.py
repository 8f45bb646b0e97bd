"""Constraint and reference phrases in a lowercased message: years, eras, keywords, positions.

Pure functions over the lowercased text; each returns what it found plus the character spans it
used, so the parser can mask them before looking for titles ("older than 1980" is a year, not
the film "1980"; "the second one" is a position, not a title).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.parsing import vocabulary as vocab
from tools.schema import MAX_K, MAX_YEAR, MIN_YEAR

__all__ = ["Constraints", "Refs", "find_constraints", "find_refs"]

Span = tuple[int, int]


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w'])(?:{pattern})(?![\w'])")


# ------------------------------------------------------------------------------ years
_DECADE_WORD = "|".join(vocab.DECADE_WORDS)
# "the 90s", "1990s", "'90s", "90's", "the nineties", "early 80s"
_DECADE = re.compile(
    r"(?<![\w])(?:(early|mid|late)[- ])?(?:the\s+)?(?:(early|mid|late)[- ])?"
    rf"(?:(1[89]|20)?(\d)0\s?'?s|'(\d)0s|({_DECADE_WORD}))(?![\w])"
)
_YEAR = r"((?:18|19|20)\d\d)"
_NEGATED = r"(?:nothing|none|no|not|never anything|nothing that'?s)\s+(?:\w+\s+)?"
# (pattern, how the years become (min, max)); checked in order, spans taken once.
_YEAR_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (rf"between\s+{_YEAR}\s+(?:and|&|-)\s+{_YEAR}", "between"),
        (rf"from\s+{_YEAR}\s+(?:to|until|till|through|-)\s+{_YEAR}", "between"),
        (rf"(?<![\w/]){_YEAR}\s*(?:-|–|to)\s*{_YEAR}(?![\w/])", "between"),
        (rf"{_NEGATED}(?:older than|earlier than|before|prior to|from before)\s+{_YEAR}", "min"),
        (rf"{_NEGATED}(?:newer than|later than|after|more recent than|past)\s+{_YEAR}", "max"),
        (rf"(?:before|older than|earlier than|prior to|pre-?)\s*{_YEAR}", "before"),
        (rf"(?:after|newer than|later than|more recent than|post-?)\s*{_YEAR}", "after"),
        (
            rf"(?:since|starting|starting from|from)\s+{_YEAR}\s*(?:on|onwards?|or later|and later|and up|\+)",
            "min",
        ),
        (rf"since\s+{_YEAR}", "min"),
        (
            rf"{_YEAR}\s*(?:or|and)\s+(?:later|newer|after|up)|{_YEAR}\s*\+|{_YEAR}\s+onwards?",
            "min",
        ),
        (rf"(?:up to|until|till|through|no later than|by)\s+{_YEAR}", "max"),
        (rf"{_YEAR}\s*(?:or|and)\s+(?:earlier|older|before)", "max"),
        (rf"(?:from|in|of|made in|released in|came out in|year)\s+{_YEAR}(?![\w/])", "exact"),
    )
)
# Decades joined by "or"/"and"/"to" are one range: "the 60s or 70s" = 1960-1979.
_DECADE_JOIN = re.compile(r"\s*(?:,|or|and|to|through|-|–|&)\s*(?:the\s+)?$")
_DECADE_BEFORE = re.compile(
    rf"(?:(?:{_NEGATED})?(before|older than|earlier than|prior to|pre-?|"
    r"after|newer than|later than|more recent than|post-?|since|from))\s*$"
)


def _decade_range(match: re.Match[str]) -> tuple[int, int]:
    part = match.group(1) or match.group(2)
    century, digit, quoted, word = match.group(3), match.group(4), match.group(5), match.group(6)
    if word is not None:
        tens = vocab.DECADE_WORDS[word]
        start = (2000 if tens == 0 else 1900) + tens
    else:
        tens = int(digit if digit is not None else quoted)
        if century:
            start = int(century) * 100 + tens * 10
        else:
            start = (1900 if tens >= 2 else 2000) + tens * 10
    low, high = start, start + 9
    if part == "early":
        high = start + 3
    elif part == "mid":
        low, high = start + 3, start + 6
    elif part == "late":
        low = start + 6
    return low, high


def _years(low: str) -> tuple[int | None, int | None, list[Span], list[Span]]:
    """(year_min, year_max, year spans, decade spans) for the year phrases in ``low``."""
    year_min: int | None = None
    year_max: int | None = None
    spans: list[Span] = []

    def taken(start: int) -> bool:
        return any(a <= start < b for a, b in spans)

    def narrow(lo: int | None, hi: int | None) -> None:
        nonlocal year_min, year_max
        if lo is not None:
            year_min = lo if year_min is None else max(year_min, lo)
        if hi is not None:
            year_max = hi if year_max is None else min(year_max, hi)

    for pattern, kind in _YEAR_RULES:
        for match in pattern.finditer(low):
            if taken(match.start()):
                continue
            years = [int(y) for y in match.groups() if y is not None]
            spans.append(match.span())
            if kind == "between":
                narrow(min(years), max(years))
            elif kind == "min":
                narrow(years[0], None)
            elif kind == "max":
                narrow(None, years[0])
            elif kind == "before":
                narrow(None, years[0] - 1)
            elif kind == "after":
                narrow(years[0] + 1, None)
            else:
                narrow(years[0], years[0])
    decades: list[tuple[int, int, Span]] = []
    for match in _DECADE.finditer(low):
        if not taken(match.start()):
            lo, hi = _decade_range(match)
            decades.append((lo, hi, match.span()))
    rule_spans = list(spans)
    groups: list[list[tuple[int, int, Span]]] = []
    for decade in decades:
        if groups and _DECADE_JOIN.fullmatch(low[groups[-1][-1][2][1] : decade[2][0]] + ""):
            groups[-1].append(decade)
        else:
            groups.append([decade])
    for group in groups:
        lo, hi = min(d[0] for d in group), max(d[1] for d in group)
        start, end = group[0][2][0], group[-1][2][1]
        before = _DECADE_BEFORE.search(low[:start])
        if before:
            start = before.start()
            cue, negated = before.group(1), bool(re.match(_NEGATED, low[start:]))
            if cue in ("before", "older than", "earlier than", "prior to", "pre-", "pre"):
                lo, hi = (lo, None) if negated else (None, lo - 1)  # type: ignore[assignment]
            elif cue in ("since", "from") and not negated:
                hi = None  # type: ignore[assignment]
                if cue == "from":
                    hi = max(d[1] for d in group)
            else:
                lo, hi = (None, hi) if negated else (hi + 1, None)  # type: ignore[assignment]
        spans.append((start, end))
        narrow(lo, hi)
    if year_min is not None and not MIN_YEAR <= year_min <= MAX_YEAR:
        year_min = None
    if year_max is not None and not MIN_YEAR <= year_max <= MAX_YEAR:
        year_max = None
    decade_spans = spans[len(rule_spans) :]
    if year_min is not None and year_max is not None and year_min > year_max:
        return None, None, rule_spans, decade_spans  # contradictory: no year constraint
    return year_min, year_max, rule_spans, decade_spans


# ------------------------------------------------------------------------------ eras
_RECENT = _words(vocab.RECENT_WORDS)
_OLDER = re.compile(rf"(?<![\w'])(?:{vocab.OLDER_WORDS})(?![\w'])(?!\s+than)")
_NEWER = re.compile(rf"(?<![\w'])(?:{vocab.NEWER_WORDS})(?![\w'])(?!\s+than)")


# ------------------------------------------------------------------------------ keywords
_STOP = (
    r"and|or|but|from|in the|please|pls|that|which|for|made|released|before|after|since|"
    r"tonight|today|with|like|maybe|perhaps|then|so|if|though|instead|only|ideally|preferably|"
    r"older|newer|than|to|i|we|you|is|are|was|be|in|on|at|by|of the (?:\d0s|nineties)|"
    r"would|could|should|will|might|can|may|would be|it'?s|that'?s|please"
)
_KEYWORD_LEAD = re.compile(
    r"(?<!how )(?<!what )(?<!more )(?<!tell me )(?<!talk )(?<!think )(?<!care )"
    r"(?<!know )(?<!know more )(?<!something more )"
    rf"(?<![\w'])(?:{vocab.KEYWORD_LEADS})\s+((?:[\w'-]+)(?:\s+(?!(?:{_STOP})(?![\w']))[\w'-]+){{0,3}})"
)
_THEME = re.compile(
    rf"(?<![\w'])((?:{vocab.THEME_WORDS})(?:[- ]themed)?)\s+(?:{vocab.MOVIE_NOUNS}|ones?|stuff|"
    r"comedies|comedy|dramas?|thrillers?|horrors?|stories|story|genre|flicks?|action)(?![\w'])"
)
_NOT_KEYWORD = re.compile(
    r"^(?:similar|same|great|good|nice|lot|bit|little|few|friend|date)(?![\w'])|"
    rf"^(?:the\s+)?(?:{vocab.POINTERS}|me|us|you|him|her|them|those|these|my \w+|our \w+|"
    r"yourself|friends?|family|kids|children|wife|husband|girlfriend|boyfriend|"
    r"(?:the\s+)?(?:first|second|third|fourth|fifth|last|\w+th) (?:one|movie|film)|"
    r"number \d+|\d+|anything|something|everything|nothing|a lot|lots|movies?|films?)$"
)
_LEADING_ARTICLE = re.compile(r"^(?:a|an|the|some|any)\s+")
_TRAILING_NOUN = re.compile(rf"\s+(?:{vocab.MOVIE_NOUNS}|ones?|stuff|in it)$")


# People named with capitals after a lead: "anything with Will Ferrell", "starring Tom Hanks".
_PERSON = re.compile(
    r"(?<![\w'])(?:[Ww]ith|[Ss]tarring|[Ff]eaturing|[Dd]irected by|[Bb]y)\s+"
    r"((?:[A-Z][\w'.-]+)(?:\s+(?:[A-Z][\w'.-]+|de|van|von|del|la|le|di)){1,3})"
)


def _keywords(
    low: str, genre_words: re.Pattern[str], text: str | None
) -> tuple[list[str], list[Span]]:
    found: list[str] = []
    spans: list[Span] = []
    for match in _PERSON.finditer(text or ""):
        found.append(match.group(1).lower())
        spans.append(match.span())
    for match in _KEYWORD_LEAD.finditer(low):
        if any(_overlaps(match.span(), span) for span in spans):
            continue
        phrase = _TRAILING_NOUN.sub("", _LEADING_ARTICLE.sub("", match.group(1).strip(" -'")))
        if not phrase or _NOT_KEYWORD.match(phrase) or genre_words.fullmatch(phrase):
            continue
        found.append(phrase)
        spans.append(match.span())  # with the lead: "about time travel" is no title either
    for match in _THEME.finditer(low):
        if any(a <= match.start() < b for a, b in spans):
            continue
        phrase = re.sub(r"[- ]themed$", "", match.group(1)).replace("-", " ")
        found.append(phrase)
        spans.append(match.span(1))
    return list(dict.fromkeys(found)), spans


# ------------------------------------------------------------------------------ refs
_ORD = "|".join(sorted(vocab.ORDINALS, key=len, reverse=True))
_COUNT = rf"{vocab.SMALL_NUMBER_WORDS}|[1-9]"
_REF_NOUN = (
    r"(?:ones?|movies?|films?|titles?|picks?|suggestions?|options?|entry|entries|recs?|choices?)"
)
# "the first two" -> positions 1..n ("the top 3" is a count: "just the top 3 westerns")
_FIRST_N = re.compile(rf"(?<![\w'])the\s+first\s+({_COUNT})(?:\s+{_REF_NOUN})?(?![\w'])")
# "the first and (the) third (ones)", "the second one", "the last", "3rd one"
_ORDINAL_REF = re.compile(
    rf"(?<![\w'])(?:(the|that|this)\s+)?((?:{_ORD})(?:\s*(?:,|and|&|or)\s*(?:the\s+)?(?:{_ORD}))*)"
    rf"(?:\s+({_REF_NOUN}))?(?![\w'])"
)
# "number 3", "no. 3", "#2", "option 2", "numbers 1 and 3"
_NUMBER_REF = re.compile(
    rf"(?<![\w'])(?:numbers?|no\.|nr\.?|#|options?)\s*#?\s*(\d{{1,2}}|{vocab.SMALL_NUMBER_WORDS})"
    rf"((?:\s*(?:,|and|&|or)\s*#?(?:\d{{1,2}}|{vocab.SMALL_NUMBER_WORDS}))*)(?![\w/.])"
    r"(?!\s+(?:movies?|films?|hits?|spot|choice|pick)(?![\w']))"  # "the number one movie": top
)
# "that's a good one": the pointer may carry a clitic.
_POINTER = re.compile(rf"(?<![\w'])(?:{vocab.POINTERS})(?=['’]s\b|(?![\w']))")
# An ordinal without "the" or a noun must end the clause: "seen the first", not "first time".
_CLAUSE_END = re.compile(
    r"\s*(?:$|[,.!?;:)]|(?:and|or|but|on|in|from|you|please|pls|is|was|"
    r"looks|sounds|seems|sounded|looked|to|too|though|already)(?![\w']))"
)


@dataclass
class Refs:
    """Positions a message points at: ``refs`` as in the Query, the spans of the positions
    ("the second one"), and the spans of pointers ("that one", "it")."""

    refs: list[int]
    spans: list[Span]
    pointer_spans: list[Span]


def find_refs(low: str) -> Refs:
    """Positions pointed at ("the second one" -> [2]); a pointer alone ("it") is [0]."""
    refs: list[int] = []
    spans: list[Span] = []
    for match in _FIRST_N.finditer(low):
        n = int(match.group(1)) if match.group(1).isdigit() else vocab.NUMBER_WORDS[match.group(1)]
        refs.extend(range(1, n + 1))
        spans.append(match.span())
    for match in _ORDINAL_REF.finditer(low):
        if any(a <= match.start() < b for a, b in spans):
            continue
        article, noun = match.group(1), match.group(3)
        words = re.findall(_ORD, match.group(2))
        ends_clause = article is not None and _CLAUSE_END.match(low, match.end())
        listed = article is not None and len(words) > 1  # "the first and third"
        if noun is None and not (ends_clause or listed):
            continue
        if words == ["top"] and noun is None:
            continue
        refs.extend(vocab.ORDINALS[w] for w in words)
        spans.append(match.span())
    for match in _NUMBER_REF.finditer(low):
        if any(a <= match.start() < b for a, b in spans):
            continue
        words = [
            match.group(1),
            *re.findall(rf"\d{{1,2}}|{vocab.SMALL_NUMBER_WORDS}", match.group(2)),
        ]
        numbers = [int(w) if w.isdigit() else vocab.NUMBER_WORDS[w] for w in words]
        if all(1 <= n <= MAX_K for n in numbers):
            refs.extend(numbers)
            spans.append(match.span())
    pointers = [m.span() for m in _POINTER.finditer(low)]
    if refs:
        return Refs(list(dict.fromkeys(refs)), spans, pointers)
    return Refs([0] if pointers else [], [], pointers)


# ------------------------------------------------------------------------------ all
@dataclass
class Constraints:
    year_min: int | None = None
    year_max: int | None = None
    recent: bool = False
    era_shift: str | None = None
    keywords: list[str] = field(default_factory=list)
    #: Where the years ("older than 1980"; decades apart: "Roaring Twenties" is a title) and
    #: the keywords were, to hide them from the title search.
    year_rule_spans: list[Span] = field(default_factory=list)
    decade_spans: list[Span] = field(default_factory=list)
    keyword_spans: list[Span] = field(default_factory=list)

    @property
    def year_spans(self) -> list[Span]:
        return [*self.year_rule_spans, *self.decade_spans]

    @property
    def spans(self) -> list[Span]:
        return [*self.year_spans, *self.keyword_spans]

    @property
    def any(self) -> bool:
        return bool(
            self.year_min is not None
            or self.year_max is not None
            or self.recent
            or self.era_shift
            or self.keywords
        )


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def find_constraints(
    low: str, genre_words: re.Pattern[str], text: str | None = None
) -> Constraints:
    """Years, era words and keywords in ``low``; ``genre_words`` matches a genre phrase
    (so "about romance" stays a genre, not a keyword); ``text``, the message as typed (same
    length), shows people by their capitals ("with Will Ferrell")."""
    year_min, year_max, rule_spans, decade_spans = _years(low)
    era: str | None = None
    if _NEWER.search(low):
        era = "newer"
    elif _OLDER.search(low):
        era = "older"
    if year_min is not None or year_max is not None:
        era = None  # "not too old, maybe after 2000": the year says it
    recent = era is None and year_min is None and year_max is None and bool(_RECENT.search(low))
    keywords, keyword_spans = _keywords(low, genre_words, text)
    return Constraints(
        year_min, year_max, recent, era, keywords, rule_spans, decade_spans, keyword_spans
    )
