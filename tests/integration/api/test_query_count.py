"""Listing handoffs costs a constant number of SQL queries, whatever the page size."""

from __future__ import annotations

from typing import Any

import httpx
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from handoff.api.app import create_app
from handoff.settings import Settings
from handoff.storage.tokens import create_token
from tests.integration.api._helpers import AMS, KOLKATA, NYC, create_person, create_team, sql

QUERY = """
query($first: Int) {
  handoffs(first: $first) {
    nodes {
      id status deliverAt
      sender { id name nextReachableAt }
      receiver { id name isWorkingNow }
      team { id name members { id } }
      workItem { id title holder { id } handoffs { id } }
      followUps { id person { id } }
    }
  }
}"""


class CountingConnection(AsyncConnection):
    """Counts every statement the app sends."""

    executed = 0
    log: list[str] = []  # noqa: RUF012

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        statement = str(args[0])
        if "SET TIME ZONE" not in statement:  # the pool's per-connection setup
            type(self).executed += 1
            type(self).log.append(statement[:60])
        return await super().execute(*args, **kwargs)


async def _configure(conn: AsyncConnection) -> None:
    await conn.execute("SET TIME ZONE 'UTC'")
    await conn.commit()


async def test_listing_handoffs_costs_a_constant_number_of_queries(db_url, clock) -> None:
    pool = AsyncConnectionPool(
        db_url,
        min_size=4,
        max_size=4,
        connection_class=CountingConnection,
        kwargs={"row_factory": dict_row},
        configure=_configure,
        open=False,
    )
    await pool.open(wait=True)
    app = create_app(Settings(database_url=db_url), clock=clock, pool=pool)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://handoff.test"
            ) as http,
        ):
            async with pool.connection() as conn:
                token = await create_token(conn, "acme", clock.now())
            headers = {"Authorization": f"Bearer {token}"}

            class Client:
                token = None

                async def __call__(self, query: str, variables: dict | None = None) -> dict:
                    r = await http.post(
                        "/graphql",
                        json={"query": query, "variables": variables or {}},
                        headers=headers,
                    )
                    body = r.json()
                    assert not body.get("errors"), body
                    return body["data"]

            gql = Client()
            people = [
                await create_person(gql, f"P{i}", zone)
                for i, zone in enumerate((AMS, NYC, KOLKATA, AMS, NYC))
            ]
            team = await create_team(gql, "Sun", people[2:])
            await _bulk_handoffs(db_url, people, team, 100)

            async def cost(first: int) -> int:
                await gql("{ viewer { name } }")  # token cached, pool warm
                CountingConnection.executed = 0
                CountingConnection.log = []
                data = await gql(QUERY, {"first": first})
                assert len(data["handoffs"]["nodes"]) == first
                return CountingConnection.executed

            ten, hundred = await cost(10), await cost(100)
            assert ten == hundred, (ten, hundred, CountingConnection.log)
            # one page query, then one batched query per kind of object
            assert hundred <= 8, CountingConnection.log
    finally:
        await pool.close()


async def _bulk_handoffs(db_url: str, people: list[dict], team: dict, n: int) -> None:
    """n handoffs between varied people, each with its own work item and follow-up."""
    from tests.integration.api._helpers import pk

    ids = [pk(p["id"]) for p in people]
    for i in range(n):
        sender, receiver = ids[i % len(ids)], ids[(i + 1) % len(ids)]
        team_id = pk(team["id"]) if i % 3 == 0 else None
        await sql(
            db_url,
            """
            WITH item AS (
              INSERT INTO work_items (workspace_id, title, status, holder_id, created_at, updated_at)
              SELECT workspace_id, %(title)s, 'IN_HANDOFF', %(sender)s, now(), now()
              FROM people WHERE id = %(sender)s RETURNING id, workspace_id
            ), h AS (
              INSERT INTO handoffs (workspace_id, work_item_id, sender_id, receiver_id, team_id,
                                    summary, created_at, deliver_at, max_reminders, updated_at)
              SELECT workspace_id, id, %(sender)s, %(receiver)s, %(team)s, %(title)s,
                     now(), now(), 1, now()
              FROM item RETURNING id, workspace_id
            )
            INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, created_at)
            SELECT workspace_id, id, %(receiver)s, 'DELIVERY', now(), now() FROM h
            """,
            {"title": f"Item {i}", "sender": sender, "receiver": receiver, "team": team_id},
        )
