"""Shared fixtures: stores on SQLite and on a throwaway PostgreSQL server, a copy of the demo
store per test (the demo itself is built once, lazily: see the root conftest), the reference
criteria set and paths."""

import contextlib
import glob
import io
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "criteria" / "dien-bien-so-2016.yaml"
PUBLISHED = Path(__file__).resolve().parent / "data" / "published"
EXAMPLES = REPO / "criteria" / "examples"
SMALL = {
    "id": "small",
    "name": "Bộ nhỏ",
    "version": "1",
    "classes": [{"label": "Tốt", "min": 80}, {"label": "Khá", "min": 50}],
    "criteria": [
        {
            "code": "D1",
            "name": "Lĩnh vực 1",
            "max_points": 6,
            "children": [
                {
                    "code": "C1",
                    "name": "Tiêu chí 1",
                    "max_points": 4,
                    "children": [
                        {"code": "L1", "name": "Có/không", "max_points": 1, "rule": {"type": "yesno"}, "allow_na": True},
                        {
                            "code": "L2",
                            "name": "Mức",
                            "max_points": 3,
                            "rule": {
                                "type": "levels",
                                "levels": [
                                    {"label": "a", "points": 3},
                                    {"label": "b", "points": 1.5},
                                    {"label": "c", "points": 0},
                                ],
                            },
                        },
                    ],
                },
                {
                    "code": "C2",
                    "name": "Tiêu chí 2",
                    "max_points": 2,
                    "children": [
                        {"code": "L3", "name": "Chấm tay", "max_points": 2, "rule": {"type": "manual", "step": 0.5}},
                    ],
                },
            ],
        },
        {
            "code": "D2",
            "name": "Lĩnh vực 2",
            "max_points": 4,
            "children": [
                {
                    "code": "C3",
                    "name": "Tiêu chí 3",
                    "max_points": 4,
                    "children": [
                        {
                            "code": "L4",
                            "name": "Tỷ lệ",
                            "max_points": 4,
                            "allow_na": True,
                            "rule": {
                                "type": "percent",
                                "bands": [{"from": 0, "to": 50, "points": 0}, {"from": 50, "to": 100, "points": 4}],
                            },
                        },
                    ],
                },
            ],
        },
    ],
}


def two_manual_items(classes: list[tuple[str, float]], **extra) -> dict:
    """A set of one domain with two manually scored items of 50 points: a unit's index is
    its total, so expected ranks and classes can be worked out by hand."""
    return {
        "id": "hai-muc",
        "name": "Bộ thử hai mục",
        "version": "1",
        "classes": [{"label": label, "min": low} for label, low in classes],
        **extra,
        "criteria": [
            {
                "code": "A",
                "name": "Lĩnh vực A",
                "max_points": 100,
                "children": [
                    {"code": "A1", "name": "Mục 1", "max_points": 50, "rule": {"type": "manual"}},
                    {"code": "A2", "name": "Mục 2", "max_points": 50, "rule": {"type": "manual"}},
                ],
            }
        ],
    }


@pytest.fixture
def repo():
    return REPO


@pytest.fixture
def reference_path():
    return REFERENCE


@pytest.fixture
def examples():
    return EXAMPLES


@pytest.fixture
def published():
    return PUBLISHED


@pytest.fixture(scope="session")
def small_doc_session():
    import copy

    return copy.deepcopy(SMALL)


@pytest.fixture
def small_doc():
    """A small criteria document (two domains, four leaves of four rule kinds); a fresh copy each time."""
    import copy

    return copy.deepcopy(SMALL)


@pytest.fixture
def demo(demo_template, tmp_path):
    """A real SQLite store holding the demo, evidence kept under tmp_path."""
    from cchc_widgets.store.database import Store

    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_template, path)
    s = Store(f"sqlite:///{path}", evidence_dir=tmp_path / "evidence")
    yield s
    s.close()


@pytest.fixture(scope="session")
def reference():
    from cchc_widgets.core.criteria import load_criteria

    return load_criteria(REFERENCE)


