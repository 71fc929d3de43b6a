"""The mkdocs plugin ``policykit``: generates the site's pages from lists/, rules/ and git history.

Declared in pyproject.toml as the ``mkdocs.plugins`` entry point ``policykit``; enable it in
mkdocs.yml together with ``search``::

    plugins:
      - policykit
      - search:
          separator: '[\\s\\u200b\\u3000\\-、。，．？！；]+'

``on_config`` opens the repository; ``on_pre_build`` adds the search dictionary (department, unit and
domain names) to jieba in memory — no file, so no path to redirect. ``on_files`` adds every page as
``File.generated``; per-item pages are ``NOT_IN_NAV``. Nothing is written into docs/.

``policykit docs build`` hands mkdocs a configuration it generated from an allow-list
(``site/siteconfig.py``); ``mkdocs build`` run directly trusts ``mkdocs.yml`` and is for reviewed
configurations only.
"""
from __future__ import annotations

import json
import logging
import re
import time
from functools import lru_cache
from pathlib import Path

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from . import urls as U
from .pages import SEARCH_BOOST, h

log = logging.getLogger("mkdocs.plugins.policykit")

NAV = [
    ("首页", U.HOME), ("部门", U.DEPARTMENTS), ("职责边界", U.BOUNDARIES), ("监管事项认领", U.CATALOGS),
    ("法律法规", U.LAWS), ("监督管理", U.SUPERVISION), ("检查规则", U.RULES), ("调整记录", U.CHANGES),
    ("派单查询", U.LOOKUP), ("下载", U.DOWNLOADS),
]
HOME_MARKER = "<!-- policykit:home -->"


class PolicykitConfig(Config):
    root = c.Optional(c.Type(str))                    # repository root; default: the directory of mkdocs.yml
    rules_dir = c.Optional(c.Type(str))               # default: policykit.yaml's rules_dir, else the bundled rules
    item_pages = c.Type(bool, default=True)           # one page per power item (kept out of the navigation)
    downloads = c.Type(bool, default=True)            # xlsx and CSV per department
    download_formats = c.ListOfItems(c.Choice(("xlsx", "csv")), default=["xlsx", "csv"])
    history = c.Type(bool, default=True)              # changelog and per-item history from git
    history_limit = c.Type(int, default=5000)         # most recent adjustments read
    measure = c.Type(str, default="docs/measure.md")  # the measure's article texts (a Markdown table), optional
    search_dictionary = c.Type(bool, default=True)    # generate the jieba user dictionary
    nav = c.Type(bool, default=True)                  # set the navigation when mkdocs.yml has none
    nav_departments_limit = c.Type(int, default=40)   # list departments in the navigation up to this many
    fail_on_load_errors = c.Type(bool, default=True)  # files that fail to load are a warning (fails --strict)
    legal_date = c.Optional(c.Type(str))              # YYYY-MM-DD: laws in force, findings overdue on it (default today)
    as_of = c.Optional(c.Type(str))                   # YYYY-MM-DD: publish the lists in force on that day (docs/time.md)
    # a process-wide choice, made by the command line (policykit docs): read the lists with the cyclic
    # collector paused (they make millions of objects and no cycles); restored when the reading ends
    pause_gc_while_loading = c.Type(bool, default=False)


# options one build sets over mkdocs.yml (``policykit docs build --legal-date``); see site/build.py
OPTION_OVERRIDES: dict = {}


