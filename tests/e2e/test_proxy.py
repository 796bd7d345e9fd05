"""Past one machine: two `cchc serve` processes (accounts) sharing one PostgreSQL, behind Debian's
nginx run from deploy/nginx.conf, driven by a real Chromium. A sign-in made through one server
holds on the other, a colleague's change made through one server arrives live on a page the other
serves, and a server killed outright loses nothing a page showed as saved: its people reload
through the proxy, land on the survivor still signed in, and carry on."""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from cchc_widgets.report import chromium
from cchc_widgets.services import access
from cchc_widgets.services.demo import load_demo
from cchc_widgets.services.permissions import console
from cchc_widgets.store.database import Store

from .conftest import Server, alive, stop, wait_answering
from .test_scoring_app import points
from .test_sign_in import post_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.external]

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "nginx.conf"
PERIOD, UNIT = "2017", "so-tu-phap"
SCORING = "/voila/render/scoring.ipynb"
FORM = f"{SCORING}?unit={UNIT}&period={PERIOD}&stage=self"
PEOPLE = {"tuphap": ("Trần Thị Pháp", "mat-khau-tu-phap"), "dongnghiep": ("Đỗ Văn Nghiệp", "mat-khau-dong-nghiep")}
SAVED = "() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')"


def nginx_conf(template: str, listen: int, upstreams: list[int]) -> str:
    """deploy/nginx.conf with this test's ports in place of the example's (each example address
    must be there, so the file the README shows is the file tested)."""
    replaced = {"listen 127.0.0.1:8080;": f"listen 127.0.0.1:{listen};"}
    replaced |= {
        f"server 127.0.0.1:{example};": f"server 127.0.0.1:{port};" for example, port in zip((8866, 8867), upstreams, strict=True)
    }
    for example, here in replaced.items():
        assert template.count(example) == 1, f"deploy/nginx.conf no longer has `{example}`"
        template = template.replace(example, here)
    return template


@contextlib.contextmanager
def nginx(folder: Path, upstreams: list[int]):
    """Debian's nginx in the foreground, every path of its own under `folder`; stopped by PID."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "this test needs Debian's nginx: `make browser` installs it (or: apt-get install nginx)"
    folder.mkdir()
    port = chromium.free_port()
    conf = folder / "nginx.conf"
    conf.write_text(nginx_conf(TEMPLATE.read_text(), port, upstreams))
    log = folder / "stdout.log"
    command = [binary, "-p", f"{folder}/", "-e", str(folder / "error.log"), "-c", str(conf), "-g", "daemon off;"]
    proc = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_answering(proc, f"http://127.0.0.1:{port}/login", folder / "error.log", "nginx", timeout=30)
        yield port
    finally:
        stop(proc)  # SIGTERM to the master we started: it ends its worker


@pytest.fixture
def cluster(pg_url, tmp_path):
    """The demo in a fresh PostgreSQL database, two officers of one unit, two servers on it and
    nginx in front; the servers as deployed behind a proxy on this machine (`--proxy`)."""
    store = Store(pg_url, evidence_dir=tmp_path / "data" / "evidence")
    load_demo(store)
    for login, (name, password) in PEOPLE.items():
        access.add_account(store, login, name, "unit", [UNIT], password, console("test"))
    access.set_stage(store, PERIOD, "self", access.OPEN, None, console("test"))
    store.close()
    auth = ("--auth", "accounts", "--proxy", "127.0.0.1")
    servers = [Server(pg_url, tmp_path / "data", tmp_path / f"voila-{k}.log", auth=auth) for k in range(2)]
    try:
        for server in servers:
            server.start()
        with nginx(tmp_path / "nginx", [s.port for s in servers]) as port:
            yield SimpleNamespace(servers=servers, port=port, url=f"http://127.0.0.1:{port}", db=pg_url, root=tmp_path)
    finally:
        for server in servers:
            server.stop()


def signed_in_page(browser, cluster, login: str):
    """A person in their own browser profile, signed in through the proxy, on the unit's form."""
    page = browser.new_context().new_page()
    page.set_default_timeout(60000)
    page.goto(f"{cluster.url}{FORM}")
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PEOPLE[login][1])
    page.click("button[type=submit]")
    page.wait_for_selector(".cchc-row-8-5-1 .cchc-input")
    return page


def serving(cluster, open_page) -> Server:
    """The server that started the kernel of the page `open_page()` opens: with no kernels kept
    ready (the default), the one whose kernels grew."""
    before = {id(s): set(s.kernel_pids()) for s in cluster.servers}
    page = open_page()
    grew = [s for s in cluster.servers if set(s.kernel_pids()) - before[id(s)]]
    assert len(grew) == 1, "one page, one kernel, on one server"
    return page, grew[0]


def row(code: str) -> str:
    return f".cchc-row-{code.replace('.', '-')}"


def enter(page, code: str, value: str) -> None:
    page.fill(f"{row(code)} .cchc-input", value)
    page.press(f"{row(code)} .cchc-input", "Tab")
    page.wait_for_function(
        "([sel, want]) => document.querySelector(sel).textContent === want", arg=[f"{row(code)} .cchc-row-points", points(value)]
    )
    page.wait_for_function(SAVED)


