-- route_reasons: the first lines of a handoff's explanation that say why it goes to its
-- receiver (a team's routing, a delegation, urgency, a reassignment), kept apart from the
-- lines about the receiver's hours. Planning the delivery again when those hours change
-- rebuilds the hours' lines and keeps these. Handoffs from before have none (as before).
ALTER TABLE handoffs ADD COLUMN route_reasons jsonb NOT NULL DEFAULT '[]'::jsonb;
