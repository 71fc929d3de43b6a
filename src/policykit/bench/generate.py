"""Generate a realistic repository of a city's (or a province's) lists, with planted defects.

``policykit bench generate --scale jinan --seed 1 --out DIR`` writes a repository the size of the
Jinan case (491 departments, 2,795 internal units, 33,466 unit duties, 11,246 power items, 80
boundary matters, about 2,100 catalogue items) in the exact data format (docs/data-format.md), with
Chinese text of realistic length, plus a registry of the laws it cites. Every record is clean
except a known number of planted defects of each kind the rules catch; ``planted.json`` maps each
rule id to the number of problems it must report (collateral problems that a planted defect
necessarily causes are counted too), and ``generated.json`` records sizes and the seed.

The same seed always gives the same bytes. Nothing here reads the network or the clock except the
law registry's "in force today" (laws are cited only where they are in force and have enough
articles, so a plant never depends on the date).
"""
from __future__ import annotations

import datetime as _dt
import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..checking.facts import normalise_name

ROOT = Path(__file__).resolve().parents[3]
CONFIG_SOURCE = ROOT / "policykit.yaml"
LAWS_SOURCE = ROOT / "lists" / "laws"

# ---------------------------------------------------------------------------------------------
# sizes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    name: str
    cities: int
    departments: int          # per city
    units: int                # per city
    unit_duties: int          # per city
    power_items: int          # per city
    boundaries: int           # per city
    catalog_items: int        # per city
    plant_factor: float       # planted defects relative to the Jinan plan


SCALES = {
    "small": Scale("small", 1, 24, 120, 1200, 520, 14, 90, 0.0),
    "jinan": Scale("jinan", 1, 491, 2795, 33466, 11246, 80, 2130, 1.0),
    "province": Scale("province", 10, 491, 2795, 33466, 11246, 80, 2130, 1.0),
}

# planted defects per city at Jinan scale: kind -> count (small scale plants one or two of each)
PLAN = {
    "basis-missing": 12, "basis-weak-only": 9, "basis-no-article": 15, "responsibilities-missing": 6,
    "targets-missing": 5, "cases-missing": 18, "category-unknown": 4, "code-category": 6, "code-format": 5,
    "code-department": 4, "code-duplicate": 7, "name-duplicate": 8, "delegation-no-document": 6,
    "source-unknown": 3, "status-unknown": 3, "level-unknown": 4, "levels-missing": 5, "unit-unknown": 9,
    "sanding-duty-unknown": 6, "co-department-unknown": 3, "co-department-uncovered": 11,
    "supervision-unknown": 4, "powers-file-name": 2, "powers-department-unknown": 2,
    "org-file-name": 2, "org-duplicate-id": 1, "org-unit-duplicate": 3, "task-unit-unknown": 4,
    "task-sanding-unknown": 6, "duty-undecomposed": 21, "unit-without-list": 7,
    "boundary-no-lead": 2, "boundary-two-leads": 2, "boundary-no-cooperating": 2, "boundary-role-no-duties": 2,
    "boundary-no-trigger": 1, "boundary-no-dispute": 1, "boundary-no-handoff": 2, "boundary-no-enforcement": 2,
    "boundary-vague": 4, "boundary-department-twice": 1, "boundary-department-unknown": 2,
    "boundary-power-unknown": 3, "claim-department-unknown": 3, "catalog-unclaimed": 44, "catalog-two-leads": 3,
    "overlap-name": 9, "overlap-catalog": 5, "law-unresolved": 6, "law-repealed": 4, "law-article-beyond": 5,
    "law-level-mismatch": 4, "waiver-expired": 1, "waiver-unused": 1, "waiver-used": 1,
    "yaml-duplicate-key": 1, "schema-error": 2,
}

# rule ids the generator was checked against: on its clean records they report nothing
KNOWN_RULES = frozenset({
    "BND-COOPERATING", "BND-DEPARTMENT-ONCE", "BND-DISPUTE", "BND-DUTIES", "BND-ENFORCEMENT", "BND-HANDOFF",
    "BND-ONE-LEAD", "BND-TRIGGER", "BND-VAGUE-DUTY", "BODY-ABOLISHED", "BODY-INACTIVE", "BODY-MEMBER",
    "BODY-MERGED-INTO", "BODY-OFFICE-RULES", "BODY-TEMP-TERM", "BODY-TERM-EXPIRED", "BODY-WORK-RULES",
    "CHECK-HELD-BACK", "DISPUTE-ADJUSTMENT", "DISPUTE-BOUNDARY", "DISPUTE-DECISION", "DISPUTE-LEAD",
    "DISPUTE-PARTY", "DISPUTE-POWER", "DISPUTE-PROBLEM", "DIV-COVERAGE", "DIV-DELEGATEE", "DIV-DELEGATEE-LIST",
    "DIV-DELEGATEE-SOURCE", "DIV-DELEGATION-DOCUMENT", "DIV-DEPARTMENT", "DIV-ITEM", "DIV-TERM-EXPIRED", "DIV-TYPE",
    "DIV-TYPE-LEVELS", "EVAL-CATEGORY", "EVAL-CATEGORY-DEPARTMENT", "EVAL-CATEGORY-MISSING", "EVAL-COMPUTED",
    "EVAL-DEPARTMENT", "EVAL-EVIDENCE-REF", "EVAL-INDICATOR", "EVAL-MISSING-SCORE", "EVAL-SYSTEM",
    "EVAL-SYSTEM-TYPE", "EVAL-WEIGHTS", "FILE-OUTSIDE", "FILE-UNREADABLE", "LAW-ARTICLE-BEYOND",
    "LAW-FIRST-ENACTED", "LAW-LEVEL-MISMATCH", "LAW-NOT-YET-IN-FORCE", "LAW-RENUMBERED", "LAW-REPEALED",
    "LAW-UNRESOLVED", "LAW-VERSIONS-ORDER", "LAW-WEAK-SETS-STRONG", "ORG-DUPLICATE-ID", "ORG-FILE-NAME",
    "ORG-UNIT-DUPLICATE", "PWR-ACCOUNTABILITY-CASES", "PWR-ACCOUNTABILITY-TARGETS", "PWR-BASIS-ARTICLE",
    "PWR-BASIS-PRESENT", "PWR-BASIS-STRONG", "PWR-CATEGORY-KNOWN", "PWR-CODE-CATEGORY", "PWR-CODE-DEPARTMENT",
    "PWR-CODE-FORMAT", "PWR-CODE-UNIQUE", "PWR-DELEGATION-DOCUMENT", "PWR-FILE-NAME", "PWR-LEVEL-KNOWN",
    "PWR-LEVELS", "PWR-NAME-UNIQUE", "PWR-RESPONSIBILITIES", "PWR-SOURCE-KNOWN", "PWR-STATUS-KNOWN",
    "REF-BOUNDARY-DEPT", "REF-CLAIM-DEPT", "REF-CO-DEPT", "REF-POWER-DEPT", "REF-RELATED-POWER", "REF-SANDING-DUTY",
    "REF-SUPERVISION-ITEM", "REF-TASK-SANDING-DUTY", "REF-TASK-UNIT", "REF-UNIT", "SCHEMA-BOUNDARY",
    "SCHEMA-CATALOG", "SCHEMA-CONFIG", "SCHEMA-LAW", "SCHEMA-ORGANIZATION", "SCHEMA-POWERS", "SCHEMA-TASKS",
    "SCHEMA-WAIVERS", "SUP-CLOSED", "SUP-DEPARTMENT", "SUP-FINDING-DEPARTMENT", "SUP-ID-UNIQUE", "SUP-ITEM",
    "SUP-ITEM-DUTY", "SUP-LEAD-PROBLEM", "SUP-LEDGER-ENTRY", "SUP-OVERDUE", "SUP-PERF-COVERAGE",
    "SUP-PERF-DEPARTMENT", "SUP-PERF-DUTY", "SUP-PERF-EVIDENCE", "SUP-PERF-ITEM", "SUP-PERF-ON-TIME",
    "SUP-PERF-TARGET", "SUP-PROBLEM-BOUNDARY", "SUP-PROBLEM-DEPARTMENT", "SUP-PROBLEM-DISPUTE", "SUP-RESPONSE",
    "SUP-TARGET-DEPARTMENT", "SUP-TARGETS", "TSK-DUTY-DECOMPOSED", "TSK-UNIT-HAS-LIST", "WVR-EXPIRED", "WVR-UNUSED",
    "X-CATALOG-CLAIM", "X-CO-DEPARTMENT", "X-OVERLAP-CATALOG", "X-OVERLAP-NAME", "YAML-ALIAS", "YAML-CONTROL-CHAR",
    "YAML-DUPLICATE-KEY", "YAML-ENCODING", "YAML-KEY", "YAML-LIMIT", "YAML-MERGE", "YAML-NOT-MAPPING",
    "YAML-SYNTAX", "YAML-TAG", "YAML-VALUE",
    "PRC-DUTY-COVERED", "PRC-DUTY-REF", "PRC-ITEM-REF", "PRC-TIME-LIMIT", "PRC-MATERIALS", "PRC-STEP-UNIT",
    "PRC-HANDOFF", "PRC-HANDOFF-REF", "SGXT-COVERED", "SGXT-PUSH-TIME", "SGXT-INSPECTION", "SGXT-ITEM",
})

# ---------------------------------------------------------------------------------------------
# vocabulary: departments, their objects and laws
# ---------------------------------------------------------------------------------------------

