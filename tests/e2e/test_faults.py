"""Faults under load: the server, or a page's kernel, is killed (SIGKILL, no goodbye) in the
middle of a burst of edits from two pages. Every edit a page showed as saved is in the store
afterwards, the SQLite file is intact, and the change log agrees with the scores."""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from .conftest import demo_copy, serving

pytestmark = pytest.mark.e2e

PERIOD = "2017"
PAGES = [("so-tu-phap", "1.5.2"), ("so-y-te", "1.5.2")]  # two people, two units, a points row each
VALUES = ["0,5", "1", "1,5", "2", "2,5", "3", "3,5"]


@pytest.fixture
def fresh_server(demo_template, tmp_path):
    with serving(demo_copy(demo_template, tmp_path), tmp_path) as srv:
        yield srv


def open_unit(context, server, unit):
    page = context.new_page()
    page.set_default_timeout(30000)
    page.goto(f"{server.url}?unit={unit}&period={PERIOD}&stage=self")
    page.wait_for_selector(".cchc-row-8-5-1 .cchc-input")
    page.fill(".cchc-author", f"Cán bộ {unit}")
    return page


def edit(page, code, value):
    sel = f".cchc-row-{code.replace('.', '-')} .cchc-input"
    page.fill(sel, value)
    page.press(sel, "Tab")


def acknowledged(page, code, value) -> bool:
    """The page shows the value as saved: its points and «Đã lưu»."""
    try:
        page.wait_for_function(
            "([sel, want]) => document.querySelector(sel).textContent === want"
            " && document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')",
            arg=[f".cchc-row-{code.replace('.', '-')} .cchc-row-points", value],
            timeout=5000,
        )
        return True
    except Exception:
        return False


