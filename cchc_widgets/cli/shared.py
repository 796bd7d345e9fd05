"""What the `cchc` command groups share: reading a number or an --out path as a person typed
it, opening the store and choosing its period, and printing a table or writing it to a file."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cchc_widgets.core import engine
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import CchcError, Problem, ProblemsError
from cchc_widgets.core.numbers import parse_decimal
from cchc_widgets.core.table_checks import TableCheck
from cchc_widgets.core.vocabulary import UNSCORED, block_label, other_block
from cchc_widgets.files.tables_out import domains_as_word, readable, write_table
from cchc_widgets.files.unit_tables import read_units

if TYPE_CHECKING:
    from cchc_widgets.store.database import Store

OUT_FORMATS = (".csv", ".xlsx")
OUT_HELP = "tệp .csv hoặc .xlsx; không có thì in bảng ra màn hình"
LATEST_HELP = "mặc định: kỳ mới nhất"
UNIT_HELP = "mã đơn vị (xem `cchc units`)"


WIDTH = 120  # the terminal a printed table fits
NAME_WIDTH = 30  # a unit's or person's name in a printed table, cut with «…» beyond it


def cut_name(name: object) -> object:
    """A name as a terminal's table shows it: at most `NAME_WIDTH` characters (anything not
    text, such as a blank, as it is)."""
    return name if not isinstance(name, str) or len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


def named(table: pd.DataFrame, names: dict[str, str], out: Path | None) -> pd.DataFrame:
    """A table of units as people read it: in a file the unit's id with its name beside it (as
    `cchc ranking` writes), on the terminal its name (cut at `NAME_WIDTH`) instead of the id;
    ids where no name is known."""
    if not names:
        return table
    said = table["unit"].map(lambda u: names.get(u, u))
    rest = [c for c in table.columns if c != "unit"]
    if out is None:
        return table.assign(name=said.map(cut_name))[["name", *rest]]
    return table.assign(name=said)[["unit", "name", *rest]]


def fitted(
    frame: pd.DataFrame,
    decimals: int | None,
    spare: tuple[tuple[list[str], str], ...],
    headings: dict[str, str] | None = None,
) -> tuple[str, str]:
    """A table as the terminal prints it within `WIDTH` columns, and a note of what it left
    out: the whole table when it fits, else without the `spare` columns (each some columns and
    what the note calls them), least needed first, until it does (the file written with --out
    keeps every column)."""
    left_out: list[str] = []
    for columns, said in (([], ""), *spare):
        if columns:
            frame = frame.drop(columns=columns)
            left_out.append(said)
        text = readable(frame, decimals, headings)
        if max(map(len, text.splitlines())) <= WIDTH:
            break
    note = f"({'; '.join(left_out)}: ghi bảng đầy đủ bằng --out TỆP.xlsx)" if left_out else ""
    return text, note


def decimal_argument(text: str) -> float:
    """A number on the command line, read like every other number a person gives (`0,25` or `0.25`)."""
    try:
        return parse_decimal(text, "số")
    except CchcError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def out_path(text: str | None, formats: tuple[str, ...] = OUT_FORMATS) -> Path | None:
    """Refuse an unusable --out (wrong kind of file, missing folder) before any work is done."""
    if text is None:
        return None
    path = Path(text)
    if path.suffix.lower() not in formats:
        raise ProblemsError([Problem(text, f"--out phải là tệp {' hoặc '.join(formats)}")])
    if not path.parent.exists():
        raise ProblemsError([Problem(text, f"thư mục '{path.parent}' không tồn tại")])
    return path


def show_or_write(
    frame: pd.DataFrame,
    path: Path | None,
    title: str = "",
    decimals: int | None = None,
    empty: str = "không có dòng nào",
    machine: bool = False,
    sheet: str = "Bảng",
) -> None:
    """A table on stdout for people, or a file: figures with the places the criteria set
    publishes (`decimals`: `92.50` in a CSV, format `0.00` in an xlsx), else cleared of float
    noise only (tables that are not published figures). No rows on stdout: `empty`, in words.
    A file is headed as the printed table is, in Vietnamese with «có»/«không» (a clerk opens
    it in Excel), an xlsx's one sheet called `sheet` for what it holds; `machine`
    (`--machine-headings`) keeps the column ids for programs."""
    if path is None:
        if title:
            print(title)
        print(empty if frame.empty else readable(frame, decimals))
    else:
        write_table(frame, path, decimals, people=not machine, sheet=sheet)


OVERALL_HELP = "khi có nhóm xếp hạng: xếp thêm một hạng chung cho mọi nhóm (bộ tiêu chí ghi overall_rank: true cũng vậy)"


UNITS_HELP = "khi đọc từ tệp: bảng đơn vị (id, name, group, ranked): xếp hạng trong từng nhóm, không xếp hạng đơn vị ngoài hạng"


def result_table(
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
    table = domains_as_word(res[columns], cs.top_codes, cs.na_label)
    table["total"] = table["total"].astype(object).where(table["total"].notna(), UNSCORED)
    if names:
        table.insert(columns.index("unit") + 1, "name", table["unit"].map(names).fillna(""))
    return table.reset_index(drop=True)


def one_group_plain(table: pd.DataFrame) -> pd.DataFrame:
    """A table without the group and its rank when its units are one group (or none: a units
    list without groups, a block's departments): a «Nhóm» empty or the same on every row and a
    copy of «Hạng» say nothing — on the terminal and in the --out file alike, which then reads
    back with the rank it printed. A unit of no group beside a named group is a second group
    (a blank group, NaN from a store or a file, counts as one)."""
    if "group" not in table.columns or table["group"].fillna("").nunique() > 1:
        return table
    return table.drop(columns=["group", "group_rank"])


def blocks_table(tables: list[tuple[str, pd.DataFrame]], machine: bool = False) -> pd.DataFrame:
    """Each block's result table (its block id, its table) as one for a file: a block column
    first — for programs (`machine`) the block's id (so, huyen) as a units table and the store
    name it, as `unit` holds the unit's id; for a clerk in Excel the label the terminal's titles
    print — then every block's own domains between the unit and its results (a cell blank
    where a block's set has no such domain)."""
    tables = [(block if machine else block_label(block), table) for block, table in tables]
    whole = pd.concat([table.assign(block=block) for block, table in tables], ignore_index=True)
    columns = list(dict.fromkeys(c for _, table in tables for c in table.columns))
    head = [c for c in ("period", "unit", "name", "group") if c in columns]
    tail = [c for c in ("survey", "bonus", "penalty", "total", "index", "rank", "group_rank", "class") if c in columns]
    return whole[["block", *head, *[c for c in columns if c not in head + tail], *tail]]


def unscored_warning(missing: pd.DataFrame, names: dict[str, str]) -> None:
    """Name on stderr every listed unit that has no scores (shown «chưa có điểm», unranked)."""
    if missing.empty:
        return
    said = ", ".join(names.get(u) or u for u in dict.fromkeys(missing["unit"]))
    text = f"{missing['unit'].nunique()} đơn vị trong danh sách {UNSCORED}, không xếp hạng: {said}"
    print(textwrap.fill(text, WIDTH, break_long_words=False, break_on_hyphens=False), file=sys.stderr)  # a terminal's width


EXIT_MISMATCH = 3  # `cchc score` and `cchc import`: a published table's printed figures differ from what its points give


def said_check(check: TableCheck, whose: str = "") -> int:
    """A published table's check (`table_checks.check_table`) on stderr, as `cchc score` and
    `cchc import` both tell it: what agrees, then each table of differences; 0, or
    `EXIT_MISMATCH` when anything differs."""
    if note := check.rank_note(whose):
        print(textwrap.fill(note, WIDTH), file=sys.stderr)
    if agree := check.agreement(whose):
        print(agree, file=sys.stderr)
    for table in check.differences(whose):
        print(table, file=sys.stderr)
    return EXIT_MISMATCH if check.differs else 0


def open_store(args: argparse.Namespace) -> Store:
    """The store --db names (imported lazily: scoring files needs no database)."""
    from cchc_widgets.store.database import Store

    return Store(getattr(args, "db", None))


def period_of(store, wanted: str | None) -> str:  # noqa: ANN001
    known = list(store.periods()["id"])
    if not known:
        raise ProblemsError([Problem(store.where, "kho dữ liệu chưa có kỳ đánh giá nào (chạy `cchc demo` để nạp dữ liệu mẫu)")])
    if wanted is None:
        return known[-1]
    if wanted not in known:
        raise ProblemsError([Problem(store.where, f"không có kỳ '{wanted}' (có: {', '.join(known)})")])
    return wanted


def period_name(store, period: str) -> str:  # noqa: ANN001
    """A period as pages name it («Năm 2016»), not by its id."""
    names = dict(store.periods()[["id", "name"]].values.tolist())
    return names.get(period) or f"Năm {period}"


def units_file(args: argparse.Namespace, scored_units: set[str], units: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """`--units FILE` (id, name, kind, group, ranked; `units`: as read already), or None; every
    unit scored must be listed (`unit_tables.ranking` gives the engine's view of it)."""
    if getattr(args, "units", None) is None:
        return None
    units = read_units(args.units) if units is None else units
    unlisted = sorted(scored_units - set(units["id"]))
    if unlisted:
        raise ProblemsError([Problem(args.units, f"thiếu đơn vị có điểm: {', '.join(unlisted)}")])
    return units


def criteria_sets(given: list[str], units: pd.DataFrame | None = None) -> tuple[CriteriaSet, dict[str, CriteriaSet]]:
    """`--criteria PATH` (one set for every unit) and `--criteria BLOCK=PATH` (a block's own set:
    so, huyen, xa …), as typed: the set of units of no named block (a plain PATH, else the first
    block's) and each block's set. With `units`, a block of its units that has no set is refused:
    it would be scored silently with another block's set."""
    from cchc_widgets.core.criteria import load_criteria

    plain, blocks = [], {}
    for value in given:
        block, _, path = value.partition("=")
        if path and block.replace("-", "").replace("_", "").isalnum() and not Path(value).exists():
            if block in blocks:
                raise ProblemsError([Problem("--criteria", f"khối '{block}' có hai bộ tiêu chí")])
            blocks[block] = load_criteria(path)
            if said := other_block(blocks[block], block):  # named by its file, not by the store it would go to
                raise ProblemsError([Problem(path, said)])
        else:
            plain.append(value)
    if len(plain) > 1 or not (plain or blocks):
        wanted = "cần một bộ tiêu chí chung (--criteria PATH) hoặc mỗi khối một bộ (--criteria so=PATH)"
        raise ProblemsError([Problem("--criteria", wanted)])
    if units is not None and blocks and not plain:
        every_block_has_a_set(units, blocks)
    return (load_criteria(plain[0]) if plain else next(iter(blocks.values()))), blocks


def every_block_has_a_set(units: pd.DataFrame, blocks: dict[str, CriteriaSet]) -> None:
    """Refuse a units table with a block (or units of none) that `--criteria KHỐI=PATH` gave no
    set: its units would be scored silently on another block's set, or not at all."""
    missing = sorted(set(units.get("block", pd.Series("", index=units.index))) - set(blocks))
    if missing:
        named = ", ".join(f"'{b}'" if b else "(không ghi khối)" for b in missing)
        lacking = f"đơn vị thuộc khối {named} chưa có bộ tiêu chí: thêm --criteria KHỐI=PATH"
        raise ProblemsError([Problem("--criteria", lacking)])


def print_refused(path: str, exc: ProblemsError) -> None:
    print(f"{path}: TỪ CHỐI — không lưu gì ({len(exc.problems)} lỗi)", file=sys.stderr)
    for line in exc.lines():
        print(f"  {line}", file=sys.stderr)
