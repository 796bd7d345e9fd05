"""Entry points that the Voilà notebooks call, and the command that serves them.

With a preheated kernel the notebook runs before anyone opens the page; what it reads then
(the URL query, the store) would be stale. `request_query()` blocks until the visitor's
request has arrived, so the page always shows the store as it is when it opens.
"""

from __future__ import annotations

import html
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from cchc_widgets.core.errors import CchcError
from cchc_widgets.resources import resource
from cchc_widgets.services.permissions import allowed
from cchc_widgets.store.database import Store

if TYPE_CHECKING:  # each page imports its own widget only: the scoring kernel stays lean
    from cchc_widgets.services.access import Actor

NOTEBOOKS = "notebooks/apps"  # only the apps are served: the report and analyst notebooks are not pages
SCORING_NOTEBOOK = "scoring.ipynb"
WHATIF_NOTEBOOK = "whatif.ipynb"
ADMIN_NOTEBOOK = "admin.ipynb"  # opened now and then by one person: not preheated
CULL_IDLE_SECONDS = 120
MAX_MESSAGE_BYTES = 20 * 1024 * 1024  # above the 8 MB evidence limit once base64/JSON framing is added
TICKET_ENV = "HTTP_X_CCHC_TICKET"  # the X-Cchc-Ticket request header, as Voilà hands it to the kernel
FORKING_SPECS = "cchc_widgets.app.forking.ForkingKernelSpecs"  # the apps' kernels forked from a warm parent
KERNEL_PROOF_HEADER = "X-Cchc-Kernel"  # a preheated kernel's proof of who it is, when it asks for its visitor


def preheated() -> bool:
    """This kernel was started before anyone asked for the page (Voilà's pool)."""
    return os.environ.get("VOILA_PREHEAT", "False") != "False"


def request_query() -> str:
    """The query string of the page request (waits for it when the kernel was preheated)."""
    if preheated():
        _receive_request()
    return os.environ.get("QUERY_STRING", "")


def _receive_request() -> None:
    """Wait until Voilà gives this preheated kernel to a visitor: it then sends the request's
    variables (query, headers) over its `voila/query/<kernel id>` websocket. Voilà's own
    `voila.utils.wait_for_request` does the same, but importing that module costs every kernel
    49 MB and 700 modules (jupyter_server, nbconvert, jinja2) for these few lines."""
    import json

    from IPython import get_ipython
    from websockets.sync.client import connect

    env = os.environ
    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    where = f"{env.get('VOILA_APP_IP', '127.0.0.1')}:{env.get('VOILA_APP_PORT', '8866')}"
    kernel_id = env.get("VOILA_KERNEL_ID", "")
    url = f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{where}{base}voila/query/{kernel_id}"
    shell = get_ipython()  # a kernel's shell knows its session key; a plain interpreter (a test) has none
    key = shell.kernel.session.key if shell is not None and hasattr(shell, "kernel") else b""
    proof = {KERNEL_PROOF_HEADER: kernel_proof(key, kernel_id)}  # see app.server
    with connect(url, open_timeout=5, additional_headers=proof) as socket:  # then it waits, however long, for the visitor
        env.update(json.loads(socket.recv()))


def kernel_proof(key: bytes, kernel_id: str) -> str:
    """What a kernel sends the server to prove it is that kernel: HMAC-SHA256 of its id under
    its session key, which only the kernel and the server that started it hold."""
    import hashlib
    import hmac

    return hmac.new(key, kernel_id.encode(), hashlib.sha256).hexdigest()


def visitor(store: Store) -> Actor | None:
    """Who opened this page: the account named in the ticket the server put in the request
    (`app.auth`), checked against the store's key; None when the server runs without sign-in
    (`CCHC_AUTH=none`, a laptop). Call after `request_query()`: the ticket comes with the request."""
    from cchc_widgets.services.access import read_ticket

    if os.environ.get("CCHC_AUTH", "none") == "none":
        return None
    actor = read_ticket(store, os.environ.get(TICKET_ENV))
    if actor is None:
        raise NotSignedIn()
    return actor


