-- Live updates ride on the outbox (issue 12). The event row stays the truth; these
-- notifications only wake the API processes, which then read the outbox by position.
--
-- handoff_events: sent by every transaction that inserts events, at its commit (a
-- statement-level trigger; PostgreSQL folds identical notifications of one transaction
-- into one). A woken API process runs the (serialized, idempotent) dispatcher, which
-- gives the new events their outbox positions.
CREATE FUNCTION handoff_notify_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('handoff_events', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION handoff_notify_events();

-- handoff_outbox: the new last outbox position, sent when a dispatch (or a ping) moves
-- the cursor, at that transaction's commit. Every API process reads the events up to it
-- once and fans them out to its subscribers.
CREATE FUNCTION handoff_notify_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('handoff_outbox', NEW.last_position::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_cursor_notify AFTER UPDATE ON outbox_cursor
    FOR EACH ROW WHEN (NEW.last_position <> OLD.last_position)
    EXECUTE FUNCTION handoff_notify_outbox();

-- A subscription resuming with `after` replays its workspace's events by position.
CREATE INDEX events_workspace_position ON events (workspace_id, position)
    WHERE position IS NOT NULL;
-- A handoff's events in order (its history, and who held it before a reassignment).
CREATE INDEX events_handoff ON events (handoff_id, id) WHERE handoff_id IS NOT NULL;
