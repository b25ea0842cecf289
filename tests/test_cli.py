"""The `rootkeys audit` command: exit codes, text and JSON output, evidence files and live AWS (moto)."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from root_access_keys.budget import CLI_POLICY, Budget

from rootkeys import audit as audit_module
from rootkeys.cli import main
from rootkeys_dev.emulator import RootKey, RootState

DATA = Path(__file__).parent / "data"
ACTIVE = str(DATA / "credential-report-active-key.csv")
INACTIVE = str(DATA / "credential-report-inactive-key.csv")
NO_KEY = str(DATA / "credential-report-no-key.csv")
NO_ROOT = str(DATA / "credential-report-no-root-row.csv")
SUMMARY_KEYS = str(DATA / "account-summary-keys.json")
SUMMARY_NONE = str(DATA / "account-summary-no-keys.json")
ACCOUNT = "123456789012"


def run(capsys, *args):
    code = main(["audit", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_aws(monkeypatch):
    """Evidence mode must never build an AWS client."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("an AWS client was created in evidence mode")

    monkeypatch.setattr(boto3, "client", refuse)
    monkeypatch.setattr(boto3, "Session", refuse)
    monkeypatch.setattr(audit_module.boto3, "Session", refuse)


EVIDENCE_CASES = [
    pytest.param(["--account-summary", SUMMARY_NONE], 0, "No root access key exists", id="summary-no-keys"),
    pytest.param(["--account-summary", SUMMARY_KEYS], 1, "credential report was not read", id="summary-keys"),
    pytest.param(["--credential-report", ACTIVE], 1, "1 active, 0 inactive", id="report-active"),
    pytest.param(["--credential-report", INACTIVE], 1, "0 active, 1 inactive", id="report-inactive"),
    pytest.param(["--credential-report", NO_KEY], 0, "lists no root access key", id="report-no-key"),
    pytest.param(
        ["--credential-report", ACTIVE, "--account-summary", SUMMARY_KEYS],
        1,
        "last used 2026-11-20 (s3 eu-west-1)",
        id="both-active",
    ),
    pytest.param(
        ["--credential-report", NO_ROOT, "--account-summary", SUMMARY_KEYS], 1, "stale", id="both-no-root-row"
    ),
    # An exported summary carries no time: it cannot overrule a report that lists a key.
    pytest.param(
        ["--credential-report", ACTIVE, "--account-summary", SUMMARY_NONE],
        1,
        "Evidence conflicts: the exported account summary shows no root access key",
        id="both-conflict-is-never-compliant",
    ),
]


@pytest.mark.parametrize(("args", "code", "text"), EVIDENCE_CASES)
def test_evidence_files_give_verdict_and_exit_code(capsys, no_aws, args, code, text):
    exit_code, out, err = run(capsys, *args)
    assert exit_code == code
    first_line, annotation = out.splitlines()[:2]
    assert first_line.startswith("COMPLIANT" if code == 0 else "NON_COMPLIANT")
    assert text in annotation
    assert err == ""


def test_report_without_root_row_and_no_summary_cannot_decide(capsys, no_aws):
    code, out, err = run(capsys, "--credential-report", NO_ROOT)
    assert code == 2
    assert out == ""
    assert "no <root_account> row" in err
    assert "Traceback" not in err


def test_json_output_carries_the_verdict_and_its_evidence(capsys, no_aws):
    code, out, _ = run(capsys, "--json", "--credential-report", INACTIVE, "--account-summary", SUMMARY_KEYS)
    document = json.loads(out)
    assert code == 1
    assert document["compliance"] == "NON_COMPLIANT"
    assert "0 active, 1 inactive" in document["annotation"]
    assert document["account"] == "111122223333"
    assert document["partition"] == "aws"
    assert (document["active_keys"], document["inactive_keys"]) == (0, 1)
    assert document["report_state"] == "undated"  # the console's CSV carries no generation time
    assert document["evidence_source"] == "files"
    assert document["evidence_files"] == {"account_summary": SUMMARY_KEYS, "credential_report": INACTIVE}
    assert document["parameters"] == {
        "IgnoreInactiveKeys": "false",
        "IncludeSigningCertificates": "false",
        "RootWithoutCredentials": "COMPLIANT",
    }


def test_ignore_inactive_keys_flag_turns_inactive_only_into_compliant(capsys, no_aws):
    assert run(capsys, "--credential-report", INACTIVE)[0] == 1
    code, out, _ = run(capsys, "--credential-report", INACTIVE, "--ignore-inactive-keys")
    assert code == 0
    assert "IgnoreInactiveKeys is true" in out
    # An active key is never excused by the flag.
    assert run(capsys, "--credential-report", ACTIVE, "--ignore-inactive-keys")[0] == 1


