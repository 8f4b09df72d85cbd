"""handoff: a timezone-aware async handoff scheduler."""
