"""Send the optional Security Hub finding after the Config evaluation is recorded.

Never raises: the evaluation is already in AWS Config and a Security Hub problem must not undo
it; failures come back as results and an ERROR log line.
"""

import logging
from collections.abc import Sequence
from datetime import datetime

from .clients import AwsClients
from .config_event import ScheduledEvent
from .rule import AccountEvaluation
from .security_hub import FindingTarget, ImportResult, build_finding, finding_id, import_finding
from .spec import RULE_NAME
from .structured_log import log_event


def _publish_one(
    clients: AwsClients, scheduled: ScheduledEvent, evaluation: AccountEvaluation, now: datetime
) -> ImportResult:
    region = scheduled.rule_region or clients.region or ""
    if clients.remaining_seconds() <= 0:
        # Only the reserve kept for recording results is left: a slow Security Hub call could make
        # the invocation time out after the evaluation was recorded.
        return ImportResult(
            finding_id(scheduled.partition, region, scheduled.account_id),
            "finding not sent: the invocation's time budget is used up",
        )
    try:
        securityhub = clients.build_client("securityhub", region=scheduled.rule_region)
        region = securityhub.meta.region_name
        target = FindingTarget(
            account_id=scheduled.account_id,
            partition=scheduled.partition,
            region=region,
            config_rule_name=scheduled.rule_name,
            config_rule_arn=scheduled.config_rule_arn,
        )
        from .metadata import load_policy  # noqa: PLC0415 - loaded only when findings are on

        finding = build_finding(evaluation.verdict, target, load_policy(), now=now, report=evaluation.report)
        return import_finding(securityhub, finding)
    except Exception as error:  # publishing must never affect the recorded evaluation
        return ImportResult(
            finding_id(scheduled.partition, region, scheduled.account_id),
            f"finding not sent: {type(error).__name__}: {str(error)[:240]}",
        )


def publish_findings(
    clients: AwsClients, scheduled: ScheduledEvent, evaluations: Sequence[object], now: datetime
) -> list[ImportResult]:
    """Upsert one Security Hub finding per evaluated account, with the evaluated account's
    credentials (so in organization mode the finding lands in the member account). Never raises:
    the Config evaluation is already recorded and a Security Hub problem must not undo that."""
    results = []
    for evaluation in evaluations:
        if not isinstance(evaluation, AccountEvaluation):
            continue
        result = _publish_one(clients, scheduled, evaluation, now)
        if result.error:
            log_event(
                logging.ERROR,
                "security hub finding not imported",
                rule=RULE_NAME,
                account=scheduled.account_id,
                finding_id=result.finding_id,
                cause=result.error,
            )
        results.append(result)
    return results


def hub_status(results: Sequence[ImportResult]) -> str:
    return "imported" if results and all(result.imported for result in results) else "failed"
