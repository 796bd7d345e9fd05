"""Text as it enters: one Unicode form, so what a person typed matches what is stored.

Macs and some Vietnamese keyboards send decomposed text (NFD: `a` + combining marks); files
and the criteria set are composed (NFC). Compared as is, `Ban hành chậm` from one does not
equal `Ban hành chậm` from the other although they look the same. Every text that enters
(files, form, command line) passes `clean_text`.
"""

from __future__ import annotations

import unicodedata
from typing import Any


def clean_text(value: Any) -> Any:
    """NFC-normalised, stripped text; anything that is not text is returned as it is (dicts and
    lists are cleaned inside)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, dict):
        return {k: clean_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_text(v) for v in value)
    return value


def folded(text: str) -> str:
    """The key two spellings of one word share: NFC, trimmed, case-folded (`Có` = `có`)."""
    return unicodedata.normalize("NFC", text).strip().casefold()
