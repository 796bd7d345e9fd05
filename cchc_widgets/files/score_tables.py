"""Score files as people keep them: long (`unit, code, points`) or wide (a `unit` column
and one column per criterion code), in CSV or xlsx.

In the wide form a number is points, a word for N/A marks the item not applicable, and
other text is what the unit declared (a level's label, "có"/"không", "85%", "17/20") and is
scored by the item's rule. Columns for non-leaf codes and a `total` column are published
subtotals: they are not scored, they are checked (`table_checks.check_subtotals`); so are the
results a published table prints beside them — index, rank, rank in the group, class, under
their English ids or Vietnamese headings (`table_checks.compare_printed`).

Numbers are read by the file's own convention (`numbers.decide_column`): a column's
unambiguous numbers, the item's maximum and the CSV's separator and quoting decide a number
with two readings; only one that stays ambiguous is refused, where it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.engine import TOTAL, resolve
from cchc_widgets.core.errors import Problem, ProblemsError, RuleInputError
from cchc_widgets.core.numbers import column_places, decide_column, format_number, parse_decimal, percent_off
from cchc_widgets.core.rules import is_na
from cchc_widgets.core.tables import Row, Table, read_table
from cchc_widgets.core.text import folded
from cchc_widgets.core.vocabulary import HEADING_FORMS, PRINTED, UNSCORED, foreign_code, heading_code, input_column, is_yes
from cchc_widgets.files.unit_tables import by_unit_id

LONG_OPTIONAL = ("period", "stage", "points", "value", "na", "note")
NOTE_WORDS = frozenset({"lý do", "ghi chú", "note", "reason"})
WIDE_META = ("unit", "period", "stage", "name", "unit_name", "group", "row_number")
# a published subtotal or printed figure, and the places its column is printed with (`numbers.column_places`)
GIVEN_COLUMNS = ["period", "unit", "code", "value", "places"]


@dataclass(frozen=True)
class ScoresFile:
    """Leaf scores checked by the engine (`engine.resolve` output), published subtotals
    (`GIVEN_COLUMNS`: period, unit, code, value, places) and printed results (the same, code one
    of `vocabulary.PRINTED`, value as printed)."""

    scores: pd.DataFrame
    given: pd.DataFrame
    rows: pd.DataFrame  # the leaf rows as read (with `_where`; note None where the file has none): what an import writes
    printed: pd.DataFrame
    units: tuple[str, ...] = ()  # every unit the file names, in its order: a row with no score names one too
    groups: dict[str, str] | None = None  # each unit's ranking group, when the file has a `group`/`Nhóm` column


def read_scores(
    path: str | Path, cs: CriteriaSet, period: str | None = None, stage: str | None = None, names: dict[str, str] | None = None
) -> ScoresFile:
    """Read a long or wide score file and check every score against the criteria set;
    `period` fills a missing period column or filters by it; `stage` (self or appraisal) is
    the stage of rows that name none — a wide table has no stage column, and an appraisal's
    or a published result's bonus and penalty columns are the appraiser's; `names` (each
    listed unit's id → name): a table that names its units only by name is read by their ids
    (`unit_tables.by_unit_id`). Raises with every problem of the file (layout, cells and rules) at once."""
    table = _score_table(path, [cs], names)
    return _scores_of(table, table.rows(), table.columns, cs, period, stage, [])


def named_periods(path: str | Path) -> list[str]:
    """The periods a score table's own `period` column names, in their order (none when it
    has no such column): what a long table of one period says of itself."""
    table = _with_ids(read_table(path))
    if "period" not in table.columns:
        return []
    return list(dict.fromkeys(p for row in table.rows() if (p := row.text("period"))))


def read_block_scores(
    path: str | Path,
    sets: dict[str, CriteriaSet],
    blocks: dict[str, str],
    period: str | None = None,
    stage: str | None = None,
    strangers: str | None = None,
    names: dict[str, str] | None = None,
) -> dict[str, ScoresFile]:
    """A score file whose units are of several blocks (`blocks`: each unit's, as its units
    table says), each unit's rows read and checked against its own block's set (`sets`): the
    file of each block that has rows in it. A row of a unit the list does not name, or whose
    code is not in its unit's block's set, is refused naming the file, the row, the unit and the
    code; every problem of every block at once. `strangers`: the block whose set reads a unit
    the list does not name, for a caller that refuses it in its own words (an import: the unit
    does not take part in the period); `names` as `read_scores` takes them."""
    table = _score_table(path, list(sets.values()), names)
    problems, parts = [], {}
    for row in table.rows():
        unit = row.text("unit")
        if not unit:
            problems.append(Problem(table.file, "thiếu mã đơn vị", where=row.where("unit")))
        elif unit not in blocks and strangers is None:
            problems.append(Problem(table.file, f"đơn vị '{unit}' không có trong bảng đơn vị", where=row.where("unit")))
        else:
            parts.setdefault(blocks.get(unit, strangers), []).append(row)
    read = {block: _nothing(cs, period) for block, cs in sets.items() if block not in parts}  # its units all unscored
    for block, cs in sets.items():
        if block not in parts:
            continue
        others = [other for b, other in sets.items() if b != block]
        rows, columns, foreign = _own_part(table, parts[block], cs, others, block)
        try:
            read[block] = _scores_of(table, rows, columns, cs, period, stage, foreign)
        except ProblemsError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    return read


def _nothing(cs: CriteriaSet, period: str | None) -> ScoresFile:
    """A block's part of a file that has no row of its units."""
    rows = pd.DataFrame(columns=["period", "unit", "code", "stage", "points", "value", "na", "note", "_where"])
    empty = pd.DataFrame(columns=GIVEN_COLUMNS)
    return ScoresFile(resolve(rows.assign(period=period or ""), cs), empty, rows, empty)


