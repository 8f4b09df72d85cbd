-- Follow-ups: the scheduled deliveries, reminders and escalations of handoffs. The relay
-- claims due rows, a batch job re-reads them under lock, and every effect of a batch
-- commits with its rows' DONE.

-- name: insert_many
INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, digest, explanation,
                        created_at)
SELECT (e->>'ws')::bigint, (e->>'h')::bigint, (e->>'p')::bigint, e->>'kind',
       (e->>'due')::timestamptz, (e->>'digest')::boolean, e->'explanation', %(now)s
FROM jsonb_array_elements(%(rows)s::jsonb) AS e;

-- name: cancel_for_handoff
-- A quick reply on its way to the sender is a message already sent: it is never cancelled.
-- With %(holders)s, the deliveries to everyone else (an ALL team's other members) stay.
UPDATE follow_ups SET state = 'CANCELLED', version = version + 1, handled_at = %(now)s
WHERE handoff_id = %(handoff_id)s AND workspace_id = %(workspace_id)s
  AND state IN ('PENDING', 'ENQUEUED') AND kind <> 'REPLY'
  AND NOT (kind = 'DELIVERY' AND %(holders)s::bigint[] IS NOT NULL
           AND person_id <> ALL(%(holders)s::bigint[]));

-- name: open_for_person
-- A delegation's start and end rows name the delegating person too; they are not moved
-- by a change of that person's hours, so they are left out.
SELECT * FROM follow_ups
WHERE workspace_id = %(workspace_id)s AND person_id = %(person_id)s
  AND state IN ('PENDING', 'ENQUEUED') AND handoff_id IS NOT NULL
ORDER BY id
FOR UPDATE;

-- name: reschedule
-- A new version: a job enqueued for the old version finds it changed and does nothing.
UPDATE follow_ups SET due_at = %(due_at)s, digest = %(digest)s, explanation = %(explanation)s,
    state = 'PENDING', version = version + 1, enqueued_at = NULL, lease_until = NULL
WHERE id = %(id)s AND workspace_id = %(workspace_id)s;

-- name: readdress
-- The same follow-up for someone else (an escalation whose sender left goes to who took
-- over their work); a new version, so a job enqueued for the old one does nothing.
UPDATE follow_ups SET person_id = %(person_id)s, due_at = %(due_at)s,
    explanation = %(explanation)s, state = 'PENDING', version = version + 1,
    enqueued_at = NULL, lease_until = NULL
WHERE id = %(id)s AND workspace_id = %(workspace_id)s;

-- name: for_handoffs
SELECT * FROM follow_ups
WHERE workspace_id = %(workspace_id)s AND handoff_id = ANY(%(ids)s)
ORDER BY handoff_id, id;

-- name: claim_due
-- Rows due before %(until)s that are PENDING, or ENQUEUED with an expired lease (their job
-- was lost: Redis flushed, worker killed) when %(reclaim)s. A running batch holds its
-- rows' locks, so SKIP LOCKED never takes a row from a live batch. Each claimed row is
-- leased to its job until its due instant (never before now) plus %(lease)s.
-- The partial index on due_at bounds the scan.
WITH c AS (
    SELECT id, state AS was FROM follow_ups
    WHERE state IN ('PENDING', 'ENQUEUED') AND due_at <= %(until)s
      AND (state = 'PENDING' OR (%(reclaim)s AND lease_until <= %(now)s))
    ORDER BY due_at, id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE follow_ups f SET state = 'ENQUEUED', enqueued_at = %(now)s,
    lease_until = greatest(f.due_at, %(now)s) + %(lease)s
FROM c WHERE f.id = c.id
RETURNING f.id, f.version, f.due_at, f.kind, f.person_id, f.digest,
          c.was = 'ENQUEUED' AS reclaimed;

-- name: open_stats
-- For the gauges: how many rows wait, and the due instant of the oldest one due by now.
SELECT count(*) AS pending,
       min(due_at) FILTER (WHERE due_at <= %(now)s) AS oldest_due
FROM follow_ups
WHERE state IN ('PENDING', 'ENQUEUED');

-- name: oldest_open_due
SELECT min(due_at) AS due_at FROM follow_ups
WHERE state IN ('PENDING', 'ENQUEUED') AND due_at <= %(now)s;

-- name: lock_rows
-- A batch re-reads its rows and their handoffs under lock; rows another transaction holds
-- are skipped (the job retries them), never waited for, so batches cannot deadlock.
-- The handoff's state comes along so plain deliveries can be told apart without loading it.
SELECT f.*, h.status AS handoff_status, h.receiver_id AS handoff_receiver_id,
       h.respond_by IS NOT NULL AS handoff_expects_answer
FROM follow_ups f JOIN handoffs h ON h.id = f.handoff_id
WHERE f.id = ANY(%(ids)s) AND f.state IN ('PENDING', 'ENQUEUED')
ORDER BY f.id
FOR UPDATE OF f, h SKIP LOCKED;

-- name: lock_digest_siblings
-- Digest rows of the same people that are due by now but sit in another batch (or were
-- not claimed yet): they join this digest instead of making a second one.
SELECT f.*, h.status AS handoff_status, h.receiver_id AS handoff_receiver_id,
       h.respond_by IS NOT NULL AS handoff_expects_answer
FROM follow_ups f JOIN handoffs h ON h.id = f.handoff_id
WHERE f.person_id = ANY(%(person_ids)s) AND f.digest AND f.kind = 'DELIVERY'
  AND f.state IN ('PENDING', 'ENQUEUED') AND f.due_at <= %(now)s
  AND f.id <> ALL(%(ids)s)
ORDER BY f.id
FOR UPDATE OF f, h SKIP LOCKED;

-- name: still_open
-- Of the rows a batch could not lock, those still waiting for this very version.
SELECT f.id FROM follow_ups f
JOIN unnest(%(ids)s::bigint[], %(versions)s::int[]) AS v(id, version)
  ON v.id = f.id AND v.version = f.version
WHERE f.state IN ('PENDING', 'ENQUEUED');

-- name: mark_done
UPDATE follow_ups SET state = 'DONE', handled_at = %(now)s WHERE id = ANY(%(ids)s);
