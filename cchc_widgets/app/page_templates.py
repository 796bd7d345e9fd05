"""Voilà's page templates compiled once per server process, not once per page opened.

Voilà makes a new nbconvert exporter for every page request, and with it a new Jinja
environment whose template cache starts empty: each opening lexed, parsed and compiled the
same thirteen template files (`index.html.j2` and what it extends, imports and includes) —
measured with 30 people opening at once, 40 % of the server process's CPU, and that one
process renders every page (README «Past one machine»). Jinja's own answer is a bytecode
cache: an environment that has one stores each compiled template's code object there and the
next environment loads it (a `marshal` read) instead of compiling again. Jinja keys a template
by name and file and keeps the source's checksum beside the code, so a template file changed
on disk is compiled anew; this cache adds to the key what Jinja leaves to the caller — the
environment's settings that change the generated code (async rendering, extensions) — so an
exporter configured differently never receives code compiled for another.

Voilà offers no setting for its exporter class, so `install` puts a subclass in the one place
its page renderer looks it up (`voila.notebook_renderer.VoilaExporter`); the test suite checks
that a second page's templates come from the cache and render the same page.
"""

from __future__ import annotations

import voila.notebook_renderer
from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket
from voila.exporter import VoilaExporter


class CompiledTemplates(BytecodeCache):
    """Compiled template code by (environment settings, template), in this process's memory."""

    def __init__(self) -> None:
        self._code: dict[tuple[bool, tuple[str, ...], str], bytes] = {}

    @staticmethod
    def _key(bucket: Bucket) -> tuple[bool, tuple[str, ...], str]:
        environment = bucket.environment
        return environment.is_async, tuple(sorted(environment.extensions)), bucket.key

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(self._key(bucket))
        if code is not None:
            bucket.bytecode_from_string(code)  # checks the source's checksum: a changed file is compiled anew

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[self._key(bucket)] = bucket.bytecode_to_string()


COMPILED = CompiledTemplates()


class CompiledOnceExporter(VoilaExporter):
    """Voilà's exporter, its Jinja environment reading and filling the process's `COMPILED`."""

    @property
    def environment(self) -> Environment:
        environment = super().environment
        environment.bytecode_cache = COMPILED
        return environment


def install() -> None:
    """Voilà's page renderer makes `CompiledOnceExporter`s from now on (server process only)."""
    voila.notebook_renderer.VoilaExporter = CompiledOnceExporter  # type: ignore[misc]
