"""The quick schema pre-check: "certainly valid" for clean documents, without python-jsonschema.

``fast_valid(kind, root, data)`` answers True only if jsonschema would certainly find no error in
``data``. It knows the JSON Schema keywords the bundled schemas use (anything else, or any doubt,
answers False and jsonschema runs, whose located messages are the ones users read), and it is
strictly more demanding than jsonschema on each of them. The checker for a schema is generated as
Python source, one function per schema node (``_Generator``); ``_compile_reference`` is the same
checks as closures, one per keyword — the readable definition the generated code is tested equal
to (tests/test_scale.py), together with "never accepts what jsonschema rejects".
"""
from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

from .schemas import load_schema, schema_digest




class _Unsupported(Exception):
    pass


_ANNOTATIONS = {"title", "description", "$schema", "$id", "$comment", "$defs", "definitions", "default",
                "examples", "deprecated", "readOnly", "writeOnly"}
# the validation keywords both checkers know; a schema using any other is left to jsonschema
_KEYWORDS = {"type", "properties", "additionalProperties", "required", "items", "minItems", "maxItems", "enum",
             "pattern", "minLength", "maxLength", "minimum", "maximum", "format", "$ref", "minProperties",
             "propertyNames"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _resolve(root_schema: dict, ref: str):
    """The schema a local ``$ref`` (``#/...`` JSON pointer) names; anything else is unsupported."""
    if not ref.startswith("#/"):
        raise _Unsupported(ref)
    node = root_schema
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise _Unsupported(ref)
        node = node[part]
    return node
_CHECKERS: dict = {}


def fast_valid(kind: str, root: Path, data) -> bool:
    """True only if jsonschema would certainly find no error in ``data`` (False: ask jsonschema)."""
    stamp = (kind, schema_digest(kind, root))
    check = _CHECKERS.get(stamp, 0)
    if check == 0:
        try:
            check = _compile_schema(load_schema(kind, root))
        except _Unsupported:
            check = None
        except Exception:  # the real validator will say what is wrong with the schema
            check = None
        _CHECKERS[stamp] = check
    if check is None:
        return False
    try:
        return check(data)
    except RecursionError:
        return False


def _compile_schema(root_schema: dict):
    """One Python function per schema node, generated as source and compiled: the same checks
    ``_build_checks`` describes (kept as the readable reference and tested equal), without a
    closure call and a generator per keyword — about three times faster on list files."""
    return _Generator(root_schema).compile()


class _Generator:
    _TYPES = {"string": "tx is str", "object": "tx is dict", "array": "tx is list", "boolean": "tx is bool",
              "null": "x is None", "integer": "tx is int", "number": "(tx is int or tx is float)"}

    def __init__(self, root_schema: dict):
        self.root = root_schema
        self.names: dict = {}     # id(schema) -> function name
        self.lines: list = []
        self.env: dict = {"_DATES": _DATES, "_PLAIN": _PLAIN, "_is_date": _is_date}
        self.pending: list = []
        self.tables: list = []    # property name -> function name, bound to the functions after exec

    def resolve(self, ref: str):
        return _resolve(self.root, ref)

    def name(self, schema) -> str:
        if schema is True:
            return "_true"
        if schema is False or not isinstance(schema, dict):
            raise _Unsupported("boolean false or odd schema")
        key = id(schema)
        if key not in self.names:
            self.names[key] = f"_v{len(self.names)}"
            self.pending.append(schema)
        return self.names[key]

    def const(self, value) -> str:
        name = f"_c{len(self.env)}"
        self.env[name] = value
        return name

    def compile(self):
        top = self.name(self.root)
        while self.pending:
            self.function(self.pending.pop())
        self.lines.append("def _true(x):\n    return True\n")
        code = "\n".join(self.lines)
        exec(compile(code, "<policykit schema pre-check>", "exec"), self.env)
        for table in self.tables:
            for k, fname in table.items():
                table[k] = self.env[fname]
        return self.env[top]

    @staticmethod
    def _fails(condition: str) -> list[str]:
        """Lines (inside a type branch) rejecting the value when ``condition`` holds."""
        return [f"        if {condition}:", "            return False"]

    @staticmethod
    def _each(check: str) -> list[str]:
        """Lines rejecting the value when ``check`` rejects one of its members (keys of a mapping,
        elements of a list: iterating either gives those)."""
        return [f"        f = {check}", "        for v in x:", "            if not f(v):", "                return False"]

    def function(self, schema: dict) -> None:
        """The source of the function checking one schema node: one block per family of keywords."""
        unknown = set(schema) - _ANNOTATIONS - _KEYWORDS
        if unknown:
            raise _Unsupported(", ".join(sorted(unknown)))
        out = [f"def {self.names[id(schema)]}(x):",
               "    tx = type(x)",
               "    if tx in _DATES:  # jsonschema sees the ISO text (schemas.jsonable)",
               "        x = x.isoformat()",
               "        tx = str",
               "    if tx not in _PLAIN:",
               "        return False"]
        if "$ref" in schema:
            out.append(f"    if not {self.name(self.resolve(schema['$ref']))}(x):")
            out.append("        return False")
        out += self._type_lines(schema)
        out += self._enum_lines(schema)
        out += self._string_lines(schema)
        out += self._number_lines(schema)
        objects = self._object_lines(schema)
        if objects:
            out.append("    if tx is dict:")
            out.extend(objects)
        arrays = self._array_lines(schema)
        if arrays:
            out.append("    if tx is list:")
            out.extend(arrays)
        out.append("    return True")
        self.lines.append("\n".join(out) + "\n")

    def _type_lines(self, schema: dict) -> list[str]:
        """``type``: the value's Python type must be one the named JSON types allow."""
        types = schema.get("type")
        if types is None:
            return []
        names = [types] if isinstance(types, str) else list(types)
        if not names or any(n not in self._TYPES for n in names):
            raise _Unsupported(f"type {types}")
        return [f"    if not ({' or '.join(self._TYPES[n] for n in names)}):", "        return False"]

    def _enum_lines(self, schema: dict) -> list[str]:
        """``enum`` of strings, booleans and null (numbers and containers are left to jsonschema)."""
        if "enum" not in schema:
            return []
        values = schema["enum"]
        if not isinstance(values, list) or not all(type(v) in (str, bool, type(None)) for v in values):
            raise _Unsupported("enum of numbers or containers")
        # jsonschema's equality keeps booleans apart from numbers: ``is`` tests them exactly
        tests = [f"(tx is str and x in {self.const(frozenset(v for v in values if type(v) is str))})"]
        tests += [f"x is {v!r}" for v in dict.fromkeys(v for v in values if type(v) is not str)]
        return [f"    if not ({' or '.join(tests)}):", "        return False"]

    def _string_lines(self, schema: dict) -> list[str]:
        """``minLength``, ``maxLength``, ``pattern`` and ``format: date``, which apply to strings only."""
        strings = []
        if "minLength" in schema:
            strings.append(f"len(x) < {_int(schema['minLength'])}")
        if "maxLength" in schema:
            strings.append(f"len(x) > {_int(schema['maxLength'])}")
        if "pattern" in schema:
            strings.append(f"{self.const(_search(schema['pattern']))}(x) is None")
        if "format" in schema:
            if schema["format"] != "date":
                raise _Unsupported(f"format {schema['format']}")
            strings.append("not _is_date(x)")
        if not strings:
            return []
        return [f"    if tx is str and ({' or '.join(strings)}):", "        return False"]

    def _number_lines(self, schema: dict) -> list[str]:
        """``minimum`` and ``maximum``, which apply to numbers only."""
        numbers = []
        for word, op in (("minimum", "<"), ("maximum", ">")):
            if word in schema:
                bound = schema[word]
                if type(bound) not in (int, float):
                    raise _Unsupported(word)
                numbers.append(f"x {op} {self.const(bound)}")
        if not numbers:
            return []
        return [f"    if (tx is int or tx is float) and ({' or '.join(numbers)}):", "        return False"]

    def _object_lines(self, schema: dict) -> list[str]:
        """The checks of a mapping (inside ``if tx is dict``): its members, required keys, size, key names."""
        objects = self._members_loop(schema)
        if "required" in schema:
            req = schema["required"]
            if not isinstance(req, list):
                raise _Unsupported("required")
            objects += [f"        for k in {self.const(tuple(req))}:", "            if k not in x:",
                        "                return False"]
        if "minProperties" in schema:
            objects += self._fails(f"len(x) < {_int(schema['minProperties'])}")
        if "propertyNames" in schema:
            objects += self._each(self.name(schema["propertyNames"]))      # every key
        return objects

    def _members_loop(self, schema: dict) -> list[str]:
        """``properties`` and ``additionalProperties``: one loop over the members, each checked by the
        function of its property (a table bound after exec) or by the one for the others."""
        props = schema.get("properties")
        if props is not None and not isinstance(props, dict):
            raise _Unsupported("properties")
        extra = schema.get("additionalProperties", True)
        if not (props or "additionalProperties" in schema):
            return []
        table = self.const({}) if props else None
        if props:
            self.env[table].update({k: self.name(v) for k, v in props.items()})
            self.tables.append(self.env[table])
        if extra is True:
            extra_check = None
        elif extra is False:
            extra_check = "return False"
        else:
            extra_check = f"if not {self.name(extra)}(v):\n                return False"
        loop = ["        for k, v in x.items():"]
        if table:
            loop.append(f"            f = {table}.get(k)")
            loop.append("            if f is not None:")
            loop.append("                if not f(v):")
            loop.append("                    return False")
            if extra_check:
                loop.append("            else:")
                loop.append("                " + extra_check.replace("\n            ", "\n                "))
        elif extra_check:
            loop.append("            " + extra_check)
        return loop if len(loop) > 1 else []

    def _array_lines(self, schema: dict) -> list[str]:
        """The checks of a list (inside ``if tx is list``): every element, and its length."""
        arrays = []
        if "items" in schema:
            if not isinstance(schema["items"], dict):
                raise _Unsupported("items")
            arrays += self._each(self.name(schema["items"]))               # every element
        if "minItems" in schema:
            arrays += self._fails(f"len(x) < {_int(schema['minItems'])}")
        if "maxItems" in schema:
            arrays += self._fails(f"len(x) > {_int(schema['maxItems'])}")
        return arrays


def _compile_reference(root_schema: dict):
    """The pre-check as closures, one per keyword: the readable definition the generated code
    (``_Generator``) is tested against (tests/test_scale.py)."""
    compiled: dict = {}

    def resolve(ref: str):
        return _resolve(root_schema, ref)

    def build(schema):
        if schema is True:
            return lambda x: True
        if schema is False or not isinstance(schema, dict):
            raise _Unsupported("boolean false or odd schema")
        key = id(schema)
        if key in compiled:
            return compiled[key]
        holder = []
        compiled[key] = lambda x: holder[0](x)  # for recursive $ref
        fn = _build_checks(schema, build, resolve)
        holder.append(fn)
        compiled[key] = fn
        return fn

    return build(root_schema)


def _build_checks(schema: dict, build, resolve):
    """One schema node's check as closures, one per family of keywords, in the generated code's order."""
    unknown = set(schema) - _ANNOTATIONS - _KEYWORDS
    if unknown:
        raise _Unsupported(", ".join(sorted(unknown)))
    checks = []
    if "$ref" in schema:
        target = build(resolve(schema["$ref"]))
        checks.append(target)
    types = schema.get("type")
    if types is not None:
        checks.append(_reference_types(types))
    strings = _reference_strings(schema)   # made before the enum's: a bad format is the first refusal
    if "enum" in schema:
        checks.append(_reference_enum(schema["enum"]))
    for family in (strings, _reference_numbers(schema), _reference_objects(schema, build),
                   _reference_arrays(schema, build)):
        if family is not None:
            checks.append(family)
    # anything else the loader can produce is left to jsonschema
    checks.append(lambda x: type(x) in _PLAIN)
    checks = tuple(checks)

    def node(x):
        if type(x) in _DATES:  # jsonschema sees the ISO text (schemas.jsonable)
            x = x.isoformat()
        for c in checks:
            if not c(x):
                return False
        return True
    return node


# JSON type name -> the test of a loaded value's Python type
_REFERENCE_TYPES = {"string": lambda x: type(x) is str, "object": lambda x: type(x) is dict,
                    "array": lambda x: type(x) is list, "boolean": lambda x: type(x) is bool,
                    "null": lambda x: x is None, "integer": lambda x: type(x) is int,
                    "number": lambda x: type(x) in (int, float)}


def _reference_types(types):
    """``type``: one name's test, or any of several names' tests."""
    names = [types] if isinstance(types, str) else list(types)
    testers = []
    for name in names:
        tester = _REFERENCE_TYPES.get(name)
        if tester is None:
            raise _Unsupported(f"type {name}")
        testers.append(tester)
    if len(testers) == 1:
        return testers[0]
    return lambda x, ts=tuple(testers): any(t(x) for t in ts)


def _reference_strings(schema: dict):
    """The keywords that apply to strings (a date the loader made is the ISO string jsonschema sees);
    None if the schema has none."""
    str_checks = []
    if "minLength" in schema:
        n = _int(schema["minLength"])
        str_checks.append(lambda s, n=n: len(s) >= n)
    if "maxLength" in schema:
        n = _int(schema["maxLength"])
        str_checks.append(lambda s, n=n: len(s) <= n)
    if "pattern" in schema:
        search = _search(schema["pattern"])
        str_checks.append(lambda s, search=search: search(s) is not None)
    if "format" in schema:
        if schema["format"] != "date":
            raise _Unsupported(f"format {schema['format']}")
        str_checks.append(_is_date)
    if not str_checks:
        return None

    def strings(x, cs=tuple(str_checks)):
        return all(c(x) for c in cs) if type(x) is str else True
    return strings


def _reference_enum(values):
    """``enum`` of strings, booleans and null; True, False and None compared by identity."""
    if not isinstance(values, list) or not all(type(v) in (str, bool, type(None)) for v in values):
        raise _Unsupported("enum of numbers or containers")
    allowed = frozenset(v for v in values if type(v) is str)
    singletons = tuple(v for v in values if type(v) is not str)   # True, False, None: by identity
    return (lambda x, allowed=allowed, singletons=singletons:
            (type(x) is str and x in allowed) or any(x is v for v in singletons))


def _reference_numbers(schema: dict):
    """``minimum`` and ``maximum``, which apply to numbers only; None if the schema has neither."""
    num_checks = []
    if "minimum" in schema:
        lo = schema["minimum"]
        if type(lo) not in (int, float):
            raise _Unsupported("minimum")
        num_checks.append(lambda v, lo=lo: v >= lo)
    if "maximum" in schema:
        hi = schema["maximum"]
        if type(hi) not in (int, float):
            raise _Unsupported("maximum")
        num_checks.append(lambda v, hi=hi: v <= hi)
    if not num_checks:
        return None

    def numbers(x, cs=tuple(num_checks)):
        return all(c(x) for c in cs) if type(x) in (int, float) else True
    return numbers


def _reference_objects(schema: dict, build):
    """The keywords that apply to mappings; None if the schema has none."""
    props = schema.get("properties")
    obj_checks = []
    if props is not None:
        if not isinstance(props, dict):
            raise _Unsupported("properties")
        prop_fns = {k: build(v) for k, v in props.items()}
        obj_checks.append(lambda d, fns=prop_fns: all(fns[k](v) for k, v in d.items() if k in fns))
    if "additionalProperties" in schema:
        extra = _reference_extra(schema["additionalProperties"], frozenset(props or ()), build)
        if extra is not None:
            obj_checks.append(extra)
    if "required" in schema:
        req = schema["required"]
        if not isinstance(req, list):
            raise _Unsupported("required")
        obj_checks.append(lambda d, req=tuple(req): all(k in d for k in req))
    if "minProperties" in schema:
        n = _int(schema["minProperties"])
        obj_checks.append(lambda d, n=n: len(d) >= n)
    if "propertyNames" in schema:
        fn = build(schema["propertyNames"])
        obj_checks.append(lambda d, fn=fn: all(fn(k) for k in d))
    if not obj_checks:
        return None

    def objects(x, cs=tuple(obj_checks)):
        return all(c(x) for c in cs) if type(x) is dict else True
    return objects


def _reference_extra(extra, known: frozenset, build):
    """``additionalProperties``: the check of the members not in ``properties`` (None: any is allowed)."""
    if extra is False:
        return lambda d, known=known: all(k in known for k in d)
    if extra is True:
        return None
    fn = build(extra)
    return lambda d, known=known, fn=fn: all(fn(v) for k, v in d.items() if k not in known)


def _reference_arrays(schema: dict, build):
    """The keywords that apply to lists; None if the schema has none."""
    arr_checks = []
    if "items" in schema:
        if not isinstance(schema["items"], dict):
            raise _Unsupported("items")
        fn = build(schema["items"])
        arr_checks.append(lambda a, fn=fn: all(fn(v) for v in a))
    if "minItems" in schema:
        n = _int(schema["minItems"])
        arr_checks.append(lambda a, n=n: len(a) >= n)
    if "maxItems" in schema:
        n = _int(schema["maxItems"])
        arr_checks.append(lambda a, n=n: len(a) <= n)
    if not arr_checks:
        return None

    def arrays(x, cs=tuple(arr_checks)):
        return all(c(x) for c in cs) if type(x) is list else True
    return arrays


_PLAIN = frozenset({str, int, float, bool, type(None), dict, list})
_DATES = frozenset({_dt.date, _dt.datetime})


def _search(pattern):
    """A schema's ``pattern`` as jsonschema runs it here: on RE2 (schemas._re2_validator_class), so
    a repository's schema cannot make either checker backtrack; one RE2 cannot take is left to
    jsonschema, whose schema check reports it."""
    from ..safe_regex import UnsafePattern, compile as safe_compile
    if not isinstance(pattern, str):
        raise _Unsupported("pattern")
    try:
        return safe_compile(pattern).search
    except UnsafePattern:
        raise _Unsupported("pattern RE2 cannot take") from None


def _int(value) -> int:
    if type(value) is not int:
        raise _Unsupported("non-integer bound")
    return value


def _is_date(s: str) -> bool:
    if not _DATE.fullmatch(s):
        return False
    try:
        _dt.date.fromisoformat(s)
    except ValueError:
        return False
    return True
