"""Who may do what: one function, `allowed(actor, action, resource)`, over a declared list
of actions (datasette's `permission_allowed` is the model). Every write and every
administrator verb asks it, by way of `services.access` and `services.writes`; no other
module compares a role. Messages and the refusal log stay where they were: this only answers
yes or no.

An action is granted to roles; an action about one unit (`resource` a unit id) is further
limited to the units an account is assigned to, except for roles that act on every unit.
The person at the server's console (CLI, Python) is no actor at all (None): trusted with
everything; an administrator verb, which takes an actor only, takes them as `console(name)`.
A demo loader, a frame store in memory and the server's sign-in bookkeeping act as `SYSTEM`,
which is allowed what the console is and says so in a log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cchc_widgets.core.vocabulary import APPRAISAL, REPLY, SELF

ADMIN, APPRAISER, UNIT, READER, SYSTEM_ROLE = "admin", "appraiser", "unit", "reader", "system"


@dataclass(frozen=True)
class Action:
    """One thing a person may be allowed to do: the roles it is granted to, and whether it is
    about one unit (then `allowed` also asks whether the unit is theirs)."""

    name: str
    roles: frozenset[str]
    about_a_unit: bool = False
    every_unit: frozenset[str] = frozenset({ADMIN, SYSTEM_ROLE})  # roles not held to their assigned units


def _action(name: str, *roles: str, about_a_unit: bool = False, every_unit: tuple[str, ...] = (ADMIN, SYSTEM_ROLE)) -> Action:
    return Action(name, frozenset((*roles, SYSTEM_ROLE)), about_a_unit, frozenset(every_unit))


# the declared actions: what `allowed` knows; an action not listed is refused to every account
ACTIONS = {
    a.name: a
    for a in (
        _action("read-unit", ADMIN, READER, APPRAISER, UNIT, about_a_unit=True, every_unit=(ADMIN, READER, SYSTEM_ROLE)),
        _action(f"write-{SELF}", ADMIN, UNIT, about_a_unit=True),  # a self-assessment and its evidence
        _action(f"write-{APPRAISAL}", ADMIN, APPRAISER, about_a_unit=True),
        _action(f"write-{REPLY}", ADMIN, UNIT, about_a_unit=True),  # a unit's reply (giải trình)
        _action("submit", ADMIN, UNIT, about_a_unit=True),  # hand in a self-assessment
        _action("export", ADMIN, APPRAISER, READER),  # the period's workbook and change log
        _action("progress-home", APPRAISER),  # the progress of one's units above the scoring page
        _action("whatif", ADMIN, APPRAISER, READER),  # the what-if page: every unit's results
        _action("survey", ADMIN),  # survey answers
        _action("administer", ADMIN),  # periods, stages, reopening, finalising, accounts, scenarios
        _action("sign-in"),  # the server's sign-in bookkeeping: SYSTEM only
    )
}
# how many units an account of each role is assigned: exactly one, any number (None), or none
ROLE_UNITS: dict[str, int | None] = {ADMIN: 0, APPRAISER: None, UNIT: 1, READER: 0}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in account, or `SYSTEM`. The person at the server's console
    (CLI, Python) is no actor at all (None): trusted as administrator and logged under the
    name they typed."""

    login: str
    name: str
    role: str
    units: frozenset[str] = field(default_factory=frozenset)
    sign_in: str | None = None  # the sign-in (token hash) a page was opened with: ends with it

    @property
    def named(self) -> str:
        """How a message names the account to a person: its full name, with the login that signs in."""
        return self.login if not self.name or self.name == self.login else f"{self.name} ({self.login})"

    @property
    def author(self) -> str:
        """The name the change log keeps: the account's login, never a typed name."""
        return self.login

    def may_read(self, unit: str) -> bool:
        return allowed(self, "read-unit", unit)

    def units_read(self) -> frozenset[str] | None:
        """The units this account may read: None for every unit (administrator, reader)."""
        return None if self.role in ACTIONS["read-unit"].every_unit else self.units

    def stages_written(self) -> tuple[str, ...]:
        return tuple(stage for stage in (SELF, APPRAISAL, REPLY) if allowed(self, f"write-{stage}"))


SYSTEM = Actor("hệ thống", "Hệ thống", SYSTEM_ROLE)  # the demo, a frame store, sign-in bookkeeping


def console(name: str) -> Actor:
    """The person at the server's console (CLI, Python) as the actor an administrator verb
    takes: trusted as `SYSTEM` is, and logged under the name they typed."""
    return Actor(name, name, SYSTEM_ROLE)


def allowed(actor: Actor | None, action: str, resource: str | None = None) -> bool:
    """Whether `actor` may do `action` (on unit `resource`, for an action about a unit; None:
    the role alone is asked). The console (None) may do everything; an undeclared action is a
    programming error, not a refusal."""
    declared = ACTIONS[action]
    if actor is None:
        return True
    if actor.role not in declared.roles:
        return False
    if resource is None or not declared.about_a_unit or actor.role in declared.every_unit:
        return True
    return resource in actor.units


def is_system(actor: Actor | None) -> bool:
    """The console or `SYSTEM`: no account to check again in the store before a write."""
    return actor is None or actor.role == SYSTEM_ROLE
