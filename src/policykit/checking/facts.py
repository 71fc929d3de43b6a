"""Project the model into flat facts, the only thing rules can read.

Each fact is a dict with ``kind`` and ``key`` plus scalar fields (str, int, bool). Derived fields
(counts, booleans, normalised names, combined keys) are computed here, in one place, so rules stay
declarative and the engine never sees nested data, nulls or long strings. ``FACT_KINDS`` documents
every field; the rule compiler rejects fields that are not listed.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..lists.repository import Repository
from ..lists.validtime import counts_over_time, entry_period, raw_entry


def _period(raw) -> dict:
    """``valid_from``/``valid_until`` of an entry: rules compare entries only when their periods overlap."""
    start, end = entry_period(raw)
    return {"valid_from": start, "valid_until": end}

# kind -> {field: description}; "key", "kind" and "seq" exist on every fact
FACT_KINDS: dict[str, dict[str, str]] = {
    "department": {"code": "部门编码", "name": "部门名称", "file_matches_id": "文件名与部门标识一致"},
    "main_duty": {"department": "部门", "no": "三定职责序号", "text": "职责内容"},
    "unit": {"department": "部门", "name": "内设机构名称"},
    "list_file": {"list": "清单类型（powers/tasks）", "department": "文件声明的部门", "file_matches_department": "文件名与部门一致",
                  "absent_count": "因源表没有该列而缺追责对象或实施层级的事项数",
                  "absent_columns": "源表没有的列（追责对象、实施层级）"},
    "power": {
        "code": "事项编码", "department": "部门", "department_name": "部门名称", "name": "事项名称",
        "full_name": "事项全称（含子项）", "category": "权力类型", "category_known": "权力类型在配置中",
        "unit": "承办机构", "unit_key": "部门/承办机构", "sanding_duty_key": "部门#三定职责序号（有则存在）",
        "name_key": "部门|名称|子项", "norm_name": "规范化名称（跨部门比较）", "catalog_code": "基本编码（有则存在）",
        "code_ok": "编码符合格式", "code_letters": "编码中的类型字母", "code_letters_ok": "类型字母与权力类型一致",
        "code_department": "编码中的部门编码", "basis_count": "依据条数", "basis_incomplete_count": "缺少条款的依据条数",
        "strong_basis_count": "规范性文件以上层级的依据条数", "needs_strong_basis": "许可/处罚/强制等须有较高层级依据",
        "unknown_basis_level_count": "层级不在配置中的依据条数",
        "responsibility_count": "责任事项条数", "accountability_target_count": "追责对象条数",
        "accountability_case_count": "追责情形条数", "power_source": "权力来源", "power_source_known": "权力来源在配置中",
        "delegated": "非本级法定（下放/授权/委托）", "has_source_document": "有下放/授权/委托文件",
        "unknown_level_count": "实施层级不在配置中的个数", "level_count": "实施层级个数",
        "status": "状态", "status_known": "状态在配置中", "co_department_count": "共同实施部门个数",
        "level_span": "实施层级对应的市县划分（共有/市级专有/县级专有，有则存在）", "levels_text": "实施层级",
        "level_tier": "所列实施层级中最高的一级（按配置 levels 的顺序；未列时为空）",
        "targets_absent_in_source": "追责对象为空，且导入的源表没有追责对象列（provenance.absent）",
        "levels_absent_in_source": "实施层级为空，且导入的源表没有实施层级列（provenance.absent）",
        "valid_from": "生效日期（数字 YYYYMMDD；未写时为 0）",
        "valid_until": "失效日期，当日起不再有效（数字 YYYYMMDD；未写时为 99991231）",
    },
    "power_co": {"code": "事项编码", "department": "部门", "co_department": "共同实施部门", "cover_key": "事项编码|共同实施部门", "name": "事项名称"},
    "power_supervision": {"code": "事项编码", "department": "部门", "catalog_code": "监管事项编码", "name": "事项名称"},
    "unit_duty": {"department": "部门", "unit": "内设机构", "unit_key": "部门/内设机构", "no": "序号",
                  "sanding_duty_key": "部门#三定职责序号", "task_count": "具体任务条数", "content": "职责内容"},
    "task_unit": {"department": "部门", "unit": "内设机构", "unit_key": "部门/内设机构", "duty_count": "职责条数"},
    "boundary": {"id": "边界事项编号", "name": "事项名称", "lead_count": "牵头部门数", "cooperating_count": "配合部门数",
                 "department_count": "涉及部门数", "has_trigger": "有启动情形", "has_dispute_resolution": "有争议解决办法",
                 "has_handoff": "有衔接流程", "has_enforcement": "有督促落实", "basis_count": "依据条数",
                 "department": "牵头部门（唯一时存在；其清单无法读取时，依赖它的问题暂不报告）",
                 "department_name": "牵头部门名称", "related_held_count": "清单中在用的相关权力事项数",
                 "lead_held_count": "其中由牵头部门实施的事项数", "related_holders": "实施相关权力事项的部门"},
    "boundary_role": {"boundary": "边界事项编号", "boundary_name": "事项名称", "department": "部门", "role": "角色",
                      "duty_count": "职责条数", "vague_duty_count": "仅含模糊动词的职责条数", "member_key": "编号|部门",
                      "valid_from": "生效日期（数字 YYYYMMDD；未写时为 0）",
                      "valid_until": "失效日期，当日起不再有效（数字 YYYYMMDD；未写时为 99991231）"},
    "boundary_power": {"boundary": "边界事项编号", "boundary_name": "事项名称", "code": "相关权力事项编码"},
    "boundary_link": {"boundary": "边界事项编号", "boundary_name": "事项名称", "code": "相关权力事项编码",
                      "department": "涉及部门", "cover_key": "事项编码|涉及部门"},
    "catalog_item": {"catalog": "目录", "code": "监管事项编码", "name": "事项名称", "lead_count": "牵头认领数",
                     "claim_count": "认领数", "department": "牵头认领部门（唯一时存在；其清单无法读取时，依赖它的问题暂不报告）",
                     "department_name": "牵头认领部门名称",
                     "linked_power_count": "关联此监管事项的在用权力事项数",
                     "lead_power_count": "其中由牵头认领部门实施的事项数", "linked_holders": "实施关联权力事项的部门"},
    "catalog_claim": {"catalog": "目录", "code": "监管事项编码", "name": "事项名称", "department": "认领部门", "role": "角色"},
    "law": {"title": "法规名称", "norm_title": "规范化名称", "level": "层级", "dates_consistent": "版本日期先后一致",
            "starts_with_enactment": "首个版本为制定", "version_count": "版本数"},
    "law_basis": {"list": "所在清单（power/boundary）", "owner": "事项编码或边界事项编号", "owner_name": "事项名称",
                  "department_name": "部门名称", "title": "引用的法规名称", "article": "引用的条款",
                  "cited_level": "引用时标注的层级", "resolved": "在法律法规库中找到", "law_id": "法规标识",
                  "law_title": "法规全称", "suggestion": "最相近的法规名称（提示语）", "registry_level": "法规库中的层级",
                  "level_mismatch": "标注层级与法规库不一致", "in_force": "在法律日期有效", "repealed": "已废止",
                  "not_yet_in_force": "尚未施行", "effective": "施行日期", "repealed_on": "废止日期",
                  "article_max": "引用的最大条号", "article_count": "法律日期时的条文数",
                  "article_beyond": "条号超出条文数", "weak_sets_strong": "仅以规范性文件设定许可/处罚/强制",
                  "cited_version_year": "名称中注明的版本年份", "renumbered_after_cited": "注明版本之后条文重新编号",
                  "legal_date": "法律日期"},
    "waiver": {"rule": "规则编号", "owner": "责任单位", "approval": "批准文件", "expires": "到期日期", "expired": "已过期",
               "approved_by": "批准人", "approved_on": "批准日期", "author": "提出人", "term_days": "期限天数",
               "max_term_days": "期限上限天数", "over_term": "期限超过上限", "self_approved": "批准人即提出人或责任人",
               "not_yet": "尚未生效"},
}
COMMON_FIELDS = {"kind", "key", "seq"}

# the supervision system adds its own fact kinds (checking/supervision_facts.py)
from .supervision_facts import SUPERVISION_FACT_KINDS as _SUPERVISION_KINDS, supervision_facts as _supervision_facts
FACT_KINDS.update(_SUPERVISION_KINDS)
# work processes and 审管协同 (checking/process_facts.py)
from .process_facts import PROCESS_FACT_KINDS as _PROCESS_KINDS, process_facts as _process_facts
FACT_KINDS.update(_PROCESS_KINDS)
# departments' 沿革 and references made after a department ended (checking/lifecycle_facts.py)
from .lifecycle_facts import LIFECYCLE_FACT_KINDS as _LIFECYCLE_KINDS, lifecycle_facts as _lifecycle_facts
FACT_KINDS.update(_LIFECYCLE_KINDS)

_ARTICLE = re.compile(r"第[一二三四五六七八九十百千零〇两\d]+条")
_STRIP = re.compile(r"[\s\u3000()（）\[\]【】《》〈〉<>、，,。．.；;：:“”\"'‘’·\-—_/]+")


def normalise_name(text: str) -> str:
    """Names compared across departments: NFKC, no spaces or punctuation."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", text or ""))


