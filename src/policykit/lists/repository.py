"""The typed, read-only model of one jurisdiction's lists, with the queries users need.

``open_repository(path)`` reads ``policykit.yaml`` and every file under ``lists/``, validates each
against its schema and builds model objects. Files that fail to parse or validate are kept out of
the model (their problems are reported), so one broken file never hides the rest.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import model as m
from . import processes as _processes
from .processes import index_of as _process_index
from .config import Config, load_config
from .results import PowerIndex, UnitWork
from ..errors import UsageError
from .loader import Document, load_bytes
from ..problems import Problem
from .schemas import validate
from .sources import Refused, WorkTree

# directory under lists/ -> schema kind
LIST_DIRS = {
    "organizations": "organization",
    "powers": "powers",
    "tasks": "tasks",
    "boundaries": "boundary",
    "catalogs": "catalog",
    "laws": "law",
    # the supervision system around the lists (policykit.supervision): kept as raw records
    "performance": "performance",    # 部门履职情况台账
    "supervision": "supervision",    # 督导评估工作台账
    "problems": "problem",           # 问题征集
    "disputes": "dispute",           # 问题调处
    "indicators": "indicator",       # 履职评估指标体系
    "evaluations": "evaluation",     # 履职评估
    "bodies": "body",                # 议事协调机构
    "divisions": "division",         # 市县事权划分
    # 流程再造 and 审管协同 (lists/processes.py)
    "processes": "process",                          # 工作流程
    "approval-supervision": "approval_supervision",  # 审管协同
}
RECORD_KINDS = {"performance", "supervision", "problem", "dispute", "indicator", "evaluation", "body", "division"}
WAIVERS_FILE = "waivers.yaml"


@dataclass
class Repository:
    """One jurisdiction's lists, read-only and typed, with the questions people ask of them.

    Open one with ``policykit.open_repository(path, at=…, as_of=…)``. The model: ``departments``
    (id → ``Department``, with units and 三定 main duties), ``power_items`` (every ``PowerItem`` of
    the 权责清单, duplicates
    included), ``unit_duties`` (the 职责任务清单), ``boundaries`` (the 职责边界清单),
    ``catalog_items`` (监管事项目录), ``laws``, ``waivers`` and ``records`` (supervision records by
    kind, typed views in ``policykit.lists.records``). ``load_problems`` holds what kept a file out
    of the model; ``revision`` the commit read (None: the work tree)."""
    root: Path
    config: Config
    revision: str | None = None
    documents: dict = field(default_factory=dict)          # file -> Document
    kinds: dict = field(default_factory=dict)              # file -> kind
    load_problems: list = field(default_factory=list)      # parse + schema problems
    departments: dict = field(default_factory=dict)        # id -> Department
    power_items: list = field(default_factory=list)        # every item, duplicates included
    unit_duties: list = field(default_factory=list)
    task_units: list = field(default_factory=list)         # (department, unit, Source) with a duty list
    boundaries: list = field(default_factory=list)
    catalog_items: list = field(default_factory=list)
    waivers: list = field(default_factory=list)
    laws: list = field(default_factory=list)               # raw law records (see laws.py)
    records: dict = field(default_factory=dict)            # kind -> [(file, data)] for RECORD_KINDS
    power_files: dict = field(default_factory=dict)        # file -> declared department
    # (repo, text) -> [Answer]: the plain-words lookup (policykit.lookup), set by policykit.open_repository
    lookup_engine: object = field(default=None, compare=False, repr=False)
    processes: list = field(default_factory=list)          # work processes (lists/processes.py)
    approval_pairs: list = field(default_factory=list)     # 审管协同 records (lists/processes.py)
    # valid time (validtime.py): the date the lists are in force on (None: as written), the commit
    # they were read from when it is not ``revision``, and why
    as_of: object = None
    lists_revision: str | None = None
    lists_note: str | None = None

    # ---- locating -------------------------------------------------------------------------
    def locate(self, source: m.Source, *fields) -> tuple[str, int, int, str]:
        """file, line, column and JSON path of ``source`` (or one of its fields)."""
        doc: Document = self.documents[source.file]
        path = tuple(source.path) + tuple(fields)
        line, col = doc.position(path)
        from .loader import json_path
        return source.file, line, col, json_path(path)

    # ---- queries ---------------------------------------------------------------------------
    @property
    def powers(self) -> PowerIndex:
        """Power items by code, read-only (``repo.powers["370199101XK00100"]``, ``.get``, ``in``);
        a code written twice gives its first item and is named in ``repo.powers.duplicates``.
        Built once per list of items (rules' facts ask it per matter: rebuilding cost 0.35 s at Jinan scale)."""
        items = self.power_items
        memo = self.__dict__.get("_power_index")
        if memo is None or memo[0] is not items or memo[1] != len(items):
            memo = self.__dict__["_power_index"] = (items, len(items), PowerIndex(items))
        return memo[2]

    def department(self, dept_id: str) -> m.Department | None:
        """The department with id ``dept_id`` (``scjgj``), or None."""
        return self.departments.get(dept_id)

    def item(self, code: str) -> m.PowerItem | None:
        """The power item with ``code`` (the first, if the code is written twice), or None."""
        return next((i for i in self.power_items if i.code == code), None)

    def items_of(self, dept_id: str, category: str | None = None, unit: str | None = None) -> list[m.PowerItem]:
        """A department's power items in file order, optionally of one ``category`` (行政许可 …)
        and one undertaking ``unit`` (承办机构)."""
        return [i for i in self.power_items if i.department == dept_id
                and (category is None or i.category == category) and (unit is None or i.unit == unit)]

    def items_by_category(self, dept_id: str | None = None) -> dict[str, list[m.PowerItem]]:
        """Power items grouped by category (权力类型 → items, in file order), of one department or,
        with ``dept_id`` None, of all."""
        out = defaultdict(list)
        for i in self.power_items:
            if dept_id is None or i.department == dept_id:
                out[i.category].append(i)
        return dict(out)

    def unit_duties_of(self, dept_id: str, unit: str | None = None) -> list[m.UnitDuty]:
        """A department's duties in the 职责任务清单 (of one internal ``unit``, or all), in file order."""
        return [d for d in self.unit_duties if d.department == dept_id and (unit is None or d.unit == unit)]

    def what_unit_does(self, dept_id: str, unit: str) -> UnitWork:
        """A unit's duty list and the power items it undertakes (``.duties``, ``.powers``; the old
        ``["duties"]`` and ``["powers"]`` still work)."""
        return UnitWork(dept_id, unit, tuple(self.unit_duties_of(dept_id, unit)),
                        tuple(self.items_of(dept_id, unit=unit)))

    def boundary(self, key: str) -> m.BoundaryMatter | None:
        """The boundary matter with id ``key`` (``BJ-001``) or exactly that name (应急物资保障), or None."""
        return next((b for b in self.boundaries if b.id == key or b.name == key), None)

    def find_matters(self, text: str) -> list[m.BoundaryMatter]:
        """Boundary matters whose name, domain or duties mention ``text``, then those the plain-words
        lookup ranks for it (危化品车辆停车场 → 危险化学品运输车辆停车场监管)."""
        text = text.strip()
        hits = []
        for b in self.boundaries:
            hay = " ".join([b.name, b.domain or ""] + [d for r in b.roles for d in r.duties])
            if text and text in hay:
                hits.append(b)
        hits.sort(key=lambda b: (text not in b.name, b.id))
        if text and self.lookup_engine is not None:       # then what the plain-words lookup ranks
            for answer in self.lookup(text):
                b = self.boundary(answer.key) if answer.kind == "matter" else None
                if b is not None and b not in hits:
                    hits.append(b)
        return hits

    def lookup(self, text: str) -> list:
        """Plain words → ranked answers (``policykit.lookup.Answer``: matter or item, lead and
        cooperating departments, score, the words matched and where). Needs the lookup engine, which
        ``policykit.open_repository`` sets; ``policykit.lookup.lookup`` also names departments when
        nothing fits."""
        if self.lookup_engine is None:
            raise UsageError("此仓库未接入派单查询：请用 policykit.open_repository 打开 (open it through "
                             "policykit.open_repository for the lookup)")
        return list(self.lookup_engine(self, text))

    def lead_of(self, matter: str) -> str | None:
        """The id of the one department leading boundary matter ``matter`` (id or exact name); for
        other words, the lead of the lookup's confident first answer (电动自行车充电); None when
        nothing fits or the matter has no single lead."""
        b = self.boundary(matter)
        if b is not None:
            return b.lead
        if self.lookup_engine is not None and matter.strip():
            answers = self.lookup(matter)
            if answers and answers[0].confident:
                return answers[0].lead
        return None

    def cooperating_of(self, matter: str) -> tuple[str, ...]:
        """The ids of the departments cooperating (配合) on boundary matter ``matter``; () if unknown."""
        b = self.boundary(matter)
        return b.cooperating if b else ()

    def matters_of(self, dept_id: str, role: str | None = None) -> list[m.BoundaryMatter]:
        """The boundary matters a department takes part in, optionally only as ``role`` (牵头 or 配合)."""
        return [b for b in self.boundaries
                if any(r.department == dept_id and (role is None or r.role == role) for r in b.roles)]

    def unclaimed_catalog_items(self) -> list[m.CatalogItem]:
        """Catalogue items without exactly one lead department (the Jinan case found 44)."""
        return [c for c in self.catalog_items if len(c.leads) != 1]

    def processes_of(self, dept_id: str) -> list:
        """A department's work processes (lists/processes/<dept>.yaml), in file order."""
        return list(_process_index(self).by_department.get(dept_id, ()))

    def processes_for_item(self, code: str) -> list:
        """The work processes that carry out power item ``code``."""
        return list(_process_index(self).by_item.get(code, ()))

    def processes_of_duty(self, dept_id: str, unit: str, no: int) -> list:
        """The work processes of one unit duty of the 职责任务清单."""
        return list(_process_index(self).by_duty.get(f"{dept_id}/{unit}#{no}", ()))

    def predecessors_of(self, dept_id: str) -> list:
        """``(predecessor, event)`` of a department: the departments that merged into it or whose
        duties it took over (``Department``), and the predecessors its own 沿革 names (a
        ``Department`` when the name is an id in the registry, else the name as written)."""
        out = []
        for d in self.departments.values():
            if d.id != dept_id and d.end is not None and d.successor == dept_id:
                out.append((d, d.end))
        dept = self.departments.get(dept_id)
        for e in dept.lifecycle if dept else ():
            for p in e.predecessors:
                known = self.departments.get(p)
                if not any(known is q for q, _ in out):
                    out.append((known or p, e))
        return out

    def current_department(self, dept_id: str, day=None) -> str:
        """The department that holds ``dept_id``'s duties on ``day`` (default today): itself, or,
        after its 合并 or 撤销, its successor (followed through later ends)."""
        import datetime as _dt
        day = day or _dt.date.today()
        seen = {dept_id}
        d = self.departments.get(dept_id)
        while d is not None and d.ended_on is not None and d.ended_on <= day and d.successor and d.successor not in seen:
            seen.add(d.successor)
            dept_id, d = d.successor, self.departments.get(d.successor)
        return dept_id

    def department_name(self, dept_id: str) -> str:
        """A department's short name (or full name) for messages and pages; the id if unknown."""
        d = self.departments.get(dept_id)
        return (d.short_name or d.name) if d else dept_id


def open_repository(path=".", at=None, *, as_of=None, source=None, documents=None) -> Repository:
    """The lists under ``path`` (the work tree, or revision/date ``at``, or a given ``source``).

    ``as_of``: a date (``YYYY-MM-DD`` or ``datetime.date``): the lists in force on that day (valid
    time; ``validtime.py``), the records as of ``at``.

    ``documents``: the document loader, ``(root, source, files, config) -> (rel, kind, Document,
    problems)`` per file in order. The default reads and validates each file here; the speed wing's
    cached, parallel loader has the same signature and gives the same documents and problems
    (``policykit.open_repository`` and ``policykit check`` pass it in)."""
    root = Path(path).resolve()
    if not root.is_dir():
        raise UsageError(f"目录不存在：{path} (no such directory)")
    day = lists_revision = note = None
    if as_of is not None and source is None:
        from . import validtime
        day = validtime.parse_day(as_of)
        rev_config, _ = _load_config(root, WorkTree(root))
        source, lists_revision, note = validtime.as_of_source(
            root, day, at, lists_dir=rev_config.lists_dir, max_bytes=rev_config.limits.max_file_bytes)
    if at is not None and source is None:
        from .gitdoor import revision_source
        source = revision_source(root, at)
    work_tree = source is None
    source = source or WorkTree(root)
    if work_tree:
        require_repository(root, source)
    config, config_problems = _load_config(root, source)
    repo = Repository(root=root, config=config, revision=getattr(source, "revision", None))
    repo.__dict__["documents_loader"] = documents
    repo.load_problems.extend(config_problems)
    load = documents or load_documents
    files = []
    for directory, kind in LIST_DIRS.items():
        for rel in source.list_files(f"{config.lists_dir}/{directory}"):
            files.append((rel, kind))
    waivers_rel = f"{config.lists_dir}/{WAIVERS_FILE}"
    if source.exists(waivers_rel):
        files.append((waivers_rel, "waivers"))
    # directories refused while listing (a linked lists directory leading out of the repository)
    repo.load_problems.extend(getattr(source, "problems", ()))
    for rel, kind, doc, problems in load(root, source, files, config):
        repo.documents[rel] = doc
        repo.kinds[rel] = kind
        repo.load_problems.extend(problems)
        if doc.data is not None and not any(p.severity == "error" for p in problems):
            _build(repo, rel, kind, doc.data)
        elif doc.data is not None and kind == "powers":
            repo.power_files[rel] = doc.data.get("department") if isinstance(doc.data, dict) else None
    if day is not None:
        from .validtime import filter_entries
        filter_entries(repo, day)
        repo.as_of, repo.lists_revision, repo.lists_note = day, lists_revision or repo.revision, note
    return repo


def require_repository(root: Path, source) -> None:
    """A folder is a policykit repository when it has ``policykit.yaml`` (what ``policykit init``
    writes), or a ``lists/`` folder with a list folder of a known kind or ``waivers.yaml`` in it (a
    repository relying on the default configuration). Anything else is not one: reading it as an
    empty repository would report an empty folder, or a mistyped path, as clean."""
    from .config import CONFIG_FILE
    if source.exists(CONFIG_FILE):
        return
    if any(source.exists(f"lists/{name}") for name in (*LIST_DIRS, WAIVERS_FILE)):
        return
    from ..errors import InputError
    above = next((p for p in Path(root).parents if (p / CONFIG_FILE).is_file()), None)   # run in a sub-folder?
    hint = (f"上级目录 {above} 是 policykit 仓库：请在那里运行，或给出它的路径" if above is not None else
            "新城市用 policykit init 建立仓库（见 docs/init.md）；已有仓库请在其根目录运行，或给出根目录路径")
    raise InputError(f"不是 policykit 仓库：{root} 中既没有 {CONFIG_FILE}，也没有 lists/ 下的清单目录 "
                     f"(not a policykit repository: no {CONFIG_FILE}, no lists/<kind>/)", hint=hint)


def period_lists(repo: Repository, day) -> Repository:
    """``repo`` with its lists as they stood on ``day`` (valid time, ``validtime.py``) and its own
    records: what a period ending on ``day`` is judged by. Remembered on ``repo``."""
    from .validtime import period_lists as _period_lists
    return _period_lists(repo, day, open_repository, Repository)


def load_documents(root: Path, source, files, config):
    """Read, parse and validate each file in turn: the plain document loader."""
    for rel, kind in files:
        try:
            raw = read_list_file(source, rel, config)
        except OSError as exc:
            yield rel, kind, Document(rel), [unreadable_problem(rel, exc)]
            continue
        doc, problems = parse_and_validate(rel, kind, raw, config, root)
        yield rel, kind, doc, problems


def read_list_file(source, rel: str, config: Config) -> bytes:
    """A list file's bytes. The work tree opens it inside the repository only, as a regular file,
    and refuses one over ``max_file_bytes`` before reading it (``sources.Tree``); a revision asks
    the blob's size first and never reads one over it (``gitdoor.SnapshotSource``)."""
    return source.read_bytes(rel, config.limits.max_file_bytes)


def unreadable_problem(rel: str, exc: OSError) -> Problem:
    """The located problem for a list file that could not be read (refused, or an OS error)."""
    if isinstance(exc, Refused):
        return exc.problem(rel)
    return Problem(rel, 1, 1, "$", "FILE-UNREADABLE", "error", f"无法读取文件：{exc} (cannot read)")


def _load_config(root: Path, source) -> tuple[Config, list[Problem]]:
    if isinstance(source, WorkTree):
        return load_config(root)
    from .config import CONFIG_FILE
    if not source.exists(CONFIG_FILE):
        return Config(), []
    # a revision: parse the config text of that revision through the same code path
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / CONFIG_FILE).write_bytes(source.read_bytes(CONFIG_FILE))
        return load_config(Path(tmp))


