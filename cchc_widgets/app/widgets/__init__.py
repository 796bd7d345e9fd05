"""Views: anywidgets that render state objects and forward what a person did.

Imported lazily: the scoring page's kernel loads the scoring form only, not the what-if app
(SciPy, SALib and the uncertainty maths are for the what-if page) nor the criteria editor."""

from cchc_widgets.resources import lazy_face

__all__ = ["CriteriaEditor", "ScoringForm", "WhatIfApp"]

__getattr__ = lazy_face(__name__, {"ScoringForm": "scoring_form", "WhatIfApp": "whatif_app", "CriteriaEditor": "criteria_editor"})
