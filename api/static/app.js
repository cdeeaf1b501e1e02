"use strict";
// The adviser's page. Every view is a URL, so it can be bookmarked and shared:
//   /?q=…&jurisdiction=…   a search and its results        /p/{provision id}   one provision in full
//   /i/{instrument id}     its table of contents (contents.js)
// Text from the index only ever enters the DOM as text nodes (never innerHTML): it is escaped by
// construction, and highlighting wraps the matched parts of that text in <mark> elements.

const FILTERS = ["jurisdiction", "kind", "binding", "instrument", "language", "status", "force", "addressee"];
const PASSED_ON = ["q", "k", "mode", "understand", ...FILTERS];
const STOPWORDS = new Set(
  ("a an and any are as at be by can do does for from has have how if in into is it its may must not of on or " +
   "shall should that the their them there these this those to under was what when where which who with within " +
   "without art arts article articles sec section sections para paragraph").split(" ")
);
const LONG_PASSAGE = 900; // characters; longer passages start folded

const form = document.getElementById("search");
const queryBox = document.getElementById("q");
const defineForm = document.getElementById("define");
const defineBox = document.getElementById("define-term");
const main = document.getElementById("main");
const statusBox = document.getElementById("status");
let latest = 0; // the newest view asked for; answers to older requests are dropped
// The fixed vocabularies (unit words, deontic tags) as the server defines them: GET /vocabularies fills this.
let vocabularies = { units: {}, forces: [], addressees: [], statuses: [] };

// ---- small DOM and API helpers -------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === "") continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function api(path) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "application/json" } });
  } catch (_) {
    throw new Error("the server could not be reached; check your connection and try again");
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(body && typeof body.detail === "string" ? body.detail : `the server answered ${response.status}`);
  }
  return body;
}

/** Replaces the main view; falsy children (optional parts) are left out. */
function show(...children) {
  main.replaceChildren(...children.filter(Boolean));
}

function setStatus(message, kind = "") {
  statusBox.textContent = message;
  statusBox.className = `status ${kind}`.trim();
}

const human = (value) => (value || "").replace(/-/g, " ");
const languageNames = new Intl.DisplayNames(["en"], { type: "language" });
/** A language's English name from its ISO 639-1 code, as the browser knows it; a code it cannot read is shown as is. */
function languageName(code) {
  try {
    return languageNames.of(code);
  } catch (_) {
    return code || "";
  }
}
const encodedId = (id) => id.split("/").map(encodeURIComponent).join("/");
const provisionHref = (id) => `/p/${encodedId(id)}`;
const unitOf = (id) => id.split("/").slice(0, 2).join("/"); // INSTRUMENT_ID "/" UNIT, the id grammar's head
const navLink = (href, ...children) => el("a", { href, "data-nav": true }, ...children);

/** "budapest-convention/art-29/3" → "Art. 29(3)": a readable name for a provision we only know by id. */
function unitName(id, instrumentId) {
  const [unit, ...sub] = id.slice(instrumentId.length + 1).split("/");
  const [, prefix, number] = unit.match(/^([a-z]+)(?:-(.+))?$/) || [null, "", unit];
  const word = vocabularies.units[prefix];
  const name = word ? [word, number].filter(Boolean).join(" ") : unit;
  return name + sub.map((s) => `(${s})`).join("");
}

// ---- highlighting ------------------------------------------------------------------------

function queryTerms(query) {
  const words = query.toLocaleLowerCase().split(/[^\p{L}\p{N}\p{M}]+/u);
  const terms = words.filter((w) => w && !STOPWORDS.has(w) && (w.length > 2 || /\p{N}/u.test(w)));
  return [...new Set(terms)].sort((a, b) => b.length - a.length);
}

/** A crude stem, so that "preservation" also marks "preserve" and "preserved"; never shorter than 4 letters. */
function stem(term) {
  const cut = term.replace(/(ations?|itions?|ions?|ings?|ments?|ed|es|e|s)$/u, "");
  return cut.length >= 4 ? cut : term;
}

/** One regex for all terms. In scripts written with spaces a term marks the whole word its stem begins
 * ("art" never inside "party"); in Thai, Chinese and Japanese it marks the term itself. */
