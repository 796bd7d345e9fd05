import sqlite3

import pandas as pd
import pytest

from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.services.permissions import console
from cchc_widgets.services.results import score_period
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import WORKFLOW_ACTIONS, Store

UNITS = pd.DataFrame({"id": ["u1", "u2"], "name": ["Sở Một", "Sở Hai"]})


@pytest.fixture
def filled(store, small_doc):
    cs = load_dict(small_doc)
    store.add_period("2020", "Năm 2020", cs)
    store.add_units(UNITS, period="2020")
    return store


def _save(store, rows, author="A"):
    return Writer(store).save_scores(Scope("2020"), pd.DataFrame(rows), author, "test")


def test_sqlite_file_in_wal_mode(sqlite_store, tmp_path, small_doc):
    filled = sqlite_store
    filled.add_period("2020", "Năm 2020", load_dict(small_doc))
    con = sqlite3.connect(tmp_path / "test.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_period_keeps_its_criteria_set(filled, small_doc):
    _save(filled, [{"unit": "u1", "code": "L2", "value": "b"}])
    changed = dict(small_doc, version="2")
    with pytest.raises(ProblemsError, match="đã có điểm chấm theo bộ tiêu chí khác"):
        filled.add_period("2020", "Năm 2020", load_dict(changed))
    assert filled.criteria_for("2020") == load_dict(small_doc)


def test_old_period_rescored_with_its_own_set(filled, small_doc):
    _save(filled, [{"unit": "u1", "code": "L2", "value": "b"}])
    newer = load_dict({**small_doc, "version": "2", "criteria": [dict(small_doc["criteria"][0]), small_doc["criteria"][1]]})
    filled.add_period("2021", "Năm 2021", newer)
    assert score_period(filled, "2020").results["total"].tolist() == [1.5]
    assert filled.periods()["id"].tolist() == ["2020", "2021"]


def test_units_by_period(filled):
    filled.add_units(pd.DataFrame({"id": ["u3"], "name": ["Ban Ba"]}))
    assert filled.units()["id"].tolist() == ["u1", "u2", "u3"]
    assert filled.units("2020")["id"].tolist() == ["u1", "u2"]


def test_reopening_the_file_keeps_everything(sqlite_store, tmp_path, small_doc):
    filled = sqlite_store
    filled.add_period("2020", "Năm 2020", load_dict(small_doc))
    filled.add_units(UNITS, period="2020")
    _save(filled, [{"unit": "u2", "code": "L3", "points": 2}])
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


def test_a_database_password_never_appears_in_messages(tmp_path):
    from cchc_widgets.store.config import redacted

    url = "postgresql+psycopg://cchc:s3cr3t-pw@127.0.0.1:1/x"
    assert "s3cr3t-pw" not in redacted(url)
    assert redacted(url).startswith("postgresql+psycopg://cchc:***@127.0.0.1")
    s = Store(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(ProblemsError) as refused:
        s.criteria_for("1999")
    assert str(tmp_path) in str(refused.value)  # SQLite: the file is named (it has no password)
    s.close()


def test_the_password_of_a_url_is_kept_out_of_cli_output(capsys, pg_url):
    """A refused command on PostgreSQL names the store without its password."""
    from cchc_widgets.cli.main import main

    secret_url = pg_url.replace("cchc@", "cchc:s3cr3t-pw@")  # trust auth: the password is accepted and ignored
    assert main(["ranking", "--period", "1999", "--db", secret_url]) == 1
    out = capsys.readouterr()
    assert "s3cr3t-pw" not in out.out + out.err
    assert "***" in out.err


def test_each_part_of_a_units_stamp_moves_only_with_its_own_change(filled):
    """An open page re-reads only what moved: each kind of change moves its own mark of
    `unit_stamp`, and only the changed unit's (a refused attempt moves nothing)."""
    from cchc_widgets.services import access

    def moved(change, unit: str = "u1") -> set[str]:
        before = filled.unit_stamp("2020", unit)
        change()
        after = filled.unit_stamp("2020", unit)
        return {part for part in after if after[part] != before[part]}

    writer = Writer(filled)
    assert moved(lambda: _save(filled, [{"unit": "u1", "code": "L3", "points": 1}])) == {"self"}
    assert moved(lambda: _save(filled, [{"unit": "u1", "code": "L3", "stage": "appraisal", "points": 2, "note": "lý do"}])) == {
        "appraisal"
    }
    assert moved(lambda: filled.put_reply("2020", "u1", "L3", "Đơn vị giải trình", "u1")) == {"reply"}
    survey = pd.DataFrame({"unit": ["u1"], "respondent": ["p1"], "item": ["S1"], "group": ["Người dân"], "answer": ["4"]})
    assert moved(lambda: filled.save_survey("2020", survey, "admin", "khao-sat.csv")) == {"survey"}
    added: list[int] = []
    assert moved(
        lambda: added.append(filled.add_evidence("2020", "u1", "L3", "a.pdf", "application/pdf", b"%PDF-1.4", "u1"))
    ) == {"evidence"}
    assert moved(lambda: filled.remove_evidence(added[0], "u1")) == {"evidence"}
    assert moved(lambda: None) == set()
    assert moved(lambda: _save(filled, [{"unit": "u1", "code": "L3", "points": 0.5}]), unit="u2") == set()
    for unit in ("u1", "u2"):  # a stage opening is the whole period's
        assert moved(lambda: access.set_stage(filled, "2020", "self", "open", None, console("admin")), unit) == {"workflow"}
    _save(filled, [{"unit": "u1", "code": c, "value": v} for c, v in (("L1", "có"), ("L2", "a"), ("L4", "50"))])  # complete
    assert moved(lambda: access.submit(filled, None, "2020", "u1")) == {"workflow"}
    assert moved(lambda: access.reopen(filled, "2020", "u1", "sửa lỗi đánh máy", console("admin"))) == {"workflow"}
    assert moved(lambda: access.set_stage(filled, "2020", "self", "closed", None, console("admin"))) == {"workflow"}
    assert moved(lambda: access.finalise(filled, "2020", console("admin"))) == {"workflow"}
    assert moved(lambda: access.reopen(filled, "2020", None, "công bố lại", console("admin"))) == {"workflow"}

    def refused():
        for _ in range(3):
            with pytest.raises(ProblemsError, match="đã đóng"):  # the self-assessment is closed: refused and logged
                writer.check_workflow("2020", {("u1", "self")}, "thử")

    assert moved(refused) == set()
    assert filled.events()["action"].iloc[-1] == "refused"
    # every other event of the period that services.access logged above is one the mark looks for
    assert set(filled.events("2020")["action"]) - {"refused"} == set(WORKFLOW_ACTIONS)


def test_an_older_store_gets_the_indexes_added_since(tmp_path, small_doc):
    """A year's file made before `ix_score_log_stage` and `ix_events_action` existed gains
    them when opened (the stamp's look-ups stay index look-ups however long the log grows)."""
    path = tmp_path / "old.sqlite"
    made = Store(f"sqlite:///{path}")
    made.add_period("2020", "Năm 2020", load_dict(small_doc))
    made.close()
    added = {"ix_score_log_stage", "ix_events_action"}
    con = sqlite3.connect(path)
    for name in added:
        con.execute(f"DROP INDEX {name}")
    con.execute("DELETE FROM settings WHERE name = 'schema'")  # nor had such a file the schema's mark
    con.commit()
    assert not added & {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    con.close()
    Store(f"sqlite:///{path}").close()
    con = sqlite3.connect(path)
    plans = [
        " ".join(str(r) for r in con.execute(f"EXPLAIN QUERY PLAN {query}"))
        for query in (
            "SELECT max(id) FROM score_log WHERE period = '2020' AND unit = 'u1' AND stage = 'self'",
            "SELECT max(id) FROM events WHERE period = '2020' AND action IN ('submit', 'reopen')",
        )
    ]
    con.close()
    assert "ix_score_log_stage" in plans[0]
    assert "ix_events_action" in plans[1]


def test_stored_values_read_back_in_one_parse_as_they_were_one_by_one():
    """Declared values are read back as one JSON array (a results workbook reads 14,000, issue
    25): the same values as one `json.loads` each, and a text that is no whole JSON value still
    fails, never read as two values or as part of its neighbour."""
    import json

    from cchc_widgets.store.scores import _dump_value, _load_values

    values = [None, 1.5, "Có", ["a", "b, c"], {"x": 1}, "dòng, có dấu phẩy", 0, True, None]
    assert _load_values([_dump_value(v) for v in values]) == values
    assert _load_values([]) == []
    for broken in (["1", "2 3"], ["[1", "2]"], ['"a"', ""]):
        with pytest.raises(json.JSONDecodeError):
            _load_values(broken)


def _statements_while_opening(url: str) -> list[str]:
    """The SQL a `Store(url)` sends while it opens (the connection's own PRAGMAs aside)."""
    import sqlalchemy as sa

    sent: list[str] = []

    def record(conn, cursor, statement, *args):
        sent.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        Store(url).close()
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    return sent


def test_a_store_already_up_to_date_opens_with_one_read(store):
    """Every page's kernel opens the store: a store this version already brought up to date is
    not inspected table by table again (its mark says so); a new store is."""
    sent = [statement for statement in _statements_while_opening(store.url) if statement != "BEGIN"]
    assert len(sent) == 1
    assert "settings" in sent[0]


def test_a_store_marked_by_another_version_is_checked_and_marked_anew(tmp_path, small_doc):
    from cchc_widgets.store.base import SCHEMA_MARK

    path = tmp_path / "other.sqlite"
    Store(f"sqlite:///{path}").close()
    con = sqlite3.connect(path)
    con.execute("UPDATE settings SET value = 'phiên bản khác' WHERE name = 'schema'")
    con.execute("DROP INDEX ix_events_action")
    con.commit()
    con.close()
    assert len(_statements_while_opening(f"sqlite:///{path}")) > 10  # every table looked at again
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM settings WHERE name = 'schema'").fetchall() == [(SCHEMA_MARK,)]
    assert con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ix_events_action'").fetchone() == (1,)
    con.close()



def test_a_read_only_store_from_before_the_mark_still_opens(tmp_path, small_doc):
    """A past year's file kept read-only, made by a version without the schema mark, is read as
    before: the mark is not written, nothing is refused."""
    import os
    import subprocess

    path = tmp_path / "nam-2020.sqlite"
    made = Store(f"sqlite:///{path}")
    made.add_period("2020", "Năm 2020", load_dict(small_doc))
    made.close()
    con = sqlite3.connect(path)
    con.execute("DELETE FROM settings WHERE name = 'schema'")
    con.commit()
    con.close()
    root = os.geteuid() == 0  # root writes through file modes: the file is made immutable instead
    subprocess.run(["chattr", "+i", str(path)], check=True) if root else path.chmod(0o444)
    try:
        con = sqlite3.connect(path)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            con.execute("DELETE FROM settings")
        con.close()
        kept = Store(f"sqlite:///{path}")
        assert list(kept.periods()["id"]) == ["2020"]
        kept.close()
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True) if root else path.chmod(0o644)
