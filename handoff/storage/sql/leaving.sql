-- People leaving: deactivation (no new handoffs, out of every team, tokens revoked) and
-- erasure (personal data replaced by a tombstone in every table, counts kept).

-- name: deactivate
UPDATE people SET deactivated_at = %(now)s, successor_id = %(successor_id)s,
    updated_at = greatest(%(now)s, updated_at + interval '1 microsecond')
WHERE workspace_id = %(workspace_id)s AND id = %(id)s AND deactivated_at IS NULL
RETURNING *;

-- name: leave_teams
DELETE FROM team_members
WHERE workspace_id = %(workspace_id)s AND person_id = %(person_id)s
RETURNING team_id;

-- name: cancel_member_deliveries
-- Deliveries to someone who is not the handoff's receiver (the other members of an ALL
-- team): nobody who left is notified any more.
UPDATE follow_ups f SET state = 'CANCELLED', version = f.version + 1, handled_at = %(now)s
FROM handoffs h
WHERE f.workspace_id = %(workspace_id)s AND f.person_id = %(person_id)s
  AND f.kind = 'DELIVERY' AND f.state IN ('PENDING', 'ENQUEUED')
  AND h.id = f.handoff_id AND h.receiver_id <> f.person_id;

-- name: revoke_tokens
UPDATE api_tokens SET revoked_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND person_id = %(person_id)s AND revoked_at IS NULL;

-- name: tombstone
UPDATE people SET name = %(name)s, handle = %(handle)s, email = NULL, timezone = %(timezone)s,
    working_pattern = %(working_pattern)s, delivery_policy = %(delivery_policy)s,
    erased_at = %(now)s, updated_at = greatest(%(now)s, updated_at + interval '1 microsecond')
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- Erasure reads every row of the workspace that may hold the person's data (a row of
-- theirs, or one whose text contains a needle, case-insensitively) and writes back what
-- the scrubber made of it. Each pair below is one table.

-- name: find_handoffs
SELECT id, sender_id, receiver_id, summary, done, next_steps, open_questions, explanation,
       route_reasons, return_note
FROM handoffs h
WHERE workspace_id = %(workspace_id)s
  AND (sender_id = %(person_id)s OR receiver_id = %(person_id)s
       OR to_jsonb(h)::text ILIKE ANY(%(likes)s))
ORDER BY id;

-- name: write_handoffs
UPDATE handoffs h SET summary = x.summary, done = x.done, next_steps = x.next_steps,
    open_questions = x.open_questions, explanation = x.explanation,
    route_reasons = x.route_reasons, return_note = x.return_note
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id bigint, summary text, done text,
    next_steps text, open_questions jsonb, explanation jsonb, route_reasons jsonb,
    return_note text)
WHERE h.workspace_id = %(workspace_id)s AND h.id = x.id;

-- name: find_work_items
SELECT id, title, description FROM work_items w
WHERE workspace_id = %(workspace_id)s AND to_jsonb(w)::text ILIKE ANY(%(likes)s)
ORDER BY id;

-- name: write_work_items
UPDATE work_items w SET title = x.title, description = x.description
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id bigint, title text, description text)
WHERE w.workspace_id = %(workspace_id)s AND w.id = x.id;

-- name: find_follow_ups
SELECT id, explanation FROM follow_ups f
WHERE workspace_id = %(workspace_id)s AND explanation::text ILIKE ANY(%(likes)s)
ORDER BY id;

-- name: write_follow_ups
UPDATE follow_ups f SET explanation = x.explanation
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id bigint, explanation jsonb)
WHERE f.workspace_id = %(workspace_id)s AND f.id = x.id;

-- name: find_events
SELECT id, type, person_id, payload FROM events e
WHERE workspace_id = %(workspace_id)s
  AND (person_id = %(person_id)s OR payload::text ILIKE ANY(%(likes)s))
ORDER BY id;

-- name: write_events
UPDATE events e SET payload = x.payload
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id bigint, payload jsonb)
WHERE e.workspace_id = %(workspace_id)s AND e.id = x.id;

-- name: find_teams
SELECT id, name FROM teams t
WHERE workspace_id = %(workspace_id)s AND name ILIKE ANY(%(likes)s)
ORDER BY id;

-- name: write_teams
UPDATE teams t SET name = x.name
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id bigint, name text)
WHERE t.workspace_id = %(workspace_id)s AND t.id = x.id;

-- name: find_tokens
SELECT id, label FROM api_tokens
WHERE workspace_id = %(workspace_id)s AND (person_id = %(person_id)s OR label ILIKE ANY(%(likes)s))
ORDER BY id;

