"""cchc — score, rank and stress-test a provincial administrative-reform (PAR) index.

The folders, lowest first (each imports only those before it): `core` (rules, criteria sets,
the engine, survey maths, what-ifs: pure data and numbers), `files` (templates, score tables,
survey files, evidence checks), `store` (persistence only), `services` (the one write path,
imports, results from the store, the demo), `report` (analysis, charts, the results workbook,
the annual report), `app` (the scoring and what-if apps: sessions, widgets, Voilà), `cli`.

The widget kit for notebooks — `ScoringForm`, `WhatIfApp`, `CriteriaEditor` — loads on first
use (it needs the `app` extra: anywidget), so the command line does not pay for it.
"""

from cchc_widgets.core.criteria import CriteriaSet, load_criteria
from cchc_widgets.core.errors import CchcError, Problem, ProblemsError
from cchc_widgets.resources import lazy_face
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store

__all__ = [
    "CchcError",
    "CriteriaEditor",
    "CriteriaSet",
    "Problem",
    "ProblemsError",
    "Scope",
    "ScoringForm",
    "Store",
    "WhatIfApp",
    "Writer",
    "load_criteria",
]

__getattr__ = lazy_face(
    __name__,
    {
        "ScoringForm": "app.widgets.scoring_form",
        "WhatIfApp": "app.widgets.whatif_app",
        "CriteriaEditor": "app.widgets.criteria_editor",
    },
)
