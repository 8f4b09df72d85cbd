// The inbox: what has landed for me, oldest first, live; each item with the note, the
// sender and their local time, and the time left counted in my working time.
import { gql } from "./api.js";
import { h, region } from "./dom.js";
import { clock, dayTime, duration, fromNow } from "./time.js";

const INBOX = `
query Inbox($me: ID!) {
  viewer { person { localTime } }
  inbox(personId: $me, first: 50) {
    totalCount
    nodes {
      id deliverAt respondBy status
      workItem { title }
      note { summary done next openQuestions }
      sender { id name timezone localTime }
    }
  }
}`;

const ACT = {
  acknowledge: `mutation($id: ID!) { acknowledgeHandoff(id: $id) { __typename ... on Conflict { message } ... on NotFound { message } } }`,
  complete: `mutation($id: ID!) { completeHandoff(id: $id) { __typename ... on Conflict { message } ... on NotFound { message } } }`,
  return: `mutation($id: ID!, $note: String!) { returnHandoff(id: $id, note: $note) { __typename ... on ValidationError { field message } ... on Conflict { message } ... on NotFound { message } } }`,
};

const CHANGES = `subscription Inbox($me: ID!) { inboxChanged(personId: $me) { __typename } }`;

export class Inbox {
  constructor({ me, live, onOpen }) {
    this.me = me;
    this.onOpen = onOpen;
    this.list = h("ol", { class: "inbox-list" });
    this.count = h("p", { class: "muted", "aria-live": "polite" });
    this.element = region("inbox", "Inbox", this.count, this.list);
    this.element.setAttribute("aria-busy", "true");
    if (live) {
      live.subscribe(CHANGES, { me: me.id }, () => this.load(), () => this.poll());
    } else {
      this.poll();
    }
  }

  poll() {
    if (!this.timer) this.timer = setInterval(() => this.load(), 10000);
  }

  async load() {
    const data = await gql(INBOX, { me: this.me.id });
    const items = data.inbox.nodes;
    // the server's clock decides what is due; the browser's may differ
    const now = new Date(data.viewer.person.localTime);
    const left = {};
    const due = items.filter((i) => i.respondBy && new Date(i.respondBy) > now);
    if (due.length) {
      const parts = due.map((i, n) => `t${n}: workingTime(personId: $me, from: $now, to: "${i.respondBy}") { ... on WorkingTime { total } }`);
      const times = await gql(`query Left($me: ID!, $now: DateTime!) { ${parts.join("\n")} }`, { me: this.me.id, now: now.toISOString() });
      due.forEach((i, n) => { left[i.id] = times[`t${n}`]?.total; });
    }
    this.count.textContent = items.length === 1 ? "1 handoff waiting" : `${items.length} handoffs waiting`;
    this.list.replaceChildren(...items.map((item) => this.item(item, left[item.id], now)));
    if (!items.length) this.list.append(h("li", { class: "muted" }, "Nothing waiting for you."));
    this.element.setAttribute("aria-busy", "false");
    this.element.dataset.count = String(items.length);
  }

  item(item, left, now) {
    const zone = this.me.timezone;
    const landed = new Date(item.deliverAt);
    const senderNow = clock(new Date(item.sender.localTime), item.sender.timezone);
    let due = h("p", { class: "muted" }, "No answer needed.");
    if (item.respondBy) {
      const by = new Date(item.respondBy);
      due = by <= now
        ? h("p", { class: "overdue" }, `Answer was due ${dayTime(by, zone)} ${zone}.`)
        : h("p", { class: "due" }, `${duration(left)} of your working time left (due ${dayTime(by, zone)} ${zone}, ${fromNow(by, now)}).`);
    }
    const note = item.note;
    const status = h("p", { class: "error", role: "alert" });
    const returnNote = h("textarea", { id: `return-${item.id}`, rows: 2, "aria-describedby": `return-${item.id}-error` });
    const returnForm = h("form", { class: "return", hidden: true, "aria-label": `Return ${note.summary}`,
      onsubmit: async (e) => { e.preventDefault(); await this.act("return", item, status, returnNote.value); } },
      h("label", { for: `return-${item.id}` }, "Why it goes back"), returnNote,
      h("p", { class: "error", id: `return-${item.id}-error` }),
      h("button", { type: "submit" }, "Send it back"));
    return h("li", { class: "inbox-item", "data-id": item.id },
      h("article", { "aria-labelledby": `item-${item.id}` },
        h("h3", { id: `item-${item.id}` }, note.summary),
        h("p", { class: "meta" },
          `From ${item.sender.name} (${senderNow} for them, ${item.sender.timezone}) · landed ${dayTime(landed, zone)} ${zone} · ${item.workItem.title}`),
        note.done ? h("p", {}, h("strong", {}, "Done: "), note.done) : null,
        note.next ? h("p", {}, h("strong", {}, "Next: "), note.next) : null,
        note.openQuestions.length ? h("ul", { class: "questions", "aria-label": "Open questions" }, note.openQuestions.map((q) => h("li", {}, q))) : null,
        due,
        h("div", { class: "actions" },
          h("button", { type: "button", onclick: () => this.act("acknowledge", item, status) }, "Acknowledge"),
          h("button", { type: "button", onclick: () => this.act("complete", item, status) }, "Complete"),
          h("button", { type: "button", "aria-expanded": "false", onclick: (e) => {
            returnForm.hidden = !returnForm.hidden;
            e.target.setAttribute("aria-expanded", String(!returnForm.hidden));
            if (!returnForm.hidden) returnNote.focus();
          } }, "Return…"),
          h("button", { type: "button", class: "link", onclick: () => this.onOpen(item.id) }, "Details")),
        returnForm, status));
  }

  async act(kind, item, status, note) {
    status.textContent = "";
    const data = await gql(ACT[kind], note === undefined ? { id: item.id } : { id: item.id, note });
    const r = Object.values(data)[0];
    if (r.__typename === "HandoffPayload") {
      await this.load();
      this.count.textContent = `${kind === "return" ? "Returned" : kind === "complete" ? "Completed" : "Acknowledged"}: ${item.note.summary}. ${this.count.textContent}`;
    } else if (r.__typename === "ValidationError") {
      const error = document.getElementById(`return-${item.id}-error`);
      if (error) error.textContent = r.message;
      document.getElementById(`return-${item.id}`)?.setAttribute("aria-invalid", "true");
    } else {
      status.textContent = r.message;
    }
  }
}
