"""Ranking groups and unranked units: ranks within each group beside the overall rank; a unit
a decision keeps out of the ranking is scored and classed but takes no rank from anyone.
Expected ranks are worked out by hand from the indices below."""

import io
import itertools

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from cchc_widgets.cli.main import main
from cchc_widgets.core import engine, sensitivity, whatif
from cchc_widgets.core.criteria import load_dict
from cchc_widgets.report.results_workbook import results_workbook
from cchc_widgets.services.permissions import console
from cchc_widgets.services.results import score_period
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store
from tests.conftest import two_manual_items

# one domain of two manual items (50 + 50): the index is the points
DOC = two_manual_items([("Xuất sắc", 90), ("Tốt", 80), ("Khá", 0)])
INDEX = {"u1": 80, "u2": 90, "u3": 85, "u4": 80, "u5": 70}
UNITS = pd.DataFrame(
    {
        "id": list(INDEX),
        "name": ["Sở Một", "Văn phòng Đoàn ĐBQH", "Huyện Ba", "Sở Bốn", "Huyện Năm"],
        "group": ["Sở", "Sở", "Huyện", "Sở", "Huyện"],
        "ranked": [True, False, True, True, True],
    }
)
OVERALL = {"u1": 2, "u2": None, "u3": 1, "u4": 2, "u5": 4}  # 85 · 80, 80 · 70; u2 (90) unranked
IN_GROUP = {"u1": 1, "u2": None, "u3": 1, "u4": 1, "u5": 2}  # Sở: 80, 80 · Huyện: 85, 70


def scores() -> pd.DataFrame:
    return pd.DataFrame([{"unit": u, "code": c, "points": i / 2} for u, i in INDEX.items() for c in ("A1", "A2")]).assign(
        stage="self"
    )


def ranks(results: pd.DataFrame, column: str) -> dict:
    return {u: (None if pd.isna(r) else int(r)) for u, r in zip(results["unit"], results[column], strict=True)}


def test_engine_ranks_within_groups_and_skips_unranked_units():
    ranking = UNITS.rename(columns={"id": "unit"})[["unit", "group", "ranked"]]
    results = engine.score(scores(), load_dict(DOC)).results
    assert ranks(results, "rank") == {"u1": 3, "u2": 1, "u3": 2, "u4": 3, "u5": 5}  # without groups: everyone
    results = engine.aggregate(engine.resolve(scores(), load_dict(DOC)), load_dict(DOC), units=ranking).results
    assert ranks(results, "rank") == OVERALL
    assert ranks(results, "group_rank") == IN_GROUP
    assert results.set_index("unit").loc["u2", "class"] == "Xuất sắc"  # scored and classed all the same
    # a what-if keeps the unranked unit out on both sides
    alt = whatif.run(engine.resolve(scores(), load_dict(DOC)), load_dict(DOC), whatif.Scenario("x"), ranking)
    cmp = whatif.compare(engine.aggregate(engine.resolve(scores(), load_dict(DOC)), load_dict(DOC), units=ranking), alt)
    assert cmp.table.set_index("unit").loc["u2", ["rank_base", "rank_alt"]].isna().all()
    # and rank uncertainty is about the ranked units only
    unc = sensitivity.uncertainty(alt, load_dict(DOC), samples=200)
    assert set(unc["unit"]) == {"u1", "u3", "u4", "u5"}
    assert unc["q95"].max() <= 4


@pytest.fixture
def grouped(store):
    cs = load_dict(DOC)
    store.add_period("2024", "Năm 2024", cs)
    store.add_units(UNITS, period="2024")
    Writer(store).save_scores(Scope("2024"), scores(), "Người thử", "test")
    return store


def test_the_store_keeps_groups_and_every_output_shows_them(grouped, tmp_path, capsys):
    results = score_period(grouped, "2024").results
    assert ranks(results, "rank") == OVERALL
    assert ranks(results, "group_rank") == IN_GROUP
    out = tmp_path / "xep-hang.csv"
    assert main(["--db", grouped.url, "ranking", "--period", "2024", "--out", str(out), "--machine-headings"]) == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert "rank" not in table.columns  # no decision publishes a rank across groups unless asked
    blocks = [group for group, _ in itertools.groupby(table["group"])]
    assert len(blocks) == table["group"].nunique() == 2  # each group's units together, by their rank in it
    for _group, block in table.groupby("group", sort=False):
        shown = [int(r) if r else 99 for r in block["group_rank"]]  # an unranked unit last
        assert shown == sorted(shown)
    assert (
        main(["--db", grouped.url, "ranking", "--period", "2024", "--out", str(out), "--machine-headings", "--overall-rank"]) == 0
    )
    table = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("unit")
    assert table.loc["u2", "rank"] == ""
    assert table.loc["u5", "group_rank"] == "2"
    assert table.loc["u3", "group"] == "Huyện"


def summary_of(store: Store, period: str) -> tuple[list, list[tuple]]:
    """The results workbook's summary sheet read back: its header and its units' rows."""
    rows = list(load_workbook(io.BytesIO(results_workbook(store, period)))["Tổng hợp"].values)
    header = list(rows[1])  # row 1 is the sheet's title
    return header, [r for r in rows[2:] if len(r) > 1 and r[header.index("Mã đơn vị")] in INDEX]


