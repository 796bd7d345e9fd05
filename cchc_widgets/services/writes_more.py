"""The one door's writes other than scores: a unit's replies, survey answers, evidence files
and what-if scenarios, with the checks they share with scores (`Scope`, `fits`, who writes).
`services.writes.Writer` holds them all; this module keeps that class a size one can read."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import EvidenceError, Problem, ProblemsError
from cchc_widgets.core.numbers import megabytes
from cchc_widgets.core.text import clean_text, one_line
from cchc_widgets.core.vocabulary import APPRAISAL, REPLY, SELF
from cchc_widgets.files import evidence as evidence_files
from cchc_widgets.store.config import evidence_quota
from cchc_widgets.store.database import EvidenceQuota, SaveReport, column_length

MAX_REPLY = 4000  # characters of one reply (giải trình): a page of text


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


def _own_survey(responses: pd.DataFrame, unit: str, cs: CriteriaSet, file: str) -> pd.Series:
    """One unit's answers checked against its block's survey: every item one it asks (a
    district answering a department-only item is refused, naming the unit and the item) and,
    when the set weighs its groups, every answer naming one of them. Returns the groups as the
    set names them."""
    asked = set(cs.survey_codes) if cs.survey is not None else set()
    stray = sorted(set(responses["item"]) - asked)
    if stray:
        said = f"câu hỏi '{stray[0]}' không có trong phiếu khảo sát của bộ tiêu chí '{cs.id}' của đơn vị '{unit}'"
        raise ProblemsError([Problem(file, said, stray[0])])
    survey = cs.survey
    if not survey.groups:
        return responses["group"]
    unknown = sorted({g for g in responses["group"] if survey.group_of(g) is None})
    if unknown:
        known = "; ".join(f"{g.id} ({g.name})" for g in survey.groups)
        raise ProblemsError([Problem(file, f"nhóm không có trong bộ tiêu chí: {', '.join(unknown)}; dùng: {known}")])
    return responses["group"].map(lambda g: survey.group_of(g).id)


class OtherWrites:
    """Replies, survey answers, evidence and scenarios: the part of `Writer` that is not
    scores. Its checks (`author`, `require_unit`, `check_workflow`, `require_admin`,
    `check_units`) are `Writer`'s."""

    # ------------------------------------------------------------ replies (giải trình)

    def save_reply(self, scope: Scope, code: str, text: str, author: str | None) -> None:
        """The unit's reply to the appraisal of one sub-criterion, while the reply window is
        open (empty text withdraws it). Only where an appraisal score exists: a reply answers one."""
        where = f"kỳ {scope.period}"
        author = self.author(author, where)
        cs = self.store.criteria_for(scope.period, unit=scope.unit)  # its block's set
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
        fits("survey_responses", "source", source, "tên tệp", file)  # what the store cannot keep, on any backend, first
        for column, what in (("group", "nhóm người trả lời"), ("respondent", "mã phiếu")):
            for respondent, text in zip(responses["respondent"].astype(str), responses[column].astype(str), strict=True):
                fits("survey_responses", column, text, what, file, row=f"phiếu {respondent[:40]}")
        for unit in sorted(set(responses["unit"])):
            own = responses["unit"] == unit
            cs = self.store.criteria_for(period, unit=unit)  # its block's
            responses.loc[own, "group"] = _own_survey(responses[own], unit, cs, file)
        return self.store.save_survey(period, responses, author=author, source=source)

    # ------------------------------------------------------------ evidence

    def add_evidence(self, scope: Scope, code: str, filename: str, data: bytes, author: str | None) -> int:
        """Keep an uploaded file for one sub-criterion of the scope's unit; `EvidenceError` if refused."""
        author = self._evidence_author(author, scope, "tải tài liệu lên")
        cs = self.store.criteria_for(scope.period, unit=scope.unit)  # its block's set
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
