"""Bounded work per file: every xlsx a person sends is opened by a reader process of its own
(`core/xlsx_reader.py`), under a memory and a time limit, and only what it read comes back.

Why a process: openpyxl builds Python objects for every style, string and cell it parses; a
169 KB file whose styles inflate to 55 MB held 1.7 GB for 48 s, and a page's kernel kept
1.5 GB after such an upload (freed Python memory is rarely given back to the system). No
limit on a part's size alone covers every part a workbook has (styles, strings, sheets,
drawings, deep or wide XML); a process with its own limits does, and whatever it took is
given back when it ends.

A reader is started per file (about 0.3 s), or once for a batch (`batch()`, what `cchc
import` of many files uses): it then forks a fresh copy of itself for each file. Refusals name
the limit that was hit and the file, in Vietnamese.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import megabytes

READ_MEMORY_BYTES = 100_000_000  # what reading one file may add to the reader (≈ 30 MB at rest)
READ_SECONDS = 2.5  # processor time to read one file (openpyxl reads about 50.000 cells a second here)
START_SECONDS = 10.0  # a reader that does not answer within this plus 4 × READ_SECONDS is stopped
READER = Path(__file__).with_name("xlsx_reader.py")



class Reader:
    """One reader process; `ask` sends a request and waits for its answer (or its deadline)."""

    def __init__(self) -> None:
        from cchc_widgets.core.xlsx_reader import frame  # the reader's own framing: one definition

        self._frame = frame
        # -P: the reader's folder is not put on sys.path (core/ has modules named like the standard library's)
        self.proc = subprocess.Popen(
            [sys.executable, "-P", str(READER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its forks are in its process group: stopped with it
        )
        self.requests: IO[bytes] = self.proc.stdin  # both pipes: never None here
        self.answers: IO[bytes] = self.proc.stdout

    def ask(self, request: dict[str, Any]) -> tuple[str, Any]:
        from cchc_widgets.core.xlsx_reader import WALL_FACTOR, receive

        try:
            self.requests.write(self._frame(request))
            self.requests.flush()
        except BrokenPipeError:
            return "broken", "BrokenPipeError"
        if not select.select([self.answers], [], [], START_SECONDS + WALL_FACTOR * request["seconds"])[0]:
            self.close()
            return "time", None
        answer = receive(self.answers)
        if answer is None:  # the reader itself died (it never reads a file: it should not)
            self.close()
            return "broken", "EOFError"
        return answer

    def close(self) -> None:
        """Stop the reader and any fork of it still reading (its process group, by its id)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.requests.close()
        self.answers.close()


_batch: Reader | None = None


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """One reader for every file read inside (`cchc import a.xlsx b.xlsx …`); stopped after."""
    global _batch
    if _batch is not None:
        yield
        return
    _batch = Reader()
    try:
        yield
    finally:
        _batch.close()
        _batch = None


def read_xlsx(path: Path, mode: str, sheets: list[str], max_rows: int, max_columns: int, max_cells: int) -> Any:
    """What the reader read (`xlsx_reader`'s modes), or ProblemsError naming the limit hit."""
    request = {
        "path": str(path),
        "mode": mode,
        "sheets": sheets,
        "memory": READ_MEMORY_BYTES,
        "seconds": READ_SECONDS,
        "max_rows": max_rows,
        "max_columns": max_columns,
        "max_cells": max_cells,
    }
    global _batch
    if _batch is not None and _batch.proc.poll() is not None:  # stopped at a deadline: a new one for the rest
        _batch = Reader()
    reader = _batch or Reader()
    try:
        outcome, detail = reader.ask(request)
    finally:
        if reader is not _batch:
            reader.close()
    if outcome == "ok":
        return detail
    raise ProblemsError([Problem(path.name, _refusal(outcome, detail, sheets))])


def _refusal(outcome: str, detail: Any, sheets: list[str]) -> str:
    if outcome == "memory":
        return (
            f"đọc tệp cần hơn {megabytes(READ_MEMORY_BYTES)} MB bộ nhớ (giới hạn khi đọc một tệp): không đọc — "
            "tệp quá phức tạp hoặc được tạo để gây hại"
        )
    if outcome == "time":
        seconds = f"{READ_SECONDS:g}".replace(".", ",")
        return (
            f"đọc tệp cần hơn {seconds} giây xử lý (giới hạn khi đọc một tệp): không đọc — tệp quá lớn hoặc quá phức tạp "
            "(hãy chia nhỏ tệp, hoặc lưu dưới dạng .csv), hoặc được tạo để gây hại"
        )
    if outcome == "rows":
        return f"bảng có hơn {detail:,} dòng (giới hạn của một bảng): không đọc".replace(",", ".")
    if outcome == "cells":
        return f"bảng có hơn {detail:,} ô (giới hạn của một bảng): không đọc".replace(",", ".")
    if outcome == "forbidden":
        return "tệp chứa cấu trúc XML bị cấm (khai báo thực thể): không đọc"
    if outcome == "missing-sheet":
        return f"không có sheet '{sheets[0]}' (có: {', '.join(detail)})"
    return f"không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng ({detail})"
