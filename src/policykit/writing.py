"""Stable YAML output and all-or-nothing writing of several files.

``dump_yaml`` is the one serialiser for files policykit writes: block style, keys in the order
given, Chinese as is, dates as YAML dates, multi-line strings as literal blocks, no aliases, no
line folding. The same data always gives the same bytes, so a re-import yields no diff.

``write_files_atomically`` writes every file to a temporary file in the target's directory, then
renames each into place; if anything fails, the targets are restored and nothing is changed.
"""
from __future__ import annotations

import datetime as _dt
import os
import secrets
from pathlib import Path
from typing import Callable

import yaml

from .errors import InputError, UsageError


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


def write_files_atomically(mapping: dict, *, protect_uncommitted: bool = False,
                           is_dirty: Callable[[Path], bool] | None = None) -> list[Path]:
    """Write ``{path: text}`` all or nothing; return the paths whose content changed.

    Files whose content is already ``text`` are not touched. With ``protect_uncommitted=True``,
    ``is_dirty(path)`` is asked for every existing target that would change, and if any has
    uncommitted changes nothing is written (:class:`UncommittedChangesError`).
    """
    targets = []
    for path, text in mapping.items():
        path = Path(path)
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            current = None
        except IsADirectoryError:
            raise InputError(f"目标是目录，无法写入文件 (target is a directory): {path}") from None
        except OSError as exc:
            raise InputError(f"无法读取目标文件 (cannot read target): {path}: {exc.strerror or exc}") from None
        if current != data:
            targets.append((path, data, current is not None))
    if protect_uncommitted and targets:
        if is_dirty is None:
            raise UsageError("protect_uncommitted=True 需要 is_dirty 回调 (needs an is_dirty callable)")
        dirty = [str(p) for p, _, exists in targets if exists and is_dirty(p)]
        if dirty:
            raise UncommittedChangesError(
                "以下文件有未提交的修改，拒绝覆盖 (uncommitted changes, refusing to overwrite): " + ", ".join(dirty),
                hint="先提交或撤销这些修改，再重新运行。")

    created_dirs: list[Path] = []
    temps: list[tuple[Path, Path]] = []
    backups: dict[Path, Path] = {}
    replaced: list[Path] = []
    try:
        for path, data, exists in targets:
            created_dirs += _make_dirs(path.parent)
            tmp, fd = _exclusive(path, ".tmp", 0o666)   # the kernel applies the umask
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if exists:
                os.chmod(tmp, path.stat().st_mode & 0o7777)
                bak, fd = _exclusive(path, ".bak", 0o600)
                os.close(fd)
                os.unlink(bak)
                try:
                    os.link(path, bak)
                except OSError:
                    _copy(path, bak)
                backups[path] = bak
        for tmp, path in temps:
            os.replace(tmp, path)
            replaced.append(path)
    except BaseException as exc:
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
        if isinstance(exc, OSError):
            raise InputError(f"写入失败，未做任何修改 (write failed, nothing changed): "
                             f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}") from None
        raise
    for bak in backups.values():
        _unlink_quietly(bak)
    return [path for path, _, _ in targets]


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


def _exclusive(path: Path, suffix: str, mode: int) -> tuple[Path, int]:
    """A new hidden file beside ``path`` (created exclusively) and its open descriptor."""
    for _ in range(100):
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(6)}{suffix}")
        try:
            return candidate, os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file beside {path}")


def _copy(src: Path, dst: Path) -> None:
    dst.write_bytes(src.read_bytes())


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
