"""The app widgets' JavaScript: each widget's module with the page code they share before it."""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def page_module(path: Path) -> str:
    """The ESM source anywidget loads: `page.js` (shared page behaviour) then the widget's own."""
    return (HERE / "page.js").read_text(encoding="utf-8") + "\n" + path.read_text(encoding="utf-8")
