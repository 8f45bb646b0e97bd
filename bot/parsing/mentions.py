"""Titles inside chat text: which catalog films a message names, and where.

Finding a title in a sentence is parsing, so it lives here, on top of the public catalog lookup
of ``tools.titles.TitleIndex`` (names, partial names, typos, years; it returns movie ids).  It
guards against everyday words that happen to be titles ("love", "home", "friends", "heat"):
those need quotes, title-case capitals or a title cue next to them ("movies like heat", "heat
was great"); a capitalized name opening a sentence counts ("Interstellar blew my mind").
What follows a name as the catalog displays it belongs to the mention: "(alternate name)" and
"(year)".  A typed "(year)" that is not the film's drops the span ("Sliding Doors (1998)" is not
"Doors, The (1991)"), and a score ("4/5") is never part of a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.parsing import vocabulary as vocab
from tools.titles import (
    ARTICLES,
    NameMatch,
    Resolution,
    TitleIndex,
    normalize,
    strip_article,
    tokenize,
)

__all__ = ["Mention", "find_mentions", "fuzzy_window"]


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
#: A score typed with a title ("4/5", "8.5 / 10"); "8 1/2" and "Face/Off" are not scores.
_SCORE = re.compile(r"(?<![\w/.])\d{1,2}(?:[.,]\d)?\s*/\s*(?:5|10)(?![\w/])")
#: After a name: "(alternate name)" or "(1975)" ("That Thing You Do! (1996)"), or a bare year.
_PAREN_AFTER = re.compile(r"[!?.\]]?\s*\(([^()]{1,100})\)")
_YEAR_ONLY = re.compile(r"\d{4}")
_BARE_YEAR_AFTER = re.compile(r"\s+((?:18|19|20)\d\d)(?![\w/])")
_QUOTED = re.compile(
    r"\"([^\"]{2,100})\"|“([^”]{2,100})”|(?:(?<=\s)|^)'([^']{2,100})'(?=[\s.,!?;:]|$)"
)


def find_mentions(index: TitleIndex, message: str) -> list[Mention]:
    """Titles named in ``message``: quoted ones first, then unquoted spans, longest first."""
    mentions: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for match in _quotes(index, message):
        group = next(i for i in (1, 2, 3) if match.group(i) is not None)
        start, end = match.start(group), match.end(group)
        resolution = index.resolve(match.group(group))
        mentions.append(Mention(start, end, match.group(group), resolution, quoted=True))
        taken.append((match.start(), match.end()))
    # A score is never part of a title: "rate scream 4/5" is Scream, not "Scream 4".
    taken += [m.span() for m in _SCORE.finditer(message)]
    tokens = [tok for tok in tokenize(message) if not any(a <= tok[1] < b for a, b in taken)]
    windows = _windows(index, tokens)
    used = [False] * len(tokens)
    about_a_film = bool(_ABOUT_A_FILM.search(message.lower()))
    for window in windows:
        if any(used[window.start : window.end]):
            continue
        start, end = tokens[window.start][1], tokens[window.end - 1][2]
        # What follows the name as the catalog displays it ("(Spoorloos) (1988)") picks
        # the film among same-named ones; a typed "(year)" of no candidate drops the span
        # ("Sliding Doors (1998)" is not "Doors, The (1991)").
        tails = {t: _display_tail(index, message, end, t) for t in window.titles}
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
        strong = pinned or _is_strong(index, message, tokens, window, about_a_film)
        resolution = Resolution(
            message[start:end],
            window.status,
            index.candidates(window.titles, window.score),
        )
        mentions.append(Mention(start, end, message[start:end], resolution, False, strong))
        for i, token in enumerate(tokens):
            if start <= token[1] < end:
                used[i] = True
    return mentions


def _display_tail(index: TitleIndex, message: str, end: int, title: int) -> tuple[int, bool] | None:
    """Where a mention of ``title`` ending at ``end`` really ends, and whether its year
    pins it down; None when a typed "(year)" names another film.

    What follows a name as the catalog displays it belongs to it: alternate names in
    parentheses ("Wend Kuuni (God's Gift)") and the year, "(1975)" or bare "1975".
    """
    while match := _PAREN_AFTER.match(message, end):
        inside = match.group(1).strip()
        if _YEAR_ONLY.fullmatch(inside):
            if inside != index.years[title]:
                return None
            return match.end(), True
        key = normalize(inside)
        if not index.is_name_of(key, title):
            break
        end = match.end()
    bare = _BARE_YEAR_AFTER.match(message, end)
    if bare and bare.group(1) == index.years[title]:
        return bare.end(), True
    return end, False


def _quotes(index: TitleIndex, message: str) -> list[re.Match[str]]:
    """Quoted spans that are the title, not quotes inside a longer one ("Waiting for
    'Superman'", "Empire of Dreams: The Story of the 'Star Wars' Trilogy")."""
    quotes = list(_QUOTED.finditer(message))
    if not quotes:
        return quotes
    tokens = tokenize(message)
    whole = [
        (tokens[w.start][1], tokens[w.end - 1][2])
        for w in _windows(index, tokens)
        if w.status == "normalized"
    ]
    return [
        q
        for q in quotes
        if not any(
            a <= q.start() and q.end() <= b + 1 and b - a > q.end() - q.start() for a, b in whole
        )
    ]


def _windows(index: TitleIndex, tokens: list[tuple[str, int, int]]) -> list[NameMatch]:
    """Every token window that names a title, best (longest, most certain) first."""
    words = [w for w, _, _ in tokens]
    found: list[NameMatch] = []
    n = len(words)
    for i in range(n):
        # Only windows whose adjacent word pairs all occur in some title can be a title
        # (or part of one); "golden eye"-style joined spellings are tried up to 3 words.
        longest = i + 1
        while longest < min(n, i + index.MAX_WINDOW) and index.continues_a_name(
            words[longest - 1], words[longest]
        ):
            longest += 1
        ends = set(range(i + 1, longest + 1)) | set(range(i + 2, min(n, i + 3) + 1))
        for j in sorted(ends, reverse=True):
            key = " ".join(words[i:j])
            # A year right after the name ("aliens 1986") pins it down.
            year = words[j] if j < n and re.fullmatch(r"(18|19|20)\d\d", words[j]) else ""
            hit = _lookup_window(index, key, year)
            if hit is not None:
                hit.start, hit.end = i, j
                found.append(hit)
    rank = {"normalized": 0, "exact": 0, "fuzzy": 1, "ambiguous": 2}
    found.sort(key=lambda w: (-(w.end - w.start), rank.get(w.status, 3), w.start))
    return found


def _lookup_window(index: TitleIndex, key: str, year: str) -> NameMatch | None:
    words = key.split()
    if words[0] in ARTICLES and len(words) == 1:
        return None
    if index.is_name(key):
        hit = index.lookup(key, year, fuzzy=False)
        if hit is not None and hit.status == "ambiguous" and year:
            return None
        return hit
    # Partial titles from free text: at least two words, not starting/ending on a
    # function word, and unique ("the last crusade", "first contact").
    if len(words) >= 2 and words[-1] not in vocab.COMMON_WORDS - {"day", "night", "war"}:
        bare = strip_article(key)
        head = bare.split()
        if len(head) < 2 or head[0] in ARTICLES or head[0] in vocab.NOT_A_TITLE_START:
            return None
        inner = index.titles_containing(bare, limit=3)
        if len(set(inner)) == 1 and len(bare) >= 8:
            titles = index.in_year(inner, year)
            if titles:
                return NameMatch(0, 0, titles[:1], "fuzzy", 90.0)
    return None


def fuzzy_window(index: TitleIndex, message: str, start: int, end: int) -> Mention | None:
    """Fuzzy-match the best token window inside ``message[start:end]`` (a title slot)."""
    tokens = [t for t in tokenize(message) if start <= t[1] and t[2] <= end]
    if not tokens:
        return None
    best: tuple[float, int, int, NameMatch] | None = None
    words = [w for w, _, _ in tokens]
    n = len(words)
    for i in range(n):
        for j in range(n, i, -1):
            if j - i > 8:
                continue
            hit = index.fuzzy_match(" ".join(words[i:j]))
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
        message[s:e], window.status, index.candidates(window.titles, window.score)
    )
    return Mention(s, e, message[s:e], resolution, False, True)


