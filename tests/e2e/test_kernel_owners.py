"""A kernel answers only the person whose page started it. A unit officer's scoring page, an
appraiser's what-if page and the administrator's page are open in real browsers; every other
account (another unit, the appraiser, the administrator), and nobody signed in, then tries
each kernel's routes with a raw websocket client and plain HTTP holding their own cookie and
XSRF token: all refused with 403, nothing reaches the kernel, and the owners' pages go on
saving. The same on a server behind a trusted proxy's header."""

import contextlib
import json
import re
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from cchc_widgets.services import access
from cchc_widgets.services.permissions import console
from cchc_widgets.store.database import Store

from .conftest import demo_copy, serving
from .test_sign_in import PERIOD, UNIT

pytestmark = pytest.mark.e2e

OTHER = "so-y-te"
PEOPLE = {
    "tuphap": ("unit", [UNIT]),
    "yte": ("unit", [OTHER]),
    "thamdinh": ("appraiser", [UNIT]),
    "quantri": ("admin", []),
}


def password(login):
    return f"mat-khau-{login}-1"


@pytest.fixture(scope="module")
def owned_server(demo_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("owners")
    db = demo_copy(demo_template, root)
    store = Store(f"sqlite:///{db}", evidence_dir=root / "data" / "evidence")
    for login, (role, units) in PEOPLE.items():
        access.add_account(store, login, login.title(), role, units, password(login), console("test"))
    store.close()
    # kernels kept ready (forked too), so that a page is also handed a kernel started before its
    # request, which then proves who it is on /voila/query; the proxy test below runs the
    # default (a kernel forked for each request, and no such route at all)
    with serving(db, root, auth=("--auth", "accounts", "--pool", "1")) as srv:
        yield srv


def signed_in(browser, server, login):
    """A browser profile of `login`, signed in, with the cookie header and XSRF token it holds."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30000)
    base = f"http://127.0.0.1:{server.port}"
    page.goto(f"{base}/login?next=/")  # to the landing page: no kernel of their own yet
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password(login))
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def credentials(context):
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies.get("_xsrf", "")


def kernel_of(page):
    config = page.evaluate("() => document.getElementById('jupyter-config-data').textContent")
    return json.loads(config)["kernelId"]


def websocket_status(url, headers):
    """101 when the websocket opens, else the HTTP status the server answered."""
    try:
        with connect(url, additional_headers=headers, open_timeout=10, proxy=None):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def http_status(url, method, headers):
    request = urllib.request.Request(url, method=method, headers=headers, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def attempts(port, kernel, cookie, xsrf):
    """Every route that reaches a kernel, as this cookie's holder (XSRF token included, so only
    ownership can refuse it)."""
    base, ws = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    headers = {"Cookie": cookie, "X-XSRFToken": xsrf} if cookie else {}
    return {
        "channels": websocket_status(f"{ws}/api/kernels/{kernel}/channels", headers),
        "GET kernel": http_status(f"{base}/api/kernels/{kernel}", "GET", headers),
        "DELETE kernel": http_status(f"{base}/api/kernels/{kernel}", "DELETE", headers),
        "shutdown": http_status(f"{base}/voila/api/shutdown/{kernel}", "POST", headers),
        "voila query": websocket_status(f"{ws}/voila/query/{kernel}", headers),
    }


def test_nobody_but_the_owner_reaches_a_kernel(browser, owned_server):
    server = owned_server
    people = {login: signed_in(browser, server, login) for login in PEOPLE}
    render = f"http://127.0.0.1:{server.port}/voila/render"
    pages = {
        "tuphap": f"{render}/scoring.ipynb?unit={UNIT}&period={PERIOD}&stage=self",
        "thamdinh": f"{render}/whatif.ipynb?period={PERIOD}",
        "quantri": f"{render}/admin.ipynb?period={PERIOD}",
    }
    ready = {"tuphap": ".cchc-row-1-5-2 .cchc-input", "thamdinh": ".cchc-wi-slider-8", "quantri": ".cchc-ad-stages"}
    kernels = {}
    for owner, url in pages.items():
        page = people[owner][1]
        page.goto(url)
        page.wait_for_selector(ready[owner])
        kernels[owner] = kernel_of(page)
    assert len(set(kernels.values())) == 3
    try:
        cookie, xsrf = credentials(people["yte"][0])
        for listing in ("/api/kernels", "/api/sessions"):  # nothing lists kernels or opens a session
            assert http_status(f"http://127.0.0.1:{server.port}{listing}", "GET", {"Cookie": cookie}) in (403, 404)
        for owner, kernel in kernels.items():
            intruders = [credentials(people[login][0]) for login in PEOPLE if login != owner] + [("", "")]
            for cookie, xsrf in intruders:
                tried = attempts(server.port, kernel, cookie, xsrf)
                assert set(tried.values()) == {403}, (owner, cookie[:20], tried)
            own_cookie = credentials(people[owner][0])[0]
            ws = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels"
            assert websocket_status(ws, {"Cookie": own_cookie}) == 101  # the owner's own second tab connects
            assert http_status(f"http://127.0.0.1:{server.port}/api/kernels/{kernel}", "GET", {"Cookie": own_cookie}) == 200
            # the proof a kernel gives for its query is its own: a guessed one is refused too
            query = f"ws://127.0.0.1:{server.port}/voila/query/{kernel}"
            assert websocket_status(query, {"Cookie": own_cookie, "X-Cchc-Kernel": "0" * 64}) == 403
        # the owners' pages still work: the unit saves, the kernel was never shut down by another
        unit_page = people["tuphap"][1]
        unit_page.fill(".cchc-row-1-5-2 .cchc-input", "1")
        unit_page.press(".cchc-row-1-5-2 .cchc-input", "Tab")
        unit_page.wait_for_function("() => document.querySelector('.cchc-saved').textContent.startsWith('Đã lưu')")
        store = Store(f"sqlite:///{server.db}", evidence_dir=server.data_dir / "evidence")
        saved = store.scores(PERIOD, UNIT, "self").set_index("code").loc["1.5.2"]
        assert saved["author"] == "tuphap"
        store.close()
        unit_page.reload()  # a reload gets a new kernel, which is the owner's again
        unit_page.wait_for_selector(ready["tuphap"])
        assert kernel_of(unit_page) != kernels["tuphap"]
        kernels["tuphap"] = kernel_of(unit_page)
        intruder, intruder_xsrf = credentials(people["yte"][0])
        assert set(attempts(server.port, kernels["tuphap"], intruder, intruder_xsrf).values()) == {403}
        log = server.log.read_text(errors="replace")
        assert "refused kernel" in log
        assert "Uncaught exception" not in log  # a refusal is one line, not a traceback anyone can repeat
    finally:
        for context, page in people.values():
            with contextlib.suppress(Exception):
                page.close(run_before_unload=True)
            context.close()


def test_behind_a_proxy_header_a_kernel_is_its_users_too(demo_template, tmp_path):
    db = demo_copy(demo_template, tmp_path)
    store = Store(f"sqlite:///{db}", evidence_dir=tmp_path / "data" / "evidence")
    for login in ("tuphap", "yte"):
        role, units = PEOPLE[login]
        access.add_account(store, login, login.title(), role, units, None, console("test"))
    store.close()
    with serving(db, tmp_path, auth=("--auth", "header", "--proxy", "127.0.0.1")) as server:
        url = f"http://127.0.0.1:{server.port}/voila/render/scoring.ipynb?unit={UNIT}&period={PERIOD}"
        request = urllib.request.Request(url, headers={"X-Forwarded-User": "tuphap"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            html = answer.read().decode()
        kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', html).group(1)
        ws = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels"
        assert websocket_status(ws, {"X-Forwarded-User": "yte"}) == 403
        assert websocket_status(ws, {}) == 403
        assert websocket_status(ws, {"X-Forwarded-User": "tuphap"}) == 101
        query = f"ws://127.0.0.1:{server.port}/voila/query/{kernel}"  # nothing preheated: nothing to ask for there
        assert websocket_status(query, {"X-Forwarded-User": "tuphap"}) == 404
