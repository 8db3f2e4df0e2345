"""The shipped trees and adapters work from an installed wheel, not only from a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(out)], check=True,
                   capture_output=True, text=True)
    return next(out.glob("diagtree-*.whl"))


def test_wheel_holds_namespaced_packages_and_their_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.startswith("diagtree-")}
    assert tops == {"diagtree", "diagtree_adapters", "diagtree_trees"}  # never bare `adapters`
    assert "diagtree_trees/no_service.yaml" in names
    assert "diagtree_trees/policy.yaml" in names
    assert any(n.startswith("diagtree_trees/scenarios/") for n in names)
    assert any(n.startswith("diagtree_adapters/demo/data/") for n in names)
    assert "diagtree/py.typed" in names


def test_installed_wheel_runs_the_shipped_scenarios(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, text=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    script = ("import sys, diagtree, diagtree_trees; from diagtree._cli import main; "
              "assert 'site' in diagtree.__file__, diagtree.__file__; "
              "sys.exit(main(['test', str(diagtree.shipped_trees() / 'scenarios')]))")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1].endswith(" passed, 0 failed")
