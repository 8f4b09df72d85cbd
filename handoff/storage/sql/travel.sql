-- Travel periods: dated stays in another zone. The person's working_pattern carries the
-- same periods for the engine; travel changes rewrite it from these rows.

-- name: insert
INSERT INTO travel_periods (workspace_id, person_id, start_date, end_date, timezone, hours,
                            holidays, visited_country, visited_subdivision, created_at,
                            updated_at)
VALUES (%(workspace_id)s, %(person_id)s, %(start_date)s, %(end_date)s, %(timezone)s, %(hours)s,
        %(holidays)s, %(visited_country)s, %(visited_subdivision)s, %(now)s, %(now)s)
RETURNING *;

-- name: get
SELECT * FROM travel_periods WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: for_person
SELECT * FROM travel_periods
WHERE workspace_id = %(workspace_id)s AND person_id = %(person_id)s
ORDER BY start_date, id;

-- name: for_people
SELECT * FROM travel_periods
WHERE workspace_id = %(workspace_id)s AND person_id = ANY(%(ids)s)
ORDER BY person_id, start_date, id;

-- name: update
UPDATE travel_periods SET start_date = %(start_date)s, end_date = %(end_date)s,
    timezone = %(timezone)s, hours = %(hours)s, holidays = %(holidays)s,
    visited_country = %(visited_country)s, visited_subdivision = %(visited_subdivision)s,
    updated_at = %(now)s
WHERE workspace_id = %(workspace_id)s AND id = %(id)s
RETURNING *;

-- name: delete
DELETE FROM travel_periods WHERE workspace_id = %(workspace_id)s AND id = %(id)s;

-- name: delete_for_person
DELETE FROM travel_periods WHERE workspace_id = %(workspace_id)s AND person_id = %(person_id)s;

-- name: by_ids
SELECT * FROM travel_periods WHERE workspace_id = %(workspace_id)s AND id = ANY(%(ids)s);
