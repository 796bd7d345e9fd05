"""Loaded for every pytest run, tests and notebooks alike."""

import os
import tempfile
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Notebooks (nbval, smoke runs) read `CCHC_DB`: point it at a fresh demo store, never at a
    person's own data."""
    from cchc_widgets.services.demo import load_demo
    from cchc_widgets.store.database import Store

    folder = Path(tempfile.mkdtemp(prefix="cchc-tests-"))
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    store = Store(url, evidence_dir=folder / "evidence")
    load_demo(store)
    store.close()
    os.environ["CCHC_DB"] = url
    os.environ["CCHC_DATA_DIR"] = str(folder)
