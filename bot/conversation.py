"""The conversation core: (user, text or button press) -> ChatReply.  Pure and synchronous.

Both front-ends call this, so the console and Telegram behave the same.  It owns what makes a
chat more than one-shot parsing: slash commands, follow-ups on what was just shown, paging,
feedback, the person's film lists, film cards, did-you-mean choices and star questions.  All
state lives in the store (the typed ``bot.session.Session`` and the per-person lists), so a
restart loses nothing.

Follow-ups (the rules are the project's CONVERSATIONS.md):

* ``more`` continues the last request from where it stopped, same constraints, never repeating.
* ``refine`` changes the last request and keeps the rest: new genres are added ("make it
  funnier" adds Comedy), excluded genres added (and dropped from the required ones), a new year
  range replaces the old one, "something older" / "more recent" move the range past the median
  year of the list just shown, keywords are added; the kind of request and its reference film
  stay.  With no earlier request it is a fresh request with those constraints.
* Positions ("the second one", "the first two", "the last one") point into the last list shown;
  "that one" / "it" is the film in focus: the one just named or the single film just shown —
  after a longer list, its first film for lists and cards (the reply says which film it took;
  a rating asks instead).  A position the list does not have gets the list's films to choose
  from, nothing shown at all a question: never a guess.
* seen / not interested / watchlist are stored per person and those films are never listed
  again (``/start`` only resets paging); the watchlist and "not interested" fold into personal
  picks as weak signals (``WATCHLIST_STARS``, ``Profile.dislikes``).  An opinion ("seen it,
  loved it") is a rating.

Shown items: films once shown are not shown again in answers to open requests (personal picks,
popular lists), so asking twice brings new films; a request about a named film starts at page
one of its own ranking.  Films on the person's lists and films they rated are never listed.

Button data is ``v1:<action>[:args]``, at most 64 bytes (Telegram's limit), and is validated:
anything else — malformed, oversized, a movie id not in the catalog, a choice that was not
offered — is answered with a polite "expired" message, never acted on.

``ChatReply.parser`` says what understood each message: the parser's name for free text,
"command" for slash commands and typed shortcuts, "button" for button presses.
"""

from __future__ import annotations

import logging
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bot.parsing import Parser, clean_text
from bot.parsing.base import ParseContext
from bot.render import film_card
from bot.session import LastList, PendingChoice, Request, Session, session_from_blob
from bot.store import Mark, MarkKind
from recommender.catalog import Catalog
from recommender.errors import MovieBotError
from tools.profiles import Profile, ProfileStore
from tools.results import Reply
from tools.schema import DEFAULT_K, Query
from tools.toolbox import PopularArgs, RecommendArgs, SimilarArgs, Toolbox

__all__ = [
    "MAX_CALLBACK_BYTES",
    "WATCHLIST_STARS",
    "Button",
    "ChatReply",
    "ChatStore",
    "Conversation",
]

log = logging.getLogger("moviebot.chat")

MAX_CALLBACK_BYTES = 64
#: 👍 / 👎 stand in for these stars when the person has not rated the film explicitly.
FEEDBACK_STARS = {True: 4.0, False: 2.0}
#: A film on the watchlist counts as these stars for personal picks (where the person has not
#: rated it or voted on it).  The ranking models count an interaction as liked from 4 stars
#: and give anything lower a fifth of that weight, so 3.5 is a *weak* like: wanting to watch a
#: film is intent, not yet taste.  "Not interested" is a dislike (``Profile.dislikes``): never
#: listed, and serving ranks films like it lower; seen films carry no opinion and fold nothing.
WATCHLIST_STARS = 3.5

_BUTTON = re.compile(
    r"v1:(?:(up|dn|seen|no|wl|info):(\d{1,12})|(more)|(pick):(\d{1,12})|(rate):(\d{1,12}):([1-5]))"
)
#: The list each follow-up intent puts a film on.
_LIST_OF: dict[str, MarkKind] = {"seen": "seen", "accept": "watchlist", "reject": "not_interested"}
#: What each film-list button does: the list it puts the film on.
_BUTTON_LISTS: dict[str, MarkKind] = {"seen": "seen", "no": "not_interested", "wl": "watchlist"}

WELCOME = "Hi! I'm MovieBot. Ask me for films in plain words."
EXPIRED = "That button has expired. Ask me again?"
_TYPED_NUMBER = re.compile(r"-?[0-9]{1,6}(?:\.[0-9]{1,2})?")  # "2" (which one?), "4.5" (stars)
_RATE_ARGS = re.compile(r"(.+?)\s+([0-9]{1,2}(?:\.[0-9]{1,2})?)")
_YEAR = re.compile(r"\s*\((\d{4})\)\s*$")  # a catalog title's year
_DATASET_USER = re.compile(r"[0-9]{1,12}")  # ASCII digits: str.isdigit() accepts "²", int() not
_MORE = frozenset({"more", "more please", "next", "show more", "next page"})
#: Typed shortcuts for the buttons of a listed film: "seen 2", "info 1", "watchlist 3".
_TYPED_ACTION = re.compile(
    r"(up|down|seen|no|not interested|watchlist|wl|info|details)\s+([0-9]{1,2})", re.IGNORECASE
)
_TYPED_ACTIONS = {
    "up": "up",
    "down": "dn",
    "seen": "seen",
    "no": "no",
    "not interested": "no",
    "watchlist": "wl",
    "wl": "wl",
    "info": "info",
    "details": "info",
}
#: "show me my watchlist", "what's on my watch list?", "can I see my watchlist" — a message about
#: the watchlist that does not put a film on it or take one off.
_WATCHLIST = re.compile(r"\bwatch\s?list\b", re.IGNORECASE)
_CHANGES_A_LIST = re.compile(
    r"\b(?:add|adding|put|save|stick|include|remove|delete|take|drop|check\s+out|"
    r"the\s+(?:first|second|third|fourth|fifth|last)|number|it|that|this|them)\b",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|good (?:morning|afternoon|evening))\b", re.I
)
_THANKS = re.compile(r"\b(?:thanks|thank you|thx|cheers|ty|much appreciated)\b", re.I)
_BYE = re.compile(r"\b(?:bye|goodbye|good night|see you|see ya|cya|later)\b", re.I)


