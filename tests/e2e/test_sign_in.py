"""Sign-in, roles and the workflow in a real browser: a unit officer and an appraiser at once
on `cchc serve` (accounts in the store), then the same server behind a trusted proxy header."""

import concurrent.futures
import html
import http.cookiejar
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from cchc_widgets.services import access
from cchc_widgets.services.permissions import console
from cchc_widgets.store.database import Store

from .conftest import Server, demo_copy, serving

pytestmark = pytest.mark.e2e

PERIOD, UNIT, OTHER = "2017", "so-tu-phap", "so-y-te"
PASSWORDS = {
    "tuphap": "mat-khau-tu-phap",
    "thamdinh": "mat-khau-tham-dinh",
    "quantri": "mat-khau-quan-tri",
    "moi": "mat-khau-moi-1",
}


def prepared_store(demo_template, root):
    """The demo with a unit officer and an appraiser of Sở Tư pháp, both stages open."""
    db = demo_copy(demo_template, root)
    store = Store(f"sqlite:///{db}", evidence_dir=root / "data" / "evidence")
    access.add_account(store, "tuphap", "Trần Thị Pháp", "unit", [UNIT], PASSWORDS["tuphap"], console("test"))
    access.add_account(store, "thamdinh", "Lê Văn Định", "appraiser", [UNIT], PASSWORDS["thamdinh"], console("test"))
    access.add_account(store, "quantri", "Phạm Quản Trị", "admin", [], PASSWORDS["quantri"], console("test"))
    access.set_stage(store, PERIOD, "self", access.OPEN, None, console("test"))
    access.set_stage(store, PERIOD, "appraisal", access.OPEN, None, console("test"))
    store.close()
    return db


@pytest.fixture(scope="module")
def signed_server(demo_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("signed")
    # as deployed: behind an HTTPS reverse proxy on this machine, whose forwarded address and scheme count
    with serving(prepared_store(demo_template, root), root, auth=("--auth", "accounts", "--proxy", "127.0.0.1")) as srv:
        yield srv


def store_of(server) -> Store:
    return Store(f"sqlite:///{server.db}", evidence_dir=server.data_dir / "evidence")


def sign_in(page, server, login, password=None, query=""):
    page.goto(f"{server.url}{query}")
    page.wait_for_selector("input[name=login]")  # sent to the sign-in page first
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password or PASSWORDS[login])
    page.click("button[type=submit]")


def units_offered(page):
    return page.eval_on_selector_all(".cchc-select-unit option", "os => os.map(o => o.value)")


