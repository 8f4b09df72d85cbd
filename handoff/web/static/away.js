// Away: my travel periods and who covers for me while I am off (a delegation), from the
// public API; the API's validation errors appear at the field they name.
import { gql } from "./api.js";
import { clause, h, region, said } from "./dom.js";
import { clearFieldError, clearFieldErrors, field, mutate, sayOn, showFieldErrors } from "./fields.js";
import { dayTime, fromWall, knownZones, zoneNamed } from "./time.js";

const MINE = `
query Away($me: ID!) {
  node(id: $me) {
    ... on Person {
      travel { id start end timezone hours }
      delegations {
        start end state openHandoffs handBack
        delegate { name } delegateTeam { name }
      }
    }
  }
}`;

const RESULT = `__typename ... on ValidationError { field message } ... on NotFound { message } ... on Conflict { message }`;
const ADD_TRAVEL = `mutation($i: AddTravelInput!) { addTravel(input: $i) { ${RESULT} } }`;
const UPDATE_TRAVEL = `mutation($i: UpdateTravelInput!) { updateTravel(input: $i) { ${RESULT} } }`;
const REMOVE_TRAVEL = `mutation($id: ID!) { removeTravel(id: $id) { ${RESULT} } }`;
const SET_COVER = `mutation($i: SetDelegationInput!) { setDelegation(input: $i) { ${RESULT} } }`;
const END_COVER = `mutation($me: ID!) { endDelegation(personId: $me) { ${RESULT} } }`;

const HOURS = { LOCAL: "my usual hours, on local time there", HOME: "my home hours, on home time" };
const STATE = { SCHEDULED: "planned", ACTIVE: "covering now" };

export class Away {
  constructor({ me, people, teams, zone, onChanged }) {
    this.me = me;
    this.zone = zone;
    this.onChanged = onChanged;
    this.status = h("p", { class: "result", role: "status", tabindex: "-1" });
    this.trips = h("ul", { class: "away-list", "aria-label": "Travel periods" });
    this.covers = h("ul", { class: "away-list", "aria-label": "Cover" });
    const zones = h("datalist", { id: "travel-zones" }, knownZones().map((z) => h("option", { value: z })));
    // the same form adds a trip or, after "Edit" on one, changes it in place
    this.editing = null;
    this.travelSubmit = h("button", { type: "submit" }, "Add travel");
    this.travelCancel = h("button", { type: "button", hidden: true, onclick: () => this.stopEditing() }, "Cancel");
    this.travelForm = h("form", { class: "inline", "aria-label": "Add travel", novalidate: true,
      onsubmit: (e) => { e.preventDefault(); this.saveTravel(); } },
      field("travel-start", "From", h("input", { id: "travel-start", type: "date", required: true })),
      field("travel-end", "To (inclusive)", h("input", { id: "travel-end", type: "date", required: true })),
      field("travel-timezone", "Zone there", h("input", { id: "travel-timezone", list: "travel-zones", autocomplete: "off", spellcheck: "false", placeholder: "Asia/Tokyo", required: true })),
      field("travel-hours", "Hours", h("select", { id: "travel-hours" },
        Object.entries(HOURS).map(([value, text]) => h("option", { value }, text)))),
      zones,
      this.travelSubmit, this.travelCancel);
    const others = people.filter((p) => p.id !== me.id);
    this.coverForm = h("form", { class: "inline", "aria-label": "Set cover", novalidate: true,
      onsubmit: (e) => { e.preventDefault(); this.setCover(); } },
      field("cover-delegate", "Covered by", h("select", { id: "cover-delegate", required: true },
        h("option", { value: "" }, "Choose a person or team"),
        others.length ? h("optgroup", { label: "People" }, others.map((p) => h("option", { value: `person:${p.id}` }, `${p.name} (${p.timezone})`))) : null,
        teams.length ? h("optgroup", { label: "Teams" }, teams.map((t) => h("option", { value: `team:${t.id}` }, `Team ${t.name}`))) : null)),
      field("cover-start", `From (${zone})`, h("input", { id: "cover-start", type: "datetime-local", required: true })),
      field("cover-end", `Until (${zone})`, h("input", { id: "cover-end", type: "datetime-local", required: true })),
      field("cover-open", "Handoffs you already hold", h("select", { id: "cover-open" },
        h("option", { value: "KEEP" }, "stay with me"),
        h("option", { value: "REASSIGN" }, "move to the cover when it starts"))),
      h("div", { class: "field check" },
        h("input", { id: "cover-back", type: "checkbox" }),
        h("label", { for: "cover-back" }, "Hand back what they still hold when it ends")),
      h("button", { type: "submit" }, "Set cover"));
    this.element = region("away", "Travel and cover",
      h("h3", {}, "Travel"),
      h("p", { class: "hint" }, "While you travel, handoffs land in your hours where you are (or your home hours, if you keep them)."),
      this.trips, this.travelForm,
      h("h3", {}, "Cover while you are off"),
      h("p", { class: "hint" }, "While it runs, new handoffs to you go to whoever covers, in their hours."),
      this.covers, this.coverForm, this.status);
    this.element.addEventListener("input", (e) => clearFieldError(this.element, e.target));
  }

