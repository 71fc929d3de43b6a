"""Read YAML list files safely, keeping the position of every value.

Why not ``yaml.safe_load``: it forgets positions, silently keeps the last of duplicate keys and
expands aliases. Here the C composer builds the node tree, and one walk turns it into plain data
while recording ``path -> (line, column)`` and reporting every defect as a located Problem:
syntax errors, wrong encoding, duplicate keys, tags, anchors/aliases (alias bombs), merge keys,
files that are not mappings, files or nesting beyond the configured limits.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .problems import Problem

try:  # the C composer is ~4x faster; fall back to pure Python where libyaml is missing
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _BaseLoader = yaml.SafeLoader

STANDARD_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
}


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile files from exhausting time or memory (configurable)."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 5_000_000
    max_string_chars: int = 60_000


@dataclass
class Document:
    """One parsed file: plain data plus the position of every path in it."""

    file: str                      # path relative to the repository root, with '/'
    data: object = None
    positions: dict = field(default_factory=dict)   # path tuple -> (line, col)
    key_positions: dict = field(default_factory=dict)  # path tuple -> (line, col) of the key
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def position(self, path) -> tuple[int, int]:
        """Best position for ``path``: the value, else the nearest ancestor."""
        path = tuple(path)
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return (1, 1)
            path = path[:-1]

    def key_position(self, path) -> tuple[int, int]:
        path = tuple(path)
        return self.key_positions.get(path) or self.position(path)

    def problem(self, path, rule, message, severity="error", at_key=False) -> Problem:
        line, col = self.key_position(path) if at_key else self.position(path)
        return Problem(self.file, line, col, json_path(path), rule, severity, message)


def json_path(path) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class _Walker:
    def __init__(self, doc: Document, loader, limits: Limits):
        self.doc, self.loader, self.limits = doc, loader, limits
        self.seen: set[int] = set()
        self.count = 0

    def fail(self, node, path, rule, message):
        m = node.start_mark
        self.doc.problems.append(Problem(self.doc.file, m.line + 1, m.column + 1, json_path(path),
                                         rule, "error", message))

    def walk(self, node, path, depth):
        self.count += 1
        if self.count > self.limits.max_nodes:
            raise _Abort(node, path, "YAML-LIMIT", f"节点数超过上限 {self.limits.max_nodes} (too many nodes)")
        if depth > self.limits.max_depth:
            raise _Abort(node, path, "YAML-LIMIT", f"嵌套深度超过上限 {self.limits.max_depth} (nesting too deep)")
        if id(node) in self.seen:
            raise _Abort(node, path, "YAML-ALIAS", "不允许使用锚点与别名（&/*），请直接写出内容 (anchors and aliases are not allowed)")
        self.seen.add(id(node))
        m = node.start_mark
        self.doc.positions[path] = (m.line + 1, m.column + 1)
        tag = node.tag
        if tag not in STANDARD_TAGS:
            raise _Abort(node, path, "YAML-TAG", f"不允许使用标签 {tag}：清单只能包含普通数据 (tags are not allowed)")
        if isinstance(node, yaml.MappingNode):
            result = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Abort(key_node, path, "YAML-MERGE", "不允许使用合并键 <<，请直接写出字段 (merge keys are not allowed)")
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _Abort(key_node, path, "YAML-KEY", "键必须是简单字符串 (keys must be plain scalars)")
                # keys are text as written: YAML 1.1 would turn `no:` into False and `1:` into 1
                key = key_node.value
                child = path + (key,)
                km = key_node.start_mark
                if key in result:
                    first = self.doc.key_positions[child]
                    self.doc.problems.append(Problem(
                        self.doc.file, km.line + 1, km.column + 1, json_path(child), "YAML-DUPLICATE-KEY", "error",
                        f"重复的键「{key}」，第 {first[0]} 行已有同名键；YAML 只会保留后者 (duplicate key)"))
                    continue
                self.doc.key_positions[child] = (km.line + 1, km.column + 1)
                result[key] = self.walk(value_node, child, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        try:
            value = self.loader.construct_object(node)
        except (ValueError, OverflowError, yaml.constructor.ConstructorError) as exc:
            raise _Abort(node, path, "YAML-VALUE", f"无效的值「{node.value}」：{_translate(str(exc))} (invalid value)")
        if isinstance(value, str) and len(value) > self.limits.max_string_chars:
            raise _Abort(node, path, "YAML-LIMIT",
                         f"字符串长度 {len(value)} 超过上限 {self.limits.max_string_chars} (string too long)")
        return value


class _Abort(Exception):
    def __init__(self, node, path, rule, message):
        self.node, self.path, self.rule, self.message = node, path, rule, message


def _decode(raw: bytes, doc: Document) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        doc.problems.append(Problem(doc.file, 1, 1, "$", "YAML-ENCODING", "error",
                                    "文件是 UTF-16 编码，请另存为 UTF-8 (file is UTF-16; save it as UTF-8)"))
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1  # in characters
        guess = ""
        try:
            raw.decode("gb18030")
            guess = "，看起来是 GBK/GB18030 编码"
        except UnicodeDecodeError:
            pass
        doc.problems.append(Problem(doc.file, line, col, "$", "YAML-ENCODING", "error",
                                    f"文件不是有效的 UTF-8{guess}，请另存为 UTF-8 (not valid UTF-8)"))
        return None


def parse_text(text: str, file: str, limits: Limits = Limits()) -> Document:
    doc = Document(file)
    loader = _BaseLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            doc.problems.append(Problem(file, 1, 1, "$", "YAML-NOT-MAPPING", "error", "文件为空，应为一个映射 (empty file)"))
            return doc
        if not isinstance(node, yaml.MappingNode):
            m = node.start_mark
            kind = "列表" if isinstance(node, yaml.SequenceNode) else "标量"
            doc.problems.append(Problem(file, m.line + 1, m.column + 1, "$", "YAML-NOT-MAPPING", "error",
                                        f"文件顶层应为映射（键: 值），实际是{kind} (top level must be a mapping)"))
            return doc
        doc.data = _Walker(doc, loader, limits).walk(node, (), 0)
    except _Abort as exc:
        m = exc.node.start_mark
        doc.problems.append(Problem(file, m.line + 1, m.column + 1, json_path(exc.path), exc.rule, "error", exc.message))
        doc.data = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "语法错误"
        doc.problems.append(Problem(file, line, col, "$", "YAML-SYNTAX", "error",
                                    f"YAML 语法错误：{_translate(what)} (syntax error: {what})"))
        doc.data = None
    except yaml.reader.ReaderError as exc:  # control characters, bad code points
        before = text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        doc.problems.append(Problem(file, line, col, "$", "YAML-CONTROL-CHAR", "error",
                                    f"包含不可打印的控制字符 U+{exc.character:04X}，请删除 (control character)"
                                    if isinstance(exc.character, int) else "包含不允许的字符 (invalid character)"))
        doc.data = None
    except yaml.YAMLError as exc:
        doc.problems.append(Problem(file, 1, 1, "$", "YAML-SYNTAX", "error", f"YAML 无法读取：{exc}"))
        doc.data = None
    except RecursionError:
        doc.problems.append(Problem(file, 1, 1, "$", "YAML-LIMIT", "error", "嵌套过深，无法读取 (nesting too deep)"))
        doc.data = None
    finally:
        loader.dispose()
    return doc


_TRANSLATIONS = {
    "found duplicate anchor": "重复的锚点",
    "mapping values are not allowed": "此处不允许出现映射值（常见原因：本行或上一行缺少冒号，或缩进不一致）",
    "could not find expected ':'": "缺少冒号 ':'",
    "found character that cannot start any token": "出现了不能作为记号开头的字符（如制表符）",
    "found unexpected end of stream": "文件意外结束（引号或括号未闭合）",
    "found undefined alias": "引用了未定义的别名",
    "expected <block end>, but found": "缩进不一致",
    "did not find expected key": "缩进不一致，找不到预期的键",
    "did not find expected '-' indicator": "缩进不一致：这一行与上面的列表项没有对齐，或缺少列表项开头的「- 」",
    "did not find expected node content": "此处缺少内容（常见原因：多余的「- 」或逗号）",
    "found a tab character": "用了制表符缩进，请改用空格",
    "found unexpected ':'": "出现了多余的冒号 ':'（值里的冒号请加引号）",
    "found control characters": "包含不可打印的控制字符",
    "did not find expected ',' or ']'": "列表缺少逗号或右方括号 ']'",
    "did not find expected ',' or '}'": "映射缺少逗号或右花括号 '}'",
    "found unknown escape character": "引号内有无效的转义字符",
    "day is out of range for month": "日期超出该月的天数",
    "month must be in 1..12": "月份必须在 1 到 12 之间",
    "special characters are not allowed": "包含不允许的特殊字符",
}


def _translate(message: str) -> str:
    for en, zh in _TRANSLATIONS.items():
        if en in message:
            return zh
    return message


def load_file(path: Path, root: Path, limits: Limits = Limits()) -> Document:
    """Load one file; never raises for bad content (problems are recorded on the document)."""
    from .sources import Refused, open_inside
    rel = path.relative_to(root).as_posix() if path.is_absolute() else path.as_posix()
    doc = Document(rel)
    try:
        # one component at a time from the root: no link out of it or into .git, nothing but a
        # regular file opened, the size limit checked before reading (sources.Tree)
        raw = open_inside(root, rel, limits.max_file_bytes)
    except Refused as exc:
        doc.problems.append(exc.problem(rel))
        return doc
    except OSError as exc:
        doc.problems.append(Problem(rel, 1, 1, "$", "FILE-UNREADABLE", "error", f"无法读取文件：{exc.strerror} (cannot read)"))
        return doc
    return load_bytes(raw, rel, limits)


def load_bytes(raw: bytes, file: str, limits: Limits = Limits()) -> Document:
    doc = Document(file)
    if len(raw) > limits.max_file_bytes:
        doc.problems.append(Problem(file, 1, 1, "$", "YAML-LIMIT", "error",
                                    f"文件大小 {len(raw)} 字节超过上限 {limits.max_file_bytes} (file too large)"))
        return doc
    text = _decode(raw, doc)
    if text is None:
        return doc
    return parse_text(text, file, limits)
