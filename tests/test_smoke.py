"""The handler end to end on moto: the two cheapest, most important paths."""

from rootkeys.emulator import RootKey, RootState


def test_compliant_account_costs_one_iam_call_and_one_put(root_model, config_event, handler):
    state = root_model.set("123456789012", RootState(keys=[]))
    [evaluation] = handler(config_event(), None)
    assert evaluation["ComplianceType"] == "COMPLIANT"
    assert evaluation["ComplianceResourceType"] == "AWS::::Account"
    assert evaluation["ComplianceResourceId"] == "123456789012"
    assert evaluation["OrderingTimestamp"] == "2026-11-28T10:00:00.000Z"
    assert state.calls == ["GetAccountSummary"]


def test_active_root_key_is_non_compliant(root_model, config_event, handler):
    root_model.set("123456789012", RootState(keys=[RootKey(active=True)]))
    [evaluation] = handler(config_event(), None)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "1 active" in evaluation["Annotation"]