def test_two_roles_side_by_side(browser, signed_server):
    server = signed_server
    unit_page = browser.new_context().new_page()
    judge_page = browser.new_context().new_page()  # another person: another browser profile
    for pg in (unit_page, judge_page):
        pg.set_default_timeout(30000)

    sign_in(unit_page, server, "tuphap", "sai-mat-khau")
    unit_page.wait_for_selector(".error")
    assert "Sai tên đăng nhập hoặc mật khẩu" in unit_page.inner_text(".error")
    assert unit_page.evaluate("document.documentElement.lang") == "vi"

    sign_in(unit_page, server, "tuphap", query=f"?unit={OTHER}&period={PERIOD}")
    unit_page.wait_for_selector(".cchc-row-1-1-1 .cchc-input")
    assert units_offered(unit_page) == [UNIT]  # only its own unit, whatever the URL asked
    assert "không có trong những đơn vị bạn được xem" in unit_page.inner_text(".cchc-alert")
    assert "Trần Thị Pháp" in unit_page.inner_text(".cchc-user")
    assert unit_page.query_selector(".cchc-author") is None  # no typed names when signed in
    assert unit_page.query_selector(".cchc-export") is None  # other units' results are not a unit's to download
    assert "Tự đánh giá: đang mở" in unit_page.inner_text(".cchc-workflow")
    unit_page.select_option(".cchc-row-1-1-1 select.cchc-input", "Ban hành chậm")
    unit_page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')")

    sign_in(judge_page, server, "thamdinh")
    judge_page.wait_for_selector(".cchc-row-1-1-1 .cchc-input")
    assert units_offered(judge_page) == [UNIT]
    assert judge_page.eval_on_selector(".cchc-select-stage", "s => s.value") == "appraisal"
    assert "chưa nộp bản tự đánh giá" in judge_page.inner_text(".cchc-locked")
    assert judge_page.is_disabled(".cchc-row-1-1-1 select.cchc-input")

    unit_page.click(".cchc-submit-box .cchc-submit")  # at the end of the form, with its checklist
    unit_page.click(".cchc-submit-dialog[open] .cchc-submit-confirm")
    unit_page.wait_for_selector(".cchc-locked")
    assert "đã nộp" in unit_page.inner_text(".cchc-locked")
    assert unit_page.is_disabled(".cchc-row-1-1-1 select.cchc-input")
    # a page that re-enables its controls and sends anyway meets the kernel's refusal
    unit_page.evaluate("document.querySelector('.cchc-row-1-1-2 select.cchc-input').disabled = false")
    unit_page.select_option(".cchc-row-1-1-2 select.cchc-input", "Không")
    unit_page.wait_for_selector(".cchc-row-1-1-2.cchc-invalid")
    assert "đơn vị đã nộp bản tự đánh giá" in unit_page.inner_text(".cchc-row-1-1-2 .cchc-field-error")

    judge_page.reload()
    judge_page.wait_for_selector(".cchc-row-2-2-1 .cchc-input")
    assert judge_page.query_selector(".cchc-locked") is None
    judge_page.select_option(".cchc-row-2-2-1 select.cchc-input", "Không")
    judge_page.fill(".cchc-row-2-2-1 .cchc-note", "Không có kế hoạch trong hồ sơ")
    judge_page.press(".cchc-row-2-2-1 .cchc-note", "Tab")
    judge_page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')")

    # the appraisal is published: the unit replies, and the appraiser's open page shows the reply
    s = store_of(server)
    access.set_stage(s, PERIOD, "reply", access.OPEN, None, console("test"))
    unit_page.reload()
    unit_page.wait_for_selector(".cchc-row-2-2-1 .cchc-reply", state="visible")
    unit_page.fill(".cchc-row-2-2-1 .cchc-reply", "Kế hoạch ban hành kèm Quyết định số 7")
    unit_page.press(".cchc-row-2-2-1 .cchc-reply", "Tab")
    judge_page.wait_for_function(
        "() => (document.querySelector('.cchc-row-2-2-1 .cchc-reply-text') || {}).textContent?.includes('Quyết định số 7')",
        timeout=15000,
    )
    assert "Đơn vị giải trình (Trần Thị Pháp)" in judge_page.inner_text(".cchc-row-2-2-1 .cchc-reply-text")
    assert s.replies(PERIOD, UNIT).set_index("code").loc["2.2.1", "author"] == "tuphap"

    self_rows = s.scores(PERIOD, UNIT, "self").set_index("code")
    assert self_rows.loc["1.1.1", "author"] == "tuphap"
    assert self_rows.loc["1.1.2", "author"] == "dữ liệu mô phỏng"  # the forged change was not written
    assert s.scores(PERIOD, UNIT, "appraisal").set_index("code").loc["2.2.1", "author"] == "thamdinh"
    refused = s.events(PERIOD).query("action == 'refused'")
    assert "tuphap" in set(refused["login"])
    assert set(s.submissions(PERIOD)) == {UNIT}
    s.close()

    # signing out ends the sign-in: a page still open elsewhere saves nothing more
    other_tab = judge_page.context.new_page()
    other_tab.goto(f"{server.url.split('voila/')[0]}logout")
    assert "Đã đăng xuất" in other_tab.inner_text("h1")
    judge_page.select_option(".cchc-row-2-2-1 select.cchc-input", "Có")
    judge_page.wait_for_selector(".cchc-row-2-2-1.cchc-invalid")
    assert "phiên đăng nhập đã kết thúc" in judge_page.inner_text(".cchc-row-2-2-1 .cchc-field-error")
    judge_page.goto(server.url)
    judge_page.wait_for_selector("input[name=login]")
    for pg in (unit_page, judge_page, other_tab):
        pg.close(run_before_unload=True)


def test_a_ticket_sent_by_the_browser_counts_for_nothing(browser, signed_server):
    """Only the server writes the header that names the user to the kernel: a valid ticket for
    the appraiser, sent by the unit officer's browser, is replaced by the officer's own."""
    s = store_of(signed_server)
    stolen = access.make_ticket(s, "thamdinh")
    s.close()
    page = browser.new_context(extra_http_headers={"X-Cchc-Ticket": stolen}).new_page()
    page.set_default_timeout(30000)
    page.goto(signed_server.url)
    page.wait_for_selector("input[name=login]")  # the ticket alone signs nobody in
    sign_in(page, signed_server, "tuphap")
    page.wait_for_selector(".cchc-row-1-1-1 .cchc-input")
    assert "Trần Thị Pháp" in page.inner_text(".cchc-user")
    assert page.eval_on_selector(".cchc-select-stage", "s => s.value") == "self"
    page.close(run_before_unload=True)