function termPattern(terms) {
  if (!terms.length) return null;
  const unspaced = /[\p{Script=Thai}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const parts = terms.map((t) => (unspaced.test(t) ? escape(t) : `(?<![\\p{L}\\p{N}])${escape(stem(t))}[\\p{L}\\p{N}]*`));
  return new RegExp(`(${parts.join("|")})`, "giu");
}

/** The text as nodes, matches wrapped in <mark>: split() with one capture group puts matches at odd indices. */
function highlighted(text, pattern) {
  if (!pattern) return [text];
  return text.split(pattern).map((part, i) => (i % 2 ? el("mark", {}, part) : part));
}

// ---- copying a citation ------------------------------------------------------------------

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) {
      // permission refused: fall back to the selection below
    }
  }
  const area = el("textarea", { readonly: true, class: "offscreen", "aria-hidden": "true", tabindex: "-1" });
  area.value = text;
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch (_) {
    copied = false;
  }
  area.remove();
  return copied;
}

function copyButton(citation) {
  const button = el("button", { type: "button", class: "copy secondary", "aria-label": `Copy citation: ${citation}` }, "Copy citation");
  button.addEventListener("click", async () => {
    const copied = await copyText(citation);
    button.textContent = copied ? "Copied ✓" : "Copy failed";
    setStatus(copied ? `Copied “${citation}” to the clipboard.` : "Could not copy: select the citation and copy it by hand.");
    setTimeout(() => (button.textContent = "Copy citation"), 2500);
  });
  return button;
}

// ---- the legal index: tags, defined terms, cross-references -----------------------------------

const capitalised = (text) => text.charAt(0).toUpperCase() + text.slice(1);
const instrumentOf = (id) => id.split("/")[0];

/** Badges for the kind of rule and whom it addresses; null when the text has no tags (a recital). */
function tagBadges(force = [], addressees = []) {
  if (!force.length && !addressees.length) return null;
  return el("p", { class: "tags" },
    el("span", { class: "visually-hidden" }, "Kind of rule and addressees: "),
    force.map((f) => el("span", { class: `tag force-${f}` }, capitalised(f))),
    addressees.map((a) => el("span", { class: "tag addressee" }, `→ ${human(a)}`)));
}

/** The tag filters hold a fixed vocabulary (ingest/deontic.py); it needs no index, so they fill even when the
 * catalogue cannot load. */
async function loadVocabularies() {
  try {
    vocabularies = await api("/vocabularies");
  } catch (err) {
    setStatus(`The tag filters are unavailable: ${err.message}`, "error");
    return;
  }
  fillSelect("force", vocabularies.forces.map((f) => [f, capitalised(f)]));
  fillSelect("addressee", vocabularies.addressees.map((a) => [a, capitalised(human(a))]));
}

/** A readable name for a provision of any instrument: "Art. 2", or "s. 14 (Kenya Computer Misuse Act)". */
function provisionName(id, here) {
  const instrument = instrumentOf(id);
  const name = unitName(id, instrument);
  return instrument === here ? name : `${name}, ${instrumentName(instrument)}`;
}

/** The provision's text as nodes: defined terms link to their definitions, resolved references to their
 * targets; where two spans overlap, the one that starts first wins. */
function linkedText(view) {
  const spans = [];
  for (const ref of (view.references && view.references.outgoing) || []) {
    if (!ref.resolved || ref.kind !== "provision" || ref.target === view.provision_id) continue;
    spans.push({ start: ref.start, end: ref.end, href: provisionHref(ref.target), kind: "xref",
                 title: `Go to ${provisionName(ref.target, view.instrument_id)}` });
  }
  for (const use of view.definitions || []) {
    spans.push({ start: use.start, end: use.end, href: provisionHref(use.definitions[0]), kind: "defined-term",
                 title: `“${use.term}” is defined in ${use.definitions.map((d) => unitName(d, view.instrument_id)).join(", ")}` });
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const nodes = [];
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    nodes.push(view.text.slice(at, span.start),
      el("a", { href: span.href, "data-nav": true, class: span.kind, title: span.title }, view.text.slice(span.start, span.end)));
    at = span.end;
  }
  nodes.push(view.text.slice(at));
  return nodes;
}

/** Unique ids, in order: a provision named twice is listed once. */
const unique = (ids) => [...new Set(ids)];

function referenceList(title, ids, here) {
  if (!ids.length) return null;
  return [el("h3", {}, title),
    el("ul", { class: "links" }, ids.map((id) => el("li", {}, navLink(provisionHref(id), provisionName(id, here)))))];
}

