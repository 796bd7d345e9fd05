"""What the apps and the command line do with a store: the one write path (`writes`), file
imports and uploads through it, a period's results from what is stored, and the demo."""

from cchc_widgets.services.imports import import_any, import_responses, template
from cchc_widgets.services.results import resolved, score_period, survey_points
from cchc_widgets.services.writes import Scope, Writer

__all__ = ["Scope", "Writer", "import_any", "import_responses", "resolved", "score_period", "survey_points", "template"]
