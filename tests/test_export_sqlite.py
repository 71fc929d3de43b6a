"""`policykit export --format sqlite`: the whole city as one SQLite file with keys, and the
spreadsheet/CSV export of every list kind. The SQLite file is read back with the standard library's
sqlite3, the spreadsheets with openpyxl; the questions people ask are asked in SQL and compared
with the library's answers."""
from __future__ import annotations

import csv
import io
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

import policykit
from gitrepo import Repo
from policykit.cli import main
from policykit.io import cells
from policykit.io.sqlite_export import export_sqlite
from policykit.io.tables import KINDS, city_tables

from conftest import git

ROOT = Path(__file__).resolve().parents[1]   # the bundled city 明湖市

LEAD_OF = """
    SELECT d.id, d.name FROM boundary_matters b
    JOIN boundary_roles r ON r.matter = b.id AND r.role = '牵头'
    JOIN departments d ON d.id = r.department
    WHERE b.name = ?"""
UNCLAIMED = """
    SELECT i.catalog, i.code FROM catalog_items i
    LEFT JOIN catalog_claims c ON c.catalog = i.catalog AND c.code = i.code AND c.role = '牵头'
    GROUP BY i.catalog, i.code HAVING count(c.department) != 1 ORDER BY i.catalog, i.code"""
PER_CATEGORY = """
    SELECT d.id, p.category, count(*) FROM power_items p JOIN departments d ON d.id = p.department
    GROUP BY d.id, p.category"""


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    repo = policykit.open_repository(ROOT)
    path = tmp_path_factory.mktemp("sqlite") / "city.sqlite"
    assert main(["export", "--root", str(ROOT), "--format", "sqlite", "-o", str(path),
                 "--include-personal-data"]) == 0
    con = sqlite3.connect(path)
    yield repo, con
    con.close()


def _tables(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def test_every_kind_has_its_tables_each_with_a_primary_key(bundled):
    repo, con = bundled
    names = set(_tables(con))
    for table in ("departments", "units", "main_duties", "power_items", "power_item_basis", "unit_duties",
                  "unit_duty_tasks", "boundary_matters", "boundary_roles", "catalog_items", "catalog_claims", "laws",
                  "law_versions", "waivers", "performance_ledgers", "performance_entries", "supervisions",
                  "supervision_findings", "problems", "disputes", "dispute_parties", "indicator_systems", "indicators",
                  "evaluations", "evaluation_scores", "bodies", "body_members", "divisions", "division_items", "meta"):
        assert table in names, table
    for table in names:
        pk = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[5]]
        assert pk, f"{table} has no primary key"
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # every table's Chinese title and every column's, for readers of the file
    titled = {r[0] for r in con.execute("SELECT table_name FROM table_titles")}
    assert titled == names - {"meta", "column_titles", "table_titles"}
    assert con.execute("SELECT title FROM column_titles WHERE table_name = 'power_items' AND column_name = 'code'"
                       ).fetchone() == ("事项编码",)


def test_foreign_keys_are_declared_and_the_bundled_city_has_no_dangling_reference(bundled):
    _, con = bundled
    fks = {(r[2], r[3], r[4]) for r in con.execute('PRAGMA foreign_key_list("power_items")')}
    assert ("departments", "department", "id") in fks and ("categories", "category", "name") in fks
    assert ("units", "unit", "name") in fks          # the (department, unit) pair
    roles = {(r[2], r[3]) for r in con.execute('PRAGMA foreign_key_list("boundary_roles")')}
    assert roles == {("boundary_matters", "matter"), ("departments", "department")}
    claims = {r[2] for r in con.execute('PRAGMA foreign_key_list("catalog_claims")')}
    assert claims == {"catalog_items", "departments"}
    assert {r[2] for r in con.execute('PRAGMA foreign_key_list("supervision_problems")')} == {"supervisions", "problems"}
    # a work process belongs to a unit duty of the 职责任务清单: (department, unit, no)
    duty = [(r[3], r[4]) for r in con.execute('PRAGMA foreign_key_list("processes")') if r[2] == "unit_duties"]
    assert duty == [("department", "department"), ("duty_unit", "unit"), ("duty_no", "no")]
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []


def test_the_file_holds_what_the_model_holds(bundled):
    repo, con = bundled
    count = lambda t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]   # noqa: E731
    assert count("departments") == len(repo.departments)
    assert count("department_events") == sum(len(d.lifecycle) for d in repo.departments.values()) > 0
    # the 俗称 the 编办 keeps, so that a reader of the file finds a matter by the words callers use
    written = {(b.id, a) for b in repo.boundaries for a in repo.documents[b.source.file].data.get("aliases") or ()}
    assert set(con.execute("SELECT matter, alias FROM boundary_aliases")) == written and written
    assert count("department_aliases") == sum(len(d.aliases) for d in repo.departments.values())
    assert count("power_items") == len(repo.power_items) > 200
    assert count("unit_duties") == len(repo.unit_duties)
    assert count("boundary_matters") == len(repo.boundaries)
    assert count("boundary_roles") == sum(len(b.roles) for b in repo.boundaries)
    assert count("catalog_items") == len(repo.catalog_items)
    assert count("laws") == len(repo.laws)
    assert count("problems") == sum(len(d.get("problems") or ()) for _, d in repo.records["problem"]) > 0
    assert count("supervisions") == len(repo.records["supervision"])
    assert count("processes") == len(repo.processes) > 0 and count("approval_supervision") == len(repo.approval_pairs)
    assert count("process_steps") == sum(len(p.steps) for p in repo.processes)
    item = repo.power_items[0]
    row = con.execute("SELECT department, name, category, unit, status, file FROM power_items WHERE code = ?",
                      (item.code,)).fetchone()
    assert row == (item.department, item.name, item.category, item.unit, item.status, item.source.file)
    basis = con.execute("SELECT level, title, article FROM power_item_basis WHERE item = ? ORDER BY seq",
                        (item.code,)).fetchall()
    assert basis == [(b.level, b.title, b.article) for b in item.legal_basis]
    # every file that loaded is in the file (kinds without tables of their own as JSON in other_records)
    in_file = {f for t in _tables(con) if "file" in [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')]
               for (f,) in con.execute(f'SELECT DISTINCT file FROM "{t}"')}
    broken = {p.file for p in repo.load_problems if p.severity == "error"}
    missing = set(repo.kinds) - broken - in_file
    assert all(repo.kinds[f] == "waivers" for f in missing), missing     # a waivers file without waivers
    meta = dict(con.execute("SELECT key, value FROM meta"))
    assert meta["city"] == "明湖市" and meta["format"] == "policykit-sqlite/1"


def test_join_which_department_leads_a_matter(bundled):
    repo, con = bundled
    for b in repo.boundaries:
        rows = con.execute(LEAD_OF, (b.name,)).fetchall()
        assert [r[0] for r in rows] == ([b.lead] if b.lead else [r.department for r in b.roles if r.role == "牵头"])
    rows = con.execute(LEAD_OF, ("应急物资保障",)).fetchall()
    assert rows == [("yjglj", repo.departments["yjglj"].name)] and repo.lead_of("应急物资保障") == "yjglj"


def test_join_unclaimed_catalogue_items(bundled, city, tmp_path):
    repo, con = bundled      # the bundled city: every item claimed by one lead
    assert con.execute(UNCLAIMED).fetchall() == sorted((c.catalog, c.code) for c in repo.unclaimed_catalog_items())
    catalog = (ROOT / "rules/_base/lists/catalogs/hlwjg.yaml").read_text("utf-8") + """\
  - code: JG-002
    name: 无人认领的事项
    claims: []
  - code: JG-003
    name: 两个部门都牵头的事项
    claims:
      - {department: scjgj, role: 牵头}
      - {department: sthjj, role: 牵头}
  - code: JG-004
    name: 只有配合部门的事项
    claims:
      - {department: sthjj, role: 配合}
"""
    repo = policykit.open_repository(city({"lists/catalogs/hlwjg.yaml": catalog}))
    assert not [p for p in repo.load_problems if p.severity == "error"]
    export_sqlite(repo, tmp_path / "c.sqlite")
    unclaimed = sqlite3.connect(tmp_path / "c.sqlite").execute(UNCLAIMED).fetchall()
    assert unclaimed == [("hlwjg", "JG-002"), ("hlwjg", "JG-003"), ("hlwjg", "JG-004")]
    assert unclaimed == sorted((c.catalog, c.code) for c in repo.unclaimed_catalog_items())


def test_join_items_per_category_per_department(bundled):
    repo, con = bundled
    counted = {(d, c): n for d, c, n in con.execute(PER_CATEGORY)}
    expected = {(d, c): len(items) for d in repo.departments for c, items in repo.items_by_category(d).items()}
    assert counted == expected and len(counted) > 20


def test_strings_are_data_not_sql_and_formulas_stay_text(city, tmp_path):
    nasty = "x'); DROP TABLE departments; --"
    root = city({"lists/powers/scjgj.yaml": (BASE_POWERS.replace("name: 食品经营许可", f'name: "{nasty}"')
                                            .replace("unit: 食品安全科", "unit: 食品安全科\n    remark: '=HYPERLINK(\"x\")'"))})
    repo = policykit.open_repository(root)
    assert not [p for p in repo.load_problems if p.severity == "error"]
    out = tmp_path / "c.sqlite"
    export_sqlite(repo, out)
    con = sqlite3.connect(out)
    assert con.execute("SELECT name, remark FROM power_items WHERE code = '370199101XK00100'").fetchone() == \
        (nasty, '=HYPERLINK("x")')
    assert con.execute("SELECT count(*) FROM departments").fetchone()[0] == len(repo.departments)


def test_a_repeated_key_is_left_out_and_said(city, tmp_path, capsys):
    second = (BASE_POWERS.split("items:\n", 1)[1].replace("name: 食品经营许可", "name: 重复的事项")
              .replace("审查责任：审查申请材料]", "审查责任：审查申请材料, 决定责任：作出决定]"))
    root = city({"lists/powers/scjgj.yaml": BASE_POWERS + second})
    out = tmp_path / "c.sqlite"
    assert main(["export", "--root", str(root), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "power_items 有 1 行的主键与前面的行重复" in err
    con = sqlite3.connect(out)
    assert con.execute("SELECT name FROM power_items WHERE code = '370199101XK00100'").fetchone() == ("食品经营许可",)
    # the second item's rows are not attached to the first
    assert [r[0] for r in con.execute("SELECT text FROM power_item_responsibilities WHERE item = '370199101XK00100' "
                                      "ORDER BY seq")] == ["受理责任：依法受理申请", "审查责任：审查申请材料"]
    assert "power_item_responsibilities" not in err


def test_at_a_revision(city, tmp_path):
    root = city.root
    Repo(root).commit("一")
    first = git(root, "rev-parse", "HEAD").strip()
    city({"lists/powers/scjgj.yaml": BASE_POWERS + BASE_POWERS.split("items:\n", 1)[1]
          .replace("370199101XK00100", "370199101XK00200").replace("name: 食品经营许可", "name: 新增许可")})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "二")
    old, new = tmp_path / "old.sqlite", tmp_path / "new.sqlite"
    assert main(["export", "--root", str(root), "--at", first, "-o", str(old)]) == 0
    assert main(["export", "--root", str(root), "-o", str(new)]) == 0
    q = "SELECT code FROM power_items WHERE department = 'scjgj' ORDER BY code"
    assert [r[0] for r in sqlite3.connect(old).execute(q)] == ["370199101XK00100"]
    assert [r[0] for r in sqlite3.connect(new).execute(q)] == ["370199101XK00100", "370199101XK00200"]
    assert dict(sqlite3.connect(old).execute("SELECT key, value FROM meta"))["revision"] == first
    # as of a date (valid time): today the second commit is in force; a bad date is a usage error
    import datetime
    today = datetime.date.today().isoformat()
    dated = tmp_path / "dated.sqlite"
    assert main(["export", "--root", str(root), "--as-of", today, "-o", str(dated)]) == 0
    assert [r[0] for r in sqlite3.connect(dated).execute(q)] == ["370199101XK00100", "370199101XK00200"]
    assert dict(sqlite3.connect(dated).execute("SELECT key, value FROM meta"))["as_of"] == today
    assert main(["export", "--root", str(root), "--as-of", "2025-02-30", "-o", str(dated)]) == 2


def test_personal_data_only_when_asked(tmp_path):
    public, full = tmp_path / "public.sqlite", tmp_path / "full.sqlite"
    assert main(["export", "--root", str(ROOT), "-o", str(public)]) == 0
    assert main(["export", "--root", str(ROOT), "-o", str(full), "--include-personal-data"]) == 0
    q = "SELECT count(*) FROM problems WHERE order_id IS NOT NULL"
    assert sqlite3.connect(full).execute(q).fetchone()[0] > 0
    assert sqlite3.connect(public).execute(q).fetchone()[0] == 0
    # the renamed problem ids are renamed in the references too
    assert sqlite3.connect(public).execute("PRAGMA foreign_key_check").fetchall() == []
    ids = [r[0] for r in sqlite3.connect(public).execute("SELECT id FROM problems")]
    assert not any("MH25" in i for i in ids)


def test_sqlite_refuses_a_kind(tmp_path, capsys):
    assert main(["export", "--root", str(ROOT), "--format", "sqlite", "--kind", "tasks",
                 "-o", str(tmp_path / "x.db")]) == 2
    assert "SQLite 导出总是包含全部清单和记录" in capsys.readouterr().err


# ---- xlsx and CSV for every list kind -----------------------------------------------------------
def _text(v) -> str:
    if isinstance(v, float) and v.is_integer():   # xlsx keeps 100.0 as the number 100
        v = int(v)
    return "" if v is None else str(v)


@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"records"}))
def test_every_kind_as_xlsx_read_back_with_openpyxl(kind, tmp_path):
    from openpyxl import load_workbook
    repo = policykit.open_repository(ROOT)
    out = tmp_path / f"{kind}.xlsx"
    assert main(["export", "--root", str(ROOT), "--kind", kind, "--layout", "tables", "-o", str(out),
                 "--include-personal-data"]) == 0
    wb = load_workbook(out)
    tables = city_tables(repo, {kind})
    assert len(wb.sheetnames) == len(tables)
    for ws, table in zip(wb.worksheets, tables):
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0][0] == f"明湖市{table.title}"
        assert list(rows[1]) == table.header
        assert [[_text(v) for v in r] for r in rows[2:]] == [[_text(v) for v in r] for r in table.rows]
        for row in ws.iter_rows(min_row=3):
            for c in row:
                assert c.data_type != "f"


