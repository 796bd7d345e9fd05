"""One person scoring one unit in one period and stage: the view state of the scoring form.

The form widget only renders what this object returns and forwards what a person did. Every
change goes through the one write path (`services.writes.Writer`) with this page's scope
(its period, unit and stage) and the version of the row the page showed, so a stale tab is
refused instead of overwriting a colleague; the view is then rebuilt from the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pandas as pd

from cchc_widgets.app.scoring_view import ADJUSTMENTS, header, is_scored, shown_score
from cchc_widgets.core import clock, engine
from cchc_widgets.core.criteria import CriteriaSet, how_to_score
from cchc_widgets.core.errors import CchcError, ConflictError, EvidenceError, Problem, ProblemsError
from cchc_widgets.core.numbers import format_number
from cchc_widgets.core.resolution import LONG_COLUMNS
from cchc_widgets.core.rules import is_unanswered
from cchc_widgets.core.survey import with_survey
from cchc_widgets.core.text import clean_text, says_something
from cchc_widgets.core.vocabulary import APPRAISAL, REPLY, SELF, STAGE_LABELS, STAGES, SURVEY, UNREASONED
from cchc_widgets.services.access import ROLES, Actor, Workflow, submit
from cchc_widgets.services.audit import change_log
from cchc_widgets.services.permissions import allowed
from cchc_widgets.services.progress import LACKING, checklist_of, lacks_evidence
from cchc_widgets.services.results import ranking_of, survey_points
from cchc_widgets.services.writes import Scope, Writer, local_time
from cchc_widgets.store.database import Store
from cchc_widgets.store.scores import score_frame


class FieldError(CchcError):
    """A change refused at one field; the message is shown beside it and nothing is saved."""

    def __init__(self, code: str, message: str, conflict: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.conflict = conflict  # someone saved this row since the page showed it: the page offers both values


@dataclass(frozen=True)
class Choice:
    id: str
    name: str


class ScoringSession:
    """State and actions of the scoring form for (period, unit, stage)."""

    def __init__(
        self, store: Store, period: str, unit: str, stage: str = SELF, actor: Actor | None = None, *, periods: Any = None
    ) -> None:
        if stage not in STAGES:
            raise ProblemsError([_problem(f"giai đoạn '{stage}' không có; chọn tự đánh giá hoặc thẩm định")])
        periods = store.periods() if periods is None else periods  # read already by a caller (the form's `select`), or here
        if period not in set(periods["id"]):
            raise ProblemsError([_problem(f"không có kỳ đánh giá '{period}'")])
        self.actor = actor  # the signed-in account (None: a laptop, names typed in the page)
        self.writer = Writer(store, actor)
        self.unit_name = self.writer.require_unit(period, unit)
        self.store, self.period, self.unit, self.stage = store, period, unit, stage
        self.scope = Scope(period, unit, stage)
        self.cs: CriteriaSet = store.criteria_for(period, unit=unit)  # its block's set
        self.row_codes = list(self.cs.entries)  # the form's rows: the leaves, then bonus and penalty items
        self.period_name = dict(zip(periods["id"], periods["name"], strict=True))[period]
        self.saved_at: datetime | None = None
        self._names: dict[str, str] | None = None  # the period's units, read for the kit only
        self._people: dict[str, str] | None = None  # account login → full name, read when a row first needs it
        self._others: pd.DataFrame | None = None
        self._survey_all = self._ranking = None  # the period's survey points and ranking (frames), read when first asked for
        self.stamp: dict[str, object] = {}  # the store's marks of what this page last read (`reload`)
        self.reload()

    # ------------------------------------------------------------ reading

    def reload(self, everything: bool = False) -> None:
        """Read again what changed in the store since this page last read it (everything the
        first time, or when the person asks): each part of `Store.unit_stamp` that moved
        re-reads its own table only, so after this page's own edit one query of scores
        follows the stamp."""
        with self.store.transaction():  # the stamp and the parts it says moved: one snapshot, one transaction
            self._reload({} if everything else self.stamp)

    def _reload(self, before: dict[str, object]) -> None:
        self.stamp = self.store.unit_stamp(self.period, self.unit)  # first: a change landing meanwhile is seen next time
        moved = {part for part, mark in self.stamp.items() if part not in before or before[part] != mark}
        if moved & {SELF, APPRAISAL}:  # plain records: the header sums them, no frame is built per edit
            records = self.store.score_records(self.period, self.unit)
            self.by_key = {(r["code"], r["stage"]): SimpleNamespace(**r) for r in records}
        if "evidence" in moved:
            self._files_by_code: dict[str, list[dict[str, Any]]] = {}
            for f in self.store.evidence_records(self.period, self.unit):  # plain rows: no frame on opening
                kept = {"id": int(f["id"]), "name": f["filename"], "size": int(f["size"])}
                self._files_by_code.setdefault(f["code"], []).append(kept)
        if SURVEY in moved:
            self.survey = survey_points(self.store, self.period, self.unit)
        if "workflow" in moved:
            self.workflow = Workflow.of(self.store, self.period)
        if REPLY in moved:
            replies = self.store.reply_records(self.period, self.unit)
            self._replies = {r["code"]: {"text": r["text"], "author": self.person(r["author"])} for r in replies}

    def person(self, login: str) -> str:
        """Who wrote something, as the page names a person: the account's full name (a name
        typed where no one signed in is already a name). Accounts are read once a page."""
        if self._people is None:
            self._people = self.store.account_names()
        return self._people.get(login, login)

    def row(self, code: str) -> dict[str, Any]:
        """Everything the form shows for one sub-criterion, or one bonus or penalty item (in
        its own section after the tree; entered at the appraisal, read in the unit's view)."""
        node = self.cs.entries[code]
        other = "appraisal" if self.stage == SELF else SELF
        flags = self.flags(code)
        return {
            "code": code,
            "name": node.name,
            "kind": node.kind,
            "entered": not node.kind or self.stage == APPRAISAL,
            "max": node.max_points,
            "max_shown": format_number(node.max_points, self.cs.decimals, fixed=True),  # as its points: the set's places
            "path": [ADJUSTMENTS] if node.kind else [*reversed(self.cs.ancestors(code))],
            "how": how_to_score(node),
            "evidence": node.evidence,
            "allow_na": node.allow_na,
            "input": node.rule.input_spec(node.max_points),
            "mine": shown_score(self, code, self.stage),
            "other": shown_score(self, code, other),
            "files": self._files_by_code.get(code, []),
            "reply": self._replies.get(code),
            "flags": flags,
            "mark": self.mark(code, flags),
            "lacking": LACKING.capitalize() if "no_evidence" in flags else "",
        }

    def flags(self, code: str) -> list[str]:
        """What is left on a row, for the page's filters: `todo` (not scored at this stage),
        `no_evidence` (the self-assessment earns points the item's evidence should prove, and no
        file or accepted explanation does: `progress.lacks_evidence`) and `differs` (the self-assessment
        and the appraisal disagree). Bonus and penalty rows are never left to do."""
        if code not in self.cs.leaf_codes:
            return []
        other = APPRAISAL if self.stage == SELF else SELF
        mine, theirs = self.by_key.get((code, self.stage)), self.by_key.get((code, other))
        own = mine if self.stage == SELF else theirs  # evidence belongs to the self-assessment
        out = [] if is_scored(mine) else ["todo"]
        if lacks_evidence(self.cs, code, own, bool(self._files_by_code.get(code))):
            out.append("no_evidence")
        both = is_scored(mine) and is_scored(theirs)
        if both and (bool(mine.na) != bool(theirs.na) or (not mine.na and abs(mine.points - theirs.points) > 1e-9)):
            out.append("differs")
        return out

    def mark(self, code: str, flags: list[str]) -> str:
        """How a differing row is marked in words (the page adds none of its own). On the
        appraiser's page a difference whose appraisal gives no reason — the self-assessment
        changed after an agreeing appraisal — says so: the appraiser has a reason to write."""
        if "differs" not in flags:
            return ""
        if self.stage == SELF:
            return "Khác kết quả thẩm định"
        if not says_something(self.by_key[(code, APPRAISAL)].note):
            return UNREASONED.capitalize()
        return "Khác tự đánh giá"

    def rows(self) -> list[dict[str, Any]]:
        return [self.row(code) for code in self.row_codes]

    def header(self) -> dict[str, Any]:
        """Unit, period, stage, totals of this stage's view, class and completion (`scoring_view.header`)."""
        return header(self)

    def access(self) -> dict[str, Any]:
        """What this person may do here now, and the period's state in words (the header's
        second line). The page greys out what is refused; the writer refuses it anyway."""
        actor, workflow, unit = self.actor, self.workflow, self.unit
        block = workflow.block_of(unit)
        locked = workflow.refusal(actor, unit, self.stage)
        submitted = workflow.submitted.get(unit)
        may_submit = (
            self.stage == SELF
            and workflow.manages(block)
            and submitted is None
            and locked is None
            and allowed(actor, "submit", unit)
        )
        checklist = self.checklist() if may_submit else None
        return {
            "user": None
            if actor is None
            else {"name": actor.name, "login": actor.login, "role": ROLES.get(actor.role, actor.role)},
            "workflow": workflow.describe(self.stage, block),
            "locked": locked,
            "submitted": None
            if submitted is None
            else f"Đã nộp bản tự đánh giá lúc {local_time(submitted['submitted_at'])} ({self.person(submitted['submitted_by'])})",
            "can_submit": may_submit,
            "checklist": checklist,
            "can_export": allowed(actor, "export"),
            "can_survey": allowed(actor, "survey"),
            "final": None if workflow.final is None else workflow.final["checksum"],
            "reply_open": self.stage == SELF and workflow.refusal(actor, unit, REPLY) is None,
            "can_evidence": workflow.refusal(actor, unit, SELF) is None,  # evidence belongs to the self-assessment
            "reply_window": workflow.describe(REPLY, block) if workflow.row(REPLY, block) else None,
            # the progress line says it already («chưa nộp, hạn …»: the self-assessment open, not
            # handed in, nothing else to say): a phone's header leaves the stage's line out
            "workflow_said": self.stage == SELF
            and workflow.manages(block)
            and submitted is None
            and workflow.stage_open(SELF, block)
            and workflow.row(REPLY, block) is None,
        }

    # ------------------------------------------------------------ the whole period, for the kit

    def period_scores(self) -> pd.DataFrame:
        """Every unit's scores of the period in the engine's long form, this unit's as just
        read. Other units are read once (this page writes only its own unit)."""
        if self._others is None:
            every = self.store.scores(self.period)
            self._others = every.loc[every["unit"] != self.unit, LONG_COLUMNS]
        order = {u: i for i, u in enumerate(self.names())}
        own = score_frame([vars(r) for r in self.by_key.values()])[LONG_COLUMNS]
        frame = pd.concat([self._others, own], ignore_index=True)
        return frame.sort_values("unit", key=lambda u: u.map(order), kind="stable", ignore_index=True)

    def names(self) -> dict[str, str]:
        """Unit id → name for the period's units."""
        if self._names is None:
            self._names = self.store.unit_names(self.period)
        return self._names

    def period_results(self, scores: pd.DataFrame) -> pd.DataFrame:
        """One row per unit as the province publishes it (appraisal where there is one, survey
        points included): unit, name, domain points, total, max, index, rank, class."""
        if self._survey_all is None:
            self._survey_all = survey_points(self.store, self.period)
        if self._ranking is None:  # ranked among the units of its own block
            self._ranking = ranking_of(self.store, self.period, self.store.unit_block(self.unit))
        frame = with_survey(engine.scored_rows(scores), self._survey_all)
        results = engine.aggregate(frame[frame["unit"].isin(self._ranking["unit"])], self.cs, units=self._ranking).results
        names = self.names()
        results.insert(2, "name", results["unit"].map(lambda u: names.get(u, u)))
        return results.sort_values("rank", kind="stable", ignore_index=True)

    def forget_period(self) -> None:
        """Read the other units and the survey again next time (after an import)."""
        self._others = self._survey_all = self._names = self._ranking = None

    def changed(self) -> bool:
        """Whether someone (a colleague, an import, the administrator) changed what this page
        shows since it was read: asked at every heartbeat."""
        return self.store.unit_stamp(self.period, self.unit) != self.stamp

    def history(self, code: str) -> list[dict[str, str]]:
        """Every change of one sub-criterion of this unit, both stages, newest first."""
        if code not in self.cs.entries:
            raise FieldError(code, f"mã '{code}' không phải tiêu chí chấm điểm")
        log = change_log(self.store, self.period, self.unit, code)
        shown = log[["at", "name", "stage", "old", "new", "reason"]].rename(columns={"name": "author"})  # a person by name
        return shown.iloc[::-1].to_dict("records")

    def checklist(self) -> dict[str, Any]:
        """What the unit would hand in unfinished (`progress.checklist_of`, from what this page
        read): what the confirmation lists before «Nộp»; the submission asks the store again."""
        own = {code: rec for (code, stage), rec in self.by_key.items() if stage == SELF}
        files = {code for code, kept in self._files_by_code.items() if kept}
        return checklist_of(self.cs, self.unit, self.unit_name, own, files).as_dict()

    def submit(self) -> None:
        """The unit hands in its self-assessment (refused and logged when it may not)."""
        submit(self.store, self.actor, self.period, self.unit)
        self.reload()

    # ------------------------------------------------------------ changing

    def edit(self, code: str, value: Any, note: str, author: str, version: int | None = None) -> None:
        """Save what a person entered for one sub-criterion, or refuse it with `FieldError`.

        `version` is the version of the row the page showed (None: the one this session read);
        an empty value and note withdraw the score. The same checks as every other path.
        """
        if code not in self.cs.entries:
            raise FieldError(code, f"mã '{code}' không phải tiêu chí chấm điểm")
        if self.actor is None and not clean_text(author or ""):
            raise FieldError(code, "Nhập tên người chấm (ô «Người chấm» ở đầu trang) trước khi chấm")
        current = self.by_key.get((code, self.stage))  # the stored row this page read (None: never scored)
        if version is None:
            version = int(current.version) if current is not None else 0
        empty = is_unanswered(value)
        note = clean_text(note or "")
        row = {"unit": self.unit, "code": code, "stage": self.stage, "value": None if empty else value, "note": note}
        row["clear"] = empty and not note
        if row["clear"] and current is None and version == 0:
            return  # nothing there, nothing typed
        try:
            self.writer.save_scores(
                self.scope,
                [row],  # one typed row: no frame to cross into the write door
                author,
                "form",
                file=f"{self.unit_name}, {STAGE_LABELS[self.stage].lower()}",
                versions={(self.unit, code, self.stage): version},
            )
        except ProblemsError as exc:
            self.reload()
            raise FieldError(code, "; ".join(p.message for p in exc.problems), isinstance(exc, ConflictError)) from None
        self._saved()

    def reply(self, code: str, text: str, author: str) -> None:
        """The unit's reply (giải trình) to the appraisal of one row, or `FieldError`."""
        try:
            self.writer.save_reply(self.scope, code, text, author)
        except ProblemsError as exc:
            raise FieldError(code, "; ".join(p.message for p in exc.problems)) from None
        self._saved()

    def add_evidence(self, code: str, filename: str, data: bytes, author: str) -> None:
        try:
            self.writer.add_evidence(self.scope, code, filename, data, author)
        except EvidenceError as exc:
            raise FieldError(code, str(exc)) from None
        self._saved()

    def remove_evidence(self, evidence_id: int, author: str) -> None:
        code = self._file_code(evidence_id)
        try:
            self.writer.remove_evidence(self.scope, evidence_id, author)
        except EvidenceError as exc:
            raise FieldError(code, str(exc)) from None
        self._saved()

    def read_evidence(self, evidence_id: int) -> tuple[str, str, bytes]:
        self._file_code(evidence_id)  # only this unit's files, in this period
        return self.store.read_evidence(evidence_id)

    def _file_code(self, evidence_id: int) -> str:
        for code, files in self._files_by_code.items():
            if any(f["id"] == evidence_id for f in files):
                return code
        raise EvidenceError("tệp không thuộc đơn vị và kỳ đang mở")

    def _saved(self) -> None:
        self.saved_at = clock.now()
        self.reload()


def _problem(message: str) -> Problem:
    return Problem("cchc", message)
