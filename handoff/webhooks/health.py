"""Endpoint health: what one attempt's answer does to the endpoint and to its delivery.

Pure: instants and the random source come in as arguments. The sender applies the
returned `Step` (storage) and stops sending for the endpoint when `hold` is set.

- A 2xx delivers the message; the endpoint is HEALTHY (a probe that succeeds lets the
  sender drain the held backlog at once).
- A failure *at the endpoint* — connection refused or reset, timeout, TLS or protocol
  error, the SSRF guard refusing the address, a redirect (3xx), a 5xx, or 408/425/429
  ("not now") — says nothing about the message. The endpoint goes PROBING: only the
  head delivery is tried again, after 1, 2, 5, 10, 15, 30, 60 s, then the long schedule
  (`backoff`), and every later delivery waits behind it, so the order holds.
- A 410 Gone is the receiver asking to be sent nothing more (Standard Webhooks): the
  endpoint is disabled, its delivery held at the head for a re-enable.
- A `Retry-After` on a failure at the endpoint holds the next probe back that long (at
  most a day) when that is later than the schedule's.
- Any other 4xx is the receiver's answer to *this* message (bad request, forbidden,
  unprocessable...). The same bytes would get the same answer, so the delivery is
  given up (DEAD, no automatic retry) and the sender moves on to the next one in
  sequence. The order guarantee stays honest: nothing is ever sent automatically after
  a later delivery; the receiver saw sequence n (and refused it) before n + 1. A manual
  `redeliverWebhook` sends it again with its original, lower, sequence number.
- Whatever the kind, a failure starts (or continues) `failing_since`; an endpoint whose
  every attempt has failed for three days is disabled. Its open deliveries stay queued.
  A failing period is continuous: when more than `QUIET` passed since the last failed
  attempt (no events came, after a 4xx), the next failure starts a new one, so a single
  error days after a refusal is probed on the schedule, not disabled at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from handoff.states import EndpointHealth, WebhookDeliveryStatus
from handoff.webhooks.backoff import GIVE_UP_AFTER, RandomSource, next_delay

# 4xx answers that mean "not now" rather than "not this message"
RETRY_LATER_4XX = frozenset({408, 425, 429})
# "the endpoint is gone": Standard Webhooks asks senders to disable it
GONE = 410
# the longest a receiver's Retry-After holds a probe back (its probes go on after it)
MAX_RETRY_AFTER = timedelta(days=1)
# longer than any gap of the probe schedule (daily, +10 % jitter): a pause this long
# between failed attempts ends a failing period
QUIET = timedelta(days=1, hours=6)


class Verdict(StrEnum):
    """What an attempt's answer means for the endpoint."""

    DELIVERED = "delivered"
    GONE = "gone"  # 410: the receiver asks to be sent nothing more
    REJECTED = "rejected"  # the receiver refused this message (a 4xx)
    ENDPOINT_FAILED = "endpoint_failed"  # the endpoint could not take it now


def verdict(outcome: str, status_code: int | None) -> Verdict:
    """Classify one attempt by its outcome label and HTTP status."""
    if outcome == "success":
        return Verdict.DELIVERED
    if outcome == "http_error" and status_code == GONE:
        return Verdict.GONE
    if (
        outcome == "http_error"
        and status_code is not None
        and 400 <= status_code < 500
        and status_code not in RETRY_LATER_4XX
    ):
        return Verdict.REJECTED
    return Verdict.ENDPOINT_FAILED


@dataclass(frozen=True)
class Health:
    """An endpoint's health as stored. `probe_at`: while PROBING, the next probe; while
    HEALTHY within a failing period (after a 4xx), when that refused attempt was made."""

    health: EndpointHealth
    probe_at: datetime | None
    probe_failures: int
    failing_since: datetime | None

    @property
    def probing(self) -> bool:
        return self.health == EndpointHealth.PROBING


HEALTHY = Health(EndpointHealth.HEALTHY, None, 0, None)


@dataclass(frozen=True)
class Step:
    """The outcome of one attempt: the endpoint's new health and the delivery's state."""

    health: Health
    delivery_status: WebhookDeliveryStatus
    next_attempt_at: datetime | None
    hold: bool  # later deliveries wait: stop sending for this endpoint
    disable: bool  # every attempt has failed for GIVE_UP_AFTER: switch the endpoint off


def due_for_probe(health: Health, now: datetime) -> bool:
    """Whether a sender may try the endpoint now (a healthy one always)."""
    return not health.probing or (health.probe_at is not None and health.probe_at <= now)


def after_attempt(
    health: Health,
    result: Verdict,
    at: datetime,
    rng: RandomSource | None = None,
    retry_after: timedelta | None = None,
) -> Step:
    """The endpoint's health and the delivery's state after an attempt at `at`;
    `retry_after`: how long the receiver asked to wait (it moves the next probe later,
    never earlier, and by at most `MAX_RETRY_AFTER`)."""
    if result == Verdict.DELIVERED:
        return Step(HEALTHY, WebhookDeliveryStatus.SUCCEEDED, None, hold=False, disable=False)
    if result == Verdict.GONE:
        # the delivery stays at the head: re-enabling the endpoint sends it first
        gone = Health(
            EndpointHealth.PROBING, None, health.probe_failures, health.failing_since or at
        )
        return Step(gone, WebhookDeliveryStatus.FAILED, None, hold=True, disable=True)
    failing_since = health.failing_since or at
    if not health.probing and (health.probe_at is None or at - health.probe_at > QUIET):
        failing_since = at  # the failure before was long ago: a new failing period
    overdue = at - failing_since >= GIVE_UP_AFTER
    if result == Verdict.REJECTED:
        # the endpoint answered, so it is reachable: healthy, and on to the next delivery
        reachable = Health(EndpointHealth.HEALTHY, at, 0, failing_since)
        return Step(reachable, WebhookDeliveryStatus.DEAD, None, hold=False, disable=overdue)
    failures = health.probe_failures + 1
    delay = next_delay(failures, rng)
    if delay is None or overdue:
        gave_up = Health(EndpointHealth.PROBING, None, failures, failing_since)
        return Step(gave_up, WebhookDeliveryStatus.FAILED, None, hold=True, disable=True)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    probe_at = at + delay
    probing = Health(EndpointHealth.PROBING, probe_at, failures, failing_since)
    return Step(probing, WebhookDeliveryStatus.FAILED, probe_at, hold=True, disable=False)