-- name: write_tokens
UPDATE api_tokens a SET label = x.label
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id bigint, label text)
WHERE a.workspace_id = %(workspace_id)s AND a.id = x.id;

-- name: find_webhook_endpoints
-- What people wrote about an endpoint, and why it was switched off (an error may quote a
-- payload); the URL is the receiver's address and stays.
SELECT id, description, disabled_reason FROM webhook_endpoints
WHERE workspace_id = %(workspace_id)s
  AND (description ILIKE ANY(%(likes)s) OR disabled_reason ILIKE ANY(%(likes)s))
ORDER BY id;

-- name: write_webhook_endpoints
UPDATE webhook_endpoints e SET description = x.description, disabled_reason = x.disabled_reason
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id bigint, description text, disabled_reason text)
WHERE e.workspace_id = %(workspace_id)s AND e.id = x.id;

-- name: find_webhook_endpoint_records
SELECT id, reason FROM webhook_endpoint_records
WHERE workspace_id = %(workspace_id)s AND reason ILIKE ANY(%(likes)s)
ORDER BY id;

-- name: write_webhook_endpoint_records
UPDATE webhook_endpoint_records r SET reason = x.reason
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id bigint, reason text)
WHERE r.workspace_id = %(workspace_id)s AND r.id = x.id;

-- name: find_webhook_deliveries
-- What receivers answered (an excerpt may echo a payload) and the errors recorded.
SELECT d.id, d.last_error FROM webhook_deliveries d
WHERE d.workspace_id = %(workspace_id)s AND d.last_error ILIKE ANY(%(likes)s)
ORDER BY d.id;

-- name: write_webhook_deliveries
UPDATE webhook_deliveries d SET last_error = x.last_error
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id bigint, last_error text)
WHERE d.workspace_id = %(workspace_id)s AND d.id = x.id;

-- name: find_webhook_attempts
SELECT a.id, a.response_excerpt, a.error FROM webhook_attempts a
JOIN webhook_deliveries d ON d.id = a.delivery_id
WHERE d.workspace_id = %(workspace_id)s
  AND (a.response_excerpt ILIKE ANY(%(likes)s) OR a.error ILIKE ANY(%(likes)s))
ORDER BY a.id;

-- name: write_webhook_attempts
UPDATE webhook_attempts a SET response_excerpt = x.response_excerpt, error = x.error
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id bigint, response_excerpt text, error text),
     webhook_deliveries d
WHERE a.id = x.id AND d.id = a.delivery_id AND d.workspace_id = %(workspace_id)s;

-- name: own_handoffs
-- Handoffs whose notes the person wrote: those they sent, and those they returned.
SELECT id, sender_id = %(person_id)s AS sent,
       receiver_id = %(person_id)s AND return_note IS NOT NULL AS returned
FROM handoffs
WHERE workspace_id = %(workspace_id)s
  AND (sender_id = %(person_id)s OR (receiver_id = %(person_id)s AND return_note IS NOT NULL))
ORDER BY id;

-- name: find_urgent_handoffs
SELECT handoff_id, person_id, sender_id, reason, explanation FROM urgent_handoffs u
WHERE workspace_id = %(workspace_id)s
  AND (sender_id = %(person_id)s OR reason ILIKE ANY(%(likes)s)
       OR explanation ILIKE ANY(%(likes)s))
ORDER BY handoff_id, person_id;

-- name: write_urgent_handoffs
UPDATE urgent_handoffs u SET reason = x.reason, explanation = x.explanation
FROM jsonb_to_recordset(%(rows)s::jsonb)
     AS x(handoff_id bigint, person_id bigint, reason text, explanation text)
WHERE u.workspace_id = %(workspace_id)s AND u.handoff_id = x.handoff_id
  AND u.person_id = x.person_id;

-- name: find_replies
SELECT id, person_id, text FROM handoff_replies
WHERE workspace_id = %(workspace_id)s
  AND ((person_id = %(person_id)s AND text <> '') OR text ILIKE ANY(%(likes)s))
ORDER BY id;

-- name: write_replies
UPDATE handoff_replies r SET text = x.text
FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id bigint, text text)
WHERE r.workspace_id = %(workspace_id)s AND r.id = x.id;

-- name: names_in_events
-- Every name and handle the person went by, as the workspace's events show them: their
-- person references at the time (`previous` of person.updated included).
SELECT DISTINCT ref->>'name' AS name, ref->>'handle' AS handle
FROM events e,
     jsonb_path_query(e.payload, '$.** ? (@.id == $id && exists (@.name))',
                      jsonb_build_object('id', %(global_id)s::text)) AS ref
WHERE e.workspace_id = %(workspace_id)s
  AND strpos(e.payload::text, %(global_id)s::text) > 0
ORDER BY 1, 2;
