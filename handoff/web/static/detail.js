// A handoff's plan and history: its follow-ups and what happened, on a small timeline
// with the explanations.
import { gql } from "./api.js";
import { h, s } from "./dom.js";
import { dayTime } from "./time.js";

const DETAIL = `
query Detail($id: ID!) {
  node(id: $id) {
    ... on Handoff {
      id status deliverAt respondBy explanation escalated
      note { summary }
      sender { name timezone } receiver { name timezone }
      followUps { kind state dueAt explanation person { name timezone } }
      history { type at summary }
    }
  }
}`;

export async function openDetail(id, zone) {
  const { node } = await gql(DETAIL, { id });
  const dialog = h("dialog", { class: "detail", "aria-labelledby": "detail-title" });
  // at the top, so a long plan on a phone does not hide the way out below it
  const close = h("button", { type: "button", class: "close", onclick: () => dialog.close() }, "Close");
  dialog.addEventListener("close", () => dialog.remove());
  const points = [
    ...node.followUps.map((f) => ({ at: new Date(f.dueAt), text: `${f.kind.toLowerCase()} (${f.state.toLowerCase()}) for ${f.person.name}`, plan: true })),
    ...node.history.map((e) => ({ at: new Date(e.at), text: e.summary, plan: false })),
  ].sort((a, b) => a.at - b.at);
  const first = points[0]?.at ?? new Date();
  const last = points[points.length - 1]?.at ?? new Date();
  const span = Math.max(1, last - first);
  const svg = s("svg", { viewBox: "0 0 560 70", class: "mini", role: "img", "aria-label": `Plan and history from ${dayTime(first, zone)} to ${dayTime(last, zone)} ${zone}` },
    s("line", { x1: 10, x2: 550, y1: 35, y2: 35, class: "axis" }),
    points.map((p) => s("circle", { cx: 10 + ((p.at - first) / span) * 540, cy: 35, r: 6, class: p.plan ? "plan" : "past" })));
  // the viewer's clock beside the person's, unless it is the same one
  const both = (at, theirs) => `${dayTime(at, theirs)} ${theirs}` + (theirs === zone ? "" : ` (${dayTime(at, zone)} ${zone})`);
  dialog.append(
    h("div", { class: "detail-head" }, h("h2", { id: "detail-title" }, node.note.summary), close),
    h("p", {}, `${node.sender.name} → ${node.receiver.name} · ${node.status.toLowerCase()}${node.escalated ? " · escalated" : ""}`),
    svg,
    h("h3", {}, "Why it lands when it does"),
    h("ol", {}, node.explanation.map((l) => h("li", {}, l))),
    h("h3", {}, "Follow-up plan"),
    h("ul", {}, node.followUps.map((f) => h("li", {},
      h("strong", {}, `${f.kind[0]}${f.kind.slice(1).toLowerCase()} `),
      `${both(new Date(f.dueAt), f.person.timezone)} · ${f.state.toLowerCase()}`,
      h("ul", {}, f.explanation.map((l) => h("li", {}, l)))))),
    h("h3", {}, "History"),
    h("ol", {}, node.history.map((e) => h("li", {}, `${dayTime(new Date(e.at), zone)} ${zone}: ${e.summary}`))));
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}
