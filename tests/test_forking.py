"""Kernels forked from the warm parent (app.forking), started and driven through jupyter_client
as Voilà drives them: each kernel gets the environment and folder it asked for, answers,
is interrupted and shut down; the parent holds no thread, no database and no heavy library
when it forks; a kernel's death touches neither the parent nor another kernel; the parent's
death touches no kernel, and the next kernel comes from a new parent. Real processes, real
signals (SIGKILL)."""

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from cchc_widgets.app.fork_parent import FORK_SAFE
from cchc_widgets.app.forking import ForkingKernelSpecs, ForkProvisioner, WarmParent

from .test_lean_kernel import HEAVY

pytestmark = pytest.mark.external  # kernel processes


async def start(tmp_path: Path, specs=None, **env: str) -> AsyncKernelManager:
    km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs or ForkingKernelSpecs())
    await km.start_kernel(env={**os.environ, **env}, cwd=str(tmp_path))
    return km


async def run(km: AsyncKernelManager, code: str, timeout: float = 60) -> tuple[str, str]:
    """What `code` printed in the kernel, and the reply's status."""
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=timeout)
        out: list[str] = []

        def keep(msg):
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append(msg["content"]["ename"])

        reply = await client.execute_interactive(code, timeout=timeout, output_hook=keep)
        return "".join(out).strip(), reply["content"]["status"]
    finally:
        client.stop_channels()


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_forked_kernel_is_the_kernel_it_was_asked_for(tmp_path):
    async def scenario():
        km = await start(tmp_path, CCHC_PROBE="Đơn vị thử")
        try:
            assert isinstance(km.provisioner, ForkProvisioner)
            parent = WarmParent.instance().pid
            assert parent is not None
            assert Path(f"/proc/{km.provisioner.pid}/stat").read_text().rsplit(")", 1)[1].split()[1] == str(parent)  # its ppid
            shown, status = await run(
                km,
                "import os, sys\n"
                "print(os.environ['CCHC_PROBE'], os.getcwd(), os.getpid(), os.getsid(0) == os.getpid(),"
                " 'pandas' in sys.modules, 'cchc_widgets.app.widgets.scoring_form' in sys.modules)",
            )
            assert status == "ok"
            probe, cwd, pid, own_session, pandas, form = shown.rsplit(" ", 5)
            assert probe == "Đơn vị thử"
            assert cwd == str(tmp_path)
            assert int(pid) == km.provisioner.pid
            assert own_session == "True"  # its own process group: an interrupt reaches it and its children only
            assert (pandas, form) == ("True", "True")  # imported by the parent, before the fork
            # interrupted as Jupyter interrupts a kernel (SIGINT to its group), it goes on answering
            client = km.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            sent = client.execute("import time; print('đang chờ', flush=True); time.sleep(120)")
            while True:  # interrupted once it is running the code, not before
                msg = await client.get_iopub_msg(timeout=60)
                if msg["parent_header"].get("msg_id") == sent and msg["msg_type"] == "stream":
                    break
            await km.interrupt_kernel()
            reply = await client.get_shell_msg(timeout=60)
            client.stop_channels()
            assert reply["content"]["ename"] == "KeyboardInterrupt"
            assert (await run(km, "print(6 * 7)"))[0] == "42"
        finally:
            pid = km.provisioner.pid
            await km.shutdown_kernel()
        assert not alive(pid)
        assert not km.has_kernel

    asyncio.run(scenario())


def test_the_warm_parent_holds_no_thread_no_store_and_no_heavy_library(tmp_path, demo):
    async def scenario():
        km = await start(tmp_path, CCHC_DB=demo.url)
        try:
            parent = WarmParent.instance().pid
            assert len(os.listdir(f"/proc/{parent}/task")) == 1  # a fork copies a thread's memory half-done, not the thread
            opened = [os.readlink(f"/proc/{parent}/fd/{fd}") for fd in os.listdir(f"/proc/{parent}/fd")]
            assert not [f for f in opened if f.endswith((".sqlite", "-wal"))], opened  # no database connection to share
            sockets = {f[len("socket:[") : -1] for f in opened if f.startswith("socket:")}
            network = " ".join(Path(f"/proc/{parent}/net/{kind}").read_text() for kind in ("tcp", "tcp6", "udp", "udp6"))
            assert not [inode for inode in sockets if f" {inode} " in network], opened  # no zmq, no PostgreSQL: Unix only
            shown, status = await run(km, f"import sys; print(*[m for m in {HEAVY!r} if m in sys.modules])")
            assert status == "ok"
            assert shown == "", f"a forked kernel starts with {shown} loaded"
            environ = Path(f"/proc/{parent}/environ").read_bytes().split(b"\0")
            assert b"OPENBLAS_NUM_THREADS=1" in environ  # set before numpy was imported there: no BLAS thread pool
        finally:
            await km.shutdown_kernel()

    asyncio.run(scenario())


