"""The event's journey through one invocation: each stage is entered once, and only the parser ever
sees the raw event (issue 12: later stages take the parsed objects and the Assessment).

A profile hook records every Python call made by the rule's own modules while the handler runs on
moto (in process) with the root-user model; the assertions read that record, not the code.
"""

import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import pytest
from conftest import make_event
from root_access_keys import handler as handler_module

from rootkeys_dev.emulator import RootKey, RootState

PACKAGE_DIR = Path(handler_module.__file__).resolve().parent
ONE_ENTRY_STAGES = (
    "config_event.parse_scheduled_event",
    "parameters.parse_rule_parameters",
    "budget.from_context",
    "execution_role.choose_role",
    "assessment.assess_root_access_keys",
    "decision.decide",
    "annotation.annotate",
    "config_results.put_evaluations",
)


@dataclass
class Journey:
    """Calls into the rule package during one invocation, and who was handed the raw event."""

    event: dict
    calls: Counter = field(default_factory=Counter)
    saw_raw_event: set[str] = field(default_factory=set)  # modules handed the event itself
    invoking_event_decodes: int = 0

    def profile(self, frame: FrameType, what: str, _arg: object) -> None:
        if what != "call":
            return
        path = Path(frame.f_code.co_filename)
        if frame.f_code.co_name == "loads" and path.name == "__init__.py" and path.parent.name == "json":
            if frame.f_locals.get("s") == self.event["invokingEvent"]:
                self.invoking_event_decodes += 1
            return
        if path.parent != PACKAGE_DIR:
            return
        name = f"{path.stem}.{frame.f_code.co_name}"
        self.calls[name] += 1
        if any(value is self.event for value in frame.f_locals.values()):
            self.saw_raw_event.add(path.stem)


@pytest.fixture
def journey(root_model) -> Iterator[callable]:
    def trace(state: RootState, **event_options) -> Journey:
        root_model.set(event_options.get("account_id", "123456789012"), state)
        event = make_event(**event_options)
        recorded = Journey(event)
        previous = sys.getprofile()
        sys.setprofile(recorded.profile)
        try:
            handler_module.HANDLER.handle(event, None)
        finally:
            sys.setprofile(previous)
        return recorded

    yield trace


@pytest.mark.parametrize(
    "state",
    [RootState(keys=[]), RootState(keys=[RootKey(True)]), RootState(keys=[RootKey(False)])],
    ids=["no key", "active key", "inactive key"],
)
def test_each_stage_is_entered_once(journey, state):
    recorded = journey(state, rule_parameters={"IgnoreInactiveKeys": "true"})
    for stage in ONE_ENTRY_STAGES:
        assert recorded.calls[stage] == 1, (stage, recorded.calls[stage])
    assert recorded.invoking_event_decodes == 1


def test_only_the_handler_and_the_parser_see_the_raw_event(journey):
    recorded = journey(RootState(keys=[RootKey(True)]))
    assert recorded.saw_raw_event == {"handler", "config_event"}


def test_the_journey_tracer_notices_a_second_parse(journey, monkeypatch):
    """The property above can fail: a stage that re-reads the event is caught."""
    original = handler_module.parse_scheduled_event

    def parse_twice(event):
        original(event)
        return original(event)

    monkeypatch.setattr(handler_module, "parse_scheduled_event", parse_twice)
    recorded = journey(RootState(keys=[]))
    assert recorded.calls["config_event.parse_scheduled_event"] == 2
    assert recorded.invoking_event_decodes == 2
    assert json.loads(recorded.event["invokingEvent"])["messageType"] == "ScheduledNotification"