@dataclass(frozen=True)
class Fact:
    """A fact plus what is needed to report on it: where it was written and how to show it."""

    data: dict
    source: object  # model.Source

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def key(self) -> str:
        return self.data["key"]


def _vague_only(duty: str, verbs) -> bool:
    rest = duty
    for v in sorted(verbs, key=len, reverse=True):
        rest = rest.replace(v, "")
    rest = _STRIP.sub("", rest)
    rest = re.sub(r"(负责|相关|有关|工作|的|等|和|及|与|做好|本部门|职责范围内|事项)", "", rest)
    return len(rest) == 0 or (any(v in duty for v in verbs) and len(duty) <= 8)


def _department_facts(repo, cfg, add) -> None:
    """Departments (duplicates included, for the rule that reports them), their main duties and units."""
    all_departments = list(repo.departments.values()) + list(repo.__dict__.get("duplicate_departments", []))
    for d in all_departments:
        stem = d.source.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        add("department", d.id, d.source, code=d.code, name=d.name, file_matches_id=(stem == d.id))
        for md in d.main_duties:
            add("main_duty", md.key, md.source, department=d.id, no=md.no, text=md.text)
        for u in d.units:
            add("unit", u.key, u.source, department=d.id, name=u.name)


_ABSENT_LABEL = {"accountability_targets": "追责对象", "levels": "实施层级"}


