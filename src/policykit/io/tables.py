"""The whole city as flat tables: every list and record kind, one table per thing, with keys.

One table model for every export that is not the customary published layout: the SQLite file
(``policykit.io.sqlite_export``) writes these tables with their primary and foreign keys, the
spreadsheet and CSV exports of a list kind (``policykit export --kind tasks``) write the tables of
that kind with Chinese headers. Rows are built from the typed model (``repo.departments``,
``repo.power_items`` …) and the supervision views (``policykit.lists.records``), so a table shows what
``policykit check`` and the site see, at the revision the repository was opened at.

Every value is data: text, a whole number, a number or empty (a date as ``YYYY-MM-DD``, a
mapping as JSON text). Nothing here builds SQL from a value.
"""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field

from ..lists import records as rec

# list kind (the directory under lists/, as the command line names it) -> its Chinese name
KINDS = {
    "organizations": "部门及内设机构（三定）", "powers": "权责清单", "tasks": "职责任务清单",
    "boundaries": "职责边界清单", "catalogs": "监管事项目录", "laws": "法律法规", "waivers": "规则豁免",
    "performance": "部门履职情况台账", "supervision": "督导评估工作台账", "problems": "问题征集",
    "disputes": "问题调处", "indicators": "履职评估指标体系", "evaluations": "履职评估",
    "bodies": "议事协调机构", "divisions": "市县事权划分", "processes": "工作流程",
    "approval-supervision": "审管协同", "records": "其他记录",
}


@dataclass(frozen=True)
class Column:
    """One column: its name in SQL, its SQLite type (TEXT, INTEGER or REAL) and its Chinese title."""
    name: str
    type: str
    title: str


@dataclass
class Table:
    """One table: name, the list kind it belongs to, Chinese title, columns, keys and rows.

    ``foreign_keys``: ``[(columns, table, columns)]``. ``rows``: tuples in column order."""
    name: str
    kind: str
    title: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple = ()
    rows: list = field(default_factory=list)
    skipped: int = 0        # records left out, with everything below them, for repeating an earlier key

    def first(self, records, key):
        """``records`` without those whose ``key(record)`` repeats an earlier one (counted in
        ``skipped``): a repeated item code keeps the first item, and the second one's basis, duties
        or claims are not attached to it."""
        seen = set()
        for r in records:
            k = key(r)
            if k in seen:
                self.skipped += 1
                continue
            seen.add(k)
            yield r

    @property
    def header(self) -> list[str]:
        """The Chinese column titles, for spreadsheets."""
        return [c.title for c in self.columns]


def _cols(spec: str) -> tuple[Column, ...]:
    """``"id TEXT 部门标识; name TEXT 部门全称"`` → columns (our own constant text, never list data)."""
    out = []
    for part in spec.split(";"):
        name, kind, title = part.split()
        out.append(Column(name, kind, title))
    return tuple(out)


def value(v):
    """A model value as a cell: text, int, float or None (dates ISO, mappings and lists JSON)."""
    if v is None or isinstance(v, (str, int, float)) and not isinstance(v, bool):
        return v
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()[:10] if not isinstance(v, _dt.datetime) else v.isoformat()
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
    return str(v)


def _row(*values) -> tuple:
    return tuple(value(v) for v in values)


def _get(d, key):
    return d.get(key) if isinstance(d, dict) else None


def _aliases(data) -> list[str]:
    """The 俗称 written on a matter or an item (``aliases:``), text only."""
    values = _get(data, "aliases")
    return [a for a in values if isinstance(a, str)] if isinstance(values, list) else []


