"""Read a folder of knowledge files — trees, sub-trees, the outcome catalog, scripts and the
policy — and check everything, without compiling (`_compile.library` compiles the result).

Files are told apart by their top-level key: ``tree:``, ``subtree:``, ``outcomes:``,
``scripts:``, ``policy:``; scenario files (``cases:``) are skipped here (`diagtree test` reads
them). Every problem in every file is collected and raised at once as `AuthoringError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from diagtree._check.catalog import Catalog, CatalogEntry, read_catalog
from diagtree._check.inline import inline_tree
from diagtree._check.model import AskNode, Document, OutcomeNode
from diagtree._check.policy import Policy, read_policy
from diagtree._check.regulator import read_regulator_classes
from diagtree._check.script_lint import (
    ScriptRules,
    lint_explanation_texts,
    lint_scripts,
    merge_rules,
    read_script_rules,
)
from diagtree._check.scripts import STANDARD_VARIABLES, ScriptBook, read_scripts
from diagtree._check.structure import FlatTree, check_document
from diagtree._check.tree import read_document
from diagtree._check.versions import Versions, order_versions
from diagtree._errors import AuthoringError, Location, Problem, did_you_mean
from diagtree._expr import ExpressionCache
from diagtree._load.files import FILE_KINDS, file_kind, knowledge_files, text_kind
from diagtree._load.limits import Limits
from diagtree._load.yaml import YamlLimits, load_yaml
from diagtree._templates.limits import TemplateTooComplex
from diagtree._vocab.engine_facts import POLICY_FACTS
from diagtree._vocab.facts import FactSchema
from diagtree._vocab.taxonomy import DATA_UNAVAILABLE, NEEDS_INVESTIGATION, Question

__all__ = ["CheckedLibrary", "check_library"]


@dataclass(frozen=True)
class CheckedLibrary:
    """Every knowledge file of a folder, read and checked: the trees inlined, not compiled."""

    #: the latest version of each tree and sub-tree id
    documents: dict[str, Document]
    #: each tree (its latest version) with its sub-trees inlined, in file order
    flats: tuple[FlatTree, ...]
    #: symptom → the id of the tree that handles it
    handled: dict[str, str]
    catalog: Catalog
    scripts: ScriptBook
    policy: Policy | None
    files: tuple[str, ...]
    warnings: tuple[Problem, ...] = ()
    #: set when some tree or sub-tree has several versions (`effective_from`)
    versions: Versions | None = None


def check_library(paths: Iterable[str | Path], schema: FactSchema,
                  policy_schema: FactSchema | None = None,
                  *, limits: Limits | None = None, require_policy: bool = True,
                  display: Callable[[Path], str] = str) -> CheckedLibrary:
    """Read and check every knowledge file under `paths`; raise `AuthoringError` on problems.

    The policy's rules read `policy_schema`, by default `schema` with the facts the engine
    adds for the policy (`POLICY_FACTS`: the diagnosis, the customer's history)."""
    limits = limits or Limits()
    if policy_schema is None:
        policy_schema = schema.merged(POLICY_FACTS)
    problems: list[Problem] = []
    documents: dict[str, Document] = {}  # the latest version of each id
    versions: dict[str, list[Document]] = {}
    catalogs: list[Catalog] = []
    book = ScriptBook()
    policy: Policy | None = None
    policy_file: str | None = None
    rules: list[ScriptRules] = []
    texts: dict[str, str] = {}
    expressions = ExpressionCache(schema)  # the trees repeat their conditions and values
    files = knowledge_files(paths)
    for path in files:
        name = display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(Location(name), "unreadable_file", str(exc)))
            continue
        if text_kind(text, parse=False) == "cases":
            continue  # scenarios live beside the trees; `diagtree test` reads them
        texts[name] = text
        data, pos, probs = load_yaml(text, name, YamlLimits(max_bytes=limits.max_file_bytes))
        problems.extend(probs)
        if data is None:
            continue
        if not isinstance(data, Mapping):
            problems.append(Problem(Location(name, 1, 1), "unknown_file_kind",
                                    "expected a mapping with one of the keys "
                                    + ", ".join(FILE_KINDS)))
            continue
        kind = file_kind(data)
        if kind is None:
            first = str(next(iter(data), ""))
            problems.append(Problem(pos.key((first,)), "unknown_file_kind",
                                    "cannot tell what this file is: it needs one of the "
                                    "top-level keys " + ", ".join(FILE_KINDS),
                                    hint=did_you_mean(first, FILE_KINDS)))
            continue
        if kind in ("tree", "subtree"):
            doc = read_document(data, pos, schema, problems, text, limits, expressions)
            if doc is None:
                continue
            earlier = versions.get(doc.id, [doc])[0]
            if earlier.kind != doc.kind:
                problems.append(Problem(doc.location, "duplicate_id",
                                        f"{doc.kind} id {doc.id!r} is already used by a "
                                        f"{earlier.kind} in {earlier.file}",
                                        hint="trees and sub-trees share one set of ids"))
                continue
            versions.setdefault(doc.id, []).append(doc)
        elif kind == "outcomes":
            catalogs.append(read_catalog(data, pos, problems))
        elif kind == "scripts":
            read_scripts(data, pos, problems, book)
        elif kind == "script_rules":
            rules.append(read_script_rules(data, pos, problems))
        elif kind == "regulator_classes":  # checked here, read by `diagtree report`
            read_regulator_classes(data, pos, problems)
        elif kind == "policy":
            if policy_file is not None:
                problems.append(Problem(Location(name, 1, 1), "duplicate_policy",
                                        f"a policy is already defined in {policy_file}"))
                continue
            policy_file = name
            policy = read_policy(data, pos, policy_schema, problems)

    catalog = Catalog({k: v for c in catalogs for k, v in c.entries.items()})
    for doc_id in list(versions):
        versions[doc_id] = order_versions(versions[doc_id], problems)
        documents[doc_id] = versions[doc_id][-1]  # the latest version
    every_version = [d for docs in versions.values() for d in docs]
    for doc in every_version:
        check_document(doc, problems)
    _check_questions(documents.values(), problems)
    history = Versions(versions, limits.max_depth)
    flats = []
    handled: dict[str, str] = {}
    for doc in documents.values():
        if doc.kind != "tree":
            continue
        for symptom in doc.symptoms:
            if symptom in handled:
                problems.append(Problem(doc.location, "duplicate_symptom",
                                        f"symptom {symptom!r} is already handled by tree "
                                        f"{handled[symptom]!r}"))
            else:
                handled[symptom] = doc.id
        flat = inline_tree(doc, documents, problems, limits.max_depth)
        if flat is not None:
            flats.append(flat)
    if any(len(docs) > 1 for docs in versions.values()):
        history.check_all([d.id for d in documents.values() if d.kind == "tree"], problems)
    _check_outcomes(every_version, catalog, book, problems, bool(catalogs))
    lines: dict[str, list[str]] = {}
    lint_scripts(book, catalog, merge_rules(rules), problems,
                 lambda f: lines.setdefault(f, texts.get(f, "").splitlines()))
    lint_explanation_texts(book, catalog, merge_rules(rules), problems)
    if require_policy and policy is None and policy_file is None and documents:
        problems.append(Problem(Location(str(files[0]) if files else "."), "missing_policy",
                                "no policy file (a file with `policy:`) among the knowledge "
                                "files", hint="the engine grades complaints with it"))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise AuthoringError(tuple(problems))
    versioned = history if any(len(docs) > 1 for docs in versions.values()) else None
    return CheckedLibrary(documents, tuple(flats), handled, catalog, book, policy,
                          tuple(str(f) for f in files), tuple(problems), versioned)


