"""`cchc`'s own words in Vietnamese, argparse's included, without touching argparse itself.

argparse writes «usage:», «positional arguments», «options», «show this help message and
exit» and its error messages in English (through `gettext`, with no Vietnamese catalogue).
Rather than patch the module (which would change every other parser in the process: a
notebook's, a test runner's), `Parser` and `Formatter` say the same in Vietnamese for our
parsers only; subcommands inherit the class through `add_subparsers`.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

USAGE = "cách dùng: "
POSITIONALS = "tham số"
OPTIONALS = "tùy chọn"
COMMANDS = "lệnh"
HELP = "in hướng dẫn này rồi thoát"

# argparse's error messages (Python 3.11–3.13), each with its Vietnamese reading
ERRORS = [
    (re.compile(r"the following arguments are required: (.*)"), r"thiếu tham số bắt buộc: \1"),
    (
        re.compile(r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)"),
        r"tham số \1: không có lựa chọn \2 (chọn một trong: \3)",
    ),
    (re.compile(r"argument (.*?): invalid (\w+) value: (.*)"), r"tham số \1: giá trị \3 không hợp lệ"),
    (re.compile(r"argument (.*?): expected one argument"), r"tham số \1 cần một giá trị"),
    (re.compile(r"argument (.*?): expected at least one argument"), r"tham số \1 cần ít nhất một giá trị"),
    (re.compile(r"argument (.*?): not allowed with argument (.*)"), r"tham số \1 không dùng cùng \2"),
    (re.compile(r"unrecognized arguments: (.*)"), r"không hiểu tham số: \1"),
    (re.compile(r"ambiguous option: (.*?) could match (.*)"), r"tùy chọn \1 chưa rõ, có thể là \2"),
    (re.compile(r"argument (.*?): (.*)"), r"tham số \1: \2"),
]


def said_in_vietnamese(message: str) -> str:
    """An argparse error message in Vietnamese (one it does not know stays as it is)."""
    for pattern, words in ERRORS:
        if pattern.fullmatch(message):
            return pattern.sub(words, message)
    return message


class Formatter(argparse.HelpFormatter):
    """Help with «cách dùng:» before the usage line."""

    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An argument parser that speaks Vietnamese: section titles, `-h`, usage and errors."""

    def __init__(self, *args: Any, parents: Any = (), **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = POSITIONALS
        self._optionals.title = OPTIONALS
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = HELP
        # parents joined after the titles changed, as argparse joins them: their options land
        # in the same «tùy chọn» section instead of a second one
        for parent in parents:
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def add_subparsers(self, **kwargs: Any) -> Any:
        kwargs.setdefault("title", COMMANDS)
        kwargs.setdefault("metavar", "LỆNH")
        return super().add_subparsers(**kwargs)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> tuple[argparse.Namespace, list[str]]:
        """Options in any order, files after them too: `cchc scenarios import --block huyen FILE`
        as `cchc scenarios import FILE --block huyen`. argparse gives a list positional (`FILE
        ...`) what follows its command word up to the first option, and calls the rest
        unrecognised; here the words left over that are not options join that list."""
        namespace, extras = super().parse_known_args(args, namespace)
        rest = next((a for a in self._actions if not a.option_strings and a.nargs in ("*", "+")), None)
        if rest is None or not extras:
            return namespace, extras
        words = [e for e in extras if not e.startswith("-")]
        setattr(namespace, rest.dest, [*(getattr(namespace, rest.dest, None) or []), *words])
        return namespace, [e for e in extras if e.startswith("-")]

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: lỗi: {said_in_vietnamese(message)}\n")
