"""One permission function over declared actions: what each role may do, the units an
account is held to, and no role compared anywhere else in the package."""

import ast
from pathlib import Path

import pytest

from cchc_widgets.services import access
from cchc_widgets.services.permissions import ACTIONS, SYSTEM, Actor, allowed, console

PACKAGE = Path(__file__).resolve().parents[1] / "cchc_widgets"
ROLE_NAMES = {"ADMIN", "APPRAISER", "UNIT", "READER", "SYSTEM_ROLE"}  # permissions' constants for the role strings


def _is_role(node: ast.AST) -> bool:
    """`x.role`, `role`, `x["role"]`: an account's role."""
    return (
        (isinstance(node, ast.Attribute) and node.attr == "role")
        or (isinstance(node, ast.Name) and node.id == "role")
        or (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == "role")
    )


def _names_a_role(node: ast.AST) -> bool:
    """A role string, a constant of one, or a collection holding either: what a role would be compared with."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Name | ast.Attribute):
        return (node.id if isinstance(node, ast.Name) else node.attr) in ROLE_NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_role(e) for e in node.elts)
    return False


def role_decisions(source: str) -> list[int]:
    """Lines where code decides by a role itself: a role compared with a role (either side, any
    operator, a constant or a literal collection of them), matched in a `match`, or tested with a
    string method. Checking a role is one the vocabulary knows (`role not in ROLES`) or `is None`
    decides nothing."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_role(a) and _names_a_role(b) for a in sides for b in sides if a is not b):
                found.append(node.lineno)
        elif isinstance(node, ast.Match) and _is_role(node.subject):
            found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_role(node.func.value):
            found += [node.lineno] if node.func.attr in ("startswith", "endswith", "__eq__", "__ne__", "__contains__") else []
    return found


def test_no_module_but_permissions_compares_a_role():
    found = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "permissions.py"
        for line in role_decisions(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_check_finds_what_it_is_for():  # the check above can fail: it sees the decisions it bans
    banned = (
        'if actor.role == "admin": pass',
        'x = role in ("unit", "admin")',
        "ok = role != 'reader'",
        'ok = "admin" == actor.role',
        "ok = actor.role == ADMIN",
        "ok = p.role in {UNIT, permissions.READER}",
        'ok = account["role"] == "admin"',
        'ok = actor.role.startswith("ad")',
        "match actor.role:\n    case 'admin':\n        pass",
    )
    for line in banned:
        assert role_decisions(line), line
    for line in ("ok = role not in ROLES", "ok = args.role is None", "label = ROLES.get(actor.role)"):
        assert not role_decisions(line), line


@pytest.mark.parametrize(
    ("role", "granted"),
    [
        (
            "admin",
            {"read-unit", "write-self", "write-appraisal", "write-reply", "submit", "export", "whatif", "survey"}
            | {"administer"},
        ),
        ("appraiser", {"read-unit", "write-appraisal", "export", "whatif", "progress-home"}),
        ("unit", {"read-unit", "write-self", "write-reply", "submit"}),
        ("reader", {"read-unit", "export", "whatif"}),
        ("someone", set()),  # a role the list does not know is allowed nothing
    ],
)
def test_each_role_is_allowed_its_declared_actions_only(role, granted):
    actor = Actor("x", "X", role, frozenset({"u1"}))
    assert {action for action in ACTIONS if allowed(actor, action)} == granted


def test_an_action_about_a_unit_holds_an_account_to_its_units():
    unit = Actor("don-vi", "Đơn vị", "unit", frozenset({"u1"}))
    appraiser = Actor("tham-dinh", "Thẩm định", "appraiser", frozenset({"u1"}))
    reader = Actor("xem", "Xem", "reader")
    assert allowed(unit, "write-self", "u1")
    assert not allowed(unit, "write-self", "u2")
    assert allowed(appraiser, "write-appraisal", "u1")
    assert not allowed(appraiser, "write-appraisal", "u2")
    assert allowed(reader, "read-unit", "u2")
    assert not allowed(reader, "write-self", "u2")
    admin = Actor("qt", "Quản trị", "admin")
    assert allowed(admin, "write-appraisal", "u9")
    assert all(allowed(None, action, "u9") for action in ACTIONS)  # the console
    assert all(allowed(SYSTEM, action, "u9") for action in ACTIONS)  # the demo, a frame store, sign-ins
    assert not any(allowed(Actor("qt", "Quản trị", role), "sign-in") for role in ("admin", "unit"))
    with pytest.raises(KeyError):
        allowed(admin, "drop-everything")  # an undeclared action is a programming error


def test_an_administrator_verb_given_an_account_asks_it_and_logs_the_refusal(demo):
    access.add_account(demo, "xem", "Người Xem", "reader", [], None, console("test"))
    reader = access.actor_of(demo, "xem")
    with pytest.raises(access.ProblemsError, match="không có quyền mở hoặc đóng giai đoạn"):
        access.set_stage(demo, "2017", "self", access.OPEN, None, reader)
    assert demo.stages("2017") == {}
    assert demo.events("2017")["action"].iloc[-1] == "refused"
    access.add_account(demo, "qt", "Quản Trị", "admin", [], None, console("test"))
    access.set_stage(demo, "2017", "self", access.OPEN, None, access.actor_of(demo, "qt"))
    assert demo.stages("2017")["self"]["changed_by"] == "qt"


@pytest.mark.parametrize(
    "verb",
    [
        lambda store, by: access.add_account(store, "xem", "Người Xem", "reader", [], None, by),
        lambda store, by: access.remove_account(store, "xem", by),
        lambda store, by: access.set_stage(store, "2017", "self", access.OPEN, None, by),
        lambda store, by: access.reopen(store, "2017", None, "phúc khảo", by),
        lambda store, by: access.finalise(store, "2017", by),
        lambda store, by: access.unlock(store, "xem", by),
    ],
)
def test_an_administrator_verb_takes_an_actor_not_a_name(demo, verb):
    """A name typed as `by` used to be trusted as the console; now the console is an actor too
    (`console(name)`), logged under that name, and a bare name is a caller's mistake."""
    events = len(demo.events("2017"))
    with pytest.raises(TypeError, match="cần một Actor"):
        verb(demo, "quantri")
    assert len(demo.events("2017")) == events  # nothing done, nothing logged
    assert demo.stages("2017") == {}
    access.set_stage(demo, "2017", "self", access.OPEN, None, console("Nguyễn Văn Quản"))
    assert demo.stages("2017")["self"]["changed_by"] == "Nguyễn Văn Quản"
