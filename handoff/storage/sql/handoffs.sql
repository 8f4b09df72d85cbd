-- name: handoff_insert
INSERT INTO handoffs (workspace_id, work_item_id, sender_id, receiver_id, team_id, summary, done,
                      next_steps, open_questions, respond_within, created_at, deliver_at, respond_by,
                      explanation, max_reminders, updated_at, idempotency_key)
VALUES (%(workspace_id)s, %(work_item_id)s, %(sender_id)s, %(receiver_id)s, %(team_id)s,
        %(summary)s, %(done)s, %(next_steps)s, %(open_questions)s, %(respond_within)s, %(now)s,
        %(deliver_at)s, %(respond_by)s, %(explanation)s, %(max_reminders)s, %(now)s,
        %(idempotency_key)s)
ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
RETURNING *;

-- name: handoff_by_idempotency_key
SELECT * FROM handoffs WHERE workspace_id = %(workspace_id)s AND idempotency_key = %(key)s;

-- name: handoff_get
SELECT * FROM handoffs WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: handoff_get_for_update
SELECT * FROM handoffs WHERE workspace_id = %(workspace_id)s AND id = %(id)s FOR UPDATE;

-- name: handoffs_by_ids
SELECT * FROM handoffs WHERE workspace_id = %(workspace_id)s AND id = ANY(%(ids)s);

-- name: handoffs_page
SELECT * FROM handoffs
WHERE workspace_id = %(workspace_id)s AND id > %(after_id)s
  AND (%(status)s::text IS NULL OR status = %(status)s)
  AND (%(receiver_id)s::bigint IS NULL OR receiver_id = %(receiver_id)s)
  AND (%(sender_id)s::bigint IS NULL OR sender_id = %(sender_id)s)
  AND (%(team_id)s::bigint IS NULL OR team_id = %(team_id)s)
ORDER BY id
LIMIT %(limit)s;

-- name: handoffs_for_work_items
SELECT * FROM handoffs
WHERE workspace_id = %(workspace_id)s AND work_item_id = ANY(%(ids)s)
ORDER BY work_item_id, id;

-- name: inbox_page
-- Delivered, not yet acknowledged, oldest delivery first; (delivered_at, id) is the cursor.
SELECT * FROM handoffs
WHERE workspace_id = %(workspace_id)s AND receiver_id = %(receiver_id)s AND status = 'DELIVERED'
  AND (delivered_at, id) > (%(after_at)s, %(after_id)s)
ORDER BY delivered_at, id
LIMIT %(limit)s;

-- name: handoff_transition
UPDATE handoffs SET
    status = %(status)s,
    acknowledged_at = CASE WHEN %(status)s = 'ACKNOWLEDGED' THEN %(now)s ELSE acknowledged_at END,
    completed_at = CASE WHEN %(status)s = 'COMPLETED' THEN %(now)s ELSE completed_at END,
    returned_at = CASE WHEN %(status)s = 'RETURNED' THEN %(now)s ELSE returned_at END,
    return_note = CASE WHEN %(status)s = 'RETURNED' THEN %(note)s ELSE return_note END,
    cancelled_at = CASE WHEN %(status)s = 'CANCELLED' THEN %(now)s ELSE cancelled_at END,
    updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: handoff_reroute
UPDATE handoffs SET
    receiver_id = %(receiver_id)s, team_id = %(team_id)s, status = 'SCHEDULED',
    deliver_at = %(deliver_at)s, respond_by = %(respond_by)s, explanation = %(explanation)s,
    delivered_at = NULL, acknowledged_at = NULL, reminders_sent = 0, updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: handoff_set_times
UPDATE handoffs SET deliver_at = %(deliver_at)s, respond_by = %(respond_by)s,
    explanation = %(explanation)s, updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;
