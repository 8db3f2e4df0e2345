"""Execute the documentation: every example in ``docs/*.md`` must run and show the truth.

Conventions for fenced blocks in the docs (the info string after the opening fence):

``python``
    Executed, in order, in one namespace per Markdown file, with the working directory set to a
    fresh temporary folder (one per file). ``python no-run`` is shown but not executed: use it
    only for code that cannot run here (a real network client), and say why next to it.
``yaml file=PATH``
    Written to ``PATH`` (relative to that temporary folder; parents are created) when reached, so
    that later blocks — Python, or ``diagtree`` commands — can use it. A later block with the same
    ``file=`` overwrites it.
``yaml`` (no ``file=``)
    A fragment for the reader; it must at least parse with ``diagtree._load.yaml.load_yaml`` without
    any problem.
``console`` (optionally ``console exit=N``)
    Lines starting with ``$ diagtree …`` are run with ``diagtree._cli.main`` (in-process, same
    working directory); the lines up to the next ``$`` line are the expected standard output.
    They must appear in the output in that order and contiguously, except that a line holding only
    ``...`` stands for any number of lines and ``...`` inside a line stands for any text. Each
    command must exit with ``N`` (default 0). Trailing spaces are ignored.

Any other language (``text``, ``json``, ``sh``…) is left alone. Relative links between the docs
must point at files that exist.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from diagtree._cli import main as cli_main
from diagtree._load.yaml import load_yaml

DOCS = Path(__file__).resolve().parent.parent / "docs"
DOC_FILES = sorted(DOCS.glob("*.md"))

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")


@dataclass(frozen=True)
class Block:
    lang: str
    options: dict[str, str]
    flags: frozenset[str]
    text: str
    line: int  # 1-based line of the opening fence

    def where(self, doc: Path) -> str:
        return f"{doc.name}:{self.line}"


def parse_blocks(markdown: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, in order."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info").strip()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not (lines[i].strip().startswith(fence)
                                      and lines[i].strip().strip(fence[0]) == ""):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        words = info.split()
        lang = words[0] if words else ""
        options = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        flags = frozenset(w for w in words[1:] if "=" not in w)
        blocks.append(Block(lang, options, flags, "\n".join(body) + "\n", start + 1))
    return blocks


# -- console blocks ---------------------------------------------------------------------------
def parse_console(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each ``$`` line of a console block."""
    out: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            out.append((line[2:].strip(), []))
        elif out:
            out[-1][1].append(line.rstrip())
        elif line.strip():
            raise AssertionError(f"console block must start with a `$ ` line, got {line!r}")
    return out


def expected_pattern(expected: list[str]) -> re.Pattern[str]:
    """A regex for the expected lines: ``...`` alone skips lines, inside a line any text."""
    while expected and not expected[-1]:
        expected = expected[:-1]
    parts: list[str] = []
    for line in expected:
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(p) for p in line.split("...")) + r"[ \t]*\n")
    return re.compile("(?m)^" + "".join(parts))


def run_cli(command: str) -> tuple[int, str, str]:
    argv = shlex.split(command)
    assert argv and argv[0] == "diagtree", f"console commands run diagtree, not {argv[:1]}"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main(argv[1:])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def check_console(block: Block, doc: Path) -> None:
    want_code = int(block.options.get("exit", "0"))
    commands = parse_console(block.text)
    assert commands, f"{block.where(doc)}: console block without a `$ diagtree` line"
    for command, expected in commands:
        code, stdout, stderr = run_cli(command)
        output = "\n".join(line.rstrip() for line in stdout.splitlines()) + "\n"
        context = (f"{block.where(doc)}: `{command}`\n--- stdout ---\n{stdout}"
                   f"--- stderr ---\n{stderr}")
        assert code == want_code, f"exit code {code}, expected {want_code}\n{context}"
        if any(line.strip() for line in expected):
            pattern = expected_pattern(expected)
            assert pattern.search(output), (
                "the output does not show the documented lines:\n"
                + "\n".join(expected) + "\n" + context)


# -- the tests --------------------------------------------------------------------------------
def run_doc(doc: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"docs.{doc.stem}"}
    for block in parse_blocks(doc.read_text(encoding="utf-8")):
        if block.lang == "python":
            if "no-run" in block.flags:
                compile(block.text, block.where(doc), "exec")  # it must still be Python
                continue
            exec(compile(block.text, block.where(doc), "exec"), namespace)  # noqa: S102
        elif block.lang in ("yaml", "yml"):
            target = block.options.get("file")
            if target is not None:
                path = Path(target)
                assert not path.is_absolute() and ".." not in path.parts, target
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(block.text, encoding="utf-8")
            else:
                data, _, problems = load_yaml(block.text, block.where(doc))
                assert not problems, f"{block.where(doc)}: " + "; ".join(
                    p.headline() for p in problems)
                assert data is not None, f"{block.where(doc)}: empty YAML block"
        elif block.lang == "console":
            check_console(block, doc)


@pytest.mark.parametrize("doc", DOC_FILES, ids=[d.name for d in DOC_FILES])
def test_doc_examples_run(doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run_doc(doc)


def test_the_docs_exist() -> None:
    names = {d.name for d in DOC_FILES}
    assert {"README.md", "reference.md", "authoring.md", "integration.md"} <= names


_LINK = re.compile(r"\]\((?!https?:|#|mailto:)([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("doc", DOC_FILES, ids=[d.name for d in DOC_FILES])
def test_relative_links_resolve(doc: Path) -> None:
    for target in _LINK.findall(doc.read_text(encoding="utf-8")):
        assert (doc.parent / target).exists(), f"{doc.name}: broken link {target}"


def test_conventions_of_this_harness() -> None:
    blocks = parse_blocks("x\n```yaml file=a/b.yaml\nk: v\n```\n```console exit=1\n"
                          "$ diagtree x\nl1\n```\n")
    assert [(b.lang, b.options) for b in blocks] == [("yaml", {"file": "a/b.yaml"}),
                                                   ("console", {"exit": "1"})]
    pattern = expected_pattern(["a ... c", "...", "z"])
    assert pattern.search("a b c\nx\ny\nz\n")
    assert not expected_pattern(["a", "z"]).search("a\nb\nz\n")
    assert parse_console("$ diagtree test x\n1 passed\n") == [("diagtree test x", ["1 passed"])]
