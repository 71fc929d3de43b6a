"""A review that fits: a 1,000-item change on a real git history gives a comment under the cap, summary
first, with the whole review written beside it; the same input gives the same bytes."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import git
from gitrepo import Repo
from policykit.bench.generate import generate
from policykit.cli import main
from policykit.history import diff as D
from policykit.history import review as R

PHONE = re.compile(r"^(    phone: )(.*)$", re.M)
ITEM = re.compile(r"^  - code: (\S+)\n((?:    .*\n|      .*\n)*)", re.M)


@pytest.fixture(scope="module")
def big_change(tmp_path_factory) -> Path:
    """A generated city (small scale, 520 power items) on main, and a branch that changes every item's phone
    number and adds a re-coded copy of 560 items: over 1,000 item changes in 20-odd files."""
    root = tmp_path_factory.mktemp("review") / "city"
    generate(root, "small", seed=3)
    Repo(root).commit("初始清单")
    git(root, "checkout", "-q", "-b", "pr")
    added = 0
    for f in sorted((root / "lists/powers").glob("*.yaml")):
        text = f.read_text(encoding="utf-8")
        copies = []
        for m in ITEM.finditer(text):
            if added < 560:
                code = m.group(1).strip('"')
                copies.append(f"  - code: {code[:-2]}77\n" + m.group(2))
                added += 1
        text = PHONE.sub(lambda m: m.group(1) + "0531-12345678", text)
        if copies:
            text = text.rstrip("\n") + "\n" + "".join(copies)
        f.write_text(text, encoding="utf-8")
    git(root, "commit", "-q", "-am", "全部事项更新监督电话，并新增事项")
    return root


def test_a_1000_item_change_fits_in_one_comment_with_the_whole_review_beside_it(big_change, tmp_path, capsys):
    d = D.diff(big_change, "main", "HEAD")
    assert len(d.changes) >= 1000
    comment, full = tmp_path / "review.md", tmp_path / "review-full.md"
    assert main(["diff", "main", "HEAD", "--root", str(big_change), "--full-output", str(full),
                 "-o", str(comment)]) == 0
    text, whole = comment.read_text(encoding="utf-8"), full.read_text(encoding="utf-8")
    assert len(text) < R.MAX_COMMENT < 65_536
    assert len(whole) > 2 * R.MAX_COMMENT                   # the full review really did not fit
    assert "完整审阅见 `review-full.md`" in text and "未列出" in text
    assert text.count("<details>") == text.count("</details>")
    assert whole.count("<details>") == whole.count("</details>")
    # summary first: counts by kind, by department; then the tables
    s = d.summary()
    assert f"共 **{s['total']}** 项调整" in text
    assert text.index("| 调整类别 |") < text.index("按部门") < text.index("### 权责清单")
    # every change is in the full review, by its code
    for c in d.changes:
        assert f"`{c.key}`" in whole, c.key
    assert "<sub>由 policykit diff 生成" in text        # the footer survives the cut


def test_the_review_is_deterministic(big_change, tmp_path):
    outs = []
    for n in range(2):
        out = tmp_path / f"r{n}.md"
        assert main(["diff", "main", "HEAD", "--root", str(big_change), "--max-chars", "20000", "-o", str(out)]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(outs[0].decode("utf-8")) <= 20_000


@pytest.mark.parametrize("limit", [3_000, 8_000, 30_000, 59_999])
def test_every_cap_is_kept_and_tables_stay_whole(big_change, limit):
    d = D.diff(big_change, "main", "HEAD")
    md = R.as_markdown(d, limit=limit, full_name="review-full.md")
    assert len(md) <= limit
    assert md.count("<details>") == md.count("</details>")
    for line in md.splitlines():             # a cut never leaves half a row
        if line.startswith("|"):
            assert line.endswith("|"), line


def test_a_small_review_is_not_cut(tmp_path):
    root = tmp_path / "c"
    generate(root, "small", seed=3)
    Repo(root).commit("初始清单")
    f = next(iter(sorted((root / "lists/powers").glob("*.yaml"))))
    f.write_text(PHONE.sub(lambda m: m.group(1) + "0531-1", f.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    d = D.diff(root, "HEAD")
    assert R.as_markdown(d, limit=R.MAX_COMMENT) == R.as_markdown(d)
    assert "未列出" not in R.as_markdown(d)


def test_a_cap_too_small_for_the_frame_is_a_usage_error(big_change, capsys):
    assert main(["diff", "main", "HEAD", "--root", str(big_change), "--max-chars", "500"]) == 2
    assert "至少为 2,000" in capsys.readouterr().err
