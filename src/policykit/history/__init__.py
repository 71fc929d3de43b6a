"""History and review: the lists at two revisions, compared for people.

Owns the item-level ``diff`` (what a reviewer needs, including changes to what decides the verdict),
``adjustments`` (adjustment records as commit trailers, an item's log, the changelog) and ``impact``
(which items rest on a law). Git itself is read only through ``lists.gitdoor``.

May import ``io``, ``checking``, ``lists`` and the ground.
"""
