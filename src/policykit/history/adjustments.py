"""Adjustment records (调整记录) as commit trailers; their check, hook and template; item history; changelog.

A commit that changes the lists says why, at the end of its message::

    调整类型: 法律立改废            (法律立改废 | 机构改革 | 上级下放 | 职责调整 | 纠错 | 其他)
    调整事由: 《食品安全法》修正，删除食品经营许可的一项条件
    调整依据: 中华人民共和国食品安全法（2021年修正）第三十五条
    批准文号: 明编办〔2026〕3号

English keys are accepted too (Adjustment-Type, Adjustment-Reason, Adjustment-Basis,
Approval-Number) and so are full-width colons. A commit may carry several records, each starting
with 调整类型; they are found anywhere in the message (so a squash commit that quotes the messages
of the commits it squashes keeps their records).

``check_since(root, rev)``: every commit after ``rev`` that makes a major change (see diff.py)
must carry a valid record (ADJ-RECORD-MISSING), and every record must be valid (ADJ-RECORD-INVALID).
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import diff as D
from . import review as R
from ..lists import gitdoor as history
from ..errors import InputError, UsageError
from ..problems import Problem

from ..lists.adjustment_records import (  # noqa: F401  (the record parser lives in the lists layer)
    ADJUSTMENT_TYPES, APPROVAL_OPTIONAL, APPROVAL_REQUIRED, BASIS_REQUIRED, DOC_NUMBER, FIELDS, KEY_TO_FIELD,
    SCISSORS, TYPE_ALIASES, Record, clean_message, effective_date, make_record, normalize_type, parse_day,
    parse_records,
)


# ---- check --since ----------------------------------------------------------------------------
def _config_at(root, rev: str | None):
    raw = history.read_file(root, rev, D.CONFIG_FILE) if rev else None
    return D._config_of(Path(root).resolve(), raw)


def _where(commit) -> str:
    return f"提交 {commit.short}「{commit.subject}」（{commit.author}，{commit.committed[:10]}）"


def check_since(root, since: str, head: str = "HEAD") -> list[Problem]:
    """Problems of the adjustment records of the commits after ``since`` up to ``head``."""
    with history.session(root):
        return _check_since(root, since, head)


def _check_since(root, since: str, head: str = "HEAD") -> list[Problem]:
    root = Path(root).resolve()
    head_sha = history.resolve(root, head)
    cfg = _config_at(root, head_sha)
    commits = history.commits(root, head_sha, since=since, paths=[cfg.lists_dir],
                              limit=cfg.limits.max_history_commits)
    pending = []  # (commit, change, rule, message)
    for commit in commits:
        d = D.commit_changes(root, commit, lists_dir=cfg.lists_dir)
        if not d.changes:
            continue
        records = parse_records(commit.message)
        invalid = [r for r in records if not r.valid]
        majors = d.majors
        anchor = majors[0] if majors else d.changes[0]
        for r in invalid:
            pending.append((commit, anchor, "ADJ-RECORD-INVALID",
                            f"{_where(commit)}的调整记录（第 {r.line} 行起）无效：{'；'.join(r.errors)} "
                            f"(invalid adjustment record)"))
        pending += _transfers_as_corrections(commit, d, records)
        if majors and not records:
            for c in majors:
                what = "、".join(t for t in c.types if d.levels.of(c.object, t) == "major")
                pending.append((commit, c, "ADJ-RECORD-MISSING",
                                f"{_where(commit)}：{what} {D.OBJECTS[c.object][0]} {c.key}「{c.name}」"
                                f"（{d.department_label(c)}），属重大调整，但提交说明没有调整记录；请在提交说明末尾写明 "
                                f"调整类型、调整事由、调整依据、批准文号（见 policykit adjust --template） "
                                f"(major change without an adjustment record)"))
    out = _dispute_commit_problems(root, history.resolve(root, since), head_sha, cfg)
    if not pending:
        return sorted(set(out))
    where = _locate_in(root, head_sha, cfg, {(c.object, c.key) for _, c, _, _ in pending})
    overrides = cfg.severity_overrides
    for commit, c, rule, message in pending:
        severity = overrides.get(rule, "error")
        if severity == "off":
            continue
        file, line, col, path = where.get((c.object, c.key)) or (c.file or D.CONFIG_FILE, 1, 1, "$")
        out.append(Problem(file, line, col, path, rule, severity, message))
    return sorted(set(out))


# ---- a dispute's adjustment.commit --------------------------------------------------------------
_COMMIT_ID = re.compile(r"^[0-9a-f]{7,40}$")
MAX_DISPUTES_VERIFIED = 200   # disputes changed in one range whose commits are looked up (a budget)


def _dispute_commit_problems(root: Path, since_sha: str, head_sha: str, cfg) -> list[Problem]:
    """ADJ-DISPUTE-COMMIT: a dispute added or changed after ``since`` whose ``adjustment.commit`` is no
    commit of this branch's history, or a commit that did not change the boundary matter or power item
    the adjustment names. ADJ-DISPUTE-COMMIT-UNVERIFIED (warning) when a shallow clone cannot tell."""
    from ..lists.model import Source
    from ..lists.records import views
    under = f"{cfg.lists_dir}/disputes/"
    changed = {d.path for d in history.diff_tree(root, since_sha, head_sha, (under.rstrip("/"),)) if d.new_sha}
    if not changed:
        return []
    repo = _partial_repo(root, head_sha, cfg, ["adjustment"], ["disputes"])
    if repo is None:
        return []
    overrides = cfg.severity_overrides
    out = []
    disputes = [d for d in views(repo).disputes if d.source.file in changed and (d.adjustment or {}).get("commit")]
    for d in disputes[:MAX_DISPUTES_VERIFIED]:
        rule, message = _verify_dispute_commit(root, head_sha, cfg, d)
        if rule is None:
            continue
        severity = overrides.get(rule, "warning" if rule.endswith("UNVERIFIED") else "error")
        if severity != "off":
            file, line, col, path = repo.locate(Source(d.source.file, (*d.source.path, "adjustment", "commit")))
            out.append(Problem(file, line, col, path, rule, severity, message))
    return out


def _verify_dispute_commit(root: Path, head_sha: str, cfg, d) -> tuple:
    """``(rule, message)`` of what is wrong with dispute ``d``'s adjustment.commit, ``(None, None)`` if nothing."""
    adj = d.adjustment or {}
    ref = str(adj.get("commit")).strip()
    target = adj.get("boundary") or (str(adj["power"]) if adj.get("power") else None)
    what = f"职责争议 {d.id}「{d.matter}」的落实调整提交「{ref[:60]}」"
    if not _COMMIT_ID.match(ref):
        return "ADJ-DISPUTE-COMMIT", f"{what}不是提交编号（应为 7 至 40 位十六进制的提交哈希） (not a commit id)"
    try:
        sha = history.resolve(root, ref)
    except InputError as exc:
        if getattr(exc, "hint", None):   # a shallow clone: the commit may be outside the local history
            return ("ADJ-DISPUTE-COMMIT-UNVERIFIED",
                    f"{what}不在本地历史中，仓库是浅克隆，无法核对；请获取完整历史（fetch-depth: 0） (cannot verify)")
        return "ADJ-DISPUTE-COMMIT", f"{what}在仓库历史中不存在 (no such commit)"
    if history.merge_base(root, sha, head_sha) != sha:
        return "ADJ-DISPUTE-COMMIT", f"{what}不在当前分支的历史中，调处决定尚未落实到清单 (commit not on this branch)"
    if target is None:
        return None, None
    changes = D.commit_changes(root, history.commit_info(root, sha), needles=[target], lists_dir=cfg.lists_dir)
    if any(target in (c.key, c.previous_key) for c in changes.changes
           if c.object in ("boundary", "mechanism", "power")):
        return None, None
    kind = "边界事项" if adj.get("boundary") else "权力事项"
    return ("ADJ-DISPUTE-COMMIT",
            f"{what}（{sha[:7]}）没有修改所落实的{kind} {target}：请写明真正调整了该事项的提交 "
            f"(the commit did not change {target})")


