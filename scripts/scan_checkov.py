"""checkov's CloudFormation checks against the templates.

checkov runs from its own venv (.venv-scan, tools/checkov/requirements.txt): its dependencies
conflict with the dev extra. Skips are checkov's own `Metadata.checkov.skip` entries; this module
only runs it, reads its JSON, and insists that every skip it reports carries a reason.
"""

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class CheckovError(Exception):
    """checkov is missing or could not scan; the message says what to do."""


@dataclass(frozen=True)
class Finding:
    path: str
    resource: str
    check_id: str
    title: str
    comment: str = ""


@dataclass
class CheckovReport:
    version: str = ""
    passed: int = 0
    failed: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    parsing_errors: list[str] = field(default_factory=list)

    @property
    def skipped_without_reason(self) -> list[Finding]:
        return [finding for finding in self.skipped if not finding.comment.strip()]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.parsing_errors and not self.skipped_without_reason


def _finding(check: dict[str, Any], labels: dict[str, str]) -> Finding:
    path = str(Path(check["file_abs_path"]).resolve())
    return Finding(
        path=labels.get(path, check["file_abs_path"]),
        resource=check["resource"],
        check_id=check["check_id"],
        title=check.get("check_name") or "",
        comment=(check.get("check_result") or {}).get("suppress_comment") or "",
    )


def run(checkov: Path, files: dict[Path, str]) -> CheckovReport:
    """Scan `files` (path to the label to report it under) with every CloudFormation check."""
    if not checkov.is_file():
        raise CheckovError(
            f"checkov not found at {checkov}: `make scan` installs it (tools/checkov/requirements.txt)"
        )
    command = [str(checkov), "--framework", "cloudformation", "--output", "json", "--skip-download"]
    for path in files:
        command += ["--file", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        output = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise CheckovError(
            f"checkov printed no JSON (exit {result.returncode}): {result.stderr.strip()[-2000:]}"
        ) from error
    reports = output if isinstance(output, list) else [output]
    labels = {str(path.resolve()): label for path, label in files.items()}
    report = CheckovReport()
    for section in reports:
        if section.get("check_type") != "cloudformation":
            continue
        results = section.get("results", {})
        report.version = section.get("summary", {}).get("checkov_version", "")
        report.passed += len(results.get("passed_checks", []))
        report.failed += [_finding(check, labels) for check in results.get("failed_checks", [])]
        report.skipped += [_finding(check, labels) for check in results.get("skipped_checks", [])]
        report.parsing_errors += [str(error) for error in results.get("parsing_errors", [])]
    if not reports or not report.version:
        raise CheckovError(f"checkov returned no CloudFormation results (exit {result.returncode})")
    return report
