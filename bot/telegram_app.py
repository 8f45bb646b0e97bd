"""``moviebot telegram``: the conversation as a Telegram bot (python-telegram-bot, long polling).

The handlers are thin: read the text or button data, run the synchronous core
(``Conversation``) in a worker thread, send its reply as escaped HTML with an inline keyboard.
What the bot must survive lives in the Telegram layer rather than in the core:

* Bot API failures (429, 5xx, timeouts, an unreachable or hanging API, a rejected token):
  ``bot.telegram_net`` retries, logs one line per failure and starts and stops cleanly;
* a per-user flood limit on costly work only (``bot.ratelimit``): searches and messages the LLM
  may read take a token from the person's bucket; votes, ratings, /forget, /profile, /start,
  /help are never throttled, and a refusal says how many seconds to wait;
* an optional allow-list (others get one polite refusal, then nothing);
* stickers, photos and voice get "I only read text"; error messages lose local file paths
  before they reach the chat (the log keeps them);
* library loggers kept at INFO or above, because python-telegram-bot logs the token-bearing
  API URL at DEBUG.

Button presses: 👍/👎 and other one-line answers ("noted", "expired") come back as a short
toast (``answerCallbackQuery`` text); "More", did-you-mean picks and star ratings that produce a
list or a question are sent as a NEW message, so earlier lists keep their buttons.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
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
from telegram.error import TelegramError
from telegram.ext import (
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
from bot.parsing import MAX_INPUT_CHARS, RegexParser
from bot.ratelimit import UserBuckets, is_costly_button, is_costly_text, wait_text
from bot.render import render_chat_html
from bot.settings import Settings
from bot.store import SqliteProfileStore
from bot.telegram_net import (
    PerUserUpdates,
    RetryingRequests,
    TelegramTuning,
    TelegramUnavailable,
    hide_secret,
    one_line,
    serve,
)
from recommender.cli import add_location_options, write_error
from recommender.errors import ConfigError

__all__ = [
    "ALLOWED_UPDATES",
    "COMMANDS",
    "NOT_TEXT",
    "BotState",
    "TelegramTuning",
    "add_telegram_command",
    "build_application",
    "cmd_telegram",
    "quiet_library_loggers",
    "run",
    "scrub_paths",
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
TRUNCATED = f"(I only read the first {MAX_INPUT_CHARS:,} characters.)"
APOLOGY = "Sorry, something went wrong on my side. Please try again."
NOT_TEXT = 'I only read text messages: ask me in words, e.g. "three funny movies".'
#: answerCallbackQuery refuses longer toast texts.
TOAST_LIMIT = 200
#: Telegram shows "typing…" for about five seconds; renew it a little sooner.
TYPING_EVERY_S = 4.0

T = TypeVar("T")

# A local path in an error message: absolute, home-relative, or relative with a folder and a
# file name ("data/u.item:12").  Film titles such as "Face/Off" have no leading slash and no
# file extension, so they stay.
_PATH = re.compile(
    r"(?:(?<![\w/.~])(?:~|\.{1,2})?/[^\s/:'\"]+(?:/[^\s/:'\"]+)+"
    r"|(?<![\w/])[A-Za-z]:\\[^\s:'\"]+"
    r"|(?<![\w/])[\w.-]+(?:/[\w.-]+)+\.\w{1,8}\b)"
    r"(?::\d+)?"
)


def scrub_paths(text: str) -> str:
    """``text`` with local file paths (and their ``:line``) replaced by "a local file":
    people in the chat need the problem, not the server's folder layout."""
    return _PATH.sub("a local file", text)


# ---------------------------------------------------------------------------- state


@dataclass
class BotState:
    """Everything the handlers share, kept in ``application.bot_data`` (no module globals)."""

    conversation: Conversation
    store: SqliteProfileStore
    allowed_users: frozenset[int] = frozenset()
    buckets: UserBuckets = field(default_factory=UserBuckets)
    refused: set[int] = field(default_factory=set)
    #: The offline parser, to tell a rating (free) from a request (costly) before answering.
    classifier: RegexParser | None = None
    #: Threads for the synchronous core, one per concurrent update.
    executor: ThreadPoolExecutor = field(default_factory=ThreadPoolExecutor)
    tuning: TelegramTuning = field(default_factory=TelegramTuning)

    async def in_thread(self, call: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(call, *args))


def _state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    state: BotState = context.bot_data[STATE_KEY]
    return state


def _user_key(user_id: int) -> str:
    return f"telegram:{user_id}"


# ---------------------------------------------------------------------------- sending
# Retries of failed Bot API calls happen below these helpers (RetryingRequests).


def _keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


def _for_chat(chat: ChatReply) -> ChatReply:
    """An error reply without local paths."""
    if chat.parser == "error" and chat.message:
        return replace(chat, message=scrub_paths(chat.message))
    return chat