def parse_and_validate(rel: str, kind: str, raw: bytes, config: Config, root: Path) -> tuple[Document, list[Problem]]:
    doc = load_bytes(raw, rel, config.limits)
    problems = list(doc.problems)
    if doc.data is not None:
        problems.extend(validate(doc, kind, root))
    return doc, problems


def _basis(entries) -> tuple:
    return tuple(m.LegalBasis(b["level"], b["title"], str(b.get("article", "")), b.get("text")) for b in entries or ())


def _build_organization(repo: Repository, rel: str, data: dict) -> None:
    """A department with its main duties and internal units; a second file for one id is kept aside."""
    dept_id = data["id"]
    sanding = data.get("sanding") or {}
    duties = tuple(m.MainDuty(dept_id, d["no"], d["text"], m.Source(rel, ("sanding", "main_duties", i)))
                   for i, d in enumerate(sanding.get("main_duties") or ()))
    units = tuple(m.Unit(dept_id, u["name"], u.get("duties_summary"), m.Source(rel, ("units", i)))
                  for i, u in enumerate(data.get("units") or ()))
    dept = m.Department(dept_id, data["code"], data["name"], data.get("short_name"), data.get("type"),
                        sanding.get("document"), sanding.get("effective"), duties, units, m.Source(rel, ()),
                        _lifecycle(rel, data.get("lifecycle")),
                        aliases=tuple(str(a) for a in data.get("aliases") or () if isinstance(a, str)))
    if dept_id not in repo.departments:
        repo.departments[dept_id] = dept
    else:  # reported by the rule ORG-DUPLICATE through the facts; keep the first
        repo.__dict__.setdefault("duplicate_departments", []).append(dept)


