"""Problems found in a file a person supplied, reported all at once and in plain words."""

from __future__ import annotations

from dataclasses import dataclass


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


class ProblemsError(ValueError):
    """Raised with every problem of a file; nothing from that file was used."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
