-- Handoffs: created with their follow-ups and event, moved through their life cycle, and
-- the set-based effects of a follow-up batch.

-- name: by_idempotency_key
SELECT * FROM handoffs WHERE workspace_id = %(workspace_id)s AND idempotency_key = %(key)s;

-- name: get
SELECT * FROM handoffs WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: get_for_update
SELECT * FROM handoffs WHERE workspace_id = %(workspace_id)s AND id = %(id)s FOR UPDATE;

-- name: by_ids
SELECT * FROM handoffs WHERE workspace_id = %(workspace_id)s AND id = ANY(%(ids)s);

-- name: page
SELECT * FROM handoffs
WHERE workspace_id = %(workspace_id)s AND id > %(after_id)s
  AND (%(status)s::text IS NULL OR (status = %(status)s AND stage = handoff_stage(%(status)s)))
  AND (%(receiver_id)s::bigint IS NULL OR receiver_id = %(receiver_id)s)
  AND (%(sender_id)s::bigint IS NULL OR sender_id = %(sender_id)s)
  AND (%(team_id)s::bigint IS NULL OR team_id = %(team_id)s)
ORDER BY id
LIMIT %(limit)s;

-- name: page_newest
-- The same, newest first: after_id 0 is the start (ids begin at 1).
SELECT * FROM handoffs
WHERE workspace_id = %(workspace_id)s AND (%(after_id)s = 0 OR id < %(after_id)s)
  AND (%(status)s::text IS NULL OR (status = %(status)s AND stage = handoff_stage(%(status)s)))
  AND (%(receiver_id)s::bigint IS NULL OR receiver_id = %(receiver_id)s)
  AND (%(sender_id)s::bigint IS NULL OR sender_id = %(sender_id)s)
  AND (%(team_id)s::bigint IS NULL OR team_id = %(team_id)s)
ORDER BY id DESC
LIMIT %(limit)s;

-- name: for_work_items
SELECT * FROM handoffs
WHERE workspace_id = %(workspace_id)s AND work_item_id = ANY(%(ids)s)
ORDER BY work_item_id, id;

-- name: inbox_page
-- Delivered, not yet acknowledged, oldest delivery first; (delivered_at, id) is the cursor.
-- handoff_inbox holds exactly the DELIVERED handoffs (migration 0019 says why and how).
SELECT h.* FROM handoff_inbox i
JOIN handoffs h ON h.id = i.handoff_id
WHERE i.receiver_id = %(receiver_id)s AND h.workspace_id = %(workspace_id)s
  AND (i.delivered_at, i.handoff_id) > (%(after_at)s, %(after_id)s)
ORDER BY i.delivered_at, i.handoff_id
LIMIT %(limit)s;

-- name: transition
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

-- name: reroute
-- The delegation chain is the new route's (empty when no delegation sent it on); each
-- delegation that sent it on logs it (delegated_handoffs).
WITH h AS (
    UPDATE handoffs SET
        receiver_id = %(receiver_id)s, team_id = %(team_id)s, status = 'SCHEDULED',
        deliver_at = %(deliver_at)s, respond_by = %(respond_by)s, explanation = %(explanation)s,
        route_reasons = %(route_reasons)s,
        -- an answer belongs to the landing it answered: the new receiver's counts
        answered_at = NULL, answer_working_time = NULL,
        delivered_at = NULL, acknowledged_at = NULL, reminders_sent = 0, escalated_at = NULL,
        updated_at = %(now)s,
        addressed_to_id = %(addressed_to_id)s, delegated_via = %(delegated_via)s,
        delegation_ids = %(delegation_ids)s
    WHERE workspace_id = %(workspace_id)s AND id = %(id)s
    RETURNING *
), logged AS (
    INSERT INTO delegated_handoffs (delegation_id, handoff_id, workspace_id, receiver_id, how, at)
    SELECT d, h.id, h.workspace_id, h.receiver_id, 'REASSIGNED', %(now)s
    FROM h, unnest(%(new_delegation_ids)s::bigint[]) AS d
    ON CONFLICT (delegation_id, handoff_id) DO UPDATE SET receiver_id = excluded.receiver_id
)
SELECT * FROM h;

-- name: open_for_receiver
-- A receiver's open handoffs (statuses given), locked, oldest first.
SELECT * FROM handoffs
WHERE workspace_id = %(workspace_id)s AND receiver_id = %(receiver_id)s
  AND status = ANY(%(statuses)s)
  AND stage = ANY(handoff_stages(%(statuses)s::text[]))
ORDER BY id
FOR UPDATE;

-- name: count_for_person
-- How many handoffs a person sent and received (what reports count).
SELECT count(*) FILTER (WHERE sender_id = %(person_id)s) AS sent,
       count(*) FILTER (WHERE receiver_id = %(person_id)s) AS received
FROM handoffs
WHERE workspace_id = %(workspace_id)s
  AND (sender_id = %(person_id)s OR receiver_id = %(person_id)s);

