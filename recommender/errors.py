"""The errors MoveBot's recommender raises on purpose.

Every error here is something a user can fix, so the command line prints its message as one line
and exits with status 2 instead of showing a traceback::

    MovieBotError                 base class; str(error) is the one line shown to the user
    ├── DataError                 a data file is missing, empty, undecodable or malformed
    ├── DownloadError             a dataset could not be fetched or failed verification
    ├── ConfigError               a hyper-parameter or option is out of range
    └── ModelError                a model cannot be fitted, used or stored
        ├── ModelTooLargeError    refused before allocating: the data is too big for this model
        ├── NotFittedError        used before fit() or load
        └── ArtifactError         a model directory is missing, corrupt or from another version
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ArtifactError",
    "ConfigError",
    "DataError",
    "DownloadError",
    "ModelError",
    "ModelTooLargeError",
    "MovieBotError",
    "NotFittedError",
]


class MovieBotError(Exception):
    """Base class: an error whose message is fit to show a user as one line."""


class DataError(MovieBotError):
    """A data file is missing, empty, undecodable or malformed."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")


class DownloadError(MovieBotError):
    """A dataset could not be fetched, or what was fetched failed verification."""


class ConfigError(MovieBotError):
    """An option or hyper-parameter is invalid."""


class ModelError(MovieBotError):
    """A model cannot be fitted, used or stored."""


class ModelTooLargeError(ModelError):
    """Refused before allocating: the data is too large for this model's memory needs."""


class NotFittedError(ModelError):
    """A model was used before fit() or load."""


class ArtifactError(ModelError):
    """A model directory is missing, corrupt, or was written by another format version."""
