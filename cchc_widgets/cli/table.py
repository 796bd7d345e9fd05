"""Commands declared as data: each group of `cchc` commands lists its `Command`s (name,
help, options, handler) and `add_commands` turns them into argparse subcommands, so a new
command is one entry in a table instead of another stretch of `add_argument` calls."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cchc_widgets.store.database import Store


@dataclass(frozen=True)
class Option:
    """One `add_argument` call: its flags (or positional name) and its keywords, as argparse takes them."""

    flags: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)


def option(*flags: str, **settings: Any) -> Option:
    """An option written as `add_argument` is: `option("--period", metavar="P", help=...)`."""
    return Option(flags, settings)


# what every command that writes a table with --out takes: the file is for people by default
# (the printed table's Vietnamese headings, «có»/«không»), this for programs
MACHINE_HEADINGS = option(
    "--machine-headings",
    "--cot-may",
    action="store_true",
    help="với --out: tên cột và giá trị cho chương trình đọc (unit, delta_rank, True/False) thay cho tiêu đề tiếng Việt",
)


@dataclass
class Request:
    """What a command is asked: the parsed arguments, and the store and period they name,
    opened only when the command first asks for them (`cchc score` needs no database; an
    --out that cannot be written is refused before the store is opened)."""

    args: argparse.Namespace

    @cached_property
    def store(self) -> Store:
        """The store --db names (CCHC_DB, else the SQLite file in the data folder)."""
        from cchc_widgets.cli.shared import open_store

        return open_store(self.args)

    @cached_property
    def period(self) -> str:
        """The period --period names, checked against the store; the latest when none is named."""
        from cchc_widgets.cli.shared import period_of

        return period_of(self.store, self.args.period)


@dataclass(frozen=True)
class Command:
    """One subcommand: `handler(Request)` runs it, and returns the exit code."""

    name: str
    help: str
    handler: Callable[[Request], int]
    options: tuple[Option, ...] = ()


def add_commands(sub: Any, common: argparse.ArgumentParser, commands: tuple[Command, ...]) -> None:
    """Add every command of the tables to `cchc`'s subparsers, each with the `common` options (--db)."""
    for command in commands:
        p = sub.add_parser(command.name, parents=[common], help=command.help)
        for opt in command.options:
            p.add_argument(*opt.flags, **opt.settings)
        p.set_defaults(func=command.handler)
