"""`diagtree render`: the graph model, the three formats, overlays, the CLI, and the HTML page in
a real headless Chromium (never skipped: without chromium the test fails and says to run
`.ci/setup-browser`).

Golden files: ``tests/golden/render/``; regenerate them with
``DIAGTREE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_render.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import diagtree_adapters as ad
from diagtree import Engine, shipped_trees
from diagtree._check.model import (
    CheckNode,
    Document,
    Edge,
    OutcomeNode,
    SwitchNode,
    TableNode,
    TableRow,
)
from diagtree._check.structure import Jump
from diagtree._cli import render as cli_render
from diagtree._cli.render import add_render
from diagtree._compile.library import Library, load_library
from diagtree._errors import Location
from diagtree._expr import Expression
from diagtree._render.dot import dot_string, render_dot
from diagtree._render.graph import (
    NO_MATCH,
    PALETTE,
    START,
    UNAVAILABLE,
    Results,
    TreeCounts,
    TreeGraph,
    build_graph,
    make_overlay,
    normalize_branch,
    read_results,
    wrap,
)
from diagtree._render.html import render_html
from diagtree._render.mermaid import mermaid_text, render_mermaid
from diagtree._testing.scenarios import load_cases, run_cases
from diagtree._vocab.facts import BOOL, FactType

GOLDEN = Path(__file__).parent / "golden" / "render"
UPDATE = os.environ.get("DIAGTREE_UPDATE_GOLDEN") == "1"


def render(argv: Sequence[str]) -> int:
    """`diagtree render …` through the verb's own parser (as `diagtree._cli` dispatches it)."""
    parser = argparse.ArgumentParser(prog="diagtree")
    add_render(parser.add_subparsers(dest="verb", required=True))
    args = parser.parse_args(["render", *argv])
    code: int = args.run(args)
    return code


@pytest.fixture(scope="module")
def lib(engine: Engine) -> Library:
    return engine.library


