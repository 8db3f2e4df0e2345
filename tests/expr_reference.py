"""A deliberately naive reference evaluator for the condition language's IR.

It shares nothing with the compiler but the IR classes and UNKNOWN: a plain recursive walk that
spells the semantics out case by case, so that property tests can compare the compiled closures
with it.
"""

from __future__ import annotations

import datetime as dt
import operator
from typing import Any

from diagtree._expr.ast import (
    Arith,
    BoolOp,
    Call,
    Compare,
    FactRef,
    ListLit,
    Literal,
    Neg,
    Node,
    Not,
)
from diagtree._vocab.facts import UNKNOWN

REPORTED_AT = "complaint.reported_at"


def evaluate(node: Node, facts: dict[str, Any], boolean: bool = True) -> Any:
    """The value of `node`. `boolean`: the node is in boolean position (null counts as false)."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, ListLit):
        return tuple(item.value for item in node.items)
    if isinstance(node, FactRef):
        value = facts[node.name]
        if boolean and value is None:
            return False
        return value
    if isinstance(node, Not):
        value = evaluate(node.operand, facts, True)
        if value is UNKNOWN:
            return UNKNOWN
        return value is not True  # null counts as false
    if isinstance(node, BoolOp):
        return _bool_op(node, facts)
    if isinstance(node, Compare):
        return _compare(node, facts)
    if isinstance(node, Arith):
        return _arith(node, facts)
    if isinstance(node, Neg):
        value = evaluate(node.operand, facts, False)
        if value is UNKNOWN:
            return UNKNOWN
        if value is None:
            return None
        return -value
    if isinstance(node, Call):
        return _call(node, facts)
    raise TypeError(node)


def _bool_op(node: BoolOp, facts: dict[str, Any]) -> Any:
    saw_unknown = False
    for operand in node.operands:
        value = evaluate(operand, facts, True)
        if value is UNKNOWN:
            saw_unknown = True
        elif node.op == "and" and value is False:
            return False
        elif node.op == "or" and value is True:
            return True
    if saw_unknown:
        return UNKNOWN
    return node.op == "and"


def _compare(node: Compare, facts: dict[str, Any]) -> Any:
    left = evaluate(node.left, facts, False)
    right = evaluate(node.right, facts, False)
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    op = node.op
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if left is None or right is None:
        return False
    if op == "in":
        return left in right
    if op == "not in":
        return left not in right
    if op == "<":
        return left < right
    if op == "<=":
        return left < right or left == right
    if op == ">":
        return right < left
    if op == ">=":
        return right < left or left == right
    raise ValueError(op)


def _arith(node: Arith, facts: dict[str, Any]) -> Any:
    left = evaluate(node.left, facts, False)
    right = evaluate(node.right, facts, False)
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    if left is None or right is None:
        return None
    if node.op != "/" or right != 0:
        try:  # arithmetic with no value (beyond any float) is unknown
            return _OPERATORS[node.op](left, right)
        except OverflowError:
            return UNKNOWN
    return None


_OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def _call(node: Call, facts: dict[str, Any]) -> Any:
    arg = evaluate(node.args[0], facts, False)
    if node.func == "count":
        if arg is UNKNOWN:
            return UNKNOWN
        return 0 if arg is None else len(arg)
    if node.func == "abs":
        if arg is UNKNOWN:
            return UNKNOWN
        return None if arg is None else abs(arg)
    now = facts[REPORTED_AT]
    if arg is UNKNOWN or now is UNKNOWN:
        return UNKNOWN
    if arg is None or now is None:
        return None
    if not isinstance(arg, dt.datetime):
        # a date: midnight of that date, in the UTC offset of reported_at
        offset = dt.timezone(now.utcoffset())
        arg = dt.datetime(arg.year, arg.month, arg.day, tzinfo=offset)
    if node.func == "hours_since":
        return (now - arg).total_seconds() / 3600
    if node.func == "days_since":
        return (now - arg).total_seconds() / 86400
    if node.func == "days_until":
        return (arg - now).total_seconds() / 86400
    raise ValueError(node.func)
