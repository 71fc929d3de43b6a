"""Hostile and broken input: nothing crashes, hangs, lies, executes what it reads, or reaches the network."""
import json
import os
import signal
import socket
import time

import pytest

from policykit import engine
from policykit.check import run_check
from policykit.cli import main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_remote_ref_in_a_schema_never_touches_the_network(city, capsys, monkeypatch):
    def no_network(*a, **k):
        raise AssertionError("network access attempted")
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "properties": {"items": {"$ref": "https://evil.example/schema.json"}}}
    root = city({"schemas/powers.schema.json": json.dumps(schema)})
    code, out, err = run(capsys, "check", str(root), "-q")
    assert code == 2
    assert "$ref" in err and "从不访问网络" in err and "Traceback" not in err


def test_python_tags_never_construct_anything(city, capsys, tmp_path):
    marker = tmp_path / "pwned"
    root = city({"lists/powers/scjgj.yaml":
                 f"department: scjgj\nitems: !!python/object/apply:os.system ['touch {marker}']\n"})
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 1 and "YAML-TAG" in out and not marker.exists()


def test_symlink_out_of_the_repository_is_not_read(city, capsys, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("department: scjgj\nitems: []\n", encoding="utf-8")
    root = city({})
    (root / "lists/powers/evil.yaml").symlink_to(secret)
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 1
    line = next(l for l in out.splitlines() if "evil.yaml" in l)
    assert "仓库之外" in line


def test_file_that_is_not_a_mapping(city, capsys):
    root = city({"lists/boundaries/BJ-002.yaml": "- 应急物资保障\n- 危险化学品\n"})
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 1 and "lists/boundaries/BJ-002.yaml:1:1: 错误 [YAML-NOT-MAPPING]" in out


def test_huge_and_deep_files_are_bounded(city, capsys):
    root = city({"policykit.yaml": "city: 示例市\ncategories: [{name: 行政许可, letters: XK}]\n"
                                   "code_pattern: '^.*$'\nlimits: {max_file_bytes: 100000, max_depth: 40}\n",
                 "lists/catalogs/big.yaml": "id: big\nname: " + "长" * 60000 + "\nitems: []\n",
                 "lists/catalogs/deep.yaml": "id: deep\nname: x\nitems: " + "[" * 60 + "]" * 60 + "\n"})
    start = time.perf_counter()
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert time.perf_counter() - start < 30
    assert code == 1
    assert "lists/catalogs/big.yaml:1:1: 错误 [YAML-LIMIT]" in out
    assert any("deep.yaml" in l and "YAML-LIMIT" in l for l in out.splitlines())


def test_rule_with_unknown_field_is_a_located_rule_problem(city, capsys, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("""id: X-BAD
title: 坏规则
severity: error
article: 无
reads: [power]
when:
  - fact: p
    kind: power
    where:
      basis_cnt: {lt: 1}
message: "{p.code}"
examples:
  - {name: a, expect: pass, files: {}}
  - {name: b, expect: fail, files: {}}
""", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(city.root), "-q", "--rules", str(rules))
    assert code == 1
    assert "rules/bad.yaml:10:18: 错误 [RULE-INVALID] 事实类型「power」没有字段「basis_cnt」" in out


def test_engine_crash_inside_a_rule_is_an_internal_error(city, capsys, monkeypatch):
    def crash(rule, facts_by_kind):
        os.kill(os.getpid(), signal.SIGSEGV)
    monkeypatch.setattr(engine, "run_rule", crash)
    code, _, err = run(capsys, "check", str(city.root), "-q")
    assert code == 3
    assert "引擎进程异常退出" in err and "结果不可信" in err


def test_engine_error_inside_a_rule_is_an_internal_error(city, capsys, monkeypatch):
    def fail(rule, facts_by_kind):
        raise RuntimeError("action failed")
    monkeypatch.setattr(engine, "run_rule", fail)
    code, _, err = run(capsys, "check", str(city.root), "-q")
    assert code == 3 and "action failed" in err


@pytest.mark.parametrize("content", [b"\xff\xfe\x00\x00garbage", b"\x00" * 64, "名称: 值\n".encode("utf-16-le")])
def test_binary_garbage_in_lists(city, capsys, content):
    root = city({"lists/tasks/sthjj.yaml": content})
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 1 and "lists/tasks/sthjj.yaml:1:" in out
