"""The recommender benchmark's scale curves: drawn from measurements (refused fits leave a gap)
and redrawn from the ones kept in the work folder without refitting."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import matplotlib.image
import pytest

from recommender.report import png_bytes
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = REPO_ROOT / "benchmarks" / "bench_recommender.py"
    spec = importlib.util.spec_from_file_location("bench_recommender", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fitted(seconds: float, peak: float) -> dict[str, Any]:
    return {"status": "ok", "seconds": seconds, "peak_gb": peak, "before_gb": 0.05}


def test_scale_figure_draws_the_fitted_points_and_skips_the_rest(
    bench: ModuleType, tmp_path: Path
) -> None:
    refused = {"status": "refused: too big", "peak_gb": 0.1, "before_gb": 0.05, "seconds": 0.0}
    measured = {
        "ease": [(10_000, fitted(0.5, 0.2)), (100_000, fitted(5.0, 1.5)), (1_000_000, refused)],
        "popularity": [(10_000, fitted(0.0, 0.06)), (100_000, fitted(0.01, 0.07))],
        "user-knn": [(10_000, {"status": "timed out after 5 s"})],  # nothing to draw
    }
    figure = bench.scale_figure(measured)
    time_axes, memory_axes = figure.axes
    lines = {line.get_label(): line for line in time_axes.get_lines()}
    assert set(lines) == {"ease", "popularity"}
    assert list(lines["ease"].get_xdata()) == [10_000, 100_000]  # the refused size is a gap
    assert lines["popularity"].get_ydata()[0] > 0  # 0 s still shows on a log axis
    assert time_axes.get_xscale() == time_axes.get_yscale() == "log"
    assert memory_axes.get_yscale() == "log"
    path = tmp_path / "scale.png"
    path.write_bytes(png_bytes(figure))
    assert matplotlib.image.imread(path).shape[0] > 100


def test_reuse_reads_the_kept_measurement_instead_of_refitting(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "synth-1000.npz"
    calls: list[str] = []

    def measure(path: Path, name: str, timeout: float) -> dict[str, Any]:
        calls.append(name)
        return fitted(1.0 + len(calls), 0.1)

    monkeypatch.setattr(bench, "measure_scale", measure)
    first = bench.cached_measurement(data, "ease", 10.0, tmp_path, reuse=False)
    assert bench.cached_measurement(data, "ease", 10.0, tmp_path, reuse=True) == first
    assert calls == ["ease"]
    # without --reuse it measures again and keeps the new result
    second = bench.cached_measurement(data, "ease", 10.0, tmp_path, reuse=False)
    assert second != first and calls == ["ease", "ease"]
    assert bench.cached_measurement(data, "ease", 10.0, tmp_path, reuse=True) == second
