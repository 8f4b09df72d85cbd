"""Outgoing webhooks: payloads, Standard Webhooks signing, the SSRF guard, one HTTP attempt."""
