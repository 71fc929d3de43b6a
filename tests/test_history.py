"""history.py: the one module that reads git. Real throwaway repositories with scripted histories."""
from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest

import gitrepo
import policykit
from gitrepo import CLERK, Repo, copy_base
from policykit.lists import gitdoor as history
from policykit.cli import main
from policykit.errors import InputError, UsageError

BASE = Path(__file__).resolve().parents[1] / "rules" / "_base"
FOOD = "370199101XK00100"
AIR = "370199102CF00100"


git = functools.partial(gitrepo.git, **CLERK)


class Scripted(Repo):
    """A git repository holding the base city, changed and committed step by step."""

    def __init__(self, root: Path, date="2024-01-10T10:00:00+08:00"):
        super().__init__(copy_base(root), **CLERK)
        self.commit("初始清单", date)

    def commit(self, message, date, author=None) -> str:
        return super().commit(message, date, author, allow_empty=True)


@pytest.fixture
def hist(tmp_path):
    """初始清单 (01-10) → 改承办机构 (03-05) → 加备注 (06-30 23:30 +08) → 取消事项 (07-01 00:30 +08), tag v1."""
    h = Scripted(tmp_path / "city")
    h.edit("lists/powers/scjgj.yaml", "unit: 食品安全科", "unit: 办公室")
    h.shas = [h.sha("HEAD"), h.commit("改承办机构", "2024-03-05T09:00:00+08:00", author="李四")]
    h.git("tag", "v1")
    h.edit("lists/powers/scjgj.yaml", "    status: 在用", "    status: 在用\n    remark: 见说明")
    h.shas.append(h.commit("加备注", "2024-06-30T23:30:00+08:00"))
    h.write("lists/powers/sthjj.yaml", "department: sthjj\nitems: []\n")
    h.shas.append(h.commit("取消处罚事项", "2024-07-01T00:30:00+08:00"))
    return h


# ---- time travel ------------------------------------------------------------------------------
def test_open_repository_at_a_sha_a_tag_a_branch_and_a_relative_rev(hist):
    for at, sha in [(hist.shas[0], hist.shas[0]), ("v1", hist.shas[1]), ("main", hist.shas[3]),
                    ("HEAD~2", hist.shas[1])]:
        repo = policykit.open_repository(hist.root, at=at)
        assert repo.revision == sha
        assert repo.load_problems == []
    old = policykit.open_repository(hist.root, at=hist.shas[0])
    assert old.item(FOOD).unit == "食品安全科" and old.item(AIR) is not None
    v1 = policykit.open_repository(hist.root, at="v1")
    assert v1.item(FOOD).unit == "办公室" and v1.item(FOOD).remark is None
    now = policykit.open_repository(hist.root, at="HEAD")
    assert now.item(FOOD).remark == "见说明" and now.item(AIR) is None
    assert sorted(now.departments) == ["scjgj", "sthjj"] and [b.id for b in now.boundaries] == ["BJ-001"]


def test_time_travel_by_date_uses_the_end_of_the_day_in_the_committers_zone(hist):
    at = lambda day: policykit.open_repository(hist.root, at=day).revision  # noqa: E731
    assert at("2024-01-10") == hist.shas[0]
    assert at("2024-03-04") == hist.shas[0]
    assert at("2024-03-05") == hist.shas[1]
    assert at("2024-06-30") == hist.shas[2]   # 23:30 +08:00 is still 30 June
    assert at("2024-07-01") == hist.shas[3]   # 00:30 +08:00 (30 June 16:30 UTC) is 1 July
    assert at("2030-01-01") == hist.shas[3]
    with pytest.raises(InputError, match="2024-01-09 或之前没有任何提交"):
        policykit.open_repository(hist.root, at="2024-01-09")
    with pytest.raises(UsageError, match="日期无效"):
        policykit.open_repository(hist.root, at="2024-02-30")


def test_time_travel_by_date_follows_the_first_parent_line(hist):
    """A feature branch committed on 05-01 but merged on 07-05 is not part of the state on 06-01."""
    h = hist
    h.git("checkout", "-q", "-b", "feature", h.shas[1])
    h.edit("lists/powers/scjgj.yaml", "levels: [市级]", "levels: [市级, 县级]")
    feature = h.commit("增加县级", "2024-05-01T10:00:00+08:00")
    h.git("checkout", "-q", "main")
    h.git("merge", "-q", "--no-ff", "-m", "合并 feature", "feature", date="2024-07-05T10:00:00+08:00")
    merge = h.sha("HEAD")
    assert history.resolve(h.root, "2024-06-01") == h.shas[1]
    assert history.resolve(h.root, "2024-07-05") == merge
    assert policykit.open_repository(h.root, at="2024-06-01").item(FOOD).levels == ("市级",)
    assert policykit.open_repository(h.root, at="2024-07-05").item(FOOD).levels == ("市级", "县级")
    assert history.resolve(h.root, "feature") == feature


