"""The processes a bench watches, read from /proc: a server and everything under it, and what
each has used (CPU, resident and proportional memory). Shared by the benches that run servers."""

from __future__ import annotations

import os
import re
from pathlib import Path


def family(pid: int) -> list[int]:
    """A process and all its descendants, read from /proc in one pass (no pgrep per process:
    this runs every half second beside the load it measures)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found


def rss(pids: list[int]) -> int:
    """Resident bytes of these processes (those that exited meanwhile count nothing)."""
    total = 0
    for p in pids:
        try:
            total += int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{p}/status").read_text()).group(1)) * 1024
        except (OSError, AttributeError):
            continue
    return total


def cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) so far of each of these processes."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[p] = (int(fields[11]) + int(fields[12])) / tick
    return found


def pss(pids: list[int]) -> int:
    """Proportional set size in bytes of these processes (/proc/PID/smaps_rollup)."""
    total = 0
    for p in pids:
        try:
            total += int(re.search(r"^Pss:\s+(\d+)", Path(f"/proc/{p}/smaps_rollup").read_text(), re.M).group(1)) * 1024
        except (OSError, AttributeError):
            continue
    return total
