"""The widget kit in a real JupyterLab: the tour notebook runs, its widgets render, and a
person's edit in the rendered form is what the next cell reads from `form.scores`."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from cchc_widgets.report import chromium

from .conftest import stop, wait_answering

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
TOKEN = "cchc-e2e-lab-token"  # a throwaway server on loopback, for this test only


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`jupyter lab` on a free loopback port, serving a copy of the tour notebook (outputs
    cleared) from a temporary folder; Lab's settings and workspaces there too."""
    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.read(REPO / "notebooks" / "kit.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, root / "kit.ipynb")
    # every cell in the page: JupyterLab's default windowing detaches cells out of view, so
    # which ones the DOM holds would depend on the outputs' heights
    tracker = root / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
    port = chromium.free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=",  # no announcements fetched from the internet
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (root / "lab.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    wait_answering(proc, f"{base}/api/status?token={TOKEN}", root / "lab.log", "JupyterLab")
    yield base, root
    stop(proc)
    log.close()


def kernel_ready(base: str, timeout: float = 120) -> None:
    """Until the notebook's kernel is started and idle, asked of the server."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/api/sessions?token={TOKEN}", timeout=5) as answer:
            sessions = json.load(answer)
        if any(s.get("kernel", {}).get("execution_state") == "idle" for s in sessions):
            return
        time.sleep(0.5)
    raise AssertionError(f"the notebook's kernel was not idle within {timeout:.0f} s")


def wait_ran(page, cells: int, timeout=240_000):
    """At least `cells` code cells have run (a number in their prompt) and none is waiting (`*`)."""
    page.wait_for_function(
        """(cells) => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
            return !prompts.includes('[*]:') && prompts.filter(p => /^\\[\\d+\\]:$/.test(p)).length >= cells;
        }""",
        arg=cells,
        timeout=timeout,
    )


def test_tour_runs_in_jupyterlab_and_a_persons_edit_reaches_python(lab, browser):
    base, root = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/lab/tree/kit.ipynb?token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell")
    kernel_ready(base)  # on a busy machine the page is up long before its kernel
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", state="attached")
    page.click(".lm-MenuBar-item:has-text('Run')")
    page.click(".lm-Menu-item[data-command='runmenu:run-all']")
    code_cells = sum(1 for c in nbformat.read(root / "kit.ipynb", as_version=4).cells if c.cell_type == "code")
    try:
        wait_ran(page, code_cells)
    except Exception:
        page.screenshot(path=str(root / "not-run.png"))  # kept with the test's files for a look
        prompts = [p.text_content() for p in page.locator(".jp-CodeCell .jp-InputPrompt").all()]
        raise AssertionError(f"not every cell ran: {prompts}; screenshot {root / 'not-run.png'}") from None

    # the three widgets rendered, each with what its cells made
    form = page.locator(".cchc-form")
    form.locator(".cchc-row-1-1-2 select.cchc-input").wait_for()
    assert page.locator(".cchc-wi .cchc-wi-slider").count() >= 8
    assert "Sở Tư pháp" in form.text_content()
    editor = page.locator(".cchc-ce")
    assert editor.locator(".cchc-ce-rank-row").count() == 19
    assert page.locator(".jp-OutputArea-output").filter(has_text="Traceback").count() == 0

    # a person's edit in the rendered form (an appraisal: a different answer needs a reason)
    row = form.locator(".cchc-row-1-1-2")
    row.locator("select.cchc-input").select_option("Không")
    row.locator(".cchc-note").fill("Không có dự toán kinh phí")
    row.locator(".cchc-note").press("Tab")
    page.wait_for_function("() => document.querySelector('.cchc-form .cchc-saved').textContent.startsWith('Đã lưu')")

    # a following cell reads it back from form.scores
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # a new cell below, in command mode
    page.keyboard.press("Enter")
    code = (
        "import json; print(json.dumps(form.scores.query(\"unit == 'so-tu-phap' and code == '1.1.2' "
        "and stage == 'appraisal'\")[['value', 'note']].to_dict('records'), ensure_ascii=False))"
    )
    page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")  # runs it (and opens an empty cell after it)
    wait_ran(page, code_cells + 1)
    out = page.locator(".jp-Notebook .jp-CodeCell").nth(code_cells).locator(".jp-OutputArea-output")
    out.wait_for()
    assert json.loads(out.text_content().strip()) == [{"value": "Không", "note": "Không có dự toán kinh phí"}]
    assert not errors, errors
    page.close()
