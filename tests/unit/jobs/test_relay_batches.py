"""How the relay cuts claimed follow-ups into arq jobs (pure: no Redis, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handoff.jobs.relay import BUCKET_MS, plan_batches
from handoff.states import FollowUpKind
from handoff.storage.follow_ups import Claimed

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def claimed(i: int, due: datetime, *, person: int = 1, digest: bool = False) -> Claimed:
    return Claimed(i, 1, due, FollowUpKind.DELIVERY, person, digest)


def test_rows_already_due_run_now_in_one_batch() -> None:
    rows = [claimed(i, NOW - timedelta(seconds=i)) for i in range(1, 4)]
    [batch] = plan_batches(rows, 500, NOW, NOW)
    assert batch.run_at == NOW
    assert sorted(batch.items) == [(1, 1), (2, 1), (3, 1)]


def test_future_rows_are_bucketed_and_never_run_early() -> None:
    a = claimed(1, NOW + timedelta(milliseconds=30))
    b = claimed(2, NOW + timedelta(milliseconds=80))
    c = claimed(3, NOW + timedelta(milliseconds=130))
    batches = plan_batches([c, a, b], 500, NOW, NOW)
    assert [sorted(x.items) for x in batches] == [[(1, 1), (2, 1)], [(3, 1)]]
    # Each batch runs at its last row's instant: never early, and no later (not at the
    # bucket's end).
    assert batches[0].run_at == b.due_at and batches[1].run_at == c.due_at
    assert batches[1].run_at - batches[0].run_at < timedelta(milliseconds=2 * BUCKET_MS)


def test_a_batch_due_at_one_instant_runs_at_that_instant() -> None:
    due = NOW + timedelta(seconds=8, milliseconds=3)
    rows = [claimed(i, due) for i in range(1, 1001)]
    batches = plan_batches(rows, 500, NOW, NOW)
    assert [b.run_at for b in batches] == [due, due]


def test_batches_are_cut_at_the_batch_size() -> None:
    rows = [claimed(i, NOW) for i in range(1, 8)]
    batches = plan_batches(rows, 3, NOW, NOW)
    assert [len(b.items) for b in batches] == [3, 3, 1]
    assert sorted(i for b in batches for i, _ in b.items) == list(range(1, 8))


def test_a_persons_digest_rows_stay_together_past_the_batch_size() -> None:
    plain = [claimed(i, NOW) for i in range(1, 3)]
    digest = [claimed(i, NOW, person=5, digest=True) for i in range(10, 14)]
    batches = plan_batches([*digest, *plain], 3, NOW, NOW)
    holding = [b for b in batches if any(i >= 10 for i, _ in b.items)]
    assert len(holding) == 1
    assert sorted(i for i, _ in holding[0].items if i >= 10) == [10, 11, 12, 13]


def test_job_ids_are_deterministic_per_claim_and_differ_between_claims() -> None:
    rows = [claimed(1, NOW), claimed(2, NOW)]
    first = plan_batches(rows, 500, NOW, NOW)
    again = plan_batches(list(reversed(rows)), 500, NOW, NOW)
    later = plan_batches(rows, 500, NOW, NOW + timedelta(seconds=1))
    assert [b.job_id for b in first] == [b.job_id for b in again]
    assert first[0].job_id != later[0].job_id
    assert first[0].job_id.startswith(f"fu:{int(NOW.timestamp() * 1000)}:")