/** Defined terms, references to and from the provision; a note instead when the legal index is not built. */
function legalLinks(view) {
  if (view.references === null || view.definitions === null) {
    return el("section", { class: "legal", "aria-label": "Legal links" },
      el("p", { class: "hint" }, "Definitions and cross-references appear once the legal index is built (cyberlex ingest)."));
  }
  const terms = unique(view.definitions.map((use) => use.term));
  const outgoing = unique(view.references.outgoing.filter((r) => r.resolved && r.kind === "provision").map((r) => r.target));
  const incoming = unique(view.references.incoming.map((r) => r.source));
  if (!terms.length && !outgoing.length && !incoming.length) return null;
  return el("section", { class: "legal", "aria-labelledby": "legal-title" },
    el("h2", { id: "legal-title" }, "Definitions and cross-references"),
    terms.length > 0 && [el("h3", {}, "Defined terms used here"),
      el("ul", { class: "links" }, terms.map((term) => {
        const use = view.definitions.find((u) => u.term === term);
        return el("li", {}, navLink(provisionHref(use.definitions[0]), `“${term}”`), " — ",
          navLink(`/?${new URLSearchParams({ define: term })}`, `Definitions of “${term}” in every instrument`));
      }))],
    referenceList("Refers to", outgoing.filter((id) => id !== view.provision_id), view.instrument_id),
    referenceList("Referred to by", incoming, view.instrument_id));
}

function relatedItem(item) {
  return el("li", { class: "result related-item" },
    el("h3", { class: "citation" }, navLink(provisionHref(item.provision_id), item.citation)),
    item.heading && el("p", { class: "heading" }, item.heading),
    el("p", { class: "facts" }, instrumentFacts(item.instrument)),
    tagBadges(item.force, item.addressees));
}

/** "Related provisions in other instruments", filled in when the answer comes. */
function relatedSection(view, ticket) {
  const body = el("div", { class: "related-body" }, el("p", { class: "hint" }, "Finding related provisions…"));
  const section = el("section", { class: "related", "aria-labelledby": "related-title" },
    el("h2", { id: "related-title" }, "Related provisions in other instruments"), body);
  api(`/provisions/${encodedId(view.provision_id)}/related`).then((answer) => {
    if (ticket !== latest) return;
    body.replaceChildren(answer.related.length
      ? el("ol", { class: "results" }, answer.related.map(relatedItem))
      : el("p", { class: "hint" }, "None: recitals, preambles and annexes state no rules to compare."));
  }, (err) => {
    if (ticket === latest) body.replaceChildren(el("p", { class: "hint" }, `Related provisions are unavailable: ${err.message}`));
  });
  return section;
}

async function showDefinitions(term) {
  const ticket = ++latest;
  document.title = `Definitions of ${term} — cyberlex`;
  setStatus(`Looking up the definitions of “${term}”…`);
  let body;
  try {
    body = await api(`/definitions?${new URLSearchParams({ term })}`);
  } catch (err) {
    if (ticket !== latest) return;
    setStatus("The definitions could not be looked up.", "error");
    show(failure(`The definitions could not be looked up: ${err.message}`));
    return;
  }
  if (ticket !== latest) return;
  const count = body.definitions.length;
  setStatus(count ? `${count} definition${count === 1 ? "" : "s"} of “${body.term}”.` : `No definition of “${body.term}”.`);
  const pattern = termPattern(queryTerms(body.term));
  show(el("h1", { class: "section-title" }, `Definitions of “${body.term}”`),
    count
      ? el("ol", { class: "results", "aria-label": "Definitions" }, body.definitions.map((d) => el("li", { class: "result" },
        el("h2", { class: "citation" }, navLink(provisionHref(d.provision_id), d.citation)),
        el("p", { class: "facts" }, instrumentFacts(d.instrument)),
        passageBlock(d.text, pattern, d.instrument.language),
        el("div", { class: "actions" }, copyButton(d.citation)))))
      : el("div", { class: "empty" }, el("p", {}, `No instrument in the index defines “${body.term}”.`)));
}

// ---- the catalogue (filters, intro) ------------------------------------------------------

let catalogue = [];

function fillSelect(name, options) {
  const select = form.elements[name];
  select.replaceChildren(el("option", { value: "" }, "Any"), ...options.map(([value, label]) => el("option", { value }, label)));
}

