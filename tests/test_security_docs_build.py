"""`policykit docs build` / `docs serve` do not trust the pull request's mkdocs.yml; the CI recipe.

Every attack on main became one case here, asserting the safe outcome: exit 2 with the offending key
located (`mkdocs.yml:line:column`, rule id), and nothing run or touched — a hook or extension that would
write a marker never does, a directory outside the repository keeps its files, the file a
`jieba_dict_user` points at keeps its bytes. `--trust-config` is what it says (mkdocs' own reading, hooks
and all), and the bundled mkdocs.yml builds on the safe path with no file left in the temporary directory.
The refusals stop before mkdocs starts, so they take milliseconds; one real build (~6 s) and one trusted
run (~2 s) run in subprocesses.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import MKDOCS_MINIMAL
from policykit.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "rules" / "_base"
WORKFLOW = ROOT / "docs" / "ci" / "github-policykit.yml"

MINIMAL = MKDOCS_MINIMAL


@pytest.fixture
def repo(tmp_path):
    """The base city with a docs/ landing page and a minimal safe mkdocs.yml; ``repo.write(extra)``
    appends YAML to it."""
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    (root / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "index.md", root / "docs" / "index.md")
    (root / "mkdocs.yml").write_text(MINIMAL, encoding="utf-8")
    return root


def write_config(root: Path, extra: str = "", base: str = MINIMAL) -> str:
    text = base + extra
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    return text


def at(text: str, needle: str, nth: int = 1) -> str:
    """``mkdocs.yml:line:column`` of the ``nth`` occurrence of ``needle`` in ``text``."""
    pos = -1
    for _ in range(nth):
        pos = text.index(needle, pos + 1)
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"mkdocs.yml:{line}:{column}"


def build(capsys, root: Path, *args) -> tuple[int, str]:
    code = main(["docs", "build", "--root", str(root), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and out == ""
    return code, err


def refused(capsys, root: Path, *args) -> str:
    code, err = build(capsys, root, *args)
    assert code == 2, err
    assert "未生成网站" in err and "--trust-config" in err
    assert not (root / "site").exists()
    return err


# ---- code from the configuration -------------------------------------------------------------------
def test_hooks_are_refused_and_never_run(repo, capsys, tmp_path):
    marker = tmp_path / "hook-ran"
    (repo / "hooks").mkdir()
    (repo / "hooks" / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n", encoding="utf-8")
    text = write_config(repo, "hooks:\n  - hooks/evil.py\n")
    err = refused(capsys, repo)
    assert f"{at(text, 'hooks:')}: 错误 [SITE-HOOKS]" in err
    assert not marker.exists()


@pytest.mark.parametrize("value, tag", [
    ("!!python/name:os.system", "!!python/name:os.system"),
    ("!!python/object/apply:os.system ['touch {marker}']", "!!python/object/apply:os.system"),
    ("!ENV [HOME]", "!ENV"),
    ("!relative $config_dir", "!relative"),
])
def test_yaml_tags_are_refused_and_construct_nothing(repo, capsys, tmp_path, value, tag):
    marker = tmp_path / "tag-ran"
    text = write_config(repo, f"site_description: {value.format(marker=marker)}\n")
    err = refused(capsys, repo)
    assert f"{at(text, value.split()[0])}: 错误 [YAML-TAG] 不允许使用 YAML 标签 {tag}" in err
    assert not marker.exists()


def test_theme_templates_are_refused(repo, capsys, tmp_path):
    marker = tmp_path / "template-ran"
    (repo / "overrides").mkdir()
    (repo / "overrides" / "main.html").write_text(
        "{{ cycler.__init__.__globals__.os.system('touch %s') }}" % marker, encoding="utf-8")
    (repo / "docs" / "x.html").write_text("{{ 7*7 }}", encoding="utf-8")
    theme = "  custom_dir: overrides\n  static_templates: [x.html]\n"
    text = write_config(repo, "extra_templates: [x.html]\n", base=MINIMAL.replace("  language: zh\n", theme))
    err = refused(capsys, repo)
    assert f"{at(text, 'custom_dir')}: 错误 [SITE-TEMPLATE] theme.custom_dir" in err
    assert f"{at(text, 'static_templates')}: 错误 [SITE-TEMPLATE]" in err
    assert f"{at(text, 'extra_templates')}: 错误 [SITE-TEMPLATE]" in err
    assert not marker.exists()


@pytest.mark.parametrize("theme", ["readthedocs", "mkdocs"])
def test_only_the_material_theme(repo, capsys, theme):
    text = write_config(repo, base=MINIMAL.replace("name: material", f"name: {theme}"))
    err = refused(capsys, repo)
    assert f"{at(text, theme)}: 错误 [SITE-THEME] theme.name 只能是 material" in err


def test_plugins_and_extensions_off_the_list_are_refused(repo, capsys, tmp_path):
    marker = tmp_path / "module-ran"
    (repo / "evil_ext.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n", encoding="utf-8")
    text = write_config(repo, "  - macros\n  - gen-files:\n      scripts: [evil_ext.py]\n"
                              "markdown_extensions:\n  - evil_ext\n  - pymdownx.snippets:\n      base_path: /\n"
                              "  - toc:\n      slugify: evil_ext.slug\n")
    code = main(["docs", "build", "--root", str(repo)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{at(text, 'macros')}: 错误 [SITE-PLUGIN] 插件 macros 不在白名单中" in err
    assert f"{at(text, 'gen-files')}: 错误 [SITE-PLUGIN]" in err
    assert f"{at(text, 'evil_ext', 2)}: 错误 [SITE-EXTENSION] Markdown 扩展 evil_ext" in err
    assert f"{at(text, 'pymdownx.snippets')}: 错误 [SITE-EXTENSION]" in err
    assert f"{at(text, 'slugify')}: 错误 [SITE-EXTENSION] 扩展 toc 的选项 slugify" in err
    assert not marker.exists() and "evil_ext" not in sys.modules


@pytest.mark.parametrize("extra, key", [
    ("INHERIT: ../other.yml\n", "INHERIT"),
    ("watch: [/etc]\n", "watch"),
    ("repo_url: https://github.com/x/y\n", "repo_url"),
    ("extra:\n  polyfills: [https://evil.example/x.js]\n", "polyfills"),
    ("extra:\n  analytics: {provider: google, property: G-X}\n", "analytics"),
])
def test_other_keys_that_load_or_fetch_are_refused(repo, capsys, extra, key):
    text = write_config(repo, extra)
    err = refused(capsys, repo)
    assert at(text, key) in err


# ---- paths ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("site_dir", ["../elsewhere", "{elsewhere}", "out/site", ".", "lists", "docs/site"])
def test_site_dir_must_stay_in_the_repository_and_off_its_files(repo, capsys, tmp_path, site_dir):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("别删我", encoding="utf-8")
    (repo / "out").symlink_to(elsewhere, target_is_directory=True)
    before = {p.relative_to(repo).as_posix() for p in repo.rglob("*")}
    value = site_dir.format(elsewhere=elsewhere)
    text = write_config(repo, f"site_dir: {value}\n")
    err = refused(capsys, repo)
    assert f"{at(text, value)}: 错误 [SITE-PATH]" in err
    assert (elsewhere / "keep.txt").read_text(encoding="utf-8") == "别删我"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    assert {p.relative_to(repo).as_posix() for p in repo.rglob("*")} == before


@pytest.mark.parametrize("docs_dir", ["../elsewhere", "linked"])
def test_docs_dir_must_stay_in_the_repository(repo, capsys, tmp_path, docs_dir):
    (tmp_path / "elsewhere").mkdir()
    (repo / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    text = write_config(repo, f"docs_dir: {docs_dir}\n")
    err = refused(capsys, repo)
    assert f"{at(text, docs_dir)}: 错误 [SITE-PATH]" in err


@pytest.mark.parametrize("option", ["root: /etc", "measure: ../../../etc/passwd", "rules_dir: /"])
def test_plugin_paths_stay_in_the_repository(repo, capsys, option):
    text = write_config(repo, base=MINIMAL.replace("  - policykit\n", f"  - policykit:\n      {option}\n"))
    err = refused(capsys, repo)
    assert f"{at(text, option.split(': ')[1])}: 错误 [SITE-PATH]" in err


@pytest.mark.parametrize("key", ["jieba_dict_user", "jieba_dict"])
def test_jieba_dictionaries_are_set_by_policykit_only(repo, capsys, tmp_path, key):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    text = write_config(repo, base=MINIMAL.replace("  - search\n", f"  - search:\n      {key}: ../victim.txt\n"))
    err = refused(capsys, repo)
    assert f"{at(text, key)}: 错误 [SITE-SEARCH] search.{key} 由 policykit 设置" in err
    assert victim.read_bytes() == b"precious\n"


@pytest.mark.parametrize("asset", ["https://evil.example/x.js", "//evil.example/x.js", "../x.js", "/etc/passwd",
                                   "missing.js"])
def test_extra_javascript_only_from_docs_dir(repo, capsys, asset):
    text = write_config(repo, f"extra_javascript:\n  - {asset}\n")
    err = refused(capsys, repo)
    assert f"{at(text, asset)}: 错误 [SITE-ASSET]" in err


def test_links_out_and_special_files_in_docs_are_refused(repo, capsys, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("token", encoding="utf-8")
    (repo / "docs" / "leak.txt").symlink_to(secret)
    (repo / "docs" / "git-config").symlink_to(repo / ".git" / "config")       # dangling here; .git all the same
    (repo / "docs" / "dir").symlink_to(repo / "lists", target_is_directory=True)
    os.mkfifo(repo / "docs" / "pipe")
    write_config(repo)
    err = refused(capsys, repo)
    for name, what in (("leak.txt", "仓库之外"), ("git-config", "仓库之外"), ("dir", "目录"), ("pipe", "FIFO")):
        line = next(line for line in err.splitlines() if f"docs/{name} " in line)
        assert "[SITE-DOCS-LINK]" in line and what in line, line
    (repo / "docs" / "inside.txt").symlink_to(repo / "lists" / "waivers.yaml")  # a file inside: fine
    for name in ("leak.txt", "git-config", "dir", "pipe"):
        (repo / "docs" / name).unlink()
    from policykit.site.siteconfig import site_config
    assert site_config(repo, repo / "mkdocs.yml")["docs_dir"] == str(repo.resolve() / "docs")


def test_mkdocs_yml_linked_out_of_the_repository_or_a_fifo(repo, capsys, tmp_path):
    outside = tmp_path / "outside.yml"
    outside.write_text(MINIMAL, encoding="utf-8")
    (repo / "mkdocs.yml").unlink()
    (repo / "mkdocs.yml").symlink_to(outside)
    assert "mkdocs.yml:1:1: 错误 [SITE-PATH] mkdocs.yml 是指向仓库之外的符号链接" in refused(capsys, repo)
    (repo / "mkdocs.yml").unlink()
    os.mkfifo(repo / "mkdocs.yml")                      # opened without blocking, then refused
    assert "[SITE-PATH] mkdocs.yml 不是普通文件" in refused(capsys, repo)


def test_every_refusal_is_listed_in_file_order(repo, capsys):
    text = write_config(repo, "hooks: [a.py]\nsite_dir: ../x\nextra_css: [https://cdn.example/a.css]\n")
    err = refused(capsys, repo)
    lines = [line.strip() for line in err.splitlines() if line.startswith("  mkdocs.yml:")]
    assert [line.split(": ")[0] for line in lines] == [at(text, "hooks"), at(text, "../x"), at(text, "https:")]
    assert "mkdocs.yml 中有 3 处配置" in err


# ---- the safe path builds; serve follows the same rules ---------------------------------------------
def test_the_bundled_configuration_is_accepted_as_it_is(tmp_path):
    from policykit.site.siteconfig import site_config
    cfg = site_config(ROOT, ROOT / "mkdocs.yml")
    assert cfg["docs_dir"] == str(ROOT / "docs") and cfg["site_dir"] == str(ROOT / "site")
    assert cfg["theme"]["name"] == "material" and cfg["theme"]["font"] is False
    assert cfg["plugins"][0] == {"policykit": {"root": str(ROOT)}}
    assert set(cfg["plugins"][1]["search"]) == {"separator"}
    assert "hooks" not in cfg and "/ci/" in cfg["exclude_docs"]
    text = yaml.safe_dump(cfg, allow_unicode=True)
    assert "!!" not in text and "jieba" not in text


def test_every_plugin_option_is_classified():
    """A new option of the policykit plugin must be placed on the allow-list (a path checked inside the
    repository, or a value), not pass unchecked or be refused by accident."""
    from policykit.site.plugin import PolicykitConfig
    from policykit.site.siteconfig import POLICYKIT_OPTIONS, SEARCH_OPTIONS
    assert {name for name, _ in PolicykitConfig._schema} == set(POLICYKIT_OPTIONS)
    material = pytest.importorskip("material.plugins.search.config")
    assert set(SEARCH_OPTIONS) <= {name for name, _ in material.SearchConfig._schema}


def test_generated_configuration_is_written_privately(tmp_path):
    from policykit.site.siteconfig import write_config as write_generated
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    path = write_generated({"site_name": "x"}, private)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and yaml.safe_load(path.read_text()) == {"site_name": "x"}
    path.unlink()
    victim = tmp_path / "victim"
    victim.write_text("keep", encoding="utf-8")
    path.symlink_to(victim)                             # a planted link is never followed
    with pytest.raises(FileExistsError):
        write_generated({"site_name": "x"}, private)
    assert victim.read_text(encoding="utf-8") == "keep"


def test_serve_follows_the_same_rules(repo, capsys, tmp_path, monkeypatch):
    marker = tmp_path / "hook-ran"
    (repo / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n", encoding="utf-8")
    text = write_config(repo, "hooks: [evil.py]\n")
    served = []
    import mkdocs.commands.serve as mkdocs_serve
    monkeypatch.setattr(mkdocs_serve, "serve", lambda **kw: served.append(kw))
    assert main(["docs", "serve", "--root", str(repo)]) == 2
    err = capsys.readouterr().err
    assert f"{at(text, 'hooks')}: 错误 [SITE-HOOKS]" in err and not marker.exists() and served == []

    def capture(**kw):                                   # what mkdocs serve is handed: the generated file
        path = Path(kw["config_file"])
        served.append((path, stat.S_IMODE(path.parent.stat().st_mode), yaml.safe_load(path.read_text("utf-8"))))
    monkeypatch.setattr(mkdocs_serve, "serve", capture)
    write_config(repo)
    assert main(["docs", "serve", "--root", str(repo), "-a", "127.0.0.1:0"]) == 0, capsys.readouterr().err
    (path, mode, cfg), = served
    assert path != repo / "mkdocs.yml" and not path.is_relative_to(repo) and mode == 0o700
    assert cfg["plugins"][0] == {"policykit": {"root": str(repo.resolve())}} and cfg["theme"]["font"] is False
    assert not path.exists()                            # the private directory is gone afterwards


def _env(tmp: Path) -> dict:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "TMPDIR": str(tmp),
            "POLICYKIT_CACHE_DIR": str(tmp.parent / "cache"), "NO_MKDOCS_2_WARNING": "1"}


def test_trust_config_hands_mkdocs_the_file_and_says_so(repo, tmp_path):
    """--trust-config is mkdocs' own reading (hooks run): for a reviewed configuration only."""
    pytest.importorskip("material")
    marker = tmp_path / "hook-ran"
    (repo / "hook.py").write_text(
        f"open({str(marker)!r}, 'w').write('x')\n"
        "from mkdocs.exceptions import PluginError\n"
        "def on_pre_build(config):\n    raise PluginError('受信任的钩子运行了')\n", encoding="utf-8")
    write_config(repo, "hooks: [hook.py]\n")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    args = [sys.executable, "-m", "policykit", "docs", "build", "--root", str(repo)]
    plain = subprocess.run(args, capture_output=True, text=True, env=_env(tmp), timeout=120)
    assert plain.returncode == 2 and "[SITE-HOOKS]" in plain.stderr and not marker.exists()
    trusted = subprocess.run(args + ["--trust-config"], capture_output=True, text=True, env=_env(tmp), timeout=120)
    assert "--trust-config" in trusted.stderr and "原样交给 mkdocs" in trusted.stderr
    assert marker.exists() and "受信任的钩子运行了" in trusted.stderr and trusted.returncode == 2
    assert not (repo / "site").exists()


