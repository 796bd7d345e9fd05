"""Where cchc keeps its data: the database URL and the data directory.

Order of precedence: an explicit `--db URL`, then `CCHC_DB`, then an SQLite file in the
data directory (`CCHC_DATA_DIR`, else `var/` in the checkout, else `var/` in the current
directory). Nothing is written anywhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

from cchc_widgets.resources import REPO_DIR


def data_dir() -> Path:
    configured = os.environ.get("CCHC_DATA_DIR")
    if configured:
        return Path(configured)
    if (REPO_DIR / "pyproject.toml").exists():
        return REPO_DIR / "var"
    return Path.cwd() / "var"


def database_url(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    env = os.environ.get("CCHC_DB")
    if env:
        return env
    return f"sqlite:///{data_dir() / 'cchc.sqlite'}"


def redacted(url: str) -> str:
    """The URL as messages, logs and pages may show it: the password replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: show only its scheme
        return url.split(":", 1)[0] + ":…"
