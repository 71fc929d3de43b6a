"""Turn list files into validated documents, fast: a content-keyed cache and parallel parsing.

``load_documents`` is the one place where list files are parsed and validated. It gives exactly
what ``repository.parse_and_validate`` gives — the same data (types included: dates stay dates),
the same positions of every value and key, the same problems in the same order — but:

* **a cache outside the repository.** An entry holds one file's parsed data, positions and
  problems, keyed by the file's git blob id together with its kind, the schema file's digest,
  policykit's, PyYAML's and jsonschema's versions and the loader limits, so any change to what
  could change the result is a miss. Entries live in ``$POLICYKIT_CACHE_DIR`` or
  ``$XDG_CACHE_HOME/policykit`` (default ``~/.cache/policykit``), one directory per repository
  root; ``POLICYKIT_NO_CACHE=1`` turns the cache off.
* **built-in types only, authenticated.** An entry body is a ``marshal`` dump of built-in types
  (never pickle: nothing in the cache can run); each entry carries an HMAC-SHA256 made with a
  secret kept outside any repository, checked before the body is loaded. A planted, swapped,
  truncated or otherwise corrupted entry fails the check and is ignored (the file is parsed again
  and the entry rewritten); it is never trusted.
* **packs, not one file per entry.** Entries are appended to pack files (one per writing process)
  with an authenticated index, because creating thousands of small files is the slowest part of
  a cold run on an ordinary disk; remembered results and indexes stay one small JSON file each.
* **positions on demand.** Positions are stored packed and unpacked the first time a document's
  position is asked for, which in a clean repository is almost never.
* **parallel misses.** When several megabytes miss, files are parsed and validated in forked
  worker processes (two on a 2-core machine), each with a fixed share of the files balanced by
  size; the workers append the entries to their packs and send them back, and the parent decodes
  what a later run reads, so a cold run and a warm run build their documents the same way.
* **a quick schema pre-check** (``precheck.py``). A checker generated from the schema answers
  "certainly valid" for clean documents without running python-jsonschema.
  It is strictly more demanding than jsonschema on every keyword it knows (anything it does not
  know, or any doubt, sends the document to jsonschema), so when it says valid, jsonschema would
  report nothing; otherwise jsonschema runs and its located messages are reported as before.
"""
from __future__ import annotations

import array
import datetime as _dt
import errno
import gc
import hashlib
import hmac
import itertools
import json
import marshal
import os
import secrets
import stat
import sys
import threading
import time
from pathlib import Path

from ..lists.loader import Document, check_deadline, load_deadline
from ..lists.precheck import fast_valid
from ..lists.repository import read_list_file, unreadable_problem
from ..lists.schemas import schema_digest
from ..problems import Problem
from ..lists.sources import _CLOEXEC, _NOFOLLOW, FILE_FLAGS
from .codeversion import code_digest

FORMAT = 2
PARALLEL_MIN_BYTES = 3 * 1024 * 1024     # below this, forking costs more than it saves
COUNTED_LOOKUPS = 16     # positions of one document found by counting before all its paths are indexed
PRUNE_SLACK = 256
MAX_FILE_ENTRIES = 256           # remembered results and indexes kept as files
PACK_SLACK_BYTES = 32 * 1024 * 1024
STALE_PACK_SECONDS = 600


# ---------------------------------------------------------------------------------------------
# the entry point
# ---------------------------------------------------------------------------------------------


def load_documents(root: Path, source, files, config, *, pause_gc: bool = False, store=...):
    """Yield ``(rel, kind, document, problems)`` for every file, in the given order.

    ``pause_gc``: the caller (the CLI, through ``checking.check.ProcessPolicy``) allows switching
    the cyclic garbage collector off while the files are read; a library call leaves it alone."""
    from ..lists.loader import Document
    # store: the run's store (None: no cache this run); by default the repository's own
    files = list(files)
    # parsing and decoding make millions of objects and no reference cycles: the cyclic
    # collector would rescan everything loaded so far again and again (60% of a cold parse)
    with _gc_paused(pause_gc), load_deadline(config.limits):
        unreadable, results = _load_all(root, source, files, config, store_for(root, store))
    for rel, kind in files:
        if rel in unreadable:
            yield rel, kind, Document(rel), [unreadable[rel]]
        else:
            doc, problems = results[rel]
            yield rel, kind, doc, problems


class _gc_paused:
    """``with _gc_paused(on):`` the cyclic collector is off inside the block if ``on`` (and back on
    after it if it was on); with ``on`` false, nothing is touched."""

    def __init__(self, on: bool = True):
        self.on = on

    def __enter__(self):
        self.was = gc.isenabled()
        if self.on:
            gc.disable()

    def __exit__(self, *exc):
        if self.on and self.was:
            gc.enable()


def store_for(root: Path, store=...) -> "Store | None":
    """The store a step of a run uses: the run's ``store`` when its caller passed one (None: no
    cache this run), else, for a library call that is a run of its own, the repository's store."""
    return Store.for_root(root) if store is ... else store


def _load_all(root: Path, source, files, config, store):
    """Documents and problems of ``files``: from the packs where stored, parsed (and stored) where not."""
    packs = PackStore(store) if store is not None else None
    # a partial source (a diff's changed files, identical entries blanked) reads the cache but
    # neither writes entries nobody will read again nor prunes the work tree's entries
    read_only = bool(getattr(source, "partial", False))
    written_before = store.written if store is not None else 0
    # work-tree files whose stat is unchanged need not be read at all when their entry is stored
    index = StatIndex.shared(store) if store is not None and not read_only and hasattr(source, "plain_path") else None
    entry_key = _entry_keyer(root, files, config)
    raws, keys, unreadable = _keys_of(files, source, config, index, entry_key)
    results, misses = _recalled(files, source, config, root, packs, raws, keys, unreadable, entry_key)
    if misses:
        writer = packs if packs is not None and not read_only else None
        _parse_misses(misses, raws, keys, results, config, root, store, writer)
    if index is not None:
        index.save(keep={source.plain_path(rel) for rel, _ in files} - {None})
        keys["<stat-index>"] = index.key
    if packs is not None:
        if read_only:
            packs.close()
        else:
            used = set(keys.values())
            packs.finish(used)
            store.finish(used | {packs.index_key}, since=written_before)
    return unreadable, results


