"""The scoring form: one composite widget for the whole criteria tree.

One widget model (anywidget) instead of ~8 ipywidgets per row: Voilà then loads the full
70-row form about as fast as a one-input page (see bench/voila_bench.py). The view is plain
DOM in `scoring_form.js`; every decision (is this input valid, is a reason needed, what is
the total) is taken by `ScoringSession` here in the kernel.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import anywidget
import pandas as pd
import traitlets

from cchc_widgets.app.scoring_session import FieldError, ScoringSession
from cchc_widgets.app.widgets.dispatch import dispatch
from cchc_widgets.app.widgets.page import page_module, page_style
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import CchcError, Problem, ProblemsError
from cchc_widgets.core.text import ascii_name
from cchc_widgets.core.vocabulary import SELF, STAGE_LABELS
from cchc_widgets.services.access import Actor
from cchc_widgets.store.database import Store

FAILURE = "Lỗi hệ thống, thao tác chưa được lưu ({name}); báo cho quản trị viên."  # anything but a refusal (`dispatch`)
HERE = Path(__file__).resolve().parent
Handler = Callable[[Any, dict[str, Any], list[bytes]], None]  # (form, the page's message, its buffers)


# ------------------------------------------------------------ what the page sends, by its `type`


def _ping(form: ScoringForm, content: dict[str, Any], buffers: list[bytes]) -> None:
    """The page's heartbeat: an answer says the kernel is alive; what others saved follows."""
    form.send({"type": "pong"})
    form._follow()


def _history(form: ScoringForm, content: dict[str, Any], buffers: list[bytes]) -> None:
    code = content.get("code")
    form.send({"type": "history", "code": code, "entries": form.session.history(code)})


def _edit(form: ScoringForm, content: dict[str, Any], buffers: list[bytes]) -> None:
    code, version = content.get("code"), content.get("version")
    value, note, author = content.get("value"), content.get("note", ""), content.get("author", "")
    form.session.edit(code, value, note, author, None if version is None else int(version))
    form._saved(code, "edit")


def _reply(form: ScoringForm, content: dict[str, Any], buffers: list[bytes]) -> None:
    form.session.reply(content.get("code"), content.get("text", ""), content.get("author", ""))
    form._saved(content.get("code"), "reply")


def _upload(form: ScoringForm, content: dict[str, Any], buffers: list[bytes]) -> None:
    data = bytes(buffers[0]) if buffers else b""
    form.session.add_evidence(content.get("code"), content.get("name", ""), data, content.get("author", ""))
    form._saved(content.get("code"), "upload")


def _remove_file(form: ScoringForm, content: dict[str, Any], buffers: list[bytes]) -> None:
    form.session.remove_evidence(int(content["id"]), content.get("author", ""))
    form._saved(content.get("code"), "remove_file")


def _download(form: ScoringForm, content: dict[str, Any], buffers: list[bytes]) -> None:
    name, mime, data = form.session.read_evidence(int(content["id"]))
    form.send({"type": "file", "name": name, "mime": mime}, [data])


def _may(form: ScoringForm, what: str) -> None:
    """Refuse a workbook action the account's role does not give (`can_export`, `can_survey`)."""
    if not form.session.access()[what]:
        raise CchcError("tài khoản của bạn không dùng được chức năng này")


# workbooks in and out: their modules (openpyxl) load on first use, not with the page


def _export(form: ScoringForm, content: dict[str, Any], buffers: list[bytes]) -> None:
    from cchc_widgets.report.results_workbook import results_download

    _may(form, "can_export")
    form.send(*results_download(form.store, form.session.period))


def _template(form: ScoringForm, content: dict[str, Any], buffers: list[bytes]) -> None:
    from cchc_widgets.files.tables_out import XLSX_MIME
    from cchc_widgets.services.imports import template

    s = form.session
    name = form._sheet_name() + ".xlsx"
    form.send({"type": "file", "name": name, "mime": XLSX_MIME}, [template(form.store, s.period, s.unit, s.stage)])


def _survey_template(form: ScoringForm, content: dict[str, Any], buffers: list[bytes]) -> None:
    from cchc_widgets.files.tables_out import XLSX_MIME
    from cchc_widgets.services.imports import survey_templates

    _may(form, "can_survey")
    s = form.session
    ((block, data),) = survey_templates(form.store, s.period, form.store.unit_block(s.unit))  # the form's unit's block's sheet
    name = f"phieu-khao-sat-{s.period}" + (f"-{block}" if block else "")
    form.send({"type": "file", "name": f"{name}.xlsx", "mime": XLSX_MIME}, [data])


