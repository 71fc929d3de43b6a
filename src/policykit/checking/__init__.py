"""Checking: what a rule means and how it runs.

Owns the rule language (``rules``: YAML rule files compiled and validated, message templates as data),
the facts the rules read (``facts``, ``supervision_facts``), the one door to durable-rules
(``engine``) and its plain-Python twin (``oracle``), a whole check (``check``: load, validate, run,
apply overrides and waivers), each rule's own examples (``ruletest``) and the report formats
(``reporters``).

May import ``speed``, ``lists`` and the ground.
"""
