"""The demo's outcome table: a table on wide terminals, one block per scenario otherwise."""

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from .demo_scenarios import Scenario

MIN_ANNOTATION_WIDTH = 40


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    account_id: str
    recorded: str  # the ComplianceType sent to PutEvaluations, or ERROR
    text: str  # the annotation, or the error
    api_calls: tuple[str, ...]
    log_lines: tuple[str, ...]
    seconds: float

    @property
    def problems(self) -> list[str]:
        found = []
        if self.recorded != self.scenario.expected:
            found.append(f"expected {self.scenario.expected}")
        if self.scenario.expected_text not in self.text:
            found.append(f"text lacks {self.scenario.expected_text!r}")
        if self.scenario.expected_calls is not None and self.api_calls != self.scenario.expected_calls:
            found.append("calls differ from " + ", ".join(self.scenario.expected_calls))
        return found


def _compact_calls(calls: Sequence[str]) -> list[str]:
    lines: list[str] = []
    previous, count = None, 0
    for call in [*calls, None]:
        if call == previous:
            count += 1
            continue
        if previous is not None:
            lines.append(previous + (f" x{count}" if count > 1 else ""))
        previous, count = call, 1
    return lines or ["(none)"]


def _status(outcome: Outcome) -> list[str]:
    problems = outcome.problems
    return [outcome.recorded, "as expected" if not problems else "UNEXPECTED"]


def wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _table(outcomes: Sequence[Outcome], name_width: int, calls_width: int, text_width: int) -> str:
    result_width = len("NON_COMPLIANT")

    def line(*cells: str) -> str:
        name, result, calls, text = cells
        return f"{name:<{name_width}}  {result:<{result_width}}  {calls:<{calls_width}}  {text}".rstrip()

    blocks = []
    for outcome in outcomes:
        columns = [
            [outcome.scenario.name, *wrap(outcome.scenario.description, name_width)],
            _status(outcome),
            _compact_calls(outcome.api_calls),
            wrap(outcome.text, text_width),
        ]
        height = max(len(column) for column in columns)
        padded = [column + [""] * (height - len(column)) for column in columns]
        blocks.append("\n".join(line(*cells) for cells in zip(*padded, strict=True)))
    header = line("SCENARIO", "RECORDED", "API CALLS", "ANNOTATION (or error)")
    rule = "-" * max(len(row) for block in [header, *blocks] for row in block.splitlines())
    return header + "\n" + rule + "\n" + "\n\n".join(blocks)


def _blocks(outcomes: Sequence[Outcome], width: int) -> str:
    blocks = []
    for outcome in outcomes:
        lines = [
            f"{outcome.scenario.name}: {' '.join(_status(outcome))}",
            *wrap(outcome.scenario.description, width - 4),
            "calls: " + ", ".join(_compact_calls(outcome.api_calls)),
            *wrap(outcome.text, width - 4),
        ]
        blocks.append("\n    ".join(lines))
    return "\n\n".join(blocks)


def render_table(outcomes: Sequence[Outcome], width: int) -> str:
    """A table on terminals wide enough for it, one block per scenario otherwise."""
    name_width = max(26, *(len(outcome.scenario.name) for outcome in outcomes))
    calls_width = max(len("API CALLS"), *(len(c) for o in outcomes for c in _compact_calls(o.api_calls)))
    text_width = width - (name_width + len("NON_COMPLIANT") + calls_width + 6)
    if text_width >= MIN_ANNOTATION_WIDTH:
        return _table(outcomes, name_width, calls_width, text_width)
    return _blocks(outcomes, max(width, 40))
