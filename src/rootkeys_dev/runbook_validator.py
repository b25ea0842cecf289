"""Static checks for SSM Automation runbooks (schemaVersion '0.3').

SSM validates a document only when it is created in an account; this module catches the same
class of faults offline, plus a few policy checks of this project (inline Python scripts whose
handler exists, approval steps with approvers and a timeout, a default path for every branch).

`validate_runbook(document)` returns a list of `Finding`s (empty means valid);
`python -m rootkeys_dev.runbook_validator FILE...` prints them and exits 1 when there are any.
"""

import argparse
import ast
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SCHEMA_VERSION = "0.3"
TOP_LEVEL_KEYS = frozenset(
    {"description", "schemaVersion", "assumeRole", "parameters", "mainSteps", "outputs", "files", "variables"}
)
STEP_KEYS = frozenset(
    {
        "name",
        "action",
        "description",
        "inputs",
        "outputs",
        "onFailure",
        "onCancel",
        "nextStep",
        "isEnd",
        "isCritical",
        "maxAttempts",
        "timeoutSeconds",
    }
)
PARAMETER_TYPES = frozenset({"String", "StringList", "Integer", "Boolean", "MapList", "StringMap"})
PARAMETER_KEYS = frozenset(
    {"type", "description", "default", "allowedValues", "allowedPattern", "displayType"}
    | {"minItems", "maxItems", "minChars", "maxChars"}
)
OUTPUT_TYPES = PARAMETER_TYPES
PYTHON_TYPES = {
    "String": str,
    "StringList": list,
    "Integer": int,
    "Boolean": bool,
    "MapList": list,
    "StringMap": dict,
}
STEP_NAME = re.compile(r"^[A-Za-z0-9_]{1,128}$")
PARAMETER_NAME = re.compile(r"^[A-Za-z0-9_]{1,128}$")
REFERENCE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
# System variables Automation documents may reference.
AUTOMATION_VARIABLES = frozenset(
    {
        "global:ACCOUNT_ID",
        "global:AWS_PARTITION",
        "global:DATE",
        "global:DATE_TIME",
        "global:REGION",
        "automation:EXECUTION_ID",
    }
)
# Runtimes accepted for aws:executeScript (the project requires Python 3.11 or newer; SSM retired
# 3.6 to 3.9). python3.11 is the runtime AWS points runbooks to and exists in every partition,
# GovCloud included, so our runbooks use it; python3.12 is accepted where SSM offers it.
PYTHON_RUNTIMES = {"python3.11": (3, 11), "python3.12": (3, 12)}
POWERSHELL_RUNTIMES = frozenset({"PowerShell 7.4"})
MAX_SCRIPT_SECONDS = 600
MAX_APPROVAL_SECONDS = 2_592_000  # 30 days
MAX_APPROVERS = 10
BRANCH_OPERATORS = frozenset(
    {
        "StringEquals",
        "EqualsIgnoreCase",
        "StartsWith",
        "EndsWith",
        "Contains",
        "NumericEquals",
        "NumericGreater",
        "NumericLesser",
        "NumericGreaterOrEquals",
        "NumericLesserOrEquals",
        "BooleanEquals",
    }
)
BRANCH_COMBINATORS = frozenset({"And", "Or", "Not"})
SCRIPT_MODULES = frozenset(sys.stdlib_module_names) | {"boto3", "botocore"}


@dataclass(frozen=True)
class ActionSpec:
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    one_of: frozenset[str] = frozenset()  # exactly one of these inputs must be present
    builtin_outputs: frozenset[str] = frozenset()
    open_inputs: bool = False  # API parameters are inputs too (aws:executeAwsApi and friends)


def _spec(
    required: Sequence[str] = (),
    optional: Sequence[str] = (),
    *,
    one_of: Sequence[str] = (),
    outputs: Sequence[str] = (),
    open_inputs: bool = False,
) -> ActionSpec:
    return ActionSpec(
        frozenset(required), frozenset(optional), frozenset(one_of), frozenset(outputs), open_inputs
    )


