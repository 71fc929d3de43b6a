"""The public site carries no attack: every string of every list, built into the site, stays text.

``payload_city`` copies the bundled lists and replaces every string value that is not a code, an id, a
date or an enumerated value (decided from the kind's JSON Schema: ``pattern``, ``enum``, ``const``,
``format``, and the keys that hold codes) with a rotating payload — script, HTML, Markdown link,
attribute list, Jinja — after a marker and a number (``〔样例12〕<script>alert(1)</script>``). The same
original string always gets the same payload, so references (unit names, cited law titles) still
meet, and the lists stay schema-valid (checked: no load errors). Then a second commit carries an
adjustment record whose fields are payloads too, so the changes page has them.

The site is built once per session (``payload_site``) with ``policykit docs build --strict``;
tests/test_security_site_browser.py opens the same build in Chromium. Here, without a browser: no
page, no search index entry and no lookup data holds a payload as markup; ``{{7*7}}`` is never 49;
no link has a scheme; the public pages carry no command, repository path or rule template.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, git
from gitrepo import Repo

pytest.importorskip("material", reason="mkdocs-material is not installed (pip install -e '.[site]')")

MARK = "样例"
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</title><script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "{{7*7}}",
    "javascript:alert(1)",
    "<svg onload=alert(1)>",
    ' {: onclick="alert(1)" }',        # (a space before it: how Markdown's attr_list ends a heading)
    "![](x onerror=alert(1))",
    "<!--",
    "{% raw %}",
    "@@PKTITLE@@",
]
# keys whose values are codes or references to codes (kept, so links and joins still work)
CODE_KEYS = {"id", "code", "catalog_code", "related_powers", "supervision_items", "power", "item", "ref", "commit",
             "indicator", "system", "ledger", "supervision", "problems", "dispute", "boundary", "batch",
             "evaluation", "period", "department", "departments", "host", "office", "lead", "delegatee",
             "merged_into", "co_departments", "cooperating", "leads"}


class Payloads:
    """The same original string always becomes the same payload (so references still meet)."""

    def __init__(self):
        self.seen: dict[str, str] = {}

    def __call__(self, original: str, max_length: int | None) -> str:
        if original in self.seen:
            return self.seen[original]
        n = len(self.seen)
        for k in range(len(PAYLOADS)):
            value = f"〔{MARK}{n}〕{PAYLOADS[(n + k) % len(PAYLOADS)]}"   # the payload last: {: …} ends a heading
            if max_length is None or len(value) <= max_length:
                break
        else:
            value = original
        self.seen[original] = value
        return value


def _resolve(schema: dict, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        target = schema
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node if isinstance(node, dict) else {}


def _branches(schema: dict, node) -> list:
    node = _resolve(schema, node)
    out = [node]
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in node.get(key, ()):
            out += _branches(schema, sub)
    for key in ("then", "else"):
        if isinstance(node.get(key), dict):
            out += _branches(schema, node[key])
    return out


def _child(schema, nodes, key):
    out = []
    for n in nodes:
        props = n.get("properties") or {}
        if isinstance(key, int):
            items = n.get("items")
            if isinstance(items, dict):
                out += _branches(schema, items)
            elif isinstance(items, list) and key < len(items):
                out += _branches(schema, items[key])
            for sub in n.get("prefixItems", [])[key:key + 1]:
                out += _branches(schema, sub)
        elif key in props:
            out += _branches(schema, props[key])
        else:
            for pattern, sub in (n.get("patternProperties") or {}).items():
                if re.search(pattern, key):
                    out += _branches(schema, sub)
            if isinstance(n.get("additionalProperties"), dict):
                out += _branches(schema, n["additionalProperties"])
    return out


def _fill(schema, nodes, value, key, payload):
    """``value`` with its free-text strings replaced (codes, ids, dates, enumerated values kept)."""
    if isinstance(value, dict):
        return {k: _fill(schema, _child(schema, nodes, k), v, k, payload) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(schema, _child(schema, nodes, i), v, key, payload) for i, v in enumerate(value)]
    if not isinstance(value, str) or key in CODE_KEYS:
        return value
    if any(k in n for n in nodes for k in ("pattern", "enum", "const", "format")):
        return value
    limits = [n["maxLength"] for n in nodes if "maxLength" in n]
    return payload(value, min(limits) if limits else None)


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):   # the loader refuses anchors and aliases; equal values are written out
        return True


def payload_city(root: Path) -> Payloads:
    """The bundled city with payloads in every free-text string, under git with two commits."""
    from policykit import open_repository
    from policykit.lists.loader import load_bytes
    from policykit.lists.schemas import load_schema
    bundled = open_repository(ROOT)
    payload = Payloads()
    shutil.copytree(ROOT / "lists", root / "lists")
    for name in ("policykit.yaml", "mkdocs.yml"):
        shutil.copy(ROOT / name, root / name)
    (root / "docs").mkdir()
    for rel, kind in sorted(bundled.kinds.items()):
        path = root / rel
        # read as policykit reads it: PyYAML's YAML 1.1 would turn a `no:` key (a step's number) into False
        data = load_bytes(path.read_bytes(), rel).data
        schema = load_schema(kind)
        path.write_text(yaml.dump(_fill(schema, _branches(schema, schema), data, None, payload), Dumper=_NoAliases,
                                  allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    config = yaml.safe_load((root / "policykit.yaml").read_text(encoding="utf-8"))
    config["city"] = payload("明湖市", 200)
    (root / "policykit.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    repo = open_repository(root)
    errors = [p for p in repo.load_problems if p.severity == "error"]
    assert not errors, [f"{p.file}: {p.message}" for p in errors[:5]]
    Repo(root).commit("初始清单")
    # an adjustment whose record and changes are payloads too: the changes page shows them
    powers = sorted(root.glob("lists/powers/*.yaml"))[0]
    text = powers.read_text(encoding="utf-8")
    first = re.search(r"^  name: (.+)$", text, re.M) or re.search(r"^    name: (.+)$", text, re.M)
    powers.write_text(text.replace(first.group(0), first.group(0).replace(first.group(1), "'[y](javascript:alert(2))调整后'"), 1),
                      encoding="utf-8")
    # a matter's name ending in an attribute list: Markdown's attr_list would put it on the <h1>
    matter = sorted(root.glob("lists/boundaries/*.yaml"))[0]
    data = yaml.safe_load(matter.read_text(encoding="utf-8"))
    data["name"] = f'〔{MARK}边界〕 {{: onclick="alert(7)" }}'
    matter.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    message = ("[z](javascript:alert(3)) <img src=x onerror=alert(3)>\n\n"
               "调整类型: <svg onload=alert(4)>\n调整事由: [x](javascript:alert(5)){: onclick=alert(5)}\n"
               "调整依据: {{7*7}}样例依据\n批准文号: </title><script>alert(6)</script> {: onclick=\"alert(6)\" }\n")
    git(root, "commit", "-q", "-am", message)
    return payload


_BUILT: dict = {}
_LOCK = threading.Lock()


def build_payload_site(base: Path) -> tuple[Path, Path, Payloads]:
    """Build once per session (the browser test reuses it): (repository, site, payloads)."""
    with _LOCK:
        if "site" not in _BUILT:
            root = base / "payload-city"
            payload = payload_city(root)
            site = base / "payload-site"
            env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
            result = subprocess.run([sys.executable, "-m", "policykit", "docs", "build", "--root", str(root),
                                     "--site-dir", str(site), "--strict", "--legal-date", "2025-06-30"],
                                    capture_output=True, text=True, env=env, timeout=600)
            assert result.returncode == 0, result.stderr[-4000:]
            _BUILT["site"] = (root, site, payload)
        return _BUILT["site"]


@pytest.fixture(scope="session")
def payload_site(tmp_path_factory):
    return build_payload_site(tmp_path_factory.getbasetemp())


# ---- what the built HTML may hold ---------------------------------------------------------------
class _Nodes(HTMLParser):
    """Every element, attribute and text of a page, as the browser's parser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []
        self.text: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k.startswith("on"):
                self.bad.append(f"<{tag} {k}={v!r}>")
            if k in ("href", "src", "action", "formaction", "xlink:href") and v and re.match(r"\s*(javascript|data|vbscript):", v, re.I):
                self.bad.append(f"<{tag} {k}={v!r}>")
        if tag in ("img", "svg") and any(k == "src" and v == "x" for k, v in attrs):
            self.bad.append(f"<{tag} src=x>")
        self._script = tag == "script"

    def handle_endtag(self, tag):
        self._script = False

    def handle_data(self, data):
        if self._script and "alert(" in data:
            self.bad.append(f"<script>{data[:60]}")
        elif not self._script:
            self.text.append(data)


