"""A flat set's item that does not apply (the item is itself a top-level column of the results)
as the set's word in every output, never 0; a results file read back as it was written; a
long table that names its own period; charts' axes as people count and write numbers; the
scoring form's rows with the set's places (issue 28). The set, the scores and the expected
figures are the outside clerk's (a 3-decimal flat set, period 2031), worked out by hand:
a: 2,5 + 8,3335 of the 13 that apply (item 2 N/A) → 83,335 %; b: 11 of 20 → 55 %; c: 6 of 20."""

from io import BytesIO

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from openpyxl import load_workbook

from cchc_widgets.app.scoring_session import ScoringSession
from cchc_widgets.cli.main import main
from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.report import charts
from cchc_widgets.report.analysis import facts, period_view
from cchc_widgets.report.annual import domain_table, results_table
from cchc_widgets.report.results_workbook import results_workbook
from cchc_widgets.services.imports import import_table
from cchc_widgets.services.writes import Scope, Writer

FLAT = {
    "id": "thu-phang",
    "name": "Bộ phẳng thử",
    "version": "1",
    "rounding": {"decimals": 3},
    "criteria": [
        {"code": "1", "name": "Mục một", "max_points": 3, "rule": {"type": "manual"}},
        {"code": "2", "name": "Mục hai", "max_points": 7, "rule": {"type": "manual"}, "allow_na": True},
        {"code": "3", "name": "Mục ba", "max_points": 10, "rule": {"type": "manual"}},
    ],
}
WIDE = "unit,1,2,3\na,2.5,N/A,8.3335\nb,3,6,2\nc,1,0,5\n"  # the clerk's wflat.csv: c's item 2 is a real 0
UNITS = pd.DataFrame({"id": ["a", "b", "c"], "name": ["Ban Quản lý khu kinh tế", "Sở Công Thương", "Sở Y tế"]})


def files(tmp_path, word: str | None = None, scores: str = WIDE) -> tuple[str, str]:
    doc = {**FLAT, **({"na_label": word} if word else {})}
    criteria, table = tmp_path / "phang.yaml", tmp_path / "diem.csv"
    criteria.write_text(pd.Series([doc]).to_json(orient="records", force_ascii=False)[1:-1], encoding="utf-8")  # JSON is YAML
    table.write_text(scores, encoding="utf-8")
    return str(criteria), str(table)


def stored(store) -> None:
    """The clerk's period 2031: every unit appraised as it assessed itself."""
    store.add_period("2031", "Năm 2031", load_dict(FLAT))
    store.add_units(UNITS, period="2031")
    rows = [
        {"unit": u, "code": code, "stage": stage, **({"value": cell, "na": True} if cell == "N/A" else {"points": float(cell)})}
        for u, *cells in (line.split(",") for line in WIDE.splitlines()[1:])
        for code, cell in zip(("1", "2", "3"), cells, strict=True)
        for stage in ("self", "appraisal")
    ]
    Writer(store).save_scores(Scope("2031"), pd.DataFrame(rows), "Văn thư", "test")


def test_score_writes_the_sets_word_for_a_flat_item_that_does_not_apply(tmp_path, capsys):
    criteria, table = files(tmp_path)
    csv, xlsx = tmp_path / "kq.csv", tmp_path / "kq.xlsx"
    for out in (csv, xlsx):
        assert main(["score", "--criteria", criteria, "--scores", table, "--out", str(out), "--machine-headings"]) == 0
    written = pd.read_csv(csv, dtype=str, keep_default_na=False).set_index("unit")
    assert written.loc["a", ["1", "2", "3", "total", "index"]].tolist() == ["2.500", "KAD", "8.334", "10.834", "83.335"]
    assert written.loc["c", "2"] == "0.000"  # a real 0 stays a 0
    sheet = load_workbook(xlsx).active
    head = [c.value for c in sheet[1]]
    cells = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert cells["a"][head.index("2")].value == "KAD"
    assert cells["c"][head.index("2")].value == 0
    capsys.readouterr()
    assert main(["score", "--criteria", criteria, "--scores", table]) == 0
    shown = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert shown["a"][1:4] == ["2,500", "KAD", "8,334"]
    assert shown["c"][2] == "0,000"


@pytest.mark.parametrize("word", [None, "Không chấm"])
def test_a_results_file_read_back_gives_the_same_results(tmp_path, capsys, word):
    """What `cchc score --out` writes, `cchc score --scores` reads as it was meant: the set's
    word is N/A (a 0 read there ranked a second instead of first). The points are published to
    three places, so the clerk's 8,3335 is given as 8,334 here: read back, 8,334 it is."""
    criteria, table = files(tmp_path, word, WIDE.replace("8.3335", "8.334"))
    first, second = tmp_path / "kq.csv", tmp_path / "kq-doc-lai.csv"
    assert main(["score", "--criteria", criteria, "--scores", table, "--out", str(first)]) == 0
    assert main(["score", "--criteria", criteria, "--scores", str(first), "--out", str(second)]) == 0
    assert second.read_text(encoding="utf-8-sig") == first.read_text(encoding="utf-8-sig")
    assert (word or "KAD") in first.read_text(encoding="utf-8-sig")
    assert "khác" not in capsys.readouterr().err  # every printed total, index and rank agrees


