"""Build the JSON copies of the runbooks that rdk reads (Parameters.SSMAutomation.Document).

The YAML files in remediation/ are the only source. rdk loads the document with json.loads, so
this script validates each runbook and writes remediation/generated/<name>.json. The JSON is
committed so that `rdk create-rule-template` works from a fresh clone; `--check` (run by the
tests) fails when a JSON copy differs from its YAML source.

    python scripts/build_runbooks.py          # validate and write
    python scripts/build_runbooks.py --check  # validate and compare, write nothing
"""

import argparse
import json
import sys
from pathlib import Path

from rootkeys_dev.runbook_validator import RunbookValidationError, check_runbook, load_runbook

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "remediation"
OUTPUT_DIR = SOURCE_DIR / "generated"
RUNBOOKS = ("root-access-keys-manual", "root-access-keys-central")


def render(name: str) -> str:
    """The JSON text generated from remediation/<name>.yaml, after validation."""
    source = SOURCE_DIR / f"{name}.yaml"
    document = load_runbook(source)
    check_runbook(document, str(source.relative_to(ROOT)))
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    arguments = parser.parse_args(argv)
    stale = []
    for name in RUNBOOKS:
        try:
            text = render(name)
        except RunbookValidationError as error:
            print(error, file=sys.stderr)
            return 1
        target = OUTPUT_DIR / f"{name}.json"
        if arguments.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(str(target.relative_to(ROOT)))
            continue
        OUTPUT_DIR.mkdir(exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    if stale:
        print(f"out of date (run `make runbooks`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
