"""deploy/jupyterhub_config.py with a real JupyterHub, configurable-http-proxy and PostgreSQL:
two people sign in at the hub, each gets their own Voilà, and each sees what their account in
the store allows."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cchc_widgets.report import chromium
from cchc_widgets.services import access
from cchc_widgets.services.demo import load_demo
from cchc_widgets.services.permissions import console
from cchc_widgets.store.database import Store

from .conftest import stop, wait_answering

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
PROXY = REPO / ".cache" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "mat-khau-chung-thu"
UNIT, OTHER = "so-tu-phap", "so-y-te"


@pytest.fixture
def hub(pg_url, tmp_path):
    assert PROXY.exists(), "the JupyterHub test needs configurable-http-proxy: `make hub-proxy` installs it"
    store = Store(pg_url, evidence_dir=tmp_path / "evidence")
    load_demo(store)
    access.add_account(store, "tuphap", "Trần Thị Pháp", "unit", [UNIT], None, console("test"))
    access.add_account(store, "thamdinh", "Lê Văn Định", "appraiser", [UNIT, OTHER], None, console("test"))
    store.close()
    port = chromium.free_port()
    env = {
        **os.environ,
        "CCHC_DB": pg_url,
        "CCHC_DATA_DIR": str(tmp_path),
        "CCHC_HUB_PORT": str(port),
        "CCHC_HUB_API_PORT": str(chromium.free_port()),
        "CCHC_PROXY_API_PORT": str(chromium.free_port()),
        "CCHC_PROXY": str(PROXY),
        "CCHC_HUB_PASSWORD": PASSWORD,
    }
    log = (tmp_path / "hub.log").open("w")
    command = [sys.executable, "-m", "jupyterhub", "-f", str(REPO / "deploy" / "jupyterhub_config.py")]
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_answering(proc, f"{url}/hub/login", tmp_path / "hub.log", "JupyterHub")
    yield url
    stop(proc, timeout=60)  # the hub stops the users' servers and the proxy it started
    log.close()


def hub_sign_in(browser, hub, name):
    page = browser.new_context().new_page()
    page.set_default_timeout(90000)  # the first visit starts the person's own server
    page.goto(f"{hub}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{name}/**")
    return page


def units_offered(page):
    return page.eval_on_selector_all(".cchc-select-unit option", "os => os.map(o => o.value)")


def landing_links(page):
    page.wait_for_selector("ul.apps")
    return page.eval_on_selector_all("ul.apps a", "links => links.map((a) => a.textContent)")


def test_two_people_through_jupyterhub(browser, hub, pg_url):
    officer = hub_sign_in(browser, hub, "tuphap")
    judge = hub_sign_in(browser, hub, "thamdinh")
    # signing in lands on the person's own landing page, offering what their role opens
    assert landing_links(officer) == ["Tự đánh giá của đơn vị"]
    assert "Trần Thị Pháp" in officer.inner_text("main")
    assert landing_links(judge) == ["Thẩm định", "Thử trọng số"]
    officer.click("text=Tự đánh giá của đơn vị")
    officer.wait_for_selector(".cchc-row-1-1-1 .cchc-input")
    assert f"/user/tuphap/voila/render/scoring.ipynb?unit={UNIT}" in officer.url
    judge.goto(f"{hub}/user/thamdinh/voila/render/scoring.ipynb?unit={OTHER}")
    judge.wait_for_selector(".cchc-row-1-1-1 .cchc-input")
    assert "Trần Thị Pháp" in officer.inner_text(".cchc-user")
    assert units_offered(officer) == [UNIT]
    assert "Lê Văn Định" in judge.inner_text(".cchc-user")
    assert units_offered(judge) == sorted([UNIT, OTHER])
    assert judge.eval_on_selector(".cchc-select-stage", "s => s.value") == "appraisal"

    officer.select_option(".cchc-row-1-1-1 select.cchc-input", "Ban hành chậm")
    officer.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')")
    store = Store(pg_url)
    assert store.scores("2017", UNIT, "self").set_index("code").loc["1.1.1", "author"] == "tuphap"

    # one person's server is theirs alone: the hub refuses the other one
    officer.goto(f"{hub}/user/thamdinh/voila/render/scoring.ipynb")
    assert "403" in officer.content() or "not allowed" in officer.content().lower()
    # someone the hub lets in but the province gave no account sees nothing of the apps
    stranger = hub_sign_in(browser, hub, "khach")
    stranger.wait_for_selector("main")
    assert "chưa được Sở Nội vụ cấp quyền" in stranger.inner_text("main")
    assert stranger.query_selector("ul.apps") is None
    stranger.goto(f"{hub}/user/khach/voila/render/scoring.ipynb")
    stranger.wait_for_selector(".cchc-signed-out")
    assert "chưa được Sở Nội vụ cấp quyền" in stranger.inner_text(".cchc-signed-out")
    assert stranger.query_selector(".cchc-row-1-1-1") is None
    store.close()
    for page in (officer, judge, stranger):
        page.close(run_before_unload=True)
