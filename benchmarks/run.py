#!/usr/bin/env python3
"""policykit at Jinan scale, side by side with its peers, from one command.

    python benchmarks/run.py [--scale jinan|small] [--runs 3] [--province] [--no-peers] [--no-docs]

Generates the repository once (``policykit bench generate``), then measures:

* ``policykit check`` cold (empty cache), warm (nothing changed), after one file changed, and with
  the cache turned off — wall time (median of ``--runs``) and peak memory of the whole process tree;
* where a check spends its time (load, facts, rules) in each mode;
* schema validation alone: policykit (parse + validate, cold and warm; validation of parsed data)
  against check-jsonschema on the same files, run the way pre-commit runs it (one hook per
  schema, files split over the CPUs), and against a naive PyYAML + jsonschema loop;
* the rule phase alone: time and peak memory including the forked rule processes;
* ``policykit diff`` of two revisions and a docs build, where those exist;
* the review of a pull request (``check --baseline`` + ``diff``, benchmarks/bench_review.py);
* with ``--province``: the same checks on a province-sized repository (about ten times Jinan).

Results go to ``docs/benchmarks.md`` (and ``benchmarks/results-<scale>.json``), with the machine
described and every figure set against its target. The generated repository lives in a private
temporary directory that is removed at the end (``--keep`` keeps it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable

TARGETS = {  # issue 8 and issue 3, on this 2-core machine
    "cold": 5.0, "warm": 1.0, "changed": 2.0, "changed_item": 2.0, "memory_gb": 1.5, "schema_speedup": 10.0,
    "rules_s": 2.0, "rules_gb": 1.0,
}


# ---------------------------------------------------------------------------------------------
# the machine and memory of a process tree
# ---------------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass

    def version(name):
        from importlib.metadata import PackageNotFoundError, version as v
        try:
            return v(name)
        except PackageNotFoundError:
            return "—"
    import yaml
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": mem, "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}", "policykit": version("policykit"),
            "PyYAML": f"{version('PyYAML')} (libyaml {'yes' if yaml.__with_libyaml__ else 'no'})",
            "jsonschema": version("jsonschema"), "durable_rules": version("durable_rules"),
            "check-jsonschema": version("check-jsonschema"), "load_before": os.getloadavg()}


def _children() -> dict:
    """ppid -> [pid] for every process."""
    out: dict = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
            ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        out.setdefault(ppid, []).append(int(entry.name))
    return out


_HAS_CHILDREN_FILE = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _kids(pid: int) -> list:
    """Children of ``pid`` through /proc/PID/task/TID/children (cheap), else None."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(x) for x in fh.read().split())
    except (OSError, ValueError):
        pass
    return out


def _tree(pid: int) -> list:
    kids = None if _HAS_CHILDREN_FILE else _children()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_kids(p) if kids is None else kids.get(p, ()))
    return out


