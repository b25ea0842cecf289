"""One `rootkeys org-audit` run in a fresh interpreter, through the CLI's own entry point.

Usage: python -m bench.org_audit_probe OUTPUT_FILE org-audit [options...]
The command's stdout (the --json document) goes to OUTPUT_FILE, its stderr passes through; the
last line on stdout is this probe's JSON: exit code, wall and CPU time of the command, when its
accounts were listed (the moment the command's progress counter learns how many there are: the
preflight and the listing are over), and the peak resident memory of this process (VmHWM, as
bench/cold_probe.py reads it).
"""

import contextlib
import json
import resource
import sys
import time


def peak_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    output, arguments = sys.argv[1], sys.argv[2:]
    imported = time.perf_counter()
    from rootkeys.cli import main as rootkeys  # noqa: PLC0415 - its import is timed apart

    import_s = time.perf_counter() - imported
    from rootkeys.org.progress import AccountProgress  # noqa: PLC0415

    listed: list[float] = []
    start = AccountProgress.start

    def start_and_note(progress: AccountProgress, total: int) -> None:
        listed.append(time.perf_counter())
        start(progress, total)

    AccountProgress.start = start_and_note  # type: ignore[method-assign]
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    with open(output, "w", encoding="utf-8") as stdout, contextlib.redirect_stdout(stdout):
        started = time.perf_counter()
        code = rootkeys(arguments)
        finished = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (usage.ru_utime + usage.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    print(
        json.dumps(
            {
                "exit_code": code,
                "wall_s": finished - started,
                "setup_s": (listed[0] if listed else finished) - started,
                "cpu_s": cpu_s,
                "import_s": import_s,
                "max_rss_kb": peak_rss_kb(),
            }
        )
    )


if __name__ == "__main__":
    main()
