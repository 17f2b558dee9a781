"""Activity rules without AWS: the items `record_activity` adds to a transaction, which store events become which
activities, the track body's limits and the request context read from the viewer headers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from storecrm.crm.activities import TrackRequest, activity_of_event, record_activity
from storecrm.kernel.models.events import OutboxEvent


def test_record_activity_writes_the_item_and_the_has_activity_fact() -> None:
    put, fact = record_activity("s1", "p1", "form_submitted", {"form_id": "f1"}, at=1_000, retention_days=30,
                                activity_id="a1")
    assert put.kind == "Put" and fact.kind == "Update"
    assert put.item is not None
    assert (put.item["PK"], put.item["SK"]) == ("STORE#s1", "ACTIVITY#p1#0000001000#a1")
    assert put.item["expires_at"] == 1_000 + 30 * 24 * 3600
    assert put.item["GSI2PK"] == "STORE#s1#ACTIVITIES#form_submitted"
    assert put.item["payload"] == {"form_id": "f1"}
    assert fact.key == ("STORE#s1", "PROFILECOMMERCE#p1") and "has_activities" in (fact.update or "")


def _order_event(type_: str, reason: str | None = None) -> OutboxEvent:
    data: dict[str, object] = {"order": {"id": "o1", "number": "1001", "profile_id": "p1"}}
    if reason:
        data["reason"] = reason
    return OutboxEvent.new(type_, "s1", data)


@pytest.mark.parametrize(("event", "expected"), [
    (_order_event("order.created"), "order_created"),
    (_order_event("order.updated", "paid"), "order_paid"),
    (_order_event("order.updated", "items_moved,paid"), "order_paid"),
    (_order_event("order.updated", "refunded"), "order_refunded"),
    (_order_event("order.updated", "cancelled"), "order_cancelled"),
    (_order_event("order.updated", "items_moved"), "order_updated"),
])
def test_order_events_become_the_step_they_name(event: OutboxEvent, expected: str) -> None:
    found = activity_of_event(event)
    assert found is not None and found[:2] == ("p1", expected)
    assert found[2]["order_id"] == "o1"


def test_subscriber_profile_and_merge_events_name_their_profile() -> None:
    subscribed = OutboxEvent.new("audience.subscriber_added", "s1", {
        "audience_id": "a1", "audience_key": "news", "subscriber": {"profile_id": "p2"}})
    assert activity_of_event(subscribed) == ("p2", "audience_subscribed", {"audience_id": "a1",
                                                                            "audience_key": "news"})
    merged = OutboxEvent.new("profile.merged", "s1", {"profile": {"id": "p3"}, "source_id": "p4"})
    assert activity_of_event(merged) == ("p3", "merge", {"source_id": "p4"})


def test_a_form_submission_is_an_activity_of_its_profile() -> None:
    submitted = OutboxEvent.new("form.submitted", "s1", {
        "profile": {"id": "p5"}, "form": {"id": "f1", "key": "contact"}, "submission": {"id": "fs1"}})
    assert activity_of_event(submitted) == ("p5", "form_submitted", {"form_id": "f1", "form_key": "contact",
                                                                      "submission_id": "fs1"})


def test_events_about_no_profile_become_nothing() -> None:
    assert activity_of_event(OutboxEvent.new("product.created", "s1", {"product": {"id": "x"}})) is None
    assert activity_of_event(OutboxEvent.new("order.created", "s1", {"order": {"id": "o1"}})) is None
    assert activity_of_event(OutboxEvent.new("profile.deleted", "s1", {"profile_id": "p1"})) is None


def test_track_body_limits() -> None:
    assert TrackRequest.model_validate({"type": "page_view"}).payload == {}
    assert TrackRequest.model_validate({"type": "my_store.quiz-done", "payload": {"score": 3}}).type
    for bad in ({"type": "Page View"}, {"type": ""}, {"type": "x" * 65}, {},
                {"type": "page_view", "payload": {"big": "x" * 5000}}):
        with pytest.raises(ValidationError):
            TrackRequest.model_validate(bad)
