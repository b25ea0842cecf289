"""The org-audit evidence report: one self-contained HTML page from an `Inventory`.

Nothing in the page reaches the network: the CSS, the SVG chart and one small script (column
sorting, an enhancement: the page reads and prints without it) are inline, and the page's
Content-Security-Policy allows exactly those two inline blocks, by hash, and nothing else, so no
value could load or run anything even if it slipped through unescaped. Markup is built only by
`_tag`, which escapes every value that is not already markup.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from .inventory import DOCUMENT_KIND, DOCUMENT_VERSION, AccountResult, Inventory, Method, RunInfo

REPORTED_PARAMETERS = ("IgnoreInactiveKeys", "IncludeSigningCertificates")

# Summary bucket (AccountResult.bucket) -> the verdict the report shows, and the order of both.
VERDICTS: dict[str, str] = {
    "non_compliant": "NON_COMPLIANT",
    "could_not_audit": "COULD NOT AUDIT",
    "compliant": "COMPLIANT",
    "skipped": "SKIPPED",
}
_CHART_ORDER = ("compliant", "non_compliant", "could_not_audit", "skipped")
_CHART_LABELS = {
    "compliant": "Compliant",
    "non_compliant": "Non-compliant",
    "could_not_audit": "Could not audit",
    "skipped": "Skipped",
}
_NONE = "—"  # no value: not audited, nothing to count, or not something the method can tell
_METHODS = {Method.ASSUME_ROOT: "AssumeRoot", Method.CALLER: "caller's credentials", Method.NONE: _NONE}


class Markup(str):
    """Text that already is HTML (made by `_tag` or `_join`); any other value gets escaped."""

    __slots__ = ()


def _escape(value: object) -> Markup:
    if isinstance(value, Markup):
        return value
    if isinstance(value, list | tuple):
        return _join(value)
    return Markup(html.escape(str(value), quote=True))


def _join(children: Iterable[object]) -> Markup:
    return Markup("".join(_escape(child) for child in children if child is not None))


def _attributes(attributes: Mapping[str, object]) -> str:
    """Python names to HTML names: a trailing '_' goes (class_), other '_' become '-' (data_sort)."""
    parts = []
    for name, value in attributes.items():
        if value is None or value is False:
            continue
        html_name = name.rstrip("_").replace("_", "-")
        parts.append(f" {html_name}" if value is True else f' {html_name}="{_escape(value)}"')
    return "".join(parts)


def _tag(tag: str, *children: object, **attributes: object) -> Markup:
    return Markup(f"<{tag}{_attributes(attributes)}>{_join(children)}</{tag}>")


def _void(tag: str, **attributes: object) -> Markup:
    return Markup(f"<{tag}{_attributes(attributes)}>")


# --- values --------------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.replace(microsecond=0)


def _time(moment: datetime, seconds: bool = False) -> Markup:
    utc = _utc(moment)
    shown = utc.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return _tag("time", f"{shown} UTC", datetime=utc.isoformat())


def _date(moment: datetime) -> Markup:
    """The day only, for the account table; the full time is in its title and in the key table."""
    utc = _utc(moment)
    return _tag("time", f"{utc:%Y-%m-%d}", datetime=utc.isoformat(), title=f"{utc:%Y-%m-%d %H:%M} UTC")


def _duration(started: datetime, finished: datetime) -> str:
    seconds = max(0, int((_utc(finished) - _utc(started)).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(hours, "h"), (minutes, "min"), (seconds, "s")]
    return " ".join(f"{value} {unit}" for value, unit in parts if value) or "0 s"


def _yes_no(value: bool | None) -> str:
    return _NONE if value is None else ("yes" if value else "no")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# --- order -------------------------------------------------------------------------------------


def report_order(inventory: Inventory) -> list[AccountResult]:
    """The table's initial order: non-compliant, then could not audit, then the rest; within each,
    the oldest key first (accounts without a dated key after those with one), then compliant before
    skipped, then by account id."""
    now = inventory.run.finished_at
    verdict_rank = {bucket: rank for rank, bucket in enumerate(VERDICTS)}

    def key(account: AccountResult) -> tuple[int, bool, int, int, str]:
        age = account.oldest_key_age_days(now)
        rank = verdict_rank.get(account.bucket, len(VERDICTS))
        return (min(rank, 2), age is None, -(age or 0), rank, account.account_id)

    return sorted(inventory.accounts, key=key)


# --- the account table -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    account: AccountResult
    now: datetime
    management_account_id: str

    @property
    def age(self) -> int | None:
        return self.account.oldest_key_age_days(self.now)


@dataclass(frozen=True)
class _Cell:
    content: object  # text or Markup
    sort: str | int | None = None  # None: no value (sorts last in either direction)


@dataclass(frozen=True)
class _Column:
    key: str
    heading: str
    kind: str | None  # "number" or "text" when sortable, None when not
    cell: Callable[[_Row], _Cell]


def _count_cell(count: int | None) -> _Cell:
    return _Cell(_NONE if count is None else count, count)


def _name_cell(row: _Row) -> _Cell:
    account = row.account
    tags = []
    if account.account_id == row.management_account_id:
        tags.append(_tag("span", "management account", class_="tag"))
    if account.state != "ACTIVE":
        tags.append(_tag("span", account.state, class_="tag state"))
    return _Cell([_tag("span", account.name, class_="name"), *tags], account.name.casefold())


def _verdict_cell(row: _Row) -> _Cell:
    bucket = row.account.bucket
    return _Cell(_tag("span", VERDICTS[bucket], class_=f"verdict {bucket}"), list(VERDICTS).index(bucket))


def _last_use_cell(row: _Row) -> _Cell:
    last = row.account.last_key_use
    if last is not None:
        return _Cell(_date(last), _utc(last).isoformat())
    return _Cell("never" if row.account.active_keys or row.account.inactive_keys else _NONE)


def _certificates_cell(row: _Row) -> _Cell:
    credentials = row.account.credentials
    if credentials is None:
        return _Cell(_NONE)
    certificates = credentials.signing_certificates
    active = sum(certificate.status == "Active" for certificate in certificates)
    return _Cell(f"{len(certificates)} ({active} active)" if certificates else "0", len(certificates))


def _password_cell(row: _Row) -> _Cell:
    password = row.account.credentials.password if row.account.credentials else None
    return _Cell(_yes_no(password), None if password is None else _yes_no(password))


def _mfa_cell(row: _Row) -> _Cell:
    credentials = row.account.credentials
    devices = credentials.mfa_devices if credentials else None
    if devices is None:
        # The caller path reads only the account summary's flag: on or off, no device count.
        enabled = credentials.mfa_enabled if credentials else None
        return _Cell(_NONE) if enabled is None else _Cell("on" if enabled else "none", int(enabled))
    return _Cell(_plural(len(devices), "device") if devices else "none", len(devices))


def _method_cell(row: _Row) -> _Cell:
    method = row.account.method
    return _Cell(_METHODS.get(method, method.value), None if method is Method.NONE else method.value)


def _notes_cell(row: _Row) -> _Cell:
    account = row.account
    lines = []
    if account.error:
        lines.append(_tag("p", _tag("strong", "Error: "), account.error, class_="error"))
    if account.annotation:
        lines.append(_tag("p", account.annotation))
    lines += [_tag("p", note) for note in account.notes]
    return _Cell(lines)


COLUMNS: tuple[_Column, ...] = (
    _Column(
        "account_id",
        "Account ID",
        "text",
        lambda r: _Cell(_tag("code", r.account.account_id), r.account.account_id),
    ),
    _Column("name", "Name", "text", _name_cell),
    _Column("verdict", "Verdict", "number", _verdict_cell),
    _Column("active_keys", "Active keys", "number", lambda r: _count_cell(r.account.active_keys)),
    _Column("inactive_keys", "Inactive keys", "number", lambda r: _count_cell(r.account.inactive_keys)),
    _Column("oldest_key_age", "Oldest key age (days)", "number", lambda r: _count_cell(r.age)),
    _Column("last_key_use", "Last key use (UTC)", "text", _last_use_cell),
    _Column("signing_certificates", "Signing certificates", "number", _certificates_cell),
    _Column("password", "Console password", "text", _password_cell),
    _Column("mfa", "MFA", "number", _mfa_cell),
    _Column("method", "Method", "text", _method_cell),
    _Column("notes", "Notes / error", None, _notes_cell),
)


def _main_row(row: _Row) -> Markup:
    cells = []
    for column in COLUMNS:
        cell = column.cell(row)
        sort = "" if cell.sort is None else cell.sort
        cells.append(
            _tag("td", cell.content, class_=f"col-{column.key}", data_sort=sort if column.kind else None)
        )
    return _tag("tr", cells, class_="main")


def _key_table(row: _Row) -> Markup | None:
    credentials = row.account.credentials
    if credentials is None or not credentials.access_keys:
        return None
    heads = ["Access key ID", "Status", "Created", "Age (days)", "Last used", "Service", "Region"]
    body = [
        _tag(
            "tr",
            _tag("td", _tag("code", key.access_key_id)),
            _tag("td", key.status, class_="key-status"),
            _tag("td", _time(key.created) if key.created else _NONE),
            _tag("td", (row.now - key.created).days if key.created else _NONE),
            _tag("td", _time(key.last_used) if key.last_used else "never"),
            _tag("td", key.last_used_service or _NONE),
            _tag("td", key.last_used_region or _NONE),
            data_key_id=key.access_key_id,
        )
        for key in credentials.access_keys
    ]
    caption = "Root access keys"
    if not credentials.exact:
        caption += " (from the IAM credential report: key slots, not exact key ids)"
    return _tag(
        "table",
        _tag("caption", caption),
        _tag("thead", _tag("tr", [_tag("th", head, scope="col") for head in heads])),
        _tag("tbody", body),
        class_="keys",
    )


def _certificate_list(row: _Row) -> Markup | None:
    credentials = row.account.credentials
    if credentials is None or not credentials.signing_certificates:
        return None
    items = [
        _tag(
            "li",
            _tag("code", certificate.certificate_id),
            f" {certificate.status}, uploaded ",
            _time(certificate.uploaded) if certificate.uploaded else "at an unknown time",
        )
        for certificate in credentials.signing_certificates
    ]
    return _tag("div", "Root signing certificates:", _tag("ul", items), class_="certificates")


def _account_body(row: _Row, position: int) -> Markup:
    details = [part for part in (_key_table(row), _certificate_list(row)) if part is not None]
    detail_row = _tag("tr", _tag("td", details, colspan=len(COLUMNS)), class_="detail") if details else None
    return _tag(
        "tbody",
        _main_row(row),
        detail_row,
        class_=f"account {row.account.bucket}",
        data_account_id=row.account.account_id,
        data_bucket=row.account.bucket,
        data_initial=position,
    )


def _accounts_section(inventory: Inventory) -> Markup:
    run = inventory.run
    rows = [_Row(account, run.finished_at, run.management_account_id) for account in report_order(inventory)]
    headings = [
        _tag(
            "th",
            column.heading,
            scope="col",
            class_=f"col-{column.key}",
            data_column=column.key,
            data_type=column.kind,
        )
        for column in COLUMNS
    ]
    table = _tag(
        "table",
        _tag("thead", _tag("tr", headings)),
        [_account_body(row, position) for position, row in enumerate(rows)],
        id="accounts",
    )
    hint = _tag(
        "p",
        "Order: non-compliant accounts first, then those that could not be audited, then by the age of the "
        "oldest root access key, oldest first. Click a column heading to sort by it, click again to reverse; "
        "accounts with no value in that column stay at the end.",
        class_="hint",
    )
    empty = _tag("p", "No accounts were in scope.", class_="empty") if not rows else None
    return _tag(
        "section",
        _tag("h2", "Accounts"),
        hint,
        empty,
        _tag("div", table, class_="wide"),
        id="accounts-section",
    )


# --- run, summary, how to read, references -----------------------------------------------------


def _fact(label: str, field: str, value: object) -> Markup:
    return _tag("div", _tag("dt", label), _tag("dd", value, data_field=field))


def _parameters(options: Mapping[str, str]) -> Markup:
    names = list(REPORTED_PARAMETERS) + [name for name in options if name not in REPORTED_PARAMETERS]
    rows = [
        _tag(
            "tr",
            _tag("th", _tag("code", name), scope="row"),
            _tag("td", _tag("code", options.get(name, "not recorded"))),
        )
        for name in names
    ]
    return _tag("table", _tag("tbody", rows), class_="parameters", id="parameters")


def _run_section(run: RunInfo) -> Markup:
    facts = [
        _fact("Run by (caller)", "caller_arn", _tag("code", run.caller_arn)),
        _fact("Organization", "organization_id", _tag("code", run.organization_id)),
        _fact("Management account", "management_account_id", _tag("code", run.management_account_id)),
        _fact("Scope", "scope", run.scope),
        _fact("Region", "region", _tag("code", run.region)),
        _fact("Started", "started_at", _time(run.started_at, seconds=True)),
        _fact("Finished", "finished_at", _time(run.finished_at, seconds=True)),
        _fact("Duration", "duration", _duration(run.started_at, run.finished_at)),
        _fact("Tool", "tool_version", f"rootkeys {run.tool_version}"),
    ]
    return _tag(
        "section",
        _tag("h2", "The run"),
        _tag("dl", facts, class_="facts"),
        _tag("h3", "Rule parameters"),
        _parameters(run.options),
        id="run",
    )


_BAR_LEFT, _BAR_TRACK, _BAR_PITCH = 130, 240, 30  # SVG units: label width, bar length, row height


def _bar(index: int, bucket: str, count: int, total: int) -> Markup:
    y = index * _BAR_PITCH
    width = round(_BAR_TRACK * count / total, 1) if total else 0
    return _tag(
        "g",
        _tag("text", _CHART_LABELS[bucket], x=0, y=y + 19, class_="label"),
        _tag("rect", x=_BAR_LEFT, y=y + 5, width=_BAR_TRACK, height=20, class_="track"),
        _tag("rect", x=_BAR_LEFT, y=y + 5, width=width, height=20, class_=f"bar {bucket}"),
        _tag("text", count, x=_BAR_LEFT + _BAR_TRACK + 8, y=y + 19, class_="value", data_bucket=bucket),
    )


def _chart(summary: Mapping[str, int]) -> Markup:
    """Horizontal bars, one per bucket, each with its count written beside it."""
    total = summary["accounts"]
    width, height = _BAR_LEFT + _BAR_TRACK + 50, _BAR_PITCH * len(_CHART_ORDER)
    return _tag(
        "svg",
        _tag("title", f"Accounts by verdict, {total} in all"),
        [_bar(index, bucket, summary[bucket], total) for index, bucket in enumerate(_CHART_ORDER)],
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {height}",
        width=width,
        height=height,
        role="img",
        class_="chart",
    )


def _counts(summary: Mapping[str, int]) -> Markup:
    total = summary["accounts"]
    rows = [
        _tag(
            "tr",
            _tag("th", _tag("span", class_=f"swatch {bucket}"), _CHART_LABELS[bucket], scope="row"),
            _tag("td", summary[bucket], class_="count"),
            _tag("td", f"{100 * summary[bucket] / total:.0f} %" if total else _NONE, class_="share"),
            data_bucket=bucket,
        )
        for bucket in _CHART_ORDER
    ]
    total_row = _tag(
        "tr",
        _tag("th", "Accounts in scope", scope="row"),
        _tag("td", total, class_="count"),
        _tag("td"),
        class_="total",
        data_bucket="accounts",
    )
    return _tag("table", _tag("tbody", rows, total_row), class_="counts", id="counts")


def _summary_section(summary: Mapping[str, int]) -> Markup:
    audited = summary["compliant"] + summary["non_compliant"]
    note = _tag(
        "p",
        f"{audited} of {summary['accounts']} accounts were audited and got a verdict. ",
        "Accounts that could not be audited are not compliant: they need another run or a check by hand.",
        class_="note",
    )
    return _tag(
        "section",
        _tag("h2", "Summary"),
        _tag("div", _chart(summary), _counts(summary), class_="summary"),
        note,
        id="summary",
    )


def _verdict_meanings(options: Mapping[str, str]) -> list[Markup]:
    inactive = (
        "In this run inactive keys were accepted (IgnoreInactiveKeys is true): an account whose root "
        "keys are all inactive is compliant."
        if options.get("IgnoreInactiveKeys", "").lower() == "true"
        else "Inactive keys count too (IgnoreInactiveKeys is false): a deactivated key still exists and can "
        "be switched back on."
    )
    certificates = (
        " Root signing certificates count as well (IncludeSigningCertificates is true)."
        if options.get("IncludeSigningCertificates", "").lower() == "true"
        else ""
    )
    meanings = {
        "compliant": "The root user has no access key that counts. " + inactive + certificates,
        "non_compliant": "The root user has at least one access key that counts: delete it (deactivating is "
        "not enough). The key ids, their age and last use are listed under the account." + certificates,
        "could_not_audit": "The root user's credentials could not be read; the error says why. This is never "
        "a pass: nothing is known about the account until it is audited again or checked by hand.",
        "skipped": "The account was not audited, on purpose (for example because it is suspended or "
        "closing); the notes say why. The report states nothing about its root user.",
    }
    return [
        _tag("div", _tag("dt", _tag("span", VERDICTS[bucket], class_=f"verdict {bucket}")), _tag("dd", text))
        for bucket, text in meanings.items()
    ]


def _reading_section(run: RunInfo) -> Markup:
    columns = [
        "Key ages are whole days from a key's creation to the end of the run; times are UTC.",
        f"{_NONE} means no value: the account was not audited, it has no key, or the method cannot tell.",
        "Method AssumeRoot: a short root session from sts:AssumeRoot with the IAMAuditRootUserCredentials "
        "task policy, which lists the exact root credentials. Method caller's credentials: the account "
        "running the audit read its own IAM account summary and credential report, as the Config rule does.",
    ]
    return _tag(
        "section",
        _tag("h2", "How to read this report"),
        _tag("dl", _verdict_meanings(run.options), class_="meanings"),
        _tag("ul", [_tag("li", text) for text in columns]),
        id="reading",
    )


def _references_section(run: RunInfo) -> Markup:
    items = [_tag("li", reference) for reference in run.references]
    listing = _tag("ul", items) if items else _tag("p", "The run recorded no framework references.")
    return _tag(
        "section",
        _tag("h2", "Framework references"),
        _tag("p", "The control this report gives evidence for, as the rule's policy maps it:"),
        listing,
        id="references",
    )


def _header(run: RunInfo) -> Markup:
    lead = (
        "For every AWS account in scope, this report records whether the account's root user has access "
        "keys, what else is known about its root credentials, and how that was established. A root access "
        "key carries the root user's unlimited power with no sign-in and no MFA, so none should exist: that "
        "is the CIS AWS Foundations Benchmark recommendation on root access keys and the AWS Foundational "
        "Security Best Practices control IAM.4."
    )
    return _tag(
        "header",
        _tag("p", f"Evidence report · rootkeys {run.tool_version}", class_="kicker"),
        _tag("h1", "Root user credential inventory"),
        _tag(
            "p",
            "Organization ",
            _tag("code", run.organization_id),
            " · finished ",
            _time(run.finished_at),
            class_="subtitle",
        ),
        _tag("p", lead, class_="lead"),
    )


def _footer(run: RunInfo) -> Markup:
    return _tag(
        "footer",
        _tag(
            "p",
            f"Generated by rootkeys {run.tool_version} from the run's inventory; the same data is available "
            f"as a JSON document (kind {DOCUMENT_KIND}, version {DOCUMENT_VERSION}). No credential or secret "
            "is part of this report.",
        ),
    )


# --- the document ------------------------------------------------------------------------------

_CSS = """
:root { --ok: #1a7f37; --bad: #b42318; --warn: #9a5b00; --skip: #5f6b7a; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1500px; padding: 24px; color: #1f2328; background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 28px 0 10px; font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { margin: 16px 0 6px; font-size: 15px; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-size: 12px; }
.subtitle { margin: 0 0 8px; color: var(--muted); }
.lead { max-width: 70em; margin: 0; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 6px 24px;
  margin: 0; }
.facts div { min-width: 0; }
.facts dt { color: var(--muted); font-size: 12px; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; }
.parameters th, .parameters td { text-align: left; padding: 2px 16px 2px 0; font-weight: normal; }
.summary { display: flex; flex-wrap: wrap; align-items: center; gap: 16px 40px; }
.chart text { font-size: 13px; fill: #1f2328; }
.chart .value { font-weight: bold; }
.chart .track { fill: #eef1f4; }
.bar.compliant, .swatch.compliant { fill: var(--ok); background: var(--ok); }
.bar.non_compliant, .swatch.non_compliant { fill: var(--bad); background: var(--bad); }
.bar.could_not_audit, .swatch.could_not_audit { fill: var(--warn); background: var(--warn); }
.bar.skipped, .swatch.skipped { fill: var(--skip); background: var(--skip); }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 8px; border-radius: 2px; }
.counts th, .counts td { text-align: left; padding: 3px 14px 3px 0; font-weight: normal; }
.counts .count { text-align: right; font-weight: bold; font-variant-numeric: tabular-nums; }
.counts .total th, .counts .total td { border-top: 1px solid var(--line); font-weight: bold; }
.note, .hint { color: var(--muted); max-width: 70em; }
.wide { overflow-x: auto; }
#accounts { width: 100%; font-size: 13px; }
#accounts > thead th { background: #f6f8fa; text-align: left;
  vertical-align: bottom; padding: 6px; border-bottom: 2px solid var(--line); font-weight: 600; }
#accounts > thead th button { margin: 0; padding: 0; border: 0; background: none; color: inherit;
  font: inherit; text-align: inherit; cursor: pointer; }
