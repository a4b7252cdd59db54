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

// ---------- The navigation: behind the header's Menu button on narrow screens ----------
// Without script the navigation simply shows above the page; with it, the button opens and
// closes it (Escape closes it and gives the focus back to the button).
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("app-nav");
  if (!toggle || !nav) {
    return;
  }
  document.documentElement.classList.add("js-nav");
  toggle.hidden = false;
  const setOpen = (open) => {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("app-nav--open", open);
  };
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    setOpen(open);
    if (open) {
      const first = nav.querySelector('a[aria-current="page"]') || nav.querySelector("a");
      if (first) {
        first.focus();
      }
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("app-nav--open")) {
      setOpen(false);
      toggle.focus();
    }
  });
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

// ---------- Rota: open a shift, add one, drag one to another person or day ----------
// The grid's buttons carry only ids: each row names its person (tr[data-member], "" for the open
// shifts), each column its date (thead th[data-date]), and the table the URLs (data-shift-url,
// data-move-url with "{id}" for the shift's id; data-new-url with the page's filters).
function rotaCell(element) {
  const cell = element.closest(".rota tbody td");
  const row = cell ? cell.parentElement : null;
  if (!row || !row.hasAttribute("data-member")) {
    return null;
  }
  const table = row.closest("table");
  const head = table.tHead ? table.tHead.rows[0].cells[cell.cellIndex] : null;
  const date = head ? head.getAttribute("data-date") : null;
  return date ? { cell, table, date, member: row.getAttribute("data-member") } : null;
}

function shiftUrl(table, name, id) {
  return table.getAttribute(name).replace("{id}", encodeURIComponent(id));
}

// A shift or a cell's "+": open the shift dialog and load its form into it. (Enter and Space on
// a focused button are clicks too: the keyboard way to every action, moving included.)
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const button = target ? target.closest(".rota [data-shift], .rota .cell-add") : null;
  const dialog = document.getElementById("shift-dialog");
  if (!button || !dialog || !window.htmx) {
    return;
  }
  const table = button.closest("table");
  let url;
  if (button.hasAttribute("data-shift")) {
    url = shiftUrl(table, "data-shift-url", button.getAttribute("data-shift"));
  } else {
    const place = rotaCell(button);
    if (!place) {
      return;
    }
    const address = new URL(table.getAttribute("data-new-url"), window.location.href);
    address.searchParams.set("date", place.date);
    if (place.member) {
      address.searchParams.set("membership", place.member);
    }
    url = address.pathname + address.search;
  }
  event.preventDefault();
  if (!dialog.open && typeof dialog.showModal === "function") {
    dialog.showModal();
  }
  window.htmx.ajax("GET", url, { source: button, target: "#shift-dialog-body" });
});

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
  const place = event.target instanceof Element ? rotaCell(event.target) : null;
  if (place) {
    event.preventDefault();
    document.querySelectorAll(".is-drop-target").forEach((other) => {
      if (other !== place.cell) {
        other.classList.remove("is-drop-target");
      }
    });
    place.cell.classList.add("is-drop-target");
  }
});
document.addEventListener("drop", (event) => {
  const place = event.target instanceof Element ? rotaCell(event.target) : null;
  if (!place || !event.dataTransfer) {
    return;
  }
  event.preventDefault();
  place.cell.classList.remove("is-drop-target");
  const id = event.dataTransfer.getData("text/plain");
  const shift = document.querySelector(`[data-shift="${CSS.escape(id)}"]`);
  if (!shift || !window.htmx) {
    return;
  }
  window.htmx.ajax("POST", shiftUrl(place.table, "data-move-url", id), {
    swap: "none",
    values: {
      membership: place.member,
      date: place.date,
      version: shift.getAttribute("data-version"),
    },
  });
});

// A large company's rota comes a few dozen people at a time: the row standing for the next ones
// (.rota__more) loads them as it scrolls into view. When the grid refreshes after a change, it
// asks for as many people as were loaded, so nobody's row disappears from under the pointer.
document.addEventListener("htmx:configRequest", (event) => {
  const source = event.detail && event.detail.elt;
  if (source instanceof Element && source.id === "rota-grid") {
    const loaded = source.querySelectorAll("tbody tr[data-member]:not([data-member=''])").length;
    event.detail.parameters.rows = String(loaded);
  }
});

// Every row, then `done`: to print the whole week.
function loadAllRows(done) {
  const more = document.querySelector("#rota-grid .rota__more");
  if (!more || !window.htmx) {
    done();
    return;
  }
  const settled = () => {
    document.removeEventListener("htmx:responseError", failed);
    loadAllRows(done);
  };
  const failed = () => {
    document.removeEventListener("htmx:afterSettle", settled);
    done();
  };
  document.addEventListener("htmx:afterSettle", settled, { once: true });
  document.addEventListener("htmx:responseError", failed, { once: true });
  window.htmx.trigger(more, "rota-more");
}

// ---------- Small helpers ----------
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) {
    loadAllRows(() => window.print());
  }
});
document.addEventListener("change", (event) => {
  const form = event.target instanceof Element ? event.target.closest("form[data-autosubmit]") : null;
  if (form && event.target.matches("select")) {
    form.requestSubmit();
  }
});
// ---------- Copy buttons: data-copy-target names the input whose value is copied ----------
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy-target]") : null;
  if (!button) {
    return;
  }
  const input = document.getElementById(button.getAttribute("data-copy-target"));
  if (!(input instanceof HTMLInputElement)) {
    return;
  }
  const done = () => {
    const status = document.getElementById("copy-status");
    const text = button.getAttribute("data-copied-text") || "Copied";
    if (status) {
      status.textContent = text;
    }
    button.textContent = text;
  };
  input.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, () => {
      document.execCommand("copy");
      done();
    });
  } else {
    document.execCommand("copy");
    done();
  }
});

document.addEventListener("focusin", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.hasAttribute("data-select-on-focus")) {
    event.target.select();
  }
});

// ---------- Day timeline ----------
// Bars and hour marks carry their place in the day in minutes (data-from, data-to); the
// page's content security policy allows no inline styles, so they are placed here. Without
// script they stay a readable list of times.
const MINUTES_A_DAY = 1440;
function placeTimeline(root) {
  root.querySelectorAll(".timeline [data-from]").forEach((element) => {
    const from = Number(element.dataset.from);
    element.style.left = `${(from / MINUTES_A_DAY) * 100}%`;
    if (element.dataset.to) {
      element.style.width = `${((Number(element.dataset.to) - from) / MINUTES_A_DAY) * 100}%`;
    }
    // Overlapping shifts share the line's height, each in its own lane.
    const lanes = Number(element.dataset.lanes || 1);
    if (lanes > 1) {
      const lane = Number(element.dataset.lane || 0);
      element.style.top = `${(lane / lanes) * 100}%`;
      element.style.bottom = "auto";
      element.style.height = `${100 / lanes}%`;
    }
  });
  root.querySelectorAll(".timeline").forEach((timeline) => timeline.classList.add("is-placed"));
}
document.addEventListener("DOMContentLoaded", () => placeTimeline(document));
