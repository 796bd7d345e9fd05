"""Entry points that the Voilà notebooks call, and the command that serves them.

With a preheated kernel the notebook runs before anyone opens the page; what it reads then
(the URL query, the store) would be stale. `request_query()` blocks until the visitor's
request has arrived, so the page always shows the store as it is when it opens.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cchc_widgets.resources import resource
from cchc_widgets.store.database import Store

if TYPE_CHECKING:  # each page imports its own widget only: the scoring kernel stays lean
    from cchc_widgets.app.widgets.scoring_form import ScoringForm
    from cchc_widgets.app.widgets.whatif_app import WhatIfApp

NOTEBOOKS = "notebooks/apps"  # only the apps are served: the report and analyst notebooks are not pages
SCORING_NOTEBOOK = "scoring.ipynb"
WHATIF_NOTEBOOK = "whatif.ipynb"
CULL_IDLE_SECONDS = 120
MAX_MESSAGE_BYTES = 20 * 1024 * 1024  # above the 8 MB evidence limit once base64/JSON framing is added


def request_query() -> str:
    """The query string of the page request (waits for it when the kernel was preheated)."""
    from voila.utils import get_query_string

    return get_query_string() or os.environ.get("QUERY_STRING", "")


def scoring_page(store: Store | None = None) -> ScoringForm:
    """The scoring app: opened on `?unit=…&period=…&stage=…` from the visitor's URL.

    Everything that does not depend on the visitor (imports, the database connection, the
    criteria sets, a first form build) is done before waiting, while the kernel is preheated.
    """
    from cchc_widgets.app.widgets.scoring_form import ScoringForm

    store = store or Store()
    warm_up(store)
    query = request_query()
    return ScoringForm.from_query(store, query)


def warm_up(store: Store) -> None:
    """Read what every visitor needs and build one throwaway form, so the real one is quick."""
    from cchc_widgets.app.widgets.scoring_form import ScoringForm

    periods = store.periods()["id"]
    for period in periods:
        store.criteria_for(period)
    if len(periods):
        ScoringForm(store).close()


def whatif_page(store: Store | None = None) -> WhatIfApp:
    """The what-if app for `?period=…` (default: the latest period)."""
    from urllib.parse import parse_qs

    from cchc_widgets.app.widgets.whatif_app import WhatIfApp

    store = store or Store()
    for period in store.periods()["id"]:
        store.criteria_for(period)
    query = request_query()
    period = parse_qs(query.lstrip("?")).get("period", [None])[0]
    known = set(store.periods()["id"])
    return WhatIfApp(store, period if period in known else None)


def voila_command(port: int, notebooks: Path | None = None) -> list[str]:
    """Voilà on 127.0.0.1:port serving the app notebooks, preheated, with idle kernels culled."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebooks or resource(NOTEBOOKS)),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--preheat_kernel=True",
        "--pool_size=1",
        # a closed page's kernel is shut down by the page itself (see widgets/page.js); a kernel
        # whose page vanished without a word (a killed browser) is culled after 2 idle minutes
        "--MappingKernelManager.cull_interval=30",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        "--MappingKernelManager.cull_connected=False",
        f"--Voila.tornado_settings={{'websocket_max_message_size': {MAX_MESSAGE_BYTES}}}",
    ]
