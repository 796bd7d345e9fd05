"""Loaded for every pytest run, tests and notebooks alike.

Nothing here touches a person's own data: the data directory is a temporary folder, and the
demo store is built only when a test or a notebook first asks for it (once per session).
"""

import functools
import os
import shutil
import tempfile
from pathlib import Path

import pytest

_DATA_DIR = Path(tempfile.mkdtemp(prefix="cchc-tests-"))


def pytest_configure(config: pytest.Config) -> None:
    """Commands run without --db use a store in a temporary data directory, never `var/`."""
    os.environ["CCHC_DATA_DIR"] = str(_DATA_DIR)
    os.environ["CCHC_DB"] = f"sqlite:///{_DATA_DIR / 'empty.sqlite'}"


@functools.cache
def demo_store_file() -> Path:
    """An SQLite file holding the demo, made the first time a test or notebook needs it."""
    import sqlalchemy as sa

    from cchc_widgets.services.demo import load_demo
    from cchc_widgets.store.database import Store

    folder = Path(tempfile.mkdtemp(prefix="cchc-demo-", dir=_DATA_DIR))
    path = folder / "demo.sqlite"
    s = Store(f"sqlite:///{path}", evidence_dir=folder / "evidence")
    load_demo(s)
    with s.engine.begin() as conn:
        conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    s.close()
    return path


@pytest.fixture(scope="session")
def demo_template() -> Path:
    return demo_store_file()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Notebooks (nbval) read `CCHC_DB`: a copy of the demo store, set before their kernel starts."""
    if item.path.suffix == ".ipynb" and "cchc-notebooks" not in os.environ["CCHC_DB"]:
        copy = Path(tempfile.mkdtemp(prefix="cchc-notebooks-", dir=_DATA_DIR)) / "demo.sqlite"
        shutil.copy(demo_store_file(), copy)
        os.environ["CCHC_DB"] = f"sqlite:///{copy}"
