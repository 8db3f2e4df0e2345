"""Read one tree or sub-tree file into a checked `Document`, reporting every problem at once.

This module checks each file on its own: keys and types, node kinds, expressions against the
declared facts, cause codes, question declarations. Whole-library checks (references across
files, cycles, reachability) live in `_check.structure`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from typing import Any, Final

from diagtree._check import schema as _schema
from diagtree._check.model import (
    AskNode,
    CheckNode,
    Document,
    Edge,
    ExitNode,
    Node,
    OutcomeNode,
    SwitchNode,
    TableNode,
    TableRow,
    UseNode,
)
from diagtree._check.schema import NODE_KINDS
from diagtree._errors import Location, Problem, did_you_mean
from diagtree._expr import ExpressionCache
from diagtree._load.fields import Fields
from diagtree._load.files import file_kind
from diagtree._load.limits import Limits
from diagtree._load.yaml import Path, Positions, load_yaml
from diagtree._vocab.facts import BOOL, FactSchema, FactType
from diagtree._vocab.taxonomy import CAUSES, STANDARD_QUESTIONS, SYMPTOMS, Question, base_cause

__all__ = ["read_document", "read_tree_file"]

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def read_document(data: Any, pos: Positions, schema: FactSchema, problems: list[Problem],
                  text: str, limits: Limits,
                  expressions: ExpressionCache | None = None) -> Document | None:
    """Check one loaded file whose top-level key is `tree` or `subtree`. `expressions`, a
    cache of compiled expressions against `schema`, may be shared by the files of one load."""
    if expressions is None or expressions.schema is not schema:
        expressions = ExpressionCache(schema)
    return _DocReader(data, pos, schema, problems, limits, expressions).read(text)


def read_tree_file(text: str, name: str, schema: FactSchema, problems: list[Problem],
                   limits: Limits | None = None) -> tuple[Document | None, Any]:
    """Read one tree or sub-tree file's text and check it on its own, as `load_library` does
    each (without the checks across files): the document, None when it does not load, and
    the file's YAML data, None when it is not YAML. Any other kind of file is an
    `unknown_file_kind` problem."""
    limits = limits or Limits()
    data, pos, probs = load_yaml(text, name, limits.yaml())
    problems.extend(probs)
    if data is None:
        return None, None
    if file_kind(data) not in ("tree", "subtree"):
        problems.append(Problem(Location(name, 1, 1), "unknown_file_kind",
                                "not a tree or sub-tree file"))
        return None, data
    return read_document(data, pos, schema, problems, text, limits), data


class _DocReader:
    def __init__(self, data: Any, pos: Positions, schema: FactSchema, problems: list[Problem],
                 limits: Limits, expressions: ExpressionCache) -> None:
        self.top = Fields(data, (), pos, problems, "a tree file")
        self.expressions = expressions
        self.pos = pos
        self.schema = schema
        self.problems = problems
        self.limits = limits
        self.questions: dict[str, Question] = dict(STANDARD_QUESTIONS)

    # -- helpers ---------------------------------------------------------------------------
    def error(self, loc: Location, code: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(loc, code, message, hint=hint))

    def expression(self, f: Fields, key: str, expect: FactType | None = BOOL) -> Any:
        path: Path = (*f.path, key)
        value: Any = f.data.get(key)
        if isinstance(value, bool) and not self.pos.is_trap(path):
            value = "true" if value else "false"
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.error(self.pos.of(path), "expected_expression",
                       "expected a condition such as `hlr.number_state == \"reclaimed\"`")
            return None
        expr, probs = self.expressions.compile(value, self.pos.text_origin(path), expect=expect,
                                               max_length=self.limits.max_expression_chars)
        self.problems.extend(probs)
        return expr

    def edge(self, f: Fields, key: str, label: str | None = None,
             required: bool = True) -> Edge | None:
        target = f.string(key, required=required)
        if target is None:
            return None
        return Edge(label or key, target, f.loc(key))

    # -- document --------------------------------------------------------------------------
    def read(self, text: str) -> Document | None:
        top = self.top
        if not top.ok:
            return None
        kind = "tree" if top.has("tree") else "subtree"
        top.only(_schema.FILES[kind].keys)
        doc_id = top.string(kind, required=True) or "?"
        if not _ID.match(doc_id):
            top.error((kind,), "bad_id", f"{kind} id {doc_id!r} must be a simple name",
                      "letters, digits, _ and -")
        version = top.string("version", required=True) or "0"
        effective_from = None
        raw_from = top.string("effective_from")
        if raw_from is not None:
            try:
                effective_from = _dt.date.fromisoformat(raw_from)
            except ValueError:
                top.error(("effective_from",), "bad_date",
                          f"effective_from {raw_from!r} is not a date",
                          "write the calendar date it takes effect, e.g. 2027-01-01")
        title = top.localized("title", required=True)
        owner = top.string("owner")
        symptoms: tuple[str, ...] = ()
        if kind == "tree":
            symptoms = tuple(top.strings("symptoms", required=True))
            for i, s in enumerate(symptoms):
                if s not in SYMPTOMS:
                    top.error(("symptoms", i), "unknown_symptom", f"unknown symptom {s!r}",
                              did_you_mean(s, SYMPTOMS) or "see docs/taxonomy.md §1")
        exits = tuple(top.strings("exits", required=kind == "subtree"))
        changelog = self.changelog(top)
        questions = self.declared_questions(top)
        start = self.edge(top, "start", "start")
        nodes_f = top.child("nodes", "`nodes`")
        nodes: dict[str, Node] = {}
        broken: set[str] = set()
        if nodes_f.ok:
            if len(nodes_f.data) > self.limits.max_nodes:
                nodes_f.error(nodes_f.path, "too_many_nodes",
                              f"{len(nodes_f.data)} nodes; the limit is {self.limits.max_nodes}",
                              "split the tree into sub-trees (`use:`)")
            for node_id in nodes_f.data:
                node = self.node(nodes_f, str(node_id), kind, exits)
                if node is not None:
                    nodes[node.id] = node
                else:
                    broken.add(str(node_id))
        if start is None:
            return None
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return Document(kind=kind, id=doc_id, version=version, file=self.pos.file,
                        location=top.loc(kind), title=title, symptoms=symptoms, owner=owner,
                        start=start, nodes=nodes, exits=exits, questions=questions,
                        changelog=changelog, sha256=digest, broken=frozenset(broken),
                        effective_from=effective_from)

    def changelog(self, top: Fields) -> tuple[tuple[str, str], ...]:
        raw = top.raw("changelog")
        if raw is None:
            return ()
        if not isinstance(raw, list):
            top.error(("changelog",), "type_mismatch",
                      "`changelog` must be a list of {version, note}")
            return ()
        out = []
        for i in range(len(raw)):
            entry = Fields(raw[i], ("changelog", i), self.pos, self.problems, "a changelog entry")
            entry.only(_schema.CHANGELOG_ENTRY.keys)
            out.append((entry.string("version", required=True) or "",
                        entry.string("note", required=True) or ""))
        return tuple(out)

    def declared_questions(self, top: Fields) -> tuple[Question, ...]:
        qf = top.child("questions", "`questions`") if top.has("questions") else None
        if qf is None or not qf.ok:
            return ()
        out = []
        for qid in qf.data:
            f = qf.child(str(qid), f"question {qid!r}")
            if not f.ok:
                continue
            f.only(_schema.QUESTION.keys)
            qtype = f.string("type", required=True, choices=("bool", "choice")) or "bool"
            options = tuple(f.strings("options", required=qtype == "choice"))
            text = f.localized("text", required=True)
            default: bool | str | None
            if qtype == "bool":
                default = f.boolean("default")
            else:
                default = f.string("default", choices=options or None)
            if default is None:
                f.error(f.path, "missing_key", f"question {qid!r} needs a `default` answer",
                        "used when the customer is not asked or does not answer")
                continue
            std = STANDARD_QUESTIONS.get(str(qid))
            if std is not None and (std.type != qtype or std.default != default):
                f.error(f.path, "question_conflict",
                        f"{qid!r} is a standard question ({std.type}, default "
                        f"{str(std.default).lower()}); do not redeclare it differently",
                        "use another id for a different question")
                continue
            q = Question(str(qid), qtype, default, text, options)
            self.questions[q.id] = q
            out.append(q)
        return tuple(out)

    # -- nodes -----------------------------------------------------------------------------
    def node(self, nodes_f: Fields, node_id: str, doc_kind: str,
             exits: tuple[str, ...]) -> Node | None:
        f = nodes_f.child(node_id, f"node {node_id!r}")
        loc = nodes_f.key_loc(node_id)
        if not _ID.match(node_id):
            self.error(loc, "bad_id", f"node id {node_id!r} must be a simple name",
                       "letters, digits, _ and -")
        if not f.ok:
            return None
        kinds = [k for k in NODE_KINDS if f.has(k)]
        if not kinds:  # a misspelt kind (`cheque:`): point at it and suggest the kind
            allowed = set(_schema.node_keys())
            for key in f.data:
                hint = did_you_mean(str(key), NODE_KINDS)
                if key not in allowed and hint:
                    self.error(f.key_loc(str(key)), "node_kind",
                               f"node {node_id!r} has no kind: {key!r} is not one of "
                               + ", ".join(NODE_KINDS), hint)
                    return None
        if len(kinds) != 1:
            what = "none" if not kinds else " and ".join(kinds)
            self.error(loc, "node_kind",
                       f"node {node_id!r} must have exactly one of "
                       f"{', '.join(NODE_KINDS)} (found {what})")
            return None
        kind = kinds[0]
        # on_unknown belongs to nodes that read facts (answers and sub-trees are never unknown)
        f.only(_schema.NODES[kind].keys)
        on_unknown = self.edge(f, "on_unknown", required=False)
        if kind == "check":
            cond = self.expression(f, "check")
            yes, no = self.edge(f, "yes"), self.edge(f, "no")
            if cond is None or yes is None or no is None:
                return None
            return CheckNode(node_id, loc, on_unknown, cond, yes, no)
        if kind == "switch":
            return self.switch(f, node_id, loc, on_unknown)
        if kind == "table":
            return self.table(f, node_id, loc, on_unknown)
        if kind == "ask":
            return self.ask(f, node_id, loc, on_unknown)
        if kind == "use":
            sub = f.string("use", required=True)
            exits_f = f.child("exits", "`exits`") if f.has("exits") else None
            pairs: list[tuple[str, Edge]] = []
            if exits_f is not None and exits_f.ok:
                for name in exits_f.data:
                    e = self.edge(exits_f, str(name), f"exit {name}")
                    if e is not None:
                        pairs.append((str(name), e))
            if sub is None:
                return None
            return UseNode(node_id, loc, on_unknown, sub, f.loc("use"), tuple(pairs))
        if kind == "outcome":
            return self.outcome(f, node_id, loc)
        name = f.string("exit", required=True)
        if name is None:
            return None
        if doc_kind != "subtree":
            f.error((*f.path, "exit"), "exit_outside_subtree",
                    "`exit` nodes belong in sub-trees", "end a tree with an `outcome`")
        elif name not in exits:
            f.error((*f.path, "exit"), "unknown_exit",
                    f"exit {name!r} is not declared in `exits`",
                    did_you_mean(name, exits) or "declare it in the sub-tree's `exits`")
        return ExitNode(node_id, loc, None, name)

    def switch(self, f: Fields, node_id: str, loc: Location,
               on_unknown: Edge | None) -> Node | None:
        subject = self.expression(f, "switch", expect=None)
        cases_f = f.child("cases", "`cases`")
        default = self.edge(f, "default", required=False)
        if subject is None or not cases_f.ok:
            return None
        ftype: FactType = subject.type
        if ftype.kind not in ("enum", "string", "bool", "int"):
            f.error((*f.path, "switch"), "switch_type",
                    f"cannot switch on a {ftype} value", "use a `table` with conditions")
            return None
        cases: list[tuple[object, Edge]] = []
        for key in cases_f.data:
            edge = self.edge(cases_f, str(key), f"case {key}")
            value = self.case_value(cases_f, str(key), ftype)
            if edge is not None and value is not _BAD:
                cases.append((value, edge))
        if default is None and not (
                ftype.kind == "enum" and set(ftype.values) <= {v for v, _ in cases}) and not (
                ftype.kind == "bool" and {True, False} <= {v for v, _ in cases}):
            missing = ""
            if ftype.kind == "enum":
                left = [v for v in ftype.values if v not in {c for c, _ in cases}]
                missing = " (not covered: " + ", ".join(left) + ")"
            self.error(loc, "switch_needs_default",
                    f"switch {node_id!r} needs a `default`{missing}",
                    "add `default: <node>` or a case for every value")
        return SwitchNode(node_id, loc, on_unknown, subject, tuple(cases), default)

    def case_value(self, cases_f: Fields, key: str, ftype: FactType) -> object:
        path = (*cases_f.path, key)
        if key == "null":
            return None
        if ftype.kind == "enum":
            if key not in ftype.values:
                cases_f.error(path, "unknown_enum_value",
                              f"{key!r} is not a value of this fact ({', '.join(ftype.values)})",
                              did_you_mean(key, ftype.values), at_key=True)
                return _BAD
            return key
        if ftype.kind == "bool":
            if key not in ("true", "false"):
                cases_f.error(path, "type_mismatch", f"case {key!r} must be true or false",
                              at_key=True)
                return _BAD
            return key == "true"
        if ftype.kind == "int":
            try:
                return int(key)
            except ValueError:
                cases_f.error(path, "type_mismatch", f"case {key!r} must be a whole number",
                              at_key=True)
                return _BAD
        return key

    def table(self, f: Fields, node_id: str, loc: Location,
              on_unknown: Edge | None) -> Node | None:
        raw = f.raw("table")
        default = self.edge(f, "default", required=False)
        if default is None:
            self.error(loc, "table_needs_default", f"table {node_id!r} needs a `default`",
                    "add `default: <node>`: where to go when no row matches")
        if not isinstance(raw, list) or not raw:
            f.error((*f.path, "table"), "type_mismatch",
                    "`table` must be a list of rows `- {when: <condition>, then: <node>}`")
            return None
        if len(raw) > self.limits.max_table_rows:
            f.error((*f.path, "table"), "too_many_rows",
                    f"{len(raw)} rows; the limit is {self.limits.max_table_rows}")
        rows = []
        for i in range(len(raw)):
            rf = Fields(raw[i], (*f.path, "table", i), self.pos, self.problems, f"row {i + 1}")
            if not rf.ok:
                continue
            rf.only(_schema.TABLE_ROW.keys)
            cond = self.expression(rf, "when")
            then = self.edge(rf, "then", f"row {i + 1}")
            if cond is not None and then is not None:
                rows.append(TableRow(cond, then, rf.loc()))
        if default is None or len(rows) != len(raw):
            return None
        return TableNode(node_id, loc, on_unknown, tuple(rows), default)

    def ask(self, f: Fields, node_id: str, loc: Location,
            on_unknown: Edge | None) -> Node | None:
        qid = f.string("ask", required=True)
        if qid is None:
            return None
        question = self.questions.get(qid)
        if question is None:
            f.error((*f.path, "ask"), "unknown_question",
                    f"question {qid!r} is neither a standard question nor declared in "
                    "`questions`", did_you_mean(qid, self.questions)
                    or "declare it under `questions:` with its type, text and default")
            return None
        cases: list[tuple[object, Edge]] = []
        if question.type == "bool":
            if f.has("cases"):
                f.error((*f.path, "cases"), "unknown_key",
                        f"{qid!r} is a yes/no question: branch with `yes:` and `no:`",
                        at_key=True)
            yes, no = self.edge(f, "yes"), self.edge(f, "no")
            if yes is None or no is None:
                return None
            cases = [(True, yes), (False, no)]
        else:
            cases_f = f.child("cases", "`cases`")
            for key in cases_f.data:
                if key not in question.options:
                    cases_f.error((*cases_f.path, key), "unknown_option",
                                  f"{key!r} is not an option of {qid!r}",
                                  did_you_mean(str(key), question.options), at_key=True)
                    continue
                e = self.edge(cases_f, str(key), f"answer {key}")
                if e is not None:
                    cases.append((str(key), e))
            missing = [o for o in question.options if o not in {c for c, _ in cases}]
            if missing:
                self.error(loc, "ask_missing_option",
                        f"ask {node_id!r} does not say where each answer goes: "
                        + ", ".join(missing))
        return AskNode(node_id, loc, on_unknown, question, f.loc("ask"), tuple(cases))

    def outcome(self, f: Fields, node_id: str, loc: Location) -> Node | None:
        cause = f.string("outcome", required=True)
        if cause is None:
            return None
        if base_cause(cause) is None:
            f.error((*f.path, "outcome"), "unknown_cause",
                    f"{cause!r} is not a cause of the taxonomy",
                    did_you_mean(cause, CAUSES) or "see docs/taxonomy.md §3; finer codes go under "
                    "one (network.site_outage.power)")
        values = []
        vf = f.child("values", "`values`") if f.has("values") else None
        if vf is not None and vf.ok:
            for name in vf.data:
                if not _ID.match(str(name)):
                    vf.error((*vf.path, name), "bad_id", f"value name {name!r} must be a "
                             "simple name (it is a script variable)", at_key=True)
                    continue
                expr = self.expression(vf, str(name), expect=None)
                if expr is not None:
                    values.append((str(name), expr))
        return OutcomeNode(node_id, loc, None, cause, f.loc("outcome"), tuple(values))


_BAD: Final[Any] = object()

