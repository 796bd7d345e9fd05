"""What the apps and the command line do with a store: the one write path (`writes`), file
imports and uploads through it, a period's results from what is stored, and the demo.
Loaded on first use, so a page imports only the services it calls."""

from cchc_widgets.resources import lazy_face

_WHERE = {
    "Actor": "access",
    "Workflow": "access",
    "Scope": "writes",
    "Writer": "writes",
    "import_any": "imports",
    "import_responses": "imports",
    "template": "imports",
    "resolved": "results",
    "score_period": "results",
    "survey_points": "results",
}
__all__ = sorted(_WHERE)

__getattr__ = lazy_face(__name__, _WHERE)
