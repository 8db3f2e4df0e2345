"""The position-keeping safe YAML loader (`diagtree._load.yaml.load_yaml`).

It must never raise for bad input: syntax errors, several documents, limits, duplicate keys and
unconstructible values all come back as located `Problem`s.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from diagtree._errors import Location, Problem
from diagtree._load import yaml as _yaml
from diagtree._load.yaml import Positions, YamlLimits, key_is_trap, load_yaml

TREE_FILE = Path(__file__).resolve().parent.parent / "trees" / "no_service.yaml"
SUBTREE_FILE = Path(__file__).resolve().parent.parent / "trees" / "shared" / "line_barred.yaml"


def load(text: str, limits: YamlLimits | None = None):
    return load_yaml(text, "f.yaml", limits)


def located(problems: list[Problem]) -> list[tuple[str, int, int]]:
    return [(p.code, p.location.line, p.location.col) for p in problems]


# -- plain loading ---------------------------------------------------------------------------------
def test_a_valid_mapping_loads_without_problems() -> None:
    data, pos, problems = load("a: 1\nb:\n  c: [x, 'y', 2.5]\n  d: null\n")
    assert problems == []
    assert data == {"a": 1, "b": {"c": ["x", "y", 2.5], "d": None}}
    assert isinstance(pos, Positions)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "\n\n"])
def test_an_empty_document_is_none_without_problems(text: str) -> None:
    data, _pos, problems = load(text)
    assert data is None
    assert problems == []


def test_the_shipped_tree_file_loads_cleanly() -> None:
    data, _pos, problems = load(TREE_FILE.read_text(encoding="utf-8"))
    assert problems == []
    assert data["tree"] == "no_service"
    assert data["nodes"]["airplane"] == {"ask": "airplane_mode", "yes": "settings", "no": "sim"}


# -- positions -------------------------------------------------------------------------------------
def test_positions_of_values_and_keys_are_one_based() -> None:
    text = "top:\n  inner: value\n  list:\n    - first\n    - 'second'\n"
    _data, pos, problems = load(text)
    assert problems == []
    assert pos.key(("top",)) == Location("f.yaml", 1, 1)
    assert pos.key(("top", "inner")) == Location("f.yaml", 2, 3)
    assert pos.of(("top", "inner")) == Location("f.yaml", 2, 10)
    assert pos.of(("top", "list", 0)) == Location("f.yaml", 4, 7)
    assert pos.of(("top", "list", 1)) == Location("f.yaml", 5, 7)
    # a quoted scalar's text starts one column after its opening quote
    assert pos.text_origin(("top", "list", 1)) == Location("f.yaml", 5, 8)
    assert pos.text_origin(("top", "list", 0)) == Location("f.yaml", 4, 7)
    # an unknown path falls back to the nearest known ancestor
    assert pos.of(("top", "inner", "nope", 3)) == Location("f.yaml", 2, 10)


# -- duplicate keys --------------------------------------------------------------------------------
def test_a_duplicate_key_is_reported_at_the_second_key() -> None:
    text = "a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n"
    data, _pos, problems = load(text)
    assert located(problems) == [("duplicate_key", 5, 3)]
    assert "first at line 3" in problems[0].message
    assert problems[0].hint
    assert data == {"a": 1, "b": {"c": 1, "d": 2}}  # the first value is kept, the rest reported


def test_a_duplicate_top_level_key_in_a_flow_mapping() -> None:
    _data, _pos, problems = load("x: {yes: a, no: b, yes: c}\n")
    assert located(problems) == [("duplicate_key", 1, 20)]


def test_keys_spelled_differently_but_equal_as_written_text_are_duplicates() -> None:
    # keys are the text as written: `1` and "1" are the same key, `1` and `01` are not
    _data, _pos, problems = load("1: a\n'1': b\n01: c\n")
    assert located(problems) == [("duplicate_key", 2, 1)]


def test_every_duplicate_is_reported() -> None:
    _data, _pos, problems = load("a: 1\na: 2\nb: 1\nb: 2\na: 3\n")
    assert located(problems) == [("duplicate_key", 2, 1), ("duplicate_key", 4, 1),
                                 ("duplicate_key", 5, 1)]


# -- YAML 1.1 boolean traps ------------------------------------------------------------------------
@pytest.mark.parametrize("word", ["no", "No", "NO", "on", "On", "off", "OFF", "yes", "Yes", "YES"])
def test_a_plain_yaml11_boolean_word_is_a_trap(word: str) -> None:
    data, pos, problems = load(f"owner: {word}\n")
    assert problems == []
    assert isinstance(data["owner"], bool)
    assert pos.is_trap(("owner",))


@pytest.mark.parametrize("text", ["owner: 'no'\n", 'owner: "on"\n', "owner: 'Yes'\n",
                                  "owner: true\n", "owner: false\n", "owner: True\n",
                                  "owner: FALSE\n", "owner: y\n", "owner: n\n"])
def test_quoted_words_and_true_false_are_not_traps(text: str) -> None:
    _data, pos, problems = load(text)
    assert problems == []
    assert not pos.is_trap(("owner",))


def test_quoted_words_stay_strings() -> None:
    data, _pos, _problems = load("a: 'no'\nb: \"Yes\"\nc: |\n  on\n")
    assert data == {"a": "no", "b": "Yes", "c": "on\n"}


def test_traps_inside_lists_and_flow_mappings_are_recorded_by_path() -> None:
    _data, pos, _problems = load("a: [no, 'off', on]\nb: {c: Off}\n")
    assert pos.traps == {("a", 0), ("a", 2), ("b", "c")}


def test_key_is_trap() -> None:
    assert key_is_trap("no") and key_is_trap("On") and key_is_trap("YES") and key_is_trap("y")
    assert not key_is_trap("true") and not key_is_trap("False") and not key_is_trap("nope")


# -- construction rules ----------------------------------------------------------------------------
def test_keys_are_strings_as_written() -> None:
    data, pos, problems = load("1: a\nno: b\nnull: c\n1.50: d\n~: e\ntrue: f\n2026-01-01: g\n"
                               "'quoted': h\nOn: i\n")
    assert problems == []
    assert list(data) == ["1", "no", "null", "1.50", "~", "true", "2026-01-01", "quoted", "On"]
    assert all(isinstance(k, str) for k in data)
    assert pos.traps == set()  # a key is never a trap: it is a string by construction


@pytest.mark.parametrize("value", ["2026-11-20", "2026-11-20T09:30:00+08:00",
                                   "2026-11-20 09:30:00", "2001-12-14t21:59:43.10-05:00"])
def test_timestamps_stay_strings(value: str) -> None:
    data, _pos, problems = load(f"at: {value}\n")
    assert problems == []
    assert data["at"] == value


def test_an_explicit_timestamp_tag_stays_a_string() -> None:
    data, _pos, problems = load("at: !!timestamp 2026-11-20\n")
    assert problems == []
    assert data["at"] == "2026-11-20"


def test_scalars_resolve_like_yaml11_safe_loading() -> None:
    data, _pos, problems = load("i: 12\nneg: -3\nf: 1.5\nexp: 1.0e+3\nn: ~\nnull2: null\n"
                                "t: true\nhexa: 0x1F\ns: plain words\n")
    assert problems == []
    assert data == {"i": 12, "neg": -3, "f": 1.5, "exp": 1000.0, "n": None, "null2": None,
                    "t": True, "hexa": 31, "s": "plain words"}


def test_a_non_scalar_key_is_a_problem() -> None:
    data, _pos, problems = load("? [a, b]\n: 1\nc: 2\n")
    assert located(problems) == [("yaml_key", 1, 3)]
    assert data == {"c": 2}


@pytest.mark.parametrize("text", ["a: !!python/object:os.system x\n", "a: !!set x\n",
                                  "a: !custom x\n"])
def test_an_unsafe_or_unknown_tag_is_a_problem(text: str) -> None:
    data, _pos, problems = load(text)
    assert [p.code for p in problems] == ["yaml_value"]
    assert problems[0].location == Location("f.yaml", 1, 4)
    assert data == {"a": "x"}


def test_merge_keys_are_expanded() -> None:
    data, _pos, problems = load("base: &b {check: s.flag, yes: o}\nn:\n  <<: *b\n  no: o\n")
    assert problems == []
    assert data["n"] == {"check": "s.flag", "yes": "o", "no": "o"}


def test_an_explicit_key_overrides_a_merged_one() -> None:
    # YAML merge semantics: keys written in the mapping override merged ones; among several
    # merged mappings the first one wins. None of this is a duplicate key.
    data, _pos, problems = load("x: &x {a: 1}\ny: &y {a: 2}\nz:\n  <<: [*x, *y]\n"
                                "w:\n  <<: *x\n  a: 3\n")
    assert problems == []
    assert data["z"] == {"a": 1}
    assert data["w"] == {"a": 3}


# -- unconstructible values must be problems, not exceptions ------------------------------------
_CRASHERS = [
    pytest.param("a: 0x_\n", id="plain-0x_"),
    pytest.param("a: 0b_\n", id="plain-0b_"),
    pytest.param("a: !!int abc\n", id="tag-int"),
    pytest.param("a: !!float x\n", id="tag-float"),
    pytest.param("a: !!bool maybe\n", id="tag-bool"),
    pytest.param("%TAG ! tag:yaml.org,2002:\n---\na: !int abc\n", id="tag-directive"),
]


@pytest.mark.parametrize("text", _CRASHERS)
def test_an_unconstructible_scalar_is_a_problem(text: str) -> None:
    data, _pos, problems = load(text)
    assert [p.code for p in problems] == ["yaml_value"]
    assert data is not None


def test_a_self_merging_mapping_is_a_problem() -> None:
    data, _pos, problems = load("a: &a\n  b: 1\n  <<: *a\n")
    assert problems
    assert data is None or isinstance(data, dict)


def test_a_self_referencing_sequence_is_bounded() -> None:
    data, _pos, problems = load("a: &a [1, *a]\n")
    assert data is None
    assert [p.code for p in problems] == ["file_too_complex"]


# -- syntax errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "line", "col"), [
    ("a: [1, 2\nb: 3\n", 2, 2),                       # unclosed flow sequence
    ("a:\n\tb: 1\n", 2, 1),                           # a tab cannot start a token
    ("a: 1\n b: 2\n", 2, 3),                          # bad indentation
    ("a: 'unterminated\n", 2, 1),                     # unterminated quoted scalar
    ("a: b: c\n", 1, 5),                              # mapping values not allowed here
    ("a: \x00\n", 1, 1),                              # a control character
    ("key: *nothing\n", 1, 6),                        # an undefined alias
])
def test_a_syntax_error_is_located(text: str, line: int, col: int) -> None:
    data, _pos, problems = load(text)
    assert data is None
    assert located(problems) == [("yaml_syntax", line, col)]
    assert problems[0].message


def test_several_documents_are_rejected() -> None:
    data, _pos, problems = load("a: 1\n---\nb: 2\n")
    assert data is None
    assert located(problems) == [("yaml_syntax", 2, 1)]
    assert "single document" in problems[0].message


def test_a_document_end_marker_alone_is_not_a_second_document() -> None:
    data, _pos, problems = load("a: 1\n...\n")
    assert problems == []
    assert data == {"a": 1}


# -- limits ----------------------------------------------------------------------------------------
def test_the_size_limit_counts_utf8_bytes() -> None:
    text = "a: 'é'\n"  # 8 bytes, 7 characters
    data, _pos, problems = load(text, YamlLimits(max_bytes=7))
    assert data is None
    assert located(problems) == [("file_too_large", 1, 1)]
    assert "8 bytes" in problems[0].message
    data, _pos, problems = load(text, YamlLimits(max_bytes=8))
    assert problems == [] and data == {"a": "é"}


def test_the_node_limit() -> None:
    text = "a: [1, 2, 3]\nb: {c: [4]}\n"  # root, a, 1, 2, 3, b, c, 4: eight values
    data, _pos, problems = load(text, YamlLimits(max_nodes=7))
    assert data is None
    assert located(problems) == [("file_too_complex", 1, 1)]
    data, _pos, problems = load(text, YamlLimits(max_nodes=8))
    assert problems == [] and data is not None


def test_the_depth_limit() -> None:
    text = "a: [[[1]]]\n"  # the 1 is four levels below the root
    data, _pos, problems = load(text, YamlLimits(max_depth=3))
    assert data is None
    assert located(problems) == [("file_too_complex", 1, 1)]
    assert "deeper than 3" in problems[0].message
    data, _pos, problems = load(text, YamlLimits(max_depth=4))
    assert problems == [] and data == {"a": [[[1]]]}


def test_nesting_too_deep_for_the_parser_is_a_problem() -> None:
    data, _pos, problems = load("a: " + "{a: " * 3000 + "1" + "}" * 3000)
    assert data is None
    assert [p.code for p in problems] == ["file_too_complex"]


# Each parser stops deep nesting its own way: libyaml (PyYAML's C loader, 6.0.2 and later) with a
# scanner or parser error of its own ("exceeded maximum nesting depth"), the pure-Python loader
# with a RecursionError. Whichever pip installs, the author gets file_too_complex.
_PARSERS = [
    pytest.param(_yaml._Timestampless, id="pure-python"),
    pytest.param(getattr(_yaml, "_CTimestampless", None), id="libyaml", marks=pytest.mark.skipif(
        not getattr(yaml, "__with_libyaml__", False), reason="PyYAML built without libyaml")),
]


@pytest.fixture(params=_PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    monkeypatch.setattr(_yaml, "_Composer", request.param)
    return request.param  # type: ignore[no-any-return]


@pytest.mark.parametrize("text", [
    "a: " + "{a: " * 3000 + "1" + "}" * 3000,  # flow mappings
    "a: " + "[" * 3000 + "]" * 3000,  # flow sequences
    "- " * 3000 + "x\n",  # block sequences
    "".join(" " * i + f"k{i}:\n" for i in range(1100)) + " " * 1100 + "v\n",  # block mappings
], ids=["flow-mappings", "flow-sequences", "block-sequences", "block-mappings"])
def test_each_parser_reports_nesting_too_deep_to_read_as_too_complex(parser: type,
                                                                       text: str) -> None:
    data, _pos, problems = load(text)
    assert data is None
    assert [p.code for p in problems] == ["file_too_complex"]
    assert "nests too deeply" in problems[0].message


def test_each_parser_still_reports_a_plain_syntax_error_as_syntax(parser: type) -> None:
    data, _pos, problems = load("a: [1, 2\nb: 3\n")
    assert data is None
    assert [p.code for p in problems] == ["yaml_syntax"]


@pytest.mark.parametrize("problem", [
    "exceeded maximum nesting depth",  # libyaml's scanner
    "Maximum nesting level reached, set with yaml_set_max_nest_level())",  # libyaml's parser
])
def test_a_parser_depth_error_in_either_libyaml_wording_is_too_complex(
        monkeypatch: pytest.MonkeyPatch, problem: str) -> None:
    class Refusing:
        def __init__(self, text: str) -> None:
            self.mark = yaml.Mark("<unicode string>", 0, 0, 5, text, 5)

        def get_single_node(self) -> None:
            raise yaml.parser.ParserError("while parsing", self.mark, problem, self.mark)

        def dispose(self) -> None:
            pass

    monkeypatch.setattr(_yaml, "_Composer", Refusing)
    data, _pos, problems = load("a: 1\n")
    assert data is None
    assert [p.code for p in problems] == ["file_too_complex"]
    assert problems[0].location == Location("f.yaml", 1, 6)


def test_a_long_chain_of_merge_keys_is_too_complex_not_a_recursion_error() -> None:
    text = "a0: &a0 {x: 1}\n" + "".join(f"a{i}: &a{i} {{<<: *a{i - 1}}}\n"
                                       for i in range(1, 3000))
    data, _pos, problems = load(text, YamlLimits(max_nodes=10**9, max_aliases=10**9))
    assert data is None
    assert [p.code for p in problems] == ["file_too_complex"]
    assert "merge keys" in problems[0].message


def test_the_alias_limit_counts_each_use_of_an_anchored_collection() -> None:
    text = "base: &b [1, 2]\nuses: [*b, *b, *b]\n"
    data, _pos, problems = load(text, YamlLimits(max_aliases=2))
    assert data is None
    assert located(problems) == [("file_too_complex", 1, 1)]
    assert "more than 2 uses of aliases" in problems[0].message
    data, _pos, problems = load(text, YamlLimits(max_aliases=3))
    assert problems == [] and data == {"base": [1, 2], "uses": [[1, 2]] * 3}


def _billion_laughs(levels: int = 9) -> str:
    text = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, levels):
        text += f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n"
    return text


def test_a_billion_laughs_alias_bomb_is_bounded() -> None:
    started = time.perf_counter()
    data, _pos, problems = load(_billion_laughs(), YamlLimits(max_nodes=20_000))
    assert data is None
    assert [p.code for p in problems] == ["file_too_complex"]
    assert "more than 20000 values" in problems[0].message
    assert time.perf_counter() - started < 5


def test_a_billion_laughs_alias_bomb_is_bounded_with_the_default_limits() -> None:
    started = time.perf_counter()
    data, _pos, problems = load(_billion_laughs())
    assert data is None
    assert [p.code for p in problems] == ["file_too_complex"]
    assert time.perf_counter() - started < 20


# -- never raises: hypothesis ----------------------------------------------------------------------

def _check_result(text: str, limits: YamlLimits | None = None) -> None:
    data, pos, problems = load_yaml(text, "fuzz.yaml", limits)
    assert isinstance(pos, Positions)
    assert isinstance(problems, list)
    for p in problems:
        assert isinstance(p, Problem)
        assert p.location.file == "fuzz.yaml"
        assert p.location.line >= 1 and p.location.col >= 1
        assert p.code and p.message
    if data is None:
        return
    for path in pos.values:
        assert isinstance(path, tuple)
    _assert_string_keys(data)


def _assert_string_keys(value: object) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str)
            _assert_string_keys(v)
    elif isinstance(value, list):
        for v in value:
            _assert_string_keys(v)


_FAST = settings(max_examples=300, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@_FAST
@given(st.text(max_size=300))
# the inputs an earlier filter assumed away (it dropped every text with `!`, conditions with
# `!=` included): tags, tag directives, merge keys and the 0x_/0b_ scalars must all load or be
# located problems
@example("when: hlr.found != true\n")
@example("a: !!python/object:os.system x\n")
@example("a: !custom 1\n")
@example("%TAG ! tag:example.com,2000:\n---\na: !x 1\n")
@example("base: &b {x: 1}\nmore:\n  <<: *b\n  y: 2\n")
@example("a: 0x_\nb: 0b_\nc: 0x_1f\n")
def test_load_yaml_never_raises_on_arbitrary_text(text: str) -> None:
    _check_result(text)


_YAML_CHARS = st.sampled_from([*":-?[]{},&*#|>'\"%@`\n\t ", "  ", "\n  ", ": ", "- ", "no",
                               "on", "~", "1", "x"])


@st.composite
def mutated(draw: st.DrawFn, source: str) -> str:
    text = source
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "swap_lines"]))
        i = draw(st.integers(0, max(len(text) - 1, 0)))
        if op == "insert":
            text = text[:i] + draw(_YAML_CHARS) + text[i:]
        elif op == "delete":
            j = draw(st.integers(i, min(i + 20, len(text))))
            text = text[:i] + text[j:]
        elif op == "replace":
            text = text[:i] + draw(_YAML_CHARS) + text[i + 1:]
        elif op == "truncate":
            text = text[:i]
        else:
            lines = text.split("\n")
            a = draw(st.integers(0, len(lines) - 1))
            b = draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
    return text


_SOURCES = [TREE_FILE.read_text(encoding="utf-8"), SUBTREE_FILE.read_text(encoding="utf-8")]


@_FAST
@given(st.sampled_from(_SOURCES).flatmap(mutated))
def test_load_yaml_never_raises_on_mutated_tree_files(text: str) -> None:
    _check_result(text)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(_SOURCES).flatmap(mutated),
       st.integers(50, 3000), st.integers(1, 400), st.integers(1, 8))
def test_load_yaml_never_raises_under_small_limits(text: str, max_bytes: int, max_nodes: int,
                                                   max_depth: int) -> None:
    _check_result(text, YamlLimits(max_bytes=max_bytes, max_nodes=max_nodes,
                                   max_depth=max_depth))


# -- every entrance reads YAML under a tree file's limits -----------------------------------------
def test_an_alias_bomb_in_a_scenario_file_is_refused_by_the_tree_file_limits(
        tmp_path: Path) -> None:
    from diagtree._load.limits import FILE_LIMITS, Limits
    from diagtree._testing.scenarios import load_cases

    assert Limits().yaml() == FILE_LIMITS
    path = tmp_path / "cases.yaml"
    path.write_text(_billion_laughs() + "cases: *l8\n", encoding="utf-8")
    cases, problems = load_cases([path])
    assert cases == []
    assert [(p.code, p.location.file) for p in problems] == [("file_too_complex", str(path))]
    assert f"more than {FILE_LIMITS.max_aliases} uses of aliases" in problems[0].message


def test_a_scenario_file_larger_than_a_tree_file_is_refused(tmp_path: Path) -> None:
    from diagtree._testing.scenarios import load_cases

    path = tmp_path / "cases.yaml"
    path.write_text("cases: []\n" + "#" * 600_000 + "\n", encoding="utf-8")
    cases, problems = load_cases([path])
    assert cases == [] and [p.code for p in problems] == ["file_too_large"]
