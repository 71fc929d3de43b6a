"""The CLI end to end: exit codes, every output format, located Chinese messages."""
import json
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest

from conftest import UNKNOWN_FIELD
from policykit.cli import main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_city_exits_zero(city, capsys):
    code, out, _ = run(capsys, "check", str(city.root), "-q")
    assert code == 0, out
    assert "共 0 个错误" in out


def test_unknown_field_is_located_with_suggestion(city, capsys):
    root = city({"lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 1
    line = next(l for l in out.splitlines() if "remakr" in l)
    assert line.startswith("lists/powers/scjgj.yaml:14:5: 错误 [SCHEMA-POWERS]")
    assert "是否应为「remark」" in line


def test_broken_yaml_in_one_file_does_not_hide_others(city, capsys):
    root = city({"lists/organizations/sthjj.yaml": "id: sthjj\nname: [未闭合\n",
                 "lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    code, out, _ = run(capsys, "check", str(root), "-q", "-f", "json")
    data = json.loads(out)
    rules = {p["rule"] for p in data["problems"]}
    assert {"YAML-SYNTAX", "SCHEMA-POWERS"} <= rules
    syntax = next(p for p in data["problems"] if p["rule"] == "YAML-SYNTAX")
    assert syntax["file"] == "lists/organizations/sthjj.yaml" and syntax["line"] == 3
    assert set(data["summary"]) >= {"error", "warning", "info", "total"}
    assert code == 1


def test_json_problem_shape(city, capsys):
    root = city({"lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    _, out, _ = run(capsys, "check", str(root), "-q", "-f", "json")
    problem = json.loads(out)["problems"][0]
    assert set(problem) == {"file", "line", "column", "path", "rule", "severity", "message"}
    assert problem["path"] == "$.items[0].remakr"


def test_sarif_is_valid_sarif_2_1_0(city, capsys, shared_dir):
    import jsonschema
    schema = json.loads((shared_dir / "specs" / "sarif-schema-2.1.0.json").read_text())
    root = city({"lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    _, out, _ = run(capsys, "check", str(root), "-q", "-f", "sarif")
    doc = json.loads(out)
    jsonschema.Draft4Validator(schema).validate(doc)
    result = doc["runs"][0]["results"][0]
    assert result["ruleId"] == "SCHEMA-POWERS"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 14, "startColumn": 5}
    assert any(r["id"] == "PWR-BASIS-PRESENT" for r in doc["runs"][0]["tool"]["driver"]["rules"])


def test_github_annotations_escape_properties(city, capsys):
    root = city({"lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    _, out, _ = run(capsys, "check", str(root), "-q", "-f", "github")
    line = out.splitlines()[0]
    assert line.startswith("::error file=lists/powers/scjgj.yaml,line=14,col=5,title=SCHEMA-POWERS::")
    assert "\n" not in line


def test_junit_is_well_formed(city, capsys):
    root = city({"lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    _, out, _ = run(capsys, "check", str(root), "-q", "-f", "junit")
    tree = ET.fromstring(out.split("\n", 1)[1])
    failures = tree.findall(".//failure")
    assert failures and "remakr" in failures[0].get("message")


def test_gitlab_code_quality(city, capsys):
    root = city({"lists/powers/scjgj.yaml": UNKNOWN_FIELD})
    _, out, _ = run(capsys, "check", str(root), "-q", "-f", "gitlab")
    item = json.loads(out)[0]
    assert item["location"] == {"path": "lists/powers/scjgj.yaml", "lines": {"begin": 14}}
    assert item["severity"] == "major"


def test_fail_on_threshold(city, capsys):
    # an organization file whose name differs from its id is only a warning
    text = (city.root / "lists/organizations/sthjj.yaml").read_text(encoding="utf-8")
    root = city({"lists/organizations/sthjj.yaml": None, "lists/organizations/hb.yaml": text})
    code_default, out, _ = run(capsys, "check", str(root), "-q")
    assert "警告 [ORG-FILE-NAME]" in out and code_default == 0
    code_strict, _, _ = run(capsys, "check", str(root), "-q", "--fail-on", "warning")
    assert code_strict == 1


def test_usage_errors_exit_2(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "nope"])
    assert exc.value.code == 2
    assert "用法错误" in capsys.readouterr().err
    code, _, err = run(capsys, "check", str(tmp_path / "missing"))
    assert code == 2 and "目录不存在" in err


def test_a_broken_schema_of_the_repository_is_bad_input_exit_2(city, capsys):
    root = city({"schemas/powers.schema.json": "{not json"})
    code, _, err = run(capsys, "check", str(root), "-q")
    assert code == 2 and "[SCHEMA-INVALID]" in err and "powers.schema.json" in err
    assert "内部错误" not in err and "Traceback" not in err


def test_console_script_runs_as_module(city):
    proc = subprocess.run([sys.executable, "-m", "policykit", "check", str(city.root), "-q"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_one_broken_organization_file_gives_one_error_not_a_cascade(tmp_path, capsys):
    import shutil
    from pathlib import Path
    root = tmp_path / "city"
    shutil.copytree(Path(__file__).resolve().parents[1], root,
                    ignore=shutil.ignore_patterns(".git", ".venv", "site", "tests", "src", "*.egg-info", "docs"))
    org = root / "lists/organizations/scjgj.yaml"
    lines = org.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = "name: \"明湖市市场监督管理局\n"  # unterminated quote
    org.write_text("".join(lines), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(root), "-q")
    errors = [l for l in out.splitlines() if ": 错误 [" in l]
    assert code == 1 and len(errors) == 1, errors
    assert errors[0].startswith("lists/organizations/scjgj.yaml:") and "YAML-SYNTAX" in errors[0]
    assert "CHECK-HELD-BACK" in out


def test_severity_overrides_in_configuration(city, capsys):
    text = (city.root / "lists/organizations/sthjj.yaml").read_text(encoding="utf-8")
    config = ("city: 示例市\ncategories: [{name: 行政许可, letters: XK}, {name: 行政处罚, letters: CF}]\n"
              "code_pattern: '^(?P<region>\\d{6})(?P<department>\\d{3})(?P<letters>[A-Z]{2})(?P<main>\\d{3})(?P<sub>\\d{2})$'\n")
    root = city({"lists/organizations/sthjj.yaml": None, "lists/organizations/hb.yaml": text,
                 "policykit.yaml": config + "severity_overrides: {ORG-FILE-NAME: error}\n"})
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 1 and "错误 [ORG-FILE-NAME]" in out
    city({"policykit.yaml": config + "severity_overrides: {ORG-FILE-NAME: 'off'}\n"})
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 0 and "[ORG-FILE-NAME]" not in out   # off, and said so at the override
    assert "policykit.yaml:4:22: 警告 [CONFIG-RULE-OFF] 规则 ORG-FILE-NAME「" in out
    city({"policykit.yaml": config + "severity_overrides: {ORG-FILE-NAME: fatal}\n"})
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 1 and "policykit.yaml:4:" in out and "SCHEMA-CONFIG" in out


def test_one_broken_power_file_holds_back_references_to_its_codes(tmp_path, capsys):
    import shutil
    from pathlib import Path
    root = tmp_path / "city"
    shutil.copytree(Path(__file__).resolve().parents[1], root,
                    ignore=shutil.ignore_patterns(".git", ".venv", "site", "tests", "src", "*.egg-info", "docs"))
    powers = root / "lists/powers/scjgj.yaml"
    lines = powers.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].replace("code:", "code", 1)  # a missing colon
    powers.write_text("\n".join(lines), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(root), "-q")
    errors = [l for l in out.splitlines() if ": 错误 [" in l]
    assert code == 1 and len(errors) == 1, errors
    assert errors[0].startswith("lists/powers/scjgj.yaml:") and "缺少冒号" in errors[0]