def _own_part(
    table: Table, rows: list[Row], cs: CriteriaSet, others: list[CriteriaSet], block: str
) -> tuple[list[Row], tuple[str, ...], list[Problem]]:
    """What one block's rows of a file read: a long table's rows without those of codes not in
    the block's set; a wide table's rows without the columns of other blocks' codes (and their
    reasons). Each row or cell left out that holds something is refused, naming the unit, its
    block and the code (`vocabulary.foreign_code`)."""
    if "code" in table.columns:
        own = [_code_in(row.text("code"), cs) is not None for row in rows]
        refused = [
            _foreign(table.file, row, block, row.text("code"), cs, "code") for row, ok in zip(rows, own, strict=True) if not ok
        ]
        return [row for row, ok in zip(rows, own, strict=True) if ok], table.columns, refused
    theirs = {}
    for column in table.columns:
        code = next((found for other in others if (found := _code_in(column, other)) is not None), None)
        if code is not None and _code_in(column, cs) is None:
            theirs[column] = code
    refused = [_foreign(table.file, row, block, code, cs, c) for c, code in theirs.items() for row in rows if row.text(c)]
    return rows, tuple(c for c in table.columns if c not in theirs), refused


def _code_in(column: str, cs: CriteriaSet) -> str | None:
    """The criterion of `cs` a column (or a long table's code) is of: its own code, or the code
    whose reason it holds; None when it is neither."""
    return column if column in cs.entries or column in cs.nodes else reason_of(column, cs) if column else None


def _foreign(file: str, row: Row, block: str, code: str, cs: CriteriaSet, column: str) -> Problem:
    return Problem(file, foreign_code(row.text("unit"), block, code, cs.id), code, row.where(column))


def _score_table(path: str | Path, sets: list[CriteriaSet], names: dict[str, str] | None = None) -> Table:
    """The file as a table with column ids, refused without a unit column or without rows,
    knowing the decimal marks its number columns show (those that hold numbers whichever of
    `sets` reads a row: a reason column of any set shows nothing); its units by id when it
    names them only by name and `names` lists them (`unit_tables.by_unit_id`)."""
    table = _with_codes(_with_ids(read_table(path)), sets)
    if "unit" not in table.columns:
        raise ProblemsError([Problem(table.file, "thiếu cột 'unit' (mã đơn vị)", where=table.sheet and f"sheet '{table.sheet}'")])
    if not table.records:  # a header alone would "save" nothing for no unit: say so instead
        raise ProblemsError([Problem(table.file, "tệp chỉ có dòng tiêu đề, không có dòng điểm nào")])
    position = table.columns.index("unit")
    if names is not None and input_column((table.headings or table.columns)[position]) == "name":
        table = by_unit_id(table, position, names)
    numbers = [set(_number_columns(table.columns, cs)) for cs in sets]
    return table.showing(sorted(set.intersection(*numbers)))


