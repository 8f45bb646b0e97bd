"""The engine's guards, without Spark: no extra -> one line, exit 2, before any work; a
missing or too old Java -> one line; the session's settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from bot.cli import main
from recommender.spark import INSTALL_HINT, SparkUnavailableError, require_pyspark
from recommender.spark.session import SparkOptions, require_java


def test_without_pyspark_the_spark_engine_is_one_line_and_exit_2_before_any_work(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if the extra were not installed
    with pytest.raises(SparkUnavailableError):
        require_pyspark()
    # the data folder does not exist: the engine's line comes first, nothing is read
    argv = ["train", "--engine", "spark", "--data-dir", str(tmp_path / "nowhere")]
    status = main([*argv, "--model-dir", str(tmp_path / "models")])
    err = capsys.readouterr().err
    assert status == 2
    assert err == f"moviebot: error: {INSTALL_HINT}\n"
    assert "uv sync --extra spark" in err and "Java 17+" in err


def fake_java(folder: Path, version_line: str) -> Path:
    """A JAVA_HOME whose bin/java prints ``version_line`` as ``java -version`` does."""
    java = folder / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(0o755)
    return folder


@pytest.mark.parametrize(
    ("version_line", "major"),
    [('openjdk version "11.0.20" 2023-07-18', 11), ('java version "1.8.0_381"', 8)],
)
def test_a_too_old_java_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version_line: str, major: int
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(fake_java(tmp_path / "jdk", version_line)))
    with pytest.raises(SparkUnavailableError) as caught:
        require_java()
    assert f"needs Java 17+, {tmp_path}/jdk/bin/java is Java {major}" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_new_enough_java_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    line = 'openjdk version "21.0.2" 2024-01-16'
    monkeypatch.setenv("JAVA_HOME", str(fake_java(tmp_path / "jdk", line)))
    require_java()


def test_no_java_at_all_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    with pytest.raises(SparkUnavailableError, match="no java on PATH"):
        require_java()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "missing"))
    with pytest.raises(SparkUnavailableError, match="has no bin/java"):
        require_java()


def test_session_settings_are_quiet_and_conf_overrides_them() -> None:
    conf = SparkOptions().spark_conf()
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.ui.showConsoleProgress"] == "false"
    assert "log4j2.properties" in conf["spark.driver.extraJavaOptions"]
    assert conf["spark.sql.shuffle.partitions"] == "8"  # local[2]: four per core
    cluster = SparkOptions(master="spark://host:7077", conf={"spark.ui.enabled": "true"})
    assert "spark.sql.shuffle.partitions" not in cluster.spark_conf()  # Spark's own default
    assert cluster.spark_conf()["spark.ui.enabled"] == "true"
    assert SparkOptions(master="local[*]").spark_conf()["spark.sql.shuffle.partitions"] == str(
        4 * (os.cpu_count() or 1)
    )


def test_bad_spark_options_are_usage_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["train", "--engine", "spark", "--spark-conf", "no-equals-sign"])
    assert caught.value.code == 2
    assert "is not KEY=VALUE" in capsys.readouterr().err
    pytest.importorskip("pyspark", reason="needs the spark extra: uv sync --extra spark")
    where = ["--data-dir", str(tmp_path / "nowhere"), "--model-dir", str(tmp_path / "m")]
    for param, problem in [
        ("factors=0", "factors: Input should be greater than or equal to 1"),
        ("rank=8", "rank: Extra inputs are not permitted"),
        ("alpha=lots", "alpha: Input should be a valid number"),
    ]:
        assert main(["train", "--engine", "spark", "--als-param", param, *where]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"moviebot: error: train --engine spark: {problem}")
        assert err.count("\n") == 1


def test_local_engine_options_with_the_spark_engine_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("pyspark", reason="needs the spark extra: uv sync --extra spark")
    argv = ["train", "--engine", "spark", "--models", "ease", "--model-dir", str(tmp_path)]
    assert main([*argv, "--data-dir", str(tmp_path / "nowhere")]) == 2
    assert "--models and --no-validate are for --engine local" in capsys.readouterr().err


def test_evaluating_spark_als_without_pyspark_is_one_line_before_any_fit(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tiny_csv_dir: Path,
) -> None:
    from recommender.models.popularity import BayesianPopularity

    def no_fit(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model was fitted before spark-als was refused")

    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setattr(BayesianPopularity, "_fit", no_fit)
    argv = ["evaluate", "--models", "popularity,spark-als", "--data-dir", str(tiny_csv_dir)]
    assert main(argv) == 2
    assert capsys.readouterr().err == f"moviebot: error: {INSTALL_HINT}\n"