# ---- the three lists -------------------------------------------------------------------------
def _organizations(repo) -> list[Table]:
    cats = Table("categories", "organizations", "权力类型",
                 _cols("name TEXT 权力类型; letters TEXT 字母代码"), ("name",),
                 rows=[_row(name, letters) for name, letters in (repo.config.categories or {}).items()])
    depts = Table("departments", "organizations", "部门",
                  _cols("id TEXT 部门标识; code TEXT 部门编码; name TEXT 部门全称; short_name TEXT 部门简称; "
                        "type TEXT 机构类型; sanding_document TEXT 三定文号; sanding_effective TEXT 三定施行日期; "
                        "established_on TEXT 设立日期; ended_on TEXT 撤销合并日期; successor TEXT 承接部门; "
                        "file TEXT 文件"), ("id",), ((("successor",), "departments", ("id",)),))
    events = Table("department_events", "organizations", "部门沿革",
                   _cols("department TEXT 部门标识; seq INTEGER 顺序; event TEXT 事件; date TEXT 日期; approval TEXT 批准文号; "
                         "successor TEXT 承接部门; former_name TEXT 原名称"), ("department", "seq"),
                   ((("department",), "departments", ("id",)), (("successor",), "departments", ("id",))))
    duties = Table("main_duties", "organizations", "三定主要职责",
                   _cols("department TEXT 部门标识; no INTEGER 序号; text TEXT 职责内容"), ("department", "no"),
                   ((("department",), "departments", ("id",)),))
    units = Table("units", "organizations", "内设机构",
                  _cols("department TEXT 部门标识; name TEXT 机构名称; duties_summary TEXT 三定所列职责"),
                  ("department", "name"), ((("department",), "departments", ("id",)),))
    for d in repo.departments.values():
        depts.rows.append(_row(d.id, d.code, d.name, d.short_name, d.type, d.sanding_document, d.sanding_effective,
                               getattr(d, "established_on", None), getattr(d, "ended_on", None),
                               getattr(d, "successor", None), d.source.file))
        events.rows += [_row(d.id, n, e.event, e.date, e.approval, e.successor, e.former_name)
                        for n, e in enumerate(getattr(d, "lifecycle", ()), 1)]
        duties.rows += [_row(d.id, md.no, md.text) for md in d.main_duties]
        units.rows += [_row(d.id, u.name, u.duties_summary) for u in d.units]
    aliases = Table("department_aliases", "organizations", "部门别称",
                    _cols("department TEXT 部门标识; alias TEXT 简称俗称或原名称"), ("department", "alias"),
                    ((("department",), "departments", ("id",)),))
    for d in repo.departments.values():
        aliases.rows += [_row(d.id, a) for a in getattr(d, "aliases", ())]
    return [cats, depts, events, aliases, duties, units]


_ITEM_FK = ((("item",), "power_items", ("code",)),)


def _item_list(name: str, title: str, column: str, column_title: str) -> Table:
    return Table(name, "powers", title, _cols(f"item TEXT 事项编码; seq INTEGER 顺序; {column} TEXT {column_title}"),
                 ("item", "seq"), _ITEM_FK)


def _powers(repo) -> list[Table]:
    items = Table("power_items", "powers", "权力事项",
                  _cols("code TEXT 事项编码; department TEXT 部门标识; name TEXT 事项名称; sub_name TEXT 子项名称; "
                        "full_name TEXT 事项全称; category TEXT 权力类型; unit TEXT 承办机构; "
                        "sanding_duty INTEGER 对应三定职责; power_source TEXT 权力来源; "
                        "source_document TEXT 下放授权委托文件; delegator TEXT 下放授权委托机关; "
                        "catalog_code TEXT 基本编码; status TEXT 状态; remedy TEXT 救济渠道; phone TEXT 监督电话; "
                        "remark TEXT 备注; file TEXT 文件"), ("code",),
                  ((("department",), "departments", ("id",)), (("category",), "categories", ("name",)),
                   (("department", "unit"), "units", ("department", "name")),
                   (("department", "sanding_duty"), "main_duties", ("department", "no"))))
    basis = Table("power_item_basis", "powers", "实施依据",
                  _cols("item TEXT 事项编码; seq INTEGER 顺序; level TEXT 依据层级; title TEXT 法规名称; "
                        "article TEXT 条款; text TEXT 条文"), ("item", "seq"), _ITEM_FK)
    levels = _item_list("power_item_levels", "实施层级", "level", "实施层级")
    resp = _item_list("power_item_responsibilities", "责任事项", "text", "责任事项内容")
    targets = _item_list("power_item_accountability_targets", "追责对象", "target", "追责对象")
    cases = _item_list("power_item_accountability_cases", "追责情形", "text", "追责情形")
    co = Table("power_item_co_departments", "powers", "共同实施部门",
               _cols("item TEXT 事项编码; department TEXT 部门标识"), ("item", "department"),
               _ITEM_FK + ((("department",), "departments", ("id",)),))
    aliases = Table("power_item_aliases", "powers", "事项俗称", _cols("item TEXT 事项编码; alias TEXT 俗称"),
                    ("item", "alias"), _ITEM_FK)
    sup = Table("power_item_supervision_items", "powers", "对应监管事项",
                _cols("item TEXT 事项编码; catalog_item TEXT 监管事项编码"), ("item", "catalog_item"), _ITEM_FK)
    for it in items.first(repo.power_items, lambda i: i.code):
        raw = it.raw if isinstance(it.raw, dict) else {}
        items.rows.append(_row(it.code, it.department, it.name, it.sub_name, it.full_name, it.category, it.unit,
                               it.sanding_duty, it.power_source, it.source_document, it.delegator, it.catalog_code,
                               it.status, raw.get("remedy"), raw.get("phone"), it.remark, it.source.file))
        basis.rows += [_row(it.code, n, b.level, b.title, b.article, b.text) for n, b in enumerate(it.legal_basis, 1)]
        levels.rows += [_row(it.code, n, x) for n, x in enumerate(it.levels, 1)]
        resp.rows += [_row(it.code, n, x) for n, x in enumerate(it.responsibilities, 1)]
        targets.rows += [_row(it.code, n, x) for n, x in enumerate(it.accountability_targets, 1)]
        cases.rows += [_row(it.code, n, x) for n, x in enumerate(it.accountability_cases, 1)]
        co.rows += [_row(it.code, d) for d in it.co_departments]
        sup.rows += [_row(it.code, s) for s in it.supervision_items]
        aliases.rows += [_row(it.code, a) for a in _aliases(raw)]
    return [items, basis, levels, resp, targets, cases, co, sup, aliases]


