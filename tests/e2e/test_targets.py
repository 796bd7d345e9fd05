"""Every control a person presses is big enough to hit (issue 27): ≥ 44 px tall on a phone
(390×844), ≥ 24 px on a laptop (1366×768, WCAG 2.2's minimum), measured box by box on the
scoring, administrator and what-if pages in real Chromium; a pressed filter chip stays
readable under the pointer; the first criterion is on a phone's first screen; the form says
«Không áp dụng» on its box, a «KAD» value only beside that ticked box; axe finds nothing serious at either size. Each
page's screenshot is kept under exports/test-artefacts/man-hinh/ for a look."""

import pytest

from tests.artefacts import artefacts
from tests.e2e.test_accessibility import violations
from tests.e2e.test_any_screen import LAPTOP, PHONE, window
from tests.e2e.test_scoring_app import open_form

pytestmark = pytest.mark.e2e

SIZES = {"390x844": (PHONE, 44), "1366x768": (LAPTOP, 24)}

# every visible control's box in the app: a checkbox is pressed through its label, a file
# input through the label drawn as its button; hidden ones (a closed section, a visually
# hidden file input) are not targets
MEASURE = """(root) => {
  const shown = (e) => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.opacity !== '0'; };
  const controls = document.querySelectorAll(`${root} :is(button, select, textarea, summary, a[href], input:not([type=hidden]))`);
  const out = [];
  for (const c of controls) {
    let target = c;
    if (c.matches('input[type=checkbox], input[type=radio], input[type=file]') && c.closest('label')) target = c.closest('label');
    if (!shown(target)) continue;
    const r = target.getBoundingClientRect();
    const name = (c.getAttribute('aria-label') || c.textContent || c.name || '').trim().slice(0, 30);
    out.push([c.className || c.tagName.toLowerCase(), name, Math.round(r.height * 10) / 10]);
  }
  return out;
}"""


def _small(page, root: str, least: float) -> tuple[int, list]:
    boxes = page.evaluate(MEASURE, root)
    return len(boxes), [b for b in boxes if b[2] < least - 0.01]


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_scoring_page(browser, server, size):
    (width, height), least = SIZES[size]
    with window(browser, (width, height)) as page:
        open_form(page, server, period="2016", stage="self")
        page.screenshot(path=str(artefacts("man-hinh") / f"cham-diem-{size}.png"))
        first = page.evaluate("() => document.querySelector('.cchc-row .cchc-input').getBoundingClientRect().bottom")
        assert first <= height, f"the first criterion's input ends at {first:.0f} px, below the first screen"
        count, small = _small(page, ".cchc-form", least)
        assert count > 200
        assert small == [], f"{len(small)} of {count} controls under {least} px: {small[:8]}"
        assert violations(page) == []
        na = page.inner_text(".cchc-row .cchc-na-label")
        assert "Không áp dụng" in na
        beside = page.evaluate(  # «KAD» (issue 28: the set's word as value) only where the ticked «Không áp dụng» box explains it
            """() => [...document.querySelectorAll('.cchc-row')]
              .filter((r) => r.querySelector('.cchc-row-points')?.textContent === 'KAD')
              .map((r) => r.querySelector('.cchc-na')?.checked === true)"""
        )
        assert beside
        assert all(beside)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
@pytest.mark.parametrize(
    ("notebook", "ready", "root"),
    [
        ("admin", (".cchc-ad-log-table", ".cchc-pb-table .cchc-pb-row"), ":is(.cchc-admin, .cchc-progress-board)"),
        ("whatif", (".cchc-wi-node input",), ".cchc-wi"),
    ],
    ids=["quan-tri", "thu-trong-so"],
)
def test_the_admin_and_whatif_pages(browser, server, size, notebook, ready, root):
    """The administrator's page with its progress table (the table is a widget of its own
    beside the page's: its sort buttons and unit links are targets too), and the what-if page."""
    (width, height), least = SIZES[size]
    with window(browser, (width, height)) as page:
        page.goto(server.url.replace("scoring.ipynb", f"{notebook}.ipynb") + "?period=2016")
        for selector in ready:
            page.wait_for_selector(selector)
        page.screenshot(path=str(artefacts("man-hinh") / f"{notebook}-{size}.png"), full_page=True)
        count, small = _small(page, root, least)
        assert count > 10
        assert small == [], f"{len(small)} of {count} controls under {least} px: {small[:8]}"
        assert violations(page) == []


