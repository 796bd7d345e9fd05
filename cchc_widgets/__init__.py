"""cchc — score, rank and stress-test a provincial administrative-reform (PAR) index."""

from .problems import Problem, ProblemsError
from .spec import CriteriaSet, load_criteria

__all__ = ["CriteriaSet", "Problem", "ProblemsError", "load_criteria"]
