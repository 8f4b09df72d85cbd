import { gql } from "./api.js";
import { h } from "./dom.js";

// One mutation of a form region; a network or server failure is said with `say` (the
// region's status line) and null is returned.
export async function mutate(query, variables, name, say) {
  try {
    return (await gql(query, variables))[name];
  } catch (e) {
    say(`Not saved: ${e.message}`, true);
    return null;
  }
}

// A status line's text; `failed` shows it as an error.
export function sayOn(status, text, failed = false) {
  status.className = failed ? "result failed" : "result";
  status.textContent = text;
}

// A labelled control with its hint and the place its error is said.
export function field(id, label, control, hint) {
  return h("div", { class: "field" }, h("label", { for: id }, label), control,
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
    h("p", { class: "error", id: `${id}-error` }));
}

// Errors shown at the field they name: the message under the control, the control
// marked invalid and described by it.
export function showFieldErrors(scope, id, message) {
  const control = scope.querySelector(`#${CSS.escape(id)}`);
  const error = scope.querySelector(`#${CSS.escape(id)}-error`);
  if (error) error.textContent = message;
  if (control) {
    control.setAttribute("aria-invalid", "true");
    const described = new Set((control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
    described.add(`${id}-error`);
    control.setAttribute("aria-describedby", [...described].join(" "));
    control.focus();
  }
}

export function clearFieldErrors(scope) {
  for (const el of scope.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of scope.querySelectorAll(".error")) el.textContent = "";
}

export function clearFieldError(scope, control) {
  if (!control?.id || control.getAttribute("aria-invalid") !== "true") return;
  control.removeAttribute("aria-invalid");
  const error = scope.querySelector(`#${CSS.escape(control.id)}-error`);
  if (error) error.textContent = "";
}
