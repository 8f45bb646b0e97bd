"""``moviebot telegram``: the conversation as a Telegram bot (python-telegram-bot, long polling).

The handlers are thin: read the text or button data, run the synchronous core
(``Conversation``) in a worker thread, send its reply as escaped HTML with an inline keyboard.
Everything the bot must survive lives here rather than in the core:

* outgoing rate limits and 429 ``RetryAfter`` (``AIORateLimiter``), network errors on sends
  retried a few times, polling errors retried by python-telegram-bot itself;
* a per-user flood limit (one polite "slow down", then silence until the window frees);
* an optional allow-list (others get one polite refusal, then nothing);
* one error handler that logs a traceback with the token cut out, and library loggers kept
  at INFO or above, because python-telegram-bot logs the token-bearing API URL at DEBUG;
* SIGTERM/SIGINT stop polling cleanly and ``post_shutdown`` closes the profile database.

Button presses: 👍/👎 and other one-line answers ("noted", "expired") come back as a short
toast (``answerCallbackQuery`` text); "More", did-you-mean picks and star ratings that produce a
list or a question are sent as a NEW message, so earlier lists keep their buttons.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import time
import traceback
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import build_conversation, configure_logging
from bot.commands import settings_from
from bot.conversation import Button, ChatReply, Conversation
from bot.parsing import MAX_INPUT_CHARS
from bot.render import render_chat_html
from bot.settings import Settings
from bot.store import SqliteProfileStore
from recommender.cli import add_location_options
from recommender.errors import ConfigError

__all__ = [
    "ALLOWED_UPDATES",
    "COMMANDS",
    "BotState",
    "FloodGate",
    "add_telegram_command",
    "build_application",
    "cmd_telegram",
    "quiet_library_loggers",
    "token_of",
]

log = logging.getLogger("moviebot.telegram")

#: The slash commands the core understands, with the menu text Telegram shows for them.
COMMANDS: dict[str, str] = {
    "start": "say hello",
    "help": "what I can do",
    "popular": "popular films [genre]",
    "similar": "films like <title>",
    "rate": "rate <title> <1-5>",
    "profile": "your ratings and feedback",
    "link": "see recommendations as dataset user <id>",
    "forget": "delete everything I know about you",
}
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
STATE_KEY = "moviebot"

REFUSAL = "Sorry, this MovieBot is private."
SLOW_DOWN = "Slow down a little, please: I'll answer again in a few seconds."
TRUNCATED = f"(I only read the first {MAX_INPUT_CHARS:,} characters.)"
APOLOGY = "Sorry, something went wrong on my side. Please try again."
#: answerCallbackQuery refuses longer toast texts.
TOAST_LIMIT = 200
#: Telegram shows "typing…" for about five seconds; renew it a little sooner.
TYPING_EVERY_S = 4.0
#: Attempts for a send that failed with a network error (429s are the rate limiter's job).
SEND_ATTEMPTS = 3
SEND_BACKOFF_S = 0.5
#: 429 retries inside AIORateLimiter before the error reaches the error handler.
RATE_LIMIT_RETRIES = 3

T = TypeVar("T")


# ---------------------------------------------------------------------------- state


class FloodGate:
    """At most ``limit`` updates per ``window_s`` seconds per user (a sliding window).

    ``check`` says "ok", "warn" (the first update over the limit: reply once, politely) or
    "drop" (further updates inside the same burst: ignored)."""

    def __init__(
        self, limit: int = 8, window_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ConfigError("flood limit needs limit >= 1 and a positive window")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, user_id: int) -> str:
        now = self._clock()
        times = self._seen.setdefault(user_id, deque())
        while times and now - times[0] >= self.window_s:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            self._warned.discard(user_id)
            return "ok"
        if user_id in self._warned:
            return "drop"
        self._warned.add(user_id)
        return "warn"


@dataclass
class BotState:
    """Everything the handlers share, kept in ``application.bot_data`` (no module globals)."""

    conversation: Conversation
    store: SqliteProfileStore
    allowed_users: frozenset[int] = frozenset()
    flood: FloodGate = field(default_factory=FloodGate)
    refused: set[int] = field(default_factory=set)


def _state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    state: BotState = context.bot_data[STATE_KEY]
    return state


def _user_key(user_id: int) -> str:
    return f"telegram:{user_id}"


# ---------------------------------------------------------------------------- sending


def _keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


async def _retrying(call: Callable[[], Awaitable[T]]) -> T:
    """``call()``, again after a network error (not after a refusal such as BadRequest, which
    python-telegram-bot also files under NetworkError).  A send that timed out may have arrived,
    so a rare duplicate is the price of not losing replies."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await call()
        except BadRequest:
            raise
        except NetworkError as error:
            if attempt == SEND_ATTEMPTS:
                raise
            log.warning("network error on send (attempt %d): %s", attempt, type(error).__name__)
            await asyncio.sleep(SEND_BACKOFF_S * attempt)
    raise AssertionError("unreachable")


