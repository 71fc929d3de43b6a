"""Compiled rules are remembered between runs only for the very same inputs.

A second ``load_rules`` over the same bytes reads the compiled rules back (equal to compiling them
again); an edited rule file, a broken one, or a tampered store entry is compiled afresh.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policykit.checking import rules as rules_module
from policykit.speed.cache import Store
from policykit.checking.check import BUNDLED_RULES
from policykit.checking.rules import load_rules


@pytest.fixture
def rules_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("POLICYKIT_NO_CACHE", raising=False)
    target = tmp_path / "repo" / "rules"
    shutil.copytree(BUNDLED_RULES, target)
    return target


def _compiled_here(monkeypatch) -> list:
    calls = []
    real = rules_module._load_rules

    def spy(*args):
        calls.append(1)
        return real(*args)
    monkeypatch.setattr(rules_module, "_load_rules", spy)
    return calls


def test_second_load_reads_back_what_the_first_compiled(rules_dir, monkeypatch):
    root = rules_dir.parent
    first = load_rules(rules_dir, root)
    calls = _compiled_here(monkeypatch)
    again = load_rules(rules_dir, root)
    assert calls == [] and again == first
    assert [repr(r.patterns) for r in again[0]] == [repr(r.patterns) for r in first[0]]  # tuples stay tuples


def test_an_edited_or_broken_rule_file_is_compiled_again(rules_dir, monkeypatch):
    root = rules_dir.parent
    load_rules(rules_dir, root)
    path = next(p for p in sorted(rules_dir.rglob("*.yaml")) if "_base" not in p.parts)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("severity: error", "severity: warning", 1)
                    if "severity: error" in text else text.replace("severity: warning", "severity: error", 1),
                    encoding="utf-8")
    calls = _compiled_here(monkeypatch)
    edited = load_rules(rules_dir, root)
    assert calls == [1]
    monkeypatch.setenv("POLICYKIT_NO_CACHE", "1")
    fresh = load_rules(rules_dir, root)
    monkeypatch.delenv("POLICYKIT_NO_CACHE")
    assert calls == [1, 1] and edited == fresh
    path.write_text("id: [unclosed\n", encoding="utf-8")
    broken = load_rules(rules_dir, root)
    assert broken[1] and any(p.file.endswith(path.name) for p in broken[1])
    assert load_rules(rules_dir, root) == broken      # the problems are remembered exactly too


def test_a_tampered_entry_is_not_trusted(rules_dir, monkeypatch):
    root = rules_dir.parent
    first = load_rules(rules_dir, root)
    store = Store.for_root(root)
    entries = [p for p in Path(store.dir).rglob("*.json")]
    assert entries
    for entry in entries:  # flip a byte in every stored body
        raw = bytearray(entry.read_bytes())
        raw[-1] ^= 0x01
        entry.write_bytes(bytes(raw))
    calls = _compiled_here(monkeypatch)
    assert load_rules(rules_dir, root) == first and calls == [1]
