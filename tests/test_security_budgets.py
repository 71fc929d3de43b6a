"""Small hostile inputs get bounded time and memory, and nothing they contain reaches an output raw.

Each attack is one test asserting the safe outcome: a list with tens of thousands of schema errors
(was 191 s), a few megabytes of YAML in flow style or nested brackets (was gigabytes), a three-way
join rule (was 8 GB, then "引擎断言失败" with no reason), escapes that write control characters
into values, and file names and messages that forged report lines and CI annotations. Runaway
parses run in a subprocess under RLIMIT_AS, so a regression fails the test instead of the machine.
"""
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from conftest import penalty_item
from policykit.checking import engine, oracle
from policykit.speed import fastyaml
from policykit.cli import main
from policykit.errors import LimitExceeded
from policykit.lists.loader import Limits, load_bytes
from policykit.problems import Problem
from policykit.checking.reporters import printable, render

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "city: 示例市\ncategories: [{name: 行政许可, letters: XK}, {name: 行政处罚, letters: CF}]\ncode_pattern: '^.*$'\n"
NO_RULES = str(ROOT / "tests" / "fixtures" / "quiet-rules")   # one rule that never matches


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def lines_of(out: str, file: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(file + ":")]


# ---- many problems in one file ------------------------------------------------------------------

def test_fifty_thousand_schema_errors_finish_in_seconds(city, capsys):
    """100 KB of empty catalogue items: three schema errors each. Listing them looked every position
    up by counting through the file (quadratic: 191 s); now at most 100 are listed, found in O(1)."""
    root = city({"lists/catalogs/big.yaml": "id: big\nname: 大目录\nitems:\n" + "- {}\n" * 20000})
    start = time.perf_counter()
    code, out, err = run(capsys, "check", str(root), "-q", "--rules", NO_RULES)
    took = time.perf_counter() - start
    assert code == 1 and "Traceback" not in err
    assert took < 15, took
    found = lines_of(out, "lists/catalogs/big.yaml")
    assert len(found) == 101
    summary = [line for line in found if "未列出" in line]
    assert summary == ["lists/catalogs/big.yaml:37:3: 错误 [SCHEMA-CATALOG] 从这里起还有至少 10001 个问题未列出"
                       "（每个文件最多列出 100 个，limits.max_problems_per_file）；请先修正已列出的问题 "
                       "(at least 10001 more problems not listed)"]


def test_a_cached_document_indexes_its_positions_once_many_are_asked(city):
    """Counting answers one position in O(n); past ``COUNTED_LOOKUPS`` questions the document builds
    its table once and answers each further one in O(1), with the same answers."""
    from policykit.speed import cache
    from policykit import open_repository
    root = city({"lists/catalogs/big.yaml": "id: big\nname: 大目录\nitems:\n" + "- {code: X, name: y, claims: []}\n" * 3000})
    open_repository(root)
    doc = open_repository(root).documents["lists/catalogs/big.yaml"]   # read back from the cache
    assert doc._packed is not None
    ref = load_bytes((root / "lists/catalogs/big.yaml").read_bytes(), "lists/catalogs/big.yaml")
    paths = [("items", i, "name") for i in range(0, 3000, 7)]
    for n, path in enumerate(paths):
        assert doc.position(path) == ref.position(path) and doc.key_position(path) == ref.key_position(path)
        if 2 * (n + 1) <= cache.COUNTED_LOOKUPS:
            assert doc._packed is not None, n
    assert doc._packed is None   # indexed once


def test_the_count_of_unlisted_problems_is_exact_below_its_ceiling(city, capsys):
    root = city({"policykit.yaml": CONFIG + "limits: {max_problems_per_file: 5}\n",
                 "lists/catalogs/big.yaml": "id: big\nname: 大目录\nitems:\n" + "- {}\n" * 30})
    code, out, _ = run(capsys, "check", str(root), "-q", "--rules", NO_RULES)
    assert code == 1
    found = lines_of(out, "lists/catalogs/big.yaml")
    assert len(found) == 6   # 30 items x 3 missing fields: 5 listed, 85 counted
    assert "lists/catalogs/big.yaml:5:3: 错误 [SCHEMA-CATALOG] 从这里起还有 85 个问题未列出" in out


def test_duplicate_keys_are_capped_too():
    text = "id: a\n" + "".join(f"k: {i}\n" for i in range(500))
    doc = load_bytes(text.encode(), "lists/x.yaml", Limits(max_problems_per_file=20))
    assert [p.rule for p in doc.problems] == ["YAML-DUPLICATE-KEY"] * 21
    assert (doc.problems[-1].line, doc.problems[-1].column) == (23, 1)
    assert "从这里起还有 479 个问题未列出" in doc.problems[-1].message
    assert doc.data == {"id": "a", "k": 0}