-- name: set_times
UPDATE handoffs SET deliver_at = %(deliver_at)s, respond_by = %(respond_by)s,
    explanation = %(explanation)s, updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: create_prefetch
-- Everything createHandoff reads before it writes, in one round trip: the workspace's
-- reminder default, the handoff already made with this idempotency key (if any), fresh ids
-- for the handoff and its new work item, and the people involved (sender, receiver).
-- The people are locked FOR SHARE: a concurrent change of their working pattern (FOR UPDATE,
-- then rescheduling their open follow-ups) waits for this handoff, so it moves its follow-up
-- too instead of missing it. `delegating` says whether a person has a delegation that may
-- route the handoff elsewhere, so routing reads delegations only for those who do.
WITH head AS MATERIALIZED (
    SELECT w.reminders_before_escalation AS ws_reminders,
           (SELECT h.id FROM handoffs h
            WHERE h.workspace_id = %(workspace_id)s AND h.idempotency_key = %(key)s) AS existing_id,
           nextval(pg_get_serial_sequence('handoffs', 'id')) AS new_handoff_id,
           nextval(pg_get_serial_sequence('work_items', 'id')) AS new_work_item_id
    FROM workspaces w WHERE w.id = %(workspace_id)s
)
SELECT head.*, p.*
FROM head LEFT JOIN LATERAL (
    SELECT people.*, EXISTS (
        SELECT 1 FROM delegations d
        WHERE d.person_id = people.id AND d.state IN ('SCHEDULED', 'ACTIVE')
    ) AS delegating
    FROM people
    WHERE workspace_id = %(workspace_id)s AND id = ANY(%(people)s)
    ORDER BY id
    FOR SHARE OF people
) p ON true;

-- name: create
-- The handoff, its work item (inserted, or moved to IN_HANDOFF), its DELIVERY follow-ups,
-- its delegation log and its event in one statement. Everything hangs off the handoff row:
-- when the idempotency key conflicts (a concurrent request with the same key committed
-- first), nothing is written. Nor when someone the prefetch found without delegations
-- (`settled`) has one now: a delegation that committed while the prefetch waited for their
-- row lock is invisible to the prefetch's snapshot, not to this statement's, and the route
-- must be planned again (`settled_held` is false). Foreign keys are checked at the end of
-- the statement, after the work item exists.
WITH settled AS MATERIALIZED (
    SELECT NOT EXISTS (
        SELECT 1 FROM delegations d
        WHERE d.person_id = ANY(%(settled)s::bigint[]) AND d.state IN ('SCHEDULED', 'ACTIVE')
    ) AS held
), h AS (
    INSERT INTO handoffs (id, workspace_id, work_item_id, sender_id, receiver_id, team_id, summary,
                          done, next_steps, open_questions, respond_within, created_at, deliver_at,
                          respond_by, explanation, max_reminders, updated_at, idempotency_key,
                          addressed_to_id, delegated_via, delegation_ids, request_fingerprint,
                          route_reasons, held)
    OVERRIDING SYSTEM VALUE
    SELECT %(id)s::bigint, %(workspace_id)s::bigint, %(work_item_id)s::bigint,
           %(sender_id)s::bigint, %(receiver_id)s::bigint, %(team_id)s::bigint, %(summary)s::text,
           %(done)s::text, %(next_steps)s::text, %(open_questions)s::jsonb,
           %(respond_within)s::interval, %(now)s::timestamptz, %(deliver_at)s::timestamptz,
           %(respond_by)s::timestamptz, %(explanation)s::jsonb, %(max_reminders)s::integer,
           %(now)s::timestamptz, %(idempotency_key)s::text, %(addressed_to_id)s::bigint,
           %(delegated_via)s::bigint[], %(delegation_ids)s::bigint[], %(request_fingerprint)s::bytea,
           %(route_reasons)s::jsonb, %(deliver_at)s::timestamptz > %(now)s::timestamptz
    FROM settled WHERE settled.held
    ON CONFLICT (workspace_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING *
), delegated AS (
    -- each delegation that sent it on logs it
    INSERT INTO delegated_handoffs (delegation_id, handoff_id, workspace_id, receiver_id, how, at)
    SELECT d, h.id, h.workspace_id, h.receiver_id, 'NEW', %(now)s
    FROM h, unnest(h.delegation_ids) AS d
), new_item AS (
    INSERT INTO work_items (id, workspace_id, title, description, status, holder_id, created_at,
                            updated_at)
    OVERRIDING SYSTEM VALUE
    SELECT %(work_item_id)s, %(workspace_id)s, %(item_title)s, %(item_description)s, 'IN_HANDOFF',
           %(item_holder_id)s, %(now)s, %(now)s
    FROM h WHERE %(insert_item)s
), moved_item AS (
    UPDATE work_items SET status = 'IN_HANDOFF', holder_id = %(item_holder_id)s, updated_at = %(now)s
    WHERE workspace_id = %(workspace_id)s AND id = %(work_item_id)s AND NOT %(insert_item)s
      AND EXISTS (SELECT 1 FROM h)
), follow_up AS (
    INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, digest, explanation,
                            created_at)
    SELECT %(workspace_id)s, h.id, f.person_id, 'DELIVERY', f.due_at, f.digest, f.explanation,
           %(now)s
    FROM h, jsonb_to_recordset(%(follow_ups)s)
         AS f(person_id bigint, due_at timestamptz, digest boolean, explanation jsonb)
), event AS (
    INSERT INTO events (workspace_id, type, handoff_id, person_id, payload, occurred_at, public_id)
    SELECT %(workspace_id)s, 'handoff.created', h.id, %(receiver_id)s, %(payload)s, %(now)s,
           %(public_id)s
    FROM h
)
SELECT settled.held AS settled_held, h.* FROM settled LEFT JOIN h ON true;

