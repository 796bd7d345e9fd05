"""The province's document settings: the shipped template reads, a missing, broken or
incomplete file is refused in Vietnamese naming what is wrong, and the decree's date form."""

from datetime import date

import pytest

from cchc_widgets.core.documents import MOTTO, NATIONAL_NAME, load_official_form
from cchc_widgets.core.errors import ProblemsError


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
    assert "thiếu 'co_quan_chu_quan'" in said
    assert "thiếu 'dia_danh'" in said
    assert "thiếu 'ho_ten'" in said
