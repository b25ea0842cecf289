"""The org-audit benchmark's rows in the results table and its own section of bench/results.md."""

from rootkeys.org.audit import DEFAULT_CONCURRENCY

from .org_audit_fleet import Kind
from .org_audit_results import KNEE_GAIN, RSS_GOAL_MB, THROUGHPUT_GOAL, AuditRun, OrgAuditResult, knee
from .stats import ratio


def _met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def _worker_seconds_per_account(run: AuditRun) -> float:
    """How long one worker spends on one account (audit phase, every worker busy)."""
    return (run.wall_s - run.setup_s) * run.concurrency / run.accounts


def busy_core_workers(run: AuditRun) -> float:
    """Workers that keep one core busy: an account's time on a worker over its client CPU time.
    Beyond this, one process (one GIL) runs out of CPU before it runs out of work in flight."""
    return _worker_seconds_per_account(run) * 1000 / run.cpu_ms_per_account


def _default_run(runs: list[AuditRun]) -> AuditRun | None:
    return next((run for run in runs if run.concurrency == DEFAULT_CONCURRENCY), None)


def _default_against_baseline(result: OrgAuditResult, runs: list[AuditRun]) -> tuple[AuditRun, float] | None:
    """A sweep's run at the default concurrency and the same-calls baseline's rate at its latency."""
    default, base = _default_run(runs), result.sweep_baseline_rates.get(runs[0].latency_ms)
    return (default, base) if default and base else None


def _other_latency_rows(result: OrgAuditResult) -> list[str]:
    """The default concurrency against the same-calls baseline at each other sweep latency."""
    lines = []
    for runs in result.sweeps:
        compared = _default_against_baseline(result, runs)
        if runs[0].latency_ms == result.settings.latency_ms or compared is None:
            continue
        default, base = compared
        speedup = ratio(default.audit_rate, base)
        lines.append(
            f"| 7 | org-audit at {runs[0].latency_ms:g} ms per request (sweep, {default.accounts} "
            f"accounts), --concurrency {DEFAULT_CONCURRENCY}, accounts/second once listed | "
            f"{default.audit_rate:.1f}/s | "
            f"{base:.1f}/s (the same calls, sequential, plain boto3) | {speedup:.2f}x | "
            f">= {THROUGHPUT_GOAL:g}x: {_met(speedup >= THROUGHPUT_GOAL)} |"
        )
    return lines


def rows(result: OrgAuditResult) -> list[str]:
    full, sequential = result.full, result.sequential
    settings = result.settings
    base_rate = result.baseline_rate
    base = (
        f"{base_rate:.1f}/s (plain boto3, sequential, the same calls, "
        f"{len(result.baseline_durations)} accounts)"
    )
    speedup = ratio(full.rate, base_rate)
    rss_mb = result.peak_rss_mb
    problems = (
        len(result.wrong_verdicts),
        len(result.cross_account),
        len(result.touched),
        len(result.leaks),
    )
    left_alone = result.kinds[Kind.SUSPENDED.value] + result.kinds[Kind.ASSUME_ROOT_DENIED.value]
    return [
        f"| 7 | org-audit: accounts/second, {full.accounts} accounts ({settings.members} members), "
        f"--concurrency {full.concurrency} (default), {settings.latency_ms:g} ms per request, "
        "whole command | "
        f"{full.rate:.1f}/s ({full.wall_s:.1f} s) | {base} | {speedup:.2f}x | "
        f">= {THROUGHPUT_GOAL:g}x: {_met(speedup >= THROUGHPUT_GOAL)} |",
        f"| 7 | org-audit: the same command with --concurrency 1 ({sequential.accounts} accounts) | "
        f"{sequential.rate:.1f}/s | {base_rate:.1f}/s | {ratio(sequential.rate, base_rate):.2f}x | - |",
        f"| 7 | org-audit: --concurrency {full.concurrency} over --concurrency 1, accounts/second once "
        f"listed | {full.audit_rate:.1f}/s | {sequential.audit_rate:.1f}/s (the same command, "
        f"{sequential.accounts} accounts) | {ratio(full.audit_rate, sequential.audit_rate):.2f}x | - |",
        f"| 7 | org-audit: client CPU per account (full run) | {full.cpu_ms_per_account:.1f} ms | "
        f"{result.baseline_cpu_ms_per_account:.1f} ms | "
        f"{ratio(full.cpu_ms_per_account, result.baseline_cpu_ms_per_account):.2f}x | - |",
        f"| 7 | org-audit: API calls per account (full run, mean) | {full.calls_per_account:.2f} | "
        f"{result.baseline_calls_per_account:.2f} (baseline sample) | "
        f"{ratio(full.calls_per_account, result.baseline_calls_per_account):.2f}x | - |",
        f"| 7 | org-audit: peak RSS of the command (VmHWM; highest of all runs, the full run "
        f"{full.max_rss_kb / 1024:.0f} MB) | {rss_mb:.0f} MB | {RSS_GOAL_MB} MB budget | "
        f"{ratio(rss_mb, RSS_GOAL_MB):.0%} of budget | < {RSS_GOAL_MB} MB: {_met(rss_mb < RSS_GOAL_MB)} |",
        "| 7 | org-audit, every run: wrong verdicts / cross-account credential uses / suspended or denied "
        f"members touched (of {left_alone}) / credentials in the output | "
        f"{' / '.join(str(count) for count in problems)} | - | - | 0 / 0 / 0 / 0: "
        f"{_met(not any(problems))} |",
        *_other_latency_rows(result),
    ]


