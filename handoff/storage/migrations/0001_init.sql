-- Workspaces, people, teams, work items, handoffs, follow-ups and the event outbox.
-- Every row carries workspace_id so every query can be scoped to the caller's tenant.

CREATE TABLE workspaces (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    reminders_before_escalation integer NOT NULL DEFAULT 1
        CHECK (reminders_before_escalation BETWEEN 0 AND 20),
    created_at timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    -- sha256 of the token; the token itself is shown once and never stored
    token_hash bytea NOT NULL UNIQUE,
    label text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE TABLE people (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    handle text NOT NULL,
    email text,
    timezone text NOT NULL,
    -- the engine's canonical WorkingPattern.to_dict(); timezone is duplicated in its own
    -- column so SQL can filter and report by zone without parsing json
    working_pattern jsonb NOT NULL,
    delivery_policy jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (workspace_id, handle),
    UNIQUE (workspace_id, id)
);

CREATE TABLE teams (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name text NOT NULL,
    routing text NOT NULL CHECK (routing IN ('FOLLOW_THE_SUN', 'ROUND_ROBIN', 'ALL')),
    -- round-robin position; advanced under the team row's lock
    rr_counter bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    UNIQUE (workspace_id, name),
    UNIQUE (workspace_id, id)
);

CREATE TABLE team_members (
    workspace_id bigint NOT NULL,
    team_id bigint NOT NULL,
    person_id bigint NOT NULL,
    added_at timestamptz NOT NULL,
    PRIMARY KEY (team_id, person_id),
    FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX team_members_person ON team_members (person_id);

CREATE TABLE work_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'IN_HANDOFF', 'DONE')),
    holder_id bigint,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, holder_id) REFERENCES people (workspace_id, id)
);
CREATE INDEX work_items_ws_status ON work_items (workspace_id, status, id);

CREATE TABLE handoffs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    work_item_id bigint NOT NULL,
    sender_id bigint NOT NULL,
    -- the person it lands with: the receiver, or the member a team's routing chose
    receiver_id bigint NOT NULL,
    team_id bigint,
    summary text NOT NULL,
    done text NOT NULL DEFAULT '',
    next_steps text NOT NULL DEFAULT '',
    open_questions jsonb NOT NULL DEFAULT '[]'::jsonb,
    respond_within interval,
    status text NOT NULL DEFAULT 'SCHEDULED' CHECK (status IN
        ('SCHEDULED', 'DELIVERED', 'ACKNOWLEDGED', 'COMPLETED', 'RETURNED', 'CANCELLED')),
    created_at timestamptz NOT NULL,
    deliver_at timestamptz NOT NULL,
    respond_by timestamptz,
    explanation jsonb NOT NULL DEFAULT '[]'::jsonb,
    max_reminders integer NOT NULL CHECK (max_reminders BETWEEN 0 AND 20),
    reminders_sent integer NOT NULL DEFAULT 0,
    escalated_at timestamptz,
    delivered_at timestamptz,
    acknowledged_at timestamptz,
    completed_at timestamptz,
    returned_at timestamptz,
    return_note text,
    cancelled_at timestamptz,
    updated_at timestamptz NOT NULL,
    idempotency_key text,
    UNIQUE (workspace_id, idempotency_key),
    UNIQUE (workspace_id, id),
    FOREIGN KEY (workspace_id, work_item_id) REFERENCES work_items (workspace_id, id),
    FOREIGN KEY (workspace_id, sender_id) REFERENCES people (workspace_id, id),
    FOREIGN KEY (workspace_id, receiver_id) REFERENCES people (workspace_id, id),
    FOREIGN KEY (workspace_id, team_id) REFERENCES teams (workspace_id, id)
);
CREATE INDEX handoffs_ws_id ON handoffs (workspace_id, id);
CREATE INDEX handoffs_receiver_status ON handoffs (receiver_id, status, delivered_at, id);
CREATE INDEX handoffs_sender ON handoffs (sender_id, id);
CREATE INDEX handoffs_work_item ON handoffs (work_item_id, id);

-- A scheduled notification: the delivery of a handoff, a reminder, an escalation.
-- PostgreSQL is the truth; the relay hands rows due soon to arq, and a job acts on a
-- row only while its (state, version) is what the job was enqueued for.
CREATE TABLE follow_ups (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    handoff_id bigint NOT NULL REFERENCES handoffs (id) ON DELETE CASCADE,
    person_id bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('DELIVERY', 'REMINDER', 'ESCALATION')),
    due_at timestamptz NOT NULL,
    state text NOT NULL DEFAULT 'PENDING' CHECK (state IN
        ('PENDING', 'ENQUEUED', 'DONE', 'CANCELLED')),
    version integer NOT NULL DEFAULT 1,
    -- the digest slot this row lands in, when the person bundles deliveries
    digest boolean NOT NULL DEFAULT false,
    explanation jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at timestamptz NOT NULL,
    enqueued_at timestamptz,
    handled_at timestamptz
);
-- Only open rows are indexed, so a table with millions of finished rows stays cheap.
CREATE INDEX follow_ups_open_due ON follow_ups (due_at) WHERE state IN ('PENDING', 'ENQUEUED');
CREATE INDEX follow_ups_open_person ON follow_ups (person_id) WHERE state IN ('PENDING', 'ENQUEUED');
CREATE INDEX follow_ups_handoff ON follow_ups (handoff_id);

-- The event outbox: what webhooks carry. Written in the transaction of the change.
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    type text NOT NULL,
    handoff_id bigint,
    person_id bigint,
    payload jsonb NOT NULL,
    occurred_at timestamptz NOT NULL,
    -- standard-webhooks message id; stable across redeliveries
    public_id text NOT NULL UNIQUE,
    dispatched_at timestamptz
);
CREATE INDEX events_ws_id ON events (workspace_id, id);
CREATE INDEX events_undispatched ON events (id) WHERE dispatched_at IS NULL;
