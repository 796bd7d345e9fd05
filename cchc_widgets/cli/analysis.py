"""`cchc whatif|compare|sensitivity|scenarios`: the period's results under other weights,
another criteria set or random weights, and the what-if scenarios kept in the store."""

from __future__ import annotations

import dataclasses
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from cchc_widgets.cli.shared import (
    OUT_HELP,
    UNITS_HELP,
    WIDTH,
    decimal_argument,
    fitted,
    named,
    out_path,
    period_name,
    show_or_write,
    units_file,
)
from cchc_widgets.cli.table import MACHINE_HEADINGS, Command, Request, option
from cchc_widgets.cli.terminal import progress_terminal
from cchc_widgets.core import engine
from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import format_number
from cchc_widgets.core.vocabulary import block_label
from cchc_widgets.files.score_tables import read_scores
from cchc_widgets.files.unit_tables import ranking

if TYPE_CHECKING:  # SciPy comes with what-ifs: imported when a command needs it
    from cchc_widgets.core import whatif
    from cchc_widgets.store.database import Store


def _scored_input(req: Request):  # noqa: ANN202 - (criteria set, resolved scores, ranking, where from, appraised, names)
    """A period's resolved scores: from the store by default (survey points included, the
    period's own criteria set: what the apps and `cchc ranking` show, units not appraised
    unranked as it leaves them — `published_ranking` — and the units appraised; one block of
    units at a time, --block or the first, never two sets mixed), or from files when both
    --criteria and --scores are given (appraised: None, every unit ranked). With the units'
    names (the store's, or --units'; none: ids are shown)."""
    args = req.args
    if (args.criteria is None) != (args.scores is None):
        given, missing = ("--criteria", "--scores") if args.scores is None else ("--scores", "--criteria")
        raise ProblemsError([Problem(missing, f"{given} cần đi cùng {missing}; bỏ cả hai để dùng điểm trong kho")])
    if args.criteria is None:
        from cchc_widgets.report.published import appraised_units, published_ranking
        from cchc_widgets.services.results import blocks_of, one_block

        store = req.store
        period = req.period
        block, rows = one_block(store, period, args.block)
        named = f", {block.heading}" if len(blocks_of(store, period)) > 1 else ""
        done = appraised_units(rows)
        source = f"{period_name(store, period)}{named} trong kho"
        return block.cs, rows, published_ranking(block.ranking, done), source, done, store.unit_names(period)
    cs = load_criteria(args.criteria)
    data = read_scores(args.scores, cs, period=args.period)
    if data.scores["period"].nunique() > 1:
        periods = ", ".join(sorted(data.scores["period"].unique()))
        raise ProblemsError([Problem(args.scores, f"tệp có nhiều kỳ ({periods}); chọn một kỳ bằng --period")])
    units = units_file(args, set(data.scores["unit"]))
    names = {} if units is None else dict(zip(units["id"], units["name"], strict=True))
    return cs, data.scores, None if units is None else ranking(units), f"tệp {args.scores} (không có điểm khảo sát)", None, names


def _write_comparison(
    comparison: whatif.Comparison,
    out: Path | None,
    title: str,
    decimals: int | None,
    names: dict[str, str],
    sheet: str,
    machine: bool = False,
) -> None:
    """A what-if's table (one row per unit, baseline beside alternative) and the rank
    correlations and class changes under it (on stderr when the table went to stdout). On the
    terminal within 120 columns: without whether the class changed (the summary counts it, both
    classes are shown), then without the indices, when the units' names make it wider."""
    table = named(comparison.table.drop(columns="period"), names, out)
    if out is None:
        spare = ((["class_changed"], "cột Đổi xếp loại"), (["index_base", "index_alt"], "chỉ số gốc và mới"))
        text, note = fitted(table, decimals, spare)
        print(*textwrap.wrap(title, WIDTH), text, *([note] if note else []), sep="\n")
    else:
        show_or_write(table, out, decimals=decimals, machine=machine, sheet=sheet)
    summary = (
        f"Spearman ρ = {format_number(comparison.spearman, 4, fixed=True)} · "
        f"Kendall τ = {format_number(comparison.kendall, 4, fixed=True)} · {comparison.class_changes} đơn vị đổi xếp loại"
    )
    print(summary, file=sys.stderr if out is None else sys.stdout)


def cmd_whatif(req: Request) -> int:
    from cchc_widgets.core import whatif

    out = out_path(req.args.out)
    cs, resolved, units, source, done, names = _scored_input(req)
    scenario = whatif.load_scenario(req.args.scenario)
    base, alt = engine.aggregate(resolved, cs, units=units), whatif.run(resolved, cs, scenario, units)
    if done is not None:  # from the store: the units not appraised unranked and marked, as `cchc ranking` shows them
        from cchc_widgets.report.published import as_published

        base, alt = as_published(base, done), as_published(alt, done)
    comparison = whatif.compare(base, alt)
    title = f"Kịch bản '{scenario.name}' so với hiện trạng — {source}"
    _write_comparison(comparison, out, title, cs.decimals, names, "Kịch bản", req.args.machine_headings)
    return 0


