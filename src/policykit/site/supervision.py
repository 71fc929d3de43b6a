"""The supervision system's pages: 两个台账、问题征集与调处、履职评估、议事协调机构、市县事权划分.

What is published: the records as the publishing policy lets the site show them
(``policykit.site.publishing``: no 12345 order numbers, no names, phone numbers or addresses below street
level). ``SitePages`` hands this module the public copy of the repository; ``SupervisionPages`` asks
for it again (``public_site_data`` returns a public copy unchanged), so these pages never see the raw
records. Everything is read through ``policykit.lists.records.views`` of that copy and the
library's own reports: ``problems_report``, ``scorecards`` / ``render_svg`` and ``bodies_figures``.

How it is written: every page is HTML built from ``markupsafe.Markup``. ``_html(template, *args)``
takes a template written in this file (a string literal: tests/test_security_publishing.py checks
that no call passes anything else) and escapes every argument that is not already Markup, so a string
from the lists can only ever be text: ``<script>``, ``[x](javascript:…)`` and ``{{7*7}}`` show as
written. Link targets are built here from ids and codes (``urls.href``), never taken from list text.
The only HTML not built this way is the charts' SVG (``_chart``: charts.py and ``render_svg`` escape
every label). Material's search indexes the rendered HTML of these pages, so the index holds the same
escaped text. The pages speak to citizens and staff: no commands, file paths or program messages.

Pages (see urls.py): ``supervision/`` overview, ``supervision/ledgers/`` and one page per performance
ledger, ``supervision/inspections/`` (督导评估台账, one section per supervision), ``supervision/problems/``,
``supervision/disputes/``, ``supervision/evaluation/`` (indicator system, results per period) and one
scorecard page per department and period, ``supervision/bodies/``, ``supervision/divisions/``.
Generated only when the repository has supervision records.
"""
from __future__ import annotations

import posixpath
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape as _escape_text
from urllib.parse import quote

from markupsafe import Markup, escape

from . import charts
from .markup import iso_day
from . import urls as U

NAV_PAGES = [("概览", U.SUPERVISION), ("履职台账", U.LEDGERS), ("督导评估台账", U.INSPECTIONS), ("问题征集", U.PROBLEMS),
             ("问题调处", U.DISPUTES), ("履职评估", U.EVALUATION), ("议事协调机构", U.BODIES), ("市县事权划分", U.DIVISIONS)]
PROBLEM_ROWS_PER_BATCH = 3000
DASH = "—"


# ---- HTML by construction ------------------------------------------------------------------------
def _html(template: str, *args, **kwargs) -> Markup:
    """HTML from a template literal of this module: every argument is escaped unless it is Markup."""
    return Markup(template).format(*args, **kwargs)


def _join(separator: str, parts) -> Markup:
    """``parts`` joined by a literal separator (plain strings among them are escaped)."""
    return Markup(separator).join(parts)


def _text(value) -> Markup:
    """A string from the lists as text; its line breaks kept."""
    if value is None:
        return Markup("")
    return _join("<br>", str(value).replace("\r", "").split("\n"))


def _cell(value) -> Markup:
    if value is None or value == "":
        return _html("—")
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return _text(value)
    return escape(value)


def _chart(svg: str) -> Markup:
    """SVG drawn by charts.py or evaluation.render_svg, which escape every label they write."""
    return Markup(svg)


def _table(header, rows, numeric=()) -> Markup:
    """A table; cells are escaped unless Markup; ``numeric`` columns are right-aligned."""
    right = _html(' style="text-align: right"')
    head = _join("", (_html("<th{}>{}</th>", right if i in numeric else "", h) for i, h in enumerate(header)))
    body = _join("", (_html("<tr>{}</tr>", _join("", (_html("<td{}>{}</td>", right if i in numeric else "", _cell(c))
                                                      for i, c in enumerate(row)))) for row in rows))
    return _html('<div class="md-typeset__scrollwrap"><div class="md-typeset__table"><table>'
                 "<thead><tr>{}</tr></thead><tbody>{}</tbody></table></div></div>", head, body)


def _meta(pairs) -> Markup:
    return _table(["项目", "内容"], [(k, v) for k, v in pairs if v not in (None, "", DASH)])


def _md_title(text: str) -> str:
    """A page title as the Markdown mkdocs reads it (for the navigation and <title>): as text."""
    s = _escape_text(" ".join(str(text).split()), quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>])", r"\\\1", s)


@dataclass
class SupervisionPage:
    """One page (what the plugin renders for a generated page: see plugin.on_page_content)."""

    title: str
    body: Markup
    toc: list
    sections: list = field(default_factory=list)   # empty: Material's search indexes the rendered HTML
    boost: float | None = None

    @property
    def html(self) -> Markup:
        return _html('<h1 id="pk-title">{}</h1>\n{}', self.title, self.body)


class _Doc:
    """A page body under construction: Markup parts and the table of contents of its headings."""

    def __init__(self, title: str):
        self.title = title
        self.parts: list[Markup] = []
        self.toc: list = []
        self._stack: list = []

    def heading(self, level: int, text, anchor: str) -> None:
        self.parts.append(_html('<h{0} id="{1}">{2}<a class="headerlink" href="#{1}" title="永久链接">&para;</a></h{0}>',
                                int(level), anchor, text))
        token = {"level": level, "id": anchor, "name": str(escape(text)), "children": []}
        while self._stack and self._stack[-1]["level"] >= level:
            self._stack.pop()
        (self._stack[-1]["children"] if self._stack else self.toc).append(token)
        self._stack.append(token)

    def p(self, content) -> None:
        self.parts.append(_html("<p>{}</p>", content))

    def add(self, markup: Markup) -> None:
        if not isinstance(markup, Markup):
            raise TypeError("only Markup is added to a page")
        self.parts.append(markup)

    def table(self, header, rows, numeric=()) -> None:
        self.parts.append(_table(header, rows, numeric))

    def chart(self, svg: str) -> None:
        self.parts.append(_html('<div class="pk-chart-box">{}</div>', _chart(svg)))

    def page(self) -> SupervisionPage:
        return SupervisionPage(self.title, _join("\n", self.parts), self.toc)


# ---- which repositories have the pages --------------------------------------------------------------
def supervision_views(repo):
    """The supervision views of ``repo`` as published, or None when it has no supervision records (or they
    do not load)."""
    try:
        from .publishing import public_site_data
        from ..lists.records import views
        v = views(public_site_data(repo)[0])
    except Exception:  # noqa: BLE001 — records that do not load are reported by `policykit check`
        return None
    if not any((v.ledgers, v.supervisions, v.problems, v.disputes, v.bodies, v.divisions, v.systems, v.evaluations)):
        return None
    return v


def supervision_nav(repo) -> list | None:
    """The navigation entry of the supervision pages (an mkdocs nav section), or None."""
    try:
        from ..lists.records import views
        v = views(repo)
    except Exception:  # noqa: BLE001 — records that do not load are reported by `policykit check`
        return None
    if not any((v.ledgers, v.supervisions, v.problems, v.disputes, v.bodies, v.divisions, v.systems, v.evaluations)):
        return None
    return [U.SUPERVISION] + [{title: uri} for title, uri in NAV_PAGES[1:]]


