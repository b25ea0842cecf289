"""Send the optional Security Hub finding after the Config evaluation is recorded.

Never raises: the evaluation is already in AWS Config and a Security Hub problem must not undo
it. A failure comes back in the result and as an ERROR log line. The call runs inside the
invocation's time budget like every other: when too little time is left it is not started, so a
slow Security Hub can never push the invocation past its deadline.
"""

import logging
from datetime import datetime

from .assessment import Assessment
from .clients import AwsClients
from .config_event import ScheduledEvent
from .security_hub import FindingTarget, ImportResult, build_finding, finding_id, import_finding
from .spec import RULE_NAME
from .structured_log import log_event


def publish_finding(
    clients: AwsClients, scheduled: ScheduledEvent, assessment: Assessment, now: datetime
) -> ImportResult:
    """Upsert the account's finding with the evaluated account's credentials (in organization mode
    the finding lands in the member account)."""
    region = scheduled.rule_region or clients.region or ""
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

        result = import_finding(securityhub, build_finding(assessment, target, load_policy(), now=now))
    except Exception as error:  # publishing must never affect the recorded evaluation
        result = ImportResult(
            finding_id(scheduled.partition, region, scheduled.account_id),
            f"finding not sent: {type(error).__name__}: {str(error)[:240]}",
        )
    if result.error:
        log_event(
            logging.ERROR,
            "security hub finding not imported",
            rule=RULE_NAME,
            account=scheduled.account_id,
            finding_id=result.finding_id,
            cause=result.error,
        )
    return result