  async load() {
    const { node } = await gql(MINE, { me: this.me.id });
    this.trips.replaceChildren(...node.travel.map((t) => h("li", {},
      `${t.start} to ${t.end} · ${t.timezone} · ${HOURS[t.hours] || t.hours} `,
      h("button", { type: "button", "aria-label": `Edit travel ${t.start} to ${t.end} (${t.timezone})`, onclick: () => this.editTravel(t) }, "Edit"),
      " ",
      h("button", { type: "button", "aria-label": `Remove travel ${t.start} to ${t.end} (${t.timezone})`, onclick: () => this.removeTravel(t) }, "Remove"))));
    if (!node.travel.length) this.trips.append(h("li", { class: "muted" }, "No travel planned."));
    // endDelegation ends the running one or calls off the next: the first listed
    const open = node.delegations.filter((d) => d.state in STATE);
    this.covers.replaceChildren(...open.map((d, i) => {
      const who = d.delegate ? d.delegate.name : `Team ${d.delegateTeam.name}`;
      const what = [
        `${who} · ${dayTime(new Date(d.start), this.zone)} – ${dayTime(new Date(d.end), this.zone)} (${this.zone}) · ${STATE[d.state]}`,
        d.openHandoffs === "REASSIGN" ? "your open handoffs move to them" : "your open handoffs stay with you",
        d.handBack ? "handed back at the end" : null,
      ].filter(Boolean).join(" · ");
      const end = d.state === "ACTIVE" ? "End now" : "Call off";
      return h("li", {}, `${what} `, i === 0
        ? h("button", { type: "button", "aria-label": `${end}: cover by ${who}`, onclick: () => this.endCover(end) }, end)
        : null);
    }));
    if (!open.length) this.covers.append(h("li", { class: "muted" }, "Nobody covers for you; nothing planned."));
  }

  call(query, variables, name) {
    return mutate(query, variables, name, (text, failed) => this.say(text, failed));
  }

  say(text, failed = false) {
    sayOn(this.status, text, failed);
  }

  // "input.timezone" -> the travel form's zone field; Conflict and NotFound on the status
  // line: they are about the request as a whole
  fail(r, prefix) {
    const key = (r.field || "").replace(/^input\./, "").split(".")[0];
    const id = { delegateId: "delegate", delegateTeamId: "delegate", openHandoffs: "open", handBack: "back" }[key] || key;
    const control = id && this.element.querySelector(`#${prefix}-${id}`);
    if (control) showFieldErrors(this.element, `${prefix}-${id}`, said(r.message));
    else this.say(`Not saved: ${clause(r.message)}.`, true);
  }

  async done(text) {
    await this.load(); // what the status line says is on screen when it says it
    this.say(text);
    this.status.focus(); // the list was redrawn: the keyboard goes to what happened
    if (this.onChanged) this.onChanged();
  }

