"""Everything that changes the verdict is reviewed: a waiver (what it suppresses, who approved it, until
when), a severity override in policykit.yaml, a rule and a schema each appear as a section of their own
naming the reviewer role; a new 上级下放 item shows its 权力来源 and 来源文件. The review is made the way
CI makes it: check --baseline writes the result, diff --problems reads it."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import git
from policykit.bench.generate import generate
from policykit.cli import main

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r"\b\d{9}[A-Z]{2}\d{5}\b")


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    root = tmp_path_factory.mktemp("verdict") / "city"
    generate(root, "small", seed=7)
    shutil.copytree(ROOT / "rules", root / "rules")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "初始清单")
    git(root, "checkout", "-q", "-b", "pr")
    # the problem a new waiver will hide: a rule problem that names a power item
    out = root.parent / "main.json"
    main(["check", str(root), "-q", "--engine", "oracle", "-f", "json", "-o", str(out)])
    target = next(p for p in json.loads(out.read_text(encoding="utf-8"))["problems"]
                  if p["rule"].startswith("PWR-") and CODE.search(p["message"]) and "waived_by" not in p)
    code = CODE.search(target["message"]).group(0)
    today = dt.date.today()
    waivers = root / "lists/waivers.yaml"
    waivers.write_text(waivers.read_text(encoding="utf-8") + (
        f"  - rule: {target['rule']}\n    items:\n      - {code}\n    owner: 市委编办审改处\n"
        f"    approval: 明湖编办〔{today.year}〕99号\n    approved_by: 市委编办主任办公会\n"
        f"    approved_on: {today.isoformat()}\n    expires: {(today + dt.timedelta(days=90)).isoformat()}\n"
        "    reason: 待上级明确。\n"), encoding="utf-8")
    cfg = root / "policykit.yaml"
    text = cfg.read_text(encoding="utf-8")
    assert "severity_overrides: {}\n" in text
    cfg.write_text(text.replace("severity_overrides: {}\n", "severity_overrides:\n  PWR-LEVELS: warning\n"),
                   encoding="utf-8")
    rule = root / "rules/power/levels.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("title:", "title: 已改", 1), encoding="utf-8")
    (root / "schemas").mkdir()
    shutil.copy(ROOT / "schemas/powers.schema.json", root / "schemas/powers.schema.json")
    powers = sorted((root / "lists/powers").glob("*.yaml"))[0]
    text = powers.read_text(encoding="utf-8")
    first = re.search(r"^  - code: (\S+)\n((?:    .*\n|      .*\n)*)", text, re.M)
    body = re.sub(r"^    (power_source|source_document|delegator): .*\n", "", first.group(2), flags=re.M)
    body = body.replace("    name: ", "    name: 下放", 1) + ("    power_source: 上级下放\n"
                                                            "    source_document: 鲁政字〔2024〕5号\n"
                                                            "    delegator: 山东省人民政府\n")
    new_code = first.group(1).strip('"')[:-2] + "66"
    powers.write_text(text.rstrip("\n") + "\n" + f"  - code: {new_code}\n" + body, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "豁免、级别覆盖、规则、模式与下放事项")
    return root, target, code, new_code


def test_every_verdict_change_is_a_section_with_its_reviewer(reviewed, tmp_path, capsys):
    root, target, code, new_code = reviewed
    result = tmp_path / "result.json"
    main(["check", str(root), "-q", "--engine", "oracle", "--rules", str(root / "rules"), "--baseline", "main",
          "-f", "json", "-o", str(result)])
    data = json.loads(result.read_text(encoding="utf-8"))
    hidden = [p for p in data["problems"] if p.get("waived_by") and p["rule"] == target["rule"]]
    assert hidden, "the new waiver hides the problem"
    review = tmp_path / "review.md"
    assert main(["diff", "main", "HEAD", "--root", str(root), "--problems", str(result), "-o", str(review)]) == 0
    md = review.read_text(encoding="utf-8")
    assert "#### 豁免变更（1 项）· 须由豁免审批人（编办）审阅" in md
    assert f"| 新增 | 规则 {target['rule']} 对 {code} | — | 批准人 市委编办主任办公会；批准 {dt.date.today()}" in md
    suppressed = next(line for line in md.splitlines() if "↳ 豁免的问题" in line)
    assert f"{len(hidden)} 个：" in suppressed and hidden[0]["file"] in suppressed
    assert "#### 配置变更（1 项）· 须由仓库管理员（编办法规审查）审阅" in md
    assert "| 新增 | severity\\_overrides.PWR-LEVELS | — | warning |" in md      # `_` escaped: text, not emphasis
    assert "#### 规则变更（1 项）· 须由规则维护人审阅" in md and "PWR-LEVELS" in md
    assert "#### 模式变更（1 项）· 须由规则维护人审阅" in md and "powers.schema.json" in md
    # the sections come before the item tables, right after the summary
    assert md.index("| 调整类别 |") < md.index("#### 豁免变更") < md.index("### 权责清单")
    row = next(line for line in md.splitlines() if f"`{new_code}`" in line and "| 新增 |" in line)
    assert "权力来源：上级下放（来源文件：鲁政字〔2024〕5号；山东省人民政府）" in row
    assert "### 本次变更引入的问题" in md and "原有" in md


def test_text_review_lists_the_verdict_changes_too(reviewed, capsys):
    root, target, code, _ = reviewed
    assert main(["diff", "main", "HEAD", "--root", str(root), "-f", "text"]) == 0
    out = capsys.readouterr().out
    assert f"豁免新增：规则 {target['rule']} 对 {code}" in out and "severity_overrides.PWR-LEVELS" in out


@pytest.mark.parametrize("content", [b"", b"[]", b'{"problems": [{"file": "a"}]}', b"\xff\xfe"])
def test_a_bad_problems_file_is_exit_2(reviewed, tmp_path, capsys, content):
    root = reviewed[0]
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    assert main(["diff", "main", "HEAD", "--root", str(root), "--problems", str(bad)]) == 2
    assert "policykit check -f json" in capsys.readouterr().err
