"""Where list files come from: the work tree, or a git revision (through history.py).

Both expose the same two calls so the loader never knows which one it reads.
"""
from __future__ import annotations

import os
from pathlib import Path


class WorkTree:
    """Files on disk under ``root``; symlinks that leave the root are reported, not followed."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.label = "工作区"

    def list_files(self, directory: str, suffixes=(".yaml", ".yml")) -> list[str]:
        base = self.root / directory
        if not base.is_dir():
            return []
        out = []
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(suffixes) and not name.startswith("."):
                    out.append((Path(dirpath) / name).relative_to(self.root).as_posix())
        return out

    def read_bytes(self, rel: str) -> bytes:
        path = self.root / rel
        real = path.resolve()
        if not real.is_relative_to(self.root.resolve()):
            raise PermissionError("符号链接指向仓库之外")
        return real.read_bytes()

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def identity(self, rel: str) -> str:
        """A cheap change detector for the cache: size and mtime."""
        st = (self.root / rel).stat()
        return f"{st.st_size}:{st.st_mtime_ns}"
