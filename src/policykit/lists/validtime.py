"""Valid time: the lists *in force* on a date (``as_of``), beside the transaction time of git (``at``).

Two questions, two axes:

- ``at=REV`` (transaction time): what the repository *said* at a revision — the files of that
  commit, as today.
- ``as_of=DATE`` (valid time): what was *in force* on a date. Changes are often approved before
  they take effect (a 机构改革 approved in March, effective 1 July), and records of the past are
  written after it (a 2025 ledger is compiled in January 2026). So ``as_of`` reads the two halves of
  a repository differently:

  * the **lists** (``VALID_TIME_DIRS``: organisations, powers, tasks, boundaries, catalogues,
    divisions) come from the last commit on the first-parent chain (from ``at``, default HEAD)
    before the first commit that is not yet in force on DATE. A commit is in force from the
    latest 生效日期 of its adjustment records, or, without one, from its commit date (read in the
    committer's time zone). A merge is in force when every commit it brings in is. So a change
    approved in advance holds back the commits after it until it takes effect (write such a change
    with entry dates, below, when later commits must not wait for it). When no commit is held back
    and ``at`` is the work tree, the lists are the work tree's.
  * the **records** (ledgers, supervisions, problems, disputes, indicators, evaluations, bodies,
    laws, waivers, ``policykit.yaml``) come from ``at`` (default the work tree): they are what is
    known now about the past.

  Then the entries of the lists are filtered by their own dates: an entry with ``effective``
  (生效日期) is in force from that day, one with ``expires`` (失效日期) is no longer in force *on*
  that day (``effective <= DATE < expires``).

Without git history (a directory that is no repository) only the entry dates apply. A date before
the first commit in force is an error for ``as_of``; a period view (``period_lists``) falls back to
the lists as they are, and says so (``Repository.lists_note``).

``period_lists(repo, day)`` (``lists.repository``): the repository as the lists stood on ``day`` with
``repo``'s records,
what a period's ledgers, evaluation and report are judged by (``day`` = the period's last day).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from pathlib import Path

from ..errors import InputError, UsageError
from .records import as_date

# directories under lists/ whose files are read as of the valid-time date
VALID_TIME_DIRS = ("organizations", "powers", "tasks", "boundaries", "catalogs", "divisions", "processes",
                   "approval-supervision")


# ---- dates ------------------------------------------------------------------------------------
def parse_day(value, what: str = "--as-of") -> _dt.date:
    """A date from a ``YYYY-MM-DD`` string (or a date); a usage error otherwise."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise UsageError(f"{what} 应为日期 YYYY-MM-DD：{value} (invalid date)") from None


def in_force(entry, day: _dt.date) -> bool:
    """Whether a list entry (its raw mapping) is in force on ``day``: ``effective <= day < expires``."""
    if not isinstance(entry, dict):
        return True
    start, end = as_date(entry.get("effective")), as_date(entry.get("expires"))
    return (start is None or start <= day) and (end is None or day < end)


# an entry's period as two numbers (YYYYMMDD), for rules that compare entries: two entries are in
# force on a common day when each starts before the other ends (``a.from < b.until`` and
# ``b.from < a.until``); numbers, because rules may not order strings (rules.py)
OPEN_START = 0
OPEN_END = 99991231


def day_number(day) -> int | None:
    """A date as the number YYYYMMDD (2026-07-01 → 20260701), None when it is no date."""
    day = as_date(day)
    return None if day is None else day.year * 10000 + day.month * 100 + day.day


def entry_period(entry) -> tuple[int, int]:
    """``(from, until)`` of a list entry (its raw mapping) as YYYYMMDD numbers: its ``effective``
    (生效日期, else ``OPEN_START``) and ``expires`` (失效日期, the first day it is no longer in force,
    else ``OPEN_END``). Plain ``check`` compares entries only when their periods overlap."""
    if not isinstance(entry, dict):
        return OPEN_START, OPEN_END
    start, end = entry.get("effective"), entry.get("expires")
    if start is None and end is None:          # most entries: no dates (a fast path, every check)
        return OPEN_START, OPEN_END
    start, end = day_number(start), day_number(end)
    return (OPEN_START if start is None else start), (OPEN_END if end is None else end)


def counts_over_time(periods, within=(OPEN_START, OPEN_END)) -> list[int]:
    """How many of ``periods`` (``entry_period`` pairs) are in force on each day, within the period
    ``within`` (the matter they belong to), where that number can change: its first day and every
    day one of them starts or ends. Undated periods give one number, ``len(periods)``."""
    start, end = within
    days = sorted({start} | {d for p in periods for d in p if start < d < end})
    return [sum(1 for a, b in periods if a <= day < b) for day in days]


