"""Tree repositories check themselves: `.pre-commit-hooks.yaml` and docs/tree-repositories.md.

The hooks are run by the real `pre-commit`, as an operator's tree repository runs them: a
`.pre-commit-config.yaml` (the one the docs show) points at a git repository of this checkout, and
`git commit` is refused with the broken file's `file:line:col`, then accepted once it is fixed.
pre-commit clones that repository and pip-installs diagtree into an environment of its own, from
the package index as configured for pip here (the same on a developer's machine and in CI): that
install takes most of the test's time (~40 s on a quiet 2-core machine). The docs' workflow is
checked cheaper: its `diagtree` commands parse, and run in-process on the same tree repository.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_docs import parse_blocks

from diagtree._cli import build_parser
from diagtree._cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
DOC = ROOT / "docs" / "tree-repositories.md"
TREES = ROOT / "trees"

# the tree repository of the tests: two trees whose own scenarios take every branch
_FILES = ["outcomes.yaml", "policy.yaml", "script_rules.yaml", "scripts",
          "slow_data.yaml", "recharge_issue.yaml",
          "shared/data_platform_fault.yaml", "shared/location_events.yaml", "shared/radio.yaml",
          "scenarios/slow_data.yaml", "scenarios/recharge_issue.yaml"]
BROKEN = "trees/slow_data.yaml"
# the same typo as the docs' example: a fact no source declares
_GOOD, _TYPO = "billing.plan.quota_exhausted", "billing.plan.quota_exausted"


def hooks() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return {h["id"]: h for h in data}


def doc_block(file: str) -> str:
    """The text of the docs' `yaml file=FILE` block."""
    found = [b.text for b in parse_blocks(DOC.read_text(encoding="utf-8"))
             if b.options.get("file") == file]
    assert len(found) == 1, f"{DOC.name}: expected one `yaml file={file}` block"
    return found[0]


def doc_configs() -> list[dict[str, Any]]:
    """Every pre-commit configuration the docs show (the file, and the fragments)."""
    out = []
    for block in parse_blocks(DOC.read_text(encoding="utf-8")):
        if block.lang == "yaml":
            data = yaml.safe_load(block.text)
            if isinstance(data, dict) and "repos" in data:
                out.append(data)
    return out


def parses(argv: list[str]) -> None:
    """`diagtree ARGV` is a real command with real options (argparse exits on anything else)."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            build_parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"`diagtree {shlex.join(argv)}` is not a diagtree command: {err.getvalue()}")


def hook_argv(hook: dict[str, Any], args: list[str] | None = None) -> list[str]:
    """The diagtree arguments a hook runs with (its entry, then `args`, then any file names)."""
    entry = shlex.split(hook["entry"])
    assert entry[0] == "diagtree", hook["entry"]
    argv = [*entry[1:], *(hook.get("args", []) if args is None else args)]
    return [*argv, "trees/x.yaml"] if hook.get("pass_filenames", True) else argv


def make_tree_repository(where: Path) -> Path:
    """A tree repository's work tree: a knowledge folder `trees/` of shipped files."""
    for name in _FILES:
        src, dest = TREES / name, where / "trees" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest)
        else:
            shutil.copy(src, dest)
    return where


def break_tree(repo: Path) -> tuple[int, int]:
    """Misspell a fact in the broken file; its line and column (1-based)."""
    path = repo / BROKEN
    text = path.read_text(encoding="utf-8")
    assert _GOOD in text, f"{BROKEN} no longer reads {_GOOD}: pick another typo"
    path.write_text(text.replace(_GOOD, _TYPO, 1), encoding="utf-8")
    before = text[:text.index(_GOOD)]
    return before.count("\n") + 1, len(before) - before.rfind("\n")


def fix_tree(repo: Path) -> None:
    shutil.copy(TREES / "slow_data.yaml", repo / BROKEN)