# id, name, short, type, weight of power items, business units, objects, law ids (bundled registry)
CORE = [
    ("scjgj", "市场监督管理局", "市场监管局", "政府工作部门", 14.0,
     ["食品生产安全监督管理处", "食品经营安全监督管理处", "特种设备安全监察处", "计量处", "标准化处",
      "产品质量安全监督管理处", "网络交易监督管理处", "价格监督检查和反不正当竞争处", "广告监督管理处",
      "登记注册处", "知识产权保护处", "药品流通监督管理处", "医疗器械监督管理处", "执法稽查处"],
     ["食品生产", "食品经营", "餐饮服务", "特种设备", "计量器具", "工业产品生产", "药品零售", "医疗器械经营",
      "化妆品经营", "广告发布", "网络交易", "明码标价", "商标使用", "市场主体登记", "检验检测机构", "认证活动",
      "产品质量", "合同行为", "直销活动", "食品小作坊", "保健食品", "电梯维护保养", "气瓶充装", "商品条码"],
     ["spaqf", "cpzlf", "ggf", "ypglf", "dytsyyfkglbf"]),
    ("sthjj", "生态环境局", "生态环境局", "政府工作部门", 6.0,
     ["大气环境处", "水生态环境处", "土壤生态环境处", "固体废物与化学品处", "环境影响评价处", "生态环境执法支队",
      "辐射安全管理处", "自然生态保护处"],
     ["大气污染物排放", "水污染物排放", "排污许可", "建设项目环境影响评价", "危险废物经营", "固体废物转移",
      "放射性同位素", "环境噪声", "机动车排放检验", "餐饮油烟", "扬尘污染", "土壤污染风险管控", "饮用水水源保护区",
      "环境监测数据", "挥发性有机物"],
     ["hjbhf", "dqwrfzf", "swrfzf", "gtfwwrhjfzf", "hjyxpjf"]),
    ("jtysj", "交通运输局", "交通运输局", "政府工作部门", 6.5,
     ["运输管理处", "公路管理处", "港航管理处", "出租汽车管理处", "工程建设管理处", "交通运输综合执法支队",
      "安全监督处"],
     ["道路旅客运输", "道路货物运输", "出租汽车经营", "网络预约出租汽车", "机动车维修", "机动车驾驶员培训",
      "公路路政", "超限运输车辆", "公路建设工程", "危险货物运输", "城市公共交通", "港口经营", "水路运输"],
     ["dlystl", "glf", "dljtaqf", "aqscf"]),
    ("zjj", "住房和城乡建设局", "住房城乡建设局", "政府工作部门", 7.0,
     ["建筑市场监管处", "工程质量安全监管处", "房地产市场监管处", "物业管理处", "城市建设处", "村镇建设处",
      "勘察设计处", "建筑节能与科技处"],
     ["建筑工程施工", "建筑业企业资质", "房地产开发经营", "商品房预售", "物业服务", "建设工程质量检测",
      "建筑施工安全", "工程监理", "房屋租赁", "住宅专项维修资金", "建设工程消防设计审查", "城镇燃气经营",
      "预拌混凝土生产", "勘察设计活动"],
     ["jzf", "jsgczlgltl", "cxghf", "xff"]),
    ("yjglj", "应急管理局", "应急管理局", "政府工作部门", 4.0,
     ["危险化学品安全监督管理处", "工贸行业安全监督管理处", "应急指挥中心", "防汛抗旱处", "救灾和物资保障处",
      "安全生产执法监察支队"],
     ["危险化学品经营", "危险化学品生产", "烟花爆竹经营", "安全生产培训", "生产安全事故应急预案",
      "非药品类易制毒化学品", "工贸企业安全生产", "安全评价机构", "应急物资储备", "自然灾害救助"],
     ["aqscf", "wxhxpaqgltl", "tfsjydf"]),
    ("fgw", "发展和改革委员会", "发展改革委", "政府工作部门", 2.5,
     ["规划处", "投资处", "价格管理处", "能源处", "重大项目办公室", "经济运行处"],
     ["固定资产投资项目", "企业投资项目核准", "政府定价", "价格认定", "节能审查", "电力设施保护", "招标投标活动",
      "粮食流通", "社会信用"],
     ["zfcgf", "tfsjydf"]),
    ("jyj", "教育局", "教育局", "政府工作部门", 3.0,
     ["基础教育处", "职业教育与成人教育处", "民办教育管理处", "教师工作处", "学校安全处", "校外教育培训监管处"],
     ["民办学校办学", "校外培训机构", "教师资格", "中小学校舍", "学前教育机构", "学生资助", "中外合作办学",
      "学历证书"],
     ["jyf", "jsf", "mbjycjf"]),
    ("gaj", "公安局", "公安局", "政府工作部门", 6.0,
     ["治安管理支队", "交通警察支队", "出入境管理支队", "户政管理处", "网络安全保卫支队", "禁毒支队"],
     ["居民身份证", "户口登记", "旅馆业", "典当业", "公章刻制业", "机动车登记", "机动车驾驶证", "大型群众性活动",
      "保安服务", "互联网上网服务", "剧毒化学品购买", "易制毒化学品运输"],
     ["jmsfzf", "dljtaqf"]),
    ("mzj", "民政局", "民政局", "政府工作部门", 2.5,
     ["社会组织管理处", "社会救助处", "养老服务处", "儿童福利处", "区划地名处", "慈善事业促进和社会工作处"],
     ["社会团体登记", "民办非企业单位", "养老机构", "最低生活保障", "特困人员救助供养", "慈善组织",
      "地名命名", "殡葬服务", "婚姻登记"],
     ["csf"]),
    ("rsj", "人力资源和社会保障局", "人力资源社会保障局", "政府工作部门", 3.5,
     ["就业促进处", "劳动关系处", "劳动保障监察支队", "养老保险处", "工伤保险处", "职业能力建设处"],
     ["人力资源服务", "劳务派遣", "工伤认定", "劳动能力鉴定", "职业技能培训", "失业保险金", "社会保险登记",
      "劳动用工备案", "特殊工时"],
     ["kjf"]),
    ("zrzyj", "自然资源和规划局", "自然资源规划局", "政府工作部门", 5.0,
     ["国土空间规划处", "耕地保护处", "不动产登记处", "矿产资源管理处", "测绘地理信息处", "土地利用处",
      "自然资源执法监察支队"],
     ["建设用地", "临时用地", "建设工程规划许可", "乡村建设规划许可", "采矿权", "测绘资质", "不动产登记",
      "土地复垦", "地质灾害防治", "国有土地使用权出让"],
     ["cxghf"]),
    ("swj", "城乡水务局", "水务局", "政府工作部门", 4.0,
     ["水资源管理处", "河湖管理处", "供排水管理处", "水土保持处", "防汛抗旱处", "水政监察支队"],
     ["取水许可", "河道管理范围内建设项目", "城镇污水排入排水管网", "水土保持方案", "城市供水", "水利工程",
      "河道采砂", "节约用水"],
     ["czpsywscltl", "swrfzf"]),
    ("nyncj", "农业农村局", "农业农村局", "政府工作部门", 6.0,
     ["种植业管理处", "畜牧兽医处", "渔业渔政处", "农产品质量安全监管处", "农业综合执法支队", "农村经营管理处"],
     ["农作物种子", "农药经营", "兽药经营", "动物防疫", "动物诊疗", "生猪屠宰", "饲料生产", "农产品质量安全",
      "渔业捕捞", "水产苗种", "农机安全", "肥料登记"],
     ["zzf", "nygltl", "dwfyf", "ncpzlaqf"]),
    ("swuj", "商务局", "商务局", "政府工作部门", 2.5,
     ["市场运行处", "对外贸易处", "外商投资管理处", "流通业发展处", "电子商务处"],
     ["单用途商业预付卡", "成品油零售", "报废机动车回收", "对外贸易经营者", "拍卖企业", "二手车交易市场",
      "洗染业", "再生资源回收"],
     ["dwmyf", "dytsyyfkglbf"]),
    ("whlyj", "文化和旅游局", "文化旅游局", "政府工作部门", 4.0,
     ["艺术处", "文化市场管理处", "旅游市场管理处", "文物保护处", "文化和旅游市场综合执法支队", "公共服务处"],
     ["营业性演出", "娱乐场所", "互联网上网服务营业场所", "旅行社", "导游", "文物保护单位", "艺术品经营",
      "网络文化经营", "星级饭店"],
     []),
    ("wjw", "卫生健康委员会", "卫生健康委", "政府工作部门", 6.0,
     ["医政医管处", "疾病预防控制处", "基层卫生健康处", "职业健康处", "妇幼健康处", "卫生健康监督执法支队"],
     ["医疗机构执业", "医师执业", "护士执业", "放射诊疗", "母婴保健技术服务", "公共场所卫生", "生活饮用水卫生",
      "消毒产品", "职业病防治", "传染病防治", "献血"],
     ["yisf", "jbylwsyjkcjf", "ggcswsgltl"]),
    ("cgj", "城市管理局", "城市管理局", "政府工作部门", 6.0,
     ["市容环境卫生处", "城市道路管理处", "户外广告管理处", "环卫设施处", "城市管理综合执法支队", "燃气热力管理处"],
     ["城市道路占用", "城市道路挖掘", "户外广告设置", "建筑垃圾处置", "生活垃圾经营性清扫", "临时建筑物",
      "城市绿地", "城市照明设施", "供热经营", "餐厨垃圾"],
     ["csdlgltl", "cssrhhjwsgltl", "mhscsglgd"]),
    ("czj", "财政局", "财政局", "政府工作部门", 2.0,
     ["预算处", "国库处", "政府采购监督管理处", "会计处", "财政监督检查局"],
     ["政府采购", "会计代理记账", "财政票据", "财政专项资金", "政府采购代理机构", "会计信息质量"],
     ["yusf", "kjf", "zfcgf"]),
    ("ybj", "医疗保障局", "医疗保障局", "政府工作部门", 2.0,
     ["待遇保障处", "医药服务管理处", "基金监管处", "医药价格和招标采购处"],
     ["定点医药机构", "医疗保障基金", "医疗服务价格", "异地就医", "医疗救助"],
     ["jbylwsyjkcjf"]),
    ("tyj", "体育局", "体育局", "政府工作部门", 1.5,
     ["群众体育处", "竞技体育处", "体育产业处"],
     ["高危险性体育项目", "体育竞赛活动", "社会体育指导员", "体育场馆"], []),
    ("sjj", "审计局", "审计局", "政府工作部门", 1.0,
     ["财政审计处", "经济责任审计处", "固定资产投资审计处"], ["审计事项", "内部审计"], ["yusf"]),
    ("tjj", "统计局", "统计局", "政府工作部门", 1.0,
     ["综合处", "统计执法监督处", "普查中心"], ["统计调查项目", "统计数据质量", "统计违法行为"], []),
    ("sfj", "司法局", "司法局", "政府工作部门", 2.0,
     ["律师工作处", "公证工作处", "人民参与和促进法治处", "行政执法协调监督处", "社区矫正处"],
     ["律师事务所", "公证机构", "基层法律服务所", "司法鉴定机构", "法律援助", "人民调解"], []),
    ("tyjrswj", "退役军人事务局", "退役军人事务局", "政府工作部门", 1.0,
     ["移交安置处", "优抚处", "就业创业处"], ["退役士兵安置", "优待抚恤", "烈士褒扬"], []),
    ("gxj", "工业和信息化局", "工业和信息化局", "政府工作部门", 1.5,
     ["产业发展处", "节能与综合利用处", "信息化推进处", "中小企业发展处"],
     ["工业节能", "民用爆炸物品", "无线电频率", "清洁生产审核"], ["aqscf"]),
    ("kjj", "科学技术局", "科技局", "政府工作部门", 1.0,
     ["高新技术处", "成果转化处", "科技人才处"], ["科技计划项目", "技术合同登记", "科技奖励"], []),
    ("mzzjj", "民族宗教事务局", "民族宗教局", "政府工作部门", 1.0,
     ["民族工作处", "宗教事务处"], ["宗教活动场所", "宗教团体", "清真食品"], []),
    ("xzspfwj", "行政审批服务局", "行政审批服务局", "政府工作部门", 3.0,
     ["社会事务审批处", "投资建设审批处", "市场准入审批处", "政务服务处"],
     ["建设项目审批", "市场准入审批", "社会事务审批", "政务服务事项"], ["xzxkf"]),
    ("lyj", "园林和林业绿化局", "园林林业局", "政府工作部门", 2.0,
     ["林业资源管理处", "园林绿化处", "森林防火处"],
     ["林木采伐", "林地占用", "古树名木", "林木种子", "野生动物保护"], []),
    ("gzw", "人民政府国有资产监督管理委员会", "国资委", "直属特设机构", 0.5,
     ["产权管理处", "财务监督处"], ["国有产权", "企业国有资产"], []),
    ("rfb", "人民防空办公室", "人防办", "部门管理机构", 1.0,
     ["工程管理处", "指挥通信处"], ["人防工程", "人民防空警报设施"], []),
    ("dsjj", "大数据局", "大数据局", "部门管理机构", 0.5,
     ["数据资源处", "信息基础设施处"], ["政务数据共享", "公共数据开放"], []),
    ("xfj", "信访局", "信访局", "部门管理机构", 0.3,
     ["办信处", "接访处"], ["信访事项"], []),
    ("jgswj", "机关事务服务中心", "机关事务中心", "直属事业单位", 0.3,
     ["公物仓管理处", "节能管理处"], ["公共机构节能", "公务用车"], []),
]