def test_revision_source_reads_like_the_work_tree(hist):
    from policykit.lists.sources import WorkTree
    src = history.revision_source(hist.root, "HEAD")
    tree = WorkTree(hist.root)
    assert src.revision == hist.shas[3] and src.label.startswith(hist.shas[3][:7])
    for directory in ("lists/powers", "lists/organizations", "lists", "lists/nothing"):
        assert src.list_files(directory) == tree.list_files(directory)
    assert src.read_bytes("lists/powers/scjgj.yaml") == (hist.root / "lists/powers/scjgj.yaml").read_bytes()
    assert src.exists("lists/waivers.yaml") and src.exists("lists/powers") and not src.exists("lists/x.yaml")
    with pytest.raises(FileNotFoundError):
        src.read_bytes("lists/x.yaml")


def test_list_files_orders_files_before_subdirectories_like_os_walk(tmp_path):
    h = Scripted(tmp_path / "city")
    h.write("lists/boundaries/z/BJ-009.yaml", "x: 1\n")
    h.write("lists/boundaries/a.yaml", "x: 1\n")
    h.write("lists/boundaries/.hidden.yaml", "x: 1\n")
    h.write("lists/boundaries/notes.txt", "x\n")
    h.commit("更多文件", "2024-02-01T10:00:00+08:00")
    from policykit.lists.sources import WorkTree
    expected = ["lists/boundaries/BJ-001.yaml", "lists/boundaries/a.yaml", "lists/boundaries/z/BJ-009.yaml"]
    assert WorkTree(h.root).list_files("lists/boundaries") == expected
    assert history.revision_source(h.root, "HEAD").list_files("lists/boundaries") == expected


def test_a_root_below_the_top_of_the_work_tree(tmp_path):
    top = tmp_path / "top"
    top.mkdir()
    git(top, "init", "-q", "-b", "main")
    shutil.copytree(BASE, top / "city")
    (top / "README").write_text("x\n", encoding="utf-8")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "init", date="2024-01-01T10:00:00+08:00")
    repo = policykit.open_repository(top / "city", at="HEAD")
    assert repo.load_problems == [] and repo.item(FOOD).unit == "食品安全科"
    assert set(history.tree_files(top / "city", "HEAD")) >= {"lists/powers/scjgj.yaml", "lists/waivers.yaml"}
    assert "README" not in history.tree_files(top / "city", "HEAD")
    commits = history.commits(top / "city", "HEAD", paths=["lists"])
    assert [c.subject for c in commits] == ["init"]


# ---- commits, merge bases, blobs ----------------------------------------------------------------
def test_commits_touching_paths_with_authors_dates_and_trailers(hist):
    h = hist
    h.edit("lists/boundaries/BJ-001.yaml", "纳入部门履职评估", "纳入部门履职评估和年度考核")
    h.commit("完善督促落实\n\n正文一行。\n\n调整类型: 职责调整\nSigned-off-by: 王五 <w@example.cn>\n",
             "2024-08-01T10:00:00+08:00", author="王五")
    (h.root / "notes.md").write_text("无关\n", encoding="utf-8")
    h.commit("无关文件", "2024-08-02T10:00:00+08:00")
    every = history.commits(h.root, "HEAD")
    assert [c.subject for c in every] == ["无关文件", "完善督促落实", "取消处罚事项", "加备注", "改承办机构", "初始清单"]
    lists = history.commits(h.root, "HEAD", paths=["lists"])
    assert [c.subject for c in lists] == ["完善督促落实", "取消处罚事项", "加备注", "改承办机构", "初始清单"]
    powers = history.commits(h.root, "HEAD", paths=["lists/powers/sthjj.yaml"])
    assert [c.subject for c in powers] == ["取消处罚事项", "初始清单"]
    c = lists[0]
    assert (c.author, c.author_email, c.committed, c.authored) == (
        "王五", "clerk@example.cn", "2024-08-01T10:00:00+08:00", "2024-08-01T10:00:00+08:00")
    assert c.trailers == (("调整类型", "职责调整"), ("Signed-off-by", "王五 <w@example.cn>"))
    assert c.message.startswith("完善督促落实\n\n正文一行。\n") and c.parents == (h.shas[3],)
    since = history.commits(h.root, "HEAD", since="v1", paths=["lists"])
    assert [c.subject for c in since] == ["完善督促落实", "取消处罚事项", "加备注"]
    assert history.commit_info(h.root, "v1").subject == "改承办机构"


