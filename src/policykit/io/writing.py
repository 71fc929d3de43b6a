"""Stable YAML output and all-or-nothing writing of several files.

``dump_yaml`` is the one serialiser for files policykit writes: block style, keys in the order
given, Chinese as is, dates as YAML dates, multi-line strings as literal blocks, no aliases, no
line folding. The same data always gives the same bytes, so a re-import yields no diff.

``write_files_atomically`` writes every file to a temporary file, then renames each into place;
if anything fails, the targets are restored and nothing is changed. Temporary files and backups
live in a staging directory: ``.git/policykit-tmp/`` when the target is inside a git work tree on
the same file system (so a killed run leaves nothing in the work tree), else beside the target.
Before the first rename a journal is written there; a run killed among the renames (SIGKILL,
power loss) is rolled back by :func:`recover`, which every writing call runs first: each target
is put back as it was, unless it was changed again since.

Test hook: ``POLICYKIT_TEST_KILL_AT=N`` makes the process SIGKILL itself at the N-th checkpoint
(half-way through writing a temporary file, before each rename, …) — ``tests/test_interrupt.py``.
"""
from __future__ import annotations

import ctypes
import datetime as _dt
import hashlib
import json
import os
import re
import secrets
import signal
from pathlib import Path
from typing import Callable

import yaml

from ..errors import InputError, UsageError

STAGING = "policykit-tmp"          # under the git directory
KILL_ENV = "POLICYKIT_TEST_KILL_AT"
_JOURNAL_RE = re.compile(r"^\.?policykit-(\d+)-[0-9a-f]+\.journal$")
_STAGED_RE = re.compile(r"^(\d+)-[0-9a-f]{12,}\.(?:tmp|bak|dir|dir\.old)$")         # in .git/policykit-tmp
_BESIDE_RE = re.compile(r"^\..+\.(\d+)-[0-9a-f]{12,}\.(?:tmp|bak|dir|dir\.old)$")  # hidden, beside a target


class UncommittedChangesError(UsageError):
    """A target file has uncommitted changes and the caller asked to protect them."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True

    def increase_indent(self, flow=False, indentless=False):
        # indent sequences inside mappings ("items:\n  - code: …"), as in docs/data-format.md
        return super().increase_indent(flow, False)


def _represent_str(dumper, data: str):
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _represent_dict(dumper, data):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items())


def _represent_datetime(dumper, data: _dt.datetime):
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", data.isoformat(sep=" "))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(_dt.datetime, _represent_datetime)
_Dumper.add_representer(tuple, _Dumper.represent_list)


def dump_yaml(data) -> str:
    """``data`` as a YAML document (str, ends with a newline)."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=1 << 30, indent=2, explicit_start=False)


# ---- test hook --------------------------------------------------------------------------------
_checkpoints = 0


def checkpoint(label: str = "") -> None:
    """A point where a test may kill the process (``POLICYKIT_TEST_KILL_AT=N``: the N-th point)."""
    global _checkpoints
    wanted = os.environ.get(KILL_ENV)
    if not wanted:
        return
    _checkpoints += 1
    if str(_checkpoints) == wanted.strip():
        os.kill(os.getpid(), signal.SIGKILL)


# ---- staging ----------------------------------------------------------------------------------
def _existing_ancestor(path: Path) -> Path:
    d = path
    while not d.exists() and d.parent != d:
        d = d.parent
    return d


def git_dir_of(path) -> Path | None:
    """The ``.git`` directory of the work tree holding ``path`` (no git process), or None."""
    d = _existing_ancestor(Path(path).absolute()).resolve()
    for p in (d, *d.parents):
        g = p / ".git"
        try:
            if g.is_dir():
                return g
            if g.is_file():
                text = g.read_text(encoding="utf-8", errors="replace").strip()
                if text.startswith("gitdir:"):
                    target = Path(text[7:].strip())
                    return target if target.is_absolute() else (p / target).resolve()
        except OSError:
            return None
    return None


