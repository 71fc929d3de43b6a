"""The pages of the work processes (流程再造) and the 审管协同 pairs.

``processes/`` lists the departments that keep work processes and every 审管协同 pair; ``processes/<dept>``
draws each of a department's processes as its steps — the responsible unit and post, the 时限, the 要件
and, for a step another department handles, the boundary matter or 审管 pair it rests on — with the unit
duty it belongs to and the power items it carries out; ``processes/approval/<SG-…>`` is one 审管 pair:
the licence, the approving body, the supervising department and its 行政检查, what is pushed within what
time, how 审批监控 is done, and the process steps that hand work across.

Written as the supervision pages are (``site.supervision``): HTML built from ``markupsafe.Markup`` with
templates that are string literals of this module, every string from the lists escaped as an argument,
every link target built from ids and codes. Generated only when the repository has processes or pairs.
"""
from __future__ import annotations

from collections import defaultdict

from markupsafe import Markup, escape

from . import urls as U
from .markup import Generated
from .supervision import _Doc, _html, _join, _md_title, _meta, _relative

INDEX = "processes/index.md"
TITLE = "工作流程"


def department_uri(dept_id: str) -> str:
    return f"processes/{U._safe(dept_id)}.md"


def pair_uri(pair_id: str) -> str:
    return f"processes/approval/{U._safe(pair_id)}.md"


def process_nav(repo) -> dict | None:
    """The navigation entry of the process pages, or None when there are none."""
    if not (getattr(repo, "processes", None) or getattr(repo, "approval_pairs", None)):
        return None
    return {TITLE: INDEX}


