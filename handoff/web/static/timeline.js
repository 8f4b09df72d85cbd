// The team timeline: a week of everybody's hours side by side on one axis in the
// viewer's zone (switchable), drawn as SVG from `teamTimeline`.
import { gql } from "./api.js";
import { h, region, s } from "./dom.js";
import { addDays, browserZone, clock, dayTime, fromWall, knownZones, startOfWeek, wall, zoneNamed } from "./time.js";

const TIMELINE = `
query Timeline($from: DateTime!, $to: DateTime!, $team: ID, $people: [ID!]) {
  teamTimeline(from: $from, to: $to, teamId: $team, personIds: $people) {
    __typename
    ... on TeamTimeline {
      overlap { start end }
      gaps { start end }
      rows {
        person { id name timezone localTime }
        workingTime
        segments { kind start end startLocal endLocal zone label startsBefore endsAfter }
      }
    }
    ... on ValidationError { field message }
    ... on NotFound { message }
  }
}`;

const LABEL_W = 190;
const ROW_H = 42;
const HEAD_H = 44;
const GROUP_H = 30;
const KIND_TEXT = {
  WORKING: "working", FOCUS: "focus time", DIGEST: "digest", HOLIDAY: "public holiday",
  TIME_OFF: "time off", DAY_OFF: "day off", TRAVEL: "travelling",
};

export class Timeline {
  constructor({ zone, groups, now }) {
    this.zone = zone || browserZone();
    this.groups = groups; // [{label, team?, people?}]
    this.group = groups[0];
    this.now = now;
    this.weekStart = startOfWeek(now(), this.zone);
    this.marks = [];
    this.data = null;
    this.zoneInput = h("input", {
      id: "timeline-zone", list: "timeline-zones", value: this.zone, autocomplete: "off",
      onchange: () => this.setZone(this.zoneInput.value.trim()),
    });
    const zones = h("datalist", { id: "timeline-zones" },
      knownZones().map((z) => h("option", { value: z })));
    this.groupSelect = h("select", { id: "timeline-group", onchange: () => {
      this.group = this.groups[+this.groupSelect.value];
      this.load();
    } }, groups.map((g, i) => h("option", { value: i }, g.label)));
    this.weekLabel = h("span", { class: "week", "aria-live": "polite" });
    this.status = h("p", { class: "error", role: "alert" });
    this.canvas = h("div", { class: "timeline-canvas" });
    this.legend = h("ul", { class: "legend", "aria-label": "Legend" },
      ["WORKING", "FOCUS", "DIGEST", "DAY_OFF", "HOLIDAY", "TIME_OFF", "TRAVEL"].map((k) =>
        h("li", {}, h("span", { class: `swatch k-${k}`, "aria-hidden": "true" }), KIND_TEXT[k])),
      h("li", {}, h("span", { class: "swatch overlap", "aria-hidden": "true" }), "everyone working"),
      h("li", {}, h("span", { class: "swatch gap", "aria-hidden": "true" }), "nobody working"));
    this.element = region("timeline", "Team timeline",
      h("div", { class: "toolbar" },
        h("label", { for: "timeline-group" }, "Show"), this.groupSelect,
        h("button", { type: "button", onclick: () => this.shift(-7) }, "← Previous week"),
        this.weekLabel,
        h("button", { type: "button", onclick: () => this.shift(7) }, "Next week →"),
        h("button", { type: "button", onclick: () => { this.weekStart = startOfWeek(this.now(), this.zone); this.load(); } }, "This week"),
        // label and field wrap as one, never the label at a line's end and its field below
        h("span", { class: "nowrap-group" }, h("label", { for: "timeline-zone" }, "Time zone"), this.zoneInput, zones)),
      this.status, this.canvas, this.legend);
    new ResizeObserver(() => this.draw()).observe(this.canvas);
    this.canvas.addEventListener("scroll", () => this.pinLabels(), { passive: true });
  }

  setZone(typed) {
    const asked = typed.trim();
    if (!asked) {
      this.status.textContent = "Type a time zone, e.g. Europe/Amsterdam.";
      return;
    }
    // "utc" is UTC, "europe/amsterdam" Europe/Amsterdam; a valid name stays as typed
    const zone = zoneNamed(asked);
    if (!zone) {
      this.status.textContent = `${asked} is not a time zone this browser knows (try Europe/Amsterdam).`;
      return;
    }
    this.zoneInput.value = zone;
    this.status.textContent = "";
    // anchored mid-week: the same week seen from another zone, however far west it is
    const middle = addDays(this.weekStart, 3, this.zone);
    this.zone = zone;
    this.weekStart = startOfWeek(middle, zone);
    this.load();
  }

  shift(days) {
    this.weekStart = addDays(this.weekStart, days, this.zone);
    this.load();
  }

