"""Read YAML list files safely, keeping the position of every value.

Why not ``yaml.safe_load``: it forgets positions, silently keeps the last of duplicate keys and
expands aliases. Here libyaml's parser (C) delivers events, and one pass (``_Reader``) turns them
into plain data as they arrive, recording ``path -> (line, column)`` and reporting every defect as
a located Problem: syntax errors, wrong encoding, duplicate keys, tags, anchors/aliases (alias
bombs), merge keys, control characters in text (escaped ones included), files that are not
mappings, files, nodes or nesting beyond the configured limits. No node tree is built: the budgets
are counted while parsing, so a hostile file stops at its limit instead of after it was composed.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import LimitExceeded
from ..problems import Problem

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
    """Bounds that keep hostile files and rules from exhausting time or memory (``policykit.yaml``
    → ``limits:``; the table in docs/security.md)."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 1_000_000           # counted while parsing; about 0.3 KB of memory each
    max_string_chars: int = 60_000
    max_problems_per_file: int = 100     # then one problem counting the rest
    max_load_seconds: int = 600          # reading and schema-checking every file of a check
    max_rule_seconds: int = 300          # running every rule of a check
    max_rule_memory_mib: int = 4096      # growth of one rule process (RLIMIT_AS above what it inherits)
    max_rule_matches: int = 200_000      # matches of one rule
    max_history_commits: int = 100_000   # commits one command walks (diff's records, log, changelog, --since)
    max_output_chars: int = 20_000_000   # what diff, impact and evaluate write (stdout or -o)


@dataclass
class Document:
    """One parsed file: plain data plus the position of every path in it."""

    file: str                      # path relative to the repository root, with '/'
    data: object = None
    # path tuple -> (line, col), in the orders lists/positions.py defines (value_paths, key_paths)
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


# the located reader: libyaml's events, turned into data as they arrive -----------------------------
# (no node tree: a composed tree costs about 700 bytes a node before a single one is counted, so
# a 5 MB file in flow style took gigabytes; here the budgets are counted while parsing)

_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
# characters no list text needs and that can forge what a terminal or a CI log shows: C0 controls
# but tab and line feed, DEL, C1 controls, bidirectional overrides and isolates (Trojan Source)
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MEMO: dict = {}   # plain scalar text -> value: resolving and constructing are pure functions
class _Deadline(threading.local):
    """The load phase's deadline of this thread: two checks in two threads keep their own."""
    value = None   # (monotonic deadline, seconds) of the load phase, or None (load_deadline)


_DEADLINE = _Deadline()


class _Abort(Exception):
    def __init__(self, mark, path, rule, message, *, stop=False):
        self.mark, self.path, self.rule, self.message = mark, path, rule, message
        self.stop = stop   # a budget: stop reading here (else the rest is still parsed for syntax errors)


def _char_name(ch: str) -> str:
    names = {"\x1b": "ESC", "\x00": "NUL", "\r": "CR", "\x7f": "DEL", "\u202e": "RLO", "\u202d": "LRO",
             "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI",
             "\u2069": "PDI"}
    name = names.get(ch)
    return f"U+{ord(ch):04X}" + (f"（{name}）" if name else "")


