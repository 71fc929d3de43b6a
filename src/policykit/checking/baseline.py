"""New problems only: a check compared with a baseline (``policykit check --baseline BASE``).

The baseline is either a revision (its lists checked with the same rules; the result remembered in the
cache under the commit's id, so the second pull request against the same base reads it back) or a
stored result file (``check -f json`` or ``-f sarif``). Each problem of the checked tree is then
``new`` (the change introduced it) or ``unchanged``; a baseline problem that is gone is ``absent``
(SARIF 2.1.0 §3.27.24 ``baselineState``).

A problem's identity survives line shifts: its fingerprint is the rule id, the file, the JSON path with
list indexes dropped (an item inserted above shifts ``items[12]`` to ``items[13]``) and the message with
small stand-alone numbers dropped (line numbers and counts quoted in messages); codes and ids in the
message (``370199101CF00100``, ``BJ-001``) keep it apart from its neighbours. Problems with the same
fingerprint are paired as a multiset, those at the same path and with the same message first, so one
more of a kind is exactly one new problem.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..problems import SEVERITIES, Problem

MAX_RESULT_BYTES = 64 * 1024 * 1024     # a stored result file larger than this is refused
MAX_RESULT_PROBLEMS = 1_000_000
FINGERPRINT_KEY = "policykit/v2"
_INDEX = re.compile(r"\[\d+\]")
_SMALL_NUMBER = re.compile(r"(?<![A-Za-z0-9_.\-])\d{1,6}(?![A-Za-z0-9_.\-])")
_LEVEL_SEVERITY = {"error": "error", "warning": "warning", "note": "info", "none": "info"}


def stable_path(path: str) -> str:
    return _INDEX.sub("[]", path)


def stable_message(message: str) -> str:
    return _SMALL_NUMBER.sub("#", message)


def fingerprint(p: Problem) -> str:
    """The identity of a problem across revisions (not its line; see the module docstring)."""
    text = f"{p.rule}\0{p.file}\0{stable_path(p.path)}\0{stable_message(p.message)}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass
class Comparison:
    """The problems of the checked tree, each with its state, and the baseline's problems that are gone."""
    problems: list                                   # the checked tree's problems, in report order
    states: dict = field(default_factory=dict)       # index in ``problems`` -> "new" | "unchanged"
    absent: list = field(default_factory=list)       # baseline problems no longer reported
    base_label: str = ""

    def state(self, i: int) -> str:
        return self.states.get(i, "new")

    @property
    def new(self) -> list:
        return [p for i, p in enumerate(self.problems) if self.states.get(i) == "new"]

    @property
    def unchanged(self) -> list:
        return [p for i, p in enumerate(self.problems) if self.states.get(i) == "unchanged"]

    def summary(self) -> dict:
        """Counts for reports: the change's new problems (not waived), the old ones still there, the fixed."""
        new = [p for p in self.new if p.waived_by is None]
        old = [p for p in self.unchanged if p.waived_by is None]
        return {"baseline": self.base_label, "new": len(new), "unchanged": len(old), "absent": len(self.absent),
                "new_by_severity": {s: sum(p.severity == s for p in new) for s in SEVERITIES}}


def compare(base: list, head: list, base_label: str = "") -> Comparison:
    """Pair ``head``'s problems with ``base``'s by fingerprint (see the module docstring)."""
    pool: dict = {}
    for p in base:
        pool.setdefault(fingerprint(p), []).append(p)
    states: dict = {}
    waiting: list = []
    for i, p in enumerate(head):
        group = pool.get(fingerprint(p))
        exact = next((j for j, q in enumerate(group or ()) if q.path == p.path and q.message == p.message), None)
        if exact is not None:
            group.pop(exact)
            states[i] = "unchanged"
        else:
            waiting.append(i)
    for i in waiting:                      # the same problem moved (a shifted index): paired in order
        group = pool.get(fingerprint(head[i]))
        if group:
            group.pop(0)
            states[i] = "unchanged"
        else:
            states[i] = "new"
    absent = sorted(q for group in pool.values() for q in group)
    return Comparison(list(head), states, absent, base_label)


