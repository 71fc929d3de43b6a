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
