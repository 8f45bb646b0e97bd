"""What keeps the Telegram bot up when the Bot API misbehaves, apart from the chat handlers.

* ``RetryingRequests``: every Bot API call (but getUpdates, which python-telegram-bot's polling
  loop retries itself) is retried after a 429 (waiting ``retry_after``), a 5xx, a timeout or a
  dropped connection, with exponential backoff, within a total time budget per call.  Each
  failure is one WARNING line; the traceback only at DEBUG.
* ``PerUserUpdates``: updates are handled concurrently, but each person's own updates one at a
  time and in order, so a slow answer for one person never holds up the others.
* ``serve``: start with bounded retries (getMe), poll, and stop cleanly on SIGTERM/SIGINT: the
  updates already fetched are answered before the database closes.
* ``hide_secret``: a logging filter that cuts the token out of every log line, whatever logs it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, BaseRateLimiter, BaseUpdateProcessor

from recommender.errors import ConfigError, MovieBotError

__all__ = [
    "PerUserUpdates",
    "RetryingRequests",
    "TelegramTuning",
    "TelegramUnavailable",
    "hide_secret",
    "one_line",
    "serve",
]

log = logging.getLogger("moviebot.telegram")

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class TelegramTuning(BaseModel):
    """The Telegram front-end's limits and timings (defaults for production; tests shrink the
    waits)."""

    model_config = ConfigDict(frozen=True)

    #: Costly requests (searches, LLM reads) a person may make in a row ...
    burst: int = Field(8, ge=1)
    #: ... and one more every this many seconds after that.
    refill_s: float = Field(4.0, gt=0)
    #: Updates handled at the same time (each person's own still one at a time, in order).
    concurrent_updates: int = Field(16, ge=1)
    #: Total seconds one Bot API call may take, its attempts and the waits between them.
    retry_budget_s: float = Field(60.0, ge=0)
    #: First backoff after a 5xx / network error; doubles per attempt up to ``backoff_max_s``.
    backoff_s: float = Field(0.5, gt=0)
    backoff_max_s: float = Field(8.0, gt=0)
    #: Start-up: getMe attempts before giving up, and the first wait between them (doubling).
    connect_attempts: int = Field(5, ge=1)
    connect_backoff_s: float = Field(1.0, gt=0)
    #: HTTP timeouts for one Bot API call (a hanging request fails after ``read_timeout_s``).
    connect_timeout_s: float = Field(5.0, gt=0)
    read_timeout_s: float = Field(10.0, gt=0)
    #: Long-poll duration of getUpdates.
    poll_timeout_s: float = Field(10.0, ge=0)


class TelegramUnavailable(MovieBotError):
    """The Bot API could not be reached at start, after every attempt."""


def one_line(error: BaseException) -> str:
    """An error as one short line: its type and the first line of its message."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = text if len(text) <= 160 else text[:159] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def retry_after_s(error: RetryAfter) -> float:
    """``retry_after`` in seconds (read from the timedelta: the number form is deprecated)."""
    return float(error._retry_after.total_seconds())


# ---------------------------------------------------------------------------- retries