class _Reader:
    """One pass over libyaml's events: plain data, positions recorded as the events arrive — which
    is the order ``lists.positions`` defines (``value_paths``: every value in document order;
    ``key_paths``: each key just before its value) — and every defect a located problem. The node,
    depth and time budgets are checked as each event arrives."""

    def __init__(self, doc: Document, loader, limits: Limits):
        self.doc, self.loader, self.limits = doc, loader, limits
        self.anchors: dict = {}        # anchor -> start mark of the node it names
        self.count = 0
        self.events = 0
        self.listed = 0                # non-fatal problems recorded
        self.unlisted = 0              # beyond max_problems_per_file: counted only
        self.first_unlisted = None
        self.start = None
        resolvers = type(loader).yaml_implicit_resolvers
        self.resolvable = None if None in resolvers else frozenset(k for k in resolvers if k is not None)

    # ---- problems that do not stop the reading -------------------------------------------------
    def note(self, mark, path, rule, message):
        if self.listed < self.limits.max_problems_per_file:
            self.listed += 1
            self.doc.problems.append(Problem(self.doc.file, mark.line + 1, mark.column + 1, json_path(path),
                                             rule, "error", message))
        else:
            self.unlisted += 1
            if self.first_unlisted is None:
                self.first_unlisted = (mark.line + 1, mark.column + 1, json_path(path), rule)

    def summary(self):
        if self.unlisted:
            line, col, path, rule = self.first_unlisted
            self.doc.problems.append(Problem(self.doc.file, line, col, path, rule, "error", unlisted_message(
                self.unlisted, self.limits.max_problems_per_file)))

    def text_check(self, text: str, mark, path, what: str):
        m = CONTROL_CHARS.search(text)
        if m is not None:
            self.note(mark, path, "YAML-CONTROL-CHAR",
                      f"{what}第 {m.start() + 1} 个字符是控制字符 {_char_name(m.group())}：清单文字不应含有控制字符或双向文字"
                      f"控制符（它们能改写终端和 CI 日志上显示的内容），请删除 (control character in text)")

    def tick(self, mark):
        """One event read outside the main loop; the clock is read every 4,096 events."""
        self.events += 1
        if not self.events & 4095:
            self.in_time(mark)

    def in_time(self, mark):
        deadline = _DEADLINE.value
        if deadline is not None and time.monotonic() > deadline[0]:
            raise load_timeout(self.doc.file, mark.line + 1, mark.column + 1, deadline[1])

    # ---- the document --------------------------------------------------------------------------
    def read(self):
        """The document's data; raises _Abort, a YAML error, or LimitExceeded (time)."""
        get = self.loader.get_event
        get()                                   # stream start
        ev = get()
        if type(ev) is yaml.StreamEndEvent:
            return _EMPTY
        self.start = ev.start_mark              # document start
        ev = get()
        if type(ev) is not yaml.MappingStartEvent:
            if type(ev) is yaml.AliasEvent:
                raise yaml.composer.ComposerError(None, None, "found undefined alias", ev.start_mark)
            self.drain(ev)
            m = ev.start_mark
            kind = "列表" if type(ev) is yaml.SequenceStartEvent else "标量"
            raise _Abort(m, (), "YAML-NOT-MAPPING", f"文件顶层应为映射（键: 值），实际是{kind} (top level must be a mapping)")
        data = self.collection(ev, (), 0)
        get()                                   # document end
        ev = get()
        if type(ev) is not yaml.StreamEndEvent:
            raise yaml.composer.ComposerError("expected a single document in the stream", self.start,
                                              "but found another document", ev.start_mark)
        self.summary()
        return data

    def node_start(self, ev, path, depth):
        """Count, bound and record one node (the event that starts it)."""
        self.count += 1
        mark = ev.start_mark
        if self.count > self.limits.max_nodes:
            raise _Abort(mark, path, "YAML-LIMIT", f"节点数超过上限 {self.limits.max_nodes}（limits.max_nodes），"
                                                   f"已停止读取本文件 (too many nodes)", stop=True)
        if depth > self.limits.max_depth:
            raise _Abort(mark, path, "YAML-LIMIT", f"嵌套深度超过上限 {self.limits.max_depth}（limits.max_depth）"
                                                   f" (nesting too deep)", stop=True)
        if type(ev) is yaml.AliasEvent:
            self.alias(ev, path)
        anchor = ev.anchor
        if anchor is not None:
            self.anchor(anchor, mark, path)
        self.doc.positions[path] = (mark.line + 1, mark.column + 1)
        return mark

    def alias(self, ev, path):
        first = self.anchors.get(ev.anchor)
        if first is None:
            raise yaml.composer.ComposerError(None, None, "found undefined alias", ev.start_mark)
        raise _Abort(first, path, "YAML-ALIAS", "不允许使用锚点与别名（&/*），请直接写出内容 (anchors and aliases are not allowed)")

    def anchor(self, anchor, mark, path):
        if anchor in self.anchors:
            raise _Abort(mark, path, "YAML-ALIAS", "不允许使用锚点与别名（&/*），且锚点名重复，请直接写出内容 "
                                                   "(anchors and aliases are not allowed)")
        self.anchors[anchor] = mark

    def collection(self, ev, path, depth):
        """A mapping or sequence from its start event to its end, iteratively (no recursion; the
        common case — a scalar value — is handled inline, this loop is the located loader's cost)."""
        mark = self.node_start(ev, path, depth)
        self.check_tag(ev.tag, mark, path)
        root = {} if type(ev) is yaml.MappingStartEvent else []
        # frames: [container, path, depth, is a mapping, key (the key awaiting its value, or None)]
        frame = [root, path, depth, type(root) is dict, None]
        stack = [frame]
        get = self.loader.get_event
        positions, key_positions = self.doc.positions, self.doc.key_positions
        limits = self.limits
        max_nodes, max_depth, max_chars = limits.max_nodes, limits.max_depth, limits.max_string_chars
        memo, resolvable, control = _MEMO, self.resolvable, CONTROL_CHARS.search
        Scalar, MapStart, SeqStart, MapEnd, SeqEnd, Alias = (
            yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.MappingEndEvent,
            yaml.SequenceEndEvent, yaml.AliasEvent)
        events = self.events
        while True:
            ev = get()
            t = type(ev)
            events += 1
            if not events & 4095:
                self.in_time(ev.start_mark)
            if t is MapEnd or t is SeqEnd:
                stack.pop()
                if not stack:
                    break
                frame = stack[-1]
                continue
            container = frame[0]
            if frame[3]:
                key = frame[4]
                if key is None:
                    self.events = events
                    frame[4] = self.key(ev, t, frame, key_positions)
                    continue
                frame[4] = None
            else:
                key = len(container)
            child = frame[1] + (key,)
            d = frame[2] + 1
            self.count += 1
            if self.count > max_nodes or d > max_depth or t is Alias or ev.anchor is not None:
                self.count -= 1
                self.node_start(ev, child, d)     # raises for a budget or an alias; records an anchor
            mark = ev.start_mark
            positions[child] = (mark.line + 1, mark.column + 1)
            if t is Scalar:
                value = ev.value
                tag = ev.tag
                if tag is None or tag == "!":   # resolved from the text, as the safe loader does
                    if ev.implicit[0] and (not value or resolvable is None or value[0] in resolvable):
                        hit = memo.get(value)
                        if hit is None:
                            hit = self.plain(value, ev, mark, child)
                        value = hit[0]
                else:
                    value = self.tagged(ev, mark, child)
                if type(value) is str:
                    if len(value) > max_chars:
                        raise _Abort(mark, child, "YAML-LIMIT",
                                     f"字符串长度 {len(value)} 超过上限 {max_chars} (string too long)")
                    if control(value) is not None:
                        self.text_check(value, mark, child, "值的")
            else:
                self.check_tag(ev.tag, mark, child)
                value = {} if t is MapStart else []
                frame = [value, child, d, t is MapStart, None]
                stack.append(frame)
            if type(container) is dict:
                container[key] = value
            else:
                container.append(value)
        self.events = events
        return root

    def key(self, ev, t, frame, key_positions):
        """A mapping's next key (text as written); None after a duplicate key, whose value is skipped."""
        if t is not yaml.ScalarEvent:
            if t is yaml.AliasEvent:
                self.alias(ev, frame[1])
            raise _Abort(ev.start_mark, frame[1], "YAML-KEY", "键必须是简单字符串 (keys must be plain scalars)")
        key = ev.value
        km = ev.start_mark
        if ev.anchor is not None:
            self.anchor(ev.anchor, km, frame[1])
        if (key == "<<" and ev.implicit[0] and ev.tag is None) or ev.tag == _MERGE:
            if ev.tag == _MERGE or self.loader.resolve(yaml.ScalarNode, key, ev.implicit) == _MERGE:
                raise _Abort(km, frame[1], "YAML-MERGE", "不允许使用合并键 <<，请直接写出字段 (merge keys are not allowed)")
        child = frame[1] + (key,)
        if key in frame[0]:
            first = key_positions[child]
            self.note(km, child, "YAML-DUPLICATE-KEY",
                      f"重复的键「{key}」，第 {first[0]} 行已有同名键；YAML 只会保留后者 (duplicate key)")
            self.skip()
            return None
        key_positions[child] = (km.line + 1, km.column + 1)
        if CONTROL_CHARS.search(key) is not None:
            self.text_check(key, km, child, f"键「{key}」的")
        return key

    def check_tag(self, tag, mark, path):
        if tag is not None and tag != "!" and tag not in STANDARD_TAGS:
            raise _Abort(mark, path, "YAML-TAG", f"不允许使用标签 {tag}：清单只能包含普通数据 (tags are not allowed)")

    def tagged(self, ev, mark, path):
        """A scalar with a tag written out: a standard one is constructed as the safe loader does."""
        tag = ev.tag
        self.check_tag(tag, mark, path)
        return ev.value if tag == _STR else self.construct(tag, ev, mark, path)

    def plain(self, value, ev, mark, path):
        """A plain scalar's (value,), resolved and constructed as the safe loader does; remembered."""
        tag = self.loader.resolve(yaml.ScalarNode, value, ev.implicit)
        if tag not in STANDARD_TAGS:
            raise _Abort(mark, path, "YAML-TAG", f"不允许使用标签 {tag}：清单只能包含普通数据 (tags are not allowed)")
        hit = (value,) if tag == _STR else (self.construct(tag, ev, mark, path),)
        if len(_MEMO) >= 65536:
            _MEMO.clear()
        _MEMO[value] = hit
        return hit

    def construct(self, tag, ev, mark, path):
        node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)
        try:
            return self.loader.construct_object(node)
        except (ValueError, OverflowError, yaml.constructor.ConstructorError) as exc:
            raise _Abort(mark, path, "YAML-VALUE", f"无效的值「{ev.value}」：{_translate(str(exc))} (invalid value)") from None
        finally:
            self.loader.constructed_objects.clear()

    def skip(self):
        """Read past one node (the value of a duplicate key) without keeping it."""
        depth = 0
        get = self.loader.get_event
        while True:
            ev = get()
            t = type(ev)
            self.tick(ev.start_mark)
            if t is yaml.AliasEvent:
                if ev.anchor not in self.anchors:
                    raise yaml.composer.ComposerError(None, None, "found undefined alias", ev.start_mark)
            elif t is yaml.MappingEndEvent or t is yaml.SequenceEndEvent:
                depth -= 1
            else:
                if getattr(ev, "anchor", None) is not None:
                    self.anchors.setdefault(ev.anchor, ev.start_mark)
                if t is yaml.MappingStartEvent or t is yaml.SequenceStartEvent:
                    depth += 1
            if depth == 0:
                return

    def drain(self, ev=None):
        """Parse the rest of the stream, keeping nothing: a syntax error anywhere in the file is the
        one reported (as when the whole file was composed before it was read). Past the node budget
        the first problem stands (a composer would have stopped there too)."""
        get = self.loader.get_event
        left = self.limits.max_nodes
        while True:
            if ev is not None:
                t = type(ev)
                self.tick(ev.start_mark)
                if t is yaml.StreamEndEvent:
                    return
                left -= 1
                if left < 0:
                    return
                if t is yaml.DocumentStartEvent:
                    raise yaml.composer.ComposerError("expected a single document in the stream", self.start,
                                                      "but found another document", ev.start_mark)
                if t is yaml.AliasEvent:
                    if ev.anchor not in self.anchors:
                        raise yaml.composer.ComposerError(None, None, "found undefined alias", ev.start_mark)
                elif getattr(ev, "anchor", None) is not None:
                    self.anchors.setdefault(ev.anchor, ev.start_mark)
            ev = get()


