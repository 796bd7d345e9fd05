"""The settings of a flat criteria table: what a YAML set says beside its tree, said in
`key: value` lines above a CSV's header (`# làm tròn: 2`, `# xếp loại: Xuất sắc=90; Tốt=80`)
or in an xlsx's sheet `settings` or `Cài đặt` (two columns: key, value; a first row of
headings such as `cài đặt | giá trị` is recognised, any other first row is a setting).

An analyst types the Vietnamese words, a designer who learnt on the YAML the English keys:
both are read, and a line whose key is neither is refused with the keys that are known — a
setting that silently does nothing (`# rounding: 2` rounding nothing) is worse than a refusal.
A `#` line without a colon is a comment; free text goes in `# ghi chú: …` (the set's note).
Values are read into the YAML document's shape, so the JSON Schema and the set's own checks
judge them the same way whichever form they came in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cchc_widgets.core.criteria_model import DEFAULT_DECIMALS  # what `rank_on` alone rounds to
from cchc_widgets.core.errors import Problem, RuleInputError
from cchc_widgets.core.numbers import parse_decimal
from cchc_widgets.core.text import folded
from cchc_widgets.core.vocabulary import is_no, is_yes

SETTINGS_SHEET = "settings"
SETTINGS_SHEETS = (SETTINGS_SHEET, "cài đặt")
# the headings a settings sheet's first row may carry (`cài đặt | giá trị`, `key | value`): no setting's key or value
HEADER_KEYS = frozenset({"key", "setting", "settings", "khóa", "khoá", "cài đặt", "tham số", "tên cài đặt"})
HEADER_VALUES = frozenset({"value", "giá trị"})


def is_settings_header(key: str, value: str) -> bool:
    """Whether a settings sheet's first row heads its columns (`cài đặt | giá trị`, `key |
    value`, `Tham số | Giá trị`) rather than says a setting: a sheet without one starts with
    its first setting (`làm tròn | 3`), which is read and checked like every other."""
    return folded(key) in HEADER_KEYS or folded(value) in HEADER_VALUES


def _text(value: str) -> str:
    if not value:
        raise RuleInputError("cần một giá trị")
    return value


def _number(value: str) -> float:
    return parse_decimal(value, "giá trị")


def _flag(value: str) -> bool:
    if is_yes(value):
        return True
    if is_no(value):
        return False
    raise RuleInputError(f"cần có hoặc không; đang là '{value}'")


def _decimals(value: str) -> int:
    number = parse_decimal(value, "số chữ số thập phân")
    if not number.is_integer():
        raise RuleInputError(f"số chữ số thập phân phải là số nguyên; đang là '{value}'")
    return int(number)


RANK_ON = {
    "rounded": "rounded",
    "làm tròn": "rounded",
    "đã làm tròn": "rounded",
    "chỉ số làm tròn": "rounded",
    "unrounded": "unrounded",
    "exact": "unrounded",
    "chưa làm tròn": "unrounded",
    "không làm tròn": "unrounded",
    "chính xác": "unrounded",
}
WITHOUT_ANSWERS = {
    "rescale": "rescale",
    "tính lại": "rescale",
    "bỏ khỏi điểm tối đa": "rescale",
    "zero": "zero",
    "0": "zero",
    "không điểm": "zero",
    "tính 0": "zero",
}
NO_CAP = {"none", "null", "không", "không giới hạn", "không có"}


def _word(words: dict[str, str]) -> Callable[[str], str]:
    def read(value: str) -> str:
        if folded(value) not in words:
            raise RuleInputError(f"cần một trong: {', '.join(dict.fromkeys(words))}; đang là '{value}'")
        return words[folded(value)]

    return read


def _cap(value: str) -> float | None:
    return None if folded(value) in NO_CAP else _number(value)


class _Partly(RuleInputError):
    """A list value with some parts unreadable: the readable ones still go on to be checked
    (`Tốt=80; Xuất sắc=90; Khá` also has its order refused), every problem at once."""

    def __init__(self, message: str, value: list[Any]) -> None:
        super().__init__(message)
        self.value = value


def _pairs(value: str, example: str, shape: str = "tên=số") -> list[tuple[str, str]]:
    """`A=1; B=2` as (label, value) pairs, in order."""
    out, bad = [], []
    for part in (p.strip() for p in value.split(";") if p.strip()):
        label, eq, number = part.rpartition("=")
        if not eq or not label.strip():
            bad.append(f"'{part}' phải có dạng {shape}, ví dụ {example}")
        else:
            out.append((label.strip(), number.strip()))
    if bad:
        raise _Partly("; ".join(bad), out)
    if not out:
        raise RuleInputError(f"cần ít nhất một mục, ví dụ {example}")
    return out


def _classes(value: str) -> list[dict[str, Any]]:
    try:
        pairs = _pairs(value, "Tốt=80", "tên=ngưỡng")
    except _Partly as exc:
        raise _Partly(str(exc), _bands(exc.value)) from None
    return _bands(pairs)


def _bands(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"label": label, "min": parse_decimal(n, "ngưỡng xếp loại")} for label, n in pairs]


def _answers(value: str) -> dict[str, float]:
    return {label: parse_decimal(n, "tỷ lệ điểm của câu trả lời") for label, n in _pairs(value, "A=100; B=60; C=20; D=0")}


def _groups(value: str) -> list[dict[str, Any]]:
    out = []
    for label, n in _pairs(value, "LD Lãnh đạo các sở=2"):
        gid, _, name = label.partition(" ")
        if not name.strip():
            raise RuleInputError(f"nhóm '{label}' cần mã và tên, ví dụ LD Lãnh đạo các sở=2")
        out.append({"id": gid, "name": name.strip(), "weight": parse_decimal(n, "trọng số nhóm")})
    return out


# (the YAML key it sets, how its value is read, the words people write for it: English first)
SETTINGS: tuple[tuple[str, Callable[[str], Any], tuple[str, ...]], ...] = (
    ("id", _text, ("id", "mã bộ")),
    ("name", _text, ("name", "tên", "tên bộ")),
    ("version", _text, ("version", "phiên bản")),
    ("province", _text, ("province", "tỉnh")),
    ("block", _text, ("block", "khối")),  # the block of units the set is for (so, huyen …)
    ("note", _text, ("note", "ghi chú")),
    ("reference_allocation", _flag, ("reference allocation", "phân bổ tham khảo")),
    ("total_points", _number, ("total points", "tổng điểm")),
    ("rounding", _decimals, ("rounding", "làm tròn")),
    ("rank_on", _word(RANK_ON), ("rank on", "xếp hạng theo")),
    ("classes", _classes, ("classes", "xếp loại")),
    ("index_cap", _cap, ("index cap", "trần chỉ số")),
    ("overall_rank", _flag, ("overall rank", "xếp hạng chung")),
    ("na_label", _text, ("na label", "nhãn không áp dụng")),
    ("explain_missing_evidence", _flag, ("explain missing evidence", "giải trình thiếu tài liệu")),
    ("survey.answers", _answers, ("survey answers", "đáp án khảo sát")),
    ("survey.within_total", _flag, ("survey within total", "khảo sát trong tổng")),
    ("survey.without_answers", _word(WITHOUT_ANSWERS), ("survey without answers", "câu khảo sát chưa trả lời")),
    ("survey.groups", _groups, ("survey groups", "nhóm khảo sát")),
)
FREE_TEXT = "lời ghi chú tự do viết '# ghi chú: …' hoặc không có dấu ':'"
KEYS = {word: (key, read) for key, read, words in SETTINGS for word in words}


def known_keys() -> str:
    """The keys a settings line may use, each Vietnamese word with its English one."""
    return "; ".join(f"{words[-1]} ({words[0].replace(' ', '_')})" for _key, _read, words in SETTINGS)


def preamble_settings(preamble: Iterable[str]) -> list[tuple[str, str, str]]:
    """(key, value, where) of a CSV's `# key: value` lines (the lines above the header, in
    order from the first line); a `#` line without a colon is a comment."""
    out = []
    for number, line in enumerate(preamble, start=1):
        key, colon, value = line.partition(":")
        if colon:
            out.append((key, value, f"dòng {number}"))
    return out


def read_settings(lines: Iterable[tuple[str, str, str]], file: str) -> tuple[dict[str, Any], dict[str, str], list[Problem]]:
    """The YAML document's keys a flat table's settings give (`rounding`, `classes`, `survey`
    without its items …), where each was said (for messages), and the problems: a key that is
    not known, one said twice, a value that does not read."""
    meta: dict[str, Any] = {}
    wheres: dict[str, str] = {}
    problems: list[Problem] = []
    for said, value, where in lines:
        word = " ".join(folded(said).replace("_", " ").split())
        if word not in KEYS:
            message = f"không biết cài đặt '{said.strip()}'; các cài đặt có: {known_keys()}; {FREE_TEXT}"
            problems.append(Problem(file, message, where=where))
            continue
        key, read = KEYS[word]
        if key in wheres:
            problems.append(Problem(file, f"cài đặt '{said.strip()}' đã khai báo ở {wheres[key]}", where=where))
            continue
        wheres[key] = where
        try:
            meta[key] = read(value.strip())
        except RuleInputError as exc:
            problems.append(Problem(file, f"{said.strip()}: {exc}", where=where))
            if isinstance(exc, _Partly):
                meta[key] = exc.value
    rank_on = meta.pop("rank_on", None)
    if "rounding" in meta or rank_on is not None:
        meta["rounding"] = {"decimals": meta.pop("rounding", DEFAULT_DECIMALS)}
        if rank_on is not None:
            meta["rounding"]["rank_on"] = rank_on
            wheres.setdefault("rounding", wheres["rank_on"])
    survey = {key.split(".", 1)[1]: meta.pop(key) for key in list(meta) if key.startswith("survey.")}
    if survey:
        meta["survey"] = survey
        wheres["survey"] = next(wheres[k] for k in wheres if k.startswith("survey."))
    return meta, wheres, problems
