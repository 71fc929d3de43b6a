"""The one digest of policykit's own code that every cache key carries.

A remembered result (a parsed document, a whole check, compiled rules, last run's rule matches)
is served only while the code that made it is the code running now. An editable install changes
without a version bump, so the version number is not enough: the digest covers the path and bytes
of every ``.py`` file of the package, sorted by path. It is derived from the package directory,
never from a hand-kept list, so a module added, moved or left out of a list cannot serve stale
results as trusted. The bundled schemas and rules enter the keys that use them by their own bytes
(the schema digest of the document cache, the rule files of the memo and the compiled rules).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
_DIGESTS: dict[str, str] = {}


def code_digest() -> str:
    """Digest of every module of the policykit package (path and bytes, sorted); once per process."""
    base = PACKAGE_DIR
    digest = _DIGESTS.get(str(base))
    if digest is None:
        h = hashlib.sha256(b"pk-code1\0")
        for path in sorted(base.rglob("*.py"), key=lambda p: p.relative_to(base).as_posix()):
            if "__pycache__" in path.parts:
                continue
            h.update(path.relative_to(base).as_posix().encode("utf-8") + b"\0")
            data = path.read_bytes()
            h.update(b"%d\0" % len(data))
            h.update(data)
        digest = _DIGESTS[str(base)] = h.hexdigest()
    return digest
