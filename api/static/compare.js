"use strict";
// The compare view (/?compare=<provision id>): the provision's counterpart in every other instrument, one row
// each, from GET /compare. Uses app.js's globals (el, api, show, setStatus, navLink, provisionHref, failure,
// human, latest); app.js's route() calls showCompare. Index text goes into the DOM as text nodes only.

/** The href of the compare view of a provision. */
function compareHref(provisionId) {
  return `/?${new URLSearchParams({ compare: provisionId })}`;
}

function compareRow(row) {
  const facts = row.weak ? " (weak match: check it)" : "";
  return el("tr", { class: row.weak ? "weak" : null },
    el("td", {}, row.instrument.jurisdiction, el("span", { class: "hint compare-instrument" }, row.instrument.short_title)),
    el("td", { class: "citation" }, navLink(provisionHref(row.provision_id), row.citation)),
    el("td", {}, row.heading),
    el("td", { class: "key-sentence", lang: row.instrument.language, dir: "auto" }, row.key_sentence, facts),
    el("td", {}, human(row.status)),
    el("td", {}, tagBadges(row.force, [])));
}

async function showCompare(provisionId) {
  const ticket = ++latest;
  setStatus("Comparing across jurisdictions…");
  let body;
  try {
    body = await api(`/compare?${new URLSearchParams({ provision: provisionId })}`);
  } catch (err) {
    if (ticket !== latest) return;
    setStatus("The comparison failed.", "error");
    show(failure(`Could not compare ${provisionId}: ${err.message}`, "Open the provision and try again."));
    return;
  }
  if (ticket !== latest) return;
  const title = `${body.citation}${body.heading ? ` — ${body.heading}` : ""}`;
  document.title = `Compare ${body.citation} — cyberlex`;
  const weak = body.rows.filter((r) => r.weak).length;
  setStatus(`A counterpart in ${body.rows.length} other instrument${body.rows.length === 1 ? "" : "s"}` +
    (weak ? `, ${weak} of them weak matches (last, greyed).` : "."));
  const headers = ["Jurisdiction", "Citation", "Heading", "Key sentence", "Status", "Force"];
  show(el("section", { class: "compare", "aria-labelledby": "compare-title" },
    el("h1", { id: "compare-title", class: "section-title" }, "Across jurisdictions: ", title),
    el("p", {}, navLink(provisionHref(body.provision_id), `← ${body.citation}`),
      el("span", { class: "hint" }, " · the closest provision of each other instrument, best first; weak matches last.")),
    el("div", { class: "compare-scroll" }, el("table", { class: "compare-table" },
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, body.rows.map(compareRow))))));
  window.scrollTo(0, 0);
}