NO_ACCOUNT = "Tài khoản của bạn chưa được Sở Nội vụ cấp quyền trong hệ thống chấm điểm: liên hệ Sở Nội vụ, rồi tải lại trang."


class NotSignedIn(CchcError):
    """The page was opened without a valid sign-in: it shows this and nothing else."""

    def __init__(self) -> None:
        if os.environ.get("CCHC_AUTH") == "hub":  # signed in at the hub, but no account here
            text = NO_ACCOUNT
        else:
            text = "Chưa đăng nhập hoặc phiên đăng nhập đã hết hạn. Hãy tải lại trang để đăng nhập."
        super().__init__(text)


def _refused(exc: CchcError) -> Any:
    from IPython.display import HTML

    return HTML(f'<p class="cchc-signed-out" role="alert">{html.escape(str(exc))}</p>')


def scoring_page(store: Store | None = None) -> Any:
    """The scoring app: opened on `?unit=…&period=…&stage=…` from the visitor's URL, for the
    signed-in account (its units, its stage).

    Everything that does not depend on the visitor (imports, the database connection, the
    criteria sets, a first form build) is done before waiting, while the kernel is preheated.
    """
    from cchc_widgets.app.widgets.scoring_form import ScoringForm

    store = store or Store()
    if preheated():  # a kernel started for the request has nobody to get ahead of
        warm_up(store)
    query = request_query()
    try:
        actor = visitor(store)
    except NotSignedIn as exc:
        return _refused(exc)
    form = ScoringForm.from_query(store, query, actor)
    if actor is not None and allowed(actor, "progress-home") and form.session is not None:
        from IPython.display import display

        # an appraiser's home: their units at a glance above the form; a link naming a unit (from
        # the table, or a colleague's) opens on that unit's form, its first criterion on the first
        # screen of a phone, and the table follows the form
        board = _progress(form, store, actor, form.session.period)
        if parse_qs(query.lstrip("?")).get("unit"):
            display(form, board)
            return None
        display(board)
    return form


def _progress(app: Any, store: Store, actor: Actor | None, period: str) -> Any:
    """The progress of the period's units (those `actor` works on), following the period `app`
    shows (its `state["period"]`)."""
    from cchc_widgets.app.widgets.progress_board import ProgressBoard

    board = ProgressBoard(store, actor, period)
    app.observe(lambda change: board.show(change["new"].get("period") or board.period), names="state")
    return board


def warm_up(store: Store) -> None:
    """Read what every visitor needs and build one throwaway form, so the real one is quick."""
    from cchc_widgets.app.widgets.scoring_form import ScoringForm

    periods = store.periods()["id"]
    for period in periods:
        store.criteria_for(period)
    if len(periods):
        ScoringForm(store).close()


def whatif_page(store: Store | None = None) -> Any:
    """The what-if app for `?period=…` (default: the latest period). It shows every unit's
    results, so a unit's account does not open it; only the administrator saves scenarios."""
    from cchc_widgets.app.widgets.whatif_app import WhatIfApp

    store = store or Store()
    for period in store.periods()["id"]:
        store.criteria_for(period)
    query = request_query()
    try:
        actor = visitor(store)
    except NotSignedIn as exc:
        return _refused(exc)
    if not allowed(actor, "whatif"):
        return _refused(CchcError("Trang thử trọng số dành cho Sở Nội vụ, thẩm định viên và người xem kết quả."))
    period = parse_qs(query.lstrip("?")).get("period", [None])[0]
    known = set(store.periods()["id"])
    return WhatIfApp(store, period if period in known else None, actor)


