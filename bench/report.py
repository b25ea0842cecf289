"""Render the benchmark results as markdown (stdout and bench/results.md)."""

import platform
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .cold import ColdResult
from .in_process import ApiCallResult, WarmResult
from .org import OrgResult
from .org_audit_report import details as org_audit_details
from .org_audit_report import rows as org_audit_rows
from .org_audit_results import OrgAuditResult
from .package import LAMBDA_ZIP_LIMIT, PackageSize
from .stats import ratio

LAMBDA_SMALLEST_MEMORY_MB = 128
COLD_GOAL = 1.2
WARM_GOAL = 1.1


@dataclass
class Results:
    api_baseline: int
    api_calls: list[ApiCallResult]
    cold: ColdResult
    warm: WarmResult
    org: OrgResult
    org_audit: OrgAuditResult
    package: tuple[PackageSize | None, PackageSize]
    reliability: dict[str, Any] | None
    settings: dict[str, Any]


def _x(value: float) -> str:
    return f"{value:.2f}x"


def _goal(value: float, goal: float) -> str:
    return f"<= {goal}x: {'met' if value <= goal else 'NOT met'}"


def _main_table(results: Results) -> list[str]:
    rows = ["| # | Measure | Rule | Baseline (same run) | Ratio | Goal |", "|---|---|---|---|---|---|"]
    for scenario in results.api_calls:
        goal = "= 2 (physical minimum)" if scenario.scenario == "compliant" else "-"
        check = "" if scenario.verdict_ok else " WRONG VERDICT"
        rows.append(
            f"| 1 | API calls per evaluation: {scenario.scenario}{check} | {scenario.calls:g} | "
            f"{results.api_baseline} (plain two calls) | {_x(ratio(scenario.calls, results.api_baseline))} | "
            f"{goal} |"
        )
    cold = results.cold
    for label, field in (
        ("repository code, modules compiled: in the interpreter (import + evaluate)", "in_process_s"),
        ("repository code: CPU time of the process", "cpu_s"),
        ("repository code: whole process (incl. interpreter start)", "process_s"),
    ):
        rule, base = cold.median_of("handler", field), cold.median_of("baseline", field)
        goal = _goal(ratio(rule, base), COLD_GOAL) if field == "in_process_s" else "-"
        rows.append(
            f"| 2 | Cold start, {label} | {rule * 1000:.0f} ms | {base * 1000:.0f} ms | "
            f"{_x(ratio(rule, base))} | {goal} |"
        )
    base = cold.median_of("baseline", "in_process_s")
    labels = {
        "zip": "deployment zip as `make package` builds it (bytecode included), read-only as on Lambda",
        "zip-no-pyc": "the same zip without its bytecode: every module compiled on each cold start",
        "candidate": "candidate code root (--candidate)",
    }
    for name, label in labels.items():
        if name in cold.runs:
            rule = cold.median_of(name, "in_process_s")
            # The stripped zip only shows what shipping bytecode saves; the goal is for what ships.
            goal = "-" if name == "zip-no-pyc" else _goal(ratio(rule, base), COLD_GOAL)
            rows.append(
                f"| 2 | Cold start, {label} | {rule * 1000:.0f} ms | {base * 1000:.0f} ms | "
                f"{_x(ratio(rule, base))} | {goal} |"
            )
    warm = results.warm
    rows.append(
        f"| 3 | Warm invocation, wall time | {warm.rule_wall_ms:.2f} ms | {warm.baseline_wall_ms:.2f} ms | "
        f"{_x(ratio(warm.rule_wall_ms, warm.baseline_wall_ms))} | "
        f"{_goal(ratio(warm.rule_wall_ms, warm.baseline_wall_ms), WARM_GOAL)} |"
    )
    rows.append(
        f"| 3 | Warm invocation, client CPU time | {warm.rule_cpu_ms:.2f} ms | "
        f"{warm.baseline_cpu_ms:.2f} ms | "
        f"{_x(ratio(warm.rule_cpu_ms, warm.baseline_cpu_ms))} | - |"
    )
    rss = cold.median_of("handler", "max_rss_kb") / 1024
    base_rss = cold.median_of("baseline", "max_rss_kb") / 1024
    rows.append(
        f"| 4 | Peak RSS, cold evaluation | {rss:.1f} MB | {base_rss:.1f} MB (plain boto3); "
        f"Lambda tier {LAMBDA_SMALLEST_MEMORY_MB} MB | {_x(ratio(rss, base_rss))} of baseline; "
        f"{ratio(rss, LAMBDA_SMALLEST_MEMORY_MB):.0%} of 128 MB | fits 128 MB: "
        f"{'yes' if rss < LAMBDA_SMALLEST_MEMORY_MB else 'NO'} |"
    )
    org = results.org
    rows.append(
        f"| 5 | Organization: evaluations/second over {org.accounts} member accounts | {org.rate:.1f}/s | "
        f"{org.baseline_rate:.1f}/s (plain AssumeRole + two calls, {len(org.baseline_durations)} accounts) | "
        f"{_x(ratio(org.rate, org.baseline_rate))} | - |"
    )
    compliant = [seconds for account, seconds in org.durations.items() if account in org.compliant_accounts]
    rule_ms = statistics.median(compliant) * 1000
    base_ms = statistics.median(org.baseline_durations) * 1000
    rows.append(
        f"| 5 | Organization: median time per compliant member account | {rule_ms:.1f} ms | "
        f"{base_ms:.1f} ms | "
        f"{_x(ratio(rule_ms, base_ms))} | - |"
    )
    per_account = sum(org.requests.values()) / org.accounts
    rows.append(
        f"| 5 | Organization: API calls per member account (mean) | {per_account:.2f} | "
        "3 (AssumeRole + two) | "
        f"{_x(ratio(per_account, 3))} | - |"
    )
    packaged, minimal = results.package
    if packaged is not None:
        rows.append(
            f"| 6 | Deployable zip ({packaged.path}, {packaged.files} files) | "
            f"{packaged.size / 1024:.0f} KiB | "
            f"{minimal.size / 1024:.0f} KiB ({minimal.path}) | {_x(ratio(packaged.size, minimal.size))}; "
            f"{ratio(packaged.size, LAMBDA_ZIP_LIMIT):.2%} of Lambda's 50 MB | - |"
        )
    else:
        rows.append(
            f"| 6 | Deployable zip ({minimal.path}, {minimal.files} files; `make package` zip absent) | "
            f"{minimal.size / 1024:.0f} KiB | Lambda's 50 MB zip limit | "
            f"{ratio(minimal.size, LAMBDA_ZIP_LIMIT):.2%} | - |"
        )
    return rows + org_audit_rows(results.org_audit)


