"""Where the files that ship with cchc live, in a checkout and in an installed wheel.

In a checkout (editable install) they are read from the repository's `criteria/` and
`data/`; a wheel carries copies under `cchc_widgets/_resources/` (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

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
