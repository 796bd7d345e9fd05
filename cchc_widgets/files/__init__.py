"""Files people send and get: scoring templates, score tables, survey response files and
evidence checks. Reading a file gives rows to write; what may be written is decided in
`services.writes`."""

from cchc_widgets.files.score_tables import read_scores
from cchc_widgets.files.survey_files import read_responses, response_template
from cchc_widgets.files.templates import build_template, read_template

__all__ = ["build_template", "read_responses", "read_scores", "read_template", "response_template"]
