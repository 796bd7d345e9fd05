"""Views: ipywidgets that render state objects and forward what a person did."""

from .scoring_form import ScoringForm

__all__ = ["ScoringForm"]
