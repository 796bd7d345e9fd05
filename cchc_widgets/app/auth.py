"""Who is at the browser, decided in the Voilà server (never in the kernel, never by the browser).

`cchc serve --auth accounts|header` runs Voilà with `SignInProvider` as its Jupyter Server
identity provider (`--auth none` runs it without one). Modes:
- `accounts` (the default): accounts kept in the store, a Vietnamese sign-in page, an
  HTTP-only cookie holding a random token whose hash the store keeps for `SIGN_IN_HOURS`;
- `header`: an authenticating reverse proxy names the user in a header
  (`X-Forwarded-User` unless configured); the header counts only on connections from the
  configured proxy addresses (loopback by default), and the user must have an account
  (which says their role and units);
- `hub`: each person's own Voilà spawned by JupyterHub (`deploy/jupyterhub_config.py`,
  `app.hub`); the hub signs people in, its OAuth tells this server who they are
  (`app.hub.HubSignInProvider`), and the hub's user name must have an account here;
- `none`: one person on a laptop; no sign-in, names typed in the page as before.

Every page request then carries a ticket naming the signed-in account, signed with a key
kept in the store (`services.access.make_ticket`), in the `X-Cchc-Ticket` header: the server
removes whatever the browser sent under that name and writes its own, and Voilà hands that
header to the page's kernel (`VoilaConfiguration.http_header_envs`). The kernel checks the
signature before it shows anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import math
import os
import re
from collections.abc import AsyncIterator
from functools import cache
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlparse

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider, User
from jupyter_server.base.handlers import JupyterHandler
from traitlets import List, Unicode, default

from cchc_widgets.app.landing import ADMIN, SCORING, LandingHandler, page
from cchc_widgets.core.text import clean_text
from cchc_widgets.services import access
from cchc_widgets.services.permissions import allowed
from cchc_widgets.store.database import Store

TICKET_HEADER = "X-Cchc-Ticket"
COOKIE = "cchc-sign-in"
HOME = SCORING  # where a sign-in goes when it was not sent from a page
UNSAFE_NEXT = re.compile(r"[\\\x00-\x20\x7f]")  # a backslash, a space or a control character: browsers "repair" them


class SignInProvider(IdentityProvider):
    """Jupyter Server identity for cchc: accounts in the store, or a trusted proxy's header."""

    mode = Unicode(help="accounts | header").tag(config=True)
    user_header = Unicode("X-Forwarded-User", help="the header an authenticating proxy names the user in").tag(config=True)
    trusted_proxies = List(Unicode(), [], help="addresses whose user header is believed (none unless named)").tag(config=True)

    @default("mode")
    def _mode_default(self) -> str:
        return os.environ.get("CCHC_AUTH", "accounts")

    @property
    def store(self) -> Store:
        return server_store()

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    def get_handlers(self) -> list[tuple[str, object]]:
        return [(r"/", LandingHandler), (r"/login", SignInHandler), (r"/logout", SignOutHandler)]

    async def get_user(self, handler: Any) -> User | None:
        """The signed-in user of this request; also (re)writes the ticket header the kernel reads."""
        login, sign_in = self._who(handler)
        actor = with_ticket(self.store, handler, login, sign_in)
        if actor is None:
            return None
        return User(username=actor.login, name=actor.name, display_name=actor.name)

    def _who(self, handler: Any) -> tuple[str | None, str | None]:
        if self.mode == "header":
            if handler.request.remote_ip not in self.trusted_proxies:
                return None, None
            login = (handler.request.headers.get(self.user_header) or "").strip().lower()
            return (login or None), None
        token = handler.get_cookie(COOKIE)
        if not token:
            return None, None
        hashed = access.token_hash(token)
        return self.store.sign_in_login(hashed), hashed


class LaptopProvider(PasswordIdentityProvider):
    """`--auth none`: Voilà's own provider without a token (one person on a laptop), plus the
    landing page at `/` in place of Voilà's list of notebook files. Nobody signs in or out:
    Jupyter's /login and /logout pages are not served (its logout page failed with 500)."""

    mode = "none"

    def get_handlers(self) -> list[tuple[str, object]]:
        return [(r"/", LandingHandler)]


@cache
def server_store() -> Store:
    """The store the server process reads accounts and sign-ins from (CCHC_DB), opened once."""
    return Store()


def with_ticket(store: Store, handler: Any, login: str | None, sign_in: str | None) -> Any:
    """The account behind `login`, with the kernel's ticket written into the request (whatever
    the browser sent under that header is gone first); None when there is no such account."""
    if TICKET_HEADER in handler.request.headers:
        del handler.request.headers[TICKET_HEADER]  # a browser never names itself
    actor = access.actor_of(store, login) if login else None  # `sign_in`, if any, was just looked up: it travels in the ticket
    if actor is not None:
        handler.request.headers[TICKET_HEADER] = access.make_ticket(store, actor.login, sign_in)
    return actor


