"""The rdklib ConfigRule: parameters in, one AWS::::Account evaluation out."""

from collections.abc import Mapping
from typing import Any

from rdklib import ComplianceType, ConfigRule, Evaluation

from .assessment import assess_root_access_keys, root_arn
from .clients import AwsClients
from .config_event import ScheduledEvent, parse_scheduled_event
from .decision import Verdict
from .evidence import ReportEvidence
from .parameters import RuleParameters, parse_rule_parameters
from .spec import RESOURCE_TYPE


class AccountEvaluation(Evaluation):
    """An rdklib Evaluation that keeps the verdict it came from (for logs and findings)."""

    def __init__(self, verdict: Verdict, account_id: str, report: ReportEvidence | None = None) -> None:
        super().__init__(
            getattr(ComplianceType, verdict.compliance.value),
            resourceId=account_id,
            resourceType=RESOURCE_TYPE,
            annotation=verdict.annotation,
        )
        self.verdict = verdict
        self.report = report  # the credential report evidence behind the verdict (finding timestamps)


class RootAccessKeysRule(ConfigRule):
    # One resource (the account) is re-evaluated every run: nothing old to clean up, so no
    # extra config:GetComplianceDetailsByConfigRule call.
    delete_old_evaluations_on_scheduled_notification = False

    def evaluate_parameters(self, rule_parameters: Mapping[str, object]) -> RuleParameters:  # type: ignore[override]
        return parse_rule_parameters(rule_parameters)

    def evaluate_periodic(  # type: ignore[override]
        self, event: Mapping[str, Any], client_factory: AwsClients, valid_rule_parameters: RuleParameters
    ) -> list[Evaluation]:
        scheduled = parse_scheduled_event(event)
        assessment = assess_root_access_keys(
            client_factory.build_client("iam"),
            valid_rule_parameters,
            expected_root_arn=root_arn(scheduled.partition, scheduled.account_id),
            remaining_seconds=client_factory.remaining_seconds,
        )
        return [AccountEvaluation(assessment.verdict, scheduled.account_id, assessment.report)]

    @staticmethod
    def execution_role_arn(scheduled: ScheduledEvent, parameters: RuleParameters) -> str | None:
        """The role to assume in the evaluated account, or None to use the function's own role."""
        if not parameters.assume_role_mode:
            return None
        if parameters.execution_role_name:
            return (
                f"arn:{scheduled.partition}:iam::{scheduled.account_id}:role/{parameters.execution_role_name}"
            )
        return scheduled.execution_role_arn

    @staticmethod
    def assume_role_region(scheduled: ScheduledEvent, parameters: RuleParameters) -> str | None:
        return parameters.execution_role_region or scheduled.rule_region

    # rdklib's event-based signatures, kept for rdklib-style callers.
    def get_execution_role_arn(self, event: Mapping[str, Any]) -> str | None:  # type: ignore[override]
        scheduled = parse_scheduled_event(event)
        return self.execution_role_arn(scheduled, parse_rule_parameters(scheduled.rule_parameters))

    def get_assume_role_region(self, event: Mapping[str, Any]) -> str | None:  # type: ignore[override]
        scheduled = parse_scheduled_event(event)
        return self.assume_role_region(scheduled, parse_rule_parameters(scheduled.rule_parameters))

    def get_assume_role_mode(self, event: Mapping[str, Any]) -> bool:  # type: ignore[override]
        return self.get_execution_role_arn(event) is not None