# ---- which commit is in force -----------------------------------------------------------------
def commit_in_force_on(commit) -> _dt.date:
    """The day a commit's change takes effect: the latest day any of its adjustment records takes
    effect (``adjustment_records.effective_date``: its 生效日期, else the commit day), or, without a
    record, its commit date (in the committer's time zone)."""
    from .adjustment_records import effective_date, parse_records
    committed = _dt.datetime.fromisoformat(commit.committed).date()
    days = [effective_date(r, committed) for r in parse_records(commit.message)]
    return max((d for d in days if d is not None), default=committed)


@dataclasses.dataclass(frozen=True)
class Choice:
    """The commit the lists are read from on a date, and why."""
    sha: str | None            # None: no commit in force on that date
    tip: str                   # the commit the chain was walked from
    held_back: tuple           # (sha, in force on) of the first commit not yet in force, or ()
    first: str | None          # the oldest commit of the chain (for messages)
    waiting: tuple = ()        # later commits of the chain in force on that date, held back with it

    @property
    def is_tip(self) -> bool:
        return self.sha == self.tip


def choose_commit(root, day: _dt.date, at: str | None = None) -> Choice:
    """The last commit on the first-parent chain from ``at`` (default HEAD) whose change, and every
    change before it, is in force on ``day`` (see the module docstring)."""
    from . import gitdoor
    history = gitdoor.commits(root, at or "HEAD")
    if not history:
        raise InputError("仓库还没有任何提交，无法按生效日期读取 (no commits yet)")
    by_sha = {c.sha: c for c in history}
    tip = history[0].sha
    chain = []
    sha = tip
    while sha in by_sha:
        chain.append(by_sha[sha])
        parents = by_sha[sha].parents
        sha = parents[0] if parents else None
    chain.reverse()                     # oldest first
    seen: set = set()
    chosen = None
    for i, c in enumerate(chain):
        brought = _brought_in(c, by_sha, seen)
        when = max(commit_in_force_on(b) for b in brought)
        if when > day:
            waiting = tuple(later.sha for later in chain[i + 1:]
                            if max(commit_in_force_on(b) for b in _brought_in(later, by_sha, seen)) <= day)
            return Choice(chosen, tip, (c.sha, when), chain[0].sha, waiting)
        chosen = c.sha
    return Choice(chosen, tip, (), chain[0].sha)


def _brought_in(commit, by_sha: dict, seen: set) -> list:
    """The commit and what it brings in that no earlier commit of the chain did (a merge's branch)."""
    out, stack = [], [commit.sha]
    while stack:
        sha = stack.pop()
        if sha in seen or sha not in by_sha:
            continue
        seen.add(sha)
        out.append(by_sha[sha])
        stack.extend(by_sha[sha].parents)
    return out


NO_HISTORY = "仓库没有 git 历史：清单按当前文件读取，只按条目自身的生效、失效日期筛选"


def _inside_git(root: Path) -> bool:
    """Whether ``root`` or a directory above it has a ``.git`` entry (a cheap look before git starts)."""
    root = root.resolve()
    return any((d / ".git").exists() for d in (root, *root.parents))


# ---- a source with two halves -----------------------------------------------------------------
class SplitSource:
    """The lists' directories from one source (the commit in force), everything else from another
    (``at``: a revision or the work tree). The interface of ``sources.WorkTree``."""

    partial = False
    hide_records = False       # True: only the lists and policykit.yaml are seen (a period's lists)

    def __init__(self, lists_source, records_source, lists_prefixes: tuple, max_bytes: int):
        self.lists_source = lists_source
        self.records_source = records_source
        self._prefixes = tuple(p.rstrip("/") + "/" for p in lists_prefixes)
        self._max_bytes = max_bytes
        self.revision = getattr(records_source, "revision", None)
        self.label = f"{getattr(lists_source, 'label', '')} + {getattr(records_source, 'label', '')}"
        self.problems = getattr(records_source, "problems", [])

    def _side(self, rel: str):
        rel = rel.rstrip("/") + "/"
        return self.lists_source if rel.startswith(self._prefixes) else self.records_source

    def _hidden(self, rel: str) -> bool:
        return self.hide_records and self._side(rel) is self.records_source and rel != "policykit.yaml"

    def list_files(self, directory: str, *args) -> list:
        return [] if self._hidden(directory) else self._side(directory).list_files(directory, *args)

    def read_bytes(self, rel: str, max_bytes: int | None = None) -> bytes:
        from .sources import WorkTree
        side = self._side(rel)
        if isinstance(side, WorkTree):
            return side.read_bytes(rel, max_bytes or self._max_bytes)
        return side.read_bytes(rel)

    def exists(self, rel: str) -> bool:
        return not self._hidden(rel) and self._side(rel).exists(rel)

    def identity(self, rel: str) -> str:
        return self._side(rel).identity(rel)


