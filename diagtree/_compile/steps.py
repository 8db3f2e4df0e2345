"""Compile a flat tree into linked `Step` objects, each driven by one closure.

The walk is ``while step.run: step = step.run(facts)`` — each node's closure evaluates its
compiled condition against the `FactStore` and returns the next step object directly (jumps left
by sub-tree inlining are collapsed at compile time). With tracing on, `trace_run` closures also
report the branch label and the expressions they evaluated.

Decisions on three-valued conditions: true → `yes`; false or null → `no`; unknown (a source
failed) → `on_unknown`, else the implicit `unknown.data_unavailable` outcome. A table takes the
first row whose condition is true; a row that is unknown stops the table at `on_unknown` (the
rows below cannot be trusted to be "first"). A switch value without a case goes to `default`;
null goes to the `null` case if any, else `default`; with neither, to the implicit
`unknown.needs_investigation` outcome. An unanswered question takes its default, or, in an
interactive session, pauses the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from diagtree._check import branches as br
from diagtree._check.model import AskNode, CheckNode, OutcomeNode, SwitchNode, TableNode
from diagtree._check.structure import FlatTree
from diagtree._compile.fused import fused_decision
from diagtree._expr import Expression
from diagtree._expr.ast import FactRef
from diagtree._vocab.facts import UNKNOWN, source_of
from diagtree._vocab.taxonomy import DATA_UNAVAILABLE, NEEDS_INVESTIGATION, Question

__all__ = ["CompiledTree", "FastWalk", "Step", "compile_tree"]

Run = Callable[[Any], "Step"]
#: a traced step returns (branch label, next step, the condition text that decided)
TraceRun = Callable[[Any], tuple[str, "Step", str | None]]


class Step:
    """One compiled node. `run` is None for ends (outcomes, and a pending question)."""

    __slots__ = ("at", "branch", "cause", "condition", "id", "kind", "question",
                 "reads", "run", "trace_run", "values")

    def __init__(self, node_id: str, kind: str, at: str) -> None:
        self.id = node_id
        self.kind = kind
        self.at = at
        self.run: Run | None = None
        self.trace_run: TraceRun | None = None
        self.cause: str | None = None
        self.values: tuple[tuple[str, Expression], ...] = ()
        self.question: Question | None = None
        self.condition: str | None = None
        #: (name, source) of each fact its conditions may read, for the trace
        self.reads: tuple[tuple[str, str], ...] = ()
        #: the branch label by the id of the step taken next, where that alone tells it (a
        #: check whose three targets differ): the trace then needs no second decision
        self.branch: dict[int, str] | None = None

    def __repr__(self) -> str:
        return f"<Step {self.id} {self.kind}>"


class FastWalk(Protocol):
    """A tree's untraced walk: `walk(facts) -> end step` (`_compile.codegen.GeneratedWalker`)."""

    walk: Callable[[Any], Step]


@dataclass(frozen=True)
class CompiledTree:
    flat: FlatTree
    start: Step
    steps: dict[str, Step]
    unavailable: Step
    undecided: Step
    #: the untraced walk as generated code, `fast.walk(facts) -> end step`
    #: (`_compile.codegen.with_fast_walker`); None in a tree not finished yet
    fast: FastWalk | None = None

    @property
    def id(self) -> str:
        return self.flat.id

    @property
    def version(self) -> str:
        return self.flat.document.version

    def resolve(self, target: str) -> Step:
        """The step a node id leads to (jumps left by sub-tree inlining followed)."""
        return self.steps[self.flat.resolve(target)]


def compile_tree(flat: FlatTree) -> CompiledTree:
    steps: dict[str, Step] = {}
    for nid, node in flat.nodes.items():
        steps[nid] = Step(nid, node.kind, str(node.location))
    unavailable = Step("(source unavailable)", "outcome", "")
    unavailable.cause = DATA_UNAVAILABLE
    undecided = Step("(no matching case)", "outcome", "")
    undecided.cause = NEEDS_INVESTIGATION

    def resolve(target: str) -> Step:
        return steps[flat.resolve(target)]

    for nid, node in flat.nodes.items():
        step = steps[nid]
        if node.kind == "jump":
            continue
        unk = resolve(node.on_unknown.target) if node.on_unknown is not None else unavailable
        if isinstance(node, CheckNode):
            _check(step, node.condition, resolve(node.yes.target), resolve(node.no.target), unk)
        elif isinstance(node, TableNode):
            _table(step, node, resolve, unk)
        elif isinstance(node, SwitchNode):
            _switch(step, node, resolve, unk, undecided)
        elif isinstance(node, AskNode):
            _ask(step, node, resolve)
        elif isinstance(node, OutcomeNode):
            step.cause = node.cause
            step.values = node.values
    return CompiledTree(flat, resolve(flat.start), steps, unavailable, undecided)


