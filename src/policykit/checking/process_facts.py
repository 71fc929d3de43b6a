"""Facts of the work processes (流程再造) and 审管协同 records, read by the rules under ``rules/process/``.

``policykit.checking.facts`` imports this module and calls ``process_facts(repo, add)``; ``add(kind, key,
source, **fields)`` makes one fact (str, int or bool fields; ``None`` fields are dropped). Everything
derived — which unit duties must have a process (``processes.coverage`` in ``policykit.yaml``), the total
时限 of a process and the item's 时限 in one unit, the department pairs a boundary matter or an 审管
pair lets hand off to each other, the normalised 要件 — is computed here, so the rules stay joins and
comparisons the plain-Python oracle evaluates the same way.

Time limits of both day types are compared in sevenths of a working day (``lists.processes.time_units``):
a working day is 7, a calendar day 5; two limits of the same type compare exactly.
"""
from __future__ import annotations

import re
import unicodedata

from ..lists.model import Source
from ..lists.processes import time_units

ALL_TYPES = "全部"

PROCESS_FACT_KINDS: dict[str, dict[str, str]] = {
    # only the processes whose duty is not in the task list: at Jinan scale 9,500 process facts asserted to
    # find the few unlinked ones cost a sixth of a cold check (measured), the lookup here costs nothing
    "process_unlinked": {"id": "流程编号", "department": "部门", "name": "流程名称",
                         "duty_key": "所属处室职责（部门/处室#序号）", "duty": "所属处室职责（处室#序号）",
                         "duty_known": "所属处室职责在职责任务清单中"},
    # only the duties of a covered department that no process belongs to (9,400 covered duties at Jinan
    # scale would otherwise be asserted only to find the few without one)
    "process_duty_expected": {"department": "部门", "unit": "内设机构", "no": "职责序号", "content": "职责内容",
                              "duty_key": "部门/内设机构#职责序号", "process_count": "所属的工作流程数"},
    "process_item": {"process": "流程编号", "process_name": "流程名称", "department": "部门", "code": "承接的权力事项编码",
                     "total_time_count": "时限合计（七分之一工作日）", "total_days": "时限合计（天，文本）",
                     "day_type": "时限计算方式"},
    "item_time_limit": {"code": "事项编码", "department": "部门", "name": "事项名称", "limit_kind": "承诺时限或法定时限",
                        "limit_days": "时限（天，文本）", "day_type": "时限计算方式",
                        "limit_time_count": "时限（七分之一工作日）"},
    # a unit a process names other than its own duty's unit (that one the task list's rules check)
    "process_unit": {"process": "流程编号", "process_name": "流程名称", "department": "承办部门", "no": "首个步骤序号",
                     "name": "步骤名称", "unit": "责任处室", "unit_key": "承办部门/责任处室"},
    "process_handoff": {"process": "流程编号", "process_name": "流程名称", "owner": "流程所属部门", "department": "承办部门",
                        "no": "步骤序号", "name": "步骤名称", "pair_key": "流程所属部门|承办部门",
                        "handoff": "衔接依据编号（有则存在）", "handoff_key": "衔接依据|流程所属部门|承办部门（有则存在）"},
    "cooperation_pair": {"first": "部门", "second": "部门", "via": "依据（边界事项或审管协同编号）"},
    "cooperation_ref": {"ref": "边界事项或审管协同编号", "first": "部门", "second": "部门"},
    "process_material": {"process": "流程编号", "material": "要件"},
    "process_required_material": {"process": "流程编号", "process_name": "流程名称", "department": "部门",
                                  "code": "行政许可事项编码", "material": "事项的申请材料",
                                  "cover_key": "流程编号|规范化的申请材料"},
    "approval_item": {"code": "事项编码", "department": "审批部门", "name": "事项名称"},
    "approval_pair": {"id": "审管协同编号", "item": "许可事项编码", "name": "事项名称", "approving": "审批部门",
                      "supervising": "监管部门", "inspection": "行政检查事项编码", "has_push_days": "写明了推送时限",
                      "has_push_content": "写明了推送内容", "has_monitoring": "写明了审批监控方式"},
}

_STRIP = re.compile(r"[\s\u3000()（）\[\]【】《》〈〉<>、，,。．.；;：:“”\"'‘’·\-—_/]+")


