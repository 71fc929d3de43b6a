"""The site's pages as Markdown (with raw HTML where it is much faster), generated from the model.

``SitePages(repo, …).generate()`` returns every page and file of the site; the mkdocs plugin hands
them to mkdocs as ``File.generated``. Nothing here knows mkdocs, so the same pages could feed
another builder. Every figure is computed from the lists; nothing is typed by hand.

Pages (source paths, see urls.py): home, departments (index + one per department), items (one per
power item, out of the navigation), boundaries (list, department × matter matrix, one per matter),
catalogs (who claimed each item), laws (items resting on each law; every basis's in-force status on
the legal date, see lawstatus.py), supervision (the supervision system, see supervision.py), rules
(the measure article by article), changes (the adjustments changelog), lookup (the dispatcher's
lookup) and downloads.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape as _html_escape

from . import charts
from . import urls as U

SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示", "off": "关闭"}
ROLE_ORDER = {"牵头": 0, "配合": 1}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|])")
_ARTICLE = re.compile(r"第[一二三四五六七八九十百千零〇两\d]+条")


def h(text) -> str:
    """Escape for raw HTML."""
    return _html_escape("" if text is None else str(text), quote=True)


def md(text) -> str:
    """Escape for inline Markdown (HTML-escaped, Markdown specials backslashed, one line)."""
    s = _html_escape("" if text is None else str(text), quote=False)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("\r", "").replace("\n", "<br>")


def _date(value) -> str:
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value or "")


@dataclass
class Generated:
    src_uri: str
    content: str | bytes
    in_nav: bool = False
    render: object = None         # () -> HtmlPage, for pages whose body is generated as HTML
    kind: str = "page"            # "page" or "item-shell"


@dataclass
class HtmlPage:
    title: str
    body: str                     # the page body without its <h1>
    toc: list                     # mkdocs toc tokens: {level, id, name, children}
    sections: list = field(default_factory=list)   # search: [(anchor or "", title, text)]
    boost: float | None = None

    @property
    def html(self) -> str:
        return f"<h1>{h(self.title)}</h1>\n{self.body}"


class HtmlDoc:
    """A page body built as HTML, with headings (ids, permalinks) collected into a table of contents
    and the text to index collected per section (so search never has to parse the big HTML)."""

    def __init__(self, title: str, search_title: str | None = None):
        self.title = title
        self.parts = []
        self.toc: list = []
        self._stack: list = []
        self.sections: list = [["", search_title or title, []]]

    def heading(self, level: int, text: str, anchor: str) -> None:
        self.parts.append(f'<h{level} id="{h(anchor)}">{h(text)}<a class="headerlink" href="#{h(anchor)}" '
                          f'title="永久链接">&para;</a></h{level}>')
        token = {"level": level, "id": anchor, "name": h(text), "children": []}
        while self._stack and self._stack[-1]["level"] >= level:
            self._stack.pop()
        (self._stack[-1]["children"] if self._stack else self.toc).append(token)
        self._stack.append(token)
        self.sections.append([anchor, text, []])

    def index(self, *texts) -> None:
        """Plain text of the current section for the search index."""
        self.sections[-1][2].extend(str(t) for t in texts if t)

    def p(self, text: str, raw: bool = False, index: bool = True) -> None:
        self.parts.append(f"<p>{text if raw else h(text)}</p>")
        if index and not raw:
            self.index(text)

    def add(self, html: str) -> None:
        self.parts.append(html)

    def table(self, header, rows) -> None:
        """``rows`` are lists of HTML cells."""
        head = "".join(f"<th>{h(x)}</th>" for x in header)
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
        self.parts.append(f'<div class="md-typeset__scrollwrap"><div class="md-typeset__table"><table>'
                          f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></div>")

    def page(self, boost: float | None = None) -> HtmlPage:
        sections = [(a, t, " ".join(x)) for a, t, x in self.sections]
        return HtmlPage(self.title, "\n".join(self.parts), self.toc, sections, boost)


def _title_md(title: str) -> str:
    """The Markdown mkdocs sees for an HTML page: only its title (the body comes from ``render``, its
    search entries from the page's sections, so Material's search does not parse the HTML)."""
    return "\n".join(["---", "search:", "  exclude: true", "---", "", f"# {md(title)}", ""])


# search ranking: the matters a dispatcher or a citizen looks for come before the many items
SEARCH_BOOST = {"boundary": 3, "department": 2, "item": 0.8}


def _front_matter(boost) -> list[str]:
    """YAML front matter with the page's search boost."""
    return ["---", "search:", f"  boost: {boost}", "---", ""] if boost else []


