"use strict";
// An instrument's table of contents (/i/{instrument id}), and the paragraph a result matched, marked when its
// whole article is opened (/p/{unit id}?focus={paragraph id}). Loaded before app.js, whose route() calls
// showContents and markMatched; they use its el, api, show, navLink, provisionHref, encodedId, setStatus, failure
// and latest when they run.
//   /i/{id}#{division anchor}   the contents, scrolled to a division (the provision view's breadcrumb links so)
//   /i/{id}?at={provision id}   the contents, that provision's entry marked and scrolled to

/** The anchor of a division in the contents: its titles from the outermost, as one slug. */
function contentsAnchor(path) {
  const slug = (title) => title.toLocaleLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "");
  return `toc-${path.map(slug).join("--")}`;
}

/** The contents of an instrument, opened at a division (`path`, its titles) or marking a provision (`at`). */
function contentsHref(instrumentId, { path = [], at = "" } = {}) {
  const query = at ? `?${new URLSearchParams({ at })}` : "";
  return `/i/${encodeURIComponent(instrumentId)}${query}${path.length ? `#${contentsAnchor(path)}` : ""}`;
}

const passagesCount = (n) => el("span", { class: "toc-count" }, `${n} passage${n === 1 ? "" : "s"}`);

function contentsEntry(entry, path, at) {
  if (entry.kind === "unit" || entry.kind === "subdivision") {
    const current = entry.provision_id === at;
    return el("li", { class: `toc-${entry.kind}${current ? " current" : ""}`, "aria-current": current ? "location" : null },
      navLink(provisionHref(entry.provision_id), entry.title, entry.heading && ` — ${entry.heading}`),
      " ", passagesCount(entry.passages),
      entry.children.length > 0 && el("ol", { class: "toc-subdivisions" }, entry.children.map((c) => contentsEntry(c, path, at))));
  }
  const inner = entry.kind === "division" ? [...path, entry.title] : path;
  const holdsAt = (e) => e.provision_id === at || e.children.some(holdsAt);
  const open = entry.kind === "division" || holdsAt(entry); // recitals stay folded unless one is asked for
  return el("li", { class: `toc-${entry.kind}`, id: entry.kind === "division" ? contentsAnchor(inner) : null },
    el("details", { open },
      el("summary", {}, el("span", { class: "toc-title" }, entry.title), " ", passagesCount(entry.passages)),
      el("ol", {}, entry.children.map((c) => contentsEntry(c, inner, at)))));
}

async function showContents(instrumentId, params) {
  const ticket = ++latest;
  setStatus("Opening the table of contents…");
  let body;
  try {
    body = await api(`/instruments/${encodeURIComponent(instrumentId)}/contents`);
  } catch (err) {
    if (ticket !== latest) return;
    setStatus("The table of contents could not be opened.", "error");
    show(failure(`Could not open the contents of ${instrumentId}: ${err.message}`,
      "Pick an instrument from the list on the home page (GET /instruments lists them)."));
    return;
  }
  if (ticket !== latest) return;
  const inst = body.instrument;
  const at = params.get("at") || "";
  document.title = `Contents of ${inst.short_title} — cyberlex`;
  setStatus("");
  show(el("article", { class: "contents", "aria-labelledby": "contents-title" },
    el("p", { class: "kicker" }, "Table of contents"),
    el("h1", { id: "contents-title", title: inst.title }, inst.short_title),
    el("p", { class: "facts" }, inst.title),
    el("p", { class: "hint" }, body.entries.length
      ? `${body.provisions} provisions, ${body.passages} passages in the index.`
      : "The index holds no text of this instrument yet (cyberlex ingest)."),
    el("ol", { class: "toc" }, body.entries.map((e) => contentsEntry(e, [], at)))));
  const target = (at && main.querySelector(".toc .current")) ||
    (location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1))));
  if (target) {
    target.classList.add("target");
    target.scrollIntoView({ block: "start" });
  } else {
    window.scrollTo(0, 0);
  }
}

// ---- the paragraph a result matched, in its whole article --------------------------------------

/** Wraps the characters [start, end) of `box`'s text in `wrapper`. The box holds text and links (flat, as
 * app.js's linkedText makes it); a link the range cuts into goes in whole. */
function wrapText(box, start, end, wrapper) {
  let at = 0;
  const inside = [];
  for (let node of [...box.childNodes]) {
    const length = node.textContent.length;
    if (at + length > start && at < end) {
      if (node.nodeType === Node.TEXT_NODE) {
        if (start > at) {
          node = node.splitText(start - at);
          at = start;
        }
        if (at + node.textContent.length > end) node.splitText(end - at);
      }
      inside.push(node);
    }
    at += node.textContent.length;
  }
  if (!inside.length) return null;
  inside[0].before(wrapper);
  wrapper.append(...inside);
  return wrapper;
}

/** Marks, and scrolls to, the paragraph a result matched (`focus`, an id below the unit shown). */
async function markMatched(view, focus, ticket) {
  if (!focus || !focus.startsWith(`${view.provision_id}/`)) return;
  let part;
  try {
    part = await api(`/provisions/${encodedId(focus)}`);
  } catch (_) {
    return; // the whole article is shown all the same
  }
  if (ticket !== latest) return;
  const box = main.querySelector(".provision-text");
  const start = view.text.indexOf(part.text);
  if (!box || start < 0) return;
  const mark = el("mark", { class: "matched", title: `${part.label}: the part your result matched` });
  if (wrapText(box, start, start + part.text.length, mark)) {
    mark.scrollIntoView({ block: "center" });
    setStatus(`${part.label}, the part your result matched, is highlighted.`);
  }
}
