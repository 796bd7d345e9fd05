"""The app widgets' JavaScript and CSS: each widget's own with what they share before it.

anywidget takes one ES module and one style sheet per widget class; ours are joined here
from several files: `page.js` / `page.css` (what every app shares: the DOM helper, the number
format, the connection notice) then the widget's own file or files, in order (the scoring
form's view is several files of one job each). One module: each file's top-level names are
seen by the others.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def page_style(*paths: Path) -> str:
    """The CSS anywidget loads: `page.css` (one look for every app) then the widget's own."""
    return _join((HERE / "page.css", *paths))


def page_module(*paths: Path) -> str:
    """The ESM source anywidget loads: `page.js` (shared page behaviour) then the widget's own
    files, the one that exports `render` last."""
    return _join((HERE / "page.js", *paths))


def _join(paths: tuple[Path, ...]) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in paths)
