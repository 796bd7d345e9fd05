"""Synthetic demo scores for Điện Biên's provincial departments, from a fixed seed.

The unit names are the real public names of the province's departments and agencies; every
score is invented. The files in `data/` are this module's output (`python -m
cchc_widgets.services.demo --write`), and a test regenerates them to prove it.
"""

from __future__ import annotations

import argparse

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
REASONS: dict[type[Rule], tuple[str, ...]] = {
    YesNoRule: ("Không có tài liệu kiểm chứng kèm theo", "Tài liệu kiểm chứng chưa chứng minh được nội dung tiêu chí"),
    LevelsRule: ("Văn bản ban hành sau thời hạn quy định", "Tài liệu kiểm chứng chưa đầy đủ"),
    PercentRule: ("Số liệu tự đánh giá không khớp với báo cáo gửi Sở Nội vụ", "Một số kết quả chưa có sản phẩm kiểm chứng"),
    CountRule: ("Thiếu báo cáo hoặc báo cáo không đúng mẫu",),
    ManualRule: ("Hội đồng thẩm định đánh giá mức độ thấp hơn tự đánh giá",),
}


def generate(cs: CriteriaSet, unit_ids: list[str], seed: int = SEED) -> pd.DataFrame:
    """Long frame: period, unit, code, stage, value, note — self-assessments for every unit,
    appraisals for every unit in 2016 and the first units in 2017, some N/A, some reductions."""
    rng = np.random.default_rng(seed)
    rows = []
    quality = rng.uniform(0.5, 0.95, size=len(unit_ids))
    for p, period in enumerate(PERIODS):
        quality = np.clip(quality + rng.normal(0.03, 0.06, size=len(unit_ids)) * p, 0.3, 1.0)
        for k, unit in enumerate(unit_ids):
            appraised = p == 0 or k < APPRAISED_2017
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


def demo_units() -> pd.DataFrame:
    """id, name, kind, group, ranked of the demo's units (checked like any units table)."""
    return read_units(resource(UNITS_FILE))


def demo_scores() -> pd.DataFrame:
    return pd.read_csv(resource(SCORES_FILE), dtype=str, keep_default_na=False)


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
    cs = load_criteria(resource(REFERENCE_CRITERIA))
    unit_frame = demo_units()
    frame = demo_scores()
    responses = demo_survey()
    writer = Writer(store, SYSTEM)
    written = {}
    for period, name in PERIODS.items():
        store.add_period(period, name, cs)
        store.add_units(unit_frame, period=period)
        stored = store.scores(period)
        have = set(zip(stored["unit"], stored["code"], stored["stage"], strict=True))
        rows = frame[frame["period"] == period].drop(columns="period")
        missing = [key not in have for key in zip(rows["unit"], rows["code"], rows["stage"], strict=True)]
        rows = rows[missing]
        report = writer.save_scores(Scope(period), rows, AUTHOR, "demo", file=SCORES_FILE) if len(rows) else None
        answers = responses[responses["period"] == period].drop(columns="period")
        if len(answers) and store.survey_responses(period).empty:
            writer.save_survey(period, answers, AUTHOR, source=SURVEY_FILE)
        written[period] = report.inserted + report.updated if report else 0
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Regenerate the synthetic demo scores in data/.")
    parser.add_argument("--write", action="store_true", help="write data/demo_scores.csv and data/demo_survey.csv")
    args = parser.parse_args(argv)
    cs = load_criteria(resource(REFERENCE_CRITERIA))
    unit_ids = list(demo_units()["id"])
    frame = generate(cs, unit_ids)
    responses = generate_survey(cs, unit_ids)
    if args.write:
        frame.to_csv(REPO_DIR / SCORES_FILE, index=False)
        responses.to_csv(REPO_DIR / SURVEY_FILE, index=False)
    print(f"{len(frame)} dòng điểm mô phỏng, {len(responses)} câu trả lời khảo sát mô phỏng")


if __name__ == "__main__":
    main()
