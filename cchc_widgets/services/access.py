"""Who may write what, and when: accounts, roles, sign-ins, and the year's workflow.

A province's year runs in stages. The administrator (Sở Nội vụ) opens the self-assessment
for a period, with a closing date; each unit scores itself and submits («Nộp»), after which
its self-assessment is read-only; the appraisal of a unit opens once it has submitted (or the
self-assessment has closed); finalising freezes the period. A period whose stages were never
set (a laptop, a trial copy) is open for both stages and needs no submission: the workflow
starts when the administrator opens a stage.

Roles: `admin` (everything, and the only one who reopens), `appraiser` (the appraisal of the
units assigned to them), `unit` (the self-assessment and evidence of their own unit), `reader`
(reads results). `services.writes.Writer` asks `refusal()` before every write, whatever path
the write came by, so a forged widget message meets the same answer as a click.

Identity reaches a Voilà kernel as a *ticket*: the server (`app.auth`) signs the signed-in
login with a key kept in the store and puts it in a request header that it overwrites on
every request, so a browser cannot choose who it is; the kernel checks the signature here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from typing import Any

from cchc_widgets.core import clock, engine
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import show_number
from cchc_widgets.core.text import clean_text, said_nothing, says_something
from cchc_widgets.core.vocabulary import APPRAISAL, NOT_APPLICABLE, REPLY, ROLES, SELF, UNREASONED, WINDOW_LABELS, block_label
from cchc_widgets.services.permissions import ROLE_UNITS, SYSTEM, Actor, allowed, is_system
from cchc_widgets.services.progress import check_submission
from cchc_widgets.store.database import Store

SIGN_IN_HOURS = 8  # a sign-in lasts a working day
SIGN_IN_TRIES = 5  # wrong passwords for one login from one address within SIGN_IN_LOCK before it must wait
SIGN_IN_LOCK = timedelta(minutes=10)
TICKET_SECONDS = 300  # the time from a page request to its kernel reading who asked
TICKET_KEY = "kernel-ticket-key"
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,99}$")
OPEN, CLOSED = "open", "closed"
CONSOLE = "quản trị (dòng lệnh)"  # how the log names the server's console when no name is given


def _actor(account: dict[str, Any], sign_in: str | None = None) -> Actor:
    return Actor(account["login"], account["name"], account["role"], frozenset(account["units"]), sign_in)


def actor_of(store: Store, login: str, sign_in: str | None = None) -> Actor | None:
    """The account as it is in the store now (role and units may have changed), or None when
    it is gone or, given the sign-in it came with, that sign-in has ended."""
    if sign_in and store.sign_in_login(sign_in) != login:
        return None
    account = store.account(login)
    return None if account is None else _actor(account, sign_in)


def refreshed(store: Store, actor: Actor) -> Actor | None:
    """`actor` as the store has them now: what every write and every admin action goes by
    (`permissions.SYSTEM` has no account: it is as it was)."""
    return actor if is_system(actor) else actor_of(store, actor.login, actor.sign_in)


# ------------------------------------------------------------ accounts and passwords


def _hasher() -> Any:
    from argon2 import PasswordHasher  # argon2-cffi: the password hash OWASP recommends first

    return PasswordHasher()


def check_login(login: str) -> str:
    clean = clean_text(login).lower()
    if not LOGIN_PATTERN.match(clean):
        raise ProblemsError(
            [
                Problem(
                    "tài khoản", f"tên đăng nhập '{login}' không hợp lệ: chữ thường không dấu, số, dấu . _ @ -; tối đa 100 ký tự"
                )
            ]
        )
    return clean


def add_account(store: Store, login: str, name: str, role: str, units: list[str], password: str | None, by: Actor) -> None:
    """Create or change an account. A unit officer has exactly one unit; an appraiser any
    number; admin and reader none. `password` None keeps the old one (or none: proxy/hub sign-in)."""
    by = administrator(store, by, "quản lý tài khoản")
    login = check_login(login)
    where = f"tài khoản {login}"
    problems = []
    if role not in ROLES:
        problems.append(Problem(where, f"vai trò '{role}' không có; chọn một trong: {', '.join(ROLES)}"))
    units = [clean_text(u) for u in units if clean_text(u)]
    known = dict(zip(*(store.units()[c] for c in ("id", "name")), strict=True))  # id → name
    problems += [Problem(where, f"đơn vị '{u}' không có trong kho") for u in units if u not in known]
    if ROLE_UNITS.get(role) == 1 and len(units) != 1:
        problems.append(Problem(where, "tài khoản đơn vị cần đúng một đơn vị (--unit)"))
    if ROLE_UNITS.get(role) == 0 and units:
        problems.append(Problem(where, f"vai trò {role} không gắn với đơn vị"))
    if password is not None and len(password) < 8:
        problems.append(Problem(where, "mật khẩu cần ít nhất 8 ký tự"))
    name = clean_text(name or "") or login
    if len(name) > 200:
        problems.append(Problem(where, "họ tên dài quá 200 ký tự"))
    if problems:
        raise ProblemsError(problems)
    hashed = None if password is None else _hasher().hash(password)
    store.put_account(login, name, role, units, hashed)
    said = "; đơn vị: " + ", ".join(known[u] for u in units) if units else ""
    store.log_event(by, "account", detail=f"{name} ({login}): {ROLES[role]}{said}")  # as people read the log


def remove_account(store: Store, login: str, by: Actor) -> None:
    by = administrator(store, by, "quản lý tài khoản")
    if not store.remove_account(clean_text(login).lower()):
        raise ProblemsError([Problem("tài khoản", f"không có tài khoản '{login}'")])
    store.log_event(by, "account-removed", detail=login)


def verify_password(store: Store, login: str, password: str) -> Actor | None:
    """The account when the password matches; None otherwise (same time for an unknown login)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    account = store.account(clean_text(login or "").lower())
    stored = account["password_hash"] if account and account["password_hash"] else _dummy_hash()
    try:
        _hasher().verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if account is None or not account["password_hash"]:
        return None
    return _actor(account)


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the login is unknown, so timing does not tell logins apart."""
    return _hasher().hash(secrets.token_hex(16))


def open_sign_in(store: Store, login: str, actor: Actor = SYSTEM) -> str:
    """Start a sign-in: the token for the browser's cookie (the store keeps only its hash).
    The server's bookkeeping, done as `SYSTEM` through the one permission check."""
    _bookkeeping(actor)
    token = secrets.token_urlsafe(32)
    store.add_sign_in(token_hash(token), login, clock.now() + timedelta(hours=SIGN_IN_HOURS))
    return token