def test_a_results_file_of_finer_scores_reads_back_by_its_printed_totals(tmp_path, capsys):
    """The clerk's finer scores (2,3335 and 2,1115 under three places) print as 2,334 and 2,112,
    which sum to 4,946 while the printed total is 4,945 and the printed index 24,725 (4,945 of
    20): read back, the index agrees with the total printed beside it, as the province computed
    it — not «khác» against the 24,73 the rounded parts make. An index that is wrong still is."""
    criteria, table = files(tmp_path, scores="unit,1,2,3\na,2.3335,2.1115,0.5\nb,3,6,2\n")
    first = tmp_path / "kq.csv"
    assert main(["score", "--criteria", criteria, "--scores", table, "--out", str(first)]) == 0
    written = first.read_text(encoding="utf-8-sig")
    assert "a,2.334,2.112,0.500,4.945,24.725," in written
    capsys.readouterr()
    assert main(["score", "--criteria", criteria, "--scores", str(first)]) == 0
    assert "khác" not in capsys.readouterr().err
    wrong = tmp_path / "kq-sai.csv"
    wrong.write_text(written.replace("24.725", "24.825"), encoding="utf-8")
    assert main(["score", "--criteria", criteria, "--scores", str(wrong)]) == 3
    said = capsys.readouterr()
    assert "Chỉ số" in said.out + said.err
    assert "24,825" in said.out + said.err


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_ranking_workbook_and_report_print_the_sets_word(store, tmp_path, capsys):
    stored(store)
    out = tmp_path / "xep-hang.csv"
    assert main(["--db", store.url, "ranking", "--period", "2031", "--out", str(out), "--machine-headings"]) == 0
    ranks = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("unit")
    assert ranks.loc["a", "2"] == "KAD"
    assert ranks.loc["c", "2"] == "0.000"
    capsys.readouterr()
    assert main(["--db", store.url, "ranking", "--period", "2031"]) == 0
    assert "KAD" in capsys.readouterr().out

    book = load_workbook(BytesIO(results_workbook(store, "2031")))
    summary = book["Tổng hợp"]
    head = [c.value for c in summary[2]]
    rows = {r[head.index("Mã đơn vị")].value: r for r in summary.iter_rows(min_row=3) if r[0].value is not None}
    assert rows["a"][head.index("LV 2")].value == "KAD"
    assert rows["c"][head.index("LV 2")].value == 0

    view = period_view(store, "2031")
    ranking = results_table(view).set_index("Đơn vị")
    assert ranking.loc["Ban Quản lý khu kinh tế", "LV 2"] == "KAD"
    assert ranking.loc["Sở Y tế", "LV 2"] == 0
    domains = domain_table(view)
    assert domains.loc["Ban Quản lý khu kinh tế", "LV 2"] == "KAD"  # was «—»
    assert domains.loc["Trung bình", "LV 2"] == pytest.approx(42.857)  # b's 85,714 and c's 0: a's N/A left out
    said = " ".join(facts(view))
    assert "yếu nhất: 2. Mục hai (42,857 %)" in said  # the engine's domain index: N/A leaves it, never 0 of 7


def long_table(tmp_path, periods: list[str]) -> str:
    path = tmp_path / "diem-doc.csv"
    lines = ["period,unit,code,stage,points,na"]
    lines += [f"{p},{u},1,self,{pts},," for p in periods for u, pts in (("a", 1.5), ("b", 2))]  # not what is stored
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_long_table_names_its_own_period(store, tmp_path):
    store.add_period("2030", "Năm 2030", load_dict(FLAT))
    stored(store)
    done = import_table(store, long_table(tmp_path, ["2031"]), None, dry_run=True)
    assert (done.period, done.rows) == ("2031", 2)
    assert import_table(store, long_table(tmp_path, ["2031"]), "2031", dry_run=True).period == "2031"
    with pytest.raises(ProblemsError, match="2 kỳ \\(2031, 2030\\)"):
        import_table(store, long_table(tmp_path, ["2031", "2030"]), None, dry_run=True)
    with pytest.raises(ProblemsError, match="ghi kỳ 2030, khác kỳ '2031'"):
        import_table(store, long_table(tmp_path, ["2030"]), "2031", dry_run=True)
    with pytest.raises(ProblemsError, match="kỳ '2040' ghi trong bảng chưa có"):
        import_table(store, long_table(tmp_path, ["2040"]), None, dry_run=True)
    with pytest.raises(ProblemsError, match="cần --period"):
        import_table(store, files(tmp_path)[1], None, dry_run=True)  # a wide table names no period


def tick_labels(axis) -> list[str]:
    FigureCanvasAgg(axis.get_figure()).draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_chart_axes_count_whole_units_and_write_a_decimal_comma():
    histogram = charts.index_distribution(pd.Series([83.335, 55.0, 30.0]))
    counts = tick_labels(histogram.axes[0].yaxis)
    assert counts
    assert all(label.isdigit() for label in counts), counts  # were 0.0, 0.2 … 1.0
    slope = charts.slope(pd.Series({"a": 83.2, "b": 83.9}), pd.Series({"a": 83.6, "b": 83.4}), ("2030", "2031"))
    index = tick_labels(slope.axes[0].yaxis)
    assert any("," in label for label in index), index
    assert not any("." in label for label in index), index


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_an_items_points_show_the_sets_places(store):
    stored(store)
    rows = {r["code"]: r for r in ScoringSession(store, "2031", "a", "self").rows()}
    assert (rows["1"]["mine"]["points_shown"], rows["1"]["max_shown"]) == ("2,500", "3,000")  # was 2,5 / 3
    assert (rows["3"]["mine"]["points_shown"], rows["3"]["max_shown"]) == ("8,334", "10,000")  # was 8,3335
    assert rows["3"]["mine"]["inputs"] == ["8,3335"]  # the input keeps what was typed
    assert rows["2"]["mine"]["points_shown"] == "KAD"
