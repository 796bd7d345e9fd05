"""Everything cchc refuses, under one base type, in words the person who supplied it reads.

`CchcError` is what a caller catches to know "the package said no" (as opposed to a bug).
Problems found in a file or a batch are reported all at once (`ProblemsError`), each with
where it is: file, place in the file (row, sheet and cell) and criterion code.
"""

from __future__ import annotations

from dataclasses import dataclass


class CchcError(ValueError):
    """Base of every refusal; the message is Vietnamese and safe to show (no secret, no path)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong, with where it is: file, place in the file (row, sheet!cell) and code."""

    file: str
    message: str
    code: str | None = None
    where: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.where:
            parts.append(self.where)
        if self.code:
            parts.append(f"mã {self.code}")
        return ": ".join(parts) + ": " + self.message


MAX_LISTED = 200  # problems a person is shown; the rest are counted (a broken file can have millions)


class ProblemsError(CchcError):
    """Raised with every problem of a file or batch; nothing from it was used."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """The problems as a person reads them: the first MAX_LISTED, then how many more."""
        shown = [str(p) for p in self.problems[:MAX_LISTED]]
        more = len(self.problems) - len(shown)
        return shown + ([f"… và {more} lỗi nữa"] if more > 0 else [])


class ConflictError(ProblemsError):
    """Someone else saved the same score since it was read; nothing was written."""


class RuleInputError(CchcError):
    """What a person declared cannot be scored; the message is shown beside the field."""


class EvidenceError(CchcError):
    """An evidence file was refused; the message says why, in words the uploader understands."""
