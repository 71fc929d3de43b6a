"""Nothing outside the work tree is read through the tree, nothing but a regular file is opened,
size limits hold before reading, and the parse cache cannot be poisoned or made to crash a check.

Each test is one attack (or one failure of the machine) and asserts the safe outcome: the exit
code, the located Chinese problem, the outside file's content echoed nowhere, nothing copied, a
FIFO that never blocks, a 3 GB file never read, a cache nobody else could write.
"""
from __future__ import annotations

import datetime as dt
import errno
import json
import os
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policykit.speed import cache, memo as check_memo
from policykit.cli import main

from conftest import BASE, UNKNOWN_FIELD, git
from gitrepo import Repo

SECRET = "PK-OUTSIDE-SECRET-7f3a9c"
GIB3 = 3 * 2**30


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    """Every test gets a cache directory of its own, and warnings are not deduplicated across tests."""
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_WARNED", set(), raising=False)


class _Timeout(Exception):
    pass


def run(capsys, *args, seconds: int = 60):
    """``main(args)`` under an alarm: a blocked open (a FIFO) fails the test instead of hanging it."""
    def fire(*_):
        raise _Timeout(f"policykit {' '.join(args)} still running after {seconds} s")
    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        code = main(list(args))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    out, err = capsys.readouterr()
    return code, out, err


def outside_dir(tmp_path) -> Path:
    """A directory beside the repository holding what a pull request must never get at."""
    out = tmp_path / "outside"
    (out / "powers").mkdir(parents=True, exist_ok=True)
    (out / "secret.yaml").write_text(f"department: scjgj\nitems: []\n{SECRET}: 1\n", encoding="utf-8")
    (out / "powers" / "leak.yaml").write_text(f"department: {SECRET}\nitems: []\n", encoding="utf-8")
    (out / "rule.yaml").write_text(f"id: X-LEAK\n{SECRET}: 1\n", encoding="utf-8")
    (out / "powers.schema.json").write_text(json.dumps({"title": SECRET}), encoding="utf-8")
    return out


def line_of(out: str, needle: str) -> str:
    return next(line for line in out.splitlines() if needle in line)


# ---- links out of the repository, into .git, loops --------------------------------------------


def test_a_rules_directory_linked_out_of_the_repository_is_never_read(city, capsys, tmp_path):
    out_dir = outside_dir(tmp_path)
    root = city({})
    (root / "rules").symlink_to(out_dir)
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    # no rule is loaded: the refusal is the check's error (exit 1), or the reason no rule could be
    # loaded (exit 2) — never a clean result
    assert (code, "rules:1:1: 错误 [FILE-OUTSIDE] 符号链接指向仓库之外" in out) == (1, True) or \
        (code, "rules:1:1 [FILE-OUTSIDE] 符号链接指向仓库之外" in err) == (2, True), out + err
    assert SECRET not in out + err
    code, out, err = run(capsys, "test", str(root))
    assert code in (1, 2) and "rules:1:1: [FILE-OUTSIDE] 符号链接指向仓库之外，已拒绝读取" in out
    assert SECRET not in out + err


def test_a_lists_directory_linked_out_of_the_repository_is_never_read(city, capsys, tmp_path):
    from policykit.lists.sources import WorkTree
    out_dir = outside_dir(tmp_path)
    config = (Path(__file__).resolve().parents[1] / "policykit.yaml").read_text(encoding="utf-8")
    assert "\nlists_dir: lists\n" in config
    root = city({"policykit.yaml": config.replace("\nlists_dir: lists\n", "\nlists_dir: l2\n")})
    (root / "l2").symlink_to(out_dir)
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    # policykit.yaml's own check (CONFIG-OUTSIDE, exit 2) or the listing (FILE-OUTSIDE, exit 1)
    # answers first; either way the directory is refused and nothing in it is read
    assert code in (1, 2) and "仓库之外" in out + err
    assert SECRET not in out + err
    tree = WorkTree(root)
    assert tree.list_files("l2/powers") == [] and not tree.exists("l2/waivers.yaml")
    assert [p.location() + " " + p.rule for p in tree.problems] == ["l2:1:1 FILE-OUTSIDE"]


def test_a_linked_subdirectory_leading_out_is_reported_and_not_entered(city, capsys, tmp_path):
    out_dir = outside_dir(tmp_path)
    root = city({})
    (root / "lists/powers/more").symlink_to(out_dir / "powers")
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1
    assert "lists/powers/more:1:1: 错误 [FILE-OUTSIDE] 符号链接指向仓库之外" in out
    assert "leak.yaml" not in out and SECRET not in out + err