def _tasks(repo) -> list[Table]:
    duties = Table("unit_duties", "tasks", "内设机构职责",
                   _cols("department TEXT 部门标识; unit TEXT 内设机构; no INTEGER 序号; sanding_duty INTEGER 对应三定职责; "
                         "content TEXT 职责内容; post TEXT 岗位; file TEXT 文件"), ("department", "unit", "no"),
                   ((("department",), "departments", ("id",)), (("department", "unit"), "units", ("department", "name")),
                    (("department", "sanding_duty"), "main_duties", ("department", "no"))))
    tasks = Table("unit_duty_tasks", "tasks", "具体任务",
                  _cols("department TEXT 部门标识; unit TEXT 内设机构; duty_no INTEGER 职责序号; seq INTEGER 顺序; "
                        "task TEXT 具体任务"), ("department", "unit", "duty_no", "seq"),
                  ((("department", "unit", "duty_no"), "unit_duties", ("department", "unit", "no")),))
    for d in duties.first(repo.unit_duties, lambda d: (d.department, d.unit, d.no)):
        duties.rows.append(_row(d.department, d.unit, d.no, d.sanding_duty, d.content, d.post, d.source.file))
        tasks.rows += [_row(d.department, d.unit, d.no, n, t) for n, t in enumerate(d.tasks, 1)]
    return [duties, tasks]


def _boundaries(repo) -> list[Table]:
    matters = Table("boundary_matters", "boundaries", "职责边界事项",
                    _cols("id TEXT 边界事项编号; name TEXT 事项名称; domain TEXT 领域; lead TEXT 牵头部门; file TEXT 文件"),
                    ("id",), ((("lead",), "departments", ("id",)),))
    roles = Table("boundary_roles", "boundaries", "部门分工",
                  _cols("matter TEXT 边界事项编号; seq INTEGER 顺序; department TEXT 部门标识; role TEXT 角色"),
                  ("matter", "seq"), ((("matter",), "boundary_matters", ("id",)), (("department",), "departments", ("id",))))
    duties = Table("boundary_role_duties", "boundaries", "部门职责",
                   _cols("matter TEXT 边界事项编号; role_seq INTEGER 分工顺序; seq INTEGER 顺序; duty TEXT 职责"),
                   ("matter", "role_seq", "seq"), ((("matter", "role_seq"), "boundary_roles", ("matter", "seq")),))
    basis = Table("boundary_basis", "boundaries", "边界依据",
                  _cols("matter TEXT 边界事项编号; seq INTEGER 顺序; level TEXT 依据层级; title TEXT 法规名称; "
                        "article TEXT 条款; text TEXT 条文"), ("matter", "seq"), ((("matter",), "boundary_matters", ("id",)),))
    related = Table("boundary_related_powers", "boundaries", "相关权力事项",
                    _cols("matter TEXT 边界事项编号; item TEXT 事项编码"), ("matter", "item"),
                    ((("matter",), "boundary_matters", ("id",)), (("item",), "power_items", ("code",))))
    aliases = Table("boundary_aliases", "boundaries", "事项俗称", _cols("matter TEXT 边界事项编号; alias TEXT 俗称"),
                    ("matter", "alias"), ((("matter",), "boundary_matters", ("id",)),))
    mech = Table("boundary_mechanism", "boundaries", "协调配合机制",
                 _cols("matter TEXT 边界事项编号; key TEXT 环节; text TEXT 内容"), ("matter", "key"),
                 ((("matter",), "boundary_matters", ("id",)),))
    for b in matters.first(repo.boundaries, lambda b: b.id):
        matters.rows.append(_row(b.id, b.name, b.domain, b.lead, b.source.file))
        for n, r in enumerate(b.roles, 1):
            roles.rows.append(_row(b.id, n, r.department, r.role))
            duties.rows += [_row(b.id, n, k, d) for k, d in enumerate(r.duties, 1)]
        basis.rows += [_row(b.id, n, x.level, x.title, x.article, x.text) for n, x in enumerate(b.basis, 1)]
        related.rows += [_row(b.id, p) for p in b.related_powers]
        mech.rows += [_row(b.id, k, v) for k, v in (b.mechanism or {}).items()]
        aliases.rows += [_row(b.id, a) for a in _aliases(getattr(repo.documents.get(b.source.file), "data", None))]
    return [matters, roles, duties, basis, related, mech, aliases]


