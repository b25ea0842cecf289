"""The deployable zip: built once per session, then run in a clean interpreter against moto.

The child interpreter starts with -I -S (no site-packages, no PYTHON* variables) and gets on
sys.path only the zip and a directory holding what the Lambda python3.12 runtime provides
(boto3, botocore and their dependencies). Every module it loads must come from one of those or
from the standard library, which proves the zip carries everything else the handler needs.
"""

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import package  # noqa: E402

from rootkeys_dev.emulator import RootKey, RootState  # noqa: E402

ACCOUNT_ID = "123456789012"
# What the Lambda python3.12 runtime ships besides the standard library.
RUNTIME_DISTRIBUTIONS = ("boto3", "botocore", "jmespath", "dateutil", "s3transfer", "urllib3", "six")

CHILD = r"""
import json, sys, time
zip_path, runtime_dir, event_json = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path[:0] = [zip_path, runtime_dir]
started = time.perf_counter()
import IAM_ROOT_NO_ACCESS_KEYS
imported = time.perf_counter()

class Context:
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:IAM_ROOT_NO_ACCESS_KEYS"
    def get_remaining_time_in_millis(self):
        return 120000

evaluations = IAM_ROOT_NO_ACCESS_KEYS.lambda_handler(json.loads(event_json), Context())
finished = time.perf_counter()
origins = sorted({
    getattr(module, "__file__", None) or ""
    for module in list(sys.modules.values())
})
print(json.dumps({
    "evaluations": evaluations,
    "origins": origins,
    "import_ms": round((imported - started) * 1000),
    "total_ms": round((finished - started) * 1000),
    # VmHWM is this process's own peak (ru_maxrss would carry the parent's over fork and exec).
    "max_rss_kb": int(next(
        line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")
    )),
}))
"""


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    build = tmp_path_factory.mktemp("build")
    rule_zip = package.build_rule_zip(build / "IAM_ROOT_NO_ACCESS_KEYS.zip")
    trigger_zip = package.build_trigger_zip(build / "ROOT_KEY_EVENTS.zip")
    return {"rule": rule_zip, "trigger": trigger_zip, "dir": build}


@pytest.fixture(scope="module")
def runtime_dir(tmp_path_factory):
    """A directory that holds only what the Lambda runtime provides, as symlinks into the venv."""
    directory = tmp_path_factory.mktemp("lambda-runtime")
    for name in RUNTIME_DISTRIBUTIONS:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, name
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (directory / source.name).symlink_to(source)
    return directory


def _child(zip_path, runtime_dir, endpoint, event, *, extra_env=None):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        **(extra_env or {}),
    }
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", CHILD, str(zip_path), str(runtime_dir), json.dumps(event)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _run_clean(zip_path, runtime_dir, endpoint, event, *, extra_env=None):
    result = _child(zip_path, runtime_dir, endpoint, event, extra_env=extra_env)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    outcome["log"] = result.stdout + result.stderr
    return outcome


def _stdlib_dirs():
    import sysconfig

    return {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}


def test_zip_holds_the_rule_and_its_bundled_libraries_but_not_tests_or_the_sdk(artifacts):
    names = set(zipfile.ZipFile(artifacts["rule"]).namelist())
    assert "IAM_ROOT_NO_ACCESS_KEYS.py" in names
    assert "root_access_keys/handler.py" in names
    assert "rdklib/evaluator.py" in names
    # The rule reads policy.json; PyYAML and the YAML source stay out (rdk's zip has no PyYAML either).
    assert "root_access_keys/policy.json" in names
    assert "root_access_keys/policy.yaml" not in names
    assert not any(name.split("/")[0] in {"yaml", "_yaml"} or name.startswith("PyYAML") for name in names)
    rule_files = {
        f"root_access_keys/{path.name}"
        for path in (package.RULE_DIR / "root_access_keys").iterdir()
        if path.is_file() and path.suffix not in {".pyc", ".yaml"}
    }
    assert rule_files <= names, rule_files - names
    assert not any(name.endswith("_test.py") for name in names)
    # Bytecode ships beside every module (Lambda cannot write it to the read-only /var/task),
    # and nothing else is compiled: no stale or foreign .pyc.
    modules = {name for name in names if name.endswith(".py")}
    bytecode = {name for name in names if name.endswith(".pyc")}
    expected = set()
    for module in modules:
        folder, _, filename = module.rpartition("/")
        prefix = f"{folder}/__pycache__/" if folder else "__pycache__/"
        expected.add(f"{prefix}{filename[:-3]}.cpython-312.pyc")
    assert bytecode == expected
    assert not any(name.split("/")[0] in {"boto3", "botocore", "rdklibtest"} for name in names)
    assert "parameters.json" not in names
    # No compiled extension at all: nothing can be built for the wrong architecture.
    assert not any(name.endswith((".so", ".pyd")) for name in names)


