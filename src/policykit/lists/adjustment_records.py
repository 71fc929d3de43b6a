"""Adjustment records (调整记录): the trailers a commit that changes the lists carries, parsed and validated.

Pure functions on text, no git: ``history.adjustments`` reads the commit messages and calls these;
the lists layer (valid time, ``open_repository(as_of=…)``) reads the same records through here.

A record, at the end of a commit message::

    调整类型: 机构改革              (法律立改废 | 机构改革 | 上级下放 | 职责调整 | 纠错 | 其他)
    调整事由: 市场监管职能整合，农贸市场管理划入市市场监管局
    调整依据: 明发〔2026〕5号 第三条
    批准文号: 明编办〔2026〕3号
    生效日期: 2026-07-01
    原编码: 370199109JC00300 -> 370199109JC00700

English keys are accepted too (Adjustment-Type, Adjustment-Reason, Adjustment-Basis, Approval-Number,
Effective-Date, Former-Code) and so are full-width colons. A commit may carry several records, each
starting with 调整类型; they are found anywhere in the message (a squash commit that quotes the
messages of the commits it squashes keeps their records).

What each kind needs follows 办法 第二十条 (调整类型、事由、依据和批准文号，经市委编办审核后生效):
every kind needs a 调整事由; 法律立改废, 机构改革 and 上级下放 need a 调整依据; every kind but 纠错
needs a 批准文号 (a 纠错 corrects what the lists say, it changes no duty). 生效日期 is the day the
approved change takes effect (valid time); when a record has none, the change takes effect on the
day it was committed (``effective_date``). ``原编码`` (repeatable) says that an item's code changed in
this commit: the item keeps its identity across the re-code (see docs/adjustments.md).
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

ADJUSTMENT_TYPES = ("法律立改废", "机构改革", "上级下放", "职责调整", "纠错", "其他")
TYPE_ALIASES = {
    "law": "法律立改废", "legislation": "法律立改废", "law-change": "法律立改废",
    "reorganization": "机构改革", "reorganisation": "机构改革", "reform": "机构改革",
    "delegation": "上级下放", "devolution": "上级下放",
    "duty": "职责调整", "duty-adjustment": "职责调整", "adjustment": "职责调整", "职责划转": "职责调整",
    "transfer": "职责调整",
    "correction": "纠错", "fix": "纠错", "other": "其他",
}
FIELDS = {  # field -> (Chinese key, English aliases)
    "type": ("调整类型", ("adjustment-type",)),
    "reason": ("调整事由", ("adjustment-reason",)),
    "basis": ("调整依据", ("adjustment-basis",)),
    "approval": ("批准文号", ("approval-number", "approval-no", "approval")),
    "effective": ("生效日期", ("effective-date", "effective")),
    "recode": ("原编码", ("former-code", "recode")),
}
TEXT_FIELDS = ("type", "reason", "basis", "approval", "effective")
REPEATABLE = ("recode",)
KEY_TO_FIELD = {**{zh: f for f, (zh, _) in FIELDS.items()},
                **{en: f for f, (_, ens) in FIELDS.items() for en in ens}}
SUGGESTIONS = {"调整原因": "调整事由", "调整理由": "调整事由", "事由": "调整事由", "调整类别": "调整类型",
               "类型": "调整类型", "调整根据": "调整依据", "依据": "调整依据", "批准文件": "批准文号",
               "批文号": "批准文号", "批准文件号": "批准文号", "文号": "批准文号", "adjustment-reasons": "Adjustment-Reason",
               "生效时间": "生效日期", "生效日": "生效日期", "施行日期": "生效日期", "旧编码": "原编码",
               "曾用编码": "原编码", "原代码": "原编码"}
# What each kind needs (办法 第二十条). 纠错 corrects the lists' text and needs no approval.
BASIS_REQUIRED = ("法律立改废", "机构改革", "上级下放")
APPROVAL_OPTIONAL = ("纠错",)
APPROVAL_REQUIRED = tuple(t for t in ADJUSTMENT_TYPES if t not in APPROVAL_OPTIONAL)
DOC_NUMBER = re.compile(r"^\S.*〔\d{4}〕\d+号$")
DOC_NUMBER_LOOSE = re.compile(r"^\S.*[\[［【(（〔]\s*\d{4}\s*[\]］】)）〕]\s*第?\d+\s*号?$")
_LINE = re.compile(r"^(?P<indent>[ \t]{0,8})(?P<key>[^\s:：]{1,40})[ \t]*[:：][ \t]*(?P<value>.*)$")
_PLACEHOLDER = re.compile(r"<[^>]*>|……|\.\.\.|[×xX]{2,}|待填|TODO", re.IGNORECASE)
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_RECODE = re.compile(r"^(?P<old>[^\s→>=-][^\s→>]{0,79})\s*(?:->|=>|→|—>|－>)\s*(?P<new>[^\s→>]{1,80})$")
SCISSORS = "------------------------ >8 ------------------------"
MAX_MESSAGE_CHARS = 1_000_000  # a commit message longer than this is read up to here (budget)


@dataclass
class Record:
    type: str | None = None
    reason: str | None = None
    basis: str | None = None
    approval: str | None = None
    effective: str | None = None                    # 生效日期 as written (ISO date once valid)
    recodes: list = field(default_factory=list)     # [(old code, new code)] from 原编码 lines
    line: int = 1                                   # line of the message where it starts
    errors: list = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def effective_day(self) -> _dt.date | None:
        """生效日期 as a date, None when absent or malformed."""
        return parse_day(self.effective)

    def as_dict(self) -> dict:
        return {"type": self.type, "reason": self.reason, "basis": self.basis, "approval": self.approval,
                "effective": self.effective, "recodes": [list(p) for p in self.recodes],
                "valid": self.valid, "errors": list(self.errors)}

    def trailers(self) -> str:
        out = []
        for f in TEXT_FIELDS:
            value = getattr(self, f)
            if value:
                out.append(f"{FIELDS[f][0]}: {value}")
        out += [f"{FIELDS['recode'][0]}: {old} -> {new}" for old, new in self.recodes]
        return "\n".join(out) + "\n"


def parse_day(value) -> _dt.date | None:
    """An ISO date (YYYY-MM-DD) as a date; None for anything else."""
    if isinstance(value, _dt.date):
        return value
    m = _ISO_DAY.match(value.strip()) if isinstance(value, str) else None
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def effective_date(record: Record, committed) -> _dt.date | None:
    """The day a record's change takes effect: its 生效日期, else the day it was committed
    (``committed``: a date, a datetime or an ISO timestamp such as git's ``%cI``)."""
    day = record.effective_day
    if day is not None:
        return day
    if isinstance(committed, _dt.datetime):
        return committed.date()
    if isinstance(committed, _dt.date):
        return committed
    return parse_day(committed[:10]) if isinstance(committed, str) else None


def _field_of(key: str) -> str | None:
    return KEY_TO_FIELD.get(key) or KEY_TO_FIELD.get(key.lower())


def _suspicious(key: str) -> str | None:
    """The intended key for a near-miss (调整原因 → 调整事由), or None when it is no record key."""
    low = key.lower()
    if key in SUGGESTIONS or low in SUGGESTIONS:
        return SUGGESTIONS.get(key) or SUGGESTIONS[low]
    if key.startswith(("调整", "批准")) or low.startswith(("adjustment-", "approval-")):
        return "、".join(zh for zh, _ in FIELDS.values())
    return None


def _join(a: str, b: str) -> str:
    if not a:
        return b
    cjk = lambda ch: "\u2e80" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"  # noqa
    return a + ("" if cjk(a[-1]) or cjk(b[0]) else " ") + b


def clean_message(text: str, comment_char: str = "#") -> str:
    """The message as git will store it: scissors and comment lines removed."""
    out = []
    for line in text.splitlines():
        if line.startswith(comment_char) and SCISSORS in line:
            break
        if line.startswith(comment_char):
            continue
        out.append(line)
    return "\n".join(out)


def _recode(cur: Record, value: str) -> None:
    m = _RECODE.match(value.strip())
    if not m:
        cur.errors.append(f"「原编码」应写作「旧编码 -> 新编码」：{value} (Former-Code must read OLD -> NEW)")
    elif m.group("old") == m.group("new"):
        cur.errors.append(f"「原编码」新旧编码相同：{value} (Former-Code: old and new code are the same)")
    else:
        cur.recodes.append((m.group("old"), m.group("new")))


def parse_records(message: str) -> list[Record]:
    """Every adjustment record in a commit message, each validated (``record.errors``)."""
    records: list[Record] = []
    cur: Record | None = None
    last = None  # (record, field, indent) a continuation line extends
    seen: dict[int, set] = {}
    for number, line in enumerate(message[:MAX_MESSAGE_CHARS].splitlines(), start=1):
        m = _LINE.match(line)
        key = m.group("key") if m else None
        fld = _field_of(key) if key else None
        if fld:
            value = m.group("value").strip()
            if fld == "type" or cur is None:
                cur = Record(line=number)
                records.append(cur)
            if fld in REPEATABLE:
                _recode(cur, value)
                last = None
                continue
            fields_seen = seen.setdefault(id(cur), set())
            if fld in fields_seen:
                cur.errors.append(f"「{FIELDS[fld][0]}」重复出现 (duplicate {FIELDS[fld][0]})")
            fields_seen.add(fld)
            setattr(cur, fld, value or None)
            last = (cur, fld, len(m.group("indent").expandtabs()))
            continue
        if key and _suspicious(key):
            if cur is None:
                cur = Record(line=number)
                records.append(cur)
            cur.errors.append(f"未知的调整记录字段「{key}」，应为「{_suspicious(key)}」 (unknown record key '{key}')")
            last = None
            continue
        indent = len(line) - len(line.lstrip())
        if last and line.strip() and indent > last[2]:
            rec, fld, _ = last
            setattr(rec, fld, _join(getattr(rec, fld) or "", line.strip()))
            continue
        last = None
    for r in records:
        _validate(r)
    return records


def normalize_type(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip()
    return v if v in ADJUSTMENT_TYPES else TYPE_ALIASES.get(v) or TYPE_ALIASES.get(v.lower())


def _validate(r: Record) -> None:
    for f in TEXT_FIELDS:
        value = getattr(r, f)
        if value and _PLACEHOLDER.search(value):
            r.errors.append(f"「{FIELDS[f][0]}」尚未填写（仍是模板占位内容）：{value} (placeholder left in the record)")
    if not r.type:
        r.errors.append("缺少「调整类型」 (missing 调整类型)")
    else:
        t = normalize_type(r.type)
        if t is None:
            r.errors.append(f"调整类型「{r.type}」无效，应为 {'、'.join(ADJUSTMENT_TYPES)} 之一 (unknown adjustment type)")
        else:
            r.type = t
    if not r.reason:
        r.errors.append("缺少「调整事由」：请写明为什么调整 (missing 调整事由)")
    if r.type in BASIS_REQUIRED and not r.basis:
        r.errors.append(f"调整类型为「{r.type}」时须写明「调整依据」（法律法规或文件） (missing 调整依据)")
    if not r.approval:
        if r.type not in APPROVAL_OPTIONAL:
            r.errors.append("缺少「批准文号」：除纠错外，调整须经编办批准，如 明编办〔2026〕3号 (missing 批准文号)")
    elif not DOC_NUMBER.match(r.approval):
        if DOC_NUMBER_LOOSE.match(r.approval):
            r.errors.append(f"批准文号「{r.approval}」应使用六角括号〔〕并以「号」结尾，如 明编办〔2026〕3号 "
                            "(use 〔〕 in document numbers)")
        else:
            r.errors.append(f"批准文号「{r.approval}」格式不对，应如 明编办〔2026〕3号 (malformed document number)")
    if r.effective and not _PLACEHOLDER.search(r.effective) and parse_day(r.effective) is None:
        r.errors.append(f"生效日期「{r.effective}」应为 YYYY-MM-DD 格式的真实日期，如 2026-07-01 "
                        "(Effective-Date must be an ISO date)")


def make_record(type_: str, reason: str, basis: str | None = None, approval: str | None = None,
                effective: str | None = None, recodes=()) -> Record:
    r = Record(type=type_, reason=reason, basis=basis, approval=approval, effective=effective,
               recodes=list(recodes))
    _validate(r)
    return r
