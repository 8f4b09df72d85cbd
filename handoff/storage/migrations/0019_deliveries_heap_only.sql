-- A delivery (SCHEDULED -> DELIVERED, delivered_at set) no longer touches any index of
-- `handoffs`, so PostgreSQL can write it as a heap-only (HOT) update: the new row version
-- goes on the same page and none of the table's eight indexes takes an entry. Before,
-- `status` and `delivered_at` were index columns, so every delivery wrote a new entry
-- into every index (about 1 ms per index for a batch of 500, a third of a batch's cost).
--
-- What those two indexes answered:
-- * lists by status (a workspace's, a receiver's): `stage` keeps the finished statuses
--   apart and puts SCHEDULED and DELIVERED together as IN_FLIGHT. It is a stored
--   generated column whose value a delivery does not change, and PostgreSQL decides HOT
--   by comparing the indexed values, so the delivery stays HOT. A list of SCHEDULED or
--   DELIVERED handoffs reads the in-flight ones of its workspace (or receiver), which
--   are few next to the finished history.
-- * the inbox (a receiver's DELIVERED handoffs by delivered_at): `handoff_inbox`, one
--   narrow row per delivered handoff, kept by the triggers below in the statement that
--   changes the handoff, whichever statement that is (the worker's batch, a transition,
--   a reroute, or SQL typed by hand). A delivery inserts one small row with one index
--   entry instead of rewriting eight.
--
-- HOT also needs room on the row's own page. Handoffs created together fall due together
-- (a surge delivers every row of a page in one transaction, before any old version can be
-- pruned), so half of each page stays free (fillfactor 50): with pages 85 or 70 percent full
-- only 20-40 percent of a surge's updates were HOT. It costs no space next to what it saves: at
-- fillfactor 100 each non-HOT delivery left its old version behind as well, and wrote
-- eight index entries (30,000 handoffs created and delivered: table 10 MB and indexes
-- 17 MB before, 11 MB and 8 MB after). Pages written before this migration keep their
-- fill.

CREATE FUNCTION handoff_stage(status text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN status IN ('SCHEDULED', 'DELIVERED') THEN 'IN_FLIGHT' ELSE status END
$$;

-- The stages of several statuses; immutable, so a query's plan holds the array itself.
CREATE FUNCTION handoff_stages(statuses text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array(SELECT DISTINCT handoff_stage(s) FROM unnest(statuses) AS s)
$$;

ALTER TABLE handoffs ADD COLUMN stage text NOT NULL
    GENERATED ALWAYS AS (handoff_stage(status)) STORED;
ALTER TABLE handoffs SET (fillfactor = 50);

CREATE TABLE handoff_inbox (
    receiver_id bigint NOT NULL,
    delivered_at timestamptz NOT NULL,
    handoff_id bigint NOT NULL,
    PRIMARY KEY (receiver_id, delivered_at, handoff_id)
);
-- A DELIVERED handoff without a delivery instant (only SQL typed by hand makes one) has
-- no place in the inbox's order; the old inbox query skipped it too.
INSERT INTO handoff_inbox (receiver_id, delivered_at, handoff_id)
SELECT receiver_id, delivered_at, id FROM handoffs
WHERE status = 'DELIVERED' AND delivered_at IS NOT NULL;

DROP INDEX handoffs_receiver_status;
DROP INDEX handoffs_ws_status;
-- `stage` leads: a lookup by workspace or receiver alone (an idempotency key, an id, a
-- receiver's deliveries by time) cannot use these, so on a table without statistics yet
-- (a new deployment) the planner never picks them over the index made for that lookup
-- and reads a whole workspace. With (workspace_id, stage, id) it did, for the idempotency
-- key of every createHandoff: the cost tied, and the newer index won the tie.
CREATE INDEX handoffs_stage_receiver ON handoffs (stage, receiver_id, id);
CREATE INDEX handoffs_stage_ws ON handoffs (stage, workspace_id, id);

-- A handoff has an inbox entry (receiver, delivered_at, id) while it is DELIVERED with an
-- instant; the functions remove entries that stop being that and add the new ones.
-- Updates and deletes: statement-level, with transition tables, so a batch of 500
-- deliveries runs the function once, not 500 times.
CREATE FUNCTION handoff_inbox_after_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM handoff_inbox i USING old_rows o
    WHERE o.status = 'DELIVERED' AND i.receiver_id = o.receiver_id
      AND i.delivered_at = o.delivered_at AND i.handoff_id = o.id
      AND NOT EXISTS (
          SELECT FROM new_rows n
          WHERE n.id = o.id AND n.status = 'DELIVERED' AND n.receiver_id = o.receiver_id
            AND n.delivered_at = o.delivered_at);
    INSERT INTO handoff_inbox (receiver_id, delivered_at, handoff_id)
    SELECT n.receiver_id, n.delivered_at, n.id FROM new_rows n
    WHERE n.status = 'DELIVERED' AND n.delivered_at IS NOT NULL
      AND NOT EXISTS (
          SELECT FROM old_rows o
          WHERE o.id = n.id AND o.status = 'DELIVERED' AND o.receiver_id = n.receiver_id
            AND o.delivered_at = n.delivered_at);
    RETURN NULL;
END
$$;

-- Handoffs are created SCHEDULED; only SQL typed by hand (tests, benchmarks) inserts
-- delivered ones. A row-level trigger whose WHEN is false costs an insert nearly nothing.
CREATE FUNCTION handoff_inbox_after_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO handoff_inbox (receiver_id, delivered_at, handoff_id)
    VALUES (NEW.receiver_id, NEW.delivered_at, NEW.id);
    RETURN NULL;
END
$$;

CREATE FUNCTION handoff_inbox_after_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM handoff_inbox i USING old_rows o
    WHERE o.status = 'DELIVERED' AND i.receiver_id = o.receiver_id
      AND i.delivered_at = o.delivered_at AND i.handoff_id = o.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER handoffs_inbox_update AFTER UPDATE ON handoffs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION handoff_inbox_after_update();
CREATE TRIGGER handoffs_inbox_insert AFTER INSERT ON handoffs
    FOR EACH ROW WHEN (NEW.status = 'DELIVERED' AND NEW.delivered_at IS NOT NULL)
    EXECUTE FUNCTION handoff_inbox_after_insert();
CREATE TRIGGER handoffs_inbox_delete AFTER DELETE ON handoffs
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION handoff_inbox_after_delete();