class RetryingRequests(BaseRateLimiter[None]):
    """python-telegram-bot's hook around every Bot API request, used here for retries.

    Not retried: refusals (400 BadRequest, 401/404 InvalidToken, 403 Forbidden, 409), getMe
    (start-up retries it, see ``serve``) and the cosmetic "typing…" action.  A send that timed
    out may have arrived, so a rare duplicate is the price of never losing a reply."""

    PASS_THROUGH = frozenset({"getMe", "sendChatAction"})

    def __init__(self, tuning: TelegramTuning, sleep: Callable[[float], Awaitable[Any]]) -> None:
        self.tuning = tuning
        self._sleep = sleep

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in self.PASS_THROUGH:
            return await callback(*args, **kwargs)
        loop = asyncio.get_running_loop()
        started = loop.time()
        for attempt in itertools.count(1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                failure: TelegramError = error
                delay = retry_after_s(error) + 0.1
            except BadRequest:
                raise
            except NetworkError as error:  # 5xx, timeouts, dropped connections
                failure = error
                delay = min(self.tuning.backoff_max_s, self.tuning.backoff_s * 2 ** (attempt - 1))
            spent = loop.time() - started
            if spent + delay > self.tuning.retry_budget_s:
                log.warning(
                    "%s failed (attempt %d): %s; giving up after %.1f s",
                    endpoint,
                    attempt,
                    one_line(failure),
                    spent,
                )
                raise failure
            log.warning(
                "%s failed (attempt %d): %s; retrying in %.1f s",
                endpoint,
                attempt,
                one_line(failure),
                delay,
            )
            log.debug("%s failure detail", endpoint, exc_info=failure)
            await self._sleep(delay)
        raise AssertionError("unreachable: itertools.count never ends")


# ---------------------------------------------------------------------------- concurrency


def sender_of(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


class PerUserUpdates(BaseUpdateProcessor):
    """Concurrent updates, serialized per person.

    python-telegram-bot starts one task per update, in update order; each task waits here for
    the same person's previous update to finish (a chain of futures, so order is kept), then
    for one of ``concurrent`` slots.  Waiting for the person comes first, so one person's queue
    never occupies the slots others need.  The base class's own limit is only a memory cap."""

    #: Updates in flight (waiting or running) before python-telegram-bot itself waits.
    IN_FLIGHT_CAP = 4096

    def __init__(self, concurrent: int) -> None:
        super().__init__(self.IN_FLIGHT_CAP)
        self._slots = asyncio.BoundedSemaphore(concurrent)
        self._last: dict[int, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = sender_of(update)
        if user is None:
            async with self._slots:
                await coroutine
            return
        previous = self._last.get(user)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[user] = done
        try:
            if previous is not None:
                await asyncio.wait({previous})  # never cancels ``previous``
            async with self._slots:
                await coroutine
        finally:
            done.set_result(None)
            if self._last.get(user) is done:
                del self._last[user]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


# ---------------------------------------------------------------------------- secrets in logs


class _SecretFilter(logging.Filter):
    """Replaces the secrets in a record's message and traceback text before any handler
    formats it."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def _scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = self._scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self._scrub(record.stack_info)
        return True


def hide_secret(token: str) -> None:
    """Cut the bot token (and its secret half, after the colon) out of everything the root
    logger's handlers write, at every level and from every library."""
    secret_filter = _SecretFilter([token, token.partition(":")[2]])
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)


# ---------------------------------------------------------------------------- running


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def connect(application: AnyApplication, tuning: TelegramTuning, stop: asyncio.Event) -> bool:
    """``application.initialize()`` (getMe) with bounded retries; False if stopped meanwhile.

    A rejected token is a ConfigError naming the setting (never the token); an API that stays
    unreachable is TelegramUnavailable.  One WARNING line per failed attempt."""
    delay = tuning.connect_backoff_s
    for attempt in range(1, tuning.connect_attempts + 1):
        try:
            await application.initialize()
            return True
        except InvalidToken:  # its message quotes the token: never shown
            raise ConfigError(
                "Telegram rejected the bot token: set a valid TELEGRAM_BOT_TOKEN "
                "(from @BotFather) in the environment or in .env"
            ) from None
        except TelegramError as error:
            problem = one_line(error)
        last = attempt == tuning.connect_attempts
        log.warning(
            "cannot reach the Telegram Bot API (attempt %d of %d): %s; %s",
            attempt,
            tuning.connect_attempts,
            problem,
            "giving up" if last else f"retrying in {delay:.1f} s",
        )
        if last:
            raise TelegramUnavailable(
                f"cannot reach the Telegram Bot API after {attempt} attempts ({problem}); "
                "check the network or TELEGRAM_API_BASE_URL"
            )
        if await _stopped_within(stop, delay):
            return False
        delay *= 2
    return False


def _polling_failed(error: TelegramError) -> None:
    log.warning("polling for updates failed: %s", one_line(error))
    log.debug("polling failure detail", exc_info=error)


async def serve(
    application: AnyApplication,
    tuning: TelegramTuning,
    allowed_updates: Sequence[str],
    *,
    stop: asyncio.Event | None = None,
    stop_signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM),
) -> None:
    """Connect, poll and answer until ``stop`` is set or a stop signal arrives; then stop
    fetching, answer what was fetched, and shut down (``post_shutdown`` closes the database)
    whatever happened."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in stop_signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        if not await connect(application, tuning, stop):
            return
        if application.post_init is not None:
            await application.post_init(application)
        updater = application.updater
        assert updater is not None  # the builder always makes one
        await updater.start_polling(
            timeout=dt.timedelta(seconds=tuning.poll_timeout_s),
            allowed_updates=allowed_updates,
            error_callback=_polling_failed,
        )
        await application.start()
        log.info("polling Telegram for updates (Ctrl-C or SIGTERM to stop)")
        await stop.wait()
        log.info("stopping: answering the updates already fetched")
    finally:
        for sig in stop_signals:
            loop.remove_signal_handler(sig)
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
