"""结果运用: supervision results turned into proposed adjustments for the 编办 meeting, and the
综合考核 export of each department's score and findings.

``worklist(repo, period)`` reads the evaluation results (``evaluation.scorecards``), the problem records
(12345, 信访, 行政复议, 督查 …), the supervision catalogue, the task lists, the ledgers and the work
processes, and proposes:

* **新增职责边界事项** — one matter with ``threshold`` or more problems tagged 推诿/多头 in the period
  and no boundary matter: the departments the orders went to, the unit duties that mention the matter;
* **完善职责边界事项** — the same on a matter that already has a boundary matter (it is not working);
* **明确牵头部门** — a catalogue item without exactly one lead, with the departments that could lead
  (those claiming it as 配合, those whose power items name it);
* **编制审核** — a unit with no work process (where its department keeps processes), or whose duties
  and power items the period's ledgers never show as run;
* **权责事项评估** — an item in use the evaluation found not run without a reason;
* **执法流程核查** — a department whose acts 行政复议 overturned (撤销, 变更, 确认违法 …) ``threshold`` times or
  more in the period, with its work processes on the matters concerned.

Each proposal cites its evidence: the record and ``file:line`` it rests on. The worklist is written as
Markdown (``render_markdown``: every list string on one line with Markdown syntax and HTML characters
escaped, so a name cannot open a link, a table cell or a tag) and xlsx (through ``io.cells``:
no cell is ever a formula). ``assessment_rows`` is the 综合考核 layout: one row per department.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..errors import UsageError
from ..lists.records import in_period, period_text, views

KIND_NEW_BOUNDARY = "新增职责边界事项"
KIND_FIX_BOUNDARY = "完善职责边界事项"
KIND_LEAD = "明确牵头部门"
KIND_STAFFING = "编制审核"
KIND_ITEM = "权责事项评估"
KIND_REVIEW = "执法流程核查"
KINDS = (KIND_NEW_BOUNDARY, KIND_FIX_BOUNDARY, KIND_LEAD, KIND_STAFFING, KIND_ITEM, KIND_REVIEW)
# a 行政复议 decision that did not uphold the act (its 办理结果, tags or status say so)
OVERTURNED = ("撤销", "违法", "变更", "责令履行", "无效")


@dataclass(frozen=True)
class Cited:
    """One piece of evidence: what it is, its id, a note, and where it is written."""
    type: str
    ref: str
    note: str
    location: str          # file:line

    def label(self) -> str:
        return f"{self.type} {self.ref}" + (f"：{self.note}" if self.note else "") + f"（{self.location}）"


@dataclass
class Proposal:
    no: int
    kind: str
    subject: str                         # the matter, catalogue item, unit or item concerned
    departments: tuple                   # department ids concerned
    proposal: str                        # what the 编办 is asked to decide
    evidence: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"no": self.no, "kind": self.kind, "subject": self.subject, "departments": list(self.departments),
                "proposal": self.proposal, "evidence": [e.label() for e in self.evidence]}


def _where(repo, source) -> str:
    try:
        file, line, _col, _path = repo.locate(source)
    except (KeyError, TypeError):
        return getattr(source, "file", "?")
    return f"{file}:{line}"


def worklist(repo, period, *, threshold: int = 2, cards=None) -> list[Proposal]:
    """The proposed adjustments of ``period`` (``2025``, ``2025-Q2`` …), numbered, in a fixed order."""
    period = period_text(period)
    if threshold < 1:
        raise UsageError("--threshold 应为正整数")
    try:
        in_period(None, period)
        from ..lists.records import period_bounds
        period_bounds(period)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out: list[Proposal] = []
    out += _buck_passing_proposals(repo, period, threshold)
    out += _lead_proposals(repo)
    out += _staffing_proposals(repo, period)
    out += _idle_item_proposals(repo, cards or [])
    out += _review_proposals(repo, period, threshold)
    for i, p in enumerate(out, 1):
        p.no = i
    return out


# ---- 推诿 problems → boundary matters ------------------------------------------------------
def _buck_passing_proposals(repo, period, threshold) -> list[Proposal]:
    v = views(repo)
    by_matter: dict = defaultdict(list)
    for p in v.problems:
        if p.buck_passing and in_period(p.date, period):
            by_matter[(p.boundary or "", p.matter or "")].append(p)
    out = []
    for (boundary, matter), problems in sorted(by_matter.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(problems) < threshold or not (boundary or matter):
            continue
        depts = tuple(sorted({d for p in problems for d in p.departments}))
        evidence = [Cited(f"问题（{p.origin}）", p.id, "、".join(p.tags), _where(repo, p.source)) for p in problems]
        if boundary and repo.boundary(boundary) is not None:
            b = repo.boundary(boundary)
            evidence.insert(0, Cited("职责边界事项", b.id, b.name, _where(repo, b.source)))
            out.append(Proposal(0, KIND_FIX_BOUNDARY, f"{b.id} {b.name}", depts,
                                f"边界事项「{b.name}」本期仍有 {len(problems)} 件推诿/多头问题，建议修订部门职责和衔接流程、"
                                "明确争议解决办法", evidence))
            continue
        evidence += _duty_evidence(repo, matter, depts)
        lead = _most_dispatched(problems)
        out.append(Proposal(0, KIND_NEW_BOUNDARY, matter or boundary, depts,
                            f"「{matter or boundary}」本期 {len(problems)} 件推诿/多头问题涉及 {len(depts)} 个部门，"
                            f"建议纳入职责边界清单，明确牵头部门（派单最多的是{repo.department_name(lead)}）和配合部门职责",
                            evidence))
    return out


def _most_dispatched(problems) -> str:
    count: dict = defaultdict(int)
    for p in problems:
        for d in p.departments:
            count[d] += 1
    return min(count, key=lambda d: (-count[d], d)) if count else ""


def _duty_evidence(repo, matter: str, depts) -> list[Cited]:
    """Unit duties of the departments concerned whose content mentions the matter (its first 4 characters)."""
    key = (matter or "")[:4]
    if len(key) < 2:
        return []
    return [Cited("处室职责", d.key, d.content, _where(repo, d.source))
            for d in repo.unit_duties if d.department in depts and key in d.content][:5]


# ---- unclaimed catalogue items → a lead ------------------------------------------------------
def _lead_proposals(repo) -> list[Proposal]:
    out = []
    naming: dict = defaultdict(set)
    for item in repo.power_items:
        for code in item.supervision_items:
            naming[code].add(item.department)
    for c in repo.unclaimed_catalog_items():
        leads = c.leads
        candidates = sorted({cl.department for cl in c.claims if cl.role != "牵头"} | naming.get(c.code, set()))
        if leads:
            what = f"有 {len(leads)} 个牵头部门（{'、'.join(repo.department_name(d) for d in leads)}），建议只保留一个牵头部门"
        else:
            what = "无牵头部门认领，建议明确牵头部门" + (
                f"，可从{'、'.join(repo.department_name(d) for d in candidates)}中确定" if candidates else "")
        ev = [Cited("监管事项目录", c.key, c.name, _where(repo, c.source))]
        ev += [Cited("权力事项", i.code, f"{i.full_name} 对应该监管事项", _where(repo, i.source))
               for i in repo.power_items if c.code in i.supervision_items][:5]
        out.append(Proposal(0, KIND_LEAD, f"{c.code} {c.name}", tuple(leads) or tuple(candidates), what, ev))
    return out


# ---- units → 编制 review -------------------------------------------------------------------
def _staffing_proposals(repo, period) -> list[Proposal]:
    from ..checking.process_facts import covered_departments
    covered = covered_departments(repo)
    v = views(repo)
    ledgers = defaultdict(list)
    for ledger in v.ledgers:
        if ledger.period == period:
            ledgers[ledger.department].append(ledger)
    out = []
    for dept in sorted(repo.departments.values(), key=lambda d: d.id):
        run = _units_run(repo, ledgers.get(dept.id, ()))
        for u in dept.units:
            reasons, ev = [], [Cited("内设机构", u.key, u.duties_summary or "", _where(repo, u.source))]
            if dept.id in covered and not any(p.duty_unit == u.name for p in repo.processes_of(dept.id)):
                reasons.append("没有任何工作流程")
            if dept.id in ledgers and u.name not in run:
                reasons.append(f"{period} 履职台账中没有该处室职责或承办事项的办理记录")
                ev += [Cited("履职台账", l.id, f"{len(l.entries)} 条记录，均不属于该处室", _where(repo, l.source))
                       for l in ledgers[dept.id]]
            if reasons:
                out.append(Proposal(0, KIND_STAFFING, f"{dept.short_name or dept.name}{u.name}", (dept.id,),
                                    f"「{u.name}」{'；'.join(reasons)}，建议在编制评估中核实其职责和人员配置", ev))
    return out


def _units_run(repo, ledgers) -> set:
    """Units of a department that the ledgers show as run: a duty entry, or an item entry with a case."""
    powers = repo.powers
    out = set()
    for ledger in ledgers:
        for e in ledger.entries:
            if e.duty and e.handled > 0:
                out.add(e.duty[0])
            elif e.power and e.handled > 0 and e.power in powers:
                out.add(powers[e.power].unit)
            elif e.unit and e.handled > 0:
                out.add(e.unit)
    return out


# ---- evaluation: idle items ------------------------------------------------------------------
def _idle_item_proposals(repo, cards) -> list[Proposal]:
    out = []
    powers = repo.powers
    for card in cards:
        for leaf in card.leaves:
            if leaf.metric != "idle_powers":
                continue
            for ev in leaf.evidence:
                item = powers.get(ev.item) if ev.item else None
                if item is None:
                    continue
                cite = [Cited("履职评估", f"{card.department} {card.period} {leaf.code}", leaf.name, ev.file or ""),
                        Cited("权力事项", item.code, ev.note, _where(repo, item.source))]
                out.append(Proposal(0, KIND_ITEM, f"{item.code} {item.full_name}", (item.department,),
                                    "事项本期未运行且未说明原因，建议评估保留、下放或取消的必要性", cite))
    return out


# ---- 行政复议: acts overturned → the processes behind them ---------------------------------------
def _raw_result(repo, source) -> str:
    doc = repo.documents.get(source.file)
    node = doc.data if doc is not None else None
    try:
        for part in source.path:
            node = node[part]
    except (KeyError, IndexError, TypeError):
        return ""
    return str(node.get("result") or "") if isinstance(node, dict) else ""


def _review_proposals(repo, period, threshold) -> list[Proposal]:
    """A department whose acts 行政复议 overturned ``threshold`` times or more in the period: check the work
    processes (and their 时限 and 要件) of the matters concerned."""
    by_dept: dict = defaultdict(list)
    for p in views(repo).problems:
        if p.origin != "行政复议" or not in_period(p.date, period):
            continue
        said = " ".join((*p.tags, p.status or "", _raw_result(repo, p.source)))
        if any(word in said for word in OVERTURNED):
            for d in p.departments:
                by_dept[d].append(p)
    out = []
    for dept, problems in sorted(by_dept.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(problems) < threshold:
            continue
        ev = [Cited("行政复议", p.id, p.matter or _short(p.content), _where(repo, p.source)) for p in problems]
        keys = {(p.matter or "")[:4] for p in problems if p.matter and len(p.matter) >= 2}
        ev += [Cited("工作流程", proc.id, proc.name, _where(repo, proc.source)) for proc in repo.processes_of(dept)
               if any(k in proc.name for k in keys)][:5]
        out.append(Proposal(0, KIND_REVIEW, repo.department_name(dept), (dept,),
                            f"本期 {len(problems)} 件行政复议决定撤销、变更或确认违法，建议核查相关工作流程的时限、要件和执法责任",
                            ev))
    return out


def _short(text, n: int = 30) -> str:
    text = " ".join(str(text or "").split())
    return text[:n] + ("…" if len(text) > n else "")


# ---- rendering -------------------------------------------------------------------------------
def _cell(text) -> str:
    """A list string in the Markdown paper: one line, literal (the review comment's ``md_text``:
    Markdown syntax and HTML characters escaped, mentions and references broken)."""
    from ..checking.reporters import md_text
    return md_text(" ".join(str(text if text is not None else "").split()))


def render_markdown(proposals: list[Proposal], repo, period) -> str:
    lines = [f"# {_cell(repo.config.city)}职能运行监管结果运用：调整建议清单（{_cell(period)}）", "",
             f"共 {len(proposals)} 条建议。每条建议列出所依据的记录及其在清单仓库中的位置。", ""]
    counts = defaultdict(int)
    for p in proposals:
        counts[p.kind] += 1
    lines += ["| 类型 | 条数 |", "|---|---|"] + [f"| {k} | {counts[k]} |" for k in KINDS if counts[k]] + [""]
    for kind in KINDS:
        group = [p for p in proposals if p.kind == kind]
        if not group:
            continue
        lines += [f"## {kind}", ""]
        for p in group:
            depts = "、".join(_cell(repo.department_name(d)) for d in p.departments) or "—"
            lines += [f"### {p.no}. {_cell(p.subject)}", "", f"- 涉及部门：{depts}", f"- 建议：{_cell(p.proposal)}",
                      "- 依据："] + [f"    - {_cell(e.label())}" for e in p.evidence] + [""]
    return "\n".join(lines)


def worklist_tables(proposals: list[Proposal], repo) -> list:
    header = ["序号", "类型", "对象", "涉及部门", "调整建议", "依据", "依据位置"]
    rows = []
    for p in proposals:
        rows.append([p.no, p.kind, p.subject, "、".join(repo.department_name(d) for d in p.departments), p.proposal,
                     "\n".join(f"{e.type} {e.ref}：{e.note}" for e in p.evidence),
                     "\n".join(e.location for e in p.evidence)])
    return [("调整建议", f"{repo.config.city}职能运行监管结果运用调整建议清单", header, rows)]


ASSESSMENT_HEADER = ["序号", "部门标识", "部门名称", "考核期间", "指标体系", "评估得分", "满分", "得分率（%）",
                     "共性指标得分", "个性指标得分", "扣分指标", "推诿/多头问题（件）", "督导发现问题（项）",
                     "未整改到位（项）", "调整建议（条）", "评估状态"]


def assessment_rows(repo, period, cards, proposals) -> list[list]:
    """The 综合考核 layout: one row per department (evaluated ones by score, then the rest by id)."""
    period = period_text(period)
    v = views(repo)
    buck = defaultdict(int)
    for p in v.problems:
        if p.buck_passing and in_period(p.date, period):
            for d in p.departments:
                buck[d] += 1
    found, still_open = defaultdict(int), defaultdict(int)
    for s in v.supervisions:
        for f in s.findings:
            if in_period(s.opened, period) or in_period(f.due, period):
                found[f.department] += 1
                if not f.closed:
                    still_open[f.department] += 1
    proposed = defaultdict(int)
    for p in proposals:
        for d in p.departments:
            proposed[d] += 1
    rows, seen = [], set()
    for card in cards:
        seen.add(card.department)
        lost = [f"{l.code} {l.name} −{l.lost:g}" for l in card.leaves if l.lost > 0]
        rate = round(card.total / card.max_total * 100, 1) if card.max_total else None
        rows.append([card.department, card.department_name, period, card.system, card.total, card.max_total, rate,
                     card.core, card.individual, "\n".join(lost), buck[card.department], found[card.department],
                     still_open[card.department], proposed[card.department], card.stage or "已评估"])
    for dept in sorted(repo.departments):
        if dept not in seen:
            rows.append([dept, repo.department_name(dept), period, None, None, None, None, None, None, "",
                         buck[dept], found[dept], still_open[dept], proposed[dept], "未评估"])
    return [[i, *r] for i, r in enumerate(rows, 1)]


def assessment_tables(repo, period, cards, proposals) -> list:
    return [("综合考核", f"{repo.config.city}部门职能运行监管综合考核结果（{period_text(period)}）", ASSESSMENT_HEADER,
             assessment_rows(repo, period, cards, proposals))]


def evaluated(repo, period) -> list:
    """The period's scorecards, or none when the repository has no evaluation record for it."""
    from .evaluation import scorecards
    v = views(repo)
    if not any(e.period == period_text(period) for e in v.evaluations):
        return []
    return scorecards(repo, period)