def _absent_by_file(repo) -> dict:
    """file → {field: items left without it because the imported spreadsheet had no such column}."""
    out: dict = {}
    for it in repo.power_items:
        for key in _absent(it):
            if key in _ABSENT_LABEL and not (it.accountability_targets if key == "accountability_targets" else it.levels):
                counts = out.setdefault(it.source.file, {})
                counts[key] = counts.get(key, 0) + 1
    return out


def _list_file_facts(repo, cfg, add) -> None:
    """Power list files and the department each declares (to compare with the file name), with the items
    left without 追责对象 or 实施层级 because the spreadsheet they came from had no such column."""
    from ..lists.model import Source
    absent = _absent_by_file(repo)
    for file, dept in sorted(repo.power_files.items()):
        if dept is None:
            continue
        stem = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        gaps = absent.get(file, {})
        add("list_file", file, Source(file, ("department",)), list="powers", department=dept,
            file_matches_department=(stem == dept), absent_count=max(gaps.values(), default=0),
            absent_columns="、".join(_ABSENT_LABEL[k] for k in gaps))


def _power_facts(repo, cfg, add) -> None:
    """Power items with everything derived from code, category, basis and levels; then their
    co-departments and supervision items."""
    code_re = cfg.code_regex
    letters_of = dict(cfg.categories)
    strong_levels = set(cfg.basis_levels) - set(cfg.weak_basis_levels)
    for it in repo.power_items:
        match = code_re.match(it.code)
        letters, code_dept = _code_parts(match)
        expected = letters_of.get(it.category)
        dept_obj = repo.departments.get(it.department)
        add("power", it.code, it.source,
            code=it.code, department=it.department,
            department_name=(dept_obj.short_name or dept_obj.name) if dept_obj else it.department,
            name=it.name, full_name=it.full_name, category=it.category, category_known=it.category in letters_of,
            unit=it.unit, unit_key=f"{it.department}/{it.unit}",
            sanding_duty_key=f"{it.department}#{it.sanding_duty}" if it.sanding_duty is not None else None,
            name_key=f"{it.department}|{it.name}|{it.sub_name or ''}",
            norm_name=normalise_name(it.name + "|" + (it.sub_name or "")),
            catalog_code=it.catalog_code or None,
            code_ok=bool(match), code_letters=letters, code_letters_ok=bool(match) and letters == expected,
            code_department=code_dept,
            basis_count=len(it.legal_basis), basis_incomplete_count=_incomplete_basis_count(it.legal_basis),
            strong_basis_count=sum(1 for b in it.legal_basis if b.level in strong_levels),
            needs_strong_basis=it.category in cfg.strong_basis_categories,
            unknown_basis_level_count=sum(1 for b in it.legal_basis if b.level not in cfg.basis_levels),
            responsibility_count=len(it.responsibilities),
            accountability_target_count=len(it.accountability_targets),
            accountability_case_count=len(it.accountability_cases),
            power_source=it.power_source, power_source_known=it.power_source in cfg.power_sources,
            delegated=it.power_source != cfg.own_source, has_source_document=bool((it.source_document or "").strip()),
            unknown_level_count=sum(1 for lv in it.levels if lv not in cfg.levels), level_count=len(it.levels),
            status=it.status, status_known=it.status in cfg.statuses, co_department_count=len(it.co_departments),
            level_span=level_span(it.levels), levels_text="、".join(it.levels),
            level_tier=next((lv for lv in cfg.levels if lv in it.levels), it.levels[0] if it.levels else ""),
            targets_absent_in_source=not it.accountability_targets and "accountability_targets" in _absent(it),
            levels_absent_in_source=not it.levels and "levels" in _absent(it),
            **_period(it.raw))
        for co in it.co_departments:
            add("power_co", f"{it.code}|{co}", it.source, code=it.code, department=it.department, co_department=co,
                cover_key=f"{it.code}|{co}", name=it.full_name)
        for sup in it.supervision_items:
            add("power_supervision", f"{it.code}>{sup}", it.source, code=it.code, department=it.department,
                catalog_code=sup, name=it.full_name)