def _entry_keyer(root: Path, files, config):
    """``(kind, blob) -> entry key`` for this run: the salt and each kind's schema digest, computed once."""
    salt = _salt(config)
    digests = {kind: schema_digest(kind, root) for kind in {kind for _, kind in files}}

    def entry_key(kind: str, blob: str) -> str:
        return _entry_key(salt, kind, digests[kind], blob)
    return entry_key


def _keys_of(files, source, config, index, entry_key) -> tuple[dict, dict, dict]:
    """Every file's entry key: from the stat index without reading where its stat is unchanged, else
    from its bytes (kept for parsing); files that cannot be read get their problem instead."""
    raws: dict[str, bytes] = {}
    keys: dict[str, str] = {}
    unreadable: dict[str, Problem] = {}
    for rel, kind in files:
        path = source.plain_path(rel) if index is not None else None
        blob = index.blob(path) if path is not None else None
        if blob is not None:
            keys[rel] = entry_key(kind, blob)
            continue
        try:
            raw = read_list_file(source, rel, config)
        except OSError as exc:
            unreadable[rel] = unreadable_problem(rel, exc)
            continue
        raws[rel] = raw
        blob = blob_id(raw)
        keys[rel] = entry_key(kind, blob)
        if path is not None:
            index.record(path, raw, blob)
    return raws, keys, unreadable


def _recalled(files, source, config, root, packs, raws, keys, unreadable, entry_key) -> tuple[dict, list]:
    """Documents read back from the packs, and the files that must be parsed (a damaged entry is
    dropped; a file known by its stat whose entry is gone is read after all)."""
    results: dict[str, tuple] = {}
    misses = []
    for rel, kind in files:
        if rel in unreadable or rel in results:
            continue
        body = packs.get(keys[rel]) if packs is not None else None
        if body is not None:
            decoded = _decode(rel, body, _Reparse(rel, kind, raws.get(rel), config, root, source))
            if decoded is not None:
                decoded[0]._entry = keys[rel]
                results[rel] = decoded
                continue
            packs.discard(keys[rel])
        if rel not in raws:  # known by its stat, but its entry is gone: read it after all
            try:
                raws[rel] = read_list_file(source, rel, config)
            except OSError as exc:
                unreadable[rel] = unreadable_problem(rel, exc)
                continue
            keys[rel] = entry_key(kind, blob_id(raws[rel]))
        misses.append((rel, kind))
    return results, misses


def _parse_misses(misses, raws, keys, results, config, root, store, writer) -> None:
    """Parse the files no entry answered for into ``results``, storing each entry through ``writer``."""
    for rel, kind, body, direct, stored in _parse_all(misses, raws, config, root, encode=store is not None,
                                                      store=writer, keys=keys):
        if stored is not None:
            writer.adopt(keys[rel], stored)
            store.written += 1
        elif body is not None and writer is not None:
            writer.put(keys[rel], body)
        if direct is not None:
            results[rel] = direct
            if body is not None and isinstance(direct[0], CachedDocument):
                direct[0]._entry = keys[rel]
        else:
            decoded = _decode(rel, body, _Reparse(rel, kind, raws[rel], config, root))
            if decoded is None:  # pragma: no cover - an entry we just made must decode
                from ..errors import InternalError
                raise InternalError(f"缓存条目无法读回：{rel}")
            decoded[0]._entry = keys[rel]
            results[rel] = decoded


# ---------------------------------------------------------------------------------------------
# keys
# ---------------------------------------------------------------------------------------------


def blob_id(raw: bytes) -> str:
    """The git blob id of ``raw`` (sha1 of ``blob <size>\\0`` + content)."""
    h = hashlib.sha1(b"blob %d\0" % len(raw))
    h.update(raw)
    return h.hexdigest()


_SALT: dict = {}


def _salt(config) -> str:
    """What every document entry's key shares: formats, versions, the limits and policykit's code."""
    limits = (repr(config.limits), code_digest())
    if limits not in _SALT:
        from importlib.metadata import PackageNotFoundError, version
        from .._version import __version__
        from ..lists.loader import _BaseLoader

        def ver(name):
            try:
                return version(name)
            except PackageNotFoundError:  # pragma: no cover
                return "?"
        _SALT[limits] = "|".join([f"pkc{FORMAT}", sys.version.split()[0], str(marshal.version), __version__, ver("PyYAML"), _BaseLoader.__name__,
                                  ver("jsonschema"), *limits])
    return _SALT[limits]


