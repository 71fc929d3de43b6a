"""Regular expressions a repository supplies, run on an engine without backtracking (RE2).

A pull request controls ``policykit.yaml`` (``code_pattern``) and may bring its own schemas
(``pattern`` keywords): a pattern such as ``^(a|a)*b$`` would make Python's ``re`` backtrack for
hours on a 40-character item code. Every such pattern is compiled here, by google-re2, whose
matching time is linear in the text. RE2 takes Python's syntax for what it supports, named groups
``(?P<name>...)`` included; this module also translates the JSON Schema / Python spellings RE2
writes differently (``\\uXXXX`` → ``\\x{XXXX}``, ``\\Z`` → ``\\z``). What RE2 cannot take
(backreferences, look-around, a repetition above 1000, a program above its memory budget) is an
``UnsafePattern`` with a Chinese message; callers turn it into a located problem (exit 2).

The public ``re2`` wrapper costs 10 µs a match in Python code; the thin ``Pattern`` here calls
the compiled RE2 object directly (1.3 µs), which matters for a check matching every item code.
"""
from __future__ import annotations

from functools import lru_cache

MAX_PATTERN_CHARS = 1000   # longer patterns are refused before RE2 sees them
_MAX_MEM = 8 << 20         # RE2's own budget for one compiled program (bytes)


class UnsafePattern(ValueError):
    """A pattern RE2 cannot compile, or one over the length cap; ``message`` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _short(pattern: str, limit: int = 60) -> str:
    return pattern if len(pattern) <= limit else pattern[:limit] + "…"


_HEX = frozenset("0123456789abcdefABCDEF")


def translate(pattern: str) -> str:
    """Python / JSON Schema spellings RE2 writes differently, rewritten; anything else unchanged."""
    out = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch != "\\" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = pattern[i + 1]
        width = {"u": 4, "U": 8}.get(nxt)
        if width and i + 2 + width <= n and all(c in _HEX for c in pattern[i + 2:i + 2 + width]):
            out.append("\\x{" + pattern[i + 2:i + 2 + width] + "}")
            i += 2 + width
            continue
        out.append("\\z" if nxt == "Z" else ch + nxt)
        i += 2
    return "".join(out)


def _explain(error: str, pattern: str) -> str:
    """RE2's error text, with the Chinese for the usual causes."""
    if "invalid perl operator: (?=" in error or "invalid perl operator: (?!" in error \
            or "invalid perl operator: (?<=" in error or "invalid perl operator: (?<!" in error:
        return f"不支持前后查看 (?= (?! (?<= (?<! (look-around is not supported: {error})"
    if "invalid escape sequence: \\" in error and error[-1:].isdigit() or "(?P=" in pattern:
        return f"不支持反向引用 \\1 (backreferences are not supported: {error})"
    if "invalid named capture group" in error:
        return f"不支持的命名组写法，请用 (?P<名称>...) (unsupported named group: {error})"
    if "invalid repetition size" in error:
        return f"重复次数最多 1000 (repetition count above 1000: {error})"
    if "pattern too large" in error:
        return f"正则展开后过大 (pattern too large: {error})"
    return error


@lru_cache(maxsize=256)
def compile(pattern: str) -> "Pattern":  # noqa: A001 - the module is used as safe_regex.compile
    """``pattern`` compiled by RE2; ``UnsafePattern`` when RE2 cannot take it or it is too long."""
    if not isinstance(pattern, str):
        raise UnsafePattern(f"正则表达式应为文本，实际是 {type(pattern).__name__} (pattern must be a string)")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise UnsafePattern(f"正则表达式长 {len(pattern)} 字，超过上限 {MAX_PATTERN_CHARS} "
                            f"(pattern longer than {MAX_PATTERN_CHARS} characters)")
    import re2
    options = re2.Options()
    options.log_errors = False   # RE2 would otherwise print its own message on stderr
    options.max_mem = _MAX_MEM
    regexp = re2._re2.RE2(translate(pattern).encode("utf-8", "surrogatepass"), options)
    if not regexp.ok():
        reason = _explain(regexp.error().decode("utf-8", "replace"), pattern)
        raise UnsafePattern(f"正则表达式「{_short(pattern)}」无法使用：{reason}；"
                            f"policykit 用不回溯的 RE2 引擎执行仓库提供的正则 (RE2 cannot compile this pattern)")
    return Pattern(pattern, regexp, re2._re2.RE2.Anchor)


def check(pattern: str) -> str | None:
    """The Chinese reason ``pattern`` cannot be used, or None when it compiles."""
    try:
        compile(pattern)
    except UnsafePattern as exc:
        return exc.message
    return None


class Pattern:
    """A compiled RE2 pattern with the part of ``re.Pattern`` policykit uses."""

    __slots__ = ("pattern", "_re", "_unanchored", "_start", "_both", "groupindex", "groups")

    def __init__(self, pattern: str, regexp, anchor):
        self.pattern = pattern
        self._re = regexp
        self._unanchored, self._start, self._both = anchor.UNANCHORED, anchor.ANCHOR_START, anchor.ANCHOR_BOTH
        self.groupindex = {name.decode("utf-8"): index for name, index in regexp.NamedCapturingGroups()}
        self.groups = regexp.NumberOfCapturingGroups()

    def _run(self, anchor, text: str):
        if not isinstance(text, str):
            raise TypeError(f"expected str, got {type(text).__name__}")
        data = text.encode("utf-8", "surrogatepass")
        spans = self._re.Match(anchor, data, 0, len(data))
        if spans[0][0] < 0:
            return None
        return Match(self, text, data, spans)

    def search(self, text: str) -> "Match | None":
        return self._run(self._unanchored, text)

    def match(self, text: str) -> "Match | None":
        return self._run(self._start, text)

    def fullmatch(self, text: str) -> "Match | None":
        return self._run(self._both, text)

    def __repr__(self) -> str:
        return f"safe_regex.compile({self.pattern!r})"


class Match:
    """A match: groups by number or name, as ``re.Match`` gives them."""

    __slots__ = ("re", "string", "_data", "_spans")

    def __init__(self, pattern: Pattern, text: str, data: bytes, spans):
        self.re, self.string, self._data, self._spans = pattern, text, data, spans

    def _index(self, group) -> int:
        if isinstance(group, str):
            try:
                return self.re.groupindex[group]
            except KeyError:
                raise IndexError("no such group") from None
        if not isinstance(group, int) or not 0 <= group <= self.re.groups:
            raise IndexError("no such group")
        return group

    def _text(self, index: int, default=None):
        a, b = self._spans[index]
        return default if a < 0 else self._data[a:b].decode("utf-8", "surrogatepass")

    def group(self, *groups):
        if not groups:
            return self._text(0)
        if len(groups) == 1:
            return self._text(self._index(groups[0]))
        return tuple(self._text(self._index(g)) for g in groups)

    def __getitem__(self, group):
        return self.group(group)

    def groups(self, default=None) -> tuple:
        return tuple(self._text(i, default) for i in range(1, self.re.groups + 1))

    def groupdict(self, default=None) -> dict:
        return {name: self._text(index, default) for name, index in self.re.groupindex.items()}

    def _chars(self, offset: int) -> int:
        return len(self._data[:offset].decode("utf-8", "surrogatepass"))

    def span(self, group=0) -> tuple:
        a, b = self._spans[self._index(group)]
        return (-1, -1) if a < 0 else (self._chars(a), self._chars(b))

    def start(self, group=0) -> int:
        return self.span(group)[0]

    def end(self, group=0) -> int:
        return self.span(group)[1]

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<safe_regex.Match span={self.span()} match={self.group()!r}>"
