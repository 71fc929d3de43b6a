"""Facts of the supervision records, read by the rules under ``rules/supervision/``.

``policykit.checking.facts`` imports this module and calls ``supervision_facts(repo, add, today)``; ``add(kind,
key, source, **fields)`` makes one fact (fields are str, int or bool; ``None`` fields are dropped).
Derived fields (counts, booleans, combined keys, ``overdue`` from the due date and ``today``) are
computed here so the rules stay declarative.

Field names follow the conventions the differential tests rely on: booleans start with ``has_`` or end
with ``_ok``/``_known``/``expired`` (or are plain adjectives such as ``overdue``), integers used with
ordering operators end with ``_count``.

``record`` facts index every identifier (``<类型>|<编号>``): one rule reports duplicates, and the
reference rules look identifiers up there.
"""
from __future__ import annotations

from ..lists.model import Source
from ..lists.records import BUCK_PASSING_TAGS, as_date, entry_key, period_bounds, views
from ..lists.validtime import entry_period, raw_entry

SUPERVISION_FACT_KINDS: dict[str, dict[str, str]] = {
    "record": {"record_kind": "记录类型", "id": "编号", "file": "所在文件"},
    # 部门履职情况台账
    "perf_ledger": {"id": "台账编号", "department": "部门", "period": "期间", "entry_count": "履职记录条数"},
    "perf_entry": {"ledger": "台账编号", "department": "部门", "period": "期间", "target": "对应事项或职责",
                   "target_type": "对应类型（事项/职责/无）", "has_target": "指明了权力事项或处室职责",
                   "power_code": "权力事项编码（有则存在）", "duty_key": "部门/内设机构#职责序号（有则存在）",
                   "name": "名称", "handled_count": "办理量", "on_time_count": "按时办结量",
                   "evidence_count": "佐证材料条数", "on_time_ok": "按时办结量不超过办理量",
                   "power_ok": "事项在该期间本部门的权责清单中（有编码则存在）",
                   "power_holder": "该期间清单中行使该事项的部门（有则存在）"},
    "perf_expected": {"ledger": "台账编号", "department": "部门", "period": "期间", "code": "在用权力事项编码",
                      "name": "事项名称", "entry_key": "台账编号|事项编码"},
    # 督导评估工作台账
    "supervision": {"id": "督导编号", "title": "督导事项", "supervision_type": "督导类型", "lead_source": "线索来源",
                    "department": "被督导部门", "status": "督导状态", "target_count": "对应履职记录数",
                    "finding_count": "发现问题数", "open_finding_count": "未整改到位的问题数"},
    "supervision_target": {"supervision": "督导编号", "title": "督导事项", "department": "被督导部门",
                           "ledger": "台账编号", "target": "对应事项或职责", "entry_key": "台账编号|事项或职责",
                           "power_code": "权力事项编码（有则存在）", "duty_key": "部门/内设机构#职责序号（有则存在）",
                           "power_ok": "事项在督导所涉期间被督导部门的权责清单中（有编码则存在）"},
    "supervision_problem": {"supervision": "督导编号", "title": "督导事项", "problem": "问题编号",
                            "problem_key": "问题|问题编号"},
    "finding": {"supervision": "督导编号", "title": "督导事项", "no": "序号", "finding": "问题描述",
                "department": "整改责任部门", "responsible": "单独写明的整改责任部门（有则存在）",
                "status": "整改状态", "due": "整改期限", "closed": "已整改或已销号", "has_response": "有整改反馈",
                "response_date": "反馈日期（有则存在）", "overdue": "逾期未整改（期限已过且未整改到位）",
                "overdue_day_count": "逾期天数", "responded_late": "反馈晚于整改期限"},
    # 问题征集
    "problem": {"id": "问题编号", "origin": "来源", "date": "受理日期", "matter": "所属事项（有则存在）",
                "boundary": "对应边界事项（有则存在）", "dispute_key": "调处|转调处编号（有则存在）",
                "department_count": "派单部门数", "buck_passing": "标为推诿或多头", "tags": "标签（顿号分隔）"},
    "problem_department": {"problem": "问题编号", "matter": "所属事项", "department": "派单部门"},
    # 问题调处
    "dispute": {"id": "调处编号", "matter": "争议事项", "status": "状态", "decided": "已裁定",
                "has_decision": "有调处决定", "has_adjustment": "有落实调整（边界事项或权力事项）",
                "adjustment_boundary": "落实调整的边界事项（有则存在）", "adjustment_power": "落实调整的权力事项（有则存在）",
                "lead": "决定的牵头部门（有则存在）", "lead_key": "边界事项编号|牵头部门（有则存在）",
                "party_count": "争议方数"},
    "dispute_party": {"dispute": "调处编号", "matter": "争议事项", "department": "争议方部门"},
    "dispute_problem": {"dispute": "调处编号", "matter": "争议事项", "problem": "问题编号", "problem_key": "问题|问题编号"},
    # 议事协调机构
    "body": {"id": "机构编号", "name": "机构名称", "body_type": "类型（长期/临时）", "host": "牵头部门", "status": "状态",
             "active": "存续", "has_work_rules": "有工作规则", "has_office_rules": "有办公室工作细则",
             "has_term": "写明了存续期限", "term_end": "存续期限（有则存在）", "term_expired": "存续期限已过",
             "record_count": "运行记录条数", "member_count": "成员单位数", "abolition_ok": "撤销或合并写明了日期、文件和并入机构",
             "merged_into_key": "议事协调机构|并入机构编号（有则存在）"},
    "body_department": {"body": "机构编号", "body_name": "机构名称", "role": "身份（牵头部门/办公室/成员单位）",
                        "department": "部门"},
    # 市县事权划分
    "division_scope": {"division": "划分清单编号", "department": "覆盖部门"},
    "division_item": {"division": "划分清单编号", "no": "序号", "item": "权力事项编码", "name": "事项名称",
                      "division_type": "划分类型（有则存在）", "has_type": "写明了划分类型",
                      "city_duty_count": "市级职责条数", "county_duty_count": "县级职责条数",
                      "levels_match_ok": "划分类型与市县职责一致", "delegated": "委托或授权",
                      "has_document": "委托或授权写明了文件", "delegatee": "受托（被授权）部门（有则存在）",
                      "term_end": "委托截止日期（有则存在）", "term_expired": "委托期限已过",
                      "span_type": "市县划分类型（共有/市级专有/县级专有时存在）",
                      "valid_from": "生效日期（数字 YYYYMMDD；未写时为 0）",
                      "valid_until": "失效日期，当日起不再有效（数字 YYYYMMDD；未写时为 99991231）"},
    "two_level_item": {"code": "事项编码", "department": "部门", "name": "事项名称"},
    # 履职评估
    "indicator": {"system": "指标体系编号", "code": "指标编号", "name": "指标名称", "level_no": "层级（1-3）",
                  "indicator_type": "共性/个性", "metric": "台账计算指标（有则存在）",
                  "has_deduction": "台账计算指标写明了扣分标准"},
    "indicator_group": {"system": "指标体系编号", "parent": "上级指标（或“共性一级指标”等）", "group": "分组说明",
                        "weight_sum_bp": "权重合计（万分位，10000 为 100%）", "weight_sum": "权重合计（%，文本）",
                        "child_count": "指标个数"},
    "indicator_applies": {"system": "指标体系编号", "code": "指标编号", "name": "指标名称", "category": "适用部门类别",
                          "category_key": "部门类别|体系|类别"},
    "indicator_category_member": {"system": "指标体系编号", "category": "部门类别", "department": "部门"},
    "evaluation": {"id": "评估编号", "period": "期间", "department": "被评估部门", "system": "指标体系编号",
                   "system_key": "指标体系|编号", "system_type_key": "适用机构类型|体系|部门机构类型（有则存在）",
                   "department_type": "部门机构类型（有则存在）", "category_known": "部门属于指标体系的某一类别（有个性指标时存在）",
                   "score_count": "得分条数"},
    "evaluation_score": {"evaluation": "评估编号", "department": "被评估部门", "indicator": "指标编号",
                         "indicator_key": "指标|体系|指标编号", "score_key": "评估编号|指标编号"},
    "evaluation_required": {"evaluation": "评估编号", "department": "被评估部门", "indicator": "指标编号",
                            "name": "指标名称", "score_key": "评估编号|指标编号"},
    "evaluation_evidence": {"evaluation": "评估编号", "indicator": "指标编号", "evidence_type": "佐证类型",
                            "ref": "编号", "ref_key": "记录类型|编号"},
}

