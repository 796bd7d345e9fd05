"""The official form of what a province publishes, as data: who issues it, under whom, where,
its number, and who signs.

Why a file: every published decision and its annex carry the national heading, the issuing
body and its superior, the number and symbol, the place and date, and the signer's title and
name (Nghị định 30/2020/NĐ-CP on administrative document format). These differ by province
and change with people, so they live in one settings file a province edits — the annual
report, the printed scoring sheet and the results workbook's cover all read it — instead of
in code. The default (`data/van-ban.yaml`) is the demo's Điện Biên, a template to edit;
`CCHC_DOCUMENT` names another file.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.text import clean_text
from cchc_widgets.resources import resource

DOCUMENT_VARIABLE = "CCHC_DOCUMENT"
DEFAULT_DOCUMENT = "data/van-ban.yaml"
# the law's words (Nghị định 30/2020/NĐ-CP, Phụ lục I): a file may repeat them, never change them
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
KINDS = {"bao_cao": "báo cáo", "phieu": "phiếu chấm điểm", "so_ket_qua": "sổ kết quả"}
REQUIRED = ("co_quan", "dia_danh")  # co_quan_chu_quan: none for a body with no superior (the UBND tỉnh)
# what a number shows before the clerk gives one: room to write it by hand
UNNUMBERED = "\u00a0" * 6
# Nghị định 30/2020/NĐ-CP, Phụ lục I, II.3.b: a document with a type name carries «type-ISSUER»
# (QĐ-UBND, BC-SNV); a công văn «ISSUER-DRAFTING UNIT» (SNV-CCHC); so the issuing body's own
# letters stand first or second, and a symbol naming another body is another body's document
SYMBOL_PARTS = 2


@dataclass(frozen=True)
class Signer:
    title: str  # chức vụ: PHÓ GIÁM ĐỐC
    name: str  # họ tên
    authority: str = ""  # quyền hạn: KT. GIÁM ĐỐC, TM. …, or nothing when the head signs


@dataclass(frozen=True)
class OfficialForm:
    """The parts of Nghị định 30's form a document of this province carries."""

    superior: str
    agency: str
    place: str
    numbers: dict[str, str]  # kind -> pattern with {so}
    signer: Signer
    recipients: tuple[str, ...] = ()
    national_name: str = NATIONAL_NAME
    motto: str = MOTTO
    source: str = ""

    def number(self, kind: str, so: str | int | None = None) -> str:
        """«Số: …» of a document kind, the number left blank for the clerk unless given."""
        pattern = self.numbers.get(kind, "{so}")
        return "Số: " + pattern.replace("{so}", UNNUMBERED if so in (None, "") else str(so))

    def dated(self, day: date) -> str:
        """«Điện Biên, ngày 07 tháng 02 năm 2027»: days below 10 and months below 3 take a
        leading zero, as Nghị định 30 writes them."""
        month = f"{day.month:02d}" if day.month < 3 else str(day.month)
        return f"{self.place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _folded(text: str) -> str:
    """Letters as a symbol writes them, marks aside: «ĐIỆN» → «DIEN», «QĐ» → «QD»."""
    bare = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in bare if not unicodedata.combining(c)).upper()


def _stands_for(letters: str, words: list[str]) -> bool:
    """Whether `letters` abbreviate the first words of a body's name, each word giving its
    initial or itself whole (UBND), «và» skipped: SNV ← SỞ NỘI VỤ, UBND ← UBND TỈNH ĐIỆN BIÊN
    or ỦY BAN NHÂN DÂN TỈNH, SKHĐT ← SỞ KẾ HOẠCH VÀ ĐẦU TƯ."""
    if not letters:
        return True
    if not words:
        return False
    word, rest = words[0], words[1:]
    return (
        (len(word) > 1 and letters.startswith(word) and _stands_for(letters[len(word) :], rest))
        or (letters[0] == word[0] and _stands_for(letters[1:], rest))
        or (word == "VA" and _stands_for(letters, rest))
    )


def symbol_issuer_agrees(pattern: str, agency: str) -> bool:
    """Whether a number pattern's symbol names the body that heads the document: the part
    after «/» is «type-ISSUER» or «ISSUER-drafting unit» (`SYMBOL_PARTS`), so the issuing
    body's letters stand first or second. «{so}/QĐ-UBND» under «SỞ NỘI VỤ» does not agree:
    a decision of the UBND tỉnh is headed by the UBND tỉnh."""
    if "/" not in pattern:
        return True  # no symbol to check: only a number
    parts = [_folded(p) for p in pattern.split("/", 1)[1].split("-")[:SYMBOL_PARTS]]
    words = [w for w in _folded(agency).split() if w.isalnum()]
    return any(part and _stands_for(part, words) for part in parts)


