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
from dataclasses import dataclass, field

from ..checking.reporters import md_code, md_text
from ..errors import UsageError
from .diff import (DEPARTMENT_VALUED, LEVEL_LABELS, RECORD_SPEC, SHAPE_TYPES, VERDICT_AREAS, Change, Diff,
                   FieldChange, basis_text)


def render(d: Diff, fmt: str = "markdown", records: list | None = None, *, problems=None, limit: int | None = None,
           full_name: str | None = None) -> str:
    """The review in ``fmt``; Markdown with ``limit`` is cut to fit (see ``as_markdown``)."""
    if fmt == "json":
        return as_json(d, records, problems)
    if fmt == "text":
        return as_text(d)
    if fmt == "markdown":
        return as_markdown(d, records=records, problems=problems, limit=limit, full_name=full_name)
    raise UsageError(f"未知的输出格式：{fmt}（可用 markdown、json、text）")


def as_json(d: Diff, records: list | None = None, problems=None) -> str:
    data = d.as_dict()
    if records is not None:
        data["records"] = records
    if problems is not None:
        data["problems"] = {"new": [p.as_dict() for p in problems.new], "unchanged": problems.unchanged,
                            "absent": problems.absent}
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
    """A power item: category, handling unit and its first legal basis; where it does not come from the
    law at this level (上级下放, 委托, 授权), its 权力来源, 来源文件 and the delegating authority."""
    basis = rec.get("legal_basis") or []
    text = f"{rec.get('category', '')} · 承办：{rec.get('unit', '')}"
    if basis:
        text += f" · 依据：{basis_text(basis[0])}" + (f" 等 {len(basis)} 项" if len(basis) > 1 else "")
    source = rec.get("power_source")
    if source and source != "法定本级行使":
        text += f" · 权力来源：{source}（来源文件：{rec.get('source_document') or '（未写）'}"
        text += f"；{rec['delegator']}）" if rec.get("delegator") else "）"
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
    if c.previous_key:
        return f"`{md_code(c.previous_key, table=table)}` → `{md_code(c.key, table=table)}`"
    return f"`{md_code(c.key, table=table)}`"


# Every string of the lists, the history or the check result reaches the comment through the one Markdown
# vocabulary of policykit's forge output (checking.reporters): ``_cell`` for text (Markdown and HTML
# escaped, @mentions and #123 references broken so posting the comment notifies nobody and links
# nothing), ``md_code`` inside a code span.
_cell = md_text


def _grouped(d: Diff):
    out = {}
    for c in d.changes:
        out.setdefault(c.adjustment, {}).setdefault(c.department or "", []).append(c)
    return out


LONG_TABLE = 30


DEPARTMENT_ROWS = 30   # the largest departments shown in the summary; the rest summed in one row
MIN_LIMIT = 2_000       # room for the title, the note and the footer
MAX_COMMENT = 60_000    # GitHub refuses comments over 65,536 characters; GitLab notes allow more
# who must approve a change to what decides the verdict (docs/review.md has a CODEOWNERS example)
REVIEWER_ROLES = {"config": "仓库管理员（编办法规审查）", "rules": "规则维护人", "schemas": "规则维护人",
                  "waivers": "豁免审批人（编办）"}
VERDICT_WHY = {"config": "级别覆盖、限额与模式决定哪些问题报告、是否失败",
               "rules": "规则决定什么算问题", "schemas": "模式决定什么算格式正确",
               "waivers": "每条豁免让检查不再报告匹配的问题"}


@dataclass
class Section:
    """A part of the review: lines that open it, rows that may be cut when the comment is full, lines that
    close it (a table's end, ``</details>``). ``what`` names the rows in the note when some are cut."""
    head: list
    rows: list = field(default_factory=list)
    tail: list = field(default_factory=list)
    what: str = "行"

    def text(self, rows=None) -> str:
        rows = self.rows if rows is None else rows
        return "".join(line + "\n" for line in (*self.head, *rows, *self.tail))


@dataclass
class ReviewProblems:
    """What a check with a baseline found, for the review: the problems the change introduces, the
    old ones still there, the ones it fixed, and the waived problems (to show what a waiver suppresses)."""
    new: list = field(default_factory=list)
    unchanged: int = 0
    absent: int = 0
    waived: list = field(default_factory=list)


