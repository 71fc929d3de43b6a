"""``policykit init``: a working city repository from the defaults shipped inside the package.

What a new city gets (docs/init.md):

* ``policykit.yaml`` — the package's template with the city's name, its 区划代码 and what it holds;
* ``rules/`` — a copy of the packaged rules, with the small example city their examples run on: the
  rules that decide the verdict are then the city's own files, and every change to them (a policykit
  upgrade included) is a reviewed change in the city's history. The packaged rules cite the measure of
  the bundled sample city (``《明湖市部门职能运行监管办法》第十八条``); the copies cite the model measure
  by its neutral title (``《部门职能运行监管办法》第十八条``), the same for every city, so that a new city
  never cites another city's measure and a newer policykit's rules can still be compared with ``diff -r``;
  any other mention of the sample city becomes the new city's name. The schemas are not copied: they are
  the data format of the installed policykit, and a file ``schemas/<kind>.schema.json`` the city adds
  replaces the packaged one of that kind only;
* ``lists/<kind>/`` for every list it holds (kept in git by an empty ``.gitkeep``);
* ``mkdocs.yml`` and ``docs/index.md`` (the public site), ``README.md``, and the CI files of the
  platform asked for (``setup.ci.ci_files``).

Nothing existing is ever overwritten: a folder that is not empty is refused, and ``force`` allows one
that holds none of the files init writes (a fresh ``git clone`` with a README of its own, say). Every
file is written in one all-or-nothing step (``io.writing``). The city's name and region code come from
the command line and end up in YAML and on the public site, so both are checked against narrow
patterns (a 6-digit code; Chinese characters, letters, digits, ``·`` and spaces) instead of being
escaped: nothing else can reach a template.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..lists.config import ALWAYS_HELD, CONFIG_FILE, HOLDABLE
from ..lists.defaults import BUNDLED_RULES, template

REGION = re.compile(r"\d{6}")
NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9·][\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9· ]{0,39}")
TEMPLATE_CITY, TEMPLATE_REGION = "示例市", "000000"
SAMPLE_CITY = "明湖市"     # the bundled sample city, whose measure the packaged rules cite
SAMPLE_MEASURE, NEUTRAL_MEASURE = f"《{SAMPLE_CITY}部门职能运行监管办法》", "《部门职能运行监管办法》"
KEEP = ".gitkeep"          # keeps an empty list folder in git; hidden, so no reader lists it
_RULE_SUFFIXES = (".yaml", ".yml")


@dataclass
class InitResult:
    root: Path
    written: list = field(default_factory=list)      # paths relative to root, sorted
    ci: list = field(default_factory=list)           # the CI files (setup.ci), relative to root
    git: bool = False                                # a git repository was created


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME.fullmatch(name):
        raise UsageError(f"城市名称不合法 (invalid city name): {name!r}",
                         hint="1 至 40 个汉字、字母、数字或「·」，如 克拉玛依市")
    return name


def check_region(region: str) -> str:
    region = (region or "").strip()
    if not REGION.fullmatch(region):
        raise UsageError(f"区划代码应为 6 位数字 (region code must be 6 digits): {region!r}",
                         hint="县级以上行政区划代码，如 克拉玛依市 650200")
    return region


def check_holds(holds) -> tuple[str, ...]:
    """The holdable list names, in the order of ``HOLDABLE`` (all of them when ``holds`` is None)."""
    if holds is None:
        return tuple(HOLDABLE)
    unknown = [h for h in holds if h not in HOLDABLE]
    if unknown:
        raise UsageError(f"未知的清单「{'、'.join(unknown)}」 (unknown list)，可用：{'、'.join(HOLDABLE)}")
    return tuple(h for h in HOLDABLE if h in set(holds))


def planned_files(name: str, region: str, holds: tuple[str, ...]) -> dict[str, bytes]:
    """``{path relative to the new repository: bytes}`` of everything init writes except the CI files."""
    q = _yaml_string
    files: dict[str, bytes] = {}
    config = template("policykit.yaml").read_text(encoding="utf-8")
    config = _replace_line(config, "city: ", f"city: {q(name)}")
    config = _replace_line(config, "region_code: ", f"region_code: {q(region)}")
    config = _replace_line(config, "holds: ", f"holds: [{', '.join(holds)}]")
    files[CONFIG_FILE] = config.encode("utf-8")
    site = template("mkdocs.yml").read_text(encoding="utf-8")
    site = _replace_line(site, "site_name: ", f"site_name: {q(name + '政府部门职责清单')}")
    site = _replace_line(site, "site_description: ", f"site_description: {q(name + '权责清单、三定规定与职责任务清单、职责边界清单')}")
    files["mkdocs.yml"] = site.encode("utf-8")
    for rel, source in (("docs/index.md", "index.md"), ("README.md", "README.md")):
        text = template(source).read_text(encoding="utf-8")
        files[rel] = text.replace(TEMPLATE_REGION, region).replace(TEMPLATE_CITY, name).encode("utf-8")
    folders = list(ALWAYS_HELD) + [d for h in holds for d in HOLDABLE[h]]
    for folder in folders:
        files[f"lists/{folder}/{KEEP}"] = b""
    files.update(_packaged_rules(name))
    return dict(sorted(files.items()))


def for_new_city(data: bytes, name: str) -> bytes:
    """A packaged rule file as a new city gets it: the sample city's measure cited by its neutral title,
    any other mention of the sample city as ``name``."""
    if SAMPLE_CITY.encode("utf-8") not in data:
        return data
    text = data.decode("utf-8").replace(SAMPLE_MEASURE, NEUTRAL_MEASURE).replace(SAMPLE_CITY, name)
    return text.encode("utf-8")


def _packaged_rules(name: str) -> dict[str, bytes]:
    """The packaged rules and their example city (``rules/_base``), by path under the new repository,
    made the new city's (``for_new_city``). Hidden files are left out; the package's own files are
    regular files by construction."""
    out = {}
    for path in sorted(BUNDLED_RULES.rglob("*")):
        rel = path.relative_to(BUNDLED_RULES)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts) or "__pycache__" in rel.parts:
            continue
        data = path.read_bytes()
        out[f"rules/{rel.as_posix()}"] = for_new_city(data, name) if path.suffix in (*_RULE_SUFFIXES, ".md") else data
    if not any(k.endswith(_RULE_SUFFIXES) and "/_base/" not in k for k in out):
        from ..errors import InternalError
        raise InternalError(f"安装的 policykit 中没有规则文件：{BUNDLED_RULES} (no packaged rules)")
    return out


def _replace_line(text: str, prefix: str, line: str) -> str:
    """``text`` with its one line starting with ``prefix`` replaced by ``line`` (the template's own)."""
    lines = text.split("\n")
    hits = [i for i, old in enumerate(lines) if old.startswith(prefix)]
    if len(hits) != 1:
        from ..errors import InternalError
        raise InternalError(f"模板中应恰有一行以「{prefix}」开头，实有 {len(hits)} 行")
    lines[hits[0]] = line
    return "\n".join(lines)


def _yaml_string(text: str) -> str:
    """A double-quoted YAML scalar (JSON's quoting is a subset of YAML's double-quoted style)."""
    import json
    return json.dumps(text, ensure_ascii=False)


def refuse_existing(root: Path, files: dict, force: bool) -> dict:
    """The files to write into ``root``. A folder that is not empty is refused unless ``force``; with
    it, one holding a file init writes, or a ``lists/`` or ``rules/`` folder, is refused all the same
    (init never overwrites or merges), except a README of the folder's own, which is kept."""
    if not root.exists():
        return files
    if not root.is_dir():
        raise UsageError(f"目标不是目录：{root} (not a directory)")
    present = sorted(p.name for p in root.iterdir())
    if present and not force:
        shown = "、".join(present[:8]) + (" 等" if len(present) > 8 else "")
        raise UsageError(f"目标目录不是空的：{root}（已有 {shown}），未写入任何文件 (target folder is not empty)",
                         hint="在新的空目录中运行 policykit init；目录中只有 .git、README 等与清单无关的文件时可加 --force")
    def there(rel: str) -> bool:
        return (root / rel).exists() or (root / rel).is_symlink()
    keep = {rel: data for rel, data in files.items() if not (rel == "README.md" and there(rel))}
    tops = {rel.split("/")[0] for rel in keep}
    clash = sorted({rel.split("/")[0] for rel in keep if there(rel)} | {d for d in ("lists", "rules") if there(d)}
                   | {t for t in tops if (root / t).is_symlink()})   # never write through a link
    if clash:
        shown = "、".join(clash[:8]) + (" 等" if len(clash) > 8 else "")
        raise UsageError(f"目标目录中已有 {shown}：policykit init 不覆盖已有文件，未写入任何文件 "
                         f"(init never overwrites: {', '.join(clash)})",
                         hint="已有仓库不需要 init；要重新开始，请换一个空目录")
    return keep


def init_repository(target, *, region: str, name: str, holds=None, ci: str | None = "github",
                    force: bool = False, git: bool = False) -> InitResult:
    """Create a city repository in ``target`` (created if missing). ``ci``: the CI platform whose file
    is written (``setup.ci``), None for none. ``git``: run ``git init`` there too, unless it is already
    inside a git work tree (nothing is committed). Raises ``UsageError`` (exit 2) and writes nothing when
    the target is not empty (see ``refuse_existing``) or an argument is invalid."""
    name, region, holds = check_name(name), check_region(region), check_holds(holds)
    root = Path(target).absolute()
    files = planned_files(name, region, holds)
    ci_paths = []
    if ci:   # the CI recipes of setup.ci, written in the same all-or-nothing step as the rest
        from .ci import ci_files
        ci_text = ci_files(ci)
        ci_paths = sorted(ci_text)
        files.update({rel: text.encode("utf-8") for rel, text in ci_text.items()})
    files = refuse_existing(root, files, force)
    from ..io.writing import write_files_atomically
    write_files_atomically({root / rel: data for rel, data in files.items()})
    result = InitResult(root, sorted(rel for rel in files if rel not in ci_paths), ci_paths)
    if git:
        from ..lists.gitdoor import init_repository as git_init
        result.git = git_init(root)
    return result