def _absent(it) -> tuple:
    """The columns the spreadsheet an item was imported from did not have (``provenance.absent``)."""
    prov = it.raw.get("provenance") if isinstance(it.raw, dict) else None
    absent = prov.get("absent") if isinstance(prov, dict) else None
    return tuple(absent) if isinstance(absent, list) else ()


def level_span(levels) -> str | None:
    """The 市县事权划分 type an item's implementing levels imply: 共有 (市级 and 县级), 市级专有, 县级专有;
    None when it is implemented at neither."""
    city, county = "市级" in levels, "县级" in levels
    return "共有" if city and county else "市级专有" if city else "县级专有" if county else None


def _holders(repo, codes) -> list:
    """The departments of the power items ``codes`` that are listed and in use, one per item."""
    out = []
    for code in codes:
        item = repo.powers.get(code)
        if item is not None and item.status != "取消":
            out.append(item.department)
    return out


def _dept_names(repo, ids) -> str:
    names = []
    for d in dict.fromkeys(ids):
        dept = repo.departments.get(d)
        names.append((dept.short_name or dept.name) if dept else d)
    return "、".join(names)


def _code_parts(match) -> tuple:
    """The type letters and the department code read from an item code (None, None if it does not parse)."""
    if not match:
        return None, None
    groups = match.groupdict()
    return groups.get("letters"), groups.get("department")


