"""adjustments.py: records as commit trailers, check --since, the hook, item history and the changelog."""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pytest

import gitrepo
from gitrepo import CLERK, Repo, copy_base
from policykit.history import adjustments as A
from policykit.lists import gitdoor as history
from policykit.cli import main
from policykit.errors import UsageError

BASE = Path(__file__).resolve().parents[1] / "rules" / "_base"
FOOD = "370199101XK00100"
AIR = "370199102CF00100"
RECORD = "调整类型: 机构改革\n调整事由: 职能划转\n调整依据: 明办发〔2024〕1号\n批准文号: 明编办〔2024〕2号\n"


git = functools.partial(gitrepo.run, date="2024-01-10T10:00:00+08:00", **CLERK)


class City(Repo):
    def __init__(self, root: Path):
        super().__init__(copy_base(root), date="2024-01-10T10:00:00+08:00", **CLERK)
        self.base = self.commit("初始清单")

    def move_food_to_sthjj(self, source="lists/powers/scjgj.yaml"):
        """Every item of the 市场监管局's list ``source`` moved to the 生态环境局's, to its 执法科."""
        p = self.root / source
        text = p.read_text(encoding="utf-8")
        head, items = text.split("items:\n")
        p.write_text(head + "items: []\n", encoding="utf-8")
        q = self.root / "lists/powers/sthjj.yaml"
        q.write_text(q.read_text(encoding="utf-8") + items.replace("unit: 食品安全科", "unit: 执法科"), encoding="utf-8")

    def swap_boundary_lead(self):
        b = "lists/boundaries/BJ-001.yaml"
        self.edit(b, "{department: sthjj, role: 牵头", "{department: sthjj, role: 配合")
        self.edit(b, "{department: scjgj, role: 配合", "{department: scjgj, role: 牵头")


@pytest.fixture
def city(tmp_path):
    return City(tmp_path / "city")


# ---- parsing records ------------------------------------------------------------------------------
def test_a_complete_record_in_chinese():
    [r] = A.parse_records("划转食品经营许可\n\n正文。\n\n" + RECORD)
    assert (r.type, r.reason, r.basis, r.approval, r.line, r.errors) == (
        "机构改革", "职能划转", "明办发〔2024〕1号", "明编办〔2024〕2号", 5, [])
    assert r.trailers() == RECORD


def test_english_keys_full_width_colons_aliases_and_continuation_lines():
    msg = ("Fix\n\nAdjustment-Type: law\nadjustment-reason: 《食品安全法》修正，\n  删除一项许可条件\n"
           "Adjustment-Basis：中华人民共和国食品安全法\nApproval-Number: 明编办〔2026〕3号\nSigned-off-by: 张三 <z@x.cn>\n")
    [r] = A.parse_records(msg)
    assert (r.type, r.reason, r.basis, r.approval, r.valid) == (
        "法律立改废", "《食品安全法》修正，删除一项许可条件", "中华人民共和国食品安全法", "明编办〔2026〕3号", True)
    [r] = A.parse_records("x\n\n调整类型：纠错\n调整事由：更正错别字\n")
    assert r.valid and r.type == "纠错" and r.approval is None  # 纠错 needs no approval


def test_several_records_and_a_squash_message_keep_every_record():
    squash = ("压缩合并 (#12)\n\nSquashed commit of the following:\n\ncommit 1111111\nAuthor: 张三\n\n"
              "    划转\n\n    调整类型: 机构改革\n    调整事由: 职能划转\n    调整依据: 明办发〔2024〕1号\n"
              "    批准文号: 明编办〔2024〕2号\n\ncommit 2222222\n\n    纠错\n\n    调整类型: 纠错\n    调整事由: 更正条款\n")
    records = A.parse_records(squash)
    assert [(r.type, r.reason, r.valid) for r in records] == [("机构改革", "职能划转", True), ("纠错", "更正条款", True)]


