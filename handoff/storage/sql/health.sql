-- The async-health report: facts recorded when they happen (the first answer to a
-- handoff and the receiver's working time until it), and one statement that aggregates a
-- group's history in PostgreSQL.

-- name: record_answer
-- The first answer only: later ones (completing after acknowledging) keep the first.
UPDATE handoffs SET answered_at = %(now)s, answer_working_time = %(working_time)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s AND answered_at IS NULL;

-- name: report
-- Every figure of the report but coverage and overlap (which are pure working-time sums),
-- over the handoffs that landed with the group's members with deliver_at in [from, to)
-- (handoffs_receiver_deliver), and what the members sent (handoffs_sender_deliver) and the
-- digests they got (events_digests) in the same range. The receivers' working windows and
-- delivery windows (working time minus focus blocks) come in as flat arrays and become one
-- multirange per person, so "did it land inside them" is a binary search per handoff.
WITH spans AS (
    SELECT x.pid,
           range_agg(tstzrange(x.s, x.e)) FILTER (WHERE x.kind = 'W') AS working,
           range_agg(tstzrange(x.s, x.e)) FILTER (WHERE x.kind = 'D') AS deliverable
    FROM unnest(%(span_people)s::bigint[], %(span_kinds)s::text[],
                %(span_starts)s::timestamptz[], %(span_ends)s::timestamptz[]) AS x(pid, kind, s, e)
    GROUP BY x.pid
), received AS (
    -- whether each landed inside the receiver's windows is decided here, so the aggregates
    -- below read narrow rows (never the multiranges)
    SELECT h.sender_id, h.status, coalesce(h.held, h.deliver_at > h.created_at) AS held,
           h.deliver_at, h.respond_by, h.reminders_sent,
           h.escalated_at, h.answered_at, h.answer_working_time,
           u.outcome AS urgent_outcome, u.was_urgent,
           coalesce(sp.deliverable @> h.delivered_at
                    OR (u.outcome = 'BROKE_THROUGH' AND sp.working @> h.delivered_at), false)
               AS in_hours
    FROM handoffs h
    LEFT JOIN urgent_handoffs u ON u.handoff_id = h.id AND u.person_id = h.receiver_id
    LEFT JOIN spans sp ON sp.pid = h.receiver_id
    WHERE h.workspace_id = %(workspace_id)s AND h.receiver_id = ANY(%(people)s)
      AND h.deliver_at >= %(from)s AND h.deliver_at < %(to)s AND h.delivered_at IS NOT NULL
)
SELECT
    count(*) AS received,
    count(*) FILTER (WHERE r.in_hours) AS in_hours,
    count(*) FILTER (WHERE r.held) AS held,
    percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY r.answer_working_time)
        AS response_times,
    count(r.answer_working_time) AS timed_answers,
    count(*) FILTER (
        WHERE r.respond_by IS NOT NULL
          AND (r.answered_at IS NOT NULL OR r.reminders_sent > 0 OR r.escalated_at IS NOT NULL
               OR r.respond_by <= %(now)s)
          AND NOT (r.status = 'CANCELLED' AND r.answered_at IS NULL)
    ) AS expecting_answer,
    count(*) FILTER (
        -- by the first respondBy: no reminder went, and no escalation moved it on
        WHERE r.respond_by IS NOT NULL AND r.answered_at <= r.respond_by AND r.reminders_sent = 0
          AND r.escalated_at IS NULL
    ) AS answered_in_time,
    coalesce(sum(r.reminders_sent), 0) AS reminders,
    count(r.escalated_at) AS escalated,
    count(r.urgent_outcome) AS urgent_sent,
    count(*) FILTER (WHERE r.urgent_outcome = 'BROKE_THROUGH') AS urgent_broke_through,
    count(*) FILTER (WHERE r.urgent_outcome = 'DECLINED') AS urgent_declined,
    -- a DISTINCT aggregate here would sort every received row by sender: count the few
    -- break-throughs apart (urgent_handoffs_budget)
    (SELECT count(DISTINCT u.sender_id) FROM urgent_handoffs u
     JOIN handoffs b ON b.id = u.handoff_id AND b.receiver_id = u.person_id
     WHERE u.person_id = ANY(%(people)s) AND u.outcome = 'BROKE_THROUGH'
       AND b.workspace_id = %(workspace_id)s AND b.deliver_at >= %(from)s
       AND b.deliver_at < %(to)s AND b.delivered_at IS NOT NULL
    ) AS urgent_senders,
    count(r.was_urgent) FILTER (WHERE r.urgent_outcome = 'BROKE_THROUGH') AS urgent_rated,
    count(*) FILTER (WHERE r.urgent_outcome = 'BROKE_THROUGH' AND r.was_urgent)
        AS urgent_rated_urgent,
    (SELECT count(*) FROM handoffs s
     WHERE s.workspace_id = %(workspace_id)s AND s.sender_id = ANY(%(people)s)
       AND s.deliver_at >= %(from)s AND s.deliver_at < %(to)s AND s.delivered_at IS NOT NULL
    ) AS sent,
    (SELECT count(*) FROM events e
     WHERE e.person_id = ANY(%(people)s) AND e.type = 'digest.delivered'
       AND e.occurred_at >= %(from)s AND e.occurred_at < %(to)s
       AND e.workspace_id = %(workspace_id)s
    ) AS digests,
    (SELECT coalesce(sum((e.payload->>'count')::bigint), 0) FROM events e
     WHERE e.person_id = ANY(%(people)s) AND e.type = 'digest.delivered'
       AND e.occurred_at >= %(from)s AND e.occurred_at < %(to)s
       AND e.workspace_id = %(workspace_id)s
    ) AS bundled
FROM received r;

-- name: count_received
-- The same rows as the report's, only counted: the benchmark's baseline.
SELECT count(*) FROM handoffs h
WHERE h.workspace_id = %(workspace_id)s AND h.receiver_id = ANY(%(people)s)
  AND h.deliver_at >= %(from)s AND h.deliver_at < %(to)s AND h.delivered_at IS NOT NULL;

-- name: receivers
-- How many of these people had a handoff land with them in [from, to): the report needs
-- enough of them that nobody's figures stand alone (one index probe per person,
-- handoffs_receiver_deliver).
SELECT count(*) FROM unnest(%(people)s::bigint[]) AS p(id)
WHERE EXISTS (
    SELECT 1 FROM handoffs h
    WHERE h.workspace_id = %(workspace_id)s AND h.receiver_id = p.id
      AND h.deliver_at >= %(from)s AND h.deliver_at < %(to)s AND h.delivered_at IS NOT NULL
);
