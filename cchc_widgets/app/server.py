"""Voilà as cchc serves it: every route that reaches a kernel answers only the kernel's owner.

Jupyter Server's kernel routes (`/api/kernels/<id>`, its `/channels` websocket) and Voilà's
(`/voila/api/shutdown/<id>`) check only that *someone* is signed in, and the identity a page
writes with belongs to its kernel (the ticket it read when it opened). So any signed-in
account that learnt a kernel id — it stands in the page's HTML — could drive another
person's page and write as them. Here a kernel belongs to the account whose page request
started it, or was handed it from the preheated pool; a request for it from anyone else is
refused with 403 before the handler runs, and logged. The preheated kernel's own connection
to `/voila/query/<id>` (where it receives the visitor's request, ticket included) must carry
an HMAC of the kernel id made with the kernel's session key, which only the kernel and this
server hold: nobody else can read that request or take the kernel's place.

Without sign-in (`--auth none`: one person on a laptop) there is nobody to tell apart and
nothing is checked.

Whatever the mode, Voilà's unknown and bare routes answer 404: Voilà 0.5 answered 500 with a
traceback in its log for `/voila/templates/` (its template-file handler splits the path
without checking it), for a page path it cannot make a redirect of (`/voila/render/%00`),
and 403 for any other file (the apps folder holds the app notebooks only). Started in the
server process only (never in a kernel), so the pages' kernels import none of it.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
from typing import Any

from jupyter_server.utils import ensure_async
from tornado import web
from traitlets import Bool
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler  # its route names the id only by position
from voila.static_file_handler import AllowListFileHandler, TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler

from cchc_widgets.app import page_templates
from cchc_widgets.app.voila import KERNEL_PROOF_HEADER, MAX_MESSAGE_BYTES, kernel_proof

KERNEL_ROUTE = "(?P<kernel_id>"  # how Jupyter Server's and Voilà's kernel routes name the id


class KernelOwners:
    """Kernel id → login of the account it serves, in this server process (kernels live here)."""

    def __init__(self) -> None:
        self._owner: dict[str, str] = {}

    def record(self, kernel_id: str, login: str, live: list[str]) -> None:
        """`login` owns `kernel_id`; kernels no longer running are forgotten at the same time."""
        alive = set(live)
        self._owner = {k: v for k, v in self._owner.items() if k in alive}
        self._owner[kernel_id] = login

    def owns(self, login: str | None, kernel_id: str) -> bool:
        return login is not None and self._owner.get(kernel_id) == login


class _RecordingManager:
    """The kernel manager as one page request sees it: the kernel it is given (started, or
    taken from the preheated pool) is recorded as the requester's."""

    def __init__(self, manager: Any, owners: KernelOwners, login: str | None) -> None:
        self._manager, self._owners, self._login = manager, owners, login

    def _record(self, kernel_id: str) -> None:
        if self._login is not None:
            self._owners.record(kernel_id, self._login, self._manager.list_kernel_ids())

    async def get_rendered_notebook(self, *args: Any, **kwargs: Any) -> Any:
        render_task, rendered, kernel_id = await self._manager.get_rendered_notebook(*args, **kwargs)
        self._record(kernel_id)
        return render_task, rendered, kernel_id

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        kernel_id = await ensure_async(self._manager.start_kernel(*args, **kwargs))
        self._record(kernel_id)
        return kernel_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)


def _login(handler: Any) -> str | None:
    user = handler.current_user
    return getattr(user, "username", None) if user is not None else None


def _rendering(base: type, owners: KernelOwners) -> type:
    class OwnedRender(base):  # type: ignore[misc, valid-type]
        """Voilà's page handler; the kernel it gives the page belongs to the signed-in requester."""

        @property
        def kernel_manager(self) -> Any:
            return _RecordingManager(super().kernel_manager, owners, _login(self))

    return OwnedRender


def _owned(base: type, owners: KernelOwners) -> type:
    class OwnedKernelRoute(base):  # type: ignore[misc, valid-type]
        """A route that reaches a kernel: for its owner only (403 before anything reaches it)."""

        async def prepare(self, *args: Any, **kwargs: Any) -> None:
            try:
                await ensure_async(super().prepare(*args, **kwargs))
            except web.HTTPError as refused:  # nobody signed in: Jupyter Server refuses the websocket
                self._refuse(refused.status_code)
                return
            if self._finished:  # the parent already answered (a redirect to sign in, a refusal)
                return
            kernel_id = self.path_kwargs.get("kernel_id") or (self.path_args[0] if self.path_args else "")
            login = _login(self)
            if not owners.owns(login, kernel_id):
                self.log.warning("cchc: %s refused kernel %s (%s)", login or "no sign-in", kernel_id, self.request.path)
                self._refuse(403)

        def _refuse(self, status: int) -> None:
            """Answered here, in one log line: Voilà has no error page to render, and its error
            path would log a traceback for every refused request anyone cares to send."""
            self.set_status(status)
            self.finish(f"{status}: {self._reason}")

    return OwnedKernelRoute