@pytest.fixture(scope="module", autouse=True)
def load_each_folder_once() -> Iterator[None]:
    """The command loads its knowledge folder on every run; here each folder is loaded for
    real once and reused, to keep the many runs below quick."""
    real = load_library
    cache: dict[tuple[str, ...], Library] = {}

    def load(paths: Sequence[Path], *args: Any, **kwargs: Any) -> Library:
        key = tuple(str(p) for p in paths)
        if key not in cache:
            cache[key] = real(paths, *args, **kwargs)
        return cache[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli_render, "load_library", load)
        yield


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped knowledge without the scenarios: quick for the command to load."""
    dest = tmp_path_factory.mktemp("render") / "trees"
    shutil.copytree(shipped_trees(), dest,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "scenarios"))
    return dest


@pytest.fixture(scope="module")
def no_service(lib: Library) -> TreeGraph:
    return build_graph(lib.documents["no_service"], lib.documents, lib.catalog)


# -- the graph model -------------------------------------------------------------------------
def test_inlined_graph_has_the_engines_nodes_and_clusters(lib: Library,
                                                          no_service: TreeGraph) -> None:
    flat = lib.trees["no_service"].flat
    real = {nid for nid, node in flat.nodes.items() if not isinstance(node, Jump)}
    drawn = {n.id for n in no_service.nodes if n.kind not in ("start", "fallback")}
    assert drawn == real
    clusters = {c.id: c for c in no_service.clusters}
    assert set(clusters) == {"recycled", "location", "barred", "radio"}
    assert clusters["location"].subtree == "location_events"
    assert clusters["location"].label.startswith("location_events")
    assert no_service.node("location/outage").cluster == "location"
    assert no_service.node("profile").cluster is None
    assert not any(n.kind in ("use", "exit") for n in no_service.nodes)


def test_edges_carry_branches_and_leave_sub_trees_by_their_exits(no_service: TreeGraph) -> None:
    edges = {(e.source, e.branch): e for e in no_service.edges}
    assert edges[(START, "start")].target == "recycled/reclaimed"
    leave = edges[("location/works", "no")]
    assert (leave.target, leave.label) == ("barred/odb", "no · exit clear")
    assert edges[("barred/odb", "no")].target == "barred/account"
    assert edges[("barred/odb_reason", "case null")].target == "barred/billing_reason"
    assert edges[("airplane", "answer true")].label == "yes"
    # an explicit on_unknown is an edge like any other (line_barred reads billing's reason
    # into the trace when the HLR is down, docs/taxonomy.md §8.2)
    explicit = edges[("barred/odb", "on_unknown")]
    assert (explicit.target, explicit.unknown, explicit.implicit) == (
        "barred/hlr_down", True, False)
    # every check, switch and table without on_unknown goes to the one implicit fallback
    unknown = [e for e in no_service.edges if e.branch == "on_unknown" and e is not explicit]
    assert unknown and all(e.target == UNAVAILABLE and e.unknown and e.implicit
                           for e in unknown)
    assert [n.id for n in no_service.nodes].count(UNAVAILABLE) == 1
    # a switch without default goes to the implicit needs_investigation
    assert edges[("barred/odb_reason", "default")].target == NO_MATCH
    assert no_service.node(NO_MATCH).cause == "unknown.needs_investigation"


def test_outcomes_show_cause_resolution_and_department(no_service: TreeGraph) -> None:
    weak = no_service.node("radio/weak_coverage")
    assert (weak.cause, weak.resolution, weak.department) == (
        "network.weak_coverage", "dispatch", "network_optimization")
    assert "dispatch → network_optimization" in weak.lines
    assert no_service.node("location/site_outage").resolution == "frontline"
    assert no_service.node(UNAVAILABLE).cause == "unknown.data_unavailable"


def test_every_traced_step_is_an_edge_of_the_picture(engine: Engine,
                                                     no_service: TreeGraph) -> None:
    """The picture and the engine agree: each step of each shipped scenario is a drawn edge."""
    edges = {(e.source, e.branch, e.target) for e in no_service.edges}
    for result in _scenario_results(engine):
        assert result.diagnosis is not None
        for step in result.diagnosis.trace:
            assert (step.node, normalize_branch(step.branch), step.next) in edges, step


def test_not_inlined_shows_use_nodes_with_their_exits(lib: Library) -> None:
    g = build_graph(lib.documents["no_service"], lib.documents, lib.catalog, inline=False,
                    locale="en")
    assert not g.clusters
    recycled = g.node("recycled")
    assert recycled.kind == "use" and recycled.lines[0] == "use number_recycled"
    assert ("recycled", "exit clear", "location") in {(e.source, e.branch, e.target)
                                                      for e in g.edges}
    assert g.node("airplane").lines[0] == "Is airplane mode on?"


def test_questions_and_titles_follow_the_locale(lib: Library, no_service: TreeGraph) -> None:
    assert no_service.node("airplane").lines[0] == "手机是否开启了飞行模式？"
    assert no_service.node(START).lines[0] == "无信号/无服务"
    en = build_graph(lib.documents["no_service"], lib.documents, lib.catalog, locale="en")
    assert en.node(START).lines[0] == "No service"


def test_a_sub_tree_renders_on_its_own_with_its_exits(lib: Library) -> None:
    g = build_graph(lib.documents["line_barred"], lib.documents, lib.catalog)
    assert g.kind == "subtree"
    assert g.node("clear").kind == "exit"
    assert ("account", "no", "clear") in {(e.source, e.branch, e.target) for e in g.edges}


def test_every_shipped_tree_renders_in_every_format(lib: Library) -> None:
    for doc in lib.documents.values():
        for inline in (True, False):
            g = build_graph(doc, lib.documents, lib.catalog, inline=inline)
            assert render_mermaid(g).startswith("%% diagtree render")
            assert _dot_strings_are_closed(render_dot(g))
            _svg_of(render_html(g))  # well-formed


def test_wrap_counts_wide_characters_twice() -> None:
    assert wrap("hlr.found == false or hlr.status in x", 20) == [
        "hlr.found == false", "or hlr.status in x"]
    assert all(len(line) <= 5 for line in wrap("手机是否开启了飞行模式", 10))
    assert wrap("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]


# -- escaping, with author text full of the characters each format reads ------------------
NASTY = 'x == "<b>&amp;</b>" or y != \'a|b#c\' and z == "back\\slash {x}" ` end'


def _expr(text: str, kind: FactType = BOOL) -> Expression:
    return Expression(text, kind, (), lambda f: True, None)  # type: ignore[arg-type]


def _nasty_doc() -> Document:
    loc = Location("nasty.yaml", 3, 3)

    def edge(label: str, target: str) -> Edge:
        return Edge(label, target, loc)

    nodes: dict[str, Any] = {
        "c": CheckNode("c", loc, None, _expr(NASTY), edge("yes", "s"), edge("no", "t")),
        "s": SwitchNode("s", loc, edge("on_unknown", "end"), _expr('a["k"] <> "q"'),
                        (('say "hi" <now>', edge('case say "hi"', "end")),), None),
        "t": TableNode("t", loc, None, (TableRow(_expr("p > 1 & q < 2"), edge("row", "end"),
                                                 loc),), edge("default", "end")),
        "end": OutcomeNode("end", loc, None, "unknown.needs_investigation", loc),
    }
    return Document(kind="tree", id='na"sty<1>', version="1.0", file="nasty.yaml",
                    location=loc, title=(("en", 'Title "quoted" <tag> & more'),),
                    symptoms=("no_service",), owner=None, start=edge("start", "c"),
                    nodes=nodes)


def test_mermaid_labels_are_escaped() -> None:
    assert mermaid_text('a "b" <c> #d & |e|') == (
        "a #quot;b#quot; #lt;c#gt; #35;d #amp; #124;e#124;")
    text = render_mermaid(build_graph(_nasty_doc(), {}, None, locale="en"))
    for line in text.splitlines()[2:]:
        if line.lstrip().startswith(("class", "linkStyle", "style", "end")):
            continue
        # every quoted label is one string: no raw quote, bracket-closing or HTML inside
        labels = re.findall(r'"(.*?)"', line)
        assert labels or re.fullmatch(r"\s*n_\w+ -\.?->? n_\w+", line), line
        assert all("<" not in s.replace("<b>", "").replace("</b>", "").replace("<br>", "")
                   for s in labels), line
        assert line.count('"') % 2 == 0, line
    assert "#quot;#lt;b#gt;#amp;amp;#lt;/b#gt;#quot;" in text
    assert "a#124;b#35;c" in text


def test_dot_strings_are_escaped() -> None:
    assert dot_string('say "hi" \\n & more') == '"say \\"hi\\" \\\\n &amp; more"'
    text = render_dot(build_graph(_nasty_doc(), {}, None, locale="en"))
    assert _dot_strings_are_closed(text)
    assert '\\"<b>&amp;amp;</b>\\"' in text  # shown by Graphviz as written
    assert "back\\\\slash" in text


def test_html_escapes_author_text_and_stays_well_formed() -> None:
    page = render_html(build_graph(_nasty_doc(), {}, None, locale="en"))
    svg = _svg_of(page)
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert '"<b>&amp;</b>"' in texts  # shown as written, not interpreted
    assert "<b>&amp;" not in page  # never raw in the page
    assert "<title>na&quot;sty&lt;1&gt; v1.0" in page


# -- overlays ----------------------------------------------------------------------------
def test_results_in_the_counts_format() -> None:
    counts = read_results(json.dumps({"trees": {"no_service": {
        "nodes": {"profile": 4},
        "branches": {"profile": {"yes": 1, "no": 3, "on_unknown (row 2)": True},
                     "airplane": {"default false": 2, "answer true": 1}}}}}))
    got = counts.trees["no_service"]
    assert got.nodes == {"profile": 4}
    assert got.branches["profile"] == {"yes": 1, "no": 3, "on_unknown": 1}
    assert got.branches["airplane"] == {"answer false": 2, "answer true": 1}
    as_list = read_results(json.dumps({"trees": [{"tree": "t", "branches": [
        {"node": "a", "branch": "yes", "count": 2}, {"node": "a", "branch": "no", "hits": 0}]}]}))
    assert as_list.trees["t"].branches == {"a": {"yes": 2, "no": 0}}
    assert as_list.covers("t") and not as_list.covers("u") and as_list.ids() == ["t"]


def test_results_from_diagnoses_count_every_trace(engine: Engine) -> None:
    diagnoses = [d.to_dict() for r in _scenario_results(engine)[:5] if (d := r.diagnosis)]
    lines = "\n".join(json.dumps(d, ensure_ascii=False) for d in diagnoses)
    for text in (lines, json.dumps(diagnoses), json.dumps({"diagnoses": diagnoses})):
        counts = read_results(text).trees["no_service"]
        assert counts.nodes["recycled/reclaimed"] == 5
        assert sum(counts.branches["recycled/reclaimed"].values()) == 5


@pytest.mark.parametrize("text, message", [
    ("{", "not JSON"),
    ("[1, 2]", "expected"),
    ('{"trees": {"t": {"branches": {"a": {"yes": -1}}}}}', "≥ 0"),
    ('{"trees": {"t": {"branches": [{"node": "a"}]}}}', '"node" and "branch"'),
    ('{"trees": 3}', "object or a list"),
])
def test_bad_results_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        read_results(text)


def test_normalize_branch() -> None:
    assert [normalize_branch(b) for b in ("yes", "on_unknown (row 3)", "default (null)",
                                          "default true", "default", "case null", "row 2")] \
        == ["yes", "on_unknown", "default", "answer true", "default", "case null", "row 2"]


def test_coverage_overlay_counts_branches_and_nodes(no_service: TreeGraph) -> None:
    overlay = make_overlay(no_service, _by_tree(TreeCounts({}, {"recycled/reclaimed": {"no": 2}})),
                           "coverage", "r.json")
    decision_edges = [e for e in no_service.edges if no_service.node(e.source).is_decision]
    taken, branches, reached, nodes = overlay.summary()
    assert (taken, branches) == (1, len(decision_edges))
    assert nodes == len(no_service.nodes) - 1  # all but the start
    assert overlay.node_count("recycled/reclaimed") == 2
    assert overlay.node_count("location/outage") == 2  # reached through the exit
    assert overlay.node_count("recycled/recycled") == 0
    assert reached == 2
    mermaid = render_mermaid(no_service, overlay)
    assert "stroke:#2e7d32" in mermaid and "stroke:#c62828" in mermaid
    dot = render_dot(no_service, overlay)
    assert 'color="#2e7d32"' in dot and 'color="#c62828"' in dot
    page = render_html(no_service, overlay)
    assert 'class="summary"' in page and "1/" in page and "cov-no" in page


def test_paths_overlay_shows_counts(lib: Library) -> None:
    g = build_graph(lib.documents["no_service"], lib.documents, lib.catalog, inline=False)
    counts = TreeCounts({"recycled/reclaimed": 7}, {"profile": {"yes": 2, "no": 5}})
    overlay = make_overlay(g, _by_tree(counts), "paths", "r.json")
    assert overlay.node_count("recycled") == 7  # a use box counts the walks inside it
    assert overlay.node_count("not_provisioned") == 2
    assert "×5" in render_dot(g, overlay) and "×5" in render_mermaid(g, overlay)
    assert "stroke-width:" in render_html(g, overlay)


def test_coverage_report_of_diagtree_test_is_accepted(engine: Engine,
                                                      no_service: TreeGraph) -> None:
    """`diagtree test --coverage --coverage-format json` counts per document (a shared sub-tree
    once); its counts land on every inlined copy, and only the branches it counts are shown."""
    from diagtree._testing.coverage import compute_coverage, to_json

    diagnoses = [r.diagnosis for r in _scenario_results(engine) if r.diagnosis]
    report = compute_coverage(engine.library, diagnoses)
    results = read_results(to_json(report))
    assert results.covers("no_service") and results.covers("line_barred")
    overlay = make_overlay(no_service, results, "coverage", "coverage.json")
    doc = {d.id: d for d in report.documents}
    barred = {n.id: n for n in doc["line_barred"].nodes}
    assert overlay.node_count("barred/odb") == barred["odb"].hits
    for branch in barred["odb"].branches:
        edge = next(e for e in no_service.edges
                    if (e.source, e.branch) == ("barred/odb", branch.label))
        assert overlay.edge_count(edge) == (branch.hits if branch.counted else None)
    counted = sum(d.branch_counts.total for d in report.documents
                  if d.id in {"no_service", *(c.subtree for c in no_service.clusters)})
    assert overlay.summary()[1] == counted
    # the switch's implicit "no case" is no branch in the report: not coloured
    assert overlay.edge_count(next(e for e in no_service.edges if e.target == NO_MATCH)) is None


# -- golden files ------------------------------------------------------------------------
@pytest.mark.parametrize("fmt, suffix", [("mermaid", "mmd"), ("dot", "dot")])
def test_golden_no_service(fmt: str, suffix: str, no_service: TreeGraph) -> None:
    """What `diagtree render no_service --format mermaid|dot` writes (shipped files are shown
    as ``trees/…``, as the command shows them)."""
    text = {"mermaid": render_mermaid, "dot": render_dot}[fmt](no_service)
    golden = GOLDEN / f"no_service.{suffix}"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"missing {golden}: run DIAGTREE_UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == golden.read_text(encoding="utf-8"), (
        f"{golden.name} changed; if the new picture is right, regenerate with "
        f"DIAGTREE_UPDATE_GOLDEN=1 pytest tests/test_render.py")


# -- the command -------------------------------------------------------------------------
def test_cli_by_file_in_its_knowledge_folder(kb: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "barred.html"
    assert render([str(kb / "shared" / "line_barred.yaml"), "-o", str(out),
                   "--locale", "en"]) == 0
    assert "subtree line_barred" in capsys.readouterr().out
    assert 'data-node="odb"' in out.read_text(encoding="utf-8")


def test_cli_writes_to_stdout(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert render(["no_service", "--trees", str(kb), "-f", "mermaid", "--no-inline"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("%% diagtree render: tree no_service") and "use number_recycled" in out


def test_cli_overlay_from_a_results_file(kb: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"trees": {"no_service": {"branches": {
        "recycled/reclaimed": {"yes": 1}}}}}), encoding="utf-8")
    assert render(["no_service", "--trees", str(kb), "-f", "dot", "--paths", str(results)]) == 0
    assert "yes ×1" in capsys.readouterr().out
    assert render(["weak_signal", "--trees", str(kb), "-f", "dot", "--coverage",
                   str(results)]) == 0
    captured = capsys.readouterr()
    assert "has no counts for 'weak_signal' (it has no_service)" in captured.err
    assert 'color="#c62828"' in captured.out


@pytest.mark.parametrize("argv, message", [
    (["no_servce", "-f", "dot"], "did you mean 'no_service'?"),
    (["no_service"], "say which --format"),
    (["missing/tree.yaml", "-f", "dot"], "no such file"),
    (["no_service", "-f", "dot", "--trees", "/no/such/folder"], "no such folder"),
    (["no_service", "-f", "dot", "--coverage", "/no/such.json"], "/no/such.json"),
])
def test_cli_usage_errors_exit_2(argv: list[str], message: str, kb: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    if "--trees" not in argv:
        argv = [*argv, "--trees", str(kb)]
    assert render(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_not_a_tree_file_and_bad_results(kb: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert render([str(kb / "outcomes.yaml"), "-f", "dot"]) == 2
    assert "not a tree or sub-tree file" in capsys.readouterr().err
    bad = tmp_path / "r.json"
    bad.write_text("{nope", encoding="utf-8")
    assert render(["no_service", "--trees", str(kb), "-f", "dot", "--paths", str(bad)]) == 2
    assert "not JSON" in capsys.readouterr().err


def test_cli_invalid_knowledge_exits_1(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    kb = tmp_path / "trees"
    shutil.copytree(shipped_trees(), kb,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "scenarios"))
    tree = kb / "no_service.yaml"
    tree.write_text(tree.read_text(encoding="utf-8").replace("yes: settings", "yes: setings"),
                    encoding="utf-8")
    assert render([str(tree), "-f", "mermaid"]) == 1
    err = capsys.readouterr().err
    assert "dangling_reference" in err and "error(s)" in err


# -- the page in a real browser ----------------------------------------------------------
def test_html_page_renders_in_headless_chromium(tmp_path: Path, kb: Path,
                                                no_service: TreeGraph) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run .ci/setup-browser (it installs Debian's "
                    "chromium package); this test must never be skipped")
    page = tmp_path / "no_service.html"
    assert render(["no_service", "--trees", str(kb), "-o", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "fetches something"
    assert "@import" not in text and "url(http" not in text
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1400,1000"]
    shot = tmp_path / "shot.png"
    done = subprocess.run([*base, f"--screenshot={shot}", page.as_uri()], capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    assert shot.is_file() and shot.stat().st_size > 10_000
    width, height, pixels = _decode_png(shot.read_bytes())
    assert (width, height) == (1400, 1000)
    colours = Counter(p for row in pixels for p in row)
    non_white = width * height - colours[(255, 255, 255)]
    assert len(colours) > 50, "the screenshot is nearly blank"
    assert non_white > 0.03 * width * height, "the screenshot is nearly blank"
    # the diagram itself is visible: its boxes are painted in their palette colours
    for key in ("check", "frontline", "start"):
        fill = PALETTE[key][0]
        assert colours[tuple(int(fill[i:i + 2], 16) for i in (1, 3, 5))] > 500, (
            f"no {key} box in the screenshot")
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True,
                         timeout=60, check=False)
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    html_after = dom.stdout.decode("utf-8")
    for node in no_service.nodes:
        assert f'data-node="{node.id}"' in html_after
    laid_out = re.search(r'data-rendered-nodes="(\d+)" data-overflowing-lines="(\d+)"',
                         html_after)
    assert laid_out is not None, "the page's check did not run"
    assert int(laid_out.group(1)) == len(no_service.nodes), "some boxes have no size"
    assert int(laid_out.group(2)) == 0, "text runs out of its box"


# -- helpers -----------------------------------------------------------------------------
_RESULTS: list[Any] = []


def _scenario_results(engine: Engine) -> list[Any]:
    """The shipped no_service scenarios, run once."""
    if not _RESULTS:
        def make(block: Any, down: Sequence[str]) -> list[Any]:
            return list(ad.mock_sources(ad.records_from_mapping(block), down=down))

        cases, problems = load_cases([shipped_trees() / "scenarios" / "no_service.yaml"])
        assert not problems
        _RESULTS.extend(run_cases(cases, engine.diagnose, make))
    return _RESULTS


def _by_tree(counts: TreeCounts, tree: str = "no_service") -> Results:
    return Results({tree: counts}, {})


def _svg_of(page: str) -> ET.Element:
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    return ET.fromstring(page[start:end])  # noqa: S314 - our own output


def _dot_strings_are_closed(text: str) -> bool:
    """Every quoted DOT string ends, and nothing but identifiers and punctuation is left."""
    rest = re.sub(r'"(?:[^"\\]|\\.)*"', "S", text)
    rest = re.sub(r"//[^\n]*", "", rest)
    return '"' not in rest and not re.search(r"[^\sA-Za-z0-9_;,=\[\]{}>-]", rest)


def _decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, ...]]]]:
    """An 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes) to rows of RGB pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks = 8, []
    width = height = ctype = 0
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + size]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and ctype in (2, 6), (depth, ctype)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + size
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * bpp
    prev = bytearray(stride)
    rows: list[list[tuple[int, ...]]] = []
    at = 0
    for _ in range(height):
        kind_, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        if kind_ == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif kind_ == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev, strict=True))
        elif kind_ == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + prev[x]) >> 1)) & 255
        elif kind_ == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(list(zip(line[0::bpp], line[1::bpp], line[2::bpp], strict=True)))
        prev = line
    return width, height, rows
