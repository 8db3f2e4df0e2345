"""The grading, feedback-deadline and refund-authority policy (a YAML file operators edit).

```yaml
policy:
  grades:                     # every rule that matches raises the grade to at least its grade
    - grade: major
      when: complaint.channel in ["regulator", "media"]
      reason: came through the regulator or the media
    - grade: escalated
      when: billing.customer.tier == "vip"
      reason: VIP customer
  feedback:                   # per grade: first feedback due after `within_hours`
    normal: {within_hours: 48, kind: result}
    escalated: {within_hours: 24, kind: progress}
    major: {within_hours: 6, every_hours: 6, kind: progress}
  authority:                  # refunds the front line may grant on the call, CNY, inclusive
    limits: {agent: 50, supervisor: 200}
    above: billing_center     # who gets the case above the limit
  incidents:                  # mass incidents (docs/incidents.md); optional, these defaults
    by_cell: [network]        # categories or causes grouped by the cell the diagnosis concerns
    by_platform: [support.platform_fault]   # … by the platform element at fault
    window_hours: 24          # complaints this close in time belong together
    min_customers: 20         # distinct customers within the window that make an incident
    warning: {yellow: 20, orange: 50, red: 200}   # early warning by distinct customers
```

Rules are conditions in the tree condition language over the complaint, the sources' facts and
`diagnosis.cause`, `diagnosis.category`, `history.same_category_30d` (earlier complaints of this
customer with a cause in the same category, reported more than 0 and at most 30 days before).
A rule whose facts are unavailable does not match (a VIP tier that cannot be read counts as not
VIP), and the trace says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from diagtree._check import schema as _schema
from diagtree._errors import Location, Problem, did_you_mean
from diagtree._expr import Expression, compile_expression
from diagtree._expr.ast import Arith, Compare, FactRef, Literal, Neg, Node, Not
from diagtree._load.fields import Fields
from diagtree._load.yaml import Positions
from diagtree._vocab.facts import FactSchema
from diagtree._vocab.taxonomy import CATEGORIES, CAUSES, DEPARTMENTS, GRADES

__all__ = ["DEFAULT_INCIDENTS", "INCIDENT_COUNT", "Feedback", "GradeRule", "IncidentRule",
           "Policy", "incident_threshold", "read_policy"]


@dataclass(frozen=True)
class GradeRule:
    grade: str
    when: Expression
    reason: str
    line: int


@dataclass(frozen=True)
class Feedback:
    within_hours: float
    kind: str
    every_hours: float | None = None


@dataclass(frozen=True)
class IncidentRule:
    """When complaints make a mass incident: the same cause, at the same cell (`by_cell`: the
    categories or causes grouped so) or the same platform (`by_platform`), from at least
    `min_customers` distinct customers within `window_hours`; the early-warning level by
    distinct customers (`warning`: (level, threshold), lowest first)."""

    by_cell: tuple[str, ...]
    by_platform: tuple[str, ...]
    window_hours: float
    min_customers: int
    warning: tuple[tuple[str, int], ...]

    def grouping(self, cause: str) -> str | None:
        """``"platform"``, ``"cell"`` or None: what complaints with `cause` are grouped by (a
        cause listed in both is grouped by platform)."""
        for kind, listed in (("platform", self.by_platform), ("cell", self.by_cell)):
            for entry in listed:
                if cause == entry or cause.startswith(entry + "."):
                    return kind
        return None

    def warning_level(self, customers: int) -> str | None:
        """The highest early-warning level whose threshold `customers` reaches (None: none)."""
        level = None
        for name, threshold in self.warning:
            if customers >= threshold:
                level = name
        return level


#: the incident rule of a policy without an `incidents:` section (the shipped policy's)
DEFAULT_INCIDENTS: Final = IncidentRule(("network",), ("support.platform_fault",), 24.0, 20,
                                        (("yellow", 20), ("orange", 50), ("red", 200)))


@dataclass(frozen=True)
class Policy:
    rules: tuple[GradeRule, ...]
    feedback: dict[str, Feedback]
    limits: dict[str, float]
    above: str
    file: str
    incidents: IncidentRule = DEFAULT_INCIDENTS


#: the longest feedback time or interval: a (leap) year, in hours
MAX_FEEDBACK_HOURS: Final = 366 * 24
#: the largest authority limit, in CNY
MAX_AUTHORITY: Final = 1e12
#: the largest customer count an incident threshold may name
MAX_CUSTOMERS: Final = 1_000_000_000


def _in_range(f: Fields, key: str, most: float, unit: str, *,
              required: bool = False) -> float | None:
    """The number at `key`, if it is between 0 and `most` (a located `policy_out_of_range`
    otherwise: a huge or non-finite number would overflow the dates and amounts computed from
    it, a negative one means nothing)."""
    value = f.raw(key)
    if isinstance(value, int | float) and not isinstance(value, bool) \
            and not 0 <= value <= most:  # (NaN is refused too; a huge int compares exactly)
        shown = "a huge number" if isinstance(value, int) and value.bit_length() > 64 \
            else repr(value)
        f.error((*f.path, key), "policy_out_of_range",
                f"`{key}` is {shown}; it must be between 0 and {most:g} {unit}")
        return None
    return f.number(key, required=required)


def read_policy(data: Any, pos: Positions, schema: FactSchema,
                problems: list[Problem]) -> Policy | None:
    top = Fields(data, (), pos, problems, "a policy file")
    top.only(_schema.POLICY_FILE.keys)
    pf = top.child("policy", "`policy`")
    if not pf.ok:
        return None
    pf.only(_schema.POLICY.keys)
    rules = []
    counted: list[tuple[Fields, Expression]] = []  # rules on the mass-incident count alone
    raw = pf.raw("grades") or []
    if not isinstance(raw, list):
        pf.error((*pf.path, "grades"), "type_mismatch",
                 "`grades` must be a list of {grade, when, reason}")
        raw = []
    for i in range(len(raw)):
        rf = Fields(raw[i], (*pf.path, "grades", i), pos, problems, f"grade rule {i + 1}")
        if not rf.ok:
            continue
        rf.only(_schema.GRADE_RULE.keys)
        grade = rf.string("grade", required=True, choices=GRADES)
        text = rf.string("when", required=True)
        reason = rf.string("reason", required=True)
        if grade is None or text is None or reason is None:
            continue
        expr, probs = compile_expression(text, schema, pos.text_origin((*rf.path, "when")))
        problems.extend(probs)
        if expr is not None:
            rules.append(GradeRule(grade, expr, reason, rf.loc().line))
            if expr.facts == (INCIDENT_COUNT,):
                counted.append((rf, expr))
    feedback: dict[str, Feedback] = {}
    ff = pf.child("feedback", "`feedback`")
    for grade in GRADES:
        g = ff.child(grade, f"feedback for {grade}")
        if not g.ok:
            continue
        g.only(_schema.FEEDBACK_GRADE.keys)
        hours = _in_range(g, "within_hours", MAX_FEEDBACK_HOURS, "hours", required=True)
        kind = g.string("kind", default="progress", choices=("result", "progress")) or "progress"
        every = _in_range(g, "every_hours", MAX_FEEDBACK_HOURS, "hours")
        if hours is not None:
            feedback[grade] = Feedback(hours, kind, every)
    ff.only(_schema.FEEDBACK.keys)
    af = pf.child("authority", "`authority`")
    af.only(_schema.AUTHORITY.keys)
    lf = af.child("limits", "`authority.limits`")
    limits = {}
    for role in _schema.AUTHORITY_LIMITS.keys:
        amount = _in_range(lf, role, MAX_AUTHORITY, "CNY", required=True)
        if amount is not None:
            limits[role] = amount
    lf.only(_schema.AUTHORITY_LIMITS.keys)
    above = af.string("above", required=True, choices=DEPARTMENTS) or "billing_center"
    incidents = _read_incidents(pf, problems) if pf.has("incidents") else DEFAULT_INCIDENTS
    least = incidents.min_customers if incidents is not None else None
    for rf, expr in counted:
        threshold = incident_threshold(expr.ir)
        if threshold is None:
            origin = pos.text_origin((*rf.path, "when"))
            problems.append(Problem(
                Location(origin.file, origin.line + expr.ir.line - 1, origin.col + expr.ir.col),
                "policy_incident_rule_unreadable",
                "this rule reads the mass-incident count alone, but not as a number of "
                "customers from which it holds (`>= N`), so its number cannot be checked "
                "against `incidents.min_customers`",
                hint=f"write it `{INCIDENT_COUNT} >= {least or 'N'}`"
                + (f" (or `> {least - 1}`, `{least} <= …`), {least} being "
                   "`incidents.min_customers`" if least is not None else "")))
        elif least is not None and threshold != least:
            rf.error((*rf.path, "when"), "policy_out_of_range",
                     f"this rule grades a mass incident from {_shown(threshold)} customers, "
                     f"but `incidents.min_customers` makes one from {least}: "
                     "members of an incident would be graded differently from what the "
                     "incident index counts",
                     f"use the same number in both (e.g. >= {least})")
    if len(feedback) != len(GRADES) or len(limits) != 2 or incidents is None:
        return None
    return Policy(tuple(rules), feedback, limits, above, pos.file, incidents)


#: the fact a grade rule reads for the mass-incident count (the index supplies it)
INCIDENT_COUNT: Final = "complaint.incident.distinct_customers_24h"
#: `a OP x` read as `x OP' a`; `not (x OP a)` as `x OP' a`
_FLIPPED: Final = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NEGATED: Final = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


def incident_threshold(node: Node) -> int | None:
    """The fewest customers from which a condition on the count alone holds, when it says so
    plainly — ``x >= 20``, ``x > 19``, ``20 <= x``, ``19 < x``, ``20 - 1 < x``,
    ``not (x < 20)`` (`x` the count, a whole number; the other side any arithmetic of
    numbers); None for any other form (``x == 20``, ``x * 2 > 39``, ``x > 5 and x < 9``…)."""
    negated = isinstance(node, Not)
    if isinstance(node, Not):
        node = node.operand
    if not isinstance(node, Compare):
        return None
    op, left, right = node.op, node.left, node.right
    if _is_count(right) and not _is_count(left):
        op, left, right = _FLIPPED.get(op, op), right, left
    if negated:
        op = _NEGATED.get(op, "")
    bound = _number(right) if _is_count(left) else None
    if bound is None or not math.isfinite(bound):
        return None
    if op == ">=":
        return math.ceil(bound)
    if op == ">":
        return math.floor(bound) + 1
    return None


def _is_count(node: Node) -> bool:
    return isinstance(node, FactRef) and node.name == INCIDENT_COUNT


def _number(node: Node) -> float | None:
    """The value of arithmetic on number literals (None: anything else, or it fails)."""
    if isinstance(node, Literal):
        value = node.value
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
            and abs(value) <= 1e300 else None
    if isinstance(node, Neg):
        inner = _number(node.operand)
        return None if inner is None else -inner
    if isinstance(node, Arith):
        a, b = _number(node.left), _number(node.right)
        if a is None or b is None:
            return None
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        return a / b if b else None
    return None


def _shown(threshold: int) -> str:
    return str(threshold) if threshold <= MAX_CUSTOMERS else f"more than {MAX_CUSTOMERS}"


def _read_incidents(pf: Fields, problems: list[Problem]) -> IncidentRule | None:
    """The `incidents:` section: every key required, causes and categories known (with a
    did-you-mean), numbers in range, warning thresholds rising."""
    f = pf.child("incidents", "`incidents`")
    if not f.ok:
        return None
    f.only(_schema.INCIDENTS.keys)
    before = len(problems)
    grouped = {key: _causes(f, key) for key in ("by_cell", "by_platform")}
    window = _in_range(f, "window_hours", MAX_FEEDBACK_HOURS, "hours", required=True)
    if window == 0:
        f.error((*f.path, "window_hours"), "policy_out_of_range",
                "`window_hours` is 0; it must be more than 0 hours")
    least = _count(f, "min_customers")
    wf = f.child("warning", "`incidents.warning`")
    wf.only(_schema.WARNING.keys)
    warning: list[tuple[str, int]] = []
    for level in _schema.WARNING_LEVELS:
        threshold = _count(wf, level)
        if threshold is None:
            continue
        if warning and threshold < warning[-1][1]:
            wf.error((*wf.path, level), "policy_out_of_range",
                     f"`{level}` is {threshold}, below `{warning[-1][0]}` "
                     f"({warning[-1][1]}): the warning thresholds must rise "
                     "(yellow ≤ orange ≤ red)")
        warning.append((level, threshold))
    if len(problems) > before or window is None or least is None:
        return None
    return IncidentRule(grouped["by_cell"], grouped["by_platform"], float(window), least,
                        tuple(warning))


def _causes(f: Fields, key: str) -> tuple[str, ...]:
    """A list of categories (``network``) and causes (``support.platform_fault``), each
    known."""
    listed = f.strings(key, required=True)
    known = (*CATEGORIES, *CAUSES)
    for i, entry in enumerate(listed):
        if entry not in known:
            f.error((*f.path, key, i), "unknown_value",
                    f"{entry!r} in `{key}` is neither a category nor a cause",
                    did_you_mean(entry, known) or "categories: " + ", ".join(CATEGORIES))
    return tuple(listed)


def _count(f: Fields, key: str) -> int | None:
    """A whole number of customers at `key`, from 1 to `MAX_CUSTOMERS` (located problem
    otherwise)."""
    value = f.raw(key)
    if value is None:
        f.error(f.path, "missing_key", f"{f.what} needs `{key}`")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        f.error((*f.path, key), "type_mismatch",
                f"`{key}` must be a whole number of customers, got {value!r}")
        return None
    if not 1 <= value <= MAX_CUSTOMERS:
        f.error((*f.path, key), "policy_out_of_range",
                f"`{key}` is {value}; it must be between 1 and {MAX_CUSTOMERS} customers")
        return None
    return value
