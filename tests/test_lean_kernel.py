"""The scoring page's kernel imports only what the form uses: opening a unit, saving an edit
and reading its row need no SciPy, SALib, matplotlib, papermill, openpyxl or jsonschema (nor
does the what-if page's weighting and comparison: its kernel is preheated too), and
waiting for the visitor's request in a preheated kernel needs no jupyter_server or nbconvert
(each costs memory and start-up time per visitor: Voilà's own helper for that wait imported
49 MB). Run in a fresh interpreter, as a kernel is."""

import json
import subprocess
import sys
import threading

import pytest
from websockets.sync.server import serve

pytestmark = pytest.mark.external  # each page's script runs in a fresh interpreter, as a kernel does

HEAVY = ("scipy", "SALib", "matplotlib", "papermill", "openpyxl", "xlsxwriter", "jsonschema", "jupyter_server", "nbconvert")

SCRIPT = """
import sys
from cchc_widgets.app import voila  # what the scoring notebook imports
from cchc_widgets.app.widgets.scoring_form import ScoringForm
from cchc_widgets.store.database import Store

store = Store(sys.argv[1], evidence_dir=sys.argv[2])
form = ScoringForm(store, "2017", "so-tu-phap", "self")
form.send = lambda content, buffers=None: None
version = next(r for r in form.rows if r["code"] == "1.5.2")["mine"]["version"]
edit = {"type": "edit", "code": "1.5.2", "value": "2", "note": "thử", "author": "Người thử", "version": version}
form._on_message(form, edit, [])
form._on_message(form, {"type": "ping"}, [])
assert form.alert == "", form.alert
print(" ".join(m for m in %r if m in sys.modules))
"""


def _fresh(script: str, demo, tmp_path) -> list[str]:
    """What `script` prints, run in a fresh interpreter on the demo store (as a kernel runs)."""
    done = subprocess.run(
        [sys.executable, "-c", script % (HEAVY,), demo.url, str(tmp_path / "evidence")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_the_scoring_page_loads_no_heavy_library(demo, tmp_path):
    loaded = _fresh(SCRIPT, demo, tmp_path)
    assert loaded == [], f"loaded by the scoring page: {loaded}"
    stored = demo.scores("2017", "so-tu-phap", "self").set_index("code")
    assert stored.loc["1.5.2", "points"] == 2  # the edit really went through


WHATIF = """
import sys
from cchc_widgets.app import voila  # what the what-if notebook imports
from cchc_widgets.app.widgets.whatif_app import WhatIfApp
from cchc_widgets.store.database import Store

app = WhatIfApp(Store(sys.argv[1], evidence_dir=sys.argv[2]), "2017")
app.send = lambda content, buffers=None: None
app._on_message(app, {"type": "weights", "weights": {app.session.cs.top_codes[0]: 3}}, [])
assert app.alert == "", app.alert
moved = int((app.comparison["delta_rank"] != 0).sum())
print(moved, *(m for m in %r if m in sys.modules))
"""


def test_the_whatif_page_weighs_and_compares_without_a_heavy_library(demo, tmp_path):
    moved, *loaded = _fresh(WHATIF, demo, tmp_path)
    assert int(moved) > 0  # the weight moved ranks: the comparison (ρ, τ) was computed
    assert loaded == [], f"loaded by the what-if page: {loaded}"


PREHEATED = """
import sys
from cchc_widgets.app import voila
from cchc_widgets.store.database import Store

form = voila.scoring_page(Store(sys.argv[1], evidence_dir=sys.argv[2]))  # waits for the request
print(form.session.unit, form.session.stage, *(m for m in %r if m in sys.modules))
"""


def test_a_preheated_kernel_waits_for_its_visitor_without_voilas_server_modules(demo, tmp_path):
    """As Voilà gives a preheated kernel to a visitor: the kernel connects to
    `voila/query/<kernel id>` and blocks until the request's variables arrive (here from a
    websocket server speaking Voilà's side of it; the served apps' tests use Voilà itself)."""
    asked: list[str] = []

    def voila_side(socket):
        asked.append(socket.request.path)
        socket.send(json.dumps({"QUERY_STRING": "unit=so-y-te&period=2017&stage=appraisal"}))

    with serve(voila_side, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env = {
            "VOILA_PREHEAT": "True",
            "VOILA_KERNEL_ID": "k-123",
            "VOILA_APP_PORT": str(server.socket.getsockname()[1]),
            "VOILA_SERVER_URL": "/",
            "CCHC_AUTH": "none",
        }
        done = subprocess.run(
            [sys.executable, "-c", PREHEATED % (HEAVY,), demo.url, str(tmp_path / "evidence")],
            capture_output=True,
            text=True,
            timeout=120,
            env={**_plain_env(), **env},
        )
        server.shutdown()
    assert done.returncode == 0, done.stderr[-2000:]
    assert asked == ["/voila/query/k-123"]
    assert done.stdout.split() == ["so-y-te", "appraisal"], f"opened or loaded: {done.stdout}"


def _plain_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("VOILA_", "QUERY_STRING", "CCHC_"))}