def _mem(pid: int) -> tuple[int, int]:
    """(rss, pss) in bytes of one process (0, 0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            rss = pss = 0
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
            return rss, pss
    except (OSError, ValueError):
        return 0, 0


class Sampler:
    """Peak memory of a process and all its descendants, sampled every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = self.peak_single = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self):
        rss = pss = 0
        for p in _tree(self.pid):
            r, s = _mem(p)
            rss += r
            pss += s
            self.peak_single = max(self.peak_single, r)
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def timed(cmd, env=None, cwd=None, timeout=3600) -> dict:
    """Run ``cmd``; wall time, exit code and peak memory of its process tree."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=full_env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    before = _cpu_children()
    with Sampler(proc.pid) as sampler:
        out, err = proc.communicate(timeout=timeout)
    wall = time.perf_counter() - t0
    # CPU seconds of the whole tree (the child and every descendant it waited for): unlike wall
    # time, this hardly changes when other work shares the machine
    cpu = _cpu_children() - before
    return {"s": wall, "cpu": cpu, "rc": proc.returncode, "rss": sampler.peak_rss, "pss": sampler.peak_pss,
            "single": sampler.peak_single, "out": out, "err": err}


def _cpu_children() -> float:
    import resource
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def med(values):
    return statistics.median(values) if values else float("nan")


def gb(n: int) -> float:
    return n / 1024 ** 3


# ---------------------------------------------------------------------------------------------
# helpers run in a child process (so memory and caches are measured from a clean start)
# ---------------------------------------------------------------------------------------------


def helper_check(root: str) -> None:
    from policykit.checking.check import ProcessPolicy, run_check
    r = run_check(root, reuse=True, process=ProcessPolicy.FAST)  # as the command line runs it
    print(json.dumps({"timings": r.timings, "facts": r.fact_count, "problems": len(r.problems), "reuse": r.reuse}))


def _reused(stats: dict) -> str:
    if stats.get("whole"):
        return "whole result (nothing changed)"
    if not stats:
        return "—"
    text = (f"{stats.get('rules_full', 0)} rules run in full, {stats.get('rules_new_facts_only', 0)} on "
            f"{stats.get('new_facts', 0)} new facts only, ")
    if "rules_delta" in stats:
        text += f"{stats['rules_delta']} on the partitions the edit reached ({stats.get('delta_facts', 0)} facts sent), "
    return text + f"{stats.get('rules_reused', 0) + stats.get('rules_single_reused', 0)} reused"


def helper_rules(root: str) -> None:
    """The rule phase alone, as ``policykit check`` runs it (collector paused while building, frozen
    before the rule processes fork, and the small rulesets forked from a zygote started before the
    lists are loaded, where the engine has one): load (cache warm), facts, then evaluate_rules —
    timed once without sampling (its CPU seconds include the zygote's rule processes: the zygote is
    ended, and so reaped, before they are read), then once more under the memory sampler (sampling
    every 50 ms costs CPU of its own), with every rule process forked from the loaded process."""
    import contextlib
    import gc
    import inspect
    import resource
    from policykit.checking import check as _check
    from policykit.checking import engine as _engine
    from policykit.checking.check import evaluate_rules, rules_dir_for
    _blocked_departments = getattr(_check, "_blocked_departments", lambda repo: {})
    from policykit.checking.facts import build_facts
    from policykit import open_repository          # with the parse cache, as a check opens it
    from policykit.checking.rules import load_rules
    zygotes = getattr(_engine, "small_runs_in_zygote", contextlib.nullcontext)()
    with zygotes:
        _helper_rules(root, gc, inspect, resource, evaluate_rules, rules_dir_for, _blocked_departments, build_facts,
                      open_repository, load_rules, zygotes)


def _helper_rules(root, gc, inspect, resource, evaluate_rules, rules_dir_for, _blocked_departments, build_facts,
                  open_repository, load_rules, zygotes) -> None:
    zygote = getattr(zygotes, "zygote", None)
    gc.disable()
    repo = open_repository(root)
    rdir = rules_dir_for(repo.root, repo.config.rules_dir)
    rules, _ = load_rules(rdir, rdir.parent, repo.config.limits)
    t0 = time.perf_counter()
    facts = build_facts(repo)
    t_facts = time.perf_counter() - t0
    gc.freeze()
    gc.enable()
    base = _mem(os.getpid())
    params = inspect.signature(evaluate_rules).parameters
    extra = {"blocked": _blocked_departments(repo)} if "blocked" in params else {}
    if zygote is not None and "zygote" in params:
        extra["zygote"] = zygote
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    r0c = resource.getrusage(resource.RUSAGE_CHILDREN)
    t1 = time.perf_counter()
    problems = evaluate_rules(repo, rules, facts, **extra)
    t_rules = time.perf_counter() - t1
    if zygote is not None:   # reaped now: its rule processes' CPU seconds are counted below
        zygotes.__exit__(None, None, None)
        extra.pop("zygote")
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    r1c = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(getattr(b, f) - getattr(a, f) for a, b in ((r0, r1), (r0c, r1c)) for f in ("ru_utime", "ru_stime"))
    with Sampler(os.getpid(), interval=0.05) as sampler:
        evaluate_rules(repo, rules, facts, **extra)
    print(json.dumps({"facts_s": t_facts, "rules_s": t_rules, "rules_cpu": cpu, "facts": len(facts), "rules": len(rules),
                      "problems": len(problems), "base_rss": base[0], "base_pss": base[1],
                      "peak_rss": sampler.peak_rss, "peak_pss": sampler.peak_pss, "peak_single": sampler.peak_single,
                      "children_maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}))


def helper_validate(root: str, mode: str) -> None:
    """Schema validation alone, in one of several ways, on every list file."""
    root_p = Path(root)
    from policykit.lists.repository import LIST_DIRS
    files = [(p.relative_to(root_p).as_posix(), kind) for d, kind in LIST_DIRS.items()
             for p in sorted((root_p / "lists" / d).glob("*.yaml"))]
    if (root_p / "lists" / "waivers.yaml").exists():
        files.append(("lists/waivers.yaml", "waivers"))
    t0 = time.perf_counter()
    errors = 0
    if mode == "naive":
        import jsonschema
        import yaml
        from policykit.lists.schemas import jsonable, schema_path
        validators = {}
        for rel, kind in files:
            if kind not in validators:
                schema = json.loads(schema_path(kind, root_p).read_text(encoding="utf-8"))
                validators[kind] = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
            try:
                data = yaml.load((root_p / rel).read_bytes(), Loader=yaml.CSafeLoader)
            except yaml.YAMLError:
                errors += 1
                continue
            errors += sum(1 for _ in validators[kind].iter_errors(jsonable(data)))
    elif mode in ("policykit", "policykit-serial"):
        from policykit.speed.cache import load_documents
        from policykit.lists.config import load_config
        from policykit.lists.sources import WorkTree
        config, _ = load_config(root_p)
        for _, _, _, problems in load_documents(root_p, WorkTree(root_p), files, config):
            errors += len(problems)
    elif mode in ("parsed-jsonschema", "parsed-policykit"):
        from policykit.lists.precheck import fast_valid
        from policykit.lists.loader import load_bytes
        from policykit.lists.schemas import validate
        docs = [(load_bytes((root_p / rel).read_bytes(), rel), kind) for rel, kind in files]
        t0 = time.perf_counter()
        for doc, kind in docs:
            if doc.data is None:
                continue
            if mode == "parsed-policykit" and fast_valid(kind, root_p, doc.data):
                continue
            errors += len(validate(doc, kind, root_p))
    print(json.dumps({"s": time.perf_counter() - t0, "errors": errors, "files": len(files)}))


def _helper(*args, env=None) -> dict:
    r = timed([PY, str(Path(__file__).resolve()), *args], env=env)
    if r["rc"] != 0:
        raise RuntimeError(f"helper {args} failed: {r['err'].decode(errors='replace')[-2000:]}")
    out = json.loads(r["out"].decode().strip().splitlines()[-1])
    out["_wall"] = r["s"]
    out["_rss"], out["_pss"] = r["rss"], r["pss"]
    return out


# ---------------------------------------------------------------------------------------------
# the measurements
# ---------------------------------------------------------------------------------------------


def check_modes(root: Path, work: Path, runs: int, log) -> dict:
    """policykit check: cold, warm, one file changed, uncached; medians and peaks."""
    from policykit.bench.generate import change_one_file
    cmd = [PY, "-m", "policykit", "check", str(root), "-q", "-f", "json", "-o", os.devnull]
    res = {"cold": [], "warm": [], "changed": [], "changed_item": [], "uncached": []}
    for i in range(runs):
        cache_dir = work / f"cache-{i}"
        shutil.rmtree(cache_dir, ignore_errors=True)
        env = {"POLICYKIT_CACHE_DIR": str(cache_dir)}
        res["cold"].append(timed(cmd, env))
        res["warm"].append(timed(cmd, env))
        change_one_file(root, seed=i, defect=False)
        res["changed"].append(timed(cmd, env))
        change_one_file(root, seed=100 + i, defect=True)   # an item edited: its facts change
        res["changed_item"].append(timed(cmd, env))
        res["uncached"].append(timed(cmd, {"POLICYKIT_NO_CACHE": "1"}))
        log(f"  run {i + 1}/{runs}: " + ", ".join(f"{k} {v[-1]['s']:.2f}s" for k, v in res.items()))
        shutil.rmtree(cache_dir, ignore_errors=True)
    for k, v in res.items():
        bad = [r for r in v if r["rc"] not in (0, 1)]
        if bad:
            raise RuntimeError(f"policykit check ({k}) failed: {bad[0]['err'].decode(errors='replace')[-2000:]}")
    # where the time goes, once per mode, from run_check's own timings
    cache_dir = work / "cache-breakdown"
    shutil.rmtree(cache_dir, ignore_errors=True)
    env = {"POLICYKIT_CACHE_DIR": str(cache_dir)}
    breakdown = {"cold": _helper("--_check", str(root), env=env), "warm": _helper("--_check", str(root), env=env)}
    change_one_file(root, seed=runs + 1, defect=False)
    breakdown["changed"] = _helper("--_check", str(root), env=env)
    change_one_file(root, seed=runs + 101, defect=True)
    breakdown["changed_item"] = _helper("--_check", str(root), env=env)
    shutil.rmtree(cache_dir, ignore_errors=True)
    return {"runs": {k: [{"s": r["s"], "cpu": r["cpu"], "rss": r["rss"], "pss": r["pss"], "single": r["single"]}
                         for r in v] for k, v in res.items()},
            "median": {k: med([r["s"] for r in v]) for k, v in res.items()},
            "median_cpu": {k: med([r["cpu"] for r in v]) for k, v in res.items()},
            "peak_pss": max(r["pss"] for v in res.values() for r in v),
            "peak_rss": max(r["rss"] for v in res.values() for r in v),
            "peak_single": max(r["single"] for v in res.values() for r in v),
            "breakdown": {k: {"timings": v["timings"], "facts": v["facts"], "problems": v["problems"],
                              "reuse": v.get("reuse", {})} for k, v in breakdown.items()}}


def check_lite(root: Path, work: Path, log) -> dict:
    cache_dir = work / "cache-lite"
    shutil.rmtree(cache_dir, ignore_errors=True)
    env = {"POLICYKIT_CACHE_DIR": str(cache_dir)}
    out = {}
    for mode in ("cold", "warm"):
        r = timed([PY, str(Path(__file__).resolve()), "--_check", str(root)], env=env, timeout=7200)
        if r["rc"] != 0:
            raise RuntimeError(f"province check ({mode}) failed: {r['err'].decode(errors='replace')[-2000:]}")
        info = json.loads(r["out"].decode().strip().splitlines()[-1])
        out[mode] = {"s": r["s"], "cpu": r["cpu"], "pss": r["pss"], "rss": r["rss"], "single": r["single"], **info}
        log(f"  {mode}: {r['s']:.1f}s (CPU {r['cpu']:.1f}s), peak {gb(r['pss']):.2f} GB; "
            + ", ".join(f"{k} {v:.1f}s" for k, v in info["timings"].items()))
    shutil.rmtree(cache_dir, ignore_errors=True)
    return {"lite": out}


def rule_phase(root: Path, work: Path, runs: int) -> dict:
    cache_dir = work / "cache-rules"
    env = {"POLICYKIT_CACHE_DIR": str(cache_dir)}
    _helper("--_check", str(root), env=env)  # warm the cache: only the rule phase is of interest
    out = [_helper("--_rules", str(root), env=env) for _ in range(runs)]
    shutil.rmtree(cache_dir, ignore_errors=True)
    return {"runs": out, "rules_s": med([o["rules_s"] for o in out]), "facts_s": med([o["facts_s"] for o in out]),
            "rules_cpu": med([o.get("rules_cpu", float("nan")) for o in out]),
            "peak_pss": max(o["peak_pss"] for o in out), "peak_rss": max(o["peak_rss"] for o in out),
            "base_pss": max(o["base_pss"] for o in out), "children_maxrss": max(o["children_maxrss"] for o in out),
            "facts": out[0]["facts"], "rules": out[0]["rules"]}


def ensure_check_jsonschema(install: bool, log) -> str | None:
    exe = shutil.which("check-jsonschema", path=str(Path(PY).parent) + os.pathsep + os.environ.get("PATH", ""))
    if exe:
        return exe
    if not install:
        return None
    log("  installing check-jsonschema into this environment (benchmark only) …")
    r = subprocess.run([PY, "-m", "pip", "install", "-q", "check-jsonschema"], capture_output=True)
    if r.returncode != 0:
        log("  could not install check-jsonschema: " + r.stderr.decode(errors="replace")[-300:])
        return None
    return shutil.which("check-jsonschema", path=str(Path(PY).parent))


def validation(root: Path, work: Path, runs: int, peer_runs: int, peers: bool, install: bool, log) -> dict:
    out: dict = {}
    cache_dir = work / "cache-validate"
    shutil.rmtree(cache_dir, ignore_errors=True)
    env_cold = {"POLICYKIT_NO_CACHE": "1"}
    env_warm = {"POLICYKIT_CACHE_DIR": str(cache_dir)}
    out["policykit_cold"] = med([_helper("--_validate", str(root), "policykit", env=env_cold)["s"] for _ in range(runs)])
    _helper("--_validate", str(root), "policykit", env=env_warm)
    out["policykit_warm"] = med([_helper("--_validate", str(root), "policykit", env=env_warm)["s"] for _ in range(runs)])
    out["policykit_serial"] = _helper("--_validate", str(root), "policykit", env={**env_cold,
                                                                                    "POLICYKIT_LOAD_WORKERS": "0"})["s"]
    shutil.rmtree(cache_dir, ignore_errors=True)
    out["parsed_policykit"] = med([_helper("--_validate", str(root), "parsed-policykit")["s"] for _ in range(runs)])
    out["parsed_jsonschema"] = med([_helper("--_validate", str(root), "parsed-jsonschema")["s"] for _ in range(runs)])
    log(f"  policykit parse+validate cold {out['policykit_cold']:.2f}s, warm {out['policykit_warm']:.2f}s; "
        f"validation of parsed data {out['parsed_policykit']:.2f}s vs jsonschema {out['parsed_jsonschema']:.2f}s")
    if not peers:
        return out
    naive = [_helper("--_validate", str(root), "naive") for _ in range(peer_runs)]
    out["naive"] = med([n["s"] for n in naive])
    log(f"  naive PyYAML + jsonschema loop {out['naive']:.2f}s")
    exe = ensure_check_jsonschema(install, log)
    if exe is None:
        out["check_jsonschema"] = None
        return out
    from policykit.lists.repository import LIST_DIRS
    from policykit.lists.schemas import schema_path
    groups = []
    for d, kind in LIST_DIRS.items():
        files = [str(p) for p in sorted((root / "lists" / d).glob("*.yaml"))]
        if files:
            groups.append((str(schema_path(kind, root)), files))
    if (root / "lists" / "waivers.yaml").exists():
        groups.append((str(schema_path("waivers", root)), [str(root / "lists" / "waivers.yaml")]))
    nproc = os.cpu_count() or 1
    times = []
    for _ in range(peer_runs):
        t0 = time.perf_counter()
        # pre-commit: one hook per schema, run one after another; a hook's files are split into
        # one chunk per CPU and the chunks run in parallel processes
        for schema, files in groups:
            chunks = [files[i::nproc] for i in range(nproc) if files[i::nproc]]
            procs = [subprocess.Popen([exe, "--schemafile", schema, *chunk], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL) for chunk in chunks]
            for p in procs:
                p.wait()
        times.append(time.perf_counter() - t0)
    out["check_jsonschema"] = med(times)
    log(f"  check-jsonschema (pre-commit style) {out['check_jsonschema']:.2f}s")
    return out


def diff_bench(root: Path, work: Path, runs: int, log) -> dict | None:
    """``policykit diff`` between two commits of a copy of the generated repository."""
    r = subprocess.run([PY, "-m", "policykit", "diff", "--help"], capture_output=True)
    if r.returncode != 0:
        return None
    from policykit.bench.generate import change_one_file
    repo = work / "git"
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(root, repo)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.cn",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.cn"}

    def git(*args):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    for seed in range(5):
        change_one_file(repo, seed=seed, defect=seed % 2 == 1)
    git("commit", "-q", "-am", "five power lists adjusted")
    cmd = [PY, "-m", "policykit", "diff", "HEAD~1", "HEAD", "--root", str(repo), "-f", "json", "-o", os.devnull]
    results = [timed(cmd, {"POLICYKIT_CACHE_DIR": str(work / "cache-diff")}) for _ in range(runs)]
    shutil.rmtree(work / "cache-diff", ignore_errors=True)
    if any(x["rc"] not in (0, 1) for x in results):
        log("  policykit diff failed: " + results[0]["err"].decode(errors="replace")[-400:])
        return {"error": results[0]["err"].decode(errors="replace")[-400:]}
    return {"s": med([x["s"] for x in results]), "pss": max(x["pss"] for x in results)}


def review_bench(root: Path, runs: int, log) -> dict:
    """``check --baseline main`` and ``diff`` of a pull request touching 50 items in 5 files (bench_review.py)."""
    sys.path.insert(0, str(HERE))
    from bench_review import run as run_review
    try:
        return run_review(root, "jinan", runs, keep=False, log=lambda s: log("  " + s))
    except SystemExit as exc:
        return {"error": str(exc)}


def docs_bench(root: Path, work: Path, log, timeout: int) -> dict | None:
    r = subprocess.run([PY, "-m", "policykit", "docs", "--help"], capture_output=True)
    if r.returncode == 0:
        cmd = [PY, "-m", "policykit", "docs", "build", "--root", str(root), "--site-dir", str(work / "site")]
        how = "policykit docs build"
    else:
        probe = subprocess.run([PY, "-c", "from policykit.site import build_site"], capture_output=True)
        if probe.returncode != 0:
            return None
        code = (f"from policykit.site import build_site; build_site({str(root)!r}, site_dir={str(work / 'site')!r})")
        cmd = [PY, "-c", code]
        how = "policykit.site.build_site"
    try:
        res = timed(cmd, {"POLICYKIT_CACHE_DIR": str(work / "cache-docs")}, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"how": how, "error": f"timed out after {timeout}s"}
    finally:
        shutil.rmtree(work / "site", ignore_errors=True)
        shutil.rmtree(work / "cache-docs", ignore_errors=True)
    if res["rc"] != 0:
        return {"how": how, "error": res["err"].decode(errors="replace")[-400:]}
    return {"how": how, "s": res["s"], "pss": res["pss"]}


# ---------------------------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------------------------


def verdict(value, target, lower_is_better=True) -> str:
    if value is None or value != value:
        return "—"
    ok = value <= target if lower_is_better else value >= target
    return "✅ met" if ok else "❌ missed"


def report(results: dict) -> str:
    m = results["machine"]
    lines = ["# 性能基准 · Benchmarks", "",
             f"Generated by `python benchmarks/run.py {results['argv']}` on {results['date']}. "
             "Medians of several runs; peak memory is the whole process tree (policykit and its forked "
             "rule processes), proportional set size (shared pages counted once).", "",
             "## Machine", "", "| | |", "|---|---|"]
    for k in ("nproc", "cpu", "memory", "os", "python", "policykit", "PyYAML", "jsonschema", "durable_rules",
              "check-jsonschema"):
        lines.append(f"| {k} | {m.get(k)} |")
    la0, la1 = m.get("load_before"), m.get("load_after")
    lines.append(f"| load average (1/5/15 min) before → after | {' / '.join(f'{x:.2f}' for x in la0)} → "
                 f"{' / '.join(f'{x:.2f}' for x in la1)} |")
    lines += ["", "A load average above the core count means other work shared the machine during the run and "
              "the times are pessimistic.", ""]
    order = {"small": 0, "jinan": 1, "province": 2}
    for scale_name, res in sorted(results["scales"].items(), key=lambda kv: order.get(kv[0], 9)):
        g = res["generated"]
        lines += [f"## {scale_name}: {g['departments']:,} departments, {g['units']:,} units, {g['unit_duties']:,} unit "
                  f"duties, {g['power_items']:,} power items, {g['boundaries']:,} boundary matters, "
                  f"{g['catalog_items']:,} catalogue items", "",
                  f"{g['files']:,} files, {g['bytes'] / 1e6:.1f} MB of YAML; {sum(res['planted'].values()):,} planted "
                  f"problems of {len(res['planted'])} kinds (generated in {res['generate_s']:.1f} s).", ""]
        if res.get("from_earlier_run"):
            lines += [f"These {scale_name} figures come from the run of {res['from_earlier_run']} (`--include-results`).", ""]
        c = res["check"]
        if "lite" in c:
            lines += ["| `policykit check` | wall | CPU (all processes) | peak memory (PSS) | largest process | load | facts | rules | facts count |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
            for mode, r in c["lite"].items():
                t = r["timings"]
                lines.append(f"| {mode} | {r['s']:.1f} s | {r['cpu']:.1f} s | {gb(r['pss']):.2f} GB | {gb(r['single']):.2f} GB | "
                             f"{t.get('load', 0):.1f} s | {t.get('facts', 0):.1f} s | {t.get('rules', 0):.1f} s | {r['facts']:,} |")
            lines += ["", f"Problems reported: {c['lite']['cold']['problems']:,} (planted: {sum(res['planted'].values()):,})."
                      + (f" {res['note']}" if res.get("note") else ""), ""]
            continue
        rp = res["rules"]
        v = res.get("validation") or {}
        runs = len(c["runs"]["cold"])
        cpu = c.get("median_cpu", {})
        lines += ["| measure | median (wall) | CPU (all processes) | runs | target | |", "|---|---:|---:|---:|---:|---|"]
        is_jinan = scale_name.startswith("jinan")
        for key, label in (("cold", "`policykit check`, cold (empty cache)"), ("warm", "`policykit check`, warm (nothing changed)"),
                           ("changed", "`policykit check`, one file changed (a responsibility text reworded)"),
                           ("changed_item", "`policykit check`, one file changed (an item's 追责情形 emptied: one more problem)"),
                           ("uncached", "`policykit check`, cache off")):
            target = TARGETS.get(key)
            cpu_text = f"{cpu[key]:.2f} s" if key in cpu else "—"
            lines.append(f"| {label} | {c['median'][key]:.2f} s | {cpu_text} | {runs} | "
                         f"{'≤ %.0f s' % target if target and is_jinan else '—'} | "
                         f"{verdict(c['median'][key], target) if target and is_jinan else ''} |")
        lines.append(f"| peak memory of a check (all modes) | {gb(c['peak_pss']):.2f} GB | | {runs * len(c['runs'])} | "
                     f"{'≤ 1.5 GB' if is_jinan else '—'} | {verdict(gb(c['peak_pss']), TARGETS['memory_gb']) if is_jinan else ''} |")
        lines.append(f"| rule phase alone ({rp['rules']} rules, {rp['facts']:,} facts) | {rp['rules_s']:.2f} s | "
                     f"{rp.get('rules_cpu', float('nan')):.2f} s | "
                     f"{len(rp['runs'])} | {'≤ 2 s' if is_jinan else '—'} | {verdict(rp['rules_s'], TARGETS['rules_s']) if is_jinan else ''} |")
        lines.append(f"| rule phase peak memory incl. children | {gb(rp['peak_pss']):.2f} GB | | {len(rp['runs'])} | "
                     f"{'≤ 1 GB' if is_jinan else '—'} | {verdict(gb(rp['peak_pss']), TARGETS['rules_gb']) if is_jinan else ''} |")
        if v.get("check_jsonschema"):
            speed = v["check_jsonschema"] / v["policykit_cold"]
            lines.append(f"| schema validation: check-jsonschema ÷ policykit (cold) | {speed:.1f}× | | — | ≥ 10× | "
                         f"{verdict(speed, TARGETS['schema_speedup'], lower_is_better=False)} |")
        lines += [""]
        lines += ["Peak memory per mode (PSS of the process tree; RSS sums shared pages once per process):", "",
                  "| mode | peak PSS | peak RSS sum | largest single process |", "|---|---:|---:|---:|"]
        for key in [k for k in ("cold", "warm", "changed", "changed_item", "uncached") if k in c["runs"]]:
            rr = c["runs"][key]
            lines.append(f"| {key} | {gb(max(r['pss'] for r in rr)):.2f} GB | {gb(max(r['rss'] for r in rr)):.2f} GB | "
                         f"{gb(max(r['single'] for r in rr)):.2f} GB |")
        lines += ["", "Where a check spends its time (`run_check` timings, one run each):", "",
                  "| mode | load (parse + validate + model) | facts | rules | total | facts count | reused |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for key, b in c["breakdown"].items():
            t = b["timings"]
            lines.append(f"| {key} | {t.get('load', 0):.2f} s | {t.get('facts', 0):.2f} s | {t.get('rules', 0):.2f} s | "
                         f"{t.get('total', 0):.2f} s | {b['facts']:,} | {_reused(b.get('reuse') or {})} |")
        lines += ["", f"Rule phase alone: facts built in {rp['facts_s']:.2f} s; the parent holds "
                  f"{gb(rp['base_pss']):.2f} GB before the rules run; the largest forked rule process reached "
                  f"{gb(rp['children_maxrss']):.2f} GB RSS.", ""]
        if v:
            lines += ["Schema validation alone, on the same files:", "", "| tool | time | |", "|---|---:|---|",
                      f"| policykit: parse + validate, no cache (2 processes) | {v['policykit_cold']:.2f} s | |",
                      f"| policykit: parse + validate, one process | {v['policykit_serial']:.2f} s | |",
                      f"| policykit: parse + validate, cache warm | {v['policykit_warm']:.2f} s | |",
                      f"| policykit: validation of parsed data (pre-check, jsonschema where needed) | {v['parsed_policykit']:.2f} s | |",
                      f"| python-jsonschema alone on the same parsed data | {v['parsed_jsonschema']:.2f} s | |"]
            if "naive" in v:
                lines.append(f"| naive loop: PyYAML (C loader) + jsonschema, file by file | {v['naive']:.2f} s | "
                             f"{v['naive'] / v['policykit_cold']:.1f}× policykit cold |")
            if v.get("check_jsonschema"):
                lines.append(f"| check-jsonschema, as pre-commit runs it (one hook per schema, files split over "
                             f"{m['nproc']} processes) | {v['check_jsonschema']:.2f} s | "
                             f"{v['check_jsonschema'] / v['policykit_cold']:.1f}× policykit cold, "
                             f"{v['check_jsonschema'] / v['policykit_warm']:.0f}× warm |")
            elif "naive" in v:
                lines.append("| check-jsonschema | not measured (not installed) | |")
            lines.append("")
        extra = []
        if res.get("diff"):
            d = res["diff"]
            extra.append("| `policykit diff HEAD~1 HEAD` (five power lists changed) | "
                         + (f"{d['s']:.2f} s |" if "s" in d else f"failed: {d['error'][:80]} |"))
        else:
            extra.append("| `policykit diff` | not available |")
        if res.get("review"):
            d = res["review"]
            extra.append("| review of a pull request, 50 items in 5 files: `check --baseline main` + `diff` (warm cache, "
                         "target ≤ 3 s) | " + (f"{d['check_s']:.2f} s + {d['diff_s']:.2f} s = {d['total_s']:.2f} s "
                                              f"(CPU {d['total_cpu_s']:.2f} s) |" if "total_s" in d
                                              else f"failed: {d['error'][:80]} |"))
        if res.get("docs"):
            d = res["docs"]
            extra.append(f"| docs build ({d['how']}) | " + (f"{d['s']:.1f} s |" if "s" in d else f"{d['error'][:80]} |"))
        elif res.get("docs") is None and not res.get("docs_skipped"):
            extra.append("| docs build | not available |")
        if extra:
            lines += ["| other commands | time |", "|---|---:|", *extra, ""]
    lines += ["## Where the time goes (profiled with py-spy at Jinan scale)", "",
              "* **Parsing.** List files in the plain block style are read by `policykit.speed.fastyaml`, a line reader "
              "that takes only a small YAML subset and otherwise declines to the located loader (tags, anchors, "
              "block scalars, flow mappings, duplicate keys, any load problem); types come from PyYAML's own "
              "resolver and constructors, positions are recorded as libyaml reports them, and "
              "`tests/test_fastyaml.py` checks data, types, positions and problems against the located loader. It "
              "takes 2,088 of the 2,091 Jinan files: ≈ 1.4 s of CPU for the 46 MB, the largest single cost of a "
              "cold check. Two forked workers each take a fixed, size-balanced share of the files they inherit and "
              "stream their entries back (a `multiprocessing.Pool` fed file by file cost the parent 1 s of CPU in "
              "its feeder threads). Rust and C++ YAML parsers were measured and rejected: YAML 1.2 typing (`yes`, "
              "`012`, dates differ) or per-node Python calls that cost as much as the parse.",
              "* **Schema validation.** python-jsonschema needs ≈ 5.7 s for all files. A pre-check, generated as "
              "Python source from the schema (one function per schema node), clears the clean documents in "
              "≈ 0.2 s and hands only the others to jsonschema; it is tested equal to its keyword-by-keyword "
              "definition and never to accept what jsonschema rejects.",
              "* **The cache.** Entries are `marshal` dumps appended to one pack per writing process, with an "
              "authenticated index: creating 2,091 small files cost ≈ 1.1 s of CPU on this disk. A cache hit costs "
              "no parsing: reading the entries, checking their HMACs and loading them takes ≈ 0.4 s, building "
              "the model ≈ 0.15 s.",
              "* **Facts.** Projecting ≈ 80,000 facts takes ≈ 0.5 s (a third of it judging 16,000 cited bases "
              "against the law registry), with the cyclic collector paused.",
              "* **Rules.** Single-fact rules of one kind share one ruleset (facts mode, a catch-all sink), rules "
              "whose kinds have no facts are skipped, facts are retracted once all their matches are known and "
              "facts read only by `absent` are sent once per distinct value (docs/engine.md, "
              "`benchmarks/bench_rules.py`). A rule of several patterns is given only the facts that can take part "
              "in a match: each equality between two of its patterns is a semi-join on strings before the engine "
              "sees them (the 252 codes boundary matters cite need 252 of the 11,246 power items, not all of them; "
              "a uniqueness join needs only the values that occur twice), and a rule left with no fact for a "
              "pattern is not run. Facts judged one at a time (single-fact rules, one matched pattern with "
              "`absent`) are sent once per distinct combination of the fields the rules read, the verdict "
              "reported for every fact alike: 33,466 unit duties name 2,789 units, 16,467 cited bases fall in 6 "
              "combinations. With them the rule phase alone went from 2.73 s (4.52 s of CPU) to about 1.2 s "
              "(1.8 s of CPU) on a quiet machine. A fork of the loaded parent costs ≈ 30 ms of CPU (parent and child; page tables of half a gigabyte), so "
              "the rulesets over few facts fork from a *zygote*, a small process started before the lists are "
              "loaded; the digests the next check needs are made while the rule processes work.",
              "* **One file changed.** Each fact is digested over its kind, the fields the rules read and its "
              "place. A reworded responsibility text changes no digest, so every rule's matches are reused. An "
              "emptied 追责情形 changes one power fact: single-fact rules judge that fact; joins and rules with "
              "`absent` patterns run on the facts of the partitions the edit can reach (12 facts, in the zygote). "
              "Problems in unchanged files are located from a memo keyed by their cache entry. What is left is "
              "loading every document from the cache and projecting every fact (≈ 1.4 s together): facts cached "
              "per file would remove most of it.",
              "* **Process exit.** Freeing a Jinan-sized model object by object took 0.3 s; the command line "
              "flushes its output, runs the exit handlers and leaves with `os._exit`.", ""]
    lines += ["## How to read this", "",
              "* **cold** — first run with an empty cache: every file is parsed (in two processes) and validated, and the "
              "cache is filled. **warm** — the same again with nothing changed. **one file changed** — one power list "
              "edited by hand, then checked. **cache off** — `POLICYKIT_NO_CACHE=1`.",
              "* The document cache keys each file by its git blob id, kind, schema digest and versions, lives outside the "
              "repository (`~/.cache/policykit`, `POLICYKIT_CACHE_DIR`), holds built-in types only (marshal, never "
              "pickle), and every record carries an HMAC made with a secret that never lives in a repository; a "
              "damaged or planted record, pack or index is ignored (docs/security.md).",
              "* **Reuse** (`check_memo.py`, `incremental.py`). A check is a function of its inputs: when the bytes of "
              "every list, rule and schema file, the configuration, policykit's code, the library versions and the "
              "dates are what they were, the stored result is read back (warm). After an edit, last run's matches "
              "are kept where the edit cannot reach them — per fact for single-fact rules, per partition of the "
              "join value for joins and `absent` patterns — and the rest runs on the engine. "
              "`tests/test_incremental.py` compares such runs with a check from scratch after edits that move "
              "joins, and `tests/test_incremental_delta.py` after hundreds of random edits. Unchanged files are "
              "recognised by their stat (size, mtime, ctime, inode; racily clean files hashed again), as git's "
              "index does, so neither the memo key nor the document cache reads them.",
              "* Planted defects: `tests/test_scale.py` checks on a small generated repository that every planted "
              "defect is reported, exactly as many times as planted, cold, warm, after one file changed and "
              "without cache.", ""]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------


def bench_scale(scale: str, seed: int, work: Path, runs: int, args, log) -> dict:
    from policykit.bench.generate import generate
    root = work / scale
    log(f"generating {scale} (seed {seed}) in {root} …")
    t0 = time.perf_counter()
    stats = generate(root, scale=scale, seed=seed, force=True)
    gen_s = time.perf_counter() - t0
    log(f"  {stats['files']:,} files, {stats['bytes'] / 1e6:.1f} MB in {gen_s:.1f}s")
    planted = json.loads((root / "planted.json").read_text(encoding="utf-8"))
    out = {"generated": stats, "generate_s": gen_s, "planted": planted}
    if scale == "province":
        # about 10× Jinan: every rule process inherits a multi-GB parent, so one cold and one
        # warm check (each with its own breakdown and peak memory) is what fits in a run
        log("policykit check: cold / warm (province: one run each) …")
        out["check"] = check_lite(root, work, log)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        return out
    log("policykit check: cold / warm / one file changed / cache off …")
    out["check"] = check_modes(root, work, runs, log)
    log("rule phase alone …")
    out["rules"] = rule_phase(root, work, runs)
    log(f"  {out['rules']['rules_s']:.2f}s, peak {gb(out['rules']['peak_pss']):.2f} GB")
    if not args.no_validation:
        log("schema validation …")
        out["validation"] = validation(root, work, runs, args.peer_runs if scale != "province" else 1,
                                       peers=not args.no_peers and scale != "province", install=not args.no_install,
                                       log=log)
    if scale != "province":
        log("policykit diff …")
        out["diff"] = diff_bench(root, work, runs, log)
        log("review of a pull request (check --baseline + diff, 50 items in 5 files) …")
        out["review"] = review_bench(root, runs, log)
        if args.no_docs:
            out["docs_skipped"] = True
        else:
            log("docs build …")
            out["docs"] = docs_bench(root, work, log, args.docs_timeout)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_check"]:
        helper_check(argv[1])
        return 0
    if argv[:1] == ["--_rules"]:
        helper_rules(argv[1])
        return 0
    if argv[:1] == ["--_validate"]:
        helper_validate(argv[1], argv[2])
        return 0
    if argv[:1] == ["--report-only"]:  # re-render docs/benchmarks.md from saved results
        results = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        for extra in argv[2:-1] if len(argv) > 3 else []:
            for name, res in json.loads(Path(extra).read_text(encoding="utf-8"))["scales"].items():
                results["scales"].setdefault(name, res)
        out = Path(argv[-1]) if len(argv) > 2 else REPO / "docs" / "benchmarks.md"
        out.write_text(report(results), encoding="utf-8")
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", default="jinan", choices=["small", "jinan", "province"])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--runs", type=int, default=3, help="runs per measurement (median reported)")
    p.add_argument("--peer-runs", type=int, default=1, help="runs of the slow peers (check-jsonschema, naive loop)")
    p.add_argument("--province", action="store_true", help="also measure a province-sized repository (slow)")
    p.add_argument("--no-peers", action="store_true", help="skip check-jsonschema and the naive loop")
    p.add_argument("--no-install", action="store_true", help="do not pip-install check-jsonschema if missing")
    p.add_argument("--no-validation", action="store_true", help="skip the schema validation comparison")
    p.add_argument("--no-docs", action="store_true", help="skip the docs build")
    p.add_argument("--docs-timeout", type=int, default=900)
    p.add_argument("--workdir", default=None, help="where to generate (default: a private temporary directory)")
    p.add_argument("--keep", action="store_true", help="keep the generated repositories")
    p.add_argument("--output", default=str(REPO / "docs" / "benchmarks.md"))
    p.add_argument("--include-results", default=None,
                   help="a results JSON of an earlier run whose other scales (e.g. province) go into the report too")
    args = p.parse_args(argv)
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="policykit-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    def log(msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)
    results = {"machine": machine(), "argv": " ".join(argv), "date": dt.date.today().isoformat(), "scales": {}}
    log(f"machine: {results['machine']['nproc']} × {results['machine']['cpu']}, {results['machine']['memory']}, "
        f"Python {results['machine']['python']}; load {results['machine']['load_before']}")
    earlier = {}
    if args.include_results:
        earlier = json.loads(Path(args.include_results).read_text(encoding="utf-8"))
    try:
        results["scales"][args.scale] = bench_scale(args.scale, args.seed, work, args.runs, args, log)
        if args.province and args.scale != "province":
            results["scales"]["province"] = bench_scale("province", args.seed, work, 1, args, log)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    for name, res in earlier.get("scales", {}).items():
        if name not in results["scales"]:
            res["from_earlier_run"] = earlier.get("date")
            results["scales"][name] = res
    results["machine"]["load_after"] = os.getloadavg()
    results["machine"]["check-jsonschema"] = machine()["check-jsonschema"]  # installed during the run
    text = report(results)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text, encoding="utf-8")
    raw = HERE / f"results-{args.scale}.json"
    raw.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    log(f"wrote {args.output} and {raw}")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
