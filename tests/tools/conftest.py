from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recommender.data import Dataset
from recommender.training import train_models
from tests.conftest import GENRES, make_ratings
from tools.toolbox import Toolbox

TITLES = [
    "Alien (1979)",
    "Aliens (1986)",
    "Heat (1995)",
    "Fargo (1996)",
    "Godfather, The (1972)",
    "Godfather: Part II, The (1974)",
    "Star Wars (1977)",
    "Return of the Jedi (1983)",
]


@pytest.fixture(scope="session")
def tiny_dataset() -> Dataset:
    ratings, movies = make_ratings(np.random.default_rng(7), n_users=80, n_items=40, per_user=20)
    movies = movies.copy()
    movies.loc[: len(TITLES) - 1, "title"] = TITLES
    return Dataset(
        ratings=ratings,
        movies=movies,
        genres=GENRES,
        layout="csv",
        path=Path("tiny"),
        fingerprint="tiny",
    )


@pytest.fixture(scope="session")
def toolbox(tiny_dataset: Dataset) -> Toolbox:
    return Toolbox.from_trained(train_models(tiny_dataset))