def burst(pages, rounds):
    """Edits from both pages in turn; returns, per page, the last value the page showed as saved."""
    saved = {}
    for k in range(rounds):
        for page, (unit, code) in pages:
            value = VALUES[(k + len(unit)) % len(VALUES)]
            edit(page, code, value)
            if acknowledged(page, code, value):
                saved[unit] = value
    return saved


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def kernel_pids(server) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(server.proc.pid), "-f", "ipykernel_launcher"], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def check_store(db, saved, in_flight):
    """`saved`: per unit, the last value its page showed as saved; `in_flight`: a value sent
    after it that may or may not have reached the store before the kill."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for unit, value in saved.items():
            points = conn.execute(
                "SELECT points FROM scores WHERE period=? AND unit=? AND code='1.5.2' AND stage='self'", (PERIOD, unit)
            ).fetchone()[0]
            allowed = {float(v.replace(",", ".")) for v in (value, in_flight.get(unit, value))}
            assert points in allowed, f"{unit}: the page said {value} was saved; the store holds {points}"
        # the log agrees with the scores: each row's last logged change is what the row holds
        rows = conn.execute("SELECT unit, code, stage, points, version FROM scores WHERE period=?", (PERIOD,)).fetchall()
        for unit, code, stage, points, version in rows:
            last = conn.execute(
                "SELECT new_points, version FROM score_log WHERE period=? AND unit=? AND code=? AND stage=? ORDER BY id DESC",
                (PERIOD, unit, code, stage),
            ).fetchone()
            assert last == (points, version), f"{unit} {code} {stage}: log {last} vs score {(points, version)}"


def test_the_server_killed_mid_burst_loses_nothing_it_acknowledged(browser, fresh_server):
    context = browser.new_context()
    pages = [(open_unit(context, fresh_server, unit), (unit, code)) for unit, code in PAGES]
    saved = burst(pages, 6)
    assert set(saved) == {unit for unit, _ in PAGES}
    for page, (_unit, code) in pages:  # in flight when the server dies: may or may not be saved
        edit(page, code, "0")
    pids = [fresh_server.proc.pid, *kernel_pids(fresh_server)]
    for pid in pids:
        kill(pid)
    fresh_server.proc.wait()
    for page, _ in pages:
        page.wait_for_selector(".cchc-lost", state="visible", timeout=10000)
    check_store(fresh_server.db, saved, {unit: "0" for unit, _ in PAGES})
    fresh_server.start()  # the same file: the server comes back and shows what was saved
    page = open_unit(context, fresh_server, PAGES[0][0])
    shown = page.inner_text(".cchc-row-1-5-2 .cchc-row-points")
    assert shown in (saved[PAGES[0][0]], "0")
    context.close()


def test_a_kernel_killed_mid_burst_loses_nothing_it_acknowledged(browser, fresh_server):
    context = browser.new_context()
    pages = [(open_unit(context, fresh_server, unit), (unit, code)) for unit, code in PAGES]
    saved = burst(pages, 4)
    victim, (unit, code) = pages[0]
    edit(victim, code, "0")
    for pid in kernel_pids(fresh_server):  # every kernel (the pages' and the preheated pool); the server lives
        kill(pid)
    victim.wait_for_selector(".cchc-lost", state="visible", timeout=10000)
    assert "tải lại trang" in victim.inner_text(".cchc-lost").lower()
    points = victim.inner_text(f".cchc-row-{code.replace('.', '-')} .cchc-row-points")
    edit(victim, code, "3")  # typed after the loss: never reported as saved
    victim.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Chưa lưu')")
    assert victim.inner_text(f".cchc-row-{code.replace('.', '-')} .cchc-row-points") == points
    check_store(fresh_server.db, saved, {unit: "0"})
    # A reload gets a new kernel and the store as it is. The preheated kernels died too, and
    # Voilà hands the first visitor after that the dead pool kernel's error page («An exception
    # occurred at the server») while the pool refills: a second reload works (noted in README).
    for attempt in range(2):
        try:  # the server starts the page's kernel and refills its pool at once: on 2 busy cores, slow
            victim.reload(timeout=60000)
            victim.wait_for_selector(".cchc-row-8-5-1 .cchc-input", timeout=40000)
            break
        except Exception:
            assert attempt == 0, "a second reload after a kernel crash must give a working page"
    assert victim.inner_text(".cchc-row-1-5-2 .cchc-row-points") in (saved[unit], "0")
    context.close()


def test_a_killed_import_leaves_each_file_whole_or_absent(demo, tmp_path):
    """`cchc import` of one file per unit, killed once the first file is in: every unit's
    file is stored entirely or not at all, and the database is intact."""
    import time

    cs = demo.criteria_for(PERIOD)
    units = list(demo.unit_names(PERIOD))
    files = []
    for unit in units:
        path = tmp_path / f"{unit}.csv"
        lines = [f"{unit},{code},self,0,bị ngắt giữa chừng" for code in cs.leaf_codes]
        path.write_text("unit,code,stage,points,note\n" + "\n".join(lines) + "\n", encoding="utf-8")
        files.append(str(path))
    db = demo.url.removeprefix("sqlite:///")
    command = [
        sys.executable,
        "-m",
        "cchc_widgets.cli",
        "--db",
        demo.url,
        "import",
        *files,
        "--period",
        PERIOD,
        "--author",
        "thử",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with sqlite3.connect(db) as conn:
            if conn.execute("SELECT count(*) FROM score_log WHERE author = 'thử'").fetchone()[0]:
                break
        time.sleep(0.05)
    kill(proc.pid)
    proc.wait()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = dict(
            conn.execute(
                "SELECT unit, count(*) FROM scores WHERE period=? AND stage='self' AND note='bị ngắt giữa chừng' GROUP BY unit",
                (PERIOD,),
            ).fetchall()
        )
    assert counts, "the import was killed before any file was stored: nothing was tested"
    assert all(n == len(cs.leaf_codes) for n in counts.values()), counts
    assert len(counts) < len(units), "the import finished before it was killed: nothing was tested"