TRANSFER_TYPES = ("划转",)   # the change types that move duties between departments


def _transfers_as_corrections(commit, d: D.Diff, records: list) -> list:
    """ADJ-TRANSFER-AS-CORRECTION: a commit that transfers items between departments, recorded only
    as 纠错 and without a 批准文号. A 纠错 corrects what the lists say; a transfer changes who does
    what and needs the approval (办法 第二十条) — whatever the record calls it."""
    if not _correction_only(records):
        return []
    out = []
    for c in d.changes:
        if any(t in TRANSFER_TYPES for t in c.types):
            out.append((commit, c, "ADJ-TRANSFER-AS-CORRECTION",
                        f"{_where(commit)}：{D.OBJECTS[c.object][0]} {c.key}「{c.name}」由"
                        f"{d.name_of(c.department_before)}划转至{d.name_of(c.department)}，调整记录却只写作「纠错」且没有"
                        f"批准文号；划转须写明调整类型（机构改革、职责调整等）和编办批准文号（办法第二十条） "
                        f"(a transfer recorded as a correction without approval)"))
    return out


def _correction_only(records: list) -> bool:
    """Every record is a 纠错 and none has a 批准文号: nothing approved a change of duties."""
    return bool(records) and all(r.type == "纠错" and not r.approval for r in records)


_NEEDLE_DIRS = {"power": "powers", "boundary": "boundaries", "mechanism": "boundaries",
                "department": "organizations", "unit_duty": "tasks", "catalog_item": "catalogs",
                **{spec.obj: spec.dir for spec in D.RECORD_SPECS}}


def _needle(obj: str, key: str) -> str:
    if obj in D.RECORD_SPEC:
        return D.RECORD_SPEC[obj].needle_of(key)
    if obj == "unit_duty":
        return key.split("/", 1)[0]
    if obj == "catalog_item":
        return key.split("/", 1)[1]
    return key


