"""Text pasted from Word or a web page: every C0/C1 control and every zero-width or bidi
character, in a note, a reason, a unit name and an author. At every door (the form, files,
the command line, Python and the widgets' Python API) they are cleaned as the text enters;
a store that holds them anyway (written before, straight through SQL) still gives every
output — results workbook, templates, differences, log, ranking, the scoring sheet and the
annual report — and none of them carries one; the terminal shows them as escapes."""

import csv
import subprocess

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from cchc_widgets.app.scoring_session import ScoringSession
from cchc_widgets.services import access
from cchc_widgets.services.permissions import console
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import metadata
from tests.conftest import REFERENCE, cchc_here

UNIT = "so-tu-phap"  # appraised in the demo's 2017
CONTROLS = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]
ZERO_WIDTH_AND_BIDI = (*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x206A))
INVISIBLE = [chr(c) for c in (*ZERO_WIDTH_AND_BIDI, 0xFEFF, 0x061C)]
PASTED = "Ghi" + "".join(CONTROLS + INVISIBLE) + "\x1b[2Jchú"  # all of them, then a terminal's «clear the screen»
KEPT = "Ghi\t\n\n\n\n[2Jchú"  # tab and newline stay; a vertical tab, a form feed and \r become newlines
NAME = "Sở" + "".join(INVISIBLE) + "\x0bTư\x00 pháp"
NAME_KEPT = "Sở Tư pháp"  # a name stays on one line: the vertical tab is a space there
LINE_KEPT = "Ghi [2Jchú"  # so do a period's and an author's name
FORBIDDEN = set(CONTROLS + INVISIBLE) - {"\t", "\n"}


def carried(text: str) -> set[str]:
    return FORBIDDEN & set(text)


def store_texts(store) -> list[str]:
    """Every text the store holds, in every table."""
    found = []
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                found += [v for v in row if isinstance(v, str)]
    return found


def pasted_through_every_door(store, tmp_path) -> None:
    """PASTED as a note, a reason, a unit and period name, an author and an account's name,
    through the Python write path, the form, a score file, the command line."""
    row = {"unit": UNIT, "code": "1.5.2", "stage": "self", "value": "1", "note": PASTED}
    Writer(store).save_scores(Scope("2017", UNIT, "self"), pd.DataFrame([row]), PASTED, "python")
    form = ScoringSession(store, "2017", UNIT, "appraisal")
    form.edit("1.1.2", "Không", PASTED, PASTED)  # the self-assessment says Có: the note is the reason
    table = tmp_path / "bang-diem.csv"
    with open(table, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["unit", "code", "stage", "value", "note"], [UNIT, "1.1.3", "self", "Không", PASTED]])
    imported = cchc_here("import", table, "--period", "2017", "--author", PASTED, db=store.url)
    assert imported.returncode == 0, imported.stderr
    units = tmp_path / "don-vi.csv"
    units.write_text(f"id,name\n{UNIT},{NAME}\n", encoding="utf-8")
    renamed = cchc_here("period", "add", "2017", "--name", PASTED, "--criteria", REFERENCE, "--units", units, db=store.url)
    assert renamed.returncode == 0, renamed.stderr
    added = cchc_here("users", "add", "thu\u200bky", "--role", "reader", "--name", PASTED, "--no-password", db=store.url)
    assert added.returncode == 0, added.stderr
    access.set_stage(store, "2017", "self", access.OPEN, None, console("quantri"))
    access.submit(store, None, "2017", UNIT)
    reopened = cchc_here("reopen", "--period", "2017", "--unit", UNIT, "--reason", PASTED, "--author", PASTED, db=store.url)
    assert reopened.returncode == 0, reopened.stderr


