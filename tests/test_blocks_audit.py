"""What an outside audit of blocks found (issue 30): the departments' set given as the one set
of a period whose units include districts, and a shipped set that declared no block, were
accepted and the districts scored on the departments' criteria. Run as the office runs them:
`cchc period add`, and the administrator's page's service, on real stores."""

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from cchc_widgets.app.admin_session import AdminSession
from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.report import analysis
from cchc_widgets.report import annual as report
from cchc_widgets.report.published import NONE_APPRAISED_KEY
from cchc_widgets.report.results_workbook import results_workbook
from cchc_widgets.services.period_setup import shipped_sets
from cchc_widgets.services.uploads import scores_upload
from cchc_widgets.services.writes import Scope
from tests.conftest import REPO, cchc_here
from tests.test_blocks import PERIOD, SCORES, blocks, save  # noqa: F401  (the fixture)
from tests.test_blocks_score import files  # noqa: F401  (the fixture)

DEPARTMENTS = REPO / "criteria" / "dien-bien-so-2016.yaml"
OTHER_LAYOUT = "dien-bien-so-2016-khao-sat-trong-100.yaml"
REFUSED = "bộ tiêu chí 'dien-bien-so' dành cho khối 'Sở, ban, ngành', không dùng cho khối 'UBND cấp huyện'"


def test_one_departments_set_for_units_of_two_blocks_is_refused_and_nothing_written(demo):
    before = list(demo.periods()["id"])
    ran = cchc_here("period", "add", "2018", "--units", REPO / "data" / "units.csv", "--criteria", DEPARTMENTS, db=demo.url)
    assert ran.returncode == 1
    assert f"đơn vị thuộc khối 'huyen' chưa có bộ tiêu chí của khối mình: {REFUSED}" in ran.stderr
    assert list(demo.periods()["id"]) == before
    # a block of its own set for each: opened
    both = ("--criteria", f"so={DEPARTMENTS}", "--criteria", f"huyen={REPO / 'criteria' / 'dien-bien-huyen-minh-hoa.yaml'}")
    assert cchc_here("period", "add", "2018", "--units", REPO / "data" / "units.csv", *both, db=demo.url).returncode == 0
    assert demo.criteria_for("2018", unit="huyen-muong-nhe").id == "dien-bien-huyen-minh-hoa"


def test_the_admin_page_refuses_every_shipped_departments_set_for_the_districts(blocks):  # noqa: F811
    page = AdminSession(blocks, None, PERIOD)
    with pytest.raises(ProblemsError, match=f"^{OTHER_LAYOUT}: bộ tiêu chí 'dien-bien-so-ks100' dành cho khối 'Sở, ban, ngành'"):
        page.new.open(PERIOD, "2021", "", {"so": "period", "huyen": f"file:{OTHER_LAYOUT}"}, {})
    assert list(blocks.periods()["id"]) == [PERIOD]


def test_every_set_shipped_in_criteria_declares_its_block():
    """The admin form refuses a set for another block only when the set says whose it is."""
    assert {s.file: s.block for s in shipped_sets()} == {
        "dien-bien-huyen-minh-hoa.yaml": "huyen",
        OTHER_LAYOUT: "so",
        "dien-bien-so-2016.yaml": "so",
    }
    assert load_criteria(REPO / "criteria" / "examples" / "dien-bien-thuong-tru.yaml").meta["block"] == "so"


def test_a_stage_set_for_the_districts_alone_leaves_the_departments_as_they_were(demo, tmp_path):
    """The demo's 2017 has no stage set: every stage is open. Closing the districts'
    self-assessment made the period's stages «set», and the departments, with none of their
    own, were refused «chưa mở cho khối Sở, ban, ngành»."""
    assert cchc_here("stage", "close", "--period", "2017", "--stage", "self", "--block", "huyen", db=demo.url).returncode == 0
    department, district = tmp_path / "so.csv", tmp_path / "huyen.csv"
    department.write_text("unit,code,stage,value\nso-noi-vu,1.1.1,self,Ban hành chậm\n", encoding="utf-8")
    district.write_text("unit,code,stage,value\nhuyen-muong-nhe,1.1.1,self,Ban hành chậm\n", encoding="utf-8")
    ran = cchc_here("import", department, "--period", "2017", db=demo.url)
    assert ran.returncode == 0, ran.stderr
    ran = cchc_here("import", district, "--period", "2017", db=demo.url)
    assert ran.returncode == 1
    assert "giai đoạn tự đánh giá của kỳ '2017' đã đóng cho khối UBND cấp huyện" in ran.stderr


