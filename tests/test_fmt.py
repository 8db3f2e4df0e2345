"""`diagtree fmt`: the canonical layout, comments kept, idempotence, re-loading to an equal model.

- Golden examples: key order, flow/block, quoting, block scalars, comments in place.
- Properties (hypothesis): generated trees written in random layouts (indentation, flow or
  block, quoting, key order, block scalars) with random comments format to a fixed point that
  `load_library` loads to the same documents and the same YAML data, with every comment kept
  and node comments / end-of-line comments on conditions still beside their node / condition.
- Every shipped tree: the same, through `load_library` on a copy of the shipped folder.
- The guard: a formatter that changed the meaning is refused, nothing is written.
- The CLI: `--check` / `--diff` / writing, exit codes, files with load errors left alone.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_tree_properties import tree_files

from diagtree._author import fmt as _fmt
from diagtree._author.fmt import (
    FmtError,
    NotLoadable,
    comments_of,
    data_of,
    document_model,
    format_checked,
    format_text,
)
from diagtree._cli.fmt import add_fmt
from diagtree._compile.library import Library, load_library
from diagtree._errors import AuthoringError

from tree_helpers import load, real_schemas, small_schemas, write

ROOT = Path(__file__).resolve().parent.parent
TREES = ROOT / "trees"
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def models(lib: Library) -> dict[str, object]:
    return {doc_id: document_model(doc) for doc_id, doc in lib.documents.items()}


def tree_paths(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.yaml")
                  if re.search(r"^(tree|subtree)\s*:", p.read_text(encoding="utf-8"), re.M))


# -- golden examples ---------------------------------------------------------------------------
MESSY = """\
# header: who owns this file
version: 1.0.0
tree: t1   # the id
nodes:
    # the first question
    d0:
        no: o0
        on_unknown: o0
        yes: d1          # true goes on
        check: 's.flag and t.ok'   # why this comes first
    d1:
        default: o0
        table:
        -   then: o0
            when: s.count > 2
            note: on
        -   when: 's.name == "x: y"'
            then: o0
    o0:
        values: {n: s.count, label: '"a #1"'}
        note: |
            kept as written
              with its indentation
        outcome: network.weak_coverage
start: d0
changelog:
-   note: first version
    version: '1.0.0'
    date: 2026-11-22
symptoms:
- no_service
title:
    zh-CN: 标题
    en: "Title"
"""

CANONICAL = """\
# header: who owns this file
tree: t1  # the id
version: "1.0.0"
title: {zh-CN: 标题, en: Title}
symptoms: [no_service]
changelog:
  - {version: "1.0.0", date: "2026-11-22", note: first version}
start: d0
nodes:
  # the first question
  d0:
    check: s.flag and t.ok  # why this comes first
    yes: d1  # true goes on
    no: o0
    on_unknown: o0
  d1:
    table:
      - when: s.count > 2
        then: o0
        note: on
      - when: 's.name == "x: y"'
        then: o0
    default: o0
  o0:
    outcome: network.weak_coverage
    values:
      "n": s.count
      label: '"a #1"'
    note: |
      kept as written
        with its indentation
"""


def test_a_messy_tree_formats_to_the_canonical_layout(tmp_path: Path) -> None:
    assert format_text(MESSY) == CANONICAL
    assert format_text(CANONICAL) == CANONICAL
    schema, _ = small_schemas()
    assert format_checked(MESSY, "t.yaml", schema) == CANONICAL
    before = load(write(tmp_path / "a", "t.yaml", MESSY))
    after = load(write(tmp_path / "b", "t.yaml", CANONICAL))
    assert models(before) == models(after)


VERSIONED = """\
tree: t1
version: "2.0.0"
effective_from: "2027-01-01"
title: T
symptoms: [no_service]
start: o0
nodes:
  o0:
    outcome: network.weak_coverage
