"""`rootkeys demo`: the real handler against the moto server, and the demo's own self-check."""

import os
import re

import pytest

from rootkeys.cli import main
from rootkeys_dev import demo, demo_scenarios, demo_table, local_aws
from rootkeys_dev.emulator import RootState

pytestmark = pytest.mark.server


def test_demo_runs_every_scenario_with_its_expected_outcome(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    code = main(["demo"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    for scenario in demo_scenarios.SCENARIOS:
        row = re.search(rf"^{re.escape(scenario.name)}\s+(\S+)\s", out, re.MULTILINE)
        assert row is not None, scenario.name
        assert row.group(1) == scenario.expected
    assert (
        f"{len(demo_scenarios.SCENARIOS)}/{len(demo_scenarios.SCENARIOS)} scenarios gave the expected outcome"
        in out
    )
    assert "UNEXPECTED" not in out


def test_demo_restores_the_callers_environment(capsys):
    before = {name: os.environ.get(name) for name in local_aws.ENV_NAMES}
    assert demo.run(["no-keys"]) == 0
    capsys.readouterr()
    assert {name: os.environ.get(name) for name in local_aws.ENV_NAMES} == before


def test_demo_outcomes_record_calls_and_handler_errors():
    _, outcomes = demo.run_scenarios(
        [s for s in demo_scenarios.SCENARIOS if s.name in {"no-keys", "summary-denied"}]
    )
    by_name = {outcome.scenario.name: outcome for outcome in outcomes}
    assert by_name["no-keys"].api_calls == ("iam:GetAccountSummary", "config:PutEvaluations")
    assert by_name["no-keys"].recorded == "COMPLIANT"
    denied = by_name["summary-denied"]
    assert denied.recorded == "ERROR"
    assert denied.text.startswith("AccountSummaryUnavailableError: iam:GetAccountSummary denied")
    assert denied.api_calls == ("iam:GetAccountSummary",)  # nothing was sent to Config
    assert len({outcome.account_id for outcome in outcomes}) == 2


def test_demo_fails_when_a_scenario_does_not_give_its_expected_outcome(capsys):
    wrong = demo_scenarios.Scenario(
        "keys-claimed-compliant",
        "an active key, wrongly expected to pass",
        lambda: RootState(keys=[demo_scenarios.used_key()]),
        "COMPLIANT",
        "No root access key exists",
    )
    assert demo.run(scenarios=[wrong]) == 1
    out, err = capsys.readouterr()
    assert "UNEXPECTED" in out
    assert "keys-claimed-compliant: expected COMPLIANT" in err


def test_demo_lists_scenarios_and_rejects_unknown_ones(capsys):
    assert main(["demo", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(scenario.name in listed for scenario in demo_scenarios.SCENARIOS)
    assert main(["demo", "--scenario", "no-such"]) == 2
    assert "unknown scenario(s): no-such" in capsys.readouterr().err


def test_narrow_terminal_gets_one_block_per_scenario():
    outcome = demo_table.Outcome(
        scenario=demo_scenarios.SCENARIOS[0],
        account_id="100000000101",
        recorded="COMPLIANT",
        text="No root access key exists " * 4,
        api_calls=("iam:GetAccountSummary", "config:PutEvaluations"),
        log_lines=(),
        seconds=0.1,
    )
    narrow = demo_table.render_table([outcome], 70)
    assert narrow.startswith("no-keys: COMPLIANT as expected")
    assert all(len(line) <= 70 for line in narrow.splitlines())
    wide = demo_table.render_table([outcome], 160)
    assert wide.startswith("SCENARIO")
    assert all(len(line) <= 160 for line in wide.splitlines())
