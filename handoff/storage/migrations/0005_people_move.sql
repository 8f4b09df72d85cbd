-- People move and go away: travel periods, delegations, and people leaving the team.
-- Everything here is added, nothing removed, so the previous release keeps working
-- against a migrated database while a deploy rolls.

-- Dated stays in another zone. The engine reads a person's travel from the `travel`
-- list of people.working_pattern, which every travel change rewrites from these rows in
-- the same transaction; the rows exist to give each period a stable global ID.
CREATE TABLE travel_periods (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    person_id bigint NOT NULL,
    -- local dates, both inclusive (read in the visited zone with LOCAL hours)
    start_date date NOT NULL,
    end_date date NOT NULL,
    timezone text NOT NULL,
    hours text NOT NULL CHECK (hours IN ('LOCAL', 'HOME')),
    holidays text NOT NULL CHECK (holidays IN ('HOME', 'VISITED')),
    visited_country text,
    visited_subdivision text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- at most 366 days, as the engine allows
    CHECK (end_date >= start_date AND end_date - start_date <= 365),
    CHECK (holidays = 'HOME' OR visited_country IS NOT NULL),
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX travel_periods_person ON travel_periods (person_id, start_date);

-- While a person is away, new handoffs to them go to a delegate (a person or a team).
-- `starts_at`/`ends_at` are the planned instants; `ended_at` says when it really ended
-- (endDelegation may end it early). Its start and end are follow-ups (kinds
-- DELEGATION_START / DELEGATION_END) so the relay fires them on time.
CREATE TABLE delegations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    person_id bigint NOT NULL,
    delegate_id bigint,
    delegate_team_id bigint,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    open_handoffs text NOT NULL CHECK (open_handoffs IN ('REASSIGN', 'KEEP')),
    hand_back boolean NOT NULL,
    state text NOT NULL DEFAULT 'SCHEDULED'
        CHECK (state IN ('SCHEDULED', 'ACTIVE', 'ENDED', 'CANCELLED')),
    -- the time off (local dates) it covers, when addTimeOff carried the delegate
    time_off_start date,
    time_off_end date,
    created_at timestamptz NOT NULL,
    started_at timestamptz,
    ended_at timestamptz,
    CHECK (ends_at > starts_at),
    CHECK ((delegate_id IS NULL) <> (delegate_team_id IS NULL)),
    CHECK (delegate_id IS DISTINCT FROM person_id),
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, delegate_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, delegate_team_id)
        REFERENCES teams (workspace_id, id) ON DELETE CASCADE
);
-- Only delegations that can still route are indexed: routing reads them on every handoff.
CREATE INDEX delegations_live_person ON delegations (person_id, starts_at)
    WHERE state IN ('SCHEDULED', 'ACTIVE');
CREATE INDEX delegations_live_delegate ON delegations (delegate_id)
    WHERE state IN ('SCHEDULED', 'ACTIVE');
CREATE INDEX delegations_live_ws ON delegations (workspace_id, starts_at)
    WHERE state IN ('SCHEDULED', 'ACTIVE');

-- What a delegation sent to its delegate: new handoffs routed by it and open handoffs it
-- moved. Kept after the delegation ends (delegation.ended lists them; reports count them).
CREATE TABLE delegated_handoffs (
    delegation_id bigint NOT NULL REFERENCES delegations (id) ON DELETE CASCADE,
    handoff_id bigint NOT NULL REFERENCES handoffs (id) ON DELETE CASCADE,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    -- the person it landed with at the end of the chain
    receiver_id bigint NOT NULL,
    how text NOT NULL CHECK (how IN ('NEW', 'REASSIGNED')),
    at timestamptz NOT NULL,
    handed_back_at timestamptz,
    PRIMARY KEY (delegation_id, handoff_id)
);
CREATE INDEX delegated_handoffs_handoff ON delegated_handoffs (handoff_id);

-- A handoff records whom it was addressed to when a delegation sent it elsewhere, the
-- people whose delegations it passed through (addressee first) and those delegations.
ALTER TABLE handoffs
    ADD COLUMN addressed_to_id bigint,
    ADD COLUMN delegated_via bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN delegation_ids bigint[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT handoffs_addressed_to_fkey
        FOREIGN KEY (workspace_id, addressed_to_id) REFERENCES people (workspace_id, id);
CREATE INDEX handoffs_receiver_open ON handoffs (receiver_id, id)
    WHERE status IN ('SCHEDULED', 'DELIVERED', 'ACKNOWLEDGED');

-- A follow-up is about a handoff, or about a delegation (its start or its end). The
-- kinds DELEGATION_START / DELEGATION_END are allowed by 0008: 0007 redefines the list of
-- kinds, and this file may run before or after it.
ALTER TABLE follow_ups
    ALTER COLUMN handoff_id DROP NOT NULL,
    ADD COLUMN delegation_id bigint REFERENCES delegations (id) ON DELETE CASCADE,
    ADD CONSTRAINT follow_ups_subject_check CHECK ((handoff_id IS NULL) <> (delegation_id IS NULL));
CREATE INDEX follow_ups_delegation ON follow_ups (delegation_id) WHERE delegation_id IS NOT NULL;

-- Leaving: a deactivated person receives nothing new and is in no team; an erased one
-- also has their personal data replaced by a tombstone (the row stays for the counts).
ALTER TABLE people
    ADD COLUMN deactivated_at timestamptz,
    ADD COLUMN erased_at timestamptz,
    ADD CONSTRAINT people_erased_after_deactivation
        CHECK (erased_at IS NULL OR deactivated_at IS NOT NULL);
