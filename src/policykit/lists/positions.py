"""The order of positions: the one definition every reader and walker follows.

A parsed document (``loader.Document``) keeps two tables keyed by path tuples — ``positions`` (where
each value starts) and ``key_positions`` (where each mapping key starts). Their *insertion order* is
part of the contract, not an accident: the fast reader (``speed.fastyaml``) records only the
``(line, column)`` pairs, as flat arrays, and the cache (``speed.cache``) stores those arrays and
later pairs them with paths again by walking the data. Both sides must agree on the order.

There is one walk and two orders read off it. Walk the data depth first, children in mapping order
(as written, the first of duplicate keys) or sequence order; at each mapping entry meet first the
key, then its value and everything under it. That is the order the text is read in, top to bottom,
for block and flow style alike:

* **value order** (``value_paths``): every node, the root ``()`` first, each container before its
  entries — a pre-order of the nodes;
* **key order** (``key_paths``): every mapping key, each one right before the keys under its value —
  so a key is *not* listed with its siblings first (``a``, ``a.x``, ``b``, never ``a``, ``b``, ``a.x``).

The functions here are the reference: plain and recursive, written to be read. The hot copies in
``speed.cache`` (``_walk_orders``, ``_subtree_sizes``) and the readers that record positions as they
read (``loader._Reader``, ``speed.fastyaml``) are held to them by ``tests/test_position_order.py``.
"""
from __future__ import annotations

from typing import Iterator

VALUE = "value"
KEY = "key"


def walk(data, path: tuple = ()) -> Iterator[tuple[str, tuple]]:
    """``(KEY | VALUE, path)`` for every key and value of ``data``, in reading order (see above)."""
    yield VALUE, path
    if type(data) is dict:
        for key, value in data.items():
            child = path + (key,)
            yield KEY, child
            yield from walk(value, child)
    elif type(data) is list:
        for index, value in enumerate(data):
            yield from walk(value, path + (index,))


def value_paths(data) -> list[tuple]:
    """The paths of ``Document.positions``, in their order: every node, pre-order."""
    return [path for kind, path in walk(data) if kind == VALUE]


def key_paths(data) -> list[tuple]:
    """The paths of ``Document.key_positions``, in their order: every key, each before its value's keys."""
    return [path for kind, path in walk(data) if kind == KEY]


__all__ = ["walk", "value_paths", "key_paths", "VALUE", "KEY"]
