"""``policykit init`` (setup/init.py, docs/init.md): a new city repository that works at once, from the
defaults shipped in the package; what marks a repository; an import that knows the city's region."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from policykit.checking.check import BUNDLED_RULES
from policykit.cli import main
from policykit.errors import InputError
from policykit.lists.config import HOLDABLE, load_config
from policykit.lists.repository import open_repository
from policykit.lists.schemas import BUNDLED_SCHEMAS
from policykit.setup.ci import ci_files
from policykit.setup.init import NEUTRAL_MEASURE, SAMPLE_CITY, for_new_city

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def spreadsheet(path: Path) -> Path:
    """A small published power list: a title row, the usual header, two items."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "权责清单"
    ws.append(["克拉玛依市某局权责清单"])
    ws.append(["序号", "事项名称", "子项名称", "权力类型", "实施依据", "行使主体", "承办机构", "实施层级",
               "责任事项内容", "追责对象范围", "追责情形"])
    ws.append(["1", "某项许可", None, "行政许可", "【法律】《中华人民共和国行政许可法》第十二条", "克拉玛依市某局", "审批科",
               "市级", "受理责任：依法受理", "承办人", "对符合法定条件的申请不予受理的"])
    ws.append(["2", "某项检查", None, "行政检查", "【法律】《中华人民共和国行政许可法》第六十一条", "克拉玛依市某局", "执法科",
               "市级", "检查责任：依法检查", "承办人", "不依法检查的"])
    wb.save(path)
    return path


