"""The review comment is posted to GitHub or GitLab, where Markdown is rendered and `@name` notifies people:
every string from the lists, the history and the check result is text there. A pull request puts hostile
names into an item, a department and a problem; the review is rendered by GitHub's own Markdown engine
(cmark-gfm) and must show each string as written, in its own cell, with no mention, no issue reference,
no disguised link and no HTML of its own."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from conftest import git
from policykit.bench.generate import generate
from policykit.checking.reporters import markdown as check_markdown
from policykit.checking.reporters import md_code, md_text
from policykit.history import diff as D
from policykit.history import review as R
from policykit.problems import Problem

ZWSP = "\u200b"
# a name a pull request may give an item: mentions (a person, a team, GitLab's @all), an issue and a merge
# request, a mention spelled as an entity, a cell break after a backslash, a disguised link, HTML, emphasis
ITEM_NAME = ("节能审查 @someone 与 @city-bianban/admins @all 见 #123 与 !45 &#64;ghost x\\|y|z "
             "[点此](https://evil.example/) <img src=x onerror=alert(1)> **粗** ~~删~~ _斜_ # 非标题")
DEPT_NAME = "发展改革委 @fgw-leader #7"
UNIT = "价格管理处 @someone-else"
MESSAGE = "事项「@someone」缺少依据 #99 <b>x</b> | 多一列"
FILE = "lists/powers/@ghost|x.yaml"
# what must never be left in the rendered text: a mention, an issue or merge-request reference
REFERENCE = re.compile(r"(?<![\w.+-])@[A-Za-z0-9]|#\d|!\d")


class Page(HTMLParser):
    """The rendered comment: its tags, its table rows (cell texts) and its text outside code spans (where
    GitHub and GitLab look for mentions and references; they look for none inside code)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.rows, self.links, self.text = [], [], [], []
        self._row = self._cell = self._link = None
        self._code = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._code += tag == "code"
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self._link = (dict(attrs).get("href"), [])

    def handle_endtag(self, tag):
        self._code -= tag == "code"
        if tag in ("td", "th") and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr":
            self.rows.append(self._row)
            self._row = None
        elif tag == "a" and self._link:
            self.links.append((self._link[0], "".join(self._link[1])))
            self._link = None

    def handle_data(self, data):
        if not self._code:
            self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._link is not None:
            self._link[1].append(data)


def render(markdown: str) -> Page:
    page = Page()
    # as GitHub renders a comment (GFM: tables, strikethrough, autolinks), raw HTML kept so none can hide
    page.feed(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))
    return page


def seen(text: str) -> str:
    return text.replace(ZWSP, "")


def assert_harmless(page: Page) -> None:
    text = "".join(page.text)
    assert not REFERENCE.search(text), REFERENCE.search(text)
    # no HTML, emphasis or heading of the strings' own (the review's own tags: table, code, strong, h2-h4 …)
    assert not {"img", "b", "i", "script", "del", "em", "h1", "h5", "h6"} & set(page.tags), set(page.tags)
    for href, label in page.links:      # a link shows where it goes (GFM autolinks a bare URL); none is disguised
        assert label == href, (href, label)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "city"
    generate(root, "small", seed=5)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "初始清单")
    git(root, "checkout", "-q", "-b", "pr")
    powers = root / "lists/powers/fgw.yaml"
    text = powers.read_text(encoding="utf-8")
    first = re.search(r"^    name: (.*)$", text, re.M)
    text = text[:first.start(1)] + json.dumps(ITEM_NAME, ensure_ascii=False) + text[first.end(1):]
    unit = re.search(r"^    unit: (.*)$", text, re.M)
    text = text[:unit.start(1)] + json.dumps(UNIT, ensure_ascii=False) + text[unit.end(1):]
    powers.write_text(text, encoding="utf-8")
    org = root / "lists/organizations/fgw.yaml"
    org.write_text(re.sub(r"^short_name: .*$", "short_name: " + json.dumps(DEPT_NAME, ensure_ascii=False),
                          org.read_text(encoding="utf-8"), count=1, flags=re.M), encoding="utf-8")
    git(root, "commit", "-q", "-am", "改名 @someone #5")
    return root


def test_the_review_comment_notifies_nobody_and_shows_every_string_as_written(hostile):
    d = D.diff(hostile, "main", "HEAD")
    assert any(c.name == ITEM_NAME for c in d.changes)
    problems = R.ReviewProblems(new=[Problem(FILE, 3, 5, "items[0].name", "PWR-X", "error", MESSAGE)], unchanged=2)
    comment = R.as_markdown(d, problems=problems, limit=R.MAX_COMMENT, full_name="review-full.md")
    page = render(comment)
    assert_harmless(page)
    # each string is whole, in its own cell, as written (the zero-width spaces are not seen)
    cells = [seen(c) for row in page.rows for c in row]
    assert ITEM_NAME.replace("`", "'") in cells
    assert MESSAGE in cells and f"{FILE}:3:5" in cells
    widths = {len(row) for row in page.rows if row and row[0] in ("一般", "重大", "细微")}
    assert widths == {5}, widths                          # no name added or removed a column
    assert any(UNIT in seen(c) for c in cells)            # the field-by-field details


def test_check_markdown_uses_the_same_vocabulary():
    """`check -f markdown` (the job page; a merge-request note on GitLab) escapes with the same functions."""
    p = Problem(FILE, 3, 5, "items[0].name", "PWR-X", "error", MESSAGE, waived_by="@approver #3")
    out = check_markdown([p], {"error": 1, "warning": 0, "info": 0, "waived": 0})
    page = render(out)
    assert_harmless(page)
    row = next(r for r in page.rows if r and r[0] == "错误")
    assert len(row) == 4 and seen(row[3]) == MESSAGE + "（已豁免：@approver #3）"
    assert R._cell is md_text                                   # one vocabulary, not two


@pytest.mark.parametrize("value", ["@a", "@org/team", "&#64;b", "#1", "!2", "a\\|b", "\\", "[x](y)", "<i>", "`c`",
                                   "__u__", "~~s~~", "# h", "\x1b[31m", "@\u200bx", "a\nb"])
def test_one_string_in_a_table_cell_stays_one_harmless_cell(value):
    page = render("| a | b |\n|---|---|\n| " + md_text(value) + " | `" + md_code(value) + "` |\n")
    assert_harmless(page)
    (row,) = page.rows[1:]
    expected = value.replace("`", "'").replace("\x1b", "\\x1b").replace("\n", " ")
    assert len(row) == 2 and seen(row[0]) == expected.replace("\u200b", ""), row
    assert seen(row[1]) == expected.replace("\u200b", "")
