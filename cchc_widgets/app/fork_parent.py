"""The warm parent of the pages' kernels: `python -m cchc_widgets.app.fork_parent`, started
by the server (`app.forking`) with the number of the listening Unix socket it hands over and
its own pid.

A page's kernel imported Python, pandas, SQLAlchemy, ipykernel, ipywidgets and the package
from scratch: 1–2 s of CPU and ≈ 80 MB of private memory each. This process imports them
once; each kernel is then a `fork()` of it that becomes an ipykernel on the connection file
Jupyter wrote for it (a few milliseconds), and the imported modules' pages stay shared,
copy-on-write, between the parent and every kernel.

What a fork copies must be safe to copy: before the first fork this process holds no thread
(OpenBLAS and the other maths libraries are told to use one, before numpy is imported, by
the environment the server gives this process), no zmq context, no event loop and no
database connection — each kernel makes its own after the fork. Its garbage is frozen
(`gc.freeze`) so that no collection in a kernel writes to the shared pages.

A kernel belongs to the server, not to this process: it runs in its own session, watches
the server (not this process) and exits when the server is gone, and its end is reaped by
the system (SIGCHLD ignored here). So this process dying, or a kernel dying, touches nothing
else; the server starts a new parent when this one dies.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import sys
import threading
from typing import Any

FORK_SAFE = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
# what every page's kernel imports (app.voila and the three pages' widgets), and what ipykernel
# imports while it starts: read once here, shared by every kernel
WARM = (
    "numpy",
    "pandas",
    "sqlalchemy",
    "sqlite3",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.comm",
    "ipykernel.debugger",  # with debugpy: the kernel's start imports it
    "IPython.core.debugger",
    "IPython.core.completerlib",
    "IPython.extensions.storemagic",
    "IPython.core.oinspect",  # these six: what ipykernel's start imports after the ones above
    "IPython.core.logger",
    "IPython.utils.wildcard",
    "faulthandler",
    "runpy",
    "importlib.resources.readers",
    "zmq.utils.garbage",  # imported by the first message a page sends
    "tornado.platform.asyncio",
    "tornado.queues",
    "psutil",
    "sqlalchemy.dialects.sqlite",
    "ipywidgets",
    "anywidget",
    "websockets.sync.client",
    "cchc_widgets.app.voila",
    "cchc_widgets.app.widgets.scoring_form",
    "cchc_widgets.app.widgets.whatif_app",
    "cchc_widgets.app.widgets.admin_app",
)
KERNEL_MODULE = "ipykernel_launcher"  # a kernelspec's argv that this process can stand in for
# the files of the modules imported here, one string (see _forked_kernel)
_module_files = ""


def warm() -> None:
    """Import what the kernels use, and check that nothing a fork cannot copy was made."""
    import importlib

    unsafe = [name for name in FORK_SAFE if os.environ.get(name) != "1"]
    if unsafe:
        raise SystemExit(f"fork_parent: {', '.join(unsafe)} must be 1 before numpy is imported (app.forking sets them)")
    for name in WARM:
        importlib.import_module(name)
    if os.environ.get("CCHC_DB", "").startswith("postgresql"):
        importlib.import_module("psycopg")
        importlib.import_module("sqlalchemy.dialects.postgresql")
    _read_the_store(os.environ.get("CCHC_DB", ""))
    threads = os.listdir("/proc/self/task")
    if len(threads) != 1:
        raise SystemExit(f"fork_parent: {len(threads)} threads after the imports; a fork would copy them half-done")
    global _module_files
    _module_files = "\n".join(path for module in list(sys.modules.values()) if (path := getattr(module, "__file__", None)))
    gc.collect()
    gc.freeze()  # the imported objects leave the collector's lists: a kernel's collections leave their pages shared


def _read_the_store(url: str) -> None:
    """Read what each page reads on opening — the periods, their units, their criteria sets, and
    one unit's form of each block — from a SQLite store, then close it: SQLAlchemy's compiled
    statements (`store.base._share_compiled`) and the built criteria sets (`store.periods`) stay in
    this process's memory, so every kernel forked from it finds them made (≈ 30 ms of CPU a page).
    No connection outlives this function: every kernel opens its own. A store that cannot be read
    now is left to the pages, which say why. PostgreSQL is not read: its dialect is set up per
    engine on connecting, so a kernel could not use what this process compiled."""
    if not url.startswith("sqlite"):
        return
    from cchc_widgets.app.scoring_session import ScoringSession
    from cchc_widgets.store.database import Store

    try:
        store = Store(url)
    except Exception:  # a page opening it will say what is wrong, in Vietnamese
        return
    try:
        periods = store.periods()
        for period in periods["id"]:
            store.blocks(period)
        if len(periods):
            period = periods["id"].iloc[-1]
            for _, first in store.units(period).groupby("block").head(1).iterrows():
                session = ScoringSession(store, period, first["id"], periods=periods)
                session.header()
                session.rows()
    except Exception:  # the kernels read it again themselves
        pass
    finally:
        store.close()


def serve(listener: socket.socket, server_pid: int) -> None:
    """Fork a kernel for each request until the server is gone."""
    server = os.pidfd_open(server_pid)  # readable once the server has exited (a pidfd never names another process)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the system reaps the kernels; the server watches them by pidfd
    while True:
        ready, _, _ = select.select([listener, server], [], [])
        if server in ready:
            return
        conn, _ = listener.accept()
        with conn:
            try:
                request = _read_request(conn)
            except (OSError, ValueError):
                continue  # the asker went away or spoke nonsense: it gets nothing
            pid = os.fork()
            if pid == 0:
                _become_kernel(request, server, [listener, conn])
            child = os.pidfd_open(pid)
            try:
                socket.send_fds(conn, [f"{pid}\n".encode()], [child])
            except OSError:  # the server gave up on this request: nobody will ever use the kernel
                signal.pidfd_send_signal(child, signal.SIGKILL)
            finally:
                os.close(child)


def _read_request(conn: socket.socket) -> dict[str, Any]:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("no request")
        data += chunk
    request = json.loads(data)
    if not isinstance(request, dict) or not isinstance(request.get("argv"), list) or not isinstance(request.get("env"), dict):
        raise ValueError("not a kernel request")
    return request


def _become_kernel(request: dict[str, Any], server: int, sockets: list[socket.socket]) -> None:
    """In the child: leave the parent's sockets and signals, take the kernel's environment and
    folder, and run ipykernel on the connection file Jupyter gave; never return."""
    status = 1
    try:
        for sock in sockets:
            sock.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel's own subprocesses are waited for as usual
        os.setsid()  # its own process group, as Jupyter starts kernels: an interrupt reaches it and its children only
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request.get("cwd") or os.getcwd())
        gc.enable()
        _exit_with_server(server)
        argv = [str(arg) for arg in request["argv"]]
        kernel_args = argv[argv.index(KERNEL_MODULE) + 1 :]
        sys.argv = [KERNEL_MODULE, *kernel_args]
        from ipykernel.kernelapp import IPKernelApp

        # a page's cells are nobody's history to recall: no history database (~/.ipython), no thread writing it
        IPKernelApp.launch_instance(argv=[*kernel_args, "--HistoryManager.enabled=False"], kernel_class=_forked_kernel())
        status = 0
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # a kernel that cannot start says why, in the server's log, and ends
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)  # never back into the parent's loop


def _forked_kernel() -> type:
    """ipykernel's kernel, but for the list of its own modules' files it makes on starting.

    `IPythonKernel.__init__` lists `m.__file__ for m in sys.modules` (for its debugger, which
    leaves those files out of a person's debugging). Reading each module and its file name
    writes their reference counts: in a forked kernel that copies two pages per module,
    ≈ 9 MB private per kernel for ~1 250 modules. The kernel gets the same list from one
    string made here before the fork (the modules imported since then are the few of
    `WARM`'s start-up that a page imports late; they only lose that debugger filter)."""
    import types

    import ipykernel.ipkernel

    class ParentSys(types.ModuleType):
        """`sys` as `IPythonKernel.__init__` reads it: the parent's module files as `modules`."""

        def __init__(self) -> None:
            super().__init__("sys")
            self.modules = {path: types.SimpleNamespace(__file__=path) for path in _module_files.split("\n")}

        def __getattr__(self, name: str) -> Any:
            return getattr(sys, name)

    class ForkedKernel(ipykernel.ipkernel.IPythonKernel):
        def __init__(self, **kwargs: Any) -> None:
            ipykernel.ipkernel.sys = ParentSys()  # type: ignore[assignment]
            try:
                super().__init__(**kwargs)
            finally:
                ipykernel.ipkernel.sys = sys

    return ForkedKernel


def _exit_with_server(server: int) -> None:
    """A kernel ends when the server that owns it ends (as ipykernel's parent poller does for a
    kernel the server started itself: here the server is not the parent)."""

    def watch() -> None:
        select.select([server], [], [])
        os._exit(1)

    threading.Thread(target=watch, name="cchc-server-watch", daemon=True).start()


def main() -> None:
    listener = socket.socket(fileno=int(sys.argv[1]))  # the server's: it outlives this process
    server_pid = int(sys.argv[2])
    gc.disable()  # nothing to collect while importing; frozen after
    warm()
    serve(listener, server_pid)


if __name__ == "__main__":
    main()
