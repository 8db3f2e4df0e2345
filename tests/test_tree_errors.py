"""Broken tree files in → located problems out.

The golden table below writes each broken file with its expected problems as comment markers
under the offending line (see `tree_helpers.markers`); the test loads the folder with
`load_library` and compares the reported (file, code, line, col) set with the markers, exactly.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from diagtree._errors import AuthoringError, Location, Problem
from diagtree._load.limits import Limits

from tree_helpers import (
    at,
    by_code,
    codes,
    load,
    load_problems,
    markers,
    write,
)

BLOCK = ("KNOWN LIMITATION: in a folded block scalar (>) the lines are joined before parsing, "
         "so a problem on a later line is located on the first text line")


def tree(body: str, *, tree_id: str = "t1", symptoms: str = "[no_service]") -> str:
    """A tree file: four header lines, then `body` (dedented)."""
    return (f'tree: {tree_id}\nversion: "1"\ntitle: T\nsymptoms: {symptoms}\n'
            + textwrap.dedent(body).lstrip("\n"))


def subtree(body: str, *, subtree_id: str = "sub", exits: str = "[clear]") -> str:
    """A sub-tree file: four header lines, then `body` (dedented)."""
    return (f'subtree: {subtree_id}\nversion: "1"\ntitle: S\nexits: {exits}\n'
            + textwrap.dedent(body).lstrip("\n"))


@dataclass
class Case:
    id: str
    files: dict[str, str]
    real: bool = False  # the shipped adapters' schema instead of the small test schema
    limits: Limits | None = None
    extra: list[tuple[str, str, int, int, str | None]] = field(default_factory=list)
    bug: str | None = None  # a known bug: the case is marked xfail(strict=True)


CASES: list[Case] = [
    # -- expressions ------------------------------------------------------------------------------
    Case("unknown-fact-in-check", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: hlr.numbr_state == "reclaimed"
            #      ^ unknown_fact ~ did you mean 'hlr.number_state'?
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """)}, real=True),
    Case("unknown-fact-in-double-quoted-check", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: "hlr.found and hlr.numbr_state == 'reclaimed'"
            #                     ^ unknown_fact ~ 'hlr.number_state'
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """)}, real=True),
    Case("unknown-fact-in-single-quoted-check", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: 'hlr.found and hlr.numbr_state == "reclaimed"'
            #                     ^ unknown_fact ~ 'hlr.number_state'
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """)}, real=True),
    Case("unknown-fact-in-literal-block-check", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: |
              hlr.found and
                hlr.numbr_state == "reclaimed"
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """)}, real=True, extra=[("t.yaml", "unknown_fact", 10, 9, "'hlr.number_state'")]),
    Case("unknown-fact-in-outcome-value", {"t.yaml": tree("""
        start: o
        nodes:
          o:
            outcome: network.site_outage
            values:
              state: hlr.numbr_state
              #      ^ unknown_fact ~ did you mean 'hlr.number_state'?
              quoted: "hlr.numbr_state"
              #        ^ unknown_fact ~ 'hlr.number_state'
              flow: {a: 1}
              #     ^ expected_expression
        """)}, real=True),
    Case("unknown-fact-in-folded-block-value", {"t.yaml": tree("""
        start: o
        nodes:
          o:
            outcome: network.site_outage
            values:
              state: >
                hlr.found and
                hlr.numbr_state == "reclaimed"
        """)}, real=True, extra=[("t.yaml", "unknown_fact", 12, 9, "'hlr.number_state'")],
        bug=BLOCK),
    Case("enum-string-not-a-value", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag and s.state == "reclamed"
            #                            ^ unknown_enum_value ~ did you mean 'reclaimed'?
            yes: o
            no: o
          o:
            outcome: network.site_outage
            values:
              x: s.state != "in_usee"
              #             ^ unknown_enum_value ~ did you mean 'in_use'?
        """)}),
    Case("type-mismatch-in-check", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag == 3
            #      ^ type_mismatch ~ bool
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """)}),
    Case("not-a-condition", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.count
            #      ^ not_a_condition
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """)}),
    Case("expression-too-long", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.count > 1 and s.level > 2
            #      ^ expr_too_long ~ the limit is 20
            yes: o
            no: o
          o:
            outcome: network.site_outage
            values:
              n: "s.count + s.level + s.count"
              #   ^ expr_too_long
        """)}, limits=Limits(max_expression_chars=20)),
    # -- node structure ---------------------------------------------------------------------------
    Case("unknown-node-key", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: o
            no: o
            on_unknwn: o
        #   ^ unknown_key ~ did you mean 'on_unknown'?
            notes: hi
        #   ^ unknown_key ~ did you mean 'note'?
          o: {outcome: network.site_outage, when: x}
        #                                   ^ unknown_key
        """)}),
    Case("node-with-two-kinds", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: b
            no: o
          b:
        # ^ node_kind ~ check and outcome
            check: s.other
            outcome: network.site_outage
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """)}),
    Case("missing-branch", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
        #   ^ missing_key ~ `no`
            yes: o
          o: {outcome: network.site_outage}
        """)}),
    Case("bad-node-id", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: "o k"
            no: o
          "o k": {outcome: network.site_outage}
        # ^ bad_id
          o: {outcome: network.site_outage}
        """)}),
    Case("exit-outside-a-subtree", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: o
            no: e
          e: {exit: clear}
        #           ^ exit_outside_subtree
          o: {outcome: network.site_outage}
        """)}),
    # -- references and graph ---------------------------------------------------------------------
    Case("dangling-reference", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: waek
            #    ^ dangling_reference ~ did you mean 'weak'?
            no: weak
          weak: {outcome: network.weak_coverage}
        """)}),
    Case("dangling-start", {"t.yaml": tree("""
        start: weka
        #      ^ dangling_reference ~ did you mean 'weak'?
        nodes:
          weak: {outcome: network.weak_coverage}
        """)}),
    Case("unreachable-node", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: o
            no: o
          o: {outcome: network.site_outage}
          z:
        # ^ unreachable_node ~ 'z'
            outcome: network.weak_coverage
        """)}),
    Case("no-outcome-reachable", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: b
            no: o
          b:
        # ^ no_outcome ~ 'b'
        # ^ cycle ~ b → c → b
            check: s.other
            yes: c
            no: c
          c:
        # ^ no_outcome ~ 'c'
            switch: s.state
            default: b
            cases: {in_use: b}
          o: {outcome: network.site_outage}
        """)}),
    Case("cycle-within-a-file", {"t.yaml": tree("""
        start: a
        nodes:
          a:
        # ^ cycle ~ a → b → a
            check: s.flag
            yes: b
            no: o
          b:
            check: s.other
            yes: a
            no: o
          o: {outcome: network.site_outage}
        """)}),
    Case("cycle-across-subtrees", {
        "t.yaml": tree("""
            start: a
            nodes:
              a:
            # ^ cycle ~ a → u → u/x → u/done → a
                check: s.flag
                yes: u
                no: o
              u:
                use: sub
                exits: {clear: a}
              o: {outcome: network.site_outage}
            """),
        "sub.yaml": subtree("""
            start: x
            nodes:
              x:
                check: s.other
                yes: y
                no: done
              y: {outcome: network.weak_coverage}
              done: {exit: clear}
            """)}),
    Case("subtree-uses-itself", {
        "t.yaml": tree("""
            start: u
            nodes:
              u:
                use: sub
                exits: {clear: o}
              o: {outcome: network.site_outage}
            """),
        "sub.yaml": subtree("""
            start: x
            nodes:
              x:
                use: sub
            #        ^ subtree_cycle ~ t1 → sub → sub
                exits: {clear: done}
              done: {exit: clear}
            """)}),
    Case("subtrees-use-each-other", {
        "t.yaml": tree("""
            start: u
            nodes:
              u:
                use: s1
                exits: {clear: o}
              o: {outcome: network.site_outage}
            """),
        "s1.yaml": subtree("""
            start: x
            nodes:
              x:
                use: s2
                exits: {clear: done}
              done: {exit: clear}
            """, subtree_id="s1"),
        "s2.yaml": subtree("""
            start: x
            nodes:
              x:
                use: s1
            #        ^ subtree_cycle ~ s1 → s2 → s1
                exits: {clear: done}
              done: {exit: clear}
            """, subtree_id="s2")}),
    Case("unknown-subtree", {
        "t.yaml": tree("""
            start: u
            nodes:
              u:
                use: radoi
            #        ^ unknown_subtree ~ did you mean 'radio'?
                exits: {clear: o}
              o: {outcome: network.site_outage}
            """),
        "radio.yaml": subtree("""
            start: done
            nodes:
              done: {exit: clear}
            """, subtree_id="radio")}),
    Case("unmapped-and-unknown-exits", {
        "t.yaml": tree("""
            start: u
            nodes:
              u:
            # ^ unmapped_exit ~ 'clear'
            # ^ unmapped_exit ~ 'found'
                use: sub
                exits: {clera: o}
            #                  ^ unknown_exit ~ did you mean 'clear'?
              o: {outcome: network.site_outage}
            """),
        "sub.yaml": subtree("""
            start: x
            nodes:
              x:
                check: s.flag
                yes: done
                no: f
              done: {exit: clear}
              f: {exit: found}
            """, exits="[clear, found]")}),
    Case("subtree-exit-not-declared", {
        "t.yaml": tree("""
            start: o
            nodes:
              o: {outcome: network.site_outage}
            """),
        "sub.yaml": subtree("""
            start: x
            nodes:
              x:
                check: s.flag
                yes: done
                no: done
              done: {exit: clera}
            #              ^ unknown_exit ~ did you mean 'clear'?
            """)}),
    Case("tree-too-deep", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: b
            no: o
          b:
            check: s.other
            yes: c
            no: o
          c:
            check: t.ok
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """)}, limits=Limits(max_depth=2),
        extra=[("t.yaml", "tree_too_deep", 1, 7, "the longest path has 3 steps")]),
    Case("too-many-nodes", {"t.yaml": tree("""
        start: a
        nodes:
          a:
        # ^ too_many_nodes ~ 3 nodes; the limit is 2
            check: s.flag
            yes: o
            no: o
          o: {outcome: network.site_outage}
          p: {outcome: network.site_outage}
        # ^ unreachable_node
        """)}, limits=Limits(max_nodes=2)),
    Case("file-too-large", {"t.yaml": tree("""
        start: o
        nodes:
          o: {outcome: network.site_outage}
        """)}, limits=Limits(max_file_bytes=40),
        extra=[("t.yaml", "file_too_large", 1, 1, "the limit is 40")]),
    # -- outcomes ---------------------------------------------------------------------------------
    Case("unknown-cause", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: o
            no: p
          o: {outcome: network.site_outge}
        #              ^ unknown_cause ~ did you mean 'network.site_outage'?
          p: {outcome: networks.site_outage.power}
        #              ^ unknown_cause
        """)}),
    # -- questions --------------------------------------------------------------------------------
    Case("question-asked-with-different-options", {
        "a.yaml": tree("""
            questions:
              router_restarted:
                type: bool
                default: false
                text: {zh-CN: 重启了吗, en: Was the router restarted}
            start: a
            nodes:
              a:
                ask: router_restarted
                yes: o
                no: o
              o: {outcome: network.site_outage}
            """),
        "b.yaml": tree("""
            questions:
              router_restarted:
                type: choice
                options: [today, "no"]
                default: "no"
                text: Was the router restarted
            start: a
            nodes:
              a:
                ask: router_restarted
            #        ^ question_conflict ~ a.yaml:13:10
                cases: {today: o, "no": o}
              o: {outcome: network.site_outage}
            """, tree_id="t2", symptoms="[no_data]")}),
    Case("standard-question-redeclared", {"t.yaml": tree("""
        questions:
          airplane_mode:
            type: bool
        #   ^ question_conflict ~ standard question
            default: true
            text: Airplane?
        start: a
        nodes:
          a:
            ask: airplane_mode
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """)}),
    Case("on-unknown-where-it-cannot-apply", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            ask: airplane_mode
            yes: u
            no: o
            on_unknown: o
        #   ^ unknown_key ~ on_unknown
          u:
            use: sub
            exits: {clear: o}
            on_unknown: o
        #   ^ unknown_key ~ on_unknown
          o: {outcome: network.site_outage}
        """), "sub.yaml": subtree("""
            start: done
            nodes:
              done: {exit: clear}
            """)}),
    Case("unknown-question", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            ask: airplane_mod
            #    ^ unknown_question ~ did you mean 'airplane_mode'?
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """)}),
    Case("choice-question-options", {"t.yaml": tree("""
        questions:
          where:
            type: choice
            options: [indoor, outdoor]
            default: indoor
            text: Where?
        start: a
        nodes:
          a:
        # ^ ask_missing_option ~ outdoor
            ask: where
            cases: {indor: o, indoor: o}
        #           ^ unknown_option ~ did you mean 'indoor'?
          o: {outcome: network.site_outage}
        """)}),
    # -- switch and table -------------------------------------------------------------------------
    Case("switch-on-enum-missing-values", {"t.yaml": tree("""
        start: a
        nodes:
          a:
        # ^ switch_needs_default ~ not covered: suspended, reclaimed
            switch: s.state
            cases: {in_use: o}
          o: {outcome: network.site_outage}
        """)}),
    Case("switch-case-not-a-value", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            switch: s.state
            cases: {in_us: o, reclaimed: o}
        #           ^ unknown_enum_value ~ did you mean 'in_use'?
            default: o
          b:
        # ^ unreachable_node
            switch: s.count
            cases: {1: o, one: o}
        #                 ^ type_mismatch ~ whole number
            default: o
          o: {outcome: network.site_outage}
        """)}),
    Case("switch-on-a-number", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            switch: s.count / 2
            #       ^ switch_type
            cases: {1: o}
            default: o
          o: {outcome: network.site_outage}
        """)}),
    Case("table-without-default", {"t.yaml": tree("""
        start: a
        nodes:
          a:
        # ^ table_needs_default
            table:
              - {when: s.flag, then: o}
          o: {outcome: network.site_outage}
        """)}),
    # -- YAML traps and duplicates ----------------------------------------------------------------
    Case("bool-trap-owner", {"t.yaml": tree("""
        owner: no
        #      ^ yaml_bool_trap ~ quote it
        start: a
        nodes:
          a:
            check: s.flag
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """)}),
    Case("bool-trap-target", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: "no"
            no: no
            #   ^ yaml_bool_trap ~ false
          no: {outcome: network.site_outage}
        """)}),
    Case("bool-trap-in-a-list", {"t.yaml": tree("""
        start: o
        nodes:
          o: {outcome: network.site_outage}
        changelog:
          - {version: "1", note: on}
        #                        ^ yaml_bool_trap
        """)}),
    Case("duplicate-key", {"t.yaml": tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: o
            no: o
            yes: o
        #   ^ duplicate_key ~ first at line 9
          o: {outcome: network.site_outage}
        """)}),
    Case("duplicate-node", {"t.yaml": tree("""
        start: o
        nodes:
          o: {outcome: network.site_outage}
          o: {outcome: network.weak_coverage}
        # ^ duplicate_key
        """)}),
    # -- top level --------------------------------------------------------------------------------
    Case("top-level-problems", {"t.yaml": """
        tree: t1
        version: "1"
        titel: T
        symptoms: [no_servce]
        #          ^ unknown_symptom ~ did you mean 'no_service'?
        start: o
        nodes:
          o: {outcome: network.site_outage}
        """}, extra=[("t.yaml", "missing_key", 1, 1, "`title`"),
                                     ("t.yaml", "unknown_key", 3, 1, "did you mean 'title'?")]),
    Case("unknown-file-kind", {"t.yaml": """
        tre: t1
        nodes: {}
        """}, extra=[("t.yaml", "unknown_file_kind", 1, 1, "did you mean 'tree'?")]),
    Case("duplicate-tree-id", {
        "a.yaml": tree("""
            start: o
            nodes:
              o: {outcome: network.site_outage}
            """),
        "b.yaml": tree("""
            start: o
            nodes:
              o: {outcome: network.weak_coverage}
            """)}, extra=[("b.yaml", "duplicate_id", 1, 7, "a.yaml")]),
    Case("two-trees-for-one-symptom", {
        "a.yaml": tree("""
            start: o
            nodes:
              o: {outcome: network.site_outage}
            """),
        "b.yaml": tree("""
            start: o
            nodes:
              o: {outcome: network.weak_coverage}
            """, tree_id="t2", symptoms="[no_data, no_service]")},
        extra=[("b.yaml", "duplicate_symptom", 1, 7, "'t1'")]),
]


def _write_case(case: Case, folder: Path) -> list[tuple[str, str, int, int, str | None]]:
    expected = list(case.extra)
    for name, text in case.files.items():
        path = write(folder, name, text)
        expected += markers(name, path.read_text(encoding="utf-8"))
    return expected


def _as_set(problems: tuple[Problem, ...] | list[Problem],
            folder: Path) -> set[tuple[str, str, int, int]]:
    return {(str(Path(p.location.file).relative_to(folder)), p.code, p.location.line,
             p.location.col) for p in problems}


def _check(problems: tuple[Problem, ...] | list[Problem], folder: Path,
           expected: list[tuple[str, str, int, int, str | None]]) -> None:
    got = _as_set(problems, folder)
    want = {e[:4] for e in expected}
    assert got == want, "\n" + AuthoringError(tuple(problems)).__str__()
    for name, code, line, col, sub in expected:
        if sub is None:
            continue
        texts = [f"{p.message} {p.hint or ''}" for p in problems
                 if p.code == code and (p.location.line, p.location.col) == (line, col)
                 and p.location.file == str(folder / name)]
        assert any(sub in t for t in texts), (sub, texts)


def _case_params() -> list[object]:
    return [pytest.param(case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=case.bug)]
                         if case.bug else []) for case in CASES]


@pytest.mark.parametrize("case", _case_params())
def test_golden_problems(case: Case, tmp_path: Path) -> None:
    """Exactly the marked problems, and nothing but `AuthoringError` escapes."""
    expected = _write_case(case, tmp_path)
    assert expected, "a golden case must expect something"
    problems = load_problems(tmp_path, real=case.real, limits=case.limits)
    _check(problems, tmp_path, expected)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_no_problem_is_reported_twice(case: Case, tmp_path: Path) -> None:
    _write_case(case, tmp_path)
    try:
        load(tmp_path, real=case.real, limits=case.limits)
    except AuthoringError as exc:
        # cycles are left out: their known duplicate is `test_a_cycle_is_reported_once`
        keys = [(p.location, p.code, p.message) for p in exc.problems if p.code != "cycle"]
        assert len(keys) == len(set(keys))


def test_a_cycle_is_reported_once(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "cycle-within-a-file")
    _write_case(case, tmp_path)
    assert len(by_code(load_problems(tmp_path), "cycle")) == 1


def test_an_unknown_key_in_a_bool_ask_is_reported_once(tmp_path: Path) -> None:
    write(tmp_path, "t.yaml", tree("""
        start: a
        nodes:
          a:
            ask: airplane_mode
            yes: o
            no: o
            on_unknown: o
          o: {outcome: network.site_outage}
        """))
    assert at(load_problems(tmp_path), "unknown_key") == [(11, 5)]


def test_a_misspelt_node_kind_gets_a_did_you_mean(tmp_path: Path) -> None:
    write(tmp_path, "t.yaml", tree("""
        start: a
        nodes:
          a:
            cheque: s.flag
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """))
    problems = load_problems(tmp_path)
    hinted = [p for p in problems if "'check'" in (p.hint or "")]
    assert [(p.location.line, p.location.col) for p in hinted] == [(8, 5)]


# -- things that must load ----------------------------------------------------------------------
def test_a_finer_cause_under_a_taxonomy_cause_is_accepted(tmp_path: Path) -> None:
    write(tmp_path, "t.yaml", tree("""
        start: a
        nodes:
          a:
            check: s.flag
            yes: power
            no: fibre
          power: {outcome: network.site_outage.power}
          fibre: {outcome: network.site_outage.fibre.cut}
        """))
    lib = load(tmp_path)
    causes = {s.cause for s in lib.trees["t1"].steps.values() if s.cause}
    assert causes == {"network.site_outage.power", "network.site_outage.fibre.cut"}


def test_a_switch_covering_every_enum_value_needs_no_default(tmp_path: Path) -> None:
    write(tmp_path, "t.yaml", tree("""
        start: a
        nodes:
          a:
            switch: s.state
            cases: {in_use: o, suspended: o, reclaimed: b}
          b:
            switch: s.flag
            cases: {true: o, false: o}
          o: {outcome: network.site_outage}
        """))
    assert set(load(tmp_path).trees) == {"t1"}


def test_a_standard_question_redeclared_identically_is_accepted(tmp_path: Path) -> None:
    write(tmp_path, "t.yaml", tree("""
        questions:
          airplane_mode: {type: bool, default: false, text: Airplane mode}
        start: a
        nodes:
          a:
            ask: airplane_mode
            yes: o
            no: o
          o: {outcome: network.site_outage}
        """))
    assert set(load(tmp_path).trees) == {"t1"}


def test_one_question_asked_the_same_way_in_two_files_is_accepted(tmp_path: Path) -> None:
    for name, tid, symptom in (("a.yaml", "t1", "[no_service]"), ("b.yaml", "t2", "[no_data]")):
        write(tmp_path, name, tree("""
            questions:
              router_restarted: {type: bool, default: false, text: Restarted}
            start: a
            nodes:
              a:
                ask: router_restarted
                yes: o
                no: o
              o: {outcome: network.site_outage}
            """, tree_id=tid, symptoms=symptom))
    assert set(load(tmp_path).trees) == {"t1", "t2"}


def test_quoted_words_that_look_like_booleans_are_fine(tmp_path: Path) -> None:
    write(tmp_path, "t.yaml", tree("""
        owner: "no"
        start: a
        nodes:
          a:
            check: s.flag
            yes: "yes"
            no: "no"
          "yes": {outcome: network.site_outage}
          no: {outcome: network.weak_coverage}
        """))
    lib = load(tmp_path)
    assert lib.documents["t1"].owner == "no"


def test_the_shipped_trees_load() -> None:
    root = Path(__file__).resolve().parent.parent / "trees"
    lib = load(root, real=True)
    assert "no_service" in lib.trees


# -- every problem at once, sorted, rendered -------------------------------------------------------
def test_all_problems_are_reported_at_once_and_sorted(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", tree("""
        owner: off
        start: o
        nodes:
          o: {outcome: network.site_outge}
          z: {outcome: network.weak_coverage}
          z: {outcome: network.weak_coverage}
        """))
    write(tmp_path, "a.yaml", tree("""
        start: a
        nodes:
          a:
            switch: s.state
            cases: {in_use: o, in_us: o}
          o:
            outcome: network.site_outage
            values: {x: s.nope}
        """, tree_id="t2", symptoms="[no_data]"))
    write(tmp_path, "c.yaml", "tree: [\n")
    problems = load_problems(tmp_path)
    found = [(Path(p.location.file).name, p.code, p.location.line, p.location.col)
             for p in problems]
    assert found == [
        ("a.yaml", "switch_needs_default", 7, 3),
        ("a.yaml", "unknown_enum_value", 9, 24),
        ("a.yaml", "unknown_fact", 12, 17),
        ("b.yaml", "yaml_bool_trap", 5, 8),
        ("b.yaml", "unknown_cause", 8, 16),
        ("b.yaml", "unreachable_node", 9, 3),
        ("b.yaml", "duplicate_key", 10, 3),
        ("c.yaml", "yaml_syntax", 2, 1),
    ]
    keys = [p.sort_key() for p in problems]
    assert keys == sorted(keys)


def test_str_of_authoring_error_shows_location_source_line_and_caret(tmp_path: Path) -> None:
    path = write(tmp_path, "t.yaml", tree("""
        start: o
        nodes:
          o:
            outcome: network.site_outage
            values:
              state: hlr.numbr_state == "reclaimed"
        """))
    with pytest.raises(AuthoringError) as info:
        load(tmp_path, real=True)
    text = str(info.value)
    assert text.splitlines() == [
        f"{path}:10:14: error unknown_fact no source declares the fact hlr.numbr_state "
        "(did you mean 'hlr.number_state'?)",
        '          state: hlr.numbr_state == "reclaimed"',
        "                 ^",
    ]
    assert isinstance(info.value, ValueError)


def test_problem_render_without_source_or_line() -> None:
    p = Problem(Location("x.yaml"), "unreadable_file", "cannot read")
    assert p.render(["a"]) == "x.yaml: error unreadable_file cannot read"
    q = Problem(Location("x.yaml", 2, 3), "c", "m", hint="h")
    assert q.render(["one", "two"]) == "x.yaml:2:3: error c m (h)\n    two\n      ^"


def test_an_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_bytes(b"tree: t1\n\xff\xfe\n")
    problems = load_problems(tmp_path)
    assert codes(problems) == ["unreadable_file"]


def test_at_helper_reports_line_and_col(tmp_path: Path) -> None:
    write(tmp_path, "t.yaml", tree("""
        start: o
        nodes:
          o: {outcome: network.site_outge}
        """))
    assert at(load_problems(tmp_path), "unknown_cause") == [(7, 16)]
