"""The publishing policy: what the public site may show of the supervision records.

12345 work orders, disputes and supervisions carry citizens' personal data: order numbers, exact
addresses, callers' names and phone numbers. The site publishes only what ``policykit.yaml`` allows
under ``publishing:`` (schemas/config.schema.json); without that key the default below applies:

- **fields**: per kind, which optional fields go public (``problems``, ``disputes``, ``supervisions``).
  A problem's 工单编号 (``order_id``) is not among the defaults: problem ids made from it (``RX-<order>``,
  as the hotline import writes them) are replaced by public ids (``RX-20250106-01``: prefix, day of
  acceptance, ordinal that day) everywhere, references from supervisions, disputes and evaluations
  included. ``remark`` (备注) and ``imported_from`` are never published.
- **redact**: detectors run on every free-text string of the problem, dispute, supervision, evaluation
  and performance-ledger records, not only on the configured fields: ``order_numbers`` (the repository's own order ids, ids after 工单号/编号, letter +
  digit ids like MH2501060113, runs of 10+ digits), ``phones`` (mobile, landline, numbers after 电话),
  ``id_numbers`` (18-digit 身份证号), ``emails`` and ``names`` (来电人/市民 X 先生/女士, 王女士, 联系人：张三).
- **addresses**: ``street`` keeps 区县 and 街道/镇/乡 and drops what lies below (roads, house numbers,
  residential compounds, buildings, units, rooms, villages and 社区); ``district`` keeps only 区县;
  ``full`` keeps addresses as written.

The site applies the policy at one point, ``public_site_data(repo, history)``, called where the site
receives its data (``SitePages``): every page, the search index built from those pages and every
download read the public copy, so none can miss it. The detectors are ``redact_text``; they are plain
Python regular expressions written here (no pattern comes from the repository), each bounded and
without nested quantifiers, so their time is linear in the text.
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

# ---- the policy's vocabulary ------------------------------------------------------------------
FIELDS = {   # per kind: the optional fields the policy may publish, with their Chinese names
    "problems": {"source": "来源", "order_id": "工单编号", "district": "所在区县", "matter": "所属事项",
                 "tags": "标签", "boundary": "对应边界事项", "dispute": "转调处编号", "status": "办理状态"},
    "disputes": {"raised_by": "提出单位", "problems": "引发争议的问题", "mediator": "调处单位",
                 "decision": "调处决定", "adjustment": "落实调整"},
    "supervisions": {"lead_ref": "线索编号或文件", "problems": "线索问题", "organizer": "组织单位",
                     "response": "整改反馈"},
}
DEFAULT_FIELDS = {
    "problems": ("source", "district", "matter", "tags", "boundary", "dispute", "status"),
    "disputes": ("raised_by", "problems", "mediator", "decision", "adjustment"),
    "supervisions": ("lead_ref", "problems", "organizer", "response"),
}
DETECTORS = {"order_numbers": "工单号", "phones": "电话号码", "id_numbers": "身份证号", "emails": "电子邮箱",
             "names": "姓名"}
ADDRESS_LEVELS = {"street": "保留到街道（镇）", "district": "只保留区县", "full": "不隐去地址"}
NEVER_PUBLISHED = ("remark", "imported_from")
# the kinds whose free text may quote citizens (the detectors run on every string of them); bodies,
# divisions and indicator systems describe the government's own structure and are published as written
REDACTED_KINDS = ("problem", "dispute", "supervision", "evaluation", "performance")
# keys whose values are codes and references (links are built from them); they are not free text
REFERENCE_KEYS = frozenset({
    "id", "batch", "department", "departments", "ledger", "power", "item", "boundary", "system", "indicator",
    "code", "host", "lead", "cooperating", "delegatee", "merged_into", "dispute", "commit", "period",
    "problems", "members", "status", "kind", "type", "source", "tags", "lead_source", "severity", "stage",
    "applies_to", "computed", "metric", "unit", "no",
})

MARK = {"order": "［工单号已隐去］", "number": "［号码已隐去］", "phone": "［电话已隐去］",
        "id": "［身份证号已隐去］", "email": "［邮箱已隐去］", "name": "［姓名已隐去］", "address": "［地址已隐去］"}


# ---- detectors ----------------------------------------------------------------------------------
_FULLWIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "＠": "@", "－": "-", "＋": "+",
                            "（": "(", "）": ")", "：": ":", "　": " "})
_D = r"[0-9]"                       # the text is normalised first: full-width digits are ASCII here
_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,6}\.[A-Za-z]{2,24}")
_ID_NUMBER = re.compile(_NOT_ALNUM_BEFORE + rf"{_D}{{6}}(?:18|19|20){_D}{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]{_D}|3[01])"
                        rf"{_D}{{3}}[0-9Xx]" + _NOT_ALNUM_AFTER)
_MOBILE = re.compile(rf"(?<![0-9])(?:\+?86[ \-]?)?1[3-9]{_D}[ \-]?{_D}{{4}}[ \-]?{_D}{{4}}(?![0-9])")
_LANDLINE = re.compile(rf"(?<![0-9])(?:\(0{_D}{{2,3}}\) ?|0{_D}{{2,3}}[ \-]?){_D}{{7,8}}(?:(?:-|转){_D}{{1,6}})?(?![0-9])")
_PHONE_AFTER_WORD = re.compile(rf"(?:电话|手机|座机|联系方式|号码|Tel|TEL|tel)(?:号码|号)?[:\s是为]{{0,3}}"
                               rf"({_D}[0-9 \-]{{4,16}}{_D})(?![0-9])")
_ORDER_AFTER_WORD = re.compile(r"(?:工单编号|工单号|工单|单号|受理号|编号|流水号)[:\s为是]{0,3}"
                               r"([0-9A-Za-z][0-9A-Za-z\-]{3,40})" + _NOT_ALNUM_AFTER)
_ORDER_SHAPE = re.compile(_NOT_ALNUM_BEFORE + rf"[A-Za-z]{{1,4}}{_D}{{8,20}}" + _NOT_ALNUM_AFTER)
_DIGIT_RUN = re.compile(_NOT_ALNUM_BEFORE + rf"{_D}{{10,20}}" + _NOT_ALNUM_AFTER)
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-]{0,63}")

# characters that are never part of a person's given name or a place name: function words and, for
# places, administrative levels (which are kept); punctuation and digits are excluded by the classes
_FUNCTION_CHARS = "的在于是与及或了住位到从向对把被说称其该此那这有无不没也都很还就又再将已正想让给由经为以因所并且而但却若如各每某些个等"
_STOP_CHARS = _FUNCTION_CHARS + "县区镇乡省市局委办厅"
_CJK_NAME_CHAR = rf"[^\W\d_A-Za-z{_STOP_CHARS}]"

_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
             "姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤常温康施"
             "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
             "盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏"
             "席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
_COMPOUND_SURNAMES = "欧阳|司马|诸葛|上官|东方|皇甫|尉迟|公孙|慕容|令狐|司徒|夏侯|宇文|长孙|端木"
_ROLES = ("来电人|来电市民|来电群众|来电者|市民|群众|居民|村民|业主|住户|投诉人|反映人|举报人|诉求人|求助人|联系人|"
          "当事人|申请人|家属|患者|车主|租户|店主|户主")
_TITLES = "先生|女士|小姐|老师|师傅|阿姨|大爷|大妈|奶奶|爷爷|同学|某某|某"
_SURNAME = rf"(?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])"
_NAME_AFTER_ROLE = re.compile(rf"({_ROLES})[:\s]{{0,2}}({_SURNAME}{_CJK_NAME_CHAR}{{0,2}}?(?:{_TITLES}))")
# 来电人王建国， 联系人张三反映: a name written right after a role word, without a title
_NAME_AFTER_ROLE_PLAIN = re.compile(
    r"(?:来电人|来电市民|来电者|投诉人|反映人|举报人|联系人|当事人|申请人|诉求人|求助人|户主|市民|居民|村民|业主)"
    rf"({_SURNAME}{_CJK_NAME_CHAR}{{1,2}}?)(?=[^\u4e00-\u9fff]|$|反映|称|来电|投诉|举报|表示|说|电话|手机|联系|家)")
_NAME_AFTER_COLON = re.compile(rf"(?:{_ROLES}|姓名|户名)[:]\s{{0,2}}([\u4e00-\u9fff·]{{2,4}}?)"
                               r"(?=[^\u4e00-\u9fff·]|$|电话|手机|联系|反映|来电|投诉|举报|称|说|表示|先生|女士)")
# 王小明先生 (a surname that is no function word, one or two given-name characters), then 王女士
_NAME_FULL = re.compile(rf"(?:{_COMPOUND_SURNAMES}|[{''.join(c for c in _SURNAMES if c not in _STOP_CHARS)}])"
                        rf"{_CJK_NAME_CHAR}{{1,2}}(?:先生|女士|小姐)")
_NAME_TITLE = re.compile(rf"{_SURNAME}(?:某某|某)?(?:先生|女士|小姐)")

# addresses. A place name is 2-8 characters none of which is a function word, an administrative level or
# punctuation (so 东城区锦绣家园小区 yields 锦绣家园小区 and keeps 东城区), ending in a road or compound
# word; after it, house numbers. Document numbers (〔2025〕9号, 第056号) are kept.
_PLACE_NAME = rf"[^\W\d_A-Za-z{_STOP_CHARS}街道反映投诉举报]{{2,8}}"     # never across 街道 (kept) or 反映
_NUM = r"(?:[0-9]{1,5}|[一二三四五六七八九十百零〇两]{1,4})"
_DETAIL = (rf"(?:{_NUM}(?:号院|号楼|号|栋|幢|座|单元|层|楼|室|户|弄|巷|排|组|期|区)(?:之{_NUM})?"
           r"|[0-9]{1,4}(?:-[0-9]{1,5}){1,3}(?:室|号)?)")
_ROAD = r"(?:大道|大街|路|街(?!道|办)|巷|胡同)"
_COMPOUND = r"(?:小区|花园|家园|嘉园|公寓|大厦|新村|宿舍|社区|山庄|别墅|公馆|苑|村(?!民|委|级|庄|集体|干部|务|镇))"
_KEEP = (r"〔[0-9]{4}〕\s*第?\s*[0-9]+\s*号|[\[［【(][0-9]{4}[\]］】)]\s*第?\s*[0-9]+\s*号|"
         rf"第\s*{_NUM}\s*号|{_NUM}号(?:线|文|令|字|通知|公告|档|会议|窗口)")
_ADDRESS = re.compile(rf"(?P<keep>{_KEEP})|(?P<place>{_PLACE_NAME}(?:{_ROAD}|{_COMPOUND}))(?:\s?{_DETAIL})*"
                      rf"|{_NUM}(?:号院|号楼|栋|幢|单元)(?:\s?{_DETAIL})*|[0-9]{{1,5}}室")
_TOWN = re.compile(rf"(?P<keep>{_KEEP})|(?P<place>{_PLACE_NAME}(?:街道|镇|乡)(?![镇村]))")
_GENERIC_PLACES = ("道路", "马路", "公路", "铁路", "线路", "水路", "网路", "电路", "通路", "出路", "思路", "门路", "沿路",
                   "进路", "来路", "去路", "半路", "问路", "走路", "修路", "筑路", "过路", "绕路", "上路", "带路", "让路",
                   "赶路", "引路", "迷路", "同路", "跑路", "开路", "铺路", "领路", "探路", "拦路", "挡路", "堵路", "断路",
                   "封路", "条街", "小路", "大路", "山路", "套路", "后路", "退路", "岔路", "土路", "沿街", "背街",
                   "临街", "上街", "逛街", "小巷", "街巷", "农村", "乡村", "城中村", "行政村", "自然村", "乡镇", "城镇",
                   "集镇", "村镇", "城乡", "老旧小区", "住宅小区", "居民小区", "安置小区", "商品房小区", "回迁小区", "周边小区",
                   "所在小区", "附近小区", "封闭小区", "开放小区", "物业小区", "新建小区", "城乡社区", "所在社区", "农村社区",
                   "城市社区", "老旧社区", "周边社区", "附近社区", "公寓楼")
_LEADING_WORDS = ("反映", "投诉", "举报", "来电", "咨询", "要求", "希望", "表示", "居住", "家住", "住址", "地址", "请求", "询问",
                  "报称", "称", "说", "请", "问", "致电", "今天", "昨天", "目前", "现在", "多次", "长期", "经常")
_PLACE_PREFIXES = ("老旧", "住宅", "居民", "新建", "在建", "相关", "部分", "涉事", "全市", "城区", "辖区", "商品房",
                   "安置", "回迁", "保障房", "封闭式", "开放式", "无物业", "物业", "高层", "多层", "同一", "其他", "所有",
                   "城乡", "农村", "村里", "街面", "城市", "乡村")
_MERGE = re.compile(r"［地址已隐去］(?:[与和、及至]?［地址已隐去］)+")
# a string without any of these characters has nothing any detector looks for
# cheap tests that decide which detectors can find anything in a string
_HAS_DIGIT = re.compile(r"[0-9０-９]")
_HAS_NAME = re.compile(r"[先女姐师姨爷妈奶学某:：]|来电|投诉|反映|举报|联系|当事|申请|诉求|求助|户主|市民|居民|村民|业主")
_HAS_PLACE = re.compile(r"[路街巷胡道区园寓厦村苑庄墅馆舍镇乡]")


class _Redaction:
    """Spans found in one string: each detector sees the text with earlier spans blanked out."""

    def __init__(self, text: str):
        self.text = text
        self.masked = text.translate(_FULLWIDTH)   # one character for one: spans stay valid in ``text``
        self.spans: list[tuple[int, int, str]] = []

    def add(self, start: int, end: int, mark: str) -> None:
        if start < end and "\0" not in self.masked[start:end]:
            self.spans.append((start, end, mark))
            self.masked = self.masked[:start] + "\0" * (end - start) + self.masked[end:]

    def run(self, pattern, mark: str, group: int = 0, accept=None) -> None:
        for m in list(pattern.finditer(self.masked)):
            if accept is None or accept(m.group(group)):
                self.add(*m.span(group), mark)

    def order_ids(self, known: frozenset) -> None:
        """The repository's own order numbers, wherever they occur (also inside ``RX-<order>``)."""
        for m in list(_TOKEN.finditer(self.masked)):
            parts = m.group().split("-")
            starts, pos = [], m.start()
            for p in parts:
                starts.append(pos)
                pos += len(p) + 1
            i = 0
            while i < len(parts):
                for j in range(len(parts), i, -1):
                    candidate = "-".join(parts[i:j])
                    if candidate in known:
                        self.add(starts[i], starts[i] + len(candidate), MARK["order"])
                        i = j - 1
                        break
                i += 1

    def places(self, pattern) -> None:
        for m in list(pattern.finditer(self.masked)):
            if m.group("keep"):
                continue
            start = m.start()
            place = m.group("place")
            if place:
                trimmed = _trim_place(place)
                if trimmed is None:
                    continue
                start += len(place) - len(trimmed)
            self.add(start, m.end(), MARK["address"])

    def result(self) -> str:
        if not self.spans:
            return self.text
        out, pos = [], 0
        for s, e, mark in sorted(self.spans):
            out += [self.text[pos:s], mark]
            pos = e
        out.append(self.text[pos:])
        return _MERGE.sub(MARK["address"], "".join(out))