def _catalogs(repo) -> list[Table]:
    catalogs = Table("catalogs", "catalogs", "监管事项目录", _cols("id TEXT 目录标识; name TEXT 目录名称; file TEXT 文件"),
                     ("id",))
    items = Table("catalog_items", "catalogs", "监管事项",
                  _cols("catalog TEXT 目录标识; code TEXT 事项编码; name TEXT 事项名称; domain TEXT 领域; "
                        "leads INTEGER 牵头部门数"), ("catalog", "code"), ((("catalog",), "catalogs", ("id",)),))
    claims = Table("catalog_claims", "catalogs", "认领",
                   _cols("catalog TEXT 目录标识; code TEXT 事项编码; seq INTEGER 顺序; department TEXT 部门标识; "
                         "role TEXT 角色"), ("catalog", "code", "seq"),
                   ((("catalog", "code"), "catalog_items", ("catalog", "code")), (("department",), "departments", ("id",))))
    seen = set()
    for c in items.first(repo.catalog_items, lambda c: (c.catalog, c.code)):
        if c.catalog not in seen:
            seen.add(c.catalog)
            data = getattr(repo.documents.get(c.source.file), "data", None)
            catalogs.rows.append(_row(c.catalog, _get(data, "name"), c.source.file))
        items.rows.append(_row(c.catalog, c.code, c.name, c.domain, len(c.leads)))
        claims.rows += [_row(c.catalog, c.code, n, cl.department, cl.role) for n, cl in enumerate(c.claims, 1)]
    return [catalogs, items, claims]


def _laws(repo) -> list[Table]:
    laws = Table("laws", "laws", "法律法规",
                 _cols("id TEXT 标识; title TEXT 名称; short_title TEXT 简称; level TEXT 层级; issuer TEXT 制定机关; "
                       "source TEXT 资料来源; file TEXT 文件"), ("id",))
    versions = Table("law_versions", "laws", "版本沿革",
                     _cols("law TEXT 标识; seq INTEGER 顺序; event TEXT 事件; document TEXT 公布文号; "
                           "promulgated TEXT 公布日期; effective TEXT 施行日期; articles INTEGER 条文数; "
                           "renumbered INTEGER 条文重新编号; note TEXT 说明"), ("law", "seq"),
                     ((("law",), "laws", ("id",)),))
    aliases = Table("law_aliases", "laws", "法规别名", _cols("law TEXT 标识; alias TEXT 别名"), ("law", "alias"),
                    ((("law",), "laws", ("id",)),))
    for rel, d in laws.first(repo.laws, lambda law: law[1].get("id")):
        g = d.get
        laws.rows.append(_row(g("id"), g("title"), g("short_title"), g("level"), g("issuer"), g("source"), rel))
        for n, v in enumerate(g("versions") or (), 1):
            versions.rows.append(_row(g("id"), n, _get(v, "event"), _get(v, "document"), _get(v, "promulgated"),
                                      _get(v, "effective"), _get(v, "articles"), _get(v, "renumbered"), _get(v, "note")))
        aliases.rows += [_row(g("id"), a) for a in g("aliases") or ()]
    return [laws, versions, aliases]


def _waivers(repo) -> list[Table]:
    waivers = Table("waivers", "waivers", "规则豁免",
                    _cols("seq INTEGER 顺序; rule TEXT 规则编号; owner TEXT 责任人; approval TEXT 批准文件; "
                          "approved_by TEXT 批准人; approved_on TEXT 批准日期; author TEXT 提出人; expires TEXT 到期日期; "
                          "reason TEXT 理由; file TEXT 文件"), ("seq",))
    items = Table("waiver_items", "waivers", "豁免适用事项", _cols("waiver INTEGER 豁免顺序; item TEXT 适用事项"),
                  ("waiver", "item"), ((("waiver",), "waivers", ("seq",)),))
    for n, w in enumerate(repo.waivers, 1):
        waivers.rows.append(_row(n, w.rule, w.owner, w.approval, w.approved_by, w.approved_on, w.author, w.expires,
                                 w.reason, w.source.file))
        items.rows += [_row(n, i) for i in w.items]
    return [waivers, items]