def test_a_list_file_linked_out_of_the_repository_is_never_read(city, capsys, tmp_path):
    out_dir = outside_dir(tmp_path)
    root = city({})
    (root / "lists/powers/evil.yaml").symlink_to(out_dir / "secret.yaml")
    (root / "lists/tasks").rename(root / "lists/tasks-real")
    (root / "lists/tasks").symlink_to(out_dir / "powers")        # a listed directory, linked out
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1
    assert "lists/powers/evil.yaml:1:1: 错误 [FILE-OUTSIDE] 符号链接指向仓库之外，已拒绝读取" in out
    assert "lists/tasks:1:1: 错误 [FILE-OUTSIDE]" in out
    assert SECRET not in out + err


@pytest.mark.parametrize("linked", ["directory", "file"])
def test_schemas_linked_out_of_the_repository_are_a_usage_error(city, capsys, tmp_path, linked):
    out_dir = outside_dir(tmp_path)
    root = city({})
    if linked == "directory":
        (root / "schemas").symlink_to(out_dir)
    else:
        (root / "schemas").mkdir()
        (root / "schemas/powers.schema.json").symlink_to(out_dir / "powers.schema.json")
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 2
    assert "[FILE-OUTSIDE]" in err and "模式文件无法使用" in err and "schemas/" in err
    assert SECRET not in out + err and "Traceback" not in err


def _rules_repo(city, tmp_path) -> Path:
    """A repository with one rule of its own and rules/_base (for ``policykit test``)."""
    root = city({})
    rules = root / "rules"
    (rules / "power").mkdir(parents=True)
    bundled = Path(__file__).resolve().parents[1] / "rules" / "power" / "code-format.yaml"
    shutil.copy(bundled, rules / "power" / "code-format.yaml")
    shutil.copytree(BASE, rules / "_base")
    return root


@pytest.mark.parametrize("hostile", ["outside", "git", "fifo", "loop"])
def test_policykit_test_copies_nothing_through_a_link_or_a_fifo(city, capsys, tmp_path, monkeypatch, hostile):
    import tempfile
    out_dir = outside_dir(tmp_path)
    root = _rules_repo(city, tmp_path)
    git(root, "init", "-q")
    target = root / "rules/_base/lists/powers/evil.yaml"
    if hostile == "outside":
        target.symlink_to(out_dir / "secret.yaml")
    elif hostile == "git":
        target.symlink_to("../../../../.git/config")
    elif hostile == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("evil.yaml")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    code, out, err = run(capsys, "test", str(root), seconds=60)
    assert code == 2
    rule = {"outside": "FILE-OUTSIDE", "git": "FILE-OUTSIDE", "fifo": "FILE-NOT-REGULAR", "loop": "FILE-LOOP"}[hostile]
    assert f"rules/_base/lists/powers/evil.yaml:1:1 [{rule}]" in err and "未复制任何文件" in err
    assert SECRET not in out + err and "repositoryformatversion" not in out + err
    assert list(scratch.iterdir()) == []       # nothing copied anywhere


def test_links_into_git_are_refused(city, capsys):
    root = city({})
    git(root, "init", "-q")
    (root / "lists/powers/g.yaml").symlink_to("../../.git/config")
    (root / "lists/catalogs/head.yaml").symlink_to("../../.git/HEAD")
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1
    for rel in ("lists/powers/g.yaml", "lists/catalogs/head.yaml"):
        line = line_of(out, rel)
        assert line.startswith(f"{rel}:1:1: 错误 [FILE-OUTSIDE]") and ".git" in line
    assert "repositoryformatversion" not in out + err and "refs/heads" not in out + err
    (root / "policykit.yaml").symlink_to(".git/config")
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1 and "policykit.yaml:1:1: 错误 [FILE-OUTSIDE]" in out
    assert "repositoryformatversion" not in out + err


def test_symlink_loops_are_a_located_problem_not_a_crash(city, capsys):
    root = city({})
    (root / "lists/powers/loop.yaml").symlink_to("loop.yaml")
    (root / "lists/tasks/a.yaml").symlink_to("b.yaml")
    (root / "lists/tasks/b.yaml").symlink_to("a.yaml")
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1 and "内部错误" not in err
    for rel in ("lists/powers/loop.yaml", "lists/tasks/a.yaml", "lists/tasks/b.yaml"):
        assert f"{rel}:1:1: 错误 [FILE-LOOP] 符号链接构成循环" in out
    (root / "policykit.yaml").symlink_to("policykit.yaml")
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1 and "policykit.yaml:1:1: 错误 [FILE-LOOP]" in out and "内部错误" not in err


