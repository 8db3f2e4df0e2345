"""A tree as one self-contained HTML page (`diagtree render --format html`).

The page needs nothing but a browser: no script or style is fetched, the diagram is an inline
SVG laid out here in Python, and the few controls (hide the on_unknown edges, fit to the
window) are plain CSS. Hovering a box or an edge shows its full text (an SVG ``<title>``).

The layout is a small layered (Sugiyama-style) one, done per cluster so that an inlined
sub-tree stays one box: in each group (the tree, or one inlined sub-tree) the members — nodes
and the sub-tree boxes inside it — are put on layers by the longest path from the group's
sources (``networkx.topological_generations``), an edge that skips layers gets a waypoint on
each layer it crosses, the order within a layer is improved by barycentre sweeps (keeping the
one with the fewest crossings), and each layer is then placed as close to its neighbours'
centres as the minimum spacing allows (isotonic regression). Edges to the implicit
``unknown.data_unavailable`` fallback are not routed: they leave the right of their box, faint
and dashed, and can be hidden.

With an `Overlay` the page shows the coverage (green: taken / reached, red: never) or the path
counts (edge width by count, a count on every box), with a summary line at the top.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from diagtree._render.graph import (
    COVERED,
    PALETTE,
    START,
    UNCOVERED,
    GraphEdge,
    GraphNode,
    Overlay,
    TreeGraph,
    style_key,
    text_width,
    wrap,
)

__all__ = ["render_html"]

_CHAR_W = 7.3  # px per column of 12 px monospace (a wide character is two columns)
_LINE_H = 16.0
_WRAP = 36
_GAP_X = 26.0
_GAP_Y = 54.0
_PAD = 14.0
_HEADER = 24.0
_DUMMY_W = 14.0


@dataclass
class _Box:
    """A placed node: absolute top-left, size, and the text lines it shows."""

    x: float
    y: float
    w: float
    h: float
    lines: list[str] = field(default_factory=list)

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


@dataclass
class _Group:
    """One laid-out group: members placed relative to its top-left, and its size."""

    w: float = 0.0
    h: float = 0.0
    pos: dict[str, tuple[float, float]] = field(default_factory=dict)
    # edge index → waypoints (x, top, bottom) relative to the group
    waypoints: dict[int, list[tuple[float, float, float]]] = field(default_factory=dict)


class _Layout:
    def __init__(self, graph: TreeGraph, overlay: Overlay | None) -> None:
        self.graph = graph
        self.parent = {c.id: c.parent for c in graph.clusters}
        self.cluster_of = {n.id: n.cluster for n in graph.nodes}
        self.sizes: dict[str, tuple[float, float]] = {}
        self.lines: dict[str, list[str]] = {}
        for node in graph.nodes:
            lines = [node.heading]
            for line in node.lines:
                lines += wrap(line, _WRAP)
            count = overlay.node_count(node.id) if overlay is not None else None
            if overlay is not None and overlay.mode == "paths" and count is not None:
                lines.append(f"×{count}")
            self.lines[node.id] = lines
            cols = max(text_width(x) for x in lines)
            extra = 18.0 if node.kind in ("ask", "switch") else 0.0
            self.sizes[node.id] = (max(96.0, cols * _CHAR_W + 22 + extra),
                                   10 + _LINE_H * len(lines) + 6)
        self.groups: dict[str | None, _Group] = {}
        self.member_sizes: dict[str, tuple[float, float]] = {}
        self.boxes: dict[str, _Box] = {}
        self.cluster_boxes: dict[str, _Box] = {}
        self.levels: dict[int, list[tuple[int, list[tuple[float, float, float]]]]] = {}
        self._measure(None)
        self._place(None, _PAD, _PAD)
        self.width = self.groups[None].w + 2 * _PAD
        self.height = self.groups[None].h + 2 * _PAD

    # -- members of a group ------------------------------------------------------------------
    def member(self, node_id: str, group: str | None) -> str | None:
        c = self.cluster_of[node_id]
        if c == group:
            return node_id
        while c is not None:
            p = self.parent[c]
            if p == group:
                return "§" + c
            c = p
        return None

    def _measure(self, group: str | None) -> _Group:
        members: list[str] = [n.id for n in self.graph.nodes if n.cluster == group]
        members += ["§" + c.id for c in self.graph.clusters if c.parent == group]
        size: dict[str, tuple[float, float]] = {}
        for m in members:
            if m.startswith("§"):
                inner = self._measure(m[1:])
                size[m] = (inner.w + 2 * _PAD, inner.h + _HEADER + _PAD)
            else:
                size[m] = self.sizes[m]
        edges: list[tuple[int, str, str, bool]] = []  # (edge index, from, to, routed)
        ports: list[str] = []  # where edges leave an inlined sub-tree: its bottom
        for i, e in enumerate(self.graph.edges):
            a, b = self.member(e.source, group), self.member(e.target, group)
            if a is not None and b is None and group is not None and not e.implicit:
                b = "⇩" + e.target
                if b not in ports:
                    ports.append(b)
                    size[b] = (_DUMMY_W, 0.0)
            if a is not None and b is not None and a != b:
                edges.append((i, a, b, not e.implicit))
        layer = _layers([*members, *ports], [(a, b) for _, a, b, _ in edges])
        bottom = max((layer[m] for m in members), default=-1) + 1
        layer.update((p, bottom) for p in ports)
        # waypoints for routed edges that skip layers, and for those that leave by a port
        order_graph: list[tuple[str, str]] = []
        chains: dict[int, list[str]] = {}
        for i, a, b, routed in edges:
            if not routed:
                continue
            chain = [a]
            for k in range(layer[a] + 1, layer[b]):
                d = f"~{i}~{k}"
                layer[d] = k
                size[d] = (_DUMMY_W, 0.0)
                chain.append(d)
            chain.append(b)
            order_graph += list(itertools.pairwise(chain))
            way = chain[1:] if b.startswith("⇩") else chain[1:-1]
            if way:
                chains[i] = way
        depth = max(layer.values(), default=-1) + 1
        layers: list[list[str]] = [[] for _ in range(depth)]
        for m in _dfs_order(members, order_graph, list(layer)):
            layers[layer[m]].append(m)
        layers = _order(layers, order_graph)
        xs = _place_x(layers, order_graph, {m: s[0] for m, s in size.items()})
        g = _Group()
        y = 0.0
        tops: list[float] = []
        heights: list[float] = []
        for k, row in enumerate(layers):
            if ports and k == bottom and tops:  # the ports: just below the last boxes
                y = tops[-1] + heights[-1] + _PAD
            h = max((size[m][1] for m in row), default=0.0)
            tops.append(y)
            heights.append(h)
            y += h + _GAP_Y
        left = min((xs[m] - size[m][0] / 2 for m in xs), default=0.0)
        right = max((xs[m] + size[m][0] / 2 for m in xs), default=0.0)
        for m in members:
            g.pos[m] = (xs[m] - size[m][0] / 2 - left, tops[layer[m]])
        for i, chain in chains.items():
            g.waypoints[i] = [(xs[d] - left, tops[layer[d]], tops[layer[d]] + heights[layer[d]])
                              for d in chain]
        g.w = right - left
        g.h = max(y - _GAP_Y, 0.0)
        self.groups[group] = g
        self.member_sizes.update(size)
        return g

    def _place(self, group: str | None, ox: float, oy: float, depth: int = 0) -> None:
        g = self.groups[group]
        for m, (x, y) in g.pos.items():
            w, h = self.member_sizes[m]
            if m.startswith("§"):
                self.cluster_boxes[m[1:]] = _Box(ox + x, oy + y, w, h)
                self._place(m[1:], ox + x + _PAD, oy + y + _HEADER, depth + 1)
            else:
                self.boxes[m] = _Box(ox + x, oy + y, w, h, self.lines[m])
        for i, points in g.waypoints.items():
            self.levels.setdefault(i, []).append(
                (depth, [(ox + x, oy + t, oy + b) for x, t, b in points]))

    def route(self, i: int) -> list[tuple[float, float, float]]:
        """The waypoints of edge `i`: out of the innermost sub-tree first."""
        levels = sorted(self.levels.get(i, []), key=lambda lv: -lv[0])
        return [p for _, points in levels for p in points]


def _layers(members: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Longest path from the sources; a back edge (never in a valid tree) is ignored."""
    g: Any = nx.DiGraph()
    g.add_nodes_from(members)
    for a, b in edges:
        g.add_edge(a, b)
        if not nx.is_directed_acyclic_graph(g):  # pragma: no cover - trees are acyclic
            g.remove_edge(a, b)
    return {m: k for k, gen in enumerate(nx.topological_generations(g)) for m in gen}


