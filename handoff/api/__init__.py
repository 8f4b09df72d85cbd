"""The GraphQL API (strawberry on FastAPI)."""
