"""`rootkeys org-audit` from parsed options to outputs and an exit code (cli.py stays the parser)."""

import argparse
import json
import sys
from datetime import timedelta

from botocore.exceptions import BotoCoreError
from rich.console import Console
from root_access_keys.spec import RuleParameters
from root_access_keys.structured_log import quiet_sdk_loggers

from .audit import OrgAuditOptions, OrgAuditor, exit_code
from .html_report import render_html
from .outputs import print_table, summary_line, write_csv, write_json
from .plan import PlanError, Scope
from .preflight import PreflightError
from .progress import AccountProgress
from .remediate import AuditTrail, OrgRemediateOptions, OrgRemediator
from .remediate import exit_code as remediation_exit_code
from .remediation_outputs import print_remediation

EXIT_NOT_STARTED = 2


def run_org_audit(args: argparse.Namespace, parameters: RuleParameters) -> int:
    quiet_sdk_loggers()  # botocore at DEBUG would print request bodies with session tokens
    options = OrgAuditOptions(
        parameters=parameters,
        region=args.region,
        profile=args.profile,
        account_ids=args.accounts,
        ou_id=args.ou,
        concurrency=args.concurrency,
        account_timeout=args.timeout,
    )
    progress = AccountProgress("auditing root credentials")
    try:
        auditor = OrgAuditor(options, on_start=progress.start, on_account=lambda _result: progress.advance())
        with progress.running():
            inventory = auditor.run()
    except PreflightError as error:
        print(f"rootkeys org-audit: not started: {error}", file=sys.stderr)
        return EXIT_NOT_STARTED
    except BotoCoreError as error:  # e.g. no credentials, an unknown profile
        print(f"rootkeys org-audit: not started: {error}", file=sys.stderr)
        return EXIT_NOT_STARTED
    if args.json:
        write_json(inventory, sys.stdout)
    else:
        print_table(inventory, Console(file=sys.stdout, width=200 if not sys.stdout.isatty() else None))
    if args.csv is not None:
        write_csv(inventory, args.csv)
    if args.html is not None:
        args.html.write_text(render_html(inventory), encoding="utf-8")
    if args.json:
        print(summary_line(inventory), file=sys.stderr)
    return exit_code(inventory)


def run_org_remediate(args: argparse.Namespace, parameters: RuleParameters) -> int:
    quiet_sdk_loggers()
    options = OrgRemediateOptions(
        plan_path=args.plan,
        parameters=parameters,
        scope=Scope(
            signing_certificates=args.signing_certificates, all_root_credentials=args.all_root_credentials
        ),
        apply=args.apply,
        accounts=args.accounts,
        exclude_accounts=args.exclude_accounts,
        max_plan_age=timedelta(hours=args.max_plan_age),
        region=args.region,
        profile=args.profile,
        concurrency=args.concurrency,
        account_timeout=args.timeout,
    )
    progress = AccountProgress("removing root credentials" if args.apply else "planning")
    log = args.log.open("a", encoding="utf-8") if args.log is not None else None
    try:
        remediator = OrgRemediator(
            options,
            trail=AuditTrail(log),
            on_start=progress.start,
            on_account=lambda _outcome: progress.advance(),
        )
        with progress.running():
            report = remediator.run()
    except (PreflightError, PlanError, BotoCoreError) as error:
        print(f"rootkeys org-remediate: not started: {error}", file=sys.stderr)
        return EXIT_NOT_STARTED
    finally:
        if log is not None:
            log.close()
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_remediation(report, Console(file=sys.stdout, width=200 if not sys.stdout.isatty() else None))
    return remediation_exit_code(report)
