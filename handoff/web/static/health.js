// Team health: the async-health report for a team over a recent period. It is a mirror
// for the group, never a score for a person: a group under the minimum gets an
// explanation instead of figures.
import { gql } from "./api.js";
import { h, region, said } from "./dom.js";
import { duration } from "./time.js";

const REPORT = `
query Health($team: ID, $people: [ID!], $from: DateTime!, $to: DateTime!) {
  asyncHealth(teamId: $team, personIds: $people, from: $from, to: $to) {
    __typename
    ... on AsyncHealthReport {
      received sent deliveredInHoursShare interruptionsAvoided interruptionsAvoidedShare
      digests handoffsPerDigest responseTimeMedian responseTimeP90 answeredHandoffs
      answeredBeforeRespondByShare remindersPerHandoff escalationsPerHandoff
      urgent { sent breakThroughs declined ratedUrgentShare }
      coverage { gapHoursPerWeek }
      overlaps { a { name } b { name } hoursPerWeek }
    }
    ... on GroupTooSmall { size minimum message }
    ... on ValidationError { field message }
    ... on NotFound { message }
  }
}`;

const PERIODS = [[7, "Last 7 days"], [28, "Last 4 weeks"], [91, "Last 13 weeks"]];

const share = (x) => (x === null || x === undefined ? "–" : `${Math.round(x * 100)} %`);
const number = (x, digits = 1) => (x === null || x === undefined ? "–" : x.toFixed(digits));

export class Health {
  constructor({ groups, now }) {
    this.groups = groups;
    this.now = now;
    this.group = h("select", { id: "health-group" },
      groups.map((g, i) => h("option", { value: String(i) }, g.label)));
    this.period = h("select", { id: "health-period" },
      PERIODS.map(([days, label]) => h("option", { value: String(days), selected: days === 28 }, label)));
    const controls = h("form", { class: "controls", "aria-label": "Report for", onchange: () => this.load(),
      onsubmit: (e) => e.preventDefault() },
      h("div", { class: "field" }, h("label", { for: "health-group" }, "Group"), this.group),
      h("div", { class: "field" }, h("label", { for: "health-period" }, "Period"), this.period));
    this.body = h("div", { "aria-live": "polite" });
    this.element = region("health", "Team health", controls, this.body);
  }

  async load() {
    const group = this.groups[Number(this.group.value)];
    const to = this.now();
    const from = new Date(to.getTime() - Number(this.period.value) * 86400000);
    let data;
    try {
      data = await gql(REPORT, {
        team: group.team ?? null, people: group.people ?? null,
        from: from.toISOString().replace(/\.\d+Z$/, "Z"), to: to.toISOString().replace(/\.\d+Z$/, "Z"),
      });
    } catch (e) {
      // no figures of another period under this one's heading
      this.body.replaceChildren(h("p", { class: "error", role: "alert" }, `The report could not be loaded: ${e.message}.`));
      return;
    }
    const r = data.asyncHealth;
    if (r.__typename !== "AsyncHealthReport") {
      this.body.replaceChildren(h("p", { class: "muted" }, said(r.message)));
      return;
    }
    const rows = [
      ["Handoffs received", String(r.received), `${r.sent} sent by the group`],
      ["Landed in working time, outside focus", share(r.deliveredInHoursShare), "should be 100 %"],
      ["Interruptions avoided", String(r.interruptionsAvoided), `${share(r.interruptionsAvoidedShare)} of received were held for the receiver's hours`],
      ["Handoffs per digest", number(r.handoffsPerDigest), `${r.digests} ${r.digests === 1 ? "digest" : "digests"}`],
      ["Response time (median / p90)", r.responseTimeMedian ? `${duration(r.responseTimeMedian)} / ${duration(r.responseTimeP90)}` : "–", "counted in the receiver's working time"],
      ["Answered before due", share(r.answeredBeforeRespondByShare), `${r.answeredHandoffs} answered`],
      ["Reminders / escalations per handoff", `${number(r.remindersPerHandoff, 2)} / ${number(r.escalationsPerHandoff, 2)}`, ""],
      ["Urgent break-throughs", String(r.urgent.breakThroughs), `${r.urgent.sent} sent as urgent, ${r.urgent.declined} declined; rated urgent: ${share(r.urgent.ratedUrgentShare)}`],
      ["Hours a week nobody works", number(r.coverage.gapHoursPerWeek), "follow-the-sun gaps"],
    ];
    const table = h("table", { class: "figures" },
      h("caption", { class: "muted" }, "From the handoffs the group received in the period; definitions in the README"),
      h("tbody", {}, rows.map(([name, value, note]) =>
        h("tr", {}, h("th", { scope: "row" }, name), h("td", { class: "value" }, value), h("td", { class: "muted" }, note)))));
    const pairs = [...r.overlaps].sort((a, b) => b.hoursPerWeek - a.hoursPerWeek);
    const overlap = h("details", {},
      h("summary", {}, "Overlap per pair (hours a week)"),
      h("ul", {}, pairs.map((p) => h("li", {}, `${p.a.name} and ${p.b.name}: ${number(p.hoursPerWeek)}`))));
    this.body.replaceChildren(table, overlap);
  }
}
