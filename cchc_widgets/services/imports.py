"""Files in, through the one write path: filled templates, score tables and survey answers.

Each file is read whole (`files.*`), then written by `services.writes.Writer` with the scope
it may write: a template writes its own (signed) period, unit and stage, with the versions
it was filled from; a table writes the period it is imported for (and, uploaded in a unit's
page, that unit and stage only). The command line and the app's uploads call the same
functions, so a file gets the same answer on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cchc_widgets.core import sandbox
from cchc_widgets.core.criteria import CriteriaSet, declared_text
from cchc_widgets.core.errors import CchcError, Problem, ProblemsError
from cchc_widgets.core.rules import stored_answer
from cchc_widgets.core.table_checks import TOLERANCE, PublishedDiffers, TableCheck, check_table
from cchc_widgets.core.tables import check_archive
from cchc_widgets.core.vocabulary import APPRAISAL, SELF, STAGE_LABELS, stage_of
from cchc_widgets.files.score_tables import ScoresFile, named_periods, read_block_scores, read_scores
from cchc_widgets.files.survey_files import read_responses, response_template
from cchc_widgets.files.templates import OwnScore, Saved, build_template, is_template, read_template
from cchc_widgets.files.unit_tables import ranking
from cchc_widgets.services.access import Actor
from cchc_widgets.services.results import blocks_of, chosen_block
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import SaveReport, Store

TEMPLATE_KEY = "template-signing"


@dataclass(frozen=True)
class Imported:
    file: str
    period: str
    unit: str  # unit name(s) written
    rows: int  # rows changed (or that would change, in a dry run)
    stored: bool
    checks: tuple[TableCheck, ...] = ()  # a table's printed figures, each block's held to its points: all agree


def template(store: Store, period: str, unit: str, stage: str = "self") -> bytes:
    """The scoring template of a unit and stage, prefilled with what is stored."""
    name = Writer(store).require_unit(period, unit)
    if stage not in STAGE_LABELS:
        raise ProblemsError([Problem(f"kỳ {period}", f"giai đoạn '{stage}' không có")])
    cs = store.criteria_for(period, unit=unit)  # its block's set
    saved = {
        r.code: Saved(value=_as_stored(cs.entries[r.code], r), na=bool(r.na), note=r.note, version=int(r.version))
        for r in store.scores(period, unit, stage).itertuples()
    }
    own = _own_scores(store, cs, period, unit) if stage == APPRAISAL else None
    return build_template(cs, period, unit, name, stage, saved, store.secret(TEMPLATE_KEY), own)


def survey_templates(store: Store, period: str, block: str | None = None) -> list[tuple[str, bytes]]:
    """The period's empty survey response sheets (`response_template`), (block, xlsx): one per
    block whose set asks a survey (`block`: that block's only), each listing that block's units
    with its own items, answers and groups — an import reads each unit's answers against its
    own block's survey, so a sheet offering the departments' items to a district would only
    lead to refusals. A period of one block: one sheet of every unit, block "" (as before
    blocks)."""
    blocks = blocks_of(store, period)
    chosen = blocks if block is None else [chosen_block(blocks, period, block)]
    asked = [b for b in chosen if b.cs.survey is not None]
    if not asked:
        whose = f"khối {chosen[0].label} của kỳ '{period}'" if len(blocks) > 1 and block is not None else f"kỳ '{period}'"
        raise ProblemsError([Problem(f"kỳ {period}", f"bộ tiêu chí của {whose} không có phần khảo sát (survey)")])
    if len(blocks) == 1:
        return [("", response_template(asked[0].cs, store.units(period), period))]
    units = store.units(period)
    return [(b.block, response_template(b.cs, units[units["id"].isin(b.ranking["unit"])], period, b.label)) for b in asked]


def _own_scores(store: Store, cs: Any, period: str, unit: str) -> dict[str, OwnScore]:
    """The unit's self-assessment as the appraisal template shows it beside the inputs: what
    was declared, its points, the note and the evidence files' names."""
    files = store.evidence(period, unit)
    names = {code: "; ".join(group["filename"]) for code, group in files.groupby("code")}
    out = {code: OwnScore("chưa chấm", None, "", text) for code, text in names.items()}
    for r in store.scores(period, unit, SELF).itertuples():
        node = cs.entries[r.code]
        points = None if r.na or pd.isna(r.points) else float(r.points)
        _value, shown = declared_text(node, r.value, points, bool(r.na))
        out[r.code] = OwnScore(shown, points, r.note or "", names.get(r.code, ""))
    return out


def _as_stored(node: Any, row: Any) -> Any:
    """What a template cell shows for a stored answer: the rule's form, or the text as it was
    stored when the rule no longer reads it."""
    if row.na:
        return row.value
    got = stored_answer(node.rule, row.value, node.allow_na)
    return row.value if got is None else got


def import_template(
    store: Store,
    path: str | Path,
    author: str | None = None,
    stage: str | None = None,
    unit: str | None = None,
    dry_run: bool = False,
    actor: Actor | None = None,
) -> Imported:
    """A filled template: check whole, then write the rows the person changed, each only if
    it is still at the version the template was made from. `stage` / `unit`: what the caller
    expects (the CLI's --stage, the page's unit and stage); a template for another is refused."""
    tpl = read_template(path, store.secret(TEMPLATE_KEY), lambda period, unit: store.criteria_for(period, unit=unit))
    names = store.unit_names(tpl.period)
    problems = []
    if unit is not None and tpl.unit != unit:
        problems.append(
            Problem(
                tpl.file,
                f"mẫu phiếu này của {names.get(tpl.unit, tpl.unit)}, không phải của {names.get(unit, unit)} đang mở",
            )
        )
    wanted = stage_of(stage) if stage else None
    if stage and wanted != tpl.stage:
        problems.append(
            Problem(
                tpl.file,
                f"mẫu phiếu lập cho giai đoạn {STAGE_LABELS[tpl.stage].lower()}, không phải '{stage}'",
            )
        )
    if problems:
        raise ProblemsError(problems)
    scope = Scope(tpl.period, tpl.unit, tpl.stage)
    versions = {(tpl.unit, code, tpl.stage): v for code, v in tpl.versions.items()}
    done = Writer(store, actor).save_scores(
        scope, tpl.rows, author or f"nhập từ tệp {tpl.file}", f"import:{tpl.file}", tpl.file, versions, dry_run=dry_run
    )
    return Imported(tpl.file, tpl.period, names.get(tpl.unit, tpl.unit), _changed(done), stored=not dry_run)


def import_table(
    store: Store,
    path: str | Path,
    period: str | None,
    stage: str | None = None,
    author: str | None = None,
    unit: str | None = None,
    dry_run: bool = False,
    actor: Actor | None = None,
    tolerance: float = TOLERANCE,
) -> Imported:
    """A plain long or wide table (as `cchc score` reads) of one period; `unit` and `stage`
    restrict what it may write (a table uploaded in a unit's page writes that unit only).

    A published table's subtotals and printed figures (total, index, rank, class …) are held
    to what its points give among the period's units, as `cchc score` holds them
    (`table_checks.check_table`), before anything is written: a table that differs is refused
    whole (`PublishedDiffers`, each difference named by unit, printed and computed) — stored, its
    points would give results other than those it publishes, and nobody would know."""
    file = Path(path).name
    period = _table_period(store, file, path, period)
    wanted = stage_of(stage) if stage else None
    if stage and wanted is None:
        raise ProblemsError([Problem(file, f"giai đoạn '{stage}' không có")])
    parts = _table_parts(store, path, period, unit, wanted)
    units = store.units(period)
    checks = tuple(
        check_table(data.scores, data.given, data.printed, cs, ranking(units[units["block"].fillna("") == block]), tolerance)
        for block, (cs, data) in parts.items()
    )
    for check in checks:
        if check.differs:
            raise PublishedDiffers(file, check)
    rows = pd.concat([data.rows for _, data in parts.values() if len(data.rows)] or [next(iter(parts.values()))[1].rows])
    scope = Scope(period, unit, wanted)
    done = Writer(store, actor).save_scores(
        scope,
        rows.reset_index(drop=True).drop(columns="period"),
        author or f"nhập từ tệp {file}",
        f"import:{file}",
        file,
        dry_run=dry_run,
    )
    names = store.unit_names(period)
    written = ", ".join(names.get(u, u) for u in sorted(set(rows["unit"])))
    return Imported(file, period, written, _changed(done), stored=not dry_run, checks=checks)


def _table_period(store: Store, file: str, path: str | Path, period: str | None) -> str:
    """The period a plain table is imported into: `period` (--period, a page's own), else the
    one its `period` column names. Refused when neither names one, when the column names
    several, or names another than `period`: its rows of that period would be dropped unsaid."""
    named = named_periods(path)
    other = [p for p in named if p != period]
    if period is not None and other:
        said = f"cột kỳ đánh giá của bảng ghi kỳ {', '.join(other)}, khác kỳ '{period}' đang nhập: mỗi lần nhập một kỳ"
        raise ProblemsError([Problem(file, said)])
    if period is not None:
        return period
    if not named:
        raise ProblemsError([Problem(file, "bảng không phải mẫu phiếu, không có cột kỳ đánh giá (period): cần --period")])
    if len(named) > 1:
        said = f"bảng có dòng của {len(named)} kỳ ({', '.join(named)}): mỗi lần nhập một kỳ, chọn bằng --period"
        raise ProblemsError([Problem(file, said)])
    known = list(store.periods()["id"])
    if named[0] not in known:
        raise ProblemsError([Problem(file, f"kỳ '{named[0]}' ghi trong bảng chưa có trong kho (có: {', '.join(known)})")])
    return named[0]


def _table_parts(
    store: Store, path: str | Path, period: str, unit: str | None, stage: str | None
) -> dict[str, tuple[CriteriaSet, ScoresFile]]:
    """A plain table read, each unit's rows against its block's set: block → (set, what was
    read). A period of several blocks reads each unit's rows against its block's
    (`read_block_scores`), never every row against the departments' set — a unit's own page
    too, so a code of another block's set is refused in `cchc import`'s words, naming the unit,
    its block and the set («đơn vị '…' thuộc khối UBND cấp huyện: mã '1.1.3' không có …»). A
    table that names its units only by name is matched to the period's units' names."""
    sets = store.blocks(period)
    names = store.unit_names(period)  # a published table that names its units only by name is read by their ids
    if len(sets) == 1:
        ((block, cs),) = sets.items()
        return {block: (cs, read_scores(path, cs, period=period, stage=stage, names=names))}
    units = store.units(period)
    blocks = dict(zip(units["id"], units["block"].fillna(""), strict=True))
    strangers = store.unit_block(unit) if unit is not None else next(iter(sets))  # the write door names them
    read = read_block_scores(path, sets, blocks, period, stage, strangers=strangers, names=names)
    return {block: (sets[block], data) for block, data in read.items()}


def import_any(
    store: Store,
    path: str | Path,
    period: str | None,
    stage: str | None = None,
    author: str | None = None,
    unit: str | None = None,
    dry_run: bool = False,
    actor: Actor | None = None,
    tolerance: float = TOLERANCE,
) -> Imported:
    """A filled template (it knows its period and unit) or else a plain table of `period`
    (its published figures held to its points within `tolerance`, `import_table`)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        check_archive(path)  # a renamed CSV, a damaged file or a zip bomb: refused before anything reads it
    if is_template(path):
        return import_template(store, path, author=author, stage=stage, unit=unit, dry_run=dry_run, actor=actor)
    if path.suffix.lower() in {".csv", ".xlsx"}:
        return import_table(store, path, period, stage, author, unit, dry_run, actor, tolerance)
    raise ProblemsError([Problem(path.name, "chỉ nhận mẫu phiếu .xlsx hoặc bảng điểm .csv/.xlsx")])


def import_many(
    store: Store,
    paths: list[str],
    period: str | None,
    stage: str | None,
    author: str | None,
    dry_run: bool,
    tolerance: float = TOLERANCE,
) -> Iterator[tuple[str, Imported | None, ProblemsError | None]]:
    """Each file on its own: a refused file is reported and the batch goes on to the next. One
    reader process opens every xlsx of the batch (a fresh fork of it for each file)."""
    with sandbox.batch():
        for path in paths:
            try:
                yield path, import_any(store, path, period, stage, author, dry_run=dry_run, tolerance=tolerance), None
            except CchcError as exc:
                yield path, None, exc if isinstance(exc, ProblemsError) else ProblemsError([Problem(Path(path).name, str(exc))])


def import_responses(
    store: Store, path: str | Path, period: str, author: str | None, dry_run: bool = False, actor: Actor | None = None
) -> tuple[pd.DataFrame, SaveReport | None]:
    """A survey response file checked whole against the period, then stored in one
    transaction (not with `dry_run`): what `cchc survey import` and the app's upload do. Each
    unit's answers are read against its own block's survey."""
    units = store.units(period)
    blocks = dict(zip(units["id"], units["block"].fillna(""), strict=True))
    responses = read_responses(path, store.blocks(period), period, blocks)
    if dry_run:
        return responses, None
    return responses, Writer(store, actor).save_survey(period, responses, author, source=Path(path).name)


def _changed(report: SaveReport) -> int:
    return report.inserted + report.updated + report.cleared
