"""Slack deliveries seen before: by event_id, or by a signed request's timestamp and body; kept
for ten minutes and at most MAX_KEPT of them."""

from __future__ import annotations

from bot.platforms.slack.deliveries import WINDOW, Deliveries, delivery_key


def test_a_delivery_is_first_once_within_the_window_and_memory_stays_bounded() -> None:
    now = [0.0]
    seen = Deliveries(clock=lambda: now[0], max_kept=3)
    assert seen.first("a") and not seen.first("a")
    now[0] = WINDOW + 1
    assert seen.first("a")  # forgotten after the window
    for key in "bcd":
        assert seen.first(key)
    assert seen.first("a")  # the oldest went first: never more than three kept


def test_keys_events_by_id_and_signed_requests_by_timestamp_and_body() -> None:
    signed = {"x-slack-signature": ["v0=..."], "x-slack-request-timestamp": ["1700000000"]}
    assert delivery_key({"event_id": "Ev1"}, signed, "x") == "event:Ev1"
    assert delivery_key({}, signed, "a=1") == delivery_key({}, signed, "a=1")
    assert delivery_key({}, signed, "a=1") != delivery_key({}, signed, "a=2")
    later = {**signed, "x-slack-request-timestamp": ["1700000001"]}
    assert delivery_key({}, signed, "a=1") != delivery_key({}, later, "a=1")
    assert delivery_key({}, {}, "a=1") is None  # Socket Mode: the app's own connection
