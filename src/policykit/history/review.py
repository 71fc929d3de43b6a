"""The review of a change to the lists, rendered for people: a pull-request comment (Markdown), plain text, JSON.

The comparison itself is ``history.diff`` (what changed, item by item, and in what decides the verdict);
this module only renders a ``Diff``. The Markdown review leads with what matters (the summary, the major
changes that need an adjustment record, the changes to what decides the verdict, new problems) and keeps
under a hard size cap (``MAX_COMMENT``): what does not fit is left out of the comment with a line saying
so, and the whole review can be written to a file beside it. Output is deterministic.
"""
from __future__ import annotations

import json
from collections import Counter

from ..errors import UsageError
from .diff import (DEPARTMENT_VALUED, LEVEL_LABELS, RECORD_SPEC, SHAPE_TYPES, VERDICT_AREAS, Change, Diff,
                   FieldChange, basis_text)


def render(d: Diff, fmt: str = "markdown", records: list | None = None) -> str:
    if fmt == "json":
        return as_json(d, records)
    if fmt == "text":
        return as_text(d)
    if fmt == "markdown":
        return as_markdown(d, records=records)
    raise UsageError(f"未知的输出格式：{fmt}（可用 markdown、json、text）")


def as_json(d: Diff, records: list | None = None) -> str:
    data = d.as_dict()
    if records is not None:
        data["records"] = records
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


def _value(d: Diff, f: FieldChange, v) -> str:
    if v is None:
        return "（无）"
    if f.field in DEPARTMENT_VALUED:
        vs = v if isinstance(v, list) else [v]
        return "、".join(d.name_of(x) for x in vs)
    if isinstance(v, list):
        return "；".join(_value(d, f, x) for x in v)
    if isinstance(v, dict):
        if set(v) == {"department", "role"}:
            return f"{d.name_of(v['department'])}（{v['role']}）"
        if isinstance(v.get("department"), str):  # a member, a party: the department by name, then the rest
            rest = "，".join(str(_value(d, f, x)) for k, x in v.items() if k != "department")
            return d.name_of(v["department"]) + (f"（{rest}）" if rest else "")
        if "title" in v and "level" in v:
            return basis_text(v)
        return "，".join(f"{k}：{x}" for k, x in v.items())
    if isinstance(v, bool):
        return "是" if v else "否"
    return str(v)


def _list_delta(f: FieldChange):
    """(removed, added, unchanged count) when both sides are lists, else None."""
    if isinstance(f.before, list) and isinstance(f.after, list) and f.field not in DEPARTMENT_VALUED:
        removed = [x for x in f.before if x not in f.after]
        added = [x for x in f.after if x not in f.before]
        return removed, added, len(f.before) - len(removed)
    return None


def field_delta(d: Diff, f: FieldChange) -> tuple[str, str]:
    """Before and after as text; for two lists only the entries that differ."""
    delta = _list_delta(f)
    if delta is None:
        return _value(d, f, f.before), _value(d, f, f.after)
    removed, added, same = delta
    if not removed and not added:
        return _value(d, f, f.before), "（仅顺序调整）" + _value(d, f, f.after)
    note = f"（其余 {same} 项不变）" if same else ""
    return ("删除：" + _value(d, f, removed) if removed else "—"), \
        ("增加：" + _value(d, f, added) if added else "—") + note


def field_text(d: Diff, f: FieldChange) -> str:
    delta = _list_delta(f)
    if delta is None:
        return f"{field_label(d, f)}：{_value(d, f, f.before)} → {_value(d, f, f.after)}"
    removed, added, _ = delta
    parts = [f"增加「{_value(d, f, x)}」" for x in added] + [f"删除「{_value(d, f, x)}」" for x in removed]
    return f"{field_label(d, f)}：" + ("；".join(parts) if parts else "仅顺序调整")


def field_label(d: Diff, f: FieldChange) -> str:
    if f.subject is None:
        return f.label
    subject = d.name_of(f.subject) if f.field in ("role", "duties") else f.subject
    return f"{f.label}（{subject}）"


def describe(d: Diff, c: Change) -> str:
    """One line explaining the change, for tables and text."""
    if c.before is not None or c.after is not None:
        return _describe_record(d, c)
    return _describe_fields(d, c)