def test_links_inside_the_repository_are_still_followed(city, capsys):
    root = city({})
    (root / "shared").mkdir()
    (root / "lists/powers/scjgj.yaml").rename(root / "shared/scjgj.yaml")
    (root / "lists/powers/scjgj.yaml").symlink_to("../../shared/scjgj.yaml")
    code, out, _ = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 0, out
    (root / "lists/powers/gone.yaml").symlink_to("../../shared/nowhere.yaml")
    code, out, _ = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1 and "lists/powers/gone.yaml:1:1: 错误 [FILE-UNREADABLE] 符号链接指向的文件不存在" in out


# ---- FIFOs, sockets, sizes -------------------------------------------------------------------------


def test_fifos_and_sockets_are_skipped_and_never_opened(city, capsys, monkeypatch):
    root = city({})
    os.mkfifo(root / "lists/powers/pipe.yaml")
    os.mkfifo(root / "lists/notes.fifo")               # not a list file: only the memo walks it
    os.mkfifo(root / "lists/target")
    (root / "lists/catalogs/via.yaml").symlink_to("../target")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "lists/tasks/sock.yaml"))
    opened = []
    real_open = os.open

    def spy(path, *args, **kwargs):
        opened.append(os.fsdecode(path))
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr(os, "open", spy)
    try:
        for _ in range(2):  # the second run goes through the stored stat index and memo key
            start = time.monotonic()
            code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle", seconds=30)
            assert time.monotonic() - start < 20
            assert code == 1, out + err
            assert "lists/powers/pipe.yaml:1:1: 错误 [FILE-NOT-REGULAR] 不是普通文件（命名管道 FIFO），已跳过" in out
            assert "lists/tasks/sock.yaml:1:1: 错误 [FILE-NOT-REGULAR] 不是普通文件（套接字 socket）" in out
            assert "lists/catalogs/via.yaml:1:1: 错误 [FILE-NOT-REGULAR]" in out
            assert "notes.fifo" not in out
    finally:
        sock.close()
    assert not [p for p in opened if p.endswith(("pipe.yaml", "notes.fifo", "target", "sock.yaml"))]
    (root / "policykit.yaml").unlink(missing_ok=True)
    os.mkfifo(root / "policykit.yaml")
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle", seconds=30)
    assert code == 1 and "policykit.yaml:1:1: 错误 [FILE-NOT-REGULAR]" in out


def test_a_fifo_among_the_rules_or_schemas_never_blocks(city, capsys, tmp_path):
    root = _rules_repo(city, tmp_path)
    os.mkfifo(root / "rules/power/pipe.yaml")
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle", seconds=30)
    assert code == 1 and "rules/power/pipe.yaml:1:1: 错误 [FILE-NOT-REGULAR]" in out
    (root / "schemas").mkdir()
    os.mkfifo(root / "schemas/powers.schema.json")
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle", seconds=30)
    assert code == 2 and "schemas/powers.schema.json:1:1: [FILE-NOT-REGULAR]" in err


def test_the_work_tree_side_of_a_diff_opens_no_fifo_and_follows_no_link_out(city, capsys, tmp_path):
    out_dir = outside_dir(tmp_path)
    root = city({})
    Repo(root).commit("基线")
    os.mkfifo(root / "lists/powers/pipe.yaml")
    (root / "lists/powers/evil.yaml").symlink_to(out_dir / "secret.yaml")
    (root / "lists/powers/leak").symlink_to(out_dir / "powers")
    code, out, err = run(capsys, "diff", "HEAD", "--root", str(root), "-f", "json", seconds=30)
    assert code == 0, err
    assert SECRET not in out + err and "pipe.yaml" not in out and "evil.yaml" not in out
    # policykit.yaml linked out: its change_levels would be read, and an unknown key echoed
    (out_dir / "levels.yaml").write_text(f"change_levels:\n  {SECRET}: major\n", encoding="utf-8")
    (root / "policykit.yaml").symlink_to(out_dir / "levels.yaml")
    code, out, err = run(capsys, "diff", "HEAD", "--root", str(root), "-f", "json", seconds=30)
    assert code == 0 and SECRET not in out + err