def _details(results: Results) -> list[str]:
    lines = ["", "### API calls counted at the moto server", ""]
    for scenario in results.api_calls:
        lines.append(f"- {scenario.scenario}: {', '.join(scenario.actions)}")
    cold = results.cold
    lines += [
        "",
        "### What the cold start pays for beyond plain boto3 (`python -X importtime`)",
        "",
        f"Import self time, all modules: rule {results.cold.import_self_us['handler'] / 1000:.0f} ms, "
        f"baseline {results.cold.import_self_us['baseline'] / 1000:.0f} ms "
        f"(one run each; importtime adds its own overhead). Import phase median: rule "
        f"{cold.median_of('handler', 'import_s') * 1000:.0f} ms, baseline "
        f"{cold.median_of('baseline', 'import_s') * 1000:.0f} ms. Requests per cold run: "
        f"rule {cold.median_of('handler', 'requests'):g}, "
        f"baseline {cold.median_of('baseline', 'requests'):g}.",
        "",
        "| Module (imported by the rule, not by the baseline) | self ms | cumulative ms |",
        "|---|---|---|",
    ]
    for cost in cold.extra_imports[:12]:
        lines.append(f"| {cost.module} | {cost.self_us / 1000:.1f} | {cost.cumulative_us / 1000:.1f} |")
    warm, org = results.warm, results.org
    lines += [
        "",
        "### Warm reuse and organization isolation",
        "",
        f"- Warm: {warm.invocations} timed invocations, "
        f"{warm.requests_per_invocation:g} requests each at the "
        f"server; own-role clients cached across invocations: {warm.cached_clients} (iam, config).",
        f"- Organization: {org.accounts} member accounts, each its own RootState; requests at the server: "
        + ", ".join(f"{name} {count}" for name, count in sorted(org.requests.items()))
        + ".",
        f"- Wrong verdicts: {len(org.wrong_verdicts)}. IAM/Config requests served for another account, "
        "signed with the function's own key, or with a key seen for another account: "
        f"{len(org.isolation_failures)}. "
        f"Distinct assumed-role access keys: {org.distinct_member_keys} for {org.accounts} accounts. "
        f"Accounts whose emulator call record differs from their own expected calls: "
        f"{len(org.root_model_mismatches)}.",
    ]
    for problem in (org.wrong_verdicts + org.isolation_failures + org.root_model_mismatches)[:10]:
        lines.append(f"  - {problem}")
    lines += org_audit_details(results.org_audit)
    lines += _reliability(results.reliability)
    return lines


def _reliability(tally: dict[str, Any] | None) -> list[str]:
    lines = [
        "",
        "### Reliability suite (tests/test_reliability_*.py, run by `make bench` and `make test`)",
        "",
    ]
    if not tally:
        return [*lines, "Not run (bench/run.py --skip-reliability)."]
    lines += ["| Suite | Counts | Wrong verdicts |", "|---|---|---|"]
    for suite, counts in sorted(tally.get("suites", {}).items()):
        shown = "; ".join(f"{name}: {value}" for name, value in counts.items() if name != "wrong_verdicts")
        lines.append(f"| {suite} | {shown} | {counts.get('wrong_verdicts', 0)} |")
    lines += ["", f"pytest: {tally.get('outcome', 'unknown')}"]
    return lines


def render(results: Results) -> str:
    settings = ", ".join(f"{name}={value}" for name, value in results.settings.items() if name != "org_audit")
    header = [
        "## Benchmark results",
        "",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench` on Python "
        f"{platform.python_version()}, {platform.machine()}; moto server in a child process on 127.0.0.1. "
        f"Medians over repeated runs ({settings}). Ratios are rule / baseline.",
        "",
    ]
    return "\n".join(header + _main_table(results) + _details(results)) + "\n"