def _power_brief(d: Diff, rec: dict) -> str:
    """A power item: category, handling unit and its first legal basis."""
    basis = rec.get("legal_basis") or []
    text = f"{rec.get('category', '')} · 承办：{rec.get('unit', '')}"
    if basis:
        text += f" · 依据：{basis_text(basis[0])}" + (f" 等 {len(basis)} 项" if len(basis) > 1 else "")
    return text


def _boundary_brief(d: Diff, rec: dict) -> str:
    """A boundary item: its lead and cooperating departments."""
    roles = rec.get("departments") or []
    lead = [d.name_of(r.get("department")) for r in roles if r.get("role") == "牵头"]
    co = [d.name_of(r.get("department")) for r in roles if r.get("role") != "牵头"]
    return f"牵头：{'、'.join(lead) or '无'}；配合：{'、'.join(co) or '无'}"


def _unit_duty_brief(d: Diff, rec: dict) -> str:
    """An internal unit's duty: the unit and the duty's text."""
    return f"{rec.get('unit', '')}：{rec.get('content', '')}"


def _catalog_item_brief(d: Diff, rec: dict) -> str:
    """A catalogue item: the departments that lead it."""
    claims = rec.get("claims") or []
    lead = [d.name_of(x.get("department")) for x in claims if x.get("role") == "牵头"]
    return f"牵头：{'、'.join(lead) or '无'}"


def _department_brief(d: Diff, rec: dict) -> str:
    """A department: its name."""
    return str(rec.get("name", ""))


# the one-line summary of an added or removed list entry, per object (records use RECORD_SPEC's brief)
_BRIEFS = {"power": _power_brief, "boundary": _boundary_brief, "unit_duty": _unit_duty_brief,
           "catalog_item": _catalog_item_brief, "department": _department_brief}


def _describe_record(d: Diff, c: Change) -> str:
    """An added or removed entry, summarised from its whole record (a removed one marked 原：)."""
    rec = c.after if c.after is not None else c.before
    prefix = "" if c.after is not None else "原："
    if rec is None:
        return ""
    brief = _BRIEFS.get(c.object)
    if brief is not None:
        return prefix + brief(d, rec)
    spec = RECORD_SPEC.get(c.object)
    if spec is not None and spec.brief is not None:
        return prefix + spec.brief(d, rec)
    return ""


def _describe_fields(d: Diff, c: Change) -> str:
    """A modified entry: the transfer, a record's status first, then the one field in full or the labels."""
    parts = []
    if "划转" in c.types:
        parts.append(f"{d.name_of(c.department_before)} → {d.name_of(c.department)}")
    rest = [f for f in c.fields if f.type != "划转"]
    spec = RECORD_SPEC.get(c.object)
    if spec is not None and spec.status and len(rest) > 1 and rest[0].field == spec.status:
        parts.append(field_text(d, rest[0]))  # a record's status first: 存续 → 撤销, 整改中 → 已整改
        rest = rest[1:]
    if len(rest) == 1:
        text = field_text(d, rest[0])
        if len(text) <= 70:
            parts.append(text)
        else:
            parts.append(f"{field_label(d, rest[0])}（见明细）")
    elif rest:
        labels = list(dict.fromkeys(field_label(d, f).split("·")[0] for f in rest))  # 调处决定·文号 → 调处决定
        parts.append("、".join(labels[:4]) + (f" 等 {len(labels)} 处" if len(labels) > 4 else "") + "（见明细）")
    return "；".join(parts)


def _key_cell(c: Change, table: bool = True) -> str:
    """The key as code; in a table cell a ``|`` (SX-2025|<code>, LZ-…|<code>) is escaped as ``\\|``."""
    key = lambda k: "`" + (str(k).replace("|", "\\|") if table else str(k)) + "`"  # noqa: E731
    if c.previous_key:
        return f"{key(c.previous_key)} → {key(c.key)}"
    return key(c.key)


_MD_ESCAPE = str.maketrans({"|": "\\|", "<": "&lt;", ">": "&gt;", "\n": " ", "\r": " ", "`": "'"})


def _cell(text) -> str:
    return str(text).translate(_MD_ESCAPE)


def _grouped(d: Diff):
    out = {}
    for c in d.changes:
        out.setdefault(c.adjustment, {}).setdefault(c.department or "", []).append(c)
    return out


LONG_TABLE = 30