def scan(html: str) -> _Nodes:
    parser = _Nodes()
    parser.feed(html)
    parser.close()
    return parser


def test_payload_city_is_schema_valid_and_every_kind_holds_payloads(payload_site):
    root, _, payload = payload_site
    from policykit import open_repository
    repo = open_repository(root)
    assert not [p for p in repo.load_problems if p.severity == "error"]
    kinds = {kind for rel, kind in repo.kinds.items() if MARK in (root / rel).read_text(encoding="utf-8")}
    assert {"organization", "powers", "tasks", "boundary", "catalog", "law", "body", "problem", "dispute", "supervision",
            "performance", "evaluation", "indicator", "division"} <= kinds      # (the bundled waivers list is empty)
    assert len(payload.seen) > 500
    assert any(it.full_name.startswith("<") or "[x](javascript:" in it.full_name for it in repo.powers.values())


def test_no_page_holds_a_payload_as_markup(payload_site):
    _, site, _ = payload_site
    pages = list(site.rglob("*.html"))
    assert len(pages) > 300
    shown = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        nodes = scan(html)
        assert not nodes.bad, f"{page.relative_to(site)}: {nodes.bad[:3]}"
        text = "".join(nodes.text)
        assert "〕49" not in text, f"{page.relative_to(site)}: a template was evaluated"
        shown += text.count("〕{{7*7}}")
    assert shown > 50                      # the Jinja payload is there, as text