def _import(form: ScoringForm, content: dict[str, Any], buffers: list[bytes]) -> None:
    """A filled template or score table (`import_scores`), or survey responses (`import_survey`),
    checked whole: stored, or refused with a report listing every problem."""
    from cchc_widgets.services.uploads import scores_upload, survey_upload

    survey = content.get("type") == "import_survey"
    if survey:
        _may(form, "can_survey")
    s = form.session
    upload = survey_upload if survey else scores_upload
    data = bytes(buffers[0]) if buffers else b""
    report = upload(form.store, content.get("name", ""), data, content.get("author", ""), s.scope, form.actor)
    if report.ok:
        s.reload()
        s.forget_period()
        form._push(all_rows=True)
        form._sync_scores()
    form.send({"type": "report", "ok": report.ok, "message": report.message, "problems": list(report.problems)})
    _give_back_memory_soon()


class ScoringForm(anywidget.AnyWidget):
    """Score one unit for one period and stage; selectors in the page switch all three."""

    _esm = page_module(*(HERE / f"scoring_{part}.js" for part in ("top", "head", "submit", "rows", "sending", "form")))
    _css = page_style(HERE / "scoring_form.css")
    # every kind of message the page sends, and what answers it (tests/test_widget_messages.py reads the JavaScript)
    MESSAGES: ClassVar[dict[str, Handler]] = {
        "ping": _ping,
        "history": _history,
        "log": lambda form, content, buffers: form._download_log(),
        "edit": _edit,
        "reply": _reply,
        "upload": _upload,
        "remove_file": _remove_file,
        "download": _download,
        "export": _export,
        "template": _template,
        "sheet": lambda form, content, buffers: form._send_sheet(),
        "survey_template": _survey_template,
        "import_scores": _import,
        "import_survey": _import,
        "submit": lambda form, content, buffers: form._submit(),
        "select": lambda form, content, buffers: form.select(content.get("period"), content.get("unit"), content.get("stage")),
    }

    state = traitlets.Dict().tag(sync=True)  # header, choices, selection; rebuilt after every change
    rows = traitlets.List().tag(sync=True)  # one dict per sub-criterion, in tree order
    epoch = traitlets.Int(0).tag(sync=True)  # changes when another unit/period/stage is opened
    alert = traitlets.Unicode("").tag(sync=True)  # an error the page must show
    # not synced, for Python: every unit's scores of the period in the engine's long form,
    # replaced after each accepted change (observe it with names="scores")
    scores = traitlets.Instance(pd.DataFrame, allow_none=True)

    def __init__(
        self,
        store: Store,
        period: str | None = None,
        unit: str | None = None,
        stage: str | None = None,
        actor: Actor | None = None,
        author: str = "",
    ) -> None:
        super().__init__()
        self.store = store
        self.actor = actor  # the signed-in account: decides which units the selectors offer
        self.author = author  # who edits when no one signed in and the page's name field is empty
        self.session: ScoringSession | None = None
        self.on_msg(self._on_message)
        self.select(period, unit, stage)

    @classmethod
    def from_frame(
        cls,
        scores: pd.DataFrame,
        criteria: CriteriaSet | str | Path,
        unit: str | None = None,
        stage: str = SELF,
        period: str | None = None,
        *,
        units: pd.DataFrame | None = None,
        survey: pd.DataFrame | None = None,
        author: str = "Python",
    ) -> ScoringForm:
        """A form over a DataFrame of scores in the engine's long form (unit, code, stage,
        value | points | na, note; `period` optional), without a database file: the frame
        goes through the same checks as an imported file into a store in memory.
        `units` (id, name) names the units; `survey` adds survey responses."""
        from cchc_widgets.services.frames import frame_store

        made = frame_store(scores, criteria, period, units, survey, author)
        return cls(made.store, made.period, unit, stage, author=author)

    # ------------------------------------------------------------ for Python: values in, frames out

    def set_value(self, code: str, value: Any, note: str = "", author: str | None = None) -> None:
        """What a person's edit does, from code: the same checks, the same refusal
        (`ProblemsError` naming the criterion; nothing saved), the page updated."""
        try:
            self.session.edit(code, value, note, author or self.author)
        except FieldError as exc:
            self._push(code=code if code in self.session.cs.entries else None)
            raise ProblemsError([Problem(self.session.unit_name, exc.message, code)]) from None
        self._saved(code, "edit")

    @property
    def results(self) -> pd.DataFrame:
        """One row per unit from `scores` (appraisal where there is one, survey included):
        unit, name, domain points, total, max, index, rank, class — best first."""
        return self.session.period_results(self.scores)

    @traitlets.default("scores")
    def _first_scores(self) -> pd.DataFrame:
        return self.session.period_scores()  # read when first asked for: a Voilà page never asks

    def _sync_scores(self) -> None:
        """Replace `scores` when what is stored differs (observers fire once per change), once
        someone reads or observes them."""
        read = "scores" in self._trait_values
        if not read and not self._trait_notifiers.get("scores"):
            return
        now = self.session.period_scores()
        if not read or not now.equals(self.scores):
            self.scores = now

    @classmethod
    def from_query(cls, store: Store, query: str, actor: Actor | None = None) -> ScoringForm:
        """Open on `?unit=…&period=…&stage=self|appraisal` (missing parts take defaults)."""
        params = {k: v[0] for k, v in parse_qs(query.lstrip("?")).items()}
        return cls(store, params.get("period"), params.get("unit"), params.get("stage"), actor)

    # ------------------------------------------------------------ opening

    def select(self, period: str | None, unit: str | None, stage: str | None) -> None:
        """Show (period, unit, stage); unknown parts, and units the account may not read,
        fall back to defaults with a message."""
        periods = self.store.periods()
        problems = []
        if period not in set(periods["id"]):
            if period:
                problems.append(f"Không có kỳ đánh giá '{period}'.")
            period = periods["id"].iloc[-1] if len(periods) else None
        if period is None:
            self.alert = "Kho dữ liệu chưa có kỳ đánh giá nào (chạy `cchc demo`)."
            return
        units = self.store.units(period)
        if self.actor is not None:
            units = units[units["id"].map(self.actor.may_read)]
            if units.empty:
                self.alert = f"Tài khoản {self.actor.named} chưa được giao đơn vị nào trong kỳ {period}: liên hệ Sở Nội vụ."
                return
        if unit not in set(units["id"]):
            if unit:
                problems.append(f"Đơn vị '{unit}' không có trong những đơn vị bạn được xem ở kỳ {period}.")
            unit = units["id"].iloc[0]
        writes = self.actor.stages_written() if self.actor is not None else ()
        if stage is None:
            stage = writes[0] if len(writes) == 1 else SELF  # an appraiser opens on the appraisal
        if stage not in STAGE_LABELS:
            problems.append(f"Giai đoạn '{stage}' không có.")
            stage = SELF
        self.session = ScoringSession(self.store, period, unit, stage, self.actor, periods=periods)  # read above: not again
        self._choices = {
            "periods": periods[["id", "name"]].values.tolist(),
            "units": units[["id", "name"]].values.tolist(),
            "stages": [[k, v] for k, v in STAGE_LABELS.items()],
        }
        self.alert = " ".join(problems)
        self.epoch += 1
        self._push(all_rows=True)
        self._sync_scores()

    def _push(self, all_rows: bool = False, code: str | None = None) -> None:
        session = self.session
        state = session.header()
        state["choices"] = self._choices
        if all_rows:
            self.rows = session.rows()
        elif code is not None:
            # one row changed: send just that row; the synced list is updated in place (no
            # 70-row resync per keystroke) and the page applies the same change to its copy
            row = session.row(code)
            self.rows[session.row_codes.index(code)] = row
            self.send({"type": "row", "row": row})
        self.state = state

    def _follow(self) -> None:
        """Working side by side: when someone else changed this unit, send the rows that differ
        (the page keeps what the person is typing and marks a row changed underneath them) and
        say who changed what."""
        session = self.session
        if session is None or not session.changed():
            return
        before = {row["code"]: row for row in self.rows}
        session.reload()
        rows = session.rows()
        news = []
        for k, row in enumerate(rows):
            if row == before.get(row["code"]):
                continue
            self.rows[k] = row
            self.send({"type": "row", "row": row})
            for side in ("mine", "other"):
                now, was = row[side], before.get(row["code"], {}).get(side)
                if now is not None and (was is None or now["version"] != was["version"]):
                    news.append(f"{now['author']} vừa lưu {row['code']}")
        self._push()
        self._sync_scores()
        if news:
            self.send(
                {"type": "notice", "text": "; ".join(news[:5]) + (f" và {len(news) - 5} thay đổi khác" if len(news) > 5 else "")}
            )

    def _download_log(self) -> None:
        """The period's change log for the administrator and readers (an .xlsx of `cchc log`)."""
        from cchc_widgets.files.tables_out import XLSX_MIME
        from cchc_widgets.services.audit import change_log, log_xlsx

        if not self.session.access()["can_export"]:
            raise CchcError("tài khoản của bạn không tải được nhật ký của cả kỳ")
        data = log_xlsx(change_log(self.store, self.session.period))
        self.send({"type": "file", "name": f"nhat-ky-{self.session.period}.xlsx", "mime": XLSX_MIME}, [data])

    def _submit(self) -> None:
        """Hand in the self-assessment; a refusal (items unscored or without evidence, the
        stage closed) comes back as a report listing every item, and the page is redrawn."""
        try:
            self.session.submit()
        except ProblemsError as exc:
            self.session.reload()
            self._push(all_rows=True)
            lines = [f"{p.code}: {p.message}" if p.code else p.message for p in exc.problems]
            self.send({"type": "report", "ok": False, "message": lines[0], "problems": lines[1:]})
            return
        self._push(all_rows=True)
        message = "Đã nộp bản tự đánh giá: từ nay chỉ xem, không sửa."
        self.send({"type": "report", "ok": True, "message": message, "problems": []})

    def _saved(self, code: str, kind: str) -> None:
        """New state, then an explicit acknowledgement (the state may not have changed at all)
        saying what was saved: only an `edit` puts a refused score right; after a file or a reply
        the page sends the refused value again (the file may be what the refusal asked for)."""
        self._push(code=code)
        self._sync_scores()
        self.send({"type": "saved", "code": code, "kind": kind, "text": self.state["saved"]})

    # ------------------------------------------------------------ what the page sends

    def _send_sheet(self) -> None:
        """The printable scoring sheet of what is open: a PDF (Chromium prints it), or the
        HTML to print from the browser where the server has no Chromium."""
        import tempfile

        from cchc_widgets.app.scoring_sheet import write_sheet
        from cchc_widgets.report import chromium

        suffix, mime = (".pdf", "application/pdf") if chromium.executable() else (".html", "text/html")
        with tempfile.TemporaryDirectory() as tmp:
            out = write_sheet(self.session, Path(tmp) / f"phieu{suffix}")
            self.send({"type": "file", "name": self._sheet_name() + suffix, "mime": mime}, [out.read_bytes()])

    def _sheet_name(self) -> str:
        """A file name for the open unit and stage, ASCII-safe (the sheet and the template)."""
        s = self.session
        return f"phieu-{ascii_name(STAGE_LABELS[s.stage])}-{ascii_name(s.unit_name)}-{s.period}"

    def _on_message(self, _widget: Any, content: dict[str, Any], buffers: list[bytes]) -> None:
        """A page's message to its handler (`MESSAGES`); what is refused comes back beside the
        field or as the page's alert, and nothing is saved."""
        if self.author and not content.get("author"):
            content = {**content, "author": self.author}
        dispatch(self, content, buffers, refused=lambda exc: self._refused(exc, content), failure=FAILURE, clears_alert=False)

    def _refused(self, exc: CchcError, content: dict[str, Any]) -> None:
        """A refusal beside its field: a `FieldError` redraws its row (and says whether a colleague's
        save is the reason); any other names the message's code."""
        kind = content.get("type")
        if isinstance(exc, FieldError):
            self._push(code=exc.code if exc.code in self.session.cs.nodes else None)
            self.send({"type": "field_error", "code": exc.code, "message": exc.message, "conflict": exc.conflict, "kind": kind})
        else:
            self.send({"type": "field_error", "code": content.get("code"), "message": str(exc), "kind": kind})


def _give_back_memory_soon() -> None:
    """An upload's megabytes (the message, its copies) are freed once its message is done with,
    but glibc keeps freed memory for reuse, and a page's kernel lives for hours: once the kernel
    is done with the message, hand what is free back to the system (glibc's malloc_trim)."""
    import asyncio
    import ctypes

    def trim() -> None:
        with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
            ctypes.CDLL(None).malloc_trim(0)

    try:
        asyncio.get_running_loop().call_soon(trim)
    except RuntimeError:  # no event loop (a notebook's kit or a test): now
        trim()
