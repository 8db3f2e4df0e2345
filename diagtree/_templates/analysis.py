"""What loading learns of a template text without compiling it: the variables it reads, or
why it is refused (bad syntax, nesting, an unknown filter or test)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from diagtree._templates.limits import TOO_DEEP, TemplateTooComplex

__all__ = ["Analysis", "analyse_template", "plain_variables", "template_variables"]


@dataclass(frozen=True)
class Analysis:
    """What loading learns of a template text without compiling it: the variables it reads
    (empty when it is refused), or why it is refused."""

    variables: frozenset[str]
    error: jinja2.TemplateSyntaxError | None = None


def analyse_template(env: SandboxedEnvironment, text: str) -> Analysis:
    """Parse `text` under the limits and run jinja2's code generator over it without keeping
    the code (`meta.find_undeclared_variables`): every error compiling it would raise — bad
    syntax, nesting, an unknown filter or test — is found, and so are the variables it reads.
    A template made only of outputs, conditions and expressions (`plain_variables`) skips the
    code generator: nothing in it can fail to compile, and what it reads is its names."""
    if "{" not in text:  # plain text: nothing to parse (jinja2's tags all start with "{")
        return Analysis(frozenset())
    try:
        tree = env.parse(text)
        plain = plain_variables(env, tree)
        if plain is not None:
            return Analysis(plain)
        try:
            return Analysis(frozenset(meta.find_undeclared_variables(tree)))
        except RecursionError:
            raise TemplateTooComplex(TOO_DEEP, 1) from None
    except jinja2.TemplateSyntaxError as exc:
        return Analysis(frozenset(), exc)
    except Exception as exc:  # jinja2 failing on author text is the author's
        # problem to fix, never a crash of the load: its lexer converts a literal of more than
        # 4,300 digits (ValueError), its optimizer folds `(1).x ~ a` (UndefinedError) …
        return Analysis(frozenset(), jinja2.TemplateSyntaxError(
            f"the template cannot be compiled: {type(exc).__name__}: {str(exc)[:200]}", 1))


#: what a template may be made of for `plain_variables` to read it: outputs, conditions and
#: expressions — nothing that stores a name (`set`, `for`, macros, `with`), opens a scope or
#: brings in another template, whose names jinja2's code generator resolves by its own rules
_PLAIN_NODES: Final = frozenset({
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.Name, nodes.Const,
    nodes.Filter, nodes.Test, nodes.Compare, nodes.Operand, nodes.CondExpr, nodes.And,
    nodes.Or, nodes.Not, nodes.Neg, nodes.Pos, nodes.Add, nodes.Sub, nodes.Mul, nodes.Div,
    nodes.FloorDiv, nodes.Mod, nodes.Pow, nodes.Concat, nodes.List, nodes.Tuple, nodes.Dict,
    nodes.Pair, nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.Call, nodes.Keyword})


#: the nodes whose value jinja2's optimizer computes while compiling when all they read is
#: constant: an attribute or item of a constant, a filter or test of constants — which may be
#: undefined, or fail (`{{ (1).x }}`, `{{ 'a' | attr('b') }}`)
_FOLDING: Final = frozenset({nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Test})


def _constant(node: nodes.Node) -> bool:
    """Whether `node` reads no variable and calls nothing (jinja2 may compute it at once)."""
    return not any(True for _ in node.find_all((nodes.Name, nodes.Call)))


def plain_variables(env: SandboxedEnvironment, tree: nodes.Template) -> frozenset[str] | None:
    """What `meta.find_undeclared_variables(tree)` finds, without running jinja2's code
    generator, when `tree` is plain: made only of `_PLAIN_NODES`, every name loaded but for
    the targets of `{% set name = … %}` (or `{% set a, b = … %}`) at the top level, every
    filter and test one `env` has, and no filter, test, attribute or item of constants only
    (`_FOLDING`). Then compiling it cannot fail, and the variables it reads are the names it
    loads before the top level sets them (jinja2 resolves a name from the context until it
    is set), but for the environment's globals and `self` (the template itself). None when
    it is not plain: ask jinja2."""
    names: set[str] = set()
    stored: set[str] = set()
    for statement in tree.body:
        if type(statement) is nodes.Assign:
            target = statement.target  # a name, or names (`{% set a, b = … %}`)
            targets = target.items if type(target) is nodes.Tuple else [target]
            if not all(type(t) is nodes.Name and t.name != "self" for t in targets):
                return None
            if not _plain_loads(env, statement.node, stored, names):
                return None
            stored.update(t.name for t in targets)  # type: ignore[attr-defined]
        elif not _plain_loads(env, statement, stored, names):
            return None
    names.discard("self")
    return frozenset(n for n in names if n not in env.globals)


def _plain_loads(env: SandboxedEnvironment, top: nodes.Node, stored: set[str],
                 names: set[str]) -> bool:
    """Add to `names` the names `top` loads that are not `stored`; False when `top` is not
    plain (see `plain_variables`)."""
    todo: list[nodes.Node] = [top]
    node_type = nodes.Node
    while todo:
        node = todo.pop()
        kind = type(node)
        if kind not in _PLAIN_NODES:
            return False
        if kind is nodes.Name:
            if node.ctx != "load":  # type: ignore[attr-defined]
                return False
            if node.name not in stored:  # type: ignore[attr-defined]
                names.add(node.name)  # type: ignore[attr-defined]
        elif kind is nodes.Tuple and node.ctx != "load":  # type: ignore[attr-defined]
            return False
        elif kind in _FOLDING:
            if kind is nodes.Filter and (node.name not in env.filters  # type: ignore[attr-defined]
                                         or node.node is None):  # type: ignore[attr-defined]
                return False
            if kind is nodes.Test and node.name not in env.tests:  # type: ignore[attr-defined]
                return False
            if _constant(node):  # jinja2 computes it while compiling: let it
                return False
        for name in node.fields:
            item = getattr(node, name, None)
            if isinstance(item, list):
                todo.extend(n for n in item if isinstance(n, node_type))
            elif isinstance(item, node_type):
                todo.append(item)
    return True


def template_variables(env: SandboxedEnvironment, text: str) -> frozenset[str]:
    """The variables a template text reads (jinja2's own analysis); empty if it is invalid."""
    try:
        return frozenset(meta.find_undeclared_variables(env.parse(text)))
    except jinja2.TemplateSyntaxError:
        return frozenset()
