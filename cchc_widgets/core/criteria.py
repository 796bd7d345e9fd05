"""The criteria set: an immutable tree of codes, names, maxima and leaf rules.

A set is read from YAML (nested, validated against `criteria/criteria.schema.json`) or
from a flat table (CSV/xlsx with `code, parent, name, max_points`). Both paths end in the
same semantic checks, so a methodology designer gets the same plain-words report either
way, with every problem in the file listed at once.

This module is the public face; the work is done by one module per job: the model
(`criteria_model`), the schema's messages (`criteria_schema`), building and checking
(`criteria_build`), flat tables (`criteria_flat`, with `flat_settings`) and the one-line rule
syntax (`rule_text`).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from cchc_widgets.core.criteria_build import load_dict
from cchc_widgets.core.criteria_flat import FLAT_KINDS, FLAT_OPTIONAL, FLAT_REQUIRED, load_flat
from cchc_widgets.core.criteria_model import (
    ADJUSTMENT_HOW,
    ADJUSTMENT_KINDS,
    DEFAULT_DECIMALS,
    DEFAULT_NA_LABEL,
    DEFAULT_SURVEY_ANSWERS,
    Adjustment,
    ClassBand,
    CriteriaSet,
    Node,
    Survey,
    SurveyGroup,
    SurveyItem,
    declared_text,
    how_to_score,
    survey_codes_of,
)
from cchc_widgets.core.criteria_schema import property_problems, rule_schema_problems, schema_problems
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.rule_text import parse_rule_text, rule_text

__all__ = [
    "ADJUSTMENT_HOW",
    "ADJUSTMENT_KINDS",
    "DEFAULT_DECIMALS",
    "DEFAULT_NA_LABEL",
    "DEFAULT_SURVEY_ANSWERS",
    "FLAT_KINDS",
    "FLAT_OPTIONAL",
    "FLAT_REQUIRED",
    "Adjustment",
    "ClassBand",
    "CriteriaSet",
    "Node",
    "Survey",
    "SurveyGroup",
    "SurveyItem",
    "check_criteria",
    "declared_text",
    "how_to_score",
    "load_criteria",
    "load_dict",
    "parse_rule_text",
    "property_problems",
    "rule_schema_problems",
    "rule_text",
    "schema_problems",
    "survey_codes_of",
]


def load_criteria(path: str | Path) -> CriteriaSet:
    """Read a criteria set from YAML, JSON, CSV or xlsx; raise `ProblemsError` listing all problems."""
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise ProblemsError([Problem(file, "không tìm thấy tệp")])
    suffix = path.suffix.lower()
    if suffix in {".yaml", ".yml", ".json"}:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else None
            raise ProblemsError(
                [Problem(file, f"tệp YAML không đọc được: {getattr(exc, 'problem', exc)}", where=where)]
            ) from None
        except UnicodeDecodeError:
            raise ProblemsError([Problem(file, "tệp không phải văn bản UTF-8")]) from None
        return load_dict(doc, file)
    if suffix in {".csv", ".xlsx"}:
        return load_flat(path)
    raise ProblemsError([Problem(file, "chỉ đọc được bộ tiêu chí dạng .yaml, .yml, .json, .csv hoặc .xlsx")])


def check_criteria(path: str | Path) -> list[Problem]:
    """Every problem of a criteria file; an empty list means it is valid."""
    try:
        load_criteria(path)
    except ProblemsError as exc:
        return exc.problems
    return []