  mark(instant, label) {
    this.marks = instant ? [{ instant, label }] : [];
    this.draw();
  }

  async load() {
    const from = this.weekStart;
    const to = addDays(from, 7, this.zone);
    const started = performance.now();
    let data;
    try {
      data = await gql(TIMELINE, {
        from: from.toISOString(), to: to.toISOString(),
        team: this.group.team || null, people: this.group.people || null,
      });
    } catch (e) {
      if (this.weekStart !== from) return;
      this.status.textContent = `The timeline could not be loaded: ${e.message}.`;
      if (this.data) this.weekStart = this.data.from; // the week on screen, label and all
      return;
    }
    if (this.weekStart !== from) return; // another week was asked for meanwhile
    this.status.textContent = "";
    // the label names the week the chart shows, set once it arrived
    this.weekLabel.textContent = `${dayTime(from, this.zone).replace(/ \d\d:\d\d$/, "")} – ${dayTime(addDays(from, 6, this.zone), this.zone).replace(/ \d\d:\d\d$/, "")} (${this.zone})`;
    const result = data.teamTimeline;
    if (result.__typename !== "TeamTimeline") {
      this.status.textContent = result.message;
      return;
    }
    this.data = { from, to, ...result };
    this.draw();
    performance.measure("timeline-painted", { start: started, end: performance.now() });
    this.element.dataset.ready = String(Date.now());
  }

  // the names column follows a sideways scroll, so every row still says whose it is
  pinLabels() {
    this.labels?.setAttribute("transform", `translate(${this.canvas.scrollLeft} 0)`);
  }

  draw() {
    if (!this.data) return;
    // a redraw (a resize, new hours) keeps the keyboard's place in the chart
    const focused = this.canvas.contains(document.activeElement) ? document.activeElement : null;
    const row = focused?.dataset?.row;
    const place = row === undefined ? null : { row, index: inRow(this.canvas, row).indexOf(focused) };
    const { from, to, rows, overlap, gaps } = this.data;
    // narrower than this, day labels collide: a phone scrolls the chart instead
    const width = Math.max(1000, this.canvas.clientWidth || 960);
    const span = to - from;
    const x = (t) => LABEL_W + ((new Date(t) - from) / span) * (width - LABEL_W - 8);
    const dayWidth = (width - LABEL_W - 8) / 7;
    const height = HEAD_H + GROUP_H + rows.length * ROW_H + 8;
    const svg = s("svg", {
      width, height, viewBox: `0 0 ${width} ${height}`, class: "timeline",
      role: "group", tabindex: -1, // Chromium would make the chart itself a tab stop
      "aria-label": `Working hours, ${rows.length} people, times in ${this.zone}; arrow keys move between spans and people`,
    });
    // days and six-hour ticks on the viewer's clock
    for (let d = 0; d < 7; d++) {
      const day = addDays(from, d, this.zone);
      const left = x(day);
      svg.append(s("line", { x1: left, x2: left, y1: 4, y2: height, class: "day-line" }));
      const name = dayTime(day, this.zone).replace(/ \d\d:\d\d$/, "");
      // "Wednesday 23 Dec" needs about 120 px at 12 px bold; narrower days say "Wed 23 Dec"
      svg.append(s("text", { x: left + 4, y: 16, class: "day-label" },
        dayWidth < 130 ? name.replace(/^(\w{3})\w*/, "$1") : name));
      const w = wall(day, this.zone);
      for (const hour of [6, 12, 18]) {
        // on the wall clock: on a day the clocks change, 06:00 is not midnight + 6 h
        const tick = x(fromWall(w.year, w.month, w.day, hour, 0, this.zone));
        svg.append(s("line", { x1: tick, x2: tick, y1: HEAD_H, y2: height, class: "hour-line" }));
      }
    }
    // names stay in view when a phone scrolls the chart sideways (pinLabels); a screen
    // reader hears them as each row's group name instead. The background runs from the
    // top, so day labels scrolled under the names do not show through.
    const labels = s("g", { class: "row-labels", "aria-hidden": "true" },
      s("rect", { x: 0, y: 0, width: LABEL_W - 4, height, class: "labels-bg" }));
    // the group: when everyone works, when nobody does
    const gy = HEAD_H;
    labels.append(s("text", { x: 8, y: gy + 17, class: "row-label" }, "Everyone"));
    // one group per row, its spans in time order: the order a screen reader reads them
    const everyone = s("g", { role: "group", "aria-label": "Everyone" });
    const bands = [
      ...overlap.map((o) => [o, "overlap", `Everyone works ${this.range(o.start, o.end)}`]),
      ...gaps.map((g) => [g, "gap", `Nobody works ${this.range(g.start, g.end)} (follow-the-sun gap)`]),
    ].sort(([a], [b]) => new Date(a.start) - new Date(b.start));
    for (const [band, cls, label] of bands) {
      everyone.append(this.span(x(band.start), gy + 4, x(band.end) - x(band.start), GROUP_H - 8, cls, label, -1));
    }
    svg.append(everyone);
    rows.forEach((row, i) => {
      const y = HEAD_H + GROUP_H + i * ROW_H;
      const p = row.person;
      const local = clock(new Date(p.localTime), p.timezone);
      labels.append(s("text", { x: 8, y: y + 17, class: "row-label" }, p.name));
      labels.append(s("text", { x: 8, y: y + 33, class: "row-zone" }, `${p.timezone} · ${local} now`));
      // in time order; at one instant the kinds drawn on top come later (focus on work)
      const order = ["TRAVEL", "DAY_OFF", "HOLIDAY", "TIME_OFF", "WORKING", "FOCUS", "DIGEST"];
      const segments = [...row.segments].sort((a, b) =>
        new Date(a.start) - new Date(b.start) || order.indexOf(a.kind) - order.indexOf(b.kind));
      const group = s("g", { role: "group", "aria-label": `${p.name}, ${p.timezone}, ${local} now` });
      for (const seg of segments) group.append(this.segment(seg, p, x, y, i));
      svg.append(group);
    });
    const now = this.now();
    if (now >= from && now < to) {
      svg.append(s("line", { x1: x(now), x2: x(now), y1: HEAD_H - 18, y2: height, class: "now-line" }));
      svg.append(s("text", { x: x(now) + 3, y: HEAD_H - 6, class: "now-label" }, "now"));
    }
    for (const m of this.marks) {
      if (m.instant >= from && m.instant < to) {
        svg.append(s("line", { x1: x(m.instant), x2: x(m.instant), y1: HEAD_H, y2: height, class: "land-line" }));
        // near the right edge the label goes to the left of its line, or it would be cut
        const left = x(m.instant) > width - 220;
        svg.append(s("text", {
          x: x(m.instant) + (left ? -3 : 3), y: height - 4, class: "land-label",
          "text-anchor": left ? "end" : "start",
        }, m.label));
      } else {
        // off this week: say which way, at that edge
        const later = m.instant >= to;
        const when = `${dayTime(m.instant, this.zone)} ${this.zone}`;
        svg.append(s("text", {
          x: later ? width - 10 : LABEL_W + 4, y: height - 4, class: "land-label",
          "text-anchor": later ? "end" : "start",
        }, later ? `${m.label} ${when} →` : `← ${m.label} ${when}`));
      }
    }
    svg.append(labels);
    rove(svg);
    this.canvas.replaceChildren(svg);
    this.labels = labels;
    this.pinLabels();
    if (place) {
      const spans = inRow(svg, place.row);
      spans[Math.min(place.index, spans.length - 1)]?.focus();
    }
  }

