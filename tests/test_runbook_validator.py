"""rootkeys_dev.runbook_validator: both runbooks pass, and each single fault planted in a copy is caught."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rootkeys_dev.runbook_validator import RunbookValidationError, check_runbook, main, validate_runbook

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    name: yaml.safe_load((ROOT / "remediation" / f"{name}.yaml").read_text())
    for name in ("root-access-keys-manual", "root-access-keys-central")
}
MANUAL = SOURCES["root-access-keys-manual"]


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_shipped_runbooks_are_valid(name):
    assert validate_runbook(SOURCES[name]) == []
    generated = json.loads((ROOT / "remediation" / "generated" / f"{name}.json").read_text())
    assert validate_runbook(generated) == []


def step(document, name):
    return next(item for item in document["mainSteps"] if item["name"] == name)


def script_of(document, name):
    return step(document, name)["inputs"]


# Each fault: (id, change applied to a copy of the member runbook, text the finding must contain).
def _set(path_fn, key, value):
    def change(document):
        path_fn(document)[key] = value

    return change


def _delete(path_fn, key):
    def change(document):
        del path_fn(document)[key]

    return change


def _check(document):
    return step(document, "CheckLiveState")


def _check_inputs(document):
    return step(document, "CheckLiveState")["inputs"]


def _approve(document):
    return step(document, "WaitForRootUser")


def _branch_inputs(document):
    return step(document, "BranchOnKeys")["inputs"]


def _replace_script(old, new):
    def change(document):
        inputs = _check_inputs(document)
        assert old in inputs["Script"]
        inputs["Script"] = inputs["Script"].replace(old, new)

    return change


def _root(document):
    return document


FAULTS = [
    ("schema-float", _set(_root, "schemaVersion", 0.3), "schemaVersion"),
    ("schema-missing", _delete(_root, "schemaVersion"), "schemaVersion"),
    ("unknown-top-key", _set(_root, "mainStep", []), "unknown top-level key 'mainStep'"),
    ("unknown-action", _set(_check, "action", "aws:executeScripts"), "not a known Automation action"),
    ("no-handler", _delete(_check_inputs, "Handler"), "required input 'Handler' is missing"),
    ("no-script", _delete(_check_inputs, "Script"), "exactly one of the inputs"),
    (
        "old-runtime",
        _set(_check_inputs, "Runtime", "python3.8"),
        "Runtime 'python3.8' is not a supported runtime",
    ),
    ("handler-missing", _set(_check_inputs, "Handler", "check_before_typo"), "is not a top-level function"),
    (
        "handler-arity",
        _replace_script("def check_before(events, context):", "def check_before(events):"),
        "must accept (events, context)",
    ),
    (
        "syntax-error",
        _replace_script('return {"AccessKeysPresent"', 'return {{"AccessKeysPresent"'),
        "is not valid python3.11",
    ),
    (
        "newer-syntax",
        _replace_script("import re\n", "import re\ntype Alias = int\n"),
        "is not valid python3.11",
    ),
    ("foreign-import", _replace_script("import re\n", "import re\nimport requests\n"), "imports 'requests'"),
    (
        "reference-in-script",
        _replace_script("CENTRAL_RUNBOOK = ", "X = '{{ AccountId }}'\nCENTRAL_RUNBOOK = "),
        "Script contains a {{ }} reference",
    ),
    ("unknown-input", _set(_check_inputs, "Timeout", 5), "input 'Timeout' is not an input of this action"),
    (
        "undeclared-parameter",
        _set(_check_inputs, "InputPayload", {"AccountId": "{{ AcountId }}"}),
        "{{ AcountId }} names no declared parameter",
    ),
    (
        "unknown-output",
        lambda d: step(d, "NotifyRootUser")["inputs"]["InputPayload"].update(
            X="{{ CheckLiveState.Missing }}"
        ),
        "names no output of step CheckLiveState",
    ),
    (
        "later-output",
        _set(_check_inputs, "InputPayload", {"AccountId": "{{ VerifyKeysDeleted.Message }}"}),
        "cannot have run before this step",
    ),
    (
        "output-of-outputless-step",
        lambda d: step(d, "VerifyKeysDeleted")["inputs"]["InputPayload"].update(
            X="{{ NoKeysFound.Message }}"
        ),
        "names no output of step NoKeysFound",
    ),
    (
        "bad-variable",
        _set(_check_inputs, "InputPayload", {"AccountId": "{{ global:ACCOUNT }}"}),
        "not a documented automation variable",
    ),
    (
        "undeclared-variable",
        _set(_check_inputs, "InputPayload", {"AccountId": "{{ variable:Target }}"}),
        "undeclared variable",
    ),
    ("next-step-missing", _set(_check, "nextStep", "BranchOnKey"), "nextStep names step 'BranchOnKey'"),
    ("next-step-self", _set(_check, "nextStep", "CheckLiveState"), "points at the step itself"),
    ("branch-default-missing", _set(_branch_inputs, "Default", "NoKeys"), "Default names step 'NoKeys'"),
    (
        "branch-choice-missing",
        lambda d: _branch_inputs(d)["Choices"][0].update(NextStep="Notify"),
        "Choices.NextStep names step 'Notify'",
    ),
    ("branch-no-default", _delete(_branch_inputs, "Default"), "needs a Default step"),
    (
        "branch-no-operator",
        lambda d: _branch_inputs(d)["Choices"][0].pop("BooleanEquals"),
        "needs exactly one operator",
    ),
    (
        "branch-string-bool",
        lambda d: _branch_inputs(d)["Choices"][0].update(BooleanEquals="true"),
        "BooleanEquals needs true or false",
    ),
    ("on-failure-target", _set(_check, "onFailure", "step:Cleanup"), "onFailure names step 'Cleanup'"),
    ("on-failure-value", _set(_check, "onFailure", "Retry"), "onFailure 'Retry' must be one of"),
    ("approve-no-timeout", _delete(_approve, "timeoutSeconds"), "an approval step needs timeoutSeconds"),
    ("approve-long-timeout", _set(_approve, "timeoutSeconds", 2_592_001), "exceeds the 30-day limit"),
    (
        "approve-no-approvers",
        lambda d: _approve(d)["inputs"].pop("Approvers"),
        "required input 'Approvers' is missing",
    ),
    (
        "approve-string-approvers",
        lambda d: _approve(d)["inputs"].update(Approvers="{{ AccountId }}"),
        "reference to a StringList parameter",
    ),
    (
        "approve-empty-approvers",
        lambda d: _approve(d)["inputs"].update(Approvers=[]),
        "Approvers must list 1 to 10",
    ),
    (
        "approve-zero-approvals",
        lambda d: _approve(d)["inputs"].update(MinRequiredApprovals=0),
        "MinRequiredApprovals 0",
    ),
    ("script-timeout", _set(_check, "timeoutSeconds", 900), "exceeds the 600 s script limit"),
    (
        "timeout-not-int",
        _set(_check, "timeoutSeconds", "120"),
        "timeoutSeconds '120' must be a positive integer",
    ),
    (
        "duplicate-step",
        lambda d: d["mainSteps"].__setitem__(1, {**step(d, "BranchOnKeys"), "name": "CheckLiveState"}),
        "used by more than one step",
    ),
    ("bad-step-name", _set(_check, "name", "Check Live State"), "name is missing or uses characters"),
    (
        "unreachable-step",
        lambda d: _branch_inputs(d).update(Default="NotifyRootUser"),
        "step NoKeysFound: is not reachable",
    ),
    (
        "selector",
        lambda d: _check(d)["outputs"][0].update(Selector="$.AccessKeysPresent"),
        "selector must start with $.Payload",
    ),
    ("output-type", lambda d: _check(d)["outputs"][0].update(Type="Bool"), "has type 'Bool'"),
    ("output-twice", lambda d: _check(d)["outputs"].append(dict(_check(d)["outputs"][0])), "declared twice"),
    (
        "parameter-type",
        lambda d: d["parameters"]["AccountId"].update(type="Text"),
        "type 'Text' is not one of",
    ),
    (
        "parameter-pattern",
        lambda d: d["parameters"]["AccountId"].update(allowedPattern="^(\\d{12}$"),
        "allowedPattern does not compile",
    ),
    (
        "parameter-default",
        lambda d: d["parameters"]["NotificationTopicArn"].update(default="not-an-arn"),
        "does not match allowedPattern",
    ),
    ("parameter-key", lambda d: d["parameters"]["AccountId"].update(required=True), "unknown key 'required'"),
    (
        "assume-role",
        _set(_root, "assumeRole", "{{ AutomationRole }}"),
        "assumeRole: {{ AutomationRole }} names no declared parameter",
    ),
    (
        "document-output",
        lambda d: d["outputs"].append("VerifyKeysDeleted.Result"),
        "'VerifyKeysDeleted.Result' names no step output",
    ),
    ("step-key-typo", _set(_check, "onfailure", "Abort"), "unknown step key 'onfailure'"),
    ("is-end-string", _set(_check, "isEnd", "true"), "isEnd must be true or false"),
    ("end-and-next", _set(_check, "isEnd", True), "has both isEnd and nextStep"),
    (
        "sleep-no-duration",
        lambda d: step(d, "NoKeysFound")["inputs"].pop("Duration"),
        "exactly one of the inputs ['Duration', 'Timestamp']",
    ),
    ("no-steps", _set(_root, "mainSteps", []), "mainSteps: must be a non-empty list"),
]


@pytest.mark.parametrize(("change", "expected"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_each_planted_fault_is_caught(change, expected):
    broken = copy.deepcopy(MANUAL)
    change(broken)
    findings = [str(finding) for finding in validate_runbook(broken)]
    assert any(expected in finding for finding in findings), findings
    assert validate_runbook(MANUAL) == []  # the original was not touched


def test_every_fault_id_is_distinct():
    assert len({fault[0] for fault in FAULTS}) == len(FAULTS) >= 50


def test_central_runbook_faults_are_caught_too():
    broken = copy.deepcopy(SOURCES["root-access-keys-central"])
    step(broken, "DeleteRootKeys")["inputs"]["InputPayload"]["AccessKeyIds"] = "{{ AuditRootKeys.KeyIds }}"
    step(broken, "ApproveDeletion").pop("timeoutSeconds")
    findings = [str(finding) for finding in validate_runbook(broken)]
    assert any("names no output of step AuditRootKeys" in finding for finding in findings)
    assert any("approval step needs timeoutSeconds" in finding for finding in findings)


def test_check_runbook_raises_with_every_finding():
    broken = copy.deepcopy(MANUAL)
    broken["schemaVersion"] = "0.2"
    _check_inputs(broken)["Runtime"] = "python3.6"
    with pytest.raises(RunbookValidationError) as raised:
        check_runbook(broken, "broken.yaml")
    assert len(raised.value.findings) == 2
    assert str(raised.value).startswith("broken.yaml: 2 problem(s)")


def test_command_line_exit_codes(tmp_path, capsys):
    good = ROOT / "remediation" / "root-access-keys-manual.yaml"
    broken = copy.deepcopy(MANUAL)
    broken["mainSteps"][0]["inputs"]["Runtime"] = "python3.9"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(broken))
    assert main([str(good)]) == 0
    assert main([str(good), str(bad)]) == 1
    assert "python3.9" in capsys.readouterr().err


@pytest.mark.parametrize("document", [[], "text", None, {"schemaVersion": "0.3"}])
def test_non_runbooks_are_rejected(document):
    assert validate_runbook(document) != []


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_scripts_pass_pyflakes_checks(name, tmp_path):
    """Undefined names and similar mistakes would only show at run time in AWS: catch them here."""
    scripts = {
        item["inputs"]["Script"]
        for item in SOURCES[name]["mainSteps"]
        if item["action"] == "aws:executeScript"
    }
    for number, script in enumerate(sorted(scripts)):
        (tmp_path / f"step_{number}.py").write_text(script + "\n")
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [ruff, "check", "--isolated", "--select", "F,E9,B", "--target-version", "py311", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout
