// A tiny DOM builder: h("button", {type: "button", onclick: fn}, "Label").
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// A message as a clause of a sentence we end ourselves ("Not sent: …. Try again.").
export function clause(text) {
  return String(text).replace(/[.\s]+$/, "");
}

// The API's message as a sentence on screen: a capital first letter and a full stop.
export function said(text) {
  const t = String(text).trim();
  if (!t) return t;
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

// A region: <section aria-labelledby> with its heading.
export function region(id, title, ...children) {
  return h("section", { class: "card region", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title), ...children);
}

// A live redraw replaces a list: what I was typing, an open return form and where my
// cursor (or keyboard focus on a button) was must survive it. Call before the redraw;
// call what it returns after.
export function keepDrafts(list) {
  const active = document.activeElement;
  const focus = active && list.contains(active) && (active.id || active.dataset.key)
    ? { id: active.id, key: active.dataset.key, start: active.selectionStart ?? null, end: active.selectionEnd ?? null }
    : null;
  const fields = [...list.querySelectorAll("input[id], textarea[id]")]
    .filter((f) => f.value).map((f) => [f.id, f.value]);
  const open = [...list.querySelectorAll("form.return:not([hidden])")].map((f) => f.dataset.id);
  return () => {
    for (const [id, value] of fields) {
      const field = document.getElementById(id);
      if (field && list.contains(field)) field.value = value;
    }
    for (const id of open) {
      const li = list.querySelector(`li[data-id="${CSS.escape(id)}"]`);
      if (!li) continue;
      li.querySelector("form.return").hidden = false;
      li.querySelector(".toggle-return")?.setAttribute("aria-expanded", "true");
    }
    const field = focus && (focus.id
      ? document.getElementById(focus.id)
      : list.querySelector(`[data-key="${CSS.escape(focus.key)}"]`));
    if (field && list.contains(field)) {
      field.focus();
      if (focus.start !== null && field.setSelectionRange) field.setSelectionRange(focus.start, focus.end);
    }
  };
}

// A polite, visually hidden announcement for screen readers (what arrived live).
export function announcer() {
  const el = h("p", { class: "visually-hidden", "aria-live": "polite" });
  return { element: el, say: (text) => { el.textContent = ""; setTimeout(() => { el.textContent = text; }, 50); } };
}