  range(start, end) {
    return `${dayTime(new Date(start), this.zone)} – ${endOf(new Date(start), new Date(end), this.zone)} ${this.zone}`;
  }

  span(left, top, w, hgt, cls, label, row) {
    const rect = s("rect", {
      x: left, y: top, width: Math.max(w, 1), height: hgt, class: cls, tabindex: -1,
      role: "img", "aria-label": label, "data-row": row, "data-x": left,
    });
    hovers(rect, label);
    return rect;
  }

  segment(seg, person, x, y, row) {
    const start = new Date(seg.start);
    const end = new Date(seg.end);
    const what = KIND_TEXT[seg.kind] + (seg.label ? ` (${seg.label})` : "");
    const theirs = seg.kind === "DIGEST"
      ? `${dayTime(start, seg.zone)} ${seg.zone}`
      : `${dayTime(start, seg.zone)}–${endOf(start, end, seg.zone)} ${seg.zone}`;
    const yours = seg.kind === "DIGEST" ? dayTime(start, this.zone) : `${dayTime(start, this.zone)}–${endOf(start, end, this.zone)}`;
    // a span the week cuts is told as cut, not as hours that begin or end at the edge
    const cut = [seg.startsBefore && "began before this week", seg.endsAfter && "goes on after it"]
      .filter(Boolean).join(", ");
    const label = `${person.name}: ${what}, ${theirs} (your time ${yours})${cut ? `; ${cut}` : ""}`;
    if (seg.kind === "DIGEST") {
      const cx = x(start);
      const mark = s("path", {
        d: `M${cx} ${y + 4} l5 6 l-5 6 l-5 -6 z`, class: "k-DIGEST", tabindex: -1, role: "img",
        "aria-label": label, "data-row": row, "data-x": cx,
      });
      hovers(mark, label);
      return mark;
    }
    const inset = { TRAVEL: 1, DAY_OFF: 3, HOLIDAY: 3, TIME_OFF: 3, WORKING: 6, FOCUS: 10 }[seg.kind];
    const g = s("g", {});
    const rect = this.span(x(start), y + inset, x(end) - x(start), ROW_H - 2 * inset - 2, `seg k-${seg.kind}`, label, row);
    rect.dataset.kind = seg.kind;
    rect.dataset.person = person.name;
    g.append(rect);
    const room = x(end) - x(start) - 8;
    if (seg.label && ["HOLIDAY", "TIME_OFF"].includes(seg.kind) && room > 52) {
      // cut to the span (about 6.5 px a character at 11 px); the whole name is in the tooltip
      const fits = Math.floor(room / 6.5);
      const text = seg.label.length > fits ? `${seg.label.slice(0, fits - 1)}…` : seg.label;
      g.append(s("text", { x: x(start) + 4, y: y + ROW_H / 2 + 4, class: "seg-label" }, text));
    }
    return g;
  }
}

