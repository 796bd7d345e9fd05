"""`cchc validate|score`: criteria sets and score files read from disk, no store needed.

`score` exits 3 when published totals differ from their components by more than the
tolerance, or a printed index, rank or class differs from the computed one.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import pandas as pd

from cchc_widgets.cli.shared import (
    OUT_HELP,
    OVERALL_HELP,
    UNITS_HELP,
    WIDTH,
    blocks_table,
    criteria_sets,
    decimal_argument,
    every_block_has_a_set,
    out_path,
    result_table,
    show_or_write,
    units_file,
    unscored_warning,
)
from cchc_widgets.cli.table import Command, Request, option
from cchc_widgets.core import engine, table_checks
from cchc_widgets.core.criteria import ADJUSTMENT_KINDS, CriteriaSet, check_criteria, load_criteria
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import format_number, show_number
from cchc_widgets.core.vocabulary import block_label, block_order
from cchc_widgets.files.score_tables import ScoresFile, read_block_scores, read_scores
from cchc_widgets.files.unit_tables import ranking, read_units

EXIT_MISMATCH = 3


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
    if sets:
        return _score_blocks(args, sets, out)
    data = read_scores(args.scores, cs, period=args.period, stage=args.stage)
    units = units_file(args, set(data.scores["unit"]))
    if units is not None:
        listed = ranking(units)
    else:  # the table's own units (and groups, when it has a `group`/`Nhóm` column): its rows without scores too
        listed = pd.DataFrame({"unit": data.units, "group": [(data.groups or {}).get(u, "") for u in data.units], "ranked": True})
    scored = engine.aggregate(data.scores, cs, units=None if units is None and data.groups is None else listed)
    results, missing = engine.with_unscored(scored.results, listed)
    overall = args.overall_rank or cs.overall_rank or not engine.has_groups(results)
    names = dict(zip(units["id"], units["name"], strict=True)) if units is not None else {}
    show_or_write(result_table(results, cs, overall=overall), out, decimals=cs.decimals)
    unscored_warning(missing, names)
    return _checked(data, scored, results, missing, cs, overall, args.tolerance)


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
    parts = []
    for block in sorted(sets, key=block_order):
        cs, listed = sets[block], ranking(units[units["block"] == block])
        scored = engine.aggregate(files[block].scores, cs, units=listed)
        results, missing = engine.with_unscored(scored.results, listed)
        overall = args.overall_rank or cs.overall_rank or not engine.has_groups(results)
        parts.append((block, cs, scored, results, missing, overall))
    tables = [
        (block, cs, _one_group_plain(result_table(results, cs, overall=overall))) for block, cs, _, results, _, overall in parts
    ]
    if out is not None:
        show_or_write(blocks_table([(block, table) for block, _, table in tables]), out, decimals=tables[0][1].decimals)
    for i, (block, cs, table) in enumerate(tables if out is None else ()):
        if i:
            print()  # a blank line between blocks
        show_or_write(table, None, f"Kết quả chỉ số CCHC — khối {block_label(block)} ({cs.name})", cs.decimals)
    for _, _, _, _, missing, _ in parts:
        unscored_warning(missing, names)
    codes = [
        _checked(files[block], scored, results, missing, cs, overall, args.tolerance, f"khối {block_label(block)}: ")
        for block, cs, scored, results, missing, overall in parts
    ]
    return max(codes)


def _one_group_plain(table: pd.DataFrame) -> pd.DataFrame:
    """A block's table without the group and its rank when the block's units are one group (the
    departments beside districts in groups): as `cchc ranking` prints it."""
    return table.drop(columns=["group", "group_rank"]) if "group" in table.columns and table["group"].nunique() <= 1 else table


def _checked(
    data: ScoresFile,
    scored: engine.Scored,
    results: pd.DataFrame,
    missing: pd.DataFrame,
    cs: CriteriaSet,
    overall: bool,
    tolerance: float,
    whose: str = "",
) -> int:
    """The file's published subtotals and printed results held to what was computed, said on
    stderr (`whose`: the block, when a file has several): 0, or `EXIT_MISMATCH`."""
    mismatches = table_checks.check_subtotals(data.given, scored.nodes, cs, tolerance, scored.results)
    printed = data.printed
    if not overall and "group_rank" not in set(printed["code"]):  # a group's table: its «Hạng» is the rank in the group
        printed = printed.replace({"code": {"rank": "group_rank"}})
    printed = table_checks.compare_printed(printed, results, tolerance, missing)
    if not missing.empty and printed["code"].isin(["rank", "group_rank"]).any():
        listed = len(results) // max(results["period"].nunique(), 1)
        said = (
            f"{whose}Hạng in sẵn là hạng trong {listed} đơn vị của danh sách, bảng có điểm của {listed - len(missing)}: mỗi hạng "
            "được so với khoảng nó có thể có và với thứ tự các đơn vị trong bảng"
        )
        print(textwrap.fill(said, WIDTH), file=sys.stderr)
    agree, differ = table_checks.printed_report(printed)
    if agree:
        print(whose + agree, file=sys.stderr)
    if differ:
        print(f"{whose}{(~printed['same'].astype(bool)).sum()} giá trị in sẵn khác kết quả tính:\n{differ}", file=sys.stderr)
    if mismatches.empty:
        return EXIT_MISMATCH if differ else 0
    shown = format_number(tolerance, decimals=6)
    print(f"{whose}{len(mismatches)} tổng được công bố khác tổng các thành phần quá sai số {shown}:", file=sys.stderr)
    print(table_checks.differences(mismatches), file=sys.stderr)
    return EXIT_MISMATCH


CRITERIA_FILE = "tệp bộ tiêu chí"

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
            option(
                "--tolerance",
                type=decimal_argument,
                default=0.001,
                help="chênh lệch cho phép giữa tổng công bố và tổng các thành phần (mặc định 0,001)",
            ),
            option("--overall-rank", action="store_true", help=OVERALL_HELP),
        ),
    ),
)
