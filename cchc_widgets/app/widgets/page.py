"""The app widgets' JavaScript and CSS: each widget's own with what they share before it.

anywidget takes one ES module and one style sheet per widget class; ours are joined here
from several files: `page.js` / `page.css` (what every app shares: the DOM helper, the number
format, the connection notice) then the widget's own file or files, in order (the scoring
form's view is several files of one job each). One module: each file's top-level names are
seen by the others.

During development, with `ANYWIDGET_HMR=1` set before the widgets are imported (anywidget's
own switch for reloading), the joined text follows its files: an edit of any of them reaches
the open views, which anywidget reloads in place (JupyterLab, no kernel restart). anywidget
watches a single file given as a path; ours are several, so a thread here polls them and
hands the new text to anywidget's in-memory file (`VirtualFileContents`, which each widget
instance follows as its file-path `_esm` would be followed). Otherwise the text is read once.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
POLL_SECONDS = 0.5  # how often, during development, the files are looked at


def page_style(*paths: Path) -> Any:
    """The CSS anywidget loads: `page.css` (one look for every app) then the widget's own."""
    return _joined((HERE / "page.css", *paths))


def page_module(*paths: Path) -> Any:
    """The ESM source anywidget loads: `page.js` (shared page behaviour) then the widget's own
    files, the one that exports `render` last."""
    return _joined((HERE / "page.js", *paths))


def _join(paths: tuple[Path, ...]) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in paths)


def _joined(paths: tuple[Path, ...]) -> Any:
    """The files' text; while developing (`ANYWIDGET_HMR=1`), anywidget's in-memory file
    holding it, kept up to date with the files."""
    if os.environ.get("ANYWIDGET_HMR") != "1":
        return _join(paths)
    from anywidget._file_contents import VirtualFileContents  # development only: anywidget's own reloading

    contents = VirtualFileContents(_join(paths))
    with _lock:
        _followed.append((paths, _stamps(paths), contents))
        global _watcher
        if _watcher is None:
            _watcher = threading.Thread(target=_follow, name="cchc-widget-files", daemon=True)
            _watcher.start()
    return contents


def _stamps(paths: tuple[Path, ...]) -> tuple[int, ...]:
    return tuple(path.stat().st_mtime_ns for path in paths)


_lock = threading.Lock()
_followed: list[tuple[tuple[Path, ...], tuple[int, ...], Any]] = []  # (files, their stamps when read, the contents)
_watcher: threading.Thread | None = None


def _follow() -> None:
    """Forever (a daemon thread, development only): each joined text whose files changed is
    read again and given to its contents, which tell the widgets."""
    while True:
        time.sleep(POLL_SECONDS)
        with _lock:
            watched = list(enumerate(_followed))
        for i, (paths, stamps, contents) in watched:
            try:
                now = _stamps(paths)
                if now == stamps:
                    continue
                text = _join(paths)
            except OSError:  # a file being replaced by an editor: looked at again next time
                continue
            with _lock:
                _followed[i] = (paths, now, contents)
            contents.contents = text
