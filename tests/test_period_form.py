"""The administrator's page opens a new period with a criteria set per block (issue 30), as
`cchc period add --criteria so=PATH --criteria huyen=PATH` does: the units of the shown period
or of a table uploaded, and for each of their blocks the set the shown period gives it, a set
shipped in `criteria/`, or a file uploaded. A set declaring another block is refused in the
store's words; a block left without a set is refused; nothing is written then."""

import pytest

from cchc_widgets.app.admin_session import AdminSession
from cchc_widgets.core.errors import ProblemsError
from tests.conftest import REPO
from tests.test_blocks import PERIOD, blocks  # noqa: F401  (the fixture)

DISTRICT_FILE = "dien-bien-huyen-minh-hoa.yaml"
DEPARTMENT_FILE = "dien-bien-so-2016.yaml"


def by_block(state):
    return {b["block"]: b for b in state["new_period"]["blocks"]}


def test_the_form_offers_a_set_for_each_block_of_the_shown_periods_units(blocks):  # noqa: F811
    page = AdminSession(blocks, None, PERIOD)
    offered = by_block(page.state())
    assert list(offered) == ["so", "huyen"]
    assert offered["huyen"]["label"] == "UBND cấp huyện"
    assert offered["huyen"]["chosen"] == "period"  # what the shown period gives the block
    values = [v for v, _ in offered["huyen"]["options"]]
    assert values[0] == "period"
    assert f"file:{DISTRICT_FILE}" in values
    assert values[-1] == "upload"
    assert page.state()["new_period"]["units"] == f"4 đơn vị của kỳ {PERIOD}"


def test_a_period_opened_with_a_shipped_set_for_one_block_and_an_uploaded_one_for_the_other(blocks):  # noqa: F811
    page = AdminSession(blocks, None, PERIOD)
    upload = (DEPARTMENT_FILE, (REPO / "criteria" / DEPARTMENT_FILE).read_bytes())
    said = page.new.open(PERIOD, "2021", "Năm 2021", {"so": "upload", "huyen": f"file:{DISTRICT_FILE}"}, {"so": upload})
    assert (
        said
        == "Đã mở kỳ 2021: 4 đơn vị; khối Sở, ban, ngành: bộ 'dien-bien-so'; khối UBND cấp huyện: bộ 'dien-bien-huyen-minh-hoa'"
    )
    assert blocks.criteria_for("2021", unit="h1").id == "dien-bien-huyen-minh-hoa"
    assert blocks.criteria_for("2021", unit="s1").id == "dien-bien-so"
    assert blocks.units("2021").set_index("id")["block"].to_dict() == {"h1": "huyen", "h2": "huyen", "s1": "so", "s2": "so"}


def test_a_set_declaring_another_block_and_a_block_without_a_set_are_refused(blocks):  # noqa: F811
    page = AdminSession(blocks, None, PERIOD)
    wrong = {"so": "period", "huyen": f"file:{DEPARTMENT_FILE}"}  # the departments' set given to the districts
    with pytest.raises(ProblemsError, match="dành cho khối 'Sở, ban, ngành', không dùng cho khối 'UBND cấp huyện'"):
        page.new.open(PERIOD, "2021", "", wrong, {})
    with pytest.raises(ProblemsError, match=f"^{DEPARTMENT_FILE}: bộ tiêu chí"):  # named by its file, not the store
        page.new.open(PERIOD, "2021", "", wrong, {})
    with pytest.raises(ProblemsError, match="khối UBND cấp huyện chưa có bộ tiêu chí: tải tệp bộ tiêu chí lên"):
        page.new.open(PERIOD, "2021", "", {"so": "period", "huyen": "upload"}, {})
    with pytest.raises(ProblemsError, match="không phải bộ tiêu chí có sẵn"):
        page.new.open(PERIOD, "2021", "", {"so": "period", "huyen": "file:../../etc/passwd"}, {})
    broken = ("huyen.yaml", b"id: [unclosed\n")
    with pytest.raises(ProblemsError) as refused:
        page.new.open(PERIOD, "2021", "", {"so": "period", "huyen": "upload"}, {"huyen": broken})
    assert str(refused.value).startswith("huyen.yaml")  # the file as the person named it, not the server's folder
    assert "uploads" not in str(refused.value)
    assert list(blocks.periods()["id"]) == [PERIOD]


def test_an_uploaded_units_table_brings_its_own_blocks(blocks, tmp_path):  # noqa: F811
    page = AdminSession(blocks, None, PERIOD)
    table = "id,name,khối\ns1,Sở Một,so\nx1,Xã Một,xa\n".encode()
    page.new.take_units("don-vi-2021.csv", table)
    state = page.state()["new_period"]
    assert state["units"] == "2 đơn vị từ tệp don-vi-2021.csv"
    assert list(by_block(page.state())) == ["so", "xa"]
    assert by_block(page.state())["xa"]["chosen"] == ""  # no set of the shown period, none shipped for it
    with pytest.raises(ProblemsError, match="khối UBND cấp xã chưa có bộ tiêu chí: chọn một bộ tiêu chí"):
        page.new.open(PERIOD, "2021", "", {"so": "period"}, {})