def _incomplete_basis_count(basis) -> int:
    """Legal bases that name no article (``第…条``). A document made of numbered items rather than articles
    (a 国务院决定 and its attached 目录, a 规范性文件, a 目录 or 清单) is cited precisely by ``第N项``."""
    return sum(1 for b in basis if not (b.article and (_ARTICLE.search(b.article) or _item_reference(b))))


_ITEM = re.compile(r"第[一二三四五六七八九十百千零〇两\d]+项")
_ITEM_DOCUMENT = re.compile(r"决定|目录|清单")


def _item_reference(b) -> bool:
    """``第86项`` of a document organised in items (not of a law, whose 项 lies inside an article)."""
    return bool(_ITEM.search(b.article)) and (b.level in ("国务院决定", "规范性文件")
                                              or bool(_ITEM_DOCUMENT.search(b.title or "")))


def _unit_duty_facts(repo, cfg, add) -> None:
    """Unit duties, then each unit of the task lists with how many duties it has."""
    counts: dict = {}
    for d in repo.unit_duties:
        counts[(d.department, d.unit)] = counts.get((d.department, d.unit), 0) + 1
        add("unit_duty", d.key, d.source, department=d.department, unit=d.unit, unit_key=f"{d.department}/{d.unit}",
            no=d.no, sanding_duty_key=f"{d.department}#{d.sanding_duty}", task_count=len(d.tasks), content=d.content)
    for dept, unit, source in repo.task_units:
        add("task_unit", f"{dept}/{unit}", source, department=dept, unit=unit, unit_key=f"{dept}/{unit}",
            duty_count=counts.get((dept, unit), 0))


def _boundary_facts(repo, cfg, add) -> None:
    """Boundary items, the role of each department in them, and the powers they relate to."""
    for b in repo.boundaries:
        mech = b.mechanism
        held = _holders(repo, b.related_powers)
        add("boundary", b.id, b.source, id=b.id, name=b.name,
            lead_count=_lead_count(repo, b),
            cooperating_count=sum(1 for r in b.roles if r.role == "配合"),
            department_count=len({r.department for r in b.roles}),
            has_trigger=bool((mech.get("trigger") or "").strip()),
            has_dispute_resolution=bool((mech.get("dispute_resolution") or "").strip()),
            has_handoff=bool((mech.get("handoff") or "").strip()),
            has_enforcement=bool((mech.get("enforcement") or "").strip()),
            basis_count=len(b.basis), department=b.lead, related_held_count=len(held),
            department_name=_dept_names(repo, [b.lead]) if b.lead else None,
            lead_held_count=sum(1 for d in held if d == b.lead), related_holders=_dept_names(repo, held))
        for r in b.roles:
            add("boundary_role", f"{b.id}|{r.department}", r.source, boundary=b.id, boundary_name=b.name,
                department=r.department, role=r.role, duty_count=len(r.duties),
                vague_duty_count=sum(1 for duty in r.duties if _vague_only(duty, cfg.vague_verbs)),
                member_key=f"{b.id}|{r.department}", **_period(raw_entry(repo, r.source)))
        for code in b.related_powers:
            add("boundary_power", f"{b.id}|{code}", b.source, boundary=b.id, boundary_name=b.name, code=code)
            for dept in sorted({r.department for r in b.roles}):
                add("boundary_link", f"{b.id}|{code}|{dept}", b.source, boundary=b.id, boundary_name=b.name,
                    code=code, department=dept, cover_key=f"{code}|{dept}")


def _lead_count(repo, b) -> int:
    """A matter's leads (牵头); with dated roles, how many there are on a day that number is not one
    (a lead handed over on a date: the old role expires the day the new one takes effect)."""
    periods = [entry_period(raw_entry(repo, r.source)) for r in b.roles if r.role == "牵头"]
    if all(p == (0, 99991231) for p in periods):
        return len(periods)
    return next((n for n in counts_over_time(periods, entry_period(raw_entry(repo, b.source))) if n != 1), 1)