CONTRAST = """(sel) => {
  const rgb = (t) => t.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const s = getComputedStyle(document.querySelector(sel));
  const [a, b] = [lum(rgb(s.color)), lum(rgb(s.backgroundColor))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_a_pressed_chip_stays_readable_under_the_pointer(browser, server):
    with window(browser, PHONE) as page:
        open_form(page, server, period="2016", stage="appraisal")
        page.click(".cchc-filter-differs")  # the pointer stays on it, as a finger's tap leaves a hover
        assert page.get_attribute(".cchc-filter-differs", "aria-pressed") == "true"
        page.hover(".cchc-filter-differs")
        assert page.evaluate(CONTRAST, ".cchc-filter-differs") >= 4.5


# the tallest header a unit meets on a phone: signed in (its person's line and «Đăng xuất»), its
# stage open with a deadline, items lacking evidence counted — the first row among them —, an
# item of the first domain unscored, the longest department name, and a district, whose set is
# the illustrative one; each with its clerk's account
WORST = {"so-ldtbxh": "Sở Lao động - Thương binh và Xã hội", "huyen-dien-bien-dong": "Huyện Điện Biên Đông"}
CLERKS = {"so-ldtbxh": ("laodong", "Lê Thị Lao"), "huyen-dien-bien-dong": ("dienbiendong", "Lò Thị Đông")}
PASSWORD = "mat-khau-can-bo-1"
SPARE = 40  # px left under the first criterion's input: room for a line more in the header (a badge)


@pytest.fixture(scope="module")
def worst_case(demo_template, tmp_path_factory):
    """Period 2017 served with accounts, the self-assessment open until a day and, for each unit
    of `WORST`, its first item and the next earning points without their evidence and the first
    domain's second item unscored: «chưa nộp, hạn …», «2 mục thiếu tài liệu kiểm chứng» and
    «· còn 1 mục chưa chấm» in its header, the first row marked «Thiếu tài liệu kiểm chứng»."""
    from datetime import date

    import pandas as pd

    from cchc_widgets.services import access
    from cchc_widgets.services.permissions import console
    from cchc_widgets.services.writes import Scope, Writer
    from cchc_widgets.store.database import Store

    from .conftest import demo_copy, serving

    root = tmp_path_factory.mktemp("worst")
    db = demo_copy(demo_template, root)
    store = Store(f"sqlite:///{db}", evidence_dir=root / "data" / "evidence")
    access.set_stage(store, "2017", "self", access.OPEN, date(2030, 1, 31), console("test"))
    for unit, (login, name) in CLERKS.items():
        access.add_account(store, login, name, "unit", [unit], PASSWORD, console("test"))
        cs = store.criteria_for("2017", unit=unit)
        own = store.scores("2017", unit, "self").set_index("code")
        first, *rest = cs.leaf_codes
        proving = next(c for c in rest if cs[c].evidence and own.loc[c, "points"] > 0)
        unscored = next(c for c in rest if c != proving and c.split(".")[0] == first.split(".")[0])
        rows = pd.DataFrame(
            [
                {"unit": unit, "code": first, "value": "Ban hành đúng thời hạn", "note": ""},
                {"unit": unit, "code": proving, "value": own.loc[proving, "value"], "note": ""},
                {"unit": unit, "code": unscored, "clear": True},
            ]
        )
        Writer(store).save_scores(Scope("2017", unit, "self"), rows, "Đơn vị", "python")
    store.close()
    with serving(db, root, auth=("--auth", "accounts")) as srv:
        yield srv


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
@pytest.mark.parametrize("unit", WORST, ids=list(WORST))
def test_the_first_criterion_on_the_first_screen_in_the_tallest_header(browser, worst_case, size, unit):
    (width, height), least = SIZES[size]
    with window(browser, (width, height)) as page:
        page.goto(f"{worst_case.url}?unit={unit}&period=2017&stage=self")
        page.fill("input[name=login]", CLERKS[unit][0])
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector(".cchc-row .cchc-input")
        progress = page.inner_text(".cchc-progress")
        assert "2 mục thiếu tài liệu kiểm chứng" in progress
        assert "hạn 31/01/2030" in progress
        assert page.inner_text(".cchc-unit-name") == WORST[unit]
        assert page.inner_text(".cchc-user-name") == f"{CLERKS[unit][1]} (Cán bộ đơn vị)"
        assert "Thiếu tài liệu kiểm chứng" in page.inner_text(".cchc-row >> nth=0")
        assert "còn 1 mục chưa chấm" in page.inner_text(".cchc-section-summary >> nth=0")
        page.screenshot(path=str(artefacts("man-hinh") / f"dau-trang-{unit}-{size}.png"))
        first = page.evaluate("() => document.querySelector('.cchc-row .cchc-input').getBoundingClientRect().bottom")
        assert first <= height - SPARE, f"the first criterion's input ends at {first:.1f} px, {SPARE} px above {height} wanted"
        scroll_width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
        assert scroll_width <= width, "the page scrolls sideways"
        count, small = _small(page, ".cchc-form", least)
        assert small == [], f"{len(small)} of {count} controls under {least} px: {small[:8]}"


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_pages_outside_the_apps(browser, worst_case, size):
    """The server's own pages meet the same sizes: the landing page signed out (its «Đăng nhập»),
    the sign-in form, the landing page signed in (each app's link, «Đăng xuất») and the page
    after signing out («Đăng nhập lại»)."""
    (width, height), least = SIZES[size]
    home = f"http://127.0.0.1:{worst_case.port}/"
    login, _name = CLERKS["so-ldtbxh"]
    with window(browser, (width, height)) as page:
        seen = {}
        page.goto(home)
        seen["trang-dau-chua-dang-nhap"] = _small(page, "main", least)
        page.goto(home + "login?next=/")  # back to this page after signing in, not to an app
        seen["dang-nhap"] = _small(page, "main", least)
        page.screenshot(path=str(artefacts("man-hinh") / f"dang-nhap-{size}.png"))
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("main a[href$='logout']")
        seen["trang-dau"] = _small(page, "main", least)
        page.screenshot(path=str(artefacts("man-hinh") / f"trang-dau-{size}.png"))
        page.goto(home + "logout")
        seen["da-dang-xuat"] = _small(page, "main", least)
    assert {name: count for name, (count, _) in seen.items()} == {
        "trang-dau-chua-dang-nhap": 1,  # «Đăng nhập»
        "dang-nhap": 3,  # login, password, «Đăng nhập»
        "trang-dau": 2,  # «Tự đánh giá của đơn vị», «Đăng xuất»
        "da-dang-xuat": 1,  # «Đăng nhập lại»
    }
    small = {name: boxes for name, (_, boxes) in seen.items() if boxes}
    assert small == {}, f"controls under {least} px: {small}"
