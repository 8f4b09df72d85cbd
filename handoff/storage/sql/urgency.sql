-- Urgency: each person's policy (who may break through, how often), the urgent handoffs
-- with what was decided for them and how the receiver rated them, and the pauses that
-- three "not urgent" ratings in a row cause.

-- name: policies
-- The stored policies of these people (a person without a row has the defaults), with
-- their allow-lists.
SELECT p.person_id, p.urgent_from, p.weekly_budget,
       ARRAY(SELECT a.sender_id FROM urgency_allowed_senders a
             WHERE a.person_id = p.person_id ORDER BY a.sender_id) AS allowed_sender_ids
FROM urgency_policies p
WHERE p.workspace_id = %(workspace_id)s AND p.person_id = ANY(%(ids)s);

-- name: set_policy
-- Replace a person's policy and allow-list in one statement.
WITH p AS (
    INSERT INTO urgency_policies (workspace_id, person_id, urgent_from, weekly_budget, updated_at)
    VALUES (%(workspace_id)s, %(person_id)s, %(urgent_from)s, %(weekly_budget)s, %(now)s)
    ON CONFLICT (person_id) DO UPDATE SET urgent_from = EXCLUDED.urgent_from,
        weekly_budget = EXCLUDED.weekly_budget, updated_at = EXCLUDED.updated_at
    RETURNING person_id
), dropped AS (
    DELETE FROM urgency_allowed_senders a
    WHERE a.person_id = %(person_id)s AND a.sender_id <> ALL(%(allowed)s::bigint[])
)
INSERT INTO urgency_allowed_senders (workspace_id, person_id, sender_id)
SELECT %(workspace_id)s, p.person_id, s FROM p, unnest(%(allowed)s::bigint[]) AS s
ON CONFLICT DO NOTHING;

-- name: lock_receivers
-- Serialises urgent decisions about these people until the transaction ends, so two
-- concurrent urgent handoffs cannot both take the last break-through of a week. Locks are
-- taken in id order, so two transactions never wait for each other in a circle.
SELECT count(pg_advisory_xact_lock(hashtextextended('handoff.urgency', s.id)))
FROM (SELECT DISTINCT unnest(%(ids)s::bigint[]) AS id ORDER BY 1) s;

-- name: allowances
-- Per candidate receiver: the policy (defaults without a row), whether the sender is on
-- the allow-list, the landing instants of the sender's break-throughs to them in the
-- receiver's week (Monday to Monday in their zone), and the end of a pause in force now.
-- A break-through counts once it landed, or while its delivery to that person is still on
-- its way: a handoff cancelled or sent elsewhere before it landed gives it back.
SELECT c.person_id,
       coalesce(p.urgent_from, 'ANYONE') AS urgent_from,
       coalesce(p.weekly_budget, 1) AS weekly_budget,
       EXISTS (SELECT 1 FROM urgency_allowed_senders a
               WHERE a.person_id = c.person_id AND a.sender_id = %(sender_id)s) AS listed,
       ARRAY(SELECT u.lands_at FROM urgent_handoffs u
             WHERE u.person_id = c.person_id AND u.sender_id = %(sender_id)s
               AND u.outcome = 'BROKE_THROUGH' AND u.given_back_at IS NULL
               AND u.lands_at >= c.week_start AND u.lands_at < c.week_end
               AND (u.delivered_at IS NOT NULL OR EXISTS (
                   SELECT 1 FROM follow_ups f
                   WHERE f.handoff_id = u.handoff_id AND f.person_id = u.person_id
                     AND f.kind = 'DELIVERY' AND f.state IN ('PENDING', 'ENQUEUED')))
             ORDER BY u.lands_at) AS used,
       (SELECT max(k.ends_at) FROM urgency_pauses k
        WHERE k.person_id = c.person_id AND k.sender_id = %(sender_id)s
          AND k.starts_at <= %(now)s AND k.ends_at > %(now)s) AS paused_until
FROM unnest(%(ids)s::bigint[], %(week_starts)s::timestamptz[], %(week_ends)s::timestamptz[])
     AS c(person_id, week_start, week_end)
LEFT JOIN urgency_policies p ON p.person_id = c.person_id AND p.workspace_id = %(workspace_id)s;

-- name: insert_many
INSERT INTO urgent_handoffs (workspace_id, handoff_id, person_id, sender_id, reason, outcome,
                             declined_because, explanation, lands_at, created_at)
SELECT %(workspace_id)s, %(handoff_id)s, r.person_id, %(sender_id)s, %(reason)s, r.outcome,
       r.declined_because, r.explanation, r.lands_at, %(now)s
FROM jsonb_to_recordset(%(rows)s::jsonb)
     AS r(person_id bigint, outcome text, declined_because text, explanation text,
          lands_at timestamptz);

-- name: for_handoffs
SELECT * FROM urgent_handoffs
WHERE workspace_id = %(workspace_id)s AND handoff_id = ANY(%(ids)s)
ORDER BY handoff_id, person_id;

-- name: get_for_update
SELECT * FROM urgent_handoffs
WHERE workspace_id = %(workspace_id)s AND handoff_id = %(handoff_id)s
  AND person_id = %(person_id)s
