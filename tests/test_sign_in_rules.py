"""Sign-in rules decided in the server, tested without a browser: where a sign-in may send the
person (this server only, whatever a link was crafted to say), lockouts per login and client
address with the time to wait, their end by `cchc users unlock`, and a header sign-in that
trusts nobody until the proxy is named."""

from datetime import timedelta

import pytest

from cchc_widgets.app.auth import HOME, safe_next
from cchc_widgets.services import access
from cchc_widgets.services.permissions import console
from tests.conftest import cchc_here

# known ways to send a browser elsewhere through a "local" redirect (as tornado hands them over,
# i.e. decoded once; the double-encoded ones arrive still encoded)
BYPASSES = [
    "https://evil.example/phish",
    "http:evil.example",
    "//evil.example/phish",
    "///evil.example",
    "/\\evil.example/phish",  # /%5Cevil.example: the probe's case
    "\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",  # browsers drop tabs and line breaks from URLs: //evil.example
    "/\n/evil.example",
    "/\r/evil.example",
    " //evil.example",
    "/%5Cevil.example",  # /%255C…: decoded once more is /\evil
    "/%2F/evil.example",
    "/%09/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", BYPASSES)
def test_a_sign_in_never_sends_anyone_to_another_site(target):
    assert safe_next(target, "/") == "/" + HOME
    assert safe_next(target, "/user/tuphap/") == "/user/tuphap/" + HOME


@pytest.mark.parametrize(
    "target",
    ["/voila/render/scoring.ipynb?unit=so-y-te&period=2017&stage=appraisal", "/voila/render/admin.ipynb", "/"],
)
def test_a_path_on_this_server_is_kept(target):
    assert safe_next(target, "/") == target
    assert safe_next(target, "/user/x/") == "/user/x/" + HOME  # outside the server's own prefix


@pytest.fixture
def accounts(sqlite_store, stopped_clock):
    access.add_account(sqlite_store, "quantri", "Quản Trị", "admin", [], "mat-khau-quan-tri", console("test"))
    stopped_clock("2026-12-06T23:30:00+00:00")
    return sqlite_store


def fail(store, login, address, times=1):
    for _ in range(times):
        store.log_event(login, "sign-in-failed", detail=address)


def test_five_wrong_passwords_lock_that_address_only_and_say_how_long(accounts, stopped_clock):
    fail(accounts, "quantri", "203.0.113.9", 4)
    assert access.sign_in_wait(accounts, "quantri", "203.0.113.9") is None
    fail(accounts, "quantri", "203.0.113.9")
    assert access.sign_in_wait(accounts, "quantri", "203.0.113.9") == access.SIGN_IN_LOCK
    assert access.sign_in_wait(accounts, "quantri", "10.0.0.7") is None  # the administrator at her own desk
    assert access.sign_in_wait(accounts, "khac", "203.0.113.9") is None
    stopped_clock("2026-12-06T23:36:00+00:00")
    assert access.sign_in_wait(accounts, "quantri", "203.0.113.9") == timedelta(minutes=4)
    stopped_clock("2026-12-06T23:40:00+00:00")
    assert access.sign_in_wait(accounts, "quantri", "203.0.113.9") is None


def test_a_success_or_an_unlock_starts_the_count_again(accounts):
    fail(accounts, "quantri", "203.0.113.9", 4)
    accounts.log_event("quantri", "sign-in", detail="203.0.113.9")
    fail(accounts, "quantri", "203.0.113.9", 4)
    assert access.sign_in_wait(accounts, "quantri", "203.0.113.9") is None
    fail(accounts, "quantri", "203.0.113.9")
    assert access.sign_in_wait(accounts, "quantri", "203.0.113.9") is not None
    ran = cchc_here("users", "unlock", "QuanTri", db=accounts.url)
    assert ran.returncode == 0, ran.stderr
    assert "đã mở khóa đăng nhập của quantri" in ran.stdout
    assert access.sign_in_wait(accounts, "quantri", "203.0.113.9") is None
    unlocked = accounts.events().query("action == 'sign-in-unlocked'")
    assert unlocked[["login", "detail"]].values.tolist() == [["quantri", access.CONSOLE]]
    missing = cchc_here("users", "unlock", "khong-co", db=accounts.url)
    assert missing.returncode == 1
    assert "không có tài khoản 'khong-co'" in missing.stderr


def test_a_header_sign_in_trusts_nobody_until_the_proxy_is_named(sqlite_store):
    ran = cchc_here("serve", "--auth", "header", "--port", "8999", db=sqlite_store.url)
    assert ran.returncode == 1
    assert "--auth header: hãy nêu địa chỉ của proxy xác thực: --proxy" in ran.stderr
