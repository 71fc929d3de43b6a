"""The wheel is what a new city installs: build it, install it in a fresh virtual environment outside
the source tree, and start a city with it — init, import a real published list, check, build the site.

Nothing is downloaded: the wheel is built with this environment's setuptools (no build isolation),
installed without dependencies, and the fresh environment finds the dependencies through a ``.pth``
line naming this environment's site-packages (which does not make the source tree importable: the
editable install's own ``.pth`` there is not processed). The test proves policykit runs from the
wheel, not from ``src/``; the source distribution carries the same files. About 30 s."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KARAMAY = ROOT.parent / "shared" / "datasets" / "karamay-2024" / "lists" / "克拉玛依市商务局2024年权责清单.xlsx"

pytestmark = pytest.mark.slow


def _run(cmd, cwd, env, timeout=180):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _source_copy(tmp: Path) -> Path:
    """The files a wheel is built from, copied outside the checkout (a build writes build/ and
    *.egg-info beside its sources, which must not land in the shared work tree). The links
    src/policykit/defaults/{rules,schemas} are copied as links, with the folders they point to."""
    src = tmp / "source"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "src", src / "src", symlinks=True, ignore=ignore)
    shutil.copytree(ROOT / "rules", src / "rules", ignore=ignore)
    shutil.copytree(ROOT / "schemas", src / "schemas", ignore=ignore)
    return src


def _spreadsheet(path: Path) -> Path:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "事项名称", "子项名称", "权力类型", "实施依据", "行使主体", "承办机构", "实施层级",
               "责任事项内容", "追责对象范围", "追责情形"])
    ws.append(["1", "某项许可", None, "行政许可", "【法律】《中华人民共和国行政许可法》第十二条", "克拉玛依市某局", "审批科",
               "市级", "受理责任：依法受理", "承办人", "对符合法定条件的申请不予受理的"])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = _source_copy(tmp)
    out = tmp / "dist"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", "-w", str(out), str(src)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (built,) = out.glob("policykit-*.whl")
    return built


def test_the_wheel_carries_the_schemas_the_rules_and_the_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    schemas = {f"policykit/defaults/schemas/{p.name}" for p in (ROOT / "schemas").glob("*.json")}
    rules = {f"policykit/defaults/rules/{p.relative_to(ROOT / 'rules').as_posix()}"
             for p in (ROOT / "rules").rglob("*.yaml")}
    assert len(schemas) >= 15 and schemas <= names
    assert len(rules) >= 100 and rules <= names                   # the rules and their example city
    assert "policykit/defaults/rules/_base/lists/waivers.yaml" in names
    for name in ("policykit.yaml", "mkdocs.yml", "index.md", "README.md"):
        assert f"policykit/defaults/{name}" in names
    assert not any(n.startswith(("rules/", "schemas/", "tests/")) for n in names)


def test_the_source_distribution_carries_them_as_files(tmp_path):
    """``pip install`` from an sdist builds the wheel from it: the links must have become files."""
    import tarfile
    src = _source_copy(tmp_path)
    proc = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                           "print(build_meta.build_sdist(sys.argv[1]))", str(tmp_path / "sdist")],
                          cwd=src, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (archive,) = (tmp_path / "sdist").glob("policykit-*.tar.gz")
    with tarfile.open(archive) as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}
    for folder, pattern in (("rules", "**/*.yaml"), ("schemas", "*.json")):
        wanted = {f"src/policykit/defaults/{folder}/{p.relative_to(ROOT / folder).as_posix()}"
                  for p in (ROOT / folder).glob(pattern)}
        assert wanted and wanted <= set(members)
        assert all(members[name].isfile() for name in wanted)


def test_a_city_from_the_installed_wheel(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                           "-q", str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", POLICYKIT_CACHE_DIR=str(tmp_path / "cache"),
               HOME=str(tmp_path))
    work = tmp_path / "work"                     # outside the source tree
    work.mkdir()
    where = _run([python, "-c", "import policykit; print(policykit.__file__)"], work, env).stdout.strip()
    assert Path(where).is_relative_to(venv) and not Path(where).is_relative_to(ROOT)
    policykit = venv / "bin" / "policykit"

    proc = _run([policykit, "init", "karamay", "--region", "650200", "--name", "克拉玛依市", "--holds", "权责清单"], work, env)
    assert proc.returncode == 0, proc.stderr
    city = work / "karamay"
    assert (city / "rules" / "power").is_dir() and (city / ".github" / "workflows").is_dir()

    source = KARAMAY if KARAMAY.is_file() else _spreadsheet(tmp_path / "某局权责清单.xlsx")
    proc = _run([policykit, "import", source, "--out", "lists", "-q"], city, env)
    assert proc.returncode in (0, 1), proc.stderr
    powers = list((city / "lists" / "powers").glob("*.yaml"))
    assert len(powers) == 1 and "code: 650200" in powers[0].read_text(encoding="utf-8")

    proc = _run([policykit, "check", "."], city, env)
    assert proc.returncode in (0, 1), proc.stderr
    assert "[CONFIG-HOLDS]" in proc.stdout and "[TSK-UNIT-HAS-LIST]" not in proc.stdout
    summary = proc.stdout.strip().splitlines()[-1]
    assert "条规则" in summary and " 0 条规则" not in summary

    proc = _run([policykit, "docs", "build", "--strict"], city, env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (city / "site" / "index.html").is_file()
    assert "克拉玛依市" in (city / "site" / "index.html").read_text(encoding="utf-8")
