"""Many people at once: N sessions open the scoring page at the same moment, then edit for a while.

The clients speak the page's own protocol instead of driving N headless browsers (N Chromium
pages would eat this machine's 2 cores and measure the browsers, not the server): each signs in
as its own unit account (`--auth accounts`), GETs the scoring page (Voilà renders it with a
kernel, preheated or not), connects to that kernel's websocket and sends the widget messages
the page sends — a first heartbeat, then edits of its unit's points row, each waiting for
«saved», with the page's heartbeat every 2 s between them — and finally posts the shutdown
request a closed page posts. `--pace` sets how often one person
edits: the default, one edit a second, is the rate issue 12's ten browser pages produced (542
edits in 60 s); `--pace 0` sends the next edit as soon as the last is saved (the cores' limit,
not people). `--arrivals` says when within that rate: `random` (the default) draws each
person's pauses from an exponential distribution of mean `--pace` (seeded per person: people
do not type in step), `lockstep` waits exactly `--pace` — having opened together, all N then
press at the same instant every second, the worst case a burst of N saves at once. Figures per N:

- open: time from the request to a usable form (page received, kernel connected, first ping
  answered): median and max;
- edits/s over all sessions, save latency p50 / p95, errors (refusals, timeouts);
- lost: accepted saves missing from the store afterwards (each session's last acknowledged
  value must be what the store holds);
- peak resident memory of the server and its kernels, and kernels left `--settle` s after
  the sessions closed (the preheated pools are the floor: `--pool` scoring kernels + 1 what-if);
- memory as the machine pays it: PSS (proportional set size, /proc/PID/smaps_rollup: a page
  shared by k processes counts 1/k in each, so the sum is real) of the server, its warm parent
  and its kernels, idle and once all N pages are open; per page = (open − idle) / N.

`--kernels fork,popen` runs each way with its own server, one after the other in the same run:
kernels forked from the warm parent (`cchc serve`'s default) beside new interpreters (`--kernels
popen`, Jupyter's way). The machine may be shared: the load average and the busiest processes
are printed before each way.

Targets (issue 12) at N = 20: 0 errors, 0 lost, median open ≤ 5 s, p95 save ≤ 250 ms, no kernel
left beyond the preheated pool. Issue 25, with `cchc serve`'s defaults: N = 30 opening at once,
median ≤ 2 s, max ≤ 4 s; ≤ 40 MB PSS per open scoring page, ≤ 300 MB idle for the whole server.

    python bench/load_bench.py [--sizes 10,20,30] [--seconds 60] [--settle 90] [--pace 1] [--pool N]
                               [--arrivals random|lockstep] [--refill-delay S] [--db URL] [--kernels fork,popen]

Writes only under exports/bench/ (and the --db store, when given: demo plus bench units).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import uuid
from urllib.parse import urlencode

import pandas as pd
from processes import cpu, family, pss, rss  # bench/processes.py (this script's folder is on the path)
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from cchc_widgets.report import chromium
from cchc_widgets.resources import REPO_DIR
from cchc_widgets.services import access
from cchc_widgets.services.demo import load_demo
from cchc_widgets.services.permissions import console
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store

WORK = REPO_DIR / "exports" / "bench" / "load"
PERIOD, CODE = "2017", "1.5.2"  # a points row every department has
BLOCK = "so"  # the demo's departments (its districts are scored on another set, without CODE)
HEARTBEAT = 2.0  # seconds between an open page's pings (widgets/scoring_form.js)
VALUES = ["0,5", "1", "1,5", "2", "2,5", "3"]
PASSWORD = "mat-khau-tai-thu"
NOTE = "Tài liệu kiểm chứng lưu tại đơn vị"


def prepare(url: str, sessions: int) -> list[str]:
    """The demo, plus bench units (copies of a demo unit) until there is one unit per session,
    each with its own unit account."""
    store = Store(url, evidence_dir=WORK / "evidence")
    if store.periods().empty:
        load_demo(store)
    listed = store.units(PERIOD)
    units = list(listed.loc[listed["block"] == BLOCK, "id"])
    template = store.scores(PERIOD, units[0], "self")
    extra = [f"don-vi-tai-thu-{k:02d}" for k in range(max(0, sessions - len(units)))]
    if extra:
        names = [f"Đơn vị tải thử {k}" for k in range(len(extra))]
        store.add_units(pd.DataFrame({"id": extra, "name": names, "block": BLOCK}), PERIOD)
        for unit in extra:
            rows = template[["code", "stage", "value", "points", "na", "note"]].assign(unit=unit)
            rows["value"] = rows["value"].where(rows["value"].notna(), None)
            rows = rows.assign(points=rows["points"].where(rows["value"].isna(), None))
            Writer(store).save_scores(Scope(PERIOD, unit, "self"), rows, "tải thử", "bench")
    listed = store.units(PERIOD)
    units = list(listed.loc[listed["block"] == BLOCK, "id"])[:sessions]
    for k, unit in enumerate(units):
        if store.account(f"tai-thu-{k:02d}") is None:
            access.add_account(store, f"tai-thu-{k:02d}", f"Tải thử {k}", "unit", [unit], PASSWORD, console("bench"))
    store.close()
    return units


class Session:
    """One person: sign in, open the page, edit, leave."""

    def __init__(self, base: str, login: str, unit: str, lockstep: bool) -> None:
        self.base, self.login, self.unit = base, login, unit
        self.lockstep = lockstep
        self.random = random.Random(login)  # the same pauses on every run
        self.cookies: dict[str, str] = {}
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.last_saved: str | None = None
        self.open_seconds: float | None = None

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _keep(self, response: object) -> None:
        for header in response.headers.get_list("Set-Cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    async def _get(self, client: AsyncHTTPClient, path: str) -> str:
        request = HTTPRequest(
            f"{self.base}{path}", headers={"Cookie": self._cookie_header()}, follow_redirects=False, request_timeout=300
        )
        response = await client.fetch(request, raise_error=False)
        self._keep(response)
        return response.body.decode() if response.body else ""

    async def sign_in(self, client: AsyncHTTPClient) -> None:
        await self._get(client, "/login")
        body = urlencode({"login": self.login, "password": PASSWORD, "_xsrf": self.cookies.get("_xsrf", "")})
        request = HTTPRequest(
            f"{self.base}/login", method="POST", body=body, headers={"Cookie": self._cookie_header()}, follow_redirects=False
        )
        response = await client.fetch(request, raise_error=False)
        self._keep(response)
        if "cchc-sign-in" not in self.cookies:
            raise RuntimeError(f"{self.login}: sign-in refused ({response.code})")

    async def run(self, client: AsyncHTTPClient, start: asyncio.Event, seconds: float, pace: float) -> None:
        await start.wait()
        began = time.perf_counter()
        html = await self._get(client, f"/voila/render/scoring.ipynb?unit={self.unit}&period={PERIOD}")
        kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', html)
        model = re.search(r'model_id": "([0-9a-f]+)"', html)
        if not kernel or not model:
            self.errors.append("page without a form")
            return
        self.kernel, self.model = kernel.group(1), model.group(1)
        ws_url = f"{self.base.replace('http', 'ws')}/api/kernels/{self.kernel}/channels?session_id={uuid.uuid4().hex}"
        self.ws = await websocket_connect(HTTPRequest(ws_url, headers={"Cookie": self._cookie_header()}))
        if await self.ask({"type": "ping"}, "pong", 60) is None:
            self.errors.append("no answer to the first ping")
            return
        self.open_seconds = time.perf_counter() - began
        k, until, beat = 0, time.perf_counter() + seconds, time.perf_counter()
        while time.perf_counter() < until:
            if time.perf_counter() - beat >= HEARTBEAT:  # the page's ping: the kernel also looks for colleagues' changes
                beat = time.perf_counter()
                if await self.ask({"type": "ping"}, "pong", 30) is None:
                    self.errors.append("no answer to a heartbeat")
            value = VALUES[k % len(VALUES)]
            k += 1
            sent = time.perf_counter()
            reply = await self.ask({"type": "edit", "code": CODE, "value": value, "note": NOTE, "author": ""}, "saved", 30)
            if reply is None:
                self.errors.append("no answer to an edit")
            elif reply.get("type") == "field_error":
                self.errors.append(reply.get("message", "refused"))
            else:
                self.latencies.append(time.perf_counter() - sent)
                self.last_saved = value
            # a refused edit is followed by the person's pause too: no tight loop of refusals
            await asyncio.sleep(max(0.0, sent + self.pause(pace) - time.perf_counter()))  # the person's next edit
        self.ws.close()
        xsrf = self.cookies.get("_xsrf", "")
        request = HTTPRequest(
            f"{self.base}/voila/api/shutdown/{self.kernel}",
            method="POST",
            body=urlencode({"_xsrf": xsrf}),
            headers={"Cookie": self._cookie_header()},
        )
        await client.fetch(request, raise_error=False)

    def pause(self, pace: float) -> float:
        """Seconds from one edit to this person's next: exactly `pace`, or drawn around it."""
        if self.lockstep or pace <= 0:
            return pace
        return self.random.expovariate(1 / pace)

    async def ask(self, content: dict, want: str, timeout: float) -> dict | None:
        """Send one widget message; wait for the custom reply of type `want` (or a field error)."""
        msg_id = uuid.uuid4().hex
        message = {
            "header": {"msg_id": msg_id, "msg_type": "comm_msg", "username": self.login, "session": msg_id, "version": "5.3"},
            "parent_header": {},
            "metadata": {},
            "content": {"comm_id": self.model, "data": {"method": "custom", "content": content}},
            "channel": "shell",
            "buffers": [],
        }
        await self.ws.write_message(json.dumps(message))
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                raw = await asyncio.wait_for(self.ws.read_message(), deadline - time.perf_counter())
            except TimeoutError:
                return None
            if raw is None:
                return None
            if isinstance(raw, bytes):
                continue
            msg = json.loads(raw)
            data = msg.get("content", {}).get("data", {})
            if msg.get("msg_type") == "comm_msg" and data.get("method") == "custom":
                got = data.get("content", {})
                if got.get("type") in (want, "field_error"):
                    return got
        return None


