"""The rdklib ConfigRule: parameters in, one AWS::::Account evaluation out.

The shape rdk users know (`evaluate_parameters`, `evaluate_periodic`), over the parsed event and
the clients of one invocation. `handler.py` drives it; it calls `assess` and `evaluation`
separately because the log line and the Security Hub finding need the assessment too.
"""

from collections.abc import Mapping

from rdklib import ConfigRule, Evaluation

from .arns import root_user_arn
from .assessment import Assessment, assess_root_access_keys
from .clients import AwsClients
from .config_event import ScheduledEvent
from .parameters import parse_rule_parameters
from .spec import RESOURCE_TYPE, RuleParameters


class RootAccessKeysRule(ConfigRule):
    def evaluate_parameters(self, rule_parameters: Mapping[str, object]) -> RuleParameters:
        return parse_rule_parameters(rule_parameters)

    def evaluate_periodic(
        self, event: ScheduledEvent, client_factory: AwsClients, valid_rule_parameters: RuleParameters
    ) -> list[Evaluation]:
        return [self.evaluation(self.assess(event, client_factory, valid_rule_parameters), event)]

    def assess(self, event: ScheduledEvent, clients: AwsClients, parameters: RuleParameters) -> Assessment:
        return assess_root_access_keys(
            clients.build_client("iam"),
            parameters,
            expected_root_arn=root_user_arn(event.partition, event.account_id),
            budget=clients.budget,
        )

    @staticmethod
    def evaluation(assessment: Assessment, event: ScheduledEvent) -> Evaluation:
        """rdklib's Evaluation for the account, stamped with the notification time and validated."""
        evaluation = Evaluation(
            assessment.verdict.compliance.value,
            resourceId=event.account_id,
            resourceType=RESOURCE_TYPE,
            annotation=assessment.annotation,
        )
        evaluation.orderingTimestamp = event.notification_time
        evaluation.is_valid()
        return evaluation
