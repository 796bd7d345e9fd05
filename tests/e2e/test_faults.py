"""Faults under load: the server, a page's kernel, or the warm parent the kernels are forked
from is killed (SIGKILL, no goodbye) in the middle of a burst of edits from two pages. Every
edit a page showed as saved is in the store afterwards, the SQLite file is intact, and the
change log agrees with the scores. A kernel's death touches neither the parent nor the other
kernels; the parent's death touches no kernel, and the server starts another parent."""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from .conftest import demo_copy, kernel_of, serving
from .test_scoring_app import points

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
    # a fresh server's first page waits for its warm parent's imports: on a loaded CI machine (the other
    # test worker busy) that alone took over 30 s once; the page's own speed is measured in bench/
    page.goto(f"{server.url}?unit={unit}&period={PERIOD}&stage=self", timeout=90000)
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
            arg=[f".cchc-row-{code.replace('.', '-')} .cchc-row-points", points(value)],
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
    return server.kernel_pids()


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
    assert shown in (points(saved[PAGES[0][0]]), "0,00")
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
    before = victim.inner_text(f".cchc-row-{code.replace('.', '-')} .cchc-row-points")
    edit(victim, code, "3")  # typed after the loss: never reported as saved
    victim.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Chưa lưu')")
    assert victim.inner_text(f".cchc-row-{code.replace('.', '-')} .cchc-row-points") == before
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
    assert victim.inner_text(".cchc-row-1-5-2 .cchc-row-points") in (points(saved[unit]), "0,00")
    context.close()


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_one_kernel_killed_touches_neither_the_parent_nor_the_other_pages(browser, fresh_server):
    context = browser.new_context()
    pages = [(open_unit(context, fresh_server, unit), (unit, code)) for unit, code in PAGES]
    saved = burst(pages, 2)
    parent = fresh_server.fork_parent()
    assert parent is not None, "the server forks its kernels from a warm parent"
    (victim, (_unit, _code)), survivor = pages
    others = [pid for pid in fresh_server.kernel_pids() if pid != kernel_of(victim)]
    kill(kernel_of(victim))
    victim.wait_for_selector(".cchc-lost", state="visible", timeout=10000)
    assert fresh_server.fork_parent() == parent
    assert alive(parent)
    assert all(alive(pid) for pid in others), "killing one kernel ended another"
    saved.update(burst([survivor], 3))  # the other page saves on
    assert survivor[1][0] in saved
    assert survivor[0].locator(".cchc-lost").is_hidden()
    check_store(fresh_server.db, saved, {})
    context.close()


def test_the_fork_parent_killed_mid_burst_loses_nothing_and_is_started_again(browser, fresh_server):
    context = browser.new_context()
    pages = [(open_unit(context, fresh_server, unit), (unit, code)) for unit, code in PAGES]
    saved = burst(pages, 2)
    parent = fresh_server.fork_parent()
    kernels = fresh_server.kernel_pids()
    for page, (_unit, code) in pages:  # in flight when the parent dies: the pages' kernels are not its to lose
        edit(page, code, "0")
    kill(parent)
    after = burst(pages, 3)  # both pages go on saving: their kernels live
    assert set(after) == {unit for unit, _ in PAGES}
    saved.update(after)
    assert all(alive(pid) for pid in kernels), "the parent's death ended a kernel"
    for page, _ in pages:
        assert page.locator(".cchc-lost").is_hidden()
    deadline = time.monotonic() + 60
    while fresh_server.fork_parent() in (None, parent) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert fresh_server.fork_parent() not in (None, parent), "the server did not start a new warm parent"
    fresh = open_unit(context, fresh_server, "so-noi-vu")  # a kernel from the new parent (or the pool it refilled)
    edit(fresh, "1.5.2", "1,5")
    assert acknowledged(fresh, "1.5.2", "1,5")
    check_store(fresh_server.db, {**saved, "so-noi-vu": "1,5"}, {})
    context.close()


def test_the_server_killed_ends_its_kernels_and_their_parent(browser, fresh_server):
    """Nothing of a killed server lingers: its kernels and its warm parent end with it (they
    watch it), so a restarted server on the same file is the only one writing to it."""
    context = browser.new_context()
    page = open_unit(context, fresh_server, PAGES[0][0])
    family = [fresh_server.fork_parent(), *fresh_server.kernel_pids()]
    assert None not in family
    assert len(family) >= 2  # the parent and the page's kernel (and any kept ready)
    kill(fresh_server.proc.pid)
    fresh_server.proc.wait()
    page.wait_for_selector(".cchc-lost", state="visible", timeout=10000)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in family), "a kernel or the warm parent outlived its server"
    context.close()


def test_a_killed_import_leaves_each_file_whole_or_absent(demo, tmp_path):
    """`cchc import` of one file per unit, killed once the first file is in: every unit's
    file is stored entirely or not at all, and the database is intact."""
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