def _dfs_order(members: Sequence[str], edges: Sequence[tuple[str, str]],
               everything: Sequence[str]) -> list[str]:
    """Every member and waypoint in depth-first order from the sources, in edge order."""
    succ: dict[str, list[str]] = {}
    has_pred: set[str] = set()
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        has_pred.add(b)
    seen: dict[str, None] = {}
    for root in [m for m in members if m not in has_pred] + list(everything):
        stack = [root]
        while stack:
            m = stack.pop()
            if m in seen:
                continue
            seen[m] = None
            stack.extend(reversed(succ.get(m, [])))
    return list(seen)


def _crossings(upper: Sequence[str], lower: Sequence[str],
               edges: Sequence[tuple[str, str]]) -> int:
    pu = {m: i for i, m in enumerate(upper)}
    pl = {m: i for i, m in enumerate(lower)}
    pairs = [(pu[a], pl[b]) for a, b in edges if a in pu and b in pl]
    return sum(1 for i, (a1, b1) in enumerate(pairs) for a2, b2 in pairs[i + 1:]
               if (a1 - a2) * (b1 - b2) < 0)


def _order(layers: list[list[str]], edges: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Barycentre sweeps down and up; the order with the fewest crossings wins."""
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for a, b in edges:
        succs.setdefault(a, []).append(b)
        preds.setdefault(b, []).append(a)

    def total(ls: list[list[str]]) -> int:
        return sum(_crossings(u, v, edges) for u, v in itertools.pairwise(ls))

    best = [list(x) for x in layers]
    best_score = total(best)
    current = [list(x) for x in layers]
    for sweep in range(8):
        down = sweep % 2 == 0
        rng = range(1, len(current)) if down else range(len(current) - 2, -1, -1)
        for k in rng:
            ref = current[k - 1] if down else current[k + 1]
            pos = {m: i for i, m in enumerate(ref)}
            near = preds if down else succs

            def key(item: tuple[int, str], pos: Mapping[str, int] = pos,
                    near: Mapping[str, list[str]] = near) -> float:
                i, m = item
                linked = [pos[n] for n in near.get(m, []) if n in pos]
                return sum(linked) / len(linked) if linked else float(i)

            current[k] = [m for _, m in sorted(enumerate(current[k]), key=key)]
        score = total(current)
        if score < best_score:
            best, best_score = [list(x) for x in current], score
    return best


def _isotonic(targets: Sequence[float]) -> list[float]:
    """The non-decreasing sequence closest (least squares) to `targets` (pool adjacent
    violators)."""
    blocks: list[list[float]] = []  # [mean, weight]
    for t in targets:
        blocks.append([t, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2 = blocks.pop()
            m1, w1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    out: list[float] = []
    for mean, weight in blocks:
        out += [mean] * int(weight)
    return out


def _place_x(layers: list[list[str]], edges: Sequence[tuple[str, str]],
             width: Mapping[str, float]) -> dict[str, float]:
    """Centres: each layer as close to its neighbours' centres as the spacing allows."""
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for a, b in edges:
        succs.setdefault(a, []).append(b)
        preds.setdefault(b, []).append(a)
    x: dict[str, float] = {}
    for row in layers:
        at = 0.0
        for m in row:
            x[m] = at + width[m] / 2
            at += width[m] + _GAP_X
        shift = at / 2
        for m in row:
            x[m] -= shift

    def settle(row: list[str], want: Mapping[str, float]) -> None:
        offsets = [0.0]
        for a, b in itertools.pairwise(row):
            offsets.append(offsets[-1] + (width[a] + width[b]) / 2 + _GAP_X)
        fitted = _isotonic([want[m] - o for m, o in zip(row, offsets, strict=True)])
        for m, f, o in zip(row, fitted, offsets, strict=True):
            x[m] = f + o

    for sweep in range(10):
        down = sweep % 2 == 0
        near = preds if down else succs
        order = layers if down else list(reversed(layers))
        for row in order:
            want = {}
            for m in row:
                linked = [x[n] for n in near.get(m, []) if n in x]
                other = [x[n] for n in (succs if down else preds).get(m, []) if n in x]
                pool = linked or other
                want[m] = sum(pool) / len(pool) if pool else x[m]
            settle(row, want)
    return x


# -- drawing ---------------------------------------------------------------------------------
def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _shape(kind: str, b: _Box, fill: str, stroke: str, extra: str) -> str:
    common = f'fill="{fill}" stroke="{stroke}"{extra}'
    x, y, w, h = b.x, b.y, b.w, b.h
    if kind == "switch":
        c = 9.0
        pts = [(x + c, y), (x + w - c, y), (x + w, y + h / 2), (x + w - c, y + h),
               (x + c, y + h), (x, y + h / 2)]
        return f'<polygon points="{" ".join(f"{_f(a)},{_f(b_)}" for a, b_ in pts)}" {common}/>'
    if kind == "ask":
        s = 9.0
        pts = [(x + s, y), (x + w, y), (x + w - s, y + h), (x, y + h)]
        return f'<polygon points="{" ".join(f"{_f(a)},{_f(b_)}" for a, b_ in pts)}" {common}/>'
    rx = {"outcome": 10.0, "fallback": 10.0, "start": h / 2, "exit": 0.0}.get(kind, 3.0)
    out = (f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" rx="{_f(rx)}" '
           f"{common}/>")
    if kind == "table":
        out += (f'<line x1="{_f(x + 5)}" y1="{_f(y)}" x2="{_f(x + 5)}" y2="{_f(y + h)}" '
                f'stroke="{stroke}"/>')
    if kind == "use":
        out += (f'<rect x="{_f(x + 3)}" y="{_f(y + 3)}" width="{_f(w - 6)}" '
                f'height="{_f(h - 6)}" rx="2" fill="none" stroke="{stroke}"/>')
    return out


def _path(points: Sequence[tuple[float, float]], straight: set[int]) -> str:
    d = [f"M{_f(points[0][0])},{_f(points[0][1])}"]
    for i in range(1, len(points)):
        (ax, ay), (bx, by) = points[i - 1], points[i]
        if i in straight:
            d.append(f"L{_f(bx)},{_f(by)}")
            continue
        dy = max(abs(by - ay) / 2, 18.0)
        d.append(f"C{_f(ax)},{_f(ay + dy)} {_f(bx)},{_f(by - dy)} {_f(bx)},{_f(by)}")
    return " ".join(d)


class _Labels:
    """Edge labels, each moved down (then aside) until it overlaps no label placed before."""

    def __init__(self) -> None:
        self.svg: list[str] = []
        self.taken: list[tuple[float, float, float, float]] = []

    def add(self, x: float, y: float, text: str, cls: str) -> None:
        w, h = text_width(text) * 6.2 + 8, 15.0
        for dx, dy in [(0, 0), (0, 15), (0, -15), (0, 30), (w / 2 + 4, 0), (-w / 2 - 4, 0),
                       (w / 2 + 4, 15), (-w / 2 - 4, 15), (0, 45)]:
            box = (x + dx - w / 2, y + dy - 8, w, h)
            if not any(_overlap(box, other) for other in self.taken):
                x, y = x + dx, y + dy
                break
        self.taken.append((x - w / 2, y - 8, w, h))
        self.svg.append(f'<g class="{cls}"><rect x="{_f(x - w / 2)}" y="{_f(y - 8)}" '
                        f'width="{_f(w)}" height="{_f(h)}" rx="3"/>'
                        f'<text x="{_f(x)}" y="{_f(y + 3.5)}">{_esc(text)}</text></g>')


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _svg(graph: TreeGraph, layout: _Layout, overlay: Overlay | None) -> str:
    words = graph.words()
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="diagram" class="diagram" '
           f'viewBox="0 0 {_f(layout.width)} {_f(layout.height)}" width="{_f(layout.width)}" '
           f'height="{_f(layout.height)}" role="img" aria-label="{_esc(graph.id)}">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" '
           'markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
           '<path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>',
           '<g class="clusters">']
    cluster_fill, cluster_stroke = PALETTE["cluster"]
    for c in graph.clusters:
        b = layout.cluster_boxes[c.id]
        out.append(f'<g class="cluster" data-cluster="{_esc(c.id)}"><title>'
                   f'{_esc(f"{c.id}: use {c.subtree}")}</title>'
                   f'<rect x="{_f(b.x)}" y="{_f(b.y)}" width="{_f(b.w)}" height="{_f(b.h)}" '
                   f'rx="8" fill="{cluster_fill}" stroke="{cluster_stroke}"/>'
                   f'<text x="{_f(b.x + 10)}" y="{_f(b.y + 16)}">{_esc(c.label)}</text></g>')
    out.append('</g><g class="edges">')
    labels = _Labels()
    ports = _ports(graph, layout)
    for i, e in enumerate(graph.edges):
        out.append(_edge(i, e, layout, ports, overlay, labels))
    out.append("</g>")
    out.append('<g class="labels">' + "".join(labels.svg) + "</g>")
    out.append('<g class="nodes">')
    for k, node in enumerate(graph.nodes):
        out.append(_node(k, node, layout.boxes[node.id], overlay, words))
    out.append("</g></svg>")
    return "\n".join(out)


