"""Where the files that ship with cchc live, in a checkout and in an installed wheel.

In a checkout (editable install) they are read from the repository's `criteria/` and
`data/`; a wheel carries copies under `cchc_widgets/_resources/` (see pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def resource(relative: str) -> Path:
    """Path of a shipped file given relative to the repository root (e.g. `data/units.csv`)."""
    in_repo = REPO_DIR / relative
    if in_repo.exists():
        return in_repo
    return PACKAGE_DIR / "_resources" / relative


SCHEMA_PATH = "criteria/criteria.schema.json"
REFERENCE_CRITERIA = "criteria/dien-bien-so-2016.yaml"


def lazy_face(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A package's `__getattr__` that imports `name` from its module (`where[name]`) on first
    use, so importing the package costs nothing until something in it is needed."""

    def __getattr__(name: str) -> Any:
        if name in where:
            return getattr(import_module(f"{package}.{where[name]}"), name)
        raise AttributeError(name)

    return __getattr__