async def _send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, chat: ChatReply) -> None:
    text = render_chat_html(chat) or "…"
    markup = _keyboard(chat.buttons)
    await _retrying(
        lambda: context.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    )


async def _say(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    await _retrying(lambda: context.bot.send_message(chat_id, text))


@contextlib.asynccontextmanager
async def _typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" until the block ends; a failed chat action never fails the reply."""

    async def typing() -> None:
        try:
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as error:
            log.debug("chat action failed: %s", type(error).__name__)

    async def keep_typing() -> None:
        while True:
            await asyncio.sleep(TYPING_EVERY_S)
            await typing()

    await typing()  # awaited, so it is not cancelled mid-request when the work is quick
    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def _no_typing() -> AsyncIterator[None]:
    """For 👍/👎 and other instant answers: no chat action, one API call fewer."""
    yield


# ---------------------------------------------------------------------------- handlers


async def gatekeeper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler (group -1): allow-list, then flood limit."""
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        raise ApplicationHandlerStop
    state = _state(context)
    query = update.callback_query
    if state.allowed_users and user.id not in state.allowed_users:
        if query is not None:
            await query.answer()
        elif user.id not in state.refused and chat is not None:
            state.refused.add(user.id)
            log.info("refused user=%s (not in TELEGRAM_ALLOWED_USERS)", user.id)
            await _say(context, chat.id, REFUSAL)
        raise ApplicationHandlerStop
    verdict = state.flood.check(user.id)
    if verdict == "ok":
        return
    if query is not None:
        await query.answer(SLOW_DOWN if verdict == "warn" else None)
    elif verdict == "warn" and chat is not None:
        log.info("flood limit hit by user=%s", user.id)
        await _say(context, chat.id, SLOW_DOWN)
    raise ApplicationHandlerStop


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Commands and free text alike: the core tells them apart."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.text:
        return
    text = message.text
    conversation = _state(context).conversation
    async with _typing(context, message.chat_id):
        chat = await asyncio.to_thread(conversation.handle_text, _user_key(user.id), text)
    if len(text) > MAX_INPUT_CHARS:  # the parser has cut it; say so
        chat = replace(chat, message="\n".join(p for p in (TRUNCATED, chat.message) if p))
    await _send(context, message.chat_id, chat)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, chat_obj = update.callback_query, update.effective_chat
    if query is None:
        return
    data = query.data or ""
    conversation = _state(context).conversation
    searching = chat_obj is not None and data.startswith(("v1:more", "v1:pick"))
    async with _typing(context, chat_obj.id) if searching and chat_obj else _no_typing():
        chat = await asyncio.to_thread(
            conversation.handle_button, _user_key(query.from_user.id), data
        )
    if _is_toast(chat) or chat_obj is None:
        await _answer(query, chat.message)
        return
    await _answer(query, None)
    await _send(context, chat_obj.id, chat)


def _is_toast(chat: ChatReply) -> bool:
    """A one-line note with nothing to click ("👍 noted", "expired") fits in a toast."""
    return chat.reply is None and not chat.buttons and bool(chat.message)


async def _answer(query: CallbackQuery, text: str | None) -> None:
    if text is not None and len(text) > TOAST_LIMIT:
        text = text[: TOAST_LIMIT - 1] + "…"
    await _retrying(lambda: query.answer(text))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error handler: a traceback with the token cut out, and an apology if we can."""
    error = context.error
    token = context.bot.token
    detail = "".join(traceback.format_exception(error)) if error else "unknown error"
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, detail.replace(token, "<token>"))
    if not isinstance(update, Update):
        return
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            await update.callback_query.answer(APOLOGY)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, APOLOGY)