def _processes(repo) -> list[Table]:
    procs = Table("processes", "processes", "工作流程",
                  _cols("id TEXT 流程编号; department TEXT 部门标识; name TEXT 流程名称; duty_unit TEXT 内设机构; "
                        "duty_no INTEGER 职责序号; day_type TEXT 时限计算; total_days INTEGER 总时限; remark TEXT 备注; "
                        "file TEXT 文件"), ("id",),
                  ((("department",), "departments", ("id",)),
                   (("department", "duty_unit", "duty_no"), "unit_duties", ("department", "unit", "no"))))
    items = Table("process_items", "processes", "流程承载的权力事项", _cols("process TEXT 流程编号; item TEXT 事项编码"),
                  ("process", "item"), ((("process",), "processes", ("id",)), (("item",), "power_items", ("code",))))
    steps = Table("process_steps", "processes", "流程环节",
                  _cols("process TEXT 流程编号; no INTEGER 环节序号; name TEXT 环节名称; department TEXT 办理部门; "
                        "unit TEXT 内设机构; post TEXT 岗位; days INTEGER 时限; standard TEXT 工作标准; "
                        "handoff TEXT 衔接依据; cross_department INTEGER 跨部门"), ("process", "no"),
                  ((("process",), "processes", ("id",)), (("department",), "departments", ("id",)),
                   (("department", "unit"), "units", ("department", "name"))))
    materials = Table("process_step_materials", "processes", "环节要件",
                      _cols("process TEXT 流程编号; step_no INTEGER 环节序号; seq INTEGER 顺序; material TEXT 要件"),
                      ("process", "step_no", "seq"), ((("process", "step_no"), "process_steps", ("process", "no")),))
    for p in procs.first(getattr(repo, "processes", ()) or (), lambda x: x.id):
        procs.rows.append(_row(p.id, p.department, p.name, p.duty_unit, p.duty_no, p.day_type, p.total_days, p.remark,
                               p.source.file if p.source else None))
        items.rows += [_row(p.id, i) for i in p.items]
        for st in p.steps:
            steps.rows.append(_row(p.id, st.no, st.name, st.department, st.unit, st.post, st.days, st.standard,
                                   st.handoff, st.cross))
            materials.rows += [_row(p.id, st.no, n, x) for n, x in enumerate(st.materials, 1)]
    pairs = Table("approval_supervision", "approval-supervision", "审管协同",
                  _cols("id TEXT 编号; item TEXT 审批事项编码; name TEXT 事项名称; approving TEXT 审批部门; "
                        "supervising TEXT 监管部门; inspection TEXT 监管事项编码; push_days INTEGER 推送时限; "
                        "push_day_type TEXT 时限计算; push_channel TEXT 推送渠道; monitoring TEXT 监测; feedback TEXT 反馈; "
                        "file TEXT 文件"), ("id",),
                  ((("item",), "power_items", ("code",)), (("approving",), "departments", ("id",)),
                   (("supervising",), "departments", ("id",)), (("inspection",), "power_items", ("code",))))
    push = Table("approval_supervision_push", "approval-supervision", "推送内容",
                 _cols("pair TEXT 编号; seq INTEGER 顺序; content TEXT 推送内容"), ("pair", "seq"),
                 ((("pair",), "approval_supervision", ("id",)),))
    for a in pairs.first(getattr(repo, "approval_pairs", ()) or (), lambda x: x.id):
        pairs.rows.append(_row(a.id, a.item, a.name, a.approving, a.supervising, a.inspection, a.push_days,
                               a.push_day_type, a.push_channel, a.monitoring, a.feedback,
                               a.source.file if a.source else None))
        push.rows += [_row(a.id, n, x) for n, x in enumerate(a.push_content, 1)]
    return [procs, items, steps, materials, pairs, push]


# ---- the supervision records -------------------------------------------------------------------
def _performance(v) -> list[Table]:
    ledgers = Table("performance_ledgers", "performance", "履职台账",
                    _cols("id TEXT 台账编号; department TEXT 部门标识; period TEXT 期间; compiled_on TEXT 编制日期; "
                          "file TEXT 文件"), ("id",), ((("department",), "departments", ("id",)),))
    entries = Table("performance_entries", "performance", "履职情况",
                    _cols("ledger TEXT 台账编号; seq INTEGER 顺序; power TEXT 事项编码; duty_unit TEXT 内设机构; "
                          "duty_no INTEGER 职责序号; name TEXT 名称; unit TEXT 承办机构; handled INTEGER 办理件数; "
                          "on_time INTEGER 按时办结件数; measure TEXT 履职措施; idle_reason TEXT 未履职原因"),
                    ("ledger", "seq"), ((("ledger",), "performance_ledgers", ("id",)), (("power",), "power_items", ("code",))))
    for led in ledgers.first(v.ledgers, lambda x: x.id):
        ledgers.rows.append(_row(led.id, led.department, led.period, led.compiled_on, led.source.file))
        entries.rows += [_row(led.id, n, e.power, (e.duty or (None, None))[0], (e.duty or (None, None))[1], e.name,
                              e.unit, e.handled, e.on_time, e.measure, e.idle_reason)
                         for n, e in enumerate(led.entries, 1)]
    return [ledgers, entries]


