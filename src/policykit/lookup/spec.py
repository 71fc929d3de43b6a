"""The scoring spec: how a query becomes content words and how an entry is scored against them.

This module is the one definition; the site's 派单查询 runs the same steps in JavaScript
(``site/assets.py``, ``LOOKUP_JS``) over the same data (``Index.to_data()``), and a browser test
holds the two to the same top answers. Everything here is plain data and integer/float arithmetic
in a fixed order, so that both sides compute the same numbers.

1. **Normalise**: NFKC, lower case; every character that is not a CJK ideograph or an ASCII letter
   or digit separates chunks. At most ``MAX_QUERY`` characters are read.
2. **Segment** each CJK run over the index's vocabulary (words cut by jieba from the lists' own text,
   with the lists' names, aliases and the thesaurus as its user dictionary): the cut that covers the
   most characters with known words, then the one with fewest pieces, then the longest first word.
   Characters left over are joined into one unknown piece per run.
3. **Content words**: fillers and question words (归谁管, 找谁, 怎么办, 投诉 …) and stop words are
   dropped; words of the lists' vocabulary weigh 1, weak ones (扰民, 乱, 问题 …), everyday words the
   lists never use and single characters ``LIGHT``, stretches no vocabulary knows ``NOISE``.
   Each word brings its thesaurus group as alternatives.
4. **Score an entry** (a boundary matter, a power item, a catalogue item): each content word takes
   the weight of the best field that contains the word or one of its alternatives — alias (俗称) and
   name 1.0, domain or category 0.7, body text (a matter's duties and trigger) 0.6. Coverage is the
   weighted share of the query's words found; an entry needs ``MIN_COVERAGE`` and at least one full
   word (not weak, not a single character) found, so a single shared character never makes a hit.
   The whole query equal to a name or alias adds ``EXACT_BONUS``, contained in one ``PHRASE_BONUS``;
   a boundary matter adds ``KIND_BONUS["matter"]`` (the dispatcher's first answer).
5. **Confident** when the top score reaches ``CONFIDENT`` and no answer led by another department
   comes within ``MARGIN`` of it (two departments tied is no answer); otherwise the lookup says plainly that no
   matter fits and lists the departments whose own lists (三定 duties, unit duties, power
   item names) hold the words.

Two more kinds of answer sit beside the words:

- **Codes**: a stretch of ASCII letters and digits (``-``, ``_``, ``.``, ``/`` allowed between them) with at
  least one digit and ``CODE_MIN`` characters is a code the dispatcher pasted: an item code, a boundary
  matter id (BJ-003), a catalogue code (JG-001, hlwjg/JG-001), an 审管 record id (SG-001). Compared without
  separators and case, a whole code answers its entry with ``1 + EXACT_BONUS``; a first part of at least
  ``CODE_PREFIX_MIN`` characters, with letters and digits both, answers the entries it begins with ``1``.
  A stretch that answers something is taken out of the query before the words are read; one that answers
  nothing stays a (light) word. Codes are never a field of the word matching, and a number alone matches
  only a whole code: a phone, order or ID number in a caller's words never finds a code by its first digits.
- **审管协同 pairs** (``pair``): the licence the 行政审批服务局 grants and the department that supervises it.
  A pair answers only a query that asks about supervision after approval (it holds one of
  ``SUPERVISION_CUES``, e.g. 监管, 检查, 批后, 证后), and then adds ``KIND_BONUS["pair"]``, so that the same
  licence named without such words goes to the licence itself (who grants it).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY = 100          # characters of a query that are read
MAX_WORD = 16            # the longest vocabulary word used in segmentation
LIGHT = 0.3              # weight of weak words, everyday words the lists do not use, single characters
NOISE = 0.15             # weight of a stretch no vocabulary knows (a fragment of the caller's description)
MIN_COVERAGE = 0.5
CONFIDENT = 0.65
MARGIN = 0.02            # an answer of another department this close to the top: not confident
EXACT_BONUS = 0.3
PHRASE_BONUS = 0.15
FILLER_TIE = 0.01        # a dropped filler word (投诉, 举报) found in the name: breaks ties only
KIND_BONUS = {"matter": 0.05, "pair": 0.1, "item": 0.0, "catalog": 0.0}
KIND_ORDER = {"matter": 0, "pair": 1, "item": 2, "catalog": 3}
CODE_MIN = 4             # letters and digits of the shortest code a query may name
CODE_PREFIX_MIN = 10     # a code's first part: this many characters, letters and digits both
CODE_SEPARATORS = "-_./"
# a stretch that may be a code: ASCII letters and digits, separators only between them
CODE_PATTERN = r"[a-z0-9](?:[a-z0-9]|[-_./](?=[a-z0-9]))*"
# a query holding one of these asks who supervises (after a licence): only then does an 审管 pair answer
SUPERVISION_CUES = ("监管", "监督", "检查", "批后", "证后", "许可后", "审批后", "审管", "后续管理", "后谁管",
                    "后归谁管", "后由谁管", "后谁来管", "后找谁")
FIELDS = (("name", 1.0), ("alias", 1.0), ("domain", 0.7), ("body", 0.6))
MAX_DEPARTMENTS = 5

# question words and filler a caller wraps around the matter (dropped when segmentation finds them)
FILLERS = (
    "归谁管", "归哪管", "谁来管", "谁负责", "谁管", "由谁管", "管不管", "有人管吗", "没人管", "无人管", "不管",
    "找谁", "找哪个部门", "找哪里", "哪个部门", "哪个单位", "哪个部门管", "哪里管", "哪管", "什么部门",
    "怎么办", "怎么处理", "如何处理", "怎么投诉", "怎么反映", "怎么",
    "投诉", "举报", "反映", "请问", "咨询", "我要", "我想", "想问", "问一下", "一下", "帮忙", "处理一下",
)
# words that carry no matter
STOPWORDS = (
    "我们", "我家", "他们", "有人", "有些", "这个", "那个", "这里", "那里", "这种", "什么", "为什么", "可以",
    "应该", "需要", "能否", "是否", "已经", "一直", "天天", "每天", "经常", "总是", "好几天", "几天",
    "非常", "特别", "严重", "很多", "好多", "太多", "现在", "晚上", "半夜", "白天", "早上", "附近", "旁边",
    "门口", "楼下", "楼上", "周边", "一路", "随手", "私自", "还有", "而且", "但是", "就是", "不是", "没有", "不了", "不能", "不让", "之后", "以后",
)
STOP_CHARS = "的了在有和与及或把被让给很太都也又还就是吗呢啊吧呀么我你他她它们这那个些里上下要想说能会可该谁哪啥咋怎如何为请一各每不没到从对向着过得地"
# words that say how bad, not what: they count, but lightly
WEAK = (
    "扰民", "乱", "问题", "情况", "现象", "行为", "违规", "违法", "管理", "监管", "治理", "整治", "处理", "查处",
    "小区", "路边", "马路", "街上", "老板", "商家", "居民", "市民", "不达标", "超标", "脏乱差", "不退", "退费",
    "乱扔", "乱丢", "乱倒", "乱贴", "乱放", "乱停", "乱停放", "乱停乱放",
    # how one deals with an office, not what about: they never name the department alone
    "补办", "办理", "申请", "查询", "领取", "预约", "提取", "登记", "缴纳", "报名",
)


def query_text(query) -> str:
    """The query as it is read: NFKC, its first ``MAX_QUERY`` characters, lower case."""
    return unicodedata.normalize("NFKC", str(query or ""))[:MAX_QUERY].lower()


def normalise(text: str) -> list[str]:
    """The query's chunks: NFKC, lower case, CJK ideographs and ASCII letters/digits only."""
    text = query_text(text)
    out, cur = [], []
    for ch in text:
        if is_cjk(ch) or ("a" <= ch <= "z") or ("0" <= ch <= "9"):
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def runs(chunk: str) -> list[tuple[str, bool]]:
    """A chunk split into runs of CJK (True) and of ASCII letters/digits (False)."""
    out: list[tuple[str, bool]] = []
    for ch in chunk:
        c = is_cjk(ch)
        if out and out[-1][1] == c:
            out[-1] = (out[-1][0] + ch, c)
        else:
            out.append((ch, c))
    return out