def _scores_of(
    table: Table,
    rows: list[Row],
    columns: tuple[str, ...],
    cs: CriteriaSet,
    period: str | None,
    stage: str | None,
    problems: list[Problem],
) -> ScoresFile:
    """`rows` of the table (their `columns`) read against `cs`: `read_scores` with the problems
    found before (`problems`) raised with the cells' own."""
    file = table.file
    if "code" in columns:
        scores, given, more = _long(rows, columns, cs, file)
        printed = []
    else:
        scores, given, printed, more = _wide(rows, columns, cs, file)
    unnamed = [Problem(file, "thiếu mã đơn vị", where=row.where("unit")) for row in rows if not row.text("unit")]
    problems = [*problems, *more, *unnamed]
    scores = [s for s in scores if s[1]]
    scores_df = pd.DataFrame(scores, columns=["period", "unit", "code", "stage", "points", "value", "na", "note", "_where"])
    if stage is not None:
        scores_df["stage"] = scores_df["stage"].fillna(stage)
    scores_df["note"] = scores_df["note"].astype(object).where(scores_df["note"].notna(), None)  # no note: None, never NaN
    given_df = pd.DataFrame(given, columns=GIVEN_COLUMNS)
    printed_df = pd.DataFrame(printed, columns=GIVEN_COLUMNS)
    if period is not None:
        has_period = scores_df["period"].astype(bool).any()
        if has_period:
            scores_df = scores_df[scores_df["period"] == period]
            given_df = given_df[given_df["period"] == period]
            printed_df = printed_df[printed_df["period"] == period]
            if scores_df.empty and not problems:
                raise ProblemsError([Problem(file, f"không có dòng nào của kỳ '{period}'")])
        else:
            scores_df["period"] = period
            given_df["period"] = period
            printed_df["period"] = period
    try:
        resolved = resolve(scores_df, cs, file)
    except ProblemsError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    kept = [row for row in rows if period is None or not row.text("period") or row.text("period") == period]
    named = tuple(dict.fromkeys(row.text("unit") for row in kept if row.text("unit")))
    groups = {row.text("unit"): row.text("group") for row in kept} if "group" in columns else None
    return ScoresFile(
        resolved,
        given_df.reset_index(drop=True),
        scores_df.reset_index(drop=True),
        printed_df.reset_index(drop=True),
        named,
        groups,
    )


def _with_ids(table: Table) -> Table:
    """The table with its headings read as column ids (`vocabulary.input_column`): `Mã đơn
    vị`, `Tổng điểm`, `Hạng` as our own tables write them, `STT` as provinces print them. A
    table whose units are named only by `Đơn vị` (the name) is keyed by that column. Two
    columns that mean the same are refused, both named."""
    ids = {c: found for c in table.columns if c and (found := input_column(c)) is not None}
    if "unit" not in ids.values() and "unit" not in table.columns:
        ids.update((c, "unit") for c, found in list(ids.items()) if found == "name")
    return _renamed(table, ids)


def _with_codes(table: Table, sets: list[CriteriaSet]) -> Table:
    """The table with each criterion's column headed as provinces print it («1: Participation
    at Local Levels», «1. Công tác chỉ đạo, điều hành», «Tiêu chí 1.1 – Kế hoạch CCHC») read as
    its code, when one of `sets` has that code (`vocabulary.heading_code`); any other heading
    stays as it is, for the reader to refuse by name. A reason column (`T1 lý do`: `reason_of`)
    stays one, though its heading has the shape of a code and words."""
    known = {code for cs in sets for code in (*cs.nodes, *cs.entries)}
    headed = [c for c in table.columns if c and c not in known and all(reason_of(c, cs) is None for cs in sets)]
    codes = {c: code for c in headed if (code := heading_code(c, words=True)) in known}
    return _renamed(table, codes)


