"""`cchc demo|periods|units|ranking|differences`: what the store holds, read back as lists and tables."""

from __future__ import annotations

import textwrap

import pandas as pd

from cchc_widgets.cli.shared import (
    LATEST_HELP,
    OUT_HELP,
    OVERALL_HELP,
    UNIT_HELP,
    WIDTH,
    blocks_table,
    cut_name,
    fitted,
    named,
    one_group_plain,
    out_path,
    period_name,
    result_table,
    show_or_write,
    unscored_warning,
)
from cchc_widgets.cli.table import MACHINE_HEADINGS, Command, Request, option
from cchc_widgets.core import engine
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.vocabulary import DIFFERENCE_STATES, SHORT_HEADINGS
from cchc_widgets.files.tables_out import na_as_word


def cmd_demo(req: Request) -> int:
    from cchc_widgets.services.demo import load_demo

    store = req.store
    written = load_demo(store)
    for period, count in written.items():
        print(f"kỳ {period}: {count} điểm mới hoặc thay đổi")
    print(f"dữ liệu mẫu (mô phỏng) đã có trong {store.where}")
    return 0


def cmd_periods(req: Request) -> int:
    for row in req.store.periods().itertuples():
        print(f"{row.id}\t{row.name}")
    return 0


def cmd_units(req: Request) -> int:
    store = req.store
    period = req.period if req.args.period is not None else None
    for row in store.units(period).itertuples():
        print(f"{row.id}\t{row.name}")
    return 0


def _fitted_ranking(table: pd.DataFrame, domains: tuple[str, ...], decimals: int | None) -> tuple[str, str]:
    """A ranking as the terminal prints it within `WIDTH` columns, and a note of what it left
    out: names (cut at `NAME_WIDTH`) without ids, the group and its rank only when there is
    more than one group, shorter headings; and if still too wide, the domains' points (the
    file written with --out keeps every column)."""
    shown = table.drop(columns=["unit"]) if "name" in table.columns else table.copy()
    if "name" in shown.columns:
        shown["name"] = shown["name"].map(cut_name)
    return fitted(one_group_plain(shown), decimals, ((list(domains), "điểm từng lĩnh vực"),), SHORT_HEADINGS)


def cmd_ranking(req: Request) -> int:
    """The period's results as the report and the workbook publish them (`report.published`):
    a unit whose appraisal is not complete keeps its own points, marked, with no rank or class.
    A period of several blocks: one table per block (its own set, ranked within it), or the one
    `--block` names."""
    from cchc_widgets.report.published import published_results, unappraised_key
    from cchc_widgets.services.results import blocks_of, chosen_block

    out = out_path(req.args.out)
    store = req.store
    period = req.period
    names = store.unit_names(period)
    published, appraised = published_results(store, period)
    every = blocks_of(store, period)
    blocks = every if req.args.block is None else [chosen_block(every, period, req.args.block)]
    several = len(every) > 1  # each block named, even when one is asked for
    tables = []
    for block in blocks:
        own = published[published["block"] == block.block] if several else published
        table, missing = _block_ranking(own, block.cs, block.ranking, appraised, names, req.args.overall_rank, period)
        # each block's rule, as each block is ranked: one appraised, another not at all (ranked on its own claims)
        key = unappraised_key(set(own["unit"]), appraised & set(own["unit"]))
        tables.append((block, table, missing, key))
    if out is not None:
        machine = req.args.machine_headings
        plain = [(b.block, one_group_plain(t)) for b, t, _, _ in tables]  # the group columns as the terminal shows them
        whole = blocks_table(plain, machine) if len(plain) > 1 else plain[0][1]
        show_or_write(whole, out, decimals=blocks[0].cs.decimals, machine=machine, sheet="Xếp hạng")
    for i, (block, table, _, key) in enumerate(tables if out is None else ()):
        cs = block.cs
        label = f" — khối {block.label}" if several else ""
        text, note = _fitted_ranking(table, cs.top_codes, cs.decimals)
        # with blocks, the set's name on a line of its own: it may carry brackets of its own
        # («(bộ tiêu chí minh họa)»); a period of one set keeps the title it always had
        head = f"Xếp hạng chỉ số CCHC — {period_name(store, period)}"
        title = [f"{head}{label}", f"Bộ tiêu chí: {cs.name}"] if several else [f"{head} ({cs.name})"]
        footer = [*([note] if note else []), *textwrap.wrap(key, WIDTH)]
        heading = [line for part in title for line in textwrap.wrap(part, WIDTH)]
        print(*([""] if i else []), *heading, text, *footer, sep="\n")  # a blank line between blocks
    for _, _, missing, _ in tables:
        unscored_warning(missing, names)
    return 0


