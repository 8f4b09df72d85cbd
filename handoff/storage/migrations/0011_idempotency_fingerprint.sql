-- What a createHandoff request asked for, hashed, beside its idempotency key: the same key
-- with a different request is refused instead of silently answered with the first handoff.
-- Handoffs made before this column existed have none and keep the old answer.
ALTER TABLE handoffs ADD COLUMN request_fingerprint bytea;
