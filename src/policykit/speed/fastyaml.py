"""A fast reader for the plain block style that list files are written in — or a refusal.

``load(raw, limits)`` returns ``(data, positions, key_positions, dates)`` only when it is certain
that the located loader (``loader.load_bytes``) would give the same data with no problem at all;
otherwise it returns ``None`` and the caller uses the located loader, whose data, positions and
messages are the reference. It reads a deliberately small subset of YAML, line by line:

* block mappings whose keys are plain ``[A-Za-z0-9_][A-Za-z0-9_.-]*`` followed by ``: `` or the
  end of the line, and block sequences (``- value`` or ``- key: value`` opening a mapping), each
  indented deeper than its parent;
* values on one line: a plain scalar, a single- or double-quoted scalar without backslashes, a flow
  sequence ``[a, b]`` of plain scalars, ``{}``, or nothing (null); trailing ``  # comments``;
* full-line comments and blank lines anywhere.

Anything else — tabs, carriage returns, other line breaks (NEL, U+2028/9), control characters,
bidirectional overrides and isolates, byte order marks, document markers and directives, anchors,
aliases, tags, block scalars, multi-line scalars, flow mappings, indentless sequences, duplicate
keys, values that do not construct, strings or nesting or node counts beyond the limits (counted
as the lines are read), a top level that is not a mapping — is refused.

Types are exact by construction: a plain scalar's tag comes from PyYAML's own ``Resolver.resolve``
(the class the C loader uses) and its value from ``SafeConstructor``'s constructor for that tag, the
same two calls the located loader makes; quoted scalars are strings; keys are their text, as the
located loader reads them. Positions (1-based line and column, in characters) are recorded as
libyaml reports them, in the orders ``lists.positions`` defines (``value_paths``: every value node
in document order; ``key_paths``: every key in document order, each before its value) — the orders
``cache._walk_orders`` pairs the packed arrays with paths by; ``tests/test_position_order.py``
holds all of them to the reference.
"""
from __future__ import annotations

import datetime as _datetime
import re
from array import array
from itertools import chain

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from ..lists.loader import STANDARD_TAGS, Limits

# everything libyaml would read differently or refuse: other line breaks (\r, NEL, U+2028/9), tabs,
# control characters, surrogates, U+FEFF (skipped at a line start), U+FFFE/FFFF; and the
# bidirectional overrides and isolates (U+202A-202E, U+2066-2069), which the located loader reports
_REFUSE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202f-\u2065\u206a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                     "\U00010000-\U0010ffff]")
_CHUNK = 1 << 20   # characters: a large file is split into lines a megabyte at a time
# a key: plain text, or quoted on one line without escapes (the located loader reads keys as text)
_KEY = re.compile(r"""([A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}|'(?:[^']|''){0,128}'|"[^"\\]{0,128}"):(?: +|$)""")
_SQUOTE = re.compile(r"'((?:[^']|'')*)'(?: *| +#.*)$")
_DQUOTE = re.compile(r'"([^"\\]*)"(?: *| +#.*)$')
_FLOW_SEQ = re.compile(r"\[([^\[\]{}'\"#:]*)\](?: *| +#.*)$")
_EMPTY_MAP = re.compile(r"\{\}(?: *| +#.*)$")

_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_STR = "tag:yaml.org,2002:str"
# first characters for which the resolver may give something other than a string: read from the
# resolver's own table, so that a plain scalar starting with any other character is a string
_RESOLVABLE = frozenset(k for k in Resolver.yaml_implicit_resolvers if k is not None)
_date = _datetime.date
_WILDCARD = None in Resolver.yaml_implicit_resolvers
# characters a plain scalar may not start with (YAML indicators); '-' is allowed before a non-space
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")


class _Everything:
    """Every first character, when the resolver has a wildcard entry (any plain scalar may then resolve)."""

    def __contains__(self, c) -> bool:
        return True


