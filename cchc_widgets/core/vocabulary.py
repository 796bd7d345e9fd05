"""The words of the index, once: yes/no/N-A answers, stage names and labels.

Python checks input against these sets and the page receives them in the widget state, so
a word accepted in a file is accepted in the form and shown the same everywhere.
"""

from __future__ import annotations

import re
from typing import Any

from cchc_widgets.core.text import clean_text, folded

YES, NO, NOT_APPLICABLE = "Có", "Không", "Không áp dụng"
YES_WORDS = frozenset({"có", "co", "yes", "y", "x", "true", "1", "đạt", "dat"})
NO_WORDS = frozenset({"không", "khong", "no", "n", "false", "0", "không đạt", "khong dat"})
NA_WORDS = frozenset({"na", "n/a", "kad", "không áp dụng", "khong ap dung", "not applicable"})
NA_MARK = "x"  # what the template's N/A column takes

SELF, APPRAISAL, SURVEY = "self", "appraisal", "survey"
STAGES = (SELF, APPRAISAL)
STAGE_LABELS = {SELF: "Tự đánh giá", APPRAISAL: "Thẩm định"}
REPLY = "reply"  # the unit's reply to its published appraisal (giải trình): a window, not a scoring stage
WINDOW_LABELS = {**STAGE_LABELS, REPLY: "Giải trình"}
STAGE_ALIASES = {
    "self": SELF,
    "tự đánh giá": SELF,
    "tu danh gia": SELF,
    "tđg": SELF,
    "appraisal": APPRAISAL,
    "thẩm định": APPRAISAL,
    "tham dinh": APPRAISAL,
    "tđ": APPRAISAL,
}


def is_yes(text: object) -> bool:
    return isinstance(text, str) and folded(text) in YES_WORDS


def is_no(text: object) -> bool:
    return isinstance(text, str) and folded(text) in NO_WORDS


def stage_of(text: object) -> str | None:
    """`self` or `appraisal` for any of the names people write, else None."""
    return STAGE_ALIASES.get(folded(str(text))) if text is not None else None


def page_words() -> dict[str, object]:
    """What the scoring page needs of this vocabulary (sent in the widget state)."""
    return {"yes": YES, "no": NO, "na": NOT_APPLICABLE, "stages": STAGE_LABELS}


# a sub-criterion whose self-assessment and appraisal differ while the appraisal gives no reason
# (the self-assessment changed after an agreeing appraisal): `cchc differences` and the appraiser's page
UNREASONED = "khác, chưa có lý do"
DIFFERENCE_STATES = {"agrees": "giống", "differs": "khác", "unreasoned": UNREASONED}
UNSCORED = "chưa có điểm"  # a listed unit no score was given for: shown, never dropped, never ranked

# who does what in a province's year (services.access decides what each may write)
ROLES = {
    "admin": "Quản trị (Sở Nội vụ)",
    "appraiser": "Thẩm định viên",
    "unit": "Cán bộ đơn vị",
    "reader": "Người xem kết quả",
}

# what the change log calls each thing done, by the code the store keeps: the one table every
# log (command line, pages, downloads) names actions by, and the words a person filters it by.
# A code «import:file.xlsx» or «survey:file.csv» is named by its head, the file kept beside it.
ACTION_NAMES = {
    "form": "Chấm trên trang",
    "import": "Nhập từ tệp",
    "frame": "Nhập từ bảng dữ liệu (Python)",
    "demo": "Nạp dữ liệu mẫu",
    "clear": "Xoá",
    "reply": "Giải trình",
    "survey": "Nhập phiếu khảo sát",
    "evidence": "Tải tài liệu kiểm chứng lên",
    "evidence-removed": "Gỡ tài liệu kiểm chứng",
    "sign-in": "Đăng nhập",
    "sign-in-failed": "Đăng nhập không thành công",
    "sign-in-unlocked": "Mở khoá đăng nhập",
    "account": "Lưu tài khoản",
    "account-removed": "Gỡ tài khoản",
    "refused": "Bị từ chối",
    "stage-open": "Mở giai đoạn",
    "stage-closed": "Đóng giai đoạn",
    "submit": "Nộp tự đánh giá",
    "reopen": "Mở lại bản tự đánh giá đã nộp",
    "reopen-period": "Mở lại kỳ đã chốt",  # shown for a «reopen» row without a unit (`services.audit`)
    "finalise": "Chốt kết quả",
}


def action_name(code: str) -> str:
    """What a person reads for a logged action code: «Nhập từ tệp (bang.xlsx)» for
    «import:bang.xlsx»; a code this table does not know is shown as it is, never hidden."""
    head, _, detail = code.partition(":")
    name = ACTION_NAMES.get(head)
    if name is None:
        return code
    return f"{name} ({detail})" if detail else name


# the blocks of units a province assesses, each on its own criteria set and ranked within itself
# (a units table's `block`/`khối` column); any other block is shown as given
BLOCK_LABELS = {"so": "Sở, ban, ngành", "huyen": "UBND cấp huyện", "xa": "UBND cấp xã"}