def _text(doc: dict[str, Any], key: str, where: str, problems: list[Problem]) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not clean_text(value):
        problems.append(Problem(where, f"thiếu '{key}' (chữ, không để trống)"))
        return ""
    return clean_text(value)


def document_path() -> Path:
    """The settings file in use: `CCHC_DOCUMENT`, else the shipped template."""
    named = os.environ.get(DOCUMENT_VARIABLE)
    return Path(named) if named else resource(DEFAULT_DOCUMENT)


def load_official_form(path: Path | None = None) -> OfficialForm:
    """The province's document settings, or every problem in Vietnamese (a missing file, broken
    YAML, a missing field, a national heading that differs from the law's)."""
    path = path or document_path()
    where = f"tệp văn bản {path}"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProblemsError(
            [Problem(where, f"không có tệp: tạo từ mẫu {DEFAULT_DOCUMENT} hoặc đặt {DOCUMENT_VARIABLE} trỏ tới tệp của tỉnh")]
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        at = f" (dòng {line + 1})" if line is not None else ""
        raise ProblemsError([Problem(where, f"không đọc được tệp YAML{at}: sửa theo mẫu {DEFAULT_DOCUMENT}")]) from None
    if not isinstance(doc, dict):
        raise ProblemsError([Problem(where, f"tệp phải là các mục 'khóa: giá trị' như mẫu {DEFAULT_DOCUMENT}")])
    problems: list[Problem] = []
    agency, place = (_text(doc, key, where, problems) for key in REQUIRED)
    superior = clean_text(str(doc.get("co_quan_chu_quan") or ""))
    for key, law in (("quoc_hieu", NATIONAL_NAME), ("tieu_ngu", MOTTO)):
        if key in doc and clean_text(str(doc[key])) != law:
            problems.append(Problem(where, f"'{key}' phải viết đúng như Nghị định 30/2020/NĐ-CP: «{law}»"))
    numbers = doc.get("so_ky_hieu") or {}
    if not isinstance(numbers, dict) or not all(isinstance(v, str) and "{so}" in v for v in numbers.values()):
        problems.append(Problem(where, "'so_ky_hieu': mỗi loại văn bản một mẫu có {so}, ví dụ \"{so}/BC-SNV\""))
        numbers = {}
    for kind, pattern in numbers.items() if agency else ():
        if kind in KINDS and not symbol_issuer_agrees(pattern, agency):
            problems.append(
                Problem(
                    where,
                    f"'so_ky_hieu' → '{kind}': ký hiệu «{pattern}» không phải của {agency}, cơ quan đứng tên ở góc trái "
                    f"({KINDS[kind]} do {agency} ban hành mang ký hiệu của {agency}, ví dụ \"{{so}}/BC-…\"; văn bản "
                    "ký hiệu QĐ-UBND là quyết định của UBND tỉnh, đứng tên UBND tỉnh)",
                )
            )
    signer_doc = doc.get("nguoi_ky")
    signer = Signer("", "")
    if not isinstance(signer_doc, dict):
        problems.append(Problem(where, "thiếu 'nguoi_ky' (chuc_vu, ho_ten)"))
    else:
        title, name = _text(signer_doc, "chuc_vu", where, problems), _text(signer_doc, "ho_ten", where, problems)
        signer = Signer(title, name, clean_text(str(signer_doc.get("quyen_han") or "")))
    recipients = doc.get("noi_nhan") or []
    if not isinstance(recipients, list):
        problems.append(Problem(where, "'noi_nhan' là một danh sách"))
        recipients = []
    # «- Lưu: VT, CCHC» unquoted is YAML for {Lưu: VT, CCHC}: the line as the clerk wrote it
    recipients = [f"{next(iter(r))}: {next(iter(r.values()))}" if isinstance(r, dict) and len(r) == 1 else r for r in recipients]
    if not all(isinstance(r, str | int | float) for r in recipients):
        problems.append(Problem(where, "'noi_nhan': mỗi dòng một nơi nhận (chữ), ví dụ \"Lưu: VT, CCHC\""))
        recipients = []
    if problems:
        raise ProblemsError(problems)
    return OfficialForm(
        superior,
        agency,
        place,
        {k: clean_text(v) for k, v in numbers.items() if k in KINDS},
        signer,
        tuple(clean_text(str(r)) for r in recipients),
        source=str(path),
    )
