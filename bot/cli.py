"""The ``moviebot`` command: one entry point, subcommands from each layer.

Errors a user can fix (``MovieBotError``) print one line and exit with status 2; nothing else
is caught, so real bugs still show a traceback.  Every output location a command names is
checked before the command starts (``recommender.cli.check_output_locations``).  Ctrl-C prints
"interrupted" and exits 130.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot import commands as bot_commands
from bot.settings import Settings
from bot.telegram_app import add_telegram_command
from recommender import cli as recommender_cli
from recommender.errors import ConfigError, MovieBotError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moviebot", description="A movie recommender you can talk to (MovieLens data)."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    recommender_cli.add_commands(commands)
    bot_commands.add_commands(commands)
    add_telegram_command(commands)
    return parser


def apply_settings(args: argparse.Namespace) -> None:
    """Read the settings (environment and .env) once, into ``args.settings`` for the command's
    handler, and fill --data-dir / --model-dir left unset from them."""
    try:
        settings = Settings()
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "settings"
        raise ConfigError(f"bad setting {where}: {problem['msg']}") from None
    args.settings = settings
    if getattr(args, "data_dir", False) is None:
        # Explicit settings only: `chat` downloads the dataset when no folder was named.
        args.data_dir = settings.data_dir
        args.default_data_dir = settings.dataset_dir()
    if getattr(args, "model_dir", False) is None:
        args.model_dir = settings.models_dir()
    if getattr(args, "cache_dir", False) is None:
        args.cache_dir = settings.datasets_dir()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        apply_settings(args)
        recommender_cli.check_output_locations(args)  # before any work: no training first
        status: int = args.handler(args)
    except MovieBotError as error:
        recommender_cli.write_error(str(error))
        return 2
    except KeyboardInterrupt:
        # Ctrl-C is the person's choice, not an error: a quiet line, and the shell's usual
        # status for SIGINT (the terminal chat says goodbye itself and exits 0).
        print("\nmoviebot: interrupted", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
