// My handoffs after the inbox: what I acknowledged and still have to finish (Complete,
// Return), and what I sent: where it is now, the receiver's replies and why it came back.
import { gql } from "./api.js";
import { h, keepDrafts, region, said } from "./dom.js";
import { showFieldErrors } from "./fields.js";
import { ACT } from "./inbox.js";
import { dayTime } from "./time.js";

const SENT = `id status deliverAt deliveredAt acknowledgedAt returnedAt returnNote
  note { summary } receiver { name timezone } replies { preset text sentAt by { name } }`;

const WORK = `
query Work($me: ID!) {
  inProgress: handoffs(filter: {receiverId: $me, status: ACKNOWLEDGED}, first: 50) {
    nodes { id acknowledgedAt note { summary } sender { name } workItem { title } }
  }
  scheduled: handoffs(filter: {senderId: $me, status: SCHEDULED}, first: 20, newestFirst: true) { nodes { ${SENT} } }
  delivered: handoffs(filter: {senderId: $me, status: DELIVERED}, first: 20, newestFirst: true) { nodes { ${SENT} } }
  acknowledged: handoffs(filter: {senderId: $me, status: ACKNOWLEDGED}, first: 20, newestFirst: true) { nodes { ${SENT} } }
  returned: handoffs(filter: {senderId: $me, status: RETURNED}, first: 10, newestFirst: true) { nodes { ${SENT} } }
}`;

// any event of a handoff I sent or hold may change these lists
const CHANGES = `subscription { events { type } }`;
const PRESET = { OK: "OK", WILL_DO: "Will do", NEED_INFO: "Need more information" };

export class Work {
  constructor({ me, live, zone, onOpen }) {
    this.me = me;
    this.zone = zone;
    this.onOpen = onOpen;
    this.progress = h("ol", { class: "work-list", "aria-labelledby": "work-progress" });
    this.sent = h("ol", { class: "work-list", "aria-labelledby": "work-sent" });
    this.notice = h("p", { class: "result", role: "status", tabindex: "-1" });
    this.element = region("work", "My handoffs", this.notice,
      h("h3", { id: "work-progress" }, "In progress (acknowledged, not finished)"), this.progress,
      h("h3", { id: "work-sent" }, "Sent by me"), this.sent);
    if (live) live.subscribe(CHANGES, {}, () => this.load(), null, () => this.load());
  }

  async load() {
    let data;
    try {
      data = await gql(WORK, { me: this.me.id });
    } catch (e) {
      this.notice.className = "result failed";
      this.notice.textContent = `My handoffs could not be refreshed: ${e.message}`;
      return;
    }
    // a redraw must keep what I was typing, an open form and the keyboard's place
    const restoreProgress = keepDrafts(this.progress);
    const restoreSent = keepDrafts(this.sent);
    this.progress.replaceChildren(...data.inProgress.nodes.map((item) => this.working(item)));
    if (!data.inProgress.nodes.length) this.progress.append(h("li", { class: "muted" }, "Nothing in progress."));
    const sent = [...data.scheduled.nodes, ...data.delivered.nodes, ...data.acknowledged.nodes, ...data.returned.nodes]
      .sort((a, b) => new Date(b.deliverAt) - new Date(a.deliverAt));
    this.sent.replaceChildren(...sent.map((item) => this.sentItem(item)));
    if (!sent.length) this.sent.append(h("li", { class: "muted" }, "Nothing open that you sent."));
    restoreProgress();
    restoreSent();
  }

  working(item) {
    const status = h("p", { class: "error", role: "alert" });
    const noteId = `work-return-${item.id}`;
    const note = h("textarea", { id: noteId, rows: 2, "aria-describedby": `${noteId}-error` });
    const error = h("p", { class: "error", id: `${noteId}-error` });
    const form = h("form", { class: "return", hidden: true, "data-id": item.id, "aria-label": `Return ${item.note.summary}`,
      onsubmit: async (e) => {
        e.preventDefault();
        await this.act(ACT.return, { id: item.id, note: note.value }, item, "Returned", status, noteId);
      } },
      h("label", { for: noteId }, "Why it goes back"), note, error,
      h("button", { type: "submit", "data-key": `send-back-${item.id}` }, "Send it back"));
    return h("li", { class: "work-item", "data-id": item.id },
      h("h4", {}, item.note.summary),
      h("p", { class: "meta" }, `From ${item.sender.name} · acknowledged ${dayTime(new Date(item.acknowledgedAt), this.zone)} ${this.zone} · ${item.workItem.title}`),
      h("div", { class: "actions" },
        h("button", { type: "button", "data-key": `complete-${item.id}`,
          onclick: () => this.act(ACT.complete, { id: item.id }, item, "Completed", status) }, "Complete"),
        h("button", { type: "button", class: "toggle-return", "data-key": `return-${item.id}`, "aria-expanded": "false", onclick: (e) => {
          form.hidden = !form.hidden;
          e.target.setAttribute("aria-expanded", String(!form.hidden));
          if (!form.hidden) note.focus();
        } }, "Return…"),
        h("button", { type: "button", class: "link", "data-key": `details-${item.id}`, "aria-label": `Details: ${item.note.summary}`, onclick: () => this.onOpen(item.id).catch((e) => {
          status.textContent = `The details could not be loaded: ${e.message}`;
        }) }, "Details")),
      form, status);
  }

  sentItem(item) {
    const zone = this.zone;
    const at = (iso) => `${dayTime(new Date(iso), zone)} ${zone}`;
    const where = {
      SCHEDULED: `lands ${at(item.deliverAt)}`,
      DELIVERED: `landed ${at(item.deliveredAt || item.deliverAt)}, not yet acknowledged`,
      ACKNOWLEDGED: `acknowledged ${at(item.acknowledgedAt)}`,
      RETURNED: `returned to you ${at(item.returnedAt)}`,
    }[item.status];
    return h("li", { class: `work-item sent ${item.status.toLowerCase()}`, "data-id": item.id },
      h("h4", {}, item.note.summary),
      h("p", { class: "meta" }, `To ${item.receiver.name} (${item.receiver.timezone}) · ${where}`),
      item.returnNote ? h("p", { class: "return-note" }, h("strong", {}, "Why it came back: "), item.returnNote) : null,
      item.replies.length
        ? h("ul", { class: "replies", "aria-label": "Replies" }, item.replies.map((r) =>
          h("li", {}, `${r.by.name}: ${PRESET[r.preset] || r.preset}${r.text ? ` — “${r.text}”` : ""} (${at(r.sentAt)})`)))
        : null,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "link", "data-key": `sent-details-${item.id}`, "aria-label": `Details: ${item.note.summary}`,
          onclick: () => this.onOpen(item.id).catch(() => {}) }, "Details")));
  }

  async act(query, variables, item, done, status, field = null) {
    status.textContent = "";
    if (field) document.getElementById(`${field}-error`).textContent = "";
    this.notice.textContent = "";
    let data;
    try {
      data = await gql(query, variables);
    } catch (e) {
      status.textContent = `Not done: ${e.message}`;
      return;
    }
    const r = Object.values(data)[0];
    if (r.__typename === "HandoffPayload") {
      this.notice.className = "result";
      this.notice.textContent = `${done}: ${item.note.summary}`;
      if (field) document.getElementById(field).value = ""; // sent: no longer a draft
      await this.load();
      this.notice.focus(); // the item is gone; the keyboard stays in this region
    } else if (r.__typename === "ValidationError" && field) {
      showFieldErrors(this.progress, field, said(r.message)); // said, and focused
    } else {
      status.textContent = said(r.message);
    }
  }
}
