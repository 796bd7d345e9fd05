"""The app widgets' JavaScript and CSS: each widget's own with what they share before it."""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def page_style(path: Path) -> str:
    """The CSS anywidget loads: `page.css` (one look for every app) then the widget's own."""
    return (HERE / "page.css").read_text(encoding="utf-8") + "\n" + path.read_text(encoding="utf-8")


def page_module(path: Path) -> str:
    """The ESM source anywidget loads: `page.js` (shared page behaviour) then the widget's own."""
    return (HERE / "page.js").read_text(encoding="utf-8") + "\n" + path.read_text(encoding="utf-8")
