"""Build the JSON copies of the runbooks that rdk reads (Parameters.SSMAutomation.Document).

The YAML files in remediation/ are the source, except for the central runbook's script: that is
src/rootkeys/org/root_tasks.py (shared with `rootkeys org-remediate`), which this script inlines
into the YAML's `Script: &script` block. rdk loads the document with json.loads, so this script
then validates each runbook and writes remediation/generated/<name>.json. The YAML and JSON are
committed so that `rdk create-rule-template` works from a fresh clone; `--check` (run by the
tests) fails when the YAML's script differs from the module or a JSON copy from its YAML.

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
# runbook -> the module whose text is its `Script: &script |-` block
SCRIPT_SOURCES = {"root-access-keys-central": ROOT / "src" / "rootkeys" / "org" / "root_tasks.py"}
SCRIPT_ANCHOR = "Script: &script |-"


def inline_script(runbook_text: str, script: str) -> str:
    """The runbook text with the anchored script block replaced by `script`, indented to fit."""
    lines = runbook_text.splitlines(keepends=True)
    start = next(index for index, line in enumerate(lines) if line.strip() == SCRIPT_ANCHOR)
    indent = " " * (len(lines[start]) - len(lines[start].lstrip()) + 2)
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith(indent)):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():  # trailing blank lines stay outside
        end -= 1
    block = [
        (indent + line if line.strip() else "\n") for line in script.rstrip("\n").splitlines(keepends=False)
    ]
    block = [line if line.endswith("\n") else line + "\n" for line in block]
    return "".join(lines[: start + 1] + block + lines[end:])


def sync_scripts(*, check: bool) -> list[str]:
    """Inline each script module into its runbook; with check, only list the runbooks out of date."""
    stale = []
    for name, module in SCRIPT_SOURCES.items():
        source = SOURCE_DIR / f"{name}.yaml"
        current = source.read_text(encoding="utf-8")
        wanted = inline_script(current, module.read_text(encoding="utf-8"))
        if wanted == current:
            continue
        if check:
            stale.append(f"{source.relative_to(ROOT)} (script from {module.relative_to(ROOT)})")
        else:
            source.write_text(wanted, encoding="utf-8")
            print(f"wrote {source.relative_to(ROOT)}")
    return stale


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
    stale = sync_scripts(check=arguments.check)
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
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            continue  # unchanged: never rewrite a file other processes (parallel tests) may be reading
        OUTPUT_DIR.mkdir(exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    if stale:
        print(f"out of date (run `make runbooks`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
