"""Typed, read-only views of the supervision records in ``repo.records``, each with its Source.

The repository keeps these records raw (``repo.records[kind] = [(file, data)]``, validated by their
schemas). The views here are what facts, reports and scorecards read, so each of them interprets a
field in one place. Views are built once per repository and cached on it.
"""
from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass, field

from .model import Source

CLOSED_FINDING = ("已整改", "已销号")
DELEGATED_TYPES = ("委托", "授权")
BUCK_PASSING_TAGS = ("推诿", "多头")

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")


# ---- dates and periods ---------------------------------------------------------------------
def as_date(value) -> _dt.date | None:
    """A YAML date, a datetime or an ISO string as a date; anything else None."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def period_text(value) -> str:
    return str(value).strip() if value is not None else ""


def period_bounds(period) -> tuple[_dt.date, _dt.date]:
    """First and last day of a period: ``2025``, ``2025-Q2`` or ``2025-03``."""
    m = _PERIOD.match(period_text(period))
    if not m:
        raise ValueError(f"期间格式应为 2025、2025-Q1 或 2025-03：{period}")
    year = int(m.group(1))
    if m.group(2):
        q = int(m.group(2))
        first, last = 3 * q - 2, 3 * q
    elif m.group(3):
        first = last = int(m.group(3))
    else:
        first, last = 1, 12
    return _dt.date(year, first, 1), _dt.date(year, last, calendar.monthrange(year, last)[1])


def in_period(day: _dt.date | None, period) -> bool:
    if day is None:
        return False
    start, end = period_bounds(period)
    return start <= day <= end


def period_of(day: _dt.date, granularity: str) -> str:
    """The period label of ``day``: ``year`` 2025, ``quarter`` 2025-Q1, ``month`` 2025-03."""
    if granularity == "year":
        return f"{day.year}"
    if granularity == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


# ---- views -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PerfEntry:
    ledger: str
    department: str
    period: str
    power: str | None
    duty: tuple | None            # (unit, no)
    name: str | None
    unit: str | None
    handled: int
    on_time: int
    measure: str | None
    idle_reason: str | None
    evidence: tuple
    source: Source

    @property
    def target(self) -> str:
        if self.power:
            return self.power
        if self.duty:
            return f"{self.duty[0]}#{self.duty[1]}"
        return f"#{self.source.path[-1]}"

    @property
    def key(self) -> str:
        return entry_key(self.ledger, self.power, self.duty) or f"{self.ledger}|#{self.source.path[-1]}"


def entry_key(ledger: str, power=None, duty=None) -> str | None:
    """The key of a performance entry as supervision targets and evidence refer to it."""
    if power:
        return f"{ledger}|{power}"
    if duty:
        return f"{ledger}|{duty[0]}#{duty[1]}"
    return None


@dataclass(frozen=True)
class Ledger:
    id: str
    department: str
    period: str
    compiled_on: _dt.date | None
    entries: tuple
    source: Source


@dataclass(frozen=True)
class Target:
    ledger: str
    power: str | None
    duty: tuple | None
    source: Source

    @property
    def entry_key(self) -> str | None:
        return entry_key(self.ledger, self.power, self.duty)


@dataclass(frozen=True)
class Finding:
    supervision: str
    no: int
    text: str
    severity: str | None
    department: str               # effective: the finding's own, else the supervision's
    own_department: str | None
    due: _dt.date | None
    response: dict | None
    status: str
    closed_on: _dt.date | None
    source: Source

    @property
    def key(self) -> str:
        return f"{self.supervision}#{self.no}"

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_FINDING

    @property
    def response_date(self) -> _dt.date | None:
        return as_date((self.response or {}).get("date"))

    def late(self, today: _dt.date) -> bool:
        """Not answered by the due date: answered after it, or unanswered and past it."""
        if self.due is None:
            return False
        answered = self.response_date
        return answered > self.due if answered else today > self.due

    def overdue(self, today: _dt.date) -> bool:
        return not self.closed and self.due is not None and today > self.due


@dataclass(frozen=True)
class Supervision:
    id: str
    title: str
    type: str
    lead_source: str
    lead_ref: str | None
    problems: tuple
    organizer: str | None
    department: str
    opened: _dt.date | None
    targets: tuple
    findings: tuple
    status: str
    closed: _dt.date | None
    source: Source


@dataclass(frozen=True)
class ProblemRecord:
    id: str
    origin: str                    # 来源: 12345 电视问政 部门 区县 …
    order_id: str | None
    date: _dt.date | None
    content: str
    district: str | None
    departments: tuple
    tags: tuple
    matter: str | None
    boundary: str | None
    dispute: str | None
    status: str | None
    batch: str
    source: Source

    @property
    def buck_passing(self) -> bool:
        return any(t in BUCK_PASSING_TAGS for t in self.tags)


@dataclass(frozen=True)
class Party:
    department: str
    position: str
    source: Source


@dataclass(frozen=True)
class Dispute:
    id: str
    matter: str
    raised: _dt.date | None
    raised_by: str | None
    problems: tuple
    parties: tuple
    status: str
    decision: dict | None
    adjustment: dict | None
    source: Source

    @property
    def decided(self) -> bool:
        return self.status == "已裁定"


@dataclass(frozen=True)
class Member:
    department: str | None
    organization: str | None
    role: str | None
    source: Source


@dataclass(frozen=True)
class Body:
    id: str
    name: str
    type: str                      # 长期 | 临时
    host: str
    office: str | None
    leader: str | None
    members: tuple
    established: dict
    work_rules: dict | None
    office_rules: dict | None
    term_end: _dt.date | None
    review_due: _dt.date | None
    status: str                    # 存续 | 撤销 | 合并
    abolished: dict | None
    records: tuple                 # (date, type, subject, document)
    source: Source

    @property
    def active(self) -> bool:
        return self.status == "存续"

    @property
    def established_on(self) -> _dt.date | None:
        return as_date((self.established or {}).get("date"))

    @property
    def abolished_on(self) -> _dt.date | None:
        return as_date((self.abolished or {}).get("date"))

    def existed_on(self, day: _dt.date) -> bool:
        start = self.established_on
        end = self.abolished_on
        return (start is None or start <= day) and (self.active or end is None or day < end)


@dataclass(frozen=True)
class DivisionItem:
    division: str
    no: int
    item: str
    name: str
    domain: str | None
    type: str | None
    city_duties: tuple
    county_duties: tuple
    power_source: str | None
    delegation: dict | None
    source: Source

    @property
    def key(self) -> str:
        return f"{self.division}#{self.no}"

    @property
    def delegated(self) -> bool:
        return self.type in DELEGATED_TYPES


@dataclass(frozen=True)
class Division:
    id: str
    name: str
    document: str | None
    effective: _dt.date | None
    departments: tuple
    items: tuple
    source: Source


@dataclass(frozen=True)
class Indicator:
    system: str
    code: str
    name: str
    level: int                     # 1, 2, 3
    type: str                      # 共性 | 个性 (inherited from the level-1 ancestor)
    weight: float
    applies_to: tuple              # department categories (inherited; empty = all)
    children: tuple
    points: tuple = ()
    method: str | None = None
    scoring: str | None = None
    computed: dict | None = None
    note: str | None = None
    own_applies: tuple = ()        # applies_to written on this node itself
    source: Source = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return f"{self.system}|{self.code}"

    def leaves(self):
        if self.level == 3:
            yield self
        for c in self.children:
            yield from c.leaves()


@dataclass(frozen=True)
class IndicatorSystem:
    id: str
    name: str
    organization_types: tuple
    core_points: float
    individual_points: float
    formula: str | None
    categories: dict               # name -> tuple of department ids
    indicators: tuple              # level-1 Indicators
    source: Source

    def category_of(self, department: str) -> str | None:
        return next((name for name, depts in self.categories.items() if department in depts), None)

    def leaves(self):
        for top in self.indicators:
            yield from top.leaves()

    def indicator(self, code: str) -> Indicator | None:
        def walk(nodes):
            for n in nodes:
                if n.code == code:
                    return n
                found = walk(n.children)
                if found:
                    return found
            return None
        return walk(self.indicators)

    def applies(self, leaf: Indicator, department: str) -> bool:
        if leaf.type == "共性" or not leaf.applies_to:
            return True
        return self.category_of(department) in leaf.applies_to


@dataclass(frozen=True)
class Score:
    evaluation: str
    indicator: str
    score: float
    reason: str | None
    evidence: tuple                # dicts {type, ref, item?, note?}
    source: Source


@dataclass(frozen=True)
class Evaluation:
    id: str
    period: str
    department: str
    system: str
    stage: str
    evaluators: tuple
    date: _dt.date | None
    scores: tuple
    feedback: tuple
    rectification: tuple
    source: Source

    def score(self, code: str) -> Score | None:
        return next((s for s in self.scores if s.indicator == code), None)


@dataclass
class Views:
    ledgers: list
    supervisions: list
    problems: list
    disputes: list
    bodies: list
    divisions: list
    systems: list
    evaluations: list

    @property
    def entries(self) -> list:
        return [e for l in self.ledgers for e in l.entries]

    def system(self, system_id: str) -> IndicatorSystem | None:
        return next((s for s in self.systems if s.id == system_id), None)

    def body(self, body_id: str) -> Body | None:
        return next((b for b in self.bodies if b.id == body_id), None)


def views(repo) -> Views:
    """All supervision records of ``repo`` as typed views (built once, then cached on the repository)."""
    cached = repo.__dict__.get("_supervision_views")
    if cached is not None:
        return cached
    recs = getattr(repo, "records", {}) or {}
    v = Views(
        ledgers=[_ledger(f, d) for f, d in recs.get("performance", ())],
        supervisions=[_supervision(f, d) for f, d in recs.get("supervision", ())],
        problems=[p for f, d in recs.get("problem", ()) for p in _problems(f, d)],
        disputes=[_dispute(f, d) for f, d in recs.get("dispute", ())],
        bodies=[_body(f, d) for f, d in recs.get("body", ())],
        divisions=[_division(f, d) for f, d in recs.get("division", ())],
        systems=[_system(f, d) for f, d in recs.get("indicator", ())],
        evaluations=[_evaluation(f, d) for f, d in recs.get("evaluation", ())],
    )
    repo.__dict__["_supervision_views"] = v
    return v


# ---- builders ------------------------------------------------------------------------------
def _duty(raw) -> tuple | None:
    if isinstance(raw, dict) and "unit" in raw and "no" in raw:
        return (raw["unit"], raw["no"])
    return None


def _ledger(file, d) -> Ledger:
    lid, dept, period = d["id"], d["department"], period_text(d["period"])
    entries = tuple(PerfEntry(
        ledger=lid, department=dept, period=period, power=(str(e["power"]) if e.get("power") else None),
        duty=_duty(e.get("duty")), name=e.get("name"), unit=e.get("unit"), handled=int(e["handled"]),
        on_time=int(e["on_time"]), measure=e.get("measure"), idle_reason=e.get("idle_reason"),
        evidence=tuple(e.get("evidence") or ()), source=Source(file, ("entries", i)))
        for i, e in enumerate(d.get("entries") or ()))
    return Ledger(lid, dept, period, as_date(d.get("compiled_on")), entries, Source(file, ()))


def _supervision(file, d) -> Supervision:
    sid, dept = d["id"], d["department"]
    targets = tuple(Target(t["ledger"], str(t["power"]) if t.get("power") else None, _duty(t.get("duty")),
                           Source(file, ("targets", i))) for i, t in enumerate(d.get("targets") or ()))
    findings = tuple(Finding(
        supervision=sid, no=f["no"], text=f["finding"], severity=f.get("severity"),
        department=f.get("department") or dept, own_department=f.get("department"), due=as_date(f.get("due")),
        response=f.get("response"), status=f["status"], closed_on=as_date(f.get("closed_on")),
        source=Source(file, ("findings", i))) for i, f in enumerate(d.get("findings") or ()))
    return Supervision(sid, d["title"], d["kind"], str(d["lead_source"]), d.get("lead_ref"), tuple(d.get("problems") or ()),
                       d.get("organizer"), dept, as_date(d.get("opened")), targets, findings, d["status"],
                       as_date(d.get("closed")), Source(file, ()))


def _problems(file, d):
    default = str(d["source"]) if d.get("source") is not None else None
    for i, p in enumerate(d.get("problems") or ()):
        yield ProblemRecord(
            id=p["id"], origin=str(p["source"]) if p.get("source") is not None else (default or "其他"), order_id=p.get("order_id"),
            date=as_date(p.get("date")), content=p["content"], district=p.get("district"),
            departments=tuple(p.get("departments") or ()), tags=tuple(p.get("tags") or ()), matter=p.get("matter"),
            boundary=p.get("boundary"), dispute=p.get("dispute"), status=p.get("status"), batch=d["batch"],
            source=Source(file, ("problems", i)))


def _dispute(file, d) -> Dispute:
    parties = tuple(Party(p["department"], p["position"], Source(file, ("parties", i)))
                    for i, p in enumerate(d.get("parties") or ()))
    return Dispute(d["id"], d["matter"], as_date(d.get("raised")), d.get("raised_by"), tuple(d.get("problems") or ()),
                   parties, d["status"], d.get("decision"), d.get("adjustment"), Source(file, ()))


def _body(file, d) -> Body:
    members = tuple(Member(m.get("department"), m.get("organization"), m.get("role"), Source(file, ("members", i)))
                    for i, m in enumerate(d.get("members") or ()))
    records = tuple((as_date(r.get("date")), r.get("type"), r.get("subject"), r.get("document"))
                    for r in d.get("records") or ())
    return Body(d["id"], d["name"], d["kind"], d["host"], d.get("office"), d.get("leader"), members,
                d.get("established") or {}, d.get("work_rules"), d.get("office_rules"), as_date(d.get("term_end")),
                as_date(d.get("review_due")), d["status"], d.get("abolished"), records, Source(file, ()))


def _division(file, d) -> Division:
    did = d["id"]
    items = tuple(DivisionItem(
        division=did, no=it["no"], item=str(it["item"]), name=it["name"], domain=it.get("domain"), type=it.get("type"),
        city_duties=tuple(it.get("city_duties") or ()), county_duties=tuple(it.get("county_duties") or ()),
        power_source=it.get("power_source"), delegation=it.get("delegation"), source=Source(file, ("items", i)))
        for i, it in enumerate(d.get("items") or ()))
    return Division(did, d["name"], d.get("document"), as_date(d.get("effective")), tuple(d.get("departments") or ()),
                    items, Source(file, ()))


def _system(file, d) -> IndicatorSystem:
    sid = d["id"]

    def node(raw, level, path, kind, applies):
        own = tuple(raw.get("applies_to") or ())
        applies = own or applies
        kids = tuple(node(c, level + 1, path + ("children", i), kind, applies)
                     for i, c in enumerate(raw.get("children") or ())) if level < 3 else ()
        return Indicator(system=sid, code=str(raw["code"]), name=raw["name"], level=level, type=kind,
                         weight=float(raw["weight"]), applies_to=applies, children=kids,
                         points=tuple(raw.get("points") or ()), method=raw.get("method"), scoring=raw.get("scoring"),
                         computed=raw.get("computed"), note=raw.get("note"), own_applies=own,
                         source=Source(file, path))

    tops = tuple(node(top, 1, ("indicators", i), top.get("type", "共性"), ())
                 for i, top in enumerate(d.get("indicators") or ()))
    cats = {c["name"]: tuple(c.get("departments") or ()) for c in d.get("categories") or ()}
    return IndicatorSystem(sid, d["name"], tuple(d.get("organization_types") or ()), float(d["core_points"]),
                           float(d.get("individual_points") or 0), d.get("formula"), cats, tops, Source(file, ()))


def _evaluation(file, d) -> Evaluation:
    eid = d["id"]
    scores = tuple(Score(eid, str(s["indicator"]), float(s["score"]), s.get("reason"), tuple(s.get("evidence") or ()),
                         Source(file, ("scores", i))) for i, s in enumerate(d.get("scores") or ()))
    return Evaluation(eid, period_text(d["period"]), d["department"], d["system"], d["stage"],
                      tuple(d.get("evaluators") or ()), as_date(d.get("date")), scores,
                      tuple(d.get("feedback") or ()), tuple(d.get("rectification") or ()), Source(file, ()))
