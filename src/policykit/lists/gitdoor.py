"""Everything policykit reads from git, as plain data. The only module that touches git (GitPython).

Every call opens the repository, does its work and closes it again (``with Repo(...)``), so no
``git cat-file`` process outlives a call. Errors of git — not a repository, an unknown revision, a
shallow clone whose history stops too early, a corrupt object store — become ``InputError`` with a
Chinese message, never a traceback.

Paths given to and returned by this module are relative to ``root`` (the directory that holds
``policykit.yaml``), which may be a sub-directory of the git work tree.

Revisions: ``at`` is anything git understands (sha, branch, tag, ``HEAD~2``) or a date
``YYYY-MM-DD``, which means the last commit of the current branch (first-parent chain from HEAD)
whose commit date, read in the committer's own time zone, is on or before that day.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, PolicykitError, UsageError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YAML_SUFFIXES = (".yaml", ".yml")
_SYMLINK = "120000"


# ---- plain data -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CommitInfo:
    sha: str
    parents: tuple
    author: str
    author_email: str
    authored: str          # ISO 8601 with the author's offset
    committer: str
    committer_email: str
    committed: str         # ISO 8601 with the committer's offset
    message: str
    trailers: tuple = ()   # (key, value) of the final paragraph; see parse_trailers

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def subject(self) -> str:
        return self.message.strip().splitlines()[0] if self.message.strip() else ""

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    def as_dict(self) -> dict:
        return {"sha": self.sha, "parents": list(self.parents), "author": self.author,
                "author_email": self.author_email, "authored": self.authored, "committer": self.committer,
                "committed": self.committed, "subject": self.subject, "message": self.message,
                "trailers": [list(t) for t in self.trailers]}


@dataclass(frozen=True)
class FileDelta:
    """One file that differs between two revisions (no rename detection: items are matched by key)."""
    path: str
    status: str            # A, D, M, T
    old_sha: str | None
    new_sha: str | None


# ---- opening the repository -------------------------------------------------------------------
class _Ctx:
    def __init__(self, repo, root: Path, prefix: str):
        self.repo, self.root, self.prefix = repo, root, prefix

    def full(self, rel: str) -> str:
        return self.prefix + rel

    def rel(self, full: str) -> str | None:
        if self.prefix and not full.startswith(self.prefix):
            return None
        return full[len(self.prefix):]

    def shallow(self) -> bool:
        try:
            return Path(self.repo.git_dir, "shallow").exists()
        except Exception:  # noqa: BLE001
            return False

    def shallow_boundary(self) -> frozenset:
        """Commits whose parents a shallow clone does not have (they look like root commits)."""
        try:
            text = Path(self.repo.git_dir, "shallow").read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            return frozenset()
        return frozenset(line.strip() for line in text.splitlines() if line.strip())


_SHALLOW_HINT = "请获取完整历史：git fetch --unshallow（CI 中设置 fetch-depth: 0）"


_SESSION: ContextVar = ContextVar("policykit_git_session", default=None)


@contextmanager
def session(root):
    """Share one open repository (and its ``git cat-file --batch`` process) across every call made
    inside the block; it is closed when the block ends. Nested sessions reuse the outer one."""
    current = _SESSION.get()
    if current is not None and current.root == Path(root).resolve():
        yield
        return
    with _open(root) as ctx:
        token = _SESSION.set(ctx)
        try:
            yield
        finally:
            _SESSION.reset(token)


@contextmanager
def _open(root):
    root = Path(root).resolve()
    current = _SESSION.get()
    if current is not None and current.root == root:
        try:
            yield current
        except PolicykitError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _translate(current, exc) from None
        return
    from git import Repo
    from git.exc import InvalidGitRepositoryError, NoSuchPathError
    try:
        repo = Repo(root, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        raise InputError(f"不是 git 仓库：{root}（按修订或日期读取、比较、查看历史都需要 git） (not a git repository)",
                         hint="在清单目录中运行 git init，或用 --root 指向 git 仓库") from None
    except Exception as exc:  # noqa: BLE001 - a corrupt .git directory
        raise InputError(f"无法打开 git 仓库 {root}：{_short(exc)}（仓库可能已损坏） (cannot open repository)",
                         hint="运行 git fsck 检查仓库") from None
    try:
        if repo.bare or not repo.working_tree_dir:
            raise InputError(f"{root} 是裸仓库，没有工作区 (bare repository)")
        top = Path(repo.working_tree_dir).resolve()
        try:
            prefix = root.relative_to(top).as_posix()
        except ValueError:
            raise InputError(f"{root} 不在 git 工作区 {top} 之内 (outside the work tree)") from None
        ctx = _Ctx(repo, root, "" if prefix == "." else prefix + "/")
        try:
            yield ctx
        except PolicykitError:
            raise
        except Exception as exc:  # noqa: BLE001 - every git failure becomes a clear input error
            raise _translate(ctx, exc) from None
    finally:
        repo.close()


def _short(exc) -> str:
    text = str(getattr(exc, "stderr", "") or exc).strip()
    text = re.sub(r"\s+", " ", text.replace("stderr:", "")).strip(" '")
    return text[:300]


def _translate(ctx: _Ctx, exc) -> InputError:
    detail = _short(exc)
    if ctx.shallow():
        return InputError(f"仓库是浅克隆（shallow clone），所需的历史不在本地：{detail} (shallow repository)",
                          hint=_SHALLOW_HINT)
    return InputError(f"读取 git 仓库失败：{detail}（仓库可能已损坏） (git error)", hint="运行 git fsck 检查仓库")


def is_repository(root) -> bool:
    try:
        with _open(root):
            return True
    except InputError:
        return False


_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


def head_marker(root) -> str | None:
    """The commit HEAD names, read from the few files under ``.git`` without starting git: cheap
    enough for every warm check, whose remembered result must not outlive a new commit (the lists
    in force in a past period come from the history, not only from the files). ``""`` outside git;
    None when HEAD cannot be read this way (the caller then remembers nothing)."""
    root = Path(root).resolve()
    dot = next((d / ".git" for d in (root, *root.parents) if (d / ".git").exists()), None)
    if dot is None:
        return ""
    try:
        gitdir = dot
        if dot.is_file():                      # a linked work tree: "gitdir: <path>"
            text = dot.read_text("utf-8", "replace")[:4096].strip()
            if not text.startswith("gitdir:"):
                return None
            gitdir = (dot.parent / text[7:].strip()).resolve()
        common = gitdir
        if (gitdir / "commondir").is_file():
            common = (gitdir / (gitdir / "commondir").read_text("utf-8", "replace")[:4096].strip()).resolve()
        head = (gitdir / "HEAD").read_text("utf-8", "replace")[:4096].strip()
        if _SHA.match(head):
            return head
        if not head.startswith("ref:"):
            return None
        ref = head[4:].strip()
        if not ref.startswith("refs/") or ".." in ref:
            return None
        for base in (gitdir, common):
            loose = base / ref
            if loose.is_file():
                value = loose.read_text("utf-8", "replace")[:4096].strip()
                return value if _SHA.match(value) else None
        packed = common / "packed-refs"
        if packed.is_file() and packed.stat().st_size <= 64 << 20:
            for line in packed.read_text("utf-8", "replace").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref and _SHA.match(sha):
                    return sha
        return f"unborn:{ref}"                 # no commit yet on this branch
    except OSError:
        return None


def init_repository(root) -> bool:
    """``git init`` in ``root`` for a new city repository (``policykit init --git``); a folder that
    is already inside a git work tree is left as it is (False)."""
    if is_repository(root):
        return False
    import git
    try:
        git.Repo.init(str(root)).close()
    except (git.GitError, OSError) as exc:
        raise InputError(f"无法在 {root} 建立 git 仓库 (git init failed)：{_short(exc)}") from None
    return True


# ---- revisions --------------------------------------------------------------------------------
def _parse_day(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"日期无效：{text}（应为 YYYY-MM-DD） (invalid date)") from None


def _has_head(ctx: _Ctx) -> bool:
    try:
        ctx.repo.git.rev_parse("--verify", "--quiet", "HEAD^{commit}")
        return True
    except Exception:  # noqa: BLE001
        return False


def _resolve(ctx: _Ctx, at: str) -> str:
    at = str(at).strip()
    if not at:
        raise UsageError("修订不能为空 (empty revision)")
    if at.startswith("-"):
        raise UsageError(f"无效的修订：{at} (invalid revision)")
    if DATE_RE.match(at):
        return _resolve_date(ctx, _parse_day(at), at)
    try:
        return ctx.repo.git.rev_parse("--verify", "--quiet", f"{at}^{{commit}}").strip()
    except Exception:  # noqa: BLE001
        pass
    if not _has_head(ctx):
        raise InputError(f"仓库还没有任何提交，无法读取修订「{at}」 (no commits yet)")
    if ctx.shallow():
        raise InputError(f"找不到修订「{at}」；仓库是浅克隆，它可能在本地历史之外 (unknown revision in a shallow clone)",
                         hint=_SHALLOW_HINT)
    raise InputError(f"找不到修订「{at}」（提交、分支、标签或 YYYY-MM-DD 日期） (unknown revision)")


def _resolve_date(ctx: _Ctx, day: _dt.date, text: str) -> str:
    if not _has_head(ctx):
        raise InputError("仓库还没有任何提交，无法按日期读取 (no commits yet)")
    out = ctx.repo.git.log("--first-parent", "--format=%H %cI", "HEAD")
    last = None
    for line in out.splitlines():
        sha, _, when = line.partition(" ")
        last = sha
        if _dt.datetime.fromisoformat(when).date() <= day:
            return sha
    if ctx.shallow():
        raise InputError(f"{text} 或之前的提交不在本地：仓库是浅克隆 (shallow repository)", hint=_SHALLOW_HINT)
    raise InputError(f"当前分支在 {text} 或之前没有任何提交（最早的提交是 {last[:7] if last else '无'}） "
                     f"(no commit on or before {text})")


def resolve(root, at: str) -> str:
    """The commit sha that ``at`` (a revision or a YYYY-MM-DD date) names."""
    with _open(root) as ctx:
        return _resolve(ctx, at)


def resolve_optional_date(root, day: _dt.date) -> str | None:
    """The last commit on the current branch on or before ``day``; None when history starts later."""
    with _open(root) as ctx:
        if not _has_head(ctx):
            return None
        out = ctx.repo.git.log("--first-parent", "--format=%H %cI", "HEAD")
        for line in out.splitlines():
            sha, _, when = line.partition(" ")
            if _dt.datetime.fromisoformat(when).date() <= day:
                return sha
        if ctx.shallow():
            raise InputError(f"{day.isoformat()} 或之前的提交不在本地：仓库是浅克隆 (shallow repository)",
                             hint=_SHALLOW_HINT)
        return None


def merge_base(root, a: str, b: str) -> str | None:
    with _open(root) as ctx:
        sa, sb = _resolve(ctx, a), _resolve(ctx, b)
        try:
            return ctx.repo.git.merge_base(sa, sb).strip() or None
        except Exception:  # noqa: BLE001 - exit status 1: no common ancestor
            if ctx.shallow():
                raise InputError(f"找不到 {a} 与 {b} 的共同祖先：仓库是浅克隆 (shallow repository)",
                                 hint=_SHALLOW_HINT) from None
            return None


MAIN_BRANCHES = ("main", "master", "origin/main", "origin/master")


def default_base(root) -> str:
    """The merge-base of HEAD with the main branch (main, master, origin/main or origin/master)."""
    with _open(root) as ctx:
        if not _has_head(ctx):
            raise InputError("仓库还没有任何提交 (no commits yet)")
        for name in MAIN_BRANCHES:
            try:
                branch = ctx.repo.git.rev_parse("--verify", "--quiet", f"{name}^{{commit}}").strip()
            except Exception:  # noqa: BLE001
                continue
            try:
                return ctx.repo.git.merge_base("HEAD", branch).strip()
            except Exception:  # noqa: BLE001
                if ctx.shallow():
                    raise InputError(f"找不到 HEAD 与 {name} 的共同祖先：仓库是浅克隆 (shallow repository)",
                                     hint=_SHALLOW_HINT) from None
                raise InputError(f"HEAD 与 {name} 没有共同祖先，请明确指定比较基准 BASE (no merge base)") from None
        raise UsageError("找不到 main 或 master 分支，请明确指定比较基准 BASE (no main branch)")


def commit_info(root, rev: str) -> CommitInfo:
    with _open(root) as ctx:
        sha = _resolve(ctx, rev)
        return _log(ctx, [sha, "-1", "--no-walk"], None)[0]


# ---- commits --------------------------------------------------------------------------------
_TRAILER = re.compile(r"^(?P<key>[^\s:：]{1,60})[ \t]*[:：][ \t]*(?P<value>.*)$")


def parse_trailers(message: str) -> tuple:
    """``(key, value)`` pairs of the message's final paragraph when it is a trailer block.

    Unlike ``git interpret-trailers`` this accepts Chinese keys (git takes only ASCII letters, digits
    and hyphens, so ``调整类型: 纠错`` is invisible to it) and the full-width colon ``：``.
    Continuation lines (indented) are joined to the value before them."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return ()
    pairs = []
    for line in paragraphs[-1].splitlines():
        if line[:1] in (" ", "\t") and pairs:
            key, value = pairs[-1]
            pairs[-1] = (key, (value + " " + line.strip()).strip())
            continue
        m = _TRAILER.match(line)
        if not m:
            return ()
        pairs.append((m.group("key"), m.group("value").strip()))
    return tuple(pairs)

_FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B")
_FORMAT = "%x1e" + "%x1f".join(_FIELDS)


def _log(ctx: _Ctx, revs: list, paths) -> list[CommitInfo]:
    args = ["--full-history", "--topo-order", f"--format={_FORMAT}", *revs]
    if paths is not None:
        args += ["--", *[ctx.full(p) for p in paths]] if paths else ["--", ctx.prefix or "."]
    out = ctx.repo.git.log(*args, strip_newline_in_stdout=False)
    commits = []
    for record in out.split("\x1e")[1:]:
        parts = record.split("\x1f")
        if len(parts) != len(_FIELDS):
            continue
        sha, parents, an, ae, ad, cn, ce, cd, body = parts
        message = body.rstrip("\n") + "\n" if body.strip() else ""
        commits.append(CommitInfo(sha, tuple(parents.split()), an, ae, ad, cn, ce, cd, message,
                                  parse_trailers(message)))
    return commits


def require_full_history(root, commit: CommitInfo, what: str) -> None:
    """Raise when ``commit`` is where a shallow clone's history stops: whatever it seems to add
    may be older, and its real parents are not here."""
    with _open(root) as ctx:
        if commit.sha in ctx.shallow_boundary():
            raise InputError(f"{what}：历史在提交 {commit.sha[:7]} 处被截断，仓库是浅克隆，无法确定更早的调整 "
                             f"(shallow repository: history stops at {commit.sha[:7]})", hint=_SHALLOW_HINT)


