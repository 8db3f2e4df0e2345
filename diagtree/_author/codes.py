"""Every problem code `validate`, `diagtree test`, complaint parsing, trouble tickets
(`TicketError`) and the HTTP service's problem documents can report, documented.

`CODES` maps each code to a `CodeDoc`: its area, a one-line meaning, what the author should do,
and a short example that triggers it. `render_error_docs` writes ``docs/errors.md`` from it;
``tests/test_problem_codes.py`` checks that every code the code base reports is here (and every
entry is still reported somewhere), that the page is up to date, and that every example that is
not marked illustrative really reports its code.

An `Example` is YAML text. Its `kind` says how the test checks it:

``knowledge``
    knowledge files written into one folder beside `EXAMPLE_CONTEXT` (a small catalog, its
    scripts and a policy) and loaded with `load_library`; a file named like a context file
    replaces it. Several files are separated by ``# file: NAME`` lines (the first file is
    ``tree.yaml`` unless it says otherwise).
``alone``
    the same, without the context files.
``engine``
    the files alone, given to `Engine` (which needs a catalog on top of what loads).
``scenario``
    one scenario file (``cases.yaml``), read with `load_cases`.
``complaint``
    a complaint mapping, given to `parse_complaint`.
``illustrative``
    not executed: what triggers the code cannot be shown in a few lines (a limit, an unreadable
    file).

An example reports exactly its code, plus the codes listed in `also`.

The lint rules' codes (``diagtree lint``) are documented in ``docs/lint-rules.md``, generated
from the rules themselves.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Final

from diagtree._load.yaml import YamlLimits, load_yaml

__all__ = [
    "AREAS",
    "CODES",
    "EXAMPLE_CONTEXT",
    "EXAMPLE_KINDS",
    "CodeDoc",
    "Example",
    "example_files",
    "render_error_docs",
]

EXAMPLE_KINDS: Final = ("knowledge", "alone", "engine", "scenario", "complaint", "illustrative")


@dataclass(frozen=True)
class Example:
    """YAML that triggers a code; see the module docstring for `kind`."""

    text: str
    kind: str = "knowledge"
    also: tuple[str, ...] = ()  # other codes the example reports too


@dataclass(frozen=True)
class CodeDoc:
    """What a problem code means and what to do about it."""

    area: str
    summary: str  # one line: what is wrong
    fix: str  # what the author should do
    example: Example | None = None


#: (area, the sentence that introduces its codes), in the order of the page
AREAS: Final = (
    ("YAML", "The file cannot be read as YAML, or it is not a knowledge file at all."),
    ("keys and values", "A key or a value does not fit the file's schema (in any knowledge or "
                        "scenario file)."),
    ("trees", "The nodes of a tree: their kinds, how they branch and where they end."),
    ("sub-trees", "`use:` nodes, the sub-trees they bring in, and the sub-trees' exits."),
    ("versions", "Several versions of one tree or sub-tree, each in force from its "
                 "`effective_from` date."),
    ("conditions", "The condition language: `check`, `switch`, table rows (`when`), outcome "
                   "`values` and policy rules (`when`)."),
    ("catalog, scripts, policy", "The outcome catalog, the customer-facing scripts and the "
                                 "grading policy, and how the trees use them."),
    ("script lint", "What a script says to the customer (docs/taxonomy.md §6). The word lists are "
                    "in `script_rules.yaml`; `diagtree lint` reports these too, as its "
                    "`script-lint` rule."),
    ("scenarios", "Scenario files, read by `diagtree test`. A malformed case reports the "
                  "[keys and values](#keys-and-values) codes too (`unknown_key`, `missing_key`, "
                  "`type_mismatch`, `unknown_value`)."),
    ("complaints", "The complaint a CRM sends: `ComplaintError.code`. `diagtree test` fails a "
                   "scenario case whose complaint is rejected, with the same reason."),
    ("tickets", "A diagnosis made into a TM Forum TMF621 TroubleTicket "
                "(`diagtree.trouble_ticket`, docs/integration.md): `TicketError.code`, with "
                "`field` naming what stands in the way."),
    ("service", "The HTTP service (`diagtree serve`, docs/service.md) answers every error "
                "with a problem document (RFC 9457): its `code`, also in its `type` "
                "`urn:diagtree:problem:CODE`, and the `field` at fault where there is one. A "
                "complaint or an answer it refuses (422) carries the "
                "[complaint codes](#complaints)."),
)

#: the folder every `knowledge` example is loaded in: a catalog, its scripts and a policy
EXAMPLE_CONTEXT: Final = {
    "outcomes.yaml": """\
outcomes:
  service.staff_conduct: {resolution: dispatch, department: service_quality}
  network.site_outage: {resolution: frontline}
  unknown.needs_investigation: {resolution: dispatch, department: tier2}
  unknown.data_unavailable: {resolution: frontline}
""",
    "scripts.yaml": """\
scripts:
  service.staff_conduct:
    zh-CN: 非常抱歉给您带来不好的体验，服务质量部门将在{{ feedback_due | datetime }}前联系您。
    en: I am sorry; our service quality team will contact you by {{ feedback_due | datetime }}.
  network.site_outage:
    zh-CN: 您附近的基站出现故障，预计{{ eta | time }}恢复。
    en: A site near you is down; service is expected back by {{ eta | time }}.
  unknown.needs_investigation:
    zh-CN: 我们会进一步核查，并在{{ feedback_due | datetime }}前联系您。
    en: We will look into it and contact you by {{ feedback_due | datetime }}.
  unknown.data_unavailable:
    zh-CN: 系统暂时无法查询，请稍后再试。
    en: Our systems cannot be checked right now; please try again later.
""",
    "policy.yaml": """\
policy:
  grades: []
  feedback:
    normal: {within_hours: 48, kind: result}
    escalated: {within_hours: 24}
    major: {within_hours: 6, every_hours: 6}
  authority:
    limits: {agent: 50, supervisor: 200}
    above: billing_center