def segment(run: str, vocab, common=frozenset()) -> list[tuple[str, bool]]:
    """Pieces of a CJK run, each (text, known): most characters in known words, then fewest pieces,
    then the longest first word; leftover characters of a stretch joined into one unknown piece."""
    n = len(run)
    # best[i] = (covered, pieces, first length) for run[i:]
    covered = [0] * (n + 1)
    pieces = [0] * (n + 1)
    choice = [1] * (n + 1)
    for i in range(n - 1, -1, -1):
        bc, bp, bl = covered[i + 1], pieces[i + 1] + 1, 1
        for length in range(2, min(MAX_WORD, n - i) + 1):
            piece = run[i:i + length]
            if piece in vocab or piece in common:
                c, p = covered[i + length] + length, pieces[i + length] + 1
                if c > bc or (c == bc and (p < bp or (p == bp and length > bl))):
                    bc, bp, bl = c, p, length
        covered[i], pieces[i], choice[i] = bc, bp, bl
    out: list[tuple[str, bool]] = []
    i = 0
    while i < n:
        length = choice[i]
        piece = run[i:i + length]
        known = length > 1
        if not known and out and not out[-1][1] and not _stop_char(piece) and not _stop_char(out[-1][0][-1]):
            out[-1] = (out[-1][0] + piece, False)
        else:
            out.append((piece, known))
        i += length
    return out