def admin_page(store: Store | None = None) -> Any:
    """The administrator's page (`?period=…`): accounts, stages and dates, submissions,
    finalising, the change log. Refused, and logged, for any other account."""
    from IPython.display import display

    from cchc_widgets.app.widgets.admin_app import AdminApp

    store = store or Store()
    query = request_query()
    try:
        actor = visitor(store)
        period = parse_qs(query.lstrip("?")).get("period", [None])[0]
        app = AdminApp(store, actor, period)
        display(_progress(app, store, actor, app.session.period))  # above the page
        return app
    except CchcError as exc:
        return _refused(exc)


def _preheated(pool: int, refill_delay: float) -> list[str]:
    """Voilà's options for `pool` scoring kernels kept ready (and one what-if kernel); none at all
    for 0: a forked kernel starts in a few milliseconds, and one kept ready costs memory while
    the server is idle and helps only the first of several people opening at once."""
    if pool == 0:
        return ["--preheat_kernel=False"]
    return [
        "--preheat_kernel=True",
        "--pool_size=1",
        # scoring pages opened at the same moment that find a kernel ready
        f"--VoilaKernelManager.kernel_pools_config={{'{SCORING_NOTEBOOK}': {{'pool_size': {pool}}}}}",
        f"--VoilaKernelManager.fill_delay={refill_delay:g}",
        f"--VoilaKernelManager.preheat_denylist={ADMIN_NOTEBOOK}",
    ]


def voila_command(
    port: int,
    notebooks: Path | None = None,
    auth: str = "none",
    user_header: str = "X-Forwarded-User",
    proxies: list[str] | None = None,
    pool: int = 1,
    refill_delay: float = 1.0,
    forked: bool = True,
) -> list[str]:
    """Voilà on 127.0.0.1:port serving the app notebooks, with idle kernels culled;
    with `auth` accounts or header, behind the sign-in of `app.auth` (the server process also
    needs CCHC_AUTH set to the same mode: its kernels read it). `pool`: scoring kernels kept
    ready (0: none, nor a what-if one), for as many people as may open the page at the same moment; `refill_delay`: seconds
    before a used one is replaced (Voilà starts every replacement at once: after a burst of
    openings they would take the cores from the pages just opened). `forked`: each kernel is a
    fork of a warm parent (`app.forking`) rather than a new interpreter."""
    sign_in = ["--Voila.identity_provider_class=cchc_widgets.app.auth.LaptopProvider"]  # the landing page at /
    if auth == "hub":
        sign_in = [
            "--Voila.identity_provider_class=cchc_widgets.app.hub.HubSignInProvider",
            "--VoilaConfiguration.http_header_envs=X-Cchc-Ticket",
        ]
    elif auth != "none":
        sign_in = [
            "--Voila.identity_provider_class=cchc_widgets.app.auth.SignInProvider",
            f"--SignInProvider.mode={auth}",
            f"--SignInProvider.user_header={user_header}",
            *(f"--SignInProvider.trusted_proxies={address}" for address in proxies or []),
            "--VoilaConfiguration.http_header_envs=X-Cchc-Ticket",
        ]
    return [
        sys.executable,
        "-m",
        "cchc_widgets.app.server",  # Voilà: each kernel answers only its owner, unknown routes 404
        str(notebooks or resource(NOTEBOOKS)),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        *_preheated(pool, refill_delay),
        # a closed page's kernel is shut down by the page itself (see widgets/page.js); a kernel
        # whose page vanished without a word (a killed browser) is culled after 2 idle minutes
        "--MappingKernelManager.cull_interval=30",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        "--MappingKernelManager.cull_connected=False",
        # without sign-in (a laptop) a request must name this machine as its Host: a web page whose
        # name was made to point at 127.0.0.1 (DNS rebinding) would otherwise drive the app
        f"--CchcVoila.remote_access={auth != 'none'}",
        # the kernels listen on Unix sockets in Voilà's private folder, not on loopback TCP ports that
        # anyone on the machine may reach (the messages are signed, not encrypted)
        "--KernelManager.transport=ipc",
        *sign_in,
        *([f"--VoilaConfiguration.kernel_spec_manager_class={FORKING_SPECS}"] if forked else []),
    ]
