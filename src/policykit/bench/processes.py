"""Work processes and 审管协同 records for a generated city (``bench.generate``), with planted defects.

Jinan broke 9,368 duties of 53 departments into 9,578 work processes; at Jinan scale the generator does the
same: departments (the 行政审批服务局 first) are given processes until about 9,400 of their unit duties are
covered, one process per duty and a second one for about one duty in a hundred. A process carries the
department's power items of its duty's unit and 三定 duty; its 行政许可 items get a promised and a legal
时限 above the process's total and their 申请材料, all listed in the first step. Processes of the
approval body hand the licence over to the supervising department on an 审管协同 record (one per
行政许可 in use of the approval body, with the supervising department's matching 行政检查); some
processes of departments that share a boundary matter hand a step to a partner on that matter.

This runs after every other plant of the generator, on the records as they then are, and plants the
defects of ``PLAN`` (each counted in ``planted.json`` with the collateral problems it must cause).
"""
from __future__ import annotations

PLAN = {"PRC-DUTY-COVERED": 3, "PRC-DUTY-REF": 2, "PRC-ITEM-REF": 2, "PRC-TIME-LIMIT": 3, "PRC-MATERIALS": 2,
        "PRC-STEP-UNIT": 2, "PRC-HANDOFF": 2, "PRC-HANDOFF-REF": 2, "SGXT-COVERED": 2, "SGXT-PUSH-TIME": 2,
        "SGXT-INSPECTION": 2, "SGXT-ITEM": 1}
RULES = frozenset(PLAN)
DUTY_SHARE = 9400 / 33466          # Jinan: duties with processes / all unit duties
APPROVAL_BODY = "xzspfwj"
STEP_NAMES = ["受理登记", "审查核实", "现场核查", "集体研究", "审核签批", "结果送达", "归档公开", "跟踪问效"]
GONE_UNIT = "已撤并科室"


def make_processes(gen) -> None:
    """Processes for the first city (each city at province scale), 审管 records, then the plants."""
    state = _State(gen)
    for city_depts in _cities(gen):
        state.city(city_depts)
    state.plant()
    gen.process_files = state.files
    gen.approval_records = state.records
    gen.approval_body = getattr(state, "body_id", None)


def _cities(gen) -> list:
    by_city: dict = {}
    for d in gen.depts:
        by_city.setdefault(d.city, []).append(d)
    return list(by_city.values())


def _units(d) -> list:
    return [u["name"] for u in d.units]


def _items(d) -> list:
    return list(d.powers) + [p for items in d.extra_files.values() for p in items]


