"""The one door for every write: form edits, templates, score tables, survey files, evidence
and scenarios all pass the same checks here, in one place, before the store persists them.

For scores the checks are, in order: who writes (the signed-in account, or the name typed at
the console), what the caller may write (`Scope`: the period, and the unit and stage of a
page or a template), what the account's role and the period's workflow allow now
(`services.access`: stage open, self-assessment not yet submitted, period not frozen; a
refusal there is also logged), that the units take
part in the period, each criterion's rule (`engine.resolve`), the reason an appraisal score
that differs from the self-assessment needs (and every bonus or penalty), the explanation a
criterion that expects evidence needs when no file is attached (when the criteria set asks
for it), and the version
each row was read at. Any problem refuses the whole batch with every problem listed, and
nothing is written. The version check is repeated inside the write transaction as a
compare-and-set (`Store.write_scores`), so two writers holding one version never both win.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cchc_widgets.core import clock, engine
from cchc_widgets.core.criteria import ADJUSTMENT_KINDS, CriteriaSet
from cchc_widgets.core.errors import ConflictError, EvidenceError, Problem, ProblemsError
from cchc_widgets.core.numbers import megabytes
from cchc_widgets.core.rules import is_unanswered, stored_answer
from cchc_widgets.core.text import clean_text, one_line, said_nothing, says_something
from cchc_widgets.core.vocabulary import APPRAISAL, REPLY, SELF, STAGE_LABELS, stage_of
from cchc_widgets.files import evidence as evidence_files
from cchc_widgets.services.access import Actor, Workflow, points_shown, refreshed, refuse, require_admin
from cchc_widgets.store.config import evidence_quota
from cchc_widgets.store.database import EvidenceQuota, SaveReport, ScoreWrite, Store, VersionConflict, column_length

Key = tuple[str, str, str]  # unit, code, stage
MAX_REPLY = 4000  # characters of one reply (giải trình): a page of text
EPS = 1e-9


@dataclass(frozen=True)
class Scope:
    """What a caller may write: always one period; a unit's page or a template also fixes the
    unit and the stage (None: any unit or stage of the period)."""

    period: str
    unit: str | None = None
    stage: str | None = None


def _author(author: str | None, where: str) -> str:
    clean = one_line(author or "")
    if not clean:
        raise ProblemsError([Problem(where, "thiếu tên người nhập: tên được ghi vào nhật ký thay đổi")])
    fits("score_log", "author", clean, "tên người nhập", where)
    return clean


def fits(table: str, column: str, text: str, what: str, where: str, code: str | None = None, row: str | None = None) -> None:
    """Refuse text longer than the store keeps, naming what it is and where it came from."""
    limit = column_length(table, column)
    if limit is not None and len(text) > limit:
        raise ProblemsError([Problem(where, f"{what} dài quá {limit} ký tự ({len(text)} ký tự)", code, row)])


def _same_points(a: Any, b: Any) -> bool:
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else float(a)
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else float(b)
    return a == b if a is None or b is None else abs(a - b) <= EPS


class Writer:
    """Every change to a store goes through one of these methods, on behalf of `actor` (None:
    the person at the server's console, who writes under the name they give)."""

    def __init__(self, store: Store, actor: Actor | None = None) -> None:
        self.store = store
        self.actor = actor

    def author(self, typed: str | None, where: str) -> str:
        """Who the log names: a signed-in account's login (what was typed does not count), or
        the console's typed name. An account removed or signed out since the page opened
        writes nothing."""
        if self.actor is None:
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

    def set_up_period(self, period: str, name: str, cs: CriteriaSet, units: pd.DataFrame) -> None:
        """Open a period (or update one): its criteria set and its units with their ranking
        groups (`files.unit_tables.read_units`). The administrator's; a period that holds
        scores keeps its criteria set (the store refuses a change)."""
        where = f"kỳ {period}"
        self.require_admin("mở kỳ đánh giá", where)
        period, name, units = clean_text(period), one_line(name), units.map(clean_text)
        if "name" in units.columns:
            units["name"] = units["name"].map(one_line)
        if not period or not name:
            raise ProblemsError([Problem(where, "kỳ đánh giá cần mã và tên")])
        fits("periods", "id", period, "mã kỳ", where)
        fits("periods", "name", name, "tên kỳ", where)
        for unit in units.itertuples():
            fits("units", "id", unit.id, "mã đơn vị", where)
            fits("units", "name", unit.name, "tên đơn vị", where, row=unit.id)
            fits("period_units", "rank_group", unit.group, "tên nhóm xếp hạng", where, row=unit.id)
        self.store.add_period(period, name, cs)
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

    def check_scope(self, scope: Scope, rows: pd.DataFrame, file: str, names: Mapping[str, str]) -> list[Problem]:
        """Rows outside what the caller may write (another unit, another stage)."""
        problems = []
        for rec in rows.to_dict("records"):
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
        rows: pd.DataFrame,
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
        author = self.author(author, file)
        cs = self.store.criteria_for(period)
        frame = _prepared(rows, scope)
        names = self.store.unit_names(period)  # read once: scope, enrolment and conflict messages use it
        units = set(frame["unit"])
        problems = self.check_scope(scope, frame, file, names) + self.check_units(period, units, file, names)
        if problems:
            raise ProblemsError(problems)
        keys = list(zip(frame["unit"], frame["code"], frame["stage"].map(stage_of), strict=True))
        self.check_workflow(period, {(unit, stage) for unit, _, stage in keys if stage is not None}, file)
        # both stages of the criteria written: an appraisal is checked against the self-assessment
        stored = self.store.scores(period, scope.unit, codes=set(frame["code"]))
        current = {(r.unit, r.code, r.stage): r for r in stored.itertuples() if r.unit in units}
        changes, problems = self._resolve(frame, keys, cs, current, file)
        if problems:
            raise ProblemsError(problems)
        writes, unchanged, conflicts = self._writes(changes, cs, current, versions or {}, names, file)
        if conflicts:  # first: a row changed since it was read is the news, whatever else is wrong
            raise ConflictError(conflicts)
        wheres = dict(zip(keys, frame["_where"], strict=True))
        written = {(w.unit, w.code, w.stage) for w in writes}
        problems = self._policy(changes, written, cs, current, period, file, wheres)
        if problems:
            raise ProblemsError(problems)
        inserted = sum(1 for w in writes if w.new is not None and w.expected == 0)
        cleared = sum(1 for w in writes if w.new is None)
        report = SaveReport(inserted, len(writes) - inserted - cleared, unchanged, cleared)
        if dry_run:
            return report
        try:
            self.store.write_scores(period, writes, author=author, action=source)
        except VersionConflict as exc:
            found = self.store.scores(period, exc.key[0], exc.key[2])
            old = next(found[found["code"] == exc.key[1]].itertuples(), None)
            raise ConflictError([self._conflict(exc.key, file, names, old)]) from None
        return report

    def _resolve(
        self, frame: pd.DataFrame, keys: list[Key], cs: CriteriaSet, current: dict[Key, Any], file: str
    ) -> tuple[dict[Key, dict[str, Any] | None], list[Problem]]:
        """Each key's new content (None: withdraw), rules applied; or the problems found.
        Rows are told apart in plain Python (a form sends one row: pandas masks cost more than
        the check); the rules run over the scored rows at once (`engine.resolve`)."""
        problems, unscored = [], []  # the rules' problems first, then those of withdrawals and notes
        out: dict[Key, dict[str, Any] | None] = {}
        records = frame.to_dict("records")
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
            resolved = engine.resolve(frame.iloc[scored].assign(value=declared), cs, file=file)
        except ProblemsError as exc:
            problems += exc.problems
            resolved = None
        if resolved is not None:
            notes = dict(zip(keys, frame["note"], strict=True))
            for rec in resolved.to_dict("records"):
                key = (rec["unit"], rec["code"], rec["stage"])
                note = notes.get(key)
                if note is None or (isinstance(note, float) and math.isnan(note)):  # no note given: keep the stored one
                    old = current.get(key)
                    note = old.note if old is not None else ""
                points = None if rec["na"] or pd.isna(rec["points"]) else float(rec["points"])
                out[key] = {"value": rec["value"], "points": points, "na": bool(rec["na"]), "note": note}
        return out, problems + unscored

    def _policy(
        self,
        changes: dict[Key, dict[str, Any] | None],
        written: set[Key],
        cs: CriteriaSet,
        current: dict[Key, Any],
        period: str,
        file: str,
        wheres: Mapping[Key, str | None],
    ) -> list[Problem]:
        """The rules that hold across rows: an appraisal that differs from the self-assessment
        needs a reason; a self-assessed point without evidence needs an explanation (if the
        criteria set asks for it); a bonus or penalty needs a reason. A reason says something
        (`text.says_something`): `-` or a zero-width space is none. Only rows that change are
        held to them: a row already stored as it is was accepted when it was written."""
        problems = []
        with_files = None
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
            elif stage == SELF and cs.explain_missing_evidence and cs[code].evidence and (new["points"] or 0) > 0:
                if with_files is None:
                    with_files = self.store.evidence_keys(period)
                if (unit, code) not in with_files:
                    why = "tiêu chí cần tài liệu kiểm chứng: tải tệp lên hoặc ghi giải trình vì sao chưa có tài liệu"
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

    # ------------------------------------------------------------ replies (giải trình)

    def save_reply(self, scope: Scope, code: str, text: str, author: str | None) -> None:
        """The unit's reply to the appraisal of one sub-criterion, while the reply window is
        open (empty text withdraws it). Only where an appraisal score exists: a reply answers one."""
        where = f"kỳ {scope.period}"
        author = self.author(author, where)
        cs = self.store.criteria_for(scope.period)
        if code not in cs.entries:  # a penalty can be answered too
            raise ProblemsError([Problem(where, f"mã '{code}' không phải tiêu chí chấm điểm của kỳ {scope.period}", code)])
        self.require_unit(scope.period, scope.unit)
        self.check_workflow(scope.period, {(scope.unit, REPLY)}, where)
        appraised = self.store.scores(scope.period, scope.unit, APPRAISAL)
        if code not in set(appraised["code"]):
            raise ProblemsError([Problem(where, "tiêu chí này chưa có điểm thẩm định: chưa có gì để giải trình", code)])
        text = clean_text(text or "")
        if len(text) > MAX_REPLY:
            raise ProblemsError([Problem(where, f"giải trình dài quá {MAX_REPLY} ký tự", code)])
        self.store.put_reply(scope.period, scope.unit, code, text, author)

    # ------------------------------------------------------------ survey answers

    def save_survey(self, period: str, responses: pd.DataFrame, author: str | None, source: str) -> SaveReport:
        """Survey answers checked by `files.survey_files.read_responses`; units checked here."""
        source = clean_text(source or "")
        file = source or f"kỳ {period}"
        author = self.author(author, file)
        self.require_admin("nhập phiếu khảo sát", file, period)
        problems = self.check_units(period, set(responses["unit"]), file, self.store.unit_names(period))
        if problems:
            raise ProblemsError(problems)
        responses = responses.map(clean_text)
        survey = self.store.criteria_for(period).survey
        if survey is not None and survey.groups:  # weighted groups: each answer must name one
            unknown = sorted({g for g in responses["group"] if survey.group_of(g) is None})
            if unknown:
                known = "; ".join(f"{g.id} ({g.name})" for g in survey.groups)
                raise ProblemsError([Problem(file, f"nhóm không có trong bộ tiêu chí: {', '.join(unknown)}; dùng: {known}")])
            responses = responses.assign(group=responses["group"].map(lambda g: survey.group_of(g).id))
        fits("survey_responses", "source", source, "tên tệp", file)
        for column, what in (("group", "nhóm người trả lời"), ("respondent", "mã phiếu")):
            for respondent, text in zip(responses["respondent"].astype(str), responses[column].astype(str), strict=True):
                fits("survey_responses", column, text, what, file, row=f"phiếu {respondent[:40]}")
        return self.store.save_survey(period, responses, author=author, source=source)

    # ------------------------------------------------------------ evidence

    def add_evidence(self, scope: Scope, code: str, filename: str, data: bytes, author: str | None) -> int:
        """Keep an uploaded file for one sub-criterion of the scope's unit; `EvidenceError` if refused."""
        author = self._evidence_author(author, scope, "tải tài liệu lên")
        cs = self.store.criteria_for(scope.period)
        if code not in cs.leaf_codes:
            raise EvidenceError(f"mã '{code}' không phải tiêu chí chấm điểm của kỳ {scope.period}")
        clean, content_type = evidence_files.check(filename, data)
        quota = evidence_quota()
        try:
            return self.store.add_evidence(scope.period, scope.unit, code, clean, content_type, data, author, quota=quota)
        except EvidenceQuota as full:
            name = self.store.unit_names(scope.period).get(scope.unit, scope.unit)
            raise EvidenceError(
                f"Tệp '{clean}' không được lưu: tài liệu kiểm chứng của {name} trong kỳ {scope.period} đã dùng "
                f"{megabytes(full.used)} MB của hạn mức {megabytes(quota)} MB (kể cả tệp đã gỡ, "
                f"được giữ để đối chiếu); thêm {megabytes(len(data))} MB sẽ vượt hạn mức. Liên hệ Sở Nội vụ nếu cần thêm."
            ) from None

    def remove_evidence(self, scope: Scope, evidence_id: int, author: str | None) -> None:
        """Withdraw a file of the scope's unit and period (the file and its record stay for the audit)."""
        author = self._evidence_author(author, scope, "gỡ tài liệu")
        record = self.store.evidence_record(evidence_id)
        if record is None or (record.period, record.unit) != (scope.period, scope.unit):
            raise EvidenceError("tệp không thuộc đơn vị và kỳ đang mở")
        self.store.remove_evidence(evidence_id, author)

    def _evidence_author(self, typed: str | None, scope: Scope, doing: str) -> str:
        """Evidence belongs to the self-assessment: the unit's own people (or the console)
        change it while the self-assessment is open and not yet submitted."""
        where = f"kỳ {scope.period}"
        try:
            if self.actor is None and not clean_text(typed or ""):
                raise EvidenceError(f"Nhập tên người chấm trước khi {doing}")
            author = self.author(typed, where)
            self.require_unit(scope.period, scope.unit)
            self.check_workflow(scope.period, {(scope.unit, SELF)}, where)
        except ProblemsError as exc:
            raise EvidenceError("; ".join(p.message for p in exc.problems)) from None
        return author

    # ------------------------------------------------------------ scenarios

    def save_scenario(self, scenario: Any, replace: bool = False) -> None:
        """Keep a what-if scenario under its (non-empty) name, as a draft, its name, description
        and author cleaned like every text that enters. A scenario of the same name is replaced
        only when the caller says so (`replace`: the person confirmed)."""
        scenario = dataclasses.replace(
            scenario, **{key: clean_text(getattr(scenario, key) or "") for key in ("name", "description", "author")}
        )
        name = scenario.name
        if not name:
            raise ProblemsError([Problem("kịch bản", "đặt tên cho kịch bản trước khi lưu")])
        self.require_admin("lưu kịch bản", "kịch bản")
        fits("scenarios", "name", name, "tên kịch bản", "kịch bản")
        fits("scenarios", "author", scenario.author, "tên người lưu", "kịch bản")
        if not replace and name in set(self.store.scenarios()["name"]):
            raise ProblemsError([Problem("kịch bản", f"đã có kịch bản '{name}': đặt tên khác, hoặc xác nhận ghi đè")])
        self.store.save_scenario(scenario)

    def delete_scenario(self, name: str) -> None:
        self.require_admin("xóa kịch bản", "kịch bản")
        self.store.delete_scenario(clean_text(name))

    def mark_scenario(self, name: str, for_report: bool) -> None:
        """Mark a saved scenario for the annual report and the results workbook, or make it a
        draft again (drafts are never published)."""
        self.require_admin("chọn kịch bản cho báo cáo", "kịch bản")
        self.store.mark_scenario(clean_text(name), for_report)


def local_time(when: Any) -> str:
    """A stored time (UTC; SQLite gives it back without a zone) as hh:mm dd/mm/yyyy in the province."""
    return clock.local(pd.Timestamp(when).to_pydatetime()).strftime("%H:%M %d/%m/%Y")


def _prepared(rows: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Rows with every column the checks read, text in NFC, the scope's stage filled in."""
    frame = rows.reset_index(drop=True).copy()
    defaults: dict[str, Any] = {"value": None, "points": None, "na": False, "note": None, "clear": False, "_where": None}
    for column, default in defaults.items():
        if column not in frame.columns:
            frame[column] = default
    if "stage" not in frame.columns:
        frame["stage"] = scope.stage or SELF
    frame["stage"] = frame["stage"].fillna(scope.stage or SELF)
    for column in ("unit", "code", "stage"):
        frame[column] = frame[column].map(lambda v: clean_text(str(v)))
    frame["value"] = pd.Series([clean_text(v) for v in frame["value"]], index=frame.index, dtype=object)
    frame["note"] = pd.Series([None if v is None else clean_text(str(v)) for v in frame["note"]], index=frame.index, dtype=object)
    frame["na"] = frame["na"].fillna(False).astype(bool)
    frame["clear"] = frame["clear"].fillna(False).astype(bool)
    return frame


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
