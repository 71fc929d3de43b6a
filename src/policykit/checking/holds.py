"""Checks that fit the repository: rules that need a list the repository does not hold are not run.

A repository declares what it holds in ``policykit.yaml`` (``holds: [权责清单]``, names from
``lists.config.HOLDABLE``). A rule needs a list when it reads (``reads:``, matched or ``absent``) a fact
kind projected from that list: ``TSK-UNIT-HAS-LIST`` reads ``task_unit``, so a repository of power
lists only would otherwise get one false finding per internal unit. Such a rule is skipped, and the
check says so ONCE: one info problem at the ``holds`` key naming every skipped rule, never one per
rule. Fact kinds not listed here (the organisations, the laws, the waivers, kinds added later) belong
to no holdable list: rules reading only them always run, so a new kind can never switch rules off.
"""
from __future__ import annotations

from ..lists.config import CONFIG_FILE, HOLDABLE
from ..problems import Problem
from .supervision_facts import SUPERVISION_FACT_KINDS

# fact kind -> the holdable list it is projected from
FACT_LIST: dict[str, str] = {
    "power": "权责清单", "power_co": "权责清单", "power_supervision": "权责清单",
    "unit_duty": "职责任务清单", "task_unit": "职责任务清单",
    "boundary": "职责边界清单", "boundary_role": "职责边界清单", "boundary_power": "职责边界清单",
    "boundary_link": "职责边界清单",
    "catalog_item": "监管事项目录", "catalog_claim": "监管事项目录",
    **{kind: "监管记录" for kind in SUPERVISION_FACT_KINDS},
}
assert set(FACT_LIST.values()) <= set(HOLDABLE)

RULE_ID = "CONFIG-HOLDS"
SHOWN_IDS = 8           # rule ids named per list in the notice; the rest are counted


def needed_lists(rule) -> set[str]:
    """The holdable lists ``rule`` needs: those of the kinds it declares in ``needs``, else of every
    kind it reads."""
    kinds = rule.needs if rule.needs is not None else rule.kinds
    return {FACT_LIST[kind] for kind in kinds if kind in FACT_LIST}


def fit_rules(rules: list, config) -> tuple[list, list]:
    """``(rules to run, rules skipped)`` for a repository holding ``config.holds`` (None: all)."""
    if config.holds is None:
        return list(rules), []
    held = set(config.holds)
    run, skipped = [], []
    for rule in rules:
        (skipped if needed_lists(rule) - held else run).append(rule)
    return run, skipped


def skipped_notice(config, skipped: list) -> list[Problem]:
    """One info problem naming the rules not run, by the list they need (none when nothing was skipped)."""
    if not skipped:
        return []
    held = "、".join(config.holds) if config.holds else "（无）"
    by_list: dict[str, list[str]] = {}
    for rule in skipped:   # a rule needing two lists not held is named under the first of them
        missing = [name for name in HOLDABLE if name in needed_lists(rule) and name not in config.holds]
        by_list.setdefault(missing[0], []).append(rule.id)
    parts = []
    for name in HOLDABLE:
        ids = sorted(by_list.get(name, ()))
        if ids:
            parts.append(f"需要{name}的 {len(ids)} 条（{'、'.join(ids[:SHOWN_IDS])}{' 等' if len(ids) > SHOWN_IDS else ''}）")
    line, col = config.holds_position
    return [Problem(CONFIG_FILE, line, col, "$.holds", RULE_ID, "info",
                    f"本仓库只包含{held}（policykit.yaml 的 holds），{len(skipped)} 条规则未运行：{'；'.join(parts)} "
                    f"({len(skipped)} rules skipped: they need lists this repository does not hold)")]


def undeclared_notice(config, list_files) -> list[Problem]:
    """One warning per list the repository has files of but does not declare in ``holds``: its rules
    are not run, so narrowing ``holds`` cannot quietly hide the findings on lists that are there.
    ``list_files``: the paths of the repository's list files (``lists/<folder>/…``)."""
    if config.holds is None:
        return []
    prefix = config.lists_dir.strip("/") + "/"
    counts: dict[str, int] = {}
    for rel in list_files:
        if rel.startswith(prefix):
            folder = rel[len(prefix):].split("/", 1)[0]
            counts[folder] = counts.get(folder, 0) + 1
    line, col = config.holds_position
    out = []
    for name, folders in HOLDABLE.items():
        present = {f: counts[f] for f in folders if counts.get(f)}
        if name in config.holds or not present:
            continue
        where = "、".join(f"{prefix}{f}/（{n} 个文件）" for f, n in present.items())
        out.append(Problem(CONFIG_FILE, line, col, "$.holds", RULE_ID + "-UNDECLARED", "warning",
                           f"{where}有{name}，但 holds 未包含「{name}」：检查这些文件的规则未运行 "
                           f"(files of a list not declared in holds: its rules were not run)"))
    return out
