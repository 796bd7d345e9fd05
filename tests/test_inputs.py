"""Files as a Vietnamese office saves them, and the demo that never touches real work."""

import unicodedata

import pandas as pd
import pytest

from cchc_widgets.cli.main import main
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.services.demo import demo_units, load_demo
from cchc_widgets.services.writes import Scope, Writer

UNIT = "so-y-te"
LEVEL = "Ban hành chậm"  # a level of 1.1.1 in the reference set


def _cp1258(text: str) -> bytes:
    """Text as Windows-1258 stores it: base letters with ơ ư â ê ô ă đ precomposed, tone marks
    as separate combining characters (what a Vietnamese Excel writes)."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        rest = []
        for mark in marks:
            joined = unicodedata.normalize("NFC", base + mark)
            try:
                joined.encode("cp1258")
                base = joined if len(joined) == 1 else base
                if len(joined) != 1:
                    rest.append(mark)
            except UnicodeEncodeError:
                rest.append(mark)
        out += (base + "".join(rest)).encode("cp1258")
    return bytes(out)


def _table(rows: list[str]) -> str:
    return "\r\n".join(["unit;code;value;note", *rows]) + "\r\n"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1258", "utf-8"])
def test_csv_saved_by_a_vietnamese_excel(demo, tmp_path, capsys, encoding):
    """`;` between fields, decimal commas, Windows line ends; UTF-8 with BOM or Windows-1258."""
    path = tmp_path / "bang-diem.csv"
    text = _table([f"{UNIT};1.5.2;3,5;Biên bản lưu tại đơn vị", f"{UNIT};1.1.1;{LEVEL};Quyết định số 12"])
    path.write_bytes(_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    assert main(["--db", demo.url, "import", str(path), "--period", "2017"]) == 0, capsys.readouterr().err
    stored = demo.scores("2017", UNIT, "self").set_index("code")
    assert stored.loc["1.5.2", "points"] == 3.5
    assert stored.loc["1.1.1", "value"] == LEVEL
    assert stored.loc["1.5.2", "note"] == "Biên bản lưu tại đơn vị"


def test_decomposed_text_in_a_file_matches(demo, tmp_path, capsys):
    path = tmp_path / "nfd.csv"
    path.write_text(unicodedata.normalize("NFD", _table([f"{UNIT};1.1.1;{LEVEL};Quyết định"])), encoding="utf-8")
    assert main(["--db", demo.url, "import", str(path), "--period", "2017"]) == 0, capsys.readouterr().err
    assert demo.scores("2017", UNIT, "self").set_index("code").loc["1.1.1", "value"] == LEVEL


def test_a_thousands_dot_in_a_semicolon_file_is_a_thousands_dot(demo, tmp_path, capsys):
    path = tmp_path / "bao-cao.csv"
    path.write_text(_table([f"{UNIT};1.2.1;1.234;x"]), encoding="utf-8")  # a Vietnamese Excel's 1.234 reports
    assert main(["--db", demo.url, "import", str(path), "--period", "2017"]) == 0, capsys.readouterr().err
    assert demo.scores("2017", UNIT, "self").set_index("code").loc["1.2.1", "value"] == 1234


def test_an_ambiguous_number_in_a_file_is_refused_with_its_cell(demo, tmp_path, capsys):
    # comma-separated, the count quoted: the file does not say which mark is decimal, and 2 reports is a count too
    path = tmp_path / "mo-ho.csv"
    path.write_text('unit,code,value,note\r\nso-y-te,1.2.1,"2,000",x\r\n', encoding="utf-8")
    before = demo.scores("2017")
    assert main(["--db", demo.url, "import", str(path), "--period", "2017"]) == 1
    err = capsys.readouterr().err
    assert "mo-ho.csv: dòng 2, cột 'value': mã 1.2.1" in err
    assert "có thể là 2000 hoặc 2" in err
    assert str(tmp_path) not in "".join(err.splitlines()[1:])  # problems name the file, not the folder it sits in
    pd.testing.assert_frame_equal(demo.scores("2017"), before)


def test_cli_numbers_take_a_decimal_comma(demo, tmp_path, capsys, reference_path):
    out = tmp_path / "unc.csv"
    scores = tmp_path / "scores.csv"
    mine = demo.scores("2016").query("stage == 'self'")
    mine = mine[mine["unit"].isin(demo_units("so")["id"])]  # the departments: the block this set scores
    mine[["unit", "code", "points"]].to_csv(scores, index=False)
    args = ["sensitivity", "--criteria", str(reference_path), "--scores", str(scores), "--period", "2016"]
    assert main([*args, "--samples", "200", "--noise", "0,3", "--out", str(out)]) == 0
    assert out.exists()
    with pytest.raises(SystemExit):
        main([*args, "--noise", "0.3.1"])
    assert "không đọc được số" in capsys.readouterr().err


def test_demo_never_changes_scores_in_a_store_in_use(demo, capsys):
    Writer(demo).save_scores(
        Scope("2017", UNIT, "self"), pd.DataFrame([{"unit": UNIT, "code": "1.5.2", "value": "0"}]), "Cán bộ Sở Y tế", "form"
    )
    before = demo.scores("2017")
    with pytest.raises(ProblemsError, match="kho dữ liệu đang được dùng"):
        load_demo(demo)
    assert main(["--db", demo.url, "demo"]) == 1
    pd.testing.assert_frame_equal(demo.scores("2017"), before)


def test_demo_adds_only_what_is_missing(demo):
    from cchc_widgets.store.database import scores as scores_table

    with demo.engine.begin() as conn:  # as if a demo load had stopped half-way
        conn.execute(scores_table.delete().where(scores_table.c.unit == UNIT, scores_table.c.period == "2017"))
    kept = demo.scores("2017").set_index(["unit", "code", "stage"])["version"]
    written = load_demo(demo)
    assert written["2017"] > 0
    assert written["2016"] == 0
    again = demo.scores("2017").set_index(["unit", "code", "stage"])["version"]
    assert (again.loc[kept.index] == kept).all()  # nothing that was there changed
    assert load_demo(demo) == {"2016": 0, "2017": 0}