def _sweep_table(runs: list[AuditRun]) -> list[str]:
    best = knee(runs)
    lines = [
        "| --concurrency | accounts/s once listed | accounts/s, whole command | client CPU per account | "
        "server CPU per account | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        mark = " (default)" if run.concurrency == DEFAULT_CONCURRENCY else ""
        mark += " (knee)" if run is best else ""
        lines.append(
            f"| {run.concurrency}{mark} | {run.audit_rate:.1f}/s | {run.rate:.1f}/s | "
            f"{run.cpu_ms_per_account:.1f} ms | {run.server_cpu_s * 1000 / run.accounts:.1f} ms | "
            f"{run.max_rss_kb / 1024:.0f} MB |"
        )
    return lines


def _default_verdict(result: OrgAuditResult) -> list[str]:
    lines = []
    for runs in result.sweeps:
        best, at = knee(runs), max(runs, key=lambda run: run.audit_rate)
        default = _default_run(runs)
        share = f"{ratio(default.audit_rate, at.audit_rate):.0%}" if default else "not measured"
        compared = _default_against_baseline(result, runs)
        if compared is not None:
            default, base = compared
            speedup = ratio(default.audit_rate, base)
            lines.append(
                f"- {runs[0].latency_ms:g} ms per request: the default {DEFAULT_CONCURRENCY} audits "
                f"{default.audit_rate:.1f} accounts/s once listed, {speedup:.1f}x the same calls made "
                f"sequentially with plain boto3 at this latency ({base:.1f}/s): goal >= "
                f"{THROUGHPUT_GOAL:g}x {_met(speedup >= THROUGHPUT_GOAL)}."
            )
        lines.append(
            f"- {runs[0].latency_ms:g} ms per request, {runs[0].accounts} accounts: the knee (the next "
            f"setting adds less than {KNEE_GAIN:.0%}) is {best.concurrency}; the default "
            f"{DEFAULT_CONCURRENCY} reaches {share} of the best rate measured ({at.audit_rate:.1f}/s at "
            f"{at.concurrency}). One core is "
            f"kept busy by about {busy_core_workers(runs[0]):.0f} workers (an account's time on a worker at "
            f"--concurrency {runs[0].concurrency} over its client CPU time)."
        )
    return lines


def details(result: OrgAuditResult) -> list[str]:
    full, settings = result.full, result.settings
    kinds = ", ".join(f"{kind} {count}" for kind, count in result.kinds.most_common())
    lines = [
        "",
        "### org-audit at organization scale (`bench/org_audit.py`)",
        "",
        f"An emulated organization (rootkeys_dev.org_emulator on moto, in a child process) of "
        f"{settings.members} member accounts plus the management account: {kinds}. Every AWS request "
        f"waits a fixed latency in a WSGI wrapper before moto answers. Each audit is `rootkeys org-audit "
        f"--json` through the CLI's entry point in a fresh interpreter (bench/org_audit_probe.py). Full "
        f"run: {full.wall_s:.1f} s, of which {full.setup_s:.1f} s preflight and listing; exit code "
        f"{full.exit_code} (the denied members cannot be audited); client CPU {full.cpu_s:.1f} s, server "
        f"CPU {full.server_cpu_s:.1f} s.",
        "",
        "Requests at the server in the full run: "
        + ", ".join(f"{name} {count}" for name, count in sorted(full.requests.items()))
        + ".",
        "",
        "Concurrency sweeps (the same accounts at each setting, spread through the organization):",
        "",
    ]
    for runs in result.sweeps:
        lines += [f"{runs[0].latency_ms:g} ms per request, {runs[0].accounts} accounts:", ""]
        lines += [*_sweep_table(runs), ""]
    lines += _default_verdict(result)
    latency_ceiling = DEFAULT_CONCURRENCY * result.baseline_calls_per_account / full.calls_per_account
    cpu_rate = 1000 / full.cpu_ms_per_account
    cpu_ceiling = ratio(cpu_rate, result.baseline_rate)
    lines += [
        f"- What bounds the ratio to the baseline: with latency alone, {DEFAULT_CONCURRENCY} workers making "
        f"{full.calls_per_account:.1f} calls per account against the baseline's "
        f"{result.baseline_calls_per_account:.1f} on one "
        f"worker give at most {latency_ceiling:.1f}x; with CPU, one Python process (one GIL) audits at "
        f"most about {cpu_rate:.0f} accounts/s at {full.cpu_ms_per_account:.0f} ms of client CPU each "
        f"(about {result.client_setup_cpu_ms:.0f} ms of it building the root session's sts and iam "
        f"clients, measured apart), {cpu_ceiling:.1f}x the baseline, and here the emulator "
        f"({full.server_cpu_s * 1000 / full.accounts:.0f} ms of CPU per account) shares the machine's "
        f"cores with it. The {THROUGHPUT_GOAL:g}x goal is "
        f"{'above' if min(latency_ceiling, cpu_ceiling) < THROUGHPUT_GOAL else 'within'}"
        " the lower ceiling; the CPU one holds whatever the concurrency, so going past it takes fewer "
        "calls or less client CPU per account, not more workers.",
        "",
        f"Checks on every run: wrong verdicts {len(result.wrong_verdicts)}, cross-account credential uses "
        f"{len(result.cross_account)}, suspended or denied members touched {len(result.touched)}, "
        f"issued credentials found in the output {len(result.leaks)}; peak RSS {result.peak_rss_mb:.0f} MB "
        f"of the {RSS_GOAL_MB} MB budget. Any of these makes `make bench` fail.",
    ]
    for problem in result.failures[:10]:
        lines.append(f"  - {problem}")
    return lines
