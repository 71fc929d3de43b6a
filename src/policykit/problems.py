"""The one located diagnostic every part of policykit reports (cf. yamllint's LintProblem)."""
from __future__ import annotations

from dataclasses import dataclass, field, asdict

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass(frozen=True, order=True)
class Problem:
    """A problem at ``file:line:column`` (1-based), with the JSON path inside the document.

    Ordering is by file, then position, then rule, so reports are stable.
    """

    file: str
    line: int
    column: int
    path: str
    rule: str
    severity: str
    message: str
    waived_by: str | None = field(default=None, compare=False)

    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def as_dict(self) -> dict:
        data = asdict(self)
        if data["waived_by"] is None:
            del data["waived_by"]
        return data

    def as_row(self) -> list:
        """The problem without its file, as a JSON list (cache entries and stored results)."""
        return [self.line, self.column, self.path, self.rule, self.severity, self.message, self.waived_by]

    @classmethod
    def from_row(cls, file: str, row) -> "Problem":
        """The inverse of :meth:`as_row`; ``ValueError`` when the row is not one we write."""
        try:
            line, column, path, rule, severity, message, waived = row
        except (TypeError, ValueError):
            raise ValueError("not a problem row") from None
        if not (type(line) is int and type(column) is int and isinstance(path, str) and isinstance(rule, str)
                and isinstance(severity, str) and isinstance(message, str)
                and (waived is None or isinstance(waived, str))):
            raise ValueError("not a problem row")
        return cls(file, line, column, path, rule, severity, message, waived)


def at_least(problems, threshold: str):
    """Problems whose severity is at or above ``threshold`` and that are not waived."""
    floor = SEVERITY_RANK[threshold]
    return [p for p in problems if p.waived_by is None and SEVERITY_RANK[p.severity] >= floor]


def summarize(problems) -> dict:
    counts = {s: 0 for s in SEVERITIES}
    waived = 0
    for p in problems:
        if p.waived_by is not None:
            waived += 1
        else:
            counts[p.severity] += 1
    return {**counts, "waived": waived, "total": len(problems)}