def test_cchc_score_with_one_set_refuses_units_of_another_block_or_ranks_within_each(files):  # noqa: F811
    """`cchc score --criteria so.yaml --units don-vi.csv` (a units table of departments and
    districts) printed one table ranking them together."""
    (files / "so-khoi.yaml").write_text((files / "so.yaml").read_text("utf-8") + "block: so\n", "utf-8")
    (files / "ab.csv").write_text("unit,A1,A2\ns1,40,45\ns2,30,30\nh1,20,20\nh2,45,45\nh3,10,10\n", encoding="utf-8")
    ran = cchc_here("score", "--criteria", "so-khoi.yaml", "--scores", "ab.csv", "--units", "don-vi.csv")
    assert ran.returncode == 1
    assert "don-vi.csv: đơn vị thuộc khối 'huyen' chưa có bộ tiêu chí của khối mình: bộ tiêu chí 'hai-muc'" in ran.stderr
    assert ran.stdout == ""
    ran = cchc_here("score", "--criteria", "so.yaml", "--scores", "ab.csv", "--units", "don-vi.csv")  # a set of no block
    assert ran.returncode == 0, ran.stderr
    so, huyen = ran.stdout.split("Kết quả chỉ số CCHC — khối UBND cấp huyện (Bộ thử hai mục)")
    assert so.startswith("Kết quả chỉ số CCHC — khối Sở, ban, ngành (Bộ thử hai mục)")
    assert "Huyện" not in so
    assert "Sở" not in huyen
    out = ("--out", "kq.csv", "--machine-headings")
    assert cchc_here("score", "--criteria", "so.yaml", "--scores", "ab.csv", "--units", "don-vi.csv", *out).returncode == 0
    written = pd.read_csv(files / "kq.csv", keep_default_na=False, dtype=str).set_index("unit")
    assert written["rank"].to_dict() == {"s1": "1", "s2": "2", "h2": "", "h1": "", "h3": ""}  # h2 (90) is not 1st of all
    assert written["group_rank"].to_dict() == {"s1": "", "s2": "", "h2": "1", "h1": "2", "h3": "1"}  # the districts' groups


def test_a_departments_table_uploaded_on_a_districts_page_is_refused_in_cchc_imports_words(demo, tmp_path):
    """The scoring page's upload read the table against the unit's set alone and said «mã
    '1.1.3' không có trong bộ tiêu chí», naming neither the unit, its block nor the set."""
    table = "unit,code,stage,value\nhuyen-muong-nhe,1.1.3,self,Có\n"
    said = "đơn vị 'huyen-muong-nhe' thuộc khối UBND cấp huyện: mã '1.1.3' không có trong bộ tiêu chí 'dien-bien-huyen-minh-hoa'"
    page = scores_upload(demo, "bang-so.csv", table.encode(), "Cán bộ huyện", Scope("2017", "huyen-muong-nhe", "self"))
    assert not page.ok
    assert any(said in problem for problem in page.problems), page.problems
    (tmp_path / "bang-so.csv").write_text(table, encoding="utf-8")
    command = cchc_here("import", tmp_path / "bang-so.csv", "--period", "2017", db=demo.url)
    assert command.returncode == 1
    assert said in command.stderr  # one message for both paths


ILLUSTRATIVE = "khối UBND cấp huyện (bộ tiêu chí minh họa)"


