"""Instructions per full diagnosis, counted by valgrind: a measure this noisy machine can't move.

Run: ``.venv/bin/python bench/instructions.py [--untraced] [--raw] [--no-script]``
(``--untraced --raw --no-script`` is `bench/throughput.py`'s first row). Needs valgrind, its headers
(``valgrind/callgrind.h``) and gcc. The script re-runs itself under callgrind with
instrumentation off, loads the engine and the demo city, diagnoses every demo complaint twice
to warm up, then switches counting on (through a three-line C helper built into a temporary
folder) for one more pass and prints the instructions per diagnosis.

Wall-clock times on a shared VM move by 1.5x from one minute to the next (`bench/walk.py`
prints each round's median to show it); instruction counts repeat to within a fraction of a
percent, so they tell whether a change made the diagnosis cheaper. They are not times: an
instruction of a float operation and one of a dict probe do not cost the same.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import diagtree_adapters as ad
from diagtree import Engine, parse_complaint
from diagtree_adapters import demo

_HELPER = """#include <valgrind/callgrind.h>
void start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void stop(void) { CALLGRIND_DUMP_STATS; CALLGRIND_STOP_INSTRUMENTATION; }
"""


def _count(helper: Path, traced: bool, raw: bool, script: bool) -> None:
    """Inside valgrind: warm up, then count one pass over the demo complaints (parsed first,
    or with `raw` given as mappings: the parse counted too)."""
    records = demo.demo_records()
    engine = Engine(sources=ad.mock_sources(records))
    every = [(c["complaint"] if raw else parse_complaint(c["complaint"]),
              dict(c.get("answers") or {}),
              ad.mock_sources(records, down=c["down"]) if c.get("down") else None)
             for c in demo.demo_complaints()]

    def one_pass() -> None:
        for complaint, answers, sources in every:
            engine.diagnose(complaint, answers=answers, sources=sources, trace=traced,
                            script=script)

    one_pass()
    one_pass()
    lib = ctypes.CDLL(str(helper))
    lib.start()
    one_pass()
    lib.stop()
    print(len(every))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--untraced", action="store_true", help="diagnose with trace=False")
    parser.add_argument("--raw", action="store_true",
                        help="diagnose from the complaint mappings (the parse counted too)")
    parser.add_argument("--no-script", action="store_true", help="diagnose with script=False")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        _count(Path(args.inside), not args.untraced, args.raw, not args.no_script)
        return
    tools = {tool: shutil.which(tool) for tool in ("valgrind", "gcc")}
    for tool, path in tools.items():
        if path is None:
            sys.exit(f"bench/instructions.py needs {tool}")
    valgrind, gcc = str(tools["valgrind"]), str(tools["gcc"])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "cg.c").write_text(_HELPER)
        helper = folder / "libcg.so"
        built = subprocess.run([gcc, "-shared", "-fPIC", "-O2", "-o", str(helper),  # noqa: S603 - fixed arguments
                                str(folder / "cg.c")], check=False, capture_output=True,
                               text=True)
        if built.returncode:
            sys.exit(f"cannot build the callgrind helper (valgrind headers?):\n{built.stderr}")
        out = folder / "callgrind.out"
        run = subprocess.run(  # noqa: S603 - fixed arguments: this script, under valgrind
            [valgrind, "--tool=callgrind", "--instr-atstart=no",
             f"--callgrind-out-file={out}", sys.executable, __file__, "--inside", str(helper),
             *(["--untraced"] if args.untraced else []), *(["--raw"] if args.raw else []),
             *(["--no-script"] if args.no_script else [])],
            check=False, capture_output=True, text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"})
        if run.returncode:
            sys.exit(run.stderr[-2000:])
        diagnoses = int(run.stdout.split()[-1])
        total = 0
        for dump in folder.glob("callgrind.out.*"):  # the helper's own dump (not the exit one)
            for line in dump.read_text().splitlines():
                if line.startswith("summary:"):
                    total += int(line.split()[1])
    kind = ("untraced" if args.untraced else "with the trace") + \
        (", from raw mappings" if args.raw else "") + (", no script" if args.no_script else "")
    print(f"{total / diagnoses:,.0f} instructions per full diagnosis ({kind}; "
          f"{diagnoses} demo complaints, counted by callgrind)")


if __name__ == "__main__":
    main()
