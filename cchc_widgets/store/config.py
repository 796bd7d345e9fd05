"""Where cchc keeps its data: the database URL and the data directory.

Order of precedence: an explicit `--db URL`, then `CCHC_DB`, then an SQLite file in the
data directory (`CCHC_DATA_DIR`, else `var/` in the checkout, else `var/` in the current
directory). Nothing is written anywhere else. A URL that cannot be opened — malformed, another
database than SQLite or PostgreSQL, a server that does not answer, an SQLite file in a folder
that does not exist — is refused with one Vietnamese line naming it (password hidden).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cchc_widgets.core.errors import CchcError
from cchc_widgets.resources import REPO_DIR


def data_dir() -> Path:
    configured = os.environ.get("CCHC_DATA_DIR")
    if configured:
        return Path(configured)
    if (REPO_DIR / "pyproject.toml").exists():
        return REPO_DIR / "var"
    return Path.cwd() / "var"


EVIDENCE_QUOTA_MB = 200  # a unit's evidence files for one period, unless CCHC_EVIDENCE_QUOTA_MB says otherwise


def evidence_quota() -> int:
    """Bytes of evidence a unit may keep for one period: `CCHC_EVIDENCE_QUOTA_MB` (default 200)."""
    configured = os.environ.get("CCHC_EVIDENCE_QUOTA_MB", "").strip()
    if not configured:
        return EVIDENCE_QUOTA_MB * 1_000_000
    try:
        megabytes = float(configured.replace(",", "."))
    except ValueError:
        megabytes = -1
    if not megabytes > 0:
        raise CchcError(f"CCHC_EVIDENCE_QUOTA_MB phải là số MB lớn hơn 0; đang là '{configured}'")
    return int(megabytes * 1_000_000)


def database_url(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    env = os.environ.get("CCHC_DB")
    if env:
        return env
    return f"sqlite:///{data_dir() / 'cchc.sqlite'}"


def redacted(url: str) -> str:
    """The URL as messages, logs and pages may show it: the password replaced by ***."""
    from sqlalchemy.engine import make_url

    scheme = url.split(":", 1)[0] + ":…"
    if url.split("://", 1)[-1].split("/", 1)[0].count("@") > 1:  # an unencoded @ in the password: it would show in part
        return scheme
    try:
        parsed = make_url(url)
    except Exception:  # not a URL SQLAlchemy can read: show only its scheme
        return scheme
    query = {k: ("***" if "password" in k.lower() else v) for k, v in parsed.query.items()}  # ?password=… too
    return parsed.set(query=query).render_as_string(hide_password=True)


BACKENDS = ("sqlite", "postgresql")
POSTGRES_EXAMPLE = "postgresql+psycopg://người-dùng:mật-khẩu@máy:5432/tên"


class StoreUnavailable(CchcError):
    """The store named by a URL cannot be opened: one Vietnamese line naming it (password hidden) and why."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Không mở được kho dữ liệu {redacted(url)}: {reason}")


def check_url(url: str) -> None:
    """Refuse, before any connection, a URL that is not one SQLAlchemy reads, a database other
    than SQLite or PostgreSQL, and an SQLite file in a folder that does not exist — except the
    data directory, which is made on first use (a mistyped --db must not make folders)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a port that is not a number is refused here, not at the connection
    except Exception:  # ArgumentError, or ValueError for a port like ':abc'
        raise StoreUnavailable(
            url,
            f"địa chỉ không đúng dạng (kiểm tra tên máy, cổng — một số — và tên cơ sở dữ liệu; ví dụ {POSTGRES_EXAMPLE} "
            "hoặc sqlite:///duong/dan/kho.sqlite)",
        ) from None
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        raise StoreUnavailable(url, f"cchc dùng SQLite hoặc PostgreSQL ({POSTGRES_EXAMPLE}), không dùng '{backend}'")
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).parent
        if not folder.is_dir():
            if folder.resolve() != data_dir().resolve():
                made = "chỉ thư mục dữ liệu mặc định được tự tạo"
                raise StoreUnavailable(url, f"thư mục '{folder}' không tồn tại ({made}): hãy tạo thư mục hoặc sửa --db")
            folder.mkdir(parents=True, exist_ok=True)


@contextmanager
def opening(url: str) -> Iterator[None]:
    """What goes wrong while connecting to the store, as `StoreUnavailable` (never a traceback,
    never the password: the driver's own message is not shown, only what it means)."""
    import sqlalchemy as sa

    try:
        yield
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        missing = getattr(exc, "name", None) or "trình điều khiển"
        raise StoreUnavailable(
            url, f"thiếu trình điều khiển cơ sở dữ liệu '{missing}' (với PostgreSQL: {POSTGRES_EXAMPLE} và cài psycopg)"
        ) from None
    except sa.exc.DBAPIError as exc:
        raise StoreUnavailable(url, _why(str(exc.orig))) from None


REASONS = (  # words of the drivers' messages → what they mean to the person who typed the URL
    (("password authentication failed", "authentication failed"), "sai tên đăng nhập hoặc mật khẩu"),
    (("does not exist",), "cơ sở dữ liệu hoặc người dùng không có trên máy chủ"),
    (("timeout", "timed out"), "máy chủ không trả lời"),
    (
        ("connection refused", "could not connect", "connection failed", "could not translate host name", "name or service"),
        "không kết nối được máy chủ (sai tên máy hoặc cổng, hoặc máy chủ chưa chạy)",
    ),
    (("unable to open database file",), "không mở được tệp (kiểm tra đường dẫn và quyền ghi)"),
    (("file is not a database",), "tệp không phải cơ sở dữ liệu SQLite"),
)


def _why(message: str) -> str:
    lower = message.lower()
    return next((meaning for words, meaning in REASONS if any(w in lower for w in words)), "cơ sở dữ liệu từ chối kết nối")
