"""Speed and robustness of the chat core; prints a Markdown section for BENCHMARKS.md.

* Reply latency through the offline (regex) route, in-process on ML-100K: parse, tools, SQLite
  store (WAL, synchronous=FULL: every write is fsynced) and plain rendering, for ~2,000 mixed
  messages from 200 people — requests with constraints and follow-ups on the last list
  (refinements, positions, seen / watchlist, film cards) among them, reported apart too.
  Budget: p99 <= 20 ms.
* 1,000 messages from 100 people through the core — free text of every intent, slash commands,
  presses of the buttons the previous reply offered, and some forged button data — with errors
  (exceptions, or replies with nothing to say) counted.  Budget: 0 errors.
* Start-up: a fresh process that imports the bot, loads the cached trained models and builds the
  Conversation (as ``moviebot chat`` does), timed from outside (interpreter start included) and
  from inside (first import to ready).  Budget: <= 1.5 s.  Models are trained and cached first.

Run: ``uv run python benchmarks/bench_chat.py [--data-dir DIR]`` from the project root; the data
defaults to $MOVIEBOT_ML100K or ../shared/data/ml-100k.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bot.app import build_conversation
from bot.conversation import ChatReply, Conversation
from bot.render import TELEGRAM_LIMIT, render_chat_html, render_chat_plain
from bot.settings import Settings

__all__ = ["main", "mixed_messages"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path(os.environ.get("MOVIEBOT_ML100K", ROOT.parent / "shared/data/ml-100k"))

#: The child process of the start-up measurement: what ``moviebot chat`` does before the prompt.
STARTUP_SCRIPT = """
import sys, time
start = time.perf_counter()
from pathlib import Path
from bot.app import build_conversation
from bot.settings import Settings
data_dir, model_dir, db = (Path(arg) for arg in sys.argv[1:4])
settings = Settings().model_copy(
    update={"data_dir": data_dir, "model_dir": model_dir, "db": db, "parser": "regex"})
