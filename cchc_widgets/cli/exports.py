"""`cchc export|sheet|template|import|survey|report`: files going out (results workbook,
printable sheet, templates, annual report) and filled templates and survey answers coming in."""

from __future__ import annotations

import sys
from pathlib import Path

from cchc_widgets.cli.scoring import TOLERANCE_OPTION
from cchc_widgets.cli.shared import EXIT_MISMATCH, LATEST_HELP, UNIT_HELP, out_path, print_refused, said_check
from cchc_widgets.cli.table import Command, Request, option
from cchc_widgets.core.errors import CchcError, Problem, ProblemsError
from cchc_widgets.core.table_checks import PublishedDiffers


def cmd_export(req: Request) -> int:
    from cchc_widgets.report.results_workbook import results_workbook

    out = out_path(req.args.out, (".xlsx",))
    store = req.store
    period = req.period
    out.write_bytes(results_workbook(store, period))
    print(f"đã ghi sổ kết quả kỳ {period}: {out}")
    return 0


def cmd_template(req: Request) -> int:
    from cchc_widgets.services.imports import template

    args = req.args
    out = out_path(args.out, (".xlsx",))
    store = req.store
    period = req.period
    out.write_bytes(template(store, period, args.unit, args.stage))
    print(f"đã ghi mẫu phiếu của {store.unit_names(period).get(args.unit, args.unit)}, kỳ {period}: {out}")
    return 0


def cmd_sheet(req: Request) -> int:
    from cchc_widgets.app.scoring_session import ScoringSession
    from cchc_widgets.app.scoring_sheet import write_sheet
    from cchc_widgets.core.vocabulary import STAGE_LABELS

    args = req.args
    out = out_path(args.out, (".pdf", ".html"))
    store = req.store
    period = req.period
    session = ScoringSession(store, period, args.unit, args.stage)
    write_sheet(session, out)
    print(f"đã ghi phiếu {STAGE_LABELS[args.stage].lower()} của {session.unit_name}, kỳ {period}: {out}")
    return 0


def cmd_import(req: Request) -> int:
    from cchc_widgets.services.imports import import_many

    args = req.args
    if args.tolerance < 0:
        raise ProblemsError([Problem("--tolerance", "sai số cho phép không được âm")])
    store = req.store
    period = req.period if args.period else None
    refused, differed = 0, 0
    for path, result, problem in import_many(store, args.files, period, args.stage, args.author, args.dry_run, args.tolerance):
        if isinstance(problem, PublishedDiffers):  # told as `cchc score` tells it, the table of differences
            differed += 1
            print(f"{path}: TỪ CHỐI — không lưu gì: giá trị công bố khác kết quả tính từ điểm", file=sys.stderr)
            said_check(problem.check)
        elif problem is not None:
            refused += 1
            print_refused(path, problem)
        else:
            for check in result.checks:
                said_check(check)
            verb = "hợp lệ (chạy thử, chưa lưu)" if args.dry_run else "đã lưu"
            print(f"{path}: {verb} — {result.unit}, kỳ {result.period}, {result.rows} tiêu chí thay đổi")
    return 1 if refused else EXIT_MISMATCH if differed else 0


def cmd_survey(req: Request) -> int:
    from cchc_widgets.services.imports import import_responses
    from cchc_widgets.services.results import survey_points

    args = req.args
    store = req.store
    period = req.period
    if args.action == "template":
        from cchc_widgets.core.vocabulary import block_label
        from cchc_widgets.services.imports import survey_templates

        out = out_path(args.out, (".xlsx",))
        if out is None:
            raise ProblemsError([Problem("--out", "hãy nêu tệp ghi mẫu phiếu: --out PATH.xlsx")])
        sheets = survey_templates(store, period, args.block)
        for block, data in sheets:  # several blocks with a survey: a file each, PATH-so.xlsx, PATH-huyen.xlsx
            path = out.with_name(f"{out.stem}-{block}{out.suffix}") if block and len(sheets) > 1 else out
            path.write_bytes(data)
            print(f"đã ghi mẫu phiếu khảo sát kỳ {period}{f', khối {block_label(block)}' if block else ''}: {path}")
        return 0
    if args.action == "points":
        points = survey_points(store, period, args.unit)
        if points.empty:
            print(f"kỳ {period}: chưa có phiếu khảo sát nào")
            return 0
        table = points.drop(columns="period").rename(
            columns={"unit": "đơn vị", "code": "câu", "respondents": "số phiếu", "share": "tỷ lệ (%)", "points": "điểm"}
        )
        print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        return 0
    if not args.files:
        raise ProblemsError([Problem("cchc survey import", "hãy nêu ít nhất một tệp phiếu khảo sát (.csv hoặc .xlsx)")])
    refused = 0
    for path in args.files:
        try:
            author = args.author or f"nhập từ tệp {Path(path).name}"
            responses, report = import_responses(store, path, period, author, dry_run=args.dry_run)
        except CchcError as exc:
            refused += 1
            print_refused(path, exc if isinstance(exc, ProblemsError) else ProblemsError([Problem(Path(path).name, str(exc))]))
            continue
        counts = f"{responses['unit'].nunique()} đơn vị, {responses[['unit', 'respondent']].drop_duplicates().shape[0]} phiếu"
        if report is None:
            print(f"{path}: hợp lệ (chạy thử, chưa lưu) — {len(responses)} câu trả lời, {counts}")
        else:
            print(f"{path}: đã lưu — {report.inserted} mới, {report.updated} sửa, {report.unchanged} không đổi; {counts}")
    return 1 if refused else 0


