"""The code base stays ruff- and mypy-clean, and the public API stays small and sorted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import diagtree

ROOT = Path(__file__).resolve().parent.parent


def test_public_api_is_sorted_and_complete() -> None:
    def isort_style(name: str) -> tuple[int, str]:  # constants, classes, then functions
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert list(diagtree.__all__) == sorted(diagtree.__all__, key=isort_style)
    for name in diagtree.__all__:
        assert hasattr(diagtree, name), name


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2  # the main job on the demo data, then the tests
    assert "diagtree diagnose --demo" in block[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert block[1] in ci.splitlines()
