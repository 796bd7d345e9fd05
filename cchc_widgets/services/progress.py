"""Where every unit of a period stands, computed once for every screen and the console: how
many items each unit scored, which lack evidence, whether and when it submitted (and who, by
name), how far the appraisal is, the differing rows still without a reason, and its deadline.

The administrator's and the appraisers' pages, the unit's own header and `cchc progress` all
read `progress()`; the checklist a unit sees before «Nộp» and the check that refuses a
submission are one function (`checklist`), so what the page lists is what the door refuses.

The evidence rule lives here, not at every save: a score is saved as typed, and an item that
names its evidence and earns self-assessed points without a kept file (or, where the criteria
set accepts one — `explain_missing_evidence` — an explanation in the note) is counted as
«thiếu tài liệu kiểm chứng» until the unit submits, which it refuses. An item the set marks
`submit_incomplete` may be handed in unscored or without evidence (listed, not refused).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from cchc_widgets.core import clock, engine
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.text import says_something
from cchc_widgets.core.vocabulary import APPRAISAL, SELF, block_label, block_order
from cchc_widgets.store.database import WORKFLOW_ACTIONS, Store, events, evidence, score_log

LACKING = "thiếu tài liệu kiểm chứng"  # how a row, a count and a refusal name an item without its evidence

# the table's columns as people read them (screen, CSV, xlsx, terminal), in order
COLUMNS = {
    "name": "Đơn vị",
    "group": "Nhóm",
    "block": "Khối",
    "scored": "Đã tự chấm",
    "lacking": "Thiếu tài liệu kiểm chứng",
    "submitted_at": "Nộp lúc",
    "submitted_by": "Người nộp",
    "appraised": "Đã thẩm định",
    "unreasoned": "Khác nhau chưa có lý do",
    "deadline": "Hạn",
}


def lacks_evidence(cs: CriteriaSet, code: str, row: Any, has_file: bool) -> bool:
    """Whether a self-assessed row still needs its evidence: the item names evidence, the
    score earns points (an item that does not apply or scores 0 claims nothing to prove), no
    file is kept, and no explanation stands in for one (only where the set accepts one)."""
    node = cs.entries[code]
    if not node.evidence or node.kind or row is None or has_file or bool(_get(row, "na")):
        return False
    points = _points(_get(row, "points"))
    if points is None or points <= 0:
        return False
    return not (cs.explain_missing_evidence and says_something(_get(row, "note") or ""))


@dataclass
class Checklist:
    """What a unit would hand in unfinished: items unscored and items lacking evidence (code,
    name), each split into what refuses the submission and what the set allows."""

    unit: str
    name: str
    unscored: list[tuple[str, str]] = field(default_factory=list)
    lacking: list[tuple[str, str]] = field(default_factory=list)
    allowed: list[tuple[str, str, str]] = field(default_factory=list)  # code, name, what is missing

    @property
    def ok(self) -> bool:
        return not self.unscored and not self.lacking

    def problems(self, where: str) -> list[Problem]:
        """The refusal: one line per item, naming it, and a first line that counts them."""
        head = f"{self.name} chưa nộp được: {len(self.unscored)} mục chưa chấm, {len(self.lacking)} mục {LACKING}"
        out = [Problem(where, head)]
        out += [Problem(where, f"chưa chấm: {name}", code) for code, name in self.unscored]
        out += [Problem(where, f"{LACKING} (tải tệp lên hoặc ghi giải trình): {name}", code) for code, name in self.lacking]
        return out

    def as_dict(self) -> dict[str, Any]:
        pairs = lambda items: [{"code": c, "name": n} for c, n in items]  # noqa: E731
        return {
            "ok": self.ok,
            "unscored": pairs(self.unscored),
            "lacking": pairs(self.lacking),
            "allowed": [{"code": c, "name": n, "missing": m} for c, n, m in self.allowed],
        }


def checklist(store: Store, period: str, unit: str) -> Checklist:
    """What `unit` would leave unfinished if it submitted now (see the module's docstring)."""
    own = store.scores(period, unit, SELF)
    with_files = {code for u, code in store.evidence_keys(period) if u == unit}
    name = store.unit_names(period).get(unit, unit)
    cs = store.criteria_for(period, unit=unit)  # its block's set
    return checklist_of(cs, unit, name, {r.code: r for r in own.itertuples()}, with_files)


def checklist_of(cs: CriteriaSet, unit: str, name: str, own: Mapping[str, Any], with_files: set[str]) -> Checklist:
    """The checklist from what a caller already read: `own`, the self-assessment's rows by
    code; `with_files`, the codes with a kept file (the scoring page keeps both in memory)."""
    out = Checklist(unit, name)
    for code in cs.leaf_codes:
        node, row = cs.entries[code], own.get(code)
        if not _scored(row):
            missing, target = "chưa chấm", out.unscored
        elif lacks_evidence(cs, code, row, code in with_files):
            missing, target = LACKING, out.lacking
        else:
            continue
        if node.submit_incomplete:
            out.allowed.append((code, node.name, missing))
        else:
            target.append((code, node.name))
    return out


def check_submission(store: Store, period: str, unit: str) -> None:
    """Refuse (`ProblemsError`, every item named) a submission that leaves items unscored or
    without their evidence: what `access.submit` asks on every path (page, console, Python)."""
    found = checklist(store, period, unit)
    if not found.ok:
        raise ProblemsError(found.problems(f"kỳ {period}"))


# ------------------------------------------------------------ the period's table


def progress(store: Store, period: str, units: set[str] | None = None) -> pd.DataFrame:
    """One row per unit of the period (`units`: only these): unit, name, group, block, leaves
    (of its block's set), scored, unscored, lacking, submitted_at (the province's time, naive)
    and submitted_by (the person's name), appraised, unreasoned, deadline (the day the stage
    the unit is in closes)."""
    sets = store.blocks(period)
    roster = store.units(period)
    if units is not None:
        roster = roster[roster["id"].isin(units)]
    leaves = {unit.id: set(sets[unit.block].leaf_codes) for unit in roster.itertuples()}
    scores = store.scores(period)
    kept = [code in leaves.get(unit, ()) for unit, code in zip(scores["unit"], scores["code"], strict=True)]
    scores = scores[pd.Series(kept, index=scores.index, dtype=bool)]
    with_files = store.evidence_keys(period)
    submitted = store.submissions(period)
    stages, by_block = store.all_stages(period)  # a block's own stages over the period's, in one statement
    people = store.account_names()
    diff = engine.differences(engine.scored_rows(scores)) if len(scores) else pd.DataFrame(columns=["unit", "unreasoned"])
    unreasoned = diff[diff["unreasoned"].astype(bool)].groupby("unit").size() if len(diff) else pd.Series(dtype=int)
    done = scores[scores["na"].astype(bool) | scores["points"].notna()]
    counts = done.groupby(["unit", "stage"]).size()
    records = []
    for unit in roster.itertuples():
        cs = sets[unit.block]
        own = done[(done["unit"] == unit.id) & (done["stage"] == SELF)]
        lacking = sum(lacks_evidence(cs, r.code, r, (unit.id, r.code) in with_files) for r in own.itertuples())
        sub = submitted.get(unit.id)
        scored = int(counts.get((unit.id, SELF), 0))
        records.append(
            {
                "unit": unit.id,
                "name": unit.name,
                "group": unit.group or "",
                "block": unit.block,
                "leaves": len(cs.leaf_codes),
                "scored": scored,
                "unscored": len(cs.leaf_codes) - scored,
                "lacking": int(lacking),
                "submitted_at": None if sub is None else clock.local(_instant(sub["submitted_at"])).replace(tzinfo=None),
                "submitted_by": "" if sub is None else people.get(sub["submitted_by"], sub["submitted_by"]),
                "appraised": int(counts.get((unit.id, APPRAISAL), 0)),
                "unreasoned": int(unreasoned.get(unit.id, 0)),
                "deadline": _deadline({**stages, **by_block.get(unit.block, {})}, APPRAISAL if sub is not None else SELF),
            }
        )
    columns = ["unit", "name", "group", "block", "leaves", "scored", "unscored", "lacking", "submitted_at", "submitted_by"]
    return pd.DataFrame(records, columns=[*columns, "appraised", "unreasoned", "deadline"])


def summary(table: pd.DataFrame) -> dict[str, int]:
    """The counts a wide action's confirmation states: units, submitted, fully appraised, rows
    differing without a reason."""
    appraised = int((table["appraised"] >= table["leaves"]).sum()) if len(table) else 0
    return {
        "units": len(table),
        "submitted": int(table["submitted_at"].notna().sum()),
        "appraised": appraised,
        "unreasoned": int(table["unreasoned"].sum()),
    }


def period_stamp(store: Store, period: str) -> tuple[Any, ...]:
    """A mark that moves whenever the period's table would: the newest score, reply or survey
    change, the newest and the withdrawn files, the newest workflow event. One query of index
    look-ups: an open progress view asks at every heartbeat, like the scoring form."""
    in_period = score_log.c.period == period
    files = evidence.c.period == period
    workflow = sa.and_(events.c.period == period, events.c.action.in_(WORKFLOW_ACTIONS))
    query = sa.select(
        sa.select(sa.func.max(score_log.c.id)).where(in_period).scalar_subquery(),
        sa.select(sa.func.max(evidence.c.id)).where(files).scalar_subquery(),
        sa.select(sa.func.count()).where(files, evidence.c.removed_at.is_not(None)).scalar_subquery(),
        sa.select(sa.func.max(events.c.id)).where(workflow).scalar_subquery(),
    )
    with store.engine.connect() as conn:
        return tuple(conn.execute(query).one())


def blocks_shown(table: pd.DataFrame) -> list[tuple[str, str]]:
    """The blocks of the table's units (id, label) in the decision's order, when there are
    several: the table then shows each unit's block and filters by it; none in a period of one."""
    present = sorted(set(table["block"]), key=block_order) if len(table) else []
    return [(b, block_label(b)) for b in present] if len(present) > 1 else []


def chosen(table: pd.DataFrame, period: str, group: str = "", block: str = "") -> pd.DataFrame:
    """The table's units of `block` and of ranking `group` ("": any), as the page's «Khối» and
    «Nhóm» filters and `cchc progress --block/--group` choose them; refused, naming what there
    is, when none is."""
    out = table
    if block:
        out = out[out["block"] == block]
        if out.empty:
            blocks = ", ".join(f"{b} ({label})" for b, label in blocks_shown(table)) or "kỳ chỉ có một khối"
            raise ProblemsError([Problem(f"kỳ {period}", f"không có khối '{block}' (có: {blocks})")])
    if group:
        out = out[out["group"] == group]
        if out.empty:
            groups = ", ".join(sorted(set(table["group"]) - {""})) or "không có nhóm nào"
            raise ProblemsError([Problem(f"kỳ {period}", f"không có nhóm '{group}' (có: {groups})")])
    return out


def chosen_words(group: str = "", block: str = "") -> list[str]:
    """What a filtered table says it holds («khối UBND cấp huyện», «nhóm Cơ quan khác»): a
    downloaded file's name carries it, so a file of 10 units is not taken for the period's."""
    return [*([f"khối {block_label(block)}"] if block else []), *([f"nhóm {group}"] if group else [])]


def readable_table(table: pd.DataFrame, period_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table as people read it (CSV, xlsx, terminal): «12/70» figures, Vietnamese headings,
    dates as dates, blanks where nothing happened yet; each unit's block and group, as the page
    shows them (the block when the period has several: `period_table`, the period's whole
    table, when `table` is a filtered part of it)."""
    out = pd.DataFrame(
        {
            COLUMNS["name"]: table["name"],
            COLUMNS["group"]: table["group"],
            COLUMNS["scored"]: [f"{s}/{n}" for s, n in zip(table["scored"], table["leaves"], strict=True)],
            COLUMNS["lacking"]: table["lacking"],
            COLUMNS["submitted_at"]: table["submitted_at"],
            COLUMNS["submitted_by"]: table["submitted_by"],
            COLUMNS["appraised"]: [f"{s}/{n}" for s, n in zip(table["appraised"], table["leaves"], strict=True)],
            COLUMNS["unreasoned"]: table["unreasoned"],
            COLUMNS["deadline"]: table["deadline"],
        }
    )
    if blocks_shown(table if period_table is None else period_table):  # a period of several blocks: each unit's
        out.insert(1, COLUMNS["block"], table["block"].map(block_label).to_numpy())
    return out.astype(object).where(out.notna(), None)


def _deadline(stages: dict[str, dict[str, Any]], stage: str) -> date | None:
    until = stages.get(stage, {}).get("until")
    if until is None:
        return None
    return until if isinstance(until, date) and not isinstance(until, datetime) else date.fromisoformat(str(until)[:10])


def _instant(value: Any) -> datetime:
    return pd.Timestamp(value).to_pydatetime()


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def _points(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _scored(row: Any) -> bool:
    return row is not None and (bool(_get(row, "na")) or _points(_get(row, "points")) is not None)
