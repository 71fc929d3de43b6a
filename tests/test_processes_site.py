"""The process and 审管协同 pages: built with `mkdocs build --strict` from a small city whose process and
pair records carry hostile strings, read as HTML (escaped text, links to pages that exist) and, where
Debian chromium and Playwright are installed, in a real browser (no dialog, no injected node)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import chromium
from conftest import BASE, ROOT, write_files

pytest.importorskip("material", reason="mkdocs-material is not installed")

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>'
FILES = {
    "policykit.yaml": (ROOT / "rules" / "process" / "approval-covered.yaml").read_text(encoding="utf-8")
    .split("      policykit.yaml: |\n", 1)[1].split("      lists/", 1)[0].replace("\n        ", "\n").strip() + "\n",
    "lists/processes/scjgj.yaml": f"""department: scjgj
processes:
  - id: LC-scjgj-001
    name: 公文办理流程{XSS}
    duty: {{unit: 办公室, no: 1}}
    day_type: 工作日
    steps:
      - {{no: 1, name: "登记[点我](javascript:alert(3))", unit: 办公室, post: "{{{{7*7}}}}", days: 1}}
  - id: LC-scjgj-002
    name: 食品经营许可办理流程
    duty: {{unit: 食品安全科, no: 1}}
    items: ["370199101XK00100"]
    day_type: 工作日
    steps:
      - {{no: 1, name: 受理, unit: 食品安全科, days: 1, materials: ["申请书{XSS}"]}}
      - {{no: 2, name: 推送油烟净化要求, department: sthjj, unit: 执法科, days: 1, handoff: BJ-001}}
      - {{no: 3, name: 推送许可结果, department: sthjj, unit: 执法科, days: 0, handoff: SG-001}}
""",
    "lists/approval-supervision/SG-001.yaml": f"""id: SG-001
item: "370199101XK00100"
name: 食品经营许可{XSS}
approving: scjgj
supervising: sthjj
inspection: "370199102CF00100"
push: {{content: ["许可决定{XSS}"], days: 1, day_type: 工作日}}
monitoring: "=HYPERLINK(\\"http://evil.example\\") {XSS}"
""",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("process-site") / "city"
    shutil.copytree(BASE, root)
    write_files(root, FILES)
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    (root / "docs").mkdir(exist_ok=True)
    shutil.copy(ROOT / "docs" / "index.md", root / "docs" / "index.md")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POLICYKIT_CACHE_DIR": str(root / ".cache")}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(root / "site")],
                            cwd=root, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return root / "site"


def _page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_process_pages_draw_steps_with_their_handoffs(built):
    html = _page(built, "processes/scjgj")
    steps = re.findall(r'<li class="pk-step( pk-step-cross)?">', html)
    assert len(steps) == 4 and steps.count(" pk-step-cross") == 2
    assert "时限合计" in html and "2 个工作日" in html
    assert 'href="../../boundaries/BJ-001/"' in html and 'href="../approval/SG-001/"' in html
    index = _page(built, "processes")
    assert 'href="../processes/scjgj/"' in index or 'href="scjgj/"' in index
    pair = _page(built, "processes/approval/SG-001")
    assert "LC-scjgj-002" in pair and "推送许可结果" in pair


def test_every_link_of_the_process_pages_leads_to_a_page(built):
    for url in ("processes", "processes/scjgj", "processes/approval/SG-001"):
        here = built / url
        for href in re.findall(r'href="([^"#]*)(?:#[^"]*)?"', _page(built, url)):
            if href.startswith(("http", "mailto")) or not href:
                continue
            target = (here / href).resolve()
            assert (target / "index.html").is_file() or target.is_file(), (url, href)


def test_hostile_strings_are_text_on_the_process_pages(built):
    for url in ("processes", "processes/scjgj", "processes/approval/SG-001"):
        html = _page(built, url)
        article = re.search(r"<article.*?</article>", html, re.S).group(0)
        assert "<script>alert" not in article and "<img src=x" not in article
        assert 'href="javascript' not in article
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _page(built, "processes/scjgj")
    assert "{{7*7}}" in _page(built, "processes/scjgj")


@pytest.mark.browser
def test_process_pages_in_a_browser_run_no_script_from_the_lists(built):
    with chromium.launch() as browser, chromium.serve(built) as server, \
            chromium.watched_page(browser, server, console_errors=False) as page:      # no dialog, no script error
        for url in ("processes/scjgj/", "processes/approval/SG-001/"):
            page.goto(server + url)
            assert page.locator("article script").count() == 0
            assert page.locator("article img[src='x']").count() == 0
        page.goto(server + "processes/scjgj/")
        assert page.locator("ol.pk-steps > li").count() == 4
        assert "公文办理流程<script>" in page.locator("article").inner_text()


def test_process_pages_build_html_only_from_literal_templates():
    import ast
    src = (ROOT / "src" / "policykit" / "site" / "processes.py").read_text(encoding="utf-8")
    calls = [n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id in {"_html", "_join", "Markup"}]
    assert len(calls) > 20
    for call in calls:
        first = call.args[0] if call.args else None
        assert call.func.id != "Markup" and isinstance(first, ast.Constant) and isinstance(first.value, str), \
            f"processes.py:{call.lineno}: {call.func.id}() with a template that is not a literal"
    assert "f'<" not in src and 'f"<' not in src and ".format(" not in src