class PolicykitPlugin(BasePlugin[PolicykitConfig]):
    supports_multiple_instances = False

    def __init__(self):
        super().__init__()
        self.repo = None
        self.root = None
        self.timings: dict[str, float] = {}
        self.page_count = 0
        self.search_index = None
        self.segment = lambda text: text
        self.writer = self.item_writer = None

    # -- configuration ------------------------------------------------------------------------
    @event_priority(50)  # before Material's search may initialise jieba
    def on_config(self, config):
        from .. import open_repository
        t0 = time.perf_counter()
        self.timings = {}
        for name, value in OPTION_OVERRIDES.items():
            self.config[name] = value
        base = Path(config.config_file_path).resolve().parent if config.config_file_path else Path.cwd()
        root = Path(self.config.root) if self.config.root else base
        if not root.is_absolute():
            root = (base / root).resolve()
        if not root.is_dir():
            raise PluginError(f"policykit: 仓库目录不存在：{root}")
        self.root = root
        log.info("policykit: 读取清单 %s", root)
        try:
            self.repo = open_repository(root, as_of=self.config.as_of or None,
                                        pause_gc=self.config.pause_gc_while_loading)
        except Exception as exc:  # noqa: BLE001 — report as a build error, not a traceback
            raise PluginError(f"policykit: 无法读取清单：{exc}") from exc
        self.timings["读取清单"] = time.perf_counter() - t0
        errors = [p for p in self.repo.load_problems if p.severity == "error"]
        if errors:
            files = sorted({p.file for p in errors})
            msg = (f"policykit: {len(files)} 个文件有 {len(errors)} 个错误，未能完整收入网站（先运行 policykit check）："
                   + "、".join(files[:10]) + ("……" if len(files) > 10 else ""))
            (log.warning if self.config.fail_on_load_errors else log.info)(msg)
        # theme assets of our own
        for key, path in (("extra_css", U.CSS), ("extra_javascript", U.JS)):
            values = config[key]
            if path not in [str(v) for v in values]:
                values.append(path)
        self.legal_date = None
        if self.config.as_of and not self.config.legal_date:
            self.legal_date = self.repo.as_of   # the lists of that day, judged on that day
        if self.config.legal_date:
            import datetime as _dt
            try:
                self.legal_date = _dt.date.fromisoformat(str(self.config.legal_date))
            except ValueError:
                raise PluginError(f"policykit: legal_date 应为日期 YYYY-MM-DD：{self.config.legal_date}") from None
        if self.config.nav and not config.nav:
            config.nav = self._nav()
        from .searchdict import private_jieba_cache
        private_jieba_cache()   # before Material's search may initialise jieba in its on_config
        return config

    def _nav(self) -> list:
        from .supervision import supervision_nav
        nav = []
        for title, uri in NAV:
            if uri == U.DEPARTMENTS and 0 < len(self.repo.departments) <= self.config.nav_departments_limit:
                depts = sorted(self.repo.departments.values(), key=lambda d: (d.code, d.id))
                # the theme writes navigation titles as they are: a department's name goes in escaped
                nav.append({title: [uri] + [{str(h(" ".join((d.short_name or d.name).split()))): U.department(d.id)}
                                            for d in depts]})
            elif uri == U.SUPERVISION:
                section = supervision_nav(self.repo)
                if section:
                    nav.append({title: section})
                from .processes import process_nav   # 工作流程 and 审管协同, after the supervision pages
                if process_nav(self.repo):
                    nav.append(process_nav(self.repo))
            else:
                nav.append({title: uri})
        return nav

    def on_pre_build(self, *, config) -> None:
        """The search dictionary goes into jieba here, after every plugin's ``on_config`` (Material's
        ``search.jieba_dict`` would replace jieba's dictionary there) and before any page is indexed."""
        if self.config.search_dictionary and self.repo is not None and self._search_plugin(config) is not None:
            self._search_dictionary()

    def _search_dictionary(self) -> None:
        """Department, unit and domain names as jieba words, added in memory: no file is written, so
        no path (``search.jieba_dict_user``, a predictable name in /tmp) can be made to point elsewhere;
        jieba's own model cache is kept in a private directory (``searchdict.private_jieba_cache``)."""
        from .searchdict import dictionary_words, load_dictionary
        t0 = time.perf_counter()
        try:  # jieba announces its dictionary in English on stderr; keep the build log quiet
            import jieba
            jieba.setLogLevel(logging.WARNING)
        except ImportError:
            log.info("policykit: 未安装 jieba，中文搜索不分词（pip install jieba）")
            return
        words = dictionary_words(self.repo)
        load_dictionary(words)
        self.timings["搜索词典"] = time.perf_counter() - t0
        log.info("policykit: 中文分词词典 %d 个词（在内存中加载）", len(words))

    # -- pages --------------------------------------------------------------------------------
    def on_files(self, files: Files, *, config) -> Files:
        from ..checking.check import rules_dir_for
        from ..checking.rules import load_rules
        from .assets import CSS, JS
        from .changes import History, read_history
        from .downloads import DownloadWriter, plan
        from .pages import SitePages, parse_measure
        repo = self.repo
        t0 = time.perf_counter()
        # the measure's rules
        rdir = Path(self.config.rules_dir) if self.config.rules_dir else rules_dir_for(repo.root, repo.config.rules_dir)
        if not rdir.is_absolute():
            rdir = (repo.root / rdir).resolve()
        rules, rule_problems = [], []
        if rdir.is_dir():
            rules, rule_problems = load_rules(rdir, repo.root if rdir.is_relative_to(repo.root) else rdir.parent,
                                              repo.config.limits)
        if rule_problems:
            log.info("policykit: 规则文件有 %d 个问题（运行 policykit test 查看）", len(rule_problems))
        measure = {}
        mpath = repo.root / self.config.measure
        if self.config.measure and mpath.is_file():
            measure = parse_measure(mpath.read_text(encoding="utf-8"))
        self.timings["规则"] = time.perf_counter() - t0
        # history
        t1 = time.perf_counter()
        if self.config.history:
            history = read_history(repo.root, repo.config.lists_dir, limit=self.config.history_limit)
        else:
            history = History(reason="本站生成时未读取版本历史")
        self.timings["版本历史"] = time.perf_counter() - t1
        # downloads: rendered by child processes while mkdocs builds the pages, written into site_dir
        names = {}
        self.writer = None
        if self.config.downloads:
            jobs, names = plan(repo, self.config.download_formats)
            self.writer = DownloadWriter(jobs, Path(config.site_dir) / "downloads").start()
        # landing text from docs/index.md, if there is one
        landing = None
        existing = files.get_file_from_path(U.HOME)
        if existing is not None and existing.generated_by is None and existing.inclusion.is_included():
            landing = existing.content_string
            files.remove(existing)
        t3 = time.perf_counter()
        self.site = site = SitePages(repo, rules=rules, history=history, downloads=names, measure=measure,
                                     directory_urls=config.use_directory_urls, item_pages=self.config.item_pages,
                                     landing=landing, legal_date=getattr(self, "legal_date", None))
        nav_uris = {uri for _, uri in NAV} | set(_flatten_nav(config.nav))
        self.renders = {}
        self.shell_uri = None
        search = self._search_plugin(config)
        self.search_index = getattr(search, "search_index", None) if search is not None else None
        raw_segment = getattr(self.search_index, "_segment_chinese", None)
        self.segment = lru_cache(maxsize=200_000)(raw_segment) if raw_segment else (lambda text: text)
        generate = getattr(self.search_index, "generate_search_index", None)
        if generate is not None and not getattr(generate, "_policykit", False):
            def readable(prev, _generate=generate, _site=config.site_dir, _city=getattr(repo.config, "city", "")):
                """Chinese as UTF-8 instead of \\uXXXX escapes: the index the browser loads halves in size;
                a large index is split into the quick one the page loads and the whole one beside it."""
                from .searchworker import split
                return split(_generate(prev), _site, city=_city)
            readable._policykit = True
            self.search_index.generate_search_index = readable
        count = 0
        for page in site.generate():
            self._add(files, config, page.src_uri, page.content,
                      InclusionLevel.INCLUDED if page.src_uri in nav_uris or page.in_nav else InclusionLevel.NOT_IN_NAV)
            if page.render is not None:
                self.renders[page.src_uri] = page.render
            if page.kind == "item-shell":
                self.shell_uri = page.src_uri
            count += 1
        # explicit inclusion levels: exclude_docs in mkdocs.yml applies to docs/ files, never to these
        self._add(files, config, U.CSS, CSS, InclusionLevel.INCLUDED)
        self._add(files, config, U.JS, JS, InclusionLevel.INCLUDED)
        self.page_count = count + max(0, len(site.item_codes()) - 1) + sum(len(v) for v in names.values())
        self.timings["生成页面"] = time.perf_counter() - t3
        log.info("policykit: %d 个页面（其中事项页面 %d 个）、%d 个下载文件", self.page_count - sum(len(v) for v in names.values()),
                 len(site.item_codes()), sum(len(v) for v in names.values()))
        return files

    def on_page_content(self, html, *, page, config, files):
        render = self.renders.get(page.file.src_uri)
        if render is None:
            return html
        from mkdocs.structure.toc import get_toc
        hp = render()
        page.toc = get_toc(hp.toc)
        if page.file.src_uri == self.shell_uri:
            self.shell_first = hp
            return f"<h1>{self.site.SHELL_TITLE}</h1>\n{self.site.SHELL_CONTENT}"
        self._index_sections(page.url, hp)
        return hp.html

    def _index_sections(self, url: str, hp) -> None:
        """Search entries of an HTML-rendered page, from the text it collected per section."""
        if self.search_index is None:
            return
        for anchor, title, text in hp.sections:
            if not text and anchor:
                continue
            entry = {"location": url + (f"#{anchor}" if anchor else ""), "title": self.segment(title),
                     "text": self.segment(text)}
            if hp.boost:
                entry["boost"] = hp.boost
            self.search_index.entries.append(entry)

    def on_page_context(self, context, *, page, config, nav):
        """The theme writes ``page.title`` into ``<title>`` through ``striptags``, which turns the escaped
        title back into markup (``&lt;/title&gt;`` → ``</title>``); as ``page.meta.title`` it is written
        as the escaped text it is, the way the theme writes it everywhere else."""
        if page.title and not page.is_homepage and not (page.meta or {}).get("title"):
            page.meta["title"] = page.title   # (the home page's <title> is the site name, as the theme has it)
        return context

    def on_post_page(self, output, *, page, config):
        if page.file.src_uri != self.shell_uri:
            return output
        # every item page is this page with another title and body: drop the theme's indentation
        # once here instead of writing it eleven thousand times (no <pre> in the shell)
        self.shell = re.sub(r">\s*\n\s*<", ">\n<", output)
        # the other item pages are written by forked children while mkdocs renders the remaining pages
        from .parallel import Forked
        site_dir, directory_urls = Path(config.site_dir), config.use_directory_urls

        def write(code):
            dest = site_dir / _dest_path(U.item(code), directory_urls)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(self._fill(self.site.item_page(self.site.powers[code])), encoding="utf-8")

        codes = [c for c in self.site.item_codes() if U.item(c) != self.shell_uri]
        self.item_writer = Forked(write, codes, label="生成事项页面").start()
        return self._fill(self.shell_first)

    def _fill(self, hp) -> str:
        from .pages import h
        return self.shell.replace(self.site.SHELL_TITLE, h(hp.title)).replace(self.site.SHELL_CONTENT, hp.body, 1)

    @event_priority(50)  # before Material's search writes its index
    def on_post_build(self, *, config):
        t0 = time.perf_counter()
        site = self.site
        codes = site.item_codes()
        if codes and getattr(self, "shell", None):
            index, segment = self.search_index, self.segment
            for code in codes:
                it = site.powers[code]
                src = U.item(code)
                if index is not None:
                    title, text = segment(site.item_search_title(it)), segment(site.item_search_text(it))
                    entry = {"location": U.page_url(src, config.use_directory_urls), "title": title, "text": text}
                    if SEARCH_BOOST.get("item"):
                        entry["boost"] = SEARCH_BOOST["item"]
                    index.entries.append(entry)
            try:
                self.item_writer.join()
            except RuntimeError as exc:
                raise PluginError(f"policykit: {exc}") from None
            self.item_writer = None
        self.timings["事项页面"] = time.perf_counter() - t0
        if self.writer is not None:
            t1 = time.perf_counter()
            try:
                n = self.writer.finish()
            except RuntimeError as exc:
                raise PluginError(f"policykit: {exc}") from None
            self.timings["等待下载文件"] = time.perf_counter() - t1
            log.info("policykit: 下载文件 %d 个", n)
        if self.search_index is not None:    # Chinese queries cut on whole index terms (searchworker.py)
            from .searchworker import install
            install(config.site_dir)
        not_found = Path(config.site_dir) / "404.html"   # the theme's only English words
        if not_found.is_file():
            html = not_found.read_text(encoding="utf-8")
            not_found.write_text(html.replace("<h1>404 - Not found</h1>",
                                              "<h1>404 - 页面不存在</h1><p>请从首页或搜索查找。</p>"), encoding="utf-8")
        log.info("policykit: 用时 %s", "，".join(f"{k} {v:.1f} 秒" for k, v in self.timings.items()))

    @staticmethod
    def _search_plugin(config):
        for name, plugin in config.plugins.items():
            if name.split("/")[-1] == "search" and hasattr(plugin, "config") and "jieba_dict_user" in plugin.config:
                return plugin
        return None

    @staticmethod
    def _add(files: Files, config, src_uri: str, content, inclusion) -> None:
        old = files.get_file_from_path(src_uri)
        if old is not None:
            if old.inclusion.is_included() and old.generated_by is None:
                log.info("policykit: 生成的 %s 取代了 docs 目录中的同名文件", src_uri)
            files.remove(old)
        files.append(File.generated(config, src_uri, content=content, inclusion=inclusion))

    def on_serve(self, server, *, config, builder):
        """``mkdocs serve`` rebuilds when the lists, rules or configuration change."""
        if self.root is not None:
            for rel in ("lists", "rules", "policykit.yaml"):
                path = self.root / rel
                if path.exists():
                    server.watch(str(path))
        return server


def _dest_path(src_uri: str, directory_urls: bool) -> str:
    """Where mkdocs would write the page of ``src_uri`` inside site_dir."""
    url = U.page_url(src_uri, directory_urls)
    return url + "index.html" if url.endswith("/") or not url else url


def _flatten_nav(nav) -> list:
    """Every source path named in an mkdocs ``nav`` value."""
    out = []
    if isinstance(nav, str):
        out.append(nav)
    elif isinstance(nav, list):
        for x in nav:
            out += _flatten_nav(x)
    elif isinstance(nav, dict):
        for x in nav.values():
            out += _flatten_nav(x)
    return out
