"""Item-level diff of two states of the lists: what a reviewer in the 编办 needs instead of a YAML diff.

``diff_repositories(old, new)`` compares two ``Repository`` objects. Items are matched by identity,
not by file: power items by code (so a move to another department's file is a 划转, a renamed file
is nothing), boundary matters by id, departments by id, unit duties by (department, unit, no),
catalogue items by (catalogue, code). A power item that disappears under one code while an item of
the same name and sub-name appears under another is paired too (a re-coded item, e.g. on transfer).
The supervision system's records (bodies, divisions, disputes, supervisions and their findings,
problems, ledgers, indicators, evaluations and their scores) are compared the same way, each kind
declared once in ``RECORD_SPECS``.

``diff(root, base, head)`` is the fast path the CLI uses: it reads only the files whose blobs differ,
and inside a changed list file it blanks the entries that are byte-identical on both sides before
parsing (line numbers are kept), so the cost follows the size of the change, not of the city.

Every change carries its kinds (新增, 取消, 划转, 依据增加 …), field-level before/after and a level
(major / minor / patch), configurable with ``change_levels:`` in policykit.yaml.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..lists import gitdoor as history
from ..lists.model import Source
from ..lists.repository import LIST_DIRS
from ..errors import UsageError
from ..problems import Problem

# ---- vocabulary ---------------------------------------------------------------------------------
ADJUSTMENT_KINDS = ("权责清单", "职责任务清单", "职责边界清单", "三定职责", "协调配合机制", "监管事项目录")
# the supervision system's records (lists/performance … lists/divisions): one group each, after the lists
RECORD_GROUPS = ("议事协调机构", "市县事权划分", "职责争议调处", "督导评估工作台账", "问题征集", "部门履职情况台账",
                 "履职评估指标体系", "部门履职评估", "工作流程", "审管协同")
KINDS = ADJUSTMENT_KINDS + RECORD_GROUPS   # every group a change is reported under, in report order
OBJECTS = {  # object -> (Chinese name, adjustment kind or record group)
    "power": ("权力事项", "权责清单"),
    "unit_duty": ("内设机构职责", "职责任务清单"),
    "boundary": ("边界事项", "职责边界清单"),
    "department": ("部门", "三定职责"),
    "mechanism": ("协调配合机制", "协调配合机制"),
    "catalog_item": ("目录事项", "监管事项目录"),
    # supervision records (RECORD_SPECS below says how each is read and compared)
    "body": ("议事协调机构", "议事协调机构"),
    "division": ("事权划分清单", "市县事权划分"),
    "division_item": ("事权划分事项", "市县事权划分"),
    "dispute": ("职责争议", "职责争议调处"),
    "supervision": ("督导", "督导评估工作台账"),
    "finding": ("督导问题", "督导评估工作台账"),
    "problem_batch": ("问题批次", "问题征集"),
    "problem": ("征集问题", "问题征集"),
    "ledger": ("履职台账", "部门履职情况台账"),
    "perf_entry": ("履职记录", "部门履职情况台账"),
    "indicator_system": ("指标体系", "履职评估指标体系"),
    "indicator": ("评估指标", "履职评估指标体系"),
    "evaluation": ("履职评估", "部门履职评估"),
    "score": ("指标得分", "部门履职评估"),
    # 流程再造 and 审管协同 (lists/processes.py)
    "process": ("工作流程", "工作流程"),
    "process_step": ("流程步骤", "工作流程"),
    "approval_pair": ("审管协同", "审管协同"),
}
OBJECT_BY_LABEL = {v[0]: k for k, v in OBJECTS.items()}
# how a group without a department is headed (a change's department is None)
GROUP_NO_DEPARTMENT = {"市县事权划分": "（不分部门）", "履职评估指标体系": "（不分部门）", "问题征集": "（未派单）",
                       "职责争议调处": "（尚未裁定牵头部门）"}
LEVELS = ("major", "minor", "patch")
LEVEL_LABELS = {"major": "重大", "minor": "一般", "patch": "细微"}
LEVEL_BY_LABEL = {**{v: k for k, v in LEVEL_LABELS.items()}, **{k: k for k in LEVELS}}
LEVEL_RANK = {"major": 0, "minor": 1, "patch": 2}

# change type -> default level (the order is the order types are listed in)
CHANGE_TYPES = {
    "新增": "minor", "取消": "major", "撤销": "major", "合并": "major", "划转": "major", "牵头部门变更": "major",
    "划分类型变更": "major", "受托部门变更": "major", "机构状态变更": "major",
    "清理已取消事项": "patch", "编码变更": "minor", "名称变更": "minor", "权力类型变更": "minor",
    "依据增加": "minor", "依据删除": "minor", "依据变更": "minor", "责任事项变更": "minor", "追责变更": "minor",
    "承办机构变更": "minor", "实施层级变更": "minor", "权力来源变更": "minor", "三定职责对应变更": "minor",
    "共同实施部门变更": "minor", "监管事项关联变更": "minor", "状态变更": "minor", "廉政风险点变更": "minor",
    "边界角色变更": "minor", "边界职责变更": "minor", "关联事项变更": "minor", "协调机制变更": "minor",
    "三定职责变更": "minor", "内设机构变更": "minor", "三定文件变更": "minor", "编制变更": "minor",
    "机构类型变更": "minor", "职责内容变更": "minor", "具体任务变更": "minor", "岗位与标准变更": "minor",
    "认领变更": "minor",
    # supervision records
    "成员单位变更": "minor", "机构职责变更": "minor", "机构文件变更": "minor", "存续期限变更": "minor",
    "运行记录变更": "patch",
    "市县职责变更": "minor", "委托授权变更": "minor", "划分文件变更": "minor", "覆盖部门变更": "minor",
    "争议裁定": "minor", "调处状态变更": "minor", "调处决定变更": "minor", "落实调整变更": "minor",
    "争议方变更": "minor",
    "督导状态变更": "minor", "督导对象变更": "minor", "整改状态变更": "minor", "整改反馈变更": "minor",
    "整改期限变更": "minor", "整改责任部门变更": "minor", "问题内容变更": "minor",
    "办理状态变更": "minor", "派单部门变更": "minor", "问题标签变更": "minor", "对应事项变更": "minor",
    "办理量变更": "minor", "佐证变更": "minor",
    "指标权重变更": "minor", "评估标准变更": "minor", "适用范围变更": "minor", "计分规则变更": "minor",
    "部门类别变更": "minor",
    "得分变更": "minor", "评分说明变更": "minor", "评估阶段变更": "minor", "评估反馈变更": "minor",
    "所属职责变更": "minor", "承接事项变更": "minor", "步骤变更": "minor", "时限变更": "minor", "要件变更": "minor",
    "责任岗位变更": "minor", "衔接变更": "minor", "监管部门变更": "major", "推送变更": "minor", "审批监控变更": "minor",
    "备注变更": "patch", "其他字段变更": "patch",
}
# object-scoped defaults ("对象/类型"), consulted before the plain type. Deleting a work record is
# minor, except the ones that erase what supervision found or decided (督导问题, 职责争议) and the
# records that are themselves 动态调整 (议事协调机构: 协调配合机制; 事权划分事项: 权责清单); setting
# up a 议事协调机构 needs approval, so it is major too.
SCOPED_LEVELS = {"内设机构职责/取消": "minor", "目录事项/取消": "minor", "议事协调机构/新增": "major",
                 **{f"{OBJECTS[o][0]}/取消": "minor"
                    for o in ("division", "supervision", "problem_batch", "problem", "ledger", "perf_entry",
                              "indicator_system", "indicator", "evaluation", "score")}}
TYPE_ORDER = {t: i for i, t in enumerate(CHANGE_TYPES)}
SHAPE_TYPES = ("新增", "取消", "划转")  # what the summary counts separately; everything else is 修改
SHAPE_OF = {"新增": "新增", "取消": "取消", "撤销": "取消", "合并": "取消", "划转": "划转"}
SHAPE_ORDER = {"取消": 0, "划转": 1, "新增": 2, "修改": 3}

POWER_FIELD_TYPES = {
    "name": "名称变更", "sub_name": "名称变更", "category": "权力类型变更", "unit": "承办机构变更",
    "levels": "实施层级变更", "sanding_duty": "三定职责对应变更", "responsibilities": "责任事项变更",
    "responsibility_basis": "责任事项变更", "accountability_targets": "追责变更", "accountability_cases": "追责变更",
    "power_source": "权力来源变更", "source_document": "权力来源变更", "delegator": "权力来源变更",
    "co_departments": "共同实施部门变更", "catalog_code": "监管事项关联变更", "supervision_items": "监管事项关联变更",
    "impl_code": "编码变更", "integrity_risks": "廉政风险点变更", "remark": "备注变更",
}
DUTY_FIELD_TYPES = {"content": "职责内容变更", "tasks": "具体任务变更", "sanding_duty": "三定职责对应变更",
                    "post": "岗位与标准变更", "standard": "岗位与标准变更", "coordination": "岗位与标准变更",
                    "flowchart": "岗位与标准变更"}
DEPARTMENT_VALUED = {"department", "co_departments", "lead", "department_lead",  # values are department ids
                     "departments", "host", "office", "delegation.delegatee", "decision.lead", "decision.cooperating"}
# directory under lists/ -> kind, for every directory whose files hold items or records (not laws)
ITEM_DIRS = {d: k for d, k in LIST_DIRS.items() if k != "law"}
# kind -> (the top-level sequence whose identical entries are blanked, the field naming an entry).
# Record files keep one entry when all are identical: their schemas want at least one.
PRUNE = {"powers": ("items", "code"), "catalog": ("items", "code"), "tasks": ("units", "unit"),
         "problem": ("problems", "id"), "performance": ("entries", "power|duty"), "division": ("items", "item"),
         "evaluation": ("scores", "indicator")}
PRUNE_KEEP_ONE = {"problem", "performance", "division", "evaluation"}
CONFIG_FILE = "policykit.yaml"


@lru_cache(maxsize=None)
def _titles(kind: str) -> dict:
    """field path (dot-joined, [] for list items) -> the schema's Chinese title."""
    from ..lists.schemas import load_schema
    try:
        schema = load_schema(kind)
    except Exception:  # noqa: BLE001 - labels fall back to the key
        return {}
    out = {}

    def walk(node, path):
        if not isinstance(node, dict):
            return
        if "$ref" in node and node["$ref"].startswith("#/$defs/"):
            node = {**schema.get("$defs", {}).get(node["$ref"].split("/")[-1], {}), **node}
        if path and "title" in node:
            out.setdefault(".".join(path), node["title"])
        for key, sub in (node.get("properties") or {}).items():
            walk(sub, path + [key])
        if isinstance(node.get("items"), dict):
            walk(node["items"], path + ["[]"])
    walk(schema, [])
    return out


_FALLBACK = {"department": "所属部门", "code": "事项编码", "lead": "牵头部门", "role": "角色", "duties": "职责",
             "claims": "认领", "main_duties": "主要职责", "units": "内设机构"}


def _label(kind: str, path: str) -> str:
    return _titles(kind).get(path) or _FALLBACK.get(path.split(".")[-1], path)


# ---- change levels ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ChangeLevels:
    """Levels of change types; ``overrides`` from ``change_levels:`` in policykit.yaml."""
    overrides: dict = field(default_factory=dict)

    def of(self, obj: str, ctype: str) -> str:
        scoped = f"{OBJECTS[obj][0]}/{ctype}"
        for table in (self.overrides, SCOPED_LEVELS):
            if scoped in table:
                return table[scoped]
        if ctype in self.overrides:
            return self.overrides[ctype]
        return CHANGE_TYPES.get(ctype, "minor")


