"""A pull request controls rules/, policykit.yaml, schemas/ and the waivers: none of them may run
code, read secrets, hang a check or switch checks off unseen. One test per attack, asserting the
safe outcome (docs/security.md, "规则、配置与豁免")."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitrepo import Repo
from policykit.checking import rules as rules_module
from policykit.checking.check import BUNDLED_RULES, run_check
from policykit.cli import main
from policykit.errors import InternalError
from policykit.checking.rules import Rule, load_rules, render_message

from conftest import git

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ("city: 示例市\ncategories: [{name: 行政许可, letters: XK}, {name: 行政处罚, letters: CF}]\n"
          "code_pattern: '^(?P<region>\\d{6})(?P<department>\\d{3})(?P<letters>[A-Z]{2})(?P<main>\\d{3})(?P<sub>\\d{2})$'\n")
SECRET = "pk-canary-7f3a9c"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def rule_file(message: str, rule_id: str = "X-EVIL") -> str:
    return f"""id: {rule_id}
title: 恶意模板
severity: error
article: 无
reads: [power]
when:
  - fact: item
    kind: power
    where:
      code: {{exists: true}}
message: {json.dumps(message, ensure_ascii=False)}
examples:
  - {{name: a, expect: pass, files: {{}}}}
  - {{name: b, expect: fail, files: {{}}}}
"""


def rules_with(tmp_path, files: dict) -> Path:
    """A rules directory: one real rule (so the check runs something) plus ``files``."""
    rdir = tmp_path / "rules"
    rdir.mkdir()
    shutil.copy(BUNDLED_RULES / "power" / "accountability-cases.yaml", rdir / "accountability-cases.yaml")
    for name, text in files.items():
        (rdir / name).write_text(text, encoding="utf-8")
    return rdir


def cli(*args, timeout=120, cwd=None, env=None):
    """policykit in a child process, so that a hang fails the test instead of stopping the suite."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "policykit", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env={**os.environ, **(env or {})})
    return proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start


