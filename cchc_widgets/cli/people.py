"""`cchc users|stage|submit|reopen|finalise|log`: the administrator's commands on the server.

Accounts and their units, the stages of a period and their closing dates, a unit's
submission, freezing a period, and the change log (who changed what, when, and why). A
command the workflow refuses exits 1 with a Vietnamese message and writes nothing.
The store and `services.access` load when a command runs: `cchc score` needs no database.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date
from typing import TYPE_CHECKING

from cchc_widgets.cli.shared import LATEST_HELP, OUT_HELP, UNIT_HELP, out_path, show_or_write
from cchc_widgets.cli.table import Command, Request, option
from cchc_widgets.core import clock
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.vocabulary import ROLES, block_label

if TYPE_CHECKING:
    from cchc_widgets.services.permissions import Actor


def _console(args: argparse.Namespace) -> Actor:
    """The person at the console, as the administrator verbs take them: by the name given (--author)."""
    from cchc_widgets.services.access import CONSOLE
    from cchc_widgets.services.permissions import console

    return console(getattr(args, "author", None) or CONSOLE)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày '{text}' không hợp lệ: viết YYYY-MM-DD, ví dụ 2026-12-31") from None


def _password(args: argparse.Namespace) -> str | None:
    """The password from standard input (never an argument: it would stay in the shell history)."""
    if args.no_password:
        return None
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != first:
            raise ProblemsError([Problem("mật khẩu", "hai lần nhập không khớp")])
        return first
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise ProblemsError([Problem("mật khẩu", "không đọc được mật khẩu từ đầu vào chuẩn (hoặc dùng --no-password)")])
    return line


def cmd_users(req: Request) -> int:
    from cchc_widgets.services import access

    args, store = req.args, req.store
    if args.action == "list":
        table = store.accounts()
        if table.empty:
            print("chưa có tài khoản nào (thêm: cchc users add LOGIN --role admin)")
            return 0
        table["role"] = table["role"].map(lambda r: ROLES.get(r, r))
        print(
            table.rename(columns={"login": "tài khoản", "name": "họ tên", "role": "vai trò", "units": "đơn vị"}).to_string(
                index=False
            )
        )
        return 0
    if not args.login:
        raise ProblemsError([Problem(f"cchc users {args.action}", "hãy nêu tên đăng nhập")])
    if args.action == "remove":
        access.remove_account(store, args.login, _console(args))
        print(f"đã gỡ tài khoản {args.login}")
        return 0
    if args.action == "unlock":
        access.unlock(store, args.login, _console(args))
        print(f"đã mở khóa đăng nhập của {args.login.lower()}: đăng nhập lại được ngay")
        return 0
    if args.role is None:
        raise ProblemsError([Problem("cchc users add", "hãy nêu vai trò: --role admin|appraiser|unit|reader")])
    units = ([args.unit] if args.unit else []) + [u for u in (args.units or "").split(",") if u.strip()]
    access.add_account(store, args.login, args.name or args.login, args.role, units, _password(args), _console(args))
    print(f"đã lưu tài khoản {args.login.lower()} ({ROLES[args.role]}{': ' + ', '.join(units) if units else ''})")
    return 0


def cmd_stage(req: Request) -> int:
    from cchc_widgets.services import access

    args, store, period = req.args, req.store, req.period
    state = access.OPEN if args.action == "open" else access.CLOSED
    access.set_stage(store, period, args.stage, state, args.until, _console(args), args.block)
    whose = f", khối {block_label(args.block)}" if args.block else ""
    print(f"kỳ {period}{whose}: {access.Workflow.of(store, period).describe(args.stage, args.block or '')}")
    today = clock.today()
    if state == access.OPEN and args.until is not None and args.until < today:  # saved as asked, but said
        print(
            f"cảnh báo: ngày cuối {args.until:%d/%m/%Y} đã qua (hôm nay {today:%d/%m/%Y} theo giờ của tỉnh): "
            "giai đoạn đã hết hạn, không ai ghi được; sửa bằng --until với ngày sau hôm nay",
            file=sys.stderr,
        )
    return 0


def cmd_submit(req: Request) -> int:
    from cchc_widgets.services import access

    args, store, period = req.args, req.store, req.period
    access.submit(store, None, period, args.unit)
    print(f"kỳ {period}: {store.unit_names(period).get(args.unit, args.unit)} đã nộp bản tự đánh giá")
    return 0


def cmd_reopen(req: Request) -> int:
    from cchc_widgets.services import access

    args, store, period = req.args, req.store, req.period
    access.reopen(store, period, args.unit, args.reason, _console(args), field="--reason")
    what = f"bản tự đánh giá của {store.unit_names(period).get(args.unit, args.unit)}" if args.unit else "kỳ đã chốt"
    print(f"kỳ {period}: đã mở lại {what}")
    return 0


def cmd_finalise(req: Request) -> int:
    from cchc_widgets.services import access

    args, store, period = req.args, req.store, req.period
    checksum = access.finalise(store, period, _console(args))
    print(f"kỳ {period}: đã chốt kết quả; mã kiểm tra (SHA-256) của điểm: {checksum}")
    return 0


def cmd_period(req: Request) -> int:
    from cchc_widgets.cli.shared import criteria_sets
    from cchc_widgets.files.unit_tables import read_units
    from cchc_widgets.services.writes import Writer

    args, store = req.args, req.store
    units = read_units(args.units)
    cs, blocks = criteria_sets(args.criteria, units)
    Writer(store).set_up_period(args.period, args.name or f"Năm {args.period}", cs, units, blocks)
    groups = units["group"].replace("", "(một nhóm)").value_counts()
    unranked = int((~units["ranked"]).sum())
    print(
        f"kỳ {args.period}: {len(units)} đơn vị, nhóm xếp hạng: "
        + "; ".join(f"{g} ({n})" for g, n in groups.items())
        + (f"; {unranked} đơn vị không xếp hạng" if unranked else "")
        + "".join(f"; khối {block_label(b)}: bộ '{bs.id}'" for b, bs in blocks.items())
    )
    return 0


def cmd_log(req: Request) -> int:
    from cchc_widgets.services.audit import change_log, log_table, log_xlsx

    args = req.args
    out = out_path(args.out)
    store = req.store
    period = req.period
    log = change_log(store, period, args.unit, args.code)
    frame = log_table(log)
    if out is None and frame.empty:
        print(f"kỳ {period}: nhật ký chưa có thay đổi nào")
        return 0
    if out is not None and out.suffix.lower() == ".xlsx":
        out.write_bytes(log_xlsx(log))
    else:
        show_or_write(frame, out)
    if out is not None:
        print(f"đã ghi nhật ký kỳ {period} ({len(frame)} dòng): {out}")
    return 0


PERIOD = option("--period", metavar="P", help=LATEST_HELP)
AUTHOR = option("--author", help="ghi vào nhật ký (mặc định: máy trạm dòng lệnh)")

COMMANDS = (
    Command(
        "users",
        "tài khoản: add (mật khẩu từ stdin), list, remove, unlock",
        cmd_users,
        (
            option("action", choices=["add", "list", "remove", "unlock"], help="unlock: mở khoá tài khoản bị khoá đăng nhập"),
            option("login", nargs="?", metavar="LOGIN", help="tên đăng nhập"),
            option("--role", choices=list(ROLES), help="vai trò: " + "; ".join(f"{k}: {v}" for k, v in ROLES.items())),
            option("--name", help="họ tên như trang hiển thị (mặc định: tên đăng nhập)"),
            option("--unit", metavar="ID", help="đơn vị của cán bộ đơn vị"),
            option("--units", metavar="ID,…", help="các đơn vị của thẩm định viên"),
            option("--no-password", action="store_true", help="chỉ đăng nhập qua proxy hoặc hub"),
            AUTHOR,
        ),
    ),
    Command(
        "stage",
        "mở hoặc đóng một giai đoạn của kỳ",
        cmd_stage,
        (
            option("action", choices=["open", "close"], help="mở hoặc đóng"),
            PERIOD,
            option(
                "--stage",
                choices=["self", "appraisal", "reply"],
                required=True,
                help="reply: giải trình của đơn vị về kết quả thẩm định",
            ),
            option("--until", type=_day, metavar="YYYY-MM-DD", help="ngày cuối còn mở (tính cả ngày đó, theo giờ của tỉnh)"),
            option(
                "--block",
                metavar="KHỐI",
                help="chỉ cho các đơn vị của một khối (so, huyen …); không có: cho mọi khối (bỏ những gì đã đặt riêng cho khối)",
            ),
            AUTHOR,
        ),
    ),
    Command(
        "submit",
        "nộp bản tự đánh giá thay cho đơn vị",
        cmd_submit,
        (PERIOD, option("--unit", required=True, metavar="U", help=UNIT_HELP)),
    ),
    Command(
        "period",
        "mở kỳ mới: bộ tiêu chí và các đơn vị (kèm nhóm xếp hạng)",
        cmd_period,
        (
            option("action", choices=["add"], help="thêm kỳ"),
            option("period", metavar="P", help="mã kỳ, ví dụ 2025"),
            option("--name", help="tên hiển thị trên trang (mặc định: Năm P)"),
            option(
                "--criteria",
                required=True,
                action="append",
                metavar="[KHỐI=]PATH",
                help="bộ tiêu chí (YAML, JSON, CSV, xlsx); mỗi khối một bộ: --criteria so=PATH --criteria huyen=PATH",
            ),
            option("--units", required=True, metavar="PATH", help="id, name[, kind, block/khối, group, ranked] (CSV hoặc xlsx)"),
        ),
    ),
    Command(
        "reopen",
        "mở lại bản đã nộp của một đơn vị (--unit) hoặc kỳ đã chốt",
        cmd_reopen,
        (
            PERIOD,
            option("--unit", metavar="U", help=UNIT_HELP),
            option("--reason", required=True, help="ghi vào nhật ký"),
            AUTHOR,
        ),
    ),
    Command("finalise", "chốt kết quả của kỳ (mọi thay đổi sau đó bị từ chối)", cmd_finalise, (PERIOD, AUTHOR)),
)

LOG = Command(  # after `cchc progress` in the list of commands, as it has always been
    "log",
    "nhật ký thay đổi của một kỳ: ai đổi gì, lúc nào, vì sao",
    cmd_log,
    (
        PERIOD,
        option("--unit", metavar="U", help=UNIT_HELP),
        option("--code", metavar="C", help="mã tiêu chí, ví dụ 1.1.1"),
        option("--out", metavar="PATH", help=OUT_HELP),
    ),
)
