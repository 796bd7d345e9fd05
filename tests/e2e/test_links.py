"""Links keep their place through sign-in, each role lands where its work is, and a filter
does not follow a person into another period (issue 27), in real Chromium on `cchc serve`
with accounts."""

import re

import pytest

from .conftest import serving
from .test_sign_in import PASSWORDS, UNIT, prepared_store

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def signed_server(demo_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("links")
    with serving(prepared_store(demo_template, root), root, auth=("--auth", "accounts")) as srv:
        yield srv


def _sign_in_here(page, login):
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORDS[login])
    page.click("button[type=submit]")


def _chosen(page) -> tuple[str, str, str]:
    return tuple(page.input_value(f".cchc-select-{part}") for part in ("unit", "period", "stage"))


def test_a_link_opened_signed_out_lands_on_exactly_that(page, signed_server):
    link = f"{signed_server.url}?unit={UNIT}&period=2016&stage=appraisal&filter=differs"
    page.goto(link)
    _sign_in_here(page, "thamdinh")
    page.wait_for_selector(".cchc-row-8-5-1 .cchc-input", state="attached")  # the filter hides it
    assert _chosen(page) == (UNIT, "2016", "appraisal")
    assert page.get_attribute(".cchc-filter-differs", "aria-pressed") == "true"
    shown = page.eval_on_selector_all(".cchc-row:not([hidden])", "rows => rows.length")
    assert 0 < shown < 70
    assert page.url == link  # the address still names all of it

    page.select_option(".cchc-select-period", "2017")  # another period: every row again, the filter let go
    page.wait_for_function("() => new URLSearchParams(location.search).get('period') === '2017'")
    page.wait_for_selector(".cchc-filter-all[aria-pressed=true]")
    assert page.eval_on_selector_all(".cchc-row:not([hidden])", "rows => rows.length") == 70
    assert "filter=" not in page.url


@pytest.mark.parametrize(
    ("login", "lands"),
    [
        ("quantri", r"/voila/render/admin\.ipynb$"),
        ("thamdinh", r"/voila/render/scoring\.ipynb\?stage=appraisal"),
        ("tuphap", rf"/voila/render/scoring\.ipynb\?unit={UNIT}&stage=self"),
    ],
)
def test_each_role_lands_where_its_work_is(page, signed_server, login, lands):
    page.goto(f"http://127.0.0.1:{signed_server.port}/login")
    _sign_in_here(page, login)
    page.wait_for_url(re.compile(lands))
    if login == "quantri":
        page.wait_for_selector(".cchc-ad-log-table")
    else:
        page.wait_for_selector(".cchc-row-8-5-1 .cchc-input")
        assert _chosen(page)[2] == ("appraisal" if login == "thamdinh" else "self")