def _sparse(path: Path, size: int = GIB3) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.truncate(size)     # a hole: no disk, and reading it would cost 3 GB of memory


def test_a_3_gb_file_is_refused_before_it_is_read(city, capsys):
    from policykit import open_repository
    root = city({})
    _sparse(root / "lists/powers/big.yaml")
    _sparse(root / "lists/attachment.bin")          # not a list file: the memo key must not read it
    start = time.perf_counter()
    repo = open_repository(root)
    assert time.perf_counter() - start < 2
    big = [p for p in repo.load_problems if p.file == "lists/powers/big.yaml"]
    assert [(p.rule, p.message) for p in big] == [
        ("YAML-LIMIT", f"文件大小 {GIB3} 字节超过上限 {64 * 2**20} (file too large)")]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1
    assert f"lists/powers/big.yaml:1:1: 错误 [YAML-LIMIT] 文件大小 {GIB3} 字节超过上限" in out
    assert "attachment.bin" not in out
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 256 * 1024   # KiB: nothing read whole


def test_oversized_configuration_rules_and_schemas_are_refused_before_reading(city, capsys, tmp_path):
    root = _rules_repo(city, tmp_path)
    _sparse(root / "rules/power/huge.yaml")
    start = time.perf_counter()
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1 and f"rules/power/huge.yaml:1:1: 错误 [YAML-LIMIT] 文件大小 {GIB3} 字节" in out
    (root / "rules/power/huge.yaml").unlink()
    _sparse(root / "policykit.yaml")
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1 and f"policykit.yaml:1:1: 错误 [YAML-LIMIT] 文件大小 {GIB3} 字节" in out
    (root / "policykit.yaml").unlink()
    _sparse(root / "schemas/powers.schema.json")
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 2 and "[YAML-LIMIT]" in err and "模式文件无法使用" in err
    assert time.perf_counter() - start < 30


# ---- the cache: trusted only when nobody else could have written it -------------------------------


def _memo_key(root: Path) -> str:
    from policykit.checking.check import rules_dir_for
    from policykit.lists.config import load_config
    config = load_config(root)[0]
    return check_memo.key_for(root.resolve(), config=config, rules_dir=rules_dir_for(root, config.rules_dir),
                              engine="oracle", today=dt.date.today(), legal_date=None)


def _forge_clean_result(root: Path) -> None:
    """Rewrite the remembered result of ``root`` as "no problem", signed with the cache's secret:
    what anyone who can write the cache directory (and so choose its secret) can do."""
    store = cache.Store.for_root(root)
    key = _memo_key(root)
    body = json.loads(store.get(key))
    assert body["problems"]
    body["problems"] = []
    store.put(key, json.dumps(body, ensure_ascii=False).encode("utf-8"))


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("policykit: 警告")]