def cmd_compare(req: Request) -> int:
    from cchc_widgets.services.results import under_other_set

    out = out_path(req.args.out)
    store = req.store
    period = req.period
    other = load_criteria(req.args.criteria)
    comparison = under_other_set(store, period, other, req.args.block)
    sets = store.blocks(period)  # the block compared: the one named, else the first
    cs = sets[req.args.block] if req.args.block else next(iter(sets.values()))
    title = f"{period_name(store, period)} theo bộ '{other.name}' so với bộ của kỳ ({cs.name})"
    names = store.unit_names(period)
    _write_comparison(comparison, out, title, other.decimals, names, "So sánh bộ tiêu chí", req.args.machine_headings)
    return 0


def cmd_sensitivity(req: Request) -> int:
    from cchc_widgets.core.sensitivity import uncertainty

    args = req.args
    if args.samples < 1:
        raise ProblemsError([Problem("--samples", "số mẫu phải từ 1 trở lên")])
    if not 0 <= args.noise < 1:
        raise ProblemsError([Problem("--noise", "độ nhiễu phải trong [0, 1), ví dụ 0.25 cho ±25 %")])
    out = out_path(args.out)
    cs, resolved, units, source, _, names = _scored_input(req)
    scored = engine.aggregate(resolved, cs, units=units)
    spread = f"dao động ±{args.noise:.0%}" if args.method == "uniform" else "lấy mẫu Dirichlet quanh tỷ trọng hiện tại"
    table = uncertainty(
        scored,
        cs,
        samples=args.samples,
        noise=args.noise,
        seed=args.seed,
        method=args.method,
        level=args.level,
        progress=progress_terminal(),
    )
    seed = f"số khởi tạo ngẫu nhiên {args.seed}"  # --seed: the same number, the same draws
    show_or_write(
        named(table.sort_values(["rank", "unit"]).reset_index(drop=True), names, out),
        out,
        title=f"Thứ hạng khi trọng số cấp {args.level} {spread} ({args.samples} mẫu, {seed}) — {source}",
        decimals=cs.decimals,  # the mean shift of rank: a share of a rank, at the set's places
        machine=args.machine_headings,
        sheet="Độ nhạy thứ hạng",
    )
    return 0


def cmd_scenarios(req: Request) -> int:
    from cchc_widgets.services.writes import Writer

    args = req.args
    store = req.store
    if args.action == "list":
        for row in store.scenarios().itertuples():  # each with the block whose set it was checked against
            block = store.scenario(row.name).block
            shown = f"khối {block_label(block)}" if block else "(không ghi khối)"
            print(f"{row.name}\t{'trong báo cáo' if row.for_report else 'nháp'}\t{shown}\t{row.description}")
        return 0
    if not args.items:
        raise ProblemsError([Problem("cchc scenarios", f"'{args.action}' cần tên kịch bản hoặc tệp")])
    if args.action == "import":
        loaded, checked = _scenarios_checked(store, req.period, args.block, args.items)
        taken = sorted({s.name for s in loaded} & set(store.scenarios()["name"])) if not args.replace else []
        if taken:  # checked for the whole batch: nothing stored when one name is taken
            names = ", ".join(f"'{n}'" for n in taken)
            raise ProblemsError([Problem("cchc scenarios import", f"đã có kịch bản {names}: thêm --replace để ghi đè")])
        for scenario in loaded:
            Writer(store).save_scenario(scenario, replace=args.replace)
            print(f"đã lưu kịch bản '{scenario.name}'{checked} (bản nháp; `cchc scenarios mark` để đưa vào báo cáo)")
        return 0
    for name in args.items:
        scenario = store.scenario(name)
        if args.action == "show":
            print(scenario.to_yaml(), end="")
        elif args.action == "export":
            if args.out is None:
                raise ProblemsError([Problem("--out", "export cần --out PATH.yaml")])
            Path(args.out).write_text(scenario.to_yaml(), encoding="utf-8")
            print(f"đã ghi {args.out}")
        elif args.action == "delete":
            Writer(store).delete_scenario(name)
            print(f"đã xóa kịch bản '{name}'")
        else:
            Writer(store).mark_scenario(name, args.action == "mark")
            print(f"kịch bản '{name}': {'đưa vào báo cáo' if args.action == 'mark' else 'bản nháp'}")
    return 0