def _catalog_facts(repo, cfg, add) -> None:
    """Supervision catalogue items and the departments that claimed them."""
    linked: dict = {}
    for it in repo.power_items:
        if it.status != "取消":
            for sup in it.supervision_items:
                linked.setdefault(sup, []).append(it.department)
    for c in repo.catalog_items:
        held = linked.get(c.code, [])
        lead = c.leads[0] if len(c.leads) == 1 else None
        add("catalog_item", c.key, c.source, catalog=c.catalog, code=c.code, name=c.name,
            lead_count=len(c.leads), claim_count=len(c.claims), department=lead, linked_power_count=len(held),
            department_name=_dept_names(repo, [lead]) if lead else None,
            lead_power_count=sum(1 for d in held if d == lead), linked_holders=_dept_names(repo, held))
        for cl in c.claims:
            add("catalog_claim", f"{c.key}|{cl.department}|{cl.role}", c.source, catalog=c.catalog, code=c.code,
                name=c.name, department=cl.department, role=cl.role)


# the facts of the lists, in this order (laws, supervision records and waivers follow)
_SECTIONS = (_department_facts, _list_file_facts, _power_facts, _unit_duty_facts, _boundary_facts, _catalog_facts)


def build_facts(repo: Repository, today=None, legal_date=None) -> list[Fact]:
    """All facts of a repository, in a deterministic order. ``legal_date``: laws as in force then."""
    import datetime as _dt
    cfg = repo.config
    facts: list[Fact] = []
    seq = 0

    def add(kind, key, source, **fields):
        nonlocal seq
        seq += 1
        data = {"kind": kind, "key": key, "seq": seq}
        for k, v in fields.items():
            if v is not None:
                data[k] = v
        facts.append(Fact(data, source))

    for section in _SECTIONS:
        section(repo, cfg, add)
    today = today or _dt.date.today()
    law_facts(repo, legal_date or today, add)
    _supervision_facts(repo, add, today)
    _process_facts(repo, add)
    _lifecycle_facts(repo, add, today)
    for w in repo.waivers:
        t = waiver_terms(w, cfg.waiver_max_days, today)
        add("waiver", f"{w.rule}@{w.source.path[-1]}", w.source, rule=w.rule, owner=w.owner, approval=w.approval,
            expires=t["expires"].isoformat(), expired=t["expired"], approved_by=w.approved_by,
            approved_on=t["approved_on"].isoformat() if t["approved_on"] else None, author=w.author,
            term_days=t["term_days"], max_term_days=cfg.waiver_max_days, over_term=t["over_term"],
            self_approved=t["self_approved"], not_yet=t["not_yet"])
    return facts


def _as_date(value):
    import datetime as _dt
    if value is None or isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _person(text) -> str:
    return "".join(str(text or "").split()).casefold()


def waiver_terms(w, max_days: int, today) -> dict:
    """What decides whether a waiver may waive anything on ``today``: expired, not yet in force
    (``approved_on`` after today), a term from ``approved_on`` to ``expires`` above ``max_days``,
    approved by its own author or owner. ``valid`` is all of these passing (check.py applies only
    valid waivers, whatever rules the repository keeps)."""
    expires, approved_on = _as_date(w.expires), _as_date(w.approved_on)
    term = (expires - approved_on).days if expires and approved_on else None
    approver = _person(w.approved_by)
    self_approved = bool(approver) and approver in {_person(w.author), _person(w.owner)}
    out = {"expires": expires, "approved_on": approved_on, "term_days": term,
           "expired": expires is None or expires < today,
           "not_yet": approved_on is not None and approved_on > today,
           "over_term": term is None or term > max_days,
           "self_approved": self_approved}
    out["valid"] = bool(approver) and not (out["expired"] or out["not_yet"] or out["over_term"] or self_approved)
    return out


_VERSION_YEAR = re.compile(r"[（(]\s*(\d{4})\s*年[^（）()]*[)）]")


