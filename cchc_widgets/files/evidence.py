"""Evidence files (tài liệu kiểm chứng): what is accepted, and the name a file is kept under.

A browser upload is untrusted: the name may carry a path, the extension may lie. Files are
accepted by extension *and* by their first bytes, within a size limit that stays under the
websocket message limit, and are kept under a generated name inside the data directory.
"""

from __future__ import annotations

import re
import unicodedata
import uuid

from cchc_widgets.core.errors import EvidenceError

MAX_BYTES = 8 * 1024 * 1024
MAX_NAME = 150  # characters of a file name as shown and kept (the store holds 200)
PDF, ZIP, OLE, PNG, JPEG = b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff"
ALLOWED: dict[str, tuple[str, bytes]] = {
    ".pdf": ("application/pdf", PDF),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", ZIP),
    ".doc": ("application/msword", OLE),
    ".xls": ("application/vnd.ms-excel", OLE),
    ".png": ("image/png", PNG),
    ".jpg": ("image/jpeg", JPEG),
    ".jpeg": ("image/jpeg", JPEG),
}
LIMITS_TEXT = f"tối đa {MAX_BYTES // (1024 * 1024)} MB; nhận {', '.join(sorted(e[1:] for e in ALLOWED))}"


def display_name(name: str) -> str:
    """The uploader's file name without any path, control characters or odd marks."""
    base = re.split(r"[\\/]", name.strip())[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(base) <= MAX_NAME:
        return base
    stem, dot, suffix = base.rpartition(".")
    if not dot or len(suffix) > 10:
        return base[:MAX_NAME]
    return f"{stem[: MAX_NAME - len(suffix) - 2]}….{suffix}"  # shortened, keeping what kind of file it is


def check(name: str, data: bytes) -> tuple[str, str]:
    """Return (clean name, content type) or raise `EvidenceError`."""
    clean = display_name(name)
    suffix = ("." + clean.rsplit(".", 1)[-1].lower()) if "." in clean else ""
    if not clean or suffix not in ALLOWED:
        raise EvidenceError(f"Tệp '{clean or name}' không thuộc loại được nhận ({LIMITS_TEXT})")
    if len(data) == 0:
        raise EvidenceError(f"Tệp '{clean}' rỗng")
    if len(data) > MAX_BYTES:
        raise EvidenceError(f"Tệp '{clean}' quá lớn ({len(data) / 1024 / 1024:.1f} MB; {LIMITS_TEXT})")
    content_type, magic = ALLOWED[suffix]
    if not data.startswith(magic):
        raise EvidenceError(f"Nội dung tệp '{clean}' không phải {suffix[1:]} như tên tệp")
    return clean, content_type


def stored_name(clean: str) -> str:
    """A collision-free, path-safe name on disk that still shows what the file was."""
    stem = re.sub(r"[^\w.\-]+", "_", clean, flags=re.UNICODE).strip("._") or "tep"
    return f"{uuid.uuid4().hex[:12]}_{stem[-100:]}"
