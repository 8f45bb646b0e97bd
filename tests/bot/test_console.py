"""``moviebot chat`` end to end: the real command in a subprocess, scripted stdin, a small
synthetic catalog with real titles and genres in ``tmp_path``.

The catalog is built so answers can be checked: genres come from the written movies.csv, and
"Toy Story" and "Aladdin" are rated 5 together by forty extra users (and are the only animated
films), so each is the other's obvious companion.  The first run trains on the tiny data (about
a second); later runs load the cached models.  In-process tests cover the interactive prompt and
the typed numbers that stand in for buttons.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bot.console import run_console, typed_choices
from bot.conversation import Button, ChatReply
from tests.conftest import REPO_ROOT, make_ratings, write_csv_layout
from tools.results import Reply
from tools.schema import Query

CATALOG: list[tuple[str, tuple[str, ...]]] = [
    ("Toy Story (1995)", ("Animation", "Children's", "Comedy")),
    ("Aladdin (1992)", ("Animation", "Children's", "Comedy", "Musical")),
    ("Fargo (1996)", ("Crime", "Drama", "Thriller")),
    ("Heat (1995)", ("Action", "Crime", "Thriller")),
    ("Godfather: Part I, The (1972)", ("Crime", "Drama")),
    ("Godfather: Part II, The (1974)", ("Crime", "Drama")),
    ("Alien (1979)", ("Horror", "Sci-Fi")),
    ("Scream (1996)", ("Horror", "Thriller")),
    ("Shining, The (1980)", ("Horror",)),
    ("Halloween (1978)", ("Horror",)),
    ("Groundhog Day (1993)", ("Comedy", "Romance")),
    ("Airplane! (1980)", ("Comedy",)),
    ("Dumb & Dumber (1994)", ("Comedy",)),
    ("Clerks (1994)", ("Comedy",)),
    ("Big Lebowski, The (1998)", ("Comedy", "Crime")),
    ("Annie Hall (1977)", ("Comedy", "Romance")),
    ("Star Wars (1977)", ("Action", "Adventure", "Sci-Fi")),
    ("Die Hard (1988)", ("Action", "Thriller")),
    ("Terminator, The (1984)", ("Action", "Sci-Fi")),
    ("Casablanca (1942)", ("Drama", "Romance")),
    ("Titanic (1997)", ("Drama", "Romance")),
    ("Schindler's List (1993)", ("Drama", "War")),
    ("Apocalypse Now (1979)", ("Drama", "War")),
    ("Unforgiven (1992)", ("Western",)),
    ("Good, the Bad and the Ugly, The (1966)", ("Action", "Western")),
    ("Vertigo (1958)", ("Mystery", "Thriller")),
    ("Rear Window (1954)", ("Mystery", "Thriller")),
    ("Chinatown (1974)", ("Film-Noir", "Mystery", "Thriller")),
    ("Pulp Fiction (1994)", ("Crime", "Drama")),
    ("Forrest Gump (1994)", ("Comedy", "Drama", "Romance")),
    ("Jurassic Park (1993)", ("Action", "Adventure", "Sci-Fi")),
    ("Twister (1996)", ("Action", "Adventure", "Thriller")),
    ("Braveheart (1995)", ("Action", "Drama", "War")),
    ("Apollo 13 (1995)", ("Action", "Drama", "Thriller")),
    ("Sense and Sensibility (1995)", ("Drama", "Romance")),
    ("Mrs. Doubtfire (1993)", ("Comedy",)),
    ("Ace Ventura: Pet Detective (1994)", ("Comedy",)),
    ("Princess Bride, The (1987)", ("Action", "Adventure", "Comedy", "Romance")),
    ("Blade Runner (1982)", ("Film-Noir", "Sci-Fi")),
    ("Evil Dead II (1987)", ("Action", "Comedy", "Horror")),
]
TOY_STORY, ALADDIN = 501, 502  # make_ratings numbers items from 501


@pytest.fixture(scope="module")
def catalog_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(20261129)
    ratings, movies = make_ratings(rng, n_users=60, n_items=len(CATALOG), per_user=15)
    movies = movies.copy()
    movies["title"] = [title for title, _ in CATALOG]
    movies["genres"] = [genres for _, genres in CATALOG]
    # Forty fans who love Toy Story and Aladdin together and shrug at a few others.
    extra = []
    for n, user in enumerate(range(2001, 2041)):
        others = rng.choice(np.arange(503, 501 + len(CATALOG)), size=3, replace=False)
        extra += [(user, TOY_STORY, 5.0, n), (user, ALADDIN, 5.0, n + 1)]
        extra += [(user, int(m), 2.0, n + 2) for m in others]
    fans = pd.DataFrame(extra, columns=ratings.columns).astype(ratings.dtypes.to_dict())
    return write_csv_layout(tmp_path_factory.mktemp("catalog"), pd.concat([ratings, fans]), movies)


@pytest.fixture(scope="module")
def genres_by_title(catalog_dir: Path) -> dict[str, set[str]]:
    movies = pd.read_csv(catalog_dir / "movies.csv")
    return {row.title: set(row.genres.split("|")) for row in movies.itertuples()}


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Models and profiles shared by the module's runs (the first run trains)."""
    return tmp_path_factory.mktemp("state")