def test_a_forked_kernel_starts_without_copying_the_parents_modules(tmp_path):
    """Issue 25: a kernel's start writes only the pages it must. ipykernel's list of its module
    files comes from the parent as one string (its own walk over ~1 250 modules wrote each one's
    reference count: ≈ 9 MB copied per kernel), and a page keeps no history database. Private
    memory of a started kernel, 2026-12-07: 24–25 MB with the walk, 19 MB without."""

    async def scenario():
        km = await start(tmp_path)
        try:
            shown, status = await run(
                km,
                "import sys, pandas, ipykernel.ipkernel as k\nkernel = get_ipython().kernel\n"
                "print(k.sys is sys, pandas.__file__ in kernel._kernel_modules, get_ipython().history_manager.enabled)",
            )
            rollup = Path(f"/proc/{km.provisioner.pid}/smaps_rollup").read_text().splitlines()
        finally:
            await km.shutdown_kernel()
        assert status == "ok"
        assert shown == "True True False"  # `sys` is given back; the debugger still knows the kernel's own files
        private_mb = sum(int(line.split()[1]) for line in rollup if line.startswith("Private_Dirty:")) / 1024
        assert private_mb < 22, f"a started kernel copied {private_mb:.1f} MB of the parent's pages"

    asyncio.run(scenario())


def test_a_kernels_death_touches_neither_the_parent_nor_another_kernel(tmp_path):
    async def scenario():
        one, two = await start(tmp_path), await start(tmp_path)
        try:
            parent = WarmParent.instance().pid
            assert (await run(two, "print('sống')"))[0] == "sống"
            os.kill(one.provisioner.pid, signal.SIGKILL)
            deadline = asyncio.get_running_loop().time() + 10
            while await one.is_alive() and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
            assert not await one.is_alive()
            assert WarmParent.instance().pid == parent
            assert alive(parent)
            assert (await run(two, "print('vẫn sống')"))[0] == "vẫn sống"
        finally:
            await one.shutdown_kernel(now=True)
            await two.shutdown_kernel()

    asyncio.run(scenario())


def test_the_parents_death_touches_no_kernel_and_a_new_parent_takes_over(tmp_path):
    async def scenario():
        km = await start(tmp_path)
        try:
            assert (await run(km, "x = 41; print(x)"))[0] == "41"
            parent = WarmParent.instance().pid
            os.kill(parent, signal.SIGKILL)
            deadline = asyncio.get_running_loop().time() + 60
            while WarmParent.instance().pid in (None, parent) and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.1)  # the server's loop sees the parent end and starts another
            assert WarmParent.instance().pid not in (None, parent)
            assert (await run(km, "print(x + 1)"))[0] == "42"  # the same kernel, its state intact
            newer = await start(tmp_path)
            try:
                assert (await run(newer, "print('mới')"))[0] == "mới"
                ppid = Path(f"/proc/{newer.provisioner.pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
                assert int(ppid) == WarmParent.instance().pid
            finally:
                await newer.shutdown_kernel()
        finally:
            await km.shutdown_kernel()

    asyncio.run(scenario())


def test_other_kernelspecs_keep_their_usual_kernels(tmp_path):
    """JupyterLab's kernels (its own kernelspec manager), and any kernelspec that is not
    ipykernel in this interpreter, are started as Jupyter starts them."""
    plain = KernelSpecManager().get_kernel_spec("python3")
    assert "kernel_provisioner" not in plain.metadata
    forking = ForkingKernelSpecs().get_kernel_spec("python3")
    assert forking.metadata["kernel_provisioner"]["provisioner_name"] == "cchc-fork"

    async def scenario():
        km = await start(tmp_path, specs=KernelSpecManager())
        try:
            assert type(km.provisioner) is LocalProvisioner
            assert (await run(km, "print('lab')"))[0] == "lab"
        finally:
            await km.shutdown_kernel()

    asyncio.run(scenario())


OPENING_IN_A_FORK = """
import json, os, sys
import sqlalchemy as sa
from sqlalchemy.engine.interfaces import CacheStats
from cchc_widgets.app import fork_parent
fork_parent.warm()  # what the warm parent does before its first fork
read, write = os.pipe()
if os.fork() == 0:  # a page's kernel: it opens the store and reads a unit's form
    from cchc_widgets.app.scoring_session import ScoringSession
    from cchc_widgets.store import periods
    from cchc_widgets.store.database import Store
    compiled = []
    def seen(conn, cursor, statement, parameters, context, many):
        if context.cache_hit == CacheStats.CACHE_MISS:
            compiled.append(statement)
    sa.event.listen(sa.engine.Engine, "after_cursor_execute", seen)
    built = periods._stored_set.cache_info().misses
    store = Store()
    for unit in sys.argv[1:]:
        session = ScoringSession(store, "2017", unit)
        session.header(), session.rows()
    os.write(write, json.dumps([compiled, periods._stored_set.cache_info().misses - built]).encode())
    os._exit(0)
os.close(write)
print(os.read(read, 1 << 20).decode())
"""


def test_a_page_forked_from_the_warm_parent_compiles_no_statement_and_builds_no_set(demo):
    """Issue 25: the warm parent reads the (SQLite) store before it forks, so a page's kernel
    finds SQLAlchemy's statements compiled and the period's criteria sets built (≈ 30 ms of
    CPU a page before); then it closes the store: the parent holds no connection when it forks
    (test_the_warm_parent_holds_no_thread_no_store_and_no_heavy_library)."""
    env = {**os.environ, **dict.fromkeys(FORK_SAFE, "1"), "CCHC_DB": demo.url, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    units = demo.units("2017").groupby("block")["id"].last()  # not the units the parent read: another of each block
    done = subprocess.run(
        [sys.executable, "-c", OPENING_IN_A_FORK, *units], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    compiled, built = json.loads(done.stdout)
    assert len(units) == 2  # the demo's departments and districts, each on its own set
    assert compiled == []
    assert built == 0