def _ports(graph: TreeGraph, layout: _Layout) -> dict[int, float]:
    """The x where each routed edge leaves its box: spread along the bottom, by direction."""
    by_source: dict[str, list[tuple[float, int]]] = {}
    for i, e in enumerate(graph.edges):
        if e.implicit:
            continue
        way = layout.route(i)
        toward = way[0][0] if way else layout.boxes[e.target].cx
        by_source.setdefault(e.source, []).append((toward, i))
    ports: dict[int, float] = {}
    for source, outs in by_source.items():
        b = layout.boxes[source]
        outs.sort()
        for k, (_, i) in enumerate(outs):
            ports[i] = b.x + b.w * (k + 1) / (len(outs) + 1)
    return ports


def _edge(i: int, e: GraphEdge, layout: _Layout, ports: Mapping[int, float],
          overlay: Overlay | None, labels: _Labels) -> str:
    src, dst = layout.boxes[e.source], layout.boxes[e.target]
    classes = ["edge"]
    if e.unknown:
        classes.append("unknown")
    if e.implicit:
        classes.append("implicit")
    style = ""
    count = overlay.edge_count(e) if overlay is not None else None
    tip = f"{e.source} —{e.branch}→ {e.target}"
    if overlay is not None and count is not None:
        tip += f" ({count})"
        if overlay.mode == "coverage":
            classes.append("cov-yes" if count else "cov-no")
        else:
            classes.append("hit" if count else "miss")
            style = f' style="stroke-width:{_f(1.2 + 6 * count / overlay.most)}px"'
    if e.implicit:
        sx, sy = src.x + src.w, src.y + src.h / 2
        d = (f"M{_f(sx)},{_f(sy)} C{_f(sx + 60)},{_f(sy)} {_f(dst.cx)},{_f(dst.y - 80)} "
             f"{_f(dst.cx)},{_f(dst.y)}")
    else:
        points = [(ports[i], src.y + src.h)]
        straight: set[int] = set()
        for x, top, bottom in layout.route(i):
            points.append((x, top))
            points.append((x, bottom))
            straight.add(len(points) - 1)
        points.append((dst.cx, dst.y))
        d = _path(points, straight)
        text = e.label
        if overlay is not None and overlay.mode == "paths" and count is not None:
            text = f"{text} ×{count}" if text else f"×{count}"
        if text:
            (ax, ay), (bx, by) = points[0], points[1]
            labels.add((ax + bx) / 2, ay + min((by - ay) / 2, 24.0), text,
                       " ".join(["label", *classes[1:]]))
    return (f'<g class="{" ".join(classes)}" data-source="{_esc(e.source)}" '
            f'data-target="{_esc(e.target)}" data-branch="{_esc(e.branch)}">'
            f"<title>{_esc(tip)}</title>"
            f'<path d="{d}" marker-end="url(#arrow)"{style}/></g>')