def _find(repo, obj: str, key: str):
    if obj == "power":
        return repo.powers.get(key)
    if obj in ("boundary", "mechanism"):
        return next((b for b in repo.boundaries if b.id == key), None)
    if obj == "department":
        return repo.departments.get(key)
    if obj == "unit_duty":
        return next((d for d in repo.unit_duties if d.key == key), None)
    return next((c for c in repo.catalog_items if c.key == key), None)


def _locate_in(root, sha: str, cfg, idents) -> dict:
    """``{(object, key): (file, line, column, json path)}`` of objects in revision ``sha``."""
    listing = {r: s for r, (m, s) in history.tree_files(root, sha, (cfg.lists_dir,)).items()}
    wanted = {}
    for obj, key in idents:
        base = f"{cfg.lists_dir}/{_NEEDLE_DIRS[obj]}/"
        wanted.update({r: s for r, s in listing.items() if r.startswith(base)})
    blobs = history.read_blobs(root, set(wanted.values()))
    needles = [_needle(o, k).encode("utf-8") for o, k in idents]
    files = {r: s for r, s in wanted.items() if any(n in blobs[s] for n in needles)}
    raw_cfg = history.read_file(root, sha, D.CONFIG_FILE)
    side = D.Side(root, sha)
    repo = D._open_side(Path(root).resolve(), side, raw_cfg, files, {r: blobs[s] for r, s in files.items()}, {})
    out = {}
    for obj, key in idents:
        if obj in D.RECORD_SPEC:  # a supervision record: at the record (a finding, a division item …)
            row = D.record_rows(repo, obj).get(key)
            if row is not None:
                out[(obj, key)] = repo.locate(row[2])
            continue
        found = _find(repo, obj, key)
        if found is None:
            continue
        src = found.source
        if obj == "mechanism":
            src = type(src)(src.file, ("mechanism",))
        elif obj == "boundary" and found.lead is not None:  # at the lead department's role
            idx = next(i for i, r in enumerate(found.roles) if r.role == "牵头")
            src = type(src)(src.file, ("departments", idx, "role"))
        out[(obj, key)] = repo.locate(src)
    return out


def records_between(root, base: str | None, head: str = "HEAD") -> list[dict]:
    """The commits after ``base`` up to ``head`` that touch the lists, oldest first, each with its
    adjustment records (plain dicts, for the review comment)."""
    with history.session(root):
        return _records_between(root, base, head)


def _records_between(root, base: str | None, head: str = "HEAD") -> list[dict]:
    root = Path(root).resolve()
    head_sha = history.resolve(root, head)
    cfg = _config_at(root, head_sha)
    out = []
    for c in reversed(history.commits(root, head_sha, since=base, paths=[cfg.lists_dir],
                                      limit=cfg.limits.max_history_commits)):
        if c.is_merge and not parse_records(c.message):
            continue  # a merge brings the records of its commits
        out.append({"commit": {k: v for k, v in c.as_dict().items() if k != "message"},
                    "records": [r.as_dict() for r in parse_records(c.message)]})
    return out


# ---- the commit-msg hook, the template, `policykit adjust` ----------------------------------------
TEMPLATE = """
# ── 调整记录 · adjustment record ──────────────────────────────────────
# 改动清单（lists/）的提交，请在说明末尾写明调整记录：去掉行首的「# 」并填写。
# 取消、划转权力事项，变更边界事项牵头部门等重大调整，没有调整记录将无法通过检查。
#
# 调整类型: 法律立改废 | 机构改革 | 上级下放 | 职责调整 | 纠错 | 其他
# 调整事由: <为什么调整，如：《中华人民共和国食品安全法》修正，许可条件变化>
# 调整依据: <法律法规或文件及条款，如：中华人民共和国食品安全法第三十五条>
# 批准文号: <编办批准文件文号，如：明编办〔2026〕3号；纠错可省略，划转不可写作纠错>
# 生效日期: <批准的生效日，如 2026-07-01；缺省为提交当日>
# 原编码: <事项改了编码时写「旧编码 -> 新编码」，每项一行；没有则删去此行>
#
# 一次提交可有多条记录，每条以「调整类型」开头。英文键亦可：
# Adjustment-Type / Adjustment-Reason / Adjustment-Basis / Approval-Number / Effective-Date / Former-Code
"""

HOOK_MARK = "# policykit commit-msg hook"
TEMPLATE_NAME = "policykit-commit-template.txt"


def template() -> str:
    return TEMPLATE


def hook_script(root) -> str:
    root = Path(root).resolve()
    rel = root.relative_to(history.toplevel(root)).as_posix()
    root_expr = '"$(git rev-parse --show-toplevel)"' + (f'/"{rel}"' if rel != "." else "")
    return (f"#!/bin/sh\n{HOOK_MARK}（policykit adjust --install-hook 安装）：检查提交说明中的调整记录\n"
            "# 临时跳过：git commit --no-verify\n"
            f'PY="{sys.executable}"\n'
            f'if [ -x "$PY" ]; then exec "$PY" -m policykit adjust --check-message "$1" --root {root_expr}; fi\n'
            f'exec policykit adjust --check-message "$1" --root {root_expr}\n')