_EMPTY = object()


def unlisted_message(count: int, cap: int, *, at_least: bool = False) -> str:
    """The message of the one problem standing for those beyond ``max_problems_per_file``."""
    n = f"至少 {count}" if at_least else f" {count}"
    return (f"从这里起还有{n} 个问题未列出（每个文件最多列出 {cap} 个，limits.max_problems_per_file）；"
            f"请先修正已列出的问题 ({'at least ' if at_least else ''}{count} more problems not listed)")


def load_timeout(file: str, line: int, column: int, seconds) -> "LimitExceeded":
    return LimitExceeded(f"{file}:{line}:{column}: [LIMIT-TIME] 读取清单超过时间上限 {seconds} 秒"
                         f"（limits.max_load_seconds），已停止 (reading the lists took longer than allowed)",
                         hint="检查是否有异常庞大的清单文件；确需更多时间时在 policykit.yaml 的 limits 中调高上限")


class load_deadline:
    """``with load_deadline(limits):`` the reading of a repository's files (parsing and schema
    checks, forked workers included) ends with ``LimitExceeded`` once ``max_load_seconds`` passed."""

    def __init__(self, limits: Limits):
        self.seconds = limits.max_load_seconds

    def __enter__(self):
        self.saved = _DEADLINE.value
        _DEADLINE.value = (time.monotonic() + self.seconds, self.seconds)
        return self

    def __exit__(self, *exc):
        _DEADLINE.value = self.saved


