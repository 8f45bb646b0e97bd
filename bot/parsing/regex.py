"""The offline parser: rules over the text plus the catalog's title index -> one ``Query``.

It first reads the phrases that are neither titles nor intents — years and decades ("older
than 1980", "the 90s"), keywords ("about time travel") and list positions ("the second one",
"#2", "it"; ``bot.parsing.constraints``) — and finds the movie (``bot.parsing.mentions``:
unquoted, lowercase, typos, alternate titles), a whole catalog name winning over a phrase inside
it ("Murder in the First").  The title is masked out so its words and numbers cannot be taken
for a genre, a count or an opinion ("Manhattan Murder Mystery", "The 39 Steps").  Then the
conversational intents (details, seen, accept, reject, an opinion on a position, similar to a
position, more, refine) are tried, and otherwise the labeling order: similar_to > rate >
popular > recommend_genre > help.  Every message parses without context (a fresh chat).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.parsing import vocabulary as vocab
from bot.parsing.base import ParseContext, clean_text
from bot.parsing.constraints import Constraints, Refs, find_constraints, find_refs
from bot.parsing.mentions import Mention, find_mentions, fuzzy_window
from tools.schema import DEFAULT_K, FOLLOW_UP_INTENTS, MAX_K, Intent, Query, query_model
from tools.titles import NUMBER_WORDS, TitleIndex

__all__ = ["RegexParser"]

log = logging.getLogger(__name__)


def _words(pattern: str) -> re.Pattern[str]:
    """``pattern`` as whole words (letters or digits may not touch it on either side)."""
    return re.compile(rf"(?<![\w'])(?:{pattern})(?![\w'])")


# "twenty-five" / "twenty five" before "twenty": the alternation takes the first that fits.
_NUMBER = vocab.NUMBER_PATTERN
_SIMILAR = _words(vocab.SIMILAR_CUES)
_REQUEST = _words(vocab.REQUEST_CUES)
_POPULAR = _words(vocab.POPULAR_CUES)
_MOVIE_NOUN = _words(vocab.MOVIE_NOUNS)
# "documentaries about music": an off-topic word after "about" is the films' subject.
_OFF_TOPIC = re.compile(
    r"(?<![\w'])(?<!about )(?<!about the )(?<!on )(?<!featuring )(?<!involving )"
    rf"(?:{vocab.OFF_TOPIC})(?![\w'])"
)
# "a podcast about films", "books on movies": the request is for the other thing.
_OFF_TOPIC_ABOUT_FILMS = re.compile(
    rf"(?<![\w'])(?:{vocab.OFF_TOPIC})\s+(?:about|on|from|of|based on)\s+"
    rf"(?:[\w']+\s+){{0,2}}(?:{vocab.MOVIE_NOUNS})(?![\w'])"
)
_RATE_VERB = _words(r"rate|rating|rated|review|score|stars?|grade")
# "rate kids 4/5": what directly follows "rate" is the film, even if it is also a genre word.
_RATE_TARGET = re.compile(r"(?<![\w'])(?:rate|rating for|rating of)\s+[\"'“]?$")
# "films like X" asks for similar films; "I didn't like X" is an opinion.
_LIKE_BEFORE = re.compile(
    r"(?<![\w'])(?<!\bi )(?<!\bi really )(?<!n't )(?<!not )(?<!'d )(?<!we )(?<!you )(?<!they )"
    r"(?<!to )(?<!also )(?<!do )(?<!did )(?<!would )(?<!really )(?<!sounds )(?<!looks )"
    r"(?<!seems )(?<!feels )(?:like|than)\s*$"
)
# A negator up to five words before the genre, in the same clause ("not in the mood for a
# comedy"); a comma or "but" starts a new clause ("no idea, maybe a comedy").
_NEGATED = re.compile(rf"(?<![\w'])(?:{vocab.NEGATORS})(?:\s+(?!but\b)[\w']+){{0,5}}\s*$")
_ABOUT_BOT = re.compile(vocab.ABOUT_BOT)
_GREETING_ONLY = re.compile(
    rf"^\W*(?:(?:{vocab.GREETINGS})\W*)+(?:there|mate|all|so much|again|bot)?\W*$"
)
_NON_K_AFTER = re.compile(rf"\s*(?:-\s*)?(?:{vocab.NON_K_AFTER})(?![\w])")
_NON_K_BEFORE = re.compile(rf"(?<![\w'])(?:{vocab.NON_K_BEFORE})\s*$")
_ONE_CONTEXT_BEFORE = re.compile(
    r"(?<![\w'])(?:suggest|recommend|pick|give me|show me|just|only|need|want|choose|find|"
    r"top|me|us|get)\s*$"
)
_ONE_CONTEXT_AFTER = re.compile(
    rf"\s*(?:(?:good|great|more|new|single|[a-z-]+)\s+)?(?:{vocab.MOVIE_NOUNS})\b"
)
_COUNT_WORDS = re.compile(rf"(?<![\w'/.:$#£€])({_NUMBER})(?![\w]|['’]s|\s*/\s*\d|[.:]\d)")
_SMALL_NUMBER = vocab.SMALL_NUMBER_WORDS
# A score: digits with an optional half ("4.5"), a minus kept so "-3" is not read as 3.
_SCORE_NUMBER = r"-?\d{1,2}(?:\.\d)?"
_RATING_SLASH = re.compile(rf"(?<![\w.-])({_SCORE_NUMBER})\s*/\s*(10|5)(?!\d)")
_RATING_OUT_OF = re.compile(
    rf"(?<![\w.-])({_SCORE_NUMBER}|{_SMALL_NUMBER})\s*(?:out of|outta)\s*(5|five|10|ten)(?!\w)"
)
_RATING_STARS = re.compile(
    rf"(?<![\w.-])({_SCORE_NUMBER}|one|two|three|four|five)[\s-]*stars?(?!\w)"
)
# "give it a 4", "rate <title> 5" (the title is masked to spaces): a bare number that ends
# the clause after a rating verb is the score; "- 4" is a separator, "-4" a negative score.
_RATING_GIVE = re.compile(
    r"(?<![\w'])(?:give|gave|rate|rated|i'?d give|rating(?:\s+(?:for|of))?)\s+(?:it\s+)?"
    rf"(?:[:=]\s*|-\s+)?(?:an?\s+)?({_SCORE_NUMBER}|{_SMALL_NUMBER})(?=\s*(?:$|[.,!;)]|from me))"
)
#: What ``_rating`` returns for a score outside 0.5-5 ("0", "6", "-3", "11/10"): the person
#: rated, so the intent stays "rate", but nothing is stored — the bot asks again.
OUT_OF_RANGE = 0.0
_JOINED = re.compile(r"\s*(?:,|&|-|–|to|and|or|,\s*(?:and|or))\s*")
_JOINED_NUMBER = re.compile(rf"{_JOINED.pattern}(?:{_NUMBER})(?![\w])")
_COUNT_PHRASES = [(_words(pattern), value) for pattern, value in vocab.COUNT_PHRASES]
_OPINIONS = [(_words(pattern), stars) for pattern, stars in vocab.OPINION_WORDS]
_STAR_EMOJI = re.compile(r"[⭐★🌟]")
_SLOT = re.compile(
    r"(?:(?<![\w'])(?:like|similar to|similar as|than|rate|rating for|rating of|loved|liked|"
    r"enjoyed|hated|watched|saw)\s+)(.+?)(?=\s*(?:[,.!?;]|(?<![\w'])(?:but|for|please|pls|plz|"
    r"and what|so|which|too)(?![\w'])|$))"
)
_SLOT_LEADING = re.compile(r"^\s*(.+?)\s*(?:[-–—:]\s|\s(?:was|is|vibes)(?![\w']))")
_GENERIC_SLOT = _words(
    r"a|an|some|something|anything|that|this|it|those|them|these|one|ones|me|"
    r"to|the same|what|movies?|films?"
)


# ---------------------------------------------------------------- conversational cues
_LIST_INTENTS: tuple[Intent, ...] = ("recommend_genre", "similar_to", "popular", "more", "refine")
_ABOUT_THE_BOT = re.compile(
    r"(?<![\w'])(?:about (?:you|yourself|this bot|the bot|moviebot|this app)|how (?:do|does) "
    r"(?:you|this|it) work)(?![\w'])"
)
_DETAILS = _words(vocab.DETAILS_CUES)
_SEEN = re.compile(
    rf"(?<![\w'])(?<!have you )(?<!did you )(?<!you )(?<!you've )(?:{vocab.SEEN_CUES})(?![\w'])"
)
_NOT_SEEN = _words(vocab.NOT_SEEN)
_ACCEPT = _words(vocab.ACCEPT_CUES)
_REJECT = _words(vocab.REJECT_CUES)
_SIMILAR_TO_SHOWN = _words(
    r"similar|(?:anything|something|more|others?|ones?|films?|movies?|stuff|else) like|same kind|"
    r"along the lines|in the vein|akin to|reminds? me|comparable|alternatives? to|"
    r"more of (?:those|these|that|them|it|this)"
)
_NUMBER_ONLY = re.compile(rf"\s*(?:\d+|{'|'.join(NUMBER_WORDS)})\s*", re.IGNORECASE)
_FOLLOW_UP_CUE = _words(
    "|".join((vocab.DETAILS_CUES, vocab.SEEN_CUES, vocab.ACCEPT_CUES, vocab.REJECT_CUES))
)
_SIMILAR_ALONE = _words(r"similar|similar ones|others like")
_REQUEST_FRESH = _words(
    r"recommend\w*|suggest\w*|what should (?:i|we)|give me|find me|looking for|i want|we want|"
    r"in the mood|what (?:can|could|do) (?:i|we) watch|any ideas|i'?m into|i am into|"
    r"i (?:really |mostly |usually )?(?:like|love|enjoy)(?! (?:it|that|this|them|those|the))|"
    rf"(?:{_NUMBER}) (?:{vocab.MOVIE_NOUNS})"
)
_OPINION_ON_POINTER = re.compile(
    rf"(?<![\w'])(?:(?:loved|liked|enjoyed|hated|disliked|love|like|adored|adore)\s+"
    rf"(?:{vocab.POINTERS})|(?:it|that|this|that one|this one)\s+(?:was|is|'s))(?![\w'])|"
    rf"^\W*(?:it|that)'s\s"
)
# "more" asks for more films only on its own or before a list word ("more please", "a few
# more?"), not before an adjective ("more lighthearted", "more recent").
_MORE = re.compile(
    rf"(?<![\w'])(?:{vocab.MORE_CUES})(?![\w'])(?<!more)(?<!else)|"
    r"(?<![\w'])(?:more|else)(?=\s*(?:$|[?!.,;)]|(?:please|pls|plz|of (?:those|these|them)|"
    r"options?|suggestions?|ideas|recommendations?|recs|movies|films|titles|picks|choices|"
    r"for me|to (?:watch|see)|you (?:can|could)|(?:do|have|can|could|would) you|then|maybe|"
    r"thanks?|i could)(?![\w'])))"
)
# Changing the tone or degree of the last list ("something a little more lighthearted",
# "those seem a bit too violent"): a refine even with no field to put it in.
_DEGREE = re.compile(
    r"^\W*(?:(?:some|any)thing|one|ones)\s+(?:a\s+(?:little|bit)\s+|bit\s+)?(?:more|less)\s+"
    r"[a-z-]+|(?<![\w'])(?:seems?|looks?|sounds?|is|are|'s|'re|was|were)\s+(?:a\s+(?:bit|little)\s+|"
    r"way\s+|kind of\s+|just\s+)?too\s+[a-z-]+"
)
_REFINE = re.compile(
    r"^\W*(?:only(?!\s+(?:one|two|three|four|five|\d))|just (?:the )?ones|but|and|also|how about|"
    r"what about|maybe|actually|preferably|ideally|no|not|nothing|without|except|none|"
    r"make (?:it|them|that)|(?:can|could) (?:it|they) be|(?:can|could) you make (?:it|them)|ones?|"
    r"too|i'?m not|"
    r"i am not|not really|prefer|i'?d prefer|i'?d rather|rather|instead|any (?:of )?(?:those|them|"
    r"these)|(?:some|any)thing (?:more|less|older|newer|funnier|scarier|lighter|darker))(?![\w'])|"
    r"(?<![\w'])(?:though|instead|rather than|only (?:the )?ones|ones (?:from|that|with|made|set|"
    r"about|before|after)|too \w+ for (?:me|us|my)|not (?:really )?(?:a|an) [\w-]+ (?:person|fan|guy|"
    r"girl|type)|funnier|scarier|more (?:romantic|violent|scary|funny|dramatic|action)|less \w+)"
    r"(?![\w'])"
)


@dataclass
class _Genres:
    """The genres a message names: the first one, further required ones, alternatives, and
    the excluded (negated) ones."""

    first: str | None = None
    also: list[str] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)


def _yields_to(
    mention: Mention, spans: Sequence[tuple[int, int]], constraints: Constraints
) -> bool:
    """A mention gives way to a position, decade or keyword phrase it lies in, or overlaps
    without being a catalog title ("the last one already" guessed from "I saw ...").  A
    whole catalog name keeps its words even in a keyword phrase ("rate About Last Night")."""
    candidates = mention.resolution.candidates
    if candidates and candidates[0].score >= 98:  # a whole catalog name, not part of one
        return _inside(mention, [s for s in spans if s not in constraints.keyword_spans])
    overlapping = any(_overlap((mention.start, mention.end), span) for span in spans)
    return _inside(mention, spans) or (overlapping and not mention.resolution.confident)


def _is_pointer(mention: Mention, text: str, pointers: Sequence[tuple[int, int]]) -> bool:
    """An unquoted mention inside "it" / "that one" is the pointer, not "It": lowercase, or
    capitalized only because it opens a sentence ("I've seen it. It was great")."""
    typed = text[mention.start : mention.end]
    opens_sentence = bool(_SENTENCE_START.search(text[: mention.start]))
    plain = typed == typed.lower() or opens_sentence
    return not mention.quoted and plain and _inside(mention, pointers)


_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)\W*$")


def _inside(mention: Mention, spans: Sequence[tuple[int, int]]) -> bool:
    """The mention lies within one of ``spans`` (a position, a pointer or a keyword phrase)."""
    return any(a <= mention.start and mention.end <= b for a, b in spans)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _mask(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with ``spans`` blanked out (same length, so other spans stay valid)."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


_EXCLUDING = re.compile(r"(?<![\w'])(?:too|less|not too)\s+(?:\w+\s+)?$")
_ALTERNATIVE = re.compile(r"(?<![\w'])(?:or|either)(?![\w'])")


class RegexParser:
    """Rule-based ``Parser``: no network, no model; the default chat parser."""

    name = "regex"

    def __init__(self, titles: TitleIndex, genres: Sequence[str]) -> None:
        self.titles = titles
        self.genres = tuple(genres)
        self._query = query_model(self.genres)
        self._genre_patterns: list[tuple[str, re.Pattern[str]]] = []
        for canonical, pattern in vocab.GENRE_PATTERNS.items():
            name = self._catalog_genre(canonical)
            if name is not None:
                self._genre_patterns.append((name, _words(pattern)))
        self._genre_phrase = re.compile(
            "|".join(f"(?:{pattern})" for pattern in vocab.GENRE_PATTERNS.values())
        )

    def _catalog_genre(self, canonical: str) -> str | None:
        """This catalog's spelling of a genre ("Children's" in ML-100K, "Children" in CSV)."""
        key = re.sub(r"[^a-z]", "", canonical.lower())
        for genre in self.genres:
            other = re.sub(r"[^a-z]", "", genre.lower())
            if other == key or (key.startswith(other) and len(other) >= 5):
                return genre
        return None

    # ------------------------------------------------------------------ entry
    def parse(self, text: str, context: ParseContext | None = None) -> Query:
        """Parse one chat message; never raises (a failure logs and answers help).

        ``context`` is ignored: the rules read positions ("the second one" = refs [2]) and
        leave resolving them against the list shown to the conversation."""
        try:
            return self._parse(clean_text(text))
        except Exception:  # the chat must keep going whatever the input
            log.exception("regex parser failed on %r", text[:200])
            return self._query(intent="help", genre=None, title=None, k=DEFAULT_K)

    def _parse(self, text: str) -> Query:
        # Lowercase character by character so spans found in ``text`` stay valid ("İ" -> "i̇").
        low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
        if not low or _GREETING_ONLY.match(low):
            return self._query(intent="help", genre=None, title=None, k=DEFAULT_K)
        # Years and positions are not titles: "older than 1980", "the second one"; but a title
        # wins over a position or a keyword inside it ("Murder in the First", "All About Eve").
        constraints = find_constraints(low, self._genre_phrase, text)
        refs = find_refs(low)
        hard = constraints.year_rule_spans
        soft = [*constraints.decade_spans, *constraints.keyword_spans, *refs.spans]
        mention = self._pick_mention(_mask(text, hard), _mask(low, hard))
        if mention is not None and not mention.quoted and _yields_to(mention, soft, constraints):
            hidden = [*constraints.spans, *refs.spans]
            mention = self._pick_mention(_mask(text, hidden), _mask(low, hidden))
        if mention is not None and _is_pointer(mention, text, refs.pointer_spans):
            mention = None  # "seen it, loved it", "that one": the film shown, not "It"
        if (
            mention is not None
            and mention.resolution.status == "not_found"
            and not mention.quoted
            and _FOLLOW_UP_CUE.search(_mask(low, hard))
        ):
            mention = None  # "I don't like the sound of that": no film by that name
        masked = low
        title: str | None = None
        if mention is not None:
            masked = _mask(low, [(mention.start, mention.end)])
            title = mention.resolution.title or mention.text.strip(" \"'“”")
            span = (mention.start, mention.end)
            if any(_overlap(s, span) for s in [*soft, *hard]):
                constraints = find_constraints(masked, self._genre_phrase, _mask(text, [span]))
                refs = find_refs(masked)
        cues = _mask(masked, constraints.year_spans)  # positions kept: "is the last one any good"
        masked = _mask(cues, refs.spans)
        genres = self._genres(masked)
        genre = genres.first
        rating = self._rating(masked)
        intent = self._follow_up(cues, mention, rating, refs, genres, constraints)
        if intent is None:
            intent = self._intent(masked, mention, rating)
        if intent not in ("similar_to", "rate", *FOLLOW_UP_INTENTS):
            title = None
        lists = intent in _LIST_INTENTS
        if not lists:
            genre = None
        k = self._count(masked) if lists else DEFAULT_K
        points = intent in FOLLOW_UP_INTENTS or (intent in ("similar_to", "rate") and not title)
        positions = refs.refs
        if points and not positions and not title:
            positions = [0]  # "seen it", "sounds good": the film just named or shown
        return self._query(
            intent=intent,
            genre=genre,
            title=title,
            k=k,
            rating=rating if intent == "rate" and rating != OUT_OF_RANGE else None,
            also_genres=genres.also if lists else [],
            or_genres=genres.alternatives if lists else [],
            exclude_genres=genres.excluded if lists else [],
            year_min=constraints.year_min if lists else None,
            year_max=constraints.year_max if lists else None,
            recent=constraints.recent and lists,
            era_shift=constraints.era_shift if lists else None,
            keywords=constraints.keywords if lists else [],
            refs=positions if points else [],
        )

    def _follow_up(
        self,
        masked: str,
        mention: Mention | None,
        rating: float | None,
        found: Refs,
        genres: _Genres,
        constraints: Constraints,
    ) -> Intent | None:
        """The conversational intents (about the list just shown, or a film just named), or
        None for the request intents of the labeling order.  ``masked`` keeps the positions
        ("is the last one any good?") and hides the title and the years."""
        refs = found.refs
        positional = bool(found.spans)
        if _ABOUT_THE_BOT.search(masked):
            return None
        similar = _SIMILAR.search(masked) or _LIKE_BEFORE.search(masked)
        if mention is not None and similar:
            return None  # the labeling order: similar_to ("... recommend more like it")
        if _DETAILS.search(masked):
            return "details"
        if mention is not None:
            if _SEEN.search(masked) and not _NOT_SEEN.search(masked):
                return "rate" if rating is not None else "seen"
            if _ACCEPT.search(masked) and rating is None:
                return "accept"
            if _REJECT.search(masked) and rating is None:
                return "reject"
            return None
        if _SIMILAR_TO_SHOWN.search(masked) and (refs or _SIMILAR_ALONE.search(masked)):
            return "similar_to"
        seen = _SEEN.search(masked) and not _NOT_SEEN.search(masked)
        if seen and (refs or not _REQUEST_FRESH.search(masked)):
            return "rate" if rating is not None else "seen"
        if _ACCEPT.search(masked):
            return "accept"
        if _REJECT.search(masked) and (refs or not (genres.excluded or constraints.any)):
            return "reject"
        opinion = rating is not None and rating != OUT_OF_RANGE and bool(refs)
        if (
            opinion
            and not _REQUEST_FRESH.search(masked)
            and (positional or _OPINION_ON_POINTER.search(masked))
        ):
            return "rate"  # "I loved the first one", "oh I loved that movie!"
        has_constraint = bool(genres.first or genres.excluded) or constraints.any
        if _MORE.search(masked) and not has_constraint:
            return "more"
        if constraints.era_shift or (
            has_constraint and _REFINE.search(masked) and not _REQUEST_FRESH.search(masked)
        ):
            return "refine"
        if _MORE.search(masked) and constraints.any and not _REQUEST_FRESH.search(masked):
            return "refine"  # "any more from the 90s?"
        if _DEGREE.search(masked) and not _REQUEST_FRESH.search(masked):
            return "refine"  # "something a little more lighthearted"
        return None

    # ------------------------------------------------------------------ title
    def _pick_mention(self, text: str, low: str) -> Mention | None:
        """The movie the message is about: quoted, then strong unquoted, then a fuzzy slot."""
        mentions = find_mentions(self.titles, text)
        for mention in mentions:
            if mention.quoted:
                return mention
        strong = [
            m
            for m in mentions
            if m.strong
            and (_RATE_TARGET.search(low[: m.start]) or not self._is_genre_phrase(m.text))
        ]
        if strong:
            # Next to a cue ("like X", "X was ok") beats elsewhere; then the longest.
            # A bare number next to a cue is rarely the film ("seen it like ten times").
            return max(
                strong,
                key=lambda m: (
                    self._cue_adjacent(low, m) and not _NUMBER_ONLY.fullmatch(m.text),
                    m.end - m.start,
                ),
            )
        return self._slot_mention(text, low)

    def _is_genre_phrase(self, text: str) -> bool:
        """An unquoted "kids" or "family" is the genre, not the film of that name."""
        rest = text.lower()
        for _, pattern in self._genre_patterns:
            rest = pattern.sub(" ", rest)
        return not re.sub(r"[\W_]+|\b(?:the|a|an|movies?|films?)\b", "", rest)

    @staticmethod
    def _cue_adjacent(low: str, mention: Mention) -> bool:
        return bool(_LIKE_BEFORE.search(low[: mention.start]))

    def _slot_mention(self, text: str, low: str) -> Mention | None:
        """No catalog title found: fuzzy-match the text in a title slot ("more like X")."""
        if _is_off_topic(low):
            return None  # "what's the weather like tomorrow?"
        slots = [(m.start(1), m.end(1)) for m in _SLOT.finditer(low)]
        leading = _SLOT_LEADING.match(low)
        if leading and (_SIMILAR.search(low) or self._rating(low) is not None):
            slots.append((leading.start(1), leading.end(1)))
        for start, end in slots:
            found = fuzzy_window(self.titles, text, start, end)
            if found is not None and not self._is_genre_phrase(found.text):
                return found  # "I don't like scary movies" is the genre, not "Scary Movie"
        for start, end in slots:
            slot = low[start:end].strip()
            if self._is_title_like(slot):
                resolution = self.titles.resolve(text[start:end])
                return Mention(start, end, text[start:end].strip(), resolution, False, True)
        return None

    def _is_title_like(self, slot: str) -> bool:
        """An unknown title in a slot: not a genre phrase, not "something", not a count."""
        if not slot or len(slot) > 60 or _GENERIC_SLOT.match(slot):
            return False
        if any(p.search(slot) for _, p in self._genre_patterns) or _POPULAR.search(slot):
            return False
        if all(word in vocab.COMMON_WORDS for word in re.findall(r"[\w']+", slot)):
            return False
        return not (_MOVIE_NOUN.search(slot) or _REQUEST.search(slot) or _COUNT_WORDS.match(slot))

    # ------------------------------------------------------------------ genre
    def _genre(self, masked: str) -> str | None:
        """The first genre named and not negated ("nothing scary" -> None)."""
        return self._genres(masked).first

    def _genres(self, masked: str) -> _Genres:
        """Every genre named: negated ones are excluded, ones joined by "or" alternatives,
        the rest must all hold ("sci-fi horror", "a comedy for kids")."""
        hits: list[tuple[int, int, str]] = []
        excluded: list[str] = []
        for name, pattern in self._genre_patterns:
            for match in pattern.finditer(masked):
                before = masked[: match.start()]
                if (
                    name == self._catalog_genre("Children's")
                    and re.search(rf"(?<![\w'])(?:{_NUMBER})\s*$", before)
                    and re.match(r"kids?|children", match.group())
                    and not _MOVIE_NOUN.match(masked, match.end() + 1)  # "6 kids movies"
                ):
                    continue  # "we have 2 kids": a head count, not the genre
                if _NEGATED.search(before) or _EXCLUDING.search(before):
                    excluded.append(name)
                else:
                    hits.append((match.start(), match.end(), name))
        found = _Genres()
        previous_end = 0
        for start, end, name in sorted(hits):
            if found.first is None:
                found.first = name
            elif name != found.first and name not in found.also + found.alternatives:
                joined_by_or = _ALTERNATIVE.search(masked[previous_end:start])
                (found.alternatives if joined_by_or else found.also).append(name)
            previous_end = end
        named = {found.first, *found.also, *found.alternatives}
        found.excluded = [g for g in dict.fromkeys(excluded) if g not in named]
        return found

    # ------------------------------------------------------------------ k
    def _count(self, masked: str) -> int:
        """How many results were asked for; numbers that are times, ages, ratings are not."""
        taken: list[tuple[int, int]] = []
        found: list[tuple[int, int]] = []
        for pattern, value in _COUNT_PHRASES:
            for match in pattern.finditer(masked):
                before = masked[: match.start()]
                if re.search(r"(?:for|as|we'?re|we are|with)\s*$", before):
                    continue  # "for a couple" is two people, not two films
                found.append((match.start(), value))
                taken.append(match.span())
        rejected_end = -1  # end of the last number that is an age, time, rating, ...
        for match in _COUNT_WORDS.finditer(masked):
            if any(a <= match.start() < b for a, b in taken):
                continue
            word = match.group(1)
            value = _number_value(word)
            before, after = masked[: match.start()], masked[match.end() :]
            if (
                _NON_K_AFTER.match(after)
                or _NON_K_BEFORE.search(before)
                or re.match(r"\s*(?:/|of\s+(?:5|10|five|ten)\b|-?stars?)", after)
                # "aged 6 and 9", "at 8 or 9": a number joined to one that is not k
                or (rejected_end >= 0 and _JOINED.fullmatch(masked[rejected_end : match.start()]))
                or _joined_to_non_k(after)  # "6 or 7 year olds"
            ):
                rejected_end = match.end()
                continue
            if word in ("one", "1") and not (
                _ONE_CONTEXT_BEFORE.search(before) or _ONE_CONTEXT_AFTER.match(after)
            ):
                continue  # "the one with ...", "one of my favourites"
            if value < 1:
                continue
            if value > MAX_K:
                if re.search(r"top\s*$", before) and value < 1000:
                    found.append((match.start(), MAX_K))
                continue
            found.append((match.start(), value))
        return min(found)[1] if found else DEFAULT_K

    # ------------------------------------------------------------------ rating
    @staticmethod
    def _rating(masked: str) -> float | None:
        """Stars from numbers ("4/5", "8/10", "4.5", "two stars", ⭐⭐⭐) or opinion words.

        One rule for every form: the score is put on the five-star scale ("7/10" = 3.5) and
        rounded to the nearest half star, as the CSV datasets store them ("4.5" and "4.5/5"
        are both 4.5).  A bare number is on the five-star scale; only "x/10" or "x out of 10"
        is out of ten.  Anything outside 0.5-5 ("0", "6", "-3", "11/10") is ``OUT_OF_RANGE``.
        """

        def number(word: str) -> float:
            return float(word) if word[-1].isdigit() else float(NUMBER_WORDS[word])

        def half_stars_of(value: float, scale: float = 5.0) -> float:
            on_five = math.floor(value * 5 / scale * 2 + 0.5) / 2
            return on_five if 0.5 <= on_five <= 5 and value > 0 else OUT_OF_RANGE

        for pattern in (_RATING_SLASH, _RATING_OUT_OF):
            if match := pattern.search(masked):
                return half_stars_of(number(match.group(1)), number(match.group(2)))
        if match := _RATING_STARS.search(masked):
            return half_stars_of(number(match.group(1)))
        if count := len(_STAR_EMOJI.findall(masked)):
            return float(min(count, 5))
        if match := _RATING_GIVE.search(masked):
            return half_stars_of(number(match.group(1)))
        best: tuple[int, int, int] | None = None  # (start, -length, stars)
        for pattern, stars in _OPINIONS:
            for match in pattern.finditer(masked):
                if _NEGATED_OPINION.search(masked[: match.start()]) and stars >= 4:
                    candidate = (match.start(), -(match.end() - match.start()), 2)
                else:
                    candidate = (match.start(), -(match.end() - match.start()), stars)
                if best is None or _better(candidate, best):
                    best = candidate
        return float(best[2]) if best else None

    # ------------------------------------------------------------------ intent
    def _intent(self, masked: str, mention: Mention | None, rating: float | None) -> Intent:
        """Labeling order: similar_to > rate > popular > recommend_genre > help."""
        off_topic = _is_off_topic(masked)
        if (
            mention is not None
            and off_topic
            and not mention.quoted
            and rating is None
            and not (_SIMILAR.search(masked) or _LIKE_BEFORE.search(masked[: mention.start]))
        ):
            return "help"  # "recommend a restaurant in Paris, Texas"
        if mention is not None:
            if _SIMILAR.search(masked) or _LIKE_BEFORE.search(masked[: mention.start]):
                return "similar_to"
            if _RATE_VERB.search(masked):
                return "rate"
            asks = _REQUEST.search(masked) or "?" in masked[mention.end :]
            if rating is not None:
                return "similar_to" if asks and _asks_more(masked) else "rate"
            return "similar_to"
        if off_topic or _ABOUT_BOT.search(masked):
            return "help"  # "recommend a cookbook", "how do you pick the films you suggest?"
        if _POPULAR.search(masked):
            return "popular"
        has_genre = self._genre(masked) is not None or any(
            p.search(masked) for _, p in self._genre_patterns
        )
        # "that's a terrible suggestion": feedback on earlier answers asks for nothing.
        asking = _FEEDBACK.sub(" ", masked)
        if _REQUEST.search(asking) or has_genre or _MOVIE_NOUN.search(asking):
            return "recommend_genre"
        return "help"