# extra bodies: (topic, pinyin initials, borrowed domain) × (kind, initials, type)
EXTRA_TOPICS = [
    ("公共资源交易", "ggzyjy", "czj"), ("政务服务", "zwfw", "xzspfwj"), ("住房公积金管理", "zfgjj", "zjj"),
    ("疾病预防控制", "jbyfkz", "wjw"), ("食品药品检验", "spypjy", "scjgj"), ("特种设备检验", "tzsbjy", "scjgj"),
    ("计量测试", "jlcs", "scjgj"), ("生态环境监测", "sthjjc", "sthjj"), ("固体废物管理", "gtfwgl", "sthjj"),
    ("道路运输服务", "dlysfw", "jtysj"), ("公路事业发展", "glsyfz", "jtysj"), ("城市公共交通", "csggjt", "jtysj"),
    ("建筑工程质量安全", "jzgczlaq", "zjj"), ("房产交易", "fcjy", "zjj"), ("物业服务", "wyfw", "zjj"),
    ("应急救援", "yjjy", "yjglj"), ("森林消防", "slxf", "lyj"), ("价格监测", "jgjc", "fgw"),
    ("能源保障", "nybz", "fgw"), ("教育招生考试", "jyzsks", "jyj"), ("教育装备", "jyzb", "jyj"),
    ("社会福利", "shfl", "mzj"), ("殡葬管理", "bzgl", "mzj"), ("就业服务", "jyfw", "rsj"),
    ("社会保险事业", "shbxsy", "rsj"), ("劳动人事争议仲裁", "ldrszyzc", "rsj"), ("不动产登记", "bdcdj", "zrzyj"),
    ("测绘地理信息", "chdlxx", "zrzyj"), ("土地储备", "tdcb", "zrzyj"), ("水文", "sw", "swj"),
    ("河湖管理", "hhgl", "swj"), ("排水管理", "psgl", "swj"), ("农业技术推广", "nyjstg", "nyncj"),
    ("动物疫病预防控制", "dwybyfkz", "nyncj"), ("农产品质量检测", "ncpzljc", "nyncj"), ("渔业技术", "yyjs", "nyncj"),
    ("商务发展", "swfz", "swuj"), ("口岸服务", "kafw", "swuj"), ("文化馆", "whg", "whlyj"),
    ("文物保护", "wwbh", "whlyj"), ("旅游发展", "lyfz", "whlyj"), ("卫生健康监督", "wsjkjd", "wjw"),
    ("急救", "jj", "wjw"), ("血液", "xy", "wjw"), ("医疗保险事业", "ylbxsy", "ybj"),
    ("环境卫生", "hjws", "cgj"), ("城市照明", "cszm", "cgj"), ("燃气热力", "rqrl", "cgj"),
    ("财政投资评审", "cztzps", "czj"), ("国库集中支付", "gkjzzf", "czj"), ("体育运动学校", "tyydxx", "tyj"),
    ("统计普查", "tjpc", "tjj"), ("公证", "gz", "sfj"), ("法律援助", "flyz", "sfj"),
    ("退役军人服务", "tyjrfw", "tyjrswj"), ("军供", "jg", "tyjrswj"), ("中小企业服务", "zxqyfw", "gxj"),
    ("无线电监测", "wxdjc", "gxj"), ("科技情报", "kjqb", "kjj"), ("生产力促进", "sclcj", "kjj"),
    ("园林绿化", "ylzh", "lyj"), ("林业保护发展", "lybhfz", "lyj"), ("人防工程质量监督", "rfgczljd", "rfb"),
    ("大数据", "dsj", "dsjj"), ("电子政务", "dzzw", "dsjj"), ("公务用车服务", "gwycfw", "jgswj"),
    ("国有资产运营", "gyzcyy", "gzw"), ("12345热线", "rx", "xfj"), ("地方志", "dfz", "tjj"),
    ("档案", "da", "tjj"), ("机关幼儿园", "jgyey", "jyj"), ("老年大学", "lndx", "mzj"),
    ("青少年活动", "qsnhd", "jyj"), ("广播电视", "gbds", "whlyj"), ("图书馆", "tsg", "whlyj"),
    ("博物馆", "bwg", "whlyj"), ("会展", "hz", "swuj"), ("粮食和物资储备", "lshwzcb", "fgw"),
    ("地震监测", "dzjc", "yjglj"), ("气象服务", "qxfw", "yjglj"), ("供销合作", "gxhz", "swuj"),
    ("残疾人服务", "cjrfw", "mzj"), ("红十字", "hsz", "wjw"), ("人才服务", "rcfw", "rsj"),
    ("投资促进", "tzcj", "swuj"), ("城市更新", "csgx", "zjj"), ("海绵城市建设", "hmcsjs", "zjj"),
    ("交通运输监测", "jtysjc", "jtysj"), ("地下管线", "dxgx", "cgj"), ("市政设施", "szss", "cgj"),
    ("职业技能鉴定", "zyjnjd", "rsj"), ("社区矫正", "sqjz", "sfj"), ("禁毒", "jd", "gaj"),
    ("交通管理", "jtgl", "gaj"), ("出入境服务", "crjfw", "gaj"), ("消防救援", "xfjy", "yjglj"),
]
EXTRA_KINDS = [
    ("中心", "zx", "直属事业单位"), ("服务中心", "fwzx", "直属事业单位"), ("事务中心", "swzx", "直属事业单位"),
    ("管理处", "glc", "部门管理机构"), ("研究院", "yjy", "直属事业单位"), ("执法支队", "zfzd", "部门管理机构"),
    ("保障中心", "bzzx", "直属事业单位"), ("监测站", "jcz", "直属事业单位"), ("办公室", "bgs", "其他"),
]
PARTY = [("zzb", "中共{city}委组织部", "市委组织部"), ("xcb", "中共{city}委宣传部", "市委宣传部"),
         ("tzb", "中共{city}委统战部", "市委统战部"), ("zfw", "中共{city}委政法委员会", "市委政法委"),
         ("bb", "中共{city}委机构编制委员会办公室", "市委编办"), ("wxb", "中共{city}委网络安全和信息化委员会办公室", "市委网信办"),
         ("shgzb", "中共{city}委社会工作部", "市委社会工作部"), ("jgdgw", "中共{city}直属机关工作委员会", "市直机关工委")]
EXTRA_UNITS = ["综合科", "业务一科", "业务二科", "技术科", "信息科", "项目管理科", "质量管理科", "监督检查科",
               "服务保障科", "财务审计科", "安全管理科", "培训科", "档案科", "调度指挥科", "数据科", "检验科",
               "宣传教育科", "法规科", "后勤科", "合作交流科", "督查科", "运营管理科", "标准研究科", "应急科"]

CITIES = [("明湖市", "370199", "明湖"), ("青岸市", "370299", "青岸"), ("东港市", "370399", "东港"),
          ("泰岳市", "370999", "泰岳"), ("沂水市", "371399", "沂水"), ("潍川市", "370799", "潍川"),
          ("黄河口市", "370599", "黄河口"), ("烟霞市", "370699", "烟霞"), ("鲁西市", "371599", "鲁西"),
          ("渤滨市", "371699", "渤滨"), ("菏泽湾市", "371799", "菏泽湾"), ("枣岭市", "370499", "枣岭")]

CATEGORY_WEIGHTS = [("行政处罚", 52), ("行政许可", 9), ("行政强制", 5), ("行政检查", 11), ("行政征收", 1),
                    ("行政给付", 2), ("行政确认", 4), ("行政奖励", 2), ("行政裁决", 1), ("其他行政权力", 10),
                    ("公共服务", 3)]
LETTERS = {"行政许可": "XK", "行政处罚": "CF", "行政强制": "QZ", "行政征收": "ZS", "行政给付": "GF",
           "行政检查": "JC", "行政确认": "QR", "行政奖励": "JL", "行政裁决": "CJ", "其他行政权力": "QT",
           "公共服务": "FW"}
NUMBERS = {"行政许可": "01", "行政处罚": "02", "行政强制": "03", "行政征收": "04", "行政给付": "05",
           "行政检查": "06", "行政确认": "07", "行政奖励": "08", "行政裁决": "09", "其他行政权力": "10",
           "公共服务": "20"}
STRONG_CATEGORIES = {"行政许可", "行政处罚", "行政强制"}

NAME_TEMPLATES = {
    "行政许可": ["{o}许可", "{o}审批", "{o}核准", "{o}资质认定", "{o}备案核准"],
    "行政处罚": ["对未经许可从事{o}活动的处罚", "对{o}不符合规定要求的处罚", "对{o}中弄虚作假行为的处罚",
             "对拒绝、阻碍{o}监督检查的处罚", "对{o}未按规定建立管理制度的处罚", "对{o}超范围经营的处罚",
             "对{o}未按规定报告有关情况的处罚", "对{o}违反安全管理规定的处罚", "对{o}未履行告知义务的处罚",
             "对伪造、变造、出租、出借{o}证件的处罚", "对{o}未按规定公示信息的处罚", "对{o}擅自变更登记事项的处罚"],
    "行政强制": ["查封、扣押与{o}违法行为有关的物品", "对{o}违法场所的查封", "对{o}违法所得的扣押", "对{o}代履行"],
    "行政检查": ["对{o}的监督检查", "对{o}的专项检查", "对{o}的抽查检验", "对{o}的日常巡查"],
    "行政征收": ["{o}相关费用征收", "{o}占用费征收"],
    "行政给付": ["{o}补助资金发放", "{o}扶持资金给付"],
    "行政确认": ["{o}认定", "{o}登记确认", "{o}等级评定"],
    "行政奖励": ["对{o}工作中成绩显著的单位和个人的奖励", "对举报{o}违法行为有功人员的奖励"],
    "行政裁决": ["{o}纠纷裁决", "{o}权属争议裁决"],
    "其他行政权力": ["{o}备案", "{o}信息公示", "{o}年度报告审查", "{o}变更登记", "{o}注销登记"],
    "公共服务": ["{o}政策咨询", "{o}信息查询", "{o}业务指导", "{o}投诉举报受理"],
}
SUB_NAMES = ["新设", "变更", "延续", "注销", "补办", "首次申请", "个人", "单位", "一般程序", "简易程序", "跨区域",
             "年度", "临时", "分支机构", "重大事项", "特殊情形"]

RESP = {
    "行政许可": ["受理责任：公示依法应当提交的材料；一次性告知补正材料；依法受理或者不予受理（不予受理的应当告知理由）。",
             "审查责任：按照{law}等规定，对申请人提交的{o}申请材料进行审查，提出是否准予许可的审核意见；需要现场核查的，组织现场核查并制作核查记录。",
             "决定责任：作出准予许可或者不予许可的决定，法定告知（不予许可的应当书面告知理由，并告知申请人享有依法申请行政复议或者提起行政诉讼的权利）。",
             "送达责任：准予许可的，制发许可证件，按规定送达并信息公开，在政务服务平台公示办理结果。",
             "事后监管责任：建立实施{o}监督检查的运行机制和管理制度，开展定期和不定期检查，依法采取相关处置措施。",
             "其他法律法规规章文件规定应履行的责任。"],
    "行政处罚": ["立案责任：通过监督检查、投诉举报、上级交办、其他部门移送等途径发现的{o}违法行为，予以审查，决定是否立案。",
             "调查责任：对立案的案件，指定专人负责，及时组织调查取证，与当事人有直接利害关系的应当回避；执法人员不得少于两人，调查时应出示执法证件，允许当事人辩解陈述。",
             "审查责任：审理案件调查报告，对案件违法事实、证据、调查取证程序、法律适用、处罚种类和幅度、当事人陈述和申辩理由等方面进行审查，提出处理意见。",
             "告知责任：作出行政处罚决定前，应当告知当事人拟作出的行政处罚内容及事实、理由、依据，并告知当事人依法享有的陈述、申辩、要求听证等权利。",
             "决定责任：制作行政处罚决定书，载明违法事实和证据、处罚依据和内容、申请行政复议或者提起行政诉讼的途径和期限等内容；情节复杂或者重大违法行为给予较重处罚的，应当集体讨论决定。",
             "送达责任：行政处罚决定书按法律规定的方式送达当事人，并依法公示。",
             "执行责任：依照生效的行政处罚决定，监督当事人履行；当事人逾期不履行的，依法申请人民法院强制执行。",
             "其他法律法规规章文件规定应履行的责任。"],
    "行政检查": ["检查责任：按照“双随机、一公开”要求制定{o}检查计划，依法对检查对象开展监督检查，如实记录检查情况。",
             "处置责任：对检查中发现的问题，依法责令改正；涉嫌违法的，依法立案查处；涉嫌犯罪的，移送司法机关。",
             "信息公开责任：按规定将检查结果记入市场主体信用记录并向社会公开。",
             "其他法律法规规章文件规定应履行的责任。"],
    "_": ["受理责任：公示办理条件、程序和应当提交的材料，依法受理{o}相关申请，一次性告知需要补正的全部内容。",
          "审查责任：对申请材料进行审查，必要时进行实地核查，提出审查意见。",
          "决定责任：依法作出决定并说明理由，按规定公开办理结果。",
          "监管责任：加强对{o}相关事项的后续监督管理，发现问题及时依法处理。",
          "其他法律法规规章文件规定应履行的责任。"],
}
CASES = ["对符合法定条件的{o}申请不予受理、不予办理或者不在法定期限内作出决定的；",
         "对不符合法定条件的申请人准予许可或者超越法定职权作出决定的；",
         "违反法定程序实施{c}的；", "没有法定依据或者擅自改变处罚种类、幅度的；",
         "在实施过程中滥用职权、玩忽职守、徇私舞弊的；", "索取或者收受他人财物或者谋取其他利益的；",
         "泄露国家秘密、商业秘密或者个人隐私的；", "对{o}违法行为应当发现而未发现，或者发现后未依法处理的；",
         "不按规定公开{o}相关信息的；", "其他违反法律法规规章文件规定的行为。"]
TARGETS = [["承办人员", "审核人员", "批准人员"], ["执法人员", "审核人员", "分管负责人"],
           ["承办人员", "科室负责人", "分管负责人", "主要负责人"], ["检查人员", "审核人员"]]
REMEDY = "当事人对决定不服的，可以依法申请行政复议或者提起行政诉讼。"