def commits(root, rev: str = "HEAD", *, since: str | None = None, paths=None,
            limit: int | None = None) -> list[CommitInfo]:
    """Commits reachable from ``rev`` (and not from ``since``) that touch ``paths`` (relative to root;
    None = anything, [] = anything under root), newest first (topological order), merges included
    (``--full-history``: every commit whose tree differs from one of its parents in those paths).

    ``limit``: at most this many (default ``limits.max_history_commits``'s default); git stops after
    one more, and more is ``LimitExceeded`` (exit 2): a history is input too, and every commit
    read is kept in memory with its message."""
    if limit is None:
        from .loader import Limits
        limit = Limits().max_history_commits
    with _open(root) as ctx:
        head = _resolve(ctx, rev)
        revs = [head] if since is None else [f"{_resolve(ctx, since)}..{head}"]
        found = _log(ctx, [f"--max-count={limit + 1}", *revs], paths)
    if len(found) > limit:
        from ..errors import LimitExceeded
        span = f"{since}..{rev}" if since is not None else rev
        raise LimitExceeded(f"[LIMIT-HISTORY] {span} 中需要读取的提交超过上限 {limit}（limits.max_history_commits），"
                            f"已停止 (more commits to read than allowed)",
                            hint="缩小比较范围（更近的 BASE 或 --since 日期）；确需读取更长的历史时在 policykit.yaml 的 "
                                 "limits 中调高 max_history_commits")
    return found