# ---- the baseline's problems ---------------------------------------------------------------------
def read_result(path: Path) -> list[Problem]:
    """The problems of a stored result: ``policykit check -f json`` or ``-f sarif`` output."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_RESULT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{path}: 无法读取基准结果文件（{exc.strerror}） (cannot read the baseline result)") from None
    if len(raw) > MAX_RESULT_BYTES:
        raise InputError(f"{path}: 基准结果文件超过 {MAX_RESULT_BYTES // 1024 // 1024} MB (baseline result too large)")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InputError(f"{path}:1:1: 基准结果文件不是 JSON（应为 policykit check -f json 或 -f sarif 的输出） "
                         "(baseline result is not JSON)") from None
    try:
        problems = _from_sarif(data) if isinstance(data, dict) and "runs" in data else _from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        problems = None
    if problems is None or len(problems) > MAX_RESULT_PROBLEMS:
        raise InputError(f"{path}:1:1: 基准结果文件的格式不对（应为 policykit check -f json 或 -f sarif 的输出） "
                         "(not a policykit result)")
    return problems


def _from_json(data) -> list[Problem] | None:
    rows = data.get("problems") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        return None
    out = []
    for r in rows:
        p = Problem(r["file"], r["line"], r["column"], r["path"], r["rule"], r["severity"], r["message"],
                    r.get("waived_by"))
        _valid(p)
        out.append(p)
    return out


def _from_sarif(data) -> list[Problem]:
    out = []
    for run in data["runs"]:
        for r in run.get("results") or ():
            if r.get("baselineState") == "absent" or r.get("kind", "fail") != "fail":
                continue
            loc = r["locations"][0]
            phys = loc["physicalLocation"]
            region = phys.get("region") or {}
            logical = (loc.get("logicalLocations") or [{}])[0].get("fullyQualifiedName", "$")
            sup = r.get("suppressions") or []
            p = Problem(phys["artifactLocation"]["uri"], region.get("startLine", 1), region.get("startColumn", 1),
                        logical, r["ruleId"], _LEVEL_SEVERITY[r.get("level", "warning")], r["message"]["text"],
                        sup[0].get("justification", "") if sup else None)
            _valid(p)
            out.append(p)
    return out


def _valid(p: Problem) -> None:
    if not (isinstance(p.file, str) and type(p.line) is int and type(p.column) is int and isinstance(p.path, str)
            and isinstance(p.rule, str) and p.severity in SEVERITIES and isinstance(p.message, str)
            and (p.waived_by is None or isinstance(p.waived_by, str))):
        raise ValueError("not a problem")


def _baseline_key(root: Path, commit: str, rules_dir: Path | None, engine: str, legal_date) -> str | None:
    """The cache key of the check of ``commit`` (immutable: the commit fixes the lists, the configuration and
    the schemas) with the rules in ``rules_dir`` as they are on disk now, this policykit and these libraries."""
    from ..speed import memo
    from ..speed.codeversion import code_digest
    h = hashlib.sha256()
    h.update(f"pk-baseline|{memo.FORMAT}|{code_digest()}|{memo._versions()}|{engine}|{_dt.date.today()}|"
             f"{legal_date}|{commit}|{rules_dir}\0".encode())
    if rules_dir is not None:
        try:
            memo._no_link_on_the_way(root, rules_dir)
            memo._tree(h, rules_dir, "rules", max_bytes=16 * 1024 * 1024)
        except (memo._Link, OSError):
            return None
    return h.hexdigest()


def _walk_listing(h, files: dict, label: str) -> bool:
    """Feed ``{rel under the directory: (mode, blob)}`` into ``h`` in the order ``memo._tree`` walks a
    directory (``os.walk``: a directory's files sorted, then its subdirectories sorted); False when the
    listing holds a link (the work tree's memo is never made over one)."""
    tree: dict = {}
    for rel, (mode, blob) in files.items():
        if mode == "120000":
            return False
        node = tree
        *dirs, name = rel.split("/")
        for d in dirs:
            node = node.setdefault(d + "/", {})
        node[name] = blob

    def walk(node, prefix):
        for name in sorted(k for k in node if not k.endswith("/")):
            h.update(f"{label}/{prefix}{name}\0{node[name]}\0".encode("utf-8"))
        for sub in sorted(k[:-1] for k in node if k.endswith("/")):
            walk(node[sub + "/"], f"{prefix}{sub}/")
    if not tree:
        h.update(f"{label}:absent\0".encode())
    else:
        walk(tree, "")
    return True


def commit_memo_key(root: Path, commit: str, rules_dir: Path, engine: str, legal_date) -> str | None:
    """The key under which a check of the WORK TREE would have remembered its result had the work tree
    held exactly ``commit``'s files (``speed.memo.key_for``, computed from the commit's listing instead of
    the disk): a check of ``main`` run earlier (by the clerk, or by CI on the push to main) is then the
    baseline of every pull request against it, read back instead of computed. None when the commit's
    policykit.yaml differs from the work tree's (the configuration would have to be read at the commit)."""
    from ..lists import gitdoor
    from ..lists.config import CONFIG_FILE, load_config
    from ..lists.schemas import BUNDLED_SCHEMAS, SCHEMA_MAX_BYTES
    from ..lists.sources import read_regular
    from ..lists.loader import Limits
    from ..speed import memo
    from ..speed.codeversion import code_digest
    files = gitdoor.tree_files(root, commit)
    try:
        raw = read_regular(root / CONFIG_FILE, Limits().max_file_bytes)
    except FileNotFoundError:
        raw = None
    except OSError:
        return None
    entry = files.get(CONFIG_FILE)
    if (raw is None) != (entry is None) or (raw is not None and gitdoor.blob_sha(raw) != entry[1]):
        return None
    config, _ = load_config(root)
    h = hashlib.sha256()
    h.update(f"pk-check-memo{memo.FORMAT}|{code_digest()}|{memo._versions()}|{engine}|{_dt.date.today()}|"
             f"{legal_date}\0".encode())
    h.update(memo.head_line(gitdoor.resolve(root, commit)))
    h.update(raw if raw is not None else b"<no config>")
    lists = config.lists_dir.strip("/")
    under = {rel[len(lists) + 1:]: v for rel, v in files.items() if rel.startswith(lists + "/")}
    if not _walk_listing(h, under, "lists"):
        return None
    try:
        memo._no_link_on_the_way(root, rules_dir)
        memo._tree(h, rules_dir, "rules", max_bytes=config.limits.max_file_bytes)
    except (memo._Link, OSError):
        return None
    schemas = {rel[len("schemas/"):]: v for rel, v in files.items() if rel.startswith("schemas/")}
    if schemas:
        if not _walk_listing(h, schemas, "schemas"):
            return None
    else:
        try:
            memo._tree(h, BUNDLED_SCHEMAS, "schemas", max_bytes=SCHEMA_MAX_BYTES)
        except (memo._Link, OSError):
            return None
    return h.hexdigest()


def baseline_problems(root, base: str, *, rules_dir=None, engine: str = "durable", workers=None,
                      legal_date=None, process=None) -> tuple[list[Problem], str]:
    """The baseline's problems and how to name it: ``base`` is a stored result file (JSON or SARIF) when
    such a file exists, else a revision of the repository at ``root``, checked with the rules in
    ``rules_dir`` (default: the configured rules directory of the work tree) and remembered in the cache."""
    from ..lists import gitdoor
    from ..lists.config import load_config
    from ..speed import memo
    from ..speed.cache import store_for
    from .check import rules_dir_for, run_check
    root = Path(root).resolve()
    candidate = Path(base)
    if candidate.suffix.lower() in (".json", ".sarif") or candidate.is_file():
        if not candidate.is_file():
            raise InputError(f"{base}: 基准结果文件不存在 (baseline result file not found)")
        return read_result(candidate), str(base)
    if not gitdoor.is_repository(root):
        raise InputError(f"{root}: 不是 git 仓库，--baseline 只能是结果文件 (not a git repository: "
                         "--baseline must be a result file)")
    commit = gitdoor.resolve(root, base)
    if rules_dir is None:
        config, _ = load_config(root)
        rdir = rules_dir_for(root, config.rules_dir)
    else:
        rdir = Path(rules_dir).resolve()
    store = store_for(root, ...)
    key = None
    if store is not None:
        # a check of the work tree when it held this commit (CI on main, the clerk before branching),
        # else this commit's own check remembered by an earlier --baseline
        for keyed in (lambda: commit_memo_key(root, commit, rdir, engine, legal_date),
                      lambda: _baseline_key(root, commit, rdir, engine, legal_date)):
            key = keyed()
            stored = memo.recall(root, key, store=store) if key is not None else None
            if stored is not None:
                return stored["problems"], f"{base}（{commit[:7]}）"
    result = run_check(root, rules_dir=str(rdir), engine=engine, workers=workers, at=commit,
                       legal_date=legal_date, process=process)
    if key is not None and store is not None:
        memo.remember(root, key, result.problems, rules=len(result.rules), facts=result.fact_count,
                      files=len(result.repo.documents) if result.repo is not None else 0, store=store)
    return result.problems, f"{base}（{commit[:7]}）"