def install_hook(root, *, force: bool = False) -> list[str]:
    """Install the commit-msg hook and the commit template; returns what was done (Chinese lines)."""
    root = Path(root).resolve()
    hooks = history.hooks_dir(root)
    hook = hooks / "commit-msg"
    done = []
    if hook.exists() and HOOK_MARK not in hook.read_text(encoding="utf-8", errors="replace") and not force:
        raise UsageError(f"已有 commit-msg 钩子：{hook}；加 --force 覆盖，或在其中调用 "
                         "policykit adjust --check-message \"$1\" (a commit-msg hook exists)")
    hooks.mkdir(parents=True, exist_ok=True)
    path = history.git_path(root, TEMPLATE_NAME)
    from ..io.writing import write_files_atomically
    # both or neither: a half-written hook would reject every commit
    write_files_atomically({hook: hook_script(root), path: TEMPLATE}, modes={hook: 0o755})
    if hook.stat().st_mode & 0o111 != 0o111:  # an unchanged hook left non-executable
        hook.chmod(0o755)
    done.append(f"已安装 commit-msg 钩子：{hook}")
    current = history.get_config(root, "commit.template")
    if current and Path(current).expanduser().resolve() != path.resolve():
        done.append(f"已写入提交模板 {path}；commit.template 已设为 {current}，未改动")
    else:
        history.set_local_config(root, "commit.template", str(path))
        done.append(f"已写入提交模板并设为 commit.template：{path}")
    return done


def staged_changes(root) -> D.Diff:
    """The item-level changes staged for the next commit (index vs HEAD)."""
    root = Path(root).resolve()
    head = history.resolve(root, "HEAD") if history.has_commits(root) else None
    old = D.Side(root, head)
    if head:
        old.label = f"HEAD（{head[:7]}）"
    return D.compare(root, old, D.Side(root, D.INDEX))


def check_message(root, text: str, *, staged: bool = True) -> tuple[bool, str]:
    """What the commit-msg hook runs: (ok, report in Chinese)."""
    message = clean_message(text)
    records = parse_records(message)
    lines = []
    invalid = [r for r in records if not r.valid]
    for r in invalid:
        lines.append(f"调整记录（第 {r.line} 行起）无效：")
        lines += [f"  - {e}" for e in r.errors]
    subject = message.strip().splitlines()[0] if message.strip() else ""
    skip = subject.startswith(("fixup!", "squash!", "amend!")) or (staged and history.merge_in_progress(root))
    if staged and not skip and not records:
        d = staged_changes(root)
        majors = d.majors
        if majors:
            lines.append(f"本次提交含 {len(majors)} 项重大调整，但提交说明中没有调整记录：")
            for c in majors:
                lines.append(f"  - {'、'.join(c.types)} {D.OBJECTS[c.object][0]} {c.key}「{c.name}」"
                             f"（{d.department_label(c)}）")
            lines.append("请在提交说明末尾写明（policykit adjust --template 查看模板）：")
            lines += ["  调整类型: " + " | ".join(ADJUSTMENT_TYPES), "  调整事由: …", "  调整依据: …",
                      "  批准文号: 明编办〔2026〕3号", "  生效日期: 2026-07-01（缺省为提交当日）"]
    if staged and not skip and records and not invalid and _correction_only(records):
        d = staged_changes(root)
        moved = [c for c in d.changes if any(t in TRANSFER_TYPES for t in c.types)]
        if moved:
            lines.append(f"本次提交划转了 {len(moved)} 个事项，但调整记录只写作「纠错」且没有批准文号；划转须写明调整类型"
                         "（机构改革、职责调整等）和编办批准文号（办法第二十条）：")
            lines += [f"  - {D.OBJECTS[c.object][0]} {c.key}「{c.name}」：{d.name_of(c.department_before)} → "
                      f"{d.name_of(c.department)}" for c in moved]
    if lines:
        lines.append("临时跳过检查：git commit --no-verify")
        return False, "\n".join(lines) + "\n"
    return True, ""


# ---- history of one item ------------------------------------------------------------------------
@dataclass
class LogEntry:
    commit: history.CommitInfo
    records: list
    changes: list
    names: dict

    @property
    def in_force(self) -> _dt.date:
        """The day the commit's change took effect (valid time): its records' latest 生效日期, else
        the commit day."""
        from ..lists.validtime import commit_in_force_on
        return commit_in_force_on(self.commit)

    def as_dict(self) -> dict:
        c = self.commit
        return {"commit": c.sha, "short": c.short, "date": c.committed, "in_force": self.in_force.isoformat(),
                "authored": c.authored,
                "author": c.author, "author_email": c.author_email, "subject": c.subject,
                "records": [r.as_dict() for r in self.records], "changes": [x.as_dict() for x in self.changes]}


