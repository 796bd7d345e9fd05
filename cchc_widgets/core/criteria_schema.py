"""What is wrong with a criteria document, in plain Vietnamese: the JSON Schema
(`criteria/criteria.schema.json`) run over a document, a rule or one key, each error turned
into a sentence naming the field (`_schema_message`). jsonschema is imported only when a
document is checked: it costs seconds to import.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from cchc_widgets.core.errors import Problem
from cchc_widgets.core.numbers import show_number
from cchc_widgets.resources import SCHEMA_PATH, resource

if TYPE_CHECKING:
    import jsonschema


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


@cache
def _property_validator(key: str) -> jsonschema.protocols.Validator:
    root = _schema_validator().schema
    schema = {"$schema": root["$schema"], "$defs": root["$defs"], "properties": root["properties"]}
    return _schema_validator().evolve(schema={**schema, "$ref": f"#/properties/{key}"})


def property_problems(key: str, value: Any) -> list[str]:
    """What is wrong with one key of a set's document given on its own (a flat table's setting)."""
    return [
        f"'{key}': {_schema_message(e)}" if e.absolute_path else _schema_message(e).replace("tài liệu", f"'{key}'", 1)
        for e in _property_validator(key).iter_errors(value)
    ]


def rule_schema_problems(rule: Any) -> list[str]:
    """What is wrong with a rule given on its own (a flat table's cell, a what-if scenario)."""
    return [_schema_message(e) for e in _rule_validator().iter_errors(rule)]


def schema_problems(doc: Any, file: str) -> list[Problem]:
    errors = sorted(_schema_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    return [Problem(file, _schema_message(e), _code_at(doc, list(e.absolute_path))) for e in errors]
