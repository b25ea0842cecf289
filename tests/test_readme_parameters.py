"""The README's parameter table is a copy for humans: prove it agrees with spec.py."""

import re
from pathlib import Path

from root_access_keys.spec import PARAMETERS

README = Path(__file__).resolve().parent.parent / "README.md"


def _parameter_rows() -> dict[str, list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- parameters table: tested against root_access_keys/spec.py -->", 1)[1]
    table = section.strip().split("\n\n", 1)[0].splitlines()
    rows = {}
    for line in table[2:]:  # after the header and its separator
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells
    return rows


def test_every_parameter_is_documented_once_and_nothing_else():
    assert set(_parameter_rows()) == {spec.name for spec in PARAMETERS}


def test_documented_defaults_and_values_match_the_spec():
    rows = _parameter_rows()
    for spec in PARAMETERS:
        _, default, values, _meaning = rows[spec.name]
        if spec.default is None:
            assert default == "(unset)", spec.name
        else:
            assert default == f'`"{spec.default}"`', spec.name
        if spec.allowed:
            assert re.findall(r'`"([^"]+)"`', values) == list(spec.allowed), spec.name