def as_of_source(root: Path, day: _dt.date, at=None, *, lists_dir: str = "lists", max_bytes: int = 0,
                 strict: bool = True):
    """``(source, lists_revision, note)`` for ``open_repository(root, at=at, as_of=day)``.

    ``lists_revision``: the commit the lists come from (None: the same files as ``at``). ``strict``:
    a date before the first commit in force is an error (else the lists of ``at`` are used and
    ``note`` says why)."""
    from . import gitdoor
    from .sources import WorkTree
    if at is None and not (_inside_git(Path(root)) and gitdoor.is_repository(root)):   # no history
        return WorkTree(root), None, NO_HISTORY
    with gitdoor.session(root):
        records = gitdoor.revision_source(root, at) if at is not None else WorkTree(root)
        if at is None and not gitdoor.has_commits(root):
            return records, None, NO_HISTORY
        choice = choose_commit(root, day, at)
        if choice.sha is None:
            # a shallow clone's first commit is no proof that nothing older was in force
            gitdoor.require_full_history(root, gitdoor.commit_info(root, choice.first), f"按 {day.isoformat()} 生效的清单读取")
            first = choice.first[:7] if choice.first else "无"
            message = (f"{day.isoformat()} 时没有已生效的提交：最早的提交 {first} 在此之后才生效 "
                       f"(no commit in force on {day.isoformat()})")
            if strict:
                raise InputError(message)
            return records, None, message.split(" (")[0] + "；清单按当前文件读取"
        if not choice.is_tip:
            lists_source = gitdoor.revision_source(root, choice.sha)
    if choice.is_tip:
        return records, None, None
    prefixes = tuple(f"{lists_dir}/{d}" for d in VALID_TIME_DIRS)
    held_sha, held_day = choice.held_back
    n = len(choice.waiting)
    note = (f"清单取自提交 {choice.sha[:7]}：其后的提交 {held_sha[:7]} 自 {held_day.isoformat()} 起生效"
            + (f"，其后已到生效日的 {n} 个提交随之等待" if n else "")
            + f" (lists from {choice.sha[:7]}; {held_sha[:7]} in force from {held_day.isoformat()}"
            + (f"; {n} later commits in force wait for it)" if n else ")"))
    return SplitSource(lists_source, records, prefixes, max_bytes), choice.sha, note


# ---- entries filtered by their own dates -------------------------------------------------------
def raw_entry(repo, source):
    """The raw mapping a model object was read from (its ``effective``/``expires`` are there), or None."""
    doc = repo.documents.get(source.file)
    node = doc.data if doc is not None else None
    for key in source.path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _roles_in_force(matter, keep):
    """``matter`` with only the roles ``keep`` holds in force, now undated: read as of a day, the
    matter's lead is that day's, whatever today is (``BoundaryMatter.current_roles``)."""
    roles = tuple(r if r.period == (OPEN_START, OPEN_END) else dataclasses.replace(r, period=(OPEN_START, OPEN_END))
                  for r in matter.roles if keep(r))
    if len(roles) == len(matter.roles) and all(x is y for x, y in zip(roles, matter.roles)):
        return matter
    return dataclasses.replace(matter, roles=roles)


def filter_entries(repo, day: _dt.date) -> None:
    """Drop the entries of the lists that are not in force on ``day`` (their own 生效日期/失效日期)."""
    keep = lambda obj: in_force(raw_entry(repo, obj.source), day)  # noqa: E731
    repo.power_items = [i for i in repo.power_items if in_force(i.raw, day)]
    repo.unit_duties = [d for d in repo.unit_duties if keep(d)]
    repo.task_units = [t for t in repo.task_units if in_force(raw_entry(repo, t[2]), day)]
    boundaries = []
    for b in repo.boundaries:
        if not keep(b):
            continue
        boundaries.append(_roles_in_force(b, keep))
    repo.boundaries = boundaries
    catalog = []
    for c in repo.catalog_items:
        raw = raw_entry(repo, c.source)
        if not in_force(raw, day):
            continue
        claims = [cl for cl, r in zip(c.claims, (raw or {}).get("claims") or ()) if in_force(r, day)]
        catalog.append(c if len(claims) == len(c.claims) else dataclasses.replace(c, claims=tuple(claims)))
    repo.catalog_items = catalog
    for dept_id, dept in list(repo.departments.items()):
        units = tuple(u for u in dept.units if keep(u))
        if len(units) != len(dept.units):
            repo.departments[dept_id] = dataclasses.replace(dept, units=units)
    repo.__dict__.pop("_supervision_views", None)
    from .records import views
    v = views(repo)
    v.divisions = [d if all(keep(i) for i in d.items)
                   else dataclasses.replace(d, items=tuple(i for i in d.items if keep(i))) for d in v.divisions]


