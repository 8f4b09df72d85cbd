// The composer: who, what, how soon an answer is needed; as you type, a preview says
// when it lands in their time and yours, and marks it on the timeline.
import { gql } from "./api.js";
import { clause, h, region, said } from "./dom.js";
import { clock, dayTime } from "./time.js";
import { showFieldErrors, clearFieldErrors, clearFieldError } from "./fields.js";

const PREVIEW = `
query Preview($input: CreateHandoffInput!) {
  previewHandoff(input: $input) {
    __typename
    ... on HandoffPreview { deliverAt respondBy explanation receiver { name timezone } team { name } urgency { outcome explanation } }
    ... on ValidationError { field message }
    ... on NotFound { message }
    ... on Conflict { message }
  }
}`;

const CREATE = `
mutation HandOff($input: CreateHandoffInput!) {
  createHandoff(input: $input) {
    __typename
    ... on CreateHandoffPayload { created handoff { id deliverAt receiver { name } } }
    ... on ValidationError { field message }
    ... on NotFound { message }
    ... on Conflict { message }
  }
}`;

const WINDOWS = [
  ["", "No answer needed"], ["PT1H", "1 hour of their working time"],
  ["PT2H", "2 hours of their working time"], ["PT4H", "4 hours of their working time"],
  ["PT8H", "a working day (8 h)"], ["PT16H", "two working days (16 h)"],
];

const HINT = "Choose someone and write a summary: the preview says when it lands.";
const hint = () => h("p", { class: "muted" }, HINT);

function draftKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

export class Composer {
  constructor({ me, people, teams, zone, timeline, onSent }) {
    this.me = me;
    this.zone = zone;
    this.timeline = timeline;
    this.onSent = onSent;
    this.key = draftKey();
    this.pending = null;
    const recipients = [
      ...people.filter((p) => p.id !== me.id).map((p) => [`person:${p.id}`, `${p.name} (${p.timezone})`]),
      ...teams.map((t) => [`team:${t.id}`, `Team ${t.name}`]),
    ];
    const field = (id, label, control, hint) => h("div", { class: "field" },
      h("label", { for: id }, label), control,
      hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
      h("p", { class: "error", id: `${id}-error` }));
    this.to = h("select", { id: "compose-to", name: "to", required: true },
      h("option", { value: "" }, "Choose a person or team"),
      recipients.map(([v, l]) => h("option", { value: v }, l)));
    this.summary = h("input", { id: "compose-summary", name: "summary", required: true, autocomplete: "off" });
    this.done = h("textarea", { id: "compose-done", name: "done", rows: 2 });
    this.nextSteps = h("textarea", { id: "compose-next", name: "next", rows: 2 });
    this.questions = h("textarea", { id: "compose-questions", name: "questions", rows: 2, "aria-describedby": "compose-questions-hint" });
    this.window = h("select", { id: "compose-window", name: "window" },
      WINDOWS.map(([v, l]) => h("option", { value: v }, l)));
    this.title = h("input", { id: "compose-title", name: "title", autocomplete: "off", "aria-describedby": "compose-title-hint" });
    // urgency is budgeted per receiver; the checkbox stays quiet until it is asked for
    this.urgent = h("input", { type: "checkbox", id: "compose-urgent", name: "urgent",
      "aria-describedby": "compose-urgent-hint", onchange: () => { this.reasonField.hidden = !this.urgent.checked; } });
    this.reason = h("input", { id: "compose-reason", name: "reason", autocomplete: "off", maxlength: 500 });
    this.reasonField = field("compose-reason", "Why it cannot wait", this.reason);
    this.reasonField.hidden = true;
    this.button = h("button", { type: "submit" }, "Hand off");
    this.result = h("p", { class: "result", role: "status" });
    this.form = h("form", { class: "composer", "aria-label": "Hand off", novalidate: true,
      onsubmit: (e) => { e.preventDefault(); this.send(); },
      // Enter in a one-line field goes to the next field instead of sending a half-written
      // handoff; Ctrl+Enter (⌘+Enter) sends from anywhere in the form
      onkeydown: (e) => this.enter(e),
      // an error stays only until its field is edited
      oninput: (e) => { clearFieldError(this.form, e.target); this.changed(); },
      onchange: () => this.changed() },
      field("compose-to", "To", this.to),
      field("compose-summary", "Summary", this.summary),
      field("compose-title", "Work item", this.title, "Defaults to the summary"),
      field("compose-done", "Done", this.done),
      field("compose-next", "Next", this.nextSteps),
      field("compose-questions", "Open questions", this.questions, "One per line; bundle them here instead of sending several messages"),
      field("compose-window", "Expect an answer within", this.window),
      h("div", { class: "field check" }, this.urgent, h("label", { for: "compose-urgent" }, "Urgent: may break through their focus time"),
        h("p", { class: "hint", id: "compose-urgent-hint" }, "Rarely needed: each receiver allows a small weekly budget, and never outside their working hours")),
      this.reasonField,
      this.button, this.result);
    this.preview = region("preview", "Handoff preview", hint());
    this.shown = HINT;
    this.preview.setAttribute("aria-live", "polite");
    this.element = region("composer", "Hand off work", this.form);
  }