def _block_ranking(
    published: pd.DataFrame,
    cs: CriteriaSet,
    ranking: pd.DataFrame,
    appraised: frozenset[str],
    names: dict[str, str],
    overall: bool,
    period: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One block's ranking table (every listed unit, «Chưa thẩm định» where its class would be)
    and its units never scored."""
    from cchc_widgets.report.published import UNAPPRAISED

    results, missing = engine.with_unscored(published, ranking)
    results["period"] = period  # a period nobody scored yet: every listed unit, none ranked
    waiting = results["unit"].isin(set(published["unit"]) - appraised)
    results["class"] = results["class"].astype(object).where(~waiting, UNAPPRAISED)  # where its class would be
    return result_table(results, cs, names, overall=overall), missing


def cmd_differences(req: Request) -> int:
    """Each item whose appraisal differs from the self-assessment: in the file by unit id and
    name; on the terminal by name within 120 columns (a reason's first words, the status
    left out when still too wide). Nothing to compare — no unit (or not the one asked for) appraised
    yet — is said as that, not as items that agree."""
    from cchc_widgets.services.results import resolved

    args = req.args
    out = out_path(args.out)
    store = req.store
    period = req.period
    rows = resolved(store, period, args.unit)
    diff = engine.differences(rows)
    if not args.all:
        diff = diff[diff["changed"]]
    names = store.unit_names(period)
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
    table = named(table.reset_index(drop=True), names, out)
    title = f"Tự đánh giá và thẩm định khác nhau — {period_name(store, period)}"
    if out is not None:
        show_or_write(table, out, decimals=cs.decimals, machine=args.machine_headings, sheet="Chênh lệch")
        return 0
    print(title)
    if table.empty:
        print(_no_differences(rows, names, args.unit, args.all))
        return 0
    text, note = fitted(table.assign(reason=table["reason"].map(_cut_reason)), cs.decimals, ((["status"], "cột Tình trạng"),))
    print(text, *([note] if note else []), sep="\n")
    return 0


REASON_WIDTH = 30  # a reason's first words on the terminal; the file keeps it whole


def _cut_reason(reason: object) -> object:
    return reason[: REASON_WIDTH - 1] + "…" if isinstance(reason, str) and len(reason) > REASON_WIDTH else reason


def _no_differences(rows: pd.DataFrame, names: dict[str, str], unit: str | None, every: bool) -> str:
    """Why the table is empty, in words: nothing appraised yet (the unit asked for, or any), or
    every appraised item agrees with the self-assessment."""
    appraised = set(rows.loc[rows["stage"] == "appraisal", "unit"]) if len(rows) else set()
    if unit is not None and unit not in appraised:
        return f"{names.get(unit, unit)} chưa thẩm định: chưa có gì để so với tự đánh giá"
    if not appraised:
        return "chưa đơn vị nào được thẩm định: chưa có gì để so với tự đánh giá"
    return "không có tiêu chí nào" + ("" if every else " có tự đánh giá và thẩm định khác nhau")


COMMANDS = (
    Command("demo", "nạp dữ liệu mẫu (mô phỏng) vào kho (chạy lại không nhân đôi)", cmd_demo),
    Command("periods", "danh sách kỳ: mã<TAB>tên", cmd_periods),
    Command("units", "danh sách đơn vị: mã<TAB>tên", cmd_units, (option("--period", metavar="P", help="mã kỳ"),)),
    Command(
        "ranking",
        "kết quả, xếp hạng của một kỳ trong kho",
        cmd_ranking,
        (
            option("--period", metavar="P", help=LATEST_HELP),
            option("--out", metavar="PATH", help=OUT_HELP),
            option("--overall-rank", action="store_true", help=OVERALL_HELP),
            option("--block", metavar="KHỐI", help="chỉ khối này (so, huyen …), khi kỳ có nhiều khối"),
            MACHINE_HEADINGS,
        ),
    ),
    Command(
        "differences",
        "so sánh tự đánh giá với thẩm định của một kỳ",
        cmd_differences,
        (
            option("--period", metavar="P", help=LATEST_HELP),
            option("--unit", metavar="U", help=UNIT_HELP),
            option("--all", action="store_true", help="cả các dòng thẩm định giống tự đánh giá"),
            option("--out", metavar="PATH", help=OUT_HELP),
            MACHINE_HEADINGS,
        ),
    ),
)
