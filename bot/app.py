"""Building a ready conversation from settings: data (downloaded on first run where it is
missing and the network allows), trained models (trained and cached on first run), parser and
profile database.  Shared by the console and the Telegram bot."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.conversation import Conversation
from bot.parsing import make_parser
from bot.settings import Settings
from bot.store import SqliteProfileStore
from recommender.cli import ensure_dataset
from recommender.data import detect_layout
from recommender.progress import fit_progress, stderr
from recommender.training import ensure_trained
from tools.toolbox import Toolbox

__all__ = ["build_conversation", "configure_logging", "ensure_data"]


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Telegram URLs carry the bot token;
    # python-telegram-bot's DEBUG lines print the API URL and request parameters.
    for noisy in ("httpx", "httpx2", "httpcore", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    telegram = logging.getLogger("telegram")
    telegram.setLevel(max(telegram.getEffectiveLevel(), logging.INFO))


def ensure_data(settings: Settings) -> Path:
    """The dataset folder: as configured, or the named dataset, downloaded if absent."""
    if settings.data_dir is not None:
        detect_layout(settings.data_dir)  # one clear line if it is not MovieLens
        return settings.data_dir
    return ensure_dataset(settings.dataset, settings.datasets_dir())


def build_conversation(settings: Settings) -> tuple[Conversation, SqliteProfileStore]:
    """Everything a front-end needs; the caller closes the store.

    The profile database opens first: an unusable ``--db`` is one line before any download
    or training, not after it."""
    store = SqliteProfileStore(settings.db_path())
    try:
        data_dir = ensure_data(settings)

        def announce(_: object) -> None:
            stderr.print("first run: training models for this data (cached for next time)")

        with fit_progress() as progress:
            trained = ensure_trained(
                data_dir, settings.models_dir(), progress=progress, on_train=announce
            )
        toolbox = Toolbox.from_trained(trained)
        parser = make_parser(
            settings.parser, toolbox.titles, toolbox.genres, llm=settings.llm_options()
        )
    except BaseException:
        store.close()
        raise
    return Conversation(toolbox, parser, store), store
