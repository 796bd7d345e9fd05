"""The scoring page's kernel imports only what the form uses: opening a unit, saving an edit
and reading its row need no SciPy, SALib, matplotlib, papermill, openpyxl or jsonschema
(each costs memory and start-up time per visitor). Run in a fresh interpreter, as a kernel is."""

import subprocess
import sys

HEAVY = ("scipy", "SALib", "matplotlib", "papermill", "openpyxl", "jsonschema")

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


def test_the_scoring_page_loads_no_heavy_library(demo, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT % (HEAVY,), demo.url, str(tmp_path / "evidence")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [], f"loaded by the scoring page: {done.stdout}"
    stored = demo.scores("2017", "so-tu-phap", "self").set_index("code")
    assert stored.loc["1.5.2", "points"] == 2  # the edit really went through
