// The public GraphQL API, and nothing else: queries, mutations, subscriptions.
const KEY = "handoff.token";

export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  },
};

export class ApiError extends Error {
  constructor(message, code, field) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

// Called when the server no longer takes the session's token (revoked or expired while
// the page was open): trying again cannot help, signing in again can.
let signedOut = null;
export function onSignedOut(fn) {
  signedOut = fn;
}

// One GraphQL request; GraphQL errors become an ApiError (expected failures are values).
export async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${session.token}` },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`the server answered ${response.status}`, "INTERNAL");
  }
  if (body.errors && body.errors.length) {
    const e = body.errors[0];
    const ext = e.extensions || {};
    if (ext.code === "UNAUTHENTICATED" && signedOut) signedOut(e.message);
    throw new ApiError(e.message, ext.code, ext.field);
  }
  return body.data;
}

// graphql-transport-ws, the protocol of the graphql-ws client: one socket, many
// subscriptions; reconnects with a growing pause and calls each subscription's
// `onReconnect` so callers can catch up on what they missed meanwhile.
export class Live {
  constructor() {
    this.next = 1;
    this.subs = new Map();
    this.attempt = 0;
    this.open();
  }

  open() {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
    this.ws = new WebSocket(url, "graphql-transport-ws");
    this.ready = false;
    this.ws.onopen = () => this.ws.send(JSON.stringify({
      type: "connection_init", payload: { authorization: `Bearer ${session.token}` },
    }));
    this.ws.onmessage = (m) => this.receive(JSON.parse(m.data));
    this.ws.onclose = (e) => {
      this.ready = false;
      if (this.closed) return;
      if (e.code === 4403 || e.code === 4401) {
        // the server no longer takes the token (revoked or expired): reconnecting cannot
        // help, and a page left as it is would look live while nothing arrives
        if (signedOut) signedOut(e.reason || "the token was revoked or has expired");
        return;
      }
      const pause = Math.min(30000, 500 * 2 ** this.attempt++);
      setTimeout(() => this.open(), pause);
    };
  }

  receive(msg) {
    if (msg.type === "connection_ack") {
      this.ready = true;
      this.attempt = 0;
      const again = this.acked;
      this.acked = true;
      for (const [id, sub] of this.subs) {
        this.start(id, sub);
        if (again && sub.onReconnect) sub.onReconnect();
      }
    } else if (msg.type === "ping") {
      this.ws.send(JSON.stringify({ type: "pong" }));
    } else if (msg.type === "next") {
      const sub = this.subs.get(msg.id);
      if (sub) sub.onNext(msg.payload);
    } else if (msg.type === "error") {
      const sub = this.subs.get(msg.id);
      if (sub && sub.onError) sub.onError(msg.payload);
    }
  }

  start(id, sub) {
    this.ws.send(JSON.stringify({
      id, type: "subscribe", payload: { query: sub.query, variables: sub.variables() },
    }));
  }

  subscribe(query, variables, onNext, onError, onReconnect) {
    const id = String(this.next++);
    const sub = { query, variables: typeof variables === "function" ? variables : () => variables, onNext, onError, onReconnect };
    this.subs.set(id, sub);
    if (this.ready) this.start(id, sub);
    return () => {
      this.subs.delete(id);
      if (this.ready) this.ws.send(JSON.stringify({ id, type: "complete" }));
    };
  }

  close() {
    this.closed = true;
    this.ws.close(1000);
  }
}
