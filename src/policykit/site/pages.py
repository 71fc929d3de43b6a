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

Escaping by construction. Every string of the lists is text, on every page, whatever it holds
(``<script>``, ``[x](javascript:…)``, ``{: onclick=…}``, ``{{ 7*7 }}``). Pages are assembled from
three types (markupsafe ``Markup`` subclasses), never from plain strings:

- ``Html``: HTML made by this code. ``Html(template).format(…)``, ``Html(sep).join(…)`` and ``+``
  escape every value that is not itself ``Html``; newlines in text become ``&#10;``, so a raw HTML
  block inside a Markdown page never has a blank line.
- ``Md``: a Markdown line or piece made by this code. The same operations turn every other value
  into literal Markdown text: HTML-escaped, and Markdown's specials backslashed (links, images,
  emphasis, code, tables, headings, attribute lists). ``Html`` goes into a Markdown page only as a
  block of its own (``Md.block``), where Markdown leaves it alone; inline HTML in a Markdown line is
  written as ``Md`` (Markdown reads the text between inline tags).
- ``Url``: a link target or id the code built from codes and ids (``urls.py``: URL-quoted), checked
  against a strict alphabet; the only thing besides ``Html``/``Md`` passed through unescaped. No
  link target is ever taken from list text.

The page sinks (``HtmlDoc``, ``_md_page``) escape anything that is not of their type, so a forgotten
conversion shows as visible text, never as markup. The search index receives escaped text.

The public site speaks to citizens: no command lines, repository paths, rule templates or build
notes (``public_note``, ``public_prose``, ``readable_message``).
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from collections import Counter, defaultdict
from urllib.parse import quote

from markupsafe import Markup


from .markup import Generated, Html, HtmlPage, Md, Url, iso_day, _html_text, _md_page, _new, _title_text, h, md
from . import charts
from . import urls as U

SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示", "off": "关闭"}
ROLE_ORDER = {"牵头": 0, "配合": 1}
_ARTICLE = re.compile(r"第[一二三四五六七八九十百千零〇两\d]+条")


# ---- public wording ---------------------------------------------------------------------------
# the repository's folders, as the public knows the lists they hold
_FOLDER_NAMES = {"organizations": "三定规定", "powers": "权责清单", "tasks": "职责任务清单",
                 "boundaries": "职责边界清单", "catalogs": "监管事项目录", "laws": "法律法规库",
                 "bodies": "议事协调机构名录", "problems": "问题征集记录", "disputes": "职责争议调处记录",
                 "supervision": "督导评估工作台账", "performance": "部门履职情况台账",
                 "evaluations": "履职评估记录", "indicators": "履职评估指标体系", "divisions": "市县事权划分清单"}
_KIND_NAMES = {"organization": "三定规定", "powers": "权责清单", "tasks": "职责任务清单", "boundary": "职责边界清单",
               "catalog": "监管事项目录", "law": "法律法规库", "body": "议事协调机构", "problem": "问题征集记录",
               "dispute": "职责争议调处记录", "supervision": "督导评估工作台账", "performance": "部门履职情况台账",
               "evaluation": "履职评估记录", "indicator": "履职评估指标体系", "division": "市县事权划分清单",
               "waivers": "豁免记录"}
# field names that rule descriptions mention, in the words of the lists' forms (schemas' titles)
_FIELD_WORDS = {"sanding_duty": "对应三定职责序号", "applies_to": "适用部门类别", "indicator": "指标编号",
                "merged_into": "并入机构", "co_departments": "共同实施部门", "related_powers": "相关权力事项",
                "catalog_code": "基本编码", "source_document": "下放/授权/委托文件", "idle_reason": "未运行原因",
                "on_time": "按时办结量", "handled": "办理量", "term_end": "存续期限", "work_rules": "工作规则",
                "office_rules": "办公室工作细则", "targets": "对应履职记录", "evidence": "佐证", "categories": "部门类别",
                "organization_types": "适用机构类型", "adjustment": "落实调整", "decision": "调处决定",
                "delegatee": "受托（被授权）部门", "delegation": "委托或授权", "abolished": "撤销或合并",
                "response": "整改反馈", "due": "整改期限", "members": "成员单位", "host": "牵头部门",
                "office": "办公室所在部门", "organization": "其他成员单位", "parties": "争议各方",
                "problems": "问题编号", "system": "指标体系", "department": "部门", "departments": "部门",
                "power": "权力事项编码", "boundary": "边界事项编号", "item": "权力事项编码", "duty": "处室职责",
                "status": "状态", "lead": "牵头部门", "ref": "编号", "end": "截止日期", "document": "文件",
                "type": "类型", "per": "每项扣分", "steps": "累计扣分", "dispute": "调处编号"}
_PAREN = re.compile(r"[（(]([^（）()]*)[）)]")
_DEVELOPER = re.compile(r"[a-z]{2,}|[{}<>/]|--")     # a field, option, path or command: not for the public
_FILE = re.compile(r"(?:lists/)?\b([a-z]+)/([^\s/（）()]+?)\.(?:ya?ml|json)\b")
_FOLDER = re.compile(r"(?:lists/)?\b([a-z]+)/(?![A-Za-z0-9])")
_IDENT = re.compile(r"(?<![A-Za-z0-9_.-])([a-z][a-z0-9]*(?:[_.][a-z0-9_]+)+|[a-z]{3,})(?![A-Za-z0-9_.-])")


def public_note(text) -> str:
    """A source note for the public: its first clause, without the maintainers' notes on how it was
    checked (the parentheses), repository paths or file names. ``国家法律法规数据库 https://flk.npc.gov.cn
    （条文与沿革经……核对，详见 docs/laws-sources.md）`` → ``国家法律法规数据库 https://flk.npc.gov.cn``."""
    s = str(text or "")
    s = re.split(r"[（(；;]", s, maxsplit=1)[0]
    s = re.sub(r"\S*(?:/\S*\.(?:md|ya?ml|json|py)|\bdocs/\S*)", "", s)
    return " ".join(s.split()).rstrip("，,、：: ")


def public_prose(text) -> str:
    """A rule's description or message for the public: parentheses that speak of files, fields or
    options are dropped, a list file becomes the list it holds (``tasks/某部门.yaml`` → 某部门的职责任务清单),
    a folder the lists it holds, a field name the words of the forms."""
    s = str(text or "").replace("policykit.yaml", "本市的清单配置")
    s = _PAREN.sub(lambda m: "" if _DEVELOPER.search(m.group(1)) else m.group(0), s)
    s = _FILE.sub(lambda m: f"{m.group(2)}的{_FOLDER_NAMES.get(m.group(1), '清单')}", s)
    s = _FOLDER.sub(lambda m: _FOLDER_NAMES.get(m.group(1), ""), s)
    s = re.sub(r"\S+\.(?:ya?ml|md|json|py)\b", "", s)
    s = _IDENT.sub(lambda m: _FIELD_WORDS.get(m.group(1).split(".")[-1], ""), s)
    s = re.sub(r"[ \t]*\n[ \t]*", "", s)            # the rule files wrap lines inside Chinese sentences
    s = re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef])[ \t]+(?=[\u3000-\u9fff\uff00-\uffef])", "", s)
    s = re.sub(r"[ \t]+(?=[，。；：、）])|(?<=[（，。；：、])[ \t]+", "", s)
    return re.sub(r"[ \t]{2,}", " ", s).strip()


# placeholders of rule messages ({basis.law_title}) as words a reader understands; the first match wins
_PLACEHOLDER_WORDS = (
    (r"(law_title|^law\.title|^basis\.title|suggestion)$", "某法规"),
    (r"(date|_on|^.*\.due|term_end|expires|effective)$", "某日"),
    (r"(year)$", "某"),
    (r"(_count|weight_sum|^.*\.article)$", "若干"),
    (r"(\.no)$", "某"),
    (r"(department_name|department|co_department|delegatee|\.lead|\.host|\.party)$", "某部门"),
    (r"(boundary_name|\.boundary|\.matter|adjustment_boundary)$", "某边界事项"),
    (r"(\.unit)$", "某处室"),
    (r"(level)$", "某层级"),
    (r"(category|division_type|record_kind)$", "某类型"),
    (r"(role)$", "某角色"),
    (r"(status)$", "某状态"),
    (r"(ledger)$", "某台账"),
    (r"(supervision)$", "某次督导"),
    (r"(\.finding|\.problem|^problem\.id)$", "某问题"),
    (r"(dispute|dispute_key)$", "某争议"),
    (r"(system)$", "某指标体系"),
    (r"(indicator)$", "某指标"),
    (r"(evaluation)$", "某评估"),
    (r"(division)$", "某划分清单"),
    (r"(body_name|\.body|merged_into_key)$", "某议事协调机构"),
    (r"(waiver\.rule)$", "某规则"),
    (r"(code|_code|\.item|\.key|\.id|\.ref|\.target|approval|\.owner$)", "某编号"),
    (r"(name|title|content|text|\.finding|power_source|metric)$", "某事项"),
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)(?:[!:][^{}]*)?\}")


