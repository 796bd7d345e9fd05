"""The criteria set: an immutable tree of codes, names, maxima and leaf rules.

A set is read from YAML (nested, validated against `criteria/criteria.schema.json`) or
from a flat table (CSV/xlsx with `code, parent, name, max_points`). Both paths end in the
same semantic checks, so a methodology designer gets the same plain-words report either
way, with every problem in the file listed at once.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from cchc_widgets.core.errors import Problem, ProblemsError

if TYPE_CHECKING:  # jsonschema is imported when a document is checked: it costs seconds to import
    import jsonschema
from cchc_widgets.core.numbers import format_number, parse_decimal, show_number
from cchc_widgets.core.rules import FREE_POINTS, Rule, RuleInputError, rule_from_dict, stored_answer
from cchc_widgets.core.tables import read_table, sheet_names
from cchc_widgets.core.text import each_text, folded, plain
from cchc_widgets.core.vocabulary import HEADINGS, NO, NOT_APPLICABLE, YES, is_no, is_yes
from cchc_widgets.resources import SCHEMA_PATH, resource

DEFAULT_SURVEY_ANSWERS = {"A": 100.0, "B": 60.0, "C": 20.0, "D": 0.0}
DEFAULT_DECIMALS = 2  # published figures when the set has no `rounding`
DEFAULT_NA_LABEL = "KAD"  # không áp dụng, as provincial tables write it


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    max_points: float
    parent: str | None
    level: int
    children: tuple[str, ...] = ()
    rule: Rule = FREE_POINTS
    has_rule: bool = False
    evidence: str = ""
    allow_na: bool = False
    kind: str = ""  # "" for the tree; "bonus" or "penalty" for an adjustment entered as a row
    # the unit may submit with this item unscored or without its evidence (`submit_incomplete: true`)
    submit_incomplete: bool = False

    @property
    def is_leaf(self) -> bool:
        return not self.children


ADJUSTMENT_KINDS = {kind: HEADINGS[kind] for kind in ("bonus", "penalty")}
ADJUSTMENT_HOW = {
    "bonus": "Điểm thưởng do người thẩm định nhập: cộng từ 0 đến {cap} điểm vào tổng, ghi lý do",
    "penalty": "Điểm trừ do người thẩm định nhập: số điểm bị trừ khỏi tổng, từ 0 đến {cap}, ghi lý do",
}


def how_to_score(node: Node) -> str:
    """What the form and the template say about entering a row: its rule, or for a bonus or
    penalty item who enters it and what the number means."""
    if node.kind:
        return ADJUSTMENT_HOW[node.kind].format(cap=show_number(node.max_points))
    return node.rule.describe(node.max_points)


def declared_text(node: Node, stored: Any, points: float | None, na: bool) -> tuple[Any, str]:
    """What a stored score declared, as a person reads it, beside the rule's canonical value
    (None when the rule does not read it): the form and the appraisal template say the same."""
    if na:
        return None, NOT_APPLICABLE
    value = stored_answer(node.rule, stored, node.allow_na)
    if value is not None:
        return value, node.rule.show(value)
    if points is not None:  # points given directly (a score table)
        return None, format_number(points, 4)
    return None, "" if stored is None else str(stored)


@dataclass(frozen=True)
class Adjustment:
    """A bonus or penalty item outside the tree (điểm thưởng, điểm trừ): the appraiser enters
    0 to `max_points` with a reason; a bonus adds them to the total, a penalty subtracts them.
    `in_denominator`: the cap is part of the max the index divides by (default: not)."""

    code: str
    name: str
    kind: str
    max_points: float
    in_denominator: bool = False

    @property
    def sign(self) -> float:
        return 1.0 if self.kind == "bonus" else -1.0

    def node(self) -> Node:
        """The item as a row to enter: points from 0 to the cap, typed as a number."""
        return Node(self.code, self.name, self.max_points, None, 0, kind=self.kind)


@dataclass(frozen=True)
class ClassBand:
    label: str
    min: float


@dataclass(frozen=True)
class SurveyItem:
    code: str
    name: str
    max_points: float
    domain: str | None = None


@dataclass(frozen=True)
class SurveyGroup:
    id: str
    name: str
    weight: float


@dataclass(frozen=True)
class Survey:
    answers: Mapping[str, float]
    items: tuple[SurveyItem, ...]
    within_total: bool = False  # each item's max is part of its domain's max (inside the 100)
    without_answers: str = "rescale"  # an unanswered item: out of the max ("rescale") or 0 points ("zero")
    groups: tuple[SurveyGroup, ...] = ()  # weighted respondent groups (empty: every respondent counts once)

    def group_of(self, label: str) -> SurveyGroup | None:
        """The declared group a response names, by id or by name."""
        wanted = label.strip().casefold()
        return next((g for g in self.groups if wanted in (g.id.casefold(), g.name.casefold())), None)


@dataclass(frozen=True)
class CriteriaSet:
    """A validated criteria set. Nodes are kept in document (pre-)order."""

    id: str
    name: str
    version: str
    nodes: Mapping[str, Node]
    classes: tuple[ClassBand, ...] = ()
    survey: Survey | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    adjustments: tuple[Adjustment, ...] = ()

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __getitem__(self, code: str) -> Node:
        return self.nodes[code]

    @cached_property
    def top_codes(self) -> tuple[str, ...]:
        return tuple(n.code for n in self if n.parent is None)

    @cached_property
    def leaf_codes(self) -> tuple[str, ...]:
        return tuple(n.code for n in self if n.is_leaf)

    @cached_property
    def survey_codes(self) -> tuple[str, ...]:
        return survey_codes_of(self.survey)

    @cached_property
    def adjustment_codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.adjustments)

    @cached_property
    def entries(self) -> Mapping[str, Node]:
        """What a person enters points for, by code: the leaves, then the bonus and penalty
        items (as nodes outside the tree, `kind` set)."""
        out = {code: self.nodes[code] for code in self.leaf_codes}
        out.update((a.code, a.node()) for a in self.adjustments)
        return out

    @cached_property
    def adjustment_max(self) -> float:
        """What bonus and penalty items add to the max: the caps of those `in_denominator`."""
        return sum(a.max_points for a in self.adjustments if a.in_denominator)

    @property
    def index_cap(self) -> float | None:
        """The highest index (%) a unit reaches with bonus points (`index_cap`, default 100;
        None: no cap)."""
        return self.meta.get("index_cap", 100.0)

    @cached_property
    def scored_codes(self) -> tuple[str, ...]:
        """What the engine gives points to: the leaves, then the survey items (outside the tree)."""
        return self.leaf_codes + self.survey_codes

    @cached_property
    def scored_max(self) -> tuple[float, ...]:
        """Max points of each of `scored_codes`, in that order."""
        items = self.survey.items if self.survey is not None else ()
        return tuple(self.nodes[c].max_points for c in self.leaf_codes) + tuple(i.max_points for i in items)

    @cached_property
    def depth(self) -> int:
        return max(n.level for n in self)

    @property
    def max_points(self) -> float:
        """The set's whole: its domains (with the survey inside them when the survey is inside
        the total, plus items inside it that name no domain)."""
        loose = 0.0
        if self.survey is not None and self.survey.within_total:
            loose = sum(i.max_points for i in self.survey.items if i.domain is None)
        return sum(self.nodes[c].max_points for c in self.top_codes) + loose

    @property
    def decimals(self) -> int:
        """Decimal places of published figures (`rounding: {decimals: 3}`); two when the set
        does not say, as provinces publish (92,50 and 51,00: a figure's places never depend on
        its value, so columns line up and a reader never wonders whether 92,5 was cut)."""
        rounding = self.meta.get("rounding")
        return DEFAULT_DECIMALS if not rounding else int(rounding["decimals"])

    @property
    def na_label(self) -> str:
        """The word published for an item that does not apply to a unit (`na_label`, default
        «KAD», không áp dụng): written where its points would be, never 0, which would read as
        an item scored nothing."""
        return str(self.meta.get("na_label") or DEFAULT_NA_LABEL)

    @property
    def rank_on_rounded(self) -> bool:
        """Ranks and classes from the index as published (rounded), not the exact one."""
        rounding = self.meta.get("rounding")
        return bool(rounding) and rounding.get("rank_on") == "rounded"

    @property
    def explain_missing_evidence(self) -> bool:
        """The set's rule that a self-assessed point on an item expecting evidence needs a file
        or an explanation (`explain_missing_evidence: true` in the set)."""
        return bool(self.meta.get("explain_missing_evidence", False))

    def ancestors(self, code: str) -> list[str]:
        """Codes above `code`, nearest first."""
        out = []
        parent = self.nodes[code].parent
        while parent is not None:
            out.append(parent)
            parent = self.nodes[parent].parent
        return out

    def top_of(self, code: str) -> str:
        chain = [code, *self.ancestors(code)]
        return chain[-1]

    def to_dict(self) -> dict[str, Any]:
        """The nested document form; `load_dict(cs.to_dict())` gives back an equal set."""

        def node_dict(node: Node) -> dict[str, Any]:
            out: dict[str, Any] = {"code": node.code, "name": node.name, "max_points": node.max_points}
            if node.children:
                out["children"] = [node_dict(self.nodes[c]) for c in node.children]
            else:
                if node.has_rule:
                    out["rule"] = node.rule.to_dict()
                if node.evidence:
                    out["evidence"] = node.evidence
                if node.allow_na:
                    out["allow_na"] = True
                if node.submit_incomplete:
                    out["submit_incomplete"] = True
            return out

        doc: dict[str, Any] = {"id": self.id, "name": self.name, "version": self.version}
        doc.update(self.meta)
        if self.classes:
            doc["classes"] = [{"label": c.label, "min": c.min} for c in self.classes]
        if self.survey is not None:
            survey = self.survey
            doc["survey"] = {"answers": dict(survey.answers)}
            if survey.within_total:
                doc["survey"]["within_total"] = True
            if survey.without_answers != "rescale":
                doc["survey"]["without_answers"] = survey.without_answers
            if survey.groups:
                doc["survey"]["groups"] = [vars(g).copy() for g in survey.groups]
            doc["survey"]["items"] = [{k: v for k, v in vars(item).items() if v is not None} for item in survey.items]
        if self.adjustments:
            doc["adjustments"] = [{k: v for k, v in vars(a).items() if k != "in_denominator" or v} for a in self.adjustments]
        doc["criteria"] = [node_dict(self.nodes[c]) for c in self.top_codes]
        return doc

    @cached_property
    def checksum(self) -> str:
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- schema messages


@cache
def _schema_validator() -> jsonschema.protocols.Validator:
    import jsonschema

    schema = json.loads(resource(SCHEMA_PATH).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


TYPE_WORDS = {
    "string": "chữ",
    "number": "một số",
    "integer": "một số nguyên",
    "boolean": "true hoặc false",
    "array": "một danh sách",
    "object": "một mục có các trường",
}


def _schema_message(error: jsonschema.ValidationError) -> str:
    path = [p for p in error.absolute_path if isinstance(p, str)]
    fieldname = f"'{path[-1]}'" if path else "tài liệu"
    v, val = error.validator, error.validator_value
    if v == "required":
        missing = [k for k in val if isinstance(error.instance, dict) and k not in error.instance]
        return "thiếu trường bắt buộc " + ", ".join(f"'{m}'" for m in missing)
    if v == "type":
        kinds = val if isinstance(val, list) else [val]
        return f"{fieldname} phải là {' hoặc '.join(TYPE_WORDS.get(k, k) for k in kinds)}; đang là {error.instance!r}"
    if v == "exclusiveMinimum":
        return f"{fieldname} phải lớn hơn {show_number(val)}; đang là {error.instance!r}"
    if v == "minimum":
        return f"{fieldname} không được nhỏ hơn {show_number(val)}; đang là {error.instance!r}"
    if v == "maximum":
        return f"{fieldname} không được lớn hơn {show_number(val)}; đang là {error.instance!r}"
    if v == "enum":
        return f"{fieldname} phải là một trong: {', '.join(map(str, val))}; đang là {error.instance!r}"
    if v == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known)
        return "trường không được biết (có thể viết sai tên): " + ", ".join(f"'{k}'" for k in extra)
    if v == "minItems":
        return f"{fieldname} cần ít nhất {val} phần tử"
    if v == "minLength":
        return f"{fieldname} không được để trống"
    if v == "pattern":
        return f"{fieldname} không đúng định dạng (không có khoảng trắng); đang là {error.instance!r}"
    return f"{fieldname}: {error.message}"


def _code_at(doc: Any, path: list[Any]) -> str | None:
    code, here = None, doc
    for step in path:
        try:
            here = here[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(here, dict) and isinstance(here.get("code"), str):
            code = here["code"]
    return code


@cache
def _rule_validator() -> jsonschema.protocols.Validator:
    root = _schema_validator().schema
    return _schema_validator().evolve(schema={"$schema": root["$schema"], "$defs": root["$defs"], "$ref": "#/$defs/rule"})


def rule_schema_problems(rule: Any) -> list[str]:
    """What is wrong with a rule given on its own (a flat table's cell, a what-if scenario)."""
    return [_schema_message(e) for e in _rule_validator().iter_errors(rule)]


def schema_problems(doc: Any, file: str) -> list[Problem]:
    errors = sorted(_schema_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    return [Problem(file, _schema_message(e), _code_at(doc, list(e.absolute_path))) for e in errors]


# ---------------------------------------------------------------- building and semantic checks


@dataclass
class _Raw:
    """A node as read, before checks: where it came from is kept for messages."""

    code: str
    name: str
    max_points: float
    parent: str | None
    rule: dict[str, Any] | None = None
    evidence: str = ""
    allow_na: bool = False
    where: str | None = None
    submit_incomplete: bool = False


def _flatten(nodes: list[dict[str, Any]], parent: str | None, out: list[_Raw]) -> None:
    for item in nodes:
        out.append(
            _Raw(
                code=item["code"],
                name=item["name"],
                max_points=float(item["max_points"]),
                parent=parent,
                rule=item.get("rule"),
                evidence=item.get("evidence", ""),
                allow_na=bool(item.get("allow_na", False)),
                submit_incomplete=bool(item.get("submit_incomplete", False)),
            )
        )
        _flatten(item.get("children", []), item["code"], out)


def survey_codes_of(survey: Survey | None) -> tuple[str, ...]:
    return tuple(i.code for i in survey.items) if survey is not None else ()


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _build(raws: list[_Raw], meta: dict[str, Any], file: str) -> CriteriaSet:
    """Semantic checks over raw nodes, then the immutable set; raises with every problem."""
    problems: list[Problem] = []

    def add(message: str, code: str | None = None, where: str | None = None) -> None:
        problems.append(Problem(file, message, code, where))

    by_code: dict[str, _Raw] = {}
    for raw in raws:
        if raw.code in by_code:
            add("mã bị trùng: mã này đã dùng cho một mục khác", raw.code, raw.where)
        else:
            by_code[raw.code] = raw
    children: dict[str, list[str]] = {code: [] for code in by_code}
    for raw in by_code.values():
        if raw.parent is None:
            continue
        if raw.parent not in by_code:
            add(f"mục cha '{raw.parent}' không có trong bộ tiêu chí", raw.code, raw.where)
        else:
            children[raw.parent].append(raw.code)

    survey = None
    survey_doc = meta.pop("survey", None)
    if survey_doc:
        answers = {str(k): float(v) for k, v in (survey_doc.get("answers") or DEFAULT_SURVEY_ANSWERS).items()}
        items = tuple(
            SurveyItem(str(i["code"]), str(i["name"]), float(i["max_points"]), i.get("domain")) for i in survey_doc["items"]
        )
        seen: set[str] = set()
        for item in items:
            if item.code in by_code or item.code in seen:
                add("mã câu hỏi khảo sát trùng với một mã khác", item.code)
            seen.add(item.code)
            if item.domain is not None and item.domain not in by_code:
                add(f"câu hỏi khảo sát gắn với mục '{item.domain}' không có trong bộ tiêu chí", item.code)
        groups = tuple(SurveyGroup(str(g["id"]), str(g["name"]), float(g["weight"])) for g in survey_doc.get("groups") or ())
        names = [g.id.casefold() for g in groups] + [g.name.casefold() for g in groups]
        for label in sorted({n for n in names if names.count(n) > 1}):
            add(f"nhóm người trả lời '{label}' bị lặp")
        survey = Survey(
            answers,
            items,
            within_total=bool(survey_doc.get("within_total", False)),
            without_answers=str(survey_doc.get("without_answers", "rescale")),
            groups=groups,
        )
    adjustments = tuple(
        Adjustment(str(a["code"]), str(a["name"]), str(a["kind"]), float(a["max_points"]), bool(a.get("in_denominator")))
        for a in meta.pop("adjustments", None) or ()
    )
    taken = set(by_code) | set(survey_codes_of(survey))
    for adjustment in adjustments:
        if adjustment.code in taken:
            add("mã điểm thưởng/điểm trừ trùng với một mã khác", adjustment.code)
        taken.add(adjustment.code)
    # inside the 100, a survey item's max is part of its node's max (and of the total)
    inside = {}
    if survey is not None and survey.within_total:
        for item in survey.items:
            inside[item.domain] = inside.get(item.domain, 0.0) + item.max_points

    levels: dict[str, int] = {}
    for code, raw in by_code.items():
        chain, parent = {code}, raw.parent
        while parent is not None and parent in by_code:
            if parent in chain:
                add("mục cha tạo thành vòng lặp (một mục là cha của chính nó)", code, raw.where)
                break
            chain.add(parent)
            parent = by_code[parent].parent
        else:
            levels[code] = len(chain)

    for code, raw in by_code.items():
        kids = children[code]
        if kids:
            total = sum(by_code[k].max_points for k in kids) + inside.get(code, 0.0)
            if not _near(total, raw.max_points):
                survey_part = f" và khảo sát {show_number(inside[code])} điểm" if code in inside else ""
                parts = f"{show_number(round(total, 6))}: {', '.join(kids)}{survey_part}"
                add(f"điểm tối đa {show_number(raw.max_points)} khác tổng điểm các mục con ({parts})", code, raw.where)
            if raw.rule:
                add("mục có mục con không được có quy tắc chấm (chỉ mục lá được chấm)", code, raw.where)
        elif code in inside:
            add("câu hỏi khảo sát tính trong tổng điểm phải gắn với một mục có mục con", code, raw.where)
        elif raw.rule is not None:
            for text in rule_from_dict(raw.rule).problems(raw.max_points):
                add(text, code, raw.where)

    declared_total = meta.get("total_points")
    tops = [r for r in by_code.values() if r.parent is None]
    whole = sum(r.max_points for r in tops) + inside.get(None, 0.0)  # items inside the total with no domain
    if declared_total is not None and not _near(whole, declared_total):
        add(
            f"tổng điểm các lĩnh vực là {show_number(round(whole, 6))}, "
            f"khác tổng khai báo total_points = {show_number(declared_total)}"
        )

    classes = tuple(ClassBand(str(c["label"]), float(c["min"])) for c in meta.pop("classes", []) or [])
    for prev, nxt in itertools.pairwise(classes):
        if nxt.min >= prev.min:
            add(
                f"các hạng xếp loại phải theo thứ tự ngưỡng giảm dần: '{nxt.label}' ({show_number(nxt.min)} %) "
                f"đứng sau '{prev.label}' ({show_number(prev.min)} %)"
            )
    labels = [c.label for c in classes]
    for label in sorted({lab for lab in labels if labels.count(lab) > 1}):
        add(f"hạng xếp loại '{label}' bị lặp")

    if problems:
        raise ProblemsError(problems)

    nodes = {
        raw.code: Node(
            code=raw.code,
            name=raw.name,
            max_points=raw.max_points,
            parent=raw.parent,
            level=levels[raw.code],
            children=tuple(children[raw.code]),
            rule=rule_from_dict(raw.rule) if not children[raw.code] else FREE_POINTS,
            has_rule=bool(raw.rule) and not children[raw.code],
            evidence=raw.evidence,
            allow_na=raw.allow_na,
            submit_incomplete=raw.submit_incomplete and not children[raw.code],
        )
        for raw in _preorder(by_code, children)
    }
    return CriteriaSet(
        id=str(meta.pop("id")),
        name=str(meta.pop("name")),
        version=str(meta.pop("version")),
        nodes=nodes,
        classes=classes,
        survey=survey,
        meta=meta,
        adjustments=adjustments,
    )


def _preorder(by_code: dict[str, _Raw], children: dict[str, list[str]]) -> list[_Raw]:
    out: list[_Raw] = []

    def visit(code: str) -> None:
        out.append(by_code[code])
        for kid in children[code]:
            visit(kid)

    for code, raw in by_code.items():
        if raw.parent is None:
            visit(code)
    return out


# ---------------------------------------------------------------- public loaders


def load_dict(doc: Any, file: str = "<dữ liệu>", checked: bool = False) -> CriteriaSet:
    """A criteria set from its nested document form (parsed YAML/JSON). `checked`: the document
    is a validated set's own `to_dict()` (as the store keeps it), so the JSON Schema pass is
    skipped; the set is still rebuilt and checked for consistency. Its texts lose control and
    invisible characters (`text.plain`), also those of a set stored before that was done: names,
    rules and evidence reach every template, workbook and page."""
    doc = each_text(doc, plain)
    problems = [] if checked else schema_problems(doc, file)
    if problems:
        raise ProblemsError(problems)
    meta = {k: v for k, v in doc.items() if k != "criteria"}
    raws: list[_Raw] = []
    _flatten(doc["criteria"], None, raws)
    return _build(raws, meta, file)


def load_criteria(path: str | Path) -> CriteriaSet:
    """Read a criteria set from YAML, JSON, CSV or xlsx; raise `ProblemsError` listing all problems."""
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise ProblemsError([Problem(file, "không tìm thấy tệp")])
    suffix = path.suffix.lower()
    if suffix in {".yaml", ".yml", ".json"}:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else None
            raise ProblemsError(
                [Problem(file, f"tệp YAML không đọc được: {getattr(exc, 'problem', exc)}", where=where)]
            ) from None
        except UnicodeDecodeError:
            raise ProblemsError([Problem(file, "tệp không phải văn bản UTF-8")]) from None
        return load_dict(doc, file)
    if suffix in {".csv", ".xlsx"}:
        return _load_flat(path)
    raise ProblemsError([Problem(file, "chỉ đọc được bộ tiêu chí dạng .yaml, .yml, .json, .csv hoặc .xlsx")])


def check_criteria(path: str | Path) -> list[Problem]:
    """Every problem of a criteria file; an empty list means it is valid."""
    try:
        load_criteria(path)
    except ProblemsError as exc:
        return exc.problems
    return []


# ---------------------------------------------------------------- flat tables

FLAT_REQUIRED = ("code", "parent", "name", "max_points")
FLAT_OPTIONAL = ("rule", "evidence", "allow_na", "kind", "in_denominator")
FLAT_KINDS = {
    "bonus": "bonus",
    "thưởng": "bonus",
    "điểm thưởng": "bonus",
    "penalty": "penalty",
    "trừ": "penalty",
    "điểm trừ": "penalty",
}


def parse_rule_text(text: str) -> dict[str, Any]:
    """The compact rule syntax of flat tables, e.g. `levels: Đúng hạn=1; Chậm=0.5; Không=0`,
    `percent right pair: 0-70=0; 70-90=1; 90-100=2`, `count: 4`, `manual: 0.25`, `yesno`,
    or the rule as JSON. Raises ValueError with a Vietnamese message."""
    text = text.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"quy tắc dạng JSON không đọc được: {exc.msg}") from None
    head, _, body = text.partition(":")
    words = head.strip().lower().split()
    if not words:
        raise ValueError("quy tắc trống")
    kind, flags = words[0], set(words[1:])
    parts = [p.strip() for p in body.split(";") if p.strip()]

    def number(s: str) -> float:
        try:
            return float(s.strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"'{s.strip()}' không phải là số trong quy tắc '{text}'") from None

    def pairs() -> list[tuple[str, float]]:
        out = []
        for part in parts:
            label, eq, pts = part.rpartition("=")
            if not eq:
                raise ValueError(f"thiếu '=điểm' ở '{part}' trong quy tắc '{text}'")
            out.append((label.strip(), number(pts)))
        return out

    if kind == "yesno":
        rule = {"type": "yesno"}
        for label, pts in pairs():  # `yesno: có=2; không=0.5` sets the points of each answer
            if is_yes(label):
                rule["yes_points"] = pts
            elif is_no(label):
                rule["no_points"] = pts
            else:
                raise ValueError(f"'{label}' không phải có/không trong quy tắc '{text}'")
        return rule
    if kind == "levels":
        return {"type": "levels", "levels": [{"label": lab, "points": p} for lab, p in pairs()]}
    if kind == "percent":
        bands = []
        for span, pts in pairs():
            lo, dash, hi = span.partition("-")
            if not dash:
                raise ValueError(f"khoảng '{span}' phải có dạng từ-đến, ví dụ 70-90")
            bands.append({"from": number(lo), "to": number(hi), "points": pts})
        rule: dict[str, Any] = {"type": "percent", "bands": bands}
        if "right" in flags:
            rule["closed"] = "right"
        if "pair" in flags:
            rule["input"] = "pair"
        return rule
    if kind == "count":
        rule = {"type": "count", "required": int(number(body))}
        if "all" in flags:
            rule["mode"] = "all"
        return rule
    if kind == "manual":
        return {"type": "manual", "step": number(body)} if body.strip() else {"type": "manual"}
    raise ValueError(f"loại quy tắc '{kind}' không có; dùng yesno, levels, percent, count hoặc manual")


def rule_text(rule: dict[str, Any]) -> str:
    """A rule document in the compact syntax `parse_rule_text` reads (what a designer edits in
    one line); JSON where the syntax cannot say it (labels with `;`, count unit labels, the
    labels of a done/planned pair)."""

    def number(x: float) -> str:
        return f"{float(x):g}"

    kind = rule.get("type")
    plain = json.dumps(rule, ensure_ascii=False)
    if kind == "yesno":
        points = [(YES, rule["yes_points"])] if "yes_points" in rule else []
        points += [(NO, rule["no_points"])] if rule.get("no_points") else []
        return "yesno" + (": " + "; ".join(f"{label}={number(p)}" for label, p in points) if points else "")
    if kind == "levels":
        if any(";" in lv["label"] or not lv["label"].strip() for lv in rule["levels"]):
            return plain
        return "levels: " + "; ".join(f"{lv['label']}={number(lv['points'])}" for lv in rule["levels"])
    if kind == "percent":
        if rule.get("done_label") or rule.get("planned_label"):
            return plain
        flags = "".join(
            f" {flag}" for flag, on in (("right", rule.get("closed") == "right"), ("pair", rule.get("input") == "pair")) if on
        )
        bands = "; ".join(f"{number(b['from'])}-{number(b['to'])}={number(b['points'])}" for b in rule["bands"])
        return f"percent{flags}: {bands}"
    if kind == "count" and not rule.get("unit_label"):
        return ("count all" if rule.get("mode") == "all" else "count") + f": {int(rule['required'])}"
    if kind == "manual":
        return "manual" + (f": {number(rule['step'])}" if rule.get("step") else "")
    return plain


CLASSES_SHEET = "classes"


def _flat_classes(path: Path, table: Any, problems: list[Problem]) -> list[dict[str, Any]]:
    """Class bands of a flat set: in a CSV a line before the header,
    `# classes: Xuất sắc=90; Tốt=80; Khá=70`; in an xlsx a sheet named `classes` with the
    columns label, min. Highest band first, as in YAML."""
    file = str(path)
    bands: list[dict[str, Any]] = []
    if path.suffix.lower() == ".csv":
        for line in table.preamble:
            key, colon, body = line.partition(":")
            if not colon or key.strip().lower() != CLASSES_SHEET:
                continue
            for part in (p.strip() for p in body.split(";") if p.strip()):
                label, eq, value = part.rpartition("=")
                try:
                    if not eq or not label.strip():
                        raise RuleInputError(f"hạng '{part}' phải có dạng tên=ngưỡng, ví dụ Tốt=80")
                    bands.append({"label": label.strip(), "min": parse_decimal(value, "ngưỡng xếp loại")})
                except RuleInputError as exc:
                    problems.append(Problem(file, str(exc), where="dòng # classes"))
        return bands
    if CLASSES_SHEET not in sheet_names(path):
        return bands
    sheet = read_table(path, CLASSES_SHEET)
    if "label" not in sheet.columns or "min" not in sheet.columns:
        problems.append(Problem(file, "sheet 'classes' cần hai cột label và min", where=f"sheet '{CLASSES_SHEET}'"))
        return bands
    for row in sheet.rows():
        try:
            if not row.text("label"):
                raise RuleInputError("thiếu tên hạng")
            bands.append({"label": row.text("label"), "min": parse_decimal(row.raw("min"), "ngưỡng xếp loại")})
        except RuleInputError as exc:
            problems.append(Problem(file, str(exc), where=row.where("min")))
    return bands


def _load_flat(path: Path) -> CriteriaSet:
    file = str(path)
    table = read_table(path)  # raises ProblemsError for unreadable files
    missing = [c for c in FLAT_REQUIRED if c not in table.columns]
    if missing:
        raise ProblemsError([Problem(file, "thiếu cột bắt buộc " + ", ".join(f"'{c}'" for c in missing), where=table.sheet)])
    problems: list[Problem] = []
    raws: list[_Raw] = []
    adjustments: list[dict[str, Any]] = []
    for row in table.rows():
        code = row.text("code")
        if not code:
            if any(row.text(c) for c in FLAT_REQUIRED):
                problems.append(Problem(file, "thiếu mã", where=row.where("code")))
            continue
        name = row.text("name")
        if not name:
            problems.append(Problem(file, "thiếu tên", code, row.where("name")))
        max_text = row.text("max_points")
        try:
            max_points = float(max_text.replace(",", "."))
            if not max_points > 0:
                raise ValueError
        except ValueError:
            problems.append(
                Problem(file, f"điểm tối đa phải là số lớn hơn 0; đang là '{max_text}'", code, row.where("max_points"))
            )
            max_points = 0.0
        rule = None
        rule_text = row.text("rule") if "rule" in table.columns else ""
        if rule_text:
            try:
                rule = parse_rule_text(rule_text)
            except ValueError as exc:
                problems.append(Problem(file, str(exc), code, row.where("rule")))
            else:
                for text in rule_schema_problems(rule):
                    problems.append(Problem(file, "quy tắc: " + text, code, row.where("rule")))
                    rule = None
        kind_text = row.text("kind") if "kind" in table.columns else ""
        if kind_text:
            kind = FLAT_KINDS.get(folded(kind_text))
            if kind is None:
                problems.append(
                    Problem(
                        file,
                        f"kind phải là bonus (điểm thưởng) hoặc penalty (điểm trừ); đang là '{kind_text}'",
                        code,
                        row.where("kind"),
                    )
                )
            elif row.text("parent") or rule_text:
                problems.append(
                    Problem(file, "điểm thưởng/điểm trừ nằm ngoài cây: để trống parent và rule", code, row.where("kind"))
                )
            else:
                denominator = row.text("in_denominator") if "in_denominator" in table.columns else ""
                if denominator and not (is_yes(denominator) or is_no(denominator)):
                    problems.append(
                        Problem(
                            file, f"in_denominator phải là có/không; đang là '{denominator}'", code, row.where("in_denominator")
                        )
                    )
                adjustments.append(
                    {"code": code, "name": name, "kind": kind, "max_points": max_points, "in_denominator": is_yes(denominator)}
                )
            continue
        allow_text = row.text("allow_na").lower() if "allow_na" in table.columns else ""
        if allow_text and not (is_yes(allow_text) or is_no(allow_text)):
            problems.append(Problem(file, f"allow_na phải là có/không; đang là '{allow_text}'", code, row.where("allow_na")))
        raws.append(
            _Raw(
                code=code,
                name=name,
                max_points=max_points,
                parent=row.text("parent") or None,
                rule=rule,
                evidence=row.text("evidence") if "evidence" in table.columns else "",
                allow_na=is_yes(allow_text),
                where=row.where("code"),
            )
        )
    if not raws and not problems:
        problems.append(Problem(file, "bảng không có mục nào"))
    meta: dict[str, Any] = {"id": path.stem, "name": path.stem, "version": "1"}
    classes = _flat_classes(path, table, problems)
    if classes:
        meta["classes"] = classes
    if adjustments:
        meta["adjustments"] = adjustments
    try:
        cs = _build(raws, meta, file)
    except ProblemsError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ProblemsError(problems)
    return cs
