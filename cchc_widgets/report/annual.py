"""The annual report: tables with Vietnamese headers for the report notebook, and rendering
the notebook for any period to HTML (code hidden, images embedded) or PDF.

The notebook `notebooks/report.ipynb` composes `analysis`, `charts` and the tables here; it
is committed executed on the demo data and checked by nbval, so last year's report reruns
to the same result.
"""

from __future__ import annotations

import html
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jupyter_client.manager import AsyncKernelManager
from pandas.io.formats.style import Styler

from cchc_widgets.core import clock, engine
from cchc_widgets.core.documents import OfficialForm, load_official_form
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import published
from cchc_widgets.core.text import plain
from cchc_widgets.core.vocabulary import HEADINGS, annex_number, block_heading
from cchc_widgets.files.tables_out import domains_as_word
from cchc_widgets.report import chromium
from cchc_widgets.report.analysis import PeriodView, facts, movers
from cchc_widgets.report.official import CSS as OFFICIAL_CSS
from cchc_widgets.report.official import heading_html, signature_html
from cchc_widgets.report.published import UNAPPRAISED
from cchc_widgets.report.published import unappraised_key as key_of
from cchc_widgets.resources import resource

REPORT_NOTEBOOK = "notebooks/report.ipynb"


def _e(text: str) -> str:
    return html.escape(plain(text))


def title(views: list[PeriodView]) -> str:
    """What the report covers, under its title (`front`): units, criteria set (each block's
    when the period has several), whether final."""
    if len(views) == 1:
        view = views[0]
        return f"{len(view.results)} đơn vị · bộ tiêu chí: {view.cs.name} (phiên bản {view.cs.version})\n\n{view.record}"
    each = [f"- khối {v.label}: {len(v.results)} đơn vị · bộ tiêu chí: {v.cs.name} (phiên bản {v.cs.version})" for v in views]
    total = sum(len(v.results) for v in views)
    return f"{total} đơn vị, {len(views)} khối, mỗi khối một phụ lục:\n\n" + "\n".join(each) + f"\n\n{views[0].record}"


def annex(view: PeriodView, number: int) -> Block:
    """The heading of a block's part of the report, as a decision's annex: «Phụ lục I. Kết quả
    khối …». Its two phrases are kept whole (`cchc-phrase`, an inline block): a line too short
    for both breaks after «Phụ lục I.», never inside «UBND cấp huyện»."""
    phrases = (f"Phụ lục {annex_number(number)}.", f"Kết quả {block_heading(view.block, view.cs)}")
    return Block('<h1 class="cchc-annex">' + " ".join(f'<span class="cchc-phrase">{_e(p)}</span>' for p in phrases) + "</h1>")


def opening(view: PeriodView, before: PeriodView | None, number: int | None = None) -> Block:
    """A block's highlights (`analysis.facts`) under their heading, and, when the period has
    several blocks (`number`: the block's place), its annex heading above them: one block that
    never breaks, so an annex heading never ends a page and its highlights read at once."""
    heading = annex(view, number).html if number is not None else ""
    items = "".join(f"<li>{_e(fact)}</li>" for fact in facts(view, before))
    title = _e(named("Những điểm chính", view, number is not None))
    return Block(f'<section class="cchc-opening">{heading}<h2>{title}</h2><ul>{items}</ul></section>')


def named(heading: str, view: PeriodView, many: bool) -> str:
    """A section's heading, with its block's label when the period has several blocks."""
    return f"{heading} — khối {view.label}" if many else heading


def document_title(period_name: str) -> str:
    """The PDF's and the page's title (what a reader's file list and tab show)."""
    return f"Báo cáo kết quả Chỉ số cải cách hành chính — {period_name}"


@dataclass(frozen=True)
class Block:
    """A piece of the page in HTML, shown as such by Jupyter and kept as one output, so a
    heading and its table travel together (never a heading alone at a page's end)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def front(view: PeriodView, form: OfficialForm) -> Block:
    """The report's heading as Nghị định 30 draws it, then its title: the province's date."""
    head = heading_html(form, "bao_cao", clock.today())
    return Block(f'<style>{OFFICIAL_CSS}</style>{head}<h1 class="cchc-title">{_e(document_title(view.period_name))}</h1>')


def closing(form: OfficialForm) -> Block:
    """The recipients and the signer, as the report's last block."""
    return Block(f'<div class="cchc-closing">{signature_html(form)}</div>')


