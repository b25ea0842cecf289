"""Which identity evaluates the account: the function's own role, or a role assumed in the account.

Unlike rdklib, which by default assumes the event's executionRoleArn (the AWS Config service
role, which a Lambda function cannot assume), the rule uses its own role unless AssumeRoleMode
or ExecutionRoleName says otherwise; and it never evaluates another account with its own role.
"""

from dataclasses import dataclass

from .arns import parse_arn, role_arn
from .config_event import ScheduledEvent
from .errors import ExecutionRoleError
from .spec import RuleParameters


@dataclass(frozen=True)
class RoleChoice:
    role_arn: str | None  # None: the function's own role
    region: str | None  # where STS and IAM are called


def function_account(context: object) -> str | None:
    """The account the function runs in, from the Lambda context's invoked_function_arn."""
    arn = parse_arn(getattr(context, "invoked_function_arn", None))
    return arn.account or None if arn is not None else None


def choose_role(scheduled: ScheduledEvent, parameters: RuleParameters, context: object) -> RoleChoice:
    region = parameters.execution_role_region or scheduled.rule_region
    if parameters.assume_role_mode:
        if parameters.execution_role_name:
            arn = role_arn(scheduled.partition, scheduled.account_id, parameters.execution_role_name)
            return RoleChoice(arn, region)
        if not scheduled.execution_role_arn:
            raise ExecutionRoleError(
                'AssumeRoleMode is "true" but neither the ExecutionRoleName rule parameter nor the '
                "event's executionRoleArn names a role to assume in the evaluated account"
            )
        return RoleChoice(scheduled.execution_role_arn, region)
    own_account = function_account(context)
    if own_account is not None and own_account != scheduled.account_id:
        raise ExecutionRoleError(
            f"The function runs in account {own_account} but the event evaluates account "
            f"{scheduled.account_id}: set ExecutionRoleName to assume a role in that account"
        )
    return RoleChoice(None, region)
