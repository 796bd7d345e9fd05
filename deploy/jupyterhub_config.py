"""JupyterHub for a province: the hub signs people in; each person gets their own Voilà with
the two apps (`python -m cchc_widgets.app.hub`), all on one PostgreSQL store.

Run: `CCHC_DB=postgresql+psycopg://… jupyterhub -f deploy/jupyterhub_config.py`. Settings come
from the environment so the same file serves a test and a province:
- CCHC_DB (required): the shared store every user's server writes to;
- CCHC_DATA_DIR: evidence files and the hub's own state (default: var/ in the checkout);
- CCHC_TIMEZONE: the province's time zone, passed to every user's server (default Asia/Ho_Chi_Minh);
- CCHC_HUB_IP / CCHC_HUB_PORT: where people connect (default 127.0.0.1:8000; put HTTPS in front);
- CCHC_HUB_API_PORT, CCHC_PROXY_API_PORT: the hub's and the proxy's loopback API ports;
- CCHC_PROXY: the configurable-http-proxy command (npm; `make hub-proxy` installs it in the checkout);
- CCHC_HUB_AUTHENTICATOR: `dummy` for a trial (one shared password, CCHC_HUB_PASSWORD); a
  province sets its own authenticator here (e.g. oauthenticator's GenericOAuthenticator against
  its single sign-on) — whoever signs in must also have an account in the store
  (`cchc users add LOGIN --role … --no-password`), which gives their role and units;
- CCHC_HUB_SPAWNER: `simple` runs every user's Voilà on this machine as the hub's user; to
  spread users over machines use DockerSpawner or KubeSpawner with the same `cmd`.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CCHC_DATA_DIR", REPO / "var")).resolve()
STATE = DATA / "hub"
STATE.mkdir(parents=True, exist_ok=True)

c.JupyterHub.ip = os.environ.get("CCHC_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("CCHC_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("CCHC_HUB_API_PORT", "8081"))
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"  # the hub's own sessions and servers, not the scores
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [os.environ.get("CCHC_PROXY", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('CCHC_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops everyone's Voilà

if os.environ.get("CCHC_HUB_AUTHENTICATOR", "dummy") == "dummy":
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = os.environ["CCHC_HUB_PASSWORD"]
c.Authenticator.allow_all = True  # the store's accounts decide who may read or write what

if os.environ.get("CCHC_HUB_SPAWNER", "simple") == "simple":
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "homes" / "{username}")
c.Spawner.cmd = [sys.executable, "-m", "cchc_widgets.app.hub"]
c.Spawner.default_url = "/"  # the landing page: the apps this person's role may open
c.Spawner.environment = {
    "CCHC_DB": os.environ["CCHC_DB"],
    "CCHC_DATA_DIR": str(DATA),
    # the one clock (cchc_widgets.core.clock): the province's zone, and a stopped clock for a rehearsal or test
    **{k: os.environ[k] for k in ("CCHC_TIMEZONE", "CCHC_CLOCK") if os.environ.get(k)},
}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
