"""rdklib's Evaluator, made strict: every failure raises, and unrecorded evaluations are errors.

rdklib's own Evaluator.handle returns an error dict on ClientError/ValueError (the invocation
then "succeeds" with no evaluation) and ignores FailedEvaluations. This subclass keeps its shape
(a ConfigRule with evaluate_parameters/evaluate_periodic) and changes only that.
"""

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from rdklib import Evaluator

from .clients import AwsClients, recording_calls
from .config_event import ScheduledEvent, parse_scheduled_event
from .config_results import put_evaluations
from .errors import ExecutionRoleError
from .rule import AccountEvaluation, RootAccessKeysRule
from .spec import RESOURCE_TYPE, RULE_NAME
from .structured_log import log_event

# Seconds kept back from the Lambda's remaining time for PutEvaluations after report polling.
TIME_RESERVE_SECONDS = 8.0
DEFAULT_BUDGET_SECONDS = 60.0


def remaining_time(context: object) -> Callable[[], float]:
    """Seconds this invocation may still spend before it must record its result."""
    get_remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(get_remaining):
        return lambda: get_remaining() / 1000.0 - TIME_RESERVE_SECONDS
    deadline = time.monotonic() + DEFAULT_BUDGET_SECONDS
    return lambda: deadline - time.monotonic()


def utc_now() -> datetime:
    return datetime.now(UTC)


def _function_account(context: object) -> str | None:
    arn = getattr(context, "invoked_function_arn", None)
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


class StrictEvaluator(Evaluator):
    def __init__(self, rule: RootAccessKeysRule, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(rule, [RESOURCE_TYPE])
        self._rule = rule
        self.clock = clock  # finding timestamps; tests replace it instead of sleeping

    def _publish_findings(
        self, clients: AwsClients, scheduled: ScheduledEvent, evaluations: list[Any]
    ) -> tuple[str, str | None]:
        # Loaded only when findings are on: it pulls in the policy metadata and PyYAML.
        from .finding_publisher import hub_status, publish_findings  # noqa: PLC0415

        results = publish_findings(clients, scheduled, evaluations, self.clock())
        return hub_status(results), next((r.error for r in results if r.error), None)

    def handle(self, event: Mapping[str, Any], context: object) -> list[dict[str, Any]]:  # type: ignore[override]
        started = time.monotonic()
        clients: AwsClients | None = None
        account = event.get("accountId") if isinstance(event, Mapping) else None
        try:
            scheduled = parse_scheduled_event(event)
            parameters = self._rule.evaluate_parameters(scheduled.rule_parameters)
            role_arn = self._rule.execution_role_arn(scheduled, parameters)
            if role_arn is None:
                own_account = _function_account(context)
                if own_account is not None and own_account != scheduled.account_id:
                    raise ExecutionRoleError(
                        f"The function runs in account {own_account} but the event evaluates account "
                        f"{scheduled.account_id}: set ExecutionRoleName to assume a role in that account"
                    )
            clients = AwsClients(
                region=self._rule.assume_role_region(scheduled, parameters),
                assume_role_arn=role_arn,
                expected_account_id=scheduled.account_id,
                remaining_seconds=remaining_time(context),
            )
            with recording_calls(clients.calls):
                evaluations = self._rule.evaluate_periodic(event, clients, parameters)
                payload = []
                for evaluation in evaluations:
                    evaluation.import_fields_from_periodic_event(event)
                    evaluation.is_valid()
                    payload.append(evaluation.get_json())
                config = clients.build_client("config", region=scheduled.rule_region)
                put_evaluations(config, payload, scheduled.result_token, test_mode=scheduled.test_mode)
                # Only after Config has the evaluation; failures here are logged, never raised.
                finding_status, finding_error = "off", None
                if parameters.security_hub_findings:
                    finding_status, finding_error = self._publish_findings(clients, scheduled, evaluations)
        except Exception as error:
            log_event(
                logging.ERROR,
                "evaluation failed",
                rule=RULE_NAME,
                account=account[:40] if isinstance(account, str) else None,
                error=type(error).__name__,
                reason=str(error)[:500],
                api_calls=clients.calls if clients else [],
                duration_ms=round((time.monotonic() - started) * 1000),
            )
            raise
        verdicts = [e.verdict for e in evaluations if isinstance(e, AccountEvaluation)]
        for verdict in verdicts:
            log_event(
                logging.INFO,
                "evaluation recorded",
                rule=RULE_NAME,
                account=scheduled.account_id,
                compliance=verdict.compliance.value,
                active_keys=verdict.active_keys,
                inactive_keys=verdict.inactive_keys,
                signing_certificates=verdict.signing_certificates,
                report=verdict.report_state.value,
                annotation=verdict.annotation,
                api_calls=clients.calls,
                test_mode=scheduled.test_mode,
                security_hub=finding_status,
                security_hub_error=finding_error,
                duration_ms=round((time.monotonic() - started) * 1000),
            )
        return payload