def end_sign_in(store: Store, token: str, actor: Actor = SYSTEM) -> None:
    """End a sign-in (signing out): its open pages stop saving."""
    _bookkeeping(actor)
    store.end_sign_in(token_hash(token))


def log_sign_in(store: Store, login: str, succeeded: bool, address: str, actor: Actor = SYSTEM) -> None:
    """Log a sign-in or a failed one, from `address`: what a lockout is counted from."""
    _bookkeeping(actor)
    store.log_event(login[:100] or "?", "sign-in" if succeeded else "sign-in-failed", detail=address)


def _bookkeeping(actor: Actor) -> None:
    if not allowed(actor, "sign-in"):
        raise PermissionError(f"{actor.login} không ghi được phiên đăng nhập")  # a programming error: only the server does


def sign_in_wait(store: Store, login: str, address: str) -> timedelta | None:
    """How long `login` must wait before trying a password again from `address` (None: now).

    Counted per login *and* client address from the store's log: SIGN_IN_TRIES wrong passwords
    from one address within SIGN_IN_LOCK make that address wait, while the person at their own
    desk can still sign in (a lockout per login alone let anyone lock the administrator out).
    A success from that address, or `unlock`, starts the count again. The log is shared by every
    server process, so `cchc users unlock` on the console ends a lockout at once."""
    now = clock.now()
    failures: list[datetime] = []
    for at, action, detail in store.sign_in_attempts(login, now - SIGN_IN_LOCK):
        if action == "sign-in-unlocked" or (action == "sign-in" and detail == address):
            failures = []
        elif action == "sign-in-failed" and detail == address:
            failures.append(at)
    wait = failures[-SIGN_IN_TRIES] + SIGN_IN_LOCK - now if len(failures) >= SIGN_IN_TRIES else None
    return wait if wait is not None and wait > timedelta(0) else None


