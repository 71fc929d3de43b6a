"""Typed, read-only objects of the three lists. Each remembers where it was written (file + JSON path)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Source:
    file: str
    path: tuple


@dataclass(frozen=True, slots=True)
class LegalBasis:
    level: str
    title: str
    article: str
    text: str | None = None

    def __str__(self) -> str:
        return f"【{self.level}】《{self.title}》{self.article}"


@dataclass(frozen=True, slots=True)
class MainDuty:
    department: str
    no: int
    text: str
    source: Source

    @property
    def key(self) -> str:
        return f"{self.department}#{self.no}"


@dataclass(frozen=True, slots=True)
class Unit:
    department: str
    name: str
    duties_summary: str | None
    source: Source

    @property
    def key(self) -> str:
        return f"{self.department}/{self.name}"


@dataclass(frozen=True, slots=True)
class DepartmentEvent:
    """One event of a department's 沿革: 设立, 更名, 合并 (into ``successor``) or 撤销 (its duties to
    ``successor``), on ``date`` (a ``datetime.date``; None when unreadable), approved by ``approval``."""
    event: str
    date: object
    approval: str
    successor: str | None = None
    predecessors: tuple[str, ...] = ()
    former_name: str | None = None
    source: Source = field(compare=False, repr=False, default=None)

    @property
    def ends(self) -> bool:
        return self.event in ("合并", "撤销")


@dataclass(frozen=True, slots=True)
class Department:
    id: str
    code: str
    name: str
    short_name: str | None
    type: str | None
    sanding_document: str | None
    sanding_effective: object
    main_duties: tuple[MainDuty, ...]
    units: tuple[Unit, ...]
    source: Source
    lifecycle: tuple[DepartmentEvent, ...] = ()     # 沿革, in date order
    aliases: tuple[str, ...] = ()                    # 简称、俗称、机构改革前的名称 (12345 names it so)

    @property
    def key(self) -> str:
        return self.id

    def unit(self, name: str) -> Unit | None:
        return next((u for u in self.units if u.name == name), None)

    @property
    def end(self) -> DepartmentEvent | None:
        """The 合并 or 撤销 that ended the department, if any (the first, by date)."""
        return next((e for e in self.lifecycle if e.ends and e.date is not None), None)

    @property
    def ended_on(self):
        end = self.end
        return end.date if end else None

    @property
    def successor(self) -> str | None:
        end = self.end
        return end.successor if end else None

    @property
    def established_on(self):
        return next((e.date for e in self.lifecycle if e.event == "设立" and e.date is not None), None)

    def existed_on(self, day) -> bool:
        """Whether the department existed on ``day`` (from its 设立, until its 合并 or 撤销)."""
        start, end = self.established_on, self.ended_on
        return (start is None or start <= day) and (end is None or day < end)

    def name_on(self, day) -> str:
        """The name the department had on ``day`` (before a 更名, its former name)."""
        for e in self.lifecycle:
            if e.event == "更名" and e.former_name and e.date is not None and day < e.date:
                return e.former_name
        return self.name


@dataclass(frozen=True, slots=True)
class PowerItem:
    code: str
    department: str
    name: str
    sub_name: str | None
    category: str
    legal_basis: tuple[LegalBasis, ...]
    unit: str
    levels: tuple[str, ...]
    sanding_duty: int | None
    responsibilities: tuple[str, ...]
    accountability_targets: tuple[str, ...]
    accountability_cases: tuple[str, ...]
    power_source: str
    source_document: str | None
    delegator: str | None
    co_departments: tuple[str, ...]
    catalog_code: str | None
    supervision_items: tuple[str, ...]
    status: str
    remark: str | None
    raw: dict = field(compare=False, repr=False)
    source: Source = field(compare=False, repr=False, default=None)

    @property
    def key(self) -> str:
        return self.code

    @property
    def full_name(self) -> str:
        return f"{self.name}（{self.sub_name}）" if self.sub_name else self.name


@dataclass(frozen=True, slots=True)
class UnitDuty:
    department: str
    unit: str
    no: int
    sanding_duty: int
    content: str
    tasks: tuple[str, ...]
    post: str | None
    source: Source = field(compare=False, repr=False, default=None)

    @property
    def key(self) -> str:
        return f"{self.department}/{self.unit}#{self.no}"


@dataclass(frozen=True, slots=True)
class BoundaryRole:
    department: str
    role: str
    duties: tuple[str, ...]
    source: Source = field(compare=False, repr=False, default=None)
    # (from, until) as YYYYMMDD numbers: the role's own effective/expires dates (a lead handed over on a day)
    period: tuple[int, int] = field(compare=False, repr=False, default=(0, 99991231))


@dataclass(frozen=True, slots=True)
class BoundaryMatter:
    id: str
    name: str
    domain: str | None
    basis: tuple[LegalBasis, ...]
    related_powers: tuple[str, ...]
    roles: tuple[BoundaryRole, ...]
    mechanism: dict
    source: Source = field(compare=False, repr=False, default=None)

    @property
    def key(self) -> str:
        return self.id

    @property
    def lead(self) -> str | None:
        leads = [r.department for r in self.current_roles() if r.role == "牵头"]
        return leads[0] if len(leads) == 1 else None

    @property
    def cooperating(self) -> tuple[str, ...]:
        return tuple(r.department for r in self.current_roles() if r.role == "配合")

    def current_roles(self, day: int | None = None) -> tuple[BoundaryRole, ...]:
        """The roles in force on ``day`` (YYYYMMDD; default today) when some role carries its own dates
        (a lead handed over: the old roles expire, the swapped ones take effect); else every role."""
        if all(r.period == (0, 99991231) for r in self.roles):
            return self.roles
        if day is None:
            import datetime
            day = int(datetime.date.today().strftime("%Y%m%d"))
        return tuple(r for r in self.roles if r.period[0] <= day < r.period[1])


@dataclass(frozen=True, slots=True)
class Claim:
    department: str
    role: str


@dataclass(frozen=True, slots=True)
class CatalogItem:
    catalog: str
    code: str
    name: str
    domain: str | None
    claims: tuple[Claim, ...]
    source: Source = field(compare=False, repr=False, default=None)

    @property
    def key(self) -> str:
        return f"{self.catalog}/{self.code}"

    @property
    def leads(self) -> tuple[str, ...]:
        return tuple(c.department for c in self.claims if c.role == "牵头")


@dataclass(frozen=True, slots=True)
class Waiver:
    rule: str
    items: tuple[str, ...]
    owner: str
    approval: str
    expires: object
    reason: str | None
    source: Source = field(compare=False, repr=False, default=None)
    approved_by: str | None = None
    approved_on: object = None     # a date; the term runs from here to ``expires``
    author: str | None = None
