"""Each person's own Voilà under JupyterHub: `python -m cchc_widgets.app.hub` is the command
the hub's spawner runs (see `deploy/jupyterhub_config.py`).

The hub signs people in and spreads their servers over machines with its spawners; each
server here is Voilà standalone (which runs no code a browser sends, unlike a full Jupyter
server) serving the two apps under the user's prefix, with JupyterHub's OAuth as identity
(`HubSignInProvider`). The hub's user name must be an account in the store, which gives the
role and the units; the kernel learns it through the same signed ticket as in `app.auth`.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import urlparse

from jupyter_server.auth.identity import User
from jupyterhub.singleuser.extension import JupyterHubIdentityProvider

from cchc_widgets.app.auth import server_store, with_ticket
from cchc_widgets.app.landing import LandingHandler


class HubSignInProvider(JupyterHubIdentityProvider):
    """JupyterHub's identity provider for Jupyter servers, then the account of that name."""

    mode = "hub"

    @property
    def store(self) -> Any:
        return server_store()

    async def get_user(self, handler: Any) -> User | None:
        user = await super().get_user(handler)
        # the browser's header is always dropped; without an account of the hub user's name no
        # ticket is written, and the page then says so (app.voila.visitor)
        with_ticket(server_store(), handler, user.username.lower() if user is not None else None, None)
        return user

    def get_handlers(self) -> list[tuple[Any, ...]]:
        """The hub's OAuth callback and sign-out, under this server's prefix (Voilà adds none)."""
        prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/").rstrip("/")
        return [(prefix + "/", LandingHandler), *((prefix + path, *rest) for path, *rest in super().get_handlers())]


def hub_command(environ: dict[str, str]) -> list[str]:
    """Voilà on the address and prefix the hub gave this user's server (JUPYTERHUB_SERVICE_URL)."""
    from cchc_widgets.app.voila import voila_command

    where = urlparse(environ["JUPYTERHUB_SERVICE_URL"])
    # one person's server opens a page or two: it keeps no kernel ready while idle, and starts
    # each as a new interpreter (a warm parent, shared by nobody else, would cost more idle
    # memory than it saves: README «Sizing»)
    command = voila_command(where.port or 80, auth="hub", pool=0, forked=False)
    command = [arg for arg in command if not arg.startswith("--Voila.ip=")]
    return [*command, f"--Voila.ip={where.hostname}", f"--Voila.base_url={where.path.rstrip('/')}/"]


def main() -> None:
    """Replace this process with the user's Voilà (one process: the spawner stops it with one signal)."""
    command = hub_command(dict(os.environ))
    os.execve(command[0], command, {**os.environ, "CCHC_AUTH": "hub"})


if __name__ == "__main__":
    sys.exit(main())