def unlock(store: Store, login: str, by: Actor) -> None:
    """End `login`'s sign-in lockouts, from every address (logged, with who did it)."""
    by = administrator(store, by, "mở khóa đăng nhập")
    login = login.strip().lower()
    if store.account(login) is None:
        raise ProblemsError([Problem("cchc users unlock", f"không có tài khoản '{login}'")])
    store.log_event(login, "sign-in-unlocked", detail=by)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------ tickets: the server tells a kernel who asked


def make_ticket(store: Store, login: str, sign_in: str | None = None) -> str:
    body = json.dumps(
        {"login": login, "sign_in": sign_in, "until": int(clock.timestamp()) + TICKET_SECONDS, "nonce": secrets.token_hex(8)}
    )
    return f"{body.encode().hex()}.{_signature(store, body)}"


def read_ticket(store: Store, ticket: str | None) -> Actor | None:
    """The account a ticket names, if the signature holds, it is fresh and the account (and
    the sign-in it came with) still exists; None otherwise."""
    if not ticket or "." not in ticket:
        return None
    hexed, signature = ticket.split(".", 1)
    try:
        body = bytes.fromhex(hexed).decode()
        claims = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(signature, _signature(store, body)) or claims.get("until", 0) < clock.timestamp():
        return None
    return actor_of(store, claims["login"], claims.get("sign_in"))


def _signature(store: Store, body: str) -> str:
    return hmac.new(store.secret(TICKET_KEY).encode(), body.encode(), hashlib.sha256).hexdigest()


# ------------------------------------------------------------ the workflow


def today() -> date:
    """The province's date, by the one clock: what a stage's closing day is compared with."""
    return clock.today()