/** The options of a filter: values of the instruments the index holds, so that no option finds nothing. */
function distinct(instruments, field, label = (v) => v) {
  const values = [...new Set(instruments.map((i) => i[field]).filter(Boolean))];
  return values.map((v) => [v, label(v)]).sort((a, b) => a[1].localeCompare(b[1]));
}

async function loadCatalogue() {
  try {
    catalogue = await api("/instruments");
  } catch (err) {
    setStatus(`Filters are unavailable: ${err.message}`, "error");
    return;
  }
  const indexed = catalogue.filter((i) => i.passages > 0);
  fillSelect("jurisdiction", distinct(indexed, "jurisdiction"));
  fillSelect("kind", distinct(indexed, "kind", human));
  fillSelect("language", distinct(indexed, "language", languageName));
  fillSelect("status", statusOptions(indexed));
  fillSelect("instrument", indexed.map((i) => [i.id, `${i.short_title} (${i.jurisdiction})`]).sort((a, b) => a[1].localeCompare(b[1])));
}

// ---- the search form and the URL --------------------------------------------------------

/** Sets the form from the URL; a value the drop-down lacks is added, so the form shows what is searched. */
function fillForm(params) {
  queryBox.value = params.get("q") || "";
  defineBox.value = params.get("define") || "";
  for (const name of FILTERS) {
    const select = form.elements[name];
    const value = params.get(name) || "";
    if (value && ![...select.options].some((o) => o.value === value)) select.append(el("option", { value }, value));
    select.value = value;
  }
  const set = FILTERS.filter((name) => params.get(name)).length;
  filtersToggle.textContent = set ? `Filters (${set})` : "Filters";
}

/** The filters set in the URL (or those of them in `names`), as "jurisdiction: Kenya". */
function activeFilters(params, names = FILTERS) {
  const labels = { binding: (v) => (v === "true" ? "binding" : "not binding"), instrument: instrumentName, language: languageName };
  return FILTERS.filter((n) => names.includes(n) && params.get(n)).map((n) => `${n}: ${(labels[n] || human)(params.get(n))}`);
}

function instrumentName(id) {
  const found = catalogue.find((i) => i.id === id);
  return found ? found.short_title : id;
}

function navigate(url) {
  if (url !== location.pathname + location.search) history.pushState(null, "", url);
  route();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const q = queryBox.value.trim();
  if (!q) {
    setStatus("Type a question, a topic or a citation, then search.", "error");
    queryBox.focus();
    return;
  }
  const params = new URLSearchParams({ q });
  for (const name of FILTERS) if (form.elements[name].value) params.set(name, form.elements[name].value);
  navigate(`/?${params}`);
});

defineForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const term = defineBox.value.trim();
  if (!term) {
    setStatus("Type a term, such as “computer system”, to see how each instrument defines it.", "error");
    defineBox.focus();
    return;
  }
  navigate(`/?${new URLSearchParams({ define: term })}`);
});

const filtersToggle = document.getElementById("filters-toggle");
filtersToggle.addEventListener("click", () => {
  const open = form.classList.toggle("filters-open");
  filtersToggle.setAttribute("aria-expanded", String(open));
});

document.getElementById("clear-filters").addEventListener("click", () => {
  for (const name of FILTERS) form.elements[name].value = "";
  setStatus("Filters cleared; search again to apply.");
});

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-nav]");
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});

document.addEventListener("keydown", (event) => {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
  if (event.key === "/" && !typing) {
    event.preventDefault();
    queryBox.focus();
  }
});

window.addEventListener("popstate", route);

// ---- views -----------------------------------------------------------------------------

/** The instrument's facts; `ownStatus` leaves its status to the provision's status badge, and gives the text's date.
 * The short title names it; the full title shows on hover. */
function instrumentFacts(inst, ownStatus = false) {
  const facts = [human(inst.kind), inst.jurisdiction, !ownStatus && human(inst.status), inst.binding ? "binding" : "not binding",
    ownStatus && inst.text_as_of && `text as of ${inst.text_as_of}`];
  return [el("span", { class: "instrument-title", title: inst.title }, inst.short_title || inst.title), " · ",
    facts.filter(Boolean).join(" · ")];
}

