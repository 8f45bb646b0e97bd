"""``moviebot`` commands that answer questions through the chat's tools: recommend, similar,
popular and parse.  Same tools, same title resolver and same routing as the chat."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from bot.parsing import Parser, make_parser
from bot.render import render_text
from bot.settings import Settings
from recommender.cli import add_location_options, data_dir_of, model_dir_of, positive_int
from recommender.data import dataset_fingerprint, load_dataset
from recommender.errors import ArtifactError, ConfigError
from recommender.progress import fit_progress, stderr
from recommender.training import ensure_trained, model_dir_for
from tools.dispatch import dispatch
from tools.profiles import InMemoryProfileStore
from tools.results import Reply
from tools.schema import MAX_K, Query
from tools.titles import TitleIndex
from tools.toolbox import Toolbox

__all__ = ["add_commands", "load_toolbox"]

log = logging.getLogger("moviebot.commands")


def load_toolbox(data_dir: Path, model_root: Path) -> Toolbox:
    """The tools over cached models, training (with progress) first where none exist."""

    def announce(_: object) -> None:
        stderr.print("training models for this data (cached for next time)")

    with fit_progress() as progress:
        trained = ensure_trained(data_dir, model_root, progress=progress, on_train=announce)
    return Toolbox.from_trained(trained)


def _answer(args: argparse.Namespace, query: Query, profile_user: int | None = None) -> int:
    toolbox = load_toolbox(data_dir_of(args), model_dir_of(args))
    if query.genre is not None:  # the chat drops unknown genres; a command line says so
        genre = toolbox.catalog.genre_name(query.genre)
        if genre is None:
            choices = ", ".join(toolbox.genres)
            raise ConfigError(f"unknown genre {query.genre!r}; choose from {choices}")
        query = query.model_copy(update={"genre": genre})
    store = InMemoryProfileStore()
    profile = store.link("cli", profile_user) if profile_user is not None else store.get("cli")
    if profile_user is not None and toolbox.recommender.trained.users.index([profile_user])[0] < 0:
        raise ConfigError(f"unknown user {profile_user}: not in the training data")
    reply = dispatch(query, profile, toolbox, store)
    return _print_reply(reply, args.json)


def _print_reply(reply: Reply, as_json: bool) -> int:
    if reply.route == "did_you_mean":
        options = "; ".join(reply.candidates)
        raise ConfigError(f"{reply.query.title!r} matches several movies: {options}")
    if reply.route == "not_found":
        raise ConfigError(f"no movie titled {reply.query.title!r} in the catalog")
    if as_json:
        rows = [r.model_dump(mode="json") for r in reply.results]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        print(render_text(reply))
    return 0


def _query(args: argparse.Namespace, intent: str, title: str | None = None) -> Query:
    return Query(intent=intent, genre=args.genre, title=title, k=args.k)


def cmd_recommend(args: argparse.Namespace) -> int:
    return _answer(args, _query(args, "recommend_genre"), profile_user=args.user)


def cmd_similar(args: argparse.Namespace) -> int:
    return _answer(args, _query(args, "similar_to", args.title))


def cmd_popular(args: argparse.Namespace) -> int:
    return _answer(args, _query(args, "popular"))


# ---------------------------------------------------------------------------- parse


def _title_index(data_dir: Path, model_root: Path) -> tuple[TitleIndex, tuple[str, ...]]:
    """Catalog titles (with movie ids) for parsing: from cached models when present (fast at
    any size), else straight from the data files — parsing needs no trained model."""
    cached = model_dir_for(model_root, dataset_fingerprint(data_dir))
    if (cached / "meta.json").is_file():
        from recommender.artifacts import load_models

        try:
            toolbox = Toolbox.from_trained(load_models(cached, only=["popularity"]))
        except ArtifactError as error:  # a damaged cache: the data files will do
            log.warning("reading titles from the data: the cached models are unusable (%s)", error)
        else:
            rows = range(len(toolbox.titles.titles))
            ids = toolbox.recommender.trained.items.ids[list(rows)].tolist()
            index = TitleIndex(toolbox.titles.titles, toolbox.titles.popularity, ids)
            return index, toolbox.genres
    dataset = load_dataset(data_dir)
    counts = dataset.ratings["item"].value_counts()
    movie_ids = dataset.movies["movie_id"].tolist()
    popularity = [float(counts.get(m, 0)) for m in movie_ids]
    return TitleIndex(dataset.movies["title"].tolist(), popularity, movie_ids), dataset.genres


def _parse_one(parser: Parser, titles: TitleIndex, text: str) -> dict[str, Any]:
    """The Query as JSON, plus the film its title resolves to (id, catalog title, other
    films of that name) and which parser answered."""
    if hasattr(parser, "parse_with_source"):
        query, source = parser.parse_with_source(text)
    else:
        query, source = parser.parse(text), parser.name
    resolution = titles.resolve(query.title) if query.title else None
    resolved: dict[str, Any] | None = None
    if resolution is not None:
        resolved = {
            "status": resolution.status,
            "movie_ids": [c.movie_id for c in resolution.candidates[:5]],
            "titles": [c.title for c in resolution.candidates[:5]],
        }
        if resolution.confident:  # other films of that name, for a reply to mention
            others = titles.namesakes(resolution.candidates[0].index)[:5]
            resolved["namesakes"] = [{"movie_id": c.movie_id, "title": c.title} for c in others]
    return {
        **query.model_dump(mode="json"),
        "resolved_title": resolution.title if resolution else None,
        "resolved_movie_id": resolution.movie_id if resolution else None,
        "resolution": resolved,
        "parser": source,
    }


def cmd_parse(args: argparse.Namespace) -> int:
    if args.text is None and not args.jsonl:
        raise ConfigError("give a message to parse, or --jsonl to read messages from stdin")
    settings = settings_from(args)  # --parser over MOVIEBOT_PARSER (and .env), as chat does
    titles, genres = _title_index(data_dir_of(args), model_dir_of(args))
    parser = make_parser(settings.parser, titles, genres, llm=settings.llm_options())
    if not args.jsonl:
        print(json.dumps(_parse_one(parser, titles, args.text), ensure_ascii=False))
        return 0
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        print(json.dumps(_parse_one(parser, titles, text), ensure_ascii=False), flush=True)
    return 0


# ---------------------------------------------------------------------------- chat


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings ``main`` read once (environment and .env), with the command line's
    options on top."""
    settings: Settings = args.settings
    overrides = {
        key: getattr(args, key)
        for key in ("data_dir", "model_dir", "db", "parser")
        if getattr(args, key, None) is not None
    }
    return settings.model_copy(update=overrides)


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.app import build_conversation, configure_logging
    from bot.console import run_console

    settings = settings_from(args)
    configure_logging(settings.log_level)
    conversation, store = build_conversation(settings)
    with store:
        return run_console(
            conversation,
            f"console:{args.user}",
            sys.stdin,
            sys.stdout,
            interactive=sys.stdin.isatty(),
            as_json=args.json,
        )