_HEX_ID = re.compile(r"^[0-9a-f]{7,40}$")


def lookup_commits(root, refs, head: str = "HEAD", *, max_walk: int = 100_000) -> dict:
    """What each hex commit id of ``refs`` (full or abbreviated) names, for records that cite commits:
    ``{ref: (sha or None, verdict)}``, verdict "on-branch" (a commit in ``head``'s history),
    "elsewhere" (a commit not reachable from ``head``), "missing" (no such object, or an ambiguous
    abbreviation), "not-commit" (a tree or blob), "unverified" (a shallow clone cannot tell),
    "too-long" (not met within ``max_walk`` commits of the history).

    One ``git rev-list`` walks ``head``'s history until every ref is met (a budget: at most
    ``max_walk`` commits); only the refs it did not meet go, all at once, to one ``git cat-file
    --batch-check``. A ref that is not 7–40 lower-case hex digits is "not-commit" without asking git."""
    out: dict = {}
    pending = {}
    for ref in dict.fromkeys(refs):
        if isinstance(ref, str) and _HEX_ID.match(ref):
            pending[ref] = None
        else:
            out[ref] = (None, "not-commit")
    if not pending:
        return out
    with _open(root) as ctx:
        shallow = ctx.shallow()
        met, complete = _walk_until(ctx, _resolve(ctx, head), set(pending), max_walk)
        for ref, sha in met.items():
            out[ref] = (sha, "on-branch")
        for ref in pending:
            if ref in met:
                continue
            try:
                sha, kind, _ = ctx.repo.git.get_object_header(ref)
            except ValueError:          # "<ref> missing" or "<ref> ambiguous"
                out[ref] = (None, "unverified" if shallow else "missing")
                continue
            sha = _text(sha)
            if _text(kind) != "commit":
                out[ref] = (sha, "not-commit")
            else:
                out[ref] = (sha, "unverified" if shallow else "elsewhere" if complete else "too-long")
    return out


