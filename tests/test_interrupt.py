"""Nothing lost: every writing command, killed (SIGKILL) at any point, leaves the repository as it was.

Each test runs the real CLI as a subprocess on a copy of the bundled repository, in a real git
repository with an uncommitted user edit, and kills it

* at every checkpoint of ``writing.py`` in turn (``POLICYKIT_TEST_KILL_AT=N``: half-way through
  each temporary file, before each rename, before the journal is dropped, around the site swap),
* and, for the slow ``docs build``, after fixed delays while mkdocs is working.

After each kill: every file of the work tree is byte-identical to before, except outputs of the
command that are *wholly* new (never a partial file); the user's edit is intact; no temporary file
is left in the work tree. After :func:`policykit.io.writing.recover` (which every writing command runs
first) the work tree is byte-identical to before and the staging directory is empty.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitrepo import Repo, copy_bundled, git
from policykit.io import writing
from policykit.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "spreadsheets"
USER_FILE = "lists/boundaries/BJ-001.yaml"
USER_EDIT = "\n# 用户尚未提交的修改 · an uncommitted edit\n"


def cli(root, *args, kill_at=None, env_extra=None, timeout=120):
    env = {k: v for k, v in os.environ.items() if k != writing.KILL_ENV}
    env["HOME"] = str(root)
    if kill_at is not None:
        env[writing.KILL_ENV] = str(kill_at)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "policykit", *map(str, args)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=timeout)


def snapshot(root: Path) -> dict:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            p = Path(dirpath) / name
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def staged_leftovers(root: Path) -> list:
    stage = root / ".git" / writing.STAGING
    return sorted(os.listdir(stage)) if stage.is_dir() else []


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The bundled repository (lists, rules, schemas, config, site config) committed in git."""
    repo = Repo(copy_bundled(tmp_path_factory.mktemp("bundled") / "repo", "rules", "schemas", "mkdocs.yml",
                             "docs/index.md"))
    repo.commit("清单")
    return repo.root


