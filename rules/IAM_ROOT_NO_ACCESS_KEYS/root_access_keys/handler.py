"""The one orchestrator of an invocation: event -> parameters -> budget -> clients -> assessment
-> PutEvaluations -> optional finding -> one log line.

rdklib gives the rule its `ConfigRule` shape and the `Evaluation` it validates; its Evaluator is
not used, because this rule must differ from it:
- fail closed: every failure raises (rdklib's Evaluator returns an error dict for ClientError and
  ValueError, so the invocation "succeeds" with no evaluation);
- a PutEvaluations answer with FailedEvaluations is an error (rdklib ignores it);
- no extra config:GetComplianceDetailsByConfigRule call (one resource is re-evaluated every run);
- the function's own role by default, never the Config service role (see execution_role.py);
- one time budget from the Lambda context bounds every call (budget.py).
"""

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from .budget import LAMBDA_POLICY, Budget, BudgetPolicy
from .clients import AwsClients
from .config_event import ScheduledEvent, parse_scheduled_event
from .config_results import put_evaluations
from .execution_role import choose_role
from .organization_scope import REFUSED_MESSAGE, MemberAccounts, OrganizationScope, refusal
from .rule import RootAccessKeysRule
from .spec import RULE_NAME, RuleParameters
from .structured_log import log_event, quiet_sdk_loggers
from .times import utc_now

FINDINGS_OFF = "off"


class Handler:
    """Handles one Config invocation; `lambda_handler` is a thin line to `handle`."""

    def __init__(
        self,
        rule: RootAccessKeysRule,
        *,
        clock: Callable[[], datetime] = utc_now,
        policy: BudgetPolicy = LAMBDA_POLICY,
    ) -> None:
        self.rule = rule
        self.clock = clock  # finding timestamps; tests replace it instead of sleeping
        self.policy = policy
        self.members = MemberAccounts()  # organization deployments: cached across warm invocations

    def handle(self, event: Mapping[str, Any], context: object) -> list[dict[str, Any]]:
        started = time.monotonic()
        quiet_sdk_loggers()  # in case anything lowered them since the last invocation
        clients: AwsClients | None = None
        calls: list[str] = []  # calls made before the evaluation's clients exist
        try:
            scheduled = parse_scheduled_event(event)
            parameters = self.rule.evaluate_parameters(scheduled.rule_parameters)
            budget = Budget.from_context(context, self.policy)
            scope = OrganizationScope.from_environment()
            if scope is not None:
                reason = self._outside_organization(scope, scheduled, parameters, budget, calls)
                if reason is not None:
                    log_event(
                        logging.WARNING,
                        REFUSED_MESSAGE,
                        rule=RULE_NAME,
                        account=scheduled.account_id,
                        organization=scope.organization_id,
                        reason=reason,
                        api_calls=calls,
                        duration_ms=round((time.monotonic() - started) * 1000),
                    )
                    return []
            role = choose_role(scheduled, parameters, context)
            clients = AwsClients(
                region=role.region,
                budget=budget,
                role_arn=role.role_arn,
                expected_account_id=scheduled.account_id,
            )
            with clients:
                assessment = self.rule.assess(scheduled, clients, parameters)
                payload = [self.rule.evaluation(assessment, scheduled).get_json()]
                put_evaluations(
                    clients.build_client("config", region=scheduled.rule_region),
                    payload,
                    scheduled.result_token,
                    test_mode=scheduled.test_mode,
                )
                budget.mark_recorded()
                finding_status, finding_error = FINDINGS_OFF, None
                if parameters.security_hub_findings:
                    # Loaded only when findings are on: it reads the policy metadata (policy.json).
                    from .finding_publisher import publish_finding  # noqa: PLC0415

                    result = publish_finding(clients, scheduled, assessment, self.clock())
                    finding_status = "imported" if result.imported else "failed"
                    finding_error = result.error
        except Exception as error:
            account = event.get("accountId") if isinstance(event, Mapping) else None
            log_event(
                logging.ERROR,
                "evaluation failed",
                rule=RULE_NAME,
                account=account[:40] if isinstance(account, str) else None,
                error=type(error).__name__,
                reason=str(error)[:500],
                api_calls=calls + (clients.calls if clients else []),
                duration_ms=round((time.monotonic() - started) * 1000),
            )
            raise
        verdict = assessment.verdict
        log_event(
            logging.INFO,
            "evaluation recorded",
            rule=RULE_NAME,
            account=scheduled.account_id,
            compliance=verdict.compliance.value,
            reason=verdict.reason.value,
            active_keys=verdict.active_keys,
            inactive_keys=verdict.inactive_keys,
            signing_certificates=verdict.signing_certificates,
            report=verdict.report_state.value,
            annotation=assessment.annotation,
            api_calls=calls + clients.calls,
            test_mode=scheduled.test_mode,
            security_hub=finding_status,
            security_hub_error=finding_error,
            duration_ms=round((time.monotonic() - started) * 1000),
        )
        return payload

    def _outside_organization(
        self,
        scope: OrganizationScope,
        scheduled: ScheduledEvent,
        parameters: RuleParameters,
        budget: Budget,
        calls: list[str],
    ) -> str | None:
        with AwsClients(region=scheduled.rule_region, budget=budget) as own:
            reason = refusal(
                scope, scheduled, parameters, self.members, lambda: own.build_client("organizations")
            )
        calls.extend(own.calls)
        if self.members.error:
            log_event(
                logging.WARNING,
                "organization account list unavailable: evaluating without the membership check",
                rule=RULE_NAME,
                account=scheduled.account_id,
                cause=self.members.error,
            )
        return reason


HANDLER = Handler(RootAccessKeysRule())