""",
}

_FILE_MARK: Final = "# file: "


def _tree(body: str, *, tree_id: str = "example", symptoms: str = "[staff_conduct]",
          extra: str = "") -> str:
    """A tree file: the usual header, then `body` (dedented)."""
    return (f'tree: {tree_id}\nversion: "1"\ntitle: Example\nsymptoms: {symptoms}\n{extra}'
            + textwrap.dedent(body).lstrip("\n"))


def _subtree(body: str, *, subtree_id: str = "checks", exits: str = "[clear]") -> str:
    return (f'subtree: {subtree_id}\nversion: "1"\ntitle: Checks\nexits: {exits}\n'
            + textwrap.dedent(body).lstrip("\n"))


def _files(*files: tuple[str, str]) -> str:
    """Several files in one example, each after a ``# file: NAME`` line."""
    return "".join(f"{_FILE_MARK}{name}\n{text}" for name, text in files)


def _complaint(extra: str, *, drop: str = "") -> str:
    """A valid complaint with the `extra` lines (`key: value`, replacing or added) and the key
    `drop` left out."""
    lines = {"id": "C1", "type": "staff_conduct", "msisdn": '"8613800000001"',
             "reported_at": '"2026-11-20T09:30:00+08:00"'}
    lines.pop(drop, None)
    for line in extra.splitlines():
        key, _, value = line.partition(": ")
        lines[key] = value
    return "".join(f"{k}: {v}\n" for k, v in lines.items())


def example_files(example: Example) -> list[tuple[str, str]]:
    """(file name, text) of each file of a `knowledge`/`alone`/`engine` example."""
    if not example.text.startswith(_FILE_MARK):
        return [("tree.yaml", example.text)]
    out: list[tuple[str, str]] = []
    for chunk in example.text.split(_FILE_MARK)[1:]:
        name = chunk.partition("\n")[0]
        out.append((name.strip(), _FILE_MARK + chunk))
    return out


_OUTCOME: Final = "  done: {outcome: service.staff_conduct}\n"

