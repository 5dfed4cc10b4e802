"""findings.html in a real headless Chromium (Debian's package, driven by Playwright).

CI installs /usr/bin/chromium (.ci/run); without it these tests skip and say why.
"""
import re
import time
from pathlib import Path

import pytest

from auditor.report import write_reports
from test_report_factory import (
    HOSTILE_ARN, HOSTILE_CONDITION, HOSTILE_IDENTITY, HOSTILE_POLICY, HOSTILE_PROJECT, HOSTILE_USER,
    hostile_result, large_report_html,
)

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


class Report:
    """One report open in a page, with every console message and page error recorded."""

    def __init__(self, browser, path: Path, timeout_ms: int = 30_000):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.set_default_timeout(timeout_ms)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri(), timeout=timeout_ms)

    def count(self) -> str:
        return self.page.inner_text("#findings-table .count")

    def rows(self) -> int:
        return self.page.locator("#findings-table tbody tr").count()

    def pwned(self):
        return self.page.evaluate("() => typeof window.__pwned")


@pytest.fixture()
def hostile(browser, tmp_path):
    write_reports(hostile_result(), tmp_path, ["html"])
    report = Report(browser, tmp_path / "findings.html")
    yield report
    report.page.close()


def test_hostile_values_show_as_text_and_run_nothing(hostile, tmp_path):
    from playwright.sync_api import expect

    page = hostile.page
    expect(page.locator("#findings-table .count")).to_have_text("33 findings")
    table = page.inner_text("#findings-table")
    assert HOSTILE_PROJECT in table and HOSTILE_POLICY in table and HOSTILE_USER in table
    assert "service-wildcard <b>bold</b>" in page.inner_text("#summary")
    assert HOSTILE_PROJECT in page.inner_text("#coverage-gaps")
    # The identity panel: statement with guilty lines highlighted, hostile condition value as text.
    page.locator("#identities-table a").first.click()
    expect(page.locator("#panel")).to_be_visible()
    body = page.inner_text("#panel-body")
    assert HOSTILE_IDENTITY.split("@")[0] in body and HOSTILE_CONDITION in body
    highlighted = page.locator("#panel-body pre.code .ln.hl").all_inner_texts()
    assert any('"ses:*"' in line for line in highlighted)
    assert any("aws:SourceAccount" in line for line in highlighted)
    assert not any('"Effect"' in line for line in highlighted)
    # POL002 shows the condition as written and as evaluated, and no javascript: link is made.
    page.goto(page.url.split("#")[0] + "#principal/" + re.sub(r"[^A-Za-z0-9]", lambda m: f"%{ord(m.group()):02X}",
                                                              HOSTILE_ARN))
    body = page.locator("#panel-body").text_content()
    assert "Condition as written" in body and "As AWS evaluates it" in body and HOSTILE_CONDITION in body
    assert page.locator("a[href^='javascript']").count() == 0
    page.screenshot(path=str(tmp_path / "hostile-panel.png"), full_page=True)
    assert hostile.pwned() == "undefined"
    assert hostile.errors == []
    assert all(url.startswith("file://") for url in hostile.requests), hostile.requests


def test_filters_search_and_sort_change_the_visible_rows(hostile, tmp_path):
    from playwright.sync_api import expect

    page = hostile.page
    count = page.locator("#findings-table .count")
    expect(count).to_have_text("33 findings")
    page.select_option("#f-severity", "critical")
    expect(count).to_have_text("6 findings")  # five synthetic SES001 and the hostile IAM002
    assert hostile.rows() == 6
    page.select_option("#f-check", "IAM002")
    expect(count).to_have_text("1 findings")
    page.click("#f-reset")
    expect(count).to_have_text("33 findings")
    page.fill("#f-search", "finding 17)")
    expect(count).to_have_text("1 findings")
    page.fill("#f-search", "")
    page.select_option("#f-service", "ses")
    expect(count).to_have_text("1 findings")
    page.select_option("#f-service", "")
    page.fill("#f-principal", "user-000")
    expect(count).to_have_text("10 findings")
    page.click("#f-reset")
    page.click("[data-filter-severity=high]")
    expect(count).to_have_text("11 findings")
    page.click("#f-reset")
    expect(count).to_have_text("33 findings")
    # Sorting by severity ascending puts info first; a second click puts critical first.
    header = page.locator("#findings-table th", has_text="Severity")
    header.click()
    assert page.locator("#findings-table tbody tr").first.locator(".badge").inner_text().lower() == "critical"
    header.click()
    assert page.locator("#findings-table tbody tr").first.locator(".badge").inner_text().lower() == "info"
    page.screenshot(path=str(tmp_path / "filtered.png"))
    assert hostile.errors == [] and hostile.pwned() == "undefined"


def test_principal_panel_opens_and_closes(hostile):
    from playwright.sync_api import expect

    page = hostile.page
    page.locator("#principals-table a", has_text=HOSTILE_USER).click()
    panel = page.locator("#panel")
    expect(panel).to_be_visible()
    assert page.inner_text("#panel-body h1") == HOSTILE_USER
    matrix = page.inner_text("#panel-body table.matrix")
    assert "Pinpoint" in matrix and "1 on all" in matrix
    assert "mobiletargeting:DeleteApp" in page.inner_text("#panel-body .excess")
    assert "Findings (2)" in page.inner_text("#panel-body")
    page.click("#panel-close")
    expect(panel).to_be_hidden()
    expect(page.locator("#findings")).to_be_visible()
    assert hostile.errors == [] and hostile.pwned() == "undefined"


def test_resolved_and_expired_are_listed(hostile):
    assert "1 resolved findings" in hostile.page.inner_text("#resolved")
    assert HOSTILE_PROJECT in hostile.page.inner_text("#expired")


def test_100000_findings_load_and_page(browser, tmp_path):
    from playwright.sync_api import expect

    path = tmp_path / "findings.html"
    path.write_bytes(large_report_html()[0])
    started = time.monotonic()
    report = Report(browser, path, timeout_ms=120_000)
    page = report.page
    expect(page.locator("#findings-table .count")).to_have_text("100,000 findings")
    load_seconds = time.monotonic() - started
    assert report.rows() == 100  # one page rendered, not 100,000 rows
    page.locator("#findings-table .pager button", has_text="Next").click()
    assert "101–200 of 100,000" in page.inner_text("#findings-table .pager")
    page.fill("#f-search", "finding 99999)")
    expect(page.locator("#findings-table .count")).to_have_text("1 findings")
    assert load_seconds < 90, f"loading took {load_seconds:.1f} s"
    assert report.errors == []
    page.close()