def test_every_door_cleans_what_enters(demo, tmp_path):
    assert (len(CONTROLS), len(INVISIBLE)) == (65, 21)  # every C0/C1 control; the zero-width and bidi set
    pasted_through_every_door(demo, tmp_path)
    scores = demo.scores("2017", UNIT).set_index(["code", "stage"])
    assert scores.loc[("1.5.2", "self"), "note"] == KEPT  # Python
    assert scores.loc[("1.1.2", "appraisal"), "note"] == KEPT  # the form
    assert scores.loc[("1.1.3", "self"), "note"] == KEPT  # a file
    assert set(scores.loc[[("1.5.2", "self"), ("1.1.2", "appraisal"), ("1.1.3", "self")], "author"]) == {LINE_KEPT}
    assert demo.unit_names("2017")[UNIT] == NAME_KEPT
    assert demo.periods().set_index("id").loc["2017", "name"] == LINE_KEPT
    assert demo.account("thuky")["name"] == KEPT
    reopened = demo.events("2017").query("action == 'reopen'")
    assert reopened[["login", "detail"]].values.tolist() == [[KEPT, KEPT]]
    assert {text for text in store_texts(demo) if carried(text)} == set()


def test_the_widgets_python_api_cleans_what_enters(reference):
    from cchc_widgets import ScoringForm

    frame = pd.DataFrame([{"unit": "u1", "code": "1.1.2", "stage": "self", "value": "Có", "note": PASTED}])
    form = ScoringForm.from_frame(frame, reference, units=pd.DataFrame({"id": ["u1"], "name": [NAME]}), author=PASTED)
    form.set_value("1.1.3", "Có", note=PASTED, author=PASTED)
    assert form.store.unit_names(form.session.period) == {"u1": NAME_KEPT}
    stored = form.store.scores(form.session.period).set_index("code")
    assert stored.loc[["1.1.2", "1.1.3"], "note"].tolist() == [KEPT, KEPT]
    assert stored.loc[["1.1.2", "1.1.3"], "author"].tolist() == [LINE_KEPT, LINE_KEPT]
    assert {text for text in store_texts(form.store) if carried(text)} == set()


# ---------------------------------------------------------------- a store that holds them: every output


def written_raw(store) -> None:
    """PASTED straight into the database, behind the write path's back (a store written before
    text was cleaned as it entered): a self note, an appraisal reason that differs, the
    authors, the unit's and the period's names, the log."""
    row = {"unit": UNIT, "code": "1.1.2", "stage": "appraisal", "value": "Không", "note": "lý do"}
    Writer(store).save_scores(Scope("2017", UNIT, "appraisal"), pd.DataFrame([row]), "Thẩm định", "test")
    raw = {"t": PASTED, "u": UNIT, "name": NAME.replace("\x0b", PASTED)}
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE scores SET note = :t, author = :t WHERE unit = :u AND code IN ('1.1.2', '1.5.2')"), raw)
        conn.execute(sa.text("UPDATE score_log SET new_note = :t, author = :t WHERE unit = :u"), raw)
        conn.execute(sa.text("UPDATE units SET name = :name WHERE id = :u"), raw)
        conn.execute(sa.text("UPDATE periods SET name = :t WHERE id = '2017'"), raw)
    store.log_event(PASTED, "stage-open", "2017", None, "self", PASTED)
    assert PASTED in store_texts(store)


@pytest.fixture(params=["through-the-doors", "written-raw"])
def pasted(request, demo, tmp_path):
    if request.param == "written-raw":
        written_raw(demo)
    else:
        (tmp_path / "nhap").mkdir()
        pasted_through_every_door(demo, tmp_path / "nhap")
    return demo


def xlsx_texts(path) -> list[str]:
    """Every text cell of every sheet (hidden ones too) and the sheets' names."""
    book = load_workbook(path)
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    return book.sheetnames + [v for v in cells if isinstance(v, str)]


