"""Each widget declares once, in `MESSAGES`, the kinds of message its page may send; its
JavaScript (the widget's `_esm`: page.js and the widget's own files, as the browser gets them)
sends those kinds and no other. A kind sent but not declared would be dropped by the kernel
without a word; a kind declared but never sent is a handler no page reaches."""

import importlib
import re

import pytest

WIDGETS = {
    "ScoringForm": "scoring_form",
    "AdminApp": "admin_app",
    "WhatIfApp": "whatif_app",
    "CriteriaEditor": "criteria_editor",
    "ProgressBoard": "progress_board",
}
STRING = r'"(?:[^"\\\n]|\\.)*"'
CODE = re.compile(rf"({STRING}|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)|//[^\n]*|/\*.*?\*/", re.S)
# a function with a parameter `type` (`function uploader(cls, text, type, title)`, `const button = (cls, type) =>`)
SENDER = re.compile(r"(?:function\s+(\w+)\s*\(([^)]*)\)|(?:const|let)\s+(\w+)\s*=\s*\(([^)]*)\)\s*=>)")


def _code(js):
    """The JavaScript without its comments (a comment may show a message as an example)."""
    return CODE.sub(lambda m: m.group(1) or "", js)


def _arguments(js, start):
    """The top-level arguments of the call whose `(` is at `start`, as written."""
    args, depth, current = [], 0, ""
    for m in re.finditer(rf"{STRING}|[()\[\]{{}},]|[^\"()\[\]{{}},]+", js[start:]):
        token = m.group()
        if token in "([{":
            depth += 1
            if depth == 1:
                continue
        elif token in ")]}":
            depth -= 1
            if depth == 0:
                return [*args, current.strip()]
        elif token == "," and depth == 1:
            args, current = [*args, current.strip()], ""
            continue
        current += token
    raise AssertionError(f"unclosed call at {js[start : start + 60]!r}")


def sent_kinds(js):
    """Every message type the JavaScript sends: `{ type: "edit", … }`, and the kinds handed by
    name to a helper that sends its `type` parameter (`{ type, name, … }`, `{ type }`)."""
    code = _code(js)
    kinds = set(re.findall(r"\btype:\s*\"(\w+)\"", code))
    if not re.search(r"\{\s*type\s*[,}]", code):
        return kinds
    for m in SENDER.finditer(code):
        name, params = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        params = [p.strip() for p in params.split(",")]
        if "type" not in params:
            continue
        at = params.index("type")
        for call in re.finditer(rf"(?<![\w.]){name}\s*\(", code):
            if code[: call.start()].rstrip().endswith("function"):
                continue
            args = _arguments(code, call.end() - 1)
            if at < len(args) and re.fullmatch(STRING, args[at]):
                kinds.add(args[at][1:-1])
    return kinds


def _widget(name):
    return getattr(importlib.import_module(f"cchc_widgets.app.widgets.{WIDGETS[name]}"), name)


@pytest.mark.parametrize("name", WIDGETS)
def test_the_page_sends_exactly_the_kinds_its_widget_declares(name):
    widget = _widget(name)
    esm = widget._esm if isinstance(widget._esm, str) else widget._esm.contents
    sent = sent_kinds(esm)
    declared = set(widget.MESSAGES)
    assert sent - declared == set(), f"{name}: the page sends kinds the kernel does not handle"
    assert declared - sent == set(), f"{name}: declared kinds no page sends"


def test_the_reading_finds_literal_kinds_helpers_and_skips_comments():
    """The reading would notice: a literal kind, kinds passed to a helper that sends its `type`,
    and nothing from a comment or from a message the page receives."""
    js = """
    // the kernel answers ({type: "pong"})
    /* model.send({ type: "old" }) */
    function uploader(cls, text, type, title) { model.send({ type, name: "a, b" }); }
    const button = (cls, type) => model.send({ type });
    top.append(uploader("x", "Nhập (tệp), rồi gửi", "import_scores",
      "dòng, hai"));
    top.append(button("y", "log"));
    model.send({ type: "edit", code });
    if (msg.type === "row") applyRow(msg);
    """
    assert sent_kinds(js) == {"import_scores", "log", "edit"}
