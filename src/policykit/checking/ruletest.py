"""Run every rule's own pass/fail examples (as ``opa test`` does) on a small base repository.

Each example overlays files on ``rules/_base/`` (a minimal clean city); ``null`` deletes a file.
A ``fail`` example must make the rule report (at ``file:line`` when ``at`` is given, ``count``
times when given); a ``pass`` example must not. Examples must load and validate cleanly, so they
always show valid list YAML and double as the rule's documentation.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from .check import evaluate_rules
from ..errors import InputError
from .facts import build_facts
from ..lists.loader import Limits
from ..lists.repository import open_repository
from ..speed.cache import load_documents
from .rules import Rule

BASE_DIR = "_base"


@dataclass
class ExampleResult:
    rule: str
    name: str
    expect: str
    ok: bool
    detail: str = ""


def run_examples(rules: list[Rule], rules_dir: Path, *, engine: str = "durable", today=None) -> list[ExampleResult]:
    results = []
    if not any(rule.examples for rule in rules):
        return results
    base = _read_base(Path(rules_dir))
    with tempfile.TemporaryDirectory(prefix="policykit-test-") as tmp:
        for rule in rules:
            for i, ex in enumerate(rule.examples):
                work = Path(tmp) / f"{rule.id}-{i}"
                work.mkdir(parents=True)
                for rel, data in base.items():
                    target = work / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                results.append(_run_one(rule, ex, work, engine, today))
    return results


def _read_base(rules_dir: Path) -> dict[str, bytes]:
    """The files of ``rules/_base`` (path inside it -> bytes), read through ``sources.Tree`` with
    the repository (the rules directory's parent) as the tree: a link leading out of it or into
    ``.git``, a link loop, a FIFO or an oversized file stops the command (exit 2) before anything is
    copied, and is never opened. Hidden files are left out."""
    from ..lists.sources import Refused, list_tree, read_under
    base = rules_dir / BASE_DIR
    if not base.is_dir():
        return {}
    root = rules_dir.parent
    paths, problems = list_tree(root, base, ("",), (".",))
    out: dict[str, bytes] = {}
    for path in paths:
        rel = path.relative_to(base).as_posix()
        try:
            out[rel] = read_under(root, path, Limits().max_file_bytes)
        except Refused as exc:
            problems.append(exc.problem(_shown(root, path)))
        except OSError as exc:
            problems.append(Refused(_shown(root, path), "FILE-UNREADABLE",
                                    f"无法读取文件：{exc.strerror} (cannot read)").problem())
    if problems:
        first = problems[0]
        raise InputError(f"规则示例的基础仓库 {_shown(root, base)} 中有 {len(problems)} 个文件无法安全读取，未复制任何文件："
                         f"{first.location()} [{first.rule}] {first.message} (unsafe file in the examples' base repository)")
    return out


def _shown(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _run_one(rule: Rule, ex: dict, work: Path, engine: str, today) -> ExampleResult:
    for rel, content in ex["files"].items():
        target = (work / rel).resolve()
        if not target.is_relative_to(work.resolve()):
            return ExampleResult(rule.id, ex["name"], ex["expect"], False, f"示例文件路径越界：{rel}")
        if content is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
    repo = open_repository(work, documents=load_documents)
    if repo.load_problems:
        first = repo.load_problems[0]
        return ExampleResult(rule.id, ex["name"], ex["expect"], False,
                             f"示例本身无效：{first.location()} [{first.rule}] {first.message}")
    problems = [p for p in evaluate_rules(repo, [rule], build_facts(repo, today=today), engine=engine, workers=1,
                                          today=today) if p.rule == rule.id]
    if ex["expect"] == "pass":
        ok = not problems
        detail = "" if ok else f"不应报告却报告了：{problems[0].location()} {problems[0].message}"
    else:
        ok = bool(problems)
        detail = "" if ok else "应报告问题却没有报告"
        if ok and "at" in ex:
            file, _, line = ex["at"].rpartition(":")
            if not any(p.file == file and p.line == int(line) for p in problems):
                ok = False
                detail = f"应在 {ex['at']} 报告，实际在 " + "、".join(p.location() for p in problems)
        if ok and "count" in ex and len(problems) != ex["count"]:
            ok = False
            detail = f"应报告 {ex['count']} 个问题，实际 {len(problems)} 个"
    return ExampleResult(rule.id, ex["name"], ex["expect"], ok, detail)


def coverage(rules: list[Rule]) -> dict[str, list[str]]:
    """Rules lacking a pass or a fail example."""
    missing = {"pass": [], "fail": []}
    for r in rules:
        kinds = {ex["expect"] for ex in r.examples}
        for k in ("pass", "fail"):
            if k not in kinds:
                missing[k].append(r.id)
    return missing