def staging_dir(target) -> Path:
    """Where the temporary files for ``target`` go: ``.git/policykit-tmp`` if usable, else its directory."""
    target = Path(target).absolute()
    git = git_dir_of(target)
    if git is not None:
        stage = git / STAGING
        try:
            stage.mkdir(exist_ok=True)
            if stage.stat().st_dev == _existing_ancestor(target.parent).stat().st_dev:
                return stage
        except OSError:
            pass
    return target.parent


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:   # a zombie (killed child not yet reaped) is dead
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _journal_entry_is_ours(entry, stage: Path, pid: str) -> bool:
    """Whether a journal entry may be acted on. Journals under the git directory are ours (a pull
    request cannot put files there). A journal beside its targets is only written where there is
    no git directory; in a git work tree such a file was planted (a pull request can carry any
    file) and is ignored, and anywhere it may only speak for regular files of its own directory
    and for backups this run made there."""
    if not isinstance(entry, dict):
        return False
    target, digest, backup = entry.get("target"), entry.get("sha256"), entry.get("backup")
    if not isinstance(target, str) or not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        return False
    if backup is not None and not isinstance(backup, str):
        return False
    if stage.name == STAGING:
        return True
    if staging_dir(stage / "_") != stage:
        return False
    target_path = Path(target)
    if target_path.parent != stage or target_path.is_symlink():
        return False
    if backup is not None:
        b = Path(backup)
        m = _BESIDE_RE.match(b.name)
        if b.parent != stage or not m or m.group(1) != pid or b.is_symlink():
            return False
    return True


def recover(*places) -> list[Path]:
    """Roll back writes of killed runs found in the staging directories of ``places``; return the
    targets put back. Leftover temporary files of dead runs are removed."""
    restored = []
    for d in _staging_dirs_of(places):
        # our files live under .git when there is one; beside the targets only where there is not
        if d.name != STAGING and staging_dir(d / "_") != d:
            continue
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for name in names:
            m = _JOURNAL_RE.match(name)
            if not m or _alive(int(m.group(1))):
                continue
            _roll_back_journal(d, d / name, m.group(1), restored)
        _remove_leftovers(d, names)
    return restored


def _staging_dirs_of(places) -> list[Path]:
    """The directories where runs writing to ``places`` may have left journals and temporary files."""
    dirs = []
    for place in places:
        place = Path(place).absolute()
        for d in (staging_dir(place / "_") if place.is_dir() else staging_dir(place),
                  place if place.is_dir() else place.parent):
            if d not in dirs and d.is_dir():
                dirs.append(d)
    return dirs


def _read_journal(journal: Path) -> dict:
    """A journal's content; an unreadable or damaged one reads as empty (it then moves nothing)."""
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))
        if not isinstance(entries, dict):
            entries = {}
    except (OSError, ValueError):
        entries = {}
    return entries


def _roll_back_journal(d: Path, journal: Path, pid: str, restored: list) -> None:
    """Undo what the dead run ``pid`` recorded in ``journal`` (newest first), then drop the journal."""
    entries = _read_journal(journal)
    for e in reversed(entries.get("entries", [])):
        if not _journal_entry_is_ours(e, d, pid):
            continue  # a planted or damaged journal never moves or deletes anything
        _roll_back_entry(e, restored)
    trusted = d.name == STAGING  # directories to remove only from our own journals
    for created in reversed(entries.get("dirs", []) if trusted else []):
        if isinstance(created, str):
            try:
                Path(created).rmdir()
            except OSError:
                pass
    _unlink_quietly(journal)


def _roll_back_entry(e: dict, restored: list) -> None:
    """Put back what was at one target, if the target still holds what the dead run wrote there."""
    target, backup = Path(e["target"]), e.get("backup")
    if _sha(target) == e["sha256"]:          # ours, not changed since: put back what was there
        try:
            if backup and Path(backup).exists():
                os.replace(backup, target)
            elif not backup:
                os.unlink(target)
            restored.append(target)
        except OSError:
            pass
    if backup:
        _unlink_quietly(Path(backup))


def _remove_leftovers(d: Path, names: list) -> None:
    """Remove the temporary files and directories of dead runs from the staging directory ``d``."""
    pattern = _STAGED_RE if d.name == STAGING else _BESIDE_RE
    for name in names:
        m = pattern.match(name)
        if m and not _alive(int(m.group(1))):
            if (d / name).is_dir() and not (d / name).is_symlink():
                import shutil
                shutil.rmtree(d / name, ignore_errors=True)
            else:
                _unlink_quietly(d / name)