@dataclass
class ItemLog:
    object: str
    key: str
    name: str | None
    entries: list
    head: str
    former_keys: list = field(default_factory=list)   # the item's earlier codes, newest first
    asked: str | None = None                           # the key asked for, when it is a former one
    as_of: _dt.date | None = None                      # the lists in force on this day (valid time)

    def as_dict(self) -> dict:
        return {"object": self.object, "object_label": D.OBJECTS[self.object][0], "key": self.key,
                "name": self.name, "head": self.head, "former_keys": list(self.former_keys), "asked": self.asked,
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "entries": [e.as_dict() for e in self.entries]}


# a supervision record and the records filed under it (keyed ``<record>#…`` or ``<record>|…``): its log
# shows theirs too, as a boundary matter's shows its 协调配合机制
RECORD_PARTS = {"supervision": "finding", "division": "division_item", "ledger": "perf_entry",
                "indicator_system": "indicator", "evaluation": "score"}


def _classify(key: str, code: re.Pattern | None = None) -> str:
    """What a key names, by its shape: ``boundary``, ``unit_duty``, ``catalog_item``, ``department``,
    ``power`` (a code matching ``code``, the configured pattern, or a name: no digit), or ``record``: a
    supervision record's key as diff.py gives it (``YT-002``, ``TC-2025-001``, ``DD-2025-001#1``,
    ``ZB-2025|1.3.1`` …), resolved against the repository (``_lookup_record``). Without ``code``, every
    other key with a digit is ``power``."""
    if re.match(r"^BJ-\d+$", key):
        return "boundary"
    if "/" in key and "#" in key:
        return "unit_duty"
    if "/" in key:
        return "catalog_item"
    if re.match(r"^[a-z][a-z0-9_-]*$", key):
        return "department"
    if code is None or code.match(key) or not re.search(r"\d", key):
        return "power"
    return "record"


def _partial_repo(root, sha: str, cfg, needles, dirs=None):
    """Revision ``sha`` made of the list files (under ``dirs`` of the lists, default all) that contain
    one of ``needles``; None when none does."""
    prefixes = tuple(f"{cfg.lists_dir}/{d}/" for d in dirs) if dirs else (f"{cfg.lists_dir}/",)
    listing = {r: s for r, (m, s) in history.tree_files(root, sha, (cfg.lists_dir,)).items() if r.startswith(prefixes)}
    blobs = history.read_blobs(root, set(listing.values()))
    needles = [n.encode("utf-8") for n in needles if n]
    files = {r: s for r, s in listing.items() if any(n in blobs[s] for n in needles)}
    if not files:
        return None
    raw_cfg = history.read_file(root, sha, D.CONFIG_FILE)
    return D._open_side(Path(root).resolve(), D.Side(root, sha), raw_cfg, files,
                        {r: blobs[s] for r, s in files.items()}, {})


def _lookup_name(root, sha: str, cfg, text: str):
    """Resolve a name to (object, key, name) in revision ``sha``."""
    repo = _partial_repo(root, sha, cfg, [text])
    if repo is None:
        return None
    hits = [("power", i.code, i.full_name) for i in repo.power_items if text in (i.name, i.full_name)]
    hits += [("boundary", b.id, b.name) for b in repo.boundaries if b.name == text]
    hits += [("department", d.id, d.name) for d in repo.departments.values() if text in (d.name, d.short_name)]
    hits += [("catalog_item", c.key, c.name) for c in repo.catalog_items if c.name == text]
    hits = list(dict.fromkeys(hits))
    if len(hits) > 1:
        listed = "；".join(f"{k} {n}" for _, k, n in hits[:10])
        raise UsageError(f"「{text}」对应多个事项，请用编号指定：{listed} (ambiguous name)")
    return hits[0] if hits else None


def _lookup_record(root, sha: str, cfg, key: str):
    """The supervision record with diff.py's ``key`` in revision ``sha`` as (object, key, name), or None."""
    repo = _partial_repo(root, sha, cfg, {spec.needle_of(key) for spec in D.RECORD_SPECS},
                         sorted({spec.dir for spec in D.RECORD_SPECS}))
    if repo is None:
        return None
    for spec in D.RECORD_SPECS:
        row = D.record_rows(repo, spec.obj).get(key)
        if row is not None:
            return spec.obj, key, row[0]
    return None


def _tracks(obj: str | None, key: str, tracked: set):
    """Which changes belong to the log of ``key`` (``obj`` None: not known yet, a code or the key of a
    record no longer in the lists)."""
    if obj is None:
        objects = {"power", *D.RECORD_SPEC}
    else:
        objects = {"boundary", "mechanism"} if obj == "boundary" else {obj}
    part = RECORD_PARTS.get(obj)
    prefixes = (f"{key}#", f"{key}|")

    def mine(c) -> bool:
        if c.object in objects and (c.key in tracked or c.previous_key in tracked):
            return True
        return part is not None and c.object == part and c.key.startswith(prefixes)
    return mine