def test_init_writes_a_city_repository_that_checks_clean(tmp_path, capsys):
    city = tmp_path / "karamay"
    code, out, err = run(capsys, "init", city, "--region", "650200", "--name", "克拉玛依市")
    assert code == 0 and "Traceback" not in err and "已建立城市仓库" in out
    config, problems = load_config(city)
    assert not problems
    assert (config.city, config.region_code, config.holds) == ("克拉玛依市", "650200", tuple(HOLDABLE))
    # the packaged rules (and the example city they run on) are the city's own files now, byte for byte
    # but for the sample city's name (test_init_copies_nothing_that_names_the_sample_city)
    packaged = {p.relative_to(BUNDLED_RULES).as_posix(): for_new_city(p.read_bytes(), "克拉玛依市")
                for p in BUNDLED_RULES.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert {rel: data for rel, data in snapshot(city / "rules").items()} == packaged
    assert not (city / "schemas").exists()         # the data format stays the installed package's
    for folder in ("organizations", "laws", "powers", "tasks", "boundaries", "catalogs", "problems"):
        assert (city / "lists" / folder).is_dir()
    for rel, text in ci_files("github").items():
        assert (city / rel).read_text(encoding="utf-8") == text
    site = yaml.safe_load((city / "mkdocs.yml").read_text(encoding="utf-8"))
    assert site["site_name"] == "克拉玛依市政府部门职责清单" and site["plugins"][0] == "policykit"
    assert "<!-- policykit:home -->" in (city / "docs" / "index.md").read_text(encoding="utf-8")
    assert "650200" in (city / "README.md").read_text(encoding="utf-8")
    code, out, err = run(capsys, "check", city)
    assert code == 0 and "共 0 个错误" in out and "Traceback" not in err
    code, out, err = run(capsys, "test", city, "-k", "TSK-UNIT-HAS-LIST")   # the copied examples run
    assert code == 0 and "0 个失败" in out


def test_init_holds_only_what_it_is_told(tmp_path, capsys):
    city = tmp_path / "c"
    code, _, _ = run(capsys, "init", city, "--region", "650200", "--name", "克拉玛依市", "--holds", "权责清单", "--ci", "none")
    assert code == 0
    assert sorted(p.name for p in (city / "lists").iterdir()) == ["laws", "organizations", "powers"]
    assert load_config(city)[0].holds == ("权责清单",)
    assert not (city / ".github").exists()
    code, _, err = run(capsys, "init", tmp_path / "d", "--region", "650200", "--name", "克拉玛依市", "--holds", "权力清单")
    assert code == 2 and "权力清单" in err and not (tmp_path / "d").exists()


@pytest.mark.parametrize("args, said", [
    (["--region", "65020", "--name", "克拉玛依市"], "区划代码"),
    (["--region", "650200", "--name", "克拉玛依市<script>"], "城市名称"),
    (["--region", "650200", "--name", "克拉玛依市\nsite_url: http://evil.example"], "城市名称"),
    (["--region", "650200", "--name", ""], "城市名称"),
    (["--region", "650200", "--name", "克拉玛依市", "--ci", "jenkins"], "CI"),
])
def test_bad_arguments_write_nothing(tmp_path, capsys, args, said):
    code, _, err = run(capsys, "init", tmp_path / "new", *args)
    assert code == 2 and said in err and "Traceback" not in err
    assert not (tmp_path / "new").exists()


def test_init_never_overwrites(tmp_path, capsys):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("别人的文件", encoding="utf-8")
    before = snapshot(busy)
    code, _, err = run(capsys, "init", busy, "--region", "650200", "--name", "克拉玛依市")
    assert code == 2 and "不是空的" in err and snapshot(busy) == before
    # --force: a fresh clone with its own README and .git is fine; the README is kept
    clone = tmp_path / "clone"
    (clone / ".git").mkdir(parents=True)
    (clone / "README.md").write_text("# 我们的仓库\n", encoding="utf-8")
    code, _, _ = run(capsys, "init", clone, "--region", "650200", "--name", "克拉玛依市", "--force", "--ci", "none")
    assert code == 0 and (clone / "README.md").read_text(encoding="utf-8") == "# 我们的仓库\n"
    assert (clone / "policykit.yaml").is_file()
    # but never over a file init would write, --force or not: nothing at all is written then
    taken = tmp_path / "taken"
    (taken / "lists").mkdir(parents=True)
    (taken / "mkdocs.yml").write_text("site_name: 旧网站\n", encoding="utf-8")
    before = snapshot(taken)
    code, _, err = run(capsys, "init", taken, "--region", "650200", "--name", "克拉玛依市", "--force")
    assert code == 2 and "mkdocs.yml" in err and "lists" in err and snapshot(taken) == before
    assert not (taken / "policykit.yaml").exists()
    # nor through a link a folder holds (docs -> somewhere else)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "docs").symlink_to(elsewhere)
    code, _, err = run(capsys, "init", linked, "--region", "650200", "--name", "克拉玛依市", "--force", "--ci", "none")
    assert code == 2 and "docs" in err and list(elsewhere.iterdir()) == [] and not (linked / "policykit.yaml").exists()


def test_what_is_not_a_repository_is_said_so(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="不是 policykit 仓库"):
        open_repository(empty)
    code, out, err = run(capsys, "check", empty)
    assert code == 2 and "不是 policykit 仓库" in err and "policykit init" in err and "Traceback" not in err
    (empty / "notes").mkdir()
    (empty / "lists").mkdir()                          # an empty lists/ is not a repository either
    assert run(capsys, "check", empty)[0] == 2
    (empty / "lists" / "powers").mkdir()              # a known kind's folder makes one (default configuration)
    assert open_repository(empty).documents == {}
    only_config = tmp_path / "configured"
    only_config.mkdir()
    (only_config / "policykit.yaml").write_bytes((ROOT / "policykit.yaml").read_bytes())
    assert open_repository(only_config).documents == {}


def test_import_needs_the_city_region(tmp_path, capsys):
    source = spreadsheet(tmp_path / "某局权责清单.xlsx")
    bare = tmp_path / "bare"
    bare.mkdir()
    code, _, err = run(capsys, "import", source, "--out", bare / "lists", "-q")
    assert code == 2 and "policykit.yaml" in err and "policykit init" in err and "Traceback" not in err
    assert list(bare.iterdir()) == []                  # nothing written, no sample region code anywhere
    # a dry run may preview it, with a placeholder region that says what it is
    code, out, err = run(capsys, "import", source, "--out", bare / "lists", "-q", "--dry-run", "--report", "json")
    assert code in (0, 1) and "000000" in err and "370199" not in out and list(bare.iterdir()) == []
    # a city made by init: its items carry its own region code
    city = tmp_path / "karamay"
    assert run(capsys, "init", city, "--region", "650200", "--name", "克拉玛依市", "--holds", "权责清单", "--ci", "none")[0] == 0
    cwd = os.getcwd()
    os.chdir(city)
    try:
        code, out, err = run(capsys, "import", source, "--out", "lists", "-q")
    finally:
        os.chdir(cwd)
    assert code in (0, 1) and "Traceback" not in err
    powers = list((city / "lists" / "powers").glob("*.yaml"))
    assert len(powers) == 1
    codes = [item["code"] for item in yaml.safe_load(powers[0].read_text(encoding="utf-8"))["items"]]
    assert len(codes) == 2 and all(c.startswith("650200") for c in codes)
    code, out, err = run(capsys, "check", city)
    assert code in (0, 1) and "Traceback" not in err and "[TSK-UNIT-HAS-LIST]" not in out
    # a policykit.yaml without region_code is not enough either
    city2 = tmp_path / "noregion"
    city2.mkdir()
    text = (ROOT / "policykit.yaml").read_text(encoding="utf-8")
    (city2 / "policykit.yaml").write_text("\n".join(l for l in text.splitlines() if not l.startswith("region_code:")),
                                          encoding="utf-8")
    code, _, err = run(capsys, "import", source, "--out", city2 / "lists", "-q")
    assert code == 2 and "region_code" in err and not (city2 / "lists").exists()


def test_the_packaged_defaults_are_the_repository_folders():
    """One source of truth: in the source tree the package's defaults are this repository's own
    rules/ and schemas/ (the wheel test proves the wheel carries them)."""
    assert BUNDLED_RULES == (ROOT / "rules").resolve() and BUNDLED_SCHEMAS == (ROOT / "schemas").resolve()
    package = ROOT / "src" / "policykit" / "defaults"
    assert (package / "rules").resolve() == BUNDLED_RULES and (package / "schemas").resolve() == BUNDLED_SCHEMAS
    for name in ("policykit.yaml", "mkdocs.yml", "index.md", "README.md"):
        assert (package / name).is_file()


def test_the_city_template_agrees_with_this_repository_on_what_is_not_the_city():
    """The template differs from this repository's own policykit.yaml only in what belongs to a city
    (name, region, holds, the sample city's publishing notes): categories, code pattern, levels and
    bases are the same, so a new city is checked the way the sample city is."""
    template = yaml.safe_load((ROOT / "src" / "policykit" / "defaults" / "policykit.yaml").read_text(encoding="utf-8"))
    ours = yaml.safe_load((ROOT / "policykit.yaml").read_text(encoding="utf-8"))
    for key in ("categories", "code_pattern", "levels", "basis_levels", "weak_basis_levels", "strong_basis_categories",
                "power_sources", "statuses", "vague_verbs", "lists_dir", "rules_dir"):
        assert template[key] == ours[key], key
    assert template["holds"] == list(HOLDABLE)


def test_init_git_makes_a_git_repository_unless_inside_one(tmp_path, capsys):
    from conftest import git
    from policykit.lists import gitdoor
    city = tmp_path / "karamay"
    code, out, _ = run(capsys, "init", city, "--region", "650200", "--name", "克拉玛依市", "--ci", "none", "--git")
    assert code == 0 and "git init" in out and (city / ".git").is_dir() and gitdoor.is_repository(city)
    git(city, "add", ".")                    # the .gitkeep files keep the empty list folders
    git(city, "commit", "-q", "-m", "建立清单仓库")
    assert "lists/powers/.gitkeep" in gitdoor.tree_files(city, "HEAD")
    outer = tmp_path / "outer"
    outer.mkdir()
    git(outer, "init", "-q")
    code, out, _ = run(capsys, "init", outer / "city", "--region", "650200", "--name", "克拉玛依市", "--ci", "none", "--git")
    assert code == 0 and "git init" not in out and not (outer / "city" / ".git").exists()


def test_a_sub_folder_of_a_repository_points_to_it(tmp_path, capsys):
    city = tmp_path / "karamay"
    assert run(capsys, "init", city, "--region", "650200", "--name", "克拉玛依市", "--ci", "none")[0] == 0
    code, _, err = run(capsys, "check", city / "docs")
    assert code == 2 and "不是 policykit 仓库" in err and f"上级目录 {city}" in err


def test_init_copies_nothing_that_names_the_sample_city(tmp_path, capsys):
    """The packaged rules cite the bundled sample city's measure (《明湖市部门职能运行监管办法》第十八条); a new
    city's copies cite the model measure by its neutral title, so no rule of 克拉玛依市 cites another city's
    measure, and every copied rule still passes its own examples."""
    packaged = "\n".join(p.read_text(encoding="utf-8") for p in BUNDLED_RULES.rglob("*.yaml"))
    assert SAMPLE_CITY in packaged                  # the case is real: the packaged rules name the sample city
    city = tmp_path / "karamay"
    code, _, _ = run(capsys, "init", city, "--region", "650200", "--name", "克拉玛依市", "--ci", "none")
    assert code == 0
    named = [rel for rel, data in snapshot(city).items() if "明湖".encode("utf-8") in data]
    assert named == []
    articles = [yaml.safe_load(p.read_text(encoding="utf-8"))["article"] for p in sorted((city / "rules").rglob("*.yaml"))
                if "_base" not in p.parts]
    assert sum(a.startswith(NEUTRAL_MEASURE) for a in articles) > 50
    assert not any("克拉玛依市部门职能运行监管办法" in a for a in articles)   # no measure the city may not have
    # two cities get the same rules: a newer policykit's rules can be compared with diff -r
    other = tmp_path / "other"
    assert run(capsys, "init", other, "--region", "650100", "--name", "乌鲁木齐市", "--ci", "none")[0] == 0
    assert snapshot(other / "rules") == snapshot(city / "rules")
    code, out, err = run(capsys, "test", city)
    assert code == 0 and "，0 个失败" in out, out[-2000:] + err[-2000:]


def test_a_rule_file_without_the_sample_city_is_copied_as_it_is():
    data = "id: X\narticle: 《本市办法》第一条\n".encode("utf-8")
    assert for_new_city(data, "克拉玛依市") is data
    text = for_new_city("article: 《明湖市部门职能运行监管办法》第九条\nmessage: 明湖市某局\n".encode("utf-8"), "克拉玛依市")
    assert text.decode("utf-8") == "article: 《部门职能运行监管办法》第九条\nmessage: 克拉玛依市某局\n"