def _lifecycle(rel: str, events) -> tuple:
    """A department's 沿革 (设立, 更名, 合并, 撤销), in date order (undated last, as written)."""
    from .records import as_date
    out = [m.DepartmentEvent(e["event"], as_date(e.get("date")), str(e.get("approval") or ""), e.get("successor"),
                             tuple(str(p) for p in e.get("predecessors") or ()), e.get("former_name"),
                             m.Source(rel, ("lifecycle", i)))
           for i, e in enumerate(events or ())]
    return tuple(sorted(out, key=lambda e: (e.date is None, e.date.toordinal() if e.date else 0)))


def _build_powers(repo: Repository, rel: str, data: dict) -> None:
    """The power items of one department's powers file, in file order."""
    dept_id = data["department"]
    repo.power_files[rel] = dept_id
    for i, it in enumerate(data.get("items") or ()):
        repo.power_items.append(m.PowerItem(
            code=str(it["code"]), department=dept_id, name=it["name"], sub_name=it.get("sub_name"),
            category=it["category"], legal_basis=_basis(it.get("legal_basis")), unit=it["unit"],
            levels=tuple(it.get("levels") or ()), sanding_duty=it.get("sanding_duty"),
            responsibilities=tuple(it.get("responsibilities") or ()),
            accountability_targets=tuple(it.get("accountability_targets") or ()),
            accountability_cases=tuple(it.get("accountability_cases") or ()),
            power_source=it["power_source"], source_document=it.get("source_document"),
            delegator=it.get("delegator"), co_departments=tuple(it.get("co_departments") or ()),
            catalog_code=it.get("catalog_code"), supervision_items=tuple(it.get("supervision_items") or ()),
            status=it["status"], remark=it.get("remark"), raw=it, source=m.Source(rel, ("items", i))))


