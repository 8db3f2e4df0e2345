"""The code base stays ruff- and mypy-clean.

The public namespaces (`__all__` equal to the public names each holds, in isort order) are
pinned in test_public_api.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # ...and it checks calls into diagtree_adapters, the name the CLI imports (typings/): a
    # wrong call is an error, not Any. Run after the clean run, on the same cache: quick.
    probe = tmp_path / "probe.py"
    probe.write_text("import diagtree_adapters as ad\n\nad.records_from_mapping(42)\n",
                     encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mypy", str(probe)], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{probe.name}:3: error: Argument 1 to \"records_from_mapping\"" in result.stdout


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2  # the main job on the demo data, then the tests
    assert "diagtree diagnose --demo" in block[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert block[1] in ci.splitlines()
