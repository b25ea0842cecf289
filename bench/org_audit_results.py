"""What the org-audit benchmark measures: its settings, one audit run, the whole result, the knee."""

from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

RSS_GOAL_MB = 256
THROUGHPUT_GOAL = 10.0
# The knee of a sweep: the last setting before the next one adds less than this share of throughput.
# (Fewest workers within some share of the best is thrown off by one lucky run on a busy machine.)
KNEE_GAIN = 0.10


@dataclass(frozen=True)
class Sweep:
    latency_ms: float
    accounts: int
    concurrencies: tuple[int, ...]


@dataclass(frozen=True)
class OrgAuditSettings:
    members: int
    sample: int
    sweeps: tuple[Sweep, ...]
    latency_ms: float = 30.0  # the sequential, baseline and full runs


@dataclass
class AuditRun:
    label: str
    latency_ms: float
    concurrency: int
    accounts: int
    wall_s: float
    setup_s: float  # preflight and account listing, before the first account is audited
    cpu_s: float
    max_rss_kb: int
    exit_code: int
    server_cpu_s: float
    requests: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        """Accounts per second over the whole command, preflight and listing included."""
        return self.accounts / self.wall_s

    @property
    def audit_rate(self) -> float:
        """Accounts per second once they are listed (what concurrency acts on)."""
        return self.accounts / (self.wall_s - self.setup_s)

    @property
    def cpu_ms_per_account(self) -> float:
        return self.cpu_s * 1000 / self.accounts

    @property
    def calls_per_account(self) -> float:
        return sum(self.requests.values()) / self.accounts


@dataclass
class OrgAuditResult:
    settings: OrgAuditSettings
    kinds: Counter[str]
    baseline_durations: list[float]
    baseline_cpu_s: float
    baseline_calls: int
    client_setup_cpu_ms: float
    sequential: AuditRun
    sweeps: list[list[AuditRun]]
    full: AuditRun
    wrong_verdicts: list[str] = field(default_factory=list)
    cross_account: list[str] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)  # suspended or denied members acted on
    leaks: list[str] = field(default_factory=list)
    # Per sweep latency (ms): accounts/second of the same-calls sequential baseline at that latency.
    sweep_baseline_rates: dict[float, float] = field(default_factory=dict)

    @property
    def baseline_rate(self) -> float:
        return len(self.baseline_durations) / sum(self.baseline_durations)

    @property
    def baseline_calls_per_account(self) -> float:
        return self.baseline_calls / len(self.baseline_durations)

    @property
    def baseline_cpu_ms_per_account(self) -> float:
        return self.baseline_cpu_s * 1000 / len(self.baseline_durations)

    @property
    def peak_rss_mb(self) -> float:
        """The highest peak RSS of any audit process of the benchmark."""
        return max(run.max_rss_kb for run in self.runs) / 1024

    @property
    def runs(self) -> list[AuditRun]:
        return [self.sequential, *(run for runs in self.sweeps for run in runs), self.full]

    @property
    def failures(self) -> list[str]:
        memory = [] if self.peak_rss_mb < RSS_GOAL_MB else [f"peak RSS {self.peak_rss_mb:.0f} MB"]
        return self.wrong_verdicts + self.cross_account + self.touched + self.leaks + memory


def knee(runs: list[AuditRun]) -> AuditRun:
    """The run after which more workers stop paying: the next setting adds less than KNEE_GAIN to the
    audit rate (the last setting when every step pays)."""
    ordered = sorted(runs, key=lambda run: run.concurrency)
    for run, following in pairwise(ordered):
        if following.audit_rate < run.audit_rate * (1 + KNEE_GAIN):
            return run
    return ordered[-1]
