"""What the Lambda runtime gives the rule, for local runs: the handler import and a context object.

`load_handler()` imports `IAM_ROOT_NO_ACCESS_KEYS.lambda_handler` from the RDK rule folder the way
the python3.12 runtime does (the folder is the import root). `FakeLambdaContext` carries the parts
of the context the rule reads: the remaining time and the invoked function's ARN.
"""

import importlib
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

RULE_NAME = "IAM_ROOT_NO_ACCESS_KEYS"
RULE_DIR = Path(__file__).resolve().parent.parent.parent / "rules" / RULE_NAME

Handler = Callable[[dict[str, Any], object], list[dict[str, Any]]]


def load_handler(code_root: Path = RULE_DIR) -> Handler:
    """The rule's lambda_handler, imported from code_root (the rule folder or an unpacked zip)."""
    if not (code_root / f"{RULE_NAME}.py").is_file():
        raise RuntimeError(
            f"{RULE_NAME}.py not found in {code_root}: run from a source checkout (pip install -e .)"
        )
    if str(code_root) not in sys.path:
        sys.path.insert(0, str(code_root))
    module = importlib.import_module(RULE_NAME)
    return module.lambda_handler


class FakeLambdaContext:
    """A Lambda context whose remaining time comes from `remaining_seconds` (a real or fake clock)."""

    def __init__(
        self,
        account_id: str,
        budget_seconds: float = 120.0,
        *,
        remaining_seconds: Callable[[], float] | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.function_name = RULE_NAME
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{RULE_NAME}"
        self.aws_request_id = str(uuid.uuid4())
        if remaining_seconds is None:
            deadline = time.monotonic() + budget_seconds
            remaining_seconds = lambda: deadline - time.monotonic()  # noqa: E731
        self._remaining_seconds = remaining_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._remaining_seconds() * 1000))
