-- name: follow_up_insert
INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, digest, explanation,
                        created_at)
VALUES (%(workspace_id)s, %(handoff_id)s, %(person_id)s, %(kind)s, %(due_at)s, %(digest)s,
        %(explanation)s, %(now)s)
RETURNING *;

-- name: follow_ups_cancel_for_handoff
UPDATE follow_ups SET state = 'CANCELLED', version = version + 1, handled_at = %(now)s
WHERE handoff_id = %(handoff_id)s AND workspace_id = %(workspace_id)s
  AND state IN ('PENDING', 'ENQUEUED');

-- name: follow_ups_open_for_person
SELECT * FROM follow_ups
WHERE workspace_id = %(workspace_id)s AND person_id = %(person_id)s
  AND state IN ('PENDING', 'ENQUEUED')
ORDER BY id
FOR UPDATE;

-- name: follow_up_reschedule
-- A new version: a job enqueued for the old version finds it changed and does nothing.
UPDATE follow_ups SET due_at = %(due_at)s, digest = %(digest)s, explanation = %(explanation)s,
    state = 'PENDING', version = version + 1, enqueued_at = NULL
WHERE id = %(id)s AND workspace_id = %(workspace_id)s;

-- name: follow_ups_for_handoffs
SELECT * FROM follow_ups
WHERE workspace_id = %(workspace_id)s AND handoff_id = ANY(%(ids)s)
ORDER BY handoff_id, id;
