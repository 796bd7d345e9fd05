"""What an outside audit of blocks found (issue 30): the departments' set given as the one set
of a period whose units include districts, and a shipped set that declared no block, were
accepted and the districts scored on the departments' criteria. Run as the office runs them:
`cchc period add`, and the administrator's page's service, on real stores."""

import pytest

from cchc_widgets.app.admin_session import AdminSession
from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.services.period_setup import shipped_sets
from tests.conftest import REPO, cchc_here
from tests.test_blocks import PERIOD, blocks  # noqa: F401  (the fixture)

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
