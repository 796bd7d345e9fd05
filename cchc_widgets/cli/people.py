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
from typing import Any

from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.vocabulary import ROLES


def _console(args: argparse.Namespace) -> str:
    from cchc_widgets.services.access import CONSOLE

    return getattr(args, "author", None) or CONSOLE


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


def cmd_users(args: argparse.Namespace, store: Any) -> int:
    from cchc_widgets.services import access

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


def cmd_stage(args: argparse.Namespace, store: Any, period: str) -> int:
    from cchc_widgets.services import access

    state = access.OPEN if args.action == "open" else access.CLOSED
    access.set_stage(store, period, args.stage, state, args.until, _console(args))
    print(f"kỳ {period}: {access.Workflow.of(store, period).describe(args.stage)}")
    return 0


def cmd_submit(args: argparse.Namespace, store: Any, period: str) -> int:
    from cchc_widgets.services import access

    access.submit(store, None, period, args.unit)
    print(f"kỳ {period}: {store.unit_names(period).get(args.unit, args.unit)} đã nộp bản tự đánh giá")
    return 0


def cmd_reopen(args: argparse.Namespace, store: Any, period: str) -> int:
    from cchc_widgets.services import access

    access.reopen(store, period, args.unit, args.reason, _console(args))
    what = f"bản tự đánh giá của {store.unit_names(period).get(args.unit, args.unit)}" if args.unit else "kỳ đã chốt"
    print(f"kỳ {period}: đã mở lại {what}")
    return 0


def cmd_finalise(args: argparse.Namespace, store: Any, period: str) -> int:
    from cchc_widgets.services import access

    checksum = access.finalise(store, period, _console(args))
    print(f"kỳ {period}: đã chốt kết quả; mã kiểm tra (SHA-256) của điểm: {checksum}")
    return 0


def cmd_period(args: argparse.Namespace, store: Any) -> int:
    from cchc_widgets.core.criteria import load_criteria
    from cchc_widgets.files.unit_tables import read_units
    from cchc_widgets.services.writes import Writer

    units = read_units(args.units)
    Writer(store).set_up_period(args.period, args.name or f"Năm {args.period}", load_criteria(args.criteria), units)
    groups = units["group"].replace("", "(một nhóm)").value_counts()
    unranked = int((~units["ranked"]).sum())
    print(
        f"kỳ {args.period}: {len(units)} đơn vị, nhóm xếp hạng: "
        + "; ".join(f"{g} ({n})" for g, n in groups.items())
        + (f"; {unranked} đơn vị không xếp hạng" if unranked else "")
    )
    return 0


def register(sub: Any, common: argparse.ArgumentParser, run: Any) -> None:
    """Add these commands to the `cchc` parser; `run(func, needs_period)` wraps each."""
    p = sub.add_parser("users", parents=[common], help="accounts: add (password from stdin), list, remove, unlock")
    p.add_argument("action", choices=["add", "list", "remove", "unlock"], help="unlock: end a sign-in lockout")
    p.add_argument("login", nargs="?", metavar="LOGIN")
    p.add_argument("--role", choices=list(ROLES))
    p.add_argument("--name", help="full name as pages show it (default: the login)")
    p.add_argument("--unit", metavar="ID", help="a unit officer's unit")
    p.add_argument("--units", metavar="ID,…", help="an appraiser's units")
    p.add_argument("--no-password", action="store_true", help="signs in through the proxy or the hub only")
    p.add_argument("--author", help="recorded in the log (default: the console)")
    p.set_defaults(func=run(cmd_users, False))

    p = sub.add_parser("stage", parents=[common], help="open or close a stage of a period")
    p.add_argument("action", choices=["open", "close"])
    p.add_argument("--period", metavar="P", help="default: the latest period")
    p.add_argument(
        "--stage", choices=["self", "appraisal", "reply"], required=True, help="reply: the units' replies to their appraisal"
    )
    p.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="last day open (inclusive)")
    p.add_argument("--author", help="recorded in the log (default: the console)")
    p.set_defaults(func=run(cmd_stage, True))

    p = sub.add_parser("submit", parents=[common], help="submit a unit's self-assessment for it")
    p.add_argument("--period", metavar="P", help="default: the latest period")
    p.add_argument("--unit", required=True, metavar="U")
    p.set_defaults(func=run(cmd_submit, True))

    p = sub.add_parser("period", parents=[common], help="open a period: its criteria set and units (with ranking groups)")
    p.add_argument("action", choices=["add"])
    p.add_argument("period", metavar="P", help="the period's id, e.g. 2025")
    p.add_argument("--name", help="as pages show it (default: Năm P)")
    p.add_argument("--criteria", required=True, metavar="PATH", help="the criteria set (YAML, JSON, CSV, xlsx)")
    p.add_argument("--units", required=True, metavar="PATH", help="id, name[, kind, group, ranked] (CSV or xlsx)")
    p.set_defaults(func=run(cmd_period, False))

    p = sub.add_parser("reopen", parents=[common], help="reopen a unit's submission (--unit) or a finalised period")
    p.add_argument("--period", metavar="P", help="default: the latest period")
    p.add_argument("--unit", metavar="U")
    p.add_argument("--reason", required=True, help="kept in the log")
    p.add_argument("--author", help="recorded in the log (default: the console)")
    p.set_defaults(func=run(cmd_reopen, True))

    p = sub.add_parser("finalise", parents=[common], help="freeze a period's results (every later write is refused)")
    p.add_argument("--period", metavar="P", help="default: the latest period")
    p.add_argument("--author", help="recorded in the log (default: the console)")
    p.set_defaults(func=run(cmd_finalise, True))