def shown(table: pd.DataFrame, decimals: int | None = None, blank: tuple[str, ...] = ()) -> Styler:
    """A table as the report prints it: decimal comma, thousands dot and trailing zeros kept to
    the set's decimals, a dash for nothing, nothing at all in the `blank` columns (survey points
    where no survey was run); the numbers underneath stay numbers (`shown(t).data` is `t`).
    Decimals: as given, else as the table says (`attrs["decimals"]`: the criteria set's
    rounding), else two."""
    places = decimals if decimals is not None else table.attrs.get("decimals", 2)
    styled = table.style.set_uuid("cchc").format(precision=places, decimal=",", thousands=".", na_rep="—")
    shown_blank = [c for c in blank if c in table.columns]
    if shown_blank:
        styled = styled.format(precision=places, decimal=",", thousands=".", na_rep="", subset=shown_blank)
    return styled.hide(names=True)  # an index's name is a header row of its own, empty but for one word


NAME_COLUMNS = ("Đơn vị",)  # wrap, on at most two lines: the column is wide enough (template's CSS)
TEXT_COLUMNS = ("Lý do", "Mô tả", "Đổi hạng nhiều nhất")  # free text: wraps as it needs


PORTRAIT_COLUMNS = 9  # a name and eight figures fit across A4 portrait at 9,5 pt (measured in the PDF)


def section(
    heading: str, table: pd.DataFrame, decimals: int | None = None, key: str = "", blank: tuple[str, ...] = (), empty: str = ""
) -> Block:
    """A heading, its table and the table's key as one block. A table of more columns than
    `PORTRAIT_COLUMNS` (the ranking) prints on A4 landscape pages of its own; the others stay
    in the portrait flow: every landscape page forces a page break before it, and the page it
    cuts short could be left almost empty. The index becomes the first column. A table with
    no rows is said in `empty`'s sentence: a header with nothing under it reads as a fault."""
    if table.empty and empty:
        return Block(f'<section class="cchc-section"><h2>{_e(heading)}</h2><p>{_e(empty)}</p></section>')
    frame = table.reset_index()
    wide = len(frame.columns) > PORTRAIT_COLUMNS
    frame.attrs = table.attrs
    kinds = {c: "cchc-name" if c in NAME_COLUMNS else "cchc-text" if c in TEXT_COLUMNS else "" for c in frame.columns}
    classes = pd.DataFrame({c: [kinds[c]] * len(frame) for c in frame.columns}, index=frame.index)
    styled = shown(frame, decimals, blank).hide(axis="index").set_td_classes(classes).set_table_attributes('class="cchc-table"')
    legend = f'<p class="cchc-key">{_e(key)}</p>' if key else ""
    kind = "cchc-section cchc-wide" if wide else "cchc-section"
    return Block(f'<section class="{kind}"><h2>{_e(heading)}</h2>{styled.to_html()}{legend}</section>')


def domain_key(view: PeriodView) -> str:
    """What each short domain label stands for: «LV 1: …; LV 2: …»."""
    return "; ".join(f"{_domain(code)}: {name}" for code, name in view.domains.items()) + "."


def unappraised_key(view: PeriodView) -> str:
    """What «Chưa thẩm định» in a table means, when a unit has no appraisal."""
    key = key_of(set(view.results["unit"]), view.appraised)
    return " " + key if key else ""


def survey_key(view: PeriodView) -> str:
    """Why some survey cells are blank, when they are."""
    if "survey" not in view.results.columns or set(view.results["unit"]) <= view.surveyed:
        return ""
    return " Điểm khảo sát để trống: đơn vị chưa có phiếu khảo sát trong kỳ (không phải 0 điểm)."


def _domain(code: str) -> str:
    return f"LV {code}"


def _figures(table: pd.DataFrame, view: PeriodView) -> pd.DataFrame:
    """A table's figures as published: rounded to the set's decimals, which `shown` prints
    with their trailing zeros (`attrs["decimals"]`)."""
    out = published(table, view.cs.decimals)
    out.attrs["decimals"] = view.cs.decimals
    return out


