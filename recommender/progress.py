"""Progress bars on stderr (rich), so stdout stays clean for results and ``--json``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["fit_progress", "stderr"]

#: The one console for progress and notices.
stderr = Console(stderr=True)


@contextmanager
def fit_progress() -> Iterator[Callable[[str], Callable[[int, int, Mapping[str, float]], None]]]:
    """Progress bars on stderr, one per model; yields a factory of per-model callbacks.

    The display starts with the first model, so a run that loads cached models (or fails
    before fitting) prints nothing.
    """
    columns = (
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    progress = Progress(*columns, console=stderr, transient=False)

    def finish_open_tasks() -> None:
        """A model that reported no steps (popularity, content) is done when the next starts."""
        for task in progress.tasks:
            if not task.finished:
                progress.update(task.id, total=task.total or 1, completed=task.total or 1)

    def for_model(name: str) -> Callable[[int, int, Mapping[str, float]], None]:
        if not progress.live.is_started:
            progress.start()
        finish_open_tasks()
        task = progress.add_task(name, total=None, status="")

        def update(step: int, total: int, metrics: Mapping[str, float]) -> None:
            status = " ".join(f"{k}={v:.4f}" for k, v in metrics.items())
            progress.update(task, completed=step, total=total, status=status)

        return update

    try:
        yield for_model
        finish_open_tasks()
    finally:
        if progress.live.is_started:
            progress.stop()
