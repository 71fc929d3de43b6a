"""diff, impact and evaluate have default budgets: the commits they walk and what they write.

A history is input (a pull request brings its commits, each kept in memory with its message), and a
review or a report is read by people and CI logs. Before, ``policykit diff BASE HEAD`` read every
commit between the two, and the three commands wrote whatever they produced. Now each has a budget
in ``policykit.yaml`` (``limits.max_history_commits``, ``limits.max_output_chars``; the latter also
``--max-output-chars``), and going over it is one message and exit 2, with nothing written.
"""
from __future__ import annotations

import pytest

from gitrepo import Repo, copy_base, copy_bundled
from policykit.cli import main

CONFIG = "city: 示例市\ncategories: [{name: 行政许可, letters: XK}, {name: 行政处罚, letters: CF}]\ncode_pattern: '^.*$'\n"


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def history(tmp_path):
    """The base city and five commits renaming its licence item, one step at a time."""
    r = Repo(copy_base(tmp_path / "city"))
    r.write("policykit.yaml", CONFIG)
    r.base = r.commit("base")
    for i in range(5):
        r.edit("lists/powers/scjgj.yaml", "name: 食品经营许可" if i == 0 else f"name: 食品经营许可{i - 1}",
               f"name: 食品经营许可{i}")
        r.commit(f"改名 {i}\n\n调整类型: 纠错\n调整事由: 更正名称\n")
    return r


def with_limits(repo, limits: str) -> None:
    """The budget in the work tree's configuration (what the commands read) and in HEAD's."""
    repo.write("policykit.yaml", CONFIG + f"limits: {{{limits}}}\n")
    repo.commit("限额", allow_empty=True)


def test_a_diff_walks_at_most_max_history_commits(history, capsys):
    with_limits(history, "max_history_commits: 3")
    code, out, err = run(capsys, "diff", history.base, "HEAD", "--root", str(history.root))
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.startswith(f"policykit: 错误: [LIMIT-HISTORY] {history.base}..") and \
        "中需要读取的提交超过上限 3（limits.max_history_commits），已停止 (more commits to read than allowed)" in err
    assert "max_history_commits" in err.split("提示:")[1]
    # check --since walks the same history under the same budget
    code, _, err = run(capsys, "check", str(history.root), "-q", "--since", history.base)
    assert code == 2 and "[LIMIT-HISTORY]" in err and "Traceback" not in err
    # raised, the same review is written
    with_limits(history, "max_history_commits: 10")
    code, out, err = run(capsys, "diff", history.base, "HEAD", "--root", str(history.root))
    assert code == 0 and "食品经营许可4" in out and err == ""


def test_a_diff_writes_at_most_max_output_chars(history, capsys, tmp_path):
    code, full, _ = run(capsys, "diff", history.base, "HEAD", "--root", str(history.root))
    assert code == 0 and len(full) > 300
    out_file, full_file = tmp_path / "review.md", tmp_path / "full.md"
    code, out, err = run(capsys, "diff", history.base, "HEAD", "--root", str(history.root), "--max-output-chars", "300",
                         "-o", str(out_file), "--full-output", str(full_file))
    assert code == 2 and out == "" and not out_file.exists() and not full_file.exists()
    assert err.startswith(f"policykit: 错误: [LIMIT-OUTPUT] policykit diff 的输出有 {len(full):,} 个字符，超过上限 300"
                          "（limits.max_output_chars），未写出 (output larger than allowed)")
    assert "--max-output-chars" in err
    with_limits(history, "max_output_chars: 300")
    code, out, err = run(capsys, "diff", history.base, "HEAD~1", "--root", str(history.root))
    assert code == 2 and out == "" and "超过上限 300（limits.max_output_chars）" in err
    code, out, _ = run(capsys, "diff", history.base, "HEAD~1", "--root", str(history.root),
                       "--max-output-chars", str(len(full) + 1000))
    assert code == 0 and out.replace("HEAD\\~1", "HEAD") == full   # the same commit, named differently


@pytest.mark.parametrize("args", [["impact", "中华人民共和国食品安全法"], ["evaluate", "--period", "2025"]])
def test_impact_and_evaluate_write_at_most_max_output_chars(tmp_path, capsys, args):
    root = copy_bundled(tmp_path / "city")
    code, full, err = run(capsys, *args, "--root", str(root))
    assert code == 0 and len(full) > 200, err
    code, out, err = run(capsys, *args, "--root", str(root), "--max-output-chars", "200")
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.startswith(f"policykit: 错误: [LIMIT-OUTPUT] policykit {args[0]} 的输出有 {len(full):,} 个字符，超过上限 200")
    config = (root / "policykit.yaml").read_text(encoding="utf-8")
    assert "limits:" not in config
    (root / "policykit.yaml").write_text(config + "limits: {max_output_chars: 200}\n", encoding="utf-8")
    code, out, err = run(capsys, *args, "--root", str(root))
    assert code == 2 and out == "" and "（limits.max_output_chars）" in err
