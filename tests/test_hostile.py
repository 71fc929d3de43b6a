"""Hostile and broken input: nothing crashes, hangs, lies, executes what it reads, or reaches the network."""
import json
import os
import signal
import socket
import time
from pathlib import Path

import pytest

from gitrepo import Repo, git
from policykit.checking import engine
from policykit.cli import main


def _deliberate_segfault(*_):
    """A rule process that dies of SIGSEGV on purpose, quietly: pytest's faulthandler, inherited
    by the forked process, would print a "Fatal Python error" trace into every test run."""
    import faulthandler
    faulthandler.disable()
    os.kill(os.getpid(), signal.SIGSEGV)


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_remote_ref_in_a_schema_never_touches_the_network(city, capsys, monkeypatch):
    def no_network(*a, **k):
        raise AssertionError("network access attempted")
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "properties": {"items": {"$ref": "https://evil.example/schema.json"}}}
    root = city({"schemas/powers.schema.json": json.dumps(schema)})
    code, out, err = run(capsys, "check", str(root), "-q")
    assert code == 2
    assert "$ref" in err and "从不访问网络" in err and "Traceback" not in err


def test_python_tags_never_construct_anything(city, capsys, tmp_path):
    marker = tmp_path / "pwned"
    root = city({"lists/powers/scjgj.yaml":
                 f"department: scjgj\nitems: !!python/object/apply:os.system ['touch {marker}']\n"})
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 1 and "YAML-TAG" in out and not marker.exists()


