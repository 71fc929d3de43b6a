"""Header variants and value synonyms: spreadsheet wording → policykit fields and values.

The default mapping is data (``default_mapping.yaml`` beside this file). A user mapping of the
same shape (``--mapping MAP.yaml``) adds header variants, ignored columns and blank values, and
overrides synonyms (categories, levels, basis levels) and defaults.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ...errors import UsageError

DEFAULT_MAPPING_PATH = Path(__file__).with_name("default_mapping.yaml")

# every field a header may map to; ``subject`` (行使主体) and ``seq`` (序号) are read, not stored
FIELDS = (
    "seq", "code", "name", "sub_name", "category", "legal_basis", "subject", "unit", "levels",
    "sanding_duty", "responsibilities", "responsibility_basis", "accountability_targets",
    "accountability_cases", "power_source", "source_document", "delegator", "co_departments",
    "catalog_code", "impl_code", "supervision_items", "status", "remedy", "phone",
    "integrity_risks", "remark", "provenance", "source_text",
)
IGNORE = "__ignore__"

_WS = re.compile(r"\s+")


_BRACKETS = str.maketrans({"(": "（", ")": "）", "[": "（", "]": "）", "【": "（", "】": "）"})


def normalize_header(text) -> str:
    """``'行使\\n主体 *'`` → ``'行使主体'``: no whitespace at all, no trailing ``*`` ``:`` ``：``, brackets
    full-width (``责任处(科)室`` and ``责任处（科）室`` are one header)."""
    if text is None:
        return ""
    return _WS.sub("", str(text).replace("\u3000", " ")).rstrip("*＊:：").translate(_BRACKETS)


@dataclass(frozen=True)
class Mapping:
    headers: dict                      # normalised header → field (or IGNORE)
    categories: dict                   # squashed synonym → category name
    levels: tuple                      # ((synonym, level), ...) longest synonym first
    basis_levels: dict                 # tag → level name or {"local": …, "national": …}
    local_markers: tuple
    blank_values: frozenset
    defaults: dict
    statuses: dict = field(default_factory=dict)
    header_min_fields: int = 4
    header_search_rows: int = 15
    sources: tuple = field(default=())  # files this mapping was built from
    levels_in_text: tuple = ()          # ((word, level), ...) longest first: levels named inside prose
    own_level: str | None = None        # the level that 本行政区域 / 本级 stand for
    own_level_words: tuple = ()

    def field_for(self, header) -> str | None:
        """The field for a header cell, :data:`IGNORE` for a known column without a field, else None."""
        return self.headers.get(normalize_header(header))

    def is_blank(self, text) -> bool:
        if text is None:
            return True
        s = _WS.sub("", str(text))
        return not s or s in self.blank_values

    def category(self, text: str, known) -> str:
        """Canonical category for a cell (whitespace removed, synonyms applied)."""
        s = _WS.sub("", text)
        if s in known:
            return s
        return self.categories.get(s, s)

    def find_levels(self, text: str) -> tuple[list, str]:
        """Levels named at the start of ``text`` and the text that follows them.

        ``'地州市级'`` → ``(['市级'], '')``; ``'市级、县级'`` → ``(['市级', '县级'], '')``;
        ``'地州市级。负责…'`` → ``(['市级'], '负责…')``. Only a leading run of level words counts, so
        a description that merely mentions 县级 does not add a level.
        """
        s = _WS.sub("", text)
        i, levels = 0, []
        while i < len(s):
            for synonym, level in self.levels:
                if s.startswith(synonym, i):
                    if level not in levels:
                        levels.append(level)
                    i += len(synonym)
                    break
            else:
                if levels and s[i] in "、/／和及与,，":
                    i += 1
                    continue
                break
        return levels, s[i:].lstrip("、/／和及与,，;；。.：: ")

    def levels_from_text(self, text: str) -> list:
        """Levels named inside prose (``'负责市本级公共机构节能监督检查工作'`` → ``['市级']``); the words for
        "this government" (``本行政区域``) give ``own_level`` only when no other level word is there."""
        s = normalize_header(text)
        found, i = [], 0
        while i < len(s):
            for word, level in self.levels_in_text:
                if s.startswith(word, i):
                    if level not in found:
                        found.append(level)
                    i += len(word)
                    break
            else:
                i += 1
        if not found and self.own_level and any(w in s for w in self.own_level_words):
            found.append(self.own_level)
        return found

    def basis_level(self, tag: str, title: str | None) -> str | None:
        """Level for a 【tag】 (None when the tag is not a known level)."""
        value = self.basis_levels.get(_WS.sub("", tag))
        if isinstance(value, dict):
            return value["local"] if title and self.is_local(title) else value["national"]
        return value

    def is_local(self, title: str) -> bool:
        return not title.startswith("中华人民共和国") and any(m in title for m in self.local_markers)


def _read(path) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"无法读取映射文件 (cannot read mapping file): {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"映射文件不是 UTF-8 (mapping file is not UTF-8): {path}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"映射文件不是有效的 YAML (mapping file is not valid YAML): {path}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"映射文件顶层必须是映射 (mapping file must be a mapping): {path}")
    known = {"fields", "ignore", "categories", "levels", "basis_levels", "local_markers", "blank_values",
             "defaults", "header_min_fields", "header_search_rows", "statuses", "levels_in_text", "own_level",
             "own_level_words"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(f"映射文件含未知键 (unknown keys in mapping file) {path}: {', '.join(map(str, unknown))}",
                         hint="可用的键: " + ", ".join(sorted(known)))
    return data


def _check_dict(data, key, path):
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise UsageError(f"映射文件中 {key} 必须是映射 (must be a mapping): {path}")
    return value


def _check_list(value, what, path):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise UsageError(f"映射文件中 {what} 必须是字符串列表 (must be a list of strings): {path}")
    return [str(v) for v in value]


def load_mapping(extra=None) -> Mapping:
    """The default mapping, extended by the user's mapping file(s) ``extra`` (path or list of paths)."""
    paths = [DEFAULT_MAPPING_PATH]
    if extra:
        paths += [Path(p) for p in (extra if isinstance(extra, (list, tuple)) else [extra])]
    headers: dict = {}
    categories: dict = {}
    levels: dict = {}
    basis_levels: dict = {}
    local_markers: list = []
    blank_values: set = set()
    defaults: dict = {}
    statuses: dict = {}
    min_fields, search_rows = 4, 15
    levels_in_text: dict = {}
    own_level, own_level_words = None, []
    for path in paths:
        data = _read(path)
        user = path != DEFAULT_MAPPING_PATH
        for fld, variants in _check_dict(data, "fields", path).items():
            if fld not in FIELDS:
                raise UsageError(f"映射文件中的未知字段 (unknown field) {fld!r}: {path}",
                                 hint="可用字段: " + ", ".join(FIELDS))
            for v in _check_list(variants, f"fields.{fld}", path):
                key = normalize_header(v)
                if key and (user or key not in headers):
                    headers[key] = fld
        for v in _check_list(data.get("ignore"), "ignore", path):
            key = normalize_header(v)
            if key and (user or key not in headers):
                headers[key] = IGNORE
        for key, target in (("categories", categories), ("statuses", statuses), ("levels", levels),
                            ("levels_in_text", levels_in_text)):
            norm = normalize_header if key == "levels_in_text" else (lambda k: _WS.sub("", k))
            target.update({norm(str(k)): str(v) for k, v in _check_dict(data, key, path).items()})
        for k, v in _check_dict(data, "basis_levels", path).items():
            if isinstance(v, dict):
                if set(v) != {"local", "national"}:
                    raise UsageError(f"basis_levels.{k} 须为层级名或 {{local, national}} (must be a level or "
                                     f"{{local, national}}): {path}")
                v = {"local": str(v["local"]), "national": str(v["national"])}
            else:
                v = str(v)
            basis_levels[_WS.sub("", str(k))] = v
        local_markers += _check_list(data.get("local_markers"), "local_markers", path)
        blank_values |= {_WS.sub("", v) for v in _check_list(data.get("blank_values"), "blank_values", path)}
        for k, v in _check_dict(data, "defaults", path).items():
            if k not in ("power_source", "status"):
                raise UsageError(f"defaults 只能设置 power_source、status (defaults may set only these): {path}")
            defaults[k] = v
        own_level = str(data["own_level"]) if data.get("own_level") is not None else own_level
        own_level_words += _check_list(data.get("own_level_words"), "own_level_words", path)
        min_fields = int(data.get("header_min_fields", min_fields))
        search_rows = int(data.get("header_search_rows", search_rows))
    blank_values.discard("")
    return Mapping(
        headers=headers,
        categories=categories,
        levels=tuple(sorted(levels.items(), key=lambda kv: (-len(kv[0]), kv[0]))),
        basis_levels=basis_levels,
        local_markers=tuple(dict.fromkeys(local_markers)),
        blank_values=frozenset(blank_values),
        defaults={k: v for k, v in defaults.items() if v is not None},
        statuses=statuses,
        header_min_fields=min_fields,
        header_search_rows=search_rows,
        sources=tuple(str(p) for p in paths),
        levels_in_text=tuple(sorted(levels_in_text.items(), key=lambda kv: (-len(kv[0]), kv[0]))),
        own_level=own_level,
        own_level_words=tuple(dict.fromkeys(_WS.sub("", w) for w in own_level_words if w.strip())),
    )
