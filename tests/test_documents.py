"""The province's document settings: the shipped template reads, a missing, broken or
incomplete file is refused in Vietnamese naming what is wrong, and the decree's date form."""

from datetime import date

import pytest

from cchc_widgets.core.documents import MOTTO, NATIONAL_NAME, load_official_form, symbol_issuer_agrees
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.report.official import recipient_lines
from cchc_widgets.resources import resource


def test_the_template_reads_and_dates_as_the_decree_writes():
    form = load_official_form()
    assert (form.superior, form.agency, form.place) == ("UBND TỈNH ĐIỆN BIÊN", "SỞ NỘI VỤ", "Điện Biên")
    assert (form.national_name, form.motto) == (NATIONAL_NAME, MOTTO)
    assert form.number("bao_cao") == "Số: \u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/BC-SNV"
    assert form.number("bao_cao", 15) == "Số: 15/BC-SNV"
    assert form.dated(date(2027, 2, 7)) == "Điện Biên, ngày 07 tháng 02 năm 2027"  # zeros below 10 and below March
    assert form.dated(date(2026, 12, 17)) == "Điện Biên, ngày 17 tháng 12 năm 2026"


def test_a_missing_broken_or_wrong_file_is_refused_in_words(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_DOCUMENT", str(tmp_path / "khong-co.yaml"))
    with pytest.raises(ProblemsError, match=r"không có tệp: tạo từ mẫu data/van-ban\.yaml"):
        load_official_form()
    broken = tmp_path / "hong.yaml"
    broken.write_text("co_quan: [SỞ NỘI VỤ\n", encoding="utf-8")
    with pytest.raises(ProblemsError, match=r"không đọc được tệp YAML \(dòng 2\)"):
        load_official_form(broken)
    wrong = tmp_path / "sai.yaml"
    wrong.write_text("quoc_hieu: Cộng hòa XHCN Việt Nam\nco_quan: SỞ NỘI VỤ\nnguoi_ky: {chuc_vu: GIÁM ĐỐC}\n", encoding="utf-8")
    with pytest.raises(ProblemsError) as refused:
        load_official_form(wrong)
    said = str(refused.value)
    assert f"'quoc_hieu' phải viết đúng như Nghị định 30/2020/NĐ-CP: «{NATIONAL_NAME}»" in said
    assert "thiếu 'dia_danh'" in said
    assert "thiếu 'ho_ten'" in said


def test_a_number_whose_symbol_names_another_body_is_refused(tmp_path):
    """«Số: …/QĐ-UBND» under «SỞ NỘI VỤ» was the results book's cover: a decision of the UBND
    tỉnh printed under the Sở. The symbol's issuer must be the body heading the document."""
    template = resource("data/van-ban.yaml").read_text(encoding="utf-8")
    wrong = tmp_path / "sai-ky-hieu.yaml"
    wrong.write_text(template.replace('so_ket_qua: "{so}/BC-SNV"', 'so_ket_qua: "{so}/QĐ-UBND"'), encoding="utf-8")
    with pytest.raises(ProblemsError) as refused:
        load_official_form(wrong)
    assert "'so_ky_hieu' → 'so_ket_qua': ký hiệu «{so}/QĐ-UBND» không phải của SỞ NỘI VỤ" in str(refused.value)
    as_ubnd = tmp_path / "ubnd.yaml"  # the same pattern under the UBND tỉnh is its own decision: accepted
    as_ubnd.write_text(
        template.replace("co_quan: SỞ NỘI VỤ", "co_quan: ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN")
        .replace("co_quan_chu_quan: UBND TỈNH ĐIỆN BIÊN", "co_quan_chu_quan: ''")
        .replace('"{so}/BC-SNV"', '"{so}/QĐ-UBND"')
        .replace('"{so}/PCĐ-SNV"', '"{so}/UBND-NC"'),
        encoding="utf-8",
    )
    form = load_official_form(as_ubnd)  # the UBND tỉnh has no superior line
    assert (form.superior, form.number("so_ket_qua", 722)) == ("", "Số: 722/QĐ-UBND")


@pytest.mark.parametrize(
    ("pattern", "agency", "agrees"),
    [
        ("{so}/BC-SNV", "SỞ NỘI VỤ", True),
        ("{so}/SNV-CCHC", "SỞ NỘI VỤ", True),  # a công văn: issuer, then the drafting unit
        ("{so}/QĐ-UBND", "SỞ NỘI VỤ", False),
        ("{so}/QĐ-UBND", "UBND TỈNH ĐIỆN BIÊN", True),
        ("{so}/QĐ-UBND", "ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN", True),
        ("{so}/BC-SKHĐT", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ", True),
        ("{so}/BC-STP", "SỞ NỘI VỤ", False),
        ("{so}", "SỞ NỘI VỤ", True),  # a number without a symbol
    ],
)
def test_a_symbols_issuer_is_read_as_the_decree_writes_it(pattern, agency, agrees):
    assert symbol_issuer_agrees(pattern, agency) is agrees


def test_recipients_end_with_the_office_copy_in_the_laws_form():
    assert recipient_lines(("UBND tỉnh (để b/c)", "Lưu VT, CCHC")) == ["- UBND tỉnh (để b/c);", "- Lưu: VT, CCHC."]
    assert recipient_lines(("Các sở, ban, ngành tỉnh;",)) == ["- Các sở, ban, ngành tỉnh;", "- Lưu: VT."]


def test_an_unquoted_office_copy_line_reads_as_written(tmp_path):
    """«- Lưu: VT, CCHC» without quotes is a mapping in YAML: read back as the line written."""
    path = tmp_path / "van-ban.yaml"
    path.write_text(
        resource("data/van-ban.yaml").read_text(encoding="utf-8").replace('"Lưu: VT, CCHC"', "Lưu: VT, CCHC"), encoding="utf-8"
    )
    assert load_official_form(path).recipients[-1] == "Lưu: VT, CCHC"