class Decline(Exception):
    """The fast reader cannot be sure; the located loader must read this file."""


_MEMO: dict = {}   # plain text -> (value, is_date): the resolver and constructors are pure functions


def _plain(value: str, limits: Limits):
    """A plain scalar's value, exactly as PyYAML's resolver and safe constructor make it."""
    if value and value[0] not in _RESOLVABLE and not _WILDCARD:
        if len(value) > limits.max_string_chars:
            raise Decline
        return value, False
    hit = _MEMO.get(value)
    if hit is None:
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
        if tag == _STR:
            hit = (value, False)
        elif tag not in STANDARD_TAGS:
            raise Decline  # '=' (value) or '<<' (merge): the located loader reports these
        else:
            try:
                hit = (SafeConstructor.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, value)),
                       tag == "tag:yaml.org,2002:timestamp")
            except Exception:
                raise Decline from None
        if len(_MEMO) >= 65536:
            _MEMO.clear()
        _MEMO[value] = hit
    if isinstance(hit[0], str) and len(hit[0]) > limits.max_string_chars:
        raise Decline
    return hit


def load(raw: bytes, limits: Limits = Limits()):
    """``(data, positions, key_positions, dates)`` or None (use the located loader).

    ``positions`` and ``key_positions`` are flat ``array('I')`` of line, column pairs in the orders
    of ``lists.positions.value_paths`` and ``key_paths``; ``dates`` lists ``[path, "d" | "t", isoformat]`` for every date and timestamp.
    """
    if len(raw) > limits.max_file_bytes or raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _REFUSE.search(text) is not None:
        return None
    try:
        return _parse(text, limits)
    except (Decline, RecursionError):
        return None


def _value(rest: str, col: int, lineno: int, depth: int, limits: Limits, pos: list, ppath, last, dates: list):
    """The value written on one line from column ``col`` (0-based) on; records its position(s)."""
    c = rest[0]
    pos.append(lineno)
    pos.append(col + 1)
    if c == "'":
        m = _SQUOTE.match(rest)
        if m is None:
            raise Decline
        value = m.group(1).replace("''", "'")
        if len(value) > limits.max_string_chars:
            raise Decline
        return value
    if c == '"':
        m = _DQUOTE.match(rest)
        if m is None:
            raise Decline
        value = m.group(1)
        if len(value) > limits.max_string_chars:
            raise Decline
        return value
    if c == "[":
        m = _FLOW_SEQ.match(rest)
        if m is None or depth + 1 > limits.max_depth:
            raise Decline
        inner = m.group(1)
        if not inner.strip(" "):
            return []
        out = []
        offset = col + 1
        for i, part in enumerate(inner.split(",")):
            item = part.strip(" ")
            if not item or (item[0] in _INDICATORS and not (item[0] == "-" and len(item) > 1 and item[1] != " ")):
                raise Decline
            pos.append(lineno)
            pos.append(offset + (len(part) - len(part.lstrip(" "))) + 1)
            offset += len(part) + 1
            value, is_date = _plain(item, limits)
            if is_date:
                dates.append([[*ppath, last, i], "t" if type(value) is not _date else "d", value.isoformat()])
            out.append(value)
        return out
    if c == "{":
        if _EMPTY_MAP.match(rest) is None:
            raise Decline
        return {}
    # a plain scalar on one line
    cut = rest.find(" #")
    if cut >= 0:
        rest = rest[:cut]
    value = rest.rstrip(" ")
    if c in _INDICATORS and not (c == "-" and len(value) > 1 and value[1] != " "):
        raise Decline
    if ": " in value or value.endswith(":"):
        raise Decline
    value, is_date = _plain(value, limits)
    if is_date:
        dates.append([[*ppath, last], "t" if type(value) is not _date else "d", value.isoformat()])
    return value


