"""Small helpers for medians, ratios and `python -X importtime` output."""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("inf")


@dataclass(frozen=True)
class ImportCost:
    module: str
    self_us: int
    cumulative_us: int


def parse_importtime(stderr: str) -> dict[str, ImportCost]:
    """Read the `import time: self | cumulative | name` lines Python writes with -X importtime."""
    costs: dict[str, ImportCost] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3:
            continue
        name = parts[2].strip()
        costs[name] = ImportCost(name, int(parts[0]), int(parts[1]))
    return costs


def extra_imports(rule: dict[str, ImportCost], baseline: dict[str, ImportCost]) -> list[ImportCost]:
    """Modules the rule imports that the plain-boto3 baseline does not, most expensive first."""
    return sorted(
        (cost for name, cost in rule.items() if name not in baseline),
        key=lambda cost: cost.cumulative_us,
        reverse=True,
    )