def results_table(view: PeriodView) -> pd.DataFrame:
    """The ranking as published: short domain labels (their key: `domain_key`); survey points
    blank (NaN) for a unit no survey reached, not 0."""
    grouped = engine.has_groups(view.results)
    columns = [
        "rank",
        *(["group", "group_rank"] if grouped else []),
        "name",
        *view.domains,
        *(["survey"] if "survey" in view.results.columns else []),
        *(["bonus", "penalty"] if "bonus" in view.results.columns else []),
        "total",
        "max",
        "index",
        "class",
    ]
    cols = {c: HEADINGS.get(c, _domain(c)) for c in columns}
    table = _figures(view.results[list(cols)], view)  # each figure rounded on its own
    table = domains_as_word(table, list(view.domains), view.cs.na_label)  # an item that did not apply: the set's word
    if "survey" in table.columns:
        table["survey"] = table["survey"].where(view.results["unit"].isin(view.surveyed))
    table = table.rename(columns=cols)
    for rank in ("Hạng", "Hạng trong nhóm"):  # an unranked unit: a dash, not <NA>
        if rank in table.columns:
            table[rank] = table[rank].astype(object).where(table[rank].notna(), "—")
    waiting = ~view.results["unit"].isin(view.appraised)  # printed with its self-assessment, marked, unranked
    table["Xếp loại"] = table["Xếp loại"].astype(object).where(~waiting, UNAPPRAISED)
    return table.fillna({"Xếp loại": "—"}).set_index("Hạng")


def domain_table(view: PeriodView) -> pd.DataFrame:
    """Each unit's index per domain (%) and the domains' means, to the set's decimals."""
    comps = published(view.components.set_index("unit").loc[view.results["unit"], list(view.domains)], view.cs.decimals)
    comps.index = comps.index.map(view.marked_names())
    comps.index.name = "Đơn vị"
    comps.columns = [_domain(c) for c in comps.columns]  # short labels: `domain_key` says what each is
    mean = comps.mean().rename("Trung bình")  # of the figures printed above it, as a reader adds them: N/A left out
    table = _figures(pd.concat([comps, mean.to_frame().T]).rename_axis("Đơn vị"), view)
    na = table.isna()  # a unit's domain none of which applies (the engine's NaN index): the set's word
    na.iloc[-1] = False  # a mean over no unit: a dash
    return table.astype(object).where(~na, view.cs.na_label)


def movers_table(view: PeriodView, before: PeriodView) -> pd.DataFrame:
    moved = movers(view, before)
    among = moved.attrs["among"]  # the periods rank different units: the change is among those ranked in both
    moved["name"] = moved["unit"].map(view.marked_names())
    table = moved[["name", "rank_before", "rank_now", "rank_gain", "index_before", "index_now", "index_change"]]
    table.columns = [
        "Đơn vị",
        f"Hạng {before.period}",
        f"Hạng {view.period}",
        "Tăng hạng" if among is None else f"Tăng hạng (so trong {among} đơn vị xếp hạng cả hai năm)",
        f"Chỉ số {before.period}",
        f"Chỉ số {view.period}",
        "Thay đổi chỉ số",
    ]
    return _figures(table, view).set_index("Đơn vị")


NO_CUTS = "Không có mục nào bị thẩm định giảm điểm."  # `appraisal_table` with no rows


def appraisal_table(view: PeriodView, limit: int = 25) -> pd.DataFrame:
    """The largest appraisal reductions, with the appraiser's reason: only items the appraisal
    lowered (an item it raised is no reduction); none, and the report says `NO_CUTS`."""
    cuts = view.differences[view.differences["diff"] < 0]
    diff = cuts.sort_values(["diff", "unit", "code"]).head(limit)
    table = pd.DataFrame(
        {
            "Đơn vị": diff["unit"].map(view.names),
            "Mã": diff["code"],
            "Tự đánh giá": diff["points_self"],
            "Thẩm định": diff["points_appraisal"],
            "Chênh lệch": diff["diff"],
            "Lý do": diff["reason"],
        }
    )
    table = _figures(table, view)
    table.index = pd.RangeIndex(1, len(table) + 1, name="STT")  # a numbered list, not pandas' 0-based index
    return table


def scenario_table(comparisons: list, names: dict[str, str]) -> pd.DataFrame:
    """One row per saved scenario: correlations with the baseline ranking, class changes, the biggest move."""
    rows = []
    for scenario, cmp in comparisons:
        top = cmp.table.iloc[0]
        move = (
            f"{names.get(top['unit'], top['unit'])} ({int(top['rank_base'])} → {int(top['rank_alt'])})"
            if top["delta_rank"]
            else "—"
        )
        rows.append(
            {
                "Kịch bản": scenario.name,
                "Mô tả": scenario.description,
                "Spearman ρ": round(cmp.spearman, 3),
                "Kendall τ": round(cmp.kendall, 3),
                "Đổi xếp loại": cmp.class_changes,
                "Đổi hạng nhiều nhất": move,
            }
        )
    return pd.DataFrame(rows).set_index("Kịch bản")