def test_include_signing_certificates_flag_counts_certificates(capsys, no_aws, tmp_path):
    summary = tmp_path / "summary.json"
    summary.write_text(
        json.dumps({"SummaryMap": {"AccountAccessKeysPresent": 0, "AccountSigningCertificatesPresent": 1}})
    )
    assert run(capsys, "--account-summary", str(summary))[0] == 0
    code, out, _ = run(capsys, "--account-summary", str(summary), "--include-signing-certificates")
    assert code == 1
    assert "signing certificates" in out


def test_signing_certificate_flag_needs_the_summary_entry(capsys, no_aws, tmp_path):
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps({"AccountAccessKeysPresent": 0}))
    code, _, err = run(capsys, "--account-summary", str(summary), "--include-signing-certificates")
    assert code == 2
    assert "AccountSigningCertificatesPresent" in err


BAD_FILE_CASES = [
    pytest.param("--account-summary", "absent.json", None, "no such file", id="summary-missing"),
    pytest.param("--account-summary", "summary.json", "{]", "is not valid JSON", id="summary-not-json"),
    pytest.param(
        "--account-summary", "summary.json", '{"Users": 1}', "AccountAccessKeysPresent", id="no-key"
    ),
    pytest.param(
        "--account-summary", "report.csv", ACTIVE, "pass it with --credential-report", id="csv-swap"
    ),
    pytest.param("--credential-report", "absent.csv", None, "no such file", id="report-missing"),
    pytest.param("--credential-report", "report.csv", "a,b\n1,2\n", "lacks the column(s)", id="not-report"),
    pytest.param("--credential-report", "summary.json", SUMMARY_KEYS, "--account-summary", id="json-swap"),
]


@pytest.mark.parametrize(("option", "name", "content", "problem"), BAD_FILE_CASES)
@pytest.mark.parametrize("as_json", [False, True])
def test_bad_evidence_file_is_named_and_exits_2(
    capsys, no_aws, tmp_path, option, name, content, problem, as_json
):
    path = tmp_path / name
    if content is not None:
        path.write_text(Path(content).read_text() if content in (ACTIVE, SUMMARY_KEYS) else content)
    code, out, err = run(capsys, option, str(path), *(["--json"] if as_json else []))
    assert code == 2
    assert str(path) in err
    assert problem in err
    assert "Traceback" not in err
    if as_json:
        document = json.loads(out)
        assert document["compliance"] is None
        assert problem in document["error"]
    else:
        assert out == ""


def test_live_options_are_refused_with_evidence_files(capsys, no_aws):
    with pytest.raises(SystemExit) as stopped:
        main(["audit", "--credential-report", ACTIVE, "--profile", "prod"])
    assert stopped.value.code == 2
    assert "--profile/--region" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1", "soon", "99999"])
def test_timeout_must_be_a_sane_number_of_seconds(capsys, value):
    with pytest.raises(SystemExit) as stopped:
        main(["audit", "--timeout", value])
    assert stopped.value.code == 2
    assert "--timeout" in capsys.readouterr().err


# --- live audit against moto, with the root-user model ---


def _existing_report():
    boto3.client("iam").generate_credential_report()


def test_live_compliant_account_costs_one_iam_call(capsys, root_model):
    state = root_model.set(ACCOUNT, RootState(keys=[]))
    code, out, err = run(capsys, "--json")
    document = json.loads(out)
    assert code == 0, err
    assert document["compliance"] == "COMPLIANT"
    assert document["account"] == ACCOUNT
    assert document["evidence_source"] == "live"
    assert document["api_calls"] == ["sts:GetCallerIdentity", "iam:GetAccountSummary"]
    assert document["report_state"] == "not_read"
    assert state.calls == ["GetAccountSummary"]


def test_live_active_key_is_non_compliant_with_detail(capsys, root_model):
    _existing_report()
    last_used = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    root_model.set(
        ACCOUNT,
        RootState(
            keys=[
                RootKey(
                    active=True, last_used=last_used, last_used_region="us-east-2", last_used_service="iam"
                )
            ]
        ),
    )
    code, out, _ = run(capsys)
    assert code == 1
    assert out.startswith(f"NON_COMPLIANT  account {ACCOUNT}")
    assert "last used 2026-10-01 (iam us-east-2)" in out
    assert "iam:GetCredentialReport" in out