def readable_message(template) -> str:
    """A rule's message template as a sentence: ``《{basis.law_title}》已于 {basis.repealed_on} 废止`` →
    ``《某法规》已于 某日 废止``."""
    def word(m):
        key = m.group(1)
        for pattern, text in _PLACEHOLDER_WORDS:
            if re.search(pattern, key):
                return text
        return "……"
    return _PLACEHOLDER.sub(word, str(template or "")).replace("{{", "{").replace("}}", "}")


class HtmlDoc:
    """A page body built as HTML, with headings (ids, permalinks) collected into a table of contents
    and the text to index collected per section (so search never has to parse the big HTML).

    Only ``Html`` goes in as markup: ``p``, ``add`` and table cells escape anything else."""

    def __init__(self, title: str, search_title: str | None = None):
        self.title = title
        self.parts: list = []
        self.toc: list = []
        self._stack: list = []
        self.sections: list = [["", search_title or title, []]]

    def heading(self, level: int, text: str, anchor: str) -> None:
        self.parts.append(Html('<h{0} id="{1}">{2}<a class="headerlink" href="#{3}" title="永久链接">&para;</a></h{0}>')
                          .format(level, anchor, text, Url(quote(anchor, safe=""))))
        token = {"level": level, "id": anchor, "name": str(h(text)), "children": []}
        while self._stack and self._stack[-1]["level"] >= level:
            self._stack.pop()
        (self._stack[-1]["children"] if self._stack else self.toc).append(token)
        self._stack.append(token)
        self.sections.append([anchor, text, []])

    def index(self, *texts) -> None:
        """Plain text of the current section for the search index."""
        self.sections[-1][2].extend(str(t) for t in texts if t)

    def p(self, content, index: bool = True) -> None:
        """A paragraph: text (indexed unless ``index=False``) or ``Html`` (not indexed)."""
        self.parts.append(Html("<p>{}</p>").format(content))
        if index and not isinstance(content, Html):
            self.index(content)

    def add(self, html: Html) -> None:
        self.parts.append(Html.escape(html))

    def table(self, header, rows) -> None:
        """``rows`` are lists of cells: ``Html``, or text."""
        self.parts.append(Html('<div class="md-typeset__scrollwrap"><div class="md-typeset__table"><table>'
                               "<thead><tr>{}</tr></thead><tbody>{}</tbody></table></div></div>")
                          .format(_cells("th", header), _cells("tr", [_cells("td", row) for row in rows])))

    def page(self, boost: float | None = None) -> HtmlPage:
        sections = [(a, str(h(_title_text(t))), str(h(" ".join(x)))) for a, t, x in self.sections]
        return HtmlPage(self.title, Html("\n").join(self.parts), self.toc, sections, boost)


def _cells(tag: str, values) -> Html:
    """``<td>…</td>`` (or ``<li>``, ``<tr>``…) around each value, escaped unless ``Html``: the loop
    every table and list runs. (An f-string turns an Html value into its plain text: no ``+`` with it.)"""
    return _new(Html, "".join([f"<{tag}>{_html_text(v)}</{tag}>" for v in values]))


def _title_md(title: str) -> str:
    """The Markdown mkdocs sees for an HTML page: only its title (the body comes from ``render``, its
    search entries from the page's sections, so Material's search does not parse the HTML)."""
    return _md_page([Md("---"), Md("search:"), Md("  exclude: true"), Md("---"), Md(""),
                     Md("# {}").format(_title_text(title)), Md("")])


# search ranking: the matters a dispatcher or a citizen looks for come before the many items
SEARCH_BOOST = {"boundary": 3, "department": 2, "item": 0.8}


def _front_matter(boost) -> list:
    """YAML front matter with the page's search boost."""
    return [Md("---"), Md("search:"), Md("  boost: {}").format(boost), Md("---"), Md("")] if boost else []