# ---------------------------------------------------------------- PostgreSQL: a throwaway server on a free loopback port


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        pytest.fail(f"PostgreSQL's {name} is missing: `make test` installs Debian's postgresql (or: apt-get install postgresql)")
    return found[-1]


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL cluster in a temporary folder, on 127.0.0.1 and a free port, stopped and
    removed after the session. As root it runs as Debian's `postgres` user (PostgreSQL refuses
    to run as root), in a folder of its own outside pytest's root-only temporary tree."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="cchc-pg-"))
    data, sock = folder / "data", folder / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    subprocess.run(
        [*as_user, _pg_bin("initdb"), "-D", str(data), "-U", "cchc", "--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sock} -c fsync=off -c max_connections=100"
    )
    subprocess.run(
        [*as_user, _pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://cchc@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, _pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the session's PostgreSQL server."""
    import sqlalchemy as sa

    name = f"t{time.monotonic_ns()}"
    admin = sa.create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield f"{pg_server}/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """An empty store on each backend (the same tests run on both)."""
    from cchc_widgets.store.database import Store

    url = f"sqlite:///{tmp_path / 'test.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    s = Store(url, evidence_dir=tmp_path / "evidence")
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path):
    from cchc_widgets.store.database import Store

    s = Store(f"sqlite:///{tmp_path / 'test.sqlite'}", evidence_dir=tmp_path / "evidence")
    yield s
    s.close()


THREE_PLACES = {
    "id": "thu-3",
    "name": "Bộ thử ba chữ số",
    "version": "1",
    "rounding": {"decimals": 3},
    "na_label": "–",
    "classes": [{"label": "Tốt", "min": 80}, {"label": "Khá", "min": 60}, {"label": "Yếu", "min": 0}],
    "criteria": [
        {
            "code": "1",
            "name": "Lĩnh vực một",
            "max_points": 10,
            "children": [
                {"code": "1.1", "name": "Mục một", "max_points": 3, "rule": {"type": "manual"}},
                {"code": "1.2", "name": "Mục hai", "max_points": 7, "rule": {"type": "manual"}, "allow_na": True},
            ],
        },
        {
            "code": "2",
            "name": "Lĩnh vực hai",
            "max_points": 10,
            "children": [{"code": "2.1", "name": "Mục ba", "max_points": 10, "rule": {"type": "manual"}}],
        },
    ],
}
LONG_NAME = "Đơn vị An Bình có tên rất dài để thử cắt ngắn tên trang"


@pytest.fixture
def three_places(sqlite_store):
    """A period («2030») on a set published to 3 decimals with an item that may not apply, as a
    clerk built it to check a report: three units with long names, all appraised; An Bình's
    item 1.2 does not apply, its 2.1 is cut from 9,125 to 8,3335 (published 8,334): index
    83,335 %, cut -0,7915 points (published -0,792, half away from zero)."""
    import pandas as pd

    from cchc_widgets.core.criteria import load_dict
    from cchc_widgets.services.writes import Scope, Writer

    sqlite_store.add_period("2030", "Năm 2030", load_dict(THREE_PLACES))
    names = [LONG_NAME, f"{LONG_NAME} khác", "Đơn vị C: thử/ký tự*"]
    sqlite_store.add_units(pd.DataFrame({"id": ["don-vi-a", "don-vi-b", "don-vi-c"], "name": names}), period="2030")
    points = {"don-vi-a": (2.5, None, 9.125), "don-vi-b": (3, 7, 2), "don-vi-c": (1, 0, 5)}
    rows = []
    for stage in ("self", "appraisal"):
        for unit, scored in points.items():
            for code, value in zip(("1.1", "1.2", "2.1"), scored, strict=True):
                row = {"unit": unit, "code": code, "stage": stage, "points": value}
                if value is None:
                    row.update(value="N/A", na=True)
                if stage == "appraisal":
                    cut = (unit, code) == ("don-vi-a", "2.1")
                    row.update(points=8.3335 if cut else value, note="Thiếu tài liệu" if cut else "đúng")
                rows.append(row)
    Writer(sqlite_store).save_scores(Scope("2030"), pd.DataFrame(rows), "Người thử", "test")
    return sqlite_store


# ---------------------------------------------------------------- the clock: any hour, any machine zone

# instants around the province's midnight (17:00 UTC) and the machine's (00:00 UTC): at 17:01 and 23:59
# UTC the province is already on the next day, which a test reading the machine's date gets wrong
AROUND_MIDNIGHTS = [
    "2026-12-06T16:59:00+00:00",
    "2026-12-06T17:01:00+00:00",
    "2026-12-06T23:59:00+00:00",
    "2026-12-07T00:01:00+00:00",
]
# the machine's own zone must not matter: UTC (behind the province) and UTC+14 (ahead of it)
MACHINE_ZONES = ["UTC", "Pacific/Kiritimati"]


def machine_zone(zone: str | None) -> None:
    """Set this process's TZ as a machine would have it (None: as it was)."""
    if zone is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = zone
    time.tzset()


@pytest.fixture
def stopped_clock():
    """The one clock, stopped where a test says (`stopped_clock(instant)`), running again after."""
    from datetime import datetime

    from cchc_widgets.core import clock

    def stop(instant: str | datetime) -> datetime:
        clock.stop_at(datetime.fromisoformat(instant) if isinstance(instant, str) else instant)
        return clock.now()

    yield stop
    clock.run_again()


@pytest.fixture(params=[(i, z) for i in AROUND_MIDNIGHTS for z in MACHINE_ZONES], ids=lambda p: f"{p[0][11:16]}Z-{p[1]}")
def any_hour(request, stopped_clock):
    """The product's clock stopped at an instant around midnight, the machine's TZ set to a zone:
    a test using it runs at every such hour and must pass at each."""
    instant, zone = request.param
    was = os.environ.get("TZ")
    machine_zone(zone)
    try:
        yield stopped_clock(instant)
    finally:
        machine_zone(was)


# ---------------------------------------------------------------- the command line, in this process


@dataclass(frozen=True)
class Ran:
    """What a `cchc` command left: its exit code and what it printed (as subprocess.run's result)."""

    returncode: int
    stdout: str
    stderr: str


def cchc_here(*args: object, db: str | None = None, stdin: str = "") -> Ran:
    """`cchc [--db DB] ARGS` run by the CLI's own `main` in this process, standard input given:
    for tests of what a command does and says, not of its process (those start a real one)."""
    from cchc_widgets.cli.main import main

    argv = [*(["--db", db] if db else []), *map(str, args)]
    out, err, was = io.StringIO(), io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as stop:  # argparse refuses bad arguments with exit 2
                code = stop.code if isinstance(stop.code, int) else 1
    finally:
        sys.stdin = was
    return Ran(code, out.getvalue(), err.getvalue())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test on the throwaway PostgreSQL server needs a server process: `external` (make check
    leaves it out; make test runs it)."""
    for item in items:
        on_postgresql = "postgresql" in getattr(getattr(item, "callspec", None), "params", {}).values()
        if on_postgresql or {"pg_server", "pg_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.external)
