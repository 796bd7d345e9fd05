"""cchc — score, rank and stress-test a provincial administrative-reform (PAR) index."""

from cchc_widgets.core.criteria import CriteriaSet, load_criteria
from cchc_widgets.core.errors import Problem, ProblemsError

__all__ = ["CriteriaSet", "Problem", "ProblemsError", "load_criteria"]
