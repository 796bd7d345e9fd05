"""The package's shape: each folder imports only folders below it, no import cycles, and a
small public face."""

import ast
from pathlib import Path

import cchc_widgets

PACKAGE = Path(cchc_widgets.__file__).parent
# lower first: a module may import its own folder and the folders before it, never after
LAYERS = ["resources", "core", "files", "store", "services", "report", "app", "cli"]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(("cchc_widgets", *parts)).removesuffix(".__init__")
        out[name] = path
    return out


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cchc_widgets"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("cchc_widgets"))
    modules = _modules()
    return {m for m in found if m in modules and m != "cchc_widgets"}


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[1])


def test_no_arrow_points_up():
    upward = [
        f"{name} → {target}"
        for name, path in _modules().items()
        if name != "cchc_widgets"
        for target in _imports(path)
        if _layer(target) > _layer(name)
    ]
    assert upward == []


def test_core_imports_no_storage_ui_or_files():
    heavy = {"sqlalchemy", "ipywidgets", "anywidget", "voila", "openpyxl", "matplotlib", "traitlets"}
    found = []
    for name, path in _modules().items():
        if not name.startswith("cchc_widgets.core"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{name}: {n}" for n in names if n.split(".")[0] in heavy]
    # core/tables.py reads people's xlsx tables (the criteria loaders need it) and core/xlsx_reader.py is the
    # process that parses them: openpyxl there only
    allowed = ("cchc_widgets.core.tables: openpyxl", "cchc_widgets.core.xlsx_reader: openpyxl")
    assert [f for f in found if not f.startswith(allowed)] == []


def test_no_import_cycles():
    graph = {name: _imports(path) for name, path in _modules().items()}
    cycles = []

    def visit(node, trail):
        for nxt in sorted(graph.get(node, ())):
            if nxt in trail:
                cycles.append(" → ".join([*trail[trail.index(nxt) :], nxt]))
            elif len(trail) < 30:
                visit(nxt, [*trail, nxt])

    for start in graph:
        visit(start, [start])
    assert cycles == []


def test_public_face():
    import cchc_widgets as pkg

    assert set(pkg.__all__) >= {
        "CchcError",
        "CriteriaSet",
        "Problem",
        "ProblemsError",
        "Scope",
        "Store",
        "Writer",
        "load_criteria",
    }
    for name in pkg.__all__:
        assert getattr(pkg, name) is not None
    for sub in LAYERS[1:]:
        module = __import__(f"cchc_widgets.{sub}", fromlist=["__all__"])
        assert module.__doc__, f"cchc_widgets.{sub} says what it holds"
