"""工作流程 (work processes) and 审管协同 (approval–supervision pairs): typed, read-only objects.

``lists/processes/<dept>.yaml`` holds a department's work processes (流程再造): each belongs to one unit
duty of the 职责任务清单 (``duty: {unit, no}``), names the power items it carries out, and lists its
steps with the responsible unit or post, 时限 and 要件; a step handled by another department is a
hand-off (``department:``), resting on a boundary matter or an approval–supervision pair (``handoff:``).
``lists/approval-supervision/SG-*.yaml`` holds one record per 相对集中许可 item: the approving body, the
supervising department and its matching 行政检查, what is pushed within what time, how 审批监控 is done.

The builders here are called by ``lists.repository`` for each clean file; the queries the library
offers (``repo.processes_of(dept)`` …) are thin methods there over the indexes built here once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Source

WORKING, CALENDAR = "工作日", "自然日"
# time limits of different day types are compared in sevenths of a working day: a working day is 7
# units, a calendar day 5 (five working days in seven calendar days); equal types compare exactly
_UNITS = {WORKING: 7, CALENDAR: 5}


def time_units(days: int, day_type: str) -> int:
    """``days`` of ``day_type`` in sevenths of a working day (see ``_UNITS``)."""
    return int(days) * _UNITS.get(day_type, 7)


@dataclass(frozen=True, slots=True)
class Step:
    no: int
    name: str
    department: str               # the department handling the step (the process's own unless a hand-off)
    unit: str
    post: str | None
    days: int
    materials: tuple[str, ...]
    standard: str | None
    handoff: str | None           # BJ-… or SG-… the cross-department step rests on
    cross: bool                   # handled by another department than the process's
    source: Source = field(compare=False, repr=False, default=None)


@dataclass(frozen=True, slots=True)
class Process:
    id: str
    department: str
    name: str
    duty_unit: str
    duty_no: int
    items: tuple[str, ...]
    day_type: str
    steps: tuple[Step, ...]
    remark: str | None
    source: Source = field(compare=False, repr=False, default=None)

    @property
    def key(self) -> str:
        return self.id

    @property
    def duty_key(self) -> str:
        """The unit duty it belongs to, as ``UnitDuty.key`` spells it."""
        return f"{self.department}/{self.duty_unit}#{self.duty_no}"

    @property
    def total_days(self) -> int:
        return sum(s.days for s in self.steps)

    @property
    def materials(self) -> tuple[str, ...]:
        """Every 要件 of its steps, in order, each once."""
        return tuple(dict.fromkeys(m for s in self.steps for m in s.materials))

    @property
    def handoff_departments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.department for s in self.steps if s.cross))


@dataclass(frozen=True, slots=True)
class ApprovalSupervision:
    id: str
    item: str
    name: str | None
    approving: str
    supervising: str
    inspection: str
    push_content: tuple[str, ...]
    push_days: int | None
    push_day_type: str | None
    push_channel: str | None
    monitoring: str | None
    feedback: str | None
    source: Source = field(compare=False, repr=False, default=None)

    @property
    def key(self) -> str:
        return self.id


def build_processes(repo, rel: str, data: dict) -> None:
    """Add one department's process file to ``repo.processes`` (file order)."""
    dept = data["department"]
    for i, p in enumerate(data.get("processes") or ()):
        path = ("processes", i)
        steps = []
        for j, s in enumerate(p.get("steps") or ()):
            other = s.get("department")
            steps.append(Step(int(s["no"]), s["name"], other or dept, s["unit"], s.get("post"), int(s["days"]),
                              tuple(s.get("materials") or ()), s.get("standard"), s.get("handoff"),
                              bool(other) and other != dept, Source(rel, path + ("steps", j))))
        duty = p["duty"]
        repo.processes.append(Process(p["id"], dept, p["name"], duty["unit"], int(duty["no"]),
                                      tuple(str(c) for c in p.get("items") or ()), p["day_type"], tuple(steps),
                                      p.get("remark"), Source(rel, path)))


def build_approval_supervision(repo, rel: str, data: dict) -> None:
    """Add one 审管协同 record to ``repo.approval_pairs``."""
    push = data.get("push") or {}
    repo.approval_pairs.append(ApprovalSupervision(
        data["id"], str(data["item"]), data.get("name"), data["approving"], data["supervising"],
        str(data["inspection"]), tuple(push.get("content") or ()), push.get("days"), push.get("day_type"),
        push.get("channel"), data.get("monitoring"), data.get("feedback"), Source(rel, ())))


class ProcessIndex:
    """The processes by department, by power item and by unit duty; built once per repository."""

    def __init__(self, processes):
        self.by_department: dict = {}
        self.by_item: dict = {}
        self.by_duty: dict = {}
        for p in processes:
            self.by_department.setdefault(p.department, []).append(p)
            self.by_duty.setdefault(p.duty_key, []).append(p)
            for code in dict.fromkeys(p.items):
                self.by_item.setdefault(code, []).append(p)


def index_of(repo) -> ProcessIndex:
    """The repository's process index (cached on it; the repository is read-only once built)."""
    idx = repo.__dict__.get("_process_index")
    if idx is None:
        idx = repo.__dict__["_process_index"] = ProcessIndex(repo.processes)
    return idx
