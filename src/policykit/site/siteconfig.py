"""The site configuration ``policykit docs build`` / ``docs serve`` hands to mkdocs, built by policykit.

A pull request controls ``mkdocs.yml``, and mkdocs' own reading of it runs code: ``hooks:`` are
Python files, ``!!python/name:`` and ``!ENV`` tags are constructed by mkdocs' YAML loader, plugins and
Markdown extensions are imported by name, ``theme.custom_dir`` and ``extra_templates`` are Jinja
templates (which reach Python objects), and ``site_dir`` / ``search.jieba_dict_user`` are paths it
deletes or writes. So here the file is read as plain data (policykit's own loader: any tag, alias or
merge key is refused), every key is checked against an allow-list, and a new configuration is
generated from the accepted values (:func:`site_config`). Whatever is not on the list is a located
problem (``mkdocs.yml:line:column``), and the command stops with exit 2 before anything runs.
``--trust-config`` skips all this and lets mkdocs read the file itself (a protected branch only).

The allow-list (see docs/site.md, "网站配置的白名单"):

* text: ``site_name``, ``site_description``, ``site_author``, ``copyright`` — plain text (no ``<``,
  ``>``, ``"``: mkdocs puts them into HTML unescaped); ``site_url``: an http(s) URL; ``exclude_docs``,
  ``not_in_nav``, ``draft_docs``: patterns;
  ``use_directory_urls``, ``strict``: booleans; ``extra``: only ``generator: true|false``;
* ``docs_dir``, ``site_dir``: inside the repository, not through a symlink, not into ``.git``;
  ``site_dir`` must not hold the repository's own files (it is replaced as a whole);
* ``nav``: titles and site-relative paths; ``extra_css``, ``extra_javascript``: files inside docs_dir
  (no URLs); ``extra_templates``, ``hooks``, ``INHERIT``, ``watch``, ``repo_url`` (the theme would
  fetch the repository's figures from its host): never;
* ``theme``: ``material`` with ``language``, ``font: false``, ``features``, ``palette``; no ``custom_dir``;
* ``plugins``: ``policykit`` (its options checked, paths inside the repository) and ``search``
  (``lang``, ``separator``, ``pipeline``, ``fields``, ``enabled``; ``jieba_dict``/``jieba_dict_user``
  never: the plugin loads its own dictionary without writing a file);
* ``markdown_extensions``: the Python-Markdown and pymdownx extensions in :data:`EXTENSIONS`, with the
  options listed there.

The files of ``docs_dir`` are checked too: mkdocs follows symlinks while it copies them into the
site, so a link out of the repository (or into ``.git``), a link to a directory, or a FIFO/device is
refused as well.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath

from ..errors import InputError, UsageError
from ..lists.loader import Document, Limits, json_path, load_bytes
from ..problems import Problem

MAX_CONFIG_BYTES = 1024 * 1024
MAX_TEXT = 2000
MAX_DOCS_ENTRIES = 200_000
SEPARATOR = r"[\s\u200b\u3000\-、。，．？！；]+"

_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")
_FEATURE = re.compile(r"^[a-z]+(?:\.[a-z_]+)*$")
_WORD = re.compile(r"^[a-z][a-z -]{0,40}$")
_ICON = re.compile(r"^(?:material|fontawesome/(?:solid|regular|brands)|octicons|simple)/[a-z0-9-]{1,80}$")
_URL = re.compile(r"^https?://[^\s<>\"'\\`]{1,2000}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# name -> {option: kind}; every other option (and every other extension) is refused
EXTENSIONS: dict[str, dict[str, str]] = {
    "tables": {}, "fenced_code": {}, "attr_list": {}, "md_in_html": {}, "admonition": {}, "def_list": {},
    "footnotes": {}, "abbr": {}, "sane_lists": {}, "smarty": {},
    "toc": {"permalink": "bool-or-text", "permalink_title": "text", "title": "text", "toc_depth": "int-or-text",
            "baselevel": "int"},
    "pymdownx.details": {}, "pymdownx.superfences": {}, "pymdownx.tabbed": {"alternate_style": "bool"},
    "pymdownx.tasklist": {"custom_checkbox": "bool"}, "pymdownx.mark": {}, "pymdownx.tilde": {},
    "pymdownx.caret": {}, "pymdownx.keys": {}, "pymdownx.smartsymbols": {}, "pymdownx.betterem": {},
}
POLICYKIT_OPTIONS = {
    "root": "path", "rules_dir": "path", "measure": "path", "item_pages": "bool", "downloads": "bool",
    "download_formats": "formats", "history": "bool", "history_limit": "int", "search_dictionary": "bool",
    "nav": "bool", "nav_departments_limit": "int", "fail_on_load_errors": "bool", "legal_date": "date",
    "as_of": "date",
    "pause_gc_while_loading": "bool",
}
SEARCH_OPTIONS = {"lang": "languages", "separator": "separator", "pipeline": "pipeline", "fields": "fields",
                  "enabled": "bool"}
TEXT_KEYS = ("site_name", "site_description", "site_author", "copyright")
PATTERN_KEYS = ("exclude_docs", "not_in_nav", "draft_docs")
THEME_OPTIONS = ("name", "language", "font", "features", "palette")

REFUSED = {
    "hooks": ("SITE-HOOKS", "hooks 会在生成网站时执行仓库中的 Python 文件，不予执行 (hooks run Python code from the repository)"),
    "INHERIT": ("SITE-INHERIT", "INHERIT 会读取另一个配置文件，不予支持 (INHERIT reads another configuration file)"),
    "extra_templates": ("SITE-TEMPLATE", "extra_templates 是 Jinja 模板，可以执行代码，不予渲染 (Jinja templates can run code)"),
    "watch": ("SITE-KEY", "watch 不受支持：docs serve 自己决定监视哪些文件 (watch is not supported)"),
    "dev_addr": ("SITE-KEY", "dev_addr 不受支持：请用 policykit docs serve -a IP:PORT (use --dev-addr)"),
    "repo_url": ("SITE-KEY", "repo_url 不受支持：主题会让读者的浏览器向代码托管站点请求仓库信息，网站不向外部发出请求 "
                             "(the theme would fetch from the repository host)"),
}


class SiteConfigError(InputError):
    """``mkdocs.yml`` holds something the safe path does not run; ``problems`` are located."""

    def __init__(self, problems: list[Problem], file: str):
        self.problems = sorted(problems)
        super().__init__(
            f"{file} 中有 {len(self.problems)} 处配置不能由 policykit docs 执行，未生成网站 "
            f"(untrusted site configuration refused):",
            details=[f"{p.location()}: 错误 [{p.rule}] {p.message}" for p in self.problems],
            hint="policykit 只按白名单读取网站配置（见 docs/site.md「网站配置的白名单」）；"
                 "只有受保护分支上已审核的 mkdocs.yml 才可加 --trust-config 交给 mkdocs 原样执行")


# ---- reading ------------------------------------------------------------------------------------
def read_config_file(path: Path, root: Path) -> Document:
    """``mkdocs.yml`` parsed as plain data with positions, without following a link out of ``root``
    and without opening a FIFO; the problems of the YAML itself are on the document."""
    root = root.resolve()
    lexical = _lexical(path)
    rel = _display(lexical, root)
    try:
        real = lexical.resolve(strict=True)
    except (OSError, RuntimeError):
        raise UsageError(f"找不到 mkdocs 配置文件：{path} (no such file)") from None
    if _inside(lexical, root) and not _inside(real, root):
        return _doc_with(rel, "SITE-PATH", "mkdocs.yml 是指向仓库之外的符号链接，已拒绝读取 (symlink out of the repository)")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"无法读取 mkdocs 配置文件 {rel}：{exc.strerror} (cannot read)") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return _doc_with(rel, "SITE-PATH", "mkdocs.yml 不是普通文件，已拒绝读取 (not a regular file)")
        if st.st_size > MAX_CONFIG_BYTES:
            return _doc_with(rel, "YAML-LIMIT", f"文件大小 {st.st_size} 字节超过上限 {MAX_CONFIG_BYTES} (file too large)")
        chunks, total = [], 0
        while total <= MAX_CONFIG_BYTES:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    return load_bytes(b"".join(chunks), rel, Limits(max_file_bytes=MAX_CONFIG_BYTES, max_depth=32, max_nodes=100_000,
                                                     max_string_chars=MAX_TEXT * 5))


def _doc_with(rel: str, rule: str, message: str) -> Document:
    doc = Document(rel)
    doc.problems.append(Problem(rel, 1, 1, "$", rule, "error", message))
    return doc


def _lexical(path) -> Path:
    """``path`` made absolute with its directory resolved, the file itself as named (as mkdocs sees it)."""
    p = Path(os.path.abspath(path))
    return p.parent.resolve() / p.name


def _display(path: Path, root: Path) -> str:
    p = Path(os.path.abspath(path))
    return p.relative_to(root).as_posix() if _inside(p, root) else str(path)


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(path).relative_to(root)
        return True
    except ValueError:
        return False


# ---- checking -----------------------------------------------------------------------------------
class _Checker:
    def __init__(self, doc: Document, root: Path, config_dir: Path, lists_dir: str):
        self.doc, self.root, self.config_dir = doc, root, config_dir
        self.git = root / ".git"
        self.lists_dir = lists_dir
        self.problems: list[Problem] = []

    def fail(self, path, rule: str, message: str, at_key: bool = False) -> None:
        self.problems.append(self.doc.problem(path, rule, message, at_key=at_key))

    # -- values ----------------------------------------------------------------------------------
    def text(self, value, path, *, patterns: bool = False) -> str | None:
        if not isinstance(value, str):
            self.fail(path, "SITE-VALUE", f"{_name(path)} 应为文字 (expected text)")
            return None
        if len(value) > MAX_TEXT * (5 if patterns else 1):
            self.fail(path, "SITE-VALUE", f"{_name(path)} 过长（{len(value)} 个字符）(text too long)")
            return None
        if _CONTROL.search(value):
            self.fail(path, "SITE-VALUE", f"{_name(path)} 含有控制字符 (control characters)")
            return None
        if not patterns and any(ch in value for ch in '<>"'):
            self.fail(path, "SITE-VALUE", f"{_name(path)} 只能是纯文字，不能含 < > \"（mkdocs 把它原样放进 HTML）"
                                          "(plain text only: no markup)")
            return None
        return value

    def boolean(self, value, path):
        if not isinstance(value, bool):
            self.fail(path, "SITE-VALUE", f"{_name(path)} 应为 true 或 false (expected a boolean)")
            return None
        return value

    def integer(self, value, path, lo=0, hi=10_000_000):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self.fail(path, "SITE-VALUE", f"{_name(path)} 应为 {lo} 到 {hi} 之间的整数 (expected an integer)")
            return None
        return value

    def url(self, value, path):
        if not isinstance(value, str) or not _URL.match(value):
            self.fail(path, "SITE-VALUE", f"{_name(path)} 应为 http(s):// 开头的网址 (expected an http(s) URL)")
            return None
        return value

    def site_path(self, value, path):
        """A path inside the site (nav entries): relative, no scheme, no '..'."""
        if not isinstance(value, str) or not value or len(value) > 500 or _CONTROL.search(value):
            self.fail(path, "SITE-VALUE", f"{_name(path)} 应为站内的相对路径 (expected a relative path)")
            return None
        p = PurePosixPath(value)
        if ":" in value or "\\" in value or p.is_absolute() or ".." in p.parts or any(ch in value for ch in '<>"\''):
            self.fail(path, "SITE-PATH", f"{_name(path)}「{value}」不是站内的相对路径：不允许网址、绝对路径和 .. "
                                         "(only relative paths inside the site)")
            return None
        return value

    def directory(self, value, path, base: Path | None = None) -> Path | None:
        """A path in the repository: inside it lexically and really (no symlink on the way), not in .git."""
        if not isinstance(value, str) or not value.strip() or _CONTROL.search(value):
            self.fail(path, "SITE-VALUE", f"{_name(path)} 应为路径文字 (expected a path)")
            return None
        target = Path(os.path.normpath((base or self.config_dir) / value))
        if not _inside(target, self.root):
            self.fail(path, "SITE-PATH", f"{_name(path)}「{value}」在仓库之外（{target}），不允许 "
                                         "(must be inside the repository)")
            return None
        if target == self.git or _inside(target, self.git):
            self.fail(path, "SITE-PATH", f"{_name(path)}「{value}」在 .git 目录中，不允许 (must not be inside .git)")
            return None
        link = _first_link(target, self.root)
        if link is not None:
            self.fail(path, "SITE-PATH", f"{_name(path)}「{value}」经过符号链接 {_display(link, self.root)}，不允许 "
                                         "(must not go through a symlink)")
            return None
        return target

    # -- sections --------------------------------------------------------------------------------
    def run(self) -> dict:
        data = self.doc.data
        out: dict = {}
        for key, value in data.items():
            path = (key,)
            if key in REFUSED:
                rule, message = REFUSED[key]
                self.fail(path, rule, message, at_key=True)
            elif key in TEXT_KEYS:
                out[key] = self.text(value, path)
            elif key in PATTERN_KEYS:
                out[key] = self.text(value, path, patterns=True)
            elif key == "site_url":
                out[key] = self.url(value, path)
            elif key in ("use_directory_urls", "strict"):
                out[key] = self.boolean(value, path)
            elif key in ("docs_dir", "site_dir"):
                pass  # below, once both are known
            elif key == "extra":
                out[key] = self.extra(value, path)
            elif key == "nav":
                out[key] = self.nav(value, path)
            elif key == "theme":
                out[key] = self.theme(value, path)
            elif key == "plugins":
                out[key] = self.plugins(value, path)
            elif key == "markdown_extensions":
                out[key] = self.extensions(value, path)
            elif key in ("extra_css", "extra_javascript"):
                pass  # below, they name files of docs_dir
            else:
                self.fail(path, "SITE-KEY", f"不支持的配置项 {key}：policykit 只接受白名单中的网站配置 "
                                            "(key not on the allow-list)", at_key=True)
        docs = self.directory(data.get("docs_dir", "docs"), ("docs_dir",))
        default_site = self.config_dir / "site" if _inside(self.config_dir, self.root) else self.root / "site"
        site = self.directory(data.get("site_dir", str(default_site)), ("site_dir",))
        if docs is not None:
            out["docs_dir"] = str(docs)
            self.docs_files(docs)
            for key in ("extra_css", "extra_javascript"):
                if key in data:
                    out[key] = self.assets(data[key], (key,), docs)
        if site is not None:
            out["site_dir"] = str(self.site_dir(site, docs))
        if "theme" not in data:
            out["theme"] = {"name": "material", "language": "zh"}
        if isinstance(out.get("theme"), dict):
            out["theme"].setdefault("font", False)   # no web fonts: the site fetches nothing elsewhere
        return out

    def site_dir(self, site: Path, docs: Path | None) -> Path:
        """The site directory is replaced as a whole: it must not hold the repository's own files."""
        keep = [self.root, self.git, self.root / self.lists_dir, self.root / "rules", self.root / "schemas",
                self.root / "policykit.yaml", self.root / "mkdocs.yml"]
        if docs is not None:
            keep.append(docs)
        for k in keep:
            if k == site or _inside(k, site):
                what = "仓库根目录" if k == self.root else _display(k, self.root)
                self.fail(("site_dir",), "SITE-PATH", f"site_dir「{_display(site, self.root)}」包含{what}；"
                                                      "生成网站时会整个替换它 (site_dir would replace repository files)")
                break
        if docs is not None and _inside(site, docs):
            self.fail(("site_dir",), "SITE-PATH", "site_dir 不能在 docs_dir 之中 (site_dir must not be inside docs_dir)")
        return site

    def docs_files(self, docs: Path) -> None:
        """Every entry mkdocs would read or copy: regular files and directories; a symlink only to a
        regular file inside the repository (outside .git)."""
        if not docs.is_dir():
            return  # mkdocs says so itself
        count = 0
        for dirpath, dirnames, filenames in os.walk(docs, followlinks=False):
            for name in dirnames + filenames:
                count += 1
                if count > MAX_DOCS_ENTRIES:
                    self.fail(("docs_dir",), "SITE-PATH", f"docs_dir 中的文件超过 {MAX_DOCS_ENTRIES} 个 (too many files)")
                    return
                entry = Path(dirpath) / name
                rel = _display(entry, self.root)
                try:
                    st = entry.lstat()
                except OSError:
                    continue
                if stat.S_ISLNK(st.st_mode):
                    try:
                        real = entry.resolve(strict=True)
                        ok_file = real.is_file() and stat.S_ISREG(real.stat().st_mode)
                    except (OSError, RuntimeError):
                        real, ok_file = None, False
                    if real is None or not _inside(real, self.root) or real == self.git or _inside(real, self.git):
                        self.fail(("docs_dir",), "SITE-DOCS-LINK", f"{rel} 是指向仓库之外（或 .git）的符号链接，"
                                                                   "会被复制进网站 (symlink out of the repository)")
                    elif not ok_file:
                        self.fail(("docs_dir",), "SITE-DOCS-LINK", f"{rel} 是指向目录或特殊文件的符号链接，不允许 "
                                                                   "(symlink to a directory or special file)")
                elif not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                    self.fail(("docs_dir",), "SITE-DOCS-LINK", f"{rel} 不是普通文件（FIFO、设备或套接字），不允许 "
                                                               "(not a regular file)")

    def assets(self, value, path, docs: Path) -> list | None:
        if not isinstance(value, list):
            self.fail(path, "SITE-ASSET", f"{_name(path)} 应为 docs_dir 中文件的列表 (expected a list of files)")
            return None
        out = []
        for i, item in enumerate(value):
            p = path + (i,)
            if not isinstance(item, str):
                self.fail(p, "SITE-ASSET", f"{_name(path)} 的每一项应为 docs_dir 中的文件路径 (expected a file path)")
                continue
            if ":" in item or item.startswith(("/", "//")) or "\\" in item or ".." in PurePosixPath(item).parts:
                self.fail(p, "SITE-ASSET", f"{_name(path)}「{item}」不是 docs_dir 中的文件：不允许网址、绝对路径和 .. "
                                           "(only files inside docs_dir, no URLs)")
                continue
            if not (docs / item).is_file():
                self.fail(p, "SITE-ASSET", f"{_name(path)}「{item}」在 docs_dir 中不存在 (no such file in docs_dir)")
                continue
            out.append(item)
        return out

    def extra(self, value, path):
        if not isinstance(value, dict):
            self.fail(path, "SITE-VALUE", "extra 应为映射 (expected a mapping)")
            return None
        out = {}
        for key, v in value.items():
            if key == "generator":
                out[key] = self.boolean(v, path + (key,))
            else:
                self.fail(path + (key,), "SITE-KEY", f"extra.{key} 不受支持：主题会据此加载脚本、统计或外部链接，"
                                                     "extra 只接受 generator (only extra.generator)", at_key=True)
        return out

    def nav(self, value, path, depth: int = 0):
        if depth > 8:
            self.fail(path, "SITE-VALUE", "nav 嵌套过深 (nav nested too deep)")
            return None
        if isinstance(value, str):
            return self.site_path(value, path)
        if isinstance(value, list):
            return [self.nav(v, path + (i,), depth + 1) for i, v in enumerate(value)]
        if isinstance(value, dict) and len(value) == 1:
            (title, target), = value.items()
            self.text(title, path + (title,))
            return {title: self.nav(target, path + (title,), depth + 1)}
        self.fail(path, "SITE-VALUE", "nav 的每一项应为「标题: 路径」或路径 (expected title: path)")
        return None

    def theme(self, value, path):
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict):
            self.fail(path, "SITE-THEME", "theme 应为映射 (expected a mapping)")
            return None
        out = {}
        for key, v in value.items():
            p = path + (key,)
            if key == "name":
                if v != "material":
                    self.fail(p, "SITE-THEME", f"theme.name 只能是 material，不是「{v}」：其他主题的模板未经审核 "
                                               "(only the material theme)")
                out[key] = "material"
            elif key in ("custom_dir", "static_templates"):
                self.fail(p, "SITE-TEMPLATE", f"theme.{key} 会让 mkdocs 渲染仓库中的 Jinja 模板，模板可以执行代码，"
                                              "不予支持 (templates from the repository can run code)", at_key=True)
            elif key == "language":
                if isinstance(v, str) and _LANGUAGE.match(v):
                    out[key] = v
                else:
                    self.fail(p, "SITE-THEME", "theme.language 应为语言代码，如 zh (expected a language code)")
            elif key == "font":
                if v is False:
                    out[key] = False
                else:
                    self.fail(p, "SITE-THEME", "theme.font 只能为 false：网站不从外部加载字体 (no web fonts)")
            elif key == "features":
                if isinstance(v, list) and all(isinstance(f, str) and _FEATURE.match(f) for f in v):
                    out[key] = list(v)
                else:
                    self.fail(p, "SITE-THEME", "theme.features 应为功能名称的列表，如 navigation.tabs (expected feature names)")
            elif key == "palette":
                out[key] = self.palette(v, p)
            else:
                self.fail(p, "SITE-THEME", f"不支持的主题选项 theme.{key}（只接受 {', '.join(THEME_OPTIONS)}）"
                                           "(theme option not on the allow-list)", at_key=True)
        if "name" not in value:
            self.fail(path, "SITE-THEME", "theme.name 缺失：网站使用 material 主题 (theme.name: material is required)")
        return out

    def palette(self, value, path):
        entries = value if isinstance(value, list) else [value]
        out = []
        for i, entry in enumerate(entries):
            p = path + (i,) if isinstance(value, list) else path
            if not isinstance(entry, dict):
                self.fail(p, "SITE-THEME", "theme.palette 的每一项应为映射 (expected a mapping)")
                continue
            item = {}
            for key, v in entry.items():
                q = p + (key,)
                if key == "media":
                    item[key] = self.text(v, q)
                elif key in ("scheme", "primary", "accent"):
                    if isinstance(v, str) and _WORD.match(v):
                        item[key] = v
                    else:
                        self.fail(q, "SITE-THEME", f"theme.palette.{key} 应为颜色或配色名称 (expected a colour name)")
                elif key == "toggle" and isinstance(v, dict):
                    toggle = {}
                    for k2, v2 in v.items():
                        if k2 == "icon" and isinstance(v2, str) and _ICON.match(v2):
                            toggle[k2] = v2
                        elif k2 == "name":
                            toggle[k2] = self.text(v2, q + (k2,))
                        else:
                            self.fail(q + (k2,), "SITE-THEME", f"theme.palette.toggle.{k2} 不受支持或不是主题图标名称 "
                                                               "(not an icon name)", at_key=True)
                    item[key] = toggle
                else:
                    self.fail(q, "SITE-THEME", f"不支持的配色选项 theme.palette.{key} (palette option not on the allow-list)",
                              at_key=True)
            out.append(item)
        return out

    # -- plugins and extensions ------------------------------------------------------------------
    @staticmethod
    def _entries(value):
        """``[name | {name: options}]`` or ``{name: options}`` as (index-or-name, name, options) triples."""
        if isinstance(value, dict):
            return [((name,), name, opts) for name, opts in value.items()]
        if isinstance(value, list):
            out = []
            for i, entry in enumerate(value):
                if isinstance(entry, str):
                    out.append(((i,), entry, None))
                elif isinstance(entry, dict) and len(entry) == 1:
                    (name, opts), = entry.items()
                    out.append(((i, name), name, opts))
                else:
                    out.append(((i,), None, entry))
            return out
        return None

    def plugins(self, value, path):
        entries = self._entries(value)
        if entries is None:
            self.fail(path, "SITE-PLUGIN", "plugins 应为列表 (expected a list)")
            return None
        out = []
        for sub, name, opts in entries:
            p = path + sub
            if name is None:
                self.fail(p, "SITE-PLUGIN", "plugins 的每一项应为插件名称或「名称: 选项」(expected a plugin name)")
                continue
            if opts is not None and not isinstance(opts, dict):
                self.fail(p, "SITE-PLUGIN", f"插件 {name} 的选项应为映射 (expected a mapping)")
                continue
            opts = opts or {}
            if name == "policykit":
                out.append({"policykit": self.policykit_options(opts, p)})
            elif name in ("search", "material/search"):
                out.append({name: self.search_options(opts, p)})
            else:
                self.fail(p, "SITE-PLUGIN", f"插件 {name} 不在白名单中：插件是会执行的代码，policykit docs 只运行 "
                                            "policykit 和 search (plugin not on the allow-list)", at_key=True)
        return out

    def policykit_options(self, opts: dict, path) -> dict:
        out = {}
        for key, v in opts.items():
            p = path + (key,)
            kind = POLICYKIT_OPTIONS.get(key)
            if kind is None:
                self.fail(p, "SITE-PLUGIN", f"policykit 插件没有选项 {key} (unknown option)", at_key=True)
            elif kind == "path":  # the plugin reads rules_dir and measure relative to the repository
                target = self.directory(v, p, None if key == "root" else self.root)
                if target is None:
                    continue
                if key == "root":
                    if target != self.root:
                        self.fail(p, "SITE-PATH", "policykit.root 只能是仓库根目录本身 (root must be the repository)")
                    continue  # set by policykit
                out[key] = str(target)
            elif kind == "bool":
                out[key] = self.boolean(v, p)
            elif kind == "int":
                out[key] = self.integer(v, p)
            elif kind == "formats":
                if isinstance(v, list) and all(f in ("xlsx", "csv") for f in v):
                    out[key] = list(v)
                else:
                    self.fail(p, "SITE-VALUE", "download_formats 只能取 xlsx、csv (expected xlsx and/or csv)")
            elif kind == "date":
                text = v.isoformat() if hasattr(v, "isoformat") and not isinstance(v, str) else v
                if isinstance(text, str) and _DATE.match(text):
                    out[key] = text
                else:
                    self.fail(p, "SITE-VALUE", f"{key} 应为 YYYY-MM-DD 格式的日期 (expected a date)")
        return out

    def search_options(self, opts: dict, path) -> dict:
        out = {}
        for key, v in opts.items():
            p = path + (key,)
            kind = SEARCH_OPTIONS.get(key)
            if key in ("jieba_dict", "jieba_dict_user"):
                self.fail(p, "SITE-SEARCH", f"search.{key} 由 policykit 设置（分词词典从清单生成，不读写仓库指定的文件）"
                                            "(set by policykit only)", at_key=True)
            elif kind is None:
                self.fail(p, "SITE-SEARCH", f"search 插件的选项 {key} 不在白名单中 (search option not on the allow-list)",
                          at_key=True)
            elif kind == "bool":
                out[key] = self.boolean(v, p)
            elif kind == "languages":
                langs = v if isinstance(v, list) else [v]
                if all(isinstance(x, str) and _LANGUAGE.match(x) for x in langs):
                    out[key] = v
                else:
                    self.fail(p, "SITE-SEARCH", "search.lang 应为语言代码 (expected language codes)")
            elif kind == "separator":
                if isinstance(v, str) and len(v) <= 200 and not _CONTROL.search(v):
                    out[key] = v
                else:
                    self.fail(p, "SITE-SEARCH", "search.separator 应为不超过 200 个字符的正则表达式 (expected a short regex)")
            elif kind == "pipeline":
                if isinstance(v, list) and all(x in ("stemmer", "stopWordFilter", "trimmer") for x in v):
                    out[key] = list(v)
                else:
                    self.fail(p, "SITE-SEARCH", "search.pipeline 只能取 stemmer、stopWordFilter、trimmer")
            elif kind == "fields":
                ok = isinstance(v, dict) and all(
                    isinstance(f, str) and _FEATURE.match(f) and isinstance(b, dict) and set(b) <= {"boost"}
                    and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in b.values())
                    for f, b in v.items())
                if ok:
                    out[key] = v
                else:
                    self.fail(p, "SITE-SEARCH", "search.fields 应为「字段: {boost: 数值}」(expected field: {boost: n})")
        return out

    def extensions(self, value, path):
        entries = self._entries(value)
        if entries is None:
            self.fail(path, "SITE-EXTENSION", "markdown_extensions 应为列表 (expected a list)")
            return None
        out = []
        for sub, name, opts in entries:
            p = path + sub
            allowed = EXTENSIONS.get(name) if isinstance(name, str) else None
            if name is None:
                self.fail(p, "SITE-EXTENSION", "markdown_extensions 的每一项应为扩展名称或「名称: 选项」"
                                               "(expected an extension name)")
                continue
            if allowed is None:
                self.fail(p, "SITE-EXTENSION", f"Markdown 扩展 {name} 不在白名单中：扩展按名称导入并执行 "
                                               "(extension not on the allow-list)", at_key=True)
                continue
            if opts is None:
                out.append(name)
                continue
            if not isinstance(opts, dict):
                self.fail(p, "SITE-EXTENSION", f"扩展 {name} 的选项应为映射 (expected a mapping)")
                continue
            checked = {}
            for key, v in opts.items():
                q = p + (key,)
                kind = allowed.get(key)
                if kind is None:
                    self.fail(q, "SITE-EXTENSION", f"扩展 {name} 的选项 {key} 不在白名单中 (option not on the allow-list)",
                              at_key=True)
                elif kind == "bool":
                    checked[key] = self.boolean(v, q)
                elif kind == "int":
                    checked[key] = self.integer(v, q, 1, 6)
                elif kind == "text":
                    checked[key] = self.text(v, q)
                elif kind == "bool-or-text":
                    checked[key] = v if isinstance(v, bool) else self.text(v, q)
                elif kind == "int-or-text":
                    if (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 6) or (
                            isinstance(v, str) and re.fullmatch(r"[1-6](?:-[1-6])?", v)):
                        checked[key] = v
                    else:
                        self.fail(q, "SITE-EXTENSION", f"{name}.{key} 应为 1 到 6 的标题级别 (expected heading levels)")
            out.append({name: checked})
        return out


