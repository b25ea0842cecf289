"""`rootkeys org-audit` from parsed options to outputs and an exit code (cli.py stays the parser)."""

import argparse
import sys

from botocore.exceptions import BotoCoreError
from rich.console import Console
from root_access_keys.spec import RuleParameters
from root_access_keys.structured_log import quiet_sdk_loggers

from .audit import OrgAuditOptions, OrgAuditor, exit_code
from .html_report import render_html
from .outputs import print_table, summary_line, write_csv, write_json
from .preflight import PreflightError
from .progress import AccountProgress

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