def test_merge_base_and_default_base(hist):
    h = hist
    h.git("checkout", "-q", "-b", "topic")
    h.edit("lists/powers/scjgj.yaml", "levels: [市级]", "levels: [县级]")
    h.commit("改层级", "2024-08-01T10:00:00+08:00")
    assert history.merge_base(h.root, "topic", "main") == h.shas[3]
    assert history.default_base(h.root) == h.shas[3]
    h.git("branch", "-m", "main", "master")
    assert history.default_base(h.root) == h.shas[3]
    h.git("branch", "-m", "master", "trunk")
    with pytest.raises(UsageError, match="找不到 main 或 master"):
        history.default_base(h.root)


def test_trees_blobs_deltas_and_the_work_tree(hist):
    h = hist
    files = history.tree_files(h.root, "v1", ("lists/powers",))
    assert sorted(files) == ["lists/powers/scjgj.yaml", "lists/powers/sthjj.yaml"]
    mode, sha = files["lists/powers/scjgj.yaml"]
    assert mode == "100644"
    blob = history.read_blobs(h.root, [sha])[sha]
    assert b"unit: \xe5\x8a\x9e\xe5\x85\xac\xe5\xae\xa4" in blob  # 办公室
    assert history.blob_sha(blob) == sha
    assert history.read_file(h.root, "v1", "lists/powers/scjgj.yaml") == blob
    assert history.read_file(h.root, "v1", "lists/nope.yaml") is None
    deltas = history.diff_tree(h.root, h.shas[2], h.shas[3])
    assert [(d.path, d.status) for d in deltas] == [("lists/powers/sthjj.yaml", "M")]
    first = history.diff_tree(h.root, None, h.shas[0], ("lists/powers",))
    assert [(d.path, d.status, d.old_sha) for d in first] == [
        ("lists/powers/scjgj.yaml", "A", None), ("lists/powers/sthjj.yaml", "A", None)]
    ids, contents = history.worktree_files(h.root, ("lists/powers",))
    head = history.tree_files(h.root, "HEAD", ("lists/powers",))
    assert ids == {rel: s for rel, (m, s) in head.items()}
    out = h.git("hash-object", "lists/powers/scjgj.yaml").strip()
    assert ids["lists/powers/scjgj.yaml"] == out and contents["lists/powers/scjgj.yaml"].startswith(b"department")


def test_work_tree_against_a_revision(hist):
    h = hist
    assert history.worktree_deltas(h.root, "HEAD", ("lists",)) == []
    h.edit("lists/powers/scjgj.yaml", "levels: [市级]", "levels: [县级]")
    (h.root / "lists/waivers.yaml").unlink()
    h.write("lists/boundaries/BJ-002.yaml", "id: BJ-002\n")
    deltas = history.worktree_deltas(h.root, "HEAD", ("lists",))
    assert [(d.path, d.status) for d in deltas] == [
        ("lists/boundaries/BJ-002.yaml", "A"), ("lists/powers/scjgj.yaml", "M"), ("lists/waivers.yaml", "D")]
    assert deltas[1].old_sha == history.tree_files(h.root, "HEAD")["lists/powers/scjgj.yaml"][1]
    assert [d.path for d in history.worktree_deltas(h.root, "v1", ("lists/powers",))] == [
        "lists/powers/scjgj.yaml", "lists/powers/sthjj.yaml"]


def test_the_index_is_a_side_too(hist):
    h = hist
    h.edit("lists/powers/scjgj.yaml", "levels: [市级]", "levels: [县级]")
    h.git("add", "lists/powers/scjgj.yaml")
    h.edit("lists/powers/scjgj.yaml", "levels: [县级]", "levels: [省级]")  # unstaged on top
    staged = history.index_source(h.root)
    from policykit import open_repository
    repo = open_repository(h.root, source=staged)
    assert repo.item(FOOD).levels == ("县级",)
    assert policykit.open_repository(h.root).item(FOOD).levels == ("省级",)


