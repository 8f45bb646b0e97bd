"""The conversation core: (user, text or button press) -> ChatReply.  Pure and synchronous.

Both front-ends call this, so the console and Telegram behave the same.  It owns what makes a
chat more than one-shot parsing: slash commands, paging ("More" continues the last answer from
where it stopped, never repeating), 👍/👎 feedback, did-you-mean choices and the star buttons of
a rating without stars.  All state lives in the store, so a restart loses nothing.

Shown items: films once shown are not shown again in answers to open requests (personal picks
and popular lists), so asking twice brings new films; "More" skips everything shown and fills k
from the rest of the same ranking.  A request about a named film ("movies like Toy Story") is
an explicit ask and starts at page one of its own ranking, so its obvious companions appear
even if an earlier list showed them.  /start forgets what was shown.

Button data is ``v1:<action>[:args]``, at most 64 bytes (Telegram's limit), and is validated:
anything else — malformed, oversized, a movie id not in the catalog, a choice that was not
offered — is answered with a polite "expired" message, never acted on.

``ChatReply.parser`` says what understood each message: the parser's name for free text,
"command" for slash commands and typed "more", "button" for button presses.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bot.parsing import Parser, clean_text
from recommender.errors import MovieBotError
from tools.dispatch import dispatch
from tools.profiles import Profile, ProfileStore
from tools.results import Reply
from tools.schema import Query
from tools.toolbox import Toolbox

__all__ = ["MAX_CALLBACK_BYTES", "Button", "ChatReply", "ChatStore", "Conversation"]

log = logging.getLogger("moviebot.chat")

MAX_CALLBACK_BYTES = 64
#: 👍 / 👎 stand in for these stars when the person has not rated the film explicitly.
FEEDBACK_STARS = {True: 4.0, False: 2.0}
_BUTTON = re.compile(
    r"v1:(?:(up|dn):(\d{1,12})|(more)|(pick):(\d{1,12})|(rate):(\d{1,12}):([1-5]))"
)

WELCOME = "Hi! I'm MovieBot. Ask me for films in plain words."
EXPIRED = "That button has expired. Ask me again?"
_TYPED_NUMBER = re.compile(r"-?[0-9]{1,6}(?:\.[0-9]{1,2})?")  # "2" (which one?), "4.5" (stars)
_RATE_ARGS = re.compile(r"(.+?)\s+([0-9]{1,2}(?:\.[0-9]{1,2})?)")
_DATASET_USER = re.compile(r"[0-9]{1,12}")  # ASCII digits: str.isdigit() accepts "²", int() not


class ChatStore(ProfileStore, Protocol):
    """What the conversation needs from storage (``bot.store.SqliteProfileStore``)."""

    def feedback(self, user_key: str, movie_id: int, liked: bool) -> None: ...

    def feedback_of(self, user_key: str) -> dict[int, bool]: ...

    def mark_shown(self, user_key: str, movie_ids: list[int]) -> None: ...

    def shown(self, user_key: str) -> set[int]: ...

    def clear_shown(self, user_key: str) -> None: ...

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


class Conversation:
    def __init__(self, toolbox: Toolbox, parser: Parser, store: ChatStore) -> None:
        self.toolbox = toolbox
        self.parser = parser
        self.store = store

    # ------------------------------------------------------------------ entry points

    def handle_text(self, user_key: str, text: str) -> ChatReply:
        try:
            return self._text(user_key, text)
        except MovieBotError as error:  # a problem the person can act on: say it, keep going
            log.warning("user=%s: %s", _short(user_key), error)
            return ChatReply(message=f"Sorry, I can't do that: {error}", parser="error")

    def _text(self, user_key: str, text: str) -> ChatReply:
        stripped = text.strip()
        if stripped.startswith("/"):
            # Cleaned and capped like parser input: a command's argument is resolved as a title.
            return replace(self._command(user_key, clean_text(stripped)), parser="command")
        if stripped.lower() in ("more", "more please", "next", "show more"):
            return replace(self._more(user_key), parser="command")
        if _TYPED_NUMBER.fullmatch(stripped):
            answer = self._typed_answer(user_key, float(stripped))
            if answer is not None:
                return replace(answer, parser="command")
        query, source = self._parse(stripped)
        log.info("user=%s parser=%s intent=%s", _short(user_key), source, query.intent)
        return replace(self._ask(user_key, query), parser=source)

    def handle_button(self, user_key: str, data: str) -> ChatReply:
        try:
            return replace(self._button(user_key, data), parser="button")
        except MovieBotError as error:
            log.warning("user=%s: %s", _short(user_key), error)
            return ChatReply(message=f"Sorry, I can't do that: {error}", parser="error")

    def _button(self, user_key: str, data: str) -> ChatReply:
        valid = isinstance(data, str) and len(data.encode(errors="replace")) <= MAX_CALLBACK_BYTES
        match = _BUTTON.fullmatch(data) if valid else None
        if match is None:
            return ChatReply(message=EXPIRED)
        vote, vote_id, more, pick, pick_id, _rate, rate_id, stars = match.groups()
        if more:
            return self._more(user_key)
        movie_id = int(vote_id or pick_id or rate_id)
        if self.toolbox.catalog.index_of(movie_id) < 0:  # forged, or from another catalog
            return ChatReply(message=EXPIRED)
        if not pick:  # a film listed twice is one film: stored under the copy standing for it
            movie_id = self.toolbox.canonical_id(movie_id)
        if vote:
            liked = vote == "up"
            self.store.feedback(user_key, movie_id, liked)
            title = self._title(movie_id)
            return ChatReply(message=f"{'👍' if liked else '👎'} noted for {title}.")
        if pick:
            return self._pick(user_key, movie_id)
        rating = int(stars)
        self.store.rate(user_key, movie_id, float(rating))
        self._update_session(user_key, stars_for=None)  # the star question is answered
        return ChatReply(message=f"Noted: {self._title(movie_id)} — {rating}/5.")

    # ------------------------------------------------------------------ answering

    def _parse(self, text: str) -> tuple[Query, str]:
        with_source = getattr(self.parser, "parse_with_source", None)
        if with_source is not None:
            query, source = with_source(text)
            return query, str(source)
        return self.parser.parse(text), self.parser.name

    def _profile(self, user_key: str) -> Profile:
        """The stored profile with 👍/👎 folded in as stars where no explicit rating exists."""
        profile = self.store.get(user_key)
        implied = {
            m: FEEDBACK_STARS[liked] for m, liked in self.store.feedback_of(user_key).items()
        }
        if not implied:
            return profile
        return profile.model_copy(update={"ratings": {**implied, **profile.ratings}})

    def _ask(self, user_key: str, query: Query, *, more: bool = False) -> ChatReply:
        """Dispatch one query, skipping films already shown — except for a fresh request about
        a named film, which is answered from the top of its own ranking."""
        about_a_title = query.intent == "similar_to" and query.title is not None
        shown = self.store.shown(user_key) if more or not about_a_title else set()
        reply = dispatch(query, self._profile(user_key), self.toolbox, self.store, exclude=shown)
        return self._present(user_key, reply, more=more)

    def _present(self, user_key: str, reply: Reply, *, more: bool = False) -> ChatReply:
        if reply.route == "did_you_mean":
            ids = list(reply.candidate_ids)
            pending = {"query": reply.query.model_dump(mode="json"), "choices": ids}
            self._update_session(user_key, pending=pending, stars_for=None)
            choices = tuple(
                (Button(f"{title}", f"v1:pick:{m}"),)
                for title, m in zip(reply.candidates, ids, strict=True)
            )
            return ChatReply(reply=reply, buttons=choices)
        if reply.route == "rate" and reply.rating is None and reply.title:
            movie_id = self._movie_id(reply.title)
            self._update_session(user_key, pending=None, stars_for=movie_id)
            row = tuple(Button(f"{n}★", f"v1:rate:{movie_id}:{n}") for n in range(1, 6))
            return ChatReply(reply=reply, buttons=(row,))
        if not reply.results:
            if more:
                return ChatReply(message=_thats_all(reply.query))
            return ChatReply(reply=reply)
        ids = [r.movie_id for r in reply.results]
        self.store.mark_shown(user_key, ids)
        self._update_session(user_key, last=reply.query.model_dump(mode="json"), stars_for=None)
        rows: list[tuple[Button, ...]] = [
            (Button(f"👍 {n}", f"v1:up:{m}"), Button(f"👎 {n}", f"v1:dn:{m}"))
            for n, m in enumerate(ids, start=1)
        ]
        # A short page is the last one: no "More" to press, nothing left to promise.
        has_more = len(reply.results) >= reply.query.k
        if has_more:
            rows.append((Button("More", "v1:more"),))
        return ChatReply(reply=reply, buttons=tuple(rows), has_more=has_more)

    def _more(self, user_key: str) -> ChatReply:
        session = self.store.load_session(user_key) or {}
        if "last" not in session:
            return ChatReply(message="Ask me for something first, then I can show more.")
        return self._ask(user_key, Query.model_validate(session["last"]), more=True)

    def _pick(self, user_key: str, movie_id: int) -> ChatReply:
        """Answer the pending did-you-mean question with the chosen movie (once)."""
        session = self.store.load_session(user_key) or {}
        pending = session.get("pending")
        if not isinstance(pending, dict) or movie_id not in pending.get("choices", ()):
            return ChatReply(message="That choice has expired. Ask me again?")
        self._update_session(user_key, pending=None)
        query = Query.model_validate({**pending["query"], "title": self._title(movie_id)})
        return self._ask(user_key, query)

    def _typed_answer(self, user_key: str, number: float) -> ChatReply | None:
        """A typed number while a question is open — "which one?" or "how many stars?": the
        answer, or, out of range, the range and the same question again (never dropped,
        never stored).  None when no question is open: the number is ordinary text."""
        session = self.store.load_session(user_key) or {}
        pending, stars_for = session.get("pending"), session.get("stars_for")
        if isinstance(stars_for, int):
            if _is_half_star(number):
                self._update_session(user_key, stars_for=None)
                self.store.rate(user_key, stars_for, number)
                return ChatReply(message=f"Noted: {self._title(stars_for)} — {number:g}/5.")
            title = self._title(stars_for)
            ask = Reply(route="rate", query=_rate_query(title), title=title)
            return replace(self._present(user_key, ask), message="Please give 0.5-5 stars.")
        if not isinstance(pending, dict) or not pending.get("choices"):
            return None
        choices = [int(m) for m in pending["choices"]]
        if number.is_integer() and 1 <= number <= len(choices):
            return self._pick(user_key, choices[int(number) - 1])
        question = Reply(
            route="did_you_mean",
            query=Query.model_validate(pending["query"]),
            candidates=tuple(self._title(m) for m in choices),
            candidate_ids=tuple(choices),
        )
        again = self._present(user_key, question)
        return replace(again, message=f"Please pick 1-{len(choices)}.")

    def _update_session(self, user_key: str, **changes: Any) -> None:
        """Change some session keys, keeping the others (a did-you-mean keeps "more" working);
        a None value drops the key."""
        session = self.store.load_session(user_key) or {}
        session.update(changes)
        self.store.save_session(user_key, {k: v for k, v in session.items() if v is not None})

    # ------------------------------------------------------------------ commands

    def _command(self, user_key: str, text: str) -> ChatReply:
        name, _, rest = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()  # "/help@MovieBot" in group chats
        rest = rest.strip()
        if name == "start":
            self.store.clear_shown(user_key)
            return ChatReply(
                message=WELCOME, reply=Reply(route="help", query=_help_query()), parser="command"
            )
        if name == "help":
            return ChatReply(reply=Reply(route="help", query=_help_query()), parser="command")
        if name == "popular":
            genre = self._genre_or_none(rest)
            if rest and genre is None:
                return ChatReply(
                    message=f"I don't know the genre {rest!r}. Try: {', '.join(self.toolbox.genres)}."
                )
            return self._ask(user_key, Query(intent="popular", genre=genre, title=None))
        if name == "similar":
            if not rest:
                return ChatReply(message="Usage: /similar <title>, e.g. /similar the godfather")
            return self._ask(user_key, Query(intent="similar_to", genre=None, title=rest))
        if name == "rate":
            # "/rate fargo 4.5" stores 4.5 stars; "/rate fargo" asks for them with star buttons.
            typed = _RATE_ARGS.fullmatch(rest)
            title, stars = (typed.group(1), typed.group(2)) if typed else (rest, "")
            rating = float(stars) if stars else None
            if not title or (rating is not None and not _is_half_star(rating)):
                return ChatReply(message="Usage: /rate <title> <0.5-5>, e.g. /rate fargo 4.5")
            return self._ask(user_key, Query(intent="rate", genre=None, title=title, rating=rating))
        if name == "profile":
            return ChatReply(message=self._profile_text(user_key), parser="command")
        if name == "link":
            return self._link(user_key, rest)
        if name == "forget":
            self.store.forget(user_key)
            return ChatReply(
                message="Done: I forgot your ratings, feedback and history.", parser="command"
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
        if profile.dataset_user is not None:
            lines.append(f"Linked to dataset user {profile.dataset_user}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ helpers

    def _genre_or_none(self, text: str) -> str | None:
        return self.toolbox.catalog.genre_name(text) if text else None

    def _title(self, movie_id: int) -> str:
        index = self.toolbox.catalog.index_of(movie_id)
        return self.toolbox.catalog.titles[index] if index >= 0 else f"movie {movie_id}"

    def _movie_id(self, title: str) -> int:
        return self.toolbox.movie_id(title)


def _thats_all(query: Query) -> str:
    """The answer to "more" after the last page: what was asked for, and what to try next."""
    films = f"{query.genre} films" if query.genre else "films"
    if query.intent == "similar_to" and query.title:
        asked = f"films like {query.title}"
    elif query.intent == "popular":
        asked = f"popular {films}"
    else:
        asked = f"{films} picked for you"
    return f"That's all for {asked}. Try another genre, or ask for films like one you enjoyed."


def _is_half_star(stars: float) -> bool:
    return 0.5 <= stars <= 5 and (stars * 2).is_integer()


def _rate_query(title: str) -> Query:
    return Query(intent="rate", genre=None, title=title)


def _help_query() -> Query:
    return Query(intent="help", genre=None, title=None)


def _short(user_key: str) -> str:
    """Enough of a user key to follow a conversation in the log."""
    return user_key[:24]