def test_kinds_as_csv_and_no_formula_cell(city, tmp_path):
    root = city({"lists/tasks/scjgj.yaml": (ROOT / "rules/_base/lists/tasks/scjgj.yaml").read_text("utf-8")
                 .replace("负责文电、会务和档案工作", "'=1+2'", 1)})
    repo = policykit.open_repository(root)
    assert not [p for p in repo.load_problems if p.severity == "error"]
    out = tmp_path / "csv"
    assert main(["export", "--root", str(root), "--kind", "tasks", "--layout", "tables", "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["unit_duties.csv", "unit_duty_tasks.csv"]
    rows = list(csv.reader(io.StringIO((out / "unit_duties.csv").read_text("utf-8-sig"))))
    assert rows[0][:5] == ["部门标识", "内设机构", "序号", "对应三定职责", "职责内容"]
    assert rows[1][4] == "'=1+2" and cells.from_csv_text(rows[1][4]) == "=1+2"
    assert len(rows) - 1 == len(repo.unit_duties)
    xlsx = tmp_path / "t.xlsx"
    assert main(["export", "--root", str(root), "--kind", "tasks", "--layout", "tables", "-o", str(xlsx)]) == 0
    from openpyxl import load_workbook
    cell = load_workbook(xlsx).worksheets[0].cell(3, 5)
    assert cell.value == "=1+2" and cell.data_type == "s"


def test_powers_published_layout_at_a_revision(city, tmp_path):
    from openpyxl import load_workbook
    root = city.root
    Repo(root).commit("一")
    city({"lists/powers/scjgj.yaml": BASE_POWERS.replace("name: 食品经营许可", "name: 改名后的许可")})
    then, now = tmp_path / "then.xlsx", tmp_path / "now.xlsx"
    assert main(["export", "--root", str(root), "--at", "HEAD", "-o", str(then)]) == 0
    assert main(["export", "--lists", str(root / "lists"), "-o", str(now)]) == 0
    names = lambda p: Counter(r[2] for ws in load_workbook(p).worksheets   # noqa: E731
                              for r in ws.iter_rows(min_row=3, values_only=True))
    assert names(then)["食品经营许可"] == 1 and names(now)["改名后的许可"] == 1


BASE_POWERS = (ROOT / "rules/_base/lists/powers/scjgj.yaml").read_text("utf-8")


def test_datasette_metadata_names_real_tables_and_columns(tmp_path):
    import json
    out, meta = tmp_path / "mingcheng.sqlite", tmp_path / "metadata.json"
    assert main(["export", "--root", str(ROOT), "-o", str(out), "--datasette-metadata", str(meta)]) == 0
    data = json.loads(meta.read_text("utf-8"))
    con = sqlite3.connect(out)
    tables = data["databases"]["mingcheng"]["tables"]        # Datasette names a database by its file
    assert set(tables) == set(_tables(con)) - {"meta", "column_titles", "table_titles"}
    for name, entry in tables.items():
        columns = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
        assert list(entry["columns"]) == columns
        assert entry.get("label_column", columns[0]) in columns and set(entry.get("facets", ())) <= set(columns)
        assert dict(con.execute("SELECT column_name, title FROM column_titles WHERE table_name = ?", (name,))) \
            == entry["columns"]
    assert tables["power_items"]["title"] == "权力事项" and data["title"] == "明湖市政府部门职责清单"
    assert "description_html" not in json.dumps(data)                           # text only, never HTML
    assert main(["export", "--root", str(ROOT), "-o", str(tmp_path / "x.xlsx"), "--datasette-metadata",
                 str(meta)]) == 2


def test_published_layouts_of_the_task_and_boundary_lists(city, tmp_path):
    from openpyxl import load_workbook
    boundary = (ROOT / "rules/_base/lists/boundaries/BJ-001.yaml").read_text("utf-8")
    org = (ROOT / "rules/_base/lists/organizations/scjgj.yaml").read_text("utf-8")
    assert "short_name:" in org
    root = city({"lists/organizations/scjgj.yaml": "\n".join(
        "short_name: '=cmd|x/y:z'" if line.startswith("short_name:") else line for line in org.splitlines()) + "\n"})
    repo = policykit.open_repository(root)
    assert not [p for p in repo.load_problems if p.severity == "error"], repo.load_problems
    tasks = tmp_path / "tasks.xlsx"
    assert main(["export", "--root", str(root), "--kind", "tasks", "-o", str(tasks)]) == 0
    wb = load_workbook(tasks)
    depts = sorted({d.department for d in repo.unit_duties})
    assert len(wb.worksheets) == len(depts)
    ws = wb.worksheets[depts.index("scjgj")]
    assert ws.title == "=cmd|x_y_z"                               # no / or : in a sheet name
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == f"{repo.departments['scjgj'].name}职责任务清单"
    assert list(rows[1]) == ["序号", "内设机构", "职责序号", "对应三定职责", "职责内容", "具体任务", "岗位"]
    duties = repo.unit_duties_of("scjgj")
    assert [(r[1], r[4]) for r in rows[2:]] == [(d.unit, d.content) for d in duties]
    bnd = tmp_path / "bnd"
    assert main(["export", "--root", str(root), "--kind", "boundaries", "-o", str(bnd), "--format", "csv"]) == 0
    assert [p.name for p in bnd.iterdir()] == ["boundaries.csv"]
    rows = list(csv.reader(io.StringIO((bnd / "boundaries.csv").read_text("utf-8-sig"))))
    b = repo.boundaries[0]
    assert rows[1][1:3] == [b.id, b.name]
    assert cells.from_csv_text(rows[1][4]) == "、".join(repo.department_name(r.department) for r in b.roles
                                                       if r.role == "牵头")
    assert all(line.startswith("【") for line in rows[1][6].split("\n"))     # 【牵头】部门：职责
    csvdir = tmp_path / "tasks-csv"
    assert main(["export", "--root", str(root), "--kind", "tasks", "-o", str(csvdir)]) == 0
    assert sorted(p.name for p in csvdir.iterdir()) == [f"{d}.csv" for d in depts]    # file names are ids
    assert main(["export", "--root", str(root), "--kind", "bodies", "--layout", "published",
                 "-o", str(tmp_path / "x.xlsx")]) == 2


PAYLOADS = ("=HYPERLINK(\"http://x?\"&A1)", "+1+1", "-2+3")


def test_payloads_in_every_kind_stay_text_in_every_layout(city, tmp_path):
    import yaml
    from openpyxl import load_workbook
    from policykit.io.writing import dump_yaml
    data = yaml.safe_load((ROOT / "rules/_base/lists/boundaries/BJ-001.yaml").read_text("utf-8"))
    data["departments"][0]["duties"] = [PAYLOADS[0]]
    data["mechanism"]["trigger"], data["mechanism"]["enforcement"] = PAYLOADS[1], PAYLOADS[2]
    root = city({"lists/boundaries/BJ-001.yaml": dump_yaml(data)})
    repo = policykit.open_repository(root)
    assert not [p for p in repo.load_problems if p.severity == "error"], repo.load_problems
    b = repo.boundaries[0]
    assert b.roles[0].duties[0] == PAYLOADS[0] and b.mechanism["trigger"] == PAYLOADS[1]
    seen = set()
    for args in (["--kind", "all", "--layout", "tables"], ["--kind", "boundaries"]):
        out = tmp_path / f"{len(seen)}.xlsx"
        assert main(["export", "--root", str(root), *args, "-o", str(out)]) == 0
        for ws in load_workbook(out).worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                    if isinstance(c.value, str) and c.value[:1] in "=+-@":
                        seen.add(c.value)
    assert PAYLOADS[0] in seen and PAYLOADS[1] in seen and PAYLOADS[2] in seen
    db = tmp_path / "c.sqlite"
    export_sqlite(repo, db)
    con = sqlite3.connect(db)
    assert con.execute("SELECT duty FROM boundary_role_duties WHERE matter = 'BJ-001' AND role_seq = 1").fetchone() \
        == (PAYLOADS[0],)
    assert dict(con.execute("SELECT key, text FROM boundary_mechanism"))["enforcement"] == PAYLOADS[2]
