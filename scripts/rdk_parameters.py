"""Write (or check) the rdk rule folder's parameters.json from the project's sources.

    python scripts/rdk_parameters.py          # check: exit 1 and say which keys differ
    python scripts/rdk_parameters.py --write  # repair / regenerate it (make rdk-parameters)

Sources: spec.py (name, description, runtime, frequency, parameters), remediation/policies.json
(the runbook rdk deploys and its role's actions), policy.yaml (the tags). `rdk modify` (1.0.0)
rewrites the file from its command line: it sets SourceRuntime to its default python3.14-lib,
replaces the Description with the rule name, renames CodeKey, drops SSMAutomation and the
Remediation's ResourceType and Automatic. Writing repairs all of that. What `rdk modify` is for,
the rule's frequency and parameter values, is kept when valid for the rule; anything else fails
with a message naming it.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"
POLICIES_JSON = ROOT / "remediation" / "policies.json"
RUNBOOK = "root-access-keys-manual"
# Placeholders rdk replaces: AutomationAssumeRole with the role it creates from SSMAutomation.IAM.
REMEDIATION_ROLE = "RootAccessKeysRemediation"
APPROVER_ROLE = "RootAccessKeysApprover"

sys.path.insert(0, str(RULES_DIR / "IAM_ROOT_NO_ACCESS_KEYS"))
from root_access_keys import spec  # noqa: E402
from root_access_keys.errors import InvalidRuleParameterError  # noqa: E402
from root_access_keys.metadata import config_tags, parse_policy, read_policy_yaml  # noqa: E402
from root_access_keys.parameters import parse_rule_parameters  # noqa: E402


class ParametersFileError(Exception):
    """The existing parameters.json holds something this script must not guess about."""


def _role_arn(name: str) -> dict[str, Any]:
    return {
        "StaticValue": {
            "Values": [{"Fn::Sub": f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{name}"}]
        }
    }


def _ssm_automation() -> dict[str, Any]:
    runbook = json.loads(POLICIES_JSON.read_text(encoding="utf-8"))["Runbooks"][RUNBOOK]
    # rdk opens the document relative to the directory it runs in: rules/.
    document = Path("..") / runbook["Json"]
    return {"Document": document.as_posix(), "IAM": list(runbook["Actions"])}


def _optional_parameters() -> dict[str, str]:
    return {p.name: "" for p in spec.PARAMETERS if not p.in_input_parameters}


def canonical() -> dict[str, Any]:
    """parameters.json as the sources define it, with every parameter at its default."""
    return {
        "Version": "1.0",
        "Parameters": {
            "RuleName": spec.RULE_NAME,
            "Description": spec.DESCRIPTION,
            "SourceRuntime": spec.SOURCE_RUNTIME,
            "CodeKey": f"{spec.RULE_NAME}.zip",
            "InputParameters": json.dumps(spec.default_input_parameters()),
            "OptionalParameters": json.dumps(_optional_parameters()),
            "SourcePeriodic": spec.DEFAULT_FREQUENCY,
            "EvaluationMode": "DETECTIVE",
            "Remediation": {
                "ConfigRuleName": spec.RULE_NAME,
                "TargetType": "SSM_DOCUMENT",
                "TargetId": f"{spec.RULE_NAME}-RemediationAction",
                "ResourceType": spec.RESOURCE_TYPE,
                "Automatic": False,
                "Parameters": {
                    "AutomationAssumeRole": _role_arn(REMEDIATION_ROLE),
                    "AccountId": {"ResourceValue": {"Value": "RESOURCE_ID"}},
                    "Approvers": _role_arn(APPROVER_ROLE),
                },
            },
            "SSMAutomation": _ssm_automation(),
        },
        "Tags": json.dumps(config_tags(parse_policy(read_policy_yaml()))),
    }


def _json_object(text: object, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError as error:
        raise ParametersFileError(f"{where} is not valid JSON: {error}") from error
    if not isinstance(value, dict):
        raise ParametersFileError(f"{where} must be a JSON object")
    return value


def _kept_values(existing: dict[str, Any], key: str, defaults: dict[str, str]) -> dict[str, str]:
    """The rule's parameter set (`defaults`' names) with the values `existing` gives them."""
    given = _json_object(existing.get(key, "{}"), f"parameters.json {key}")
    return {name: given.get(name, default) for name, default in defaults.items()} | {
        name: value for name, value in given.items() if name not in defaults
    }


def repaired(existing: dict[str, Any] | None) -> dict[str, Any]:
    """canonical(), keeping the frequency and parameter values of an existing file when valid."""
    document = canonical()
    if existing is None:
        return document
    parameters = _json_object(existing.get("Parameters"), "parameters.json Parameters")
    target = document["Parameters"]
    frequency = parameters.get("SourcePeriodic", spec.DEFAULT_FREQUENCY)
    if frequency not in spec.FREQUENCIES:
        raise ParametersFileError(
            f"parameters.json SourcePeriodic {frequency!r} is not one of {', '.join(spec.FREQUENCIES)}"
        )
    target["SourcePeriodic"] = frequency
    required = _kept_values(parameters, "InputParameters", json.loads(target["InputParameters"]))
    optional = _kept_values(parameters, "OptionalParameters", json.loads(target["OptionalParameters"]))
    try:
        parse_rule_parameters({**required, **optional})
    except InvalidRuleParameterError as error:
        raise ParametersFileError(f"parameters.json: {error}") from error
    target["InputParameters"] = json.dumps(required)
    target["OptionalParameters"] = json.dumps(optional)
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def _changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old, new = before.get("Parameters") or {}, after["Parameters"]
    changed = [f"Parameters.{key}" for key in new if old.get(key) != new[key]]
    changed += [f"Parameters.{key} (removed)" for key in old if key not in new]
    changed += [key for key in ("Version", "Tags") if before.get(key) != after[key]]
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="repair the file instead of checking it")
    parser.add_argument(
        "--rule-dir",
        type=Path,
        default=RULES_DIR / spec.RULE_NAME,
        help="the rdk rule folder holding parameters.json (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    path = args.rule_dir / "parameters.json"
    try:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        existing = _json_object(current, str(path)) if current is not None else None
        document = repaired(existing)
    except ParametersFileError as error:
        sys.stderr.write(f"rdk-parameters: {error}\n")
        return 1
    wanted = render(document)
    if current == wanted:
        return 0
    changed = _changed_keys(existing or {}, document) or ["formatting"]
    if not args.write:
        sys.stderr.write(
            f"{path} differs from its sources in {', '.join(changed)}. Run make rdk-parameters\n"
        )
        return 1
    path.write_text(wanted, encoding="utf-8")
    sys.stdout.write(f"wrote {path}: {', '.join(changed)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