MAX_IDENTITY_HOPS = 16   # re-codes followed forward from a former code (a budget: each hop reads the history again)


class _Successor(Exception):
    """The code asked for lives on under another one (``key``), from a later commit."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def item_log(root, key: str, at: str | None = None, *, as_of=None) -> ItemLog:
    """``item_log`` of the lists *in force* on ``as_of`` (a date, valid time) when given: the history up
    to the last commit whose change had taken effect by then (``lists.validtime.choose_commit``,
    walking back from ``at`` or HEAD); else up to ``at`` (transaction time). Each entry says when its
    change took effect (``LogEntry.in_force``)."""
    if as_of is not None:
        from ..lists import validtime
        day = validtime.parse_day(as_of)
        with history.session(root):
            side = D.in_force_side(Path(root).resolve(), day, at)
        log = _item_log_at(root, key, side.revision)
        log.as_of = day
        return log
    return _item_log_at(root, key, at)


def _item_log_at(root, key: str, at: str | None = None) -> ItemLog:
    """Every commit that changed the item, newest first, across renamed files, transfers between
    departments and re-coded items: one identity, whichever of its codes is asked for. A re-code is
    what the adjustment record says (原编码: OLD -> NEW) or, without one, a code that vanished while an
    item of the same name appeared under another code. Asked by a former code, the log is the whole
    life of the item under its latest code (``former_keys``, ``asked``)."""
    asked = key.strip()
    with history.session(root):
        seen = []
        for _ in range(MAX_IDENTITY_HOPS):
            try:
                log = _item_log(root, key, at)
            except _Successor as nxt:
                if nxt.key in seen:
                    break
                seen.append(key)
                key = nxt.key
                continue
            if log.key != asked and asked in log.former_keys:
                log.asked = asked
            return log
        return _item_log(root, key, at, forward=False)


_PAIRED_SHAPES = ("新增", "取消", "清理已取消事项")


def _item_log(root, key: str, at: str | None = None, *, forward: bool = True) -> ItemLog:
    """``item_log`` inside a history session: resolve the key, then walk the commits following renames.
    Raises ``_Successor`` when ``forward`` and the key turns out to be a former code of an item."""
    root = Path(root).resolve()
    head = history.resolve(root, at or "HEAD")
    cfg = _config_at(root, head)
    obj, key, name = _resolve_item(root, head, cfg, key.strip())
    tracked = {key}
    needles = {_needle(obj, key)} if obj else {key} | {spec.needle_of(key) for spec in D.RECORD_SPECS}
    if obj == "power" and name is None:
        name = _power_name(root, head, cfg, key)
    if name and obj == "power":
        needles.add(name.split("（")[0])
    belongs = _tracks(obj, key, tracked)
    entries = []
    former = []
    for commit in history.commits(root, head, paths=[cfg.lists_dir], limit=cfg.limits.max_history_commits):
        d, mine = _commit_of_item(root, commit, cfg, obj, tracked, needles, belongs)
        if not mine:
            continue
        later = next((c.key for c in mine if c.previous_key in tracked and c.key not in tracked), None)
        if later is not None and forward:
            raise _Successor(later)
        former += [c.previous_key for c in mine if c.previous_key and c.previous_key not in former
                   and c.previous_key != key]
        if obj is None:   # the newest change says what the key names
            obj = next((c.object for c in mine if c.key in tracked), mine[0].object)
            belongs = _tracks(obj, key, tracked)
            mine = [c for c in d.changes if belongs(c)]
        history.require_full_history(root, commit, f"{key} 的调整历史")
        name = _follow_changes(mine, obj, tracked, needles, name)
        entries.append(LogEntry(commit, parse_records(commit.message), mine, d.names))
    if obj is None:   # neither listed now nor ever changed
        raise UsageError(_not_found(head, key))
    return ItemLog(obj, key, name, entries, head, former)


def _commit_of_item(root, commit, cfg, obj, tracked: set, needles: set, belongs) -> tuple:
    """``(diff, the item's changes)`` of one commit. The files read are those naming the item (its
    codes, its names, the other code its record's 原编码 gives); when that shows the item added or
    removed under a name not searched for yet, its other half (the same name under another code) may
    be in a file not read: the commit is compared again with that name too (not whole: a first import
    of every list would make each log read every file)."""
    for old, new in D.recodes_of(commit.message).items():
        if new in tracked or old in tracked:
            needles.update((_needle(obj or "power", old), _needle(obj or "power", new)))
    d = D.commit_changes(root, commit, needles=sorted(needles), lists_dir=cfg.lists_dir)
    mine = [c for c in d.changes if belongs(c)]
    names = {c.name.split("（")[0] for c in mine if c.name and any(t in _PAIRED_SHAPES for t in c.types)}
    if names - needles:
        needles.update(names)
        d = D.commit_changes(root, commit, needles=sorted(needles), lists_dir=cfg.lists_dir)
        mine = [c for c in d.changes if belongs(c)]
    return d, mine


def _power_name(root, sha: str, cfg, code: str) -> str | None:
    """The name of the power item ``code`` in revision ``sha`` (None when it is not listed there)."""
    repo = _partial_repo(root, sha, cfg, [code], ["powers"])
    item = repo.powers.get(code) if repo is not None else None
    return item.full_name if item is not None else None


def _resolve_item(root, head: str, cfg, key: str) -> tuple:
    """``(object kind, key, name)`` of what the user named: a code, a record id or an item's name.
    The kind is None for a record no longer listed (the history then says what it was)."""
    obj = _classify(key, cfg.code_regex)
    name = None
    if obj == "record":
        found = _lookup_record(root, head, cfg, key) or _lookup_name(root, head, cfg, key)
        obj, key, name = found or (None, key, None)   # None: no longer listed; the history says what it was
    if obj == "power" and not re.search(r"\d", key):  # not a code: a name
        found = _lookup_name(root, head, cfg, key)
        if found is None:
            raise UsageError(_not_found(head, key))
        obj, key, name = found
    return obj, key, name


def _follow_changes(mine: list, obj, tracked: set, needles: set, name):
    """Learn from one commit's changes of the item: its earlier keys and names (added to ``tracked``
    and ``needles`` so older commits are found too); return the item's name."""
    for c in mine:
        if c.key in tracked or c.previous_key in tracked:
            name = name or c.name
        if c.previous_key:
            tracked.add(c.previous_key)
            needles.add(_needle(obj, c.previous_key))
        for f in c.fields:
            if f.field == "name" and isinstance(f.before, str):
                needles.add(f.before)
    if obj == "power" and name:
        needles.add(name.split("（")[0])
    return name