def parse_change_levels(mapping, where: str = CONFIG_FILE) -> ChangeLevels:
    """Validate a ``change_levels`` mapping: keys are change types, optionally scoped as "对象/类型"
    (对象 one of 权力事项 边界事项 部门 内设机构职责 目录事项 协调配合机制); values major|minor|patch
    or 重大|一般|细微."""
    if mapping is None:
        return ChangeLevels()
    if not isinstance(mapping, dict):
        raise UsageError(f"{where}: change_levels 应为映射（调整类型: 级别） (change_levels must be a mapping)")
    out = {}
    for key, value in mapping.items():
        key = str(key).strip()
        obj, _, ctype = key.rpartition("/")
        if ctype not in CHANGE_TYPES:
            raise UsageError(f"{where}: change_levels 中未知的调整类型「{ctype}」 (unknown change type)",
                             hint="可用类型：" + "、".join(CHANGE_TYPES))
        if obj and obj not in OBJECT_BY_LABEL:
            raise UsageError(f"{where}: change_levels 中未知的对象「{obj}」 (unknown object)",
                             hint="可用对象：" + "、".join(OBJECT_BY_LABEL))
        level = LEVEL_BY_LABEL.get(str(value).strip())
        if level is None:
            raise UsageError(f"{where}: change_levels.{key} 的级别应为 major/minor/patch（重大/一般/细微），"
                             f"而不是「{value}」 (invalid level)")
        out[key] = level
    return ChangeLevels(out)


def change_levels_from_config(raw: bytes | None, where: str = CONFIG_FILE) -> ChangeLevels:
    """``change_levels`` read from the raw bytes of policykit.yaml (config.py does not know it yet)."""
    if not raw:
        return ChangeLevels()
    from ..lists.loader import load_bytes
    doc = load_bytes(raw, where)
    if not isinstance(doc.data, dict):
        return ChangeLevels()  # the config's own problems are reported by `check`
    return parse_change_levels(doc.data.get("change_levels"), where)


# ---- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    type: str
    before: object = None
    after: object = None
    subject: str | None = None     # qualifies the field: a department id, "第3条", a unit name

    def as_dict(self) -> dict:
        d = {"field": self.field, "label": self.label, "type": self.type, "before": self.before, "after": self.after}
        if self.subject is not None:
            d["subject"] = self.subject
        return d


@dataclass
class Change:
    object: str                    # power | unit_duty | boundary | department | mechanism | catalog_item
    key: str
    name: str
    types: list
    level: str
    department: str | None         # the department it is grouped under (after the change)
    department_before: str | None = None
    previous_key: str | None = None
    fields: list = field(default_factory=list)
    before: dict | None = None     # the whole record, for 新增/取消
    after: dict | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None

    @property
    def adjustment(self) -> str:
        return OBJECTS[self.object][1]

    @property
    def ident(self) -> tuple:
        return (self.object, self.key)

    @property
    def shape(self) -> str:
        return next((SHAPE_OF[t] for t in self.types if t in SHAPE_OF), "修改")

    def as_dict(self) -> dict:
        return {"object": self.object, "object_label": OBJECTS[self.object][0], "adjustment": self.adjustment,
                "key": self.key, "previous_key": self.previous_key, "name": self.name, "types": list(self.types),
                "level": self.level, "department": self.department, "department_before": self.department_before,
                "location": {"file": self.file, "line": self.line, "column": self.column, "path": self.path},
                "fields": [f.as_dict() for f in self.fields], "before": self.before, "after": self.after}


@dataclass
class Diff:
    base_label: str
    head_label: str
    base_revision: str | None = None
    head_revision: str | None = None
    changes: list = field(default_factory=list)
    other_files: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    names: dict = field(default_factory=dict)      # department id -> short name
    levels: ChangeLevels = field(default_factory=ChangeLevels)
    verdict: list = field(default_factory=list)    # VerdictChange: configuration, rules, schemas, waivers

    @property
    def majors(self) -> list:
        return [c for c in self.changes if c.level == "major"]

    def name_of(self, dept: str | None) -> str:
        if not dept:
            return "（未定牵头部门）"
        return self.names.get(dept) or dept

    def group_name(self, kind: str, dept: str | None) -> str:
        """How the changes of ``dept`` are headed in the group ``kind`` (records may have no department)."""
        if not dept and kind in GROUP_NO_DEPARTMENT:
            return GROUP_NO_DEPARTMENT[kind]
        return self.name_of(dept)

    def department_label(self, c: Change) -> str:
        return self.group_name(c.adjustment, c.department)

    def find(self, obj: str, key: str) -> Change | None:
        return next((c for c in self.changes if c.object == obj and c.key == key), None)

    def summary(self) -> dict:
        levels = Counter(c.level for c in self.changes)
        kinds = {}
        for kind in KINDS:
            cs = [c for c in self.changes if c.adjustment == kind]
            if not cs:
                continue
            shapes = Counter(c.shape for c in cs)
            kinds[kind] = {"total": len(cs), "major": sum(c.level == "major" for c in cs),
                           **{s: shapes.get(s, 0) for s in (*SHAPE_TYPES, "修改")},
                           "types": dict(sorted(Counter(t for c in cs for t in c.types).items(),
                                                key=lambda kv: TYPE_ORDER.get(kv[0], 99)))}
        departments = {}
        for c in self.changes:
            d = departments.setdefault(c.department or "", {"name": self.name_of(c.department), "total": 0})
            d["total"] += 1
        return {"total": len(self.changes), "levels": {lv: levels.get(lv, 0) for lv in LEVELS},
                "kinds": kinds, "departments": dict(sorted(departments.items()))}

    def as_dict(self) -> dict:
        return {"base": {"label": self.base_label, "revision": self.base_revision},
                "head": {"label": self.head_label, "revision": self.head_revision},
                "summary": self.summary(), "changes": [c.as_dict() for c in self.changes],
                "other_files": list(self.other_files), "warnings": list(self.warnings),
                "verdict": [v.as_dict() for v in self.verdict],
                "departments": dict(sorted(self.names.items()))}


# ---- comparing values ---------------------------------------------------------------------------
def _norm(v):
    """Plain, comparable, JSON-able data; empty values (None, "", [], {}) all become None."""
    if v is None:
        return None
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    if isinstance(v, dict):
        d = {str(k): _norm(x) for k, x in v.items()}
        d = {k: x for k, x in d.items() if x is not None}
        return d or None
    if isinstance(v, (list, tuple)):
        return [_norm(x) for x in v] or None
    if isinstance(v, str):
        return v if v.strip() else None
    return v


def basis_text(b, full: bool = False) -> str:
    if not isinstance(b, dict):
        return str(b)
    text = f"【{b.get('level', '')}】《{b.get('title', '')}》{b.get('article', '') or ''}"
    if full and b.get("text"):
        text += f"：{b['text']}"
    return text


def _basis_changes(old, new, fld: str, label: str) -> list[FieldChange]:
    old = [_norm(b) for b in old or ()]
    new = [_norm(b) for b in new or ()]
    rest_old = list(old)
    rest_new = []
    for b in new:
        if b in rest_old:
            rest_old.remove(b)
        else:
            rest_new.append(b)
    out = []
    for b in list(rest_new):
        title = (b or {}).get("title")
        match = next((o for o in rest_old if (o or {}).get("title") == title), None)
        if match is not None:
            rest_old.remove(match)
            rest_new.remove(b)
            full = basis_text(match) == basis_text(b)
            out.append(FieldChange(fld, label, "依据变更", basis_text(match, full), basis_text(b, full)))
    out += [FieldChange(fld, label, "依据删除", basis_text(o), None) for o in rest_old]
    out += [FieldChange(fld, label, "依据增加", None, basis_text(b)) for b in rest_new]
    return out


def _fields(kind: str, prefix: str, old: dict, new: dict, types: dict, skip=(), default="其他字段变更",
            subject=None) -> list[FieldChange]:
    out = []
    keys = list(new or {}) + [k for k in (old or {}) if k not in (new or {})]
    for key in keys:
        if key in skip:
            continue
        a, b = _norm((old or {}).get(key)), _norm((new or {}).get(key))
        if a == b:
            continue
        path = f"{prefix}.{key}" if prefix else key
        out.append(FieldChange(key, _label(kind, path), types.get(key, default), a, b, subject))
    return out


def _make(obj, key, name, fields, levels: ChangeLevels, department, **kw) -> Change:
    types = sorted({f.type for f in fields} | set(kw.pop("types", ())), key=lambda t: TYPE_ORDER.get(t, 99))
    level = min((levels.of(obj, t) for t in types), key=LEVEL_RANK.get, default="patch")
    return Change(obj, key, name, types, level, department, fields=list(fields), **kw)


def _raw(repo, source):
    doc = repo.documents.get(source.file)
    node = doc.data if doc else None
    for part in source.path:
        node = node[part]
    return node


# ---- the comparison itself ------------------------------------------------------------------------
def diff_repositories(old, new, *, levels: ChangeLevels | None = None, base_label: str = "调整前",
                      head_label: str = "调整后", renames: dict | None = None) -> Diff:
    """Every item-level change from ``old`` to ``new`` (two ``Repository`` objects). ``renames``
    (``{old code: new code}``, from the adjustment records' 原编码 lines) pairs a re-coded item with
    itself even when its name changed too; without one, a code that vanished while an item of the
    same name appeared under another code is the same item (see ``_pairs``)."""
    levels = levels or ChangeLevels()
    renames = dict(renames or {})
    result = Diff(base_label, head_label, getattr(old, "revision", None), getattr(new, "revision", None),
                  levels=levels)
    broken = set()
    for repo, label in ((old, base_label), (new, head_label)):
        for p in repo.load_problems:
            if p.severity == "error" and p.file not in broken and p.file != CONFIG_FILE:
                broken.add(p.file)
                result.warnings.append(f"{label}中的 {p.file} 有错误，其中的事项未参与比较（请先运行 policykit check） "
                                       f"({p.file} has errors and was not compared)")
    changes = []
    changes += _diff_powers(old, new, levels, broken, renames)
    changes += _diff_departments(old, new, levels, broken)
    changes += _diff_duties(old, new, levels, broken)
    changes += _diff_boundaries(old, new, levels, broken)
    changes += _diff_catalog(old, new, levels, broken)
    for spec in RECORD_SPECS:
        changes += _diff_records(spec, old, new, levels, broken, renames)
    for c in changes:
        _locate(c, old if getattr(c, "_side", "new") == "old" else new)
    names = {}
    for repo in (old, new):
        for d in repo.departments.values():
            names[d.id] = d.short_name or d.name
    result.names = names
    result.changes = sorted(changes, key=lambda c: (KINDS.index(c.adjustment), c.department or "~",
                                                     LEVEL_RANK[c.level], SHAPE_ORDER[c.shape], c.key))
    return result


def _locate(change: Change, repo) -> None:
    src = getattr(change, "_source", None)
    if src is None:
        return
    try:
        file, line, col, _ = repo.locate(src)
    except (KeyError, TypeError):
        return
    path = list(src.path)
    maps = getattr(repo, "_pk_index_maps", {})
    if file in maps and len(path) >= 2 and isinstance(path[1], int):
        path[1] = maps[file][path[1]]
    from ..lists.loader import json_path
    change.file, change.line, change.column, change.path = file, line, col, json_path(path)


def _set_source(change: Change, source, side: str) -> Change:
    change._source, change._side = source, side
    return change


def _usable(items, broken):
    return [i for i in items if i.source is None or i.source.file not in broken]


def _power_summary(raw: dict, dept: str) -> dict:
    return {**(_norm(raw) or {}), "department": dept}


def _pairs(removed: list, added: list, name_of, renames: dict) -> dict:
    """``{old key: new key}`` of the entries that are one item under two keys (the identity of an item
    across a re-code, a transfer or both): first as the records say (``renames``, 原编码), then a key
    that vanished while an entry of the same name appeared under another key, when that name is
    unique on both sides."""
    added_set = set(added)
    pairs = {o: n for o, n in renames.items() if o in set(removed) and n in added_set}
    taken = set(pairs.values())
    rest_o = [k for k in removed if k not in pairs]
    rest_n = [k for k in added if k not in taken]
    rc, ac = Counter(name_of(k, "old") for k in rest_o), Counter(name_of(k, "new") for k in rest_n)
    by_name = {name_of(k, "new"): k for k in rest_n}
    for k in rest_o:
        name = name_of(k, "old")
        if name and rc[name] == 1 and ac[name] == 1:
            pairs[k] = by_name[name]
    return pairs


def _written_last(items) -> dict:
    """``{code: item}``: of the entries a side writes under one code, the one taking effect last. An
    approved transfer or re-code written in advance keeps the old entry until a day (``expires``) and
    writes the new one from that day (``effective``): the side's lists are compared as they will be, so
    the review shows the 划转 (and asks for its record) instead of only a new expiry date."""
    out: dict = {}
    for item in items:
        seen = out.get(item.code)
        if seen is None or _effective_key(item) > _effective_key(seen):
            out[item.code] = item
    return out


