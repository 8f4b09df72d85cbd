// The inbox: what has landed for me, oldest first, live; each item with the note, the
// sender and their local time, and the time left counted in my working time.
import { gql } from "./api.js";
import { announcer, clause, h, keepDrafts, region, said } from "./dom.js";
import { showFieldErrors } from "./fields.js";
import { clock, dayTime, duration, fromNow } from "./time.js";

const INBOX = `
query Inbox($me: ID!, $after: String) {
  viewer { person { localTime } }
  inbox(personId: $me, first: 50, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id deliverAt respondBy workingTimeLeft status
      workItem { title }
      note { summary done next openQuestions }
      sender { id name timezone localTime }
      urgency { reason outcome explanation wasUrgent }
    }
  }
}`;

export const ACT = {
  acknowledge: `mutation($id: ID!) { acknowledgeHandoff(id: $id) { __typename ... on Conflict { message } ... on NotFound { message } } }`,
  complete: `mutation($id: ID!) { completeHandoff(id: $id) { __typename ... on Conflict { message } ... on NotFound { message } } }`,
  return: `mutation($id: ID!, $note: String!) { returnHandoff(id: $id, note: $note) { __typename ... on ValidationError { field message } ... on Conflict { message } ... on NotFound { message } } }`,
  reply: `mutation($input: ReplyToHandoffInput!) { replyToHandoff(input: $input) { __typename ... on ReplyPayload { reply { deliverAt } } ... on ValidationError { field message } ... on Conflict { message } ... on NotFound { message } } }`,
  rate: `mutation($input: RateUrgencyInput!) { rateUrgency(input: $input) { __typename ... on RateUrgencyPayload { urgency { wasUrgent } } ... on ValidationError { field message } ... on Conflict { message } ... on NotFound { message } } }`,
};

// A short answer is often all a handoff needs; it reaches the sender in their hours.
const PRESETS = [["OK", "OK"], ["WILL_DO", "Will do"], ["NEED_INFO", "Need more information"]];
const DONE = { acknowledge: "Acknowledged", complete: "Completed", return: "Returned", reply: "Replied", rate: "Rated" };

const PAGE = 50;

const CHANGES = `subscription Inbox($me: ID!) { inboxChanged(personId: $me) { __typename } }`;

export class Inbox {
  constructor({ me, live, zone, onOpen }) {
    this.me = me;
    this.zone = zone; // the page's zone: where I am (the browser's), as everywhere else
    this.onOpen = onOpen;
    this.list = h("ol", { class: "inbox-list" });
    this.count = h("p", { class: "muted" });
    // the API pages the inbox: as many pages as were asked for are read on every reload
    this.wanted = PAGE;
    this.more = h("button", { type: "button", class: "more", hidden: true, onclick: () => this.showMore() }, "Show more");
    // what the last action did; its own line, so a live reload of the list keeps it
    this.notice = h("p", { class: "result", role: "status", tabindex: "-1" });
    // what lands while I look is said, without moving my focus
    this.arrivals = announcer();
    this.element = region("inbox", "Inbox", this.count, this.notice, this.arrivals.element, this.list, this.more);
    this.element.setAttribute("aria-busy", "true");
    if (live) {
      // a change is a cue to read the inbox again; after a reconnect, read it too (what
      // changed while the socket was down is not replayed to a stream without a cursor)
      live.subscribe(CHANGES, { me: me.id }, () => this.load(), () => this.poll(), () => this.load());
    } else {
      this.poll();
    }
  }

  poll() {
    if (!this.timer) this.timer = setInterval(() => this.load(), 10000);
  }

  // The first `wanted` items, page by page (`after` = the previous page's endCursor).
  async read() {
    let data;
    let after = null;
    const items = [];
    do {
      data = await gql(INBOX, { me: this.me.id, after });
      items.push(...data.inbox.nodes);
      after = data.inbox.pageInfo.endCursor;
    } while (items.length < this.wanted && data.inbox.pageInfo.hasNextPage && after);
    return { data, items, more: data.inbox.pageInfo.hasNextPage };
  }

