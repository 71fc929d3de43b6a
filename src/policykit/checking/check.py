"""``policykit check``: load, validate, run the rules, apply overrides and waivers, report."""
from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import gc
import time
from dataclasses import dataclass, field
from typing import ClassVar
from pathlib import Path

from ..errors import UsageError
from .facts import Fact, build_facts, waiver_terms
from ..problems import SEVERITY_LABEL, SEVERITY_RANK, Problem, at_least, summarize
from ..lists.repository import Repository, open_repository
from ..lists.dispute_commits import dispute_commit_problems
from ..lists.former_departments import deleted_problems, held_back
from ..speed.cache import load_documents
from .holds import fit_rules, skipped_notice, undeclared_notice
from .rules import Rule, load_rules, render_message

from ..lists.defaults import BUNDLED_RULES  # the rules shipped inside the package (policykit/defaults/rules)


@dataclass
class CheckResult:
    repo: Repository
    rules: list
    problems: list
    timings: dict = field(default_factory=dict)
    fact_count: int = 0
    root: Path | None = None
    config: object = None
    file_count: int | None = None
    reuse: dict = field(default_factory=dict)   # what was carried over from earlier runs
    facts: list = field(default_factory=list, repr=False)  # the facts the rules were run on

    def failing(self, threshold: str) -> list[Problem]:
        return at_least(self.problems, threshold)

    @property
    def summary(self) -> dict:
        files = self.file_count if self.file_count is not None else len(self.repo.documents)
        return {**summarize(self.problems), "rules": len(self.rules), "facts": self.fact_count, "files": files}


@dataclass(frozen=True)
class ProcessPolicy:
    """What a check may do to the whole process for speed. Each trick is the caller's choice: the
    default, for a library caller (perhaps a threaded host), does none, and a check leaves no global
    behind; ``policykit check`` passes ``ProcessPolicy.FAST`` (the CLI owns its process).

    ``pause_gc``: the cyclic garbage collector is off while the lists are loaded and the facts are
    built (a million objects and no cycles worth collecting; 60% of a cold parse otherwise), then
    switched back on if it was on. ``freeze_for_fork``: the loaded model is moved out of the
    collector's reach (``gc.freeze``) until the rules have run, so forked rule processes share its
    pages instead of copying them. ``zygote``: with ``reuse``, a small process started before the
    repository is loaded forks the rule processes of an edit's small runs (``engine.small_runs_in_zygote``);
    it ends with the check.

    Not a choice: each durable-rules ruleset runs in a forked process of its own where ``fork``
    exists (``engine``: rulesets corrupt each other in one process), whatever the policy."""

    pause_gc: bool = False
    freeze_for_fork: bool = False
    zygote: bool = False
    FAST: ClassVar["ProcessPolicy"]   # every trick: for a process that is the CLI's own


ProcessPolicy.FAST = ProcessPolicy(pause_gc=True, freeze_for_fork=True, zygote=True)


@dataclass(frozen=True)
class _Backend:
    """A backend's ``evaluate`` with one check's budget (one deadline for all its runs) and zygote
    bound: what ``incremental.evaluate`` calls, however many runs it makes."""

    module: object
    budget: object
    zygote: object = None

    def evaluate(self, rules, facts, **kw):
        return self.module.evaluate(rules, facts, budget=self.budget, zygote=self.zygote, **kw)


def rules_dir_for(root: Path, config_rules_dir: str) -> Path:
    here = root / config_rules_dir
    return here if here.is_dir() else BUNDLED_RULES


