"""A tree as a Mermaid flowchart (`diagtree render --format mermaid`).

Every label is a quoted Mermaid string in which the characters Mermaid reads specially are
written as its entity codes (``#quot;``, ``#lt;``, ``#35;``…), so a condition such as
``hlr.status in ["a", "b"]`` or ``x < -110`` is shown as written. Inlined sub-trees are
``subgraph``s titled with the sub-tree id; on_unknown edges are dashed (``-.->``); boxes are
coloured with the shared `PALETTE` through ``classDef``s; an overlay colours edges with
``linkStyle`` and nodes with ``style``.
"""

from __future__ import annotations

import re

from diagtree._render.graph import (
    COVERED,
    PALETTE,
    START,
    UNCOVERED,
    Overlay,
    TreeGraph,
    style_key,
    wrap,
)

__all__ = ["mermaid_text", "render_mermaid"]

_ENTITIES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "&": "#amp;",
             "|": "#124;", "`": "#96;", "\n": " "}
_SHAPES = {"start": ('(["', '"])'), "check": ('["', '"]'), "switch": ('{{"', '"}}'),
           "table": ('[/"', '"\\]'), "ask": ('[/"', '"/]'), "use": ('[["', '"]]'),
           "exit": ('>"', '"]'), "outcome": ('("', '")'), "fallback": ('("', '")')}
_WIDTH = 46


def mermaid_text(text: str) -> str:
    """`text` made safe inside a quoted Mermaid label."""
    return "".join(_ENTITIES.get(c, c) for c in text)


def _ids(names: list[str], prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = prefix + (re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "x")
        mid, n = base, 2
        while mid in used:
            mid, n = f"{base}_{n}", n + 1
        used.add(mid)
        out[name] = mid
    return out


def render_mermaid(graph: TreeGraph, overlay: Overlay | None = None) -> str:
    ids = _ids([n.id for n in graph.nodes], "n_")
    cids = _ids([c.id for c in graph.clusters], "c_")
    out = [f"%% diagtree render: {graph.kind} {graph.id} v{graph.version} "
           f"({'inlined' if graph.inline else 'not inlined'}, {graph.locale})",
           "flowchart TD"]

    def emit(cluster: str | None, indent: str) -> None:
        for node in graph.nodes:
            if node.cluster != cluster:
                continue
            parts = [f"<b>{mermaid_text(node.heading)}</b>"]
            for line in node.lines:
                parts += [mermaid_text(w) for w in wrap(line, _WIDTH)]
            if overlay is not None and overlay.mode == "paths":
                count = overlay.node_count(node.id)
                if count is not None:
                    parts.append(f"<i>×{count}</i>")
            left, right = _SHAPES.get(node.kind, ('["', '"]'))
            out.append(f"{indent}{ids[node.id]}{left}{'<br>'.join(parts)}{right}")
        for c in graph.clusters:
            if c.parent == cluster:
                out.append(f'{indent}subgraph {cids[c.id]}["{mermaid_text(c.label)}"]')
                emit(c.id, indent + "  ")
                out.append(f"{indent}end")

    emit(None, "  ")
    link_styles: list[str] = []
    for i, e in enumerate(graph.edges):
        arrow = "-.->" if e.unknown or e.implicit else "-->"
        label = e.label
        count = overlay.edge_count(e) if overlay is not None else None
        if overlay is not None and count is not None:
            if overlay.mode == "paths":
                label = f"{label} ×{count}" if label else f"×{count}"
                width = 1 + round(5 * count / overlay.most)
                link_styles.append(f"  linkStyle {i} stroke-width:{width}px")
            else:
                link_styles.append(f"  linkStyle {i} stroke:{COVERED if count else UNCOVERED},"
                                   "stroke-width:2px")
        text = f'|"{mermaid_text(label)}"|' if label else ""
        out.append(f"  {ids[e.source]} {arrow}{text} {ids[e.target]}")
    out += link_styles
    for key, (fill, stroke) in PALETTE.items():
        if key == "cluster":
            continue
        extra = ",color:#ffffff" if key == "start" else ""
        out.append(f"  classDef {key} fill:{fill},stroke:{stroke}{extra}")
    out.append("  classDef fallback stroke-dasharray:5 3")
    by_class: dict[str, list[str]] = {}
    for node in graph.nodes:
        by_class.setdefault(style_key(node), []).append(ids[node.id])
        if node.kind == "fallback":
            by_class.setdefault("fallback", []).append(ids[node.id])
    out += [f"  class {','.join(members)} {key}" for key, members in by_class.items()]
    if overlay is not None and overlay.mode == "coverage":
        for node in graph.nodes:
            count = overlay.node_count(node.id)
            if node.id != START and count is not None:
                out.append(f"  style {ids[node.id]} stroke:"
                           f"{COVERED if count else UNCOVERED},stroke-width:3px")
    return "\n".join(out) + "\n"
