"""An evaluation as files you can look at: what ``moviebot evaluate --report DIR`` writes.

* ``results.md``: the table of :func:`recommender.evaluate.format_table` with the figures
  linked below it (the list of links is the list of figures written);
* ``results.json``: exactly what ``moviebot evaluate --json`` prints;
* ``ranking.png``: P@K and NDCG@K per ranking model, the popularity baseline marked;
* ``rmse.png``: RMSE per rating model, the global-mean baseline marked (only when a model
  predicts ratings);
* ``mf-sgd-curve.png`` and ``mf-sgd-curve.json``: MF-SGD's train and validation RMSE by
  epoch (only when mf-sgd was evaluated), fitted on a validation split carved from the train
  part exactly as tuning carves it, so the test part is never looked at.

The figures are built by pure functions (report in, PNG bytes out); only :func:`write_report`
touches the disk, each file written to a temp name and renamed into place.  matplotlib is an
optional extra, imported only here and only when a report is asked for.  The recommender
benchmark draws its scale curves with the same :func:`new_figure`, :func:`png_bytes` and
:func:`write_report`.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from recommender.errors import ConfigError, DataError
from recommender.evaluate import EvaluationReport, ModelResult, format_table, report_json
from recommender.fileio import atomic_file

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from recommender.data import Dataset
    from recommender.splits import SplitName

__all__ = [
    "CURVE_FIGURE",
    "RANKING_FIGURE",
    "RMSE_FIGURE",
    "TABLE_JSON",
    "TABLE_MARKDOWN",
    "mf_sgd_curve",
    "new_figure",
    "png_bytes",
    "report_files",
    "require_matplotlib",
    "write_report",
]

TABLE_MARKDOWN = "results.md"
TABLE_JSON = "results.json"
RANKING_FIGURE = "ranking.png"
RMSE_FIGURE = "rmse.png"
CURVE_FIGURE = "mf-sgd-curve.png"
CURVE_JSON = "mf-sgd-curve.json"

#: The models drawn as the line to beat.
RANKING_BASELINE = "popularity"
RMSE_BASELINE = "global-mean"
INSTALL_HINT = "pip install 'moviebot[plots]' (or in a checkout: uv sync --extra plots)"

_MODEL_COLOUR = "#4c72b0"
_BASELINE_COLOUR = "#dd8452"
_DPI = 120

Curve = Mapping[str, Sequence[float]]


def require_matplotlib() -> None:
    """Fail with one line saying how to install the plotting extra when matplotlib is absent."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ConfigError(f"--report draws figures with matplotlib; {INSTALL_HINT}") from None


# ---------------------------------------------------------------------------- data


def mf_sgd_curve(
    dataset: Dataset, split: SplitName, params: Mapping[str, object] | None = None
) -> dict[str, list[float]]:
    """MF-SGD's train and validation RMSE per epoch, with ``params`` (the evaluated config).

    The validation part is tuning's (:func:`recommender.tuning.validation_split`): carved from
    the ``split`` scheme's train part, so this never sees the test ratings.
    """
    from recommender.models.mf_sgd import MatrixFactorizationConfig, learning_curve
    from recommender.tuning import validation_split

    indexed = validation_split(dataset, split)
    warm = indexed.warm
    validation = sp.csr_matrix(
        (
            indexed.test_ratings[warm],
            (indexed.test_users[warm], indexed.test_items[warm]),
        ),
        shape=indexed.train.shape,
    )
    config = MatrixFactorizationConfig(**dict(params or {}))
    return learning_curve(indexed.train, validation, config)


# ---------------------------------------------------------------------------- files


def report_files(
    report: EvaluationReport, curve: Curve | None = None, title: str = ""
) -> dict[str, bytes]:
    """Every file of the report, name -> content, built in memory (nothing is written)."""
    table = json.dumps(report_json(report), indent=2) + "\n"  # as `evaluate --json` prints it
    files: dict[str, bytes] = {TABLE_JSON: table.encode()}
    figures: list[tuple[str, str]] = []  # (file name, alt text)

    ranked = [r for r in report.results if r.ndcg is not None]
    if ranked:
        files[RANKING_FIGURE] = png_bytes(ranking_figure(report, title))
        figures.append((RANKING_FIGURE, f"P@{report.k} and NDCG@{report.k} per model"))
    if any(r.rmse is not None for r in report.results):
        files[RMSE_FIGURE] = png_bytes(rmse_figure(report, title))
        figures.append((RMSE_FIGURE, "RMSE per rating model"))
    if curve is not None:
        files[CURVE_FIGURE] = png_bytes(curve_figure(curve, title))
        files[CURVE_JSON] = (json.dumps({k: list(v) for k, v in curve.items()}) + "\n").encode()
        figures.append((CURVE_FIGURE, "MF-SGD train and validation RMSE by epoch"))

    heading = f"# Evaluation{': ' + title if title else ''} (split {report.split}, K={report.k})"
    links = [f"![{alt}]({name})" for name, alt in figures]
    markdown = "\n\n".join([heading, format_table(report), *links]) + "\n"
    files[TABLE_MARKDOWN] = markdown.encode()
    return files