@pytest.mark.parametrize("message, errors", [
    ("x\n\n调整事由: 职能调整\n批准文号: 明编办〔2024〕2号\n", ["缺少「调整类型」 (missing 调整类型)"]),
    ("x\n\n调整类型: 改革\n调整事由: 职能调整\n批准文号: 明编办〔2024〕2号\n",
     ["调整类型「改革」无效，应为 法律立改废、机构改革、上级下放、职责调整、纠错、其他 之一 (unknown adjustment type)"]),
    ("x\n\n调整类型: 职责调整\n批准文号: 明编办〔2024〕2号\n", ["缺少「调整事由」：请写明为什么调整 (missing 调整事由)"]),
    ("x\n\n调整类型: 上级下放\n调整事由: 省级下放\n批准文号: 明编办〔2024〕2号\n",
     ["调整类型为「上级下放」时须写明「调整依据」（法律法规或文件） (missing 调整依据)"]),
    ("x\n\n调整类型: 职责调整\n调整事由: 理顺职责\n",
     ["缺少「批准文号」：除纠错外，调整须经编办批准，如 明编办〔2026〕3号 (missing 批准文号)"]),
    ("x\n\n调整类型: 职责调整\n调整事由: 理顺职责\n批准文号: 明编办[2024]2号\n",
     ["批准文号「明编办[2024]2号」应使用六角括号〔〕并以「号」结尾，如 明编办〔2026〕3号 (use 〔〕 in document numbers)"]),
    ("x\n\n调整类型: 职责调整\n调整事由: 理顺职责\n批准文号: 第二号\n",
     ["批准文号「第二号」格式不对，应如 明编办〔2026〕3号 (malformed document number)"]),
    ("x\n\n调整类型: 职责调整\n调整原因: 理顺职责\n批准文号: 明编办〔2024〕2号\n",
     ["未知的调整记录字段「调整原因」，应为「调整事由」 (unknown record key '调整原因')",
      "缺少「调整事由」：请写明为什么调整 (missing 调整事由)"]),
    ("x\n\n调整类型: 职责调整\n调整事由: <为什么调整>\n批准文号: 明编办〔2024〕2号\n",
     ["「调整事由」尚未填写（仍是模板占位内容）：<为什么调整> (placeholder left in the record)"]),
    ("x\n\n调整类型: 纠错\n调整事由: 更正\n调整事由: 再更正\n", ["「调整事由」重复出现 (duplicate 调整事由)"]),
])
def test_malformed_records_say_what_is_wrong(message, errors):
    [r] = A.parse_records(message)
    assert r.errors == errors and not r.valid


def test_messages_without_records_and_comment_lines():
    assert A.parse_records("改备注\n\n只是正文：没有记录。\n") == []
    cleaned = A.clean_message("改备注\n# 调整类型: 纠错\n# ------------------------ >8 ------------------------\n调整类型: x\n")
    assert cleaned == "改备注" and A.parse_records(cleaned) == []


# ---- check --since ----------------------------------------------------------------------------------
@pytest.fixture
def reviewed(city):
    """A history with every case check --since distinguishes."""
    c = city
    (c.root / "lists/powers/sthjj.yaml").write_text("department: sthjj\nitems: []\n", encoding="utf-8")
    c.abolish = c.commit("取消处罚事项", "2024-02-01T10:00:00+08:00")                      # major, no record
    c.edit("lists/powers/scjgj.yaml", "levels: [市级]", "levels: [市级, 县级]")
    c.commit("增加县级", "2024-02-02T10:00:00+08:00")                                    # minor, no record
    c.swap_boundary_lead()
    c.invalid = c.commit("调整油烟监管牵头部门\n\n调整类型: 职责调整\n调整事由: 理顺职责\n批准文号: 明编办[2024]2号\n",
                         "2024-02-03T10:00:00+08:00")                                   # major, invalid record
    c.git("checkout", "-q", "-b", "feature")
    c.move_food_to_sthjj()
    c.commit("划转食品经营许可\n\n" + RECORD, "2024-02-04T10:00:00+08:00")                 # major, valid record
    c.git("checkout", "-q", "main")
    c.git("merge", "-q", "--no-ff", "-m", "合并 feature", "feature", date="2024-02-05T10:00:00+08:00")
    c.git("checkout", "-q", "-b", "topic")
    c.edit("lists/boundaries/BJ-001.yaml", "{department: sthjj, role: 配合", "{department: sthjj, role: 牵头")
    c.edit("lists/boundaries/BJ-001.yaml", "{department: scjgj, role: 牵头", "{department: scjgj, role: 配合")
    c.commit("还原牵头部门\n\n" + RECORD, "2024-02-06T10:00:00+08:00")
    c.git("checkout", "-q", "main")
    c.git("merge", "-q", "--squash", "topic")
    squash_msg = (c.root / ".git" / "SQUASH_MSG").read_text(encoding="utf-8")
    c.commit("还原牵头部门 (#3)\n\n" + squash_msg, "2024-02-07T10:00:00+08:00")                # squash keeps records
    return c