def _renamed(table: Table, ids: dict[str, str]) -> Table:
    """The table with its columns renamed by `ids`; two columns that mean the same are
    refused, both named as the file heads them."""
    seen: dict[str, str] = {}
    problems = []
    headings = dict(zip(table.columns, table.headings or table.columns, strict=True))
    for column in table.columns:
        key = ids.get(column, column)
        if key in seen:
            said = f"cột '{seen[key]}' và cột '{headings[column]}' cùng là '{key}': hãy giữ một"
            problems.append(Problem(table.file, said, where=table.sheet and f"sheet '{table.sheet}'"))
        seen[key] = headings[column]
    if problems:
        raise ProblemsError(problems)
    return table.renamed(ids) if any(ids.get(c, c) != c for c in table.columns) else table


def _number_columns(columns: tuple[str, ...], cs: CriteriaSet) -> list[str]:
    """The columns of a score table that hold numbers, whose decimal marks speak for the whole
    file (`Table.showing`): a long table's points and values; a wide table's every column but
    its units, names, groups, classes and reasons (a code `1.1` or a unit `Sở 2.5` shows nothing)."""
    if "code" in columns:
        return ["points", "value"]
    return [c for c in columns if c and c not in WIDE_META and c != "class" and reason_of(c, cs) is None]


def _decided(
    rows: list[Row],
    column: str,
    what: str,
    maxima: list[float | None] | None,
    file: str,
    code: str | None = None,
    counts: list[bool] | None = None,
    cells: list | None = None,
) -> tuple[list, dict[int, Problem]]:
    """A column's cells with numbers of two readings decided by the file's convention
    (`numbers.decide_column`), and a problem, where it is, for each row whose cell stays
    ambiguous (`code`: the column's criterion, else the row's: a long table's cells of one
    item speak for each other first; `cells`: the column's cells as its reader has them, else as read)."""
    cells = [row.raw(column) for row in rows] if cells is None else cells
    whole = counts or [False] * len(rows)
    marks = [row.decimal_mark(column, count) for row, count in zip(rows, whole, strict=True)]
    items = None if code else [row.text("code") for row in rows]
    mixed = bool(rows) and len(rows[0].table.shown) > 1  # the file shows both decimal marks
    out, refused = decide_column(cells, what, marks, maxima, counts, items, mixed)
    return out, {i: Problem(file, message, code or rows[i].text("code"), rows[i].where(column)) for i, message in refused.items()}


def _long(rows: list[Row], columns: tuple[str, ...], cs: CriteriaSet, file: str) -> tuple[list, list, list[Problem]]:
    if "points" not in columns and "value" not in columns and "na" not in columns:
        raise ProblemsError([Problem(file, "bảng dạng dọc cần cột 'points' (điểm) hoặc 'value' (giá trị kê khai)")])
    items = [cs.entries.get(row.text("code")) for row in rows]
    maxima = [None if item is None else item.max_points for item in items]
    points_read, ambiguous = _decided(rows, "points", "điểm", maxima, file)
    counts = [item is not None and item.rule.counts for item in items]
    values_read, ambiguous_values = _decided(rows, "value", "giá trị", None, file, counts=counts)
    problems = [*ambiguous.values(), *ambiguous_values.values()]
    penalties = _penalty_codes(cs)
    out = []
    for i, (row, points, value) in enumerate(zip(rows, points_read, values_read, strict=True)):
        if i in ambiguous or i in ambiguous_values:
            continue
        na = is_yes(row.text("na")) or is_na(points, cs.na_label)
        if points is not None and not na:
            try:
                points = parse_decimal(points, "điểm")
            except RuleInputError as exc:
                problems.append(Problem(file, str(exc), row.text("code"), row.where("points")))
                continue
            if row.text("code") in penalties:  # a deduction printed −1,5, as in a wide table
                points = abs(points)
        elif na:
            points = None
        out.append(
            (
                row.text("period"),
                row.text("unit"),
                row.text("code"),
                row.text("stage") or None,  # none given: the stage the import is for
                points,
                value,
                na,
                row.text("note") if "note" in columns else None,  # no note column: the stored note stays
                row.where("points" if "points" in columns else "value"),
            )
        )
    return out, [], problems


