"""Views: ipywidgets that render state objects and forward what a person did."""

from .scoring_form import ScoringForm
from .whatif_app import WhatIfApp

__all__ = ["ScoringForm", "WhatIfApp"]
