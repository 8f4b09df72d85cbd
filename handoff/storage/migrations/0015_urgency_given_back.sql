-- given_back_at: a break-through that had not landed when its handoff was routed again (a
-- team re-routing, a reassignment, a delegation or a leaving moving it) is given back
-- then: the new route is ordinary, so it no longer uses the sender's weekly budget, is not
-- recorded as an urgent landing and is not the handoff's urgency any more.
ALTER TABLE urgent_handoffs ADD COLUMN given_back_at timestamptz;
