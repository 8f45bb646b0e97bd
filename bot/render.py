"""Replies as text: plain for the console and CLI.  (Results stay data until here.)"""

from __future__ import annotations

from tools.results import MovieResult, Reply

__all__ = ["HELP_TEXT", "render_results", "render_text"]

HELP_TEXT = """I recommend movies. Try:
  • "suggest three comedies"          personal picks (rate a few films first)
  • "movies like the godfather"       similar films
  • "top rated westerns"              what everyone loves
  • "I loved Fargo" / "rate heat 4/5" tell me your taste"""


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
        return f'Which one do you mean by "{reply.query.title}"?\n{options}'
    if reply.route == "not_found":
        return f'I could not find a movie called "{reply.query.title}".'
    if reply.route == "rate":
        if reply.rating is None:
            return f"How many stars (1-5) would you give {reply.title}?"
        return f"Noted: {reply.title} — {reply.rating}/5."
    if not reply.results:
        return "Nothing matches that, sorry."
    heading = {
        "similar": f"Movies like {reply.title}:",
        "personal": "Picked for you:",
        "popular": "Popular picks:",
    }.get(reply.route, "")
    text = f"{heading}\n{render_results(reply.results)}"
    return f"{text}\n{reply.note}" if reply.note else text