function passageBlock(text, pattern, language) {
  const quote = el("blockquote", { class: "passage", lang: language, dir: "auto" }, highlighted(text, pattern));
  if (text.length <= LONG_PASSAGE) return [quote];
  quote.classList.add("folded");
  const toggle = el("button", { type: "button", class: "link-button", "aria-expanded": "false" }, "Show the whole passage");
  toggle.addEventListener("click", () => {
    const folded = quote.classList.toggle("folded");
    toggle.setAttribute("aria-expanded", String(!folded));
    toggle.textContent = folded ? "Show the whole passage" : "Show less";
  });
  return [quote, toggle];
}

function resultItem(result, pattern) {
  const href = provisionHref(result.provision_id);
  const unit = unitOf(result.provision_id);
  const whole = unit === result.provision_id ? provisionHref(unit) : `${provisionHref(unit)}?${new URLSearchParams({ focus: result.provision_id })}`;
  return el("li", { class: "result", "data-provision": result.provision_id },
    el("h2", { class: "citation" }, navLink(href, result.citation)),
    result.heading && el("p", { class: "heading" }, result.heading),
    el("p", { class: "facts" }, instrumentFacts(result.instrument, true)),
    statusBadge(result.status, result.status_entry, result.instrument),
    tagBadges(result.force, result.addressees),
    result.path.length > 0 && el("p", { class: "path" }, result.path.join(" › ")),
    passageBlock(result.text, pattern, result.instrument.language),
    el("div", { class: "actions" },
      copyButton(result.citation),
      navLink(whole, "Full provision", el("span", { class: "visually-hidden" }, ` of ${result.citation}`)),
      result.page && el("span", { class: "page" }, `page ${result.page} of the source`),
      result.via === "citation" && el("span", { class: "badge" }, "cited in your query"),
      result.weak && el("span", { class: "badge weak", title: "No word of your query occurs in it; it is only near in meaning." }, "weak match")));
}

// The kinds of rule a question can ask for (UnderstoodOut.asks), as the reading line names them.
const ASKED_RULES = {
  prohibition: "offences", permission: "powers and rights", procedural: "final clauses", scope: "scope provisions",
  purpose: "subject-matter provisions",
};

/** What the question was read to be about, with a link to the same search without that reading. */
function understoodLine(understood, params) {
  if (params.get("understand") === "false") {
    const back = new URLSearchParams(params);
    back.delete("understand");
    return el("p", { class: "understood" }, "Searched as typed, without reading instruments or places from it. ",
      navLink(`/?${back}`, "Read the question again"));
  }
  const parts = [];
  if (understood.intent === "definition") parts.push(`the meaning of “${understood.term}”`);
  if (understood.instruments.length) parts.push(`in ${understood.instruments.map(instrumentName).join(", ")} first`);
  else if (understood.jurisdictions.length) parts.push(`${understood.jurisdictions.join(", ")} law favoured`);
  if (understood.language !== "en") parts.push(`typed in ${languageName(understood.language)}`);
  const asked = (understood.asks || []).filter((force) => ASKED_RULES[force]).map((force) => ASKED_RULES[force]);
  if (asked.length) parts.push(`${asked.join(" and ")} favoured`);
  if (!parts.length) return null;
  const plain = new URLSearchParams(params);
  plain.set("understand", "false");
  return el("p", { class: "understood", "aria-label": "How the question was read" },
    el("span", { class: "kicker" }, "Read as: "), parts.join(" · "), " — ", navLink(`/?${plain}`, "search as typed instead"));
}

function breadcrumb(view) {
  const inst = view.instrument;
  return el("nav", { class: "breadcrumb", "aria-label": "Place in the instrument" },
    el("ol", {},
      el("li", {}, navLink(contentsHref(inst.id, { at: view.unit_id }), inst.short_title || inst.title)),
      view.path.map((part, n) => el("li", {}, navLink(contentsHref(inst.id, { path: view.path.slice(0, n + 1) }), part))),
      el("li", { "aria-current": "page" }, view.label)));
}

function neighbours(view) {
  if (!view.previous_id && !view.next_id) return null;
  const inst = view.instrument;
  const link = (id, rel, text) => id && el("a", { href: provisionHref(id), "data-nav": true, rel }, text(unitName(id, inst.id)));
  return el("nav", { class: "neighbours", "aria-label": "Neighbouring provisions" },
    link(view.previous_id, "prev", (name) => `← Previous: ${name}`) || el("span"),
    link(view.next_id, "next", (name) => `Next: ${name} →`));
}

