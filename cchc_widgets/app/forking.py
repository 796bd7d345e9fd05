"""Pages' kernels forked from a warm parent (`app.fork_parent`), in the server process.

`ForkProvisioner` is a Jupyter kernel provisioner (`jupyter_client.provisioning`, registered
under `jupyter_client.kernel_provisioners` as `cchc-fork`): where `LocalProvisioner` runs
`python -m ipykernel_launcher -f <connection file>` with `Popen`, it asks the warm parent for
a fork that becomes that kernel. Jupyter writes the connection file and picks the ports as
before (`LocalProvisioner.pre_launch`), so nothing else in Jupyter or Voilà knows the
difference. The kernel is not this process's child: it is watched, signalled and waited for
through a pidfd (a handle on that one process, which never names another one after it ends),
which the parent sends with the kernel's pid.

`ForkingKernelSpecs` gives the served apps' kernelspec (`python3`, ipykernel in this
interpreter) the provisioner in its metadata (`metadata.kernel_provisioner.provisioner_name`);
`cchc serve` sets it as Voilà's kernelspec manager. JupyterLab, and any other kernelspec, keep
their usual kernels.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner

from cchc_widgets.app.fork_parent import FORK_SAFE, KERNEL_MODULE

log = logging.getLogger(__name__)

PROVISIONER = "cchc-fork"
ASK_TIMEOUT = 120.0  # a parent still importing on a busy machine answers late; a parent that died is restarted at once
# a parent that dies sooner than this after its start, having forked nothing, is broken: not restarted in a loop
STEADY_SECONDS = 10.0


class WarmParent:
    """The one warm parent of this server process: started with the server (or the first
    kernel), started again when it dies. The listening socket is this process's, handed to each
    parent, so a request sent while a new parent starts waits in its queue instead of failing."""

    _instance: WarmParent | None = None

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="cchc-fork-")  # 0700: only this account reaches the socket
        self.path = os.path.join(self._folder.name, "parent.sock")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.path)
        self._listener.listen(128)
        self.proc: subprocess.Popen | None = None
        self._started = 0.0
        self._forked = False
        self._watched: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def instance(cls) -> WarmParent:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def ensure(self) -> None:
        """A live parent; a new one when there is none (first kernel, or the last one died)."""
        if self.pid is not None:
            return
        if self.proc is not None:
            ended = (self.proc.pid, self.proc.returncode)
            log.warning("cchc: the kernels' warm parent (pid %s) ended (%s); starting another", *ended)
        env = {
            **os.environ,
            **dict.fromkeys(FORK_SAFE, "1"),  # before numpy is imported there: no BLAS threads to copy
            # read by ipykernel on import: 1 (init) means no parent to poll, as the kernels watch
            # the server themselves (app.fork_parent), and no `ipython kernel` banner in the log
            "JPY_PARENT_PID": "1",
        }
        listener = self._listener.fileno()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cchc_widgets.app.fork_parent", str(listener), str(os.getpid())],
            env=env,
            stdin=subprocess.DEVNULL,
            pass_fds=(listener,),
            start_new_session=True,  # Ctrl+C at the terminal reaches the server, which shuts its kernels down first
        )
        self._started, self._forked = time.monotonic(), False
        self._watch()

    def _watch(self) -> None:
        """Start a new parent as soon as this one dies (when it had been working), from the
        server's event loop."""
        self._unwatch()
        assert self.proc is not None
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:  # started before the server's loop runs: watched from the first kernel's request on
            return
        self._watched = os.pidfd_open(self.proc.pid)
        self._loop.add_reader(self._watched, self._ended)

    def _unwatch(self) -> None:
        if self._watched is not None:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(self._watched)
            os.close(self._watched)
            self._watched = None

    def _ended(self) -> None:
        self._unwatch()
        if self.proc is not None:
            self.proc.wait()
            if self._forked or time.monotonic() - self._started > STEADY_SECONDS:
                self.ensure()

    async def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> tuple[int, int]:
        """A new kernel process running `argv`'s ipykernel: its pid and a pidfd for it."""
        request = (json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n").encode()
        for attempt in range(2):
            self.ensure()
            if self._loop is not asyncio.get_running_loop():  # another loop than the one that watched it (tests)
                self._watch()
            try:
                pid, pidfd = await asyncio.wait_for(asyncio.to_thread(self._ask, request), ASK_TIMEOUT)
            except (ConnectionError, EOFError):  # the parent died with the request: once more, on a new one
                if attempt:
                    raise
                if self.proc is not None:
                    self.proc.wait()
                continue
            self._forked = True
            return pid, pidfd
        raise AssertionError("not reached")

    def _ask(self, request: bytes) -> tuple[int, int]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(ASK_TIMEOUT)
            conn.connect(self.path)
            conn.sendall(request)
            answer, fds, _, _ = socket.recv_fds(conn, 64, 1)
            if not answer or not fds:
                for fd in fds:
                    os.close(fd)
                raise EOFError("the warm parent closed the request")
            return int(answer), fds[0]


class ForkProvisioner(LocalProvisioner):
    """`LocalProvisioner` with the kernel forked from the warm parent (see the module)."""

    pidfd: int | None = None

    @property
    def has_process(self) -> bool:
        return self.pidfd is not None or super().has_process

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        if KERNEL_MODULE not in cmd:  # not an ipykernel: started as Jupyter starts it
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        self.pid, self.pidfd = await WarmParent.instance().fork(cmd, env, cwd)
        self.pgid, self.cwd = self.pid, cwd  # the kernel leads its own session, as Popen's start_new_session makes it
        return self.connection_info

    def _running(self) -> bool:
        return self.pidfd is not None and not select.select([self.pidfd], [], [], 0)[0]

    async def poll(self) -> int | None:
        if self.pidfd is None:
            return await super().poll()
        # the exit status belongs to the warm parent, which lets the system reap its children:
        # an ended kernel reads as 1 (Jupyter only asks whether it still runs)
        return None if self._running() else 1

    async def wait(self) -> int | None:
        if self.pidfd is None:
            return await super().wait()
        if self._running():
            ended = asyncio.get_running_loop().create_future()
            loop = asyncio.get_running_loop()
            loop.add_reader(self.pidfd, lambda: ended.done() or ended.set_result(None))
            try:
                await ended
            finally:
                loop.remove_reader(self.pidfd)
        os.close(self.pidfd)
        self.pidfd = None
        return 1

    async def send_signal(self, signum: int) -> None:
        if self.pidfd is None:
            return await super().send_signal(signum)
        if not self._running():
            return None
        with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is the kernel's session (setsid)
            os.killpg(self.pgid, signum)
            return None
        signal.pidfd_send_signal(self.pidfd, signum)
        return None

    async def kill(self, restart: bool = False) -> None:
        if self.pidfd is None:
            return await super().kill(restart)
        with contextlib.suppress(ProcessLookupError):
            await self.send_signal(signal.SIGKILL)
        return None

    async def terminate(self, restart: bool = False) -> None:
        if self.pidfd is None:
            return await super().terminate(restart)
        with contextlib.suppress(ProcessLookupError):
            await self.send_signal(signal.SIGTERM)
        return None

    async def cleanup(self, restart: bool = False) -> None:
        if self.pidfd is not None and not self._running():
            os.close(self.pidfd)
            self.pidfd = None
        await super().cleanup(restart)


class ForkingKernelSpecs(KernelSpecManager):
    """The kernelspecs Voilà sees: the one that runs ipykernel in this interpreter (the apps')
    gets its kernels from the warm parent, which starts importing as soon as the server starts,
    so that the first visitor does not wait for it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if _registered():
            WarmParent.instance().ensure()

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        if KERNEL_MODULE in spec.argv and _this_python(spec.argv[0]) and _registered():
            spec.metadata = {**spec.metadata, "kernel_provisioner": {"provisioner_name": PROVISIONER, "config": {}}}
        return spec


@functools.cache
def _registered() -> bool:
    """The provisioner's entry point is installed (an install older than it would fail every
    kernel start): said once in the log, and the kernels are then started the usual way."""
    if PROVISIONER in KernelProvisionerFactory.instance().get_provisioner_entries():
        return True
    log.warning("cchc: the kernel provisioner %s is not installed (reinstall cchc); kernels start without forking", PROVISIONER)
    return False


def _this_python(executable: str) -> bool:
    """The kernelspec runs this interpreter (`python` as ipykernel's own spec names it, or its path)."""
    return executable in ("python", "python3") or os.path.realpath(executable) == os.path.realpath(sys.executable)
