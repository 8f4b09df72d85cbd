"""Live updates: each API process's hub on the event outbox (woken by LISTEN/NOTIFY),
the streams GraphQL subscriptions read from it, and reachability transitions.

Nothing here knows GraphQL or HTTP; `handoff.api` wraps these streams in subscriptions.
"""