def block_label(block: str) -> str:
    """How a page or a table names a block: its Vietnamese label, or the block as given."""
    return BLOCK_LABELS.get(block, block)


def set_qualifier(cs: Any) -> str:
    """A set that is not the province's published annex (`reference_allocation`) in a few
    words: the qualifier its name ends with, as the set says it («bộ tiêu chí minh họa»,
    «phân bổ điểm tham khảo»), else what the flag means; "" for a published annex. The scoring
    form's badge and every heading of a block say it so (`block_heading`)."""
    if not cs.meta.get("reference_allocation"):
        return ""
    said = re.search(r"\(([^()]+)\)\s*$", cs.name)
    return said.group(1).strip() if said else "phân bổ điểm tham khảo"


def block_heading(block: str, cs: Any) -> str:
    """A block as a heading names it, with what its set is when it is not the published annex:
    «khối UBND cấp huyện (bộ tiêu chí minh họa)» — the workbook's and the report's annexes and the
    command line's titles, so an illustrative set is never shown as the province's."""
    qualifier = set_qualifier(cs)
    return f"khối {block_label(block)}" + (f" ({qualifier})" if qualifier else "")


def unknown_block(block: str) -> str | None:
    """The refusal of a unit (or a set) put in a block of no known name (`BLOCK_LABELS`); None for a known
    block or none. A block is where a unit is ranked and what every page, annex and heading
    names it by: a typo («huyne») would open a third block, ranking its units alone under a
    bare id, and a name the code does not know («phuong») would be printed as given in the
    decision's annexes — so it is refused, with the blocks there are (wards and communes are
    one block, `xa`). A units table names a block by its id only; it has no place to give a
    new block its name."""
    if not block or block in BLOCK_LABELS:
        return None
    known = ", ".join(f"'{b}' ({label})" for b, label in BLOCK_LABELS.items())
    return f"khối '{block}' không có trong các khối đã biết: {known}"


def foreign_code(unit: str, block: str, code: str, set_id: str) -> str:
    """The refusal of a unit's row whose code is not in its block's set: the unit, its block
    and the code named (a code alone does not say which set it was looked for in) — a save, an
    import and `cchc score` say it in these words."""
    return f"đơn vị '{unit}' thuộc khối {block_label(block)}: mã '{code}' không có trong bộ tiêu chí '{set_id}' của khối này"


def other_block(cs: Any, block: str) -> str | None:
    """The refusal of a criteria set given for a block other than the one it declares
    (`block:` in YAML, `# khối:` in a flat CSV); None when it declares none or that one. The
    store, `cchc period add` and the admin page's form say it in these words."""
    declared = str(cs.meta.get("block") or "")
    if not declared or declared == block:
        return None
    return f"bộ tiêu chí '{cs.id}' dành cho khối '{block_label(declared)}', không dùng cho khối '{block_label(block)}'"


def block_without_set(cs: Any, block: str) -> str | None:
    """The refusal of units of `block` left to a set of another block (`other_block`): one set
    given for a period, or to `cchc score`, whose units table names a block the set is not
    for — the departments' set does not score districts. None when the set declares no block
    (one set for every unit) or this one, or the units name none."""
    said = other_block(cs, block) if block else None
    return f"đơn vị thuộc khối '{block}' chưa có bộ tiêu chí của khối mình: {said}" if said else None


def annex_number(number: int) -> str:
    """A decision's annex number as it is written, «I», «II» …: each block of units is one
    annex of the report and of the results workbook."""
    return ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")[number - 1]


def block_order(block: str) -> tuple[int, str]:
    """Where a block comes in a period's list: the known blocks first in the decision's order
    (departments, districts, communes), then the others by name; "" (no block) first of all."""
    known = ("", *BLOCK_LABELS)
    return (known.index(block), "") if block in known else (len(known), block)


# what the columns of result tables are called where people read them (the report, the CLI's
# tables on screen and the files its --out writes); `--machine-headings` keeps the column ids
# for other programs
HEADINGS = {
    "period": "Kỳ",
    "unit": "Mã đơn vị",
    "name": "Đơn vị",
    "group": "Nhóm",
    "block": "Khối",
    "code": "Mã",
    "survey": "Điểm khảo sát",
    "bonus": "Điểm thưởng",
    "penalty": "Điểm trừ",
    "total": "Tổng điểm",
    "max": "Điểm tối đa",
    "index": "Chỉ số (%)",
    "rank": "Hạng",
    "group_rank": "Hạng trong nhóm",
    "class": "Xếp loại",
    "points_self": "Tự đánh giá",
    "points_appraisal": "Thẩm định",
    "diff": "Chênh lệch",
    "reason": "Lý do",
    "status": "Tình trạng",
    # a what-if beside the baseline (`cchc whatif`, `cchc compare`)
    "total_base": "Điểm gốc",
    "index_base": "Chỉ số gốc",
    "rank_base": "Hạng gốc",
    "class_base": "Xếp loại gốc",
    "total_alt": "Điểm mới",
    "index_alt": "Chỉ số mới",
    "rank_alt": "Hạng mới",
    "class_alt": "Xếp loại mới",
    "delta_rank": "Đổi hạng",
    "class_changed": "Đổi xếp loại",
    # ranks under random weights (`cchc sensitivity`)
    "median_rank": "Hạng trung vị",
    "q05": "Hạng tốt (5%)",
    "q95": "Hạng kém (95%)",
    "mean_abs_shift": "Lệch hạng TB",
}
# the shorter headings a terminal table takes where the long ones would not fit 120 columns
SHORT_HEADINGS = {"survey": "Khảo sát", "group_rank": "Hạng nhóm", "index": "Chỉ số", "total": "Tổng"}

