"""Where list files come from: the work tree, or a git revision (through history.py).

Both expose the same two calls so the loader never knows which one it reads.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path


class WorkTree:
    """Files on disk under ``root``; symlinks that leave the root are reported, not followed."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.label = "工作区"
        self._real_root = None
        self._plain: set[str] = set()   # listed files with no symbolic link on their way from root

    def list_files(self, directory: str, suffixes=(".yaml", ".yml")) -> list[str]:
        base = self.root / directory
        if not base.is_dir():
            return []
        # os.walk never enters a linked directory; only the starting directory itself may be a link
        plain_base = not any(p.is_symlink() for p in [base, *base.parents][: len(Path(directory).parts)])
        out = []
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(suffixes) and not name.startswith("."):
                    rel = (Path(dirpath) / name).relative_to(self.root).as_posix()
                    out.append(rel)
                    if plain_base and not os.path.islink(os.path.join(dirpath, name)):
                        self._plain.add(rel)
        return out

    def plain_path(self, rel: str) -> str | None:
        """The path of a listed file with no symbolic link on its way, for stat-based identity."""
        return str(self.root / rel) if rel in self._plain else None

    def read_bytes(self, rel: str) -> bytes:
        path = self.root / rel
        if rel in self._plain:
            # no link on the way (checked while listing); O_NOFOLLOW refuses one put there since
            try:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError as exc:
                if exc.errno != errno.ELOOP:
                    raise
            else:
                with os.fdopen(fd, "rb") as fh:
                    return fh.read()
        if self._real_root is None:
            self._real_root = self.root.resolve()
        real = path.resolve()
        if not real.is_relative_to(self._real_root):
            raise PermissionError("符号链接指向仓库之外")
        return real.read_bytes()

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def identity(self, rel: str) -> str:
        """A cheap change detector for the cache: size and mtime."""
        st = (self.root / rel).stat()
        return f"{st.st_size}:{st.st_mtime_ns}"