OUTPUTS = {
    "ket-qua.xlsx": ("export", "--period", "2017"),
    "mau-tu-danh-gia.xlsx": ("template", "--period", "2017", "--unit", UNIT),
    "mau-tham-dinh.xlsx": ("template", "--period", "2017", "--unit", UNIT, "--stage", "appraisal"),
    "khac-nhau.xlsx": ("differences", "--period", "2017", "--unit", UNIT),
    "khac-nhau.csv": ("differences", "--period", "2017", "--unit", UNIT),
    "nhat-ky.xlsx": ("log", "--period", "2017"),
    "nhat-ky.csv": ("log", "--period", "2017"),
    "xep-hang.xlsx": ("ranking", "--period", "2017"),
    "phieu-tu-danh-gia.html": ("sheet", "--period", "2017", "--unit", UNIT),
    "phieu-tham-dinh.html": ("sheet", "--period", "2017", "--unit", UNIT, "--stage", "appraisal"),
}


def test_every_output_is_made_and_carries_none_of_them(pasted, tmp_path):
    texts = {}
    for name, command in OUTPUTS.items():
        out = tmp_path / name
        made = cchc_here(*command, "--out", out, db=pasted.url)
        assert made.returncode == 0, f"{name}: {made.stderr}"
        # a CSV for Excel opens with a byte-order mark: the encoding's mark, read as such, not text it carries
        texts[name] = xlsx_texts(out) if name.endswith(".xlsx") else [out.read_text(encoding="utf-8-sig")]
        assert [t for t in texts[name] if carried(t)] == [], name
    every = {name: "\n".join(found) for name, found in texts.items()}
    for name in ("ket-qua.xlsx", "mau-tu-danh-gia.xlsx", "mau-tham-dinh.xlsx", "phieu-tu-danh-gia.html", "phieu-tham-dinh.html"):
        assert KEPT in every[name], f"{name}: the note or reason is there, cleaned"
        assert "Tư pháp" in every[name], f"{name}: the unit is named"
    assert KEPT in every["khac-nhau.xlsx"]  # the reason of the differing appraisal
    assert KEPT in every["nhat-ky.xlsx"]  # the author and the note
    assert "Tư pháp" in every["xep-hang.xlsx"]


def test_the_terminal_shows_them_as_escapes(demo):
    written_raw(demo)
    for command in (("log", "--period", "2017"), ("units", "--period", "2017"), ("periods",)):
        shown = cchc_here(*command, db=demo.url)
        assert shown.returncode == 0, shown.stderr
        assert carried(shown.stdout) == set(), command
        assert "\\x1b[2J" in shown.stdout, command  # read as text, never obeyed
    log = cchc_here("log", "--period", "2017", db=demo.url).stdout
    for escape in ("\\u202e", "\\x0b", "\\x00", "\\x9f", "\\ufeff"):  # a bidi override, C0, C1, a byte-order mark
        assert escape in log
    refused = cchc_here("reopen", "--period", "2017", "--unit", UNIT, "--reason", "chưa nộp", db=demo.url)
    assert refused.returncode == 1  # the message names the unit, as the store holds it
    assert "chưa nộp bản tự đánh giá" in refused.stderr
    assert carried(refused.stderr) == set()
    assert "\\x1b[2J" in refused.stderr


@pytest.mark.external  # the report runs in a kernel; the PDFs are Chromium's
def test_the_report_and_the_printed_pdfs_carry_none_of_them(demo, tmp_path):
    written_raw(demo)
    report = tmp_path / "bao-cao.html"
    assert cchc_here("report", "--period", "2017", "--out", report, db=demo.url).returncode == 0
    html = report.read_text(encoding="utf-8")
    assert carried(html) == set()
    assert "Tư pháp" in html
    assert "[2Jchú" in html  # the period's name, in the title
    for name, command in {
        "bao-cao.pdf": ("report", "--period", "2017"),
        "phieu.pdf": ("sheet", "--period", "2017", "--unit", UNIT, "--stage", "appraisal"),
    }.items():
        out = tmp_path / name
        assert cchc_here(*command, "--out", out, db=demo.url).returncode == 0, name
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "Tư pháp" in text
        assert carried(text) - {"\x0c"} == set(), name  # pdftotext ends each page with a form feed
