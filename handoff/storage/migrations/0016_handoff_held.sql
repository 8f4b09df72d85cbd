-- held: whether a handoff was held for its receiver when it was sent (its first landing
-- came after it was made), fixed then: an escalation or a reassignment moves deliver_at
-- later without the sender having been held back. Earlier rows take it from what they show.
ALTER TABLE handoffs ADD COLUMN held boolean;
UPDATE handoffs SET held = deliver_at > created_at;
