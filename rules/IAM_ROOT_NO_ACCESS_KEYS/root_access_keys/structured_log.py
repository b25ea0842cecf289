"""One JSON log line per evaluation (or failure). Never credentials, never the report itself.

The AWS SDK's own loggers write request and response bodies, signed headers, credentials from
sts:AssumeRole and the resultToken at DEBUG. Whatever level the function logs at (Lambda's
ApplicationLogLevel), they are kept at WARNING or above.
"""

import json
import logging
import os
from typing import Any

LOGGER = logging.getLogger("root_access_keys")
if not os.environ.get("AWS_LAMBDA_LOG_LEVEL"):
    LOGGER.setLevel(logging.INFO)
SDK_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")


def quiet_sdk_loggers() -> None:
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def log_event(level: int, message: str, **fields: Any) -> None:
    LOGGER.log(level, json.dumps({"message": message, **fields}, default=str, sort_keys=True))


quiet_sdk_loggers()