#accounts > thead th button:focus-visible { outline: 2px solid #0969da; }
#accounts > thead th button::after { content: " \\2195"; color: var(--muted); }
#accounts > thead th[aria-sort="ascending"] button::after { content: " \\25B2"; color: #1f2328; }
#accounts > thead th[aria-sort="descending"] button::after { content: " \\25BC"; color: #1f2328; }
#accounts > tbody { border-bottom: 1px solid var(--line); }
#accounts > tbody > tr > td { padding: 6px; vertical-align: top; }
#accounts td.col-active_keys, #accounts td.col-inactive_keys, #accounts td.col-oldest_key_age,
#accounts td.col-signing_certificates, #accounts td.col-mfa {
  text-align: right; font-variant-numeric: tabular-nums; }
#accounts td.col-name { min-width: 9em; }
#accounts td.col-notes { min-width: 16em; max-width: 30em; }
#accounts td.col-notes p { margin: 0 0 4px; }
#accounts time { white-space: nowrap; }
#accounts tbody.non_compliant > tr.main { background: #fff5f4; }
#accounts tbody.could_not_audit > tr.main { background: #fff8eb; }
.name { overflow-wrap: anywhere; }
.tag { display: inline-block; white-space: nowrap; margin: 2px 4px 0 0; padding: 0 5px;
  border: 1px solid var(--line); border-radius: 8px; font-size: 11px; color: var(--muted); }
