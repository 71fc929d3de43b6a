"""Every kind of broken input gives one located, Chinese problem; nothing raises."""
import pytest

from policykit.lists.loader import Limits, load_bytes, parse_text


def one(text_or_bytes, limits=Limits()):
    doc = load_bytes(text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode("utf-8"),
                     "lists/x.yaml", limits)
    assert len(doc.problems) == 1, doc.problems
    return doc.problems[0]


def test_positions_are_recorded_for_nested_values():
    doc = parse_text("a: 1\nitems:\n  - code: X\n    name: 名称\n", "f.yaml")
    assert doc.problems == []
    assert doc.position(("items", 0, "name")) == (4, 11)
    assert doc.key_position(("items", 0, "name")) == (4, 5)
    assert doc.position(("items", 0, "missing")) == (3, 5)  # falls back to the nearest ancestor


def test_yaml11_norway_keys_stay_text():
    doc = parse_text("no: 1\nyes: 2\n", "f.yaml")
    assert doc.data == {"no": 1, "yes": 2}


@pytest.mark.parametrize("text, rule, line, col, words", [
    ("a: 1\nb: 2\na: 3\n", "YAML-DUPLICATE-KEY", 3, 1, "重复的键「a」，第 1 行"),
    ("a: [1, 2\nb: 3\n", "YAML-SYNTAX", 2, 2, "语法错误"),
    ("- 1\n- 2\n", "YAML-NOT-MAPPING", 1, 1, "顶层应为映射"),
    ("just text\n", "YAML-NOT-MAPPING", 1, 1, "标量"),
    ("", "YAML-NOT-MAPPING", 1, 1, "文件为空"),
    ("a: !!python/object/apply:os.system ['echo x']\n", "YAML-TAG", 1, 4, "不允许使用标签"),
    ("a: !custom x\n", "YAML-TAG", 1, 4, "不允许使用标签"),
    ("base: &b {x: 1}\nother: *b\n", "YAML-ALIAS", 1, 7, "锚点与别名"),
    ("base: {x: 1}\nitem:\n  <<: {y: 2}\n", "YAML-MERGE", 3, 3, "合并键"),
    ("a:\n  date: 2024-02-30\n", "YAML-VALUE", 2, 9, "日期超出该月的天数"),
    ("a: \"x\u0007y\"\n", "YAML-CONTROL-CHAR", 1, 6, "控制字符"),
    ("a:\n\tb: 1\n", "YAML-SYNTAX", 2, 1, "制表符"),
])
def test_bad_yaml_is_one_located_problem(text, rule, line, col, words):
    p = one(text)
    assert (p.rule, p.line, p.column) == (rule, line, col)
    assert words in p.message
    assert p.severity == "error"


def test_alias_bomb_is_rejected_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
    import time
    t = time.perf_counter()
    p = one(bomb)
    assert p.rule == "YAML-ALIAS"
    assert time.perf_counter() - t < 1.0


def test_non_utf8_names_the_encoding_and_position():
    p = one("name: 市场监管局\n".encode("gbk"))
    assert p.rule == "YAML-ENCODING" and "GBK" in p.message and p.line == 1


def test_utf16_is_named():
    p = one("a: 1\n".encode("utf-16"))
    assert p.rule == "YAML-ENCODING" and "UTF-16" in p.message


def test_utf8_bom_is_accepted():
    doc = load_bytes("\ufeffa: 名称\n".encode("utf-8"), "f.yaml")
    assert doc.problems == [] and doc.data == {"a": "名称"}


def test_limits_bound_size_depth_and_strings():
    assert one("a: 1\n" * 10, Limits(max_file_bytes=20)).rule == "YAML-LIMIT"
    deep = "a: " + "[" * 100 + "]" * 100 + "\n"
    assert one(deep, Limits(max_depth=50)).rule == "YAML-LIMIT"
    p = one("a: " + "长" * 200 + "\n", Limits(max_string_chars=100))
    assert p.rule == "YAML-LIMIT" and "200" in p.message


def test_symlink_outside_repository_is_refused(tmp_path):
    from policykit.lists.loader import load_file
    outside = tmp_path / "secret.yaml"
    outside.write_text("a: 1\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "link.yaml").symlink_to(outside)
    doc = load_file(root / "link.yaml", root)
    assert doc.data is None and doc.problems[0].rule == "FILE-OUTSIDE"


def test_a_misaligned_field_is_explained_in_chinese():
    """The most common hand edit gone wrong: one field indented a space too little inside a list item."""
    raw = "department: scjgj\nitems:\n  - code: X1\n    name: 食品经营许可\n   unit: 食品安全科\n".encode()
    doc = load_bytes(raw, "lists/powers/scjgj.yaml")
    [p] = doc.problems
    assert (p.rule, p.line, p.column) == ("YAML-SYNTAX", 5, 4)
    assert p.message.startswith("YAML 语法错误：缩进不一致：这一行与上面的列表项没有对齐")