# ---- node budget, counted while parsing ---------------------------------------------------------

_CHILD = """
import resource, sys
from policykit.cli import main
code = main(sys.argv[1:])
# the peak of this process's own memory: VmHWM starts afresh at exec, whereas ru_maxrss keeps the
# resident size of the pytest process this child was forked from (Linux carries it across execve)
try:
    with open("/proc/self/status") as fh:
        peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stderr.write("\\nmaxrss-kb %d\\n" % peak)
sys.exit(code)
"""


def _bounded(*args, seconds=120, gib=2):
    """``policykit *args`` in a subprocess under RLIMIT_AS (``gib``) and a timeout; the file is
    parsed in that process (no parse workers), so its peak RSS is the parse's."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (gib << 30, gib << 30))
    env = {**os.environ, "POLICYKIT_LOAD_WORKERS": "0", "POLICYKIT_NO_CACHE": "1"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=seconds,
                          preexec_fn=limit, env=env)
    took = time.perf_counter() - start
    rss = int(proc.stderr.rsplit("maxrss-kb ", 1)[1]) if "maxrss-kb" in proc.stderr else None
    return proc, took, rss


@pytest.mark.parametrize("body, where", [
    # a flow list of small mappings: three nodes per 8 bytes
    ("items: [" + "{a: 1}, " * 650_000 + "]\n", "lists/catalogs/big.yaml:3:799993: 错误 [YAML-LIMIT] 节点数超过上限 200000"),
    # many small nodes in block style (the fast reader counts as it goes, then the located one stops)
    ("items:\n" + "- a\n" * 1_300_000, "lists/catalogs/big.yaml:200000:3: 错误 [YAML-LIMIT] 节点数超过上限 200000"),
    # brackets nested 2.5 million deep: libyaml's own bound (1,000 levels) is met first
    ("items: " + "[" * 2_500_000 + "]" * 2_500_000 + "\n", "lists/catalogs/big.yaml:3:1007: 错误 [YAML-LIMIT] 嵌套深度超过"),
], ids=["flow-mappings", "block-list", "nested-brackets"])
def test_five_megabytes_of_yaml_stop_at_the_node_budget_with_bounded_memory(city, body, where):
    root = city({"policykit.yaml": CONFIG + "limits: {max_nodes: 200000}\n",
                 "lists/catalogs/big.yaml": "id: big\nname: 大目录\n" + body})
    assert (root / "lists/catalogs/big.yaml").stat().st_size >= 5_000_000
    proc, took, rss = _bounded("check", str(root), "-q", "--rules", NO_RULES)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert [line for line in proc.stdout.splitlines() if "big.yaml" in line][0].startswith(where)
    assert took < 60 and rss is not None and rss < 400_000, (took, rss)   # KB; the composed tree took GBs


def test_the_default_node_budget_bounds_a_flow_list_of_five_megabytes(city):
    """Before: 134 s and a peak of 10 GB for this file; the default budget stops it near 0.45 GB."""
    root = city({"lists/catalogs/big.yaml": "id: big\nname: 大目录\nitems: [" + "{a: 1}, " * 625_000 + "]\n"})
    proc, took, rss = _bounded("check", str(root), "-q", "--rules", NO_RULES)
    assert proc.returncode == 1, proc.stderr[-2000:]
    [line] = [line for line in proc.stdout.splitlines() if "big.yaml" in line]
    assert line.startswith("lists/catalogs/big.yaml:3:3999993: 错误 [YAML-LIMIT] 节点数超过上限 1000000（limits.max_nodes），"
                           "已停止读取本文件")
    assert took < 90 and rss is not None and rss < 800_000, (took, rss)


def test_the_node_budget_is_counted_as_the_fast_reader_goes():
    text = "items:\n" + "- a\n" * 5000
    assert fastyaml.load(text.encode(), Limits(max_nodes=4000)) is None
    assert fastyaml.load(text.encode(), Limits(max_nodes=6000)) is not None
    doc = load_bytes(text.encode(), "lists/x.yaml", Limits(max_nodes=4000))
    [p] = doc.problems
    assert (p.rule, p.line, p.column, p.path) == ("YAML-LIMIT", 4000, 3, "$.items[3998]")   # node 4,001
    assert doc.data is None


def test_reading_the_lists_has_a_time_budget(city, capsys):
    """A phase deadline for reading every file (max_load_seconds): one clear located error, exit 2."""
    root = city({"policykit.yaml": CONFIG + "limits: {max_load_seconds: 1}\n",
                 "lists/catalogs/big.yaml": "id: big\nname: 大目录\nitems: [" + "{a: 1}, " * 320_000 + "]\n"})
    start = time.perf_counter()
    code, out, err = run(capsys, "check", str(root), "-q", "--rules", NO_RULES)
    assert code == 2 and out == "" and "Traceback" not in err
    assert time.perf_counter() - start < 20
    assert err.startswith("policykit: 错误: lists/catalogs/big.yaml:3:")
    assert "[LIMIT-TIME] 读取清单超过时间上限 1 秒（limits.max_load_seconds），已停止" in err


# ---- rules ------------------------------------------------------------------------------------

JOIN = """id: X-JOIN
title: 三方连接
severity: warning
article: 测试
reads: [power]
when:
  - fact: a
    kind: power
  - fact: b
    kind: power
    where:
      department: {eq_field: a.department}
      key: {ne_field: a.key}
  - fact: c
    kind: power
    where:
      department: {eq_field: b.department}
      key: {ne_field: b.key}
