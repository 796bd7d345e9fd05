"""What one page's kernel costs, forked from the warm parent (`app.forking`) and started as a
new interpreter (Jupyter's `LocalProvisioner`, the old way), in the same run.

For each way: N kernels started one after the other through `jupyter_client` exactly as
Voilà starts them (the kernelspec manager `cchc serve` gives Voilà, or the plain one); for
each, the time and the CPU (this process + the warm parent + the kernel, read from /proc) from
the request until the kernel answers `kernel_info`, and the kernel's CPU for the page's notebook
(where a new interpreter still imports what the page uses). Then each kernel runs one page's notebook
code — scoring, what-if, admin in turn, on the demo store, `CCHC_AUTH=none`, as a visitor's
request — and its memory is read from /proc/PID/smaps_rollup: RSS and PSS (proportional set
size: pages shared by k processes count 1/k each, so the sum over processes is the machine's
real use). The warm parent's own PSS is reported apart.

Targets (issue 25): kernel ready ≤ 150 ms of CPU; ≤ 40 MB PSS per open scoring page.

    python bench/kernel_bench.py [--kernels 6] [--ways fork,popen]

Writes only under exports/bench/kernels/.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager

from cchc_widgets.app.forking import ForkingKernelSpecs, WarmParent
from cchc_widgets.resources import REPO_DIR
from cchc_widgets.services.demo import load_demo
from cchc_widgets.store.database import Store

WORK = REPO_DIR / "exports" / "bench" / "kernels"
PAGES = {  # what each app notebook runs, with the query a visitor brings
    "scoring": ("from cchc_widgets.app.voila import scoring_page\nscoring_page()", "unit=so-tu-phap&period=2017&stage=self"),
    "what-if": ("from cchc_widgets.app.voila import whatif_page\nwhatif_page()", "period=2017"),
    "admin": ("from cchc_widgets.app.voila import admin_page\nadmin_page()", "period=2017"),
}


def memory(pid: int) -> dict[str, float]:
    """RSS and PSS in MB, from /proc/PID/smaps_rollup."""
    found = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, *value = line.split()
        if key in ("Rss:", "Pss:"):
            found[key[:-1]] = int(value[0]) / 1024
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def others() -> str:
    """What else used the machine (shared by several people): load average and the busiest processes."""
    top = subprocess.run(["ps", "-eo", "pcpu,rss,comm", "--sort=-pcpu"], capture_output=True, text=True).stdout.splitlines()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"load average {load}; busiest processes (%CPU, RSS kB, name):\n  " + "\n  ".join(top[1:8])


async def one_way(way: str, count: int, env: dict[str, str]) -> list[dict]:
    specs = ForkingKernelSpecs() if way == "fork" else KernelSpecManager()
    rows = []
    managers = []
    for k in range(count):
        page = list(PAGES)[k % len(PAGES)]
        code, query = PAGES[page]
        km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)
        parent = WarmParent._instance.pid if way == "fork" and WarmParent._instance else None
        parent_before = cpu_seconds(parent) if parent else 0.0
        began, mine = time.perf_counter(), time.process_time()
        await km.start_kernel(env={**env, "QUERY_STRING": query}, cwd=str(WORK))
        client = km.client()
        client.start_channels()
        await client.wait_for_ready(timeout=120)
        wall, server_cpu = time.perf_counter() - began, time.process_time() - mine
        pid = km.provisioner.pid
        parent = WarmParent._instance.pid if way == "fork" else None
        # the first fork also waited for the parent's imports: its CPU is the parent's start, counted apart
        parent_cpu = cpu_seconds(parent) - parent_before if parent and k else 0.0
        kernel_cpu = cpu_seconds(pid)
        before_page = cpu_seconds(pid)
        reply = await client.execute_interactive(code, timeout=120, output_hook=lambda _msg: None)
        assert reply["content"]["status"] == "ok", reply["content"]
        page_cpu = cpu_seconds(pid) - before_page
        managers.append((km, client, pid, page))
        rows.append(
            {
                "way": way,
                "page": page,
                "ready s": wall,
                "ready CPU ms": 1000 * (server_cpu + parent_cpu + kernel_cpu),
                "page CPU ms": 1000 * page_cpu,  # the notebook's run in the kernel (a new interpreter imports here)
            }
        )
    await asyncio.sleep(2)
    for row, (_km, _client, pid, _page) in zip(rows, managers, strict=True):
        row.update({f"{key} MB": value for key, value in memory(pid).items()})
    if way == "fork" and WarmParent._instance and WarmParent._instance.pid:
        parent = memory(WarmParent._instance.pid)
        print(f"warm parent: RSS {parent['Rss']:.0f} MB, PSS {parent['Pss']:.0f} MB (shared with its {count} kernels)")
    for km, client, _pid, _page in managers:
        client.stop_channels()
        await km.shutdown_kernel(now=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kernels", type=int, default=6, help="kernels per way (pages in turn: scoring, what-if, admin)")
    parser.add_argument("--ways", default="fork,popen")
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    store = Store(f"sqlite:///{WORK / 'bench.sqlite'}", evidence_dir=WORK / "evidence")
    load_demo(store)
    store.close()
    env = {**os.environ, "CCHC_DB": f"sqlite:///{WORK / 'bench.sqlite'}", "CCHC_AUTH": "none", "CCHC_DATA_DIR": str(WORK)}
    print(f"before: {others()}")
    rows = []
    for way in args.ways.split(","):
        rows += asyncio.run(one_way(way, args.kernels, env))
    print(f"after: {others()}")
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    summary = (
        table[table.index % args.kernels > 0]
        .groupby(["way", "page"])
        .agg(  # the first of each way warmed caches
            {"ready s": "median", "ready CPU ms": "median", "page CPU ms": "median", "Rss MB": "median", "Pss MB": "median"}
        )
    )
    print("\nmedians (each way's first kernel left out: it paid for the warm parent's imports or the disk cache)")
    print(summary.to_string(float_format=lambda x: f"{x:.1f}"))
    print("targets: ready CPU ≤ 150 ms; scoring page PSS ≤ 40 MB")


if __name__ == "__main__":
    main()
