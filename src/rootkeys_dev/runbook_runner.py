"""Run an Automation runbook's steps locally, against moto or scripted AWS answers.

SSM Automation cannot run offline, so this module interprets the actions our runbooks use the
way Automation does: parameters (defaults, allowedPattern), `{{ }}` interpolation (a value that
is exactly one reference keeps its type), aws:executeScript (the step's own inline script is
exec'd into a fresh namespace and its Handler is called with (events, None); the returned
payload is read through the declared `$.Payload.X` selectors and type-checked), aws:branch,
aws:approve (a callback decides), aws:sleep, nextStep / isEnd / onFailure.

`RunbookClients` stands in for the scripts' `boto3` module: every client is a real botocore client
(real parameter validation and serialization); calls reach moto unless an answer was scripted
for that service, and every call is recorded with the credentials that signed it.
"""

import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from botocore.validate import ParamValidator

from .runbook_validator import REFERENCE

Approval = Callable[[str, Mapping[str, Any]], bool]
TYPES: dict[str, Callable[[Any], bool]] = {
    "String": lambda value: isinstance(value, str),
    "Integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "Boolean": lambda value: isinstance(value, bool),
    "StringList": lambda value: isinstance(value, list) and all(isinstance(item, str) for item in value),
    "StringMap": lambda value: isinstance(value, dict),
    "MapList": lambda value: isinstance(value, list) and all(isinstance(item, dict) for item in value),
}


class RunbookInputError(ValueError):
    """Automation would refuse to start the execution with these parameters."""


@dataclass
class Call:
    identity: str  # "role" (the execution role) or the access key id of explicit credentials
    action: str  # IAM action name, e.g. "sts:AssumeRoot"
    params: dict[str, Any]
    endpoint: str
    region: str


@dataclass
class Expectation:
    service: str
    operation: str
    response: dict[str, Any] | None
    error: tuple[str, str, int] | None
    identity: str | None
    params: dict[str, Any] | None