def reason_of(column: str, cs: CriteriaSet) -> str | None:
    """The criterion whose reason (note) a wide table's column holds: `lý do T1`, `T1 lý do`,
    `T1 (lý do)`, `ghi chú 1.1.2`, `note T1`, `reason P1`; None for any other column."""
    words = column.replace("(", " ").replace(")", " ").split()
    for size in (2, 1):
        for head, code in ((words[:size], words[size:]), (words[-size:], words[:-size])):
            if len(code) == 1 and folded(" ".join(head)) in NOTE_WORDS and code[0] in cs.entries:
                return code[0]
    return None


def _printed(rows: list[Row], printed_cols: dict[str, str], cs: CriteriaSet, file: str) -> tuple[list[tuple], list[Problem]]:
    """(period, unit, what, cell, places) of the figures a table prints (total, rank, class …):
    checked, not refused — what stays ambiguous is compared as printed. An index may be printed
    as a percentage (`97,69%`, a cell formatted `0.00%`: `numbers.percent_off`); a percentage
    in any other printed column is refused, where it is."""
    printed, problems = [], []
    for col, what in printed_cols.items():
        limit = len(rows) if "rank" in what else cs.index_cap if what == "index" else _maximum(cs, TOTAL)
        raw = [row.raw(col) for row in rows]
        if what == "index":
            raw = [percent_off(cell)[0] for cell in raw]
        else:
            refused = _percents(rows, col, file)
            problems += refused.values()
            raw = [None if i in refused else cell for i, cell in enumerate(raw)]
        cells = raw if what == "class" else _decided(rows, col, what, [limit] * len(rows), file, cells=raw)[0]
        places = column_places(cells)
        printed += [
            (row.text("period"), row.text("unit"), what, cell, places)
            for row, cell in zip(rows, cells, strict=True)
            if cell is not None and not (isinstance(cell, str) and folded(cell) == UNSCORED)
        ]
    return printed, problems


def _percents(rows: list[Row], col: str, file: str, leaf: bool = False) -> dict[int, Problem]:
    """A problem for each cell of a column of points, subtotals or printed results written as
    a percentage (`85%`, or a number formatted `0%` in an xlsx), by row: only an index is
    printed so. In an item's column (`leaf`) text such as `85%` is what the unit declared, for
    the item's rule: only a number formatted as a percentage is refused there."""
    out = {}
    for i, row in enumerate(rows):
        cell = row.raw(col)
        number, percent = percent_off(cell)
        if percent and not (leaf and isinstance(cell, str)):
            shown = (
                f"số {format_number(cell, 6)} định dạng phần trăm ({format_number(number, 6)}%)"
                if isinstance(cell, float)
                else f"'{cell.strip()}' ghi theo phần trăm"
            )
            said = f"{shown}: chỉ cột chỉ số ghi được phần trăm; ở cột này hãy ghi số, không có %"
            out[i] = Problem(file, said, None if col in PRINTED or col == TOTAL else col, row.where(col))
    return out


def _reasons_without_points(reasons: dict[str, str], code_cols: list[str], rows: list[Row], file: str) -> list[Problem]:
    """A reason column for points the table does not give: a mistake, not a note to drop."""
    return [
        Problem(file, f"cột '{col}' là lý do của mã {code}, nhưng bảng không có cột '{code}'", code, rows[0].where(col))
        for code, col in reasons.items()
        if code not in code_cols
    ]