def _effective_key(item) -> str:
    day = (item.raw or {}).get("effective") if isinstance(item.raw, dict) else None
    return str(day.isoformat() if hasattr(day, "isoformat") else day) if day else ""


def _diff_powers(old, new, levels, broken, renames=None) -> list[Change]:
    om = _written_last(_usable(old.power_items, broken))
    nm = _written_last(_usable(new.power_items, broken))
    removed = [c for c in om if c not in nm]
    added = [c for c in nm if c not in om]
    # one item under two codes: as the records say, or by its name (see _pairs)
    nk = lambda c, side: ((om if side == "old" else nm)[c].name, (om if side == "old" else nm)[c].sub_name)  # noqa
    pairs = _pairs(removed, added, nk, renames or {})
    paired_new = set(pairs.values())
    out = []
    for code in list(om) + added:
        if code in om and (code in nm or code in pairs):
            o, n = om[code], nm[pairs.get(code, code)]
        elif code in om:
            o = om[code]
            ctype = "清理已取消事项" if o.status == "取消" else "取消"
            c = _make("power", code, o.full_name, [], levels, o.department, types=[ctype],
                      before=_power_summary(o.raw, o.department))
            out.append(_set_source(c, o.source, "old"))
            continue
        elif code in paired_new:
            continue
        else:
            n = nm[code]
            c = _make("power", code, n.full_name, [], levels, n.department, types=["新增"],
                      after=_power_summary(n.raw, n.department))
            out.append(_set_source(c, n.source, "new"))
            continue
        fields = []
        if o.department != n.department:
            fields.append(FieldChange("department", "所属部门", "划转", o.department, n.department))
        if o.code != n.code:
            fields.append(FieldChange("code", _label("powers", "items.[].code"), "编码变更", o.code, n.code))
        for f in _fields("powers", "items.[]", o.raw, n.raw, POWER_FIELD_TYPES, skip=("code", "legal_basis", "status")):
            fields.append(f)
        if _norm(o.raw.get("legal_basis")) != _norm(n.raw.get("legal_basis")):
            fields += _basis_changes(o.raw.get("legal_basis"), n.raw.get("legal_basis"), "legal_basis",
                                     _label("powers", "items.[].legal_basis"))
        if _norm(o.raw.get("status")) != _norm(n.raw.get("status")):
            ctype = "取消" if n.status == "取消" else "状态变更"
            fields.append(FieldChange("status", _label("powers", "items.[].status"), ctype, o.status, n.status))
        if not fields:
            continue
        order = {f: i for i, f in enumerate(["department", "code", "name", "sub_name", "category", "status", "unit",
                                             "legal_basis"])}
        fields.sort(key=lambda f: order.get(f.field, 50))
        c = _make("power", n.code, n.full_name, fields, levels, n.department,
                  department_before=o.department if o.department != n.department else None,
                  previous_key=o.code if o.code != n.code else None)
        out.append(_set_source(c, n.source, "new"))
    return out


def _departments(repo, broken) -> dict:
    out = {}
    for d in repo.departments.values():
        if d.source.file not in broken:
            out[d.id] = (d, _raw(repo, d.source))
    return out


def _diff_departments(old, new, levels, broken) -> list[Change]:
    om, nm = _departments(old, broken), _departments(new, broken)
    out = []
    for dept_id in list(om) + [k for k in nm if k not in om]:
        if dept_id not in nm or dept_id not in om:
            out.append(_department_shape(dept_id, om, nm, levels))
            continue
        (_, o), (nd, n) = om[dept_id], nm[dept_id]
        fields = _department_fields(o, n)
        if fields:
            out.append(_set_source(_make("department", dept_id, nd.name, fields, levels, dept_id), nd.source, "new"))
    return out


def _department_shape(dept_id, om, nm, levels) -> Change:
    """A department only one side has: 取消 (old side only) or 新增 (new side only), with its whole record."""
    if dept_id not in nm:
        d, raw = om[dept_id]
        c = _make("department", dept_id, d.name, [], levels, dept_id, types=["取消"], before=_norm(raw))
        return _set_source(c, d.source, "old")
    d, raw = nm[dept_id]
    c = _make("department", dept_id, d.name, [], levels, dept_id, types=["新增"], after=_norm(raw))
    return _set_source(c, d.source, "new")


def _department_fields(o: dict, n: dict) -> list[FieldChange]:
    """Field changes of a department both sides have: its own fields, 三定 (sanding), main duties, units."""
    types = {"code": "编码变更", "name": "名称变更", "short_name": "名称变更", "type": "机构类型变更"}
    fields = _fields("organization", "", o, n, types, skip=("id", "sanding", "units"))
    os_, ns = o.get("sanding") or {}, n.get("sanding") or {}
    fields += _fields("organization", "sanding", os_, ns,
                      {"document": "三定文件变更", "effective": "三定文件变更", "rank": "三定文件变更"},
                      skip=("main_duties", "staffing"))
    fields += _fields("organization", "sanding.staffing", os_.get("staffing") or {}, ns.get("staffing") or {},
                      {}, default="编制变更")
    fields += _main_duty_changes(os_, ns)
    fields += _unit_changes(o, n)
    return fields


def _main_duty_changes(os_: dict, ns: dict) -> list[FieldChange]:
    """三定职责变更: the main duties (by number) whose text changed, appeared or went."""
    od_ = {d.get("no"): d for d in os_.get("main_duties") or ()}
    nd_ = {d.get("no"): d for d in ns.get("main_duties") or ()}
    label = _label("organization", "sanding.main_duties")
    fields = []
    for no in sorted(set(od_) | set(nd_), key=lambda x: (str(type(x)), x)):
        a, b = _norm((od_.get(no) or {}).get("text")), _norm((nd_.get(no) or {}).get("text"))
        if a != b or (no in od_) != (no in nd_):
            fields.append(FieldChange("main_duties", label, "三定职责变更", a, b, f"第{no}条"))
    return fields


def _unit_changes(o: dict, n: dict) -> list[FieldChange]:
    """内设机构变更: internal units (by name) added or removed, and the fields of those kept."""
    ou = {u.get("name"): u for u in o.get("units") or ()}
    nu = {u.get("name"): u for u in n.get("units") or ()}
    ulabel = _label("organization", "units")
    fields = []
    for name in list(ou) + [u for u in nu if u not in ou]:
        if name not in nu or name not in ou:
            fields.append(FieldChange("units", ulabel, "内设机构变更", name if name in ou else None,
                                      name if name in nu else None, name))
        else:
            fields += _fields("organization", "units.[]", ou[name], nu[name], {}, skip=("name",),
                              default="内设机构变更", subject=name)
    return fields


def _duties(repo, broken) -> dict:
    out = {}
    for d in _usable(repo.unit_duties, broken):
        out.setdefault(d.key, (d, _raw(repo, d.source)))
    return out


def _duty_name(d, raw) -> str:
    text = d.content.strip()
    return f"{d.unit}·{d.no}：{text[:24]}{'…' if len(text) > 24 else ''}"


def _diff_duties(old, new, levels, broken) -> list[Change]:
    om, nm = _duties(old, broken), _duties(new, broken)
    out = []
    for key in list(om) + [k for k in nm if k not in om]:
        if key not in nm:
            d, raw = om[key]
            c = _make("unit_duty", key, _duty_name(d, raw), [], levels, d.department, types=["取消"],
                      before={**(_norm(raw) or {}), "unit": d.unit})
            out.append(_set_source(c, d.source, "old"))
        elif key not in om:
            d, raw = nm[key]
            c = _make("unit_duty", key, _duty_name(d, raw), [], levels, d.department, types=["新增"],
                      after={**(_norm(raw) or {}), "unit": d.unit})
            out.append(_set_source(c, d.source, "new"))
        else:
            (_, o), (nd, n) = om[key], nm[key]
            fields = _fields("tasks", "units.[].duties.[]", o, n, DUTY_FIELD_TYPES, skip=("no",))
            if fields:
                c = _make("unit_duty", key, _duty_name(nd, n), fields, levels, nd.department)
                out.append(_set_source(c, nd.source, "new"))
    return out


def _boundaries(repo, broken) -> dict:
    out = {}
    for b in _usable(repo.boundaries, broken):
        out.setdefault(b.id, (b, _raw(repo, b.source)))
    return out


def _leads(raw) -> list:
    return sorted(r.get("department") for r in raw.get("departments") or () if r.get("role") == "牵头")


def _boundary_summary(raw) -> dict:
    return _norm(raw) or {}


def _diff_boundaries(old, new, levels, broken) -> list[Change]:
    om, nm = _boundaries(old, broken), _boundaries(new, broken)
    out = []
    for key in list(om) + [k for k in nm if k not in om]:
        if key not in nm or key not in om:
            out.append(_boundary_shape(key, om, nm, levels))
            continue
        (_, o), (nb, n) = om[key], nm[key]
        out += _boundary_changes(key, nb, o, n, levels)
    return out


def _boundary_shape(key, om, nm, levels) -> Change:
    """A boundary item only one side has: 取消 (old side only) or 新增 (new side only), under its lead."""
    if key not in nm:
        b, raw = om[key]
        lead = (_leads(raw) or [None])[0]
        c = _make("boundary", key, b.name, [], levels, lead, types=["取消"], before=_boundary_summary(raw))
        return _set_source(c, b.source, "old")
    b, raw = nm[key]
    lead = (_leads(raw) or [None])[0]
    c = _make("boundary", key, b.name, [], levels, lead, types=["新增"], after=_boundary_summary(raw))
    return _set_source(c, b.source, "new")


def _boundary_changes(key, nb, o: dict, n: dict, levels) -> list[Change]:
    """A boundary item both sides have: its own change (lead, roles, duties, basis, fields), then its
    coordination mechanism's, each only when something changed."""
    out = []
    lo, ln = _leads(o), _leads(n)
    fields = _boundary_fields(o, n, lo, ln)
    lead = (ln or lo or [None])[0]
    if fields:
        c = _make("boundary", key, nb.name, fields, levels, lead)
        out.append(_set_source(c, _boundary_source(nb.source, n, lo, ln), "new"))
    mfields = _fields("boundary", "mechanism", o.get("mechanism") or {}, n.get("mechanism") or {}, {},
                      default="协调机制变更")
    if mfields:
        c = _make("mechanism", key, nb.name, mfields, levels, lead)
        out.append(_set_source(c, type(nb.source)(nb.source.file, ("mechanism",)), "new"))
    return out


def _boundary_fields(o: dict, n: dict, lo: list, ln: list) -> list[FieldChange]:
    """The boundary's field changes in review order: lead, each department's role and duties, basis, others."""
    fields = []
    if lo != ln:
        fields.append(FieldChange("lead", "牵头部门", "牵头部门变更", lo or None, ln or None))
    fields += _boundary_member_changes(o, n, lo, ln)
    if _norm(o.get("basis")) != _norm(n.get("basis")):
        fields += _basis_changes(o.get("basis"), n.get("basis"), "basis", _label("boundary", "basis"))
    fields += _fields("boundary", "", o, n, {"name": "名称变更", "related_powers": "关联事项变更",
                                             "remark": "备注变更"},
                      skip=("id", "departments", "basis", "mechanism"))
    return fields


def _boundary_member_changes(o: dict, n: dict, lo: list, ln: list) -> list[FieldChange]:
    """Per department: its role (unless the lead change already says it) and its duties."""
    orr = {r.get("department"): r for r in o.get("departments") or ()}
    nr = {r.get("department"): r for r in n.get("departments") or ()}
    role_label, duty_label = _label("boundary", "departments.[].role"), _label("boundary", "departments.[].duties")
    fields = []
    for dept in list(orr) + [d for d in nr if d not in orr]:
        a, b = orr.get(dept), nr.get(dept)
        ra, rb = (a or {}).get("role"), (b or {}).get("role")
        if ra != rb and not (lo != ln and dept in set(lo) | set(ln)):
            fields.append(FieldChange("role", role_label, "边界角色变更", ra, rb, dept))
        da, db = _norm((a or {}).get("duties")), _norm((b or {}).get("duties"))
        if da != db:
            ctype = "边界职责变更" if a is not None and b is not None else "边界角色变更"
            fields.append(FieldChange("duties", duty_label, ctype, da, db, dept))
    return fields