def test_check_since_finds_missing_and_invalid_records_located_in_head(reviewed):
    problems = A.check_since(reviewed.root, reviewed.base)
    assert [(p.rule, p.file, p.line, p.column, p.path, p.severity) for p in problems] == [
        ("ADJ-RECORD-INVALID", "lists/boundaries/BJ-001.yaml", 4, 31, "$.departments[0].role", "error"),
        ("ADJ-RECORD-MISSING", "lists/powers/sthjj.yaml", 1, 1, "$", "error"),
    ]
    invalid, missing = problems
    assert invalid.message == (
        f"提交 {reviewed.invalid[:7]}「调整油烟监管牵头部门」（张三，2024-02-03）的调整记录（第 3 行起）无效："
        "批准文号「明编办[2024]2号」应使用六角括号〔〕并以「号」结尾，如 明编办〔2026〕3号 (use 〔〕 in document numbers) "
        "(invalid adjustment record)")
    assert missing.message.startswith(
        f"提交 {reviewed.abolish[:7]}「取消处罚事项」（张三，2024-02-01）：取消 权力事项 {AIR}「对超标排放大气污染物的处罚」"
        "（生态环境局），属重大调整，但提交说明没有调整记录")
    assert A.check_since(reviewed.root, reviewed.abolish)[0].rule == "ADJ-RECORD-INVALID"
    assert A.check_since(reviewed.root, reviewed.invalid) == []
    assert A.check_since(reviewed.root, "2024-02-03") == []   # a date names the state at the end of that day


def test_a_missing_record_is_located_at_the_item_in_head(city):
    city.move_food_to_sthjj()
    city.commit("划转但忘了记录", "2024-03-01T10:00:00+08:00")
    [p] = A.check_since(city.root, city.base)
    assert (p.rule, p.file, p.line, p.column, p.path) == ("ADJ-RECORD-MISSING", "lists/powers/sthjj.yaml", 16, 5,
                                                          "$.items[1]")
    assert "：划转 权力事项 370199101XK00100「食品经营许可」（生态环境局）" in p.message


def test_severity_override_and_off(city):
    city.move_food_to_sthjj()
    city.commit("划转但忘了记录", "2024-03-01T10:00:00+08:00")
    config = (BASE.parents[1] / "policykit.yaml").read_text(encoding="utf-8")
    config = config.replace("severity_overrides: {}", "severity_overrides: {ADJ-RECORD-MISSING: warning}")
    (city.root / "policykit.yaml").write_text(config, encoding="utf-8")
    city.commit("配置\n\n调整类型: 纠错\n调整事由: 配置\n", "2024-03-02T10:00:00+08:00")
    assert [p.severity for p in A.check_since(city.root, city.base)] == ["warning"]
    (city.root / "policykit.yaml").write_text(config.replace("ADJ-RECORD-MISSING: warning", "ADJ-RECORD-MISSING: \"off\""),
                                              encoding="utf-8")
    city.commit("关闭\n\n调整类型: 纠错\n调整事由: 配置\n", "2024-03-03T10:00:00+08:00")
    assert A.check_since(city.root, city.base) == []