# the columns a published table prints beside the points (the engine's results): a score table
# may carry them, and they are compared with what the engine computes, never scored
PRINTED = ("index", "rank", "group_rank", "class", "max", "survey", "bonus", "penalty")
PRINTED_HEADERS = {
    **{column: column for column in PRINTED},
    **{folded(HEADINGS[column]): column for column in PRINTED},
    "chỉ số": "index",
    "thứ hạng": "rank",
    "vị thứ": "rank",
    "xếp hạng": "rank",
}


# the other headings a score table may carry, as our own tables write them (`HEADINGS`) and as
# provinces print them: what cchc writes, cchc reads
INPUT_HEADERS = {
    **{folded(HEADINGS[column]): column for column in ("period", "unit", "name", "group", "code", "total")},
    "tên đơn vị": "name",
    "cơ quan, đơn vị": "name",
    "tổng": "total",
    "tổng cộng": "total",
    "giai đoạn": "stage",
    "điểm": "points",
    "giá trị": "value",
    "giá trị kê khai": "value",
    "ghi chú": "note",
    "lý do": "note",
    "stt": "row_number",
    "tt": "row_number",
    "số tt": "row_number",
    "số thứ tự": "row_number",
}


def input_column(header: str) -> str | None:
    """The id of a score table's column given under a heading (`Tổng điểm` → total, `Mã đơn
    vị` → unit, `Hạng` → rank, `STT` → row_number), None for any other (a criterion's code)."""
    return printed_column(header) or INPUT_HEADERS.get(folded(header))


def printed_column(header: str) -> str | None:
    """The result a published table's column prints (`index`, `rank`, `group_rank`, `class`),
    by its English id or Vietnamese heading (`Hạng`, `vị thứ`, `Xếp loại`, `Chỉ số (%)`)."""
    return PRINTED_HEADERS.get(folded(header))


# a criterion's column headed as a province prints it: «1: Participation at Local Levels», «1. Công
# tác chỉ đạo, điều hành», «Tiêu chí 1.1 – Kế hoạch CCHC»: a code, `:`, `.`, a dash, then the title;
# «Tiêu chí 1.1»: the word and the code alone; «1.1 Kế hoạch»: the code, a space, the title in words
_HEADING_WORDS = ("tiêu chí thành phần", "chỉ số thành phần", "tiêu chí", "lĩnh vực", "nội dung", "mục", "criterion", "dimension")
_WORD = rf"(?:(?:{'|'.join(_HEADING_WORDS)})\s+)"
_HEADING = re.compile(rf"^{_WORD}?(?P<code>[^\s:–—]+?)(?:\s*[:–—]\s*|\.\s+|\s+-\s+)\S", re.IGNORECASE)
_WORD_AND_CODE = re.compile(rf"^{_WORD}(?P<code>[^\s:–—]+?)\.?$", re.IGNORECASE)
_CODE_AND_WORDS = re.compile(rf"^{_WORD}?(?P<code>[^\s:–—]+)\s+(?=[^\W\d_])", re.IGNORECASE)
# the shapes a criterion's column may be headed with, said when a heading is none of them
HEADING_FORMS = "mã ('{c}') hoặc mã và tên ('{c}: Tên', '{c}. Tên', '{c} – Tên', '{c} Tên', 'Tiêu chí {c}')"


def heading_code(header: str, words: bool = False) -> str | None:
    """The criterion code a column's heading begins with, before `:`, `.` or a dash and the
    title (`1.1: Civic Knowledge` → 1.1, `Tiêu chí 1.1 – Kế hoạch` → 1.1), or after a heading
    word alone (`Tiêu chí 1.1`); with `words`, also before a space and a title in words (`1.1 Kế
    hoạch`), a shape any heading of words has (`Ghi chú chung`), so only for a code the caller
    knows. None for a heading of another shape. The caller takes it only when its set has the code."""
    text = clean_text(header)
    shapes = (_HEADING, _WORD_AND_CODE, _CODE_AND_WORDS) if words else (_HEADING, _WORD_AND_CODE)
    found = next((m for shape in shapes if (m := shape.match(text))), None)
    return None if found is None else found.group("code")
