"""Run every rule's own pass/fail examples (as ``opa test`` does) on a small base repository.

Each example overlays files on ``rules/_base/`` (a minimal clean city); ``null`` deletes a file.
A ``fail`` example must make the rule report (at ``file:line`` when ``at`` is given, ``count``
times when given); a ``pass`` example must not. Examples must load and validate cleanly, so they
always show valid list YAML and double as the rule's documentation.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .check import evaluate_rules
from .facts import build_facts
from .repository import open_repository
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
    base = rules_dir / BASE_DIR
    results = []
    with tempfile.TemporaryDirectory(prefix="policykit-test-") as tmp:
        for rule in rules:
            for i, ex in enumerate(rule.examples):
                work = Path(tmp) / f"{rule.id}-{i}"
                if base.is_dir():
                    shutil.copytree(base, work)
                else:
                    work.mkdir(parents=True)
                results.append(_run_one(rule, ex, work, engine, today))
    return results


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
    repo = open_repository(work)
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
