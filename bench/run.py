"""`make bench`: API calls, cold start, warm invocations, memory, organization scale and package size.

Everything runs against a local moto server (bench/moto_host.py) with the root-user model, and
every figure is set against a baseline measured in the same run. Prints a markdown table and
writes it to bench/results.md. Usage: python -m bench.run [--quick] [--skip-reliability]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import cold, in_process, org, package
from .aws_env import use_in_this_process
from .moto_host import MotoHost
from .org_audit import org_audit
from .org_audit_results import OrgAuditSettings, Sweep
from .report import Results, render

ROOT = Path(__file__).resolve().parent.parent
RELIABILITY_TESTS = (
    "tests/test_reliability_faults.py",
    "tests/test_reliability_fuzz.py",
    "tests/test_reliability_concurrency.py",
)
TALLY_VARIABLE = "ROOTKEYS_RELIABILITY_TALLY"


def run_reliability_suite() -> dict[str, Any]:
    """Run the reliability tests once; they add their counts to a tally file named by the environment."""
    with tempfile.TemporaryDirectory() as scratch:
        tally = Path(scratch) / "tally.json"
        env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
        env[TALLY_VARIABLE] = str(tally)
        done = subprocess.run(  # noqa: S603 - our own interpreter and test files
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:xdist",
                "-p",
                "no:cacheprovider",
                *RELIABILITY_TESTS,
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        suites = json.loads(tally.read_text()) if tally.exists() else {}
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "no output"
    if done.returncode != 0:
        print(done.stdout[-4000:], file=sys.stderr)
    return {"suites": suites, "outcome": summary, "passed": done.returncode == 0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats, 100 accounts in both org benches (a smoke run)"
    )
    parser.add_argument("--skip-reliability", action="store_true", help="do not run the reliability tests")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    parser.add_argument(
        "--candidate", metavar="DIR", help="also cold-start a code root to compare (e.g. a patched copy)"
    )
    args = parser.parse_args(argv)
    settings = (
        {
            "cold_runs": 4,
            "warm_repeats": 3,
            "warm_calls": 20,
            "api_repeats": 1,
            "accounts": 100,
            "baseline_every": 2,
            "org_audit": OrgAuditSettings(
                members=100, sample=10, sweeps=(Sweep(latency_ms=30, accounts=40, concurrencies=(4, 16, 64)),)
            ),
        }
        if args.quick
        else {
            "cold_runs": 21,
            "warm_repeats": 9,
            "warm_calls": 60,
            "api_repeats": 3,
            "accounts": 1000,
            "baseline_every": 5,
            "org_audit": OrgAuditSettings(
                members=1000,
                sample=50,
                sweeps=(
                    Sweep(latency_ms=30, accounts=300, concurrencies=(4, 8, 16, 32, 64)),
                    Sweep(latency_ms=100, accounts=160, concurrencies=(4, 8, 16, 32, 64)),
                ),
            ),
        }
    )

    host = MotoHost()
    try:
        use_in_this_process(host.endpoint)
        handler = in_process.load_handler()
        api_baseline, api_calls = in_process.api_calls(host, handler, settings["api_repeats"])
        with tempfile.TemporaryDirectory() as scratch:
            archive = package.deployable_zip(Path(scratch))
            code_dirs = {
                "handler": package.compiled_rule_folder(Path(scratch) / "repository"),
                "zip": package.unpack(archive, Path(scratch) / "zip", strip_bytecode=False),
                "zip-no-pyc": package.unpack(archive, Path(scratch) / "zip-no-pyc", strip_bytecode=True),
            }
            if args.candidate:
                code_dirs["candidate"] = Path(args.candidate).resolve()
            cold_result = cold.cold(host, settings["cold_runs"], code_dirs)
        warm_result = in_process.warm(host, handler, settings["warm_repeats"], settings["warm_calls"])
        org_result = org.organization(host, handler, settings["accounts"], settings["baseline_every"])
    finally:
        host.close()
    org_audit_result = org_audit(settings["org_audit"])
    reliability = None if args.skip_reliability else run_reliability_suite()
    markdown = render(
        Results(
            api_baseline=api_baseline,
            api_calls=api_calls,
            cold=cold_result,
            warm=warm_result,
            org=org_result,
            org_audit=org_audit_result,
            package=package.package_sizes(),
            reliability=reliability,
            settings=settings,
        )
    )
    print(markdown)
    Path(args.output).write_text(markdown)
    failures = (
        org_result.wrong_verdicts
        + org_result.isolation_failures
        + org_result.root_model_mismatches
        + [scenario.scenario for scenario in api_calls if not scenario.verdict_ok]
        + [f"org-audit: {problem}" for problem in org_audit_result.failures]
    )
    if reliability is not None and not reliability["passed"]:
        failures.append(f"reliability suite: {reliability['outcome']}")
    compliant = next(scenario for scenario in api_calls if scenario.scenario == "compliant")
    if compliant.calls != 2:
        failures.append(f"compliant evaluation made {compliant.calls} API calls, not 2")
    for failure in failures[:20]:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
