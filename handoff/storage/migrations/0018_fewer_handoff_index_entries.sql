-- A delivery changes a handoff's status, so its UPDATE cannot be HOT and writes a new
-- entry into every index of the table: about 1 ms per index for a batch of 500. Two
-- indexes gave nothing the others do not.
-- handoffs_receiver_open (receiver_id, id) WHERE open: handoffs_receiver_status
-- (receiver_id, status, ...) finds a receiver's handoffs in given statuses as well.
DROP INDEX handoffs_receiver_open;
-- Most handoffs carry no idempotency key, yet the UNIQUE constraint indexed every row:
-- the partial unique index holds only the rows with a key (what ON CONFLICT needs).
CREATE UNIQUE INDEX handoffs_idempotency_key ON handoffs (workspace_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
ALTER TABLE handoffs DROP CONSTRAINT handoffs_workspace_id_idempotency_key_key;
