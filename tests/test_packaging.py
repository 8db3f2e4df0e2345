"""The shipped trees and adapters work from an installed wheel, not only from a checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # built from a copy: workers building at once would share the checkout's build/ folder
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "diagtree", "adapters", "trees"):
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, src / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(out)],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-3000:]
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
    # every package folder of the source tree is in the wheel (pyproject lists them by hand)
    for top, installed in (("diagtree", "diagtree"), ("adapters", "diagtree_adapters")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.relative_to(ROOT / top).as_posix()
            assert f"{installed}/{rel}" in names, f"{installed}/{rel}: add it to pyproject packages"


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
