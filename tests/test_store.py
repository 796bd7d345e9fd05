import sqlite3

import pandas as pd
import pytest

from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.store.database import ConflictError, Store

from .test_engine import SMALL

UNITS = pd.DataFrame({"id": ["u1", "u2"], "name": ["Sở Một", "Sở Hai"]})


@pytest.fixture
def filled(store):
    cs = load_dict(SMALL)
    store.add_period("2020", "Năm 2020", cs)
    store.add_units(UNITS, period="2020")
    return store


def test_sqlite_file_in_wal_mode(filled, tmp_path):
    con = sqlite3.connect(tmp_path / "test.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_round_trip_of_scores(filled):
    rows = pd.DataFrame(
        [
            {"unit": "u1", "code": "L1", "stage": "self", "value": "có", "note": "Có quyết định"},
            {"unit": "u1", "code": "L4", "stage": "self", "value": {"done": 3, "planned": 4}},
            {"unit": "u1", "code": "L3", "stage": "self", "points": 1.5},
            {"unit": "u2", "code": "L1", "stage": "self", "value": "N/A"},
        ]
    )
    report = filled.save_scores("2020", rows, author="chuyên viên A")
    assert (report.inserted, report.updated, report.unchanged) == (4, 0, 0)
    got = filled.scores("2020").set_index(["unit", "code"])
    assert got.loc[("u1", "L1"), "points"] == 1
    assert got.loc[("u1", "L1"), "note"] == "Có quyết định"
    assert got.loc[("u1", "L4"), "value"] == {"done": 3, "planned": 4}
    assert got.loc[("u1", "L4"), "points"] == 4  # 75 % is in the 50–100 band
    assert got.loc[("u1", "L3"), "value"] is None
    assert got.loc[("u1", "L3"), "points"] == 1.5
    assert bool(got.loc[("u2", "L1"), "na"])
    assert pd.isna(got.loc[("u2", "L1"), "points"])
    assert (got["author"] == "chuyên viên A").all()
    assert (got["version"] == 1).all()


def test_change_log_and_versions(filled):
    filled.save_scores("2020", pd.DataFrame([{"unit": "u1", "code": "L2", "value": "b"}]), author="A")
    filled.save_scores("2020", pd.DataFrame([{"unit": "u1", "code": "L2", "value": "a"}]), author="B")
    again = filled.save_scores("2020", pd.DataFrame([{"unit": "u1", "code": "L2", "value": "a"}]), author="C")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    log = filled.change_log("2020", "u1")
    assert log[["new_points", "author", "version"]].values.tolist() == [[1.5, "A", 1], [3.0, "B", 2]]
    assert log["old_points"].isna().tolist() == [True, False]
    assert log["old_points"].iloc[1] == 1.5
    assert log["new_value"].tolist() == ['"b"', '"a"']
    assert filled.scores("2020", unit="u1").iloc[0]["version"] == 2


def test_bad_batch_writes_nothing(filled):
    filled.save_scores("2020", pd.DataFrame([{"unit": "u1", "code": "L2", "value": "b"}]), author="A")
    before = filled.scores("2020")
    bad = pd.DataFrame(
        [
            {"unit": "u1", "code": "L2", "value": "a"},  # fine on its own
            {"unit": "u1", "code": "L3", "points": 5},  # above the max
        ]
    )
    with pytest.raises(ProblemsError, match="vượt điểm tối đa"):
        filled.save_scores("2020", bad, author="A")
    with pytest.raises(ProblemsError, match="không tham gia kỳ"):
        filled.save_scores("2020", pd.DataFrame([{"unit": "u9", "code": "L2", "value": "a"}]), author="A")
    with pytest.raises(ProblemsError, match="thiếu tên người chấm"):
        filled.save_scores("2020", pd.DataFrame([{"unit": "u1", "code": "L2", "value": "a"}]), author=" ")
    pd.testing.assert_frame_equal(filled.scores("2020"), before)
    assert len(filled.change_log()) == 1


def test_stale_version_is_a_conflict_and_rolls_back(filled):
    filled.save_scores("2020", pd.DataFrame([{"unit": "u1", "code": "L2", "value": "b"}]), author="A")
    filled.save_scores("2020", pd.DataFrame([{"unit": "u1", "code": "L2", "value": "c"}]), author="B")
    rows = pd.DataFrame([{"unit": "u1", "code": "L1", "value": "có"}, {"unit": "u1", "code": "L2", "value": "a"}])
    with pytest.raises(ConflictError, match="hãy tải lại"):
        filled.save_scores("2020", rows, author="A", expected_versions={("u1", "L2", "self"): 1})
    assert filled.scores("2020")["code"].tolist() == ["L2"]  # L1 was not written either


def test_period_keeps_its_criteria_set(filled):
    filled.save_scores("2020", pd.DataFrame([{"unit": "u1", "code": "L2", "value": "b"}]), author="A")
    changed = dict(SMALL, version="2")
    with pytest.raises(ProblemsError, match="đã có điểm chấm theo bộ tiêu chí khác"):
        filled.add_period("2020", "Năm 2020", load_dict(changed))
    assert filled.criteria_for("2020") == load_dict(SMALL)


def test_old_period_rescored_with_its_own_set(filled):
    filled.save_scores("2020", pd.DataFrame([{"unit": "u1", "code": "L2", "value": "b"}]), author="A")
    newer = load_dict({**SMALL, "version": "2", "criteria": [dict(SMALL["criteria"][0]), SMALL["criteria"][1]]})
    filled.add_period("2021", "Năm 2021", newer)
    assert filled.score_period("2020").results["total"].tolist() == [1.5]
    assert filled.periods()["id"].tolist() == ["2020", "2021"]


def test_units_by_period(filled):
    filled.add_units(pd.DataFrame({"id": ["u3"], "name": ["Ban Ba"]}))
    assert filled.units()["id"].tolist() == ["u1", "u2", "u3"]
    assert filled.units("2020")["id"].tolist() == ["u1", "u2"]


def test_reopening_the_file_keeps_everything(filled, tmp_path):
    filled.save_scores("2020", pd.DataFrame([{"unit": "u2", "code": "L3", "points": 2}]), author="A")
    filled.close()
    reopened = Store(f"sqlite:///{tmp_path / 'test.sqlite'}")
    assert reopened.scores("2020")["points"].tolist() == [2.0]
    reopened.close()


def test_default_url_is_sqlite_in_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("CCHC_DB", raising=False)
    monkeypatch.setenv("CCHC_DATA_DIR", str(tmp_path / "dd"))
    s = Store()
    assert s.url == f"sqlite:///{tmp_path / 'dd' / 'cchc.sqlite'}"
    assert (tmp_path / "dd" / "cchc.sqlite").exists()
    s.close()
    monkeypatch.setenv("CCHC_DB", f"sqlite:///{tmp_path / 'other.sqlite'}")
    assert Store().url.endswith("other.sqlite")
