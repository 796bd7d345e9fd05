"""The Voilà server that `cchc serve` and each person's server under JupyterHub run
(`python -m cchc_widgets.app.server`, Voilà's own options): Voilà with its unknown and bare
routes answering 404.

Voilà 0.5 answered 500 with a traceback in its log for `/voila/templates/` (its template-file
handler splits the path without checking it), for a page path it cannot make a redirect of
(`/voila/render/%00`), and 403 for any other file: the apps folder holds the app notebooks
only, so a path that is not one of them is not found. Started in the server process only
(never in a kernel), so the pages' kernels import none of it.
"""

from __future__ import annotations

from typing import Any

from tornado.web import HTTPError
from voila.app import Voila
from voila.static_file_handler import AllowListFileHandler, TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler


class TemplateFiles(TemplateStaticFileHandler):
    """`/voila/templates/<template>/static/<file>` only; anything shorter is not found."""

    def parse_url_path(self, url_path: str) -> str:
        template, static, name = [*url_path.split("/", 2), "", ""][:3]
        if not template or static != "static" or not name:
            raise HTTPError(404)
        return super().parse_url_path(url_path)


class AppPages(TornadoVoilaHandler):
    """`/voila/render/<app>.ipynb`: a path that is no app notebook is not found (Voilà would
    redirect it to its file handler, which serves nothing from the apps folder)."""

    def redirect_to_file(self, path: str) -> None:
        raise HTTPError(404)


class NoFiles(AllowListFileHandler):
    """`/voila/files/…`: a file not on Voilà's allowlist is not found, rather than forbidden."""

    def get_absolute_path(self, root: str, path: str) -> str:
        try:
            return super().get_absolute_path(root, path)
        except HTTPError as refused:
            raise HTTPError(404) from refused


class AppServer(Voila):
    """Voilà with the handlers above in place of its own."""

    def init_handlers(self) -> list[Any]:
        ours = {TemplateStaticFileHandler: TemplateFiles, TornadoVoilaHandler: AppPages, AllowListFileHandler: NoFiles}
        return [(route[0], ours.get(route[1], route[1]), *route[2:]) for route in super().init_handlers()]


main = AppServer.launch_instance

if __name__ == "__main__":
    main()
