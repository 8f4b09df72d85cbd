"""Endpoint health: what an answer does to the endpoint and its delivery (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handoff.states import EndpointHealth, WebhookDeliveryStatus
from handoff.webhooks.backoff import GIVE_UP_AFTER, schedule
from handoff.webhooks.health import (
    HEALTHY,
    QUIET,
    Health,
    Verdict,
    after_attempt,
    due_for_probe,
    verdict,
)

T0 = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


class NoJitter:
    def random(self) -> float:
        return 0.0


@pytest.mark.parametrize(
    ("outcome", "code", "expected"),
    [
        ("success", 200, Verdict.DELIVERED),
        ("success", 204, Verdict.DELIVERED),
        ("http_error", 400, Verdict.REJECTED),
        ("http_error", 401, Verdict.REJECTED),
        ("http_error", 410, Verdict.GONE),
        ("http_error", 422, Verdict.REJECTED),
        ("http_error", 408, Verdict.ENDPOINT_FAILED),
        ("http_error", 425, Verdict.ENDPOINT_FAILED),
        ("http_error", 429, Verdict.ENDPOINT_FAILED),
        ("http_error", 301, Verdict.ENDPOINT_FAILED),
        ("http_error", 500, Verdict.ENDPOINT_FAILED),
        ("http_error", 503, Verdict.ENDPOINT_FAILED),
        ("timeout", None, Verdict.ENDPOINT_FAILED),
        ("connect_error", None, Verdict.ENDPOINT_FAILED),
        ("refused", None, Verdict.ENDPOINT_FAILED),
        ("error", None, Verdict.ENDPOINT_FAILED),
    ],
)
def test_verdicts(outcome: str, code: int | None, expected: Verdict) -> None:
    assert verdict(outcome, code) == expected


def test_a_failure_at_the_endpoint_holds_and_probes_on_a_short_schedule_first() -> None:
    health = HEALTHY
    at = T0
    probes = []
    for _ in range(7):
        step = after_attempt(health, Verdict.ENDPOINT_FAILED, at, NoJitter())
        assert step.hold and not step.disable
        assert step.delivery_status == WebhookDeliveryStatus.FAILED
        assert step.health.health == EndpointHealth.PROBING
        assert step.health.failing_since == T0
        assert step.next_attempt_at == step.health.probe_at
        assert step.health.probe_at is not None
        probes.append(step.health.probe_at - at)
        health, at = step.health, step.health.probe_at
    assert probes == [timedelta(seconds=s) for s in (1, 2, 5, 10, 15, 30, 60)]


def test_the_first_success_makes_it_healthy_again() -> None:
    probing = Health(EndpointHealth.PROBING, T0, 3, T0 - timedelta(seconds=8))
    step = after_attempt(probing, Verdict.DELIVERED, T0)
    assert step.health == HEALTHY
    assert step.delivery_status == WebhookDeliveryStatus.SUCCEEDED
    assert not step.hold and not step.disable


def test_a_rejection_gives_up_that_delivery_and_moves_on() -> None:
    step = after_attempt(HEALTHY, Verdict.REJECTED, T0)
    assert step.delivery_status == WebhookDeliveryStatus.DEAD
    assert not step.hold and not step.disable
    assert step.health.health == EndpointHealth.HEALTHY
    assert step.health.failing_since == T0  # the 3-day rule still counts it
    # a probe answered with a 4xx: the endpoint is reachable again
    probing = Health(EndpointHealth.PROBING, T0, 2, T0 - timedelta(seconds=3))
    step = after_attempt(probing, Verdict.REJECTED, T0)
    # (probe_at, while HEALTHY, remembers when the refused attempt was made)
    assert step.health == Health(EndpointHealth.HEALTHY, T0, 0, T0 - timedelta(seconds=3))


def test_three_days_of_failures_disable_the_endpoint_keeping_the_head() -> None:
    health, at = HEALTHY, T0
    steps = 0
    while True:
        step = after_attempt(health, Verdict.ENDPOINT_FAILED, at, NoJitter())
        steps += 1
        if step.disable:
            break
        assert step.health.probe_at is not None
        health, at = step.health, step.health.probe_at
    assert steps == len(schedule()) + 1
    assert at - T0 == GIVE_UP_AFTER
    assert step.delivery_status == WebhookDeliveryStatus.FAILED  # stays queued
    # rejections for three days disable it too, the last one a while ago...
    end = T0 + GIVE_UP_AFTER
    refusing = Health(EndpointHealth.HEALTHY, end - timedelta(hours=20), 0, T0)
    assert after_attempt(refusing, Verdict.REJECTED, end).disable
    assert not after_attempt(refusing, Verdict.REJECTED, T0 + GIVE_UP_AFTER / 2).disable
    # ...but not after a quiet spell longer than QUIET: that starts a new failing period
    quiet = Health(EndpointHealth.HEALTHY, end - QUIET - timedelta(minutes=1), 0, T0)
    for result in (Verdict.REJECTED, Verdict.ENDPOINT_FAILED):
        step = after_attempt(quiet, result, end, NoJitter())
        assert not step.disable and step.health.failing_since == end


def test_due_for_probe() -> None:
    assert due_for_probe(HEALTHY, T0)
    probing = Health(EndpointHealth.PROBING, T0 + timedelta(seconds=2), 1, T0)
    assert not due_for_probe(probing, T0)
    assert due_for_probe(probing, T0 + timedelta(seconds=2))
    assert not due_for_probe(Health(EndpointHealth.PROBING, None, 16, T0), T0)


def test_gone_disables_the_endpoint_and_keeps_the_delivery_at_the_head() -> None:
    step = after_attempt(HEALTHY, Verdict.GONE, T0, NoJitter())
    assert (step.disable, step.hold) == (True, True)
    assert step.delivery_status == WebhookDeliveryStatus.FAILED
    assert step.health.failing_since == T0


@pytest.mark.parametrize(
    ("asked", "next_probe"),
    [
        (None, timedelta(seconds=1)),  # the schedule's first step
        (timedelta(seconds=0.5), timedelta(seconds=1)),  # never earlier than the schedule
        (timedelta(hours=1), timedelta(hours=1)),
        (timedelta(days=30), timedelta(days=1)),  # at most a day
    ],
)
def test_retry_after_holds_the_next_probe_back(asked, next_probe) -> None:
    step = after_attempt(HEALTHY, Verdict.ENDPOINT_FAILED, T0, NoJitter(), asked)
    assert step.next_attempt_at == T0 + next_probe
    assert step.health.probe_at == T0 + next_probe


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Fri, 27 Nov 2026 15:00:00 GMT", 3600.0),
        ("Fri, 27 Nov 2026 13:00:00 GMT", 0.0),  # in the past: no wait
        ("99999999999999", 86400.0),  # at most a day, whatever the receiver says
        ("Fri, 27 Nov 2099 15:00:00 GMT", 86400.0),
        ("\u00b2", None),  # a digit to str.isdigit, not to float
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_headers_are_read_as_seconds_or_dates(header, seconds) -> None:
    from handoff.webhooks.sender import retry_after_seconds

    assert retry_after_seconds(header, T0) == seconds
