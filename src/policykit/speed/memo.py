"""The whole result of a check, remembered: a warm ``policykit check`` with nothing changed.

A check is a pure function of its inputs: the bytes of every file under the lists directory,
``policykit.yaml``, the rule files, the schema files, policykit's own code, the versions of the
libraries that parse, validate and match, and the dates it runs at (today, the legal date). The
memo key is a digest of exactly those; when it matches a stored result, the problems are read
back instead of being computed again. Anything that could change a verdict changes the key:

* every file under ``lists/`` (not only the ones the loader reads), by its git blob id and path;
* every file under the rules directory and the schemas directory in use;
* every ``.py`` file of policykit (``codeversion.code_digest``: an editable install changes without
  a version bump);
* PyYAML, jsonschema and durable-rules versions; the engine; ``today`` and the legal date;
* the commit HEAD names (read from ``.git`` without starting git): the lists in force in a past period
  come from the history (valid time), which a new commit can change without changing a file.

A symbolic link anywhere in those trees (or on the way to them), a file that is not a regular
file (a FIFO is never opened) and a file over the size limit each turn the memo off for that run:
a link may point at something outside the repository whose changes we would not see, and nothing
is read whole that the loader would refuse to read. Results are stored through
the document cache's authenticated store (``cache.Store``: JSON, HMAC with a secret kept outside
any repository), so a planted or damaged entry is ignored and the check simply runs.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import stat
from pathlib import Path

from ..problems import Problem
from .codeversion import code_digest

FORMAT = 1


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version
    out = []
    for name in ("PyYAML", "jsonschema", "durable_rules"):
        try:
            out.append(f"{name}={version(name)}")
        except PackageNotFoundError:  # pragma: no cover
            out.append(f"{name}=?")
    return ",".join(out)


class _Link(Exception):
    """No memo for this run: a link, a file that is not regular, or a file over the size limit."""


def _no_link_on_the_way(root: Path, base: Path) -> None:
    """``_Link`` when a directory between ``root`` and ``base`` (both included) is a symbolic link."""
    path = Path(base)
    if path.is_relative_to(root):
        for part in (path, *path.parents):
            if part == root:
                break
            if part.is_symlink():
                raise _Link(str(part))
    elif path.is_symlink():
        raise _Link(str(path))


def _tree(h, base: Path, label: str, index=None, *, max_bytes: int) -> None:
    """Feed every file under ``base`` (path and git blob id) into ``h``; refuse symbolic links,
    files that are not regular (never opened) and files over ``max_bytes`` (never read).
    ``index`` (cache.StatIndex) answers for files whose stat is unchanged without reading them."""
    from .cache import blob_id
    from ..lists.sources import read_regular
    if not base.is_dir():
        h.update(f"{label}:absent\0".encode())
        return
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames.sort()
        for name in dirnames:
            if os.path.islink(os.path.join(dirpath, name)):
                raise _Link(os.path.join(dirpath, name))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
                raise _Link(path)   # a link, FIFO, socket, device, or a file too large to read
            blob = index.blob(path, st) if index is not None else None
            if blob is None:
                raw = read_regular(path, max_bytes)
                blob = blob_id(raw)
                if index is not None:
                    index.record(path, raw, blob)
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            h.update(f"{label}/{rel}\0{blob}\0".encode("utf-8"))


def head_line(head: str) -> bytes:
    """The memo key's part for the commit the work tree is on (``""`` outside git): a past period's lists
    are read from the history (valid time), so a new commit may change a verdict without changing a file."""
    return f"head|{head}\0".encode()


def key_for(root: Path, *, config, rules_dir: Path, engine: str, today: _dt.date,
            legal_date: _dt.date | None, store=...) -> str | None:
    """The memo key of a check of the work tree at ``root`` (``config``: its policykit.yaml, read),
    or None when no memo may be used. ``store``: the run's store (its stat index answers for files
    whose stat is unchanged); by default the repository's own."""
    from ..lists.config import CONFIG_FILE
    from ..lists.schemas import BUNDLED_SCHEMAS, SCHEMA_MAX_BYTES
    root = Path(root).resolve()
    h = hashlib.sha256()
    h.update(f"pk-check-memo{FORMAT}|{code_digest()}|{_versions()}|{engine}|{today}|{legal_date}\0".encode())
    from ..lists.gitdoor import head_marker
    head = head_marker(root)
    if head is None:
        return None
    h.update(head_line(head))
    from ..lists.loader import Limits
    from ..lists.sources import read_regular
    limit = config.limits.max_file_bytes
    try:
        try:  # a link, FIFO or oversized policykit.yaml: no memo (the check reports it)
            h.update(read_regular(root / CONFIG_FILE, Limits().max_file_bytes))
        except FileNotFoundError:
            h.update(b"<no config>")
        from .cache import StatIndex, store_for
        index = StatIndex.shared(store_for(root, store))
        lists = root / config.lists_dir
        _no_link_on_the_way(root, lists)
        _tree(h, lists, "lists", index, max_bytes=limit)
        index.save()
        _no_link_on_the_way(root, Path(rules_dir))
        _tree(h, Path(rules_dir), "rules", max_bytes=limit)
        schemas = root / "schemas"
        _no_link_on_the_way(root, schemas)
        _tree(h, schemas if schemas.is_dir() else BUNDLED_SCHEMAS, "schemas", max_bytes=SCHEMA_MAX_BYTES)
    except (_Link, OSError):
        return None
    return h.hexdigest()


def recall(root: Path, key: str, store=...) -> dict | None:
    """A stored result: ``{"problems": [Problem...], "rules": n, "facts": n, "files": n}``
    (``store``: the run's store; by default the repository's own)."""
    from .cache import store_for
    store = store_for(root, store)
    if store is None:
        return None
    body = store.get(key)
    if body is None:
        return None
    try:
        obj = json.loads(body)
        if obj.get("format") != FORMAT:
            return None
        problems = [Problem.from_row(row[0], row[1:]) for row in obj["problems"] if isinstance(row[0], str)]
        if len(problems) != len(obj["problems"]):
            return None
        counts = {k: obj[k] for k in ("rules", "facts", "files")}
        if not all(type(v) is int for v in counts.values()):
            return None
        return {"problems": problems, **counts}
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def remember(root: Path, key: str, problems: list[Problem], *, rules: int, facts: int, files: int,
             store=...) -> None:
    """Store a check's result under ``key`` (``store``: the run's store; by default the repository's own)."""
    from .cache import store_for
    store = store_for(root, store)
    if store is None:
        return
    body = json.dumps({"format": FORMAT, "rules": rules, "facts": facts, "files": files,
                       "problems": [[p.file, *p.as_row()] for p in problems]}, ensure_ascii=False).encode("utf-8")
    store.put(key, body)
