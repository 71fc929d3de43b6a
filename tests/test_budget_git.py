"""A revision's files have the same byte budget as the files on disk, and a blob over it is never read.

``check --at REV``, ``diff`` and the history read blobs through ``git cat-file``; before, every blob
was read whole before ``max_file_bytes`` was looked at, so a pull request committing a 2 GB list
made every later ``--at`` and review read 2 GB. Now the size is asked first (``--batch-check``) and
a blob over the budget is refused as a file over it on disk is (``YAML-LIMIT`` at ``file:1:1``).
The tests use real throwaway repositories and a small budget set in ``policykit.yaml``, and watch
which blobs git is asked to stream.
"""
from __future__ import annotations

import git.cmd
import pytest

from gitrepo import Repo, copy_base
from policykit.cli import main
from policykit.lists import gitdoor

CONFIG = "city: 示例市\ncategories: [{name: 行政许可, letters: XK}, {name: 行政处罚, letters: CF}]\ncode_pattern: '^.*$'\n"
BIG = "lists/powers/big.yaml"


def big_list(lines: int = 3000) -> str:
    """A valid list file of about 70 bytes a line (comments), well over a small budget."""
    return "department: scjgj\nitems: []\n" + "".join(f"# 填充行 {i:06d} ........................................\n"
                                                       for i in range(lines))


@pytest.fixture
def repo(tmp_path):
    """The base city with a 32 KiB budget, then a commit adding a list file of about 200 KB."""
    r = Repo(copy_base(tmp_path / "city"))
    r.write("policykit.yaml", CONFIG + "limits: {max_file_bytes: 32768}\n")
    r.base = r.commit("base")
    r.write(BIG, big_list())
    r.head = r.commit("a very large list file")
    r.big_sha = r.git("rev-parse", f"HEAD:{BIG}").strip()
    r.big_size = len(r.path(BIG).read_bytes())
    assert r.big_size > 150_000
    return r


@pytest.fixture
def streamed(monkeypatch):
    """The objects git was asked to stream (``cat-file --batch``): what was read, not only asked about."""
    seen: list[str] = []
    original = git.cmd.Git.stream_object_data

    def spy(self, ref):
        seen.append(ref.decode() if isinstance(ref, bytes) else str(ref))
        return original(self, ref)
    monkeypatch.setattr(git.cmd.Git, "stream_object_data", spy)
    return seen


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def limit_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if "[YAML-LIMIT]" in line]


def test_a_blob_over_the_budget_at_a_revision_is_refused_like_the_file_on_disk_and_never_read(repo, capsys,
                                                                                               streamed):
    code, out, err = run(capsys, "check", str(repo.root), "-q", "--at", "HEAD")
    assert code == 1 and "Traceback" not in err, err
    assert limit_lines(out) == [f"{BIG}:1:1: 错误 [YAML-LIMIT] 文件大小 {repo.big_size} 字节超过上限 32768 (file too large)"]
    assert streamed, "the other list files are read from git"
    assert repo.big_sha not in streamed
    # the same problem as the same file in the work tree gets
    code_disk, out_disk, _ = run(capsys, "check", str(repo.root), "-q")
    assert code_disk == 1 and limit_lines(out_disk) == limit_lines(out)
    # and the other files of the revision are checked as on disk
    assert out.splitlines() == out_disk.splitlines()


def test_read_blobs_asks_each_size_first(repo, streamed):
    small = repo.git("rev-parse", "HEAD:lists/powers/scjgj.yaml").strip()
    blobs = gitdoor.read_blobs(repo.root, [repo.big_sha, small], max_bytes=10_000)
    assert isinstance(blobs[repo.big_sha], gitdoor.OversizedBlob)
    assert (blobs[repo.big_sha].size, blobs[repo.big_sha].limit) == (repo.big_size, 10_000)
    assert bytes(blobs[repo.big_sha]) == b"" and b"scjgj" not in blobs[repo.big_sha]
    assert blobs[small] == repo.path("lists/powers/scjgj.yaml").read_bytes()
    assert streamed == [small]
    # without a budget given, the default of limits.max_file_bytes applies, and below it all is read
    assert gitdoor.read_blobs(repo.root, [repo.big_sha])[repo.big_sha] == repo.path(BIG).read_bytes()


def test_a_configured_budget_above_the_default_still_reads_the_blob(repo, capsys, monkeypatch, streamed):
    """The first batch is read under the default budget; a larger one in policykit.yaml reads the rest."""
    monkeypatch.setattr(gitdoor, "default_max_bytes", lambda: 100_000)
    repo.write("policykit.yaml", CONFIG + "limits: {max_file_bytes: 400000}\n")
    repo.commit("a larger budget")
    code, out, err = run(capsys, "check", str(repo.root), "-q", "--at", "HEAD")
    assert "Traceback" not in err and limit_lines(out) == []
    assert repo.big_sha in streamed


def test_an_oversized_configuration_at_a_revision_is_exit_2_located(repo, capsys, monkeypatch, streamed):
    """``policykit.yaml`` is read before its limits are known, under the default budget."""
    monkeypatch.setattr(gitdoor, "default_max_bytes", lambda: 4096)
    repo.write("policykit.yaml", CONFIG + "limits: {max_file_bytes: 32768}\n" + "# 注释\n" * 1000)
    sha = repo.commit("a padded configuration")
    config_sha = repo.git("rev-parse", "HEAD:policykit.yaml").strip()
    size = len(repo.path("policykit.yaml").read_bytes())
    code, out, err = run(capsys, "check", str(repo.root), "-q", "--at", "HEAD")
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.startswith(f"policykit: 错误: {sha[:7]}:policykit.yaml: [YAML-LIMIT] 文件大小 {size} 字节超过上限 4096"
                          "（limits.max_file_bytes），未读取")
    assert config_sha not in streamed and not any(ref.endswith(":policykit.yaml") for ref in streamed)
    with pytest.raises(gitdoor.InputError):
        gitdoor.read_file(repo.root, "HEAD", "policykit.yaml")


def test_the_review_of_a_pull_request_with_a_huge_list_does_not_read_it(repo, capsys, streamed):
    code, out, err = run(capsys, "diff", repo.base, repo.head, "--root", str(repo.root))
    assert code == 0 and "Traceback" not in err, err
    assert f"{BIG} 有错误" in out
    assert repo.big_sha not in streamed
    code, out, err = run(capsys, "diff", repo.base, repo.head, "--root", str(repo.root), "-f", "json")
    assert code == 0 and repo.big_sha not in streamed


def test_a_work_tree_file_over_the_budget_is_refused_in_a_review_not_shown_as_deleted(repo, capsys, monkeypatch):
    """The work tree side reads no file over the default budget; before, such a file vanished from
    the listing and the review reported its items as cancelled."""
    monkeypatch.setattr(gitdoor, "default_max_bytes", lambda: 100_000)
    repo.write("policykit.yaml", CONFIG)           # the default budget (64 MiB) in the configuration
    repo.write("lists/powers/scjgj.yaml", repo.text("lists/powers/scjgj.yaml") + big_list().split("\n", 2)[2])
    code, out, err = run(capsys, "diff", "HEAD", "--root", str(repo.root))
    assert code == 0 and "Traceback" not in err, err
    assert "工作区中的 lists/powers/scjgj.yaml 有错误，其中的事项未参与比较" in out
    assert "共 **0** 项调整" in out and "取消" not in out
