"""Cold starts: fresh interpreters running bench/cold_probe.py, the rule against plain boto3."""

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .aws_env import aws_environment, reset_moto
from .moto_host import MotoHost
from .scenarios import OWN_ACCOUNT, api_call_scenarios
from .stats import ImportCost, extra_imports, median, parse_importtime

PROBE = Path(__file__).resolve().parent / "cold_probe.py"
MODES = ("handler", "baseline")
CODE_DIR_VARIABLE = "ROOTKEYS_BENCH_CODE_DIR"


@dataclass(frozen=True)
class Variant:
    """One kind of cold run: which probe mode, and the code root and settings it runs with."""

    name: str
    mode: str
    env: dict[str, str]


def variants(code_dirs: dict[str, Path]) -> list[Variant]:
    """The baseline, then the handler from each code root (`handler` is the repository's code).

    Lambda's code directory is read-only, so Python cannot cache compiled modules there: every
    handler run uses PYTHONDONTWRITEBYTECODE=1 and compiles whatever its code root has no .pyc for.
    """
    found = [Variant("baseline", "baseline", {"PYTHONDONTWRITEBYTECODE": "1"})]
    for name, directory in code_dirs.items():
        found.append(
            Variant(name, "handler", {CODE_DIR_VARIABLE: str(directory), "PYTHONDONTWRITEBYTECODE": "1"})
        )
    return found


@dataclass(frozen=True)
class ColdRun:
    in_process_s: float
    import_s: float
    cpu_s: float
    max_rss_kb: int
    process_s: float
    requests: int


@dataclass(frozen=True)
class ColdResult:
    runs: dict[str, list[ColdRun]]
    extra_imports: list[ImportCost]
    import_self_us: dict[str, int]

    def median_of(self, variant: str, field: str) -> float:
        return median(getattr(run, field) for run in self.runs[variant])


def _probe(
    mode: str, env: dict[str, str], *, importtime: bool = False
) -> tuple[dict[str, object], str, float]:
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), str(PROBE), mode, OWN_ACCOUNT]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=120)  # noqa: S603
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold probe {mode} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["compliance"] != "COMPLIANT":
        raise RuntimeError(f"cold probe {mode} gave {result['compliance']}")
    return result, done.stderr, elapsed


def cold(host: MotoHost, repeats: int, code_dirs: dict[str, Path]) -> ColdResult:
    """Cold runs of every variant, interleaved (the order rotates each round), `repeats` of each."""
    reset_moto(host.endpoint)
    host.set_states({OWN_ACCOUNT: api_call_scenarios()[0].state})
    env = aws_environment(host.endpoint)
    _probe("baseline", env)  # the server loads its IAM and Config backends on first use
    kinds = variants(code_dirs)
    runs: dict[str, list[ColdRun]] = {variant.name: [] for variant in kinds}
    for repeat in range(repeats):
        for variant in kinds[repeat % len(kinds) :] + kinds[: repeat % len(kinds)]:
            host.drain()
            result, _, elapsed = _probe(variant.mode, {**env, **variant.env})
            runs[variant.name].append(
                ColdRun(
                    in_process_s=float(result["total_s"]),  # type: ignore[arg-type]
                    import_s=float(result["import_s"]),  # type: ignore[arg-type]
                    cpu_s=float(result["cpu_s"]),  # type: ignore[arg-type]
                    max_rss_kb=int(result["max_rss_kb"]),  # type: ignore[call-overload]
                    process_s=elapsed,
                    requests=len(host.drain()),
                )
            )
    imports = {
        variant.name: parse_importtime(_probe(variant.mode, {**env, **variant.env}, importtime=True)[1])
        for variant in kinds
        if variant.name in MODES
    }
    return ColdResult(
        runs=runs,
        extra_imports=extra_imports(imports["handler"], imports["baseline"]),
        import_self_us={mode: sum(cost.self_us for cost in imports[mode].values()) for mode in MODES},
    )


def dump(result: ColdResult) -> str:
    return json.dumps({mode: [run.__dict__ for run in runs] for mode, runs in result.runs.items()})