class ProcessPages:
    """The process and 审管 pages of one site (``site``: the SitePages, for names and URL style)."""

    def __init__(self, site):
        self.site = site
        self.repo = site.repo
        self.du = site.directory_urls
        self.by_dept = defaultdict(list)
        for p in self.repo.processes:
            self.by_dept[p.department].append(p)
        seen, self.pairs = set(), []
        for sg in self.repo.approval_pairs:
            if sg.id not in seen:
                seen.add(sg.id)
                self.pairs.append(sg)
        self.pair_ids = {sg.id for sg in self.pairs}
        self.steps_by_pair = defaultdict(list)
        for p in self.repo.processes:
            for s in p.steps:
                if s.handoff in self.pair_ids:
                    self.steps_by_pair[s.handoff].append((p, s))

    def __bool__(self) -> bool:
        return bool(self.by_dept or self.pairs)

    def generate(self):
        if not self:
            return
        yield Generated(INDEX, f"# {_md_title(TITLE)}\n", True, render=self.index_page)
        for dept in sorted(self.by_dept):
            yield Generated(department_uri(dept), f"# {_md_title(self.site.dname(dept) + '工作流程')}\n",
                            render=(lambda dept=dept: self.department_page(dept)))
        for sg in self.pairs:
            yield Generated(pair_uri(sg.id), f"# {_md_title(self.pair_title(sg))}\n",
                            render=(lambda sg=sg: self.pair_page(sg)))

    # ---- links ---------------------------------------------------------------------------------
    def _a(self, here, to, text, anchor="") -> Markup:
        return _html('<a href="{}">{}</a>', _relative(here, to, self.du) + (f"#{anchor}" if anchor else ""), text)

    def dept(self, here, dept_id) -> Markup:
        if dept_id in self.repo.departments:
            return self._a(here, U.department(dept_id), self.site.dname(dept_id))
        return _html("{}（未登记部门）", dept_id)

    def item(self, here, code) -> Markup:
        it = self.site.powers.get(code)
        if it is None:
            return _html("{}（未找到该事项）", code)
        label = _html("{}（{}）", it.full_name, code)
        if self.site.item_pages:
            return self._a(here, U.item(code), label)
        return self._a(here, U.department(it.department), label, U.anchor(code))

    def basis(self, here, ref) -> Markup:
        """A hand-off's basis: the boundary matter's page or the 审管 pair's page."""
        if ref in self.pair_ids:
            return self._a(here, pair_uri(ref), _html("审管协同 {}", ref))
        matter = self.repo.boundary(ref)
        if matter is not None and ref.startswith("BJ-"):
            return self._a(here, U.boundary(ref), _html("职责边界事项「{}」", matter.name))
        return _html("{}（未登记）", ref)

    def pair_title(self, sg) -> str:
        return f"审管协同：{sg.name or sg.item}"

    # ---- pages ---------------------------------------------------------------------------------
    def index_page(self):
        here = INDEX
        doc = _Doc(TITLE)
        total = sum(len(v) for v in self.by_dept.values())
        doc.p(_html("流程再造：部门把职责任务清单的每项处室职责细化为工作流程，写明责任处室和岗位、时限、要件和跨部门衔接。"
                    "共 {} 个部门的 {} 个工作流程。", len(self.by_dept), total))
        rows = []
        for dept in sorted(self.by_dept, key=lambda d: (self.repo.departments[d].code if d in self.repo.departments
                                                         else d, d)):
            procs = self.by_dept[dept]
            rows.append([self._a(here, department_uri(dept), self.site.dname(dept)), len(procs),
                         len({p.duty_key for p in procs}), sum(len(p.steps) for p in procs),
                         sum(1 for p in procs if any(s.cross for s in p.steps))])
        doc.heading(2, "各部门工作流程", "departments")
        doc.table(["部门", "流程数", "覆盖处室职责", "步骤数", "含跨部门衔接的流程"], rows, numeric={1, 2, 3, 4})
        doc.heading(2, "审管协同", "approval")
        doc.p("相对集中行政许可事项由审批部门审批、行业主管部门监管：审批结果按时推送，监管结果反馈审批部门。")
        doc.table(["编号", "许可事项", "审批部门", "监管部门", "推送时限"],
                  [[self._a(here, pair_uri(sg.id), sg.id), self.item(here, sg.item), self.dept(here, sg.approving),
                    self.dept(here, sg.supervising), _limit(sg.push_days, sg.push_day_type)] for sg in self.pairs])
        if not self.pairs:
            doc.p("（暂无审管协同记录）")
        return doc.page()

    def department_page(self, dept):
        here = department_uri(dept)
        doc = _Doc(self.site.dname(dept) + "工作流程")
        procs = self.by_dept[dept]
        duties = {d.key: d for d in self.repo.unit_duties_of(dept)}
        doc.p(_html("{} 共 {} 个工作流程，按所属处室排列。", self.dept(here, dept), len(procs)))
        for p in sorted(procs, key=lambda p: (p.duty_unit, p.duty_no, p.id)):
            doc.heading(2, _html("{} {}", p.id, p.name), U.anchor(p.id))
            duty = duties.get(p.duty_key)
            doc.add(_meta([
                ("所属处室职责", _html("{} 第 {} 项：{}", p.duty_unit, p.duty_no, duty.content) if duty
                 else _html("{} 第 {} 项（职责任务清单中没有这项职责）", p.duty_unit, p.duty_no)),
                ("承接的权力事项", _join("<br>", (self.item(here, c) for c in p.items)) if p.items else None),
                ("时限合计", _html("{} 个{}", p.total_days, p.day_type)),
                ("备注", p.remark)]))
            doc.add(self.steps(here, p))
        return doc.page()

    def steps(self, here, p) -> Markup:
        """The process drawn as its steps, in order."""
        items = []
        for s in p.steps:
            who = _html("{}{}", s.unit, _html("（{}）", s.post) if s.post else "")
            if s.cross:
                who = _html("{} {}", self.dept(here, s.department), who)
            parts = [_html('<span class="pk-step-no">{}</span> <strong>{}</strong>', s.no, s.name),
                     _html("<br>责任：{}；时限：{}", who, _limit(s.days, p.day_type))]
            if s.materials:
                parts.append(_html("<br>要件：{}", _join("、", (escape(m) for m in s.materials))))
            if s.standard:
                parts.append(_html("<br>标准：{}", s.standard))
            if s.cross or s.handoff:
                parts.append(_html("<br>跨部门衔接：{}", self.basis(here, s.handoff) if s.handoff else "（未写明依据）"))
            items.append(_html('<li class="pk-step{}">{}</li>', " pk-step-cross" if s.cross else "", _join("", parts)))
        return _html('<ol class="pk-steps">{}</ol>', _join("", items))

    def pair_page(self, sg):
        here = pair_uri(sg.id)
        doc = _Doc(self.pair_title(sg))
        doc.add(_meta([("编号", sg.id), ("许可事项", self.item(here, sg.item)), ("审批部门", self.dept(here, sg.approving)),
                       ("监管部门", self.dept(here, sg.supervising)),
                       ("对应的行政检查", self.item(here, sg.inspection)),
                       ("推送内容", _join("、", (escape(c) for c in sg.push_content)) if sg.push_content else None),
                       ("推送时限", _limit(sg.push_days, sg.push_day_type)), ("推送渠道", sg.push_channel),
                       ("审批监控", sg.monitoring), ("监管结果反馈", sg.feedback)]))
        doc.heading(2, "依据本记录衔接的流程步骤", "steps")
        rows = [[self._a(here, department_uri(p.department), p.id, U.anchor(p.id)), p.name, s.no, s.name,
                 self.dept(here, s.department)] for p, s in self.steps_by_pair.get(sg.id, ())]
        if rows:
            doc.table(["流程", "流程名称", "步骤", "步骤名称", "承办部门"], rows, numeric={2})
        else:
            doc.p("（暂无流程步骤引用本记录）")
        return doc.page()


def _limit(days, day_type) -> str:
    if days is None:
        return "（未写明）"
    return f"{days} 个{day_type or '工作日'}"
