"""``moviebot parse``: the Query v2 fields, the resolved movie id, and the parser setting
(``--parser`` over ``MOVIEBOT_PARSER``, as ``moviebot chat`` reads it)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from bot.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]]]:
    status = main(list(argv))
    out = capsys.readouterr().out
    return status, [json.loads(line) for line in out.splitlines() if line]


def test_new_fields_and_the_movie_id_are_printed(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tiny_csv_dir: Path,
    tmp_path: Path,
) -> None:
    movies = pd.read_csv(tiny_csv_dir / "movies.csv")
    movie_id = int(movies.loc[movies["title"] == "Movie 3 (1983)", "movieId"].iloc[0])
    lines = [
        "I've seen the first two",
        "horror from the 90s but no comedy",
        "rate movie 3 (1983) 4/5",
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    monkeypatch.setenv("MOVIEBOT_PARSER", "regex")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    args = ("--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m"))
    status, rows = run(capsys, "parse", "--jsonl", *args)
    assert status == 0
    seen, horror, rate = rows
    assert (seen["intent"], seen["refs"], seen["resolved_movie_id"]) == ("seen", [1, 2], None)
    assert (horror["year_min"], horror["year_max"]) == (1990, 1999)
    assert horror["exclude_genres"] == ["Comedy"] and horror["genre"] == "Horror"
    assert rate["resolved_title"] == "Movie 3 (1983)" and rate["resolved_movie_id"] == movie_id
    assert rate["resolution"]["movie_ids"][0] == movie_id  # type: ignore[index]
    assert {r["parser"] for r in rows} == {"regex"}


def test_moviebot_parser_setting_is_honoured(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tiny_csv_dir: Path,
    tmp_path: Path,
) -> None:
    # MOVIEBOT_PARSER=llm without a key is a configuration error (exit 2), as in chat: the
    # setting is read, not ignored; --parser on the command line still wins over it.
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("MOVIEBOT_PARSER", "llm")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    args = ("--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m"))
    assert main(["parse", "hello", *args]) == 2
    assert "OPENAI_API_KEY" in capsys.readouterr().err
    status, rows = run(capsys, "parse", "hello", "--parser", "regex", *args)
    assert status == 0 and rows[0]["parser"] == "regex"