FOR UPDATE;

-- name: rate
UPDATE urgent_handoffs SET rated_at = %(now)s, was_urgent = %(was_urgent)s
WHERE workspace_id = %(workspace_id)s AND handoff_id = %(handoff_id)s
  AND person_id = %(person_id)s
RETURNING *;

-- name: latest_ratings
-- The pair's newest ratings given after its latest pause began: a pause starts a clean
-- slate, so only ratings after it count towards the next one.
SELECT u.was_urgent FROM urgent_handoffs u
WHERE u.person_id = %(person_id)s AND u.sender_id = %(sender_id)s AND u.rated_at IS NOT NULL
  AND u.rated_at > coalesce(
      (SELECT max(k.starts_at) FROM urgency_pauses k
       WHERE k.person_id = %(person_id)s AND k.sender_id = %(sender_id)s), '-infinity')
ORDER BY u.rated_at DESC, u.handoff_id DESC
LIMIT %(limit)s;

-- name: start_pause
INSERT INTO urgency_pauses (workspace_id, person_id, sender_id, starts_at, ends_at)
VALUES (%(workspace_id)s, %(person_id)s, %(sender_id)s, %(starts_at)s, %(ends_at)s);

-- name: paused_until
SELECT max(k.ends_at) FROM urgency_pauses k
WHERE k.person_id = %(person_id)s AND k.sender_id = %(sender_id)s
  AND k.starts_at <= %(now)s AND k.ends_at > %(now)s;

-- name: landed
-- Break-throughs that landed with the DELIVERY follow-ups of a batch just carried out:
-- each records one `handoff.urgent_delivered` event, built here like deliver_many builds
-- `handoff.delivered` (handoff_event_data, migration 0003). delivered_at makes it once.
-- It starts from the few break-throughs still on their way (urgent_handoffs_pending), so
-- a batch of ordinary deliveries costs next to nothing.
WITH pending AS MATERIALIZED (
    SELECT handoff_id, person_id FROM urgent_handoffs
    WHERE outcome = 'BROKE_THROUGH' AND delivered_at IS NULL AND given_back_at IS NULL
), hit AS (
    SELECT p.handoff_id, p.person_id, f.due_at, f.explanation
    FROM pending p
    JOIN follow_ups f ON f.handoff_id = p.handoff_id AND f.person_id = p.person_id
    JOIN handoffs h ON h.id = p.handoff_id
    WHERE f.id = ANY(%(ids)s) AND f.kind = 'DELIVERY' AND f.state = 'DONE'
      AND h.status NOT IN ('SCHEDULED', 'CANCELLED')
), u AS (
    UPDATE urgent_handoffs u SET delivered_at = %(now)s
    FROM hit
    WHERE u.handoff_id = hit.handoff_id AND u.person_id = hit.person_id
    RETURNING u.*, hit.due_at AS follow_up_due_at, hit.explanation AS follow_up_explanation
)
INSERT INTO events (workspace_id, type, handoff_id, person_id, payload, occurred_at, public_id)
SELECT u.workspace_id, 'handoff.urgent_delivered', u.handoff_id, u.person_id,
       handoff_event_data(h, w, s, r, t)
           || jsonb_build_object(
                  'urgency', jsonb_build_object(
                      'reason', u.reason, 'outcome', u.outcome,
                      'explanation', u.explanation, 'landsAt', handoff_isoformat(u.lands_at)),
                  'followUp', jsonb_build_object(
                      'kind', 'DELIVERY', 'dueAt', handoff_isoformat(u.follow_up_due_at),
                      'explanation', u.follow_up_explanation)),
       %(now)s, 'msg_' || replace(gen_random_uuid()::text, '-', '')
FROM u
JOIN handoffs h ON h.id = u.handoff_id
JOIN work_items w ON w.id = h.work_item_id
JOIN people s ON s.id = h.sender_id
JOIN people r ON r.id = u.person_id
LEFT JOIN teams t ON t.id = h.team_id
ORDER BY u.handoff_id, u.person_id;

-- name: breaks_through
SELECT EXISTS (
    SELECT 1 FROM urgent_handoffs
    WHERE handoff_id = %(handoff_id)s AND person_id = %(person_id)s
      AND outcome = 'BROKE_THROUGH' AND delivered_at IS NULL AND given_back_at IS NULL
);

-- name: moved
-- A break-through on its way lands at a new instant (the receiver's hours changed): it
-- uses the budget of the week it lands in now.
UPDATE urgent_handoffs SET lands_at = %(lands_at)s
WHERE handoff_id = %(handoff_id)s AND person_id = %(person_id)s
  AND outcome = 'BROKE_THROUGH' AND delivered_at IS NULL AND given_back_at IS NULL;

-- name: give_back
-- The handoff was routed again as an ordinary one: its break-throughs that had not landed
-- (to %(person_ids)s only, when given) are given back.
UPDATE urgent_handoffs SET given_back_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND handoff_id = %(handoff_id)s
  AND outcome = 'BROKE_THROUGH' AND delivered_at IS NULL AND given_back_at IS NULL
  AND (%(person_ids)s::bigint[] IS NULL OR person_id = ANY(%(person_ids)s::bigint[]));
