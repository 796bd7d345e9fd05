"""A period's results from what is stored: the one place that turns stored rows into the
engine's resolved frame (survey points included) and scores it with the period's own sets —
one per block of units (`Store.blocks`), each block scored, indexed, classed and ranked only
among its own units, the blocks' results one frame with a `block` column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from cchc_widgets.core import engine
from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.survey import item_points, with_survey
from cchc_widgets.core.vocabulary import block_heading, block_label
from cchc_widgets.files.unit_tables import ranking
from cchc_widgets.store.database import Store

if TYPE_CHECKING:
    from cchc_widgets.core.whatif import Comparison


@dataclass(frozen=True)
class Block:
    """One block of a period's units (so, huyen …; "" in a period of one set): its criteria set
    and how its units are ranked (unit, group, ranked: the engine's `units`)."""

    block: str
    cs: CriteriaSet
    ranking: pd.DataFrame

    @property
    def label(self) -> str:
        return block_label(self.block)

    @property
    def heading(self) -> str:
        """«khối UBND cấp huyện (bộ tiêu chí minh họa)»: how a title names the block (`block_heading`)."""
        return block_heading(self.block, self.cs)

    def rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of `frame` (a `unit` column) that are this block's units."""
        return frame[frame["unit"].isin(self.ranking["unit"])]


def blocks_of(store: Store, period: str) -> list[Block]:
    """The period's blocks in their order, each with its set and its units' ranking."""
    units = store.units(period)
    return [Block(b, cs, ranking(units[units["block"] == b])) for b, cs in store.blocks(period).items()]


def by_block(parts: list[tuple[Block, pd.DataFrame]]) -> pd.DataFrame:
    """The blocks' frames as one, each row with its `block` (the last column)."""
    frames = [frame.assign(block=block.block) for block, frame in parts]
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def survey_points(store: Store, period: str, unit: str | None = None) -> pd.DataFrame:
    """Survey points per unit · item (`survey.item_points`) from the stored responses, each
    unit's with its block's set."""
    responses = store.survey_responses(period, unit)
    if unit is not None:
        return item_points(responses, store.criteria_for(period, unit=unit))
    blocks = blocks_of(store, period)
    if len(blocks) == 1:
        return item_points(responses, blocks[0].cs)
    return pd.concat([item_points(b.rows(responses), b.cs) for b in blocks], ignore_index=True)


def resolved(store: Store, period: str, unit: str | None = None) -> pd.DataFrame:
    """The period's scored rows (points or N/A) as the engine's resolved frame, with the
    survey points (stage `survey`, one row per unit · item) when there are responses.

    Every stored score was checked against its unit's criteria set when it was saved
    (`services.writes`), so it is not re-scored here; note-only rows are left out.
    """
    return with_survey(engine.scored_rows(store.scores(period=period, unit=unit)), survey_points(store, period, unit))


def ranking_of(store: Store, period: str, block: str | None = None) -> pd.DataFrame:
    """How the period's units (or one block's) are ranked: unit, group, ranked (the engine's `units`)."""
    units = store.units(period)
    return ranking(units if block is None else units[units["block"] == block])


def each_block(store: Store, period: str) -> list[tuple[Block, pd.DataFrame]]:
    """Each block of the period with its units' resolved rows (a period of one set: every row,
    as before blocks)."""
    rows = resolved(store, period)
    blocks = blocks_of(store, period)
    return [(blocks[0], rows)] if len(blocks) == 1 else [(b, b.rows(rows)) for b in blocks]


def one_block(
    store: Store, period: str, block: str | None = None, rows: pd.DataFrame | None = None
) -> tuple[Block, pd.DataFrame]:
    """One block of the period — the named one, else the first (the departments before the
    districts) — with its units' resolved rows (`rows`: the period's, if read already); a
    period of one set: every row, as before blocks. A block the period does not assess is
    refused naming the ones it does: a what-if or a report never mixes two sets."""
    blocks = blocks_of(store, period)
    chosen = chosen_block(blocks, period, block)
    rows = resolved(store, period) if rows is None else rows
    return chosen, rows if len(blocks) == 1 else chosen.rows(rows)


def chosen_block(blocks: list[Block], period: str, block: str | None) -> Block:
    """The named block of the period's (`blocks_of`), else the first; a block the period does
    not assess is refused naming the ones it does."""
    chosen = next((b for b in blocks if block is None or b.block == block), None)
    if chosen is None:
        known = ", ".join(f"'{b.block}' ({b.label})" for b in blocks)
        raise ProblemsError([Problem(f"kỳ {period}", f"kỳ không đánh giá khối '{block}'; các khối của kỳ: {known}")])
    return chosen


def score_period(store: Store, period: str, block: str | None = None) -> engine.Scored:
    """The engine's results for a period, from what is stored: each block with its own
    criteria set and its units' ranking groups (ranked within the block), or only `block`'s
    (what an analysis of weights takes: one set); `results` carry the `block`."""
    parts = each_block(store, period) if block is None else [one_block(store, period, block)]
    scored = [(b, engine.aggregate(rows, b.cs, units=b.ranking)) for b, rows in parts]
    nodes = [s.nodes for _, s in scored]
    return engine.Scored(
        results=by_block([(b, s.results) for b, s in scored]),
        nodes=nodes[0] if len(nodes) == 1 else pd.concat(nodes, ignore_index=True),
    )


def under_other_set(store: Store, period: str, other: CriteriaSet, block: str | None = None) -> Comparison:
    """One block of the period (the first when not named) as published beside the same
    declarations scored with `other`, a layout of the same tree (survey inside the 100 instead
    of on top, other maxima or rules): the declared values rescored by its rules
    (`whatif.carried`), the stored survey answers turned into its survey points, the same
    ranking groups."""
    from cchc_widgets.core import whatif  # SciPy: not for the scoring page, which imports this module

    chosen, rows = one_block(store, period, block)
    cs, ranking = chosen.cs, chosen.ranking
    base = engine.aggregate(rows, cs, units=ranking)
    scores = whatif.carried(engine.scored_rows(chosen.rows(store.scores(period=period))), cs, other)
    answers = chosen.rows(store.survey_responses(period))
    if other.survey is not None and len(answers):
        answers = answers[answers["item"].isin(other.survey_codes)]
        unknown = sorted({g for g in answers["group"] if other.survey.groups and other.survey.group_of(g) is None})
        if unknown:
            raise ProblemsError(
                [Problem(f"bộ tiêu chí {other.id}", f"phiếu khảo sát có nhóm bộ này không cân: {', '.join(unknown)}")]
            )
    rescored = engine.resolve(scores, other, f"điểm kỳ {period} theo bộ {other.id}")
    alt = engine.aggregate(with_survey(rescored, item_points(answers, other)), other, units=ranking)
    return whatif.compare(base, alt)
