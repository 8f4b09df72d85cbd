-- Delegations: while a person is away, new handoffs to them go to a delegate. Their start
-- and end are follow-up rows (kinds DELEGATION_START / DELEGATION_END, delegation_id set,
-- handoff_id NULL) that the relay hands to the batch job at the right instant; what a
-- delegation sent on is logged in delegated_handoffs.

-- name: insert
INSERT INTO delegations (workspace_id, person_id, delegate_id, delegate_team_id, starts_at,
                         ends_at, open_handoffs, hand_back, time_off_start, time_off_end,
                         created_at)
VALUES (%(workspace_id)s, %(person_id)s, %(delegate_id)s, %(delegate_team_id)s, %(starts_at)s,
        %(ends_at)s, %(open_handoffs)s, %(hand_back)s, %(time_off_start)s, %(time_off_end)s,
        %(now)s)
RETURNING *;

-- name: schedule
-- The start (unless it already happened) and the end of a delegation, as follow-ups.
INSERT INTO follow_ups (workspace_id, delegation_id, person_id, kind, due_at, explanation,
                        created_at)
SELECT d.workspace_id, d.id, d.person_id, k.kind, k.due_at, k.explanation, %(now)s
FROM delegations d,
     (VALUES ('DELEGATION_START', %(starts_at)s::timestamptz, %(start_why)s::jsonb),
             ('DELEGATION_END', %(ends_at)s::timestamptz, %(end_why)s::jsonb))
         AS k(kind, due_at, explanation)
WHERE d.id = %(id)s AND (k.kind = 'DELEGATION_END' OR %(schedule_start)s);

-- name: get
SELECT * FROM delegations WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: by_ids
SELECT * FROM delegations WHERE workspace_id = %(workspace_id)s AND id = ANY(%(ids)s);

-- name: live_for_person
-- Delegations of a person that can still route, by start.
SELECT * FROM delegations
WHERE workspace_id = %(workspace_id)s AND person_id = %(person_id)s
  AND state IN ('SCHEDULED', 'ACTIVE')
ORDER BY starts_at, id;

-- name: live_for_person_for_update
SELECT * FROM delegations
WHERE workspace_id = %(workspace_id)s AND person_id = %(person_id)s
  AND state IN ('SCHEDULED', 'ACTIVE')
ORDER BY starts_at, id
FOR UPDATE;

-- name: live_for_people
SELECT * FROM delegations
WHERE workspace_id = %(workspace_id)s AND person_id = ANY(%(ids)s)
  AND state IN ('SCHEDULED', 'ACTIVE')
ORDER BY person_id, starts_at, id;

-- name: live_overlapping
-- Delegations to people that can still route during [starts_at, ends_at): what a new one
-- could make a loop with.
SELECT * FROM delegations
WHERE workspace_id = %(workspace_id)s AND state IN ('SCHEDULED', 'ACTIVE')
  AND delegate_id IS NOT NULL
  AND starts_at < %(ends_at)s AND ends_at > %(starts_at)s
ORDER BY id;

-- name: live_to_delegate
SELECT * FROM delegations
WHERE workspace_id = %(workspace_id)s AND delegate_id = %(person_id)s
  AND state IN ('SCHEDULED', 'ACTIVE')
ORDER BY id
FOR UPDATE;

-- name: for_time_off
SELECT * FROM delegations
WHERE workspace_id = %(workspace_id)s AND person_id = %(person_id)s
  AND state IN ('SCHEDULED', 'ACTIVE')
  AND time_off_start = %(start)s AND time_off_end = %(end)s
ORDER BY id
FOR UPDATE;

-- name: started
UPDATE delegations SET state = 'ACTIVE', started_at = %(now)s
WHERE id = %(id)s AND state = 'SCHEDULED'
RETURNING *;

-- name: ended
-- ENDED once it has started (or was due to), CANCELLED when called off before its start.
UPDATE delegations
SET state = CASE WHEN state = 'ACTIVE' OR starts_at <= %(now)s THEN 'ENDED' ELSE 'CANCELLED' END,
    ended_at = %(now)s
WHERE id = %(id)s AND state IN ('SCHEDULED', 'ACTIVE')
RETURNING *;

-- name: cancel_transitions
-- A new version, so a job already queued for the old one does nothing.
UPDATE follow_ups SET state = 'CANCELLED', version = version + 1, handled_at = %(now)s
WHERE delegation_id = %(id)s AND state IN ('PENDING', 'ENQUEUED');

-- name: lock_transitions
-- The delegation rows among a batch's follow-ups, locked with their delegations; rows
-- another transaction holds are skipped (the job retries them). A start comes before an
-- end due at the same instant ('DELEGATION_START' sorts after 'DELEGATION_END').
SELECT f.id AS follow_up_id, f.version AS follow_up_version, f.kind AS follow_up_kind,
       f.due_at AS follow_up_due_at, d.*
FROM follow_ups f JOIN delegations d ON d.id = f.delegation_id
WHERE f.id = ANY(%(ids)s) AND f.state IN ('PENDING', 'ENQUEUED')
ORDER BY f.due_at, f.kind DESC, f.id
FOR UPDATE OF f, d SKIP LOCKED;

-- name: transitions_done
UPDATE follow_ups SET state = 'DONE', handled_at = %(now)s WHERE id = ANY(%(ids)s);

-- name: handled
-- What a delegation sent on, with each handoff as it stands now.
SELECT l.handoff_id, l.receiver_id, l.how, l.at, l.handed_back_at, h.status, h.receiver_id
           AS current_receiver_id, %(id)s = ANY(h.delegation_ids) AS still_delegated
FROM delegated_handoffs l JOIN handoffs h ON h.id = l.handoff_id
WHERE l.delegation_id = %(id)s
ORDER BY l.at, l.handoff_id;

-- name: handled_for
SELECT l.delegation_id, h.* FROM delegated_handoffs l JOIN handoffs h ON h.id = l.handoff_id
WHERE l.workspace_id = %(workspace_id)s AND l.delegation_id = ANY(%(ids)s)
ORDER BY l.delegation_id, l.at, l.handoff_id;

-- name: handed_back
UPDATE delegated_handoffs SET handed_back_at = %(now)s
WHERE delegation_id = %(id)s AND handoff_id = ANY(%(handoff_ids)s);

-- name: move_span
-- A delegation made with time off follows where the person is: a scheduled one gets a new
-- start and end, a running one a new end; their pending follow-ups move with them (a new
-- version: a job enqueued for the old one does nothing).
WITH d AS (
    UPDATE delegations SET
        starts_at = CASE WHEN state = 'SCHEDULED' THEN %(starts_at)s ELSE starts_at END,
        ends_at = %(ends_at)s
    WHERE workspace_id = %(workspace_id)s AND id = %(id)s AND state IN ('SCHEDULED', 'ACTIVE')
    RETURNING id, starts_at, ends_at
)
UPDATE follow_ups f SET
    due_at = CASE WHEN f.kind = 'DELEGATION_START' THEN d.starts_at ELSE d.ends_at END,
    state = 'PENDING', version = f.version + 1, enqueued_at = NULL, lease_until = NULL
FROM d
WHERE f.delegation_id = d.id AND f.state IN ('PENDING', 'ENQUEUED');