class KernelsOwnQuery(RequestInfoSocketHandler):
    """Voilà's `/voila/query/<id>` for the kernel itself only: it proves who it is with
    `kernel_proof`, so no browser can read the visitor's request or stand in for the kernel."""

    def prepare(self, *args: Any, **kwargs: Any) -> None:
        kernel_id = self.path_kwargs.get("kernel_id", "")
        manager = self.settings["kernel_manager"]
        given = self.request.headers.get(KERNEL_PROOF_HEADER, "")
        if kernel_id not in manager:
            raise web.HTTPError(403)
        if not hmac.compare_digest(given, kernel_proof(manager.get_kernel(kernel_id).session.key, kernel_id)):
            raise web.HTTPError(403)
        super().prepare(*args, **kwargs)


class TemplateFiles(TemplateStaticFileHandler):
    """`/voila/templates/<template>/static/<file>` only; anything shorter, or that climbs out
    with `..`, is not found. Voilà splits the path as given and again once normalised (where a
    `..` has climbed), without checking either: both readings are checked here, once."""

    def parse_url_path(self, url_path: str) -> str:
        for reading in (url_path, os.path.normpath(url_path)):
            template, static, name = [*reading.split("/", 2), "", ""][:3]
            if template in ("", "..") or static != "static" or not name:
                raise web.HTTPError(404)
        return super().parse_url_path(url_path)


class AppPages(TornadoVoilaHandler):
    """`/voila/render/<app>.ipynb`: a path that is no app notebook is not found (Voilà would
    redirect it to its file handler, which serves nothing from the apps folder)."""

    def redirect_to_file(self, path: str) -> None:
        raise web.HTTPError(404)


class NoFiles(AllowListFileHandler):
    """`/voila/files/…`: a file not on Voilà's allowlist is not found, rather than forbidden."""

    def get_absolute_path(self, root: str, path: str) -> str:
        try:
            return super().get_absolute_path(root, path)
        except web.HTTPError as refused:
            raise web.HTTPError(404) from refused


NOT_FOUND_INSTEAD = {TemplateStaticFileHandler: TemplateFiles, TornadoVoilaHandler: AppPages, AllowListFileHandler: NoFiles}


class _OwnNotebooks(logging.Filter):
    """The app notebooks are the package's own, never a visitor's: Jupyter's «Notebook … is not
    trusted» (about showing their saved outputs, which they have none of) says nothing to an
    administrator but an English warning at every page opened."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Notebook %s is not trusted"


class CchcVoila(Voila):
    """Voilà with unknown routes not found, kernel ownership (see the module's docstring) when
    people sign in, and its page templates compiled once (`page_templates`)."""

    remote_access = Bool(
        False,
        config=True,
        help="behind the sign-in a request may name this server by any host name; without it (a laptop) a "
        "request must name this machine, or a web page whose name was made to point at 127.0.0.1 would drive the app",
    )

    def initialize(self, argv: Any = None) -> None:
        super().initialize(argv)
        self.log.addFilter(_OwnNotebooks())
        page_templates.install()

    def start(self) -> None:
        # set here, not as `--Voila.tornado_settings={…}` (a dict on the command line: traitlets
        # prints a deprecation warning, and its key=value form would make `False` a true string)
        self.tornado_settings = {
            **self.tornado_settings,
            "websocket_max_message_size": MAX_MESSAGE_BYTES,
            "allow_remote_access": self.remote_access,
        }
        super().start()

    def init_handlers(self) -> list:
        handlers = [(route[0], NOT_FOUND_INSTEAD.get(route[1], route[1]), *route[2:]) for route in super().init_handlers()]
        if os.environ.get("CCHC_AUTH", "none") == "none":
            return handlers
        owners = KernelOwners()
        guarded = []
        for pattern, handler, *rest in handlers:
            if handler is RequestInfoSocketHandler:
                handler = KernelsOwnQuery
            elif KERNEL_ROUTE in pattern or handler is VoilaShutdownKernelHandler:
                handler = _owned(handler, owners)
            elif handler is AppPages:  # the page handler: the kernel it hands out gets its owner
                handler = _rendering(handler, owners)
            guarded.append((pattern, handler, *rest))
        return guarded


def main() -> None:
    sys.exit(CchcVoila.launch_instance())


if __name__ == "__main__":
    main()