def _lines(text: str):
    """The lines of ``text``, as ``text.split("\\n")`` gives them, split a megabyte at a time (the
    lines of a whole 64 MB file of short lines would take a gigabyte at once)."""
    if len(text) <= _CHUNK:
        return text.split("\n")
    return chain.from_iterable(_chunks(text))


def _chunks(text: str):
    start, n = 0, len(text)
    while True:
        end = text.find("\n", start + _CHUNK) if start + _CHUNK < n else -1
        if end < 0:
            yield text[start:].split("\n")
            return
        yield text[start:end].split("\n")
        start = end + 1


def _parse(text: str, limits: Limits):
    """Read the subset line by line: each line continues the collection its indentation names, with
    a sequence entry or a key; the value written after it is read here (plain text, the common case)
    or by ``_value``. The rarer structural steps are helpers: opening the root, the value of a bare
    ``key:`` on the next line, a frame left by indentation, a mapping opened by ``- key:``."""
    pos: list = []       # value nodes: line, column, ...
    kpos: list = []      # keys: line, column, ...
    dates: list = []
    pa, ka = pos.append, kpos.append
    count = 0
    max_depth, max_chars = limits.max_depth, limits.max_string_chars
    key_match = _KEY.match
    slow_start = _INDICATORS
    resolvable = _RESOLVABLE if not _WILDCARD else _Everything()
    # frames: [indent, container, is_sequence, depth, path, indentless]; a frame's entries sit at
    # depth + 1, which is checked against the limit when the frame is made
    stack: list = []
    pending = None   # (mapping, key, indent, line, colon column, depth, path): "key:" awaiting its value
    root = None
    lineno = 0
    max_nodes = limits.max_nodes
    for line in _lines(text):
        lineno += 1
        if count > max_nodes:
            raise Decline  # counted as it goes: the located loader reports where the budget ran out
        s = line.lstrip(" ")
        if not s or s[0] == "#":
            continue
        ind = len(line) - len(s)
        if pending is not None:
            count += 1
            _resolve_pending(pending, ind, s, lineno, max_depth, stack, pa)
            pending = None
        elif root is None:
            root = _open_root(ind, lineno, max_depth, stack, pa)
            count = 1
        frame = stack[-1]
        if frame[0] != ind or frame[5]:
            frame = _frame_at(stack, ind, s)
        if frame[2]:
            # a sequence entry: "- value" or "- key: value"
            if not s.startswith("- "):
                raise Decline  # not an entry ("-" alone is refused just below too)
            rest = s[1:].lstrip(" ")
            if not rest or rest[0] == "#":
                raise Decline  # "-" alone: a block node on the next lines, or null
            col = ind + len(s) - len(rest)
            seq = frame[1]
            count += 1
            m = key_match(rest)
            if m is None:   # the entry is the value read below
                target, last, vcol = seq, len(seq), col
                seq.append(None)
            else:           # "- key: ..." opens a mapping whose keys sit at this column
                frame = _open_entry_mapping(frame, col, lineno, max_depth, stack, pa)
                s = rest
        else:
            col = ind
            m = key_match(s)
            if m is None:
                raise Decline
        if m is not None:
            # a key line of the mapping in ``frame``
            mapping = frame[1]
            key = m.group(1)
            klen = len(key)
            if key[0] in "'\"":
                key = _unquote_key(key)
            if key in mapping:
                raise Decline  # duplicate key: the located loader reports it
            ka(lineno)
            ka(col + 1)
            end = m.end()
            rest = s[end:]
            if not rest or rest[0] == "#":
                pending = (mapping, key, col, lineno, col + klen, frame[3] + 1, frame[4] + (key,))
                mapping[key] = None
                continue
            count += 1
            target, last, vcol = mapping, key, col + end
        # the value written on this line from column ``vcol`` on, stored at ``target[last]``
        c = rest[0]
        if c not in slow_start and "#" not in rest and ":" not in rest:
            value = rest.rstrip(" ")
            pa(lineno)
            pa(vcol + 1)
            if c in resolvable:
                value, is_date = _plain(value, limits)
                if is_date:
                    dates.append(_date_entry(frame[4], last, value))
            elif len(value) > max_chars:
                raise Decline
        else:
            value = _value(rest, vcol, lineno, frame[3] + 1, limits, pos, frame[4], last, dates)
            if type(value) is list:
                count += len(value)
        target[last] = value
    count = _end_pending(pending, count, pa)
    if root is None or count > limits.max_nodes:
        raise Decline  # empty, or only comments: the located loader reports it
    return root, array("I", pos), array("I", kpos), dates