class ChatStore(ProfileStore, Protocol):
    """What the conversation needs from storage (``bot.store.SqliteProfileStore``)."""

    def feedback(self, user_key: str, movie_id: int, liked: bool) -> None: ...

    def feedback_of(self, user_key: str) -> dict[int, bool]: ...

    def mark_shown(self, user_key: str, movie_ids: list[int]) -> None: ...

    def shown(self, user_key: str) -> set[int]: ...

    def clear_shown(self, user_key: str) -> None: ...

    def mark(self, user_key: str, kind: MarkKind, movie_ids: Sequence[int]) -> None: ...

    def marks(self, user_key: str, kind: MarkKind) -> list[Mark]: ...

    def marked(self, user_key: str) -> set[int]: ...

    def save_session(self, user_key: str, state: dict[str, Any]) -> None: ...

    def load_session(self, user_key: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Button:
    label: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode()) > MAX_CALLBACK_BYTES or not _BUTTON.fullmatch(self.data):
            raise ValueError(f"invalid button data {self.data!r}")


@dataclass(frozen=True)
class ChatReply:
    """A tool answer (``reply``) and/or a plain message, plus button rows."""

    reply: Reply | None = None
    message: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    #: Which parser understood the message ("regex", "llm", "regex-fallback", "command"...).
    parser: str | None = None
    #: A full page of results: "more" may find further films (the last page says nothing).
    has_more: bool = False
    #: What answered when no tool reply did: "details", "seen", "watchlist", "chat", ...
    kind: str | None = None

    @property
    def route(self) -> str:
        """The tool route of ``reply``, else ``kind``, else "message"."""
        if self.reply is not None and (self.reply.route != "help" or self.kind is None):
            return self.reply.route
        return self.kind or "message"


class _Ask(Exception):
    """A question back to the person (which film?) instead of an answer."""

    def __init__(self, reply: ChatReply) -> None:
        super().__init__("question")
        self.reply = reply


