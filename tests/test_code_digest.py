"""One digest of policykit's code, derived from the package directory, in every cache key.

Two hand-kept lists (files to include, files to exclude) used to decide when a signed old result
was served; a module left out of either served stale results as trusted."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from policykit.checking import rules as rules_module
from policykit.checking.check import BUNDLED_RULES
from policykit.lists.config import load_config
from policykit.speed import cache, codeversion, incremental, memo


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """A copy of the package's modules the digest is taken from, and a fresh digest memory."""
    copy = tmp_path / "policykit"
    shutil.copytree(codeversion.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(codeversion, "PACKAGE_DIR", copy)
    monkeypatch.setattr(codeversion, "_DIGESTS", {})
    return copy


def _modules(base: Path) -> list[str]:
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_of_every_package_changes_the_digest(package_copy):
    modules = _modules(package_copy)
    # the digest is not a hand-kept list: every package of the layers is in it
    assert {m.split("/")[0] for m in modules} >= {"lists", "speed", "checking", "history", "io", "supervision",
                                                   "site", "bench", "cli", "problems.py", "errors.py"}
    seen = {codeversion.code_digest()}
    for rel in modules:
        path = package_copy / rel
        original = path.read_bytes()
        path.write_bytes(original + b"\n# another build\n")
        codeversion._DIGESTS.clear()
        seen.add(codeversion.code_digest())
        path.write_bytes(original)
    assert len(seen) == len(modules) + 1
    codeversion._DIGESTS.clear()
    (package_copy / "lists" / "new_module.py").write_text("X = 1\n", encoding="utf-8")
    assert codeversion.code_digest() not in seen          # a module added is another build too


def test_changing_one_module_changes_every_cache_key(package_copy, city):
    from policykit.checking.check import run_check
    root = city.root
    config = load_config(root)[0]
    rules = run_check(root).rules
    fields = incremental.fields_read(rules)
    paths = sorted(BUNDLED_RULES.rglob("*.yaml"))

    def keys():
        return {
            "documents": cache._entry_key(cache._salt(config), "powers", "schema", "blob"),
            "memo": memo.key_for(root, config=config, rules_dir=BUNDLED_RULES, engine="durable",
                                 today=dt.date(2026, 1, 1), legal_date=None),
            "compiled rules": rules_module._Compiled(paths, BUNDLED_RULES.parent, config.limits).key,
            "incremental": incremental._state_key("durable", fields),
        }

    before = keys()
    assert before == keys() and all(before.values())
    # a module far from checking (the site) counts as much as the loader
    for rel in ("site/pages.py", "lists/loader.py"):
        path = package_copy / rel
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        codeversion._DIGESTS.clear()
        after = keys()
        assert {name for name in before if before[name] == after[name]} == set(), rel
        path.write_bytes(original)
        codeversion._DIGESTS.clear()
        assert keys() == before