# ---- errors are clear, never tracebacks ------------------------------------------------------------
def test_not_a_repository(city):
    with pytest.raises(InputError, match="不是 git 仓库"):
        policykit.open_repository(city.root, at="HEAD")


def test_unknown_revision_and_empty_repository(tmp_path, hist):
    with pytest.raises(InputError, match="找不到修订「nope」"):
        policykit.open_repository(hist.root, at="nope")
    with pytest.raises(UsageError):
        history.resolve(hist.root, "--output=/tmp/x")
    empty = tmp_path / "empty"
    shutil.copytree(BASE, empty)
    git(empty, "init", "-q", "-b", "main")
    with pytest.raises(InputError, match="还没有任何提交"):
        policykit.open_repository(empty, at="HEAD")


def test_shallow_clone_says_so(tmp_path, hist):
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{hist.root}", str(clone))
    assert policykit.open_repository(clone, at="HEAD").item(AIR) is None
    with pytest.raises(InputError, match="浅克隆") as err:
        policykit.open_repository(clone, at="HEAD~1")
    assert "fetch-depth: 0" in err.value.hint
    with pytest.raises(InputError, match="浅克隆"):
        policykit.open_repository(clone, at="2024-03-05")
    with pytest.raises(InputError, match="浅克隆"):
        history.resolve(clone, hist.shas[0])


def test_corrupt_object_store_is_an_input_error(hist, capsys):
    blob = history.tree_files(hist.root, "HEAD")["lists/powers/scjgj.yaml"][1]
    obj = hist.root / ".git" / "objects" / blob[:2] / blob[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"garbage")
    with pytest.raises(InputError, match="读取 git 仓库失败") as err:
        policykit.open_repository(hist.root, at="HEAD")
    assert "git fsck" in err.value.hint
    assert main(["check", str(hist.root), "--at", "HEAD", "-q"]) == 2
    stderr = capsys.readouterr().err
    assert "读取 git 仓库失败" in stderr and "Traceback" not in stderr


def cat_files():
    """Our child `git cat-file` processes."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"cat-file" in cmd:
            out.append(pid)
    return out


def test_every_repo_is_closed(hist):
    """No `git cat-file` process outlives a call."""
    children = cat_files
    policykit.open_repository(hist.root, at="HEAD~2")
    history.read_blobs(hist.root, [history.tree_files(hist.root, "HEAD")["lists/waivers.yaml"][1]])
    history.commits(hist.root, "HEAD", paths=["lists"])
    from policykit.history import diff
    diff.diff(hist.root, "HEAD~3", "HEAD")
    assert children() == []


def test_a_session_shares_one_repository_and_closes_it(hist):
    with history.session(hist.root):
        blob = history.tree_files(hist.root, "HEAD")["lists/waivers.yaml"][1]
        history.read_blobs(hist.root, [blob])
        during = cat_files()
        with history.session(hist.root):  # nested: the same repository
            assert history.read_file(hist.root, "HEAD", "lists/waivers.yaml") == b"waivers: []\n"
            history.read_blobs(hist.root, [blob])
        assert cat_files() == during and 1 <= len(during) <= 2
        with pytest.raises(InputError, match="找不到修订"):  # errors inside a session are still clear
            history.resolve(hist.root, "nope")
    assert cat_files() == []


def test_trailers_of_the_final_paragraph():
    assert history.parse_trailers("标题\n\n正文\n\n调整类型：纠错\nSigned-off-by: A <a@x>\n  续行\n") == (
        ("调整类型", "纠错"), ("Signed-off-by", "A <a@x> 续行"))
    assert history.parse_trailers("标题\n\n正文：不是尾注，因为\n这一行不是键值\n") == ()
    assert history.parse_trailers("只有标题: 没有正文\n") == ()


def test_check_at_a_revision_through_the_cli(hist, capsys):
    import json
    # the bundled rules change as they are written; what matters here is that v1 was read
    assert main(["check", str(hist.root), "--at", "v1", "-q", "--engine", "oracle", "-f", "json"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["files"] == 9
    assert not [p for p in report["problems"] if p["rule"].startswith(("YAML-", "FILE-", "SCHEMA-"))]
    assert main(["check", str(hist.root), "--at", "nope", "-q"]) == 2
    assert "找不到修订「nope」" in capsys.readouterr().err
