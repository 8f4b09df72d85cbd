-- The kinds of follow-up, with a delegation's start and end (0005). 0007 redefined the
-- list for REPLY after 0005 had added the delegation kinds, so the complete list comes
-- last. 0005 may be applied after 0007 on a database that had 0007 already; it leaves the
-- list alone, so both orders end here.
ALTER TABLE follow_ups DROP CONSTRAINT follow_ups_kind_check;
ALTER TABLE follow_ups ADD CONSTRAINT follow_ups_kind_check CHECK (kind IN
    ('DELIVERY', 'REMINDER', 'ESCALATION', 'REPLY', 'DELEGATION_START', 'DELEGATION_END'));
