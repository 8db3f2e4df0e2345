"""The report page in a real headless chromium (Debian's, driven by Playwright; never a
downloaded browser, never skipped): it opens offline, every chart renders with a size, nothing
is fetched and the console stays quiet. The screenshot is kept in tests/artifacts/
(git-ignored)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_service_console import ARGS, ARTIFACTS, CHROMIUM

from diagtree._report.page import build_report
from diagtree._walk.engine import shipped_trees

DATA = Path(__file__).resolve().parent / "data" / "report"


def test_the_report_page_renders_every_chart_in_headless_chromium(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("chromium is not installed: run .ci/setup-browser (it installs Debian's "
                    "chromium package); this test must never be skipped")
    from playwright.sync_api import sync_playwright

    report = build_report(DATA / "results.csv", tmp_path,
                          classes=shipped_trees() / "regulator_classes.yaml",
                          incidents=DATA / "incidents.csv")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    url = report.page.as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium") or CHROMIUM,
                                     args=ARGS, headless=True)
        try:
            page = browser.new_page()
            requests: list[str] = []
            console: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.goto(url)
            page.wait_for_load_state("load")
            sections = page.eval_on_selector_all("section", "s => s.map(e => e.id)")
            assert sections == ["cause_distribution", "first_contact_by_symptom",
                                "first_contact_by_cause", "repeats_by_cause",
                                "complaints_by_department", "deadline_load", "top_cells",
                                "regulator_classes", "incidents", "path_counts"]
            charts = page.eval_on_selector_all(
                "svg.chart", "s => s.map(e => { const r = e.getBoundingClientRect(); "
                "return [e.closest('section').id, r.width, r.height, "
                "e.querySelectorAll('rect').length]; })")
            assert len(charts) == len(sections)
            for section, width, height, bars in charts:
                assert width > 100 and height > 30, (section, width, height)
                assert bars > 0, f"the chart of {section} draws nothing"
            # a bar's drawn width follows its value: the largest cause has the longest bar
            widths = page.eval_on_selector_all(
                "#cause_distribution svg rect", "r => r.map(e => e.getBBox().width)")
            assert widths[0] == max(widths) > 0
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert requests == [url], f"the page fetched something: {requests[1:]}"
    assert console == []
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