def _open_root(ind: int, lineno: int, max_depth: int, stack: list, pa) -> dict:
    """The top-level mapping, opened by the first line that is not blank or a comment."""
    if ind != 0 or max_depth < 1:
        raise Decline
    root = {}
    pa(lineno)
    pa(1)
    stack.append([0, root, False, 0, (), False])
    return root


def _resolve_pending(pending: tuple, ind: int, s: str, lineno: int, max_depth: int, stack: list, pa) -> None:
    """The value of a bare ``key:``, decided by the next line: a block collection opening there
    (deeper, or a sequence at the key's own indentation: an "indentless" one, which ends at the
    next non-entry), or else null at the key's line."""
    mapping, key, pind, pline, pcol, pdepth, ppath = pending
    dash = _is_entry(s)
    if ind > pind or (ind == pind and dash):
        if pdepth + 1 > max_depth:
            raise Decline
        pa(lineno)
        pa(ind + 1)
        new = [] if dash else {}
        stack.append([ind, new, dash, pdepth, ppath, dash and ind == pind])
        mapping[key] = new
    else:
        pa(pline)
        pa(pcol + 2)


def _end_pending(pending, count: int, pa) -> int:
    """A bare ``key:`` on the last line is null; the node count with it."""
    if pending is not None:
        mapping, key, pind, pline, pcol, pdepth, ppath = pending
        count += 1
        pa(pline)
        pa(pcol + 2)
    return count


def _frame_at(stack: list, ind: int, s: str) -> list:
    """The frame a line at indentation ``ind`` continues, after closing the deeper ones (and an
    indentless sequence, if the line is not an entry); a line matching none is refused."""
    while stack[-1][0] > ind:
        stack.pop()
        if not stack:
            raise Decline
    frame = stack[-1]
    if frame[5] and not _is_entry(s):
        stack.pop()  # an indentless sequence ends at the first line that is not an entry
        frame = stack[-1]
    if frame[0] != ind:
        raise Decline
    return frame


def _open_entry_mapping(frame: list, col: int, lineno: int, max_depth: int, stack: list, pa) -> list:
    """The mapping a ``- key: ...`` entry opens in the sequence of ``frame``; its frame."""
    seq = frame[1]
    depth = frame[3] + 1
    if depth + 1 > max_depth:
        raise Decline
    pa(lineno)
    pa(col + 1)
    mapping = {}
    new = [col, mapping, False, depth, frame[4] + (len(seq),), False]
    seq.append(mapping)
    stack.append(new)
    return new


def _is_entry(s: str) -> bool:
    """Whether a line (without its indentation) is a sequence entry: "-" alone or followed by a space."""
    return s[0] == "-" and (len(s) == 1 or s[1] == " ")


def _unquote_key(key: str) -> str:
    """A quoted key's text (quoted on one line without escapes: ``''`` is the only one in single quotes)."""
    if key[0] == "'":
        return key[1:-1].replace("''", "'")
    return key[1:-1]


def _date_entry(path: tuple, last, value) -> list:
    """The ``dates`` entry of a date or timestamp at ``path + (last,)``."""
    return [[*path, last], "d" if type(value) is _date else "t", value.isoformat()]


__all__ = ["load", "Decline"]
