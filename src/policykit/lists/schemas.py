"""Validate parsed documents against the JSON Schemas in ``schemas/`` and report located problems.

Schemas are local files only: ``$ref`` resolves inside the schema itself, never over the network.
Messages reuse each field's Chinese ``title`` so the person fixing the data reads their own words.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path


from ..errors import InputError, InternalError, PolicykitError, UsageError
from .loader import Document, Limits, check_deadline, json_path, unlisted_message
from ..problems import Problem

from .defaults import BUNDLED_SCHEMAS  # the schemas shipped inside the package (policykit/defaults/schemas)

# list kind -> schema file name
KINDS = {
    "organization": "organization.schema.json",
    "powers": "powers.schema.json",
    "tasks": "tasks.schema.json",
    "boundary": "boundary.schema.json",
    "catalog": "catalog.schema.json",
    "waivers": "waivers.schema.json",
    "config": "config.schema.json",
    "law": "law.schema.json",
    "rule": "rule.schema.json",
    **{k: f"{k}.schema.json" for k in ("performance", "supervision", "problem", "dispute", "indicator", "evaluation",
                                       "body", "division")},
    "process": "process.schema.json",                            # 工作流程 (lists/processes.py)
    "approval_supervision": "approval_supervision.schema.json",  # 审管协同
}


def _no_remote(uri: str):
    from referencing.exceptions import NoSuchResource
    raise NoSuchResource(ref=uri)  # never fetch: a schema with a remote $ref is a configuration error


# jsonschema is imported when a document needs it: a clean check after an edit never does (the
# quick pre-check in cache.py answers), and the import is a quarter of the command's start-up
@lru_cache(maxsize=32)
def _validator(schema_path: str):
    import jsonschema
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry
    from .sources import Refused
    own = Path(schema_path).parent != BUNDLED_SCHEMAS
    try:
        schema = json.loads(_read_schema(Path(schema_path)).decode("utf-8"))
        # the bundled schemas are checked against the metaschema by the test suite
        # (tests/test_repository.py); a repository's own schemas are checked here, every time
        if own:
            Draft202012Validator.check_schema(schema)
    except Refused as exc:  # a FIFO, or too large to read: the repository's to fix (exit 2)
        raise UsageError(f"{schema_path}: [{exc.rule}] 模式文件无法使用：{exc.message}") from None
    except (OSError, ValueError, jsonschema.SchemaError) as exc:
        if own:  # the repository's own schema is input from a pull request: the author's to fix
            raise InputError(f"{schema_path}: [SCHEMA-INVALID] 仓库自带的模式文件无效 (invalid schema)："
                             f"{str(exc).splitlines()[0][:500]}") from None
        raise InternalError(f"模式文件 {schema_path} 无效：{exc}") from None
    return _on_re2(schema, schema_path if own else None)(schema, registry=Registry(retrieve=_no_remote),
                                                         format_checker=FormatChecker())


SCHEMA_MAX_BYTES = 64 * 1024 * 1024   # a schema is read whole: bounded like a list file


def schema_path(kind: str, root: Path | None = None) -> Path:
    """The repository's own schema for ``kind`` (``schemas/<name>`` under ``root``) if it has one,
    else the bundled one. The repository's file is found without leaving the repository: a link out
    of it (or into ``.git``), a link loop or a FIFO there is a usage error naming it, never read."""
    name = KINDS[kind]
    if root is not None:
        from .sources import Refused, Tree
        rel = f"schemas/{name}"
        try:
            with Tree(root) as tree:
                found = tree.probe(rel)
                real = tree.real_root() if found is not None and found != rel else None
        except Refused as exc:
            raise UsageError(f"{exc.problem(rel).location()}: [{exc.rule}] 模式文件无法使用：{exc.message}") from None
        except OSError:
            found = None
        if found is not None:
            return Path(root) / rel if real is None else Path(real) / found
    return BUNDLED_SCHEMAS / name


def _read_schema(path: Path) -> bytes:
    """A schema file's bytes: a regular file, its last component never followed, at most
    ``SCHEMA_MAX_BYTES`` (a ``Refused`` error otherwise)."""
    from .sources import read_regular
    return read_regular(path, SCHEMA_MAX_BYTES)


def schema_bytes(kind: str, root: Path | None = None) -> bytes:
    """The bytes of the schema in use for ``kind``; a refused repository schema is a usage error."""
    from .sources import Refused
    path = schema_path(kind, root)
    try:
        return _read_schema(path)
    except Refused as exc:
        raise UsageError(f"{path}: [{exc.rule}] 模式文件无法使用：{exc.message}") from None


def load_schema(kind: str, root: Path | None = None) -> dict:
    path = schema_path(kind, root)
    if path.parent == BUNDLED_SCHEMAS:   # checked against the metaschema by the tests
        return _bundled_schema(str(path))
    return _validator(str(path)).schema  # a repository's own schema: checked before use


@lru_cache(maxsize=32)
def _bundled_schema(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InternalError(f"模式文件 {path} 无效：{exc}") from None


def jsonable(value):
    """Dates become ISO strings so JSON Schema ``format: date`` can check them."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def validate(doc: Document, kind: str, root: Path | None = None, limits: Limits | None = None) -> list[Problem]:
    """Schema problems of one document; rule id ``SCHEMA-<KIND>``.

    At most ``limits.max_problems_per_file`` are listed, then one problem counts the rest (counted
    up to a hundred times that many): a file with 50,000 errors costs no more than its parse."""
    if doc.data is None:
        return []
    import jsonschema
    cap = (limits or Limits()).max_problems_per_file
    validator = _validator(str(schema_path(kind, root)))
    rule = f"SCHEMA-{kind.upper()}"
    problems: list = []
    seen = set()
    required = set()   # (path, required list) already reported in full (jsonschema: one error per field)
    unlisted, first = 0, None
    try:
        for n, error in enumerate(validator.iter_errors(jsonable(doc.data))):
            if not n & 255:
                check_deadline(doc.file)
            if error.validator == "required":
                where = (tuple(error.absolute_path), repr(error.validator_value))
                if where in required:
                    continue
                required.add(where)
            if len(problems) < cap:
                for problem in _to_problems(doc, error, rule, validator.schema):
                    if problem not in seen:
                        seen.add(problem)
                        if len(problems) < cap:
                            problems.append(problem)
                        else:
                            unlisted += 1
                            first = first or problem
                continue
            if first is None:
                first = next(iter(_to_problems(doc, error, rule, validator.schema)), None)
            unlisted += _how_many(error)
            if unlisted >= 100 * cap:
                break
    except PolicykitError:
        raise
    except jsonschema.exceptions.SchemaError as exc:  # pragma: no cover - schema checked above
        raise InternalError(f"模式错误：{exc}") from None
    except jsonschema.exceptions._WrappedReferencingError as exc:  # a $ref we will not fetch
        raise UsageError(f"模式 {schema_path(kind, root)} 引用了无法在本地解析的 $ref：{exc}",
                         hint="policykit 从不访问网络；请把被引用的模式放进同一文件的 $defs") from None
    except Exception as exc:
        raise InternalError(f"模式 {kind} 无法使用：{exc}") from None
    if unlisted:
        first = first or Problem(doc.file, 1, 1, "$", rule, "error", "")
        problems.append(Problem(first.file, first.line, first.column, first.path, rule, "error",
                                unlisted_message(unlisted, cap, at_least=unlisted >= 100 * cap)))
    return problems