@dataclass(frozen=True)
class Workflow:
    """Where a period stands: the stages as set (for the period, and for a block of its units
    where one was set for it alone), the submissions, and whether it is frozen."""

    period: str
    stages: dict[str, dict[str, Any]]
    submitted: dict[str, dict[str, Any]]
    final: dict[str, Any] | None
    by_block: dict[str, dict[str, dict[str, Any]]]
    store: Store = field(repr=False, compare=False)

    @classmethod
    def of(cls, store: Store, period: str) -> Workflow:
        final = store.final(period)
        stages, by_block = store.all_stages(period)  # one statement for both: every save reads them
        return cls(period, stages, store.submissions(period), final, by_block, store)

    @cached_property
    def names(self) -> dict[str, str]:
        """Unit id → name, read only when a refusal names a unit (every write asks for a Workflow)."""
        return self.store.unit_names(self.period)

    def manages(self, block: str = "") -> bool:
        """Whether `block`'s units follow stages as set: a stage set for the period, or one set
        for the block alone. A stage set for one block touches no other: while none was set for
        the period, the other blocks' units stay as they were (every stage open)."""
        return bool(self.stages or self.by_block.get(block))

    def row(self, stage: str, block: str = "") -> dict[str, Any] | None:
        """The stage as set for `block`'s units: the block's own setting, else the period's."""
        return self.by_block.get(block, {}).get(stage) or self.stages.get(stage)

    def block_of(self, unit: str) -> str:
        """The block whose stages `unit` follows ("" while no block has a stage of its own)."""
        return self.store.unit_block(unit) if self.by_block else ""

    def stage_open(self, stage: str, block: str = "") -> bool:
        if not self.manages(block) and stage != REPLY:  # replies answer a published appraisal: always opened on purpose
            return True
        row = self.row(stage, block)
        return row is not None and row["state"] == OPEN and (row["until"] is None or today() <= _day(row["until"]))

    def describe(self, stage: str, block: str = "") -> str:
        """The stage's state in words, with its date, for `block`'s units: what the form's header shows."""
        label = WINDOW_LABELS[stage]
        if self.final is not None:
            return f"Kỳ đã chốt kết quả ngày {_local_day(self.final['finalised_at'])}: chỉ xem"
        if not self.manages(block) and stage != REPLY:
            return f"{label}: đang mở"
        row = self.row(stage, block)
        if row is None:
            return f"{label}: chưa mở"
        until = f" đến hết ngày {_day(row['until']):%d/%m/%Y}" if row["until"] is not None else ""
        return f"{label}: {'đang mở' + until if self.stage_open(stage, block) else 'đã đóng'}"

    def refusal(self, actor: Actor | None, unit: str, stage: str) -> str | None:
        """Why `actor` may not change `unit`'s scores of `stage` now (None: they may)."""
        if self.final is not None:
            return f"kỳ '{self.period}' đã chốt kết quả: không sửa được nữa (quản trị viên mở lại kỳ nếu cần, có ghi lý do)"
        if not allowed(actor, f"write-{stage}"):
            role = ROLES.get(actor.role, actor.role)
            return f"tài khoản {actor.name or actor.login} ({actor.login}, {role}) không được ghi {_written(stage)}"
        if not allowed(actor, f"write-{stage}", unit):
            return f"tài khoản {actor.named} không được giao {unit_label(self.names, unit)}"
        block = self.block_of(unit)
        if not self.stage_open(stage, block):
            state = "chưa mở" if self.row(stage, block) is None else "đã đóng"
            whose = f" cho khối {block_label(block)}" if block else ""  # a block's units follow its own stages
            return f"giai đoạn {WINDOW_LABELS[stage].lower()} của kỳ '{self.period}' {state}{whose}"
        if stage == SELF and unit in self.submitted:
            return "đơn vị đã nộp bản tự đánh giá: không sửa được nữa (quản trị viên mở lại nếu cần, có ghi lý do)"
        if stage == APPRAISAL and self.manages(block) and unit not in self.submitted and self.stage_open(SELF, block):
            return "đơn vị chưa nộp bản tự đánh giá: chưa thẩm định được"
        return None


def unit_label(names: dict[str, str], unit: str) -> str:
    """How a message names a unit: its name, or its id when the period does not list it."""
    return names.get(unit, f"đơn vị '{unit}'")


def _written(stage: str) -> str:
    return "giải trình" if stage == REPLY else f"điểm {WINDOW_LABELS[stage].lower()}"


def _day(value: Any) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def _local_day(when: Any) -> str:
    return f"{clock.local(when):%d/%m/%Y}"


def refuse(
    store: Store, actor: Actor | None, where: str, problems: list[Problem], period: str, unit: str | None, stage: str | None
) -> None:
    """Log a refused write (who tried what, `logged_reason`) and raise it with every problem."""
    who = actor.author if actor is not None else CONSOLE
    store.log_event(who, "refused", period, unit, stage, logged_reason(problems))
    raise ProblemsError(problems)


LOGGED_ITEMS = 5  # the items of a long refusal its change-log row names; the refusal itself names every one


def logged_reason(problems: list[Problem]) -> str:
    """What the change log's reason cell keeps of a refusal: a short one whole; a long one (a
    submission with 67 items unscored) its first line, which counts them, and the codes of the
    first few items, so the log stays a list of lines a person reads (the full list is in the
    message the person refused was shown)."""
    if len(problems) <= LOGGED_ITEMS + 1:
        return "; ".join(p.message for p in problems)[:2000]
    head, items = problems[0], problems[1:]
    named = ", ".join(p.code or p.message for p in items[:LOGGED_ITEMS])
    return f"{head.message}; mã {named} … và {len(items) - LOGGED_ITEMS} mục nữa"[:2000]