def as_markdown(d: Diff, *, title: str = "清单调整审阅", records: list | None = None) -> str:
    """The review as Markdown for a pull-request comment. ``records``: the commits of the pull
    request with their adjustment records (``adjustments.records_between``), shown first."""
    s = d.summary()
    lv = s["levels"]
    lines = [f"## {title}", "",
             f"比较：**{_cell(d.base_label)}** → **{_cell(d.head_label)}** · 共 **{s['total']}** 项调整"
             + (f"（重大 {lv['major']} · 一般 {lv['minor']} · 细微 {lv['patch']}）" if s["total"] else ""), ""]
    lines += _verdict_markdown(d.verdict)
    if not d.changes:
        lines.append("清单事项没有变化。")
    else:
        lines += _summary_markdown(s)
        if records:
            lines += _records_markdown(records)
        lines += _majors_markdown(d)
        for kind, depts in _grouped(d).items():
            lines += [f"### {kind}（{s['kinds'][kind]['total']} 项）", ""]
            for dept, cs in depts.items():
                lines += _group_markdown(d, kind, dept, cs)
    other = _other_files(d)
    if other:
        lines += ["### 其他变更的文件", "", *[f"- `{_cell(f)}`" for f in other], ""]
    if d.warnings:
        lines += ["### 注意", "", *[f"- {_cell(w)}" for w in d.warnings], ""]
    lines.append("<sub>由 policykit diff 生成 · 级别可在 policykit.yaml 的 change_levels 中调整</sub>")
    return "\n".join(lines) + "\n"


