"""A tree as Graphviz DOT (`diagtree render --format dot`; draw it with ``dot -Tsvg``).

Node ids are the qualified ids of the trace, quoted; every string is a DOT double-quoted string
with backslashes and quotes escaped, so no author text can end a string or start an escape
(``\\n`` between lines is the only one written), and ``&`` is written ``&amp;`` (Graphviz reads
HTML entities in labels: ``&amp;`` in a condition would otherwise show as ``&``). Inlined
sub-trees are ``cluster_`` subgraphs labelled with the sub-tree id; on_unknown edges are dashed;
outcome boxes are filled with their resolution's colour; ``tooltip``s carry the full text and
the file:line, for SVG output.
"""

from __future__ import annotations

from diagtree._render.graph import (
    COVERED,
    PALETTE,
    UNCOVERED,
    GraphNode,
    Overlay,
    TreeGraph,
    style_key,
    wrap,
)

__all__ = ["dot_string", "render_dot"]

_SHAPES = {"start": "oval", "check": "box", "switch": "hexagon", "table": "box",
           "ask": "parallelogram", "use": "box3d", "exit": "cds", "outcome": "box",
           "fallback": "box"}
_WIDTH = 40


def dot_string(text: str) -> str:
    """`text` as a quoted DOT string (line breaks become ``\\n``, ``&`` an entity)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


def _attrs(**attrs: str) -> str:
    return "[" + ", ".join(f"{k}={dot_string(v)}" for k, v in attrs.items()) + "]"


def _node(node: GraphNode, overlay: Overlay | None) -> str:
    lines = [node.heading]
    for line in node.lines:
        lines += wrap(line, _WIDTH)
    count = overlay.node_count(node.id) if overlay is not None else None
    if overlay is not None and overlay.mode == "paths" and count is not None:
        lines.append(f"×{count}")
    fill, stroke = PALETTE[style_key(node)]
    style = ["filled"]
    if node.kind in ("outcome", "fallback", "start"):
        style.append("rounded")
    if node.kind == "fallback":
        style.append("dashed")
    attrs = {"label": "\n".join(lines), "shape": _SHAPES.get(node.kind, "box"),
             "style": ",".join(style), "fillcolor": fill, "color": stroke,
             "tooltip": node.title}
    if node.kind == "start":
        attrs["fontcolor"] = "#ffffff"
    if overlay is not None and overlay.mode == "coverage" and count is not None:
        attrs["color"] = COVERED if count else UNCOVERED
        attrs["penwidth"] = "2.5"
    return f"{dot_string(node.id)} {_attrs(**attrs)};"


def render_dot(graph: TreeGraph, overlay: Overlay | None = None) -> str:
    out = [f"// diagtree render: {graph.kind} {graph.id} v{graph.version} "
           f"({'inlined' if graph.inline else 'not inlined'}, {graph.locale})",
           f"digraph {dot_string(graph.id)} {{"]
    title = f"{graph.id} v{graph.version} · {graph.title}"
    out += ["  graph " + _attrs(rankdir="TB", fontname="sans-serif", fontsize="11", label=title,
                                labelloc="t", nodesep="0.3", ranksep="0.45") + ";",
            "  node " + _attrs(fontname="monospace", fontsize="10", margin="0.12,0.06") + ";",
            "  edge " + _attrs(fontname="sans-serif", fontsize="9", color="#555555") + ";"]
    fill, stroke = PALETTE["cluster"]

    def emit(cluster: str | None, indent: str) -> None:
        for node in graph.nodes:
            if node.cluster == cluster:
                out.append(indent + _node(node, overlay))
        for i, c in enumerate(graph.clusters):
            if c.parent != cluster:
                continue
            out.append(f"{indent}subgraph {dot_string(f'cluster_{i}_{c.id}')} {{")
            out.append(f"{indent}  graph "
                       + _attrs(label=c.label, style="rounded,filled", fillcolor=fill,
                                color=stroke) + ";")
            emit(c.id, indent + "  ")
            out.append(f"{indent}}}")

    emit(None, "  ")
    for e in graph.edges:
        attrs: dict[str, str] = {}
        label = e.label
        count = overlay.edge_count(e) if overlay is not None else None
        if overlay is not None and count is not None:
            if overlay.mode == "paths":
                label = f"{label} ×{count}" if label else f"×{count}"
                attrs["penwidth"] = str(1 + round(5 * count / overlay.most, 1))
            else:
                attrs["color"] = attrs["fontcolor"] = COVERED if count else UNCOVERED
                attrs["penwidth"] = "2"
        if label:
            attrs["label"] = label
        if e.unknown or e.implicit:
            attrs["style"] = "dashed"
        out.append(f"  {dot_string(e.source)} -> {dot_string(e.target)}"
                   + (f" {_attrs(**attrs)}" if attrs else "") + ";")
    out.append("}")
    return "\n".join(out) + "\n"