# ---- a period's lists -------------------------------------------------------------------------
def period_lists(repo, day: _dt.date, open_repository, repository_class):
    """``repo`` as its lists stood on ``day`` (valid time), with ``repo``'s own records: what a
    period ending on ``day`` is judged by (``lists.repository.period_lists`` passes its
    ``open_repository`` and ``Repository``). ``repo`` may be any view of a repository (the site's public copy): its
    records, documents and configuration are the ones read, never the files again. Remembered on
    ``repo``."""
    memo = repo.__dict__.setdefault("_period_lists", {})
    if day in memo:
        return memo[day]
    at = repo.revision
    try:
        source, lists_revision, note = as_of_source(repo.root, day, at, lists_dir=repo.config.lists_dir,
                                                    max_bytes=repo.config.limits.max_file_bytes, strict=False)
    except InputError as exc:     # history unreadable (a shallow clone): judge by the lists as they are
        source, lists_revision, note = None, None, f"{exc}；清单按当前文件读取"
    if lists_revision is None:
        lists = _lists_copy(repo, repository_class)
    else:                         # only the lists' files of that commit are read
        source.hide_records = True
        lists = open_repository(repo.root, source=source, documents=repo.__dict__.get("documents_loader"))
    filter_entries(lists, day)
    view = PeriodView(repo, lists, day, lists_revision or repo.revision, note)
    memo[day] = view
    return view


# what a period view takes from the repository it was made from; everything else is the lists'
BASE_ATTRS = frozenset({"root", "config", "revision", "documents", "kinds", "load_problems", "records", "waivers",
                        "laws", "locate"})


class PeriodView:
    """A repository's records with the lists in force on ``as_of``: attribute reads go to the lists'
    repository (departments, items, duties, boundaries, catalogues, and the queries over them), except
    ``BASE_ATTRS``, which are the original's. Divisions are lists: they come from the lists' side."""

    def __init__(self, base, lists, day, lists_revision, note):
        self._base = base
        self._lists = lists
        self.as_of = day
        self.lists_revision = lists_revision
        self.lists_note = note
        from .records import views
        v = views(self)
        v.divisions = views(lists).divisions

    @property
    def records(self) -> dict:
        return {**self._base.records, "division": self._lists.records.get("division", [])}

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._base if name in BASE_ATTRS else self._lists, name)


def _lists_copy(repo, Repository):  # noqa: N803 - the class, passed in by lists.repository
    """A repository holding ``repo``'s lists (not its records), to be filtered by the entries' dates."""
    fields = {f.name: getattr(repo, f.name) for f in dataclasses.fields(Repository)
              if f.name not in BASE_ATTRS and hasattr(repo, f.name)}
    copy = Repository(root=repo.root, config=repo.config, revision=repo.revision, documents=repo.documents,
                      **{k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
                         for k, v in fields.items() if k not in ("root", "config", "revision", "documents")})
    copy.records = {"division": list(repo.records.get("division", []))}
    if "duplicate_departments" in repo.__dict__:
        copy.__dict__["duplicate_departments"] = repo.__dict__["duplicate_departments"]
    return copy


# ---- what a result was computed from ----------------------------------------------------------
def provenance(repo) -> dict:
    """The revisions and dates a result read (for reproducible evaluations and reports): the date
    the lists were in force on (None: as written), the commit they came from, the revision of the
    records (None: the work tree, with ``head`` its HEAD) and the note of ``period_lists``."""
    from . import gitdoor
    head = None
    if repo.revision is None:
        try:
            if gitdoor.is_repository(repo.root) and gitdoor.has_commits(repo.root):
                head = gitdoor.resolve(repo.root, "HEAD")
        except InputError:
            head = None
    as_of = getattr(repo, "as_of", None)
    return {"lists_as_of": as_of.isoformat() if as_of else None,
            "lists_revision": getattr(repo, "lists_revision", None) or repo.revision,
            "records_revision": repo.revision, "head": head, "note": getattr(repo, "lists_note", None)}


def describe(prov: dict) -> str:
    """One line in Chinese naming what a result was computed from."""
    def rev(sha):
        return sha[:7] if sha else None
    lists = f"{prov['lists_as_of']} 生效的清单" if prov.get("lists_as_of") else "清单按现状"
    where = rev(prov.get("lists_revision")) or (f"工作区，HEAD {rev(prov.get('head'))}" if prov.get("head") else "工作区")
    records = rev(prov.get("records_revision")) or (f"工作区，HEAD {rev(prov.get('head'))}" if prov.get("head") else "工作区")
    line = f"计算依据：{lists}（{where}）；台账与记录（{records}）"
    return line + (f"；{prov['note']}" if prov.get("note") else "")
