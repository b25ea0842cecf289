"""AWS Control Tower proactive controls, run with cfn-guard against the templates.

Both the cfn-guard binary and the controls' guard rules come from the npm package
@cdklabs/cdk-validator-cfnguard (installed into tools/node_modules by `make scan`), so the rules
are AWS's own text, at the version tools/package-lock.json pins. A control that fails on a
resource must be suppressed in that resource's Metadata (scan_suppressions.py) with the reason,
and a suppression must match a failure, so none outlives its cause.

The template check of a control cannot resolve parameters: `RetentionInDays: !Ref
LogRetentionInDays` fails CT.CLOUDWATCH.PR.2 whatever its value. So each allowed value of such a
parameter is also checked the way Control Tower's deploy-time hook sees it (`retention_check`).
"""

import json
import platform
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scan_suppressions import Suppression, suppressions

PACKAGE = Path("node_modules") / "@cdklabs" / "cdk-validator-cfnguard"
CONTROL_ID = re.compile(r"\[(CT\.[A-Z0-9]+\.PR\.\d+)\]")
RESOURCE_PATH = re.compile(r'"path":\s*"/Resources/([^/"]+)')
# cfn-guard's exit codes: 0 every rule passed or was skipped, 19 a rule failed.
PASS, FAIL = 0, 19
RETENTION_CONTROL = "CT.CLOUDWATCH.PR.2"
LOG_GROUP = "AWS::Logs::LogGroup"


class GuardError(Exception):
    """cfn-guard is missing or could not evaluate; the message says what to do."""


@dataclass(frozen=True)
class Guard:
    binary: Path
    rules_dir: Path
    version: str

    def controls(self) -> dict[str, Path]:
        """Control id (CT.LAMBDA.PR.3) to its rule file (ct-lambda-pr-3.guard)."""
        return {path.stem.upper().replace("-", "."): path for path in sorted(self.rules_dir.rglob("*.guard"))}


@dataclass
class GuardReport:
    path: str
    rules_passed: int = 0
    rules_failed: int = 0
    rules_not_applicable: int = 0
    findings: set[tuple[str, str]] = field(default_factory=set)
    suppressed: list[Suppression] = field(default_factory=list)
    unsuppressed: list[tuple[str, str]] = field(default_factory=list)
    stale: list[Suppression] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unsuppressed and not self.stale


def locate(tools_dir: Path) -> Guard:
    package = tools_dir / PACKAGE
    system = {"Linux": "ubuntu", "Darwin": "macos"}.get(platform.system())
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    binary = package / "bin" / str(system) / machine / "cfn-guard"
    rules_dir = package / "rules" / "control-tower" / "cfn-guard"
    if not binary.is_file() or not rules_dir.is_dir():
        raise GuardError(
            f"cfn-guard not found at {binary} (with rules in {rules_dir}): run `npm ci --prefix {tools_dir}` "
            f"(make scan does), on Linux or macOS, x86_64 or aarch64"
        )
    version = json.loads((package / "guard-version.json").read_text())["version"]
    return Guard(binary, rules_dir, version)


def evaluate(guard: Guard, rules: Path, data: Path) -> list[dict[str, Any]]:
    """cfn-guard's structured results for one data file against a rule file or directory."""
    result = subprocess.run(  # noqa: S603
        [
            str(guard.binary),
            "validate",
            "--structured",
            "--show-summary",
            "none",
            "--output-format",
            "json",
            "--rules",
            str(rules),
            "--data",
            str(data),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (PASS, FAIL):
        detail = result.stderr.strip()[:2000]
        raise GuardError(f"cfn-guard failed on {data} (exit {result.returncode}): {detail}")
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise GuardError(f"cfn-guard printed no JSON for {data}: {result.stdout[:500]!r}") from error


def failures(results: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(resource, control id) for every resource a control found non-compliant."""
    found: set[tuple[str, str]] = set()
    for document in results:
        for entry in document.get("not_compliant", []):
            text = json.dumps(entry)
            controls = set(CONTROL_ID.findall(text))
            if len(controls) != 1:
                name = document.get("name")
                raise GuardError(f"cannot tell which control failed in {name}: {sorted(controls)}")
            [control] = controls
            resources = set(RESOURCE_PATH.findall(text))
            if not resources:
                raise GuardError(f"{control} failed in {document.get('name')} without naming a resource")
            found |= {(resource, control) for resource in resources}
    return found


def check_template(guard: Guard, path: Path, template: dict[str, Any], label: str) -> GuardReport:
    """Every Control Tower control against one template, with its suppressions applied."""
    results = evaluate(guard, guard.rules_dir, path)
    report = GuardReport(label)
    for document in results:
        report.rules_passed += len(document.get("compliant", []))
        report.rules_failed += len(document.get("not_compliant", []))
        report.rules_not_applicable += len(document.get("not_applicable", []))
    report.findings = failures(results)
    granted = {(s.resource, s.rule_id): s for s in suppressions(template, "cfn-guard")}
    report.suppressed = [granted[key] for key in sorted(report.findings) if key in granted]
    report.unsuppressed = sorted(report.findings - set(granted))
    report.stale = [s for key, s in sorted(granted.items()) if key not in report.findings]
    return report


def _parameter_values(template: dict[str, Any], name: str) -> list[Any]:
    parameter = template.get("Parameters", {}).get(name)
    if parameter is None:
        raise GuardError(f"Ref to {name}, which is not a parameter")
    if "AllowedValues" in parameter:
        return list(parameter["AllowedValues"])
    if "Default" in parameter:
        return [parameter["Default"]]
    raise GuardError(f"parameter {name} has neither AllowedValues nor a Default to check")


def hook_document(resource_type: str, properties: dict[str, Any]) -> dict[str, Any]:
    """The input a Control Tower proactive control gets as a CloudFormation hook."""
    return {resource_type: {"resourceProperties": properties}}


def passes(guard: Guard, control: str, document: dict[str, Any]) -> bool:
    rule = guard.controls().get(control)
    if rule is None:
        raise GuardError(f"no rule file for {control} in {guard.rules_dir}")
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "hook-input.json"
        data.write_text(json.dumps(document))
        results = evaluate(guard, rule, data)
    return all(document_result.get("status") != "FAIL" for document_result in results)


def retention_check(guard: Guard, template: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(checked, failed): each log group's retention parameter, per allowed value, as the hook sees it."""
    checked: list[str] = []
    failed: list[str] = []
    verdicts: dict[int, bool] = {}
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") != LOG_GROUP:
            continue
        retention = resource.get("Properties", {}).get("RetentionInDays")
        if not (isinstance(retention, dict) and set(retention) == {"Ref"}):
            continue
        for value in _parameter_values(template, retention["Ref"]):
            label = f"{name} {retention['Ref']}={value}"
            checked.append(label)
            days = int(value)
            if days not in verdicts:
                document = hook_document(LOG_GROUP, {"RetentionInDays": days})
                verdicts[days] = passes(guard, RETENTION_CONTROL, document)
            if not verdicts[days]:
                failed.append(label)
    return checked, failed