def read_problems(path) -> ReviewProblems:
    """What ``policykit check --baseline BASE -f json`` wrote to ``path``, for the review."""
    from ..checking.baseline import MAX_RESULT_BYTES
    from ..errors import InputError
    from ..problems import Problem
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_RESULT_BYTES + 1)
        if len(raw) > MAX_RESULT_BYTES:
            raise ValueError("too large")
        data = json.loads(raw)
        rows, base = data["problems"], data.get("baseline") or {}
        keys = ("file", "line", "column", "path", "rule", "severity", "message")
        problems = [(Problem(*(r[k] for k in keys), r.get("waived_by")), r.get("baseline_state", "new")) for r in rows]
        if not all(isinstance(p.file, str) and isinstance(p.message, str) and type(p.line) is int for p, _ in problems):
            raise ValueError("not a problem")
        return ReviewProblems(new=[p for p, s in problems if s == "new" and p.waived_by is None],
                              unchanged=int(base.get("unchanged", 0)),
                              absent=len(base["absent"]) if isinstance(base.get("absent"), list) else 0,
                              waived=[p for p, _ in problems if p.waived_by is not None])
    except OSError as exc:
        raise InputError(f"{path}: 无法读取检查结果（{exc.strerror}） (cannot read the check result)") from None
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        raise InputError(f"{path}:1:1: 不是 policykit check -f json 的输出 (not a policykit JSON result)") from None


def as_markdown(d: Diff, *, title: str = "清单调整审阅", records: list | None = None,
                problems: ReviewProblems | None = None, limit: int | None = None,
                full_name: str | None = None) -> str:
    """The review as Markdown for a pull-request comment, summary first.

    ``records``: the commits of the pull request with their adjustment records
    (``adjustments.records_between``). ``problems``: what ``check --baseline`` found (new problems,
    what the waivers suppress). ``limit``: the hard cap in characters (``MAX_COMMENT`` for a comment);
    sections are cut from the end, whole rows at a time, and a line says what was left out and where
    the whole review is (``full_name``, the file written beside the comment). Without ``limit`` the
    whole review. Same input, same bytes."""
    sections = _sections(d, title, records, problems)
    footer = Section(["<sub>由 policykit diff 生成 · 级别可在 policykit.yaml 的 change_levels 中调整</sub>"])
    if limit is None:
        return "".join(s.text() for s in sections) + footer.text()
    if limit < MIN_LIMIT:
        raise UsageError(f"审阅的字符上限至少为 {MIN_LIMIT:,}：{limit:,} (--max-chars too small)")
    return _fit(sections, footer, limit, full_name[:200] if full_name else None)


def _fit(sections: list, footer: Section, limit: int, full_name: str | None) -> str:
    """The sections in order while they fit under ``limit`` with room for the footer and the note; the
    first that does not fit keeps the rows that do, and the rest is named in the note."""
    where = f"完整审阅见 `{md_code(full_name, table=False)}`（CI 产物）" if full_name else "完整审阅：policykit diff --full-output FILE"
    reserve = len(footer.text()) + 400 + len(where)
    budget = limit - reserve
    out, used, cut_rows, cut_sections = [], 0, 0, 0
    for s in sections:
        whole = s.text()
        if cut_sections or cut_rows:
            cut_sections += 1
            continue
        if used + len(whole) <= budget:
            out.append(whole)
            used += len(whole)
            continue
        frame = len(s.text(rows=[])) + 80
        kept = []
        room = budget - used - frame
        for row in s.rows:
            if len(row) + 1 > room:
                break
            kept.append(row)
            room -= len(row) + 1
        if not s.rows or (not kept and room < 0):
            cut_sections = 1
            continue
        cut_rows = len(s.rows) - len(kept)
        note = ["", f"> 另有 {cut_rows} {s.what}因评论篇幅所限未列出。", ""] if kept else \
            ["", f"> 本节 {cut_rows} {s.what}因评论篇幅所限未列出。", ""]
        text = "".join(line + "\n" for line in (*s.head, *kept, *note, *s.tail))
        out.append(text)
        used += len(text)
    if cut_rows or cut_sections:
        more = f"另有 {cut_sections} 节" if cut_sections else ""
        out.append(f"---\n\n**评论篇幅有限（上限 {limit:,} 字符），本评论未列全：{more}"
                   f"{'及上节部分内容' if cut_rows else ''}未列出。{where}。**\n\n")
    text = "".join(out) + footer.text()
    assert len(text) <= limit, (len(text), limit)
    return text


def _sections(d: Diff, title: str, records, problems) -> list:
    s = d.summary()
    lv = s["levels"]
    out = [Section([f"## {title}", "",
                    f"比较：**{_cell(d.base_label)}** → **{_cell(d.head_label)}** · 共 **{s['total']}** 项调整"
                    + (f"（重大 {lv['major']} · 一般 {lv['minor']} · 细微 {lv['patch']}）" if s["total"] else ""),
                    ""])]
    if d.changes:
        out.append(Section(_summary_markdown(s)))
        out += _departments_sections(d)
    if problems is not None:
        out += _problems_sections(problems)
    out += _verdict_sections(d.verdict, problems)
    if not d.changes:
        out.append(Section(["清单事项没有变化。", ""]))
    else:
        majors = _majors_section(d)
        if majors:
            out.append(majors)
        if records:
            out.append(_records_section(records))
        grouped = _grouped(d)
        for kind, depts in grouped.items():
            out.append(Section([f"### {kind}（{s['kinds'][kind]['total']} 项）", ""]))
            for dept, cs in depts.items():
                out += _group_sections(d, kind, dept, cs)
    other = _other_files(d)
    if other:
        out.append(Section(["### 其他变更的文件", ""], [f"- `{md_code(f, table=False)}`" for f in other], [""], "个文件"))
    if d.warnings:
        out.append(Section(["### 注意", ""], [f"- {_cell(w)}" for w in d.warnings], [""], "条"))
    return out