.verdict { display: inline-block; padding: 1px 6px; border-radius: 4px; font-weight: 700; font-size: 12px;
  white-space: nowrap; border: 1px solid currentColor; }
.verdict.compliant { color: var(--ok); background: #eaf6ec; }
.verdict.non_compliant { color: #fff; background: var(--bad); border-color: var(--bad); }
.verdict.could_not_audit { color: var(--warn); background: #fff1d6; }
.verdict.skipped { color: var(--skip); background: #f1f3f5; }
.error { color: var(--bad); }
tr.detail > td { padding: 0 6px 8px 24px !important; }
table.keys { font-size: 12px; margin: 0; }
table.keys caption { text-align: left; color: var(--muted); padding: 2px 0; }
table.keys th, table.keys td { text-align: left; padding: 2px 14px 2px 0; font-weight: normal; }
table.keys th { color: var(--muted); border-bottom: 1px solid var(--line); }
.certificates { font-size: 12px; color: var(--muted); }
.certificates ul { margin: 2px 0; padding-left: 18px; }
.meanings div { margin-bottom: 6px; }
.meanings dt { float: left; width: 11em; }
.meanings dd { margin-left: 11em; max-width: 60em; }
#reading ul, #references ul { padding-left: 20px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  body { max-width: none; padding: 0; font-size: 9pt; }
  h2 { break-after: avoid; }
  .hint { display: none; }
  .wide { overflow: visible; }
  #accounts { font-size: 8pt; }
  table.keys, .certificates { font-size: 7.5pt; }
  #accounts > thead { display: table-header-group; }
  #accounts > thead th button::after { content: none; }
  #accounts > tbody { break-inside: avoid; }
  .summary, #reading, #references { break-inside: avoid; }
}
"""

_JS = """
(() => {
  "use strict";
  const table = document.getElementById("accounts");
  if (!table || !table.tHead) return;
  const headers = Array.from(table.tHead.rows[0].cells);
  const value = (body, index) => {
    const cell = body.rows[0].cells[index];
    const text = cell ? cell.getAttribute("data-sort") : null;
    return text === null || text === "" ? null : text;
  };
  const compare = (index, numeric, direction) => (a, b) => {
    const x = value(a, index);
    const y = value(b, index);
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
    } else {
      const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      if (order !== 0) return order * direction;
    }
    return Number(a.dataset.initial) - Number(b.dataset.initial);
  };
  const sortBy = (header) => {
    const direction = header.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    headers.forEach((other) => other.removeAttribute("aria-sort"));
    header.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
    const numeric = header.dataset.type === "number";
    const bodies = Array.from(table.tBodies).sort(compare(header.cellIndex, numeric, direction));
    bodies.forEach((body) => table.appendChild(body));
  };
  headers.filter((header) => header.dataset.type).forEach((header) => {
    const button = document.createElement("button");
    button.type = "button";
    button.append(...header.childNodes);
    button.addEventListener("click", () => sortBy(header));
    header.appendChild(button);
  });
  table.classList.add("sortable");
})();
"""


def _sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {_sha256_source(_CSS)}; script-src {_sha256_source(_JS)}; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def render_html(inventory: Inventory) -> str:
    """The evidence report for one org-audit run: a complete, self-contained HTML5 document."""
    run = inventory.run
    head = _join(
        [
            _void("meta", charset="utf-8"),
            _void("meta", name="viewport", content="width=device-width, initial-scale=1"),
            _void("meta", http_equiv="Content-Security-Policy", content=CONTENT_SECURITY_POLICY),
            _void("meta", name="generator", content=f"rootkeys {run.tool_version}"),
            _tag(
                "title", f"Root credential inventory, {run.organization_id}, {_utc(run.finished_at):%Y-%m-%d}"
            ),
            Markup(f"<style>{_CSS}</style>"),
        ]
    )
    body = _join(
        [
            _header(run),
            _tag(
                "main",
                _run_section(run),
                _summary_section(inventory.summary()),
                _accounts_section(inventory),
                _reading_section(run),
                _references_section(run),
            ),
            _footer(run),
            Markup(f"<script>{_JS}</script>"),
        ]
    )
    return f'<!DOCTYPE html>\n<html lang="en">\n<head>{head}</head>\n<body>{body}</body>\n</html>\n'
