"""A synthetic city in the data format, for the site's tests and its Jinan-sized benchmark.

``generate(root, departments=…, items=…, matters=…)`` writes ``policykit.yaml`` and ``lists/`` under
``root`` with realistic field sizes and Chinese text. The output is deterministic for a seed and is
valid against the schemas; it is not meant to be free of rule findings. Every generated city has the
boundary matter 危险化学品运输车辆停车场监管 (BJ-001), led by the first transport department, so tests can
look for it.
"""
from __future__ import annotations

import datetime as _dt
import random
import shutil
from pathlib import Path

import yaml

CITY = "明湖市"
REGION = "370199"

# (short name, full-name stem, domain words) — cycled and numbered beyond the list
_DEPARTMENTS = [
    ("交通运输局", "交通运输局", ["道路运输", "公路", "危险货物运输", "出租汽车", "港口"]),
    ("应急管理局", "应急管理局", ["安全生产", "危险化学品", "应急物资", "防汛抗旱", "消防"]),
    ("市场监管局", "市场监督管理局", ["食品安全", "特种设备", "计量", "广告", "价格"]),
    ("生态环境局", "生态环境局", ["大气污染", "水污染", "固体废物", "噪声", "辐射"]),
    ("公安局", "公安局", ["道路交通", "治安", "户籍", "出入境", "危险物品"]),
    ("住房城乡建设局", "住房和城乡建设局", ["建筑施工", "物业", "房地产", "燃气", "建筑市场"]),
    ("城管局", "城市管理局", ["市容环境", "户外广告", "城市道路", "园林绿化", "环境卫生"]),
    ("卫生健康委", "卫生健康委员会", ["医疗机构", "公共卫生", "职业健康", "传染病", "母婴保健"]),
    ("教育局", "教育局", ["学校安全", "民办教育", "校外培训", "教师资格", "学前教育"]),
    ("农业农村局", "农业农村局", ["农产品质量", "兽药", "农药", "种子", "渔业"]),
    ("水务局", "水务局", ["供水", "排水", "河道", "水资源", "水土保持"]),
    ("自然资源规划局", "自然资源和规划局", ["土地", "矿产", "测绘", "规划许可", "不动产登记"]),
    ("商务局", "商务局", ["成品油", "再生资源", "单用途预付卡", "拍卖", "外商投资"]),
    ("文化旅游局", "文化和旅游局", ["演出", "旅行社", "网吧", "文物", "娱乐场所"]),
    ("人力资源社会保障局", "人力资源和社会保障局", ["劳动保障", "社会保险", "职业技能", "人才", "工资支付"]),
    ("民政局", "民政局", ["社会组织", "养老机构", "殡葬", "婚姻登记", "社会救助"]),
]
_CATEGORIES = [("行政许可", "XK", 14), ("行政处罚", "CF", 45), ("行政强制", "QZ", 6), ("行政征收", "ZS", 2),
               ("行政给付", "GF", 3), ("行政检查", "JC", 12), ("行政确认", "QR", 5), ("行政奖励", "JL", 2),
               ("行政裁决", "CJ", 1), ("其他行政权力", "QT", 6), ("公共服务", "FW", 4)]
_LAWS = [("法律", "中华人民共和国安全生产法"), ("法律", "中华人民共和国食品安全法"), ("法律", "中华人民共和国行政许可法"),
         ("法律", "中华人民共和国行政处罚法"), ("法律", "中华人民共和国道路交通安全法"), ("法律", "中华人民共和国环境保护法"),
         ("法律", "中华人民共和国大气污染防治法"), ("行政法规", "危险化学品安全管理条例"), ("行政法规", "城市道路管理条例"),
         ("行政法规", "中华人民共和国道路运输条例"), ("地方性法规", "明湖市城市管理条例"), ("部门规章", "道路危险货物运输管理规定"),
         ("地方政府规章", "明湖市停车场管理办法"), ("规范性文件", "明湖市行政执法工作规范")]