async def _send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, chat: ChatReply) -> None:
    chat = _for_chat(chat)
    text = render_chat_html(chat) or "…"
    markup = _keyboard(chat.buttons)
    await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _say(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    await context.bot.send_message(chat_id, text)


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


async def _is_costly(update: Update, state: BotState) -> bool:
    query, message = update.callback_query, update.effective_message
    if query is not None:
        return is_costly_button(query.data or "")
    text = message.text if message is not None else None
    if not text:
        return False  # stickers and photos only get "I read text"
    classifier = state.classifier
    if classifier is None:
        return True
    return await state.in_thread(is_costly_text, text, classifier.parse)


async def gatekeeper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler (group -1): allow-list, then the flood limit on costly work."""
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        raise ApplicationHandlerStop
    state = _state(context)
    query = update.callback_query
    if state.allowed_users and user.id not in state.allowed_users:
        if query is not None:
            await query.answer(REFUSAL)
        elif user.id not in state.refused and chat is not None:
            state.refused.add(user.id)
            log.info("refused user=%s (not in TELEGRAM_ALLOWED_USERS)", user.id)
            await _say(context, chat.id, REFUSAL)
        raise ApplicationHandlerStop
    if not await _is_costly(update, state):
        return
    wait = state.buckets.take(user.id)
    if wait <= 0:
        return
    log.info("flood limit: user=%s waits %.1f s", user.id, wait)
    if query is not None:
        await _answer(query, wait_text(wait))
    elif chat is not None:
        await _say(context, chat.id, wait_text(wait))
    raise ApplicationHandlerStop


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Commands and free text alike: the core tells them apart."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.text:
        return
    text = message.text
    state = _state(context)
    async with _typing(context, message.chat_id):
        chat = await state.in_thread(state.conversation.handle_text, _user_key(user.id), text)
    if len(text) > MAX_INPUT_CHARS:  # the parser has cut it; say so
        chat = replace(chat, message="\n".join(p for p in (TRUNCATED, chat.message) if p))
    await _send(context, message.chat_id, chat)


async def on_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files: say what the bot can read."""
    chat = update.effective_chat
    if chat is not None:
        await _say(context, chat.id, NOT_TEXT)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, chat_obj = update.callback_query, update.effective_chat
    if query is None:
        return
    data = query.data or ""
    state = _state(context)
    searching = chat_obj is not None and data.startswith(("v1:more", "v1:pick"))
    async with _typing(context, chat_obj.id) if searching and chat_obj else _no_typing():
        chat = await state.in_thread(
            state.conversation.handle_button, _user_key(query.from_user.id), data
        )
    chat = _for_chat(chat)
    if _is_toast(chat) or chat_obj is None:
        await _answer(query, chat.message)
        return
    await _answer(query, None)
    await _send(context, chat_obj.id, chat)


def _is_toast(chat: ChatReply) -> bool:
    """A one-line note with nothing to click ("👍 noted", "expired") fits in a toast; a film
    card (several lines) is a message."""
    return (
        chat.reply is None
        and not chat.buttons
        and bool(chat.message)
        and "\n" not in (chat.message or "")
    )


async def _answer(query: CallbackQuery, text: str | None) -> None:
    if text is not None and len(text) > TOAST_LIMIT:
        text = text[: TOAST_LIMIT - 1] + "…"
    await query.answer(text)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error handler: one line (the traceback at DEBUG), and an apology if we can."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, one_line(error) if error else "unknown error")
    if error is not None:
        log.debug("update %s failure detail", update_id, exc_info=error)
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
        state.executor.shutdown(wait=True)
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
    tuning: TelegramTuning | None = None,
    buckets: UserBuckets | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A ready Application: handlers registered, shared state in ``bot_data``, and the
    library loggers that could print the token pinned above DEBUG."""
    tuning = tuning or TelegramTuning()
    quiet_library_loggers()
    builder = (
        ApplicationBuilder()
        .token(token_of(settings))
        .rate_limiter(RetryingRequests(tuning, asyncio.sleep))
        .concurrent_updates(PerUserUpdates(tuning.concurrent_updates))
        .connect_timeout(tuning.connect_timeout_s)
        .read_timeout(tuning.read_timeout_s)
        .write_timeout(tuning.read_timeout_s)
        .get_updates_connect_timeout(tuning.connect_timeout_s)
        .get_updates_read_timeout(tuning.read_timeout_s)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_api_base_url:
        api, files = _api_urls(settings.telegram_api_base_url)
        builder = builder.base_url(api).base_file_url(files)
    application = builder.build()
    toolbox = conversation.toolbox
    application.bot_data[STATE_KEY] = BotState(
        conversation=conversation,
        store=store,
        allowed_users=settings.telegram_allowed_users,
        buckets=buckets or UserBuckets(tuning.burst, tuning.refill_s),
        classifier=RegexParser(toolbox.titles, toolbox.genres),
        executor=ThreadPoolExecutor(tuning.concurrent_updates, thread_name_prefix="moviebot"),
        tuning=tuning,
    )
    fresh = filters.UpdateType.MESSAGE  # edited messages are not answered again
    application.add_handler(TypeHandler(Update, gatekeeper), group=-1)
    application.add_handler(CommandHandler(list(COMMANDS), on_text, filters=fresh))
    application.add_handler(MessageHandler(filters.TEXT & fresh, on_text))  # text, /unknown
    application.add_handler(MessageHandler(fresh & ~filters.TEXT, on_not_text))
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


def run(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Serve until SIGTERM/SIGINT (with the tuning it was built with): 0 after a clean stop,
    1 (and one line) when the Bot API stayed unreachable at start.  A rejected token raises
    ConfigError (exit 2 in the CLI)."""
    state: BotState = application.bot_data[STATE_KEY]
    try:
        asyncio.run(serve(application, state.tuning, ALLOWED_UPDATES))
    except TelegramUnavailable as error:
        write_error(str(error))
        return 1
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    token = token_of(settings)  # fail in one line before loading data and models
    configure_logging(settings.log_level)
    quiet_library_loggers()
    hide_secret(token)
    conversation, store = build_conversation(settings)
    try:
        application = build_application(settings, conversation, store)
    except BaseException:
        store.close()
        raise
    return run(application)


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
