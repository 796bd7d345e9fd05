"""Persistence only: periods, units, criteria sets, scores (compare-and-set on versions, with
a change log), evidence files, survey answers, scenarios; the database URL and data folder."""

from cchc_widgets.store.config import data_dir, database_url, redacted
from cchc_widgets.store.database import SaveReport, Store

__all__ = ["SaveReport", "Store", "data_dir", "database_url", "redacted"]
