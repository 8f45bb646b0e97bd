"""Where MovieBot keeps downloads and trained models unless told otherwise.

``MOVIEBOT_HOME`` (else ``$XDG_CACHE_HOME/moviebot``, else ``~/.cache/moviebot``) holds
``datasets/`` and ``models/``; ``MOVIEBOT_DATA_DIR`` / ``MOVIEBOT_DATASET`` and
``MOVIEBOT_MODEL_DIR`` point elsewhere.  The chat front-ends read the same names through
``bot.settings`` (which also reads ``.env``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_DATASET", "cache_root", "default_data_dir", "default_model_dir"]

#: The MovieLens release used when none is configured: films through 2018, about 1 MB zipped.
DEFAULT_DATASET = "ml-latest-small"


def cache_root() -> Path:
    """Where downloads and trained models live unless told otherwise."""
    if home := os.environ.get("MOVIEBOT_HOME"):
        return Path(home)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "moviebot"


def default_data_dir() -> Path:
    if data_dir := os.environ.get("MOVIEBOT_DATA_DIR"):
        return Path(data_dir)
    return cache_root() / "datasets" / os.environ.get("MOVIEBOT_DATASET", DEFAULT_DATASET)


def default_model_dir() -> Path:
    if model_dir := os.environ.get("MOVIEBOT_MODEL_DIR"):
        return Path(model_dir)
    return cache_root() / "models"