def _is_strong(
    index: TitleIndex,
    message: str,
    tokens: list[tuple[str, int, int]],
    window: NameMatch,
    about_a_film: bool,
) -> bool:
    """Is this span clearly a movie title, not everyday words that happen to be one?

    ``about_a_film``: the message asks for similar films or gives an opinion/rating.
    """
    words = [w for w, _, _ in tokens[window.start : window.end]]
    distinctive = [w for w in words if w not in vocab.COMMON_WORDS and not w.isdigit()]
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
        and (len(words) > 1 or (distinctive and index.titles_using_word(words[0]) <= 1))
    ):
        return True  # "Interstellar blew my mind", "Gone Girl had such a twist"
    before = tokens[window.start - 1][0] if window.start > 0 else ""
    two_before = tokens[window.start - 2][0] if window.start > 1 else ""
    if before == "like" and two_before in vocab.LIKE_NOT_A_CUE:
        return False  # "that sounds like fun": a comparison, not "movies like Fun"
    if (before, two_before) in {("to", "similar"), ("for", "rating"), ("of", "rating")}:
        return True  # "similar to heat", "a rating for heat"
    if before == "for" and _SCORE_BEFORE.search(message[: tokens[window.start - 1][1]]):
        return True  # "4/5 for heat", "three stars for heat"
    after = tokens[window.end][0] if window.end < len(tokens) else ""
    if (
        before in vocab.TITLE_CUES_BEFORE
        or after in vocab.TITLE_CUES_AFTER
        or after in vocab.OPINION_AFTER_TITLE
    ):
        return True  # "movies like heat", "twister was meh", "found the big sleep boring"
    unique_word = index.titles_using_word(words[0]) <= 1
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