class _Turns:
    """One sign-in attempt at a time per (login, address) in this process: a burst of guesses
    sent at once would otherwise each pass the count before any failure is recorded. A key's
    lock lives only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._users: dict[tuple[str, str], int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: tuple[str, str]) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]


_attempts = _Turns()


class SignInHandler(JupyterHandler):
    """GET: the sign-in form. POST: check the password, open a sign-in, go where the person was going."""

    @property
    def provider(self) -> SignInProvider:
        return self.identity_provider

    def _next(self) -> str:
        return safe_next(self.get_argument("next", ""), self.base_url)

    def _page(self, message: str = "", status: int = 200, login: str = "") -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(
            sign_in_page(
                message,
                self.xsrf_form_html(),
                # no page asked: none named, so the sign-in lands where the account's work is (`work_of`)
                html.escape(quote(self._next(), safe="/"), quote=True) if self.get_argument("next", "") else "",
                html.escape(login, quote=True),
                self.provider.mode,
            )
        )

    @allow_unauthenticated
    def get(self) -> None:
        if self.provider.mode == "accounts" and self.current_user is not None:
            self.redirect(self._next())
            return
        self._page()

    def _client(self) -> tuple[str, bool]:
        """The person's address and whether they came over HTTPS. Behind a reverse proxy named
        with `--proxy` every connection comes from the proxy: then the address it appended to
        `X-Forwarded-For` and its `X-Forwarded-Proto` count (from anyone else, never), so a
        lockout holds the guesser's address, not everyone's, and the cookie is `Secure`."""
        request = self.request
        if request.remote_ip in self.provider.trusted_proxies:
            forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
            https = request.headers.get("X-Forwarded-Proto", request.protocol).strip().lower() == "https"
            return (forwarded[-1] if forwarded else request.remote_ip or ""), https
        return request.remote_ip or "", request.protocol == "https"

    @allow_unauthenticated
    async def post(self) -> None:
        if self.provider.mode != "accounts":
            self._page(status=403)
            return
        login = clean_text(self.get_argument("login", "")).lower()  # logged when wrong: never raw control characters
        address, https = self._client()
        async with _attempts.turn((login, address)):
            await self._attempt(login, address, https)

    async def _attempt(self, login: str, address: str, https: bool) -> None:
        password = self.get_argument("password", "")
        store = self.provider.store
        wait = access.sign_in_wait(store, login, address)
        if wait is not None:
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            said = (
                f"Đăng nhập sai {access.SIGN_IN_TRIES} lần từ máy này: hãy đợi {minutes} phút rồi thử lại, "
                "hoặc nhờ quản trị viên mở khóa."
            )
            self._page(said, 429, login)
            return
        actor = await asyncio.to_thread(access.verify_password, store, login, password)
        if actor is None:
            access.log_sign_in(store, login, False, address)
            self._page("Sai tên đăng nhập hoặc mật khẩu.", 401, login)
            return
        token = access.open_sign_in(store, actor.login)
        access.log_sign_in(store, actor.login, True, address)
        self.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            secure=https,
            path=self.base_url,
            expires_days=access.SIGN_IN_HOURS / 24,
        )
        self.redirect(self._next() if self.get_argument("next", "") else self.base_url + work_of(actor))


def work_of(actor: access.Actor) -> str:
    """Where a sign-in sent from no page lands: where the account's work is. The administrator
    on the administrator's page, an appraiser on the appraisal, a unit officer on the unit's
    self-assessment, anyone else (a reader) on the scoring page."""
    if allowed(actor, "administer"):
        return ADMIN
    if allowed(actor, "write-appraisal"):
        return f"{SCORING}?stage=appraisal"
    if allowed(actor, "write-self") and actor.units:
        return f"{SCORING}?{urlencode({'unit': sorted(actor.units)[0], 'stage': 'self'})}"
    return HOME


def safe_next(target: str, base_url: str) -> str:
    """Where to go after signing in: a path on this server, or its home page. Refused: another
    scheme or host, `//host`, and anything a browser would turn into one (`/\\host`, tabs and
    line breaks, which browsers drop from URLs, other control characters and spaces)."""
    home = base_url + HOME
    for reading in (target, unquote(target)):  # and once more decoded: no encoded variant gets through either
        parts = urlparse(reading)
        if not reading.startswith(base_url) or reading.startswith("//") or UNSAFE_NEXT.search(reading):
            return home
        if parts.scheme or parts.netloc:
            return home
    return target


class SignOutHandler(JupyterHandler):
    """End the sign-in in the store (open pages stop saving) and forget the cookie."""

    @allow_unauthenticated
    def get(self) -> None:
        token = self.get_cookie(COOKIE)
        provider: SignInProvider = self.identity_provider
        if token:
            access.end_sign_in(provider.store, token)
        self.clear_cookie(COOKIE, path=self.base_url)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        link = f'<p><a href="{html.escape(self.base_url)}login">Đăng nhập lại</a></p>' if provider.mode == "accounts" else ""
        body = "<h1>Đã đăng xuất</h1><p>Các trang đang mở sẽ không lưu được nữa.</p>" + link
        self.finish(page("Đã đăng xuất", body, narrow=True))


def sign_in_page(message: str, xsrf: str, next_url: str, login: str, mode: str) -> str:
    """The sign-in page: one self-contained HTML document (no script, no outside resource)."""
    if mode == "header":
        body = "<h1>Chưa đăng nhập</h1><p>Hãy đăng nhập qua cổng dịch vụ của tỉnh rồi mở lại trang.</p>"
        return page("Đăng nhập", body, narrow=True)
    alert = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    body = f"""<h1>Chỉ số cải cách hành chính</h1>
<p>Đăng nhập bằng tài khoản Sở Nội vụ cấp.</p>
{alert}
<form method="post"{f' action="?next={next_url}"' if next_url else ""}>
{xsrf}
<label for="login">Tên đăng nhập</label>
<input id="login" name="login" autocomplete="username" required value="{login}" autofocus>
<label for="password">Mật khẩu</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Đăng nhập</button>
</form>"""
    return page("Đăng nhập — Chỉ số CCHC", body, narrow=True)
