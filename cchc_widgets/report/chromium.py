"""Headless Chromium as this project uses it: Debian's `chromium`, started with the flags that
keep it quiet on a machine with no network (no background fetches, no sandbox as root).
Shared by the PDF report, the browser tests and the browser benchmarks."""

from __future__ import annotations

import shutil
import socket

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    """A loopback port nobody listens on right now (for a test or benchmark server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
