"""Write (or check) what policy.yaml feeds: policy.json, parameters.json "Tags", the README table.

    python scripts/policy_metadata.py          # check: exit 1 and say what is stale
    python scripts/policy_metadata.py --write  # rewrite all three from policy.yaml (make policy-metadata)

policy.json is what the Lambda function reads (it needs no PyYAML); only the "Tags" key of
parameters.json and the block between the README markers are touched.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULE_DIR = ROOT / "rules" / "IAM_ROOT_NO_ACCESS_KEYS"
PARAMETERS_JSON = RULE_DIR / "parameters.json"
README = ROOT / "README.md"
TABLE_START = "<!-- frameworks table: generated from policy.yaml by scripts/policy_metadata.py -->"
TABLE_END = "<!-- end of frameworks table -->"

sys.path.insert(0, str(RULE_DIR))
from root_access_keys.metadata import (  # noqa: E402
    POLICY_JSON,
    Policy,
    PolicyMetadataError,
    config_tags,
    frameworks_table,
    parse_policy,
    read_policy_yaml,
    render_policy_json,
)


def tags_json(policy: Policy) -> str:
    """parameters.json's "Tags" value: a JSON string of [{"Key", "Value"}]."""
    return json.dumps(config_tags(policy))


def readme_table_block(readme: str) -> str:
    """The text between the README markers (raises ValueError when the markers are missing)."""
    start = readme.index(TABLE_START) + len(TABLE_START)
    return readme[start : readme.index(TABLE_END, start)].strip("\n")


def _write_readme(readme: str, table: str) -> str:
    start = readme.index(TABLE_START) + len(TABLE_START)
    end = readme.index(TABLE_END, start)
    return readme[:start] + "\n" + table + "\n" + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the files instead of checking them")
    args = parser.parse_args(argv)

    try:
        document = read_policy_yaml()  # policy.yaml, not the generated policy.json
        wanted_policy = render_policy_json(document)
        policy = parse_policy(document)
    except PolicyMetadataError as error:
        sys.stderr.write(f"{error}\n")
        return 1
    stale = []
    current_policy = POLICY_JSON.read_text(encoding="utf-8") if POLICY_JSON.is_file() else None
    if current_policy != wanted_policy:
        stale.append(str(POLICY_JSON.relative_to(ROOT)))
        if args.write:
            POLICY_JSON.write_text(wanted_policy, encoding="utf-8")
    parameters = json.loads(PARAMETERS_JSON.read_text(encoding="utf-8"))
    readme = README.read_text(encoding="utf-8")
    tags, table = tags_json(policy), frameworks_table(policy)
    if parameters.get("Tags") != tags:
        stale.append(f"{PARAMETERS_JSON.relative_to(ROOT)} Tags")
        if args.write:
            parameters["Tags"] = tags
            PARAMETERS_JSON.write_text(json.dumps(parameters, indent=2) + "\n", encoding="utf-8")
    if readme_table_block(readme) != table:
        stale.append("README.md frameworks table")
        if args.write:
            README.write_text(_write_readme(readme, table), encoding="utf-8")
    if stale and not args.write:
        sys.stderr.write(f"Out of date with policy.yaml: {', '.join(stale)}. Run make policy-metadata\n")
        return 1
    for item in stale:
        sys.stdout.write(f"updated {item}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
