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
from cchc_widgets.cli.terminal import progress_terminal, shown_as_text
from cchc_widgets.core import clock, engine
from cchc_widgets.core.criteria import ADJUSTMENT_KINDS, check_criteria, load_criteria
from cchc_widgets.core.errors import CchcError, Problem, ProblemsError
from cchc_widgets.core.numbers import parse_decimal, show_number
from cchc_widgets.core.text import clean_text
from cchc_widgets.core.vocabulary import DIFFERENCE_STATES
from cchc_widgets.files.score_tables import read_scores
from cchc_widgets.files.tables_out import na_as_word, readable, write_table

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


def _write(frame: pd.DataFrame, path: Path | None, title: str = "", decimals: int | None = None) -> None:
    """A table on stdout for people, or a file: figures with the places the criteria set
    publishes (`decimals`: `92.50` in a CSV, format `0.00` in an xlsx), else cleared of float
    noise only (tables that are not published figures)."""
    if path is None:
        if title:
            print(title)
        print(readable(frame, decimals))
    else:
        write_table(frame, path, decimals)


UNITS_HELP = "with files: a units table (id, name, group, ranked): ranks within each group, none for unranked units"


def _result_table(scored: engine.Scored, cs_top: tuple[str, ...], names: dict[str, str] | None = None) -> pd.DataFrame:
    res = scored.results.sort_values(["period", "rank", "unit"], na_position="last")
    survey = ["survey"] if "survey" in res.columns and res["survey"].abs().sum() > 0 else []  # hidden before any answers
    adjusted = ["bonus", "penalty"] if "bonus" in res.columns and res[["bonus", "penalty"]].abs().sum().sum() > 0 else []
    grouped = ["group", "group_rank"] if "group" in res.columns else []  # when the units' groups are known
    columns = ["unit", *grouped[:1], *cs_top, *survey, *adjusted, "total", "index", "rank", *grouped[1:], "class"]
    if res["period"].nunique() > 1:
        columns.insert(0, "period")
    table = res[columns].copy()
    if names:
        table.insert(columns.index("unit") + 1, "name", table["unit"].map(names).fillna(""))
    return table.reset_index(drop=True)


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
            print(
                f"{path}: hợp lệ — {len(cs.nodes)} mục, {len(cs.leaf_codes)} mục lá, {cs.depth} cấp, "
                f"tổng {show_number(round(cs.max_points, 6))} điểm{survey}"
            )
    return 1 if bad else 0


def cmd_score(args: argparse.Namespace) -> int:
    if args.tolerance < 0:
        raise ProblemsError([Problem("--tolerance", "sai số cho phép không được âm")])
    out = _out_path(args.out)
    cs = load_criteria(args.criteria)
    data = read_scores(args.scores, cs, period=args.period)
    scored = engine.aggregate(data.scores, cs, units=_units_file(args, set(data.scores["unit"])))
    _write(_result_table(scored, cs.top_codes), out, decimals=cs.decimals)
    mismatches = engine.check_subtotals(data.given, scored.nodes, cs, args.tolerance)
    printed = engine.compare_printed(data.printed, scored.results, args.tolerance)
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
    from cchc_widgets.services.results import score_period

    out = _out_path(args.out)
    store = _store(args)
    period = _period(store, args.period)
    cs = store.criteria_for(period)
    names = store.unit_names(period)
    table = _result_table(score_period(store, period), cs.top_codes, names)
    _write(table, out, title=f"Xếp hạng chỉ số CCHC — kỳ {period} ({cs.name})", decimals=cs.decimals)
    return 0


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
    title = f"Tự đánh giá và thẩm định khác nhau — kỳ {period}"
    _write(table.reset_index(drop=True), out, title=title, decimals=cs.decimals)
    return 0