_NUM = "零一二三四五六七八九"
_CONFIG = f"""city: {CITY}
region_code: "{REGION}"
lists_dir: lists
rules_dir: rules
categories:
""" + "".join(f"  - {{name: {n}, letters: {l}, number: \"{i:02d}\"}}\n" for i, (n, l) in enumerate(
    [("行政许可", "XK"), ("行政处罚", "CF"), ("行政强制", "QZ"), ("行政征收", "ZS"), ("行政给付", "GF"),
     ("行政检查", "JC"), ("行政确认", "QR"), ("行政奖励", "JL"), ("行政裁决", "CJ"), ("其他行政权力", "QT")], 1)) + \
    """  - {name: 公共服务, letters: FW, number: "20"}
code_pattern: '^(?P<region>\\d{6})(?P<department>\\d{3})(?P<letters>[A-Z]{2})(?P<main>\\d{3})(?P<sub>\\d{2})$'
levels: [国家级, 省级, 市级, 县级, 乡镇(街道)级, 分级管理]
basis_levels: [法律, 行政法规, 国务院决定, 地方性法规, 部门规章, 地方政府规章, 规范性文件]
weak_basis_levels: [规范性文件]
strong_basis_categories: [行政许可, 行政处罚, 行政强制]
power_sources: [法定本级行使, 上级下放, 上级授权, 同级授权, 上级委托, 同级委托]
statuses: [在用, 暂停, 取消]
vague_verbs: [指导, 参与, 配合做好, 协助, 支持]
severity_overrides: {}
fail_on: error
"""
_UNIT_NAMES = ["办公室", "政策法规科", "行政审批科", "执法监督科", "安全监管科", "规划财务科", "人事科", "科技信息科",
               "综合协调科", "应急保障科", "宣传教育科", "审计科"]
_RESP = ["受理责任：公示依法应当提交的材料，一次性告知补正材料，依法受理或不予受理（不予受理应当告知理由）",
         "审查责任：对申请材料进行审核，组织现场核查，提出审查意见，必要时组织专家论证",
         "决定责任：作出行政决定，不予决定的应当书面告知理由，并告知申请人享有依法申请行政复议或者提起行政诉讼的权利",
         "送达责任：按规定送达决定书，信息公开，建立档案并按规定保存",
         "事后监管责任：建立实施监督检查的运行机制和管理制度，开展定期和不定期检查，依法采取相关处置措施",
         "其他法律法规规章文件规定应履行的责任"]
_CASES = ["对符合法定条件的申请不予受理、不予批准或者不在法定期限内作出决定的",
          "对不符合法定条件的申请人准予许可或者超越法定职权作出准予许可决定的",
          "违反法定程序实施行政行为，造成不良后果的",
          "在实施过程中索取或者收受他人财物或者谋取其他利益的",
          "不依法履行监督职责或者监督不力，造成严重后果的",
          "其他违反法律法规规章文件规定的行为"]
_NAMES = {"行政许可": "{dom}{act}许可", "行政处罚": "对未按规定从事{dom}{act}活动的行政处罚",
          "行政强制": "查封、扣押违法{dom}{act}的场所设施", "行政征收": "{dom}{act}相关费用征收",
          "行政给付": "{dom}{act}补助发放", "行政检查": "对{dom}{act}单位的监督检查", "行政确认": "{dom}{act}资格确认",
          "行政奖励": "对{dom}{act}先进单位和个人的奖励", "行政裁决": "{dom}{act}纠纷裁决",
          "其他行政权力": "{dom}{act}备案", "公共服务": "{dom}{act}信息查询服务"}