def run_check(path=".", *, rules_dir=None, engine: str = "durable", workers=None, progress=None,
              today: _dt.date | None = None, at=None, repo: Repository | None = None,
              only_rules: set | None = None, legal_date: _dt.date | None = None,
              reuse: bool = False, process: ProcessPolicy | None = None) -> CheckResult:
    """Check the lists at ``at`` (work tree, a revision, or the last commit of a date), with laws
    as in force on ``legal_date`` (default: the date ``at`` names, else today).

    ``reuse``: carry over what earlier checks of this work tree computed — the whole result when no
    input changed (check_memo), else the rule matches that cannot have changed (incremental). The
    problems are the same as without it; ``result.repo`` is None when the whole result was reused.

    ``process``: the process-wide speed tricks the caller allows (``ProcessPolicy``; default none).
    """
    process = process or ProcessPolicy()
    timings = {}
    t0 = time.perf_counter()
    if legal_date is None and isinstance(at, str):
        try:
            legal_date = _dt.date.fromisoformat(at)
        except ValueError:
            pass
    memo_key = None
    # one cache store for the whole run: documents, memo, compiled rules, incremental state, locations
    store = _run_store(path, repo)
    if reuse and at is None and repo is None and only_rules is None:
        memo_key, stored = _recall_whole(path, rules_dir, engine, today, legal_date, store)
        if stored is not None:
            stored.timings["total"] = time.perf_counter() - t0
            return stored
    # an edit's few changed facts are matched in processes forked from a small process started
    # now, before the repository is loaded (engine.small_runs_in_zygote)
    if process.zygote and reuse and at is None and engine == "durable":
        from .engine import small_runs_in_zygote
        zygotes = small_runs_in_zygote()
    else:
        zygotes = contextlib.nullcontext()
    # building the model and the facts makes a million objects and no cycles worth collecting
    gc_was_enabled = gc.isenabled()
    with zygotes:
        if process.pause_gc:
            gc.disable()
        try:
            repo = repo or open_repository(path, at=at, documents=functools.partial(
                load_documents, pause_gc=process.pause_gc, store=store))
            timings["load"] = time.perf_counter() - t0
            rdir = Path(rules_dir).resolve() if rules_dir else rules_dir_for(repo.root, repo.config.rules_dir)
            rules, rule_problems = load_rules(rdir, repo.root if rdir.is_relative_to(repo.root) else rdir.parent,
                                              repo.config.limits, store=store)
            require_rules(rules, rule_problems, rdir, repo.root)
            rules, skipped = fit_rules(rules, repo.config)   # a list the repository does not hold: not run
            if only_rules is not None:
                rules = [r for r in rules if r.id in only_rules]
            t1 = time.perf_counter()
            facts = build_facts(repo, today=today, legal_date=legal_date)
            timings["facts"] = time.perf_counter() - t1
            if process.freeze_for_fork:
                gc.freeze()  # forked rule processes then share these pages instead of copying them
        finally:
            if process.pause_gc and gc_was_enabled:
                gc.enable()
        t2 = time.perf_counter()
        problems = (list(repo.load_problems) + rule_problems + override_notices(repo.config, rules + skipped)
                    + skipped_notice(repo.config, skipped) + undeclared_notice(repo.config, repo.kinds)
                    + dispute_commit_problems(repo)    # recorded commits exist (git repositories only)
                    + deleted_problems(repo))          # a department's file deleted instead of its lifecycle
        stats: dict = {}
        from ..speed.cache import remembered_locations
        from .engine import Budget
        try:
            # a check that reuses also remembers where its problems were, for the next one; the
            # rules share one time budget however many runs incremental reuse makes (limits:)
            with remembered_locations(repo.root, repo.documents.values(), store=store) if reuse and at is None \
                    else contextlib.nullcontext():
                found = evaluate_rules(repo, rules, facts, engine=engine, workers=workers, progress=progress,
                                       today=today, blocked=_blocked_departments(repo),
                                       reuse_stats=stats if reuse and at is None else None, store=store,
                                       budget=Budget.of(repo.config.limits),
                                       zygote=getattr(zygotes, "zygote", None))
        finally:
            if process.freeze_for_fork:
                gc.unfreeze()
    problems += found
    timings["rules"] = time.perf_counter() - t2
    timings["total"] = time.perf_counter() - t0
    result = CheckResult(repo, rules, sorted(problems), timings, len(facts), root=repo.root, config=repo.config,
                         reuse=stats, facts=facts)
    if memo_key:
        from ..speed import memo as check_memo
        check_memo.remember(repo.root, memo_key, result.problems, rules=len(rules), facts=len(facts),
                            files=len(repo.documents), store=store)
    return result


