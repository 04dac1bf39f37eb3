// qreason view: keyboard review. Progressive enhancement only: every page works without this script
// (links, a GET filter form, a POST review form); this adds keys and click-to-select on steps.
// Served from this server as a file: the page's CSP allows no inline script.
/* global window, document, HTMLElement, HTMLAnchorElement, HTMLFormElement */
"use strict";
(() => {
  const form = document.getElementById("review-form");
  const stepSelect = document.getElementById("step");
  const categorySelect = document.getElementById("category");
  const subtypeSelect = document.getElementById("subtype");
  const rows = Array.from(document.querySelectorAll("#flips tbody tr"));
  let cursor = -1;

  const typing = (target) => target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

  function follow(id) {
    const link = document.getElementById(id);
    if (link instanceof HTMLAnchorElement) window.location.assign(link.href);
  }

  function moveCursor(offset) {
    if (rows.length === 0) return;
    if (cursor >= 0) rows[cursor].classList.remove("cursor");
    cursor = Math.min(rows.length - 1, Math.max(0, cursor + offset));
    rows[cursor].classList.add("cursor");
    rows[cursor].scrollIntoView({ block: "nearest" });
  }

  function showStep() {
    const value = stepSelect ? stepSelect.value : "";
    for (const cell of document.querySelectorAll("td.seg.variant")) cell.classList.toggle("selected", cell.dataset.step === value);
  }

  function setStepIndex(index) {
    if (!stepSelect) return;
    stepSelect.selectedIndex = Math.min(stepSelect.options.length - 1, Math.max(0, index));
    showStep();
  }

  function submit(buttonId) {
    const button = document.getElementById(buttonId);
    if (form instanceof HTMLFormElement && button) form.requestSubmit(button);
  }

  function chooseSubtype(key) {
    if (!subtypeSelect) return;
    const option = Array.from(subtypeSelect.options).find((candidate) => candidate.dataset.key === key);
    if (!option) return;
    subtypeSelect.value = option.value;
    if (categorySelect) categorySelect.value = option.dataset.category || "";
    submit("override");
  }

  if (subtypeSelect && categorySelect) {
    subtypeSelect.addEventListener("change", () => {
      const option = subtypeSelect.selectedOptions[0];
      if (option && option.dataset.category) categorySelect.value = option.dataset.category;
    });
  }
  if (stepSelect) stepSelect.addEventListener("change", showStep);
  for (const cell of document.querySelectorAll("td.seg.variant")) {
    cell.addEventListener("click", () => {
      if (!stepSelect) return;
      stepSelect.value = cell.dataset.step;
      showStep();
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const key = event.key;
    if (rows.length > 0) {
      if (key === "j") moveCursor(1);
      else if (key === "k") moveCursor(-1);
      else if (key === "Enter" && cursor >= 0) rows[cursor].querySelector("a.open")?.click();
      else return;
      event.preventDefault();
      return;
    }
    if (key === "j") follow("next");
    else if (key === "k") follow("prev");
    else if (/^[1-7]$/.test(key)) chooseSubtype(key);
    else if (key === "a") submit("accept");
    else if (key === "]" && stepSelect) setStepIndex(stepSelect.selectedIndex + 1);
    else if (key === "[" && stepSelect) setStepIndex(stepSelect.selectedIndex - 1);
    else if (key === "n") document.getElementById("note")?.focus();
    else return;
    event.preventDefault();
  });
  document.documentElement.dataset.keys = "ready";
})();
