"""The org-audit benchmark's correctness checks (they decide whether `make bench` fails): each must
flag what it exists to catch, and pass a clean run. Plain data, no server."""

from collections import Counter

import pytest

from bench.org_audit import expected_exit_code
from bench.org_audit_checks import (
    IssuedSession,
    ServedRequest,
    cross_account_uses,
    leaked_credentials,
    untouched_accounts,
    verdict_mismatches,
)
from bench.org_audit_fleet import EXPECTED, Kind, plan_fleet
from bench.org_audit_report import rows
from bench.org_audit_results import RSS_GOAL_MB, AuditRun, OrgAuditResult, OrgAuditSettings, knee

A, B, C = "111111111111", "222222222222", "333333333333"


def request(action: str, key: str, account: str) -> ServedRequest:
    return ServedRequest("sts" if action == "AssumeRoot" else "iam", action, key, account, 200)


def row(account: str, kind: Kind, key_ids: tuple[str, ...] = ()) -> dict[str, object]:
    want = EXPECTED[kind]
    return {
        "account_id": account,
        "status": want.status,
        "compliance": want.compliance,
        "reason": want.reason,
        "method": "AssumeRoot",
        "credentials": {"access_keys": [{"access_key_id": key} for key in key_ids]},
    }


@pytest.mark.parametrize("members", [20, 100, 1000])
def test_fleet_holds_every_kind_with_the_planned_counts(members: int) -> None:
    plans = plan_fleet(members)
    kinds = Counter(plan.kind for plan in plans)
    assert set(kinds) == set(Kind)
    assert len({plan.name for plan in plans}) == members
    assert kinds[Kind.SUSPENDED] == max(1, members // 200)
    assert kinds[Kind.ASSUME_ROOT_DENIED] == 2


def test_fleet_too_small_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        plan_fleet(19)


def test_verdicts_that_match_pass_and_each_kind_of_mismatch_is_flagged() -> None:
    expected = {A: EXPECTED[Kind.ACTIVE_KEY], B: EXPECTED[Kind.NOTHING]}
    keys = {A: ["AKIAROOTA"], B: []}
    clean = {"accounts": [row(A, Kind.ACTIVE_KEY, ("AKIAROOTA",)), row(B, Kind.NOTHING)]}
    assert verdict_mismatches(clean, expected, keys) == []

    wrong_verdict = {"accounts": [row(A, Kind.NOTHING, ("AKIAROOTA",)), row(B, Kind.NOTHING)]}
    assert [p.split(":")[0] for p in verdict_mismatches(wrong_verdict, expected, keys)] == [A]

    other_keys = {"accounts": [row(A, Kind.ACTIVE_KEY, ("AKIAOTHER",)), row(B, Kind.NOTHING)]}
    assert "lists key ids" in verdict_mismatches(other_keys, expected, keys)[0]

    missing_and_extra = {"accounts": [row(A, Kind.ACTIVE_KEY, ("AKIAROOTA",)), row(C, Kind.NOTHING)]}
    problems = verdict_mismatches(missing_and_extra, expected, keys)
    assert problems == [f"{B}: missing from the output", f"{C}: in the output but not in scope"]


def test_requests_signed_by_the_members_own_session_pass() -> None:
    sessions = [IssuedSession("ASIAA", A), IssuedSession("ASIAB", B)]
    requests = [
        request("AssumeRoot", "AKIAMGMT", A),
        request("ListAccessKeys", "ASIAA", A),
        request("AssumeRoot", "AKIAMGMT", B),
        request("ListAccessKeys", "ASIAB", B),
    ]
    assert cross_account_uses([A, B], requests, sessions) == []


def test_a_session_used_for_another_account_is_flagged() -> None:
    sessions = [IssuedSession("ASIAA", A), IssuedSession("ASIAB", B)]
    requests = [request("ListAccessKeys", "ASIAA", A), request("ListAccessKeys", "ASIAA", B)]
    problems = cross_account_uses([A, B], requests, sessions)
    assert f"{B}: iam:ListAccessKeys signed with ASIAA, not its own root session" in problems
    assert f"{B}: its own root session never called ListAccessKeys" in problems


def test_a_member_with_no_session_or_two_is_flagged() -> None:
    sessions = [IssuedSession("ASIAA1", A), IssuedSession("ASIAA2", A)]
    problems = cross_account_uses([A, B], [], sessions)
    assert problems == [
        f"{A}: 2 root sessions issued, expected 1",
        f"{B}: 0 root sessions issued, expected 1",
    ]


def test_suspended_members_allow_nothing_and_denied_members_only_assume_root() -> None:
    requests = [request("AssumeRoot", "AKIAMGMT", A), request("AssumeRoot", "AKIAMGMT", B)]
    assert untouched_accounts([B], requests) == []
    assert untouched_accounts([A], requests, allowed=()) == [f"{A}: sts:AssumeRoot served, expected none"]
    read = [request("ListAccessKeys", "ASIAB", B)]
    assert untouched_accounts([B], read) == [f"{B}: iam:ListAccessKeys served, expected none"]


def test_leaks_are_named_never_shown() -> None:
    secrets = {"secret of A": "wJalrSECRET", "token of B": "FwoTOKEN", "empty": ""}
    found = leaked_credentials(['{"x": "wJalrSECRET"}', "nothing here"], secrets)
    assert found == ["secret of A"]
    assert leaked_credentials(["clean output"], secrets) == []


def test_expected_exit_code_ranks_could_not_audit_above_non_compliant() -> None:
    compliant, non_compliant = EXPECTED[Kind.NOTHING], EXPECTED[Kind.ACTIVE_KEY]
    assert expected_exit_code({A: compliant}) == 0
    assert expected_exit_code({A: compliant, B: non_compliant}) == 1
    assert expected_exit_code({A: non_compliant, B: EXPECTED[Kind.ASSUME_ROOT_DENIED]}) == 2


def run(concurrency: int, seconds: float) -> AuditRun:
    return AuditRun("sweep", 30.0, concurrency, 100, seconds, 0.0, 1.0, 1, 0, 0.0)


def test_knee_is_the_last_setting_before_more_workers_add_less_than_ten_percent() -> None:
    runs = [run(64, 2.2), run(4, 10.0), run(8, 5.0), run(16, 2.6), run(32, 2.5)]
    assert knee(runs).concurrency == 16  # 32 adds 4%; the lucky 64 after it does not move the knee
    assert knee([run(4, 4.0), run(8, 2.0)]).concurrency == 8  # every step pays: the last one
    assert knee([run(4, 4.0), run(8, 4.1)]).concurrency == 4


def result(**problems: list[str]) -> OrgAuditResult:
    settings = OrgAuditSettings(members=20, sample=2, sweeps=())
    return OrgAuditResult(
        settings, Counter(), [1.0], 0.1, 6, 5.0, run(1, 1.0), [[run(4, 1.0)]], run(16, 1.0), **problems
    )


@pytest.mark.parametrize("category", ["wrong_verdicts", "cross_account", "touched", "leaks"])
def test_every_problem_category_fails_the_bench(category: str) -> None:
    assert result().failures == []
    assert result(**{category: ["111111111111: something"]}).failures == ["111111111111: something"]


def test_a_peak_rss_at_the_budget_fails_the_bench() -> None:
    heavy = result()
    heavy.sweeps[0][0].max_rss_kb = RSS_GOAL_MB * 1024
    assert heavy.failures == [f"peak RSS {RSS_GOAL_MB} MB"]


def test_the_default_is_compared_with_the_same_calls_baseline_at_each_other_latency() -> None:
    measured = result()
    slow = [
        AuditRun("sweep", 100.0, concurrency, 100, seconds, 0.0, 1.0, 1, 0, 0.0)
        for concurrency, seconds in ((4, 20.0), (16, 10.0))
    ]
    measured.sweeps = [[run(16, 1.0)], slow]
    measured.sweep_baseline_rates = {30.0: 1.0, 100.0: 0.5}
    [row] = [line for line in rows(measured) if "at 100 ms per request" in line]
    # 100 accounts in 10 s at the default against 0.5 accounts/s sequentially: 20x.
    assert "| 10.0/s | 0.5/s (the same calls, sequential, plain boto3) | 20.00x | >= 10x: met |" in row
    assert not [line for line in rows(measured) if "at 30 ms per request" in line]  # the main row covers it
    measured.sweep_baseline_rates = {30.0: 1.0, 100.0: 5.0}
    [row] = [line for line in rows(measured) if "at 100 ms per request" in line]
    assert row.endswith("| 2.00x | >= 10x: NOT met |")