# Feedback on earlier answers: "that's a terrible suggestion", "thanks for the recs",
# "great picks, thank you" (an adjective + noun alone in its clause; "good recs?" still asks).
_FEEDBACK_NOUN = r"(?:suggestions?|recommendations?|recs|picks?|choices?)"
_FEEDBACK = re.compile(
    r"(?<![\w'])(?:that'?s|that is|that was|those are|those were|these are|thanks for|"
    r"thank you for)(?:\s+(?:a|an|the|such|so|really|very|pretty|some))*"
    rf"(?:\s+[\w']+)?\s+{_FEEDBACK_NOUN}(?![\w'])|"
    r"^\W*(?:great|good|nice|cool|lovely|bad|terrible|awful|useless|weird|stupid)\s+"
    rf"{_FEEDBACK_NOUN}\s*(?:[,!.]|$)"
)
_NEGATED_OPINION = re.compile(
    r"(?<![\w'])(?:not|never|wasn'?t|isn'?t|didn'?t|don'?t)\s*(?:\w+\s+)?$"
)
_ASKS_MORE = _words(
    r"recommend\w*|suggest\w*|give me|show me|what (?:else|should|now|next)|any ideas|"
    r"anything|something|find me|more|others?|ideas|recs"
)


def _number_value(word: str) -> int:
    """ "12" -> 12, "twelve" -> 12, "twenty-five" / "twenty five" -> 25."""
    if word.isdigit():
        return int(word)
    return sum(NUMBER_WORDS[part] for part in re.split(r"[- ]", word))


def _joined_to_non_k(after: str) -> bool:
    """The text after a number joins it to a number that is an age, time, ... ("or 7 pm")."""
    joined = _JOINED_NUMBER.match(after)
    return bool(joined and _NON_K_AFTER.match(after[joined.end() :]))


def _is_off_topic(text: str) -> bool:
    """A request for something other than films: "recommend a book", "a podcast about films"."""
    if not _OFF_TOPIC.search(text):
        return False
    return not _MOVIE_NOUN.search(text) or bool(_OFF_TOPIC_ABOUT_FILMS.search(text))


def _asks_more(masked: str) -> bool:
    """An opinion plus a request for films: "loved X, recommend me something" is similar_to."""
    return bool(_ASKS_MORE.search(masked))


def _better(candidate: tuple[int, int, int], best: tuple[int, int, int]) -> bool:
    """Overlapping matches: the longer wins ("didn't like" over "like"); else the earlier."""
    c_start, c_neg_len, _ = candidate
    b_start, b_neg_len, _ = best
    c_end, b_end = c_start - c_neg_len, b_start - b_neg_len
    if c_start < b_end and b_start < c_end:
        return c_neg_len < b_neg_len
    return c_start < b_start
