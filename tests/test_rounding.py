"""Rounding as the criteria set says: published figures to its decimals, each on its own, half
away from zero as provinces (and Excel's ROUND) round them; ranks and classes from the exact
index unless the set ranks on the rounded one; no float noise in any file. Every expected
figure below is worked out by hand."""

import io
import random
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from cchc_widgets.cli.main import main
from cchc_widgets.core import engine
from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.core.numbers import format_number, half_up, rounded
from cchc_widgets.core.table_checks import compare_printed
from cchc_widgets.report.results_workbook import results_workbook
from cchc_widgets.services.writes import Scope, Writer
from tests.conftest import two_manual_items


def two_leaves(rounding=None):
    """Two manual items of 50 points (the index is the total); classes from 90."""
    extra = {} if rounding is None else {"rounding": rounding}
    return two_manual_items([("Xuất sắc", 90), ("Tốt", 0)], **extra)


def frame(points: dict[str, tuple[float, float]]) -> pd.DataFrame:
    rows = [{"unit": u, "code": c, "points": p} for u, (a, b) in points.items() for c, p in (("A1", a), ("A2", b))]
    return pd.DataFrame(rows)


def test_rank_and_class_on_the_exact_index_unless_the_set_says_rounded():
    # indices: u1 44.998 + 44.998 = 89.996 (published 90.00); u2 45 + 44.994 = 89.994 (89.99);
    # u3 44.99 + 45 = 89.99 (89.99). Classes: Xuất sắc from 90.
    scores = frame({"u1": (44.998, 44.998), "u2": (45.0, 44.994), "u3": (44.99, 45.0)})
    exact = engine.score(scores, load_dict(two_leaves({"decimals": 2}))).results.set_index("unit")
    assert exact.loc["u1", "index"] == pytest.approx(89.996)
    assert exact["class"].tolist() == ["Tốt", "Tốt", "Tốt"]  # 89.996 is below 90
    assert exact["rank"].tolist() == [1, 2, 3]
    on_rounded = two_leaves({"decimals": 2, "rank_on": "rounded"})
    rounded = engine.score(scores, load_dict(on_rounded)).results.set_index("unit")
    assert rounded["class"].tolist() == ["Xuất sắc", "Tốt", "Tốt"]  # 90.00 reaches the band
    assert rounded["rank"].tolist() == [1, 2, 2]  # 89.99 and 89.99 tie
    assert rounded.loc["u1", "index"] == pytest.approx(89.996)  # the index itself stays exact


def test_a_bad_rounding_is_refused_by_validation():
    with pytest.raises(ProblemsError):
        load_dict(two_leaves({"decimals": 9}))
    with pytest.raises(ProblemsError):
        load_dict(two_leaves({"decimals": 2, "rank_on": "đã làm tròn"}))


def test_files_carry_no_float_noise_and_the_sets_decimals(tmp_path, capsys):
    scores = tmp_path / "scores.csv"
    frame({"u1": (0.1, 0.2), "u2": (33.3333, 33.3336)}).to_csv(scores, index=False)
    # a set without `rounding` publishes two places; every figure keeps its places as text
    for rounding, total_u1, total_u2 in ((None, "0.30", "66.67"), ({"decimals": 3}, "0.300", "66.667")):
        criteria = tmp_path / "set.yaml"
        criteria.write_text(yaml.safe_dump(two_leaves(rounding), allow_unicode=True), encoding="utf-8")
        out = tmp_path / "r.csv"
        assert main(["score", "--criteria", str(criteria), "--scores", str(scores), "--out", str(out), "--machine-headings"]) == 0
        text = out.read_text(encoding="utf-8")
        assert "0.30000000000000004" not in text  # what 0.1 + 0.2 is in binary floating point
        table = pd.read_csv(out, dtype=str).set_index("unit")
        assert table.loc["u1", "total"] == total_u1
        assert table.loc["u2", "total"] == total_u2
    shown = capsys.readouterr().out
    assert shown == ""  # --out writes the file only


def test_stdout_and_workbook_use_the_sets_decimals(tmp_path, capsys, store):
    cs = load_dict(two_leaves({"decimals": 3}))
    store.add_period("2024", "Năm 2024", cs)
    store.add_units(pd.DataFrame({"id": ["u1", "u2"], "name": ["Đơn vị 1", "Đơn vị 2"]}), period="2024")
    rows = frame({"u1": (33.3333, 33.3336), "u2": (10.0, 20.0)}).assign(stage="self")
    Writer(store).save_scores(Scope("2024"), rows, "Người thử", "test")
    assert main(["--db", store.url, "ranking", "--period", "2024"]) == 0
    out = capsys.readouterr().out
    assert "66,667" in out  # three decimals, a decimal comma
    book = load_workbook(io.BytesIO(results_workbook(store, "2024")))
    sheet = book["Tổng hợp"]
    header = [c.value for c in sheet[2]]  # row 1 is the sheet's title
    total = sheet.cell(3, header.index("Tổng điểm") + 1)
    assert total.value == pytest.approx(66.667)
    assert total.number_format == "0.000"


