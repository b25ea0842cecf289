"""The org-audit HTML report in a real browser: Debian's Chromium, headless, driven by Playwright.

What it shows (summary numbers, one row per account, the verdicts), what it does (sorting by key
age, both ways), that it works without JavaScript and prints, and that it made no request outside
the file itself. Playwright launches /usr/bin/chromium with its own fresh, temporary
--user-data-dir; it never downloads a browser. `bash .ci/run` installs Chromium when it is
missing; these tests fail, never skip, without it.
"""

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from org_fleet import HOSTILE_NAME, mixed_fleet
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright

from rootkeys.org.html_report import render_html

CHROMIUM = Path("/usr/bin/chromium")
INSTALL = "apt-get update && apt-get install -y --no-install-recommends chromium"
# The flags this machine needs (no GPU, no sandbox as root, nothing that calls home); Playwright
# adds --headless and a new empty --user-data-dir.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
expect.set_options(timeout=20_000)  # assertions wait for their condition; a loaded machine may be slow
LOCAL_SCHEMES = {"file", "data", "about"}
# Installed before any script of the page runs; the page's CSP reports what it blocks here.
RECORD_CSP_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) =>
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`));
"""
INVENTORY = mixed_fleet()
DOCUMENT = INVENTORY.to_json()
VERDICT_OF_STATUS = {"could_not_audit": "COULD NOT AUDIT", "skipped": "SKIPPED"}


@dataclass
class OpenReport:
    page: Page
    requests: list[str] = field(default_factory=list)  # every request the page made
    blocked: list[str] = field(default_factory=list)  # requests that would have left the machine
    problems: list[str] = field(default_factory=list)  # script errors, console errors, dialogs

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__violations")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Debian's Chromium is not installed ({CHROMIUM} is missing); the HTML report's browser test "
            f"needs it. Install it with: {INSTALL}   (bash .ci/run does this on CI)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS, timeout=60_000
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def report_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("org-report") / "org-report.html"
    path.write_text(render_html(INVENTORY), encoding="utf-8")
    return path.as_uri()


def _allow_local_only(route: Route, opened: OpenReport) -> None:
    if urlsplit(route.request.url).scheme in LOCAL_SCHEMES:
        route.continue_()
    else:
        opened.blocked.append(route.request.url)
        route.abort("blockedbyclient")


def open_report(browser: Browser, url: str, javascript: bool = True) -> tuple[OpenReport, BrowserContext]:
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, java_script_enabled=javascript)
    page = context.new_page()
    opened = OpenReport(page)
    context.on("request", lambda request: opened.requests.append(request.url))
    context.route("**/*", lambda route, _request: _allow_local_only(route, opened))
    page.on("pageerror", lambda error: opened.problems.append(f"page error: {error}"))
    page.on("console", lambda message: message.type == "error" and opened.problems.append(message.text))
    page.on("dialog", lambda dialog: (opened.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    page.goto(url, wait_until="load")
    return opened, context


@pytest.fixture
def report(browser: Browser, report_url: str) -> Iterator[OpenReport]:
    opened, context = open_report(browser, report_url)
    yield opened
    context.close()


def table_order(page: Page) -> list[str]:
    return page.eval_on_selector_all("#accounts > tbody", "bodies => bodies.map(b => b.dataset.accountId)")


def key_age(account: dict) -> int | None:
    return account["oldest_key_age_days"]


def expected_initial_order() -> list[str]:
    """From the JSON document: non-compliant, could not audit, the rest; oldest key first."""
    rank = {"NON_COMPLIANT": 0, "COULD NOT AUDIT": 1}

    def position(account: dict) -> tuple:
        age = key_age(account)
        verdict = expected_verdict(account)
        return (rank.get(verdict, 2), age is None, -(age or 0), verdict == "SKIPPED", account["account_id"])

    return [account["account_id"] for account in sorted(DOCUMENT["accounts"], key=position)]


def expected_verdict(account: dict) -> str:
    if account["status"] == "audited":
        return "COMPLIANT" if account["compliance"] == "COMPLIANT" else "NON_COMPLIANT"
    return VERDICT_OF_STATUS[account["status"]]


def png_facts(data: bytes) -> tuple[int, int, int]:
    """Width, height and the number of distinct (filtered) pixel rows of a non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        position += 12 + length
    assert header is not None, "PNG without IHDR"
    width, height, depth, color, _, _, interlace = header
    assert interlace == 0 and depth == 8 and color in (2, 6), header
    stride = 1 + width * (3 if color == 2 else 4)
    pixels = zlib.decompress(b"".join(idat))
    assert len(pixels) == stride * height
    return width, height, len({pixels[row * stride : (row + 1) * stride] for row in range(height)})


def test_screenshot_is_a_real_picture_of_the_report(report, tmp_path):
    shot, full = tmp_path / "org-report.png", tmp_path / "org-report-full.png"
    report.page.screenshot(path=shot)
    report.page.screenshot(path=full, full_page=True)
    width, height, distinct_rows = png_facts(shot.read_bytes())
    assert (width, height) == (VIEWPORT["width"], VIEWPORT["height"])
    assert distinct_rows > 200, f"{shot} looks blank: {distinct_rows} distinct rows"
    full_width, full_height, _ = png_facts(full.read_bytes())
    assert full_width == VIEWPORT["width"] and full_height > 2 * VIEWPORT["height"]
    print(f"screenshots: {shot} {full}")


def test_summary_numbers_are_the_inventorys(report):
    summary = INVENTORY.summary()
    assert summary == DOCUMENT["summary"]
    expect(report.page.locator("#counts")).to_be_visible()
    shown = report.page.eval_on_selector_all(
        "#counts tr[data-bucket]",
        "rows => Object.fromEntries(rows.map(r => [r.dataset.bucket, +r.querySelector('.count').innerText]))",
    )
    assert shown == summary
    bars = report.page.eval_on_selector_all(
        "svg.chart text.value",
        "texts => Object.fromEntries(texts.map(t => [t.dataset.bucket, Number(t.textContent)]))",
    )
    assert bars == {bucket: count for bucket, count in summary.items() if bucket != "accounts"}
    widths = report.page.eval_on_selector_all(
        "svg.chart rect.bar", "bars => bars.map(b => [b.classList[1], b.getBBox().width])"
    )
    track = report.page.eval_on_selector("svg.chart rect.track", "t => t.getBBox().width")
    for bucket, width in widths:
        assert width == pytest.approx(track * summary[bucket] / summary["accounts"], abs=0.1)


def test_every_account_once_with_its_verdict_in_the_initial_order(report):
    table = report.page.inner_text("#accounts")
    for account in DOCUMENT["accounts"]:
        assert table.count(account["account_id"]) == 1, account["account_id"]
    rows = report.page.eval_on_selector_all(
        "#accounts > tbody",
        "bodies => bodies.map(b => [b.rows[0].cells[0].innerText, b.rows[0].cells[2].innerText])",
    )
    assert dict(rows) == {
        account["account_id"]: expected_verdict(account) for account in DOCUMENT["accounts"]
    }
    assert [account_id for account_id, _ in rows] == expected_initial_order()
    assert report.page.locator("#accounts tr[data-key-id]").count() == sum(
        len(account["credentials"]["access_keys"])
        for account in DOCUMENT["accounts"]
        if account["credentials"]
    )
    assert report.problems == []


def test_customer_markup_in_a_name_is_shown_as_text(report):
    name = report.page.locator('#accounts > tbody[data-account-id="555555555555"] .name')
    assert name.inner_text() == HOSTILE_NAME
    assert report.page.locator("script").count() == 1
    assert report.page.locator("#accounts b").count() == 0
    assert report.problems == []  # no alert dialog, no script error


def _sort_and_check(report: OpenReport, column: str, direction: str) -> list[str]:
    header = report.page.locator(f'#accounts th[data-column="{column}"]')
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", direction)
    return table_order(report.page)


def test_key_age_header_sorts_both_ways_with_keyless_accounts_last(report):
    initial = expected_initial_order()
    ages = {account["account_id"]: key_age(account) for account in DOCUMENT["accounts"]}
    keyless = [account_id for account_id in initial if ages[account_id] is None]
    with_age = sorted((account_id for account_id in initial if ages[account_id] is not None), key=ages.get)
    assert len(with_age) == 4 and len(set(map(ages.get, with_age))) == 4  # distinct ages: one right order

    assert _sort_and_check(report, "oldest_key_age", "ascending") == with_age + keyless
    shown = report.page.eval_on_selector_all(
        "#accounts > tbody td.col-oldest_key_age", "cells => cells.map(c => c.innerText)"
    )
    assert shown[: len(with_age)] == [str(ages[account_id]) for account_id in with_age]
    assert _sort_and_check(report, "oldest_key_age", "descending") == with_age[::-1] + keyless


def test_other_columns_sort_too(report):
    ids = sorted(account["account_id"] for account in DOCUMENT["accounts"])
    assert _sort_and_check(report, "account_id", "ascending") == ids
    assert _sort_and_check(report, "account_id", "descending") == ids[::-1]
    by_verdict = _sort_and_check(report, "verdict", "ascending")
    verdicts = {account["account_id"]: expected_verdict(account) for account in DOCUMENT["accounts"]}
    order = ["NON_COMPLIANT", "COULD NOT AUDIT", "COMPLIANT", "SKIPPED"]
    assert [order.index(verdicts[account_id]) for account_id in by_verdict] == sorted(
        order.index(verdict) for verdict in verdicts.values()
    )
    expect(report.page.locator('#accounts th[data-column="account_id"]')).not_to_have_attribute(
        "aria-sort", ""
    )


def test_no_request_leaves_the_file(report, report_url):
    _sort_and_check(report, "oldest_key_age", "ascending")
    assert report.requests[0] == report_url  # the recorder saw the page itself
    assert [url for url in report.requests if urlsplit(url).scheme not in LOCAL_SCHEMES] == []
    assert report.blocked == []
    assert report.violations() == []  # the CSP had nothing to refuse either
    assert report.problems == []


def test_the_request_recorder_would_see_an_outside_request(browser, tmp_path):
    canary = tmp_path / "canary.html"
    canary.write_text('<!DOCTYPE html><title>canary</title><img src="http://127.0.0.1:9/pixel.png" alt="">')
    opened, context = open_report(browser, canary.as_uri())
    try:
        assert opened.blocked == ["http://127.0.0.1:9/pixel.png"]
        assert "http://127.0.0.1:9/pixel.png" in opened.requests
    finally:
        context.close()


def test_readable_without_javascript(browser, report_url):
    opened, context = open_report(browser, report_url, javascript=False)
    try:
        page = opened.page
        assert table_order(page) == expected_initial_order()  # read by the test, not by the page
        assert page.locator("#accounts thead button").count() == 0
        expect(page.locator("#accounts > tbody").first).to_be_visible()
        counts = page.locator("#counts tr.total td.count")
        expect(counts).to_have_text(str(INVENTORY.summary()["accounts"]))
    finally:
        context.close()


def test_prints_without_the_sorting_hint(report):
    report.page.emulate_media(media="print")
    expect(report.page.locator("#accounts-section .hint")).to_be_hidden()
    pdf = report.page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF-")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 2
