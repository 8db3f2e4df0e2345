"""The branch vocabulary (`_check.branches`) and the qualified-id walker (`_check.inline`):
the trace, coverage and the pictures name branches and place sub-tree nodes through them, so
what they say must agree with the engine's own flat tree."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagtree import Engine
from diagtree._check import branches as br
from diagtree._check.branches import Branch
from diagtree._check.inline import follow, qualified_nodes
from diagtree._check.model import ExitNode, UseNode

from conftest import example_cases, fuzz, sources_for

values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(min_size=1, max_size=12))
branches = st.one_of(
    st.sampled_from([Branch(k) for k in (br.YES, br.NO, br.ON_UNKNOWN, br.DEFAULT)]),
    st.builds(Branch, st.sampled_from(["case", "answer"]), values),
    st.builds(Branch, st.just("row"), st.integers(1, 99)),
    st.builds(Branch, st.just("exit"), st.text(min_size=1, max_size=12)),
)


@fuzz(200)
@given(branches)
def test_a_static_label_is_its_own_key_and_parses_back(branch: Branch) -> None:
    label = branch.label()
    assert br.normalize(label) == label
    assert Branch.parse(label).label() == label
    assert Branch.parse(label).kind == branch.kind


@fuzz(100)
@given(values, st.integers(1, 99))
def test_the_trace_variants_normalize_to_their_static_key(value: object, row: int) -> None:
    assert br.normalize(br.unknown_at_row(row)) == br.ON_UNKNOWN
    assert br.normalize(br.NULL_DEFAULT) == br.DEFAULT
    assert br.normalize(br.defaulted(value)) == br.answer(value) == Branch("answer", value).label()
    assert br.case(value) == Branch("case", value).label()


def test_values_are_shown_as_the_trace_writes_them() -> None:
    assert [br.shown(v) for v in (None, True, False, 3, "arrears")] == \
        ["null", "true", "false", "3", "arrears"]
    assert Branch.parse("row 2") == Branch("row", 2)


@pytest.mark.parametrize("label", ["", "maybe", "case", "row x", "row ", "rows 2"])
def test_a_label_that_is_no_branch_is_refused(label: str) -> None:
    with pytest.raises(ValueError, match="branch"):
        Branch.parse(label)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="no branch kind 'maybe'"):
        Branch("maybe")


def test_the_walker_places_nodes_where_the_engine_does(engine: Engine) -> None:
    """Every shipped tree: the walker's qualified ids are the flat tree's, and `follow` leads an
    edge where the compiled walk goes (`FlatTree.resolve`)."""
    library = engine.library
    inlined = 0
    for tree in library.trees.values():
        flat = tree.flat
        placed = list(qualified_nodes(flat.document, library.documents))
        assert {p.qid for p in placed} == set(flat.nodes), tree.id
        entered = 0
        for p in placed:
            if isinstance(p.node, UseNode):
                entered += p.inner is not None
                continue
            if isinstance(p.node, ExitNode):
                continue
            for way in p.node.branches():
                target, _ = follow(p.scope, way.edge.target, library.documents)
                assert target == flat.resolve(p.scope.qid(way.edge.target)), (p.qid, way)
        assert entered == sum(1 for n in flat.nodes.values() if n.kind == "jump"
                              and next(n.edges()).label.startswith("enter ")), tree.id
        inlined += entered
    assert inlined, "the shipped trees use sub-trees: the walker must have entered some"


def test_every_trace_label_is_a_branch_of_its_node(engine: Engine) -> None:
    """A traced walk's labels, normalized, are branches the node declares (or the implicit
    on_unknown / switch fallback), so coverage and pictures can count them."""
    flat_nodes = {t.id: t.flat.nodes for t in engine.library.trees.values()}
    seen = 0
    for case in example_cases():
        diagnosis = engine.diagnose(case["complaint"], answers=case.get("answers"),
                                    sources=sources_for(case))
        for step in diagnosis.trace:
            node = flat_nodes[diagnosis.tree_id or ""].get(step.node)
            if node is None:
                continue
            key = br.normalize(step.branch)
            declared = {way.branch.label() for way in node.branches()}
            assert key in declared | {br.ON_UNKNOWN, br.DEFAULT}, (step.node, step.branch)
            seen += 1
    assert seen
