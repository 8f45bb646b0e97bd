"""``moviebot chat``: the conversation in a terminal.

With a terminal it is a friendly prompt; with piped input it answers each line in order and
exits at the end of input, so it can be scripted and tested.

A terminal has no buttons: after a did-you-mean question (numbered choices) or a star question,
a line that is just a number presses the matching button; after a list, "seen 2", "info 1",
"watchlist 3", "no 4" press that film's buttons (the conversation reads these words).

``--json`` (``as_json``): one JSON object per reply on stdout (JSON Lines, no prompt or
banner) — ``text``, ``route``, ``parser``, ``results`` and ``buttons`` — for scripts and tests.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from bot.conversation import ChatReply, Conversation
from bot.parsing.base import MAX_INPUT_CHARS
from bot.render import HELP_TEXT, render_chat_plain

__all__ = ["reply_json", "run_console", "typed_choices"]

BANNER = "MovieBot — ask for films in plain words. /help for ideas, Ctrl-D or Ctrl-C to leave.\n"


def run_console(
    conversation: Conversation,
    user_key: str,
    stdin: TextIO,
    stdout: TextIO,
    *,
    interactive: bool,
    as_json: bool = False,
) -> int:
    """Chat until end of input (Ctrl-D) or Ctrl-C; returns the exit status.

    In a terminal Ctrl-C is a way to leave: a goodbye and status 0.  With piped input it
    means the script was stopped before its end: no goodbye, status 130 (as for SIGINT).
    What was said before is already stored (each store write commits before its reply).
    """
    try:
        return _chat(
            conversation,
            user_key,
            stdin,
            stdout,
            interactive=interactive and not as_json,
            as_json=as_json,
        )
    except KeyboardInterrupt:
        if not interactive:
            return 130
        stdout.write("\nbye!\n")
        stdout.flush()
        return 0


def _chat(
    conversation: Conversation,
    user_key: str,
    stdin: TextIO,
    stdout: TextIO,
    *,
    interactive: bool,
    as_json: bool,
) -> int:
    if interactive:
        stdout.write(BANNER + HELP_TEXT + "\n\n")
    choices: dict[str, str] = {}
    while True:
        if interactive:
            stdout.write("you> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            if interactive:
                stdout.write("\nbye!\n")
            return 0
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        pressed = choices.get(text.strip())
        if pressed is not None:
            chat = conversation.handle_button(user_key, pressed)
        else:
            chat = conversation.handle_text(user_key, text)
        choices = typed_choices(chat)
        answer = render_chat_plain(chat)
        if len(text) > MAX_INPUT_CHARS:
            answer = f"(I only read the first {MAX_INPUT_CHARS:,} characters.)\n{answer}"
        if as_json:
            stdout.write(json.dumps(reply_json(chat, answer), ensure_ascii=False) + "\n")
        else:
            stdout.write(("bot> " if interactive else "") + answer + "\n\n")
        stdout.flush()


def reply_json(chat: ChatReply, text: str) -> dict[str, Any]:
    """One reply as data: its text, what answered it, the films listed and the buttons."""
    results = chat.reply.results if chat.reply is not None else ()
    return {
        "text": text,
        "route": chat.route,
        "parser": chat.parser,
        "results": [r.model_dump(mode="json") for r in results],
        "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in chat.buttons],
    }


def typed_choices(chat: ChatReply) -> dict[str, str]:
    """What a typed number means after this reply: "2" -> the second did-you-mean choice, or
    "4" -> four stars.  Empty after any other reply, so numbers are ordinary text again."""
    reply = chat.reply
    if reply is None or not chat.buttons:
        return {}
    if reply.route == "did_you_mean":
        return {str(n): row[0].data for n, row in enumerate(chat.buttons, start=1)}
    if reply.route == "rate" and reply.rating is None:
        return {str(n): button.data for n, button in enumerate(chat.buttons[0], start=1)}
    return {}