# ---------------------------------------------------------------- half away from zero, as provinces round


def excel_round(text: str, places: int) -> float:
    """Excel's ROUND on the decimal a person reads: half away from zero."""
    return float(Decimal(text).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def test_figures_round_half_away_from_zero_as_provinces_print_them():
    # Python's round gives 85.17, 90.12, 2.004, -0.12: half to even on the binary float
    assert [rounded(85.175, 2), rounded(90.125, 2), rounded(2.0045, 3), rounded(-0.125, 2)] == [85.18, 90.13, 2.005, -0.13]
    assert rounded(45.0625 + 45.0625, 2) == 90.13  # a sum, noise and all
    assert rounded(90.12499999999999, 2) == 90.13  # what sums leave of 90,125
    assert rounded(90.1249, 2) == 90.12
    assert rounded(-0.001, 2) == 0.0 and str(rounded(-0.001, 2)) == "0.0"  # noqa: PT018 — no −0
    assert [format_number(85.175), format_number(-0.125), format_number(2.0045, 3)] == ["85,18", "-0,13", "2,005"]
    assert half_up([85.175, 90.125, -0.125, float("nan")], 2)[:3].tolist() == [85.18, 90.13, -0.13]
    rng = random.Random(29)
    for _ in range(20000):  # the decimal a person reads, to 1–8 places, rounded to 0–4
        places = rng.randint(0, 4)
        text = str(Decimal(rng.randint(-(10**9), 10**9)).scaleb(-(places + rng.randint(1, 4))))
        want = excel_round(text, places)
        assert rounded(float(text), places) == want, text
        assert half_up(np.array([float(text)]), places)[0] == want, text


def test_files_and_the_printed_check_round_as_the_province(tmp_path, capsys):
    """The auditor's table: indices 90,125 and 85,175 printed 90,13 and 85,18 (Excel's ROUND)
    agree with what cchc computes, and what cchc prints and writes says the same."""
    criteria = tmp_path / "set.csv"
    criteria.write_text("# làm tròn: 2\ncode,parent,name,max_points\nA,,A,100\n", encoding="utf-8")
    scores = tmp_path / "half.csv"
    scores.write_text("unit;A;Chỉ số\nu1;90,125;90,13\nu2;85,175;85,18\nu3;97,685;97,69\n", encoding="utf-8")
    assert main(["score", "--criteria", str(criteria), "--scores", str(scores)]) == 0
    said = capsys.readouterr()
    out = said.out
    assert "khớp với kết quả tính: chỉ số (%) (3 đơn vị)" in said.err
    assert re.search(r"u1\s+90,13\s+90,13\s+90,13", out)
    assert re.search(r"u2\s+85,18\s+85,18\s+85,18", out)
    csv_out, xlsx_out = tmp_path / "r.csv", tmp_path / "r.xlsx"
    for path in (csv_out, xlsx_out):
        args = ["--criteria", str(criteria), "--scores", str(scores), "--out", str(path), "--machine-headings"]
        assert main(["score", *args]) == 0
    table = pd.read_csv(csv_out, dtype=str).set_index("unit")
    assert table.loc[["u1", "u2"], "index"].tolist() == ["90.13", "85.18"]
    sheet = load_workbook(xlsx_out).active
    header = [c.value for c in sheet[1]]
    assert [sheet.cell(r, header.index("index") + 1).value for r in (3, 4)] == [90.13, 85.18]  # stored as published


def test_a_printed_penalty_rounded_half_up_agrees():
    computed = pd.DataFrame({"period": [""], "unit": ["u1"], "penalty": [0.125], "index": [90.125]})
    printed = pd.DataFrame({"period": ["", ""], "unit": ["u1", "u1"], "code": ["penalty", "index"], "given": ["-0,13", "90,13"]})
    assert compare_printed(printed, computed, 0.001)["same"].tolist() == [True, True]
    printed["given"] = ["-0,12", "90,12"]  # half to even on the binary float: not what the province prints
    assert compare_printed(printed, computed, 0.001)["same"].tolist() == [False, False]


def test_ranks_and_classes_on_the_index_rounded_half_up():
    # u1 45,125 + 45 = 90,125 → 90,13, as u2's 90,13; u3 90,12. Xuất sắc from 90,13. Half to even
    # (numpy's round) made u1 90,12: ranked after u2, and Tốt
    scores = frame({"u1": (45.125, 45.0), "u2": (45.13, 45.0), "u3": (45.12, 45.0)})
    cs = load_dict(two_manual_items([("Xuất sắc", 90.13), ("Tốt", 0)], rounding={"decimals": 2, "rank_on": "rounded"}))
    results = engine.score(scores, cs).results.set_index("unit")
    assert results["rank"].tolist() == [1, 1, 3]
    assert results["class"].tolist() == ["Xuất sắc", "Xuất sắc", "Tốt"]