DUTY_VERBS = ["负责", "承担", "组织实施", "牵头开展", "具体负责", "负责指导和监督"]
DUTY_ACTS = ["{o}的监督管理工作", "{o}相关政策措施的拟订和组织实施", "{o}行政许可事项的受理、审查和发证",
             "{o}违法案件的调查处理", "{o}的日常监督检查和专项整治", "{o}风险监测和隐患排查治理",
             "{o}统计分析和信息公开", "{o}标准规范的宣传贯彻和实施", "{o}信用监管和联合惩戒",
             "{o}投诉举报的受理和办理", "{o}应急处置和事故调查的配合工作", "{o}从业人员的培训和考核"]
TASKS = ["制定年度{o}工作计划并组织实施，按季度通报进展情况", "按照“双随机、一公开”要求开展{o}抽查，形成检查报告",
         "受理{o}有关申请，在承诺时限内完成审查并出具意见", "建立{o}工作台账，及时更新监管对象信息",
         "组织{o}相关法律法规和业务知识培训", "牵头处理{o}方面的投诉举报，按时限办结并反馈",
         "配合上级部门完成{o}专项督查和考核评估", "编制{o}工作总结和统计报表，报送分管负责人",
         "起草{o}相关规范性文件，组织合法性审查", "对发现的{o}问题督促整改并跟踪复查"]
POSTS = ["综合岗", "审批岗", "执法岗", "监督检查岗", "政策研究岗", "统计信息岗", "财务岗", "文秘岗", "法制审核岗"]
STANDARDS = ["按规定时限办结，办结率100%，群众满意度不低于95%", "程序合法、事实清楚、证据确凿、适用法律正确",
             "台账完整准确，信息更新不超过5个工作日", "全年检查覆盖率不低于规定比例，问题整改率100%"]
GENERIC_OBJECTS = ["政务公开", "机关党建", "财务管理", "人事管理", "档案管理", "安全保密", "信息化建设", "内部审计",
                   "政策研究", "法治建设", "督查督办", "后勤保障"]
OFFICE_OBJECTS = ["公文运转", "会务组织", "机要保密", "政务信息", "信访接待", "建议提案办理", "固定资产管理"]

LOCAL_LAW_KINDS = [  # level, title template, issuer, id prefix
    ("地方性法规", "山东省{o}管理条例", "山东省人民代表大会常务委员会", "sd"),
    ("地方政府规章", "{city}{o}管理办法", "{city}人民政府", "mh"),
    ("规范性文件", "{city}{o}监督管理实施细则", "{city}人民政府办公厅", "gf"),
]

CN_DIGITS = "零一二三四五六七八九"


