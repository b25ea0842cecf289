"""One time budget per invocation: every call, retry and report poll asks it first.

The budget comes from the Lambda context's `get_remaining_time_in_millis()` (or, for the CLI, a
deadline). It keeps two amounts back:
- `record_reserve`, for config:PutEvaluations, until the evaluation is recorded: gathering
  evidence may never eat the time needed to record the verdict;
- `exit_margin`, at the very end, for the log line and the return.

Per HTTP attempt (botocore hooks in `clients.py`): an attempt starts only when at least
`connect_timeout + min_read_timeout` fit in what is available to that operation, and its read
timeout shrinks to what is left. Before botocore sleeps to retry, the retry is refused unless the
longest backoff botocore's standard mode may choose, plus one more minimal attempt, still fit.
So, with botocore's own retries left in place, no attempt and no backoff can cross the deadline.
A refused attempt raises `DeadlineReachedError`, naming the operation and what was slow.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from .errors import DeadlineReachedError

# The Lambda function's timeout in every template; tests prove the templates and README agree.
FUNCTION_TIMEOUT_SECONDS = 120
# How long `rootkeys audit` waits, by default, for a credential report being generated.
CLI_TIMEOUT_SECONDS = 60.0
RECORD_OPERATION = "config:PutEvaluations"
# botocore's standard retry mode sleeps at most min(2 ** (attempt - 1), 20) seconds (throttling
# scale), plus up to 5 more when AWS sends x-amz-retry-after (botocore/retries/standard.py).
MAX_BACKOFF_SECONDS = 20.0
RETRY_AFTER_EXTRA_SECONDS = 5.0


@dataclass(frozen=True)
class BudgetPolicy:
    """Timeouts, attempts and reserves. All in seconds except max_attempts (HTTP requests a call)."""

    connect_timeout: float
    read_timeout: float
    min_read_timeout: float
    max_attempts: int
    record_reserve: float
    exit_margin: float

    @property
    def min_attempt_seconds(self) -> float:
        return self.connect_timeout + self.min_read_timeout


# The Lambda function: 5 attempts a call (4 retries), short per-attempt timeouts, 15 s kept for
# PutEvaluations (one full attempt plus a short retry), 1 s kept for the log line.
LAMBDA_POLICY = BudgetPolicy(
    connect_timeout=3.0,
    read_timeout=10.0,
    min_read_timeout=1.0,
    max_attempts=5,
    record_reserve=15.0,
    exit_margin=1.0,
)
# The CLI records nothing, so it keeps nothing back.
CLI_POLICY = BudgetPolicy(
    connect_timeout=3.0,
    read_timeout=20.0,
    min_read_timeout=1.0,
    max_attempts=5,
    record_reserve=0.0,
    exit_margin=0.0,
)


def backoff_bound(attempt: int, *, retry_after: bool = True) -> float:
    """The longest sleep botocore's standard mode may take after failed attempt `attempt` (1-based);
    retry_after: the response carried x-amz-retry-after, which may lengthen it."""
    return min(2.0 ** (attempt - 1), MAX_BACKOFF_SECONDS) + (
        RETRY_AFTER_EXTRA_SECONDS if retry_after else 0.0
    )


class Budget:
    """Seconds left in this invocation, and what each operation may spend of them."""

    def __init__(self, remaining_seconds: Callable[[], float], policy: BudgetPolicy = LAMBDA_POLICY) -> None:
        self._remaining_seconds = remaining_seconds
        self.policy = policy
        self._recorded = False

    @classmethod
    def from_context(cls, context: object, policy: BudgetPolicy = LAMBDA_POLICY) -> "Budget":
        """From the Lambda context; without one (a local call), the function timeout from now."""
        get_remaining = getattr(context, "get_remaining_time_in_millis", None)
        if callable(get_remaining):
            return cls(lambda: float(get_remaining()) / 1000.0, policy)
        return cls.from_seconds(FUNCTION_TIMEOUT_SECONDS, policy)

    @classmethod
    def from_seconds(
        cls, seconds: float, policy: BudgetPolicy = CLI_POLICY, clock: Callable[[], float] = time.monotonic
    ) -> "Budget":
        deadline = clock() + max(seconds, 0.0)
        return cls(lambda: deadline - clock(), policy)

    def remaining(self) -> float:
        """Seconds until the deadline."""
        return self._remaining_seconds()

    def mark_recorded(self) -> None:
        """PutEvaluations is done: its reserve is free for what follows (the optional finding)."""
        self._recorded = True

    def available(self, operation: str) -> float:
        """Seconds `operation` ("service:Action") may still spend."""
        keep = self.policy.exit_margin
        if not self._recorded and operation != RECORD_OPERATION:
            keep += self.policy.record_reserve
        return self.remaining() - keep

    def attempt_read_timeout(self, operation: str, *, adjustable: bool = True) -> float:
        """The read timeout for an HTTP attempt starting now; raises when no minimal attempt fits.

        adjustable False: the HTTP layer cannot shorten the read timeout of one request, so the
        attempt needs the full configured read timeout.
        """
        available = self.available(operation)
        needed = (
            self.policy.min_attempt_seconds
            if adjustable
            else (self.policy.connect_timeout + self.policy.read_timeout)
        )
        if available < needed:
            raise DeadlineReachedError(
                f"{operation} not started: {max(available, 0.0):.1f}s of the time budget left, "
                f"an attempt needs {needed:.0f}s"
            )
        return min(self.policy.read_timeout, available - self.policy.connect_timeout)

    def check_retry(self, operation: str, attempt: int, cause: str, *, retry_after: bool = True) -> None:
        """Raise unless the backoff after failed `attempt` plus a minimal attempt still fit."""
        needed = backoff_bound(attempt, retry_after=retry_after) + self.policy.min_attempt_seconds
        available = self.available(operation)
        if available < needed:
            raise DeadlineReachedError(
                f"{operation} too slow: {cause} on attempt {attempt}, and {max(available, 0.0):.1f}s "
                f"of the time budget left is too little to retry"
            )

    def can_wait(self, seconds: float, operation: str) -> bool:
        """Whether a wait of `seconds` still leaves room for a minimal attempt at `operation`."""
        return self.available(operation) >= seconds + self.policy.min_attempt_seconds
