"""What a follow-up batch reads before it acts: handoffs with their work items, teams and
people, and the people who took over the work of those who left."""

from __future__ import annotations

from dataclasses import dataclass, field

from handoff.storage import handoffs, people, teams, work_items
from handoff.storage.models import Handoff, Person, Team, WorkItem
from handoff.storage.run import Conn

# successors of successors who left too are followed this far
SUCCESSION_HOPS = 10


@dataclass
class Context:
    """Handoffs, people, work items and teams a batch needs."""

    handoffs: dict[int, Handoff] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    work_items: dict[int, WorkItem] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)

    async def load(self, conn: Conn, handoff_ids: set[int], person_ids: set[int]) -> None:
        """Read these handoffs with their work items, teams and people (four queries)."""
        if handoff_ids:
            for h in await handoffs.by_ids_any_workspace(conn, sorted(handoff_ids)):
                self.handoffs[h.id] = h
        found = self.handoffs.values()
        await self.load_people(
            conn, person_ids | {p for h in found for p in (h.sender_id, h.receiver_id)}
        )
        item_ids = sorted({h.work_item_id for h in found} - self.work_items.keys())
        if item_ids:
            for w in await work_items.by_ids_any_workspace(conn, item_ids):
                self.work_items[w.id] = w
        team_ids = sorted({h.team_id for h in found if h.team_id is not None} - self.teams.keys())
        if team_ids:
            for t in await teams.by_ids_any_workspace(conn, team_ids):
                self.teams[t.id] = t

    async def load_people(self, conn: Conn, ids: set[int]) -> None:
        missing = sorted(ids - self.people.keys())
        if missing:
            for p in await people.by_ids_any_workspace(conn, missing):
                self.people[p.id] = p
        await self.load_successors(conn)

    async def load_successors(self, conn: Conn) -> None:
        """The people who took over the work of those loaded who left (and of theirs)."""
        for _ in range(SUCCESSION_HOPS):
            wanted = {
                p.successor_id
                for p in self.people.values()
                if p.deactivated_at is not None and p.successor_id is not None
            } - self.people.keys()
            if not wanted:
                return
            for p in await people.by_ids_any_workspace(conn, sorted(wanted)):
                self.people[p.id] = p