def _recall_whole(path, rules_dir, engine, today, legal_date, store) -> tuple[str | None, CheckResult | None]:
    """The memo key of a check of the work tree at ``path``, and its stored result if there is one."""
    from ..speed import memo as check_memo
    from ..lists.config import load_config
    root = Path(path).resolve()
    if not root.is_dir():
        return None, None
    config, _ = load_config(root)
    rdir = Path(rules_dir).resolve() if rules_dir else rules_dir_for(root, config.rules_dir)
    memo_key = check_memo.key_for(root, config=config, rules_dir=rdir, engine=engine,
                                  today=today or _dt.date.today(), legal_date=legal_date, store=store)
    stored = check_memo.recall(root, memo_key, store=store) if memo_key else None
    if stored is None:
        return memo_key, None
    rules, _ = load_rules(rdir, root if rdir.is_relative_to(root) else rdir.parent, config.limits, store=store)
    rules, _ = fit_rules(rules, config)
    return memo_key, CheckResult(None, rules, stored["problems"], {}, stored["facts"], root=root, config=config,
                                 file_count=stored["files"], reuse={"whole": True})


def _run_store(path, repo: Repository | None = None):
    """The one cache store of a check (None: no cache): created here, passed down to every step."""
    from ..speed.cache import Store
    root = repo.root if repo is not None else Path(path).resolve()
    return Store.for_root(root) if root.is_dir() else None


def require_rules(rules: list, rule_problems: list, rdir: Path, root: Path) -> None:
    """A check that runs no rule would pass anything: zero rules is a usage error, never a clean
    result. (Rule files that do not compile are reported as errors and fail the check already.)"""
    if rules or any(p.severity == "error" for p in rule_problems):
        return
    shown = rdir.relative_to(root).as_posix() if rdir.is_relative_to(root) else str(rdir)
    raise UsageError(f"规则目录 {shown} 中没有任何规则：不运行规则的检查什么也证明不了 (no rules loaded)",
                     hint="检查 policykit.yaml 的 rules_dir，或用 --rules 指定规则目录")


def override_notices(config, rules) -> list[Problem]:
    """One problem for every severity override that switches a rule off or lowers it, at its line
    in policykit.yaml: what a configuration does to the checks is never silent. These notices are
    not rules: no override, waiver or rule file can switch them off."""
    from ..lists.config import CONFIG_FILE
    from ..lists.loader import json_path
    declared = {r.id: r for r in rules}
    out = []
    for rule_id, level in config.severity_overrides.items():
        line, col = config.override_positions.get(rule_id, (1, 1))
        path = json_path(("severity_overrides", rule_id))
        rule = declared.get(rule_id)
        named = f"规则 {rule_id}" + (f"「{rule.title}」" if rule is not None else " ")
        if level == "off":
            out.append(Problem(CONFIG_FILE, line, col, path, "CONFIG-RULE-OFF", "warning",
                               f"{named}已被 severity_overrides 关闭，本次检查不报告它发现的任何问题 "
                               f"(rule switched off by severity_overrides)"))
            continue
        base = rule.severity if rule is not None else "error"   # check_since's ADJ-* rules are errors
        if level in SEVERITY_RANK and SEVERITY_RANK[level] < SEVERITY_RANK.get(base, 2):
            out.append(Problem(CONFIG_FILE, line, col, path, "CONFIG-RULE-LOWERED", "info",
                               f"{named}的级别被 severity_overrides 由{SEVERITY_LABEL[base]}降为{SEVERITY_LABEL[level]} "
                               f"(severity lowered by severity_overrides: {base} → {level})"))
    return out



