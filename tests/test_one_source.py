"""One source of truth for what used to be written down in several places."""
from __future__ import annotations

import json

import pytest

from policykit.checking import reporters
from policykit.cli import build_parser, main


def _check_parser():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices["check"]


def test_the_check_command_offers_exactly_the_registered_report_formats():
    fmt = next(a for a in _check_parser()._actions if a.dest == "format")
    assert tuple(fmt.choices) == reporters.FORMATS == tuple(reporters.REPORTERS)


@pytest.mark.parametrize("fmt", reporters.FORMATS)
def test_every_registered_format_renders_a_check(city, capsys, fmt):
    code = main(["check", str(city.root), "-q", "-f", fmt])
    out = capsys.readouterr().out
    assert code == 0 and (out or fmt == "github")   # GitHub annotations: none for a clean city
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(out)


def test_an_unregistered_format_is_a_usage_error(city, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", str(city.root), "-f", "xml"])
    assert exc.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_one_check_opens_one_cache_store(city, monkeypatch, tmp_path):
    """Documents, compiled rules, memo, incremental state and locations share the run's store."""
    from policykit.checking.check import run_check
    from policykit.speed import cache
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("POLICYKIT_NO_CACHE", raising=False)
    opened = []
    real = cache.Store.for_root.__func__
    monkeypatch.setattr(cache.Store, "for_root", classmethod(lambda cls, root: opened.append(root) or real(cls, root)))
    root = city.root
    first = run_check(root, reuse=True)                    # cold: every step writes
    assert len(opened) == 1 and not first.reuse.get("whole")
    again = run_check(root, reuse=True)                    # warm: the whole result is read back
    assert len(opened) == 2 and again.reuse.get("whole") and again.problems == first.problems
    path = next((root / "lists").rglob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8") + "\n# 改动\n", encoding="utf-8")
    edited = run_check(root, reuse=True)                   # one file edited: memo miss, incremental reuse
    assert len(opened) == 3 and not edited.reuse.get("whole") and edited.reuse.get("rules_full", 0) < len(edited.rules)