def _cn(n: int) -> str:
    if n < 10:
        return _NUM[n]
    if n < 20:
        return "十" + (_NUM[n % 10] if n % 10 else "")
    if n < 100:
        return _NUM[n // 10] + "十" + (_NUM[n % 10] if n % 10 else "")
    return _NUM[n // 100] + "百" + ("零" + _NUM[n % 100] if 0 < n % 100 < 10 else (_cn(n % 100) if n % 100 else ""))


def _dump(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=4096), encoding="utf-8")


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` split into ``parts`` positive, unevenly sized counts (a few large departments)."""
    if parts <= 0:
        return []
    weights = [rng.paretovariate(1.6) for _ in range(parts)]
    scale = (total - parts) / sum(weights) if total > parts else 0
    counts = [1 + int(w * scale) for w in weights] if total >= parts else [1 if i < total else 0 for i in range(parts)]
    i = 0
    while sum(counts) < total:
        counts[i % parts] += 1
        i += 1
    while sum(counts) > total:
        j = max(range(parts), key=counts.__getitem__)
        counts[j] -= 1
    return counts


def generate(root, *, departments: int = 6, items: int = 60, matters: int = 4, unit_duties: int | None = None,
             units: int | None = None, catalog_items: int | None = None, seed: int = 7,
             laws_from: str | Path | None = None) -> dict:
    """Write a synthetic city under ``root``; return its counts."""
    rng = random.Random(seed)
    root = Path(root)
    lists = root / "lists"
    units = units if units is not None else max(departments * 5, 2 * departments)
    unit_duties = unit_duties if unit_duties is not None else units * 3
    catalog_items = catalog_items if catalog_items is not None else max(3, items // 8)
    root.mkdir(parents=True, exist_ok=True)
    (root / "policykit.yaml").write_text(_CONFIG, encoding="utf-8")
    laws = list(_LAWS)
    if laws_from and Path(laws_from).is_dir():
        shutil.copytree(laws_from, lists / "laws", dirs_exist_ok=True)
        registered = []
        for path in sorted(Path(laws_from).glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("title") and data.get("level") != "规范性文件":
                registered.append((data["level"], data["title"]))
        laws = registered + [x for x in _LAWS if x[1] == "危险化学品安全管理条例"] or laws

    depts = []
    for i in range(departments):
        short, stem, domains = _DEPARTMENTS[i % len(_DEPARTMENTS)]
        n = i // len(_DEPARTMENTS)
        suffix = "" if n == 0 else f"第{_cn(n + 1)}分局"
        dept_id = f"d{i + 1:03d}"
        depts.append({"id": dept_id, "code": f"{101 + i:03d}", "name": f"{CITY}{stem}{suffix}",
                      "short_name": f"{short}{suffix}", "domains": domains})
    unit_counts = _spread(units, departments, rng)
    duty_counts = _spread(unit_duties, departments, rng)
    item_counts = _spread(items, departments, rng)

    total_units = 0
    total_duties = 0
    all_codes: list[tuple[str, str]] = []
    for d, n_units, n_duties, n_items in zip(depts, unit_counts, duty_counts, item_counts):
        n_units = max(1, n_units)
        unit_names = [_UNIT_NAMES[k] if k < len(_UNIT_NAMES) else f"{d['domains'][k % 5]}{_cn(k)}科"
                      for k in range(n_units)]
        total_units += n_units
        n_main = 8 + rng.randrange(8)
        main_duties = [{"no": k + 1, "text": f"负责{d['domains'][k % 5]}领域的{['监督管理', '政策制定', '行政执法', '公共服务', '统筹协调'][k % 5]}工作。"
                        f"贯彻执行国家和省、市有关{d['domains'][k % 5]}的法律法规和政策，拟订全市{d['domains'][k % 5]}发展规划并组织实施。"}
                       for k in range(n_main)]
        _dump(lists / "organizations" / f"{d['id']}.yaml", {
            "id": d["id"], "code": d["code"], "name": d["name"], "short_name": d["short_name"], "type": "政府工作部门",
            "sanding": {"document": f"明办发〔2019〕{int(d['code']) - 100}号", "effective": _dt.date(2019, 3, 1),
                        "rank": "正处级", "staffing": {"administrative": 20 + rng.randrange(80), "leaders": 4 + rng.randrange(4)},
                        "main_duties": main_duties},
            "units": [{"name": u, "duties_summary": f"负责{d['domains'][k % 5]}相关工作。"} for k, u in enumerate(unit_names)],
        })
        # task list: duties spread over units
        per_unit = _spread(max(n_duties, n_units), n_units, rng)
        task_units = []
        for k, (u, nd) in enumerate(zip(unit_names, per_unit)):
            duties = []
            for no in range(1, nd + 1):
                dom = d["domains"][(k + no) % 5]
                duties.append({"no": no, "sanding_duty": 1 + (k + no) % n_main,
                               "content": f"负责{dom}方面的{['日常监管', '审批服务', '执法检查', '统计分析', '应急处置'][no % 5]}工作",
                               "tasks": [f"组织开展{dom}专项检查", f"汇总分析{dom}工作情况并按季度报送"],
                               "post": f"{dom}岗"})
            total_duties += nd
            task_units.append({"unit": u, "duties": duties})
        _dump(lists / "tasks" / f"{d['id']}.yaml", {"department": d["id"], "units": task_units})
        # power items
        out_items = []
        seq: dict[str, int] = {}
        for k in range(n_items):
            cat, letters, _ = rng.choices(_CATEGORIES, weights=[c[2] for c in _CATEGORIES])[0]
            seq[letters] = seq.get(letters, 0) + 1
            main_no, sub_no = divmod(seq[letters] - 1, 5)
            code = f"{REGION}{d['code']}{letters}{main_no + 1:03d}{sub_no:02d}"
            dom = d["domains"][k % 5]
            act = ["经营", "生产", "运输", "储存", "使用"][k % 5]
            name = _NAMES[cat].format(dom=dom, act=act)
            level, title = laws[rng.randrange(len(laws))]
            basis = [{"level": level, "title": title, "article": f"第{_cn(1 + rng.randrange(90))}条",
                      "text": f"有关{dom}的规定：县级以上人民政府有关部门应当依照本法规定履行{dom}监督管理职责，对违法行为依法查处。"}]
            if rng.random() < 0.5:
                level2, title2 = laws[rng.randrange(len(laws))]
                basis.append({"level": level2, "title": title2, "article": f"第{_cn(1 + rng.randrange(60))}条第一款"})
            item = {"code": code, "name": name}
            if sub_no:
                item["sub_name"] = f"{['市级', '县级', '跨区域', '特殊情形'][sub_no % 4]}情形（{_cn(sub_no)}）"
            item.update({
                "category": cat, "legal_basis": basis, "unit": unit_names[k % n_units],
                "levels": ["市级", "县级"] if k % 3 else ["市级"], "sanding_duty": 1 + k % n_main,
                "responsibilities": _RESP[: 3 + k % 4], "accountability_targets": ["承办人员", "审核人员", "分管负责人"],
                "accountability_cases": _CASES[: 3 + k % 4], "power_source": "法定本级行使", "status": "在用",
                "remedy": "行政复议或行政诉讼", "phone": "0531-12345"})
            out_items.append(item)
            all_codes.append((d["id"], code))
        _dump(lists / "powers" / f"{d['id']}.yaml", {"department": d["id"], "items": out_items})

    # boundary matters
    transport = depts[0]["id"]
    for k in range(matters):
        mid = f"BJ-{k + 1:03d}"
        if k == 0:
            name, domain = "危险化学品运输车辆停车场监管", "危险化学品"
            members = [transport] + [x["id"] for x in depts[1:min(departments, 5)]]
        else:
            lead_d = depts[rng.randrange(departments)]
            dom = lead_d["domains"][k % 5]
            name, domain = f"{dom}{['综合监管', '协同治理', '联合执法', '风险防控'][k % 4]}（第{_cn(k)}项）", dom
            size = min(departments, 2 + rng.randrange(6))
            members = [lead_d["id"]] + [x["id"] for x in rng.sample([x for x in depts if x is not lead_d], size - 1)]
        roles = []
        for j, dept_id in enumerate(members):
            roles.append({"department": dept_id, "role": "牵头" if j == 0 else "配合",
                          "duties": [f"负责{name}中{'统筹协调和牵头组织' if j == 0 else '本部门职责范围内'}的工作，"
                                     f"建立台账，按月通报{domain}有关情况"]})
        related = [c for dd, c in all_codes if dd == members[0]][:3]
        _dump(lists / "boundaries" / f"{mid}.yaml", {
            "id": mid, "name": name, "domain": domain,
            "basis": [{"level": "行政法规", "title": "危险化学品安全管理条例" if k == 0 else "城市道路管理条例",
                       "article": f"第{_cn(5 + k % 40)}条"}],
            "related_powers": related, "departments": roles,
            "mechanism": {"trigger": f"接到{name}有关投诉、举报或者发现问题线索时启动",
                          "handoff": "牵头部门在两个工作日内将线索推送配合部门，配合部门五个工作日内反馈处理结果",
                          "dispute_resolution": "由市委编办组织协调，协调不成的报市政府决定",
                          "enforcement": "纳入部门履职评估和年度绩效考核"}})
    # a catalogue to claim
    cat_items = []
    for k in range(catalog_items):
        d = depts[k % departments]
        claims = [{"department": d["id"], "role": "牵头"}]
        if departments > 1 and k % 3 == 0:
            claims.append({"department": depts[(k + 1) % departments]["id"], "role": "配合"})
        if k % 17 == 5:  # unclaimed
            claims = [{"department": d["id"], "role": "配合"}]
        cat_items.append({"code": f"JG-{k + 1:04d}", "name": f"对{d['domains'][k % 5]}活动的监督检查（{_cn(k % 100)}）",
                          "domain": d["domains"][k % 5], "claims": claims})
    _dump(lists / "catalogs" / "hlwjg.yaml", {"id": "hlwjg", "name": f"{CITY}\"互联网+监管\"事项目录", "items": cat_items})
    return {"departments": departments, "units": total_units, "unit_duties": total_duties, "items": len(all_codes),
            "matters": matters, "catalog_items": catalog_items}
