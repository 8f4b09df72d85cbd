-- Queries of the delivery engine: the relay's claim, a batch job's locked re-read, and
-- the set-based effects of a batch. Every effect of a batch commits with its rows' DONE.

-- name: jobs_claim_due
-- Rows due before %(until)s that are PENDING, or ENQUEUED so long ago that their job is
-- presumed lost (Redis flushed, worker killed). The partial index on due_at bounds the scan.
WITH c AS (
    SELECT id FROM follow_ups
    WHERE state IN ('PENDING', 'ENQUEUED') AND due_at <= %(until)s
      AND (state = 'PENDING' OR greatest(due_at, enqueued_at) < %(stale_before)s)
    ORDER BY due_at, id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE follow_ups f SET state = 'ENQUEUED', enqueued_at = %(now)s
FROM c WHERE f.id = c.id
RETURNING f.id, f.version, f.due_at, f.kind, f.person_id, f.digest;

-- name: jobs_oldest_open_due
SELECT min(due_at) AS due_at FROM follow_ups
WHERE state IN ('PENDING', 'ENQUEUED') AND due_at <= %(now)s;

-- name: jobs_lock_rows
-- A batch re-reads its rows and their handoffs under lock; rows another transaction holds
-- are skipped (the job retries them), never waited for, so batches cannot deadlock.
-- The handoff's state comes along so plain deliveries can be told apart without loading it.
SELECT f.*, h.status AS handoff_status, h.receiver_id AS handoff_receiver_id,
       h.respond_by IS NOT NULL AS handoff_expects_answer
FROM follow_ups f JOIN handoffs h ON h.id = f.handoff_id
WHERE f.id = ANY(%(ids)s) AND f.state IN ('PENDING', 'ENQUEUED')
ORDER BY f.id
FOR UPDATE OF f, h SKIP LOCKED;

-- name: jobs_lock_digest_siblings
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

-- name: jobs_still_open
-- Of the rows a batch could not lock, those still waiting for this very version.
SELECT f.id FROM follow_ups f
JOIN unnest(%(ids)s::bigint[], %(versions)s::int[]) AS v(id, version)
  ON v.id = f.id AND v.version = f.version
WHERE f.state IN ('PENDING', 'ENQUEUED');

-- name: jobs_mark_done
UPDATE follow_ups SET state = 'DONE', handled_at = %(now)s WHERE id = ANY(%(ids)s);

-- name: jobs_deliver_many
-- Plain deliveries of a batch in one statement: the handoffs become DELIVERED and each
-- follow-up row's `handoff.delivered` event is built here from the updated handoff row
-- (handoff_event_data, migration 0003, inlined by the planner), so no payload passes
-- through Python. %(ids)s holds one follow-up row per handoff.
WITH d AS (
    UPDATE handoffs h SET status = 'DELIVERED', delivered_at = %(now)s, updated_at = %(now)s
    WHERE h.id = ANY(%(handoff_ids)s) AND h.status = 'SCHEDULED'
    RETURNING h
)
INSERT INTO events (workspace_id, type, handoff_id, person_id, payload, occurred_at, public_id)
SELECT f.workspace_id, 'handoff.delivered', f.handoff_id, f.person_id,
       handoff_event_data(d.h, w, s, r, t)
           || jsonb_build_object('followUp', jsonb_build_object(
                  'kind', f.kind, 'dueAt', handoff_isoformat(f.due_at),
                  'explanation', f.explanation)),
       %(now)s, 'msg_' || replace(gen_random_uuid()::text, '-', '')
FROM d
JOIN follow_ups f ON f.handoff_id = (d.h).id
JOIN work_items w ON w.id = (d.h).work_item_id
JOIN people s ON s.id = (d.h).sender_id
JOIN people r ON r.id = f.person_id
LEFT JOIN teams t ON t.id = (d.h).team_id
WHERE f.id = ANY(%(ids)s)
ORDER BY f.id
RETURNING handoff_id;

-- name: jobs_handoffs_delivered
UPDATE handoffs SET status = 'DELIVERED', delivered_at = %(now)s, updated_at = %(now)s
WHERE id = ANY(%(ids)s) AND status = 'SCHEDULED';

-- name: jobs_handoff_reminded
UPDATE handoffs SET reminders_sent = reminders_sent + 1, respond_by = %(respond_by)s,
    updated_at = %(now)s
WHERE id = %(id)s;

-- name: jobs_handoff_escalated
UPDATE handoffs SET escalated_at = %(now)s, updated_at = %(now)s WHERE id = %(id)s;

-- name: jobs_handoff_rerouted
-- Escalated to a team: a new member receives it, and the response clock starts again.
UPDATE handoffs SET receiver_id = %(receiver_id)s, status = 'SCHEDULED',
    deliver_at = %(deliver_at)s, respond_by = %(respond_by)s, reminders_sent = 0,
    delivered_at = NULL, escalated_at = %(now)s, updated_at = %(now)s
WHERE id = %(id)s;

-- name: jobs_events_insert_many
-- One json array parameter instead of arrays of json text: psycopg escapes text arrays in
-- Python, which dominated a 500-row batch.
INSERT INTO events (workspace_id, type, handoff_id, person_id, payload, occurred_at, public_id)
SELECT (e->>'ws')::bigint, e->>'type', (e->>'h')::bigint, (e->>'p')::bigint, e->'data',
       %(now)s, e->>'pub'
FROM jsonb_array_elements(%(rows)s::jsonb) AS e;

-- name: jobs_follow_ups_insert_many
INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, digest, explanation,
                        created_at)
SELECT (e->>'ws')::bigint, (e->>'h')::bigint, (e->>'p')::bigint, e->>'kind',
       (e->>'due')::timestamptz, (e->>'digest')::boolean, e->'explanation', %(now)s
FROM jsonb_array_elements(%(rows)s::jsonb) AS e;

-- name: jobs_handoffs
SELECT * FROM handoffs WHERE id = ANY(%(ids)s);

-- name: jobs_work_items
SELECT * FROM work_items WHERE id = ANY(%(ids)s);

-- name: jobs_teams
SELECT * FROM teams WHERE id = ANY(%(ids)s);

-- name: jobs_people_stamps
SELECT id, updated_at FROM people WHERE id = ANY(%(ids)s);

-- name: jobs_people
SELECT * FROM people WHERE id = ANY(%(ids)s);