def _name(path) -> str:
    return json_path(path)[2:] or "mkdocs.yml"


def _first_link(target: Path, root: Path) -> Path | None:
    """The first symlink on the way from ``root`` down to ``target`` (existing components only)."""
    p = root
    for part in target.relative_to(root).parts:
        p = p / part
        try:
            if p.is_symlink():
                return p
            if not p.exists():
                return None
        except OSError:
            return None
    return None


def site_config(root: Path, config_path: Path, *, lists_dir: str = "lists") -> dict:
    """The configuration mkdocs gets for the repository at ``root``, generated from ``config_path``
    (its ``mkdocs.yml``) after the allow-list; :class:`SiteConfigError` lists what is refused."""
    root = Path(root).resolve()
    doc = read_config_file(Path(config_path), root)
    if doc.problems:
        raise SiteConfigError([_about_tags(p) for p in doc.problems], doc.file)
    if not isinstance(doc.data, dict):
        raise SiteConfigError([Problem(doc.file, 1, 1, "$", "YAML-NOT-MAPPING", "error",
                                       "文件顶层应为映射 (expected a mapping)")], doc.file)
    checker = _Checker(doc, root, _lexical(config_path).parent, lists_dir)
    out = checker.run()
    if checker.problems:
        raise SiteConfigError(checker.problems, doc.file)
    out = {k: v for k, v in out.items() if v is not None}
    return _with_policykit_root(out, root)


