"""Files people upload in the browser: filled templates, score tables and survey responses.

The same functions as `cchc import` and `cchc survey import` (a file with any problem stores
nothing), with the page's scope: an upload in a unit's page writes that unit and stage only.
The upload is written to a temporary folder inside the data directory only for the time of
the check, under the name the person gave it, so messages name their file (never the folder).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cchc_widgets.core.errors import CchcError, ProblemsError
from cchc_widgets.core.text import clean_text
from cchc_widgets.services.access import Actor
from cchc_widgets.services.writes import Scope
from cchc_widgets.store.config import data_dir
from cchc_widgets.store.database import Store

SUFFIXES = (".xlsx", ".csv")


@dataclass(frozen=True)
class UploadReport:
    ok: bool
    message: str  # one sentence: what was stored, or that nothing was
    problems: tuple[str, ...] = ()  # every problem, with sheet · cell · code


def scores_upload(store: Store, name: str, data: bytes, author: str, scope: Scope, actor: Actor | None = None) -> UploadReport:
    """A filled template or a plain long/wide table, for the page's unit, period and stage only."""

    def run(path: Path) -> str:
        from cchc_widgets.services.imports import import_any  # openpyxl with it: not in a kernel that uploads nothing

        done = import_any(store, path, scope.period, stage=scope.stage, author=author, unit=scope.unit, actor=actor)
        return f"Đã nhập '{path.name}': {done.unit}, kỳ {done.period}, {done.rows} tiêu chí thay đổi."

    return _checked(name, data, author, run, actor)


def survey_upload(store: Store, name: str, data: bytes, author: str, scope: Scope, actor: Actor | None = None) -> UploadReport:
    """Survey responses (one row per respondent × item) for the page's period (every unit)."""
    period = scope.period

    def run(path: Path) -> str:
        from cchc_widgets.services.imports import import_responses  # openpyxl with it, when a file comes

        responses, done = import_responses(store, path, period, author, actor=actor)
        return (
            f"Đã nhập phiếu khảo sát '{path.name}' cho kỳ {period}: {done.inserted} câu trả lời mới, "
            f"{done.updated} sửa, {done.unchanged} không đổi ({responses['unit'].nunique()} đơn vị)."
        )

    return _checked(name, data, author, run, actor)


def _checked(name: str, data: bytes, author: str, run: Callable[[Path], str], actor: Actor | None) -> UploadReport:
    filename = Path(clean_text(name or "").replace("\\", "/")).name
    author = clean_text(author or "")
    if not author and actor is None:
        return UploadReport(False, "Nhập họ tên người chấm (ô “Người chấm”) trước khi tải tệp lên: tên được ghi vào nhật ký.")
    if Path(filename).suffix.lower() not in SUFFIXES:
        return UploadReport(False, f"Tệp '{filename}' không được nhận: chỉ nhận tệp Excel .xlsx hoặc bảng .csv.")
    with uploaded_copy(filename, data) as path:
        try:
            return UploadReport(True, run(path))
        except ProblemsError as exc:
            lines = tuple(exc.lines())
            return UploadReport(False, f"Tệp '{filename}' bị từ chối, không lưu gì ({len(exc.problems)} lỗi):", lines)
        except CchcError as exc:
            return UploadReport(False, f"Tệp '{filename}' bị từ chối, không lưu gì:", (str(exc),))


@contextmanager
def uploaded_copy(name: str, data: bytes) -> Iterator[Path]:
    """An uploaded file under the name the person gave it (its folder part dropped), in a
    temporary folder of the data directory removed once it has been read."""
    filename = Path(clean_text(name or "").replace("\\", "/")).name
    folder = data_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / filename
        path.write_bytes(data)
        yield path