-- name: lock_idempotency_key
-- Serialises requests that carry the same idempotency key within a workspace.
SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, %(workspace_id)s));

-- name: by_ids_any_workspace
SELECT * FROM handoffs WHERE id = ANY(%(ids)s);

-- name: deliver_many
-- Plain deliveries of a batch in one statement: the handoffs become DELIVERED and each
-- follow-up row's `handoff.delivered` event is built here from the updated handoff row
-- (handoff_event_data, migration 0003, inlined by the planner), so no payload passes
-- through Python. %(ids)s holds one follow-up row per handoff.
-- The UPDATE reads the follow-up rows itself and returns what the event needs of them:
-- joining them to the updated rows afterwards let the planner, without statistics on
-- freshly written handoffs (a surge created seconds before it is due), probe the whole
-- id list once per handoff (500 x 500 probes for a batch of 500, 2 in 5 of its CPU).
-- Message ids: events.message_id_seed says how and why.
WITH d AS (
    UPDATE handoffs h SET status = 'DELIVERED', delivered_at = %(now)s, updated_at = %(now)s
    FROM follow_ups f
    WHERE f.id = ANY(%(ids)s) AND h.id = f.handoff_id AND h.status = 'SCHEDULED'
    RETURNING h, f.id AS f_id, f.workspace_id AS f_workspace_id, f.person_id AS f_person_id,
              f.kind AS f_kind, f.due_at AS f_due_at, f.explanation AS f_explanation
)
INSERT INTO events (workspace_id, type, handoff_id, person_id, payload, occurred_at, public_id)
SELECT d.f_workspace_id, 'handoff.delivered', (d.h).id, d.f_person_id,
       handoff_event_data(d.h, w, s, r, t)
           || jsonb_build_object('followUp', jsonb_build_object(
                  'kind', d.f_kind, 'dueAt', handoff_isoformat(d.f_due_at),
                  'explanation', d.f_explanation)),
       %(now)s, 'msg_' || md5(%(msg_seed)s || d.f_id::text)
FROM d
JOIN work_items w ON w.id = (d.h).work_item_id
JOIN people s ON s.id = (d.h).sender_id
JOIN people r ON r.id = d.f_person_id
LEFT JOIN teams t ON t.id = (d.h).team_id
ORDER BY d.f_id
RETURNING handoff_id;

-- name: mark_delivered
UPDATE handoffs SET status = 'DELIVERED', delivered_at = %(now)s, updated_at = %(now)s
WHERE id = ANY(%(ids)s) AND status = 'SCHEDULED';

-- name: reminded
UPDATE handoffs SET reminders_sent = reminders_sent + 1, respond_by = %(respond_by)s,
    explanation = %(explanation)s, updated_at = %(now)s
WHERE id = %(id)s;

-- name: escalated
UPDATE handoffs SET escalated_at = %(now)s, updated_at = %(now)s WHERE id = %(id)s;

-- name: escalated_to_member
-- Escalated within a team: a new member receives it, and the response clock starts again;
-- the explanation describes the new delivery and deadline.
UPDATE handoffs SET receiver_id = %(receiver_id)s, status = 'SCHEDULED',
    deliver_at = %(deliver_at)s, respond_by = %(respond_by)s, reminders_sent = 0,
    explanation = %(explanation)s, route_reasons = %(route_reasons)s,
    delivered_at = NULL, escalated_at = %(now)s, updated_at = %(now)s
WHERE id = %(id)s;

-- name: count
SELECT count(*) FROM handoffs
WHERE workspace_id = %(workspace_id)s
  AND (%(status)s::text IS NULL OR (status = %(status)s AND stage = handoff_stage(%(status)s)))
  AND (%(receiver_id)s::bigint IS NULL OR receiver_id = %(receiver_id)s)
  AND (%(sender_id)s::bigint IS NULL OR sender_id = %(sender_id)s)
  AND (%(team_id)s::bigint IS NULL OR team_id = %(team_id)s);

-- name: inbox_count
SELECT count(*) FROM handoff_inbox i
JOIN handoffs h ON h.id = i.handoff_id
WHERE i.receiver_id = %(receiver_id)s AND h.workspace_id = %(workspace_id)s;
