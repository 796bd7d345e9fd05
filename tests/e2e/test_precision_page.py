"""The scoring form of a 3-decimal set in a real browser: an item's points and maximum with the
set's places, as the domain's header beside them (the row read «8,3335 / 10» under «8,334 /
10,000 điểm»), the value the person typed kept in the input as typed; N/A the set's word (issue 28)."""

import pandas as pd
import pytest

from cchc_widgets.core.criteria import load_dict
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store
from tests.conftest import THREE_PLACES
from tests.e2e.conftest import demo_copy, serving
from tests.e2e.test_scoring_app import row

pytestmark = pytest.mark.e2e

UNIT, PERIOD = "so-tu-phap", "2030"


@pytest.fixture(scope="module")
def server(demo_template, tmp_path_factory):
    """The demo with a 2030 period on a 3-decimal set (`na_label: –`), the unit's points as an
    outside clerk entered them: 2,5; N/A; 8,3335."""
    root = tmp_path_factory.mktemp("three-places")
    db = demo_copy(demo_template, root)
    store = Store(f"sqlite:///{db}", evidence_dir=root / "data" / "evidence")
    store.add_period(PERIOD, "Năm 2030", load_dict(THREE_PLACES))
    store.add_units(store.units("2017")[["id", "name"]], period=PERIOD)
    rows = pd.DataFrame(
        [
            {"unit": UNIT, "code": "1.1", "stage": "self", "points": 2.5},
            {"unit": UNIT, "code": "1.2", "stage": "self", "value": "N/A", "na": True},
            {"unit": UNIT, "code": "2.1", "stage": "self", "points": 8.3335},
        ]
    )
    Writer(store).save_scores(Scope(PERIOD), rows, "Văn thư", "test")
    store.close()
    with serving(db, root) as srv:
        yield srv


def test_an_items_points_read_with_the_sets_places(page, server):
    page.goto(f"{server.url}?unit={UNIT}&period={PERIOD}&stage=self")
    page.wait_for_selector(f"{row('2.1')} .cchc-input")
    page.wait_for_function("(sel) => document.querySelector(sel).textContent !== ''", arg=f"{row('2.1')} .cchc-row-points")
    assert page.inner_text(f"{row('1.1')} .cchc-row-points") == "2,500"
    assert page.inner_text(f"{row('1.1')} .cchc-row-max").strip() == "/ 3,000"
    assert page.inner_text(f"{row('2.1')} .cchc-row-points") == "8,334"
    assert page.inner_text(f"{row('2.1')} .cchc-row-max").strip() == "/ 10,000"
    assert page.input_value(f"{row('2.1')} .cchc-input") == "8,3335"  # what was typed stays as typed
    assert page.inner_text(f"{row('1.2')} .cchc-row-points") == "–"  # the set's word
    assert "8,334 / 10,000 điểm" in page.inner_text(".cchc-section-summary >> nth=1")  # the domain beside it
