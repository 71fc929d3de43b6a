"""Facts of the departments' 沿革 (设立, 更名, 合并, 撤销), read by ``rules/organization/lifecycle-*.yaml``.

``dept_event``: one per event, with whether an event that ends a department names a known successor.
``dept_ref``: a reference to a department made *after* it ended — a record dated on or after its 合并
or 撤销 (a 12345 problem, a supervision, a dispute, a ledger or an evaluation whose period starts
then), or, for the lists as they are today, a power file, boundary role or catalogue claim — with
the successor that holds its duties. References before the end stay valid: a 2025 problem naming a
department abolished in 2026 points at the department as it was. Only departments that have ended
produce ``dept_ref`` facts, so a city without such events pays nothing.
"""
from __future__ import annotations

import datetime as _dt

from ..lists.model import Source
from ..lists.records import period_bounds, views

NO_SUCCESSOR = "（未写明承接部门）"

LIFECYCLE_FACT_KINDS: dict[str, dict[str, str]] = {
    "dept_event": {"department": "部门", "department_name": "部门名称", "event": "沿革事件", "date": "日期",
                   "successor": "承接部门（有则存在）", "successor_ok": "合并/撤销写明了名录中的承接部门（合并、撤销时存在）"},
    "dept_ref": {"record_kind": "引用所在的记录或清单", "record": "记录编号或事项", "date": "记录日期",
                 "department": "引用的部门", "department_name": "部门名称", "event": "合并或撤销",
                 "ended_on": "合并或撤销日期", "successor": "承接部门（有则存在）", "successor_name": "承接部门名称",
                 "has_ended": "记录日期在合并或撤销当日或之后"},
}


def lifecycle_facts(repo, add, today: _dt.date) -> None:
    """The lifecycle facts of ``repo``, in a fixed order (the order is part of the output)."""
    for dept in sorted(repo.departments.values(), key=lambda d: d.id):
        for e in dept.lifecycle:
            ok = None
            if e.ends:
                ok = bool(e.successor) and e.successor != dept.id and e.successor in repo.departments
            add("dept_event", f"{dept.id}|{e.source.path[-1]}", e.source, department=dept.id,
                department_name=dept.short_name or dept.name, event=e.event,
                date=e.date.isoformat() if e.date else None, successor=e.successor, successor_ok=ok)
    ended = {d.id: d for d in repo.departments.values() if d.ended_on is not None}
    if not ended:
        return

    def ref(kind: str, record: str, day, dept_id, source: Source) -> None:
        d = ended.get(dept_id)
        if d is None or day is None or day < d.ended_on:
            return
        successor = repo.current_department(dept_id, day)
        successor = successor if successor != dept_id else None
        add("dept_ref", f"{kind}|{record}|{dept_id}|{source.file}|{'/'.join(map(str, source.path))}", source,
            record_kind=kind, record=record, date=day.isoformat(), department=dept_id,
            department_name=d.short_name or d.name, event=d.end.event, ended_on=d.ended_on.isoformat(),
            successor=successor, successor_name=repo.department_name(successor) if successor else NO_SUCCESSOR,
            has_ended=True)

    _record_refs(repo, ref)
    _list_refs(repo, ref, today)


def _period_start(period):
    try:
        return period_bounds(period)[0]
    except ValueError:
        return None


def _record_refs(repo, ref) -> None:
    """Supervision records dated on or after a department's end that still name it."""
    v = views(repo)
    for p in v.problems:
        for i, dept in enumerate(p.departments):
            ref("问题", p.id, p.date, dept, Source(p.source.file, tuple(p.source.path) + ("departments", i)))
    for s in v.supervisions:
        ref("督导", s.id, s.opened, s.department, Source(s.source.file, ("department",)))
    for d in v.disputes:
        for party in d.parties:
            ref("调处", d.id, d.raised, party.department,
                Source(party.source.file, tuple(party.source.path) + ("department",)))
    for ledger in v.ledgers:
        ref("履职台账", ledger.id, _period_start(ledger.period), ledger.department,
            Source(ledger.source.file, ("department",)))
    for e in v.evaluations:
        ref("履职评估", e.id, _period_start(e.period), e.department, Source(e.source.file, ("department",)))


def _list_refs(repo, ref, today: _dt.date) -> None:
    """The lists as they are today: a power file, a boundary role or a catalogue claim that still
    names a department after its end."""
    for rel, dept in sorted(repo.power_files.items()):
        if any(i.department == dept and i.status == "在用" for i in repo.power_items):
            ref("权责清单", rel, today, dept, Source(rel, ("department",)))
    for b in repo.boundaries:
        for r in b.roles:
            ref("职责边界", b.id, today, r.department, Source(r.source.file, tuple(r.source.path) + ("department",)))
    for c in repo.catalog_items:
        for i, claim in enumerate(c.claims):
            ref("监管事项", c.key, today, claim.department,
                Source(c.source.file, tuple(c.source.path) + ("claims", i, "department")))