def test_bundled_mkdocs_yml_builds_on_the_safe_path_with_private_temp_files(repo, tmp_path):
    """The one real build: the bundled mkdocs.yml, the search dictionary in effect, no file written through
    the predictable paths of the old build (planted as links to a victim), nothing left in TMPDIR."""
    pytest.importorskip("material")
    jieba = pytest.importorskip("jieba")
    shutil.copy(ROOT / "mkdocs.yml", repo / "mkdocs.yml")
    (repo / "docs" / "ci").mkdir()
    shutil.copy(WORKFLOW, repo / "docs" / "ci" / WORKFLOW.name)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    old_dict = tmp / "policykit" / f"jieba-user-{hashlib.sha1(str(repo.resolve()).encode()).hexdigest()[:12]}.txt"
    old_dict.parent.mkdir()
    old_dict.symlink_to(victim)
    (tmp / "jieba.cache").write_bytes(marshal.dumps(({"毒": 1}, 1)))   # a planted model would ruin segmentation
    proc = subprocess.run([sys.executable, "-m", "policykit", "docs", "build", "--root", str(repo), "--strict"],
                          capture_output=True, text=True, env=_env(tmp), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "网站已生成" in proc.stderr and "trust-config" not in proc.stderr
    assert victim.read_bytes() == b"precious\n" and old_dict.is_symlink()
    assert sorted(p.name for p in tmp.iterdir()) == ["jieba.cache", "policykit"]   # only what was planted
    site = repo / "site"
    assert (site / "index.html").is_file() and not (site / "ci").exists()          # the recipe is not published
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    from policykit import open_repository
    from policykit.site.searchdict import dictionary_words
    dept = next(d for d in open_repository(repo).departments.values() if d.short_name)
    entry = next(d for d in index["docs"] if d["location"] == f"departments/{dept.id}/")
    assert f"\u200b{dept.short_name}\u200b" in entry["title"], entry["title"]   # a dictionary word, whole
    assert dept.short_name in dictionary_words(open_repository(repo))
    assert jieba is not None


# ---- the CI recipe -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workflow():
    from policykit.lists.loader import load_bytes
    doc = load_bytes(WORKFLOW.read_bytes(), "docs/ci/github-policykit.yml")   # keys as written: `on` stays "on"
    assert doc.ok, doc.problems
    return doc.data


def test_workflow_runs_pull_requests_under_pull_request_only(workflow):
    assert set(workflow["on"]) == {"pull_request", "push"}
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert "pull_request_target" not in json.dumps(workflow)   # (the comments explain why not)
    assert workflow["permissions"] == {"contents": "read"}


def test_workflow_check_job_is_read_only_without_secrets(workflow):
    check = workflow["jobs"]["check"]
    assert check["permissions"] == {"contents": "read"}
    dumped = json.dumps(check, ensure_ascii=False)
    assert "secrets." not in dumped and "GITHUB_TOKEN" not in dumped
    checkouts = [s for s in check["steps"] if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)
    tree = next(s for s in checkouts if s["with"].get("path") == "tree")
    assert tree["with"]["fetch-depth"] == 0
    base = next(s for s in checkouts if s["with"].get("path") == "base")
    assert "base.sha" in base["with"]["ref"]
    runs = [s["run"] for s in check["steps"] if "run" in s]
    install = next(r for r in runs if "pip" in r)
    assert '"./base[site]"' in install                  # policykit from the base branch, never from the tree
    run_check = next(r for r in runs if "policykit\" check" in r)
    assert '--since "origin/$BASE_REF"' in run_check and "-f sarif" in run_check and "../base/rules" in run_check
    assert all("${{" not in r for r in runs)            # no expression pasted into a script (injection)
    assert "--trust-config" not in dumped


def test_workflow_uploads_sarif_and_deploys_from_jobs_of_their_own(workflow):
    jobs = workflow["jobs"]
    upload = jobs["upload"]
    assert upload["needs"] == "check" and upload["permissions"]["security-events"] == "write"
    assert [s["uses"].split("@")[0] for s in upload["steps"]] == ["actions/download-artifact",
                                                                 "github/codeql-action/upload-sarif"]
    for name in ("site", "deploy"):
        assert jobs[name]["if"] == "${{ github.event_name == 'push' && github.ref == 'refs/heads/main' }}"
    assert jobs["site"]["permissions"] == {"contents": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert [s["uses"].split("@")[0] for s in jobs["deploy"]["steps"]] == ["actions/deploy-pages"]
    writers = {n for n, j in jobs.items() if any(v == "write" for v in j.get("permissions", {}).values())}
    assert writers == {"upload", "deploy"}              # no job that runs policykit may write anything