def _text(value) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


def _walk_until(ctx: _Ctx, head: str, refs: set, max_walk: int) -> tuple[dict, bool]:
    """``{ref: sha}`` for the refs (full or abbreviated ids) met in ``head``'s history, and whether the
    walk saw all of it (or met every ref) within ``max_walk`` commits. The ``git rev-list`` is stopped
    as soon as it can be."""
    lengths = sorted({len(r) for r in refs})
    proc = ctx.repo.git.rev_list(head, as_process=True)
    met: dict = {}
    complete = True
    try:
        for walked, line in enumerate(proc.proc.stdout, 1):
            sha = line.strip().decode("ascii", "replace")
            for n in lengths:
                if sha[:n] in refs and sha[:n] not in met:
                    met[sha[:n]] = sha
            if len(met) == len(refs):
                break
            if walked >= max_walk:
                complete = False
                break
    finally:
        proc.proc.kill()
        proc.proc.wait()
        for stream in (proc.proc.stdout, proc.proc.stderr):
            if stream is not None:
                stream.close()
    return met, complete


def deleted_files(root, rev: str = "HEAD", under=(), *, max_commits: int = 100_000) -> list:
    """Files under ``under`` deleted in ``rev``'s history, newest deletion first: ``[(rel, blob sha of
    its last content, commit sha, commit date ISO)]``. One ``git log --diff-filter=D`` over at most
    ``max_commits`` commits (a budget)."""
    with _open(root) as ctx:
        head = _resolve(ctx, rev)
        specs = [ctx.full(u).rstrip("/") for u in under] or [ctx.prefix.rstrip("/") or "."]
        text = ctx.repo.git.log("--diff-filter=D", "--no-renames", "--raw", "--no-abbrev", "-m", "--first-parent",
                                f"--max-count={max_commits}", "--format=%x1e%H%x1f%cI", head, "--", *specs,
                                strip_newline_in_stdout=False)
    out = []
    for record in text.split("\x1e")[1:]:
        header, _, body = record.partition("\n")
        sha, _, date = header.partition("\x1f")
        for line in body.splitlines():
            meta, _, path = line.partition("\t")
            fields = meta.split()
            if len(fields) >= 5 and fields[4] == "D":
                rel = ctx.rel(path)
                if rel is not None:
                    out.append((rel, fields[2], sha, date.strip()))
    return out


# ---- trees and blobs --------------------------------------------------------------------------
def _ls_tree(ctx: _Ctx, sha: str, under=(), sizes: dict | None = None) -> dict:
    """``{rel: (mode, blob sha)}``; ``sizes`` (a dict) also receives ``{blob sha: size}`` (``ls-tree -l``:
    git reads the sizes itself, faster than asking for each blob later)."""
    specs = [ctx.full(u).rstrip("/") for u in under] if under else ([ctx.prefix.rstrip("/")] if ctx.prefix else [])
    out = ctx.repo.git.ls_tree("-r", "-z", *(["-l"] if sizes is not None else []), "--full-tree", sha, "--", *specs,
                               strip_newline_in_stdout=False)
    files = {}
    for entry in out.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        mode, kind, obj, *size = meta.split()
        if kind != "blob":
            continue
        rel = ctx.rel(path)
        if rel is not None:
            files[rel] = (mode, obj)
            if sizes is not None:
                sizes[obj] = int(size[0])
    return files


def tree_files(root, rev: str, under=()) -> dict:
    """``{rel: (mode, blob sha)}`` of every file at ``rev`` (under the given directories, else all)."""
    with _open(root) as ctx:
        return _ls_tree(ctx, _resolve(ctx, rev), under)


def index_files(root, under=()) -> dict:
    """``{rel: (mode, blob sha)}`` of the staged files (the index), stage 0."""
    with _open(root) as ctx:
        specs = [ctx.full(u).rstrip("/") for u in under] if under else ([ctx.prefix.rstrip("/")] if ctx.prefix else [])
        top = Path(ctx.repo.working_tree_dir)
        out = ctx.repo.git.ls_files("-s", "-z", "--full-name", "--", *[str(top / s) for s in specs] or [str(top)],
                                    strip_newline_in_stdout=False)
        files = {}
        for entry in out.split("\0"):
            if not entry:
                continue
            meta, _, path = entry.partition("\t")
            mode, obj, stage = meta.split()
            rel = ctx.rel(path)
            if rel is not None and stage == "0":
                files[rel] = (mode, obj)
        return files


