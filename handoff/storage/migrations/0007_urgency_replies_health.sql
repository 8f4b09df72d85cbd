-- Budgeted urgency, quick replies and the async-health report (issue 15).

-- Who may break through a person's focus blocks and digest waits, and how often. A person
-- without a row has the default: anyone, one break-through per sender per week.
CREATE TABLE urgency_policies (
    workspace_id bigint NOT NULL,
    person_id bigint PRIMARY KEY,
    urgent_from text NOT NULL DEFAULT 'ANYONE'
        CHECK (urgent_from IN ('ANYONE', 'ALLOWED_SENDERS', 'NOBODY')),
    weekly_budget integer NOT NULL DEFAULT 1 CHECK (weekly_budget BETWEEN 1 AND 20),
    updated_at timestamptz NOT NULL,
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);

-- The allow-list of `urgent_from = 'ALLOWED_SENDERS'`; both ends in one workspace.
CREATE TABLE urgency_allowed_senders (
    workspace_id bigint NOT NULL,
    person_id bigint NOT NULL,
    sender_id bigint NOT NULL,
    PRIMARY KEY (person_id, sender_id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, sender_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);

-- A handoff sent as urgent, per person it was urgent for (its receiver; every notified
-- member of an ALL team): what was decided when it was sent, and the receiver's rating.
-- `lands_at` is the landing instant decided then; a break-through uses the budget of the
-- receiver's week (Monday to Monday in their zone) that holds it.
CREATE TABLE urgent_handoffs (
    workspace_id bigint NOT NULL,
    handoff_id bigint NOT NULL,
    person_id bigint NOT NULL,
    sender_id bigint NOT NULL,
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    outcome text NOT NULL CHECK (outcome IN ('BROKE_THROUGH', 'NOT_NEEDED', 'DECLINED')),
    declined_because text
        CHECK (declined_because IN ('REFUSED', 'NOT_ALLOWED', 'BUDGET_USED', 'PAUSED')),
    explanation text NOT NULL,
    lands_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    -- when a break-through landed (its handoff.urgent_delivered event was recorded)
    delivered_at timestamptz,
    rated_at timestamptz,
    was_urgent boolean,
    PRIMARY KEY (handoff_id, person_id),
    CHECK ((outcome = 'DECLINED') = (declined_because IS NOT NULL)),
    CHECK ((rated_at IS NULL) = (was_urgent IS NULL)),
    FOREIGN KEY (workspace_id, handoff_id) REFERENCES handoffs (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, sender_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);
-- the budget: a sender's break-throughs to a person, by landing instant
CREATE INDEX urgent_handoffs_budget ON urgent_handoffs (person_id, sender_id, lands_at)
    WHERE outcome = 'BROKE_THROUGH';
-- break-throughs on their way: what the delivery engine checks each batch against
CREATE INDEX urgent_handoffs_pending ON urgent_handoffs (handoff_id, person_id)
    WHERE outcome = 'BROKE_THROUGH' AND delivered_at IS NULL;
-- the pause: a pair's ratings, newest last
CREATE INDEX urgent_handoffs_ratings ON urgent_handoffs (person_id, sender_id, rated_at)
    WHERE rated_at IS NOT NULL;

-- A sender whose last three urgent handoffs to a person were rated not urgent may not
-- break through to that person for 30 days; written when the third such rating is given.
CREATE TABLE urgency_pauses (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL,
    person_id bigint NOT NULL,
    sender_id bigint NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    CHECK (ends_at > starts_at),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, sender_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX urgency_pauses_pair ON urgency_pauses (person_id, sender_id, starts_at);

-- Quick replies: a preset answer from the receiver, carried to the sender by a REPLY
-- follow-up in the sender's working hours.
ALTER TABLE follow_ups DROP CONSTRAINT follow_ups_kind_check;
ALTER TABLE follow_ups ADD CONSTRAINT follow_ups_kind_check
    CHECK (kind IN ('DELIVERY', 'REMINDER', 'ESCALATION', 'REPLY'));

CREATE TABLE handoff_replies (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL,
    handoff_id bigint NOT NULL,
    -- who replied: the receiver
    person_id bigint NOT NULL,
    preset text NOT NULL CHECK (preset IN ('OK', 'WILL_DO', 'NEED_INFO')),
    text text NOT NULL DEFAULT '' CHECK (length(text) <= 1000),
    follow_up_id bigint NOT NULL UNIQUE REFERENCES follow_ups (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    delivered_at timestamptz,
    FOREIGN KEY (workspace_id, handoff_id) REFERENCES handoffs (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX handoff_replies_handoff ON handoff_replies (handoff_id, id);

-- The first answer (acknowledged, completed, returned or replied to) and the receiver's
-- working time from landing to it, computed by the engine when the answer is given: the
-- report's response times aggregate a stored column instead of re-running the engine.
-- Answers given before this migration keep answer_working_time NULL.
ALTER TABLE handoffs
    ADD COLUMN answered_at timestamptz,
    ADD COLUMN answer_working_time interval;
UPDATE handoffs SET answered_at = least(acknowledged_at, completed_at, returned_at)
WHERE coalesce(acknowledged_at, completed_at, returned_at) IS NOT NULL;

-- The report reads a group's handoffs by landing instant, received and sent, and its
-- digests by person and time.
CREATE INDEX handoffs_receiver_deliver ON handoffs (receiver_id, deliver_at);
CREATE INDEX handoffs_sender_deliver ON handoffs (sender_id, deliver_at);
CREATE INDEX events_digests ON events (person_id, occurred_at) WHERE type = 'digest.delivered';