def _build_tasks(repo: Repository, rel: str, data: dict) -> None:
    """The units of one department's task file and each unit's duties."""
    dept_id = data["department"]
    for ui, u in enumerate(data.get("units") or ()):
        repo.task_units.append((dept_id, u["unit"], m.Source(rel, ("units", ui))))
        for di, d in enumerate(u.get("duties") or ()):
            repo.unit_duties.append(m.UnitDuty(dept_id, u["unit"], d["no"], d["sanding_duty"], d["content"],
                                               tuple(d.get("tasks") or ()), d.get("post"),
                                               m.Source(rel, ("units", ui, "duties", di))))


def _build_boundary(repo: Repository, rel: str, data: dict) -> None:
    """One boundary matter with the role of each department in it."""
    from .validtime import entry_period
    # each role keeps its own dates: read as written, the lead and the cooperating departments are those
    # in force today (read as of a day, validtime.filter_entries keeps that day's roles, undated)
    roles = tuple(m.BoundaryRole(r["department"], r["role"], tuple(r.get("duties") or ()),
                                 m.Source(rel, ("departments", i)), entry_period(r))
                  for i, r in enumerate(data.get("departments") or ()))
    repo.boundaries.append(m.BoundaryMatter(data["id"], data["name"], data.get("domain"), _basis(data.get("basis")),
                                            tuple(data.get("related_powers") or ()), roles,
                                            dict(data.get("mechanism") or {}), m.Source(rel, ())))


