"""An rdk-deployed function has no PyYAML: the Security Hub finding must not need it.

`rdk deploy` zips only the rule folder and adds the public rdklib layer, so `import yaml` fails in
that Lambda. The rule reads policy.json (generated from policy.yaml); here the whole handler runs
in a child interpreter whose import system refuses yaml, against moto's server, and the finding
must arrive in Security Hub with the policy's framework references.
"""

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pytest
from conftest import ACCOUNT_ID, REGION, make_event
from root_access_keys.metadata import (
    POLICY_FILE,
    POLICY_JSON,
    load_policy,
    read_policy_yaml,
    related_requirements,
    render_policy_json,
)

from rootkeys_dev.emulator import RootKey, RootState
from rootkeys_dev.lambda_runtime import RULE_DIR

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent

# The child: a meta path finder that refuses yaml (first, so it wins over every other finder),
# a check that the refusal works, then one invocation of the rule's Lambda handler.
CHILD = r"""
import json, sys

class RefuseYaml:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("yaml", "_yaml"):
            raise ImportError(f"No module named {name!r} (blocked: an rdk-deployed Lambda has no PyYAML)")
        return None

sys.meta_path.insert(0, RefuseYaml())
try:
    import yaml
except ImportError:
    pass
else:
    raise SystemExit("yaml is still importable: the block did not take effect")

rule_dir, event_json = sys.argv[1], sys.argv[2]
sys.path.insert(0, rule_dir)
import IAM_ROOT_NO_ACCESS_KEYS

class Context:
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:IAM_ROOT_NO_ACCESS_KEYS"
    def get_remaining_time_in_millis(self):
        return 120000

evaluations = IAM_ROOT_NO_ACCESS_KEYS.lambda_handler(json.loads(event_json), Context())
print(json.dumps({
    "evaluations": evaluations,
    "yaml_modules": sorted(m for m in sys.modules if m.split(".")[0] in ("yaml", "_yaml")),
}))
"""


def _invoke_without_yaml(rule_dir: Path, endpoint: str) -> subprocess.CompletedProcess:
    event = make_event(rule_parameters={"SecurityHubFindings": "true"})
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(rule_dir), json.dumps(event)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _findings(endpoint: str) -> list[dict]:
    client = boto3.client("securityhub", region_name=REGION, endpoint_url=endpoint)
    return client.get_findings()["Findings"]


def _reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_committed_policy_json_is_what_policy_yaml_renders():
    assert POLICY_JSON.read_text(encoding="utf-8") == render_policy_json(read_policy_yaml(POLICY_FILE))


def test_the_rule_package_never_imports_yaml():
    sources = [path for path in (RULE_DIR / "root_access_keys").glob("*.py")] + [
        RULE_DIR / "IAM_ROOT_NO_ACCESS_KEYS.py"
    ]
    importing = [
        path.name
        for path in sources
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(("import yaml", "from yaml"))
    ]
    # metadata.read_policy_yaml is the build-time reader; nothing the handler runs calls it.
    assert importing == ["metadata.py"]


def test_security_hub_finding_is_built_where_yaml_cannot_be_imported(root_model_server):
    endpoint, model = root_model_server
    _reset(endpoint)
    model.set(ACCOUNT_ID, RootState(keys=[RootKey(active=True)]))

    result = _invoke_without_yaml(RULE_DIR, endpoint)

    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert [e["ComplianceType"] for e in outcome["evaluations"]] == ["NON_COMPLIANT"]
    assert outcome["yaml_modules"] == []
    assert "security hub finding not imported" not in result.stdout + result.stderr
    [finding] = _findings(endpoint)
    assert finding["Compliance"]["Status"] == "FAILED"
    assert finding["Compliance"]["RelatedRequirements"] == related_requirements(load_policy())
    assert finding["AwsAccountId"] == ACCOUNT_ID


def test_without_policy_json_the_finding_fails_and_says_why(root_model_server, tmp_path):
    """The control: the same run from a rule folder without policy.json sends no finding, so the
    test above really depends on the file (and the evaluation is still recorded)."""
    endpoint, model = root_model_server
    _reset(endpoint)
    model.set(ACCOUNT_ID, RootState(keys=[RootKey(active=True)]))
    rule_copy = tmp_path / RULE_DIR.name
    shutil.copytree(RULE_DIR, rule_copy, ignore=shutil.ignore_patterns("__pycache__", "policy.json"))

    result = _invoke_without_yaml(rule_copy, endpoint)

    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert [e["ComplianceType"] for e in outcome["evaluations"]] == ["NON_COMPLIANT"]
    assert "security hub finding not imported" in result.stdout + result.stderr
    assert "policy.json" in result.stdout + result.stderr
    assert _findings(endpoint) == []
