"""The one clock: every "now" and "today" the product uses comes from here.

Why one: a stage's closing date is a day in the province (UTC+7), not on the server. Between
17:00 and 24:00 UTC the province is already on the next day while a machine kept on UTC is
not, so anything that asked the machine ("today", `datetime.now()`, `time.time()`) would
decide a deadline, print a time or stamp a log on the wrong day. Here the time is always an
aware instant shown in the province's zone, and a test, a trial copy or a subprocess can say
what instant it is.

- `CCHC_TIMEZONE` names the province's zone (default Asia/Ho_Chi_Minh); the machine's `TZ`
  plays no part.
- `CCHC_CLOCK` (an ISO instant with its offset, e.g. `2027-01-31T16:59:59Z`) stops the clock
  at that instant in every process that inherits it (a CLI call, a Voilà server and its
  kernels): for tests and for rehearsing a deadline on a trial copy.
- In-process, `stop_at(instant)` does the same and `run_again()` undoes it.

Durations (lockouts, time-outs, benchmarks) use `time.monotonic()`, which is no clock of the
day and stays out of this module.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cchc_widgets.core.errors import CchcError

ZONE_VARIABLE = "CCHC_TIMEZONE"
CLOCK_VARIABLE = "CCHC_CLOCK"
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"

_stopped: datetime | None = None  # set by stop_at(); wins over CCHC_CLOCK


class ClockError(CchcError):
    """A zone or an instant the settings name cannot be read: said in Vietnamese, like any refusal."""


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ClockError(f"{ZONE_VARIABLE}='{name}' không phải múi giờ (ví dụ: {DEFAULT_ZONE})") from None


def zone() -> tzinfo:
    """The province's time zone."""
    return _zone(os.environ.get(ZONE_VARIABLE) or DEFAULT_ZONE)


@cache
def _instant(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ClockError(f"{CLOCK_VARIABLE}='{text}' không phải thời điểm ISO (ví dụ: 2027-01-31T16:59:59Z)") from None
    if when.tzinfo is None:
        raise ClockError(f"{CLOCK_VARIABLE}='{text}' cần múi giờ (Z hoặc +07:00): không đoán giờ của máy")
    return when.astimezone(UTC)


def now() -> datetime:
    """This instant, aware, in the province's zone."""
    if _stopped is not None:
        when = _stopped
    elif os.environ.get(CLOCK_VARIABLE):
        when = _instant(os.environ[CLOCK_VARIABLE])
    else:
        when = datetime.now(UTC)
    return when.astimezone(zone())


def today() -> date:
    """The province's date: what a stage's closing day is compared with."""
    return now().date()


def timestamp() -> float:
    """Seconds since the epoch by this clock (a kernel ticket's expiry)."""
    return now().timestamp()


def local(when: datetime) -> datetime:
    """A stored instant in the province's zone (a naive one, as SQLite returns it, is UTC)."""
    return (when if when.tzinfo is not None else when.replace(tzinfo=UTC)).astimezone(zone())


def stop_at(instant: datetime) -> None:
    """Stop this process's clock at `instant` (aware): tests and rehearsals."""
    if instant.tzinfo is None:
        raise ClockError("thời điểm cần múi giờ: không đoán giờ của máy")
    global _stopped
    _stopped = instant.astimezone(UTC)


def run_again() -> None:
    """Undo `stop_at`: the clock reads the machine's time again (or `CCHC_CLOCK`)."""
    global _stopped
    _stopped = None
