"""12345 hotline import: the realistic 2025 export, bad rows located at file:line:column, encodings,
re-import stability and hand-added fields kept."""
import shutil
from pathlib import Path

import pytest
import yaml

import policykit
from policykit.cli import main
from policykit.supervision.hotline import import_hotline, read_hotline_csv

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "hotline" / "12345-2025.csv"
BUNDLED = ROOT / "lists" / "problems" / "12345-2025.yaml"

BAD = """工单编号,受理时间,所属区县,诉求内容,承办单位,办理状态,疑难标签,归属事项
MH0001,2025-01-02 08:00:00,湖滨区,工地扬尘,市住房城乡建设局,已办结,推诿,建筑施工扬尘治理
,2025-01-03,湖滨区,缺编号,市城市管理局,已办结,,
MH0003,2025/13/40,湖滨区,日期错,市城市管理局,已办结,,
MH0004,2025-01-05,湖滨区,部门错,某物业公司；市公安局,已办结,,
MH0001,2025-01-06,湖滨区,重复编号,市公安局,已办结,,
MH0006,2025-01-07,湖滨区,"多行
内容",市公安局,完成了,踢皮球,
MH0007,2025-01-08,湖滨区,,市公安局,已办结,,
"""


@pytest.fixture(scope="module")
def repo():
    return policykit.open_repository(ROOT)


def test_realistic_export_imports_every_row(repo, tmp_path):
    result = import_hotline(FIXTURE, tmp_path / "12345-2025.yaml", repo)
    assert result.rows == 56 and len(result.imported) == 56 and result.skipped == [] and result.problems == []
    assert dict(result.tags) == {"推诿": 20, "多头": 8, "无人管": 3, "反复派单": 3, "超期办理": 1}
    assert dict(result.boundaries) == {"BJ-002": 3, "BJ-003": 2, "BJ-004": 3, "BJ-005": 2, "BJ-006": 4, "BJ-007": 2,
                                       "BJ-008": 3, "BJ-009": 2, "BJ-010": 6, "BJ-011": 11}
    data = yaml.safe_load((tmp_path / "12345-2025.yaml").read_text(encoding="utf-8"))
    assert data["batch"] == "12345-2025" and data["source"] == "12345" and data["imported_from"] == "12345-2025.csv"
    first = data["problems"][0]
    assert first == {"id": "RX-MH2501060113", "order_id": "MH2501060113", "date": __import__("datetime").date(2025, 1, 6),
                     "content": "湖滨路与青年街交叉口在建商业综合体工地未覆盖裸土，大风天扬尘严重，周边居民无法开窗",
                     "district": "湖滨区", "departments": ["zjj", "zhzfj"], "tags": ["推诿"],
                     "matter": "建筑施工扬尘治理", "boundary": "BJ-011", "status": "已办结"}
    multi = next(p for p in data["problems"] if p["id"] == "RX-MH2503180044")
    assert multi["content"] == "湖滨路工地扬尘问题再次反映：\n上次反映后只覆盖了一半裸土，仍有大量扬尘"
    assert multi["departments"] == ["zjj", "zhzfj", "sthjj"] and multi["tags"] == ["推诿", "反复派单"]
    # the short name with the city's 市 prefix, the full name base and the id all resolve
    late = next(p for p in data["problems"] if p["id"] == "RX-MH2512230828")
    assert late["tags"] == ["超期办理"] and late["status"] == "办理中" and late["departments"] == ["scjgj"]
    # matters without a boundary item stay unlinked
    assert not any("boundary" in p for p in data["problems"] if p.get("matter") == "餐饮油烟扰民")


def test_bundled_problems_file_is_exactly_a_reimport_with_hand_added_fields_kept(repo, tmp_path):
    out = tmp_path / "12345-2025.yaml"
    shutil.copy(BUNDLED, out)
    result = import_hotline(FIXTURE, out, repo)
    assert result.written == []                      # same bytes: nothing rewritten
    assert out.read_bytes() == BUNDLED.read_bytes()
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    by_id = {p["id"]: p for p in data["problems"]}
    assert by_id["RX-MH2504020158"]["dispute"] == "TC-2025-001"
    assert by_id["RX-MH2509090791"]["remark"] == "第三次反映后转市委编办调处"


def test_problems_missing_from_a_new_export_are_kept(repo, tmp_path):
    out = tmp_path / "p.yaml"
    out.write_text("batch: p\nsource: '12345'\nproblems:\n  - id: RX-OLD1\n    date: 2024-12-30\n"
                   "    content: 旧工单\n    departments: [gaj]\n", encoding="utf-8")
    csv = tmp_path / "p.csv"
    csv.write_text("工单编号,受理时间,诉求内容,承办单位\nN1,2025-01-01,新工单,市公安局\n", encoding="utf-8")
    result = import_hotline(csv, out, repo, batch="p")
    assert result.kept == ["RX-OLD1"]
    ids = [p["id"] for p in yaml.safe_load(out.read_text(encoding="utf-8"))["problems"]]
    assert ids == ["RX-N1", "RX-OLD1"]