def test_the_results_workbook_prints_ranks_within_groups_and_an_overall_one_only_when_asked(grouped):
    header, rows = summary_of(grouped, "2024")
    assert header[:2] == ["Nhóm", "Hạng trong nhóm"]
    assert "Hạng" not in header  # no decision publishes a rank across groups unless its set says so
    assert [r[0] for r in rows] == ["Sở", "Sở", "Sở", "Huyện", "Huyện"]  # each group together, as the units list them
    by_unit = {r[header.index("Mã đơn vị")]: r for r in rows}
    assert [r[header.index("Mã đơn vị")] for r in rows][2] == "u2"  # unranked: last in its group
    assert {u: r[1] for u, r in by_unit.items()} == {u: "—" if rank is None else rank for u, rank in IN_GROUP.items()}
    overall = grouped
    classes = [("Xuất sắc", 90), ("Tốt", 80), ("Khá", 0)]
    overall.add_period("2025", "Năm 2025", load_dict(two_manual_items(classes, overall_rank=True)))
    overall.add_units(UNITS, period="2025")
    Writer(overall).save_scores(Scope("2025"), scores(), "Người thử", "test")
    header, rows = summary_of(overall, "2025")
    assert header[:3] == ["Hạng", "Nhóm", "Hạng trong nhóm"]
    by_unit = {r[header.index("Mã đơn vị")]: r for r in rows}
    assert by_unit["u2"][0] == "—"
    assert by_unit["u5"][:3] == (4, "Huyện", 2)
    assert [r[0] for r in rows] == [1, 2, 2, 4, "—"]  # by the rank across groups


def test_units_table_for_files(tmp_path, capsys):
    criteria = tmp_path / "set.yaml"
    import yaml

    criteria.write_text(yaml.safe_dump(DOC, allow_unicode=True), encoding="utf-8")
    score_file = tmp_path / "scores.csv"
    scores().to_csv(score_file, index=False)
    units = tmp_path / "units.csv"
    frame = UNITS.assign(ranked=["có", "không", "có", "", "có"])  # blank: ranked
    frame.to_csv(units, index=False)
    out = tmp_path / "r.csv"
    args = [
        "score",
        "--criteria",
        str(criteria),
        "--scores",
        str(score_file),
        "--units",
        str(units),
        "--out",
        str(out),
        "--machine-headings",
    ]
    args.append("--overall-rank")
    assert main(args) == 0
    got = pd.read_csv(out).set_index("unit")
    assert {u: (None if pd.isna(r) else int(r)) for u, r in got["rank"].items()} == OVERALL
    frame.assign(ranked=["có", "chưa rõ", "có", "có", "có"]).to_csv(units, index=False)
    assert main(args) == 1
    assert "units.csv: dòng 3, cột 'ranked': cột ranked nhận có/không; đã nhập 'chưa rõ'" in capsys.readouterr().err
    frame.iloc[:4].to_csv(units, index=False)
    assert main(args) == 1
    assert "thiếu đơn vị có điểm: u5" in capsys.readouterr().err


def test_a_store_from_before_groups_gets_the_columns(tmp_path):
    path = tmp_path / "cu.sqlite"
    old = Store(f"sqlite:///{path}", evidence_dir=tmp_path / "e")
    old.add_period("2024", "Năm 2024", load_dict(DOC))
    old.add_units(UNITS[["id", "name"]], period="2024")
    with old.engine.begin() as conn:  # the table as an earlier version made it
        conn.exec_driver_sql("ALTER TABLE period_units DROP COLUMN rank_group")
        conn.exec_driver_sql("ALTER TABLE period_units DROP COLUMN ranked")
        conn.exec_driver_sql("ALTER TABLE scenarios DROP COLUMN for_report")
        conn.exec_driver_sql("DELETE FROM settings WHERE name = 'schema'")  # nor had it this version's schema mark
    old.close()
    reopened = Store(f"sqlite:///{path}", evidence_dir=tmp_path / "e")
    columns = {c["name"] for c in sa.inspect(reopened.engine).get_columns("period_units")}
    assert {"rank_group", "ranked"} <= columns
    assert "for_report" in {c["name"] for c in sa.inspect(reopened.engine).get_columns("scenarios")}
    assert reopened.scenarios(for_report=True).empty  # scenarios saved before: drafts until marked
    units = reopened.units("2024")
    assert units["ranked"].all()
    assert (units["group"] == "").all()


def test_an_administrator_opens_a_period_with_groups(tmp_path, capsys):
    import yaml

    from cchc_widgets.core.errors import ProblemsError
    from cchc_widgets.services import access

    db = f"sqlite:///{tmp_path / 'tinh.sqlite'}"
    criteria, units = tmp_path / "set.yaml", tmp_path / "don-vi.csv"
    criteria.write_text(yaml.safe_dump(DOC, allow_unicode=True), encoding="utf-8")
    UNITS.assign(ranked=["có", "không", "có", "có", "có"]).to_csv(units, index=False)
    args = ["--db", db, "period", "add", "2025", "--criteria", str(criteria), "--units", str(units)]
    assert main(args) == 0
    assert "5 đơn vị, nhóm xếp hạng: Sở (3); Huyện (2); 1 đơn vị không xếp hạng" in capsys.readouterr().out
    store = Store(db, evidence_dir=tmp_path / "e")
    assert store.periods()["name"].tolist() == ["Năm 2025"]
    Writer(store).save_scores(Scope("2025"), scores(), "Người thử", "test")
    assert ranks(score_period(store, "2025").results, "group_rank") == IN_GROUP
    access.add_account(store, "thamdinh", "Thẩm định viên", "appraiser", ["u1"], None, console("test"))
    appraiser = access.actor_of(store, "thamdinh", None)
    with pytest.raises(ProblemsError):
        Writer(store, appraiser).set_up_period("2026", "Năm 2026", load_dict(DOC), UNITS)
    assert store.periods()["id"].tolist() == ["2025"]
