"""The supervision system around the lists: two ledgers, problem collection, dispute mediation,
indicator-based evaluation, coordination bodies and the city–county division.

The records live under ``lists/`` (``performance``, ``supervision``, ``problems``, ``disputes``,
``indicators``, ``evaluations``, ``bodies``, ``divisions``), are validated by their schemas, and reach
this package raw through ``repo.records[kind]``. Modules:

- ``records``    typed views of those records, with where each was written (for located messages)
- ``facts``      the fact kinds the rules under ``rules/supervision/`` read
- ``hotline``    import of a 12345 hotline work-order CSV export into problem records
- ``report``     ``problems report``: buck-passing trend and matters without a boundary item
- ``evaluation`` indicator-system import (the real xls), scores and department scorecards
- ``bodies``     figures on coordination bodies (count, cut, share), from data or two revisions

Nothing here imports ``policykit.facts`` at module level (that module imports ours).
"""
