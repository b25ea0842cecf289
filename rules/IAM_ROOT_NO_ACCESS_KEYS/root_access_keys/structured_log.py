"""One JSON log line per evaluation (or failure). Never credentials, never the report itself."""

import json
import logging
import os
from typing import Any

LOGGER = logging.getLogger("root_access_keys")
if not os.environ.get("AWS_LAMBDA_LOG_LEVEL"):
    LOGGER.setLevel(logging.INFO)


def log_event(level: int, message: str, **fields: Any) -> None:
    LOGGER.log(level, json.dumps({"message": message, **fields}, default=str, sort_keys=True))