function catalogueEntry(inst) {
  const official = /^https?:\/\//.test(inst.official_url)
    ? el("a", { href: inst.official_url, rel: "noopener noreferrer" }, "Official text ↗")
    : inst.official_url;
  const rows = [
    ["Title", inst.title],
    ["Cited as", inst.citation],
    ["Kind", human(inst.kind)],
    ["Jurisdiction", inst.jurisdiction],
    ["Binding", inst.binding ? "Yes" : "No"],
    ["Status", [human(inst.status), inst.status_note && ` — ${inst.status_note}`]],
    ["Text as of", inst.text_as_of],
    ["Language", languageName(inst.language)],
    ["Adopted", inst.adopted],
    ["Source", official],
  ];
  return el("aside", { class: "catalogue", "aria-labelledby": "catalogue-title" },
    el("h2", { id: "catalogue-title" }, inst.short_title || "Instrument"),
    el("dl", {}, rows.filter(([, value]) => value && (!Array.isArray(value) || value[0])).map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])));
}

/** A provision in full; `level` is its heading level (1 on its own page, 2 inside search results). */
function provisionArticle(view, level) {
  const whole = view.provision_id !== view.unit_id &&
    el("p", { class: "part-of" }, "Part of ", navLink(provisionHref(view.unit_id), unitName(view.unit_id, view.instrument_id)), ".");
  return el("article", { class: "provision" },
    breadcrumb(view),
    el(`h${level}`, { class: "provision-title" }, view.label, view.heading && ` — ${view.heading}`),
    el("p", { class: "citation-line" }, el("span", { class: "citation-text" }, view.citation), copyButton(view.citation)),
    statusBadge(view.status, view.status_entry, view.instrument, view.provision_id),
    statusesWithin(view.statuses_within, view.instrument),
    tagBadges(view.force, view.addressees),
    whole,
    el("div", { class: "provision-text", lang: view.instrument.language, dir: "auto" }, linkedText(view)),
    neighbours(view));
}