def _supervision(v) -> list[Table]:
    sups = Table("supervisions", "supervision", "督导评估",
                 _cols("id TEXT 督导编号; title TEXT 标题; type TEXT 类型; lead_source TEXT 线索来源; lead_ref TEXT 线索编号; "
                       "organizer TEXT 组织单位; department TEXT 部门标识; opened TEXT 启动日期; status TEXT 状态; "
                       "closed TEXT 结束日期; file TEXT 文件"), ("id",), ((("department",), "departments", ("id",)),))
    targets = Table("supervision_targets", "supervision", "督导对象",
                    _cols("supervision TEXT 督导编号; seq INTEGER 顺序; ledger TEXT 台账编号; power TEXT 事项编码; "
                          "duty_unit TEXT 内设机构; duty_no INTEGER 职责序号"), ("supervision", "seq"),
                    ((("supervision",), "supervisions", ("id",)), (("ledger",), "performance_ledgers", ("id",)),
                     (("power",), "power_items", ("code",))))
    findings = Table("supervision_findings", "supervision", "督导发现问题",
                     _cols("supervision TEXT 督导编号; no INTEGER 序号; finding TEXT 问题; severity TEXT 严重程度; "
                           "department TEXT 责任部门; due TEXT 整改期限; status TEXT 状态; closed_on TEXT 销号日期; "
                           "response_date TEXT 反馈日期"), ("supervision", "no"),
                     ((("supervision",), "supervisions", ("id",)), (("department",), "departments", ("id",))))
    probs = Table("supervision_problems", "supervision", "督导线索问题",
                  _cols("supervision TEXT 督导编号; problem TEXT 问题编号"), ("supervision", "problem"),
                  ((("supervision",), "supervisions", ("id",)), (("problem",), "problems", ("id",))))
    for s in sups.first(v.supervisions, lambda x: x.id):
        sups.rows.append(_row(s.id, s.title, s.type, s.lead_source, s.lead_ref, s.organizer, s.department, s.opened,
                              s.status, s.closed, s.source.file))
        targets.rows += [_row(s.id, n, t.ledger, t.power, (t.duty or (None, None))[0], (t.duty or (None, None))[1])
                         for n, t in enumerate(s.targets, 1)]
        findings.rows += [_row(s.id, f.no, f.text, f.severity, f.department, f.due, f.status, f.closed_on,
                               f.response_date) for f in s.findings]
        probs.rows += [_row(s.id, p) for p in s.problems]
    return [sups, targets, findings, probs]


def _problems(v) -> list[Table]:
    probs = Table("problems", "problems", "问题",
                  _cols("id TEXT 问题编号; origin TEXT 来源; order_id TEXT 工单编号; date TEXT 日期; content TEXT 内容; "
                        "district TEXT 所在区县; matter TEXT 所属事项; boundary TEXT 边界事项编号; dispute TEXT 调处编号; "
                        "status TEXT 办理状态; batch TEXT 批次; file TEXT 文件"), ("id",),
                  ((("boundary",), "boundary_matters", ("id",)), (("dispute",), "disputes", ("id",))))
    depts = Table("problem_departments", "problems", "问题涉及部门",
                  _cols("problem TEXT 问题编号; department TEXT 部门标识"), ("problem", "department"),
                  ((("problem",), "problems", ("id",)), (("department",), "departments", ("id",))))
    tags = Table("problem_tags", "problems", "问题标签", _cols("problem TEXT 问题编号; tag TEXT 标签"), ("problem", "tag"),
                 ((("problem",), "problems", ("id",)),))
    for p in probs.first(v.problems, lambda x: x.id):
        probs.rows.append(_row(p.id, p.origin, p.order_id, p.date, p.content, p.district, p.matter, p.boundary,
                               p.dispute, p.status, p.batch, p.source.file))
        depts.rows += [_row(p.id, d) for d in p.departments]
        tags.rows += [_row(p.id, t) for t in p.tags]
    return [probs, depts, tags]


