"""What a lint rule is, how the rules are found, and the reference page generated from them.

A rule is one module in `diagtree._lint.rules` with:

- ``ID``: a stable kebab-case code (what ``# diagtree: disable=ID`` names), the module's name
  with ``-`` for ``_``;
- ``SEVERITY``: ``error``, ``warning`` or ``info`` (info never changes the exit code);
- ``check(ctx) -> Iterator[Problem]``: the problems found in a `LintContext`;
- optionally ``CODES`` (the problem codes it reports when they are not its ID),
  ``NEEDS_LIBRARY = False`` (it also runs when the files did not load),
  ``AFTER_SUPPRESSION = True`` (it runs once suppressions are applied) and
  ``SUPPRESSIBLE = False`` (no comment may suppress its problems);
- a docstring: one paragraph, then ``Fails:`` and ``Passes:``, each followed by an indented
  example. An example is one or more YAML files: a line ``# file: NAME`` starts a file
  (the first one is ``example.yaml`` unless named), ``# facts: a, b`` says that the adapters
  declare only those facts, and a comment ``# <- here`` marks a line the rule reports. The tests
  lint both examples (the failing one must be reported at each marked line, the passing one not
  at all) and `render_rule_docs` turns the docstrings into ``docs/lint-rules.md``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Final

from diagtree._errors import Problem

if TYPE_CHECKING:
    from diagtree._lint._context import LintContext

__all__ = ["SEVERITIES", "Example", "Rule", "all_rules", "render_rule_docs"]

SEVERITIES: Final = ("error", "warning", "info")
_ID: Final = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_MARK: Final = re.compile(r"\s*#\s*<-.*$")
_DIRECTIVE: Final = re.compile(r"^#\s*(file|facts):\s*(.*?)\s*$")


@dataclass(frozen=True)
class Example:
    """A docstring example: its files, the facts it declares, the lines marked ``# <-``."""

    files: tuple[tuple[str, str], ...]  # (file name, text as written, markers included)
    facts: tuple[str, ...] | None  # None: every fact the adapters declare
    marks: tuple[tuple[str, int], ...]  # (file name, 1-based line)

    @staticmethod
    def parse(text: str) -> Example:
        files: list[tuple[str, list[str]]] = []
        facts: tuple[str, ...] | None = None
        for line in text.splitlines():
            directive = _DIRECTIVE.match(line)
            if directive and directive.group(1) == "file":
                files.append((directive.group(2), []))
            elif directive:
                facts = tuple(f.strip() for f in directive.group(2).split(",") if f.strip())
            else:
                if not files:
                    files.append(("example.yaml", []))
                files[-1][1].append(line)
        marks = tuple((name, i) for name, lines in files
                      for i, line in enumerate(lines, 1) if _MARK.search(line))
        return Example(tuple((name, "\n".join(lines).strip("\n") + "\n")
                             for name, lines in files), facts, marks)


@dataclass(frozen=True)
class Rule:
    """A rule module, checked and with its docstring parsed."""

    id: str
    severity: str
    doc: str  # the paragraph
    fails: Example
    passes: Example
    check: Callable[[LintContext], Iterable[Problem]]
    codes: tuple[str, ...]  # the problem codes it reports
    needs_library: bool
    after_suppression: bool  # runs after suppressions are applied (it reads which were used)
    suppressible: bool  # a comment may suppress its problems
    module: str

    @property
    def summary(self) -> str:
        """The paragraph's first sentence."""
        first = re.split(r"(?<=[.!?])\s", self.doc, maxsplit=1)[0]
        return first.rstrip(".:")

    @staticmethod
    def from_module(module: ModuleType) -> Rule:
        name = module.__name__.rsplit(".", 1)[-1]
        rule_id = getattr(module, "ID", None)
        severity = getattr(module, "SEVERITY", None)
        check = getattr(module, "check", None)
        if not isinstance(rule_id, str) or not _ID.match(rule_id) or \
                rule_id.replace("-", "_") != name:
            raise ValueError(f"{module.__name__}: ID must be the module name in kebab-case")
        if severity not in SEVERITIES:
            raise ValueError(f"{module.__name__}: SEVERITY must be one of {SEVERITIES}")
        if not callable(check):
            raise ValueError(f"{module.__name__}: needs check(ctx)")
        doc, fails, passes = _split_doc(inspect.cleandoc(module.__doc__ or ""), module.__name__)
        codes = tuple(getattr(module, "CODES", (rule_id,)))
        return Rule(rule_id, str(severity), doc, fails, passes, check, codes,
                    bool(getattr(module, "NEEDS_LIBRARY", True)),
                    bool(getattr(module, "AFTER_SUPPRESSION", False)),
                    bool(getattr(module, "SUPPRESSIBLE", True)), module.__name__)


