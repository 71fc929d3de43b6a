"""The repository's own configuration (``policykit.yaml``): what differs from city to city.

A pull request controls this file, so nothing in it may switch checks off silently: ``code_pattern``
runs on RE2 (safe_regex), ``rules_dir`` and ``lists_dir`` stay inside the repository, and the
position of every severity override is kept so that a check reports each one it lowers or turns off.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from .loader import Limits, load_file
from ..problems import Problem

CONFIG_FILE = "policykit.yaml"

# what a repository may declare it holds (``holds:``) -> the folders under lists/ of each; the
# organisations (三定), the laws and the waivers are always there. A rule that reads facts of a list the
# repository does not hold is not run (checking/holds.py), and the check says so once.
HOLDABLE = {
    "权责清单": ("powers",),
    "职责任务清单": ("tasks",),
    "职责边界清单": ("boundaries",),
    "监管事项目录": ("catalogs",),
    "监管记录": ("performance", "supervision", "problems", "disputes", "indicators", "evaluations", "bodies",
              "divisions"),
}
ALWAYS_HELD = ("organizations", "laws")

DEFAULT_CATEGORIES = [
    ("行政许可", "XK"), ("行政处罚", "CF"), ("行政强制", "QZ"), ("行政征收", "ZS"), ("行政给付", "GF"),
    ("行政检查", "JC"), ("行政确认", "QR"), ("行政奖励", "JL"), ("行政裁决", "CJ"), ("其他行政权力", "QT"),
    ("公共服务", "FW"),
]


@dataclass(frozen=True)
class Config:
    city: str = "示例市"
    region_code: str = ""
    lists_dir: str = "lists"
    rules_dir: str = "rules"
    categories: dict = field(default_factory=lambda: dict(DEFAULT_CATEGORIES))  # name -> letters
    code_pattern: str = r"^(?P<region>\d{6})(?P<department>\d{3})(?P<letters>[A-Z]{2})(?P<main>\d{3})(?P<sub>\d{2})$"
    levels: tuple = ("国家级", "省级", "市级", "县级", "乡镇(街道)级", "分级管理")
    basis_levels: tuple = ("法律", "行政法规", "国务院决定", "地方性法规", "部门规章", "地方政府规章", "规范性文件")
    weak_basis_levels: tuple = ("规范性文件",)
    strong_basis_categories: tuple = ("行政许可", "行政处罚", "行政强制")
    power_sources: tuple = ("法定本级行使", "上级下放", "上级授权", "同级授权", "上级委托", "同级委托")
    statuses: tuple = ("在用", "暂停", "取消")
    vague_verbs: tuple = ("指导", "参与", "配合做好", "协助", "支持")
    severity_overrides: dict = field(default_factory=dict)
    fail_on: str = "error"
    limits: Limits = Limits()
    publishing: dict = field(default_factory=dict)   # what the site publishes of 12345 records (publishing.py)
    waiver_max_days: int = 365    # longest term of a waiver, from its approval date to its expiry
    # the lists this repository holds (HOLDABLE names); None: not declared, every rule runs
    holds: tuple | None = None
    holds_position: tuple = field(default=(1, 1), compare=False, repr=False)   # (line, column) of its key
    processes: dict = field(default_factory=dict)    # 工作流程: coverage by department type, approval body
    # rule id -> (line, column) of its entry under severity_overrides, for the notices of a check
    override_positions: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def code_regex(self):
        """``code_pattern`` compiled on RE2 (linear time: the pattern comes from the repository)."""
        from ..safe_regex import compile as safe_compile
        return safe_compile(self.code_pattern)

    @property
    def own_source(self) -> str:
        return self.power_sources[0]


def load_config(root: Path) -> tuple[Config, list[Problem]]:
    """Read ``policykit.yaml``; a missing file means defaults, a broken one yields problems."""
    path = root / CONFIG_FILE
    if not (path.exists() or path.is_symlink()):  # a link (dangling, looping, leading out) is refused by load_file
        return Config(), []
    doc = load_file(path, root)
    if doc.data is None:
        return Config(), doc.problems
    from .precheck import fast_valid
    from .schemas import validate
    clean = not doc.problems and fast_valid("config", root, doc.data)
    problems = doc.problems + ([] if clean else validate(doc, "config", root))
    if any(p.severity == "error" for p in problems):
        return Config(), problems
    data = doc.data
    kwargs = {}
    for key in ("city", "region_code", "lists_dir", "rules_dir", "code_pattern", "fail_on"):
        if key in data:
            kwargs[key] = str(data[key])
    if "categories" in data:
        kwargs["categories"] = {c["name"]: c["letters"] for c in data["categories"]}
    for key in ("levels", "basis_levels", "weak_basis_levels", "strong_basis_categories", "power_sources",
                "statuses", "vague_verbs", "holds"):
        if key in data:
            kwargs[key] = tuple(data[key])
    if "severity_overrides" in data:
        # YAML 1.1 reads an unquoted ``off`` as false: it means the same thing here
        kwargs["severity_overrides"] = {rule: ("off" if level is False else level)
                                        for rule, level in data["severity_overrides"].items()}
        kwargs["override_positions"] = {rule: doc.key_position(("severity_overrides", rule))
                                        for rule in data["severity_overrides"]}
    if "limits" in data:
        kwargs["limits"] = Limits(**data["limits"])
    if "publishing" in data:
        kwargs["publishing"] = data["publishing"]
    if "waiver_max_days" in data:
        kwargs["waiver_max_days"] = data["waiver_max_days"]
    if "holds" in data:
        kwargs["holds_position"] = doc.key_position(("holds",))
    if "processes" in data:
        kwargs["processes"] = dict(data["processes"])
    from ..safe_regex import UnsafePattern, compile as safe_compile
    try:
        safe_compile(kwargs.get("code_pattern", Config.code_pattern))
    except UnsafePattern as exc:
        line, col = doc.position(("code_pattern",))
        raise UsageError(f"{CONFIG_FILE}:{line}:{col}: [CONFIG-PATTERN] 事项编码正则 code_pattern 无法使用：{exc.message}",
                         hint="去掉反向引用与前后查看；RE2 语法见 https://github.com/google/re2/wiki/Syntax") from None
    for key in ("lists_dir", "rules_dir"):
        value = kwargs.get(key)
        if value is not None and not _inside(root, value):
            line, col = doc.position((key,))
            raise UsageError(f"{CONFIG_FILE}:{line}:{col}: [CONFIG-OUTSIDE] {key} 必须是仓库内的相对路径"
                             f"（不能是绝对路径、含 ..，或经符号链接指向仓库之外）：{value} ({key} must stay inside the repository)")
    return Config(**kwargs), problems


def _inside(root: Path, value: str) -> bool:
    path = Path(value)
    if path.is_absolute() or ".." in path.parts:
        return False
    try:
        return (root / path).resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False