def require_admin(store: Store, actor: Actor | None, doing: str, where: str = "quản trị", period: str | None = None) -> str:
    """The login of an administrator as the store has them now (the console when None), or a
    logged refusal: every admin action asks at that moment, not only when a page opened."""
    if is_system(actor):
        return CONSOLE
    now = refreshed(store, actor)
    if now is None or not allowed(now, "administer"):
        problems = [Problem(where, f"tài khoản {actor.named} không có quyền {doing} (chỉ quản trị viên)")]
        refuse(store, actor, where, problems, period, None, None)
    return now.author


def administrator(store: Store, by: Actor, doing: str) -> str:
    """Who an administrator verb logs: an account asked `allowed` now, with a logged refusal
    otherwise; the console (`permissions.console`) by the name it typed, or `SYSTEM`. A bare
    name is a caller's mistake, not someone to trust."""
    if not isinstance(by, Actor):
        raise TypeError(f"{doing}: cần một Actor (tài khoản, permissions.console(tên) hoặc SYSTEM), không phải {by!r}")
    return by.author if is_system(by) else require_admin(store, by, doing)


def set_stage(store: Store, period: str, stage: str, state: str, until: date | None, by: Actor, block: str | None = None) -> None:
    """Open or close a stage for every unit of the period, or (`block`) for one block's units
    only; setting it for all drops what was set for a block alone. Refused while the period is
    finalised (reopen it first)."""
    by = administrator(store, by, "mở hoặc đóng giai đoạn")
    blocks = store.blocks(period)  # the period exists
    if store.final(period) is not None:  # a finalised period is read-only: its dates would only mislead
        raise ProblemsError([Problem(f"kỳ {period}", f"kỳ '{period}' đã chốt kết quả: mở lại kỳ trước khi đổi giai đoạn")])
    if stage not in WINDOW_LABELS:
        raise ProblemsError([Problem(f"kỳ {period}", f"giai đoạn '{stage}' không có; chọn self, appraisal hoặc reply")])
    if block is not None and (block not in blocks or not store.has_block_sets(period)):
        known = ", ".join(f"'{b}' ({block_label(b)})" for b in blocks if b) or "không chia khối"
        raise ProblemsError([Problem(f"kỳ {period}", f"kỳ không đánh giá khối '{block}'; các khối của kỳ: {known}")])
    store.set_stage(period, stage, state, until, by, block)
    deadline = "" if until is None else f"đến hết ngày {until:%d/%m/%Y}"
    if state == CLOSED:  # the log says when it closed; a deadline it had is what was cut short
        deadline = f"đóng ngày {clock.now():%d/%m/%Y}" + ("" if until is None else f" (hạn đã đặt: {deadline})")
    whose = "" if block is None else f"khối {block_label(block)}" + (f"; {deadline}" if deadline else "")
    store.log_event(by, f"stage-{state}", period, None, stage, whose or deadline)


def submit(store: Store, actor: Actor | None, period: str, unit: str) -> None:
    """A unit hands in its self-assessment: from now on it is read-only. Refused (and logged)
    while items are unscored or lack their evidence (`progress.check_submission`), on every path."""
    workflow = Workflow.of(store, period)
    reason = workflow.refusal(actor, unit, SELF)
    if reason is not None:
        refuse(store, actor, f"kỳ {period}", [Problem(f"kỳ {period}", reason)], period, unit, SELF)
    try:
        check_submission(store, period, unit)
    except ProblemsError as exc:
        refuse(store, actor, f"kỳ {period}", exc.problems, period, unit, SELF)
    by = actor.author if actor is not None else CONSOLE
    store.set_submitted(period, unit, by)
    store.log_event(by, "submit", period, unit, SELF)