class OversizedBlob(bytes):
    """Stands for a blob over the byte budget, which was never read: empty, with the blob's
    ``size`` and the ``limit`` it went over. A source refuses it as a file over ``max_file_bytes``
    on disk is refused (``YAML-LIMIT``); searching it finds nothing."""

    def __new__(cls, size: int, limit: int):
        self = super().__new__(cls, b"")
        self.size, self.limit = size, limit
        return self


def default_max_bytes() -> int:
    """The byte budget of one file when none is given: ``limits.max_file_bytes``'s default."""
    from .loader import Limits
    return Limits().max_file_bytes


def _read(ctx: _Ctx, shas, max_bytes: int | None = None, sizes: dict | None = None) -> dict:
    """Each blob's size is asked first (``git cat-file --batch-check``, unless ``sizes`` knows it);
    a blob over ``max_bytes`` is never read (``OversizedBlob``), so a pull request's 2 GB list costs
    nothing but its header."""
    limit = default_max_bytes() if max_bytes is None else max_bytes
    known = sizes or {}
    out = {}
    for sha in shas:
        if sha not in out:
            size = known.get(sha)
            if size is None:
                _, _, size = ctx.repo.git.get_object_header(sha)
            out[sha] = OversizedBlob(size, limit) if size > limit else ctx.repo.odb.stream(bytes.fromhex(sha)).read()
    return out


def read_blobs(root, shas, max_bytes: int | None = None, sizes: dict | None = None) -> dict:
    """``{sha: bytes}`` for the given blob shas (one ``git cat-file --batch`` for all). A blob over
    ``max_bytes`` (default ``limits.max_file_bytes``'s default) is not read: ``OversizedBlob``.
    ``sizes``: ``{sha: size}`` already known (``ls-tree -l``), not asked again."""
    with _open(root) as ctx:
        return _read(ctx, list(shas), max_bytes, sizes)


def too_large_at(rev: str, rel: str, size: int, limit: int) -> InputError:
    """A file of a revision over the byte budget, where no located problem can stand for it (the
    configuration a command needs): exit 2, located at ``revision:path``."""
    return InputError(f"{rev[:7]}:{rel}: [YAML-LIMIT] 文件大小 {size} 字节超过上限 {limit}（limits.max_file_bytes），"
                      f"未读取 (file too large at revision {rev[:7]})",
                      hint="该修订中的文件异常庞大；确需更大的文件时在 policykit.yaml 的 limits 中调高 max_file_bytes")


def read_file(root, rev: str, rel: str, max_bytes: int | None = None) -> bytes | None:
    """The bytes of ``rel`` at ``rev``; None when it does not exist there. Its size is asked first:
    over ``max_bytes`` (default ``limits.max_file_bytes``'s default) it is not read, an ``InputError``."""
    limit = default_max_bytes() if max_bytes is None else max_bytes
    with _open(root) as ctx:
        sha = rev if re.fullmatch(r"[0-9a-f]{40}", rev or "") else _resolve(ctx, rev)
        try:
            obj, kind, size = ctx.repo.git.get_object_header(f"{sha}:{ctx.full(rel)}")
        except ValueError:  # "<sha>:<path> missing"
            return None
        if kind not in (b"blob", "blob"):
            return None
        if size > limit:
            raise too_large_at(sha, rel, size, limit)
        return ctx.repo.odb.stream(bytes.fromhex(obj if isinstance(obj, str) else obj.decode())).read()


def diff_tree(root, old: str | None, new: str, under=()) -> list[FileDelta]:
    """Files that differ between two commits (``old`` None = the empty tree), under the directories."""
    with _open(root) as ctx:
        return _diff_tree(ctx, old, new, under)


def _diff_tree(ctx: _Ctx, old, new, under=()) -> list[FileDelta]:
    specs = [ctx.full(u).rstrip("/") for u in under] if under else ([ctx.prefix.rstrip("/")] if ctx.prefix else [])
    out = ctx.repo.git.diff_tree("-r", "-z", "--no-renames", "--no-abbrev", old or EMPTY_TREE, new, "--", *specs,
                                 strip_newline_in_stdout=False)
    parts = out.split("\0")
    deltas = []
    i = 0
    while i < len(parts):
        meta = parts[i]
        if not meta.startswith(":"):
            i += 1
            continue
        path = parts[i + 1]
        i += 2
        om, nm, osha, nsha, status = meta[1:].split()
        rel = ctx.rel(path)
        if rel is None:
            continue
        zero = "0" * 40
        deltas.append(FileDelta(rel, status[0], None if osha == zero else osha, None if nsha == zero else nsha))
    return deltas