def _entry_key(salt: str, kind: str, schema: str, blob: str) -> str:
    return hashlib.sha256(f"{salt}|{kind}|{schema}|{blob}".encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# the store: one file per entry, header line + JSON body, HMAC over key and body
# ---------------------------------------------------------------------------------------------


def cache_base() -> Path | None:
    if os.environ.get("POLICYKIT_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("POLICYKIT_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "policykit"


def _home_base() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "policykit"


# ---- trust: only a cache nobody else could have written (git's safe.directory rule) ----------
# The MAC proves that an entry was written with the secret; that proves nothing if another user
# could have chosen the secret, or could replace it and the entries together. So the cache
# directories and the secret are used only when they belong to the current user and no one else
# may write them (the secret: nor read it); otherwise one warning line, and the check runs
# without the cache. Directories are created 0o700, the secret 0o600 with O_EXCL|O_NOFOLLOW.
# A full or read-only disk likewise costs only speed: one warning, the check goes on uncached.

_WARNED: set = set()
_QUIET = [False]          # forked parse workers leave the warning to the parent


def _warn(message: str) -> None:
    """One line on stderr, once per process and message."""
    if _QUIET[0] or message in _WARNED:
        return
    _WARNED.add(message)
    try:
        sys.stderr.write(f"policykit: 警告 (warning): {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # pragma: no cover - no stderr to speak to
        pass


def _write_failed(directory, exc: OSError) -> None:
    _warn(f"无法写入缓存目录 {directory}（{exc.strerror or exc}），本次检查不使用缓存继续 "
          f"(cannot write the cache: continuing without it)")


class _Untrusted(Exception):
    """A cache directory or secret that someone else could have written."""

    def __init__(self, what: str, fix: str, english: str):
        super().__init__(what)
        self.what, self.fix, self.english = what, fix, english

    def warning(self) -> str:
        return f"{self.what}，本次不使用缓存；{self.fix} ({self.english}: running without the cache)"


def _trusted_dir(path: Path) -> None:
    """Create ``path`` (0o700) if missing; ``_Untrusted`` unless it is a directory of the current
    user that neither its group nor others may write. A link to such a directory is fine."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        st = os.stat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise _Untrusted(f"缓存目录 {path} 不是目录", "请删除它或用 POLICYKIT_CACHE_DIR 另选目录",
                         "cache path is not a directory")
    if st.st_uid != os.geteuid():
        raise _Untrusted(f"缓存目录 {path} 不属于当前用户（属主 uid {st.st_uid}）",
                         "请删除该目录或用 POLICYKIT_CACHE_DIR 另选自己的目录",
                         "cache directory owned by another user")
    if st.st_mode & 0o022:
        raise _Untrusted(f"缓存目录 {path} 可被同组或其他用户写入（{stat.filemode(st.st_mode)}）",
                         f"请执行 chmod go-w {path}", "cache directory writable by group or others")


class Store:
    def __init__(self, directory: Path, secret: bytes):
        self.dir = directory
        self._dir = str(directory)
        self.secret = secret
        self.written = 0
        self.rejected = 0
        self.hits = 0
        self.broken = False        # a write failed (full or read-only disk): write no more this run

    @classmethod
    def for_root(cls, root: Path) -> "Store | None":
        """The store of the repository at ``root``, or None: no cache configured, or a cache
        directory or secret another user could have written (with one warning line), or one that
        cannot be created (full or read-only disk, with one warning line)."""
        base = cache_base()
        if base is None:
            return None
        root = Path(root).resolve()
        try:
            base_resolved = Path(os.path.realpath(base))
            # the secret never lives inside a repository: a pull request could otherwise ship both
            secret_dir = _home_base() if base_resolved.is_relative_to(root) else base
            _trusted_dir(base)
            if secret_dir != base:
                _trusted_dir(secret_dir)
            secret = _secret(secret_dir)
            directory = base / hashlib.sha256(str(root).encode("utf-8")).hexdigest()[:16]
            fresh = not os.path.lexists(directory)
            _trusted_dir(directory)
            try:
                os.utime(directory)  # marks this repository's entries as recently used
            except OSError:  # a read-only cache is still read
                pass
            if fresh:
                _prune_roots(base, keep=directory)
        except _Untrusted as exc:
            _warn(exc.warning())
            return None
        except OSError as exc:
            _write_failed(base, exc)
            return None
        if secret is None:
            return None
        return cls(directory, secret)

    def _failed(self, exc: OSError) -> None:
        self.broken = True
        _write_failed(self.dir, exc)

    def _path(self, key: str) -> str:
        return os.path.join(self._dir, key[:2], key[2:] + ".json")

    def _mac(self, key: str, body: bytes) -> str:
        return hmac.new(self.secret, key.encode("ascii") + b"\n" + body, hashlib.sha256).hexdigest()

    def _record(self, key: str, body: bytes) -> bytes:
        """An entry as stored: a header line (format, key, size, MAC over key and body), then the body."""
        header = json.dumps({"format": FORMAT, "key": key, "size": len(body), "mac": self._mac(key, body)})
        return header.encode("ascii") + b"\n" + body

    def _verified(self, key: str, raw: bytes) -> bytes | None:
        """The body of a stored record if it is what this store wrote for ``key``, else None."""
        try:
            head, _, body = raw.partition(b"\n")
            header = json.loads(head)
            if (not isinstance(header, dict) or header.get("format") != FORMAT or header.get("key") != key
                    or header.get("size") != len(body)
                    or not hmac.compare_digest(str(header.get("mac", "")), self._mac(key, body))):
                self.rejected += 1
                return None
        except (ValueError, TypeError, UnicodeDecodeError):
            self.rejected += 1
            return None
        self.hits += 1
        return body

    def get(self, key: str) -> bytes | None:
        try:
            with open(self._path(key), "rb") as fh:
                raw = fh.read()
        except OSError:
            return None
        return self._verified(key, raw)

    def put(self, key: str, body: bytes) -> None:
        if self.broken:
            return
        path = self._path(key)
        tmp = f"{path}.{secrets.token_hex(4)}.tmp"
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
            try:
                _write_all(fd, self._record(key, body))
            finally:
                os.close(fd)
            os.replace(tmp, path)
            self.written += 1
        except OSError as exc:  # a read-only or full disk only costs speed
            self._failed(exc)
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def discard(self, key: str) -> None:
        try:
            os.unlink(self._path(key))
        except OSError:
            pass

    def finish(self, used: set, since: int = 0) -> None:
        """Keep the ``MAX_FILE_ENTRIES`` most recently written single-file entries (remembered
        results, the stat index, the pack index): older ones are results nobody will ask for again.
        Nothing to do unless entries were written (``since``: the count of writes when loading began)."""
        if self.written <= since:
            return
        entries = []
        try:
            for sub in os.scandir(self.dir):
                if sub.is_dir() and len(sub.name) == 2:
                    for e in os.scandir(sub.path):
                        if e.name.endswith(".json") and not e.name.startswith("."):
                            entries.append((e.stat().st_mtime_ns, sub.name + e.name[:-5], e.path))
        except OSError:  # pragma: no cover
            return
        if len(entries) <= MAX_FILE_ENTRIES:
            return
        entries.sort(reverse=True)
        for _, key, path in entries[MAX_FILE_ENTRIES:]:
            if key not in used:
                try:
                    os.unlink(path)
                except OSError:  # pragma: no cover
                    pass


class PackStore:
    """The entries of one file each (parsed documents), appended to pack files instead of one
    file per entry: creating two thousand small files costs a second on an ordinary disk, appending
    to one costs nothing. Each record is stored as the store writes it (header with the HMAC, then
    the body) and checked the same way on every read; an authenticated index in the store says
    where each key's record is. Every process appends to a pack of its own (forked workers
    included), so no two writers share a file; the parent adopts the workers' records into the
    index. A record that fails its check, a missing pack or a damaged index is a miss: the file is
    parsed again, nothing is trusted that this store did not write.
    """

    def __init__(self, store: Store):
        self.store = store
        self.dir = os.path.join(store._dir, "packs")
        self.index_key = hashlib.sha256(f"pk-pack-index{FORMAT}".encode()).hexdigest()
        self.index: dict = {}
        self.added: dict = {}
        self._readers: dict = {}
        self._writer = None          # [pid, name, descriptor, size written]
        body = store.get(self.index_key)
        if body is not None:
            try:
                data = json.loads(body)
                entries = data.get("entries") if isinstance(data, dict) else None
                if isinstance(entries, dict):
                    self.index = entries
            except ValueError:
                self.index = {}

    def get(self, key: str) -> bytes | None:
        return self._read(key, self.added.get(key) or self.index.get(key))

    def _read(self, key: str, where) -> bytes | None:
        if not (isinstance(where, list) and len(where) == 3 and isinstance(where[0], str)
                and type(where[1]) is int and type(where[2]) is int and where[1] >= 0 and where[2] > 0):
            return None
        name, offset, length = where
        if "/" in name or os.sep in name or name.startswith(".") or not name.endswith(".pack"):
            return None
        try:
            fh = self._readers.get(name)
            if fh is None:
                fh = self._readers[name] = open(os.path.join(self.dir, name), "rb")
            raw = os.pread(fh.fileno(), length, offset)
        except OSError:
            return None
        return self.store._verified(key, raw)

    def put(self, key: str, body: bytes) -> list | None:
        """Append ``key``'s record to this process's pack; its location, or None (disk trouble)."""
        if self.store.broken:
            return None
        record = self.store._record(key, body)
        try:
            writer = self._writer
            if writer is None or writer[0] != os.getpid():
                os.makedirs(self.dir, mode=0o700, exist_ok=True)
                name = f"{time.time_ns():x}-{os.getpid()}-{secrets.token_hex(4)}.pack"
                fd = os.open(os.path.join(self.dir, name),
                             os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _NOFOLLOW | _CLOEXEC, 0o600)
                writer = self._writer = [os.getpid(), name, fd, 0]
            offset = writer[3]
            _write_all(writer[2], record)   # unbuffered: nothing is left to fail at close
        except OSError as exc:  # a read-only or full disk only costs speed
            self.store._failed(exc)
            return None
        writer[3] = offset + len(record)
        where = [writer[1], offset, len(record)]
        self.added[key] = where
        self.store.written += 1
        return where

    def adopt(self, key: str, where) -> None:
        """Record where a worker process appended ``key``."""
        self.added[key] = list(where)

    def discard(self, key: str) -> None:
        self.index.pop(key, None)
        self.added.pop(key, None)

    def close(self) -> None:
        for fh in self._readers.values():
            fh.close()
        self._readers.clear()
        if self._writer is not None and self._writer[0] == os.getpid():
            try:
                os.close(self._writer[2])
            except OSError:  # pragma: no cover
                pass
        self._writer = None

    def finish(self, used: set) -> None:
        """Save the index when it changed; once unused records clearly outweigh used ones, copy the
        used ones into a fresh pack and delete the old packs. Packs nobody indexes (a killed run's)
        are deleted once they are ten minutes old; a concurrent run's fresh pack is left alone."""
        self.close()
        sizes: dict = {}
        try:
            for e in os.scandir(self.dir):
                if e.name.endswith(".pack"):
                    st = e.stat()
                    sizes[e.name] = (st.st_size, st.st_mtime)
        except OSError:
            pass
        index = {k: v for k, v in {**self.index, **self.added}.items()
                 if isinstance(v, list) and len(v) == 3 and v[0] in sizes}
        live = sum(v[2] for k, v in index.items() if k in used)
        total = sum(size for size, _ in sizes.values())
        superseded: set = set()
        if total > 2 * live + PACK_SLACK_BYTES or len(index) > 3 * len(used) + PRUNE_SLACK:
            before = {v[0] for v in index.values()}
            index = self._repack({k: v for k, v in index.items() if k in used})
            superseded = before - {v[0] for v in index.values()}
        if index != self.index:
            self.store.put(self.index_key, json.dumps({"entries": index}, separators=(",", ":")).encode("utf-8"))
        self.index, self.added = index, {}
        referenced = {v[0] for v in index.values()}
        now = time.time()
        for name, (_, mtime) in sizes.items():
            if name in superseded or (name not in referenced and now - mtime > STALE_PACK_SECONDS):
                try:
                    os.unlink(os.path.join(self.dir, name))
                except OSError:  # pragma: no cover
                    pass

    def _repack(self, live: dict) -> dict:
        out = {}
        for key in sorted(live, key=lambda k: (live[k][0], live[k][1])):
            body = self._read(key, live[key])
            if body is not None:
                where = self.put(key, body)
                if where is not None:
                    out[key] = where
        self.close()
        return out


class StatIndex:
    """Blob ids of work-tree files whose stat is what it was when they were hashed (git's index).

    A file is identified by (size, mtime, ctime, inode); ctime changes on every write and cannot be
    set by a user. An entry is trusted only if the file had not been modified for a while when it
    was hashed ("racily clean" files are hashed again), so an edit is never mistaken for the old
    content. Kept as one authenticated entry of the store; without a store nothing is remembered.
    """

    RACY_NS = 2_000_000_000

    def __init__(self, store: "Store | None"):
        self.store = store
        self.key = hashlib.sha256(f"pk-stat-index{FORMAT}".encode()).hexdigest()
        self.entries: dict = {}
        self.changed = False
        if store is not None:
            body = store.get(self.key)
            if body is not None:
                try:
                    data = json.loads(body)
                    if isinstance(data, dict) and isinstance(data.get("files"), dict):
                        self.entries = data["files"]
                except ValueError:
                    self.entries = {}

    @classmethod
    def shared(cls, store: "Store | None") -> "StatIndex":
        """One index per store and process: the memo key and the loader of one check ask the same
        index instead of reading it twice. Entries are checked against each file's stat on every
        question, so an index kept in memory is exactly as safe as one read again."""
        if store is None:
            return cls(None)
        index = _STAT_INDEXES.get(store._dir)
        if index is None or index.store.secret != store.secret:
            index = _STAT_INDEXES[store._dir] = cls(store)
        return index

    @staticmethod
    def _stamp(st) -> list:
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]

    def blob(self, path: str, st=None) -> str | None:
        """The blob id of the regular file at ``path`` if its stat (``st``: its ``lstat`` if the
        caller has it) still matches, else None."""
        if st is None:
            try:
                st = os.lstat(path)
            except OSError:
                return None
        entry = self.entries.get(path)
        if not isinstance(entry, list) or len(entry) != 3:
            return None
        stamp, blob, hashed_at = entry
        if stamp != self._stamp(st) or not isinstance(blob, str) or not isinstance(hashed_at, int) \
                or st.st_mtime_ns >= hashed_at - self.RACY_NS or st.st_ctime_ns >= hashed_at - self.RACY_NS:
            return None
        return blob

    def record(self, path: str, raw: bytes, blob: str) -> None:
        """Remember ``blob`` for ``path`` when the file still is what was read (same size)."""
        try:
            st = os.lstat(path)
        except OSError:
            return
        if st.st_size != len(raw):
            return
        self.entries[path] = [self._stamp(st), blob, time.time_ns()]
        self.changed = True

    def save(self, keep=None) -> None:
        if self.store is None or not self.changed:
            return
        if keep is not None:
            self.entries = {k: v for k, v in self.entries.items() if k in keep}
        self.store.put(self.key, json.dumps({"files": self.entries}, separators=(",", ":")).encode("utf-8"))
        self.changed = False


_STAT_INDEXES: dict = {}


MAX_ROOTS = 32


def _prune_roots(base: Path, keep: Path) -> None:
    """Keep the entries of the ``MAX_ROOTS`` most recently used repositories (temporary
    repositories, e.g. in test runs, would otherwise pile up under the cache directory)."""
    try:
        roots = [e for e in os.scandir(base) if e.is_dir(follow_symlinks=False) and len(e.name) == 16
                 and all(c in "0123456789abcdef" for c in e.name) and e.path != str(keep)]
        if len(roots) < MAX_ROOTS:
            return
        roots.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime, reverse=True)
        import shutil
        for e in roots[MAX_ROOTS - 1:]:
            shutil.rmtree(e.path, ignore_errors=True)
    except OSError:  # pragma: no cover
        pass


SECRET_MAX_BYTES = 4096


def _secret(directory: Path) -> bytes | None:
    """The store's secret in ``directory`` (made on first use), or None when none can be made.
    ``_Untrusted`` when the file is a link, not a regular file, not the current user's, or open
    to anyone else (it is opened with O_NOFOLLOW|O_NONBLOCK and checked by fstat before reading)."""
    path = directory / "secret"
    for _ in range(2):
        try:
            fd = os.open(path, FILE_FLAGS)
        except FileNotFoundError:
            data = _new_secret(path, replace=False)
            if data is not None:
                return data
            continue            # another process made it meanwhile: read that one
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENXIO):
                raise _Untrusted(f"缓存密钥 {path} 是符号链接或特殊文件", "请删除该文件",
                                 "cache secret is a link or not a regular file") from None
            raise
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise _Untrusted(f"缓存密钥 {path} 不是普通文件", "请删除该文件", "cache secret is not a regular file")
            if st.st_uid != os.geteuid():
                raise _Untrusted(f"缓存密钥 {path} 不属于当前用户（属主 uid {st.st_uid}）", "请删除该文件",
                                 "cache secret owned by another user")
            if st.st_mode & 0o077:
                raise _Untrusted(f"缓存密钥 {path} 可被其他用户读写（{stat.filemode(st.st_mode)}）",
                                 f"请删除该文件或执行 chmod 600 {path}", "cache secret open to other users")
            data = os.read(fd, SECRET_MAX_BYTES).strip()
        finally:
            os.close(fd)
        if len(data) >= 32:
            return data
        return _new_secret(path, replace=True)   # damaged (an older version's interrupted write)
    return None


