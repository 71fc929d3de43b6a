"""Write tests/data/hotline-12345-200.csv: 200 work orders as a 12345 platform exports them for the
bundled city (明湖市), with what real exports carry (tests/test_hotline_import.py reads it):

* departments written the way call-takers write them: full names, short names, 俗称 (住建局, 城管局,
  卫健委, 市监局), names from before the 机构改革 (明湖市卫生和计划生育委员会, 工商局), several in one cell;
* one unknown body next to known departments (街道办事处, 物业公司), and rows naming no known department;
* empty 承办单位; dates as text in several spellings and as Excel serial numbers (45352);
* a few genuinely bad rows: no order id, a repeated one, an impossible date, empty content.

The content is invented: no real caller, address or phone number. Run ``python tests/data/make_hotline_sample.py``
to regenerate; it is deterministic, and the expected accounting is ``EXPECTED`` below.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

OUT = Path(__file__).with_name("hotline-12345-200.csv")

DEPARTMENTS = [  # (as written, department id it must resolve to)
    ("明湖市城市管理局", "zhzfj"), ("城管局", "zhzfj"), ("市城管局", "zhzfj"), ("城管", "zhzfj"),
    ("明湖市住房和城乡建设局", "zjj"), ("住建局", "zjj"), ("市住建局", "zjj"),
    ("市场监管局", "scjgj"), ("市监局", "scjgj"), ("工商局", "scjgj"), ("明湖市食品药品监督管理局", "scjgj"),
    ("卫健委", "wsjkw"), ("明湖市卫生和计划生育委员会", "wsjkw"), ("市卫生健康委", "wsjkw"),
    ("环保局", "sthjj"), ("市生态环境局", "sthjj"), ("公安局", "gaj"), ("市公安局", "gaj"),
    ("交通局", "jtysj"), ("市交通运输局", "jtysj"), ("应急局", "yjglj"), ("安监局", "yjglj"),
    ("教育局", "jyj"), ("发改委", "fgw"), ("农业局", "nyncj"), ("商务局", "swj"), ("财政局", "czj"),
]
UNKNOWN = ["湖滨街道办事处", "某物业服务公司", "市自来水公司"]
MATTERS = ["建筑施工扬尘治理", "占道经营治理", "违法建设查处", "餐厨废弃物管理", "农贸市场管理", "医疗废物处置",
           "单用途预付卡消费监管", "校外培训机构监管", ""]
TOPICS = ["夜间施工噪音扰民", "小区门口占道经营", "楼顶违章搭建", "餐馆油烟直排", "农贸市场卫生差",
          "诊所医疗废物乱放", "健身房闭店预付卡无法退费", "培训机构无证办学", "路灯损坏无人修", "窨井盖缺失"]
DISTRICTS = ["湖滨区", "明山区", "新城区", "高新区"]
TAGS = ["", "", "", "推诿", "多头", "无人管", "职责不清", "重复派单"]
STATUS = ["已办结", "办理中", "已退回"]

EXPECTED = {"rows": 200, "imported": 188, "skipped": {"承办单位无法对应": 4, "承办单位为空": 3, "缺少工单编号": 1,
                                                      "工单编号重复": 1, "受理时间无效": 2, "缺少诉求内容": 1},
            "partial": 6, "serial_dates": 20}


def rows() -> list[list[str]]:
    rnd = random.Random(12345)
    out = []
    start = dt.datetime(2025, 1, 3, 8, 30)
    for n in range(1, 201):
        when = start + dt.timedelta(hours=41 * n + rnd.randint(0, 5))
        order = f"MH2025{n:05d}"
        if n % 10 == 3:                       # 20 rows: the date cell exported as an Excel serial number
            date = str((when.date() - dt.date(1899, 12, 30)).days)
        else:
            date = when.strftime(rnd.choice(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y年%m月%d日"]))
        names = [d for d, _ in rnd.sample(DEPARTMENTS, rnd.choice([1, 1, 1, 2]))]
        if n in (17, 58, 99, 131, 160, 188):      # one unknown body beside known departments: kept, flagged
            names.insert(rnd.randint(0, len(names)), rnd.choice(UNKNOWN))
        if n in (41, 77, 143, 199):               # only unknown bodies: skipped, reported
            names = [rnd.choice(UNKNOWN)]
        if n in (25, 90, 170):                    # 承办单位 left empty
            names = []
        topic = rnd.choice(TOPICS)
        content = f"市民反映{rnd.choice(DISTRICTS)}某处{topic}，希望尽快处理。"
        row = [order, date, rnd.choice(DISTRICTS), content, rnd.choice(["；", "、", ","]).join(names),
               rnd.choice(STATUS), rnd.choice(TAGS), rnd.choice(MATTERS)]
        if n == 50:
            row[0] = ""                           # no order id
        if n == 120:
            row[0] = "MH202500119"                # the previous row's id again
        if n in (66, 134):
            row[1] = "2025-02-30"                 # no such day
        if n == 180:
            row[3] = ""                           # nothing said
        out.append(row)
    return out


HEADER = ["工单编号", "受理时间", "所属区县", "诉求内容", "承办单位", "办理状态", "疑难标签", "归属事项"]


def main() -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows())
    OUT.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


if __name__ == "__main__":
    main()