def _build_catalog(repo: Repository, rel: str, data: dict) -> None:
    """The items of one catalogue with the departments claiming each."""
    for i, it in enumerate(data.get("items") or ()):
        claims = tuple(m.Claim(c["department"], c["role"]) for c in it.get("claims") or ())
        repo.catalog_items.append(m.CatalogItem(data["id"], str(it["code"]), it["name"], it.get("domain"), claims,
                                                m.Source(rel, ("items", i))))


def _build_waivers(repo: Repository, rel: str, data: dict) -> None:
    """The approved waivers of the waivers file."""
    for i, w in enumerate(data.get("waivers") or ()):
        repo.waivers.append(m.Waiver(w["rule"], tuple(w["items"]), w["owner"], w["approval"], w["expires"],
                                     w.get("reason"), m.Source(rel, ("waivers", i)), approved_by=w.get("approved_by"),
                                     approved_on=w.get("approved_on"), author=w.get("author")))


def _build_law(repo: Repository, rel: str, data: dict) -> None:
    """A law file is kept as its data; the law pages and facts read it from there."""
    repo.laws.append((rel, data))


# kind -> the builder that adds a clean file of that kind to the repository
_BUILDERS = {"organization": _build_organization, "powers": _build_powers, "tasks": _build_tasks,
             "boundary": _build_boundary, "catalog": _build_catalog, "waivers": _build_waivers, "law": _build_law,
             "process": _processes.build_processes, "approval_supervision": _processes.build_approval_supervision}


def _build(repo: Repository, rel: str, kind: str, data: dict) -> None:
    """Add one clean file's contents to the repository model: its kind's builder, or as a record."""
    builder = _BUILDERS.get(kind)
    if builder is not None:
        builder(repo, rel, data)
    elif kind in RECORD_KINDS:
        repo.records.setdefault(kind, []).append((rel, data))