# evidence type -> record kind it must resolve to
EVIDENCE_RECORD = {"履职台账": "履职台账", "督导评估台账": "督导评估台账", "问题": "问题", "调处": "调处",
                   "议事协调机构": "议事协调机构"}


def evidence_key(ev: dict) -> str | None:
    kind = EVIDENCE_RECORD.get(ev.get("type"))
    if kind is None:
        return None
    if kind == "履职台账" and ev.get("item"):
        return f"履职记录|{ev['ref']}|{ev['item']}"
    return f"{kind}|{ev['ref']}"


def _bp(total: float) -> int:
    return int(round(total * 100))


def _pct(total: float) -> str:
    return f"{total:g}"


def supervision_facts(repo, add, today) -> None:
    """Every supervision fact, one record kind after another in a fixed order (the order is part of the output)."""
    v = views(repo)

    def record(kind, ident, source):
        add("record", f"{kind}|{ident}", source, record_kind=kind, id=ident, file=source.file)

    for builder in _SECTION_BUILDERS:
        builder(repo, v, add, record, today)


def _period_lists(repo, period: str):
    """The lists a period's ledger is judged by: as they stood on the period's last day (valid time;
    ``lists.repository.period_lists``); ``repo`` itself when the period is unreadable."""
    try:
        end = period_bounds(period)[1]
    except ValueError:
        return repo
    return _lists_on(repo, end)