message: "{a.code} {b.code} {c.code}"
examples:
  - {name: a, expect: pass, files: {}}
  - {name: b, expect: fail, files: {}}
"""


@pytest.fixture
def joined(city, tmp_path):
    """A city with 160 power items of one department and a rule matching every ordered triple of
    them (4 million matches): legal, since each later fact is joined by equality, and runaway."""
    items = "".join(penalty_item(f"370199101CF{i:03d}00", f"对违法行为{i}的处罚", "中华人民共和国食品安全法", "第一条")
                    for i in range(160))
    root = city({"lists/powers/scjgj.yaml": "department: scjgj\nitems:\n" + items})
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "join.yaml").write_text(JOIN, encoding="utf-8")

    def check(capsys, limits: str, *extra):
        (root / "policykit.yaml").write_text(CONFIG + f"limits: {{{limits}}}\n", encoding="utf-8")
        start = time.perf_counter()
        code, out, err = run(capsys, "check", str(root), "-q", "--rules", str(rules), *extra)
        return code, out, err, time.perf_counter() - start
    return check


def test_a_runaway_join_stops_at_the_time_budget(joined, capsys):
    code, out, err, took = joined(capsys, "max_rule_seconds: 2, max_rule_memory_mib: 2048")
    assert code == 2 and out == "" and "Traceback" not in err
    assert took < 20, took
    assert err.startswith("policykit: 错误: rules/join.yaml:1:1: [LIMIT-RULE-TIME] 规则 X-JOIN 运行超过时间上限 2 秒"
                          "（limits.max_rule_seconds），已停止")
    assert "提示: " in err and "eq_field" in err


def test_a_runaway_join_stops_at_the_memory_budget(joined, capsys):
    code, out, err, took = joined(capsys, "max_rule_memory_mib: 64")
    assert code == 2 and "Traceback" not in err and "引擎断言失败" not in err
    assert took < 60, took
    # a located error at the rule; the other rules' results (none here) would be reported with it
    assert out.startswith("rules/join.yaml:1:1: 错误 [LIMIT-RULE-MEMORY] 规则 X-JOIN 超过内存上限 64 MiB"
                          "（limits.max_rule_memory_mib），已停止")
    assert err.startswith("policykit: 错误: 1 条规则超出预算，检查不完整")


@pytest.mark.parametrize("engine_name", ["durable", "oracle"])
def test_a_runaway_join_stops_at_the_match_ceiling(joined, capsys, engine_name):
    code, out, err, took = joined(capsys, "max_rule_matches: 5000", "--engine", engine_name)
    assert code == 2 and out == "" and "Traceback" not in err
    assert took < 60, took
    assert err.startswith("policykit: 错误: rules/join.yaml:1:1: [LIMIT-RULE-MATCHES] 规则 X-JOIN 的匹配超过上限 5000")


def test_the_same_join_within_its_budget_reports_every_match(joined, capsys, city):
    """The budgets change nothing below them: over 12 items the join's 1,320 matches are all
    reported, by the engine and by the oracle alike."""
    items = "".join(penalty_item(f"370199101CF{i:03d}00", f"对违法行为{i}的处罚", "中华人民共和国食品安全法", "第一条")
                    for i in range(12))
    city({"lists/powers/scjgj.yaml": "department: scjgj\nitems:\n" + items})
    outputs = []
    for engine_name in ("durable", "oracle"):
        code, out, err, _ = joined(capsys, "max_rule_seconds: 60, max_rule_matches: 1320", "--engine", engine_name)
        assert code == 0 and err == "", err
        outputs.append(out)
        assert len([line for line in out.splitlines() if "[X-JOIN]" in line]) == 12 * 11 * 10
    assert outputs[0] == outputs[1]


def test_a_three_fact_join_without_equality_is_refused_when_compiled(city, capsys, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    loose = JOIN.replace("department: {eq_field: b.department}\n", "")
    (rules / "join.yaml").write_text(loose, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(city.root), "-q", "--rules", str(rules))
    assert code == 1
    assert ("rules/join.yaml:14:5: 错误 [RULE-INVALID] 匹配三个事实的规则中，后面每个事实都须有一个 eq_field 条件"
            "与前面的事实相等连接") in out


def test_budgets_reach_rule_processes_of_the_zygote_and_of_this_process():
    """The same ceiling however the rules are run: forked here, from the zygote, in this process."""
    facts = [{"kind": "power", "key": f"k{i}", "seq": i + 1, "department": "d", "code": "c"} for i in range(40)]
    from policykit.lists.loader import parse_text
    from policykit.checking.rules import compile_rule
    rule, problems = compile_rule(parse_text(JOIN, "rules/join.yaml"))
    assert rule is not None, problems
    limits = Limits(max_rule_matches=1000)
    for workers in (0, 1):
        with pytest.raises(LimitExceeded) as err:
            engine.evaluate([rule], facts, workers=workers, budget=engine.Budget.of(limits))
        assert "[LIMIT-RULE-MATCHES] 规则 X-JOIN" in err.value.message
    with engine.small_runs_in_zygote() as zygotes, pytest.raises(LimitExceeded):
        assert zygotes.zygote is not None
        engine.evaluate([rule], facts, workers=1, budget=engine.Budget.of(limits), zygote=zygotes.zygote)
    with pytest.raises(LimitExceeded):
        oracle.evaluate([rule], facts, budget=engine.Budget.of(limits))
    # below the ceiling engine and oracle agree, as always
    small = facts[:8]
    assert engine.evaluate([rule], small) == oracle.evaluate([rule], small) and len(oracle.evaluate([rule], small)["X-JOIN"]) == 336


# ---- control characters: in values, file names, messages ---------------------------------------

@pytest.mark.parametrize("value, column, name", [
    (r'"\e[2J清屏"', 1, "U+001B（ESC）"),
    (r'"名称\0"', 3, "U+0000（NUL）"),
    (r'"abc\u202edcba"', 4, "U+202E（RLO）"),
    (r'"\x1b]8;;https://evil.example\x07链接\x1b]8;;\x07"', 1, "U+001B（ESC）"),
    (r'"第一行\r第二行"', 4, "U+000D（CR）"),
    ("正文\u2066隔离\u2069", 3, "U+2066（LRI）"),
])
def test_control_characters_in_values_are_a_located_problem(city, capsys, value, column, name):
    root = city({"lists/catalogs/hlwjg.yaml": f"id: hlwjg\nname: {value}\nitems: []\n"})
    code, out, _ = run(capsys, "check", str(root), "-q", "--rules", NO_RULES)
    assert code == 1
    [line] = lines_of(out, "lists/catalogs/hlwjg.yaml")
    assert line.startswith(f"lists/catalogs/hlwjg.yaml:2:7: 错误 [YAML-CONTROL-CHAR] 值的第 {column} 个字符是控制字符 {name}")
    assert "\x1b" not in out and "\u202e" not in out and "\u2066" not in out


def test_a_key_with_an_escape_is_located_at_the_key(city, capsys):
    root = city({"lists/catalogs/hlwjg.yaml": 'id: hlwjg\nname: 目录\n"it\\u202eems": []\n'})
    code, out, _ = run(capsys, "check", str(root), "-q", "--rules", NO_RULES)
    assert code == 1
    assert "lists/catalogs/hlwjg.yaml:3:1: 错误 [YAML-CONTROL-CHAR] 键「it\\u202eems」的第 3 个字符是控制字符 U+202E（RLO）" in out


def test_tabs_and_newlines_written_as_escapes_stay_allowed():
    doc = load_bytes('a: "第一行\\n\\t第二行"\n'.encode(), "lists/x.yaml")
    assert doc.problems == [] and doc.data == {"a": "第一行\n\t第二行"}


def test_the_fast_reader_leaves_bidi_controls_to_the_located_loader():
    assert fastyaml.load("a: 正文\u202e文正\n".encode()) is None
    assert fastyaml.load("a: 正文\u2069\n".encode()) is None
    assert fastyaml.load("a: 正文\u2030文正\n".encode()) is not None   # the per mille sign is text


HOSTILE_NAME = "x\n共 0 个错误、0 个警告 · 0 error(s)\x1b[2J\u202e.yaml"


@pytest.fixture
def forged(city):
    """A list file whose name holds a newline, a forged summary and an ESC sequence, and whose
    content makes a schema message quote an escaped value with a newline and '::error'."""
    root = city({})
    (root / "lists/catalogs" / HOSTILE_NAME).write_text(
        'id: "a\\n::error file=README.md,line=1::伪造\\e[31m"\nname: 目录\nitems: []\n', encoding="utf-8")
    return root


def test_text_output_shows_every_control_character_escaped(forged, capsys):
    code, out, _ = run(capsys, "check", str(forged), "-q", "--rules", NO_RULES)
    assert code == 1
    assert "\x1b" not in out and "\u202e" not in out
    lines = out.splitlines()
    assert len(lines) == 3 and lines[-1].startswith("共 2 个错误")   # 2 problems, one summary: nothing forged
    assert all(line.startswith("lists/catalogs/x\\x0a共 0 个错误、0 个警告 · 0 error(s)\\x1b[2J\\u202e.yaml:")
               for line in lines[:2])
    assert "\\x0a::error file=README.md,line=1::伪造\\x1b[31m" in out


def test_github_annotations_cannot_be_forged(forged, capsys):
    code, out, _ = run(capsys, "check", str(forged), "-q", "-f", "github", "--rules", NO_RULES)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2 and all(line.startswith("::error file=lists/catalogs/x%0A") for line in lines)
    assert "%0A::error file=README.md,line=1::" in out   # the message's newline is GitHub's escape
    assert "\x1b" not in out and "\u202e" not in out
    first = lines[0]
    props = first.split("::")[1]
    assert props.count(",") == 3 and "%2C" not in props.split(",title=")[1]   # file=,line=,col=,title=


def test_junit_is_well_formed_xml(forged, capsys):
    code, out, _ = run(capsys, "check", str(forged), "-q", "-f", "junit", "--rules", NO_RULES)
    assert code == 1
    tree = ET.fromstring(out.split("\n", 1)[1])
    names = [s.get("name") for s in tree.iter("testsuite")]
    assert "lists/catalogs/x\\x0a共 0 个错误、0 个警告 · 0 error(s)\\x1b[2J\\u202e.yaml" in names
    assert len(list(tree.iter("failure"))) == 2


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab"])
def test_json_outputs_escape_and_keep_the_exact_text(forged, capsys, fmt):
    code, out, _ = run(capsys, "check", str(forged), "-q", "-f", fmt, "--rules", NO_RULES)
    assert code == 1
    assert all(c not in out for c in "\x1b\u202e")   # written as \u001b, \u202e: the data is unchanged
    data = json.loads(out)
    files = {"json": lambda: [p["file"] for p in data["problems"]],
             "sarif": lambda: [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                               for r in data["runs"][0]["results"]],
             "gitlab": lambda: [p["location"]["path"] for p in data]}[fmt]()
    assert files == ["lists/catalogs/" + HOSTILE_NAME] * 2


def test_reporters_escape_every_class_of_unsafe_character():
    nasty = "a\x00b\x07c\x1bd\x7fe\x85f\u2028g\u202ah\u2069i\ud800j\ufffek\tl"
    assert printable(nasty) == ("a\\x00b\\x07c\\x1bd\\x7fe\\x85f\\u2028g\\u202ah\\u2069i\\ud800j\\ufffek\\x09l")
    p = Problem("f.yaml", 1, 1, "$", "R", "error", nasty)
    for fmt in ("text", "github", "junit", "json", "sarif", "gitlab"):
        out = render(fmt, [p], {"error": 1, "warning": 0, "info": 0, "waived": 0, "total": 1})
        out.encode("utf-8")   # a lone surrogate no longer makes writing the report fail
        assert not any(c in out for c in "\x00\x07\x1b\x7f\x85\u2028\u202a\u2069\ufffe")


def test_an_error_message_on_stderr_is_escaped_too(city, capsys):
    root = city({"policykit.yaml": CONFIG + "limits: {max_load_seconds: 1}\n"})
    (root / "lists/catalogs" / "慢\x1b[2J.yaml").write_text(
        "id: big\nname: 大目录\nitems: [" + "{a: 1}, " * 320_000 + "]\n", encoding="utf-8")
    code, _, err = run(capsys, "check", str(root), "-q", "--rules", NO_RULES)
    assert code == 2 and "\x1b" not in err and "lists/catalogs/慢\\x1b[2J.yaml:3:" in err