def test_live_inactive_key_follows_the_flag(capsys, root_model):
    _existing_report()
    root_model.set(ACCOUNT, RootState(keys=[RootKey(active=False)]))
    assert run(capsys)[0] == 1
    assert run(capsys, "--ignore-inactive-keys")[0] == 0


def test_live_summary_denied_cannot_decide(capsys, root_model):
    root_model.set(ACCOUNT, RootState(keys=[RootKey()], denied_actions=frozenset({"GetAccountSummary"})))
    code, out, err = run(capsys)
    assert code == 2
    assert out == ""
    assert "iam:GetAccountSummary denied (AccessDenied)" in err
    assert "Traceback" not in err


def test_live_report_denied_is_non_compliant_detail_unavailable(capsys, root_model):
    root_model.set(ACCOUNT, RootState(keys=[RootKey()], denied_actions=frozenset({"GetCredentialReport"})))
    code, out, _ = run(capsys, "--json")
    document = json.loads(out)
    assert code == 1
    assert document["report_state"] == "unavailable"
    assert "detail unavailable: iam:GetCredentialReport denied" in document["annotation"]


def test_live_timeout_bounds_the_whole_audit(capsys, root_model):
    state = root_model.set(ACCOUNT, RootState(keys=[RootKey()]))
    code, _, err = run(capsys, "--timeout", "0")
    assert code == 2
    assert "not started" in err
    assert "time budget" in err
    assert state.calls == []


def test_live_short_timeout_gives_up_on_generation_without_waiting(capsys, root_model):
    state = root_model.set(ACCOUNT, RootState(keys=[RootKey()], report_expired=True, generation_polls=3))
    # Room for the calls themselves (a minimal attempt each), none for a wait.
    timeout = CLI_POLICY.min_attempt_seconds + 0.9
    code, out, _ = run(capsys, "--json", "--timeout", str(timeout))
    document = json.loads(out)
    assert code == 1
    assert "time budget reached" in document["annotation"]
    assert state.calls == ["GetAccountSummary", "GetCredentialReport", "GenerateCredentialReport"]


def test_live_audit_polls_generation_with_the_readers_backoff(root_model):
    from root_access_keys.parameters import RuleParameters

    root_model.set(ACCOUNT, RootState(keys=[RootKey()], report_expired=True, generation_polls=2))
    slept = []
    result = audit_module.audit_live(RuleParameters(), budget=Budget.from_seconds(60), sleep=slept.append)
    assert result.assessment.verdict.compliance == "NON_COMPLIANT"
    assert result.assessment.verdict.active_keys == 1
    assert slept == [1.0, 2.0]
    assert result.api_calls.count("iam:GenerateCredentialReport") == 3


def test_live_report_of_another_account_is_refused(capsys, root_model, monkeypatch):
    _existing_report()
    root_model.set(ACCOUNT, RootState(keys=[RootKey()]))
    monkeypatch.setattr(audit_module, "_caller_account", lambda _sts: ("210987654321", "aws"))
    code, _, err = run(capsys)
    assert code == 2
    assert "expected arn:aws:iam::210987654321:root" in err


def test_live_without_credentials_cannot_decide(capsys, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, _, err = run(capsys)
    assert code == 2
    assert "sts:GetCallerIdentity failed: NoCredentialsError" in err


def test_live_unknown_profile_cannot_decide(capsys):
    code, _, err = run(capsys, "--profile", "no-such-profile")
    assert code == 2
    assert "no-such-profile" in err


def test_installed_entry_point_prints_help():
    script = Path(sys.executable).parent / "rootkeys"
    completed = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0
    assert "audit" in completed.stdout
    assert "demo" in completed.stdout


@pytest.mark.server
def test_live_audit_honours_aws_endpoint_url(capsys, monkeypatch):
    """Against the moto server over HTTP, reached only through the standard AWS_ENDPOINT_URL."""
    from rootkeys_dev.emulator import RootUserModel
    from rootkeys_dev.local_aws import local_emulator

    model = RootUserModel()
    with local_emulator() as endpoint, model.install():
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        monkeypatch.setenv("MOTO_ACCOUNT_ID", "444455556666")
        _existing_report()
        model.set("444455556666", RootState(keys=[RootKey(active=False)]))
        code, out, _ = run(capsys, "--json")
    document = json.loads(out)
    assert code == 1
    assert document["account"] == "444455556666"
    assert document["inactive_keys"] == 1
    assert document["api_calls"] == [
        "sts:GetCallerIdentity",
        "iam:GetAccountSummary",
        "iam:GetCredentialReport",
    ]
