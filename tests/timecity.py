"""A throwaway git repository of the bundled city with dated commits, for the valid-time tests
(built on tests/gitrepo.py: git run as the 编办, with no user or system configuration)."""
from __future__ import annotations

from pathlib import Path

import yaml

import gitrepo
from gitrepo import ROOT  # noqa: F401 - the tests import the repository's root from here too

FIRST_DAY = "2025-03-01T10:00:00+08:00"


def git(root: Path, *args: str, date: str = FIRST_DAY) -> str:
    return gitrepo.git(root, *args, date=date, **gitrepo.BIANBAN)


def make_city(tmp: Path, date: str = FIRST_DAY) -> Path:
    """The bundled city (lists/, policykit.yaml) in a new git repository, committed on ``date``."""
    root = gitrepo.copy_bundled(tmp / "city")
    gitrepo.Repo(root, **gitrepo.BIANBAN).commit("明湖市清单", date)
    return root


def commit(root: Path, message: str, date: str) -> str:
    return gitrepo.Repo(root, init=False, **gitrepo.BIANBAN).commit(message, date)


def load(root: Path, rel: str):
    return yaml.safe_load((root / rel).read_text(encoding="utf-8"))


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):   # the loader refuses anchors and aliases
        return True


def dump(root: Path, rel: str, data) -> None:
    text = yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False)
    (root / rel).write_text(text, encoding="utf-8")


def transfer(root: Path, code: str, source: str, target: str) -> None:
    """Move power item ``code`` from department ``source``'s list to ``target``'s (as a 划转 does)."""
    old = load(root, f"lists/powers/{source}.yaml")
    new = load(root, f"lists/powers/{target}.yaml")
    item = next(i for i in old["items"] if str(i["code"]) == code)
    old["items"] = [i for i in old["items"] if str(i["code"]) != code]
    new["items"].append(item)
    dump(root, f"lists/powers/{source}.yaml", old)
    dump(root, f"lists/powers/{target}.yaml", new)


def record(kind: str, reason: str, *, approval: str = "明编办〔2026〕3号", effective: str | None = None) -> str:
    """A commit message with one adjustment record."""
    lines = [f"调整类型: {kind}", f"调整事由: {reason}", "调整依据: 明湖市机构改革方案", f"批准文号: {approval}"]
    if effective:
        lines.append(f"生效日期: {effective}")
    return f"{reason}\n\n" + "\n".join(lines) + "\n"


def advance_transfer(root: Path, code: str, source: str, target: str, day: str, *, unit: str,
                     starts: str | None = None) -> None:
    """An approved transfer written in advance: item ``code`` stays in ``source``'s list until ``day``
    (``expires``) and is already written in ``target``'s, undertaken by ``unit``, from ``day``
    (``effective``; ``starts`` to write another day)."""
    import copy
    import datetime as dt
    old = load(root, f"lists/powers/{source}.yaml")
    new = load(root, f"lists/powers/{target}.yaml")
    item = next(i for i in old["items"] if str(i["code"]) == code)
    moved = copy.deepcopy(item)
    moved.pop("expires", None)
    item["expires"] = dt.date.fromisoformat(day)
    moved["effective"] = dt.date.fromisoformat(starts or day)
    moved["unit"] = unit
    new["items"].append(moved)
    dump(root, f"lists/powers/{source}.yaml", old)
    dump(root, f"lists/powers/{target}.yaml", new)
