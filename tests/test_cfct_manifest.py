"""docs/cfct/manifest.yaml: the Customizations for Control Tower snippet.

CfCT validates a manifest with pykwalify against its published schema for version 2021-03-15
(source/src/cfct/validation/manifest-v2.schema.yaml in aws-solutions/aws-control-tower-
customizations). MANIFEST_SCHEMA restates that schema's rules as a JSON Schema: pykwalify's `map`
accepts only the keys it names, `required` keys must be present, `deploy_method` is scp,
stack_set or rcp, regions are unique, and `version` must be the YAML date 2021-03-15.
"""

import datetime
import json
import re
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import package  # noqa: E402
from lint_and_schema import closed_object  # noqa: E402

MANIFEST = ROOT / "docs" / "cfct" / "manifest.yaml"
README = ROOT / "docs" / "cfct" / "README.md"
# resource_file in the manifest -> the repository template it is a copy of (README's table).
RESOURCE_FILES = {
    "templates/rootkeys-org-central.yaml": "org-central",
    "templates/rootkeys-org-member-role.yaml": "org-member-role",
}
ALFRED_SSM = re.compile(r"^\$\[alfred_ssm_(/[\w/.-]+)\]$")
OUTPUT = re.compile(r"^\$\[output_(\w+)\]$")


_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": _STRING}
MANIFEST_SCHEMA = closed_object(
    {"region": _STRING, "version": {"const": "2021-03-15"}},
    {
        "enable_stack_set_deletion": {"type": "boolean"},
        "resources": {
            "type": "array",
            "items": closed_object(
                {
                    "name": _STRING,
                    "resource_file": _STRING,
                    "deployment_targets": closed_object(
                        {}, {"accounts": {"type": "array"}, "organizational_units": _STRINGS}
                    ),
                    "deploy_method": {"enum": ["scp", "stack_set", "rcp"]},
                },
                {
                    "description": _STRING,
                    "parameter_file": _STRING,
                    "parameters": {
                        "type": "array",
                        "items": closed_object({"parameter_key": _STRING, "parameter_value": {}}),
                    },
                    "regions": {"type": "array", "items": _STRING, "uniqueItems": True},
                    "export_outputs": {
                        "type": "array",
                        "items": closed_object({"name": _STRING, "value": _STRING}),
                    },
                },
            ),
        },
    },
)


def _as_validated(manifest: dict) -> dict:
    """The manifest with its version date as text (JSON Schema has no date type)."""
    version = manifest.get("version")
    if not isinstance(version, datetime.date):
        raise AssertionError(f"version must be a YAML date (CfCT's schema type), not {version!r}")
    return {**manifest, "version": version.isoformat()}


@pytest.fixture(scope="module")
def manifest():
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    directory = tmp_path_factory.mktemp("rendered")
    return {
        name: package.load_template(package.render_template(ROOT / "templates" / f"{name}.yaml", directory))
        for name in RESOURCE_FILES.values()
    }


def test_manifest_satisfies_the_cfct_v2_schema(manifest):
    jsonschema.validate(_as_validated(manifest), MANIFEST_SCHEMA)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["resources"][0].update(deploy_method="stackset"), "is not one of"),
        (
            lambda m: m["resources"][0].pop("deployment_targets"),
            "'deployment_targets' is a required property",
        ),
        (lambda m: m["resources"][1].update(target_ous=["Workloads"]), "Additional properties"),
        (lambda m: m["resources"][0]["regions"].append("us-east-1"), "non-unique"),
        (
            lambda m: m["resources"][0]["parameters"][0].pop("parameter_value"),
            "'parameter_value' is a required",
        ),
    ],
)
def test_the_schema_rejects_what_cfct_would_reject(manifest, change, message):
    broken = json.loads(json.dumps(_as_validated(manifest)))
    change(broken)
    with pytest.raises(jsonschema.ValidationError, match=message):
        jsonschema.validate(broken, MANIFEST_SCHEMA)


def test_a_quoted_version_is_refused(manifest):
    with pytest.raises(AssertionError, match="YAML date"):
        _as_validated({**manifest, "version": "2021-03-15"})


def test_resources_are_stack_sets_of_our_templates_in_the_home_region(manifest):
    resources = manifest["resources"]
    assert [resource["resource_file"] for resource in resources] == list(RESOURCE_FILES)
    for resource in resources:
        assert resource["deploy_method"] == "stack_set"
        # CfCT keeps exported outputs in its home Region, where alfred reads them.
        assert resource["regions"] == [manifest["region"]]
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", resource["name"]), resource["name"]
    readme = README.read_text(encoding="utf-8")
    for resource_file in RESOURCE_FILES:
        assert f"`{resource_file}`" in readme


def test_parameters_exist_are_allowed_and_cover_every_required_one(manifest, templates):
    exported = {}
    for resource in manifest["resources"]:
        template = templates[RESOURCE_FILES[resource["resource_file"]]]
        for output in resource.get("export_outputs", []):
            match = OUTPUT.match(output["value"])
            assert match and match.group(1) in template["Outputs"], output
            exported[output["name"]] = match.group(1)
    for resource in manifest["resources"]:
        definitions = templates[RESOURCE_FILES[resource["resource_file"]]]["Parameters"]
        given = {item["parameter_key"]: item["parameter_value"] for item in resource["parameters"]}
        assert len(given) == len(resource["parameters"]), "a parameter is given twice"
        assert set(given) <= set(definitions)
        assert {name for name, spec in definitions.items() if "Default" not in spec} <= set(given)
        for name, value in given.items():
            reference = ALFRED_SSM.match(str(value))
            if reference:
                assert reference.group(1) in exported, f"{name} reads an SSM parameter nothing exports"
                continue
            assert isinstance(value, str), f"{name}: give CloudFormation a string, not {value!r}"
            spec = definitions[name]
            if "AllowedValues" in spec:
                assert value in [str(item) for item in spec["AllowedValues"]], name
            if "AllowedPattern" in spec:
                assert re.fullmatch(spec["AllowedPattern"], value), name


def test_the_member_role_gets_the_central_function_role_and_the_shared_names(manifest):
    central, member = manifest["resources"]
    central_values = {item["parameter_key"]: item["parameter_value"] for item in central["parameters"]}
    member_values = {item["parameter_key"]: item["parameter_value"] for item in member["parameters"]}
    exported = {item["name"]: item["value"] for item in central["export_outputs"]}
    path = ALFRED_SSM.match(member_values["CentralFunctionRoleArn"]).group(1)
    assert exported[path] == "$[output_FunctionRoleArn]"
    for shared in ("ExecutionRoleName", "SecurityHubFindings"):
        assert member_values[shared] == central_values[shared], shared