def _boundary_source(src, n: dict, lo: list, ln: list):
    """Where the change points: the item, or the new lead's entry when the lead changed."""
    if lo != ln and ln:
        idx = next(i for i, r in enumerate(n.get("departments") or ()) if r.get("role") == "牵头")
        src = type(src)(src.file, ("departments", idx, "role"))
    return src


def _diff_catalog(old, new, levels, broken) -> list[Change]:
    def items(repo):
        out = {}
        for c in _usable(repo.catalog_items, broken):
            out.setdefault(c.key, (c, _raw(repo, c.source)))
        return out
    om, nm = items(old), items(new)
    out = []
    for key in list(om) + [k for k in nm if k not in om]:
        if key not in nm or key not in om:
            side = "old" if key not in nm else "new"
            ci, raw = (om if side == "old" else nm)[key]
            ctype = "取消" if side == "old" else "新增"
            c = _make("catalog_item", key, ci.name, [], levels, (ci.leads or (None,))[0], types=[ctype],
                      **({"before": _norm(raw)} if side == "old" else {"after": _norm(raw)}))
            out.append(_set_source(c, ci.source, side))
            continue
        (oc, o), (nc, n) = om[key], nm[key]
        fields = _fields("catalog", "items.[]", o, n, {"name": "名称变更"}, skip=("code", "claims"))
        lo, ln = sorted(oc.leads), sorted(nc.leads)
        if lo != ln:
            fields.append(FieldChange("lead", "牵头部门", "牵头部门变更", lo or None, ln or None))
        others = lambda c: sorted((x.department, x.role) for x in c.claims if x.role != "牵头")  # noqa: E731
        if others(oc) != others(nc):
            fields.append(FieldChange("claims", _label("catalog", "items.[].claims"), "认领变更",
                                      [{"department": d, "role": r} for d, r in others(oc)] or None,
                                      [{"department": d, "role": r} for d, r in others(nc)] or None))
        if fields:
            c = _make("catalog_item", key, nc.name, fields, levels, (nc.leads or oc.leads or (None,))[0])
            out.append(_set_source(c, nc.source, "new"))
    return out


# ---- supervision records: one table, one comparison ----------------------------------------------
def _short(text, n: int = 30) -> str:
    text = " ".join(str(text or "").split())
    return text[:n] + ("…" if len(text) > n else "")


def _status_type(name: str, **special):
    """The change type of a status field: ``special[new status]`` or ``name``."""
    return lambda before, after: special.get(after, name)


@dataclass(frozen=True)
class RecordSpec:
    """How one kind of supervision record is read and compared. ``rows(views)`` gives
    ``(key, name, department, source)`` of every record; the raw fields are compared one by one
    (``expand``: dict fields compared sub-field by sub-field, typed as ``"field.sub"`` or ``"field"``),
    a field without a type is 其他字段变更. ``status`` is the record's lifecycle field: its change is
    typed by ``status_type(before, after)``, and so are the ``follows_status`` fields changed with it
    (a body's 撤销 details, a dispute's decision). ``brief(diff, raw)`` sums up an added or removed record."""
    obj: str
    dir: str                          # directory under lists/
    rows: object                      # repository -> iterable of (key, name, department, Source)
    types: dict = field(default_factory=dict)
    skip: tuple = ()                  # identity and sub-record lists: not compared as fields
    expand: tuple = ()
    status: str | None = None
    status_type: object = None
    follows_status: tuple = ()
    brief: object = None              # (Diff, raw record) -> str
    needle: object = None             # key -> the text a file holding the record contains

    @property
    def kind(self) -> str:
        return LIST_DIRS[self.dir]

    def needle_of(self, key: str) -> str:
        return self.needle(key) if self.needle else key


def _indicator_nodes(system):
    def walk(nodes):
        for n in nodes:
            yield n
            yield from walk(n.children)
    return walk(system.indicators)


RECORD_SPECS = (
    RecordSpec(
        "body", "bodies",
        lambda repo: ((b.id, b.name, b.host, b.source) for b in _views(repo).bodies),
        {"name": "名称变更", "host": "牵头部门变更", "office": "成员单位变更", "members": "成员单位变更",
         "leader": "成员单位变更", "duties": "机构职责变更", "kind": "存续期限变更", "term_end": "存续期限变更",
         "review_due": "存续期限变更", "established": "机构文件变更", "work_rules": "机构文件变更",
         "office_rules": "机构文件变更", "records": "运行记录变更", "remark": "备注变更"},
        skip=("id",), expand=("established", "work_rules", "office_rules", "abolished"),
        status="status", status_type=_status_type("机构状态变更", 撤销="撤销", 合并="合并"),
        follows_status=("abolished",),
        brief=lambda d, r: f"{r.get('kind', '')} · 牵头：{d.name_of(r.get('host'))} · {r.get('status', '')}"),
    RecordSpec(
        "division", "divisions",
        lambda repo: ((d.id, d.name, None, d.source) for d in _views(repo).divisions),
        {"name": "名称变更", "document": "划分文件变更", "effective": "划分文件变更", "departments": "覆盖部门变更",
         "remark": "备注变更"},
        skip=("id", "items"), brief=lambda d, r: f"{r.get('document', '')} · 施行：{r.get('effective', '')}"),
    RecordSpec(
        "division_item", "divisions",
        lambda repo: ((f"{i.division}|{i.item}", i.name, None, i.source)
                      for d in _views(repo).divisions for i in d.items),
        {"name": "名称变更", "type": "划分类型变更", "city_duties": "市县职责变更", "county_duties": "市县职责变更",
         "power_source": "权力来源变更", "delegation": "委托授权变更", "delegation.delegatee": "受托部门变更",
         "remark": "备注变更"},
        skip=("item",), expand=("delegation",), needle=lambda key: key.split("|", 1)[-1],
        brief=lambda d, r: f"{r.get('type') or '未写划分类型'} · 事项 {r.get('item', '')}"),
    RecordSpec(
        "dispute", "disputes",
        lambda repo: ((d.id, d.matter, (d.decision or {}).get("lead"), d.source) for d in _views(repo).disputes),
        {"matter": "名称变更", "parties": "争议方变更", "decision": "调处决定变更", "adjustment": "落实调整变更",
         "problems": "对应事项变更", "remark": "备注变更"},
        skip=("id",), expand=("decision", "adjustment"),
        status="status", status_type=_status_type("调处状态变更", 已裁定="争议裁定"), follows_status=("decision",),
        brief=lambda d, r: f"{r.get('status', '')} · 争议各方："
                        + "、".join(d.name_of(p.get('department')) for p in r.get("parties") or ())),
    RecordSpec(
        "supervision", "supervision",
        lambda repo: ((s.id, s.title, s.department, s.source) for s in _views(repo).supervisions),
        {"title": "名称变更", "department": "督导对象变更", "targets": "督导对象变更", "closed": "督导状态变更",
         "problems": "对应事项变更", "remark": "备注变更"},
        skip=("id", "findings"), status="status", status_type=_status_type("督导状态变更"),
        follows_status=("closed",),
        brief=lambda d, r: f"{r.get('kind', '')}督导 · 被督导：{d.name_of(r.get('department'))} · {r.get('status', '')}"),
    RecordSpec(
        "finding", "supervision",
        lambda repo: ((f.key, _short(f.text), f.department, f.source)
                      for s in _views(repo).supervisions for f in s.findings),
        {"finding": "问题内容变更", "severity": "问题内容变更", "department": "整改责任部门变更", "due": "整改期限变更",
         "response": "整改反馈变更", "closed_on": "整改状态变更", "remark": "备注变更"},
        skip=("no",), expand=("response",), status="status", status_type=_status_type("整改状态变更"),
        follows_status=("closed_on",),
        needle=lambda key: key.split("#", 1)[0],
        brief=lambda d, r: f"{r.get('severity') or ''} · 整改期限：{r.get('due') or '—'} · {r.get('status', '')}"),
    RecordSpec(
        "problem_batch", "problems",
        lambda repo: ((d["batch"], f"问题批次 {d['batch']}", None, Source(f, ()))
                      for f, d in repo.records.get("problem", ())),
        {}, skip=("batch", "problems"), brief=lambda d, r: f"来源：{r.get('source') or '—'}"),
    RecordSpec(
        "problem", "problems",
        lambda repo: ((p.id, _short(p.content), (p.departments or (None,))[0], p.source)
                      for p in _views(repo).problems),
        {"content": "问题内容变更", "status": "办理状态变更", "result": "办理状态变更", "departments": "派单部门变更",
         "tags": "问题标签变更", "matter": "对应事项变更", "boundary": "对应事项变更", "dispute": "对应事项变更",
         "remark": "备注变更"},
        skip=("id",),
        brief=lambda d, r: f"{r.get('date') or ''} · 派单：" + "、".join(d.name_of(x) for x in r.get("departments") or ())
                        + f" · {r.get('status') or '—'}"),
    RecordSpec(
        "ledger", "performance",
        lambda repo: ((l.id, f"履职情况台账（{l.period}）", l.department, l.source) for l in _views(repo).ledgers),
        {"remark": "备注变更"}, skip=("id", "entries"),
        brief=lambda d, r: f"{d.name_of(r.get('department'))} · {r.get('period', '')}"),
    RecordSpec(
        "perf_entry", "performance",
        lambda repo: ((e.key, e.name or e.target, e.department, e.source)
                      for l in _views(repo).ledgers for e in l.entries),
        {"handled": "办理量变更", "on_time": "办理量变更", "measure": "办理量变更", "idle_reason": "佐证变更",
         "evidence": "佐证变更", "unit": "承办机构变更", "name": "名称变更", "remark": "备注变更"},
        skip=("power", "duty"), needle=lambda key: key.split("|", 1)[0],
        brief=lambda d, r: f"办理 {r.get('handled', 0)}{r.get('measure') or ''} · 按时办结 {r.get('on_time', 0)}"),
    RecordSpec(
        "indicator_system", "indicators",
        lambda repo: ((s.id, s.name, None, s.source) for s in _views(repo).systems),
        {"name": "名称变更", "core_points": "计分规则变更", "individual_points": "计分规则变更",
         "formula": "计分规则变更", "categories": "部门类别变更", "organization_types": "适用范围变更"},
        skip=("id", "indicators"), brief=lambda d, r: f"共性 {r.get('core_points', '')} 分 · 个性 "
                                                    f"{r.get('individual_points', 0)} 分"),
    RecordSpec(
        "indicator", "indicators",
        lambda repo: ((n.key, f"{n.code} {n.name}", None, n.source)
                      for s in _views(repo).systems for n in _indicator_nodes(s)),
        {"name": "名称变更", "weight": "指标权重变更", "points": "评估标准变更", "method": "评估标准变更",
         "scoring": "评估标准变更", "computed": "评估标准变更", "applies_to": "适用范围变更", "type": "适用范围变更",
         "note": "备注变更"},
        skip=("code", "children"), needle=lambda key: key.split("|", 1)[0],
        brief=lambda d, r: f"权重 {r.get('weight', '')}%" + (f" · {r['scoring']}" if r.get("scoring") else "")),
    RecordSpec(
        "evaluation", "evaluations",
        lambda repo: ((e.id, f"履职评估（{e.period}）", e.department, e.source) for e in _views(repo).evaluations),
        {"stage": "评估阶段变更", "date": "评估阶段变更", "feedback": "评估反馈变更", "rectification": "评估反馈变更",
         "remark": "备注变更"},
        skip=("id", "scores"), brief=lambda d, r: f"{r.get('system', '')} · {r.get('stage', '')}"),
    RecordSpec(
        "score", "evaluations",
        lambda repo: ((f"{s.evaluation}|{s.indicator}", f"指标 {s.indicator}", e.department, s.source)
                   for e in _views(repo).evaluations for s in e.scores),
        {"score": "得分变更", "reason": "评分说明变更", "evidence": "评分说明变更", "remark": "备注变更"},
        skip=("indicator",), needle=lambda key: key.split("|", 1)[0],
        brief=lambda d, r: f"得分 {r.get('score', '')}" + (f" · {r['reason']}" if r.get("reason") else "")),
    # 工作流程: a process (流程新增/取消, 所属职责、承接事项、时限计算方式) and each of its steps (步骤、时限、要件、衔接)
    RecordSpec(
        "process", "processes",
        lambda repo: ((p.id, p.name, p.department, p.source) for p in repo.processes),
        {"name": "名称变更", "duty": "所属职责变更", "items": "承接事项变更", "day_type": "时限变更", "remark": "备注变更"},
        skip=("id", "steps"),
        brief=lambda d, r: f"所属职责：{(r.get('duty') or {}).get('unit', '')}第 {(r.get('duty') or {}).get('no', '')} 项"
                           f" · {r.get('day_type', '')}"),
    RecordSpec(
        "process_step", "processes",
        lambda repo: ((f"{p.id}#{s.no}", f"{p.name} 第 {s.no} 步", p.department, s.source)
                      for p in repo.processes for s in p.steps),
        {"name": "步骤变更", "no": "步骤变更", "unit": "责任岗位变更", "post": "责任岗位变更", "days": "时限变更",
         "materials": "要件变更", "standard": "要件变更", "department": "衔接变更", "handoff": "衔接变更"},
        needle=lambda key: key.split("#", 1)[0],
        brief=lambda d, r: f"{r.get('name', '')} · {r.get('unit', '')} · {r.get('days', '')} 天"),
    RecordSpec(
        "approval_pair", "approval-supervision",
        lambda repo: ((a.id, a.name or a.item, a.approving, a.source) for a in repo.approval_pairs),
        {"name": "名称变更", "item": "承接事项变更", "approving": "监管部门变更", "supervising": "监管部门变更",
         "inspection": "监管部门变更", "push": "推送变更", "monitoring": "审批监控变更", "feedback": "审批监控变更",
         "remark": "备注变更"},
        skip=("id",), expand=("push",),
        brief=lambda d, r: f"审批：{d.name_of(r.get('approving'))} · 监管：{d.name_of(r.get('supervising'))}"),
)
RECORD_SPEC = {s.obj: s for s in RECORD_SPECS}


