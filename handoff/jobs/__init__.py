"""The arq side of delivery: the relay (PostgreSQL -> Redis) and the batch job.

Nothing runs at import. `worker.worker_settings` builds the arq settings; `worker.run_due`
drives one relay pass plus the due jobs deterministically for tests.
"""
