"""A scripted fake Telegram Bot API on 127.0.0.1, shared by the Telegram tests and the soak
benchmark.

It records every call, serves queued updates to ``getUpdates`` (a short long-poll), and fails
calls on request: queue faults per method in ``failures`` (deterministic tests) or set
``injector`` to decide per call (the soak's random faults).  A fault is an HTTP status with a
Bot API error body (401, 429 with ``retry_after``, 5xx), a dropped connection, a hanging request
(answered only after the client gave up) or a slow answer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl

from pydantic import SecretStr
from telegram import Update

from bot.conversation import Conversation
from bot.parsing import RegexParser
from bot.ratelimit import UserBuckets
from bot.settings import Settings
from bot.store import SqliteProfileStore
from bot.telegram_app import TelegramTuning, build_application
from tools.toolbox import Toolbox

__all__ = [
    "DROP",
    "TOKEN",
    "USER",
    "FakeBotApi",
    "Fault",
    "bad_gateway",
    "bad_request",
    "button_data",
    "button_update",
    "feed",
    "hang",
    "keyboard",
    "make_app",
    "session",
    "slow",
    "sticker_update",
    "text_update",
    "too_many_requests",
    "unauthorized",
]

TOKEN = "123456:SECRET-token-value_abcdefghijklmno"
#: The default person in the tests' updates.
USER = 777
OK_TRUE: dict[str, Any] = {"ok": True, "result": True}


@dataclass(frozen=True)
class Fault:
    """What to do instead of answering one call normally."""

    kind: Literal["status", "drop", "hang", "slow"]
    status: int = 0
    payload: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def label(self) -> str:
        """How the soak report counts it: "429", "502", "drop", "hang", "slow"."""
        return str(self.status) if self.kind == "status" else self.kind


DROP = Fault("drop")


def _error(status: int, description: str, **parameters: Any) -> Fault:
    payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return Fault("status", status, payload)


def too_many_requests(retry_after: float = 1) -> Fault:
    """A 429; the real API sends whole seconds, tests use fractions to stay fast."""
    return _error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def bad_gateway(status: int = 502) -> Fault:
    return _error(status, "Bad Gateway" if status == 502 else "Internal Server Error")


def bad_request() -> Fault:
    return _error(400, "Bad Request: chat not found")


def unauthorized() -> Fault:
    return _error(401, "Unauthorized")


def hang(seconds: float) -> Fault:
    """No answer for ``seconds`` (longer than the client's read timeout), then a hang-up."""
    return Fault("hang", seconds=seconds)


def slow(seconds: float) -> Fault:
    """The normal answer, ``seconds`` late."""
    return Fault("slow", seconds=seconds)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer (a long poll cut by shutdown) is not news."""


class FakeBotApi:
    """The server runs in a thread from ``start()`` to ``stop()`` (or use it as a context
    manager).  ``calls`` holds every request, failed or not; ``delivered`` the ones answered
    with 200, with the time they were answered."""

    def __init__(self, token: str = TOKEN, *, poll_s: float = 0.3) -> None:
        self.token = token
        self.poll_s = poll_s
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.delivered: list[tuple[str, dict[str, Any], float]] = []
        self.failures: dict[str, list[Fault]] = {}
        self.injector: Callable[[str, dict[str, Any]], Fault | None] | None = None
        #: Called (in a server thread) after each successful answer: (method, params).
        self.on_delivered: Callable[[str, dict[str, Any]], None] | None = None
        self.faults = Counter[str]()
        self.updates: list[dict[str, Any]] = []
        #: The highest ``offset`` getUpdates was called with: updates below it are acknowledged.
        self.acked_offset = 0
        self._cond = threading.Condition()
        self._released = threading.Event()  # set on stop(): hanging requests give up
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real API

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                fake._handle(self, self.path, self.rfile.read(length))

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    # ------------------------------------------------------------------ serving

    def _handle(self, request: BaseHTTPRequestHandler, path: str, body: bytes) -> None:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            self._reply(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        method = path[len(prefix) :]
        params = dict(parse_qsl(body.decode())) if body else {}
        with self._cond:
            self.calls.append((method, params))
            queued = self.failures.get(method)
            fault = queued.pop(0) if queued else None
            if fault is None and self.injector is not None:
                fault = self.injector(method, params)
            if fault is not None:
                self.faults[fault.label] += 1
            self._cond.notify_all()
        if fault is not None and fault.kind == "hang":
            self._released.wait(fault.seconds)
        if fault is not None and fault.kind in ("drop", "hang"):
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.kind == "status":
            self._reply(request, fault.status, fault.payload)
            return
        if fault is not None and fault.kind == "slow":
            self._released.wait(fault.seconds)
        result = self._result(method, params)
        # Recorded before the client can read the answer, so a test that just got its reply
        # back always finds it here; taken back if the client had already given up.
        row = (method, params, time.monotonic())
        with self._cond:
            self.delivered.append(row)
            self._cond.notify_all()
        if not self._reply(request, 200, result):
            with self._cond:
                self.delivered.remove(row)
            return
        if self.on_delivered is not None:
            self.on_delivered(method, params)

    def _result(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "getMe":
            bot = {"id": 42, "is_bot": True, "first_name": "MovieBot", "username": "movie_test_bot"}
            return {"ok": True, "result": bot}
        if method == "getUpdates":
            offset = int(params.get("offset", 0))
            deadline = time.monotonic() + (self.poll_s if float(params.get("timeout", 0)) else 0)
            with self._cond:
                self.acked_offset = max(self.acked_offset, offset)
                while True:
                    ready = [u for u in self.updates if u["update_id"] >= offset][:100]
                    if ready or time.monotonic() >= deadline or self._released.is_set():
                        return {"ok": True, "result": ready}
                    self._cond.wait(0.05)
        if method in ("sendMessage", "editMessageText"):
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params.get("text", ""),
            }
            return {"ok": True, "result": message}
        if method == "getWebhookInfo":
            return {
                "ok": True,
                "result": {"url": "", "has_custom_certificate": False, "pending_update_count": 0},
            }
        return OK_TRUE  # deleteWebhook, answerCallbackQuery, sendChatAction, setMyCommands…

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> bool:
        """Send the answer; False if the client had hung up."""
        body = json.dumps(payload).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
            request.wfile.flush()
        except OSError:  # the client gave up (its read timeout) before the answer
            request.close_connection = True
            return False
        return True

    # ------------------------------------------------------------------ scripting and reading

    def push(self, *updates: dict[str, Any]) -> None:
        """Make updates available to getUpdates.  Like Telegram, the server numbers them as
        they arrive (``update_id`` is overwritten in place), so one pushed late is never
        skipped by an offset that already moved past the id it was built with."""
        with self._cond:
            for update in updates:
                update["update_id"] = next(self._update_ids)
                self.updates.append(update)
            self._cond.notify_all()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Every call of ``method``, answered or failed."""
        with self._cond:
            return [params for name, params in self.calls if name == method]

    def answered(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """The calls of ``method`` that got a 200."""
        with self._cond:
            return [params for name, params, _ in self.delivered if name == method]

    def wait_for(
        self, method: str, count: int, timeout: float = 10.0, *, answered: bool = False
    ) -> bool:
        """Wait until ``count`` calls of ``method`` arrived (or were answered)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                rows = self.delivered if answered else self.calls
                if sum(1 for row in rows if row[0] == method) >= count:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)


_ids = itertools.count(1)


def _message_update(user: int, **content: Any) -> dict[str, Any]:
    """A private-chat message update from ``user`` holding ``content`` (text, sticker...)."""
    n = next(_ids)
    return {
        "update_id": n,
        "message": {
            "message_id": n,
            "date": 1_700_000_000,
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "Ann"},
            **content,
        },
    }


def text_update(text: str, user: int = USER) -> dict[str, Any]:
    """A private-chat message update (commands get their bot_command entity)."""
    entities = []
    if text.startswith("/"):
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return _message_update(user, text=text, entities=entities)


def button_update(data: str, user: int = USER) -> dict[str, Any]:
    """A press of an inline button carrying ``data``."""
    n = next(_ids)
    return {
        "update_id": n,
        "callback_query": {
            "id": f"cb{n}",
            "chat_instance": "ci",
            "from": {"id": user, "is_bot": False, "first_name": "Ann"},
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": user, "type": "private"},
                "from": {"id": 42, "is_bot": True, "first_name": "MovieBot"},
                "text": "an earlier list",
            },
        },
    }


def sticker_update(user: int = USER) -> dict[str, Any]:
    """A message with a sticker and no text."""
    sticker = {
        "file_id": "s1",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return _message_update(user, sticker=sticker)


# ---------------------------------------------------------------------------- driving the app


def make_app(
    api: FakeBotApi,
    toolbox: Toolbox,
    store: SqliteProfileStore,
    *,
    allowed: frozenset[int] = frozenset(),
    tuning: TelegramTuning | None = None,
    buckets: UserBuckets | None = None,
) -> Any:
    """The real Application (offline parser) talking to ``api``."""
    settings = Settings(
        TELEGRAM_BOT_TOKEN=SecretStr(api.token),
        TELEGRAM_API_BASE_URL=api.base_url,
        TELEGRAM_ALLOWED_USERS=allowed,
    )
    conversation = Conversation(toolbox, RegexParser(toolbox.titles, toolbox.genres), store)
    return build_application(settings, conversation, store, tuning=tuning, buckets=buckets)


async def feed(app: Any, *updates: dict[str, Any]) -> None:
    """Process updates one after the other, as the tests' sequential scripts expect."""
    for payload in updates:
        await app.process_update(Update.de_json(payload, app.bot))


def session(app: Any, *updates: dict[str, Any]) -> None:
    """initialize → process the updates → shutdown (what serving does minus polling)."""

    async def go() -> None:
        async with app:
            await feed(app, *updates)

    asyncio.run(go())


def keyboard(params: dict[str, Any]) -> list[list[dict[str, str]]]:
    rows: list[list[dict[str, str]]] = json.loads(params["reply_markup"])["inline_keyboard"]
    return rows


def button_data(params: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for row in keyboard(params) for b in row]