def law_facts(repo: Repository, when, add) -> None:
    """Facts of the law registry and of every cited basis, as of the legal date ``when``, handed to
    ``add(kind, key, source, **fields)``; the site shows each basis's status from the same facts."""
    if not repo.laws:
        return
    from ..lists.laws import article_numbers, normalise_title, registry_of
    from ..lists.model import Source
    registry = registry_of(repo)
    cfg = repo.config
    weak = set(cfg.weak_basis_levels)
    for law in registry.laws:
        dates = [v.promulgated for v in law.versions]
        consistent = dates == sorted(dates) and all(v.effective is None or v.effective >= v.promulgated
                                                     for v in law.versions)
        add("law", law.id, Source(law.file, ()), title=law.title, norm_title=normalise_title(law.title),
            level=law.level, dates_consistent=consistent,
            starts_with_enactment=bool(law.versions) and law.versions[0].event == "制定",
            version_count=len(law.versions))

    common_of: dict = {}  # many items cite the same article of the same law: judge it once

    def cite(list_kind, owner, owner_name, dept_name, basis, source, strong_category, resolved_levels):
        only_weak = strong_category and not any(lv not in weak for lv in resolved_levels)
        memo_key = (basis.title, basis.article, basis.level, only_weak)
        common = common_of.get(memo_key)
        if common is None:
            common = common_of[memo_key] = _basis_fields(basis, only_weak)
        add("law_basis", f"{owner}#{source.path[-1]}", source, list=list_kind, owner=owner, owner_name=owner_name,
            department_name=dept_name, **common)

    resolved: dict = {}

    def resolve(title):
        res = resolved.get(title)
        if res is None:
            res = resolved[title] = registry.resolve(title)
        return res

    def _basis_fields(basis, only_weak) -> dict:
        res = resolve(basis.title)
        law = res.law
        nums = article_numbers(basis.article)
        fields = dict(title=basis.title, article=basis.article, cited_level=basis.level,
                      resolved=law is not None, suggestion=(f"最相近的是《{res.suggestion.title}》" if res.suggestion else "库中没有相近的名称"),
                      legal_date=when.isoformat())
        if nums:
            fields["article_max"] = max(nums)
        m = _VERSION_YEAR.search(basis.title)
        if m:
            fields["cited_version_year"] = int(m.group(1))
        if law is not None:
            count = law.article_count(when)
            repeal = law.repeal
            fields.update(law_id=law.id, law_title=law.title, registry_level=law.level,
                          level_mismatch=law.level != basis.level, in_force=law.in_force(when),
                          repealed=law.repealed_by(when), not_yet_in_force=law.not_yet_in_force(when),
                          effective=(law.enacted.effective or law.enacted.promulgated).isoformat(),
                          repealed_on=((repeal.effective or repeal.promulgated).isoformat() if repeal else None),
                          article_beyond=bool(count and nums and max(nums) > count),
                          weak_sets_strong=bool(only_weak) and law.level in weak)
            if count:
                fields["article_count"] = count
            if m:
                cited = _dt_date(int(m.group(1)))
                fields["renumbered_after_cited"] = law.renumbered_since(cited, when)
        return fields

    law_of: dict = {}
    for item in repo.power_items:
        levels = []
        for b in item.legal_basis:
            if b.title not in law_of:
                law_of[b.title] = resolve(b.title).law
            r = law_of[b.title]
            levels.append(r.level if r else b.level)
        strong = item.category in cfg.strong_basis_categories
        dept = repo.department_name(item.department)
        for i, b in enumerate(item.legal_basis):
            cite("power", item.code, item.full_name, dept, b, Source(item.source.file, item.source.path + ("legal_basis", i)),
                 strong, levels)
    for matter in repo.boundaries:
        for i, b in enumerate(matter.basis):
            cite("boundary", matter.id, matter.name, repo.department_name(matter.lead or ""), b,
                 Source(matter.source.file, matter.source.path + ("basis", i)), False, [])


def _dt_date(year: int):
    import datetime as _dt
    return _dt.date(year, 12, 31)
