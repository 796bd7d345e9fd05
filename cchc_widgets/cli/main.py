"""`cchc`: validate criteria sets, score files, and read what the store holds.

Exit codes: 0 done; 1 a file or argument was refused (every problem printed to stderr);
2 wrong command-line usage; 3 scored, but published totals differ from their components by
more than the tolerance, or a printed index, rank or class differs from the computed one.
"""

from __future__ import annotations

import argparse
import os
import sys

from cchc_widgets.cli.analysis import COMMANDS as ANALYSIS
from cchc_widgets.cli.exports import COMMANDS as EXPORTS
from cchc_widgets.cli.people import COMMANDS as PEOPLE
from cchc_widgets.cli.people import LOG
from cchc_widgets.cli.progress import COMMANDS as PROGRESS
from cchc_widgets.cli.scoring import COMMANDS as SCORING
from cchc_widgets.cli.serve import COMMANDS as SERVE
from cchc_widgets.cli.serve import default_pool
from cchc_widgets.cli.stored import COMMANDS as STORED
from cchc_widgets.cli.table import Request, add_commands
from cchc_widgets.cli.terminal import shown_as_text
from cchc_widgets.cli.words import Parser
from cchc_widgets.core.errors import CchcError, ProblemsError
from cchc_widgets.core.text import clean_text

__all__ = ["build_parser", "default_pool", "main"]

TEXT_ARGUMENTS = ("period", "unit", "stage", "author", "code", "name", "reason", "login", "block")

COMMANDS = (  # in the order `cchc --help` lists them
    *SCORING,
    *STORED,
    *ANALYSIS,
    *EXPORTS,
    *SERVE,
    *PEOPLE,
    *PROGRESS,
    LOG,
)


def build_parser() -> argparse.ArgumentParser:
    """`cchc` with every command of the tables, each taking --db before or after its name."""
    common = Parser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="URL cơ sở dữ liệu SQLAlchemy (mặc định: CCHC_DB, nếu không có thì tệp SQLite trong thư mục dữ liệu)",
    )
    parser = Parser(
        prog="cchc", parents=[common], description="Chỉ số CCHC: kiểm tra bộ tiêu chí, chấm điểm, xếp hạng các đơn vị."
    )
    add_commands(parser.add_subparsers(dest="command", required=True), common, COMMANDS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; what it prints shows stored text as text (`terminal.shown_as_text`)."""
    with shown_as_text():
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    for name in TEXT_ARGUMENTS:  # what a person typed, in one Unicode form (file paths are left as the system has them)
        if isinstance(getattr(args, name, None), str):
            setattr(args, name, clean_text(getattr(args, name)))
    try:
        return args.func(Request(args))
    except ProblemsError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 1
    except CchcError as exc:
        print(exc, file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader (`| head`) had enough; not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit, like stdout
        return 0


if __name__ == "__main__":
    sys.exit(main())