def chat(
    state: Path,
    data_dir: Path,
    lines: list[str],
    *,
    user: str = "alice",
    timeout: float = 60,
    extra: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """Run ``moviebot chat`` with ``lines`` on stdin, in a clean environment (no .env, no
    API key: the offline parser)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "MOVIEBOT_", "TELEGRAM_"))
    }
    env["MOVIEBOT_HOME"] = str(state / "home")  # nothing is written outside tmp
    env["PYTHONPATH"] = str(REPO_ROOT)
    command = [sys.executable, "-m", "bot.cli", "chat", "--data-dir", str(data_dir)]
    command += ["--model-dir", str(state / "models"), "--db", str(state / "db.sqlite3")]
    command += ["--parser", "regex", "--user", user, *extra]
    return subprocess.run(
        command,
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=state,
        env=env,
        timeout=timeout,
        check=False,
    )


def answers(result: subprocess.CompletedProcess[str]) -> list[str]:
    """One answer per non-blank input line: replies are separated by a blank line."""
    assert result.returncode == 0, result.stderr
    return [part for part in result.stdout.split("\n\n") if part.strip()]


def test_json_lines_one_object_per_reply(state_dir: Path, catalog_dir: Path) -> None:
    lines = ["hi", "top 3 comedies", "seen 2", "info 1", "/watchlist", "movies like godfather"]
    result = chat(state_dir, catalog_dir, lines, user="json", extra=("--json",))
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(replies) == len(lines)  # JSON Lines only: no banner, no prompt, no blank lines
    for reply in replies:
        assert set(reply) == {"text", "route", "parser", "results", "buttons"}
        assert reply["text"]
    hello, listed, seen, card, watchlist, which = replies
    assert hello["route"] == "chat" and hello["results"] == [] and hello["parser"] == "regex"
    assert listed["route"] == "popular" and len(listed["results"]) == 3
    first = listed["results"][0]
    assert set(first) == {
        "movie_id", "title", "year", "genres", "score", "predicted_rating", "reason"
    }  # fmt: skip
    assert "Comedy" in first["genres"] and first["title"] in listed["text"]
    assert isinstance(first["movie_id"], int) and isinstance(first["year"], int)
    assert listed["buttons"][0][0] == {"label": "👍 1", "data": f"v1:up:{first['movie_id']}"}
    assert listed["buttons"][-1] == [{"label": "More", "data": "v1:more"}]
    assert seen["route"] == "seen" and listed["results"][1]["title"] in seen["text"]
    assert card["route"] == "details" and card["text"].startswith(first["title"])
    assert watchlist["route"] == "watchlist" and "empty" in watchlist["text"]
    assert which["route"] == "did_you_mean"
    assert [row[0]["data"].split(":")[1] for row in which["buttons"]] == ["pick", "pick"]


def test_chat_help_offers_json(state_dir: Path, catalog_dir: Path) -> None:
    result = chat(state_dir, catalog_dir, [], extra=("--help",))
    assert result.returncode == 0 and "--json" in result.stdout


def titles_in(answer: str) -> list[str]:
    return re.findall(r"^\s*\d+\. (.+?)  \[", answer, flags=re.MULTILINE)


def test_a_scripted_session(
    state_dir: Path, catalog_dir: Path, genres_by_title: dict[str, set[str]]
) -> None:
    lines = [
        "hello",
        "give me 4 comedies",
        "",  # blank lines are skipped, not answered
        "more",
        "movies like toy story",
        "/rate fargo 5",
        "movies like godfather",
        "7",  # out of range: the question is asked again
        "2",  # the second did-you-mean choice
        "rate heat",
        "4",  # four stars
        "4 horror films",
    ]
    result = chat(state_dir, catalog_dir, lines)
    out = answers(result)
    assert len(out) == len([line for line in lines if line])  # each line answered, in order
    hello, comedies, more, similar, rated, which, again, picked, stars, starred, horror = out
    assert hello.startswith("Hi!") and not titles_in(hello)  # a greeting back, not films

    page_one, page_two = titles_in(comedies), titles_in(more)
    assert len(page_one) == 4 and len(page_two) == 4
    assert not set(page_one) & set(page_two)
    assert all("Comedy" in genres_by_title[t] for t in page_one + page_two)

    companions = titles_in(similar)
    assert similar.startswith("Movies like Toy Story (1995):")
    assert "Aladdin (1992)" in companions[:3]
    assert "Toy Story (1995)" not in companions

    assert rated == "Noted: Fargo (1996) — 5/5."
    assert (
        "1. Godfather: Part I, The (1972)" in which and "2. Godfather: Part II, The (1974)" in which
    )
    assert again.startswith("Please pick 1-2.\nWhich one do you mean by")
    assert "2. Godfather: Part II, The (1974)" in again
    assert picked.startswith("Movies like Godfather: Part II, The (1974):")
    assert stars == "How many stars (1-5) would you give Heat (1995)?"
    assert starred == "Noted: Heat (1995) — 4/5."
    assert len(titles_in(horror)) == 4
    assert all("Horror" in genres_by_title[t] for t in titles_in(horror))


def test_a_rating_is_remembered_across_a_restart(state_dir: Path, catalog_dir: Path) -> None:
    first = answers(chat(state_dir, catalog_dir, ["I loved Pulp Fiction"], user="bob"))
    assert first == ["Noted: Pulp Fiction (1994) — 5/5."]
    restarted = chat(state_dir, catalog_dir, ["/profile", "recommend 3 movies"], user="bob")
    profile, picks = answers(restarted)
    assert profile.splitlines() == ["Ratings: 1", "  5/5  Pulp Fiction (1994)"]
    assert picks.startswith("Picked for you:")  # the rating made the picks personal
    assert "Pulp Fiction (1994)" not in titles_in(picks)
    assert "training" not in restarted.stderr  # the cached models were loaded
    other = answers(chat(state_dir, catalog_dir, ["/profile"], user="carol"))
    assert other == ["Ratings: 0"]  # profiles are per user


def test_bad_data_dir_is_one_line_and_status_2(state_dir: Path, tmp_path: Path) -> None:
    result = chat(state_dir, tmp_path / "nowhere", ["hello"])
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("moviebot: error:") and "nowhere" in result.stderr


def test_not_a_movielens_folder(state_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    result = chat(state_dir, tmp_path, ["hello"])
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "not a MovieLens folder" in result.stderr


def test_empty_input_exits_cleanly(state_dir: Path, catalog_dir: Path) -> None:
    result = chat(state_dir, catalog_dir, [])
    assert result.returncode == 0 and result.stdout == ""


# ---------------------------------------------------------------------------- in-process


class _Echo:
    """Stands in for a Conversation: answers every message with a message."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def handle_text(self, user_key: str, text: str) -> ChatReply:
        self.seen.append(("text", text))
        return ChatReply(message=f"you said {text}")

    def handle_button(self, user_key: str, data: str) -> ChatReply:
        self.seen.append(("button", data))
        return ChatReply(message=f"pressed {data}")


def test_interactive_mode_prompts_and_says_goodbye() -> None:
    out = io.StringIO()
    echo = _Echo()
    status = run_console(echo, "u", io.StringIO("hi\n\n  \n"), out, interactive=True)  # type: ignore[arg-type]
    assert status == 0
    text = out.getvalue()
    assert text.startswith("MovieBot")
    assert "bot> you said hi\n" in text and text.endswith("you> \nbye!\n")
    assert echo.seen == [("text", "hi")]


class _InterruptedInput(io.StringIO):
    """Lines, then Ctrl-C while waiting for the next one."""

    def readline(self, size: int | None = -1) -> str:
        line = super().readline()
        if not line:
            raise KeyboardInterrupt
        return line


def test_ctrl_c_in_a_terminal_is_a_quiet_goodbye() -> None:
    out = io.StringIO()
    echo = _Echo()
    status = run_console(echo, "u", _InterruptedInput("hi\n"), out, interactive=True)  # type: ignore[arg-type]
    assert status == 0
    assert out.getvalue().endswith("bot> you said hi\n\nyou> \nbye!\n")
    assert "error" not in out.getvalue() and echo.seen == [("text", "hi")]


def test_ctrl_c_on_piped_input_stops_with_status_130() -> None:
    out = io.StringIO()
    status = run_console(_Echo(), "u", _InterruptedInput("hi\n"), out, interactive=False)  # type: ignore[arg-type]
    assert status == 130
    assert out.getvalue() == "you said hi\n\n"


def test_typed_numbers_press_only_the_offered_buttons() -> None:
    query = Query(intent="similar_to", genre=None, title="godfather")
    ask = ChatReply(
        reply=Reply(route="did_you_mean", query=query, candidates=("A (1990)", "B (1991)")),
        buttons=((Button("A (1990)", "v1:pick:7"),), (Button("B (1991)", "v1:pick:9"),)),
    )
    assert typed_choices(ask) == {"1": "v1:pick:7", "2": "v1:pick:9"}
    stars = ChatReply(
        reply=Reply(route="rate", query=query, title="A (1990)"),
        buttons=(tuple(Button(f"{n}★", f"v1:rate:7:{n}") for n in range(1, 6)),),
    )
    assert typed_choices(stars)["5"] == "v1:rate:7:5"
    assert typed_choices(ChatReply(message="hi")) == {}

    class _Asks(_Echo):
        def handle_text(self, user_key: str, text: str) -> ChatReply:
            super().handle_text(user_key, text)
            return ask if text == "which?" else ChatReply(message="ok")

    asks = _Asks()
    run_console(asks, "u", io.StringIO("which?\n2\n2\n"), io.StringIO(), interactive=False)  # type: ignore[arg-type]
    # "2" presses a button right after the question; after that it is ordinary text again
    assert asks.seen == [("text", "which?"), ("button", "v1:pick:9"), ("text", "2")]
