"""The index itself, as data and numbers: rules, criteria sets, the scoring engine, survey
maths, what-ifs and rank uncertainty, the Vietnamese number parser and the shared vocabulary.
Nothing here reads a database or draws a page."""

from cchc_widgets.core.criteria import CriteriaSet, load_criteria
from cchc_widgets.core.errors import CchcError, ConflictError, EvidenceError, Problem, ProblemsError, RuleInputError
from cchc_widgets.core.numbers import format_number, parse_decimal

__all__ = [
    "CchcError",
    "ConflictError",
    "CriteriaSet",
    "EvidenceError",
    "Problem",
    "ProblemsError",
    "RuleInputError",
    "format_number",
    "load_criteria",
    "parse_decimal",
]