def _problems_sections(rp: ReviewProblems) -> list:
    """The problems this change introduces (``check --baseline``), and how many old ones remain."""
    head = [f"### 本次变更引入的问题（{len(rp.new)} 个）", "",
            f"与基准相比：新增 **{len(rp.new)}** 个问题，原有 {rp.unchanged} 个问题仍在（不计入本次结论），"
            f"已解决 {rp.absent} 个。", ""]
    if not rp.new:
        return [Section(head)]
    from ..problems import SEVERITY_LABEL
    rows = [f"| {SEVERITY_LABEL.get(p.severity, p.severity)} | `{md_code(p.rule)}` | `{md_code(p.location())}` | "
            f"{_cell(p.message)} |" for p in rp.new]
    return [Section([*head, "| 级别 | 规则 | 位置 | 问题 |", "|---|---|---|---|"], rows, [""], "个问题")]


def _departments_sections(d: Diff) -> list:
    """Counts by department: how many changes of each shape, majors; the largest first, folded when long."""
    per: dict = {}
    for c in d.changes:
        row = per.setdefault(c.department or "", Counter())
        row[c.shape] += 1
        row["total"] += 1
        row["major"] += c.level == "major"
    order = sorted(per.items(), key=lambda kv: (-kv[1]["total"], kv[0]))
    rows = [f"| {_cell(d.name_of(dept or None))} | {n['新增']} | {n['取消']} | {n['划转']} | {n['修改']} | "
            f"{n['total']} | {n['major']} |" for dept, n in order[:DEPARTMENT_ROWS]]
    if len(order) > DEPARTMENT_ROWS:
        rest = [n for _, n in order[DEPARTMENT_ROWS:]]
        rows.append(f"| 其余 {len(rest)} 个部门 | " + " | ".join(str(sum(n[k] for n in rest))
                                                          for k in ("新增", "取消", "划转", "修改", "total", "major"))
                    + " |")
    table = ["| 部门 | 新增 | 取消 | 划转 | 修改 | 合计 | 其中重大 |", "|---|---:|---:|---:|---:|---:|---:|"]
    if len(order) <= 10:
        return [Section([f"#### 按部门（{len(order)} 个部门）", "", *table], rows, [""], "个部门")]
    return [Section([f"<details><summary>按部门（{len(order)} 个部门，调整最多的在前）</summary>", "", *table], rows,
                    ["", "</details>", ""], "个部门")]


def _verdict_sections(verdict: list, problems: ReviewProblems | None) -> list:
    """Changes to what decides the verdict: one section per area (配置, 规则, 模式, 豁免), each naming the
    reviewer role that must approve it; a waiver shows the problems it suppresses."""
    if not verdict:
        return []
    out = [Section([f"### 判定规则变更 · changes to what decides the verdict（{len(verdict)} 项，须审阅）", "",
                    "配置、规则、模式与豁免决定哪些问题会被报告；下列变更请由相应角色逐项确认"
                    "（CODEOWNERS 示例见 policykit 文档 review.md）。", ""])]
    for area, label in VERDICT_AREAS.items():
        vs = [v for v in verdict if v.area == area]
        if not vs:
            continue
        rows = []
        for v in vs:
            rows.append(f"| {v.action} | {_cell(v.subject)} | {_cell(v.before or '—')} | {_cell(v.after or '—')} | "
                        f"`{md_code(v.file)}:{v.line}` |")
            if area == "waivers" and problems is not None and v.action != "删除":
                rows.append(f"| | ↳ 豁免的问题 | {_cell(_suppressed(v, problems))} | | |")
        out.append(Section([f"#### {label}变更（{len(vs)} 项）· 须由{REVIEWER_ROLES[area]}审阅", "",
                            f"{VERDICT_WHY[area]}。", "",
                            "| 变更 | 对象 | 调整前 | 调整后 | 位置 |", "|---|---|---|---|---|"], rows, [""], "行"))
    return out