def write_report(directory: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write ``files`` into ``directory`` (created if missing), each atomically."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(directory, f"cannot create the report folder ({error.strerror})") from None
    return [_replace_file(directory / name, content) for name, content in files.items()]


def _replace_file(path: Path, content: bytes) -> Path:
    """``content`` appears at ``path`` whole or not at all (the shared atomic-write helper)."""
    with atomic_file(path, binary=True) as handle:
        handle.write(content)
    return path


# ---------------------------------------------------------------------------- figures


def ranking_figure(report: EvaluationReport, title: str = "") -> Figure:
    """P@K and NDCG@K side by side, models sorted by NDCG, the popularity baseline marked."""
    k = report.k
    ranked = sorted((r for r in report.results if r.ndcg is not None), key=_ndcg_order)
    figure = new_figure(width=9.0, height=1.4 + 0.38 * len(ranked), columns=2)
    for axes, metric, label in zip(
        figure.axes, ("precision", "ndcg"), (f"P@{k}", f"NDCG@{k}"), strict=True
    ):
        values = [_value(getattr(r, metric)) for r in ranked]
        _bars(axes, [r.model for r in ranked], values, RANKING_BASELINE, digits=3)
        axes.set_xlabel(label)
    figure.axes[1].set_yticklabels([])
    figure.suptitle(_title(f"Ranking on the {report.split} split", title, report))
    return figure


def rmse_figure(report: EvaluationReport, title: str = "") -> Figure:
    """RMSE per rating model, best (lowest) on top, the global mean marked."""
    rated = sorted(
        (r for r in report.results if r.rmse is not None),
        key=lambda r: -_value(r.rmse) if math.isfinite(_value(r.rmse)) else -math.inf,
    )
    figure = new_figure(width=7.0, height=1.4 + 0.38 * len(rated), columns=1)
    (axes,) = figure.axes
    values = [_value(r.rmse) for r in rated]
    _bars(axes, [r.model for r in rated], values, RMSE_BASELINE, digits=4)
    finite = [v for v in values if math.isfinite(v)]
    if finite:  # bars start near the best so differences of a few hundredths show
        axes.set_xlim(max(0.0, min(finite) - 0.1), max(finite) + 0.05)
    axes.set_xlabel("RMSE on warm test ratings (lower is better)")
    figure.suptitle(_title(f"Rating prediction on the {report.split} split", title, report))
    return figure


def curve_figure(curve: Curve, title: str = "") -> Figure:
    """Train and validation RMSE by epoch, the best validation epoch marked."""
    epochs = list(curve["epoch"])
    validation = list(curve["validation_rmse"])
    figure = new_figure(width=6.5, height=4.0, columns=1)
    (axes,) = figure.axes
    axes.plot(epochs, list(curve["train_rmse"]), color=_MODEL_COLOUR, label="train")
    axes.plot(epochs, validation, color=_BASELINE_COLOUR, label="validation")
    if validation and np.isfinite(validation).any():
        best = int(np.nanargmin(validation))
        late = best > len(epochs) / 2  # keep the label inside the axes
        axes.plot(epochs[best], validation[best], "o", color=_BASELINE_COLOUR)
        axes.annotate(
            f"best {validation[best]:.4f} (epoch {epochs[best]:g})",
            (epochs[best], validation[best]),
            textcoords="offset points",
            xytext=(0, -14),
            ha="right" if late else "left",
        )
    axes.set_xlabel("epoch")
    axes.set_ylabel("RMSE")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.suptitle("MF-SGD learning curve" + (f" — {title}" if title else ""))
    return figure


def _bars(
    axes: Axes, models: list[str], values: list[float], baseline: str, *, digits: int
) -> None:
    colours = [_BASELINE_COLOUR if m == baseline else _MODEL_COLOUR for m in models]
    positions = list(range(len(models)))
    axes.barh(positions, [v if math.isfinite(v) else 0.0 for v in values], color=colours)
    axes.set_yticks(positions, models)
    for position, value in zip(positions, values, strict=True):
        text = f" {value:.{digits}f}" if math.isfinite(value) else " n/a"
        axes.text(value if math.isfinite(value) else 0.0, position, text, va="center", fontsize=8)
    axes.set_ylim(-0.6, len(models) - 0.1)
    axes.margins(x=0.15)
    axes.grid(axis="x", alpha=0.3)
    if baseline in models and math.isfinite(value := values[models.index(baseline)]):
        axes.axvline(value, color=_BASELINE_COLOUR, linestyle="--", linewidth=1)
        low, high = axes.get_xlim()
        right_half = value > (low + high) / 2  # keep the label inside the axes
        axes.text(
            value, len(models) - 0.4, f" {baseline} baseline ",
            ha="right" if right_half else "left", va="bottom",
            color=_BASELINE_COLOUR, fontsize=8,
        )  # fmt: skip


def new_figure(*, width: float, height: float, columns: int) -> Figure:
    """A figure of ``columns`` side-by-side axes, laid out to fit its labels."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    figure = Figure(figsize=(width, max(height, 2.5)), dpi=_DPI, layout="constrained")
    figure.subplots(1, columns, squeeze=False)
    return figure


def png_bytes(figure: Figure) -> bytes:
    """The figure rendered as PNG (Agg), in memory."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    # no "Software" stamp, so regenerated figures differ only where the numbers do
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _title(what: str, title: str, report: EvaluationReport) -> str:
    where = f"{title}: " if title else ""
    sizes = f"{report.n_train:,} train ratings, {report.n_users_evaluated:,} users scored"
    return f"{where}{what}\n{sizes}"


def _value(metric: float | None) -> float:
    return math.nan if metric is None else float(metric)


def _ndcg_order(result: ModelResult) -> float:
    """Sort key putting the best NDCG at the top of a horizontal bar chart (drawn bottom up)."""
    value = _value(result.ndcg)
    return value if math.isfinite(value) else -math.inf