def test_titles_stay_inside_title(payload_site):
    _, site, _ = payload_site
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        head = html.split("</head>", 1)[0]
        assert head.count("<title>") == 1 and head.count("</title>") == 1, page.relative_to(site)
        assert "<script>alert" not in head, page.relative_to(site)


def test_search_index_holds_escaped_text_only(payload_site):
    _, site, _ = payload_site
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = index["docs"]
    assert len(docs) > 300
    marked = 0
    for d in docs:
        for key in ("title", "text"):
            value = d[key]
            # Material's search writes these strings into the page as HTML: no markup from the lists
            assert not scan(value).bad, (d["location"], value[:200])
            assert not re.search(r"<(script|img|svg|a|iframe)\b", value, re.I), (d["location"], value[:200])
            marked += value.count(MARK)
    assert marked > 100
    item = next(d for d in docs if d["location"].startswith("items/") and "&lt;" in d["title"])
    assert "<" not in item["title"]


def test_lookup_data_is_text_and_links_are_built_by_the_code(payload_site):
    _, site, _ = payload_site
    raw = (site / "lookup" / "lookup.json").read_text(encoding="utf-8")
    assert "<" not in raw and ">" not in raw           # written as \\u003c: inert however it is served
    data = json.loads(raw)
    assert any("<script>" in m["name"] or "[x](" in m["name"] or "{{7*7}}" in m["name"] for m in data["matters"])
    urls = [m["url"] for m in data["matters"]] + [it[4] for it in data["items"]] + [d["url"] for d in data["departments"].values()]
    assert urls and all(re.fullmatch(r"[A-Za-z0-9_\-./#%~]+", u) for u in urls)
    js = (site / "assets" / "policykit" / "lookup.js").read_text(encoding="utf-8")
    assert "innerHTML" not in js and "textContent" in js


def test_every_link_target_is_built_by_the_code(payload_site):
    _, site, _ = payload_site
    links = 0
    for page in site.rglob("*.html"):
        for m in re.finditer(r'<a\b[^>]*?\bhref="([^"]*)"', page.read_text(encoding="utf-8")):
            href = m.group(1)
            links += 1
            assert not re.match(r"\s*(javascript|data|vbscript):", href, re.I), (page.relative_to(site), href)
            path, _, fragment = href.partition("#")
            assert MARK not in path and "alert" not in path, (page.relative_to(site), href)
            # an anchor may come from a name (a heading's slug, a unit's duty): made safe, it holds no markup
            assert re.fullmatch(r"[\w\-%.~]*", fragment), (page.relative_to(site), href)
    assert links > 5000


def test_changes_page_shows_the_adjustment_record_as_text(payload_site):
    _, site, _ = payload_site
    html = (site / "changes" / "index.html").read_text(encoding="utf-8")
    text = "".join(scan(html).text)
    for written in ("<svg onload=alert(4)>", "[x](javascript:alert(5)){: onclick=alert(5)}", "{{7*7}}样例依据",
                    '</title><script>alert(6)</script> {: onclick="alert(6)" }', "[y](javascript:alert(2))调整后",
                    '〔样例边界〕 {: onclick="alert(7)" }'):
        assert written in text, written
    assert "javascript:alert(3)" not in text           # the commit's own message is not public


