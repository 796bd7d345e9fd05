"""Views: anywidgets that render state objects and forward what a person did.

Imported lazily: the scoring page's kernel loads the scoring form only, not the what-if app
(SciPy, SALib and the uncertainty maths are for the what-if page)."""

from typing import Any

__all__ = ["ScoringForm", "WhatIfApp"]


def __getattr__(name: str) -> Any:
    if name == "ScoringForm":
        from cchc_widgets.app.widgets.scoring_form import ScoringForm

        return ScoringForm
    if name == "WhatIfApp":
        from cchc_widgets.app.widgets.whatif_app import WhatIfApp

        return WhatIfApp
    raise AttributeError(name)
