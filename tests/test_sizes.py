"""Rooms a person can hold: no module of `cchc_widgets/` over ~500 lines (Python and the
widgets' JavaScript), no class over ~300 lines or ~25 methods, no function of cyclomatic
complexity over 15 (ruff's C901, mccabe's count; ruff is already a test dependency).

What was bigger when the rule came is listed in `CEILINGS` with its figure of that day: an
entry may shrink but not grow, nothing new may join, and an entry that is back within the
limit must leave the list — so the list only gets shorter as the code is split.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import cchc_widgets

PACKAGE = Path(cchc_widgets.__file__).parent
MODULE_LINES = 500
CLASS_LINES = 300
CLASS_METHODS = 25
COMPLEXITY = 15

# what exceeded a limit on 2026-12-07, at that day's figure (a ceiling: lower it as you split)
CEILINGS: dict[str, int] = {}  # all split by 2026-12-08: nothing may join


def module_sizes(root: Path) -> dict[str, int]:
    """Every Python and JavaScript module under `root` longer than `MODULE_LINES`, by its lines."""
    found = {}
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.js")]):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MODULE_LINES:
            found[f"module lines {path.relative_to(root).as_posix()}"] = lines
    return found


def class_sizes(root: Path) -> dict[str, int]:
    """Every class under `root` over `CLASS_LINES` lines or `CLASS_METHODS` methods (its own, not inherited)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            lines = node.end_lineno - node.lineno + 1
            methods = sum(isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) for item in node.body)
            if lines > CLASS_LINES:
                found[f"class lines {where}::{node.name}"] = lines
            if methods > CLASS_METHODS:
                found[f"class methods {where}::{node.name}"] = methods
    return found


def complexities(root: Path) -> dict[str, int]:
    """Every function under `root` whose cyclomatic complexity passes `COMPLEXITY`, as ruff's C901 counts it."""
    ran = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", "C901", "--output-format", "json",
         "--config", f"lint.mccabe.max-complexity = {COMPLEXITY}", str(root)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ran.returncode in (0, 1), ran.stderr
    found = {}
    for message in json.loads(ran.stdout):
        # "`name` is too complex (17 > 15)"
        name = message["message"].split("`")[1]
        figure = int(message["message"].split("(")[-1].split(" ")[0])
        key = f"complexity {Path(message['filename']).relative_to(root.resolve()).as_posix()}::{name}"
        found[key] = max(figure, found.get(key, 0))
    return found


def test_no_room_grows_past_a_size_a_person_can_hold():
    measured = {**module_sizes(PACKAGE), **class_sizes(PACKAGE), **complexities(PACKAGE)}
    new = {key: figure for key, figure in measured.items() if key not in CEILINGS}
    grown = {key: (CEILINGS[key], figure) for key, figure in measured.items() if figure > CEILINGS.get(key, figure)}
    assert not new, f"split these rather than grow them (limits {MODULE_LINES}/{CLASS_LINES}/{CLASS_METHODS}/{COMPLEXITY}): {new}"
    assert not grown, f"grew past the ceiling recorded for them (ceiling, now): {grown}"
    back_within = sorted(set(CEILINGS) - set(measured))
    assert not back_within, f"within the limits now: take them off CEILINGS: {back_within}"


def test_the_measures_see_an_oversized_module_class_and_function(tmp_path):
    """The checks would notice: a generated module, class and function just over each limit are all named."""
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(COMPLEXITY))
    methods = "".join(f"    def m{i}(self):\n        return {i}\n" for i in range(CLASS_METHODS + 1))
    body = "\n" * (CLASS_LINES - 1 - 2 * (CLASS_METHODS + 1))  # with `class Big:` and `x = 1`: one line over
    text = f"def tangled(x):\n{branches}    return -1\n\n\nclass Big:\n{methods}{body}    x = 1\n"
    text += "\n" * (MODULE_LINES - len(text.splitlines()) + 1)
    (tmp_path / "room.py").write_text(text, encoding="utf-8")
    (tmp_path / "page.js").write_text("let a = 1;\n" * (MODULE_LINES + 1), encoding="utf-8")

    assert module_sizes(tmp_path) == {"module lines room.py": MODULE_LINES + 1, "module lines page.js": MODULE_LINES + 1}
    assert class_sizes(tmp_path) == {
        "class lines room.py::Big": CLASS_LINES + 1,
        "class methods room.py::Big": CLASS_METHODS + 1,
    }
    assert complexities(tmp_path) == {"complexity room.py::tangled": COMPLEXITY + 1}
