"""Replies as text: plain for the console and CLI, HTML for Telegram.  Results stay data
until here."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from recommender.catalog import Movie
from tools.results import MovieResult, Reply

if TYPE_CHECKING:
    from bot.conversation import ChatReply

__all__ = [
    "HELP_TEXT",
    "TELEGRAM_LIMIT",
    "film_card",
    "film_links",
    "render_chat_html",
    "render_chat_plain",
    "render_results",
    "render_text",
]

HELP_TEXT = """I recommend movies. Try:
  • "suggest three comedies"          personal picks (rate a few films first)
  • "90s thrillers, no horror"        genres, years, "recent", what to leave out
  • "movies like the godfather"       similar films
  • "top rated westerns"              what everyone loves
  • "I loved Fargo" / "rate heat 4/5" tell me your taste
After a list: "more", "only ones from the 80s", "something older", "tell me about the
second one", "I've seen the first one", "not for me, number 3", "I'll check out the
last one" (your /watchlist)."""

#: What the datasets cannot tell, said plainly on every film card.
NO_PLOT = "I don't have plot summaries or cast lists, only what the catalog holds."


def film_links(movie: Movie) -> list[str]:
    """IMDb and TMDB pages of the film, where the data has their ids."""
    links = []
    if movie.imdb_id:
        links.append(f"https://www.imdb.com/title/{movie.imdb_id}/")
    if movie.tmdb_id is not None:
        links.append(f"https://www.themoviedb.org/movie/{movie.tmdb_id}")
    return links


def film_card(movie: Movie, *, max_tags: int = 8) -> str:
    """One film as plain text: title and year, genres, average rating and count, tags where
    the dataset has them, links, and an honest word about what is not known."""
    lines = [movie.title]
    if movie.genres:
        lines.append(f"Genres: {', '.join(movie.genres)}")
    if movie.rating_mean is not None and movie.rating_count:
        s = "s" if movie.rating_count != 1 else ""
        lines.append(
            f"Rated {movie.rating_mean:.1f}/5 on average from {movie.rating_count} rating{s}"
        )
    else:
        lines.append("No ratings yet")
    if movie.tags:
        lines.append(f"Tags: {', '.join(movie.tags[:max_tags])}")
    lines.extend(film_links(movie))
    lines.append(NO_PLOT)
    return "\n".join(lines)


def render_results(results: tuple[MovieResult, ...] | list[MovieResult]) -> str:
    lines = []
    for rank, r in enumerate(results, start=1):
        stars = f"  ~{r.predicted_rating:.1f}★" if r.predicted_rating is not None else ""
        genres = f"  [{', '.join(r.genres)}]" if r.genres else ""
        lines.append(f"{rank:2d}. {r.title}{genres}{stars}  — {r.reason}")
    return "\n".join(lines)


def render_text(reply: Reply) -> str:
    """The whole reply as plain text."""
    if reply.route == "help":
        return HELP_TEXT
    if reply.route == "did_you_mean":
        options = "\n".join(f"  • {title}" for title in reply.candidates)
        if reply.query.title is None:  # which film of the list just shown (asked above)
            return options
        return f'Which one do you mean by "{reply.query.title}"?\n{options}'
    if reply.route == "not_found":
        return f'I could not find a movie called "{reply.query.title}".'
    if reply.route == "rate":
        if reply.rating is None:
            return f"How many stars (1-5) would you give {reply.title}?"
        return f"Noted: {reply.title} — {reply.rating:g}/5."
    if not reply.results:
        return "Nothing matches that, sorry."
    heading = {
        "similar": f"Movies like {reply.title}:",
        "personal": "Picked for you:",
        "popular": "Popular picks:",
    }.get(reply.route, "")
    text = f"{heading}\n{render_results(reply.results)}"
    return f"{text}\n{reply.note}" if reply.note else text


# ---------------------------------------------------------------------------- chat replies

#: Telegram refuses messages longer than this.
TELEGRAM_LIMIT = 4096


def render_chat_plain(chat: ChatReply) -> str:
    """A chat reply for the console: the message, the answer, and how to go on.

    A terminal has no buttons, so did-you-mean choices are numbered and the console takes the
    typed number (or the stars, after "How many stars") as the button press."""
    reply = chat.reply
    if reply is not None and reply.route == "did_you_mean" and chat.buttons:
        options = "\n".join(f"  {n}. {title}" for n, title in enumerate(reply.candidates, 1))
        about = f' by "{reply.query.title}"' if reply.query.title is not None else ""
        answer: str | None = f"Which one do you mean{about}? (type the number)\n{options}"
    else:
        answer = render_text(reply) if reply is not None else None
    parts = [p for p in (chat.message, answer) if p]
    if reply is not None and reply.results and chat.has_more:
        parts.append("(say 'more' for more)")
    return "\n".join(parts)


def render_chat_html(chat: ChatReply) -> str:
    """A chat reply as Telegram HTML: every title and user-typed text escaped, within 4,096
    characters (whole lines are dropped from the end, never cut mid-tag)."""
    parts = []
    if chat.message:
        parts.append(html.escape(chat.message))
    if chat.reply is not None:
        parts.append(_reply_html(chat.reply))
    return _fit("\n".join(p for p in parts if p), TELEGRAM_LIMIT)


def _reply_html(reply: Reply) -> str:
    if reply.route != "help" and reply.results:
        heading = {
            "similar": f"Movies like <b>{html.escape(reply.title or '')}</b>:",
            "personal": "<b>Picked for you:</b>",
            "popular": "<b>Popular picks:</b>",
        }.get(reply.route, "")
        lines = [heading]
        for rank, r in enumerate(reply.results, start=1):
            stars = f" · ~{r.predicted_rating:.1f}★" if r.predicted_rating is not None else ""
            lines.append(
                f"{rank}. <b>{html.escape(r.title)}</b> <i>{html.escape(', '.join(r.genres))}</i>"
                f"{stars}\n    {html.escape(r.reason)}"
            )
        if reply.note:
            lines.append(html.escape(reply.note))
        return "\n".join(lines)
    return html.escape(render_text(reply))


def _fit(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    while lines and len("\n".join(lines)) > limit - 2:
        lines.pop()
    return "\n".join(lines) + "\n…"