# -- the hook definitions -------------------------------------------------------------------
def test_the_hooks_are_validate_fmt_lint_and_test() -> None:
    defined = hooks()
    assert set(defined) == {"diagtree-validate", "diagtree-fmt-check", "diagtree-lint",
                            "diagtree-test"}
    for hook_id, hook in defined.items():
        assert hook["language"] == "python", hook_id  # pre-commit installs diagtree itself
        assert hook["name"] and hook["entry"], hook_id
        parses(hook_argv(hook))
        # never the repository's own configuration: .pre-commit-config.yaml, .github/…
        exclude = re.compile(hook["exclude"])
        assert exclude.search(".pre-commit-config.yaml"), hook_id
        assert exclude.search(".github/workflows/diagtree.yml"), hook_id
        assert not exclude.search("trees/shared/radio.yaml"), hook_id
    # changed files for the per-file checks; the whole folder where files refer to each other
    assert hook_argv(defined["diagtree-validate"])[0] == "validate"
    assert defined["diagtree-validate"].get("pass_filenames", True)
    assert hook_argv(defined["diagtree-fmt-check"])[:2] == ["fmt", "--check"]
    assert defined["diagtree-fmt-check"].get("pass_filenames", True)
    assert defined["diagtree-lint"]["pass_filenames"] is False
    assert defined["diagtree-test"]["pass_filenames"] is False
    test = build_parser().parse_args(hook_argv(defined["diagtree-test"]))
    assert test.min_coverage == 100 and test.trees == "trees" and test.paths == ["trees"]


def test_the_docs_configure_only_shipped_hooks_with_real_options() -> None:
    defined = hooks()
    configs = doc_configs()
    assert len(configs) >= 2  # the file, and one with args
    for config in configs:
        for repo in config["repos"]:
            assert {"repo", "rev", "hooks"} <= set(repo)
            for hook in repo["hooks"]:
                assert hook["id"] in defined, f"{DOC.name}: no hook {hook['id']!r} is shipped"
                parses(hook_argv(defined[hook["id"]], hook.get("args")))
    file = yaml.safe_load(doc_block(".pre-commit-config.yaml"))
    assert [h["id"] for h in file["repos"][0]["hooks"]] == list(defined)


def workflow_commands() -> list[list[str]]:
    """The `diagtree` command lines of the docs' GitHub Actions workflow."""
    workflow = yaml.safe_load(doc_block(".github/workflows/diagtree.yml"))
    runs = [step["run"] for job in workflow["jobs"].values() for step in job["steps"]
            if "run" in step]
    return [shlex.split(line)[1:] for run in runs for line in run.splitlines()
            if line.strip().startswith("diagtree ")]


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(argv)
    return code, out.getvalue() + err.getvalue()


