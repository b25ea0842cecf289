"""Turn botocore failures into short, human-readable causes (never including credentials)."""

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .errors import RuleError

ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException"}
)


def error_code(error: BaseException) -> str | None:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "") or None
    return None


def describe_retry_cause(needs_retry: dict[str, Any]) -> str:
    """What made an HTTP attempt fail, from botocore's needs-retry event arguments."""
    caught = needs_retry.get("caught_exception")
    if caught is not None:
        return type(caught).__name__
    http_response, parsed = needs_retry.get("response") or (None, {})
    code = str((parsed or {}).get("Error", {}).get("Code") or "")
    status = getattr(http_response, "status_code", None)
    return code or f"HTTP {status}"


def describe_failure(error: BaseException, action: str) -> str:
    """Say which API action failed and why, e.g. 'iam:GetAccountSummary denied (AccessDenied)'."""
    if isinstance(error, ClientError):
        code = error_code(error) or "Unknown"
        if code in ACCESS_DENIED_CODES:
            return f"{action} denied ({code}): grant the function's role {action}"
        attempts = error.response.get("ResponseMetadata", {}).get("RetryAttempts")
        retried = f" after {attempts} retries" if attempts else ""
        message = str(error.response.get("Error", {}).get("Message") or "")[:120]
        return f"{action} failed{retried}: {code}" + (f" ({message})" if message else "")
    if isinstance(error, BotoCoreError):
        return f"{action} failed: {type(error).__name__}: {str(error)[:160]}"
    if isinstance(error, RuleError):  # the time budget refused the call or its retry
        return str(error)[:240]
    return f"{action} failed: {type(error).__name__}"