def _node(k: int, node: GraphNode, b: _Box, overlay: Overlay | None,
          words: Mapping[str, str]) -> str:
    fill, stroke = PALETTE[style_key(node)]
    classes = ["node", f"kind-{node.kind}"]
    if node.resolution:
        classes.append(f"res-{node.resolution}")
    count = overlay.node_count(node.id) if overlay is not None else None
    title = node.title
    extra = ""
    if node.kind == "fallback":
        extra = ' stroke-dasharray="5 3"'
    if overlay is not None and count is not None:
        title += f"\n{count} {words['walks']}"
        if overlay.mode == "coverage":
            classes.append("cov-yes" if count else "cov-no")
            stroke = COVERED if count else UNCOVERED
            extra += ' stroke-width="3"'
        else:
            classes.append("hit" if count else "miss")
    out = [f'<g class="{" ".join(classes)}" id="node-{k}" data-node="{_esc(node.id)}">',
           f"<title>{_esc(title)}</title>", _shape(node.kind, b, fill, stroke, extra)]
    tx = b.x + (20 if node.kind in ("ask", "switch") else 11)
    light = " light" if node.kind == "start" else ""
    for j, line in enumerate(b.lines):
        cls = f' class="head{light}"' if j == 0 else (f' class="{light.strip()}"' if light else "")
        out.append(f'<text x="{_f(tx)}" y="{_f(b.y + 20 + j * _LINE_H)}"{cls}>'
                   f"{_esc(line)}</text>")
    out.append("</g>")
    return "".join(out)


