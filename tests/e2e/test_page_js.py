"""What page.js gives every app, run in the real Chromium: numbers written exactly as Python's
`format_number` writes them, rounded half up as provinces publish them (one format on a page,
whichever side drew the figure), and the connection notice of an app whose kernel stops answering."""

import random

import pytest

from cchc_widgets.app.widgets.criteria_editor import CriteriaEditor
from cchc_widgets.app.widgets.page import HERE
from cchc_widgets.core.numbers import format_number

pytestmark = pytest.mark.e2e

# fmt: off
EDGES = [
    0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 1.005, 2.675, 0.285, 9.5, 92.5, 51, 100, 999.995,
    1234.5, -1234.5, 1234567.891, 1e-7, -0.004, 0.0049999, 12.3456789, 1e15 + 0.25, 84.50000000000001,
    85.175, 90.125, 2.0045, -0.125, 97.685, 90.12499999999999, 0.1 + 0.2, -85.175,
]
# fmt: on


def cases() -> list[tuple[float, int, bool, bool]]:
    """The edges and a few thousand random figures, in every decimals × group × fixed."""
    rng = random.Random(26)
    values = EDGES + [round(rng.uniform(-5000, 5000), rng.randint(0, 6)) for _ in range(1500)]
    values += [rng.randint(0, 4000) / 8 for _ in range(300)]  # exact binary halves, quarters, eighths: the ties
    return [(v, d, g, f) for v in values for d in (0, 1, 2, 3, 4) for g in (True, False) for f in (False, True)]


@pytest.fixture
def blank(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(content=(HERE / "page.js").read_text(encoding="utf-8"))
    yield page
    page.close()


def test_numbers_read_as_format_number_writes_them(blank):
    cs = cases()
    shown = blank.evaluate("cs => cs.map(([v, d, g, f]) => formatNumber(v, d, g, f))", cs)
    wrong = [(c, js, format_number(*c)) for c, js in zip(cs, shown, strict=True) if js != format_number(*c)]
    assert not wrong, f"{len(wrong)} of {len(cs)} differ, e.g. {wrong[:5]}"
    assert blank.evaluate("[num(null), num(undefined), num(92.5, 2, true), num(0.5), formatNumber(null)]") == [
        "—", "—", "92,50", "0,5", ""]  # fmt: skip
    # as a province prints them (Excel's ROUND), not half to even on the binary float (85,17)
    assert blank.evaluate("[formatNumber(85.175), formatNumber(90.125), formatNumber(-0.125), formatNumber(2.0045, 3)]") == [
        "85,18", "90,13", "-0,13", "2,005"]  # fmt: skip


RENDER = """async ([esm, state]) => {
  const listeners = {};
  window.sent = [];
  window.answering = true; // the kernel answers a ping with a pong, or says nothing (gone, or busy)
  const model = {
    get: (key) => state[key],
    on: (event, f) => (listeners[event] ||= []).push(f),
    send: (msg) => {
      window.sent.push(msg.type);
      if (window.answering && msg.type === "ping") for (const f of listeners["msg:custom"] || []) f({ type: "pong" }, []);
    },
  };
  const url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
  const el = document.createElement("div");
  document.body.append(el);
  (await import(url)).default.render({ model, el });
}"""


@pytest.fixture
def editor(blank):
    """The criteria editor lives in JupyterLab, where no server of ours can be killed under it:
    its real module with the real state of a `CriteriaEditor`, and a kernel played by the page."""
    state = CriteriaEditor.reference().get_state()
    blank.evaluate(RENDER, [state["_esm"], state])
    blank.wait_for_selector(".cchc-ce-tree > *")
    return blank


def test_an_answered_heartbeat_says_nothing(editor):
    editor.wait_for_timeout(7000)  # longer than the 5 s of patience
    assert editor.locator(".cchc-ce > .cchc-lost").is_hidden()
    assert "ping" in editor.evaluate("window.sent")


def test_a_silent_kernel_is_said_and_in_jupyterlab_one_that_speaks_again_is_back(editor):
    editor.evaluate("window.answering = false")
    notice = editor.wait_for_selector(".cchc-ce > .cchc-lost", state="visible", timeout=10000)
    assert "tải lại trang" in notice.inner_text().lower()
    editor.evaluate("window.answering = true")  # a long cell ended: the kernel was busy, not gone
    editor.wait_for_selector(".cchc-ce > .cchc-lost", state="hidden", timeout=10000)
    assert not editor.locator(".cchc-ce.cchc-offline").count()
