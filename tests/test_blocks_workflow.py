"""The workflow per block (issue 30): a stage opened or closed for one block's units or for
all; each unit's writes follow its own block's stage; finalising stays one for the period."""

import pandas as pd
import pytest

from cchc_widgets.app.admin_session import AdminSession
from cchc_widgets.cli.main import main
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.services import access, progress
from cchc_widgets.services.permissions import console
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store
from tests.test_blocks import PERIOD, UNITS, department_set, district_set


@pytest.fixture
def db(tmp_path):
    """A store file whose period 2020 assesses departments and districts on two sets."""
    url = f"sqlite:///{tmp_path / 'blocks.db'}"
    store = Store(url)
    Writer(store).set_up_period(PERIOD, "Năm 2020", department_set(), UNITS, {"so": department_set(), "huyen": district_set()})
    store.close()
    return url


def stage(db, *args):
    return main(["--db", db, "stage", *args, "--period", PERIOD, "--stage", "self"])


def write(store, unit, code, points):
    Writer(store).save_scores(Scope(PERIOD), pd.DataFrame([{"unit": unit, "code": code, "points": points}]), "A", "test")


def test_a_blocks_stage_closed_refuses_its_units_only_until_it_is_set_for_all(db, capsys):
    assert stage(db, "open") == 0
    assert stage(db, "close", "--block", "huyen") == 0
    assert "kỳ 2020, khối UBND cấp huyện: Tự đánh giá: đã đóng" in capsys.readouterr().out
    store = Store(db)
    write(store, "s1", "A1", 40)  # the departments' self-assessment is still open
    with pytest.raises(ProblemsError, match="giai đoạn tự đánh giá của kỳ '2020' đã đóng cho khối UBND cấp huyện"):
        write(store, "h1", "L3", 2)
    assert access.Workflow.of(store, PERIOD).describe("self", "so").startswith("Tự đánh giá: đang mở")
    assert "khối UBND cấp huyện" in store.events(PERIOD).query("action == 'stage-closed'")["detail"].iloc[-1]
    store.close()
    assert stage(db, "open") == 0  # for every block: what was set for the districts alone is dropped
    store = Store(db)
    write(store, "h1", "L3", 2)
    assert set(store.scores(PERIOD)["unit"]) == {"s1", "h1"}
    checksum = access.finalise(store, PERIOD, console("test"))  # one for the period, both blocks' scores
    assert checksum == access.scores_checksum(store, PERIOD)
    store.close()


def test_a_stage_set_for_one_block_leaves_the_other_as_it_was_and_a_block_must_be_the_periods(db, capsys):
    """A per-block action touches only that block: with no stage set for the period, the
    districts stay as they were (every stage open) while the departments' is opened with a deadline."""
    assert stage(db, "open", "--block", "so", "--until", "2999-12-31") == 0
    store = Store(db)
    write(store, "s2", "A2", 30)
    write(store, "h2", "L3", 1)
    assert access.Workflow.of(store, PERIOD).describe("self", "huyen") == "Tự đánh giá: đang mở"
    deadlines = progress.progress(store, PERIOD).set_index("unit")["deadline"]
    assert str(deadlines["s1"]) == "2999-12-31"
    assert pd.isna(deadlines["h1"])
    store.close()
    capsys.readouterr()
    assert stage(db, "open", "--block", "xa") == 1
    refused = "kỳ không đánh giá khối 'xa'; các khối của kỳ: 'so' (Sở, ban, ngành), 'huyen' (UBND cấp huyện)"
    assert refused in capsys.readouterr().err


def test_the_admin_page_chooses_a_block_for_the_stage_controls(db):
    store = Store(db)
    page = AdminSession(store, None, PERIOD)
    shown = page.state()
    assert shown["blocks"] == [["", "Mọi khối"], ["so", "Sở, ban, ngành"], ["huyen", "UBND cấp huyện"]]
    page.set_stage("self", True, "")  # for every block
    page.block = "huyen"
    asked = page.confirmation("close_stage", "self")
    assert asked["title"] == "Đóng giai đoạn tự đánh giá cho khối UBND cấp huyện?"
    assert "2/2 đơn vị chưa nộp" in " ".join(asked["lines"])
    page.set_stage("self", False, "")
    rows = {s["stage"]: s for s in page.state()["stages"]}
    assert rows["self"]["state"] == "Tự đánh giá: đã đóng"
    page.block = ""
    assert {s["stage"]: s for s in page.state()["stages"]}["self"]["state"] == "Tự đánh giá: đang mở"
    write(store, "s1", "A1", 10)
    with pytest.raises(ProblemsError, match="đã đóng cho khối UBND cấp huyện"):
        write(store, "h1", "L3", 1)
    store.close()


def test_a_period_of_one_set_has_no_block_choice_and_refuses_one(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'one.db'}")
    Writer(store).set_up_period(PERIOD, "Năm 2020", department_set(), UNITS.drop(columns="block"))
    assert AdminSession(store, None, PERIOD).state()["blocks"] == []
    with pytest.raises(ProblemsError, match="kỳ không đánh giá khối 'so'; các khối của kỳ: không chia khối"):
        access.set_stage(store, PERIOD, "self", access.OPEN, None, console("test"), "so")
    access.set_stage(store, PERIOD, "self", access.CLOSED, None, console("test"))
    with pytest.raises(ProblemsError, match=r"giai đoạn tự đánh giá của kỳ '2020' đã đóng$"):  # no block named
        write(store, "s1", "A1", 1)
    store.close()
