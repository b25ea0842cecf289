"""The org-audit HTML report as text: valid HTML5, escaped, self-contained, made from the JSON form
alone. What a browser shows and does with it: test_org_html_report.py."""

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser

import html5lib
import pytest
from org_fleet import FINISHED, HOSTILE_NAME, MANAGEMENT, mixed_fleet
from root_access_keys.metadata import load_policy

from rootkeys.org.html_report import COLUMNS, CONTENT_SECURITY_POLICY, render_html, report_order
from rootkeys.org.inventory import Inventory, RunInfo
from rootkeys.org.references import policy_references


class _Collector(HTMLParser):
    """Tags with their attributes, and the text inside elements of a class."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.names: list[str] = []
        self._in_name = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self._in_name = attributes.get("class") == "name"

    def handle_endtag(self, tag):
        self._in_name = False

    def handle_data(self, data):
        if self._in_name:
            self.names.append(data)


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(mixed_fleet())


def collect(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    return collector


def test_is_html5_without_parse_errors(page):
    assert page.startswith("<!DOCTYPE html>\n")
    html5lib.HTMLParser(strict=True).parse(page)  # raises on any HTML5 parse error


def test_customer_names_are_text_never_markup(page):
    assert HOSTILE_NAME not in page
    assert "<script>alert" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;double&quot; &#x27;single&#x27;" in page
    assert HOSTILE_NAME in collect(page).names
    assert page.count("<script") == 1  # the report's own sorting script


def test_every_value_is_escaped_in_attributes_too():
    inventory = mixed_fleet()
    hostile = '"><img src=x onerror=alert(1)>'
    run = RunInfo(**{**vars(inventory.run), "organization_id": hostile, "tool_version": hostile})
    page = render_html(Inventory(run, inventory.accounts))
    assert "<img" not in page and "onerror=alert(1)>" not in page
    assert page.count("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;") >= 3  # generator meta, header, footer


def test_loads_nothing_from_anywhere(page):
    tags = collect(page).tags
    assert not [t for t, _ in tags if t in {"link", "img", "iframe", "object", "embed", "base", "form"}]
    assert not [a for _, a in tags if "src" in a or "href" in a]
    assert [t for t, a in tags if t == "script"] == ["script"]
    assert not re.search(r"url\(|@import|@font-face", page)
    # The only URL in the page is the SVG namespace name, which is never fetched.
    assert set(re.findall(r"[a-z]+://[^\s\"'<]*", page)) == {"http://www.w3.org/2000/svg"}


def test_content_security_policy_allows_only_the_inline_style_and_script(page):
    meta = [
        a for t, a in collect(page).tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert [m["content"] for m in meta] == [CONTENT_SECURITY_POLICY]
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    for kind, directive in (("style", "style-src"), ("script", "script-src")):
        (body,) = re.findall(rf"<{kind}>(.*?)</{kind}>", page, flags=re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}';" in CONTENT_SECURITY_POLICY


def test_page_is_made_from_the_json_form_alone(page):
    inventory = mixed_fleet()
    assert render_html(Inventory.from_json(inventory.to_json())) == page


def test_one_table_body_per_account_with_one_cell_per_column(page):
    tags = collect(page).tags
    bodies = [a["data-account-id"] for t, a in tags if t == "tbody" and "data-account-id" in a]
    assert sorted(bodies) == sorted(account.account_id for account in mixed_fleet().accounts)
    headings = [a["data-column"] for t, a in tags if t == "th" and "data-column" in a]
    assert headings == [column.key for column in COLUMNS]
    cells = [a for t, a in tags if t == "td" and a.get("class", "").startswith("col-")]
    assert len(cells) == len(COLUMNS) * len(bodies)


def test_initial_order_non_compliant_then_could_not_audit_then_oldest_key():
    order = [account.account_id for account in report_order(mixed_fleet())]
    assert order == [
        "333333333333",  # non-compliant, 1500 days
        "222222222222",  # non-compliant, 900 days
        "444444444444",  # non-compliant, 60 days
        "999999999999",  # non-compliant, 10 days
        "121212121212",  # could not audit
        "666666666666",
        "101010101010",  # compliant, no key
        MANAGEMENT,
        "131313131313",
        "555555555555",
        "888888888888",
        "777777777777",  # skipped
    ]


def test_run_facts_and_parameters_are_shown(page):
    for text in (
        "arn:aws:sts::111111111111:assumed-role/Auditor/alice",
        "o-exampleorg1",
        "2026-03-01 11:56:48 UTC",
        "2026-03-01 12:00:00 UTC",
        "3 min 12 s",
        "rootkeys 0.1.0",
        "<code>IgnoreInactiveKeys</code>",
        "<code>IncludeSigningCertificates</code>",
        "CIS AWS Foundations Benchmark v5.0.0 1.3",
        "AWS Foundational Security Best Practices v1.0.0 IAM.4",
        "AKIAEXAMPLE000000003",
    ):
        assert text in page, text


def test_times_are_shown_in_utc_whatever_zone_they_come_in():
    inventory = mixed_fleet()
    zone = timezone(timedelta(hours=5, minutes=30))
    run = RunInfo(**{**vars(inventory.run), "finished_at": FINISHED.astimezone(zone).replace(tzinfo=None)})
    naive = render_html(Inventory(run, ()))
    assert "2026-03-01 17:30:00 UTC" in naive  # a naive time is taken as UTC
    run = RunInfo(**{**vars(inventory.run), "finished_at": FINISHED.astimezone(zone)})
    assert "2026-03-01 12:00:00 UTC" in render_html(Inventory(run, ()))


def test_empty_inventory_renders():
    run = RunInfo(**{**vars(mixed_fleet().run), "references": (), "options": {}})
    page = render_html(Inventory(run, ()))
    html5lib.HTMLParser(strict=True).parse(page)
    assert "No accounts were in scope." in page
    assert "The run recorded no framework references." in page
    assert page.count("not recorded") == 2  # both rule parameters


def test_policy_references_are_the_cis_sections_and_fsbp_iam4():
    references = policy_references()
    assert references == policy_references(load_policy())
    assert "CIS AWS Foundations Benchmark v1.4.0 1.4" in references
    assert "CIS AWS Foundations Benchmark v5.0.0 1.3" in references
    assert "CIS AWS Foundations Benchmark v1.2.0 1.12" in references
    assert references[-1] == "AWS Foundational Security Best Practices v1.0.0 IAM.4"
    assert all(ref.startswith(("CIS AWS Foundations Benchmark ", "AWS Foundational")) for ref in references)
    cis = [s for s in load_policy().frameworks if s.framework == "CIS AWS Foundations Benchmark"]
    assert len(references) == len(cis) + 1


def test_run_times_keep_whole_seconds_in_machine_readable_form():
    inventory = mixed_fleet()
    started = datetime(2026, 3, 1, 11, 0, 0, 123456, tzinfo=UTC)
    run = RunInfo(**{**vars(inventory.run), "started_at": started})
    page = render_html(Inventory(run, ()))
    assert 'datetime="2026-03-01T11:00:00+00:00"' in page  # HTML allows at most 3 fraction digits
