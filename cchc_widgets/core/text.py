"""Text as it enters and leaves: one Unicode form, nothing invisible, nothing that controls.

Macs and some Vietnamese keyboards send decomposed text (NFD: `a` + combining marks); files
and the criteria set are composed (NFC). Compared as is, `Ban hành chậm` from one does not
equal `Ban hành chậm` from the other although they look the same. Every text that enters
(files, form, command line, the widgets' Python API) passes `clean_text`.

Text pasted from Word or a web page carries characters no one sees: Shift+Enter pastes a
vertical tab, some editors a NUL or an ESC, right-to-left documents bidi overrides, and web
pages zero-width spaces. Stored, one of them made every workbook of the period fail
(openpyxl refuses C0 controls) and an ESC printed by `cchc log` drove the administrator's
terminal. So text that enters keeps only tab and newline of the C0/C1 controls (a vertical
tab, a form feed and `\\r\\n` or `\\r` become a newline) and loses the zero-width and bidi
controls. Stores written before that may still hold them: every file and page we write
passes `plain` on the way out, and the command line prints `visible` text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

NEWLINES = {0x0B: "\n", 0x0C: "\n", 0x0D: "\n"}  # vertical tab (Word's Shift+Enter), form feed, a lone \r
CONTROLS = (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0))  # C0 and C1 but tab, newline and the above
INVISIBLE = (
    *range(0x200B, 0x2010),  # zero-width space, non-joiner, joiner; left-to-right and right-to-left marks
    *range(0x202A, 0x202F),  # bidi embeddings and overrides
    *range(0x2060, 0x2065),  # word joiner, invisible operators
    *range(0x2066, 0x206A),  # bidi isolates
    0xFEFF,  # byte-order mark / zero-width no-break space
    0x061C,  # Arabic letter mark
)
_PLAIN = str.maketrans({**dict.fromkeys((*CONTROLS, *INVISIBLE)), **NEWLINES})
_SHOWN = str.maketrans(
    {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in (*CONTROLS, *INVISIBLE, *NEWLINES) if c != 0x0A}
)


def plain(text: str) -> str:
    """`text` without control and invisible characters: tab and newline stay, a vertical tab,
    a form feed and `\\r\\n` or `\\r` become a newline. Nothing else changes (no trimming, no
    Unicode form): what files and pages write, whatever the store holds. Text with nothing
    unprintable (most of it) is returned at once: every character `_PLAIN` removes or
    replaces is unprintable, and `isprintable` is a scan in C where `translate` builds a copy."""
    if text.isprintable():
        return text
    return text.replace("\r\n", "\n").translate(_PLAIN)


def clean_text(value: Any) -> Any:
    """Text as it is kept: `plain`, NFC-normalised and stripped; anything that is not text is
    returned as it is (dicts and lists are cleaned inside)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", plain(value)).strip()
    return each_text(value, clean_text)


def one_line(value: str) -> str:
    """A name (a unit's, a period's, a person's) as kept: `clean_text`, and on one line — a line
    break pasted into a name (Word's Shift+Enter) would split every table row that shows it."""
    return " ".join(clean_text(value).split())


def each_text(value: Any, clean: Any) -> Any:
    """`value` with `clean` applied to every text inside dicts, lists and tuples (keys kept)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {k: each_text(v, clean) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(each_text(v, clean) for v in value)
    return value


def visible(text: str) -> str:
    """Text for a terminal: every control and invisible character but newline written out as
    an escape (`\\x1b`, `\\u202e`), so stored text is read, never obeyed."""
    return text.translate(_SHOWN)


def says_something(text: Any) -> bool:
    """Whether a reason holds at least one letter or digit once invisible characters and
    punctuation are set aside: `-`, `.` or a zero-width space say nothing."""
    return isinstance(text, str) and any(ch.isalnum() for ch in plain(text))


def said_nothing(reason: str | None) -> str:
    """What a refusal adds about a reason that says nothing (`-`, `...`): the text as given
    and what a reason needs. Nothing when no reason was given at all."""
    if not reason:
        return ""
    shown = reason if len(reason) <= 40 else reason[:40] + "…"
    return f" (đã ghi «{shown}»: lý do cần có chữ hoặc số)"


def folded(text: str) -> str:
    """The key two spellings of one word share: cleaned and case-folded (`Có` = `có`)."""
    return clean_text(text).casefold()


def name_key(name: str) -> str:
    """The key two spellings of one unit's name share: the name as kept (`one_line`: spaces
    between words as one), case-folded (`Sở tư  pháp` = `Sở Tư pháp`)."""
    return one_line(name).casefold()


def ascii_name(text: str, empty: str = "phieu") -> str:
    """A file-name-safe ASCII form of a Vietnamese name: 'Sở Tư pháp' → 'so-tu-phap' (`empty`
    when nothing of it is left)."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or empty
