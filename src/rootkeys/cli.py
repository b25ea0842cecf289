"""`rootkeys`: audit the account root user for access keys, live or from exported evidence.

Exit codes: 0 COMPLIANT (or NOT_APPLICABLE), 1 NON_COMPLIANT, 2 could not decide (reason on stderr).
"""

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from root_access_keys.budget import CLI_TIMEOUT_SECONDS, Budget
from root_access_keys.decision import Compliance
from root_access_keys.errors import RuleError
from root_access_keys.spec import RuleParameters

from .audit import AuditError, AuditResult, audit_files, audit_live
from .evidence_files import EvidenceFileError
from .org.accounts import parse_account_ids, parse_ou_id
from .org.audit import DEFAULT_ACCOUNT_TIMEOUT, DEFAULT_CONCURRENCY
from .rule_options import add_rule_parameter_options, parameters_json, rule_parameters

EXIT_COMPLIANT = 0
EXIT_NON_COMPLIANT = 1
EXIT_UNDECIDED = 2
MAX_CONCURRENCY = 256
DEFAULT_MAX_PLAN_AGE_HOURS = 24.0
MAX_PLAN_AGE_HOURS = 24.0 * 30
MAX_TIMEOUT_SECONDS = 3600.0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= MAX_TIMEOUT_SECONDS:
        raise argparse.ArgumentTypeError(f"must be between 0 and 3600 seconds, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rootkeys",
        description="Check that the AWS account root user has no access keys (CIS AWS 1.4, IAM.4).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    audit = commands.add_parser(
        "audit",
        help="evaluate an account, live or from exported evidence files",
        description=(
            "Evaluate the account of the current AWS credentials with the rule's decision code "
            "(calls sts:GetCallerIdentity, iam:GetAccountSummary and, only when a key exists, "
            "iam:GetCredentialReport / iam:GenerateCredentialReport). With --credential-report "
            "and/or --account-summary, decide from exported files instead and make no AWS call. "
            "Exit 0 COMPLIANT, 1 NON_COMPLIANT, 2 could not decide."
        ),
    )
    audit.add_argument("--json", action="store_true", help="print the result as one JSON object")
    add_rule_parameter_options(audit)
    evidence = audit.add_argument_group("exported evidence (no AWS calls)")
    evidence.add_argument(
        "--credential-report",
        type=Path,
        metavar="FILE",
        help=(
            "credential report: the IAM console's CSV (also re-saved by a spreadsheet or PowerShell), or "
            "`aws iam get-credential-report` output (json, yaml, text, --query Content)"
        ),
    )
    evidence.add_argument(
        "--account-summary",
        type=Path,
        metavar="FILE",
        help=(
            "account summary: `aws iam get-account-summary` output (json or yaml) or its bare SummaryMap "
            "(e.g. PowerShell's Get-IAMAccountSummary | ConvertTo-Json)"
        ),
    )
    live = audit.add_argument_group("live audit")
    live.add_argument("--profile", help="AWS profile (default: the standard boto3 configuration)")
    live.add_argument("--region", help="region for the STS and IAM endpoints")
    live.add_argument(
        "--timeout",
        type=_seconds,
        default=CLI_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=(
            "time limit for the live audit, including the wait for a credential report to generate "
            f"(default {CLI_TIMEOUT_SECONDS:g})"
        ),
    )
    audit.set_defaults(handler=_run_audit)

    add_org_audit_command(commands)
    add_org_remediate_command(commands)

    demo = commands.add_parser(
        "demo",
        help="run the rule's Lambda handler against a local AWS emulator",
        description=(
            "Start a local AWS emulator (moto) on 127.0.0.1, invoke the rule's real lambda_handler "
            "with Config-shaped events for a set of named root-user scenarios, and print what AWS "
            "Config would record. Exit 0 when every scenario gives its expected outcome."
        ),
    )
    demo.add_argument("--verbose", action="store_true", help="also print each invocation's log line")
    demo.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help="run only this scenario (repeatable); see --list",
    )
    demo.add_argument("--list", action="store_true", help="list the scenarios and exit")
    demo.set_defaults(handler=_run_demo)
    return parser