@pytest.fixture
def repo(template, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    with open(root / USER_FILE, "a", encoding="utf-8") as fh:
        fh.write(USER_EDIT)
    return root


LONG = os.environ.get("POLICYKIT_FUZZ", "").lower() == "long"


def same(rel: str, a: bytes | None, b: bytes | None) -> bool:
    """Equal bytes; for xlsx, equal members (zip timestamps and docProps/core.xml differ per run)."""
    if a is None or b is None or not rel.endswith(".xlsx"):
        return a == b
    import io
    import zipfile
    try:
        za, zb = zipfile.ZipFile(io.BytesIO(a)), zipfile.ZipFile(io.BytesIO(b))
        members = lambda z: {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}  # noqa: E731
        return members(za) == members(zb)
    except zipfile.BadZipFile:
        return False


def checkpoints(k: int) -> list:
    """Checkpoints of one ``write_files_atomically`` of ``k`` files: half-way through each temporary
    file (1…k), before each rename (k+1…2k), before the journal is dropped (2k+1). CI tries the
    telling ones; POLICYKIT_FUZZ=long tries all."""
    if LONG:
        return list(range(1, 2 * k + 2))
    return sorted({1, k + 1, min(k + 2, 2 * k), 2 * k + 1})


def kill_at_every_checkpoint(root: Path, args: list, expected: dict) -> int:
    """Run ``args`` killed at each checkpoint, then uninterrupted; check the tree after each.
    ``expected``: the work tree of an uninterrupted run. Returns how many kills were made."""
    before = snapshot(root)
    changed = {rel for rel in set(before) | set(expected) if not same(rel, before.get(rel), expected.get(rel))}
    assert changed, "the command must write something for this test to mean anything"
    kills = 0
    for n in checkpoints(len(changed)):
        proc = cli(root, *args, kill_at=n)
        assert proc.returncode == -signal.SIGKILL, f"checkpoint {n} was not reached: {proc.stderr[-1000:]}"
        kills += 1
        after = snapshot(root)
        for rel in set(before) | set(after):
            if after.get(rel) == before.get(rel):
                continue
            assert rel in changed and same(rel, after.get(rel), expected.get(rel)), \
                f"kill at checkpoint {n}: {rel} is neither as before nor wholly new"
        assert after[USER_FILE].endswith(USER_EDIT.encode("utf-8"))
        assert "Traceback" not in proc.stderr
        writing.recover(*(root / d for d in {Path(r).parent.as_posix() for r in changed}))
        assert snapshot(root) == before, f"recover() after a kill at checkpoint {n} did not restore the tree"
        assert staged_leftovers(root) == []
    proc = cli(root, *args, kill_at=2 * len(changed) + 2)      # one past the last: completes
    assert proc.returncode in (0, 1), proc.stderr
    after = snapshot(root)
    assert after.keys() == expected.keys() and all(same(r, after[r], expected[r]) for r in after)
    assert staged_leftovers(root) == []
    return kills


def rename_first_item(text: str) -> str:
    import re
    new = re.sub(r"(\n\s*name: )([^\n]+)", r"\1\2（调整）", text, count=1)
    assert new != text
    return new


def modified_export(root: Path, dest: Path) -> Path:
    """The bundled powers exported, with one item renamed in each of two departments' sheets."""
    from openpyxl import load_workbook
    assert main(["export", "--lists", str(root / "lists"), "--out", str(dest), "--department", "zjj",
                 "--department", "sthjj"]) == 0
    wb = load_workbook(dest)
    assert len(wb.worksheets) == 2
    for ws in wb.worksheets:
        header = [c.value for c in ws[2]]
        col = header.index("事项名称") + 1
        ws.cell(3, col).value = f"{ws.cell(3, col).value}（调整）"
    wb.save(dest)
    return dest


def test_import_killed_at_every_checkpoint(repo, tmp_path, capsys):
    source = modified_export(repo, tmp_path / "调整.xlsx")
    capsys.readouterr()
    args = ["import", source, FIX / "titled.xlsx", "--out", "lists", "-q"]
    reference = tmp_path / "reference"
    shutil.copytree(repo, reference, symlinks=True)
    done = cli(reference, *args)
    assert done.returncode in (0, 1), done.stderr
    expected = snapshot(reference)
    changed = [r for r in expected if expected[r] != snapshot(repo).get(r)]
    assert len(changed) >= 3          # two departments overwritten, one created (powers + organization)
    kill_at_every_checkpoint(repo, args, expected)
    assert git(repo, "status", "--porcelain").split("\n").count(f" M {USER_FILE}") == 1


def test_export_csv_and_xlsx_killed_at_every_checkpoint(repo, tmp_path):
    for args in (["export", "--lists", "lists", "--out", "导出", "--format", "csv", "--department", "zjj",
                  "--department", "sthjj"],
                 ["export", "--lists", "lists", "--out", "清单.xlsx", "--department", "zjj"]):
        # an older export is already there: after a kill it is wholly old or wholly new
        assert cli(repo, *args, env_extra={}).returncode == 0
        reference = tmp_path / f"reference-{args[-1]}"
        text = (repo / "lists/powers/zjj.yaml").read_text(encoding="utf-8")
        (repo / "lists/powers/zjj.yaml").write_text(rename_first_item(text), encoding="utf-8")
        shutil.copytree(repo, reference, symlinks=True)
        assert cli(reference, *args).returncode == 0
        kill_at_every_checkpoint(repo, args, snapshot(reference))
        (repo / "lists/powers/zjj.yaml").write_text(text, encoding="utf-8")


def test_adjust_killed_midway_never_touches_the_work_tree(repo):
    before = snapshot(repo)
    for delay in (0.05, 0.2, 0.4):
        for args in (["adjust", "--root", "."], ["adjust", "--install-hook", "--root", "."]):
            proc = subprocess.Popen([sys.executable, "-m", "policykit", *args], cwd=repo,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert snapshot(repo) == before
    hook = repo / ".git" / "hooks" / "commit-msg"
    assert cli(repo, "adjust", "--install-hook", "--root", ".").returncode == 0
    assert hook.read_text(encoding="utf-8").startswith("#!/bin/sh") and os.access(hook, os.X_OK)
    assert snapshot(repo) == before


def test_install_hook_is_all_or_nothing(repo, monkeypatch):
    """The hook and the commit template are written together: a failure between the two renames
    (disk full, say) leaves neither, never a half-written hook that would reject every commit."""
    import os as _os

    from policykit.history import adjustments
    from policykit.errors import PolicykitError
    real = _os.replace
    calls = []

    def second_rename_fails(src, dst, *a, **k):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst, *a, **k)
    monkeypatch.setattr(_os, "replace", second_rename_fails)
    with pytest.raises((OSError, PolicykitError)):
        adjustments.install_hook(repo)
    monkeypatch.undo()
    assert len(calls) >= 2
    hook = repo / ".git" / "hooks" / "commit-msg"
    template = repo / ".git" / adjustments.TEMPLATE_NAME
    assert not hook.exists() and not template.exists()
    assert not list((repo / ".git").rglob("*.tmp")) and not list((repo / ".git").rglob("*policykit-tmp*/*"))
    # and when nothing fails, both are there, the hook executable
    adjustments.install_hook(repo)
    assert hook.read_text(encoding="utf-8") == adjustments.hook_script(repo)
    assert hook.stat().st_mode & 0o111 == 0o111 and template.read_text(encoding="utf-8") == adjustments.TEMPLATE


def test_docs_build_killed_midway_keeps_the_old_site(repo):
    old = repo / "site"
    old.mkdir()
    (old / "index.html").write_text("<p>旧网站</p>", encoding="utf-8")
    (old / "old-only.html").write_text("旧", encoding="utf-8")
    before = snapshot(repo)
    old_files = {r for r in before if r.startswith("site/")}
    new_files = None

    def check(label):
        after = snapshot(repo)
        assert {r: b for r, b in after.items() if not r.startswith("site/")} == \
            {r: b for r, b in before.items() if not r.startswith("site/")}, label
        site = {r for r in after if r.startswith("site/")}
        writing.recover(repo)
        assert staged_leftovers(repo) == [], label
        if site == old_files and all(after[r] == before[r] for r in site):
            return False
        assert new_files is not None and site == new_files, f"{label}: the site is neither the old one nor wholly new"
        return True

    # checkpoint 1: built, not yet swapped in → the old site; checkpoint 2: swapped in, the old one not
    # yet removed → the new site, complete
    proc = cli(repo, "docs", "build", "--root", ".", kill_at=1)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert check("checkpoint 1") is False
    proc = cli(repo, "docs", "build", "--root", ".", kill_at=2)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    new_files = {r for r in snapshot(repo) if r.startswith("site/")}
    assert {"site/index.html", "site/404.html", "site/search/search_index.json"} <= new_files
    assert "site/old-only.html" not in new_files and len(new_files) > 100
    assert check("checkpoint 2") is True
    shutil.rmtree(repo / "site")                       # the old site back for the kills during the build
    for r in old_files:
        (repo / r).parent.mkdir(parents=True, exist_ok=True)
        (repo / r).write_bytes(before[r])
    for delay in ((0.5, 1.5, 3.0) if LONG else (1.0,)):
        proc = subprocess.Popen([sys.executable, "-m", "policykit", "docs", "build", "--root", "."], cwd=repo,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert check(f"after {delay} s") is False


def test_import_refuses_to_overwrite_uncommitted_changes(repo, tmp_path):
    assert cli(repo, "import", FIX / "titled.xlsx", "--out", "lists", "-q").returncode in (0, 1)
    git(repo, "add", "lists/powers", "lists/organizations")
    git(repo, "commit", "-q", "-m", "导入")
    target = repo / "lists/powers/dept-945.yaml"
    text = target.read_text(encoding="utf-8")
    assert "行政许可" in text
    target.write_text(text.replace("行政许可", "行政确认", 1), encoding="utf-8")     # the user's own correction
    edited = target.read_bytes()
    before = snapshot(repo)
    proc = cli(repo, "import", FIX / "titled.xlsx", FIX / "legacy.xls", "--out", "lists", "-q")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "有未提交的修改，拒绝覆盖" in proc.stderr and "lists/powers/dept-945.yaml" in proc.stderr
    assert "--force" in proc.stderr
    assert snapshot(repo) == before and target.read_bytes() == edited
    # an untracked list file someone is writing is protected too
    git(repo, "rm", "-q", "--cached", "lists/powers/dept-945.yaml")
    proc = cli(repo, "import", FIX / "titled.xlsx", "--out", "lists", "-q")
    assert proc.returncode == 2 and snapshot(repo) == before
    proc = cli(repo, "import", FIX / "titled.xlsx", "--out", "lists", "-q", "--force")
    assert proc.returncode in (0, 1) and target.read_bytes() != edited
    assert (repo / USER_FILE).read_text(encoding="utf-8").endswith(USER_EDIT)


def test_export_refuses_to_overwrite_a_tracked_output_with_uncommitted_changes(repo):
    one = ("--department", "zjj")
    assert cli(repo, "export", "--lists", "lists", "--out", "清单.xlsx", *one).returncode == 0
    assert cli(repo, "export", "--lists", "lists", "--out", "清单.xlsx", *one).returncode == 0   # untracked: replaced
    git(repo, "add", "清单.xlsx")
    git(repo, "commit", "-q", "-m", "公布版")
    (repo / "清单.xlsx").write_bytes(b"PK\x03\x04 hand-edited")
    text = (repo / "lists/powers/zjj.yaml").read_text(encoding="utf-8")
    (repo / "lists/powers/zjj.yaml").write_text(rename_first_item(text), encoding="utf-8")
    proc = cli(repo, "export", "--lists", "lists", "--out", "清单.xlsx", *one)
    assert proc.returncode == 2 and "拒绝覆盖" in proc.stderr and "Traceback" not in proc.stderr
    assert (repo / "清单.xlsx").read_bytes() == b"PK\x03\x04 hand-edited"
    assert cli(repo, "export", "--lists", "lists", "--out", "清单.xlsx", *one, "--force").returncode == 0


def test_recover_leaves_a_live_writers_files_and_foreign_files_alone(tmp_path):
    target = tmp_path / "a.yaml"
    target.write_text("old\n", encoding="utf-8")
    mine = tmp_path / f".a.yaml.{os.getpid()}-{'ab' * 8}.tmp"       # a live writer (this process)
    foreign = tmp_path / "12-abcdef.tmp"                              # not ours: never removed
    mine.write_text("x", encoding="utf-8")
    foreign.write_text("y", encoding="utf-8")
    writing.recover(tmp_path)
    assert mine.exists() and foreign.exists() and target.read_text(encoding="utf-8") == "old\n"


def test_a_journal_planted_in_the_work_tree_moves_and_deletes_nothing(repo, tmp_path):
    """A pull request can carry any file, including one named like policykit's journal of a killed
    run; recovery must not act on it (delete a file, or move the request's own file over another)."""
    import hashlib
    import json as _json

    from policykit.io import writing
    victim = repo / "README-victim.txt"
    victim.write_text("用户的文件\n", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("仓库之外\n", encoding="utf-8")
    payload = repo / "lists" / ".evil.yaml.99999999-0123456789ab.bak"
    payload.write_text("恶意内容\n", encoding="utf-8")
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    journal = {"entries": [
        {"target": str(victim), "sha256": digest(victim), "backup": None},
        {"target": str(outside), "sha256": digest(outside), "backup": None},
        {"target": str(repo / ".git" / "hooks" / "post-checkout"), "sha256": None, "backup": str(payload)},
        {"target": str(repo / "lists" / "powers" / "scjgj.yaml"),
         "sha256": digest(repo / "lists" / "powers" / "scjgj.yaml"), "backup": str(payload)},
    ], "dirs": [str(repo / "lists" / "powers")]}
    for where in (repo, repo / "lists", repo / "lists" / "powers"):
        (where / ".policykit-99999999-deadbeef.journal").write_text(_json.dumps(journal), encoding="utf-8")
    before = snapshot(repo)
    writing.recover(repo, repo / "lists", repo / "lists" / "powers")
    assert snapshot(repo) == before
    assert outside.read_text(encoding="utf-8") == "仓库之外\n"
    assert not (repo / ".git" / "hooks" / "post-checkout").exists()
