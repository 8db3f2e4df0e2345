"""Whole-tree compilation of the untraced walk into Python functions.

The per-node closures of `_compile.steps` are the reference walk (tracing and sessions use them).
For the hot path — a walk with tracing off — a compiled tree is also turned into one Python
function per node that other nodes cannot inline, with chains of decisions written out as
straight-line code, so a walk reads its facts and compares them much as hand-written Python
would.

Safety: no author text ever appears in the generated source. Every fact name, literal, step and
expression closure is a constant in the functions' namespace, referred to by a generated name
(`K12`); the source holds only those names, our own locals (`f`, `v`, `r`, `a`, `x`) and
operators taken from a fixed whitelist. The source is parsed and compiled once, when the tree
loads. Semantics are exactly the closures' (the tests walk both over generated trees and facts
and compare).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from diagtree._check.branches import ON_UNKNOWN
from diagtree._check.model import AskNode, CheckNode, OutcomeNode, SwitchNode
from diagtree._check.structure import Jump
from diagtree._compile.fused import BOOL, EQ, HAS, IN, NE, NOT_BOOL, NOT_IN, ORD, leaf
from diagtree._compile.steps import CompiledTree, Step
from diagtree._expr.ast import FactRef
from diagtree._vocab.facts import UNKNOWN

__all__ = ["GeneratedWalker", "fast_walker", "with_fast_walker"]

_ORDER_OPS = {"<", "<=", ">", ">="}


class _Gen:
    def __init__(self, tree: CompiledTree) -> None:
        self.tree = tree
        self.consts: dict[int, str] = {}
        self.namespace: dict[str, Any] = {"U": UNKNOWN}
        self.lines: list[str] = []
        self.step_ids = {id(step): nid for nid, step in tree.steps.items()}
        self.func_names: dict[int, str] = {}
        self.preds: dict[int, int] = {}

    def k(self, value: Any) -> str:
        key = id(value)
        name = self.consts.get(key)
        if name is None:
            name = self.consts[key] = f"K{len(self.consts)}"
            self.namespace[name] = value
        return name

    def node_of(self, step: Step) -> Any:
        nid = self.step_ids.get(id(step))
        return None if nid is None else self.tree.flat.nodes[nid]

    def targets(self, step: Step) -> list[Step]:
        node = self.node_of(step)
        if node is None or isinstance(node, OutcomeNode | Jump):
            return []
        return _edges(self.tree, step, node)

    def count_preds(self) -> None:
        seen: set[int] = set()
        todo = [self.tree.start]
        while todo:
            step = todo.pop()
            if id(step) in seen:
                continue
            seen.add(id(step))
            for t in self.targets(step):
                self.preds[id(t)] = self.preds.get(id(t), 0) + 1
                todo.append(t)

    def func(self, step: Step) -> str:
        name = self.func_names.get(id(step))
        if name is None:
            name = self.func_names[id(step)] = f"n{len(self.func_names)}"
            self.pending.append(step)
        return name

    # -- emission --------------------------------------------------------------------------
    def goto(self, step: Step, ind: str, out: list[str]) -> None:
        """Code that continues the walk at `step` (always ends in a return)."""
        node = self.node_of(step)
        if node is None or isinstance(node, OutcomeNode) or step.run is None:
            out.append(f"{ind}return {self.k(step)}")
        elif self.preds.get(id(step), 0) == 1 and id(step) not in self.func_names:
            self.emit(step, ind, out)
        else:
            out.append(f"{ind}return {self.func(step)}(f)")

    def emit(self, step: Step, ind: str, out: list[str]) -> None:
        node = self.node_of(step)
        if isinstance(node, CheckNode):
            self.check(step, node, ind, out)
        elif isinstance(node, SwitchNode) and isinstance(node.subject.ir, FactRef):
            self.switch(step, node, ind, out)
        elif isinstance(node, AskNode):
            self.ask(step, node, ind, out)
        else:  # tables and other switches: the node's own closure decides
            out.append(f"{ind}return {self.func_of_step(step)}(f)")

    def func_of_step(self, step: Step) -> str:
        """A namespace function continuing the walk after `step.run` decides."""
        return self.k(_Continue(step))

    def check(self, step: Step, node: CheckNode, ind: str, out: list[str]) -> None:
        yes, no, unk = _edges(self.tree, step, node)[:3]
        found = leaf(node.condition.ir)
        if found is None:
            out.append(f"{ind}r = {self.k(node.condition.fn)}(f)")
            self.branch(f"{ind}if r is True:", yes, ind, out)
            self.branch(f"{ind}if r is U:", unk, ind, out)
            self.goto(no, ind, out)
            return
        kind, name, lit, _cmp = found
        out.append(f"{ind}v = f[{self.k(name)}]")
        if kind == BOOL:
            self.branch(f"{ind}if v is True:", yes, ind, out)
            self.branch(f"{ind}if v is U:", unk, ind, out)
            self.goto(no, ind, out)
            return
        self.branch(f"{ind}if v is U:", unk, ind, out)
        if kind == NOT_BOOL:
            self.branch(f"{ind}if v is True:", no, ind, out)
            self.goto(yes, ind, out)
            return
        if kind in (EQ, NE):
            op = "==" if kind == EQ else "!="
            test = f"v {op} {self.k(lit)}"
        elif kind == ORD:
            op = _ir_op(node.condition.ir)
            test = f"v is not None and v {op} {self.k(lit)}"
        elif kind in (IN, NOT_IN):
            op = "in" if kind == IN else "not in"
            test = f"v is not None and v {op} {self.k(lit)}"
        else:
            op = "in" if kind == HAS else "not in"
            test = f"v is not None and {self.k(lit)} {op} v"
        self.branch(f"{ind}if {test}:", yes, ind, out)
        self.goto(no, ind, out)

    def branch(self, head: str, target: Step, ind: str, out: list[str]) -> None:
        out.append(head)
        self.goto(target, ind + "    ", out)

    def switch(self, step: Step, node: SwitchNode, ind: str, out: list[str]) -> None:
        assert isinstance(node.subject.ir, FactRef)
        tree = self.tree
        table = {value: tree.resolve(edge.target) for value, edge in node.cases}
        default = tree.resolve(node.default.target) if node.default is not None \
            else tree.undecided
        unk = tree.resolve(node.on_unknown.target) if node.on_unknown is not None \
            else tree.unavailable
        null = table.get(None, default)
        out.append(f"{ind}v = f[{self.k(node.subject.ir.name)}]")
        self.branch(f"{ind}if v is U:", unk, ind, out)
        self.branch(f"{ind}if v is None:", null, ind, out)
        calls = {value: self.callable_for(target) for value, target in table.items()
                 if value is not None}
        out.append(f"{ind}return {self.k(calls)}.get(v, {self.k(self.callable_for(default))})(f)")

    def callable_for(self, step: Step) -> Any:
        """What a dispatch table holds for `step`: an end, or its (late-bound) function."""
        node = self.node_of(step)
        if node is None or isinstance(node, OutcomeNode) or step.run is None:
            return _Const(step)
        return _Late(self, step)

    def ask(self, step: Step, node: AskNode, ind: str, out: list[str]) -> None:
        tree = self.tree
        question = node.question
        table = {value: tree.resolve(edge.target) for value, edge in node.cases}
        default = tree.resolve(node.default_case().target)
        qid = self.k(question.id)
        out.append(f"{ind}a = f.answers")
        out.append(f"{ind}if {qid} in a:")
        out.append(f"{ind}    x = a[{qid}]")
        out.append(f"{ind}elif f.interactive:")
        out.append(f"{ind}    return {self.k(step.run)}(f)")  # the closure returns `pending`
        out.append(f"{ind}else:")
        out.append(f"{ind}    x = a[{qid}] = {self.k(question.default)}")
        out.append(f"{ind}    f.defaulted.add({qid})")
        if question.type == "bool":
            # an answer that is not a boolean takes the default's branch, as the closure does
            test = "x is not False" if default is table[True] else "x is True"
            self.branch(f"{ind}if {test}:", table[True], ind, out)
            self.goto(table[False], ind, out)
        else:
            calls = {value: self.callable_for(t) for value, t in table.items()}
            out.append(f"{ind}return {self.k(calls)}.get(x, "
                       f"{self.k(self.callable_for(default))})(f)")

    # -- whole tree ------------------------------------------------------------------------
    def build(self) -> Callable[[Any], Step]:
        self.count_preds()
        self.pending: list[Step] = []
        entry = self.func(self.tree.start)
        body: list[str] = []
        while self.pending:
            step = self.pending.pop()
            name = self.func_names[id(step)]
            body.append(f"def {name}(f):")
            self.emit(step, "    ", body)
        source = "\n".join(body) + "\n"
        code = compile(source, f"<diagtree tree {self.tree.id}>", "exec")
        exec(code, self.namespace)  # noqa: S102 - our generated source; no author text in it
        for late in [v for v in self.namespace.values() if isinstance(v, dict)]:
            for key, value in list(late.items()):
                if isinstance(value, _Late):
                    late[key] = value.bind()
        for name, value in list(self.namespace.items()):
            if isinstance(value, _Late):
                self.namespace[name] = value.bind()
        walker: Callable[[Any], Step] = self.namespace[entry]
        return walker


class _Const:
    """A target that is an end: calling it returns the step."""

    def __init__(self, step: Step) -> None:
        self.step = step

    def __call__(self, f: Any) -> Step:
        return self.step


class _Late:
    """A target whose generated function exists only after the source is compiled."""

    def __init__(self, gen: _Gen, step: Step) -> None:
        self.gen = gen
        self.name = gen.func(step)

    def bind(self) -> Callable[[Any], Step]:
        fn: Callable[[Any], Step] = self.gen.namespace[self.name]
        return fn


class _Continue:
    """Walk on from a step whose decision only its own closure makes (tables and the like)."""

    def __init__(self, step: Step) -> None:
        self.step = step

    def __call__(self, f: Any) -> Step:
        step = self.step
        run = step.run
        while run is not None:
            step = run(f)
            run = step.run
        return step


def _ir_op(ir: Any) -> str:
    op = str(ir.op)
    if op not in _ORDER_OPS:  # pragma: no cover - `leaf` only makes ORD for these
        raise ValueError(op)
    return op


def _edges(tree: CompiledTree, step: Step, node: Any) -> list[Step]:
    """The steps a node can go to: its written branches in order, then the implicit ones (a
    switch without default: no matching case; any but an ask: on_unknown, written or not).
    For a check: [yes, no, unknown]."""
    ways = [tree.resolve(w.edge.target) for w in node.branches()
            if w.branch.kind != ON_UNKNOWN]
    if isinstance(node, AskNode):  # an unanswered question takes its default
        return ways
    if isinstance(node, SwitchNode) and node.default is None:
        ways.append(tree.undecided)
    unk = tree.resolve(node.on_unknown.target) if node.on_unknown is not None \
        else tree.unavailable
    return [*ways, unk]


def fast_walker(tree: CompiledTree) -> Callable[[Any], Step]:
    """The untraced walk of `tree` as generated code: `walker(facts) -> end step`.

    Should the generated source ever be refused (a tree nested beyond Python's limits), the
    walk falls back to the per-node closures, which are always correct."""
    try:
        return _Gen(tree).build()
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return _Continue(tree.start)


class GeneratedWalker:
    """A tree's generated walker, generated on the tree's first untraced walk:
    `walker.walk(facts) -> end step`.

    Loading does not pay for generating code (about 20 µs a node) for trees that are never
    walked untraced — by `diagtree validate` or `lint`, a forest's other versions, a service
    that only runs sessions; the first untraced diagnosis of each tree does, once. Two
    threads walking a tree for the first time at once may both generate it: the same code."""

    __slots__ = ("_tree", "walk")

    def __init__(self, tree: CompiledTree) -> None:
        self._tree = tree
        self.walk: Callable[[Any], Step] = self._first

    def _first(self, facts: Any) -> Step:
        walker = fast_walker(self._tree)
        self.walk = walker
        return walker(facts)


def with_fast_walker(tree: CompiledTree) -> CompiledTree:
    """`tree` finished: the same steps, with its generated walker, generated on first use (a
    new frozen tree; the steps are shared, and the generated code reads only them)."""
    return dataclasses.replace(tree, fast=GeneratedWalker(tree))