def commit_deltas(root, commit: CommitInfo, under=()) -> list[list[FileDelta]]:
    """For each parent of ``commit`` (or the empty tree for a root commit), the files it changes."""
    with _open(root) as ctx:
        parents = commit.parents or (None,)
        return [_diff_tree(ctx, p, commit.sha, under) for p in parents]


def blob_sha(data: bytes) -> str:
    """The git blob id of ``data`` (what ``git hash-object`` prints), computed without git."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# ---- sources the loader reads -----------------------------------------------------------------
def _walk_key(rel_to_dir: str):
    parts = rel_to_dir.split("/")
    return tuple((1, p) for p in parts[:-1]) + ((0, parts[-1]),)


class SnapshotSource:
    """Files of one revision (or any in-memory snapshot), with the interface of ``sources.WorkTree``.

    ``files`` maps a root-relative path to its blob sha; ``contents`` holds bytes already read; the
    rest is read on demand by ``loader`` (a callable ``(shas, max_bytes) -> {sha: bytes}``), the
    files listed so far in one batch at the first read. Every read has a byte budget (the caller's,
    ``limits.max_file_bytes``, else its default): a blob over it is never read, and refused as a
    file over the limit on disk is (``sources.too_large``: ``YAML-LIMIT``).
    """

    def __init__(self, files: dict, *, revision: str | None, label: str, contents: dict | None = None,
                 loader=None, modes: dict | None = None):
        self.files = dict(files)                 # rel -> identity (blob sha)
        self.contents = dict(contents or {})     # rel -> bytes (an OversizedBlob: over the budget, unread)
        self.modes = dict(modes or {})
        self.revision = revision
        self.label = label
        self._loader = loader
        self._listed: list = []                  # listed, not yet read: read together at the first read

    def list_files(self, directory: str, suffixes=YAML_SUFFIXES) -> list[str]:
        base = directory.rstrip("/") + "/"
        out = []
        for rel in self.files:
            if not rel.startswith(base):
                continue
            inner = rel[len(base):]
            parts = inner.split("/")
            if any(p.startswith(".") for p in parts) or not inner.endswith(suffixes):
                continue
            out.append(rel)
        out.sort(key=lambda r: _walk_key(r[len(base):]))
        self._listed.extend(out)
        return out

    def _prefetch(self, rels, limit: int) -> None:
        missing = list(dict.fromkeys(r for r in rels if r in self.files and self.modes.get(r) != _SYMLINK
                                     and (r not in self.contents or _unread_within(self.contents[r], limit))))
        if missing and self._loader is not None:
            blobs = self._loader([self.files[r] for r in missing], limit)
            for r in missing:
                self.contents[r] = blobs[self.files[r]]

    def read_bytes(self, rel: str, max_bytes: int | None = None) -> bytes:
        if rel not in self.files:
            raise FileNotFoundError(rel)
        if self.modes.get(rel) == _SYMLINK:
            raise PermissionError("修订中的符号链接不被跟随 (symlinks in revisions are not followed)")
        limit = max_bytes or default_max_bytes()
        if rel not in self.contents or _unread_within(self.contents[rel], limit):
            listed, self._listed = self._listed, []
            self._prefetch([rel, *listed], limit)
        data = self.contents[rel]
        if isinstance(data, OversizedBlob) or len(data) > limit:   # unread, or over this budget
            from .sources import too_large
            over = isinstance(data, OversizedBlob)
            raise too_large(rel, data.size if over else len(data), min(limit, data.limit) if over else limit)
        return data

    def exists(self, rel: str) -> bool:
        rel = rel.rstrip("/")
        return rel in self.files or any(f.startswith(rel + "/") for f in self.files)

    def identity(self, rel: str) -> str:
        """The blob sha: a content address, so caches can share entries between revisions."""
        return self.files[rel]


def _unread_within(data: bytes, limit: int) -> bool:
    """A blob left unread under a smaller budget that this larger one allows."""
    return isinstance(data, OversizedBlob) and data.size <= limit


def _require_config_within(ctx: _Ctx, sha: str, listing: dict, limit: int, sizes: dict | None = None) -> None:
    """``policykit.yaml`` of a revision is read before its limits are known, under the default
    budget; over it the command cannot go on (exit 2), located at ``revision:policykit.yaml``."""
    from .config import CONFIG_FILE
    entry = listing.get(CONFIG_FILE)
    if entry is None or entry[0] == _SYMLINK:
        return
    size = (sizes or {}).get(entry[1])
    if size is None:
        _, _, size = ctx.repo.git.get_object_header(entry[1])
    if size > limit:
        raise too_large_at(sha, CONFIG_FILE, size, limit)


def revision_source(root, at) -> SnapshotSource:
    """The files of revision ``at`` (rev or YYYY-MM-DD) for ``open_repository(root, at=...)``."""
    with _open(root) as ctx:
        sha = _resolve(ctx, at)
        sizes: dict = {}
        listing = _ls_tree(ctx, sha, sizes=sizes)
        _require_config_within(ctx, sha, listing, default_max_bytes(), sizes)
        subject = ctx.repo.git.log("-1", "--format=%cI", sha).strip()
    root = Path(root).resolve()
    label = f"{sha[:7]}（{at}，{subject[:10]}）" if str(at) != sha else f"{sha[:7]}（{subject[:10]}）"
    return SnapshotSource({r: s for r, (m, s) in listing.items()}, revision=sha, label=label,
                          modes={r: m for r, (m, s) in listing.items()},
                          loader=lambda shas, limit=None: read_blobs(root, shas, limit, sizes))


def index_source(root) -> SnapshotSource:
    """The staged files (what ``git commit`` would record)."""
    listing = index_files(root)
    with _open(root) as ctx:
        _require_config_within(ctx, "index", listing, default_max_bytes())
    root = Path(root).resolve()
    return SnapshotSource({r: s for r, (m, s) in listing.items()}, revision=None, label="暂存区",
                          modes={r: m for r, (m, s) in listing.items()},
                          loader=lambda shas, limit=None: read_blobs(root, shas, limit))


def worktree_files(root, under=()) -> tuple[dict, dict]:
    """``({rel: blob sha}, {rel: bytes})`` of the files on disk under the given directories (hidden
    files and directories skipped) — the work tree side of a diff. Read through ``sources.Tree``:
    links leaving the root or into .git, FIFOs and other non-regular files, and files over the
    default size limit are skipped, never opened or read whole; a file over that limit is listed
    as an ``OversizedBlob`` (unread), so a review refuses it instead of showing it as deleted."""
    from .sources import Refused, Tree
    root = Path(root).resolve()
    limit = default_max_bytes()
    ids, contents = {}, {}
    with Tree(root) as tree:
        for directory in under or ("",):
            listed = [directory] if (root / directory).is_file() else tree.list_files(directory, ("",), (".",))[0]
            for rel in listed:
                try:
                    data = tree.read(rel, limit)
                except Refused as exc:
                    if exc.rule == "YAML-LIMIT" and exc.rel == rel:
                        size = (root / rel).lstat().st_size
                        ids[rel], contents[rel] = f"oversized:{size}:{rel}", OversizedBlob(size, limit)
                    continue
                except OSError:
                    continue
                ids[rel], contents[rel] = blob_sha(data), data
    return ids, contents


def worktree_deltas(root, rev: str = "HEAD", under=()) -> list[FileDelta]:
    """Files on disk that differ from revision ``rev`` (under the given directories), as
    ``diff_tree`` reports them: added (A), deleted (D), modified (M). Untracked files count as added."""
    listing = {r: s for r, (m, s) in tree_files(root, rev, under).items()}
    ids, _ = worktree_files(root, under)
    out = []
    for rel in sorted(set(listing) | set(ids)):
        a, b = listing.get(rel), ids.get(rel)
        if a != b:
            out.append(FileDelta(rel, "A" if a is None else "D" if b is None else "M", a, b))
    return out


# ---- hooks and configuration --------------------------------------------------------------------
def toplevel(root) -> Path:
    """The top directory of the git work tree that holds ``root``."""
    with _open(root) as ctx:
        return Path(ctx.repo.working_tree_dir).resolve()


def hooks_dir(root) -> Path:
    """Where git looks for hooks (honours core.hooksPath)."""
    with _open(root) as ctx:
        path = Path(ctx.repo.git.rev_parse("--git-path", "hooks").strip())
        return path if path.is_absolute() else Path(ctx.repo.working_tree_dir) / path


def git_path(root, name: str) -> Path:
    with _open(root) as ctx:
        path = Path(ctx.repo.git.rev_parse("--git-path", name).strip())
        return path if path.is_absolute() else Path(ctx.repo.working_tree_dir) / path


def merge_in_progress(root) -> bool:
    return git_path(root, "MERGE_HEAD").exists()


def set_local_config(root, key: str, value: str) -> None:
    with _open(root) as ctx:
        ctx.repo.git.config("--local", key, value)


def get_config(root, key: str) -> str | None:
    with _open(root) as ctx:
        try:
            return ctx.repo.git.config("--get", key).strip()
        except Exception:  # noqa: BLE001 - unset
            return None


def has_commits(root) -> bool:
    with _open(root) as ctx:
        return _has_head(ctx)
