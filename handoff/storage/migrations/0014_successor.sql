-- successor_id: who took over a person's work when they left (deactivatePerson's
-- reassignTo, when that is a person). An unanswered handoff the person sent escalates to
-- them instead of to nobody.
ALTER TABLE people ADD COLUMN successor_id bigint;
ALTER TABLE people ADD CONSTRAINT people_successor
    FOREIGN KEY (workspace_id, successor_id) REFERENCES people (workspace_id, id);
