#!/usr/bin/env python3
"""Benchmark: the rule phase alone (``engine.evaluate``) at Jinan scale, checked against the oracle.

Builds the facts of a repository once (the repository and its facts stay in memory, as in a real
``policykit check``), then runs ``engine.evaluate`` on every rule ``--runs`` times and reports the
median wall time and the CPU seconds of this process and its forked children; one more run
measures the peak memory (PSS) of the whole process tree, sampled every 50 ms with the sampler of
``benchmarks/run.py`` (sampling costs CPU of its own, so the timed runs are not sampled). The
machine's load average is printed too: on a shared machine, wall time follows the load, CPU
seconds hardly do.
Every run's matches must equal the plain-Python oracle's, or the script exits with status 1.
Targets (issue 8 / issue 3, on a 2-core machine): ≤ 2 s wall, ≤ 1 GB peak.

    python benchmarks/bench_rules.py [REPO] [--runs 3] [--ungrouped] [--no-zygote] [--engine FILE] [--json]

Without ``REPO`` a Jinan-sized repository is generated into a temporary directory
(``policykit bench generate --scale jinan``) and removed afterwards. ``--ungrouped`` runs every
rule in its own ruleset (``group=False``); ``--engine FILE`` measures another version of the
adapter, e.g. ``git show HEAD~1:src/policykit/checking/engine.py > /tmp/old_engine.py``.
As ``policykit check`` does, the rulesets over few facts fork from a *zygote* started before the
repository is loaded (where the adapter has one; its CPU seconds, and those of the rule processes it
reaps, are counted); ``--no-zygote`` forks every rule process from the loaded process.
"""
from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from run import Sampler, _mem, gb, med  # noqa: E402  (benchmarks/run.py: PSS of a process tree)


def _cpu(zygote_pid: int | None = None) -> float:
    """CPU seconds of this process, of every child it has waited for, and of the zygote (if any)
    with the rule processes it has waited for (read from /proc: it is reaped only at the end)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        u = resource.getrusage(who)
        total += u.ru_utime + u.ru_stime
    if zygote_pid:
        try:
            with open(f"/proc/{zygote_pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
        except (OSError, ValueError, IndexError):
            pass
    return total


def _load_engine(path: str | None):
    if not path:
        from policykit.checking import engine
        return engine
    # load another version of engine.py as a module of the policykit package (relative imports work)
    spec = importlib.util.spec_from_file_location("policykit._engine_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generate(out: Path) -> None:
    cmd = [sys.executable, "-m", "policykit", "bench", "generate", "--scale", "jinan", "--out", str(out)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def bench(root: Path, runs: int, *, ungrouped: bool = False, engine_file: str | None = None, log=print,
          zygote: bool = True) -> dict:
    import contextlib
    engine = _load_engine(engine_file)
    use = zygote and "zygote" in inspect.signature(engine.evaluate).parameters
    zygotes = engine.small_runs_in_zygote() if use else contextlib.nullcontext()
    with zygotes:   # started now, while this process is small (as policykit check starts it)
        return _bench(root, runs, engine, ungrouped, log, getattr(zygotes, "zygote", None))


def _bench(root: Path, runs: int, engine, ungrouped: bool, log, zygote) -> dict:
    from policykit.checking import oracle
    from policykit.checking.check import rules_dir_for
    from policykit.checking.facts import build_facts
    from policykit.lists.repository import open_repository
    from policykit.checking.rules import load_rules

    t0 = time.perf_counter()
    repo = open_repository(root)
    facts = build_facts(repo)
    rdir = rules_dir_for(repo.root, repo.config.rules_dir)
    rules, problems = load_rules(rdir, rdir.parent, repo.config.limits)
    if problems:
        raise SystemExit(f"规则有问题 (rule problems): {problems[:3]}")
    data = [f.data for f in facts]
    log(f"{len(data):,} facts, {len(rules)} rules, built in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    want = oracle.evaluate(rules, data)
    t_oracle = time.perf_counter() - t0
    log(f"oracle: {t_oracle:.2f} s, {sum(len(v) for v in want.values()):,} matches")

    kwargs = {}
    if ungrouped:
        if "group" not in inspect.signature(engine.evaluate).parameters:
            raise SystemExit("--ungrouped: this engine has no group parameter")
        kwargs["group"] = False
    if zygote is not None:
        kwargs["zygote"] = zygote
    zpid = zygote.pid if zygote is not None else None

    def once(label, sample):
        base = _mem(os.getpid())
        c0 = _cpu(zpid)
        sampler = Sampler(os.getpid(), interval=0.05) if sample else None
        if sampler:
            sampler.__enter__()
        try:
            t0 = time.perf_counter()
            got = engine.evaluate(rules, data, **kwargs)
            wall = time.perf_counter() - t0
        finally:
            if sampler:
                sampler.__exit__(None, None, None)
        cpu = _cpu(zpid) - c0
        run = {"s": wall, "cpu": cpu, "base_pss": base[1], "equal": got == want, "sampled": sample}
        if sampler:
            run.update(peak_pss=sampler.peak_pss, peak_rss=sampler.peak_rss, peak_single=sampler.peak_single)
        log(f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU"
            + (f", peak {gb(sampler.peak_pss):.2f} GB PSS (this process before: {gb(base[1]):.2f} GB)" if sampler else "")
            + f", engine == oracle: {run['equal']}")
        if not run["equal"]:
            bad = sorted(r for r in want if got.get(r) != want[r])
            log(f"DIFFERENT from the oracle: {', '.join(bad[:10])}")
        return run

    # timed runs are not sampled: reading smaps_rollup of the tree every 50 ms costs CPU and
    # contends with fork for the parent's memory map; one more run measures the peak memory
    out = [once(f"run {i + 1}", False) for i in range(runs)]
    mem = once("memory run (sampled every 50 ms)", True)
    return {"root": str(root), "facts": len(data), "rules": len(rules), "oracle_s": t_oracle,
            "s": med([r["s"] for r in out]), "cpu": med([r["cpu"] for r in out]),
            "peak_pss": mem["peak_pss"], "base_pss": mem["base_pss"], "sampled_s": mem["s"],
            "equal": all(r["equal"] for r in out + [mem]), "runs": out + [mem], "load": os.getloadavg(),
            "zygote": zygote is not None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", nargs="?", help="repository (default: generate a Jinan-sized one)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--ungrouped", action="store_true", help="every rule in its own ruleset")
    ap.add_argument("--no-zygote", action="store_true", help="fork every rule process from the loaded process")
    ap.add_argument("--engine", help="another engine.py to measure")
    ap.add_argument("--json", action="store_true", help="print the results as JSON at the end")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pk-bench-rules-") as tmp:
        os.environ.setdefault("POLICYKIT_CACHE_DIR", str(Path(tmp) / "cache"))
        if args.repo:
            root = Path(args.repo)
        else:
            root = Path(tmp) / "jinan"
            print(f"generating a Jinan-sized repository in {root} …")
            _generate(root)
        res = bench(root, args.runs, ungrouped=args.ungrouped, engine_file=args.engine, zygote=not args.no_zygote)
    print(f"rule phase: median {res['s']:.2f} s wall (target ≤ 2 s), {res['cpu']:.2f} s CPU, "
          f"peak {gb(res['peak_pss']):.2f} GB PSS of the process tree (target ≤ 1 GB), "
          f"engine == oracle: {res['equal']}; load {res['load'][0]:.2f}")
    if args.json:
        print(json.dumps(res))
    return 0 if res["equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
