"""The one door for every write: form edits, templates, score tables, survey files, evidence
and scenarios all pass the same checks here, in one place, before the store persists them.

For scores the checks are, in order: who writes (the signed-in account, or the name typed at
the console), what the caller may write (`Scope`: the period, and the unit and stage of a
page or a template), what the account's role and the period's workflow allow now
(`services.access`: stage open, self-assessment not yet submitted, period not frozen; a
refusal there is also logged), that the units take
part in the period, each criterion's rule (`resolution.resolve_records`), the reason an appraisal score
that differs from the self-assessment needs (and every bonus or penalty), and the version
each row was read at. Evidence is checked when a unit submits (`services.progress`), not at
each save: a unit scores first and attaches later. Any problem refuses the whole batch with
every problem listed, and nothing is written. The version check is repeated inside the write transaction as a
compare-and-set (`Store.write_scores`), so two writers holding one version never both win.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pandas as pd

from cchc_widgets.core import clock
from cchc_widgets.core.criteria import ADJUSTMENT_KINDS, CriteriaSet
from cchc_widgets.core.errors import ConflictError, Problem, ProblemsError
from cchc_widgets.core.resolution import resolve_records
from cchc_widgets.core.rules import is_unanswered, stored_answer
from cchc_widgets.core.text import clean_text, one_line, said_nothing, says_something
from cchc_widgets.core.vocabulary import APPRAISAL, SELF, STAGE_LABELS, stage_of
from cchc_widgets.services.access import Actor, Workflow, points_shown, refreshed, refuse, require_admin
from cchc_widgets.services.permissions import is_system
from cchc_widgets.services.write_blocks import Key, Ruled, foreign_codes, moved_units, named_foreign, unknown_blocks
from cchc_widgets.services.writes_more import OtherWrites, Scope, _author, fits
from cchc_widgets.store.database import SaveReport, ScoreWrite, Store, VersionConflict

Rows = pd.DataFrame | Sequence[Mapping[str, Any]]  # a frame (files, Python) or typed rows (a form's edit)
EPS = 1e-9


class ReasonsMissing(ProblemsError):
    """Rows whose score needs a reason and has none (`Writer._policy`): an analyst's frame
    counts them at the top (`frames.frame_store`)."""


@dataclass(frozen=True)
class Prepared:
    """Rows ready for the checks: one dict per row, each with every field the checks read."""

    records: list[dict[str, Any]]

    def column(self, name: str) -> list[Any]:
        return [rec[name] for rec in self.records]


def _same_points(a: Any, b: Any) -> bool:
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else float(a)
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else float(b)
    return a == b if a is None or b is None else abs(a - b) <= EPS


BlockSets = Mapping[str, CriteriaSet] | None  # a period's own set for each block that has one


class Writer(OtherWrites):
    """Every change to a store goes through one of these methods, on behalf of `actor` (None:
    the person at the server's console, who writes under the name they give)."""

    def __init__(self, store: Store, actor: Actor | None = None) -> None:
        self.store = store
        self.actor = actor

    def author(self, typed: str | None, where: str) -> str:
        """Who the log names: a signed-in account's login (what was typed does not count), or
        the console's typed name. An account removed or signed out since the page opened
        writes nothing."""
        if is_system(self.actor):  # the console, the demo, a frame store: the name they give
            return _author(typed, where)
        now = refreshed(self.store, self.actor)
        if now is None:
            raise ProblemsError(
                [Problem(where, "phiên đăng nhập đã kết thúc hoặc tài khoản đã bị gỡ: tải lại trang để đăng nhập lại")]
            )
        self.actor = now  # a role or an assignment changed meanwhile applies at once
        return now.author

    def check_workflow(self, period: str, pairs: set[tuple[str, str]], where: str) -> None:
        """Refuse (and log) when the role or the period's workflow does not allow writing
        these (unit, stage) pairs now."""
        workflow = Workflow.of(self.store, period)
        problems = []
        for unit, stage in sorted(pairs):
            reason = workflow.refusal(self.actor, unit, stage)
            if reason is not None:
                problems.append(Problem(where, reason))
        if problems:
            unit, stage = sorted(pairs)[0]
            refuse(self.store, self.actor, where, problems, period, unit, stage)

    def require_admin(self, doing: str, where: str, period: str | None = None) -> None:
        """Survey answers and saved scenarios are the administrator's (and the console's), and
        a finalised period takes no survey answers."""
        require_admin(self.store, self.actor, doing, where, period)
        if period is not None and self.store.final(period) is not None:
            problems = [Problem(where, f"kỳ '{period}' đã chốt kết quả: không sửa được nữa")]
            refuse(self.store, self.actor, where, problems, period, None, None)

    def set_up_period(self, period: str, name: str, cs: CriteriaSet, units: pd.DataFrame, blocks: BlockSets = None) -> None:
        """Open a period (or update one): its criteria set, each block's own set (`blocks`:
        so, huyen …; a unit of another block is scored with `cs`) and its units with their
        blocks and ranking groups (`files.unit_tables.read_units`). The administrator's; a
        period that holds scores keeps its criteria sets (the store refuses a change)."""
        where = f"kỳ {period}"
        self.require_admin("mở kỳ đánh giá", where)
        period, name, units = clean_text(period), one_line(name), units.map(clean_text)
        if "name" in units.columns:
            units["name"] = units["name"].map(one_line)
        if not period or not name:
            raise ProblemsError([Problem(where, "kỳ đánh giá cần mã và tên")])
        fits("periods", "id", period, "mã kỳ", where)
        fits("periods", "name", name, "tên kỳ", where)
        _units_fit(units, blocks or {}, where)
        unit_blocks = units["block"] if "block" in units.columns else ()
        self.store.add_period(period, name, cs, blocks, unit_blocks)
        self.store.add_units(units, period=period)

    # ------------------------------------------------------------ shared checks

    def check_units(self, period: str, units: set[str], file: str, names: Mapping[str, str]) -> list[Problem]:
        """Units that do not take part in the period (`names`: the period's unit names)."""
        return [Problem(file, f"đơn vị '{unit}' không tham gia kỳ '{period}'") for unit in sorted(units) if unit not in names]

    def require_unit(self, period: str, unit: str | None, file: str | None = None) -> str:
        """The unit's name, or `ProblemsError` when it does not take part in the period."""
        names = self.store.unit_names(period)
        if unit not in names:
            raise ProblemsError([Problem(file or f"kỳ {period}", f"đơn vị '{unit}' không tham gia kỳ '{period}'")])
        return names[unit]

    def check_scope(self, scope: Scope, rows: Rows, file: str, names: Mapping[str, str]) -> list[Problem]:
        """Rows outside what the caller may write (another unit, another stage)."""
        problems = []
        for rec in rows.to_dict("records") if isinstance(rows, pd.DataFrame) else rows:
            where = rec.get("_where")
            if scope.unit is not None and rec["unit"] != scope.unit:
                problems.append(
                    Problem(
                        file,
                        f"chỉ được ghi điểm cho {names.get(scope.unit, scope.unit)}; dòng này ghi cho đơn vị '{rec['unit']}'",
                        rec["code"],
                        where,
                    )
                )
            if scope.stage is not None and stage_of(rec["stage"]) not in (None, scope.stage):
                problems.append(
                    Problem(
                        file,
                        f"chỉ được ghi điểm {STAGE_LABELS[scope.stage].lower()}; dòng này ghi giai đoạn '{rec['stage']}'",
                        rec["code"],
                        where,
                    )
                )
        return problems

    # ------------------------------------------------------------ scores

    def save_scores(
        self,
        scope: Scope,
        rows: Rows,
        author: str | None,
        source: str,
        file: str | None = None,
        versions: Mapping[Key, int] | None = None,
        dry_run: bool = False,
    ) -> SaveReport:
        """Check every row, then write the changed ones in one transaction.

        `rows`: unit, code, stage and value (what was declared) or points or na, and note
        (None or a missing column keeps the stored note); `clear` (optional, True) withdraws a
        score; `_where` (optional) says where a row was read, for messages. `versions` holds
        the version each key was read at (a form, a template): a row changed since then is
        refused, never overwritten. Unchanged rows are not written and not logged. `dry_run`
        checks everything and reports what would change, writing nothing.
        """
        period = scope.period
        file = file or f"kỳ {period}"
        frame = _prepared(rows, scope)
        try:  # the rules need only the criteria sets: read before the transaction, said in their turn
            groups = _ruled_groups(self, period, frame, file)
        except ProblemsError:  # no such period: said below, after who writes, as always
            groups = None
        try:
            with self.store.transaction(write=not dry_run):  # every read below and the write: one transaction
                if groups is None:
                    self.author(author, file)
                    groups = _ruled_groups(self, period, frame, file)
                report, writes = SaveReport(0, 0, 0, 0), []
                for cs, part, keys, ruled in groups:  # one per block of units the rows are for
                    done, more, author = self._checked(scope, part, keys, cs, ruled, author, file, versions or {})
                    report, writes = _added(report, done), writes + more
                if not dry_run and writes:
                    self.store.write_scores(period, writes, author=author, action=source)
        except VersionConflict as exc:  # rolled back: say who changed it meanwhile
            found = self.store.scores(period, exc.key[0], exc.key[2])
            old = next(found[found["code"] == exc.key[1]].itertuples(), None)
            raise ConflictError([self._conflict(exc.key, file, self.store.unit_names(period), old)]) from None
        return report

    def _checked(
        self,
        scope: Scope,
        frame: Prepared,
        keys: list[Key],
        cs: CriteriaSet,
        ruled: Ruled,
        author: str | None,
        file: str,
        versions: Mapping[Key, int],
    ) -> tuple[SaveReport, list[ScoreWrite], str]:
        """Every check of `save_scores` in its order for rows of one criteria set (`cs`), over
        what the store holds now (read in the caller's transaction): the report, the writes
        and the author, or `ProblemsError` at the first kind of problem found."""
        period = scope.period
        author = self.author(author, file)
        names, blocks = self.store.unit_names_blocks(period)  # read once: scope, enrolment and conflict messages use it
        units = set(frame.column("unit"))
        problems = self.check_scope(scope, frame.records, file, names) + self.check_units(period, units, file, names)
        problems += moved_units(self.store, period, units, (names, blocks), cs, file)
        if problems:
            raise ProblemsError(problems)
        self.check_workflow(period, {(unit, stage) for unit, _, stage in keys if stage is not None}, file)
        # both stages of the criteria written: an appraisal is checked against the self-assessment
        stored = self.store.score_records(period, scope.unit, codes=set(frame.column("code")))
        current = {(r["unit"], r["code"], r["stage"]): SimpleNamespace(**r) for r in stored if r["unit"] in units}
        changes, problems = _resolve(ruled, current)
        if problems:
            raise ProblemsError(problems)
        writes, unchanged, conflicts = self._writes(changes, cs, current, versions, names, file)
        if conflicts:  # first: a row changed since it was read is the news, whatever else is wrong
            raise ConflictError(conflicts)
        wheres = dict(zip(keys, frame.column("_where"), strict=True))
        written = {(w.unit, w.code, w.stage) for w in writes}
        problems = self._policy(changes, written, cs, current, file, wheres)
        if problems:
            raise ReasonsMissing(problems)
        inserted = sum(1 for w in writes if w.new is not None and w.expected == 0)
        cleared = sum(1 for w in writes if w.new is None)
        return SaveReport(inserted, len(writes) - inserted - cleared, unchanged, cleared), writes, author

    def _rules(self, frame: Prepared, keys: list[Key], cs: CriteriaSet, file: str) -> Ruled:
        """Each row read by its criterion's rule: withdrawals and notes alone as they are, the
        scored rows through the rules' reading at once (`resolution.resolve_records`: the rows as
        given, no frame); the rules' problems first, then those of withdrawals and notes. Needs
        only the criteria set, so it runs before the save's transaction. Rows are told apart in
        plain Python (a form sends one row: pandas masks cost more than the check)."""
        problems, unscored = [], []
        out: dict[Key, dict[str, Any] | None] = {}
        records = frame.records
        scored, declared = [], []
        for i, rec in enumerate(records):
            blank, has_points, note = is_unanswered(rec["value"]), not pd.isna(rec["points"]), rec["note"]
            note_only = blank and not has_points and not rec["na"] and not pd.isna(note) and bool(note)
            if rec["clear"] or note_only:
                code, stage = rec["code"], stage_of(rec["stage"])
                if code not in cs.entries:
                    unscored.append(
                        Problem(file, f"mã '{code}' không phải tiêu chí chấm điểm của bộ '{cs.id}'", code, rec["_where"])
                    )
                elif stage is None:
                    unscored.append(Problem(file, f"giai đoạn '{rec['stage']}' không có", code, rec["_where"]))
                else:
                    out[(rec["unit"], code, stage)] = (
                        None if rec["clear"] else {"value": None, "points": None, "na": False, "note": note}
                    )
            elif not blank or has_points or rec["na"]:
                scored.append(i)
                declared.append(None if blank else rec["value"])
        try:
            chosen = [{**records[i], "value": value} for i, value in zip(scored, declared, strict=True)]
            resolved = resolve_records(chosen, cs, file=file)
        except ProblemsError as exc:
            problems += exc.problems
            resolved = None
        notes = dict(zip(keys, frame.column("note"), strict=True))
        return out, resolved, notes, problems + unscored

    def _policy(
        self,
        changes: dict[Key, dict[str, Any] | None],
        written: set[Key],
        cs: CriteriaSet,
        current: dict[Key, Any],
        file: str,
        wheres: Mapping[Key, str | None],
    ) -> list[Problem]:
        """The rules that hold across rows: an appraisal that differs from the self-assessment
        needs a reason; a bonus or penalty needs a reason. Evidence is not asked here: a score is
        saved as typed and the evidence rule is checked when the unit submits
        (`services.progress.check_submission`). A reason says something
        (`text.says_something`): `-` or a zero-width space is none. Only rows that change are
        held to them: a row already stored as it is was accepted when it was written."""
        problems = []
        for key, new in changes.items():
            unit, code, stage = key
            if key not in written or new is None or (new["points"] is None and not new["na"]) or says_something(new["note"]):
                continue
            why = None
            if code in cs.adjustment_codes:
                if new["points"]:
                    why = f"{ADJUSTMENT_KINDS[cs.entries[code].kind].lower()} cần ghi lý do (quyết định, sự việc)"
            elif stage == APPRAISAL:
                own = changes.get((unit, code, SELF), _stored(current.get((unit, code, SELF))))
                if own is None or (own["points"] is None and not own["na"]):
                    why = "đơn vị chưa tự chấm tiêu chí này: ghi lý do của điểm thẩm định"
                elif own["na"] != new["na"] or (not new["na"] and abs(new["points"] - own["points"]) > EPS):
                    shown = points_shown(own["points"], own["na"])
                    why = f"điểm thẩm định khác điểm tự đánh giá ({shown}): ghi lý do trước khi lưu"
            if why is not None:
                problems.append(Problem(file, why + said_nothing(new["note"]), code, wheres.get(key)))
        return problems

    def _writes(
        self,
        changes: dict[Key, dict[str, Any] | None],
        cs: CriteriaSet,
        current: dict[Key, Any],
        versions: Mapping[Key, int],
        names: Mapping[str, str],
        file: str,
    ) -> tuple[list[ScoreWrite], int, list[Problem]]:
        writes, unchanged, conflicts = [], 0, []
        for key, new in changes.items():
            old = current.get(key)
            have = 0 if old is None else int(old.version)
            if new is None and old is None:
                continue
            if new is not None and old is not None and _same(cs, key[1], old, new):
                unchanged += 1  # already so, whoever wrote it: nothing is overwritten
                continue
            if key in versions and versions[key] != have:
                conflicts.append(self._conflict(key, file, names, old))
                continue
            writes.append(ScoreWrite(key[0], key[1], key[2], new, have, old))
        return writes, unchanged, conflicts

    def _conflict(self, key: Key, file: str, names: Mapping[str, str], old: Any) -> Problem:
        """A row no longer at the version the writer read: who changed it and when (`old`: the
        row as stored now, None when it was withdrawn)."""
        name = names.get(key[0], key[0])
        if old is None:
            what = "đã được người khác xóa"
        else:
            account = self.store.account(old.author)  # a person by the account's name, not the login
            who = account["name"] if account else old.author
            what = f"đã được {who} sửa lúc {local_time(old.updated_at)} (phiên bản {old.version})"
        return Problem(
            file,
            f"điểm {STAGE_LABELS[key[2]].lower()} của {name} {what} sau khi bạn mở; "
            "không ghi đè — hãy tải lại để xem giá trị mới",
            key[1],
        )




def _units_fit(units: pd.DataFrame, blocks: dict[str, CriteriaSet], where: str) -> None:
    """Refuse a period's units whose id, name or group the store cannot keep, or put (with the
    sets) in a block of no known name: `read_units` names the file and the row, a caller in
    Python meets the refusal here."""
    for unit in units.itertuples():
        fits("units", "id", unit.id, "mã đơn vị", where)
        fits("units", "name", unit.name, "tên đơn vị", where, row=unit.id)
        fits("period_units", "rank_group", unit.group, "tên nhóm xếp hạng", where, row=unit.id)
    unknown = unknown_blocks(units, blocks, where)
    if unknown:
        raise ProblemsError(unknown)


def _ruled_groups(
    writer: Writer, period: str, frame: Prepared, file: str
) -> list[tuple[CriteriaSet, Prepared, list[Key], Ruled]]:
    """The rows by the criteria set of their unit's block (`_grouped`), each group with its
    keys and its rules' reading; a code of another block's set named with the unit."""
    out = []
    for cs, part, keys in _grouped(writer.store, period, frame):
        foreign = foreign_codes(writer.store, part.records, cs, file)
        out.append((cs, part, keys, named_foreign(writer._rules(part, keys, cs, file), foreign)))
    return out


def _grouped(store: Store, period: str, frame: Prepared) -> list[tuple[CriteriaSet, Prepared, list[Key]]]:
    """The rows by the criteria set of their unit's block (one group when the period has one
    set; no rows: one empty group, checked all the same — who writes, the period)."""
    sets = {unit: store.criteria_for(period, unit=unit) for unit in dict.fromkeys(frame.column("unit"))}
    parts: dict[str, tuple[CriteriaSet, list[dict[str, Any]]]] = {}
    if not frame.records:
        parts[""] = (store.criteria_for(period), [])
    for rec in frame.records:
        cs = sets[rec["unit"]]
        parts.setdefault(cs.checksum, (cs, []))[1].append(rec)
    return [
        (cs, Prepared(records), [(rec["unit"], rec["code"], stage_of(rec["stage"])) for rec in records])
        for cs, records in parts.values()
    ]




def _added(a: SaveReport, b: SaveReport) -> SaveReport:
    return SaveReport(a.inserted + b.inserted, a.updated + b.updated, a.unchanged + b.unchanged, a.cleared + b.cleared)


def local_time(when: Any) -> str:
    """A stored time (UTC; SQLite gives it back without a zone) as hh:mm dd/mm/yyyy in the province."""
    return clock.local(pd.Timestamp(when).to_pydatetime()).strftime("%H:%M %d/%m/%Y")


def _prepared(rows: Rows, scope: Scope) -> Prepared:
    """Typed rows with every field the checks read, text in NFC, the scope's stage filled in.
    A frame is read once into records: a form's one edit never builds one."""
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else [dict(row) for row in rows]
    default_stage = scope.stage or SELF
    for rec in records:
        rec["stage"] = default_stage if _missing(rec.get("stage")) else rec["stage"]
        for column in ("unit", "code", "stage"):
            rec[column] = clean_text(str(rec[column]))
        rec["value"] = clean_text(rec.get("value"))
        note = rec.get("note")
        rec["note"] = None if _missing(note) else clean_text(str(note))  # a frame's blank cell: no note, never "nan"
        rec["points"] = rec.get("points")
        rec["na"] = not _missing(rec.get("na")) and bool(rec["na"])
        rec["clear"] = not _missing(rec.get("clear")) and bool(rec["clear"])
        rec["_where"] = rec.get("_where")
    return Prepared(records)


def _missing(value: Any) -> bool:
    """None or NaN (an empty cell of a frame), as pandas' `fillna` sees a scalar."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _resolve(ruled: Ruled, current: dict[Key, Any]) -> tuple[dict[Key, dict[str, Any] | None], list[Problem]]:
    """Each key's new content (None: withdraw) from the rules' reading, or the problems found;
    a scored row that gives no note keeps the stored one."""
    unscored, resolved, notes, problems = ruled
    out = dict(unscored)
    if resolved is not None:
        for rec in resolved:
            key = (rec["unit"], rec["code"], rec["stage"])
            note = notes.get(key)
            if note is None or (isinstance(note, float) and math.isnan(note)):  # no note given: keep the stored one
                old = current.get(key)
                note = old.note if old is not None else ""
            points = None if rec["na"] or pd.isna(rec["points"]) else float(rec["points"])
            out[key] = {"value": rec["value"], "points": points, "na": bool(rec["na"]), "note": note}
    return out, problems


def _stored(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    points = None if row.points is None or (isinstance(row.points, float) and math.isnan(row.points)) else float(row.points)
    return {"value": row.value, "points": points, "na": bool(row.na), "note": row.note}


def _same(cs: CriteriaSet, code: str, old: Any, new: dict[str, Any]) -> bool:
    """The stored row says the same: equal points, N/A and note, and the same declared answer
    once both are read by the rule ('có' = 'Có', '17/20' = 17 and 20, '9,5' = 9.5)."""
    if bool(old.na) != new["na"] or (old.note or "") != (new["note"] or "") or not _same_points(old.points, new["points"]):
        return False
    if new["na"] or new["value"] is None:
        return new["value"] is None or new["na"] or old.value is None
    node = cs.entries[code]
    before = stored_answer(node.rule, old.value, node.allow_na)
    return before is not None and before == new["value"]