def _views(repo):
    from ..lists.records import views
    return views(repo)


def record_rows(repo, obj: str, broken=()) -> dict:
    """``{key: (name, department, source, raw)}`` of one kind of supervision record in ``repo``
    (the first of a repeated key; records in ``broken`` files left out)."""
    out = {}
    for key, name, dept, src in RECORD_SPEC[obj].rows(repo):
        if src.file in broken or key in out:
            continue
        out[key] = (name, dept, src, _raw(repo, src))
    return out


def _record_fields(spec: RecordSpec, o: dict, n: dict, prefix: str) -> list[FieldChange]:
    kind = spec.kind
    fields = []
    status_changed = spec.status is not None and _norm(o.get(spec.status)) != _norm(n.get(spec.status))
    for f in _fields(kind, prefix, o, n, spec.types, skip=(*spec.skip, *spec.expand)):
        if f.field == spec.status:
            f = FieldChange(f.field, f.label, spec.status_type(f.before, f.after), f.before, f.after)
        elif status_changed and f.field in spec.follows_status:
            ctype = spec.status_type(o.get(spec.status), n.get(spec.status))
            f = FieldChange(f.field, f.label, ctype, f.before, f.after)
        fields.append(f)
    for key in spec.expand:
        a, b = o.get(key), n.get(key)
        if _norm(a) == _norm(b):
            continue
        if not isinstance(a or {}, dict) or not isinstance(b or {}, dict):
            fields += _fields(kind, prefix, {key: a}, {key: b}, spec.types)
            continue
        parent = _label(kind, f"{prefix}.{key}" if prefix else key)
        for f in _fields(kind, f"{prefix}.{key}" if prefix else key, a or {}, b or {}, {}):
            name = f"{key}.{f.field}"
            if status_changed and key in spec.follows_status:
                ctype = spec.status_type(o.get(spec.status), n.get(spec.status))
            else:
                ctype = spec.types.get(name) or spec.types.get(key) or ("备注变更" if f.field in ("remark", "note")
                                                                     else "其他字段变更")
            fields.append(FieldChange(name, f"{parent}·{f.label}", ctype, f.before, f.after))
    first = {spec.status: 0} if spec.status else {}
    fields.sort(key=lambda f: first.get(f.field, 1))
    return fields


def _record_summary(spec: RecordSpec, raw) -> dict:
    """The record for 新增/取消, without its sub-records (each reported on its own)."""
    return {k: v for k, v in (_norm(raw) or {}).items() if not (k in spec.skip and isinstance(v, list))}


# records filed under an item's code (``<record>|<code>``): a re-coded item keeps its entry
RECODED_RECORDS = {"division_item": "item", "perf_entry": "power"}


def _record_pairs(spec: RecordSpec, om: dict, nm: dict, renames: dict) -> dict:
    """``{old key: new key}`` of the entries of ``<record>|<code>`` records whose item was re-coded
    (see ``_pairs``; an entry pairs only with one of the same record)."""
    if spec.obj not in RECODED_RECORDS:
        return {}
    removed = [k for k in om if k not in nm and "|" in k]
    added = [k for k in nm if k not in om and "|" in k]
    if not removed or not added:
        return {}
    keyed = {f"{k.split('|', 1)[0]}|{o}": f"{k.split('|', 1)[0]}|{n}" for k in removed for o, n in renames.items()
             if k.split("|", 1)[1] == o}
    name_of = lambda k, side: (k.split("|", 1)[0], (om if side == "old" else nm)[k][0])  # noqa: E731
    return _pairs(removed, added, name_of, keyed)


def _diff_records(spec: RecordSpec, old, new, levels, broken, renames=None) -> list[Change]:
    om, nm = record_rows(old, spec.obj, broken), record_rows(new, spec.obj, broken)
    pairs = _record_pairs(spec, om, nm, renames or {})
    paired_new = set(pairs.values())
    out = []
    for key in list(om) + [k for k in nm if k not in om]:
        if key in pairs or key in paired_new:
            if key in pairs:
                out += _recoded_record(spec, key, pairs[key], om, nm, levels)
            continue
        if key not in nm or key not in om:
            side = "old" if key not in nm else "new"
            name, dept, src, raw = (om if side == "old" else nm)[key]
            summary = _record_summary(spec, raw)
            c = _make(spec.obj, key, name, [], levels, dept, types=["取消" if side == "old" else "新增"],
                      **({"before": summary} if side == "old" else {"after": summary}))
            out.append(_set_source(c, src, side))
            continue
        (_, _, _, o), (name, dept, src, n) = om[key], nm[key]
        if o == n:
            continue
        prefix = ".".join("[]" if isinstance(p, int) else str(p) for p in src.path)
        fields = _record_fields(spec, o or {}, n or {}, prefix)
        if fields:
            c = _make(spec.obj, key, name, fields, levels, dept or om[key][1])
            out.append(_set_source(c, src, "new"))
    return out


def _recoded_record(spec: RecordSpec, old_key: str, new_key: str, om: dict, nm: dict, levels) -> list[Change]:
    """One entry whose item was re-coded: a 编码变更 (with whatever else changed), not 取消 + 新增."""
    (_, odept, _, o), (name, dept, src, n) = om[old_key], nm[new_key]
    o, n = o or {}, n or {}
    code_field = RECODED_RECORDS[spec.obj]
    prefix = ".".join("[]" if isinstance(p, int) else str(p) for p in src.path)
    before, after = old_key.split("|", 1)[1], new_key.split("|", 1)[1]
    fields = [FieldChange(code_field, _label(spec.kind, f"{prefix}.{code_field}"), "编码变更", before, after)]
    fields += _record_fields(spec, {k: v for k, v in o.items() if k != code_field},
                             {k: v for k, v in n.items() if k != code_field}, prefix)
    c = _make(spec.obj, new_key, name, fields, levels, dept or odept, previous_key=old_key)
    return [_set_source(c, src, "new")]


# ---- the fast path: only what differs is read and parsed ------------------------------------------
WORKTREE, INDEX = "worktree", "index"


class Side:
    """One side of a comparison: a commit, the index, the work tree, or nothing (before the first commit)."""

    def __init__(self, root, spec):
        self.root = Path(root).resolve()
        self.spec = spec
        self._contents = {}
        self.max_bytes = None   # this side's limits.max_file_bytes once its configuration is read
        if spec == WORKTREE:
            self.revision, self.label = None, "工作区"
        elif spec == INDEX:
            self.revision, self.label = None, "暂存区"
        elif spec is None:
            self.revision, self.label = None, "（空）"
        else:
            self.revision, self.label = spec, spec[:7]

    @classmethod
    def of(cls, root, at, label: str | None = None) -> "Side":
        """``at``: None → work tree, "index" → the index, else a revision or YYYY-MM-DD date."""
        if at is None or at == WORKTREE:
            return cls(root, WORKTREE)
        if at == INDEX:
            return cls(root, INDEX)
        sha = history.resolve(root, at)
        side = cls(root, sha)
        side.label = label or (f"{sha[:7]}" if at == sha or at.startswith(sha[:7]) else f"{at}（{sha[:7]}）")
        return side

    def config_bytes(self) -> bytes | None:
        if self.spec == WORKTREE:
            from ..lists.sources import read_if_present   # inside the repository only, never a FIFO, bounded
            return read_if_present(self.root, CONFIG_FILE)
        if self.spec is None:
            return None
        if self.spec == INDEX:
            files = history.index_files(self.root, (CONFIG_FILE,))
            return history.read_blobs(self.root, [files[CONFIG_FILE][1]]).popitem()[1] if CONFIG_FILE in files else None
        return history.read_file(self.root, self.spec, CONFIG_FILE)

    def listing(self, dirs) -> dict:
        if self.spec == WORKTREE:
            ids, contents = history.worktree_files(self.root, dirs)
            self._contents.update(contents)
            return ids
        if self.spec is None:
            return {}
        if self.spec == INDEX:
            return {r: s for r, (m, s) in history.index_files(self.root, dirs).items()}
        return {r: s for r, (m, s) in history.tree_files(self.root, self.spec, dirs).items()}

    def read(self, wanted: dict) -> dict:
        """``{rel: bytes}`` for ``{rel: blob sha}``."""
        if not wanted:
            return {}
        if self.spec == WORKTREE:
            out = {}
            from ..lists.sources import read_if_present   # inside the repository only, never a FIFO, bounded
            for rel in wanted:
                if rel not in self._contents:
                    data = read_if_present(self.root, rel, self.max_bytes or history.default_max_bytes())
                    if data is None:
                        continue
                    self._contents[rel] = data
                out[rel] = self._contents[rel]
            return out
        # a blob over the side's budget is not read (gitdoor.OversizedBlob): refused when opened
        blobs = history.read_blobs(self.root, set(wanted.values()), self.max_bytes)
        return {rel: blobs[sha] for rel, sha in wanted.items()}


_CONFIG_CACHE: dict = {}


def _config_of(root: Path, raw: bytes | None):
    from ..lists.repository import _load_config
    key = raw or b""
    if key not in _CONFIG_CACHE:
        files = {CONFIG_FILE: "config"} if raw is not None else {}
        src = history.SnapshotSource(files, revision=None, label="", contents={CONFIG_FILE: raw} if raw else {})
        _CONFIG_CACHE[key] = _load_config(root, src)[0]
        if len(_CONFIG_CACHE) > 64:
            _CONFIG_CACHE.pop(next(iter(_CONFIG_CACHE)))
    return _CONFIG_CACHE[key]


def _kind_of(rel: str, lists_dir: str) -> str | None:
    base = lists_dir.rstrip("/") + "/"
    if not rel.startswith(base) or not rel.endswith(history.YAML_SUFFIXES):
        return None
    parts = rel[len(base):].split("/")
    if len(parts) < 2 or any(p.startswith(".") for p in parts):
        return None
    return ITEM_DIRS.get(parts[0])


# -- pruning identical entries inside a changed file --
_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)")