def _summary_markdown(s: dict) -> list:
    """The count table: per kind of change, how many added, removed, transferred, modified, major."""
    lv = s["levels"]
    lines = ["| 调整类别 | 新增 | 取消 | 划转 | 修改 | 合计 | 其中重大 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for kind, k in s["kinds"].items():
        lines.append(f"| {kind} | {k['新增']} | {k['取消']} | {k['划转']} | {k['修改']} | {k['total']} | {k['major']} |")
    tot = lambda key: sum(k[key] for k in s["kinds"].values())  # noqa: E731
    lines.append(f"| **合计** | {tot('新增')} | {tot('取消')} | {tot('划转')} | {tot('修改')} | **{s['total']}** | "
                 f"**{lv['major']}** |")
    lines.append("")
    return lines


def _majors_markdown(d: Diff) -> list:
    """The major changes first, since each needs an adjustment record."""
    majors = d.majors
    if not majors:
        return []
    lines = [f"### 重大调整（{len(majors)} 项，提交须附调整记录）", "",
             "| 类别 | 部门 | 事项 | 调整 | 说明 |", "|---|---|---|---|---|"]
    for c in majors:
        mt = "、".join(t for t in c.types if d.levels.of(c.object, t) == "major")
        lines.append(f"| {c.adjustment} | {_cell(d.department_label(c))} | {_key_cell(c)} {_cell(c.name)} | "
                     f"{mt} | {_cell(describe(d, c))} |")
    lines.append("")
    return lines


def _group_markdown(d: Diff, kind: str, dept: str, cs: list) -> list:
    """One department's changes of one kind: heading with counts, the table (folded when long), details."""
    shapes = Counter(c.shape for c in cs)
    detail = " · ".join(f"{k} {shapes[k]}" for k in (*SHAPE_TYPES, "修改") if shapes.get(k))
    out_to = Counter(c.department for c in d.changes if c.adjustment == kind and dept
                     and c.department_before == dept and c.department != dept)
    if out_to:
        detail += "；另划出 " + "、".join(f"{n} 项至{d.name_of(t)}" for t, n in sorted(out_to.items()))
    lines = [f"#### {_cell(d.group_name(kind, dept or None))}（{len(cs)} 项：{detail}）", ""]
    table = ["| 级别 | 编号 | 名称 | 调整 | 说明 |", "|---|---|---|---|---|"]
    for c in cs:
        table.append(f"| {LEVEL_LABELS[c.level]} | {_key_cell(c)} | {_cell(c.name)} | {'、'.join(c.types)} | "
                     f"{_cell(describe(d, c))} |")
    if len(cs) > LONG_TABLE:
        lines += [f"<details><summary>展开 {len(cs)} 项</summary>", "", *table, "", "</details>", ""]
    else:
        lines += [*table, ""]
    return lines + _details_markdown(d, cs)


def _details_markdown(d: Diff, cs: list) -> list:
    """The folded field-by-field before/after tables of the changes that modify fields."""
    detailed = [c for c in cs if c.fields]
    if not detailed:
        return []
    lines = [f"<details><summary>字段变更明细（{len(detailed)} 项）</summary>", ""]
    for c in detailed:
        lines += [f"**{_key_cell(c, table=False)} {_cell(c.name)}** · {'、'.join(c.types)}"
                  + (f" · `{c.file}:{c.line}`" if c.file else ""), "",
                  "| 字段 | 调整前 | 调整后 |", "|---|---|---|"]
        for f in c.fields:
            b, a = field_delta(d, f)
            lines.append(f"| {_cell(field_label(d, f))} | {_cell(b)} | {_cell(a)} |")
        lines.append("")
    return lines + ["</details>", ""]


def _other_files(d: Diff) -> list:
    """Changed files outside the lists that the verdict section does not already show."""
    shown = {v.file for v in d.verdict}
    return [f for f in d.other_files if f not in shown]


def _verdict_markdown(verdict: list) -> list:
    if not verdict:
        return []
    lines = [f"### 判定规则变更 · changes to what decides the verdict（{len(verdict)} 项，须审阅）", "",
             "配置、规则、模式与豁免决定哪些问题会被报告；下列变更请逐项确认。", "",
             "| 类别 | 变更 | 对象 | 调整前 | 调整后 | 位置 |", "|---|---|---|---|---|---|"]
    for v in verdict:
        lines.append(f"| {VERDICT_AREAS[v.area]} | {v.action} | {_cell(v.subject)} | {_cell(v.before or '—')} | "
                     f"{_cell(v.after or '—')} | `{_cell(v.file)}:{v.line}` |")
    return lines + [""]


def _records_markdown(records: list) -> list:
    lines = [f"### 调整记录（{len(records)} 个提交）", "",
             "| 提交 | 日期 | 提交人 | 调整类型 | 调整事由 | 调整依据 | 批准文号 |", "|---|---|---|---|---|---|---|"]
    for entry in records:
        c = entry["commit"]
        head = f"`{c['sha'][:7]}` {_cell(c['subject'])} | {c['committed'][:10]} | {_cell(c['author'])}"
        if not entry["records"]:
            lines.append(f"| {head} | （未附调整记录） | | | |")
        for r in entry["records"]:
            state = "" if r["valid"] else f"（记录有误：{'；'.join(r['errors'])}）"
            lines.append(f"| {head} | {_cell(r['type'] or '—')}{_cell(state)} | {_cell(r['reason'] or '—')} | "
                         f"{_cell(r['basis'] or '—')} | {_cell(r['approval'] or '—')} |")
    return lines + [""]


def as_text(d: Diff) -> str:
    s = d.summary()
    lv = s["levels"]
    out = [f"清单调整：{d.base_label} → {d.head_label} · 共 {s['total']} 项"
           f"（重大 {lv['major']}，一般 {lv['minor']}，细微 {lv['patch']}）"]
    if d.verdict:
        out += ["", f"判定规则变更（{len(d.verdict)} 项，须审阅） · changes to what decides the verdict",
                *[f"  {v.text}  ({v.file}:{v.line})" for v in d.verdict]]
    for kind, depts in _grouped(d).items():
        out.append("")
        out.append(f"{kind}（{s['kinds'][kind]['total']} 项）")
        for dept, cs in depts.items():
            out.append(f"  {d.group_name(kind, dept or None)}（{len(cs)} 项）")
            for c in cs:
                key = f"{c.previous_key} → {c.key}" if c.previous_key else c.key
                out.append(f"    [{LEVEL_LABELS[c.level]}] {'、'.join(c.types)} {key} {c.name}"
                           + (f"  ({c.file}:{c.line})" if c.file else ""))
                if not c.fields:
                    text = describe(d, c)
                    if text:
                        out.append(f"        {text}")
                for f in c.fields:
                    out.append(f"        {field_text(d, f)}")
    other = _other_files(d)
    if other:
        out += ["", "其他变更的文件：", *[f"  {f}" for f in other]]
    if d.warnings:
        out += ["", "注意：", *[f"  {w}" for w in d.warnings]]
    return "\n".join(out) + "\n"