def _held(lists) -> set:
    """``(code, department)`` of every power item of ``lists`` (built once per lists)."""
    held = lists.__dict__.get("_held_items")
    if held is None:
        held = lists.__dict__["_held_items"] = {(i.code, i.department) for i in lists.power_items}
    return held


def _lists_on(repo, day):
    """The lists in force on ``day`` with ``repo``'s records: ``repo`` itself when ``day`` is None or
    ``repo`` was read as of that day or an earlier one."""
    as_of = getattr(repo, "as_of", None)
    if day is None or (as_of is not None and as_of <= day):
        return repo
    from ..lists.repository import period_lists
    return period_lists(repo, day)


def _ledger_facts(repo, v, add, record, today) -> None:
    """履职台账: one fact per ledger, per entry, and per item in use the ledger is expected to cover —
    the items of the lists in force at the end of the ledger's period, so a later transfer does not
    change what a past ledger should have held."""
    for ledger in v.ledgers:
        lists = _period_lists(repo, ledger.period)
        powers = lists.powers
        held = _held(lists)
        record("履职台账", ledger.id, Source(ledger.source.file, ("id",)))
        add("perf_ledger", ledger.id, ledger.source, id=ledger.id, department=ledger.department, period=ledger.period,
            entry_count=len(ledger.entries))
        for e in ledger.entries:
            _ledger_entry_fact(e, powers, add, record, held)
        for item in lists.items_of(ledger.department):
            if item.status == "在用":
                add("perf_expected", f"{ledger.id}|{item.code}", ledger.source, ledger=ledger.id,
                    department=ledger.department, period=ledger.period, code=item.code, name=item.full_name,
                    entry_key=entry_key(ledger.id, item.code))


def _ledger_entry_fact(e, powers, add, record, held=frozenset()) -> None:
    """One ledger entry: what it targets (an item, a unit duty or nothing) and its counts."""
    target_type = "事项" if e.power else "职责" if e.duty else "无"
    if e.power or e.duty:
        record("履职记录", e.key, e.source)
    add("perf_entry", e.key, e.source, ledger=e.ledger, department=e.department, period=e.period,
        target=e.target, target_type=target_type, has_target=target_type != "无", power_code=e.power,
        duty_key=f"{e.department}/{e.duty[0]}#{e.duty[1]}" if e.duty else None,
        name=e.name or (powers[e.power].full_name if e.power in powers else e.target), handled_count=e.handled,
        on_time_count=e.on_time, evidence_count=len(e.evidence), on_time_ok=e.on_time <= e.handled,
        power_ok=((e.power, e.department) in held) if e.power else None,
        power_holder=powers[e.power].department if e.power in powers else None)