function intro() {
  const indexed = catalogue.filter((i) => i.passages > 0);
  return el("section", { class: "intro" },
    el("h1", {}, "Find the provision, with its citation"),
    el("p", {}, "Ask in your own words (“who must report a significant incident, and when?”), name a topic, or type a citation. " +
      "Results are the provisions themselves, quoted, each with a pinpoint citation you can copy."),
    indexed.length > 0 && el("details", {},
      el("summary", {}, `What the index holds: ${indexed.length} instruments`),
      el("table", {},
        el("thead", {}, el("tr", {}, ["Instrument", "Jurisdiction", "Kind", "Provisions"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, indexed.map((i) => el("tr", {},
          el("td", {}, navLink(contentsHref(i.id), i.short_title)), el("td", {}, i.jurisdiction), el("td", {}, human(i.kind)), el("td", { class: "num" }, i.provisions)))))));
}

function failure(message, hint) {
  return el("div", { class: "error-box", role: "alert" }, el("p", {}, el("strong", {}, message)), hint && el("p", {}, hint));
}

// ---- routing -----------------------------------------------------------------------------

async function runSearch(params) {
  const ticket = ++latest;
  const q = params.get("q").trim();
  document.title = `${q} — cyberlex`;
  sessionStorage.setItem("lastSearch", location.pathname + location.search);
  setStatus(`Searching for “${q}”…`);
  const request = new URLSearchParams([...params].filter(([name, value]) => PASSED_ON.includes(name) && value));
  let body;
  try {
    body = await api(`/search?${request}`);
  } catch (err) {
    if (ticket !== latest) return;
    setStatus("The search failed.", "error");
    show(failure(`The search failed: ${err.message}`, "Change the query or the filters and search again."));
    return;
  }
  if (ticket !== latest) return;
  const active = activeFilters(params);
  const understood = understoodLine(body.understood, params);
  if (!body.results.length) {
    setStatus(`No results for “${q}”.`);
    const withoutFilters = `/?${new URLSearchParams({ q })}`;
    show(understood, el("div", { class: "empty" },
      el("p", {}, el("strong", {}, `No provision matches “${q}”`), active.length ? ` with ${active.join(", ")}.` : "."),
      body.notice && el("p", { class: "notice" }, body.notice),
      active.length
        ? el("p", {}, "Try removing filters: ", navLink(withoutFilters, "search again without filters"), ".")
        : el("p", {}, "Try other words, or a citation such as “GDPR art. 33”.")));
    return;
  }
  const pattern = termPattern(queryTerms(q));
  const [first, ...rest] = body.results;
  const cited = first.via === "citation";
  const exact = body.cited_level === body.cited;  // else the text stops above the pinpoint typed
  const count = body.results.length;
  const filtered = active.length ? ` with ${active.join(", ")}` : "";  // the other passages keep every filter
  const others = `${rest.length} other passage${rest.length === 1 ? "" : "s"}${filtered}`;
  setStatus(!cited ? `${count} result${count === 1 ? "" : "s"} for “${q}”${filtered}.`
    : exact ? `The provision you cited, ${first.citation}, and ${others}.`
    : `Your citation goes deeper than the text: ${first.citation}, the deepest level of it the text has, and ${others}.`);
  const list = (results) => el("ol", { class: "results", "aria-label": "Results" }, results.map((r) => resultItem(r, pattern)));
  const title = el("h1", { class: "visually-hidden" }, `Results for “${q}”`);
  const notice = body.notice && el("p", { class: "notice" }, body.notice);
  if (!cited) {
    show(title, understood, notice, list(body.results));
    return;
  }
  const kicker = exact ? "The provision you cited" : "The deepest level of your citation the text has";
  const panel = el("section", { class: "cited", "aria-label": kicker, "data-provision": first.provision_id }, el("p", { class: "kicker" }, kicker));
  if (body.set_aside.length) panel.append(el("p", { class: "notice" }, `Your citation names its instrument, so these filters were set aside for it: ${activeFilters(params, body.set_aside).join(", ")}. The other passages keep them.`));
  show(title, understood, notice, panel, rest.length > 0 && el("h2", { class: "section-title" }, "Other passages"), rest.length > 0 && list(rest));
  try {
    const view = await api(`/provisions/${encodedId(first.provision_id)}`);
    if (ticket !== latest) return;
    panel.append(provisionArticle(view, 2), el("p", {}, navLink(provisionHref(view.provision_id), "Open this provision on its own page")));
  } catch (_) {
    panel.append(el("ol", { class: "results" }, resultItem(first, null)));
  }
}

async function showProvision(id) {
  const ticket = ++latest;
  setStatus("Opening the provision…");
  let view;
  try {
    view = await api(`/provisions/${encodedId(id)}`);
  } catch (err) {
    if (ticket !== latest) return;
    setStatus("The provision could not be opened.", "error");
    show(failure(`Could not open ${id}: ${err.message}`, "Check the id, or search for the provision instead."));
    return;
  }
  if (ticket !== latest) return;
  document.title = `${view.citation} — cyberlex`;
  setStatus("");
  const back = sessionStorage.getItem("lastSearch");
  show(
    back && el("p", { class: "back" }, navLink(back, "← Back to the results")),
    el("div", { class: "provision-page" },
      el("div", { class: "provision-main" }, provisionArticle(view, 1),
        el("p", { class: "compare-link" }, navLink(compareHref(view.provision_id), "Compare across jurisdictions")),
        legalLinks(view), relatedSection(view, ticket)),
      catalogueEntry(view.instrument)));
  window.scrollTo(0, 0);
  main.focus({ preventScroll: true });
  markMatched(view, new URLSearchParams(location.search).get("focus"), ticket);
}

function route() {
  if (location.pathname.startsWith("/i/")) return showContents(decodeURIComponent(location.pathname.slice(3)), new URLSearchParams(location.search));
  if (location.pathname.startsWith("/p/")) {
    const id = location.pathname.slice(3).split("/").map(decodeURIComponent).join("/");
    return showProvision(id);
  }
  const params = new URLSearchParams(location.search);
  fillForm(params);
  if ((params.get("define") || "").trim()) return showDefinitions(params.get("define").trim());
  if ((params.get("compare") || "").trim()) return showCompare(params.get("compare").trim());
  if (!(params.get("q") || "").trim()) {
    latest++;
    document.title = "cyberlex — cited provisions of cyber law";
    setStatus("");
    show(intro());
    return;
  }
  return runSearch(params);
}

// The first view waits for the vocabularies; routing refills the form from the URL, so a question typed meanwhile,
// and not yet submitted, is put back.
Promise.all([loadVocabularies(), loadCatalogue()]).then(() => {
  const typed = queryBox.value;
  route();
  if (typed && !(new URLSearchParams(location.search).get("q") || "").trim()) queryBox.value = typed;
});