def check_deadline(file: str, line: int = 1, column: int = 1) -> None:
    """Raise ``LimitExceeded`` if the load phase ran out of time (cheap: one clock read)."""
    deadline = _DEADLINE.value
    if deadline is not None and time.monotonic() > deadline[0]:
        raise load_timeout(file, line, column, deadline[1])


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
    check_deadline(file)
    loader = _BaseLoader(text)
    reader = _Reader(doc, loader, limits)
    try:
        try:
            data = reader.read()
        except _Abort as exc:
            if not exc.stop and exc.rule != "YAML-NOT-MAPPING":
                reader.drain()   # a syntax error further on is the problem to report
            raise
        if data is _EMPTY:
            doc.problems.append(Problem(file, 1, 1, "$", "YAML-NOT-MAPPING", "error", "文件为空，应为一个映射 (empty file)"))
        else:
            doc.data = data
    except _Abort as exc:
        reader.summary()
        m = exc.mark
        doc.problems.append(Problem(file, m.line + 1, m.column + 1, json_path(exc.path), exc.rule, "error", exc.message))
        doc.data = None
        if exc.stop:   # a budget ran out: the positions read so far are a million entries nobody needs
            doc.positions.clear()
            doc.key_positions.clear()
    except yaml.MarkedYAMLError as exc:
        _only(doc, _syntax_problem(file, exc))
    except yaml.reader.ReaderError as exc:  # control characters, bad code points
        before = text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        _only(doc, Problem(file, line, col, "$", "YAML-CONTROL-CHAR", "error",
                           f"包含不可打印的控制字符 U+{exc.character:04X}，请删除 (control character)"
                           if isinstance(exc.character, int) else "包含不允许的字符 (invalid character)"))
    except yaml.YAMLError as exc:
        _only(doc, Problem(file, 1, 1, "$", "YAML-SYNTAX", "error", f"YAML 无法读取：{exc}"))
    except RecursionError:
        _only(doc, Problem(file, 1, 1, "$", "YAML-LIMIT", "error", "嵌套过深，无法读取 (nesting too deep)"))
    finally:
        loader.dispose()
    return doc


def _only(doc: Document, problem: Problem) -> None:
    """A file that cannot be read has this one problem, no data and no positions."""
    doc.problems[:] = [problem]
    doc.data = None
    doc.positions.clear()
    doc.key_positions.clear()


def _syntax_problem(file: str, exc) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or "语法错误"
    if "maximum nesting depth" in what:   # libyaml's own bound (1,000 levels)
        return Problem(file, line, col, "$", "YAML-LIMIT", "error",
                       "嵌套深度超过 YAML 读取器的上限，无法读取 (nesting too deep for the YAML parser)")
    return Problem(file, line, col, "$", "YAML-SYNTAX", "error", f"YAML 语法错误：{_translate(what)} (syntax error: {what})")


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
