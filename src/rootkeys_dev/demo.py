"""`rootkeys demo`: the rule's real Lambda handler against a local AWS emulator.

A moto server runs on 127.0.0.1 (random free port) in this process, with the root-user model
installed so that GetAccountSummary and the credential report show each scenario's root user.
Every scenario gets its own account id (moto's MOTO_ACCOUNT_ID), a Config-shaped periodic
event with result token TESTMODE, and a Lambda context whose remaining time bounds the report
polling. The demo checks its own results: it exits 0 only when every scenario produced the
outcome it expects.
"""

import json
import logging
import os
import shutil
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from root_access_keys.clients import clear_client_cache
from root_access_keys.spec import RULE_NAME

from .config_events import scheduled_event
from .emulator import RootKey, RootState, RootUserModel
from .lambda_runtime import FakeLambdaContext, load_handler

REGION = "us-east-1"
ERROR = "ERROR"
LOGGER_NAME = "root_access_keys"
MIN_ANNOTATION_WIDTH = 40
CONFIG_SERVICE_ROLE = "aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
# A Lambda timeout that leaves room for report polling (the evaluator keeps 8 s in reserve).
DEFAULT_BUDGET_SECONDS = 60.0

_LAST_USED = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
_ENV_NAMES = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
    "MOTO_ACCOUNT_ID",
)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    state: Callable[[], RootState]
    expected: str  # COMPLIANT, NON_COMPLIANT or ERROR
    expected_text: str  # must appear in the annotation (or the error)
    rule_parameters: Mapping[str, str] = field(default_factory=dict)
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    # A credential report already exists when the rule runs (the usual case in a real account).
    report_exists: bool = True
    expected_calls: tuple[str, ...] | None = None


def _used_key() -> RootKey:
    return RootKey(
        active=True,
        last_used=_LAST_USED,
        last_used_region="eu-west-1",
        last_used_service="s3",
    )


FAST_PATH_CALLS = ("iam:GetAccountSummary", "config:PutEvaluations")

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "no-keys",
        "root has a password and MFA, no access key",
        lambda: RootState(keys=[]),
        "COMPLIANT",
        "No root access key exists",
        expected_calls=FAST_PATH_CALLS,
    ),
    Scenario(
        "centrally-managed",
        "root has no credentials at all (Organizations central root access)",
        lambda: RootState(keys=[], password=False, mfa=False),
        "COMPLIANT",
        "centrally managed",
        expected_calls=FAST_PATH_CALLS,
    ),
    Scenario(
        "one-active-key",
        "one active key, last used for S3",
        lambda: RootState(keys=[_used_key()]),
        "NON_COMPLIANT",
        "1 active, 0 inactive",
        expected_calls=("iam:GetAccountSummary", "iam:GetCredentialReport", "config:PutEvaluations"),
    ),
    Scenario(
        "inactive-key-only",
        "one inactive key, never used",
        lambda: RootState(keys=[RootKey(active=False)]),
        "NON_COMPLIANT",
        "0 active, 1 inactive",
    ),
    Scenario(
        "inactive-key-ignored",
        "the same, with IgnoreInactiveKeys=true",
        lambda: RootState(keys=[RootKey(active=False)]),
        "COMPLIANT",
        "inactive keys are accepted",
        rule_parameters={"IgnoreInactiveKeys": "true"},
    ),
    Scenario(
        "two-keys",
        "one active key in use and one inactive key",
        lambda: RootState(keys=[_used_key(), RootKey(active=False)]),
        "NON_COMPLIANT",
        "1 active, 1 inactive",
    ),
    Scenario(
        "stale-report",
        "a key exists but the report predates it",
        lambda: RootState(keys=[RootKey(active=True)], report_lists_keys=False),
        "NON_COMPLIANT",
        "stale",
    ),
    Scenario(
        "report-generating",
        "report expired; generation takes one poll, then completes",
        lambda: RootState(keys=[_used_key()], report_expired=True, generation_polls=1),
        "NON_COMPLIANT",
        "1 active, 0 inactive",
        budget_seconds=15.0,
        report_exists=False,
    ),
    Scenario(
        "report-past-budget",
        "report still generating when the Lambda's time budget runs out",
        lambda: RootState(keys=[_used_key()], report_expired=True, generation_polls=100),
        "NON_COMPLIANT",
        "time budget reached",
        budget_seconds=10.0,
        report_exists=False,
    ),
    Scenario(
        "report-denied",
        "the role lacks iam:GetCredentialReport",
        lambda: RootState(keys=[_used_key()], denied_actions=frozenset({"GetCredentialReport"})),
        "NON_COMPLIANT",
        "detail unavailable: iam:GetCredentialReport denied",
    ),
    Scenario(
        "summary-denied",
        "the role lacks iam:GetAccountSummary: nothing can be decided",
        lambda: RootState(keys=[_used_key()], denied_actions=frozenset({"GetAccountSummary"})),
        ERROR,
        "iam:GetAccountSummary denied",
    ),
    Scenario(
        "signing-certificate",
        "no key but an X.509 signing certificate; IncludeSigningCertificates is true",
        lambda: RootState(keys=[], certificates=1),
        "NON_COMPLIANT",
        "signing certificates",
        rule_parameters={"IncludeSigningCertificates": "true"},
    ),
    Scenario(
        "bad-parameter",
        'IgnoreInactiveKeys="yes": rejected, no evaluation written',
        lambda: RootState(keys=[]),
        ERROR,
        "IgnoreInactiveKeys must be",
        rule_parameters={"IgnoreInactiveKeys": "yes"},
    ),
)


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    account_id: str
    recorded: str  # the ComplianceType sent to PutEvaluations, or ERROR
    text: str  # the annotation, or the error
    api_calls: tuple[str, ...]
    log_lines: tuple[str, ...]
    seconds: float

    @property
    def problems(self) -> list[str]:
        found = []
        if self.recorded != self.scenario.expected:
            found.append(f"expected {self.scenario.expected}")
        if self.scenario.expected_text not in self.text:
            found.append(f"text lacks {self.scenario.expected_text!r}")
        if self.scenario.expected_calls is not None and self.api_calls != self.scenario.expected_calls:
            found.append("calls differ from " + ", ".join(self.scenario.expected_calls))
        return found


