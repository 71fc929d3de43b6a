"""Where the defaults shipped inside the package are: the bundled schemas and rules, and the templates
of a new city repository (``policykit init``).

They are package data under ``policykit/defaults/``. In the source tree ``defaults/schemas`` and
``defaults/rules`` are links to the repository's own ``schemas/`` and ``rules/`` (one source of truth:
the sample city is checked with exactly what a wheel ships); building the wheel copies what they point
to. The paths are resolved once, so a path compared with them (``schemas.schema_path``) is the real one.
A source checkout whose links were not made (a file system without symbolic links) falls back to the
repository's folders. Nothing here is read from a checked repository: these files belong to the
installed package and are trusted like its code.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE_DEFAULTS = Path(__file__).resolve().parents[1] / "defaults"
_SOURCE_ROOT = Path(__file__).resolve().parents[3]   # the repository, in a source checkout


def _folder(name: str) -> Path:
    packaged = PACKAGE_DEFAULTS / name
    if packaged.is_dir():
        return packaged.resolve()
    return (_SOURCE_ROOT / name).resolve()


BUNDLED_SCHEMAS = _folder("schemas")
BUNDLED_RULES = _folder("rules")


def template(name: str) -> Path:
    """A template file of a new city repository (``policykit.yaml``, ``mkdocs.yml``, ``README.md`` …)."""
    return PACKAGE_DEFAULTS / name