def _check_questions(documents: Iterable[Document], problems: list[Problem]) -> None:
    """One question id must mean the same question (type, options) everywhere."""
    seen: dict[str, tuple[Question, Location]] = {}
    for doc in documents:
        for node in doc.nodes.values():
            if not isinstance(node, AskNode):
                continue
            q = node.question
            if q.id in seen:
                first, where = seen[q.id]
                if (first.type, first.options, first.default) != (q.type, q.options, q.default):
                    problems.append(Problem(node.question_location, "question_conflict",
                                            f"question {q.id!r} is asked with different "
                                            f"options than at {where}",
                                            hint="give a different question a different id"))
            else:
                seen[q.id] = (q, node.question_location)


def _check_outcomes(documents: Iterable[Document], catalog: Catalog, book: ScriptBook,
                    problems: list[Problem], have_catalog: bool) -> None:
    """Every cause has a catalog entry and a script, and every outcome gives its script (and
    the catalog's actions) the values they read."""
    if not have_catalog:
        return
    for entry in catalog.entries.values():
        if entry.script not in book.scripts:
            problems.append(Problem(Location(entry.file, entry.line, 1), "missing_script",
                                    f"outcome {entry.cause!r} uses script {entry.script!r}, "
                                    "which no scripts file defines",
                                    hint=did_you_mean(entry.script, book.scripts)))
    for entry in catalog.entries.values():
        for action in entry.actions:
            exc = book.analyse("en", action).error
            if exc is not None:
                problems.append(Problem(Location(entry.file, entry.line, 1),
                                        "script_too_complex"
                                        if isinstance(exc, TemplateTooComplex)
                                        else "script_syntax",
                                        f"an action of {entry.cause!r} is not a valid template: "
                                        f"{exc.message}", hint=f"the action: {action!r}"))
    needs = {cause: _needed(entry, book) for cause, entry in catalog.entries.items()}
    for doc in documents:
        for node in doc.nodes.values():
            if not isinstance(node, OutcomeNode):
                continue
            found = catalog.entry(node.cause)
            if found is None:
                problems.append(Problem(node.cause_location, "cause_not_in_catalog",
                                        f"cause {node.cause!r} has no entry in the outcome "
                                        "catalog", hint="add it under `outcomes:`"))
                continue
            missing = sorted(needs[found.cause] - {name for name, _ in node.values})
            if missing:
                problems.append(Problem(node.location, "missing_script_values",
                                        f"the script or actions of {node.cause!r} read "
                                        + ", ".join(missing) + " but this outcome gives no "
                                        "such value", hint="add them under `values:`, e.g. "
                                        f"`{missing[0]}: <fact or expression>` (null is fine)"))
    for cause in (DATA_UNAVAILABLE, NEEDS_INVESTIGATION):
        fallback = catalog.entry(cause)
        if fallback is None:
            problems.append(Problem(Location("outcomes"), "cause_not_in_catalog",
                                    f"the catalog needs an entry for {cause!r} "
                                    "(the engine's fallback outcomes)"))
        elif needs[fallback.cause]:
            problems.append(Problem(Location(fallback.file, fallback.line, 1),
                                    "missing_script_values",
                                    f"the engine concludes {cause!r} by itself, with no values; "
                                    "its script and actions may only read "
                                    + ", ".join(sorted(STANDARD_VARIABLES)),
                                    hint="remove " + ", ".join(sorted(needs[fallback.cause]))))


def _needed(entry: CatalogEntry, book: ScriptBook) -> frozenset[str]:
    used = book.variables(entry.script) if entry.script in book.scripts else frozenset()
    for action in entry.actions:
        used |= book.analyse("en", action).variables
    return used - STANDARD_VARIABLES