def _supervision_ledger_facts(repo, v, add, record, today) -> None:
    """督导评估台账: the supervision itself, its targets, its problems and its findings."""
    periods = {ledger.id: ledger.period for ledger in v.ledgers}
    for s in v.supervisions:
        record("督导评估台账", s.id, Source(s.source.file, ("id",)))
        add("supervision", s.id, s.source, id=s.id, title=s.title, supervision_type=s.type, lead_source=s.lead_source,
            department=s.department, status=s.status, target_count=len(s.targets), finding_count=len(s.findings),
            open_finding_count=sum(1 for f in s.findings if not f.closed))
        for t in s.targets:
            # judged by the lists of the targeted ledger's period (else those of the day it opened)
            lists = _period_lists(repo, periods[t.ledger]) if t.ledger in periods else _lists_on(repo, s.opened)
            add("supervision_target", f"{s.id}|{t.entry_key or t.ledger}", t.source, supervision=s.id, title=s.title,
                department=s.department, ledger=t.ledger,
                target=t.power or (f"{t.duty[0]}#{t.duty[1]}" if t.duty else "（未指明）"),
                entry_key=t.entry_key, power_code=t.power,
                power_ok=((t.power, s.department) in _held(lists)) if t.power else None,
                duty_key=f"{s.department}/{t.duty[0]}#{t.duty[1]}" if t.duty else None)
        for i, pid in enumerate(s.problems):
            add("supervision_problem", f"{s.id}|{pid}", Source(s.source.file, ("problems", i)), supervision=s.id,
                title=s.title, problem=pid, problem_key=f"问题|{pid}")
        for f in s.findings:
            _finding_fact(s, f, add, today)


def _finding_fact(s, f, add, today) -> None:
    """One finding of a supervision, with whether it is overdue on ``today`` and answered late."""
    answered = f.response_date
    add("finding", f.key, f.source, supervision=s.id, title=s.title, no=f.no, finding=f.text,
        department=f.department, responsible=f.own_department, status=f.status,
        due=f.due.isoformat() if f.due else None, closed=f.closed, has_response=bool(f.response),
        response_date=answered.isoformat() if answered else None, overdue=f.overdue(today),
        overdue_day_count=(today - f.due).days if f.overdue(today) else 0,
        responded_late=bool(answered and f.due and answered > f.due))


def _problem_facts(repo, v, add, record, today) -> None:
    """问题征集: one fact per problem and per department it was sent to."""
    for p in v.problems:
        record("问题", p.id, Source(p.source.file, p.source.path + ("id",)))
        add("problem", p.id, p.source, id=p.id, origin=p.origin, date=p.date.isoformat() if p.date else None,
            matter=p.matter, boundary=p.boundary, dispute_key=f"调处|{p.dispute}" if p.dispute else None,
            department_count=len(p.departments), buck_passing=any(t in BUCK_PASSING_TAGS for t in p.tags),
            tags="、".join(p.tags))
        for i, dept in enumerate(p.departments):
            add("problem_department", f"{p.id}|{dept}", Source(p.source.file, p.source.path + ("departments", i)),
                problem=p.id, matter=p.matter or "（未归类）", department=dept)


def _dispute_facts(repo, v, add, record, today) -> None:
    """问题调处: the dispute with its decision and adjustment, its parties and its problems."""
    for d in v.disputes:
        record("调处", d.id, Source(d.source.file, ("id",)))
        adj = d.adjustment or {}
        decision = d.decision or {}
        boundary, power, lead = adj.get("boundary"), adj.get("power"), decision.get("lead")
        add("dispute", d.id, d.source, id=d.id, matter=d.matter, status=d.status, decided=d.decided,
            has_decision=bool(d.decision), has_adjustment=bool(boundary or power), adjustment_boundary=boundary,
            adjustment_power=str(power) if power else None, lead=lead,
            lead_key=f"{boundary}|{lead}" if boundary and lead else None, party_count=len(d.parties))
        for party in d.parties:
            add("dispute_party", f"{d.id}|{party.department}", Source(party.source.file, party.source.path + ("department",)),
                dispute=d.id, matter=d.matter, department=party.department)
        for i, pid in enumerate(d.problems):
            add("dispute_problem", f"{d.id}|{pid}", Source(d.source.file, ("problems", i)), dispute=d.id,
                matter=d.matter, problem=pid, problem_key=f"问题|{pid}")


def _body_facts(repo, v, add, record, today) -> None:
    """议事协调机构: the body (term, rules, abolition) and every department in it with its role."""
    for b in v.bodies:
        record("议事协调机构", b.id, Source(b.source.file, ("id",)))
        merged_into = (b.abolished or {}).get("merged_into")
        abolition_ok = None
        if not b.active:
            abolition_ok = bool(b.abolished) and (b.status != "合并" or bool(merged_into))
        add("body", b.id, b.source, id=b.id, name=b.name, body_type=b.type, host=b.host, status=b.status,
            active=b.active, has_work_rules=bool(b.work_rules), has_office_rules=bool(b.office_rules),
            has_term=b.term_end is not None, term_end=b.term_end.isoformat() if b.term_end else None,
            term_expired=bool(b.active and b.term_end and b.term_end < today), record_count=len(b.records),
            member_count=len(b.members), abolition_ok=abolition_ok,
            merged_into_key=f"议事协调机构|{merged_into}" if merged_into else None)
        for role, dept, source in _body_roles(b):
            add("body_department", f"{b.id}|{role}|{dept}", source, body=b.id, body_name=b.name, role=role,
                department=dept)