def test_check_cli_with_since(reviewed, capsys):
    code = main(["check", str(reviewed.root), "--since", reviewed.base, "--engine", "oracle", "-q", "-f", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [p["rule"] for p in data["problems"] if p["rule"].startswith("ADJ-")] == ["ADJ-RECORD-INVALID",
                                                                                     "ADJ-RECORD-MISSING"]
    assert main(["check", str(reviewed.root), "--since", "nope", "-q"]) == 2
    assert "找不到修订「nope」" in capsys.readouterr().err


# ---- history of one item ----------------------------------------------------------------------------
@pytest.fixture
def travelled(city):
    """FOOD: file renamed, transferred to sthjj, re-coded, unit changed; BJ-001: mechanism edited."""
    c = city
    c.git("mv", "lists/powers/scjgj.yaml", "lists/powers/scjgj-powers.yaml")
    c.commit("文件改名", "2024-02-01T10:00:00+08:00")
    c.move_food_to_sthjj("lists/powers/scjgj-powers.yaml")
    c.commit("划转食品经营许可\n\n" + RECORD, "2024-03-01T10:00:00+08:00", author="李四")
    c.edit("lists/powers/sthjj.yaml", f'"{FOOD}"', '"370199102XK00100"')
    c.commit("按新部门重新编码\n\n调整类型: 纠错\n调整事由: 编码随部门变更\n", "2024-03-02T10:00:00+08:00")
    c.edit("lists/boundaries/BJ-001.yaml", "纳入部门履职评估", "纳入年度考核")
    c.commit("改督促落实", "2024-03-03T10:00:00+08:00")
    c.edit("lists/powers/sthjj.yaml", "sanding_duty: 2", "sanding_duty: 1")
    c.commit("改对应三定职责", "2024-03-04T10:00:00+08:00")
    return c


def test_log_follows_an_item_across_renames_transfers_and_new_codes(travelled):
    log = A.item_log(travelled.root, "370199102XK00100")
    assert (log.object, log.key, log.name) == ("power", "370199102XK00100", "食品经营许可")
    assert [(e.commit.subject, e.commit.author, e.commit.committed[:10], [c.types for c in e.changes])
            for e in log.entries] == [
        ("改对应三定职责", "张三", "2024-03-04", [["三定职责对应变更"]]),
        ("按新部门重新编码", "张三", "2024-03-02", [["编码变更"]]),
        ("划转食品经营许可", "李四", "2024-03-01", [["划转", "承办机构变更"]]),
        ("初始清单", "张三", "2024-01-10", [["新增"]]),
    ]
    transfer = log.entries[2]
    assert [(r.type, r.approval) for r in transfer.records] == [("机构改革", "明编办〔2024〕2号")]
    assert [(f.field, f.before, f.after) for f in transfer.changes[0].fields] == [
        ("department", "scjgj", "sthjj"), ("unit", "食品安全科", "执法科")]
    recode = log.entries[1].changes[0]
    assert (recode.previous_key, recode.key) == (FOOD, "370199102XK00100")
    assert log.entries[3].records == []
    # the old code, a name and an earlier starting point find the same history
    by_old = A.item_log(travelled.root, FOOD)   # a former code: the whole life under the latest code
    assert (by_old.key, by_old.asked, by_old.former_keys) == ("370199102XK00100", FOOD, [FOOD])
    assert [e.commit.subject for e in by_old.entries] == [e.commit.subject for e in log.entries]
    assert A.item_log(travelled.root, "食品经营许可").key == "370199102XK00100"
    at = A.item_log(travelled.root, FOOD, at="HEAD~3")
    assert [e.commit.subject for e in at.entries] == ["划转食品经营许可", "初始清单"]


def test_log_of_a_boundary_matter_and_a_department(travelled):
    log = A.item_log(travelled.root, "BJ-001")
    assert [(e.commit.subject, [(c.object, c.types) for c in e.changes]) for e in log.entries] == [
        ("改督促落实", [("mechanism", ["协调机制变更"])]),
        ("初始清单", [("boundary", ["新增"])]),
    ]
    assert [e.commit.subject for e in A.item_log(travelled.root, "sthjj").entries] == ["初始清单"]
    with pytest.raises(UsageError, match="找不到事项「没有这个」"):
        A.item_log(travelled.root, "没有这个")


def test_log_cli_text_and_json(travelled, capsys):
    assert main(["log", "370199102XK00100", "--root", str(travelled.root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("权力事项 370199102XK00100「食品经营许可」 的调整历史（4 次提交）\n")
    assert "  调整记录：机构改革 · 事由：职能划转 · 依据：明办发〔2024〕1号 · 文号：明编办〔2024〕2号\n" in out
    assert "    所属部门：市场监管局 → 生态环境局\n" in out
    assert "    事项编码：370199101XK00100 → 370199102XK00100\n" in out
    assert main(["log", "BJ-001", "--root", str(travelled.root), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [e["subject"] for e in data["entries"]] == ["改督促落实", "初始清单"]


# ---- changelog of a period --------------------------------------------------------------------------
@pytest.fixture
def period(city):
    c = city
    c.edit("lists/powers/scjgj.yaml", "unit: 食品安全科", "unit: 办公室")
    c.commit("改承办机构\n\n调整类型: 职责调整\n调整事由: 内设机构职责调整\n批准文号: 明编办〔2024〕5号\n",
             "2024-02-15T10:00:00+08:00")
    c.edit("lists/powers/scjgj.yaml", "levels: [市级]", "levels: [市级, 县级]")
    c.commit("增加县级", "2024-03-20T10:00:00+08:00")
    c.git("checkout", "-q", "-b", "feature")
    c.move_food_to_sthjj()
    c.commit("划转食品经营许可\n\n" + RECORD, "2024-05-01T10:00:00+08:00")     # written in May …
    c.git("checkout", "-q", "main")
    c.git("merge", "-q", "--no-ff", "-m", "合并划转", "feature", date="2024-07-02T10:00:00+08:00")  # … merged in July
    c.swap_boundary_lead()
    c.commit("调整牵头部门\n\n" + RECORD, "2024-07-10T10:00:00+08:00")
    return c


def test_changelog_lists_what_reached_the_branch_in_the_period(period):
    first = A.changelog(period.root, "2024-02-01", "2024-06-30")
    assert [(e.commit.subject, [(c.key, c.types) for c in e.changes]) for e in first.entries] == [
        ("改承办机构", [(FOOD, ["承办机构变更"])]),
        ("增加县级", [(FOOD, ["实施层级变更"])]),
    ]
    assert first.base == period.base and first.net.summary()["total"] == 1
    second = A.changelog(period.root, "2024-07-01")
    assert [(e.commit.subject, e.commit.committed[:10]) for e in second.entries] == [
        ("划转食品经营许可", "2024-05-01"), ("调整牵头部门", "2024-07-10")]
    assert [(c.key, c.types) for c in second.net.changes] == [(FOOD, ["划转"]),
                                                              ("BJ-001", ["牵头部门变更"])]
    everything = A.changelog(period.root, "2024-01-01")
    assert everything.base is None and len(everything.entries) == 5
    with pytest.raises(UsageError, match="早于"):
        A.changelog(period.root, "2024-03-01", "2024-02-01")


def test_changelog_markdown_and_json(period, capsys):
    assert main(["changelog", "--since", "2024-02-01", "--until", "2024-06-30", "--root", str(period.root)]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# 示例市职责清单动态调整情况（2024-02-01 至 2024-06-30）\n\n本期共 2 次调整提交、1 条调整记录；"
                         "与期初相比净变化 1 项。\n")
    assert "## 1. 2024-02-15 · 职责调整 · 明编办〔2024〕5号\n" in md and "## 2. 2024-03-20 · 未附调整记录\n" in md
    assert "| 权责清单 | 市场监管局 | `370199101XK00100` 食品经营许可 | 承办机构变更 | 承办机构：食品安全科 → 办公室 |" in md
    assert main(["changelog", "--since", "2024-07-01", "--root", str(period.root), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [e["subject"] for e in data["entries"]] == ["划转食品经营许可", "调整牵头部门"]
    assert data["entries"][0]["records"][0]["type"] == "机构改革" and data["net"]["summary"]["levels"]["major"] == 2
    assert main(["changelog", "--since", "2024-13-01", "--root", str(period.root)]) == 2


# ---- helping the clerk: template, hook, adjust --------------------------------------------------------
def test_template_and_record_builder(capsys, city):
    assert main(["adjust", "--template"]) == 0
    out = capsys.readouterr().out
    assert "# 调整类型: 法律立改废 | 机构改革 | 上级下放 | 职责调整 | 纠错 | 其他\n" in out
    assert A.parse_records(A.clean_message(out)) == []     # the template itself records nothing
    assert main(["adjust", "--type", "reform", "--reason", "职能划转", "--basis", "明办发〔2024〕1号",
                 "--approval", "明编办〔2024〕2号"]) == 0
    assert capsys.readouterr().out == RECORD
    assert main(["adjust", "--type", "职责调整", "--reason", "x"]) == 1
    assert "缺少「批准文号」" in capsys.readouterr().err
    city.swap_boundary_lead()
    git(city.root, "add", "-A")
    assert main(["adjust", "--root", str(city.root)]) == 0
    out = capsys.readouterr().out
    assert "[重大] 牵头部门变更 BJ-001 餐饮油烟污染监管" in out and "本次提交须附调整记录" in out


def _commit(root, message, date="2024-04-01T10:00:00+08:00"):
    git(root, "add", "-A")
    return git(root, "commit", "-q", "-m", message, date=date, check=False)


def test_commit_msg_hook_rejects_a_major_change_without_a_record(city):
    done = A.install_hook(city.root)
    hook = city.root / ".git" / "hooks" / "commit-msg"
    assert done[0] == f"已安装 commit-msg 钩子：{hook}" and os.access(hook, os.X_OK)
    template = city.root / ".git" / A.TEMPLATE_NAME
    assert city.git("config", "--get", "commit.template").strip() == str(template)
    city.move_food_to_sthjj()
    result = _commit(city.root, "划转")
    assert result.returncode != 0
    assert "本次提交含 1 项重大调整，但提交说明中没有调整记录" in result.stderr
    assert "划转、承办机构变更 权力事项 370199101XK00100「食品经营许可」（生态环境局）" in result.stderr
    result = _commit(city.root, "划转\n\n调整类型: 机构改革\n调整事由: 职能划转\n批准文号: 明编办[2024]2号\n")
    assert result.returncode != 0 and "应使用六角括号" in result.stderr
    assert _commit(city.root, "划转\n\n" + RECORD).returncode == 0
    city.edit("lists/powers/sthjj.yaml", "levels: [市级]", "levels: [县级]")
    assert _commit(city.root, "改层级（一般调整，无需记录）").returncode == 0
    assert len(history.commits(city.root, "HEAD")) == 3


def test_install_hook_respects_an_existing_hook(city):
    hook = city.root / ".git" / "hooks" / "commit-msg"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    with pytest.raises(UsageError, match="已有 commit-msg 钩子"):
        A.install_hook(city.root)
    A.install_hook(city.root, force=True)
    assert A.HOOK_MARK in hook.read_text(encoding="utf-8")
    A.install_hook(city.root)  # ours: replaced without --force


def test_check_message_cli(city, tmp_path, capsys):
    msg = tmp_path / "MSG"
    msg.write_text("改备注\n\n调整类型: 其它\n", encoding="utf-8")
    assert main(["adjust", "--root", str(city.root), "--check-message", str(msg), "--no-staged"]) == 1
    err = capsys.readouterr().err
    assert "调整类型「其它」无效" in err and "git commit --no-verify" in err
    msg.write_text("fixup! 划转\n", encoding="utf-8")
    city.move_food_to_sthjj()
    git(city.root, "add", "-A")
    assert main(["adjust", "--root", str(city.root), "--check-message", str(msg)]) == 0


def test_check_since_with_at_stops_at_that_revision(reviewed, capsys):
    """``--at`` names the head of the range ``--since`` checks, not only the lists checked."""
    code = main(["check", str(reviewed.root), "--at", reviewed.abolish, "--since", reviewed.base,
                 "--engine", "oracle", "-q", "-f", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [p["rule"] for p in data["problems"] if p["rule"].startswith("ADJ-")] == ["ADJ-RECORD-MISSING"]


# ---- history of a supervision record ----------------------------------------------------------------
@pytest.fixture(scope="module")
def records_city(tmp_path_factory):
    """The bundled city under git: a body's members changed, then the body cut, a dispute decided and
    another body's file deleted; then a finding added to a supervision."""
    from test_diff_supervision import DECISION, OPEN_FINDING, Bundled
    c = Bundled(tmp_path_factory.mktemp("log") / "city")
    c.commit("初始清单", "2025-12-01T10:00:00+08:00")
    c.edit("lists/bodies/YT-002.yaml", "  - department: wsjkw\n", "  - department: wsjkw\n  - department: nyncj\n")
    c.commit("安委会增加成员单位", "2025-12-15T10:00:00+08:00")
    c.edit("lists/bodies/YT-002.yaml", "status: 存续",
           "status: 撤销\nabolished:\n  date: 2026-01-08\n  document: 明编发〔2026〕1号\n  reason: 职责并入市应急管理委员会")
    c.edit("lists/disputes/TC-2025-002.yaml", "status: 协调中\n", DECISION)
    c.path("lists/bodies/YT-011.yaml").unlink()
    c.commit("撤销安委会、裁定油烟争议\n\n调整类型: 机构改革\n调整事由: 精简议事协调机构\n批准文号: 明编办〔2026〕3号\n",
             "2026-01-08T10:00:00+08:00")
    c.edit("lists/supervision/DD-2026-001.yaml", "findings: []\n", OPEN_FINDING)
    c.commit("督导发现问题", "2026-01-12T10:00:00+08:00")
    return c


def _kinds(log):
    return [(e.commit.subject, [(c.object, c.key, c.types) for c in e.changes]) for e in log.entries]


def test_log_of_a_coordination_body_and_a_dispute(records_city):
    root = records_city.root
    log = A.item_log(root, "YT-002")
    assert (log.object, log.key, log.name) == ("body", "YT-002", "明湖市安全生产委员会")
    assert _kinds(log) == [
        ("撤销安委会、裁定油烟争议", [("body", "YT-002", ["撤销"])]),
        ("安委会增加成员单位", [("body", "YT-002", ["成员单位变更"])]),
        ("初始清单", [("body", "YT-002", ["新增"])]),
    ]
    assert [(r.type, r.approval) for r in log.entries[0].records] == [("机构改革", "明编办〔2026〕3号")]
    assert [(f.field, f.before, f.after) for f in log.entries[0].changes[0].fields][:2] == [
        ("status", "存续", "撤销"), ("abolished.date", None, "2026-01-08")]
    dispute = A.item_log(root, "TC-2025-002")
    assert dispute.object == "dispute" and dispute.name == "餐饮油烟扰民"
    assert _kinds(dispute) == [("撤销安委会、裁定油烟争议", [("dispute", "TC-2025-002", ["争议裁定"])]),
                               ("初始清单", [("dispute", "TC-2025-002", ["新增"])])]
    # as of an earlier revision, the later commits are not there
    assert [e.commit.subject for e in A.item_log(root, "YT-002", at="HEAD~2").entries] == [
        "安委会增加成员单位", "初始清单"]


def test_log_of_a_deleted_record_a_supervision_and_its_finding(records_city):
    root = records_city.root
    gone = A.item_log(root, "YT-011")                  # no longer in the lists: known from its history
    assert gone.object == "body" and gone.name
    assert _kinds(gone) == [("撤销安委会、裁定油烟争议", [("body", "YT-011", ["取消"])]),
                            ("初始清单", [("body", "YT-011", ["新增"])])]
    sup = A.item_log(root, "DD-2026-001")              # a supervision's log shows its findings too
    assert sup.object == "supervision"
    assert _kinds(sup) == [("督导发现问题", [("finding", "DD-2026-001#1", ["新增"])]),
                           ("初始清单", [("supervision", "DD-2026-001", ["新增"])])]
    finding = A.item_log(root, "DD-2026-001#1")
    assert (finding.object, finding.name) == ("finding", "执法检查计划未按季度公示")
    assert _kinds(finding) == [("督导发现问题", [("finding", "DD-2026-001#1", ["新增"])])]
    indicator = A.item_log(root, "ZB-2025|1.3.1")
    assert indicator.object == "indicator" and _kinds(indicator) == [
        ("初始清单", [("indicator", "ZB-2025|1.3.1", ["新增"])])]
    for unknown in ("YT-999", "DD-2026-001#9"):
        with pytest.raises(UsageError, match=f"找不到事项「{unknown}」"):
            A.item_log(root, unknown)
    # the lists' own keys still mean what they meant
    assert A.item_log(root, "yjglj").object == "department"
    assert A.item_log(root, "370199101XK00101").object == "power"


def test_log_cli_of_a_body(records_city, capsys):
    assert main(["log", "YT-002", "--root", str(records_city.root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("议事协调机构 YT-002「明湖市安全生产委员会」 的调整历史（3 次提交）\n")
    assert "  撤销（重大） · lists/bodies/YT-002.yaml:1\n" in out
    assert "    状态：存续 → 撤销\n" in out
    assert main(["log", "DD-2026-001", "--root", str(records_city.root), "-f", "markdown"]) == 0
    md = capsys.readouterr().out
    assert "- 督导问题 DD-2026-001#1「执法检查计划未按季度公示」 · 新增（一般） · lists/supervision/DD-2026-001.yaml:" in md
    assert main(["log", "TC-2025-002", "--root", str(records_city.root), "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["object"], data["object_label"]) == ("dispute", "职责争议")
    assert [c["types"] for e in data["entries"] for c in e["changes"]] == [["争议裁定"], ["新增"]]
    assert main(["log", "YT-999", "--root", str(records_city.root)]) == 2
    assert "找不到事项「YT-999」" in capsys.readouterr().err
