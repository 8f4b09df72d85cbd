-- Quick replies: a preset answer from a handoff's receiver, carried to its sender by a
-- REPLY follow-up in the sender's working hours.

-- name: create
-- The reply and the REPLY follow-up that carries it, in one statement.
WITH f AS (
    INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, digest,
                            explanation, created_at)
    VALUES (%(workspace_id)s, %(handoff_id)s, %(sender_id)s, 'REPLY', %(due_at)s, %(digest)s,
            %(explanation)s, %(now)s)
    RETURNING id
)
INSERT INTO handoff_replies (workspace_id, handoff_id, person_id, preset, text, follow_up_id,
                             created_at)
SELECT %(workspace_id)s, %(handoff_id)s, %(person_id)s, %(preset)s, %(text)s, f.id, %(now)s
FROM f
RETURNING *, %(due_at)s::timestamptz AS deliver_at;

-- name: for_handoffs
SELECT r.*, f.due_at AS deliver_at FROM handoff_replies r JOIN follow_ups f ON f.id = r.follow_up_id
WHERE r.workspace_id = %(workspace_id)s AND r.handoff_id = ANY(%(ids)s)
ORDER BY r.handoff_id, r.id;

-- name: deliver
-- Replies whose REPLY follow-ups a batch just carried out reach their senders: each records
-- one `handoff.replied` event for the sender, built here from the handoff as it reads now
-- (handoff_event_data, migration 0003). delivered_at makes it once.
WITH r AS (
    UPDATE handoff_replies r SET delivered_at = %(now)s
    FROM follow_ups f
    WHERE f.id = ANY(%(ids)s) AND f.kind = 'REPLY' AND f.state = 'DONE'
      AND r.follow_up_id = f.id AND r.delivered_at IS NULL
    RETURNING r.*, f.due_at AS follow_up_due_at, f.explanation AS follow_up_explanation
)
INSERT INTO events (workspace_id, type, handoff_id, person_id, payload, occurred_at, public_id)
SELECT r.workspace_id, 'handoff.replied', r.handoff_id, h.sender_id,
       handoff_event_data(h, w, s, rc, t)
           || jsonb_build_object(
                  'reply', jsonb_build_object(
                      'preset', r.preset, 'text', r.text, 'by', handoff_person_ref(b),
                      'repliedAt', handoff_isoformat(r.created_at)),
                  'followUp', jsonb_build_object(
                      'kind', 'REPLY', 'dueAt', handoff_isoformat(r.follow_up_due_at),
                      'explanation', r.follow_up_explanation)),
       %(now)s, 'msg_' || replace(gen_random_uuid()::text, '-', '')
FROM r
JOIN handoffs h ON h.id = r.handoff_id
JOIN work_items w ON w.id = h.work_item_id
JOIN people s ON s.id = h.sender_id
JOIN people rc ON rc.id = h.receiver_id
JOIN people b ON b.id = r.person_id
LEFT JOIN teams t ON t.id = h.team_id
ORDER BY r.id;