def cmd_report(req: Request) -> int:
    from cchc_widgets.report.annual import render

    out = out_path(req.args.out, (".html", ".pdf"))
    store = req.store
    period = req.period
    render(period, store.url, out)
    print(f"đã ghi báo cáo kỳ {period}: {out}")
    return 0


ONE_UNIT = (  # a unit's page of a period: its sheet, its template
    option("--period", metavar="P", help=LATEST_HELP),
    option("--unit", required=True, metavar="U", help=UNIT_HELP),
    option("--stage", choices=["self", "appraisal"], default="self", help="self: tự đánh giá (mặc định); appraisal: thẩm định"),
)
CHECK_ONLY = "chỉ kiểm tra, không lưu gì"

COMMANDS = (
    Command(
        "export",
        "sổ kết quả của một kỳ (.xlsx)",
        cmd_export,
        (
            option("--period", metavar="P", help=LATEST_HELP),
            option("--out", required=True, metavar="PATH.xlsx", help="tệp .xlsx sẽ ghi"),
        ),
    ),
    Command(
        "sheet",
        "phiếu chấm để in của một đơn vị, .pdf hoặc .html",
        cmd_sheet,
        (*ONE_UNIT, option("--out", required=True, metavar="PATH.pdf|PATH.html", help="tệp .pdf hoặc .html sẽ ghi")),
    ),
    Command(
        "template",
        "mẫu phiếu chấm (.xlsx) của một đơn vị cho một kỳ và giai đoạn",
        cmd_template,
        (*ONE_UNIT, option("--out", required=True, metavar="PATH.xlsx", help="tệp .xlsx sẽ ghi")),
    ),
    Command(
        "import",
        "lưu các mẫu phiếu đã điền hoặc bảng điểm; tệp có lỗi, hoặc bảng có tổng, hạng, xếp loại in sẵn khác kết quả tính, "
        "thì không lưu gì",
        cmd_import,
        (
            option("files", nargs="+", metavar="FILE", help="mẫu phiếu đã điền hoặc bảng điểm (.xlsx, .csv)"),
            option("--stage", choices=["self", "appraisal"], help="mặc định: giai đoạn ghi trong mẫu phiếu"),
            option("--author", help="ghi vào nhật ký (mặc định: tên tệp)"),
            option("--dry-run", action="store_true", help=CHECK_ONLY),
            option("--period", metavar="P", help="với bảng thường (mẫu phiếu tự biết kỳ)"),
            TOLERANCE_OPTION,
        ),
    ),
    Command(
        "survey",
        "phiếu khảo sát: nhập tệp (câu trả lời A–D) hoặc xem điểm",
        cmd_survey,
        (
            option("action", choices=["import", "points", "template"], help="việc cần làm"),
            option("files", nargs="*", metavar="FILE", help="với import: tệp .csv/.xlsx, mỗi dòng một người trả lời × một câu"),
            option("--period", metavar="P", help=LATEST_HELP),
            option("--unit", metavar="U", help="với points: chỉ một đơn vị"),
            option("--author", help="ghi cùng câu trả lời (mặc định: tên tệp)"),
            option("--dry-run", action="store_true", help=CHECK_ONLY),
            option(
                "--out",
                metavar="PATH.xlsx",
                help="với template: nơi ghi phiếu khảo sát trống (kỳ nhiều khối có khảo sát: mỗi khối một tệp PATH-KHỐI.xlsx)",
            ),
            option("--block", metavar="KHỐI", help="với template: chỉ phiếu của khối này (so, huyen …)"),
        ),
    ),
    Command(
        "report",
        "báo cáo năm của một kỳ, dạng HTML (hoặc PDF)",
        cmd_report,
        (
            option("--period", metavar="P", help=LATEST_HELP),
            option("--out", required=True, metavar="PATH.html|PATH.pdf", help="tệp .html hoặc .pdf sẽ ghi"),
        ),
    ),
)
