"""policykit as a library in someone else's process (perhaps a threaded host): a check plays no
process-wide trick unless its caller asks (``ProcessPolicy``), leaves no global behind, and two
checks running side by side in threads give the same problems as one alone."""
from __future__ import annotations

import gc
import os
import sys
import threading
from pathlib import Path

import pytest

from policykit.checking import engine
from policykit.checking.check import ProcessPolicy, run_check
from policykit.speed import cache

ROOT = Path(__file__).resolve().parents[1]   # the bundled city


def _children() -> set[int]:
    """Processes whose parent is this one (zombies included: a child not reaped is left behind too)."""
    me, found = os.getpid(), set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                found.add(int(entry.name))
    return found


def _module_state() -> dict:
    """The size of every module-level dict, list and set of policykit's modules."""
    sizes = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("policykit") and module is not None:
            for attr, value in list(vars(module).items()):
                if isinstance(value, (dict, list, set)) and not attr.startswith("__"):
                    sizes[f"{name}.{attr}"] = len(value)
    return sizes


def _shown(problems) -> list[str]:
    return [f"{p.location()} [{p.rule}] {p.message}" for p in problems]


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@pytest.mark.parametrize("which", ["durable", "oracle"])
def test_two_checks_in_threads_give_the_problems_of_one_and_leave_nothing_behind(which):
    alone = run_check(ROOT, engine=which)   # also fills what may be memoised (compiled schemas, engine ids)
    assert alone.summary["rules"] >= 50
    before = _module_state()
    was_enabled, children = gc.isenabled(), _children()
    results: dict = {}
    errors: list = []
    start = threading.Barrier(2)

    def check(name):
        try:
            start.wait()
            results[name] = run_check(ROOT, engine=which)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=check, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert _shown(results["a"].problems) == _shown(results["b"].problems) == _shown(alone.problems)
    assert results["a"].summary == results["b"].summary == alone.summary
    assert gc.isenabled() == was_enabled and gc.get_freeze_count() == 0
    assert _children() == children, "a rule process or zygote was left behind"
    after = _module_state()
    grown = {k: (before.get(k), v) for k, v in after.items() if v != before.get(k)}
    assert grown == {}, grown


def test_a_library_check_touches_no_garbage_collector_setting(monkeypatch):
    calls = []
    for name in ("disable", "enable", "freeze", "unfreeze"):
        real = getattr(gc, name)
        monkeypatch.setattr(gc, name, lambda *a, _n=name, _r=real: calls.append(_n) or _r(*a))
    run_check(ROOT)
    run_check(ROOT, reuse=True)
    assert calls == []   # forked rule processes switch their own collector off; none of that is here


def test_the_fast_policy_restores_what_it_changed_and_owns_its_zygote(monkeypatch):
    started = []
    real = engine._Zygote.__init__
    monkeypatch.setattr(engine._Zygote, "__init__", lambda self: started.append(self) or real(self))
    children = _children()
    slow = run_check(ROOT, reuse=True)
    fast = run_check(ROOT, reuse=True, process=ProcessPolicy.FAST)
    assert fast.reuse.get("whole") or started, "the fast policy started a zygote (or reused the whole result)"
    assert _shown(fast.problems) == _shown(slow.problems)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert all(not z.alive for z in started) and _children() == children
    # what used to be module globals now belongs to the objects of one check
    assert not hasattr(engine, "_ZYGOTE") and not hasattr(engine, "_BUDGET") and not hasattr(cache, "_LOCATIONS")


def test_the_location_memo_belongs_to_one_check(tmp_path):
    """A reusing check remembers positions through its own documents, only while it runs."""
    from policykit.lists.repository import open_repository
    repo = open_repository(ROOT, documents=cache.load_documents)
    docs = [d for d in repo.documents.values() if isinstance(d, cache.CachedDocument)]
    assert docs
    with cache.remembered_locations(ROOT, repo.documents.values()) as memo:
        assert memo is not None and all(d._memo is memo for d in docs)
        other = open_repository(ROOT, documents=cache.load_documents)   # another check's documents
        assert all(d._memo is None for d in other.documents.values() if isinstance(d, cache.CachedDocument))
    assert all(d._memo is None for d in docs)


def test_the_load_deadline_belongs_to_the_thread_that_set_it():
    """A check whose lists take too long must not stop another thread's check: the deadline of the
    load phase is per thread (one thread's expired deadline, another's reading goes on)."""
    from policykit.errors import LimitExceeded
    from policykit.lists.loader import Limits, check_deadline, load_deadline
    expired = threading.Event()
    other_done = threading.Event()
    outcome = {}

    def slow_check():
        with load_deadline(Limits(max_load_seconds=0)):
            expired.set()
            other_done.wait(10)
            try:
                check_deadline("a.yaml")
            except LimitExceeded:
                outcome["a"] = "stopped"

    def other_check():
        expired.wait(10)
        try:
            check_deadline("b.yaml")
            outcome["b"] = "went on"
        except LimitExceeded:
            outcome["b"] = "stopped by the other thread's deadline"
        other_done.set()

    threads = [threading.Thread(target=slow_check), threading.Thread(target=other_check)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert outcome == {"a": "stopped", "b": "went on"}