CODES: Final[dict[str, CodeDoc]] = {
    # -- YAML ----------------------------------------------------------------------------------
    "yaml_syntax": CodeDoc(
        "YAML", "The file is not valid YAML (or holds several `---` documents).",
        "Fix the YAML at the caret: an unclosed bracket or quote, a tab used for indentation, "
        "a key indented wrongly. One file holds one document.",
        Example(_tree("""
            start: done
            nodes:
              done: {outcome: service.staff_conduct
            """))),
    "yaml_value": CodeDoc(
        "YAML", "A value has an explicit YAML tag (`!!int`, `!!binary`…) it cannot be read as.",
        "Drop the tag, or quote the value to mean the text.",
        Example(_tree("""
            owner: !!int care-team
            start: done
            nodes:
            """) + _OUTCOME)),
    "yaml_key": CodeDoc(
        "YAML", "A mapping key is a list or a mapping (a complex `? ` key).",
        "Keys are plain names or strings: write the key as text.",
        Example(_tree("""
            ? [owner, team]
            : care
            start: done
            nodes:
            """) + _OUTCOME)),
    "duplicate_key": CodeDoc(
        "YAML", "A key appears twice in one mapping (YAML would silently keep only the last).",
        "Remove or rename one of them; the message says where the first one is.",
        Example(_tree("""
            start: store
            nodes:
              store:
                check: complaint.channel == "store"
                yes: done
                yes: done
                no: done
            """) + _OUTCOME)),
    "yaml_bool_trap": CodeDoc(
        "YAML", "A bare `yes`, `no`, `on`, `off`, `y` or `n` stands where text is expected: "
                "YAML 1.1 tools read it as a boolean.",
        "Quote it (`'no'`) to mean the word, or write `true`/`false` to mean a boolean.",
        Example(_tree("""
            questions:
              still_broken:
                type: choice
                options: [yes, no, not_sure]
                default: not_sure
                text: Is it still broken?
            start: done
            nodes:
            """) + _OUTCOME)),
    "file_too_large": CodeDoc(
        "YAML", "The file is larger than the loader's limit (512 kB for a knowledge file).",
        "Split it: move parts of the tree into sub-trees (`use:`), scripts into several files.",
        Example("# a tree file of more than 512 000 bytes\n", "illustrative")),
    "file_too_complex": CodeDoc(
        "YAML", "The YAML nests too deeply or expands (through aliases) into too many values.",
        "Write the data out plainly; avoid aliases that multiply (`*a` repeated inside lists "
        "that are repeated themselves).",
        Example("""\
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
""")),
    "unreadable_file": CodeDoc(
        "YAML", "The file cannot be read: no permission, or it is not UTF-8 text.",
        "Save it as UTF-8 text, and check that the file can be read (its permissions).",
        Example("# a tree file saved as GBK instead of UTF-8\n", "illustrative")),
    "unknown_file_kind": CodeDoc(
        "YAML", "A YAML file among the knowledge files has none of the top-level keys that "
                "say what it is.",
        "Start the file with `tree:`, `subtree:`, `outcomes:`, `scripts:`, `policy:`, "
        "`script_rules:` or (a scenario file) `cases:`; move other YAML out of the folder.",
        Example("tre: example\n")),
    # -- keys and values -----------------------------------------------------------------------
    "unknown_key": CodeDoc(
        "keys and values", "A key that this kind of file, node or entry does not have "
                           "(usually a typo; the hint suggests the closest key).",
        "Rename it to the key meant, or remove it. The message lists the allowed keys.",
        Example(_tree("""
            ownr: care-team
            start: done
            nodes:
            """) + _OUTCOME)),
    "missing_key": CodeDoc(
        "keys and values", "A required key is missing (a tree's `version`, a check's `no`, a "
                           "dispatched outcome's `department`, a question's `default`…).",
        "Add the key the message names.",
        Example("""\
tree: example
title: Example
symptoms: [staff_conduct]
start: done
nodes:
""" + _OUTCOME)),
    "missing_locale": CodeDoc(
        "keys and values", "A text (a title, a question, a script) lacks one of the locales "
                           "`zh-CN` and `en`.",
        "Add the missing locale, or write a plain string to use the same text for both.",
        Example("""\
tree: example
version: "1"
title: {en: Example}
symptoms: [staff_conduct]
start: done
nodes:
""" + _OUTCOME)),
    "type_mismatch": CodeDoc(
        "keys and values", "A value has the wrong type: a list where text is expected, a case "
                           "that is not a value of the switch's type, or (in a condition) "
                           "operands of different kinds, such as a number compared with text.",
        "Write the type the message asks for. In a condition, compare like with like "
        "(`billing.account.balance < 0`, not `< \"0\"`).",
        Example(_tree("""
            changelog: first version
            start: done
            nodes:
            """) + _OUTCOME)),
    "unknown_value": CodeDoc(
        "keys and values", "A value is not one of those allowed for the key (a question "
                           "`type`, a `resolution`, a `department`, a grade…).",
        "Use one of the values the message lists; the hint suggests the closest.",
        Example(_tree("""
            questions:
              roof_access:
                type: yes_no
                default: false
                text: Can you reach the roof?
            start: done
            nodes:
            """) + _OUTCOME)),
    "expected_mapping": CodeDoc(
        "keys and values", "A mapping (`key: value` pairs) was expected, but the value is "
                           "text, a number or a list.",
        "Write the keys under it; a node, for instance, is `id: {outcome: …}`, not `id: …`.",
        Example(_tree("""
            start: done
            nodes:
              done: service.staff_conduct
            """))),
    "bad_id": CodeDoc(
        "keys and values", "A tree, sub-tree, node or outcome value name is not a simple name.",
        "Use letters, digits, `_` and `-` only, starting with a letter or `_`.",
        Example("""\
tree: staff conduct
version: "1"
title: Example
symptoms: [staff_conduct]
start: done
nodes:
""" + _OUTCOME)),
    # -- trees ---------------------------------------------------------------------------------
    "node_kind": CodeDoc(
        "trees", "A node has no kind, or more than one: exactly one of `check`, `switch`, "
                 "`table`, `ask`, `use`, `outcome`, `exit` is needed.",
        "Give the node exactly one kind (the hint corrects a misspelt one).",
        Example(_tree("""
            start: store
            nodes:
              store:
                cheque: complaint.channel == "store"
                yes: done
                no: done
            """) + _OUTCOME)),
    "unknown_symptom": CodeDoc(
        "trees", "A tree's `symptoms` names a symptom that is not in the taxonomy.",
        "Use a symptom code of docs/taxonomy.md §1 (the hint suggests the closest).",
        Example(_tree("""
            start: done
            nodes:
            """, symptoms="[no_signal]") + _OUTCOME)),
    "unknown_cause": CodeDoc(
        "trees", "An outcome (or a catalog entry) names a cause that is not in the taxonomy.",
        "Use a cause of docs/taxonomy.md §3, or a finer code under one "
        "(`network.site_outage.power`).",
        Example(_tree("""
            start: done
            nodes:
              done: {outcome: network.outage}
            """), also=("cause_not_in_catalog",))),
    "unknown_question": CodeDoc(
        "trees", "An `ask` node asks a question that is neither standard nor declared in the "
                 "file's `questions`.",
        "Declare it under `questions:` with its type, text and default, or use a standard "
        "question's id.",
        Example(_tree("""
            start: raining
            nodes:
              raining:
                ask: is_it_raining
                yes: done
                no: done
            """) + _OUTCOME)),
    "question_conflict": CodeDoc(
        "trees", "A question id means two different questions: a standard question "
                 "redeclared differently, or one id asked with different options in two files.",
        "Give a different question a different id.",
        Example(_tree("""
            questions:
              airplane_mode:
                type: bool
                default: true
                text: Is airplane mode on?
            start: done
            nodes:
            """) + _OUTCOME)),
    "unknown_option": CodeDoc(
        "trees", "An `ask` node's `cases` has a key that is not an option of its question.",
        "Use the question's `options` as the keys (the hint suggests the closest).",
        Example(_tree("""
            questions:
              where:
                type: choice
                options: [indoors, outdoors]
                default: indoors
                text: Where does it happen?
            start: where
            nodes:
              where:
                ask: where
                cases: {indoors: done, outside: done}
            """) + _OUTCOME, also=("ask_missing_option",))),
    "ask_missing_option": CodeDoc(
        "trees", "An `ask` node on a choice question does not say where some answers go.",
        "Add a case for every option the message lists.",
        Example(_tree("""
            questions:
              where:
                type: choice
                options: [indoors, outdoors, both]
                default: both
                text: Where does it happen?
            start: where
            nodes:
              where:
                ask: where
                cases: {indoors: done, outdoors: done}
            """) + _OUTCOME)),
    "switch_needs_default": CodeDoc(
        "trees", "A `switch` has no `default` and its cases do not cover every value.",
        "Add `default: <node>`, or a case for each value the message lists as not covered.",
        Example(_tree("""
            start: state
            nodes:
              state:
                switch: hlr.registration.state
                cases: {registered: done, detached: done}
            """) + _OUTCOME)),
    "switch_type": CodeDoc(
        "trees", "A `switch` is on a value that cannot be matched case by case (a number, a "
                 "date, a list).",
        "Use a `table` whose rows compare the value (`when: billing.account.balance < 0`).",
        Example(_tree("""
            start: balance
            nodes:
              balance:
                switch: billing.account.balance
                cases: {"0": done}
                default: done
            """) + _OUTCOME)),
    "table_needs_default": CodeDoc(
        "trees", "A `table` has no `default`: where to go when no row matches.",
        "Add `default: <node>`.",
        Example(_tree("""
            start: rows
            nodes:
              rows:
                table:
                  - {when: complaint.channel == "store", then: done}
            """) + _OUTCOME)),
    "dangling_reference": CodeDoc(
        "trees", "A branch (or `start`) names a node that does not exist.",
        "Correct the node id (the hint suggests the closest) or define the node under `nodes`.",
        Example(_tree("""
            start: store
            nodes:
              store:
                check: complaint.channel == "store"
                yes: done
                no: dnoe
            """) + _OUTCOME)),
    "unreachable_node": CodeDoc(
        "trees", "No path from `start` reaches this node.",
        "Link it from another node, or delete it.",
        Example(_tree("""
            start: done
            nodes:
              old_check:
                check: complaint.channel == "store"
                yes: done
                no: done
            """) + _OUTCOME)),
    "no_outcome": CodeDoc(
        "trees", "No outcome (in a sub-tree: no exit) can be reached from this node: every "
                 "path from it loops.",
        "Make every path end in an `outcome` (or an `exit`).",
        Example(_tree("""
            start: a
            nodes:
              a: {check: complaint.channel == "store", yes: b, no: b}
              b: {check: complaint.channel == "app", yes: a, no: a}
            """), also=("cycle",))),
    "cycle": CodeDoc(
        "trees", "The walk can come back to a node it has passed (also across sub-trees).",
        "A decision tree always moves forward: point the branch that loops at a new node.",
        Example(_tree("""
            start: a
            nodes:
              a: {check: complaint.channel == "store", yes: done, no: b}
              b: {check: complaint.channel == "app", yes: a, no: done}
            """) + _OUTCOME)),
    "tree_too_deep": CodeDoc(
        "trees", "The longest path through the tree (sub-trees inlined) is longer than the "
                 "limit (60 steps).",
        "Shorten it: a `table` decides in one step what a chain of checks does in many; or "
        "split the symptom.",
        Example("# a tree whose longest path has more than 60 nodes\n", "illustrative")),
    "too_many_nodes": CodeDoc(
        "trees", "A file has more nodes than the limit (400).",
        "Split the tree into sub-trees (`use:`).",
        Example("# a tree file with more than 400 nodes\n", "illustrative")),
    "too_many_rows": CodeDoc(
        "trees", "A `table` has more rows than the limit (64).",
        "Split it into several tables, or decide part of it earlier with a `switch`.",
        Example("# a table with more than 64 rows\n", "illustrative")),
    "duplicate_id": CodeDoc(
        "trees", "Two files use the same id: a tree and a sub-tree, or two versions with the "
                 "same `version`.",
        "Rename one, or (for a new version) give it its own `version:` and `effective_from:`.",
        Example(_files(
            ("a.yaml", _tree("start: done\nnodes:\n") + _OUTCOME),
            ("b.yaml", _tree("start: done\nnodes:\n") + _OUTCOME)))),
    "duplicate_symptom": CodeDoc(
        "trees", "Two trees handle the same symptom.",
        "Each symptom has one tree: merge them, or change one tree's `symptoms`.",
        Example(_files(
            ("a.yaml", _tree("start: done\nnodes:\n", tree_id="conduct_a") + _OUTCOME),
            ("b.yaml", _tree("start: done\nnodes:\n", tree_id="conduct_b") + _OUTCOME)))),
    # -- sub-trees -----------------------------------------------------------------------------
    "exit_outside_subtree": CodeDoc(
        "sub-trees", "An `exit` node is in a tree; exits belong in sub-trees.",
        "End the tree's path with an `outcome`.",
        Example(_tree("""
            start: store
            nodes:
              store: {check: complaint.channel == "store", yes: done, no: back}
              back: {exit: clear}
            """) + _OUTCOME)),
    "unknown_exit": CodeDoc(
        "sub-trees", "An exit name is not one the sub-tree declares: an `exit` node in the "
                     "sub-tree, or a `use` node's `exits` key.",
        "Declare the exit in the sub-tree's `exits`, or correct the name.",
        Example(_subtree("""
            start: store
            nodes:
              store: {check: complaint.channel == "store", yes: done, no: back}
              done: {outcome: service.staff_conduct}
              back: {exit: claer}
            """))),
    "unmapped_exit": CodeDoc(
        "sub-trees", "A `use` node does not say where one of the sub-tree's exits goes.",
        "Add the exit under the `use` node's `exits`.",
        Example(_files(
            ("tree.yaml", _tree("""
                start: checks
                nodes:
                  checks: {use: checks, exits: {}}
                """)),
            ("checks.yaml", _subtree("""
                start: back
                nodes:
                  back: {exit: clear}
                """))))),
    "unknown_subtree": CodeDoc(
        "sub-trees", "A `use` node names a sub-tree that no file defines.",
        "Correct the id, or add the sub-tree file (it starts with `subtree: <id>`).",
        Example(_tree("""
            start: radio
            nodes:
              radio: {use: radio_chekcs, exits: {clear: done}}
            """) + _OUTCOME)),
    "subtree_cycle": CodeDoc(
        "sub-trees", "Sub-trees use each other in a loop.",
        "Break the loop: a sub-tree may not use itself, directly or through others.",
        Example(_files(
            ("tree.yaml", _tree("""
                start: checks
                nodes:
                  checks: {use: checks, exits: {clear: done}}
                """) + _OUTCOME),
            ("checks.yaml", _subtree("""
                start: again
                nodes:
                  again: {use: checks, exits: {clear: back}}
                  back: {exit: clear}
                """))))),
    # -- versions ------------------------------------------------------------------------------
    "bad_date": CodeDoc(
        "versions", "`effective_from` is not a calendar date.",
        "Write the date the version takes effect as `YYYY-MM-DD`.",
        Example(_tree("start: done\nnodes:\n", extra="effective_from: 1 January 2027\n")
                + _OUTCOME)),
    "ambiguous_version": CodeDoc(
        "versions", "Two versions of one tree or sub-tree take effect on the same date (or "
                    "both have no `effective_from`).",
        "Give every version but the base its own `effective_from: YYYY-MM-DD`.",
        Example(_files(
            ("v1.yaml", _tree("start: done\nnodes:\n") + _OUTCOME),
            ("v2.yaml", _tree("start: done\nnodes:\n").replace('"1"', '"2"') + _OUTCOME)))),
    # -- conditions ----------------------------------------------------------------------------
    "expected_expression": CodeDoc(
        "conditions", "A `check`, `switch`, `when` or outcome value is empty, or not text.",
        "Write the condition, e.g. `hlr.number_state == \"reclaimed\"`.",
        Example(_tree("""
            start: store
            nodes:
              store:
                check:
                yes: done
                no: done
            """) + _OUTCOME)),
    "expr_syntax": CodeDoc(
        "conditions", "The condition is not valid syntax (`&&` for `and`, `=` for `==`, an "
                      "unclosed bracket, a comment inside it).",
        "Fix it at the caret; the hint names the usual slips.",
        Example(_tree("""
            start: store
            nodes:
              store:
                check: complaint.channel == "store" && complaint.has_location
                yes: done
                no: done
            """) + _OUTCOME)),
    "expr_unsupported": CodeDoc(
        "conditions", "The condition uses something the language does not have: methods, "
                      "indexing, `x if c else y`, lambdas…",
        "Use the operators and functions of the condition language (reference.md); decide "
        "alternatives with tree branches.",
        Example(_tree("""
            start: apn
            nodes:
              apn:
                check: hlr.apn.startswith("cmnet")
                yes: done
                no: done
            """) + _OUTCOME)),
    "expr_too_long": CodeDoc(
        "conditions", "A condition is longer than the limit (500 characters).",
        "Split it into several nodes, or have the adapter provide a derived fact.",
        Example("# a `check:` of more than 500 characters\n", "illustrative")),
    "expr_too_complex": CodeDoc(
        "conditions", "A condition has more than 200 parts or nests deeper than 32 levels.",
        "Split it into several nodes.",
        Example(_tree(f"""
            start: found
            nodes:
              found:
                check: {"not " * 34}hlr.found
                yes: done
                no: done
            """) + _OUTCOME)),
    "expr_number_out_of_range": CodeDoc(
        "conditions", "A whole number literal is beyond ±2**53 (9007199254740992), or a "
                      "fractional one is not finite (`1e999`): no fact reaches it, and "
                      "arithmetic with it could have no value.",
        "Compare with a realistic bound.",
        Example(_tree("""
            start: balance
            nodes:
              balance:
                check: billing.account.balance > 99999999999999999999
                yes: done
                no: done
            """) + _OUTCOME)),
    "unknown_fact": CodeDoc(
        "conditions", "A condition reads a fact that no source declares (often a typo, or a "
                      "group such as `hlr.odb` instead of one of its facts).",
        "Use a fact of docs/facts.md (the hint suggests the closest).",
        Example(_tree("""
            start: reclaimed
            nodes:
              reclaimed:
                check: hlr.numbr_state == "reclaimed"
                yes: done
                no: done
            """) + _OUTCOME)),
    "unknown_function": CodeDoc(
        "conditions", "A condition calls a function the language does not have.",
        "Use one of `count`, `days_since`, `days_until`, `hours_since`, `abs`.",
        Example(_tree("""
            start: services
            nodes:
              services:
                check: len(hlr.services) > 0
                yes: done
                no: done
            """) + _OUTCOME)),
    "unknown_enum_value": CodeDoc(
        "conditions", "A text compared with an enum fact (or a `switch` case on one) is not "
                      "one of its values.",
        "Use one of the values the message lists (the hint suggests the closest).",
        Example(_tree("""
            start: reclaimed
            nodes:
              reclaimed:
                check: hlr.number_state == "recycled"
                yes: done
                no: done
            """) + _OUTCOME)),
    "not_a_condition": CodeDoc(
        "conditions", "A `check`, table row or policy rule is not true or false: a bare "
                      "string, number or date fact, or `null`.",
        "Compare it: `hlr.apn == \"cmnet\"`, `count(hlr.services) > 0`, "
        "`days_since(hlr.suspended_since) > 30`, `x != null`.",
        Example(_tree("""
            start: apn
            nodes:
              apn:
                check: hlr.apn
                yes: done
                no: done
            """) + _OUTCOME)),
    # -- catalog, scripts, policy --------------------------------------------------------------
    "cause_not_in_catalog": CodeDoc(
        "catalog, scripts, policy", "An outcome's cause has no entry in the outcome catalog "
                                    "(or the catalog lacks the engine's fallback causes).",
        "Add the cause under `outcomes:` with its resolution, department and script.",
        Example(_tree("""
            start: done
            nodes:
              done: {outcome: network.congestion}
            """))),
    "missing_catalog": CodeDoc(
        "catalog, scripts, policy", "The engine was given knowledge files without an outcome "
                                    "catalog.",
        "Include the file that starts with `outcomes:`.",
        Example(_files(
            ("tree.yaml", _tree("start: done\nnodes:\n") + _OUTCOME),
            ("policy.yaml", EXAMPLE_CONTEXT["policy.yaml"])), "engine")),
    "missing_script": CodeDoc(
        "catalog, scripts, policy", "A catalog entry uses a script that no scripts file "
                                    "defines.",
        "Add the script (both locales) to a scripts file, or correct `script:`.",
        Example(_files(("more_outcomes.yaml", """\
outcomes:
  service.spam_reported: {resolution: frontline, script: service.spam}
""")))),
    "missing_script_values": CodeDoc(
        "catalog, scripts, policy", "The cause's script or catalog actions read a variable "
                                    "that the outcome does not give under `values`.",
        "Add it under the outcome's `values:` (`null` is fine when there is none).",
        Example(_tree("""
            start: done
            nodes:
              done: {outcome: network.site_outage}
            """))),
    "duplicate_script": CodeDoc(
        "catalog, scripts, policy", "Two scripts files define the same script.",
        "Keep one of them.",
        Example(_files(("more_scripts.yaml", """\
scripts:
  service.staff_conduct:
    zh-CN: 非常抱歉，服务质量部门将在{{ feedback_due | datetime }}前联系您。
    en: I am sorry; our service quality team will contact you by {{ feedback_due | datetime }}.
""")))),
    "script_syntax": CodeDoc(
        "catalog, scripts, policy", "A script is not a valid template (an unclosed `{{`, an "
                                    "unknown tag…).",
        "Fix the template at the line given (templates are Jinja2: `{{ variable | filter }}`).",
        Example(_files(("more_scripts.yaml", """\
scripts:
  service.apology:
    zh-CN: 非常抱歉，我们会在{{ feedback_due | datetime }前联系您。
    en: I am sorry; we will contact you by {{ feedback_due | datetime }}.
""")))),
    "script_too_complex": CodeDoc(
        "catalog, scripts, policy", "A script or an action nests deeper than 30 levels "
                                    "(brackets, unary operators, filters, `+` chains and tags "
                                    "inside one another: deeper would exhaust the template "
                                    "compiler's stack), or has more than 1000 parts.",
        "Compute the value in the outcome's `values:` (a condition-language expression) and "
        "show it plainly in the script.",
        Example(_files(("more_scripts.yaml", f"""\
scripts:
  service.apology:
    zh-CN: 非常抱歉。{{{{ {"(" * 31}1{")" * 31} }}}}
    en: I am sorry.
""")))),
    "policy_out_of_range": CodeDoc(
        "catalog, scripts, policy", "A feedback time (`within_hours`, `every_hours`) is not "
                                    "between 0 and 8784 hours (a leap year), or an authority "
                                    "limit is not between 0 and 10^12 CNY (a huge or infinite "
                                    "number would overflow the deadlines computed from it); or "
                                    "an `incidents:` number is out of its range (`window_hours` "
                                    "more than 0, customer counts from 1, the warning "
                                    "thresholds rising), or the grade rule on the incident "
                                    "count grades from another number than "
                                    "`incidents.min_customers`.",
        "Write the time in hours and the limit in CNY, as the taxonomy gives them; give the "
        "grade rule on the incident count the number of `incidents.min_customers`.",
        Example(_files(("policy.yaml", EXAMPLE_CONTEXT["policy.yaml"].replace(
            "normal: {within_hours: 48,", "normal: {within_hours: 1.0e+999,"))))),
    "policy_incident_rule_unreadable": CodeDoc(
        "catalog, scripts, policy", "A grade rule reads the mass-incident count "
                                    "(`complaint.incident.distinct_customers_24h`) alone, but "
                                    "not as a number of customers from which it holds, so its "
                                    "number cannot be checked against "
                                    "`incidents.min_customers` (which the incident index "
                                    "counts to).",
        "Write it `complaint.incident.distinct_customers_24h >= N` (or `> N-1`, `N <= …`, "
        "`N - 1 < …`, `not (… < N)`), N being `incidents.min_customers`. A rule that reads "
        "other facts as well is not the mass-incident rule and is not checked.",
        Example(_files(("policy.yaml", EXAMPLE_CONTEXT["policy.yaml"].replace(
            "  grades: []\n", "  grades:\n    - grade: major\n"
            "      when: complaint.incident.distinct_customers_24h == 20\n"
            "      reason: part of a mass incident\n"))))),
    "duplicate_policy": CodeDoc(
        "catalog, scripts, policy", "More than one file starts with `policy:`.",
        "Keep one policy file.",
        Example(_files(("policy2.yaml", EXAMPLE_CONTEXT["policy.yaml"])))),
    "missing_policy": CodeDoc(
        "catalog, scripts, policy", "There are trees but no policy file among the knowledge "
                                    "files (the engine grades complaints with it).",
        "Include the file that starts with `policy:` (`diagtree validate` asks for it with "
        "`--require-policy`).",
        Example(_tree("start: done\nnodes:\n") + _OUTCOME, "alone")),
    # -- script lint ---------------------------------------------------------------------------
    "script_forbidden_promise": CodeDoc(
        "script lint", "A script promises an outcome (一定解决, guarantee…).",
        "Commit to what will be done and by when, never to the result.",
        Example(_files(("more_scripts.yaml", """\
scripts:
  service.apology:
    zh-CN: 非常抱歉，我们保证今天解决。
    en: I am sorry; we guarantee it is fixed today.
""")))),
    "script_internal_term": CodeDoc(
        "script lint", "A script shows the customer an internal system name or code (HLR, "
                       "RSRP, a cause or department code…).",
        "Say it in plain words.",
        Example(_files(("more_scripts.yaml", """\
scripts:
  service.apology:
    zh-CN: 您的号码在HLR中状态正常。
    en: Your number is fine in the HLR.
""")))),
    "script_no_time_commitment": CodeDoc(
        "script lint", "A script promises a later action (回电, call you back) without saying "
                       "when.",
        "Give the time: `{{ feedback_due | datetime }}`.",
        Example(_files(("more_scripts.yaml", """\
scripts:
  service.apology:
    zh-CN: 非常抱歉，我们会尽快回电。
    en: I am sorry; we will call you back soon.
""")))),
    "script_dispatch_without_deadline": CodeDoc(
        "script lint", "The script of a dispatched cause never gives the feedback deadline.",
        "Say when the customer will hear back: `{{ feedback_due | datetime }}`.",
        Example(_files(
            ("more_outcomes.yaml", """\
outcomes:
  service.spam_reported: {resolution: dispatch, department: service_quality}
"""),
            ("more_scripts.yaml", """\
scripts:
  service.spam_reported:
    zh-CN: 我们已记录您的举报。
    en: We have recorded your report.
""")))),
    "script_locale_variables": CodeDoc(
        "script lint", "The locales of a script read different variables: one tells the "
                       "customer something the other does not.",
        "Make every locale use the same variables.",
        Example(_files(("more_scripts.yaml", """\
scripts:
  service.apology:
    zh-CN: 非常抱歉，我们会在{{ feedback_due | datetime }}前联系您。
    en: I am sorry; we will contact you soon.
""")))),
    # -- scenarios -----------------------------------------------------------------------------
    "empty_file": CodeDoc(
        "scenarios", "A scenario file holds nothing.",
        "Add `cases:` with at least one case, or delete the file.",
        Example("# cases to come\n", "scenario")),
    "not_a_scenario_file": CodeDoc(
        "scenarios", "A file given as a scenario file has no top-level `cases:` (only "
                     "reported when scenario files are read on their own, through the API).",
        "Pass only scenario files; a scenario file holds `cases: [...]`.",
        Example("case:\n  - id: S1\n", "scenario")),
    # -- complaints ----------------------------------------------------------------------------
    "complaint_invalid": CodeDoc(
        "complaints", "A complaint field (or an answer) has the wrong form: a time without a "
                      "UTC offset, a location that is not a latitude/longitude, an answer that "
                      "is not one of the question's options…",
        "Send the field as the message says (`ComplaintError.field` names it).",
        Example(_complaint('reported_at: "2026-11-20T09:30:00"'), "complaint")),
    "complaint_missing_field": CodeDoc(
        "complaints", "A required complaint field is missing: `id`, `type`, `msisdn`, "
                      "`reported_at`, or `location` for a voice, data or SMS symptom.",
        "Send the field.",
        Example(_complaint("", drop="msisdn"), "complaint")),
    "complaint_unknown_field": CodeDoc(
        "complaints", "The complaint (or its `subject`) has a field diagtree does not know.",
        "Remove it or correct its name (the reason suggests the closest).",
        Example(_complaint('phone: "8613800000001"', drop="msisdn"), "complaint")),
    "complaint_unknown_symptom": CodeDoc(
        "complaints", "The complaint's `type` is not a symptom of the taxonomy.",
        "Send one of the symptom codes of docs/taxonomy.md §1.",
        Example(_complaint("type: no_signal"), "complaint")),
    "complaint_unknown_value": CodeDoc(
        "complaints", "`channel` or `agent_role` is not one of its values.",
        "Send one of the values the reason lists.",
        Example(_complaint("channel: phone"), "complaint")),
    "complaint_bad_msisdn": CodeDoc(
        "complaints", "`msisdn` is not a valid E.164 number (by the numbering plans of the "
        "`phonenumbers` library).",
        "Send the country code and number as digits, with or without a leading `+` and no "
        "spaces, e.g. 8613800000001. A national number (13800000001) is accepted only when the "
        "engine is given `default_region=\"CN\"` (the CLI's `--region CN`).",
        Example(_complaint('msisdn: "+86 138 0000 0001"'), "complaint")),
    "session_state_invalid": CodeDoc(
        "complaints", "The state given to `Engine.resume` is malformed: not a mapping, an "
                      "unknown key, a `version` this diagtree does not read, or a complaint or "
                      "answer in it that is invalid (raised as `SessionStateError`, whose "
                      "`field` names it from the state's top, e.g. `state.complaint.msisdn`).",
        "Pass back exactly what `Session.state()` returned (its JSON Schema is "
        "`schema/diagtree-session-state.schema.json`).",
        Example("`engine.resume({})` — the state has no `version`", "illustrative")),
    # -- tickets -------------------------------------------------------------------------------
    "ticket_not_dispatched": CodeDoc(
        "tickets", "The diagnosis is resolved by the front line (`resolution` is not "
                   "`dispatch`): there is no ticket to open (`field`: "
                   "`diagnosis.resolution`).",
        "Open tickets only for dispatched diagnoses (`diagnosis.resolution == \"dispatch\"`).",
        Example("`trouble_ticket(d, complaint)` for a diagnosis `d` resolved on the call",
                "illustrative")),
    "ticket_wrong_complaint": CodeDoc(
        "tickets", "The complaint given is not the one diagnosed (its `id` is not the "
                   "diagnosis's `complaint_id`; `field`: `complaint.id`).",
        "Pass the complaint the diagnosis was made of.",
        Example("`trouble_ticket(d, other)` where `other[\"id\"] != d.complaint_id`",
                "illustrative")),
    # -- service -------------------------------------------------------------------------------
    "request_invalid": CodeDoc(
        "service", "422: the request body does not fit the endpoint's schema (a missing or "
                   "mistyped field); `errors` lists each field with its reason.",
        "Send the body the OpenAPI document (`GET /openapi.json`) describes."),
    "body_too_large": CodeDoc(
        "service", "413: the request body is larger than the service's `max_body_bytes`.",
        "Send a smaller body (a complaint is a few KB), or raise the limit in the service's "
        "configuration."),
    "unauthenticated": CodeDoc(
        "service", "401: no API key, or one the service does not know.",
        "Send `Authorization: Bearer KEY` or `X-API-Key: KEY` with a key of the service's "
        "configuration."),
    "forbidden": CodeDoc(
        "service", "403: the endpoint is for supervisors (`POST /trees/reload`).",
        "Call it with a supervisor's key."),
    "role_mismatch": CodeDoc(
        "service", "403: the complaint's `agent_role` is not the role of the caller's key (a "
        "body cannot claim another role).",
        "Leave `agent_role` out (the key's role is used) or send the key's role."),
    "session_not_found": CodeDoc(
        "service", "404: no such session — or one of another caller, which is not shown to "
        "exist (`field`: `session_id`).",
        "Use the id `POST /sessions` returned, with the same key (or a supervisor's)."),
    "tree_not_found": CodeDoc(
        "service", "404: no tree with that id in the knowledge in force (`field`: `tree_id`).",
        "List the trees with `GET /trees`."),
    "tree_changed": CodeDoc(
        "service", "409: the session's tree changed since it started (a reload); the problem "
        "carries `pinned` and `current` (id, version).",
        "Repeat the step with `on_tree_change: pinned` (carry on on the old version) or "
        "`restart` (start again on the new one)."),
    "pinned_tree_gone": CodeDoc(
        "service", "409: `on_tree_change: pinned` asked for a tree version the service no "
        "longer keeps.",
        "Repeat the step with `on_tree_change: restart`."),
    "session_unreadable": CodeDoc(
        "service", "409: the stored session cannot be resumed on the trees in force (its "
        "state names a question or an answer they no longer have).",
        "Repeat the step with `on_tree_change: restart`, or start a new session."),
    "version_conflict": CodeDoc(
        "service", "409: `expected_version` is not the session's version: another request "
        "changed it first (the problem carries the current `version` when known).",
        "Read the session again (`GET /sessions/{id}`) and repeat the step with its version."),
    "busy": CodeDoc(
        "service", "409: the session kept changing under this request (many concurrent steps "
        "on one session).",
        "Try again; send one step at a time per session."),
    "too_many_sessions": CodeDoc(
        "service", "429: the caller already has the configured number of open sessions.",
        "Finish or abandon open sessions, wait for them to expire, or raise "
        "`max_open_sessions`."),
    "knowledge_invalid": CodeDoc(
        "service", "422: `POST /trees/reload` found problems in the knowledge files; the "
        "detail lists them (the codes above), and the knowledge in force is kept.",
        "Fix the files (`diagtree validate` shows the same problems) and reload again."),
    "http_error": CodeDoc(
        "service", "An HTTP error the framework raised (an unknown path: 404; a method the "
        "path does not take: 405), as a problem document.",
        "Check the path and the method against `GET /openapi.json`."),
    "internal_error": CodeDoc(
        "service", "500: the service failed; the request changed nothing (the log names the "
        "exception's type).",
        "Report it with the log line; the request can be repeated."),
    "store_unavailable": CodeDoc(
        "service", "503 from `GET /readyz`: the session store cannot be reached.",
        "Check the store (the SQLite file and its folder); the detail names the error type."),
}