# ---- writing ----------------------------------------------------------------------------------
def write_files_atomically(mapping: dict, *, protect_uncommitted: bool = False,
                           is_dirty: Callable[[Path], bool] | None = None, modes: dict | None = None) -> list[Path]:
    """Write ``{path: text}`` all or nothing; return the paths whose content changed.

    Files whose content is already ``text`` are not touched. With ``protect_uncommitted=True``,
    ``is_dirty(path)`` is asked for every existing target that would change, and if any has
    uncommitted changes nothing is written (:class:`UncommittedChangesError`). ``modes`` gives the
    permission bits of new files (``{path: 0o755}``), set before they appear.
    """
    modes = {Path(p): m for p, m in (modes or {}).items()}
    recover(*{Path(p).absolute().parent for p in mapping})
    targets = _changed_targets(mapping, modes)
    if protect_uncommitted and targets:
        _refuse_uncommitted(targets, is_dirty)
    if not targets:
        return []

    token = f"{os.getpid()}-{secrets.token_hex(6)}"
    created_dirs: list[Path] = []
    temps: list[tuple[Path, Path]] = []
    backups: dict[Path, Path] = {}
    replaced: list[Path] = []
    journal: Path | None = None
    try:
        for n, (path, data, exists) in enumerate(targets):
            created_dirs += _make_dirs(path.parent)
            _stage_target(path, data, exists, f"{token}{n}", modes, temps, backups)
        journal = _write_journal(staging_dir(targets[0][0]), token, [
            {"target": str(path.absolute()), "backup": str(backups[path].absolute()) if path in backups else None,
             "sha256": hashlib.sha256(data).hexdigest()} for path, data, _ in targets],
            [str(d.absolute()) for d in created_dirs])
        for tmp, path in temps:
            checkpoint("before-rename")
            os.replace(tmp, path)
            replaced.append(path)
        _fsync_dirs({p.parent for p in replaced})
        checkpoint("before-commit")
    except BaseException as exc:
        _undo_writes(replaced, temps, backups, created_dirs, journal)
        if isinstance(exc, OSError):
            raise InputError(f"写入失败，未做任何修改 (write failed, nothing changed): "
                             f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}") from None
        raise
    _unlink_quietly(journal)                     # the commit point: from here on the new files stay
    for bak in backups.values():
        _unlink_quietly(bak)
    return [path for path, _, _ in targets]


def _changed_targets(mapping: dict, modes: dict) -> list[tuple[Path, bytes, bool]]:
    """``(path, new bytes, exists)`` for every target whose content or requested mode would change."""
    targets = []
    for path, text in mapping.items():
        path = Path(path)
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        current = _current_bytes(path)
        if current != data or (path in modes and (path.stat().st_mode & 0o7777) != modes[path]):
            targets.append((path, data, current is not None))
    return targets


