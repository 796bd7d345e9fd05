"""The criteria editor: the tree of a criteria set as one widget a methodology designer edits.

A thin view over `CriteriaDraft` (names, maxima, weights, rules in their one-line syntax, N/A,
evidence; nodes added and removed). After every edit the page shows the set's problems with
the messages of `cchc validate` and, given scores, every unit's rank under the draft beside
its rank under the set as it was. The same edits are methods for code in a notebook.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import pandas as pd
import traitlets

from cchc_widgets.app.criteria_session import CriteriaDraft
from cchc_widgets.app.widgets.dispatch import dispatch
from cchc_widgets.app.widgets.page import page_module, page_style
from cchc_widgets.core.criteria import CriteriaSet, load_criteria
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import format_number
from cchc_widgets.resources import REFERENCE_CRITERIA, resource

HERE = Path(__file__).resolve().parent


Handler = Callable[[Any, dict[str, Any]], None]  # (the editor, the page's message)


# ------------------------------------------------------------ what the page sends, by its `type`


def _meta(editor: CriteriaEditor, content: dict[str, Any]) -> None:
    editor.draft.set_meta(str(content["key"]), str(content.get("value", "")))
    editor._changed()


def _add(editor: CriteriaEditor, content: dict[str, Any]) -> None:
    parent = content.get("parent")
    code, name = str(content.get("code", "")), str(content.get("name", ""))
    editor.add(None if parent is None else str(parent), code, name, content.get("max"))


def _yaml(editor: CriteriaEditor, content: dict[str, Any]) -> None:
    name = f"{editor.draft.doc.get('id') or 'bo-tieu-chi'}.yaml"
    editor.send({"type": "file", "name": name, "mime": "application/x-yaml"}, [editor.to_yaml().encode("utf-8")])


class CriteriaEditor(anywidget.AnyWidget):
    """Edit a criteria set: `CriteriaEditor(criteria, scores=None, units=None)`."""

    _esm = page_module(HERE / "criteria_editor.js")
    _css = page_style(HERE / "criteria_editor.css")
    # every kind of message the page sends, and what answers it (tests/test_widget_messages.py reads the JavaScript)
    MESSAGES: ClassVar[dict[str, Handler]] = {
        "ping": lambda widget, _content: widget.send({"type": "pong"}),  # the page's heartbeat (page.js watchConnection)
        "set": lambda editor, content: editor.set(str(content["code"]), str(content["field"]), content.get("value")),
        "meta": _meta,
        "add": _add,
        "remove": lambda editor, content: editor.remove(str(content["code"])),
        "yaml": _yaml,
    }

    tree = traitlets.List().tag(sync=True)  # one dict per node, document order
    info = traitlets.Dict().tag(sync=True)  # the set's name, totals, problems, ranks
    alert = traitlets.Unicode("").tag(sync=True)  # an edit that was refused
    edits = traitlets.Int(0)  # not synced: counts accepted edits (observe it to react to each)

    def __init__(
        self,
        criteria: CriteriaSet | str | Path | None = None,
        scores: pd.DataFrame | None = None,
        units: pd.DataFrame | None = None,
    ) -> None:
        """`criteria`: a set, a file (YAML, JSON, CSV, xlsx) or None for an empty set;
        `scores`: the engine's long form (one period), to see ranks move; `units`: id, name."""
        super().__init__()
        cs = load_criteria(criteria) if isinstance(criteria, str | Path) else criteria
        names = dict(zip(units["id"].astype(str), units["name"].astype(str), strict=True)) if units is not None else {}
        self.draft = CriteriaDraft(cs, scores, names)
        self.on_msg(self._on_message)
        self._push()

    @classmethod
    def reference(cls, scores: pd.DataFrame | None = None, units: pd.DataFrame | None = None) -> CriteriaEditor:
        """Start from the reference set shipped with cchc."""
        return cls(resource(REFERENCE_CRITERIA), scores, units)

    @classmethod
    def empty(cls) -> CriteriaEditor:
        """Start from nothing: add domains, then their criteria."""
        return cls(None)

    # ------------------------------------------------------------ for Python

    @property
    def criteria(self) -> CriteriaSet:
        """The edited set; `ProblemsError` listing every problem while it is not valid."""
        if self.draft.criteria is None:
            raise ProblemsError(self.draft.problems)
        return self.draft.criteria

    @property
    def problems(self) -> list[Problem]:
        return list(self.draft.problems)

    @property
    def ranks(self) -> pd.DataFrame | None:
        """Given scores: unit, name, rank, new_rank, delta_rank, index, new_index, class,
        new_class (None without scores or while the draft cannot score them)."""
        return self.draft.ranks()[0]

    def set(self, code: str, field: str, value: Any) -> None:
        """Edit one node: name, max_points, weight, rule, allow_na or evidence."""
        self.draft.set(code, field, value)
        self._changed()

    def add(self, parent: str | None, code: str, name: str, max_points: Any, rule: Any = None) -> None:
        """Add a domain (`parent=None`) or a child of `parent`."""
        self.draft.add(parent, code, name, max_points, rule)
        self._changed()

    def remove(self, code: str) -> None:
        self.draft.remove(code)
        self._changed()

    def to_yaml(self, path: str | Path | None = None) -> str:
        """The edited set as YAML, written to `path` when given (refused while it has problems)."""
        return self.draft.to_yaml(path)

    # ------------------------------------------------------------ the page

    def _changed(self) -> None:
        self.edits += 1
        self._push()

    def _push(self) -> None:
        draft = self.draft
        ranks, notes = draft.ranks()
        doc = draft.doc
        total = sum(float(n.get("max_points") or 0) for n in doc.get("criteria") or [])
        self.tree = draft.tree()
        self.info = {
            "id": doc.get("id", ""),
            "name": doc.get("name", ""),
            "version": str(doc.get("version", "")),
            "total": format_number(total, 4),
            "valid": draft.criteria is not None,
            "count": len(draft.problems),
            "general": draft.general_problems(),
            "has_scores": draft.scores is not None,
            "ranks": [] if ranks is None else _rank_rows(ranks),
            "rank_notes": notes,
        }

    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: list[bytes]) -> None:
        """A page's message to its handler (`MESSAGES`); a refused edit becomes the page's alert."""
        dispatch(self, content, refused=self._refused, failure="Lỗi hệ thống: {name}", refusal=ProblemsError)

    def _refused(self, exc: ProblemsError) -> None:
        self.alert = "\n".join(p.message if not p.code else f"{p.code}: {p.message}" for p in exc.problems)
        self._push()  # the page shows the draft as it still is


def _rank_rows(ranks: pd.DataFrame) -> list[dict[str, Any]]:
    def num(x: Any) -> float | None:
        return None if pd.isna(x) else float(x)

    return [
        {
            "unit": r.unit,
            "name": r.name,
            "rank": None if pd.isna(r.rank) else int(r.rank),
            "new_rank": None if pd.isna(r.new_rank) else int(r.new_rank),
            "delta": None if pd.isna(r.delta_rank) else int(r.delta_rank),
            "index": num(r.index),
            "new_index": num(r.new_index),
        }
        for r in ranks.itertuples()
    ]