def test_a_forged_result_in_a_cache_others_can_write_is_not_trusted(city, capsys, tmp_path):
    root = city({"lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    code, out, _ = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1 and "[SCHEMA-POWERS]" in out
    _forge_clean_result(root)
    # control: in a cache only its owner can write, the owner's own entry is believed
    code, out, err = run(capsys, "check", str(root), "--engine", "oracle")
    assert code == 0 and "沿用上次检查结果" in err
    base = tmp_path / "cache"
    base.chmod(0o777)
    code, out, err = run(capsys, "check", str(root), "--engine", "oracle")
    assert code == 1 and "[SCHEMA-POWERS]" in out and "沿用上次检查结果" not in err
    assert _warnings(err) == [
        f"policykit: 警告 (warning): 缓存目录 {base} 可被同组或其他用户写入（drwxrwxrwx），本次不使用缓存；"
        f"请执行 chmod go-w {base} (cache directory writable by group or others: running without the cache)"]


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
@pytest.mark.parametrize("which", ["base", "repository", "secret"])
def test_a_cache_owned_by_another_user_is_not_trusted(city, capsys, tmp_path, which):
    root = city({"lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    run(capsys, "check", str(root), "-q", "--engine", "oracle")
    _forge_clean_result(root)
    base = tmp_path / "cache"
    target = {"base": base, "secret": base / "secret",
              "repository": cache.Store.for_root(root).dir}[which]
    os.chown(target, 65534, 65534)
    code, out, err = run(capsys, "check", str(root), "--engine", "oracle")
    assert code == 1 and "[SCHEMA-POWERS]" in out and "沿用上次检查结果" not in err
    [warning] = _warnings(err)
    assert "不属于当前用户（属主 uid 65534）" in warning and "本次不使用缓存" in warning


@pytest.mark.parametrize("how", ["link", "readable", "fifo"])
def test_a_secret_that_is_a_link_a_fifo_or_open_to_others_is_refused(city, capsys, tmp_path, how):
    root = city({"lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    run(capsys, "check", str(root), "-q", "--engine", "oracle")
    _forge_clean_result(root)
    secret = tmp_path / "cache" / "secret"
    if how == "link":
        planted = tmp_path / "planted-secret"
        planted.write_bytes(secret.read_bytes())
        planted.chmod(0o600)
        secret.unlink()
        secret.symlink_to(planted)
    elif how == "readable":
        secret.chmod(0o644)
    else:
        secret.unlink()
        os.mkfifo(secret, 0o600)
    code, out, err = run(capsys, "check", str(root), "--engine", "oracle", seconds=30)
    assert code == 1 and "[SCHEMA-POWERS]" in out
    [warning] = _warnings(err)
    assert f"缓存密钥 {secret}" in warning and "本次不使用缓存" in warning


def test_the_cache_is_created_private(city, capsys, tmp_path):
    root = city({})
    code, _, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 0 and not _warnings(err)
    base = tmp_path / "cache"
    store = cache.Store.for_root(root)
    assert stat.S_IMODE(base.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.dir.stat().st_mode) == 0o700
    secret = base / "secret"
    assert stat.S_ISREG(secret.lstat().st_mode) and stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_bytes().strip()) == 64
    packs = store.dir / "packs"
    assert stat.S_IMODE(packs.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in packs.iterdir()} == {0o600}
    assert not list(base.rglob("*.tmp"))


@pytest.mark.parametrize("when", ["fresh", "warm"])
def test_a_full_disk_costs_only_speed(city, capsys, tmp_path, monkeypatch, when):
    """Every write into the cache fails with ENOSPC: one warning line, the same result, no exit 3."""
    root = city({"lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    base = tmp_path / "cache"
    if when == "warm":
        code, reference, _ = run(capsys, "check", str(root), "-q", "--engine", "oracle")
        (root / "lists/tasks/scjgj.yaml").write_text(
            (root / "lists/tasks/scjgj.yaml").read_text(encoding="utf-8") + "\n# 改动\n", encoding="utf-8")
    real_write = os.write

    def full(fd, data):
        try:
            where = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            where = ""
        if where.startswith(str(base)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)
    monkeypatch.setattr(os, "write", full)
    code, out, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1 and "[SCHEMA-POWERS]" in out and "内部错误" not in err
    if when == "warm":
        assert out == reference
    [warning] = _warnings(err)
    assert warning.startswith("policykit: 警告 (warning): 无法写入缓存目录 ") and "本次检查不使用缓存继续" in warning
    assert not list(base.rglob("*.tmp")) and not list(base.rglob(".secret-*"))
    monkeypatch.setattr(os, "write", real_write)
    code, again, err = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    assert code == 1 and again == out and not _warnings(err)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="a read-only directory binds root only without CAP_DAC_OVERRIDE (setpriv)")
def test_a_read_only_cache_costs_only_speed(city, capsys, tmp_path):
    """The cache directory cannot be written (as a user without write permission sees it): the
    check runs, reads what it can, warns once and exits as it would without a cache."""
    root = city({"lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    code, reference, _ = run(capsys, "check", str(root), "-q", "--engine", "oracle")
    (root / "lists/tasks/scjgj.yaml").write_text(
        (root / "lists/tasks/scjgj.yaml").read_text(encoding="utf-8") + "\n# 改动\n", encoding="utf-8")
    base = tmp_path / "cache"
    for d in [base, *[p for p in base.rglob("*") if p.is_dir()]]:
        d.chmod(0o500)
    env = dict(os.environ, POLICYKIT_CACHE_DIR=str(base))
    proc = subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--",
                           sys.executable, "-m", "policykit", "check", str(root), "-q", "--engine", "oracle"],
                          env=env, capture_output=True, text=True, timeout=120)
    for d in [base, *[p for p in base.rglob("*") if p.is_dir()]]:
        d.chmod(0o700)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == reference
    [warning] = _warnings(proc.stderr)
    assert "无法写入缓存目录" in warning and "本次检查不使用缓存继续" in warning
    assert "Traceback" not in proc.stderr