@dataclass(frozen=True)
class PublishingPolicy:
    """What the site publishes of the supervision records (see the module docstring)."""

    fields: dict = field(default_factory=lambda: {k: frozenset(v) for k, v in DEFAULT_FIELDS.items()})
    redact: frozenset = frozenset(DETECTORS)
    addresses: str = "street"
    order_ids: frozenset = frozenset()      # the repository's own 12345 order numbers, redacted wherever they occur
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)   # short string -> redaction

    @classmethod
    def from_config(cls, cfg=None) -> "PublishingPolicy":
        """The policy of a ``Config`` (its ``publishing`` mapping), of that mapping itself, or the default.

        The mapping has been validated against schemas/config.schema.json when policykit.yaml was read;
        a value of the wrong shape here is a programming error and raises ``ValueError``."""
        raw = cfg if isinstance(cfg, dict) or cfg is None else getattr(cfg, "publishing", None)
        raw = raw or {}
        if not isinstance(raw, dict):
            raise ValueError(f"publishing 应为映射：{raw!r}")
        fields = {k: frozenset(v) for k, v in DEFAULT_FIELDS.items()}
        for kind, allowed in FIELDS.items():
            if kind in raw:
                chosen = frozenset(str(x) for x in raw[kind] or ())
                unknown = chosen - set(allowed)
                if unknown:
                    raise ValueError(f"publishing.{kind} 中没有这些字段：{'、'.join(sorted(unknown))}")
                fields[kind] = chosen
        redact = frozenset(str(x) for x in raw.get("redact", DETECTORS))
        if redact - set(DETECTORS):
            raise ValueError(f"publishing.redact 中没有这些检测项：{'、'.join(sorted(redact - set(DETECTORS)))}")
        addresses = str(raw.get("addresses", "street"))
        if addresses not in ADDRESS_LEVELS:
            raise ValueError(f"publishing.addresses 应为 {'、'.join(ADDRESS_LEVELS)} 之一：{addresses}")
        return cls(fields=fields, redact=redact, addresses=addresses)

    def publishes(self, kind: str, name: str) -> bool:
        """Whether the optional field ``name`` of ``kind`` (problems, disputes, supervisions) goes public."""
        return name in self.fields.get(kind, ())

    @property
    def hides_order_ids(self) -> bool:
        return not self.publishes("problems", "order_id")

    # ---- text ------------------------------------------------------------------------------
    def redact_text(self, text):
        """``text`` with the personal data the policy hides replaced by a bracketed note (［电话已隐去］ …).

        Anything that is not a string is returned unchanged. Short strings (districts, matters …) are
        remembered per policy: they repeat across thousands of records."""
        if not isinstance(text, str) or not text:
            return text
        if len(text) <= 40:
            memo = self._memo
            if text not in memo:
                if len(memo) > 50_000:
                    memo.clear()
                memo[text] = self._redact(text)
            return memo[text]
        return self._redact(text)

    def _redact(self, text: str) -> str:
        digits = _HAS_DIGIT.search(text) is not None
        names = "names" in self.redact and _HAS_NAME.search(text) is not None
        places = self.addresses != "full" and _HAS_PLACE.search(text) is not None
        if not (digits or names or places or "@" in text or "＠" in text):
            return text
        r = _Redaction(text)
        if "emails" in self.redact and ("@" in r.masked):
            r.run(_EMAIL, MARK["email"])
        if digits:
            if "id_numbers" in self.redact:
                r.run(_ID_NUMBER, MARK["id"])
            if self.order_ids and self.hides_order_ids:
                r.order_ids(self.order_ids)
            if "phones" in self.redact:
                r.run(_MOBILE, MARK["phone"])
                r.run(_LANDLINE, MARK["phone"])
                r.run(_PHONE_AFTER_WORD, MARK["phone"], 1)
            if "order_numbers" in self.redact:
                r.run(_ORDER_AFTER_WORD, MARK["order"], 1, lambda tok: sum(ch.isdigit() for ch in tok) >= 6)
                r.run(_ORDER_SHAPE, MARK["order"])
                r.run(_DIGIT_RUN, MARK["number"])
        elif self.order_ids and self.hides_order_ids and "-" in text:
            r.order_ids(self.order_ids)
        if names:
            r.run(_NAME_AFTER_ROLE, MARK["name"], 2)
            r.run(_NAME_AFTER_COLON, MARK["name"], 1)
            r.run(_NAME_AFTER_ROLE_PLAIN, MARK["name"], 1)
            r.run(_NAME_FULL, MARK["name"])
            r.run(_NAME_TITLE, MARK["name"])
        if places or (digits and self.addresses != "full"):
            r.places(_ADDRESS)
            if self.addresses == "district":
                r.places(_TOWN)
        return r.result()

    # ---- records ---------------------------------------------------------------------------
    def public_problem(self, record: dict, aliases: dict | None = None) -> dict:
        """One problem (an entry of ``problems:`` in lists/problems/*.yaml) as the site may show it: the
        fields the policy does not publish dropped, its id replaced by ``aliases``, its text redacted."""
        aliases = aliases or {}
        policy = self
        if self.hides_order_ids and record.get("order_id") and str(record["order_id"]) not in self.order_ids:
            policy = dataclasses.replace(self, order_ids=self.order_ids | {str(record["order_id"])})
        p = policy._redact_tree({k: v for k, v in record.items() if k not in NEVER_PUBLISHED}, aliases, None)
        policy._strip(p, "problems")
        if p.get("id") in aliases:
            p["id"] = aliases[p["id"]]
        return p

    def public_records(self, records: dict) -> tuple[dict, dict]:
        """``{kind: [(file, data)]}`` (``Repository.records``) as the site may show them, and the public
        ids given to problems whose id carries an order number (``{private id: public id}``)."""
        policy = self
        if self.hides_order_ids:
            found = frozenset(str(p["order_id"]) for _f, d in records.get("problem", ()) if isinstance(d, dict)
                              for p in d.get("problems") or () if isinstance(p, dict) and p.get("order_id"))
            policy = dataclasses.replace(self, order_ids=self.order_ids | found)
        aliases = policy.problem_aliases(records)
        out = {}
        for kind, recs in records.items():
            out[kind] = [(file, policy._public(kind, data, aliases)) if isinstance(data, dict) else (file, data)
                         for file, data in recs]
        return out, aliases

    def problem_aliases(self, records: dict) -> dict:
        """``{private id: public id}`` of the problems whose id carries an order number: prefix, day of
        acceptance and ordinal that day (``RX-20250106-01``), numbered in the order of the private ids."""
        if not self.hides_order_ids:
            return {}
        by_day = defaultdict(set)
        for _f, d in records.get("problem", ()):
            if not isinstance(d, dict):
                continue
            for p in d.get("problems") or ():
                if not isinstance(p, dict) or not isinstance(p.get("id"), str):
                    continue
                pid = p["id"]
                order = str(p.get("order_id") or "")
                if not (order and order in pid) and self.redact_text(pid) == pid:
                    continue
                prefix = pid.split("-", 1)[0] if "-" in pid else "WT"
                by_day[(prefix, _day(p.get("date")))].add(pid)
        aliases = {}
        for (prefix, day), ids in sorted(by_day.items()):
            for n, pid in enumerate(sorted(ids), 1):
                aliases[pid] = f"{prefix}-{day}-{n:02d}"
        return aliases

    def _public(self, kind: str, data: dict, aliases: dict) -> dict:
        if kind not in REDACTED_KINDS:     # the government's own structure: bodies, divisions, indicators
            return {k: v for k, v in data.items() if k not in NEVER_PUBLISHED}
        if kind == "problem":
            out = self._redact_tree({k: v for k, v in data.items() if k not in NEVER_PUBLISHED + ("problems",)},
                                    aliases, None)
            if isinstance(data.get("problems"), list):
                out["problems"] = [self.public_problem(p, aliases) if isinstance(p, dict) else p for p in data["problems"]]
            return out
        # a fresh copy (every container rebuilt) with the text redacted; then fields dropped, ids replaced
        data = self._redact_tree({k: v for k, v in data.items() if k not in NEVER_PUBLISHED}, aliases, None)
        if kind == "dispute":
            self._strip(data, "disputes")
        elif kind == "supervision":
            self._strip(data, "supervisions")
            for f in data.get("findings") or ():
                if isinstance(f, dict):
                    f.pop("remark", None)
                    if not self.publishes("supervisions", "response"):
                        f.pop("response", None)
        if isinstance(data.get("problems"), list) and kind != "problem":
            data["problems"] = [aliases.get(x, x) if isinstance(x, str) else x for x in data["problems"]]
        if kind == "evaluation":
            for s in data.get("scores") or ():
                for e in (s.get("evidence") or ()) if isinstance(s, dict) else ():
                    if isinstance(e, dict) and e.get("ref") in aliases:
                        e["ref"] = aliases[e["ref"]]
        return self._redact_tree(data, aliases, None)

    def _strip(self, record: dict, kind: str) -> None:
        for name in FIELDS[kind]:
            if name in record and not self.publishes(kind, name) and name != "response":
                del record[name]
        record.pop("remark", None)
        if kind == "problems":
            for name in ("reporter", "result"):
                record.pop(name, None)

    def _redact_tree(self, value, aliases: dict, key):
        if isinstance(value, dict):
            return {k: self._redact_tree(v, aliases, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._redact_tree(v, aliases, key) for v in value]
        if isinstance(value, str) and key not in REFERENCE_KEYS:
            if key == "order_id":           # published only when the policy lists it: then as written
                return value
            return self.redact_text(_replace_ids(value, aliases))
        return value

    # ---- history ---------------------------------------------------------------------------
    def public_history(self, history, aliases: dict):
        """The site's version history (policykit.site.changes.History) with the same policy applied:
        problem keys replaced by their public ids, record names, summaries and commit texts redacted."""
        if history is None:
            return None
        hist = copy.copy(history)
        as_of = getattr(hist, "as_of", None)
        if as_of is not None and hasattr(as_of, "subject"):
            as_of = copy.copy(as_of)
            as_of.subject = self.redact_text(_replace_ids(as_of.subject, aliases))
            hist.as_of = as_of
        adjustments = []
        for adj in getattr(hist, "adjustments", None) or ():
            a = copy.copy(adj)
            for name in ("subject", "reason", "basis"):
                if isinstance(getattr(a, name, None), str):
                    setattr(a, name, self.redact_text(_replace_ids(getattr(a, name), aliases)))
            changes = []
            for ch in getattr(a, "changes", None) or ():
                c = copy.copy(ch)
                if isinstance(getattr(c, "key", None), str):
                    c.key = aliases.get(c.key) or self.redact_text(_replace_ids(c.key, aliases))
                for name in ("name", "summary"):
                    if isinstance(getattr(c, name, None), str):
                        setattr(c, name, self.redact_text(_replace_ids(getattr(c, name), aliases)))
                changes.append(c)
            a.changes = changes
            adjustments.append(a)
        hist.adjustments = adjustments
        return hist


DEFAULT_POLICY = PublishingPolicy()


def redact_text(text, policy: PublishingPolicy | None = None):
    """``text`` as the (default) publishing policy lets the site show it."""
    return (policy or DEFAULT_POLICY).redact_text(text)


def public_problem(record: dict, policy: PublishingPolicy | None = None, aliases: dict | None = None) -> dict:
    """One problem record as the (default) publishing policy lets the site show it."""
    return (policy or DEFAULT_POLICY).public_problem(record, aliases)


class PublicRepository:
    """A repository as the site may show it: the same lists, the supervision records as the policy
    allows (``records``), the raw documents of those records left out. Everything else is read from
    the repository it wraps; the supervision views built from it are its own."""

    def __init__(self, repo, policy: PublishingPolicy):
        from ..lists.repository import RECORD_KINDS
        self._repo = repo
        self.publishing = policy
        self.records, self.problem_aliases = policy.public_records(getattr(repo, "records", {}) or {})
        private = {f for f, k in (getattr(repo, "kinds", {}) or {}).items() if k in RECORD_KINDS}
        self.documents = {f: d for f, d in (getattr(repo, "documents", {}) or {}).items() if f not in private}
        self.kinds = {f: k for f, k in (getattr(repo, "kinds", {}) or {}).items() if f not in private}

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._repo, name)