def _current_bytes(path: Path) -> bytes | None:
    """What a target holds now (None if it does not exist); a directory or unreadable target is bad input."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except (IsADirectoryError, PermissionError) as exc:
        if isinstance(exc, IsADirectoryError) or path.is_dir():
            raise InputError(f"目标是目录，无法写入文件 (target is a directory): {path}") from None
        raise InputError(f"无法读取目标文件 (cannot read target): {path}: {exc.strerror or exc}") from None
    except OSError as exc:
        raise InputError(f"无法读取目标文件 (cannot read target): {path}: {exc.strerror or exc}") from None


def _refuse_uncommitted(targets: list, is_dirty) -> None:
    """Stop before writing anything if an existing target that would change has uncommitted changes."""
    if is_dirty is None:
        raise UsageError("protect_uncommitted=True 需要 is_dirty 回调 (needs an is_dirty callable)")
    dirty = [str(p) for p, _, exists in targets if exists and is_dirty(p)]
    if dirty:
        raise UncommittedChangesError(
            "以下文件有未提交的修改，拒绝覆盖 (uncommitted changes, refusing to overwrite): " + ", ".join(dirty),
            hint="先提交或撤销这些修改（git commit / git stash），再重新运行；确需覆盖时加 --force。")


def _stage_target(path: Path, data: bytes, exists: bool, tag: str, modes: dict, temps: list, backups: dict) -> None:
    """Write one target's new content to a synced temporary file and, if it exists, keep a backup
    (a hard link, else a copy); both are recorded in ``temps``/``backups`` as soon as they exist."""
    stage = staging_dir(path)
    tmp, fd = _exclusive(stage, path, tag, ".tmp", 0o666)   # the kernel applies the umask
    temps.append((tmp, path))
    with os.fdopen(fd, "wb") as fh:
        half = len(data) // 2
        fh.write(data[:half])
        fh.flush()
        checkpoint("temp-half")
        fh.write(data[half:])
        fh.flush()
        os.fsync(fh.fileno())
    if path in modes:
        os.chmod(tmp, modes[path])
    elif exists:
        os.chmod(tmp, path.stat().st_mode & 0o7777)
    if exists:
        bak, fd = _exclusive(stage, path, tag, ".bak", 0o600)
        os.close(fd)
        os.unlink(bak)
        try:
            os.link(path, bak)
        except OSError:
            _copy(path, bak)
        backups[path] = bak


def _undo_writes(replaced: list, temps: list, backups: dict, created_dirs: list, journal) -> None:
    """After a failure before the commit point: put back every replaced target and remove every
    temporary file, backup, created directory and the journal."""
    for path in reversed(replaced):          # put back what was there
        try:
            if path in backups:
                os.replace(backups.pop(path), path)
            else:
                os.unlink(path)
        except OSError:
            pass
    for tmp, _ in temps:
        _unlink_quietly(tmp)
    for bak in backups.values():
        _unlink_quietly(bak)
    for d in reversed(created_dirs):
        try:
            d.rmdir()
        except OSError:
            pass
    if journal is not None:
        _unlink_quietly(journal)


def _write_journal(stage: Path, token: str, entries: list, dirs: list) -> Path:
    name = f"policykit-{token}.journal" if stage.name == STAGING else f".policykit-{token}.journal"
    journal = stage / name
    tmp, fd = _exclusive(stage, journal, token, ".tmp", 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"pid": os.getpid(), "entries": entries, "dirs": dirs}, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, journal)
    _fsync_dirs({stage})
    return journal


def _fsync_dirs(dirs) -> None:
    for d in dirs:
        try:
            fd = os.open(d, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def _make_dirs(directory: Path) -> list[Path]:
    """Create ``directory`` and missing parents; return the ones created (outermost first)."""
    missing = []
    d = directory
    while not d.exists():
        missing.append(d)
        if d.parent == d:
            break
        d = d.parent
    created = []
    for d in reversed(missing):
        d.mkdir()
        created.append(d)
    return created


def _exclusive(stage: Path, path: Path, token: str, suffix: str, mode: int) -> tuple[Path, int]:
    """A new file in ``stage`` for ``path`` (created exclusively) and its open descriptor. Beside the
    target it is hidden and named after it; the name always carries the writer's pid."""
    for _ in range(100):
        tag = f"{token}{secrets.token_hex(2)}"
        if stage == path.parent and stage.name != STAGING:
            candidate = stage / f".{path.name}.{tag}{suffix}"
        else:
            candidate = stage / f"{tag}{suffix}"
        try:
            return candidate, os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file beside {path}")


def _copy(src: Path, dst: Path) -> None:
    dst.write_bytes(src.read_bytes())


def _unlink_quietly(path: Path | None) -> None:
    if path is None:
        return
    try:
        os.unlink(path)
    except OSError:
        pass


# ---- directories ------------------------------------------------------------------------------
_RENAME_EXCHANGE = 2


def exchange(a, b) -> bool:
    """Swap the paths ``a`` and ``b`` in one step (Linux renameat2 RENAME_EXCHANGE); False if the
    system cannot do it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    AT_FDCWD = -100
    if fn(AT_FDCWD, os.fsencode(str(a)), AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):       # EINVAL, ENOSYS, EOPNOTSUPP: not supported here
        return False
    raise OSError(err, os.strerror(err), str(b))


def staging_directory(target) -> Path:
    """A new, empty directory to build ``target`` (a directory) in before :func:`replace_directory`."""
    target = Path(target).absolute()
    stage = staging_dir(target)
    token = f"{os.getpid()}-{secrets.token_hex(6)}"
    path = stage / (f"{token}.dir" if stage.name == STAGING else f".{target.name}.{token}.dir")
    path.mkdir()
    return path


def replace_directory(new_dir, target) -> None:
    """Put the finished directory ``new_dir`` at ``target``: the old one is swapped out in one step
    (where the system allows) and then removed, so ``target`` is always wholly old or wholly new."""
    import shutil
    new_dir, target = Path(new_dir), Path(target)
    if not target.exists():
        checkpoint("before-dir-rename")
        os.rename(new_dir, target)
        return
    checkpoint("before-dir-exchange")
    if exchange(new_dir, target):
        checkpoint("after-dir-exchange")
        shutil.rmtree(new_dir, ignore_errors=True)     # now holds the old tree
        return
    old = new_dir.with_name(new_dir.name + ".old")
    os.rename(target, old)
    os.rename(new_dir, target)
    shutil.rmtree(old, ignore_errors=True)