def _body_roles(b) -> list:
    """The departments of a body in order: host, office (if any), then members."""
    roles = [("牵头部门", b.host, Source(b.source.file, ("host",)))]
    if b.office:
        roles.append(("办公室", b.office, Source(b.source.file, ("office",))))
    roles += [("成员单位", m.department, Source(m.source.file, m.source.path + ("department",)))
              for m in b.members if m.department]
    return roles


def _division_facts(repo, v, add, record, today) -> None:
    """市县事权划分: scopes and items of each division list, then items run at both levels."""
    for div in v.divisions:
        record("事权划分清单", div.id, Source(div.source.file, ("id",)))
        for i, dept in enumerate(div.departments):
            add("division_scope", f"{div.id}|{dept}", Source(div.source.file, ("departments", i)), division=div.id,
                department=dept)
        for it in div.items:
            _division_item_fact(div, it, add, record, today, entry_period(raw_entry(repo, it.source)))
    if v.divisions:
        for item in repo.power_items:
            if item.status != "取消" and "市级" in item.levels and "县级" in item.levels:
                add("two_level_item", item.code, item.source, code=item.code, department=item.department,
                    name=item.full_name)


_LEVELS_MATCH = {"市级专有": lambda city, county: city > 0 and county == 0,
                 "县级专有": lambda city, county: county > 0 and city == 0,
                 "共有": lambda city, county: city > 0 and county > 0}


def _division_item_fact(div, it, add, record, today, period=(0, 99991231)) -> None:
    """One division item: whether its type agrees with its city and county duties, and its delegation;
    ``period``: its ``valid_from``/``valid_until`` (validtime.entry_period)."""
    record("事权划分事项", f"{div.id}|{it.item}", Source(it.source.file, it.source.path + ("item",)))
    record("事权划分序号", f"{div.id}#{it.no}", Source(it.source.file, it.source.path + ("no",)))
    city, county = len(it.city_duties), len(it.county_duties)
    match = None
    if it.type:
        test = _LEVELS_MATCH.get(it.type)
        match = test(city, county) if test else True
    dl = it.delegation or {}
    end = as_date(dl.get("end"))
    add("division_item", it.key, it.source, division=div.id, no=it.no, item=it.item, name=it.name,
        division_type=it.type, has_type=bool(it.type), city_duty_count=city, county_duty_count=county,
        levels_match_ok=match, delegated=it.delegated,
        has_document=bool((dl.get("document") or "").strip()) if it.delegated else None,
        delegatee=dl.get("delegatee"), term_end=end.isoformat() if end else None,
        term_expired=bool(end and end < today), span_type=it.type if it.type in _LEVELS_MATCH else None,
        valid_from=period[0], valid_until=period[1])


def _system_facts(repo, v, add, record, today) -> None:
    """履职评估指标体系: the system, its organisation types, its categories and their members, its indicators."""
    for sys_ in v.systems:
        record("指标体系", sys_.id, Source(sys_.source.file, ("id",)))
        for i, t in enumerate(sys_.organization_types):
            record("适用机构类型", f"{sys_.id}|{t}", Source(sys_.source.file, ("organization_types", i)))
        raw_cats = _raw(repo, sys_.source.file).get("categories") or []
        for ci, cat in enumerate(raw_cats):
            record("部门类别", f"{sys_.id}|{cat['name']}", Source(sys_.source.file, ("categories", ci, "name")))
            for di, dept in enumerate(cat.get("departments") or ()):
                add("indicator_category_member", f"{sys_.id}|{cat['name']}|{dept}",
                    Source(sys_.source.file, ("categories", ci, "departments", di)), system=sys_.id,
                    category=cat["name"], department=dept)
        _indicator_facts(sys_, add, record)


def _evaluation_facts(repo, v, add, record, today) -> None:
    """履职评估: each evaluation, its scores with their evidence, and the scores its system requires."""
    for e in v.evaluations:
        record("履职评估", e.id, Source(e.source.file, ("id",)))
        system = v.system(e.system)
        add("evaluation", e.id, e.source, **_evaluation_fields(repo, e, system))
        for s in e.scores:
            _score_facts(e, s, add, record)
        if system is not None:
            for leaf in system.leaves():
                if leaf.computed or not system.applies(leaf, e.department):
                    continue
                add("evaluation_required", f"{e.id}|{leaf.code}", e.source, evaluation=e.id, department=e.department,
                    indicator=leaf.code, name=leaf.name, score_key=f"{e.id}|{leaf.code}")