def _blocked_departments(repo: Repository) -> dict[str, str]:
    """Departments whose organization, power or task file could not be read: department -> file.

    Rules would otherwise report every reference into the missing file (dozens of follow-on
    problems for one syntax error); those are held back until the file reads again.
    """
    failed = {p.file for p in repo.load_problems if p.severity == "error"}
    out = {}
    for file in sorted(failed):
        kind = repo.kinds.get(file)
        if kind in ("organization", "powers", "tasks"):
            doc = repo.documents.get(file)
            data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
            dept = data.get("id") or data.get("department") or file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            out.setdefault(str(dept), file)
    # a department whose file was deleted (ORG-FILE-DELETED says so at each reference): its
    # unknown-department follow-ons are held back in the same way
    for dept, file in held_back(repo).items():
        out.setdefault(dept, file)
    return out


def _mentions(fact: Fact, depts, code_owner=None) -> str | None:
    """The blocked department a fact refers to: by department id, unit or duty key, or by a power
    code whose department segment belongs to it (boundary, catalogue and division references)."""
    d = fact.data
    for name in ("department", "co_department"):
        if d.get(name) in depts:
            return d[name]
    for name, sep in (("unit_key", "/"), ("sanding_duty_key", "#")):
        value = d.get(name)
        if value and value.split(sep, 1)[0] in depts:
            return value.split(sep, 1)[0]
    if d.get("kind") == "department" and fact.key in depts:
        return fact.key
    if code_owner:
        for value in d.values():
            if isinstance(value, str) and (owner := code_owner(value)):
                return owner
    return None


def _code_owner(repo: Repository, blocked: dict):
    """value -> blocked department id, for values that are power codes of a blocked department."""
    by_code = {dept.code: dept.id for dept_id, dept in repo.departments.items() if dept_id in blocked}
    if not by_code:
        return None
    pattern = repo.config.code_regex

    def owner(value: str):
        m = pattern.match(value)
        return by_code.get(m.groupdict().get("department")) if m else None
    return owner


def evaluate_rules(repo: Repository, rules: list[Rule], facts: list[Fact], *, engine="durable", workers=None,
                   progress=None, today=None, blocked: dict | None = None,
                   reuse_stats: dict | None = None, budget=None, zygote=None, store=...) -> list[Problem]:
    """Problems found by ``rules`` on ``facts``. ``reuse_stats``: a dict to carry matches over from
    the previous check of this repository (incremental.py) and to receive what was reused.
    ``budget``: the rule phase's (``engine.Budget``; default from ``Limits()``), shared by every run;
    ``zygote``: the caller's (``engine.small_runs_in_zygote``), if any; ``store``: the run's cache
    store (by default the repository's own)."""
    if engine == "oracle":
        from . import oracle as module
    else:
        from . import engine as module
    from .engine import current_budget
    backend = _Backend(module, budget or current_budget(), zygote)
    by_seq = {f.data["seq"]: f for f in facts}
    matches, over = _matches(backend, repo, rules, facts, engine=engine, workers=workers, progress=progress,
                             reuse_stats=reuse_stats, store=store)
    overrides = repo.config.severity_overrides
    waivers = _active_waivers(repo, today)
    used_waivers: set[int] = set()
    held_back: dict[str, int] = {}
    code_owner = _code_owner(repo, blocked) if blocked else None
    problems = []
    for rule in rules:
        severity = overrides.get(rule.id, rule.severity)
        if severity == "off":
            continue
        aliases = [p.alias for p in rule.matched]
        for match in sorted(matches.get(rule.id, ())):
            bound = {a: by_seq[s] for a, s in zip(aliases, match)}
            if blocked:
                hit = next((d for f in bound.values() if (d := _mentions(f, blocked, code_owner))), None)
                if hit is not None:
                    held_back[blocked[hit]] = held_back.get(blocked[hit], 0) + 1
                    continue
            subject = bound[rule.locate[0]]
            file, line, col, jpath = repo.locate(subject.source, *rule.locate[1]) if rule.locate[1] \
                else repo.locate(subject.source)
            message = render_message(rule, {a: f.data for a, f in bound.items()})
            waived_by = None
            for wi, w in waivers:
                if w.rule == rule.id and any(_waiver_keys(f) & set(w.items) for f in bound.values()):
                    waived_by = f"{w.approval}（{w.owner}，{w.approved_by} 批准，至 {w.expires}）"
                    used_waivers.add(wi)
                    break
            problems.append(Problem(file, line, col, jpath, rule.id, severity, message, waived_by))
    for file, count in sorted(held_back.items()):
        what = "本文件无法读取" if file in repo.documents or file in repo.kinds else "本文件已删除（见 ORG-FILE-DELETED）"
        problems.append(Problem(file, 1, 1, "$", "CHECK-HELD-BACK", "info",
                                f"{what}，依赖它的 {count} 个规则问题暂不报告；修复后重新检查 "
                                f"({count} follow-on problems held back until this file reads)"))
    # a rule that ran out of its memory budget: a located error at the rule (exit 2), the others stand
    problems += _over_budget_problems(over)
    # a waiver that matches nothing is itself a problem: it would silently hide future findings
    checked = {r.id for r in rules} & set(matches)
    for wi, w in waivers:
        if wi not in used_waivers and w.rule in checked:
            file, line, col, jpath = repo.locate(w.source)
            problems.append(Problem(file, line, col, jpath, "WVR-UNUSED", "warning",
                                    f"豁免（规则 {w.rule}，{w.approval}）没有匹配任何问题，请删除或更正事项标识 (waiver matches nothing)"))
    return problems