def _split(text: str, key: str):
    """``(head, entries, tail)`` as text: what precedes the entries of the top-level block sequence
    ``key``, each entry (with the blank and comment lines after it), what follows. None when the
    layout is not the plain block layout (the file is then read whole)."""
    header = re.compile(rf"^{key}:[ \t]*(?:#[^\n]*)?\r?$", re.M).search(text)
    if header is None:
        return None
    pos = header.end() + 1
    first = _CONTENT.search(text, pos)
    if first is None:
        return None
    indent = len(first.group(1))
    if not text.startswith("- ", first.start() + indent) and text[first.start() + indent:].split("\n", 1)[0].rstrip() != "-":
        return None
    sp = " " * indent
    end_re = re.compile(rf"^(?!{sp}-(?:[ \t]|\r?$))(?! *(?:#|\r?$)) {{0,{indent}}}\S", re.M)
    end = end_re.search(text, first.start())
    stop = end.start() if end else len(text)
    region = text[first.start():stop]
    if "\t" in region and re.search(r"^ *\t", region, re.M):
        return None
    tail = text[stop:]
    if tail and not _TOP_KEY.match(tail):
        return None
    starts = [m.start() + first.start() for m in re.finditer(rf"^{sp}-(?:[ \t]|\r?$)", region, re.M)]
    entries = [text[a:b] for a, b in zip(starts, starts[1:] + [stop])]
    return text[:first.start()], header, entries, tail


_CONTENT = re.compile(r"^( *)(?![ ]*(?:#|\r?$))", re.M)


@lru_cache(maxsize=None)
def _ident_re(field_: str):
    """The value of ``field_`` (``a|b``: either) in an entry's text, at a line start or in a flow mapping."""
    return re.compile(rf"(?:^[ \t]*(?:-[ \t]+)?|[{{,][ \t]*)(?:{field_})[ \t]*:[ \t]*[\"']?([^\"'\s,}}#]+)", re.M)


_IDENT_OF_KEY = {"items": "code", "units": "unit"}


def _ident(pattern, entry: str) -> str | None:
    m = pattern.search(entry)
    return m.group(1) if m else None


def _prune_pair(old: bytes, new: bytes, key: str, ident: str | None = None, keep_one: bool = False):
    """Blank the entries that are identical (and whose identity ``ident`` is unique) on both sides.
    Returns ``(old', new', kept_old, kept_new)`` or None when nothing can be pruned. ``keep_one``:
    when a side would keep no entry, one identical entry is kept on both sides."""
    try:
        ot, nt = old.decode("utf-8"), new.decode("utf-8")
    except UnicodeDecodeError:
        return None
    so, sn = _split(ot, key), _split(nt, key)
    if so is None or sn is None:
        return None
    co, cn = Counter(so[2]), Counter(sn[2])
    # identities (code, unit name) that repeat inside the file: their entries are all kept, since
    # which of them counts ("the first") depends on the others
    ident = _ident_re(ident or _IDENT_OF_KEY[key])
    ids_o, ids_n = [_ident(ident, e) for e in so[2]], [_ident(ident, e) for e in sn[2]]
    if None in ids_o or None in ids_n:
        return None
    io, in_ = Counter(ids_o), Counter(ids_n)
    repeated = {i for i in io.keys() | in_.keys() if io.get(i, 0) > 1 or in_.get(i, 0) > 1}
    same = {t for t in co if co[t] == 1 and cn.get(t) == 1}
    same -= {e for e, i in zip(so[2], ids_o) if i in repeated}
    if keep_one and same and (all(e in same for e in so[2]) or all(e in same for e in sn[2])):
        same.discard(next(e for e in so[2] if e in same))
    if not same:
        return None

    def render(parts):
        head, header, entries, tail = parts
        kept = [i for i, e in enumerate(entries) if e not in same]
        if not kept:
            head = head[:header.start()] + f"{key}: []" + head[header.end():]
        keep = set(kept)
        body = "".join(e if i in keep else "\n" * e.count("\n") for i, e in enumerate(entries))
        return (head + body + tail).encode("utf-8"), kept
    (ob, ko), (nb, kn) = render(so), render(sn)
    return ob, nb, ko, kn


def _open_side(root, side: Side, config_raw, files: dict, contents: dict, maps: dict):
    from .. import open_repository   # the library's front door: the cached loader
    ids = dict(files)
    data = dict(contents)
    if config_raw is not None:
        ids[CONFIG_FILE], data[CONFIG_FILE] = history.blob_sha(config_raw), config_raw
    for rel in maps:  # a pruned text is not the blob: give it its own identity
        ids[rel] = history.blob_sha(data[rel])
    src = history.SnapshotSource(ids, revision=side.revision, label=side.label, contents=data)
    src.partial = True  # the cache reads hits but keeps these documents out (cache._load_all)
    repo = open_repository(root, source=src)
    repo._pk_index_maps = maps
    return repo


def compare(root, old: Side, new: Side, pairs: dict | None = None, *, needles=None, prune: bool = True,
            levels: ChangeLevels | None = None, renames: dict | None = None) -> Diff:
    """Diff of two sides. ``pairs`` = ``{rel: (old blob, new blob)}`` of the files that differ (computed
    when None). ``needles`` (strings): compare only changed list files that mention one of them.
    ``renames``: ``{old code: new code}`` the adjustment records state (原编码)."""
    root = Path(root).resolve()
    raw_o, raw_n = old.config_bytes(), new.config_bytes()
    cfg_o, cfg_n = _config_of(root, raw_o), _config_of(root, raw_n)
    old.max_bytes, new.max_bytes = cfg_o.limits.max_file_bytes, cfg_n.limits.max_file_bytes
    if pairs is None:
        pairs = _changed_pairs(old, new, cfg_o, cfg_n)
    if getattr(old, "in_force_day", None) != getattr(new, "in_force_day", None):
        # entries with their own 生效/失效 dates change between the days even where the files do not
        pairs = {**_dated_pairs(old, new, cfg_o, cfg_n), **pairs}
        prune = False
    item_rels, other = _sort_changed(pairs, cfg_o, cfg_n)
    if (raw_o or b"") != (raw_n or b"") and CONFIG_FILE not in other:
        other.insert(0, CONFIG_FILE)
    item_rels, (files_o, cont_o), (files_n, cont_n) = _read_changed(old, new, item_rels, needles)
    maps_o, maps_n, pruned = _prune_unchanged(item_rels, cont_o, cont_n) if prune else ({}, {}, {})
    repo_o = _open_side(root, old, raw_o, files_o, cont_o, maps_o)
    repo_n = _open_side(root, new, raw_n, files_n, cont_n, maps_n)
    # safety net: a pruned document must hold exactly the entries that were kept; else read it whole
    bad = [rel for rel, (key, _, _, ko, kn) in pruned.items()
           if not _holds(repo_o, rel, key, ko) or not _holds(repo_n, rel, key, kn)]
    if bad:
        _unprune(bad, pruned, cont_o, cont_n, maps_o, maps_n)
        repo_o = _open_side(root, old, raw_o, files_o, cont_o, maps_o)
        repo_n = _open_side(root, new, raw_n, files_n, cont_n, maps_n)
    for side, repo in ((old, repo_o), (new, repo_n)):   # a side in force on a day: its entries' own dates too
        if getattr(side, "in_force_day", None) is not None:
            from ..lists.validtime import filter_entries
            filter_entries(repo, side.in_force_day)
    levels = levels or change_levels_from_config(raw_n)
    result = diff_repositories(repo_o, repo_n, levels=levels, base_label=old.label, head_label=new.label,
                               renames=renames)
    result.base_revision, result.head_revision = old.revision, new.revision
    result.other_files = other
    _fill_names(root, result, old, new, cfg_o, cfg_n)
    return result


def _changed_pairs(old: Side, new: Side, cfg_o, cfg_n) -> dict:
    """``{rel: (old blob, new blob)}`` of the files under either side's lists directory that differ."""
    dirs = sorted({cfg_o.lists_dir, cfg_n.lists_dir})
    lo, ln = old.listing(dirs), new.listing(dirs)
    return {r: (lo.get(r), ln.get(r)) for r in sorted(set(lo) | set(ln)) if lo.get(r) != ln.get(r)}


_DATED = re.compile(rb"^[ \t-]*(?:effective|expires)[ \t]*:", re.M)


def _dated_pairs(old: Side, new: Side, cfg_o, cfg_n) -> dict:
    """``{rel: (old blob, new blob)}`` of the files of the lists read in valid time (``VALID_TIME_DIRS``)
    that hold an entry with its own 生效/失效 date on either side, changed or not."""
    from ..lists.validtime import VALID_TIME_DIRS
    out = {}
    for side, cfg in ((old, cfg_o), (new, cfg_n)):
        dirs = [f"{cfg.lists_dir}/{d}" for d in VALID_TIME_DIRS]
        listing = side.listing(dirs)
        contents = side.read(listing)
        for rel, blob in listing.items():
            if rel not in out and _DATED.search(contents.get(rel, b"")):
                out[rel] = None
    lo, ln = old.listing(sorted({cfg_o.lists_dir, cfg_n.lists_dir})), new.listing(sorted({cfg_o.lists_dir,
                                                                                          cfg_n.lists_dir}))
    return {rel: (lo.get(rel), ln.get(rel)) for rel in out}


def _sort_changed(pairs: dict, cfg_o, cfg_n) -> tuple[dict, list]:
    """The changed list files with their kind (``{rel: (kind, old blob, new blob)}``), and the other
    changed files (not the configuration, which the caller adds when its bytes differ)."""
    item_rels, other = {}, []
    for rel, (a, b) in sorted(pairs.items()):
        kind = _kind_of(rel, cfg_n.lists_dir) or _kind_of(rel, cfg_o.lists_dir)
        if kind is None:
            if rel != CONFIG_FILE:
                other.append(rel)
            continue
        item_rels[rel] = (kind, a, b)
    return item_rels, other


def _read_changed(old: Side, new: Side, item_rels: dict, needles):
    """Read both sides' changed list files (only those mentioning a needle, when given). Returns the
    files kept and, per side, ``({rel: blob}, {rel: bytes})``."""
    bytes_o = old.read({r: a for r, (k, a, b) in item_rels.items() if a})
    bytes_n = new.read({r: b for r, (k, a, b) in item_rels.items() if b})
    if needles:
        item_rels = _mentioning(item_rels, bytes_o, bytes_n, needles)
    files_o = {r: a for r, (k, a, b) in item_rels.items() if a and r in bytes_o}
    files_n = {r: b for r, (k, a, b) in item_rels.items() if b and r in bytes_n}
    cont_o = {r: bytes_o[r] for r in files_o}
    cont_n = {r: bytes_n[r] for r in files_n}
    return item_rels, (files_o, cont_o), (files_n, cont_n)

def _mentioning(item_rels: dict, bytes_o: dict, bytes_n: dict, needles) -> dict:
    """Only the changed list files whose old or new bytes mention one of the needles."""
    needles_b = [n.encode("utf-8") for n in needles if n]
    return {r: v for r, v in item_rels.items()
            if any(n in bytes_o.get(r, b"") or n in bytes_n.get(r, b"") for n in needles_b)}


def _prune_unchanged(item_rels: dict, cont_o: dict, cont_n: dict) -> tuple[dict, dict, dict]:
    """Blank the identical entries of files both sides have (in ``cont_o``/``cont_n``, in place), so that
    only what changed is parsed. Returns the kept-entry maps of each side and, per pruned file, what
    the safety net needs to undo it: ``(key, old bytes, new bytes, kept old, kept new)``."""
    maps_o, maps_n, pruned = {}, {}, {}
    for rel, (kind, a, b) in item_rels.items():
        key, ident = PRUNE.get(kind, (None, None))
        if key and rel in cont_o and rel in cont_n:
            res = _prune_pair(cont_o[rel], cont_n[rel], key, ident, kind in PRUNE_KEEP_ONE)
            if res is not None:
                ob, nb, ko, kn = res
                pruned[rel] = (key, cont_o[rel], cont_n[rel], len(ko), len(kn))
                cont_o[rel], cont_n[rel], maps_o[rel], maps_n[rel] = ob, nb, ko, kn
    return maps_o, maps_n, pruned


def _unprune(bad: list, pruned: dict, cont_o: dict, cont_n: dict, maps_o: dict, maps_n: dict) -> None:
    """Put the whole texts back for the pruned files that did not parse to the kept entries."""
    for rel in bad:
        key, full_o, full_n, _, _ = pruned[rel]
        cont_o[rel], cont_n[rel] = full_o, full_n
        maps_o.pop(rel), maps_n.pop(rel)