_API = ("Service", "Api")
_PROPERTY = (*_API, "PropertySelector", "DesiredValues")
ACTIONS: dict[str, ActionSpec] = {
    "aws:approve": _spec(
        ["Approvers"], ["Message", "MinRequiredApprovals", "NotificationArn"],
        outputs=["ApprovalStatus", "ApproverDecisions"],
    ),
    "aws:assertAwsResourceProperty": _spec(_PROPERTY, open_inputs=True),
    "aws:branch": _spec(["Choices"], ["Default"]),
    "aws:changeInstanceState": _spec(["InstanceIds", "DesiredState"], ["CheckStateOnly", "Force"]),
    "aws:createStack": _spec(["StackName"], open_inputs=True, outputs=["StackId", "StackStatus"]),
    "aws:createTags": _spec(["ResourceIds", "Tags"], ["ResourceType"]),
    "aws:deleteStack": _spec(["StackName"], open_inputs=True),
    "aws:executeAutomation": _spec(
        ["DocumentName"], ["DocumentVersion", "RuntimeParameters", "TargetParameterName", "Targets",
                           "TargetMaps", "MaxConcurrency", "MaxErrors", "TargetLocations"],
        outputs=["ExecutionId", "Status", "Output"],
    ),
    "aws:executeAwsApi": _spec(_API, open_inputs=True),
    "aws:executeScript": _spec(
        ["Runtime", "Handler"], ["InputPayload"], one_of=["Script", "Attachment"], outputs=["OutputPayload"]
    ),
    "aws:executeStateMachine": _spec(["stateMachineArn"], ["input", "name"]),
    "aws:invokeLambdaFunction": _spec(
        ["FunctionName"],
        ["Qualifier", "InvocationType", "LogType", "ClientContext", "Payload", "InputPayload"],
        outputs=["StatusCode", "FunctionError", "LogResult", "Payload"],
    ),
    "aws:pause": _spec(),
    "aws:runCommand": _spec(["DocumentName"], open_inputs=True, outputs=["CommandId", "Status", "Output"]),
    "aws:sleep": _spec(one_of=["Duration", "Timestamp"]),
    "aws:waitForAwsResourceProperty": _spec(_PROPERTY, open_inputs=True),
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class RunbookValidationError(ValueError):
    """Raised by `check_runbook` with every finding of an invalid runbook."""

    def __init__(self, source: str, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        super().__init__(f"{source}: {len(findings)} problem(s)\n" + "\n".join(f"  {f}" for f in findings))


def load_runbook(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise RunbookValidationError(str(path), [Finding("document", "is not a YAML mapping")])
    return document


def check_runbook(document: Mapping[str, Any], source: str = "runbook") -> None:
    findings = validate_runbook(document)
    if findings:
        raise RunbookValidationError(source, findings)


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class _Validator:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.findings: list[Finding] = []
        self.parameters: dict[str, Mapping[str, Any]] = {}
        self.steps: list[Mapping[str, Any]] = []
        self.index: dict[str, int] = {}
        self.outputs: dict[str, set[str]] = {}
        self.variables: set[str] = set()

    def add(self, where: str, message: str) -> None:
        self.findings.append(Finding(where, message))

    def run(self) -> list[Finding]:
        document = self.document
        for key in sorted(set(document) - TOP_LEVEL_KEYS):
            self.add("document", f"unknown top-level key {key!r}")
        version = document.get("schemaVersion")
        if version != SCHEMA_VERSION:
            self.add("schemaVersion", f"must be the string '0.3' for Automation, got {version!r}")
        self._parameters(document.get("parameters", {}))
        variables = document.get("variables", {})
        if isinstance(variables, Mapping):
            self.variables = {str(name) for name in variables}
        steps = document.get("mainSteps")
        if not isinstance(steps, list) or not steps:
            self.add("mainSteps", "must be a non-empty list of steps")
            return self.findings
        self._index_steps(steps)
        graph = self._flow_graph()
        reachable = self._reachable(graph, 0)
        for position, step in enumerate(self.steps):
            name = str(step.get("name"))
            if position not in reachable:
                self.add(f"step {name}", "is not reachable from the first step")
            self._step(position, step, graph)
        assume_role = document.get("assumeRole")
        if assume_role is not None:
            self._references("assumeRole", assume_role, position=None, graph=graph)
        self._document_outputs(document.get("outputs", []))
        return self.findings

    def _parameters(self, parameters: Any) -> None:
        if not isinstance(parameters, Mapping):
            self.add("parameters", "must be a mapping of parameter name to definition")
            return
        for name, definition in parameters.items():
            where = f"parameter {name}"
            if not PARAMETER_NAME.match(str(name)):
                self.add(where, "name must use letters, digits and underscores only")
            if not isinstance(definition, Mapping):
                self.add(where, "definition must be a mapping")
                continue
            self.parameters[str(name)] = definition
            for key in sorted(set(definition) - PARAMETER_KEYS):
                self.add(where, f"unknown key {key!r}")
            kind = definition.get("type")
            if kind not in PARAMETER_TYPES:
                self.add(where, f"type {kind!r} is not one of {sorted(PARAMETER_TYPES)}")
            pattern = definition.get("allowedPattern")
            compiled = None
            if pattern is not None:
                try:
                    compiled = re.compile(str(pattern))
                except re.error as error:
                    self.add(where, f"allowedPattern does not compile: {error}")
            if "default" in definition:
                self._default(where, kind, definition["default"], compiled, definition.get("allowedValues"))

    def _default(
        self, where: str, kind: Any, default: Any, pattern: re.Pattern[str] | None, allowed: Any
    ) -> None:
        expected = PYTHON_TYPES.get(kind)
        if expected is None:
            return
        if not isinstance(default, expected) or (expected is int and isinstance(default, bool)):
            self.add(where, f"default {default!r} is not a {kind}")
            return
        values = default if kind == "StringList" else [default] if kind == "String" else []
        for value in values:
            if pattern is not None and not pattern.search(str(value)):
                self.add(where, f"default {value!r} does not match allowedPattern")
            if isinstance(allowed, list) and value not in allowed:
                self.add(where, f"default {value!r} is not in allowedValues")

    def _index_steps(self, steps: list[Any]) -> None:
        for position, step in enumerate(steps):
            if not isinstance(step, Mapping):
                self.add(f"mainSteps[{position}]", "must be a mapping")
            step = step if isinstance(step, Mapping) else {}  # noqa: PLW2901
            name = step.get("name")
            where = f"step {name}" if name else f"mainSteps[{position}]"
            if not isinstance(name, str) or not STEP_NAME.match(name):
                self.add(where, "name is missing or uses characters other than letters, digits and _")
            elif name in self.index:
                self.add(where, "name is used by more than one step")
            else:
                self.index[name] = position
            self.steps.append(step)
            declared = {
                str(output.get("Name")) for output in step.get("outputs") or [] if isinstance(output, Mapping)
            }
            spec = ACTIONS.get(str(step.get("action")))
            self.outputs[str(name)] = declared | (set(spec.builtin_outputs) if spec else set())

    def _targets(self, step: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(field, step name) pairs this step can jump to."""
        targets: list[tuple[str, str]] = []
        for field in ("onFailure", "onCancel"):
            value = step.get(field)
            if isinstance(value, str) and value.startswith("step:"):
                targets.append((field, value[len("step:") :]))
        if isinstance(step.get("nextStep"), str):
            targets.append(("nextStep", step["nextStep"]))
        if step.get("action") == "aws:branch":
            inputs = step.get("inputs") or {}
            for choice in inputs.get("Choices") or []:
                if isinstance(choice, Mapping) and isinstance(choice.get("NextStep"), str):
                    targets.append(("Choices.NextStep", choice["NextStep"]))
            if isinstance(inputs.get("Default"), str):
                targets.append(("Default", inputs["Default"]))
        return targets

    def _flow_graph(self) -> dict[int, set[int]]:
        graph: dict[int, set[int]] = {}
        for position, step in enumerate(self.steps):
            edges = {self.index[name] for _, name in self._targets(step) if name in self.index}
            falls_through = (
                step.get("isEnd") is not True
                and "nextStep" not in step
                and step.get("action") != "aws:branch"
            )
            if falls_through and position + 1 < len(self.steps):
                edges.add(position + 1)
            graph[position] = edges
        return graph

    @staticmethod
    def _reachable(graph: Mapping[int, set[int]], start: int) -> set[int]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in graph.get(todo.pop(), set()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def _step(self, position: int, step: Mapping[str, Any], graph: Mapping[int, set[int]]) -> None:
        name = str(step.get("name"))
        where = f"step {name}"
        for key in sorted(set(step) - STEP_KEYS):
            self.add(where, f"unknown step key {key!r}")
        action = step.get("action")
        spec = ACTIONS.get(str(action))
        if spec is None:
            self.add(where, f"action {action!r} is not a known Automation action")
        inputs = step.get("inputs", {})
        if not isinstance(inputs, Mapping):
            self.add(where, "inputs must be a mapping")
            inputs = {}
        if spec is not None:
            self._inputs(where, spec, inputs)
        self._flow_fields(where, name, step)
        for field in ("timeoutSeconds", "maxAttempts"):
            if field in step and not _positive_int(step[field]):
                self.add(where, f"{field} {step[field]!r} must be a positive integer")
        timeout = step.get("timeoutSeconds") if _positive_int(step.get("timeoutSeconds")) else None
        self._outputs(where, step.get("outputs"), action)
        if action == "aws:executeScript":
            self._script(where, inputs, timeout)
        elif action == "aws:approve":
            self._approve(where, inputs, timeout)
        elif action == "aws:branch":
            self._branch(where, inputs)
        checked = {key: value for key, value in inputs.items() if key != "Script"}  # Script: see _script
        self._references(where, checked, position=position, graph=graph)

    def _flow_fields(self, where: str, name: str, step: Mapping[str, Any]) -> None:
        for field, target in self._targets(step):
            if target not in self.index:
                self.add(where, f"{field} names step {target!r}, which does not exist")
            elif target == name:
                self.add(where, f"{field} points at the step itself")
        for field, allowed in (("onFailure", ("Abort", "Continue")), ("onCancel", ("Abort",))):
            value = step.get(field)
            if value is not None and value not in allowed and not str(value).startswith("step:"):
                self.add(where, f"{field} {value!r} must be one of {allowed} or step:<name>")
        for flag in ("isEnd", "isCritical"):
            if flag in step and not isinstance(step[flag], bool):
                self.add(where, f"{flag} must be true or false")
        if step.get("isEnd") is True and "nextStep" in step:
            self.add(where, "has both isEnd and nextStep")

    def _inputs(self, where: str, spec: ActionSpec, inputs: Mapping[str, Any]) -> None:
        for key in sorted(spec.required - set(inputs)):
            self.add(where, f"required input {key!r} is missing")
        if spec.one_of and len(spec.one_of & set(inputs)) != 1:
            self.add(where, f"needs exactly one of the inputs {sorted(spec.one_of)}")
        if not spec.open_inputs:
            known = spec.required | spec.optional | spec.one_of
            for key in sorted(set(inputs) - known):
                self.add(where, f"input {key!r} is not an input of this action")

    def _outputs(self, where: str, outputs: Any, action: Any) -> None:
        if outputs is None:
            return
        if not isinstance(outputs, list):
            self.add(where, "outputs must be a list")
            return
        seen: set[str] = set()
        for output in outputs:
            if not isinstance(output, Mapping) or not {"Name", "Selector", "Type"} <= set(output):
                self.add(where, f"output {output!r} needs Name, Selector and Type")
                continue
            if output["Name"] in seen:
                self.add(where, f"output {output['Name']!r} is declared twice")
            seen.add(output["Name"])
            if output["Type"] not in OUTPUT_TYPES:
                self.add(where, f"output {output['Name']!r} has type {output['Type']!r}")
            if action == "aws:executeScript" and not str(output["Selector"]).startswith("$.Payload"):
                self.add(where, f"output {output['Name']!r} selector must start with $.Payload")

    def _script(self, where: str, inputs: Mapping[str, Any], timeout: int | None) -> None:
        if timeout is not None and timeout > MAX_SCRIPT_SECONDS:
            self.add(where, f"timeoutSeconds {timeout} exceeds the {MAX_SCRIPT_SECONDS} s script limit")
        runtime = inputs.get("Runtime")
        if runtime in POWERSHELL_RUNTIMES:
            return
        if runtime not in PYTHON_RUNTIMES:
            supported = sorted([*PYTHON_RUNTIMES, *POWERSHELL_RUNTIMES])
            self.add(where, f"Runtime {runtime!r} is not a supported runtime {supported}")
            return
        script = inputs.get("Script")
        if not isinstance(script, str) or not script.strip():
            self.add(where, "a Python step must carry its script inline in Script")
            return
        if REFERENCE.search(script):
            self.add(where, "Script contains a {{ }} reference; pass values through InputPayload instead")
        try:
            tree = ast.parse(script, feature_version=PYTHON_RUNTIMES[runtime])
        except SyntaxError as error:
            self.add(where, f"Script is not valid {runtime}: line {error.lineno}: {error.msg}")
            return
        self._handler(where, tree, inputs.get("Handler"))
        self._imports(where, tree)

    def _handler(self, where: str, tree: ast.Module, handler: Any) -> None:
        functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        function = functions.get(str(handler))
        if function is None:
            self.add(where, f"Handler {handler!r} is not a top-level function of the script")
        else:
            arguments = function.args
            positional = len(arguments.posonlyargs) + len(arguments.args)
            if positional < 2 and arguments.vararg is None:
                self.add(where, f"Handler {handler!r} must accept (events, context)")

    def _imports(self, where: str, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            for module in modules:
                if module.split(".")[0] not in SCRIPT_MODULES:
                    self.add(where, f"Script imports {module!r}, which the runtime does not provide")

    def _approve(self, where: str, inputs: Mapping[str, Any], timeout: int | None) -> None:
        if timeout is None:
            self.add(where, "an approval step needs timeoutSeconds")
        elif timeout > MAX_APPROVAL_SECONDS:
            self.add(where, f"timeoutSeconds {timeout} exceeds the 30-day limit of aws:approve")
        approvers = inputs.get("Approvers")
        if isinstance(approvers, list):
            if not 1 <= len(approvers) <= MAX_APPROVERS:
                self.add(where, f"Approvers must list 1 to {MAX_APPROVERS} principals")
        elif isinstance(approvers, str):
            match = REFERENCE.fullmatch(approvers.strip())
            parameter = self.parameters.get(match.group(1)) if match else None
            if parameter is None or parameter.get("type") != "StringList":
                self.add(where, "Approvers must be a list or a reference to a StringList parameter")
        elif "Approvers" in inputs:
            self.add(where, "Approvers must be a list or a reference to a StringList parameter")
        minimum = inputs.get("MinRequiredApprovals")
        if minimum is not None and (not isinstance(minimum, int) or not 1 <= minimum <= MAX_APPROVERS):
            self.add(where, f"MinRequiredApprovals {minimum!r} must be 1 to {MAX_APPROVERS}")

    def _branch(self, where: str, inputs: Mapping[str, Any]) -> None:
        choices = inputs.get("Choices")
        if not isinstance(choices, list) or not choices:
            self.add(where, "Choices must be a non-empty list")
            return
        if "Default" not in inputs:
            self.add(where, "needs a Default step so that no value is left without a path")
        for number, choice in enumerate(choices):
            if not isinstance(choice, Mapping) or "NextStep" not in choice:
                self.add(where, f"choice {number} needs NextStep")
                continue
            self._condition(f"{where} choice {number}", choice)

    def _condition(self, where: str, condition: Mapping[str, Any]) -> None:
        operators = (set(condition) & BRANCH_OPERATORS) | (set(condition) & BRANCH_COMBINATORS)
        if len(operators) != 1:
            self.add(where, f"needs exactly one operator of {sorted(BRANCH_OPERATORS | BRANCH_COMBINATORS)}")
            return
        [operator] = operators
        if operator in BRANCH_OPERATORS and "Variable" not in condition:
            self.add(where, f"{operator} needs a Variable")
        if operator == "BooleanEquals" and not isinstance(condition[operator], bool):
            self.add(where, "BooleanEquals needs true or false")
        if operator.startswith("Numeric") and (
            not isinstance(condition[operator], int | float) or isinstance(condition[operator], bool)
        ):
            self.add(where, f"{operator} needs a number")
        nested = condition[operator] if operator in BRANCH_COMBINATORS else None
        for item in nested if isinstance(nested, list) else [nested] if isinstance(nested, Mapping) else []:
            if isinstance(item, Mapping):
                self._condition(where, item)

    def _references(
        self, where: str, value: Any, *, position: int | None, graph: Mapping[int, set[int]]
    ) -> None:
        for text in _strings(value):
            for reference in REFERENCE.findall(text):
                problem = self._reference_problem(reference, position, graph)
                if problem:
                    self.add(where, f"{{{{ {reference} }}}} {problem}")

    def _reference_problem(self, reference: str, position: int | None, graph: Mapping[int, set[int]]) -> str:
        if ":" in reference:
            if reference in AUTOMATION_VARIABLES:
                return ""
            if reference.startswith("variable:"):
                return (
                    "" if reference[len("variable:") :] in self.variables else "names an undeclared variable"
                )
            return "is not a documented automation variable"
        if "." not in reference:
            return "" if reference in self.parameters else "names no declared parameter"
        return self._output_problem(reference, position, graph)

    def _output_problem(self, reference: str, position: int | None, graph: Mapping[int, set[int]]) -> str:
        step, _, output = reference.partition(".")
        if step not in self.index:
            return "names no step"
        if output not in self.outputs.get(step, set()):
            return f"names no output of step {step}"
        if position is None:
            return ""
        source = self.index[step]
        if source >= position or position not in self._reachable(graph, source):
            return f"uses step {step}, which cannot have run before this step"
        return ""

    def _document_outputs(self, outputs: Any) -> None:
        if not isinstance(outputs, list):
            self.add("outputs", "must be a list of Step.Output names")
            return
        for item in outputs:
            step, _, output = str(item).partition(".")
            if step not in self.index or output not in self.outputs.get(step, set()):
                self.add("outputs", f"{item!r} names no step output")


def validate_runbook(document: Mapping[str, Any]) -> list[Finding]:
    """Every problem found in an Automation runbook; an empty list means it passed."""
    if not isinstance(document, Mapping):
        return [Finding("document", "is not a mapping")]
    return _Validator(document).run()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate SSM Automation runbooks (YAML or JSON).")
    parser.add_argument("paths", nargs="+", type=Path)
    arguments = parser.parse_args(argv)
    failed = False
    for path in arguments.paths:
        try:
            check_runbook(load_runbook(path), str(path))
        except (RunbookValidationError, yaml.YAMLError, OSError) as error:
            print(error, file=sys.stderr)
            failed = True
        else:
            print(f"{path}: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
