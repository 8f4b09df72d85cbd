"""PostgreSQL access: one module per stored thing, each owning its named queries
(`sql/<thing>.sql`) and returning models (`models.py`). The only place with SQL."""
