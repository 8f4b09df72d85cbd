// My hours: the weekly pattern (overnight intervals allowed), focus blocks, digest times
// and time off; the API's validation errors appear at the field they name.
import { gql } from "./api.js";
import { clause, h, region, said } from "./dom.js";
import { clearFieldError, clearFieldErrors, field, mutate, sayOn, showFieldErrors } from "./fields.js";

const DAYS = [["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"], ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"]];

const MINE = `
query Mine($me: ID!) {
  node(id: $me) {
    ... on Person {
      timezone
      workingPattern {
        timezone
        weekly { mon tue wed thu fri sat sun }
        holidays { country subdivision }
        timeOff { start end reason private }
        overrides { date intervals }
      }
      deliveryPolicy { focusBlocks { mon tue wed thu fri sat sun } digestTimes }
    }
  }
}`;

const CURRENT = `
query Current($me: ID!) {
  node(id: $me) {
    ... on Person {
      workingPattern {
        timezone
        weekly { mon tue wed thu fri sat sun }
        holidays { country subdivision }
        timeOff { start end reason private }
        overrides { date intervals }
      }
    }
  }
}`;

const RESULT = `__typename ... on ValidationError { field message } ... on NotFound { message }`;
const SET_PATTERN = `mutation($me: ID!, $p: WorkingPatternInput!) { setWorkingPattern(personId: $me, pattern: $p) { ${RESULT} } }`;
const SET_POLICY = `mutation($me: ID!, $p: DeliveryPolicyInput!) { setDeliveryPolicy(personId: $me, policy: $p) { ${RESULT} } }`;
const ADD_OFF = `mutation($me: ID!, $start: Date!, $end: Date!, $reason: String, $private: Boolean!) { addTimeOff(personId: $me, start: $start, end: $end, reason: $reason, private: $private) { ${RESULT} } }`;
const REMOVE_OFF = `mutation($me: ID!, $start: Date!, $end: Date!) { removeTimeOff(personId: $me, start: $start, end: $end) { ${RESULT} } }`;

const split = (text) => text.split(",").map((x) => x.trim()).filter(Boolean);

// What a day's typed hours add up to, read as the API reads them: an end at or before
// the start runs into the next day, so 09:00-09:00 is 24 hours and 22:00-06:00 is 8.
// null when the text is not such a list (the API says what is wrong on save).
function dayTotal(text) {
  const spans = [];
  for (const part of split(text)) {
    const m = /^(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})$/.exec(part);
    if (!m) return null;
    const [sh, sm, eh, em] = m.slice(1).map(Number);
    if (sh > 23 || sm > 59 || !((eh <= 23 && em <= 59) || (eh === 24 && em === 0))) return null;
    const start = sh * 60 + sm;
    let end = eh * 60 + em;
    if (end <= start) end += 24 * 60;
    spans.push([start, end]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) if (spans[i][0] < spans[i - 1][1]) return null;
  return spans.reduce((sum, [a, b]) => sum + b - a, 0);
}

function totalText(minutes) {
  if (minutes === null) return "";
  if (minutes === 0) return "off";
  const hours = Math.floor(minutes / 60), rest = minutes % 60;
  return `${hours ? `${hours} h` : ""}${hours && rest ? " " : ""}${rest ? `${rest} min` : ""} a day`;
}

export class Hours {
  constructor({ me, onChanged }) {
    this.me = me;
    this.onChanged = onChanged;
    this.status = h("p", { class: "result", role: "status", tabindex: "-1" });
    this.form = h("form", { class: "hours", "aria-labelledby": "hours-title", novalidate: true,
      onsubmit: (e) => { e.preventDefault(); this.save(); } });
    this.timeOff = h("ul", { class: "time-off" });
    this.offForm = h("form", { class: "inline", "aria-label": "Add time off", onsubmit: (e) => { e.preventDefault(); this.addOff(); } },
      field("off-start", "From", h("input", { id: "off-start", type: "date", required: true })),
      field("off-end", "To (inclusive)", h("input", { id: "off-end", type: "date", required: true })),
      field("off-reason", "Reason", h("input", { id: "off-reason", autocomplete: "off" })),
      h("div", { class: "field check" },
        h("input", { id: "off-private", type: "checkbox" }),
        h("label", { for: "off-private" }, "Keep the reason to myself")),
      h("button", { type: "submit" }, "Add time off"));
    this.overrides = h("ul", { class: "time-off", "aria-label": "Other hours on a date" });
    this.overrideForm = h("form", { class: "inline", "aria-label": "Set hours for a date", novalidate: true, onsubmit: (e) => { e.preventDefault(); this.setOverride(); } },
      field("ov-date", "Date", h("input", { id: "ov-date", type: "date", required: true })),
      field("ov-intervals", "Hours that day", h("input", { id: "ov-intervals", autocomplete: "off", placeholder: "09:00-13:00", "aria-describedby": "ov-intervals-hint" }),
        "Empty = off that day"),
      h("button", { type: "submit" }, "Set hours for the date"));
    this.element = region("hours", "My hours", this.form,
      h("h3", {}, "Time off"), this.timeOff, this.offForm,
      h("h3", {}, "Other hours on a date"), this.overrides, this.overrideForm, this.status);
    // an error goes once its field is edited; the two dates of time off are one question
    this.element.addEventListener("input", (e) => {
      const both = ["off-start", "off-end"].includes(e.target.id);
      for (const control of both ? [this.offForm["off-start"], this.offForm["off-end"]] : [e.target]) {
        clearFieldError(this.element, control);
      }
    });
  }

  async load() {
    const { node } = await gql(MINE, { me: this.me.id });
    this.pattern = node.workingPattern;
    const policy = node.deliveryPolicy;
    const rows = DAYS.map(([day, name]) => h("tr", {},
      h("th", { scope: "row" }, name),
      h("td", { "data-label": "Working hours" }, h("input", { id: `hours-${day}`, value: this.pattern.weekly[day].join(", "), "aria-label": `${name} working hours`, "aria-describedby": `hours-hint hours-${day}-total hours-${day}-error`, oninput: (e) => { this.form.querySelector(`#hours-${day}-total`).textContent = totalText(dayTotal(e.target.value)); } }),
        h("p", { class: "muted", id: `hours-${day}-total` }, totalText(dayTotal(this.pattern.weekly[day].join(", ")))),
        h("p", { class: "error", id: `hours-${day}-error` })),
      h("td", { "data-label": "Focus blocks" }, h("input", { id: `focus-${day}`, value: policy.focusBlocks[day].join(", "), "aria-label": `${name} focus blocks`, "aria-describedby": `hours-hint focus-${day}-error` }),
        h("p", { class: "error", id: `focus-${day}-error` }))));
    this.form.replaceChildren(
      h("p", { class: "hint", id: "hours-hint" },
        `Intervals like 09:00-12:30, 13:30-17:00 in ${this.pattern.timezone}; an end before the start runs past midnight (22:00-06:00), and the same start and end is a whole day (06:00-06:00 is 24 hours).`),
      h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Day"), h("th", { scope: "col" }, "Working hours"), h("th", { scope: "col" }, "Focus blocks (never interrupted)"))), h("tbody", {}, rows)),
      field("digests", "Digest times", h("input", { id: "digests", value: policy.digestTimes.join(", "), "aria-describedby": "digests-hint" }),
        "Local times like 09:30, 14:00 at which handoffs are bundled; empty = as they come"),
      h("button", { type: "submit" }, "Save my hours"));
    this.timeOff.replaceChildren(...this.pattern.timeOff.map((t) => h("li", {},
      `${t.start} to ${t.end}${t.reason ? ` (${t.reason}${t.private ? ", only you see why" : ""})` : ""} `,
      h("button", { type: "button", "aria-label": `Remove time off ${t.start} to ${t.end}`, onclick: () => this.removeOff(t) }, "Remove"))));
    if (!this.pattern.timeOff.length) this.timeOff.append(h("li", { class: "muted" }, "None planned."));
    const overrides = [...this.pattern.overrides].sort((a, b) => (a.date < b.date ? -1 : 1));
    this.overrides.replaceChildren(...overrides.map((o) => h("li", {},
      `${o.date}: ${o.intervals.length ? o.intervals.join(", ") : "off"} `,
      h("button", { type: "button", "aria-label": `Remove the hours for ${o.date}`, onclick: () => this.removeOverride(o.date) }, "Remove"))));
    if (!overrides.length) this.overrides.append(h("li", { class: "muted" }, "Every date follows your week."));
  }

  call(query, variables, name) {
    return mutate(query, variables, name, (text, failed) => this.say(text, failed));
  }

  say(text, failed = false) {
    sayOn(this.status, text, failed);
  }

  async save() {
    clearFieldErrors(this.form);
    this.say("");
    const weekly = Object.fromEntries(DAYS.map(([d]) => [d, split(this.form.querySelector(`#hours-${d}`).value)]));
    const focus = Object.fromEntries(DAYS.map(([d]) => [d, split(this.form.querySelector(`#focus-${d}`).value)]));
    // only the weekly hours come from the form: time off, overrides, holidays and the
    // pattern's zone are read again now, so what was added elsewhere since the page
    // opened (another tab, a client of the API) is kept, not replaced by a stale copy
    const a = await this.setPattern((p) => ({ ...p, weekly }));
    if (!a) return;
    if (a.__typename !== "PersonPayload") return this.fail(a);
    const policy = { focusBlocks: focus, digestTimes: split(this.form.querySelector("#digests").value) };
    const b = await this.call(SET_POLICY, { me: this.me.id, p: policy }, "setDeliveryPolicy");
    if (!b || b.__typename !== "PersonPayload") {
      // two mutations: the hours are in, say so rather than look as if nothing was saved
      if (b) this.fail(b);
      this.say(`Your working hours were saved; your focus blocks and digest times were not${b ? " (see below)" : ""}.`, true);
      return;
    }
    await this.changed("Saved. Handoffs waiting for you moved to your new hours.");
  }

  // setWorkingPattern with the stored pattern (read now, so what was added elsewhere
  // since the page opened is kept) as `change` leaves it; the mutation's result, or null
  async setPattern(change) {
    let p;
    try {
      p = (await gql(CURRENT, { me: this.me.id })).node.workingPattern;
    } catch (e) {
      this.say(`Not saved: ${e.message}`, true);
      return null;
    }
    const pattern = change({
      timezone: p.timezone,
      weekly: p.weekly,
      holidays: p.holidays ? { country: p.holidays.country, subdivision: p.holidays.subdivision } : null,
      timeOff: p.timeOff.map((t) => ({ start: t.start, end: t.end, reason: t.reason, private: t.private })),
      overrides: p.overrides.map((o) => ({ date: o.date, intervals: o.intervals })),
    });
    return this.call(SET_PATTERN, { me: this.me.id, p: pattern }, "setWorkingPattern");
  }

  async setOverride() {
    clearFieldErrors(this.element);
    this.say("");
    const date = this.overrideForm.querySelector("#ov-date").value;
    if (!date) return showFieldErrors(this.element, "ov-date", "Choose the date.");
    const intervals = split(this.overrideForm.querySelector("#ov-intervals").value);
    // the same date again replaces its hours
    const r = await this.setPattern((p) => ({
      ...p, overrides: [...p.overrides.filter((o) => o.date !== date), { date, intervals }],
    }));
    if (!r) return;
    if (r.__typename !== "PersonPayload") return this.fail(r);
    this.overrideForm.reset();
    await this.changed(`Hours for ${date} set.`);
  }

  async removeOverride(date) {
    this.say("");
    const r = await this.setPattern((p) => ({ ...p, overrides: p.overrides.filter((o) => o.date !== date) }));
    if (!r) return;
    if (r.__typename !== "PersonPayload") return this.fail(r);
    await this.changed(`${date} follows your week again.`);
  }

  async changed(text) {
    await this.load();
    this.say(text);
    this.status.focus(); // the form was redrawn: the keyboard goes to what happened
    if (this.onChanged) this.onChanged();
  }

  // "pattern.weekly.mon.1" -> the Monday hours; "policy.focusBlocks.tue.0" -> Tuesday focus
  // anything else (the pattern as a whole: "... no working time within 730 days") is
  // said on the status line, not under a field it is not about
  fail(r) {
    const f = r.field || "";
    let id = null;
    const day = /(?:weekly|focusBlocks)\.(\w{3})/.exec(f);
    if (day) id = `${f.includes("focusBlocks") ? "focus" : "hours"}-${day[1]}`;
    else if (/(^|\.)digestTimes/.test(f)) id = "digests";
    else if (f.startsWith("start") || f.startsWith("end") || f.startsWith("reason")) id = `off-${f.split(".")[0]}`;
    else if (/overrides\.\d+\.date/.test(f)) id = "ov-date";
    else if (/overrides/.test(f)) id = "ov-intervals";
    if (id) showFieldErrors(this.element, id, r.message ? said(r.message) : "Could not save.");
    else this.say(`Not saved: ${clause(r.message)}.`, true);
  }

  async addOff() {
    clearFieldErrors(this.element);
    const v = (id) => this.offForm.querySelector(`#${id}`).value;
    this.say("");
    const r = await this.call(ADD_OFF, { me: this.me.id, start: v("off-start"), end: v("off-end"), reason: v("off-reason") || null, private: this.offForm.querySelector("#off-private").checked }, "addTimeOff");
    if (!r) return;
    if (r.__typename !== "PersonPayload") return this.fail(r);
    this.offForm.reset();
    await this.changed("Time off added.");
  }

  async removeOff(t) {
    this.say("");
    const r = await this.call(REMOVE_OFF, { me: this.me.id, start: t.start, end: t.end }, "removeTimeOff");
    if (!r) return;
    if (r.__typename !== "PersonPayload") return this.fail(r);
    await this.changed("Time off removed.");
  }
}