def _stop_char(ch: str) -> bool:
    return len(ch) == 1 and ch in STOP_CHARS


@dataclass(frozen=True)
class Word:
    text: str
    weight: float
    alternatives: tuple[str, ...]


def content_words(query: str, vocab, synonyms: dict, common=frozenset()) -> list[Word]:
    """The query's content words, in order, each with its weight and alternatives (itself first).

    A word of the lists' vocabulary weighs 1 (a weak one ``LIGHT``); a word only of the common
    vocabulary, an unknown stretch or a single character weighs ``LIGHT``: words the lists never use
    cannot say which department it is, and a long description should not drown the words that can."""
    fillers, stops, weak = set(FILLERS), set(STOPWORDS), set(WEAK)
    words: list[Word] = []
    seen = set()
    for chunk in normalise(query):
        for text, cjk in runs(chunk):
            pieces = segment(text, vocab, common) if cjk else [(text, True)]
            for piece, known in pieces:
                if piece in stops or _stop_char(piece) or piece in seen:
                    continue
                seen.add(piece)
                if piece in fillers:          # not a content word; only breaks ties (投诉 → …投诉、举报受理)
                    words.append(Word(piece, 0.0, (piece,)))
                    continue
                if cjk and not known:
                    weight = NOISE
                elif len(piece) == 1 and cjk:
                    weight = NOISE
                elif piece in weak or len(piece) == 1 or piece not in vocab:
                    weight = LIGHT
                else:
                    weight = 1.0
                alts = (piece,) + tuple(a for a in synonyms.get(piece, ()) if a != piece)
                words.append(Word(piece, weight, alts))
    return words


@dataclass(frozen=True)
class Hit:
    """One content word of the query found in an entry: the word, the form found and the field."""
    word: str
    found: str
    via: str


