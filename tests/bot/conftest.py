"""Fixtures the bot tests share: a fresh profile database and a fake Bot API on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import SqliteProfileStore
from tests.fake_bot_api import FakeBotApi


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteProfileStore]:
    with SqliteProfileStore(tmp_path / "profiles.sqlite3") as opened:
        yield opened


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake
