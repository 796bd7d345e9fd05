"""One clock in the province's zone: deadlines, stamps, sign-ins, tickets, log and page times
agree at every hour, whatever zone the machine is set to.

Between 17:00 and 24:00 UTC the province (UTC+7) is on the next day; a machine on UTC, or one
ahead of the province, has another date. `any_hour` (tests/conftest.py) stops the product's
clock at instants around both midnights with the machine's TZ set two ways.
"""

import ast
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

import cchc_widgets
from cchc_widgets.app.scoring_session import FieldError, ScoringSession
from cchc_widgets.core import clock
from cchc_widgets.core.errors import CchcError
from cchc_widgets.services import access
from cchc_widgets.services.audit import change_log
from cchc_widgets.services.permissions import console
from cchc_widgets.services.writes import Scope, Writer
from tests.conftest import machine_zone

PACKAGE = Path(cchc_widgets.__file__).parent
KEPT = "Hồ sơ lưu tại văn phòng"


@pytest.mark.parametrize(
    ("instant", "province_day"),
    [
        ("2026-12-06T16:59:59+00:00", "2026-12-06"),  # the last second of the 6th in the province
        ("2026-12-06T17:00:00+00:00", "2026-12-07"),  # the province's midnight: UTC still says the 6th
        ("2026-12-06T23:59:00+00:00", "2026-12-07"),
        ("2026-12-07T00:01:00+00:00", "2026-12-07"),
    ],
)
@pytest.mark.parametrize("machine", ["UTC", "Pacific/Kiritimati", "America/Los_Angeles"])
def test_today_is_the_provinces_date(stopped_clock, instant, province_day, machine):
    was = os.environ.get("TZ")
    machine_zone(machine)
    try:
        stopped_clock(instant)
        assert clock.today().isoformat() == province_day
        assert clock.now().utcoffset() == timedelta(hours=7)
        assert clock.now() == datetime.fromisoformat(instant)
    finally:
        machine_zone(was)


def test_the_zone_and_a_stopped_clock_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CCHC_CLOCK", "2026-12-06T23:30:00Z")
    assert clock.now() == datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert f"{clock.now():%H:%M %d/%m}" == "06:30 07/12"
    monkeypatch.setenv("CCHC_TIMEZONE", "Asia/Tokyo")
    assert f"{clock.now():%H:%M %d/%m}" == "08:30 07/12"
    monkeypatch.setenv("CCHC_TIMEZONE", "Châu Á/Hà Nội")
    with pytest.raises(CchcError, match="không phải múi giờ"):
        clock.now()
    monkeypatch.delenv("CCHC_TIMEZONE")
    monkeypatch.setenv("CCHC_CLOCK", "2026-12-06T23:30:00")
    with pytest.raises(CchcError, match="cần múi giờ"):
        clock.now()
    monkeypatch.setenv("CCHC_CLOCK", "hôm nay")
    with pytest.raises(CchcError, match="không phải thời điểm ISO"):
        clock.now()


def test_log_times_and_stamps_are_the_provinces(demo, any_hour):
    writer = Writer(demo, None)
    row = {"unit": "so-tu-phap", "code": "1.1.2", "stage": "self", "value": "không", "note": KEPT}
    writer.save_scores(Scope("2017"), pd.DataFrame([row]), "Nguyễn A", "test")
    access.set_stage(demo, "2017", "appraisal", access.OPEN, any_hour.date(), console("quantri"))
    stored = demo.scores("2017", "so-tu-phap", "self").set_index("code").loc["1.1.2", "updated_at"]
    assert clock.local(pd.Timestamp(stored).to_pydatetime()) == any_hour  # the store keeps the instant
    log = change_log(demo, "2017", "so-tu-phap", "1.1.2").query("name == 'Nguyễn A'")  # a typed name: no login beside it
    assert log["at"].tolist() == [f"{any_hour:%d/%m/%Y %H:%M:%S}"]
    events = change_log(demo, "2017").query("action == 'stage-open'")
    assert events["at"].tolist() == [f"{any_hour:%d/%m/%Y %H:%M:%S}"]
    assert events["reason"].tolist() == [f"đến hết ngày {any_hour:%d/%m/%Y}"]


def test_the_page_says_saved_and_conflicts_in_the_provinces_time(demo, any_hour):
    first = ScoringSession(demo, "2017", "so-tu-phap", "self")
    second = ScoringSession(demo, "2017", "so-tu-phap", "self")
    first.edit("1.1.2", "không", KEPT, "Nguyễn A")
    assert first.header()["saved"] == f"Đã lưu lúc {any_hour:%H:%M:%S}"
    with pytest.raises(FieldError, match=re.escape(f"sửa lúc {any_hour:%H:%M %d/%m/%Y}")):
        second.edit("1.1.2", "có", KEPT, "Trần B")


def test_a_sign_in_lasts_its_hours_by_the_one_clock(sqlite_store, any_hour, stopped_clock):
    access.add_account(sqlite_store, "donvi1", "Cán Bộ Một", "reader", [], "mat-khau-don-vi", console("test"))
    hashed = access.token_hash(access.open_sign_in(sqlite_store, "donvi1"))
    stopped_clock(any_hour + timedelta(hours=access.SIGN_IN_HOURS) - timedelta(seconds=1))
    assert sqlite_store.sign_in_login(hashed) == "donvi1"
    stopped_clock(any_hour + timedelta(hours=access.SIGN_IN_HOURS))
    assert sqlite_store.sign_in_login(hashed) is None


@pytest.mark.external  # a real cchc process
def test_the_command_line_decides_a_deadline_by_the_provinces_day(demo, tmp_path):
    """A real `cchc` process at 23:30 UTC on a machine set to UTC: the province is on the 7th.
    A stage closing on the 6th is closed for it; one closing on the 7th is open."""
    db = demo.url
    env = {**os.environ, "CCHC_CLOCK": "2026-12-06T23:30:00Z", "TZ": "UTC"}

    def cchc(*args):
        command = [sys.executable, "-m", "cchc_widgets.cli", "--db", db, *args]
        return subprocess.run(command, env=env, capture_output=True, text=True)

    demo.close()
    assert cchc("stage", "open", "--period", "2017", "--stage", "self", "--until", "2026-12-06").returncode == 0
    refused = cchc("submit", "--period", "2017", "--unit", "so-tu-phap")
    assert refused.returncode == 1
    assert "giai đoạn tự đánh giá của kỳ '2017' đã đóng" in refused.stderr
    assert cchc("stage", "open", "--period", "2017", "--stage", "self", "--until", "2026-12-07").returncode == 0
    assert cchc("submit", "--period", "2017", "--unit", "so-tu-phap").returncode == 0
    log = cchc("log", "--period", "2017", "--unit", "so-tu-phap")
    submitted = [line for line in log.stdout.splitlines() if " Nộp tự đánh giá " in line]
    assert len(submitted) == 1
    assert submitted[0].startswith("07/12/2026 06:30:00")  # the province's time, not the machine's 23:30 of the 6th


def test_no_product_code_reads_the_machines_clock():
    """Every "now" and "today" comes from core/clock.py: the calls that ask the machine for the
    date or time of day appear nowhere else (durations use time.monotonic, which is no date)."""
    machine = {
        ("datetime", "now"),
        ("datetime", "utcnow"),
        ("datetime", "today"),
        ("date", "today"),
        ("time", "time"),
        ("time", "localtime"),
        ("time", "gmtime"),
        ("time", "strftime"),
        ("Timestamp", "now"),
        ("Timestamp", "today"),
    }
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "core" / "clock.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else None
                literal_now = node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in ("now", "today")
                if (name, node.func.attr) in machine or (node.func.attr == "Timestamp" and literal_now):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    js_dates = [
        f"{p.relative_to(PACKAGE)}: {m.group(0)}"
        for p in PACKAGE.rglob("*.js")
        for m in re.finditer(r"new Date\([^)]*\)\.(toLocale\w*|get(Date|Hours|Day|FullYear))", p.read_text(encoding="utf-8"))
    ]
    assert found == []
    assert js_dates == []  # the browser's clock and zone print no time a person reads as the province's
