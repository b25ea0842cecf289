"""Unit tests run by `rdk test-local` (unittest, offline, this folder on sys.path).

The handler runs unchanged; botocore's Stubber answers its IAM and Config calls (each request is
checked against the real API model), so no network and no AWS account are needed. The fuller
suite, on moto and Hypothesis, is in the repository's tests/ folder.
"""

import json
import os
import unittest
from datetime import UTC, datetime, timedelta
from unittest import mock

# rdk test-local puts this folder on sys.path: the same import root as the Lambda function.
import IAM_ROOT_NO_ACCESS_KEYS
from botocore.stub import ANY, Stubber
from root_access_keys.budget import LAMBDA_POLICY, Budget
from root_access_keys.clients import AwsClients, clear_client_cache, own_role_client
from root_access_keys.config_event import parse_scheduled_event
from root_access_keys.errors import (
    AccountSummaryUnavailableError,
    EvaluationNotRecordedError,
    InvalidEventError,
    InvalidRuleParameterError,
)
from root_access_keys.handler import HANDLER

from rootkeys_dev.config_events import scheduled_event

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
# Fake credentials and a region, set before any client exists; nothing here reaches AWS.
FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
CLEARED = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS")

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
    "cert_2_active,cert_2_last_rotated"
)


def credential_report(key_active):
    """A credential report whose root row has one key (active or not) last used in S3."""
    root = (
        f"<root_account>,arn:aws:iam::{ACCOUNT_ID}:root,2019-05-02T12:00:00+00:00,not_supported,"
        "2026-10-01T08:15:00+00:00,not_supported,not_supported,true,"
        f"{key_active},2024-03-01T09:30:00+00:00,2026-11-20T14:05:00+00:00,us-east-1,s3,"
        "false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
    )
    return (HEADER + "\n" + root + "\n").encode()


def summary_map(keys_present):
    return {
        "SummaryMap": {
            "AccountAccessKeysPresent": keys_present,
            "AccountSigningCertificatesPresent": 0,
            "AccountPasswordPresent": 1,
            "AccountMFAEnabled": 1,
            "Users": 4,
        }
    }