def _how_many(error) -> int:
    """How many problems ``_to_problems`` makes of ``error``, without locating any."""
    try:
        if error.validator == "required":
            return max(1, sum(1 for k in error.validator_value if k not in error.instance))
        if error.validator == "additionalProperties":
            return max(1, sum(1 for k in error.instance if k not in (error.schema.get("properties") or {})))
    except TypeError:
        pass
    return 1


def _title(error) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    return schema.get("title", "")


def _field_label(error) -> str:
    path = list(error.absolute_path)
    name = path[-1] if path and isinstance(path[-1], str) else None
    title = _title(error)
    if name and title:
        return f"{title}（{name}）"
    return title or (name or "该值")


_TYPE_ZH = {"string": "文本", "integer": "整数", "number": "数字", "object": "映射", "array": "列表",
            "boolean": "布尔值", "null": "空值"}


def _to_problems(doc: Document, error, rule, root_schema) -> list[Problem]:
    path = tuple(error.absolute_path)
    v = error.validator
    label = _field_label(error)
    if v == "additionalProperties":
        allowed = sorted((error.schema.get("properties") or {}).keys())
        extras = [k for k in error.instance if k not in (error.schema.get("properties") or {})]
        out = []
        for key in extras:
            hint = _closest(key, allowed)
            where = f"「{error.schema.get('title', '')}」" if error.schema.get("title") else ""
            msg = f"未知字段「{key}」{('：' + where + '中') if where else ''}不允许此字段" + (f"，是否应为「{hint}」？" if hint else "")
            msg += f" (unknown field '{key}')"
            out.append(doc.problem(path + (key,), rule, msg, at_key=True))
        return out
    if v == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        out = []
        for key in missing:
            prop = (error.schema.get("properties") or {}).get(key, {})
            t = prop.get("title", key)
            out.append(doc.problem(path, rule, f"缺少必填字段「{t}」（{key}） (missing required field '{key}')", at_key=bool(path)))
        return out
    if v == "type":
        want = error.validator_value
        want = "、".join(_TYPE_ZH.get(w, w) for w in want) if isinstance(want, list) else _TYPE_ZH.get(want, want)
        got = type(error.instance).__name__
        msg = f"{label}应为{want}，实际是「{_short(error.instance)}」 (expected {error.validator_value}, got {got})"
    elif v == "enum":
        choices = "、".join(str(c) for c in error.validator_value)
        msg = f"{label}的值「{_short(error.instance)}」不在允许范围内：{choices} (not one of the allowed values)"
    elif v == "pattern":
        msg = f"{label}的值「{_short(error.instance)}」格式不符合要求 {error.validator_value} (does not match pattern)"
    elif v == "minItems":
        msg = f"{label}至少需要 {error.validator_value} 项 (needs at least {error.validator_value} item(s))"
    elif v == "minLength":
        msg = f"{label}不能为空 (must not be empty)"
    elif v == "maxLength":
        msg = f"{label}超过最大长度 {error.validator_value} 字 (too long)"
    elif v in ("minimum", "maximum"):
        msg = f"{label}的值 {error.instance} 超出范围 (out of range: {v} {error.validator_value})"
    elif v == "format":
        msg = f"{label}的值「{_short(error.instance)}」不是有效的{error.validator_value}格式（如 2024-06-30） (invalid {error.validator_value})"
    else:
        msg = f"{label}：{error.message}"
    return [doc.problem(path, rule, msg)]