def _reads(exprs: tuple[Expression, ...]) -> tuple[tuple[str, str], ...]:
    """(name, source) of each fact the expressions may read, once each, in order."""
    return tuple((name, source_of(name))
                 for name in dict.fromkeys(name for e in exprs for name in e.facts))


def _check(step: Step, cond: Expression, yes: Step, no: Step, unk: Step) -> None:
    fn = cond.fn
    step.reads = _reads((cond,))
    text = step.condition = cond.text
    run = fused_decision(cond.ir, yes, no, unk)
    if run is None:
        def run(f: Any) -> Step:
            r = fn(f)
            if r is True:
                return yes
            if r is UNKNOWN:
                return unk
            return no

    if len({id(yes), id(no), id(unk)}) == 3:  # the target tells the branch: reuse `run`
        labels = step.branch = {id(yes): br.YES, id(no): br.NO, id(unk): br.ON_UNKNOWN}
        fast = run

        def trace_run(f: Any) -> tuple[str, Step, str | None]:
            nxt = fast(f)
            return labels[id(nxt)], nxt, text
    else:
        def trace_run(f: Any) -> tuple[str, Step, str | None]:
            r = fn(f)
            if r is True:
                return br.YES, yes, text
            if r is UNKNOWN:
                return br.ON_UNKNOWN, unk, text
            return br.NO, no, text

    step.run, step.trace_run = run, trace_run


def _table(step: Step, node: TableNode, resolve: Callable[[str], Step], unk: Step) -> None:
    rows = tuple((row.condition.fn, resolve(row.then.target)) for row in node.rows)
    exprs = tuple(row.condition for row in node.rows)
    step.reads = _reads(exprs)
    default = resolve(node.default.target)
    step.condition = " | ".join(e.text for e in exprs)
    #: per row: (label taken, label when unknown, the row's condition text)
    labels = tuple((br.row(i), br.unknown_at_row(i), e.text) for i, e in enumerate(exprs, 1))

    def run(f: Any) -> Step:
        for fn, then in rows:
            r = fn(f)
            if r is True:
                return then
            if r is UNKNOWN:
                return unk
        return default

    def trace_run(f: Any) -> tuple[str, Step, str | None]:
        for (fn, then), (taken, unknown, cond) in zip(rows, labels, strict=True):
            r = fn(f)
            if r is True:
                return taken, then, cond
            if r is UNKNOWN:
                return unknown, unk, cond
        return br.DEFAULT, default, step.condition

    step.run, step.trace_run = run, trace_run


def _switch(step: Step, node: SwitchNode, resolve: Callable[[str], Step], unk: Step,
            undecided: Step) -> None:
    fn = node.subject.fn
    table = {value: resolve(edge.target) for value, edge in node.cases}
    default = resolve(node.default.target) if node.default is not None else undecided
    null_target = table.get(None, default)
    null_label = br.case(None) if None in table else br.NULL_DEFAULT
    case_labels = {value: br.case(value) for value, _ in node.cases}
    step.reads = _reads((node.subject,))
    text = step.condition = node.subject.text

    def run(f: Any) -> Step:
        v = fn(f)
        if v is UNKNOWN:
            return unk
        if v is None:
            return null_target
        return table.get(v, default)

    if isinstance(node.subject.ir, FactRef):  # the common case: one closure, no inner call
        name = node.subject.ir.name
        lookup = table.get

        def run(f: Any) -> Step:
            v = f[name]
            if v is None:
                return null_target
            if v is UNKNOWN:
                return unk
            return lookup(v, default)

    def trace_run(f: Any) -> tuple[str, Step, str | None]:
        v = fn(f)
        if v is UNKNOWN:
            return br.ON_UNKNOWN, unk, text
        if v is None:
            return null_label, null_target, text
        if v in table:
            return case_labels[v], table[v], text
        return br.DEFAULT, default, text

    step.run, step.trace_run = run, trace_run


def _ask(step: Step, node: AskNode, resolve: Callable[[str], Step]) -> None:
    question = node.question
    qid = question.id
    table = {value: resolve(edge.target) for value, edge in node.cases}
    default = resolve(node.default_case().target)
    pending = Step(step.id, "pending", step.at)
    pending.question = question
    step.question = question
    text = step.condition = f"ask {qid}"

    def run(f: Any) -> Step:
        answers = f.answers
        if qid in answers:
            return table.get(answers[qid], default)
        if f.interactive:
            return pending
        answers[qid] = question.default
        f.defaulted.add(qid)
        return default

    def trace_run(f: Any) -> tuple[str, Step, str | None]:
        nxt = run(f)
        if nxt is pending:
            return br.PENDING, pending, text
        value = f.answers[qid]
        return (br.defaulted(value) if qid in f.defaulted else br.answer(value)), nxt, text

    step.run, step.trace_run = run, trace_run
