-- A rotated webhook secret may stay in use beside the new one for a while: deliveries
-- carry both signatures (Standard Webhooks allows several), so a receiver can switch to
-- the new secret without rejecting what is in flight.
ALTER TABLE webhook_endpoints
    ADD COLUMN previous_secret text,
    ADD COLUMN previous_secret_until timestamptz,
    ADD CONSTRAINT webhook_endpoints_previous_secret_check
        CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL));
