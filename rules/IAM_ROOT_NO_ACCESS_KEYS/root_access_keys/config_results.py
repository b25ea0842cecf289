"""Record evaluations with config:PutEvaluations, treating any unrecorded evaluation as an error."""

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .aws_errors import describe_failure
from .errors import EvaluationNotRecordedError

MAX_EVALUATIONS_PER_CALL = 100
VALID_COMPLIANCE_TYPES = frozenset({"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"})


def put_evaluations(
    config: Any, evaluations: Sequence[dict[str, Any]], result_token: str, *, test_mode: bool
) -> None:
    """Send evaluations (at most 100 a call); raise unless AWS Config accepted every one."""
    for evaluation in evaluations:
        if evaluation.get("ComplianceType") not in VALID_COMPLIANCE_TYPES:
            raise EvaluationNotRecordedError(
                f"Refusing to send ComplianceType {evaluation.get('ComplianceType')!r}"
            )
    for start in range(0, len(evaluations), MAX_EVALUATIONS_PER_CALL):
        batch = list(evaluations[start : start + MAX_EVALUATIONS_PER_CALL])
        try:
            response = config.put_evaluations(Evaluations=batch, ResultToken=result_token, TestMode=test_mode)
        except (ClientError, BotoCoreError) as error:
            raise EvaluationNotRecordedError(describe_failure(error, "config:PutEvaluations")) from error
        failed = response.get("FailedEvaluations") or []
        if failed:
            ids = ", ".join(
                f"{item.get('ComplianceResourceType')}/{item.get('ComplianceResourceId')}"
                for item in failed[:5]
            )
            raise EvaluationNotRecordedError(
                f"AWS Config did not record {len(failed)} of {len(batch)} evaluation(s): {ids}"
            )
