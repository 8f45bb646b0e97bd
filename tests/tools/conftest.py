from __future__ import annotations

import pytest

from tests.conftest import tiny_toolbox
from tools.toolbox import Toolbox

TITLES = [
    "Alien (1979)",
    "Aliens (1986)",
    "Heat (1995)",
    "Fargo (1996)",
    "Godfather: Part I, The (1972)",
    "Godfather: Part II, The (1974)",
    "Star Wars (1977)",
    "Return of the Jedi (1983)",
]


@pytest.fixture(scope="session")
def toolbox() -> Toolbox:
    return tiny_toolbox(TITLES)