def score(words: list[Word], fields: dict, kind: str):
    """(score, coverage, hits) of one entry, or None when it does not answer. ``fields``: field name ->
    list of texts (``alias``, ``name``, ``domain``, ``body``)."""
    total = got = 0.0
    full = False
    hits: list[Hit] = []
    tie = 0.0
    for w in words:
        if not w.weight:
            if any(w.text in t for t in fields.get("name") or ()):
                tie += FILLER_TIE
            continue
        total += w.weight
        best, via, found = 0.0, "", ""
        for name, weight in FIELDS:
            if weight <= best:
                continue
            for text in fields.get(name) or ():
                form = next((a for a in w.alternatives if a in text), None)
                if form is not None:
                    best, via, found = weight, name, form
                    break
        if best:
            got += w.weight * best
            hits.append(Hit(w.text, found, via))
            if w.weight == 1.0:
                full = True
    if not total:
        return None
    coverage = got / total
    if coverage < MIN_COVERAGE or not full:
        return None
    core = "".join(w.text for w in words if w.weight)
    bonus = KIND_BONUS.get(kind, 0.0) + tie
    names = list(fields.get("name") or ()) + list(fields.get("alias") or ())
    if core in names:
        bonus += EXACT_BONUS
    elif len(core) > 1 and any(core in t for t in names):
        bonus += PHRASE_BONUS
    return coverage + bonus, coverage, hits


def is_confident(scores_and_leads) -> bool:
    """Whether the first of ``[(score, lead), …]`` (ranked) is a confident answer."""
    if not scores_and_leads:
        return False
    top, lead = scores_and_leads[0]
    if top < CONFIDENT:
        return False
    return not any(other != lead and s > top - MARGIN for s, other in scores_and_leads[1:])


# ---- codes ---------------------------------------------------------------------------------------
_CODE_RE = re.compile(CODE_PATTERN)
_SEPARATORS = re.compile("[" + re.escape(CODE_SEPARATORS) + "]")


@dataclass(frozen=True)
class Code:
    """A stretch of the query that may be a code: as written (lower case) and compared (``key``)."""
    text: str
    key: str


def canonical_code(code) -> str:
    """A code as compared: NFKC, lower case, without separators; ``""`` unless it is then made of
    ASCII letters and digits only (such a code cannot be typed as one stretch)."""
    key = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(code or "")).lower())
    return key if key and all("a" <= c <= "z" or "0" <= c <= "9" for c in key) else ""


def code_tokens(query) -> list[Code]:
    """The stretches of the query that may be codes (at least ``CODE_MIN`` characters, one a digit)."""
    out = []
    for m in _CODE_RE.finditer(query_text(query)):
        key = canonical_code(m.group())
        if len(key) >= CODE_MIN and any("0" <= c <= "9" for c in key) and all(o.key != key for o in out):
            out.append(Code(m.group(), key))
    return out


def code_match(token: str, code: str) -> float | None:
    """The score of an entry whose code (compared form) is ``code`` for the query's stretch ``token``:
    the whole code ``1 + EXACT_BONUS``; its first part ``1`` when the part is long enough and holds
    letters and digits both (a number alone never matches by its first digits); else None."""
    if token == code:
        return 1.0 + EXACT_BONUS
    if (len(token) >= CODE_PREFIX_MIN and code.startswith(token) and any("a" <= c <= "z" for c in token)
            and any("0" <= c <= "9" for c in token)):
        return 1.0
    return None


def code_head(code: str, length: int) -> str:
    """The first part of ``code`` as written that holds ``length`` compared characters (how a first
    part the query gave is shown: 370199108XK004, not 370199108xk004)."""
    out, n = [], 0
    for ch in code:
        if n >= length:
            break
        out.append(ch)
        n += ch not in CODE_SEPARATORS
    return "".join(out)


def without_codes(query, used) -> str:
    """The query with the stretches whose compared form is in ``used`` (codes that answered) blanked."""
    return _CODE_RE.sub(lambda m: " " if canonical_code(m.group()) in used else m.group(), query_text(query))


def asks_supervision(query) -> bool:
    """Whether the query asks who supervises (one of ``SUPERVISION_CUES``): only then an 审管 pair answers."""
    text = query_text(query)
    return any(cue in text for cue in SUPERVISION_CUES)