def stored(cluster, code: str) -> tuple[float, str]:
    """A row's points in the store and the account that saved them."""
    store = Store(cluster.db)
    try:
        found = store.scores(PERIOD, UNIT, "self").set_index("code").loc[code]
        return float(found["points"]), found["author"]
    finally:
        store.close()


def test_two_servers_behind_nginx_share_sign_ins_changes_and_survive_one_killed(browser, cluster):
    # nginx appends the address it saw to X-Forwarded-For and the server trusts only that one:
    # an address a client wrote there itself is not the one a sign-in is logged (and locked) from
    status, _, _ = post_sign_in(SimpleNamespace(port=cluster.port), "tuphap", "sai", "/", {"X-Forwarded-For": "203.0.113.9"})
    assert status == 401
    store = Store(cluster.db)
    failed = store.events().query("action == 'sign-in-failed' and login == 'tuphap'")
    store.close()
    assert failed["detail"].tolist() == ["127.0.0.1"]

    # signed in through the proxy, on whichever server the sign-in cookie hashes to
    officer, home = serving(cluster, lambda: signed_in_page(browser, cluster, "tuphap"))
    other = next(s for s in cluster.servers if s is not home)
    assert PEOPLE["tuphap"][0] in officer.inner_text(".cchc-user")
    # the sign-in is the store's: each server on its own (no proxy) takes the same cookie
    for server in cluster.servers:
        direct = officer.context.new_page()
        direct.goto(f"http://127.0.0.1:{server.port}{FORM}")
        direct.wait_for_selector(".cchc-row-8-5-1 .cchc-input")
        assert PEOPLE["tuphap"][0] in direct.inner_text(".cchc-user")
        direct.close(run_before_unload=True)

    # the colleague signs in until their cookie hashes to the other server (a new sign-in is a
    # new random token: each lands on either server with even odds)
    for _ in range(12):
        colleague, theirs = serving(cluster, lambda: signed_in_page(browser, cluster, "dongnghiep"))
        if theirs is other:
            break
        colleague.goto(f"{cluster.url}/logout")
        colleague.context.close()
    assert theirs is other, "twelve sign-ins all hashed to one server: nginx is not spreading people"
    assert PEOPLE["dongnghiep"][0] in colleague.inner_text(".cchc-user")

    # a change through one server arrives live on the page the other serves, named
    assert stored(cluster, "1.5.2")[0] == 2  # the demo's
    assert stored(cluster, "8.3.2")[0] == 1
    new = "2,5"
    enter(colleague, "1.5.2", new)
    officer.wait_for_function(
        "([sel, want]) => document.querySelector(sel).value === want", arg=[f"{row('1.5.2')} .cchc-input", new], timeout=15000
    )
    officer.wait_for_function(
        "() => document.querySelector('.cchc-notice').textContent.includes('Đỗ Văn Nghiệp vừa lưu 1.5.2')", timeout=15000
    )
    # and back the other way
    enter(officer, "8.3.2", "1,5")
    colleague.wait_for_function(
        "() => document.querySelector('.cchc-notice').textContent.includes('Trần Thị Pháp vừa lưu 8.3.2')", timeout=15000
    )

    # the officer's server is killed outright right after the page said «Đã lưu»: nothing lost
    enter(officer, "8.3.2", "0,5")
    family = [home.proc.pid, home.fork_parent(), *home.kernel_pids()]
    os.kill(home.proc.pid, signal.SIGKILL)
    home.proc.wait()
    assert stored(cluster, "8.3.2") == (0.5, "tuphap")
    assert stored(cluster, "1.5.2") == (2.5, "dongnghiep")
    officer.wait_for_selector(".cchc-lost", state="visible", timeout=15000)
    deadline = time.monotonic() + 15
    while any(pid and alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(pid and alive(pid) for pid in family), "a kernel or the warm parent outlived its killed server"

    # reloading through the proxy lands on the survivor, still signed in, with what was saved
    before = set(other.kernel_pids())
    officer.reload()
    officer.wait_for_selector(".cchc-row-8-5-1 .cchc-input")
    assert set(other.kernel_pids()) - before, "the reloaded page's kernel is not on the surviving server"
    assert PEOPLE["tuphap"][0] in officer.inner_text(".cchc-user")
    assert officer.input_value(f"{row('8.3.2')} .cchc-input") == "0,5"
    assert officer.input_value(f"{row('1.5.2')} .cchc-input") == new
    enter(officer, "1.5.2", "1,5")  # and carries on: its websocket reaches the kernel it started
    assert stored(cluster, "1.5.2") == (1.5, "tuphap")
    # the colleague on the survivor never noticed
    colleague.wait_for_function("() => document.querySelector('.cchc-row-1-5-2 .cchc-input').value === '1,5'", timeout=15000)
    assert colleague.query_selector(".cchc-lost:visible") is None
    errors = (cluster.root / "nginx" / "error.log").read_text()
    assert not re.search(r"\[(emerg|alert|crit)\]", errors), errors
    for page in (officer, colleague):
        page.close(run_before_unload=True)
