"""The demo workspace `handoff dev` seeds on its first run.

A follow-the-sun team across five zones, each person with their own way of working:

- Ana de Vries, Europe/Amsterdam: Monday to Thursday (a "trail Friday": Friday off),
  focus time 09:00-11:00, Dutch public holidays.
- Maya Johnson, America/New_York: Monday to Friday, takes everything in two digests a
  day (09:30 and 14:00), US holidays.
- Priya Raman, Asia/Kolkata: Monday to Friday 10:00-18:30, focus 14:00-16:00.
- Liam O'Connor, Australia/Sydney: Monday to Friday 08:30-16:30, NSW holidays.
- Sofia Alves, America/Sao_Paulo: Monday to Friday 08:00-17:00, Brazilian holidays
  (five people: the smallest group the async-health report answers for).

Each of them hands something on just before the demo is seeded, to someone in another
zone, so the handoffs land over the coming hours and days in each receiver's own hours
(after focus time, at a digest, after a day off), with the explanation; a newcomer
watches the engine act instead of finding everything delivered in the past. One more
went out a day earlier, has landed, and will be reminded once its response window has
run in the receiver's working time. And one goes to the team, routed follow-the-sun.

Everything goes through the services layer, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection

DEMO_WORKSPACE = "demo"

MON_THU = ("mon", "tue", "wed", "thu")
MON_FRI = ("mon", "tue", "wed", "thu", "fri")


@dataclass(frozen=True)
class DemoPerson:
    handle: str
    name: str
    email: str
    timezone: str
    days: tuple[str, ...]
    start: str
    end: str
    holidays: dict[str, Any] | None = None
    focus: str | None = None  # "HH:MM-HH:MM" on every working day
    digests: tuple[str, ...] = ()

    def working_pattern(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "weekly": {day: [f"{self.start}-{self.end}"] for day in self.days},
            "holidays": self.holidays,
        }

    def delivery_policy(self) -> dict[str, Any]:
        policy: dict[str, Any] = {}
        if self.focus:
            policy["focus_blocks"] = {day: [self.focus] for day in self.days}
        if self.digests:
            policy["digest_times"] = list(self.digests)
        return policy


PEOPLE = (
    DemoPerson(
        "ana",
        "Ana de Vries",
        "ana@example.com",
        "Europe/Amsterdam",
        MON_THU,
        "09:00",
        "17:00",
        holidays={"country": "NL"},
        focus="09:00-11:00",
    ),
    DemoPerson(
        "maya",
        "Maya Johnson",
        "maya@example.com",
        "America/New_York",
        MON_FRI,
        "09:00",
        "17:30",
        holidays={"country": "US", "subdivision": "NY"},
        digests=("09:30", "14:00"),
    ),
    DemoPerson(
        "priya",
        "Priya Raman",
        "priya@example.com",
        "Asia/Kolkata",
        MON_FRI,
        "10:00",
        "18:30",
        focus="14:00-16:00",
    ),
    DemoPerson(
        "liam",
        "Liam O'Connor",
        "liam@example.com",
        "Australia/Sydney",
        MON_FRI,
        "08:30",
        "16:30",
        holidays={"country": "AU", "subdivision": "NSW"},
    ),
    DemoPerson(
        "sofia",
        "Sofia Alves",
        "sofia@example.com",
        "America/Sao_Paulo",
        MON_FRI,
        "08:00",
        "17:00",
        holidays={"country": "BR"},
        focus="09:30-11:30",
    ),
)
TEAM_NAME = "Follow the Sun"


@dataclass(frozen=True)
class DemoHandoff:
    sender: str
    receiver: str
    title: str
    summary: str
    done: str
    next: str
    questions: tuple[str, ...]
    respond_within: timedelta | None


HANDOFFS = (
    DemoHandoff(
        "ana",
        "liam",
        "Checkout latency regression",
        "p99 of /checkout doubled after Tuesday's deploy; bisected to the pricing cache.",
        "Reverted the cache TTL change on staging; p99 is back to 180 ms there.",
        "Confirm on production canary, then roll the revert out region by region.",
        ("Is APAC traffic also affected, or only EU?",),
        timedelta(hours=4),
    ),
    DemoHandoff(
        "liam",
        "maya",
        "Billing export for ACME",
        "ACME needs the monthly billing export re-run with the corrected VAT rates.",
        "Fixed the VAT table and re-ran the export for AU and NZ.",
        "Re-run the US and CA exports and send the files to their finance contact.",
        ("Do they want one file per region or a merged one?",),
        timedelta(hours=6),
    ),
    DemoHandoff(
        "maya",
        "priya",
        "Data migration dry run",
        "The dry run of the orders migration stopped at 62% on a duplicate key.",
        "Found 14 duplicate order ids from the 2019 import; wrote a dedup script.",
        "Run the dedup script on the snapshot and restart the dry run.",
        ("Should the duplicates be merged or archived?",),
        timedelta(hours=8),
    ),
    DemoHandoff(
        "maya",
        "ana",
        "Release 2.4 notes",
        "Release notes for 2.4 need the EU privacy section before Monday's release.",
        "Drafted everything except the EU privacy section.",
        "Write the privacy section and hand the notes to Priya for the final review.",
        (),
        timedelta(hours=4),
    ),
    DemoHandoff(
        "sofia",
        "priya",
        "Sandbox limits for LATAM partners",
        "Two LATAM partners start next week and hit the sandbox rate limit in their tests.",
        "Raised their sandbox quota; the integration checklist is translated.",
        "Raise the API gateway limit for their keys before Monday's kickoff.",
        ("Should the higher limit stay after their first week?",),
        timedelta(hours=8),
    ),
    DemoHandoff(
        "liam",
        "sofia",
        "Invoice PDFs in Portuguese",
        "Brazilian customers get English invoice PDFs; the translated template is ready.",
        "Translated the template and checked it against three real invoices.",
        "Switch the template for pt-BR accounts and ask two customers to confirm.",
        ("Do the tax lines need the CNPJ of our local entity?",),
        timedelta(hours=8),
    ),
)
# Sent a day before the others: it has landed by now, and its reminder comes once the
# rest of its window (counted from the seed) has run in the receiver's working time.
REMINDED = DemoHandoff(
    "priya",
    "liam",
    "Flaky payment webhook",
    "The payment provider's webhook times out about once an hour since Tuesday.",
    "Added retries with back-off; the timeouts are in their TLS handshake, not our code.",
    "Open a ticket with the provider and attach the handshake traces.",
    ("Can we switch to their regional endpoint meanwhile?",),
    None,
)
REMINDED_AFTER = timedelta(hours=4)  # of Liam's working time from the seed on


async def seed_demo(
    conn: AsyncConnection[Any],
    now: datetime,
    progress: Callable[[str], None] | None = None,
) -> str:
    """Create the demo workspace once; returns a one-line summary of what happened."""
    from handoff.services.follow_ups import handle_batch
    from handoff.services.handoffs import NewHandoff, Note, create_handoff
    from handoff.services.people import create_person
    from handoff.services.routing import times_for
    from handoff.services.teams import create_team
    from handoff.states import Routing
    from handoff.storage import follow_ups, workspaces
    from handoff.storage import people as stored_people

    def step(message: str) -> None:
        if progress is not None:
            progress(message)

    # the people and the team exist from before the oldest handoff
    setup_at = now - timedelta(days=14)
    workspace = await workspaces.ensure(conn, DEMO_WORKSPACE, setup_at)
    ws = workspace.id
    if await stored_people.count(conn, ws) > 0:
        return f"workspace {DEMO_WORKSPACE!r} already seeded; left as it is"

    people = {}
    for p in PEOPLE:
        step(f"person {p.name} ({p.timezone})")
        people[p.handle] = await create_person(
            conn,
            ws,
            setup_at,
            name=p.name,
            handle=p.handle,
            timezone=p.timezone,
            email=p.email,
            working_pattern=p.working_pattern(),
            delivery_policy=p.delivery_policy(),
        )
    step(f"team {TEAM_NAME}")
    team = await create_team(
        conn,
        ws,
        setup_at,
        TEAM_NAME,
        Routing.FOLLOW_THE_SUN,
        [person.id for person in people.values()],
    )
    # the reminded one first: sent a day or more ago, early enough that it has landed in
    # Liam's hours by now (seeded on his weekend or a holiday, a day ago is not), its window
    # reaching REMINDED_AFTER past now
    liam = people[REMINDED.receiver]
    sent = now - timedelta(days=1)
    landed = times_for(liam, sent, None).deliver_at
    while landed > now:
        sent -= timedelta(days=1)
        landed = times_for(liam, sent, None).deliver_at
    window = REMINDED_AFTER + liam.pattern.working_time_between(landed, max(landed, now))
    demo: list[tuple[DemoHandoff, datetime, timedelta | None]] = [(REMINDED, sent, window)]
    demo += [
        (h, now - timedelta(minutes=5 * (len(HANDOFFS) - i)), h.respond_within)
        for i, h in enumerate(HANDOFFS)
    ]
    for h, sent_at, respond_within in demo:
        step(f"handoff {h.title!r}: {h.sender} -> {h.receiver}")
        made, _ = await create_handoff(
            conn,
            ws,
            sent_at,
            NewHandoff(
                sender_id=people[h.sender].id,
                note=Note(h.summary, h.done, h.next, list(h.questions)),
                new_work_item_title=h.title,
                to_person_id=people[h.receiver].id,
                respond_within=respond_within,
                idempotency_key=f"demo-seed:{h.title}",
            ),
        )
        if h is REMINDED:
            # it landed in Liam's hours yesterday, as the worker would have delivered it,
            # not at the worker's first tick after the seed (outside his hours)
            [delivery] = (await follow_ups.for_handoffs(conn, ws, [made.id]))[made.id]
            await handle_batch(conn, [(delivery.id, delivery.version)], landed)
    step(f"handoff 'Customer escalation: SSO outage' -> team {TEAM_NAME}")
    await create_handoff(
        conn,
        ws,
        now,
        NewHandoff(
            sender_id=people["priya"].id,
            note=Note(
                "ACME's SSO logins fail for users with a '+' in their email.",
                "Reproduced it; the IdP callback double-decodes the address.",
                "Whoever is up next: ship the one-line fix and tell ACME.",
                ["Do we need a hotfix release or can it wait for 2.4?"],
            ),
            new_work_item_title="Customer escalation: SSO outage",
            to_team_id=team.id,
            respond_within=timedelta(hours=2),
            idempotency_key="demo-seed:sso-escalation",
        ),
    )
    return (
        f"workspace {DEMO_WORKSPACE!r}: {len(PEOPLE)} people, 1 team, {len(HANDOFFS) + 2} handoffs"
    )