class _LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def _captured_rule_logs() -> Iterator[_LogCapture]:
    logger = logging.getLogger(LOGGER_NAME)
    capture = _LogCapture()
    propagate = logger.propagate
    logger.addHandler(capture)
    logger.propagate = False  # the table shows the outcome; --verbose prints the lines
    try:
        yield capture
    finally:
        logger.removeHandler(capture)
        logger.propagate = propagate


@contextmanager
def _demo_environment(endpoint: str) -> Iterator[None]:
    # Service-specific endpoint overrides (AWS_ENDPOINT_URL_IAM, ...) would bypass the emulator.
    names = {*_ENV_NAMES, *(name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_"))}
    saved = {name: os.environ.get(name) for name in names}
    for name in names:
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "demo",
            "AWS_SECRET_ACCESS_KEY": "demo",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    clear_client_cache()
    try:
        yield
    finally:
        clear_client_cache()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def local_emulator() -> Iterator[str]:
    """A moto server on 127.0.0.1 with a free port, reset before use; yields its endpoint URL."""
    # The emulator's HTTP server logs every request to stderr; only its errors matter here.
    server_log = logging.getLogger("werkzeug")
    server_level = server_log.level
    server_log.setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310 - local http
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()
        yield endpoint
    finally:
        server.stop()
        server_log.setLevel(server_level)


def _account_id(index: int) -> str:
    return f"{100000000000 + 101 * (index + 1):012d}"


def run_scenario(
    scenario: Scenario,
    account_id: str,
    model: RootUserModel,
    handler: Callable[[dict[str, Any], object], list[dict[str, Any]]],
    capture: _LogCapture,
) -> Outcome:
    os.environ["MOTO_ACCOUNT_ID"] = account_id
    if scenario.report_exists:
        # An earlier run left a report behind: generate it before the root state is installed.
        model.set(account_id, RootState(keys=[]))
        boto3.client("iam", region_name=REGION).generate_credential_report()
    state = model.set(account_id, scenario.state())
    first_line = len(capture.lines)
    started = time.monotonic()
    try:
        evaluations = handler(
            scheduled_event(
                account_id,
                rule_parameters=scenario.rule_parameters,
                notification_time=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                execution_role_name=CONFIG_SERVICE_ROLE,
                config_rule_id="config-rule-demo01",
            ),
            FakeLambdaContext(account_id, scenario.budget_seconds),
        )
    except Exception as error:  # the handler raising is the outcome this row shows
        recorded, text = ERROR, f"{type(error).__name__}: {error}"
    else:
        if len(evaluations) == 1:
            recorded = str(evaluations[0]["ComplianceType"])
            text = str(evaluations[0].get("Annotation", ""))
        else:
            recorded, text = ERROR, f"expected one evaluation, got {len(evaluations)}"
    seconds = time.monotonic() - started
    lines = tuple(capture.lines[first_line:])
    return Outcome(scenario, account_id, recorded, text, _api_calls(lines, state), lines, seconds)


def _api_calls(log_lines: Sequence[str], state: RootState) -> tuple[str, ...]:
    """The calls the handler logged for this invocation (its one structured line)."""
    for line in reversed(log_lines):
        try:
            fields = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(fields, dict) and isinstance(fields.get("api_calls"), list):
            return tuple(str(call) for call in fields["api_calls"])
    return tuple(f"iam:{call}" for call in state.calls)


def run_scenarios(scenarios: Sequence[Scenario] = SCENARIOS) -> tuple[str, list[Outcome]]:
    """Run each scenario against a fresh local emulator; returns the endpoint used and outcomes."""
    handler = load_handler()
    model = RootUserModel()
    outcomes = []
    with (
        _captured_rule_logs() as capture,
        local_emulator() as endpoint,
        _demo_environment(endpoint),
        model.install(),
    ):
        for index, scenario in enumerate(scenarios):
            outcomes.append(run_scenario(scenario, _account_id(index), model, handler, capture))
    return endpoint, outcomes


def _compact_calls(calls: Sequence[str]) -> list[str]:
    lines: list[str] = []
    previous, count = None, 0
    for call in [*calls, None]:
        if call == previous:
            count += 1
            continue
        if previous is not None:
            lines.append(previous + (f" x{count}" if count > 1 else ""))
        previous, count = call, 1
    return lines or ["(none)"]


def _status(outcome: Outcome) -> list[str]:
    problems = outcome.problems
    return [outcome.recorded, "as expected" if not problems else "UNEXPECTED"]


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _table(outcomes: Sequence[Outcome], name_width: int, calls_width: int, text_width: int) -> str:
    result_width = len("NON_COMPLIANT")

    def line(*cells: str) -> str:
        name, result, calls, text = cells
        return f"{name:<{name_width}}  {result:<{result_width}}  {calls:<{calls_width}}  {text}".rstrip()

    blocks = []
    for outcome in outcomes:
        columns = [
            [outcome.scenario.name, *_wrap(outcome.scenario.description, name_width)],
            _status(outcome),
            _compact_calls(outcome.api_calls),
            _wrap(outcome.text, text_width),
        ]
        height = max(len(column) for column in columns)
        padded = [column + [""] * (height - len(column)) for column in columns]
        blocks.append("\n".join(line(*cells) for cells in zip(*padded, strict=True)))
    header = line("SCENARIO", "RECORDED", "API CALLS", "ANNOTATION (or error)")
    rule = "-" * max(len(row) for block in [header, *blocks] for row in block.splitlines())
    return header + "\n" + rule + "\n" + "\n\n".join(blocks)


def _blocks(outcomes: Sequence[Outcome], width: int) -> str:
    blocks = []
    for outcome in outcomes:
        lines = [
            f"{outcome.scenario.name}: {' '.join(_status(outcome))}",
            *_wrap(outcome.scenario.description, width - 4),
            "calls: " + ", ".join(_compact_calls(outcome.api_calls)),
            *_wrap(outcome.text, width - 4),
        ]
        blocks.append("\n    ".join(lines))
    return "\n\n".join(blocks)


def render_table(outcomes: Sequence[Outcome], width: int) -> str:
    """A table on terminals wide enough for it, one block per scenario otherwise."""
    name_width = max(26, *(len(outcome.scenario.name) for outcome in outcomes))
    calls_width = max(len("API CALLS"), *(len(c) for o in outcomes for c in _compact_calls(o.api_calls)))
    text_width = width - (name_width + len("NON_COMPLIANT") + calls_width + 6)
    if text_width >= MIN_ANNOTATION_WIDTH:
        return _table(outcomes, name_width, calls_width, text_width)
    return _blocks(outcomes, max(width, 40))


def _select(names: Sequence[str] | None) -> list[Scenario]:
    if not names:
        return list(SCENARIOS)
    by_name = {scenario.name: scenario for scenario in SCENARIOS}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ValueError(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(by_name)}")
    return [by_name[name] for name in names]


def run(
    scenario_names: Sequence[str] | None = None,
    *,
    verbose: bool = False,
    list_only: bool = False,
    scenarios: Sequence[Scenario] | None = None,
) -> int:
    """Run the demo and print the table. Returns the process exit code."""
    try:
        chosen = list(scenarios) if scenarios is not None else _select(scenario_names)
    except ValueError as error:
        print(f"rootkeys demo: {error}", file=sys.stderr)
        return 2
    if list_only:
        for scenario in chosen:
            print(f"{scenario.name:<22} expects {scenario.expected:<13} {scenario.description}")
        return 0
    started = time.monotonic()
    try:
        endpoint, outcomes = run_scenarios(chosen)
    except (OSError, RuntimeError) as error:
        print(f"rootkeys demo: could not run the local emulator: {error}", file=sys.stderr)
        return 2
    elapsed = time.monotonic() - started
    width = max(shutil.get_terminal_size((140, 24)).columns, 60)
    intro = (
        f"{RULE_NAME}: the real lambda_handler against a local AWS emulator (moto at {endpoint}). "
        "Each row is one invocation with a Config-shaped periodic event in TestMode; RECORDED is the "
        "ComplianceType the function sent to config:PutEvaluations, or ERROR when it raised."
    )
    print("\n".join(_wrap(intro, min(width, 100))) + "\n")
    print(render_table(outcomes, width))
    if verbose:
        print("\nLog lines (one structured line per invocation, as CloudWatch would show):")
        for outcome in outcomes:
            print(f"[{outcome.scenario.name}] account {outcome.account_id}, {outcome.seconds:.2f}s")
            for line in outcome.log_lines:
                print(f"  {line}")
    failed = [outcome for outcome in outcomes if outcome.problems]
    print(
        f"\n{len(outcomes) - len(failed)}/{len(outcomes)} scenarios gave the expected outcome "
        f"in {elapsed:.1f}s."
    )
    for outcome in failed:
        print(f"UNEXPECTED {outcome.scenario.name}: {'; '.join(outcome.problems)}", file=sys.stderr)
    return 1 if failed else 0
