"""AWS Config custom rule IAM_ROOT_NO_ACCESS_KEYS: the account root user must have no access keys.

Lambda handler: IAM_ROOT_NO_ACCESS_KEYS.lambda_handler. The logic lives in root_access_keys/.
"""

from typing import Any

from root_access_keys.handler import HANDLER


def lambda_handler(event: dict[str, Any], context: object) -> list[dict[str, Any]]:
    return HANDLER.handle(event, context)
