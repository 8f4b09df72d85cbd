-- SQL twins of the Python that shapes event data, so the delivery engine can build a
-- `handoff.delivered` event in the statement that writes it (a 10,000-row surge never
-- round-trips payloads through Python). Each must give exactly what its twin gives; a
-- test compares `handoff_event_data` with `handoff.services.payloads.handoff_data`.

-- handoff.ids.encode: unpadded base64url of "Type:id". Written with immutable parts only
-- (text::bytea, not convert_to) so the planner inlines it; type names hold no backslash.
CREATE OR REPLACE FUNCTION handoff_global_id(type_name text, pk bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT rtrim(translate(encode((type_name || ':' || pk::text)::bytea, 'base64'), E'+/\n', '-_'), '=')
$$;

-- datetime.isoformat() of a UTC datetime (the sessions talk UTC): six digits of
-- microseconds unless they are zero, then none; offset "+00:00". `ts` appears once, so
-- the planner inlines the call.
CREATE OR REPLACE FUNCTION handoff_isoformat(ts timestamptz) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT replace(to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
                   '.000000+', '+')
$$;

-- handoff.services.payloads.person_ref
CREATE OR REPLACE FUNCTION handoff_person_ref(p people) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object('id', handoff_global_id('Person', p.id), 'name', p.name,
                              'handle', p.handle, 'timezone', p.timezone)
$$;

-- handoff.services.payloads.handoff_data(h, w, sender, receiver, team); `t` is NULL (a
-- row of NULLs, as a LEFT JOIN gives) for a handoff to a person. Pass `h` as the event
-- shows it, e.g. the row an UPDATE ... RETURNING gives. One expression without FROM, so
-- the planner inlines it into the calling statement.
CREATE OR REPLACE FUNCTION handoff_event_data(
    h handoffs, w work_items, s people, r people, t teams
) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object(
        'handoff', jsonb_build_object(
            'id', handoff_global_id('Handoff', h.id),
            'status', h.status,
            'summary', h.summary,
            'done', h.done,
            'next', h.next_steps,
            'openQuestions', h.open_questions,
            'createdAt', handoff_isoformat(h.created_at),
            'deliverAt', handoff_isoformat(h.deliver_at),
            'respondBy', handoff_isoformat(h.respond_by),
            'explanation', h.explanation,
            'returnNote', h.return_note),
        'workItem', jsonb_build_object(
            'id', handoff_global_id('WorkItem', w.id), 'title', w.title, 'status', w.status),
        'sender', handoff_person_ref(s),
        'receiver', handoff_person_ref(r),
        'team', CASE WHEN t.id IS NOT NULL THEN jsonb_build_object(
            'id', handoff_global_id('Team', t.id), 'name', t.name) END)
$$;
