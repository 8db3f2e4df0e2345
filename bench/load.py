"""Benchmark: loading and checking a knowledge folder, as the forest grows.

Run: ``.venv/bin/python bench/load.py [--rounds N] [--sizes 1000,10000] [--no-fail]``. In one
process it times `load_library` — read every file, check it, compile the trees; what
`diagtree validate` and `Engine(...)` both do first — for the shipped forest and for generated
forests of 1,000 and 10,000 nodes, and prints the median of each, the per-node slope (ms/node,
between the smallest and the largest generated forest) and the fixed cost it implies. Each
line also gives the median CPU time of the loads, which the waits of a shared host do not
inflate. Target (issue 10): a 1,000-node forest loads and checks in ≤ 200 ms (the wall-clock
median). The exit status is 1 when the target is missed, unless ``--no-fail``.

A generated forest (`write_forest`) is the shipped catalog, scripts, script rules and policy
(the fixed part every real forest carries) with generated trees and sub-trees in place of the
shipped ones: one tree per symptom, each a chain of `use` nodes over sub-trees used once, every
sub-tree a balanced tree of checks on the shipped adapters' facts (and a question now and
then) whose leaves are outcomes of the shipped catalog, given the values their scripts read.
The trees are sound: the forest loads without an error.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from diagtree._check.scripts import STANDARD_VARIABLES
from diagtree._cli.common import default_schema
from diagtree._compile.library import Library, load_library
from diagtree._templates.analysis import template_variables
from diagtree._vocab.engine_facts import POLICY_FACTS
from diagtree._vocab.facts import FactSchema
from diagtree._vocab.taxonomy import SYMPTOMS
from diagtree._walk.engine import shipped_trees

#: the shipped files every generated forest carries as they are (all but the trees)
FIXED_FILES = ("outcomes.yaml", "policy.yaml", "script_rules.yaml", "scripts")
#: nodes per generated file: well under the loader's limit of 400
NODES_PER_FILE = 120
TARGET_MS = 200.0
TARGET_NODES = 1000


def schemas() -> tuple[FactSchema, FactSchema]:
    """The schema `diagtree validate` checks against, and its policy schema."""
    schema = default_schema()
    return schema, schema.merged(POLICY_FACTS)


def _needs(library: Library) -> dict[str, list[str]]:
    """Per cause of the shipped catalog, the values its script and actions read."""
    book = library.scripts
    env = book.env("en")
    out = {}
    for cause, entry in library.catalog.entries.items():
        used = set(book.variables(entry.script)) if entry.script in book.scripts else set()
        for action in entry.actions:
            used |= template_variables(env, action)
        out[cause] = sorted(used - STANDARD_VARIABLES)
    return out


def _outcome(name: str, cause: str, needs: list[str]) -> str:
    text = f"  {name}:\n    outcome: {cause}\n"
    if needs:
        text += "    values:\n" + "".join(f"      {v}: '\"-\"'\n" for v in needs)
    return text


def _subtree(sub_id: str, size: int, rng: random.Random, facts: list[str],
             needs: dict[str, list[str]]) -> str:
    """A sub-tree of exactly `size` nodes (odd, at least 3): a balanced binary tree of checks
    (and a question now and then) whose leaves are outcomes, the last one its exit."""
    causes = sorted(c for c in needs if not c.startswith("unknown."))
    lines = [f"subtree: {sub_id}\n", 'version: "1.0.0"\n',
             f"title: {{zh-CN: 生成的子树 {sub_id}, en: Generated {sub_id}}}\n",
             "owner: bench\n", "exits: [clear]\n", "start: n0\n", "nodes:\n"]
    counter = iter(range(size))

    def node(count: int, last: bool) -> str:
        name = f"n{next(counter)}"
        if count == 1:
            if last:
                lines.append(f"  {name}:\n    exit: clear\n")
            else:
                cause = rng.choice(causes)
                lines.append(_outcome(name, cause, needs[cause]))
            return name
        index = len(lines)
        lines.append("")  # this node, written once its branches are named
        yes = node(_yes_size(count), False)
        no = node(count - 1 - _yes_size(count), last)
        if rng.random() < 0.15:
            lines[index] = f"  {name}:\n    ask: airplane_mode\n    yes: {yes}\n    no: {no}\n"
        else:
            a, b = rng.sample(facts, 2)
            cond = a if rng.random() < 0.6 else f"{a} and not {b}"
            lines[index] = f"  {name}:\n    check: {cond}\n    yes: {yes}\n    no: {no}\n"
        return name

    node(size, True)
    return "".join(lines)


def _yes_size(count: int) -> int:
    """The size (odd) of the yes branch of a node over `count` nodes (odd, at least 3)."""
    half = (count - 1) // 2
    return half if half % 2 else half - 1 if half > 1 else 1


def write_forest(folder: Path, nodes: int, seed: int = 0) -> int:
    """Write a sound generated forest of about `nodes` nodes into `folder` (see the module's
    docstring); return its exact number of nodes."""
    root = shipped_trees()
    folder.mkdir(parents=True, exist_ok=True)
    for name in FIXED_FILES:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, folder / name, dirs_exist_ok=True)
        else:
            shutil.copy(src, folder / name)
    schema, policy_schema = schemas()
    shipped = load_library([root], schema, policy_schema)
    needs = _needs(shipped)
    facts = sorted(n for n in schema if schema[n].type.kind == "bool"
                   and not n.startswith("complaint."))
    rng = random.Random(seed)  # noqa: S311 -- a reproducible forest, not a secret
    trees = min(len(SYMPTOMS), max(1, nodes // NODES_PER_FILE))
    # each tree: `use` nodes, one per sub-tree, and a final outcome
    subs_per_tree: list[list[int]] = [[] for _ in range(trees)]
    # sub-tree sizes: what is left after the trees' own nodes, cut into files
    tree_own = [1] * trees  # the final outcome; plus one `use` node per sub-tree below
    remaining = nodes - trees
    t = 0
    while remaining >= 4:  # a sub-tree of n nodes costs n + 1 (its `use` node in the tree)
        size = min(NODES_PER_FILE, remaining - 1)
        size -= (size - 1) % 2  # odd: pairs plus the exit
        if size < 3:
            break
        subs_per_tree[t].append(size)
        tree_own[t] += 1
        remaining -= size + 1
        t = (t + 1) % trees
    total = sum(tree_own) + sum(sum(s) for s in subs_per_tree)
    k = 0
    for t, symptom in enumerate(SYMPTOMS[:trees]):
        body = [f"tree: gen_{symptom}\n", 'version: "1.0.0"\n',
                f"title: {{zh-CN: 生成的树 {symptom}, en: Generated {symptom}}}\n",
                f"symptoms: [{symptom}]\n", "owner: bench\n", "start: u0\n" if subs_per_tree[t]
                else "start: end\n", "nodes:\n"]
        for j, size in enumerate(subs_per_tree[t]):
            sub_id = f"gen_sub_{k}"
            k += 1
            (folder / "shared").mkdir(exist_ok=True)
            (folder / "shared" / f"{sub_id}.yaml").write_text(
                _subtree(sub_id, size, rng, facts, needs), encoding="utf-8")
            after = f"u{j + 1}" if j + 1 < len(subs_per_tree[t]) else "end"
            body.append(f"  u{j}:\n    use: {sub_id}\n    exits: {{clear: {after}}}\n")
        body.append(_outcome("end", "unknown.needs_investigation", []))
        (folder / f"gen_{symptom}.yaml").write_text("".join(body), encoding="utf-8")
    return total


def count_nodes(library: Library) -> int:
    return sum(len(doc.nodes) for doc in library.documents.values())


def time_load(folder: Path, rounds: int, schema: FactSchema,
              policy_schema: FactSchema) -> tuple[list[float], list[float], Library]:
    """The wall-clock and CPU times (ms) of `rounds` loads of `folder`, and the library."""
    wall, cpu = [], []
    library = load_library([folder], schema, policy_schema)  # warm-up: imports, caches of jinja2
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        library = load_library([folder], schema, policy_schema)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu, library


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="loads timed per forest")
    parser.add_argument("--sizes", default="1000,10000",
                        help="node counts of the generated forests, comma-separated")
    parser.add_argument("--no-fail", action="store_true",
                        help="exit 0 even when the target is missed")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    schema, policy_schema = schemas()
    rows: list[tuple[str, int, float, list[float], float]] = []
    wall, cpu, lib = time_load(shipped_trees(), args.rounds, schema, policy_schema)
    rows.append(("shipped forest", count_nodes(lib), statistics.median(wall), wall,
                 statistics.median(cpu)))
    with tempfile.TemporaryDirectory(prefix="diagtree-bench-") as tmp:
        for size in sizes:
            folder = Path(tmp) / f"forest_{size}"
            write_forest(folder, size)
            wall, cpu, lib = time_load(folder, args.rounds, schema, policy_schema)
            rows.append((f"generated {size:,}", count_nodes(lib), statistics.median(wall), wall,
                         statistics.median(cpu)))
    for label, nodes, median, times, cpu_ms in rows:
        print(f"{label:<18} {nodes:6d} nodes  {median:8.1f} ms median  "
              f"(fastest {min(times):.1f}, slowest {max(times):.1f}; {len(times)} loads; "
              f"CPU {cpu_ms:.1f} ms)")
    generated = rows[1:]
    if len(generated) >= 2:
        (_, n_small, t_small, _, _), (_, n_big, t_big, _, _) = generated[0], generated[-1]
        slope = (t_big - t_small) / (n_big - n_small)
        print(f"{'per-node slope':<18} {slope:.4f} ms/node  (fixed part ≈ "
              f"{t_small - slope * n_small:.1f} ms)")
    at_target = [r for r in generated if r[1] >= TARGET_NODES * 0.95]
    if not at_target:
        print(f"targets: load ≤ {TARGET_MS:.0f} ms at {TARGET_NODES:,} nodes (not measured: "
              "no generated forest that large)")
        return 0
    _, nodes, median, times, cpu_ms = at_target[0]
    # as bench/walk.py: the median is judged; when it misses, the fastest load and the CPU
    # time (what this process used, without the waits a shared host adds) say whether the
    # code or the host's other tenants are to blame
    if median <= TARGET_MS:
        verdict = "met"
    elif min(times) <= TARGET_MS or cpu_ms <= TARGET_MS:
        verdict = (f"met in the fastest load ({min(times):.0f} ms) or in CPU time "
                   f"({cpu_ms:.0f} ms); MISSED by the median ({median:.0f} ms), slowed by the "
                   "host's other tenants")
    else:
        verdict = "MISSED"
    print(f"targets: load ≤ {TARGET_MS:.0f} ms at {nodes:,} nodes ({verdict})")
    return 0 if verdict == "met" or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
