"""Files people send and get: scoring templates, score tables, unit lists, survey response
files and evidence checks. Reading a file gives rows to write; what may be written is decided in
`services.writes`. Loaded on first use (openpyxl is not needed to open a scoring page)."""

from cchc_widgets.resources import lazy_face

_WHERE = {
    "build_template": "templates",
    "read_template": "templates",
    "read_scores": "score_tables",
    "read_units": "unit_tables",
    "read_responses": "survey_files",
    "response_template": "survey_files",
}
__all__ = sorted(_WHERE)

__getattr__ = lazy_face(__name__, _WHERE)
