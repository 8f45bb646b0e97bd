"""The moviebot command line: results on stdout, one-line errors with exit status 2."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_missing_data_dir_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run(capsys, "evaluate", "--data-dir", str(tmp_path / "nowhere"))
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "moviebot: error:" in err and "nowhere" in err and "download" in err


def test_malformed_ratings_name_file_and_line(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    ratings = tiny_csv_dir / "ratings.csv"
    lines = ratings.read_text().splitlines()
    lines[3] = "1001,501,seven,1000"
    ratings.write_text("\n".join(lines) + "\n")
    status, _, err = run(
        capsys, "popular", "--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m")
    )
    assert status == 2
    assert f"{ratings}:4:" in err and "seven" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "m").exists() or not any((tmp_path / "m").iterdir())


def test_unknown_model_name_lists_choices(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path
) -> None:
    status, _, err = run(capsys, "evaluate", "--data-dir", str(tiny_csv_dir), "--models", "magic")
    assert status == 2 and "unknown model 'magic'" in err and "mf-sgd" in err


def test_popular_trains_once_then_loads(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    args = ("--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m"))
    status, out, _ = run(capsys, "popular", "-k", "3", "--json", *args)
    assert status == 0
    results = json.loads(out)
    assert len(results) == 3
    assert {"movie_id", "title", "score"} <= set(results[0])
    assert results[0]["score"] >= results[1]["score"] >= results[2]["score"]
    (model_dir,) = (tmp_path / "m").iterdir()
    written = (model_dir / "meta.json").stat().st_mtime_ns
    status, out2, err2 = run(capsys, "popular", "-k", "3", "--json", *args)
    assert status == 0 and json.loads(out2) == results
    assert (model_dir / "meta.json").stat().st_mtime_ns == written  # loaded, not retrained
    assert "training" not in err2


def test_genre_filter_and_recommend_and_similar(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    args = ("--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m"))
    status, out, _ = run(capsys, "popular", "--genre", "horror", "-k", "4", "--json", *args)
    assert status == 0
    assert all("Horror" in r["genres"] for r in json.loads(out))
    status, out, _ = run(capsys, "recommend", "--user", "1002", "-k", "5", "--json", *args)
    assert status == 0
    recs = json.loads(out)
    assert len(recs) == 5
    ratings = (tiny_csv_dir / "ratings.csv").read_text().splitlines()[1:]
    rated = {int(line.split(",")[1]) for line in ratings if line.startswith("1002,")}
    assert rated and not rated & {r["movie_id"] for r in recs}
    assert all(r["predicted_rating"] is not None for r in recs)
    status, out, _ = run(capsys, "similar", "movie 4", "-k", "3", "--json", *args)
    assert status == 0 and len(json.loads(out)) == 3
    status, _, err = run(capsys, "recommend", "--user", "999999", *args)
    assert status == 2 and "unknown user 999999" in err
    status, _, err = run(capsys, "popular", "--genre", "opera", *args)
    assert status == 2 and "unknown genre" in err


def test_train_records_validation_metrics(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    status, out, _ = run(
        capsys, "train", "--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m")
    )
    assert status == 0
    meta = json.loads((Path(out.strip()) / "meta.json").read_text())
    assert meta["dataset_fingerprint"] in out
    assert meta["models"]["mf-sgd"]["metrics"]["rmse"] > 0
    assert meta["models"]["mf-sgd"]["config"]["factors"] >= 1


def test_parse_prints_one_json_object(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    args = (
        "--data-dir",
        str(tiny_csv_dir),
        "--model-dir",
        str(tmp_path / "m"),
        "--parser",
        "regex",
    )
    status, out, _ = run(capsys, "parse", "give me a dozen scary movies", *args)
    assert status == 0
    parsed = json.loads(out)
    assert parsed == {
        "intent": "recommend_genre",
        "genre": "Horror",
        "title": None,
        "k": 12,
        "rating": None,
        "also_genres": [],
        "or_genres": [],
        "exclude_genres": [],
        "year_min": None,
        "year_max": None,
        "recent": False,
        "era_shift": None,
        "keywords": [],
        "refs": [],
        "resolved_title": None,
        "resolved_movie_id": None,
        "resolution": None,
        "parser": "regex",
    }


def test_parse_jsonl_answers_each_line_in_order(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tiny_csv_dir: Path,
    tmp_path: Path,
) -> None:
    import io

    lines = ["hello", "more like movie 3 (1983)", "rate movie 5 (1985) 4/5", ""]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    args = (
        "--data-dir",
        str(tiny_csv_dir),
        "--model-dir",
        str(tmp_path / "m"),
        "--parser",
        "regex",
    )
    status, out, _ = run(capsys, "parse", "--jsonl", *args)
    assert status == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["intent"] for r in rows] == ["help", "similar_to", "rate", "help"]
    assert rows[1]["resolved_title"] == "Movie 3 (1983)"
    assert rows[2]["resolved_title"] == "Movie 5 (1985)" and rows[2]["rating"] == 4


def test_evaluate_tune_records_values_that_later_runs_use(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    args = ("--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m"))
    status, out, _ = run(capsys, "evaluate", "--tune", "--models", "ease", "--json", *args)
    assert status == 0
    tuning = json.loads((tmp_path / "m" / "tuning.json").read_text())
    assert "ease" in json.dumps(tuning)
    assert json.loads(out)[0]["model"] == "ease"
    status, out, _ = run(capsys, "train", "--models", "ease", "--no-validate", *args)
    meta = json.loads((Path(out.strip()) / "meta.json").read_text())
    from recommender.tuning import load_tuning

    chosen = load_tuning(tmp_path / "m" / "tuning.json", meta["dataset_fingerprint"])["ease"]
    config = meta["models"]["ease"]["config"]
    assert all(config[key] == value for key, value in chosen.items())


def test_train_with_extra_models_still_serves(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    args = ("--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m"))
    status, out, _ = run(capsys, "train", "--models", "popularity-count", "--no-validate", *args)
    assert status == 0
    meta = json.loads((Path(out.strip()) / "meta.json").read_text())
    assert {"popularity", "mf-sgd", "item-knn", "content", "popularity-count"} <= set(
        meta["models"]
    )
    status, out, _ = run(capsys, "recommend", "--user", "1001", "-k", "2", "--json", *args)
    assert status == 0 and len(json.loads(out)) == 2


def test_dump_into_a_missing_folder_is_one_line(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "nowhere" / "recs.jsonl"
    status, _, err = run(
        capsys,
        "evaluate",
        "--data-dir",
        str(tiny_csv_dir),
        "--models",
        "popularity",
        "--dump-recs",
        str(target),
    )
    assert status == 2 and f"{target}: cannot write here" in err and err.count("\n") == 1


def test_a_damaged_model_cache_is_rebuilt(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    args = ("--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m"), "--json")
    status, first, _ = run(capsys, "popular", "-k", "3", *args)
    (model_dir,) = (tmp_path / "m").iterdir()
    (model_dir / "popularity.npz").write_bytes(b"not an npz")
    status, again, _ = run(capsys, "popular", "-k", "3", *args)
    assert status == 0 and json.loads(again) == json.loads(first)


# ------------------------------------------------- output locations, checked before any work


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any training, synthesis or evaluation now fails the test: the check must come first."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("work started before the output location was checked")

    monkeypatch.setattr("recommender.training.train_models", forbidden)
    monkeypatch.setattr("recommender.data.synth.synthesize", forbidden)
    monkeypatch.setattr("recommender.evaluate.evaluate", forbidden)
    monkeypatch.setattr("recommender.tuning.tune", forbidden)


def unusable_dirs(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "a-file").write_text("x")
    return {
        "a file": tmp_path / "a-file",
        "under a file": tmp_path / "a-file" / "models",
        "/proc": Path("/proc/moviebot-test/models"),
    }


@pytest.mark.parametrize("where", ["a file", "under a file", "/proc"])
@pytest.mark.parametrize(
    "command",
    [("train",), ("popular",), ("similar", "Movie 3"), ("evaluate", "--tune")],
)
@pytest.mark.usefixtures("no_training")
def test_an_unusable_model_dir_is_one_line_before_training(
    capsys: pytest.CaptureFixture[str],
    tiny_csv_dir: Path,
    tmp_path: Path,
    where: str,
    command: tuple[str, ...],
) -> None:
    model_dir = unusable_dirs(tmp_path)[where]
    status, out, err = run(
        capsys, *command, "--data-dir", str(tiny_csv_dir), "--model-dir", str(model_dir)
    )
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("moviebot: error: ")
    assert str(model_dir) in err and "model" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="permission bits do not stop root")
@pytest.mark.usefixtures("no_training")
def test_a_read_only_model_dir_is_one_line_before_training(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        status, _, err = run(
            capsys, "train", "--data-dir", str(tiny_csv_dir), "--model-dir", str(read_only)
        )
    finally:
        read_only.chmod(0o755)
    assert status == 2 and "Permission denied" in err and err.count("\n") == 1


@pytest.mark.usefixtures("no_training")
def test_a_read_only_file_system_is_one_line_before_training(
    capsys: pytest.CaptureFixture[str],
    tiny_csv_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What root meets (chmod does not stop it): a read-only mount, simulated at the probe."""

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", read_only)
    status, _, err = run(
        capsys, "popular", "--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m")
    )
    assert status == 2 and "Read-only file system" in err and err.count("\n") == 1