class QuietShutdown(AsyncKernelManager):
    """nbclient's kernel manager, less the interrupt it sends a kernel it is shutting down
    (nothing runs then; a cell that outlives its time limit is interrupted by nbclient itself)."""

    async def _async_interrupt_kernel(self) -> None:
        if not self.shutting_down:
            await super()._async_interrupt_kernel()


def execute(period: str, db: str, output: Path, notebook: Path | None = None) -> Path:
    """Run the report notebook for `period` on the store `db` (papermill injects the parameters).

    The kernel talks to us over IPC (Unix sockets in Jupyter's private runtime folder), not
    over unencrypted TCP on the loopback: nothing else on the machine can connect to it, and
    ipykernel has no reason to warn «Kernel is running over TCP without encryption». The
    sockets live in a folder of this run's own (the default is the current folder, shared by
    reports made at the same moment).

    The kernel is shut down without the interrupt (SIGINT) jupyter_client sends first: every
    cell has run by then, and a kernel caught inside a message handler by that signal printed
    «KeyboardInterrupt caught in kernel» under the command's own lines (`QuietShutdown`). A
    cell that fails still fails the report: papermill raises it."""
    import papermill
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="cchc-kernel-") as sockets:
        papermill.execute_notebook(
            str(notebook or resource(REPORT_NOTEBOOK)),
            str(output),
            parameters={"period": period, "db": db},
            progress_bar=False,
            kernel_name="python3",
            kernel_manager_class=QuietShutdown,
            config=Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}}),
        )
    return output


def render(period: str, db: str, out: Path) -> Path:
    """The report of `period` as HTML without code (images embedded) or, for .pdf, printed by
    Chromium on A4; the page's and the PDF's title is the report's."""
    import nbformat
    from nbconvert import HTMLExporter

    from cchc_widgets.store.database import Store

    suffix = out.suffix.lower()
    if suffix not in {".html", ".pdf"}:
        raise ProblemsError([Problem(str(out), "báo cáo xuất ra .html hoặc .pdf")])
    if suffix == ".pdf":
        chromium.require(out)  # refused before the report is computed, not after
    load_official_form()  # a missing or broken settings file is said here, in words, not as a kernel's traceback
    store = Store(db)
    try:
        period_name = str(store.periods().set_index("id").loc[period, "name"])
    finally:
        store.close()
    with tempfile.TemporaryDirectory() as tmp:
        executed = execute(period, db, Path(tmp) / "report.ipynb")
        nb = nbformat.read(executed, as_version=4)
        nb.metadata["title"] = document_title(period_name)
        exporter = HTMLExporter(
            template_name="cchc_report",  # JupyterLab's page with the charts' alt text (templates/cchc_report)
            extra_template_basedirs=[str(Path(__file__).resolve().parent / "templates")],
            language_code="vi",
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        page, _ = exporter.from_notebook_node(nb)
        target = out if suffix == ".html" else Path(tmp) / "report.html"
        target.write_text(plain(page), encoding="utf-8")  # names and reasons stored before text was cleaned as it entered
        if suffix == ".pdf":
            chromium.print_pdf(target, out, Path(tmp))
    return out


def refresh_committed(
    notebooks: tuple[str, ...] = ("notebooks/report.ipynb", "notebooks/analysis.ipynb", "notebooks/kit.ipynb"),
) -> None:
    """Re-execute the committed notebooks in place on a fresh demo store (what nbval checks).
    Widget state is not kept in the files: a widget shows when its cell runs."""
    import os

    import nbformat
    from nbclient import NotebookClient

    from cchc_widgets.services.demo import load_demo
    from cchc_widgets.store.database import Store

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.sqlite"
        store = Store(url, evidence_dir=Path(tmp) / "evidence")
        load_demo(store)
        store.close()
        old = os.environ.get("CCHC_DB")
        os.environ["CCHC_DB"] = url
        try:
            for name in notebooks:
                path = resource(name)
                nb = nbformat.read(path, as_version=4)
                NotebookClient(
                    nb,
                    kernel_name="python3",
                    timeout=600,
                    store_widget_state=False,
                    resources={"metadata": {"path": str(path.parent)}},
                ).execute()
                nbformat.write(nb, path)
                print(f"executed {name}")
        finally:
            if old is None:
                os.environ.pop("CCHC_DB", None)
            else:
                os.environ["CCHC_DB"] = old


if __name__ == "__main__":
    refresh_committed()