def test_behind_a_trusted_proxy_header(browser, demo_template, tmp_path):
    db = prepared_store(demo_template, tmp_path)
    trusted = Server(db, tmp_path / "data", tmp_path / "trusted.log", auth=("--auth", "header", "--proxy", "127.0.0.1"))
    untrusted = Server(db, tmp_path / "data", tmp_path / "untrusted.log", auth=("--auth", "header", "--proxy", "192.0.2.1"))
    trusted.start()
    untrusted.start()
    try:
        as_judge = browser.new_context(extra_http_headers={"X-Forwarded-User": "thamdinh"})
        page = as_judge.new_page()
        page.set_default_timeout(30000)
        page.goto(trusted.url)
        page.wait_for_selector(".cchc-row-1-1-1 .cchc-input")
        assert "Lê Văn Định" in page.inner_text(".cchc-user")
        assert units_offered(page) == [UNIT]
        page.close(run_before_unload=True)

        stranger = browser.new_context(extra_http_headers={"X-Forwarded-User": "khong-co-tai-khoan"}).new_page()
        stranger.goto(trusted.url)
        assert "Chưa đăng nhập" in stranger.inner_text("h1")

        page = as_judge.new_page()  # the same header from an address that is not the proxy counts for nothing
        page.goto(untrusted.url)
        assert "Chưa đăng nhập" in page.inner_text("h1")
    finally:
        trusted.stop()
        untrusted.stop()


def test_the_administrator_page(browser, signed_server):
    """Accounts, a stage's closing date and the log from the page; nobody else gets in."""
    admin_url = signed_server.url.replace("scoring.ipynb", "admin.ipynb")
    page = browser.new_context().new_page()
    page.set_default_timeout(60000)
    page.goto(admin_url)
    page.fill("input[name=login]", "quantri")
    page.fill("input[name=password]", PASSWORDS["quantri"])
    page.click("button[type=submit]")
    page.wait_for_selector(".cchc-ad-accounts")
    page.fill(".cchc-ad-login", "moi")
    page.fill(".cchc-ad-name", "Đỗ Văn Mới")
    page.select_option(".cchc-ad-role", "appraiser")
    page.select_option(".cchc-ad-units", [OTHER])
    page.fill(".cchc-ad-password", "ngan")
    page.click(".cchc-ad-save-account")
    page.wait_for_selector(".cchc-ad-alert:not(:empty)")
    assert "ít nhất 8 ký tự" in page.inner_text(".cchc-ad-alert")
    page.fill(".cchc-ad-password", PASSWORDS["moi"])
    page.click(".cchc-ad-save-account")
    page.wait_for_function("() => document.querySelector('.cchc-ad-accounts').textContent.includes('Đỗ Văn Mới')")
    page.fill(".cchc-ad-until-appraisal", "2030-01-31")
    page.click(".cchc-ad-open-appraisal")
    page.wait_for_function("() => document.querySelector('.cchc-ad-stages').textContent.includes('31/01/2030')")
    page.fill(".cchc-ad-filter-action", "tài khoản")  # the action as people read it
    page.click(".cchc-ad-filter")
    saved = "Đỗ Văn Mới (moi): Thẩm định viên"
    page.wait_for_function("(s) => document.querySelector('.cchc-ad-log-table').textContent.includes(s)", arg=saved)
    with page.expect_download() as info:
        page.click(".cchc-ad-download")
    assert info.value.suggested_filename == f"nhat-ky-{PERIOD}.xlsx"
    s = store_of(signed_server)
    assert s.account("moi")["role"] == "appraiser"
    assert s.account("moi")["units"] == [OTHER]
    assert str(s.stages(PERIOD)["appraisal"]["until"])[:10] == "2030-01-31"
    s.close()
    page.close(run_before_unload=True)

    other = browser.new_context().new_page()  # the new appraiser signs in: the scoring page, not the admin page
    other.set_default_timeout(60000)
    sign_in(other, signed_server, "moi")
    other.wait_for_selector(".cchc-row-1-1-1 .cchc-input")
    assert units_offered(other) == [OTHER]
    other.goto(admin_url)
    other.wait_for_selector(".cchc-signed-out")
    assert "không có quyền" in other.inner_text(".cchc-signed-out")
    assert other.query_selector(".cchc-ad-accounts") is None
    other.close(run_before_unload=True)


