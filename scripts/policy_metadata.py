"""Write (or check) what policy.yaml feeds: parameters.json "Tags" and the README framework table.

    python scripts/policy_metadata.py          # check: exit 1 and say what is stale
    python scripts/policy_metadata.py --write  # rewrite both from policy.yaml

Only the "Tags" key of parameters.json and the block between the README markers are touched.
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
from root_access_keys.metadata import config_tags, frameworks_table, load_policy  # noqa: E402


def tags_json() -> str:
    """parameters.json's "Tags" value: a JSON string of [{"Key", "Value"}]."""
    return json.dumps(config_tags(load_policy()))


def readme_table_block(readme: str) -> str:
    """The text between the README markers (raises ValueError when the markers are missing)."""
    start = readme.index(TABLE_START) + len(TABLE_START)
    return readme[start : readme.index(TABLE_END, start)].strip("\n")


def _write_readme(readme: str) -> str:
    start = readme.index(TABLE_START) + len(TABLE_START)
    end = readme.index(TABLE_END, start)
    return readme[:start] + "\n" + frameworks_table(load_policy()) + "\n" + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the files instead of checking them")
    args = parser.parse_args(argv)

    parameters = json.loads(PARAMETERS_JSON.read_text(encoding="utf-8"))
    readme = README.read_text(encoding="utf-8")
    stale = []
    if parameters.get("Tags") != tags_json():
        stale.append(f"{PARAMETERS_JSON.relative_to(ROOT)} Tags")
        if args.write:
            parameters["Tags"] = tags_json()
            PARAMETERS_JSON.write_text(json.dumps(parameters, indent=2) + "\n", encoding="utf-8")
    if readme_table_block(readme) != frameworks_table(load_policy()):
        stale.append("README.md frameworks table")
        if args.write:
            README.write_text(_write_readme(readme), encoding="utf-8")
    if stale and not args.write:
        sys.stderr.write(f"Out of date with policy.yaml: {', '.join(stale)}. Run {__file__} --write\n")
        return 1
    for item in stale:
        sys.stdout.write(f"updated {item}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
