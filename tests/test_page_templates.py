"""Voilà's page templates are compiled once per server process (app/page_templates.py).

The pages are rendered here as Voilà's page renderer renders them — the exporter class it looks
up, Voilà's `lab` template on its own search path, the app's scoring notebook — with the
kernel's part (start, execute, cells) played by plain functions: the templates are what is
measured, not a kernel.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import nbformat
import pytest
import voila.notebook_renderer
from jinja2 import Environment, FileSystemLoader
from voila.paths import collect_template_paths

from cchc_widgets.app import page_templates
from cchc_widgets.resources import resource


async def _kernel_start(nb: object) -> str:
    return "kernel-id"


async def _notebook_execute(nb: object, kernel_id: str) -> None:
    return None


async def _cells(nb: nbformat.NotebookNode, kernel_id: str):
    for cell in nb.cells:
        yield cell


def _page() -> tuple[str, int]:
    """One page as Voilà renders it now, and how many templates Jinja compiled for it."""
    compiled = 0
    original = Environment.compile

    def counting(self: Environment, *args: object, **kwargs: object) -> object:
        nonlocal compiled
        compiled += 1
        return original(self, *args, **kwargs)

    notebook = nbformat.read(resource("notebooks/apps/scoring.ipynb"), as_version=4)
    exporter = voila.notebook_renderer.VoilaExporter(
        template_paths=collect_template_paths(["voila", "nbconvert"], "lab"), template_name="lab", base_url="/"
    )
    context = {
        "frontend": "voila",
        "main_js": "voila.js",
        "kernel_start": _kernel_start,
        "notebook_execute": _notebook_execute,
        "cell_generator": _cells,
        "progressive_rendering": False,
    }

    async def render() -> str:
        parts = []
        async for html, _ in exporter.generate_from_notebook_node(notebook, resources={}, extra_context=context):
            parts.append(html)
        return "".join(parts)

    Environment.compile = counting  # type: ignore[method-assign]
    try:
        html = asyncio.run(render())
    finally:
        Environment.compile = original  # type: ignore[method-assign]
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", html), compiled


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(voila.notebook_renderer, "VoilaExporter", voila.notebook_renderer.VoilaExporter)  # put back after
    monkeypatch.setattr(page_templates, "COMPILED", page_templates.CompiledTemplates())  # a new process's empty cache
    page_templates.install()


def test_the_second_page_compiles_no_template_and_is_the_same_page(installed: None) -> None:
    first, compiled_first = _page()
    second, compiled_second = _page()
    assert compiled_first >= 10  # index.html.j2 and what it extends, imports and includes
    assert compiled_second == 0
    assert second == first
    assert "cchc" in first or "voila" in first  # a whole page, not an empty string


def test_the_page_is_the_one_voila_renders_without_the_cache(installed: None) -> None:
    cached, _ = _page()
    cached, _ = _page()  # from the cache
    with pytest.MonkeyPatch.context() as plain:
        plain.setattr(voila.notebook_renderer, "VoilaExporter", page_templates.VoilaExporter)
        uncached, compiled = _page()
    assert compiled >= 10
    assert cached == uncached


def test_a_template_changed_on_disk_is_compiled_anew(tmp_path: Path) -> None:
    cache = page_templates.CompiledTemplates()
    page = tmp_path / "page.html.j2"

    def rendered() -> str:
        environment = Environment(loader=FileSystemLoader(tmp_path), enable_async=False)
        environment.bytecode_cache = cache
        return environment.get_template("page.html.j2").render(name="Sở Tư pháp")

    page.write_text("Đơn vị: {{ name }}", encoding="utf-8")
    assert rendered() == "Đơn vị: Sở Tư pháp"
    page.write_text("Đơn vị đã nộp: {{ name }}", encoding="utf-8")
    assert rendered() == "Đơn vị đã nộp: Sở Tư pháp"


def test_code_compiled_for_async_rendering_is_not_given_to_a_plain_environment(tmp_path: Path) -> None:
    cache = page_templates.CompiledTemplates()
    (tmp_path / "page.html.j2").write_text("{% for unit in units %}{{ unit }};{% endfor %}", encoding="utf-8")

    def environment(is_async: bool) -> Environment:
        made = Environment(loader=FileSystemLoader(tmp_path), enable_async=is_async)
        made.bytecode_cache = cache
        return made

    assert asyncio.run(environment(True).get_template("page.html.j2").render_async(units=["a", "b"])) == "a;b;"
    assert environment(False).get_template("page.html.j2").render(units=["a", "b"]) == "a;b;"
