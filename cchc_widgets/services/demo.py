"""Synthetic demo scores for Điện Biên's provincial departments and its districts, from a
fixed seed: two blocks of units (`so`, `huyen`), each on its own criteria set, as the
province's index runs them.

The unit names are the real public names of the province's departments and agencies and of
its ten district-level units of 2016–2017; every score is invented, and the districts' set is
itself illustrative (`criteria/dien-bien-huyen-minh-hoa.yaml`). The files in `data/` are this
module's output (`python -m cchc_widgets.services.demo --write`), and a test regenerates them
to prove it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet, load_criteria
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.rules import CountRule, LevelsRule, ManualRule, PercentRule, Rule, YesNoRule
from cchc_widgets.files.unit_tables import read_units
from cchc_widgets.resources import REFERENCE_CRITERIA, REPO_DIR, resource
from cchc_widgets.services.permissions import SYSTEM
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store

SEED = 2016
PERIODS = {"2016": "Năm 2016", "2017": "Năm 2017"}
UNITS_FILE = "data/units.csv"
SCORES_FILE = "data/demo_scores.csv"
SURVEY_FILE = "data/demo_survey.csv"
SURVEY_PERIODS = ("2016",)  # the 2017 survey has not come back yet: those units are indexed without it
SURVEY_GROUPS = (
    "Lãnh đạo HĐND, UBMTTQ tỉnh",
    "Lãnh đạo sở, ban, ngành khác",
    "Lãnh đạo UBND cấp huyện",
    "Lãnh đạo UBND cấp xã",
)
RESPONDENTS_PER_GROUP = 2
AUTHOR = "dữ liệu mô phỏng"
EVIDENCE_NOTE = "Tài liệu kiểm chứng lưu tại đơn vị"  # the reference set asks for a file or an explanation
APPRAISED_2017 = 12  # the 2017 appraisal is still under way: only the first units are done
DISTRICT_CRITERIA = "criteria/dien-bien-huyen-minh-hoa.yaml"


@dataclass(frozen=True)
class DemoBlock:
    """One block of the demo's units: its criteria set, its score file, the seed of its own
    stream (the departments' file stays as it was before the districts came) and how many of
    its units the 2017 appraisal has done."""

    block: str
    criteria: str
    scores: str
    seed: int
    appraised_2017: int


BLOCKS = (
    DemoBlock("so", REFERENCE_CRITERIA, SCORES_FILE, SEED, APPRAISED_2017),
    DemoBlock("huyen", DISTRICT_CRITERIA, "data/demo_scores_huyen.csv", SEED + 2, 6),
)
REASONS: dict[type[Rule], tuple[str, ...]] = {
    YesNoRule: ("Không có tài liệu kiểm chứng kèm theo", "Tài liệu kiểm chứng chưa chứng minh được nội dung tiêu chí"),
    LevelsRule: ("Văn bản ban hành sau thời hạn quy định", "Tài liệu kiểm chứng chưa đầy đủ"),
    PercentRule: ("Số liệu tự đánh giá không khớp với báo cáo gửi Sở Nội vụ", "Một số kết quả chưa có sản phẩm kiểm chứng"),
    CountRule: ("Thiếu báo cáo hoặc báo cáo không đúng mẫu",),
    ManualRule: ("Hội đồng thẩm định đánh giá mức độ thấp hơn tự đánh giá",),
}


def generate(cs: CriteriaSet, unit_ids: list[str], seed: int = SEED, appraised_2017: int = APPRAISED_2017) -> pd.DataFrame:
    """Long frame: period, unit, code, stage, value, note — self-assessments for every unit,
    appraisals for every unit in 2016 and the first `appraised_2017` units in 2017, some N/A,
    some reductions."""
    rng = np.random.default_rng(seed)
    rows = []
    quality = rng.uniform(0.5, 0.95, size=len(unit_ids))
    for p, period in enumerate(PERIODS):
        quality = np.clip(quality + rng.normal(0.03, 0.06, size=len(unit_ids)) * p, 0.3, 1.0)
        for k, unit in enumerate(unit_ids):
            appraised = p == 0 or k < appraised_2017
            for code in cs.leaf_codes:
                node = cs[code]
                planned = int(rng.integers(4, 40))
                u = float(np.clip(quality[k] + rng.normal(0, 0.2), 0, 1))
                drop = float(rng.uniform(0.2, 0.5))
                cut = rng.random() < 0.18
                reasons = REASONS[type(node.rule)]
                reason = reasons[int(rng.integers(len(reasons)))]
                if node.allow_na and rng.random() < 0.15:
                    rows.append((period, unit, code, "self", "N/A", "Không phát sinh trong năm"))
                    if appraised:
                        rows.append((period, unit, code, "appraisal", "N/A", ""))
                    continue
                own = node.rule.example(u, planned, node.max_points)
                rows.append((period, unit, code, "self", own, EVIDENCE_NOTE))
                if not appraised:
                    continue
                lower = node.rule.example(max(0.0, u - drop), planned, node.max_points)
                if cut and node.rule.score(lower, node.max_points) < node.rule.score(own, node.max_points):
                    rows.append((period, unit, code, "appraisal", lower, reason))
                else:
                    rows.append((period, unit, code, "appraisal", own, ""))
    return pd.DataFrame(rows, columns=["period", "unit", "code", "stage", "value", "note"])


def generate_survey(cs: CriteriaSet, unit_ids: list[str], seed: int = SEED) -> pd.DataFrame:
    """Long frame: period, unit, respondent, group, item, answer — two respondents per group
    for every unit, answers better for units the respondents rate higher."""
    rng = np.random.default_rng(seed + 1)  # its own stream: the score file stays as it was
    rows = []
    for period in SURVEY_PERIODS:
        rating = rng.uniform(0.35, 0.9, size=len(unit_ids))
        for k, unit in enumerate(unit_ids):
            number = 0
            for group in SURVEY_GROUPS:
                for _ in range(RESPONDENTS_PER_GROUP):
                    number += 1
                    for item in cs.survey_codes:
                        u = rating[k] + rng.normal(0, 0.2)
                        answer = "A" if u > 0.8 else "B" if u > 0.55 else "C" if u > 0.3 else "D"
                        rows.append((period, unit, f"P{number:02d}", group, item, answer))
    return pd.DataFrame(rows, columns=["period", "unit", "respondent", "group", "item", "answer"])


def demo_units(block: str | None = None) -> pd.DataFrame:
    """id, name, kind, block, group, ranked of the demo's units (checked like any units table),
    or of one block's (`so`: the departments, `huyen`: the districts)."""
    units = read_units(resource(UNITS_FILE))
    return units if block is None else units[units["block"] == block].reset_index(drop=True)


def demo_scores(block: str = "so") -> pd.DataFrame:
    """The declared scores of one block's units (the departments' by default: the set the
    kit's examples score with is theirs)."""
    return pd.read_csv(resource(_block(block).scores), dtype=str, keep_default_na=False)


def demo_criteria(block: str = "so") -> CriteriaSet:
    return load_criteria(resource(_block(block).criteria))


def _block(block: str) -> DemoBlock:
    return next(b for b in BLOCKS if b.block == block)


def demo_survey() -> pd.DataFrame:
    return pd.read_csv(resource(SURVEY_FILE), dtype=str, keep_default_na=False)


def load_demo(store: Store) -> dict[str, int]:
    """Put the demo into a store through the one write path; returns rows written per period.

    It never changes a score: in a store that holds only the demo it adds what is missing
    (running it again writes nothing); a store where anyone else has written is refused.
    """
    others = store.authors() - {AUTHOR}
    if others:
        raise ProblemsError(
            [
                Problem(
                    store.where,
                    f"kho dữ liệu đang được dùng ({len(others)} người đã ghi dữ liệu): "
                    "dữ liệu mô phỏng chỉ nạp vào kho trống hoặc kho chỉ có dữ liệu mô phỏng",
                )
            ]
        )
    sets = {b.block: demo_criteria(b.block) for b in BLOCKS}
    unit_frame = demo_units()
    frames = {b.block: demo_scores(b.block) for b in BLOCKS}
    responses = demo_survey()
    writer = Writer(store, SYSTEM)
    written = {}
    for period, name in PERIODS.items():
        store.add_period(period, name, sets["so"], sets)
        store.add_units(unit_frame, period=period)
        stored = store.scores(period)
        have = set(zip(stored["unit"], stored["code"], stored["stage"], strict=True))
        written[period] = 0
        for b in BLOCKS:  # each block's file said by its own name when a row is refused
            rows = frames[b.block][frames[b.block]["period"] == period].drop(columns="period")
            rows = rows[[key not in have for key in zip(rows["unit"], rows["code"], rows["stage"], strict=True)]]
            if len(rows):
                report = writer.save_scores(Scope(period), rows, AUTHOR, "demo", file=b.scores)
                written[period] += report.inserted + report.updated
        answers = responses[responses["period"] == period].drop(columns="period")
        if len(answers) and store.survey_responses(period).empty:
            writer.save_survey(period, answers, AUTHOR, source=SURVEY_FILE)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Regenerate the synthetic demo scores in data/.")
    parser.add_argument("--write", action="store_true", help="write each block's score file and data/demo_survey.csv")
    args = parser.parse_args(argv)
    frames = {b.scores: generate_block(b) for b in BLOCKS}
    responses = generate_survey(demo_criteria("so"), list(demo_units("so")["id"]))
    if args.write:
        for path, frame in frames.items():
            frame.to_csv(REPO_DIR / path, index=False)
        responses.to_csv(REPO_DIR / SURVEY_FILE, index=False)
    rows = sum(len(f) for f in frames.values())
    print(f"{rows} dòng điểm mô phỏng, {len(responses)} câu trả lời khảo sát mô phỏng")


def generate_block(b: DemoBlock) -> pd.DataFrame:
    """One block's score file as `generate` makes it, from its own set, units and seed."""
    return generate(demo_criteria(b.block), list(demo_units(b.block)["id"]), b.seed, b.appraised_2017)


if __name__ == "__main__":
    main()