def _units_file(args: argparse.Namespace, scored_units: set[str]) -> pd.DataFrame | None:
    """`--units FILE` (id, name, group, ranked) as the engine's ranking, or None; every unit
    scored must be listed."""
    if getattr(args, "units", None) is None:
        return None
    from cchc_widgets.files.unit_tables import ranking, read_units

    units = read_units(args.units)
    unlisted = sorted(scored_units - set(units["id"]))
    if unlisted:
        raise ProblemsError([Problem(args.units, f"thiếu đơn vị có điểm: {', '.join(unlisted)}")])
    return ranking(units)


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
        return store.criteria_for(period), resolved(store, period), ranking_of(store, period), f"kỳ {period} trong kho"
    cs = load_criteria(args.criteria)
    data = read_scores(args.scores, cs, period=args.period)
    if data.scores["period"].nunique() > 1:
        periods = ", ".join(sorted(data.scores["period"].unique()))
        raise ProblemsError([Problem(args.scores, f"tệp có nhiều kỳ ({periods}); chọn một kỳ bằng --period")])
    units = _units_file(args, set(data.scores["unit"]))
    return cs, data.scores, units, f"tệp {args.scores} (không có điểm khảo sát)"


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
    title = f"Kỳ {period} theo bộ '{other.name}' so với bộ của kỳ ({store.criteria_for(period).name})"
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
    from cchc_widgets.services.audit import LOG_COLUMNS, change_log

    out = _out_path(args.out)
    store = _store(args)
    period = _period(store, args.period)
    frame = change_log(store, period, args.unit, args.code).rename(columns=LOG_COLUMNS)
    if out is None and frame.empty:
        print(f"kỳ {period}: nhật ký chưa có thay đổi nào")
        return 0
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
    if args.auth == "accounts" and not (store.accounts()["role"] == "admin").any():
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
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="SQLAlchemy database URL (default: CCHC_DB, else an SQLite file in the data directory)",
    )
    parser = argparse.ArgumentParser(
        prog="cchc", parents=[common], description="Chỉ số CCHC: validate criteria sets, score units, rank them."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", parents=[common], help="check criteria files (YAML, CSV, xlsx)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("score", parents=[common], help="score units from a CSV/xlsx file")
    p.add_argument("--criteria", required=True, metavar="PATH")
    p.add_argument("--scores", required=True, metavar="PATH")
    p.add_argument("--period", metavar="P")
    p.add_argument("--units", metavar="PATH", help=UNITS_HELP)
    p.add_argument("--out", metavar="PATH", help=".csv or .xlsx; a table on stdout without it")
    p.add_argument(
        "--tolerance",
        type=_decimal_argument,
        default=0.001,
        help="allowed difference between a published total and the sum of its parts (default 0.001)",
    )
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("demo", parents=[common], help="load the synthetic demo into the store (idempotent)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("periods", parents=[common], help="list periods: id<TAB>name")
    p.set_defaults(func=cmd_periods)

    p = sub.add_parser("units", parents=[common], help="list units: id<TAB>name")
    p.add_argument("--period", metavar="P")
    p.set_defaults(func=cmd_units)

    p = sub.add_parser("ranking", parents=[common], help="results of a period from the store")
    p.add_argument("--period", metavar="P", help="default: the latest period")
    p.add_argument("--out", metavar="PATH")
    p.set_defaults(func=cmd_ranking)

    p = sub.add_parser("differences", parents=[common], help="self-assessment vs appraisal of a period")
    p.add_argument("--period", metavar="P", help="default: the latest period")
    p.add_argument("--unit", metavar="U")
    p.add_argument("--all", action="store_true", help="also rows where the appraisal agrees")
    p.add_argument("--out", metavar="PATH")
    p.set_defaults(func=cmd_differences)
    from_files = "with --scores: read this criteria set and score file instead of the store"
    p = sub.add_parser("whatif", parents=[common], help="compare a what-if scenario (YAML) with the baseline")
    p.add_argument("--criteria", metavar="PATH", help=from_files)
    p.add_argument("--scores", metavar="PATH", help=from_files)
    p.add_argument("--scenario", required=True, metavar="PATH")
    p.add_argument("--period", metavar="P", help="default: the store's latest period")
    p.add_argument("--units", metavar="PATH", help=UNITS_HELP)
    p.add_argument("--out", metavar="PATH")
    p.set_defaults(func=cmd_whatif)

    p = sub.add_parser("compare", parents=[common], help="a period's results under another criteria set (same tree)")
    p.add_argument("--criteria", required=True, metavar="PATH", help="the other set, e.g. the survey inside the 100")
    p.add_argument("--period", metavar="P", help="default: the store's latest period")
    p.add_argument("--out", metavar="PATH")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("sensitivity", parents=[common], help="rank uncertainty under random weights (Monte Carlo)")
    p.add_argument("--criteria", metavar="PATH", help=from_files)
    p.add_argument("--scores", metavar="PATH", help=from_files)
    p.add_argument("--period", metavar="P", help="default: the store's latest period")
    p.add_argument("--units", metavar="PATH", help=UNITS_HELP)
    p.add_argument("--samples", type=int, default=10_000)
    p.add_argument("--noise", type=_decimal_argument, default=0.25, help="±share of each weight (default 0.25)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--method", choices=["uniform", "dirichlet"], default="uniform")
    p.add_argument("--level", type=int, default=1, help="the level whose weights vary (1 = domains)")
    p.add_argument("--out", metavar="PATH")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("scenarios", parents=[common], help="what-if scenarios kept in the store")
    p.add_argument("action", choices=["list", "show", "import", "export", "delete", "mark", "unmark"])
    p.add_argument("items", nargs="*", metavar="NAME|FILE")
    p.add_argument("--out", metavar="PATH.yaml", help="with export")
    p.add_argument("--replace", action="store_true", help="with import: replace scenarios of the same name")
    p.add_argument("--period", metavar="P", help="with import: check codes against this period's set (default: latest)")
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser("export", parents=[common], help="the results workbook of a period (.xlsx)")
    p.add_argument("--period", metavar="P", help="default: the latest period")
    p.add_argument("--out", required=True, metavar="PATH.xlsx")
    p.set_defaults(func=cmd_export)

    one_unit = argparse.ArgumentParser(add_help=False)  # a unit's page of a period: its sheet, its template
    one_unit.add_argument("--period", metavar="P", help="default: the latest period")
    one_unit.add_argument("--unit", required=True, metavar="U")
    one_unit.add_argument("--stage", choices=["self", "appraisal"], default="self")
    p = sub.add_parser("sheet", parents=[common, one_unit], help="a unit's printable scoring sheet, .pdf or .html")
    p.add_argument("--out", required=True, metavar="PATH.pdf|PATH.html")
    p.set_defaults(func=cmd_sheet)

    p = sub.add_parser("template", parents=[common, one_unit], help="a unit's scoring workbook (.xlsx) for a period and stage")
    p.add_argument("--out", required=True, metavar="PATH.xlsx")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("import", parents=[common], help="store filled templates; a file with any problem stores nothing")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--stage", choices=["self", "appraisal"], help="default: the template's own stage")
    p.add_argument("--author", help="recorded in the change log (default: the file name)")
    p.add_argument("--dry-run", action="store_true", help="check only; store nothing")
    p.add_argument("--period", metavar="P", help="for plain tables (templates know their period)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("survey", parents=[common], help="survey responses: import files (A–D answers) or show the points")
    p.add_argument("action", choices=["import", "points", "template"])
    p.add_argument("files", nargs="*", metavar="FILE", help="with import: .csv/.xlsx, one row per respondent × item")
    p.add_argument("--period", metavar="P", help="default: the latest period")
    p.add_argument("--unit", metavar="U", help="with points: one unit only")
    p.add_argument("--author", help="recorded with the responses (default: the file name)")
    p.add_argument("--dry-run", action="store_true", help="check only; store nothing")
    p.add_argument("--out", metavar="PATH.xlsx", help="with template: where to write the empty response sheet")
    p.set_defaults(func=cmd_survey)

    p = sub.add_parser("report", parents=[common], help="the annual report of a period as HTML (or PDF)")
    p.add_argument("--period", metavar="P", help="default: the latest period")
    p.add_argument("--out", required=True, metavar="PATH.html|PATH.pdf")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("serve", parents=[common], help="serve the scoring and what-if apps with Voilà on 127.0.0.1")
    p.add_argument("--port", type=int, default=8866, help="default 8866")
    p.add_argument(
        "--auth",
        choices=["accounts", "header", "none"],
        default="accounts",
        help="accounts: sign in with accounts in the store (default); header: a trusted proxy names the user; "
        "none: one person on a laptop, no sign-in",
    )
    p.add_argument("--user-header", default="X-Forwarded-User", help="with --auth header (default X-Forwarded-User)")
    p.add_argument(
        "--pool",
        type=int,
        help="scoring kernels kept ready for people opening the page at once (default 0 with --kernels fork: a forked "
        "kernel starts in milliseconds; 1 with --kernels popen, ≈ 120 MB each)",
    )
    p.add_argument(
        "--refill-delay",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="wait before replacing a used ready kernel (default 1): with a large --pool, a longer wait keeps the "
        "replacements from competing for the cores with the people who just opened pages",
    )
    p.add_argument(
        "--kernels",
        choices=["fork", "popen"],
        default="fork",
        help="fork: each page's kernel is forked from one warm parent that imported the libraries once (default; "
        "a few ms and MB each); popen: a new interpreter per kernel, as Jupyter starts them (1–2 s of CPU, ≈ 120 MB each)",
    )
    p.add_argument(
        "--proxy",
        action="append",
        metavar="ADDRESS",
        help="the reverse proxy's address (repeatable): with --auth header required, only its user header is believed; "
        "with accounts, its X-Forwarded-For and X-Forwarded-Proto are (each person's own address, HTTPS)",
    )
    p.set_defaults(func=cmd_serve)

    register_people(sub, common, _with_store)
    p = sub.add_parser("log", parents=[common], help="the change log of a period: who changed what, when, and why")
    p.add_argument("--period", metavar="P", help="default: the latest period")
    p.add_argument("--unit", metavar="U")
    p.add_argument("--code", metavar="C")
    p.add_argument("--out", metavar="PATH", help=".csv or .xlsx; a table on stdout without it")
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
