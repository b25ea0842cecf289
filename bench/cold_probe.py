"""One cold evaluation in a fresh interpreter; prints its timings as one JSON line.

Usage: python bench/cold_probe.py handler|baseline ACCOUNT_ID   (code root: $ROOTKEYS_BENCH_CODE_DIR)
  handler:  import the Lambda handler from the rule folder and evaluate once (as Lambda would)
  baseline: import boto3 and make the same two calls with plain boto3
The AWS endpoint, region and credentials come from the environment (bench/run.py sets them).
Imports are kept inside the timed section so that each mode pays only for what it uses.
"""

import time

# The fakes of what Config and Lambda pass; imported before the clock starts (stdlib only).
from rootkeys_dev.config_events import plain_evaluation, scheduled_event
from rootkeys_dev.lambda_runtime import FakeLambdaContext

STARTED = time.perf_counter()

import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

# The Lambda code root: the repository's rule folder, or an unpacked deployment zip.
RULE_DIR = Path(
    os.environ.get("ROOTKEYS_BENCH_CODE_DIR")
    or Path(__file__).resolve().parent.parent / "rules" / "IAM_ROOT_NO_ACCESS_KEYS"
)


def _lambda_like_logging() -> None:
    """Lambda's runtime attaches a handler to the root logger; write to /dev/null instead of stdout."""
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process
    logging.getLogger().addHandler(handler)


def run_handler(account_id: str) -> tuple[str, float]:
    sys.path.insert(0, str(RULE_DIR))
    import IAM_ROOT_NO_ACCESS_KEYS  # type: ignore[import-not-found]  # noqa: PLC0415 - timed

    imported = time.perf_counter()
    [evaluation] = IAM_ROOT_NO_ACCESS_KEYS.lambda_handler(
        scheduled_event(account_id, config_rule_id="config-rule-bench"), FakeLambdaContext(account_id, 60)
    )
    return evaluation["ComplianceType"], imported


def run_baseline(account_id: str) -> tuple[str, float]:
    import boto3  # noqa: PLC0415 - timed

    imported = time.perf_counter()
    summary = boto3.client("iam").get_account_summary()["SummaryMap"]
    compliance = "NON_COMPLIANT" if summary["AccountAccessKeysPresent"] else "COMPLIANT"
    boto3.client("config").put_evaluations(
        Evaluations=[plain_evaluation(account_id, compliance)], ResultToken="TESTMODE", TestMode=True
    )
    return compliance, imported


def peak_rss_kb() -> int:
    """Peak resident memory of this program. ru_maxrss alone can report the parent's: Linux carries
    it over exec, and subprocess may vfork a large parent; VmHWM belongs to this image only."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    mode, account_id = sys.argv[1], sys.argv[2]
    _lambda_like_logging()
    compliance, imported = (run_handler if mode == "handler" else run_baseline)(account_id)
    finished = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "mode": mode,
                "compliance": compliance,
                "import_s": imported - STARTED,
                "total_s": finished - STARTED,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "max_rss_kb": peak_rss_kb(),
                "ru_maxrss_kb": usage.ru_maxrss,
            }
        )
    )


if __name__ == "__main__":
    main()