def _new_secret(path: Path, *, replace: bool) -> bytes | None:
    """A fresh secret, written whole to a private temporary file (0o600, O_EXCL|O_NOFOLLOW) and
    then linked into place, so no reader ever sees half a secret; None if another process linked
    its own first. ``replace``: put it over a damaged one instead."""
    data = secrets.token_hex(32).encode("ascii")
    tmp = path.with_name(f".secret-{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp, path)
            return data
        try:
            os.link(tmp, path)
        except FileExistsError:
            return None
        except OSError:   # a file system without hard links
            os.replace(tmp, path)
        return data
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` until done); a short write with no error is
    treated as a full disk."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[n:]


# ---------------------------------------------------------------------------------------------
# parsing, serially or in worker processes
# ---------------------------------------------------------------------------------------------


def parse_and_validate(rel: str, kind: str, raw: bytes, config, root: Path):
    """``repository.parse_and_validate`` with the quick schema pre-check in front of jsonschema.

    Files in the plain block style are read by ``fastyaml`` when it is certain to give what the
    located loader gives (same data and types, no problem, the same positions); every other file —
    any file with a problem included — is read by the located loader, whose messages are the ones
    users see.
    """
    from .fastyaml import load as fast_load
    from ..lists.loader import load_bytes
    from ..lists.schemas import validate
    check_deadline(rel)
    fast = fast_load(raw, config.limits)
    if fast is not None:
        data, pos, kpos, dates = fast
        doc = CachedDocument(rel, data, problems=[])
        doc._packed = (pos, kpos, len(pos) // 2, len(kpos) // 2)
        doc._reparse = _Reparse(rel, kind, raw, config, root)
        doc._dates = dates
        problems = [] if fast_valid(kind, root, data) else validate(doc, kind, root, config.limits)
        return doc, problems
    doc = load_bytes(raw, rel, config.limits)
    problems = list(doc.problems)
    if doc.data is not None and not fast_valid(kind, root, doc.data):
        problems.extend(validate(doc, kind, root, config.limits))
    return doc, problems


def _work(rel, kind, raw, config, root, store, keys):
    """Parse, validate and encode one file in a worker; the worker appends the entry to its pack."""
    doc, problems = parse_and_validate(rel, kind, raw, config, root)
    body = _encode(doc, problems)
    if body is None:
        return rel, kind, None, (doc, problems), None
    stored = store.put(keys[rel], body) if store is not None else None
    return rel, kind, body, None, stored


def _workers() -> int:
    env = os.environ.get("POLICYKIT_LOAD_WORKERS")
    if env is not None:
        try:
            return max(0, int(env))
        except ValueError:
            return 0
    return min(2, os.cpu_count() or 1)


def _shares(misses, raws, n: int) -> list[list]:
    """``misses`` split into ``n`` shares of about equal bytes (largest first into the lightest)."""
    shares: list[list] = [[] for _ in range(n)]
    weights = [0] * n
    for rel, kind in sorted(misses, key=lambda m: -len(raws[m[0]])):
        i = weights.index(min(weights))
        shares[i].append((rel, kind))
        weights[i] += len(raws[rel])
    return shares


def _worker_main(share, raws, config, root, store, keys, conn):  # pragma: no cover - a forked child
    gc.disable()  # a worker only parses; its objects are freed by reference counting
    _QUIET[0] = True  # a failed write is the parent's to report (it writes what the worker could not)
    try:
        for rel, kind in share:
            conn.send(_work(rel, kind, raws[rel], config, root, store, keys))
        conn.send(None)
    finally:
        conn.close()
        os._exit(0)


def _parse_all(misses, raws, config, root, *, encode: bool, store=None, keys=None):
    """Yield ``(rel, kind, body, direct, stored)``: a cache entry body, or the parsed (document,
    problems); ``stored``: where a worker already appended the entry (``PackStore.put``), or None.

    With several megabytes to parse, forked workers each take a fixed share of the files (split by
    size) — the files they inherit, nothing sent to them — and stream their results back; the
    parent decodes as they arrive. (A shared task queue cost more in the parent's feeding thread
    than it saved in balance.) If a worker dies, the parent parses what it did not send."""
    total = sum(len(raws[rel]) for rel, _ in misses)
    workers = _workers()
    if workers >= 2 and len(misses) >= 2 and total >= PARALLEL_MIN_BYTES and hasattr(os, "fork") \
            and threading.active_count() == 1:
        import multiprocessing as mp
        from multiprocessing.connection import wait
        ctx = mp.get_context("fork")
        running = {}
        left: list = []
        try:
            for share in _shares(misses, raws, workers):
                reader, writer = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker_main, args=(share, raws, config, root, store, keys, writer),
                                   daemon=True)
                proc.start()
                writer.close()
                running[reader] = (proc, {rel for rel, _ in share}, share)
            while running:
                for reader in wait(list(running)):
                    proc, todo, share = running[reader]
                    try:
                        item = reader.recv()
                    except (EOFError, OSError):
                        item = EOFError
                    if item is None or item is EOFError:
                        reader.close()
                        proc.join()
                        del running[reader]
                        left.extend((rel, kind) for rel, kind in share if rel in todo)
                        continue
                    todo.discard(item[0])
                    yield item
        finally:
            for reader, (proc, _, _) in running.items():  # the consumer stopped early
                proc.terminate()
                proc.join()
                reader.close()
        misses = left  # what a dead worker did not send: parsed here
    for rel, kind in misses:
        doc, problems = parse_and_validate(rel, kind, raws[rel], config, root)
        body = _encode(doc, problems) if encode else None
        yield rel, kind, body, (doc, problems), None


class _Reparse:
    """How to rebuild one document from its bytes, should a stored entry turn out unusable."""

    __slots__ = ("rel", "kind", "raw", "config", "root", "source")

    def __init__(self, rel, kind, raw, config, root, source=None):
        self.rel, self.kind, self.raw, self.config, self.root = rel, kind, raw, config, root
        self.source = source

    def __call__(self):
        from ..lists.loader import load_bytes  # the located loader: the reference for positions
        try:
            raw = self.raw if self.raw is not None else read_list_file(self.source, self.rel, self.config)
        except OSError:  # the file went away or turned into something refused since: no positions
            from ..lists.loader import Document
            return Document(self.rel)
        return load_bytes(raw, self.rel, self.config.limits)


# ---------------------------------------------------------------------------------------------
# entry bodies: data (dates as ISO strings plus a list of where they were), packed positions
# ---------------------------------------------------------------------------------------------

_LEAVES = (str, int, float, bool, type(None))


class _Uncacheable(Exception):
    pass


def _walk_orders(data, dates: list | None = None) -> tuple[list, list]:
    """``(value paths, key paths)`` of ``data`` in the orders ``lists.positions`` defines
    (``value_paths`` and ``key_paths``: one depth-first walk, each key met just before its value),
    in one pass: how the cache pairs packed positions with paths, writing an entry and reading it back.

    The hot copy of the reference walk: iterative (no recursion limit, no generator per node) and,
    with ``dates`` (writing an entry), also where every date and timestamp is (``[path, "d" | "t",
    isoformat]``, appended in value order) and a check that the data can be stored exactly
    (``_Uncacheable`` for a key that is not text or a leaf of another type)."""
    pos: list = []
    keys: list = []
    stack = [((), data)]
    pop, push, value, key = stack.pop, stack.append, pos.append, keys.append
    while stack:
        path, node = pop()
        if path is None:      # marker: a key, emitted before its value's subtree
            key(node)
            continue
        value(path)
        t = type(node)
        if t is dict:
            if dates is not None and any(type(k) is not str for k in node):
                raise _Uncacheable
            for k, v in reversed(node.items()):
                child = path + (k,)
                push((child, v))
                push((None, child))
        elif t is list:
            stack.extend(reversed([(path + (i,), v) for i, v in enumerate(node)]))
        elif dates is not None:
            if t is _dt.datetime:
                dates.append([list(path), "t", node.isoformat()])
            elif t is _dt.date:
                dates.append([list(path), "d", node.isoformat()])
            elif t not in _LEAVES:
                raise _Uncacheable
    return pos, keys


def _subtree_sizes(node, sizes: dict) -> tuple[int, int]:
    """(nodes, keys) under ``node`` inclusive, containers' sizes by id: the counting form of the
    orders ``lists.positions`` defines, so that a path's index in ``value_paths`` and ``key_paths``
    can be found without listing every path (``CachedDocument._indexes``; a key counts before the
    keys under its value)."""
    t = type(node)
    if t is dict:
        n, k = 1, 0
        for v in node.values():
            cn, ck = _subtree_sizes(v, sizes)
            n += cn
            k += 1 + ck
    elif t is list:
        n, k = 1, 0
        for v in node:
            cn, ck = _subtree_sizes(v, sizes)
            n += cn
            k += ck
    else:
        return 1, 0
    sizes[id(node)] = (n, k)
    return n, k


def _pack(pairs) -> bytes:
    return _pack_array(array.array("I", itertools.chain.from_iterable(pairs)))


def _pack_array(arr: array.array) -> bytes:
    # uncompressed: compressing cost an eighth of a cold worker's time for 7 MB less on disk
    return arr.tobytes()


def _unpack(packed: bytes) -> array.array:
    if type(packed) is not bytes or len(packed) % array.array("I").itemsize:
        raise ValueError("packed positions are whole unsigned ints")
    arr = array.array("I")
    arr.frombytes(packed)
    return arr


class _dates_as_text:
    """The document's data with its dates (``[path, "d"|"t", iso]``) written as ISO text for the
    time it takes to serialise it, then put back: marshal stores only built-in types."""

    def __init__(self, data, dates):
        self.data, self.dates, self.saved = data, dates, []

    def __enter__(self):
        data = self.data
        for path, _, iso in self.dates:
            if not path:
                self.saved.append(((), None, data))
                data = iso
                continue
            parent = data
            for part in path[:-1]:
                parent = parent[part]
            self.saved.append((path, parent, parent[path[-1]]))
            parent[path[-1]] = iso
        return data

    def __exit__(self, *exc):
        for path, parent, value in reversed(self.saved):
            if path:
                parent[path[-1]] = value


def _encode(doc, problems) -> bytes | None:
    """The entry body for a parsed document, or None if its data cannot be stored exactly.

    A ``marshal`` dump (built-in types only; read back several times faster than JSON, and only
    after the store checked its MAC, so only what policykit wrote is ever loaded) of the data with
    dates as ISO text plus where they were, the packed positions and the problems."""
    try:
        body = {"data": None, "dates": [], "pos": None, "kpos": None, "n": 0, "k": 0,
                "xpos": None, "xkpos": None, "dp": len(doc.problems),
                "problems": [p.as_row() for p in problems]}
        if any(p.file != doc.file for p in problems) or problems[: len(doc.problems)] != doc.problems:
            return None
        packed = False
        fast = getattr(doc, "_dates", None) is not None and doc._packed is not None
        if fast and doc.data is not None:
            # read by fastyaml: positions are already flat arrays in the walker's order
            pos, kpos, n, k = doc._packed
            body["dates"] = [[list(path), t, iso] for path, t, iso in doc._dates]
            body["pos"], body["kpos"], body["n"], body["k"] = _pack_array(pos), _pack_array(kpos), n, k
            packed = True
        elif doc.data is not None:
            pos_paths, keys = _walk_orders(doc.data, body["dates"])
            # the loader records positions in exactly these orders; anything else is stored verbatim
            if list(doc.positions) == pos_paths and list(doc.key_positions) == keys:
                body["pos"] = _pack(doc.positions.values())
                body["kpos"] = _pack(doc.key_positions.values())
                body["n"], body["k"] = len(pos_paths), len(keys)
                packed = True
        if not packed:
            body["xpos"] = [[list(p), lc[0], lc[1]] for p, lc in doc.positions.items()]
            body["xkpos"] = [[list(p), lc[0], lc[1]] for p, lc in doc.key_positions.items()]
        with _dates_as_text(doc.data, body["dates"]) as data:
            body["data"] = data
            return marshal.dumps(body)
    except (_Uncacheable, TypeError, ValueError, OverflowError, RecursionError):
        return None


def _decode(rel: str, body: bytes, reparse) -> tuple | None:
    """``(document, problems)`` from an entry body, or None if the body is not what we write."""
    try:
        obj = marshal.loads(body)
        data = obj["data"]
        for path, t, iso in obj["dates"]:
            parent = data
            for part in path[:-1]:
                parent = parent[part]
            last = path[-1] if path else None
            current = parent[last] if path else parent
            if not isinstance(current, str) or current != iso:
                return None
            value = _dt.datetime.fromisoformat(iso) if t == "t" else _dt.date.fromisoformat(iso)
            if t == "d" and type(value) is not _dt.date:
                return None
            if path:
                parent[last] = value
            else:
                data = value
        problems = []
        for row in obj["problems"]:
            line, col, jpath, rule, severity, message, waived = row
            if not (type(line) is int and type(col) is int and isinstance(jpath, str) and isinstance(rule, str)
                    and isinstance(severity, str) and isinstance(message, str)
                    and (waived is None or isinstance(waived, str))):
                return None
            problems.append(Problem(rel, line, col, jpath, rule, severity, message, waived))
        dp = obj["dp"]
        if type(dp) is not int or not 0 <= dp <= len(problems):
            return None
        doc = CachedDocument(rel, data, problems=problems[:dp])
        if obj["pos"] is not None:
            if not (type(obj["pos"]) is bytes and type(obj["kpos"]) is bytes
                    and type(obj["n"]) is int and type(obj["k"]) is int):
                return None
            doc._packed = (obj["pos"], obj["kpos"], obj["n"], obj["k"])
            doc._reparse = reparse
        else:
            doc.positions = {tuple(p): (int(l), int(c)) for p, l, c in obj["xpos"]}
            doc.key_positions = {tuple(p): (int(l), int(c)) for p, l, c in obj["xkpos"]}
        return doc, problems
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, EOFError):
        return None


class CachedDocument(Document):
    """A Document read from the cache: positions are unpacked on first use."""

    _memo = None   # the LocationMemo of the check running now (remembered_locations), if any

    def __init__(self, file, data=None, positions=None, key_positions=None, problems=None):
        self.file = file
        self.data = data
        self.problems = problems if problems is not None else []
        self._positions = positions
        self._key_positions = key_positions
        self._packed = None
        self._reparse = None
        self._dates = None  # set when fastyaml read the file: where its dates are
        self._counts = None
        self._entry = None  # the cache entry key it was read from (its bytes, kind, schema, code)
        self._asked = 0     # positions found by counting (past a few, one index of every path)

    def _unpack(self):
        packed, self._packed = self._packed, None
        try:
            pos_text, kpos_text, n, k = packed
            pos_paths, keys = _walk_orders(self.data)
            pos = _unpack(pos_text) if isinstance(pos_text, bytes) else pos_text
            kpos = _unpack(kpos_text) if isinstance(kpos_text, bytes) else kpos_text
            if len(pos_paths) != n or len(keys) != k or len(pos) != 2 * n or len(kpos) != 2 * k:
                raise ValueError("packed positions do not fit the data")
            it = iter(pos)
            self._positions = {p: (line, col) for p, line, col in zip(pos_paths, it, it)}
            it = iter(kpos)
            self._key_positions = {p: (line, col) for p, line, col in zip(keys, it, it)}
        except (ValueError, TypeError, RecursionError):
            fresh = self._reparse()  # never trust a broken entry: parse the file again
            self._positions, self._key_positions = fresh.positions, fresh.key_positions
        self._reparse = None

    # a few positions are usually all that is asked (where the problems are): find them by
    # counting nodes and keys instead of building a dictionary of every path in the file
    def _counted(self):
        """(pos array, kpos array, sizes) once the packed arrays are checked against the data."""
        if self._counts is None:
            pos_text, kpos_text, n, k = self._packed
            pos = _unpack(pos_text) if isinstance(pos_text, bytes) else pos_text
            kpos = _unpack(kpos_text) if isinstance(kpos_text, bytes) else kpos_text
            sizes: dict = {}
            total = _subtree_sizes(self.data, sizes)
            if total != (n, k) or len(pos) != 2 * n or len(kpos) != 2 * k:
                raise ValueError("packed positions do not fit the data")
            self._counts = (pos, kpos, sizes)
        return self._counts

    def _indexes(self, path):
        """(node index, key index or None, path found) of the deepest existing prefix of ``path``."""
        pos, kpos, sizes = self._counted()
        node, index, key_index, keys_before = self.data, 0, None, 0
        for depth, step in enumerate(path):
            t = type(node)
            if t is dict and type(step) is str and step in node:
                index += 1
                for k, v in node.items():
                    if k == step:
                        break
                    cn, ck = sizes.get(id(v), (1, 0))
                    index += cn
                    keys_before += 1 + ck
                key_index = keys_before
                keys_before += 1
                node = node[step]
            elif t is list and type(step) is int and 0 <= step < len(node):
                index += 1
                for v in node[:step]:
                    cn, ck = sizes.get(id(v), (1, 0))
                    index += cn
                    keys_before += ck
                key_index = None
                node = node[step]
            else:
                return index, None, path[:depth]
        return index, key_index, tuple(path)

    def position(self, path):
        memo = self._memo if self._entry is not None else None
        if memo is not None:
            return memo.ask(self._entry, "p", path, self._position)
        return self._position(path)

    def key_position(self, path):
        memo = self._memo if self._entry is not None else None
        if memo is not None:
            return memo.ask(self._entry, "k", path, self._key_position)
        return self._key_position(path)

    def _position(self, path):
        self._asked += 1
        if self._packed is None or self._asked > COUNTED_LOOKUPS:
            return super().position(path)  # many problems in one file: each O(1) once indexed
        try:
            index, _, _ = self._indexes(tuple(path))
            pos = self._counts[0]
            return (pos[2 * index], pos[2 * index + 1])
        except (ValueError, TypeError, RecursionError, IndexError):
            return super().position(path)  # unpacks, re-parsing the file if the entry is broken

    def _key_position(self, path):
        self._asked += 1
        if self._packed is None or self._asked > COUNTED_LOOKUPS:
            return super().key_position(path)
        try:
            path = tuple(path)
            index, key_index, found = self._indexes(path)
            if key_index is not None and found == path:
                kpos = self._counts[1]
                return (kpos[2 * key_index], kpos[2 * key_index + 1])
            return self._position(path)
        except (ValueError, TypeError, RecursionError, IndexError):
            return super().key_position(path)

    @property
    def positions(self):
        if self._packed is not None:
            self._unpack()
        if self._positions is None:
            self._positions = {}
        return self._positions

    @positions.setter
    def positions(self, value):
        self._positions = value

    @property
    def key_positions(self):
        if self._packed is not None:
            self._unpack()
        if self._key_positions is None:
            self._key_positions = {}
        return self._key_positions

    @key_positions.setter
    def key_positions(self, value):
        self._key_positions = value


class LocationMemo:
    """Positions asked of cached documents, remembered between checks by the document's entry key
    (its bytes, kind, schema and policykit's code) and the path asked. After an edit, the problems in
    the files that did not change are located without counting through those files again; a file
    that changed has another entry key, so nothing stale is ever answered. Kept as one
    authenticated entry of the store, holding only what the last check asked."""

    def __init__(self, store: "Store | None"):
        self.store = store
        self.key = hashlib.sha256(f"pk-locations{FORMAT}".encode()).hexdigest()
        self.known: dict = {}
        self.asked: dict = {}
        self.changed = False
        body = store.get(self.key) if store is not None else None
        if body is not None:
            try:
                data = json.loads(body)
                if isinstance(data, dict):
                    self.known = data
            except ValueError:
                self.known = {}

    def ask(self, entry: str, which: str, path, compute):
        name = which + json.dumps(list(path), ensure_ascii=False)
        answers = self.asked.setdefault(entry, {})
        got = answers.get(name)
        if got is None:
            old = self.known.get(entry)
            got = old.get(name) if isinstance(old, dict) else None
            if not (isinstance(got, list) and len(got) == 2 and all(type(v) is int and v > 0 for v in got)):
                got = list(compute(path))
                self.changed = True
            answers[name] = got
        return (got[0], got[1])

    def save(self) -> None:
        if self.store is None or not (self.changed or set(self.asked) != set(self.known)):
            return
        self.store.put(self.key, json.dumps(self.asked, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


class remembered_locations:
    """``with remembered_locations(root, documents):`` the cached ``documents`` of ``root`` (one
    check's) answer positions from, and into, the location memo; it is saved when the block ends
    without an error. The memo hangs on those documents for the block only, never on the module,
    so checks running side by side (threads) each keep their own."""

    def __init__(self, root: Path, documents=(), *, store=...):
        self.root, self.store = root, store
        self.documents = [d for d in documents if isinstance(d, CachedDocument)]
        self.memo = None

    def __enter__(self):
        store = store_for(self.root, self.store)
        self.memo = LocationMemo(store) if store is not None else None
        for doc in self.documents:
            doc._memo = self.memo
        return self.memo

    def __exit__(self, exc_type, *exc):
        memo, self.memo = self.memo, None
        for doc in self.documents:
            doc._memo = None
        if memo is not None and exc_type is None:
            memo.save()


__all__ = ["load_documents", "blob_id", "fast_valid", "parse_and_validate", "cache_base", "Store", "CachedDocument"]
