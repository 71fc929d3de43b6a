"""Input and output of files people keep outside the repository.

Owns ``importers`` (published spreadsheets into YAML lists, every row accounted for), ``exporters``
(the lists in the customary published layout), ``cells`` (every spreadsheet or CSV cell written as
text, never a formula) and ``writing`` (all-or-nothing writing of several files, recovery after a
killed run).

May import ``lists`` and the ground.
"""
