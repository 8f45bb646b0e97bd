"""``moviebot evaluate --report DIR``: every promised file written and readable, the JSON table
equal to ``--json``, the learning curve blind to the test part, one line without matplotlib."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from bot.cli import main
from recommender.data import Dataset, load_dataset
from recommender.evaluate import EvaluationReport, ModelResult
from recommender.fileio import OutputError
from recommender.report import (
    CURVE_FIGURE,
    RANKING_FIGURE,
    RMSE_FIGURE,
    TABLE_JSON,
    TABLE_MARKDOWN,
    mf_sgd_curve,
    report_files,
    write_report,
)
from recommender.splits import split_ratings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def promised(markdown: str) -> list[str]:
    """The files results.md links to."""
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    pixels = matplotlib.image.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert np.ptp(pixels[..., :3]) > 0  # not a blank canvas


def test_report_writes_every_file_it_promises(
    capsys: pytest.CaptureFixture[str], tiny_csv_dir: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "not" / "yet" / "there"
    status = main(
        [
            "evaluate",
            "--data-dir",
            str(tiny_csv_dir),
            "--model-dir",
            str(tmp_path / "models"),
            "--models",
            "popularity,global-mean,mf-sgd,item-knn",
            "--json",
            "--report",
            str(out_dir),
        ]
    )
    out, err = capsys.readouterr()
    assert status == 0, err

    # the JSON table is byte for byte what --json printed in the same run
    assert (out_dir / TABLE_JSON).read_text() == out
    rows = json.loads(out)
    assert [row["model"] for row in rows] == ["popularity", "global-mean", "mf-sgd", "item-knn"]

    markdown = (out_dir / TABLE_MARKDOWN).read_text()
    figures = promised(markdown)
    assert figures == [RANKING_FIGURE, RMSE_FIGURE, CURVE_FIGURE]
    for row in rows:  # the table in the Markdown carries every model's numbers
        assert f"| {row['model']} " in markdown
        if row["ndcg@10"] is not None:
            assert f"{row['ndcg@10']:.4f}" in markdown
    for name in figures:
        assert_png(out_dir / name)

    curve = json.loads((out_dir / "mf-sgd-curve.json").read_text())
    epochs = len(curve["epoch"])
    assert epochs > 1 and len(curve["train_rmse"]) == len(curve["validation_rmse"]) == epochs
    assert all(np.isfinite(curve["validation_rmse"]))
    assert curve["train_rmse"][-1] < curve["train_rmse"][0]  # it learned something

    # nothing else, and no temp file left behind
    expected = {TABLE_MARKDOWN, TABLE_JSON, *figures, "mf-sgd-curve.json"}
    assert {p.name for p in out_dir.iterdir()} == expected


def test_report_promises_only_figures_that_apply() -> None:
    """Ranking-only models: no RMSE figure, no curve, and the Markdown links only what exists."""
    results = [
        ModelResult("popularity", None, 0.10, 0.05, 0.12, 0.01),
        ModelResult("ease", None, 0.25, 0.15, 0.30, 0.20),
        ModelResult("content", None, float("nan"), float("nan"), float("nan"), 0.10),
    ]
    report = EvaluationReport("user-time", 10, results, 900, 100, 90, 4, 6, 30)
    files = report_files(report, title="tiny")
    assert set(files) == {TABLE_MARKDOWN, TABLE_JSON, RANKING_FIGURE}
    assert promised(files[TABLE_MARKDOWN].decode()) == [RANKING_FIGURE]
    assert files[RANKING_FIGURE].startswith(PNG_SIGNATURE)
    # NaN is written as JSON's NaN, like --json
    assert math.isnan(json.loads(files[TABLE_JSON])[2]["ndcg@10"])


def test_learning_curve_never_sees_the_test_part(tiny_csv_dir: Path) -> None:
    dataset = load_dataset(tiny_csv_dir)
    _, test = split_ratings(dataset.ratings, "user-time")
    # the same data with every test-part rating flipped (1 <-> 5): tuning's validation split
    # lies inside the train part, so the curve must not move
    keys = pd.MultiIndex.from_frame(dataset.ratings[["user", "item"]])
    in_test = keys.isin(pd.MultiIndex.from_frame(test[["user", "item"]]))
    assert in_test.sum() == len(test) > 0
    flipped = dataset.ratings.copy()
    flipped.loc[in_test, "rating"] = 6.0 - flipped.loc[in_test, "rating"]
    other = Dataset(
        ratings=flipped,
        movies=dataset.movies,
        genres=dataset.genres,
        layout=dataset.layout,
        path=dataset.path,
        fingerprint="flipped",
    )
    params = {"epochs": 8}
    assert mf_sgd_curve(dataset, "user-time", params) == mf_sgd_curve(other, "user-time", params)
    assert len(mf_sgd_curve(dataset, "user-time", params)["epoch"]) == 8


def test_missing_matplotlib_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tiny_csv_dir: Path,
    tmp_path: Path,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    out_dir = tmp_path / "report"
    status = main(["evaluate", "--data-dir", str(tiny_csv_dir), "--report", str(out_dir)])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""  # refused before evaluating anything
    assert err.count("\n") == 1
    assert "pip install 'moviebot[plots]'" in err and "uv sync --extra plots" in err
    # the output check may have created the folder up front; nothing was written into it
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_report(tmp_path, {"results.json": b"old\n"})

    def broken_replace(source: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", broken_replace)
    with pytest.raises(OutputError, match=r"results\.json"):
        write_report(tmp_path, {"results.json": b"new\n"})
    assert (tmp_path / "results.json").read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
