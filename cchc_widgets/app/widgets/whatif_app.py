"""The what-if app: weight sliders, the ranking beside the baseline, rank-shift and
uncertainty charts, saved scenarios. A thin view over `WhatIfSession` (one anywidget model);
the browser debounces slider moves, the kernel recomputes."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import pandas as pd
import traitlets

from cchc_widgets.app.whatif_session import WhatIfSession
from cchc_widgets.app.widgets.dispatch import dispatch
from cchc_widgets.app.widgets.page import page_module, page_style
from cchc_widgets.core import whatif
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.services.access import Actor
from cchc_widgets.store.database import Store

HERE = Path(__file__).resolve().parent


Handler = Callable[[Any, dict[str, Any]], None]  # (the app, the page's message)


# ------------------------------------------------------------ what the page sends, by its `type`


def _weights(app: WhatIfApp, content: dict[str, Any]) -> None:
    app.session.set_weights({str(k): float(v) for k, v in content.get("weights", {}).items()})
    app._recompute()


def _equal(app: WhatIfApp, content: dict[str, Any]) -> None:
    app.session.equal_weights()
    app._recompute()


def _reset(app: WhatIfApp, content: dict[str, Any]) -> None:
    app.session.reset()
    app._push_setup()
    app._recompute()


def _children(app: WhatIfApp, content: dict[str, Any]) -> None:
    code = str(content["code"])
    app.extra = {**app.extra, code: app.session.nodes(code)}


def _save(app: WhatIfApp, content: dict[str, Any]) -> None:
    s = app.session
    s.save(content.get("name", ""), content.get("description", ""), content.get("author", ""), bool(content.get("replace")))
    app._push_setup()
    app.send({"type": "notice", "text": f"Đã lưu kịch bản '{s.scenario_name}' (bản nháp, chưa đưa vào báo cáo)"})


def _load(app: WhatIfApp, content: dict[str, Any]) -> None:
    app.session.load(str(content.get("name", "")))
    app._push_setup()
    app._recompute()


def _delete(app: WhatIfApp, content: dict[str, Any]) -> None:
    app.session.delete(str(content.get("name", "")))
    app._push_setup()


def _mark(app: WhatIfApp, content: dict[str, Any]) -> None:
    name, marked = str(content.get("name", "")), bool(content.get("for_report"))
    app.session.mark(name, marked)
    app._push_setup()
    shown = "đưa vào báo cáo" if marked else "trở lại bản nháp (không in trong báo cáo)"
    app.send({"type": "notice", "text": f"Kịch bản '{name}' đã {shown}"})


def _export(app: WhatIfApp, content: dict[str, Any]) -> None:
    name = (app.session.scenario_name or "kich-ban").replace("/", "_")
    app.send({"type": "file", "name": f"{name}.yaml", "mime": "application/x-yaml"}, [app.session.export_yaml()])


def _workbook(app: WhatIfApp, content: dict[str, Any]) -> None:
    from cchc_widgets.report.results_workbook import results_download  # openpyxl: on first export

    app.send(*results_download(app.store, app.session.period))


def _period(app: WhatIfApp, content: dict[str, Any]) -> None:
    """Another period (on its first block), or another block of this period (`block`)."""
    block = str(content["block"]) if content.get("type") == "block" else None
    app.session = WhatIfSession(app.store, str(content.get("period") or app.session.period), app.actor, block)
    app.extra = {}
    app._push_setup()
    app._recompute()


NOTHING_SCORED = "Kỳ này chưa có đơn vị nào được chấm điểm (ở khối đang xem): chưa có gì để thử trọng số."


class WhatIfApp(anywidget.AnyWidget):
    _esm = page_module(HERE / "whatif_app.js")
    _css = page_style(HERE / "whatif_app.css")
    # every kind of message the page sends, and what answers it (tests/test_widget_messages.py reads the JavaScript)
    MESSAGES: ClassVar[dict[str, Handler]] = {
        "ping": lambda widget, _content: widget.send({"type": "pong"}),  # the page's heartbeat (page.js watchConnection)
        "weights": _weights,
        "equal": _equal,
        "reset": _reset,
        "children": _children,
        "save": _save,
        "load": _load,
        "delete": _delete,
        "mark": _mark,
        "export": _export,
        "workbook": _workbook,
        "period": _period,
        "block": _period,
    }

    setup = traitlets.Dict().tag(sync=True)  # period, domains, scenarios; changes rarely
    result = traitlets.Dict().tag(sync=True)  # recomputed after every change
    extra = traitlets.Dict().tag(sync=True)  # children of nodes opened on demand: code -> nodes
    alert = traitlets.Unicode("").tag(sync=True)

    def __init__(self, store: Store, period: str | None = None, actor: Actor | None = None) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.session = WhatIfSession(store, period, actor)
        self.on_msg(self._on_message)
        self._push_setup()
        self._recompute()

    @classmethod
    def from_frame(
        cls,
        scores: pd.DataFrame,
        criteria: CriteriaSet | str | Path,
        period: str | None = None,
        *,
        units: pd.DataFrame | None = None,
        survey: pd.DataFrame | None = None,
    ) -> WhatIfApp:
        """The what-if app over a DataFrame of scores (the engine's long form) and a criteria
        set, without a database file (see `ScoringForm.from_frame`)."""
        from cchc_widgets.services.frames import frame_store

        made = frame_store(scores, criteria, period, units, survey)
        return cls(made.store, made.period)

    # ------------------------------------------------------------ for Python

    @property
    def weights(self) -> dict[str, float]:
        """Multipliers by code (1: the set's own max), as the sliders show them."""
        return dict(self.session.weights)

    @weights.setter
    def weights(self, weights: dict[str, float]) -> None:
        """Replace every weight (codes not given go back to 1) and recompute; a bad code or
        value is refused with `ProblemsError` and nothing changes."""
        before = self.session.weights
        self.session.weights = {}
        try:
            self.session.set_weights({str(k): float(v) for k, v in weights.items()})
        except ProblemsError:
            self.session.weights = before
            raise
        self._recompute()

    @property
    def comparison(self) -> pd.DataFrame:
        """Each unit under the set as it is and under the current weights, largest moves
        first: unit, name, rank, new_rank, delta_rank, index, new_index, class, new_class."""
        return self._comparison.ranks(self.session.names)

    @property
    def scenario(self) -> whatif.Scenario:
        """The current weights as the scenario «Tải YAML» writes (`.to_yaml()`)."""
        return self.session.scenario()

    def _push_setup(self) -> None:
        s = self.session
        self.setup = {
            "period": s.period,
            "periods": s.store.periods()["id"].tolist(),
            "period_names": dict(s.store.periods()[["id", "name"]].values.tolist()),  # «Năm 2016», as the form says
            "block": s.block,
            "blocks": s.blocks if len(s.blocks) > 1 else {},  # a choice only where the period has several
            "criteria_set": f"{s.cs.name} (phiên bản {s.cs.version})",
            "decimals": s.cs.decimals,
            "domains": s.nodes(),
            "scenarios": s.store.scenarios()[["name", "description", "author", "for_report"]].values.tolist(),
            "name": s.scenario_name,
            "description": s.description,
        }

    def _recompute(self) -> None:
        start = time.perf_counter()
        result, self._comparison = self.session.result()
        result["seconds"] = time.perf_counter() - start
        self.result = result
        if not result["rows"]:  # a period just added: an empty table says nothing by itself
            self.alert = NOTHING_SCORED
        elif self.alert == NOTHING_SCORED:
            self.alert = ""

    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: list[bytes]) -> None:
        """A page's message to its handler (`MESSAGES`); a refusal becomes the page's alert."""
        dispatch(self, content, refused=self._refused, failure="Lỗi hệ thống: {name}: {exc}", refusal=ProblemsError)

    def _refused(self, exc: ProblemsError) -> None:
        self.alert = "\n".join(p.message for p in exc.problems)