def public_site_data(repo, history=None, policy: PublishingPolicy | None = None):
    """``(repository, history)`` as the site may publish them: the one place the policy is applied."""
    if isinstance(repo, PublicRepository):
        return repo, history
    policy = policy or PublishingPolicy.from_config(getattr(repo, "config", None))
    public = PublicRepository(repo, policy)
    return public, policy.public_history(history, public.problem_aliases)


def _replace_ids(text, aliases: dict):
    if not aliases or not isinstance(text, str) or "-" not in text:
        return text
    return _TOKEN.sub(lambda m: aliases.get(m.group(), m.group()), text)


def _trim_place(place: str) -> str | None:
    """The place name without a generic word in front (老旧小区 is no address); None if nothing is left."""
    if place.endswith(_GENERIC_PLACES):
        return None
    trimmed = True
    while trimmed:
        trimmed = False
        for word in _LEADING_WORDS:
            if place.startswith(word) and len(place) - len(word) >= 3:
                place, trimmed = place[len(word):], True
                break
    for prefix in _PLACE_PREFIXES:
        if place.startswith(prefix):
            rest = place[len(prefix):]
            return rest if len(rest) >= 3 and _trim_place(rest) is not None else None
    return place


def _day(value) -> str:
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.strftime("%Y%m%d")
    text = re.sub(r"[^0-9]", "", str(value or ""))[:8]
    return text or "00000000"