def norm_material(text: str) -> str:
    """要件 and 申请材料 compared: NFKC, no spaces or punctuation."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", text or ""))


def process_facts(repo, add) -> None:
    """Every process and 审管 fact, in a fixed order: the reference facts (pairs) first."""
    _cooperation_facts(repo, add)
    _coverage_facts(repo, add)
    _item_limit_facts(repo, add)
    _process_own_facts(repo, add)
    _approval_facts(repo, add)


def _cooperation_facts(repo, add) -> None:
    """The ordered department pairs that may hand work to each other: the departments of one boundary
    matter, and the two departments of one 审管协同 record (each pair once per kind of key)."""
    seen_pairs, seen_refs = set(), set()

    def pair(a, b, ref, source):
        if a == b:
            return
        for x, y in ((a, b), (b, a)):
            if (x, y) not in seen_pairs:
                seen_pairs.add((x, y))
                add("cooperation_pair", f"{x}|{y}", source, first=x, second=y, via=ref)
            if (ref, x, y) not in seen_refs:
                seen_refs.add((ref, x, y))
                add("cooperation_ref", f"{ref}|{x}|{y}", source, ref=ref, first=x, second=y)

    for b in repo.boundaries:
        depts = sorted({r.department for r in b.roles})
        for i, a in enumerate(depts):
            for other in depts[i + 1:]:
                pair(a, other, b.id, b.source)
    for sg in repo.approval_pairs:
        pair(sg.approving, sg.supervising, sg.id, sg.source)


def covered_departments(repo) -> set:
    """Departments whose every unit duty needs a process: those of the configured types
    (``processes.coverage``; ``全部`` for all), or, without that key, those with a process file."""
    cfg = repo.config.processes or {}
    types = cfg.get("coverage")
    if types is None:
        return {p.department for p in repo.processes}
    if ALL_TYPES in types:
        return set(repo.departments)
    return {d.id for d in repo.departments.values() if d.type in types}


def _coverage_facts(repo, add) -> None:
    covered = covered_departments(repo)
    if not covered:
        return
    have = {p.duty_key for p in repo.processes}
    for d in repo.unit_duties:
        if d.department in covered and d.key not in have:
            add("process_duty_expected", d.key, d.source, department=d.department, unit=d.unit, no=d.no,
                content=d.content, duty_key=d.key, process_count=0)


def item_limit(item) -> tuple | None:
    """(kind, days, day_type) of the 时限 a process of ``item`` must keep: the promised one, else the legal one."""
    tl = item.raw.get("time_limit") if isinstance(item.raw, dict) else None
    if not tl:
        return None
    for kind, name in (("承诺时限", "promised_days"), ("法定时限", "legal_days")):
        if tl.get(name) is not None:
            return kind, int(tl[name]), tl["day_type"]
    return None


def _item_limit_facts(repo, add) -> None:
    wanted = {c for p in repo.processes for c in p.items}
    for item in repo.power_items:
        if item.code not in wanted:
            continue
        limit = item_limit(item)
        if limit is None:
            continue
        kind, days, day_type = limit
        add("item_time_limit", f"{item.code}|{item.department}", item.source, code=item.code, department=item.department,
            name=item.full_name, limit_kind=kind, limit_days=str(days), day_type=day_type,
            limit_time_count=time_units(days, day_type))


def _process_own_facts(repo, add) -> None:
    """Each process, the items it carries out, its steps, its 要件 and the 申请材料 it must ask for."""
    items_by_code = repo.powers
    duties = {d.key for d in repo.unit_duties}
    for p in repo.processes:
        total = p.total_days
        if p.duty_key not in duties:
            add("process_unlinked", p.id, p.source, id=p.id, department=p.department, name=p.name,
                duty_key=p.duty_key, duty=f"{p.duty_unit}#{p.duty_no}", duty_known=False)
        units = sum(time_units(s.days, p.day_type) for s in p.steps)
        for i, code in enumerate(p.items):
            add("process_item", f"{p.id}>{code}", _at(p.source, "items", i), process=p.id, process_name=p.name,
                department=p.department, code=code, total_time_count=units, total_days=str(total),
                day_type=p.day_type)
        _step_facts(p, add)
        if _required_materials(p, items_by_code, add):
            have = set()
            for m in p.materials:
                n = norm_material(m)
                if n and n not in have:
                    have.add(n)
                    add("process_material", f"{p.id}|{n}", p.source, process=p.id, material=m)


def _step_facts(p, add) -> None:
    """One fact per unit a process names besides its duty's own unit (its first step there), and one per
    step handled by another department (a hand-off)."""
    seen = {f"{p.department}/{p.duty_unit}"}
    for s in p.steps:
        unit_key = f"{s.department}/{s.unit}"
        if unit_key not in seen:
            seen.add(unit_key)
            add("process_unit", f"{p.id}@{unit_key}", Source(s.source.file, tuple(s.source.path)), process=p.id,
                process_name=p.name, department=s.department, no=s.no, name=s.name, unit=s.unit, unit_key=unit_key)
        if s.cross:
            add("process_handoff", f"{p.id}#{s.no}", s.source, process=p.id, process_name=p.name, owner=p.department,
                department=s.department, no=s.no, name=s.name, pair_key=f"{p.department}|{s.department}",
                handoff=s.handoff, handoff_key=f"{s.handoff}|{p.department}|{s.department}" if s.handoff else None)


def _required_materials(p, items_by_code, add) -> bool:
    """The 申请材料 of each 行政许可 item the process carries out (where the item lists them); whether any."""
    seen = set()
    for i, code in enumerate(p.items):
        item = items_by_code.get(code)
        if item is None or item.category != "行政许可":
            continue
        for m in item.raw.get("materials") or ():
            n = norm_material(m)
            if n and (code, n) not in seen:
                seen.add((code, n))
                add("process_required_material", f"{p.id}>{code}|{n}", _at(p.source, "items", i), process=p.id,
                    process_name=p.name, department=p.department, code=code, material=m, cover_key=f"{p.id}|{n}")
    return bool(seen)


def _approval_facts(repo, add) -> None:
    """The 行政许可 items in use of the approval body (``processes.approval_body``) and every 审管 record."""
    body = (repo.config.processes or {}).get("approval_body")
    if body:
        for item in repo.items_of(body, category="行政许可"):
            if item.status == "在用":
                add("approval_item", item.code, item.source, code=item.code, department=body, name=item.full_name)
    for sg in repo.approval_pairs:
        add("approval_pair", sg.id, sg.source, id=sg.id, item=sg.item, name=sg.name or sg.item,
            approving=sg.approving, supervising=sg.supervising, inspection=sg.inspection,
            has_push_days=sg.push_days is not None, has_push_content=bool(sg.push_content),
            has_monitoring=bool((sg.monitoring or "").strip()))


def _at(source, *fields):
    return Source(source.file, tuple(source.path) + fields)
