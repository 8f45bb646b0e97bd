"""Fit several models on one training matrix, fitting each distinct model once.

A blend (``Recommender.part_configs``) is assembled from parts fitted on their own, so an
evaluation of EASE, RP3beta and the EASE + RP3beta blend fits EASE and RP3beta once each, and
trying several blend weights on a validation split refits nothing.  Only models some later
request will reuse are kept in memory::

    fitter = Fitter(train, item_text, requests=[("ease", {}), ("ease-rp3", {})])
    model, seconds = fitter.fit("ease", {})       # fitted, kept for the blend
    blend, seconds = fitter.fit("ease-rp3", {})   # reuses it; seconds = its parts' fit time
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import scipy.sparse as sp

from recommender.models import get_model_class, make_model
from recommender.models.base import ModelConfig, ProgressFn, Recommender

__all__ = ["Fitter", "model_key"]

Params = Mapping[str, Any]
#: ``progress_for(name)``: the per-epoch progress callback for fitting ``name`` (or None).
ProgressFor = Callable[[str], ProgressFn | None]


def model_key(name: str, config: ModelConfig) -> str:
    """Identifies a fitted model: registry name and every config value."""
    return json.dumps([name, config.model_dump(mode="json")], sort_keys=True)


class Fitter:
    """Fits models on ``train``, sharing the ones several requests need.

    ``requests`` lists every (name, params) the caller will ask for, so the fitter knows which
    fitted models (standalone or as a blend's part) will be asked for again and keeps exactly
    those; None keeps every model fitted (for short runs on small data).
    ``fit`` returns the model and the seconds it took to fit (for a reused model or a blend of
    reused parts, the time its first fit took: the cost of fitting it on its own).
    """

    def __init__(
        self,
        train: sp.csr_matrix,
        item_text: Sequence[str] | None = None,
        *,
        requests: Iterable[tuple[str, Params]] | None = None,
        progress_for: ProgressFor | None = None,
    ) -> None:
        self.train, self.item_text, self.progress_for = train, item_text, progress_for
        self._uses: Counter[str] | None = None
        if requests is not None:
            self._uses = Counter(
                key for name, params in requests for key in _keys(make_model(name, **params))
            )
        self._fitted: dict[str, tuple[Recommender, float]] = {}

    def fit(self, name: str, params: Params | None = None) -> tuple[Recommender, float]:
        return self._fit_model(make_model(name, **dict(params or {})))

    def _fit_model(self, model: Recommender) -> tuple[Recommender, float]:
        key = model_key(model.name, model.config)
        if key in self._fitted:
            found = self._fitted[key]
            for used in _keys(model):  # the request counted the blend's parts as well
                self._release(used)
            return found
        parts_config = model.part_configs(model.config)
        if parts_config:
            parts = {}
            seconds = 0.0
            for role, (part_name, part_config) in parts_config.items():
                part, part_seconds = self._fit_model(get_model_class(part_name)(part_config))
                parts[role] = part
                seconds += part_seconds
            model.fit_from_parts(parts)
        else:
            progress = self.progress_for(model.name) if self.progress_for else None
            started = time.perf_counter()
            model.fit(
                self.train,
                progress=progress,
                item_text=self.item_text if model.needs_item_text else None,
            )
            seconds = time.perf_counter() - started
        self._fitted[key] = (model, seconds)
        self._release(key)
        return model, seconds

    def _release(self, key: str) -> None:
        """Count one use of ``key``; forget the model once no later request needs it."""
        if self._uses is None:
            return
        self._uses[key] -= 1
        if self._uses[key] <= 0:
            self._fitted.pop(key, None)


def _keys(model: Recommender) -> list[str]:
    """The keys one request of ``model`` uses: its own and, for a blend, its parts'."""
    keys = [model_key(model.name, model.config)]
    for part_name, part_config in model.part_configs(model.config).values():
        keys += _keys(get_model_class(part_name)(part_config))
    return keys
