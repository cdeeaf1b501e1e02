"use strict";
// Choosing results and writing them out: a checkbox on every result card, "Select all", and a bar that copies
// or downloads the chosen provisions as an OSCOLA or Bluebook citation list, CSV or RIS (GET /export?ids=…).
// Loaded before app.js (so that it watches the page before app.js renders results); uses app.js's el, main,
// copyText and setStatus when results appear. Result cards, and the panel of a provision a typed
// citation opened, carry their provision id (data-provision); this script finds them as app.js renders them.

const EXPORT_FORMATS = [["oscola", "OSCOLA citations"], ["bluebook", "Bluebook citations"], ["csv", "CSV"], ["ris", "RIS"]];

/** The cards that can be chosen, in the order shown: the provision a typed citation opened, then the results. */
const exportCards = () => [...main.querySelectorAll(".cited[data-provision], .results[aria-label='Results'] > .result[data-provision]")];
const chosenIds = () => exportCards().filter((c) => c.querySelector(".choose input").checked).map((c) => c.dataset.provision);
const exportHref = (format, ids) => `/export?${new URLSearchParams([["format", format], ...ids.map((id) => ["ids", id])])}`;

function exportBar() {
  const all = el("input", { type: "checkbox", id: "choose-all" });
  const format = el("select", { id: "export-format", "aria-label": "Export format" },
    EXPORT_FORMATS.map(([value, label]) => el("option", { value }, label)));
  const copy = el("button", { type: "button", class: "secondary", id: "export-copy" }, "Copy");
  const download = el("button", { type: "button", class: "secondary", id: "export-download" }, "Download");
  const count = el("span", { class: "hint", id: "export-count", "aria-live": "polite" });
  const bar = el("div", { class: "export-bar", role: "group", "aria-label": "Export chosen results" },
    el("label", { class: "choose-all" }, all, " Select all"), count, format, copy, download);

  all.addEventListener("change", () => {
    for (const card of exportCards()) card.querySelector(".choose input").checked = all.checked;
    refreshExportBar();
  });
  copy.addEventListener("click", async () => {
    const ids = chosenIds();
    let text;
    try {
      const response = await fetch(exportHref(format.value, ids));
      text = await response.text();
      if (!response.ok) throw new Error(JSON.parse(text).detail);
    } catch (err) {
      setStatus(`Could not export: ${err.message}`, "error");
      return;
    }
    const copied = await copyText(text);
    setStatus(copied ? `Copied ${ids.length} result${ids.length === 1 ? "" : "s"} as ${format.selectedOptions[0].textContent}.`
      : "Could not copy: download the file instead.", copied ? "" : "error");
  });
  download.addEventListener("click", () => {
    const link = el("a", { href: exportHref(format.value, chosenIds()), download: "" });
    document.body.append(link);
    link.click();
    link.remove();
  });
  return bar;
}

/** The count and the buttons follow the checkboxes: nothing chosen, nothing to copy. */
function refreshExportBar() {
  const bar = main.querySelector(".export-bar");
  if (!bar) return;
  const cards = exportCards();
  const chosen = chosenIds().length;
  bar.querySelector("#export-count").textContent = chosen ? `${chosen} of ${cards.length} chosen` : "Choose results to export";
  bar.querySelector("#choose-all").checked = chosen > 0 && chosen === cards.length;
  for (const button of bar.querySelectorAll("button")) button.disabled = chosen === 0;
}

/** A checkbox on each card not yet holding one, and the bar above the first list of results. */
function equipResults() {
  const cards = exportCards();
  const bare = cards.filter((card) => !card.querySelector(".choose"));
  if (!bare.length) return; // also what keeps this observer's own changes from waking it again and again
  for (const card of bare) {
    const name = card.matches(".cited") ? card.getAttribute("aria-label").replace(/^The /, "the ")
      : card.querySelector(".citation").textContent;
    const box = el("input", { type: "checkbox", "aria-label": `Choose ${name}` });
    box.addEventListener("change", refreshExportBar);
    card.prepend(el("label", { class: "choose" }, box));
  }
  if (!main.querySelector(".export-bar")) (cards[0].matches(".cited") ? cards[0] : cards[0].parentElement).before(exportBar());
  refreshExportBar();
}

new MutationObserver(equipResults).observe(document.getElementById("main"), { childList: true, subtree: true });
