"""Work done in forked child processes while mkdocs renders pages in this one.

The children inherit the parsed lists and generated pages (nothing is pickled), write their files
and exit. Where ``fork`` is unavailable, or a child cannot be started, the work runs in this process
when :meth:`Forked.join` is called — same result, only slower.
"""
from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger("mkdocs.plugins.policykit")

_TASKS: dict = {}   # task id -> (function, jobs); read by the forked children


def _child(task: int, start: int, step: int) -> None:
    fn, jobs = _TASKS[task]
    try:
        for job in jobs[start::step]:
            fn(job)
    except BaseException as exc:  # noqa: BLE001 — report and exit non-zero; the parent raises
        try:
            sys.stderr.write(f"policykit: 子进程失败：{type(exc).__name__}: {exc}\n")
            sys.stderr.flush()
        finally:
            os._exit(1)
    os._exit(0)


class Forked:
    """``fn(job)`` for every job, split over ``workers`` forked children."""

    def __init__(self, fn, jobs: list, workers: int | None = None, label: str = ""):
        self.fn, self.jobs, self.label = fn, list(jobs), label
        cpus = os.cpu_count() or 1
        self.workers = max(1, min(workers if workers is not None else max(1, cpus - 1), len(self.jobs) or 1))
        self.procs: list = []
        self.task = id(self)

    def start(self) -> "Forked":
        if not self.jobs:
            return self
        import multiprocessing
        try:
            ctx = multiprocessing.get_context("fork")
        except ValueError:
            return self
        _TASKS[self.task] = (self.fn, self.jobs)
        try:
            for i in range(self.workers):
                p = ctx.Process(target=_child, args=(self.task, i, self.workers), daemon=True)
                p.start()
                self.procs.append(p)
        except OSError as exc:
            log.info("policykit: 无法启动子进程（%s），%s改在主进程完成", exc, self.label)
            for p in self.procs:
                p.kill()
                p.join()
            self.procs = []
        return self

    def join(self) -> None:
        """Wait for the children (or do the work here); raise RuntimeError when a child failed."""
        try:
            if self.procs:
                failed = 0
                for p in self.procs:
                    p.join()
                    failed += p.exitcode != 0
                self.procs = []
                if failed:
                    raise RuntimeError(f"{self.label}的 {failed} 个子进程失败")
            else:
                for job in self.jobs:
                    self.fn(job)
        finally:
            _TASKS.pop(self.task, None)
            self.jobs = []
