"""Throwaway repositories for the tests: a copy of the rules' base city or of the bundled city, and the
one place where the tests run git.

The library reaches git only through ``policykit.lists.gitdoor``; the tests build the histories it reads
with the git command itself, always through this module, so that every throwaway repository is made the
same way: no user or system configuration (HOME is the repository, ``GIT_CONFIG_NOSYSTEM``), a named
author, and, where a date is given, that date for author and committer alike.

    repo = Repo(copy_bundled(tmp_path / "city"), **BIANBAN)   # lists/ and policykit.yaml; git init -b main
    base = repo.commit("明湖市清单", "2025-01-10T10:00:00+08:00")
    repo.edit("lists/powers/scjgj.yaml", "unit: 食品安全科", "unit: 办公室")
    head = repo.commit("改承办机构", "2025-03-01T10:00:00+08:00")

    Repo(root).commit("初始清单")      # a folder already filled, committed as it is

A module of dated histories (tests/timecity.py) can build on ``Repo`` the same way.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "rules" / "_base"

# who commits (keywords of run, git and Repo): the tests' default, a clerk, the 编办
TESTER = {"author": "测试员", "email": "t@example.cn"}
CLERK = {"author": "张三", "email": "clerk@example.cn"}
BIANBAN = {"author": "市委编办", "email": "bb@example.cn"}


def run(root: Path, *args, date: str | None = None, author: str = TESTER["author"],
        email: str = TESTER["email"], check: bool = True) -> subprocess.CompletedProcess:
    """``git ARGS`` in ``root`` as ``author`` (author and committer), dated ``date`` (ISO 8601, author and
    committer date) when given; output as text."""
    env = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": author,
           "GIT_COMMITTER_EMAIL": email, "HOME": str(root), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "GIT_CONFIG_NOSYSTEM": "1"}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    return subprocess.run(["git", *map(str, args)], cwd=root, env=env, check=check, capture_output=True,
                          text=True)


def git(root: Path, *args, **kw) -> str:
    """``git ARGS`` in ``root`` (see :func:`run`); its standard output. Raises when git fails."""
    return run(root, *args, **kw).stdout


def copy_base(root: Path) -> Path:
    """The rules' base city (``rules/_base``) copied to ``root``, which must not exist yet."""
    shutil.copytree(BASE, root)
    return root


def copy_bundled(root: Path, *extra: str) -> Path:
    """The bundled city (``lists/`` and ``policykit.yaml``) copied into ``root``, plus the ``extra``
    files or folders of this repository named (``rules``, ``schemas``, ``mkdocs.yml`` …)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("lists", "policykit.yaml", *extra):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, root / name)
    return root


class Repo:
    """A git repository at ``root`` (created, ``git init -b main``, unless ``init=False``) whose files the
    tests change as text and commit with a message, a date and an author."""

    def __init__(self, root: Path, *, author: str = TESTER["author"], email: str = TESTER["email"],
                 date: str | None = None, init: bool = True):
        self.root = Path(root)
        self.author, self.email, self.date = author, email, date
        if init:
            self.root.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main")

    # ---- git --------------------------------------------------------------------------------------
    def run(self, *args, date: str | None = None, author: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess:
        """``git ARGS`` here, as the repository's author and on its date unless others are given."""
        return run(self.root, *args, date=date or self.date, author=author or self.author, email=self.email,
                   check=check)

    def git(self, *args, **kw) -> str:
        return self.run(*args, **kw).stdout

    def sha(self, rev: str = "HEAD") -> str:
        return self.git("rev-parse", rev).strip()

    def commit(self, message: str, date: str | None = None, author: str | None = None, *,
               allow_empty: bool = False) -> str:
        """Everything in the work tree committed (``git add -A``); the new commit's sha."""
        self.git("add", "-A")
        self.git("commit", "-q", *(["--allow-empty"] if allow_empty else []), "-m", message, date=date,
                 author=author)
        return self.sha()

    # ---- files ------------------------------------------------------------------------------------
    def path(self, rel: str) -> Path:
        return self.root / rel

    def text(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        path = self.path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def append(self, rel: str, text: str) -> None:
        self.write(rel, self.text(rel) + text)

    def edit(self, rel: str, old: str, new: str, count: int = 1) -> None:
        """The first ``count`` occurrences of ``old`` in file ``rel`` replaced; there must be that many."""
        text = self.text(rel)
        assert text.count(old) >= count, (rel, old)
        self.write(rel, text.replace(old, new, count))