  enter(e) {
    if (e.key !== "Enter" || e.isComposing) return;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      this.form.requestSubmit();
      return;
    }
    if (e.target.tagName !== "INPUT" || e.target.type === "checkbox") return;
    e.preventDefault();
    const fields = [...this.form.querySelectorAll("input, select, textarea, button")]
      .filter((f) => !f.disabled && !f.closest("[hidden]"));
    fields[fields.indexOf(e.target) + 1]?.focus();
  }

  input(preview = false) {
    const [kind, id] = this.to.value.split(":");
    const questions = this.questions.value.split("\n").map((q) => q.trim()).filter(Boolean);
    const input = {
      note: { summary: this.summary.value, done: this.done.value, next: this.nextSteps.value, openQuestions: questions },
      // the title defaults to the summary, shortened to fit a work item's title
      newWorkItem: { title: this.title.value.trim() || shorten(this.summary.value.trim(), 120) },
    };
    if (kind === "person") input.toPersonId = id;
    if (kind === "team") input.toTeamId = id;
    if (this.window.value) input.expectResponseWithin = this.window.value;
    // a preview waits for the reason; sending without one names the field
    if (this.urgent.checked && (this.reason.value.trim() || !preview)) input.urgent = { reason: this.reason.value };
    return input;
  }

  changed() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 250);
  }

  async refresh() {
    if (!this.to.value || !this.summary.value.trim()) {
      this.pending = null;
      this.clearPreview();
      return;
    }
    const input = this.input(true);
    const asked = JSON.stringify(input);
    this.pending = asked;
    let data;
    try {
      data = await gql(PREVIEW, { input });
    } catch (e) {
      if (this.pending === asked) this.showPreview(h("p", { class: "error" }, `No preview: ${e.message}`));
      return;
    }
    if (this.pending !== asked) return; // a newer preview is on its way
    const p = data.previewHandoff;
    if (p.__typename !== "HandoffPreview") {
      this.showPreview(h("p", { class: "error" }, said(p.message)));
      return;
    }
    const at = new Date(p.deliverAt);
    const first = p.receiver.name.split(" ")[0];
    const theirs = `${dayTime(at, p.receiver.timezone)} in ${first}'s time`;
    const yours = `${yourTime(at, p.receiver.timezone, this.zone)} yours`;
    const lines = [
      h("p", { class: "lands" }, `Lands ${theirs} (${yours})`),
      h("p", { class: "muted" }, `${p.receiver.name} · ${p.receiver.timezone}${p.team ? ` · via team ${p.team.name}` : ""} · you: ${this.zone}`),
    ];
    if (p.respondBy) {
      const by = new Date(p.respondBy);
      lines.push(h("p", {}, `Answer due ${dayTime(by, p.receiver.timezone)} ${p.receiver.timezone} (${yourTime(by, p.receiver.timezone, this.zone)} yours)`));
    }
    if (p.urgency) lines.push(h("p", { class: "urgency" }, p.urgency.explanation));
    // the urgency sentence is shown above; the list gives the other reasons
    const reasons = p.explanation.filter((line) => line !== p.urgency?.explanation);
    lines.push(h("ol", { class: "explanation", "aria-label": "Why then" }, reasons.map((line) => h("li", {}, line))));
    this.showPreview(...lines);
    this.timeline.mark(at, `lands: ${p.receiver.name}`);
  }

  showPreview(...children) {
    // the region is read out when it changes: the same preview again says nothing
    const text = children.map((c) => c.textContent).join("\n");
    if (text === this.shown) return;
    this.shown = text;
    this.preview.replaceChildren(this.preview.firstChild, ...children);
  }

  // nothing to preview (nobody chosen, no summary, or just sent): the hint again, not a
  // bare heading
  clearPreview() {
    this.showPreview(hint());
    this.timeline.mark(null);
  }

  // a failure is said in the error colour, on the same status line as a success
  fail(text) {
    this.result.className = "result failed";
    this.result.textContent = text;
  }

  async send() {
    clearFieldErrors(this.form);
    this.result.textContent = "";
    if (!this.to.value) {
      showFieldErrors(this.form, "compose-to", "Choose who receives it.");
      return;
    }
    this.button.disabled = true;
    try {
      let data;
      try {
        data = await gql(CREATE, { input: { ...this.input(), idempotencyKey: this.key } });
      } catch (e) {
        // the same draft keeps its key: sending again cannot make a second handoff
        this.fail(`Not sent: ${clause(e.message)}. Try again.`);
        return;
      }
      const r = data.createHandoff;
      this.result.className = "result";
      if (r.__typename === "CreateHandoffPayload") {
        const at = new Date(r.handoff.deliverAt);
        this.result.textContent = `Handed to ${r.handoff.receiver.name}; lands ${dayTime(at, this.zone)} ${this.zone}.`;
        this.form.reset();
        this.reasonField.hidden = true;
        this.key = draftKey(); // a new draft, a new key: a double click above made one handoff
        this.pending = null;
        this.clearPreview();
        if (this.onSent) this.onSent(r.handoff);
      } else if (r.__typename === "ValidationError" && r.field === "input.idempotencyKey") {
        // An earlier send of this draft went through although its answer never came back,
        // and the draft has changed since: a new key lets this version go as a new handoff.
        this.key = draftKey();
        this.result.textContent =
          "An earlier send of this draft did go through, before your last changes. " +
          "Send again to hand over this version as well.";
      } else if (r.__typename === "ValidationError") {
        showFieldErrors(this.form, controlFor(r.field), said(r.message));
      } else {
        this.fail(said(r.message));
      }
    } finally {
      this.button.disabled = false;
    }
  }
}

// The composer's control for a field path the API names (`input.note.openQuestions.3`).
const CONTROLS = [
  ["input.note.summary", "compose-summary"],
  ["input.note.done", "compose-done"],
  ["input.note.next", "compose-next"],
  ["input.note.openQuestions", "compose-questions"],
  ["input.newWorkItem", "compose-title"],
  ["input.toPersonId", "compose-to"],
  ["input.toTeamId", "compose-to"],
  ["input.expectResponseWithin", "compose-window"],
  ["input.urgent", "compose-reason"],
];

function controlFor(field) {
  const found = CONTROLS.find(([path]) => field === path || field?.startsWith(`${path}.`));
  return found ? found[1] : "compose-summary";
}

function shorten(text, length) {
  return text.length <= length ? text : `${text.slice(0, length - 1).trimEnd()}…`;
}

// An instant on your clock, with its day when that is not the receiver's day there.
function yourTime(at, theirZone, yourZone) {
  const day = (zone) => dayTime(at, zone).replace(/ \d\d:\d\d$/, "");
  return day(theirZone) === day(yourZone) ? clock(at, yourZone) : dayTime(at, yourZone);
}