def reopen(store: Store, period: str, unit: str | None, reason: str, by: Actor, field: str = "lý do") -> None:
    """Undo a submission (unit given) or a finalising (no unit), with a reason kept in the log.
    `field` names where the reason was typed, as the refusal of an empty one points there: the
    console's flag («--reason»), the page's field («ô «Lý do»»); one message for both."""
    by = administrator(store, by, "mở lại")
    reason = clean_text(reason or "")
    if not says_something(reason):
        message = f"mở lại cần lý do ({field}): lý do được ghi vào nhật ký" + said_nothing(reason)
        raise ProblemsError([Problem(f"kỳ {period}", message)])
    if unit is None:
        if store.final(period) is None:
            raise ProblemsError([Problem(f"kỳ {period}", f"kỳ '{period}' chưa chốt")])
        store.set_final(period, None, by)
    elif not store.set_submitted(period, unit, None):
        raise ProblemsError([Problem(f"kỳ {period}", f"{unit_label(store.unit_names(period), unit)} chưa nộp bản tự đánh giá")])
    store.log_event(by, "reopen", period, unit, SELF if unit else None, reason)


def finalise(store: Store, period: str, by: Actor) -> str:
    """Freeze the period; returns the checksum of its scores and survey answers, which the
    results workbook and the report print so a copy can be checked against the record.
    Refused while an appraisal differs from the self-assessment without a reason (the
    self-assessment changed after an agreeing appraisal): a frozen result would carry it."""
    by = administrator(store, by, "chốt kết quả")
    if store.final(period) is not None:
        raise ProblemsError([Problem(f"kỳ {period}", f"kỳ '{period}' đã chốt")])
    diff = engine.differences(engine.scored_rows(store.scores(period)))
    unreasoned = diff[diff["unreasoned"]]
    if len(unreasoned):
        names, where = store.unit_names(period), f"kỳ {period}"
        problems = []
        for r in unreasoned.itertuples():
            own, appraised = points_shown(r.points_self, r.na_self), points_shown(r.points_appraisal, r.na_appraisal)
            said = f"{unit_label(names, r.unit)}: {UNREASONED} (tự đánh giá {own}, thẩm định {appraised})"
            said += ": ghi lý do thẩm định hoặc sửa điểm trước khi chốt"
            problems.append(Problem(where, said, r.code))
        raise ProblemsError(problems)
    checksum = scores_checksum(store, period)
    store.set_final(period, checksum, by)
    store.log_event(by, "finalise", period, detail=checksum)
    return checksum


def points_shown(points: float, na: bool) -> str:
    """A score as refusals name it: '1,5 điểm', or 'Không áp dụng'."""
    return NOT_APPLICABLE if na else f"{show_number(points)} điểm"


def record_line(store: Store, period: str) -> str:
    """Where a period's numbers stand, as the results workbook and the report print it: frozen
    (with its checksum, checked again against the store now) or still open to change."""
    final = store.final(period)
    if final is None:
        return "Số liệu chưa chốt: kết quả có thể còn thay đổi."
    holds = scores_checksum(store, period) == final["checksum"]
    check = "khớp với số liệu trong kho" if holds else "KHÔNG KHỚP với số liệu trong kho: báo ngay cho quản trị viên"
    return f"Kết quả đã chốt ngày {_local_day(final['finalised_at'])}; mã kiểm tra SHA-256 {final['checksum']} ({check})."


def scores_checksum(store: Store, period: str) -> str:
    frame = store.scores(period)[["unit", "code", "stage", "value", "points", "na", "note"]]
    survey = store.survey_responses(period)[["unit", "respondent", "item", "group", "answer"]]
    document = json.dumps(
        {"scores": frame.astype(object).where(frame.notna(), None).values.tolist(), "survey": survey.values.tolist()},
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(document.encode()).hexdigest()