  // "Edit" on a trip: its values in the form, which now saves that trip
  editTravel(t) {
    clearFieldErrors(this.element);
    this.say("");
    const f = this.travelForm;
    f.querySelector("#travel-start").value = t.start;
    f.querySelector("#travel-end").value = t.end;
    f.querySelector("#travel-timezone").value = t.timezone;
    f.querySelector("#travel-hours").value = t.hours;
    this.editing = t.id;
    f.setAttribute("aria-label", `Edit travel ${t.start} to ${t.end}`);
    this.travelSubmit.textContent = "Save travel";
    this.travelCancel.hidden = false;
    f.querySelector("#travel-start").focus();
  }

  stopEditing() {
    clearFieldErrors(this.element);
    this.editing = null;
    this.travelForm.reset();
    this.travelForm.setAttribute("aria-label", "Add travel");
    this.travelSubmit.textContent = "Add travel";
    this.travelCancel.hidden = true;
  }

  async saveTravel() {
    clearFieldErrors(this.element);
    this.say("");
    const f = this.travelForm;
    const typed = f.querySelector("#travel-timezone").value.trim();
    const missing = [["travel-start", "Choose the first day."], ["travel-end", "Choose the last day."]]
      .find(([id]) => !f.querySelector(`#${id}`).value);
    if (missing) return showFieldErrors(this.element, ...missing);
    if (!typed) return showFieldErrors(this.element, "travel-timezone", "Type the time zone there, e.g. Asia/Tokyo.");
    const input = {
      personId: this.me.id,
      start: f.querySelector("#travel-start").value,
      end: f.querySelector("#travel-end").value,
      // the browser's spelling of a zone it knows ("asia/tokyo" -> Asia/Tokyo); else as
      // typed, so the API says what is wrong with it
      timezone: zoneNamed(typed) || typed,
      hours: f.querySelector("#travel-hours").value,
    };
    const editing = this.editing;
    const { personId, ...changes } = input; // a trip keeps its person
    const r = editing
      ? await this.call(UPDATE_TRAVEL, { i: { id: editing, ...changes } }, "updateTravel")
      : await this.call(ADD_TRAVEL, { i: input }, "addTravel");
    if (!r) return;
    if (r.__typename !== "TravelPayload") return this.fail(r, "travel");
    this.stopEditing();
    await this.done(editing
      ? "Travel changed. Handoffs waiting for you follow the new dates."
      : "Travel added. Handoffs waiting for you moved to your hours there.");
  }

  async removeTravel(t) {
    if (this.editing === t.id) this.stopEditing();
    this.say("");
    const r = await this.call(REMOVE_TRAVEL, { id: t.id }, "removeTravel");
    if (!r) return;
    if (r.__typename !== "RemoveTravelPayload") return this.fail(r, "travel");
    await this.done("Travel removed.");
  }

  async setCover() {
    clearFieldErrors(this.element);
    this.say("");
    const f = this.coverForm;
    const [kind, id] = f.querySelector("#cover-delegate").value.split(":");
    if (!id) return showFieldErrors(this.element, "cover-delegate", "Choose who covers for you.");
    const when = (name) => {
      const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(f.querySelector(`#cover-${name}`).value);
      return m ? fromWall(+m[1], +m[2], +m[3], +m[4], +m[5], this.zone).toISOString() : null;
    };
    const start = when("start");
    const end = when("end");
    if (!start) return showFieldErrors(this.element, "cover-start", "Choose when it starts.");
    if (!end) return showFieldErrors(this.element, "cover-end", "Choose when it ends.");
    const input = {
      personId: this.me.id, start, end,
      delegateId: kind === "person" ? id : null,
      delegateTeamId: kind === "team" ? id : null,
      openHandoffs: f.querySelector("#cover-open").value,
      handBack: f.querySelector("#cover-back").checked,
    };
    const r = await this.call(SET_COVER, { i: input }, "setDelegation");
    if (!r) return;
    if (r.__typename !== "DelegationPayload") return this.fail(r, "cover");
    f.reset();
    await this.done("Cover set.");
  }

  async endCover(what) {
    this.say("");
    const r = await this.call(END_COVER, { me: this.me.id }, "endDelegation");
    if (!r) return;
    if (r.__typename !== "DelegationPayload") return this.fail(r, "cover");
    await this.done(what === "End now" ? "Cover ended." : "Cover called off.");
  }
}