def _disputes(v) -> list[Table]:
    disputes = Table("disputes", "disputes", "问题调处",
                     _cols("id TEXT 调处编号; matter TEXT 争议事项; raised TEXT 提起日期; raised_by TEXT 提起单位; "
                           "status TEXT 状态; decision_date TEXT 决定日期; decision_by TEXT 决定机关; "
                           "decision_document TEXT 决定文号; decision TEXT 决定内容; lead TEXT 牵头部门; "
                           "adjusted_boundary TEXT 调整的边界事项; adjusted_power TEXT 调整的权力事项; "
                           "adjusted_on TEXT 调整日期; file TEXT 文件"), ("id",),
                     ((("lead",), "departments", ("id",)), (("adjusted_boundary",), "boundary_matters", ("id",)),
                      (("adjusted_power",), "power_items", ("code",))))
    parties = Table("dispute_parties", "disputes", "争议各方",
                    _cols("dispute TEXT 调处编号; seq INTEGER 顺序; department TEXT 部门标识; position TEXT 主张"),
                    ("dispute", "seq"), ((("dispute",), "disputes", ("id",)), (("department",), "departments", ("id",))))
    coop = Table("dispute_cooperating", "disputes", "调处决定的配合部门",
                 _cols("dispute TEXT 调处编号; department TEXT 部门标识"), ("dispute", "department"),
                 ((("dispute",), "disputes", ("id",)), (("department",), "departments", ("id",))))
    probs = Table("dispute_problems", "disputes", "引发争议的问题", _cols("dispute TEXT 调处编号; problem TEXT 问题编号"),
                  ("dispute", "problem"), ((("dispute",), "disputes", ("id",)), (("problem",), "problems", ("id",))))
    for d in disputes.first(v.disputes, lambda x: x.id):
        dec, adj = d.decision or {}, d.adjustment or {}
        disputes.rows.append(_row(d.id, d.matter, d.raised, d.raised_by, d.status, _get(dec, "date"), _get(dec, "by"),
                                  _get(dec, "document"), _get(dec, "content"), _get(dec, "lead"), _get(adj, "boundary"),
                                  _get(adj, "power"), _get(adj, "date"), d.source.file))
        parties.rows += [_row(d.id, n, p.department, p.position) for n, p in enumerate(d.parties, 1)]
        coop.rows += [_row(d.id, c) for c in _get(dec, "cooperating") or ()]
        probs.rows += [_row(d.id, p) for p in d.problems]
    return [disputes, parties, coop, probs]


def _indicators(v) -> list[Table]:
    systems = Table("indicator_systems", "indicators", "评估指标体系",
                    _cols("id TEXT 体系编号; name TEXT 名称; core_points REAL 共性指标分值; "
                          "individual_points REAL 个性指标分值; formula TEXT 计分公式; file TEXT 文件"), ("id",))
    cats = Table("indicator_categories", "indicators", "部门类别",
                 _cols("system TEXT 体系编号; category TEXT 类别; department TEXT 部门标识"), ("system", "category", "department"),
                 ((("system",), "indicator_systems", ("id",)), (("department",), "departments", ("id",))))
    inds = Table("indicators", "indicators", "评估指标",
                 _cols("system TEXT 体系编号; code TEXT 指标编码; parent TEXT 上级指标; level INTEGER 级次; name TEXT 名称; "
                       "type TEXT 类型; weight REAL 权重; method TEXT 评估方法; scoring TEXT 评分标准; note TEXT 说明"),
                 ("system", "code"), ((("system",), "indicator_systems", ("id",)),
                                      (("system", "parent"), "indicators", ("system", "code"))))

    def walk(system, nodes, parent):
        for n in nodes:
            inds.rows.append(_row(system, n.code, parent, n.level, n.name, n.type, n.weight, n.method, n.scoring, n.note))
            walk(system, n.children, n.code)
    for s in systems.first(v.systems, lambda x: x.id):
        systems.rows.append(_row(s.id, s.name, s.core_points, s.individual_points, s.formula, s.source.file))
        cats.rows += [_row(s.id, name, d) for name, depts in s.categories.items() for d in depts]
        walk(s.id, s.indicators, None)
    return [systems, cats, inds]


def _evaluations(v) -> list[Table]:
    evals = Table("evaluations", "evaluations", "履职评估",
                  _cols("id TEXT 评估编号; period TEXT 期间; department TEXT 部门标识; system TEXT 指标体系; stage TEXT 阶段; "
                        "date TEXT 日期; file TEXT 文件"), ("id",),
                  ((("department",), "departments", ("id",)), (("system",), "indicator_systems", ("id",))))
    scores = Table("evaluation_scores", "evaluations", "评估得分",
                   _cols("evaluation TEXT 评估编号; system TEXT 指标体系; indicator TEXT 指标编码; score REAL 得分; "
                         "reason TEXT 理由"), ("evaluation", "indicator"),
                   ((("evaluation",), "evaluations", ("id",)), (("system", "indicator"), "indicators", ("system", "code"))))
    for e in evals.first(v.evaluations, lambda x: x.id):
        evals.rows.append(_row(e.id, e.period, e.department, e.system, e.stage, e.date, e.source.file))
        scores.rows += [_row(e.id, e.system, s.indicator, s.score, s.reason) for s in e.scores]
    return [evals, scores]