def test_zip_is_reproducible(artifacts, tmp_path):
    again = package.build_rule_zip(tmp_path / "again.zip")
    assert again.read_bytes() == artifacts["rule"].read_bytes()


def test_trigger_zip_holds_only_the_trigger_module(artifacts):
    assert zipfile.ZipFile(artifacts["trigger"]).namelist() == ["root_key_events.py"]


@pytest.mark.parametrize(
    "rule_parameters",
    [{}, {"SecurityHubFindings": "true"}],
    ids=["config-only", "with-security-hub-finding"],
)
def test_packaged_zip_evaluates_a_scheduled_event_in_a_clean_interpreter(
    artifacts, runtime_dir, root_model_server, config_event, rule_parameters
):
    endpoint, model = root_model_server
    model.set(ACCOUNT_ID, RootState(keys=[RootKey(active=True)]))
    outcome = _run_clean(
        artifacts["rule"], runtime_dir, endpoint, config_event(rule_parameters=rule_parameters)
    )

    [evaluation] = outcome["evaluations"]
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["ComplianceResourceId"] == ACCOUNT_ID
    assert "GetCredentialReport" in model.state(ACCOUNT_ID).calls

    allowed = [str(artifacts["rule"]), str(runtime_dir), *_stdlib_dirs()]
    strays = [
        origin
        for origin in outcome["origins"]
        if origin and not any(origin.startswith(prefix) for prefix in allowed)
    ]
    assert strays == []
    assert any(origin.startswith(f"{artifacts['rule']}/rdklib/") for origin in outcome["origins"])
    # The finding's framework list comes from policy.json: no YAML parser is loaded on either path.
    assert not any("/yaml/" in origin for origin in outcome["origins"])
    if rule_parameters:
        hub = boto3.client("securityhub", region_name="us-east-1", endpoint_url=endpoint)
        finding_ids = [finding["Id"] for finding in hub.get_findings()["Findings"]]
        assert f"IAM_ROOT_NO_ACCESS_KEYS/aws/us-east-1/{ACCOUNT_ID}" in finding_ids
    # The numbers docs/deployment.md quotes; printed, never asserted.
    print(
        f"\ncold evaluation: import {outcome['import_ms']} ms, total {outcome['total_ms']} ms, "
        f"peak RSS {outcome['max_rss_kb'] / 1024:.1f} MiB"
    )


def test_packaged_zip_fails_closed_when_iam_is_denied(
    artifacts, runtime_dir, root_model_server, config_event
):
    endpoint, model = root_model_server
    model.set(ACCOUNT_ID, RootState(keys=[], denied_actions=frozenset({"GetAccountSummary"})))
    result = _child(
        artifacts["rule"], runtime_dir, endpoint, config_event(), extra_env={"AWS_MAX_ATTEMPTS": "1"}
    )
    assert result.returncode != 0
    assert "AccountSummaryUnavailableError" in result.stderr
    assert "iam:GetAccountSummary denied" in result.stderr


def test_tag_words_come_from_the_template_configuration_file(tmp_path):
    configuration = tmp_path / "parameters.json"
    configuration.write_text(json.dumps({"Parameters": {}, "Tags": {"Owner": "security", "Cost": "cis"}}))
    assert package.tag_words(configuration) == ["Owner=security", "Cost=cis"]
    configuration.write_text(json.dumps({"Parameters": {}, "Tags": {"Owner": "two words"}}))
    with pytest.raises(package.PackagingError, match="Owner"):
        package.tag_words(configuration)
