"""The supervision system around the lists: problem collection, evaluation, coordination bodies.

The records (``performance``, ``supervision``, ``problems``, ``disputes``, ``indicators``,
``evaluations``, ``bodies``, ``divisions`` under ``lists/``) are part of the model: their typed views
are ``policykit.lists.records`` and the facts the rules under ``rules/supervision/`` read are
``policykit.checking.supervision_facts``. This package holds what is done with them:

- ``hotline``    import of a 12345 hotline work-order export into problem records, every row accounted for
- ``report``     ``problems report``: buck-passing trend and matters without a boundary item
- ``evaluation`` indicator-system import (the real xls), scores and department scorecards
- ``bodies``     figures on coordination bodies (count, cut, share), from data or two revisions

May import ``checking``, ``io``, ``lists`` and the ground.
"""
