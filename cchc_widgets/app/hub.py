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

from cchc_widgets.app.auth import TICKET_HEADER, with_ticket
from cchc_widgets.store.database import Store


class HubSignInProvider(JupyterHubIdentityProvider):
    """JupyterHub's identity provider for Jupyter servers, then the account of that name."""

    _store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store()
        return self._store

    async def get_user(self, handler: Any) -> User | None:
        if TICKET_HEADER in handler.request.headers:
            del handler.request.headers[TICKET_HEADER]  # before anything else looks at the request
        user = await super().get_user(handler)
        if user is None:
            return None
        # without an account of that name no ticket is written: the page then says so (app.voila.visitor)
        with_ticket(self.store, handler, user.username.lower(), None)
        return user

    def get_handlers(self) -> list[tuple[Any, ...]]:
        """The hub's OAuth callback and sign-out, under this server's prefix (Voilà adds none)."""
        prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/").rstrip("/")
        return [(prefix + path, *rest) for path, *rest in super().get_handlers()]


def hub_command(environ: dict[str, str]) -> list[str]:
    """Voilà on the address and prefix the hub gave this user's server (JUPYTERHUB_SERVICE_URL)."""
    from cchc_widgets.app.voila import voila_command

    where = urlparse(environ["JUPYTERHUB_SERVICE_URL"])
    command = voila_command(where.port or 80, auth="hub")
    command = [arg for arg in command if not arg.startswith("--Voila.ip=")]
    return [*command, f"--Voila.ip={where.hostname}", f"--Voila.base_url={where.path.rstrip('/')}/"]


def main() -> None:
    """Replace this process with the user's Voilà (one process: the spawner stops it with one signal)."""
    command = hub_command(dict(os.environ))
    os.execve(command[0], command, {**os.environ, "CCHC_AUTH": "hub"})


if __name__ == "__main__":
    sys.exit(main())