# -- the page --------------------------------------------------------------------------------
_CSS = """
:root { --ink: #1f2933; --muted: #5f6b7a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC",
       "WenQuanYi Micro Hei", sans-serif; color: var(--ink); background: #ffffff; }
header { padding: 14px 20px 6px; border-bottom: 1px solid #e3e7ec; }
h1 { font-size: 20px; margin: 0 0 2px; }
h1 small { color: var(--muted); font-weight: normal; font-size: 14px; }
header p { margin: 2px 0; color: var(--muted); }
.summary { color: var(--ink); font-weight: 600; }
body > input { margin: 10px 4px 0 20px; vertical-align: middle; }
body > label { color: var(--muted); cursor: pointer; vertical-align: middle; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; padding: 6px 20px 10px;
          font-size: 12px; color: var(--muted); }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.legend i { display: inline-block; width: 22px; height: 13px; border: 1.5px solid;
            border-radius: 3px; }
.legend i.line { height: 0; border-width: 2px 0 0 0; border-radius: 0; }
.legend i.dashed { border-style: dashed; }
.canvas { padding: 8px 20px 30px; overflow: auto; }
#fit:checked ~ main .canvas svg { max-width: 100%; height: auto; }
#show-unknown:not(:checked) ~ main .implicit { display: none; }
svg text { font: 12px "DejaVu Sans Mono", Menlo, Consolas, "Noto Sans Mono CJK SC",
           "WenQuanYi Micro Hei Mono", monospace; fill: var(--ink); }
svg text.head { font-weight: bold; }
svg text.light { fill: #ffffff; }
.cluster text { font: bold 12px system-ui, sans-serif; fill: #555555; }
.edge path { fill: none; stroke: #607080; stroke-width: 1.4px; }
.edge.unknown path { stroke-dasharray: 6 4; }
.edge.implicit path { stroke: #9aa5b1; stroke-width: 1px; opacity: .55; }
.edge:hover path { stroke: #111111; opacity: 1; }
.label rect { fill: #ffffff; opacity: .9; }
.label text { font: 11px system-ui, sans-serif; fill: #37474f; text-anchor: middle; }
.edge.cov-yes path { stroke: {covered}; stroke-width: 2.2px; opacity: 1; }
.edge.cov-no path { stroke: {uncovered}; stroke-width: 2.2px; opacity: 1; }
.label.cov-yes text { fill: {covered}; } .label.cov-no text { fill: {uncovered}; }
.edge.miss path { opacity: .3; }
.node:hover rect, .node:hover polygon { stroke-width: 3px; }
"""