@pytest.mark.parametrize("where", ["a file", "under a file", "/proc"])
@pytest.mark.usefixtures("no_training")
def test_synth_onto_an_unusable_folder_is_one_line_before_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
) -> None:
    out_dir = unusable_dirs(tmp_path)[where]
    status, out, err = run(capsys, "synth", "--ratings", "1000", "--out", str(out_dir))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "--out" in err and str(out_dir) in err


@pytest.mark.parametrize("option", ["--dump-recs", "--dump-predictions"])
@pytest.mark.usefixtures("no_training")
def test_dumps_onto_a_folder_or_under_a_file_are_one_line_before_work(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path, option: str
) -> None:
    (tmp_path / "a-file").write_text("x")
    for target in (tmp_path, tmp_path / "a-file" / "recs.jsonl"):
        status, _, err = run(
            capsys, "evaluate", "--data-dir", str(tiny_csv_dir), option, str(target)
        )
        assert status == 2 and err.count("\n") == 1 and option in err


def test_synth_refuses_a_count_above_the_stated_bound(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["synth", "--ratings", "100000000000", "--out", str(tmp_path / "s")])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "100,000,000,000 is more than the limit of 100,000,000" in err
    assert not (tmp_path / "s").exists()
    with pytest.raises(SystemExit):
        main(["synth", "--help"])
    assert "1 to 100,000,000" in capsys.readouterr().out