def _result_json(result: AuditResult, parameters: RuleParameters) -> dict[str, Any]:
    verdict = result.assessment.verdict
    return {
        "compliance": verdict.compliance.value,
        "reason": verdict.reason.value,
        "annotation": result.assessment.annotation,
        "account": result.account_id,
        "partition": result.partition,
        "active_keys": verdict.active_keys,
        "inactive_keys": verdict.inactive_keys,
        "signing_certificates": verdict.signing_certificates,
        "report_state": verdict.report_state.value,
        "report_generated_at": result.report_generated_at.isoformat() if result.report_generated_at else None,
        "evidence_source": result.evidence_source,
        "evidence_files": result.evidence_files or None,
        "evidence_forms": result.evidence_forms or None,
        "api_calls": list(result.api_calls) if result.evidence_source == "live" else None,
        "parameters": parameters_json(parameters),
    }


def _print_text(result: AuditResult) -> None:
    verdict = result.assessment.verdict
    print(f"{verdict.compliance.value}  account {result.account_id or 'unknown'}")
    print(result.assessment.annotation)
    if result.evidence_source == "live":
        source = "live API calls " + ", ".join(result.api_calls)
    else:
        source = "files " + ", ".join(
            f"{kind}={path} ({result.evidence_forms[kind]})"
            if kind in result.evidence_forms
            else f"{kind}={path}"
            for kind, path in result.evidence_files.items()
        )
    print(f"evidence: {source}; credential report: {verdict.report_state.value}")


def _run_audit(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from_files = args.credential_report is not None or args.account_summary is not None
    if from_files and (args.profile or args.region):
        parser.error("--profile/--region apply to a live audit, not to evidence files")
    parameters = rule_parameters(args)
    try:
        if from_files:
            result = audit_files(
                parameters, credential_report=args.credential_report, account_summary=args.account_summary
            )
        else:
            result = audit_live(
                parameters, budget=Budget.from_seconds(args.timeout), profile=args.profile, region=args.region
            )
    except (AuditError, EvidenceFileError, RuleError) as error:
        print(f"rootkeys: could not decide: {error}", file=sys.stderr)
        if args.json:
            print(json.dumps({"compliance": None, "annotation": None, "error": str(error)}))
        return EXIT_UNDECIDED
    if args.json:
        print(json.dumps(_result_json(result, parameters), indent=2))
    else:
        _print_text(result)
    failed = result.assessment.verdict.compliance is Compliance.NON_COMPLIANT
    return EXIT_NON_COMPLIANT if failed else EXIT_COMPLIANT


def _run_demo(args: argparse.Namespace, _parser: argparse.ArgumentParser) -> int:
    try:
        from rootkeys_dev import demo  # noqa: PLC0415 - moto loads only when the demo runs
    except ImportError as error:
        print(
            f"rootkeys demo needs the local AWS emulator ({error.name or error}): "
            "pip install 'rootkeys[demo]' (or run `make demo` in a source checkout)",
            file=sys.stderr,
        )
        return EXIT_UNDECIDED
    return demo.run(scenario_names=args.scenario, verbose=args.verbose, list_only=args.list)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_CONCURRENCY}, got {text}")
    return value


def _parsed(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return convert


def add_org_audit_command(commands: Any) -> None:
    org_audit = commands.add_parser(
        "org-audit",
        help="inventory root credentials across an AWS Organization (centralized root access)",
        description=(
            "With management-account or IAM delegated-admin credentials: check that centralized root "
            "access is on, then open a short root session (sts:AssumeRoot, IAMAuditRootUserCredentials) "
            "in each member account and read its root user's access keys, their last use, signing "
            "certificates, MFA devices and console password; decide each account with the rule's own "
            "code. Exit 0 every audited account compliant, 1 any non-compliant, 2 any account could not "
            "be audited or the preflight failed."
        ),
    )
    add_rule_parameter_options(org_audit)
    scope = org_audit.add_mutually_exclusive_group()
    scope.add_argument(
        "--accounts", type=_parsed(parse_account_ids), metavar="ID[,ID...]", help="audit only these accounts"
    )
    scope.add_argument(
        "--ou", type=_parsed(parse_ou_id), metavar="OU_ID", help="audit the accounts in this OU and below it"
    )
    org_audit.add_argument("--profile", help="AWS profile (default: the standard boto3 configuration)")
    org_audit.add_argument("--region", help="Region of the STS endpoint for sts:AssumeRoot (regional only)")
    org_audit.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULT_CONCURRENCY,
        help=f"accounts audited at once (default {DEFAULT_CONCURRENCY})",
    )
    org_audit.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_ACCOUNT_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit per account and its root session (default {DEFAULT_ACCOUNT_TIMEOUT:g})",
    )
    outputs = org_audit.add_argument_group("outputs (default: a table and a one-line summary)")
    outputs.add_argument("--json", action="store_true", help="print the inventory as one JSON document")
    outputs.add_argument("--csv", type=Path, metavar="FILE", help="also write one CSV row per account")
    outputs.add_argument(
        "--html", type=Path, metavar="FILE", help="also write a self-contained evidence report"
    )
    org_audit.set_defaults(handler=_run_org_audit)


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of hours: {text!r}") from None
    if not 0 < value <= MAX_PLAN_AGE_HOURS:
        raise argparse.ArgumentTypeError(
            f"must be more than 0 and at most {MAX_PLAN_AGE_HOURS} hours, got {text}"
        )
    return value


