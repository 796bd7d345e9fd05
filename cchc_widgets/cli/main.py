"""`cchc`: validate criteria sets, score files, and read what the store holds.

Exit codes: 0 done; 1 a file or argument was refused (every problem printed to stderr);
2 wrong command-line usage; 3 scored, but published totals differ from their components by
more than the tolerance, or a printed index, rank or class differs from the computed one.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cchc_widgets.cli.people import register as register_people
from cchc_widgets.cli.progress import register as register_progress
from cchc_widgets.cli.terminal import progress_terminal, shown_as_text
from cchc_widgets.cli.words import Parser
from cchc_widgets.core import clock, engine
from cchc_widgets.core.criteria import ADJUSTMENT_KINDS, CriteriaSet, check_criteria, load_criteria
from cchc_widgets.core.errors import CchcError, Problem, ProblemsError
from cchc_widgets.core.numbers import parse_decimal, show_number
from cchc_widgets.core.text import clean_text
from cchc_widgets.core.vocabulary import DIFFERENCE_STATES, SHORT_HEADINGS, UNSCORED
from cchc_widgets.files.score_tables import read_scores
from cchc_widgets.files.tables_out import na_as_word, readable, write_table
from cchc_widgets.files.unit_tables import ranking, read_units

if TYPE_CHECKING:  # SciPy comes with what-ifs: imported when a command needs it
    from cchc_widgets.core import whatif

OUT_FORMATS = (".csv", ".xlsx")
EXIT_MISMATCH = 3


TEXT_ARGUMENTS = ("period", "unit", "stage", "author", "code", "name", "reason", "login")


def _decimal_argument(text: str) -> float:
    """A number on the command line, read like every other number a person gives (`0,25` or `0.25`)."""
    try:
        return parse_decimal(text, "số")
    except CchcError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _out_path(text: str | None, formats: tuple[str, ...] = OUT_FORMATS) -> Path | None:
    """Refuse an unusable --out (wrong kind of file, missing folder) before any work is done."""
    if text is None:
        return None
    path = Path(text)
    if path.suffix.lower() not in formats:
        raise ProblemsError([Problem(text, f"--out phải là tệp {' hoặc '.join(formats)}")])
    if not path.parent.exists():
        raise ProblemsError([Problem(text, f"thư mục '{path.parent}' không tồn tại")])
    return path


def _write(
    frame: pd.DataFrame, path: Path | None, title: str = "", decimals: int | None = None, empty: str = "không có dòng nào"
) -> None:
    """A table on stdout for people, or a file: figures with the places the criteria set
    publishes (`decimals`: `92.50` in a CSV, format `0.00` in an xlsx), else cleared of float
    noise only (tables that are not published figures). No rows on stdout: `empty`, in words."""
    if path is None:
        if title:
            print(title)
        print(empty if frame.empty else readable(frame, decimals))
    else:
        write_table(frame, path, decimals)


OVERALL_HELP = "khi có nhóm xếp hạng: xếp thêm một hạng chung cho mọi nhóm (bộ tiêu chí ghi overall_rank: true cũng vậy)"
WIDTH = 120  # the terminal a printed ranking fits
NAME_WIDTH = 30  # a unit's name in a printed ranking, cut with «…» beyond it


def _fitted_ranking(table: pd.DataFrame, domains: tuple[str, ...], decimals: int | None) -> tuple[str, str]:
    """A ranking as the terminal prints it within `WIDTH` columns, and a note of what it left
    out: names (cut at `NAME_WIDTH`) without ids, the group and its rank only when there is
    more than one group, shorter headings; and if still too wide, the domains' points (the
    file written with --out keeps every column)."""
    shown = table.drop(columns=["unit"]) if "name" in table.columns else table.copy()
    if "name" in shown.columns:
        shown["name"] = [n if len(n) <= NAME_WIDTH else n[: NAME_WIDTH - 1] + "…" for n in shown["name"]]
    if "group" in shown.columns and shown["group"].nunique() <= 1:
        shown = shown.drop(columns=["group", "group_rank"], errors="ignore")
    text = readable(shown, decimals, SHORT_HEADINGS)
    if max(map(len, text.splitlines())) <= WIDTH:
        return text, ""
    text = readable(shown.drop(columns=list(domains)), decimals, SHORT_HEADINGS)
    return text, "(điểm từng lĩnh vực: ghi bảng đầy đủ bằng --out TỆP.xlsx)"


UNITS_HELP = "khi đọc từ tệp: bảng đơn vị (id, name, group, ranked): xếp hạng trong từng nhóm, không xếp hạng đơn vị ngoài hạng"


def _result_table(
    results: pd.DataFrame, cs: CriteriaSet, names: dict[str, str] | None = None, overall: bool = False
) -> pd.DataFrame:
    """The results as a table: with ranking groups, the rank within each group, and a rank
    across groups only when the set (`overall_rank`) or `overall` asks for it — no decision
    publishes one otherwise. A listed unit without scores (`engine.with_unscored`) is shown
    «chưa có điểm» where its total would be, unranked."""
    res = results
    grouped = ["group", "group_rank"] if "group" in res.columns else []  # when the units' groups are known
    overall = overall or cs.overall_rank or not engine.has_groups(res)
    res = res.assign(_tie=res["unit"].where(res["total"].notna(), "\uffff"))  # the unscored last, as listed
    if overall:
        res = res.sort_values(["period", "rank", "_tie"], na_position="last", kind="stable")
    else:  # groups in the order they first appear, each by its ranks
        first = {group: i for i, group in enumerate(dict.fromkeys(res["group"]))}
        keys = ["period", "_group", "group_rank", "_tie"]
        res = res.assign(_group=res["group"].map(first)).sort_values(keys, na_position="last", kind="stable")
    survey = ["survey"] if "survey" in res.columns and res["survey"].abs().sum() > 0 else []  # hidden before any answers
    adjusted = ["bonus", "penalty"] if "bonus" in res.columns and res[["bonus", "penalty"]].abs().sum().sum() > 0 else []
    ranks = ["rank"] * overall + grouped[1:]
    columns = ["unit", *grouped[:1], *cs.top_codes, *survey, *adjusted, "total", "index", *ranks, "class"]
    if res["period"].nunique() > 1:
        columns.insert(0, "period")
    table = res[columns].copy()
    table["total"] = table["total"].astype(object).where(table["total"].notna(), UNSCORED)
    if names:
        table.insert(columns.index("unit") + 1, "name", table["unit"].map(names).fillna(""))
    return table.reset_index(drop=True)


def _unscored_warning(missing: pd.DataFrame, names: dict[str, str]) -> None:
    """Name on stderr every listed unit that has no scores (shown «chưa có điểm», unranked)."""
    if missing.empty:
        return
    said = ", ".join(names.get(u) or u for u in dict.fromkeys(missing["unit"]))
    print(f"{missing['unit'].nunique()} đơn vị trong danh sách {UNSCORED}, không xếp hạng: {said}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    bad = 0
    for path in args.paths:
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


def cmd_score(args: argparse.Namespace) -> int:
    if args.tolerance < 0:
        raise ProblemsError([Problem("--tolerance", "sai số cho phép không được âm")])
    out = _out_path(args.out)
    cs = load_criteria(args.criteria)
    data = read_scores(args.scores, cs, period=args.period, stage=args.stage)
    units = _units_file(args, set(data.scores["unit"]))
    if units is not None:
        listed = ranking(units)
    else:  # the table's own units (and groups, when it has a `group`/`Nhóm` column): its rows without scores too
        listed = pd.DataFrame({"unit": data.units, "group": [(data.groups or {}).get(u, "") for u in data.units], "ranked": True})
    scored = engine.aggregate(data.scores, cs, units=None if units is None and data.groups is None else listed)
    results, missing = engine.with_unscored(scored.results, listed)
    overall = args.overall_rank or cs.overall_rank or not engine.has_groups(results)
    names = dict(zip(units["id"], units["name"], strict=True)) if units is not None else {}
    _write(_result_table(results, cs, overall=overall), out, decimals=cs.decimals)
    _unscored_warning(missing, names)
    mismatches = engine.check_subtotals(data.given, scored.nodes, cs, args.tolerance, scored.results)
    printed = data.printed
    if not overall and "group_rank" not in set(printed["code"]):  # a group's table: its «Hạng» is the rank in the group
        printed = printed.replace({"code": {"rank": "group_rank"}})
    printed = engine.compare_printed(printed, results, args.tolerance, missing)
    if not missing.empty and printed["code"].isin(["rank", "group_rank"]).any():
        listed = len(results) // max(results["period"].nunique(), 1)
        print(
            f"Hạng in sẵn là hạng trong {listed} đơn vị của danh sách, bảng có điểm của {listed - len(missing)}: mỗi hạng "
            "được so với khoảng nó có thể có và với thứ tự các đơn vị trong bảng",
            file=sys.stderr,
        )
    agree, differ = engine.printed_report(printed)
    if agree:
        print(agree, file=sys.stderr)
    if differ:
        print(f"{(~printed['same'].astype(bool)).sum()} giá trị in sẵn khác kết quả tính:\n{differ}", file=sys.stderr)
    if mismatches.empty:
        return EXIT_MISMATCH if differ else 0
    print(f"{len(mismatches)} tổng được công bố khác tổng các thành phần quá sai số {args.tolerance:g}:", file=sys.stderr)
    print(mismatches.to_string(index=False, float_format=lambda x: f"{x:.6g}"), file=sys.stderr)
    return EXIT_MISMATCH


def _store(args: argparse.Namespace):  # noqa: ANN202 - imported lazily: scoring files needs no database
    from cchc_widgets.store.database import Store

    return Store(getattr(args, "db", None))


def _period(store, wanted: str | None) -> str:  # noqa: ANN001
    known = list(store.periods()["id"])
    if not known:
        raise ProblemsError([Problem(store.where, "kho dữ liệu chưa có kỳ đánh giá nào (chạy `cchc demo` để nạp dữ liệu mẫu)")])
    if wanted is None:
        return known[-1]
    if wanted not in known:
        raise ProblemsError([Problem(store.where, f"không có kỳ '{wanted}' (có: {', '.join(known)})")])
    return wanted


def cmd_demo(args: argparse.Namespace) -> int:
    from cchc_widgets.services.demo import load_demo

    store = _store(args)
    written = load_demo(store)
    for period, count in written.items():
        print(f"kỳ {period}: {count} điểm mới hoặc thay đổi")
    print(f"dữ liệu mẫu (mô phỏng) đã có trong {store.where}")
    return 0


def cmd_periods(args: argparse.Namespace) -> int:
    for row in _store(args).periods().itertuples():
        print(f"{row.id}\t{row.name}")
    return 0


def cmd_units(args: argparse.Namespace) -> int:
    store = _store(args)
    period = _period(store, args.period) if args.period is not None else None
    for row in store.units(period).itertuples():
        print(f"{row.id}\t{row.name}")
    return 0


def cmd_ranking(args: argparse.Namespace) -> int:
    from cchc_widgets.services.results import ranking_of, score_period

    out = _out_path(args.out)
    store = _store(args)
    period = _period(store, args.period)
    cs = store.criteria_for(period)
    names = store.unit_names(period)
    results, missing = engine.with_unscored(score_period(store, period).results, ranking_of(store, period))
    results["period"] = period  # a period nobody scored yet: every listed unit, none ranked
    table = _result_table(results, cs, names, overall=args.overall_rank)
    title = f"Xếp hạng chỉ số CCHC — {_period_name(store, period)} ({cs.name})"
    if out is not None:
        _write(table, out, decimals=cs.decimals)
    else:
        text, note = _fitted_ranking(table, cs.top_codes, cs.decimals)
        print(title, text, *([note] if note else []), sep="\n")
    _unscored_warning(missing, names)
    return 0


def _period_name(store, period: str) -> str:  # noqa: ANN001
    """A period as pages name it («Năm 2016»), not by its id."""
    names = dict(store.periods()[["id", "name"]].values.tolist())
    return names.get(period) or f"Năm {period}"


def cmd_differences(args: argparse.Namespace) -> int:
    from cchc_widgets.services.results import resolved

    out = _out_path(args.out)
    store = _store(args)
    period = _period(store, args.period)
    diff = engine.differences(resolved(store, period, args.unit))
    if not args.all:
        diff = diff[diff["changed"]]
    table = diff[["unit", "code", "points_self", "points_appraisal", "diff", "reason"]].assign(
        status=[  # «khác, chưa có lý do»: the self-assessment changed after an agreeing appraisal
            DIFFERENCE_STATES["unreasoned" if unreasoned else "differs" if changed else "agrees"]
            for unreasoned, changed in zip(diff["unreasoned"], diff["changed"], strict=True)
        ]
    )
    cs = store.criteria_for(period)
    na_self, na_appraisal = diff["na_self"].astype(bool), diff["na_appraisal"].astype(bool)
    for stage, na in (("self", na_self), ("appraisal", na_appraisal)):
        table[f"points_{stage}"] = na_as_word(table[f"points_{stage}"], na, cs.na_label)
    # no difference of points where an item applies on one side only: the status says they differ
    table["diff"] = na_as_word(table["diff"].where(~(na_self ^ na_appraisal)), na_self & na_appraisal, cs.na_label)
    title = f"Tự đánh giá và thẩm định khác nhau — {_period_name(store, period)}"
    none = "không có tiêu chí nào" + ("" if args.all else " có tự đánh giá và thẩm định khác nhau")
    _write(table.reset_index(drop=True), out, title=title, decimals=cs.decimals, empty=none)
    return 0


def _units_file(args: argparse.Namespace, scored_units: set[str]) -> pd.DataFrame | None:
    """`--units FILE` (id, name, kind, group, ranked), or None; every unit scored must be
    listed (`unit_tables.ranking` gives the engine's view of it)."""
    if getattr(args, "units", None) is None:
        return None
    units = read_units(args.units)
    unlisted = sorted(scored_units - set(units["id"]))
    if unlisted:
        raise ProblemsError([Problem(args.units, f"thiếu đơn vị có điểm: {', '.join(unlisted)}")])
    return units


def _scored_input(args: argparse.Namespace):  # noqa: ANN202 - (criteria set, resolved scores, ranking, where from)
    """A period's resolved scores: from the store by default (survey points included, the
    period's own criteria set: what the apps and `cchc ranking` show), or from files when
    both --criteria and --scores are given."""
    if (args.criteria is None) != (args.scores is None):
        given, missing = ("--criteria", "--scores") if args.scores is None else ("--scores", "--criteria")
        raise ProblemsError([Problem(missing, f"{given} cần đi cùng {missing}; bỏ cả hai để dùng điểm trong kho")])
    if args.criteria is None:
        from cchc_widgets.services.results import ranking_of, resolved

        store = _store(args)
        period = _period(store, args.period)
        source = f"{_period_name(store, period)} trong kho"
        return store.criteria_for(period), resolved(store, period), ranking_of(store, period), source
    cs = load_criteria(args.criteria)
    data = read_scores(args.scores, cs, period=args.period)
    if data.scores["period"].nunique() > 1:
        periods = ", ".join(sorted(data.scores["period"].unique()))
        raise ProblemsError([Problem(args.scores, f"tệp có nhiều kỳ ({periods}); chọn một kỳ bằng --period")])
    units = _units_file(args, set(data.scores["unit"]))
    return cs, data.scores, None if units is None else ranking(units), f"tệp {args.scores} (không có điểm khảo sát)"


def _write_comparison(comparison: whatif.Comparison, out: Path | None, title: str, decimals: int | None) -> None:
    """A what-if's table (one row per unit, baseline beside alternative) and the rank
    correlations and class changes under it (on stderr when the table went to stdout)."""
    _write(comparison.table.drop(columns="period"), out, title=title, decimals=decimals)
    summary = (
        f"Spearman ρ = {comparison.spearman:.4f} · Kendall τ = {comparison.kendall:.4f} · "
        f"{comparison.class_changes} đơn vị đổi xếp loại"
    )
    print(summary, file=sys.stderr if out is None else sys.stdout)


def cmd_whatif(args: argparse.Namespace) -> int:
    from cchc_widgets.core import whatif

    out = _out_path(args.out)
    cs, resolved, units, source = _scored_input(args)
    scenario = whatif.load_scenario(args.scenario)
    base = engine.aggregate(resolved, cs, units=units)
    comparison = whatif.compare(base, whatif.run(resolved, cs, scenario, units))
    _write_comparison(comparison, out, f"Kịch bản '{scenario.name}' so với hiện trạng — {source}", cs.decimals)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from cchc_widgets.services.results import under_other_set

    out = _out_path(args.out)
    store = _store(args)
    period = _period(store, args.period)
    other = load_criteria(args.criteria)
    comparison = under_other_set(store, period, other)
    title = f"{_period_name(store, period)} theo bộ '{other.name}' so với bộ của kỳ ({store.criteria_for(period).name})"
    _write_comparison(comparison, out, title, other.decimals)
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from cchc_widgets.core.sensitivity import uncertainty

    if args.samples < 1:
        raise ProblemsError([Problem("--samples", "số mẫu phải từ 1 trở lên")])
    if not 0 <= args.noise < 1:
        raise ProblemsError([Problem("--noise", "độ nhiễu phải trong [0, 1), ví dụ 0.25 cho ±25 %")])
    out = _out_path(args.out)
    cs, resolved, units, source = _scored_input(args)
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
    _write(
        table.sort_values(["rank", "unit"]).reset_index(drop=True),
        out,
        title=f"Thứ hạng khi trọng số cấp {args.level} {spread} ({args.samples} mẫu, seed {args.seed}) — {source}",
    )
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    from cchc_widgets.core import whatif
    from cchc_widgets.services.writes import Writer

    store = _store(args)
    if args.action == "list":
        for row in store.scenarios().itertuples():
            print(f"{row.name}\t{'trong báo cáo' if row.for_report else 'nháp'}\t{row.description}")
        return 0
    if not args.items:
        raise ProblemsError([Problem("cchc scenarios", f"'{args.action}' cần tên kịch bản hoặc tệp")])
    if args.action == "import":
        period = _period(store, args.period)
        cs = store.criteria_for(period)
        loaded = []
        for path in args.items:  # check every file before storing any
            scenario = whatif.load_scenario(path)
            whatif.apply(cs, scenario, file=path)
            loaded.append(scenario)
        taken = sorted({s.name for s in loaded} & set(store.scenarios()["name"])) if not args.replace else []
        if taken:  # checked for the whole batch: nothing stored when one name is taken
            names = ", ".join(f"'{n}'" for n in taken)
            raise ProblemsError([Problem("cchc scenarios import", f"đã có kịch bản {names}: thêm --replace để ghi đè")])
        for scenario in loaded:
            Writer(store).save_scenario(scenario, replace=args.replace)
            print(f"đã lưu kịch bản '{scenario.name}' (bản nháp; `cchc scenarios mark` để đưa vào báo cáo)")
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


def cmd_export(args: argparse.Namespace) -> int:
    from cchc_widgets.report.results_workbook import results_workbook

    out = _out_path(args.out, (".xlsx",))
    store = _store(args)
    period = _period(store, args.period)
    out.write_bytes(results_workbook(store, period))
    print(f"đã ghi sổ kết quả kỳ {period}: {out}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from cchc_widgets.services.imports import template

    out = _out_path(args.out, (".xlsx",))
    store = _store(args)
    period = _period(store, args.period)
    out.write_bytes(template(store, period, args.unit, args.stage))
    print(f"đã ghi mẫu phiếu của {store.unit_names(period).get(args.unit, args.unit)}, kỳ {period}: {out}")
    return 0


def cmd_sheet(args: argparse.Namespace) -> int:
    from cchc_widgets.app.scoring_session import ScoringSession
    from cchc_widgets.app.scoring_sheet import write_sheet
    from cchc_widgets.core.vocabulary import STAGE_LABELS

    out = _out_path(args.out, (".pdf", ".html"))
    store = _store(args)
    period = _period(store, args.period)
    session = ScoringSession(store, period, args.unit, args.stage)
    write_sheet(session, out)
    print(f"đã ghi phiếu {STAGE_LABELS[args.stage].lower()} của {session.unit_name}, kỳ {period}: {out}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from cchc_widgets.services.imports import import_many

    store = _store(args)
    period = _period(store, args.period) if args.period else None
    refused = 0
    for path, result, problem in import_many(store, args.files, period, args.stage, args.author, args.dry_run):
        if problem is not None:
            refused += 1
            _print_refused(path, problem)
            continue
        verb = "hợp lệ (chạy thử, chưa lưu)" if args.dry_run else "đã lưu"
        print(f"{path}: {verb} — {result.unit}, kỳ {result.period}, {result.rows} tiêu chí thay đổi")
    return 1 if refused else 0


def _print_refused(path: str, exc: ProblemsError) -> None:
    print(f"{path}: TỪ CHỐI — không lưu gì ({len(exc.problems)} lỗi)", file=sys.stderr)
    for line in exc.lines():
        print(f"  {line}", file=sys.stderr)


def cmd_survey(args: argparse.Namespace) -> int:
    from cchc_widgets.services.imports import import_responses
    from cchc_widgets.services.results import survey_points

    store = _store(args)
    period = _period(store, args.period)
    if args.action == "template":
        from cchc_widgets.files.survey_files import response_template

        out = _out_path(args.out, (".xlsx",))
        if out is None:
            raise ProblemsError([Problem("--out", "hãy nêu tệp ghi mẫu phiếu: --out PATH.xlsx")])
        out.write_bytes(response_template(store.criteria_for(period), store.units(period), period))
        print(f"đã ghi mẫu phiếu khảo sát kỳ {period}: {out}")
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
            _print_refused(path, exc if isinstance(exc, ProblemsError) else ProblemsError([Problem(Path(path).name, str(exc))]))
            continue
        counts = f"{responses['unit'].nunique()} đơn vị, {responses[['unit', 'respondent']].drop_duplicates().shape[0]} phiếu"
        if report is None:
            print(f"{path}: hợp lệ (chạy thử, chưa lưu) — {len(responses)} câu trả lời, {counts}")
        else:
            print(f"{path}: đã lưu — {report.inserted} mới, {report.updated} sửa, {report.unchanged} không đổi; {counts}")
    return 1 if refused else 0


def cmd_report(args: argparse.Namespace) -> int:
    from cchc_widgets.report.annual import render

    out = _out_path(args.out, (".html", ".pdf"))
    store = _store(args)
    period = _period(store, args.period)
    render(period, store.url, out)
    print(f"đã ghi báo cáo kỳ {period}: {out}")
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    from cchc_widgets.services.audit import change_log, log_table, log_xlsx

    out = _out_path(args.out)
    store = _store(args)
    period = _period(store, args.period)
    log = change_log(store, period, args.unit, args.code)
    frame = log_table(log)
    if out is None and frame.empty:
        print(f"kỳ {period}: nhật ký chưa có thay đổi nào")
        return 0
    if out is not None and out.suffix.lower() == ".xlsx":
        out.write_bytes(log_xlsx(log))
    else:
        _write(frame, out)
    if out is not None:
        print(f"đã ghi nhật ký kỳ {period} ({len(frame)} dòng): {out}")
    return 0


def _with_store(func, needs_period: bool):  # noqa: ANN001, ANN202 - wraps cli.people's commands
    def call(args: argparse.Namespace) -> int:
        store = _store(args)
        return func(args, store, _period(store, args.period)) if needs_period else func(args, store)

    return call


def default_pool(kernels: str) -> int:
    """Scoring kernels kept ready by default: none when they are forked (a kernel is ready in
    ≈ 0,1 s of CPU, and a kept one costs memory while idle and helps only the first of a crowd:
    bench/load_bench.py, README «Sizing»); one when each is a new interpreter."""
    return 0 if kernels == "fork" else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from cchc_widgets.app.voila import ADMIN_NOTEBOOK, SCORING_NOTEBOOK, WHATIF_NOTEBOOK, voila_command
    from cchc_widgets.services.demo import load_demo
    from cchc_widgets.services.permissions import Actor, allowed

    if not 1 <= args.port <= 65535:
        raise ProblemsError([Problem("--port", f"cổng phải từ 1 đến 65535; đã nhập {args.port}")])
    args.proxy = [address.strip() for address in args.proxy or [] if address.strip()]
    if args.auth == "header" and not args.proxy:
        said = "hãy nêu địa chỉ của proxy xác thực: --proxy ĐỊA_CHỈ (127.0.0.1 khi nó ở cùng máy); không tin ai khi chưa nêu"
        raise ProblemsError([Problem("--auth header", said)])
    started = clock.now()  # a zone or a stopped clock the settings name wrongly is refused here, not in every kernel
    store = _store(args)
    if store.periods().empty:
        load_demo(store)
        print(f"kho {store.where} trống: đã nạp dữ liệu mẫu (mô phỏng)")
    if args.auth == "accounts" and not any(allowed(Actor("", "", role), "administer") for role in store.accounts()["role"]):
        print("chưa có tài khoản quản trị: tạo bằng `cchc users add LOGIN --role admin` (mật khẩu từ đầu vào chuẩn)", flush=True)
    if args.auth == "none":
        print("chạy không đăng nhập (--auth none): chỉ dùng trên máy của một người", flush=True)
    if args.auth == "header":
        print(
            f"--auth header: mọi tiến trình tại {', '.join(args.proxy)} gửi tiêu đề {args.user_header} đều được tin là người "
            "đã đăng nhập; chỉ để proxy xác thực của tỉnh ở địa chỉ đó",
            flush=True,
        )
    base = f"http://127.0.0.1:{args.port}/voila/render"
    print(f"Ứng dụng chấm điểm: {base}/{SCORING_NOTEBOOK}", flush=True)
    print(f"Thử trọng số:       {base}/{WHATIF_NOTEBOOK}", flush=True)
    print(f"Quản trị:           {base}/{ADMIN_NOTEBOOK}  (Ctrl+C để dừng)", flush=True)
    print(f"Giờ của tỉnh:       {started:%H:%M %d/%m/%Y} ({clock.zone()}; hạn của giai đoạn tính theo ngày này)", flush=True)
    if args.pool is None:
        args.pool = default_pool(args.kernels)
    if args.pool < 0:
        raise ProblemsError([Problem("--pool", f"số kernel sẵn sàng không thể âm; đã nhập {args.pool}")])
    if not 0 <= args.refill_delay <= 3600:
        raise ProblemsError([Problem("--refill-delay", f"cần từ 0 đến 3600 giây; đã nhập {args.refill_delay:g}")])
    ready = {"pool": args.pool, "refill_delay": args.refill_delay, "forked": args.kernels == "fork"}
    command = voila_command(args.port, auth=args.auth, user_header=args.user_header, proxies=args.proxy, **ready)
    env = {**os.environ, "CCHC_DB": store.url, "CCHC_AUTH": args.auth}  # the kernels read both
    os.execve(command[0], command, env)  # one process: one SIGTERM stops it
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
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
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", parents=[common], help="kiểm tra tệp bộ tiêu chí (YAML, CSV, xlsx)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="tệp bộ tiêu chí")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("score", parents=[common], help="tính điểm các đơn vị từ tệp CSV/xlsx")
    p.add_argument("--criteria", required=True, metavar="PATH", help="tệp bộ tiêu chí")
    p.add_argument("--scores", required=True, metavar="PATH", help="tệp điểm (CSV/xlsx)")
    p.add_argument("--period", metavar="P", help="mã kỳ")
    p.add_argument("--units", metavar="PATH", help=UNITS_HELP)
    p.add_argument(
        "--stage",
        choices=["self", "appraisal"],
        help="giai đoạn của các dòng không ghi giai đoạn (bảng ngang): appraisal cho bảng thẩm định hoặc kết quả công bố, "
        "khi đó cột điểm thưởng, điểm trừ được tính (mặc định self)",
    )
    p.add_argument("--out", metavar="PATH", help="tệp .csv hoặc .xlsx; không có thì in bảng ra màn hình")
    p.add_argument(
        "--tolerance",
        type=_decimal_argument,
        default=0.001,
        help="chênh lệch cho phép giữa tổng công bố và tổng các thành phần (mặc định 0,001)",
    )
    p.add_argument("--overall-rank", action="store_true", help=OVERALL_HELP)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("demo", parents=[common], help="nạp dữ liệu mẫu (mô phỏng) vào kho (chạy lại không nhân đôi)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("periods", parents=[common], help="danh sách kỳ: mã<TAB>tên")
    p.set_defaults(func=cmd_periods)

    p = sub.add_parser("units", parents=[common], help="danh sách đơn vị: mã<TAB>tên")
    p.add_argument("--period", metavar="P", help="mã kỳ")
    p.set_defaults(func=cmd_units)

    p = sub.add_parser("ranking", parents=[common], help="kết quả, xếp hạng của một kỳ trong kho")
    p.add_argument("--period", metavar="P", help="mặc định: kỳ mới nhất")
    p.add_argument("--out", metavar="PATH", help="tệp .csv hoặc .xlsx; không có thì in bảng ra màn hình")
    p.add_argument("--overall-rank", action="store_true", help=OVERALL_HELP)
    p.set_defaults(func=cmd_ranking)

    p = sub.add_parser("differences", parents=[common], help="so sánh tự đánh giá với thẩm định của một kỳ")
    p.add_argument("--period", metavar="P", help="mặc định: kỳ mới nhất")
    p.add_argument("--unit", metavar="U", help="mã đơn vị (xem `cchc units`)")
    p.add_argument("--all", action="store_true", help="cả các dòng thẩm định giống tự đánh giá")
    p.add_argument("--out", metavar="PATH", help="tệp .csv hoặc .xlsx; không có thì in bảng ra màn hình")
    p.set_defaults(func=cmd_differences)
    from_files = "cùng --scores: đọc bộ tiêu chí và tệp điểm này thay cho kho"
    p = sub.add_parser("whatif", parents=[common], help="so sánh một kịch bản thử trọng số (YAML) với kết quả gốc")
    p.add_argument("--criteria", metavar="PATH", help=from_files)
    p.add_argument("--scores", metavar="PATH", help=from_files)
    p.add_argument("--scenario", required=True, metavar="PATH", help="tệp kịch bản (YAML)")
    p.add_argument("--period", metavar="P", help="mặc định: kỳ mới nhất trong kho")
    p.add_argument("--units", metavar="PATH", help=UNITS_HELP)
    p.add_argument("--out", metavar="PATH", help="tệp .csv hoặc .xlsx; không có thì in bảng ra màn hình")
    p.set_defaults(func=cmd_whatif)

    p = sub.add_parser("compare", parents=[common], help="kết quả của kỳ theo một bộ tiêu chí khác (cùng cây tiêu chí)")
    p.add_argument("--criteria", required=True, metavar="PATH", help="bộ tiêu chí kia, ví dụ khảo sát nằm trong 100 điểm")
    p.add_argument("--period", metavar="P", help="mặc định: kỳ mới nhất trong kho")
    p.add_argument("--out", metavar="PATH", help="tệp .csv hoặc .xlsx; không có thì in bảng ra màn hình")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "sensitivity", parents=[common], help="độ bất định của thứ hạng khi trọng số dao động ngẫu nhiên (Monte Carlo)"
    )
    p.add_argument("--criteria", metavar="PATH", help=from_files)
    p.add_argument("--scores", metavar="PATH", help=from_files)
    p.add_argument("--period", metavar="P", help="mặc định: kỳ mới nhất trong kho")
    p.add_argument("--units", metavar="PATH", help=UNITS_HELP)
    p.add_argument("--samples", type=int, default=10_000, help="số lần lấy mẫu (mặc định 10000)")
    p.add_argument("--noise", type=_decimal_argument, default=0.25, help="± tỷ lệ dao động của mỗi trọng số (mặc định 0,25)")
    p.add_argument("--seed", type=int, default=0, help="hạt giống ngẫu nhiên: cùng hạt giống, cùng kết quả")
    p.add_argument("--method", choices=["uniform", "dirichlet"], default="uniform", help="cách cho trọng số dao động")
    p.add_argument("--level", type=int, default=1, help="cấp có trọng số thay đổi (1 = lĩnh vực)")
    p.add_argument("--out", metavar="PATH", help="tệp .csv hoặc .xlsx; không có thì in bảng ra màn hình")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("scenarios", parents=[common], help="kịch bản thử trọng số lưu trong kho")
    p.add_argument("action", choices=["list", "show", "import", "export", "delete", "mark", "unmark"], help="việc cần làm")
    p.add_argument("items", nargs="*", metavar="NAME|FILE", help="tên kịch bản, hoặc tệp với import")
    p.add_argument("--out", metavar="PATH.yaml", help="với export")
    p.add_argument("--replace", action="store_true", help="với import: thay kịch bản cùng tên")
    p.add_argument("--period", metavar="P", help="với import: đối chiếu mã với bộ tiêu chí của kỳ này (mặc định: kỳ mới nhất)")
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser("export", parents=[common], help="sổ kết quả của một kỳ (.xlsx)")
    p.add_argument("--period", metavar="P", help="mặc định: kỳ mới nhất")
    p.add_argument("--out", required=True, metavar="PATH.xlsx", help="tệp .xlsx sẽ ghi")
    p.set_defaults(func=cmd_export)

    one_unit = Parser(add_help=False)  # a unit's page of a period: its sheet, its template
    one_unit.add_argument("--period", metavar="P", help="mặc định: kỳ mới nhất")
    one_unit.add_argument("--unit", required=True, metavar="U", help="mã đơn vị (xem `cchc units`)")
    one_unit.add_argument(
        "--stage", choices=["self", "appraisal"], default="self", help="self: tự đánh giá (mặc định); appraisal: thẩm định"
    )
    p = sub.add_parser("sheet", parents=[common, one_unit], help="phiếu chấm để in của một đơn vị, .pdf hoặc .html")
    p.add_argument("--out", required=True, metavar="PATH.pdf|PATH.html", help="tệp .pdf hoặc .html sẽ ghi")
    p.set_defaults(func=cmd_sheet)

    p = sub.add_parser(
        "template", parents=[common, one_unit], help="mẫu phiếu chấm (.xlsx) của một đơn vị cho một kỳ và giai đoạn"
    )
    p.add_argument("--out", required=True, metavar="PATH.xlsx", help="tệp .xlsx sẽ ghi")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("import", parents=[common], help="lưu các mẫu phiếu đã điền; tệp có lỗi thì không lưu gì")
    p.add_argument("files", nargs="+", metavar="FILE", help="mẫu phiếu đã điền hoặc bảng điểm (.xlsx, .csv)")
    p.add_argument("--stage", choices=["self", "appraisal"], help="mặc định: giai đoạn ghi trong mẫu phiếu")
    p.add_argument("--author", help="ghi vào nhật ký (mặc định: tên tệp)")
    p.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không lưu gì")
    p.add_argument("--period", metavar="P", help="với bảng thường (mẫu phiếu tự biết kỳ)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("survey", parents=[common], help="phiếu khảo sát: nhập tệp (câu trả lời A–D) hoặc xem điểm")
    p.add_argument("action", choices=["import", "points", "template"], help="việc cần làm")
    p.add_argument("files", nargs="*", metavar="FILE", help="với import: tệp .csv/.xlsx, mỗi dòng một người trả lời × một câu")
    p.add_argument("--period", metavar="P", help="mặc định: kỳ mới nhất")
    p.add_argument("--unit", metavar="U", help="với points: chỉ một đơn vị")
    p.add_argument("--author", help="ghi cùng câu trả lời (mặc định: tên tệp)")
    p.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không lưu gì")
    p.add_argument("--out", metavar="PATH.xlsx", help="với template: nơi ghi phiếu khảo sát trống")
    p.set_defaults(func=cmd_survey)

    p = sub.add_parser("report", parents=[common], help="báo cáo năm của một kỳ, dạng HTML (hoặc PDF)")
    p.add_argument("--period", metavar="P", help="mặc định: kỳ mới nhất")
    p.add_argument("--out", required=True, metavar="PATH.html|PATH.pdf", help="tệp .html hoặc .pdf sẽ ghi")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("serve", parents=[common], help="chạy các trang chấm điểm, thử trọng số, quản trị (Voilà, 127.0.0.1)")
    p.add_argument("--port", type=int, default=8866, help="mặc định 8866")
    p.add_argument(
        "--auth",
        choices=["accounts", "header", "none"],
        default="accounts",
        help="accounts: đăng nhập bằng tài khoản trong kho (mặc định); header: proxy tin cậy cho biết người dùng; "
        "none: một người trên máy riêng, không đăng nhập",
    )
    p.add_argument("--user-header", default="X-Forwarded-User", help="với --auth header (mặc định X-Forwarded-User)")
    p.add_argument(
        "--pool",
        type=int,
        help="số kernel trang chấm điểm để sẵn cho người mở trang cùng lúc (mặc định 0 với --kernels fork: kernel tách "
        "từ tiến trình mẹ khởi động trong vài mili giây; 1 với --kernels popen, ≈ 120 MB mỗi kernel)",
    )
    p.add_argument(
        "--refill-delay",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="chờ trước khi thay một kernel sẵn sàng đã dùng (mặc định 1): với --pool lớn, chờ lâu hơn để "
        "việc thay kernel không tranh CPU với người vừa mở trang",
    )
    p.add_argument(
        "--kernels",
        choices=["fork", "popen"],
        default="fork",
        help="fork: kernel của mỗi trang được tách (fork) từ một tiến trình mẹ đã nạp sẵn thư viện (mặc định; vài mili giây "
        "và vài MB mỗi kernel); popen: mỗi kernel một trình thông dịch mới như Jupyter vẫn làm (1–2 s CPU, ≈ 120 MB mỗi kernel)",
    )
    p.add_argument(
        "--proxy",
        action="append",
        metavar="ADDRESS",
        help="địa chỉ của reverse proxy (lặp lại được): bắt buộc với --auth header, chỉ tin tiêu đề người dùng của nó; "
        "với accounts, tin X-Forwarded-For và X-Forwarded-Proto của nó (địa chỉ của từng người, HTTPS)",
    )
    p.set_defaults(func=cmd_serve)

    register_people(sub, common, _with_store)
    register_progress(sub, common, _with_store)
    p = sub.add_parser("log", parents=[common], help="nhật ký thay đổi của một kỳ: ai đổi gì, lúc nào, vì sao")
    p.add_argument("--period", metavar="P", help="mặc định: kỳ mới nhất")
    p.add_argument("--unit", metavar="U", help="mã đơn vị (xem `cchc units`)")
    p.add_argument("--code", metavar="C", help="mã tiêu chí, ví dụ 1.1.1")
    p.add_argument("--out", metavar="PATH", help="tệp .csv hoặc .xlsx; không có thì in bảng ra màn hình")
    p.set_defaults(func=cmd_log)
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
        return args.func(args)
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
