// Parim's own script: opens and closes <dialog> elements. Loaded from /static/ (strict CSP).
"use strict";

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) {
    return;
  }
  const opener = target.closest("[data-dialog-open]");
  if (opener) {
    const dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
    if (dialog && typeof dialog.showModal === "function") {
      event.preventDefault();
      dialog.showModal();
    }
    return;
  }
  const closer = target.closest("[data-dialog-close]");
  if (closer) {
    const dialog = closer.closest("dialog");
    if (dialog) {
      event.preventDefault();
      dialog.close();
    }
  }
});

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("dialog[data-open-on-load]").forEach((dialog) => dialog.showModal());
});

// ---------- htmx: CSRF token on every request it sends ----------
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
  }
});

// Before a dialog's content is (re)loaded, show a placeholder: never the previous form.
document.addEventListener("htmx:beforeRequest", (event) => {
  const target = event.detail && event.detail.target;
  const source = event.detail && event.detail.elt;
  if (target instanceof Element && target.closest("dialog") && source instanceof Element && !source.closest("form") && source.tagName !== "FORM") {
    target.replaceChildren();
    const heading = document.createElement("p");
    heading.className = "muted";
    heading.textContent = "Loading\u2026";
    target.appendChild(heading);
  }
});

// A fragment loaded into an open dialog: move focus to its first field (keyboard users land in
// the form, not behind the backdrop).
document.addEventListener("htmx:afterSwap", (event) => {
  const dialog = event.target instanceof Element ? event.target.closest("dialog") : null;
  if (dialog && dialog.open) {
    // A confirmation names its safe choice with autofocus (Cancel), so Enter never destroys.
    const field = dialog.querySelector("[autofocus]")
      || dialog.querySelector("select, input:not([type=hidden]), textarea, button");
    if (field) {
      field.focus();
    }
  }
});

function announce(message, isError) {
  const status = document.getElementById("rota-status");
  const alertBox = document.getElementById("rota-alert");
  if (isError && alertBox) {
    alertBox.textContent = message;
    alertBox.hidden = false;
  } else if (status) {
    if (alertBox) {
      alertBox.hidden = true;
    }
    status.textContent = message;
  }
}

// The server answers a successful change with HX-Trigger "rota-changed" (the grid listens and
// reloads itself); close the dialog and say what happened.
document.addEventListener("DOMContentLoaded", () => {
  document.body.addEventListener("rota-changed", (event) => {
    document.querySelectorAll("dialog[open]").forEach((dialog) => dialog.close());
    announce((event.detail && event.detail.message) || "", false);
  });
  document.body.addEventListener("rota-error", (event) => {
    document.querySelectorAll("dialog[open]").forEach((dialog) => dialog.close());
    announce((event.detail && event.detail.message) || "", true);
  });
  // htmx does not swap error answers: say what happened instead of doing nothing (a shift
  // deleted meanwhile answers 404; a read-only company, 403), and reload the grid.
  document.body.addEventListener("htmx:responseError", (event) => {
    const status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    const message = status === 404
      ? "That shift no longer exists: someone else deleted it or moved it out of your sites."
      : status === 403
        ? "You are not allowed to do that here."
        : "Something went wrong and nothing was saved. Please try again.";
    document.querySelectorAll("dialog[open]").forEach((dialog) => dialog.close());
    announce(message, true);
    document.body.dispatchEvent(new CustomEvent("rota-refresh"));
  });
});

// ---------- Rota: drag a shift to another person or day ----------
// The keyboard way is the shift's dialog (Enter on a shift), whose employee and date fields move it.
document.addEventListener("dragstart", (event) => {
  const shift = event.target instanceof Element ? event.target.closest("[data-shift]") : null;
  if (!shift || !event.dataTransfer) {
    return;
  }
  event.dataTransfer.setData("text/plain", shift.getAttribute("data-shift"));
  event.dataTransfer.effectAllowed = "move";
  shift.classList.add("is-dragging");
});
document.addEventListener("dragend", (event) => {
  const shift = event.target instanceof Element ? event.target.closest("[data-shift]") : null;
  if (shift) {
    shift.classList.remove("is-dragging");
  }
  document.querySelectorAll(".is-drop-target").forEach((cell) => cell.classList.remove("is-drop-target"));
});
document.addEventListener("dragover", (event) => {
  const cell = event.target instanceof Element ? event.target.closest("[data-drop-date]") : null;
  if (cell) {
    event.preventDefault();
    document.querySelectorAll(".is-drop-target").forEach((other) => {
      if (other !== cell) {
        other.classList.remove("is-drop-target");
      }
    });
    cell.classList.add("is-drop-target");
  }
});
document.addEventListener("drop", (event) => {
  const cell = event.target instanceof Element ? event.target.closest("[data-drop-date]") : null;
  if (!cell || !event.dataTransfer) {
    return;
  }
  event.preventDefault();
  cell.classList.remove("is-drop-target");
  const id = event.dataTransfer.getData("text/plain");
  const shift = document.querySelector(`[data-shift="${CSS.escape(id)}"]`);
  if (!shift || !window.htmx) {
    return;
  }
  window.htmx.ajax("POST", shift.getAttribute("data-move-url"), {
    swap: "none",
    values: {
      membership: cell.getAttribute("data-drop-member"),
      date: cell.getAttribute("data-drop-date"),
      version: shift.getAttribute("data-version"),
    },
  });
});

// ---------- Small helpers ----------
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) {
    window.print();
  }
});
document.addEventListener("change", (event) => {
  const form = event.target instanceof Element ? event.target.closest("form[data-autosubmit]") : null;
  if (form && event.target.matches("select")) {
    form.requestSubmit();
  }
});
document.addEventListener("focusin", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.hasAttribute("data-select-on-focus")) {
    event.target.select();
  }
});