def test_the_landing_page_offers_what_each_role_may_open(browser, signed_server):
    """`/` introduces the tool; signed out it offers the sign-in, signed in the apps of the role."""
    server = signed_server
    root = f"http://127.0.0.1:{server.port}/"
    context = browser.new_context()
    page = context.new_page()
    page.goto(root)
    assert page.get_attribute("html", "lang") == "vi"
    assert "Chỉ số cải cách hành chính" in page.inner_text("h1")
    assert page.eval_on_selector_all(".apps a", "links => links.length") == 0  # nothing before signing in
    page.click("text=Đăng nhập")
    page.fill("input[name=login]", "tuphap")
    page.fill("input[name=password]", PASSWORDS["tuphap"])
    page.click("button[type=submit]")
    page.goto(root)
    links = page.eval_on_selector_all(".apps a", "links => links.map((a) => [a.textContent, a.getAttribute('href')])")
    assert links == [["Tự đánh giá của đơn vị", f"/voila/render/scoring.ipynb?unit={UNIT}&stage=self"]]
    page.click(".apps a")
    page.wait_for_selector(".cchc-row-1-1-1 .cchc-input")
    assert page.title().startswith("Tự đánh giá: Sở Tư pháp")
    context.close()
    admin = browser.new_context().new_page()
    sign_in(admin, server, "quantri")
    admin.wait_for_selector(".cchc-row-1-1-1")
    admin.goto(root)
    titles = admin.eval_on_selector_all(".apps a", "links => links.map((a) => a.textContent)")
    assert titles == ["Chấm điểm", "Thử trọng số", "Quản trị kỳ đánh giá"]
    assert "Phạm Quản Trị" in admin.inner_text("main")
    admin.context.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the answer's Location is what is checked


def post_sign_in(server, login, password, next_path, forwarded=None):
    """The sign-in form posted as a browser posts it (its XSRF cookie and field); the answer
    unfollowed. `forwarded`: the headers the reverse proxy adds (the person's address, https)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    base = f"http://127.0.0.1:{server.port}"
    opener.open(f"{base}/login").read()
    xsrf = next(c.value for c in jar if c.name == "_xsrf")
    form = urllib.parse.urlencode({"login": login, "password": password, "_xsrf": xsrf}).encode()
    request = urllib.request.Request(f"{base}/login?next={next_path}", data=form, headers=forwarded or {})
    try:
        with opener.open(request) as answer:
            return answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, answer.read().decode()


def test_a_crafted_next_or_a_guesser_gets_nowhere(signed_server):
    server = signed_server
    for crafted in ("/%5Cevil.example/phish", "//evil.example", "/%09/evil.example", "https://evil.example"):
        status, headers, _ = post_sign_in(server, "quantri", PASSWORDS["quantri"], crafted)
        assert status == 302
        assert headers["Location"] == "/voila/render/scoring.ipynb", crafted
    for _ in range(5):
        assert post_sign_in(server, "thamdinh", "doan-mo", "/")[0] == 401
    status, _, page = post_sign_in(server, "thamdinh", PASSWORDS["thamdinh"], "/")
    assert status == 429
    assert re.search(r"Đăng nhập sai 5 lần từ máy này: hãy đợi (9|10) phút rồi thử lại", page)
    unlocked = subprocess.run(
        [sys.executable, "-m", "cchc_widgets.cli", "--db", f"sqlite:///{server.db}", "users", "unlock", "thamdinh"],
        capture_output=True,
        text=True,
    )
    assert unlocked.returncode == 0, unlocked.stderr
    assert post_sign_in(server, "thamdinh", PASSWORDS["thamdinh"], "/")[0] == 302  # at once: the server reads the log


def test_a_burst_of_guesses_gets_five_and_a_proxy_forwards_each_persons_address(signed_server):
    server = signed_server
    guesser = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda _: post_sign_in(server, "quantri", "doan-mo", "/", guesser)[0], range(12)))
    assert sorted(answers) == [401] * 5 + [429] * 7  # sent at once, still five tries
    assert post_sign_in(server, "quantri", PASSWORDS["quantri"], "/", guesser)[0] == 429
    colleague = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}  # the administrator at her desk
    status, headers, _ = post_sign_in(server, "quantri", PASSWORDS["quantri"], "/", colleague)
    assert status == 302
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "Secure" in cookie  # the proxy said https
    store = store_of(server)
    failed = store.events().query("action == 'sign-in-failed' and login == 'quantri'")
    assert set(failed["detail"]) == {"203.0.113.9"}
    store.close()


def test_a_deep_link_keeps_its_whole_address_through_sign_in(signed_server):
    server = signed_server
    wanted = f"/voila/render/scoring.ipynb?unit={OTHER}&period=2016&stage=appraisal"
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/login?next={urllib.parse.quote(wanted, safe='/')}") as page:
        form = page.read().decode()
    action = re.search(r'action="\?next=([^"]+)"', form).group(1)
    status, headers, _ = post_sign_in(server, "thamdinh", PASSWORDS["thamdinh"], html.unescape(action))
    assert status == 302
    assert headers["Location"] == wanted
