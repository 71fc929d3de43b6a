"""The rule language: YAML rule files in ``rules/`` compiled into a checked intermediate form.

A rule names the fact kinds it reads and a ``when`` list of patterns. Each pattern is either a fact
to match (``fact: alias``, ``kind``, ``where``) or a fact that must not exist (``absent:``).
Conditions compare a field with a literal (``eq ne lt lte gt gte``), with a field of an earlier
pattern (``eq_field ne_field lt_field lte_field gt_field gte_field``), or test presence (``exists``).

The compiler rejects, with a located problem, everything that would trip durable-rules' defects:
joins on the engine's ``id``, ordering comparisons on strings (byte order on Chinese), a kind that
is both matched and negated in one rule (reference facts must be asserted first), unknown fields,
more than three matched facts (quadratic joins). See docs/rules.md.

A rule's ``message`` is data: literal text and ``{alias.field}`` of a matched fact's declared
fields, rendered by ``render_message`` (never ``str.format``: rule files come from pull requests).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import UsageError
from .facts import COMMON_FIELDS, FACT_KINDS
from ..lists.loader import Document, Limits, load_file
from ..problems import SEVERITIES, Problem

LITERAL_OPS = ("eq", "ne", "lt", "lte", "gt", "gte")
FIELD_OPS = ("eq_field", "ne_field", "lt_field", "lte_field", "gt_field", "gte_field")
ORDER_OPS = {"lt", "lte", "gt", "gte", "lt_field", "lte_field", "gt_field", "gte_field"}
FORBIDDEN_FIELDS = {"id", "sid"}
MAX_MATCHED = 3
_ALIAS = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
_RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


@dataclass(frozen=True)
class Condition:
    field: str
    op: str              # eq ne lt lte gt gte exists
    value: object = None  # literal, or None when ref is set
    ref: tuple | None = None  # (alias, field)

    def describe(self) -> str:
        target = f"{self.ref[0]}.{self.ref[1]}" if self.ref else repr(self.value)
        return f"{self.field} {self.op} {target}"


@dataclass(frozen=True)
class Pattern:
    alias: str | None    # None for an absent (negated) pattern
    kind: str
    conditions: tuple[Condition, ...]
    negated: bool = False


@dataclass
class Rule:
    id: str
    title: str
    severity: str
    article: str
    description: str
    message: str
    patterns: tuple[Pattern, ...]
    locate: tuple                 # (alias, yaml sub-path tuple)
    examples: list = field(default_factory=list)
    file: str = ""
    line: int = 1
    tags: tuple = ()
    needs: tuple | None = None    # the fact kinds without which the rule means nothing (None: all it reads)

    @property
    def matched(self) -> list[Pattern]:
        return [p for p in self.patterns if not p.negated]

    @property
    def negations(self) -> list[Pattern]:
        return [p for p in self.patterns if p.negated]

    @property
    def kinds(self) -> set[str]:
        return {p.kind for p in self.patterns}

    @property
    def reference_kinds(self) -> set[str]:
        """Kinds that must be asserted before the others (those tested by ``absent``)."""
        return {p.kind for p in self.negations}

    def fields_read(self, kind: str) -> set[str]:
        out = set()
        for p in self.patterns:
            if p.kind == kind:
                out.update(c.field for c in p.conditions)
            for c in p.conditions:
                if c.ref:
                    alias_kind = next(q.kind for q in self.matched if q.alias == c.ref[0])
                    if alias_kind == kind:
                        out.add(c.ref[1])
        return out


class _Compile(Exception):
    def __init__(self, path, message):
        self.path, self.message = path, message


def load_rules(rules_dir: Path, root: Path, limits: Limits = Limits(), *, store=...) -> tuple[list[Rule], list[Problem]]:
    """Load and compile every ``*.yaml`` rule file; malformed ones become located problems.

    What an earlier run compiled from the very same bytes (with the same schema, limits and
    policykit) is read back from the authenticated store instead (``_Compiled``; ``store``: the
    run's store, by default the one of ``root``)."""
    if not rules_dir.is_dir():
        raise UsageError(f"规则目录不存在：{rules_dir} (rules directory not found)")
    # listed without leaving the repository (a linked rules directory leading out of it is a
    # FILE-OUTSIDE problem, never read); names starting with "." or "_" (rules/_base) are skipped
    from ..lists.sources import list_tree
    paths, refused = list_tree(root, rules_dir, (".yaml",), (".", "_"))
    compiled = _Compiled(paths, root, limits, store)
    remembered = compiled.recall()
    if remembered is not None:
        return remembered[0], refused + remembered[1]
    rules, problems = _load_rules(paths, root, limits)
    compiled.remember(rules, problems)
    return rules, refused + problems


class _Compiled:
    """Compiled rules remembered between runs, keyed by every rule file's name and bytes, the rule
    schema, the limits and policykit's code; a marshal dump (built-in types only, loaded only after
    the store checked its MAC). Rules holding anything else (a date in an example) are not kept."""

    def __init__(self, paths, root: Path, limits: Limits, store=...):
        import hashlib
        self.store = self.key = None
        try:
            from ..speed.cache import store_for
            from ..speed.codeversion import code_digest
            from ..lists.schemas import schema_bytes
            from ..lists.sources import read_all_under
            h = hashlib.sha256(f"pk-rules1|{code_digest()}|{limits!r}|{root}\0".encode())
            h.update(schema_bytes("rule", root))
            for path, raw in zip(paths, read_all_under(root, paths, limits.max_file_bytes)):
                h.update(f"\0{path}\0".encode())
                h.update(raw)
            self.store, self.key = store_for(root, store), h.hexdigest()
        except (OSError, ValueError):
            self.store = None

    def recall(self):
        import marshal
        body = self.store.get(self.key) if self.store is not None else None
        if body is None:
            return None
        try:
            rows, problem_rows = marshal.loads(body)
            rules = [Rule(**{**row, "patterns": tuple(Pattern(alias, kind, tuple(Condition(*c) for c in conds), negated)
                                                         for alias, kind, conds, negated in row["patterns"])})
                     for row in rows]
            problems = [Problem.from_row(r[0], r[1:]) for r in problem_rows]
            return rules, problems
        except (ValueError, TypeError, EOFError, KeyError, IndexError):
            return None

    def remember(self, rules, problems) -> None:
        import marshal
        from dataclasses import fields as dc_fields
        if self.store is None:
            return
        rows = []
        for rule in rules:
            row = {f.name: getattr(rule, f.name) for f in dc_fields(rule)}
            row["patterns"] = tuple((p.alias, p.kind, tuple((c.field, c.op, c.value, c.ref) for c in p.conditions),
                                     p.negated) for p in rule.patterns)
            rows.append(row)
        try:
            body = marshal.dumps((rows, [[p.file, *p.as_row()] for p in problems]))
        except ValueError:  # something marshal cannot keep exactly: compile again next time
            return
        self.store.put(self.key, body)


def _load_rules(paths, root: Path, limits: Limits) -> tuple[list[Rule], list[Problem]]:
    rules, problems = [], []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            doc = load_file(path, root, limits)
        except ValueError:
            doc = load_file(path, path.parent, limits)
        problems.extend(doc.problems)
        if doc.data is None:
            continue
        rule, rule_problems = compile_rule(doc)
        problems.extend(rule_problems)
        if rule is None:
            continue
        if rule.id in seen:
            line, col = doc.position(("id",))
            problems.append(Problem(doc.file, line, col, "$.id", "RULE-DUPLICATE-ID", "error",
                                    f"规则编号 {rule.id} 与 {seen[rule.id]} 重复 (duplicate rule id)"))
            continue
        seen[rule.id] = doc.file
        rules.append(rule)
    return rules, problems


def compile_rule(doc: Document) -> tuple[Rule | None, list[Problem]]:
    from ..lists.schemas import validate
    problems = validate(doc, "rule")
    if problems:
        return None, [_as_rule_problem(p) for p in problems]
    data = doc.data
    try:
        rule = _compile(data, doc)
    except _Compile as exc:
        line, col = doc.position(exc.path)
        from ..lists.loader import json_path
        return None, [Problem(doc.file, line, col, json_path(exc.path), "RULE-INVALID", "error", exc.message)]
    return rule, []


def _as_rule_problem(p: Problem) -> Problem:
    return Problem(p.file, p.line, p.column, p.path, "RULE-SCHEMA", p.severity, p.message)


def _compile(data: dict, doc: Document) -> Rule:
    """A schema-valid rule document as a checked ``Rule``, or ``_Compile`` at the first thing wrong."""
    reads = _check_header(data)
    patterns: list[Pattern] = []
    aliases: dict[str, str] = {}
    for i, raw in enumerate(data["when"]):
        pattern = _compile_pattern(i, raw, reads, patterns, aliases)
        patterns.append(pattern)
        if pattern.alias:
            aliases[pattern.alias] = pattern.kind
    patterns = _require_referenced_fields(patterns)
    matched = _check_joins(patterns)
    loc_alias, loc_field = _locate(data, matched, aliases)
    message = data["message"]
    _check_template(message, aliases, ("message",))
    return Rule(
        id=data["id"], title=data["title"], severity=data["severity"], article=data["article"],
        description=data.get("description", "").strip(), message=message, patterns=tuple(patterns),
        locate=(loc_alias, tuple(int(x) if x.isdigit() else x for x in loc_field.split(".")) if loc_field else ()),
        examples=list(data.get("examples") or []), file=doc.file, line=doc.position(("id",))[0],
        tags=tuple(data.get("tags") or ()), needs=_needs(data, reads))


def _needs(data: dict, reads: list) -> tuple | None:
    """``needs``: the kinds of ``reads`` whose list a repository must hold for the rule to run
    (checking/holds.py); the others only narrow it (an ``absent`` exemption). Absent: all of ``reads``."""
    if "needs" not in data:
        return None
    for i, kind in enumerate(data["needs"]):
        if kind not in reads:
            raise _Compile(("needs", i), f"needs 中的事实类型「{kind}」须在 reads 中声明 (needs must be a subset of reads)")
    return tuple(data["needs"])


def _check_header(data: dict) -> list:
    """The rule's id, severity and ``reads`` checked; the kinds it reads."""
    rid = data["id"]
    if not _RULE_ID.match(rid):
        raise _Compile(("id",), f"规则编号「{rid}」格式应为大写字母与连字符，如 PWR-BASIS-PRESENT (invalid rule id)")
    if data["severity"] not in SEVERITIES:
        raise _Compile(("severity",), f"级别应为 {'/'.join(SEVERITIES)} (invalid severity)")
    reads = list(data["reads"])
    for i, kind in enumerate(reads):
        if kind not in FACT_KINDS:
            raise _Compile(("reads", i), f"未知的事实类型「{kind}」，可用：{'、'.join(FACT_KINDS)} (unknown fact kind)")
    return reads


def _compile_pattern(i: int, raw: dict, reads: list, patterns: list, aliases: dict) -> Pattern:
    """The ``when`` entry ``i``: a matched fact or an ``absent`` one, checked against those before it."""
    negated = "absent" in raw
    body = raw["absent"] if negated else raw
    base = ("when", i, "absent") if negated else ("when", i)
    kind = body["kind"]
    if kind not in FACT_KINDS:
        raise _Compile(base + ("kind",), f"未知的事实类型「{kind}」 (unknown fact kind)")
    if kind not in reads:
        raise _Compile(base + ("kind",), f"事实类型「{kind}」未在 reads 中声明 (kind not declared in reads)")
    alias = _pattern_alias(i, body, base, negated, aliases)
    conditions = _where_conditions(body, kind, base, aliases)
    if not negated and conditions and not patterns and any(c.ref for c in conditions):
        raise _Compile(base, "第一个模式不能引用其他别名 (the first pattern cannot refer to others)")
    if negated and not any(c.ref for c in conditions):
        raise _Compile(base, "absent 模式须至少引用一个已匹配事实的字段 (absent must refer to a matched fact)")
    return Pattern(alias, kind, tuple(conditions), negated)


def _pattern_alias(i: int, body: dict, base: tuple, negated: bool, aliases: dict):
    """A matched pattern's new, well-formed alias (None for ``absent``, which cannot come first)."""
    if negated:
        if i == 0:
            raise _Compile(base, "第一个模式不能是 absent：须先匹配一个事实 (first pattern must match a fact)")
        return None
    alias = body.get("fact")
    if not alias or not _ALIAS.match(alias):
        raise _Compile(base, "匹配模式须以 fact: 命名别名（小写字母开头） (each pattern needs an alias)")
    if alias in aliases:
        raise _Compile(base + ("fact",), f"别名「{alias}」重复 (duplicate alias)")
    return alias


def _where_conditions(body: dict, kind: str, base: tuple, aliases: dict) -> list:
    """The conditions of a pattern's ``where``, each on a declared field of its kind."""
    conditions = []
    for fname, spec in (body.get("where") or {}).items():
        fpath = base + ("where", fname)
        if fname in FORBIDDEN_FIELDS:
            raise _Compile(fpath, f"不能比较引擎内部标识「{fname}」，请使用 key 字段 (never compare engine ids)")
        if fname not in FACT_KINDS[kind] and fname not in COMMON_FIELDS:
            raise _Compile(fpath, f"事实类型「{kind}」没有字段「{fname}」 (unknown field)")
        if not isinstance(spec, dict) or not spec:
            raise _Compile(fpath, "条件应写成 {运算符: 值}，如 {eq: 1} (condition must be a mapping)")
        for op, value in spec.items():
            conditions.append(_condition(fname, op, value, fpath + (op,), aliases))
    return conditions


def _check_joins(patterns: list[Pattern]) -> list[Pattern]:
    """The matched patterns, refused when their join could grow beyond what the engine bears."""
    matched = [p for p in patterns if not p.negated]
    if len(matched) > MAX_MATCHED:
        raise _Compile(("when",), f"最多匹配 {MAX_MATCHED} 个事实（连接代价随规模平方增长） (too many joined facts)")
    if len(matched) >= 3:   # a three-fact cross product grows with the cube of the facts (limits: bound the rest)
        loose = next((i for i, p in enumerate(patterns) if not p.negated and p is not matched[0]
                      and not any(c.op == "eq" and c.ref for c in p.conditions)), None)
        if loose is not None:
            raise _Compile(("when", loose), "匹配三个事实的规则中，后面每个事实都须有一个 eq_field 条件与前面的事实相等连接，"
                                            "否则匹配数随事实数的三次方增长 (each later fact of a three-fact join needs an eq_field join)")
    negated_kinds = {p.kind for p in patterns if p.negated}
    both = negated_kinds & {p.kind for p in matched}
    if both:
        raise _Compile(("when",), f"事实类型「{'、'.join(sorted(both))}」不能在同一规则中既匹配又 absent (kind both matched and absent)")
    return matched


def _locate(data: dict, matched: list[Pattern], aliases: dict) -> tuple[str, str]:
    """Where a match is reported: the alias and the dotted field after it, from ``locate`` or the first fact."""
    locate = data.get("locate") or matched[0].alias
    loc_alias, _, loc_field = locate.partition(".")
    if loc_alias not in aliases:
        raise _Compile(("locate",), f"locate 引用了不存在的别名「{loc_alias}」 (unknown alias)")
    return loc_alias, loc_field


def _require_referenced_fields(patterns: list[Pattern]) -> list[Pattern]:
    """A pattern matches only facts that have every field later patterns compare with.

    The engine fails (error 311) when a join reads a field its fact lacks; making presence part
    of the rule gives engine and oracle one meaning.
    """
    needed: dict[str, set] = {}
    for p in patterns:
        for c in p.conditions:
            if c.ref:
                needed.setdefault(c.ref[0], set()).add(c.ref[1])
    out = []
    for p in patterns:
        extra = [Condition(f, "exists", True) for f in sorted(needed.get(p.alias, ()))
                 if f not in ("key", "seq", "kind") and not any(c.field == f and c.op == "exists" and c.value
                                                               for c in p.conditions)]
        out.append(Pattern(p.alias, p.kind, p.conditions + tuple(extra), p.negated) if extra else p)
    return out


def _condition(fname, op, value, path, aliases) -> Condition:
    if op == "exists":
        if not isinstance(value, bool):
            raise _Compile(path, "exists 的值应为 true 或 false (exists takes a boolean)")
        return Condition(fname, "exists", value)
    if op in LITERAL_OPS:
        if isinstance(value, (dict, list)) or value is None:
            raise _Compile(path, f"{op} 的值应为字符串、数字或布尔值 (literal expected)")
        if op in ORDER_OPS and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise _Compile(path, f"{op} 只能比较数字：引擎按 UTF-8 字节比较字符串，中文顺序会出错 (ordering needs numbers)")
        return Condition(fname, op, value)
    if op in FIELD_OPS:
        if not isinstance(value, str) or "." not in value:
            raise _Compile(path, f"{op} 的值应为「别名.字段」 (expected alias.field)")
        alias, _, ref_field = value.partition(".")
        if alias not in aliases:
            raise _Compile(path, f"引用了尚未匹配的别名「{alias}」 (unknown or later alias)")
        if ref_field in FORBIDDEN_FIELDS:
            raise _Compile(path, f"不能引用引擎内部标识「{ref_field}」 (never join on engine ids)")
        kind = aliases[alias]
        if ref_field not in FACT_KINDS[kind] and ref_field not in COMMON_FIELDS:
            raise _Compile(path, f"事实类型「{kind}」没有字段「{ref_field}」 (unknown field)")
        return Condition(fname, op[: -len("_field")], None, (alias, ref_field))
    raise _Compile(path, f"未知的运算符「{op}」，可用：{'、'.join(LITERAL_OPS + FIELD_OPS + ('exists',))} (unknown operator)")


def _check_template(message: str, aliases: dict, path) -> None:
    """A message template is data: literal text and ``{alias.field}`` of a matched fact's declared
    fields, nothing else (no format spec, conversion, index or attribute chain)."""
    try:
        parts = parse_template(message)
    except TemplateError as exc:
        raise _Compile(path, f"消息模板无效：{exc} (invalid template)") from None
    for part in parts:
        if isinstance(part, str):
            continue
        alias, fname = part
        if alias not in aliases:
            raise _Compile(path, f"消息模板中的「{{{alias}.{fname}}}」引用了未匹配的别名「{alias}」；"
                                 f"模板字段应为「别名.字段」，别名须已匹配 (template field must be alias.field of a matched fact)")
        kind = aliases[alias]
        if fname not in FACT_KINDS[kind] and fname not in COMMON_FIELDS:
            raise _Compile(path, f"消息模板引用了「{kind}」不存在的字段「{fname}」 (unknown field in template)")


# ---- message templates: parsed and rendered here, never by str.format ---------------------------
# A rule file comes from the repository, that is from any pull request: ``str.format`` would let a
# template walk Python objects (``{item.code:{item.__init__.__globals__...}}``) or allocate without
# bound (``{item.code:>2000000000}``). This small formatter knows literal text, ``{{`` and ``}}``,
# and ``{alias.field}``; the compiler refuses anything else and the renderer never evaluates it.
_TEMPLATE_FIELD = re.compile(r"([a-z][a-z0-9_]{0,19})\.([A-Za-z_][A-Za-z0-9_]{0,63})")
MAX_MESSAGE_CHARS = 4000   # a rendered message longer than this is cut (with …)


class TemplateError(ValueError):
    """A message template outside the small language; the text is the Chinese reason."""


@lru_cache(maxsize=2048)
def parse_template(message: str) -> tuple:
    """The template as a tuple of literal strings and ``(alias, field)`` pairs."""
    parts: list = []
    text: list = []
    i, n = 0, len(message)
    while i < n:
        ch = message[i]
        if ch == "{" and message.startswith("{{", i) or ch == "}" and message.startswith("}}", i):
            text.append(ch)
            i += 2
        elif ch == "{":
            end = message.find("}", i + 1)
            if end < 0:
                raise TemplateError(f"第 {i + 1} 个字符的「{{」没有对应的「}}」；字面的花括号请写成「{{{{」")
            name = message[i + 1:end]
            m = _TEMPLATE_FIELD.fullmatch(name)
            if m is None:
                raise TemplateError(
                    f"「{{{_short(name)}}}」不是「{{别名.字段}}」：模板只能代入已匹配事实的字段，不能有格式说明（:）、"
                    f"转换（!）、下标（[]）或多级属性（.）；字面的花括号请写成「{{{{」「}}}}」")
            if text:
                parts.append("".join(text))
                text = []
            parts.append((m.group(1), m.group(2)))
            i = end + 1
        elif ch == "}":
            raise TemplateError(f"第 {i + 1} 个字符是单独的「}}」；字面的花括号请写成「}}}}」")
        else:
            text.append(ch)
            i += 1
    if text:
        parts.append("".join(text))
    return tuple(parts)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _field_text(value) -> str:
    """A fact's value as message text: facts hold plain data (str, numbers, booleans, lists)."""
    if value is None:
        return ""
    return value if type(value) is str else str(value)


def render_message(rule: Rule, bound: dict[str, dict]) -> str:
    """The rule's message with ``{alias.field}`` replaced by the bound facts' values ('' when absent)."""
    try:
        parts = parse_template(rule.message)
    except TemplateError as exc:  # the compiler refuses such a template: only a defect gets here
        from ..errors import InternalError
        raise InternalError(f"规则 {rule.id} 的消息模板未经编译检查：{exc}") from None
    out = []
    for part in parts:
        if type(part) is str:
            out.append(part)
        else:
            data = bound.get(part[0])
            out.append(_field_text(data.get(part[1]) if data is not None else None))
    text = "".join(out)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS - 1] + "…"
