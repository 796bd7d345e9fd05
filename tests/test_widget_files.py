"""The widgets' JavaScript as anywidget gets it (app/widgets/page.py): page.js first, then the
widget's own files in order; while developing (`ANYWIDGET_HMR=1`), a widget follows its files,
so an edit reaches the open page without a kernel restart."""

import os
import time

import anywidget

from cchc_widgets.app.widgets.page import HERE, page_module
from cchc_widgets.app.widgets.scoring_form import ScoringForm


def test_the_scoring_form_is_page_js_then_its_parts_with_render_last():
    esm = ScoringForm._esm
    assert isinstance(esm, str)
    starts = [esm.index((HERE / name).read_text(encoding="utf-8")) for name in
              ("page.js", "scoring_top.js", "scoring_head.js", "scoring_submit.js", "scoring_rows.js",
               "scoring_sending.js", "scoring_form.js")]  # fmt: skip
    assert starts == sorted(starts)
    assert esm.count("export default") == 1
    assert esm.rstrip().endswith("export default { render };")


def test_while_developing_a_widget_follows_its_files(tmp_path, monkeypatch):
    monkeypatch.setenv("ANYWIDGET_HMR", "1")
    own = tmp_path / "own.js"
    own.write_text("// first\nexport default { render() {} };\n", encoding="utf-8")

    class Probe(anywidget.AnyWidget):
        _esm = page_module(own)

    widget = Probe()
    assert "// first" in widget._esm
    assert "function formatNumber" in widget._esm  # page.js before it
    own.write_text("// second\nexport default { render() {} };\n", encoding="utf-8")
    later = time.time_ns() + 2_000_000_000
    os.utime(own, ns=(later, later))  # a new stamp even on a coarse clock
    deadline = time.monotonic() + 15
    while "// second" not in widget._esm and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "// second" in widget._esm
    assert "// first" not in widget._esm
