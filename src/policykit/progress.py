"""Progress for long work: a live line on a terminal, a few plain lines in CI logs, nothing in tests."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, stream=None, enabled: bool = True, every: float = 5.0):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = every
        self._last = 0.0
        self._start = time.perf_counter()

    def __call__(self, done: int, total: int, what: str = "") -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if self.tty:
            self.stream.write(f"\r{self.label} {done}/{total} {what}\x1b[K")
            if done == total:
                self.stream.write("\n")
            self.stream.flush()
        elif done == total or now - self._last >= self.every:
            self._last = now
            self.stream.write(f"{self.label} {done}/{total} ({now - self._start:.1f}s)\n")
            self.stream.flush()
