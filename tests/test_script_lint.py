"""The built-in script lint (docs/taxonomy.md §6): located errors from `diagtree validate`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from diagtree import shipped_trees
from diagtree._cli import main


@pytest.fixture
def trees(tmp_path: Path) -> Path:
    dest = tmp_path / "trees"
    shutil.copytree(shipped_trees(), dest,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py", "scenarios"))
    return dest


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` with `new`; return the 1-based line it is on."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text[: text.index(new)].count("\n") + 1


def _validate(trees: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["validate", str(trees)])
    return code, capsys.readouterr().out


def test_shipped_scripts_pass_the_lint(trees: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _validate(trees, capsys)[0] == 0


def test_a_forbidden_promise_fails_with_file_and_line(
        trees: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = trees / "scripts" / "network.yaml"
    line = _edit(script, "目前预计在", "我们一定解决，目前预计在")
    code, out = _validate(trees, capsys)
    assert code == 1
    assert f"network.yaml:{line}:" in out
    assert "script_forbidden_promise" in out and "一定解决" in out


def test_an_internal_term_or_code_fails(trees: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = trees / "scripts" / "network.yaml"
    _edit(script, "Our maintenance engineers", "The HLR and network_ops engineers")
    code, out = _validate(trees, capsys)
    assert code == 1
    assert "internal name 'HLR'" in out and "internal name 'network_ops'" in out


def test_template_code_is_not_what_the_customer_hears(
        trees: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = trees / "scripts" / "network.yaml"
    _edit(script, "Our maintenance engineers",
          "{# HLR note #}{% if department == 'tier2' %}{% endif %}Our maintenance engineers")
    out = _validate(trees, capsys)[1]
    assert "script_internal_term" not in out


def test_a_later_action_needs_a_time(trees: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = trees / "scripts" / "device.yaml"
    text = script.read_text(encoding="utf-8")
    start = text.index("  device.settings:")
    end = text.index("\n  device.", start + 5)
    block = text[start:end]
    en = block.index("    en: |")
    new_block = block[:en] + "    en: |\n      Sorry about that. We will call you back about it. " \
        "Anything else?\n"
    script.write_text(text[:start] + new_block + text[end:], encoding="utf-8")
    code, out = _validate(trees, capsys)
    assert code == 1
    assert "script_no_time_commitment" in out and "'call you back'" in out


def test_operators_extend_the_forbidden_list(
        trees: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = trees / "script_rules.yaml"
    _edit(rules, "en: [guarantee, definitely, promise]",
          "en: [guarantee, definitely, promise, frustrated]")
    code, out = _validate(trees, capsys)
    assert code == 1
    assert "'frustrated'" in out


def test_both_locales_must_read_the_same_values(
        trees: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = trees / "scripts" / "network.yaml"
    _edit(script, "Having no signal gets in the way",
          "({{ complaint_id }}) Having no signal gets in the way")
    code, out = _validate(trees, capsys)
    assert code == 1
    assert "script_locale_variables" in out and "only en reads complaint_id" in out