# after layout, the page notes how many boxes have a size and how many text lines overflow
# their box (the browser test reads both); nothing else needs a script
_CHECK = """
addEventListener("load", function () {
  var sized = 0, over = 0;
  document.querySelectorAll("#diagram .node").forEach(function (g) {
    var b = g.querySelector("rect, polygon").getBBox();
    if (b.width > 0 && b.height > 0) sized++;
    g.querySelectorAll("text").forEach(function (t) {
      var tb = t.getBBox();
      if (tb.x < b.x || tb.x + tb.width > b.x + b.width + 0.5) over++;
    });
  });
  document.body.setAttribute("data-rendered-nodes", sized);
  document.body.setAttribute("data-overflowing-lines", over);
});
"""


def _legend(graph: TreeGraph, overlay: Overlay | None) -> str:
    w = graph.words()
    items = []
    kinds = {n.kind for n in graph.nodes}
    for key in ("check", "switch", "table", "ask", "use", "exit"):
        if key in kinds:
            fill, stroke = PALETTE[key]
            items.append(f'<span><i style="background:{fill};border-color:{stroke}"></i>'
                         f"{_esc(w[key])}</span>")
    for key in ("frontline", "dispatch"):
        fill, stroke = PALETTE[key]
        items.append(f'<span><i style="background:{fill};border-color:{stroke};'
                     f'border-radius:7px"></i>{_esc(w["outcome"])}: {_esc(w[key])}</span>')
    if graph.clusters:
        fill, stroke = PALETTE["cluster"]
        items.append(f'<span><i style="background:{fill};border-color:{stroke}"></i>'
                     f"{_esc(w['subtree'])}</span>")
    items.append(f'<span><i class="line dashed" style="border-color:#607080"></i>'
                 f"{_esc(w['on_unknown'])}</span>")
    if overlay is not None and overlay.mode == "coverage":
        items.append(f'<span><i class="line" style="border-color:{COVERED}"></i>'
                     f"{_esc(w['covered'])}</span>")
        items.append(f'<span><i class="line" style="border-color:{UNCOVERED}"></i>'
                     f"{_esc(w['uncovered'])}</span>")
    return f'<div class="legend" aria-label="{_esc(w["legend"])}">{"".join(items)}</div>'