class Conversation:
    def __init__(self, toolbox: Toolbox, parser: Parser, store: ChatStore) -> None:
        self.toolbox = toolbox
        self.parser = parser
        self.store = store
        self.catalog: Catalog = toolbox.catalog

    # ------------------------------------------------------------------ entry points

    def handle_text(self, user_key: str, text: str) -> ChatReply:
        try:
            return self._text(user_key, text)
        except _Ask as question:
            return question.reply
        except MovieBotError as error:  # a problem the person can act on: say it, keep going
            log.warning("user=%s: %s", _short(user_key), error)
            return ChatReply(message=f"Sorry, I can't do that: {error}", parser="error")

    def _text(self, user_key: str, text: str) -> ChatReply:
        stripped = text.strip()
        if stripped.startswith("/"):
            # Cleaned and capped like parser input: a command's argument is resolved as a title.
            return replace(self._command(user_key, clean_text(stripped)), parser="command")
        lowered = " ".join(stripped.lower().split()).rstrip("!.")
        if lowered in _MORE:
            return replace(self._more(user_key), parser="command")
        typed = _TYPED_ACTION.fullmatch(lowered)
        if typed:
            answer = self._typed_action(user_key, typed.group(1).lower(), int(typed.group(2)))
            if answer is not None:
                return replace(answer, parser="command")
        if _WATCHLIST.search(lowered) and not _CHANGES_A_LIST.search(lowered):
            return replace(self._watchlist(user_key), parser="command")
        if _TYPED_NUMBER.fullmatch(stripped):
            answer = self._typed_answer(user_key, float(stripped))
            if answer is not None:
                return replace(answer, parser="command")
        session = self._session(user_key)
        query, source = self._parse(stripped, session)
        log.info("user=%s parser=%s intent=%s", _short(user_key), source, query.intent)
        try:
            answer = self._ask(user_key, query, session, text=stripped)
        except _Ask as question:
            answer = question.reply
        return replace(answer, parser=source)

    def handle_button(self, user_key: str, data: str) -> ChatReply:
        try:
            return replace(self._button(user_key, data), parser="button")
        except _Ask as question:
            return replace(question.reply, parser="button")
        except MovieBotError as error:
            log.warning("user=%s: %s", _short(user_key), error)
            return ChatReply(message=f"Sorry, I can't do that: {error}", parser="error")

    def _button(self, user_key: str, data: str) -> ChatReply:
        valid = isinstance(data, str) and len(data.encode(errors="replace")) <= MAX_CALLBACK_BYTES
        match = _BUTTON.fullmatch(data) if valid else None
        if match is None:
            return ChatReply(message=EXPIRED)
        action, action_id, more, pick, pick_id, _rate, rate_id, stars = match.groups()
        if more:
            return self._more(user_key)
        movie_id = int(action_id or pick_id or rate_id)
        if self.catalog.index_of(movie_id) < 0:  # forged, or from another catalog
            return ChatReply(message=EXPIRED)
        if not pick:  # a film listed twice is one film: stored under the copy standing for it
            movie_id = self._canonical(movie_id)
        if action in ("up", "dn"):
            liked = action == "up"
            self.store.feedback(user_key, movie_id, liked)
            return ChatReply(
                message=f"{'👍' if liked else '👎'} noted for {self._title(movie_id)}."
            )
        if action in _BUTTON_LISTS:
            return self._put_on_list(user_key, _BUTTON_LISTS[action], [movie_id])
        if action == "info":
            return self._details(user_key, movie_id)
        if pick:
            return self._pick(user_key, movie_id)
        rating = int(stars)
        self.store.rate(user_key, movie_id, float(rating))
        self._save(user_key, self._session(user_key), stars_for=None, focus=movie_id)
        return ChatReply(message=f"Noted: {self._title(movie_id)} — {rating}/5.", kind="rate")

    # ------------------------------------------------------------------ understanding

    def _parse(self, text: str, session: Session) -> tuple[Query, str]:
        context = self._context(session)
        with_source = getattr(self.parser, "parse_with_source", None)
        if with_source is not None:
            query, source = with_source(text, context)
            return query, str(source)
        return self.parser.parse(text, context), self.parser.name

    def _context(self, session: Session) -> ParseContext:
        """What the parser may know of the conversation: the previous request and the last
        list by position (id, title, year), so the LLM can resolve "the second one"."""
        previous = _query_of(session.request, self._title) if session.request else None
        shown = session.last_list.movie_ids if session.last_list else ()
        films = tuple(
            (n, m, self._title(m), self.catalog.by_id(m).year if self._known(m) else None)
            for n, m in enumerate(shown, start=1)
        )
        return ParseContext(previous=previous, shown=films)

    # ------------------------------------------------------------------ answering

    def _ask(self, user_key: str, query: Query, session: Session, *, text: str = "") -> ChatReply:
        """Answer one understood message."""
        intent = query.intent
        if intent == "help":
            return _chit_chat(text)
        if intent == "more":
            return self._more(user_key)
        if intent == "refine":
            return self._refine(user_key, query, session)
        if intent in ("seen", "accept", "reject", "details"):
            films, note = self._films_meant(user_key, query, session, default_focus=True, text=text)
            if intent == "details":
                return self._details(user_key, films[0], note=note)
            return self._put_on_list(user_key, _LIST_OF[intent], films, note=note)
        if intent == "rate":
            return self._rate(user_key, query, session)
        if intent == "similar_to" and (query.title or query.refs):
            films, note = self._films_meant(
                user_key, query, session, default_focus=False, text=text
            )
            request = self._request(query, reference_id=films[0])
            return self._list(user_key, request, session, note=note)
        # recommend_genre and popular (and a similar_to / rate that names no film)
        request = self._request(query)
        return self._list(user_key, request, session)

    def _request(self, query: Query, *, reference_id: int | None = None) -> Request:
        """The list request a query states, its constraints resolved against the catalog."""
        intent = query.intent if query.intent in ("popular", "similar_to") else "recommend_genre"
        if intent == "similar_to" and reference_id is None:
            intent = "recommend_genre"
        year_min, year_max = query.year_min, query.year_max
        if query.recent and year_min is None and year_max is None:
            year_min, year_max = self.catalog.recent_years()
        also, alternatives = query.also_genres, query.or_genres
        # "a western or a war film": either will do; "sci-fi horror": both must hold
        required = also if alternatives else [query.genre, *also]
        return Request(
            intent=intent,
            reference_id=reference_id,
            k=query.k,
            genres_all=self._genres(required),
            genres_any=self._genres([query.genre, *alternatives] if alternatives else []),
            genres_none=self._genres(query.exclude_genres),
            year_min=year_min,
            year_max=year_max,
            keywords=tuple(query.keywords),
        )

    def _refine(self, user_key: str, query: Query, session: Session) -> ChatReply:
        """Change the last request by what the message adds; a fresh request without one."""
        change = self._request(query)
        last = session.request
        shift = query.era_shift
        median = self._median_year(session) if shift is not None else None
        if shift is not None and (last is None or median is None):
            raise _Ask(ChatReply(message="Older or newer than what? Ask me for some films first."))
        if last is None:
            return self._list(user_key, change, session)
        required = [
            g for g in (*last.genres_all, *change.genres_all) if g not in change.genres_none
        ]
        banned = [g for g in (*last.genres_none, *change.genres_none) if g not in change.genres_all]
        year_min, year_max = last.year_min, last.year_max
        if change.year_min is not None or change.year_max is not None:
            year_min, year_max = change.year_min, change.year_max
        if shift == "older" and median is not None:
            year_min, year_max = None, median - 1
        elif shift == "newer" and median is not None:
            year_min, year_max = median + 1, None
        k = query.k if query.k != DEFAULT_K else last.k
        refined = last.model_copy(
            update={
                "k": k,
                "genres_all": tuple(dict.fromkeys(required)),
                "genres_any": change.genres_any or last.genres_any,
                "genres_none": tuple(dict.fromkeys(banned)),
                "year_min": year_min,
                "year_max": year_max,
                "keywords": tuple(dict.fromkeys((*last.keywords, *change.keywords))),
            }
        )
        return self._list(user_key, refined, session)

    def _list(
        self,
        user_key: str,
        request: Request,
        session: Session,
        *,
        more: bool = False,
        note: str | None = None,
    ) -> ChatReply:
        """Answer a list request: the top k films passing its filter that the person has not
        been shown (open requests and "more"), marked or rated."""
        if request.keywords and not self.catalog.has_tags:
            words = ", ".join(f'"{w}"' for w in request.keywords)
            return ChatReply(
                message=f"I can't search by themes or keywords like {words} here: this "
                "catalog has no tags, only titles, years and genres. Try a genre or a year?",
                kind="no_tags",
            )
        profile = self._profile(user_key)
        exclude = set(self.store.marked(user_key)) | set(profile.ratings)
        if more or request.intent != "similar_to":
            exclude |= self.store.shown(user_key)
        if request.reference_id is not None:
            exclude.add(request.reference_id)
        reply, available = self._fetch(request, profile, exclude)
        page = session.last_list.page + 1 if more and session.last_list else 1
        if not reply.results:
            if more:
                return ChatReply(message=_thats_all(request, self._title), kind="more")
            return ChatReply(reply=reply, message=self._none_left(request, available, note))
        ids = [r.movie_id for r in reply.results]
        self.store.mark_shown(user_key, ids)
        self._save(
            user_key,
            session,
            request=request,
            last_list=LastList(movie_ids=tuple(ids), page=page),
            focus=ids[0] if len(ids) == 1 else None,
            pending=None,
            stars_for=None,
        )
        rows = [_film_buttons(n, m) for n, m in enumerate(ids, start=1)]
        # A short page is the last one: no "More" to press, nothing left to promise.
        has_more = len(ids) >= request.k
        if has_more:
            rows.append((Button("More", "v1:more"),))
        else:
            note = _join(note, self._only(request, len(ids), available, more))
        return ChatReply(reply=reply, message=note, buttons=tuple(rows), has_more=has_more)

    def _fetch(self, request: Request, profile: Profile, exclude: set[int]) -> tuple[Reply, int]:
        """The films for ``request`` from the tools (its filter and ``exclude`` applied before
        the top k) and how many catalog films match the filter at all."""
        args = {"k": request.k, "filter": request.item_filter()}
        note = None
        if request.intent == "similar_to" and request.reference_id is not None:
            similar = SimilarArgs(movie_id=request.reference_id, **args)
            listed, route = self.toolbox.similar_to(similar, exclude), "similar"
        elif request.intent == "popular":
            listed = self.toolbox.popular(PopularArgs(**args), profile, exclude)
            route = "popular"
        else:
            listed = self.toolbox.recommend_for_user(RecommendArgs(**args), profile, exclude)
            route, note = ("popular", listed.note) if listed.note else ("personal", None)
        query = _query_of(request, self._title)
        title = self._title(request.reference_id) if request.reference_id is not None else None
        reply = Reply(route=route, query=query, results=listed.results, title=title, note=note)
        return reply, listed.matched

    def _more(self, user_key: str) -> ChatReply:
        session = self._session(user_key)
        if session.request is None:
            return ChatReply(message="Ask me for something first, then I can show more.")
        return self._list(user_key, session.request, session, more=True)

    # ------------------------------------------------------------------ films meant

    def _films_meant(
        self,
        user_key: str,
        query: Query,
        session: Session,
        *,
        default_focus: bool,
        guess_top: bool = True,
        text: str = "",
    ) -> tuple[list[int], str | None]:
        """The films a message points at — its title (resolved once), else its positions in
        the last list, else (``default_focus``) the film in focus — and a note saying which
        film was taken when that was not spelled out.  Raises ``_Ask`` with a question when
        it cannot be told: the films of the last list to choose from where there is one.

        "that one" after a longer list is its first film (said in the note) for lists and
        cards (``guess_top``), which are easily put right; a rating asks instead."""
        if query.title:
            movie_id, others = self._resolve(user_key, query, session)
            others = others or self._same_name(movie_id, text)
            if not others:
                return [movie_id], None
            also = "; ".join(self._title(m) for m in others[:3])
            return [
                movie_id
            ], f"(I took {self._title(movie_id)}, the best known; there is also {also}.)"
        refs = list(query.refs) or ([0] if default_focus else [])
        shown = list(session.last_list.movie_ids) if session.last_list else []
        films: list[int] = []
        note = None
        for ref in refs:
            if ref == 0:
                if session.focus is not None:
                    films.append(session.focus)
                elif shown and not guess_top:
                    raise _Ask(self._choose(user_key, query, session, None))
                elif shown:
                    films.append(shown[0])  # the top pick, and the reply says so
                    note = (
                        f'(I took that as {self._title(shown[0])}, the first one; say "the '
                        'second one" and so on for another.)'
                    )
                else:
                    raise _Ask(_which_film("Which film do you mean? Tell me its title."))
                continue
            if not shown:
                raise _Ask(_which_film("I haven't shown you a list yet. Which film do you mean?"))
            position = len(shown) if ref == -1 else ref
            if not 1 <= position <= len(shown):
                films_word = "film" if len(shown) == 1 else "films"
                question = f"I only showed you {len(shown)} {films_word}."
                raise _Ask(self._choose(user_key, query, session, question))
            films.append(shown[position - 1])
        if not films or not all(self._known(m) for m in films):  # nothing, or another catalog's
            raise _Ask(_which_film("Which film do you mean? Tell me its title."))
        return list(dict.fromkeys(films)), note

    def _same_name(self, movie_id: int, text: str) -> list[int]:
        """Other films of the chosen film's name, when the message named it without its
        year: the parser hands over the resolved catalog title, so ask the resolver again
        about the bare name ("iron man" -> Iron Man (2008); there is also the 1931 film)."""
        title = self._title(movie_id)
        year = _YEAR.search(title)
        if year is None or year.group(1) in text:
            return []
        again = self.toolbox.resolve_title(title[: year.start()])
        if not again.confident or self._canonical_index_id(again.candidates[0].index) != movie_id:
            return []
        return [self._canonical_index_id(c.index) for c in again.alternatives]

    def _choose(
        self, user_key: str, query: Query, session: Session, question: str | None
    ) -> ChatReply:
        """Ask which film of the last list is meant; the answer (a button, or the typed
        position) answers ``query`` about that film."""
        shown = session.last_list.movie_ids if session.last_list else ()
        choices = [m for m in shown if self._known(m)]
        if not choices:
            return _which_film("Which film do you mean? Tell me its title.")
        about = query.model_copy(update={"title": None, "refs": []})
        asked = self._did_you_mean(user_key, about, session, choices)
        return replace(asked, message=question, kind="question")

    def _resolve(self, user_key: str, query: Query, session: Session) -> tuple[int, list[int]]:
        """The movie id a typed title names, and the other films of that name when the
        resolver took a far better-known one (to mention them); a did-you-mean question when
        several match about equally, "not found" when none does."""
        assert query.title is not None
        resolution = self.toolbox.resolve_title(query.title)
        if resolution.confident:
            chosen = self._canonical_index_id(resolution.candidates[0].index)
            others = (self._canonical_index_id(c.index) for c in resolution.alternatives)
            return chosen, [m for m in dict.fromkeys(others) if m != chosen]
        if resolution.status == "ambiguous":
            ids = dict.fromkeys(self._canonical_index_id(c.index) for c in resolution.candidates)
            raise _Ask(self._did_you_mean(user_key, query, session, list(ids)[:5]))
        raise _Ask(ChatReply(reply=Reply(route="not_found", query=query)))

    def _did_you_mean(
        self, user_key: str, query: Query, session: Session, choices: list[int]
    ) -> ChatReply:
        self._save(
            user_key,
            session,
            pending=PendingChoice(query=query, choices=tuple(choices)),
            stars_for=None,
        )
        titles = tuple(self._title(m) for m in choices)
        reply = Reply(
            route="did_you_mean", query=query, candidates=titles, candidate_ids=tuple(choices)
        )
        buttons = tuple((Button(t, f"v1:pick:{m}"),) for t, m in zip(titles, choices, strict=True))
        return ChatReply(reply=reply, buttons=buttons)

    # ------------------------------------------------------------------ about one film

    def _rate(self, user_key: str, query: Query, session: Session) -> ChatReply:
        if not (query.title or query.refs):
            return self._list(user_key, self._request(query), session)
        films, note = self._films_meant(
            user_key, query, session, default_focus=False, guess_top=False
        )
        return self._rate_films(user_key, query, session, films, note)

    def _rate_films(
        self, user_key: str, query: Query, session: Session, films: list[int], note: str | None
    ) -> ChatReply:
        """Store the query's stars for the films, or ask for them (star buttons)."""
        if query.rating is None:
            movie_id = films[0]
            self._save(user_key, session, pending=None, stars_for=movie_id, focus=movie_id)
            ask = Reply(route="rate", query=query, title=self._title(movie_id))
            row = tuple(Button(f"{n}★", f"v1:rate:{movie_id}:{n}") for n in range(1, 6))
            return ChatReply(reply=ask, buttons=(row,))
        for movie_id in films:
            self.store.rate(user_key, movie_id, query.rating)
        self._save(user_key, session, pending=None, stars_for=None, focus=films[-1])
        titles = "; ".join(self._title(m) for m in films)
        done = Reply(route="rate", query=query, title=titles, rating=query.rating)
        return ChatReply(reply=done, message=note)

    def _put_on_list(
        self, user_key: str, kind: MarkKind, films: list[int], *, note: str | None = None
    ) -> ChatReply:
        films = [self._canonical(m) for m in films]
        self.store.mark(user_key, kind, films)
        session = self._session(user_key)
        self._save(user_key, session, focus=films[-1] if len(films) == 1 else session.focus)
        titles = ", ".join(self._title(m) for m in films)
        said = {
            "seen": f"Noted: you've seen {titles}. I won't suggest {_them(films)} again.",
            "watchlist": f"Added to your watchlist: {titles}. (/watchlist shows it.)",
            "not_interested": f"Got it, not for you: {titles}. I won't suggest {_them(films)} "
            "again.",
        }[kind]
        return ChatReply(message=_join(said, note), kind=kind)

    def _details(self, user_key: str, movie_id: int, *, note: str | None = None) -> ChatReply:
        movie = self.catalog.by_id(self._canonical(movie_id))
        self._save(user_key, self._session(user_key), focus=movie.movie_id)
        return ChatReply(message=_join(film_card(movie), note), kind="details")

    def _watchlist(self, user_key: str) -> ChatReply:
        marks = self.store.marks(user_key, "watchlist")
        if not marks:
            return ChatReply(
                message='Your watchlist is empty. Say "I\'ll check out the second one" after '
                "a list, or press ➕ under a film.",
                kind="watchlist",
            )
        lines = [f"Your watchlist ({len(marks)}):"]
        lines += [f"  • {self._title(m.movie_id)}" for m in marks]
        return ChatReply(message="\n".join(lines), kind="watchlist")

    # ------------------------------------------------------------------ open questions

    def _pick(self, user_key: str, movie_id: int) -> ChatReply:
        """Answer the pending did-you-mean question with the chosen movie (once)."""
        session = self._session(user_key)
        pending = session.pending
        if pending is None or movie_id not in pending.choices:
            return ChatReply(message="That choice has expired. Ask me again?")
        session = self._save(user_key, session, pending=None)
        chosen = self._canonical(movie_id)
        query = pending.query.model_copy(update={"title": None})
        return self._answer_about(user_key, query, session, chosen)

    def _answer_about(
        self, user_key: str, query: Query, session: Session, movie_id: int
    ) -> ChatReply:
        """Answer ``query`` about a film already resolved (a did-you-mean choice)."""
        if query.intent == "similar_to":
            request = self._request(query, reference_id=movie_id)
            return self._list(user_key, request, session)
        if query.intent == "rate":
            return self._rate_films(user_key, query, session, [movie_id], None)
        if query.intent == "details":
            return self._details(user_key, movie_id)
        if query.intent in _LIST_OF:
            return self._put_on_list(user_key, _LIST_OF[query.intent], [movie_id])
        return self._list(user_key, self._request(query), session)

    def _typed_answer(self, user_key: str, number: float) -> ChatReply | None:
        """A typed number while a question is open — "which one?" or "how many stars?": the
        answer, or, out of range, the range and the same question again (never dropped,
        never stored).  None when no question is open: the number is ordinary text."""
        session = self._session(user_key)
        if session.stars_for is not None:
            movie_id = session.stars_for
            if _is_half_star(number):
                self._save(user_key, session, stars_for=None)
                self.store.rate(user_key, movie_id, number)
                return ChatReply(message=f"Noted: {self._title(movie_id)} — {number:g}/5.")
            title = self._title(movie_id)
            ask = Reply(route="rate", query=_rate_query(title), title=title)
            row = tuple(Button(f"{n}★", f"v1:rate:{movie_id}:{n}") for n in range(1, 6))
            return ChatReply(reply=ask, buttons=(row,), message="Please give 0.5-5 stars.")
        pending = session.pending
        if pending is None or not pending.choices:
            return None
        choices = list(pending.choices)
        if number.is_integer() and 1 <= number <= len(choices):
            return self._pick(user_key, choices[int(number) - 1])
        again = self._did_you_mean(user_key, pending.query, session, choices)
        return replace(again, message=f"Please pick 1-{len(choices)}.")

    def _typed_action(self, user_key: str, action: str, position: int) -> ChatReply | None:
        """ "seen 2", "info 1": the button of that film in the last list; None (ordinary text)
        when no list was shown."""
        session = self._session(user_key)
        shown = session.last_list.movie_ids if session.last_list else ()
        if not shown:
            return None
        if not 1 <= position <= len(shown):
            return _which_film(f"The last list had {len(shown)} films: pick 1-{len(shown)}.")
        return self._button(user_key, f"v1:{_TYPED_ACTIONS[action]}:{shown[position - 1]}")

    # ------------------------------------------------------------------ state

    def _session(self, user_key: str) -> Session:
        try:
            blob = self.store.load_session(user_key)
        except ValueError:  # not JSON at all
            log.warning("user=%s: dropped an unreadable session", _short(user_key))
            return Session()
        return session_from_blob(blob, _short(user_key))

    def _save(self, user_key: str, session: Session, **changes: Any) -> Session:
        updated = session.model_copy(update=changes)
        self.store.save_session(user_key, updated.model_dump(mode="json"))
        return updated

    def _profile(self, user_key: str) -> Profile:
        """The stored profile with the weaker signals folded in: 👍/👎 and the watchlist as
        stars where no explicit rating exists (``FEEDBACK_STARS``, ``WATCHLIST_STARS``), and
        "not interested" as dislikes (never listed, films like them ranked lower)."""
        profile = self.store.get(user_key)
        implied = {m.movie_id: WATCHLIST_STARS for m in self.store.marks(user_key, "watchlist")}
        for movie, liked in self.store.feedback_of(user_key).items():
            implied[movie] = FEEDBACK_STARS[liked]
        dislikes = {m.movie_id for m in self.store.marks(user_key, "not_interested")}
        dislikes -= set(profile.ratings) | set(implied)  # a later rating or 👍/👎 wins
        if not implied and not dislikes:
            return profile
        ratings = {**implied, **profile.ratings}
        return profile.model_copy(update={"ratings": ratings, "dislikes": frozenset(dislikes)})

    def _median_year(self, session: Session) -> int | None:
        shown = session.last_list.movie_ids if session.last_list else ()
        years = [y for y in (self.catalog.by_id(m).year for m in shown if self._known(m)) if y]
        return int(statistics.median(years)) if years else None

    # ------------------------------------------------------------------ commands

    def _command(self, user_key: str, text: str) -> ChatReply:
        name, _, rest = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()  # "/help@MovieBot" in group chats
        rest = rest.strip()
        session = self._session(user_key)
        if name == "start":
            self.store.clear_shown(user_key)
            return ChatReply(
                message=WELCOME, reply=Reply(route="help", query=_help_query()), parser="command"
            )
        if name == "help":
            return ChatReply(reply=Reply(route="help", query=_help_query()), parser="command")
        if name == "watchlist":
            return self._watchlist(user_key)
        if name == "popular":
            genre = self.catalog.genre_name(rest) if rest else None
            if rest and genre is None:
                return ChatReply(
                    message=f"I don't know the genre {rest!r}. Try: {', '.join(self.catalog.genres)}."
                )
            return self._list(
                user_key, Request(intent="popular", genres_all=(genre,) if genre else ()), session
            )
        if name == "similar":
            if not rest:
                return ChatReply(message="Usage: /similar <title>, e.g. /similar the godfather")
            return self._ask(user_key, Query(intent="similar_to", genre=None, title=rest), session)
        if name == "rate":
            # "/rate fargo 4.5" stores 4.5 stars; "/rate fargo" asks for them with star buttons.
            typed = _RATE_ARGS.fullmatch(rest)
            title, stars = (typed.group(1), typed.group(2)) if typed else (rest, "")
            rating = float(stars) if stars else None
            if not title or (rating is not None and not _is_half_star(rating)):
                return ChatReply(message="Usage: /rate <title> <0.5-5>, e.g. /rate fargo 4.5")
            query = Query(intent="rate", genre=None, title=title, rating=rating)
            return self._ask(user_key, query, session)
        if name == "profile":
            return ChatReply(message=self._profile_text(user_key), parser="command")
        if name == "link":
            return self._link(user_key, rest)
        if name == "forget":
            self.store.forget(user_key)
            return ChatReply(
                message="Done: I forgot your ratings, feedback, film lists and history.",
                parser="command",
            )
        return ChatReply(message=f"Unknown command /{name}. Try /help.")

    def _link(self, user_key: str, rest: str) -> ChatReply:
        if rest.lower() in ("off", "none"):
            self.store.link(user_key, None)
            return ChatReply(message="Unlinked.")
        if not _DATASET_USER.fullmatch(rest):
            return ChatReply(
                message="Usage: /link <dataset user id>, e.g. /link 196 (or /link off)"
            )
        user_id = int(rest)
        if self.toolbox.recommender.trained.users.index([user_id])[0] < 0:
            return ChatReply(message=f"There is no user {user_id} in the dataset.")
        self.store.link(user_key, user_id)
        return ChatReply(
            message=f"Linked: you now see recommendations as dataset user {user_id} "
            "(your own ratings are kept; /link off to go back to them)."
        )

    def _profile_text(self, user_key: str) -> str:
        profile = self.store.get(user_key)
        feedback = self.store.feedback_of(user_key)
        lines = [f"Ratings: {len(profile.ratings)}"]
        for movie_id, stars in sorted(profile.ratings.items(), key=lambda kv: -kv[1])[:20]:
            lines.append(f"  {stars:g}/5  {self._title(movie_id)}")
        if feedback:
            ups = sum(feedback.values())
            lines.append(f"Feedback: {ups} 👍, {len(feedback) - ups} 👎")
        for kind, label in (
            ("watchlist", "Watchlist"),
            ("seen", "Seen"),
            ("not_interested", "Not interested"),
        ):
            count = len(self.store.marks(user_key, kind))  # type: ignore[arg-type]
            if count:
                lines.append(f"{label}: {count}")
        if profile.dataset_user is not None:
            lines.append(f"Linked to dataset user {profile.dataset_user}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ helpers

    def _genres(self, names: Iterable[str | None]) -> tuple[str, ...]:
        """The catalog's spelling of each named genre; unknown names are dropped."""
        found = (self.catalog.genre_name(n) for n in names if n)
        return tuple(dict.fromkeys(g for g in found if g is not None))

    def _known(self, movie_id: int) -> bool:
        return self.catalog.index_of(movie_id) >= 0

    def _title(self, movie_id: int) -> str:
        index = self.catalog.index_of(movie_id)
        return self.catalog.titles[index] if index >= 0 else f"movie {movie_id}"

    def _canonical(self, movie_id: int) -> int:
        """``movie_id``, or the id of the copy standing for it; unknown ids pass through."""
        index = self.catalog.index_of(movie_id)
        return self._canonical_index_id(index) if index >= 0 else movie_id

    def _canonical_index_id(self, index: int) -> int:
        return int(self.catalog.ids[self.catalog.canonical(index)])

    def _none_left(self, request: Request, available: int, note: str | None) -> str | None:
        if available == 0:
            return _join(note, f"No {_describe(request, self._title)} in this catalog.")
        return _join(note, f"I've shown you every {_describe(request, self._title)} I have.")

    def _only(self, request: Request, count: int, available: int, more: bool) -> str | None:
        if more:
            return None
        what = _describe(request, self._title, count)
        if available <= count:
            return f"Only {count} {what} in this catalog."
        return f"Only {count} {what} left that you haven't seen or been shown."


# ---------------------------------------------------------------------------- pure helpers


def _query_of(request: Request, title_of: Any) -> Query:
    """The request as a Query (what the reply says it answered)."""
    genre = request.genres_all[0] if request.genres_all else None
    title = title_of(request.reference_id) if request.reference_id is not None else None
    return Query(intent=request.intent, genre=genre, title=title, k=request.k)


def _film_buttons(n: int, movie_id: int) -> tuple[Button, ...]:
    """One row per listed film: 👍 👎, seen, not interested, watchlist, details."""
    return (
        Button(f"👍 {n}", f"v1:up:{movie_id}"),
        Button(f"👎 {n}", f"v1:dn:{movie_id}"),
        Button("✓ seen", f"v1:seen:{movie_id}"),
        Button("🚫", f"v1:no:{movie_id}"),
        Button("➕", f"v1:wl:{movie_id}"),
        Button("ℹ️", f"v1:info:{movie_id}"),
    )


_PLURAL = {
    "Comedy": "comedies",
    "Western": "westerns",
    "Drama": "dramas",
    "Thriller": "thrillers",
    "Musical": "musicals",
    "Mystery": "mysteries",
    "Documentary": "documentaries",
    "Romance": "romances",
}


def _describe(request: Request, title_of: Any, count: int = 2) -> str:
    """The request in a few words, for ``count`` films: "westerns before 1940", "Crime Drama
    films from 1990", "1 Western film"."""
    genres = list(request.genres_all)
    if count != 1 and len(genres) == 1 and genres[0] in _PLURAL and not request.genres_any:
        noun = _PLURAL[genres[0]]
    else:
        named = " ".join(genres)
        if request.genres_any:
            named = (named + " " if named else "") + " or ".join(request.genres_any)
        films = "film" if count == 1 else "films"
        noun = f"{named} {films}" if named else films
    parts = [noun]
    if request.reference_id is not None:
        parts.append(f"like {title_of(request.reference_id)}")
    if request.genres_none:
        parts.append("without " + " or ".join(request.genres_none))
    if request.keywords:
        parts.append("tagged " + ", ".join(f'"{k}"' for k in request.keywords))
    lo, hi = request.year_min, request.year_max
    if lo is not None and hi is not None:
        parts.append(f"from {lo}" if lo == hi else f"from {lo}-{hi}")
    elif lo is not None:
        parts.append(f"from {lo} on")
    elif hi is not None:
        parts.append(f"before {hi + 1}")
    return " ".join(parts)


def _thats_all(request: Request, title_of: Any) -> str:
    """The answer to "more" after the last page: what was asked for, and what to try next."""
    films = f"{' '.join(request.genres_all)} films" if request.genres_all else "films"
    if request.intent == "similar_to" and request.reference_id is not None:
        asked = f"films like {title_of(request.reference_id)}"
    elif request.intent == "popular":
        asked = f"popular {films}"
    else:
        asked = f"{films} picked for you"
    return f"That's all for {asked}. Try another genre, or ask for films like one you enjoyed."


def _chit_chat(text: str) -> ChatReply:
    """A short fitting answer to small talk; the help text only when nothing else fits."""
    if _THANKS.search(text):
        return ChatReply(message="You're welcome! Ask me any time for more films.", kind="chat")
    if _BYE.search(text):
        return ChatReply(message="Bye! Enjoy the film.", kind="chat")
    if _GREETING.match(text.strip()):
        return ChatReply(
            message="Hi! What are you in the mood for? A genre, a decade, or a film you liked.",
            kind="chat",
        )
    return ChatReply(reply=Reply(route="help", query=_help_query()))


def _which_film(question: str) -> ChatReply:
    return ChatReply(message=question, kind="question")


def _join(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return "\n".join(kept) if kept else None


def _them(films: list[int]) -> str:
    return "it" if len(films) == 1 else "them"


def _is_half_star(stars: float) -> bool:
    return 0.5 <= stars <= 5 and (stars * 2).is_integer()


def _rate_query(title: str) -> Query:
    return Query(intent="rate", genre=None, title=title)


def _help_query() -> Query:
    return Query(intent="help", genre=None, title=None)


def _short(user_key: str) -> str:
    """Enough of a user key to follow a conversation in the log."""
    return user_key[:24]