# -- the page ------------------------------------------------------------------------------------
#: what `diagtree validate` prints for the `unknown_fact` example (the test checks it)
_SAMPLE: Final = (
    "tree.yaml:8:12: error unknown_fact no source declares the fact hlr.numbr_state "
    "(did you mean 'hlr.number_state'?)\n"
    '        check: hlr.numbr_state == "reclaimed"\n'
    "               ^")

_HEADER = """\
# Problem codes

<!-- Generated by `diagtree._author.codes.render_error_docs()` from
`diagtree/_author/codes.py`. Do not edit: change the registry, then run
`DIAGTREE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_problem_codes.py`. -->

`diagtree validate`, `diagtree test`, `diagtree lint` (before its own rules) and `Engine(…)`
report every problem in every knowledge file at once, sorted by file and position, each with a
stable code:

```text
{sample}
```

That is `file:line:col: severity CODE message (hint)`, then the line and a caret under the
column. Lines and columns count from 1; a problem about a whole file has no line. The hint, when
there is one, says what was probably meant. In Python the problems are the `Problem`s of an
`AuthoringError` (`location`, `code`, `message`, `severity`, `hint`).

A complaint that a CRM sends is checked by `parse_complaint` (and `Engine.diagnose`): a
malformed one raises `ComplaintError` with `field`, `reason` and one of the
[complaint codes](#complaints). `trouble_ticket` refuses a diagnosis with a `TicketError` and
one of the [ticket codes](#tickets); the HTTP service answers an error with a problem document
whose `code` is one of the [service codes](#service) (or a complaint code).

The codes of `diagtree lint`'s own rules are in [lint-rules.md](lint-rules.md).

"""

