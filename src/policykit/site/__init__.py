"""The lists published as a website: an mkdocs plugin that generates every page from the lists.

``PolicykitPlugin`` is the mkdocs plugin (entry point ``policykit``); ``build_site`` (and
``build_site_atomically``, which swaps a finished build in) and ``serve_site`` drive mkdocs from
Python for ``policykit docs build`` / ``policykit docs serve``.
Pages are built from escaping types (``markup``) so list text is text; the configuration mkdocs runs is
generated from an allow-list (``siteconfig``); personal data is removed at one choke point
(``publishing``). See docs/site.md and docs/security.md.

The top of the feature layer: may import every package but ``cli``.
"""
from __future__ import annotations

from .plugin import PolicykitPlugin


def build_site(*args, **kwargs):
    from .build import build_site as _build
    return _build(*args, **kwargs)


def build_site_atomically(*args, **kwargs):
    from .build import build_site_atomically as _build
    return _build(*args, **kwargs)


def serve_site(*args, **kwargs):
    from .build import serve_site as _serve
    return _serve(*args, **kwargs)


__all__ = ["PolicykitPlugin", "build_site", "build_site_atomically", "serve_site"]