# ---- developer text --------------------------------------------------------------------------------
DEVELOPER_TEXT = re.compile(r"policykit [a-z]|\blists/[a-z]|\b[a-z_]+\.ya?ml\b|docs/[a-z]|\{[a-z_]+\.[a-z_]+\}|"
                            r"未取得原文核对|--legal-date|--at\b")


@pytest.fixture(scope="module")
def bundled_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("public") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "policykit", "docs", "build", "--root", str(ROOT), "--site-dir",
                             str(site), "--strict"], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return site


def _article_text(html: str) -> str:
    body = html.split("<article", 1)[-1].split("</article>", 1)[0]
    return " ".join(" ".join(scan(body).text).split())


def test_public_pages_carry_no_commands_paths_or_templates(bundled_site):
    site = bundled_site
    found = []
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        text = _article_text(page.read_text(encoding="utf-8"))
        found += [f"{rel}: …{text[max(0, m.start() - 30):m.end() + 20]}…" for m in DEVELOPER_TEXT.finditer(text)]
    assert not found, "\n".join(found[:20])
    rules = _article_text((site / "rules" / "index.html").read_text(encoding="utf-8"))
    assert "规则文件" not in rules and "提示信息" in rules and "「某事项」" in rules
    law = _article_text((site / "laws" / "zyysf" / "index.html").read_text(encoding="utf-8"))
    assert "文本来源 国家法律法规数据库 https://flk.npc.gov.cn" in law and "核对" not in law.split("文本来源", 1)[1].split("效力", 1)[0]


def test_changes_page_publishes_the_record_not_the_commit_message(bundled_site):
    text = _article_text((bundled_site / "changes" / "index.html").read_text(encoding="utf-8"))
    assert "调整类型" in text and "版本" in text
    assert not re.search(r"\b(issue|helpers?|maintainers?)\b", text, re.I)


# ---- the escaping types themselves ----------------------------------------------------------------------
def test_html_and_markdown_fragments_escape_what_they_did_not_make():
    import markdown
    from policykit.site.pages import Html, Md, Url
    payload = '</title><script>alert(1)</script>[x](javascript:alert(1)){: onclick="alert(1)"}'
    assert Html("<p>{}</p>").format(payload) == (
        "<p>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;[x](javascript:alert(1)){: onclick=&#34;alert(1)&#34;}</p>")
    assert Html("<ul>{}</ul>").format(Html("").join(["<li>", Html("<li>ok</li>")])) == "<ul>&lt;li&gt;<li>ok</li></ul>"
    assert "\n" not in Html("{}").format("a\n\nb")      # a raw HTML block in Markdown never gets a blank line
    with pytest.raises(TypeError):
        Html("{}").format(Md("x"))
    with pytest.raises(TypeError):
        Md("{}").format(Html("<b>x</b>"))
    with pytest.raises(ValueError):
        Url("javascript:alert(1)")
    extensions = ["tables", "attr_list", "md_in_html", "admonition", "pymdownx.details", "toc"]
    for line in (Md("### {}").format(payload), Md("| {} | {} |\n|---|---|\n| {} | x |").format("a", "b", payload),
                 Md('x <a href="{}">{}</a> y').format(Url("../items/X/"), payload),
                 Md('??? note "{}"\n\n    body').format(payload), Md("- {}").format("![](x onerror=alert(1))")):
        out = markdown.markdown(str(line), extensions=extensions)
        nodes = scan(out)
        assert not nodes.bad and "<script" not in out and 'href="javascript' not in out, out


def test_public_wording_helpers():
    from policykit.site.pages import public_note, public_prose, readable_message
    assert public_note("国家法律法规数据库 https://flk.npc.gov.cn（沿革与条文数凭记忆整理，未取得原文核对；"
                       "详见 docs/laws-sources.md）") == "国家法律法规数据库 https://flk.npc.gov.cn"
    assert readable_message("「{basis.owner_name}」的实施依据《{basis.law_title}》已于 {basis.repealed_on} 废止") == \
        "「某事项」的实施依据《某法规》已于 某日 废止"
    prose = public_prose("必须在 organizations/ 中登记（见 policykit.yaml 的 vague_verbs），缺少 tasks/某部门.yaml；"
                         "sanding_duty 必须是序号")
    assert prose == "必须在三定规定中登记，缺少某部门的职责任务清单；对应三定职责序号必须是序号"