def kernels(pid: int) -> int:
    """Kernel processes of the server: its own (new interpreters) and its warm parent's (forks)."""
    found = subprocess.run(["pgrep", "-P", str(pid), "-f", "ipykernel_launcher"], capture_output=True, text=True)
    parent = subprocess.run(["pgrep", "-P", str(pid), "-f", "cchc_widgets.app.fork_parent"], capture_output=True, text=True)
    forked = [subprocess.run(["pgrep", "-P", p], capture_output=True, text=True).stdout for p in parent.stdout.split()]
    return len(found.stdout.split()) + sum(len(f.split()) for f in forked)


def others() -> str:
    """What else used the machine meanwhile (it may be shared): load average and the busiest processes."""
    top = subprocess.run(["ps", "-eo", "pcpu,rss,comm", "--sort=-pcpu"], capture_output=True, text=True).stdout.splitlines()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"load average {load}; busiest processes (%CPU, RSS kB, name): " + "; ".join(" ".join(t.split()) for t in top[1:7])


async def one_size(
    base: str, pid: int, units: list[str], seconds: float, settle: float, url: str, pace: float, lockstep: bool
) -> dict:
    client = AsyncHTTPClient(max_clients=len(units) * 2)
    sessions = [Session(base, f"tai-thu-{k:02d}", unit, lockstep) for k, unit in enumerate(units)]
    for s in sessions:
        await s.sign_in(client)
    pids = family(pid)
    peak = rss(pids)
    idle_pss = pss(pids)
    open_pss = None
    cpu_before = cpu(pids)
    cpu_seen = dict(cpu_before)  # a closed page's kernel exits: keep the last figure read of each
    clients_before = time.process_time()
    start = asyncio.Event()
    tasks = [asyncio.create_task(s.run(client, start, seconds, pace)) for s in sessions]
    began = time.perf_counter()
    start.set()
    while not all(t.done() for t in tasks):
        pids = family(pid)
        peak = max(peak, rss(pids))
        if open_pss is None and all(s.open_seconds is not None or s.errors for s in sessions):
            open_pss = pss(pids)  # every page is open (the pool refilling, if it does, counts too)
        cpu_seen.update(cpu(pids))
        await asyncio.sleep(0.5)
    clients_cpu = time.process_time() - clients_before
    spent = {p: cpu - cpu_before.get(p, 0.0) for p, cpu in cpu_seen.items()}
    for t in tasks:
        if t.exception() is not None:
            raise t.exception()
    elapsed = time.perf_counter() - began
    await asyncio.sleep(settle)
    left = kernels(pid)
    store = Store(url)
    stored = store.scores(PERIOD, stage="self").set_index(["unit", "code"])["points"]
    store.close()
    kinds = collections.Counter(e for s in sessions for e in s.errors)
    if kinds:  # which errors, so a figure of thousands says what failed
        print(f"errors at N = {len(units)}: " + "; ".join(f"{n} × {kind[:100]}" for kind, n in kinds.most_common(5)))
    lost = sum(
        1 for s in sessions if s.last_saved is not None and stored.get((s.unit, CODE)) != float(s.last_saved.replace(",", "."))
    )
    latencies = sorted(x for s in sessions for x in s.latencies)
    opens = [s.open_seconds for s in sessions if s.open_seconds is not None]
    return {
        "N": len(units),
        "open median s": statistics.median(opens) if opens else float("nan"),
        "open max s": max(opens) if opens else float("nan"),
        "edits/s": len(latencies) / elapsed,
        "save p50 ms": 1000 * latencies[len(latencies) // 2] if latencies else float("nan"),
        "save p95 ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else float("nan"),
        "errors": sum(len(s.errors) for s in sessions),
        "lost": lost,
        "peak MB": peak / 1e6,
        "PSS idle MB": idle_pss / 1e6,
        "PSS open MB": (open_pss or 0) / 1e6,
        "PSS/page MB": ((open_pss or 0) - idle_pss) / 1e6 / len(units),
        "kernels left": left,
        # where the cores went while the sessions ran: Voilà, the kernels, these clients
        "CPU s server": spent.get(pid, 0.0),
        "CPU s kernels": sum(cpu for p, cpu in spent.items() if p != pid),
        "CPU s clients": clients_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,20,30")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--settle", type=float, default=90)
    parser.add_argument("--pace", type=float, default=1.0, help="seconds between one person's edits (0: no pause)")
    parser.add_argument(
        "--arrivals", choices=("random", "lockstep"), default="random", help="pauses drawn around --pace, or exactly --pace"
    )
    parser.add_argument("--pool", type=int, help="cchc serve --pool: scoring kernels kept ready (default: cchc serve's)")
    parser.add_argument("--refill-delay", type=float, help="cchc serve --refill-delay (default: cchc serve's)")
    parser.add_argument("--kernels", default="fork", help="cchc serve --kernels, one server each in turn: fork, popen or both")
    parser.add_argument("--db", help="a store URL (e.g. PostgreSQL); default: a fresh SQLite file under exports/bench/load")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    WORK.mkdir(parents=True, exist_ok=True)
    url = args.db or f"sqlite:///{WORK / 'load.sqlite'}"
    if not args.db:
        for name in ("load.sqlite", "load.sqlite-wal", "load.sqlite-shm"):  # a stale WAL beside a new file is an I/O error
            (WORK / name).unlink(missing_ok=True)
    units = prepare(url, max(sizes))
    for way in args.kernels.split(","):
        serve_and_load(args, way, url, units, sizes)


def serve_and_load(args: argparse.Namespace, way: str, url: str, units: list[str], sizes: list[int]) -> None:
    """One `cchc serve` with `--kernels way`, loaded with each size in turn."""
    from cchc_widgets.cli.main import build_parser, default_pool

    defaults = build_parser().parse_args(["serve", "--kernels", way])
    pool = default_pool(way) if args.pool is None else args.pool
    refill = defaults.refill_delay if args.refill_delay is None else args.refill_delay
    port = chromium.free_port()
    log = (WORK / f"voila-{way}.log").open("w")
    env = {**os.environ, "CCHC_DATA_DIR": str(WORK)}
    command = [sys.executable, "-m", "cchc_widgets.cli", "--db", url, "serve", "--port", str(port), "--auth", "accounts"]
    command += ["--kernels", way]
    command += [*(["--pool", str(args.pool)] if args.pool is not None else [])]
    command += [*(["--refill-delay", str(args.refill_delay)] if args.refill_delay is not None else [])]
    print(f"machine before ({way}): {others()}", flush=True)
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60 + 15 * pool
        while time.monotonic() < deadline and kernels(server.pid) < 1 + pool:  # the preheated pools are ready
            time.sleep(0.5)
        time.sleep(10)  # the last kernels finish running the notebook
        idle = family(server.pid)
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(
            f"load ({backend}, kernels {way}, protocol clients, {args.seconds:g} s of edits, one each {args.pace:g} s "
            f"({args.arrivals}), pool {pool}, refill delay {refill:g} s; idle server RSS {rss(idle) / 1e6:.0f} MB, "
            f"PSS {pss(idle) / 1e6:.0f} MB)"
        )
        lockstep = args.arrivals == "lockstep"
        rows = [
            asyncio.run(one_size(base, server.pid, units[:n], args.seconds, args.settle, url, args.pace, lockstep)) for n in sizes
        ]
        table = pd.DataFrame(rows)
        print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
        floor = 1 + pool
        print(f"targets at N = 20: errors 0, lost 0, open median ≤ 5 s, save p95 ≤ 250 ms, kernels left {floor} (the pools)")
        print("targets at N = 30 (issue 25): open median ≤ 2 s, max ≤ 4 s; PSS/page ≤ 40 MB; idle PSS ≤ 300 MB")
        print(f"machine after ({way}): {others()}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


if __name__ == "__main__":
    main()
