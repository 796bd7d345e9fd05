"""A real `cchc serve` (Voilà) on a free loopback port and Debian's Chromium driven by Playwright."""

import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cchc_widgets.report import chromium

CHROMIUM = "/usr/bin/chromium"


def wait_answering(proc: subprocess.Popen, url: str, log: Path, what: str, timeout: float = 90) -> None:
    """Until `url` answers; the log's tail if the process stops first."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} stopped: {log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer within {timeout:.0f} s") from None
            time.sleep(0.3)


def stop(proc: subprocess.Popen | None, timeout: float = 30) -> None:
    """One SIGTERM to a process this test started; killed only if it does not stop in time."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Server:
    """`cchc serve` as a user starts it; stopped with one SIGTERM to the PID we started."""

    def __init__(self, db: Path | str, data_dir: Path, log: Path, auth: tuple[str, ...] = ("--auth", "none")):
        self.db, self.data_dir, self.log = db, data_dir, log  # a SQLite file, or a database URL (PostgreSQL)
        self.auth = auth  # the laptop mode unless a test signs people in
        self.port = chromium.free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/voila/render/scoring.ipynb"

    def start(self) -> None:
        env = {**os.environ, "CCHC_DATA_DIR": str(self.data_dir)}
        cmd = [
            sys.executable,
            "-m",
            "cchc_widgets.cli",
            "--db",
            self.db if isinstance(self.db, str) else f"sqlite:///{self.db}",
            "serve",
            "--port",
            str(self.port),
            *self.auth,
        ]
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log.open("a"), stderr=subprocess.STDOUT)
        try:
            wait_answering(self.proc, f"http://127.0.0.1:{self.port}/", self.log, "cchc serve")
        except RuntimeError:  # too slow to answer: stopped here, not left running after the test
            stop(self.proc)
            raise

    def fork_parent(self) -> int | None:
        """The warm parent the server forks its kernels from (app.forking), if it runs one now."""
        found = _children(self.proc.pid, "cchc_widgets.app.fork_parent")
        return found[0] if found else None

    def kernel_pids(self) -> list[int]:
        """Kernel processes the server runs now (its preheated pool and one per open page):
        forked from its warm parent, or started by Jupyter as new interpreters."""
        parent = self.fork_parent()
        return _children(self.proc.pid, "ipykernel_launcher") + (_children(parent) if parent else [])

    def kernels(self) -> int:
        return len(self.kernel_pids())

    def settled_kernels(self, timeout: float = 90) -> int:
        """The kernel count once it has stopped changing for a few seconds (pools refill, closed
        pages' kernels shut down)."""
        deadline, last, since = time.monotonic() + timeout, -1, time.monotonic()
        while time.monotonic() < deadline:
            now = self.kernels()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since > 4:
                return now
            time.sleep(0.5)
        return last

    def stop(self) -> None:
        stop(self.proc)


def _children(pid: int, command: str | None = None) -> list[int]:
    """Live children of `pid` (those whose command line holds `command`, when given)."""
    found = subprocess.run(["pgrep", "-P", str(pid), *(["-f", command] if command else [])], capture_output=True, text=True)
    pids = [int(p) for p in found.stdout.split()]
    return [p for p in pids if Path(f"/proc/{p}/stat").exists() and _state(p) != "Z"]


def kernel_of(page) -> int:
    """The pid of the kernel serving `page`: the process listening on its connection file's shell
    socket (a Unix socket `<ip>-<port>` beside the file: the server's kernels speak IPC, not TCP)."""
    config = page.evaluate("() => document.getElementById('jupyter-config-data').textContent")
    kernel_id = json.loads(config)["kernelId"]
    (connection,) = glob.glob(f"/tmp/**/kernel-{kernel_id}.json", recursive=True)
    with open(connection) as f:
        info = json.load(f)
    assert info["transport"] == "ipc"
    shell = f"{info['ip']}-{info['shell_port']}"
    listening = subprocess.run(["ss", "-Hlxp"], capture_output=True, text=True).stdout
    (line,) = [line for line in listening.splitlines() if f" {shell} " in line]
    return int(line.split("pid=")[1].split(",")[0])


def alive(pid: int) -> bool:
    """The process runs (neither gone nor a zombie waiting for its parent)."""
    return _state(pid) != "Z"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


@contextlib.contextmanager
def serving(db: Path, root: Path, auth: tuple[str, ...] = ("--auth", "none")):
    """`cchc serve` on the store file `db`, its evidence and log under `root`; stopped after."""
    srv = Server(db, root / "data", root / "voila.log", auth=auth)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def demo_copy(demo_template, root: Path) -> Path:
    db = root / "store.sqlite"
    shutil.copy(demo_template, db)
    return db


@pytest.fixture(scope="module")
def server(demo_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    with serving(demo_copy(demo_template, root), root) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "e2e tests need Debian's chromium (make test installs it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=chromium.ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30000)
    yield pg
    from playwright.sync_api import Error as PlaywrightError

    for open_page in context.pages:  # leave as a person leaves: the page shuts its kernel down
        with contextlib.suppress(PlaywrightError):  # a page the test closed meanwhile
            open_page.close(run_before_unload=True)
    context.close()
