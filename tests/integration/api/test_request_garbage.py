"""A request's objects are freed when it ends, not left to the cyclic garbage collector.

Reference cycles made per request (graphql-core's executor holding its own bound methods,
a DataLoader's load function holding the context that holds the loader) kept every
request's executor, context, loaders and loaded rows alive until a collection found them:
about a tenth of the API's CPU went to those collections, and a full one paused every
request for tens of milliseconds.
"""

from __future__ import annotations

import gc
from collections import Counter
from datetime import timedelta

from handoff.api.context import Context
from handoff.api.executor import FastExecutor
from tests.integration.api._helpers import NYC, create_handoff, create_person, mark_delivered

INBOX = """query($p: ID!) { inbox(personId: $p, first: 20) {
  edges { cursor node { id status deliverAt note { summary }
    sender { id name timezone } receiver { id name timezone } workItem { id title } } }
  pageInfo { hasNextPage } } }"""

TIMELINE = """query($p: [ID!], $from: DateTime!, $to: DateTime!) {
  teamTimeline(personIds: $p, from: $from, to: $to) {
    ... on TeamTimeline { overlapTotal rows { person { name } segments { kind start } } } } }"""

# what must not outlive a request: the executor and the context with its loaders and rows
OURS = ("FastExecutor", "Context", "DataLoader", "Person", "WorkItem", "Handoff", "Future")


async def test_requests_leave_nothing_for_the_cyclic_collector(gql, db_url, clock) -> None:
    ann = await create_person(gql, "Ann")
    bob = await create_person(gql, "Bob", NYC)
    for _ in range(3):
        sent = await create_handoff(gql, bob, ann)
        await mark_delivered(db_url, sent, clock.now() + timedelta(days=2))
    start = clock.now().replace(microsecond=0)
    timeline = {
        "p": [ann["id"], bob["id"]],
        "from": start.isoformat(),
        "to": (start + timedelta(days=7)).isoformat(),
    }

    async def requests() -> None:
        page = await gql(INBOX, {"p": ann["id"]})
        assert len(page["inbox"]["edges"]) == 3
        assert page["inbox"]["edges"][0]["node"]["sender"]["name"] == "Bob"
        rows = (await gql(TIMELINE, timeline))["teamTimeline"]["rows"]
        assert [r["person"]["name"] for r in rows] == ["Ann", "Bob"]
        await create_handoff(gql, ann, bob)

    await requests()  # the first requests fill the process's caches
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        await requests()
        gc.collect()
        left = Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert {name: left[name] for name in OURS if left[name]} == {}
    # the check itself can see such objects: a cycle through them is found
    executor, context = object.__new__(FastExecutor), object.__new__(Context)
    executor.context_value, context.loaders = context, {"cycle": executor}
    del executor, context
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert found["FastExecutor"] == 1 and found["Context"] == 1
