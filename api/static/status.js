"use strict";
// Good law at a glance: the status of a provision (its own, from the catalogue, else its instrument's) as a badge on
// every result card and on the provision view, with the source that says so, and the date of the text held.
// Loaded before app.js, which calls it once the catalogue arrives; it uses app.js's helpers (el, human, unitName,
// navLink) only when called. Text only ever enters the DOM as text nodes.

/** Statuses that take a provision out of force or change it: shown as a warning, never like "in force". */
const WARNING_STATUSES = new Set(["struck-down", "suspended", "repealed", "amended", "not-yet-applicable", "not-yet-in-force"]);
const LONG_DATE = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

/** "11 February 2014" from "2014-02-11". */
function longDate(iso) {
  return LONG_DATE.format(new Date(`${iso}T00:00:00Z`));
}

/** "Disini v. Secretary of Justice (2014)": the source's name, before its first comma, and the year. */
function sourceName(entry) {
  return `${entry.source.split(",")[0].trim()} (${entry.date.slice(0, 4)})`;
}

/** What the badge says: "Struck down in part", "Not yet applicable: applies from 11 December 2027", "In force". */
function statusWords(status, entry) {
  const words = human(status);
  const said = words.charAt(0).toUpperCase() + words.slice(1) + (entry && entry.partial ? " in part" : "");
  return entry && status === "not-yet-applicable" ? `${said}: applies from ${longDate(entry.date)}` : said;
}

/** The status badge of a provision, and, when the catalogue records what became of it, the source linked; on the
 * provision view (`here`, its id) also the note (the extent) and the date. */
function statusBadge(status, entry, instrument, here = "") {
  const kind = WARNING_STATUSES.has(status) ? "warning" : "plain";
  const source = entry && (/^https?:\/\//.test(entry.url)
    ? el("a", { href: entry.url, rel: "noopener noreferrer", class: "status-source" }, sourceName(entry))
    : el("span", { class: "status-source" }, sourceName(entry)));
  const old = !entry && status === "amended" && instrument.text_as_of &&
    el("span", { class: "status-detail" }, `later amendments are not in this text (text as of ${instrument.text_as_of})`);
  const inherited = entry && here && entry.provision !== here ? `; recorded for ${unitName(entry.provision, instrument.id)}` : "";
  return el("div", { class: `good-law ${kind} status-${status}`, "data-status": status },
    el("p", { class: "status-line" },
      el("span", { class: "visually-hidden" }, "Status: "),
      el("span", { class: "status-badge", title: entry ? entry.note : "" }, statusWords(status, entry)),
      source && [" · ", source],
      old && [" · ", old]),
    here && entry && el("p", { class: "status-note" }, `${entry.note} — ${longDate(entry.date)}${inherited}`));
}

/** The parts of a provision whose status is not the provision's own ("s. 4(c)(3): struck down"), as links. */
function statusesWithin(entries, instrument) {
  if (!entries || !entries.length) return null;
  return el("div", { class: "good-law within" },
    el("p", { class: "status-line" }, "Parts of this provision have their own status:"),
    el("ul", {}, entries.map((e) => el("li", {},
      navLink(provisionHref(e.provision), unitName(e.provision, instrument.id)), `: ${statusWords(e.status, e)} · `,
      /^https?:\/\//.test(e.url) ? el("a", { href: e.url, rel: "noopener noreferrer" }, sourceName(e)) : sourceName(e),
      e.note && ` — ${e.note}`))));
}

/** The Status filter's options: the statuses of the indexed instruments and of the provisions the catalogue records. */
function statusOptions(instruments) {
  const held = new Set(instruments.flatMap((i) => [i.status, ...(i.provision_statuses || []).map((s) => s.status)]));
  const order = vocabularies.statuses.length ? vocabularies.statuses : [...held].sort();
  return order.filter((s) => held.has(s)).map((s) => [s, human(s)]);
}