def _suppressed(v, problems: ReviewProblems) -> str:
    """The problems of the checked tree that the waiver ``v`` (subject 规则 RULE 对 ITEMS) suppresses."""
    parts = v.subject.split(" ")
    rule = parts[1] if len(parts) > 1 and parts[0] == "规则" else None
    hits = [p for p in problems.waived if p.rule == rule]
    if not hits:
        return "（当前没有匹配的问题）"
    shown = "；".join(f"{p.location()} {p.message}" for p in hits[:3])
    return f"{len(hits)} 个：{shown}" + (" 等" if len(hits) > 3 else "")


def _majors_section(d: Diff) -> Section | None:
    """The major changes first, since each needs an adjustment record."""
    majors = d.majors
    if not majors:
        return None
    rows = []
    for c in majors:
        mt = "、".join(t for t in c.types if d.levels.of(c.object, t) == "major")
        rows.append(f"| {c.adjustment} | {_cell(d.department_label(c))} | {_key_cell(c)} {_cell(c.name)} | "
                    f"{mt} | {_cell(describe(d, c))} |")
    return Section([f"### 重大调整（{len(majors)} 项，提交须附调整记录）", "",
                    "| 类别 | 部门 | 事项 | 调整 | 说明 |", "|---|---|---|---|---|"], rows, [""], "项重大调整")


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


def _group_sections(d: Diff, kind: str, dept: str, cs: list) -> list:
    """One department's changes of one kind: heading with counts, the table (folded when long), then the
    folded field-by-field details."""
    shapes = Counter(c.shape for c in cs)
    detail = " · ".join(f"{k} {shapes[k]}" for k in (*SHAPE_TYPES, "修改") if shapes.get(k))
    out_to = Counter(c.department for c in d.changes if c.adjustment == kind and dept
                     and c.department_before == dept and c.department != dept)
    if out_to:
        detail += "；另划出 " + "、".join(f"{n} 项至{_cell(d.name_of(t))}" for t, n in sorted(out_to.items()))
    head = [f"#### {_cell(d.group_name(kind, dept or None))}（{len(cs)} 项：{detail}）", ""]
    table = ["| 级别 | 编号 | 名称 | 调整 | 说明 |", "|---|---|---|---|---|"]
    rows = [f"| {LEVEL_LABELS[c.level]} | {_key_cell(c)} | {_cell(c.name)} | {'、'.join(c.types)} | "
            f"{_cell(describe(d, c))} |" for c in cs]
    if len(cs) > LONG_TABLE:
        out = [Section([*head, f"<details><summary>展开 {len(cs)} 项</summary>", "", *table], rows,
                       ["", "</details>", ""], "项")]
    else:
        out = [Section([*head, *table], rows, [""], "项")]
    details = _details_section(d, cs)
    return out + ([details] if details else [])


def _details_section(d: Diff, cs: list) -> Section | None:
    """The folded field-by-field before/after tables of the changes that modify fields (one row per change)."""
    detailed = [c for c in cs if c.fields]
    if not detailed:
        return None
    rows = []
    for c in detailed:
        lines = [f"**{_key_cell(c, table=False)} {_cell(c.name)}** · {'、'.join(c.types)}"
                 + (f" · `{md_code(c.file, table=False)}:{c.line}`" if c.file else ""), "",
                 "| 字段 | 调整前 | 调整后 |", "|---|---|---|"]
        for f in c.fields:
            b, a = field_delta(d, f)
            lines.append(f"| {_cell(field_label(d, f))} | {_cell(b)} | {_cell(a)} |")
        rows.append("\n".join(lines) + "\n")
    return Section([f"<details><summary>字段变更明细（{len(detailed)} 项）</summary>", ""], rows, ["</details>", ""],
                   "项明细")


def _other_files(d: Diff) -> list:
    """Changed files outside the lists that the verdict section does not already show."""
    shown = {v.file for v in d.verdict}
    return [f for f in d.other_files if f not in shown]


def _records_section(records: list) -> Section:
    rows = []
    for entry in records:
        c = entry["commit"]
        head = f"`{c['sha'][:7]}` {_cell(c['subject'])} | {c['committed'][:10]} | {_cell(c['author'])}"
        if not entry["records"]:
            rows.append(f"| {head} | （未附调整记录） | | | |")
        for r in entry["records"]:
            state = "" if r["valid"] else f"（记录有误：{'；'.join(r['errors'])}）"
            rows.append(f"| {head} | {_cell(r['type'] or '—')}{_cell(state)} | {_cell(r['reason'] or '—')} | "
                        f"{_cell(r['basis'] or '—')} | {_cell(r['approval'] or '—')} |")
    return Section([f"### 调整记录（{len(records)} 个提交）", "",
                    "| 提交 | 日期 | 提交人 | 调整类型 | 调整事由 | 调整依据 | 批准文号 |", "|---|---|---|---|---|---|---|"],
                   rows, [""], "行")


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