def test_bad_rows_are_located_and_skipped(repo, tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text(BAD, encoding="utf-8")
    result = import_hotline(csv, tmp_path / "bad.yaml", repo)
    got = [(p.line, p.column, p.severity, p.message.split("，")[0]) for p in sorted(result.problems)]
    assert got == [
        (3, 1, "error", "缺少工单编号"),
        (4, 8, "error", "受理时间「2025/13/40」无法识别（如 2025-03-02 09:15:00）"),
        (5, 27, "warning", "承办单位「某物业公司」无法对应到部门名录中的部门"),   # left out; 市公安局 kept
        (6, 1, "error", "工单编号 MH0001 与第 2 行重复"),
        (8, 10, "warning", "办理状态「完成了」无法识别"),
        (8, 14, "warning", "标签「踢皮球」不是已知标签（反复派单、多头、推诿、无人管、职责交叉、超期办理）"),
        (9, 23, "error", "诉求内容为空"),
    ]
    assert all(p.file == str(csv) and p.rule == "HOTLINE-ROW" for p in result.problems)
    assert result.rows == 7 and result.imported == ["RX-MH0001", "RX-MH0004", "RX-MH0006"]
    assert [line for line, _ in result.skipped] == [3, 4, 6, 9]
    data = yaml.safe_load((tmp_path / "bad.yaml").read_text(encoding="utf-8"))
    assert data["problems"][1]["departments"] == ["gaj"]
    assert data["problems"][2]["content"] == "多行\n内容" and "status" not in data["problems"][2]
    assert "tags" not in data["problems"][2]


def test_cli_reports_bad_rows_in_chinese_with_exit_1(tmp_path, capsys):
    csv = tmp_path / "bad.csv"
    csv.write_text(BAD, encoding="utf-8")
    code = main(["problems", "import-hotline", str(csv), "--out", str(tmp_path / "o.yaml"), "--root", str(ROOT)])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    assert f"{csv}:5:27: 警告 [HOTLINE-ROW] 承办单位「某物业公司」无法对应到部门名录中的部门，已略去" in out
    assert "读取 7 行：导入 3 件，跳过 4 行（" in out and "Traceback" not in out


def test_gb18030_export_and_other_column_names(repo, tmp_path):
    csv = tmp_path / "gbk.csv"
    csv.write_bytes("工单号,来电时间,来电内容,承办部门,标签\nG1,2025年3月2日,路灯不亮,城市管理局,推诿扯皮、多头管理\n"
                    .encode("gb18030"))
    result = read_hotline_csv(csv, repo)
    assert result.problems == []
    rec = result.records[0]
    assert rec["id"] == "RX-G1" and str(rec["date"]) == "2025-03-02" and rec["departments"] == ["zhzfj"]
    assert rec["tags"] == ["推诿", "多头"]


def test_missing_columns_write_nothing(repo, tmp_path):
    csv = tmp_path / "x.csv"
    csv.write_text("编号,内容\n1,甲\n", encoding="utf-8")
    out = tmp_path / "x.yaml"
    result = import_hotline(csv, out, repo)
    assert [(p.line, p.rule, p.severity) for p in result.problems] == [(1, "HOTLINE-FILE", "error")]
    assert "缺少必需的列：受理时间、承办单位" in result.problems[0].message
    assert not out.exists()


def test_unreadable_and_undecodable_files_exit_2(tmp_path, capsys):
    code = main(["problems", "import-hotline", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o.yaml"),
                 "--root", str(ROOT)])
    _, err = capsys.readouterr()
    assert code == 2 and "无法读取 12345 工单文件" in err
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"\xff\xfe\x00\x81\x30\xff" * 3)
    code = main(["problems", "import-hotline", str(bad), "--out", str(tmp_path / "o.yaml"), "--root", str(ROOT)])
    _, err = capsys.readouterr()
    assert code == 2 and "编码" in err and "Traceback" not in err


def test_dry_run_writes_nothing(repo, tmp_path):
    out = tmp_path / "d.yaml"
    result = import_hotline(FIXTURE, out, repo, dry_run=True)
    assert len(result.imported) == 56 and not out.exists()


def test_an_unparseable_existing_output_is_not_overwritten(tmp_path, capsys):
    out = tmp_path / "p.yaml"
    out.write_text("problems: [未闭合\n", encoding="utf-8")
    code = main(["problems", "import-hotline", str(FIXTURE), "--out", str(out), "--root", str(ROOT)])
    _, err = capsys.readouterr()
    assert code == 2 and "输出文件已存在但无法解析，未做任何修改" in err
    assert out.read_text(encoding="utf-8") == "problems: [未闭合\n"
