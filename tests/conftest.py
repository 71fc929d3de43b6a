"""Shared fixtures: throwaway repositories built from the rules' base city, real git repos."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import gitrepo

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "rules" / "_base"
SHARED = ROOT.parent / "shared"
# the base city's power list of 市场监管局 with one misspelt field (remakr): a schema warning, nothing else
UNKNOWN_FIELD = """department: scjgj
items:
  - code: "370199101XK00100"
    name: 食品经营许可
    category: 行政许可
    legal_basis:
      - {level: 法律, title: 中华人民共和国食品安全法, article: 第三十五条第一款}
    unit: 食品安全科
    responsibilities: [受理责任：依法受理申请]
    accountability_targets: [承办人员]
    accountability_cases: [对符合法定条件的申请不予受理的]
    power_source: 法定本级行使
    status: 在用
    remakr: 拼错的字段
"""
# the smallest safe mkdocs.yml of a city site
MKDOCS_MINIMAL = """site_name: 测试市政府部门职责清单
theme:
  name: material
  language: zh
plugins:
  - policykit
  - search
"""


def penalty_item(code: str, name: str, title: str, article: str, *, category: str = "行政处罚",
                 level: str = "法律") -> str:
    """One power item (YAML, under ``items:``) resting on a single basis: the scripted law cases."""
    return f"""  - code: "{code}"
    name: {name}
    category: {category}
    legal_basis:
      - {{level: {level}, title: {title}, article: {article}}}
    unit: 执法科
    levels: [市级]
    sanding_duty: 1
    responsibilities: [立案责任：对违法行为予以立案]
    accountability_targets: [执法人员]
    accountability_cases: [对应当予以处罚的违法行为不予处罚的]
    power_source: 法定本级行使
    status: 在用
"""


def write_files(root: Path, files: dict) -> None:
    for rel, content in files.items():
        target = root / rel
        if content is None:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Tests never write to the user's parse cache."""
    import os
    os.environ["POLICYKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("policykit-cache"))
    yield


@pytest.fixture
def city(tmp_path):
    """A minimal clean city (rules/_base) in a temp dir, plus a function to overlay files."""
    root = tmp_path / "city"
    shutil.copytree(BASE, root)

    def overlay(files: dict) -> Path:
        write_files(root, files)
        return root
    overlay.root = root
    return overlay


@pytest.fixture(scope="module")
def bundled_repo():
    """The bundled city (this repository's lists), opened once per test module; read it, never change it."""
    import policykit
    return policykit.open_repository(ROOT)


@pytest.fixture
def bundled_copy(tmp_path) -> Path:
    """A copy of the bundled city with its rules and schemas (``tmp_path/city``), to plant defects in."""
    return gitrepo.copy_bundled(tmp_path / "city", "rules", "schemas")


@pytest.fixture(scope="module")
def browser():
    """Headless chromium for the browser tests of one module (launch and skips: tests/chromium.py)."""
    import chromium
    with chromium.launch() as b:
        yield b


def git(cwd: Path, *args: str) -> str:
    """``git ARGS`` in ``cwd`` as the test author, undated (throwaway repositories: tests/gitrepo.py)."""
    return gitrepo.git(cwd, *args)


@pytest.fixture
def shared_dir():
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return SHARED
