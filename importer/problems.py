"""Problems found in a feed, each one a clerk can act on: row, column, value, what is wrong."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    value: str | None
    message_en: str
    message_vi: str
    severity: str = "error"

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column “{self.column}”")
        value = f" value “{self.value}”:" if self.value not in (None, "") else ""
        place = ", ".join(where) + ":" if where else ""
        return f"{self.severity}: {place}{value} {self.message_en} / {self.message_vi}".replace(
            ":  ", ": "
        )


class FeedError(Exception):
    """The file as a whole cannot be read; nothing was imported."""

    def __init__(self, message_en: str, message_vi: str, row: int | None = None) -> None:
        super().__init__(message_en)
        self.problem = Problem(row, None, None, message_en, message_vi)

    @classmethod
    def from_problem(cls, problem: Problem) -> FeedError:
        return cls(problem.message_en, problem.message_vi, problem.row)


class FieldProblem(ValueError):
    """A value that cannot be accepted, with its reason in both languages."""

    def __init__(self, message_en: str, message_vi: str) -> None:
        super().__init__(message_en)
        self.message_en, self.message_vi = message_en, message_vi


def shorten(value: object, limit: int = 80) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