# ---------------------------------------------------------------------------- application


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Publish the command menu; a failure here is cosmetic, never fatal."""
    commands = [BotCommand(name, text) for name, text in COMMANDS.items()]
    try:
        await application.bot.set_my_commands(commands)
    except TelegramError as error:
        log.warning("could not set the command menu: %s", type(error).__name__)


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    state: BotState | None = application.bot_data.get(STATE_KEY)
    if state is not None:
        state.store.close()
        log.info("profile database closed")


def token_of(settings: Settings) -> str:
    """The bot token, or one clear line saying how to provide it."""
    secret = settings.telegram_bot_token
    token = secret.get_secret_value().strip() if secret is not None else ""
    if not token:
        raise ConfigError(
            "no Telegram bot token: set TELEGRAM_BOT_TOKEN in the environment or in .env "
            "(get one from @BotFather)"
        )
    return token


def _api_urls(base: str) -> tuple[str, str]:
    """Bot API and file URLs for a self-hosted server given as e.g. ``http://127.0.0.1:8081``
    (a trailing ``/bot`` is accepted too)."""
    root = base.rstrip("/")
    root = root.removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


def build_application(
    settings: Settings,
    conversation: Conversation,
    store: SqliteProfileStore,
    *,
    flood: FloodGate | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A ready Application: handlers registered, shared state in ``bot_data``."""
    builder = (
        ApplicationBuilder()
        .token(token_of(settings))
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_api_base_url:
        api, files = _api_urls(settings.telegram_api_base_url)
        builder = builder.base_url(api).base_file_url(files)
    application = builder.build()
    application.bot_data[STATE_KEY] = BotState(
        conversation=conversation,
        store=store,
        allowed_users=settings.telegram_allowed_users,
        flood=flood or FloodGate(),
    )
    fresh = filters.UpdateType.MESSAGE  # edited messages are not answered again
    application.add_handler(TypeHandler(Update, gatekeeper), group=-1)
    application.add_handler(CommandHandler(list(COMMANDS), on_text, filters=fresh))
    application.add_handler(MessageHandler(filters.TEXT & fresh, on_text))  # text, /unknown
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_error_handler(on_error)
    return application


#: The lowest level each library logger may use.  At DEBUG python-telegram-bot logs the Bot API
#: URL (which contains the token) and every request's parameters (people's messages); httpx
#: logs every request URL at INFO.
LIBRARY_LOG_FLOORS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
}


def quiet_library_loggers() -> None:
    """Pin the library loggers at their floor (or the root level, if higher), so lowering the
    root level later, even to DEBUG, never lets the token through."""
    root = logging.getLogger().level
    for name, floor in LIBRARY_LOG_FLOORS.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(floor, root, logger.level))


# ---------------------------------------------------------------------------- command


def cmd_telegram(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    token_of(settings)  # fail in one line before loading data and models
    configure_logging(settings.log_level)
    quiet_library_loggers()
    conversation, store = build_conversation(settings)
    try:
        application = build_application(settings, conversation, store)
    except BaseException:
        store.close()
        raise
    log.info("polling Telegram for updates (Ctrl-C or SIGTERM to stop)")
    # run_polling stops on SIGINT/SIGTERM/SIGABRT; post_shutdown then closes the database.
    application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


def add_telegram_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "telegram", help="run the Telegram bot (long polling; token in TELEGRAM_BOT_TOKEN)"
    )
    add_location_options(p)
    p.add_argument(
        "--db", type=Path, help="profile database (default ~/.cache/moviebot/profiles.sqlite3)"
    )
    p.add_argument(
        "--parser", choices=("auto", "regex", "llm"), help="default: $MOVIEBOT_PARSER or auto"
    )
    p.set_defaults(handler=cmd_telegram)