"""


def test_effective_from_stays_under_version() -> None:
    """Regression: fmt's key order lacked `effective_from` (the loader had it), so `diagtree
    fmt` moved it below `nodes:`. The order is now the schema's (`_check.schema`)."""
    schema, _ = small_schemas()
    assert format_checked(VERSIONED, "t.yaml", schema) == VERSIONED
    moved = VERSIONED.replace('effective_from: "2027-01-01"\n', "") + \
        'effective_from: "2027-01-01"\n'
    assert format_checked(moved, "t.yaml", schema) == VERSIONED


@pytest.mark.parametrize(("written", "canonical"), [
    ("'yes'", '"yes"'), ("yes", "yes"), ("True", "true"), ("'no'", '"no"'), ("'On'", '"On"'),
    ("'off'", '"off"'), ("'y'", '"y"'),
    ("'1.0.0'", '"1.0.0"'), ("'2026-11-22'", '"2026-11-22"'), ("'12'", '"12"'),
    ("'null'", '"null"'), ("'~'", '"~"'), ("''", '""'), ("'a: b'", '"a: b"'),
    ("'a #b'", '"a #b"'), ("'- x'", '"- x"'), ("'#x'", '"#x"'), ("'@x'", '"@x"'),
    ("'\"q\" == x'", "'\"q\" == x'"), ('"back\\\\slash"', "back\\slash"),
    ("'a: \\b'", "'a: \\b'"),
    ('"two\\nlines"', '"two\\nlines"'), ("'a#b'", "a#b"), ("\"it's\"", "it's"),
    ('"中文 说明"', "中文 说明"), ("'x == \"a\"'", 'x == "a"'),
])
def test_strings_are_quoted_only_where_yaml_would_misread_them(written: str,
                                                                 canonical: str) -> None:
    text = f"tree: t1\nowner: {written}\n"
    out = format_text(text)
    assert out == f"tree: t1\nowner: {canonical}\n"
    assert data_of(out) == data_of(text)


def test_keys_are_quoted_where_yaml_would_misread_them_but_not_yes_and_no_of_a_node() -> None:
    text = ("tree: t1\nnodes:\n  a:\n    'yes': b\n    \"no\": c\n    check: s.flag\n"
            "  s:\n    switch: s.name\n    cases: {'on': a, null: b, 'yes': c, x: d}\n")
    out = format_text(text)
    assert "    yes: b\n    no: c\n" in out
    assert '      "on": a\n      "null": b\n      "yes": c\n      x: d\n' in out


def test_block_scalars_stay_block_scalars_with_their_lines() -> None:
    text = ("tree: t1\ndescription: >-\n        folded\n        lines\n\n"
            "            more indented\nnodes:\n  a:\n    check: |\n      s.flag\n"
            "      and t.ok\n    note: |2\n         leading spaces\n        kept\n"
            "    yes: b\n    no: b\n")
    out = format_text(text)
    assert out == ("tree: t1\ndescription: >-\n  folded\n  lines\n\n      more indented\n"
                   "nodes:\n  a:\n    check: |\n      s.flag\n      and t.ok\n    yes: b\n"
                   "    no: b\n    note: |2\n         leading spaces\n        kept\n")
    assert data_of(out) == data_of(text)


def test_long_conditions_stay_on_one_line_and_long_flow_mappings_become_block() -> None:
    cond = " and ".join(f"s.flag{i}" for i in range(30))
    exits = {f"exit_number_{i}": f"target_{i}" for i in range(8)}
    text = yaml.safe_dump({"tree": "t1", "nodes": {"a": {"check": cond, "yes": "b", "no": "b"},
                                                   "u": {"use": "s", "exits": exits}}},
                          width=60)
    out = format_text(text)
    assert f"    check: {cond}\n" in out
    assert "    exits:\n      exit_number_0: target_0\n" in out
    assert all(len(line) <= _fmt.WIDTH for line in out.splitlines() if "check" not in line)


def test_comments_stay_with_their_key_when_keys_are_reordered() -> None:
    text = ("tree: t1\nnodes:\n  a:\n    # where false goes\n    no: c\n"
            "    yes: b  # where true goes\n    check: s.flag\n  # section\n  b:\n"
            "    outcome: x\n# the end\n")
    out = format_text(text)
    assert out == ("tree: t1\nnodes:\n  a:\n    check: s.flag\n    yes: b  # where true goes\n"
                   "    # where false goes\n    no: c\n  # section\n  b:\n    outcome: x\n"
                   "# the end\n")


def test_a_collection_holding_a_comment_stays_in_block_style() -> None:
    text = "tree: t1\ntitle:\n  zh-CN: 中  # Chinese\n  en: X\nexits: [a, b]  # both\n"
    assert format_text(text) == ("tree: t1\ntitle:\n  zh-CN: 中  # Chinese\n  en: X\n"
                                 "exits: [a, b]  # both\n")


@pytest.mark.parametrize("text", [
    "tree: &id t1\nstart: *id\n", "tree: t1\nnodes:\n  a: &n {outcome: x}\n  b: *n\n",
    "tree: t1\nowner: !!str x\n", "tree: t1\nnodes:\n  <<: {a: {outcome: x}}\n",
    "- tree\n", "outcomes: {}\n", "tree: [unclosed\n", "%YAML 1.1\n---\ntree: t1\n",
])
def test_files_fmt_cannot_rewrite_safely_are_refused(text: str) -> None:
    with pytest.raises(FmtError):
        format_text(text)


def test_a_file_that_does_not_load_is_not_formatted() -> None:
    schema, _ = small_schemas()
    with pytest.raises(NotLoadable) as info:
        format_checked("tree: t1\nversion: '1'\ntitle: T\nsymptoms: [no_service]\n"
                       "start: a\nnodes:\n  a: {check: s.flg, yes: b, no: b}\n"
                       "  b: {outcome: device.settings}\n", "t.yaml", schema)
    assert [p.code for p in info.value.problems] == ["unknown_fact"]


SMALL_TREE = """\
tree: t1
version: "1"
title: T
symptoms: [no_service]
start: a
nodes:
  a:
    check: s.flag
    yes: b
    no: c
    note: keep me
  b:
    outcome: device.settings
  c:
    outcome: network.weak_coverage
"""


@pytest.mark.parametrize(("broken", "message"), [
    (lambda t: t.replace("yes: b", "yes: c"), "node 'a'"),
    (lambda t: t.replace("keep me", "kept me"), "read differently"),
    (lambda t: t + "# invented\n", "comment"),
    (lambda t: t.replace("  b:", "  bb:"), "the nodes or their order"),
    (lambda t: t.replace("s.flag", "s.flg"), "would not load"),
])
def test_a_formatter_that_changes_the_meaning_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                         broken: Any, message: str) -> None:
    """The guard OPA's fmt has: re-read the output before writing it."""
    schema, _ = small_schemas()
    real = _fmt._format
    monkeypatch.setattr(_fmt, "_format", lambda text: (broken(real(text)[0]), real(text)[1]))
    with pytest.raises(FmtError, match=message):
        format_checked(SMALL_TREE.replace('"1"', "'1'"), "t.yaml", schema)


def test_an_unstable_formatter_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    schema, _ = small_schemas()
    real = _fmt._format

    def unstable(text: str) -> tuple[str, Any]:
        out, comments = real(text)
        return out.replace("keep me", "'keep me'" if "'keep" not in text else "keep me"), \
            comments

    monkeypatch.setattr(_fmt, "_format", unstable)
    with pytest.raises(FmtError, match="not stable"):
        format_checked(SMALL_TREE, "t.yaml", schema)


# -- properties: generated trees in random layouts ---------------------------------------------
def _plain_ok(text: str, flow: bool) -> bool:
    """Whether `text` written plain reads back as the same string (PyYAML, YAML 1.1)."""
    if not text or text != text.strip() or "\n" in text or "#" in text:
        return False
    if text.lower() in ("y", "n", "yes", "no", "on", "off"):
        return False
    doc = f"[{text}]" if flow else f"k: {text}"
    try:
        data = yaml.safe_load(doc)
    except yaml.YAMLError:
        return False
    return data == ([text] if flow else {"k": text})


class Messy:
    """Writes YAML-ready data in a random layout, with random comments."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.step = draw(st.sampled_from([2, 3, 4]))
        self.indentless = draw(st.booleans())  # `key:\n- item` instead of `key:\n  - item`
        self.count = 0
        self.node_comments: dict[str, str] = {}  # node id -> full-line comment above it
        self.cond_comments: dict[str, str] = {}  # node id -> end-of-line comment on `check:`

    def comment(self, kind: str) -> str:
        self.count += 1
        return f"# {kind}-{self.count}" + self.draw(st.sampled_from(["", " x: y", " #", " 中"]))

    def chance(self, n: int) -> bool:
        return self.draw(st.integers(0, n - 1)) == 0

    def key(self, key: str) -> str:
        if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", key) and (
                key in ("yes", "no") or self.draw(st.booleans()) or _plain_ok(key, False)):
            return key
        return json.dumps(key, ensure_ascii=False)

    def scalar(self, value: Any, flow: bool) -> str:
        if value is None:
            return self.draw(st.sampled_from(["null", "~"]))
        if isinstance(value, bool):
            return self.draw(st.sampled_from(["true", "True"] if value else ["false", "False"]))
        if isinstance(value, int):
            return str(value)
        styles = ["double"]
        if _plain_ok(value, flow):
            styles += ["plain", "plain"]
        if "\n" not in value and value.isprintable():
            styles.append("single")
        style = self.draw(st.sampled_from(styles))
        if style == "plain":
            return str(value)
        if style == "single":
            return "'" + value.replace("'", "''") + "'"
        return json.dumps(value, ensure_ascii=False)

    def block_scalar(self, value: str, indent: int) -> list[str] | None:
        pad = " " * (indent + self.step)
        body = value.rstrip("\n")
        if body and body == body.strip() and value != body and "\n" not in body:
            header = "|" if value == body + "\n" else "|+"  # clip, or keep the blank lines
            return [header, pad + body, *[""] * (len(value) - len(body) - 1)]
        if not value or value != value.strip() or "\r" in value or (
                not value.isprintable() and "\n" not in value):
            return None
        if "\n" not in value and "  " not in value and self.draw(st.booleans()):
            words = value.split(" ")
            cut = self.draw(st.integers(1, len(words)))
            lines = [" ".join(words[:cut]), " ".join(words[cut:])]
            return [">-", *(pad + x for x in lines if x)]
        if any(not line.isprintable() for line in value.split("\n")):
            return None
        return ["|-", *(pad + x if x else "" for x in value.split("\n"))]

    def flow(self, value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.key(k)}: {self.flow(v)}"
                                   for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.flow(v) for v in value) + "]"
        return self.scalar(value, flow=True)

    def mapping(self, value: dict[str, Any], indent: int, path: tuple[str, ...],
                owner: str = "") -> list[str]:
        items = list(value.items())
        if path in ((), ("nodes", "*"), ("questions", "*"), ("changelog", "*"),
                    ("nodes", "*", "table", "*")):
            items = self.draw(st.permutations(items))  # key order is free there
        lines: list[str] = []
        pad = " " * indent
        for key, item in items:
            if path == ("nodes",):
                if self.chance(3):
                    self.node_comments[key] = self.comment("node")
                    lines.append(pad + self.node_comments[key])
            elif self.chance(12):
                lines.append(pad + self.comment("lead"))
            here = (*path, "*" if path in (("nodes",), ("questions",)) else key)
            eol = ""
            if path == ("nodes", "*") and key == "check" and self.chance(2):
                self.cond_comments[owner] = self.comment("cond")
                eol = self.cond_comments[owner]
            elif self.chance(10):
                eol = self.comment("eol")
            lines += self.entry(pad + self.key(key) + ":", item, indent, here, key, eol)
        return lines

    def entry(self, intro: str, value: Any, indent: int, path: tuple[str, ...],
              owner: str = "", eol: str = "") -> list[str]:
        """The lines of `intro` (`key:` or `-`) and `value`; `eol` is an end-of-line comment
        for the line it can go on."""
        inner = indent + self.step
        tail = "  " + eol if eol else ""
        if isinstance(value, dict | list) and (not value or self.chance(3)) and \
                not (isinstance(value, dict) and path in (("nodes",), ("nodes", "*"))):
            return [f"{intro} {self.flow(value)}{tail}"]
        if isinstance(value, dict):
            return [intro + tail, *self.mapping(value, inner, path, owner)]
        if isinstance(value, list):
            at = indent if self.indentless and not intro.lstrip().startswith("-") else inner
            out = [intro + tail]
            for item in value:
                out += self.item(item, at, (*path, "*"))
            return out
        if isinstance(value, str) and self.chance(4):
            block = self.block_scalar(value, indent)
            if block is not None:
                return [f"{intro} {block[0]}{tail}", *block[1:]]
        text = self.scalar(value, flow=False)
        if text == value and " " in text and "  " not in text and self.chance(3):
            head, _, rest = text.partition(" ")  # a plain scalar folded onto the next line
            return [f"{intro} {head}", " " * inner + rest + tail]
        return [f"{intro} {text}{tail}"]

    def item(self, value: Any, indent: int, path: tuple[str, ...]) -> list[str]:
        pad = " " * indent
        if isinstance(value, dict) and value and not self.chance(3):
            lines = self.mapping(value, indent + 2, path)
            first = next(i for i, x in enumerate(lines) if not x.lstrip().startswith("#"))
            lines[first] = pad + "- " + lines[first][indent + 2:]
            return lines
        if isinstance(value, dict) and value and self.chance(2):  # `-  # comment` alone
            return [pad + "-  " + self.comment("dash"),
                    *self.mapping(value, indent + self.step, path)]
        return self.entry(pad + "-", value, indent, path,
                          eol=self.comment("eol") if self.chance(10) else "")