def _wide(rows: list[Row], columns: tuple[str, ...], cs: CriteriaSet, file: str) -> tuple[list, list, list, list[Problem]]:
    problems = []
    printed_cols = {c: c for c in columns if c in PRINTED}
    reasons = {code: c for c in columns if c and (code := reason_of(c, cs))}
    code_cols = [c for c in columns if c and c not in WIDE_META and c not in printed_cols and c not in reasons.values()]
    for col in code_cols:
        if col != TOTAL and col not in cs.nodes and col not in cs.entries:
            code = heading_code(col)  # a heading as provinces print it, of a code the set does not have
            forms = HEADING_FORMS.format(c=next(iter(cs.entries), "1.1"))
            said = f"mã '{code}' không có trong bộ '{cs.id}'" if code else f"cột '{col}' không phải mã tiêu chí của bộ '{cs.id}'"
            said += "" if code else f"; tiêu đề cột điểm là {forms}"
            problems.append(Problem(file, said, where=rows[0].where(col) if rows else None))
    if problems:
        raise ProblemsError(problems)
    scores, given = [], []
    columns_read, ambiguous = {}, {}
    for col in code_cols:
        columns_read[col], ambiguous[col] = _points_column(rows, col, cs, file)
        problems.extend(ambiguous[col].values())
    printed, refused = _printed(rows, printed_cols, cs, file)
    problems += refused
    source: dict[str, str] = {}  # the column a code's points are read from, when it is not the code's own
    for kind in ("bonus", "penalty"):  # a results table's `bonus` is its item's points when the set has one such item
        items = [a.code for a in cs.adjustments if a.kind == kind]
        if kind in printed_cols and len(items) == 1 and items[0] not in code_cols:
            code_cols.append(items[0])
            columns_read[items[0]] = [_abs(v) for v in _decided(rows, kind, "điểm", [None] * len(rows), file)[0]]
            ambiguous[items[0]], source[items[0]] = {}, kind
    problems += _reasons_without_points(reasons, code_cols, rows, file)
    places = {col: column_places(columns_read[col]) for col in code_cols}
    for i, row in enumerate(rows):
        period, unit, stage = row.text("period"), row.text("unit"), row.text("stage") or None
        for col in code_cols:
            cell = columns_read[col][i]
            if cell is None or i in ambiguous[col] or (isinstance(cell, str) and folded(cell) == UNSCORED):
                continue  # «chưa có điểm»: a listed unit without scores, as our own tables write it
            leaf = col in cs.entries  # a leaf, or a bonus or penalty item
            note = row.text(reasons[col]) or None if col in reasons else None  # none given: the stored note stays
            if is_na(cell, cs.na_label):  # a domain of nothing that applies, as our results print it: no figure to check
                if leaf:
                    scores.append((period, unit, col, stage, None, None, True, note, row.where(source.get(col, col))))
                continue
            try:
                number = parse_decimal(cell, "điểm")
            except RuleInputError as exc:
                if leaf:  # text in a leaf column is a declared value for its rule
                    scores.append((period, unit, col, stage, None, cell, False, note, row.where(source.get(col, col))))
                else:
                    problems.append(Problem(file, str(exc), col, row.where(source.get(col, col))))
                continue
            if leaf:
                scores.append((period, unit, col, stage, number, None, False, note, row.where(source.get(col, col))))
            else:
                given.append((period, unit, col, number, places[col]))
    return scores, given, printed, problems


def _points_column(rows: list[Row], col: str, cs: CriteriaSet, file: str) -> tuple[list, dict[int, Problem]]:
    """A wide table's column of points or subtotals as read (`_decided`), and its cells refused
    by row: ambiguous, or a percentage (`_percents`). A penalty item's column may print its
    deductions negative (−1,5, as published tables do): the column says it is one, so 1,5."""
    cells, refused = _decided(rows, col, "điểm", [_maximum(cs, col)] * len(rows), file, col)
    refused.update(_percents(rows, col, file, leaf=col in cs.entries))
    if col in _penalty_codes(cs):
        cells = [_abs(v) for v in cells]
    return cells, refused


def _penalty_codes(cs: CriteriaSet) -> set[str]:
    """The set's penalty items: a table may print their deductions negative, in either form."""
    return {a.code for a in cs.adjustments if a.kind == "penalty"}


def _abs(cell: object) -> object:
    """A penalty as its points: printed as −1,5 by some tables (our results workbook too)."""
    try:
        return cell if cell is None or is_na(cell) else abs(parse_decimal(cell))
    except RuleInputError:
        return cell  # not a number: the rule's check says so, where it is


def _maximum(cs: CriteriaSet, column: str) -> float:
    """The most a wide table's column can hold: an item's or a subtotal's max; for the total,
    the set's whole and every bonus cap."""
    if column == TOTAL:
        return cs.max_points + sum(a.max_points for a in cs.adjustments if a.kind == "bonus")
    return (cs.entries[column] if column in cs.entries else cs.nodes[column]).max_points
