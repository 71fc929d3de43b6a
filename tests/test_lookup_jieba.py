"""jieba's model is kept in memory: a process that uses the lookup's tokenizer or jieba's global one
leaves nothing in the temporary directory, however it ends (normally, SIGKILL, ``os._exit`` in a forked
child), and a ``jieba.cache`` planted there is never loaded."""
from __future__ import annotations

import marshal
import os
import signal
import subprocess
import sys

import pytest

pytest.importorskip("jieba")

CHILD = r"""
import os, signal, sys
from policykit.lookup.words import private_jieba_cache, tokenizer
import jieba
private_jieba_cache()                       # jieba's global tokenizer, as the site's search uses it
jieba.add_word("占道经营")
tk = tokenizer(["占道经营", "楼顶加盖"])       # the lookup's own
print("|".join(tk.lcut("占道经营和楼顶加盖", HMM=False)), "|".join(jieba.lcut("占道经营管理", HMM=False)), flush=True)
how = sys.argv[1]
if how == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
elif how == "_exit":
    os._exit(0)
elif how == "fork":
    pid = os.fork()
    if pid == 0:
        tokenizer(["危化品"])                 # a forked child builds a tokenizer of its own, then leaves abruptly
        os._exit(0)
    os.waitpid(pid, 0)
    os._exit(0)
"""


def _run(tmp_path, how):
    tmp = tmp_path / f"tmp-{how}"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp)}
    proc = subprocess.run([sys.executable, "-c", CHILD, how], capture_output=True, text=True, env=env, timeout=120)
    return proc, tmp


@pytest.mark.parametrize("how", ["exit", "kill", "_exit", "fork"])
def test_nothing_is_left_in_the_temporary_directory(tmp_path, how):
    proc, tmp = _run(tmp_path, how)
    if how == "kill":
        assert proc.returncode == -signal.SIGKILL, proc.stderr
    else:
        assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["占道经营|和|楼顶加盖", "占道经营|管理"], proc.stderr   # jieba did work
    assert sorted(p.name for p in tmp.iterdir()) == []


def test_a_planted_model_cache_is_never_loaded(tmp_path):
    tmp = tmp_path / "tmp-planted"
    tmp.mkdir()
    planted = marshal.dumps(({"占": 1, "道": 1, "毒": 1}, 3))          # would cut everything into characters
    (tmp / "jieba.cache").write_bytes(planted)
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.run([sys.executable, "-c", CHILD, "exit"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["占道经营|和|楼顶加盖", "占道经营|管理"]
    assert [p.name for p in tmp.iterdir()] == ["jieba.cache"] and (tmp / "jieba.cache").read_bytes() == planted


def test_each_tokenizer_has_its_own_words():
    from policykit.lookup.words import tokenizer
    a = tokenizer(["楼顶加盖"])
    b = tokenizer([])
    assert "楼顶加盖" in a.FREQ and "楼顶加盖" not in b.FREQ       # the shared model is copied, not changed
