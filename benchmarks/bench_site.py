#!/usr/bin/env python3
"""Benchmark: build the site of a Jinan-sized repository (issue 5: target ≤ 60 s on the 2-core machine).

    python benchmarks/bench_site.py [--runs 1] [--keep DIR] [--json OUT]

Generates a city of Jinan's size in a temporary directory with the project's generator
(``policykit bench generate --scale jinan``, policykit.bench.generate: 491 departments, 2,795 internal units,
33,466 unit duties, 11,246 power items, 80 boundary matters, about 2,100 catalogue items), removes the
few planted files that do not load (a strict build refuses them), then runs
``policykit docs build --strict`` on it in a
fresh process: first with an empty parse cache (cold), then again (warm: the list files are
unchanged, so policykit's content-keyed cache answers the loading). Reports wall seconds, the
plugin's own breakdown, page and file counts and the site's size.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 60.0


def generate_city(repo: Path, seed: int) -> dict:
    """The generator's Jinan-scale city, without the planted files that do not load."""
    from policykit.bench.generate import generate
    from policykit.lists.repository import open_repository
    stats = generate(repo, scale="jinan", seed=seed)
    broken = sorted({p.file for p in open_repository(repo).load_problems if p.severity == "error"})
    for rel in broken:
        (repo / rel).unlink()
    return {k: stats[k] for k in ("departments", "units", "unit_duties", "power_items", "boundaries",
                                  "catalog_items", "laws")} | {"removed_unloadable_files": len(broken)}


def build(repo: Path, site: Path, cache: Path) -> dict:
    """One ``policykit docs build --strict`` into an empty site directory, in a fresh process."""
    env = {**os.environ, "POLICYKIT_CACHE_DIR": str(cache), "NO_MKDOCS_2_WARNING": "1"}
    shutil.rmtree(site, ignore_errors=True)   # removing 12,000 pages of a previous build is not building
    t0 = time.perf_counter()
    cpu0 = os.times()
    proc = subprocess.run([sys.executable, "-m", "policykit", "docs", "build", "--root", str(repo),
                           "--site-dir", str(site), "--strict"], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    cpu1 = os.times()
    cpu = (cpu1.children_user - cpu0.children_user) + (cpu1.children_system - cpu0.children_system)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"build failed ({proc.returncode})")
    breakdown = {}
    m = re.search(r"policykit: 用时 (.+)", proc.stderr)
    if m:
        for part in m.group(1).split("，"):
            name, _, value = part.rpartition(" ")
            name, _, number = name.rpartition(" ")
            try:
                breakdown[name] = float(number)
            except ValueError:
                pass
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    return {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "breakdown": breakdown,
            "html_pages": sum(1 for _ in site.rglob("*.html")),
            "downloads": sum(1 for f in (site / "downloads").iterdir() if f.suffix in (".xlsx", ".csv")),
            "site_mb": round(size / 2**20, 1),
            "search_index_mb": round((site / "search" / "search_index.json").stat().st_size / 2**20, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1, help="cold/warm pairs to run (the median is reported)")
    ap.add_argument("--keep", default=None, help="generate into this directory and keep it")
    ap.add_argument("--json", default=None, help="also write the results as JSON here")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="policykit-bench-site-"))
    repo = work / "city"
    try:
        if repo.exists():
            shutil.rmtree(repo)
        t0 = time.perf_counter()
        counts = generate_city(repo, args.seed)
        gen_seconds = time.perf_counter() - t0
        yaml_mb = sum(f.stat().st_size for f in (repo / "lists").rglob("*.yaml")) / 2**20
        print(f"generated {counts} ({yaml_mb:.1f} MB of YAML) in {gen_seconds:.1f} s", file=sys.stderr)
        cold, warm = [], []
        for i in range(args.runs):
            cache = work / f"cache-{i}"
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(build(repo, work / "site", cache))
            print(f"cold: {cold[-1]}", file=sys.stderr)
            warm.append(build(repo, work / "site", cache))
            print(f"warm: {warm[-1]}", file=sys.stderr)
        pick = lambda runs: sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]  # noqa: E731
        result = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                              "platform": platform.platform(), "load_average": os.getloadavg()},
                  "repository": {**counts, "yaml_mb": round(yaml_mb, 1)},
                  "cold": pick(cold), "warm": pick(warm), "target_seconds": TARGET_SECONDS}
        print(json.dumps(result, ensure_ascii=False, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        ok = result["cold"]["seconds"] <= TARGET_SECONDS
        print(f"{'OK' if ok else 'OVER TARGET'}: cold build {result['cold']['seconds']} s, warm "
              f"{result['warm']['seconds']} s (target ≤ {TARGET_SECONDS:.0f} s)", file=sys.stderr)
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
