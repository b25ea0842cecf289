"""Checks several template and config tests share: cfn-lint over files, and closed JSON Schema objects."""

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def assert_cfn_lint_clean(files: Iterable[Path], *extra_arguments: str) -> None:
    """cfn-lint (the venv's) finds no error and no warning in any of `files`."""
    result = subprocess.run(
        [str(CFN_LINT), "--format", "parseable", *extra_arguments, *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def closed_object(required: dict, optional: dict | None = None) -> dict:
    """A JSON Schema object that needs `required`, allows `optional`, and nothing else."""
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
        "additionalProperties": False,
    }
