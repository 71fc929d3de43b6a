"""A rule process that dies of a signal because it ran out of its memory budget is the rule's problem
(exit 2, located at the rule, naming the budget), not an internal error (exit 3), and the other rules'
results are still reported.

The durable-rules engine reports most failed allocations itself (``ERR_OUT_OF_MEMORY``, tested in
test_security_budgets.py); an allocation it does not check dies of SIGSEGV once ``RLIMIT_AS`` is
reached, and the kernel's OOM killer ends a process with SIGKILL. The rule process below does what
such an engine does, for real: it allocates with libc ``malloc`` and writes to what it got without
checking, under the memory budget of a real ``policykit check``. And ``--workers 0``, which runs the
rules in the checking process where no memory limit can be set, is refused unless asked for.
"""
from __future__ import annotations

import ctypes
import os
import signal
import time

import pytest

from policykit.checking import engine
from policykit.cli import main

CONFIG = "city: 示例市\ncategories: [{name: 行政许可, letters: XK}, {name: 行政处罚, letters: CF}]\ncode_pattern: '^.*$'\n"

def _one_fact_rule(rule_id: str, title: str, kind: str, message: str) -> str:
    """A rule matching every fact of ``kind`` (fact ``f``), with two examples that never run here."""
    return (f"id: {rule_id}\ntitle: {title}\nseverity: warning\narticle: 测试\nreads: [{kind}]\n"
            f"when:\n  - fact: f\n    kind: {kind}\nmessage: \"{message}\"\n"
            "examples:\n  - {name: a, expect: pass, files: {}}\n  - {name: b, expect: fail, files: {}}\n")


GREEDY = _one_fact_rule("X-GREEDY", "贪婪规则", "power", "{f.code}")
EVERY = _one_fact_rule("X-EVERY", "每个部门", "department", "部门 {f.name}")


def _unchecked_allocations(how: str):
    """A rule process that allocates 1 MiB at a time and writes to it without checking malloc's
    answer (as C code that does not check would): under RLIMIT_AS malloc returns NULL and the write
    ends the process with SIGSEGV; ``how == "oom"``: after 24 MiB the process is killed with SIGKILL,
    as the kernel's OOM killer does."""
    real = engine.run_unit

    def run_unit(unit, facts_by_kind, budget=None):
        if "X-GREEDY" not in engine._unit_ids(unit):
            return real(unit, facts_by_kind, budget)
        import faulthandler
        faulthandler.disable()   # pytest's, inherited: the crash is on purpose, no trace wanted
        libc = ctypes.CDLL(None)
        libc.malloc.restype = ctypes.c_void_p
        libc.malloc.argtypes = [ctypes.c_size_t]
        for i in range(1 << 14):
            if how == "oom" and i == 24:
                os.kill(os.getpid(), signal.SIGKILL)
            p = libc.malloc(1 << 20)
            ctypes.memset(p, 1, 1 << 20)   # p is None (NULL) once the budget is reached: SIGSEGV
        raise AssertionError("16 GiB allocated under a 32 MiB budget")
    return run_unit


@pytest.fixture
def greedy(city, tmp_path, monkeypatch):
    """A city, a rule directory with the greedy rule and an ordinary rule that finds a problem."""
    root = city({"policykit.yaml": CONFIG + "limits: {max_rule_memory_mib: 32}\n"})
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "greedy.yaml").write_text(GREEDY, encoding="utf-8")
    (rules / "every.yaml").write_text(EVERY, encoding="utf-8")

    def check(capsys, how: str, *extra):
        monkeypatch.setattr(engine, "run_unit", _unchecked_allocations(how))
        start = time.perf_counter()
        code = main(["check", str(root), "-q", "--rules", str(rules), *extra])
        out, err = capsys.readouterr()
        return code, out, err, time.perf_counter() - start
    return check


@pytest.mark.parametrize("how", ["segv", "oom"])
def test_a_rule_process_killed_over_its_memory_budget_is_exit_2_naming_the_rule_and_the_budget(greedy, capsys, how):
    code, out, err, took = greedy(capsys, how)
    assert code == 2 and "Traceback" not in err and "内部错误" not in err, err
    assert took < 60, took
    assert err == ("policykit: 错误: 1 条规则超出预算，检查不完整（其余规则的结果已照常报告） "
                   "(rules over budget: the check is incomplete)\n")
    signame = "SIGSEGV" if how == "segv" else "SIGKILL"
    over = [line for line in out.splitlines() if "[LIMIT-RULE-MEMORY]" in line]
    assert len(over) == 1 and over[0].startswith(
        "rules/greedy.yaml:1:1: 错误 [LIMIT-RULE-MEMORY] 规则 X-GREEDY 超出内存预算 32 MiB（limits.max_rule_memory_mib）："
        "规则进程增长约 "), out
    assert over[0].endswith(f"MiB 后被 {signame} 终止，已停止 (rule exceeded its memory budget)")
    # the other rule's results are reported as ever: one problem per department of the city
    assert len([line for line in out.splitlines() if "[X-EVERY] 部门 " in line]) == 2, out
    grown = int(over[0].split("规则进程增长约 ")[1].split(" MiB")[0])   # resident growth (freed heap is reused)
    assert grown >= 16 if how == "segv" else grown >= 0, grown   # RSS may also grow into reserved address space


def test_a_crash_below_the_budget_is_still_an_internal_error(city, capsys, monkeypatch, tmp_path):
    """Only a process that grew to its budget is taken for one that ran out of it."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "greedy.yaml").write_text(GREEDY, encoding="utf-8")
    city({"policykit.yaml": CONFIG + "limits: {max_rule_memory_mib: 512}\n"})

    def crash(unit, facts_by_kind, budget=None):
        import faulthandler
        faulthandler.disable()
        os.kill(os.getpid(), signal.SIGSEGV)
    monkeypatch.setattr(engine, "run_unit", crash)
    code = main(["check", str(city.root), "-q", "--rules", str(rules)])
    err = capsys.readouterr().err
    assert code == 3 and "规则 X-GREEDY 的引擎进程异常退出（被 SIGSEGV 终止" in err and "结果不可信" in err


def test_workers_0_is_refused_unless_the_memory_budget_is_given_up_by_name(greedy, capsys, city):
    """In this process no memory limit can be set for the rules alone: ``--workers 0`` is exit 2
    before anything runs; ``--no-rule-memory-budget`` runs them here, and ``--workers 1`` keeps the budget."""
    code, out, err, _ = greedy(capsys, "segv", "--workers", "0")
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.startswith("policykit: 错误: --workers 0 在本进程中运行规则，规则的内存预算（limits.max_rule_memory_mib）"
                          "无法生效，不予运行")
    assert "--workers 1" in err and "--no-rule-memory-budget" in err
    code, _, err, _ = greedy(capsys, "segv", "--workers", "-1")
    assert code == 2 and "--workers 应为 0 或正整数" in err
    code, out, _, _ = greedy(capsys, "segv", "--workers", "1")
    assert code == 2 and "[LIMIT-RULE-MEMORY] 规则 X-GREEDY 超出内存预算 32 MiB" in out
    code = main(["check", str(city.root), "-q", "--workers", "0", "--no-rule-memory-budget"])   # the bundled rules
    out, err = capsys.readouterr()
    assert code == 1 and err == "" and "[PWR-CODE-CATEGORY]" in out   # the configuration's code pattern
