"""Every served app says when its kernel is gone: the page's kernel is killed (SIGKILL, no
goodbye) under an open page, and each app on it — the scoring form, the what-if page, the
administrator's page with its progress table — shows «Mất kết nối … tải lại trang» at its
top (page.js `watchConnection`), while the server and the other pages' kernels live on."""

import contextlib
import os
import signal

import pytest

from .conftest import kernel_of, serving
from .test_sign_in import PASSWORDS, prepared_store

pytestmark = pytest.mark.e2e

PERIOD = "2017"
APPS = {  # the page, and the apps it shows (each one's own notice)
    "scoring": ("scoring.ipynb?unit=so-tu-phap&period=2017&stage=self", [".cchc-form"]),
    "whatif": ("whatif.ipynb?period=2017", [".cchc-wi"]),
    "admin": ("admin.ipynb?period=2017", [".cchc-admin", ".cchc-progress-board"]),
}


@pytest.fixture(scope="module")
def office(demo_template, tmp_path_factory):
    """`cchc serve` with accounts: the administrator may open every app."""
    root = tmp_path_factory.mktemp("lost")
    with serving(prepared_store(demo_template, root), root, auth=("--auth", "accounts")) as srv:
        yield srv


@pytest.mark.parametrize("app", APPS)
def test_each_app_says_its_kernel_is_gone(browser, office, app):
    address, views = APPS[app]
    page = browser.new_context().new_page()
    page.set_default_timeout(60000)
    page.goto(office.url.replace("scoring.ipynb", address))
    page.fill("input[name=login]", "quantri")
    page.fill("input[name=password]", PASSWORDS["quantri"])
    page.click("button[type=submit]")
    for view in views:
        page.wait_for_selector(f"{view} button")  # drawn from the kernel's state
        assert page.locator(f"{view} > .cchc-lost").is_hidden()
    with contextlib.suppress(ProcessLookupError):
        os.kill(kernel_of(page), signal.SIGKILL)
    for view in views:
        notice = page.wait_for_selector(f"{view} > .cchc-lost", state="visible", timeout=15000)
        assert "tải lại trang" in notice.inner_text().lower()
    page.context.close()