// One tab stop for the whole chart (a week of a dozen people is 60-odd spans): the arrow
// keys move along a row in time and up or down to the nearest span of the next row, Home
// and End to a row's ends; Tab comes back to the span focused last.
// a row's focusable spans, left to right
function inRow(scope, row) {
  return [...scope.querySelectorAll(`[data-row="${row}"]`)].sort((a, b) => a.dataset.x - b.dataset.x);
}

function rove(svg) {
  const rows = new Map();
  for (const el of svg.querySelectorAll("[data-row]")) {
    const row = Number(el.dataset.row);
    if (!rows.has(row)) rows.set(row, []);
    rows.get(row).push(el);
  }
  const order = [...rows.keys()].sort((a, b) => a - b);
  for (const list of rows.values()) list.sort((a, b) => a.dataset.x - b.dataset.x);
  const first = order.length ? rows.get(order[0])[0] : null;
  if (!first) return;
  first.setAttribute("tabindex", "0");
  let current = first;
  svg.addEventListener("focusin", (e) => {
    if (!e.target.dataset?.row || e.target === current) return;
    current.setAttribute("tabindex", "-1");
    e.target.setAttribute("tabindex", "0");
    current = e.target;
  });
  svg.addEventListener("keydown", (e) => {
    const at = e.target;
    if (!at.dataset?.row) return;
    const row = Number(at.dataset.row);
    const list = rows.get(row);
    const i = list.indexOf(at);
    const step = { ArrowDown: 1, ArrowUp: -1 }[e.key];
    let next;
    if (e.key === "ArrowRight") next = list[i + 1];
    else if (e.key === "ArrowLeft") next = list[i - 1];
    else if (e.key === "Home") next = list[0];
    else if (e.key === "End") next = list[list.length - 1];
    else if (step) {
      const other = rows.get(order[order.indexOf(row) + step]);
      const x = Number(at.dataset.x);
      next = other?.reduce((a, b) => (Math.abs(b.dataset.x - x) < Math.abs(a.dataset.x - x) ? b : a));
    } else return;
    e.preventDefault(); // the page does not scroll under the chart
    next?.focus();
  });
}

// A span's tooltip: on hover and on focus; it stays while the pointer moves onto it, and
// Escape dismisses it.
function hovers(el, label) {
  el.addEventListener("mouseenter", (e) => tip(label, e));
  el.addEventListener("focus", () => tip(label, null, el));
  el.addEventListener("mouseleave", () => untip(true));
  el.addEventListener("blur", () => untip());
}

let hiding = null;
document.addEventListener("keydown", (e) => { if (e.key === "Escape") untip(); });

function tip(text, event, target) {
  clearTimeout(hiding);
  const el = document.getElementById("tooltip");
  if (!el.dataset.hoverable) {
    el.dataset.hoverable = "yes";
    el.addEventListener("mouseenter", () => clearTimeout(hiding));
    el.addEventListener("mouseleave", () => untip());
  }
  el.textContent = text;
  el.hidden = false;
  const box = target ? target.getBoundingClientRect() : null;
  const left = event ? event.clientX : box.left;
  const top = event ? event.clientY : box.bottom;
  el.style.left = `${Math.min(left + 12, window.innerWidth - 320) + window.scrollX}px`;
  el.style.top = `${top + 12 + window.scrollY}px`;
}

// A span's end: its time, with its day when that is not the start's day.
function endOf(start, end, zone) {
  const day = (instant) => dayTime(instant, zone).replace(/ \d\d:\d\d$/, "");
  return day(start) === day(end) ? clock(end, zone) : dayTime(end, zone);
}

// `later`: the pointer left the span; give it a moment to reach the tooltip
function untip(later = false) {
  clearTimeout(hiding);
  const hide = () => { document.getElementById("tooltip").hidden = true; };
  if (later) hiding = setTimeout(hide, 300);
  else hide();
}

export { wall };
