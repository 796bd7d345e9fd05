"""What `cchc` prints reaches a terminal as text, never as a command to it.

A note, a unit name or a login can hold an ESC sequence (`\\x1b[2J` clears the screen) or a
bidi override, from a store written before text was cleaned as it entered, or typed at the
sign-in page. Every line the command line prints, tables, messages and refusals alike,
passes `text.visible`: such characters show as escapes (`\\x1b[2J`), newlines and tabs stay.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from cchc_widgets.core.text import visible


class Shown:
    """A text stream that writes control and invisible characters out as escapes."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(visible(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding … as the stream has them
        return getattr(self.raw, name)


@contextmanager
def shown_as_text() -> Iterator[None]:
    """Standard output and error through `Shown` while a command runs."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Shown(out), Shown(err)
    try:
        yield
    finally:
        if isinstance(sys.stdout, Shown):  # a reader that left (`| head`) leaves stdout on devnull
            sys.stdout = out
        sys.stderr = err


def progress_terminal() -> TextIO | None:
    """Where a progress bar may draw itself (with `\\r`): the terminal's own error stream, or
    None when it is not a terminal."""
    err = sys.stderr.raw if isinstance(sys.stderr, Shown) else sys.stderr
    return err if err.isatty() else None
