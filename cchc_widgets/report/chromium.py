"""Headless Chromium as this project uses it: Debian's `chromium`, started with the flags that
keep it quiet on a machine with no network (no background fetches, no sandbox as root).
Shared by the PDF report, the browser tests and the browser benchmarks."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from cchc_widgets.core.errors import Problem, ProblemsError

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


def require(out: Path) -> str:
    """Chromium's path, or a refusal saying how to get a PDF without it."""
    browser = executable()
    if browser is None:
        raise ProblemsError([Problem(str(out), "xuất PDF cần Chromium (apt-get install chromium); hãy xuất .html rồi in ra PDF")])
    return browser


def print_pdf(page: Path, out: Path, scratch: Path) -> None:
    """Print an HTML file to PDF as Chromium's print dialog would (its own page headers and
    footers off: a page's CSS says what each page shows). `scratch`: a folder for the profile."""
    browser = require(out)
    pdf_args = [f"--user-data-dir={scratch}/chrome", "--no-pdf-header-footer", f"--print-to-pdf={out}"]
    subprocess.run([browser, *ARGS, *pdf_args, page.as_uri()], check=True, capture_output=True, timeout=120)


def free_port() -> int:
    """A loopback port nobody listens on right now (for a test or benchmark server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
