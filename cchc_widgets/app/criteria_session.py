"""A methodology designer's draft of a criteria set: the logic behind the criteria editor.

The draft is the set's document; every edit (`core.criteria_edits`) is validated at once with
the loader `cchc validate` uses, so the designer reads the same messages. Given scores, the
draft also ranks the units under the set as it was and under the draft, side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cchc_widgets.core import criteria_edits, engine, whatif
from cchc_widgets.core.criteria import CriteriaSet, load_dict, rule_text
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import format_number
from cchc_widgets.core.rules import rule_from_dict
from cchc_widgets.core.text import clean_text

WHERE = criteria_edits.WHERE


class CriteriaDraft:
    """The set being edited, its problems, and the ranks it gives."""

    def __init__(
        self,
        criteria: CriteriaSet | None,
        scores: pd.DataFrame | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        self.original = criteria
        self.doc: dict[str, Any] = criteria.to_dict() if criteria is not None else criteria_edits.empty_document()
        self.scores = scores
        self.names = names or {}
        self._base = None if criteria is None or scores is None else engine.score(scores, criteria)
        self.problems: list[Problem] = []
        self.criteria: CriteriaSet | None = criteria
        self._check()

    def _check(self) -> None:
        try:
            self.criteria = load_dict(self.doc, WHERE)
            self.problems = []
        except ProblemsError as exc:
            self.criteria, self.problems = None, exc.problems

    # ------------------------------------------------------------ edits

    def set(self, code: str, field: str, value: Any) -> None:
        """One edit (see `criteria_edits.set_field`); refused edits change nothing."""
        self.doc = criteria_edits.set_field(self.doc, code, field, value)
        self._check()

    def add(self, parent: str | None, code: str, name: str, max_points: Any, rule: Any = None) -> None:
        self.doc = criteria_edits.add_node(self.doc, parent, code, name, max_points, rule)
        self._check()

    def remove(self, code: str) -> None:
        self.doc = criteria_edits.remove_node(self.doc, code)
        self._check()

    def set_meta(self, key: str, value: str) -> None:
        """The set's id, name or version."""
        if key not in ("id", "name", "version"):
            raise ProblemsError([Problem(WHERE, f"không sửa được '{key}'; sửa được: id, name, version")])
        self.doc = {**self.doc, key: clean_text(str(value))}
        self._check()

    # ------------------------------------------------------------ reading

    def tree(self) -> list[dict[str, Any]]:
        """Every node in document order, as the editor shows it: its fields, the rule as one
        line and in words, and the problems that name it."""
        by_code: dict[str, list[str]] = {}
        for p in self.problems:
            by_code.setdefault(p.code or "", []).append(p.message)
        out: list[dict[str, Any]] = []

        def visit(nodes: list[dict[str, Any]], parent: str | None, level: int) -> None:
            for node in nodes:
                code = str(node.get("code", ""))
                kids = node.get("children") or []
                rule = node.get("rule")
                out.append(
                    {
                        "code": code,
                        "parent": parent,
                        "level": level,
                        "name": node.get("name", ""),
                        "max": node.get("max_points"),
                        "max_shown": format_number(node.get("max_points") or 0, 4),
                        "leaf": not kids,
                        "rule": rule_text(rule) if rule else "",
                        "how": _describe(rule, node.get("max_points")),
                        "allow_na": bool(node.get("allow_na")),
                        "evidence": node.get("evidence", ""),
                        "problems": by_code.get(code, []),
                    }
                )
                visit(kids, code, level + 1)

        visit(self.doc.get("criteria") or [], None, 1)
        return out

    def general_problems(self) -> list[str]:
        """Problems that name no node (the set's total, classes, an empty set)."""
        codes = {str(row["code"]) for row in self.tree()}
        return [
            p.message if not p.code or p.code in codes else f"{p.code}: {p.message}" for p in self.problems if p.code not in codes
        ]

    def ranks(self) -> tuple[pd.DataFrame | None, list[str]]:
        """Each unit's rank and index under the set as it was and under the draft (largest
        moves first), or None with the reasons when they cannot be compared."""
        if self._base is None:
            return None, []
        if self.criteria is None:
            return None, ["bộ tiêu chí đang sửa còn lỗi: sửa các lỗi để xem thứ hạng mới"]
        try:
            alt = engine.score(whatif.carried(self.scores, self.original, self.criteria), self.criteria, "điểm đã cho")
        except ProblemsError as exc:
            listed = dict.fromkeys(f"{p.code}: {p.message}" if p.code else p.message for p in exc.problems)
            return None, ["điểm đã cho không chấm được theo bộ đang sửa:", *list(listed)[:10]]
        return whatif.compare(self._base, alt).ranks(self.names), []

    def to_yaml(self, path: str | Path | None = None) -> str:
        """The draft as YAML (written to `path` when given); refused while it has problems."""
        if self.criteria is None:
            raise ProblemsError(self.problems)
        text = yaml.safe_dump(self.criteria.to_dict(), allow_unicode=True, sort_keys=False, width=120)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text


def _describe(rule: dict[str, Any] | None, max_points: Any) -> str:
    """A rule in words for the designer, or nothing when the draft's rule does not read."""
    if not rule:
        return ""
    try:
        return rule_from_dict(rule).describe(float(max_points or 0))
    except Exception:  # a half-edited rule: its problems are listed by validation
        return ""
