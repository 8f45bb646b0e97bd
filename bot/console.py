"""``moviebot chat``: the conversation in a terminal.

With a terminal it is a friendly prompt; with piped input it answers each line in order and
exits at the end of input, so it can be scripted and tested.
"""

from __future__ import annotations

from typing import TextIO

from bot.conversation import Conversation
from bot.render import HELP_TEXT, render_chat_plain

__all__ = ["run_console"]

BANNER = "MovieBot — ask for films in plain words. /help for ideas, Ctrl-D to leave.\n"


def run_console(
    conversation: Conversation, user_key: str, stdin: TextIO, stdout: TextIO, *, interactive: bool
) -> int:
    if interactive:
        stdout.write(BANNER + HELP_TEXT + "\n\n")
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
        answer = render_chat_plain(conversation.handle_text(user_key, text))
        stdout.write(("bot> " if interactive else "") + answer + "\n\n")
        stdout.flush()
