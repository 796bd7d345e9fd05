"""`cchc progress`: where every unit of a period stands (`services.progress`), the same table
as the administrator's page — on the terminal, or as .csv/.xlsx for the office."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cchc_widgets.cli.shared import cut_name, fitted
from cchc_widgets.cli.table import MACHINE_HEADINGS, Command, Request, option
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.vocabulary import block_heading


def cmd_progress(req: Request) -> int:
    from cchc_widgets.files.sheets import csv_text, sheet_bytes
    from cchc_widgets.services import progress

    args, store, period = req.args, req.store, req.period
    whole = progress.progress(store, period)
    table = progress.chosen(whole, period, args.group or "", args.block or "")
    shown = progress.readable_table(table, whole)
    if args.out is None:
        s = progress.summary(table)
        whose = f", {block_heading(args.block, store.criteria_for(period, block=args.block))}" if args.block else ""
        print(
            f"Kỳ {period}{whose}: đã nộp {s['submitted']}/{s['units']} · thẩm định xong {s['appraised']}/{s['units']} · "
            f"{s['unreasoned']} dòng khác nhau chưa có lý do"
        )
        from cchc_widgets.services.progress import COLUMNS

        spare = tuple(([COLUMNS[key]], f"cột {COLUMNS[key]}") for key in ("submitted_by", "deadline"))
        text, note = fitted(_terminal(shown), None, spare)
        print(text, *([note] if note else []), TERMINAL_KEY, sep="\n")
        return 0
    path = Path(args.out)
    if path.suffix.lower() not in (".csv", ".xlsx") or not path.parent.exists():
        raise ProblemsError([Problem(args.out, "--out phải là tệp .csv hoặc .xlsx trong một thư mục có sẵn")])
    if args.machine_headings:  # the same table under its column ids (the page's headings read back)
        shown = shown.rename(columns={heading: key for key, heading in progress.COLUMNS.items()})
    if path.suffix.lower() == ".csv":
        text = csv_text(shown)  # with a byte-order mark for Excel; a program's file without
        path.write_text(text.removeprefix("\ufeff") if args.machine_headings else text, encoding="utf-8")
    else:
        path.write_bytes(sheet_bytes(shown, "Tiến độ"))
    print(f"đã ghi {path}")
    return 0


# the terminal's shorter headings (the files keep the page's), explained under the table
SHORT = {"lacking": "Thiếu TLKC", "unreasoned": "Chưa lý do", "scored": "Tự chấm"}
TERMINAL_KEY = (
    "Thiếu TLKC: mục có điểm nhưng thiếu tài liệu kiểm chứng; Chưa lý do: dòng thẩm định khác tự đánh giá chưa có lý do"
)


def _terminal(frame: Any) -> Any:
    """Dates as people write them, a dash where nothing happened yet, toward 120 columns (what
    `fitted` then leaves out keeps it there): shorter headings, long names cut, the group left
    out when it says nothing the block does not (one group, or one per block)."""
    from cchc_widgets.services.progress import COLUMNS

    frame = frame.rename(columns={COLUMNS[key]: short for key, short in SHORT.items()})
    group, block = COLUMNS["group"], COLUMNS["block"]
    by_block = frame.groupby(block)[group].nunique().max() if block in frame.columns else frame[group].nunique()
    if by_block <= 1:
        frame = frame.drop(columns=group)
    for column in (COLUMNS["name"], COLUMNS["submitted_by"]):
        frame[column] = frame[column].map(cut_name)

    def cell(value: Any) -> Any:
        if value is None or value == "":
            return "—"
        if hasattr(value, "hour"):
            return f"{value:%H:%M %d/%m/%Y}"
        if hasattr(value, "day"):
            return f"{value:%d/%m/%Y}"
        return value

    return frame.map(cell)


COMMANDS = (
    Command(
        "progress",
        "tiến độ các đơn vị của một kỳ: đã chấm, thiếu tài liệu, đã nộp, đã thẩm định",
        cmd_progress,
        (
            option("--period", metavar="P", help="mặc định: kỳ mới nhất"),
            option("--group", metavar="NHÓM", help="chỉ các đơn vị của nhóm xếp hạng này"),
            option("--block", metavar="KHỐI", help="chỉ các đơn vị của khối này (so, huyen …), khi kỳ có nhiều khối"),
            option("--out", metavar="PATH", help="tệp .csv hoặc .xlsx; không có: in bảng ra màn hình"),
            MACHINE_HEADINGS,
        ),
    ),
)
