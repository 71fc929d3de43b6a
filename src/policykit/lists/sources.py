"""Where list files come from: the work tree, or a git revision (through history.py).

Both expose the same calls so the loader never knows which one it reads.

Every file of a repository on disk is opened here, through ``Tree``: one path component at a time
from the repository root (``openat`` with ``O_NOFOLLOW``), so that

* a symbolic link is followed only when its target stays inside the repository and outside
  ``.git`` (``FILE-OUTSIDE`` otherwise, for directories as for files), and a link loop is a
  ``FILE-LOOP`` problem;
* nothing but a regular file is opened: a FIFO, socket or device is a ``FILE-NOT-REGULAR``
  problem, found from the directory listing or ``lstat`` before any ``open`` (and ``fstat``
  after it, with ``O_NONBLOCK`` so that even a FIFO swapped in meanwhile cannot block);
* a size limit is applied before reading (``fstat``), and no more than the limit plus one byte is
  ever read (``YAML-LIMIT``).

A refusal is a ``Refused`` exception (an ``OSError``) that carries its problem id and message.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ..problems import Problem

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | getattr(os, "O_NOCTTY", 0)
DIR_FLAGS = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _DIRECTORY
MAX_LINKS = 40            # links followed for one path, as the kernel allows
MAX_OPEN_DIRS = 64        # directory descriptors a tree keeps open between reads

OUTSIDE = "符号链接指向仓库之外，已拒绝读取 (symlink points outside the repository)"
INTO_GIT = "不读取 .git 目录中的文件（符号链接或路径指向 .git），已拒绝 (nothing under .git is read)"
LOOP = "符号链接构成循环（或层数过多），无法读取 (symlink loop)"
DANGLING = "符号链接指向的文件不存在 (dangling symlink)"

_REGULAR, _LINK = 1, 2          # what a listing saw of a file (anything else: its st_mode)


class Refused(OSError):
    """A repository path policykit will not open; ``rel`` is the path that was refused (the link,
    the FIFO, the large file), ``rule`` and ``message`` the problem to report."""

    def __init__(self, rel: str, rule: str, message: str):
        super().__init__(message)
        self.rel, self.rule, self.message = rel, rule, message

    def __str__(self) -> str:
        return self.message

    def problem(self, file: str | None = None) -> Problem:
        """The located problem for ``file`` (default: the refused path itself)."""
        file = file or self.rel
        message = self.message if file == self.rel or not self.rel else f"{self.message}（经由 {self.rel}）"
        return Problem(file, 1, 1, "$", self.rule, "error", message)


def not_regular(rel: str, mode: int) -> Refused:
    what = ("命名管道 FIFO" if stat.S_ISFIFO(mode) else "套接字 socket" if stat.S_ISSOCK(mode)
            else "字符设备" if stat.S_ISCHR(mode) else "块设备" if stat.S_ISBLK(mode)
            else "目录" if stat.S_ISDIR(mode) else "特殊文件")
    return Refused(rel, "FILE-NOT-REGULAR", f"不是普通文件（{what}），已跳过，未打开 (not a regular file: skipped)")


def too_large(rel: str, size: int | None, limit: int) -> Refused:
    said = f"文件大小 {size} 字节" if size is not None else "文件大小"
    return Refused(rel, "YAML-LIMIT", f"{said}超过上限 {limit} (file too large)")


def read_fd(fd: int, rel: str, max_bytes: int | None) -> bytes:
    """The bytes of the regular file open at ``fd`` (``fstat`` first; never more than ``max_bytes``)."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise not_regular(rel, st.st_mode)
    if max_bytes is not None and st.st_size > max_bytes:
        raise too_large(rel, st.st_size, max_bytes)
    want = (st.st_size if max_bytes is None else min(st.st_size, max_bytes)) + 1
    chunks, got = [], 0
    while got < want:
        chunk = os.read(fd, want - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
        if got == want:  # more than fstat said: the file grew meanwhile
            if max_bytes is not None and got > max_bytes:
                raise too_large(rel, None, max_bytes)
            want = got + (1 << 20) if max_bytes is None else max_bytes + 1
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_regular(path, max_bytes: int | None, rel: str | None = None) -> bytes:
    """The bytes of the regular file at ``path``; its last component is never followed, nothing
    but a regular file is opened, ``max_bytes`` is enforced before reading. For files whose path
    is already known to hold no link (a schema found by ``Tree.probe``, a cache file)."""
    path = os.fspath(path)
    rel = rel or path
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise Refused(rel, "FILE-OUTSIDE", OUTSIDE)
    if not stat.S_ISREG(st.st_mode):
        raise not_regular(rel, st.st_mode)
    fd = os.open(path, FILE_FLAGS)
    try:
        return read_fd(fd, rel, max_bytes)
    finally:
        os.close(fd)


def _norm(rel: str) -> str:
    """``rel`` without ``.`` components or doubled slashes ('' for the root itself)."""
    rel = os.path.normpath(rel.replace(os.sep, "/")).replace(os.sep, "/") if rel else ""
    return "" if rel == "." else rel


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


class Tree:
    """The files of the repository at ``root``, opened without leaving it (see the module text).

    Paths are relative to ``root`` with ``/``. Directory descriptors are kept open between reads
    (``close()`` or the end of a ``with`` block releases them), so reading a file costs one
    ``openat`` whatever its depth."""

    def __init__(self, root):
        self.root = os.path.abspath(os.fspath(root))
        self._real: str | None = None
        self._dirs: dict[str, tuple[int, str]] = {}   # directory as asked -> (fd, its real path rel. root)
        self._fds: list[int] = []

    # ---- lifetime -----------------------------------------------------------------------------
    def close(self) -> None:
        fds, self._fds, self._dirs = self._fds, [], {}
        for fd in fds:
            try:
                os.close(fd)
            except OSError:  # pragma: no cover
                pass

    def __enter__(self) -> "Tree":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    # ---- resolving ----------------------------------------------------------------------------
    def real_root(self) -> str:
        if self._real is None:
            self._real = os.path.realpath(self.root)
        return self._real

    @staticmethod
    def _check_name(rel: str, name: str) -> None:
        if name in ("", ".", "..") or "/" in name:
            raise Refused(rel, "FILE-OUTSIDE", OUTSIDE)
        if name == ".git":
            raise Refused(rel, "FILE-OUTSIDE", INTO_GIT)

    def follow(self, real_parent: str, name: str, rel: str) -> str:
        """Where the link ``name`` in directory ``real_parent`` leads, as a path relative to the
        real root with no link left in it; ``Refused`` when that is outside, under ``.git``, a loop."""
        real_root = self.real_root()
        try:
            target = os.path.realpath(os.path.join(real_root, real_parent, name), strict=True)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise Refused(rel, "FILE-LOOP", LOOP) from None
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                raise Refused(rel, "FILE-UNREADABLE", DANGLING) from None
            raise
        inner = os.path.relpath(target, real_root)
        if inner == ".":
            return ""
        if inner == ".." or inner.startswith("../") or os.path.isabs(inner):
            raise Refused(rel, "FILE-OUTSIDE", OUTSIDE)
        inner = inner.replace(os.sep, "/")
        if ".git" in inner.split("/"):
            raise Refused(rel, "FILE-OUTSIDE", INTO_GIT)
        return inner

    def _dir(self, rel: str, hops: int = 0) -> tuple[int, str]:
        """(descriptor, real path) of the directory ``rel``; links followed only inside the tree."""
        got = self._dirs.get(rel)
        if got is not None:
            return got
        if rel == "":
            fd = os.open(self.root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)  # the root itself: named by the user
            got = (fd, "")
        else:
            if hops > MAX_LINKS:
                raise Refused(rel, "FILE-LOOP", LOOP)
            parent, _, name = rel.rpartition("/")
            self._check_name(rel, name)
            pfd, preal = self._dir(parent, hops)
            try:
                fd = os.open(name, DIR_FLAGS, dir_fd=pfd)
                got = (fd, _join(preal, name))
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise
                st = os.lstat(name, dir_fd=pfd)
                if not stat.S_ISLNK(st.st_mode):
                    raise
                target = self.follow(preal, name, rel)
                fd, real = self._dir(target, hops + 1)
                fd = os.dup(fd)
                got = (fd, real)
        if len(self._dirs) >= MAX_OPEN_DIRS:
            root = self._dirs.get("")
            keep = {root[0]} if root else set()
            for fd_ in self._fds:
                if fd_ not in keep:
                    os.close(fd_)
            self._fds = list(keep)
            self._dirs = {"": root} if root else {}
        self._fds.append(got[0])
        self._dirs[rel] = got
        return got

    # ---- reading ------------------------------------------------------------------------------
    def read(self, rel: str, max_bytes: int | None, *, listed_regular: bool = False) -> bytes:
        """The bytes of the file ``rel``. ``listed_regular``: a listing of its directory saw a
        regular file there (no ``lstat`` needed before opening it)."""
        rel = _norm(rel)
        return self._read(rel, rel, max_bytes, listed_regular, 0)

    def _read(self, asked: str, rel: str, max_bytes, listed_regular: bool, hops: int) -> bytes:
        parent, _, name = rel.rpartition("/")
        self._check_name(asked, name)
        pfd, preal = self._dir(parent)
        if not listed_regular:
            st = os.lstat(name, dir_fd=pfd)
            if stat.S_ISLNK(st.st_mode):
                return self._through_link(asked, preal, name, max_bytes, hops)
            if not stat.S_ISREG(st.st_mode):
                raise not_regular(asked, st.st_mode)
        try:
            fd = os.open(name, FILE_FLAGS, dir_fd=pfd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:      # a link put there since the listing
                return self._through_link(asked, preal, name, max_bytes, hops)
            if exc.errno == errno.ENXIO:      # a socket
                raise not_regular(asked, stat.S_IFSOCK) from None
            raise
        try:
            return read_fd(fd, asked, max_bytes)
        finally:
            os.close(fd)

    def _through_link(self, asked, preal, name, max_bytes, hops) -> bytes:
        if hops >= MAX_LINKS:
            raise Refused(asked, "FILE-LOOP", LOOP)
        target = self.follow(preal, name, asked)
        if target == "":
            raise not_regular(asked, stat.S_IFDIR)
        return self._read(asked, target, max_bytes, False, hops + 1)

    def probe(self, rel: str) -> str | None:
        """The real path (relative to the real root) of the regular file ``rel``, None if absent;
        ``Refused`` for a link out of the tree, a loop, or something that is not a regular file."""
        rel = _norm(rel)
        parent, _, name = rel.rpartition("/")
        self._check_name(rel, name)
        try:
            pfd, preal = self._dir(parent)
            st = os.lstat(name, dir_fd=pfd)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if stat.S_ISLNK(st.st_mode):
            target = self.follow(preal, name, rel)
            st = os.stat(os.path.join(self.real_root(), target))
            if not stat.S_ISREG(st.st_mode):
                raise not_regular(rel, st.st_mode)
            return target
        if not stat.S_ISREG(st.st_mode):
            raise not_regular(rel, st.st_mode)
        return _join(preal, name)

    def lexists(self, rel: str) -> bool:
        parent, _, name = _norm(rel).rpartition("/")
        try:
            pfd, _ = self._dir(parent)
            os.lstat(name, dir_fd=pfd)
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    # ---- listing ------------------------------------------------------------------------------
    def list_files(self, directory: str, suffixes=(".yaml", ".yml"), skip=(".",), problems=None, types=None):
        """Files under ``directory`` (recursively, sorted as ``os.walk`` walks) whose names end with
        ``suffixes``; names starting with ``skip`` are left out at every level. Linked directories
        are not entered; one that leads out of the tree (or into ``.git``) is reported in
        ``problems``, as is a starting directory that does. ``types`` receives what the listing saw
        of each file (regular, link, or the mode of anything else). Returns (files, reached through
        a link)."""
        out: list[str] = []
        problems = problems if problems is not None else []
        directory = _norm(directory)
        try:
            fd, real = self._dir(directory)
        except Refused as exc:
            problems.append(exc.problem())
            return out, True
        except OSError:  # absent, not a directory, unreadable: nothing to list
            return out, False
        self._walk(fd, directory, real, out, tuple(suffixes), tuple(skip), problems, types)
        return out, real != directory

    def _walk(self, fd, rel, real, out, suffixes, skip, problems, types) -> None:
        try:
            with os.scandir(fd) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        dirs = []
        for e in entries:
            name = e.name
            if name.startswith(skip):
                continue
            child = _join(rel, name)
            try:
                if e.is_dir(follow_symlinks=False):
                    dirs.append(name)
                elif e.is_symlink():
                    if name.endswith(suffixes):
                        out.append(child)
                        if types is not None:
                            types[child] = _LINK
                    else:
                        self._judge_dir_link(real, name, child, problems)
                elif name.endswith(suffixes):
                    out.append(child)
                    if types is not None:
                        types[child] = _REGULAR if e.is_file(follow_symlinks=False) else \
                            e.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
        for name in dirs:
            try:
                sub = os.open(name, DIR_FLAGS, dir_fd=fd)
            except OSError:
                continue
            try:
                self._walk(sub, _join(rel, name), _join(real, name), out, suffixes, skip, problems, types)
            finally:
                os.close(sub)

    def _judge_dir_link(self, real, name, child, problems) -> None:
        """A link that is not a list file is not followed; say so when it leads out of the tree."""
        try:
            self.follow(real, name, child)
        except Refused as exc:
            if exc.rule == "FILE-OUTSIDE" and os.path.isdir(os.path.join(self.real_root(), real, name)):
                problems.append(exc.problem())
        except OSError:
            pass


def open_inside(root, rel: str, max_bytes: int | None) -> bytes:
    """The bytes of ``rel`` in the repository at ``root``, read the only safe way (``Tree.read``)."""
    with Tree(root) as tree:
        return tree.read(rel, max_bytes)


def read_if_present(root, rel: str, max_bytes: int = 64 * 1024 * 1024) -> bytes | None:
    """The bytes of ``rel`` in the repository at ``root`` (``Tree.read``), or None when it is absent
    or refused (a link out of the repository, a FIFO, too large): for readers that treat a missing
    file as "none" and leave reporting the refusal to ``check``."""
    try:
        return open_inside(root, rel, max_bytes)
    except OSError:
        return None


def read_under(root, path, max_bytes: int | None) -> bytes:
    """``path`` read as a file of the tree at ``root`` when it lies under it, else of its own directory."""
    root = os.path.abspath(os.fspath(root))
    path = os.path.abspath(os.fspath(path))
    rel = os.path.relpath(path, root)
    if rel == ".." or rel.startswith("../") or os.path.isabs(rel):
        root, rel = os.path.split(path)
    return open_inside(root, rel.replace(os.sep, "/"), max_bytes)


def read_all_under(root, paths, max_bytes: int | None) -> list[bytes]:
    """``read_under`` for many paths, sharing one ``Tree`` (one ``openat`` per file)."""
    root = os.path.abspath(os.fspath(root))
    out = []
    with Tree(root) as tree:
        for path in paths:
            rel = os.path.relpath(os.path.abspath(os.fspath(path)), root)
            if rel == ".." or rel.startswith("../") or os.path.isabs(rel):
                out.append(read_under(root, path, max_bytes))
            else:
                out.append(tree.read(rel.replace(os.sep, "/"), max_bytes))
    return out


def list_tree(root, directory, suffixes=(".yaml",), skip=(".", "_")) -> tuple[list[Path], list[Problem]]:
    """``(paths, problems)``: the files under ``directory`` as ``Tree.list_files`` finds them, as
    paths under ``directory``, sorted as ``sorted(Path.rglob(...))`` sorts. The tree is ``root``
    when ``directory`` lies under it, else ``directory`` itself."""
    root = os.path.abspath(os.fspath(root))
    base = os.path.abspath(os.fspath(directory))
    rel = os.path.relpath(base, root)
    if rel == ".." or rel.startswith("../") or os.path.isabs(rel):
        root, rel = base, "."
    rel = "" if rel == "." else rel.replace(os.sep, "/")
    problems: list[Problem] = []
    with Tree(root) as tree:
        found, _ = tree.list_files(rel, suffixes, skip, problems)
    inner = sorted((f[len(rel) + 1:] if rel else f for f in found), key=lambda r: r.split("/"))
    return [Path(directory) / r for r in inner], problems


class WorkTree:
    """Files on disk under ``root``, read through a ``Tree``: nothing outside the root (or under
    ``.git``) is read through a link, nothing but a regular file is opened; what is refused becomes
    a located problem (listing problems are collected in ``problems``)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.label = "工作区"
        self.tree = Tree(self.root)
        self.problems: list[Problem] = []          # directories refused while listing
        self._types: dict[str, int] = {}
        self._plain: set[str] = set()   # listed regular files with no symbolic link on their way from root

    def close(self) -> None:
        self.tree.close()

    def list_files(self, directory: str, suffixes=(".yaml", ".yml")) -> list[str]:
        found: list[Problem] = []
        out, linked = self.tree.list_files(directory, suffixes, (".",), found, self._types)
        for p in found:
            if p not in self.problems:
                self.problems.append(p)
        if not linked:
            self._plain.update(rel for rel in out if self._types.get(rel) == _REGULAR)
        return out

    def plain_path(self, rel: str) -> str | None:
        """The path of a listed regular file with no symbolic link on its way, for stat-based identity."""
        return os.path.join(self.tree.root, rel) if rel in self._plain else None

    def read_bytes(self, rel: str, max_bytes: int | None = None) -> bytes:
        kind = self._types.get(rel)
        if kind is not None and kind not in (_REGULAR, _LINK):
            raise not_regular(rel, kind)    # seen in the listing: never opened
        return self.tree.read(rel, max_bytes, listed_regular=kind == _REGULAR)

    def exists(self, rel: str) -> bool:
        try:
            return self.tree.lexists(rel)
        except Refused as exc:
            p = exc.problem()
            if p not in self.problems:
                self.problems.append(p)
            return False
        except OSError:
            return False

    def identity(self, rel: str) -> str:
        """A cheap change detector for the cache: size and mtime."""
        st = os.lstat(self.root / rel)
        return f"{st.st_size}:{st.st_mtime_ns}"
