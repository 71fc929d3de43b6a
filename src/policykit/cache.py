"""Turn list files into validated documents. (Caching and parallel parsing hook in here.)"""
from __future__ import annotations

from pathlib import Path

from .problems import Problem


def load_documents(root: Path, source, files, config):
    """Yield ``(rel, kind, document, problems)`` for every file, in the given order."""
    from .repository import parse_and_validate
    from .loader import Document
    for rel, kind in files:
        try:
            raw = source.read_bytes(rel)
        except (OSError, PermissionError) as exc:
            doc = Document(rel)
            problem = Problem(rel, 1, 1, "$", "FILE-UNREADABLE", "error", f"无法读取文件：{exc} (cannot read)")
            yield rel, kind, doc, [problem]
            continue
        doc, problems = parse_and_validate(rel, kind, raw, config, root)
        yield rel, kind, doc, problems
