"""The house's layers, held by machine (see docs/architecture.md).

- the import-linter contracts in pyproject.toml (layers, the speed wing's narrow door) hold;
- no import cycles between modules;
- each outside system has one door: durable-rules only in checking/engine.py, GitPython only in lists/gitdoor.py;
- no function above cyclomatic complexity 30 (radon's measure) outside generated code.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "policykit"
MAX_COMPLEXITY = 30


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("policykit", include_external_packages=True, cache_dir=None)


def test_import_linter_contracts_hold():
    """In a process of its own: import-linter configures logging with dictConfig, which would
    disable every logger already created in this one (the site plugin's among them)."""
    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(ROOT / 'pyproject.toml')!r}, no_cache=True, no_logo=True))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. import cycles."""
    modules = sorted(m for m in graph.modules if m.startswith("policykit"))
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.find_modules_directly_imported_by(v)):
            if not w.startswith("policykit"):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    import sys
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(10000)
    try:
        for m in modules:
            if m not in index:
                visit(m)
    finally:
        sys.setrecursionlimit(old)
    return out


def test_no_import_cycles(graph):
    assert _cycles(graph) == []


@pytest.mark.parametrize("external, door", [("durable", "policykit.checking.engine"),
                                             ("durable_rules_engine", "policykit.checking.engine"),
                                             ("git", "policykit.lists.gitdoor")])
def test_each_outside_system_has_one_door(graph, external, door):
    if external not in graph.modules:
        pytest.skip(f"{external} is not imported at all")
    importers = {m for m in graph.find_modules_that_directly_import(external) if m.startswith("policykit")}
    assert importers <= {door}, f"{external} imported outside its door: {sorted(importers - {door})}"


def _generated(path: Path) -> bool:
    return False


def test_no_function_above_complexity_30():
    radon = pytest.importorskip("radon.complexity")
    over = []
    for path in sorted(SRC.rglob("*.py")):
        if _generated(path):
            continue
        for block in radon.cc_visit(path.read_text(encoding="utf-8")):
            for b in [block, *getattr(block, "methods", [])]:
                if b.complexity > MAX_COMPLEXITY:
                    over.append(f"{path.relative_to(ROOT)}:{b.lineno} {b.fullname} {b.complexity}")
    assert sorted(set(over)) == []


def test_the_architecture_page_names_every_package_and_the_contract_names_every_package():
    """docs/architecture.md is the map: a package added without a row there (or outside the layers
    contract) fails here, so the map and the house cannot drift apart."""
    import tomllib
    packages = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").is_file())
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing_from_page = [p for p in packages if f"`{p}/`" not in page]
    assert missing_from_page == []
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")["layers"]
    named = {name.strip() for layer in layers for name in layer.replace(":", "|").split("|")}
    assert sorted(set(packages) - named) == []
    modules = sorted(p.stem for p in SRC.glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert sorted(set(modules) - named) == []
