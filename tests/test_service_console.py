"""The agent console in a real headless chromium (Debian's, driven by Playwright; never a
downloaded browser, never skipped): a demo conversation to a diagnosis, going back once.
The screenshot is kept in tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_server import AGENT_KEY, Server, serve

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(tmp_path_factory.mktemp("console")) as running:
        yield running


def test_console_conversation_in_headless_chromium(server: Server) -> None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("chromium is not installed: run .ci/setup-browser (it installs Debian's "
                    "chromium package); this test must never be skipped")
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "console.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium") or CHROMIUM,
                                     args=ARGS, headless=True)
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(server.url + "/console")
            page.fill("#key", AGENT_KEY)
            page.click("#save-key")
            page.wait_for_function("document.querySelectorAll('#demo option').length > 1")
            value = page.eval_on_selector(
                "#demo", "s => [...s.options].find(o => o.textContent.startsWith('D-0046'))"
                ".value")
            page.select_option("#demo", value)
            page.click("#use-demo")
            assert "D-0046" in page.input_value("#complaint")
            page.click("#start-session")
            expect(page.locator("#question-text")).to_have_text("Is airplane mode on?")
            page.click("#choices button[data-value='false']")
            expect(page.locator("#answered")).to_contain_text("airplane_mode = false")
            page.click("#back")  # going back once: the first question again
            expect(page.locator("#question-text")).to_have_text("Is airplane mode on?")
            page.click("#choices button[data-value='false']")
            page.click("#choices button[data-value='true']")  # the SIM works elsewhere
            expect(page.locator("#result")).to_be_visible()
            expect(page.locator("#cause")).to_contain_text("device.sim_fault")
            assert page.inner_text("#script").strip()
            assert page.inner_text("#deadline").strip()
            assert page.inner_text("#error") == ""
            page.screenshot(path=str(shot), full_page=True)
            # the key stays in this tab's sessionStorage, never in the page's markup
            assert page.evaluate("sessionStorage.getItem('diagtree-key')") == AGENT_KEY
            assert AGENT_KEY not in page.content()
            assert all(u.startswith(server.url) for u in requests)  # offline: no CDN
        finally:
            browser.close()
    assert shot.stat().st_size > 1000
    print(f"screenshot: {shot}")