def add_org_remediate_command(commands: Any) -> None:
    remediate = commands.add_parser(
        "org-remediate",
        help="delete the root credentials an org-audit plan lists (dry run unless --apply)",
        description=(
            "Read a plan made by `rootkeys org-audit --json`, check it is recent, for this organization, "
            "by this caller and with these options, and show what would be deleted. With --apply, for "
            "each account: re-list the root's credentials in a fresh root session "
            "(IAMDeleteRootUserCredentials), touch nothing when they differ from the plan, delete exactly "
            "the planned ids, then audit again. Exit 0 when every planned account ended clean (always "
            "for a dry run), 1 when some still hold credentials, 2 when the run could not start."
        ),
    )
    remediate.add_argument(
        "--plan", type=Path, required=True, metavar="FILE", help="the org-audit --json output"
    )
    remediate.add_argument("--apply", action="store_true", help="delete (default: dry run, change nothing)")
    add_rule_parameter_options(remediate)
    remediate.add_argument(
        "--accounts", type=_parsed(parse_account_ids), metavar="ID[,ID...]", help="act only on these accounts"
    )
    remediate.add_argument(
        "--exclude-accounts",
        type=_parsed(parse_account_ids),
        default=[],
        metavar="ID[,ID...]",
        help="never act on these accounts",
    )
    remediate.add_argument(
        "--signing-certificates",
        action="store_true",
        help="also delete the planned X.509 signing certificates",
    )
    remediate.add_argument(
        "--all-root-credentials",
        action="store_true",
        help="also delete certificates and the console password, and deactivate MFA devices",
    )
    remediate.add_argument(
        "--max-plan-age",
        type=_hours,
        default=DEFAULT_MAX_PLAN_AGE_HOURS,
        metavar="HOURS",
        help=f"refuse older plans (default {DEFAULT_MAX_PLAN_AGE_HOURS:g})",
    )
    remediate.add_argument(
        "--log", type=Path, metavar="FILE", help="append one JSON line per action (audit trail)"
    )
    remediate.add_argument("--json", action="store_true", help="print the outcome as one JSON document")
    remediate.add_argument("--profile", help="AWS profile (default: the standard boto3 configuration)")
    remediate.add_argument("--region", help="Region of the STS endpoint for sts:AssumeRoot (regional only)")
    remediate.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULT_CONCURRENCY,
        help=f"accounts handled at once (default {DEFAULT_CONCURRENCY})",
    )
    remediate.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_ACCOUNT_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit per account and its root sessions (default {DEFAULT_ACCOUNT_TIMEOUT:g})",
    )
    remediate.set_defaults(handler=_run_org_remediate)


def _run_org_remediate(args: argparse.Namespace, _parser: argparse.ArgumentParser) -> int:
    from .org import command  # noqa: PLC0415 - rich and the org code load only for this command

    return command.run_org_remediate(args, rule_parameters(args))


def _run_org_audit(args: argparse.Namespace, _parser: argparse.ArgumentParser) -> int:
    from .org import command  # noqa: PLC0415 - rich and the org code load only for this command

    return command.run_org_audit(args, rule_parameters(args))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.handler(args, parser))


if __name__ == "__main__":
    sys.exit(main())
