"""`cchc validate|score`: criteria sets and score files read from disk, no store needed.

`score` exits 3 when published totals differ from their components by more than the
tolerance, or a printed index, rank or class differs from the computed one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from cchc_widgets.cli.shared import (
    OUT_HELP,
    OVERALL_HELP,
    UNITS_HELP,
    blocks_table,
    criteria_sets,
    decimal_argument,
    every_block_has_a_set,
    one_group_plain,
    out_path,
    result_table,
    said_check,
    show_or_write,
    units_file,
    unscored_warning,
)
from cchc_widgets.cli.table import MACHINE_HEADINGS, Command, Request, option
from cchc_widgets.core import table_checks
from cchc_widgets.core.criteria import ADJUSTMENT_KINDS, CriteriaSet, check_criteria, load_criteria
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import format_number, show_number
from cchc_widgets.core.vocabulary import block_label, block_order, block_without_set
from cchc_widgets.files.score_tables import read_block_scores, read_scores
from cchc_widgets.files.unit_tables import ranking, read_units


def cmd_validate(req: Request) -> int:
    bad = 0
    for path in req.args.paths:
        problems = check_criteria(path)
        if problems:
            bad += 1
            print(f"{path}: {len(problems)} lỗi", file=sys.stderr)
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
        else:
            cs = load_criteria(path)
            survey = ""
            if cs.survey is not None:
                where = "trong tổng" if cs.survey.within_total else "cộng thêm"
                points = show_number(round(sum(i.max_points for i in cs.survey.items), 6))
                survey = f"; khảo sát {len(cs.survey_codes)} câu, {points} điểm {where}"
            for kind, word in ADJUSTMENT_KINDS.items():
                caps = [a.max_points for a in cs.adjustments if a.kind == kind]
                if caps:
                    survey += f"; {word.lower()} {len(caps)} mục, tối đa {show_number(round(sum(caps), 6))}"
            survey += _settings_said(cs)
            if cs.meta.get("block"):  # the block of units the set is for: a period refuses it for another
                survey += f"; dành cho khối {block_label(str(cs.meta['block']))}"
            print(
                f"{path}: hợp lệ — {len(cs.nodes)} mục, {len(cs.leaf_codes)} mục lá, {cs.depth} cấp, "
                f"tổng {show_number(round(cs.max_points, 6))} điểm{survey}"
            )
    return 1 if bad else 0


def _settings_said(cs: CriteriaSet) -> str:
    """What a set says beside its tree, as `cchc validate` confirms it was read: the places,
    the classes, the index cap and the overall rank, each only when the set says it."""
    said = ""
    if cs.meta.get("rounding"):
        said += f"; làm tròn {cs.decimals} chữ số" + (", xếp hạng theo chỉ số đã làm tròn" if cs.rank_on_rounded else "")
    if cs.classes:
        said += f"; xếp loại {len(cs.classes)} hạng (từ {show_number(cs.classes[0].min)} %)"
    if "index_cap" in cs.meta:
        said += "; chỉ số không giới hạn" if cs.index_cap is None else f"; trần chỉ số {show_number(cs.index_cap)} %"
    if cs.overall_rank:
        said += "; có xếp hạng chung giữa các nhóm"
    return said


def cmd_score(req: Request) -> int:
    """Score a file: on one set (`--criteria PATH`), or each unit on its block's set
    (`--criteria so=PATH --criteria huyen=PATH` with a units table naming blocks), ranked within
    its block, one table per block."""
    args = req.args
    if args.tolerance < 0:
        raise ProblemsError([Problem("--tolerance", "sai số cho phép không được âm")])
    out = out_path(args.out)
    cs, sets = criteria_sets(args.criteria)
    if not sets and args.units is not None:
        sets = _one_set_by_block(cs, read_units(args.units), args.units)
    if sets:
        return _score_blocks(args, sets, out)
    listed = read_units(args.units) if args.units is not None else None  # a table of names is read by the list's ids
    names = dict(zip(listed["id"], listed["name"], strict=True)) if listed is not None else None
    data = read_scores(args.scores, cs, period=args.period, stage=args.stage, names=names)
    units = units_file(args, set(data.scores["unit"]), listed)
    if units is not None:
        listed = ranking(units)
    else:  # the table's own units (and groups, when it has a `group`/`Nhóm` column): its rows without scores too
        listed = pd.DataFrame({"unit": data.units, "group": [(data.groups or {}).get(u, "") for u in data.units], "ranked": True})
    groups = units is not None or data.groups is not None
    check = table_checks.check_table(data.scores, data.given, data.printed, cs, listed, args.tolerance, args.overall_rank, groups)
    names = dict(zip(units["id"], units["name"], strict=True)) if units is not None else {}
    table = one_group_plain(result_table(check.results, cs, overall=check.overall))
    show_or_write(table, out, decimals=cs.decimals, machine=args.machine_headings, sheet="Kết quả")
    unscored_warning(check.missing, names)
    return said_check(check)


def _one_set_by_block(cs: CriteriaSet, units: pd.DataFrame, path: str) -> dict[str, CriteriaSet]:
    """One set for a units table naming several blocks: refused when the set declares a block
    and some units are of another (the departments' set does not score districts), else the
    set for each block — its units are still ranked only within their block, never departments
    and districts in one table. {} for a table of one block (or none): scored as before."""
    present = sorted(set(units["block"]) if "block" in units.columns else {""}, key=block_order)
    refused = [Problem(path, said) for b in present if (said := block_without_set(cs, b))]
    if refused:
        raise ProblemsError(refused)
    return {b: cs for b in present} if len(present) > 1 else {}


def _score_blocks(args: argparse.Namespace, sets: dict[str, CriteriaSet], out: Path | None) -> int:
    """`cchc score` of a file whose units are of several blocks: each unit's rows checked and
    scored on its block's set, ranked within its block (groups inside it), a table per block
    titled with the block's label as `cchc ranking` prints them; `--out` one table with a
    block column. The exit code is the worst of the blocks'."""
    if args.units is None:
        raise ProblemsError([Problem("--criteria", "mỗi khối một bộ tiêu chí cần --units: bảng đơn vị có cột khối")])
    units = read_units(args.units)
    every_block_has_a_set(units, sets)
    own_block = dict(zip(units["id"], units["block"], strict=True))
    files = read_block_scores(args.scores, sets, own_block, period=args.period, stage=args.stage)
    names = dict(zip(units["id"], units["name"], strict=True))
    checks = {
        block: table_checks.check_table(
            files[block].scores,
            files[block].given,
            files[block].printed,
            sets[block],
            ranking(units[units["block"] == block]),
            args.tolerance,
            args.overall_rank,
        )
        for block in sorted(sets, key=block_order)
    }
    tables = [
        (block, sets[block], one_group_plain(result_table(check.results, sets[block], overall=check.overall)))
        for block, check in checks.items()
    ]
    if out is not None:
        show_or_write(
            blocks_table([(block, table) for block, _, table in tables], args.machine_headings),
            out,
            decimals=tables[0][1].decimals,
            machine=args.machine_headings,
            sheet="Kết quả",
        )
    for i, (block, cs, table) in enumerate(tables if out is None else ()):
        if i:
            print()  # a blank line between blocks
        show_or_write(table, None, f"Kết quả chỉ số CCHC — khối {block_label(block)} ({cs.name})", cs.decimals)
    for check in checks.values():
        unscored_warning(check.missing, names)
    return max(said_check(check, f"khối {block_label(block)}: ") for block, check in checks.items())


CRITERIA_FILE = "tệp bộ tiêu chí"
TOLERANCE_OPTION = option(  # `cchc score` and `cchc import`: how far a published subtotal may be from the sum of its parts
    "--tolerance",
    type=decimal_argument,
    default=table_checks.TOLERANCE,
    help=f"chênh lệch cho phép giữa tổng công bố và tổng các thành phần (mặc định {format_number(table_checks.TOLERANCE, 6)})",
)

COMMANDS = (
    Command(
        "validate",
        "kiểm tra tệp bộ tiêu chí (YAML, CSV, xlsx)",
        cmd_validate,
        (option("paths", nargs="+", metavar="PATH", help=CRITERIA_FILE),),
    ),
    Command(
        "score",
        "tính điểm các đơn vị từ tệp CSV/xlsx",
        cmd_score,
        (
            option(
                "--criteria",
                required=True,
                action="append",
                metavar="[KHỐI=]PATH",
                help=f"{CRITERIA_FILE}; mỗi khối một bộ: --criteria so=PATH --criteria huyen=PATH (--units ghi khối của đơn vị)",
            ),
            option("--scores", required=True, metavar="PATH", help="tệp điểm (CSV/xlsx)"),
            option("--period", metavar="P", help="mã kỳ"),
            option("--units", metavar="PATH", help=UNITS_HELP),
            option(
                "--stage",
                choices=["self", "appraisal"],
                help="giai đoạn của các dòng không ghi giai đoạn (bảng ngang): appraisal cho bảng thẩm định hoặc kết quả "
                "công bố, khi đó cột điểm thưởng, điểm trừ được tính (mặc định self)",
            ),
            option("--out", metavar="PATH", help=OUT_HELP),
            TOLERANCE_OPTION,
            option("--overall-rank", action="store_true", help=OVERALL_HELP),
            MACHINE_HEADINGS,
        ),
    ),
)