def _scenarios_checked(store: Store, period: str, block: str | None, paths: list[str]) -> tuple[list[whatif.Scenario], str]:
    """Scenario files each checked against one block's set — `--block`, else the period's
    first (as `cchc whatif` takes it) — before any is stored; with the words that say which
    block's set they were checked against, in a period of several blocks."""
    from cchc_widgets.core import whatif
    from cchc_widgets.services.results import blocks_of, chosen_block

    blocks = blocks_of(store, period)
    chosen = chosen_block(blocks, period, block)
    several = len(blocks) > 1
    against = f"bộ tiêu chí '{chosen.cs.id}' của khối {chosen.label}" + (" (khối đầu của kỳ)" if block is None else "")
    loaded = []
    for path in paths:  # check every file before storing any
        scenario = whatif.load_scenario(path)
        try:
            whatif.apply(chosen.cs, scenario, file=path)
        except ProblemsError as exc:
            if not several:
                raise
            hint = Problem(path, f"đã đối chiếu với {against}; kịch bản cho khối khác: thêm --block KHỐI")
            raise ProblemsError([*exc.problems, hint]) from None
        loaded.append(dataclasses.replace(scenario, block=chosen.block))  # `scenarios list` says which
    return loaded, f", đối chiếu với {against}" if several else ""


CRITERIA_FILE = "bộ tiêu chí (YAML/CSV) đọc thay cho bộ của kỳ trong kho; đi cùng --scores"
SCORES_FILE = "tệp điểm (CSV/xlsx) đọc thay cho điểm trong kho, không có điểm khảo sát; đi cùng --criteria"
LATEST_STORED = "mặc định: kỳ mới nhất trong kho"
BLOCK = option("--block", metavar="KHỐI", help="khối đơn vị (so, huyen …; mặc định: khối đầu của kỳ): mỗi lần một bộ tiêu chí")

COMMANDS = (
    Command(
        "whatif",
        "so sánh một kịch bản thử trọng số (YAML) với kết quả gốc",
        cmd_whatif,
        (
            option("--criteria", metavar="PATH", help=CRITERIA_FILE),
            option("--scores", metavar="PATH", help=SCORES_FILE),
            option("--scenario", required=True, metavar="PATH", help="tệp kịch bản (YAML)"),
            option("--period", metavar="P", help=LATEST_STORED),
            BLOCK,
            option("--units", metavar="PATH", help=UNITS_HELP),
            option("--out", metavar="PATH", help=OUT_HELP),
            MACHINE_HEADINGS,
        ),
    ),
    Command(
        "compare",
        "kết quả của kỳ theo một bộ tiêu chí khác (cùng cây tiêu chí)",
        cmd_compare,
        (
            option("--criteria", required=True, metavar="PATH", help="bộ tiêu chí kia, ví dụ khảo sát nằm trong 100 điểm"),
            option("--period", metavar="P", help=LATEST_STORED),
            BLOCK,
            option("--out", metavar="PATH", help=OUT_HELP),
            MACHINE_HEADINGS,
        ),
    ),
    Command(
        "sensitivity",
        "độ bất định của thứ hạng khi trọng số dao động ngẫu nhiên (Monte Carlo)",
        cmd_sensitivity,
        (
            option("--criteria", metavar="PATH", help=CRITERIA_FILE),
            option("--scores", metavar="PATH", help=SCORES_FILE),
            option("--period", metavar="P", help=LATEST_STORED),
            BLOCK,
            option("--units", metavar="PATH", help=UNITS_HELP),
            option("--samples", type=int, default=10_000, help="số lần lấy mẫu (mặc định 10000)"),
            option("--noise", type=decimal_argument, default=0.25, help="± tỷ lệ dao động của mỗi trọng số (mặc định 0,25)"),
            option("--seed", type=int, default=0, help="hạt giống ngẫu nhiên: cùng hạt giống, cùng kết quả"),
            option("--method", choices=["uniform", "dirichlet"], default="uniform", help="cách cho trọng số dao động"),
            option("--level", type=int, default=1, help="cấp có trọng số thay đổi (1 = lĩnh vực)"),
            option("--out", metavar="PATH", help=OUT_HELP),
            MACHINE_HEADINGS,
        ),
    ),
    Command(
        "scenarios",
        "kịch bản thử trọng số lưu trong kho",
        cmd_scenarios,
        (
            option("action", choices=["list", "show", "import", "export", "delete", "mark", "unmark"], help="việc cần làm"),
            option("items", nargs="*", metavar="NAME|FILE", help="tên kịch bản, hoặc tệp với import"),
            option("--out", metavar="PATH.yaml", help="với export"),
            option("--replace", action="store_true", help="với import: thay kịch bản cùng tên"),
            option(
                "--block",
                metavar="KHỐI",
                help="với import: đối chiếu với bộ tiêu chí của khối này (so, huyen …; mặc định: khối đầu của kỳ)",
            ),
            option(
                "--period",
                metavar="P",
                help="với import: đối chiếu mã với bộ tiêu chí của kỳ này (mặc định: kỳ mới nhất)",
            ),
        ),
    ),
)