def _split_doc(doc: str, where: str) -> tuple[str, Example, Example]:
    m = re.match(r"(?s)(?P<para>.*?)\n\s*\nFails:\n(?P<fails>.*?)\nPasses:\n(?P<passes>.*)$",
                 doc)
    if m is None or not m.group("para").strip():
        raise ValueError(f"{where}: the docstring needs a paragraph, `Fails:` and `Passes:`")
    para = m.group("para").strip()
    if "\n\n" in para:
        raise ValueError(f"{where}: the description must be one paragraph")
    return (" ".join(para.split()), Example.parse(inspect.cleandoc(m.group("fails"))),
            Example.parse(inspect.cleandoc(m.group("passes"))))


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule in `diagtree._lint.rules`, by id."""
    from diagtree._lint import rules  # noqa: PLC0415 - the rules import this module

    found = [Rule.from_module(importlib.import_module(f"{rules.__name__}.{info.name}"))
             for info in pkgutil.iter_modules(rules.__path__) if not info.name.startswith("_")]
    return tuple(sorted(found, key=lambda r: r.id))


_INTRO = """\
# Lint rules

<!-- Generated by `diagtree._lint.render_rule_docs()` from the rules' docstrings
(`diagtree/_lint/rules/`). Do not edit: change the docstring, then run
`DIAGTREE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_lint.py`. -->

`diagtree lint PATH…` loads the knowledge files like `diagtree validate` (and reports the same
errors, first: files that do not load are not linted further), then runs the rules below — the
mistakes that load fine but send complaints the wrong way. Given a single file, it lints that
file in the context of its knowledge folder, like `validate`.

```text
diagtree lint PATH… [--format text|json|github|sarif] [--strict] [--show-info]
```

- **Exit code**: 0 clean; 1 when there is any error (a rule's, or the files do not load);
  2 when there are warnings and `--strict` is given (also: a path that does not exist).
  `info` findings never change the exit code.
- **Formats**: `text` (default) prints `file:line:col: severity CODE message (hint)`, the
  source line and a caret, like `validate`; `json` prints `{"problems": […], "summary": {…}}`;
  `github` prints workflow commands (`::error file=…,line=…,col=…,title=CODE::message`) that
  GitHub Actions shows as annotations on the pull request; `sarif` prints a SARIF 2.1.0 log,
  with every rule's id, severity and description, for code-scanning tools. The summary goes to
  standard error. `info` findings are in `json` and `sarif`, and in `text` and `github` with
  `--show-info`.
- **Suppressing** a finding: a YAML comment `# diagtree: disable=CODE[,CODE…]` at the end of
  the reported line, or on a line of its own just above it (several such lines may stack), turns
  those rules off for that line. Say why in the same comment
  (`# diagtree: disable=table-row-overlap  row 1 must win`). A suppression that no longer
  suppresses anything is reported (`useless-suppression`), so they do not pile up. The errors
  `validate` reports (including the script lint's) cannot be suppressed: the engine refuses
  those files.

Each rule's pair of examples is linted by `tests/test_lint.py`: the rule reports the first at
each line marked `# <- here`, and does not report the second. The examples are cut down to what
the rule looks at, so other rules may still have something to say about them (a tree that
concludes two causes of its symptom's ten is `unreachable-cause`). Each loads in a folder of
its own, without a catalog or a policy unless it shows one; `# facts:` names the only facts the
adapters declare for that example.
"""


def render_rule_docs() -> str:
    """The Markdown reference of every rule (``docs/lint-rules.md``)."""
    rules = all_rules()
    out = [_INTRO, "| rule | severity | finds |", "|---|---|---|"]
    out += [f"| [`{r.id}`](#{r.id}) | {r.severity} | {r.summary} |" for r in rules]
    for rule in rules:
        out += ["", f"## {rule.id}", "", f"Severity: **{rule.severity}**."
                + (" Codes: " + ", ".join(f"`{c}`" for c in rule.codes) + "."
                   if rule.codes != (rule.id,) else ""), "", rule.doc]
        for title, example in (("Reported", rule.fails), ("Not reported", rule.passes)):
            out += ["", f"**{title}:**"]
            if example.facts is not None:
                out += ["", "With the adapters declaring only "
                        + ", ".join(f"`{f}`" for f in example.facts) + ":"]
            for name, text in example.files:
                if len(example.files) > 1:
                    out += ["", f"`{name}`:"]
                out += ["", "```yaml", text.rstrip("\n"), "```"]
    return "\n".join(out) + "\n"
