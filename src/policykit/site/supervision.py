"""The supervision system's pages: 两个台账、问题征集与调处、履职评估、议事协调机构、市县事权划分.

Everything is read through ``policykit.supervision.records.views(repo)`` (the same typed views the
rules and reports read) and the library's own reports: ``problems_report`` (buck-passing trend, matters
without a boundary item), ``scorecards`` / ``render_svg`` (履职评估) and ``bodies_figures``. The pages are
Markdown (mkdocs checks their links); links to item pages are raw HTML (``SitePages.ilink``).

Pages (see urls.py): ``supervision/`` overview, ``supervision/ledgers/`` and one page per performance
ledger, ``supervision/inspections/`` (督导评估台账, one section per supervision), ``supervision/problems/``,
``supervision/disputes/``, ``supervision/evaluation/`` (indicator system, results per period) and one
scorecard page per department and period, ``supervision/bodies/``, ``supervision/divisions/``.
Generated only when the repository has supervision records.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from . import charts
from . import urls as U

NAV_PAGES = [("概览", U.SUPERVISION), ("履职台账", U.LEDGERS), ("督导评估台账", U.INSPECTIONS), ("问题征集", U.PROBLEMS),
             ("问题调处", U.DISPUTES), ("履职评估", U.EVALUATION), ("议事协调机构", U.BODIES), ("市县事权划分", U.DIVISIONS)]
PROBLEM_ROWS_PER_BATCH = 3000


def supervision_views(repo):
    """The supervision views of ``repo``, or None when it has no supervision records (or they do not load)."""
    try:
        from ..supervision.records import views
        v = views(repo)
    except Exception:  # noqa: BLE001 — records that do not load are reported by `policykit check`
        return None
    if not any((v.ledgers, v.supervisions, v.problems, v.disputes, v.bodies, v.divisions, v.systems, v.evaluations)):
        return None
    return v


def supervision_nav(repo) -> list | None:
    """The navigation entry of the supervision pages (an mkdocs nav section), or None."""
    if supervision_views(repo) is None:
        return None
    return [U.SUPERVISION] + [{title: uri} for title, uri in NAV_PAGES[1:]]


def _md(text) -> str:
    from .pages import md
    return md(text)


def _date(value) -> str:
    from .pages import _date as d
    return d(value)


def _pct(part, whole) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def _n(x) -> str:
    if isinstance(x, float):
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return str(x)


def _table(header, rows, align=None) -> list[str]:
    align = align or ["---"] * len(header)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(str(c) if c not in (None, "") else "—" for c in row) + " |" for row in rows]
    return out + [""]


class SupervisionPages:
    """The supervision pages of one site (``site`` is the SitePages: links, names, the legal date)."""

    def __init__(self, site):
        self.site = site
        self.repo = site.repo
        self.today = site.legal_date
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

    # ---- links ------------------------------------------------------------------------------
    def _href(self, here, to, anchor="") -> str:
        return U.href(here, to, self.site.directory_urls, anchor)

    def ledger_link(self, here, ledger_id, text=None, power=None, duty=None) -> str:
        if ledger_id not in self.ledger_ids:
            return f"{_md(text or ledger_id)}（未登记的台账）"
        anchor = _entry_anchor(power, duty) if (power or duty) else ""
        return f"[{_md(text or ledger_id)}]({U.md_link(here, U.ledger(ledger_id), anchor)})"

    def supervision_link(self, here, sid) -> str:
        if sid not in self.supervision_ids:
            return _md(sid)
        return f"[{_md(sid)}]({U.md_link(here, U.INSPECTIONS, U.anchor(sid))})"

    def problem_link(self, here, pid) -> str:
        if pid not in self.problem_ids:
            return f"{_md(pid)}（未登记）"
        return f"[{_md(pid)}]({U.md_link(here, U.PROBLEMS, U.anchor(pid))})"

    def dispute_link(self, here, did) -> str:
        if did not in self.dispute_ids:
            return _md(did)
        return f"[{_md(did)}]({U.md_link(here, U.DISPUTES, U.anchor(did))})"

    def body_link(self, here, bid, text=None) -> str:
        if bid not in self.body_ids:
            return _md(text or bid)
        return f"[{_md(text or bid)}]({U.md_link(here, U.BODIES, U.anchor(bid))})"

    def boundary_link(self, here, bid) -> str:
        b = self.repo.boundary(bid) if bid else None
        if b is None:
            return f"{_md(bid)}（清单中没有该事项）" if bid else "—"
        return f"{_md(b.id)} {self.site.blink(here, b)}"

    def target_text(self, here, power, duty, name=None) -> str:
        if power:
            return self.site.ilink(here, power, name) if power in self.site.powers else f"{_md(name or power)}（{_md(power)}，清单中没有该事项）"
        if duty:
            return f"处室职责：{_md(duty[0])} 第 {_md(duty[1])} 条"
        return "—"

    def evidence_text(self, here, e) -> str:
        """One piece of scorecard evidence, linked to the record it rests on."""
        ref = e.ref
        if e.type == "履职台账" and ref in self.ledger_ids:
            ref_md = self.ledger_link(here, ref, power=e.item)
        elif e.type == "督导评估台账" and ref in self.supervision_ids:
            ref_md = self.supervision_link(here, ref)
        elif e.type == "问题" and ref in self.problem_ids:
            ref_md = self.problem_link(here, ref)
        elif e.type == "议事协调机构" and ref in self.body_ids:
            ref_md = self.body_link(here, ref)
        else:
            ref_md = _md(ref)
        item = f"（{self.site.ilink(here, e.item)}）" if e.item else ""
        return f"{_md(e.type)} {ref_md}{item}" + (f"：{_md(e.note)}" if e.note else "")

    # ---- department pages -------------------------------------------------------------------
    def department_links(self, here, dept_id) -> list[str]:
        """HTML sentences for a department page: its ledgers, supervisions and scorecards."""
        if not self:
            return []
        du = self.site.directory_urls
        out = []
        ledgers = sorted(self.ledgers_by_dept.get(dept_id, ()), key=lambda l: l.period)
        if ledgers:
            out.append("履职情况台账：" + "、".join(
                f'<a href="{U.href(here, U.ledger(l.id), du)}">{_h(l.period)} 年度（{_h(l.id)}）</a>' for l in ledgers))
        sups = self.supervisions_by_dept.get(dept_id, ())
        if sups:
            out.append("督导评估：" + "、".join(
                f'<a href="{U.href(here, U.INSPECTIONS, du, U.anchor(s.id))}">{_h(s.id)} {_h(s.title)}</a>' for s in sups))
        cards = []
        for period, cs in self.cards().items():
            if isinstance(cs, Exception):
                continue
            for c in cs:
                if c.department == dept_id:
                    cards.append(f'<a href="{U.href(here, U.scorecard(period, dept_id), du)}">{_h(period)} 年度记分卡'
                                 f"（{_n(c.total)} / {_n(c.max_total)} 分）</a>")
        if cards:
            out.append("履职评估：" + "、".join(cards))
        return out

    def item_related(self, here, code) -> list[str]:
        """HTML lines for an item page: its division and its ledger entries (with their supervisions)."""
        if not self:
            return []
        du = self.site.directory_urls
        out = []
        for it in self.divisions_by_item.get(code, ()):
            out.append(f'市县事权划分：<a href="{U.href(here, U.DIVISIONS, du, U.anchor(it.division))}">{_h(it.division)} 第 {_h(it.no)} 项</a>'
                       f"（{_h(it.type or '未写明划分类型')}）")
        for e in self.entries_by_power.get(code, ()):
            sups = self.supervised.get(e.key, ())
            out.append(f'履职台账：<a href="{U.href(here, U.ledger(e.ledger), du, _entry_anchor(e.power, e.duty))}">{_h(e.ledger)}</a>'
                       f"（{_h(e.period)}，办理 {e.handled} 件，按时办结 {e.on_time} 件）"
                       + ("；督导 " + "、".join(f'<a href="{U.href(here, U.INSPECTIONS, du, U.anchor(s.id))}">{_h(s.id)}</a>'
                                              for s in sups) if sups else ""))
        return out

    # ---- generation -------------------------------------------------------------------------
    def generate(self):
        from .pages import Generated
        if not self:
            return
        yield Generated(U.SUPERVISION, self.overview(), True)
        yield Generated(U.LEDGERS, self.ledgers_index(), True)
        for l in self.ledgers:
            yield Generated(U.ledger(l.id), self.ledger_page(l))
        yield Generated(U.INSPECTIONS, self.inspections_page(), True)
        yield Generated(U.PROBLEMS, self.problems_page(), True)
        yield Generated(U.DISPUTES, self.disputes_page(), True)
        yield Generated(U.EVALUATION, self.evaluation_page(), True)
        for period, cs in self.cards().items():
            if isinstance(cs, Exception):
                continue
            for c in cs:
                yield Generated(U.scorecard(period, c.department), self.scorecard_page(c))
        yield Generated(U.BODIES, self.bodies_page(), True)
        yield Generated(U.DIVISIONS, self.divisions_page(), True)

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

    def overview(self) -> str:
        here = U.SUPERVISION
        f = self.figures()
        du = self.site.directory_urls
        cards = [("履职台账", f["ledgers"], "份", U.LEDGERS), ("督导", f["supervisions"], "次", U.INSPECTIONS),
                 ("逾期未整改", f["overdue"], "个", U.INSPECTIONS), ("征集问题", f["problems"], "件", U.PROBLEMS),
                 ("职责争议", f["disputes"], "件", U.DISPUTES), ("评估记分卡", f["scorecards"], "份", U.EVALUATION),
                 ("议事协调机构", f["bodies"], "个", U.BODIES), ("事权划分事项", f["division_items"], "项", U.DIVISIONS)]
        html = "".join(f'<a class="pk-figure" href="{U.href(here, to, du)}"><span class="pk-figure-label">{_h(label)}</span>'
                       f'<span class="pk-figure-value">{value:,}<small class="pk-figure-unit">{unit}</small></span></a>'
                       for label, value, unit, to in cards)
        lines = ["# 监督管理", "",
                 f"清单之外的监管体系：两个台账（部门履职情况台账、督导评估工作台账）、问题征集与职责争议调处、部门履职评估、"
                 f"议事协调机构管理和市县事权划分。以下内容与清单一样由版本库中的记录生成，日期按 {self.today.isoformat()} 计算。", "",
                 f'<div class="pk-figures">{html}</div>', ""]
        rows = [
            (f"[部门履职情况台账]({U.md_link(here, U.LEDGERS)})", f"{f['ledgers']} 份",
             f"{f['ledger_departments']} 个部门逐项记录权力事项和处室职责的运行情况，共 {f['entries']} 条记录"),
            (f"[督导评估工作台账]({U.md_link(here, U.INSPECTIONS)})", f"{f['supervisions']} 次",
             f"发现问题 {f['findings']} 个，未整改到位 {f['open_findings']} 个，其中逾期 {f['overdue']} 个；每次督导对应履职台账中的记录"),
            (f"[问题征集]({U.md_link(here, U.PROBLEMS)})", f"{f['problems']} 件",
             f"含 12345 热线工单；推诿或多头 {f['buck_passing']} 件"),
            (f"[职责争议调处]({U.md_link(here, U.DISPUTES)})", f"{f['disputes']} 件", f"已裁定 {f['decided']} 件，裁定落实为清单调整"),
            (f"[部门履职评估]({U.md_link(here, U.EVALUATION)})", f"{f['scorecards']} 份",
             f"指标体系三级指标 {f['indicators']} 项，记分卡附每项得分的依据"),
            (f"[议事协调机构]({U.md_link(here, U.BODIES)})", f"{f['bodies']} 个", f"现存续 {f['active_bodies']} 个"),
            (f"[市县事权划分]({U.md_link(here, U.DIVISIONS)})", f"{f['division_items']} 项", "划分类型、市县两级职责、委托和授权"),
        ]
        lines += ["## 各台账和记录", ""] + _table(["内容", "数量", "说明"], rows, ["---", "---:", "---"])
        return "\n".join(lines)

    # ---- performance ledgers ----------------------------------------------------------------
    def ledgers_index(self) -> str:
        here = U.LEDGERS
        site = self.site
        lines = ["# 部门履职情况台账", "",
                 f"共 {len(self.ledgers)} 份台账。每份台账按部门、按期间逐项记录权力事项（或处室职责）的办理量、按时办结量和佐证材料；"
                 f"督导评估工作台账中的每次督导都对应到这里的记录（两账对应）。", ""]
        by_dept = Counter()
        rows = []
        for l in sorted(self.ledgers, key=lambda l: (l.period, site.dname(l.department), l.id)):
            handled = sum(e.handled for e in l.entries)
            on_time = sum(e.on_time for e in l.entries)
            idle = sum(1 for e in l.entries if e.handled == 0)
            sups = {s.id for e in l.entries for s in self.supervised.get(e.key, ())}
            by_dept[site.dname(l.department)] += handled
            rows.append([self.ledger_link(here, l.id), site.dlink(here, l.department), _md(l.period),
                         _date(l.compiled_on), len(l.entries), handled, on_time, _pct(on_time, handled), idle,
                         "、".join(self.supervision_link(here, s) for s in sorted(sups)) or "—"])
        if by_dept:
            links = {site.dname(d): self._href(here, U.department(d)) for d in self.ledgers_by_dept if d in self.repo.departments}
            lines += ['<div class="pk-chart-box">' + charts.bar_chart(by_dept.most_common(), title="各部门台账办理量", unit="件",
                                                                      links=links) + "</div>", ""]
        lines += _table(["台账", "部门", "期间", "填报日期", "记录", "办理量", "按时办结", "按时办结率", "未运行", "督导"], rows,
                        ["---", "---", "---", "---", "---:", "---:", "---:", "---:", "---:", "---"])
        if not self.ledgers:
            lines += ["（暂无履职台账）", ""]
        return "\n".join(lines)

    def ledger_page(self, l) -> str:
        here = U.ledger(l.id)
        site = self.site
        raw = self.raw.get(("performance", l.source.file), {})
        handled = sum(e.handled for e in l.entries)
        on_time = sum(e.on_time for e in l.entries)
        lines = [f"# {_md(site.dname(l.department))} {_md(l.period)} 履职情况台账", ""]
        meta = [("台账编号", _md(l.id)), ("部门", site.dlink(here, l.department)), ("期间", _md(l.period)),
                ("填报单位", _md(raw.get("compiled_by") or "")), ("填报日期", _date(l.compiled_on)),
                ("审核单位", _md(raw.get("reviewed_by") or "")), ("记录", f"{len(l.entries)} 条"),
                ("办理量", f"{handled} 件，按时办结 {on_time} 件（{_pct(on_time, handled)}）"),
                ("文件", f"`{_md(l.source.file)}`")]
        lines += _table(["项目", "内容"], [(k, v) for k, v in meta if v])
        sups = sorted({s.id for e in l.entries for s in self.supervised.get(e.key, ())})
        if sups:
            lines += [f"督导评估工作台账中有 {len(sups)} 次督导对应本台账的记录：" + "、".join(self.supervision_link(here, s) for s in sups)
                      + "。", ""]
        lines += ["## 逐项记录", ""]
        rows = []
        for n, e in enumerate(l.entries, 1):
            anchor = _entry_anchor(e.power, e.duty)
            target = self.target_text(here, e.power, e.duty, e.name)
            status = e.idle_reason and f"未运行：{_md(e.idle_reason)}" or ("**办理 0 件，未说明原因**" if e.handled == 0 else "")
            rows.append([f'<span id="{anchor}"></span>{n}' if anchor else n, target,
                         "、".join(self.supervision_link(here, s.id) for s in self.supervised.get(e.key, ())) or "—",
                         _md(e.unit or ""), f"{e.handled} {_md(e.measure or '')}".strip(), e.on_time,
                         _pct(e.on_time, e.handled) if e.handled else "—",
                         "<br>".join(([status] if status else []) + [_md(x) for x in e.evidence]) or "—"])
        lines += _table(["序号", "事项或职责", "督导", "承办处室", "办理量", "按时办结", "按时率", "佐证与说明"], rows,
                        ["---:", "---", "---", "---", "---:", "---:", "---:", "---"])
        return "\n".join(lines)

    # ---- supervisions -----------------------------------------------------------------------
    def inspections_page(self) -> str:
        here = U.INSPECTIONS
        site = self.site
        sups = self.supervisions
        findings = [f for s in sups for f in s.findings]
        overdue = [f for f in findings if f.overdue(self.today)]
        lines = ["# 督导评估工作台账", "",
                 f"共督导 {len(sups)} 次（" + "、".join(f"{_md(k)} {v} 次" for k, v in Counter(s.type for s in sups).most_common())
                 + f"），发现问题 {len(findings)} 个，已整改或销号 {sum(1 for f in findings if f.closed)} 个；"
                 f"截至 {self.today.isoformat()} **逾期未整改 {len(overdue)} 个**。"
                 "每次督导写明所对应的部门履职情况台账记录（两账对应），点击可查看该记录。", ""]
        sources = Counter(s.lead_source for s in sups)
        if sources:
            lines += ['<div class="pk-chart-box">' + charts.bar_chart(sources.most_common(), title="督导线索来源", unit="次")
                      + "</div>", ""]
        rows = []
        for s in sups:
            late = sum(1 for f in s.findings if f.overdue(self.today))
            rows.append([f"[{_md(s.id)}](#{U.anchor(s.id)})", _md(s.title), _md(s.type), _md(s.lead_source),
                         site.dlink(here, s.department), _date(s.opened), _md(s.status), len(s.findings),
                         f"**{late}**" if late else 0])
        lines += _table(["编号", "督导事项", "类型", "线索来源", "被督导部门", "立项", "状态", "问题", "逾期"], rows,
                        ["---", "---", "---", "---", "---", "---", "---", "---:", "---:"])
        for s in sups:
            lines += self._supervision_section(here, s)
        if not sups:
            lines += ["（暂无督导记录）", ""]
        return "\n".join(lines)

    def _supervision_section(self, here, s) -> list[str]:
        site = self.site
        lines = [f"## {_md(s.id)} {_md(s.title)} {{#{U.anchor(s.id)}}}", ""]
        meta = [("督导类型", _md(s.type)),
                ("线索来源", _md(s.lead_source) + (f"（{_md(s.lead_ref)}）" if s.lead_ref else "")),
                ("线索问题", "、".join(self.problem_link(here, p) for p in s.problems)),
                ("组织单位", _md(s.organizer or "")), ("被督导部门", site.dlink(here, s.department)),
                ("立项日期", _date(s.opened)), ("状态", _md(s.status)), ("办结日期", _date(s.closed))]
        lines += _table(["项目", "内容"], [(k, v) for k, v in meta if v])
        if s.targets:
            lines += ["**对应履职记录**（两账对应）", ""]
            for t in s.targets:
                it = site.powers.get(t.power) if t.power else None
                lines.append(f"- {self.ledger_link(here, t.ledger, power=t.power, duty=t.duty)}："
                             f"{self.target_text(here, t.power, t.duty, it.full_name if it else None)}")
            lines.append("")
        else:
            lines += ["**对应履职记录**：（未写明）", ""]
        if s.findings:
            rows = []
            for f in s.findings:
                r = f.response or {}
                resp = []
                if r.get("date"):
                    resp.append(f"{_date(r.get('date'))} 反馈")
                for key, label in (("measures", "措施"), ("result", "结果")):
                    if r.get(key):
                        resp.append(f"{label}：{_md(r[key])}")
                if r.get("evidence"):
                    resp.append("佐证：" + "、".join(_md(x) for x in r["evidence"]))
                status = _md(f.status) + (f"（{_date(f.closed_on)} 销号）" if f.closed_on else "")
                if f.overdue(self.today):
                    status += f' <span class="pk-overdue">逾期 {(self.today - f.due).days} 天</span>'
                elif f.late(self.today) and f.response_date:
                    status += f"（晚于期限 {(f.response_date - f.due).days} 天反馈）"
                rows.append([f.no, _md(f.text), _md(f.severity or ""), site.dlink(here, f.department), _date(f.due),
                             "<br>".join(resp) or "（未反馈）", status])
            lines += ["**发现的问题与整改**", ""]
            lines += _table(["序号", "问题", "程度", "整改部门", "整改期限", "整改反馈", "状态"], rows,
                            ["---:", "---", "---", "---", "---", "---", "---"])
        return lines

    # ---- problems ---------------------------------------------------------------------------
    def problems_page(self) -> str:
        from ..supervision.report import problems_report
        here = U.PROBLEMS
        site = self.site
        v = self.v
        quarter = problems_report(self.repo, "quarter")
        month = problems_report(self.repo, "month")
        lines = ["# 问题征集", "",
                 f"共征集问题 {len(v.problems)} 件（" + "、".join(f"{_md(k)} {n} 件" for k, n in Counter(p.origin for p in v.problems).most_common())
                 + f"），其中推诿或多头 {quarter['buck_passing']} 件（{_pct(quarter['buck_passing'], quarter['total'])}）。"
                 "12345 热线工单由 `policykit problems import-hotline` 导入。", ""]
        lines += ["## 推诿趋势", "",
                  '<div class="pk-chart-box">' + charts.stacked_bar_chart(
                      [(r["period"], [r["buck_passing"], r["total"] - r["buck_passing"]]) for r in quarter["trend"]],
                      ["推诿或多头", "其他问题"], title="按季度的问题数和推诿、多头问题") + "</div>", ""]
        lines += _table(["月份", "问题数", "推诿/多头", "占比", "标签"],
                        [(r["period"], r["total"], r["buck_passing"], _pct(r["buck_passing"], r["total"]),
                          "、".join(f"{_md(k)} {n}" for k, n in r["tags"].items()) or "—") for r in month["trend"]],
                        ["---", "---:", "---:", "---:", "---"])
        periods = [r["period"] for r in quarter["trend"]]
        lines += ["## 按事项", "",
                  "问题按所属事项归集；事项与职责边界事项按名称对应（问题写明边界事项的以其为准）。", ""]
        matters = quarter["matters"]
        bp = [(m["matter"], m["buck_passing"]) for m in matters if m["buck_passing"]]
        if bp:
            lines += ['<div class="pk-chart-box">' + charts.bar_chart(bp, title="各事项的推诿、多头问题", unit="件") + "</div>", ""]
        rows = []
        for m in matters:
            b = self.boundary_link(here, m["boundary"]) if m["boundary"] else "**尚无**"
            by_p = m["buck_passing_by_period"]
            rows.append([_md(m["matter"]), m["total"], m["buck_passing"], *[by_p.get(p, 0) for p in periods], b,
                         "、".join(self.dispute_link(here, d) for d in m["disputes"]) or "—", m["first"], m["last"]])
        lines += _table(["事项", "问题数", "推诿/多头", *[_md(p) for p in periods], "职责边界事项", "调处", "首次", "最近"], rows,
                        ["---", "---:", "---:", *["---:"] * len(periods), "---", "---", "---", "---"])
        lines += ["## 尚无职责边界事项的事项", "",
                  "这些事项反复出现推诿或多头问题，却还没有职责边界事项，是新增边界事项的候选。", ""]
        if quarter["without_boundary"]:
            lines += _table(["事项", "问题数", "推诿/多头", "派单部门", "期间"],
                            [(_md(r["matter"]), r["total"], r["buck_passing"],
                              "、".join(f"{site.dlink(here, d['department'])}（{d['count']}）" for d in r["departments"]) or "—",
                              f"{r['first']} 至 {r['last']}") for r in quarter["without_boundary"]],
                            ["---", "---:", "---:", "---", "---"])
        else:
            lines += ["（无）", ""]
        if quarter["departments"]:
            lines += ["## 按部门", ""]
            lines += _table(["部门", "派单数", "推诿/多头", "占比"],
                            [(site.dlink(here, d["department"]), d["total"], d["buck_passing"], _pct(d["buck_passing"], d["total"]))
                             for d in quarter["departments"]], ["---", "---:", "---:", "---:"])
        lines += ["## 全部问题", ""]
        by_batch = defaultdict(list)
        for p in v.problems:
            by_batch[p.batch].append(p)
        for batch, ps in by_batch.items():
            raw = self.raw.get(("problem", ps[0].source.file), {})
            src = f"，导入自 `{_md(raw['imported_from'])}`" if raw.get("imported_from") else ""
            shown = ps[:PROBLEM_ROWS_PER_BATCH]
            more = f"，列出前 {len(shown)} 件" if len(ps) > len(shown) else ""
            lines += [f"### 批次 {_md(batch)}（{len(ps)} 件{more}）", "", f"文件 `{_md(ps[0].source.file)}`{src}。", ""]
            rows = []
            for p in sorted(shown, key=lambda p: (p.date is None, p.date or 0, p.id)):
                b = self.boundary_link(here, p.boundary) if p.boundary else "—"
                tags = "、".join(f"**{_md(t)}**" if t in ("推诿", "多头") else _md(t) for t in p.tags) or "—"
                rows.append([f'<span id="{U.anchor(p.id)}"></span>{_md(p.id)}', _date(p.date), _md(p.origin), _md(p.content),
                             _md(p.district or ""), "、".join(site.dlink(here, d) for d in p.departments) or "—", tags,
                             _md(p.matter or ""), b, self.dispute_link(here, p.dispute) if p.dispute else "—", _md(p.status or "")])
            lines += _table(["编号", "日期", "来源", "内容", "区县", "派单部门", "标签", "事项", "边界事项", "调处", "状态"], rows)
        if not v.problems:
            lines += ["（暂无问题记录）", ""]
        return "\n".join(lines)

    # ---- disputes ---------------------------------------------------------------------------
    def disputes_page(self) -> str:
        here = U.DISPUTES
        site = self.site
        ds = sorted(self.v.disputes, key=lambda d: d.id)
        lines = ["# 职责争议调处", "",
                 f"共 {len(ds)} 件职责争议（" + "、".join(f"{_md(k)} {n} 件" for k, n in Counter(d.status for d in ds).most_common())
                 + "）。裁定的争议落实为清单调整：新增或修改职责边界事项、权力事项，调整记录见版本历史。", ""]
        lines += _table(["编号", "事项", "提出", "争议部门", "状态", "落实为"],
                        [(f"[{_md(d.id)}](#{U.anchor(d.id)})", _md(d.matter), _date(d.raised),
                          "、".join(site.dlink(here, p.department) for p in d.parties), _md(d.status),
                          self._adjustment_target(here, d.adjustment) if d.adjustment else "—") for d in ds])
        for d in ds:
            raw = self.raw.get(("dispute", d.source.file), {})
            lines += [f"## {_md(d.id)} {_md(d.matter)} {{#{U.anchor(d.id)}}}", ""]
            meta = [("事项", _md(d.matter)), ("提出日期", _date(d.raised)), ("提出单位", _md(d.raised_by or "")),
                    ("引发争议的问题", "、".join(self.problem_link(here, p) for p in d.problems)),
                    ("调处单位", _md(raw.get("mediator") or "")), ("状态", _md(d.status))]
            lines += _table(["项目", "内容"], [(k, v) for k, v in meta if v])
            lines += ["**争议各方及其主张**", ""]
            lines += _table(["部门", "主张"], [(site.dlink(here, p.department), _md(p.position)) for p in d.parties])
            dec = d.decision or {}
            if dec:
                lines += ["**调处决定**", ""]
                meta = [("决定日期", _date(dec.get("date"))), ("决定机关", _md(dec.get("by") or "")),
                        ("文号", _md(dec.get("document") or "")), ("决定内容", _md(dec.get("content") or "")),
                        ("牵头部门", site.dlink(here, dec["lead"]) if dec.get("lead") else ""),
                        ("配合部门", "、".join(site.dlink(here, x) for x in dec.get("cooperating") or ()))]
                lines += _table(["项目", "内容"], [(k, v) for k, v in meta if v])
            adj = d.adjustment or {}
            if adj:
                lines += ["**落实调整**", ""]
                meta = [("调整后的清单事项", self._adjustment_target(here, adj)),
                        ("调整日期", _date(adj.get("date"))),
                        ("版本", f"`{_md(str(adj['commit'])[:8])}`" if adj.get("commit") else ""),
                        ("说明", _md(adj.get("note") or ""))]
                b = self.repo.boundary(adj["boundary"]) if adj.get("boundary") else None
                if b is not None:
                    meta.insert(1, ("清单中的牵头部门", site.dlink(here, b.lead) if b.lead else "（未明确）"))
                lines += _table(["项目", "内容"], [(k, v) for k, v in meta if v])
            elif d.status != "已裁定":
                lines += [f"尚未裁定（{_md(d.status)}）。", ""]
        if not ds:
            lines += ["（暂无职责争议）", ""]
        return "\n".join(lines)

    def _adjustment_target(self, here, adj) -> str:
        if adj.get("boundary"):
            return "职责边界事项 " + self.boundary_link(here, adj["boundary"])
        if adj.get("power"):
            code = str(adj["power"])
            return "权力事项 " + self.target_text(here, code, None)
        return "—"

    # ---- evaluation -------------------------------------------------------------------------
    def evaluation_page(self) -> str:
        here = U.EVALUATION
        site = self.site
        v = self.v
        lines = ["# 部门履职评估", "",
                 "按履职评估指标体系对部门逐项评分：能由台账计算的指标（事项运行、按时办结、推诿、议事协调机构运行、整改时效）"
                 "由记录直接计算，其余指标按评估记录评分。每份记分卡列出每项得分所依据的记录。", ""]
        for system in v.systems:
            lines += self._system_section(here, system)
        for period, cards in self.cards().items():
            lines += [f"## {_md(period)} 年度评估结果 {{#period-{U.anchor(period)}}}", ""]
            if isinstance(cards, Exception):
                lines += [f"无法计算记分卡：{_md(cards)}", ""]
                continue
            links = {c.department_name: self._href(here, U.scorecard(period, c.department)) for c in cards}
            lines += ['<div class="pk-chart-box">' + charts.bar_chart(
                [(c.department_name, c.total) for c in cards], title=f"{period} 年度部门履职评估得分", unit="分", links=links)
                + "</div>", ""]
            rows = []
            for i, c in enumerate(cards, 1):
                rows.append([i, site.dlink(here, c.department), f"{_n(c.total)} / {_n(c.max_total)}",
                             f"{_n(c.core)} / {_n(c.core_max)}", f"{_n(c.individual)} / {_n(c.individual_max)}",
                             _md(c.category or ""), _md(c.stage or "仅台账计算"), len(c.unscored),
                             f"[记分卡]({U.md_link(here, U.scorecard(period, c.department))})"])
            lines += _table(["排名", "部门", "总分", "共性指标", "个性指标", "部门类别", "评估阶段", "未评", ""], rows,
                            ["---:", "---", "---:", "---:", "---:", "---", "---", "---:", "---"])
        if not v.evaluations:
            lines += ["（暂无评估记录）", ""]
        return "\n".join(lines)

    def _system_section(self, here, system) -> list[str]:
        site = self.site
        raw = self.raw.get(("indicator", system.source.file), {})
        lines = [f"## 指标体系：{_md(system.name)} {{#{U.anchor(system.id)}}}", ""]
        meta = [("编号", _md(system.id)), ("来源", _md(raw.get("source") or "")),
                ("适用机构类型", "、".join(_md(x) for x in system.organization_types)),
                ("共性指标满分", _n(system.core_points)), ("个性指标满分", _n(system.individual_points)),
                ("计分方法", _md(system.formula or ""))]
        lines += _table(["项目", "内容"], [(k, v) for k, v in meta if v])
        if system.categories:
            lines += ["**部门类别**（个性指标按类别适用）", ""]
            lines += _table(["类别", "部门"], [(_md(name), "、".join(site.dlink(here, d) for d in depts) or "—")
                                             for name, depts in system.categories.items()])
        from ..supervision.evaluation import METRICS
        rows = []
        for top in system.indicators:
            rows.append([f"**{_md(top.code)} {_md(top.name)}**", "", "", f"{_n(top.weight)}%",
                         _md(top.type) + ("（" + "、".join(_md(x) for x in top.applies_to) + "）" if top.applies_to else ""), "", ""])
            for mid in top.children:
                rows.append(["", f"{_md(mid.code)} {_md(mid.name)}", "", f"{_n(mid.weight)}%",
                             "、".join(_md(x) for x in mid.own_applies) if mid.own_applies else "", "", ""])
                for leaf in mid.children:
                    how = _md(leaf.method or "")
                    if leaf.computed:
                        metric = leaf.computed.get("metric")
                        how = f"**由记录计算**：{_md(METRICS.get(metric, metric))}" + (f"<br>{how}" if how else "")
                    rows.append(["", "", f"{_md(leaf.code)} {_md(leaf.name)}", f"{_n(leaf.weight)}%",
                                 "、".join(_md(x) for x in leaf.own_applies) if leaf.own_applies else "",
                                 "<br>".join(_md(p) for p in leaf.points) or "—", how or "—"])
        lines += ["**指标**（一级、二级、三级指标及权重；共性指标适用于所有部门，个性指标按部门类别适用）", ""]
        lines += _table(["一级指标", "二级指标", "三级指标", "权重", "类型/适用", "评估要点", "评估方式及标准"], rows,
                        ["---", "---", "---", "---:", "---", "---", "---"])
        return lines

    def scorecard_page(self, c) -> str:
        from ..supervision.evaluation import render_svg
        here = U.scorecard(c.period, c.department)
        site = self.site
        lines = [f"# {_md(c.department_name)} {_md(c.period)} 年度履职评估记分卡", ""]
        meta = [("部门", site.dlink(here, c.department)), ("期间", _md(c.period)),
                ("指标体系", f"[{_md(c.system_name)}]({U.md_link(here, U.EVALUATION, U.anchor(c.system))})"),
                ("部门类别", _md(c.category or "")), ("评估记录", _md(c.evaluation or "（无评估记录，仅由台账计算）")),
                ("评估阶段", _md(c.stage or "")), ("评估单位", "、".join(_md(x) for x in c.evaluators)),
                ("评估日期", _md(c.date or "")),
                ("总分", f"**{_n(c.total)}** / {_n(c.max_total)}（共性 {_n(c.core)} / {_n(c.core_max)}，"
                        f"个性 {_n(c.individual)} / {_n(c.individual_max)}）"),
                ("未评指标", f"{len(c.unscored)} 项" if c.unscored else "")]
        lines += _table(["项目", "内容"], [(k, v) for k, v in meta if v])
        ledgers = [l for l in self.ledgers_by_dept.get(c.department, ()) if l.period == c.period]
        if ledgers:
            lines += ["本期履职台账：" + "、".join(self.ledger_link(here, l.id) for l in ledgers) + "。", ""]
        lines += ["## 记分图", "", '<div class="pk-scorecard">' + render_svg([c]).strip() + "</div>", ""]
        lines += ["## 各项得分及依据", ""]
        for label, pts, mx, leaves in c.level1():
            lines += [f"### {_md(label)}：{_n(pts)} / {_n(mx)}", ""]
            rows = []
            for l in leaves:
                score = "—" if l.score is None else _n(l.score)
                basis = ([_md(l.reason)] if l.reason else []) + [self.evidence_text(here, e) for e in l.evidence]
                rows.append([f"{_md(l.code)} {_md(l.name)}", _md(l.group), score,
                             f"{_n(round(l.points, 2))} / {_n(round(l.max_points, 2))}",
                             _md(l.status) + (f"（{_md(l.source)}）" if l.status == "计算" else ""), "<br>".join(basis) or "—"])
            lines += _table(["指标", "类型", "得分", "折算 / 满分", "来源", "依据"], rows,
                            ["---", "---", "---:", "---:", "---", "---"])
        if c.feedback:
            lines += ["## 问题反馈", ""] + [f"- {_md(x)}" for x in c.feedback] + [""]
        if c.rectification:
            lines += ["## 督促整改", ""] + [f"- {_md(x)}" for x in c.rectification] + [""]
        return "\n".join(lines)

    # ---- bodies -----------------------------------------------------------------------------
    def bodies_page(self) -> str:
        from ..supervision.bodies import bodies_figures, format_figures
        here = U.BODIES
        site = self.site
        bodies = sorted(self.v.bodies, key=lambda b: b.id)
        fig = bodies_figures(self.repo, today=self.today)
        lines = ["# 议事协调机构", ""]
        lines += [_md(x) for x in format_figures(fig).strip().splitlines()]
        lines.append("")
        chart_row = ['<div class="pk-chart-row">']
        chart_row.append('<div class="pk-chart-box">' + charts.donut_chart(
            [("存续", fig["active"]), ("撤销", fig["abolished"]), ("合并", fig["merged"])], title="议事协调机构状态", unit="个")
            + "</div>")
        if fig["cut_by_year"]:
            chart_row.append('<div class="pk-chart-box">' + charts.bar_chart(
                [(f"{y} 年", n) for y, n in fig["cut_by_year"].items()], title="各年精简的机构", unit="个") + "</div>")
        chart_row.append("</div>")
        lines += ["".join(chart_row), ""]
        lines += _table(["指标", "数值"], [
            ("登记机构", f"{fig['registered']} 个"), ("现存续", f"{fig['active']} 个"),
            ("精简（撤销、合并）", f"{fig['cut']} 个（撤销 {fig['abolished']} 个、合并 {fig['merged']} 个）"),
            ("精简比例", f"{fig['cut_share'] * 100:.1f}%（占 {fig['base']} 个）"),
            ("存续机构按类型", "、".join(f"{_md(k)} {v} 个" for k, v in fig["active_by_kind"].items()) or "—"),
            ("超过存续期限的临时机构", "、".join(self.body_link(here, b) for b in fig["temporary_past_term"]) or "无")])
        lines += ["## 机构一览", ""]
        lines += _table(["编号", "名称", "类型", "状态", "牵头单位", "成员", "设立文件", "评估/到期", "运行记录"],
                        [(f"[{_md(b.id)}](#{U.anchor(b.id)})", _md(b.name), _md(b.type), _md(b.status),
                          site.dlink(here, b.host), len(b.members), _md((b.established or {}).get("document") or ""),
                          _date(b.review_due or b.term_end), len(b.records)) for b in bodies],
                        ["---", "---", "---", "---", "---", "---:", "---", "---", "---:"])
        for b in bodies:
            raw = self.raw.get(("body", b.source.file), {})
            lines += [f"## {_md(b.name)} {{#{U.anchor(b.id)}}}", ""]
            est = b.established or {}
            meta = [("编号", _md(b.id)), ("类型", _md(b.type)), ("状态", _md(b.status)),
                    ("牵头单位", site.dlink(here, b.host)), ("办公室", _md(b.office or "")), ("负责人", _md(b.leader or "")),
                    ("设立文件", " ".join(_md(x) for x in (est.get("document"), est.get("title")) if x)
                     + (f"（{_date(est.get('date'))}）" if est.get("date") else "")),
                    ("工作规则", _doc(b.work_rules) or "**（未制定）**"), ("办公室工作规则", _doc(b.office_rules) or "（未制定）"),
                    ("存续期限", _date(b.term_end)), ("评估日期", _date(b.review_due))]
            if b.abolished:
                ab = b.abolished
                into = ab.get("merged_into")
                meta.append(("撤销/合并", " ".join(x for x in (_date(ab.get("date")), _md(ab.get("document") or ""),
                                                             f"并入 {self.body_link(here, into)}" if into else "") if x)))
            lines += _table(["项目", "内容"], [(k, v) for k, v in meta if v])
            duties = raw.get("duties") or ()
            if duties:
                lines += ["**主要职责**", ""] + [f"{n}. {_md(x)}" for n, x in enumerate(duties, 1)] + [""]
            if b.members:
                members = []
                for m in b.members:
                    who = site.dlink(here, m.department) if m.department else _md(m.organization or "")
                    members.append(who + (f"（{_md(m.role)}）" if m.role else ""))
                lines += [f"**成员单位**（{len(b.members)} 个）：" + "、".join(members), ""]
            if b.records:
                lines += ["**运行记录**", ""]
                lines += _table(["日期", "类型", "议题", "文件"],
                                [(_date(d), _md(t or ""), _md(s or ""), _md(doc or "")) for d, t, s, doc in b.records])
            else:
                lines += ["**运行记录**：（无）", ""]
        if not bodies:
            lines += ["（暂无议事协调机构记录）", ""]
        return "\n".join(lines)

    # ---- divisions --------------------------------------------------------------------------
    def divisions_page(self) -> str:
        here = U.DIVISIONS
        site = self.site
        divs = sorted(self.v.divisions, key=lambda d: d.id)
        items = [it for d in divs for it in d.items]
        lines = ["# 市县事权划分", "",
                 f"共 {len(divs)} 份划分清单、{len(items)} 项事项（"
                 + "、".join(f"{_md(k)} {n} 项" for k, n in Counter(it.type or "未写明" for it in items).most_common())
                 + "）。每项写明市级和区县的职责；委托或授权的事项列入受托（被授权）部门的权责清单。", ""]
        if items:
            lines += ['<div class="pk-chart-box">' + charts.donut_chart(
                Counter(it.type or "未写明" for it in items).most_common(), title="事权划分类型") + "</div>", ""]
        for d in divs:
            lines += [f"## {_md(d.name)} {{#{U.anchor(d.id)}}}", ""]
            meta = [("编号", _md(d.id)), ("文件", _md(d.document or "")), ("施行日期", _date(d.effective)),
                    ("涉及部门", "、".join(site.dlink(here, x) for x in d.departments)), ("事项", f"{len(d.items)} 项")]
            lines += _table(["项目", "内容"], [(k, v) for k, v in meta if v])
            rows = []
            for it in d.items:
                deleg = "—"
                if it.delegation:
                    dl = it.delegation
                    parts = [f"{_md(it.type or '委托')}文件 {_md(dl.get('document') or '（未写明）')}"]
                    if dl.get("delegator"):
                        parts.append(f"{_md(it.type or '委托')}机关 {_md(dl['delegator'])}")
                    if dl.get("delegatee"):
                        parts.append(f"受托部门 {site.dlink(here, dl['delegatee'])}：{self._delegatee_item(here, it.item, dl['delegatee'])}")
                    span = " 至 ".join(_date(dl.get(k)) for k in ("start", "end") if dl.get(k))
                    if span:
                        parts.append(f"期限 {span}")
                    deleg = "<br>".join(parts)
                owner = site.powers.get(it.item)
                rows.append([it.no, self.target_text(here, it.item, None, it.name) if owner else f"{_md(it.name)}（{_md(it.item)}）",
                             site.dlink(here, owner.department) if owner else "—", _md(it.domain or ""), _md(it.type or "（未写明）"),
                             "<br>".join(_md(x) for x in it.city_duties) or "—",
                             "<br>".join(_md(x) for x in it.county_duties) or "—", _md(it.power_source or ""), deleg])
            lines += _table(["序号", "事项", "部门", "领域", "划分类型", "市级职责", "区县职责", "权力来源", "委托或授权"], rows,
                            ["---:", "---", "---", "---", "---", "---", "---", "---", "---"])
        if not divs:
            lines += ["（暂无市县事权划分清单）", ""]
        return "\n".join(lines)

    def _delegatee_item(self, here, code, delegatee) -> str:
        """The delegatee's own item of that code: its page, or its entry on the department page."""
        it = self.site.powers.get(code)
        if it is not None and it.department == delegatee:
            return self.site.ilink(here, code, f"本部门清单中的事项 {code}")
        if any(p.code == code and p.department == delegatee for p in self.repo.items_of(delegatee)):
            if delegatee in self.repo.departments:
                return f"[本部门清单中的事项 {_md(code)}]({U.md_link(here, U.department(delegatee), code)})"
            return f"本部门清单中的事项 {_md(code)}"
        return "**受托部门的权责清单中没有该事项**"


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


def _doc(d) -> str:
    if not d:
        return ""
    if isinstance(d, dict):
        return " ".join(x for x in (_md(d.get("document") or ""), f"（{_date(d.get('date'))}）" if d.get("date") else "") if x)
    return _md(d)


def _h(text) -> str:
    from .pages import h
    return h(text)