def chinese(n: int) -> str:
    """35 -> 三十五, 103 -> 一百零三 (article numbers as written in Chinese law)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    head = CN_DIGITS[n // 100] + "百"
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + CN_DIGITS[rest]
    return head + (CN_DIGITS[rest // 10] + "十" + (CN_DIGITS[rest % 10] if rest % 10 else ""))


# ---------------------------------------------------------------------------------------------
# YAML output: block style as in docs/data-format.md, flow style for short lists
# ---------------------------------------------------------------------------------------------


class Flow(list):
    """A list written in flow style: ``[市级, 县级]``."""


class FlowMap(dict):
    """A mapping written in flow style: ``{department: scjgj, role: 牵头}``."""


_INDICATORS = set("-?:,[]{}#&*!|>'\"%@` \t")
_FLOW_UNSAFE = set(",[]{}")
_resolver = None


def _plain_ok(s: str, flow: bool) -> bool:
    global _resolver
    if not s or s[0] in _INDICATORS or s[-1] in " \t:" or "\n" in s or "\t" in s:
        return False
    if ": " in s or " #" in s or "\\" in s:
        return False
    if flow and any(c in _FLOW_UNSAFE for c in s):
        return False
    if s[0] >= "\u2e80":  # CJK first: no implicit resolver can match
        return True
    if _resolver is None:
        import yaml
        _resolver = yaml.resolver.Resolver()
    import yaml
    return _resolver.resolve(yaml.ScalarNode, s, (True, False)) == "tag:yaml.org,2002:str"


def _scalar(v, flow=False) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, _dt.date):
        return v.isoformat()
    s = str(v)
    return s if _plain_ok(s, flow) else json.dumps(s, ensure_ascii=False)


def _flow(v) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    return _scalar(v, flow=True)


def _block(v, indent: int, out: list) -> None:
    pad = " " * indent
    if isinstance(v, dict):
        for k, x in v.items():
            _entry(pad + k + ":", x, indent, out)
    else:
        for x in v:
            if isinstance(x, dict) and x and not isinstance(x, FlowMap):
                first = True
                for k, y in x.items():
                    _entry((pad + "- " if first else pad + "  ") + k + ":", y, indent + 2, out)
                    first = False
            elif isinstance(x, list) and x and not isinstance(x, Flow):
                out.append(pad + "-\n")
                _block(x, indent + 2, out)
            else:
                out.append(pad + "- " + (_flow(x) if isinstance(x, (dict, list)) else _scalar(x)) + "\n")


def _entry(head: str, x, indent: int, out: list) -> None:
    if isinstance(x, (Flow, FlowMap)) or (isinstance(x, (dict, list)) and not x):
        out.append(head + " " + _flow(x) + "\n")
    elif isinstance(x, dict):
        out.append(head + "\n")
        _block(x, indent + 2, out)
    elif isinstance(x, list):
        out.append(head + "\n")
        _block(x, indent + 2, out)
    else:
        out.append(head + " " + _scalar(x) + "\n")


def dump(data: dict, header: str = "") -> str:
    out = [header] if header else []
    _block(data, 0, out)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# the generator
# ---------------------------------------------------------------------------------------------


@dataclass
class Dept:
    id: str
    code: str
    name: str
    short: str
    type: str
    domain: str
    objects: list
    laws: list
    region: str
    city: str
    main_duties: list = field(default_factory=list)     # [{no, text}] ; topic kept aside
    topics: dict = field(default_factory=dict)          # no -> object
    units: list = field(default_factory=list)           # [{name, duties_summary}]
    tasks: dict = field(default_factory=dict)           # unit name -> [duty dicts]
    powers: list = field(default_factory=list)          # item dicts
    power_weight: float = 0.0
    extra_files: dict = field(default_factory=dict)     # file name stem -> [items] (split power files)


class Generator:
    def __init__(self, scale: Scale, seed: int = 1):
        self.scale, self.seed = scale, seed
        self.rng = random.Random(seed)
        self.planted: dict[str, int] = {}
        self.depts: list[Dept] = []
        self.by_id: dict[str, Dept] = {}
        self.boundaries: list[dict] = []
        self.catalogs: dict[str, dict] = {}
        self.laws: dict[str, dict] = {}           # id -> law record
        self.law_files: dict[str, str] = {}        # id -> bundled file text to copy
        self.law_pool: dict[str, list] = {}        # domain -> [(law id, title, level, articles)]
        self.names: set[str] = set()               # normalised (name|sub_name) in use
        self.codes: set[str] = set()
        self.catalog_codes: set[str] = set()
        self.waivers: list[dict] = []
        self.broken: dict[str, str] = {}           # rel path -> text (planted unreadable/invalid files)
        self.used: set[int] = set()                # id() of records already carrying a planted defect
        self.covered: set[int] = set()             # id() of items referenced by boundaries etc.
        self._basic = 0

    # ---- helpers ----------------------------------------------------------------------------
    def plant(self, rule: str, n: int = 1) -> None:
        self.planted[rule] = self.planted.get(rule, 0) + n

    def count(self, kind: str) -> int:
        jinan = PLAN.get(kind, 0)
        if self.scale.plant_factor == 0:
            return 1 if jinan else 0
        return max(1, round(jinan * self.scale.plant_factor)) * self.scale.cities if jinan else 0

    def pick(self, seq, used=True):
        """A random element not yet used by another plant (records are dicts)."""
        for _ in range(10_000):
            x = self.rng.choice(seq)
            if id(x) not in self.used and id(x) not in self.covered:
                if used:
                    self.used.add(id(x))
                return x
        raise RuntimeError("no unused record left to plant a defect in")

    @staticmethod
    def split(total: int, parts: int, weights, rng, minimum=0) -> list[int]:
        """``total`` split into ``parts`` integers ≥ minimum, roughly proportional to ``weights``."""
        base = [minimum] * parts
        rest = total - minimum * parts
        wsum = sum(weights) or 1
        shares = [rest * w / wsum for w in weights]
        out = [b + int(s) for b, s in zip(base, shares)]
        left = total - sum(out)
        order = sorted(range(parts), key=lambda i: (shares[i] - int(shares[i])), reverse=True)
        for i in order[:left]:
            out[i] += 1
        return out

    # ---- laws -------------------------------------------------------------------------------
    def load_laws(self) -> None:
        import yaml
        from ..lists.laws import Registry
        today = _dt.date.today()
        records = []
        if LAWS_SOURCE.is_dir():
            for path in sorted(LAWS_SOURCE.glob("*.yaml")):
                text = path.read_text(encoding="utf-8")
                records.append((path.name, yaml.safe_load(text)))
                self.law_files[path.stem] = text
        registry = Registry.from_records(records)
        self.national = {}
        self.repealed = []
        for law in registry.laws:
            count = law.article_count(today)
            if law.in_force(today) and count and count >= 10:
                self.national[law.id] = (law.id, law.title, law.level, count)
            elif law.repealed_by(today):
                self.repealed.append((law.id, law.title, law.level))
        self.registry_titles = {normalise_name(law.title) for law in registry.laws}

    def local_law(self, kind_index: int, obj: str, city: str) -> tuple:
        level, template, issuer, prefix = LOCAL_LAW_KINDS[kind_index]
        title = template.format(o=obj, city=city if kind_index else "")
        key = ("sd-" if kind_index == 0 else f"{prefix}-{CITY_IDS.get(city, 'c')}-") + _initials(obj)
        law_id = key
        n = 2
        while law_id in self.laws and self.laws[law_id]["title"] != title:
            law_id = f"{key}{n}"
            n += 1
        if law_id not in self.laws:
            year = self.rng.randint(2008, 2023)
            promulgated = _dt.date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))
            effective = promulgated + _dt.timedelta(days=self.rng.choice([0, 30, 60, 90]))
            articles = self.rng.randint(28, 80)
            self.laws[law_id] = {
                "id": law_id, "title": title, "level": level, "issuer": issuer.format(city=city),
                "versions": [{"event": "制定", "document": _document(self.rng, level, city), "promulgated": promulgated,
                              "effective": effective, "articles": articles, "renumbered": False}],
                "source": "生成的测试数据（policykit bench generate），非真实法规",
            }
        law = self.laws[law_id]
        return (law_id, title, level, law["versions"][-1]["articles"])

    def basis_for(self, dept: Dept, obj: str, strong_needed: bool) -> list:
        """1-3 citations: a national law of the domain (or a local one), articles within range."""
        rng = self.rng
        out = []
        candidates = [self.national[i] for i in dept.laws if i in self.national]
        general = [self.national[i] for i in ("xzcff", "xzxkf", "xzqzf") if i in self.national]
        n = rng.choices([1, 2, 3], [5, 4, 1])[0]
        for k in range(n):
            if candidates and (k == 0 or rng.random() < 0.5):
                law = rng.choice(candidates)
            elif k > 0 and general and rng.random() < 0.4:
                law = rng.choice(general)
            else:
                law = self.local_law(rng.choices([0, 1, 2], [5, 4, 2 if k else 0])[0], obj, dept.city)
            if any(b["title"] == law[1] for b in out):
                continue
            out.append(self.citation(law, obj, dept))
        if strong_needed and not any(b["level"] != "规范性文件" for b in out):  # pragma: no cover - k==0 is strong
            out[0] = self.citation(self.local_law(0, obj, dept.city), obj, dept)
        return out

    def citation(self, law: tuple, obj: str, dept: Dept) -> dict:
        rng = self.rng
        _, title, level, articles = law
        art = rng.randint(1, articles)
        article = f"第{chinese(art)}条"
        if rng.random() < 0.35:
            article += f"第{chinese(rng.randint(1, 3))}款"
        entry = {"level": level, "title": title, "article": article}
        if rng.random() < 0.7:
            entry["text"] = rng.choice([
                f"县级以上地方人民政府{dept.short}负责本行政区域内{obj}的监督管理工作。",
                f"从事{obj}活动，应当依法取得许可，遵守有关法律、法规和标准，接受社会监督，承担社会责任。",
                f"违反本法规定，有下列行为之一的，由{dept.short}责令改正，给予警告；拒不改正的，处一万元以上十万元以下罚款；情节严重的，责令停产停业，直至吊销许可证。",
                f"{dept.short}应当加强对{obj}的监督检查，发现违法行为的，应当依法及时处理，并将处理结果向社会公布。",
            ])
        return entry

    # ---- organizations -------------------------------------------------------------------------
    def make_departments(self, city: str, region: str, prefix: str) -> list[Dept]:
        """The departments of one city: core ones, party organs, generated extras; then their units."""
        sc = self.scale
        depts: list[Dept] = []
        core = CORE if sc.departments >= len(CORE) else CORE[: max(6, sc.departments * 2 // 3)]
        for (did, name, short, typ, weight, units, objects, laws) in core:
            d = Dept(prefix + did, f"{101 + len(depts):03d}", city + name, short, typ, did, list(objects), list(laws),
                     region, city, power_weight=weight)
            d.units = [{"name": u} for u in (["办公室", "政策法规处", "人事处"] + units)]
            depts.append(d)
        party = PARTY if sc.departments >= 100 else PARTY[:2]
        for pid, template, short in party:
            name = template.format(city=city.rstrip("市") + "市")
            d = Dept(prefix + pid, f"{101 + len(depts):03d}", name, short, "党委工作机关", "party", GENERIC_OBJECTS[:], [],
                     region, city, power_weight=0.0)
            d.units = [{"name": u} for u in ["办公室", "综合处", "调查研究处", "干部处", "督查处"]]
            depts.append(d)
        self._add_extra_departments(depts, city, region, prefix)
        self._add_units(depts)
        self._add_unit_summaries(depts)
        return depts

    def _add_extra_departments(self, depts: list, city: str, region: str, prefix: str) -> None:
        """Fill up to the scale's department count with topic × kind departments borrowing a core domain."""
        rng = self.rng
        seen_ids = {d.id for d in depts}
        combos = [(t, k) for t in EXTRA_TOPICS for k in EXTRA_KINDS]
        rng.shuffle(combos)
        while len(depts) < self.scale.departments:
            (topic, ini, borrow), (kind, kini, typ) = combos.pop()
            base = prefix + ini + kini
            did, n = base, 2
            while did in seen_ids:
                did, n = f"{base}{n}", n + 1
            seen_ids.add(did)
            src = next(c for c in CORE if c[0] == borrow)
            objects = list(src[6])
            rng.shuffle(objects)
            d = Dept(did, f"{101 + len(depts):03d}", f"{city}{topic}{kind}", f"{topic}{kind}", typ, borrow,
                     objects[: max(4, len(objects) // 2)], list(src[7]), region, city,
                     power_weight=rng.choice([0.0, 0.0, 0.05, 0.1, 0.2]))
            d.units = [{"name": "办公室"}]
            depts.append(d)

    def _add_units(self, depts: list) -> None:
        """Units: exactly the scale's count in all, counting the units that plants will add."""
        rng, sc = self.rng, self.scale
        planned = (self.count("org-unit-duplicate") + self.count("unit-without-list")) // sc.cities
        extra_units = sc.units - planned - sum(len(d.units) for d in depts)
        weights = [3 if d.domain == "party" or d.power_weight >= 1 else 1 for d in depts]
        add = self.split(max(0, extra_units), len(depts), weights, rng)
        for d, k in zip(depts, add):
            names = [u["name"] for u in d.units]
            pool = [f"{o}管理科" for o in d.objects] + EXTRA_UNITS
            rng.shuffle(pool)
            for cand in pool:
                if k <= 0:
                    break
                if cand not in names:
                    names.append(cand)
                    d.units.append({"name": cand})
                    k -= 1
            n = 1
            while k > 0:
                cand = f"第{chinese(n)}业务科"
                n += 1
                if cand not in names:
                    names.append(cand)
                    d.units.append({"name": cand})
                    k -= 1

    def _add_unit_summaries(self, depts: list) -> None:
        """A duty summary for about 60% of the units."""
        rng = self.rng
        for d in depts:
            objs = d.objects or GENERIC_OBJECTS
            for u in d.units:
                if rng.random() < 0.6:
                    o = rng.choice(objs if "办公室" not in u["name"] else OFFICE_OBJECTS)
                    u["duties_summary"] = f"负责{o}相关工作，承担{rng.choice(objs)}的组织协调和监督检查，完成领导交办的其他事项。"

    def make_sanding(self, d: Dept, n_duties: int) -> None:
        rng = self.rng
        objs = d.objects or GENERIC_OBJECTS
        n = max(2, min(22, n_duties))
        d.main_duties = []
        for no in range(1, n + 1):
            if no == 1:
                topic = "政策法规"
                text = (f"贯彻执行国家、省关于{d.short.rstrip('局委办')}工作的方针政策和法律法规，拟订全市相关地方性法规、"
                        f"政府规章草案和政策措施，并组织实施。")
            elif no == n:
                topic = "交办事项"
                text = "完成市委、市政府交办的其他任务。"
            else:
                topic = objs[(no - 2) % len(objs)]
                text = (f"{rng.choice(['负责', '承担', '组织', '指导'])}{topic}的{rng.choice(['监督管理', '综合协调', '规划建设', '服务保障'])}工作。"
                        f"{rng.choice(['拟订', '组织实施', '监督执行'])}{topic}{rng.choice(['管理制度', '发展规划', '技术规范', '工作标准'])}，"
                        f"{rng.choice(['组织开展', '指导', '负责'])}{topic}领域{rng.choice(['监督检查', '执法监督', '风险防控', '信用监管'])}，"
                        f"依法查处{topic}方面的违法行为。")
            d.main_duties.append({"no": no, "text": text})
            d.topics[no] = topic
        d.sanding = {"document": f"{d.city.rstrip('市')}办发〔{rng.randint(2018, 2020)}〕{rng.randint(1, 60)}号",
                     "effective": _dt.date(rng.randint(2018, 2020), rng.randint(1, 12), rng.randint(1, 28)),
                     "rank": rng.choice(["正局级", "副局级", "正处级"]),
                     "staffing": {"administrative": rng.randint(12, 160), "leaders": rng.randint(3, 8)}}

    def make_tasks(self, depts: list[Dept]) -> None:
        rng, sc = self.rng, self.scale
        units = [(d, u) for d in depts for u in d.units]
        planned = self.count("task-unit-unknown") // sc.cities  # plants add one duty each
        counts = self.split(sc.unit_duties - planned, len(units), [rng.uniform(0.6, 1.4) for _ in units], rng,
                            minimum=2)
        per_dept: dict[str, list] = {}
        for (d, u), k in zip(units, counts):
            per_dept.setdefault(d.id, []).append((u, k))
        for d in depts:
            total = sum(k for _, k in per_dept[d.id])
            self.make_sanding(d, min(max(6, total // 12), total))
            nos = [md["no"] for md in d.main_duties]
            queue = nos[:]  # every main duty decomposed at least once
            rng.shuffle(queue)
            for u, k in per_dept[d.id]:
                duties = []
                for i in range(1, k + 1):
                    sd = queue.pop() if queue else rng.choice(nos)
                    topic = d.topics[sd]
                    o = topic if topic not in ("政策法规", "交办事项") else rng.choice(
                        OFFICE_OBJECTS if "办公室" in u["name"] else (d.objects or GENERIC_OBJECTS))
                    duty = {"no": i, "sanding_duty": sd,
                            "content": rng.choice(DUTY_VERBS) + rng.choice(DUTY_ACTS).format(o=o),
                            "tasks": [t.format(o=o) for t in rng.sample(TASKS, rng.randint(2, 4))]}
                    if rng.random() < 0.8:
                        duty["post"] = rng.choice(POSTS)
                    if rng.random() < 0.5:
                        duty["standard"] = rng.choice(STANDARDS)
                    if rng.random() < 0.2:
                        duty["coordination"] = f"与{rng.choice(d.units)['name']}共同做好{o}相关工作的衔接"
                    duties.append(duty)
                d.tasks[u["name"]] = duties

    # ---- powers ---------------------------------------------------------------------------------
    def unique_name(self, name: str, sub: str | None) -> tuple[str, str | None]:
        subs = [sub] + [s for s in SUB_NAMES if s != sub]
        for s in subs:
            key = normalise_name(name + "|" + (s or ""))
            if key not in self.names:
                self.names.add(key)
                return name, s
        n = 1
        while True:
            s = f"{sub or name}（第{chinese(n % 1000)}类{n // 1000 or ''}）"
            key = normalise_name(name + "|" + s)
            if key not in self.names:
                self.names.add(key)
                return name, s
            n += 1

    def make_powers(self, depts: list[Dept]) -> None:
        rng, sc = self.rng, self.scale
        holders = [d for d in depts if d.power_weight > 0]
        counts = self.split(sc.power_items, len(holders), [d.power_weight for d in holders], rng, minimum=1)
        cats = [c for c, _ in CATEGORY_WEIGHTS]
        cweights = [w for _, w in CATEGORY_WEIGHTS]
        for d, k in zip(holders, counts):
            main_no: dict[str, int] = {}
            business = [u["name"] for u in d.units if u["name"] not in ("办公室", "人事处")] or [d.units[0]["name"]]
            made = 0
            while made < k:
                cat = rng.choices(cats, cweights)[0]
                obj = rng.choice(d.objects or GENERIC_OBJECTS)
                base = rng.choice(NAME_TEMPLATES[cat]).format(o=obj)
                nsub = rng.choices([0, 2, 3], [8, 1, 1])[0] if cat in ("行政许可", "其他行政权力", "行政确认") else 0
                nsub = min(nsub, k - made) if nsub else 0
                main = main_no.get(cat, 0) + 1
                if main > 899:
                    cats_left = [c for c in cats if main_no.get(c, 0) < 899]
                    cat = rng.choice(cats_left)
                    main = main_no.get(cat, 0) + 1
                    base = rng.choice(NAME_TEMPLATES[cat]).format(o=obj)
                main_no[cat] = main
                subs = rng.sample(SUB_NAMES, nsub) if nsub else [None]
                for si, sub in enumerate(subs):
                    name, sub = self.unique_name(base, sub)
                    sub_no = si + 1 if nsub else 0
                    code = f"{d.region}{d.code}{LETTERS[cat]}{main:03d}{sub_no:02d}"
                    self.codes.add(code)
                    d.powers.append(self.power_item(d, code, name, sub, cat, obj, business))
                    made += 1

    def power_item(self, d: Dept, code, name, sub, cat, obj, business) -> dict:
        rng = self.rng
        item: dict = {"code": code, "name": name}
        if sub:
            item["sub_name"] = sub
        item["category"] = cat
        item["legal_basis"] = self.basis_for(d, obj, cat in STRONG_CATEGORIES)
        item["unit"] = rng.choice(business)
        item["levels"] = Flow(rng.choice([["市级"], ["市级", "县级"], ["市级", "县级"], ["市级", "县级", "乡镇(街道)级"]]))
        if rng.random() < 0.85:
            item["sanding_duty"] = rng.choice([md["no"] for md in d.main_duties[1:-1]] or [1])
        resp = RESP.get(cat, RESP["_"])
        law = item["legal_basis"][0]["title"] if item["legal_basis"] else "有关法律法规"
        item["responsibilities"] = [r.format(o=obj, law=f"《{law}》") for r in resp]
        item["accountability_targets"] = Flow(rng.choice(TARGETS))
        cases = ["因不履行或不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任："]
        cases += [c.format(o=obj, c=cat) for c in rng.sample(CASES, rng.randint(4, 7))]
        item["accountability_cases"] = cases
        source = rng.choices(["法定本级行使", "上级下放", "上级委托"], [20, 2, 1])[0]
        item["power_source"] = source
        if source != "法定本级行使":
            item["source_document"] = f"鲁政字〔{rng.randint(2016, 2023)}〕{rng.randint(10, 300)}号"
            item["delegator"] = "山东省人民政府" if source == "上级下放" else f"山东省{d.short}"
        self._basic += 1
        item["catalog_code"] = f"{NUMBERS[cat]}{self._basic:08d}"
        self.catalog_codes.add(item["catalog_code"])
        item["status"] = "在用"
        item["remedy"] = REMEDY
        item["phone"] = f"0531-{rng.randint(80000000, 89999999)}"
        if rng.random() < 0.15:
            item["remark"] = rng.choice(["本事项已纳入“一网通办”。", "实行告知承诺制。", "由市、县两级分级实施，县级负责辖区内日常监管。"])
        return item

    # ---- boundaries and catalogues ---------------------------------------------------------------
    def make_catalog(self, depts: list[Dept], city_index: int) -> None:
        rng, sc = self.rng, self.scale
        holders = [d for d in depts if d.power_weight >= 0.5]
        cat_id = "hlwjg" if self.scale.cities == 1 else f"hlwjg-{city_index + 1:02d}"
        catalog = {"id": cat_id, "name": f"{depts[0].city}“互联网+监管”事项目录", "items": []}
        weights = [d.power_weight for d in holders]
        for n in range(1, sc.catalog_items + 1):
            d = rng.choices(holders, weights)[0]
            obj = rng.choice(d.objects)
            code = f"JG-{city_index + 1:02d}-{n:05d}"
            item = {"code": code, "name": rng.choice(["对{o}的监督检查", "对{o}的行政检查", "{o}监管"]).format(o=obj)
                    + rng.choice(["", "（日常）", "（专项）", "（双随机）"]),
                    "domain": d.short.rstrip("局委办"), "claims": [FlowMap(department=d.id, role="牵头")]}
            others = [x for x in rng.sample(holders, min(3, len(holders))) if x is not d]
            for x in others[: rng.choice([0, 0, 1, 2])]:
                item["claims"].append(FlowMap(department=x.id, role="配合"))
            catalog["items"].append(item)
            self.catalog_codes.add(code)
            # inspection items serve the supervision items their department leads
            inspections = [p for p in d.powers if p["category"] == "行政检查" and "supervision_items" not in p]
            if inspections and rng.random() < 0.8:
                p = rng.choice(inspections)
                p["supervision_items"] = Flow([code])
        self.catalogs[cat_id] = catalog

    def make_boundaries(self, depts: list[Dept], city_index: int) -> None:
        rng, sc = self.rng, self.scale
        holders = [d for d in depts if d.power_weight >= 1 and len(d.powers) > 6]
        start = city_index * sc.boundaries
        for n in range(sc.boundaries):
            lead = rng.choice(holders)
            others = [x for x in rng.sample(holders, min(4, len(holders))) if x is not lead][: rng.randint(1, 3)]
            obj = rng.choice(lead.objects)
            name = f"{obj}{rng.choice(['监管', '综合治理', '安全监管', '执法协作', '联合监管'])}"
            basis = [self.citation(self.national[i], obj, lead) for i in lead.laws[:2] if i in self.national] or \
                [self.citation(self.local_law(0, obj, lead.city), obj, lead)]
            roles = [{"department": lead.id, "role": "牵头",
                      "duties": [f"负责{obj}的统筹协调和日常监督管理，制定年度工作方案，依法查处{obj}违法行为。",
                                 f"建立{obj}监管信息台账，定期组织联席会议，通报工作进展。"]}]
            for x in others:
                xo = rng.choice(x.objects)
                roles.append({"department": x.id, "role": "配合",
                              "duties": [f"负责本行业领域内与{obj}相关的{xo}监督管理，发现{obj}违法线索的，"
                                         f"在三个工作日内移送{lead.short}。"]})
            related = []
            # co-implemented items of the lead, covered by this matter
            plain = [p for p in lead.powers if id(p) not in self.covered and not p.get("co_departments")]
            for p in rng.sample(plain, min(len(plain), rng.randint(1, 3))):
                p["co_departments"] = Flow(x.id for x in others[: rng.randint(1, len(others))])
                self.covered.add(id(p))
                related.append(p["code"])
            # an overlap the matter settles: the same item in a cooperating department
            if others and rng.random() < 0.6:
                x = others[0]
                src = rng.choice([p for p in lead.powers if id(p) not in self.covered] or lead.powers)
                twin = self.twin_item(src, x)
                self.covered.update({id(src), id(twin)})
                related += [src["code"], twin["code"]]
            bid = f"BJ-{start + n + 1:03d}"
            matter = {"id": bid, "name": name, "domain": lead.short.rstrip("局委办"), "basis": basis,
                      "related_powers": Flow(related), "departments": roles,
                      "mechanism": {"trigger": f"接到{obj}相关投诉举报、上级交办或者日常监管中发现{obj}违法线索时启动。",
                                    "handoff": f"{lead.short}受理后五个工作日内将需要配合事项推送相关部门，配合部门在十个工作日内反馈办理结果。",
                                    "dispute_resolution": "对职责存在争议的，由市委编办组织协调；协调不成的，报市政府决定。",
                                    "enforcement": "将履职情况纳入部门年度绩效考核，对推诿扯皮的予以通报。"}}
            self.boundaries.append(matter)

    def twin_item(self, src: dict, dept: Dept) -> dict:
        """``dept`` implements ``src`` too (same name: a 权责交叉 to be settled by the matter).

        One of ``dept``'s own items becomes the twin, so the number of items stays as planned.
        """
        rng = self.rng
        mine = [p for p in dept.powers if id(p) not in self.covered and id(p) not in self.used]
        same = [p for p in mine if p["category"] == src["category"]]
        replaced = rng.choice(same or mine)
        dept.powers.remove(replaced)
        twin = json.loads(json.dumps(src, ensure_ascii=False, default=str))
        twin["legal_basis"] = src["legal_basis"]
        twin["levels"] = Flow(src["levels"])
        twin["accountability_targets"] = Flow(src["accountability_targets"])
        twin.pop("supervision_items", None)
        twin.pop("co_departments", None)
        twin.pop("sanding_duty", None)
        if replaced["category"] == src["category"]:
            twin["code"] = replaced["code"]
        else:
            letters = LETTERS[src["category"]]
            main = 900 + sum(1 for p in dept.powers if p["code"][9:11] == letters and p["code"][11] == "9")
            twin["code"] = f"{dept.region}{dept.code}{letters}{main:03d}00"
            assert twin["code"] not in self.codes
            self.codes.add(twin["code"])
        twin["unit"] = rng.choice([u["name"] for u in dept.units])
        self._basic += 1
        twin["catalog_code"] = f"{NUMBERS[src['category']]}{self._basic:08d}"
        dept.powers.append(twin)
        return twin

    # ---- planting ---------------------------------------------------------------------------------
    def all_items(self):
        return [p for d in self.depts for p in d.powers]

    def plant_all(self) -> None:
        """Plant every problem of the scale's mix, one concept after another (the order fixes the random draws)."""
        items = self.all_items()
        strong_items = [p for p in items if p["category"] in STRONG_CATEGORIES]
        holders = [d for d in self.depts if len(d.powers) >= 4]
        self._plant_basis(items, strong_items)
        self._plant_codes(items, holders)
        self._plant_names_and_sources(items, holders)
        self._plant_references(items, holders)
        self._plant_overlaps(items, holders)
        self._plant_law_citations(items)
        self.plant_files_and_lists(holders)

    def _times(self, kind):
        """One iteration per planted problem of ``kind``."""
        return range(self.count(kind))

    def _plant_basis(self, items, strong_items) -> None:
        """Items without basis, with only weak basis, without article, or missing a required list."""
        rng, times = self.rng, self._times
        for _ in times("basis-missing"):
            self.pick(items)["legal_basis"] = []
            self.plant("PWR-BASIS-PRESENT")
        for _ in times("basis-weak-only"):
            p = self.pick(strong_items)
            d = self.by_id[self.dept_of(p)]
            obj = d.objects[0] if d.objects else "有关事项"
            p["legal_basis"] = [self.citation(self.local_law(2, obj, d.city), obj, d)]
            self.plant("PWR-BASIS-STRONG")
            self.plant("LAW-WEAK-SETS-STRONG")
        for _ in times("basis-no-article"):
            p = self.pick([p for p in items if p["legal_basis"]])
            p["legal_basis"][0] = dict(p["legal_basis"][0], article=rng.choice(["", "相关条款", "全文"]))
            self.plant("PWR-BASIS-ARTICLE")
        for kind, fld, rule in (("responsibilities-missing", "responsibilities", "PWR-RESPONSIBILITIES"),
                                ("targets-missing", "accountability_targets", "PWR-ACCOUNTABILITY-TARGETS"),
                                ("cases-missing", "accountability_cases", "PWR-ACCOUNTABILITY-CASES"),
                                ("levels-missing", "levels", "PWR-LEVELS")):
            for _ in times(kind):
                self.pick(items)[fld] = []
                self.plant(rule)

    def _plant_codes(self, items, holders) -> None:
        """Unknown categories and codes that are wrong in type letters, format, department or uniqueness."""
        rng, times = self.rng, self._times
        for _ in times("category-unknown"):
            p = self.pick([p for p in items if p["category"] not in STRONG_CATEGORIES])
            p["category"] = rng.choice(["行政备案", "其他权力", "行政监督"])
            self.plant("PWR-CATEGORY-KNOWN")
        for _ in times("code-category"):
            p = self.pick(items)
            d = self.by_id[self.dept_of(p)]
            wrong = rng.choice([v for k, v in LETTERS.items() if k != p["category"]])
            p["code"] = self.fresh_code(d, wrong)
            self.plant("PWR-CODE-CATEGORY")
        for _ in times("code-format"):
            p = self.pick(items)
            c = p["code"]
            p["code"] = rng.choice([f"{c[:6]}-{c[6:9]}-{c[9:11]}-{c[11:]}", c[:-2], f"{c[:9]}{c[9:11].lower()}{c[11:]}"])
            self.plant("PWR-CODE-FORMAT")
        for _ in times("code-department"):
            p = self.pick(items)
            d = self.by_id[self.dept_of(p)]
            letters = LETTERS[p["category"]]
            p["code"] = self.fresh_code(d, letters, dept_code="998")
            self.plant("PWR-CODE-DEPARTMENT")
        for _ in times("code-duplicate"):
            a, b = self.pair_in_department(holders)
            b["code"] = a["code"]
            if b["category"] != a["category"]:
                b["category"] = a["category"]
                if a["category"] in STRONG_CATEGORIES and not any(x["level"] != "规范性文件" for x in b["legal_basis"]):
                    b["legal_basis"] = a["legal_basis"]
            self.plant("PWR-CODE-UNIQUE")

    def _plant_names_and_sources(self, items, holders) -> None:
        """Duplicate names, delegations without documents, unknown sources, statuses and levels."""
        rng, times = self.rng, self._times
        for _ in times("name-duplicate"):
            a, b = self.pair_in_department(holders)
            b["name"] = a["name"]
            if "sub_name" in a:
                b["sub_name"] = a["sub_name"]
            else:
                b.pop("sub_name", None)
            self.plant("PWR-NAME-UNIQUE")
        for _ in times("delegation-no-document"):
            p = self.pick(items)
            p["power_source"] = rng.choice(["上级下放", "上级委托", "同级授权"])
            p.pop("source_document", None)
            self.plant("PWR-DELEGATION-DOCUMENT")
        for _ in times("source-unknown"):
            p = self.pick(items)
            p["power_source"] = rng.choice(["上级交办", "自行设定"])
            self.plant("PWR-SOURCE-KNOWN")
        for _ in times("status-unknown"):
            self.pick(items)["status"] = rng.choice(["停用", "待定", "已取消"])
            self.plant("PWR-STATUS-KNOWN")
        for _ in times("level-unknown"):
            self.pick(items)["levels"] = Flow(["市级", rng.choice(["区县级", "省市级", "街道级"])])
            self.plant("PWR-LEVEL-KNOWN")

    def _plant_references(self, items, holders) -> None:
        """References to units, sanding duties, co-departments and supervision items that do not resolve or are not covered."""
        rng, times = self.rng, self._times
        for _ in times("unit-unknown"):
            p = self.pick(items)
            p["unit"] = rng.choice(["原执法大队", "综合业务科（已撤销）", "审批办"])
            self.plant("REF-UNIT")
        for _ in times("sanding-duty-unknown"):
            p = self.pick(items)
            p["sanding_duty"] = 90 + rng.randint(0, 9)
            self.plant("REF-SANDING-DUTY")
        for _ in times("co-department-unknown"):
            p = self.pick(items)
            p["co_departments"] = Flow([rng.choice(["qxj", "hbj", "wgxj"])])
            self.plant("REF-CO-DEPT")
            self.plant("X-CO-DEPARTMENT")
        for _ in times("co-department-uncovered"):
            p = self.pick(items)
            own = self.dept_of(p)
            other = rng.choice([d for d in holders if d.id != own])
            p["co_departments"] = Flow([other.id])
            self.plant("X-CO-DEPARTMENT")
        for _ in times("supervision-unknown"):
            p = self.pick(items)
            p["supervision_items"] = Flow([f"JG-99-{rng.randint(10000, 99999)}"])
            self.plant("REF-SUPERVISION-ITEM")

    def _plant_overlaps(self, items, holders) -> None:
        """Items of two departments sharing a name or a catalogue code."""
        rng, times = self.rng, self._times
        for _ in times("overlap-name"):
            a = self.pick(items)
            other = rng.choice([d for d in holders if d.id != self.dept_of(a)])
            b = self.pick(other.powers)
            b["name"] = a["name"]
            if "sub_name" in a:
                b["sub_name"] = a["sub_name"]
            else:
                b.pop("sub_name", None)
            self.plant("X-OVERLAP-NAME", 2)   # (a, b) and (b, a)
        for _ in times("overlap-catalog"):
            a = self.pick(items)
            other = rng.choice([d for d in holders if d.id != self.dept_of(a)])
            b = self.pick(other.powers)
            b["catalog_code"] = a["catalog_code"]
            self.plant("X-OVERLAP-CATALOG", 2)

    def _plant_law_citations(self, items) -> None:
        """Citations of the law registry: unresolved, repealed, beyond the last article, wrong level."""
        rng, times = self.rng, self._times
        for _ in times("law-unresolved"):
            p = self.pick([p for p in items if p["legal_basis"]])
            b = p["legal_basis"][-1]
            p["legal_basis"][-1] = dict(b, title=rng.choice(["城市管理相关规定", "有关部门规章", "省政府相关文件"]))
            if len(p["legal_basis"]) == 1 and p["category"] in STRONG_CATEGORIES:
                p["legal_basis"][-1]["level"] = "地方政府规章"
            self.plant("LAW-UNRESOLVED")
        for _ in times("law-repealed"):
            if not self.repealed:
                break
            p = self.pick([p for p in items if p["legal_basis"]])
            lid, title, level = rng.choice(self.repealed)
            p["legal_basis"].append({"level": level, "title": title, "article": "第九条"})
            self.plant("LAW-REPEALED")
        for _ in times("law-article-beyond"):
            p = self.pick([p for p in items if p["legal_basis"]])
            b = p["legal_basis"][0]
            count = self.articles_of(b["title"])
            p["legal_basis"][0] = dict(b, article=f"第{chinese(count + rng.randint(5, 60))}条")
            self.plant("LAW-ARTICLE-BEYOND")
        for _ in times("law-level-mismatch"):
            p = self.pick([p for p in items if p["legal_basis"] and p["legal_basis"][0]["level"] == "法律"])
            p["legal_basis"][0] = dict(p["legal_basis"][0], level="行政法规")
            self.plant("LAW-LEVEL-MISMATCH")

    def articles_of(self, title: str) -> int:
        for law in list(self.national.values()):
            if law[1] == title:
                return law[3]
        for law in self.laws.values():
            if law["title"] == title:
                return law["versions"][-1]["articles"]
        raise KeyError(title)

    def plant_files_and_lists(self, holders) -> None:
        """Plant the problems of files, organisations, task lists, boundaries, catalogues and waivers, in this order."""
        self._plant_list_files(holders)
        self._plant_organisations()
        self._plant_tasks()
        self._plant_boundaries(holders)
        self._plant_catalogue(holders)
        self._plant_waivers()
        self._plant_broken_files()

    def _plant_list_files(self, holders) -> None:
        """Power lists under a file name not their department's, and lists of departments that do not exist."""
        rng, times = self.rng, self._times
        for _ in times("powers-file-name"):
            d = rng.choice([d for d in holders if len(d.powers) >= 10 and not d.extra_files])
            k = rng.randint(2, 5)
            moved = [p for p in d.powers if id(p) not in self.covered][-k:]
            d.powers = [p for p in d.powers if all(p is not m for m in moved)]
            d.extra_files[f"{d.id}-2"] = moved
            self.plant("PWR-FILE-NAME")
        ghosts = []
        for i in times("powers-department-unknown"):
            ghost = f"ghost{i + 1}"
            d = rng.choice(holders)
            p = self.pick(d.powers)
            d.powers = [x for x in d.powers if x is not p]
            p.pop("sanding_duty", None)
            p.pop("supervision_items", None)
            ghosts.append((ghost, p))
            self.plant("REF-POWER-DEPT")
            self.plant("REF-UNIT")
        self.ghost_files = ghosts

    def _plant_organisations(self) -> None:
        """Organisation files under another name, departments listed twice, units listed twice."""
        rng, times = self.rng, self._times
        depts = self.depts
        self.renamed_orgs = {}
        for _ in times("org-file-name"):
            d = rng.choice([d for d in depts if d.id not in self.renamed_orgs])
            self.renamed_orgs[d.id] = rng.choice([f"{d.id}-sd", f"{d.id}2019", f"x{d.id}"])
            self.plant("ORG-FILE-NAME")
        self.duplicate_orgs = []
        for _ in times("org-duplicate-id"):
            # a department without power items: a second department fact would double PWR-CODE-DEPARTMENT
            d = rng.choice([d for d in depts if d.id not in self.renamed_orgs and not d.powers and not d.extra_files
                            and d not in self.duplicate_orgs])
            self.duplicate_orgs.append(d)
            self.plant("ORG-DUPLICATE-ID")
            self.plant("ORG-FILE-NAME")
            self.plant("ORG-UNIT-DUPLICATE")
        for _ in times("org-unit-duplicate"):
            d = rng.choice([d for d in depts if d not in self.duplicate_orgs and id(d) not in self.used])
            self.used.add(id(d))
            u = rng.choice(d.units)
            d.units.append({"name": u["name"]})
            self.plant("ORG-UNIT-DUPLICATE")

    def _plant_tasks(self) -> None:
        """Units without a task list, main duties not decomposed, task lists of unknown units or main duties."""
        rng, times = self.rng, self._times
        depts = self.depts
        for _ in times("unit-without-list"):
            d = rng.choice(depts)
            d.units.append({"name": rng.choice(["新组建的综合协调科", "数字化转型专班", "营商环境办公室"]) + f"{len(d.units)}"})
            self.plant("TSK-UNIT-HAS-LIST")
        for _ in times("duty-undecomposed"):
            d = rng.choice(depts)
            no = max(md["no"] for md in d.main_duties) + 1
            d.main_duties.append({"no": no, "text": rng.choice([
                "负责统筹推进本系统数字化转型和数据共享工作。", "承担本行业领域安全生产和消防安全监督管理责任。",
                "负责本部门法治政府建设和行政执法监督工作。"])})
            self.plant("TSK-DUTY-DECOMPOSED")
        for _ in times("task-unit-unknown"):
            d = rng.choice(depts)
            d.tasks[f"已撤销的{rng.choice(['综合', '监督', '发展'])}科{len(d.tasks)}"] = [
                {"no": 1, "sanding_duty": 1, "content": "负责原综合业务工作的收尾和移交", "tasks": ["整理移交业务档案"]}]
            self.plant("REF-TASK-UNIT")
        for _ in times("task-sanding-unknown"):
            for _attempt in range(10_000):
                d = rng.choice(depts)
                unit = rng.choice([u for u in d.tasks if d.tasks[u]])
                duty = rng.choice(d.tasks[unit])
                # the main duty it decomposed must stay decomposed by another unit duty
                others = [x for u in d.tasks for x in d.tasks[u]
                          if x is not duty and x["sanding_duty"] == duty["sanding_duty"] and id(x) not in self.used]
                if others and id(duty) not in self.used:
                    break
            else:  # pragma: no cover
                raise RuntimeError("no unit duty left to plant a defect in")
            self.used.add(id(duty))
            duty["sanding_duty"] = 80 + rng.randint(0, 9)
            self.plant("REF-TASK-SANDING-DUTY")

    def _plant_boundaries(self, holders) -> None:
        """Boundary matters with lead, cooperation, duty, mechanism and reference problems."""
        rng, times = self.rng, self._times
        # boundaries: planted on matters that settle nothing (so coverage is unchanged)
        pool = list(self.boundaries)

        def matter():
            cands = [b for b in pool if id(b) not in self.used]
            b = rng.choice(cands)
            self.used.add(id(b))
            return b

        for _ in times("boundary-no-lead"):
            b = matter()
            b["departments"][0]["role"] = "配合"
            self.plant("BND-ONE-LEAD")
        for _ in times("boundary-two-leads"):
            b = matter()
            if len(b["departments"]) < 3:
                extra = rng.choice([d for d in holders if d.id not in {r["department"] for r in b["departments"]}])
                b["departments"].append({"department": extra.id, "role": "配合",
                                         "duties": ["负责本行业领域相关监督管理，及时移送发现的问题线索。"]})
            b["departments"][1]["role"] = "牵头"
            self.plant("BND-ONE-LEAD")
        for _ in times("boundary-no-cooperating"):
            b = matter()
            b["departments"] = b["departments"][:1]
            if b["related_powers"]:  # keep what the matter settled: only its lead's items stay covered
                lead = b["departments"][0]["department"]
                self.uncover(b, lead)
            self.plant("BND-COOPERATING")
        for _ in times("boundary-role-no-duties"):
            b = matter()
            b["departments"][-1]["duties"] = []
            self.plant("BND-DUTIES")
        for kind, key, rule in (("boundary-no-trigger", "trigger", "BND-TRIGGER"),
                                ("boundary-no-dispute", "dispute_resolution", "BND-DISPUTE"),
                                ("boundary-no-handoff", "handoff", "BND-HANDOFF"),
                                ("boundary-no-enforcement", "enforcement", "BND-ENFORCEMENT")):
            for _ in times(kind):
                b = matter()
                del b["mechanism"][key]
                self.plant(rule)
        for _ in times("boundary-vague"):
            b = matter()
            b["departments"][-1]["duties"] = [rng.choice(["配合做好相关工作", "参与相关工作", "协助做好有关工作"])]
            self.plant("BND-VAGUE-DUTY")
        for _ in times("boundary-department-twice"):
            b = matter()
            b["departments"].append({"department": b["departments"][0]["department"], "role": "配合",
                                     "duties": ["负责本单位职责范围内的相关监督检查，并及时通报检查结果。"]})
            self.plant("BND-DEPARTMENT-ONCE")
        for _ in times("boundary-department-unknown"):
            b = matter()
            b["departments"].append({"department": rng.choice(["qxj", "hbj", "wgxj"]), "role": "配合",
                                     "duties": ["负责本系统内相关信息的收集和报送，并按要求反馈处理结果。"]})
            self.plant("REF-BOUNDARY-DEPT")
        for _ in times("boundary-power-unknown"):
            b = matter()
            b["related_powers"] = Flow(list(b["related_powers"]) + [f"{self.depts[0].region}997CF{rng.randint(100, 899)}00"])
            self.plant("REF-RELATED-POWER")

    def _plant_catalogue(self, holders) -> None:
        """Catalogue items claimed by no lead, by two leads, or by an unknown department."""
        rng, times = self.rng, self._times
        # catalogue
        all_cat = [it for c in self.catalogs.values() for it in c["items"]]
        ids = [d.id for d in holders]
        for _ in times("catalog-unclaimed"):
            it = self.pick(all_cat)
            it["claims"] = [c for c in it["claims"] if c["role"] != "牵头"]
            self.plant("X-CATALOG-CLAIM")
        for _ in times("catalog-two-leads"):
            it = self.pick(all_cat)
            lead = it["claims"][0]["department"]
            it["claims"].append(FlowMap(department=rng.choice([i for i in ids if i != lead]), role="牵头"))
            self.plant("X-CATALOG-CLAIM")
        for _ in times("claim-department-unknown"):
            it = self.pick(all_cat)
            it["claims"].append(FlowMap(department=rng.choice(["qxj", "hbj", "wgxj"]), role="配合"))
            self.plant("REF-CLAIM-DEPT")

    def _plant_waivers(self) -> None:
        """Waivers: one in use (the problem is reported as waived), one expired, one matching nothing."""
        times = self._times
        # waivers: one in use (the problem is reported as waived), one expired, one matching nothing
        items = self.all_items()
        waived = [p for p in items if p["legal_basis"] and p["legal_basis"][0].get("article") == "全文"]
        # a waiver runs at most a year from its approval (waiver_max_days): the live ones cover this year
        year = _dt.date.today().year
        live = {"approved_by": "市委编办主任办公会", "approved_on": _dt.date(year, 1, 1),
                "expires": _dt.date(year, 12, 31)}
        for i in times("waiver-used"):
            p = waived[i] if i < len(waived) else None  # one waiver per item: a second would match nothing
            if p is None:
                p = self.pick([p for p in items if p["legal_basis"]])
                p["legal_basis"][0] = dict(p["legal_basis"][0], article="全文")
                self.plant("PWR-BASIS-ARTICLE")
            self.waivers.append({"rule": "PWR-BASIS-ARTICLE", "items": [p["code"]], "owner": "市委编办审改处",
                                 "approval": f"{self.depts[0].city.rstrip('市')}编办〔2026〕3号", **live,
                                 "reason": "该事项依据为整部法规，已报请上级部门明确具体条款。"})
        for _ in times("waiver-expired"):
            self.waivers.append({"rule": "PWR-LEVELS", "items": ["370199000XX00000"], "owner": "市委编办审改处",
                                 "approval": f"{self.depts[0].city.rstrip('市')}编办〔2020〕11号",
                                 "expires": _dt.date(2021, 6, 30), "approved_by": "市委编办主任办公会",
                                 "approved_on": _dt.date(2020, 7, 1), "reason": "过渡期内暂缓确定实施层级。"})
            self.plant("WVR-EXPIRED")
        for _ in times("waiver-unused"):
            self.waivers.append({"rule": "PWR-STATUS-KNOWN", "items": ["370199000XX99999"], "owner": "市委编办审改处",
                                 "approval": f"{self.depts[0].city.rstrip('市')}编办〔2025〕8号", **live,
                                 "reason": "事项已调整，待清理。"})
            self.plant("WVR-UNUSED")

    def _plant_broken_files(self) -> None:
        """Files that do not load: a duplicate YAML key, a schema error."""
        times = self._times
        for i in times("yaml-duplicate-key"):
            self.broken[f"lists/boundaries/BJ-9{i:02d}.yaml"] = (
                f"id: BJ-9{i:02d}\nname: 夜间施工噪声管理\ndepartments:\n"
                f"  - {{department: {self.depts[0].id}, role: 牵头, duties: [负责夜间施工许可和噪声监管]}}\n"
                f"name: 夜间施工噪声扰民管理\n")
            self.plant("YAML-DUPLICATE-KEY")
        for i in times("schema-error"):
            if i % 2 == 0:
                self.broken[f"lists/catalogs/zxjc{i:02d}.yaml"] = (
                    f"id: zxjc{i:02d}\nname: 专项检查事项目录\nitems:\n  - code: ZX-{i:03d}\n    name: 对校外培训机构的专项检查\n")
                self.plant("SCHEMA-CATALOG")
            else:
                self.broken[f"lists/boundaries/BJ-8{i:02d}.yaml"] = (
                    f"id: BJ-8{i:02d}\nname: 共享单车停放管理\ndepartments:\n"
                    f"  - {{department: {self.depts[0].id}, role: 牵头, duties: [负责共享单车停放秩序管理]}}\n"
                    f"owner: 城市管理局\n")
                self.plant("SCHEMA-BOUNDARY")

    def pair_in_department(self, holders) -> tuple[dict, dict]:
        """Two unused items of one department."""
        for _ in range(10_000):
            d = self.rng.choice(holders)
            plain = [p for p in d.powers if id(p) not in self.used and id(p) not in self.covered]
            if len(plain) >= 2:
                a, b = self.rng.sample(plain, 2)
                self.used.update({id(a), id(b)})
                return a, b
        raise RuntimeError("no department with two unused items left")  # pragma: no cover

    def uncover(self, matter: dict, lead: str) -> None:
        """A matter lost its cooperating departments: strip co-departments that pointed at them."""
        codes = set(matter["related_powers"])
        for d in self.depts:
            for p in d.powers:
                if p["code"] in codes and p.get("co_departments"):
                    p.pop("co_departments")
        # twins in other departments lose their cover: drop them from the matter and the overlap
        keep = []
        for code in matter["related_powers"]:
            owner = next((d for d in self.depts for p in d.powers if p["code"] == code), None)
            if owner is not None and owner.id == lead:
                keep.append(code)
            elif owner is not None:
                twin = next(p for p in owner.powers if p["code"] == code)
                owner.powers = [p for p in owner.powers if p is not twin]
        matter["related_powers"] = Flow(keep)

    def fresh_code(self, d: Dept, letters: str, dept_code: str | None = None) -> str:
        for main in range(950, 1000):
            code = f"{d.region}{dept_code or d.code}{letters}{main:03d}00"
            if code not in self.codes:
                self.codes.add(code)
                return code
        raise RuntimeError("no free planted code")

    def dept_of(self, item: dict) -> str:
        return self._owner[id(item)]

    # ---- run ----------------------------------------------------------------------------------
    def build(self) -> None:
        self.load_laws()
        for ci in range(self.scale.cities):
            city, region, short = CITIES[ci]
            prefix = "" if self.scale.cities == 1 else f"c{ci + 1:02d}-"
            depts = self.make_departments(city, region, prefix)
            self.make_tasks(depts)
            self.make_powers(depts)
            self.depts += depts
            self.by_id.update({d.id: d for d in depts})
            self.make_catalog(depts, ci)
            self.make_boundaries(depts, ci)
        self._owner = {id(p): d.id for d in self.depts for p in d.powers}
        self.plant_all()
        from .processes import make_processes   # 流程再造 and 审管协同, on the records as planted
        make_processes(self)

    def write(self, out: Path) -> dict:
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, str] = {}
        if CONFIG_SOURCE.is_file():
            files["policykit.yaml"] = CONFIG_SOURCE.read_text(encoding="utf-8")
        head = "# 生成的测试数据（policykit bench generate），非真实清单\n"
        for d in self.depts:
            org = {"id": d.id, "code": d.code, "name": d.name, "short_name": d.short, "type": d.type,
                   "sanding": dict(d.sanding, main_duties=d.main_duties), "units": d.units}
            stem = self.renamed_orgs.get(d.id, d.id)
            files[f"lists/organizations/{stem}.yaml"] = dump(org, head)
            files[f"lists/tasks/{d.id}.yaml"] = dump(
                {"department": d.id, "units": [{"unit": u, "duties": duties} for u, duties in d.tasks.items()]}, head)
            if d.powers:
                files[f"lists/powers/{d.id}.yaml"] = dump({"department": d.id, "items": d.powers}, head)
            for stem, items in d.extra_files.items():
                files[f"lists/powers/{stem}.yaml"] = dump({"department": d.id, "items": items}, head)
        for d in self.duplicate_orgs:
            first = d.units[0]["name"]
            org = {"id": d.id, "code": d.code, "name": d.name, "short_name": d.short, "type": d.type,
                   "sanding": {"document": f"{d.city.rstrip('市')}办发〔2015〕9号", "main_duties": [d.main_duties[0]]},
                   "units": [{"name": first}]}
            files[f"lists/organizations/{d.id}_2015.yaml"] = dump(org, "# 旧版三定，未删除\n")
        for ghost, p in self.ghost_files:
            files[f"lists/powers/{ghost}.yaml"] = dump({"department": ghost, "items": [p]}, head)
        for b in self.boundaries:
            files[f"lists/boundaries/{b['id']}.yaml"] = dump(b, head)
        for cid, c in self.catalogs.items():
            files[f"lists/catalogs/{cid}.yaml"] = dump(c, head)
        for lid, text in self.law_files.items():
            files[f"lists/laws/{lid}.yaml"] = text
        for lid, law in self.laws.items():
            files[f"lists/laws/{lid}.yaml"] = dump(law, head)
        files["lists/waivers.yaml"] = dump({"waivers": self.waivers}, head)
        self._write_processes(files, head)
        files.update(self.broken)
        total = 0
        for rel, text in files.items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            data = text.encode("utf-8")
            path.write_bytes(data)
            total += len(data)
        planted = dict(sorted(self.planted.items()))
        (out / "planted.json").write_text(json.dumps(planted, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        stats = {
            "scale": self.scale.name, "seed": self.seed, "cities": self.scale.cities,
            "departments": len(self.depts), "units": sum(len(d.units) for d in self.depts),
            "unit_duties": sum(len(v) for d in self.depts for v in d.tasks.values()),
            "power_items": sum(len(d.powers) + sum(len(x) for x in d.extra_files.values()) for d in self.depts)
            + len(self.ghost_files),
            "boundaries": len(self.boundaries), "catalog_items": sum(len(c["items"]) for c in self.catalogs.values()),
            "laws": len(self.law_files) + len(self.laws), "files": len(files), "bytes": total,
            "planted_problems": sum(planted.values()),
        }
        (out / "generated.json").write_text(json.dumps(stats, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return stats


    def _write_processes(self, files: dict, head: str) -> None:
        """Process files, 审管 records, and the approval body in the configuration (bench/processes.py)."""
        for dept, doc in getattr(self, "process_files", {}).items():
            files[f"lists/processes/{dept}.yaml"] = dump(doc, head)
        for rec in getattr(self, "approval_records", ()):
            files[f"lists/approval-supervision/{rec['id']}.yaml"] = dump(rec, head)
        config = files.get("policykit.yaml", "")
        body = getattr(self, "approval_body", None)
        if "approval_body:" in config:
            import re
            if body:
                files["policykit.yaml"] = re.sub(r"(?m)^(\s*approval_body:).*$", lambda m: f"{m.group(1)} {body}", config)
            else:            # no approval body in this city: the key goes (and the mapping, if it was all)
                config = re.sub(r"(?m)^\s*approval_body:.*\n", "", config)
                files["policykit.yaml"] = re.sub(r"(?m)^processes:\n(?![ \t])", "", config)


CITY_IDS = {c[0]: "c" + str(i + 1) for i, c in enumerate(CITIES)}

def _initials(text: str) -> str:
    """A stable ASCII key for a Chinese object name (not real pinyin: a short hash)."""
    import hashlib
    return "x" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def _document(rng, level: str, city: str) -> str:
    short = city.rstrip("市")
    return {"地方性法规": f"山东省人民代表大会常务委员会公告第{rng.randint(10, 200)}号",
            "地方政府规章": f"{short}市人民政府令第{rng.randint(100, 300)}号",
            "规范性文件": f"{short}政办发〔{rng.randint(2015, 2023)}〕{rng.randint(1, 40)}号"}.get(level, "")


def generate(out, scale: str = "jinan", seed: int = 1, force: bool = False) -> dict:
    """Write a generated repository to ``out``; returns its statistics (also in generated.json)."""
    from ..errors import UsageError
    if scale not in SCALES:
        raise UsageError(f"未知的规模「{scale}」，可用：{'、'.join(SCALES)} (unknown scale)")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not force:
            raise UsageError(f"目标目录不为空：{out}（加 --force 覆盖） (output directory is not empty)")
        for child in ("lists", "planted.json", "generated.json", "policykit.yaml"):
            target = out / child
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    gen = Generator(SCALES[scale], seed)
    gen.build()
    return gen.write(out)


def change_one_file(root, seed: int = 0, defect: bool = False) -> str:
    """Edit one power list in place, as a person would; return its path relative to ``root``.

    ``defect=False`` rewrites one responsibility text (no rule changes its verdict);
    ``defect=True`` empties one item's 追责情形 (one more PWR-ACCOUNTABILITY-CASES).
    """
    root = Path(root)
    files = sorted((root / "lists" / "powers").glob("*.yaml"))
    files = [f for f in files if not f.stem.startswith("ghost") and not f.stem.endswith("-2")]
    path = files[(seed * 7919 + len(files) // 2) % len(files)]
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if not defect:
        for i, line in enumerate(lines):
            if line.lstrip().startswith("- 审查责任：") or line.lstrip().startswith("- 检查责任：") \
                    or line.lstrip().startswith("- 审查责任") or line.lstrip().startswith("- 受理责任："):
                lines[i] = line + "（已按2026年清单动态调整意见修订）"
                break
        else:  # pragma: no cover
            lines.insert(1, "# 修订")
    else:
        for i, line in enumerate(lines):
            if line == "    accountability_cases:":
                j = i + 1
                while j < len(lines) and lines[j].startswith("      - "):
                    j += 1
                if j > i + 1:
                    lines[i:j] = ["    accountability_cases: []"]
                    break
        else:  # pragma: no cover
            raise RuntimeError(f"no item with accountability cases in {path}")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path.relative_to(root).as_posix()


__all__ = ["SCALES", "PLAN", "KNOWN_RULES", "Generator", "generate", "change_one_file", "dump"]