def _not_found(head: str, key: str) -> str:
    return (f"在 {head[:7]} 中找不到事项「{key}」；请用事项编码、BJ-编号、部门标识、部门/内设机构#序号、目录/编码，"
            "或监管记录的编号（如 YT-002、TC-2025-001、DD-2025-001#1、ZB-2025|1.3.1）指定 (no such item)")


def _log_head(log: ItemLog, md: bool) -> list:
    """The title of an item's log and, when it had other codes, which (and that the one asked is one)."""
    title = f"{D.OBJECTS[log.object][0]} {log.key}" + (f"「{log.name}」" if log.name else "")
    out = [f"## {title} 的调整历史" if md else f"{title} 的调整历史（{len(log.entries)} 次提交）"]
    if log.as_of:
        out += ["", f"按 {log.as_of.isoformat()} 生效的清单（至提交 {log.head[:7]}）"] if md else \
            [f"按 {log.as_of.isoformat()} 生效的清单（至提交 {log.head[:7]}）"]
    if log.former_keys:
        note = f"曾用编码：{'、'.join(log.former_keys)}"
        if log.asked:
            note += f"（{log.asked} 为曾用编码，以下为该事项的完整历史）"
        out += ["", note] if md else [note]
    return out + [""]


def render_log(log: ItemLog, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(log.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
    md = fmt == "markdown"
    out = _log_head(log, md)
    if not log.entries:
        out.append("没有找到改动它的提交。")
    for e in log.entries:
        c = e.commit
        view = D.Diff("", "", names=e.names)
        head = f"{c.committed[:10]} {c.short} {c.author} · {c.subject}"
        if e.in_force.isoformat() != c.committed[:10]:
            head += f"（{e.in_force.isoformat()} 生效）"
        out.append(f"### {head}" if md else head)
        if md:
            out.append("")
        if e.records:
            for r in e.records:
                state = "" if r.valid else f"（无效：{'；'.join(r.errors)}）"
                text = f"调整记录：{r.type or '?'} · 事由：{r.reason or '—'} · 依据：{r.basis or '—'} · 文号：{r.approval or '—'}"
                text += (f" · 生效：{r.effective}" if r.effective else "") + "".join(
                    f" · 原编码：{a} → {b}" for a, b in r.recodes) + state
                out.append(f"- {text}" if md else f"  {text}")
        else:
            out.append("- 未附调整记录" if md else "  未附调整记录")
        for ch in e.changes:
            kinds = "、".join(ch.types)
            where = f"{ch.file}:{ch.line}" if ch.file else ""
            part = f"{D.OBJECTS[ch.object][0]} {ch.key}「{ch.name}」 · " if ch.object == RECORD_PARTS.get(log.object) else ""
            line = part + f"{kinds}（{D.LEVEL_LABELS[ch.level]}）" + (f" · {where}" if where else "")
            out.append(f"- {line}" if md else f"  {line}")
            if not ch.fields:
                text = R.describe(view, ch)
                if text:
                    out.append(f"  - {text}" if md else f"    {text}")
            for f in ch.fields:
                text = R.field_text(view, f)
                out.append(f"  - {text}" if md else f"    {text}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# ---- changelog of a period --------------------------------------------------------------------------
@dataclass
class Changelog:
    since: _dt.date
    until: _dt.date | None
    city: str
    base: str | None
    head: str
    entries: list
    net: D.Diff

    def as_dict(self) -> dict:
        return {"city": self.city, "since": self.since.isoformat(),
                "until": self.until.isoformat() if self.until else None, "base": self.base, "head": self.head,
                "entries": [e.as_dict() for e in self.entries], "net": self.net.as_dict()}


def _day(text: str, what: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise UsageError(f"{what} 应为日期 YYYY-MM-DD：{text} (invalid date)") from None


def changelog(root, since: str, until: str | None = None) -> Changelog:
    """The adjustments of a period: the commits that reached the current branch between the end of
    the day before ``since`` and the end of ``until`` (default: HEAD), with their records, and the
    net change of the period."""
    with history.session(root):
        return _changelog(root, since, until)


def _changelog(root, since: str, until: str | None = None) -> Changelog:
    root = Path(root).resolve()
    since_day = _day(since, "--since")
    until_day = _day(until, "--until") if until else None
    if until_day and until_day < since_day:
        raise UsageError(f"--until {until} 早于 --since {since} (empty period)")
    if not history.has_commits(root):
        raise InputError("仓库还没有任何提交 (no commits yet)")
    base = history.resolve_optional_date(root, since_day - _dt.timedelta(days=1))
    head = history.resolve_optional_date(root, until_day) if until_day else history.resolve(root, "HEAD")
    cfg = _config_at(root, head)
    entries = []
    if head is not None:
        for commit in reversed(history.commits(root, head, since=base, paths=[cfg.lists_dir],
                                               limit=cfg.limits.max_history_commits)):
            d = D.commit_changes(root, commit, lists_dir=cfg.lists_dir)
            if d.changes:
                entries.append(LogEntry(commit, parse_records(commit.message), d.changes, d.names))
    old = D.Side(root, base)
    new = D.Side(root, head)
    net = D.compare(root, old, new) if head is not None else D.Diff("", "")
    return Changelog(since_day, until_day, cfg.city, base, head, entries, net)


def _changelog_details(view: D.Diff, changes: list) -> list:
    """The 明细 the table's （见明细） points to: every changed field of the entries, before → after."""
    detailed = [ch for ch in changes if ch.fields]
    if not detailed:
        return []
    out = ["### 明细", ""]
    for ch in detailed:
        out.append(f"- {R._key_cell(ch, table=False)} {R._cell(ch.name)}（{'、'.join(ch.types)}）")
        out += [f"  - {R._cell(R.field_text(view, f))}" for f in ch.fields]
    return out + [""]


def render_changelog(log: Changelog, fmt: str = "markdown") -> str:
    if fmt == "json":
        return json.dumps(log.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
    period = f"{log.since.isoformat()} 至 {log.until.isoformat() if log.until else '今'}"
    s = log.net.summary()
    out = [f"# {log.city}职责清单动态调整情况（{period}）", ""]
    nrec = sum(len(e.records) for e in log.entries)
    out.append(f"本期共 {len(log.entries)} 次调整提交、{nrec} 条调整记录；与期初相比净变化 {s['total']} 项。")
    out.append("")
    if s["kinds"]:
        out += ["| 调整类别 | 新增 | 取消 | 划转 | 修改 | 合计 |", "|---|---:|---:|---:|---:|---:|"]
        for kind, k in s["kinds"].items():
            out.append(f"| {kind} | {k['新增']} | {k['取消']} | {k['划转']} | {k['修改']} | {k['total']} |")
        out.append("")
    for i, e in enumerate(log.entries, start=1):
        c = e.commit
        view = D.Diff("", "", names=e.names)
        heads = [r for r in e.records if r.valid] or e.records
        label = " · ".join(x for x in ([heads[0].type, heads[0].approval] if heads else ["未附调整记录"]) if x)
        out += [f"## {i}. {c.committed[:10]} · {label}", ""]
        for r in e.records:
            if len(e.records) > 1:
                out.append(f"- **{r.type or '?'}** {r.approval or ''}")
            out.append(f"- 调整事由：{R._cell(r.reason or '—')}")
            out.append(f"- 调整依据：{R._cell(r.basis or '—')}")
            if len(e.records) == 1 and r.approval:
                out.append(f"- 批准文号：{r.approval}")
            if not r.valid:
                out.append(f"- 记录有误：{R._cell('；'.join(r.errors))}")
        out.append(f"- 提交：`{c.short}` {R._cell(c.subject)}（{R._cell(c.author)}）")
        out += ["", "| 类别 | 部门 | 事项 | 调整 | 说明 |", "|---|---|---|---|---|"]
        for ch in e.changes:
            out.append(f"| {ch.adjustment} | {R._cell(view.department_label(ch))} | "
                       f"{R._key_cell(ch)} {R._cell(ch.name)} "
                       f"| {'、'.join(ch.types)} | {R._cell(R.describe(view, ch))} |")
        out.append("")
        out += _changelog_details(view, e.changes)
    if not log.entries:
        out.append("本期没有调整。")
    return "\n".join(out).rstrip("\n") + "\n"
