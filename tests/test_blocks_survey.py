"""Survey answers in a period of several blocks (issue 30): each unit's answers are read
against its own block's survey — its items, its answers, its groups — on every path a response
file takes (`cchc survey import`, the admin page's upload, `services.imports.import_responses`),
and a district's answer to a department-only item is refused naming the file, the row, the
unit and the item, with nothing written."""

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.app.widgets import ScoringForm
from cchc_widgets.cli.main import main
from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.services.imports import import_responses
from cchc_widgets.services.results import survey_points
from cchc_widgets.services.uploads import survey_upload
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store
from tests.conftest import SMALL, two_manual_items

PERIOD = "2020"
UNITS = pd.DataFrame(
    {
        "id": ["s1", "s2", "h1", "h2"],
        "name": ["Sở Một", "Sở Hai", "Huyện Một", "Huyện Hai"],
        "block": ["so", "so", "huyen", "huyen"],
        "group": [""] * 4,
        "ranked": [True] * 4,
    }
)
DEPARTMENT_SURVEY = {
    "answers": {"A": 100, "B": 50, "C": 0},
    "items": [{"code": "KS1", "name": "Câu của sở", "max_points": 2}, {"code": "KS2", "name": "Câu hai", "max_points": 2}],
}
DISTRICT_SURVEY = {  # other answers (D is the districts' only) and weighted groups
    "answers": {"A": 100, "B": 60, "C": 20, "D": 0},
    "groups": [{"id": "xa", "name": "Lãnh đạo UBND cấp xã", "weight": 1}],
    "items": [{"code": "HS1", "name": "Câu của huyện", "max_points": 4}],
}


@pytest.fixture
def surveyed(tmp_path):
    """Period 2020: departments on a set asking KS1, KS2; districts on one asking HS1 only."""
    store = Store(f"sqlite:///{tmp_path / 'blocks.db'}", evidence_dir=tmp_path / "evidence")
    so = load_dict(two_manual_items([("Tốt", 80), ("Khá", 0)], survey=DEPARTMENT_SURVEY))
    huyen = load_dict({**SMALL, "id": "huyen-thu", "name": "Bộ huyện thử", "survey": DISTRICT_SURVEY})
    Writer(store).set_up_period(PERIOD, "Năm 2020", so, UNITS, {"so": so, "huyen": huyen})
    yield store
    store.close()


def answers(tmp_path, text, name="phieu.csv"):
    path = tmp_path / name
    path.write_text("đơn vị,phiếu,nhóm,câu hỏi,trả lời\n" + text, encoding="utf-8")
    return path


def stored(store):
    return len(store.survey_responses(PERIOD)), len(store.change_log())


def test_each_units_answers_are_read_and_scored_on_its_blocks_survey(surveyed, tmp_path):
    """A district's D (an answer of its set only) and its group are its set's; a department's
    answers are the department set's: one file, both blocks, each unit's points on its items."""
    path = answers(tmp_path, "s1,P1,Sở,KS1,B\ns1,P1,Sở,KS2,A\nh1,P9,Lãnh đạo UBND cấp xã,HS1,B\nh1,P8,xa,HS1,D\n")
    responses, report = import_responses(surveyed, path, PERIOD, "A")
    assert report.inserted == 4
    assert set(responses.loc[responses["unit"] == "h1", "group"]) == {"xa"}  # the district set's group id
    points = survey_points(surveyed, PERIOD).set_index(["unit", "code"])["points"]
    assert points[("s1", "KS1")] == pytest.approx(1.0)  # B = 50 % of 2
    assert points[("h1", "HS1")] == pytest.approx(1.2)  # (60 + 0) / 2 = 30 % of 4


def test_a_districts_answer_to_a_department_item_is_refused_naming_file_row_unit_and_item(surveyed, tmp_path, capsys):
    path = answers(tmp_path, "s1,P1,Sở,KS1,A\nh2,P2,xa,KS1,A\nh2,P2,xa,HS1,A\n")
    before = stored(surveyed)
    assert main(["--db", surveyed.url, "survey", "import", str(path), "--period", PERIOD]) == 1
    err = capsys.readouterr().err
    assert "phieu.csv" in err
    assert (
        "dòng 3, cột 'câu hỏi': mã KS1: câu hỏi 'KS1' không có trong phiếu khảo sát của đơn vị 'h2' "
        "(khối UBND cấp huyện, bộ tiêu chí 'huyen-thu': có: HS1)"
    ) in err
    with pytest.raises(ProblemsError, match=r"câu hỏi 'KS1' không có trong phiếu khảo sát của đơn vị 'h2' \(khối UBND cấp huyện"):
        import_responses(surveyed, path, PERIOD, "A")
    report = survey_upload(surveyed, "phieu.csv", path.read_bytes(), "A", Scope(PERIOD))  # the admin page's upload
    assert not report.ok
    assert any("câu hỏi 'KS1' không có trong phiếu khảo sát của đơn vị 'h2'" in p for p in report.problems)
    assert stored(surveyed) == before