def _bodies(v) -> list[Table]:
    bodies = Table("bodies", "bodies", "议事协调机构",
                   _cols("id TEXT 机构编号; name TEXT 机构名称; type TEXT 类型; host TEXT 牵头部门; office TEXT 办公室所在部门; "
                         "leader TEXT 组长; status TEXT 状态; established_on TEXT 设立日期; "
                         "established_document TEXT 设立文号; term_end TEXT 存续期限; review_due TEXT 评估复核日期; "
                         "abolished_on TEXT 撤销日期; merged_into TEXT 并入机构; file TEXT 文件"), ("id",),
                   ((("host",), "departments", ("id",)), (("merged_into",), "bodies", ("id",))))
    members = Table("body_members", "bodies", "成员单位",
                    _cols("body TEXT 机构编号; seq INTEGER 顺序; department TEXT 部门标识; organization TEXT 其他成员单位; "
                          "role TEXT 角色"), ("body", "seq"),
                    ((("body",), "bodies", ("id",)), (("department",), "departments", ("id",))))
    for b in bodies.first(v.bodies, lambda x: x.id):
        bodies.rows.append(_row(b.id, b.name, b.type, b.host, b.office, b.leader, b.status, b.established_on,
                                _get(b.established, "document"), b.term_end, b.review_due, b.abolished_on,
                                _get(b.abolished, "merged_into"), b.source.file))
        members.rows += [_row(b.id, n, m.department, m.organization, m.role) for n, m in enumerate(b.members, 1)]
    return [bodies, members]


def _divisions(v) -> list[Table]:
    divs = Table("divisions", "divisions", "市县事权划分",
                 _cols("id TEXT 划分清单编号; name TEXT 名称; document TEXT 印发文件; effective TEXT 施行日期; file TEXT 文件"),
                 ("id",))
    items = Table("division_items", "divisions", "划分事项",
                  _cols("division TEXT 划分清单编号; no INTEGER 序号; item TEXT 权力事项编码; name TEXT 事项名称; "
                        "domain TEXT 领域; type TEXT 划分类型; power_source TEXT 权力来源; delegator TEXT 委托授权机关; "
                        "delegatee TEXT 受托部门"), ("division", "no"), ((("division",), "divisions", ("id",)),))
    duties = Table("division_duties", "divisions", "市县职责",
                   _cols("division TEXT 划分清单编号; no INTEGER 事项序号; level TEXT 层级; seq INTEGER 顺序; duty TEXT 职责"),
                   ("division", "no", "level", "seq"), ((("division", "no"), "division_items", ("division", "no")),))
    for d in divs.first(v.divisions, lambda x: x.id):
        divs.rows.append(_row(d.id, d.name, d.document, d.effective, d.source.file))
        for it in items.first(d.items, lambda x: x.no):
            items.rows.append(_row(d.id, it.no, it.item, it.name, it.domain, it.type, it.power_source,
                                   _get(it.delegation, "delegator"), _get(it.delegation, "delegatee")))
            duties.rows += [_row(d.id, it.no, "市级", n, x) for n, x in enumerate(it.city_duties, 1)]
            duties.rows += [_row(d.id, it.no, "县级", n, x) for n, x in enumerate(it.county_duties, 1)]
    return [divs, items, duties]


_VIEW_TABLES = (("performance", _performance), ("supervision", _supervision), ("problem", _problems),
                ("dispute", _disputes), ("indicator", _indicators), ("evaluation", _evaluations), ("body", _bodies),
                ("division", _divisions))


_MODEL_KINDS = ("organization", "powers", "tasks", "boundary", "catalog", "law", "waivers", "process",
                "approval_supervision")


def _other_records(repo) -> list[Table]:
    """Files of the kinds this module has no tables for yet: one row per file, its data as JSON
    (only files that loaded without an error, as the model takes them)."""
    known = set(_MODEL_KINDS) | {k for k, _ in _VIEW_TABLES}
    broken = {p.file for p in getattr(repo, "load_problems", ()) if p.severity == "error"}
    table = Table("other_records", "records", "其他记录",
                  _cols("file TEXT 文件; kind TEXT 类别; id TEXT 编号; data TEXT 内容"), ("file",))
    for rel, kind in sorted((getattr(repo, "kinds", {}) or {}).items()):
        data = getattr(repo.documents.get(rel), "data", None)
        if kind not in known and rel not in broken and data is not None:
            table.rows.append(_row(rel, kind, _get(data, "id"), data))
    return [table]


def city_tables(repo, kinds=None) -> list[Table]:
    """Every table of ``repo`` (or only those of the list kinds in ``kinds``), in dependency order."""
    views = rec.views(repo)
    tables = (_organizations(repo) + _powers(repo) + _tasks(repo) + _boundaries(repo) + _catalogs(repo)
              + _laws(repo) + _waivers(repo) + _processes(repo))
    for _, build in _VIEW_TABLES:
        tables += build(views)
    tables += _other_records(repo)
    if kinds is not None:
        tables = [t for t in tables if t.kind in kinds]
    return tables