NOTES = ["first version", "yes", "no", "On", "1.0.0", "2026-11-22", "a: b", "x #y", "#hash",
         "'q'", '"dq" == x', "中文 说明", "back\\slash", "- dash", "null", "~", "", "tab\there",
         "line one\nline two", "trailing:", "{brace}", "[b]", "a, b", "100", "0x1F", "1e5",
         "true", "@at", "%pct", "!bang", "&amp", "*star", "|pipe", ">gt", "?q", "y",
         "a long note " * 12, "ends with a line break\n", "keeps\n\n\n"]


@st.composite
def decorated(draw: st.DrawFn, files: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Add the optional keys generated trees lack: notes, descriptions, changelogs, owners."""
    out = {}
    for name, original in files.items():
        data = dict(original)
        if draw(st.booleans()):
            data["description"] = draw(st.sampled_from(NOTES))
        if draw(st.booleans()):
            data["owner"] = draw(st.sampled_from(["network-ops", "a b", "1.5"]))
        if draw(st.booleans()):
            data["changelog"] = [{"version": draw(st.sampled_from(["1", "1.0.0", "2.1"])),
                                  "date": "2026-11-22", "note": draw(st.sampled_from(NOTES))}]
        if draw(st.booleans()):
            data["title"] = {"zh-CN": "标题", "en": draw(st.sampled_from(NOTES[:12]))}
        nodes = {}
        for node_id, node in data["nodes"].items():
            nodes[node_id] = dict(node)
            if draw(st.integers(0, 3)) == 0:
                nodes[node_id]["note"] = draw(st.sampled_from(NOTES))
        data["nodes"] = nodes
        out[name] = data
    return out


@st.composite
def messy_files(draw: st.DrawFn) -> tuple[dict[str, str], list[Messy]]:
    files = draw(decorated(draw(tree_files(bad=False))))
    writers = []
    texts = {}
    for name, data in files.items():
        writer = Messy(draw)
        lines = []
        if draw(st.booleans()):
            lines.append(writer.comment("header"))
        lines += writer.mapping(data, 0, ())
        if draw(st.booleans()):
            lines.append(writer.comment("footer"))
        texts[name] = "\n".join(lines) + "\n"
        writers.append(writer)
    return texts, writers


@pytest.fixture(scope="module")
def folders() -> Iterator[tuple[Path, Path]]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp) / "before", Path(tmp) / "after"


def _fresh(folder: Path, texts: dict[str, str]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")


@SETTINGS
@given(generated=messy_files())
def test_generated_trees_in_any_layout_format_to_a_fixed_point_with_the_same_model(
        folders: tuple[Path, Path], generated: tuple[dict[str, str], list[Messy]]) -> None:
    texts, writers = generated
    before_dir, after_dir = folders
    _fresh(before_dir, texts)
    try:
        before = load(before_dir)
    except AuthoringError as exc:  # sound generated trees do not always load (see there)
        assert {p.code for p in exc.problems} <= {"unreachable_node", "switch_needs_default",
                                                   "no_outcome"}, str(exc)
        event("refused")
        return
    event("loaded")
    schema, _ = small_schemas()
    # format_checked itself checks the fixed point, the comments and the YAML data
    out = {name: format_checked(text, name, schema) for name, text in texts.items()}
    _fresh(after_dir, out)
    assert models(load(after_dir)) == models(before)
    for name, writer in zip(texts, writers, strict=True):
        lines = out[name].splitlines()
        for node_id, comment in writer.node_comments.items():
            at = lines.index("  " + comment)
            below = next(x for x in lines[at:] if not x.lstrip().startswith("#"))
            assert below.split("  #")[0] == f"  {node_id}:", (comment, out[name])
        for node_id, comment in writer.cond_comments.items():
            line = next(x for x in lines if x.endswith("  " + comment))
            assert line.startswith("    check: "), (comment, out[name])
            owner = next(x for x in reversed(lines[:lines.index(line)])
                         if re.match(r"^  \S", x) and not x.lstrip().startswith("#"))
            assert owner.split("  #")[0] == f"  {node_id}:", (comment, out[name])


# -- every shipped tree --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped_formatted() -> Iterator[tuple[Path, dict[Path, str]]]:
    """A copy of the shipped folder with every tree file formatted (scenarios left out)."""
    schema, _ = real_schemas()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "trees"
        shutil.copytree(TREES, copy, ignore=shutil.ignore_patterns("scenarios"))
        out: dict[Path, str] = {}
        for path in tree_paths(copy):
            text = path.read_text(encoding="utf-8")
            out[path] = format_checked(text, str(path), schema)
            path.write_text(out[path], encoding="utf-8")
        yield copy, out


def test_every_shipped_tree_formats_to_a_fixed_point_that_loads_to_the_same_documents(
        shipped_formatted: tuple[Path, dict[Path, str]]) -> None:
    copy, out = shipped_formatted
    assert len(out) == len(tree_paths(TREES))
    schema, policy_schema = real_schemas()
    before = load_library([p for p in TREES.rglob("*.yaml") if "scenarios" not in p.parts],
                          schema, policy_schema)
    after = load_library([copy], schema, policy_schema)
    assert models(after) == models(before)
    for path, text in out.items():
        original = (TREES / path.relative_to(copy)).read_text(encoding="utf-8")
        assert format_text(text) == text, path
        assert comments_of(text) == comments_of(original), path
        assert data_of(text) == data_of(original), path


def _key_of(line: str) -> str:
    return line.split(":", maxsplit=1)[0].strip()


def _anchor(lines: list[str], comment: str) -> str:
    """The key a comment belongs to: its own line's, or (alone on its line) the next line's."""
    at = next(i for i, x in enumerate(lines) if x.endswith(comment))
    if lines[at].strip() != comment:
        return _key_of(lines[at])
    return _key_of(next((x for x in lines[at:] if not x.lstrip().startswith("#")), "<end>"))


def test_every_comment_of_a_shipped_tree_stays_beside_its_key(
        shipped_formatted: tuple[Path, dict[Path, str]]) -> None:
    """A full-line comment still sits above the same key, an end-of-line one on its line."""
    copy, out = shipped_formatted
    seen = 0
    for path, text in out.items():
        original = (TREES / path.relative_to(copy)).read_text(encoding="utf-8")
        for comment in comments_of(original):
            assert _anchor(text.splitlines(), comment) == \
                _anchor(original.splitlines(), comment), (path, comment)
            seen += 1
    assert seen >= 1  # the shipped trees have comments (cannot_call_out, number_recycled)


# -- the command line ----------------------------------------------------------------------------
def fmt(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="diagtree")
    add_fmt(parser.add_subparsers(dest="verb", required=True))
    args = parser.parse_args(["fmt", *argv])
    code: int = args.run(args)
    return code


REAL_TREE = """\
nodes:
  odb:
    yes: recycled   # reclaimed
    check: hlr.number_state == "reclaimed"
    no: clear
  recycled: {outcome: subscriber.number_recycled}
  clear:
    outcome: unknown.needs_investigation
start: odb
version: '1.0.0'
title: {en: Recycled, zh-CN: 回收}
symptoms: [no_service]
tree: t1
"""


def test_check_lists_the_files_that_would_change_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "t.yaml", REAL_TREE)
    write(tmp_path, "cases.yaml", "cases: []\n")
    other = write(tmp_path, "other.yaml", "cases:   [ ]\n")
    assert fmt("--check", str(tmp_path)) == 1
    assert f"would reformat {path}" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == REAL_TREE
    assert fmt("--diff", str(path)) == 0
    diff = capsys.readouterr().out
    assert "-tree: t1\n" in diff and "+tree: t1\n" in diff
    assert path.read_text(encoding="utf-8") == REAL_TREE
    assert fmt(str(tmp_path)) == 0
    assert f"reformatted {path}" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8").startswith('tree: t1\nversion: "1.0.0"\n')
    assert "    yes: recycled  # reclaimed\n" in path.read_text(encoding="utf-8")
    assert other.read_text(encoding="utf-8") == "cases:   [ ]\n"  # not a tree: left alone
    assert fmt("--check", str(tmp_path)) == 0
    assert capsys.readouterr().out == ""


def test_a_file_with_load_errors_is_reported_and_left_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = REAL_TREE.replace("hlr.number_state", "hlr.numbr_state")
    path = write(tmp_path, "t.yaml", bad)
    good = write(tmp_path, "u.yaml", REAL_TREE.replace("tree: t1", "tree: t2")
                 .replace("[no_service]", "[no_data]"))
    assert fmt(str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert "unknown_fact" in err and f"{path}: not formatted" in err
    assert path.read_text(encoding="utf-8") == bad
    assert good.read_text(encoding="utf-8").startswith("tree: t2\n")  # the others still are
    assert fmt("--check", str(path)) == 1


def test_broken_yaml_and_missing_paths(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "t.yaml", "tree: t1\nnodes: [unclosed\n")
    assert fmt(str(path)) == 1
    assert "not formatted" in capsys.readouterr().err
    assert fmt(str(tmp_path / "nope.yaml")) == 2


def test_fmt_check_passes_on_a_formatted_copy_of_the_shipped_trees(
        shipped_formatted: tuple[Path, dict[Path, str]],
        capsys: pytest.CaptureFixture[str]) -> None:
    copy, _ = shipped_formatted
    assert fmt("--check", str(copy)) == 0, capsys.readouterr()
