"""Rounding as the criteria set says: published figures to its decimals, each on its own;
ranks and classes from the exact index unless the set ranks on the rounded one; no float
noise in any file. Every expected figure below is worked out by hand."""

import io

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from cchc_widgets.cli.main import main
from cchc_widgets.core import engine
from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import ProblemsError
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