class _State:
    def __init__(self, gen):
        self.gen, self.rng = gen, gen.rng
        self.files: dict = {}              # dept id -> {"department", "processes"}
        self.records: list = []            # 审管 records
        self.pairs: set = set()            # (a, b) that may hand off: boundary matters and 审管 pairs
        self.limited: dict = {}            # id(item) -> item with a time limit
        self.processes: list = []          # (dept, process)
        self.seq = 0
        self.body_items: list = []
        self.codes: dict = {}

    # ---- building ---------------------------------------------------------------------------
    def city(self, depts) -> None:
        rng = self.rng
        by_id = {d.id: d for d in depts}
        for b in self.gen.boundaries:
            ids = [r["department"] for r in b["departments"] if r["department"] in by_id]
            for a in ids:
                for c in ids:
                    if a != c:
                        self.pairs.add((a, c))
        body = next((d for d in depts if d.id.endswith(APPROVAL_BODY)), None)
        order = [d for d in depts if d is not body]
        rng.shuffle(order)
        chosen = ([body] if body else []) + order
        target = round(DUTY_SHARE * sum(len(v) for d in depts for v in d.tasks.values()))
        covered = 0
        broken = " ".join(self.gen.broken)
        for d in chosen:
            if covered >= target:
                break
            if f"/{d.id}" in broken:          # a planted unreadable file: its lists do not load
                continue
            covered += self.department(d, by_id)
        if body is not None and f"/{body.id}" not in broken:
            self.approval(body, depts)
            self.body_id = getattr(self, "body_id", None) or body.id

    def department(self, d, by_id) -> int:
        rng = self.rng
        units = set(_units(d))
        items = [p for p in _items(d) if p.get("status") == "在用"]
        procs = []
        duties = 0
        for unit, dlist in d.tasks.items():
            for duty in dlist:
                duties += 1
                for k in range(2 if rng.random() < 0.012 else 1):
                    procs.append(self.process(d, unit, duty, units, items, k))
        for p in procs:
            self.processes.append((d, p))
        self.files[d.id] = {"department": d.id, "processes": procs}
        self.handoffs(d, procs, by_id)
        return duties

    def process(self, d, unit, duty, units, items, k) -> dict:
        rng = self.rng
        self.seq += 1
        carried = [p for p in items if p.get("unit") == unit and p.get("sanding_duty") == duty["sanding_duty"]][:3]
        step_unit = unit if unit in units else _units(d)[0]
        steps = []
        for i, name in enumerate(rng.sample(STEP_NAMES, rng.randint(2, 4)), 1):
            step = {"no": i, "name": name, "unit": step_unit, "days": rng.randint(1, 3)}
            if duty.get("post"):
                step["post"] = duty["post"]
            steps.append(step)
        proc = {"id": f"LC-{d.id}-{self.seq:05d}", "name": f"{duty['content'][:40]}{'（二）' if k else ''}流程",
                "duty": {"unit": unit, "no": duty["no"]}}
        if carried:
            proc["items"] = [p["code"] for p in carried]
        proc["day_type"] = "工作日"
        proc["steps"] = steps
        licences = [p for p in carried if p["category"] == "行政许可"]
        if licences:
            materials = []
            for p in licences:
                p.setdefault("materials", [f"{p['name']}{p.get('sub_name') or ''}申请书", "申请人身份证明"])
                materials += [m for m in p["materials"] if m not in materials]
            steps[0]["materials"] = materials
        for p in carried:
            self.limited[id(p)] = p
            p.setdefault("_processes", []).append(proc)
        return proc

    def handoffs(self, d, procs, by_id) -> None:
        """About one process in fifty hands a step to a partner on a boundary matter."""
        rng = self.rng
        partners = sorted(b for a, b in self.pairs if a == d.id and b in by_id and _units(by_id[b]))
        if not partners:
            return
        for p in procs:
            if rng.random() < 0.02:
                other = by_id[rng.choice(partners)]
                matter = self._matter(d.id, other.id)
                p["steps"].append({"no": len(p["steps"]) + 1, "name": "移送配合部门办理", "department": other.id,
                                   "unit": rng.choice(_units(other)), "days": 0, "handoff": matter})

    def _matter(self, a, b) -> str:
        for m in self.gen.boundaries:
            ids = {r["department"] for r in m["departments"]}
            if a in ids and b in ids:
                return m["id"]
        raise RuntimeError("no boundary matter for a pair taken from the matters")

    def approval(self, body, depts) -> None:
        """One 审管 record per 行政许可 in use of the approval body, to a department with a 行政检查."""
        rng = self.rng
        inspectors = [(d, p) for d in depts if d is not body for p in _items(d)
                      if p.get("category") == "行政检查" and p.get("status") == "在用" and p.get("unit") in _units(d)]
        licences = [p for p in _items(body) if p.get("category") == "行政许可" and p.get("status") == "在用"]
        codes = {}
        for p in _items(body) + [q for _, q in inspectors]:
            codes[p["code"]] = codes.get(p["code"], 0) + 1
        self.body_items = _items(body)
        self.codes = codes
        for p in licences:
            sup, check = rng.choice(inspectors)
            self.seq += 1
            rec = {"id": f"SG-{len(self.records) + 1:03d}", "item": p["code"], "name": p["name"],
                   "approving": body.id, "supervising": sup.id, "inspection": check["code"],
                   "push": {"content": ["许可决定", "申请材料", "现场核查记录"], "days": rng.choice([1, 2, 3]),
                            "day_type": "工作日", "channel": "审管互动信息平台"},
                   "monitoring": "审批部门按月抽查许可档案，监管部门在许可后三十日内开展首次检查并反馈结果。"}
            self.records.append(rec)
            self.pairs.update({(body.id, sup.id), (sup.id, body.id)})
            for proc in p.get("_processes", ()):
                proc["steps"].append({"no": len(proc["steps"]) + 1, "name": "许可后监管", "department": sup.id,
                                      "unit": check["unit"], "days": 0, "handoff": rec["id"]})
            rec["_licence"] = p

    # ---- time limits and plants -----------------------------------------------------------------
    def plant(self) -> None:
        gen, rng = self.gen, self.rng
        for p in self.limited.values():
            total = max(sum(s["days"] for s in proc["steps"]) for proc in p["_processes"])
            promised = total + rng.randint(0, 5)
            p["time_limit"] = {"legal_days": promised * 2, "promised_days": promised, "day_type": "工作日"}
        times = lambda rule: range(_count(gen, PLAN[rule]))  # noqa: E731
        self._plant_processes(times)
        self._plant_records(times)
        for p in self.limited.values():
            p.pop("_processes", None)
        for rec in self.records:
            rec.pop("_licence", None)

    def _free(self, pred):
        """A process no plant has touched yet that satisfies ``pred``."""
        pool = [(d, p) for d, p in self.processes if id(p) not in self.gen.used and pred(d, p)]
        if not pool:
            raise RuntimeError("no process left to plant a defect in")
        d, p = self.rng.choice(pool)
        self.gen.used.add(id(p))
        return d, p

    def _plant_processes(self, times) -> None:
        gen = self.gen
        single = {}
        for d, p in self.processes:
            single[(d.id, p["duty"]["unit"], p["duty"]["no"])] = single.get((d.id, p["duty"]["unit"], p["duty"]["no"]), 0) + 1
        alone = lambda d, p: single[(d.id, p["duty"]["unit"], p["duty"]["no"])] == 1  # noqa: E731
        plain = lambda d, p: alone(d, p) and not p.get("items") and not _cross(p)  # noqa: E731
        for _ in times("PRC-DUTY-COVERED"):
            d, p = self._free(plain)
            self.files[d.id]["processes"].remove(p)
            gen.plant("PRC-DUTY-COVERED")
        for _ in times("PRC-DUTY-REF"):
            d, p = self._free(plain)
            p["duty"] = {"unit": p["duty"]["unit"], "no": 999}
            gen.plant("PRC-DUTY-REF")
            gen.plant("PRC-DUTY-COVERED")            # its own duty is left without a process
        for _ in times("PRC-ITEM-REF"):
            d, p = self._free(lambda d, p: not p.get("items"))
            other = self._foreign_item(d)
            p["items"] = [other["code"]]
            gen.plant("PRC-ITEM-REF")
        for _ in times("PRC-TIME-LIMIT"):
            d, p = self._free(lambda d, p: len(p.get("items") or ()) == 1 and id(self._item(p)) in self.limited)
            item = self._item(p)
            p["steps"][0]["days"] += item["time_limit"]["promised_days"] + 1
            gen.plant("PRC-TIME-LIMIT")
        for _ in times("PRC-MATERIALS"):
            d, p = self._free(lambda d, p: len(p.get("items") or ()) == 1 and "materials" in self._item(p)
                              and self._item(p).get("category") == "行政许可")
            first = self._item(p)["materials"][0]
            p["steps"][0]["materials"] = [m for m in p["steps"][0]["materials"] if m != first]
            gen.plant("PRC-MATERIALS")
        for _ in times("PRC-STEP-UNIT"):
            d, p = self._free(lambda d, p: not _cross(p) and GONE_UNIT not in _units(d))
            for s in p["steps"]:
                s["unit"] = GONE_UNIT
            gen.plant("PRC-STEP-UNIT")
        for _ in times("PRC-HANDOFF"):
            d, p = self._free(lambda d, p: not _cross(p))
            other = self._stranger(d)
            p["steps"].append({"no": len(p["steps"]) + 1, "name": "移送办理", "department": other.id,
                               "unit": _units(other)[0], "days": 0})
            gen.plant("PRC-HANDOFF")
        for _ in times("PRC-HANDOFF-REF"):
            d, p = self._free(lambda d, p: sum(1 for s in p["steps"] if s.get("handoff")) == 1)
            next(s for s in p["steps"] if s.get("handoff"))["handoff"] = "BJ-9999"
            gen.plant("PRC-HANDOFF-REF")

    def _item(self, p):
        code = p["items"][0]
        return next((q for q in self.limited.values() if q["code"] == code), {})

    def _foreign_item(self, d):
        """An item of another department, in use, no 行政许可, its code unique in the city."""
        counts: dict = {}
        for x in self.gen.depts:
            for q in _items(x):
                counts[q["code"]] = counts.get(q["code"], 0) + 1
        pool = [q for x in self.gen.depts if x is not d for q in _items(x)
                if q.get("category") != "行政许可" and counts[q["code"]] == 1 and q.get("status") == "在用"
                and id(q) not in self.limited]
        return self.rng.choice(pool)

    def _stranger(self, d):
        pool = [x for x in self.gen.depts if x is not d and (d.id, x.id) not in self.pairs and _units(x)]
        return self.rng.choice(pool)

    def _plant_records(self, times) -> None:
        gen, rng = self.gen, self.rng
        mine = [r for r in self.records if r["approving"] == getattr(self, "body_id", None)]   # the configured body's
        free = [r for r in mine if not r["_licence"].get("_processes") and self.codes.get(r["item"]) == 1]
        rng.shuffle(free)
        busy = [r for r in mine if r not in free]
        rng.shuffle(busy)
        # removing a record leaves its licence uncovered; only records no process step rests on
        for _ in times("SGXT-COVERED"):
            if not free:
                break
            self.records.remove(free.pop())
            gen.plant("SGXT-COVERED")
        pool = free + busy
        for _ in times("SGXT-PUSH-TIME"):
            if not pool:
                break
            rec = pool.pop()
            del rec["push"]["days"]
            gen.plant("SGXT-PUSH-TIME")
        for _ in times("SGXT-INSPECTION"):
            if not pool:
                break
            rec = pool.pop()
            rec["inspection"] = rec["inspection"][:-7] + "CF99900"
            gen.plant("SGXT-INSPECTION")
        for _ in times("SGXT-ITEM"):
            rec = next((r for r in pool if not r["_licence"].get("_processes")), None)
            other = next((q for q in self.body_items if q.get("category") == "行政处罚" and self.codes.get(q["code"]) == 1), None)
            if rec is None or other is None:
                break
            pool.remove(rec)
            rec["item"] = other["code"]
            gen.plant("SGXT-ITEM")
            gen.plant("SGXT-COVERED")                  # its licence is left without a record


def _cross(p) -> bool:
    return any(s.get("department") for s in p["steps"])


def _count(gen, jinan: int) -> int:
    sc = gen.scale
    if sc.plant_factor == 0:
        return 1
    return max(1, round(jinan * sc.plant_factor)) * sc.cities