@pytest.mark.parametrize("title", ["", "   ", "\t"])
def test_similar_with_a_blank_title_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], title: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["similar", title])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage:") and "give a movie title" in err


def test_ctrl_c_is_a_quiet_line_and_status_130(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("recommender.data.synth.synthesize", interrupted)
    status, out, err = run(capsys, "synth", "--ratings", "1000", "--out", str(tmp_path / "s"))
    assert status == 130 and out == ""
    assert err.strip() == "moviebot: interrupted" and "error" not in err


def test_parse_reads_titles_from_the_data_when_the_cache_is_damaged(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    args = ("--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "m"))
    assert run(capsys, "popular", "-k", "1", *args)[0] == 0  # trains and caches
    (model_dir,) = (tmp_path / "m").iterdir()
    data = (model_dir / "popularity.npz").read_bytes()
    (model_dir / "popularity.npz").write_bytes(data[: len(data) // 2])
    status, out, _ = run(capsys, "parse", "more like movie 3 (1983)", "--parser", "regex", *args)
    assert status == 0 and json.loads(out)["resolved_title"] == "Movie 3 (1983)"


def test_an_unusable_db_is_one_line_before_any_training(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tiny_csv_dir: Path,
    tmp_path: Path,
) -> None:
    """The profile database opens first, so a bad --db costs no download and no training."""
    import bot.app

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained before the database was checked")

    monkeypatch.setattr(bot.app, "ensure_trained", no_training)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    argv = ["chat", "--data-dir", str(tiny_csv_dir), "--model-dir", str(tmp_path / "models")]
    status = main([*argv, "--db", str(blocker / "db.sqlite3")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1


def test_settings_are_read_once_per_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tiny_csv_dir: Path
) -> None:
    """main() reads the environment and .env once and passes typed settings down."""
    from bot.settings import Settings

    reads: list[object] = []
    original = Settings.__init__

    def counting_init(self: Settings, **values: Any) -> None:
        original(self, **values)
        reads.append(self)

    monkeypatch.setattr(Settings, "__init__", counting_init)
    assert main(["parse", "three comedies", "--data-dir", str(tiny_csv_dir)]) == 0
    capsys.readouterr()
    assert len(reads) == 1


@pytest.mark.parametrize("where", ["dotenv", "environment"])
def test_an_api_key_in_dotenv_or_the_shell_selects_the_same_parser(
    where: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tiny_csv_dir: Path,
    tmp_path: Path,
) -> None:
    """The LLM parser is chosen from the settings alone; nothing reads os.environ behind them.
    (The endpoint refuses connections, so the answer is the regex fallback, promptly.)"""
    values = {
        "OPENAI_API_KEY": "sk-test-not-a-real-key",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    }
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    for name in (*values, "OPENAI_MODEL", "MOVIEBOT_PARSER"):
        monkeypatch.delenv(name, raising=False)
    if where == "dotenv":
        (workdir / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    else:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
    assert main(["parse", "three comedies", "--data-dir", str(tiny_csv_dir)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["parser"] == "regex-fallback"
    assert "sk-test" not in out + err