def _matches(backend, repo, rules, facts, *, engine, workers, progress, reuse_stats, store) -> tuple[dict, tuple]:
    """``(matches by rule id, rules over budget)``: the rules that ran out of their memory budget
    (``engine.RulesOverBudget``) are left out of the matches and given as ``(file, line, tag,
    message)``; the other rules' matches stand. With reuse, such a run is repeated whole (the
    matches carried over from the last check are not in the partial result)."""
    from .engine import RulesOverBudget
    try:
        if reuse_stats is None:
            return backend.evaluate(rules, [f.data for f in facts], workers=workers, progress=progress), ()
        from ..speed import incremental
        matches, stats = incremental.evaluate(backend, rules, facts, root=repo.root, engine=engine,
                                              workers=workers, progress=progress, store=store)
        reuse_stats.update(stats)
        return matches, ()
    except RulesOverBudget as exc:
        over = exc
    if reuse_stats is not None:
        try:
            return backend.evaluate(rules, [f.data for f in facts], workers=workers, progress=progress), ()
        except RulesOverBudget as exc:
            over = exc
    return over.partial, over.items


def _over_budget_problems(over) -> list[Problem]:
    return [Problem(file or "rules", line or 1, 1, "$", tag, "error", text) for file, line, tag, text in over]


def rules_over_budget(problems) -> list[Problem]:
    """The problems that say a rule ran out of its budget: the check is incomplete (exit 2)."""
    return [p for p in problems if p.rule.startswith("LIMIT-RULE-")]


def _waiver_keys(fact: Fact) -> set:
    """The names a waiver may use for a fact: its key, or the item it belongs to (code, boundary id)."""
    d = fact.data
    return {fact.key} | {str(d[k]) for k in ("code", "owner", "boundary", "unit_key") if k in d}


def _active_waivers(repo: Repository, today) -> list:
    """The waivers that may waive today: in force, named approver other than author and owner, term
    within ``waiver_max_days``. Decided here, in code, so that deleting the WVR-* rules reports less
    but never lets an invalid waiver hide a problem."""
    today = today or _dt.date.today()
    return [(i, w) for i, w in enumerate(repo.waivers)
            if waiver_terms(w, repo.config.waiver_max_days, today)["valid"]]