  async showMore() {
    const before = this.list.children.length;
    this.wanted = before + PAGE;
    this.more.disabled = true;
    await this.load();
    this.more.disabled = false;
    // the keyboard goes to the first item that was not shown before
    const first = this.list.children[before]?.querySelector("article");
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
  }

  // Reloads do not overlap: one asked for while another runs is done once after it, and
  // every caller waits until the list shows what the server had then.
  load() {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        do {
          this.again = false;
          await this.draw();
        } while (this.again);
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  async draw() {
    let page;
    try {
      page = await this.read();
    } catch (e) {
      // what is on screen stays; the next live update or poll tries again
      this.notice.textContent = `The inbox could not be refreshed: ${clause(e.message)}.`;
      return;
    }
    const { data, items, more } = page;
    // the server's clock decides what is due; the browser's may differ
    const now = new Date(data.viewer.person.localTime);
    const total = data.inbox.totalCount;
    this.count.textContent = (total === 1 ? "1 handoff waiting" : `${total} handoffs waiting`)
      + (more ? ` (showing the first ${items.length})` : "");
    this.more.hidden = !more;
    const restore = keepDrafts(this.list);
    const focused = this.list.contains(document.activeElement);
    this.list.replaceChildren(...items.map((item) => this.item(item, now)));
    restore();
    // the item the keyboard was on has gone (acknowledged, here or elsewhere): the
    // keyboard stays in the inbox, on the line that says what happened, not on the page
    if (focused && !this.list.contains(document.activeElement)) this.notice.focus();
    if (!items.length) this.list.append(h("li", { class: "muted" }, "Nothing waiting for you."));
    const fresh = this.seen ? items.filter((item) => !this.seen.has(item.id)) : [];
    this.seen = new Set(items.map((item) => item.id));
    if (fresh.length === 1) this.arrivals.say(`New in your inbox, from ${fresh[0].sender.name}: ${fresh[0].note.summary}`);
    else if (fresh.length > 1) this.arrivals.say(`${fresh.length} new handoffs in your inbox.`);
    this.element.setAttribute("aria-busy", "false");
    this.element.dataset.count = String(items.length);
  }

  item(item, now) {
    const zone = this.zone;
    const landed = new Date(item.deliverAt);
    const senderNow = clock(new Date(item.sender.localTime), item.sender.timezone);
    let due = h("p", { class: "muted" }, "No answer needed.");
    if (item.respondBy) {
      const by = new Date(item.respondBy);
      due = by <= now
        ? h("p", { class: "overdue" }, `Answer was due ${dayTime(by, zone)} ${zone}.`)
        : h("p", { class: "due" }, `${duration(item.workingTimeLeft)} of your working time left (due ${dayTime(by, zone)} ${zone}, ${fromNow(by, now)}).`);
    }
    const note = item.note;
    const status = h("p", { class: "error", role: "alert" });
    const returnNote = h("textarea", { id: `return-${item.id}`, rows: 2, "aria-describedby": `return-${item.id}-error` });
    const returnForm = h("form", { class: "return", hidden: true, "data-id": item.id, "aria-label": `Return ${note.summary}`,
      onsubmit: async (e) => { e.preventDefault(); await this.act("return", item, status, returnNote.value); } },
      h("label", { for: `return-${item.id}` }, "Why it goes back"), returnNote,
      h("p", { class: "error", id: `return-${item.id}-error` }),
      h("button", { type: "submit", "data-key": `send-back-${item.id}` }, "Send it back"));
    // Enter in the text must not send the first preset ("OK") in place of what was meant
    const replyText = h("input", { id: `reply-${item.id}`, autocomplete: "off", maxlength: 1000,
      onkeydown: (e) => { if (e.key === "Enter") e.preventDefault(); } });
    const replyForm = h("form", { class: "reply", "aria-label": `Quick reply to ${note.summary}`,
      onsubmit: async (e) => {
        e.preventDefault();
        const input = { handoffId: item.id, preset: e.submitter.value, text: replyText.value.trim() || null };
        await this.act("reply", item, status, input);
      } },
      h("label", { for: `reply-${item.id}` }, "Quick reply (a few words, optional)"), replyText,
      h("div", { class: "actions" }, PRESETS.map(([value, label]) => h("button", { type: "submit", value, "data-key": `reply-${value}-${item.id}` }, label))));
    const urgency = item.urgency;
    const rate = urgency && urgency.outcome === "BROKE_THROUGH" && urgency.wasUrgent === null
      ? h("div", { class: "actions", role: "group", "aria-label": "Was it urgent?" },
        h("span", {}, "Was it urgent?"),
        h("button", { type: "button", "data-key": `urgent-yes-${item.id}`, onclick: () => this.act("rate", item, status, { handoffId: item.id, wasUrgent: true }) }, "Yes, it was"),
        h("button", { type: "button", "data-key": `urgent-no-${item.id}`, onclick: () => this.act("rate", item, status, { handoffId: item.id, wasUrgent: false }) }, "It could have waited"))
      : null;
    return h("li", { class: "inbox-item", "data-id": item.id },
      h("article", { "aria-labelledby": `item-${item.id}` },
        h("h3", { id: `item-${item.id}` }, urgency ? h("span", { class: "badge urgent" }, "Urgent") : null, note.summary),
        urgency ? h("p", { class: "urgency" }, `“${urgency.reason}” — ${urgency.explanation}`) : null,
        h("p", { class: "meta" },
          `From ${item.sender.name} (${senderNow} for them, ${item.sender.timezone}) · landed ${dayTime(landed, zone)} ${zone} · ${item.workItem.title}`),
        note.done ? h("p", {}, h("strong", {}, "Done: "), note.done) : null,
        note.next ? h("p", {}, h("strong", {}, "Next: "), note.next) : null,
        note.openQuestions.length ? h("p", { class: "questions-title" }, h("strong", {}, "Open questions:")) : null,
        note.openQuestions.length ? h("ul", { class: "questions", "aria-label": "Open questions" }, note.openQuestions.map((q) => h("li", {}, q))) : null,
        due,
        h("div", { class: "actions" },
          h("button", { type: "button", "data-key": `ack-${item.id}`, onclick: () => this.act("acknowledge", item, status) }, "Acknowledge"),
          h("button", { type: "button", "data-key": `complete-${item.id}`, onclick: () => this.act("complete", item, status) }, "Complete"),
          h("button", { type: "button", class: "toggle-return", "data-key": `return-${item.id}`, "aria-expanded": "false", onclick: (e) => {
            returnForm.hidden = !returnForm.hidden;
            e.target.setAttribute("aria-expanded", String(!returnForm.hidden));
            if (!returnForm.hidden) returnNote.focus();
          } }, "Return…"),
          h("button", { type: "button", class: "link", "data-key": `details-${item.id}`, "aria-label": `Details: ${note.summary}`, onclick: () => this.onOpen(item.id).catch((e) => {
            status.textContent = `The details could not be loaded: ${clause(e.message)}.`;
          }) }, "Details")),
        replyForm, rate, returnForm, status));
  }

  async act(kind, item, status, arg) {
    status.textContent = "";
    this.notice.textContent = "";
    const variables = kind === "return" ? { id: item.id, note: arg } : arg === undefined ? { id: item.id } : { input: arg };
    let data;
    try {
      data = await gql(ACT[kind], variables);
    } catch (e) {
      status.textContent = `Not done: ${clause(e.message)}. Try again.`;
      return;
    }
    const r = Object.values(data)[0];
    if (["HandoffPayload", "ReplyPayload", "RateUrgencyPayload"].includes(r.__typename)) {
      this.notice.textContent = `${DONE[kind]}: ${item.note.summary}`;
      // what was sent is no longer a draft
      for (const id of [`reply-${item.id}`, `return-${item.id}`]) {
        const field = document.getElementById(id);
        if (field) field.value = "";
      }
      await this.load();
      // the item has left the list (or been redrawn): keep the keyboard in the inbox
      if (!this.list.contains(document.activeElement)) this.notice.focus();
    } else if (r.__typename === "ValidationError" && kind !== "return") {
      status.textContent = said(r.message);
    } else if (r.__typename === "ValidationError") {
      showFieldErrors(this.list, `return-${item.id}`, said(r.message)); // said, and focused
    } else {
      status.textContent = said(r.message);
    }
  }
}