# ---- 1. rule message templates are data ------------------------------------------------------------
@pytest.mark.parametrize("template", [
    "{item.code:{item.__init__.__globals__[os].environ[PK_SECRET]}}",   # nested spec walking to os.environ
    "{item.code.__class__.__init__.__globals__}",                      # attribute chain
    "{item.code[0]}",                                                  # index
    "{item.code!r}",                                                   # conversion
    "{item.code:>2000000000}",                                         # a two-gigabyte padding
    "{item.__class__}",                                                # a field no fact declares
    "{0}", "{}", "未闭合 {item.code", "单独的 } 括号",
])
def test_a_template_beyond_alias_field_is_refused_at_compile_time(template, city, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PK_SECRET", SECRET)
    rdir = rules_with(tmp_path, {"evil.yaml": rule_file(template)})
    start = time.perf_counter()
    code, out, err = run(capsys, "check", city.root, "-q", "--rules", rdir)
    assert time.perf_counter() - start < 30
    assert code == 1 and "Traceback" not in err
    assert f"rules/evil.yaml:11:10: 错误 [RULE-INVALID] 消息模板" in out, out
    assert SECRET not in out + err and "X-EVIL" not in out.replace("rules/evil.yaml", "")


def test_the_environment_walk_no_longer_reaches_os_environ_at_render_time(monkeypatch):
    """Even a Rule that never went through the compiler (a defect) renders nothing but fields."""
    monkeypatch.setenv("PK_SECRET", SECRET)
    evil = Rule("X-EVIL", "t", "error", "a", "", "{item.code:{item.__init__.__globals__[os].environ[PK_SECRET]}}",
                (), ("item", ()))
    with pytest.raises(InternalError) as caught:
        render_message(evil, {"item": {"code": "370199101XK00100"}})
    assert SECRET not in caught.value.message


def test_templates_substitute_declared_fields_and_literal_braces(city, capsys, tmp_path):
    rdir = rules_with(tmp_path, {"ok.yaml": rule_file("{{编码}} {item.code} · {item.full_name}{item.catalog_code}", "X-OK")})
    code, out, _ = run(capsys, "check", city.root, "-q", "--rules", rdir)
    assert code == 1
    assert "[X-OK] {编码} 370199101XK00100 · 食品经营许可" in out   # a missing field renders as ''
    long = Rule("X-LONG", "t", "error", "a", "", "{item.name}", (), ("item", ()))
    assert len(render_message(long, {"item": {"name": "长" * 60000}})) == rules_module.MAX_MESSAGE_CHARS


def test_compiled_rules_are_not_reused_across_compiler_or_renderer_code(tmp_path, monkeypatch):
    """The store of compiled rules is keyed by policykit's code: a rule accepted by an older compiler
    is compiled again (and refused) by this one."""
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("POLICYKIT_NO_CACHE", raising=False)
    rdir = rules_with(tmp_path, {})
    load_rules(rdir, tmp_path)
    calls = []
    real = rules_module._load_rules
    monkeypatch.setattr(rules_module, "_load_rules", lambda *a: calls.append(1) or real(*a))
    load_rules(rdir, tmp_path)
    assert calls == []                                     # same code: read back
    from policykit.speed import codeversion
    monkeypatch.setitem(codeversion._DIGESTS, str(codeversion.PACKAGE_DIR), "another build of rules.py")
    load_rules(rdir, tmp_path)
    assert calls == [1]                                    # other code: compiled afresh


# ---- 2. the configuration cannot switch checks off unseen ------------------------------------------
def test_an_empty_rules_dir_is_a_usage_error_not_a_clean_result(city, capsys):
    (city.root / "emptydir").mkdir()
    root = city({"policykit.yaml": CONFIG + "rules_dir: emptydir\n"})
    code, out, err = run(capsys, "check", root, "-q")
    assert code == 2 and out == ""
    assert "规则目录 emptydir 中没有任何规则" in err and "Traceback" not in err
    code, out, err = run(capsys, "test", root)          # nor do zero rules pass their examples
    assert code == 2 and "没有任何规则" in err


@pytest.mark.parametrize("value", ["../elsewhere", "/etc", "link"])
def test_rules_dir_stays_inside_the_repository(value, city, capsys, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(BUNDLED_RULES / "power" / "accountability-cases.yaml", outside / "only.yaml")
    (city.root / "link").symlink_to(outside)
    root = city({"policykit.yaml": CONFIG + f"rules_dir: {value}\n"})
    code, out, err = run(capsys, "check", root, "-q")
    assert code == 2 and out == ""
    assert "policykit.yaml:4:12: [CONFIG-OUTSIDE] rules_dir 必须是仓库内的相对路径" in err


def test_turning_a_rule_off_is_reported_every_run_at_the_override(city, capsys):
    root = city({"policykit.yaml": CONFIG + "severity_overrides:\n  PWR-ACCOUNTABILITY-CASES: off\n"
                                            "  PWR-LEVELS: info\n  CONFIG-RULE-OFF: off\n",
                 "lists/powers/sthjj.yaml": NO_CASES})
    for _ in range(2):   # the second run reuses the first's result: the notices come with it
        code, out, _ = run(capsys, "check", root, "-q")
        assert code == 0 and "[PWR-ACCOUNTABILITY-CASES]" not in out
        assert ("policykit.yaml:5:3: 警告 [CONFIG-RULE-OFF] 规则 PWR-ACCOUNTABILITY-CASES「权力事项须列明追责情形」"
                "已被 severity_overrides 关闭") in out
        assert "policykit.yaml:6:3: 提示 [CONFIG-RULE-LOWERED] 规则 PWR-LEVELS「" in out and "由警告降为提示" in out
        # the notices are not rules: an override naming them switches nothing off
        assert "policykit.yaml:7:3: 警告 [CONFIG-RULE-OFF] 规则 CONFIG-RULE-OFF 已被" in out
    code, out, _ = run(capsys, "check", root, "-q", "--fail-on", "warning", "-f", "json")
    notices = [p for p in json.loads(out)["problems"] if p["rule"].startswith("CONFIG-")]
    assert code == 1 and [(p["line"], p["path"]) for p in notices] == [
        (5, "$.severity_overrides.PWR-ACCOUNTABILITY-CASES"), (6, "$.severity_overrides.PWR-LEVELS"),
        (7, "$.severity_overrides.CONFIG-RULE-OFF")]


def test_raising_a_severity_is_not_a_notice(city, capsys):
    root = city({"policykit.yaml": CONFIG + "severity_overrides: {BND-VAGUE-DUTY: error}\n"})
    code, out, _ = run(capsys, "check", root, "-q")
    assert code == 0 and "CONFIG-" not in out


# ---- waivers -----------------------------------------------------------------------------------------
NO_CASES = (ROOT / "rules/_base/lists/powers/sthjj.yaml").read_text(encoding="utf-8").replace(
    "accountability_cases: [对应当予以处罚的违法行为不予处罚的]", "accountability_cases: []")


def waiver(**fields) -> str:
    today = dt.date.today()
    w = {"rule": "PWR-ACCOUNTABILITY-CASES", "items": '["370199102CF00100"]', "owner": "市生态环境局执法科",
         "approval": "明编办〔2026〕3号", "expires": today + dt.timedelta(days=30),
         "approved_by": "市委编办主任办公会", "approved_on": today - dt.timedelta(days=30),
         "reason": "追责情形正在会商", **fields}
    return "waivers:\n  - " + "\n    ".join(f"{k}: {v}" for k, v in w.items() if v is not None) + "\n"


@pytest.fixture
def uncovered(city):
    """The city, its one power item of sthjj listing no accountability cases (an error to waive)."""
    city({"lists/powers/sthjj.yaml": NO_CASES})
    return city


def _rules(result):
    return {(p.rule, p.waived_by is not None) for p in result.problems}


def test_a_valid_waiver_still_waives(uncovered):
    result = run_check(uncovered({"lists/waivers.yaml": waiver()}))
    assert _rules(result) == {("PWR-ACCOUNTABILITY-CASES", True)}
    assert "市委编办主任办公会 批准" in result.problems[0].waived_by


def test_a_self_approved_waiver_waives_nothing(uncovered):
    root = uncovered({"lists/waivers.yaml": waiver(author="张三", approved_by="张 三")})
    result = run_check(root)
    assert ("PWR-ACCOUNTABILITY-CASES", False) in _rules(result)
    [p] = [p for p in result.problems if p.rule == "WVR-SELF-APPROVED"]
    assert (p.file, p.line, p.severity) == ("lists/waivers.yaml", 7, "error")
    assert "批准人「张 三」就是提出人或责任人" in p.message
    root = uncovered({"lists/waivers.yaml": waiver(approved_by="市生态环境局执法科")})   # the owner itself
    assert ("WVR-SELF-APPROVED", False) in _rules(run_check(root))


def test_a_waiver_for_seventy_years_waives_nothing(uncovered):
    root = uncovered({"lists/waivers.yaml": waiver(expires="2099-12-31")})
    result = run_check(root)
    assert ("PWR-ACCOUNTABILITY-CASES", False) in _rules(result)
    [p] = [p for p in result.problems if p.rule == "WVR-TERM"]
    assert (p.file, p.line) == ("lists/waivers.yaml", 6) and "超过上限 365 天" in p.message
    # the maximum is configuration (and a change to it is shown in review, below)
    root = uncovered({"policykit.yaml": CONFIG + "waiver_max_days: 1095\n",
                 "lists/waivers.yaml": waiver(expires=dt.date.today() + dt.timedelta(days=700))})
    assert run_check(root).failing("error") == []


def test_a_waiver_without_approver_or_date_is_a_schema_error_and_waives_nothing(uncovered):
    root = uncovered({"lists/waivers.yaml": waiver(approved_by=None, approved_on=None)})
    result = run_check(root)
    messages = {p.message for p in result.problems if p.rule == "SCHEMA-WAIVERS"}
    assert any("approved_by" in m for m in messages) and any("approved_on" in m for m in messages)
    assert ("PWR-ACCOUNTABILITY-CASES", False) in _rules(result)


def test_deleting_the_waiver_rules_does_not_make_a_bad_waiver_work(uncovered, tmp_path):
    root = uncovered({"lists/waivers.yaml": waiver(expires="2099-12-31", approved_by="市生态环境局执法科")})
    rdir = rules_with(tmp_path, {})          # no WVR-* rule at all
    result = run_check(root, rules_dir=rdir)
    assert _rules(result) == {("PWR-ACCOUNTABILITY-CASES", False)}


# ---- user-supplied regular expressions run on RE2 ---------------------------------------------------
EVIL = "'^(a|a)*b$'"
A40 = "a" * 40        # Python's re would try 2**40 paths before failing


def test_a_catastrophic_code_pattern_does_not_hang_check(city):
    text = NO_CASES.replace('"370199102CF00100"', f'"{A40}"')
    root = city({"policykit.yaml": CONFIG.replace(CONFIG.splitlines()[2], f"code_pattern: {EVIL}"),
                 "lists/powers/sthjj.yaml": text})
    code, out, err, took = cli("check", root, "-q", "--engine", "oracle", timeout=120)
    assert code == 1 and took < 60 and "Traceback" not in err
    assert "PWR-CODE-FORMAT" in out


def test_a_catastrophic_code_pattern_does_not_hang_import(tmp_path):
    from openpyxl import Workbook
    (tmp_path / "policykit.yaml").write_text(CONFIG.replace(CONFIG.splitlines()[2], f"code_pattern: {EVIL}"),
                                             encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "事项编码", "事项名称", "权力类型", "实施依据", "行使主体", "承办机构", "实施层级", "责任事项内容",
               "追责对象范围", "追责情形"])
    ws.append(["1", A40, "某项许可", "行政许可", "【法律】《中华人民共和国某法》第一条", "明湖市某局", "一科", "市级",
               "受理责任：受理", "承办人", "不予受理的"])
    wb.save(tmp_path / "in.xlsx")
    code, out, err, took = cli("import", tmp_path / "in.xlsx", "--out", tmp_path / "lists", "--dry-run", "-q",
                               "--department", "mj", "-v", timeout=120)
    assert took < 60 and "Traceback" not in err and code in (0, 1)
    assert "不符合 code_pattern" in out


def test_a_catastrophic_code_pattern_does_not_hang_log(city):
    root = city({"policykit.yaml": CONFIG.replace(CONFIG.splitlines()[2], f"code_pattern: {EVIL}")})
    Repo(root).commit("初始清单")
    code, out, err, took = cli("log", A40, "--root", root, timeout=120)
    assert took < 60 and "Traceback" not in err and code in (0, 2)


@pytest.mark.parametrize("pattern, why", [
    (r"'^(\d)\1$'", "不支持反向引用"),
    (r"'^(?=\d)\d+$'", "不支持前后查看"),
    ("'^a{2000}$'", "重复次数最多 1000"),
])
def test_a_pattern_re2_cannot_take_is_a_located_usage_error(pattern, why, city, capsys):
    config = CONFIG.replace(CONFIG.splitlines()[2], f"code_pattern: {pattern}")
    root = city({"policykit.yaml": config})
    code, out, err = run(capsys, "check", root, "-q")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "policykit.yaml:3:15: [CONFIG-PATTERN] 事项编码正则 code_pattern 无法使用" in err and why in err


def test_a_repository_schema_pattern_runs_on_re2(city):
    schema = json.loads((ROOT / "schemas/boundary.schema.json").read_text(encoding="utf-8"))
    schema["properties"]["id"]["pattern"] = "^(a|a)*b$"
    boundary = (ROOT / "rules/_base/lists/boundaries/BJ-001.yaml").read_text(encoding="utf-8")
    root = city({"schemas/boundary.schema.json": json.dumps(schema, ensure_ascii=False, indent=2),
                 "lists/boundaries/BJ-001.yaml": boundary.replace("id: BJ-001", f"id: {A40}", 1)})
    code, out, err, took = cli("check", root, "-q", "--engine", "oracle", timeout=120)
    assert took < 60 and code == 1 and "Traceback" not in err
    assert f"lists/boundaries/BJ-001.yaml:1:5: 错误 [SCHEMA-BOUNDARY] 边界事项编号（id）的值「{A40}」格式不符合要求" in out


def test_a_repository_schema_pattern_re2_cannot_take_is_a_located_usage_error(city, capsys):
    schema = json.loads((ROOT / "schemas/boundary.schema.json").read_text(encoding="utf-8"))
    schema["properties"]["id"]["pattern"] = "^(?!BJ-000)BJ-\\d{3}$"
    text = json.dumps(schema, ensure_ascii=False, indent=2)
    line = text[:text.index("(?!BJ-000)")].count("\n") + 1
    root = city({"schemas/boundary.schema.json": text})
    code, out, err = run(capsys, "check", root, "-q")
    assert code == 2 and "Traceback" not in err
    assert f"schemas/boundary.schema.json:{line}:" in err and "[SCHEMA-PATTERN]" in err and "不支持前后查看" in err


# ---- 3. a change to what decides the verdict is its own section in review --------------------------
@pytest.fixture
def reviewed(city):
    root = city({"policykit.yaml": CONFIG + "severity_overrides: {}\n"})
    shutil.copytree(BUNDLED_RULES / "waiver", root / "rules" / "waiver")
    shutil.copytree(BUNDLED_RULES / "power", root / "rules" / "power")
    Repo(root).commit("初始清单")
    cfg = (root / "policykit.yaml").read_text(encoding="utf-8")
    (root / "policykit.yaml").write_text(cfg.replace("severity_overrides: {}", "severity_overrides:\n"
                                                     "  PWR-ACCOUNTABILITY-CASES: off\nwaiver_max_days: 1095"),
                                         encoding="utf-8")
    (root / "lists/waivers.yaml").write_text(waiver(items='["370199101XK00100"]', rule="PWR-LEVELS"), encoding="utf-8")
    (root / "rules/waiver/term.yaml").unlink()
    levels = root / "rules/power/level-known.yaml"
    levels.write_text(levels.read_text(encoding="utf-8").replace("severity: error", "severity: info"), encoding="utf-8")
    (root / "schemas").mkdir()
    shutil.copy(ROOT / "schemas/powers.schema.json", root / "schemas/powers.schema.json")
    return root


def test_diff_lists_every_verdict_change_with_old_and_new(reviewed, capsys):
    code, out, _ = run(capsys, "diff", "HEAD", "--root", reviewed, "-f", "json")
    verdict = {(v["area"], v["action"], v["subject"]): v for v in json.loads(out)["verdict"]}
    off = verdict[("config", "新增", "severity_overrides.PWR-ACCOUNTABILITY-CASES")]
    assert (off["after"], off["file"], off["line"]) == ("off", "policykit.yaml", 5)   # unquoted off, read as false
    assert verdict[("config", "新增", "waiver_max_days")]["after"] == "1095"
    assert verdict[("rules", "删除", "WVR-TERM")]["before"].startswith("error")
    level = next(v for k, v in verdict.items() if k[:2] == ("rules", "修改"))
    assert "级别 error" in level["before"] and "级别 info" in level["after"]
    assert verdict[("schemas", "新增", "powers.schema.json")]["after"] == "替代内置模式"
    added = verdict[("waivers", "新增", "规则 PWR-LEVELS 对 370199101XK00100")]
    assert added["after"].startswith("批准人 市委编办主任办公会；批准 ") and added["line"] == 2
    code, md, _ = run(capsys, "diff", "HEAD", "--root", reviewed)
    assert "### 判定规则变更 · changes to what decides the verdict（6 项，须审阅）" in md
    assert "其他变更的文件" not in md     # policykit.yaml and the waivers are in the section above


def test_check_since_reports_verdict_changes_as_review_problems(reviewed, capsys):
    code, out, _ = run(capsys, "check", reviewed, "--since", "HEAD", "-q", "--engine", "oracle")
    review = [line for line in out.splitlines() if "[REVIEW-" in line]
    assert len(review) == 6, review
    assert any(line.startswith("policykit.yaml:5:3: 警告 [REVIEW-CONFIG] 判定规则变更，须审阅：配置新增："
                               "severity_overrides.PWR-ACCOUNTABILITY-CASES") for line in review)
    assert any(line.startswith("lists/waivers.yaml:2:5: 警告 [REVIEW-WAIVERS]") for line in review)
    assert any("[REVIEW-RULES]" in line and "规则删除：WVR-TERM" in line for line in review)
    assert any(line.startswith("schemas/powers.schema.json:1:1: 警告 [REVIEW-SCHEMAS]") for line in review)
    # an unchanged tree has nothing to review
    git(reviewed, "add", "-A")
    git(reviewed, "commit", "-q", "-m", "调整")
    code, out, _ = run(capsys, "check", reviewed, "--since", "HEAD", "-q", "--engine", "oracle")
    assert "[REVIEW-" not in out


def test_a_symlinked_waivers_file_is_not_shown_in_review(reviewed, capsys, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text(f"waivers:\n  - {{rule: {SECRET}, items: [x]}}\n", encoding="utf-8")
    (reviewed / "lists/waivers.yaml").unlink()
    (reviewed / "lists/waivers.yaml").symlink_to(secret)
    code, out, _ = run(capsys, "diff", "HEAD", "--root", reviewed, "-f", "json")
    assert SECRET not in out


def test_diff_staged_shows_the_verdict_changes_about_to_be_committed(reviewed, capsys):
    git(reviewed, "add", "-A")
    (reviewed / "lists/waivers.yaml").write_text("waivers: []\n", encoding="utf-8")   # not staged: not shown
    code, out, _ = run(capsys, "diff", "--staged", "--root", reviewed, "-f", "json")
    areas = sorted(v["area"] for v in json.loads(out)["verdict"])
    assert code == 0 and areas == ["config", "config", "rules", "rules", "schemas", "waivers"]


def test_rules_named_on_the_command_line_may_live_outside_the_repository(city, capsys, tmp_path, monkeypatch):
    """The CI recipe checks a pull request with the base branch's rules (``--rules ../base/rules``): a
    path the operator typed is trusted, unlike ``rules_dir`` in the pull request's policykit.yaml."""
    base = tmp_path / "base"
    shutil.copytree(BUNDLED_RULES, base / "rules")
    root = city({"lists/powers/sthjj.yaml": NO_CASES})
    monkeypatch.chdir(root)
    for args in (("check", "--rules", "../base/rules", "-q"), ("check", "--rules", str(base / "rules"), "-q")):
        rel = os.path.relpath(base / "rules", root)
        args = tuple(rel if a == "../base/rules" else a for a in args)
        code, out, err = run(capsys, *args)
        assert "[FILE-OUTSIDE]" not in out + err
        assert code == 1 and "[PWR-ACCOUNTABILITY-CASES]" in out
    code, out, _ = run(capsys, "test", ".", "--rules", os.path.relpath(base / "rules", root))
    assert code == 0 and "0 个失败" in out