conversation, store = build_conversation(settings)
ready = time.perf_counter() - start
store.close()
print(ready)
"""

FREE_TEXT = (
    "suggest {k} {genre} movies",
    "give me {k} {genre} films",
    "top rated {genre}",
    "what's popular",
    "movies like {title}",
    "something similar to {title} but {genre}",
    "I loved {title}",
    "rate {title} {stars}/5",
    "{title} was boring",
    "recommend something",
    "hello",
    "thanks!",
    "more",
    "what is the weather like",
    "{genre} movies from the 90s",
    "{k} {genre} films made before 1980, no horror",
    "show me my watchlist",
)
#: Follow-ups on the list just shown (refinements, positions, the person's lists, film cards).
FOLLOW_UPS = (
    "only ones from the 80s",
    "no {genre} though",
    "something older",
    "make it more recent",
    "make it funnier",
    "tell me more about the second one",
    "what is it about?",
    "I've seen the first one",
    "not for me, the third one",
    "I'll check out the second one",
    "any others like the first one?",
    "I loved the first one",
)
COMMANDS = (
    "/popular",
    "/popular {genre}",
    "/similar {title}",
    "/rate {title} {stars}",
    "/profile",
    "/help",
    "/link {user}",
    "/link off",
    "/start",
)
FORGED = ("v1:up:999999", "v2:more", "v1:rate:1:9", "garbage", "v1:pick:" + "9" * 12, "")


def clean_env() -> dict[str, str]:
    """The environment without API keys or MOVIEBOT_ settings: the offline parser, our paths."""
    prefixes = ("OPENAI_", "MOVIEBOT_", "TELEGRAM_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def mixed_messages(
    conversation: Conversation, n: int, rng: random.Random, *, commands: bool
) -> list[str]:
    """``n`` messages mixing every intent, with titles typed loosely (lowercase, no year)."""
    catalog = conversation.toolbox.catalog
    counts = catalog.rating_counts
    known = [catalog.titles[i] for i in np.argsort(-counts)[:400]]  # films people talk about
    users = conversation.toolbox.recommender.trained.users.ids
    templates = FREE_TEXT + FOLLOW_UPS + (COMMANDS if commands else ())
    out = []
    for _ in range(n):
        title = rng.choice(known)
        typed = title.rsplit(" (", 1)[0]
        if rng.random() < 0.5:
            typed = typed.lower()
        out.append(
            rng.choice(templates).format(
                k=rng.randint(2, 10),
                genre=rng.choice(conversation.toolbox.genres).lower(),
                title=typed,
                stars=rng.randint(1, 5),
                user=int(rng.choice(list(users[:50]))),
            )
        )
    return out


def reply_latency(conversation: Conversation, messages: list[str], n_users: int) -> np.ndarray:
    """Milliseconds per message (handle_text + plain rendering), people taking turns."""
    for text in messages[:50]:  # warm caches (numba, title index) on a throwaway user
        render_chat_plain(conversation.handle_text("bench:warmup", text))
    out = np.empty(len(messages))
    for i, text in enumerate(messages):
        user = f"bench:latency:{i % n_users}"
        start = time.perf_counter()
        render_chat_plain(conversation.handle_text(user, text))
        out[i] = (time.perf_counter() - start) * 1000
    return out


def many_users(
    conversation: Conversation, n_messages: int, n_users: int, rng: random.Random
) -> tuple[int, dict[str, int], float]:
    """Messages and button presses from ``n_users`` people; returns (errors, counts, seconds)."""
    texts = mixed_messages(conversation, n_messages, rng, commands=True)
    last: dict[str, ChatReply] = {}
    counts = {"text": 0, "button": 0, "forged button": 0}
    errors = 0
    start = time.perf_counter()
    for i in range(n_messages):
        user = f"bench:crowd:{rng.randrange(n_users)}"
        offered = [b.data for row in last[user].buttons for b in row] if user in last else []
        roll = rng.random()
        try:
            if roll < 0.25 and offered:
                reply = conversation.handle_button(user, rng.choice(offered))
                counts["button"] += 1
            elif 0.25 <= roll < 0.3:
                reply = conversation.handle_button(user, rng.choice(FORGED))
                counts["forged button"] += 1
            else:
                reply = conversation.handle_text(user, texts[i])
                counts["text"] += 1
            ok = bool(render_chat_plain(reply)) and len(render_chat_html(reply)) <= TELEGRAM_LIMIT
        except Exception as error:  # counted, not fatal: the point is to count them
            print(f"error on message {i}: {error!r}", file=sys.stderr)
            ok = False
        if not ok:
            errors += 1
        else:
            last[user] = reply
    return errors, counts, time.perf_counter() - start


def startup_seconds(
    data_dir: Path, model_dir: Path, db: Path, runs: int
) -> tuple[list[float], list[float]]:
    """(wall-clock of the whole process, first import to ready) for ``runs`` fresh processes."""
    outside, inside = [], []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", STARTUP_SCRIPT, str(data_dir), str(model_dir), str(db)],
            capture_output=True,
            text=True,
            env=clean_env(),
            cwd=db.parent,  # no .env from the project folder
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"start-up run failed:\n{result.stderr}")
        outside.append(time.perf_counter() - start)
        inside.append(float(result.stdout.strip().splitlines()[-1]))
    return outside, inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA, help="MovieLens folder")
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "moviebot-bench" / "models",
        help="trained-model cache (trained on first use)",
    )
    parser.add_argument("--messages", type=int, default=2000, help="latency messages")
    parser.add_argument("--crowd-messages", type=int, default=1000)
    parser.add_argument("--crowd-users", type=int, default=100)
    parser.add_argument("--startup-runs", type=int, default=5)
    args = parser.parse_args()
    # the start-up runs are child processes with their own working directory
    args.data_dir, args.model_dir = args.data_dir.resolve(), args.model_dir.resolve()
    rng = random.Random(20261129)

    with tempfile.TemporaryDirectory(prefix="moviebot-bench-") as scratch:
        db = Path(scratch) / "profiles.sqlite3"
        settings = Settings().model_copy(
            update={"data_dir": args.data_dir, "model_dir": args.model_dir, "db": db}
        )
        settings = settings.model_copy(update={"parser": "regex"})
        start = time.perf_counter()
        conversation, store = build_conversation(settings)  # trains and caches on first use
        first_build_s = time.perf_counter() - start
        with store:
            messages = mixed_messages(conversation, args.messages, rng, commands=False)
            latency = reply_latency(conversation, messages, n_users=200)
            errors, counts, crowd_s = many_users(
                conversation, args.crowd_messages, args.crowd_users, rng
            )
        outside, inside = startup_seconds(
            args.data_dir, args.model_dir, Path(scratch) / "startup.sqlite3", args.startup_runs
        )

    p50, p99 = np.percentile(latency, [50, 99])
    follow_ups = {
        template.format(genre=g.lower())
        for template in FOLLOW_UPS
        for g in conversation.toolbox.genres
    }
    on_lists = latency[[i for i, text in enumerate(messages) if text in follow_ups]]
    f50, f99 = np.percentile(on_lists, [50, 99])
    command = "uv run python benchmarks/bench_chat.py " + " ".join(
        f"{flag} {json.dumps(str(value)) if ' ' in str(value) else value}"
        for flag, value in (
            ("--data-dir", args.data_dir),
            ("--messages", args.messages),
            ("--crowd-messages", args.crowd_messages),
            ("--crowd-users", args.crowd_users),
            ("--startup-runs", args.startup_runs),
        )
    )
    verdict = {True: "within budget", False: "OVER budget"}
    print("## Chat core\n")
    print(f"Data: `{args.data_dir.name}`; offline regex parser; SQLite store (WAL, FULL sync).\n")
    print("| measure | result | budget |")
    print("|---|---|---|")
    print(
        f"| reply via the regex route, {len(latency):,} mixed messages | p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms, max {latency.max():.1f} ms | p99 <= 20 ms "
        f"({verdict[bool(p99 <= 20)]}) |"
    )
    print(
        f"| of which follow-ups on the last list, {len(on_lists):,} messages | p50 {f50:.2f} ms, "
        f"p99 {f99:.2f} ms, max {on_lists.max():.1f} ms | p99 <= 20 ms "
        f"({verdict[bool(f99 <= 20)]}) |"
    )
    kinds = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    print(
        f"| {args.crowd_messages:,} messages from {args.crowd_users} people ({kinds}) | "
        f"{errors} errors, {crowd_s:.1f} s ({crowd_s / args.crowd_messages * 1000:.1f} ms/msg) "
        f"| 0 errors ({verdict[errors == 0]}) |"
    )
    print(
        f"| start-up, cached models, fresh process (median of {len(outside)}) | "
        f"{statistics.median(outside):.2f} s whole process, "
        f"{statistics.median(inside):.2f} s import to ready | <= 1.5 s "
        f"({verdict[statistics.median(outside) <= 1.5]}) |"
    )
    print(
        f"\nLatency is per message: parse, tools, store writes and plain rendering, each person "
        f"taking turns (200 people). Start-up runs: "
        f"{', '.join(f'{s:.2f}' for s in outside)} s (whole process). The first build in this "
        f"run took {first_build_s:.1f} s (training only when no cached models existed)."
    )
    print(f"\nCommand: `{command}`")


if __name__ == "__main__":
    main()