def _holds(repo, rel, key, count) -> bool:
    doc = repo.documents.get(rel)
    if doc is None or not isinstance(doc.data, dict):
        return False
    seq = doc.data.get(key)
    return isinstance(seq, list) and len(seq) == count


_NAME_LINE = re.compile(r"^(short_name|name):[ \t]*([^\s\"'#|>&*!%@`{\[][^#\n]*?)[ \t]*\r?$", re.M)


def _quick_name(raw: bytes) -> str | None:
    """A department's display name from the plain top-level lines of its file, without parsing it
    (only for labels; anything unusual falls back to the loader)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = dict(m.groups() for m in _NAME_LINE.finditer(text))
    return found.get("short_name") or found.get("name")


def _department_refs(value, valued: bool, out: set) -> None:
    """Department ids in a value: the strings of a department-valued field, ``department`` of dicts."""
    if isinstance(value, list):
        for x in value:
            _department_refs(x, valued, out)
    elif isinstance(value, dict):
        if isinstance(value.get("department"), str):
            out.add(value["department"])
        for k in ("departments", "host", "office", "lead", "delegatee", "cooperating"):
            if k in value:
                _department_refs(value[k], True, out)
        for k in ("delegation", "decision", "members", "parties", "claims"):
            if isinstance(value.get(k), (dict, list)):
                _department_refs(value[k], False, out)
    elif valued and isinstance(value, str):
        out.add(value)


def _fill_names(root, result: Diff, old: Side, new: Side, cfg_o, cfg_n) -> None:
    wanted = _wanted_departments(result)
    missing = sorted(d for d in wanted if d not in result.names and re.match(r"^[a-z][a-z0-9_-]*$", d))
    if not missing:
        return
    for side, cfg in ((new, cfg_n), (old, cfg_o)):
        if not missing or side.spec is None:
            continue
        _read_names(side, cfg, missing, result.names)
        missing = [d for d in missing if d not in result.names]


def _wanted_departments(result: Diff) -> set:
    """Every department id the review will print: owners, previous owners, and ids inside the values."""
    wanted = set()
    for c in result.changes:
        wanted.update(d for d in (c.department, c.department_before) if d)
        for rec in (c.before, c.after):
            _department_refs(rec, False, wanted)
        for f in c.fields:
            for v in (f.before, f.after):
                _department_refs(v, f.field in DEPARTMENT_VALUED, wanted)
            if f.field in ("role", "duties") and f.subject:
                wanted.add(f.subject)
    return wanted


def _read_names(side: Side, cfg, missing: list, names: dict) -> None:
    """Add to ``names`` the display names of the ``missing`` departments whose files this side has."""
    from ..lists.loader import load_bytes
    rels = {f"{cfg.lists_dir}/organizations/{d}.yaml": d for d in missing}
    listing = side.listing([f"{cfg.lists_dir}/organizations"]) if side.spec != WORKTREE else \
        {r: "" for r in rels if (side.root / r).is_file()}
    found = side.read({r: listing[r] for r in rels if r in listing})
    for rel, raw in found.items():
        name = _quick_name(raw)
        if name is None:
            data = load_bytes(raw, rel).data
            if isinstance(data, dict) and (data.get("short_name") or data.get("name")):
                name = str(data.get("short_name") or data.get("name"))
        if name:
            names[rels[rel]] = name


def diff(root=".", base: str | None = None, head: str | None = None, *, prune: bool = True,
         levels: ChangeLevels | None = None, as_of=None, base_as_of=None) -> Diff:
    """``as_of`` / ``base_as_of`` (dates): that side is the lists *in force* on the date (valid time:
    the commit ``lists.validtime.choose_commit`` picks from ``head``/``base`` or HEAD, its entries
    filtered by their own 生效/失效 dates) instead of what a revision said (transaction time)."""
    with history.session(root):
        if as_of is None and base_as_of is None:
            return _diff(root, base, head, prune=prune, levels=levels)
        return _diff_in_force(root, base, head, prune=prune, levels=levels, as_of=as_of, base_as_of=base_as_of)


def in_force_side(root, day, at: str | None = None) -> Side:
    """The side holding the lists in force on ``day``: the last commit (from ``at``, default HEAD)
    whose change and every change before it took effect on or before ``day``."""
    from ..errors import InputError
    from ..lists import validtime
    choice = validtime.choose_commit(root, day, at)
    if choice.sha is None:
        first = choice.first[:7] if choice.first else "无"
        raise InputError(f"{day.isoformat()} 时没有已生效的提交：最早的提交 {first} 在此之后才生效 "
                         f"(no commit in force on {day.isoformat()})")
    side = Side(root, choice.sha)
    side.label = f"{day.isoformat()} 生效的清单（{choice.sha[:7]}）"
    side.in_force_day = day
    return side


def _diff_in_force(root, base, head, *, prune, levels, as_of, base_as_of) -> Diff:
    from ..lists import validtime
    root = Path(root).resolve()
    new = in_force_side(root, validtime.parse_day(as_of), head) if as_of is not None else Side.of(root, head)
    if base_as_of is not None:
        old = in_force_side(root, validtime.parse_day(base_as_of, "--base-as-of"), base)
    elif base is None:
        sha = history.default_base(root)
        old = Side(root, sha)
        old.label = f"{sha[:7]}（主分支合并基准）"
    else:
        old = Side.of(root, base)
    result = compare(root, old, new, prune=prune, levels=levels, renames=recodes_between(root, old, new))
    result.verdict = verdict_changes(root, old, new)
    return result


def _diff(root, base, head, *, prune, levels) -> Diff:
    """Item-level diff from ``base`` (default: merge-base of HEAD with main/master; ``"X..."``: the
    merge-base of X and ``head``) to ``head`` (default: the work tree). Revisions may be dates."""
    root = Path(root).resolve()
    if base is None:
        sha = history.default_base(root)
        old = Side(root, sha)
        old.label = f"{sha[:7]}（主分支合并基准）"
    elif base.endswith("...") and len(base) > 3:  # as in `git diff main...`: the merge base with HEAD
        branch = base[:-3]
        sha = history.merge_base(root, branch, head or "HEAD")
        if sha is None:
            raise UsageError(f"{branch} 与 {head or 'HEAD'} 没有共同祖先 (no merge base)")
        old = Side(root, sha)
        old.label = f"{sha[:7]}（与 {branch} 的合并基准）"
    else:
        old = Side.of(root, base)
    new = Side.of(root, head)
    result = compare(root, old, new, prune=prune, levels=levels, renames=recodes_between(root, old, new))
    result.verdict = verdict_changes(root, old, new)
    return result


def recodes_of(message: str) -> dict:
    """``{old code: new code}`` the adjustment records of a commit message state (原编码 lines)."""
    from ..lists.adjustment_records import parse_records
    return {old: new for r in parse_records(message) for old, new in r.recodes}


def recodes_between(root, old: Side, new: Side) -> dict:
    """The re-codes the commits in ``new`` and not in ``old`` record, chained (A -> B, B -> C: A -> C);
    the work tree and the index stand for HEAD (their records are not written yet); {} without a base."""
    if old.revision is None:
        return {}
    head = new.revision or (history.resolve(root, "HEAD") if history.has_commits(root) else None)
    if head is None:
        return {}
    out: dict = {}        # first code -> latest code
    first_of: dict = {}   # latest code -> first code
    for c in reversed(history.commits(root, head, since=old.revision)):
        for a, b in recodes_of(c.message).items():
            first = first_of.pop(a, a)
            out[first] = b
            first_of[b] = first
    return {a: b for a, b in out.items() if a != b}


def commit_changes(root, commit, *, needles=None, lists_dir: str | None = None) -> Diff:
    with history.session(root):
        return _commit_changes(root, commit, needles=needles, lists_dir=lists_dir)


def _commit_changes(root, commit, *, needles=None, lists_dir: str | None = None) -> Diff:
    """The item-level changes a commit made (a ``Diff`` from its first parent). For a merge: only
    what differs from every parent — what the merge itself introduced, as ``git log --cc`` does for
    lines; a clean merge has no changes of its own."""
    root = Path(root).resolve()
    under = (lists_dir,) if lists_dir else ()
    deltas = history.commit_deltas(root, commit, under)
    new = Side(root, commit.sha)
    results = []
    for parent, ds in zip(commit.parents or (None,), deltas):
        old = Side(root, parent)
        pairs = {d.path: (d.old_sha, d.new_sha) for d in ds}
        if not pairs:
            results.append(Diff(old.label, new.label, parent, commit.sha))
            continue
        results.append(compare(root, old, new, pairs, needles=needles, renames=recodes_of(commit.message)))
    first = results[0]
    if len(results) > 1:
        others = [{c.ident for c in r.changes} for r in results[1:]]
        first.changes = [c for c in first.changes if all(c.ident in o for o in others)]
    return first


# ---- what decides the verdict: configuration, rules, schemas, waivers -----------------------------
# A pull request controls these files as much as the lists: a waiver hides a problem, an override
# lowers a rule, a rule or schema edit changes what is a problem at all. Each change is listed in a
# section of its own so the reviewer sees it (``policykit check --since`` reports them as REVIEW-*).
VERDICT_AREAS = {"config": "配置", "rules": "规则", "schemas": "模式", "waivers": "豁免"}
_VERDICT_LIMIT = 120   # longest before/after text shown for one value


@dataclass
class VerdictChange:
    area: str            # config | rules | schemas | waivers
    file: str            # where it is (the new side's file; the old one's when it was deleted)
    action: str          # 新增 | 删除 | 修改 | 移动
    subject: str         # the key, rule id, schema file or waiver (rule and items)
    before: str | None = None
    after: str | None = None
    line: int = 1
    column: int = 1

    @property
    def text(self) -> str:
        """One line in Chinese: what changed and, where it applies, old → new."""
        head = f"{VERDICT_AREAS[self.area]}{self.action}：{self.subject}"
        if self.action == "修改" and (self.before is not None or self.after is not None):
            return f"{head}：{self.before or '（无）'} → {self.after or '（无）'}"
        value = self.after if self.action != "删除" else self.before
        return f"{head}（{value}）" if value else head

    def as_dict(self) -> dict:
        return {"area": self.area, "file": self.file, "line": self.line, "column": self.column,
                "action": self.action, "subject": self.subject, "before": self.before, "after": self.after,
                "text": self.text}


def _side_bytes(side: Side, rel: str) -> bytes | None:
    """One file of a side; in the work tree never through a symlink (a link could show a file from
    outside the repository in the review)."""
    if side.spec is None:
        return None
    if side.spec == WORKTREE:
        path = side.root / rel
        try:
            if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(side.root):
                return None
        except OSError:
            return None
        from ..lists.sources import read_if_present   # opened as a regular file, never more than the budget read
        return read_if_present(side.root, rel, side.max_bytes or history.default_max_bytes())
    if side.spec == INDEX:
        files = history.index_files(side.root, (rel,))
        return history.read_blobs(side.root, [files[rel][1]]).popitem()[1] if rel in files else None
    return history.read_file(side.root, side.spec, rel)


def _parse(raw: bytes | None, rel: str):
    """``(data, document)`` of a YAML file, or ``(None, None)``; never raises for bad content."""
    if raw is None:
        return None, None
    from ..lists.loader import load_bytes
    doc = load_bytes(raw, rel)
    return (doc.data if not any(p.severity == "error" for p in doc.problems) else None), doc


def _brief(value) -> str:
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= _VERDICT_LIMIT else text[:_VERDICT_LIMIT - 1] + "…"


def _position(doc, path) -> tuple[int, int]:
    return doc.key_position(path) if doc is not None else (1, 1)


def _config_verdict(raw_o, raw_n) -> list:
    """Changed keys of policykit.yaml, mappings one level down (severity_overrides.RULE, limits.X)."""
    if (raw_o or b"") == (raw_n or b""):
        return []
    old, _ = _parse(raw_o, CONFIG_FILE)
    new, doc = _parse(raw_n, CONFIG_FILE)
    if raw_n is not None and not isinstance(new, dict):
        return [VerdictChange("config", CONFIG_FILE, "修改", "（整个文件）", None, "无法解析，见 policykit check")]
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    if raw_n is None:
        return [VerdictChange("config", CONFIG_FILE, "删除", "（整个文件）", None, None)]
    out = []
    for key in list(dict.fromkeys([*new, *old])):
        a, b = old.get(key), new.get(key)
        if a == b and (key in old) == (key in new):
            continue
        if isinstance(a, dict) or isinstance(b, dict):
            out += _config_mapping_changes(key, a, b, doc)
            continue
        action = "新增" if key not in old else "删除" if key not in new else "修改"
        line, col = _position(doc, (key,)) if key in new else (1, 1)
        out.append(VerdictChange("config", CONFIG_FILE, action, key, _brief(a) if key in old else None,
                                 _brief(b) if key in new else None, line, col))
    return out


def _config_mapping_changes(key, a, b, doc) -> list:
    """The changed entries of one mapping key of policykit.yaml, each shown as ``key.sub`` (a mapping that
    appears or disappears counts as empty on the other side)."""
    a = a if isinstance(a, dict) else {}
    b = b if isinstance(b, dict) else {}
    if key == "severity_overrides":   # YAML 1.1 reads an unquoted off as false
        a, b = ({k: "off" if v is False else v for k, v in x.items()} for x in (a, b))
    out = []
    for sub in list(dict.fromkeys([*b, *a])):
        if sub in a and sub in b and a[sub] == b[sub]:
            continue
        action = "新增" if sub not in a else "删除" if sub not in b else "修改"
        line, col = _position(doc, (key, sub) if sub in b else (key,))
        out.append(VerdictChange("config", CONFIG_FILE, action, f"{key}.{sub}",
                                 _brief(a.get(sub)) if sub in a else None,
                                 _brief(b.get(sub)) if sub in b else None, line, col))
    return out


def _rule_files(side: Side, rules_dir: str) -> dict:
    """``{rel: blob}`` of the rule files of a side (``_`` and ``.`` directories are not rules)."""
    rules_dir = rules_dir.strip("/") or "."
    listing = side.listing([rules_dir]) if side.spec is not None else {}
    out = {}
    for rel, blob in listing.items():
        inner = rel[len(rules_dir) + 1:] if rules_dir != "." else rel
        if rel.endswith(".yaml") and not any(p.startswith((".", "_")) for p in inner.split("/")):
            out[rel] = blob
    return out


_RULE_KEYS = {"severity": "级别", "title": "标题", "article": "依据条款", "message": "消息模板", "reads": "读取的事实",
              "when": "匹配条件", "locate": "定位", "examples": "示例", "description": "说明", "tags": "标签"}


def _rules_verdict(old: Side, new: Side, dir_o: str, dir_n: str) -> list:
    """Rules added, removed and changed (by rule id; only files whose blob changed are read), then files moved."""
    files_o, files_n = _rule_files(old, dir_o), _rule_files(new, dir_n)
    blobs_o, blobs_n = set(files_o.values()), set(files_n.values())
    changed_o = {r: b for r, b in files_o.items() if b not in blobs_n}
    changed_n = {r: b for r, b in files_n.items() if b not in blobs_o}
    moved = {b for b in blobs_o & blobs_n
             if sorted(r for r, x in files_o.items() if x == b) != sorted(r for r, x in files_n.items() if x == b)}
    bytes_o, bytes_n = old.read(changed_o), new.read(changed_n)
    rules_o, rules_n = _rules_by_id(bytes_o), _rules_by_id(bytes_n)
    out = []
    for rid in sorted(set(rules_o) | set(rules_n)):
        if rid not in rules_o:
            out.append(_rule_added(rid, *rules_n[rid]))
        elif rid not in rules_n:
            out.append(_rule_removed(rid, *rules_o[rid]))
        else:
            out.append(_rule_changed(rid, rules_o[rid], rules_n[rid]))
    for blob in sorted(moved):
        before = "、".join(sorted(r for r, x in files_o.items() if x == blob))
        after = "、".join(sorted(r for r, x in files_n.items() if x == blob))
        out.append(VerdictChange("rules", after.split("、")[0], "移动", before, None, after))
    return out


def _rules_by_id(contents) -> dict:
    """``{rule id: (file, parsed mapping or None, located document)}``; a file without a readable id is keyed
    by its path, so that a broken rule file is still shown."""
    out = {}
    for rel, raw in sorted(contents.items()):
        data, doc = _parse(raw, rel)
        rid = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None
        out[rid or rel] = (rel, data if isinstance(data, dict) else None, doc)
    return out


def _rule_added(rid, rel, data, doc) -> VerdictChange:
    """A new rule: its severity and title, located at its id."""
    what = f"{data.get('severity', '?')} · {data.get('title', '')}" if data else "无法解析，见 policykit check"
    return VerdictChange("rules", rel, "新增", rid, None, _brief(what), *_position(doc, ("id",)))


def _rule_removed(rid, rel, data, _doc) -> VerdictChange:
    """A removed rule: what its severity and title were."""
    what = f"{data.get('severity', '?')} · {data.get('title', '')}" if data else None
    return VerdictChange("rules", rel, "删除", rid, _brief(what) if what else None, None)


def _rule_changed(rid, entry_o, entry_n) -> VerdictChange:
    """A changed rule: scalar keys old → new, the other keys named as modified, a renamed file noted; located at
    the first changed key."""
    (rel_o, a, _), (rel, b, doc) = entry_o, entry_n
    a, b = a or {}, b or {}
    keys = [k for k in dict.fromkeys([*b, *a]) if a.get(k) != b.get(k)]
    scalar = [k for k in keys if not isinstance(a.get(k), (dict, list)) and not isinstance(b.get(k), (dict, list))
              and k not in ("description", "message")]
    rest = [_RULE_KEYS.get(k, k) for k in keys if k not in scalar]
    before = "；".join(f"{_RULE_KEYS.get(k, k)} {_brief(a.get(k))}" for k in scalar) or None
    after = "；".join([f"{_RULE_KEYS.get(k, k)} {_brief(b.get(k))}" for k in scalar]
                     + ([f"{'、'.join(rest)}已修改"] if rest else [])) or None
    if rel_o != rel:
        after = f"{after}；文件 {rel_o} → {rel}" if after else f"文件 {rel_o} → {rel}"
    line, col = _position(doc, (keys[0],) if keys and keys[0] in b else ("id",))
    return VerdictChange("rules", rel, "修改", rid, before, after, line, col)


def _schemas_verdict(old: Side, new: Side) -> list:
    from ..lists.schemas import KINDS as SCHEMA_KINDS
    used = set(SCHEMA_KINDS.values())
    lo = old.listing(["schemas"]) if old.spec is not None else {}
    ln = new.listing(["schemas"]) if new.spec is not None else {}
    out = []
    for rel in sorted(set(lo) | set(ln)):
        if lo.get(rel) == ln.get(rel):
            continue
        name = rel.rsplit("/", 1)[-1]
        note = "替代内置模式" if name in used else "policykit 不读取此文件"
        action = "新增" if rel not in lo else "删除" if rel not in ln else "修改"
        if action == "删除" and name in used:
            note = "恢复使用内置模式"
        out.append(VerdictChange("schemas", rel, action, name, None, note))
    return out


def _waiver_text(w: dict) -> str:
    """Who approved a waiver and for how long (its rule and items are the subject)."""
    return _brief(f"批准人 {w.get('approved_by') or '（未写）'}；批准 {w.get('approved_on') or '（未写）'}，"
                  f"到期 {w.get('expires') or '（未写）'}；责任人 {w.get('owner') or '（未写）'}")


def _waivers_verdict(old: Side, new: Side, rel_o: str, rel_n: str) -> list:
    raw_o, raw_n = _side_bytes(old, rel_o), _side_bytes(new, rel_n)
    if raw_o == raw_n and rel_o == rel_n:
        return []
    a, _ = _parse(raw_o, rel_o)
    b, doc = _parse(raw_n, rel_n)
    if raw_n is not None and not isinstance(b, dict):
        return [VerdictChange("waivers", rel_n, "修改", "（整个文件）", None, "无法解析，见 policykit check")]

    def entries(data):
        rows = data.get("waivers") if isinstance(data, dict) else None
        out = {}
        for i, w in enumerate(rows if isinstance(rows, list) else ()):
            if isinstance(w, dict):
                items = w.get("items") if isinstance(w.get("items"), list) else []
                out.setdefault((str(w.get("rule")), tuple(str(x) for x in items)), (i, w))
        return out
    eo, en = entries(a), entries(b)
    out = []
    for key in [*en, *(k for k in eo if k not in en)]:
        subject = f"规则 {key[0]} 对 " + ("、".join(key[1][:5]) + (f" 等 {len(key[1])} 项" if len(key[1]) > 5 else "")
                                       if key[1] else "（无对象）")
        if key not in eo:
            i, w = en[key]
            line, col = _position(doc, ("waivers", i))
            out.append(VerdictChange("waivers", rel_n, "新增", subject, None, _waiver_text(w), line, col))
        elif key not in en:
            out.append(VerdictChange("waivers", rel_n if raw_n is not None else rel_o, "删除", subject,
                                     _waiver_text(eo[key][1]), None))
        elif eo[key][1] != en[key][1]:
            (_, wo), (i, wn) = eo[key], en[key]
            fields = [f for f in dict.fromkeys([*wn, *wo]) if wo.get(f) != wn.get(f)]
            line, col = _position(doc, ("waivers", i, fields[0]) if fields[0] in wn else ("waivers", i))
            out.append(VerdictChange("waivers", rel_n, "修改", subject,
                                     "；".join(f"{f} {_brief(wo.get(f))}" for f in fields),
                                     "；".join(f"{f} {_brief(wn.get(f))}" for f in fields), line, col))
    return out


def verdict_changes(root, old: Side, new: Side) -> list:
    """What changed, from ``old`` to ``new``, in the files that decide the verdict: policykit.yaml
    (keys, old → new), the rules (rule ids added, removed, changed), the repository's schemas, the
    waivers (rule and items each suppresses, approver, dates)."""
    raw_o, raw_n = _side_bytes(old, CONFIG_FILE), _side_bytes(new, CONFIG_FILE)
    cfg_o, _ = _parse(raw_o, CONFIG_FILE)
    cfg_n, _ = _parse(raw_n, CONFIG_FILE)

    def setting(cfg, key, default):
        value = cfg.get(key) if isinstance(cfg, dict) else None
        return value if isinstance(value, str) and value and not value.startswith("/") and ".." not in value.split("/") \
            else default
    out = _config_verdict(raw_o, raw_n)
    out += _rules_verdict(old, new, setting(cfg_o, "rules_dir", "rules"), setting(cfg_n, "rules_dir", "rules"))
    out += _schemas_verdict(old, new)
    waivers = "waivers.yaml"
    out += _waivers_verdict(old, new, f"{setting(cfg_o, 'lists_dir', 'lists').rstrip('/')}/{waivers}",
                            f"{setting(cfg_n, 'lists_dir', 'lists').rstrip('/')}/{waivers}")
    return out


def staged_verdict(root) -> list:
    """``verdict_changes`` from HEAD (nothing before the first commit) to the index."""
    with history.session(root):
        root = Path(root).resolve()
        head = history.resolve(root, "HEAD") if history.has_commits(root) else None
        return verdict_changes(root, Side(root, head), Side(root, INDEX))


def verdict_between(root, base: str, head: str | None = None) -> list:
    """``verdict_changes`` from revision ``base`` to ``head`` (default: the work tree)."""
    with history.session(root):
        root = Path(root).resolve()
        return verdict_changes(root, Side.of(root, base), Side.of(root, head))


def review_since(root, since: str, head: str | None = None) -> list[Problem]:
    """``check --since``: every change since ``since`` to the files that decide the verdict
    (policykit.yaml, rules, schemas, waivers), one REVIEW-* warning each, at the changed line.
    ``head``: a revision, or None for the work tree the check reads."""
    rule_of = {"config": "REVIEW-CONFIG", "rules": "REVIEW-RULES", "schemas": "REVIEW-SCHEMAS",
               "waivers": "REVIEW-WAIVERS"}
    out = []
    for v in verdict_between(root, since, head):
        out.append(Problem(v.file, v.line, v.column, "$", rule_of[v.area], "warning",
                           f"判定规则变更，须审阅：{v.text} (changes what decides the verdict: review it)"))
    return sorted(set(out))

