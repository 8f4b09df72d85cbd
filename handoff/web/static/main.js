// Boot: sign in with a personal token, then the timeline, the composer with its preview,
// the inbox and my hours, all from the public GraphQL API.
import { ApiError, Live, gql, onSignedOut, session } from "./api.js";
import { Away } from "./away.js";
import { Composer } from "./composer.js";
import { openDetail } from "./detail.js";
import { h } from "./dom.js";
import { Health } from "./health.js";
import { Hours } from "./hours.js";
import { Inbox } from "./inbox.js";
import { Timeline } from "./timeline.js";
import { Work } from "./work.js";
import { browserZone, sameZone } from "./time.js";

const START = `
{
  viewer { name person { id name timezone localTime } }
  people(first: 100) { totalCount nodes { id name timezone } }
  teams(first: 100) { nodes { id name members { id } } }
  __schema { subscriptionType { fields { name } } }
}`;

function takeTokenFromLink() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (token) {
    session.token = token;
    history.replaceState(null, "", location.pathname + location.search);
  }
}

function showSignIn(message) {
  const form = document.getElementById("signin");
  form.hidden = false;
  const error = document.getElementById("signin-error");
  error.textContent = message || "";
  // the reason is the token field's: said with it, and the field marked
  form.token.setAttribute("aria-describedby", "signin-error");
  if (message) form.token.setAttribute("aria-invalid", "true");
  form.token.oninput = () => { error.textContent = ""; form.token.removeAttribute("aria-invalid"); };
  form.onsubmit = (e) => {
    e.preventDefault();
    session.token = form.token.value.trim();
    location.reload();
  };
  form.token.focus();
}

function signOut(live) {
  if (live) live.close();
  session.token = null;
  location.replace(location.pathname);
}

const NOTICE = "handoff.notice";

async function start() {
  takeTokenFromLink();
  const notice = sessionStorage.getItem(NOTICE);
  sessionStorage.removeItem(NOTICE);
  if (!session.token) return showSignIn(notice);
  let data;
  try {
    data = await gql(START);
  } catch (e) {
    session.token = null;
    const why = e instanceof ApiError && e.code === "UNAUTHENTICATED"
      ? "That token is not valid (revoked, expired or mistyped). Sign in again." : e.message;
    return showSignIn(why);
  }
  onSignedOut(() => {
    // say why on the sign-in form the reload shows
    sessionStorage.setItem(NOTICE, "Your session ended: the token was revoked or has expired. Sign in again.");
    signOut(live);
  });
  const me = data.viewer.person;
  if (!me) {
    session.token = null;
    return showSignIn("That is a workspace token; sign in with a personal token (it acts as you).");
  }
  // the server's clock is the one that counts (it decides when things land)
  const skew = new Date(me.localTime).getTime() - Date.now();
  const now = () => new Date(Date.now() + skew);
  // the browser may name the person's own zone by an older alias (Asia/Calcutta)
  const zone = sameZone(browserZone(), me.timezone) ? me.timezone : browserZone();
  const subscriptions = data.__schema.subscriptionType?.fields.map((f) => f.name) || [];
  const live = subscriptions.includes("inboxChanged") ? new Live() : null;

  document.getElementById("session").replaceChildren(
    h("span", {}, `Signed in as ${me.name} (${me.timezone}) · ${data.viewer.name}`),
    h("button", { type: "button", onclick: () => signOut(live) }, "Sign out"));

  const mine = data.teams.nodes.filter((t) => t.members.some((m) => m.id === me.id));
  const others = data.teams.nodes.filter((t) => !mine.includes(t));
  const groups = [...mine, ...others].map((t) => ({ label: `Team ${t.name}`, team: t.id }));
  if (data.people.totalCount <= 50) {
    groups.push({ label: "Everyone", people: data.people.nodes.map((p) => p.id) });
  }
  if (!groups.length) groups.push({ label: "Me", people: [me.id] });

  const timeline = new Timeline({ zone, groups, now });
  const inbox = new Inbox({ me, live, zone, onOpen: (id) => openDetail(id, zone) });
  const work = new Work({ me, live, zone, onOpen: (id) => openDetail(id, zone) });
  const composer = new Composer({
    me, people: data.people.nodes, teams: data.teams.nodes, zone, timeline,
    onSent: () => timeline.load(),
  });
  const hours = new Hours({ me, onChanged: () => { timeline.load(); inbox.load(); } });
  const away = new Away({
    me, people: data.people.nodes, teams: data.teams.nodes, zone,
    onChanged: () => { timeline.load(); inbox.load(); },
  });
  const health = new Health({ groups, now });

  const app = document.getElementById("app");
  app.append(
    timeline.element,
    h("div", { class: "columns" },
      h("div", { class: "column" }, composer.element, composer.preview),
      h("div", { class: "column" }, inbox.element, work.element)),
    hours.element,
    away.element,
    health.element);
  await Promise.all([timeline.load(), inbox.load(), work.load(), hours.load(), away.load(), health.load()]);
  document.body.dataset.ready = "true";
}

// a sign-in link opened in a tab that is already signed in: start again as that person
window.addEventListener("hashchange", () => {
  if (new URLSearchParams(location.hash.slice(1)).get("token")) location.reload();
});

start();