# ---------------------------------------------------------------------------- wiring


def count_up_to_max(text: str) -> int:
    """A -k value: 1 to MAX_K, the Query schema's bound."""
    value = positive_int(text)
    if value > MAX_K:
        raise argparse.ArgumentTypeError(f"{value} is more than {MAX_K}")
    return value


def title_text(text: str) -> str:
    """A TITLE argument: anything but blank (a blank one used to list popular films)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a movie title, e.g. 'the godfather'")
    return text


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, handler, helptext in (
        ("recommend", cmd_recommend, "personal top-k for a dataset user"),
        ("similar", cmd_similar, "movies similar to a title"),
        ("popular", cmd_popular, "popular movies, optionally in one genre"),
    ):
        p = commands.add_parser(name, help=helptext)
        if name == "recommend":
            p.add_argument("--user", type=int, required=True, help="dataset user id")
        if name == "similar":
            p.add_argument(
                "title", type=title_text, help="movie title, typed loosely (year optional)"
            )
        p.add_argument(
            "-k", type=count_up_to_max, default=10, help=f"how many, 1-{MAX_K} (default 10)"
        )
        p.add_argument("--genre", help="only this genre")
        p.add_argument("--json", action="store_true", help="print JSON")
        add_location_options(p)
        p.set_defaults(handler=handler)

    p = commands.add_parser("chat", help="chat in the terminal (reads stdin lines when piped)")
    add_location_options(p)
    p.add_argument(
        "--db", type=Path, help="profile database (default ~/.cache/moviebot/profiles.sqlite3)"
    )
    p.add_argument(
        "--parser", choices=("auto", "regex", "llm"), help="default: $MOVIEBOT_PARSER or auto"
    )
    p.add_argument("--user", default="local", help="whose profile to use (default: local)")
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per reply (JSON Lines): text, route, parser, results, buttons",
    )
    p.set_defaults(handler=cmd_chat)

    p = commands.add_parser("parse", help="show how a chat message is understood (JSON)")
    p.add_argument("text", nargs="?", help="the message")
    p.add_argument("--jsonl", action="store_true", help="read one message per stdin line")
    p.add_argument(
        "--parser",
        choices=("auto", "regex", "llm"),
        help="default: $MOVIEBOT_PARSER or auto (the LLM when OPENAI_API_KEY is set, else regex)",
    )
    add_location_options(p)
    p.set_defaults(handler=cmd_parse)
