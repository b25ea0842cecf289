"""`rootkeys demo`: the rule's real Lambda handler against a local AWS emulator.

A moto server runs on 127.0.0.1 (random free port) in this process, with the root-user model
installed so that GetAccountSummary and the credential report show each scenario's root user.
Every scenario gets its own account id (moto's MOTO_ACCOUNT_ID), a Config-shaped periodic
event with result token TESTMODE, and a Lambda context whose remaining time bounds the
invocation. The demo checks its own results: it exits 0 only when every scenario produced the
outcome it expects.
"""

import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
from root_access_keys.spec import RULE_NAME

from .config_events import scheduled_event
from .demo_scenarios import ERROR, SCENARIOS, Scenario
from .demo_table import Outcome, render_table, wrap
from .emulator import RootState, RootUserModel
from .lambda_runtime import FakeLambdaContext, load_handler
from .local_aws import REGION, emulator_environment, local_emulator

LOGGER_NAME = "root_access_keys"
CONFIG_SERVICE_ROLE = "aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


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
        emulator_environment(endpoint),
        model.install(),
    ):
        for index, scenario in enumerate(scenarios):
            outcomes.append(run_scenario(scenario, _account_id(index), model, handler, capture))
    return endpoint, outcomes


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
    print("\n".join(wrap(intro, min(width, 100))) + "\n")
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
