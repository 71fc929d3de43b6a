"""Where each generated page lives, and relative links between them.

Markdown links (``[text](../items/X.md)``) are checked by ``mkdocs build --strict``; raw HTML blocks
(the collapsible item details, charts) are not, so they get final URLs computed here the way mkdocs
computes them (``use_directory_urls`` or not). ``tests/test_site.py`` crawls every generated link.

Every link target is built here from ids and codes, file names made safe (``_safe``) and the whole
URL-quoted, anchors included: no target is taken from list text, and every target is made of
``[A-Za-z0-9_-./#%~]`` (``pages.Url`` checks it).
"""
from __future__ import annotations

import posixpath
from functools import lru_cache
from urllib.parse import quote

HOME = "index.md"
DEPARTMENTS = "departments/index.md"
BOUNDARIES = "boundaries/index.md"
CATALOGS = "catalogs/index.md"
LAWS = "laws/index.md"
RULES = "rules/index.md"
CHANGES = "changes/index.md"
LOOKUP = "lookup/index.md"
LOOKUP_JSON = "lookup/lookup.json"
DOWNLOADS = "downloads/index.md"
SUPERVISION = "supervision/index.md"              # 监督管理: overview of the supervision system
LEDGERS = "supervision/ledgers/index.md"           # 部门履职情况台账
INSPECTIONS = "supervision/inspections.md"         # 督导评估工作台账
PROBLEMS = "supervision/problems.md"               # 问题征集
DISPUTES = "supervision/disputes.md"               # 职责争议调处
EVALUATION = "supervision/evaluation/index.md"     # 履职评估: indicators and scorecards
BODIES = "supervision/bodies.md"                   # 议事协调机构
DIVISIONS = "supervision/divisions.md"             # 市县事权划分
CSS = "assets/policykit/site.css"
JS = "assets/policykit/lookup.js"


def department(dept_id: str) -> str:
    return f"departments/{_safe(dept_id)}.md"


def item(code: str) -> str:
    return f"items/{_safe(code)}.md"


def boundary(matter_id: str) -> str:
    return f"boundaries/{_safe(matter_id)}.md"


def law(law_id: str) -> str:
    return f"laws/{_safe(law_id)}.md"


def ledger(ledger_id: str) -> str:
    return f"supervision/ledgers/{_safe(ledger_id)}.md"


def scorecard(period: str, dept_id: str) -> str:
    return f"supervision/evaluation/{_safe(period)}-{_safe(dept_id)}.md"


def anchor(key: str) -> str:
    """An HTML id for a record key (supervision, problem, body …)."""
    return _safe(key)


def download(dept_id: str, fmt: str) -> str:
    return f"downloads/{_safe(dept_id)}.{_safe(fmt)}"


def _safe(key: str) -> str:
    """A file-name-safe form of a key (codes are ASCII in practice; anything else is kept readable)."""
    out = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(key))
    return out.strip(".") or "_"


def md_link(from_uri: str, to_uri: str, anchor: str = "") -> str:
    """A relative Markdown link target from one source file to another (mkdocs resolves and checks it)."""
    rel = posixpath.relpath(to_uri, posixpath.dirname(from_uri) or ".")
    return quote(rel) + _fragment(anchor)


def page_url(src_uri: str, directory_urls: bool = True) -> str:
    """The URL mkdocs gives a source file, relative to the site root (``departments/d001/``)."""
    if not src_uri.endswith(".md"):
        return src_uri
    stem = src_uri[:-3]
    parent, name = posixpath.split(stem)
    if name in ("index", "README"):
        if not directory_urls:
            return f"{parent}/index.html" if parent else "index.html"
        return f"{parent}/" if parent else ""
    if directory_urls:
        return f"{stem}/"
    return f"{stem}.html"


def href(from_uri: str, to_uri: str, directory_urls: bool = True, anchor: str = "") -> str:
    """A relative URL for raw HTML, from the page of ``from_uri`` to the page or file ``to_uri``.

    Goes up to the site root and down again (``../../items/X/``): always right, and cheap enough to
    call a hundred thousand times at Jinan scale."""
    up = _up(from_uri, directory_urls)
    there = _page_url(to_uri, directory_urls)
    rel = (up + there) or "./"
    return quote(rel) + _fragment(anchor)


def _fragment(anchor: str) -> str:
    """``#anchor``, URL-quoted: a link target holds only what the code put there."""
    return "#" + quote(str(anchor), safe="") if anchor else ""


@lru_cache(maxsize=None)
def _page_url(src_uri: str, directory_urls: bool) -> str:
    return page_url(src_uri, directory_urls)


@lru_cache(maxsize=None)
def _up(from_uri: str, directory_urls: bool) -> str:
    here = page_url(from_uri, directory_urls)
    depth = here.count("/") if here.endswith("/") else posixpath.dirname(here).count("/") + (1 if "/" in here else 0)
    return "../" * depth