def test_symlink_out_of_the_repository_is_not_read(city, capsys, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("department: scjgj\nitems: []\n", encoding="utf-8")
    root = city({})
    (root / "lists/powers/evil.yaml").symlink_to(secret)
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 1
    line = next(l for l in out.splitlines() if "evil.yaml" in l)
    assert "仓库之外" in line


def test_file_that_is_not_a_mapping(city, capsys):
    root = city({"lists/boundaries/BJ-002.yaml": "- 应急物资保障\n- 危险化学品\n"})
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 1 and "lists/boundaries/BJ-002.yaml:1:1: 错误 [YAML-NOT-MAPPING]" in out


def test_huge_and_deep_files_are_bounded(city, capsys):
    root = city({"policykit.yaml": "city: 示例市\ncategories: [{name: 行政许可, letters: XK}]\n"
                                   "code_pattern: '^.*$'\nlimits: {max_file_bytes: 100000, max_depth: 40}\n",
                 "lists/catalogs/big.yaml": "id: big\nname: " + "长" * 60000 + "\nitems: []\n",
                 "lists/catalogs/deep.yaml": "id: deep\nname: x\nitems: " + "[" * 60 + "]" * 60 + "\n"})
    start = time.perf_counter()
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert time.perf_counter() - start < 30
    assert code == 1
    assert "lists/catalogs/big.yaml:1:1: 错误 [YAML-LIMIT]" in out
    assert any("deep.yaml" in l and "YAML-LIMIT" in l for l in out.splitlines())


def test_rule_with_unknown_field_is_a_located_rule_problem(city, capsys, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("""id: X-BAD
title: 坏规则
severity: error
article: 无
reads: [power]
when:
  - fact: p
    kind: power
    where:
      basis_cnt: {lt: 1}
message: "{p.code}"
examples:
  - {name: a, expect: pass, files: {}}
  - {name: b, expect: fail, files: {}}
""", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(city.root), "-q", "--rules", str(rules))
    assert code == 1
    assert "rules/bad.yaml:10:18: 错误 [RULE-INVALID] 事实类型「power」没有字段「basis_cnt」" in out


def test_engine_crash_inside_a_rule_is_an_internal_error(city, capsys, monkeypatch):
    monkeypatch.setattr(engine, "run_rule", _deliberate_segfault)
    code, _, err = run(capsys, "check", str(city.root), "-q")
    assert code == 3
    assert "引擎进程异常退出" in err and "结果不可信" in err


def test_engine_error_inside_a_rule_is_an_internal_error(city, capsys, monkeypatch):
    def fail(rule, facts_by_kind, budget=None):
        raise RuntimeError("action failed")
    monkeypatch.setattr(engine, "run_rule", fail)
    code, _, err = run(capsys, "check", str(city.root), "-q")
    assert code == 3 and "action failed" in err


@pytest.mark.parametrize("content", [b"\xff\xfe\x00\x00garbage", b"\x00" * 64, "名称: 值\n".encode("utf-16-le")])
def test_binary_garbage_in_lists(city, capsys, content):
    root = city({"lists/tasks/sthjj.yaml": content})
    code, out, _ = run(capsys, "check", str(root), "-q")
    assert code == 1 and "lists/tasks/sthjj.yaml:1:" in out


# ---- every hostile input of issue 9, through the CLI ------------------------------------------------
# (the loader-level tests of the same inputs, with exact positions, are in tests/test_loader.py)

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize("content, rule, where", [
    (BOMB, "YAML-ALIAS", ":1:"),                                                      # billion laughs
    ("id: deep\nname: x\nitems: " + "[" * 100 + "]" * 100 + "\n", "YAML-LIMIT", ":3:"),  # deep nesting
    ("id: deep\nname: x\nitems: " + "[" * 5000 + "]" * 5000 + "\n", "YAML-LIMIT", ":3:"),  # beyond the parser
    ("id: a\nname: x\nname: y\nitems: []\n", "YAML-DUPLICATE-KEY", ":3:1:"),
    ("id: a\nname: x\nbase: {k: 1}\nitems: [{<<: {k: 2}}]\n", "YAML-MERGE", ":4:"),
    ("id: a\nname: !custom x\nitems: []\n", "YAML-TAG", ":2:"),
    ("id: a\nname: \"响\u0007铃\"\nitems: []\n", "YAML-CONTROL-CHAR", ":2:"),
    ("id: a\nname: 名称\nitems: []\n".encode("gbk"), "YAML-ENCODING", ":2:"),        # non-UTF-8
    ("\ufeffid: a\nname: x\nitems: [{code: X1, name: y, since: 2024-02-30}]\n", "YAML-VALUE", ":3:"),  # BOM + bad date
    ("- 不是映射\n", "YAML-NOT-MAPPING", ":1:1:"),
], ids=["alias-bomb", "deep", "very-deep", "duplicate-key", "merge-key", "custom-tag", "control-char", "gbk", "invalid-date",
        "not-mapping"])
def test_hostile_list_file_is_one_located_problem(city, capsys, content, rule, where):
    root = city({"lists/catalogs/hostile.yaml": content})
    start = time.perf_counter()
    code, out, err = run(capsys, "check", str(root), "-q")
    assert time.perf_counter() - start < 30
    assert code == 1 and "Traceback" not in err + out
    line = next(l for l in out.splitlines() if "lists/catalogs/hostile.yaml" in l)
    assert where in line and f"错误 [{rule}]" in line
    assert any("\u4e00" <= ch <= "\u9fff" for ch in line.split(f"[{rule}]")[1][:8])   # Chinese first


@pytest.mark.parametrize("args, words", [
    (["--at", "2024-02-30"], "日期无效"), (["--legal-date", "2024-13-01"], "日期"), (["--since", "no-such-rev"], "找不到修订"),
])
def test_invalid_dates_and_revisions_on_the_command_line(city, capsys, args, words):
    Repo(city.root).commit("c1")
    code, out, err = run(capsys, "check", str(city.root), "-q", *args)
    assert code == 2 and words in err and "Traceback" not in err


# ---- spreadsheets: truncated, encrypted, huge -----------------------------------------------------

FIX = Path(__file__).resolve().parent / "fixtures" / "spreadsheets"


def cfb(streams: dict) -> bytes:
    """A minimal, well-formed OLE compound file (CFB v3) holding ``streams`` (each ≥ 4096 bytes, so no
    mini stream is needed) — the container Excel uses for password-protected workbooks."""
    import struct
    SECT, END, FREE, FATSECT, NOSTREAM = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    names = list(streams)
    data = [streams[n] + b"\0" * (-len(streams[n]) % SECT) for n in names]
    fat = [FATSECT, END]
    starts = []
    for blob in data:
        first = len(fat)
        count = len(blob) // SECT
        starts.append(first)
        fat += [first + i + 1 for i in range(count - 1)] + [END]
    assert len(fat) <= 128
    fat += [FREE] * (128 - len(fat))

    def entry(name, kind, child=NOSTREAM, right=NOSTREAM, start=END, size=0):
        raw = (name + "\0").encode("utf-16-le")
        return (raw.ljust(64, b"\0") + struct.pack("<HBB3I", len(raw), kind, 1, NOSTREAM, right, child)
                + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))
    # a valid red-black tree: the shorter name first, the other as its right sibling
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    dirs = [entry("Root Entry", 5, child=1)]
    for pos, i in enumerate(order):
        right = pos + 2 if pos + 1 < len(order) else NOSTREAM
        dirs.append(entry(names[i], 2, right=right, start=starts[i], size=len(streams[names[i]])))
    dirs += [b"\0" * 64 + struct.pack("<HBB3I", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + b"\0" * 52] * (4 - len(dirs))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", FREE) * 108)
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + b"".join(dirs) + b"".join(data)


def encrypted_xlsx() -> bytes:
    info = b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"<encryption xmlns=\"http://schemas.microsoft.com/office/2006/encryption\"/>"
    return cfb({"EncryptionInfo": info.ljust(4096, b"\0"), "EncryptedPackage": os.urandom(8192)})


def test_crafted_cfb_is_a_real_compound_file():
    from xlrd.compdoc import CompDoc
    import io
    names = {d.name for d in CompDoc(encrypted_xlsx(), logfile=io.StringIO()).dirlist}
    assert {"Root Entry", "EncryptionInfo", "EncryptedPackage"} <= names


def import_cli(capsys, *args):
    code = main(["import", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_encrypted_workbook_is_named_as_such(tmp_path, capsys):
    path = tmp_path / "加密.xlsx"
    path.write_bytes(encrypted_xlsx())
    code, out, err = import_cli(capsys, path, "--out", tmp_path / "lists")
    assert code == 2 and "Traceback" not in err
    assert f"{path}: [IMPORT-ENCRYPTED] 文件已加密" in err and "去掉密码" in err
    assert not (tmp_path / "lists").exists()


@pytest.mark.parametrize("damage", ["truncated", "bad-zip-member", "truncated-xls", "ole-garbage"])
def test_damaged_workbooks_are_a_clear_error(tmp_path, capsys, damage):
    import zipfile
    path = tmp_path / "坏.xlsx"
    good = (FIX / "titled.xlsx").read_bytes()
    if damage == "truncated":
        path.write_bytes(good[:len(good) // 2])
    elif damage == "bad-zip-member":
        with zipfile.ZipFile(FIX / "titled.xlsx") as src, zipfile.ZipFile(path, "w") as dst:
            for info in src.infolist():
                body = src.read(info)
                dst.writestr(info, body[:len(body) // 3] if "worksheets/sheet1" in info.filename else body)
    elif damage == "truncated-xls":
        path.write_bytes((FIX / "legacy.xls").read_bytes()[:3000])
    else:
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(3000))
    start = time.perf_counter()
    code, out, err = import_cli(capsys, path, "--out", tmp_path / "lists")
    assert time.perf_counter() - start < 20
    assert code == 2 and "Traceback" not in err and f"{path}: [IMPORT-DAMAGED]" in err and "损坏" in err


def big_xlsx(path, rows: int, cols: int = 3, cell: str = "值"):
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("大表")
    ws.append(["事项名称", "权力类型", "实施依据"][:cols] + [f"列{c}" for c in range(3, cols)])
    for r in range(rows):
        ws.append([f"{cell}{r}"] * cols)
    wb.save(path)
    return path


def test_huge_spreadsheets_are_bounded_by_configurable_limits(tmp_path, capsys, monkeypatch):
    path = big_xlsx(tmp_path / "大.xlsx", 300)
    start = time.perf_counter()
    code, _, err = import_cli(capsys, path, "--out", tmp_path / "lists", "--max-rows", "100")
    assert code == 2 and "Traceback" not in err
    assert f"{path}:sheet1.xml: [IMPORT-LIMIT] 行数 301 超过上限 100" in err and "--max-rows" in err
    code, _, err = import_cli(capsys, path, "--out", tmp_path / "lists", "--max-cells", "500")
    assert code == 2 and "[IMPORT-LIMIT] 单元格数" in err
    code, _, err = import_cli(capsys, path, "--out", tmp_path / "lists", "--max-file-bytes", "1000")
    assert code == 2 and "[IMPORT-LIMIT] 文件大小（字节）" in err
    monkeypatch.setenv("POLICYKIT_IMPORT_MAX_UNZIPPED_BYTES", "5000")
    code, _, err = import_cli(capsys, path, "--out", tmp_path / "lists")
    assert code == 2 and "[IMPORT-LIMIT] 解压后大小（字节）" in err and "POLICYKIT_IMPORT_MAX_UNZIPPED_BYTES" in err
    monkeypatch.setenv("POLICYKIT_IMPORT_MAX_UNZIPPED_BYTES", "lots")
    code, _, err = import_cli(capsys, path, "--out", tmp_path / "lists")
    assert code == 2 and "应为正整数" in err
    monkeypatch.delenv("POLICYKIT_IMPORT_MAX_UNZIPPED_BYTES")
    csv_path = tmp_path / "大.csv"
    csv_path.write_text("事项名称,权力类型\n" + "某事项,行政许可\n" * 300, encoding="utf-8")
    code, _, err = import_cli(capsys, csv_path, "--out", tmp_path / "lists", "--max-rows", "100")
    assert code == 2 and f"{csv_path}:大: [IMPORT-LIMIT] 行数 101" in err
    assert time.perf_counter() - start < 30 and not (tmp_path / "lists").exists()


def test_zip_bomb_and_far_away_cell_are_refused_before_parsing(tmp_path, capsys):
    import zipfile
    bomb = tmp_path / "炸弹.xlsx"
    with zipfile.ZipFile(FIX / "titled.xlsx") as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if "worksheets/sheet1" in info.filename:   # 300 MB of rows that compress to almost nothing
                head, _, tail = body.decode("utf-8").partition("</sheetData>")
                body = head.encode() + b"<row/>" * 50_000_000 + b"</sheetData>" + tail.encode()
            dst.writestr(info.filename, body)
    assert bomb.stat().st_size < 2_000_000
    far = tmp_path / "远.xlsx"
    with zipfile.ZipFile(FIX / "titled.xlsx") as src, zipfile.ZipFile(far, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if "worksheets/sheet1" in info.filename:
                body = body.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                                     b"<is><t>x</t></is></c></row></sheetData>")
            dst.writestr(info.filename, body)
    for path, words in ((bomb, "解压后大小"), (far, "行数 1,048,576 超过上限 100,000")):
        start = time.perf_counter()
        code, _, err = import_cli(capsys, path, "--out", tmp_path / "lists")
        assert time.perf_counter() - start < 20, path
        assert code == 2 and "[IMPORT-LIMIT]" in err and words in err and "Traceback" not in err


def test_a_huge_cell_is_a_located_problem_and_the_row_still_accounted_for(tmp_path, capsys):
    import json
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "清单"
    ws.append(["序号", "事项名称", "权力类型", "实施依据", "承办机构"])
    ws.append(["1", "某项许可", "行政许可", "长" * 40_000, "一科"])     # Excel keeps 32,767 characters
    ws.append(["2", "另一项许可", "行政许可", "【法律】《中华人民共和国某法》第一条", "一科"])
    wb.save(tmp_path / "长.xlsx")
    (tmp_path / "长.csv").write_text("序号,事项名称,权力类型,实施依据,承办机构\n1,某项许可,行政许可," + "长" * 70_000
                                    + ",一科\n2,另一项许可,行政许可,【法律】《中华人民共和国某法》第一条,一科\n", encoding="utf-8")
    for name, extra, chars, limit in (("长.xlsx", ["--max-cell-chars", "20000"], "32,767", "20,000"),
                                      ("长.csv", [], "70,000", "60,000")):
        code, out, err = import_cli(capsys, tmp_path / name, "--out", tmp_path / "lists", "--report", "json", "-q",
                                    "--dry-run", *extra)
        assert code == 1 and "Traceback" not in err
        report = json.loads(out)["files"][0]
        problem = next(p for p in report["problems"] if p["rule"] == "IMPORT-LIMIT")
        assert problem["line"] == 2 and problem["column"] == 4 and problem["severity"] == "error"
        assert problem["path"].endswith("!D2")
        assert problem["message"].startswith(f"单元格内容 {chars} 字符，超过上限 {limit}")
        assert len(report["row_fates"]) == report["rows"] == 3


# ---- git: corrupt and shallow repositories, for every command that reads history ---------------------

@pytest.fixture
def history_repo(tmp_path):
    import shutil
    from conftest import BASE
    root = tmp_path / "hist"
    shutil.copytree(BASE, root)
    Repo(root).commit("初始")
    path = root / "lists/powers/scjgj.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("levels: [市级]", "levels: [县级]", 1), encoding="utf-8")
    git(root, "commit", "-q", "-am", "调整层级")
    path.write_text(path.read_text(encoding="utf-8") + "# 备注\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "备注")
    return root


GIT_COMMANDS = [("diff", "{first}", "HEAD"), ("log", "370199101XK00100"), ("check", "--since", "{first}", "-q")]


@pytest.mark.parametrize("damage", ["blob", "commit"])
@pytest.mark.parametrize("command", GIT_COMMANDS, ids=lambda c: c[0])
def test_corrupt_git_repository_is_a_clear_error(history_repo, capsys, monkeypatch, damage, command):
    first = git(history_repo, "rev-list", "--max-parents=0", "HEAD").strip()
    if damage == "blob":
        sha = git(history_repo, "rev-parse", f"{first}:lists/powers/scjgj.yaml").strip()
    else:
        sha = git(history_repo, "rev-parse", "HEAD~1").strip()
    obj = history_repo / ".git" / "objects" / sha[:2] / sha[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"garbage")
    monkeypatch.chdir(history_repo)
    start = time.perf_counter()
    code, out, err = run(capsys, *[a.format(first=first) for a in command])
    assert time.perf_counter() - start < 30
    assert code == 2 and "Traceback" not in err, (out, err)
    assert "读取 git 仓库失败" in err and "损坏" in err and "git fsck" in err


@pytest.mark.parametrize("command", [GIT_COMMANDS[0], GIT_COMMANDS[2]], ids=["diff", "check--since"])
def test_shallow_clone_is_a_clear_error(history_repo, tmp_path, capsys, monkeypatch, command):
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history_repo}", str(clone))
    monkeypatch.chdir(clone)
    code, out, err = run(capsys, *[a.format(first="HEAD~2") for a in command])
    assert code == 2 and "Traceback" not in err
    assert "浅克隆" in err and "fetch-depth: 0" in err


def test_log_on_a_shallow_clone_does_not_invent_history(history_repo, tmp_path, capsys, monkeypatch):
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{history_repo}", str(clone))
    monkeypatch.chdir(clone)
    code, out, err = run(capsys, "log", "370199101XK00100")
    assert code == 2 and "浅克隆" in err and "git fetch --unshallow" in err and "Traceback" not in err