def _evaluation_fields(repo, e, system) -> dict:
    """The fields of an evaluation fact; the type and category ones only where the system uses them."""
    dept = repo.departments.get(e.department)
    fields = dict(id=e.id, period=e.period, department=e.department, system=e.system,
                  system_key=f"指标体系|{e.system}", score_count=len(e.scores))
    if system is not None and dept is not None and dept.type and system.organization_types:
        fields.update(department_type=dept.type, system_type_key=f"适用机构类型|{e.system}|{dept.type}")
    if system is not None and any(l.type == "个性" for l in system.leaves()):
        fields["category_known"] = system.category_of(e.department) is not None
    return fields


def _score_facts(e, s, add, record) -> None:
    """One score of an evaluation and the evidence it cites that names a record."""
    record("指标得分", f"{e.id}|{s.indicator}", Source(s.source.file, s.source.path + ("indicator",)))
    add("evaluation_score", f"{e.id}|{s.indicator}", s.source, evaluation=e.id, department=e.department,
        indicator=s.indicator, indicator_key=f"指标|{e.system}|{s.indicator}",
        score_key=f"{e.id}|{s.indicator}")
    for j, ev in enumerate(s.evidence):
        key = evidence_key(ev)
        if key:
            add("evaluation_evidence", f"{e.id}|{s.indicator}|{j}",
                Source(s.source.file, s.source.path + ("evidence", j)), evaluation=e.id,
                indicator=s.indicator, evidence_type=ev["type"], ref=ev["ref"] + (f"（{ev['item']}）" if ev.get("item") else ""),
                ref_key=key)


# the order of the sections is the order of the facts
_SECTION_BUILDERS = (_ledger_facts, _supervision_ledger_facts, _problem_facts, _dispute_facts, _body_facts,
                     _division_facts, _system_facts, _evaluation_facts)


DEDUCTION_METRICS = ("idle_powers", "buck_passing", "inactive_bodies", "late_findings", "open_findings")


def _indicator_facts(system, add, record) -> None:
    def visit(node):
        record("指标", f"{system.id}|{node.code}", Source(node.source.file, node.source.path + ("code",)))
        comp = node.computed or {}
        metric = comp.get("metric")
        add("indicator", node.key, node.source, system=system.id, code=node.code, name=node.name, level_no=node.level,
            indicator_type=node.type, metric=metric,
            has_deduction=(bool(comp.get("per") is not None or comp.get("steps")) or metric not in DEDUCTION_METRICS)
            if metric else None)
        if node.level == 1 or node.level == 2:
            for i, cat in enumerate(node.own_applies):
                add("indicator_applies", f"{node.key}|{cat}", Source(node.source.file, node.source.path + ("applies_to", i)),
                    system=system.id, code=node.code, name=node.name, category=cat,
                    category_key=f"部门类别|{system.id}|{cat}")
        for c in node.children:
            visit(c)

    def group(parent_label, label, nodes, source):
        total = sum(n.weight for n in nodes)
        add("indicator_group", f"{system.id}|{parent_label}|{label}", source, system=system.id, parent=parent_label,
            group=label, weight_sum_bp=_bp(total), weight_sum=_pct(total), child_count=len(nodes))

    tops = list(system.indicators)
    for kind, label in (("共性", "共性一级指标"), ("个性", "个性一级指标")):
        nodes = [t for t in tops if t.type == kind]
        if nodes:
            group(label, "全部", nodes, Source(system.source.file, ("indicators",)))
    for top in tops:
        visit(top)
        src = Source(top.source.file, top.source.path + ("children",))
        if top.type == "个性" and top.children:
            categories = sorted({c for k in top.children for c in k.applies_to}) or ["全部"]
            for cat in categories:
                nodes = [k for k in top.children if not k.applies_to or cat in k.applies_to]
                group(f"{top.code} {top.name}", cat, nodes, src)
        elif top.type == "共性":
            group(f"{top.code} {top.name}", "全部", list(top.children), src)
        for mid in top.children:
            group(f"{mid.code} {mid.name}", "全部", list(mid.children), Source(mid.source.file, mid.source.path + ("children",)))


def _raw(repo, file) -> dict:
    for f, d in repo.records.get("indicator", ()):
        if f == file:
            return d
    return {}
