"""`make scan`: the IaC scanners security teams run in CI, against what we ship.

  python scripts/scan.py [--checkov PATH] [--tools DIR]

Scans templates/*.yaml and their deployable renders (build/<name>.yaml, rendered afresh into a
scratch folder, runbooks inlined) with:

- checkov (every CloudFormation check), from .venv-scan;
- cfn-guard with the AWS Control Tower proactive controls, from tools/node_modules;
- each allowed value of a log group's retention parameter against CT.CLOUDWATCH.PR.2, as the
  control's deploy-time hook sees it.

Exits 1 on any unsuppressed finding, on a suppression without a reason, on a cfn-guard
suppression that matches no finding, and on a checkov skip that checkov did not apply.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import package
import scan_checkov
import scan_guard
from scan_suppressions import SuppressionError, suppressions

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CHECKOV = ROOT / ".venv-scan" / "bin" / "checkov"
DEFAULT_TOOLS = ROOT / "tools"
SCAN_ERRORS = (scan_checkov.CheckovError, scan_guard.GuardError, SuppressionError, package.PackagingError)


def _targets(scratch: Path) -> list[tuple[Path, str, dict[str, Any]]]:
    """(file, label, parsed template) for every source template and its rendered copy."""
    sources = sorted(package.TEMPLATES_DIR.glob("*.yaml"))
    rendered = package.render_templates(scratch)
    targets = [(path, f"templates/{path.name}") for path in sources]
    targets += [(path, f"build/{path.name}") for path in rendered]
    return [(path, label, package.load_template(path)) for path, label in targets]


def _unapplied_checkov_skips(
    targets: list[tuple[Path, str, dict[str, Any]]], report: scan_checkov.CheckovReport
) -> list[str]:
    applied = {(f.path, f.resource.rsplit(".", 1)[-1], f.check_id) for f in report.skipped}
    return [
        f"{label} {s.resource}: checkov did not apply skip {s.rule_id} (unknown id, or no such check here)"
        for _, label, template in targets
        for s in suppressions(template, "checkov")
        if (label, s.resource, s.rule_id) not in applied
    ]


def run_checkov(checkov: Path, targets: list[tuple[Path, str, dict[str, Any]]]) -> list[str]:
    report = scan_checkov.run(checkov, {path: label for path, label, _ in targets})
    problems = [f"{f.path} {f.resource}: {f.check_id} {f.title}" for f in report.failed]
    unexplained = report.skipped_without_reason
    problems += [f"{f.path} {f.resource}: checkov skip {f.check_id} has no comment" for f in unexplained]
    problems += [f"checkov could not parse: {error}" for error in report.parsing_errors]
    problems += _unapplied_checkov_skips(targets, report)
    print(
        f"checkov {report.version}: {len(targets)} templates, {report.passed} checks passed, "
        f"{len(report.failed)} failed, {len(report.skipped)} skipped with a reason"
    )
    return problems


def run_guard(guard: scan_guard.Guard, targets: list[tuple[Path, str, dict[str, Any]]]) -> list[str]:
    problems: list[str] = []
    totals = {"passed": 0, "failed": 0, "findings": 0, "suppressed": 0, "retention": 0}
    for path, label, template in targets:
        report = scan_guard.check_template(guard, path, template, label)
        totals["passed"] += report.rules_passed
        totals["failed"] += report.rules_failed
        totals["findings"] += len(report.findings)
        totals["suppressed"] += len(report.suppressed)
        problems += [f"{label} {resource}: {control} failed" for resource, control in report.unsuppressed]
        problems += [f"{label} {s.resource}: {s.rule_id} suppressed, but passes" for s in report.stale]
        checked, failed = scan_guard.retention_check(guard, template)
        totals["retention"] += len(checked)
        problems += [f"{label} {item}: fails {scan_guard.RETENTION_CONTROL}" for item in failed]
    print(
        f"cfn-guard {guard.version}, {len(guard.controls())} Control Tower proactive controls: "
        f"{totals['passed']} rule runs passed, {totals['failed']} failed with {totals['findings']} "
        f"resource findings, {totals['suppressed']} of them suppressed with a reason"
    )
    print(
        f"{scan_guard.RETENTION_CONTROL} as a deploy-time hook sees it: {totals['retention']} "
        f"(log group, allowed retention) pairs checked"
    )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checkov", type=Path, default=DEFAULT_CHECKOV, help="checkov executable")
    parser.add_argument("--tools", type=Path, default=DEFAULT_TOOLS, help="folder with node_modules (npm ci)")
    arguments = parser.parse_args(argv)
    started = time.monotonic()
    try:
        guard = scan_guard.locate(arguments.tools)
        with tempfile.TemporaryDirectory() as scratch:
            targets = _targets(Path(scratch))
            problems = run_checkov(arguments.checkov, targets)
            problems += run_guard(guard, targets)
    except SCAN_ERRORS as error:
        print(f"scan: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"FINDING {problem}")
    verdict = "failed" if problems else "passed"
    print(f"scan {verdict} in {time.monotonic() - started:.1f} s ({len(problems)} unresolved findings)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