class RootAccessKeysRuleTest(unittest.TestCase):
    def setUp(self):
        environment = mock.patch.dict(os.environ, FAKE_ENVIRONMENT)
        environment.start()
        self.addCleanup(environment.stop)
        for name in CLEARED:
            os.environ.pop(name, None)

        self.handler = IAM_ROOT_NO_ACCESS_KEYS.lambda_handler
        clear_client_cache()
        self.addCleanup(clear_client_cache)
        # The handler reuses the function's own-role clients across invocations; stub those.
        self.iam = Stubber(own_role_client("iam", REGION, LAMBDA_POLICY))
        self.config = Stubber(own_role_client("config", REGION, LAMBDA_POLICY))
        for stubber in (self.iam, self.config):
            stubber.activate()
            self.addCleanup(stubber.deactivate)

    def expect_put(self, compliance, token="TESTMODE", failed=()):
        evaluation = {
            "ComplianceResourceId": ACCOUNT_ID,
            "ComplianceResourceType": "AWS::::Account",
            "ComplianceType": compliance,
            "OrderingTimestamp": "2026-11-28T10:00:00.000Z",
            "Annotation": ANY,
        }
        self.config.add_response(
            "put_evaluations",
            {"FailedEvaluations": list(failed)},
            {"Evaluations": [evaluation], "ResultToken": token, "TestMode": token == "TESTMODE"},
        )

    def expect_report(self, key_active):
        self.iam.add_response(
            "get_credential_report",
            {
                "Content": credential_report(key_active),
                "ReportFormat": "text/csv",
                "GeneratedTime": datetime.now(UTC) - timedelta(minutes=10),
            },
            {},
        )

    def assert_all_calls_made(self):
        self.iam.assert_no_pending_responses()
        self.config.assert_no_pending_responses()

    def test_no_root_key_is_compliant_with_one_iam_call(self):
        self.iam.add_response("get_account_summary", summary_map(0), {})
        self.expect_put("COMPLIANT")
        [evaluation] = self.handler(scheduled_event(), None)
        self.assertEqual(evaluation["ComplianceType"], "COMPLIANT")
        self.assertIn("No root access key exists", evaluation["Annotation"])
        self.assert_all_calls_made()

    def test_active_root_key_is_non_compliant(self):
        self.iam.add_response("get_account_summary", summary_map(1), {})
        self.expect_report("true")
        self.expect_put("NON_COMPLIANT")
        [evaluation] = self.handler(scheduled_event(), None)
        self.assertEqual(evaluation["ComplianceType"], "NON_COMPLIANT")
        self.assertIn("1 active, 0 inactive", evaluation["Annotation"])
        self.assertIn("last used 2026-11-20 (s3 us-east-1)", evaluation["Annotation"])
        self.assert_all_calls_made()

    def test_inactive_root_key_is_non_compliant_by_default(self):
        self.iam.add_response("get_account_summary", summary_map(1), {})
        self.expect_report("false")
        self.expect_put("NON_COMPLIANT")
        [evaluation] = self.handler(scheduled_event(), None)
        self.assertIn("0 active, 1 inactive", evaluation["Annotation"])
        self.assert_all_calls_made()

    def test_inactive_root_key_is_compliant_when_ignored(self):
        self.iam.add_response("get_account_summary", summary_map(1), {})
        self.expect_report("FALSE")
        self.expect_put("COMPLIANT", token="real-result-token")
        event = scheduled_event(
            rule_parameters={"IgnoreInactiveKeys": "true"}, result_token="real-result-token"
        )
        [evaluation] = self.handler(event, None)
        self.assertEqual(evaluation["ComplianceType"], "COMPLIANT")
        self.assert_all_calls_made()

    def test_denied_account_summary_raises_and_records_nothing(self):
        self.iam.add_client_error("get_account_summary", "AccessDenied", "denied", 403)
        with self.assertRaises(AccountSummaryUnavailableError) as raised:
            self.handler(scheduled_event(), None)
        self.assertIn("iam:GetAccountSummary", str(raised.exception))
        self.assert_all_calls_made()  # no PutEvaluations was queued, and none was made

    def test_failed_evaluations_raise(self):
        self.iam.add_response("get_account_summary", summary_map(0), {})
        failed = {
            "ComplianceResourceType": "AWS::::Account",
            "ComplianceResourceId": ACCOUNT_ID,
            "ComplianceType": "COMPLIANT",
            "OrderingTimestamp": datetime(2026, 11, 28, 10, tzinfo=UTC),
        }
        self.expect_put("COMPLIANT", failed=[failed])
        with self.assertRaises(EvaluationNotRecordedError):
            self.handler(scheduled_event(), None)

    def test_invalid_parameter_raises_before_any_call(self):
        with self.assertRaises(InvalidRuleParameterError) as raised:
            self.handler(scheduled_event(rule_parameters={"IgnoreInactiveKeys": "yes"}), None)
        self.assertIn("IgnoreInactiveKeys", str(raised.exception))
        self.assert_all_calls_made()

    def test_the_config_rule_evaluates_periodically_as_rdk_rules_do(self):
        # rdk's own test template calls RULE.evaluate_periodic(event, client_factory, parameters).
        rule = HANDLER.rule
        self.iam.add_response("get_account_summary", summary_map(1), {})
        self.expect_report("true")
        event = parse_scheduled_event(scheduled_event())
        with AwsClients(region=REGION, budget=Budget.from_seconds(60, LAMBDA_POLICY)) as clients:
            [evaluation] = rule.evaluate_periodic(event, clients, rule.evaluate_parameters({}))
        self.assertEqual(evaluation.complianceType, "NON_COMPLIANT")
        self.assertEqual(evaluation.complianceResourceId, ACCOUNT_ID)
        self.assertEqual(evaluation.orderingTimestamp, "2026-11-28T10:00:00.000Z")
        self.assertIn("1 active, 0 inactive", evaluation.annotation)
        self.assertEqual(clients.calls, ["iam:GetAccountSummary", "iam:GetCredentialReport"])

    def test_change_triggered_event_is_rejected(self):
        event = scheduled_event()
        event["invokingEvent"] = json.dumps({"messageType": "ConfigurationItemChangeNotification"})
        with self.assertRaises(InvalidEventError):
            self.handler(event, None)


if __name__ == "__main__":
    unittest.main()