def test_a_department_answer_to_a_district_item_and_a_district_answer_outside_its_set_are_refused(surveyed, tmp_path):
    path = answers(tmp_path, "s2,P1,Sở,HS1,A\nh1,P2,xa,HS1,E\ns2,P3,Sở,KS2,D\n")
    with pytest.raises(ProblemsError) as refused:
        import_responses(surveyed, path, PERIOD, "A")
    said = [str(p) for p in refused.value.problems]
    assert any(
        "dòng 2" in p and "câu hỏi 'HS1' không có trong phiếu khảo sát của đơn vị 's2' (khối Sở, ban, ngành" in p for p in said
    )
    assert any("dòng 3" in p and "câu trả lời 'E' không hợp lệ; chọn A, B, C, D" in p for p in said)
    assert any("dòng 4" in p and "câu trả lời 'D' không hợp lệ; chọn A, B, C" in p for p in said)  # D is not the departments'
    assert stored(surveyed) == (0, 0)


def test_the_write_door_refuses_an_item_its_units_block_does_not_ask(surveyed):
    """Checked again where every write passes: answers that did not come through the file reader."""
    frame = pd.DataFrame([{"unit": "h1", "respondent": "P1", "group": "xa", "item": "KS2", "answer": "A"}])
    with pytest.raises(
        ProblemsError, match="câu hỏi 'KS2' không có trong phiếu khảo sát của bộ tiêu chí 'huyen-thu' của đơn vị 'h1'"
    ):
        Writer(surveyed).save_survey(PERIOD, frame, "A", "tay.csv")
    assert stored(surveyed) == (0, 0)


def test_the_demos_districts_have_no_survey_and_their_answers_are_refused(demo, tmp_path):
    """The demo's illustrative district set asks no survey item: a district's answer to the
    departments' KS1 is refused, naming the district's block and its set."""
    path = answers(tmp_path, "so-noi-vu,P1,Xã,KS1,A\nhuyen-dien-bien,P2,Xã,KS1,A\n")
    before = (len(demo.survey_responses("2017")), len(demo.change_log()))
    with pytest.raises(
        ProblemsError,
        match=r"câu hỏi 'KS1' không có trong phiếu khảo sát của đơn vị 'huyen-dien-bien' \(khối UBND cấp huyện.*không có phần",
    ):
        import_responses(demo, path, "2017", "A")
    assert (len(demo.survey_responses("2017")), len(demo.change_log())) == before


def sheet(path_or_bytes):
    """A response template as a person fills it: the items, answers and units its lists offer,
    and its title."""
    book = load_workbook(io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes)
    rules = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in book["Phiếu khảo sát"].data_validations.dataValidation}
    guide = book["Hướng dẫn"]
    first, last = (int(c[1:]) for c in rules["A2"].split("!")[1].replace("$", "").split(":"))
    units = [guide[f"A{n}"].value for n in range(first, last + 1)]
    return rules["D2"].strip('"').split(","), rules["E2"].strip('"').split(","), units, guide["A1"].value


def test_the_survey_template_is_one_per_block_with_its_own_items_and_units(surveyed, tmp_path, capsys):
    out = tmp_path / "phieu.xlsx"
    assert main(["--db", surveyed.url, "survey", "template", "--period", PERIOD, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"khối UBND cấp huyện: {tmp_path / 'phieu-huyen.xlsx'}" in printed
    title = "Phiếu khảo sát Chỉ số CCHC — kỳ 2020 — khối Sở, ban, ngành"
    assert sheet(tmp_path / "phieu-so.xlsx") == (["KS1", "KS2"], ["A", "B", "C"], ["s1", "s2"], title)
    items, answers, units, title = sheet(tmp_path / "phieu-huyen.xlsx")
    assert (items, answers, units) == (["HS1"], ["A", "B", "C", "D"], ["h1", "h2"])  # the districts' own items and answers
    assert title.endswith("khối UBND cấp huyện")
    # a filled district sheet imports: its answers are the ones the import checks it against
    book = load_workbook(tmp_path / "phieu-huyen.xlsx")
    book["Phiếu khảo sát"].append(["h1", "1", "xa", "HS1", "D"])
    book.save(tmp_path / "phieu-huyen.xlsx")
    assert main(["--db", surveyed.url, "survey", "import", str(tmp_path / "phieu-huyen.xlsx"), "--period", PERIOD]) == 0
    assert main(["--db", surveyed.url, "survey", "template", "--period", PERIOD, "--block", "huyen", "--out", str(out)]) == 0
    assert sheet(out)[0] == ["HS1"]  # one block asked: one file, at the path given


def test_the_scoring_pages_survey_template_is_its_units_blocks(surveyed):
    form = ScoringForm.from_query(surveyed, f"?unit=h1&period={PERIOD}&stage=appraisal")
    form.sent = []
    form.send = lambda content, buffers=None: form.sent.append((content, buffers))
    form._on_message(form, {"type": "survey_template"}, [])
    content, buffers = form.sent[-1]
    assert content["name"] == f"phieu-khao-sat-{PERIOD}-huyen.xlsx"
    assert sheet(bytes(buffers[0]))[:3] == (["HS1"], ["A", "B", "C", "D"], ["h1", "h2"])


def test_a_block_without_a_survey_has_no_template(demo, tmp_path, capsys):
    out = tmp_path / "phieu.xlsx"
    assert main(["--db", demo.url, "survey", "template", "--period", "2017", "--block", "huyen", "--out", str(out)]) == 1
    assert "bộ tiêu chí của khối UBND cấp huyện của kỳ '2017' không có phần khảo sát" in capsys.readouterr().err
    assert not out.exists()