class RunbookClients:
    """A `boto3` stand-in for runbook scripts: real clients, recorded calls, optional scripted answers."""

    def __init__(self, scripted_services: frozenset[str] = frozenset()) -> None:
        self.scripted_services = scripted_services
        self.calls: list[Call] = []
        self.expected: deque[Expectation] = deque()

    def expect(
        self,
        service: str,
        operation: str,
        response: dict[str, Any] | None = None,
        *,
        error: tuple[str, str, int] | None = None,
        identity: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        """Queue the answer to the next call of a scripted service (checked in order)."""
        self.expected.append(Expectation(service, operation, response, error, identity, params))

    def client(self, service_name: str, **kwargs: Any) -> BaseClient:
        client = boto3.client(service_name, **kwargs)  # type: ignore[call-overload]
        identity = kwargs.get("aws_access_key_id") or "role"
        pending: dict[str, Any] = {}

        def capture(params: dict[str, Any], **_: Any) -> None:
            pending["params"] = dict(params)

        def answer(model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
            prefix = client.meta.service_model.signing_name
            params = pending.pop("params", {})
            meta = client.meta
            self.calls.append(
                Call(identity, f"{prefix}:{model.name}", params, meta.endpoint_url, meta.region_name)
            )
            if service_name not in self.scripted_services:
                return None  # let the call reach moto
            return self._scripted(service_name, model, identity, self.calls[-1].params)

        client.meta.events.register("before-parameter-build.*.*", capture)
        client.meta.events.register("before-call.*.*", answer)
        return client

    def _scripted(
        self, service: str, model: Any, identity: str, params: dict[str, Any]
    ) -> tuple[AWSResponse, dict[str, Any]]:
        if not self.expected:
            raise AssertionError(f"unexpected call {service}:{model.name} (no answer queued)")
        want = self.expected.popleft()
        if (want.service, want.operation) != (service, model.name):
            raise AssertionError(f"expected {want.service}:{want.operation}, got {service}:{model.name}")
        if want.identity is not None and want.identity != identity:
            raise AssertionError(f"{service}:{model.name} signed by {identity}, expected {want.identity}")
        if want.params is not None and want.params != params:
            raise AssertionError(f"{service}:{model.name} params {params} != {want.params}")
        if want.error is not None:
            code, message, status = want.error
            parsed = {
                "Error": {"Code": code, "Message": message},
                "ResponseMetadata": {"HTTPStatusCode": status},
            }
            return AWSResponse("https://scripted", status, {}, None), parsed
        response = dict(want.response or {})
        if model.output_shape is not None:
            report = ParamValidator().validate(response, model.output_shape)
            if report.has_errors():
                raise AssertionError(
                    f"scripted {model.name} response is not valid: {report.generate_report()}"
                )
        response.setdefault("ResponseMetadata", {"HTTPStatusCode": 200})
        return AWSResponse("https://scripted", 200, {}, None), response

    def actions(self, identity: str = "role") -> set[str]:
        return {call.action for call in self.calls if call.identity == identity}


@dataclass
class StepRecord:
    name: str
    action: str
    status: str  # Success | Failed
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    failure: str = ""


@dataclass
class Execution:
    status: str  # Success | Failed
    steps: list[StepRecord]
    outputs: dict[str, Any]

    @property
    def step_names(self) -> list[str]:
        return [step.name for step in self.steps]

    @property
    def failure(self) -> str:
        return next((step.failure for step in self.steps if step.status == "Failed"), "")

    def step(self, name: str) -> StepRecord:
        return next(step for step in self.steps if step.name == name)


def resolve_parameters(document: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter values as Automation would accept them; raises RunbookInputError otherwise."""
    declared = document.get("parameters", {})
    unknown = set(given) - set(declared)
    if unknown:
        raise RunbookInputError(f"unknown parameters {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in given:
            value = given[name]
        elif "default" in spec:
            value = spec["default"]
        else:
            raise RunbookInputError(f"parameter {name} is required")
        if not TYPES[spec["type"]](value):
            raise RunbookInputError(f"parameter {name} must be a {spec['type']}")
        items = value if isinstance(value, list) else [value]
        pattern = spec.get("allowedPattern")
        if pattern and not all(re.search(pattern, str(item)) for item in items):
            raise RunbookInputError(f"parameter {name} does not match {pattern}")
        if isinstance(value, list) and not spec.get("minItems", 0) <= len(value) <= spec.get(
            "maxItems", 10**6
        ):
            raise RunbookInputError(f"parameter {name} has {len(value)} items")
        values[name] = value
    return values


def interpolate(value: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        return {key: interpolate(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, variables) for item in value]
    if not isinstance(value, str):
        return value
    whole = REFERENCE.fullmatch(value.strip())
    if whole:
        return variables[whole.group(1)]
    return REFERENCE.sub(lambda match: str(variables[match.group(1)]), value)


def run_handler(
    script: str, handler: str, events: Mapping[str, Any], aws: RunbookClients | None = None
) -> Any:
    """Exec a step's script in a fresh namespace (as each Automation step does) and call its handler."""
    namespace: dict[str, Any] = {"__name__": "runbook_step"}
    exec(compile(script, f"<runbook step {handler}>", "exec"), namespace)  # noqa: S102 - the runbook's own script
    if aws is not None:
        namespace["boto3"] = aws
    return namespace[handler](dict(events), None)


def _select(payload: Any, selector: str) -> Any:
    if not selector.startswith("$.Payload"):
        raise ValueError(f"unsupported selector {selector}")
    value = payload
    for part in filter(None, selector[len("$.Payload") :].split(".")):
        value = value[part]
    return value


def _branch(inputs: Mapping[str, Any]) -> str:
    tests: dict[str, Callable[[Any, Any], bool]] = {
        "BooleanEquals": lambda actual, expected: actual is expected,
        "StringEquals": lambda actual, expected: actual == expected,
        "NumericEquals": lambda actual, expected: actual == expected,
        "NumericGreater": lambda actual, expected: actual > expected,
        "NumericLesser": lambda actual, expected: actual < expected,
    }
    for choice in inputs["Choices"]:
        [operator] = set(choice) & set(tests)
        if tests[operator](choice["Variable"], choice[operator]):
            return str(choice["NextStep"])
    return str(inputs["Default"])


def run_runbook(
    document: Mapping[str, Any],
    parameters: Mapping[str, Any],
    *,
    aws: RunbookClients | None = None,
    approve: Approval | None = None,
    system: Mapping[str, Any] | None = None,
) -> Execution:
    variables: dict[str, Any] = {
        "global:ACCOUNT_ID": "123456789012",
        "global:REGION": "us-east-1",
        "global:AWS_PARTITION": "aws",
        "global:DATE": datetime.now().strftime("%Y-%m-%d"),
        "automation:EXECUTION_ID": "00000000-1111-2222-3333-444444444444",
        **(system or {}),
    }
    variables.update(resolve_parameters(document, parameters))
    steps = list(document["mainSteps"])
    index = {step["name"]: position for position, step in enumerate(steps)}
    records: list[StepRecord] = []
    position: int | None = 0
    while position is not None and position < len(steps):
        step = steps[position]
        record = StepRecord(
            step["name"], step["action"], "Success", interpolate(step.get("inputs", {}), variables)
        )
        records.append(record)
        next_name: str | None = step.get("nextStep")
        try:
            if step["action"] == "aws:executeScript":
                inputs = record.inputs
                payload = run_handler(
                    inputs["Script"], inputs["Handler"], inputs.get("InputPayload", {}), aws
                )
                for output in step.get("outputs", []):
                    value = _select(payload, output["Selector"])
                    if not TYPES[output["Type"]](value):
                        raise TypeError(f"output {output['Name']} is not a {output['Type']}: {value!r}")
                    record.outputs[output["Name"]] = value
            elif step["action"] == "aws:branch":
                next_name = _branch(record.inputs)
            elif step["action"] == "aws:approve":
                if approve is None or not approve(step["name"], record.inputs):
                    raise RuntimeError("the approval was rejected or timed out")
            elif step["action"] != "aws:sleep":
                raise NotImplementedError(f"{step['action']} is not interpreted here")
        except (AssertionError, NotImplementedError):
            raise  # a broken test setup, not a failing step
        except Exception as error:  # a failing step records its error, as Automation does
            record.status, record.failure = "Failed", f"{type(error).__name__}: {error}"
            target = step.get("onFailure", "Abort")
            if not str(target).startswith("step:"):
                return Execution("Failed", records, _document_outputs(document, records))
            next_name = str(target)[len("step:") :]
        variables.update({f"{record.name}.{name}": value for name, value in record.outputs.items()})
        if step.get("isEnd") is True and record.status == "Success":
            break
        position = index[next_name] if next_name else position + 1
    return Execution("Success", records, _document_outputs(document, records))


def _document_outputs(document: Mapping[str, Any], records: list[StepRecord]) -> dict[str, Any]:
    values = {f"{record.name}.{name}": value for record in records for name, value in record.outputs.items()}
    return {name: values[name] for name in document.get("outputs", []) if name in values}