def default_site_config(root: Path, site_name: str, docs_dir: Path, site_dir: Path) -> dict:
    """The configuration used when the repository has no mkdocs.yml (the bundled one in substance)."""
    return {
        "site_name": site_name,
        "copyright": "本站内容由版本库中的清单数据自动生成",
        "docs_dir": str(docs_dir),
        "site_dir": str(site_dir),
        "extra": {"generator": False},
        "theme": {"name": "material", "language": "zh", "font": False,
                  "features": ["navigation.tabs", "navigation.top", "navigation.indexes", "search.suggest",
                               "search.highlight", "toc.follow"]},
        "plugins": [{"policykit": {"root": str(Path(root).resolve())}}, {"search": {"separator": SEPARATOR}}],
        "markdown_extensions": ["tables", "attr_list", "md_in_html", "admonition", "pymdownx.details",
                                "pymdownx.superfences", {"toc": {"permalink": True}}],
    }


def _about_tags(p: Problem) -> Problem:
    """The loader's YAML-TAG problem, said for mkdocs.yml (where tags are code, not only odd data)."""
    m = re.search(r"标签 (\S+?)：", p.message)
    if p.rule != "YAML-TAG" or not m:
        return p
    tag = m.group(1).replace("tag:yaml.org,2002:", "!!")
    return Problem(p.file, p.line, p.column, p.path, p.rule, p.severity,
                   f"不允许使用 YAML 标签 {tag}：mkdocs 会据此构造 Python 对象、读取环境变量或路径，"
                   "policykit 只读取普通数据 (YAML tags are not allowed in the site configuration)")


def _with_policykit_root(config: dict, root: Path) -> dict:
    for entry in config.get("plugins") or []:
        if "policykit" in entry:
            entry["policykit"]["root"] = str(root)
    return config


def write_config(config: dict, directory: Path) -> Path:
    """The generated configuration as a new file in the private ``directory`` (created with
    ``tempfile.mkdtemp``): exclusive creation, never through a symlink, readable by this user only."""
    import yaml
    path = Path(directory) / "mkdocs.yml"
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, default_flow_style=False)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return path