def _short(value, limit=40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _closest(key: str, options: list[str]) -> str | None:
    import difflib
    match = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
    return match[0] if match else None


# ---- schema patterns run on RE2 (safe_regex), never on Python's backtracking re --------------------
def _on_re2(schema: dict, own_path: str | None):
    """The validator class whose ``pattern`` and ``patternProperties`` search with RE2 (a repository's
    schema is pull-request input: ``^(a|a)*b$`` must not hang a check). ``own_path``: a repository's
    schema, whose every pattern is compiled first so one RE2 cannot take is a located usage error."""
    if own_path is not None:
        _check_patterns(schema, own_path)
    return _re2_validator_class()


@lru_cache(maxsize=1)
def _re2_validator_class():
    from jsonschema import Draft202012Validator, ValidationError
    from jsonschema.validators import extend
    from ..safe_regex import compile as safe_compile

    def pattern(validator, patrn, instance, schema):
        if validator.is_type(instance, "string") and safe_compile(patrn).search(instance) is None:
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    def pattern_properties(validator, patterns, instance, schema):
        if not validator.is_type(instance, "object"):
            return
        for patrn, subschema in patterns.items():
            for k, v in instance.items():
                if safe_compile(patrn).search(k) is not None:
                    yield from validator.descend(v, subschema, path=k, schema_path=patrn)
    return extend(Draft202012Validator, {"pattern": pattern, "patternProperties": pattern_properties})


def _check_patterns(schema, path: str) -> None:
    from ..safe_regex import UnsafePattern, compile as safe_compile

    def walk(node, pointer):
        if isinstance(node, dict):
            found = []
            if isinstance(node.get("pattern"), str):
                found.append((node["pattern"], pointer + "/pattern"))
            if isinstance(node.get("patternProperties"), dict):
                found += [(k, pointer + "/patternProperties") for k in node["patternProperties"]]
            for patrn, where in found:
                try:
                    safe_compile(patrn)
                except UnsafePattern as exc:
                    raise UsageError(f"{_pattern_location(path, patrn)}: [SCHEMA-PATTERN] 模式 {where or '/'} 的正则"
                                     f"无法使用：{exc.message}") from None
            for k, v in node.items():
                walk(v, f"{pointer}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{pointer}/{i}")
    walk(schema, "")


def _pattern_location(path: str, pattern: str) -> str:
    """``schemas/<name>:line:column`` of a pattern in a schema's JSON text (its first occurrence)."""
    shown = f"{Path(path).parent.name}/{Path(path).name}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except Exception:
        return f"{shown}:1:1"
    at = text.find(json.dumps(pattern, ensure_ascii=False))
    if at < 0:
        at = text.find(json.dumps(pattern))
    if at < 0:
        return f"{shown}:1:1"
    line = text.count("\n", 0, at) + 1
    return f"{shown}:{line}:{at - text.rfind(chr(10), 0, at)}"


__all__ = ["validate", "load_schema", "schema_path", "jsonable", "KINDS", "json_path"]


_SCHEMA_DIGESTS: dict = {}


def schema_digest(kind: str, root: Path) -> str:
    """A digest of the schema a ``kind`` is validated against (the repository's own or the bundled
    one), memoised by the file's stat: part of every key under which a validation verdict is kept."""
    path = str(schema_path(kind, root))
    try:
        st = os.stat(path)
        stamp = (path, st.st_size, st.st_mtime_ns)
    except OSError:
        return "missing"
    if stamp not in _SCHEMA_DIGESTS:
        _SCHEMA_DIGESTS[stamp] = hashlib.sha256(schema_bytes(kind, root)).hexdigest()[:32]
    return _SCHEMA_DIGESTS[stamp]