class SitePages:
    """All pages of one repository's site."""

    def __init__(self, repo, *, rules=None, history=None, downloads=None, measure=None,
                 directory_urls: bool = True, item_pages: bool = True, landing: str | None = None,
                 progress=None, legal_date: _dt.date | None = None):
        from ..publishing import public_site_data
        # the one place the publishing policy applies: pages, search index and downloads all read this copy
        repo, history = public_site_data(repo, history)
        self.repo = repo
        self.config = repo.config
        self.rules = rules or []
        self.history = history
        self.downloads = downloads or {}          # dept -> [file names] (written after the build)
        self.measure = measure or {}              # "第八条" -> text
        self.directory_urls = directory_urls
        self.item_pages = item_pages
        self.landing = landing
        self.progress = progress or (lambda *a, **k: None)
        self.city = self.config.city or "本市"
        self.legal_date = legal_date or _dt.date.today()   # laws as in force, findings overdue, on this day
        self._index()

    # ---- indices ------------------------------------------------------------------------
    def _index(self):
        repo = self.repo
        self.depts = sorted(repo.departments.values(), key=lambda d: (d.code, d.id))
        self.items_by_dept = defaultdict(list)
        for it in repo.power_items:
            self.items_by_dept[it.department].append(it)
        self.powers = repo.powers
        self.duties_by_unit = defaultdict(list)
        for d in repo.unit_duties:
            self.duties_by_unit[(d.department, d.unit)].append(d)
        self.task_units_by_dept = defaultdict(list)
        for dept_id, unit, _src in repo.task_units:
            if unit not in self.task_units_by_dept[dept_id]:
                self.task_units_by_dept[dept_id].append(unit)
        self.matters_by_dept = defaultdict(list)
        for b in repo.boundaries:
            for r in b.roles:
                self.matters_by_dept[r.department].append((b, r))
        self.matters_by_power = defaultdict(list)
        for b in repo.boundaries:
            for code in b.related_powers:
                self.matters_by_power[code].append(b)
        self.claims_by_dept = defaultdict(list)
        self.catalog_by_code = {}
        for c in repo.catalog_items:
            self.catalog_by_code.setdefault(c.code, c)
            for cl in c.claims:
                self.claims_by_dept[cl.department].append((c, cl))
        cats = list(self.config.categories)
        self.category_order = {c: i for i, c in enumerate(cats)}
        hist = self.history
        self.item_history = hist.item_history() if hist is not None and hist.available else {}
        self.file_history = hist.file_history() if hist is not None and hist.available else {}
        # laws
        self.law_registry = None
        self.items_by_law = defaultdict(list)       # law id -> [(item, basis)]
        self.matters_by_law = defaultdict(list)
        self.unresolved = defaultdict(list)         # title -> [item]
        try:
            from ..laws import registry_of
            self.law_registry = registry_of(repo)
        except Exception:  # noqa: BLE001 — a missing or broken registry only hides the laws page details
            self.law_registry = None
        resolve_cache: dict = {}

        def resolve(title):
            if title not in resolve_cache:
                law = None
                if self.law_registry is not None:
                    law = self.law_registry.resolve(title).law
                resolve_cache[title] = law
            return resolve_cache[title]

        for it in repo.power_items:
            seen = set()
            for b in it.legal_basis:
                law = resolve(b.title)
                if law is None:
                    self.unresolved[b.title].append(it)
                elif law.id not in seen:
                    seen.add(law.id)
                    self.items_by_law[law.id].append((it, b))
        for m in repo.boundaries:
            for b in m.basis:
                law = resolve(b.title)
                if law is not None and m not in self.matters_by_law[law.id]:
                    self.matters_by_law[law.id].append(m)
        # in-force status of every basis on the legal date (the checker's law_basis facts)
        self.law_status = None
        if self.law_registry is not None:
            try:
                from .lawstatus import LawStatus
                self.law_status = LawStatus(repo, self.legal_date)
            except Exception:  # noqa: BLE001 — without it the pages list the bases without their status
                self.law_status = None
        # the supervision system (ledgers, supervisions, problems, disputes, evaluation, bodies, divisions)
        from .supervision import SupervisionPages
        self.supervision = SupervisionPages(self)

    # ---- helpers ------------------------------------------------------------------------
    def dname(self, dept_id) -> str:
        d = self.repo.departments.get(dept_id)
        return (d.short_name or d.name) if d else str(dept_id)

    def dlink(self, here: str, dept_id) -> str:
        if dept_id in self.repo.departments:
            return f"[{md(self.dname(dept_id))}]({U.md_link(here, U.department(dept_id))})"
        return f"{md(dept_id)}（未登记部门）"

    def dhref(self, here: str, dept_id) -> str:
        if dept_id in self.repo.departments:
            return f'<a href="{U.href(here, U.department(dept_id), self.directory_urls)}">{h(self.dname(dept_id))}</a>'
        return f"{h(dept_id)}（未登记部门）"

    def ihref(self, here: str, code, text=None) -> str:
        """An item link as inline HTML: item pages are written after the build, outside mkdocs' file list."""
        it = self.powers.get(code)
        label = h(text if text is not None else (it.full_name if it else code))
        if it is None:
            return f"{label}（未找到该事项）"
        if self.item_pages:
            return f'<a href="{U.href(here, U.item(code), self.directory_urls)}">{label}</a>'
        if it.department in self.repo.departments:
            return f'<a href="{U.href(here, U.department(it.department), self.directory_urls, it.code)}">{label}</a>'
        return label

    ilink = ihref  # inline HTML works in Markdown pages too

    def blink(self, here: str, matter) -> str:
        return f"[{md(matter.name)}]({U.md_link(here, U.boundary(matter.id))})"

    def bhref(self, here: str, matter) -> str:
        return f'<a href="{U.href(here, U.boundary(matter.id), self.directory_urls)}">{h(matter.name)}</a>'

    def cat_sort(self, cat: str):
        return (self.category_order.get(cat, len(self.category_order)), cat)

    def _basis_html(self, basis, here: str | None = None, statuses=None) -> str:
        """The bases as an ordered list; with ``statuses`` (see lawstatus.py) each carries its registry
        entry (linked to the law page) and whether it is in force on the legal date."""
        if not basis:
            return "<p>（未列实施依据）</p>"
        lines = []
        for i, b in enumerate(basis):
            text = f'<blockquote>{h(b.text)}</blockquote>' if b.text else ""
            st = statuses[i] if statuses and i < len(statuses) else None
            lines.append(f"<li>【{h(b.level)}】{self._law_title_html(here, b.title, st)}{h(b.article)}"
                         f"{self.law_badge(here, b.title, st)}{text}</li>")
        return '<ol class="pk-basis">' + "".join(lines) + "</ol>"

    def _law_title_html(self, here, title, st) -> str:
        if st is not None and st.law_id and here is not None:
            return f'<a href="{U.href(here, U.law(st.law_id), self.directory_urls)}">《{h(title)}》</a>'
        return f"《{h(title)}》"

    def law_badge(self, here, title, st) -> str:
        """`` 现行有效`` (or 已废止（日期）…) as a badge, the registry title when the list cites a variant,
        and the warnings (level cannot set the power, level mismatch, renumbered)."""
        if st is None:
            return ""
        out = f' <span class="pk-law pk-law-{st.status}" title="法律日期 {self.legal_date.isoformat()}">{h(st.text)}</span>'
        if st.law_title and st.law_title != title and here is not None:
            out += (f'<span class="pk-law-entry">（法律法规库：<a href="{U.href(here, U.law(st.law_id), self.directory_urls)}">'
                    f"《{h(st.law_title)}》</a>）</span>")
        for _kind, warning in st.warnings:
            out += f' <span class="pk-law-warn">⚠ {h(warning)}</span>'
        return out

    def item_statuses(self, it):
        return self.law_status.item(it) if self.law_status else None

    @staticmethod
    def _list_html(values, ordered=True) -> str:
        if not values:
            return "<p>（未填写）</p>"
        tag = "ol" if ordered else "ul"
        return f"<{tag}>" + "".join(f"<li>{h(v)}</li>" for v in values) + f"</{tag}>"

    def history_entries(self, key: str, files=()) -> list[tuple]:
        """``(day, short, change, type, approval, note)`` of the adjustments touching ``key``
        (or, without item-level history, its files)."""
        rows = []
        for adj, ch in self.item_history.get(key, ()):
            rows.append((adj.day, adj.short, ch.kind, adj.type or "—", adj.approval or "—", ch.summary or adj.subject))
        if not rows and files:
            seen = set()
            for f in files:
                for adj in self.file_history.get(f, ()):
                    if adj.commit in seen:
                        continue
                    seen.add(adj.commit)
                    rows.append((adj.day, adj.short, f"修改 {f}", adj.type or "—", adj.approval or "—", adj.subject))
            rows.sort(key=lambda r: r[0], reverse=True)
        return rows

    def _history_state(self, key, files) -> tuple[str | None, list]:
        if self.history is None or not self.history.available:
            reason = self.history.reason if self.history is not None else "未读取版本历史"
            return f"暂无版本历史（{reason}）。", []
        rows = self.history_entries(key, files)
        return (None if rows else "自有版本记录以来未作调整。"), rows

    HISTORY_HEADER = ["日期", "版本", "变更", "调整类型", "批准文号", "说明"]

    def history_section(self, key: str, here: str, files=(), level="##") -> list[str]:
        """The history of ``key`` as Markdown lines."""
        note, rows = self._history_state(key, files)
        out = [f"{level} 调整历史", ""]
        if note:
            return out + [md(note), ""]
        out += ["| " + " | ".join(self.HISTORY_HEADER) + " |", "|---|---|---|---|---|---|"]
        out += [f"| {r[0]} | `{r[1]}` | " + " | ".join(md(x) for x in r[2:]) + " |" for r in rows]
        return out + [""]

    def history_html(self, doc: "HtmlDoc", key: str, here: str, files=(), heading_id="history") -> None:
        note, rows = self._history_state(key, files)
        doc.heading(2, "调整历史", heading_id)
        if note:
            doc.p(note, index=False)
        else:
            doc.table(self.HISTORY_HEADER, [[h(r[0]), f"<code>{h(r[1])}</code>", *[h(x) for x in r[2:]]] for r in rows])

    # ---- generation ---------------------------------------------------------------------
    SHELL_TITLE = "@@PKTITLE@@"
    SHELL_CONTENT = "@@PKCONTENT@@"

    def generate(self):
        """Yield every :class:`Generated` page and file mkdocs builds.

        Department and law pages are rendered here as HTML (``render``); mkdocs only wraps them in the
        theme. Item pages: mkdocs renders one shell (``kind="item-shell"``), and the plugin writes
        every item page into that shell after the build (see ``item_page``).
        """
        if self.item_pages and self.powers:   # first: mkdocs renders pages in this order, and the
            first = next(iter(self.powers.values()))   # other item pages are written from this shell
            yield Generated(U.item(first.code), f"---\nsearch:\n  exclude: true\n---\n\n# {self.SHELL_TITLE}\n",
                            kind="item-shell", render=(lambda it=first: self.item_page(it)))
        yield Generated(U.HOME, self.home(), True)
        yield Generated(U.DEPARTMENTS, self.departments_index(), True)
        for d in self.depts:
            yield Generated(U.department(d.id), _title_md(d.name),
                            render=(lambda d=d: self.department_page(d)))
        yield Generated(U.BOUNDARIES, self.boundaries_index(), True)
        seen = set()
        for b in self.repo.boundaries:
            if b.id in seen:
                continue
            seen.add(b.id)
            yield Generated(U.boundary(b.id), self.boundary_page(b))
        yield Generated(U.CATALOGS, self.catalogs_page(), True)
        yield Generated(U.LAWS, self.laws_index(), True)
        if self.law_registry is not None:
            for law in self.law_registry.laws:
                yield Generated(U.law(law.id), _title_md(law.title), render=(lambda law=law: self.law_page(law)))
        yield from self.supervision.generate()
        yield Generated(U.RULES, self.rules_page(), True)
        yield Generated(U.CHANGES, self.changes_page(), True)
        yield Generated(U.LOOKUP, self.lookup_page(), True)
        yield Generated(U.LOOKUP_JSON, self.lookup_json())
        yield Generated(U.DOWNLOADS, self.downloads_page(), True)

    def item_codes(self) -> list[str]:
        return list(self.powers) if self.item_pages else []

    # ---- home ---------------------------------------------------------------------------
    def counts(self) -> dict:
        repo = self.repo
        claimed_ok = sum(1 for c in repo.catalog_items if len(c.leads) == 1)
        return {
            "departments": len(repo.departments),
            "units": sum(len(d.units) for d in repo.departments.values()),
            "main_duties": sum(len(d.main_duties) for d in repo.departments.values()),
            "unit_duties": len(repo.unit_duties),
            "tasks": sum(len(d.tasks) for d in repo.unit_duties),
            "powers": len(self.powers),
            "in_use": sum(1 for it in self.powers.values() if it.status == "在用"),
            "boundaries": len({b.id for b in repo.boundaries}),
            "catalog_items": len(repo.catalog_items),
            "claimed": claimed_ok,
            "unclaimed": len(repo.catalog_items) - claimed_ok,
            "laws": len(repo.laws),
            "rules": len(self.rules),
        }

    def as_of_line(self) -> str:
        hist = self.history
        if hist is not None and hist.as_of is not None:
            a = hist.as_of
            dirty = "；工作区另有未提交的修改，本站按工作区内容生成" if a.dirty else ""
            return f"数据截至 **{a.day}**，版本 `{a.short}`{dirty}。"
        reason = hist.reason if hist is not None else "未读取版本历史"
        return f"数据来自工作区（{md(reason)}）。"

    def home(self) -> str:
        here = U.HOME
        c = self.counts()
        figures = [
            ("部门", c["departments"], "个", U.DEPARTMENTS),
            ("内设机构", c["units"], "个", U.DEPARTMENTS),
            ("三定主要职责", c["main_duties"], "条", U.DEPARTMENTS),
            ("处室职责", c["unit_duties"], "条", U.DEPARTMENTS),
            ("权力事项", c["powers"], "项", U.DEPARTMENTS),
            ("职责边界事项", c["boundaries"], "项", U.BOUNDARIES),
            ("监管事项", c["catalog_items"], "项", U.CATALOGS),
            ("法律法规", c["laws"], "部", U.LAWS),
            ("检查规则", c["rules"], "条", U.RULES),
        ]
        cards = "".join(
            f'<a class="pk-figure" href="{U.href(here, target, self.directory_urls)}">'
            f'<span class="pk-figure-label">{h(label)}</span>'
            f'<span class="pk-figure-value">{value:,}<small class="pk-figure-unit">{unit}</small></span></a>'
            for label, value, unit, target in figures)
        by_cat = Counter(it.category for it in self.powers.values())
        cat_rows = sorted(by_cat.items(), key=lambda kv: self.cat_sort(kv[0]))
        by_dept = Counter(it.department for it in self.powers.values())
        top = sorted(by_dept.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
        dept_links = {self.dname(k): U.href(here, U.department(k), self.directory_urls)
                      for k, _ in top if k in self.repo.departments}
        types = Counter(d.type or "其他" for d in self.repo.departments.values())
        roles = Counter(r.role for b in self.repo.boundaries for r in b.roles)
        lines = []
        if self.landing is None:
            lines += [f"# {md(self.city)}政府部门职责清单", "",
                      f"本站公布{md(self.city)}各部门的**权责清单**、**三定规定与职责任务清单**、**职责边界清单**和"
                      "监管事项认领情况，由版本库中的清单数据自动生成，与清单同步更新。", ""]
        lines += [f'<p class="pk-asof">{self._inline_html(self.as_of_line())}</p>', "",
                  "## 总体情况", "", f'<div class="pk-figures">{cards}</div>', "",
                  "## 权力事项按类型", "",
                  f'<div class="pk-chart-box">{charts.bar_chart(cat_rows, title="权力事项按类型统计")}</div>', "",
                  "| 权力类型 | 事项数 | 占比 |", "|---|---:|---:|"]
        total = sum(by_cat.values()) or 1
        for cat, n in cat_rows:
            lines.append(f"| {md(cat)} | {n} | {n * 100 / total:.1f}% |")
        lines += ["", "## 权力事项最多的部门", "",
                  f'<div class="pk-chart-box">{charts.bar_chart([(self.dname(k), v) for k, v in top], title="权力事项最多的部门", links=dept_links)}</div>',
                  "", f"全部 {c['departments']} 个部门的事项数见[部门一览]({U.md_link(here, U.DEPARTMENTS)})。", "",
                  "## 部门类型与边界角色", "",
                  '<div class="pk-chart-row">'
                  f'<div class="pk-chart-box">{charts.donut_chart(sorted(types.items(), key=lambda kv: -kv[1]), title="部门类型", unit="个")}</div>'
                  f'<div class="pk-chart-box">{charts.donut_chart(sorted(roles.items(), key=lambda kv: ROLE_ORDER.get(kv[0], 9)), title="职责边界事项中的部门角色", unit="次")}</div>'
                  "</div>", "",
                  "## 各清单", "",
                  "| 清单 | 数量 | 说明 |", "|---|---:|---|",
                  f"| [权责清单]({U.md_link(here, U.DEPARTMENTS)}) | {c['powers']} 项 | 其中在用 {c['in_use']} 项，按部门、按类型公布 |",
                  f"| [职责任务清单]({U.md_link(here, U.DEPARTMENTS)}) | {c['unit_duties']} 条 | {c['units']} 个内设机构的处室职责，具体任务 {c['tasks']} 项 |",
                  f"| [职责边界清单]({U.md_link(here, U.BOUNDARIES)}) | {c['boundaries']} 项 | 每项明确一个牵头部门和配合部门 |",
                  f"| [监管事项目录]({U.md_link(here, U.CATALOGS)}) | {c['catalog_items']} 项 | 已由一个部门牵头认领 {c['claimed']} 项，待明确 {c['unclaimed']} 项 |",
                  f"| [法律法规]({U.md_link(here, U.LAWS)}) | {c['laws']} 部 | 清单事项的实施依据 |",
                  f"| [检查规则]({U.md_link(here, U.RULES)}) | {c['rules']} 条 | 《部门职能运行监管办法》逐条对应的检查规则 |",
                  *([f"| [监督管理]({U.md_link(here, U.SUPERVISION)}) | {len(self.supervision.ledgers)} 份台账 | "
                     "履职台账、督导评估台账、问题征集与调处、履职评估、议事协调机构、市县事权划分 |"] if self.supervision else []),
                  "",
                  f"12345 热线派单请用[派单查询]({U.md_link(here, U.LOOKUP)})；各部门清单可在[下载]({U.md_link(here, U.DOWNLOADS)})页"
                  "获取 Excel 和 CSV 文件。", ""]
        body = "\n".join(lines)
        if self.landing is not None:
            marker = "<!-- policykit:home -->"
            return self.landing.replace(marker, body) if marker in self.landing else self.landing.rstrip() + "\n\n" + body
        return body

    @staticmethod
    def _inline_html(markdown_text: str) -> str:
        """The few inline Markdown marks used in generated sentences, as HTML (for raw HTML blocks)."""
        s = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", markdown_text)
        s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
        return re.sub(r"\\([\\`*_\[\]#|])", r"\1", s)

    # ---- departments --------------------------------------------------------------------
    def departments_index(self) -> str:
        here = U.DEPARTMENTS
        lines = ["# 部门一览", "",
                 f"共 {len(self.depts)} 个部门。点击部门名称查看其三定规定、职责任务清单、权责清单和职责边界。", ""]
        by_type = defaultdict(list)
        for d in self.depts:
            by_type[d.type or "其他"].append(d)
        for t in sorted(by_type, key=lambda t: (-len(by_type[t]), t)):
            lines += [f"## {md(t)}（{len(by_type[t])} 个）", "",
                      "| 部门 | 编码 | 内设机构 | 处室职责 | 权力事项 | 边界事项（牵头/配合） | 下载 |",
                      "|---|---|---:|---:|---:|---:|---|"]
            for d in by_type[t]:
                matters = self.matters_by_dept.get(d.id, [])
                lead = sum(1 for _, r in matters if r.role == "牵头")
                dl = self._download_links(here, d.id)
                lines.append(f"| {self.dlink(here, d.id)} | {md(d.code)} | {len(d.units)} | "
                             f"{sum(len(self.duties_by_unit.get((d.id, u.name), ())) for u in d.units)} | "
                             f"{len(self.items_by_dept.get(d.id, ()))} | {lead}/{len(matters) - lead} | {dl} |")
            lines.append("")
        orphans = sorted(set(self.items_by_dept) - set(self.repo.departments))
        if orphans:
            lines += ["## 未登记三定规定的部门", "", "以下部门有权责清单，但没有三定规定文件：", ""]
            lines += [f"- {md(o)}：{len(self.items_by_dept[o])} 项" for o in orphans]
            lines.append("")
        return "\n".join(lines)

    def _download_links(self, here: str, dept_id: str) -> str:
        files = self.downloads.get(dept_id) or {}
        name = self.repo.departments[dept_id].name if dept_id in self.repo.departments else dept_id
        out = []
        for fmt, label in (("xlsx", "Excel"), ("csv", "CSV")):
            fname = f"{dept_id}.{fmt}"
            if fname in files:
                out.append(f'<a href="{U.href(here, U.download(dept_id, fmt), self.directory_urls)}" '
                           f'download="{h(name)}权责清单.{fmt}">{label}</a>')
        return " · ".join(out) or "—"

    def department_page(self, d) -> "HtmlPage":
        here = U.department(d.id)
        items = self.items_by_dept.get(d.id, [])
        matters = self.matters_by_dept.get(d.id, [])
        doc = HtmlDoc(d.name, f"{d.name}（{d.short_name}）" if d.short_name and d.short_name != d.name else d.name)
        meta = [("简称", d.short_name), ("部门类型", d.type), ("部门编码", d.code),
                ("三定规定", d.sanding_document), ("施行日期", _date(d.sanding_effective))]
        raw = self.repo.documents.get(d.source.file)
        sanding = (raw.data or {}).get("sanding") if raw is not None and isinstance(raw.data, dict) else None
        if isinstance(sanding, dict):
            if sanding.get("rank"):
                meta.append(("机构规格", sanding["rank"]))
            staffing = sanding.get("staffing") or {}
            if isinstance(staffing, dict) and staffing:
                parts = []
                if staffing.get("administrative") is not None:
                    parts.append(f"行政编制 {staffing['administrative']} 名")
                if staffing.get("leaders") is not None:
                    parts.append(f"领导职数 {staffing['leaders']} 名")
                if parts:
                    meta.append(("人员编制", "，".join(parts)))
        doc.table(["项目", "内容"], [[h(k), h(v)] for k, v in meta if v])
        doc.index(*[f"{k} {v}" for k, v in meta if v])
        lead = sum(1 for _, r in matters if r.role == "牵头")
        n_duties = sum(len(self.duties_by_unit.get((d.id, u), ())) for u in self._units_of(d))
        doc.p(f"本部门有内设机构 {len(d.units)} 个、三定主要职责 {len(d.main_duties)} 条、处室职责 {n_duties} 条、"
              f"权力事项 {len(items)} 项，参与职责边界事项 {len(matters)} 项（牵头 {lead} 项）。")
        dl = self._download_links(here, d.id)
        if dl != "—":
            doc.p(f"下载本部门权责清单：{dl}", raw=True)
        for line in self.supervision.department_links(here, d.id):
            doc.p(line + "。", raw=True)
        # 三定
        doc.heading(2, "三定规定主要职责", "sanding")
        if d.main_duties:
            doc.add("<ol>" + "".join(f'<li value="{duty.no}">{h(duty.text)}</li>'
                                     for duty in sorted(d.main_duties, key=lambda x: x.no)) + "</ol>")
            doc.index(*(duty.text for duty in d.main_duties))
        else:
            doc.p("（未列主要职责）")
        # units and duty lists
        doc.heading(2, "内设机构及职责任务清单", "units")
        item_by_unit = defaultdict(list)
        for it in items:
            item_by_unit[it.unit].append(it)
        duty_text = {x.no: x.text for x in d.main_duties}
        for n, unit in enumerate(self._units_of(d), 1):
            u = d.unit(unit)
            doc.heading(3, unit, f"unit-{n}")
            if u is None:
                doc.add("<blockquote><p>该处室有职责任务清单，但三定规定的内设机构中没有它。</p></blockquote>")
            elif u.duties_summary:
                doc.p(u.duties_summary)
            duties = sorted(self.duties_by_unit.get((d.id, unit), ()), key=lambda x: x.no)
            if duties:
                rows = []
                for x in duties:
                    sd = f"第 {x.sanding_duty} 条" if x.sanding_duty in duty_text else f"第 {x.sanding_duty} 条（三定中无此条）"
                    rows.append([str(x.no), h(sd), h(x.content), "<br>".join(h(t) for t in x.tasks), h(x.post or "")])
                doc.table(["序号", "对应三定职责", "职责内容", "具体任务", "岗位"], rows)
                doc.index(*(x.content for x in duties))
            else:
                doc.p("（尚无职责任务清单）")
            undertaken = item_by_unit.get(unit, [])
            if undertaken:
                shown = "、".join(self.ihref(here, it.code, it.full_name) for it in undertaken[:30])
                more = f" 等 {len(undertaken)} 项" if len(undertaken) > 30 else f"，共 {len(undertaken)} 项"
                doc.p(f"承办的权力事项：{shown}{more}。", raw=True)   # items are indexed on their own pages
        # powers by category
        doc.heading(2, f"权责清单（{len(items)} 项）", "powers")
        if not items:
            doc.p("（本部门没有权力事项）")
        by_cat = defaultdict(list)
        for it in items:
            by_cat[it.category].append(it)
        exclude = " data-search-exclude" if self.item_pages else ""
        for cat in sorted(by_cat, key=self.cat_sort):
            letters = self.config.categories.get(cat) or f"c{self.cat_sort(cat)[0]}"
            doc.heading(3, f"{cat}（{len(by_cat[cat])} 项）", f"cat-{letters}")
            doc.add("".join(self._item_details(here, it, duty_text, exclude) for it in by_cat[cat]))
        # boundaries
        doc.heading(2, f"职责边界（{len(matters)} 项）", "boundaries")
        if matters:
            rows = []
            for b, r in sorted(matters, key=lambda br: (ROLE_ORDER.get(br[1].role, 9), br[0].id)):
                rows.append([self.bhref(here, b), h(r.role), "<br>".join(h(x) for x in r.duties),
                             self.dhref(here, b.lead) if b.lead else "（未明确）"])
            doc.table(["事项", "本部门角色", "本部门职责", "牵头部门"], rows)
            doc.index(*(f"{b.name} {r.role} {' '.join(r.duties)}" for b, r in matters))
        else:
            doc.p("（本部门未参与职责边界事项）")
        claims = self.claims_by_dept.get(d.id, [])
        if claims:
            doc.heading(2, f"监管事项认领（{len(claims)} 项）", "claims")
            doc.table(["目录", "编码", "监管事项", "角色"],
                      [[h(c.catalog), h(c.code), h(c.name), h(cl.role)]
                       for c, cl in sorted(claims, key=lambda x: (x[0].catalog, x[0].code))])
            doc.index(*(c.name for c, _ in claims))
        files = [f for f, dept in self.repo.power_files.items() if dept == d.id] + [d.source.file]
        files += sorted({src.file for dd, _u, src in self.repo.task_units if dd == d.id})
        self.history_html(doc, d.id, here, files)
        return doc.page(SEARCH_BOOST["department"])

    def _units_of(self, d) -> list[str]:
        names = [u.name for u in d.units]
        extra = [u for u in self.task_units_by_dept.get(d.id, []) if u not in names]
        return names + extra

    def _item_details(self, here, it, duty_text, exclude) -> str:
        link = self.ihref(here, it.code, "事项详情与调整历史") if self.item_pages else ""
        rows = [("承办机构", h(it.unit)), ("实施层级", h("、".join(it.levels))),
                ("权力来源", h(it.power_source + (f"（{it.source_document}）" if it.source_document else ""))),
                ("状态", h(it.status))]
        if it.sanding_duty is not None:
            rows.append(("对应三定职责", h(f"第 {it.sanding_duty} 条" + (f"：{duty_text[it.sanding_duty]}" if it.sanding_duty in duty_text else ""))))
        if it.co_departments:
            rows.append(("共同实施部门", "、".join(self.dhref(here, x) for x in it.co_departments)))
        table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
        status = "" if it.status == "在用" else f' <span class="pk-status">{h(it.status)}</span>'
        return (f'<details class="pk-item"{exclude} id="{h(it.code)}"><summary><code>{h(it.code)}</code> {h(it.full_name)}{status}</summary>'
                f'<table class="pk-kv">{table}</table>'
                f"<p><strong>实施依据</strong></p>{self._basis_html(it.legal_basis, here, self.item_statuses(it))}"
                f"<p><strong>责任事项</strong></p>{self._list_html(it.responsibilities)}"
                f"<p><strong>追责对象范围</strong>：{h('、'.join(it.accountability_targets) or '（未填写）')}</p>"
                f"<p><strong>追责情形</strong></p>{self._list_html(it.accountability_cases)}"
                + (f"<p>{link}</p>" if link else "") + "</details>")

    # ---- items --------------------------------------------------------------------------
    ITEM_SECTIONS = (("basis", "实施依据"), ("responsibilities", "责任事项"), ("accountability", "追责"),
                     ("related", "相关边界、监管事项与履职记录"), ("history", "调整历史"))

    def item_page(self, it) -> "HtmlPage":
        """One power item; every item page has the same headings (the pages share one rendered shell)."""
        here = U.item(it.code)
        d = self.repo.departments.get(it.department)
        raw = it.raw if isinstance(it.raw, dict) else {}
        doc = HtmlDoc(it.full_name)
        rows = [("事项编码", f"<code>{h(it.code)}</code>"), ("事项名称", h(it.name))]
        if it.sub_name:
            rows.append(("子项名称", h(it.sub_name)))
        rows += [("权力类型", h(it.category)), ("行使主体", self.dhref(here, it.department)),
                 ("承办机构", h(it.unit)), ("实施层级", h("、".join(it.levels)))]
        if it.sanding_duty is not None:
            text = next((x.text for x in d.main_duties if x.no == it.sanding_duty), None) if d else None
            rows.append(("对应三定职责", h(f"第 {it.sanding_duty} 条" + (f"：{text}" if text else ""))))
        rows.append(("权力来源", h(it.power_source)))
        if it.source_document:
            rows.append(("下放/授权/委托文件", h(it.source_document)))
        if it.delegator:
            rows.append(("下放/授权/委托机关", h(it.delegator)))
        if it.co_departments:
            rows.append(("共同实施部门", "、".join(self.dhref(here, x) for x in it.co_departments)))
        if it.catalog_code:
            rows.append(("基本编码", h(it.catalog_code)))
        rows.append(("状态", h(it.status)))
        for key, label in (("remedy", "救济渠道"), ("phone", "监督电话"), ("remark", "备注")):
            if raw.get(key):
                rows.append((label, h(raw[key])))
        doc.table(["项目", "内容"], [[k, v] for k, v in rows])
        sections = dict(self.ITEM_SECTIONS)
        doc.heading(2, sections["basis"], "basis")
        doc.add(self._basis_html(it.legal_basis, here, self.item_statuses(it)))
        if self.law_status:
            doc.p(f"效力状况按法律日期 {self.legal_date.isoformat()} 核对。", index=False)
        doc.heading(2, sections["responsibilities"], "responsibilities")
        doc.add(self._list_html(it.responsibilities))
        doc.heading(2, sections["accountability"], "accountability")
        doc.p(f"<strong>追责对象范围</strong>：{h('、'.join(it.accountability_targets) or '（未填写）')}", raw=True)
        doc.p("<strong>追责情形</strong>：", raw=True)
        doc.add(self._list_html(it.accountability_cases))
        doc.heading(2, sections["related"], "related")
        related = [f"职责边界事项：{self.bhref(here, b)}" for b in self.matters_by_power.get(it.code, [])]
        for code in it.supervision_items:
            c = self.catalog_by_code.get(code)
            related.append(f"监管事项：{h(code)} {h(c.name) if c else '（目录中没有该编码）'}")
        related += self.supervision.item_related(here, it.code)
        if related:
            doc.add("<ul>" + "".join(f"<li>{x}</li>" for x in related) + "</ul>")
        else:
            doc.p("（无）")
        self.history_html(doc, it.code, here, [it.source.file] if it.source else [], heading_id="history")
        return doc.page()

    def item_search_text(self, it) -> str:
        """What the search index keeps of an item page: identity and basis, not the long boilerplate."""
        basis = " ".join(f"{b.level} {b.title} {b.article}" for b in it.legal_basis)
        return f"{it.code} {self.dname(it.department)} {it.category} {it.unit} {basis}"

    # ---- boundaries ---------------------------------------------------------------------
    def _unique_matters(self):
        seen, out = set(), []
        for b in sorted(self.repo.boundaries, key=lambda b: b.id):
            if b.id not in seen:
                seen.add(b.id)
                out.append(b)
        return out

    def boundaries_index(self) -> str:
        here = U.BOUNDARIES
        matters = self._unique_matters()
        lines = ["# 职责边界清单", "",
                 f"涉及两个以上部门的事项共 {len(matters)} 项。每项明确一个牵头部门，配合部门分别写明职责，"
                 "并建立启动、衔接、争议解决和督促落实的协调配合机制。", "",
                 "| 编号 | 事项 | 领域 | 牵头部门 | 配合部门 |", "|---|---|---|---|---|"]
        for b in matters:
            leads = [r.department for r in b.roles if r.role == "牵头"]
            lead = "、".join(self.dlink(here, x) for x in leads) if leads else "（未明确）"
            coop = "、".join(self.dlink(here, x) for x in b.cooperating) or "—"
            lines.append(f"| {md(b.id)} | {self.blink(here, b)} | {md(b.domain or '')} | {lead} | {coop} |")
        lines += ["", "## 部门 × 事项矩阵", "",
                  "“牵”表示牵头，“配”表示配合；横向滚动查看全部事项，鼠标悬停在编号上可见事项名称。", ""]
        depts = sorted({r.department for b in matters for r in b.roles},
                       key=lambda x: (self.repo.departments[x].code if x in self.repo.departments else "~", x))
        role_of = {(r.department, b.id): r.role for b in matters for r in b.roles}
        head = "".join(f'<th scope="col" title="{h(b.name)}"><a href="{U.href(here, U.boundary(b.id), self.directory_urls)}">'
                       f"{h(b.id)}</a></th>" for b in matters)
        rows = []
        for dept in depts:
            cells = []
            for b in matters:
                role = role_of.get((dept, b.id))
                if role is None:
                    cells.append("<td></td>")
                else:
                    cls = "pk-lead" if role == "牵头" else "pk-coop"
                    cells.append(f'<td class="{cls}" title="{h(self.dname(dept))}：{h(b.name)}（{h(role)}）">{h(role[0])}</td>')
            n_lead = sum(1 for b in matters if role_of.get((dept, b.id)) == "牵头")
            n_all = sum(1 for b in matters if (dept, b.id) in role_of)
            rows.append(f'<tr><th scope="row">{self.dhref(here, dept)}</th><td class="pk-num">{n_lead}/{n_all}</td>{"".join(cells)}</tr>')
        lines += ['<div class="pk-matrix-wrap"><table class="pk-matrix">',
                  f'<thead><tr><th scope="col">部门</th><th scope="col">牵头/参与</th>{head}</tr></thead>',
                  f"<tbody>{''.join(rows)}</tbody></table></div>", ""]
        return "\n".join(lines)

    def boundary_page(self, b) -> str:
        here = U.boundary(b.id)
        lines = [*_front_matter(SEARCH_BOOST["boundary"]), f"# {md(b.name)}", "",
                 "| 项目 | 内容 |", "|---|---|", f"| 编号 | {md(b.id)} |"]
        if b.domain:
            lines.append(f"| 领域 | {md(b.domain)} |")
        leads = [r.department for r in b.roles if r.role == "牵头"]
        lines.append(f"| 牵头部门 | {'、'.join(self.dlink(here, x) for x in leads) or '（未明确）'} |")
        lines.append(f"| 配合部门 | {'、'.join(self.dlink(here, x) for x in b.cooperating) or '—'} |")
        lines += ["", "## 各部门职责", ""]
        for r in sorted(b.roles, key=lambda r: ROLE_ORDER.get(r.role, 9)):
            lines += [f"### {md(self.dname(r.department))}（{md(r.role)}）", ""]
            lines += [f"- {md(x)}" for x in r.duties] or ["（未写明职责）"]
            lines += ["", f"见{self.dlink(here, r.department)}部门页面。", ""]
        mech = b.mechanism or {}
        lines += ["## 协调配合机制", "", "| 环节 | 内容 |", "|---|---|"]
        for key, label in (("trigger", "启动情形"), ("handoff", "衔接流程"), ("dispute_resolution", "争议解决办法"),
                           ("enforcement", "督促落实")):
            lines.append(f"| {label} | {md(mech.get(key) or '（未写明）')} |")
        lines += ["", "## 依据", ""]
        statuses = self.law_status.matter(b) if self.law_status else [None] * len(b.basis)
        lines += [f"{n}. 【{md(x.level)}】{self._law_title_html(here, x.title, st)}{md(x.article)}{self.law_badge(here, x.title, st)}"
                  for n, (x, st) in enumerate(zip(b.basis, statuses), 1)] or ["（未列依据）"]
        if self.law_status and b.basis:
            lines += ["", f"效力状况按法律日期 {self.legal_date.isoformat()} 核对。"]
        lines.append("")
        if b.related_powers:
            lines += ["## 相关权力事项", "", "| 编码 | 事项 | 部门 |", "|---|---|---|"]
            for code in b.related_powers:
                it = self.powers.get(code)
                lines.append(f"| `{md(code)}` | {self.ilink(here, code)} | {self.dlink(here, it.department) if it else '—'} |")
            lines.append("")
        lines += self.history_section(b.id, here, [b.source.file] if b.source else [])
        return "\n".join(lines)

    # ---- catalogue ----------------------------------------------------------------------
    def catalogs_page(self) -> str:
        here = U.CATALOGS
        items = self.repo.catalog_items
        by_cat = defaultdict(list)
        for c in items:
            by_cat[c.catalog].append(c)
        names = {}
        for rel, kind in self.repo.kinds.items():
            if kind == "catalog":
                data = self.repo.documents[rel].data
                if isinstance(data, dict) and data.get("id"):
                    names[data["id"]] = data.get("name") or data["id"]
        ok = sum(1 for c in items if len(c.leads) == 1)
        lines = ["# 监管事项目录认领", "",
                 f"目录中共有监管事项 {len(items)} 项，已由且仅由一个部门牵头认领 {ok} 项，"
                 f"尚未明确唯一牵头部门 {len(items) - ok} 项。", ""]
        for cat_id in sorted(by_cat):
            entries = sorted(by_cat[cat_id], key=lambda c: c.code)
            bad = [c for c in entries if len(c.leads) != 1]
            lines += [f"## {md(names.get(cat_id, cat_id))}", "", f"共 {len(entries)} 项，待明确牵头部门 {len(bad)} 项。", ""]
            if bad:
                lines += ["### 待明确牵头部门的事项", "", "| 编码 | 监管事项 | 问题 | 认领部门 |", "|---|---|---|---|"]
                for c in bad:
                    problem = "无部门牵头认领" if not c.leads else f"{len(c.leads)} 个部门同时牵头"
                    who = "、".join(f"{self.dlink(here, cl.department)}（{md(cl.role)}）" for cl in c.claims) or "—"
                    lines.append(f"| {md(c.code)} | {md(c.name)} | {problem} | {who} |")
                lines.append("")
            lines += ["### 全部事项", "", "| 编码 | 监管事项 | 领域 | 牵头部门 | 配合部门 |", "|---|---|---|---|---|"]
            for c in entries:
                leads = "、".join(self.dlink(here, x) for x in c.leads) or "**（无）**"
                coop = "、".join(self.dlink(here, cl.department) for cl in c.claims if cl.role != "牵头") or "—"
                lines.append(f"| {md(c.code)} | {md(c.name)} | {md(c.domain or '')} | {leads} | {coop} |")
            lines.append("")
        if not items:
            lines += ["（没有监管事项目录）", ""]
        return "\n".join(lines)

    # ---- laws ---------------------------------------------------------------------------
    def laws_index(self) -> str:
        here = U.LAWS
        lines = ["# 法律法规", "", "清单事项的实施依据按法律法规归集。点击法规名称查看以其为依据的全部事项。", ""]
        reg = self.law_registry
        if reg is None or not reg.laws:
            lines += ["（法律法规库为空）", ""]
        else:
            today = self.legal_date
            lines += self._basis_status_summary(here)
            lines += ["## 法律法规库", "",
                      f"“现行版本施行”为法律日期 {today.isoformat()} 时有效版本的施行日期。", "",
                      "| 法律法规 | 层级 | 制定机关 | 现行版本施行 | 事项数 | 边界事项数 |", "|---|---|---|---|---:|---:|"]
            level_order = {lv: i for i, lv in enumerate(self.config.basis_levels)}
            for law in sorted(reg.laws, key=lambda x: (level_order.get(x.level, 99), -len(self.items_by_law.get(x.id, ())), x.title)):
                v = law.version_at(today)
                current = _date(v.effective or v.promulgated) if v else ("已废止" if law.repealed_by(today) else "尚未施行")
                lines.append(f"| [{md(law.title)}]({U.md_link(here, U.law(law.id))}) | {md(law.level)} | {md(law.issuer or '')} | "
                             f"{current} | {len(self.items_by_law.get(law.id, ()))} | {len(self.matters_by_law.get(law.id, ()))} |")
            lines.append("")
        if self.unresolved:
            total = sum(len(v) for v in self.unresolved.values())
            lines += ["## 未收录的依据", "",
                      f"以下 {len(self.unresolved)} 部依据（被引用 {total} 次）不在法律法规库中，请核对名称或登记入库。", "",
                      "| 依据名称 | 引用次数 | 部分事项 |", "|---|---:|---|"]
            for title, its in sorted(self.unresolved.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                sample = "、".join(self.ilink(here, it.code, it.full_name) for it in its[:5])
                more = " 等" if len(its) > 5 else ""
                lines.append(f"| 《{md(title)}》 | {len(its)} | {sample}{more} |")
            lines.append("")
        return "\n".join(lines)

    def _basis_status_summary(self, here: str, limit: int = 300) -> list[str]:
        """Markdown: counts of the bases by status on the legal date, a chart, and the bases not in force."""
        from .lawstatus import STATUS_LABEL, STATUS_ORDER, WARNING_LABEL
        ls = self.law_status
        if not ls:
            return []
        p, b, total = ls.counts.get("power", Counter()), ls.counts.get("boundary", Counter()), ls.total()
        n = sum(total.values())
        lines = ["## 实施依据的效力状况", "",
                 f"按法律日期 **{self.legal_date.isoformat()}** 核对清单引用的全部 {n} 条实施依据"
                 f"（权力事项 {sum(p.values())} 条、职责边界事项 {sum(b.values())} 条），"
                 f"其中现行有效 {total.get('in_force', 0)} 条。核对与 `policykit check` 的法律法规规则一致。", "",
                 '<div class="pk-chart-box">' + charts.bar_chart(
                     [(STATUS_LABEL[k], total.get(k, 0)) for k in STATUS_ORDER], title="实施依据按效力状况统计", unit="条")
                 + "</div>", "",
                 "| 效力状况 | 权力事项依据 | 职责边界事项依据 | 合计 |", "|---|---:|---:|---:|"]
        for k in STATUS_ORDER:
            lines.append(f"| {STATUS_LABEL[k]} | {p.get(k, 0)} | {b.get(k, 0)} | {total.get(k, 0)} |")
        lines.append("")
        if ls.warnings:
            lines += ["| 提示 | 依据条数 |", "|---|---:|"]
            lines += [f"| {md(WARNING_LABEL[k])} | {v} |" for k, v in sorted(ls.warnings.items())]
            lines.append("")
        bad = []
        for it in self.repo.power_items:
            for x, st in zip(it.legal_basis, ls.item(it)):
                if st is not None and (not st.ok or st.warnings):
                    bad.append((STATUS_ORDER.index(st.status), self.ilink(here, it.code, it.full_name),
                                self.dlink(here, it.department), x, st))
        for m in self._unique_matters():
            for x, st in zip(m.basis, ls.matter(m)):
                if st is not None and (not st.ok or st.warnings):
                    bad.append((STATUS_ORDER.index(st.status), self.blink(here, m), "职责边界事项", x, st))
        if bad:
            bad.sort(key=lambda r: -r[0])
            more = f"，列出前 {limit} 条" if len(bad) > limit else ""
            lines += [f"### 需要核对的依据（{len(bad)} 条{more}）", "",
                      "| 事项 | 部门 | 依据 | 效力状况 | 提示 |", "|---|---|---|---|---|"]
            for _, owner, dept, x, st in bad[:limit]:
                title = (f"[《{md(x.title)}》]({U.md_link(here, U.law(st.law_id))})" if st.law_id else f"《{md(x.title)}》")
                lines.append(f"| {owner} | {dept} | {title}{md(x.article)} | {md(st.text)} | "
                             f"{'；'.join(md(w) for _, w in st.warnings) or '—'} |")
            lines.append("")
        return lines

    def law_page(self, law) -> "HtmlPage":
        here = U.law(law.id)
        doc = HtmlDoc(law.title)
        doc.index(law.short_title, law.level, law.issuer)
        rows = [["层级", h(law.level)]]
        if law.short_title:
            rows.append(["简称", h(law.short_title)])
        if law.issuer:
            rows.append(["制定机关", h(law.issuer)])
        if law.source:
            rows.append(["文本来源", h(law.source)])
        when = self.legal_date
        v = law.version_at(when)
        if v is not None:
            state = f"现行有效（{_date(v.effective or v.promulgated)} 施行的版本" + (f"，共 {v.articles} 条" if v.articles else "") + "）"
        elif law.repealed_by(when):
            state = f"已废止（{_date(law.repeal.effective or law.repeal.promulgated)}）"
        elif law.not_yet_in_force(when):
            state = f"尚未施行（{_date(law.enacted.effective or law.enacted.promulgated)} 施行）"
        else:
            state = "已失效"
        rows.append([f"效力（{when.isoformat()}）", h(state)])
        doc.table(["项目", "内容"], rows)
        doc.heading(2, "沿革", "versions")
        doc.table(["事件", "公布", "施行", "条文数", "文号"],
                  [[h(v.event), _date(v.promulgated), _date(v.effective), str(v.articles or ""), h(v.document or "")]
                   for v in law.versions])
        its = self.items_by_law.get(law.id, [])
        doc.heading(2, f"以其为依据的权力事项（{len(its)} 项）", "items")
        if its:
            doc.table(["编码", "事项", "部门", "权力类型", "条款"],
                      [[f"<code>{h(it.code)}</code>", self.ihref(here, it.code, it.full_name), self.dhref(here, it.department),
                        h(it.category), h(b.article)]
                       for it, b in sorted(its, key=lambda x: (x[0].department, x[0].code))])
        else:
            doc.p("（没有事项以其为依据）")
        matters = self.matters_by_law.get(law.id, [])
        doc.heading(2, f"以其为依据的职责边界事项（{len(matters)} 项）", "matters")
        if matters:
            doc.add("<ul>" + "".join(f"<li>{self.bhref(here, m)}</li>" for m in matters) + "</ul>")
        else:
            doc.p("（无）")
        return doc.page()

    # ---- rules --------------------------------------------------------------------------
    def rules_page(self) -> str:
        overrides = self.config.severity_overrides
        by_article = defaultdict(list)
        for r in self.rules:
            m = _ARTICLE.search(r.article or "")
            by_article[m.group(0) if m else "其他"].append(r)

        def order(article):
            from ..laws import chinese_number
            m = re.match(r"第(.+)条", article)
            n = chinese_number(m.group(1)) if m else None
            return (n if n is not None else 10_000, article)

        counts = Counter(overrides.get(r.id, r.severity) for r in self.rules)
        lines = ["# 检查规则", "",
                 f"《部门职能运行监管办法》的要求逐条写成检查规则，共 {len(self.rules)} 条"
                 f"（错误 {counts.get('error', 0)} 条、警告 {counts.get('warning', 0)} 条、提示 {counts.get('info', 0)} 条）。"
                 "本页由规则文件生成，与每次检查所用的规则一致。每条规则附有通过和不通过的示例，示例本身也是规则的测试。", ""]
        for article in sorted(by_article, key=order):
            rules = sorted(by_article[article], key=lambda r: r.id)
            lines += [f"## {md(article)}", ""]
            text = self.measure.get(article)
            if text:
                lines += [f"> {md(text)}", ""]
            for r in rules:
                sev = overrides.get(r.id, r.severity)
                sev_note = f"{SEVERITY_LABEL.get(sev, sev)}" + (f"（默认为{SEVERITY_LABEL.get(r.severity, r.severity)}，本仓库配置覆盖）" if sev != r.severity else "")
                lines += [f"### {md(r.id)} {md(r.title)}", "",
                          "| 项目 | 内容 |", "|---|---|", f"| 规则编号 | `{r.id}` |", f"| 级别 | {md(sev_note)} |",
                          f"| 条款 | {md(r.article)} |", f"| 提示信息 | {md(r.message)} |", f"| 规则文件 | `{md(r.file)}` |", ""]
                if r.description:
                    lines += [md(r.description), ""]
                for ex in r.examples:
                    expect = ex.get("expect")
                    label = "通过" if expect == "pass" else "不通过"
                    where = f"，报告位置 {ex['at']}" if ex.get("at") else ""
                    count = f"，报告 {ex['count']} 次" if ex.get("count") is not None else ""
                    kind = "success" if expect == "pass" else "failure"
                    lines += [f'??? {kind} "示例（{label}）：{_quote_title(ex.get("name", ""))}{_quote_title(where + count)}"', ""]
                    files = ex.get("files") or {}
                    if not files:
                        lines += ["    在基础示例城市上不作修改。", ""]
                    for path, content in files.items():
                        lines += [f"    `{md(path)}`" + ("（删除该文件）" if content is None else ""), ""]
                        if content is not None:
                            fence = "````" if "```" in str(content) else "```"
                            lines += [f"    {fence}yaml"] + [f"    {ln}" for ln in str(content).rstrip("\n").split("\n")] + [f"    {fence}", ""]
        if not self.rules:
            lines += ["（没有找到规则文件）", ""]
        return "\n".join(lines)

    # ---- changes ------------------------------------------------------------------------
    def changes_page(self, limit: int = 1000, items_per_adjustment: int = 200) -> str:
        here = U.CHANGES
        hist = self.history
        lines = ["# 调整记录", "",
                 "清单的每次动态调整都有版本记录。按《部门职能运行监管办法》第二十条，调整应当附调整类型、事由、依据和"
                 "批准文号，经市委编办审核后生效。", ""]
        if hist is None or not hist.available:
            reason = hist.reason if hist is not None else "未读取版本历史"
            lines += [f"暂无调整记录（{md(reason)}）。", ""]
            return "\n".join(lines)
        adjs = hist.adjustments
        missing = "（未注明）"
        lines += [f"共 {len(adjs)} 次调整" + (f"，以下列出最近 {limit} 次" if len(adjs) > limit else "") + "。", ""]
        if not adjs:
            return "\n".join(lines)
        by_type = Counter(a.type or "未注明" for a in adjs)
        lines += ["| 调整类型 | 次数 |", "|---|---:|", *[f"| {md(t)} | {n} |" for t, n in by_type.most_common()], ""]
        year = None
        for a in adjs[:limit]:
            if a.day[:4] != year:
                year = a.day[:4]
                lines += [f"## {year or '日期不详'} 年", ""]
            title = " · ".join(x for x in (a.day[5:] or a.day, a.type or "未注明调整类型", a.approval) if x)
            lines += [f"### {md(title)}", "",
                      "| 项目 | 内容 |", "|---|---|",
                      f"| 调整类型 | {md(a.type or missing)} |", f"| 调整事由 | {md(a.reason or missing)} |",
                      f"| 调整依据 | {md(a.basis or missing)} |", f"| 批准文号 | {md(a.approval or missing)} |",
                      f"| 版本 | `{a.short}` {md(a.subject)}" + (f"（{md(a.author)}）" if a.author else "") + " |", ""]
            touched = [f"{md(ch.kind)}：{self._key_link(here, ch.key)}" for ch in a.changes]
            if not touched:
                touched = [f"修改文件 {md(f)}" for f in a.files]
            if touched:
                shown = touched[:items_per_adjustment]
                more = f"（列出前 {len(shown)} 项）" if len(touched) > len(shown) else ""
                kind = "???" if len(touched) > 10 else "???+"
                lines += [f'{kind} note "涉及事项 {len(touched)} 项{more}"', ""]
                lines += [f"    - {t}" for t in shown]
                lines.append("")
        return "\n".join(lines)

    def _key_link(self, here: str, key: str) -> str:
        if key in self.powers:
            return self.ilink(here, key, f"{self.powers[key].full_name}（{key}）")
        b = self.repo.boundary(key) if hasattr(self.repo, "boundary") else None
        if b is not None and b.id == key:
            return self.blink(here, b)
        if key in self.repo.departments:
            return self.dlink(here, key)
        dept = key.split("/")[0].split("#")[0]
        if dept in self.repo.departments and dept != key:
            return f"{self.dlink(here, dept)} {md(key[len(dept):].lstrip('/#'))}"
        return md(key)

    # ---- lookup -------------------------------------------------------------------------
    def lookup_data(self) -> dict:
        here = U.LOOKUP
        du = self.directory_urls
        depts = {d.id: {"name": d.name, "short": d.short_name or d.name, "url": U.href(here, U.department(d.id), du)}
                 for d in self.depts}
        matters = []
        for b in self._unique_matters():
            matters.append({
                "id": b.id, "name": b.name, "domain": b.domain or "", "url": U.href(here, U.boundary(b.id), du),
                "roles": [{"department": r.department, "role": r.role, "duties": list(r.duties)}
                          for r in sorted(b.roles, key=lambda r: ROLE_ORDER.get(r.role, 9))],
                "trigger": (b.mechanism or {}).get("trigger") or "",
                "handoff": (b.mechanism or {}).get("handoff") or "",
                "dispute": (b.mechanism or {}).get("dispute_resolution") or "",
            })
        items = [[it.code, it.full_name, it.department, it.category,
                  U.href(here, U.item(it.code), du) if self.item_pages else U.href(here, U.department(it.department), du, it.code)]
                 for it in self.powers.values() if it.status != "取消"]
        catalog = [[c.code, c.name, list(c.leads), [cl.department for cl in c.claims if cl.role != "牵头"]]
                   for c in self.repo.catalog_items]
        return {"city": self.city, "departments": depts, "matters": matters, "items": items, "catalog": catalog}

    def lookup_json(self) -> bytes:
        return json.dumps(self.lookup_data(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def lookup_page(self) -> str:
        examples = [b.name for b in self._unique_matters()[:3]]
        hint = "、".join(examples) if examples else "事项名称"
        return "\n".join([
            "---", "search:", "  exclude: true", "---", "",
            "# 12345 派单查询", "",
            "输入群众反映的事项（如“" + md(hint) + "”），即可查到牵头部门、配合部门及各自职责；"
            "同时列出名称相近的权力事项和监管事项及其实施部门。查询在浏览器内完成，不需要联网。", "",
            f'<div id="pk-lookup" class="pk-lookup" data-src="{U.href(U.LOOKUP, U.LOOKUP_JSON, self.directory_urls)}">',
            '<label for="pk-lookup-input">事项</label>',
            '<input id="pk-lookup-input" type="search" autocomplete="off" placeholder="输入事项关键词，例如：危险化学品 停车场" aria-describedby="pk-lookup-status">',
            '<p id="pk-lookup-status" class="pk-lookup-status" aria-live="polite">正在载入数据……</p>',
            '<div id="pk-lookup-results"></div>',
            "</div>", "",
            f'<noscript><p>本查询需要启用浏览器的 JavaScript；也可在<a href="{U.href(U.LOOKUP, U.BOUNDARIES, self.directory_urls)}">职责边界清单</a>中逐项查看。</p></noscript>', "",
        ])

    # ---- downloads ----------------------------------------------------------------------
    def downloads_page(self) -> str:
        here = U.DOWNLOADS
        lines = ["# 下载", "",
                 "各部门权责清单按惯用的公布格式（序号、事项编码、事项名称、子项名称、权力类型、实施依据、行使主体、承办机构、"
                 "实施层级及权限、部门职责、责任事项内容、责任事项依据、追责对象范围、追责情形、救济渠道、备注）提供 Excel 和 CSV 文件。"
                 "CSV 为带 BOM 的 UTF-8 编码，可直接用 Excel 打开。", ""]
        if self.downloads:
            lines += ["| 部门 | 权力事项 | 下载 |", "|---|---:|---|"]
            for d in self.depts:
                if d.id in self.downloads:
                    lines.append(f"| {self.dlink(here, d.id)} | {len(self.items_by_dept.get(d.id, ()))} | {self._download_links(here, d.id)} |")
            lines.append("")
        else:
            lines += ["（本次生成未包含下载文件）", ""]
        lines += ["## 数据", "",
                  f"- [派单查询数据（JSON）]({U.md_link(here, U.LOOKUP_JSON)})：职责边界事项、权力事项与监管事项的部门对应关系。", ""]
        return "\n".join(lines)


def _quote_title(text: str) -> str:
    return str(text).replace('"', "“").replace("\n", " ")


def parse_measure(markdown_text: str) -> dict:
    """``{"第八条": text}`` from a Markdown table with rows ``| 第八条 | text |`` (docs/measure.md)."""
    out = {}
    for line in markdown_text.splitlines():
        m = re.match(r"^\|\s*(第[一二三四五六七八九十百千零〇两\d]+条)\s*\|\s*(.+?)\s*\|\s*$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out