_CONTEXT_INTRO = """\
## How the examples are checked

Every example below is executed by `tests/test_problem_codes.py`, except those marked
*illustrative*. A knowledge-file example is written into a folder beside these three files —
a small catalog, its scripts and a policy — and loaded as `diagtree validate` loads it; it
reports its code and nothing else (unless the example says so). A file named like one of these
replaces it.
"""


def _anchor(area: str) -> str:
    """GitHub's heading anchor for an area heading."""
    return "".join(c for c in area.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def _fence(text: str, name: str) -> str:
    """A fenced block: `yaml` when the text is clean YAML (the docs test parses those)."""
    data, _, problems = load_yaml(text, name, YamlLimits(max_nodes=10_000))
    lang = "yaml" if data is not None and not problems else "text"
    return f"```{lang}\n{text.rstrip()}\n```\n"


def _render_example(example: Example) -> str:
    if example.kind == "illustrative":
        return f"*Illustrative:* {example.text.strip().lstrip('#').strip()}.\n"
    lead = {
        "knowledge": "Example (beside the files above):",
        "alone": "Example (this file alone):",
        "engine": "Example (these files alone, given to `Engine`):",
        "scenario": "Example (a scenario file):",
        "complaint": "Example (a complaint):",
    }[example.kind]
    if example.also:
        lead = lead[:-1] + ", which also reports " + ", ".join(
            f"[`{c}`](#{c})" for c in sorted(set(example.also))) + ":"
    if example.kind in ("knowledge", "alone", "engine"):
        blocks = [_fence(text, name) for name, text in example_files(example)]
    else:
        blocks = [_fence(example.text, "example")]
    return lead + "\n\n" + "\n".join(blocks)


def render_error_docs() -> str:
    """The text of ``docs/errors.md``: every code, by area, with its meaning, fix and example."""
    parts = [_HEADER.replace("{sample}", _SAMPLE), "| area | codes |\n|---|---|\n"]
    for area, _about in AREAS:
        names = [c for c, d in CODES.items() if d.area == area]
        parts.append(f"| [{area}](#{_anchor(area)}) | "
                     + ", ".join(f"[`{c}`](#{c})" for c in names) + " |\n")
    parts.append("\n" + _CONTEXT_INTRO)
    for name, text in EXAMPLE_CONTEXT.items():
        parts.append(f"\n`{name}`:\n\n" + _fence(text, name))
    for area, about in AREAS:
        parts.append(f"\n## {area}\n\n{about}\n")
        for code, doc in CODES.items():
            if doc.area != area:
                continue
            parts.append(f"\n### {code}\n\n{doc.summary}\n\n**Fix:** {doc.fix}\n")
            if doc.example is not None:
                parts.append("\n" + _render_example(doc.example))
    return "".join(parts)