def _summary(graph: TreeGraph, overlay: Overlay) -> str:
    w = graph.words()
    taken, branches, reached, nodes = overlay.summary()

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.1f}%" if b else "-"

    head = w["covered"] if overlay.mode == "coverage" else w["paths"]
    first = next((e.target for e in graph.edges if e.source == START), None)
    walks = overlay.node_count(first) if first is not None else None
    return (f'<p class="summary">{_esc(head)}: {w["branches"]} {taken}/{branches} '
            f"({pct(taken, branches)}), {w['nodes']} {reached}/{nodes} "
            f"({pct(reached, nodes)})" + (f", {walks} {w['walks']}" if walks is not None
                                          else "") + f" — {_esc(overlay.source)}</p>")


def render_html(graph: TreeGraph, overlay: Overlay | None = None) -> str:
    """The whole page, as text."""
    layout = _Layout(graph, overlay)
    w = graph.words()
    start = graph.node(START)
    css = _CSS.replace("{covered}", COVERED).replace("{uncovered}", UNCOVERED)
    page_title = f"{graph.id} v{graph.version} — {graph.title}"
    sub = (f"{graph.kind} · {'inlined' if graph.inline else 'not inlined'} · {graph.locale}"
           f" · {start.location}")
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{_esc(graph.locale)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="diagtree render">',
        f"<title>{_esc(page_title)}</title>",
        f"<style>{css}</style>",
        "</head>",
        "<body>",
        f"<header><h1>{_esc(graph.id)} <small>v{_esc(graph.version)}</small></h1>",
        f"<p>{_esc(graph.title)} · {_esc(sub)}</p>",
        _summary(graph, overlay) if overlay is not None else "",
        "</header>",
        f'<input type="checkbox" id="show-unknown" checked><label for="show-unknown">'
        f'{_esc(w["show_unknown"])}</label>',
        f'<input type="checkbox" id="fit" checked><label for="fit">{_esc(w["fit"])}</label>',
        "<main>",
        _legend(graph, overlay),
        f'<div class="canvas">{_svg(graph, layout, overlay)}</div>',
        "</main>",
        f"<script>{_CHECK}</script>",
        "</body>",
        "</html>",
        "",
    ])