def test_the_illustrative_district_set_is_said_so_wherever_its_block_is_titled(demo):
    """The workbook's district annex and its units' sheets, the report's Phụ lục II and the
    command line's titles for the block named the districts without «minh họa»: read off the set."""
    book = load_workbook(io.BytesIO(results_workbook(demo, "2017")))
    assert book["Tổng hợp — UBND cấp huyện"]["A1"].value.startswith(f"Phụ lục II: Tổng hợp kết quả Chỉ số CCHC — {ILLUSTRATIVE}")
    assert ILLUSTRATIVE in book["Huyện Mường Nhé"]["A1"].value
    assert "(phân bổ điểm tham khảo)" in book["Sở Nội vụ"]["A1"].value  # the departments' set says what it is too
    districts = analysis.block_views(demo, "2017")[1]
    assert f"Kết quả {ILLUSTRATIVE}" in report.annex(districts, 2).html
    assert f"Kỳ 2017, {ILLUSTRATIVE}: đã nộp" in cchc_here("progress", "--period", "2017", "--block", "huyen", db=demo.url).stdout
    scenario = REPO / "criteria" / "examples" / "kich-ban-linh-vuc-1-gap-doi.yaml"
    ran = cchc_here("whatif", "--period", "2017", "--block", "huyen", "--scenario", scenario, db=demo.url)
    assert f"Năm 2017, {ILLUSTRATIVE} trong kho" in ran.stdout


def test_a_block_not_appraised_at_all_is_keyed_as_ranked_on_its_claims_under_its_own_table(blocks):  # noqa: F811
    """Departments appraised, districts not at all: the districts rank on their self-assessed
    points, so the key under their table says so — not «không xếp hạng», the departments' rule."""
    appraised = [{**row, "stage": "appraisal"} for row in SCORES if row["unit"].startswith("s")]
    claims = [{**row, "stage": "self"} for row in SCORES]
    save(blocks, claims + appraised)
    ran = cchc_here("ranking", "--period", PERIOD, db=blocks.url)
    assert ran.returncode == 0, ran.stderr
    departments, districts = ran.stdout.split("Xếp hạng chỉ số CCHC — Năm 2020 — khối UBND cấp huyện")
    assert "Chưa thẩm định" not in departments  # every department appraised: no key
    assert " ".join(districts.split()).endswith(" ".join(NONE_APPRAISED_KEY.split()))
    assert "không xếp hạng" not in ran.stdout
    book = load_workbook(io.BytesIO(results_workbook(blocks, PERIOD)))
    keys = [row[0] for row in book["Tổng hợp — UBND cấp huyện"].iter_rows(values_only=True) if row[0] and "«Chưa" in str(row[0])]
    assert keys == [NONE_APPRAISED_KEY]
    districts_view = analysis.block_views(blocks, PERIOD)[1]
    assert "Chưa đơn vị nào được thẩm định: hạng theo điểm tự đánh giá, chưa xếp loại." in analysis.facts(districts_view)


def test_cchc_ranking_shows_the_block_asked_for_alone_and_refuses_one_the_period_has_not(blocks, tmp_path):  # noqa: F811
    """A district office asks for its own table: `--block huyen` prints (or writes) only the
    districts, still named as a block; the set's name on a line of its own, its brackets unnested."""
    save(blocks, [{**row, "stage": stage} for row in SCORES for stage in ("self", "appraisal")])
    ran = cchc_here("ranking", "--period", PERIOD, "--block", "huyen", db=blocks.url)
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0] == "Xếp hạng chỉ số CCHC — Năm 2020 — khối UBND cấp huyện"
    assert lines[1] == f"Bộ tiêu chí: {blocks.criteria_for(PERIOD, block='huyen').name}"
    assert "Huyện Một" in ran.stdout
    assert "Sở Một" not in ran.stdout
    out = tmp_path / "huyen.csv"
    assert cchc_here("ranking", "--period", PERIOD, "--block", "huyen", "--out", out, db=blocks.url).returncode == 0
    assert sorted(pd.read_csv(out, encoding="utf-8-sig")["Đơn vị"]) == ["Huyện Hai", "Huyện Một"]
    refused = cchc_here("ranking", "--period", PERIOD, "--block", "xa", db=blocks.url)
    assert refused.returncode == 1
    assert "kỳ không đánh giá khối 'xa'; các khối của kỳ: 'so'" in refused.stderr