def test_the_docs_workflow_runs_real_commands(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    commands = workflow_commands()
    assert ["lint", "--format", "github", "trees"] in commands
    assert {c[0] for c in commands} >= {"lint", "validate", "fmt", "test"}
    for argv in commands:
        parses(argv)
    repo = make_tree_repository(tmp_path)
    monkeypatch.chdir(repo)
    for argv in commands:
        code, output = _run(argv)
        assert code == 0, f"`diagtree {shlex.join(argv)}` on a good tree repository:\n{output}"
    line, col = break_tree(repo)
    code, output = _run(["lint", "--format", "github", "trees"])
    assert code == 1
    assert f"::error file={BROKEN},line={line},col={col},title=unknown_fact::" in output


def test_each_hook_refuses_what_it_checks(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Each hook's command line, run in-process in a tree repository the way pre-commit runs it
    (from the top, changed files as arguments): all pass on the shipped files; fmt-check refuses
    a file out of the canonical layout, test a tree without scenarios (the coverage bar)."""
    defined = hooks()
    repo = make_tree_repository(tmp_path)
    monkeypatch.chdir(repo)
    changed = ["trees/recharge_issue.yaml", "trees/scenarios/recharge_issue.yaml",
               "trees/outcomes.yaml"]

    def run(hook_id: str) -> tuple[int, str]:
        hook = defined[hook_id]
        argv = hook_argv(hook)
        return _run(argv[:-1] + changed if hook.get("pass_filenames", True) else argv)

    for hook_id in defined:
        code, output = run(hook_id)
        assert code == 0, f"{hook_id}:\n{output}"
    path = repo / changed[0]
    text = path.read_text(encoding="utf-8")
    swapped = text.replace("    yes: payment_not_posted\n    no: card\n",
                           "    no: card\n    yes: payment_not_posted\n", 1)
    assert swapped != text
    path.write_text(swapped, encoding="utf-8")
    code, output = run("diagtree-fmt-check")
    assert code == 1 and f"would reformat {changed[0]}" in output, output
    path.write_text(text, encoding="utf-8")
    (repo / changed[1]).unlink()
    changed[1:2] = []
    code, output = run("diagtree-test")
    assert code == 1 and "is below --min-coverage 100%" in output, output


# -- the hooks, run by pre-commit on a commit -------------------------------------------------
def _git_env(tmp: Path) -> dict[str, str]:
    """This machine's environment (pip's index configuration included) without any git or
    pre-commit state of the caller's, a git identity, and pre-commit's cache under `tmp`."""
    config = tmp / "gitconfig"
    config.write_text("[user]\n\tname = Tree Author\n\temail = author@example.com\n"
                      "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
                      encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT")) and k != "SKIP"}
    env.update(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1",
               PRE_COMMIT_HOME=str(tmp / "pre-commit-home"), PRE_COMMIT_COLOR="never")
    return env


def _sh(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def _project_repository(dest: Path, env: dict[str, str]) -> str:
    """A git repository of this checkout's files as they are now (committed or not, never the
    ignored ones) at `dest`, for pre-commit to clone; its commit id."""
    listed = _sh(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                  "--exclude-standard"], ROOT, env)
    if listed.returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout: {listed.stderr.strip()}")
    for name in filter(None, listed.stdout.split("\0")):
        src = ROOT / name
        if src.is_file():  # (deleted but not yet staged: left out)
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    for argv in (["git", "init", "-q"], ["git", "add", "-A"],
                 ["git", "commit", "-q", "-m", "diagtree as it is"]):
        assert _sh(argv, dest, env).returncode == 0, argv
    return _sh(["git", "rev-parse", "HEAD"], dest, env).stdout.strip()


def _commit(repo: Path, env: dict[str, str], message: str) -> tuple[bool, str]:
    assert _sh(["git", "add", "-A"], repo, env).returncode == 0
    done = _sh(["git", "commit", "-m", message], repo, env)
    return done.returncode == 0, done.stdout + done.stderr


def _doc_output() -> re.Pattern[str]:
    """The docs' example of a refused commit (its `text` block showing a hook's report), as a
    pattern that takes any `:line:col:`."""
    shown = [b.text for b in parse_blocks(DOC.read_text(encoding="utf-8"))
             if b.lang == "text" and "- hook id: " in b.text]
    assert len(shown) == 1, f"{DOC.name}: expected one example of a refused commit"
    return re.compile(re.sub(r":\d+:\d+:", r":\\d+:\\d+:", re.escape(shown[0].strip())))


def test_precommit_refuses_a_broken_tree_at_its_file_line(tmp_path: Path) -> None:
    env = _git_env(tmp_path)
    project = tmp_path / "diagtree"
    rev = _project_repository(project, env)
    # the operator's configuration, as the docs show it, pointing at this checkout
    config = yaml.safe_load(doc_block(".pre-commit-config.yaml"))
    config["repos"][0].update(repo=str(project), rev=rev)

    repo = make_tree_repository(tmp_path / "ops-trees")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    line, col = break_tree(repo)
    assert _sh(["git", "init", "-q"], repo, env).returncode == 0
    installed = _sh([sys.executable, "-m", "pre_commit", "install"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    accepted, output = _commit(repo, env, "slow_data with a typo")
    assert not accepted, output
    assert f"{BROKEN}:{line}:{col}: error unknown_fact" in output, output
    assert _doc_output().search(output), f"{DOC.name}'s refused commit is not this one:\n{output}"
    for hook_id in hooks():  # every hook looked at the broken file, and each refused it
        assert f"- hook id: {hook_id}" in output, output
    assert _sh(["git", "rev-parse", "--verify", "-q", "HEAD"], repo, env).returncode != 0

    fix_tree(repo)
    accepted, output = _commit(repo, env, "slow_data as shipped")
    assert accepted, output
    assert output.count("Passed") == len(hooks()), output
