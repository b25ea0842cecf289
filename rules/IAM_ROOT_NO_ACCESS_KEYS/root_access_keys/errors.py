"""Errors the rule raises. None of them derives from ClientError or ValueError, so rdklib's
Evaluator could not swallow them into an error dict: an invocation that cannot decide fails."""


class RuleError(Exception):
    """Base class: the invocation could not produce a trustworthy evaluation."""


class InvalidEventError(RuleError):
    """The Config event is malformed or is not one this periodic rule handles."""


class InvalidRuleParameterError(RuleError):
    """A rule parameter has an unknown name or a value outside its allowed set."""


class AccountSummaryUnavailableError(RuleError):
    """iam:GetAccountSummary could not be read, so nothing can be decided."""


class CredentialReportError(RuleError):
    """Credential report bytes are not a readable IAM credential report."""


class AccountSummaryFormatError(RuleError):
    """An account summary document is not what iam:GetAccountSummary returns."""


class UndecidableError(RuleError):
    """The evidence at hand cannot support any verdict."""


class ExecutionRoleError(RuleError):
    """The execution role could not be assumed, or points at another account."""


class EvaluationNotRecordedError(RuleError):
    """PutEvaluations failed or reported FailedEvaluations: AWS Config did not record the verdict."""


class DeadlineReachedError(RuleError):
    """A call could not start or retry without running past the invocation's time budget."""
