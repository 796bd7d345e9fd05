"""The process that opens xlsx files for cchc (started by `core.sandbox`, never imported).

An xlsx is a zip of XML that openpyxl parses into Python objects: 55 MB of styles took 1.7 GB
and 48 s, and the memory stayed with the process that parsed it. So no cchc process parses one
itself: this program runs apart (`python -P xlsx_reader.py`), imports only the standard library
and openpyxl (through defusedxml, which refuses entity declarations), and answers requests
that arrive pickled on standard input. Each request is read in a fork of this process that
has its own memory and CPU limit and is killed at its deadline, so a file that needs too
much stops alone (its processor time is watched), and the next file starts again from this clean, small state.

A request: {"path", "mode": "table" | "template", "sheets", "memory" (bytes), "seconds",
"max_rows", "max_columns", "max_cells"}. An answer: (outcome, detail) where outcome is "ok"
(detail: what was read), or what stopped it: "memory", "time", "rows", "columns", "cells",
"forbidden" (an entity declaration), "missing-sheet" or "broken" (detail: the error's type).
"""

from __future__ import annotations

import os
import pickle
import re
import resource
import select
import signal
import struct
import sys
import time
from typing import Any

HEADER = struct.Struct("!Q")  # the length of each pickled message
WALL_FACTOR = 4  # on a machine busy with other work, a fork is also stopped after 4 × its processor time


class Stop(Exception):
    """A limit of the request was reached while reading: (outcome, detail)."""


def receive(stream: Any) -> Any:
    """The next pickled message on `stream`, or None when the other side has closed it."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    return pickle.loads(stream.read(HEADER.unpack(head)[0]))


def frame(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


def _cpu_seconds(pid: int) -> float:
    """Processor time a process has used: its deadline counts the work a file costs, not the
    time other programs on the machine take from it."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _limit(memory: int, seconds: float) -> None:
    """This fork may grow by `memory` bytes of address space; the CPU limit is a backstop."""
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (size + memory, size + memory))
    cpu = int(seconds) + 2  # a backstop: the reader stops it at `seconds` (see serve)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _percent_styles(book: Any) -> set[int]:
    """The workbook's cell styles whose number format shows a percentage (`0.00%`: Excel shows
    0,97685 as 97,69%); a `%` in quotes or after a backslash is a literal sign, not a scale."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    def shown(number_format: int) -> str:
        if number_format < BUILTIN_FORMATS_MAX_SIZE:
            return BUILTIN_FORMATS.get(number_format, "")
        return book._number_formats[number_format - BUILTIN_FORMATS_MAX_SIZE]

    return {i for i, style in enumerate(book._cell_styles) if "%" in _LITERALS.sub("", shown(style.numFmtId))}


_LITERALS = re.compile(r'"[^"]*"|\\.')


def _table(request: dict[str, Any]) -> dict[str, Any]:
    """A sheet's rows of values (trailing blanks dropped), read as a stream, and the (row, column)
    positions of its numbers shown as percentages (`percent`; the cells themselves are read only
    in a workbook that has such a style: values alone are read faster)."""
    from openpyxl import load_workbook

    book = load_workbook(request["path"], read_only=True, data_only=False)
    wanted = request["sheets"][0] if request["sheets"] else None
    if wanted is not None and wanted not in book.sheetnames:
        raise Stop("missing-sheet", book.sheetnames)
    ws = book[wanted] if wanted is not None else book.worksheets[0]
    ws.reset_dimensions()  # a sheet's <dimension> tag may be stale (writers forget it): read every row there is
    rows: list[tuple[Any, ...]] = []
    percent_styles = _percent_styles(book)
    percent: list[tuple[int, int]] = []
    cells = 0
    for read in ws.iter_rows(values_only=not percent_styles, max_col=request["max_columns"]):
        row = read
        if percent_styles:
            row = tuple(cell.value for cell in read)
            percent += [
                (len(rows), i)
                for i, cell in enumerate(read)
                if getattr(cell, "_style_id", 0) in percent_styles and type(cell.value) in (int, float)
            ]
        end = len(row)
        while end and row[end - 1] is None:
            end -= 1
        rows.append(row[:end])
        cells += end
        if len(rows) > request["max_rows"]:
            raise Stop("rows", request["max_rows"])
        if cells > request["max_cells"]:
            raise Stop("cells", request["max_cells"])
    return {"sheets": book.sheetnames, "title": ws.title, "rows": rows, "percent": percent}


def _template(request: dict[str, Any]) -> dict[str, Any]:
    """The named sheets whole (a template is a few hundred cells): each non-empty cell of the
    first `max_columns` columns as (value, is it a formula), and the merged ranges."""
    from openpyxl import load_workbook

    book = load_workbook(request["path"], read_only=False, data_only=False)
    sheets = {}
    cells = 0
    for name in request["sheets"]:
        if name not in book.sheetnames:
            continue
        ws = book[name]
        if ws.max_row > request["max_rows"]:
            raise Stop("rows", request["max_rows"])
        found = {}
        for row in ws.iter_rows(max_col=request["max_columns"]):
            for cell in row:
                if cell.value is not None:
                    found[cell.coordinate] = (cell.value, cell.data_type == "f")
            cells += len(row)
            if cells > request["max_cells"]:
                raise Stop("cells", request["max_cells"])
        sheets[name] = {"cells": found, "merged": [(str(r.coord), r.min_row) for r in ws.merged_cells.ranges]}
    return {"sheets": book.sheetnames, "read": sheets}


READERS = {"table": _table, "template": _template}


def _read(request: dict[str, Any]) -> tuple[str, Any]:
    """What the fork answers: never raises."""
    from defusedxml import DefusedXmlException

    try:
        _limit(request["memory"], request["seconds"])
        return "ok", READERS[request["mode"]](request)
    except Stop as stop:
        return stop.args[0], stop.args[1]
    except MemoryError:
        return "memory", None
    except DefusedXmlException:
        return "forbidden", None
    except Exception as exc:  # openpyxl raises many kinds for damaged files; the caller words them
        return "broken", type(exc).__name__


def serve(request: dict[str, Any], out: Any) -> None:
    """Read one request in a fork, forward its answer; kill it once it has used `seconds` of
    processor time (or four times that on the clock)."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the fork: read, answer, leave without running any cleanup of the parent's
        os.close(reading)
        answer = _read(request)
        try:
            data = frame(answer)
        except MemoryError:
            data = frame(("memory", None))
        with os.fdopen(writing, "wb") as pipe:
            pipe.write(data)
        os._exit(0)
    os.close(writing)
    chunks, started = [], time.monotonic()
    while True:
        if select.select([reading], [], [], 0.05)[0]:
            chunk = os.read(reading, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        elif _cpu_seconds(pid) > request["seconds"] or time.monotonic() - started > WALL_FACTOR * request["seconds"]:
            os.kill(pid, signal.SIGKILL)
            break
    os.close(reading)
    _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if os.WIFSIGNALED(status) or not data:
        killed = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        # SIGKILL from us or SIGXCPU from the CPU limit: time; a fork that died otherwise ran out of memory
        outcome = "time" if killed in (signal.SIGKILL, signal.SIGXCPU) else "memory" if killed else "broken"
        out.write(frame((outcome, None)))
    else:
        out.write(data)
    out.flush()


def main() -> None:
    sys.modules["numpy"] = None  # openpyxl imports numpy only to write numpy numbers: 0,3 s and 20 MB a reader need not pay
    import openpyxl.reader.excel  # noqa: F401 - imported once, before any fork

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    while (request := receive(inp)) is not None:
        serve(request, out)


if __name__ == "__main__":
    main()