def _pct(part, whole) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else DASH


def _n(x) -> str:
    if isinstance(x, float):
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return str(x)


class SupervisionPages:
    """The supervision pages of one site (``site`` is the SitePages: names, the legal date, URL style)."""

    def __init__(self, site):
        from .publishing import public_site_data
        self.site = site
        self.repo = public_site_data(site.repo)[0]
        self.today = site.legal_date
        self.du = site.directory_urls
        self.v = supervision_views(self.repo)
        if self.v is None:
            return
        v = self.v
        self.raw = {}
        for kind, recs in (getattr(self.repo, "records", {}) or {}).items():
            for file, data in recs:
                if isinstance(data, dict):
                    self.raw[(kind, file)] = data
        self.ledgers = _unique(v.ledgers)
        self.ledger_ids = {l.id for l in self.ledgers}
        self.supervisions = sorted(_unique(v.supervisions), key=lambda s: s.id)
        self.supervision_ids = {s.id for s in self.supervisions}
        self.problem_ids = {p.id for p in v.problems}
        self.body_ids = {b.id for b in v.bodies}
        self.dispute_ids = {d.id for d in v.disputes}
        # the two-ledger correspondence: performance entry key -> supervisions that target it
        self.supervised = defaultdict(list)
        for s in self.supervisions:
            for t in s.targets:
                if t.entry_key and s not in self.supervised[t.entry_key]:
                    self.supervised[t.entry_key].append(s)
        self.ledgers_by_dept = defaultdict(list)
        for l in self.ledgers:
            self.ledgers_by_dept[l.department].append(l)
        self.supervisions_by_dept = defaultdict(list)
        for s in self.supervisions:
            self.supervisions_by_dept[s.department].append(s)
        self._cards = None
        self.divisions_by_item = defaultdict(list)
        for d in v.divisions:
            for it in d.items:
                self.divisions_by_item[it.item].append(it)
        self.entries_by_power = defaultdict(list)
        for l in self.ledgers:
            for e in l.entries:
                if e.power:
                    self.entries_by_power[e.power].append(e)

    def __bool__(self) -> bool:
        return self.v is not None

    # ---- scorecards (computed once) --------------------------------------------------------
    def cards(self) -> dict:
        """``{period: [Scorecard]}`` of every evaluation period (the library's ``scorecards``)."""
        if self._cards is None:
            from ..supervision.evaluation import scorecards
            out = {}
            for period in sorted({e.period for e in self.v.evaluations}):
                try:
                    out[period] = scorecards(self.repo, period, today=self.today)
                except Exception as exc:  # noqa: BLE001 — an evaluation that cannot be scored is shown as such
                    out[period] = exc
            self._cards = out
        return self._cards

    # ---- links (targets built here from ids and codes) --------------------------------------------
    def _href(self, here, to, anchor="") -> str:
        return _relative(here, to, self.du) + (f"#{anchor}" if anchor else "")

    def _a(self, here, to, text, anchor="") -> Markup:
        return _html('<a href="{}">{}</a>', self._href(here, to, anchor), text)

    def dept(self, here, dept_id) -> Markup:
        if dept_id in self.repo.departments:
            return self._a(here, U.department(dept_id), self.site.dname(dept_id))
        return _html("{}（未登记部门）", dept_id)

    def item(self, here, code, text=None) -> Markup:
        it = self.site.powers.get(code)
        label = text if text is not None else (it.full_name if it else code)
        if it is None:
            return _html("{}（未找到该事项）", label)
        if self.site.item_pages:
            return self._a(here, U.item(code), label)
        if it.department in self.repo.departments:
            return self._a(here, U.department(it.department), label, U.anchor(it.code))
        return escape(label)

    def ledger_link(self, here, ledger_id, text=None, power=None, duty=None) -> Markup:
        if ledger_id not in self.ledger_ids:
            return _html("{}（未登记的台账）", text or ledger_id)
        anchor = _entry_anchor(power, duty) if (power or duty) else ""
        return self._a(here, U.ledger(ledger_id), text or ledger_id, anchor)

    def supervision_link(self, here, sid) -> Markup:
        if sid not in self.supervision_ids:
            return escape(sid)
        return self._a(here, U.INSPECTIONS, sid, U.anchor(sid))

    def problem_link(self, here, pid) -> Markup:
        if pid not in self.problem_ids:
            return _html("{}（未登记）", pid)
        return self._a(here, U.PROBLEMS, pid, U.anchor(pid))

    def dispute_link(self, here, did) -> Markup:
        if did not in self.dispute_ids:
            return escape(did)
        return self._a(here, U.DISPUTES, did, U.anchor(did))

    def body_link(self, here, bid, text=None) -> Markup:
        if bid not in self.body_ids:
            return escape(text or bid)
        return self._a(here, U.BODIES, text or bid, U.anchor(bid))

    def boundary_link(self, here, bid) -> Markup:
        b = self.repo.boundary(bid) if bid else None
        if b is None:
            return _html("{}（清单中没有该事项）", bid) if bid else _html("—")
        return _html("{} {}", b.id, self._a(here, U.boundary(b.id), b.name))

    def target_text(self, here, power, duty, name=None) -> Markup:
        if power:
            if power in self.site.powers:
                return self.item(here, power, name)
            return _html("{}（{}，清单中没有该事项）", name or power, power)
        if duty:
            return _html("处室职责：{} 第 {} 条", duty[0], duty[1])
        return _html("—")

    def evidence_text(self, here, e) -> Markup:
        """One piece of scorecard evidence, linked to the record it rests on."""
        ref = e.ref
        if e.type == "履职台账" and ref in self.ledger_ids:
            ref_html = self.ledger_link(here, ref, power=e.item)
        elif e.type == "督导评估台账" and ref in self.supervision_ids:
            ref_html = self.supervision_link(here, ref)
        elif e.type == "问题" and ref in self.problem_ids:
            ref_html = self.problem_link(here, ref)
        elif e.type == "议事协调机构" and ref in self.body_ids:
            ref_html = self.body_link(here, ref)
        else:
            ref_html = escape(ref)
        item = _html("（{}）", self.item(here, e.item)) if e.item else ""
        note = _html("：{}", _text(e.note)) if e.note else ""
        return _html("{} {}{}{}", e.type, ref_html, item, note)

    # ---- department and item pages -------------------------------------------------------------
    def department_links(self, here, dept_id) -> list[Markup]:
        """HTML sentences for a department page: its ledgers, supervisions and scorecards."""
        if not self:
            return []
        out = []
        ledgers = sorted(self.ledgers_by_dept.get(dept_id, ()), key=lambda l: l.period)
        if ledgers:
            out.append(_html("履职情况台账：{}", _join("、", (
                self._a(here, U.ledger(l.id), _html("{} 年度（{}）", l.period, l.id)) for l in ledgers))))
        sups = self.supervisions_by_dept.get(dept_id, ())
        if sups:
            out.append(_html("督导评估：{}", _join("、", (
                self._a(here, U.INSPECTIONS, _html("{} {}", s.id, s.title), U.anchor(s.id)) for s in sups))))
        cards = []
        for period, cs in self.cards().items():
            if isinstance(cs, Exception):
                continue
            for c in cs:
                if c.department == dept_id:
                    cards.append(self._a(here, U.scorecard(period, dept_id),
                                         _html("{} 年度记分卡（{} / {} 分）", period, _n(c.total), _n(c.max_total))))
        if cards:
            out.append(_html("履职评估：{}", _join("、", cards)))
        return out

    def item_related(self, here, code) -> list[Markup]:
        """HTML lines for an item page: its division and its ledger entries (with their supervisions)."""
        if not self:
            return []
        out = []
        for it in self.divisions_by_item.get(code, ()):
            out.append(_html("市县事权划分：{}（{}）",
                             self._a(here, U.DIVISIONS, _html("{} 第 {} 项", it.division, it.no), U.anchor(it.division)),
                             it.type or "未写明划分类型"))
        for e in self.entries_by_power.get(code, ()):
            sups = self.supervised.get(e.key, ())
            tail = _html("；督导 {}", _join("、", (self._a(here, U.INSPECTIONS, s.id, U.anchor(s.id)) for s in sups))) \
                if sups else ""
            out.append(_html("履职台账：{}（{}，办理 {} 件，按时办结 {} 件）{}",
                             self._a(here, U.ledger(e.ledger), e.ledger, _entry_anchor(e.power, e.duty)),
                             e.period, e.handled, e.on_time, tail))
        return out

    # ---- generation -------------------------------------------------------------------------
    def generate(self):
        from .markup import Generated
        if not self:
            return
        pages = [(U.SUPERVISION, "监督管理", self.overview, True), (U.LEDGERS, "部门履职情况台账", self.ledgers_index, True)]
        for l in self.ledgers:
            pages.append((U.ledger(l.id), self.ledger_title(l), lambda l=l: self.ledger_page(l), False))
        pages += [(U.INSPECTIONS, "督导评估工作台账", self.inspections_page, True),
                  (U.PROBLEMS, "问题征集", self.problems_page, True),
                  (U.DISPUTES, "职责争议调处", self.disputes_page, True),
                  (U.EVALUATION, "部门履职评估", self.evaluation_page, True)]
        for period, cs in self.cards().items():
            if isinstance(cs, Exception):
                continue
            for c in cs:
                pages.append((U.scorecard(period, c.department), self.scorecard_title(c),
                              lambda c=c: self.scorecard_page(c), False))
        pages += [(U.BODIES, "议事协调机构", self.bodies_page, True), (U.DIVISIONS, "市县事权划分", self.divisions_page, True)]
        for uri, title, render, in_nav in pages:
            yield Generated(uri, f"# {_md_title(title)}\n", in_nav, render=render)

    # ---- overview ---------------------------------------------------------------------------
    def figures(self) -> dict:
        v = self.v
        findings = [f for s in self.supervisions for f in s.findings]
        cards = [c for cs in self.cards().values() if not isinstance(cs, Exception) for c in cs]
        return {
            "ledgers": len(self.ledgers), "entries": sum(len(l.entries) for l in self.ledgers),
            "ledger_departments": len(self.ledgers_by_dept),
            "supervisions": len(self.supervisions), "findings": len(findings),
            "open_findings": sum(1 for f in findings if not f.closed),
            "overdue": sum(1 for f in findings if f.overdue(self.today)),
            "problems": len(v.problems), "buck_passing": sum(1 for p in v.problems if p.buck_passing),
            "disputes": len(v.disputes), "decided": sum(1 for d in v.disputes if d.decided),
            "scorecards": len(cards), "indicators": sum(1 for s in v.systems for _ in s.leaves()),
            "bodies": len(v.bodies), "active_bodies": sum(1 for b in v.bodies if b.active),
            "division_items": sum(len(d.items) for d in v.divisions),
        }

    def overview(self) -> SupervisionPage:
        here = U.SUPERVISION
        f = self.figures()
        doc = _Doc("监督管理")
        cards = [("履职台账", f["ledgers"], "份", U.LEDGERS), ("督导", f["supervisions"], "次", U.INSPECTIONS),
                 ("逾期未整改", f["overdue"], "个", U.INSPECTIONS), ("征集问题", f["problems"], "件", U.PROBLEMS),
                 ("职责争议", f["disputes"], "件", U.DISPUTES), ("评估记分卡", f["scorecards"], "份", U.EVALUATION),
                 ("议事协调机构", f["bodies"], "个", U.BODIES), ("事权划分事项", f["division_items"], "项", U.DIVISIONS)]
        doc.p(_html("清单之外的监管体系：两个台账（部门履职情况台账、督导评估工作台账）、问题征集与职责争议调处、部门履职评估、"
                    "议事协调机构管理和市县事权划分。以下内容与清单一样由登记的记录生成，日期按 {} 计算。", self.today.isoformat()))
        doc.add(_html('<div class="pk-figures">{}</div>', _join("", (
            _html('<a class="pk-figure" href="{}"><span class="pk-figure-label">{}</span>'
                  '<span class="pk-figure-value">{:,}<small class="pk-figure-unit">{}</small></span></a>',
                  self._href(here, to), label, value, unit) for label, value, unit, to in cards))))
        rows = [
            (self._a(here, U.LEDGERS, "部门履职情况台账"), f"{f['ledgers']} 份",
             f"{f['ledger_departments']} 个部门逐项记录权力事项和处室职责的运行情况，共 {f['entries']} 条记录"),
            (self._a(here, U.INSPECTIONS, "督导评估工作台账"), f"{f['supervisions']} 次",
             f"发现问题 {f['findings']} 个，未整改到位 {f['open_findings']} 个，其中逾期 {f['overdue']} 个；每次督导对应履职台账中的记录"),
            (self._a(here, U.PROBLEMS, "问题征集"), f"{f['problems']} 件", f"含 12345 热线工单；推诿或多头 {f['buck_passing']} 件"),
            (self._a(here, U.DISPUTES, "职责争议调处"), f"{f['disputes']} 件", f"已裁定 {f['decided']} 件，裁定落实为清单调整"),
            (self._a(here, U.EVALUATION, "部门履职评估"), f"{f['scorecards']} 份",
             f"指标体系三级指标 {f['indicators']} 项，记分卡附每项得分的依据"),
            (self._a(here, U.BODIES, "议事协调机构"), f"{f['bodies']} 个", f"现存续 {f['active_bodies']} 个"),
            (self._a(here, U.DIVISIONS, "市县事权划分"), f"{f['division_items']} 项", "划分类型、市县两级职责、委托和授权"),
        ]
        doc.heading(2, "各台账和记录", "records")
        doc.table(["内容", "数量", "说明"], rows, numeric={1})
        return doc.page()

    # ---- performance ledgers ----------------------------------------------------------------
    def ledgers_index(self) -> SupervisionPage:
        here = U.LEDGERS
        site = self.site
        doc = _Doc("部门履职情况台账")
        doc.p(f"共 {len(self.ledgers)} 份台账。每份台账按部门、按期间逐项记录权力事项（或处室职责）的办理量、按时办结量和佐证材料；"
              "督导评估工作台账中的每次督导都对应到这里的记录（两账对应）。")
        by_dept = Counter()
        rows = []
        for l in sorted(self.ledgers, key=lambda l: (l.period, site.dname(l.department), l.id)):
            handled = sum(e.handled for e in l.entries)
            on_time = sum(e.on_time for e in l.entries)
            idle = sum(1 for e in l.entries if e.handled == 0)
            sups = {s.id for e in l.entries for s in self.supervised.get(e.key, ())}
            by_dept[site.dname(l.department)] += handled
            rows.append([self.ledger_link(here, l.id), self.dept(here, l.department), l.period,
                         iso_day(l.compiled_on), len(l.entries), handled, on_time, _pct(on_time, handled), idle,
                         _join("、", (self.supervision_link(here, s) for s in sorted(sups)))])
        if by_dept:
            links = {site.dname(d): self._href(here, U.department(d)) for d in self.ledgers_by_dept if d in self.repo.departments}
            doc.chart(charts.bar_chart(by_dept.most_common(), title="各部门台账办理量", unit="件", links=links))
        doc.table(["台账", "部门", "期间", "填报日期", "记录", "办理量", "按时办结", "按时办结率", "未运行", "督导"], rows,
                  numeric={4, 5, 6, 7, 8})
        if not self.ledgers:
            doc.p("（暂无履职台账）")
        return doc.page()

    def ledger_title(self, l) -> str:
        return f"{self.site.dname(l.department)} {l.period} 履职情况台账"

    def ledger_page(self, l) -> SupervisionPage:
        here = U.ledger(l.id)
        raw = self.raw.get(("performance", l.source.file), {})
        handled = sum(e.handled for e in l.entries)
        on_time = sum(e.on_time for e in l.entries)
        doc = _Doc(self.ledger_title(l))
        doc.add(_meta([("台账编号", l.id), ("部门", self.dept(here, l.department)), ("期间", l.period),
                       ("填报单位", raw.get("compiled_by")), ("填报日期", iso_day(l.compiled_on)),
                       ("审核单位", raw.get("reviewed_by")), ("记录", f"{len(l.entries)} 条"),
                       ("办理量", f"{handled} 件，按时办结 {on_time} 件（{_pct(on_time, handled)}）")]))
        sups = sorted({s.id for e in l.entries for s in self.supervised.get(e.key, ())})
        if sups:
            doc.p(_html("督导评估工作台账中有 {} 次督导对应本台账的记录：{}。", len(sups),
                        _join("、", (self.supervision_link(here, s) for s in sups))))
        doc.heading(2, "逐项记录", "entries")
        rows = []
        for n, e in enumerate(l.entries, 1):
            anchor = _entry_anchor(e.power, e.duty)
            status = (_html("未运行：{}", e.idle_reason) if e.idle_reason
                      else _html("<strong>办理 0 件，未说明原因</strong>") if e.handled == 0 else None)
            rows.append([_html('<span id="{}"></span>{}', anchor, n) if anchor else n,
                         self.target_text(here, e.power, e.duty, e.name),
                         _join("、", (self.supervision_link(here, s.id) for s in self.supervised.get(e.key, ()))),
                         e.unit, f"{e.handled} {e.measure or ''}".strip(), e.on_time,
                         _pct(e.on_time, e.handled) if e.handled else DASH,
                         _join("<br>", ([status] if status else []) + [_text(x) for x in e.evidence])])
        doc.table(["序号", "事项或职责", "督导", "承办处室", "办理量", "按时办结", "按时率", "佐证与说明"], rows,
                  numeric={0, 4, 5, 6})
        return doc.page()

    # ---- supervisions -----------------------------------------------------------------------
    def inspections_page(self) -> SupervisionPage:
        here = U.INSPECTIONS
        sups = self.supervisions
        findings = [f for s in sups for f in s.findings]
        overdue = [f for f in findings if f.overdue(self.today)]
        doc = _Doc("督导评估工作台账")
        kinds = "、".join(f"{k} {v} 次" for k, v in Counter(s.type for s in sups).most_common())
        doc.p(_html("共督导 {} 次（{}），发现问题 {} 个，已整改或销号 {} 个；截至 {} <strong>逾期未整改 {} 个</strong>。"
                    "每次督导写明所对应的部门履职情况台账记录（两账对应），点击可查看该记录。",
                    len(sups), kinds, len(findings), sum(1 for f in findings if f.closed), self.today.isoformat(),
                    len(overdue)))
        sources = Counter(s.lead_source for s in sups)
        if sources:
            doc.chart(charts.bar_chart(sources.most_common(), title="督导线索来源", unit="次"))
        rows = []
        for s in sups:
            late = sum(1 for f in s.findings if f.overdue(self.today))
            rows.append([self._a(here, U.INSPECTIONS, s.id, U.anchor(s.id)), s.title, s.type, s.lead_source,
                         self.dept(here, s.department), iso_day(s.opened), s.status, len(s.findings),
                         _html("<strong>{}</strong>", late) if late else 0])
        doc.table(["编号", "督导事项", "类型", "线索来源", "被督导部门", "立项", "状态", "问题", "逾期"], rows, numeric={7, 8})
        for s in sups:
            self._supervision_section(doc, here, s)
        if not sups:
            doc.p("（暂无督导记录）")
        return doc.page()

    def _supervision_section(self, doc, here, s) -> None:
        doc.heading(2, f"{s.id} {s.title}", U.anchor(s.id))
        doc.add(_meta([("督导类型", s.type),
                       ("线索来源", _html("{}{}", s.lead_source, _html("（{}）", s.lead_ref) if s.lead_ref else "")),
                       ("线索问题", _join("、", (self.problem_link(here, p) for p in s.problems))),
                       ("组织单位", s.organizer), ("被督导部门", self.dept(here, s.department)),
                       ("立项日期", iso_day(s.opened)), ("状态", s.status), ("办结日期", iso_day(s.closed))]))
        if s.targets:
            items = []
            for t in s.targets:
                it = self.site.powers.get(t.power) if t.power else None
                items.append(_html("<li>{}：{}</li>", self.ledger_link(here, t.ledger, power=t.power, duty=t.duty),
                                   self.target_text(here, t.power, t.duty, it.full_name if it else None)))
            doc.p(_html("<strong>对应履职记录</strong>（两账对应）"))
            doc.add(_html("<ul>{}</ul>", _join("", items)))
        else:
            doc.p(_html("<strong>对应履职记录</strong>：（未写明）"))
        if s.findings:
            rows = []
            for f in s.findings:
                r = f.response or {}
                resp = []
                if r.get("date"):
                    resp.append(_html("{} 反馈", iso_day(r.get("date"))))
                for key, label in (("measures", "措施"), ("result", "结果")):
                    if r.get(key):
                        resp.append(_html("{}：{}", label, _text(r[key])))
                if r.get("evidence"):
                    resp.append(_html("佐证：{}", _join("、", (_text(x) for x in r["evidence"]))))
                status = _html("{}{}", f.status, _html("（{} 销号）", iso_day(f.closed_on)) if f.closed_on else "")
                if f.overdue(self.today):
                    status = _html('{} <span class="pk-overdue">逾期 {} 天</span>', status, (self.today - f.due).days)
                elif f.late(self.today) and f.response_date:
                    status = _html("{}（晚于期限 {} 天反馈）", status, (f.response_date - f.due).days)
                rows.append([f.no, _text(f.text), f.severity, self.dept(here, f.department), iso_day(f.due),
                             _join("<br>", resp) if resp else "（未反馈）", status])
            doc.p(_html("<strong>发现的问题与整改</strong>"))
            doc.table(["序号", "问题", "程度", "整改部门", "整改期限", "整改反馈", "状态"], rows, numeric={0})

    # ---- problems ---------------------------------------------------------------------------
    def problems_page(self) -> SupervisionPage:
        """The problems page: summary, trend, by matter, matters without a boundary, by department, every batch."""
        from ..supervision.report import problems_report
        here = U.PROBLEMS
        v = self.v
        quarter = problems_report(self.repo, "quarter")
        month = problems_report(self.repo, "month")
        doc = _Doc("问题征集")
        origins = "、".join(f"{k} {n} 件" for k, n in Counter(p.origin for p in v.problems).most_common())
        doc.p(f"共征集问题 {len(v.problems)} 件（{origins}），其中推诿或多头 {quarter['buck_passing']} 件"
              f"（{_pct(quarter['buck_passing'], quarter['total'])}）。")
        doc.p(self._privacy_note())
        self._problems_trend(doc, quarter, month)
        self._problems_by_matter(doc, here, quarter)
        self._problems_without_boundary(doc, here, quarter)
        if quarter["departments"]:
            doc.heading(2, "按部门", "departments")
            doc.table(["部门", "派单数", "推诿/多头", "占比"],
                      [(self.dept(here, d["department"]), d["total"], d["buck_passing"], _pct(d["buck_passing"], d["total"]))
                       for d in quarter["departments"]], numeric={1, 2, 3})
        self._problems_all(doc, here, v.problems)
        return doc.page()

    def _problems_trend(self, doc, quarter, month) -> None:
        """The trend section: buck-passing by quarter as a chart, by month as a table."""
        doc.heading(2, "推诿趋势", "trend")
        doc.chart(charts.stacked_bar_chart(
            [(r["period"], [r["buck_passing"], r["total"] - r["buck_passing"]]) for r in quarter["trend"]],
            ["推诿或多头", "其他问题"], title="按季度的问题数和推诿、多头问题"))
        doc.table(["月份", "问题数", "推诿/多头", "占比", "标签"],
                  [(r["period"], r["total"], r["buck_passing"], _pct(r["buck_passing"], r["total"]),
                    "、".join(f"{k} {n}" for k, n in r["tags"].items())) for r in month["trend"]], numeric={1, 2, 3})

    def _problems_by_matter(self, doc, here, quarter) -> None:
        """The by-matter section: each matter's counts per quarter with its boundary and disputes."""
        periods = [r["period"] for r in quarter["trend"]]
        doc.heading(2, "按事项", "matters")
        doc.p("问题按所属事项归集；事项与职责边界事项按名称对应（问题写明边界事项的以其为准）。")
        matters = quarter["matters"]
        bp = [(m["matter"], m["buck_passing"]) for m in matters if m["buck_passing"]]
        if bp:
            doc.chart(charts.bar_chart(bp, title="各事项的推诿、多头问题", unit="件"))
        rows = []
        for m in matters:
            b = self.boundary_link(here, m["boundary"]) if m["boundary"] else _html("<strong>尚无</strong>")
            by_p = m["buck_passing_by_period"]
            rows.append([m["matter"], m["total"], m["buck_passing"], *[by_p.get(p, 0) for p in periods], b,
                         _join("、", (self.dispute_link(here, d) for d in m["disputes"])), m["first"], m["last"]])
        doc.table(["事项", "问题数", "推诿/多头", *periods, "职责边界事项", "调处", "首次", "最近"], rows,
                  numeric={1, 2, *range(3, 3 + len(periods))})

    def _problems_without_boundary(self, doc, here, quarter) -> None:
        """The candidates section: matters with recurring buck-passing and no boundary matter yet."""
        doc.heading(2, "尚无职责边界事项的事项", "without-boundary")
        doc.p("这些事项反复出现推诿或多头问题，却还没有职责边界事项，是新增边界事项的候选。")
        if not quarter["without_boundary"]:
            doc.p("（无）")
            return
        doc.table(["事项", "问题数", "推诿/多头", "派单部门", "期间"],
                  [(r["matter"], r["total"], r["buck_passing"],
                    _join("、", (_html("{}（{}）", self.dept(here, d["department"]), d["count"]) for d in r["departments"])),
                    f"{r['first']} 至 {r['last']}") for r in quarter["without_boundary"]], numeric={1, 2})

    def _problems_all(self, doc, here, problems) -> None:
        """The all-problems section: one table per import batch, in the order the batches were read."""
        doc.heading(2, "全部问题", "all")
        by_batch = defaultdict(list)
        for p in problems:
            by_batch[p.batch].append(p)
        for batch, ps in by_batch.items():
            self._problems_batch(doc, here, batch, ps)
        if not problems:
            doc.p("（暂无问题记录）")

    def _problems_batch(self, doc, here, batch, ps) -> None:
        """One batch: its origin and import date, then its first rows by date (a batch can be very long)."""
        raw = self.raw.get(("problem", ps[0].source.file), {})
        shown = ps[:PROBLEM_ROWS_PER_BATCH]
        more = f"，列出前 {len(shown)} 件" if len(ps) > len(shown) else ""
        doc.heading(3, f"批次 {batch}（{len(ps)} 件{more}）", "batch-" + U.anchor(batch))
        origin = raw.get("source")
        if origin is not None or raw.get("imported_on"):
            doc.p("、".join(x for x in (f"来源：{origin}" if origin is not None else "",
                                       f"导入日期：{iso_day(raw['imported_on'])}" if raw.get("imported_on") else "") if x)
                  + "。")
        rows = [self._problem_row(here, p) for p in sorted(shown, key=lambda p: (p.date is None, p.date or 0, p.id))]
        doc.table(["编号", "日期", "来源", "内容", "区县", "派单部门", "标签", "事项", "边界事项", "调处", "状态"], rows)

    def _problem_row(self, here, p) -> list:
        """One problem's row; the 推诿 and 多头 tags are in bold."""
        b = self.boundary_link(here, p.boundary) if p.boundary else None
        tags = _join("、", (_html("<strong>{}</strong>", t) if t in ("推诿", "多头") else escape(t) for t in p.tags))
        return [_html('<span id="{}"></span>{}', U.anchor(p.id), p.id), iso_day(p.date), p.origin, _text(p.content),
                p.district, _join("、", (self.dept(here, d) for d in p.departments)), tags,
                p.matter, b, self.dispute_link(here, p.dispute) if p.dispute else None, p.status]

    def _privacy_note(self) -> str:
        """What the publishing policy hid, in one sentence for citizens."""
        from .publishing import ADDRESS_LEVELS, DETECTORS
        policy = getattr(self.repo, "publishing", None)
        if policy is None:
            return ""
        hidden = []
        if policy.hides_order_ids:
            hidden.append("工单编号（问题编号按受理日期重新编排）")
        hidden += [DETECTORS[k] for k in DETECTORS if k in policy.redact and k != "order_numbers"]
        if policy.addresses == "street":
            hidden.append("街道（镇）以下的详细地址")
        elif policy.addresses == "district":
            hidden.append("区县以下的地址")
        if not hidden:
            return f"问题内容按登记的原文公开（地址：{ADDRESS_LEVELS[policy.addresses]}）。"
        return "为保护来电群众的个人信息，公开时隐去了" + "、".join(hidden) + "，以［…已隐去］标出。"

    # ---- disputes ---------------------------------------------------------------------------
    def disputes_page(self) -> SupervisionPage:
        here = U.DISPUTES
        ds = sorted(self.v.disputes, key=lambda d: d.id)
        doc = _Doc("职责争议调处")
        states = "、".join(f"{k} {n} 件" for k, n in Counter(d.status for d in ds).most_common())
        doc.p(_html("共 {} 件职责争议（{}）。裁定的争议落实为清单调整：新增或修改职责边界事项、权力事项，调整经过见{}。",
                    len(ds), states, self._a(here, U.CHANGES, "调整记录")))
        doc.table(["编号", "事项", "提出", "争议部门", "状态", "落实为"],
                  [(self._a(here, U.DISPUTES, d.id, U.anchor(d.id)), d.matter, iso_day(d.raised),
                    _join("、", (self.dept(here, p.department) for p in d.parties)), d.status,
                    self._adjustment_target(here, d.adjustment) if d.adjustment else None) for d in ds])
        for d in ds:
            raw = self.raw.get(("dispute", d.source.file), {})
            doc.heading(2, f"{d.id} {d.matter}", U.anchor(d.id))
            doc.add(_meta([("事项", d.matter), ("提出日期", iso_day(d.raised)), ("提出单位", d.raised_by),
                           ("引发争议的问题", _join("、", (self.problem_link(here, p) for p in d.problems))),
                           ("调处单位", raw.get("mediator")), ("状态", d.status)]))
            doc.p(_html("<strong>争议各方及其主张</strong>"))
            doc.table(["部门", "主张"], [(self.dept(here, p.department), _text(p.position)) for p in d.parties])
            dec = d.decision or {}
            if dec:
                doc.p(_html("<strong>调处决定</strong>"))
                doc.add(_meta([("决定日期", iso_day(dec.get("date"))), ("决定机关", dec.get("by")),
                               ("文号", dec.get("document")), ("决定内容", _text(dec.get("content")) if dec.get("content") else ""),
                               ("牵头部门", self.dept(here, dec["lead"]) if dec.get("lead") else ""),
                               ("配合部门", _join("、", (self.dept(here, x) for x in dec.get("cooperating") or ())))]))
            adj = d.adjustment or {}
            if adj:
                doc.p(_html("<strong>落实调整</strong>"))
                meta = [("调整后的清单事项", self._adjustment_target(here, adj)), ("调整日期", iso_day(adj.get("date"))),
                        ("说明", adj.get("note"))]
                b = self.repo.boundary(adj["boundary"]) if adj.get("boundary") else None
                if b is not None:
                    meta.insert(1, ("清单中的牵头部门", self.dept(here, b.lead) if b.lead else "（未明确）"))
                doc.add(_meta(meta))
            elif d.status != "已裁定":
                doc.p(f"尚未裁定（{d.status}）。")
        if not ds:
            doc.p("（暂无职责争议）")
        return doc.page()

    def _adjustment_target(self, here, adj) -> Markup:
        if adj.get("boundary"):
            return _html("职责边界事项 {}", self.boundary_link(here, adj["boundary"]))
        if adj.get("power"):
            return _html("权力事项 {}", self.target_text(here, str(adj["power"]), None))
        return _html("—")

    # ---- evaluation -------------------------------------------------------------------------
    def evaluation_page(self) -> SupervisionPage:
        here = U.EVALUATION
        v = self.v
        doc = _Doc("部门履职评估")
        doc.p("按履职评估指标体系对部门逐项评分：能由台账计算的指标（事项运行、按时办结、推诿、议事协调机构运行、整改时效）"
              "由记录直接计算，其余指标按评估记录评分。每份记分卡列出每项得分所依据的记录。")
        for system in v.systems:
            self._system_section(doc, here, system)
        for period, cards in self.cards().items():
            doc.heading(2, f"{period} 年度评估结果", "period-" + U.anchor(period))
            if isinstance(cards, Exception):
                doc.p("本期记分卡暂不能生成：评估记录与指标体系尚不一致，待评估单位核对后公布。")
                continue
            links = {c.department_name: self._href(here, U.scorecard(period, c.department)) for c in cards}
            doc.chart(charts.bar_chart([(c.department_name, c.total) for c in cards], title=f"{period} 年度部门履职评估得分",
                                       unit="分", links=links))
            rows = []
            for i, c in enumerate(cards, 1):
                rows.append([i, self.dept(here, c.department), f"{_n(c.total)} / {_n(c.max_total)}",
                             f"{_n(c.core)} / {_n(c.core_max)}", f"{_n(c.individual)} / {_n(c.individual_max)}",
                             c.category, c.stage or "仅台账计算", len(c.unscored),
                             self._a(here, U.scorecard(period, c.department), "记分卡")])
            doc.table(["排名", "部门", "总分", "共性指标", "个性指标", "部门类别", "评估阶段", "未评", ""], rows,
                      numeric={0, 2, 3, 4, 7})
            basis = cards[0].computed_from if cards else {}
            if basis.get("lists_as_of"):   # each period is scored by its own lists (docs/time.md)
                rev = basis.get("lists_revision") or basis.get("head")
                doc.p(f"本期按 {basis['lists_as_of']} 生效的清单评分" + (f"（版本 {rev[:7]}）" if rev else "") + "。")
        if not v.evaluations:
            doc.p("（暂无评估记录）")
        return doc.page()

    def _system_section(self, doc, here, system) -> None:
        from ..supervision.evaluation import METRICS
        raw = self.raw.get(("indicator", system.source.file), {})
        doc.heading(2, f"指标体系：{system.name}", U.anchor(system.id))
        doc.add(_meta([("编号", system.id), ("来源", raw.get("source")),
                       ("适用机构类型", "、".join(str(x) for x in system.organization_types)),
                       ("共性指标满分", _n(system.core_points)), ("个性指标满分", _n(system.individual_points)),
                       ("计分方法", system.formula)]))
        if system.categories:
            doc.p(_html("<strong>部门类别</strong>（个性指标按类别适用）"))
            doc.table(["类别", "部门"], [(name, _join("、", (self.dept(here, d) for d in depts)))
                                       for name, depts in system.categories.items()])
        rows = []
        for top in system.indicators:
            applies = _html("（{}）", "、".join(str(x) for x in top.applies_to)) if top.applies_to else ""
            rows.append([_html("<strong>{} {}</strong>", top.code, top.name), "", "", f"{_n(top.weight)}%",
                         _html("{}{}", top.type, applies), "", ""])
            for mid in top.children:
                rows.append(["", f"{mid.code} {mid.name}", "", f"{_n(mid.weight)}%",
                             "、".join(str(x) for x in mid.own_applies), "", ""])
                for leaf in mid.children:
                    how = _text(leaf.method) if leaf.method else None
                    if leaf.computed:
                        metric = leaf.computed.get("metric")
                        computed = _html("<strong>由记录计算</strong>：{}", METRICS.get(metric, "按登记的计算方式"))
                        how = _html("{}<br>{}", computed, how) if how else computed
                    rows.append(["", "", f"{leaf.code} {leaf.name}", f"{_n(leaf.weight)}%",
                                 "、".join(str(x) for x in leaf.own_applies),
                                 _join("<br>", (_text(p) for p in leaf.points)), how])
        doc.p(_html("<strong>指标</strong>（一级、二级、三级指标及权重；共性指标适用于所有部门，个性指标按部门类别适用）"))
        doc.table(["一级指标", "二级指标", "三级指标", "权重", "类型/适用", "评估要点", "评估方式及标准"], rows, numeric={3})

    def scorecard_title(self, c) -> str:
        return f"{c.department_name} {c.period} 年度履职评估记分卡"

    def scorecard_page(self, c) -> SupervisionPage:
        from ..supervision.evaluation import render_svg
        here = U.scorecard(c.period, c.department)
        doc = _Doc(self.scorecard_title(c))
        doc.add(_meta([("部门", self.dept(here, c.department)), ("期间", c.period),
                       ("指标体系", self._a(here, U.EVALUATION, c.system_name, U.anchor(c.system))),
                       ("部门类别", c.category), ("评估记录", c.evaluation or "（无评估记录，仅由台账计算）"),
                       ("评估阶段", c.stage), ("评估单位", "、".join(str(x) for x in c.evaluators)),
                       ("评估日期", iso_day(c.date)),
                       ("总分", _html("<strong>{}</strong> / {}（共性 {} / {}，个性 {} / {}）", _n(c.total), _n(c.max_total),
                                      _n(c.core), _n(c.core_max), _n(c.individual), _n(c.individual_max))),
                       ("未评指标", f"{len(c.unscored)} 项" if c.unscored else "")]))
        ledgers = [l for l in self.ledgers_by_dept.get(c.department, ()) if l.period == c.period]
        if ledgers:
            doc.p(_html("本期履职台账：{}。", _join("、", (self.ledger_link(here, l.id) for l in ledgers))))
        doc.heading(2, "记分图", "chart")
        doc.add(_html('<div class="pk-scorecard">{}</div>', _chart(render_svg([c]).strip())))
        doc.heading(2, "各项得分及依据", "scores")
        for n, (label, pts, mx, leaves) in enumerate(c.level1(), 1):
            doc.heading(3, f"{label}：{_n(pts)} / {_n(mx)}", f"level-{n}")
            rows = []
            for l in leaves:
                score = DASH if l.score is None else _n(l.score)
                basis = ([_text(l.reason)] if l.reason else []) + [self.evidence_text(here, e) for e in l.evidence]
                source = _html("（{}）", l.source) if l.status == "计算" else ""
                rows.append([f"{l.code} {l.name}", l.group, score,
                             f"{_n(round(l.points, 2))} / {_n(round(l.max_points, 2))}",
                             _html("{}{}", l.status, source), _join("<br>", basis)])
            doc.table(["指标", "类型", "得分", "折算 / 满分", "来源", "依据"], rows, numeric={2, 3})
        if c.feedback:
            doc.heading(2, "问题反馈", "feedback")
            doc.add(_html("<ul>{}</ul>", _join("", (_html("<li>{}</li>", _text(x)) for x in c.feedback))))
        if c.rectification:
            doc.heading(2, "督促整改", "rectification")
            doc.add(_html("<ul>{}</ul>", _join("", (_html("<li>{}</li>", _text(x)) for x in c.rectification))))
        return doc.page()

    # ---- bodies -----------------------------------------------------------------------------
    def bodies_page(self) -> SupervisionPage:
        """The bodies page: the figures, the list of bodies, then one section per body."""
        from ..supervision.bodies import bodies_figures
        here = U.BODIES
        bodies = sorted(self.v.bodies, key=lambda b: b.id)
        fig = bodies_figures(self.repo, today=self.today)
        doc = _Doc("议事协调机构")
        self._bodies_figures(doc, here, fig)
        doc.heading(2, "机构一览", "list")
        doc.table(["编号", "名称", "类型", "状态", "牵头单位", "成员", "设立文件", "评估/到期", "运行记录"],
                  [(self._a(here, U.BODIES, b.id, U.anchor(b.id)), b.name, b.type, b.status, self.dept(here, b.host),
                    len(b.members), (b.established or {}).get("document"), iso_day(b.review_due or b.term_end), len(b.records))
                   for b in bodies], numeric={5, 8})
        for b in bodies:
            self._body_section(doc, here, b)
        if not bodies:
            doc.p("（暂无议事协调机构记录）")
        return doc.page()

    def _bodies_figures(self, doc, here, fig) -> None:
        """The top of the bodies page: the figures in words, two charts and the figures table."""
        from ..supervision.bodies import format_figures
        for line in format_figures(fig).strip().splitlines():
            doc.p(line)
        boxes = [_html('<div class="pk-chart-box">{}</div>', _chart(charts.donut_chart(
            [("存续", fig["active"]), ("撤销", fig["abolished"]), ("合并", fig["merged"])], title="议事协调机构状态", unit="个")))]
        if fig["cut_by_year"]:
            boxes.append(_html('<div class="pk-chart-box">{}</div>', _chart(charts.bar_chart(
                [(f"{y} 年", n) for y, n in fig["cut_by_year"].items()], title="各年精简的机构", unit="个"))))
        doc.add(_html('<div class="pk-chart-row">{}</div>', _join("", boxes)))
        doc.table(["指标", "数值"], [
            ("登记机构", f"{fig['registered']} 个"), ("现存续", f"{fig['active']} 个"),
            ("精简（撤销、合并）", f"{fig['cut']} 个（撤销 {fig['abolished']} 个、合并 {fig['merged']} 个）"),
            ("精简比例", f"{fig['cut_share'] * 100:.1f}%（占 {fig['base']} 个）"),
            ("存续机构按类型", "、".join(f"{k} {v} 个" for k, v in fig["active_by_kind"].items())),
            ("超过存续期限的临时机构", _join("、", (self.body_link(here, b) for b in fig["temporary_past_term"]))
             if fig["temporary_past_term"] else "无")])

    def _body_meta(self, here, b) -> list:
        """A body's key facts: identity, host, founding document, rules, term, and its end if abolished or merged."""
        est = b.established or {}
        meta = [("编号", b.id), ("类型", b.type), ("状态", b.status), ("牵头单位", self.dept(here, b.host)),
                ("办公室", b.office), ("负责人", b.leader),
                ("设立文件", " ".join(str(x) for x in (est.get("document"), est.get("title")) if x)
                 + (f"（{iso_day(est.get('date'))}）" if est.get("date") else "")),
                ("工作规则", _doc(b.work_rules) or _html("<strong>（未制定）</strong>")),
                ("办公室工作规则", _doc(b.office_rules) or "（未制定）"),
                ("存续期限", iso_day(b.term_end)), ("评估日期", iso_day(b.review_due))]
        if b.abolished:
            ab = b.abolished
            into = ab.get("merged_into")
            parts = [x for x in (iso_day(ab.get("date")), ab.get("document") or "") if x]
            if into:
                parts.append(_html("并入 {}", self.body_link(here, into)))
            meta.append(("撤销/合并", _join(" ", parts)))
        return meta

    def _body_section(self, doc, here, b) -> None:
        """One body: key facts, main duties (from the raw record), member units and its meeting records."""
        raw = self.raw.get(("body", b.source.file), {})
        doc.heading(2, b.name, U.anchor(b.id))
        doc.add(_meta(self._body_meta(here, b)))
        duties = raw.get("duties") or ()
        if duties:
            doc.p(_html("<strong>主要职责</strong>"))
            doc.add(_html("<ol>{}</ol>", _join("", (_html("<li>{}</li>", _text(x)) for x in duties))))
        if b.members:
            members = []
            for m in b.members:
                who = self.dept(here, m.department) if m.department else escape(m.organization or "")
                members.append(_html("{}{}", who, _html("（{}）", m.role) if m.role else ""))
            doc.p(_html("<strong>成员单位</strong>（{} 个）：{}", len(b.members), _join("、", members)))
        if b.records:
            doc.p(_html("<strong>运行记录</strong>"))
            doc.table(["日期", "类型", "议题", "文件"], [(iso_day(d), t, s, dc) for d, t, s, dc in b.records])
        else:
            doc.p(_html("<strong>运行记录</strong>：（无）"))

    # ---- divisions --------------------------------------------------------------------------
    def divisions_page(self) -> SupervisionPage:
        here = U.DIVISIONS
        site = self.site
        divs = sorted(self.v.divisions, key=lambda d: d.id)
        items = [it for d in divs for it in d.items]
        types = Counter(it.type or "未写明" for it in items).most_common()
        doc = _Doc("市县事权划分")
        doc.p(f"共 {len(divs)} 份划分清单、{len(items)} 项事项（" + "、".join(f"{k} {n} 项" for k, n in types)
              + "）。每项写明市级和区县的职责；委托或授权的事项列入受托（被授权）部门的权责清单。")
        if items:
            doc.chart(charts.donut_chart(types, title="事权划分类型"))
        for d in divs:
            doc.heading(2, d.name, U.anchor(d.id))
            doc.add(_meta([("编号", d.id), ("文件", d.document), ("施行日期", iso_day(d.effective)),
                           ("涉及部门", _join("、", (self.dept(here, x) for x in d.departments))),
                           ("事项", f"{len(d.items)} 项")]))
            rows = []
            for it in d.items:
                deleg = None
                if it.delegation:
                    dl = it.delegation
                    kind = it.type or "委托"
                    parts = [_html("{}文件 {}", kind, dl.get("document") or "（未写明）")]
                    if dl.get("delegator"):
                        parts.append(_html("{}机关 {}", kind, dl["delegator"]))
                    if dl.get("delegatee"):
                        parts.append(_html("受托部门 {}：{}", self.dept(here, dl["delegatee"]),
                                           self._delegatee_item(here, it.item, dl["delegatee"])))
                    span = " 至 ".join(iso_day(dl.get(k)) for k in ("start", "end") if dl.get(k))
                    if span:
                        parts.append(_html("期限 {}", span))
                    deleg = _join("<br>", parts)
                owner = site.powers.get(it.item)
                name = self.target_text(here, it.item, None, it.name) if owner else _html("{}（{}）", it.name, it.item)
                rows.append([it.no, name,
                             self.dept(here, owner.department) if owner else None, it.domain, it.type or "（未写明）",
                             _join("<br>", (_text(x) for x in it.city_duties)),
                             _join("<br>", (_text(x) for x in it.county_duties)), it.power_source, deleg])
            doc.table(["序号", "事项", "部门", "领域", "划分类型", "市级职责", "区县职责", "权力来源", "委托或授权"], rows,
                      numeric={0})
        if not divs:
            doc.p("（暂无市县事权划分清单）")
        return doc.page()

    def _delegatee_item(self, here, code, delegatee) -> Markup:
        """The delegatee's own item of that code: its page, or its entry on the department page."""
        it = self.site.powers.get(code)
        if it is not None and it.department == delegatee:
            return self.item(here, code, f"本部门清单中的事项 {code}")
        if any(p.code == code and p.department == delegatee for p in self.repo.items_of(delegatee)):
            if delegatee in self.repo.departments:
                return self._a(here, U.department(delegatee), f"本部门清单中的事项 {code}", U.anchor(code))
            return escape(f"本部门清单中的事项 {code}")
        return _html("<strong>受托部门的权责清单中没有该事项</strong>")


@lru_cache(maxsize=None)
def _relative(here: str, to: str, directory_urls: bool) -> str:
    """The shortest relative URL from the page of ``here`` to the page of ``to`` (as Markdown links were)."""
    src, dst = U.page_url(here, directory_urls), U.page_url(to, directory_urls)
    base = (src if src.endswith("/") else posixpath.dirname(src)).rstrip("/") or "."
    rel = posixpath.relpath(dst.rstrip("/") or ".", base)
    if dst.endswith("/") or not dst:
        rel = "./" if rel == "." else rel + "/"
    return quote(rel)


def _unique(records) -> list:
    seen, out = set(), []
    for r in records:
        if r.id not in seen:
            seen.add(r.id)
            out.append(r)
    return out


def _entry_anchor(power, duty) -> str:
    if power:
        return "e-" + U.anchor(str(power))
    if duty:
        return "e-" + U.anchor(f"{duty[0]}-{duty[1]}")
    return ""


def _doc(d):
    """A document reference (文号 and date) as text, or ""."""
    if not d:
        return ""
    if isinstance(d, dict):
        return " ".join(x for x in (str(d.get("document") or ""), f"（{iso_day(d.get('date'))}）" if d.get("date") else "") if x)
    return str(d)