class SitePages:
    """All pages of one repository's site."""

    def __init__(self, repo, *, rules=None, history=None, downloads=None, measure=None,
                 directory_urls: bool = True, item_pages: bool = True, landing: str | None = None,
                 progress=None, legal_date: _dt.date | None = None):
        from .publishing import public_site_data
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
            from ..lists.laws import registry_of
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

    def _href(self, here: str, to: str, anchor: str = "") -> Url:
        return Url(U.href(here, to, self.directory_urls, anchor))

    def dlink(self, here: str, dept_id) -> Md:
        """A department as a Markdown link (mkdocs checks it)."""
        if dept_id in self.repo.departments:
            return Md("[{}]({})").format(self.dname(dept_id), Url(U.md_link(here, U.department(dept_id))))
        return Md("{}（未登记部门）").format(dept_id)

    def dhref(self, here: str, dept_id) -> Html:
        if dept_id in self.repo.departments:
            return Html('<a href="{}">{}</a>').format(self._href(here, U.department(dept_id)), self.dname(dept_id))
        return Html("{}（未登记部门）").format(dept_id)

    def _item_target(self, here: str, it) -> Url | None:
        if self.item_pages:
            return self._href(here, U.item(it.code))
        if it.department in self.repo.departments:
            return self._href(here, U.department(it.department), U.anchor(it.code))
        return None

    def ihref(self, here: str, code, text=None) -> Html:
        """An item link as HTML: item pages are written after the build, outside mkdocs' file list."""
        it = self.powers.get(code)
        label = text if text is not None else (it.full_name if it else code)
        if it is None:
            return Html("{}（未找到该事项）").format(label)
        target = self._item_target(here, it)
        return Html('<a href="{}">{}</a>').format(target, label) if target else h(label)

    def ilink(self, here: str, code, text=None) -> Md:
        """The same link in a Markdown line (inline HTML whose text Markdown reads: written as Md)."""
        it = self.powers.get(code)
        label = text if text is not None else (it.full_name if it else code)
        if it is None:
            return Md("{}（未找到该事项）").format(label)
        target = self._item_target(here, it)
        return Md('<a href="{}">{}</a>').format(target, label) if target else md(label)

    def blink(self, here: str, matter) -> Md:
        return Md("[{}]({})").format(matter.name, Url(U.md_link(here, U.boundary(matter.id))))

    def bhref(self, here: str, matter) -> Html:
        return Html('<a href="{}">{}</a>').format(self._href(here, U.boundary(matter.id)), matter.name)

    def cat_sort(self, cat: str):
        return (self.category_order.get(cat, len(self.category_order)), cat)

    def _basis_html(self, basis, here: str | None = None, statuses=None) -> Html:
        """The bases as an ordered list; with ``statuses`` (see lawstatus.py) each carries its registry
        entry (linked to the law page) and whether it is in force on the legal date."""
        if not basis:
            return Html("<p>（未列实施依据）</p>")
        lines = []
        for i, b in enumerate(basis):
            st = statuses[i] if statuses and i < len(statuses) else None
            quote = Html("<blockquote>{}</blockquote>").format(b.text) if b.text else Html()
            lines.append(Html("<li>【{}】{}{}{}{}</li>").format(
                b.level, self._law_title(Html, here, b.title, st), b.article, self.law_badge(here, b.title, st), quote))
        return Html('<ol class="pk-basis">{}</ol>').format(Html("").join(lines))

    def _law_title(self, kind, here, title, st):
        """《title》, linked to the registry entry it resolved to; ``kind`` is Html or Md."""
        if st is not None and st.law_id and here is not None:
            return kind('<a href="{}">《{}》</a>').format(self._href(here, U.law(st.law_id)), title)
        return kind("《{}》").format(title)

    def law_badge(self, here, title, st, kind=None):
        """`` 现行有效`` (or 已废止（日期）…) as a badge, the registry title when the list cites a variant,
        and the warnings (level cannot set the power, level mismatch, renumbered). ``kind``: Html or Md."""
        kind = kind or Html
        if st is None:
            return kind()
        out = kind(' <span class="pk-law pk-law-{}" title="法律日期 {}">{}</span>').format(
            Url(st.status), Url(self.legal_date.isoformat()), st.text)
        if st.law_title and st.law_title != title and here is not None:
            out += kind('<span class="pk-law-entry">（法律法规库：<a href="{}">《{}》</a>）</span>').format(
                self._href(here, U.law(st.law_id)), st.law_title)
        for _kind, warning in st.warnings:
            out += kind(' <span class="pk-law-warn">⚠ {}</span>').format(warning)
        return out

    def item_statuses(self, it):
        return self.law_status.item(it) if self.law_status else None

    @staticmethod
    def _list_html(values, ordered=True) -> Html:
        if not values:
            return Html("<p>（未填写）</p>")
        return _cells("ol" if ordered else "ul", [_cells("li", values)])

    def file_label(self, rel: str) -> str:
        """A list file as the public knows it: the list it holds and its department, not its path."""
        kind = self.repo.kinds.get(rel) if hasattr(self.repo, "kinds") else None
        label = _KIND_NAMES.get(kind, "清单")
        dept = None
        for attr in ("power_files",):
            dept = (getattr(self.repo, attr, None) or {}).get(rel) or dept
        if dept is None:
            doc = self.repo.documents.get(rel) if hasattr(self.repo, "documents") else None
            data = getattr(doc, "data", None)
            if isinstance(data, dict) and isinstance(data.get("department"), str):
                dept = data["department"]
            elif kind == "organization" and isinstance(data, dict) and isinstance(data.get("id"), str):
                dept = data["id"]
        return f"{self.dname(dept)}{label}" if dept in self.repo.departments else label

    def history_entries(self, key: str, files=()) -> list[tuple]:
        """``(day, short, change, type, approval, note)`` of the adjustments touching ``key``
        (or, without item-level history, its files)."""
        rows = []
        for adj, ch in self.item_history.get(key, ()):
            rows.append((adj.day, adj.short, ch.kind, adj.type or "—", adj.approval or "—", ch.summary or adj.reason or "—"))
        if not rows and files:
            seen = set()
            for f in files:
                for adj in self.file_history.get(f, ()):
                    if adj.commit in seen:
                        continue
                    seen.add(adj.commit)
                    rows.append((adj.day, adj.short, f"修改{self.file_label(f)}", adj.type or "—", adj.approval or "—",
                                 adj.reason or "—"))
            rows.sort(key=lambda r: r[0], reverse=True)
        return rows

    def _history_state(self, key, files) -> tuple[str | None, list]:
        if self.history is None or not self.history.available:
            reason = self.history.reason if self.history is not None else "未读取版本历史"
            return f"暂无版本历史（{reason}）。", []
        rows = self.history_entries(key, files)
        return (None if rows else "自有版本记录以来未作调整。"), rows

    HISTORY_HEADER = ["日期", "版本", "变更", "调整类型", "批准文号", "说明"]

    def history_section(self, key: str, here: str, files=(), level="##") -> list:
        """The history of ``key`` as Markdown lines."""
        note, rows = self._history_state(key, files)
        out = [Md("{} 调整历史").format(Url(level)), Md("")]
        if note:
            return out + [md(note), Md("")]
        out += [Md("| {} |").format(Md(" | ").join(self.HISTORY_HEADER)), Md("|---|---|---|---|---|---|")]
        out += [Md("| {} | `{}` | {} |").format(r[0], r[1], Md(" | ").join(r[2:])) for r in rows]
        return out + [Md("")]

    def history_html(self, doc: "HtmlDoc", key: str, here: str, files=(), heading_id="history") -> None:
        note, rows = self._history_state(key, files)
        doc.heading(2, "调整历史", heading_id)
        if note:
            doc.p(note, index=False)
        else:
            doc.table(self.HISTORY_HEADER, [[r[0], Html("<code>{}</code>").format(r[1]), *r[2:]] for r in rows])

    # ---- generation ---------------------------------------------------------------------
    SHELL_TITLE = "@@PKTITLE@@"
    # a comment: no escaped title can contain "<", so the body never lands in a title (plugin._fill)
    SHELL_CONTENT = "<!--@@PKCONTENT@@-->"

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
        from .processes import ProcessPages      # 工作流程 and 审管协同 (site/processes.py)
        yield from ProcessPages(self).generate()
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

    def as_of_html(self) -> Html:
        """数据截至 <day>，版本 <commit> (or why there is no version), as HTML; with ``as_of``, the
        day whose lists in force are shown and the version they come from first."""
        valid = self._valid_time_html()
        hist = self.history
        if hist is not None and hist.as_of is not None:
            a = hist.as_of
            dirty = "；工作区另有未提交的修改，本站按工作区内容生成" if a.dirty else ""
            out = Html("数据截至 <strong>{}</strong>，版本 <code>{}</code>{}。").format(a.day, a.short, dirty)
        else:
            reason = hist.reason if hist is not None else "未读取版本历史"
            out = Html("数据来自工作区（{}）。").format(reason)
        return out if valid is None else Html("{}{}").format(valid, out)

    def _valid_time_html(self) -> Html | None:
        """清单为 <day> 生效的内容（版本 <commit>）, when the site shows the lists in force on a day."""
        day = getattr(self.repo, "as_of", None)
        if day is None:
            return None
        sha = getattr(self.repo, "lists_revision", None)
        where = Html("，取自版本 <code>{}</code>").format(sha[:7]) if sha else Html("，取自工作区")
        return Html("本站公布 <strong>{}</strong> 生效的清单{}。").format(day.isoformat(), where)

    def _figures_html(self, here: str, figures) -> Html:
        return Html('<div class="pk-figures">{}</div>').format(Html("").join(
            Html('<a class="pk-figure" href="{}"><span class="pk-figure-label">{}</span>'
                 '<span class="pk-figure-value">{:,}<small class="pk-figure-unit">{}</small></span></a>')
            .format(self._href(here, target), label, value, unit)
            for label, value, unit, target in figures))

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
        by_cat = Counter(it.category for it in self.powers.values())
        cat_rows = sorted(by_cat.items(), key=lambda kv: self.cat_sort(kv[0]))
        by_dept = Counter(it.department for it in self.powers.values())
        top = sorted(by_dept.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
        dept_links = {self.dname(k): self._href(here, U.department(k)) for k, _ in top if k in self.repo.departments}
        types = Counter(d.type or "其他" for d in self.repo.departments.values())
        roles = Counter(r.role for b in self.repo.boundaries for r in b.roles)
        link = lambda to: Url(U.md_link(here, to))   # noqa: E731
        lines = []
        if self.landing is None:
            lines += [Md("# {}政府部门职责清单").format(self.city), Md(""),
                      Md("本站公布{}各部门的**权责清单**、**三定规定与职责任务清单**、**职责边界清单**和"
                         "监管事项认领情况，由版本库中的清单数据自动生成，与清单同步更新。").format(self.city), Md("")]
        lines += [Md.block(Html('<p class="pk-asof">{}</p>').format(self.as_of_html())), Md(""),
                  Md("## 总体情况"), Md(""), Md.block(self._figures_html(here, figures)), Md(""),
                  Md("## 权力事项按类型"), Md(""),
                  _chart_block(charts.bar_chart(cat_rows, title="权力事项按类型统计")), Md(""),
                  Md("| 权力类型 | 事项数 | 占比 |"), Md("|---|---:|---:|")]
        total = sum(by_cat.values()) or 1
        for cat, n in cat_rows:
            lines.append(Md("| {} | {} | {:.1f}% |").format(cat, n, n * 100 / total))
        lines += [Md(""), Md("## 权力事项最多的部门"), Md(""),
                  _chart_block(charts.bar_chart([(self.dname(k), v) for k, v in top], title="权力事项最多的部门",
                                                links=dept_links)),
                  Md(""), Md("全部 {} 个部门的事项数见[部门一览]({})。").format(c["departments"], link(U.DEPARTMENTS)), Md(""),
                  Md("## 部门类型与边界角色"), Md(""),
                  Md.block(Html('<div class="pk-chart-row"><div class="pk-chart-box">{}</div><div class="pk-chart-box">{}</div></div>')
                           .format(charts.donut_chart(sorted(types.items(), key=lambda kv: -kv[1]), title="部门类型", unit="个"),
                                   charts.donut_chart(sorted(roles.items(), key=lambda kv: ROLE_ORDER.get(kv[0], 9)),
                                                      title="职责边界事项中的部门角色", unit="次"))), Md(""),
                  Md("## 各清单"), Md(""),
                  Md("| 清单 | 数量 | 说明 |"), Md("|---|---:|---|"),
                  Md("| [权责清单]({}) | {} 项 | 其中在用 {} 项，按部门、按类型公布 |").format(link(U.DEPARTMENTS), c["powers"], c["in_use"]),
                  Md("| [职责任务清单]({}) | {} 条 | {} 个内设机构的处室职责，具体任务 {} 项 |").format(
                      link(U.DEPARTMENTS), c["unit_duties"], c["units"], c["tasks"]),
                  Md("| [职责边界清单]({}) | {} 项 | 每项明确一个牵头部门和配合部门 |").format(link(U.BOUNDARIES), c["boundaries"]),
                  Md("| [监管事项目录]({}) | {} 项 | 已由一个部门牵头认领 {} 项，待明确 {} 项 |").format(
                      link(U.CATALOGS), c["catalog_items"], c["claimed"], c["unclaimed"]),
                  Md("| [法律法规]({}) | {} 部 | 清单事项的实施依据 |").format(link(U.LAWS), c["laws"]),
                  Md("| [检查规则]({}) | {} 条 | 《部门职能运行监管办法》逐条对应的检查规则 |").format(link(U.RULES), c["rules"]),
                  *([Md("| [监督管理]({}) | {} 份台账 | 履职台账、督导评估台账、问题征集与调处、履职评估、议事协调机构、"
                        "市县事权划分 |").format(link(U.SUPERVISION), len(self.supervision.ledgers))] if self.supervision else []),
                  Md(""),
                  Md("12345 热线派单请用[派单查询]({})；各部门清单可在[下载]({})页获取 Excel 和 CSV 文件。").format(
                      link(U.LOOKUP), link(U.DOWNLOADS)), Md("")]
        body = _md_page(lines)
        if self.landing is not None:   # the landing text is the repository's own Markdown (docs/index.md)
            marker = "<!-- policykit:home -->"
            return self.landing.replace(marker, body) if marker in self.landing else self.landing.rstrip() + "\n\n" + body
        return body

    # ---- departments --------------------------------------------------------------------
    def departments_index(self) -> str:
        here = U.DEPARTMENTS
        lines = [Md("# 部门一览"), Md(""),
                 Md("共 {} 个部门。点击部门名称查看其三定规定、职责任务清单、权责清单和职责边界。").format(len(self.depts)), Md("")]
        by_type = defaultdict(list)
        for d in self.depts:
            by_type[d.type or "其他"].append(d)
        for t in sorted(by_type, key=lambda t: (-len(by_type[t]), t)):
            lines += [Md("## {}（{} 个）").format(t, len(by_type[t])), Md(""),
                      Md("| 部门 | 编码 | 内设机构 | 处室职责 | 权力事项 | 边界事项（牵头/配合） | 下载 |"),
                      Md("|---|---|---:|---:|---:|---:|---|")]
            for d in by_type[t]:
                matters = self.matters_by_dept.get(d.id, [])
                lead = sum(1 for _, r in matters if r.role == "牵头")
                duties = sum(len(self.duties_by_unit.get((d.id, u.name), ())) for u in d.units)
                lines.append(Md("| {} | {} | {} | {} | {} | {}/{} | {} |").format(
                    self.dlink(here, d.id), d.code, len(d.units), duties, len(self.items_by_dept.get(d.id, ())),
                    lead, len(matters) - lead, self._download_links(Md, here, d.id)))
            lines.append(Md(""))
        orphans = sorted(set(self.items_by_dept) - set(self.repo.departments))
        if orphans:
            lines += [Md("## 未登记三定规定的部门"), Md(""), Md("以下部门有权责清单，但没有三定规定文件："), Md("")]
            lines += [Md("- {}：{} 项").format(o, len(self.items_by_dept[o])) for o in orphans]
            lines.append(Md(""))
        return _md_page(lines)

    def _download_links(self, kind, here: str, dept_id: str):
        """Excel · CSV links of a department's list (``kind``: Html or Md)."""
        files = self.downloads.get(dept_id) or {}
        name = self.repo.departments[dept_id].name if dept_id in self.repo.departments else dept_id
        out = []
        for fmt, label in (("xlsx", "Excel"), ("csv", "CSV")):
            if f"{dept_id}.{fmt}" in files:
                # in a Markdown line the name is escaped for Markdown too: an attribute of inline HTML is
                # read by Markdown's link syntax before the tag is set aside
                out.append(kind('<a href="{}" download="{}权责清单.{}">{}</a>').format(
                    self._href(here, U.download(dept_id, fmt)), _title_text(name), Url(fmt), label))
        return kind(" · ").join(out) if out else kind("—")

    def department_page(self, d) -> HtmlPage:
        """One department: its 三定, units and duty lists, powers, boundaries, claims and history, in that order."""
        here = U.department(d.id)
        items = self.items_by_dept.get(d.id, [])
        matters = self.matters_by_dept.get(d.id, [])
        doc = HtmlDoc(d.name, f"{d.name}（{d.short_name}）" if d.short_name and d.short_name != d.name else d.name)
        valid = self._valid_time_html()
        if valid is not None:         # the site shows another day's lists: each department page says so
            doc.p(valid, index=False)
        self._department_overview(doc, here, d, items, matters)
        self._department_lifecycle(doc, here, d)
        duty_text = {x.no: x.text for x in d.main_duties}
        self._department_sanding(doc, d)
        self._department_units(doc, here, d, items, duty_text)
        self._department_powers(doc, here, items, duty_text)
        self._department_boundaries(doc, here, matters)
        self._department_claims(doc, d.id)
        files = [f for f, dept in self.repo.power_files.items() if dept == d.id] + [d.source.file]
        files += sorted({src.file for dd, _u, src in self.repo.task_units if dd == d.id})
        self.history_html(doc, d.id, here, files)
        return doc.page(SEARCH_BOOST["department"])

    def _department_meta(self, d) -> list[tuple[str, object]]:
        """The key facts table of a department: its fields, then rank and staffing from the raw 三定 block."""
        meta = [("简称", d.short_name), ("部门类型", d.type), ("部门编码", d.code),
                ("三定规定", d.sanding_document), ("施行日期", iso_day(d.sanding_effective))]
        raw = self.repo.documents.get(d.source.file)
        sanding = (raw.data or {}).get("sanding") if raw is not None and isinstance(raw.data, dict) else None
        if not isinstance(sanding, dict):
            return meta
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
        return meta

    def _department_overview(self, doc, here, d, items, matters) -> None:
        """The top of a department page: key facts, the counts sentence, downloads and supervision links."""
        meta = self._department_meta(d)
        doc.table(["项目", "内容"], [[k, v] for k, v in meta if v])
        doc.index(*[f"{k} {v}" for k, v in meta if v])
        lead = sum(1 for _, r in matters if r.role == "牵头")
        n_duties = sum(len(self.duties_by_unit.get((d.id, u), ())) for u in self._units_of(d))
        doc.p(f"本部门有内设机构 {len(d.units)} 个、三定主要职责 {len(d.main_duties)} 条、处室职责 {n_duties} 条、"
              f"权力事项 {len(items)} 项，参与职责边界事项 {len(matters)} 项（牵头 {lead} 项）。")
        dl = self._download_links(Html, here, d.id)
        if dl != "—":
            doc.p(Html("下载本部门权责清单：{}").format(dl))
        for line in self.supervision.department_links(here, d.id):
            doc.p(Html("{}。").format(_trusted_html(line)))

    def _department_lifecycle(self, doc, here, d) -> None:
        """机构沿革: the department's events, its predecessors and who holds its duties after it ended."""
        preds = self.repo.predecessors_of(d.id)
        if not d.lifecycle and not preds:
            return
        doc.heading(2, "机构沿革", "lifecycle")
        rows = []
        for e in d.lifecycle:
            if e.successor:
                what = Html("{}：{}").format("并入" if e.event == "合并" else "职责由其承接", self.dhref(here, e.successor))
            elif e.former_name:
                what = Html("原名称：{}").format(e.former_name)
            elif e.predecessors:
                what = Html("由 {} 组建").format(Html("、").join(self._pred_html(here, p) for p in e.predecessors))
            else:
                what = Html("")
            rows.append([iso_day(e.date) or "—", e.event, e.approval or "—", what])
        if rows:
            doc.table(["日期", "事件", "批准文号", "说明"], rows)
        merged = [(p, e) for p, e in preds if not isinstance(p, str)]
        if merged:
            doc.p(Html("前身：{}。").format(Html("；").join(
                Html("{}（{} {}）").format(self.dhref(here, p.id), iso_day(e.date) or "—", e.event) for p, e in merged)))
        if d.end is not None:
            now = self.repo.current_department(d.id, self.legal_date)
            holder = self.dhref(here, now) if now != d.id else Html("（未写明）")
            doc.p(Html("本部门已于 {} {}，职责现由 {} 承接；此前的记录仍指向本部门。").format(
                iso_day(d.ended_on), d.end.event, holder))

    def _pred_html(self, here: str, name: str) -> Html:
        return self.dhref(here, name) if name in self.repo.departments else Html("{}").format(name)

    def _department_sanding(self, doc, d) -> None:
        """The 三定 section: the main duties, numbered as the 三定 numbers them."""
        doc.heading(2, "三定规定主要职责", "sanding")
        if d.main_duties:
            doc.add(Html("<ol>{}</ol>").format(Html("").join(
                Html('<li value="{}">{}</li>').format(_int(duty.no), duty.text)
                for duty in sorted(d.main_duties, key=lambda x: x.no))))
            doc.index(*(duty.text for duty in d.main_duties))
        else:
            doc.p("（未列主要职责）")

    def _department_units(self, doc, here, d, items, duty_text) -> None:
        """The units section: one subsection per unit (三定 units first, then units known only from duty lists)."""
        doc.heading(2, "内设机构及职责任务清单", "units")
        item_by_unit = defaultdict(list)
        for it in items:
            item_by_unit[it.unit].append(it)
        for n, unit in enumerate(self._units_of(d), 1):
            self._department_unit(doc, here, d, n, unit, item_by_unit.get(unit, []), duty_text)

    def _department_unit(self, doc, here, d, n, unit, undertaken, duty_text) -> None:
        """One unit: its summary, its duty list (each duty tied to a 三定 duty) and the items it undertakes."""
        u = d.unit(unit)
        doc.heading(3, unit, f"unit-{n}")
        if u is None:
            doc.add(Html("<blockquote><p>该处室有职责任务清单，但三定规定的内设机构中没有它。</p></blockquote>"))
        elif u.duties_summary:
            doc.p(u.duties_summary)
        duties = sorted(self.duties_by_unit.get((d.id, unit), ()), key=lambda x: x.no)
        if duties:
            rows = []
            for x in duties:
                sd = f"第 {x.sanding_duty} 条" if x.sanding_duty in duty_text else f"第 {x.sanding_duty} 条（三定中无此条）"
                rows.append([x.no, sd, x.content, Html("<br>").join(x.tasks), x.post or ""])
            doc.table(["序号", "对应三定职责", "职责内容", "具体任务", "岗位"], rows)
            doc.index(*(x.content for x in duties))
        else:
            doc.p("（尚无职责任务清单）")
        if undertaken:
            shown = Html("、").join(self.ihref(here, it.code, it.full_name) for it in undertaken[:30])
            more = f" 等 {len(undertaken)} 项" if len(undertaken) > 30 else f"，共 {len(undertaken)} 项"
            doc.p(Html("承办的权力事项：{}{}。").format(shown, more))   # items are indexed on their own pages

    def _department_powers(self, doc, here, items, duty_text) -> None:
        """The powers section: every item as a folded details block, grouped by category in the configured order."""
        doc.heading(2, f"权责清单（{len(items)} 项）", "powers")
        if not items:
            doc.p("（本部门没有权力事项）")
        by_cat = defaultdict(list)
        for it in items:
            by_cat[it.category].append(it)
        exclude = Html(" data-search-exclude") if self.item_pages else Html()
        for cat in sorted(by_cat, key=self.cat_sort):
            letters = self.config.categories.get(cat) or f"c{self.cat_sort(cat)[0]}"
            doc.heading(3, f"{cat}（{len(by_cat[cat])} 项）", f"cat-{U.anchor(letters)}")
            doc.add(Html("").join(self._item_details(here, it, duty_text, exclude) for it in by_cat[cat]))

    def _department_boundaries(self, doc, here, matters) -> None:
        """The boundaries section: the department's role and duties in each boundary matter, lead roles first."""
        doc.heading(2, f"职责边界（{len(matters)} 项）", "boundaries")
        if not matters:
            doc.p("（本部门未参与职责边界事项）")
            return
        rows = []
        for b, r in sorted(matters, key=lambda br: (ROLE_ORDER.get(br[1].role, 9), br[0].id)):
            rows.append([self.bhref(here, b), r.role, Html("<br>").join(r.duties),
                         self.dhref(here, b.lead) if b.lead else "（未明确）"])
        doc.table(["事项", "本部门角色", "本部门职责", "牵头部门"], rows)
        doc.index(*(f"{b.name} {r.role} {' '.join(r.duties)}" for b, r in matters))

    def _department_claims(self, doc, dept_id) -> None:
        """The claims section, only when the department claims supervision matters of a catalog."""
        claims = self.claims_by_dept.get(dept_id, [])
        if not claims:
            return
        doc.heading(2, f"监管事项认领（{len(claims)} 项）", "claims")
        doc.table(["目录", "编码", "监管事项", "角色"],
                  [[c.catalog, c.code, c.name, cl.role] for c, cl in sorted(claims, key=lambda x: (x[0].catalog, x[0].code))])
        doc.index(*(c.name for c, _ in claims))

    def _units_of(self, d) -> list[str]:
        names = [u.name for u in d.units]
        extra = [u for u in self.task_units_by_dept.get(d.id, []) if u not in names]
        return names + extra

    def _item_details(self, here, it, duty_text, exclude) -> Html:
        link = self.ihref(here, it.code, "事项详情与调整历史") if self.item_pages else None
        rows = [("承办机构", it.unit), ("实施层级", "、".join(it.levels)),
                ("权力来源", it.power_source + (f"（{it.source_document}）" if it.source_document else "")),
                ("状态", it.status)]
        if it.sanding_duty is not None:
            rows.append(("对应三定职责", f"第 {it.sanding_duty} 条" + (f"：{duty_text[it.sanding_duty]}" if it.sanding_duty in duty_text else "")))
        if it.co_departments:
            rows.append(("共同实施部门", Html("、").join(self.dhref(here, x) for x in it.co_departments)))
        table = Html("").join(Html("<tr><th>{}</th><td>{}</td></tr>").format(k, v) for k, v in rows)
        status = Html("") if it.status == "在用" else Html(' <span class="pk-status">{}</span>').format(it.status)
        return Html('<details class="pk-item"{} id="{}"><summary><code>{}</code> {}{}</summary>'
                    '<table class="pk-kv">{}</table>'
                    "<p><strong>实施依据</strong></p>{}"
                    "<p><strong>责任事项</strong></p>{}"
                    "<p><strong>追责对象范围</strong>：{}</p>"
                    "<p><strong>追责情形</strong></p>{}{}</details>").format(
            exclude, U.anchor(it.code), it.code, it.full_name, status, table,
            self._basis_html(it.legal_basis, here, self.item_statuses(it)), self._list_html(it.responsibilities),
            "、".join(it.accountability_targets) or "（未填写）", self._list_html(it.accountability_cases),
            Html("<p>{}</p>").format(link) if link else Html())

    # ---- items --------------------------------------------------------------------------
    ITEM_SECTIONS = (("basis", "实施依据"), ("responsibilities", "责任事项"), ("accountability", "追责"),
                     ("related", "相关边界、监管事项与履职记录"), ("history", "调整历史"))

    def item_page(self, it) -> HtmlPage:
        """One power item; every item page has the same headings (the pages share one rendered shell)."""
        here = U.item(it.code)
        d = self.repo.departments.get(it.department)
        raw = it.raw if isinstance(it.raw, dict) else {}
        doc = HtmlDoc(it.full_name)
        rows = [("事项编码", Html("<code>{}</code>").format(it.code)), ("事项名称", it.name)]
        if it.sub_name:
            rows.append(("子项名称", it.sub_name))
        rows += [("权力类型", it.category), ("行使主体", self.dhref(here, it.department)),
                 ("承办机构", it.unit), ("实施层级", "、".join(it.levels))]
        if it.sanding_duty is not None:
            text = next((x.text for x in d.main_duties if x.no == it.sanding_duty), None) if d else None
            rows.append(("对应三定职责", f"第 {it.sanding_duty} 条" + (f"：{text}" if text else "")))
        rows.append(("权力来源", it.power_source))
        if it.source_document:
            rows.append(("下放/授权/委托文件", it.source_document))
        if it.delegator:
            rows.append(("下放/授权/委托机关", it.delegator))
        if it.co_departments:
            rows.append(("共同实施部门", Html("、").join(self.dhref(here, x) for x in it.co_departments)))
        if it.catalog_code:
            rows.append(("基本编码", it.catalog_code))
        rows.append(("状态", it.status))
        for key, label in (("remedy", "救济渠道"), ("phone", "监督电话"), ("remark", "备注")):
            if raw.get(key):
                rows.append((label, raw[key]))
        doc.table(["项目", "内容"], rows)
        sections = dict(self.ITEM_SECTIONS)
        doc.heading(2, sections["basis"], "basis")
        doc.add(self._basis_html(it.legal_basis, here, self.item_statuses(it)))
        if self.law_status:
            doc.p(f"效力状况按法律日期 {self.legal_date.isoformat()} 核对。", index=False)
        doc.heading(2, sections["responsibilities"], "responsibilities")
        doc.add(self._list_html(it.responsibilities))
        doc.heading(2, sections["accountability"], "accountability")
        doc.p(Html("<strong>追责对象范围</strong>：{}").format("、".join(it.accountability_targets) or "（未填写）"))
        doc.p(Html("<strong>追责情形</strong>："))
        doc.add(self._list_html(it.accountability_cases))
        doc.heading(2, sections["related"], "related")
        related = [Html("职责边界事项：{}").format(self.bhref(here, b)) for b in self.matters_by_power.get(it.code, [])]
        for code in it.supervision_items:
            c = self.catalog_by_code.get(code)
            related.append(Html("监管事项：{} {}").format(code, c.name if c else "（目录中没有该编码）"))
        related += [_trusted_html(x) for x in self.supervision.item_related(here, it.code)]
        if related:
            doc.add(Html("<ul>{}</ul>").format(Html("").join(Html("<li>{}</li>").format(x) for x in related)))
        else:
            doc.p("（无）")
        self.history_html(doc, it.code, here, [it.source.file] if it.source else [], heading_id="history")
        return doc.page()

    def item_search_title(self, it) -> str:
        """An item's title in the search index: escaped text (the index is read as HTML)."""
        return str(h(_title_text(it.full_name)))

    def item_search_text(self, it) -> str:
        """What the search index keeps of an item page: identity and basis, not the long boilerplate
        (escaped text: the index is read as HTML)."""
        basis = " ".join(f"{b.level} {b.title} {b.article}" for b in it.legal_basis)
        return str(h(f"{it.code} {self.dname(it.department)} {it.category} {it.unit} {basis}"))

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
        lines = [Md("# 职责边界清单"), Md(""),
                 Md("涉及两个以上部门的事项共 {} 项。每项明确一个牵头部门，配合部门分别写明职责，"
                    "并建立启动、衔接、争议解决和督促落实的协调配合机制。").format(len(matters)), Md(""),
                 Md("| 编号 | 事项 | 领域 | 牵头部门 | 配合部门 |"), Md("|---|---|---|---|---|")]
        for b in matters:
            leads = [r.department for r in b.roles if r.role == "牵头"]
            lead = Md("、").join(self.dlink(here, x) for x in leads) if leads else Md("（未明确）")
            coop = Md("、").join(self.dlink(here, x) for x in b.cooperating) or Md("—")
            lines.append(Md("| {} | {} | {} | {} | {} |").format(b.id, self.blink(here, b), b.domain or "", lead, coop))
        lines += [Md(""), Md("## 部门 × 事项矩阵"), Md(""),
                  Md("“牵”表示牵头，“配”表示配合；横向滚动查看全部事项，鼠标悬停在编号上可见事项名称。"), Md("")]
        depts = sorted({r.department for b in matters for r in b.roles},
                       key=lambda x: (self.repo.departments[x].code if x in self.repo.departments else "~", x))
        role_of = {(r.department, b.id): r.role for b in matters for r in b.roles}
        head = Html("").join(Html('<th scope="col" title="{}"><a href="{}">{}</a></th>').format(
            b.name, self._href(here, U.boundary(b.id)), b.id) for b in matters)
        rows = []
        for dept in depts:
            cells = []
            for b in matters:
                role = role_of.get((dept, b.id))
                if role is None:
                    cells.append(Html("<td></td>"))
                else:
                    cls = Url("pk-lead" if role == "牵头" else "pk-coop")
                    cells.append(Html('<td class="{}" title="{}：{}（{}）">{}</td>').format(
                        cls, self.dname(dept), b.name, role, role[:1]))
            n_lead = sum(1 for b in matters if role_of.get((dept, b.id)) == "牵头")
            n_all = sum(1 for b in matters if (dept, b.id) in role_of)
            rows.append(Html('<tr><th scope="row">{}</th><td class="pk-num">{}/{}</td>{}</tr>').format(
                self.dhref(here, dept), n_lead, n_all, Html("").join(cells)))
        lines += [Md.block(Html('<div class="pk-matrix-wrap"><table class="pk-matrix">'
                                '<thead><tr><th scope="col">部门</th><th scope="col">牵头/参与</th>{}</tr></thead>'
                                "<tbody>{}</tbody></table></div>").format(head, Html("").join(rows))), Md("")]
        return _md_page(lines)

    def boundary_page(self, b) -> str:
        here = U.boundary(b.id)
        lines = [*_front_matter(SEARCH_BOOST["boundary"]), Md("# {}").format(_title_text(b.name)), Md(""),
                 Md("| 项目 | 内容 |"), Md("|---|---|"), Md("| 编号 | {} |").format(b.id)]
        if b.domain:
            lines.append(Md("| 领域 | {} |").format(b.domain))
        leads = [r.department for r in b.roles if r.role == "牵头"]
        lines.append(Md("| 牵头部门 | {} |").format(Md("、").join(self.dlink(here, x) for x in leads) or Md("（未明确）")))
        lines.append(Md("| 配合部门 | {} |").format(Md("、").join(self.dlink(here, x) for x in b.cooperating) or Md("—")))
        lines += [Md(""), Md("## 各部门职责"), Md("")]
        for r in sorted(b.roles, key=lambda r: ROLE_ORDER.get(r.role, 9)):
            lines += [Md("### {}（{}）").format(self.dname(r.department), r.role), Md("")]
            lines += [Md("- {}").format(x) for x in r.duties] or [Md("（未写明职责）")]
            lines += [Md(""), Md("见{}部门页面。").format(self.dlink(here, r.department)), Md("")]
        mech = b.mechanism or {}
        lines += [Md("## 协调配合机制"), Md(""), Md("| 环节 | 内容 |"), Md("|---|---|")]
        for key, label in (("trigger", "启动情形"), ("handoff", "衔接流程"), ("dispute_resolution", "争议解决办法"),
                           ("enforcement", "督促落实")):
            lines.append(Md("| {} | {} |").format(label, mech.get(key) or "（未写明）"))
        lines += [Md(""), Md("## 依据"), Md("")]
        statuses = self.law_status.matter(b) if self.law_status else [None] * len(b.basis)
        lines += [Md("{}. 【{}】{}{}{}").format(n, x.level, self._law_title(Md, here, x.title, st), x.article,
                                                self.law_badge(here, x.title, st, Md))
                  for n, (x, st) in enumerate(zip(b.basis, statuses), 1)] or [Md("（未列依据）")]
        if self.law_status and b.basis:
            lines += [Md(""), Md("效力状况按法律日期 {} 核对。").format(self.legal_date.isoformat())]
        lines.append(Md(""))
        if b.related_powers:
            lines += [Md("## 相关权力事项"), Md(""), Md("| 编码 | 事项 | 部门 |"), Md("|---|---|---|")]
            for code in b.related_powers:
                it = self.powers.get(code)
                lines.append(Md("| {} | {} | {} |").format(code, self.ilink(here, code),
                                                             self.dlink(here, it.department) if it else Md("—")))
            lines.append(Md(""))
        lines += self.history_section(b.id, here, [b.source.file] if b.source else [])
        return _md_page(lines)

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
        lines = [Md("# 监管事项目录认领"), Md(""),
                 Md("目录中共有监管事项 {} 项，已由且仅由一个部门牵头认领 {} 项，尚未明确唯一牵头部门 {} 项。").format(
                     len(items), ok, len(items) - ok), Md("")]
        for cat_id in sorted(by_cat):
            entries = sorted(by_cat[cat_id], key=lambda c: c.code)
            bad = [c for c in entries if len(c.leads) != 1]
            lines += [Md("## {}").format(names.get(cat_id, cat_id)), Md(""),
                      Md("共 {} 项，待明确牵头部门 {} 项。").format(len(entries), len(bad)), Md("")]
            if bad:
                lines += [Md("### 待明确牵头部门的事项"), Md(""), Md("| 编码 | 监管事项 | 问题 | 认领部门 |"), Md("|---|---|---|---|")]
                for c in bad:
                    problem = "无部门牵头认领" if not c.leads else f"{len(c.leads)} 个部门同时牵头"
                    who = Md("、").join(Md("{}（{}）").format(self.dlink(here, cl.department), cl.role) for cl in c.claims) or Md("—")
                    lines.append(Md("| {} | {} | {} | {} |").format(c.code, c.name, problem, who))
                lines.append(Md(""))
            lines += [Md("### 全部事项"), Md(""), Md("| 编码 | 监管事项 | 领域 | 牵头部门 | 配合部门 |"), Md("|---|---|---|---|---|")]
            for c in entries:
                leads = Md("、").join(self.dlink(here, x) for x in c.leads) or Md("**（无）**")
                coop = Md("、").join(self.dlink(here, cl.department) for cl in c.claims if cl.role != "牵头") or Md("—")
                lines.append(Md("| {} | {} | {} | {} | {} |").format(c.code, c.name, c.domain or "", leads, coop))
            lines.append(Md(""))
        if not items:
            lines += [Md("（没有监管事项目录）"), Md("")]
        return _md_page(lines)

    # ---- laws ---------------------------------------------------------------------------
    def laws_index(self) -> str:
        here = U.LAWS
        lines = [Md("# 法律法规"), Md(""), Md("清单事项的实施依据按法律法规归集。点击法规名称查看以其为依据的全部事项。"), Md("")]
        reg = self.law_registry
        if reg is None or not reg.laws:
            lines += [Md("（法律法规库为空）"), Md("")]
        else:
            today = self.legal_date
            lines += self._basis_status_summary(here)
            lines += [Md("## 法律法规库"), Md(""),
                      Md("“现行版本施行”为法律日期 {} 时有效版本的施行日期。").format(today.isoformat()), Md(""),
                      Md("| 法律法规 | 层级 | 制定机关 | 现行版本施行 | 事项数 | 边界事项数 |"), Md("|---|---|---|---|---:|---:|")]
            level_order = {lv: i for i, lv in enumerate(self.config.basis_levels)}
            for law in sorted(reg.laws, key=lambda x: (level_order.get(x.level, 99), -len(self.items_by_law.get(x.id, ())), x.title)):
                v = law.version_at(today)
                current = iso_day(v.effective or v.promulgated) if v else ("已废止" if law.repealed_by(today) else "尚未施行")
                lines.append(Md("| [{}]({}) | {} | {} | {} | {} | {} |").format(
                    law.title, Url(U.md_link(here, U.law(law.id))), law.level, law.issuer or "", current,
                    len(self.items_by_law.get(law.id, ())), len(self.matters_by_law.get(law.id, ()))))
            lines.append(Md(""))
        if self.unresolved:
            total = sum(len(v) for v in self.unresolved.values())
            lines += [Md("## 未收录的依据"), Md(""),
                      Md("以下 {} 部依据（被引用 {} 次）不在法律法规库中，请核对名称或登记入库。").format(len(self.unresolved), total),
                      Md(""), Md("| 依据名称 | 引用次数 | 部分事项 |"), Md("|---|---:|---|")]
            for title, its in sorted(self.unresolved.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                sample = Md("、").join(self.ilink(here, it.code, it.full_name) for it in its[:5])
                lines.append(Md("| 《{}》 | {} | {}{} |").format(title, len(its), sample, " 等" if len(its) > 5 else ""))
            lines.append(Md(""))
        return _md_page(lines)

    def _basis_status_summary(self, here: str, limit: int = 300) -> list:
        """Markdown: counts of the bases by status on the legal date, a chart, and the bases not in force."""
        from .lawstatus import STATUS_LABEL, STATUS_ORDER, WARNING_LABEL
        ls = self.law_status
        if not ls:
            return []
        p, b, total = ls.counts.get("power", Counter()), ls.counts.get("boundary", Counter()), ls.total()
        n = sum(total.values())
        lines = [Md("## 实施依据的效力状况"), Md(""),
                 Md("按法律日期 **{}** 核对清单引用的全部 {} 条实施依据（权力事项 {} 条、职责边界事项 {} 条），"
                    "其中现行有效 {} 条。核对方法与清单检查所用的法律法规规则一致。").format(
                     self.legal_date.isoformat(), n, sum(p.values()), sum(b.values()), total.get("in_force", 0)), Md(""),
                 _chart_block(charts.bar_chart([(STATUS_LABEL[k], total.get(k, 0)) for k in STATUS_ORDER],
                                               title="实施依据按效力状况统计", unit="条")), Md(""),
                 Md("| 效力状况 | 权力事项依据 | 职责边界事项依据 | 合计 |"), Md("|---|---:|---:|---:|")]
        for k in STATUS_ORDER:
            lines.append(Md("| {} | {} | {} | {} |").format(STATUS_LABEL[k], p.get(k, 0), b.get(k, 0), total.get(k, 0)))
        lines.append(Md(""))
        if ls.warnings:
            lines += [Md("| 提示 | 依据条数 |"), Md("|---|---:|")]
            lines += [Md("| {} | {} |").format(WARNING_LABEL[k], v) for k, v in sorted(ls.warnings.items())]
            lines.append(Md(""))
        bad = []
        for it in self.repo.power_items:
            for x, st in zip(it.legal_basis, ls.item(it)):
                if st is not None and (not st.ok or st.warnings):
                    bad.append((STATUS_ORDER.index(st.status), self.ilink(here, it.code, it.full_name),
                                self.dlink(here, it.department), x, st))
        for m in self._unique_matters():
            for x, st in zip(m.basis, ls.matter(m)):
                if st is not None and (not st.ok or st.warnings):
                    bad.append((STATUS_ORDER.index(st.status), self.blink(here, m), Md("职责边界事项"), x, st))
        if bad:
            bad.sort(key=lambda r: -r[0])
            more = f"，列出前 {limit} 条" if len(bad) > limit else ""
            lines += [Md("### 需要核对的依据（{} 条{}）").format(len(bad), more), Md(""),
                      Md("| 事项 | 部门 | 依据 | 效力状况 | 提示 |"), Md("|---|---|---|---|---|")]
            for _, owner, dept, x, st in bad[:limit]:
                title = (Md("[《{}》]({})").format(x.title, Url(U.md_link(here, U.law(st.law_id)))) if st.law_id
                         else Md("《{}》").format(x.title))
                lines.append(Md("| {} | {} | {}{} | {} | {} |").format(
                    owner, dept, title, x.article, st.text, Md("；").join(w for _, w in st.warnings) or Md("—")))
            lines.append(Md(""))
        return lines

    def law_page(self, law) -> HtmlPage:
        here = U.law(law.id)
        doc = HtmlDoc(law.title)
        doc.index(law.short_title, law.level, law.issuer)
        rows = [["层级", law.level]]
        if law.short_title:
            rows.append(["简称", law.short_title])
        if law.issuer:
            rows.append(["制定机关", law.issuer])
        source = public_note(law.source)
        if source:
            rows.append(["文本来源", source])
        when = self.legal_date
        v = law.version_at(when)
        if v is not None:
            state = f"现行有效（{iso_day(v.effective or v.promulgated)} 施行的版本" + (f"，共 {v.articles} 条" if v.articles else "") + "）"
        elif law.repealed_by(when):
            state = f"已废止（{iso_day(law.repeal.effective or law.repeal.promulgated)}）"
        elif law.not_yet_in_force(when):
            state = f"尚未施行（{iso_day(law.enacted.effective or law.enacted.promulgated)} 施行）"
        else:
            state = "已失效"
        rows.append([f"效力（{when.isoformat()}）", state])
        doc.table(["项目", "内容"], rows)
        doc.heading(2, "沿革", "versions")
        doc.table(["事件", "公布", "施行", "条文数", "文号"],
                  [[v.event, iso_day(v.promulgated), iso_day(v.effective), v.articles or "", v.document or ""]
                   for v in law.versions])
        its = self.items_by_law.get(law.id, [])
        doc.heading(2, f"以其为依据的权力事项（{len(its)} 项）", "items")
        if its:
            doc.table(["编码", "事项", "部门", "权力类型", "条款"],
                      [[Html("<code>{}</code>").format(it.code), self.ihref(here, it.code, it.full_name),
                        self.dhref(here, it.department), it.category, b.article]
                       for it, b in sorted(its, key=lambda x: (x[0].department, x[0].code))])
        else:
            doc.p("（没有事项以其为依据）")
        matters = self.matters_by_law.get(law.id, [])
        doc.heading(2, f"以其为依据的职责边界事项（{len(matters)} 项）", "matters")
        if matters:
            doc.add(Html("<ul>{}</ul>").format(Html("").join(Html("<li>{}</li>").format(self.bhref(here, m)) for m in matters)))
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
            from ..lists.laws import chinese_number
            m = re.match(r"第(.+)条", article)
            n = chinese_number(m.group(1)) if m else None
            return (n if n is not None else 10_000, article)

        counts = Counter(overrides.get(r.id, r.severity) for r in self.rules)
        lines = [Md("# 检查规则"), Md(""),
                 Md("《部门职能运行监管办法》的要求逐条写成检查规则，共 {} 条（错误 {} 条、警告 {} 条、提示 {} 条）。"
                    "本页与每次检查所用的规则一致。每条规则附有符合和不符合要求的示例。").format(
                     len(self.rules), counts.get("error", 0), counts.get("warning", 0), counts.get("info", 0)), Md("")]
        for article in sorted(by_article, key=order):
            rules = sorted(by_article[article], key=lambda r: r.id)
            lines += [Md("## {}").format(article), Md("")]
            text = self.measure.get(article)
            if text:
                lines += [Md("> {}").format(text), Md("")]
            for r in rules:
                sev = overrides.get(r.id, r.severity)
                sev_note = SEVERITY_LABEL.get(sev, sev) + (
                    f"（默认为{SEVERITY_LABEL.get(r.severity, r.severity)}，本市另行规定）" if sev != r.severity else "")
                lines += [Md("### {} {}").format(r.id, _title_text(r.title)), Md(""),
                          Md("| 项目 | 内容 |"), Md("|---|---|"), Md("| 规则编号 | `{}` |").format(r.id),
                          Md("| 级别 | {} |").format(sev_note), Md("| 条款 | {} |").format(r.article),
                          Md("| 提示信息 | {} |").format(public_prose(readable_message(r.message))), Md("")]
                if r.description:
                    lines += [md(public_prose(r.description)), Md("")]
                examples = [(ex.get("expect"), ex.get("name") or "") for ex in r.examples]
                if examples:
                    lines += [Md("- 示例（{}）：{}").format("通过" if expect == "pass" else "不通过", name)
                              for expect, name in examples] + [Md("")]
        if not self.rules:
            lines += [Md("（没有找到规则文件）"), Md("")]
        return _md_page(lines)

    # ---- changes ------------------------------------------------------------------------
    def changes_page(self, limit: int = 1000, items_per_adjustment: int = 200) -> str:
        here = U.CHANGES
        hist = self.history
        lines = [Md("# 调整记录"), Md(""),
                 Md("清单的每次动态调整都有版本记录。按《部门职能运行监管办法》第二十条，调整应当附调整类型、事由、依据和"
                    "批准文号，经市委编办审核后生效。"), Md("")]
        if hist is None or not hist.available:
            reason = hist.reason if hist is not None else "未读取版本历史"
            lines += [Md("暂无调整记录（{}）。").format(reason), Md("")]
            return _md_page(lines)
        adjs = hist.adjustments
        missing = "（未注明）"
        lines += [Md("共 {} 次调整{}。").format(len(adjs), f"，以下列出最近 {limit} 次" if len(adjs) > limit else ""), Md("")]
        if not adjs:
            return _md_page(lines)
        by_type = Counter(a.type or "未注明" for a in adjs)
        lines += [Md("| 调整类型 | 次数 |"), Md("|---|---:|"), *[Md("| {} | {} |").format(t, n) for t, n in by_type.most_common()], Md("")]
        year = None
        for a in adjs[:limit]:
            if a.day[:4] != year:
                year = a.day[:4]
                lines += [Md("## {} 年").format(year or "日期不详"), Md("")]
            title = " · ".join(x for x in (a.day[5:] or a.day, a.type or "未注明调整类型", a.approval) if x)
            # the record the measure asks for (第二十条); the commit's own message and author are not public
            lines += [Md("### {}").format(_title_text(title)), Md(""),
                      Md("| 项目 | 内容 |"), Md("|---|---|"),
                      Md("| 调整类型 | {} |").format(a.type or missing), Md("| 调整事由 | {} |").format(a.reason or missing),
                      Md("| 调整依据 | {} |").format(a.basis or missing), Md("| 批准文号 | {} |").format(a.approval or missing),
                      Md("| 版本 | `{}` |").format(a.short), Md("")]
            touched = [Md("{}：{}").format(ch.kind, self._key_link(here, ch.key)) for ch in a.changes]
            if not touched:
                touched = [Md("修改{}").format(self.file_label(f)) for f in a.files]
            if touched:
                shown = touched[:items_per_adjustment]
                more = f"（列出前 {len(shown)} 项）" if len(touched) > len(shown) else ""
                kind = "???" if len(touched) > 10 else "???+"
                lines += [Md('{} note "涉及事项 {} 项{}"').format(Md(kind), len(touched), more), Md("")]
                lines += [Md("    - {}").format(t) for t in shown]
                lines.append(Md(""))
        return _md_page(lines)

    def _key_link(self, here: str, key: str) -> Md:
        if key in self.powers:
            return self.ilink(here, key, f"{self.powers[key].full_name}（{key}）")
        b = self.repo.boundary(key) if hasattr(self.repo, "boundary") else None
        if b is not None and b.id == key:
            return self.blink(here, b)
        if key in self.repo.departments:
            return self.dlink(here, key)
        dept = key.split("/")[0].split("#")[0]
        if dept in self.repo.departments and dept != key:
            return Md("{} {}").format(self.dlink(here, dept), key[len(dept):].lstrip("/#"))
        return md(key)

    # ---- lookup -------------------------------------------------------------------------
    def lookup_data(self) -> dict:
        """The dispatcher lookup's data: plain text and code-built URLs; the script writes it as text."""
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
                  U.href(here, U.item(it.code), du) if self.item_pages
                  else U.href(here, U.department(it.department), du, U.anchor(it.code))]
                 for it in self.powers.values() if it.status != "取消"]
        catalog = [[c.code, c.name, list(c.leads), [cl.department for cl in c.claims if cl.role != "牵头"],
                    f"{c.catalog}/{c.code}"] for c in self.repo.catalog_items]
        from ..lookup import index_of     # the same index and scoring spec as policykit lookup
        from .processes import pair_uri   # each 审管协同 pair has its page (site/processes.py)
        pair_urls = {sg.id: U.href(here, pair_uri(sg.id), du) for sg in self.repo.approval_pairs}
        return {"city": self.city, "departments": depts, "matters": matters, "items": items, "catalog": catalog,
                "pair_urls": pair_urls, "index": index_of(self.repo).to_data()}

    def lookup_json(self) -> bytes:
        # "<" as \\u003c: the file stays inert even if something ever served it as HTML
        text = json.dumps(self.lookup_data(), ensure_ascii=False, separators=(",", ":"))
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")

    def lookup_page(self) -> str:
        examples = [b.name for b in self._unique_matters()[:3]]
        hint = "、".join(examples) if examples else "事项名称"
        lookup = self._href(U.LOOKUP, U.LOOKUP_JSON)
        return _md_page([
            Md("---"), Md("search:"), Md("  exclude: true"), Md("---"), Md(""),
            Md("# 12345 派单查询"), Md(""),
            Md("输入群众反映的事项（如“{}”），即可查到牵头部门、配合部门及各自职责；"
               "同时列出名称相近的权力事项和监管事项及其实施部门。问及审批后由谁监管时，给出审管协同的监管部门和审批部门；"
               "也可直接输入事项编码、边界事项编号（如 BJ-001）或编码的前段。查询在浏览器内完成，不需要联网。").format(hint), Md(""),
            Md.block(Html(
                '<div id="pk-lookup" class="pk-lookup" data-src="{}">'
                '<label for="pk-lookup-input">事项</label>'
                '<input id="pk-lookup-input" type="search" autocomplete="off" placeholder="输入事项关键词，例如：危险化学品 停车场" '
                'aria-describedby="pk-lookup-status">'
                '<p id="pk-lookup-status" class="pk-lookup-status" aria-live="polite">正在载入数据……</p>'
                '<div id="pk-lookup-results"></div></div>').format(lookup)), Md(""),
            Md.block(Html('<noscript><p>本查询需要启用浏览器的 JavaScript；也可在<a href="{}">职责边界清单</a>中逐项查看。</p></noscript>')
                     .format(self._href(U.LOOKUP, U.BOUNDARIES))), Md(""),
        ])

    # ---- downloads ----------------------------------------------------------------------
    def downloads_page(self) -> str:
        here = U.DOWNLOADS
        lines = [Md("# 下载"), Md(""),
                 Md("各部门权责清单按惯用的公布格式（序号、事项编码、事项名称、子项名称、权力类型、实施依据、行使主体、承办机构、"
                    "实施层级及权限、部门职责、责任事项内容、责任事项依据、追责对象范围、追责情形、救济渠道、备注）提供 Excel 和 CSV 文件。"
                    "CSV 为带 BOM 的 UTF-8 编码，可直接用 Excel 打开。"), Md("")]
        if self.downloads:
            lines += [Md("| 部门 | 权力事项 | 下载 |"), Md("|---|---:|---|")]
            for d in self.depts:
                if d.id in self.downloads:
                    lines.append(Md("| {} | {} | {} |").format(self.dlink(here, d.id), len(self.items_by_dept.get(d.id, ())),
                                                             self._download_links(Md, here, d.id)))
            lines.append(Md(""))
        else:
            lines += [Md("（本次生成未包含下载文件）"), Md("")]
        lines += [Md("## 数据"), Md(""),
                  Md("- [派单查询数据（JSON）]({})：职责边界事项、权力事项、监管事项与审管协同的部门对应关系。").format(
                      Url(U.md_link(here, U.LOOKUP_JSON))), Md("")]
        return _md_page(lines)


def _chart_block(chart: Html) -> Md:
    return Md.block(Html('<div class="pk-chart-box">{}</div>').format(chart))


def _trusted_html(fragment) -> Html:
    """HTML the supervision pages built (``markupsafe.Markup``, escaped as they built it): their
    sentences for department and item pages. A plain string is text."""
    return Html(fragment) if isinstance(fragment, Markup) else h(fragment)


def _int(value) -> str:
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return ""


def parse_measure(markdown_text: str) -> dict:
    """``{"第八条": text}`` from a Markdown table with rows ``| 第八条 | text |`` (docs/measure.md)."""
    out = {}
    for line in markdown_text.splitlines():
        m = re.match(r"^\|\s*(第[一二三四五六七八九十百千零〇两\d]+条)\s*\|\s*(.+?)\s*\|\s*$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out
