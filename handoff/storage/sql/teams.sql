-- Teams, their members, and the round-robin position.

-- name: insert
INSERT INTO teams (workspace_id, name, routing, created_at)
VALUES (%(workspace_id)s, %(name)s, %(routing)s, %(now)s)
ON CONFLICT (workspace_id, name) DO NOTHING
RETURNING *;

-- name: get
SELECT * FROM teams WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: advance_round_robin
-- Round-robin position: read and advance under the team row's lock.
UPDATE teams SET rr_counter = rr_counter + 1
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING rr_counter - 1 AS position;

-- name: by_ids
SELECT * FROM teams WHERE workspace_id = %(workspace_id)s AND id = ANY(%(ids)s);

-- name: by_ids_any_workspace
SELECT * FROM teams WHERE id = ANY(%(ids)s);

-- name: page
SELECT * FROM teams
WHERE workspace_id = %(workspace_id)s AND id > %(after_id)s
ORDER BY id
LIMIT %(limit)s;

-- name: member_ids
SELECT team_id, person_id FROM team_members
WHERE workspace_id = %(workspace_id)s AND team_id = ANY(%(team_ids)s)
ORDER BY team_id, person_id;

-- name: add_member
INSERT INTO team_members (workspace_id, team_id, person_id, added_at)
VALUES (%(workspace_id)s, %(team_id)s, %(person_id)s, %(now)s)
ON CONFLICT DO NOTHING;

-- name: remove_member
DELETE FROM team_members
WHERE workspace_id = %(workspace_id)s AND team_id = %(team_id)s AND person_id = %(person_id)s;

-- name: members_for_share
-- A team's active members, locked FOR SHARE for routing: a concurrent pattern change of a
-- member waits for the handoff being routed, then reschedules (or reroutes) it. A member
-- being deactivated meanwhile is re-read once the lock is free and then fails
-- `deactivated_at IS NULL` (their membership row, read before the wait, is not re-read).
SELECT p.* FROM team_members m
JOIN people p ON p.workspace_id = m.workspace_id AND p.id = m.person_id
WHERE m.workspace_id = %(workspace_id)s AND m.team_id = %(team_id)s AND p.deactivated_at IS NULL
ORDER BY p.id
FOR SHARE OF p;

-- name: active_members
-- The same members for reading only (a timeline): no row locks, which would write to every
-- member's row.
SELECT p.* FROM team_members m
JOIN people p ON p.workspace_id = m.workspace_id AND p.id = m.person_id
WHERE m.workspace_id = %(workspace_id)s AND m.team_id = %(team_id)s AND p.deactivated_at IS NULL
ORDER BY p.id;

-- name: count
SELECT count(*) FROM teams WHERE workspace_id = %(workspace_id)s;
